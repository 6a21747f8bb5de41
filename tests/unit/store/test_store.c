/* test_store.c: the SQLite store: WAL, schema, meta, counters, transactions across processes. */
#include "common.h"
#include "braid/store.h"
#include "harness.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

TEST(open_creates_schema_in_wal_mode)
{
	braid_store *s = NULL;
	char *v = NULL;
	sqlite3 *db;
	sqlite3_stmt *st;

	CHECK_OK(braid_store_open(&s, "state.db"));
	CHECK_INT(braid_store_meta_get(&v, s, "missing"), BRAID_ENOTFOUND);
	CHECK_OK(braid_store_meta_set(s, "k", "v1"));
	CHECK_OK(braid_store_meta_set(s, "k", "v2"));
	CHECK_OK(braid_store_meta_get(&v, s, "k"));
	CHECK_STR(v, "v2");
	free(v);
	braid_store_free(s);
	/* Reopening applies nothing twice. */
	CHECK_OK(braid_store_open(&s, "state.db"));
	braid_store_free(s);
	CHECK(sqlite3_open("state.db", &db) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

TEST(transactions_do_not_nest_and_roll_back)
{
	braid_store *s = NULL;
	char *v = NULL;

	CHECK_OK(braid_store_open(&s, "state.db"));
	CHECK_OK(braid_store_begin(s));
	CHECK_INT(braid_store_begin(s), BRAID_EINVALID);
	CHECK_OK(braid_store_meta_set(s, "k", "inside"));
	braid_store_rollback(s);
	CHECK_INT(braid_store_meta_get(&v, s, "k"), BRAID_ENOTFOUND);
	braid_store_free(s);
}

TEST(counters_add_up_across_processes)
{
	braid_store *s = NULL;
	int i, status;

	CHECK_OK(braid_store_open(&s, "state.db"));
	braid_store_free(s);
	for (i = 0; i < 8; i++) {
		if (fork() == 0) {
			braid_store *c = NULL;
			int j;
			if (braid_store_open(&c, "state.db") < 0)
				_exit(1);
			for (j = 0; j < 50; j++) {
				if (braid_store_begin(c) < 0 ||
				    braid_store_counter_add(c, "n", 1) < 0 ||
				    braid_store_commit(c) < 0)
					_exit(2);
			}
			braid_store_free(c);
			_exit(0);
		}
	}
	for (i = 0; i < 8; i++) {
		wait(&status);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK_OK(braid_store_open(&s, "state.db"));
	CHECK_INT(braid_store_counter_get(s, "n"), 400);
	CHECK_INT(braid_store_counter_get(s, "never"), 0);
	braid_store_free(s);
}
