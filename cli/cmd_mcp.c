/* cmd_mcp.c: `braid mcp` — serve MCP on stdio for one agent (see mcp/mcp.h). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "../mcp/mcp.h"

static const cli_opt opts[] = {
    {"max-message", 0, 1, "largest accepted message in bytes (default 8 MiB)"},
    {0},
};

static int cmd_mcp(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_mcp_options o = {0};
	const char *max = cli_opt_value(a, "max-message");
	int err;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if (max) {
		char *end;
		long long v = strtoll(max, &end, 10);
		if (*end || v < 1024)
			return cli_usage_error(a, "--max-message needs a number of bytes >= 1024");
		o.max_line = (size_t)v;
	}
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	err = braid_mcp_serve(ctx, stdin, stdout, &o);
	braid_ctx_free(ctx);
	return err < 0 ? CLI_INTERNAL : CLI_OK;
}

CLI_COMMAND(mcp, "mcp", cmd_mcp, opts, "[--agent NAME]",
            "serve braid's tools over MCP (JSON-RPC on stdin/stdout) for one agent",
            "The agent is the owner of the workspace the server starts in, or --agent NAME\n"
            "(or $BRAID_AGENT). Claude Code: put {\"mcpServers\": {\"braid\": {\"command\":\n"
            "\"braid\", \"args\": [\"mcp\"]}}} in .mcp.json (see the README).")
