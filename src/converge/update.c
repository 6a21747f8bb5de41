/*
 * update.c: `braid update` and `braid resolve` — moving a workspace onto the
 * current main. Both compute the whole outcome in memory first (tree merges
 * of the committed work and of the worktree's content) and only then touch
 * the worktree, so a conflict leaves every file exactly as it was.
 */
#include "common.h"
#include "braid/change.h"
#include "braid/op.h"
#include "braid/repo.h"
#include "change/change_int.h"
#include "conflict/conflict_int.h"
#include "converge/converge_int.h"
#include "ctx/ctx_int.h"
#include "util/buf.h"
#include "workspace/workspace_int.h"

#include <jansson.h>

void braid_update_result_free(braid_update_result *r)
{
	if (!r)
		return;
	free(r->state);
	free(r->main_commit);
	free(r->detail);
	free(r);
}

static int record_move(braid_ctx *ctx, const braid_workspace *ws, const braid_change *ch,
                       const git_oid *chead, const git_oid *new_head, const git_oid *main_oid,
                       const char *kind, const char *resolving)
{
	char hhex[GIT_OID_HEXSZ + 1], mhex[GIT_OID_HEXSZ + 1], *ref = NULL, *payload = NULL;
	json_t *p;
	int err;

	braid_repo_oid_hex(hhex, new_head);
	braid_repo_oid_hex(mhex, main_oid);
	if (!git_oid_equal(chead, new_head)) {
		if (!(ref = braid_change_refname(ch->id)))
			return BRAID_ENOMEM;
		err = braid_repo_cas_ref(ctx->git, ref, new_head, chead, "braid: update");
		free(ref);
		if (err < 0)
			return err;
	}
	p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "workspace", ws->id, "change", ch->id,
	              "from", ch->base_commit, "main", mhex, "head", hhex, "conflict", resolving);
	payload = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(p);
	if (!payload)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if ((err = braid_store_begin(ctx->store)) < 0)
		goto done;
	if ((err = braid_change__set(ctx, ch->id, resolving ? "editing" : NULL, mhex, hhex,
	                             resolving)) < 0 ||
	    (resolving &&
	     (err = braid_conflict__set_state(ctx, resolving, "resolving", NULL)) < 0) ||
	    (err = braid_op_record(NULL, ctx, ws->agent_id, kind, payload)) < 0) {
		braid_store_rollback(ctx->store);
		goto done;
	}
	err = braid_store_commit(ctx->store);
done:
	free(payload);
	return err;
}

int braid_converge_update(braid_update_result **out, braid_ctx *ctx)
{
	braid_workspace *ws = NULL;
	braid_change *ch = NULL;
	braid_update_result *res = NULL;
	git_repository *wt = NULL;
	braid_tm_result tm = {0};
	git_oid main_oid, base, chead, head, htree, btree, wtree, new_head, new_wtree;
	char mhex[GIT_OID_HEXSZ + 1];
	int err, rc;

	if (!(res = calloc(1, sizeof(*res))))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if ((err = braid_workspace__current(&ws, ctx)) < 0 ||
	    (err = braid_change_get(&ch, ctx, ws->change_id)) < 0 ||
	    (err = braid_change__reconcile(ctx, ch)) < 0)
		goto fail;
	if (braid_converge__queued_for_change(ctx, ch->id)) {
		err = braid_error_set(BRAID_ESTATE,
		                      "change %s is waiting in the landing queue; update after it "
		                      "lands (see 'braid queue')",
		                      ch->id);
		goto fail;
	}
	if ((err = braid_repo_ref_oid(&main_oid, ctx->git, ctx->target)) < 0 ||
	    (err = braid_repo_oid_parse(&base, ch->base_commit)) < 0 ||
	    (err = braid_repo_oid_parse(&chead, ch->head_commit)) < 0)
		goto fail;
	res->main_commit = braid_strdup(braid_repo_oid_hex(mhex, &main_oid));
	if (git_oid_equal(&main_oid, &base)) {
		res->state = braid_strdup("up-to-date");
		goto ok;
	}
	if ((err = braid_workspace__open_git(&wt, ws)) < 0)
		goto fail;
	if ((rc = git_reference_name_to_id(&head, wt, "HEAD")) < 0) {
		err = braid_error_git(rc, "cannot read the workspace's HEAD");
		goto fail;
	}
	if ((err = braid_repo_snapshot(&wtree, NULL, wt)) < 0 ||
	    (err = braid_repo_commit_tree(&htree, ctx->git, &head)) < 0 ||
	    (err = braid_repo_commit_tree(&btree, ctx->git, &base)) < 0)
		goto fail;

	/* The committed part: the change's own commits merged with main. */
	if (git_oid_equal(&htree, &btree)) {
		git_oid_cpy(&new_head, &main_oid);
	} else {
		git_oid parents[2];
		if ((err = braid_treemerge(&tm, ctx->git, &base, &main_oid, &head, &main_oid)) < 0)
			goto fail;
		if (!tm.clean)
			goto conflict;
		git_oid_cpy(&parents[0], &head);
		git_oid_cpy(&parents[1], &main_oid);
		if ((err = braid_repo_commit(&new_head, ctx->git, &tm.tree, parents, 2,
		                             ws->agent_name, NULL, "braid: update onto main\n")) <
		    0)
			goto fail;
		braid_tm_result_clear(&tm);
	}
	/* The worktree: uncommitted edits merged, never overwritten. */
	if (git_oid_equal(&wtree, &htree)) {
		if ((err = braid_repo_commit_tree(&new_wtree, ctx->git, &new_head)) < 0)
			goto fail;
	} else {
		if ((err = braid_treemerge(&tm, ctx->git, &base, &main_oid, &wtree, &main_oid)) < 0)
			goto fail;
		if (!tm.clean)
			goto conflict;
		git_oid_cpy(&new_wtree, &tm.tree);
		braid_tm_result_clear(&tm);
		git_diff *d = NULL;
		git_tree *a = NULL, *b = NULL;
		if (git_tree_lookup(&a, ctx->git, &htree) == 0 &&
		    git_tree_lookup(&b, ctx->git, &wtree) == 0 &&
		    git_diff_tree_to_tree(&d, ctx->git, a, b, NULL) == 0)
			res->kept_edits = git_diff_num_deltas(d);
		git_diff_free(d);
		git_tree_free(a);
		git_tree_free(b);
	}
	if ((err = braid_converge__checkout(wt, ws->path, &wtree, &new_wtree,
	                                    &res->files_written)) < 0 ||
	    (err = braid_workspace__set_head(wt, &new_head, NULL)) < 0 ||
	    (err = record_move(ctx, ws, ch, &chead, &new_head, &main_oid, "update", NULL)) < 0)
		goto fail;
	res->state = braid_strdup("updated");
	goto ok;
conflict:
	res->state = braid_strdup("conflict");
	res->detail = braid_converge__files_json(&tm);
	braid_tm_result_clear(&tm);
	err = braid_error_set(BRAID_ECONFLICT,
	                      "your work conflicts with main; nothing in the workspace was changed "
	                      "(see the files listed, or submit and resolve the conflict)");
	*out = res;
	goto done;
ok:
	if (!res->state || !res->main_commit) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto fail;
	}
	*out = res;
	res = NULL;
	goto done;
fail:
	braid_update_result_free(res);
done:
	braid_tm_result_clear(&tm);
	git_repository_free(wt);
	braid_change_free(ch);
	braid_workspace_free(ws);
	return err;
}

/* Stage `content` at `path` in `idx` as a new blob. */
static int stage_bytes(git_repository *repo, git_index *idx, const char *path, const char *content,
                       size_t len, uint32_t mode)
{
	git_index_entry e;
	git_oid id;
	int rc;

	if ((rc = git_blob_create_from_buffer(&id, repo, content, len)) < 0)
		return braid_error_git(rc, "cannot write blob");
	memset(&e, 0, sizeof(e));
	e.path = path;
	e.mode = mode ? mode : GIT_FILEMODE_BLOB;
	git_oid_cpy(&e.id, &id);
	rc = git_index_add(idx, &e);
	return rc < 0 ? braid_error_git(rc, "cannot stage file") : 0;
}

int braid_converge_resolve(char **files_out, braid_ctx *ctx, const char *id)
{
	braid_conflict *k = NULL;
	braid_workspace *ws = NULL;
	braid_change *ch = NULL;
	git_repository *wt = NULL;
	git_index *idx = NULL;
	git_tree *mt = NULL;
	braid_tm_result tm = {0};
	json_t *marked = json_array();
	git_oid main_oid, base, chead, head, htree, wtree, target;
	size_t i, written;
	int err, rc;

	if (!marked)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if ((err = braid_conflict_get(&k, ctx, id)) < 0)
		goto done;
	if (strcmp(k->state, "open") && strcmp(k->state, "resolving")) {
		err = braid_error_set(BRAID_ESTATE, "conflict %s is %s; nothing to resolve", k->id,
		                      k->state);
		goto done;
	}
	if ((err = braid_workspace__current(&ws, ctx)) < 0)
		goto done;
	if (!ws->change_id || strcmp(ws->change_id, k->change_id) != 0) {
		err = braid_error_set(BRAID_EDENIED,
		                      "conflict %s belongs to change %s of agent '%s', not to this "
		                      "workspace's change; run 'braid resolve' in that agent's "
		                      "workspace",
		                      k->id, k->change_id,
		                      k->agent_name ? k->agent_name : k->agent_id);
		goto done;
	}
	if ((err = braid_change_get(&ch, ctx, k->change_id)) < 0 ||
	    (err = braid_workspace__open_git(&wt, ws)) < 0)
		goto done;
	if ((rc = git_reference_name_to_id(&head, wt, "HEAD")) < 0) {
		err = braid_error_git(rc, "cannot read the workspace's HEAD");
		goto done;
	}
	if ((err = braid_repo_snapshot(&wtree, NULL, wt)) < 0 ||
	    (err = braid_repo_commit_tree(&htree, ctx->git, &head)) < 0)
		goto done;
	if (!git_oid_equal(&wtree, &htree)) {
		err = braid_error_set(
		    BRAID_ESTATE, "the workspace has edits made after the conflicted submission; "
		                  "submit them (or undo them) before resolving");
		goto done;
	}
	if ((err = braid_repo_ref_oid(&main_oid, ctx->git, ctx->target)) < 0 ||
	    (err = braid_repo_oid_parse(&base, ch->base_commit)) < 0 ||
	    (err = braid_repo_oid_parse(&chead, ch->head_commit)) < 0)
		goto done;
	/* Resolve against today's main, not main at conflict time: fewer surprises later. */
	if ((err = braid_treemerge(&tm, ctx->git, &base, &main_oid, &chead, &main_oid)) < 0)
		goto done;
	if ((rc = git_index_new(&idx)) < 0 || (rc = git_tree_lookup(&mt, ctx->git, &tm.tree)) < 0 ||
	    (rc = git_index_read_tree(idx, mt)) < 0) {
		err = braid_error_git(rc, "cannot prepare the resolution");
		goto done;
	}
	for (i = 0; i < tm.nfiles && !err; i++) {
		braid_tm_file *f = &tm.files[i];
		if (f->clean)
			continue;
		if (f->marked) {
			err = stage_bytes(ctx->git, idx, f->path, f->marked, f->marked_len,
			                  f->theirs_mode ? f->theirs_mode : f->ours_mode);
			json_array_append_new(marked, json_string(f->path));
		} else if (f->theirs_mode) {
			/* Binary or deleted on main: the agent's own version, to keep or drop. */
			git_index_entry e;
			memset(&e, 0, sizeof(e));
			e.path = f->path;
			e.mode = f->theirs_mode;
			git_oid_cpy(&e.id, &f->theirs);
			if ((rc = git_index_add(idx, &e)) < 0)
				err = braid_error_git(rc, "cannot stage file");
		}
	}
	if (err < 0)
		goto done;
	if ((rc = git_index_write_tree_to(&target, idx, ctx->git)) < 0) {
		err = braid_error_git(rc, "cannot write the resolution tree");
		goto done;
	}
	if ((err = braid_converge__checkout(wt, ws->path, &wtree, &target, &written)) < 0 ||
	    (err = braid_workspace__set_head(wt, &main_oid, NULL)) < 0 ||
	    (err = record_move(ctx, ws, ch, &chead, &chead, &main_oid, "resolve.start", k->id)) < 0)
		goto done;
	if (files_out && !(*files_out = json_dumps(marked, JSON_COMPACT)))
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
done:
	json_decref(marked);
	braid_tm_result_clear(&tm);
	git_tree_free(mt);
	git_index_free(idx);
	git_repository_free(wt);
	braid_change_free(ch);
	braid_workspace_free(ws);
	braid_conflict_free(k);
	return err;
}
