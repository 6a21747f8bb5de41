/*
 * store.h: braid's coordination state, one SQLite database in WAL mode at
 * .braid/state.db. Several processes (CLI calls, MCP servers, the daemon)
 * open it at once; every write happens in a short IMMEDIATE transaction so
 * writers queue on SQLite's lock instead of deadlocking, and commits are
 * synchronous (durable when they return).
 *
 * Modules keep their own tables; the schema of each is created or migrated
 * when the store opens (see src/store/schema.c).
 */
#ifndef BRAID_STORE_H
#define BRAID_STORE_H

#include "braid/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct braid_store braid_store;

/**
 * Open (creating if needed) the database at `path` and bring its schema up
 * to date.
 *
 * @param[out] out  the store, owned by the caller (braid_store_free).
 * @return 0, or BRAID_ERROR with SQLite's message.
 */
int braid_store_open(braid_store **out, const char *path) BRAID_WARN_UNUSED;

void braid_store_free(braid_store *store);

/**
 * Begin an IMMEDIATE (write) transaction, waiting up to the busy timeout for
 * other writers. Transactions do not nest.
 */
int braid_store_begin(braid_store *store) BRAID_WARN_UNUSED;

/** Commit the open transaction. */
int braid_store_commit(braid_store *store) BRAID_WARN_UNUSED;

/** Roll back the open transaction (no-op without one). */
void braid_store_rollback(braid_store *store);

/**
 * Read a value from the `meta` table.
 *
 * @param[out] out  malloc'd copy owned by the caller.
 * @return 0, or BRAID_ENOTFOUND.
 */
int braid_store_meta_get(char **out, braid_store *store, const char *key) BRAID_WARN_UNUSED;

/** Write a value to the `meta` table (inside or outside a transaction). */
int braid_store_meta_set(braid_store *store, const char *key, const char *value) BRAID_WARN_UNUSED;

/** Add `delta` to a named counter (auto_merged, conflicted, ...). */
int braid_store_counter_add(braid_store *store, const char *name, int64_t delta) BRAID_WARN_UNUSED;

/** Read a named counter (0 when never set). */
int64_t braid_store_counter_get(braid_store *store, const char *name);

#ifdef __cplusplus
}
#endif
#endif
