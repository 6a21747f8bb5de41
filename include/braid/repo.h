/*
 * repo.h: braid's edge to git (libgit2): refs moved only by compare-and-swap,
 * worktrees created and removed without touching git's config, snapshots of
 * a working tree into a tree object, and commits. Every write that can meet
 * one of git's lock files (ref locks, index.lock) retries with backoff
 * instead of failing, so many agents can act at the same moment.
 */
#ifndef BRAID_REPO_H
#define BRAID_REPO_H

#include <git2.h>

#include "braid/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Move `refname` to `new_id` if and only if it currently points at
 * `expected` (compare-and-swap). With `expected` NULL the ref must not
 * exist yet (create-only). Never a force update.
 *
 * @return 0; BRAID_ESTALE when the ref moved (or exists, for create-only);
 *         BRAID_EBUSY when its lock stayed taken for the whole retry window.
 */
int braid_repo_cas_ref(git_repository *repo, const char *refname, const git_oid *new_id,
                       const git_oid *expected, const char *log_message) BRAID_WARN_UNUSED;

/** Resolve `refname` to a commit id; BRAID_ENOTFOUND when missing. */
int braid_repo_ref_oid(git_oid *out, git_repository *repo, const char *refname) BRAID_WARN_UNUSED;

/** Delete `refname` if it still points at `expected` (NULL: unconditionally). Missing is fine. */
int braid_repo_delete_ref(git_repository *repo, const char *refname,
                          const git_oid *expected) BRAID_WARN_UNUSED;

/**
 * Create a worktree named `name` at `path` with a detached HEAD on `commit`
 * and its files checked out. Nothing is written to git's config and no
 * branch is created, so concurrent calls never meet config.lock.
 * Fails with BRAID_EEXISTS if `path` exists and is not empty.
 */
int braid_repo_worktree_add(git_repository *repo, const char *name, const char *path,
                            const git_oid *commit) BRAID_WARN_UNUSED;

/** Remove a worktree's files and its administrative folder in .git/worktrees. */
int braid_repo_worktree_remove(git_repository *repo, const char *name,
                               const char *path) BRAID_WARN_UNUSED;

/**
 * Write the current content of the worktree at `wt` (tracked and untracked,
 * not ignored files, like `git add -A`) as a tree.
 *
 * @param[out] tree_out  the tree id.
 * @param[out] index_out if not NULL, the in-memory index that produced the
 *                       tree (owned by the caller; git_index_free), so it can
 *                       be written back to disk with braid_repo_index_write.
 */
int braid_repo_snapshot(git_oid *tree_out, git_index **index_out,
                        git_repository *wt) BRAID_WARN_UNUSED;

/** Write an index to disk, retrying while index.lock is held by someone else. */
int braid_repo_index_write(git_index *index) BRAID_WARN_UNUSED;

/**
 * Create a commit (no ref is updated).
 *
 * @param author_name   NULL for the repository's default signature.
 */
int braid_repo_commit(git_oid *out, git_repository *repo, const git_oid *tree,
                      const git_oid *parents, size_t nparents, const char *author_name,
                      const char *author_email, const char *message) BRAID_WARN_UNUSED;

/** The tree id of a commit. */
int braid_repo_commit_tree(git_oid *out, git_repository *repo,
                           const git_oid *commit) BRAID_WARN_UNUSED;

/** 1 if `ancestor` is `descendant` or one of its ancestors, 0 if not, <0 on error. */
int braid_repo_is_ancestor(git_repository *repo, const git_oid *ancestor,
                           const git_oid *descendant);

/** Parse a 40-hex commit id. */
int braid_repo_oid_parse(git_oid *out, const char *hex) BRAID_WARN_UNUSED;

/** Hex of an oid into a caller buffer of GIT_OID_HEXSZ + 1 bytes; returns `buf`. */
char *braid_repo_oid_hex(char *buf, const git_oid *oid);

#ifdef __cplusplus
}
#endif
#endif
