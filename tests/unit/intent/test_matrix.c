/*
 * test_matrix.c: the compatibility matrix, exhaustively: every held level
 * against every requested level, for file, symbol, nested symbol, glob and
 * structure targets that overlap or not, in both orders, between two agents
 * going through the real lock table.
 */
#include "intent_test.h"

static const struct pair {
	const char *a, *b;
	int overlap, structure;
} pairs[] = {
    {"src/db.c", "src/db.c", 1, 0},
    {"src/db.c", "src/db.c::db_open", 1, 0},
    {"src/db.c::db_open", "src/db.c::db_open", 1, 0},
    {"src/db.c::db_open", "src/db.c::db_close", 0, 0},
    {"app/models.py::User", "app/models.py::User.save", 1, 0},
    {"app/models.py::User.save", "app/models.py::User.load", 0, 0},
    {"app/models.py::save", "app/models.py::User.save", 1, 0}, /* short name resolves */
    {"src/**", "src/db.c::db_open", 1, 0},
    {"src/net/", "src/db.c", 0, 0},
    {"src/*.c", "src/net/http.c", 0, 0},
    {"src/**", "src/net", 1, 0}, /* an existing directory is a glob */
    {"src/*.c", "src/d*", 1, 0},
    {"src/*.c", "src/*.h", 0, 0},
    {"src/db.c", "README", 0, 0},
    {"@structure", "@structure", 1, 1},
    {"**", "@structure", 0, 0},
};

static int held_yielding(braid_ctx *ctx, const char *agent_name)
{
	braid_intent_table *tb = NULL;
	size_t i;
	int y = 0;

	CHECK_OK(braid_intent_list(&tb, ctx));
	for (i = 0; i < tb->nholds; i++)
		if (!strcmp(tb->holds[i].agent_name, agent_name) && tb->holds[i].yield_by > 0)
			y = 1;
	braid_intent_table_free(tb);
	return y;
}

static void run_case(braid_ctx *a, braid_ctx *b, const char *held, const char *req, int overlap,
                     int structure, int lh, int lr)
{
	braid_intent_result *ra = NULL, *rb = NULL;
	int c = overlap ? braid_intent_compatible(lh, lr, structure) : 1;
	int rc;

	CHECK_OK(it_acquire1(&ra, a, held, lh, 0));
	CHECK(ra->granted && ra->token > 0);
	rc = it_acquire1(&rb, b, req, lr, 0);
	if (c == 1) {
		if (rc != 0)
			braid_test_fail(__FILE__, __LINE__, "%s L%d then %s L%d: refused: %s", held,
			                lh, req, lr, braid_error_last());
		CHECK(rb->granted);
	} else {
		if (rc != BRAID_ELOCKED)
			braid_test_fail(__FILE__, __LINE__,
			                "%s L%d then %s L%d: got %d, expected "
			                "refusal",
			                held, lh, req, lr, rc);
		CHECK(rb && !rb->granted);
		CHECK(rb->nblockers >= 1);
		CHECK_STR(rb->blockers[0].agent_name, "alice");
		CHECK_INT(rb->blockers[0].level, lh);
		CHECK(rb->position == 1);
		CHECK(strstr(rb->message, "alice") != NULL);
		CHECK(strstr(braid_error_last(), "alice") != NULL);
		if (c == 2) {
			CHECK_INT(rb->npreempted, 1);
			CHECK(held_yielding(a, "alice"));
		} else {
			CHECK(!held_yielding(a, "alice"));
		}
	}
	braid_intent_result_free(ra);
	braid_intent_result_free(rb);
	CHECK_OK(braid_intent_release(NULL, b, NULL, 0));
	CHECK_OK(braid_intent_release(NULL, a, NULL, 0));
}

TEST(intent_matrix_exhaustive)
{
	const char *dir = it_setup();
	braid_ctx *a, *b;
	size_t i;
	int lh, lr, order;

	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	a = it_open(dir, "alice");
	b = it_open(dir, "bob");
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		for (order = 0; order < 2; order++)
			for (lh = 1; lh <= 4; lh++)
				for (lr = 1; lr <= 4; lr++)
					run_case(a, b, order ? pairs[i].b : pairs[i].a,
					         order ? pairs[i].a : pairs[i].b, pairs[i].overlap,
					         pairs[i].structure, lh, lr);
	braid_ctx_free(a);
	braid_ctx_free(b);
}

TEST(intent_own_intents_never_conflict)
{
	const char *dir = it_setup();
	braid_ctx *a;
	braid_intent_result *r1 = NULL, *r2 = NULL;
	braid_intent_table *tb = NULL;

	it_add_agent(dir, "alice");
	a = it_open(dir, "alice");
	CHECK_OK(it_acquire1(&r1, a, "src/db.c", 4, 0));
	CHECK_OK(it_acquire1(&r2, a, "src/db.c::db_open", 4, 0));
	CHECK(r2->token > r1->token);
	braid_intent_result_free(r1);
	braid_intent_result_free(r2);
	/* Re-declaring a target replaces the earlier intent on it. */
	CHECK_OK(it_acquire1(&r1, a, "src/db.c", 1, 0));
	CHECK_OK(braid_intent_list(&tb, a));
	CHECK_INT(tb->nholds, 2);
	CHECK_STR(tb->holds[0].target, "src/db.c");
	CHECK_INT(tb->holds[0].level, 1);
	braid_intent_table_free(tb);
	braid_intent_result_free(r1);
	braid_ctx_free(a);
}

TEST(intent_symbol_resolution)
{
	const char *dir = it_setup();
	braid_ctx *a;
	braid_intent_result *r = NULL;

	it_add_agent(dir, "alice");
	a = it_open(dir, "alice");
	CHECK_OK(it_acquire1(&r, a, "app/models.py::save", 3, 0));
	CHECK_STR(r->holds[0].target, "app/models.py::User.save");
	CHECK_STR(r->holds[0].symbol, "User.save");
	CHECK_INT(r->holds[0].start_line, 1);
	CHECK_INT(r->holds[0].end_line, 2);
	braid_intent_result_free(r);
	r = NULL;
	CHECK_INT(it_acquire1(&r, a, "src/db.c::db_opn", 3, 0), BRAID_ENOTFOUND);
	CHECK(strstr(braid_error_last(), "db_open") != NULL);
	CHECK_INT(it_acquire1(&r, a, "README::x", 3, 0), BRAID_ENOTFOUND);
	CHECK_INT(it_acquire1(&r, a, "nope.c::x", 3, 0), BRAID_ENOTFOUND);
	braid_ctx_free(a);
}

TEST(intent_structure_globs_take_the_structure_lock)
{
	const char *dir = it_setup();
	braid_ctx *a, *b;
	braid_intent_result *ra = NULL, *rb = NULL;

	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	a = it_open(dir, "alice");
	b = it_open(dir, "bob");
	CHECK_OK(braid_ctx_config_set(a, "intent.structure-globs", "include/, **/*.proto"));
	CHECK_OK(it_acquire1(&ra, a, "include/api.h", 2, 0));
	CHECK_INT(ra->nholds, 2);
	CHECK_STR(ra->holds[1].target, "@structure");
	CHECK(ra->holds[1].implicit);
	/* Another structure writer waits, even at L2; a reader of the file does not. */
	CHECK_INT(it_acquire1(&rb, b, "x/y.proto", 2, 0), BRAID_ELOCKED);
	CHECK(strstr(rb->message, "@structure") != NULL);
	braid_intent_result_free(rb);
	rb = NULL;
	CHECK_OK(it_acquire1(&rb, b, "include/api.h", 1, 0));
	braid_intent_result_free(rb);
	rb = NULL;
	/* Releasing the file releases its implicit structure lock. */
	{
		const char *t = "include/api.h";
		size_t n = 0;
		CHECK_OK(braid_intent_release(&n, a, &t, 1));
		CHECK_INT(n, 1);
	}
	CHECK_OK(it_acquire1(&rb, b, "x/y.proto", 2, 0));
	braid_intent_result_free(ra);
	braid_intent_result_free(rb);
	braid_ctx_free(a);
	braid_ctx_free(b);
}
