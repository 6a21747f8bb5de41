/* test_op.c: op ids are content hashes, ops chain, signatures verify, tampering is caught. */
#include "common.h"
#include "braid/agent.h"
#include "braid/op.h"
#include "fixture.h"
#include "harness.h"

#include <sqlite3.h>

TEST(ops_chain_and_verify)
{
	braid_ctx *ctx;
	braid_agent *a = NULL;
	char *id1 = NULL, *id2 = NULL;
	braid_op *op = NULL;
	braid_op_verify_report r;

	fx_repo("r", "f", "x\n", NULL);
	ctx = fx_braid("r");
	CHECK_OK(braid_agent_add(&a, NULL, ctx, "a1", NULL));
	CHECK_OK(braid_op_record(&id1, ctx, a->id, "test", "{\"b\":1,\"a\":2}"));
	CHECK_OK(braid_op_record(&id2, ctx, a->id, "test", "{\"a\":2}"));
	CHECK(strlen(id1) == 64 && strcmp(id1, id2) != 0);
	CHECK_OK(braid_op_get(&op, ctx, id2));
	CHECK_INT(op->nparents, 1);
	CHECK_STR(op->parents[0], id1);
	CHECK_STR(op->kind, "test");
	braid_op_free(op);
	op = NULL;
	/* Payloads are stored canonically (sorted keys). */
	CHECK_OK(braid_op_get(&op, ctx, id1));
	CHECK_STR(op->payload, "{\"a\":2,\"b\":1}");
	braid_op_free(op);
	CHECK_INT(braid_op_get(&op, ctx, "zz"), BRAID_EINVALID);
	CHECK_INT(braid_op_get(&op, ctx, "0000000000"), BRAID_ENOTFOUND);
	CHECK_INT(braid_op_record(NULL, ctx, a->id, "test", "[1,2]"), BRAID_EINVALID);
	CHECK_OK(braid_op_verify_all(&r, ctx));
	CHECK(r.checked >= 5);
	CHECK_INT(r.bad_id + r.bad_signature + r.missing_parent, 0);
	braid_op_verify_report_clear(&r);
	free(id1);
	free(id2);
	braid_agent_free(a);
	braid_ctx_free(ctx);
}

TEST(tampered_payload_and_signature_are_detected)
{
	braid_ctx *ctx;
	braid_agent *a = NULL;
	char *id = NULL, sql[512];
	sqlite3 *db;
	braid_op_verify_report r;

	fx_repo("r", "f", "x\n", NULL);
	ctx = fx_braid("r");
	CHECK_OK(braid_agent_add(&a, NULL, ctx, "a1", NULL));
	CHECK_OK(braid_op_record(&id, ctx, a->id, "land", "{\"commit\":\"abc\"}"));
	CHECK(sqlite3_open("r/.braid/state.db", &db) == SQLITE_OK);
	snprintf(sql, sizeof(sql),
	         "UPDATE ops SET payload = '{\"commit\":\"abd\"}' WHERE id = '%s'", id);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	CHECK_OK(braid_op_verify_all(&r, ctx));
	CHECK_INT(r.bad_id, 1);
	CHECK(r.first_problem != NULL);
	braid_op_verify_report_clear(&r);
	/* Restore the payload but forge the signature. */
	snprintf(
	    sql, sizeof(sql),
	    "UPDATE ops SET payload = '{\"commit\":\"abc\"}', signature = '%0128d' WHERE id = '%s'",
	    0, id);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK_OK(braid_op_verify_all(&r, ctx));
	CHECK_INT(r.bad_id, 0);
	CHECK_INT(r.bad_signature, 1);
	braid_op_verify_report_clear(&r);
	free(id);
	braid_agent_free(a);
	braid_ctx_free(ctx);
}

TEST(agents_sign_and_names_are_checked)
{
	braid_ctx *ctx;
	braid_agent *a = NULL, *b = NULL;
	unsigned char sig[BRAID_SIG_SIZE];
	char *token = NULL;

	fx_repo("r", "f", "x\n", NULL);
	ctx = fx_braid("r");
	CHECK_INT(braid_agent_add(&a, NULL, ctx, "bad name", NULL), BRAID_EINVALID);
	CHECK_INT(braid_agent_add(&a, NULL, ctx, "-x", NULL), BRAID_EINVALID);
	CHECK_INT(braid_agent_add(&a, NULL, ctx, "braid", NULL), BRAID_EINVALID);
	CHECK_INT(braid_agent_add(&a, NULL, ctx, "x", "root"), BRAID_EINVALID);
	CHECK_OK(braid_agent_add(&a, &token, ctx, "a1", "human"));
	CHECK_STR(a->role, "human");
	CHECK_INT(braid_agent_add(&b, NULL, ctx, "a1", NULL), BRAID_EEXISTS);
	CHECK_OK(braid_agent_by_token(&b, ctx, token));
	CHECK_STR(b->id, a->id);
	braid_agent_free(b);
	CHECK_INT(braid_agent_by_token(&b, ctx, "bt_nope"), BRAID_EDENIED);
	CHECK_OK(braid_agent_sign(sig, ctx, a->id, "msg", 3));
	CHECK_OK(braid_agent_verify(a->pubkey, sig, "msg", 3));
	CHECK_INT(braid_agent_verify(a->pubkey, sig, "msh", 3), BRAID_EDENIED);
	free(token);
	braid_agent_free(a);
	braid_ctx_free(ctx);
}
