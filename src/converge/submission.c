/* submission.c: submission rows (the landing queue) — reading and updating. */
#include "common.h"
#include "converge/converge_int.h"
#include "ctx/ctx_int.h"
#include "util/time.h"

static void sub_clear(braid_submission *s)
{
	free(s->change_id);
	free(s->agent_id);
	free(s->agent_name);
	free(s->workspace_id);
	free(s->base_commit);
	free(s->head_commit);
	free(s->message);
	free(s->resolves);
	free(s->state);
	free(s->land_commit);
	free(s->conflict_id);
	free(s->result_op);
	free(s->detail);
}

void braid_submission_free(braid_submission *s)
{
	if (s) {
		sub_clear(s);
		free(s);
	}
}

void braid_submission_list_free(braid_submission_list *l)
{
	size_t i;
	if (!l)
		return;
	for (i = 0; i < l->count; i++)
		sub_clear(&l->items[i]);
	free(l->items);
	free(l);
}

#define SUB_SELECT                                                                                 \
	"SELECT s.id, s.change_id, s.agent_id, a.name, s.workspace_id, s.base_commit,"             \
	" s.head_commit, s.message, s.resolves, s.state, s.land_commit, s.conflict_id,"            \
	" s.result_op, s.detail, s.created_at, s.updated_at"                                       \
	" FROM submissions s LEFT JOIN agents a ON a.id = s.agent_id"

static int row_to_sub(braid_submission *s, sqlite3_stmt *st)
{
	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	s->change_id = braid_store__col_strdup(st, 1);
	s->agent_id = braid_store__col_strdup(st, 2);
	s->agent_name = braid_store__col_strdup(st, 3);
	s->workspace_id = braid_store__col_strdup(st, 4);
	s->base_commit = braid_store__col_strdup(st, 5);
	s->head_commit = braid_store__col_strdup(st, 6);
	s->message = braid_store__col_strdup(st, 7);
	s->resolves = braid_store__col_strdup(st, 8);
	s->state = braid_store__col_strdup(st, 9);
	s->land_commit = braid_store__col_strdup(st, 10);
	s->conflict_id = braid_store__col_strdup(st, 11);
	s->result_op = braid_store__col_strdup(st, 12);
	s->detail = braid_store__col_strdup(st, 13);
	s->created_at = sqlite3_column_int64(st, 14);
	s->updated_at = sqlite3_column_int64(st, 15);
	return s->change_id && s->agent_id && s->base_commit && s->head_commit && s->state
	           ? 0
	           : braid_error_set(BRAID_ENOMEM, "out of memory");
}

int braid_converge__load(braid_submission **out, braid_ctx *ctx, int64_t id)
{
	sqlite3_stmt *st;
	braid_submission *s;
	int err;

	if ((err = braid_store__stmt(&st, ctx->store, SUB_SELECT " WHERE s.id = ?")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOTFOUND, "no submission %lld; see 'braid queue'",
		                       (long long)id);
	}
	if (!(s = calloc(1, sizeof(*s)))) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	err = row_to_sub(s, st);
	sqlite3_reset(st);
	if (err < 0) {
		braid_submission_free(s);
		return err;
	}
	*out = s;
	return 0;
}

int braid_submission_get(braid_submission **out, braid_ctx *ctx, int64_t id)
{
	return braid_converge__load(out, ctx, id);
}

int braid_submission_list_recent(braid_submission_list **out, braid_ctx *ctx, const char *state,
                                 size_t limit)
{
	sqlite3_stmt *st;
	braid_submission_list *l;
	int err = 0, rc;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             SUB_SELECT
	                             " WHERE ?1 IS NULL OR s.state = ?1"
	                             " OR (?1 = 'queued' AND s.state IN ('pending', 'landing'))"
	                             " ORDER BY s.id DESC LIMIT ?2")) < 0)
		return err;
	braid_store__bind_text(st, 1, state);
	sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
	if (!(l = calloc(1, sizeof(*l)))) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		braid_submission *n = realloc(l->items, (l->count + 1) * sizeof(*n));
		if (!n) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		l->items = n;
		if ((err = row_to_sub(&l->items[l->count++], st)) < 0)
			break;
	}
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = braid_store__error(ctx->store, "cannot list submissions");
	sqlite3_reset(st);
	if (err < 0) {
		braid_submission_list_free(l);
		return err;
	}
	*out = l;
	return 0;
}

int64_t braid_converge__queued_for_change(braid_ctx *ctx, const char *change_id)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	if (braid_store__stmt(&st, ctx->store,
	                      "SELECT id FROM submissions WHERE change_id = ?"
	                      " AND state IN ('pending', 'landing') ORDER BY id DESC LIMIT 1") <
	    0) {
		braid_error_clear();
		return 0;
	}
	sqlite3_bind_text(st, 1, change_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

int braid_converge__decided(braid_ctx *ctx, int64_t id)
{
	sqlite3_stmt *st;
	int decided = 1;

	if (braid_store__stmt(&st, ctx->store, "SELECT state FROM submissions WHERE id = ?") < 0) {
		braid_error_clear();
		return 1;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 0);
		decided = strcmp(state, "pending") && strcmp(state, "landing");
	}
	sqlite3_reset(st);
	return decided;
}

int braid_converge__set_submission(braid_ctx *ctx, int64_t id, const char *state,
                                   const char *land_commit, const char *expected_main,
                                   const char *conflict_id, const char *result_op,
                                   const char *detail)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "UPDATE submissions SET state = coalesce(?2, state),"
	         " land_commit = coalesce(?3, land_commit),"
	         " expected_main = coalesce(?4, expected_main),"
	         " conflict_id = coalesce(?5, conflict_id),"
	         " result_op = coalesce(?6, result_op), detail = coalesce(?7, detail),"
	         " updated_at = ?8 WHERE id = ?1")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, id);
	braid_store__bind_text(st, 2, state);
	braid_store__bind_text(st, 3, land_commit);
	braid_store__bind_text(st, 4, expected_main);
	braid_store__bind_text(st, 5, conflict_id);
	braid_store__bind_text(st, 6, result_op);
	braid_store__bind_text(st, 7, detail);
	sqlite3_bind_int64(st, 8, braid_time_now_ms());
	return braid_store__step_done(ctx->store, st, "cannot update submission");
}

char *braid_converge__files_json(const braid_tm_result *r)
{
	json_t *files = json_array(), *j;
	size_t i;
	char *s;

	for (i = 0; files && i < r->nfiles; i++) {
		const braid_tm_file *f = &r->files[i];
		json_array_append_new(
		    files, json_pack("{s:s, s:b, s:s, s:s?, s:I, s:I, s:O?, s:s?}", "path", f->path,
		                     "clean", f->clean, "kind", braid_merge_kind_name(f->kind),
		                     "description", f->description, "merged_regions",
		                     (json_int_t)f->merged_regions, "conflict_regions",
		                     (json_int_t)f->conflict_regions, "regions", f->regions,
		                     "rewrite", f->rewrite_note));
	}
	j = json_pack("{s:o, s:O, s:I}", "files", files, "changed", r->theirs_paths,
	              "merged_regions", (json_int_t)r->merged_regions);
	s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!s)
		braid_error_set(BRAID_ENOMEM, "out of memory");
	return s;
}
