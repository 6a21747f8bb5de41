/*
 * api.h: braid's capabilities as named methods, JSON in and JSON out: the
 * one model every front shares. The HTTP daemon (`braid serve`), the MCP
 * server (`braid mcp`) and the Claude Code hooks only parse their input,
 * call braid_api_call and print the answer; the methods here call the rest
 * of the library. Each method carries a JSON Schema for its arguments,
 * checked before it runs, so every front refuses bad input with the same
 * words. The CLI calls the same methods: what `braid X --json` prints is
 * the method's data, as the MCP tool and `POST /v1/rpc/X` answer it.
 *
 * The event stream (braid_api_events) is derived from the op log, so what a
 * CLI process, an MCP server or the daemon did all shows up in it.
 */
#ifndef BRAID_API_H
#define BRAID_API_H

#include <jansson.h>

#include "braid/ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Method flags. */
enum {
	BRAID_API_WRITE = 1u << 0,       /**< changes state: refused to read-only callers */
	BRAID_API_IDEMPOTENT = 1u << 1,  /**< calling it twice does no more than once */
	BRAID_API_DESTRUCTIVE = 1u << 2, /**< may remove or overwrite something */
	BRAID_API_NO_MCP = 1u << 3,      /**< not offered as an MCP tool (administration) */
	BRAID_API_WORKSPACE = 1u << 4,   /**< acts on one of the caller's workspaces */
	BRAID_API_SLOW = 1u << 5,        /**< may take long (git work, gate runs): keep it off
	                                      the threads that serve many callers */
};

/** One method. Everything here is static and borrowed. */
typedef struct braid_api_method {
	const char *name;         /**< "submit", "conflicts_list", ... (also the MCP tool name) */
	const char *title;        /**< a few words for people */
	const char *description;  /**< what it does, when to use it, what comes back */
	const char *input_schema; /**< JSON Schema of the arguments object (text) */
	unsigned int flags;       /**< BRAID_API_* */
} braid_api_method;

/** Number of methods; with braid_api_method_at, iterate them in a stable order. */
size_t braid_api_method_count(void);
const braid_api_method *braid_api_method_at(size_t i);

/** The method called `name`, or NULL. */
const braid_api_method *braid_api_method_find(const char *name);

/** The parsed input schema of a method (borrowed; never NULL for a listed method). */
const json_t *braid_api_method_schema(const braid_api_method *m);

/** The outcome of one call. */
typedef struct braid_api_result {
	int code;     /**< 0, or the braid_error the call failed with */
	json_t *data; /**< on success the result object; on failure details or NULL (owned) */
	char *text;   /**< one line for people: what happened, or what to do next (owned) */
} braid_api_result;

#define BRAID_API_RESULT_INIT                                                                      \
	{                                                                                          \
		0, NULL, NULL                                                                      \
	}

/** Call flags. */
enum {
	BRAID_API_CALL_READONLY = 1u << 0, /**< the caller holds a read-only (viewer) token */
	BRAID_API_CALL_NO_WAIT = 1u << 1,  /**< never block (a front serving many callers) */
	/**
	 * The caller is the repository's local operator (the braid CLI run by a
	 * person with the files at hand), not an agent holding a token: the
	 * administration a token needs role 'human' or 'main' for (adding
	 * agents, other agents' workspaces, where a workspace lives) is allowed,
	 * with or without an acting agent.
	 */
	BRAID_API_CALL_OPERATOR = 1u << 2,
};

/**
 * How a long call reports progress (waiting for the lander, for a lock, for
 * a gate run): about once a second, `what` says what it waits for and
 * `waited_ms` how long it has waited so far.
 */
typedef void (*braid_api_progress_fn)(void *payload, const char *what, long waited_ms);

#define BRAID_API_CALL_OPTIONS_VERSION 1

/** Options of braid_api_call_ext. */
typedef struct braid_api_call_options {
	unsigned int version;
	unsigned int flags;             /**< BRAID_API_CALL_* */
	braid_api_progress_fn progress; /**< may be NULL */
	void *payload;                  /**< passed to progress */
} braid_api_call_options;

#define BRAID_API_CALL_OPTIONS_INIT                                                                \
	{                                                                                          \
		BRAID_API_CALL_OPTIONS_VERSION, 0, NULL, NULL                                      \
	}

/**
 * Run `method` with `args` (a JSON object, or NULL for none) as the
 * context's acting agent. Methods that act on a workspace take an optional
 * "workspace" argument; without it they use the workspace the context was
 * opened in, else the acting agent's only active workspace.
 *
 * @param[out] out  filled on success and on failure (release with
 *                  braid_api_result_release); on failure `text` is the
 *                  error message (also in braid_error_last()).
 * @return 0, or the error code (also in out->code): BRAID_ENOTFOUND for an
 *         unknown method, BRAID_EINVALID for arguments that do not match
 *         the schema, BRAID_EDENIED for a write by a read-only caller, and
 *         whatever the library call returned.
 */
int braid_api_call(braid_api_result *out, braid_ctx *ctx, const char *method, const json_t *args,
                   unsigned int flags) BRAID_WARN_UNUSED;

/** braid_api_call with options (flags and a progress callback); `opts` may be NULL. */
int braid_api_call_ext(braid_api_result *out, braid_ctx *ctx, const char *method,
                       const json_t *args, const braid_api_call_options *opts) BRAID_WARN_UNUSED;

void braid_api_result_release(braid_api_result *r);

/** One call of a batch (braid_api_call_batch): the request (borrowed) and its answer. */
typedef struct braid_api_batch_item {
	const char *method;      /**< method name */
	const char *agent;       /**< the acting agent's name or id (NULL: none) */
	const json_t *args;      /**< its arguments, or NULL */
	unsigned int flags;      /**< BRAID_API_CALL_* */
	braid_api_result result; /**< out: as braid_api_call fills it (braid_api_result_release) */
} braid_api_batch_item;

/**
 * 1 when a call may join a batch as a group-committed request: intent_declare
 * without "wait", intent_release, intent_renew (include/braid/intent.h,
 * braid_intent_batch). Other calls can be given to braid_api_call_batch too,
 * but run on their own.
 */
int braid_api_batchable(const char *method, const json_t *args);

/**
 * Run calls of several agents, in array order, each answered exactly as
 * braid_api_call would answer it alone: consecutive batchable calls (see
 * braid_api_batchable) share one lock transaction (braid_intent_batch), any
 * other call runs by itself between them. The context's own acting agent,
 * if it has one, is kept; each call acts as its `agent`.
 *
 * @return 0 (each call has its own result.code), or BRAID_EINVALID/ENOMEM
 *         when nothing could run.
 */
int braid_api_call_batch(braid_ctx *ctx, braid_api_batch_item *items, size_t n) BRAID_WARN_UNUSED;

/**
 * Check `args` against a method's schema (braid_api_call does it too).
 *
 * @return 0, or BRAID_EINVALID with a message naming the argument.
 */
int braid_api_check_args(const braid_api_method *m, const json_t *args) BRAID_WARN_UNUSED;

/**
 * Who a bearer token belongs to: an agent, or the read-only viewer
 * (braid_agent_viewer_token).
 *
 * @param[out] agent_name  malloc'd agent name, or NULL for the viewer.
 * @param[out] readonly    1 for the viewer token, else 0.
 * @return 0, or BRAID_EDENIED for a missing, malformed or unknown token.
 */
int braid_api_authenticate(char **agent_name, int *readonly, braid_ctx *ctx,
                           const char *token) BRAID_WARN_UNUSED;

/**
 * The events that follow from the ops recorded after `after_seq`, oldest
 * first: one "op" event per op, plus "landed", "conflicted", "resolved",
 * "submitted", "workspace.created", "workspace.removed", "workspace.behind"
 * (every other active workspace whose base is not the new main), "agent.added"
 * and the intent module's "lock.granted", "lock.queued", "lock.released",
 * "lock.preempted" (L2 holders told to yield) and "lock.lost" (leases that
 * ended: expired or preempted). Each event is {"seq", "event", "data"}.
 *
 * @param[out] out       JSON array, owned by the caller.
 * @param[out] last_seq  the seq of the last op read (== after_seq when none).
 * @param limit          at most this many ops (0: all).
 */
int braid_api_events(json_t **out, int64_t *last_seq, braid_ctx *ctx, int64_t after_seq,
                     size_t limit) BRAID_WARN_UNUSED;

/**
 * Locate an absolute path in the repository: the workspace it lies in (or
 * none: the main worktree) and its repository-relative path, checked with
 * the same rules as every path braid accepts.
 *
 * @param[out] ws_id  malloc'd workspace id, or NULL for the main worktree.
 * @param[out] rel    malloc'd relative path.
 * @return 0; BRAID_ENOTFOUND when the path lies outside the repository;
 *         BRAID_EINVALID for a path braid refuses (inside .git or .braid).
 */
int braid_api_locate(char **ws_id, char **rel, braid_ctx *ctx,
                     const char *abs_path) BRAID_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
