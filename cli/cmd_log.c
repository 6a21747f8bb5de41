/* cmd_log.c: `braid log --ops`, `braid op show ID`, `braid op verify` — the op log. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braid/agent.h"
#include "braid/converge.h"
#include "braid/op.h"

static json_t *op_json(const braid_op *op)
{
	json_t *parents = json_array();
	size_t i;

	for (i = 0; i < op->nparents; i++)
		json_array_append_new(parents, json_string(op->parents[i]));
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:I}", "seq", (json_int_t)op->seq,
	                 "id", op->id, "kind", op->kind, "agent", op->agent_id, "parents", parents,
	                 "payload", json_loads(op->payload, 0, NULL), "signature", op->signature,
	                 "created_at", (json_int_t)op->created_at);
}

static const char *agent_name(braid_ctx *ctx, const char *id, char *buf, size_t n)
{
	braid_agent *a = NULL;

	if (braid_agent_lookup(&a, ctx, id) < 0) {
		snprintf(buf, n, "%s", id);
		return buf;
	}
	snprintf(buf, n, "%s", a->name);
	braid_agent_free(a);
	return buf;
}

static const cli_opt log_opts[] = {
    {"ops", 0, 0, "show the op log (the only log braid keeps; git log shows commits)"},
    {"kind", 'k', 1, "only ops of this kind (land, conflict, resolve, snapshot, ...)"},
    {"limit", 'n', 1, "at most this many (default 50; 0 for all)"},
    {0},
};

static int cmd_log(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_op_list *l = NULL;
	const char *lim = cli_opt_value(a, "limit");
	char *end;
	long limit = 50;
	size_t i;
	int err;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if (lim) {
		limit = strtol(lim, &end, 10);
		if (*end || limit < 0)
			return cli_usage_error(a, "--limit needs a number, not '%s'", lim);
	}
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_op_list_recent(&l, ctx, cli_opt_value(a, "kind"), (size_t)limit)) < 0) {
		err = cli_fail(a, err);
		goto done;
	}
	if (a->json) {
		json_t *arr = json_array();
		for (i = 0; i < l->count; i++)
			json_array_append_new(arr, op_json(&l->items[i]));
		cli_print_json(json_pack("{s:o}", "ops", arr));
		goto done;
	}
	for (i = 0; i < l->count; i++) {
		char t[32], name[80];
		braid_op *op = &l->items[i];
		printf("%.12s %s %-10s %-14s %.100s\n", op->id,
		       cli_time(t, sizeof(t), op->created_at),
		       agent_name(ctx, op->agent_id, name, sizeof(name)), op->kind, op->payload);
	}
done:
	braid_op_list_free(l);
	braid_ctx_free(ctx);
	return err;
}

static const cli_opt no_opts[] = {{0}};

static int cmd_op_show(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_op *op = NULL;
	char t[32], name[80];
	size_t i;
	int err;

	if (a->npos != 1)
		return cli_usage_error(a, a->npos ? "give exactly one op ID" : "missing op ID");
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_op_get(&op, ctx, a->pos[0])) < 0) {
		err = cli_fail(a, err);
		goto done;
	}
	if (a->json) {
		cli_print_json(op_json(op));
		goto done;
	}
	printf("op %s\nkind:      %s\nagent:     %s (%s)\ntime:      %s\n", op->id, op->kind,
	       agent_name(ctx, op->agent_id, name, sizeof(name)), op->agent_id,
	       cli_time(t, sizeof(t), op->created_at));
	for (i = 0; i < op->nparents; i++)
		printf("parent:    %s\n", op->parents[i]);
	printf("signature: %s\npayload:\n", op->signature);
	{
		json_t *p = json_loads(op->payload, 0, NULL);
		if (p)
			json_dumpf(p, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("\n");
		json_decref(p);
	}
done:
	braid_op_free(op);
	braid_ctx_free(ctx);
	return err;
}

static int cmd_op_verify(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_op_verify_report r = {0};
	int err, bad;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_op_verify_all(&r, ctx)) < 0) {
		err = cli_fail(a, err);
		goto done;
	}
	bad = r.bad_id || r.bad_signature || r.missing_parent;
	if (a->json)
		cli_print_json(json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:s?}", "ok", !bad,
		                         "checked", (json_int_t)r.checked, "bad_id",
		                         (json_int_t)r.bad_id, "bad_signature",
		                         (json_int_t)r.bad_signature, "missing_parent",
		                         (json_int_t)r.missing_parent, "unsealed",
		                         (json_int_t)r.unsealed, "first_problem", r.first_problem));
	else if (!bad)
		printf("op log ok: %zu ops, every id and signature verifies (%zu newest lock ops "
		       "wait for a seal)\n",
		       r.checked, r.unsealed);
	else
		printf(
		    "op log damaged: %zu ops checked, %zu bad ids, %zu bad signatures, %zu missing "
		    "parents\nfirst problem: %s\n",
		    r.checked, r.bad_id, r.bad_signature, r.missing_parent, r.first_problem);
	err = bad ? CLI_NEGATIVE : 0;
done:
	braid_op_verify_report_clear(&r);
	braid_ctx_free(ctx);
	return err;
}

static int cmd_doctor(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_doctor_report r = {0};
	int err;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_converge_doctor(&r, ctx)) < 0) {
		err = cli_fail(a, err);
		goto done;
	}
	if (a->json)
		cli_print_json(json_pack("{s:b, s:I, s:I, s:s}", "clean", r.problems == 0,
		                         "problems", (json_int_t)r.problems, "recovered",
		                         (json_int_t)r.recovered, "report", r.text));
	else
		printf("%s%s\n", r.text, r.problems ? "problems found" : "clean");
	err = r.problems ? CLI_NEGATIVE : 0;
done:
	braid_doctor_report_clear(&r);
	braid_ctx_free(ctx);
	return err;
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
