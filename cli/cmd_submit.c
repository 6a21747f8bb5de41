/*
 * cmd_submit.c: `braid submit` and `braid update` — converge a workspace
 * with main (api: submit, update).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A submission the gate rejected: say why, where the log is, and its end. */
static void print_failed(long long id, const json_t *detail, const char *target)
{
	const json_t *v = json_object_get(detail, "verification");
	const char *tail = cli_jstr(v, "log_tail");

	if (!v) {
		char *d = json_dumps(detail, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("submission %lld failed\n%s\n", id, d ? d : "");
		free(d);
		return;
	}
	printf(
	    "submission %lld failed verification: %s (exit %d, gate run %lld); %s is untouched\n",
	    id, cli_jstr(v, "error"), (int)cli_jint(v, "exit"), cli_jint(v, "run"), target);
	printf("log: .braid/%s/log\n", cli_jstr(v, "log"));
	if (*tail) {
		printf("--- end of the log ---\n");
		cli_print_tail(tail, 25);
	}
	printf("next: fix it in this workspace and submit again ('braid show %lld' for details)\n",
	       id);
}

/* Each file of a submission or update and what became of it. */
static void print_files(const json_t *detail, int only_conflicts)
{
	const json_t *files = json_object_get(detail, "files");
	size_t i;

	for (i = 0; i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);
		int clean = cli_jbool(f, "clean");
		if (only_conflicts && clean)
			continue;
		printf("  %s %-30s %s\n", clean ? "merged  " : "CONFLICT", cli_jstr(f, "path"),
		       cli_jstr(f, "description"));
	}
}

static void print_submit(const json_t *s, const char *target)
{
	const char *state = cli_jstr(s, "state");
	const json_t *detail = json_object_get(s, "detail");
	long long id = cli_jint(s, "submission");

	if (!strcmp(state, "nothing")) {
		printf("nothing to submit: the workspace has no changes against its base\n");
	} else if (!strcmp(state, "pending")) {
		printf("queued submission %lld (change %s); see 'braid queue'\n", id,
		       cli_jstr(s, "change"));
	} else if (!strcmp(state, "landed")) {
		printf("landed submission %lld on %s as %.12s%s\n", id, target,
		       cli_jstr(s, "landed"),
		       cli_jint(s, "merged_regions") ? " (merged with others' work)" : "");
		print_files(detail, 0);
		if (cli_jbool(s, "updated"))
			printf("workspace is now on the new %s\n", target);
		else if (*cli_jstr(s, "update_note"))
			printf("note: %s\n", cli_jstr(s, "update_note"));
	} else if (!strcmp(state, "conflicted")) {
		printf("submission %lld conflicts with %s; %s is untouched\nconflict %s:\n", id,
		       target, target, cli_jstr(s, "conflict"));
		print_files(detail, 1);
		printf(
		    "next: 'braid conflicts show %s', then 'braid resolve %s' and submit again\n",
		    cli_jstr(s, "conflict"), cli_jstr(s, "conflict"));
	} else if (!strcmp(state, "failed")) {
		print_failed(id, detail, target);
	} else if (!strcmp(state, "refused")) {
		const json_t *stale = json_object_get(detail, "stale");
		size_t i;
		printf(
		    "submission refused; your snapshot is kept on change %s, submit again later\n"
		    "%s\n",
		    cli_jstr(s, "change"), cli_jstr(detail, "message"));
		for (i = 0; i < json_array_size(stale); i++)
			if (*cli_jstr(json_array_get(stale, i), "diff"))
				printf("%s\n", cli_jstr(json_array_get(stale, i), "diff"));
	} else {
		char *d = json_dumps(detail, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("submission %lld %s\n", id, state);
		if (d && detail)
			printf("%s\n", d);
		free(d);
	}
}

static const cli_opt submit_opts[] = {
    {"message", 'm', 1, "describe the work (the commit message)"},
    {"no-wait", 0, 0, "queue the submission and return without waiting for it to land"},
    {"no-update", 0, 0, "after landing, leave the workspace on the snapshot"},
    {0},
};

static int cmd_submit(cli_args *a)
{
	braid_api_result r;
	braid_ctx *ctx = NULL;
	json_t *args;
	const char *state;
	int rc;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s' (use -m for the message)",
		                       a->pos[0]);
	args = json_pack("{s:s?, s:b}", "message", cli_opt_value(a, "message"), "wait",
	                 !cli_opt_set(a, "no-wait"));
	if (args && cli_opt_set(a, "no-update"))
		json_object_set_new(args, "update", json_false());
	if ((rc = cli_call(&r, &ctx, a, "submit", args)) == 0) {
		state = cli_jstr(r.data, "state");
		if (!a->json)
			print_submit(r.data, braid_ctx_target_name(ctx));
		if (strcmp(state, "nothing") && strcmp(state, "pending") && strcmp(state, "landed"))
			rc = CLI_NEGATIVE; /* conflicted, refused, failed */
	}
	cli_call_done(&r, ctx);
	return rc;
}

static const cli_opt no_opts[] = {{0}};

static void print_update(const json_t *u, const char *target)
{
	const char *state = cli_jstr(u, "state");

	if (!strcmp(state, "up-to-date")) {
		printf("already up to date with %s\n", target);
	} else if (!strcmp(state, "updated")) {
		printf("updated onto %s %.12s: %lld file%s written, %lld edited file%s merged and "
		       "kept\n",
		       target, cli_jstr(u, "main"), cli_jint(u, "files_written"),
		       cli_jint(u, "files_written") == 1 ? "" : "s", cli_jint(u, "kept_edits"),
		       cli_jint(u, "kept_edits") == 1 ? "" : "s");
	} else {
		printf("not updated: your work conflicts with %s; nothing in the workspace "
		       "changed\n",
		       target);
		print_files(json_object_get(u, "detail"), 1);
	}
}

static int cmd_update(cli_args *a)
{
	braid_api_result r;
	braid_ctx *ctx = NULL;
	const char *state;
	int rc;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((rc = cli_call(&r, &ctx, a, "update", NULL)) == 0) {
		state = cli_jstr(r.data, "state");
		if (!a->json)
			print_update(r.data, braid_ctx_target_name(ctx));
		if (strcmp(state, "up-to-date") && strcmp(state, "updated"))
			rc = CLI_NEGATIVE; /* conflict: nothing changed */
	}
	cli_call_done(&r, ctx);
	return rc;
}

CLI_COMMAND(submit, "submit", cmd_submit, submit_opts, "[-m MSG] [--no-wait] [--no-update]",
            "snapshot this workspace and land it on the target branch (or record a conflict)",
            "Run inside a workspace (or name the agent with --agent: its only workspace). The\n"
            "snapshot is durable before braid answers. Work that commutes with what landed\n"
            "since the workspace's base lands by compare-and-swap; overlapping edits become a\n"
            "conflict object and the target branch is untouched. With a verification gate\n"
            "(gate.command in .braid/config) the merged tree must pass it first; a failing\n"
            "gate leaves the target branch untouched and shows the log. Exit code 1 means the\n"
            "submission conflicted, was refused or failed verification.")
CLI_COMMAND(update, "update", cmd_update, no_opts, "",
            "bring this workspace onto the current target branch, keeping every edit",
            "Merges main into the workspace's committed work and uncommitted edits with the same\n"
            "MergePolicy as submit. If anything would conflict, nothing in the workspace changes\n"
            "and the exit code is 1.")
