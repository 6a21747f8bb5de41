/*
 * cmd_queue.c: the landing queue and the verification gate —
 * `braid queue`, `braid queue drive`, `braid verify` and `braid show`.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "braid/converge.h"
#include "braid/gate.h"
#include "braid/queue.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *dur(char *buf, size_t n, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (ms < 10000)
		snprintf(buf, n, "%.1fs", (double)ms / 1000.0);
	else if (ms < 120000)
		snprintf(buf, n, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, n, "%lldm", (long long)(ms / 60000));
	return buf;
}

static void stacked_text(char *buf, size_t n, const char *json)
{
	json_t *a = json_loads(json ? json : "[]", 0, NULL);
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < json_array_size(a) && used + 24 < n; i++)
		used += (size_t)snprintf(buf + used, n - used, "%s%lld", i ? "," : "",
		                         (long long)json_integer_value(json_array_get(a, i)));
	if (!json_array_size(a))
		snprintf(buf, n, "-");
	json_decref(a);
}

/* ---- braid queue ------------------------------------------------------- */

static const cli_opt queue_opts[] = {
    {"recent", 'n', 1, "also show this many decided submissions (default 5)"},
    {0},
};

static int cmd_queue(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_queue_list *l = NULL;
	const char *rv = cli_opt_value(a, "recent");
	long recent = rv ? strtol(rv, NULL, 10) : 5;
	int64_t now = now_ms();
	size_t i;
	int err, rc = 0, header = 0;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if (recent < 0 || recent > 10000)
		return cli_usage_error(a, "--recent must be 0..10000");
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_queue_list_get(&l, ctx, (size_t)recent)) < 0) {
		rc = cli_fail(a, err);
		goto done;
	}
	if (a->json) {
		json_t *items = json_array();
		for (i = 0; i < l->count; i++) {
			braid_queue_entry *e = &l->items[i];
			json_t *j = json_pack(
			    "{s:I, s:i, s:s?, s:s, s:s?, s:s, s:s, s:o, s:I, s:s?, s:I, s:I}", "id",
			    (json_int_t)e->id, "position", e->position, "agent", e->agent, "change",
			    e->change_id, "message", e->message, "status", e->status, "state",
			    e->state, "stacked_on", json_loads(e->stacked_on, 0, NULL), "run",
			    (json_int_t)e->run_id, "note", e->note, "elapsed_ms",
			    (json_int_t)((e->decided_at ? e->decided_at : now) - e->created_at),
			    "created_at", (json_int_t)e->created_at);
			if (e->decided_at)
				json_object_set_new(j, "decided_at", json_integer(e->decided_at));
			json_array_append_new(items, j);
		}
		cli_print_json(json_pack("{s:s, s:b, s:i, s:I, s:s?, s:o}", "mode", l->mode,
		                         "gated", l->gated, "concurrency", l->concurrency,
		                         "running", (json_int_t)l->running, "driver", l->driver,
		                         "queue", items));
		goto done;
	}
	printf("landing queue: %s", l->mode);
	if (l->gated)
		printf(", %zu of %d gate runs going", l->running, l->concurrency);
	printf("%s%s\n", l->driver ? "; driven by " : "", l->driver ? l->driver : "");
	for (i = 0; i < l->count; i++) {
		braid_queue_entry *e = &l->items[i];
		char stacked[64], el[32], run[24];
		if (e->position < 0 && !header++)
			printf("%srecently decided:\n", i ? "" : "(nothing queued)\n");
		else if (e->position == 0)
			printf("  %-5s %-12s %-10s %-14s %-5s %-7s %s\n", "SUB", "AGENT", "STATUS",
			       "STACKED ON", "RUN", "ELAPSED", "MESSAGE");
		stacked_text(stacked, sizeof(stacked), e->stacked_on);
		snprintf(run, sizeof(run), "%lld", (long long)e->run_id);
		printf("  %-5lld %-12.12s %-10s %-14.14s %-5s %-7s %s%s%s\n", (long long)e->id,
		       e->agent ? e->agent : "?", e->status, e->position < 0 ? "" : stacked,
		       e->run_id ? run : "-",
		       dur(el, sizeof(el), (e->decided_at ? e->decided_at : now) - e->created_at),
		       e->message ? e->message : "", e->note ? " — " : "", e->note ? e->note : "");
	}
	if (!l->count)
		printf("(nothing queued)\n");
done:
	braid_queue_list_free(l);
	braid_ctx_free(ctx);
	return rc;
}

/* ---- braid queue drive ------------------------------------------------- */

static const cli_opt drive_opts[] = {
    {"background", 0, 0, "run as the background driver (exit if another one exists)"},
    {0},
};

static void drive_progress(void *payload, const char *what, long waited_ms)
{
	(void)payload;
	cli_progress("braid: %s (%lds)\n", what, waited_ms / 1000);
}

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
	o.progress = drive_progress;
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

static void print_tail(const char *text, size_t lines)
{
	const char *p = text + strlen(text);
	size_t n = 0;

	while (p > text && n <= lines)
		if (*--p == '\n')
			n++;
	if (p > text)
		p++;
	fputs(p, stdout);
	if (*text && text[strlen(text) - 1] != '\n')
		putchar('\n');
}

static int cmd_verify(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_gate_run *run = NULL;
	char *log = NULL, el[32];
	int err, rc = 0;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_gate_verify(&run, ctx, cli_opt_set(a, "all"), drive_progress, NULL)) < 0) {
		rc = cli_fail(a, err);
		goto done;
	}
	if (strcmp(run->state, "passed") != 0)
		rc = CLI_NEGATIVE;
	if (braid_gate_run_log(&log, ctx, run, 4000) < 0)
		log = NULL;
	if (a->json) {
		cli_print_json(
		    json_pack("{s:I, s:s, s:s, s:s, s:b, s:i, s:s, s:s?, s:I, s:s?}", "run",
		              (json_int_t)run->id, "state", run->state, "commit", run->commit,
		              "tree", run->tree, "full", run->full, "exit", run->exit_code, "log",
		              run->dir, "command", run->command, "duration_ms",
		              (json_int_t)(run->finished_at - run->started_at), "log_tail", log));
		goto done;
	}
	printf("%s %.12s: gate run %lld %s (%s, %s, exit %d)\n", braid_ctx_target_name(ctx),
	       run->commit, (long long)run->id, run->state, run->full ? "full" : "selected tests",
	       dur(el, sizeof(el), run->finished_at - run->started_at), run->exit_code);
	if (rc && log) {
		printf("--- last lines of .braid/%s/log ---\n", run->dir);
		print_tail(log, 30);
	}
done:
	free(log);
	braid_gate_run_free(run);
	braid_ctx_free(ctx);
	return rc;
}

/* ---- braid show -------------------------------------------------------- */

static const cli_opt show_opts[] = {
    {"log", 0, 0, "print the whole log of its last gate run"},
    {0},
};

static int cmd_show(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_submission *s = NULL;
	braid_gate_run_list *runs = NULL;
	char *log = NULL, *end = NULL, t[40], el[32], where[256];
	json_t *detail = NULL, *ver;
	long long id;
	size_t i;
	int err, rc = 0;

	if (a->npos != 1)
		return cli_usage_error(a, "expected one submission id");
	id = strtoll(a->pos[0][0] == '#' ? a->pos[0] + 1 : a->pos[0], &end, 10);
	if (!end || *end || id <= 0)
		return cli_usage_error(a, "'%s' is not a submission id", a->pos[0]);
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_submission_get(&s, ctx, id)) < 0 ||
	    (err = braid_gate_run_list_recent(&runs, ctx, id, 0, 50)) < 0) {
		rc = cli_fail(a, err);
		goto done;
	}
	detail = s->detail ? json_loads(s->detail, 0, NULL) : NULL;
	ver = json_object_get(detail, "verification");
	if (runs->count &&
	    braid_gate_run_log(&log, ctx, &runs->items[0], cli_opt_set(a, "log") ? 0 : 6000) < 0)
		log = NULL;
	if (!strcmp(s->state, "failed"))
		rc = CLI_NEGATIVE;
	if (a->json) {
		json_t *jr = json_array();
		for (i = 0; i < runs->count; i++) {
			braid_gate_run *r = &runs->items[i];
			json_array_append_new(
			    jr,
			    json_pack("{s:I, s:s, s:s, s:s, s:b, s:i, s:i, s:s, s:o?, s:I, s:I}",
			              "id", (json_int_t)r->id, "kind", r->kind, "state", r->state,
			              "tree", r->tree, "full", r->full, "attempt", r->attempt,
			              "exit", r->exit_code, "log", r->dir, "stack",
			              r->stack ? json_loads(r->stack, 0, NULL) : NULL, "started_at",
			              (json_int_t)r->started_at, "finished_at",
			              (json_int_t)r->finished_at));
		}
		cli_print_json(json_pack(
		    "{s:I, s:s, s:s?, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:O?, s:o, s:s?, s:I, "
		    "s:I}",
		    "id", (json_int_t)s->id, "state", s->state, "agent", s->agent_name, "change",
		    s->change_id, "base", s->base_commit, "head", s->head_commit, "message",
		    s->message, "landed", s->land_commit, "conflict", s->conflict_id, "op",
		    s->result_op, "detail", detail, "runs", jr, "log", log, "created_at",
		    (json_int_t)s->created_at, "updated_at", (json_int_t)s->updated_at));
		goto done;
	}
	printf("submission %lld by %s: %s\n", (long long)s->id,
	       s->agent_name ? s->agent_name : s->agent_id, s->state);
	if (s->message)
		printf("  message   %s\n", s->message);
	printf("  change    %s (base %.12s, head %.12s)\n", s->change_id, s->base_commit,
	       s->head_commit);
	printf("  queued    %s, %s %s\n", cli_time(t, sizeof(t), s->created_at),
	       strcmp(s->state, "pending") && strcmp(s->state, "landing") ? "decided after"
	                                                                  : "waiting for",
	       dur(el, sizeof(el),
	           (strcmp(s->state, "pending") && strcmp(s->state, "landing") ? s->updated_at
	                                                                       : now_ms()) -
	               s->created_at));
	if (!strcmp(s->state, "pending") || !strcmp(s->state, "landing")) {
		braid_queue_describe(ctx, s->id, where, sizeof(where));
		printf("  now       %s\n", where);
	}
	if (s->land_commit)
		printf("  landed    %s\n", s->land_commit);
	if (s->conflict_id)
		printf("  conflict  %s ('braid conflicts show %s')\n", s->conflict_id,
		       s->conflict_id);
	if (ver)
		printf("  verdict   %s: exit %d after %d attempt%s (gate run %lld)\n",
		       json_string_value(json_object_get(ver, "error")),
		       (int)json_integer_value(json_object_get(ver, "exit")),
		       (int)json_integer_value(json_object_get(ver, "attempts")),
		       json_integer_value(json_object_get(ver, "attempts")) == 1 ? "" : "s",
		       (long long)json_integer_value(json_object_get(ver, "run")));
	else if (detail && json_object_get(detail, "error"))
		printf("  error     %s\n", json_string_value(json_object_get(detail, "error")));
	if (runs->count)
		printf("  gate runs:\n");
	for (i = 0; i < runs->count; i++) {
		braid_gate_run *r = &runs->items[i];
		char stacked[64];
		stacked_text(stacked, sizeof(stacked), r->stack);
		printf("    run %-5lld %-7s %-10s exit %-4d %-8s tree %.12s, verifies %s\n",
		       (long long)r->id, r->kind, r->state, r->exit_code,
		       r->finished_at ? dur(el, sizeof(el), r->finished_at - r->started_at) : "...",
		       r->tree, stacked);
	}
	if (log) {
		printf("--- %s .braid/%s/log ---\n", cli_opt_set(a, "log") ? "" : "end of",
		       runs->items[0].dir);
		if (cli_opt_set(a, "log"))
			fputs(log, stdout);
		else
			print_tail(log, 40);
	}
done:
	json_decref(detail);
	free(log);
	braid_gate_run_list_free(runs);
	braid_submission_free(s);
	braid_ctx_free(ctx);
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
