/*
 * conflict.c: conflict objects in the state database. A conflict row holds
 * the three commits; conflict_files rows hold, per file, the kind, regions
 * (JSON) and blob ids, so any side can be shown later from git's objects.
 */
#include "common.h"
#include "braid/hash.h"
#include "braid/op.h"
#include "conflict/conflict_int.h"
#include "ctx/ctx_int.h"
#include "util/time.h"

#include <jansson.h>
#include <sodium.h>

static void file_clear(braid_conflict_file *f)
{
	free(f->path);
	free(f->kind);
	free(f->description);
	free(f->base_oid);
	free(f->ours_oid);
	free(f->theirs_oid);
	free(f->ours_path);
	free(f->theirs_path);
	free(f->regions);
	free(f->ours_origin);
}

static void conflict_clear(braid_conflict *c)
{
	size_t i;

	free(c->id);
	free(c->change_id);
	free(c->agent_id);
	free(c->agent_name);
	free(c->base_commit);
	free(c->ours_commit);
	free(c->theirs_commit);
	free(c->state);
	free(c->op_id);
	free(c->resolved_op);
	for (i = 0; i < c->nfiles; i++)
		file_clear(&c->files[i]);
	free(c->files);
}

void braid_conflict_free(braid_conflict *c)
{
	if (c) {
		conflict_clear(c);
		free(c);
	}
}

void braid_conflict_list_free(braid_conflict_list *l)
{
	size_t i;
	if (!l)
		return;
	for (i = 0; i < l->count; i++)
		conflict_clear(&l->items[i]);
	free(l->items);
	free(l);
}

static int load_files(braid_conflict *c, braid_ctx *ctx)
{
	sqlite3_stmt *st;
	int err = 0, rc;

	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT path, kind, description, base_oid, ours_oid, theirs_oid,"
	         " ours_path, theirs_path, regions, ours_origin FROM conflict_files"
	         " WHERE conflict_id = ? ORDER BY path")) < 0)
		return err;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		braid_conflict_file *n = realloc(c->files, (c->nfiles + 1) * sizeof(*n)), *f;
		if (!n) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		c->files = n;
		f = &n[c->nfiles++];
		f->path = braid_store__col_strdup(st, 0);
		f->kind = braid_store__col_strdup(st, 1);
		f->description = braid_store__col_strdup(st, 2);
		f->base_oid = braid_store__col_strdup(st, 3);
		f->ours_oid = braid_store__col_strdup(st, 4);
		f->theirs_oid = braid_store__col_strdup(st, 5);
		f->ours_path = braid_store__col_strdup(st, 6);
		f->theirs_path = braid_store__col_strdup(st, 7);
		f->regions = braid_store__col_strdup(st, 8);
		f->ours_origin = braid_store__col_strdup(st, 9);
		if (!f->path || !f->kind || !f->regions) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
	}
	if (!err && rc != SQLITE_DONE)
		err = braid_store__error(ctx->store, "cannot read conflict files");
	sqlite3_reset(st);
	return err;
}

#define CONFLICT_SELECT                                                                            \
	"SELECT c.id, c.submission_id, c.change_id, c.agent_id, a.name, c.base_commit,"            \
	" c.ours_commit, c.theirs_commit, c.state, c.op_id, c.resolved_op, c.created_at,"          \
	" c.updated_at FROM conflicts c LEFT JOIN agents a ON a.id = c.agent_id"

static int row_to_conflict(braid_conflict *c, sqlite3_stmt *st)
{
	memset(c, 0, sizeof(*c));
	c->id = braid_store__col_strdup(st, 0);
	c->submission_id = sqlite3_column_int64(st, 1);
	c->change_id = braid_store__col_strdup(st, 2);
	c->agent_id = braid_store__col_strdup(st, 3);
	c->agent_name = braid_store__col_strdup(st, 4);
	c->base_commit = braid_store__col_strdup(st, 5);
	c->ours_commit = braid_store__col_strdup(st, 6);
	c->theirs_commit = braid_store__col_strdup(st, 7);
	c->state = braid_store__col_strdup(st, 8);
	c->op_id = braid_store__col_strdup(st, 9);
	c->resolved_op = braid_store__col_strdup(st, 10);
	c->created_at = sqlite3_column_int64(st, 11);
	c->updated_at = sqlite3_column_int64(st, 12);
	return c->id && c->change_id && c->agent_id && c->state
	           ? 0
	           : braid_error_set(BRAID_ENOMEM, "out of memory");
}

int braid_conflict_get(braid_conflict **out, braid_ctx *ctx, const char *id)
{
	sqlite3_stmt *st;
	braid_conflict *c;
	size_t i, n = id ? strlen(id) : 0;
	int err;

	if (n < 1 || n > 16)
		return braid_error_set(BRAID_EINVALID,
		                       "conflict id '%s' is not valid; see 'braid "
		                       "conflicts'",
		                       id ? id : "");
	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", id[i]))
			return braid_error_set(BRAID_EINVALID,
			                       "conflict id '%s' is not valid (hex digits); see "
			                       "'braid conflicts'",
			                       id);
	if ((err = braid_store__stmt(&st, ctx->store,
	                             CONFLICT_SELECT " WHERE c.id GLOB ?1 || '*' LIMIT 2")) < 0)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOTFOUND, "no conflict '%s'; see 'braid conflicts'",
		                       id);
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	err = row_to_conflict(c, st);
	if (!err && sqlite3_step(st) == SQLITE_ROW)
		err = braid_error_set(BRAID_EINVALID,
		                      "conflict id '%s' is ambiguous; give more digits", id);
	sqlite3_reset(st);
	if (!err)
		err = load_files(c, ctx);
	if (err < 0) {
		braid_conflict_free(c);
		return err;
	}
	*out = c;
	return 0;
}

int braid_conflict_list_all(braid_conflict_list **out, braid_ctx *ctx, const char *state)
{
	sqlite3_stmt *st;
	braid_conflict_list *l;
	int err = 0, rc;
	size_t i;

	if (!state)
		state = "open";
	if ((err = braid_store__stmt(&st, ctx->store,
	                             CONFLICT_SELECT " WHERE ?1 = 'all' OR c.state = ?1"
	                                             " OR (?1 = 'open' AND c.state = 'resolving')"
	                                             " ORDER BY c.created_at DESC, c.id")) < 0)
		return err;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	if (!(l = calloc(1, sizeof(*l)))) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		braid_conflict *n = realloc(l->items, (l->count + 1) * sizeof(*n));
		if (!n) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		l->items = n;
		if ((err = row_to_conflict(&l->items[l->count++], st)) < 0)
			break;
	}
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = braid_store__error(ctx->store, "cannot list conflicts");
	sqlite3_reset(st);
	for (i = 0; !err && i < l->count; i++)
		err = load_files(&l->items[i], ctx);
	if (err < 0) {
		braid_conflict_list_free(l);
		return err;
	}
	*out = l;
	return 0;
}

int braid_conflict_side(char **out, size_t *len, braid_ctx *ctx, const braid_conflict_file *f,
                        const char *side)
{
	const char *hex;
	git_oid oid;
	git_blob *b = NULL;

	if (!strcmp(side, "base"))
		hex = f->base_oid;
	else if (!strcmp(side, "ours"))
		hex = f->ours_oid;
	else if (!strcmp(side, "theirs"))
		hex = f->theirs_oid;
	else
		return braid_error_set(BRAID_EINVALID,
		                       "side must be base, ours or theirs, not '%s'", side);
	if (!hex) {
		*out = NULL;
		*len = 0;
		return 0;
	}
	if (git_oid_fromstr(&oid, hex) < 0 || git_blob_lookup(&b, ctx->git, &oid) < 0)
		return braid_error_set(BRAID_ENOTFOUND,
		                       "blob %s of '%s' is missing from the repository", hex,
		                       f->path);
	*len = (size_t)git_blob_rawsize(b);
	*out = malloc(*len + 1);
	if (!*out) {
		git_blob_free(b);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	memcpy(*out, git_blob_rawcontent(b), *len);
	(*out)[*len] = '\0';
	git_blob_free(b);
	return 0;
}

int braid_conflict__record(braid_conflict *c, braid_ctx *ctx)
{
	unsigned char raw[4];
	char id[9];
	sqlite3_stmt *st;
	json_t *files = NULL, *p = NULL;
	char *payload = NULL;
	int64_t now = braid_time_now_ms();
	size_t i;
	int err;

	randombytes_buf(raw, sizeof(raw));
	braid_hex_encode(id, raw, sizeof(raw));
	free(c->id);
	if (!(c->id = braid_strdup(id)))
		return BRAID_ENOMEM;
	files = json_array();
	for (i = 0; files && i < c->nfiles; i++)
		json_array_append_new(files, json_pack("{s:s, s:s}", "path", c->files[i].path,
		                                       "kind", c->files[i].kind));
	p = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o}", "conflict", id, "submission",
	              (json_int_t)c->submission_id, "change", c->change_id, "base", c->base_commit,
	              "main", c->ours_commit, "submitted", c->theirs_commit, "files", files);
	payload = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(p);
	if (!payload)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	free(c->op_id);
	c->op_id = NULL;
	err = braid_op_record(&c->op_id, ctx, c->agent_id, "conflict", payload);
	free(payload);
	if (err < 0)
		return err;
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "INSERT INTO conflicts(id, submission_id, change_id, agent_id,"
	         " base_commit, ours_commit, theirs_commit, state, op_id, created_at,"
	         " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->submission_id);
	sqlite3_bind_text(st, 3, c->change_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->agent_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->base_commit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->ours_commit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->theirs_commit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, c->op_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, now);
	sqlite3_bind_int64(st, 10, now);
	if ((err = braid_store__step_done(ctx->store, st, "cannot record conflict")) < 0)
		return err;
	for (i = 0; i < c->nfiles; i++) {
		braid_conflict_file *f = &c->files[i];
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "INSERT OR REPLACE INTO conflict_files(conflict_id, path,"
		         " kind, base_oid, ours_oid, theirs_oid, ours_path,"
		         " theirs_path, regions, ours_origin, description)"
		         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
			return err;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, f->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, f->kind, -1, SQLITE_STATIC);
		braid_store__bind_text(st, 4, f->base_oid);
		braid_store__bind_text(st, 5, f->ours_oid);
		braid_store__bind_text(st, 6, f->theirs_oid);
		braid_store__bind_text(st, 7, f->ours_path);
		braid_store__bind_text(st, 8, f->theirs_path);
		sqlite3_bind_text(st, 9, f->regions ? f->regions : "[]", -1, SQLITE_STATIC);
		braid_store__bind_text(st, 10, f->ours_origin);
		braid_store__bind_text(st, 11, f->description);
		if ((err = braid_store__step_done(ctx->store, st, "cannot record conflict file")) <
		    0)
			return err;
	}
	return 0;
}

int braid_conflict__set_state(braid_ctx *ctx, const char *id, const char *state,
                              const char *resolved_op)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             "UPDATE conflicts SET state = ?2,"
	                             " resolved_op = coalesce(?3, resolved_op), updated_at = ?4"
	                             " WHERE id = ?1")) < 0)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	braid_store__bind_text(st, 3, resolved_op);
	sqlite3_bind_int64(st, 4, braid_time_now_ms());
	return braid_store__step_done(ctx->store, st, "cannot update conflict");
}

int braid_conflict__supersede_change(braid_ctx *ctx, const char *change_id)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             "UPDATE conflicts SET state = 'superseded', updated_at = ?2"
	                             " WHERE change_id = ?1 AND state IN ('open', 'resolving')")) <
	    0)
		return err;
	sqlite3_bind_text(st, 1, change_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, braid_time_now_ms());
	return braid_store__step_done(ctx->store, st, "cannot update conflicts");
}
