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

#ifdef __clang_analyzer__
/*
 * For the static analyzer only (scripts/lint.sh): it cannot see into error.c,
 * so after `return braid_error_set(BRAID_ENOMEM, ...)` it would also walk a
 * "failed but returned >= 0" path and report the caller's use of an *out that
 * was never set. Spell out what the setters return: braid_error_set its code,
 * braid_error_git and braid_error_os a negative one. Compilers never see this.
 */
static inline int braid_error__analyzer_negative(int code)
{
	__builtin_assume(code < 0);
	return code;
}
#define braid_error_set(code, ...) ((braid_error_set)((code), __VA_ARGS__), (code))
#define braid_error_git(git_code, what)                                                            \
	braid_error__analyzer_negative((braid_error_git)((git_code), (what)))
#define braid_error_os(what, path) braid_error__analyzer_negative((braid_error_os)((what), (path)))
#endif

#endif
