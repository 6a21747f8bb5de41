/*
 * fs.h: file-system helpers with braid's error conventions: capped reads,
 * durable atomic writes (temp file, fsync, rename, fsync of the directory),
 * recursive mkdir/remove, and advisory whole-file locks (flock) that the
 * kernel releases when a process dies.
 */
#ifndef BRAID_UTIL_FS_H
#define BRAID_UTIL_FS_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/buf.h"

/** Read the whole file at `path` into `out`; more than `cap` bytes is BRAID_EINVALID. */
int braid_fs_read(braid_buf *out, const char *path, size_t cap) BRAID_WARN_UNUSED;

/**
 * Replace `path` with `data` atomically and durably: readers see the old or
 * the new content, never a mix, and the new content survives a crash once
 * this returns.
 */
int braid_fs_write_atomic(const char *path, const void *data, size_t len,
                          mode_t mode) BRAID_WARN_UNUSED;

/** Like mkdir -p. */
int braid_fs_mkdir_p(const char *path, mode_t mode) BRAID_WARN_UNUSED;

/** Like rm -rf; a missing path is not an error. */
int braid_fs_rm_rf(const char *path) BRAID_WARN_UNUSED;

bool braid_fs_exists(const char *path);
bool braid_fs_is_dir(const char *path);

/** fsync the directory holding `path` so a rename or create in it is durable. */
int braid_fs_sync_parent(const char *path) BRAID_WARN_UNUSED;

/** An advisory exclusive lock held on an open file. */
typedef struct braid_flock {
	int fd;
} braid_flock;

#define BRAID_FLOCK_INIT                                                                           \
	{                                                                                          \
		-1                                                                                 \
	}

/**
 * Take an exclusive lock on `path` (created if missing).
 *
 * @param timeout_ms  0 to try once, negative to wait forever.
 * @param on_wait     called about once a second while waiting, with the
 *                    milliseconds waited so far (may be NULL).
 * @return 0, BRAID_EBUSY when the timeout passed, or BRAID_ERROR.
 */
int braid_flock_acquire(braid_flock *lk, const char *path, int timeout_ms,
                        void (*on_wait)(void *payload, long waited_ms),
                        void *payload) BRAID_WARN_UNUSED;

/** Release the lock (no-op when not held). */
void braid_flock_release(braid_flock *lk);

#endif
