/*
 * test_submit.c: what the submit engine asks. Another agent's L3/L4 on a
 * touched region refuses the submission (L1/L2 do not); structure changes
 * meet the structure lock; what a landed submission covered is released;
 * hash-checked reads and writes reject a region that changed since the
 * read, with the other agent's diff and op.
 */
#include "intent_test.h"
#include "util/buf.h"

#define DB_C_BOB                                                                                   \
	"#include <stdio.h>\n"                                                                     \
	"\n"                                                                                       \
	"int db_open(const char *path)\n"                                                          \
	"{\n"                                                                                      \
	"\treturn path != NULL; /* bob */\n"                                                       \
	"}\n"                                                                                      \
	"\n"                                                                                       \
	"int db_close(int fd)\n"                                                                   \
	"{\n"                                                                                      \
	"\treturn fd;\n"                                                                           \
	"}\n"

static const braid_intent_range in_open = {4, 5}, in_close = {9, 10};

static braid_intent_touch touch(const char *path, const braid_intent_range *r)
{
	braid_intent_touch t = {0};
	t.path = path;
	t.change = BRAID_INTENT_MODIFIED;
	t.content = DB_C;
	t.content_len = strlen(DB_C);
	t.ranges = r;
	t.nranges = r ? 1 : 0;
	return t;
}

TEST(intent_submit_refused_by_l3_l4_of_others_only)
{
	const char *dir = it_setup();
	braid_ctx *alice, *bob;
	braid_intent_result *r = NULL;
	braid_intent_touch t;

	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	alice = it_open(dir, "alice");
	bob = it_open(dir, "bob");
	{
		braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
		const char *tg = "src/db.c::db_open";
		o.level = BRAID_INTENT_L3;
		o.activity = "fixing the open path";
		CHECK_OK(braid_intent_acquire(&r, bob, &tg, 1, &o));
		braid_intent_result_free(r);
		r = NULL;
	}
	/* Touching db_close is fine; touching db_open is refused, naming bob. */
	t = touch("src/db.c", &in_close);
	CHECK_OK(braid_intent_check_submit(alice, NULL, &t, 1));
	t = touch("src/db.c", &in_open);
	CHECK_INT(braid_intent_check_submit(alice, NULL, &t, 1), BRAID_ELOCKED);
	CHECK(strstr(braid_error_last(), "'bob'") != NULL);
	CHECK(strstr(braid_error_last(), "L3") != NULL);
	CHECK(strstr(braid_error_last(), "fixing the open path") != NULL);
	/* Unknown ranges count as touching everything. */
	t = touch("src/db.c", NULL);
	CHECK_INT(braid_intent_check_submit(alice, NULL, &t, 1), BRAID_ELOCKED);
	/* bob's own submission is not blocked by his intent. */
	t = touch("src/db.c", &in_open);
	CHECK_OK(braid_intent_check_submit(bob, NULL, &t, 1));
	/* At L2 bob does not block alice's submit. */
	CHECK_OK(it_acquire1(&r, bob, "src/db.c::db_open", 2, 0));
	braid_intent_result_free(r);
	r = NULL;
	CHECK_OK(braid_intent_check_submit(alice, NULL, &t, 1));
	/* A glob at L4 covers the files under it. */
	CHECK_OK(it_acquire1(&r, bob, "src/net/", 4, 0));
	braid_intent_result_free(r);
	r = NULL;
	t = touch("src/net/http.c", NULL);
	t.content = NULL;
	CHECK_INT(braid_intent_check_submit(alice, NULL, &t, 1), BRAID_ELOCKED);
	CHECK(strstr(braid_error_last(), "src/net/**") != NULL);
	braid_ctx_free(alice);
	braid_ctx_free(bob);
}

TEST(intent_submit_structure_changes_meet_the_structure_lock)
{
	const char *dir = it_setup();
	braid_ctx *alice, *bob;
	braid_intent_result *r = NULL;
	braid_intent_touch t = {0};

	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	alice = it_open(dir, "alice");
	bob = it_open(dir, "bob");
	CHECK_OK(braid_ctx_config_set(alice, "intent.structure-globs", "include/**"));
	CHECK_OK(it_acquire1(&r, bob, "@structure", 4, 0));
	braid_intent_result_free(r);
	t.path = "README";
	CHECK_OK(braid_intent_check_submit(alice, NULL, &t, 1));
	t.path = "src/new.c";
	t.change = BRAID_INTENT_ADDED;
	CHECK_INT(braid_intent_check_submit(alice, NULL, &t, 1), BRAID_ELOCKED);
	CHECK(strstr(braid_error_last(), "@structure") != NULL);
	t.path = "src/db2.c";
	t.old_path = "src/db.c";
	t.change = BRAID_INTENT_RENAMED;
	CHECK_INT(braid_intent_check_submit(alice, NULL, &t, 1), BRAID_ELOCKED);
	t.path = "include/api.h";
	t.old_path = NULL;
	t.change = BRAID_INTENT_MODIFIED;
	CHECK_INT(braid_intent_check_submit(alice, NULL, &t, 1), BRAID_ELOCKED);
	braid_ctx_free(alice);
	braid_ctx_free(bob);
}

TEST(intent_release_submitted_covers_touched_files)
{
	const char *dir = it_setup();
	braid_ctx *alice;
	braid_intent_result *r = NULL;
	braid_intent_table *tb = NULL;
	braid_intent_touch t = touch("src/db.c", &in_open);
	const char *targets[] = {"src/db.c::db_open", "app/models.py"};
	size_t n = 0;

	it_add_agent(dir, "alice");
	alice = it_open(dir, "alice");
	{
		braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
		o.level = BRAID_INTENT_L3;
		CHECK_OK(braid_intent_acquire(&r, alice, targets, 2, &o));
		braid_intent_result_free(r);
	}
	CHECK_OK(it_acquire1(&r, alice, "src/**", 2, 0));
	braid_intent_result_free(r);
	CHECK_OK(braid_intent_release_submitted(&n, alice, NULL, &t, 1));
	CHECK_INT(n, 1);
	CHECK_OK(braid_intent_list(&tb, alice));
	CHECK_INT(tb->nholds, 2); /* app/models.py and the glob stay */
	braid_intent_table_free(tb);
	/* Configurable. */
	CHECK_OK(braid_ctx_config_set(alice, "intent.release-on-submit", "false"));
	t.path = "app/models.py";
	CHECK_OK(braid_intent_release_submitted(&n, alice, NULL, &t, 1));
	CHECK_INT(n, 0);
	braid_ctx_free(alice);
}

/* bob "lands" new content of src/db.c on main; returns the land op id (static). */
static const char *bob_lands(const char *dir, braid_ctx *bob)
{
	static char op_id_copy[65];
	char path[4200], *op_id = NULL, *payload, sql[1024];
	const char *commit;
	char prev[41];
	git_oid prev_id;

	CHECK(git_reference_name_to_id(&prev_id, bob->git, "refs/heads/main") == 0);
	git_oid_tostr(prev, sizeof(prev), &prev_id);
	snprintf(path, sizeof(path), "%s/src/db.c", dir);
	fx_write(path, DB_C_BOB);
	commit = it_commit_all(dir, "bob: db_open checks NULL");
	payload = braid_sprintf_alloc("{\"agent\":\"%s\",\"change\":\"c0ffee\",\"commit\":\"%s\","
	                              "\"files\":[\"src/db.c\"]}",
	                              braid_ctx_agent_id(bob), commit);
	CHECK_OK(braid_op_record(&op_id, bob, braid_ctx_agent_id(bob), "land", payload));
	snprintf(sql, sizeof(sql),
	         "INSERT INTO landings(commit_id, prev_main, change_id, agent_id, op_id, files, "
	         "created_at) VALUES ('%s', '%s', 'c0ffee', '%s', '%s', '[\"src/db.c\"]', 1)",
	         commit, prev, braid_ctx_agent_id(bob), op_id);
	CHECK(sqlite3_exec(bob->store->db, sql, NULL, NULL, NULL) == SQLITE_OK);
	snprintf(op_id_copy, sizeof(op_id_copy), "%s", op_id);
	free(op_id);
	free(payload);
	return op_id_copy;
}

TEST(intent_check_reads_rejects_with_the_other_agents_diff)
{
	const char *dir = it_setup();
	braid_ctx *alice, *bob;
	braid_workspace *ws = NULL;
	braid_intent_read_result *rd = NULL;
	braid_intent_stale_list *stale = NULL;
	braid_intent_touch t;
	const char *land_op;

	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	alice = it_open(dir, "alice");
	bob = it_open(dir, "bob");
	CHECK_OK(braid_workspace_new(&ws, alice, "alice", NULL));
	CHECK_OK(braid_intent_read(&rd, alice, "src/db.c::db_open"));
	CHECK_STR(rd->source, "workspace");
	CHECK_STR(rd->symbol, "db_open");
	CHECK_INT(rd->start_line, 2);
	CHECK(strncmp(rd->content, "int db_open(", 12) == 0);
	CHECK_INT(strlen(rd->hash), 64);
	land_op = bob_lands(dir, bob);
	/* alice's submission edits db_close only: her read of db_open does not matter. */
	t = touch("src/db.c", &in_close);
	CHECK_OK(braid_intent_check_reads(&stale, alice, NULL, &t, 1, NULL));
	CHECK(stale == NULL);
	/* It edits db_open: stale, with bob's diff and his land op. */
	t = touch("src/db.c", &in_open);
	CHECK_INT(braid_intent_check_reads(&stale, alice, NULL, &t, 1, NULL), BRAID_ESTALE);
	CHECK(strstr(braid_error_last(), "bob") != NULL);
	CHECK(stale && stale->count == 1);
	CHECK_STR(stale->items[0].symbol, "db_open");
	CHECK(strstr(stale->items[0].diff, "-\treturn path != 0;\n") != NULL);
	CHECK(strstr(stale->items[0].diff, "+\treturn path != NULL; /* bob */\n") != NULL);
	CHECK_INT(stale->items[0].nchangers, 1);
	CHECK_STR(stale->items[0].changers[0].agent_name, "bob");
	CHECK_STR(stale->items[0].changers[0].op_id, land_op);
	CHECK_STR(stale->items[0].read_hash, rd->hash);
	braid_intent_stale_list_free(stale);
	braid_intent_read_result_free(rd);
	braid_workspace_free(ws);
	braid_ctx_free(alice);
	braid_ctx_free(bob);
}

TEST(intent_hash_checked_write)
{
	const char *dir = it_setup();
	braid_ctx *alice, *bob;
	braid_workspace *ws = NULL;
	braid_intent_read_result *rd = NULL, *rd2 = NULL;
	braid_intent_stale_list *stale = NULL;
	char new_hash[65], path[4200], sql[512];
	const char *fn = "int db_open(const char *path)\n{\n\treturn 42;\n}";
	const char *land_op;

	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	alice = it_open(dir, "alice");
	bob = it_open(dir, "bob");
	CHECK_OK(braid_workspace_new(&ws, alice, "alice", NULL));
	/* Write a function in place when the hash matches. */
	CHECK_OK(braid_intent_read(&rd, alice, "src/db.c::db_open"));
	CHECK_OK(braid_intent_write(&stale, new_hash, alice, "src/db.c::db_open", rd->hash, 0, fn,
	                            strlen(fn)));
	CHECK_OK(braid_intent_read(&rd2, alice, "src/db.c::db_open"));
	CHECK_STR(rd2->content, fn);
	CHECK_STR(rd2->hash, new_hash);
	/* The old hash no longer matches. */
	CHECK_INT(braid_intent_write(&stale, NULL, alice, "src/db.c::db_open", rd->hash, 0, "x", 1),
	          BRAID_ESTALE);
	braid_intent_stale_list_free(stale);
	stale = NULL;
	braid_intent_read_result_free(rd);
	braid_intent_read_result_free(rd2);
	rd2 = NULL;
	/* Start over from main: alice reads, bob lands, alice's workspace is updated. */
	snprintf(path, sizeof(path), "%s/src/db.c", ws->path);
	fx_write(path, DB_C);
	CHECK_OK(braid_intent_read(&rd, alice, "src/db.c::db_open"));
	land_op = bob_lands(dir, bob);
	fx_write(path, DB_C_BOB);
	{
		git_oid tip;
		char hex[41];
		CHECK(git_reference_name_to_id(&tip, alice->git, "refs/heads/main") == 0);
		snprintf(sql, sizeof(sql), "UPDATE changes SET base_commit = '%s' WHERE id = '%s'",
		         git_oid_tostr(hex, sizeof(hex), &tip), ws->change_id);
		CHECK(sqlite3_exec(alice->store->db, sql, NULL, NULL, NULL) == SQLITE_OK);
	}
	CHECK_INT(braid_intent_write(&stale, NULL, alice, "src/db.c::db_open", rd->hash, 0, fn,
	                             strlen(fn)),
	          BRAID_ESTALE);
	CHECK(strstr(braid_error_last(), "bob") != NULL);
	CHECK(stale && stale->count == 1);
	CHECK(strstr(stale->items[0].diff, "+\treturn path != NULL; /* bob */\n") != NULL);
	CHECK_INT(stale->items[0].nchangers, 1);
	CHECK_STR(stale->items[0].changers[0].agent_name, "bob");
	CHECK_STR(stale->items[0].changers[0].op_id, land_op);
	braid_intent_stale_list_free(stale);
	stale = NULL;
	/* The workspace file was not touched by the refused write. */
	{
		braid_intent_read_result *now = NULL;
		CHECK_OK(braid_intent_read(&now, alice, "src/db.c"));
		CHECK_STR(now->content, DB_C_BOB);
		/* A fencing token is checked first. */
		CHECK_INT(
		    braid_intent_write(&stale, NULL, alice, "src/db.c", now->hash, 999, "x", 1),
		    BRAID_ESTALE);
		braid_intent_read_result_free(now);
	}
	/* Without a workspace there is nothing to write into. */
	CHECK_INT(braid_intent_write(&stale, NULL, bob, "src/db.c", "00", 0, "x", 1), BRAID_ESTATE);
	braid_intent_read_result_free(rd);
	braid_workspace_free(ws);
	braid_ctx_free(alice);
	braid_ctx_free(bob);
}

TEST(intent_read_from_main_without_workspace)
{
	const char *dir = it_setup();
	braid_ctx *bob;
	braid_intent_read_result *rd = NULL;

	it_add_agent(dir, "bob");
	bob = it_open(dir, "bob");
	CHECK_OK(braid_intent_read(&rd, bob, "app/models.py::User.save"));
	CHECK_STR(rd->source, "main");
	CHECK_STR(rd->content, "def save(self, force):\n        return force");
	braid_intent_read_result_free(rd);
	rd = NULL;
	CHECK_INT(braid_intent_read(&rd, bob, "nope.c"), BRAID_ENOTFOUND);
	CHECK_INT(braid_intent_read(&rd, bob, "src/**"), BRAID_EINVALID);
	CHECK_INT(braid_intent_read(&rd, bob, "../x"), BRAID_EINVALID);
	braid_ctx_free(bob);
}
