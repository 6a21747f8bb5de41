/*
 * api_int.h: the inside of the api module: the method table entry, the
 * helpers method implementations share (argument access, JSON views of
 * library objects, opening the workspace a call acts on).
 */
#ifndef BRAID_API_INT_H
#define BRAID_API_INT_H

#include "braid/agent.h"
#include "braid/api.h"
#include "braid/conflict.h"
#include "braid/converge.h"
#include "braid/op.h"
#include "braid/workspace.h"

typedef int (*braid_api_fn)(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                            const braid_api_call_options *call);

typedef struct braid_api_entry {
	braid_api_method m;
	braid_api_fn fn;
} braid_api_entry;

/* The method tables of each file (NULL-name terminated), joined in api.c. */
extern const braid_api_entry braid_api__core_methods[];
extern const braid_api_entry braid_api__intent_methods[];
extern const braid_api_entry braid_api__queue_methods[];

/*
 * Finish a method's answer as braid_api_call does: on failure (`err` < 0)
 * the code and the error message (braid_error_last()) go into `r`.
 */
void braid_api__finish(braid_api_result *r, int err);

/* intent.c: may this call join a batch (intent declare without wait, release, renew)? */
int braid_api__intent_batchable(const char *method, const json_t *args);

/*
 * intent.c: run batchable calls (checked already: known method, valid
 * arguments, a caller that may write) in one braid_intent_batch, and fill
 * in each one's result as the method would.
 */
int braid_api__intent_batch(braid_ctx *ctx, braid_api_batch_item **items, size_t n);

/* Schema check of `v` against `schema` (the subset api schemas use). */
int braid_api__validate(const json_t *schema, const json_t *v, const char *what);

/* Argument access (args already validated against the schema). */
const char *braid_api__str(const json_t *args, const char *key);
int64_t braid_api__int(const json_t *args, const char *key, int64_t dflt);
int braid_api__bool(const json_t *args, const char *key, int dflt);

/*
 * May this caller administer (add agents, act on others' workspaces)? The
 * local operator may; an agent needs role 'human', 'main' or 'system'.
 * `what` names the act in the refusal.
 */
int braid_api__require_admin(braid_ctx *ctx, const braid_api_call_options *call, const char *what);

/* Report progress through the call's callback, if it has one. */
void braid_api__progress(const braid_api_call_options *call, const char *what, long waited_ms);

/* Set r->text (printf-style); returns 0 or BRAID_ENOMEM. */
int braid_api__text(braid_api_result *r, const char *fmt, ...) BRAID_PRINTF(2, 3);

/* Take ownership of `data` as the result; NULL means out of memory. */
int braid_api__data(braid_api_result *r, json_t *data);

/*
 * The context a workspace method acts in: args.workspace, else ctx's own
 * workspace, else the acting agent's only active one. *wctx is ctx itself
 * or a new context (free it with braid_api__ws_close).
 */
int braid_api__ws_open(braid_ctx **wctx, braid_ctx *ctx, const json_t *args);
void braid_api__ws_close(braid_ctx *wctx, braid_ctx *ctx);

/* The name of agent `id` in `l` (borrowed), or NULL when it is not there. */
const char *braid_api__agent_name(const braid_agent_list *l, const char *id);

/* JSON views (new references; NULL on out of memory). */
json_t *braid_api__agent_json(const braid_agent *a);
json_t *braid_api__workspace_json(const braid_workspace *w, const braid_workspace_status *st);
json_t *braid_api__submission_json(const braid_submission *s);
json_t *braid_api__conflict_json(braid_ctx *ctx, const braid_conflict *c, int full);
json_t *braid_api__op_json(const braid_op *op, const char *agent_name);

/* json_loads that never fails: the text as a JSON string when it is not JSON. */
json_t *braid_api__json_or_string(const char *text);

#endif
