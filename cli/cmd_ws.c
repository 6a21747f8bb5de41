/*
 * cmd_ws.c: `braid ws new|list|rm` — agent workspaces (git worktrees); api:
 * workspace_new, workspaces_list, workspace_rm.
 */
#include "cli.h"

#include <stdio.h>

static const cli_opt new_opts[] = {
    {"path", 'p', 1, "where to create it (default: .braid/ws/<id>)"},
    {0},
};

static int cmd_ws_new(cli_args *a)
{
	braid_api_result r;
	braid_ctx *ctx = NULL;
	int rc;

	if (a->npos != 1)
		return cli_usage_error(a, a->npos ? "give exactly one AGENT" : "missing AGENT");
	rc = cli_call(
	    &r, &ctx, a, "workspace_new",
	    json_pack("{s:s, s:s?}", "agent", a->pos[0], "path", cli_opt_value(a, "path")));
	if (!rc && !a->json)
		printf("created workspace '%s' for %s at %s (change %s, based on %s)\n",
		       cli_jstr(r.data, "id"), cli_jstr(r.data, "agent"), cli_jstr(r.data, "path"),
		       cli_jstr(r.data, "change"), braid_ctx_target_name(ctx));
	cli_call_done(&r, ctx);
	return rc;
}

static const cli_opt list_opts[] = {
    {"all", 'a', 0, "include removed workspaces"},
    {0},
};

static int cmd_ws_list(cli_args *a)
{
	braid_api_result r;
	const json_t *l;
	size_t i;
	int rc;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	rc = cli_call(&r, NULL, a, "workspaces_list",
	              json_pack("{s:b}", "all", cli_opt_set(a, "all")));
	l = json_object_get(r.data, "workspaces");
	for (i = 0; !rc && !a->json && i < json_array_size(l); i++) {
		const json_t *w = json_array_get(l, i);
		printf("%-16s %-12s %-8s %s\n", cli_jstr(w, "id"), cli_jstr(w, "agent"),
		       cli_jstr(w, "workspace_state"), cli_jstr(w, "path"));
	}
	cli_call_done(&r, NULL);
	return rc;
}

static const cli_opt rm_opts[] = {
    {"force", 'f', 0, "remove even with unsubmitted work (it is kept under refs/braid/)"},
    {0},
};

static int cmd_ws_rm(cli_args *a)
{
	braid_api_result r;
	int rc;

	if (a->npos != 1)
		return cli_usage_error(a, a->npos ? "give exactly one WORKSPACE"
		                                  : "missing WORKSPACE");
	rc = cli_call(
	    &r, NULL, a, "workspace_rm",
	    json_pack("{s:s, s:b}", "workspace", a->pos[0], "force", cli_opt_set(a, "force")));
	if (!rc && !a->json && cli_jbool(r.data, "kept"))
		printf("removed workspace '%s'; its unlanded work is kept at %s\n", a->pos[0],
		       cli_jstr(r.data, "kept_ref"));
	else if (!rc && !a->json)
		printf("removed workspace '%s'\n", a->pos[0]);
	cli_call_done(&r, NULL);
	return rc;
}

CLI_COMMAND(ws_new, "ws new", cmd_ws_new, new_opts, "AGENT [--path DIR]",
            "create a workspace (git worktree on a new change) for AGENT", NULL)
CLI_COMMAND(ws_list, "ws list", cmd_ws_list, list_opts, "[--all]", "list workspaces", NULL)
CLI_COMMAND(ws_rm, "ws rm", cmd_ws_rm, rm_opts, "WORKSPACE [--force]",
            "remove a workspace (refuses with unsubmitted work unless --force)", NULL)
