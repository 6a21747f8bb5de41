/*
 * mcp.h: braid's MCP server (Model Context Protocol, JSON-RPC 2.0 over
 * stdio, one message per line). One server serves one agent: every tool is
 * a method of include/braid/api.h, called as the context's acting agent.
 * The front parses and frames messages; it holds no braid logic.
 */
#ifndef BRAID_MCP_H
#define BRAID_MCP_H

#include <stdio.h>

#include "braid/ctx.h"

/* Largest message accepted (one line); longer ones are answered with an error and skipped. */
#define BRAID_MCP_MAX_LINE (8u << 20)

/* The protocol versions this server speaks, newest first. */
extern const char *const braid_mcp_versions[];

typedef struct braid_mcp_options {
	size_t max_line; /* 0: BRAID_MCP_MAX_LINE */
} braid_mcp_options;

/*
 * Serve MCP on `in`/`out` until `in` ends. Returns 0 at end of input, or -1
 * when writing to `out` fails.
 */
int braid_mcp_serve(braid_ctx *ctx, FILE *in, FILE *out, const braid_mcp_options *opts);

#endif
