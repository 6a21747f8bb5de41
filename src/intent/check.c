/*
 * check.c: what the submit engine asks the intent table. Does a submission
 * touch something another agent holds at L3/L4 (then it waits, pending)?
 * And, once it landed, which of the submitter's intents did it cover (they
 * are released, if intent.release-on-submit)?
 */
#include "common.h"
#include "intent/intent_int.h"
#include "util/path.h"
#include "util/time.h"

int braid_intent__ranges_hit(const braid_intent_touch *touch, int64_t sl, int64_t el)
{
	size_t i;

	if (!touch->nranges || sl < 0)
		return 1;
	for (i = 0; i < touch->nranges; i++) {
		int64_t s = (int64_t)touch->ranges[i].start, e = (int64_t)touch->ranges[i].end;
		if (s == e) {
			/* Lines were deleted just before line s: inside when s is past the first
			 * line. */
			if (s > sl && s <= el)
				return 1;
		} else if (s <= el && e > sl) {
			return 1;
		}
	}
	return 0;
}

int braid_intent__symbol_touched(const braid_intent_touch *touch, const char *symbol)
{
	size_t s = 0, e = 0;
	int64_t sl = 0, el = 0;

	if (touch->change != BRAID_INTENT_MODIFIED || !touch->content || !touch->nranges)
		return 1;
	if (braid_intent__find_symbol(&s, &e, &sl, &el, NULL, touch->path, touch->content,
	                              touch->content_len, symbol) < 0) {
		braid_error_clear();
		return 1; /* gone, renamed or unparsable: count it as touched */
	}
	return braid_intent__ranges_hit(touch, sl, el);
}

static int touch_is_structural(const braid_intent_touch *t, char **globs)
{
	if (t->change != BRAID_INTENT_MODIFIED)
		return 1;
	return braid_intent__is_structure_path(globs, t->path, 0) ||
	       (t->old_path && braid_intent__is_structure_path(globs, t->old_path, 0));
}

/* Does hold (kind, path, symbol) of another agent meet touch `t`? */
static int hold_meets(const itarget *h, const braid_intent_touch *t, char **globs)
{
	switch (h->kind) {
	case ITARGET_STRUCTURE:
		return touch_is_structural(t, globs);
	case ITARGET_GLOB:
		return braid_intent__glob_match(h->path, t->path) ||
		       (t->old_path && braid_intent__glob_match(h->path, t->old_path));
	case ITARGET_FILE:
		return !strcmp(h->path, t->path) || (t->old_path && !strcmp(h->path, t->old_path));
	case ITARGET_SYMBOL:
		if (strcmp(h->path, t->path) && !(t->old_path && !strcmp(h->path, t->old_path)))
			return 0;
		return braid_intent__symbol_touched(t, h->symbol);
	}
	return 1;
}

int braid_intent_check_submit(braid_ctx *ctx, const char *agent_id,
                              const braid_intent_touch *touches, size_t ntouches)
{
	sqlite3_stmt *st;
	char **globs = NULL;
	braid_buf msg = BRAID_BUF_INIT;
	int64_t now = braid_time_now_ms();
	size_t blocked = 0, i;
	int err, rc, own_read = 0;

	BRAID_ASSERT_ARG(ctx && (touches || !ntouches));
	if (!agent_id && (err = braid_ctx_require_agent(&agent_id, ctx)) < 0)
		return err;
	for (i = 0; i < ntouches; i++) {
		BRAID_ASSERT_ARG(touches[i].path);
		if ((err = braid_path_validate_rel(touches[i].path)) < 0)
			return err;
	}
	if ((err = braid_intent__structure_globs(&globs, ctx)) < 0)
		return err;
	if (!ctx->store->in_txn) {
		if ((err = braid_store__exec(ctx->store, "BEGIN DEFERRED")) < 0)
			goto done;
		own_read = 1;
	}
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT h.target, h.kind, h.path, h.symbol, h.level, h.activity, "
	         "h.expires_at, h.yield_by, a.name FROM intent_holds h LEFT JOIN "
	         "agents a ON a.id = h.agent_id WHERE h.level >= 3 AND h.ends_at > ? "
	         "AND h.agent_id != ? ORDER BY h.id")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, agent_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		itarget h = {0};
		const char *name = (const char *)sqlite3_column_text(st, 8);
		const char *activity = (const char *)sqlite3_column_text(st, 5);
		int64_t ends = sqlite3_column_int64(st, 6);
		int meets = 0;

		h.kind = (itarget_kind)braid_intent__kind_parse(
		    (const char *)sqlite3_column_text(st, 1));
		h.path = (char *)sqlite3_column_text(st, 2);
		h.symbol = (char *)sqlite3_column_text(st, 3);
		if (h.kind == ITARGET_SYMBOL && !h.symbol)
			h.kind = ITARGET_FILE;
		for (i = 0; i < ntouches && !meets; i++)
			meets = hold_meets(&h, &touches[i], globs);
		if (!meets)
			continue;
		blocked++;
		err = braid_buf_printf(
		    &msg, "%s'%s' is held by '%s' at %s%s%s%s, lease ends ", msg.size ? "; " : "",
		    (const char *)sqlite3_column_text(st, 0), name ? name : "?",
		    braid_intent_level_name(sqlite3_column_int(st, 4)), activity ? " (\"" : "",
		    activity ? activity : "", activity ? "\")" : "");
		if (!err)
			err = braid_time_format(&msg, ends);
		if (err < 0)
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = braid_store__error(ctx->store, "cannot read the intent holds");
	sqlite3_reset(st);
	if (err < 0)
		goto done;
	if (blocked)
		err = braid_error_set(
		    BRAID_ELOCKED,
		    "the submission touches what another agent holds: %s; it stays "
		    "pending; retry when the lease ends, or ask the holder to release",
		    msg.ptr);
done:
	if (own_read)
		sqlite3_exec(ctx->store->db, "COMMIT", NULL, NULL, NULL);
	braid_buf_dispose(&msg);
	braid_intent__strv_free(globs);
	return err;
}

int braid_intent_release_submitted(size_t *released, braid_ctx *ctx, const char *agent_id,
                                   const braid_intent_touch *touches, size_t ntouches)
{
	sqlite3_stmt *st;
	char **names = NULL;
	size_t n = 0, count = 0, i;
	int err = 0, rc, own = 0;

	BRAID_ASSERT_ARG(ctx && (touches || !ntouches));
	if (released)
		*released = 0;
	if (!agent_id && (err = braid_ctx_require_agent(&agent_id, ctx)) < 0)
		return err;
	if (!braid_ctx_config_bool(ctx, "intent.release-on-submit", 1) || !ntouches)
		return 0;
	if (!ctx->store->in_txn) {
		if ((err = braid_store_begin(ctx->store)) < 0)
			return err;
		own = 1;
	}
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT DISTINCT target, path FROM intent_holds WHERE agent_id = ? "
	         "AND level >= 2 AND kind IN ('file', 'symbol')")) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 1);
		int hit = 0;
		char **nv;
		for (i = 0; i < ntouches && !hit; i++)
			hit = !strcmp(touches[i].path, path) ||
			      (touches[i].old_path && !strcmp(touches[i].old_path, path));
		if (!hit)
			continue;
		if (!(nv = realloc(names, (n + 2) * sizeof(*names)))) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		names = nv;
		if (!(names[n] = braid_store__col_strdup(st, 0))) {
			err = BRAID_ENOMEM;
			break;
		}
		names[++n] = NULL;
	}
	if (!err && rc != SQLITE_DONE)
		err = braid_store__error(ctx->store, "cannot read the intent holds");
	sqlite3_reset(st);
	if (err < 0)
		goto fail;
	if (n && (err = braid_intent__release_internal(&count, ctx, agent_id, names)) < 0)
		goto fail;
	/* The submission is what the agent knows now: forget its reads of those files. */
	for (i = 0; i < ntouches; i++) {
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "DELETE FROM intent_reads WHERE agent_id = ? AND path IN (?, ?)")) < 0)
			goto fail;
		sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, touches[i].path, -1, SQLITE_STATIC);
		braid_store__bind_text(st, 3,
		                       touches[i].old_path ? touches[i].old_path : touches[i].path);
		if ((err = braid_store__step_done(ctx->store, st, "cannot forget reads")) < 0)
			goto fail;
	}
	if (own && (err = braid_store_commit(ctx->store)) < 0)
		goto done;
	if (released)
		*released = count;
	goto done;
fail:
	if (own)
		braid_store_rollback(ctx->store);
done:
	braid_intent__strv_free(names);
	return err;
}
