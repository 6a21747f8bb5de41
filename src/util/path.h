/*
 * path.h: path strings. braid names files inside a repository by
 * repository-relative paths with '/' separators; braid_path_validate_rel is
 * the one gate every path from an agent, the network or the command line
 * passes before it touches the file system.
 */
#ifndef BRAID_UTIL_PATH_H
#define BRAID_UTIL_PATH_H

#include "util/buf.h"

/** out = a + "/" + b (no doubled slash). */
int braid_path_join(braid_buf *out, const char *a, const char *b) BRAID_WARN_UNUSED;

/** out = everything before the last '/', or "." */
int braid_path_dirname(braid_buf *out, const char *path) BRAID_WARN_UNUSED;

/** Borrowed pointer to the last component of `path`. */
const char *braid_path_basename(const char *path);

/**
 * Check that `rel` is a safe repository-relative path: not empty, not
 * absolute, no "." or ".." components, no empty components, no NUL, no
 * component named ".git" or ".braid", at most 4096 bytes.
 *
 * @return 0 or BRAID_EINVALID with a message naming the problem.
 */
int braid_path_validate_rel(const char *rel) BRAID_WARN_UNUSED;

/**
 * Turn `path` (absolute, or relative to `cwd`) into a path relative to
 * `root`, normalizing "." and ".." lexically.
 *
 * @return 0, or BRAID_EINVALID when the path lies outside `root`.
 */
int braid_path_relative_to(braid_buf *out, const char *root, const char *cwd,
                           const char *path) BRAID_WARN_UNUSED;

/** Lexically normalize an absolute path (collapse "//", ".", ".."). */
int braid_path_normalize(braid_buf *out, const char *abs) BRAID_WARN_UNUSED;

#endif
