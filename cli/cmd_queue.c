/*
 * cmd_queue.c: the landing queue and the verification gate —
 * `braid queue`, `braid queue drive`, `braid verify` and `braid show`
 * (api: queue_status, verify, submission_show; the driver is this process).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "braid/queue.h"

static const char *dur(char *buf, size_t n, long long ms)
{
	if (ms < 0)
		ms = 0;
	if (ms < 10000)
		snprintf(buf, n, "%.1fs", (double)ms / 1000.0);
	else if (ms < 120000)
		snprintf(buf, n, "%llds", ms / 1000);
	else
		snprintf(buf, n, "%lldm", ms / 60000);
	return buf;
}

/* A list of submission ids ("3,4"), or "-". */
static const char *ids_text(char *buf, size_t n, const json_t *a)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < json_array_size(a) && used + 24 < n; i++)
		used += (size_t)snprintf(buf + used, n - used, "%s%lld", i ? "," : "",
		                         (long long)json_integer_value(json_array_get(a, i)));
	if (!json_array_size(a))
		snprintf(buf, n, "-");
	return buf;
}

/* ---- braid queue ------------------------------------------------------- */

static const cli_opt queue_opts[] = {
    {"recent", 'n', 1, "also show this many decided submissions (default 5)"},
    {0},
};

static void print_queue(const json_t *q)
{
	const json_t *items = json_object_get(q, "queue");
	size_t i;
	int header = 0;

	printf("landing queue: %s", cli_jstr(q, "mode"));
	if (cli_jbool(q, "gated"))
		printf(", %lld of %lld gate runs going", cli_jint(q, "running"),
		       cli_jint(q, "concurrency"));
	printf("%s%s\n", *cli_jstr(q, "driver") ? "; driven by " : "", cli_jstr(q, "driver"));
	for (i = 0; i < json_array_size(items); i++) {
		const json_t *e = json_array_get(items, i);
		long long pos = cli_jint(e, "position");
		char stacked[64], el[32], run[24];
		if (pos < 0 && !header++)
			printf("%srecently decided:\n", i ? "" : "(nothing queued)\n");
		else if (pos == 0)
			printf("  %-5s %-12s %-10s %-14s %-5s %-7s %s\n", "SUB", "AGENT", "STATUS",
			       "STACKED ON", "RUN", "ELAPSED", "MESSAGE");
		ids_text(stacked, sizeof(stacked), json_object_get(e, "stacked_on"));
		snprintf(run, sizeof(run), "%lld", cli_jint(e, "run"));
		printf("  %-5lld %-12.12s %-10s %-14.14s %-5s %-7s %s%s%s\n", cli_jint(e, "id"),
		       *cli_jstr(e, "agent") ? cli_jstr(e, "agent") : "?", cli_jstr(e, "status"),
		       pos < 0 ? "" : stacked, cli_jint(e, "run") ? run : "-",
		       dur(el, sizeof(el), cli_jint(e, "elapsed_ms")), cli_jstr(e, "message"),
		       *cli_jstr(e, "note") ? " — " : "", cli_jstr(e, "note"));
	}
	if (!json_array_size(items))
		printf("(nothing queued)\n");
}

static int cmd_queue(cli_args *a)
{
	braid_api_result r;
	const char *rv = cli_opt_value(a, "recent");
	char *end = NULL;
	long recent = rv ? strtol(rv, &end, 10) : 5;
	int rc;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((rv && *end) || recent < 0 || recent > 10000)
		return cli_usage_error(a, "--recent must be 0..10000");
	rc = cli_call(&r, NULL, a, "queue_status", json_pack("{s:i}", "recent", (int)recent));
	if (!rc && !a->json)
		print_queue(r.data);
	cli_call_done(&r, NULL);
	return rc;
}

/* ---- braid queue drive ------------------------------------------------- */

static const cli_opt drive_opts[] = {
    {"background", 0, 0, "run as the background driver (exit if another one exists)"},
    {0},
};

static int cmd_queue_drive(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_queue_drive_options o = BRAID_QUEUE_DRIVE_OPTIONS_INIT;
	size_t n = 0;
	int err;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	o.background = cli_opt_set(a, "background");
	o.progress = cli_progress_cb;
	err = braid_queue_drive(ctx, &o, &n);
	if (err < 0)
		err = cli_fail(a, err);
	else if (a->json)
		cli_print_json(json_pack("{s:I}", "decided", (json_int_t)n));
	else if (!o.background)
		printf("landing queue drained: %zu submission%s decided\n", n, n == 1 ? "" : "s");
	braid_ctx_free(ctx);
	return err;
}

/* ---- braid verify ------------------------------------------------------ */

static const cli_opt verify_opts[] = {
    {"all", 'a', 0, "run the full gate (gate.command), not only what changed"},
    {0},
};

static void print_run(const json_t *run, const char *target)
{
	int passed = !strcmp(cli_jstr(run, "state"), "passed");
	char el[32];

	printf("%s %.12s: gate run %lld %s (%s, %s, exit %d)\n", target, cli_jstr(run, "commit"),
	       cli_jint(run, "run"), cli_jstr(run, "state"),
	       cli_jbool(run, "full") ? "full" : "selected tests",
	       dur(el, sizeof(el), cli_jint(run, "duration_ms")), (int)cli_jint(run, "exit"));
	if (!passed && *cli_jstr(run, "log_tail")) {
		printf("--- last lines of .braid/%s/log ---\n", cli_jstr(run, "log"));
		cli_print_tail(cli_jstr(run, "log_tail"), 30);
	}
}

static int cmd_verify(cli_args *a)
{
	braid_api_result r;
	braid_ctx *ctx = NULL;
	int rc;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	rc = cli_call(&r, &ctx, a, "verify", json_pack("{s:b}", "all", cli_opt_set(a, "all")));
	if (!rc && !a->json)
		print_run(r.data, braid_ctx_target_name(ctx));
	if (!rc && strcmp(cli_jstr(r.data, "state"), "passed"))
		rc = CLI_NEGATIVE;
	cli_call_done(&r, ctx);
	return rc;
}

/* ---- braid show -------------------------------------------------------- */

static const cli_opt show_opts[] = {
    {"log", 0, 0, "print the whole log of its last gate run"},
    {0},
};

static void print_submission(const json_t *s, int whole_log)
{
	const json_t *detail = json_object_get(s, "detail");
	const json_t *ver = json_object_get(detail, "verification");
	const json_t *runs = json_object_get(s, "runs");
	const char *state = cli_jstr(s, "state");
	int waiting = !strcmp(state, "pending") || !strcmp(state, "landing");
	char t[40], el[32];
	size_t i;

	printf("submission %lld by %s: %s\n", cli_jint(s, "id"),
	       *cli_jstr(s, "agent") ? cli_jstr(s, "agent") : cli_jstr(s, "agent_id"), state);
	if (*cli_jstr(s, "message"))
		printf("  message   %s\n", cli_jstr(s, "message"));
	printf("  change    %s (base %.12s, head %.12s)\n", cli_jstr(s, "change"),
	       cli_jstr(s, "base"), cli_jstr(s, "head"));
	printf("  queued    %s, %s %s\n", cli_time(t, sizeof(t), cli_jint(s, "created_at")),
	       waiting ? "waiting for" : "decided after",
	       dur(el, sizeof(el),
	           (waiting ? (long long)time(NULL) * 1000 : cli_jint(s, "updated_at")) -
	               cli_jint(s, "created_at")));
	if (*cli_jstr(s, "where"))
		printf("  now       %s\n", cli_jstr(s, "where"));
	if (*cli_jstr(s, "landed"))
		printf("  landed    %s\n", cli_jstr(s, "landed"));
	if (*cli_jstr(s, "conflict"))
		printf("  conflict  %s ('braid conflicts show %s')\n", cli_jstr(s, "conflict"),
		       cli_jstr(s, "conflict"));
	if (ver)
		printf("  verdict   %s: exit %d after %d attempt%s (gate run %lld)\n",
		       cli_jstr(ver, "error"), (int)cli_jint(ver, "exit"),
		       (int)cli_jint(ver, "attempts"), cli_jint(ver, "attempts") == 1 ? "" : "s",
		       cli_jint(ver, "run"));
	else if (json_object_get(detail, "error"))
		printf("  error     %s\n", cli_jstr(detail, "error"));
	if (json_array_size(runs))
		printf("  gate runs:\n");
	for (i = 0; i < json_array_size(runs); i++) {
		const json_t *g = json_array_get(runs, i);
		char stacked[64];
		printf("    run %-5lld %-7s %-10s exit %-4d %-8s tree %.12s, verifies %s\n",
		       cli_jint(g, "id"), cli_jstr(g, "kind"), cli_jstr(g, "state"),
		       (int)cli_jint(g, "exit"),
		       cli_jint(g, "finished_at")
		           ? dur(el, sizeof(el),
		                 cli_jint(g, "finished_at") - cli_jint(g, "started_at"))
		           : "...",
		       cli_jstr(g, "tree"),
		       ids_text(stacked, sizeof(stacked), json_object_get(g, "stack")));
	}
	if (json_is_string(json_object_get(s, "log")) && json_array_size(runs)) {
		printf("--- %s .braid/%s/log ---\n", whole_log ? "" : "end of",
		       cli_jstr(json_array_get(runs, 0), "log"));
		if (whole_log)
			fputs(cli_jstr(s, "log"), stdout);
		else
			cli_print_tail(cli_jstr(s, "log"), 40);
	}
}

static int cmd_show(cli_args *a)
{
	braid_api_result r;
	char *end = NULL;
	long long id;
	int rc;

	if (a->npos != 1)
		return cli_usage_error(a, "expected one submission id");
	id = strtoll(a->pos[0][0] == '#' ? a->pos[0] + 1 : a->pos[0], &end, 10);
	if (!end || *end || id <= 0)
		return cli_usage_error(a, "'%s' is not a submission id", a->pos[0]);
	rc = cli_call(&r, NULL, a, "submission_show",
	              json_pack("{s:I, s:b}", "id", (json_int_t)id, "log", cli_opt_set(a, "log")));
	if (!rc && !a->json)
		print_submission(r.data, cli_opt_set(a, "log"));
	if (!rc && !strcmp(cli_jstr(r.data, "state"), "failed"))
		rc = CLI_NEGATIVE;
	cli_call_done(&r, NULL);
	return rc;
}

CLI_COMMAND(queue, "queue", cmd_queue, queue_opts, "[--recent N]",
            "show the landing queue: each submission, its state, what it is stacked on",
            "Undecided submissions in queue order, then recently decided ones. STATUS is\n"
            "waiting, verifying (a gate run is checking the tree it would land as),\n"
            "retrying, passed (verified, waiting for those ahead), failed (waiting to be\n"
            "blamed), blocked (conflicts with work ahead) or landing; then landed,\n"
            "conflicted or failed. STACKED ON lists the submissions below it in the tree\n"
            "being verified.")
CLI_COMMAND(queue_drive, "queue drive", cmd_queue_drive, drive_opts, "[--background]",
            "drive the landing queue until it is empty (recovers after a crash)",
            "Takes the lander lock and lands, verifies or rejects submissions until none is\n"
            "left. Submitters and 'braid serve' normally drive; this is for scripts and for\n"
            "the background driver braid starts itself.")
CLI_COMMAND(verify, "verify", cmd_verify, verify_opts, "[--all]",
            "run the verification gate on the current target branch now",
            "Runs gate.select on what changed since the last full verification (or\n"
            "gate.command with --all, or when braid cannot tell what changed) in a scratch\n"
            "worktree of the current target branch. Exit code 1 when the gate fails.")
CLI_COMMAND(show, "show", cmd_show, show_opts, "SUBMISSION [--log]",
            "show a submission: its state, gate runs and the log that decided it",
            "Exit code 1 when the submission failed (for example, failed verification).")
