/*
 * cmd_intent.c: `braid intent`, `braid intent release`, `braid intent renew`
 * and `braid locks` — declare what you are about to touch, give it back,
 * keep it, and see the whole lock table (api: intent_declare,
 * intent_release, intent_renew, intent_status).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braid/intent.h"

/* The lease news of an answer (told to yield, lost leases). */
static void print_notices(const json_t *notices)
{
	char when[32];
	size_t i;

	for (i = 0; i < json_array_size(notices); i++) {
		const json_t *n = json_array_get(notices, i);
		const char *by = cli_jstr(n, "by");
		if (!strcmp(cli_jstr(n, "kind"), "yield"))
			printf("notice: '%s' (%s, token %lld): '%s' asked you to yield; the lease "
			       "ends at %s unless you release it first\n",
			       cli_jstr(n, "target"), cli_jstr(n, "level"), cli_jint(n, "token"),
			       *by ? by : "?",
			       cli_time(when, sizeof(when), cli_jint(n, "yield_by")));
		else
			printf("notice: you lost '%s' (%s, token %lld): %s%s%s\n",
			       cli_jstr(n, "target"), cli_jstr(n, "level"), cli_jint(n, "token"),
			       !strcmp(cli_jstr(n, "kind"), "expired") ? "the lease expired"
			                                               : "preempted",
			       *by ? " by " : "", by);
	}
}

/* When a hold ends: its yield deadline when preempted, else its lease end. */
static const char *hold_end(char *buf, size_t n, const json_t *h)
{
	return cli_time(
	    buf, n, cli_jint(h, "yield_by") ? cli_jint(h, "yield_by") : cli_jint(h, "expires_at"));
}

/* A declaration's answer: what was granted, or who is in the way and where we stand. */
static void print_declared(const json_t *d)
{
	const json_t *holds = json_object_get(d, "holds");
	const json_t *held_by = json_object_get(d, "held_by");
	const json_t *ahead = json_object_get(d, "ahead");
	char when[32];
	size_t i;

	if (cli_jbool(d, "granted")) {
		for (i = 0; i < json_array_size(holds); i++)
			printf("granted %s '%s'%s\n", cli_jstr(json_array_get(holds, i), "level"),
			       cli_jstr(json_array_get(holds, i), "target"),
			       cli_jbool(json_array_get(holds, i), "implicit") ? " (structure lock)"
			                                                       : "");
		printf("token %lld; lease ends %s (renew with 'braid intent renew')\n",
		       cli_jint(d, "token"),
		       cli_time(when, sizeof(when), cli_jint(d, "expires_at")));
	} else {
		for (i = 0; i < json_array_size(held_by); i++) {
			const json_t *h = json_array_get(held_by, i);
			const char *act = cli_jstr(h, "activity");
			printf("held: '%s' by %s at %s%s%s%s until %s%s\n", cli_jstr(h, "target"),
			       cli_jstr(h, "agent"), cli_jstr(h, "level"), *act ? " (" : "", act,
			       *act ? ")" : "", hold_end(when, sizeof(when), h),
			       cli_jint(h, "yield_by") ? " (yielding)" : "");
		}
		for (i = 0; i < json_array_size(ahead); i++) {
			const json_t *w = json_array_get(ahead, i);
			printf("ahead: request %lld by %s at %s on '%s'\n", cli_jint(w, "request"),
			       cli_jstr(w, "agent"), cli_jstr(w, "level"), cli_jstr(w, "target"));
		}
		printf("your place in line: %lld\n", cli_jint(d, "position"));
	}
	print_notices(json_object_get(d, "notices"));
}

/* The positional arguments as a JSON array of strings. */
static json_t *targets_json(const cli_args *a)
{
	json_t *t = json_array();
	int i;

	for (i = 0; t && i < a->npos; i++)
		json_array_append_new(t, json_string(a->pos[i]));
	return t;
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
	braid_api_result r;
	const char *level = cli_opt_value(a, "level"), *wait = cli_opt_value(a, "wait");
	json_t *args;
	int lv = BRAID_INTENT_L2, rc;

	if (!a->npos)
		return cli_usage_error(a, "name at least one target (a file, a directory or glob, "
		                          "PATH::SYMBOL, or @structure)");
	if (level && (lv = braid_intent_level_parse(level)) < 0)
		return cli_usage_error(a, "%s", braid_error_last());
	args = json_pack("{s:o, s:s, s:s?, s:s?, s:s?}", "targets", targets_json(a), "level",
	                 braid_intent_level_name(lv), "activity", cli_opt_value(a, "activity"),
	                 "ttl", cli_opt_value(a, "ttl"), "grace", cli_opt_value(a, "grace"));
	if (args && cli_opt_set(a, "wait"))
		json_object_set_new(args, "wait", wait ? json_string(wait) : json_true());
	rc = cli_call(&r, NULL, a, "intent_declare", args);
	if (!a->json && (!rc || r.data))
		print_declared(r.data);
	cli_call_done(&r, NULL);
	return rc;
}

static const cli_opt release_opts[] = {
    {"token", 't', 1, "release exactly the grant with this fencing token"},
    {0},
};

static int cmd_release(cli_args *a)
{
	braid_api_result r;
	const char *tok = cli_opt_value(a, "token");
	json_t *args;
	long long t = 0;
	int rc;

	if (tok && a->npos)
		return cli_usage_error(a, "give targets or --token, not both");
	if (tok) {
		char *end;
		t = strtoll(tok, &end, 10);
		if (*end || t <= 0)
			return cli_usage_error(a, "bad --token '%s'", tok);
		args = json_pack("{s:I}", "token", (json_int_t)t);
	} else {
		args = json_pack("{s:o}", "targets", targets_json(a));
	}
	rc = cli_call(&r, NULL, a, "intent_release", args);
	if (!rc && !a->json)
		printf("released %lld intent%s\n", cli_jint(r.data, "released"),
		       cli_jint(r.data, "released") == 1 ? "" : "s");
	cli_call_done(&r, NULL);
	return rc;
}

static const cli_opt renew_opts[] = {
    {"ttl", 0, 1, "new lease length from now (default intent.ttl, 30m)"},
    {0},
};

static int cmd_renew(cli_args *a)
{
	braid_api_result r;
	int rc;

	rc = cli_call(
	    &r, NULL, a, "intent_renew",
	    json_pack("{s:o, s:s?}", "targets", targets_json(a), "ttl", cli_opt_value(a, "ttl")));
	if (!rc && !a->json)
		printf("renewed %lld intent%s\n", cli_jint(r.data, "renewed"),
		       cli_jint(r.data, "renewed") == 1 ? "" : "s");
	cli_call_done(&r, NULL);
	return rc;
}

static const cli_opt no_opts[] = {{0}};

static void print_locks(const json_t *tb)
{
	const json_t *held = json_object_get(tb, "held"), *waiting = json_object_get(tb, "waiting");
	char when[32], age[16];
	size_t i;

	if (!json_array_size(held) && !json_array_size(waiting))
		printf("no intents held, nobody waiting\n");
	if (json_array_size(held))
		printf("%-36s %-5s %-14s %7s  %-20s %s\n", "TARGET", "LEVEL", "AGENT", "TOKEN",
		       "LEASE ENDS", "ACTIVITY");
	for (i = 0; i < json_array_size(held); i++) {
		const json_t *h = json_array_get(held, i);
		int yielding = cli_jint(h, "yield_by") != 0;
		const char *by = cli_jstr(h, "preempted_by");
		printf("%-36s %-5s %-14s %7lld  %-20s %s%s%s%s\n", cli_jstr(h, "target"),
		       cli_jstr(h, "level"), cli_jstr(h, "agent"), cli_jint(h, "token"),
		       hold_end(when, sizeof(when), h), cli_jstr(h, "activity"),
		       yielding ? " [yielding to " : "", yielding ? (*by ? by : "?") : "",
		       yielding ? "]" : "");
	}
	if (json_array_size(waiting))
		printf("\n%-36s %4s %-5s %-14s %s\n", "WAITING FOR", "POS", "LEVEL", "AGENT",
		       "SINCE");
	for (i = 0; i < json_array_size(waiting); i++) {
		const json_t *w = json_array_get(waiting, i);
		const char *act = cli_jstr(w, "activity");
		printf("%-36s %4lld %-5s %-14s %s ago%s%s\n", cli_jstr(w, "target"),
		       cli_jint(w, "position"), cli_jstr(w, "level"), cli_jstr(w, "agent"),
		       cli_age(age, sizeof(age), cli_jint(w, "since")), *act ? "  " : "", act);
	}
	print_notices(json_object_get(tb, "notices"));
}

static int cmd_locks(cli_args *a)
{
	braid_api_result r;
	int rc;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((rc = cli_call(&r, NULL, a, "intent_status", NULL)) == 0 && !a->json)
		print_locks(r.data);
	cli_call_done(&r, NULL);
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
