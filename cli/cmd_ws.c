/* cmd_ws.c: `braid ws new|list|rm` — agent workspaces (git worktrees). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "braid/workspace.h"

static const cli_opt new_opts[] = {
    {"path", 'p', 1, "where to create it (default: .braid/ws/<id>)"},
    {0},
};

static int cmd_ws_new(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_workspace *ws = NULL;
	int err;

	if (a->npos != 1)
		return cli_usage_error(a, a->npos ? "give exactly one AGENT" : "missing AGENT");
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_workspace_new(&ws, ctx, a->pos[0], cli_opt_value(a, "path"))) < 0) {
		err = cli_fail(a, err);
		goto done;
	}
	if (a->json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:s}", "id", ws->id, "agent",
		                         ws->agent_name, "path", ws->path, "change",
		                         ws->change_id));
	else
		printf("created workspace '%s' for %s at %s (change %s, based on %s)\n", ws->id,
		       ws->agent_name, ws->path, ws->change_id, braid_ctx_target_name(ctx));
done:
	braid_workspace_free(ws);
	braid_ctx_free(ctx);
	return err;
}

static const cli_opt list_opts[] = {
    {"all", 'a', 0, "include removed workspaces"},
    {0},
};

static int cmd_ws_list(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_workspace_list *l = NULL;
	size_t i;
	int err;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_workspace_list_all(&l, ctx, cli_opt_set(a, "all"))) < 0) {
		err = cli_fail(a, err);
		goto done;
	}
	if (a->json) {
		json_t *arr = json_array();
		for (i = 0; i < l->count; i++) {
			braid_workspace *w = &l->items[i];
			json_array_append_new(arr,
			                      json_pack("{s:s, s:s, s:s, s:s?, s:s}", "id", w->id,
			                                "agent", w->agent_name, "path", w->path,
			                                "change", w->change_id, "state", w->state));
		}
		cli_print_json(json_pack("{s:o}", "workspaces", arr));
	} else {
		for (i = 0; i < l->count; i++) {
			braid_workspace *w = &l->items[i];
			printf("%-16s %-12s %-8s %s\n", w->id, w->agent_name, w->state, w->path);
		}
	}
done:
	braid_workspace_list_free(l);
	braid_ctx_free(ctx);
	return err;
}

static const cli_opt rm_opts[] = {
    {"force", 'f', 0, "remove even with unsubmitted work (it is kept under refs/braid/)"},
    {0},
};

static int cmd_ws_rm(cli_args *a)
{
	braid_ctx *ctx = NULL;
	char *kept = NULL;
	int err;

	if (a->npos != 1)
		return cli_usage_error(a, a->npos ? "give exactly one WORKSPACE"
		                                  : "missing WORKSPACE");
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_workspace_rm(ctx, a->pos[0], cli_opt_set(a, "force"), &kept)) < 0) {
		err = cli_fail(a, err);
		goto done;
	}
	if (a->json)
		cli_print_json(json_pack("{s:s, s:b, s:s?}", "removed", a->pos[0], "kept",
		                         kept != NULL, "kept_ref", kept));
	else if (kept)
		printf("removed workspace '%s'; its unlanded work is kept at %s\n", a->pos[0],
		       kept);
	else
		printf("removed workspace '%s'\n", a->pos[0]);
done:
	free(kept);
	braid_ctx_free(ctx);
	return err;
}

CLI_COMMAND(ws_new, "ws new", cmd_ws_new, new_opts, "AGENT [--path DIR]",
            "create a workspace (git worktree on a new change) for AGENT", NULL)
CLI_COMMAND(ws_list, "ws list", cmd_ws_list, list_opts, "[--all]", "list workspaces", NULL)
CLI_COMMAND(ws_rm, "ws rm", cmd_ws_rm, rm_opts, "WORKSPACE [--force]",
            "remove a workspace (refuses with unsubmitted work unless --force)", NULL)
