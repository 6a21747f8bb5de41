/*
 * submit.c: `braid submit`. The snapshot is committed onto the change and
 * queued durably (SQLite commit with synchronous=FULL, git objects fsynced)
 * before anything is merged, so an acknowledged submission can never be
 * lost; then this process drives the queue until its submission is decided.
 */
#include "common.h"
#include "braid/change.h"
#include "braid/conflict.h"
#include "braid/queue.h"
#include "braid/repo.h"
#include "change/change_int.h"
#include "converge/converge_int.h"
#include "ctx/ctx_int.h"
#include "util/buf.h"
#include "util/fault.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/time.h"
#include "workspace/workspace_int.h"

#include <jansson.h>

void braid_submit_result_free(braid_submit_result *r)
{
	if (!r)
		return;
	free(r->state);
	free(r->change_id);
	free(r->snapshot_commit);
	free(r->land_commit);
	free(r->conflict_id);
	free(r->op_id);
	free(r->update_note);
	free(r->detail);
	free(r);
}

static int64_t queued_for_change(braid_ctx *ctx, const char *change_id)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	if (braid_store__stmt(&st, ctx->store,
			      "SELECT id FROM submissions WHERE change_id = ?"
			      " AND state IN ('pending', 'landing') ORDER BY id DESC LIMIT 1") < 0)
		return 0;
	sqlite3_bind_text(st, 1, change_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* A resolution must not be submitted with braid's conflict markers still in it. */
static int check_markers(braid_ctx *ctx, const braid_workspace *ws, const char *conflict_id)
{
	braid_conflict *k = NULL;
	braid_buf path = BRAID_BUF_INIT, content = BRAID_BUF_INIT, bad = BRAID_BUF_INIT;
	size_t i;
	int err;

	if ((err = braid_conflict_get(&k, ctx, conflict_id)) < 0)
		return err;
	for (i = 0; i < k->nfiles && !err; i++) {
		if ((err = braid_path_join(&path, ws->path, k->files[i].path)) < 0)
			break;
		if (braid_fs_read(&content, path.ptr, 256u << 20) < 0) {
			braid_error_clear();
			continue;
		}
		if ((strstr(content.ptr, "<<<<<<< main") ||
		     strstr(content.ptr, ">>>>>>> submitted")) &&
		    (err = braid_buf_printf(&bad, "%s%s", bad.size ? ", " : "", k->files[i].path)) <
		        0)
			break;
	}
	if (!err && bad.size)
		err =
		    braid_error_set(BRAID_ESTATE,
				      "conflict markers are still in %s; edit them out, then submit "
				      "again",
				      bad.ptr);
	braid_buf_dispose(&path);
	braid_buf_dispose(&content);
	braid_buf_dispose(&bad);
	braid_conflict_free(k);
	return err;
}

static int enqueue(int64_t *id, braid_ctx *ctx, const braid_workspace *ws,
		   const braid_workspace_snap *snap, const char *message, const char *resolves)
{
	char bhex[GIT_OID_HEXSZ + 1], hhex[GIT_OID_HEXSZ + 1];
	sqlite3_stmt *st;
	int64_t now = braid_time_now_ms();
	int err;

	if ((err = braid_store_begin(ctx->store)) < 0)
		return err;
	if ((err = braid_store__stmt(
	         &st, ctx->store,
				     "INSERT INTO submissions(change_id, agent_id, workspace_id,"
				     " base_commit, head_commit, message, resolves, state, snapshot_op,"
				     " created_at, updated_at)"
				     " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)")) < 0)
		goto rollback;
	sqlite3_bind_text(st, 1, snap->change_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ws->agent_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ws->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, braid_repo_oid_hex(bhex, &snap->base), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, braid_repo_oid_hex(hhex, &snap->head), -1, SQLITE_STATIC);
	braid_store__bind_text(st, 6, message);
	braid_store__bind_text(st, 7, resolves);
	braid_store__bind_text(st, 8, snap->op_id);
	sqlite3_bind_int64(st, 9, now);
	sqlite3_bind_int64(st, 10, now);
	if ((err = braid_store__step_done(ctx->store, st, "cannot queue the submission")) < 0)
		goto rollback;
	*id = sqlite3_last_insert_rowid(ctx->store->db);
	if ((err = braid_change__set(ctx, snap->change_id, "submitted", NULL, NULL, NULL)) < 0)
		goto rollback;
	return braid_store_commit(ctx->store);
rollback:
	braid_store_rollback(ctx->store);
	return err;
}

/*
 * The coordination table, honoured at submit: another agent's L3/L4 intent
 * on what this submission touches, or a region that changed since this
 * agent read it (hash-checked), refuses the submission. Nothing is lost:
 * the snapshot stays on the change and `braid submit` can be retried.
 * Sets res->state = "refused" with the reason in res->detail.
 */
static int check_intents(braid_submit_result *res, braid_ctx *ctx, const braid_workspace *ws,
			 const braid_converge_touches *t)
{
	braid_intent_stale_list *stale = NULL;
	json_t *d = NULL;
	size_t i, j;
	int err;

	err = braid_intent_check_submit(ctx, ws->agent_id, t->items, t->count);
	if (err == BRAID_ELOCKED) {
		d = json_pack("{s:s, s:s}", "reason", "locked", "message", braid_error_last());
		goto refused;
	}
	if (err < 0)
		return err;
	err = braid_intent_check_reads(&stale, ctx, ws->agent_id, t->items, t->count, NULL);
	if (err == BRAID_ESTALE) {
		json_t *regions = json_array();
		for (i = 0; stale && i < stale->count; i++) {
			braid_intent_stale *r = &stale->items[i];
			json_t *who = json_array();
			for (j = 0; j < r->nchangers; j++)
				json_array_append_new(
					who, json_pack("{s:s?, s:s?, s:s?, s:s?}", "agent",
						       r->changers[j].agent_name, "agent_id",
						       r->changers[j].agent_id, "op", r->changers[j].op_id,
						       "commit", r->changers[j].commit));
			json_array_append_new(regions,
					      json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:o}", "path",
							r->path, "symbol", r->symbol, "read_hash",
							r->read_hash, "now_hash", r->now_hash, "diff",
							r->diff, "changed_by", who));
		}
		braid_intent_stale_list_free(stale);
		d = json_pack("{s:s, s:s, s:o}", "reason", "stale", "message", braid_error_last(),
			      "stale", regions);
		goto refused;
	}
	braid_intent_stale_list_free(stale);
	return err;
refused:
	res->state = braid_strdup("refused");
	res->detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
	json_decref(d);
	braid_error_clear();
	return res->state && res->detail ? 0 : braid_error_set(BRAID_ENOMEM, "out of memory");
}

int braid_converge_submit(braid_submit_result **out, braid_ctx *ctx,
			  const braid_submit_options *opts)
{
	braid_submit_options defaults = BRAID_SUBMIT_OPTIONS_INIT;
	braid_queue_drive_options dopts = BRAID_QUEUE_DRIVE_OPTIONS_INIT;
	braid_workspace *ws = NULL;
	braid_change *ch = NULL;
	braid_workspace_snap snap = {0};
	braid_submission *sub = NULL;
	braid_submit_result *res = NULL;
	braid_converge_touches touches = {0};
	char hex[GIT_OID_HEXSZ + 1];
	int64_t id, earlier;
	int err, update;

	if (!opts)
		opts = &defaults;
	update = opts->update >= 0 ? opts->update : braid_ctx_config_bool(ctx, "submit.update", 1);
	if (!(res = calloc(1, sizeof(*res))))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if ((err = braid_workspace__current(&ws, ctx)) < 0)
		goto fail;
	/* One submission per change in flight: let an earlier one finish first. */
	dopts.progress = opts->progress;
	dopts.payload = opts->payload;
	dopts.spawn_argv = opts->version >= 1 && opts->driver_argv ? opts->driver_argv
								   : braid_global_queue_driver();
	if (ws->change_id && (earlier = queued_for_change(ctx, ws->change_id)) != 0) {
		dopts.until_id = earlier;
		if ((err = braid_queue_drive(ctx, &dopts, NULL)) < 0)
			goto fail;
		braid_workspace_free(ws);
		ws = NULL;
		if ((err = braid_workspace__current(&ws, ctx)) < 0)
			goto fail;
	}
	if ((err = braid_change_get(&ch, ctx, ws->change_id)) < 0)
		goto fail;
	if (ch->resolving && (err = check_markers(ctx, ws, ch->resolving)) < 0)
		goto fail;
	if ((err = braid_workspace__snapshot(&snap, ctx, ws, opts->message)) < 0)
		goto fail;
	res->change_id = braid_strdup(snap.change_id);
	res->snapshot_commit = braid_strdup(braid_repo_oid_hex(hex, &snap.head));
	if (!snap.has_work) {
		res->state = braid_strdup("nothing");
		goto ok;
	}
	if ((err = braid_converge__touches(&touches, ctx->git, &snap.base, &snap.head)) < 0 ||
	    (err = check_intents(res, ctx, ws, &touches)) < 0)
		goto fail;
	if (res->state)
		goto ok;
	if ((err = enqueue(&id, ctx, ws, &snap, opts->message, ch->resolving)) < 0)
		goto fail;
	res->submission_id = id;
	BRAID_FAULT("after-snapshot");
	if (!opts->wait) {
		res->state = braid_strdup("pending");
		/* With a gate, someone must drive: start the background driver. */
		dopts.until_id = 0;
		if (dopts.spawn_argv && (err = braid_queue_spawn_driver(ctx, dopts.spawn_argv)) < 0)
			goto fail;
		goto ok;
	}
	dopts.until_id = id;
	if ((err = braid_queue_drive(ctx, &dopts, NULL)) < 0 ||
	    (err = braid_converge__load(&sub, ctx, id)) < 0)
		goto fail;
	res->state = braid_strdup(sub->state);
	res->land_commit = sub->land_commit ? braid_strdup(sub->land_commit) : NULL;
	res->conflict_id = sub->conflict_id ? braid_strdup(sub->conflict_id) : NULL;
	res->op_id = sub->result_op ? braid_strdup(sub->result_op) : NULL;
	res->detail = sub->detail ? braid_strdup(sub->detail) : NULL;
	if (sub->detail) {
		json_t *d = json_loads(sub->detail, 0, NULL);
		res->merged_regions =
		    (size_t)json_integer_value(json_object_get(d, "merged_regions"));
		json_decref(d);
	}
	/* Intents on what landed were released by whoever landed it (on_decided, lander.c). */
	if (!strcmp(sub->state, "landed") && update) {
		braid_update_result *ur = NULL;
		int uerr = braid_converge_update(&ur, ctx);
		if (uerr == 0) {
			res->updated =
			    !strcmp(ur->state, "updated") || !strcmp(ur->state, "up-to-date");
		} else {
			res->update_note = braid_sprintf_alloc(
				"the workspace stays on your snapshot: %s", braid_error_last());
			braid_error_clear();
		}
		braid_update_result_free(ur);
	}
ok:
	if (!res->state) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto fail;
	}
	*out = res;
	res = NULL;
	err = 0;
	goto done;
fail:
	braid_submit_result_free(res);
done:
	braid_converge__touches_free(&touches);
	braid_submission_free(sub);
	braid_workspace__snap_clear(&snap);
	braid_change_free(ch);
	braid_workspace_free(ws);
	return err;
}
