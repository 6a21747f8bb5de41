/* change.c: AgentChange rows and the refs that keep their commits reachable. */
#include "common.h"
#include "braid/hash.h"
#include "braid/repo.h"
#include "change/change_int.h"
#include "ctx/ctx_int.h"
#include "util/time.h"

#include <sodium.h>

char *braid_change_refname(const char *change_id)
{
	return braid_sprintf_alloc("refs/braid/changes/%s", change_id);
}

void braid_change_free(braid_change *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->agent_id);
	free(c->workspace_id);
	free(c->base_commit);
	free(c->head_commit);
	free(c->state);
	free(c->resolving);
	free(c);
}

int braid_change_get(braid_change **out, braid_ctx *ctx, const char *id)
{
	sqlite3_stmt *st;
	braid_change *c;
	int err;

	if (!id || !*id)
		return braid_error_set(BRAID_EINVALID, "empty change id");
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT id, agent_id, workspace_id, base_commit, head_commit, state,"
	         " resolving, created_at, updated_at FROM changes"
	         " WHERE id = ?1 OR id GLOB ?1 || '*' LIMIT 2")) < 0)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOTFOUND, "no change '%s'; see 'braid status'", id);
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	c->id = braid_store__col_strdup(st, 0);
	c->agent_id = braid_store__col_strdup(st, 1);
	c->workspace_id = braid_store__col_strdup(st, 2);
	c->base_commit = braid_store__col_strdup(st, 3);
	c->head_commit = braid_store__col_strdup(st, 4);
	c->state = braid_store__col_strdup(st, 5);
	c->resolving = braid_store__col_strdup(st, 6);
	c->created_at = sqlite3_column_int64(st, 7);
	c->updated_at = sqlite3_column_int64(st, 8);
	if (sqlite3_step(st) == SQLITE_ROW && strcmp(c->id, id) != 0) {
		sqlite3_reset(st);
		braid_change_free(c);
		return braid_error_set(BRAID_EINVALID, "change id '%s' is ambiguous", id);
	}
	sqlite3_reset(st);
	if (!c->id || !c->agent_id || !c->base_commit || !c->head_commit || !c->state) {
		braid_change_free(c);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

int braid_change__create(char **id_out, braid_ctx *ctx, const char *agent_id,
                         const char *workspace_id, const git_oid *base)
{
	unsigned char raw[6];
	char id[13], hex[GIT_OID_HEXSZ + 1], *ref = NULL;
	sqlite3_stmt *st;
	int64_t now = braid_time_now_ms();
	int err;

	randombytes_buf(raw, sizeof(raw));
	braid_hex_encode(id, raw, sizeof(raw));
	braid_repo_oid_hex(hex, base);
	if (!(ref = braid_change_refname(id)))
		return BRAID_ENOMEM;
	err = braid_repo_cas_ref(ctx->git, ref, base, NULL, "braid: new change");
	free(ref);
	if (err < 0)
		return err;
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "INSERT INTO changes(id, agent_id, workspace_id, base_commit,"
	                             " head_commit, state, created_at, updated_at)"
	                             " VALUES (?, ?, ?, ?, ?, 'editing', ?, ?)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, agent_id, -1, SQLITE_STATIC);
	braid_store__bind_text(st, 3, workspace_id);
	sqlite3_bind_text(st, 4, hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int64(st, 7, now);
	if ((err = braid_store__step_done(ctx->store, st, "cannot create change")) < 0)
		return err;
	if (!(*id_out = braid_strdup(id)))
		return BRAID_ENOMEM;
	return 0;
}

int braid_change__set(braid_ctx *ctx, const char *id, const char *state, const char *base,
                      const char *head, const char *resolving)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             "UPDATE changes SET state = coalesce(?2, state),"
	                             " base_commit = coalesce(?3, base_commit),"
	                             " head_commit = coalesce(?4, head_commit),"
	                             " resolving = CASE WHEN ?5 IS NULL THEN resolving"
	                             "   WHEN ?5 = '' THEN NULL ELSE ?5 END,"
	                             " updated_at = ?6 WHERE id = ?1")) < 0)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	braid_store__bind_text(st, 2, state);
	braid_store__bind_text(st, 3, base);
	braid_store__bind_text(st, 4, head);
	braid_store__bind_text(st, 5, resolving);
	sqlite3_bind_int64(st, 6, braid_time_now_ms());
	return braid_store__step_done(ctx->store, st, "cannot update change");
}

int braid_change__reconcile(braid_ctx *ctx, braid_change *ch)
{
	git_oid head, at;
	char *ref = braid_change_refname(ch->id), hex[GIT_OID_HEXSZ + 1], *copy;
	int err, anc;

	if (!ref)
		return BRAID_ENOMEM;
	err = braid_repo_ref_oid(&at, ctx->git, ref);
	free(ref);
	if (err == BRAID_ENOTFOUND) {
		braid_error_clear();
		return 0;
	}
	if (err < 0 || (err = braid_repo_oid_parse(&head, ch->head_commit)) < 0)
		return err;
	if (git_oid_equal(&head, &at))
		return 0;
	if ((anc = braid_repo_is_ancestor(ctx->git, &head, &at)) <= 0)
		return anc;
	braid_repo_oid_hex(hex, &at);
	if ((err = braid_store_begin(ctx->store)) < 0)
		return err;
	if ((err = braid_change__set(ctx, ch->id, NULL, NULL, hex, NULL)) < 0) {
		braid_store_rollback(ctx->store);
		return err;
	}
	if ((err = braid_store_commit(ctx->store)) < 0)
		return err;
	if (!(copy = braid_strdup(hex)))
		return BRAID_ENOMEM;
	free(ch->head_commit);
	ch->head_commit = copy;
	return 0;
}
