/*
 * error.h: the per-thread last-error store behind braid_error_last().
 * Library code records a failure once, where it is detected, and callers
 * propagate the code unchanged (libgit2's model).
 */
#ifndef BRAID_UTIL_ERROR_H
#define BRAID_UTIL_ERROR_H

#include "braid/common.h"

/** Record `code` with a printf-style message; returns `code` for `return braid_error_set(...)`. */
int braid_error_set(int code, const char *fmt, ...) BRAID_PRINTF(2, 3);

/** Record `code` with the message libgit2 left for the last failed call, prefixed by `what`. */
int braid_error_git(int git_code, const char *what);

/** Record BRAID_ERROR with strerror(errno) for `what` on `path`. */
int braid_error_os(const char *what, const char *path);

/** Map a libgit2 error code to the closest braid code. */
int braid_error_from_git(int git_code);

#endif
