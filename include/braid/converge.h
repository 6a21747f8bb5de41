/*
 * converge.h: the ConvergenceEngine. `submit` snapshots a workspace into its
 * change (durably), queues it, and drives the landing queue: each
 * submission is merged with everything that landed on main since its base
 * (MergePolicy per file); if every region commutes the merged tree becomes
 * a commit and main moves to it by compare-and-swap, else main is untouched
 * and a conflict object is stored. `update` brings a workspace onto the new
 * main without ever overwriting the agent's edits; `resolve` writes a
 * conflict into the agent's workspace.
 *
 * The queue is driven without a daemon: whoever submits takes the lander
 * lock (.braid/lander.lock, an flock the kernel drops if the process dies)
 * and processes submissions in queue order until its own is decided.
 */
#ifndef BRAID_CONVERGE_H
#define BRAID_CONVERGE_H

#include "braid/ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A submission in the landing queue. */
typedef struct braid_submission {
	int64_t id;
	char *change_id;
	char *agent_id;
	char *agent_name;
	char *workspace_id;
	char *base_commit;
	char *head_commit;
	char *message;
	char *resolves;    /**< conflict id this submission resolves, or NULL */
	char *state;       /**< pending, landing, landed, conflicted, failed, superseded */
	char *land_commit; /**< the commit main moved to, when landed */
	char *conflict_id; /**< when conflicted */
	char *result_op;   /**< the land/conflict op */
	char *detail;      /**< JSON with per-file outcomes, or an error text */
	int64_t created_at, updated_at;
} braid_submission;

typedef struct braid_submission_list {
	braid_submission *items;
	size_t count;
} braid_submission_list;

#define BRAID_SUBMIT_OPTIONS_VERSION 1

typedef struct braid_submit_options {
	unsigned int version;
	const char *message;
	/** 0: queue and return at once (state "pending"); 1: wait until landed or conflicted. */
	int wait;
	/** Bring the workspace onto the new main after landing (default from submit.update, true).
	 */
	int update;
	/** Called about once a second while waiting (may be NULL). */
	void (*progress)(void *payload, const char *what, long waited_ms);
	void *payload;
	/**
	 * With a gate: how to start a background queue driver if this submit
	 * leaves work queued (see queue.h, braid_queue_drive_options); NULL: the
	 * process default (braid_global_set_queue_driver), if any.
	 */
	const char *const *driver_argv;
} braid_submit_options;

#define BRAID_SUBMIT_OPTIONS_INIT                                                                  \
	{                                                                                          \
		BRAID_SUBMIT_OPTIONS_VERSION, NULL, 1, -1, NULL, NULL, NULL                        \
	}

typedef struct braid_submit_result {
	/**
	 * "landed", "conflicted", "failed", "pending", "nothing" (no changes to
	 * submit) or "refused" (another agent holds an L3/L4 intent on what it
	 * touches, or a region it read changed since: `detail` says which; the
	 * snapshot is kept on the change and submit can be retried). "failed"
	 * with a gate: `detail` has "reason": "verification" and
	 * "verification": {run, exit, log, log_tail, ...}.
	 */
	char *state;
	int64_t submission_id;
	char *change_id;
	char *snapshot_commit;
	char *land_commit;
	char *conflict_id;
	char *op_id;           /**< the land or conflict op */
	size_t merged_regions; /**< regions merged with others' work */
	int updated;           /**< the workspace was moved onto the new main */
	char *update_note;     /**< why it was not, when it was not */
	char *detail;          /**< JSON: files and their outcomes */
} braid_submit_result;

/**
 * Submit the workspace the context is in (acting agent must own it).
 *
 * @return 0 when the submission was decided (landed, or conflicted: check
 *         `state`) or queued; BRAID_ESTATE outside a workspace or with
 *         conflict markers left in a resolution; BRAID_EDENIED for a
 *         workspace of another agent.
 */
int braid_converge_submit(braid_submit_result **out, braid_ctx *ctx,
                          const braid_submit_options *opts) BRAID_WARN_UNUSED;

void braid_submit_result_free(braid_submit_result *r);

/**
 * Drive the landing queue: take the lander lock and process submissions in
 * order, until `until_id` is decided (or, with until_id 0, the queue is
 * empty). Also recovers submissions a crashed process left half-landed.
 *
 * @param[out] processed  number of submissions decided (may be NULL).
 */
int braid_converge_drive(braid_ctx *ctx, int64_t until_id, size_t *processed,
                         void (*progress)(void *payload, const char *what, long waited_ms),
                         void *payload) BRAID_WARN_UNUSED;

/** One submission by id. */
int braid_submission_get(braid_submission **out, braid_ctx *ctx, int64_t id) BRAID_WARN_UNUSED;

/**
 * Submissions, newest first.
 *
 * @param state  NULL for all, "queued" for pending+landing, or one state.
 */
int braid_submission_list_recent(braid_submission_list **out, braid_ctx *ctx, const char *state,
                                 size_t limit) BRAID_WARN_UNUSED;

void braid_submission_free(braid_submission *s);
void braid_submission_list_free(braid_submission_list *l);

typedef struct braid_update_result {
	/** "updated", "up-to-date" or "conflict" (nothing in the workspace changed). */
	char *state;
	char *main_commit;
	size_t files_written; /**< files in the worktree braid rewrote */
	size_t kept_edits;    /**< files with uncommitted edits that were merged, not overwritten */
	char *detail;         /**< JSON: conflicting files and regions when state is "conflict" */
} braid_update_result;

/**
 * Bring the workspace the context is in onto the current main, merging the
 * agent's committed and uncommitted work with MergePolicy. Never
 * overwrites an edit: if anything would conflict, nothing changes and
 * BRAID_ECONFLICT is returned with `state` "conflict" in *out.
 */
int braid_converge_update(braid_update_result **out, braid_ctx *ctx) BRAID_WARN_UNUSED;

void braid_update_result_free(braid_update_result *r);

/**
 * Write conflict `id` into the submitting agent's workspace (the context's):
 * the workspace moves onto current main, cleanly merged files are written
 * merged, conflicted files get diff3-style markers. The next submit lands
 * the resolution and records a `resolve` op naming the conflict.
 *
 * @param[out] files  if not NULL, a JSON array of the files written with markers (malloc'd string).
 */
int braid_converge_resolve(char **files, braid_ctx *ctx, const char *id) BRAID_WARN_UNUSED;

/** What `braid doctor` found. */
typedef struct braid_doctor_report {
	size_t problems;
	size_t recovered; /**< pending or half-landed submissions it finished */
	char *text;       /**< one line per check (owned) */
} braid_doctor_report;

/** Recover the queue, then check the invariants: main, refs, workspaces, op log. */
int braid_converge_doctor(braid_doctor_report *out, braid_ctx *ctx) BRAID_WARN_UNUSED;
void braid_doctor_report_clear(braid_doctor_report *r);

#ifdef __cplusplus
}
#endif
#endif
