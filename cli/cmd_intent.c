/*
 * cmd_intent.c: `braid intent`, `braid intent release`, `braid intent renew`
 * and `braid locks` — declare what you are about to touch, give it back,
 * keep it, and see the whole lock table.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braid/intent.h"

/* Parse a duration like "90s", "30m" (a bare number is seconds); -1 when malformed. */
static int64_t duration_ms(const char *s)
{
	char *end;
	double v, mult = 1000;

	if (!s || !*s)
		return -1;
	v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	if (!strcmp(end, "ms"))
		mult = 1;
	else if (!*end || !strcmp(end, "s"))
		mult = 1000;
	else if (!strcmp(end, "m"))
		mult = 60000;
	else if (!strcmp(end, "h"))
		mult = 3600000;
	else if (!strcmp(end, "d"))
		mult = 86400000;
	else
		return -1;
	return (int64_t)(v * mult);
}

static json_t *hold_json(const braid_intent_hold *h)
{
	json_t *j =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "target", h->target, "kind",
	              h->kind, "level", braid_intent_level_name(h->level), "agent", h->agent_name,
	              "agent_id", h->agent_id, "token", (json_int_t)h->token, "granted_at",
	              (json_int_t)h->granted_at, "expires_at", (json_int_t)h->expires_at);
	if (!j)
		return NULL;
	if (h->symbol) {
		json_object_set_new(j, "symbol", json_string(h->symbol));
		json_object_set_new(j, "start_line", json_integer(h->start_line));
		json_object_set_new(j, "end_line", json_integer(h->end_line));
	}
	json_object_set_new(j, "activity", h->activity ? json_string(h->activity) : json_null());
	if (h->yield_by) {
		json_object_set_new(j, "yield_by", json_integer(h->yield_by));
		json_object_set_new(j, "preempted_by",
		                    h->preempted_by ? json_string(h->preempted_by) : json_null());
	}
	if (h->implicit)
		json_object_set_new(j, "implicit", json_true());
	return j;
}

static json_t *waiter_json(const braid_intent_waiter *w)
{
	return json_pack("{s:s, s:I, s:I, s:s, s:s, s:s?, s:I, s:I}", "target", w->target,
	                 "position", (json_int_t)w->position, "request", (json_int_t)w->request_id,
	                 "level", braid_intent_level_name(w->level), "agent", w->agent_name,
	                 "activity", w->activity, "since", (json_int_t)w->since, "alive_until",
	                 (json_int_t)w->alive_until);
}

static json_t *notices_json(const braid_intent_notice *n, size_t count)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < count; i++) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I}", "kind", n[i].kind, "target",
		                      n[i].target, "level", braid_intent_level_name(n[i].level),
		                      "token", (json_int_t)n[i].token, "at", (json_int_t)n[i].at);
		if (j && n[i].by_agent)
			json_object_set_new(j, "by", json_string(n[i].by_agent));
		if (j && n[i].yield_by)
			json_object_set_new(j, "yield_by", json_integer(n[i].yield_by));
		json_array_append_new(a, j);
	}
	return a;
}

static void print_notices(const braid_intent_notice *n, size_t count)
{
	char when[32];
	size_t i;

	for (i = 0; i < count; i++) {
		if (!strcmp(n[i].kind, "yield"))
			printf("notice: '%s' (%s, token %lld): '%s' asked you to yield; the lease "
			       "ends "
			       "at %s unless you release it first\n",
			       n[i].target, braid_intent_level_name(n[i].level),
			       (long long)n[i].token, n[i].by_agent ? n[i].by_agent : "?",
			       cli_time(when, sizeof(when), n[i].yield_by));
		else
			printf("notice: you lost '%s' (%s, token %lld): %s%s%s\n", n[i].target,
			       braid_intent_level_name(n[i].level), (long long)n[i].token,
			       !strcmp(n[i].kind, "expired") ? "the lease expired" : "preempted",
			       n[i].by_agent ? " by " : "", n[i].by_agent ? n[i].by_agent : "");
	}
}

static json_t *result_json(const braid_intent_result *r)
{
	json_t *j = json_pack("{s:b, s:s?}", "granted", r->granted, "message", r->message);
	json_t *a;
	size_t i;

	if (!j)
		return NULL;
	if (r->granted) {
		json_object_set_new(j, "token", json_integer(r->token));
		json_object_set_new(j, "expires_at", json_integer(r->expires_at));
		a = json_array();
		for (i = 0; i < r->nholds; i++)
			json_array_append_new(a, hold_json(&r->holds[i]));
		json_object_set_new(j, "holds", a);
	} else {
		json_object_set_new(j, "position", json_integer((json_int_t)r->position));
		a = json_array();
		for (i = 0; i < r->nblockers; i++)
			json_array_append_new(a, hold_json(&r->blockers[i]));
		json_object_set_new(j, "held_by", a);
		a = json_array();
		for (i = 0; i < r->nahead; i++)
			json_array_append_new(a, waiter_json(&r->ahead[i]));
		json_object_set_new(j, "ahead", a);
	}
	if (r->npreempted) {
		a = json_array();
		for (i = 0; i < r->npreempted; i++)
			json_array_append_new(a, json_string(r->preempted[i]));
		json_object_set_new(j, "preempted", a);
		json_object_set_new(j, "yield_by", json_integer(r->yield_by));
	}
	json_object_set_new(j, "notices", notices_json(r->notices, r->nnotices));
	return j;
}

static void on_wait(void *payload, const braid_intent_result *status)
{
	(void)payload;
	if (status && status->message)
		cli_progress("braid: waiting: %s\n", status->message);
}

static const cli_opt intent_opts[] = {
    {"level", 'l', 1, "L1 read, L2 soft write (default), L3 hard write, L4 exclusive"},
    {"activity", 'm', 1, "what you are about to do (shown to others)"},
    {"ttl", 0, 1, "lease length (default intent.ttl, 30m), e.g. 90s, 2h"},
    {"wait", 'w', 2, "wait in line until granted, or at most SECONDS (a duration)"},
    {"grace", 0, 1, "how long preempted L2 holders get to yield (default 60s)"},
    {0},
};

static int cmd_intent(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
	braid_intent_result *r = NULL;
	const char *v;
	char when[32];
	size_t i;
	int err, rc = 0;

	if (!a->npos)
		return cli_usage_error(a, "name at least one target (a file, a directory or glob, "
		                          "PATH::SYMBOL, or @structure)");
	if ((v = cli_opt_value(a, "level"))) {
		if ((o.level = braid_intent_level_parse(v)) < 0)
			return cli_usage_error(a, "%s", braid_error_last());
	}
	o.activity = cli_opt_value(a, "activity");
	if ((v = cli_opt_value(a, "ttl")) && (o.ttl_ms = duration_ms(v)) <= 0)
		return cli_usage_error(a, "bad --ttl '%s'; use e.g. 90s, 30m or 2h", v);
	if ((v = cli_opt_value(a, "grace")) && (o.grace_ms = duration_ms(v)) <= 0)
		return cli_usage_error(a, "bad --grace '%s'; use e.g. 30s or 2m", v);
	if (cli_opt_set(a, "wait")) {
		o.wait_ms = -1;
		if ((v = cli_opt_value(a, "wait")) && (o.wait_ms = duration_ms(v)) <= 0)
			return cli_usage_error(a, "bad --wait '%s'; give seconds or a duration", v);
	}
	o.on_wait = on_wait;
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	err = braid_intent_acquire(&r, ctx, (const char *const *)a->pos, (size_t)a->npos, &o);
	if (err < 0 && !r) {
		rc = cli_fail(a, err);
		goto done;
	}
	if (err < 0)
		rc = cli_exit_code(err);
	if (a->json) {
		cli_print_json(result_json(r));
		goto done;
	}
	if (r->granted) {
		for (i = 0; i < r->nholds; i++)
			printf("granted %s '%s'%s\n", braid_intent_level_name(r->holds[i].level),
			       r->holds[i].target, r->holds[i].implicit ? " (structure lock)" : "");
		printf("token %lld; lease ends %s (renew with 'braid intent renew')\n",
		       (long long)r->token, cli_time(when, sizeof(when), r->expires_at));
	} else {
		fprintf(stderr, "%s: %s\n", err == BRAID_EBUSY ? "busy" : "denied", r->message);
		for (i = 0; i < r->nblockers; i++) {
			const braid_intent_hold *h = &r->blockers[i];
			printf(
			    "held: '%s' by %s at %s%s%s%s until %s%s\n", h->target, h->agent_name,
			    braid_intent_level_name(h->level), h->activity ? " (" : "",
			    h->activity ? h->activity : "", h->activity ? ")" : "",
			    cli_time(when, sizeof(when), h->yield_by ? h->yield_by : h->expires_at),
			    h->yield_by ? " (yielding)" : "");
		}
		for (i = 0; i < r->nahead; i++)
			printf("ahead: request %lld by %s at %s on '%s'\n",
			       (long long)r->ahead[i].request_id, r->ahead[i].agent_name,
			       braid_intent_level_name(r->ahead[i].level), r->ahead[i].target);
		printf("your place in line: %zu\n", r->position);
	}
	print_notices(r->notices, r->nnotices);
done:
	braid_intent_result_free(r);
	braid_ctx_free(ctx);
	return rc;
}

static const cli_opt release_opts[] = {
    {"token", 't', 1, "release exactly the grant with this fencing token"},
    {0},
};

static int cmd_release(cli_args *a)
{
	braid_ctx *ctx = NULL;
	const char *tok = cli_opt_value(a, "token");
	size_t n = 0;
	int err, rc = 0;

	if (tok && a->npos)
		return cli_usage_error(a, "give targets or --token, not both");
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if (tok) {
		char *end;
		long long t = strtoll(tok, &end, 10);
		if (*end || t <= 0) {
			rc = cli_usage_error(a, "bad --token '%s'", tok);
			goto done;
		}
		err = braid_intent_release_token(ctx, t);
		n = err == 0;
	} else {
		err = braid_intent_release(&n, ctx, (const char *const *)a->pos, (size_t)a->npos);
	}
	if (err < 0) {
		rc = cli_fail(a, err);
		goto done;
	}
	if (a->json)
		cli_print_json(json_pack("{s:I}", "released", (json_int_t)n));
	else
		printf("released %zu intent%s\n", n, n == 1 ? "" : "s");
done:
	braid_ctx_free(ctx);
	return rc;
}

static const cli_opt renew_opts[] = {
    {"ttl", 0, 1, "new lease length from now (default intent.ttl, 30m)"},
    {0},
};

static int cmd_renew(cli_args *a)
{
	braid_ctx *ctx = NULL;
	const char *v = cli_opt_value(a, "ttl");
	int64_t ttl = 0;
	size_t n = 0;
	int err, rc = 0;

	if (v && (ttl = duration_ms(v)) <= 0)
		return cli_usage_error(a, "bad --ttl '%s'; use e.g. 90s, 30m or 2h", v);
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_intent_renew(&n, ctx, (const char *const *)a->pos, (size_t)a->npos, ttl)) <
	    0) {
		rc = cli_fail(a, err);
		goto done;
	}
	if (a->json)
		cli_print_json(json_pack("{s:I}", "renewed", (json_int_t)n));
	else
		printf("renewed %zu intent%s\n", n, n == 1 ? "" : "s");
done:
	braid_ctx_free(ctx);
	return rc;
}

static const cli_opt no_opts[] = {{0}};

static int cmd_locks(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_intent_table *tb = NULL;
	braid_intent_notice *notes = NULL;
	size_t nnotes = 0, i;
	char when[32];
	int err, rc = 0;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_intent_list(&tb, ctx)) < 0) {
		rc = cli_fail(a, err);
		goto done;
	}
	if (braid_ctx_agent_id(ctx) && braid_intent_notices(&notes, &nnotes, ctx, 0) < 0)
		nnotes = 0;
	if (a->json) {
		json_t *h = json_array(), *w = json_array();
		for (i = 0; i < tb->nholds; i++)
			json_array_append_new(h, hold_json(&tb->holds[i]));
		for (i = 0; i < tb->nwaiters; i++)
			json_array_append_new(w, waiter_json(&tb->waiters[i]));
		cli_print_json(json_pack("{s:I, s:o, s:o, s:o}", "now", (json_int_t)tb->now, "held",
		                         h, "waiting", w, "notices", notices_json(notes, nnotes)));
		goto done;
	}
	if (!tb->nholds && !tb->nwaiters)
		printf("no intents held, nobody waiting\n");
	if (tb->nholds) {
		printf("%-36s %-5s %-14s %7s  %-20s %s\n", "TARGET", "LEVEL", "AGENT", "TOKEN",
		       "LEASE ENDS", "ACTIVITY");
		for (i = 0; i < tb->nholds; i++) {
			const braid_intent_hold *h = &tb->holds[i];
			printf(
			    "%-36s %-5s %-14s %7lld  %-20s %s%s%s%s\n", h->target,
			    braid_intent_level_name(h->level), h->agent_name, (long long)h->token,
			    cli_time(when, sizeof(when), h->yield_by ? h->yield_by : h->expires_at),
			    h->activity ? h->activity : "", h->yield_by ? " [yielding to " : "",
			    h->yield_by ? (h->preempted_by ? h->preempted_by : "?") : "",
			    h->yield_by ? "]" : "");
		}
	}
	if (tb->nwaiters) {
		printf("\n%-36s %4s %-5s %-14s %s\n", "WAITING FOR", "POS", "LEVEL", "AGENT",
		       "SINCE");
		for (i = 0; i < tb->nwaiters; i++) {
			const braid_intent_waiter *w = &tb->waiters[i];
			char age[16];
			printf("%-36s %4zu %-5s %-14s %s ago%s%s\n", w->target, w->position,
			       braid_intent_level_name(w->level), w->agent_name,
			       cli_age(age, sizeof(age), w->since), w->activity ? "  " : "",
			       w->activity ? w->activity : "");
		}
	}
	print_notices(notes, nnotes);
done:
	braid_intent_notices_free(notes, nnotes);
	braid_intent_table_free(tb);
	braid_ctx_free(ctx);
	return rc;
}

CLI_COMMAND(intent, "intent", cmd_intent, intent_opts,
            "TARGET... [--level L1|L2|L3|L4] [--activity TEXT] [--ttl DUR] [--wait [DUR]]",
            "declare what you are about to touch (intents: leases with levels L1-L4)",
            "Targets: a file (src/db.c), a directory or glob (src/net/, 'src/**/*.c'), a symbol\n"
            "(src/db.c::db_open, app/models.py::User.save, resolved with tree-sitter on the\n"
            "target branch), or @structure (the global structure lock). Several targets are\n"
            "granted all-or-nothing. L1 read shares with all but L4; L2 soft write shares with\n"
            "L1/L2 and yields to L3/L4 (after a grace period); L3 hard write has one holder;\n"
            "L4 excludes everything. A grant prints a fencing token; a denial names the holder,\n"
            "its level, activity and lease end, and your place in line (exit 1). With --wait\n"
            "the request keeps its place in the FIFO line until granted or timed out (exit 5).")
CLI_COMMAND(intent_release, "intent release", cmd_release, release_opts, "[TARGET...] [--token N]",
            "release your intents (all, the named targets, or one grant by token)",
            "Only what you still hold is released; naming a target you no longer hold is not\n"
            "an error. Your waiting requests on those targets leave the line too.")
CLI_COMMAND(intent_renew, "intent renew", cmd_renew, renew_opts, "[TARGET...] [--ttl DUR]",
            "extend your leases (all, or the named targets)",
            "A lease that others wait for is not extended past intent.max-lease (4h) from its\n"
            "grant, so every waiter is served in finite time.")
CLI_COMMAND(locks, "locks", cmd_locks, no_opts, "",
            "every held intent and every queue: holder, level, activity, lease end, position",
            "Also shows your own lease news (told to yield, lost leases) when an agent is set.")
