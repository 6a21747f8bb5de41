/*
 * op.h: the op log, braid's audit trail. Every transition (init, agent add,
 * workspace new, snapshot, land, conflict, resolve, abandon, ...) is an op:
 * its id is the BLAKE3 hash of (parent op ids, agent, kind, payload), it
 * names its causal parents (the op DAG's heads when it was made) and it is
 * signed by its agent's ed25519 key. Identical ops have identical ids and
 * are stored once. With `op.signing = sealed` in .braid/config (not the
 * default), routine lock grants and releases are recorded unsigned and
 * sealed by the next signed op instead (braid_op_verify_all checks both).
 */
#ifndef BRAID_OP_H
#define BRAID_OP_H

#include "braid/ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct braid_op {
	int64_t seq; /**< local order of arrival */
	char *id;    /**< 64 hex digits */
	char *kind;  /**< "init", "agent.add", "ws.new", "snapshot", "land", ... */
	char *agent_id;
	char **parents; /**< parent op ids */
	size_t nparents;
	char *payload;      /**< canonical JSON (sorted keys, compact) */
	char *signature;    /**< 128 hex digits; "" for a routine lock op sealed by a later op */
	int64_t created_at; /**< ms since the epoch */
} braid_op;

typedef struct braid_op_list {
	braid_op *items;
	size_t count;
} braid_op_list;

/**
 * Record an op signed by `agent_id`. Joins the caller's open store
 * transaction if there is one (so the op commits atomically with the state
 * change it describes), else runs in its own.
 *
 * @param[out] id_out   if not NULL, the op id (malloc'd).
 * @param payload_json  a JSON object; it is canonicalized before hashing.
 */
int braid_op_record(char **id_out, braid_ctx *ctx, const char *agent_id, const char *kind,
                    const char *payload_json) BRAID_WARN_UNUSED;

/** Find one op by id or unique id prefix (at least 4 hex digits). */
int braid_op_get(braid_op **out, braid_ctx *ctx, const char *id_or_prefix) BRAID_WARN_UNUSED;

/**
 * List ops, newest first.
 *
 * @param kind   only this kind (NULL for all).
 * @param limit  at most this many (0 for all).
 */
int braid_op_list_recent(braid_op_list **out, braid_ctx *ctx, const char *kind,
                         size_t limit) BRAID_WARN_UNUSED;

/**
 * List the ops that arrived after `after_seq`, oldest first (what a
 * follower of the log reads: the daemon's event stream, `status --watch`).
 *
 * @param limit  at most this many (0 for all).
 */
int braid_op_list_since(braid_op_list **out, braid_ctx *ctx, int64_t after_seq,
                        size_t limit) BRAID_WARN_UNUSED;

/** The seq of the newest op (0 for an empty log). */
int braid_op_last_seq(int64_t *out, braid_ctx *ctx) BRAID_WARN_UNUSED;

/** The result of checking the whole log. */
typedef struct braid_op_verify_report {
	size_t checked;
	size_t bad_id;        /**< id does not match the content */
	size_t bad_signature; /**< signature does not verify with the agent's key */
	size_t missing_parent;
	/**
	 * Routine lock ops (intent.grant, intent.release) not yet sealed by a
	 * later signed op: not a problem, the newest few always are.
	 */
	size_t unsealed;
	char *first_problem; /**< description of the first problem, or NULL; owned */
} braid_op_verify_report;

/**
 * Recompute every op id and verify every signature. Routine lock ops may be
 * unsigned; they are sealed by the signature of a later op that descends
 * from them (see src/op/op_int.h).
 */
int braid_op_verify_all(braid_op_verify_report *out, braid_ctx *ctx) BRAID_WARN_UNUSED;

void braid_op_verify_report_clear(braid_op_verify_report *r);
void braid_op_free(braid_op *op);
void braid_op_list_free(braid_op_list *list);

#ifdef __cplusplus
}
#endif
#endif
