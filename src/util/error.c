/*
 * error.c: thread-local last error. One fixed buffer per thread: setting an
 * error never allocates, so it works when memory is what ran out.
 */
#include "common.h"

#include <git2.h>

/* The analyzer's models of the setters (error.h) must not rename their definitions. */
#undef braid_error_set
#undef braid_error_git
#undef braid_error_os

#define ERROR_MAX 2048

static _Thread_local char last_msg[ERROR_MAX];
static _Thread_local int last_code;

const char *braid_error_last(void)
{
	return last_msg;
}

int braid_error_last_code(void)
{
	return last_code;
}

void braid_error_clear(void)
{
	last_msg[0] = '\0';
	last_code = 0;
}

int braid_error_set(int code, const char *fmt, ...)
{
	char msg[ERROR_MAX];
	va_list ap;

	/* Formatted aside first: the arguments may include braid_error_last() itself. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(last_msg, msg, sizeof(msg));
	last_code = code;
	return code;
}

int braid_error_from_git(int git_code)
{
	switch (git_code) {
	case GIT_ENOTFOUND:
		return BRAID_ENOTFOUND;
	case GIT_EEXISTS:
		return BRAID_EEXISTS;
	case GIT_ELOCKED:
		return BRAID_EBUSY;
	case GIT_EMODIFIED:
		return BRAID_ESTALE;
	case GIT_ECONFLICT:
	case GIT_EMERGECONFLICT:
		return BRAID_ECONFLICT;
	case GIT_EINVALIDSPEC:
	case GIT_EINVALID:
		return BRAID_EINVALID;
	default:
		return BRAID_ERROR;
	}
}

int braid_error_git(int git_code, const char *what)
{
	const git_error *e = git_error_last();

	return braid_error_set(braid_error_from_git(git_code), "%s: %s", what,
	                       e && e->message ? e->message : "libgit2 error");
}

int braid_error_os(const char *what, const char *path)
{
	return braid_error_set(BRAID_ERROR, "%s '%s': %s", what, path, strerror(errno));
}

const char *braid_error_name(int code)
{
	switch (code) {
	case BRAID_OK:
		return "ok";
	case BRAID_ENOTFOUND:
		return "not_found";
	case BRAID_EEXISTS:
		return "exists";
	case BRAID_ECONFLICT:
		return "conflict";
	case BRAID_ELOCKED:
		return "locked";
	case BRAID_EBUSY:
		return "busy";
	case BRAID_ESTALE:
		return "stale";
	case BRAID_EINVALID:
		return "invalid";
	case BRAID_EDENIED:
		return "denied";
	case BRAID_ESTATE:
		return "bad_state";
	case BRAID_ENOMEM:
		return "out_of_memory";
	case BRAID_EVERIFY:
		return "verification_failed";
	default:
		return "error";
	}
}
