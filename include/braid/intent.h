/*
 * intent.h: coordination before editing (the seed's layer 2 "intents" and
 * layer 1 "structure change requests"). An agent declares what it is about
 * to touch and how: L1 read, L2 soft write (yields), L3 hard write (preempts
 * L2), L4 exclusive. Intents are leases (TTL, renewable), granted
 * all-or-nothing per request, queued FIFO per target, fenced by tokens that
 * only grow, and honoured at submit time. Hash-checked reads and writes let
 * an agent edit a file or a function only if it has not changed since the
 * agent read it.
 *
 * Daemonless: every call is one or a few short IMMEDIATE transactions on the
 * shared state database, taken in FIFO order through a ticket lock in shared
 * memory (.braid/intent.shm); a waiting request keeps its place in line with
 * a queue row (whose own short lease it refreshes) and sleeps until a release
 * or expiry that concerns it wakes it. A process that serves many agents
 * (the daemon) can run many agents' requests in one transaction instead
 * (braid_intent_batch: group commit, with exactly the one-by-one answers).
 * docs/internals/intent.md explains the model, the tables and why there is
 * no deadlock and no starvation.
 *
 * Targets (strings, as given on the command line; a C comment cannot hold
 * a slash followed by a star, so globs below are written with "\*"):
 *   "src/db.c"              a file
 *   "src/net/" "src/net"    a directory (an existing directory becomes "src/net/\**")
 *   "src/net/\**" "src/\*.c" a glob: '*' '?' '[...]' within one path segment,
 *                           '**' for any number of segments
 *   "src/db.c::db_open"     a symbol inside a file ("app/models.py::User.save"),
 *                           resolved with tree-sitter (include/braid/syntax.h)
 *                           on the target branch's tip, or in the agent's
 *                           workspace when the file is not on the target branch
 *   "@structure"            the global structure lock (one writer at a time)
 * A file (or glob) covers every symbol in it; two symbols of one file overlap
 * when they are the same definition or one contains the other ("User" and
 * "User.save"). A write intent (L2 and up) on a path matched by the
 * configured structure globs (`intent.structure-globs`, comma-separated)
 * also takes "@structure" at the same level, implicitly.
 *
 * Compatibility of two overlapping intents of different agents:
 *
 *     held \ requested   L1   L2   L3   L4
 *     L1                 ok   ok   ok   --
 *     L2                 ok   ok   P    P
 *     L3                 ok   --   --   --
 *     L4                 --   --   --   --
 *
 * "P": an L3 or L4 request preempts L2 holders: they are told to yield
 * (a "yield" notice in their next answer, and in braid_intent_list) and
 * lose the lease after the grace period (`intent.preempt-grace`, default
 * 60s) unless they release first; the request is granted once they are gone.
 * On "@structure" two L2 intents also exclude each other (single writer).
 * An agent's own intents never conflict with each other.
 *
 * Configuration (.braid/config): intent.ttl (default 30m), intent.max-lease
 * (4h: renewals stop extending a lease past this while others wait for it),
 * intent.preempt-grace (60s), intent.queue-lease (15s), intent.structure-globs,
 * intent.release-on-submit (true), intent.durability ("lease" or "full", see
 * docs/internals/intent.md), intent.log ("all": every grant and release is
 * a signed op — or, with op.signing = sealed, an op sealed by the next
 * signed op; or
 * "contention": routine grants and releases are not recorded as ops;
 * preemptions and expiries are).
 */
#ifndef BRAID_INTENT_H
#define BRAID_INTENT_H

#include "braid/ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Intent levels. */
typedef enum braid_intent_level {
	BRAID_INTENT_L1 = 1, /**< read: observe only */
	BRAID_INTENT_L2 = 2, /**< soft write: edit, yield on contention */
	BRAID_INTENT_L3 = 3, /**< hard write: edit, preempt L2 */
	BRAID_INTENT_L4 = 4, /**< exclusive: nothing else, not even L1 */
} braid_intent_level;

/** The target the structure lock is named by. */
#define BRAID_INTENT_STRUCTURE "@structure"

/** Parse "L1".."L4" (or "1".."4", any case). @return the level or BRAID_EINVALID. */
int braid_intent_level_parse(const char *s);

/** "L1".."L4" (static). */
const char *braid_intent_level_name(int level);

/**
 * The compatibility table above: 1 when an intent at `requested` may be
 * granted beside another agent's overlapping intent at `held`, 0 when not,
 * 2 when the request preempts the holder (held L2, requested L3/L4).
 * `structure` selects the structure lock's rule (L2 excludes L2).
 */
int braid_intent_compatible(int held, int requested, int structure);

/**
 * 1 when the two target strings overlap (may cover a common file region),
 * 0 when they do not, negative on a malformed target. Symbols are compared
 * by name here (no file is read): same path and same or nested names.
 */
int braid_intent_targets_overlap(const char *a, const char *b);

/** One held intent (a lease). */
typedef struct braid_intent_hold {
	char *target; /**< canonical target, e.g. "src/db.c::db_open", "src/net/\**" */
	char *kind;   /**< "file", "glob", "symbol" or "structure" */
	char *path;   /**< the file, the glob pattern, or "" for the structure lock */
	char *symbol; /**< resolved qualified symbol name, or NULL */
	int64_t start_line,
	    end_line; /**< a symbol's lines (0-based, inclusive) where resolved, else -1 */
	int level;
	char *agent_id;
	char *agent_name;
	char *activity;                 /**< what the holder said it is doing, or NULL */
	int64_t token;                  /**< fencing token of the grant (one per request) */
	int64_t granted_at, expires_at; /**< ms since the epoch */
	int64_t yield_by;               /**< 0, or when this preempted L2 hold ends */
	char *preempted_by;             /**< the name of the agent it must yield to, or NULL */
	int implicit;                   /**< 1 for the structure lock taken with a write intent */
} braid_intent_hold;

/** One target of a request waiting in line. */
typedef struct braid_intent_waiter {
	int64_t request_id; /**< queue order (smaller is earlier) */
	size_t position;    /**< 1-based rank among the requests that wait for this target */
	char *target;
	int level;
	char *agent_id;
	char *agent_name;
	char *activity;
	int64_t since;       /**< when it joined the queue */
	int64_t alive_until; /**< its place is dropped after this unless the waiter polls */
} braid_intent_waiter;

/** News for an agent about its own leases. */
typedef struct braid_intent_notice {
	char *kind; /**< "yield" (preempted, ends at yield_by), "preempted" or "expired" (lost) */
	char *target;
	int level;
	int64_t token;
	char *by_agent; /**< the preempting agent's name, or NULL */
	int64_t at;
	int64_t yield_by;
} braid_intent_notice;

/** The answer to braid_intent_acquire (on success and on denial). */
typedef struct braid_intent_result {
	int granted;
	int64_t token;            /**< fencing token of the grant, or 0 */
	int64_t expires_at;       /**< when the lease ends unless renewed, or 0 */
	int64_t request_id;       /**< the queue row used while waiting, or 0 */
	braid_intent_hold *holds; /**< what was granted (including implicit structure) */
	size_t nholds;
	/** On denial: the other agents' holds in the way. */
	braid_intent_hold *blockers;
	size_t nblockers;
	/** On denial: earlier requests in line that conflict with this one. */
	braid_intent_waiter *ahead;
	size_t nahead;
	/** On denial: 1-based place in line (1 = next), counting conflicting earlier requests. */
	size_t position;
	/** L2 holders this request preempted (agent names), told to yield by `yield_by`. */
	char **preempted;
	size_t npreempted;
	int64_t yield_by;
	/** Lost-lease news for the acting agent, delivered once. */
	braid_intent_notice *notices;
	size_t nnotices;
	/** One plain-language line: what was granted, or who is in the way and where you are in
	 * line. */
	char *message;
} braid_intent_result;

#define BRAID_INTENT_OPTIONS_VERSION 1

typedef struct braid_intent_options {
	unsigned int version;
	int level;            /**< BRAID_INTENT_L1..L4 for every target */
	const char *activity; /**< what the agent is doing (shown to others), may be NULL */
	int64_t ttl_ms;       /**< lease length; 0: intent.ttl (30m) */
	/** 0: answer at once; > 0: wait up to this long; < 0: wait until granted. */
	int64_t wait_ms;
	int64_t grace_ms; /**< preemption grace given to L2 holders; 0: intent.preempt-grace */
	/** Called about every second while waiting, with the current denial (may be NULL). */
	void (*on_wait)(void *payload, const braid_intent_result *status);
	void *payload;
} braid_intent_options;

#define BRAID_INTENT_OPTIONS_INIT                                                                  \
	{                                                                                          \
		BRAID_INTENT_OPTIONS_VERSION, BRAID_INTENT_L2, NULL, 0, 0, 0, NULL, NULL           \
	}

/**
 * Declare intents on `targets` for the acting agent, all-or-nothing. An
 * intent the agent already holds on the same target is replaced (level,
 * activity, lease and token change). A request never jumps an earlier
 * conflicting request that waits in line.
 *
 * @param[out] out  the answer, owned by the caller (braid_intent_result_free).
 *                  Unlike most braid calls it is also set on BRAID_ELOCKED and
 *                  BRAID_EBUSY, to say who is in the way.
 * @return 0 when granted; BRAID_ELOCKED when refused without waiting;
 *         BRAID_EBUSY when the wait timed out; BRAID_EINVALID for a bad
 *         target or level; BRAID_ENOTFOUND for an unknown symbol (the
 *         message lists close names); BRAID_ESTATE without an acting agent.
 */
int braid_intent_acquire(braid_intent_result **out, braid_ctx *ctx, const char *const *targets,
                         size_t ntargets, const braid_intent_options *opts) BRAID_WARN_UNUSED;

void braid_intent_result_free(braid_intent_result *res);

/**
 * Release the acting agent's intents on `targets` (all of them when
 * ntargets is 0), and withdraw its waiting requests on them. Conditional:
 * only what this agent still holds is released; a target it no longer holds
 * is not an error (it is simply not counted).
 *
 * @param[out] released  if not NULL, how many holds were released.
 */
int braid_intent_release(size_t *released, braid_ctx *ctx, const char *const *targets,
                         size_t ntargets) BRAID_WARN_UNUSED;

/**
 * Release the grant with fencing token `token` if, and only if, the acting
 * agent still holds it. @return 0, or BRAID_ESTALE when it is gone already.
 */
int braid_intent_release_token(braid_ctx *ctx, int64_t token) BRAID_WARN_UNUSED;

/**
 * Extend the acting agent's leases (all of them when ntargets is 0) to
 * now + ttl_ms (0: intent.ttl). A preempted L2 hold keeps its yield deadline.
 *
 * @param[out] renewed  if not NULL, how many holds were renewed.
 * @return 0 (also when nothing was held).
 */
int braid_intent_renew(size_t *renewed, braid_ctx *ctx, const char *const *targets, size_t ntargets,
                       int64_t ttl_ms) BRAID_WARN_UNUSED;

/*
 * --- Batches (group commit) ---------------------------------------------
 */

/** What one request of a batch does. */
typedef enum braid_intent_batch_op {
	BRAID_INTENT_BATCH_ACQUIRE = 1,   /**< braid_intent_acquire, answered at once (no wait) */
	BRAID_INTENT_BATCH_RELEASE,       /**< braid_intent_release */
	BRAID_INTENT_BATCH_RELEASE_TOKEN, /**< braid_intent_release_token */
	BRAID_INTENT_BATCH_RENEW,         /**< braid_intent_renew */
} braid_intent_batch_op;

#define BRAID_INTENT_BATCH_ITEM_VERSION 1

/**
 * One request of a batch: what to do and for whom (borrowed, in), and its
 * answer (owned, out; braid_intent_batch_item_release frees it).
 */
typedef struct braid_intent_batch_item {
	unsigned int version;
	braid_intent_batch_op op;
	const char *agent; /**< the acting agent: name or id */
	const char *const *targets;
	size_t ntargets;           /**< RELEASE and RENEW: 0 means all of the agent's */
	braid_intent_options opts; /**< ACQUIRE: level, activity, ttl, grace (wait_ms 0) */
	int64_t token;             /**< RELEASE_TOKEN: the grant to release */
	int64_t ttl_ms;            /**< RENEW: 0 for intent.ttl */
	/* The answer, as the one-by-one call gives it: */
	int code;                    /**< its return value */
	char *message;               /**< when code < 0: the error message (else NULL) */
	braid_intent_result *result; /**< ACQUIRE: its *out (also set on BRAID_ELOCKED) */
	size_t count;                /**< RELEASE, RENEW: released/renewed; RELEASE_TOKEN: 1 */
} braid_intent_batch_item;

#define BRAID_INTENT_BATCH_ITEM_INIT                                                               \
	{                                                                                          \
		BRAID_INTENT_BATCH_ITEM_VERSION, BRAID_INTENT_BATCH_ACQUIRE, NULL, NULL, 0,        \
		    BRAID_INTENT_OPTIONS_INIT, 0, 0, 0, NULL, NULL, 0                              \
	}

/**
 * Run independent requests of several agents in one lock transaction (group
 * commit): in array order, each deciding on the table as the requests before
 * it left it, so each answer is exactly what the same requests made one by
 * one in that order would get: the same grants and refusals, the same
 * fencing tokens, the same ops in the log (hence the same events), the same
 * notices delivered. Each request is all-or-nothing on its own; a request
 * that fails (a bad target, an unknown agent) fails alone. Should anything
 * fail inside the shared transaction, it is rolled back and the requests
 * are run again one transaction each. A request that would wait in line
 * (opts.wait_ms != 0) is refused with BRAID_EINVALID: use braid_intent_acquire.
 *
 * @param items  the requests; their answers are filled in (code, message,
 *               result, count), release them with braid_intent_batch_item_release.
 * @return 0 (each request has its own code), or BRAID_EINVALID for misuse.
 */
int braid_intent_batch(braid_ctx *ctx, braid_intent_batch_item *items, size_t n) BRAID_WARN_UNUSED;

/** Free an item's answer (message, result) and reset it; the request part is kept. */
void braid_intent_batch_item_release(braid_intent_batch_item *item);

/**
 * Who checkpoints the state database's WAL after this context's lock
 * transactions. By default (`own` 1) the context does, once the WAL holds
 * 10,000 frames: after its commit and its turn, but before the call returns
 * (a few ms and an fsync, paid by that call and by whoever waits behind it).
 * A process with a thread for it (the daemon) turns that off (`own` 0) and
 * runs braid_intent_checkpoint there, with a context of its own.
 */
void braid_intent_set_own_checkpoints(braid_ctx *ctx, int own);

/**
 * One PASSIVE checkpoint of the state database's WAL on the context's lock
 * connection: readers and writers go on meanwhile. The WAL starts over at
 * the first write transaction that begins once it is checkpointed entirely.
 *
 * @param[out] wal_frames    if not NULL, the frames in the WAL
 * @param[out] checkpointed  if not NULL, how many of them are in the database
 */
int braid_intent_checkpoint(braid_ctx *ctx, int *wal_frames, int *checkpointed) BRAID_WARN_UNUSED;

/** Every live intent and every queue, for `braid locks`. */
typedef struct braid_intent_table {
	braid_intent_hold *holds; /**< by target, then level */
	size_t nholds;
	braid_intent_waiter *waiters; /**< by target, then position */
	size_t nwaiters;
	int64_t now; /**< the time the table was read at */
} braid_intent_table;

/**
 * Read the lock table (expired leases and dead queue rows are left out,
 * and cleaned up on the way).
 *
 * @param[out] out  owned by the caller (braid_intent_table_free).
 */
int braid_intent_list(braid_intent_table **out, braid_ctx *ctx) BRAID_WARN_UNUSED;

void braid_intent_table_free(braid_intent_table *table);

/**
 * The acting agent's lease news (yield requests, lost leases) for
 * `braid status`. With `consume`, they are not shown again.
 *
 * @param[out] out, n  array owned by the caller (braid_intent_notices_free).
 */
int braid_intent_notices(braid_intent_notice **out, size_t *n, braid_ctx *ctx,
                         int consume) BRAID_WARN_UNUSED;

void braid_intent_notices_free(braid_intent_notice *notices, size_t n);

/*
 * --- Fencing and the submit engine ------------------------------------
 */

/**
 * Check a fencing token presented with a write by `agent_id` (NULL: the
 * acting agent): it must belong to a live grant of that agent and, when
 * `path` is not NULL, that grant must cover `path` with a write level (L2+).
 *
 * @return 0; BRAID_ESTALE (with the reason: expired, preempted, released or
 *         superseded) when the lease is gone; BRAID_EDENIED when the token
 *         is another agent's or does not cover `path`.
 */
int braid_intent_check_token(braid_ctx *ctx, const char *agent_id, int64_t token,
                             const char *path) BRAID_WARN_UNUSED;

/** What a submission does to one file. */
typedef enum braid_intent_change {
	BRAID_INTENT_MODIFIED = 0,
	BRAID_INTENT_ADDED,
	BRAID_INTENT_DELETED,
	BRAID_INTENT_RENAMED, /**< `old_path` -> `path` */
} braid_intent_change;

/** A changed line range in the new content: lines [start, end), 0-based; start == end marks a
 * deletion point. */
typedef struct braid_intent_range {
	size_t start, end;
} braid_intent_range;

/** One file a submission touches (the engine builds these from its diff). */
typedef struct braid_intent_touch {
	const char
	    *path; /**< repository-relative path in the new tree (the old one when deleted) */
	const char *old_path; /**< for RENAMED, the path before; else NULL */
	braid_intent_change change;
	/** The new content (NULL when deleted or unknown: then the whole file counts as touched).
	 */
	const char *content;
	size_t content_len;
	/** Changed line ranges in `content` (braid_diff_hunk new_start/new_end); none: the whole
	 * file. */
	const braid_intent_range *ranges;
	size_t nranges;
} braid_intent_touch;

/**
 * Submit-time lock check: refuse when another agent holds an L3 or L4
 * intent overlapping what the submission touches (L1 and L2 of others do
 * not block). A held symbol is located in the new content by name; if it
 * is gone (renamed, deleted) the file counts as overlapping. Adding,
 * deleting or renaming a file, or touching a structure-glob path, meets
 * another agent's L3/L4 "@structure" intent.
 *
 * @param agent_id  the submitting agent (its own intents never block it).
 * @return 0; BRAID_ELOCKED with a message naming each holder, its level,
 *         activity and lease end (the submission is not consumed: the
 *         engine keeps it pending for a retry).
 */
int braid_intent_check_submit(braid_ctx *ctx, const char *agent_id,
                              const braid_intent_touch *touches, size_t ntouches) BRAID_WARN_UNUSED;

/** A region that changed on the target branch since the agent read it. */
typedef struct braid_intent_stale {
	char *path;
	char *symbol;      /**< NULL for a whole-file read */
	char *read_hash;   /**< what the agent read (BLAKE3 hex of the region at `read_commit`) */
	char *now_hash;    /**< the region now, or NULL when it is gone */
	char *read_commit; /**< the commit the agent's read came from */
	char *now_commit;  /**< the commit compared against */
	char *diff;        /**< unified diff of the region, read -> now */
	/** Who changed it: landings between the two commits that touched the path. */
	struct braid_intent_changer {
		char *agent_id, *agent_name, *op_id, *commit, *change_id;
	} * changers;
	size_t nchangers;
} braid_intent_stale;

typedef struct braid_intent_stale_list {
	braid_intent_stale *items;
	size_t count;
} braid_intent_stale_list;

void braid_intent_stale_list_free(braid_intent_stale_list *list);

/**
 * Submit-time hash check: for every region `agent_id` read with
 * braid_intent_read that the submission touches, compare the region on
 * `against` (a commit id; NULL for the target branch's tip) with what the
 * agent read. A changed region makes the submission stale.
 *
 * @param[out] out  when not NULL and something is stale, the stale regions
 *                  with diffs and changers (caller frees), else NULL.
 * @return 0; BRAID_ESTALE with a one-line summary per region.
 */
int braid_intent_check_reads(braid_intent_stale_list **out, braid_ctx *ctx, const char *agent_id,
                             const braid_intent_touch *touches, size_t ntouches,
                             const char *against) BRAID_WARN_UNUSED;

/**
 * After a submission landed (or failed for good), release what it covered:
 * the agent's intents of write level (L2+) on the touched files and their
 * symbols (globs and "@structure" are kept: they may cover more work), and
 * forget its reads of those files. Does nothing when
 * intent.release-on-submit is false.
 *
 * @param[out] released  if not NULL, how many holds were released.
 */
int braid_intent_release_submitted(size_t *released, braid_ctx *ctx, const char *agent_id,
                                   const braid_intent_touch *touches,
                                   size_t ntouches) BRAID_WARN_UNUSED;

/*
 * --- Hash-checked reads and writes -------------------------------------
 */

/** What braid_intent_read returns. */
typedef struct braid_intent_read_result {
	char *path;
	char *symbol;  /**< resolved qualified name, or NULL */
	char *content; /**< the file or the symbol's bytes (NUL-terminated) */
	size_t content_len;
	char *hash;   /**< BLAKE3 hex of `content` */
	char *source; /**< "workspace" or the target branch name */
	char *commit; /**< the commit the content derives from (the workspace's base, or the tip) */
	int64_t start_line, end_line; /**< the symbol's lines (0-based, inclusive), or -1 */
	size_t start_byte, end_byte;  /**< the region's bytes in the file */
	braid_intent_notice *notices; /**< lease news, delivered once */
	size_t nnotices;
} braid_intent_read_result;

/**
 * Read "PATH" or "PATH::SYMBOL" as the acting agent sees it (its workspace,
 * else the target branch) and remember the region's hash as this agent's
 * last read of it (for braid_intent_write and braid_intent_check_reads).
 *
 * @param[out] out  owned by the caller (braid_intent_read_result_free).
 * @return 0; BRAID_ENOTFOUND for a missing file or symbol; BRAID_EINVALID
 *         for a bad path; BRAID_ESTATE without an acting agent.
 */
int braid_intent_read(braid_intent_read_result **out, braid_ctx *ctx,
                      const char *spec) BRAID_WARN_UNUSED;

void braid_intent_read_result_free(braid_intent_read_result *res);

/**
 * Replace "PATH" (or the bytes of "PATH::SYMBOL") in the acting agent's
 * workspace with `content`, if and only if the region's current BLAKE3
 * hash is `if_hash`. With `token` > 0 the fencing token is checked first
 * (braid_intent_check_token on PATH). The write is atomic (temp file and
 * rename) and the agent's read record moves to the new content.
 *
 * @param[out] stale  when not NULL and the hash does not match: what changed
 *                    since the agent's last read of the region (diff from
 *                    what it read to what is there now, and the agents and
 *                    ops that landed changes to the file since); caller frees.
 * @param[out] new_hash  when not NULL, the hash of the written region (65 bytes).
 * @return 0; BRAID_ESTALE when the hash does not match or the token is stale;
 *         BRAID_ESTATE when the agent has no workspace.
 */
int braid_intent_write(braid_intent_stale_list **stale, char new_hash[65], braid_ctx *ctx,
                       const char *spec, const char *if_hash, int64_t token, const char *content,
                       size_t len) BRAID_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
