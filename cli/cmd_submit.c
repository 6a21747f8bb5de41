/* cmd_submit.c: `braid submit` and `braid update` — converge a workspace with main. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braid/converge.h"

static void progress(void *payload, const char *what, long waited_ms)
{
	(void)payload;
	cli_progress("braid: %s (%lds)\n", what, waited_ms / 1000);
}

/* A submission the gate rejected: say why, where the log is, and its end. */
static void print_failed(long long id, const char *detail, const char *target)
{
	json_t *d = detail ? json_loads(detail, 0, NULL) : NULL;
	json_t *v = json_object_get(d, "verification");
	const char *tail = json_string_value(json_object_get(v, "log_tail"));

	if (!v) {
		printf("submission %lld failed\n%s\n", id, detail ? detail : "");
		json_decref(d);
		return;
	}
	printf(
	    "submission %lld failed verification: %s (exit %d, gate run %lld); %s is untouched\n",
	    id, json_string_value(json_object_get(v, "error")),
	    (int)json_integer_value(json_object_get(v, "exit")),
	    (long long)json_integer_value(json_object_get(v, "run")), target);
	printf("log: .braid/%s/log\n", json_string_value(json_object_get(v, "log")));
	if (tail && *tail) {
		const char *p = tail + strlen(tail);
		int n = 0;
		while (p > tail && n <= 25)
			if (*--p == '\n')
				n++;
		printf("--- end of the log ---\n%s%s", p == tail ? p : p + 1,
		       tail[strlen(tail) - 1] == '\n' ? "" : "\n");
	}
	printf("next: fix it in this workspace and submit again ('braid show %lld' for details)\n",
	       id);
	json_decref(d);
}

static const cli_opt submit_opts[] = {
    {"message", 'm', 1, "describe the work (the commit message)"},
    {"no-wait", 0, 0, "queue the submission and return without waiting for it to land"},
    {"no-update", 0, 0, "after landing, leave the workspace on the snapshot"},
    {0},
};

static void print_files(const char *detail, int only_conflicts)
{
	json_t *d = detail ? json_loads(detail, 0, NULL) : NULL;
	json_t *files = json_object_get(d, "files");
	size_t i;

	for (i = 0; i < json_array_size(files); i++) {
		json_t *f = json_array_get(files, i);
		int clean = json_is_true(json_object_get(f, "clean"));
		if (only_conflicts && clean)
			continue;
		printf("  %s %-30s %s\n", clean ? "merged  " : "CONFLICT",
		       json_string_value(json_object_get(f, "path")),
		       json_string_value(json_object_get(f, "description"))
		           ? json_string_value(json_object_get(f, "description"))
		           : "");
	}
	json_decref(d);
}

static int cmd_submit(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_submit_result *r = NULL;
	braid_submit_options o = BRAID_SUBMIT_OPTIONS_INIT;
	int err, rc = 0;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s' (use -m for the message)",
		                       a->pos[0]);
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	o.message = cli_opt_value(a, "message");
	o.wait = !cli_opt_set(a, "no-wait");
	o.update = cli_opt_set(a, "no-update") ? 0 : -1;
	o.progress = progress;
	if ((err = braid_converge_submit(&r, ctx, &o)) < 0) {
		rc = cli_fail(a, err);
		goto done;
	}
	if (!strcmp(r->state, "conflicted") || !strcmp(r->state, "refused") ||
	    !strcmp(r->state, "failed"))
		rc = CLI_NEGATIVE;
	if (a->json) {
		json_t *j = json_pack("{s:s, s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:b, s:s?}",
		                      "state", r->state, "submission", (json_int_t)r->submission_id,
		                      "change", r->change_id, "snapshot", r->snapshot_commit,
		                      "landed", r->land_commit, "conflict", r->conflict_id, "op",
		                      r->op_id, "merged_regions", (json_int_t)r->merged_regions,
		                      "updated", r->updated, "update_note", r->update_note);
		if (r->detail)
			json_object_set_new(j, "detail", json_loads(r->detail, 0, NULL));
		cli_print_json(j);
		goto done;
	}
	if (!strcmp(r->state, "nothing")) {
		printf("nothing to submit: the workspace has no changes against its base\n");
	} else if (!strcmp(r->state, "pending")) {
		printf("queued submission %lld (change %s); see 'braid queue'\n",
		       (long long)r->submission_id, r->change_id);
	} else if (!strcmp(r->state, "landed")) {
		printf("landed submission %lld on %s as %.12s%s\n", (long long)r->submission_id,
		       braid_ctx_target_name(ctx), r->land_commit ? r->land_commit : "",
		       r->merged_regions ? " (merged with others' work)" : "");
		print_files(r->detail, 0);
		if (r->updated)
			printf("workspace is now on the new %s\n", braid_ctx_target_name(ctx));
		else if (r->update_note)
			printf("note: %s\n", r->update_note);
	} else if (!strcmp(r->state, "conflicted")) {
		printf("submission %lld conflicts with %s; %s is untouched\n"
		       "conflict %s:\n",
		       (long long)r->submission_id, braid_ctx_target_name(ctx),
		       braid_ctx_target_name(ctx), r->conflict_id);
		print_files(r->detail, 1);
		printf(
		    "next: 'braid conflicts show %s', then 'braid resolve %s' and submit again\n",
		    r->conflict_id, r->conflict_id);
	} else if (!strcmp(r->state, "failed")) {
		print_failed((long long)r->submission_id, r->detail, braid_ctx_target_name(ctx));
	} else if (!strcmp(r->state, "refused")) {
		json_t *d = json_loads(r->detail, 0, NULL);
		json_t *stale = json_object_get(d, "stale");
		size_t i;
		printf(
		    "submission refused; your snapshot is kept on change %s, submit again later\n"
		    "%s\n",
		    r->change_id, json_string_value(json_object_get(d, "message")));
		for (i = 0; i < json_array_size(stale); i++) {
			const char *diff =
			    json_string_value(json_object_get(json_array_get(stale, i), "diff"));
			if (diff)
				printf("%s\n", diff);
		}
		json_decref(d);
	} else {
		printf("submission %lld %s\n", (long long)r->submission_id, r->state);
		if (r->detail)
			printf("%s\n", r->detail);
		rc = CLI_NEGATIVE;
	}
done:
	braid_submit_result_free(r);
	braid_ctx_free(ctx);
	return rc;
}

static const cli_opt no_opts[] = {{0}};

static int cmd_update(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_update_result *r = NULL;
	int err, rc = 0;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	err = braid_converge_update(&r, ctx);
	if (err < 0 && !(err == BRAID_ECONFLICT && r)) {
		rc = cli_fail(a, err);
		goto done;
	}
	if (a->json) {
		json_t *j = json_pack("{s:s, s:s?, s:I, s:I}", "state", r->state, "main",
		                      r->main_commit, "files_written", (json_int_t)r->files_written,
		                      "kept_edits", (json_int_t)r->kept_edits);
		if (r->detail)
			json_object_set_new(j, "detail", json_loads(r->detail, 0, NULL));
		cli_print_json(j);
	} else if (!strcmp(r->state, "up-to-date")) {
		printf("already up to date with %s\n", braid_ctx_target_name(ctx));
	} else if (!strcmp(r->state, "updated")) {
		printf("updated onto %s %.12s: %zu file%s written, %zu edited file%s merged and "
		       "kept\n",
		       braid_ctx_target_name(ctx), r->main_commit, r->files_written,
		       r->files_written == 1 ? "" : "s", r->kept_edits,
		       r->kept_edits == 1 ? "" : "s");
	} else {
		printf(
		    "not updated: your work conflicts with %s; nothing in the workspace changed\n",
		    braid_ctx_target_name(ctx));
		print_files(r->detail, 1);
	}
	if (err == BRAID_ECONFLICT)
		rc = CLI_NEGATIVE;
done:
	braid_update_result_free(r);
	braid_ctx_free(ctx);
	return rc;
}

CLI_COMMAND(submit, "submit", cmd_submit, submit_opts, "[-m MSG] [--no-wait] [--no-update]",
            "snapshot this workspace and land it on the target branch (or record a conflict)",
            "Run inside a workspace. The snapshot is durable before braid answers. Work that\n"
            "commutes with what landed since the workspace's base lands by compare-and-swap;\n"
            "overlapping edits become a conflict object and the target branch is untouched.\n"
            "With a verification gate (gate.command in .braid/config) the merged tree must\n"
            "pass it first; a failing gate leaves the target branch untouched and shows the\n"
            "log. Exit code 1 means the submission conflicted, was refused or failed\n"
            "verification.")
CLI_COMMAND(update, "update", cmd_update, no_opts, "",
            "bring this workspace onto the current target branch, keeping every edit",
            "Merges main into the workspace's committed work and uncommitted edits with the same\n"
            "MergePolicy as submit. If anything would conflict, nothing in the workspace changes\n"
            "and the exit code is 1.")
