/* cmd_agent.c: `braid agent add|list` — agent identities. */
#include "cli.h"

#include <stdio.h>

#include "braid/agent.h"

static const cli_opt add_opts[] = {
    {"role", 'r', 1, "worker (default), main or human"},
    {0},
};

static json_t *agent_json(const braid_agent *ag)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I}", "id", ag->id, "name", ag->name, "role",
	                 ag->role, "pubkey", ag->pubkey, "created_at", (json_int_t)ag->created_at);
}

static int cmd_agent_add(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_agent *ag = NULL;
	char *token = NULL;
	int err;

	if (a->npos != 1)
		return cli_usage_error(a, a->npos ? "give exactly one NAME" : "missing NAME");
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	err = braid_agent_add(&ag, &token, ctx, a->pos[0], cli_opt_value(a, "role"));
	if (err < 0) {
		err = cli_fail(a, err);
		goto done;
	}
	if (a->json) {
		json_t *j = agent_json(ag);
		json_object_set_new(j, "token", json_string(token));
		cli_print_json(j);
	} else {
		printf("added agent '%s' (%s, role %s)\n"
		       "its API token is in %s/tokens/%s\n"
		       "next: 'braid ws new %s' gives it a workspace\n",
		       ag->name, ag->id, ag->role, braid_ctx_dir(ctx), ag->name, ag->name);
	}
done:
	free(token);
	braid_agent_free(ag);
	braid_ctx_free(ctx);
	return err;
}

static const cli_opt no_opts[] = {{0}};

static int cmd_agent_list(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_agent_list *l = NULL;
	size_t i;
	int err;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_agent_list_all(&l, ctx)) < 0) {
		err = cli_fail(a, err);
		goto done;
	}
	if (a->json) {
		json_t *arr = json_array();
		for (i = 0; i < l->count; i++)
			json_array_append_new(arr, agent_json(&l->items[i]));
		cli_print_json(json_pack("{s:o}", "agents", arr));
	} else {
		for (i = 0; i < l->count; i++)
			printf("%-20s %-8s %s\n", l->items[i].name, l->items[i].role,
			       l->items[i].id);
	}
done:
	braid_agent_list_free(l);
	braid_ctx_free(ctx);
	return err;
}

CLI_COMMAND(agent_add, "agent add", cmd_agent_add, add_opts, "NAME [--role worker|main|human]",
            "create an agent identity (ed25519 key pair, id, API token)", NULL)
CLI_COMMAND(agent_list, "agent list", cmd_agent_list, no_opts, "", "list agents", NULL)
