/*
 * store.c: the SQLite connection behind braid_store. WAL lets readers run
 * beside one writer; synchronous=FULL makes a commit durable before it
 * returns (a submission is acknowledged only after that); a generous busy
 * timeout turns writer contention into waiting, never into an error.
 */
#include "common.h"
#include "store/store_int.h"
#include "util/buf.h"
#include "util/time.h"

#define BUSY_TIMEOUT_MS 60000

int braid_store__error(braid_store *store, const char *what)
{
	int rc = sqlite3_errcode(store->db);
	int code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? BRAID_EBUSY : BRAID_ERROR;

	return braid_error_set(code, "%s: %s (state database '%s')", what,
	                       sqlite3_errmsg(store->db), store->path);
}

int braid_store__exec(braid_store *store, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(store->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int err = braid_error_set(BRAID_ERROR, "state database: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return err;
	}
	return 0;
}

int braid_store__stmt(sqlite3_stmt **out, braid_store *store, const char *sql)
{
	size_t i;
	sqlite3_stmt *st;

	for (i = 0; i < store->ncache; i++) {
		if (store->cache[i].sql == sql) {
			st = store->cache[i].stmt;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			*out = st;
			return 0;
		}
	}
	if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK)
		return braid_store__error(store, "cannot prepare statement");
	if (store->ncache < BRAID_ARRAY_SIZE(store->cache)) {
		store->cache[store->ncache].sql = sql;
		store->cache[store->ncache].stmt = st;
		store->ncache++;
	} else {
		/* Cache full: evict the oldest entry rather than leak. */
		sqlite3_finalize(store->cache[0].stmt);
		memmove(&store->cache[0], &store->cache[1],
		        sizeof(store->cache[0]) * (store->ncache - 1));
		store->cache[store->ncache - 1].sql = sql;
		store->cache[store->ncache - 1].stmt = st;
	}
	*out = st;
	return 0;
}

int braid_store__step_done(braid_store *store, sqlite3_stmt *stmt, const char *what)
{
	int rc = sqlite3_step(stmt);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		int err = braid_store__error(store, what);
		sqlite3_reset(stmt);
		return err;
	}
	sqlite3_reset(stmt);
	return 0;
}

char *braid_store__col_strdup(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);
	return s ? braid_strdup((const char *)s) : NULL;
}

int braid_store__bind_text(sqlite3_stmt *stmt, int idx, const char *s)
{
	return s ? sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT)
	         : sqlite3_bind_null(stmt, idx);
}

static int apply_schemas(braid_store *store)
{
	size_t i;
	int err = 0;

	if ((err = braid_store__exec(store, "CREATE TABLE IF NOT EXISTS schema_versions("
	                                    "module TEXT PRIMARY KEY, version INTEGER NOT NULL)")) <
	    0)
		return err;
	for (i = 0; i < braid_store__nschemas; i++) {
		const braid_store_schema *s = &braid_store__schemas[i];
		sqlite3_stmt *st;
		int have = 0;

		if ((err = braid_store__stmt(
		         &st, store, "SELECT version FROM schema_versions WHERE module = ?")) < 0)
			return err;
		sqlite3_bind_text(st, 1, s->module, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			have = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		if (have >= s->version)
			continue;
		if ((err = braid_store_begin(store)) < 0)
			return err;
		/* Re-check under the write lock: another process may have just migrated. */
		sqlite3_bind_text(st, 1, s->module, -1, SQLITE_STATIC);
		have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
		sqlite3_reset(st);
		if (have < s->version) {
			sqlite3_stmt *up;
			if ((err = braid_store__exec(store, s->sql)) < 0 ||
			    (err = braid_store__stmt(
			         &up, store,
			         "INSERT OR REPLACE INTO schema_versions VALUES (?, ?)")) < 0) {
				braid_store_rollback(store);
				return err;
			}
			sqlite3_bind_text(up, 1, s->module, -1, SQLITE_STATIC);
			sqlite3_bind_int(up, 2, s->version);
			if ((err = braid_store__step_done(store, up,
			                                  "cannot record schema version")) < 0) {
				braid_store_rollback(store);
				return err;
			}
		}
		if ((err = braid_store_commit(store)) < 0)
			return err;
	}
	return 0;
}

int braid_store_open(braid_store **out, const char *path)
{
	braid_store *s;
	int err;

	if (!(s = calloc(1, sizeof(*s))))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if (!(s->path = braid_strdup(path))) {
		free(s);
		return BRAID_ENOMEM;
	}
	if (sqlite3_open_v2(path, &s->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		err = braid_error_set(BRAID_ERROR, "cannot open state database '%s': %s", path,
		                      s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if ((err = braid_store__exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
	                                "PRAGMA foreign_keys=ON;")) < 0 ||
	    (err = apply_schemas(s)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	braid_store_free(s);
	return err;
}

void braid_store_free(braid_store *store)
{
	size_t i;

	if (!store)
		return;
	for (i = 0; i < store->ncache; i++)
		sqlite3_finalize(store->cache[i].stmt);
	if (store->db)
		sqlite3_close(store->db);
	free(store->path);
	free(store);
}

/* Run one of the transaction statements, prepared once per store (parsing them is not free). */
static int txn_stmt(braid_store *store, const char *sql)
{
	sqlite3_stmt *st;
	int rc;

	if (braid_store__stmt(&st, store, sql) < 0)
		return SQLITE_ERROR;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int braid_store_begin(braid_store *store)
{
	if (store->in_txn)
		return braid_error_set(BRAID_EINVALID, "state database: transaction already open");
	/*
	 * sqlite3_busy_timeout covers BEGIN IMMEDIATE, but a WAL snapshot
	 * upgrade can still report BUSY at once; retry those for a while.
	 */
	int64_t deadline = braid_time_mono_ms() + BUSY_TIMEOUT_MS;
	for (;;) {
		int rc = txn_stmt(store, "BEGIN IMMEDIATE");
		if (rc == SQLITE_OK)
			break;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || braid_time_mono_ms() > deadline)
			return braid_store__error(store, "cannot start a transaction");
		braid_time_sleep_us(1000);
	}
	store->in_txn = 1;
	return 0;
}

int braid_store_commit(braid_store *store)
{
	int64_t deadline = braid_time_mono_ms() + BUSY_TIMEOUT_MS;

	for (;;) {
		int rc = txn_stmt(store, "COMMIT");
		if (rc == SQLITE_OK)
			break;
		if (rc != SQLITE_BUSY || braid_time_mono_ms() > deadline) {
			int err = braid_store__error(store, "cannot commit");
			braid_store_rollback(store);
			return err;
		}
		braid_time_sleep_us(1000);
	}
	store->in_txn = 0;
	return 0;
}

void braid_store_rollback(braid_store *store)
{
	if (store->in_txn) {
		if (txn_stmt(store, "ROLLBACK") != SQLITE_OK)
			sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
		store->in_txn = 0;
	}
}

int braid_store_meta_get(char **out, braid_store *store, const char *key)
{
	sqlite3_stmt *st;
	int err, rc;

	if ((err = braid_store__stmt(&st, store, "SELECT value FROM meta WHERE key = ?")) < 0)
		return err;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		err = rc == SQLITE_DONE
		          ? braid_error_set(BRAID_ENOTFOUND,
		                            "no '%s' recorded in the state database", key)
		          : braid_store__error(store, "cannot read the state database");
		sqlite3_reset(st);
		return err;
	}
	*out = braid_store__col_strdup(st, 0);
	sqlite3_reset(st);
	return *out ? 0 : BRAID_ENOMEM;
}

int braid_store_meta_set(braid_store *store, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(&st, store,
	                             "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return braid_store__step_done(store, st, "cannot write meta");
}

int braid_store_counter_add(braid_store *store, const char *name, int64_t delta)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(&st, store,
	                             "INSERT INTO counters(name, value) VALUES (?1, ?2) "
	                             "ON CONFLICT(name) DO UPDATE SET value = value + ?2")) < 0)
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, delta);
	return braid_store__step_done(store, st, "cannot update counter");
}

int64_t braid_store_counter_get(braid_store *store, const char *name)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if (braid_store__stmt(&st, store, "SELECT value FROM counters WHERE name = ?") < 0)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}
