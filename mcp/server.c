/*
 * server.c: the MCP server loop. Reads one JSON-RPC message per line
 * (capped), answers initialize / ping / tools/list / tools/call, and maps
 * each tool to the api method of the same name. Results are the method's
 * JSON as structuredContent plus its one-line text; failures are tool
 * errors (isError) whose text says what to do next. Protocol mistakes get
 * JSON-RPC errors: -32700 parse error, -32600 invalid request, -32601
 * unknown method, -32602 unknown tool or bad params.
 */
#include "mcp.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "braid/api.h"
#include "braid/common.h"

const char *const braid_mcp_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05",
                                          NULL};

#define RPC_PARSE_ERROR      (-32700)
#define RPC_INVALID_REQUEST  (-32600)
#define RPC_METHOD_NOT_FOUND (-32601)
#define RPC_INVALID_PARAMS   (-32602)

static const char instructions[] =
    "braid lets many agents edit one git repository at once. You work in your own workspace "
    "(a git worktree); edit files there as usual. Call status to see agents, workspaces, the "
    "landing queue and conflicts. When a piece of work is done, call submit: work that "
    "commutes with what others landed is merged onto main automatically; overlapping edits "
    "come back as a conflict object (conflict_show describes it, resolve writes it into your "
    "workspace with markers, then submit again). Call update when status says your "
    "workspace is behind main. Every answer's text says what to do next.";

typedef struct server {
	braid_ctx *ctx;
	FILE *out;
} server;

static int send_json(server *s, json_t *msg)
{
	char *text;
	int rc = 0;

	if (!msg)
		return 0;
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text)
		return 0;
	if (fputs(text, s->out) == EOF || fputc('\n', s->out) == EOF || fflush(s->out) == EOF)
		rc = -1;
	free(text);
	return rc;
}

static int send_result(server *s, json_t *id, json_t *result)
{
	return send_json(s, json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
	                              id ? id : json_null(), "result", result));
}

static int send_error(server *s, json_t *id, int code, const char *message)
{
	return send_json(s, json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
	                              id ? id : json_null(), "error", "code", code, "message",
	                              message));
}

static json_t *initialize(const json_t *params)
{
	const char *want = json_string_value(json_object_get(params, "protocolVersion"));
	const char *version = braid_mcp_versions[0];
	size_t i;

	for (i = 0; want && braid_mcp_versions[i]; i++)
		if (!strcmp(want, braid_mcp_versions[i]))
			version = braid_mcp_versions[i];
	return json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s, s:s}, s:s}", "protocolVersion", version,
	                 "capabilities", "tools", "listChanged", 0, "serverInfo", "name", "braid",
	                 "title", "braid", "version", BRAID_VERSION, "instructions", instructions);
}

static json_t *tool_json(const braid_api_method *m)
{
	json_t *schema = json_deep_copy(braid_api_method_schema(m));

	return json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:b, s:b, s:b, s:b}}", "name", m->name,
	                 "title", m->title, "description", m->description, "inputSchema", schema,
	                 "annotations", "title", m->title, "readOnlyHint",
	                 !(m->flags & BRAID_API_WRITE), "destructiveHint",
	                 (m->flags & BRAID_API_DESTRUCTIVE) != 0, "idempotentHint",
	                 (m->flags & BRAID_API_IDEMPOTENT) != 0, "openWorldHint", 0);
}

static json_t *tools_list(void)
{
	json_t *tools = json_array();
	size_t i;

	for (i = 0; tools && i < braid_api_method_count(); i++) {
		const braid_api_method *m = braid_api_method_at(i);
		if (!(m->flags & BRAID_API_NO_MCP))
			json_array_append_new(tools, tool_json(m));
	}
	return json_pack("{s:o}", "tools", tools);
}

/* What to do after an error whose message may not say it. */
static const char *hint(int code)
{
	switch (code) {
	case BRAID_EINVALID:
		return "fix the arguments (the tool's inputSchema lists them) and call again";
	case BRAID_ENOTFOUND:
		return "check the id or name with status, conflicts_list, queue or op_log";
	case BRAID_EBUSY:
		return "retry in a moment";
	case BRAID_ELOCKED:
		return "work on something else and retry later, or wait in line";
	case BRAID_ESTALE:
		return "read the current version again, then retry";
	case BRAID_ENOMEM:
	case BRAID_ERROR:
		return "retry; if it keeps failing, run 'braid doctor'";
	default:
		return NULL;
	}
}

static json_t *tools_call(server *s, const json_t *params, int *rpc_code, char *rpc_msg,
                          size_t rpc_msg_size)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	const json_t *args = json_object_get(params, "arguments");
	const braid_api_method *m = braid_api_method_find(name);
	braid_api_result r = BRAID_API_RESULT_INIT;
	json_t *content, *out;
	char *data_text = NULL;

	if (!name) {
		*rpc_code = RPC_INVALID_PARAMS;
		snprintf(rpc_msg, rpc_msg_size, "tools/call needs params.name");
		return NULL;
	}
	if (!m || (m->flags & BRAID_API_NO_MCP)) {
		*rpc_code = RPC_INVALID_PARAMS;
		snprintf(rpc_msg, rpc_msg_size,
		         "Unknown tool '%.64s'; tools/list names the tools braid offers", name);
		return NULL;
	}
	if (args && !json_is_object(args) && !json_is_null(args)) {
		*rpc_code = RPC_INVALID_PARAMS;
		snprintf(rpc_msg, rpc_msg_size, "params.arguments must be an object");
		return NULL;
	}
	if (json_is_null(args))
		args = NULL;
	if (braid_api_call(&r, s->ctx, name, args, 0) < 0) {
		const char *h = hint(r.code);
		char *msg = NULL;
		size_t n = strlen(r.text ? r.text : "") + 200;
		if ((msg = malloc(n)))
			snprintf(msg, n, "error (%s): %s%s%s", braid_error_name(r.code),
			         r.text ? r.text : "unknown error", h ? ". next: " : "",
			         h ? h : "");
		out = json_pack("{s:[{s:s, s:s}], s:{s:{s:s, s:s, s:O?}}, s:b}", "content", "type",
		                "text", "text", msg ? msg : "error", "structuredContent", "error",
		                "code", braid_error_name(r.code), "message",
		                r.text ? r.text : "unknown error", "details", r.data, "isError", 1);
		free(msg);
		braid_api_result_release(&r);
		return out;
	}
	data_text = json_dumps(r.data, JSON_COMPACT);
	content = json_pack("[{s:s, s:s}]", "type", "text", "text", r.text ? r.text : "done");
	if (content && data_text)
		json_array_append_new(content,
		                      json_pack("{s:s, s:s}", "type", "text", "text", data_text));
	out = json_pack("{s:o, s:O, s:b}", "content", content, "structuredContent", r.data,
	                "isError", 0);
	free(data_text);
	braid_api_result_release(&r);
	return out;
}

static int handle(server *s, json_t *msg)
{
	json_t *id = json_object_get(msg, "id");
	const char *method = json_string_value(json_object_get(msg, "method"));
	const json_t *params = json_object_get(msg, "params");
	char rpc_msg[200];
	int rpc_code = 0;
	json_t *result = NULL;

	if (!json_is_object(msg))
		return send_error(s, NULL, RPC_INVALID_REQUEST,
		                  json_is_array(msg)
		                      ? "Invalid Request: batches are not supported"
		                      : "Invalid Request: a message is a JSON object");
	if (id && !json_is_string(id) && !json_is_integer(id) && !json_is_null(id))
		return send_error(s, NULL, RPC_INVALID_REQUEST,
		                  "Invalid Request: id must be a string or an integer");
	if (!method) {
		/* A response to a request of ours (we send none), or garbage. */
		if (json_object_get(msg, "result") || json_object_get(msg, "error"))
			return 0;
		return send_error(s, id, RPC_INVALID_REQUEST, "Invalid Request: no method");
	}
	if (strcmp(json_string_value(json_object_get(msg, "jsonrpc")) ?: "", "2.0"))
		return id ? send_error(s, id, RPC_INVALID_REQUEST,
		                       "Invalid Request: jsonrpc must be \"2.0\"")
		          : 0;
	if (params && !json_is_object(params))
		return id ? send_error(s, id, RPC_INVALID_PARAMS, "params must be an object") : 0;
	if (!id) /* notifications: initialized, cancelled, ... need no answer */
		return 0;

	if (!strcmp(method, "initialize")) {
		result = initialize(params);
	} else if (!strcmp(method, "ping")) {
		result = json_object();
	} else if (!strcmp(method, "tools/list")) {
		result = tools_list();
	} else if (!strcmp(method, "tools/call")) {
		result = tools_call(s, params, &rpc_code, rpc_msg, sizeof(rpc_msg));
		if (!result && rpc_code)
			return send_error(s, id, rpc_code, rpc_msg);
	} else {
		char buf[160];
		snprintf(buf, sizeof(buf), "Method not found: %.100s", method);
		return send_error(s, id, RPC_METHOD_NOT_FOUND, buf);
	}
	if (!result)
		return send_error(s, id, -32603, "Internal error: out of memory");
	return send_result(s, id, result);
}

/*
 * Read one line into *buf (without the newline). Returns 1 for a line, 0 at
 * end of input, 2 for a line longer than `max` (consumed and dropped).
 */
static int read_line(char **buf, size_t *cap, size_t *len, FILE *in, size_t max)
{
	int c, over = 0;

	*len = 0;
	while ((c = getc(in)) != EOF) {
		if (c == '\n')
			return over ? 2 : 1;
		if (over)
			continue;
		if (*len + 1 >= max) {
			over = 1;
			continue;
		}
		if (*len + 1 >= *cap) {
			size_t ncap = *cap ? *cap * 2 : 4096;
			char *n = realloc(*buf, ncap);
			if (!n) {
				over = 1;
				continue;
			}
			*buf = n;
			*cap = ncap;
		}
		(*buf)[(*len)++] = (char)c;
	}
	if (over)
		return 2;
	return *len ? 1 : 0;
}

int braid_mcp_serve(braid_ctx *ctx, FILE *in, FILE *out, const braid_mcp_options *opts)
{
	server s = {ctx, out};
	size_t max = opts && opts->max_line ? opts->max_line : BRAID_MCP_MAX_LINE;
	char *buf = NULL;
	size_t cap = 0, len = 0;
	int rc = 0, got;

	while ((got = read_line(&buf, &cap, &len, in, max)) != 0) {
		json_error_t jerr;
		json_t *msg;
		char text[300];

		if (got == 2) {
			snprintf(text, sizeof(text),
			         "Invalid Request: message longer than %zu bytes was dropped", max);
			rc = send_error(&s, NULL, RPC_INVALID_REQUEST, text);
		} else if (len == 0 || strspn(buf, " \t\r") == len) {
			continue;
		} else if (!(msg = json_loadb(buf, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
		                              &jerr))) {
			snprintf(text, sizeof(text), "Parse error: %s (column %d)", jerr.text,
			         jerr.column);
			rc = send_error(&s, NULL, RPC_PARSE_ERROR, text);
		} else {
			rc = handle(&s, msg);
			json_decref(msg);
		}
		if (rc < 0)
			break;
	}
	free(buf);
	return rc;
}
