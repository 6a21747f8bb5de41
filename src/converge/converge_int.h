/*
 * converge_int.h: what the files of the converge engine share: loading a
 * submission row, materializing a merged tree into a worktree, and the
 * lander's entry points used by submit and doctor.
 */
#ifndef BRAID_CONVERGE_INT_H
#define BRAID_CONVERGE_INT_H

#include <git2.h>

#include "braid/converge.h"
#include "braid/intent.h"
#include "converge/treemerge.h"

/** What a submission touches, for the intent checks (see touch.c). */
typedef struct braid_converge_touches {
	braid_intent_touch *items; /* strings and ranges owned; content borrowed from blobs */
	git_blob **blobs;
	size_t count;
} braid_converge_touches;

/** Files changed from `base` to `head` (commits), with changed line ranges of the new content. */
int braid_converge__touches(braid_converge_touches *out, git_repository *repo,
			    const git_oid *base, const git_oid *head) BRAID_WARN_UNUSED;
void braid_converge__touches_free(braid_converge_touches *t);

/** Columns of a submission as the engine needs them (owned strings). */
int braid_converge__load(braid_submission **out, braid_ctx *ctx, int64_t id) BRAID_WARN_UNUSED;

/** Update a submission's state and optional columns (NULL leaves a column as is). */
int braid_converge__set_submission(braid_ctx *ctx, int64_t id, const char *state,
                                   const char *land_commit, const char *expected_main,
                                   const char *conflict_id, const char *result_op,
                                   const char *detail) BRAID_WARN_UNUSED;

/** JSON (string, malloc'd) describing a tree merge's files for submissions and conflicts. */
char *braid_converge__files_json(const braid_tm_result *r);

/**
 * Make the worktree at `wt` hold tree `to` where it now holds tree `from`:
 * write changed files, delete removed ones. Before touching anything it
 * checks that every file it will write still has the content of `from` on
 * disk, so an edit made meanwhile is never overwritten (BRAID_ESTALE).
 *
 * @param[out] written  files written or removed.
 */
int braid_converge__checkout(git_repository *wt, const char *workdir, const git_oid *from,
                             const git_oid *to, size_t *written) BRAID_WARN_UNUSED;

/** Build a conflict description (ours_origin per file) for a tree merge result. */
int braid_converge__origin_json(char **out, braid_ctx *ctx, const git_oid *base,
                                const git_oid *main_oid, const char *path) BRAID_WARN_UNUSED;

/* ---- shared by the lander (lander.c) and the speculative queue (spec.c) ---- */

/** Record a conflict object for submission `s` and decide it "conflicted". */
int braid_converge__record_conflict(braid_ctx *ctx, const braid_submission *s,
				    const braid_tm_result *r, const git_oid *base,
				    const git_oid *main_oid) BRAID_WARN_UNUSED;

/**
 * Decide `s` landed at `land` (main before it: `prev`): land op, landings
 * row, workspace rotated onto a new change, root checkout carried.
 *
 * @param extra  JSON object text merged into the land op's payload, or NULL.
 */
int braid_converge__finish_land(braid_ctx *ctx, const braid_submission *s, const git_oid *land,
				const git_oid *prev, const char *extra) BRAID_WARN_UNUSED;

/** Decide `s` failed with `detail` (JSON), recording op `op_kind` when not NULL. */
int braid_converge__fail(braid_ctx *ctx, const braid_submission *s, const char *detail,
			 const char *op_kind, const char *op_payload) BRAID_WARN_UNUSED;

/** The commit message of a landing. */
struct braid_buf;
int braid_converge__land_message(struct braid_buf *msg,
				 const braid_submission *s) BRAID_WARN_UNUSED;

/** Called once a submission is durably decided: releases intents on what landed (lander.c). */
void braid_converge__on_decided(braid_ctx *ctx, const braid_submission *s, const char *outcome);

/**
 * Gate mode: the speculative queue. With the lander lock held, decide and
 * verify submissions until `until_id` is decided (or, with 0, until the
 * queue is empty and no run is needed for `idle_ms`).
 */
int braid_converge__drive_gated(braid_ctx *ctx, int64_t until_id, long idle_ms,
				size_t *processed,
				void (*progress)(void *payload, const char *what, long waited_ms),
				void *payload) BRAID_WARN_UNUSED;

#endif
