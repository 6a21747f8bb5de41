/*
 * cmd_conflicts.c: `braid conflicts`, `braid conflicts show ID`, `braid
 * resolve ID` (api: conflicts_list, conflict_show, resolve).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_opt list_opts[] = {
    {"state", 's', 1, "open (default: open and being resolved), resolved, superseded or all"},
    {0},
};

/* Who submitted a conflict's work, for people: the agent's name, else its id. */
static const char *conflict_agent(const json_t *c)
{
	return *cli_jstr(c, "agent") ? cli_jstr(c, "agent") : cli_jstr(c, "agent_id");
}

/* Does conflict `c`, or one listed before it, name file `path` before file `upto`? */
static int seen_before(const json_t *list, size_t c, size_t upto, const char *path)
{
	size_t k, m;

	for (k = 0; k <= c; k++) {
		const json_t *files = json_object_get(json_array_get(list, k), "files");
		size_t n = k == c ? upto : json_array_size(files);
		for (m = 0; m < n; m++)
			if (!strcmp(cli_jstr(json_array_get(files, m), "path"), path))
				return 1;
	}
	return 0;
}

/* Grouped by file, then by the submitting (origin) agent. */
static void print_conflicts(const json_t *list)
{
	size_t i, j, k, m;

	if (!json_array_size(list))
		printf("no conflicts\n");
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *files = json_object_get(json_array_get(list, i), "files");
		for (j = 0; j < json_array_size(files); j++) {
			const char *path = cli_jstr(json_array_get(files, j), "path");
			if (seen_before(list, i, j, path))
				continue;
			printf("%s\n", path);
			for (k = i; k < json_array_size(list); k++) {
				const json_t *c = json_array_get(list, k);
				const json_t *cf = json_object_get(c, "files");
				for (m = 0; m < json_array_size(cf); m++) {
					const json_t *f = json_array_get(cf, m);
					if (strcmp(cli_jstr(f, "path"), path))
						continue;
					printf("  %s  %-12s %-10s %-14s %s\n", cli_jstr(c, "id"),
					       conflict_agent(c), cli_jstr(c, "state"),
					       cli_jstr(f, "kind"), cli_jstr(f, "description"));
				}
			}
		}
	}
}

static int cmd_conflicts(cli_args *a)
{
	braid_api_result r;
	int rc;

	if (a->npos)
		return cli_usage_error(a,
		                       "unexpected argument '%s' (did you mean 'braid conflicts "
		                       "show %s'?)",
		                       a->pos[0], a->pos[0]);
	rc = cli_call(&r, NULL, a, "conflicts_list",
	              json_pack("{s:s?}", "state", cli_opt_value(a, "state")));
	if (!rc && !a->json)
		print_conflicts(json_object_get(r.data, "conflicts"));
	cli_call_done(&r, NULL);
	return rc;
}

/* One side of a conflicted file: its content, or why there is none to show. */
static void print_side(const json_t *f, const char *key, const char *blob_key)
{
	const json_t *c = json_object_get(json_object_get(f, "content"), key);

	if (!json_is_string(c)) {
		printf("----- %s: (%s)\n", key,
		       json_is_string(json_object_get(f, blob_key)) ? "binary" : "file absent");
		return;
	}
	printf("----- %s\n", key);
	(void)fwrite(json_string_value(c), 1, json_string_length(c), stdout); /* main checks */
	if (json_string_length(c) && json_string_value(c)[json_string_length(c) - 1] != '\n')
		printf("\n\\ no newline at end of file\n");
}

static void print_conflict(const json_t *c)
{
	const json_t *files = json_object_get(c, "files");
	size_t i, k;

	printf("conflict %s (%s): submission %lld by %s, change %s\n"
	       "  base %.12s   main %.12s   submitted %.12s\n",
	       cli_jstr(c, "id"), cli_jstr(c, "state"), cli_jint(c, "submission"),
	       conflict_agent(c), cli_jstr(c, "change"), cli_jstr(c, "base"), cli_jstr(c, "main"),
	       cli_jstr(c, "submitted"));
	for (i = 0; i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);
		const json_t *origin = json_object_get(f, "main_origin");
		const json_t *regions = json_object_get(f, "regions");
		printf("\n== %s: %s\n   %s\n", cli_jstr(f, "path"), cli_jstr(f, "kind"),
		       cli_jstr(f, "description"));
		for (k = 0; k < json_array_size(origin); k++) {
			const json_t *o = json_array_get(origin, k);
			const char *who = cli_jstr(o, "agent_name");
			printf("   main's side came from %s (commit %.12s)\n",
			       *who ? who : (*cli_jstr(o, "author") ? cli_jstr(o, "author") : "?"),
			       cli_jstr(o, "commit"));
		}
		for (k = 0; k < json_array_size(regions); k++) {
			const json_t *g = json_array_get(regions, k);
			if (strcmp(cli_jstr(g, "verdict"), "merge"))
				printf("   region: %s\n", cli_jstr(g, "description"));
		}
		print_side(f, "base", "base_blob");
		print_side(f, "main", "main_blob");
		print_side(f, "submitted", "submitted_blob");
	}
	printf("\nnext: run 'braid resolve %s' in %s's workspace\n", cli_jstr(c, "id"),
	       conflict_agent(c));
}

static const cli_opt no_opts[] = {{0}};

static int cmd_conflicts_show(cli_args *a)
{
	braid_api_result r;
	int rc;

	if (a->npos != 1)
		return cli_usage_error(a, a->npos ? "give exactly one conflict ID"
		                                  : "missing conflict ID");
	rc = cli_call(&r, NULL, a, "conflict_show", json_pack("{s:s}", "id", a->pos[0]));
	if (!rc && !a->json)
		print_conflict(r.data);
	cli_call_done(&r, NULL);
	return rc;
}

static int cmd_resolve(cli_args *a)
{
	braid_api_result r;
	braid_ctx *ctx = NULL;
	const json_t *files;
	size_t i;
	int rc;

	if (a->npos != 1)
		return cli_usage_error(a, a->npos ? "give exactly one conflict ID"
		                                  : "missing conflict ID");
	rc = cli_call(&r, &ctx, a, "resolve", json_pack("{s:s}", "id", a->pos[0]));
	files = json_object_get(r.data, "files_with_markers");
	if (!rc && !a->json) {
		printf("the workspace is now on the current %s with your work merged in;\n"
		       "edit the conflict markers out of:\n",
		       braid_ctx_target_name(ctx));
		for (i = 0; i < json_array_size(files); i++)
			printf("  %s\n", json_string_value(json_array_get(files, i)));
		if (!json_array_size(files))
			printf("  (none: it merges cleanly now; check the files)\n");
		printf("then run 'braid submit' to land the resolution\n");
	}
	cli_call_done(&r, ctx);
	return rc;
}

CLI_COMMAND(conflicts, "conflicts", cmd_conflicts, list_opts, "[--state STATE]",
            "list conflicts, grouped by file and by the agent whose submission conflicted", NULL)
CLI_COMMAND(conflicts_show, "conflicts show", cmd_conflicts_show, no_opts, "ID",
            "show a conflict: each file's regions, base, main's side and the submitted side", NULL)
CLI_COMMAND(resolve, "resolve", cmd_resolve, no_opts, "ID",
            "write a conflict into the submitting agent's workspace (diff3 markers) to resolve",
            "Run in the workspace of the agent whose submission conflicted. The workspace moves\n"
            "onto the current target branch with the agent's work merged in; conflicting regions\n"
            "get <<<<<<< main / ||||||| base / ======= / >>>>>>> submitted markers. Edit them,\n"
            "then 'braid submit' lands the resolution and records a resolve op.")
