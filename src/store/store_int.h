/*
 * store_int.h: what libbraid modules (not fronts) use to talk SQL: the raw
 * connection, a per-store cache of prepared statements, and small helpers
 * that turn SQLite failures into braid errors.
 */
#ifndef BRAID_STORE_INT_H
#define BRAID_STORE_INT_H

#include <sqlite3.h>

#include "braid/store.h"

struct braid_store {
	sqlite3 *db;
	char *path;
	int in_txn;
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[96];
	size_t ncache;
};

/**
 * A prepared statement for `sql` (which must be a string literal or
 * otherwise outlive the store: it is cached by pointer), reset and with
 * bindings cleared. Borrowed: do not finalize.
 */
int braid_store__stmt(sqlite3_stmt **out, braid_store *store, const char *sql) BRAID_WARN_UNUSED;

/** Record SQLite's last error for `what` and return BRAID_ERROR (BRAID_EBUSY for SQLITE_BUSY). */
int braid_store__error(braid_store *store, const char *what);

/** Run SQL with no results (schema, pragmas). */
int braid_store__exec(braid_store *store, const char *sql) BRAID_WARN_UNUSED;

/** Step a statement expecting SQLITE_DONE. */
int braid_store__step_done(braid_store *store, sqlite3_stmt *stmt,
                           const char *what) BRAID_WARN_UNUSED;

/** malloc'd copy of a text column, or NULL for SQL NULL (sets ENOMEM on failure). */
char *braid_store__col_strdup(sqlite3_stmt *stmt, int col);

/** Bind a text value or NULL. */
int braid_store__bind_text(sqlite3_stmt *stmt, int idx, const char *s);

/** The schema pieces each module registers, applied in order at open. */
typedef struct braid_store_schema {
	const char *module;
	int version; /* bump to re-run `sql` (which must be idempotent) */
	const char *sql;
} braid_store_schema;

extern const braid_store_schema braid_store__schemas[];
extern const size_t braid_store__nschemas;

#endif
