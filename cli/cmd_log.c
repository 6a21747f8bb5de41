/*
 * cmd_log.c: `braid log --ops`, `braid op show ID`, `braid op verify`, `braid
 * doctor` — the op log and braid's invariants (api: op_log, op_show,
 * op_verify, doctor).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_opt log_opts[] = {
    {"ops", 0, 0, "show the op log (the only log braid keeps; git log shows commits)"},
    {"kind", 'k', 1, "only ops of this kind (land, conflict, resolve, snapshot, ...)"},
    {"limit", 'n', 1, "at most this many (default 50; 0 for all)"},
    {0},
};

/* The op's agent for people: its name, else its id. */
static const char *op_agent(const json_t *op)
{
	const char *name = cli_jstr(op, "agent_name");
	return *name ? name : cli_jstr(op, "agent");
}

static int cmd_log(cli_args *a)
{
	braid_api_result r;
	const json_t *ops;
	const char *lim = cli_opt_value(a, "limit");
	char *end;
	long limit = 50;
	size_t i;
	int rc;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if (lim) {
		limit = strtol(lim, &end, 10);
		if (*end || limit < 0)
			return cli_usage_error(a, "--limit needs a number, not '%s'", lim);
	}
	rc = cli_call(
	    &r, NULL, a, "op_log",
	    json_pack("{s:s?, s:I}", "kind", cli_opt_value(a, "kind"), "limit", (json_int_t)limit));
	ops = json_object_get(r.data, "ops");
	for (i = 0; !rc && !a->json && i < json_array_size(ops); i++) {
		const json_t *op = json_array_get(ops, i);
		char t[32];
		char *payload = json_dumps(json_object_get(op, "payload"),
		                           JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
		printf("%.12s %s %-10s %-14s %.100s\n", cli_jstr(op, "id"),
		       cli_time(t, sizeof(t), cli_jint(op, "created_at")), op_agent(op),
		       cli_jstr(op, "kind"), payload ? payload : "");
		free(payload);
	}
	cli_call_done(&r, NULL);
	return rc;
}

static const cli_opt no_opts[] = {{0}};

static int cmd_op_show(cli_args *a)
{
	braid_api_result r;
	const json_t *parents;
	char t[32];
	size_t i;
	int rc;

	if (a->npos != 1)
		return cli_usage_error(a, a->npos ? "give exactly one op ID" : "missing op ID");
	rc = cli_call(&r, NULL, a, "op_show", json_pack("{s:s}", "id", a->pos[0]));
	if (!rc && !a->json) {
		printf("op %s\nkind:      %s\nagent:     %s (%s)\ntime:      %s\n",
		       cli_jstr(r.data, "id"), cli_jstr(r.data, "kind"), op_agent(r.data),
		       cli_jstr(r.data, "agent"),
		       cli_time(t, sizeof(t), cli_jint(r.data, "created_at")));
		parents = json_object_get(r.data, "parents");
		for (i = 0; i < json_array_size(parents); i++)
			printf("parent:    %s\n", json_string_value(json_array_get(parents, i)));
		printf("signature: %s\npayload:\n", cli_jstr(r.data, "signature"));
		json_dumpf(json_object_get(r.data, "payload"), stdout,
		           JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		printf("\n");
	}
	cli_call_done(&r, NULL);
	return rc;
}

static int cmd_op_verify(cli_args *a)
{
	braid_api_result r;
	int rc;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((rc = cli_call(&r, NULL, a, "op_verify", NULL)) == 0) {
		if (!a->json && cli_jbool(r.data, "ok"))
			printf("op log ok: %lld ops, every id and signature verifies (%lld newest "
			       "lock ops wait for a seal)\n",
			       cli_jint(r.data, "checked"), cli_jint(r.data, "unsealed"));
		else if (!a->json)
			printf(
			    "op log damaged: %lld ops checked, %lld bad ids, %lld bad signatures, "
			    "%lld missing parents\nfirst problem: %s\n",
			    cli_jint(r.data, "checked"), cli_jint(r.data, "bad_id"),
			    cli_jint(r.data, "bad_signature"), cli_jint(r.data, "missing_parent"),
			    cli_jstr(r.data, "first_problem"));
		rc = cli_jbool(r.data, "ok") ? CLI_OK : CLI_NEGATIVE;
	}
	cli_call_done(&r, NULL);
	return rc;
}

static int cmd_doctor(cli_args *a)
{
	braid_api_result r;
	int rc;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((rc = cli_call(&r, NULL, a, "doctor", NULL)) == 0) {
		if (!a->json)
			printf("%s%s\n", cli_jstr(r.data, "report"),
			       cli_jbool(r.data, "clean") ? "clean" : "problems found");
		rc = cli_jbool(r.data, "clean") ? CLI_OK : CLI_NEGATIVE;
	}
	cli_call_done(&r, NULL);
	return rc;
}

CLI_COMMAND(log, "log", cmd_log, log_opts, "--ops [--kind KIND] [-n LIMIT]",
            "show the op log: every transition, its agent and payload, newest first", NULL)
CLI_COMMAND(op_show, "op show", cmd_op_show, no_opts, "ID",
            "show one op: parents, signature, payload", NULL)
CLI_COMMAND(op_verify, "op verify", cmd_op_verify, no_opts, "",
            "recompute every op id and check every signature (exit 1 when damaged)", NULL)
CLI_COMMAND(doctor, "doctor", cmd_doctor, no_opts, "",
            "finish what a crashed process left in the queue, then check braid's invariants",
            "Exit code 0 means clean, 1 means problems were found (listed).")
