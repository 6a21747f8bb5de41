/* cmd_conflicts.c: `braid conflicts`, `braid conflicts show ID`, `braid resolve ID`. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braid/conflict.h"
#include "braid/converge.h"

static json_t *conflict_json(const braid_conflict *c, int full)
{
	json_t *files = json_array();
	size_t i;

	for (i = 0; i < c->nfiles; i++) {
		const braid_conflict_file *f = &c->files[i];
		json_t *jf = json_pack("{s:s, s:s, s:s?}", "path", f->path, "kind", f->kind,
		                       "description", f->description);
		if (full) {
			json_object_set_new(jf, "regions", json_loads(f->regions, 0, NULL));
			json_object_set_new(jf, "main_origin",
			                    f->ours_origin ? json_loads(f->ours_origin, 0, NULL)
			                                   : json_array());
			json_object_set_new(jf, "base_blob",
			                    f->base_oid ? json_string(f->base_oid) : json_null());
			json_object_set_new(jf, "main_blob",
			                    f->ours_oid ? json_string(f->ours_oid) : json_null());
			json_object_set_new(jf, "submitted_blob",
			                    f->theirs_oid ? json_string(f->theirs_oid)
			                                  : json_null());
		}
		json_array_append_new(files, jf);
	}
	return json_pack("{s:s, s:s, s:s?, s:s, s:I, s:s, s:s, s:s, s:s, s:s?, s:s?, s:I, s:o}",
	                 "id", c->id, "state", c->state, "agent", c->agent_name, "agent_id",
	                 c->agent_id, "submission", (json_int_t)c->submission_id, "change",
	                 c->change_id, "base", c->base_commit, "main", c->ours_commit, "submitted",
	                 c->theirs_commit, "op", c->op_id, "resolved_op", c->resolved_op,
	                 "created_at", (json_int_t)c->created_at, "files", files);
}

static const cli_opt list_opts[] = {
    {"state", 's', 1, "open (default: open and being resolved), resolved, superseded or all"},
    {0},
};

static int cmd_conflicts(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_conflict_list *l = NULL;
	size_t i, j, k;
	int err;

	if (a->npos)
		return cli_usage_error(a,
		                       "unexpected argument '%s' (did you mean 'braid conflicts "
		                       "show %s'?)",
		                       a->pos[0], a->pos[0]);
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_conflict_list_all(&l, ctx, cli_opt_value(a, "state"))) < 0) {
		err = cli_fail(a, err);
		goto done;
	}
	if (a->json) {
		json_t *arr = json_array();
		for (i = 0; i < l->count; i++)
			json_array_append_new(arr, conflict_json(&l->items[i], 0));
		cli_print_json(json_pack("{s:o}", "conflicts", arr));
		goto done;
	}
	if (!l->count) {
		printf("no conflicts\n");
		goto done;
	}
	/* Grouped by file, then by the submitting (origin) agent. */
	for (i = 0; i < l->count; i++) {
		for (j = 0; j < l->items[i].nfiles; j++) {
			const char *path = l->items[i].files[j].path;
			int seen = 0;
			for (k = 0; k < i && !seen; k++) {
				size_t m;
				for (m = 0; m < l->items[k].nfiles; m++)
					if (!strcmp(l->items[k].files[m].path, path))
						seen = 1;
			}
			for (k = 0; k < j && !seen; k++)
				if (!strcmp(l->items[i].files[k].path, path))
					seen = 1;
			if (seen)
				continue;
			printf("%s\n", path);
			for (k = i; k < l->count; k++) {
				size_t m;
				for (m = 0; m < l->items[k].nfiles; m++) {
					const braid_conflict *c = &l->items[k];
					const braid_conflict_file *f = &c->files[m];
					if (strcmp(f->path, path))
						continue;
					printf("  %s  %-12s %-10s %-14s %s\n", c->id,
					       c->agent_name ? c->agent_name : c->agent_id,
					       c->state, f->kind,
					       f->description ? f->description : "");
				}
			}
		}
	}
done:
	braid_conflict_list_free(l);
	braid_ctx_free(ctx);
	return err;
}

static void print_side(braid_ctx *ctx, const braid_conflict_file *f, const char *side,
                       const char *title)
{
	char *buf = NULL;
	size_t len = 0;

	if (braid_conflict_side(&buf, &len, ctx, f, side) < 0) {
		printf("----- %s: (unavailable: %s)\n", title, braid_error_last());
		return;
	}
	if (!buf) {
		printf("----- %s: (file absent)\n", title);
		return;
	}
	printf("----- %s\n", title);
	if (memchr(buf, '\0', len < 8000 ? len : 8000))
		printf("(binary, %zu bytes)\n", len);
	else {
		fwrite(buf, 1, len, stdout);
		if (len && buf[len - 1] != '\n')
			printf("\n\\ no newline at end of file\n");
	}
	free(buf);
}

static int cmd_conflicts_show(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_conflict *c = NULL;
	size_t i, r;
	int err;

	if (a->npos != 1)
		return cli_usage_error(a, a->npos ? "give exactly one conflict ID"
		                                  : "missing conflict ID");
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_conflict_get(&c, ctx, a->pos[0])) < 0) {
		err = cli_fail(a, err);
		goto done;
	}
	if (a->json) {
		json_t *j = conflict_json(c, 1);
		json_t *files = json_object_get(j, "files");
		for (i = 0; i < c->nfiles; i++) {
			const char *sides[] = {"base", "ours", "theirs"};
			const char *keys[] = {"base", "main", "submitted"};
			json_t *content = json_object();
			for (r = 0; r < 3; r++) {
				char *buf = NULL;
				size_t len = 0;
				if (braid_conflict_side(&buf, &len, ctx, &c->files[i], sides[r]) ==
				        0 &&
				    buf && !memchr(buf, '\0', len))
					json_object_set_new(content, keys[r],
					                    json_stringn(buf, len));
				else
					json_object_set_new(content, keys[r], json_null());
				free(buf);
			}
			json_object_set_new(json_array_get(files, i), "content", content);
		}
		cli_print_json(j);
		goto done;
	}
	printf("conflict %s (%s): submission %lld by %s, change %s\n"
	       "  base %.12s   main %.12s   submitted %.12s\n",
	       c->id, c->state, (long long)c->submission_id,
	       c->agent_name ? c->agent_name : c->agent_id, c->change_id, c->base_commit,
	       c->ours_commit, c->theirs_commit);
	for (i = 0; i < c->nfiles; i++) {
		braid_conflict_file *f = &c->files[i];
		json_t *origin = f->ours_origin ? json_loads(f->ours_origin, 0, NULL) : NULL;
		json_t *regions = json_loads(f->regions, 0, NULL);
		printf("\n== %s: %s\n   %s\n", f->path, f->kind,
		       f->description ? f->description : "");
		for (r = 0; r < json_array_size(origin); r++) {
			json_t *o = json_array_get(origin, r);
			const char *who = json_string_value(json_object_get(o, "agent_name"));
			if (!who)
				who = json_string_value(json_object_get(o, "author"));
			printf("   main's side came from %s (commit %.12s)\n", who ? who : "?",
			       json_string_value(json_object_get(o, "commit")));
		}
		for (r = 0; r < json_array_size(regions); r++) {
			json_t *g = json_array_get(regions, r);
			if (strcmp(json_string_value(json_object_get(g, "verdict")) ?: "", "merge"))
				printf("   region: %s\n",
				       json_string_value(json_object_get(g, "description")) ?: "");
		}
		json_decref(origin);
		json_decref(regions);
		print_side(ctx, f, "base", "base");
		print_side(ctx, f, "ours", "main");
		print_side(ctx, f, "theirs", "submitted");
	}
	printf("\nnext: run 'braid resolve %s' in %s's workspace\n", c->id,
	       c->agent_name ? c->agent_name : c->agent_id);
done:
	braid_conflict_free(c);
	braid_ctx_free(ctx);
	return err;
}

static const cli_opt no_opts[] = {{0}};

static int cmd_resolve(cli_args *a)
{
	braid_ctx *ctx = NULL;
	char *files = NULL;
	int err;

	if (a->npos != 1)
		return cli_usage_error(a, a->npos ? "give exactly one conflict ID"
		                                  : "missing conflict ID");
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_converge_resolve(&files, ctx, a->pos[0])) < 0) {
		err = cli_fail(a, err);
		goto done;
	}
	if (a->json) {
		cli_print_json(json_pack("{s:s, s:o}", "conflict", a->pos[0], "files_with_markers",
		                         json_loads(files, 0, NULL)));
	} else {
		json_t *f = json_loads(files, 0, NULL);
		size_t i;
		printf("the workspace is now on the current %s with your work merged in;\n"
		       "edit the conflict markers out of:\n",
		       braid_ctx_target_name(ctx));
		for (i = 0; i < json_array_size(f); i++)
			printf("  %s\n", json_string_value(json_array_get(f, i)));
		if (!json_array_size(f))
			printf("  (none: it merges cleanly now; check the files)\n");
		printf("then run 'braid submit' to land the resolution\n");
		json_decref(f);
	}
done:
	free(files);
	braid_ctx_free(ctx);
	return err;
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
