/*
 * workspace_int.h: snapshotting a workspace into its change, for converge
 * (submit, update, resolve). A snapshot writes the worktree's content as a
 * commit on the change, moves the change ref by compare-and-swap and then
 * points the worktree's HEAD and index at it, so `git status` there is clean.
 */
#ifndef BRAID_WORKSPACE_INT_H
#define BRAID_WORKSPACE_INT_H

#include <git2.h>

#include "braid/workspace.h"

typedef struct braid_workspace_snap {
	char *change_id; /* the change the snapshot is on (owned) */
	git_oid base;    /* the change's base */
	git_oid head;    /* the change's head after the snapshot */
	git_oid tree;    /* the worktree's tree */
	int new_commit;  /* a commit was created by this snapshot */
	int has_work;    /* head differs from base in content */
	char *op_id;     /* the snapshot op, when new_commit (owned) */
} braid_workspace_snap;

void braid_workspace__snap_clear(braid_workspace_snap *s);

/** Open the git repository of a workspace's worktree. */
int braid_workspace__open_git(git_repository **out, const braid_workspace *ws) BRAID_WARN_UNUSED;

/**
 * Snapshot `ws` (owned by the context's acting agent) into its current
 * change, recording a `snapshot` op when a commit was made.
 */
int braid_workspace__snapshot(braid_workspace_snap *out, braid_ctx *ctx, const braid_workspace *ws,
                              const char *message) BRAID_WARN_UNUSED;

/** Point the worktree's HEAD at `commit` (detached) and write `index` (may be NULL: reset to the
 * commit's tree). */
int braid_workspace__set_head(git_repository *wt, const git_oid *commit,
                              git_index *index) BRAID_WARN_UNUSED;

/** The workspace the context is in, owned by the acting agent, or a how-to error. */
int braid_workspace__current(braid_workspace **out, braid_ctx *ctx) BRAID_WARN_UNUSED;

/** Set the workspace's current change (inside a store transaction). */
int braid_workspace__set_change(braid_ctx *ctx, const char *ws_id,
                                const char *change_id) BRAID_WARN_UNUSED;

#endif
