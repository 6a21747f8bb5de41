/*
 * common.h: what every public braid header shares: error codes, the
 * last-error accessor and the attributes used on the API.
 *
 * Every fallible braid function returns an int: 0 on success or a negative
 * value from enum braid_error. The human-readable message of the most recent
 * failure on the calling thread is available from braid_error_last() until
 * the next braid call on that thread fails. Results come back through
 * out-parameters, which are only written on success.
 */
#ifndef BRAID_COMMON_H
#define BRAID_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define BRAID_WARN_UNUSED    __attribute__((warn_unused_result))
#define BRAID_PRINTF(fa, va) __attribute__((format(printf, fa, va)))
#else
#define BRAID_WARN_UNUSED
#define BRAID_PRINTF(fa, va)
#endif

/** Error codes. Callers act on the specific ones; -1 is everything else. */
enum braid_error {
	BRAID_OK = 0,
	BRAID_ERROR = -1,     /**< generic failure (I/O, library error) */
	BRAID_ENOTFOUND = -3, /**< unknown id, agent, path or object */
	BRAID_EEXISTS = -4,   /**< the object already exists */
	BRAID_ECONFLICT = -5, /**< the operation ended in a conflict */
	BRAID_ELOCKED = -6,   /**< held by another agent (intent/lock) */
	BRAID_EBUSY = -7,     /**< a wait timed out or a resource stayed busy */
	BRAID_ESTALE = -8,    /**< a precondition (hash, fencing token, base) is out of date */
	BRAID_EINVALID = -9,  /**< bad argument or malformed input */
	BRAID_EDENIED = -10,  /**< not allowed (ownership, policy, token) */
	BRAID_ESTATE = -11,   /**< wrong state (not a workspace, dirty, not initialized) */
	BRAID_ENOMEM = -12,   /**< out of memory */
	BRAID_EVERIFY = -13,  /**< the verification gate rejected the tree */
};

/**
 * The message of the last error on this thread.
 *
 * @return a borrowed string, never NULL ("" when no error was recorded); it
 *         stays valid until the next braid call on this thread fails.
 */
const char *braid_error_last(void);

/** The code that went with braid_error_last(), or 0. */
int braid_error_last_code(void);

/** A stable lowercase name for an error code ("not_found", "conflict", ...). */
const char *braid_error_name(int code);

/** Forget the last error on this thread. */
void braid_error_clear(void);

/**
 * One-time process setup of braid and its libraries (libgit2, libsodium).
 * Safe to call more than once; every braid_ctx_open calls it.
 *
 * @return 0 or BRAID_ERROR when a library refuses to start.
 */
int braid_global_init(void) BRAID_WARN_UNUSED;

/**
 * Tell braid how to start this program as a background queue driver
 * (e.g. {"/proc/self/exe", "queue", "drive", "--background", NULL}), for
 * submits that leave gated work queued when their options name none. The
 * program's entry point sets it once; libraries embedding braid leave it
 * unset (then no driver is started and the next submit or `braid queue
 * drive` drives). `argv` must stay valid for the life of the process.
 */
void braid_global_set_queue_driver(const char *const *argv);

/** The argv set by braid_global_set_queue_driver, or NULL. */
const char *const *braid_global_queue_driver(void);

#ifdef __cplusplus
}
#endif
#endif
