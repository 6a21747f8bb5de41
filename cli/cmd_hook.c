/*
 * cmd_hook.c: `braid hook claude pre-tool|post-tool|stop` — Claude Code
 * hooks, so agents that never call a braid tool still coordinate.
 *
 * Claude Code runs the hook with the event as JSON on stdin. Exit codes
 * follow its hook contract: 0 lets the tool run (or the agent stop), 2
 * blocks it and feeds stderr back to the agent, anything else is a
 * non-blocking error shown to the user.
 *
 *   pre-tool   before Edit/Write/MultiEdit/NotebookEdit: the file must be in
 *              the agent's own workspace (not the main checkout, not another
 *              agent's workspace, not .git/.braid); when braid has intents,
 *              an L2 intent is declared on it, and the edit is blocked when
 *              another agent holds it at L3/L4 (the message names the holder
 *              and the place in line).
 *   post-tool  after such an edit: renews the agent's lease on the file.
 *   stop       when the agent finishes: submits the workspace (setting
 *              hook.submit-on-stop, default true); a conflict blocks the
 *              stop once, with the next steps, so the agent resolves it.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "braid/api.h"

#define HOOK_MAX_INPUT (32u << 20)

enum { HOOK_ALLOW = 0, HOOK_WARN = 1, HOOK_BLOCK = 2 };

static json_t *read_payload(char *err, size_t errsize)
{
	size_t len = 0;
	char *buf = cli_read_stdin(&len, HOOK_MAX_INPUT);
	json_error_t jerr;
	json_t *j;

	if (!buf) {
		snprintf(err, errsize, "hook input larger than %u bytes", HOOK_MAX_INPUT);
		return NULL;
	}
	j = json_loadb(buf, len, 0, &jerr);
	free(buf);
	if (!j || !json_is_object(j)) {
		snprintf(err, errsize, "hook input is not a JSON object: %s",
		         j ? "wrong type" : jerr.text);
		json_decref(j);
		return NULL;
	}
	return j;
}

static const char *edited_path(const json_t *payload)
{
	const char *tool = json_string_value(json_object_get(payload, "tool_name"));
	const json_t *in = json_object_get(payload, "tool_input");

	if (!tool)
		return NULL;
	if (!strcmp(tool, "Edit") || !strcmp(tool, "Write") || !strcmp(tool, "MultiEdit"))
		return json_string_value(json_object_get(in, "file_path"));
	if (!strcmp(tool, "NotebookEdit"))
		return json_string_value(json_object_get(in, "notebook_path"));
	return NULL;
}

/* The context for the hook: opened where Claude runs (payload cwd), or NULL when that is no braid
 * repository. */
static braid_ctx *open_for(const cli_args *a, const json_t *payload)
{
	const char *cwd = json_string_value(json_object_get(payload, "cwd"));
	braid_ctx *ctx = NULL;

	if (braid_ctx_open(&ctx, a->dir ? a->dir : (cwd && *cwd ? cwd : ".")) < 0) {
		braid_error_clear();
		return NULL;
	}
	if (braid_ctx_set_agent(ctx, a->agent) < 0) {
		fprintf(stderr, "braid: %s\n", braid_error_last());
		braid_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The edited file as an absolute path: relative ones are relative to Claude's cwd. */
static void edited_abs(char *abs, size_t n, braid_ctx *ctx, const json_t *payload, const char *path)
{
	const char *cwd = json_string_value(json_object_get(payload, "cwd"));

	if (path[0] == '/')
		snprintf(abs, n, "%s", path);
	else
		snprintf(abs, n, "%s/%s", cwd && *cwd ? cwd : braid_ctx_root(ctx), path);
}

static int pre_tool(braid_ctx *ctx, const json_t *payload)
{
	const char *path = edited_path(payload);
	braid_api_result r = BRAID_API_RESULT_INIT;
	char abs[8192];
	json_t *args;
	int rc = HOOK_ALLOW;

	if (!path || !*path)
		return HOOK_ALLOW;
	edited_abs(abs, sizeof(abs), ctx, payload, path);
	args = json_pack("{s:s, s:s}", "path", abs, "activity", "editing (Claude Code)");
	if (braid_api_call(&r, ctx, "edit_check", args, 0) < 0) {
		switch (r.code) {
		case BRAID_ENOTFOUND: /* outside the repository: not braid's business */
			break;
		case BRAID_EINVALID:
		case BRAID_EDENIED:
		case BRAID_ELOCKED:
		case BRAID_EBUSY:
			fprintf(stderr, "braid: %s\n", r.text);
			rc = HOOK_BLOCK;
			break;
		default:
			fprintf(stderr, "braid: could not check '%s': %s\n", path, r.text);
			rc = HOOK_WARN;
		}
	}
	braid_api_result_release(&r);
	json_decref(args);
	return rc;
}

static int post_tool(braid_ctx *ctx, const json_t *payload)
{
	const char *path = edited_path(payload);
	char *ws = NULL, *rel = NULL, abs[8192];

	if (!path || !*path || !braid_ctx_workspace(ctx) || !braid_api_method_find("intent_renew"))
		return HOOK_ALLOW;
	edited_abs(abs, sizeof(abs), ctx, payload, path);
	if (braid_api_locate(&ws, &rel, ctx, abs) == 0 && ws &&
	    !strcmp(ws, braid_ctx_workspace(ctx))) {
		braid_api_result r = BRAID_API_RESULT_INIT;
		json_t *args = json_pack("{s:[s]}", "targets", rel);
		if (braid_api_call(&r, ctx, "intent_renew", args, 0) < 0)
			braid_error_clear();
		braid_api_result_release(&r);
		json_decref(args);
	}
	braid_error_clear();
	free(ws);
	free(rel);
	return HOOK_ALLOW;
}

static int stop(braid_ctx *ctx, const json_t *payload)
{
	braid_api_result r = BRAID_API_RESULT_INIT;
	int again = json_is_true(json_object_get(payload, "stop_hook_active"));
	const char *state;
	json_t *args;
	int rc = HOOK_ALLOW;

	if (!braid_ctx_workspace(ctx) || !braid_ctx_config_bool(ctx, "hook.submit-on-stop", 1))
		return HOOK_ALLOW;
	args = json_pack("{s:s}", "message", "work of a Claude Code session (braid hook stop)");
	if (braid_api_call(&r, ctx, "submit", args, 0) < 0) {
		fprintf(stderr, "braid: could not submit workspace '%s': %s\n",
		        braid_ctx_workspace(ctx), r.text);
		rc = HOOK_WARN;
		goto done;
	}
	state = json_string_value(json_object_get(r.data, "state"));
	if (state && !strcmp(state, "conflicted")) {
		const char *id = json_string_value(json_object_get(r.data, "conflict"));
		fprintf(
		    stderr,
		    "braid: %s\nTo resolve: 'braid conflicts show %s' shows both sides; 'braid "
		    "resolve %s' writes them into this workspace with markers; edit the markers "
		    "out, then finish again (braid submits when you stop).\n",
		    r.text, id ? id : "", id ? id : "");
		/* Block the stop once so the agent resolves; never loop on it. */
		rc = again ? HOOK_WARN : HOOK_BLOCK;
	} else {
		printf("braid: %s\n", r.text);
	}
done:
	braid_api_result_release(&r);
	json_decref(args);
	return rc;
}

static const cli_opt opts[] = {{0}};

static int cmd_hook_claude(cli_args *a)
{
	braid_ctx *ctx = NULL;
	json_t *payload;
	char err[300];
	int rc;

	if (a->npos != 1 || (strcmp(a->pos[0], "pre-tool") && strcmp(a->pos[0], "post-tool") &&
	                     strcmp(a->pos[0], "stop")))
		return cli_usage_error(a, "give one event: pre-tool, post-tool or stop");
	if (!(payload = read_payload(err, sizeof(err)))) {
		fprintf(stderr, "braid hook: %s\n", err);
		return HOOK_WARN;
	}
	if (!(ctx = open_for(a, payload))) {
		json_decref(payload);
		return HOOK_ALLOW; /* not a braid repository: stay out of the way */
	}
	if (!strcmp(a->pos[0], "pre-tool"))
		rc = pre_tool(ctx, payload);
	else if (!strcmp(a->pos[0], "post-tool"))
		rc = post_tool(ctx, payload);
	else
		rc = stop(ctx, payload);
	(void)fflush(stdout); /* main() reports a failed write */
	braid_ctx_free(ctx);
	json_decref(payload);
	return rc;
}

CLI_COMMAND(
    hook_claude, "hook claude", cmd_hook_claude, opts, "pre-tool|post-tool|stop",
    "Claude Code hooks: keep edits in the agent's workspace, declare intents, submit on stop",
    "Reads the Claude Code hook event (JSON) on stdin. Exit 0 lets the tool run, 2 blocks\n"
    "it and tells the agent why, 1 is a warning shown to the user. pre-tool refuses\n"
    "edits outside the agent's workspace and (with intents) declares an L2 intent or\n"
    "refuses when another agent holds the file at L3/L4; post-tool renews the lease;\n"
    "stop submits (set hook.submit-on-stop false to turn that off) and, on a conflict,\n"
    "sends the agent back once with the steps to resolve it. See the README for the\n"
    "settings snippet.")
