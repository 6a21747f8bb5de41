/* cmd_agent.c: `braid agent add|list` — agent identities (api: agent_add, agents_list). */
#include "cli.h"

#include <stdio.h>

static const cli_opt add_opts[] = {
    {"role", 'r', 1, "worker (default), main or human"},
    {0},
};

static int cmd_agent_add(cli_args *a)
{
	braid_api_result r;
	braid_ctx *ctx = NULL;
	const char *role = cli_opt_value(a, "role");
	int rc;

	if (a->npos != 1)
		return cli_usage_error(a, a->npos ? "give exactly one NAME" : "missing NAME");
	rc = cli_call(&r, &ctx, a, "agent_add",
	              json_pack("{s:s, s:s?}", "name", a->pos[0], "role", role));
	if (!rc && !a->json)
		printf("added agent '%s' (%s, role %s)\n"
		       "its API token is in %s/tokens/%s\n"
		       "next: 'braid ws new %s' gives it a workspace\n",
		       cli_jstr(r.data, "name"), cli_jstr(r.data, "id"), cli_jstr(r.data, "role"),
		       braid_ctx_dir(ctx), cli_jstr(r.data, "name"), cli_jstr(r.data, "name"));
	cli_call_done(&r, ctx);
	return rc;
}

static const cli_opt no_opts[] = {{0}};

static int cmd_agent_list(cli_args *a)
{
	braid_api_result r;
	const json_t *l;
	size_t i;
	int rc;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	rc = cli_call(&r, NULL, a, "agents_list", NULL);
	l = json_object_get(r.data, "agents");
	for (i = 0; !rc && !a->json && i < json_array_size(l); i++)
		printf("%-20s %-8s %s\n", cli_jstr(json_array_get(l, i), "name"),
		       cli_jstr(json_array_get(l, i), "role"),
		       cli_jstr(json_array_get(l, i), "id"));
	cli_call_done(&r, NULL);
	return rc;
}

CLI_COMMAND(agent_add, "agent add", cmd_agent_add, add_opts, "NAME [--role worker|main|human]",
            "create an agent identity (ed25519 key pair, id, API token)", NULL)
CLI_COMMAND(agent_list, "agent list", cmd_agent_list, no_opts, "", "list agents", NULL)
