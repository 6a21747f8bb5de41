/*
 * lander.c: the landing queue's driver. One process at a time holds
 * .braid/lander.lock and decides submissions strictly in queue order, which
 * makes landing fair (FIFO) and bounded. Each landing goes through durable
 * steps so that a crash anywhere leaves main before or after it, never in
 * between, and the next driver finishes the job:
 *
 *   pending --merge--> landing(land_commit, expected_main) --CAS main--> landed
 *          \--conflict--> conflicted
 *
 * A submission found in `landing` is finished if main already contains its
 * commit, retried if main is still at expected_main, and re-merged otherwise.
 */
#include "common.h"
#include "braid/intent.h"
#include "braid/op.h"
#include "braid/queue.h"
#include "braid/repo.h"
#include "change/change_int.h"
#include "conflict/conflict_int.h"
#include "converge/converge_int.h"
#include "ctx/ctx_int.h"
#include "util/buf.h"
#include "util/fault.h"
#include "util/fs.h"
#include "util/time.h"
#include "workspace/workspace_int.h"

#include <fcntl.h>
#include <jansson.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CAS_ATTEMPTS 10

static char *hex_of(const git_oid *id)
{
	char buf[GIT_OID_HEXSZ + 1];
	return braid_strdup(braid_repo_oid_hex(buf, id));
}

int braid_converge__origin_json(char **out, braid_ctx *ctx, const git_oid *base,
                                const git_oid *main_oid, const char *path)
{
	git_revwalk *w = NULL;
	json_t *arr = json_array();
	git_oid id;
	sqlite3_stmt *st;
	int err = 0, n = 0;

	if (!arr)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if (git_revwalk_new(&w, ctx->git) < 0 || git_revwalk_push(w, main_oid) < 0 ||
	    git_revwalk_hide(w, base) < 0) {
		git_error_clear();
		goto done;
	}
	git_revwalk_simplify_first_parent(w);
	while (n++ < 1000 && git_revwalk_next(&id, w) == 0) {
		char hex[GIT_OID_HEXSZ + 1];
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "SELECT l.agent_id, a.name, l.op_id, l.files FROM landings l"
		         " LEFT JOIN agents a ON a.id = l.agent_id"
		         " WHERE l.commit_id = ?")) < 0)
			goto done;
		sqlite3_bind_text(st, 1, braid_repo_oid_hex(hex, &id), -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW) {
			json_t *files =
			    json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
			size_t i;
			int touched = 0;
			for (i = 0; files && i < json_array_size(files); i++) {
				const char *fp = json_string_value(json_array_get(files, i));
				if (fp && !strcmp(fp, path))
					touched = 1;
			}
			json_decref(files);
			if (touched)
				json_array_append_new(
				    arr, json_pack("{s:s?, s:s?, s:s?, s:s}", "agent",
				                   sqlite3_column_text(st, 0), "agent_name",
				                   sqlite3_column_text(st, 1), "op",
				                   sqlite3_column_text(st, 2), "commit", hex));
		} else {
			/* A commit made on main outside braid: name its author instead. */
			git_commit *c = NULL;
			if (git_commit_lookup(&c, ctx->git, &id) == 0) {
				json_array_append_new(
				    arr, json_pack("{s:n, s:s, s:s}", "agent", "author",
				                   git_commit_author(c)->name, "commit", hex));
				git_commit_free(c);
			}
		}
		sqlite3_reset(st);
	}
done:
	git_revwalk_free(w);
	if (!err) {
		*out = json_dumps(arr, JSON_COMPACT);
		if (!*out)
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	json_decref(arr);
	return err;
}

int braid_converge__record_conflict(braid_ctx *ctx, const braid_submission *s,
                                    const braid_tm_result *r, const git_oid *base,
                                    const git_oid *main_oid)
{
	braid_conflict c;
	size_t i, k = 0;
	char *detail = NULL, mainhex[GIT_OID_HEXSZ + 1];
	int err = 0;

	memset(&c, 0, sizeof(c));
	c.submission_id = s->id;
	c.change_id = s->change_id;
	c.agent_id = s->agent_id;
	c.base_commit = s->base_commit;
	c.theirs_commit = s->head_commit;
	c.ours_commit = braid_repo_oid_hex(mainhex, main_oid);
	if (!(c.files = calloc(r->conflicted ? r->conflicted : 1, sizeof(*c.files))))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	for (i = 0; i < r->nfiles && !err; i++) {
		const braid_tm_file *f = &r->files[i];
		braid_conflict_file *cf;
		if (f->clean)
			continue;
		cf = &c.files[k++];
		cf->path = (char *)f->path;
		cf->kind = (char *)braid_merge_kind_name(f->kind);
		cf->description = f->description;
		cf->base_oid = f->base_mode ? hex_of(&f->base) : NULL;
		cf->ours_oid = f->ours_mode ? hex_of(&f->ours) : NULL;
		cf->theirs_oid = f->theirs_mode ? hex_of(&f->theirs) : NULL;
		cf->ours_path = f->ours_path;
		cf->theirs_path = f->theirs_path;
		cf->regions = json_dumps(f->regions, JSON_COMPACT);
		err = braid_converge__origin_json(&cf->ours_origin, ctx, base, main_oid,
		                                  f->ours_path ? f->ours_path : f->path);
	}
	c.nfiles = k;
	if (err < 0 || !(detail = braid_converge__files_json(r)))
		goto done;
	if ((err = braid_store_begin(ctx->store)) < 0)
		goto done;
	if ((err = braid_conflict__record(&c, ctx)) < 0 ||
	    (err = braid_converge__set_submission(ctx, s->id, "conflicted", NULL, NULL, c.id,
	                                          c.op_id, detail)) < 0 ||
	    (err = braid_change__set(ctx, s->change_id, "conflicted", NULL, NULL, NULL)) < 0 ||
	    (err = braid_store_counter_add(ctx->store, "conflicted", 1)) < 0) {
		braid_store_rollback(ctx->store);
		goto done;
	}
	if ((err = braid_store_commit(ctx->store)) == 0)
		braid_converge__on_decided(ctx, s, "conflicted");
done:
	for (i = 0; i < k; i++) {
		free(c.files[i].base_oid);
		free(c.files[i].ours_oid);
		free(c.files[i].theirs_oid);
		free(c.files[i].regions);
		free(c.files[i].ours_origin);
	}
	free(c.files);
	free(c.id);
	free(c.op_id);
	free(detail);
	return err;
}

/*
 * Keep the main worktree in step when it has the target branch checked
 * out: update only files it has not modified (a SAFE checkout from the old
 * tree), so a human working there never loses an edit. Best effort: when it
 * cannot, `braid status` reports the root checkout as stale.
 */
static void carry_root_checkout(braid_ctx *ctx, const git_oid *old_main, const git_oid *new_main)
{
	git_reference *head = NULL;
	git_commit *oc = NULL, *nc = NULL;
	git_tree *ot = NULL;
	git_diff *diff = NULL;
	git_checkout_options co;
	char **paths = NULL;
	size_t npaths = 0;

	if (!braid_ctx_config_bool(ctx, "land.update-root", 1))
		return;
	if (git_repository_head(&head, ctx->git) < 0 || !git_reference_is_branch(head) ||
	    strcmp(git_reference_name(head), ctx->target) != 0)
		goto done;
	if (git_commit_lookup(&oc, ctx->git, old_main) < 0 || git_commit_tree(&ot, oc) < 0 ||
	    git_commit_lookup(&nc, ctx->git, new_main) < 0)
		goto done;
	/* Only the paths the landing changed: the rest of a big tree is not even looked at. */
	{
		git_tree *nt = NULL;
		size_t i;
		if (git_commit_tree(&nt, nc) < 0 ||
		    git_diff_tree_to_tree(&diff, ctx->git, ot, nt, NULL) < 0) {
			git_tree_free(nt);
			goto done;
		}
		git_tree_free(nt);
		npaths = git_diff_num_deltas(diff);
		if (!npaths || !(paths = calloc(2 * npaths, sizeof(char *))))
			goto done;
		for (i = 0; i < npaths; i++) {
			const git_diff_delta *d = git_diff_get_delta(diff, i);
			paths[2 * i] = (char *)d->old_file.path;
			paths[2 * i + 1] = (char *)d->new_file.path;
		}
	}
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_SAFE | GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH;
	co.baseline = ot;
	co.paths.strings = paths;
	co.paths.count = 2 * npaths;
	if (git_checkout_tree(ctx->git, (git_object *)nc, &co) < 0) {
		char *note =
		    braid_sprintf_alloc("could not update the main worktree: %s",
		                        git_error_last() ? git_error_last()->message : "?");
		if (note && braid_store_meta_set(ctx->store, "root_stale", note) < 0)
			braid_error_clear();
		free(note);
	} else if (braid_store_meta_set(ctx->store, "root_stale", "") < 0) {
		braid_error_clear();
	}
done:
	git_error_clear();
	free(paths);
	git_diff_free(diff);
	git_tree_free(ot);
	git_commit_free(oc);
	git_commit_free(nc);
	git_reference_free(head);
}

int braid_converge__finish_land(braid_ctx *ctx, const braid_submission *s, const git_oid *land,
                                const git_oid *prev, const char *extra)
{
	char lhex[GIT_OID_HEXSZ + 1], phex[GIT_OID_HEXSZ + 1];
	char *payload = NULL, *land_op = NULL, *resolve_op = NULL, *new_change = NULL, *ref = NULL;
	json_t *detail = s->detail ? json_loads(s->detail, 0, NULL) : NULL;
	json_t *files = detail ? json_object_get(detail, "changed") : NULL;
	json_t *p = NULL, *rewrites = json_array();
	sqlite3_stmt *st;
	braid_workspace *ws = NULL;
	git_oid head;
	size_t i;
	int err;

	braid_repo_oid_hex(lhex, land);
	braid_repo_oid_hex(phex, prev);
	for (i = 0; detail && i < json_array_size(json_object_get(detail, "files")); i++) {
		json_t *f = json_array_get(json_object_get(detail, "files"), i);
		if (json_is_string(json_object_get(f, "rewrite")))
			json_array_append(rewrites, json_object_get(f, "rewrite"));
	}
	if ((err = braid_repo_oid_parse(&head, s->head_commit)) < 0)
		goto done;
	if ((err = braid_store_begin(ctx->store)) < 0)
		goto done;
	if (s->resolves) {
		p = json_pack("{s:s, s:s, s:s, s:I}", "conflict", s->resolves, "change",
		              s->change_id, "commit", s->head_commit, "submission",
		              (json_int_t)s->id);
		payload = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_decref(p);
		if (!payload ||
		    (err = braid_op_record(&resolve_op, ctx, s->agent_id, "resolve", payload)) <
		        0 ||
		    (err = braid_conflict__set_state(ctx, s->resolves, "resolved", resolve_op)) < 0)
			goto rollback;
		free(payload);
		payload = NULL;
	}
	p = json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:O?, s:I, s:O, s:s?}", "submission", (json_int_t)s->id,
	    "change", s->change_id, "agent", s->agent_id, "commit", lhex, "prev_main", phex, "head",
	    s->head_commit, "files", files, "merged_regions",
	    (json_int_t)(detail ? json_integer_value(json_object_get(detail, "merged_regions"))
	                        : 0),
	    "rewrites", rewrites, "resolves", s->resolves);
	if (p && extra) {
		/* What verified it (gate run, batch) when a gate is configured. */
		json_t *x = json_loads(extra, 0, NULL);
		if (json_is_object(x))
			json_object_update(p, x);
		json_decref(x);
	}
	payload = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(p);
	if (!payload) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto rollback;
	}
	if ((err = braid_op_record(&land_op, ctx, s->agent_id, "land", payload)) < 0)
		goto rollback;
	if ((err = braid_converge__set_submission(ctx, s->id, "landed", lhex, NULL, NULL, land_op,
	                                          NULL)) < 0 ||
	    (err = braid_change__set(ctx, s->change_id, "landed", NULL, NULL, "")) < 0 ||
	    (err = braid_conflict__supersede_change(ctx, s->change_id)) < 0)
		goto rollback;
	if (!git_oid_equal(land, prev)) {
		char *fj = files ? json_dumps(files, JSON_COMPACT) : NULL;
		if ((err = braid_store__stmt(&st, ctx->store,
		                             "INSERT OR IGNORE INTO landings(commit_id, prev_main,"
		                             " submission_id, change_id, agent_id, op_id, files,"
		                             " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) < 0) {
			free(fj);
			goto rollback;
		}
		sqlite3_bind_text(st, 1, lhex, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, phex, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, s->id);
		sqlite3_bind_text(st, 4, s->change_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, s->agent_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, land_op, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, fj ? fj : "[]", -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 8, braid_time_now_ms());
		free(fj);
		if ((err = braid_store__step_done(ctx->store, st, "cannot record landing")) < 0)
			goto rollback;
	}
	/* The workspace continues on a fresh change based on what just landed. */
	if (s->workspace_id && braid_workspace_get(&ws, ctx, s->workspace_id) == 0 &&
	    !strcmp(ws->state, "active") && ws->change_id && !strcmp(ws->change_id, s->change_id)) {
		if ((err = braid_change__create(&new_change, ctx, s->agent_id, ws->id, &head)) <
		        0 ||
		    (err = braid_workspace__set_change(ctx, ws->id, new_change)) < 0)
			goto rollback;
	}
	braid_error_clear();
	if ((err = braid_store_counter_add(ctx->store, "landed", 1)) < 0 ||
	    (strcmp(phex, s->base_commit) != 0 &&
	     (err = braid_store_counter_add(ctx->store, "auto_merged", 1)) < 0))
		goto rollback;
	if ((err = braid_store_commit(ctx->store)) < 0)
		goto done;
	braid_converge__on_decided(ctx, s, "landed");
	/* Landed work is reachable from main; its change ref is no longer needed. */
	if ((ref = braid_change_refname(s->change_id)) &&
	    braid_repo_delete_ref(ctx->git, ref, NULL) < 0)
		braid_error_clear();
	if (!git_oid_equal(land, prev))
		carry_root_checkout(ctx, prev, land);
	goto done;
rollback:
	braid_store_rollback(ctx->store);
done:
	braid_workspace_free(ws);
	json_decref(detail);
	json_decref(rewrites);
	free(payload);
	free(land_op);
	free(resolve_op);
	free(new_change);
	free(ref);
	return err;
}

int braid_converge__land_message(braid_buf *msg, const braid_submission *s)
{
	const char *m = s->message && *s->message ? s->message : "submitted work";
	return braid_buf_printf(msg, "%s\n\nbraid: landed change %s from %s (submission %lld)\n", m,
	                        s->change_id, s->agent_name ? s->agent_name : s->agent_id,
	                        (long long)s->id);
}

/* Merge a pending submission onto main and land it, or record its conflict. */
static int merge_and_land(braid_ctx *ctx, braid_submission *s)
{
	git_oid base, head, main_oid, mtree, htree, land;
	braid_tm_result r = {0};
	char lhex[GIT_OID_HEXSZ + 1], mhex[GIT_OID_HEXSZ + 1];
	int attempt, err;

	if ((err = braid_repo_oid_parse(&base, s->base_commit)) < 0 ||
	    (err = braid_repo_oid_parse(&head, s->head_commit)) < 0)
		return err;
	for (attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
		char *detail = NULL;
		if ((err = braid_repo_ref_oid(&main_oid, ctx->git, ctx->target)) < 0 ||
		    (err = braid_treemerge(&r, ctx->git, &base, &main_oid, &head, &main_oid)) < 0)
			return err;
		BRAID_FAULT("after-merge");
		if (!r.clean) {
			err = braid_converge__record_conflict(ctx, s, &r, &base, &main_oid);
			braid_tm_result_clear(&r);
			return err;
		}
		if ((err = braid_repo_commit_tree(&mtree, ctx->git, &main_oid)) < 0 ||
		    (err = braid_repo_commit_tree(&htree, ctx->git, &head)) < 0)
			goto fail;
		if (git_oid_equal(&r.tree, &mtree)) {
			/* Everything it changed is already on main: nothing to add. */
			git_oid_cpy(&land, &main_oid);
		} else {
			git_commit *hc = NULL;
			int ff = 0;
			if (git_commit_lookup(&hc, ctx->git, &head) == 0) {
				ff = git_commit_parentcount(hc) == 1 &&
				     git_oid_equal(git_commit_parent_id(hc, 0), &main_oid) &&
				     git_oid_equal(&r.tree, &htree);
				git_commit_free(hc);
			}
			if (ff) {
				git_oid_cpy(&land, &head);
			} else {
				git_oid parents[2];
				braid_buf msg = BRAID_BUF_INIT;
				git_oid_cpy(&parents[0], &main_oid);
				git_oid_cpy(&parents[1], &head);
				err = braid_converge__land_message(&msg, s);
				if (!err)
					err = braid_repo_commit(&land, ctx->git, &r.tree, parents,
					                        2, s->agent_name, NULL, msg.ptr);
				braid_buf_dispose(&msg);
				if (err < 0)
					goto fail;
			}
		}
		if (!(detail = braid_converge__files_json(&r))) {
			err = BRAID_ENOMEM;
			goto fail;
		}
		braid_tm_result_clear(&r);
		err = braid_converge__set_submission(
		    ctx, s->id, "landing", braid_repo_oid_hex(lhex, &land),
		    braid_repo_oid_hex(mhex, &main_oid), NULL, NULL, detail);
		free(s->detail);
		s->detail = detail;
		if (err < 0)
			return err;
		BRAID_FAULT("before-ref-update");
		if (!git_oid_equal(&land, &main_oid)) {
			err = braid_repo_cas_ref(ctx->git, ctx->target, &land, &main_oid,
			                         "braid: land");
			if (err == BRAID_ESTALE) {
				/* main moved outside braid's queue: merge again with the new main.
				 */
				braid_error_clear();
				if ((err = braid_converge__set_submission(
				         ctx, s->id, "pending", NULL, NULL, NULL, NULL, NULL)) < 0)
					return err;
				continue;
			}
			if (err < 0)
				return err;
		}
		BRAID_FAULT("after-ref-update");
		return braid_converge__finish_land(ctx, s, &land, &main_oid, NULL);
	}
	return braid_error_set(BRAID_EBUSY,
	                       "main kept moving under submission %lld (%d attempts); submit again",
	                       (long long)s->id, MAX_CAS_ATTEMPTS);
fail:
	braid_tm_result_clear(&r);
	return err;
}

/* A submission a crashed driver left in `landing`: finish, retry or re-merge. */
static int recover_landing(braid_ctx *ctx, braid_submission *s, int *done)
{
	sqlite3_stmt *st;
	git_oid land, expected, main_oid;
	char *land_hex = NULL, *exp_hex = NULL;
	int err, anc;

	*done = 0;
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT land_commit, expected_main FROM submissions WHERE id = ?")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, s->id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		land_hex = braid_store__col_strdup(st, 0);
		exp_hex = braid_store__col_strdup(st, 1);
	}
	sqlite3_reset(st);
	if (!land_hex || !exp_hex || braid_repo_oid_parse(&land, land_hex) < 0 ||
	    braid_repo_oid_parse(&expected, exp_hex) < 0) {
		err = 0;
		goto done;
	}
	if ((err = braid_repo_ref_oid(&main_oid, ctx->git, ctx->target)) < 0)
		goto done;
	anc = braid_repo_is_ancestor(ctx->git, &land, &main_oid);
	if (anc < 0) {
		err = anc;
		goto done;
	}
	if (anc) {
		err = braid_converge__finish_land(ctx, s, &land, &expected, NULL);
		*done = 1;
		goto done;
	}
	if (git_oid_equal(&main_oid, &expected)) {
		if ((err = braid_repo_cas_ref(ctx->git, ctx->target, &land, &expected,
		                              "braid: land (recovered)")) == 0) {
			err = braid_converge__finish_land(ctx, s, &land, &expected, NULL);
			*done = 1;
			goto done;
		}
		if (err != BRAID_ESTALE)
			goto done;
		braid_error_clear();
	}
	err = braid_converge__set_submission(ctx, s->id, "pending", NULL, NULL, NULL, NULL, NULL);
done:
	free(land_hex);
	free(exp_hex);
	return err;
}

/*
 * The queue's hook for intents (the source design's "agent holds its lock
 * until verification passes"): an agent's intents on what it submitted are
 * kept while the submission waits and is verified, and released here, in
 * whichever process decided it, once it has durably landed. A submission
 * that failed verification or conflicted keeps them: its agent fixes the
 * same change and submits again (leases still expire by their TTL).
 */
void braid_converge__on_decided(braid_ctx *ctx, const braid_submission *s, const char *outcome)
{
	braid_converge_touches t = {0};
	git_oid base, head;

	if (strcmp(outcome, "landed") != 0)
		return;
	if (braid_repo_oid_parse(&base, s->base_commit) < 0 ||
	    braid_repo_oid_parse(&head, s->head_commit) < 0 ||
	    braid_converge__touches(&t, ctx->git, &base, &head) < 0 ||
	    braid_intent_release_submitted(NULL, ctx, s->agent_id, t.items, t.count) < 0)
		braid_error_clear(); /* leases expire anyway; landing is what counts */
	braid_converge__touches_free(&t);
}

int braid_converge__fail(braid_ctx *ctx, const braid_submission *s, const char *detail,
                         const char *op_kind, const char *op_payload)
{
	char *op = NULL;
	int err;

	if ((err = braid_store_begin(ctx->store)) < 0)
		return err;
	if ((op_kind && (err = braid_op_record(&op, ctx, s->agent_id, op_kind, op_payload)) < 0) ||
	    (err = braid_converge__set_submission(ctx, s->id, "failed", NULL, NULL, NULL, op,
	                                          detail)) < 0 ||
	    (err = braid_change__set(ctx, s->change_id, "failed", NULL, NULL, NULL)) < 0 ||
	    (err = braid_store_counter_add(ctx->store, "failed", 1)) < 0) {
		braid_store_rollback(ctx->store);
		goto done;
	}
	if ((err = braid_store_commit(ctx->store)) == 0)
		braid_converge__on_decided(ctx, s, "failed");
done:
	free(op);
	return err;
}

static int process_one(braid_ctx *ctx, int64_t id)
{
	braid_submission *s = NULL;
	int err, done = 0;

	if ((err = braid_converge__load(&s, ctx, id)) < 0)
		return err;
	if (!strcmp(s->state, "landing"))
		err = recover_landing(ctx, s, &done);
	if (!err && !done)
		err = merge_and_land(ctx, s);
	if (err < 0 && err != BRAID_ENOMEM) {
		/* Decide it anyway so the queue never wedges on one bad submission. */
		json_t *j = json_pack("{s:s, s:s}", "error", braid_error_last(), "code",
		                      braid_error_name(err));
		char *detail = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (braid_converge__fail(ctx, s, detail, NULL, NULL) < 0)
			braid_error_clear();
		free(detail);
		err = 0;
	}
	braid_submission_free(s);
	return err;
}

static int next_queued(int64_t *id, braid_ctx *ctx)
{
	sqlite3_stmt *st;
	int err, rc;

	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT id FROM submissions WHERE state IN ('pending', 'landing')"
	         " ORDER BY id LIMIT 1")) < 0)
		return err;
	rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return braid_store__error(ctx->store, "cannot read the queue");
	return 0;
}

struct wait_ctx {
	void (*progress)(void *payload, const char *what, long waited_ms);
	void *payload;
};

static void on_wait(void *p, long waited)
{
	struct wait_ctx *w = p;
	if (w->progress)
		w->progress(w->payload, "waiting for the lander", waited);
}

/* The gate-less queue: FIFO, each submission merged and landed at once. */
static int drive_fifo(braid_ctx *ctx, int64_t until_id, size_t *processed,
                      void (*progress)(void *payload, const char *what, long waited_ms),
                      void *payload)
{
	braid_flock lk = BRAID_FLOCK_INIT;
	struct wait_ctx w = {progress, payload};
	char *lockpath = braid_ctx__path(ctx, "lander.lock");
	size_t count = 0;
	int64_t id;
	int err;

	if (!lockpath)
		return BRAID_ENOMEM;
	err = braid_flock_acquire(&lk, lockpath, -1, on_wait, &w);
	free(lockpath);
	if (err < 0)
		return err;
	for (;;) {
		if (until_id && braid_converge__decided(ctx, until_id))
			break;
		if ((err = next_queued(&id, ctx)) < 0 || !id)
			break;
		if ((err = process_one(ctx, id)) < 0)
			break;
		count++;
	}
	braid_flock_release(&lk);
	if (processed)
		*processed = count;
	return err;
}

/* ---- who drives (gate mode) ------------------------------------------------ */

/* Anything left for a driver: undecided submissions or runs still going. */
static int queue_busy(braid_ctx *ctx)
{
	sqlite3_stmt *st;
	int busy = 0;

	if (braid_store__stmt(&st, ctx->store,
	                      "SELECT EXISTS (SELECT 1 FROM submissions WHERE state IN"
	                      " ('pending', 'landing')) OR EXISTS (SELECT 1 FROM gate_runs"
	                      " WHERE state IN ('running', 'cancelling') AND kind != 'verify')") <
	    0) {
		braid_error_clear();
		return 1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		busy = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return busy;
}

/*
 * Start the background driver unless one exists (it holds driver.lock for
 * its life). Double fork: it is nobody's child and outlives this process.
 */
static void spawn_driver(braid_ctx *ctx, const char *const *argv)
{
	braid_flock probe = BRAID_FLOCK_INIT;
	char *lockpath = braid_ctx__path(ctx, "driver.lock");
	char *logpath = braid_ctx__path(ctx, "lander.log");
	pid_t child;

	if (!lockpath || !logpath || braid_flock_acquire(&probe, lockpath, 0, NULL, NULL) < 0) {
		braid_error_clear();
		goto done;
	}
	braid_flock_release(&probe);
	(void)fflush(NULL); /* nothing buffered is written twice by the child */
	if ((child = fork()) == 0) {
		setsid();
		if (fork() == 0) {
			int fd, nul = open("/dev/null", O_RDWR);
			int log = open(logpath, O_WRONLY | O_APPEND | O_CREAT, 0644);
			for (fd = 3; fd < 1024; fd++)
				if (fd != nul && fd != log)
					close(fd);
			dup2(nul, 0);
			dup2(log >= 0 ? log : nul, 1);
			dup2(log >= 0 ? log : nul, 2);
			/* Crash points are for the process a test aims them at. */
			unsetenv("BRAID_CRASH_AT");
			if (chdir(ctx->root) == 0)
				execv(argv[0], (char *const *)argv);
			_exit(127);
		}
		_exit(0);
	}
	if (child > 0)
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
done:
	free(lockpath);
	free(logpath);
}

static void note_driver(braid_ctx *ctx, int driving)
{
	char buf[96];
	braid_buf when = BRAID_BUF_INIT;

	if (driving && braid_time_format(&when, braid_time_now_ms()) == 0)
		snprintf(buf, sizeof(buf), "pid %d since %s", (int)getpid(), when.ptr);
	else
		buf[0] = '\0';
	braid_buf_dispose(&when);
	if (braid_store_meta_set(ctx->store, "queue.driver", buf) < 0)
		braid_error_clear();
}

struct progress_ctx {
	braid_ctx *ctx;
	int64_t id;
	void (*progress)(void *payload, const char *what, long waited_ms);
	void *payload;
	int64_t start;
};

static void own_progress(void *p, const char *what, long waited)
{
	struct progress_ctx *pc = p;
	char line[256];

	BRAID_UNUSED(what);
	BRAID_UNUSED(waited);
	if (!pc->progress)
		return;
	braid_queue_describe(pc->ctx, pc->id, line, sizeof(line));
	pc->progress(pc->payload, line, (long)(braid_time_mono_ms() - pc->start));
}

int braid_queue_drive(braid_ctx *ctx, const braid_queue_drive_options *opts, size_t *processed)
{
	braid_queue_drive_options dflt = BRAID_QUEUE_DRIVE_OPTIONS_INIT;
	braid_flock lk = BRAID_FLOCK_INIT, bg = BRAID_FLOCK_INIT;
	struct progress_ctx pc;
	char *lockpath = NULL, *bgpath = NULL;
	int64_t next_report;
	size_t total = 0;
	int err = 0, gated;

	if (!opts)
		opts = &dflt;
	{
		char *cmd = NULL;
		if ((err = braid_ctx_config_string(&cmd, ctx, "gate.command", NULL)) < 0)
			return err;
		gated = cmd && *cmd;
		free(cmd);
	}
	if (!gated)
		return drive_fifo(ctx, opts->until_id, processed, opts->progress, opts->payload);
	pc.ctx = ctx;
	pc.id = opts->until_id;
	pc.progress = opts->progress;
	pc.payload = opts->payload;
	pc.start = braid_time_mono_ms();
	next_report = pc.start + 1000;
	if (!(lockpath = braid_ctx__path(ctx, "lander.lock")) ||
	    !(bgpath = braid_ctx__path(ctx, "driver.lock"))) {
		err = BRAID_ENOMEM;
		goto done;
	}
	if (opts->background) {
		if (braid_flock_acquire(&bg, bgpath, 0, NULL, NULL) < 0) {
			braid_error_clear(); /* another background driver is on it */
			goto done;
		}
	}
	for (;;) {
		size_t n = 0;
		if (opts->until_id ? braid_converge__decided(ctx, opts->until_id)
		                   : !queue_busy(ctx))
			break;
		if (braid_flock_acquire(&lk, lockpath, 0, NULL, NULL) == 0) {
			note_driver(ctx, 1);
			err =
			    braid_converge__drive_gated(ctx, opts->until_id, opts->idle_ms, &n,
			                                opts->until_id ? own_progress : NULL, &pc);
			note_driver(ctx, 0);
			braid_flock_release(&lk);
			total += n;
			if (err < 0 || !opts->until_id)
				break;
			continue;
		}
		braid_error_clear();
		if (opts->until_id && opts->progress && braid_time_mono_ms() >= next_report) {
			own_progress(&pc, NULL, 0);
			next_report += 1000;
		}
		braid_time_sleep_us(50000);
	}
	if (!err && opts->spawn_argv && !opts->background && queue_busy(ctx))
		spawn_driver(ctx, opts->spawn_argv);
done:
	braid_flock_release(&bg);
	free(lockpath);
	free(bgpath);
	if (processed)
		*processed = total;
	return err;
}

int braid_queue_spawn_driver(braid_ctx *ctx, const char *const *argv)
{
	char *cmd = NULL;
	int err;

	BRAID_ASSERT_ARG(ctx && argv && argv[0]);
	if ((err = braid_ctx_config_string(&cmd, ctx, "gate.command", NULL)) < 0)
		return err;
	if (cmd && *cmd && queue_busy(ctx))
		spawn_driver(ctx, argv);
	free(cmd);
	return 0;
}

int braid_converge_drive(braid_ctx *ctx, int64_t until_id, size_t *processed,
                         void (*progress)(void *payload, const char *what, long waited_ms),
                         void *payload)
{
	braid_queue_drive_options o = BRAID_QUEUE_DRIVE_OPTIONS_INIT;

	o.until_id = until_id;
	o.progress = progress;
	o.payload = payload;
	return braid_queue_drive(ctx, &o, processed);
}
