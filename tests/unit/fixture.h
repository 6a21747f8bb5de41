/*
 * fixture.h: real git repositories for unit tests, made with libgit2 in the
 * test's temporary directory (no git binary, no mocks).
 */
#ifndef BRAID_TEST_FIXTURE_H
#define BRAID_TEST_FIXTURE_H

#include <git2.h>

#include "braid/ctx.h"

/** Write `content` to `path` (relative to cwd), creating directories. */
void fx_write(const char *path, const char *content);

/** Read a file into a malloc'd string. */
char *fx_read(const char *path);

/** Create a repository in `dir` on branch main whose first commit holds files given as path,
 * content pairs (NULL-terminated). */
void fx_repo(const char *dir, ...);

/** Commit every file of the worktree at `dir` onto its HEAD; returns the commit id. */
git_oid fx_commit_all(const char *dir, const char *message);

/** `braid init` in dir, returning the context. */
braid_ctx *fx_braid(const char *dir);

/** The blob content of `path` at `rev` in the repository at `dir` (malloc'd), or NULL if absent. */
char *fx_show(const char *dir, const char *rev, const char *path);

#endif
