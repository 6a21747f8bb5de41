/*
 * cmd_status.c: `braid status [--watch]` — agents, workspaces, changes, queue
 * and counters at a glance (the api's status method, drawn for people), and
 * a live view that redraws whenever the op log moves.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include "braid/api.h"
#include "braid/op.h"

static const cli_opt opts[] = {
    {"watch", 'w', 0, "keep showing it, redrawn as soon as anything happens (Ctrl-C stops)"},
    {0},
};

static void print_status(const json_t *st)
{
	const json_t *agents = json_object_get(st, "agents");
	const json_t *wsl = json_object_get(st, "workspaces");
	const json_t *counters = json_object_get(st, "counters");
	size_t i;

	printf("target branch: %s   (%s)\n", cli_jstr(st, "target"), cli_jstr(st, "root"));
	if (json_string_value(json_object_get(st, "workspace")))
		printf("you are in workspace '%s' as agent '%s'\n", cli_jstr(st, "workspace"),
		       json_string_value(json_object_get(st, "agent")) ? cli_jstr(st, "agent")
		                                                       : "?");
	printf("\nagents:");
	for (i = 0; i < json_array_size(agents); i++)
		printf(" %s(%s)", cli_jstr(json_array_get(agents, i), "name"),
		       cli_jstr(json_array_get(agents, i), "role"));
	printf("\n\nworkspaces:\n");
	if (!json_array_size(wsl))
		printf("  (none; create one with 'braid ws new AGENT')\n");
	for (i = 0; i < json_array_size(wsl); i++) {
		json_t *w = json_array_get(wsl, i);
		if (json_object_get(w, "error")) {
			printf("  %-14s %-10s error: %s\n", cli_jstr(w, "id"), cli_jstr(w, "agent"),
			       cli_jstr(w, "error"));
			continue;
		}
		printf("  %-14s %-10s change %-12s %-10s%s%s\n", cli_jstr(w, "id"),
		       cli_jstr(w, "agent"), cli_jstr(w, "change"), cli_jstr(w, "state"),
		       json_is_true(json_object_get(w, "dirty")) ? "  uncommitted edits" : "",
		       json_is_true(json_object_get(w, "behind"))
		           ? "  behind main: run 'braid update'"
		           : "");
	}
	printf("\nqueue: %zu waiting   open conflicts: %lld   landed: %lld (auto-merged %lld)   "
	       "conflicted: %lld\n",
	       json_array_size(json_object_get(st, "queue")),
	       (long long)json_integer_value(json_object_get(st, "open_conflicts")),
	       (long long)json_integer_value(json_object_get(counters, "landed")),
	       (long long)json_integer_value(json_object_get(counters, "auto_merged")),
	       (long long)json_integer_value(json_object_get(counters, "conflicted")));
	if (json_integer_value(json_object_get(st, "open_conflicts")))
		printf("see 'braid conflicts'\n");
}

/* Lease news for the acting agent (told to yield, lost leases); not consumed. */
static void print_notices(braid_ctx *ctx)
{
	braid_api_result r = BRAID_API_RESULT_INIT;
	const json_t *notes;
	size_t k;

	if (!braid_ctx_agent_id(ctx) || braid_api_call(&r, ctx, "intent_status", NULL, 0) < 0) {
		braid_error_clear();
		braid_api_result_release(&r);
		return;
	}
	notes = json_object_get(r.data, "notices");
	for (k = 0; k < json_array_size(notes); k++) {
		const json_t *n = json_array_get(notes, k);
		const char *kind = cli_jstr(n, "kind"), *by = cli_jstr(n, "by");
		printf("intent: %s '%s' (%s, token %lld)%s%s\n",
		       !strcmp(kind, "yield")     ? "asked to yield on"
		       : !strcmp(kind, "expired") ? "lease expired on"
		                                  : "preempted on",
		       cli_jstr(n, "target"), cli_jstr(n, "level"), cli_jint(n, "token"),
		       *by ? " by " : "", by);
	}
	braid_api_result_release(&r);
}

/* The extra panes of --watch: the queue, locks (when braid has intents) and recent ops. */
static void print_watch_extras(braid_ctx *ctx, const json_t *st)
{
	const json_t *q = json_object_get(st, "queue");
	braid_api_result r = BRAID_API_RESULT_INIT;
	json_t *args;
	size_t i;

	for (i = 0; i < json_array_size(q); i++) {
		json_t *s = json_array_get(q, i);
		printf("  queued #%lld %-10s %s\n",
		       (long long)json_integer_value(json_object_get(s, "id")),
		       cli_jstr(s, "agent"), cli_jstr(s, "state"));
	}
	if (braid_api_method_find("intent_status") &&
	    braid_api_call(&r, ctx, "intent_status", NULL, 0) == 0) {
		printf("\nlocks: %s\n", r.text ? r.text : "");
		braid_api_result_release(&r);
	}
	braid_api_result_release(&r);
	args = json_pack("{s:i}", "limit", 10);
	if (braid_api_call(&r, ctx, "op_log", args, 0) == 0) {
		const json_t *ops = json_object_get(r.data, "ops");
		printf("\nrecent:\n");
		for (i = 0; i < json_array_size(ops); i++) {
			json_t *op = json_array_get(ops, i);
			char t[32];
			char *p = json_dumps(json_object_get(op, "payload"),
			                     JSON_COMPACT | JSON_SORT_KEYS);
			printf("  %s %-10s %-14s %.70s\n",
			       cli_age(t, sizeof(t),
			               json_integer_value(json_object_get(op, "created_at"))),
			       cli_jstr(op, "agent_name"), cli_jstr(op, "kind"), p ? p : "");
			free(p);
		}
	}
	braid_error_clear();
	braid_api_result_release(&r);
	json_decref(args);
}

/* Wait until a new op arrives (or `ms` pass). */
static void wait_for_ops(braid_ctx *ctx, int64_t seen, int ms)
{
	int waited;

	for (waited = 0; waited < ms; waited += 100) {
		int64_t now = seen;
		struct timespec ts = {0, 100 * 1000000L};
		if (braid_op_last_seq(&now, ctx) == 0 && now != seen)
			return;
		nanosleep(&ts, NULL);
	}
}

static int cmd_status(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_api_result r = BRAID_API_RESULT_INIT;
	int watch = cli_opt_set(a, "watch"), tty = isatty(1), err;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if (watch && a->json)
		return cli_usage_error(a, "--watch draws for people; for a feed use 'braid serve' "
		                          "and GET /v1/events");
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	for (;;) {
		int64_t seq;
		if ((err = braid_api_call(&r, ctx, "status", NULL, 0)) < 0) {
			err = cli_fail(a, err);
			break;
		}
		if (a->json) {
			cli_print_json(json_incref(r.data));
			break;
		}
		if (watch) {
			char t[32];
			printf(tty ? "\033[H\033[2J" : "\n");
			printf("braid status --watch   %s   (redraws when anything happens; Ctrl-C "
			       "stops)\n\n",
			       cli_time(t, sizeof(t), (int64_t)time(NULL) * 1000));
		}
		print_status(r.data);
		print_notices(ctx);
		if (!watch)
			break;
		print_watch_extras(ctx, r.data);
		(void)fflush(stdout); /* a refresh; main() reports a failed write */
		seq = json_integer_value(json_object_get(r.data, "last_seq"));
		braid_api_result_release(&r);
		wait_for_ops(ctx, seq, 5000);
	}
	braid_api_result_release(&r);
	braid_ctx_free(ctx);
	return err;
}

CLI_COMMAND(status, "status", cmd_status, opts, "[--watch]",
            "show agents, workspaces and their changes, the landing queue and conflicts",
            "With --watch the view stays up and is redrawn as soon as any agent, CLI process,\n"
            "MCP server or daemon records an op (and every 5 seconds for leases).")
