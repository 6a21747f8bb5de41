/*
 * workspace.c: creating, listing, inspecting, snapshotting and removing
 * workspaces. Worktree creation and removal are serialized by
 * .braid/worktrees.lock (held only for the git-side work), so concurrent
 * `braid ws new` calls never race on .git/worktrees or on ids.
 */
#include "common.h"
#include "braid/agent.h"
#include "braid/op.h"
#include "braid/repo.h"
#include "change/change_int.h"
#include "ctx/ctx_int.h"
#include "util/buf.h"
#include "util/fault.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/time.h"
#include "workspace/workspace_int.h"

#include <jansson.h>
#include <unistd.h>

static void ws_clear(braid_workspace *w)
{
	free(w->id);
	free(w->agent_id);
	free(w->agent_name);
	free(w->path);
	free(w->change_id);
	free(w->state);
}

void braid_workspace_free(braid_workspace *ws)
{
	if (ws) {
		ws_clear(ws);
		free(ws);
	}
}

void braid_workspace_list_free(braid_workspace_list *list)
{
	size_t i;
	if (!list)
		return;
	for (i = 0; i < list->count; i++)
		ws_clear(&list->items[i]);
	free(list->items);
	free(list);
}

#define WS_SELECT                                                                                  \
	"SELECT w.id, w.agent_id, a.name, w.path, w.change_id, w.state, w.created_at"              \
	" FROM workspaces w JOIN agents a ON a.id = w.agent_id"

static int row_to_ws(braid_workspace *w, sqlite3_stmt *st)
{
	w->id = braid_store__col_strdup(st, 0);
	w->agent_id = braid_store__col_strdup(st, 1);
	w->agent_name = braid_store__col_strdup(st, 2);
	w->path = braid_store__col_strdup(st, 3);
	w->change_id = braid_store__col_strdup(st, 4);
	w->state = braid_store__col_strdup(st, 5);
	w->created_at = sqlite3_column_int64(st, 6);
	return w->id && w->agent_id && w->agent_name && w->path && w->state
	           ? 0
	           : braid_error_set(BRAID_ENOMEM, "out of memory");
}

int braid_workspace_get(braid_workspace **out, braid_ctx *ctx, const char *id)
{
	sqlite3_stmt *st;
	braid_workspace *w;
	int err;

	if ((err = braid_store__stmt(&st, ctx->store, WS_SELECT " WHERE w.id = ?")) < 0)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOTFOUND, "no workspace '%s'; see 'braid ws list'",
		                       id);
	}
	if (!(w = calloc(1, sizeof(*w)))) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	err = row_to_ws(w, st);
	sqlite3_reset(st);
	if (err < 0) {
		braid_workspace_free(w);
		return err;
	}
	*out = w;
	return 0;
}

int braid_workspace_list_all(braid_workspace_list **out, braid_ctx *ctx, int all)
{
	sqlite3_stmt *st;
	braid_workspace_list *l;
	int err = 0, rc;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             WS_SELECT " WHERE ?1 OR w.state = 'active'"
	                                       " ORDER BY w.created_at, w.id")) < 0)
		return err;
	sqlite3_bind_int(st, 1, all);
	if (!(l = calloc(1, sizeof(*l)))) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		braid_workspace *n = realloc(l->items, (l->count + 1) * sizeof(*n));
		if (!n) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		l->items = n;
		memset(&n[l->count], 0, sizeof(*n));
		if ((err = row_to_ws(&l->items[l->count++], st)) < 0)
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = braid_store__error(ctx->store, "cannot list workspaces");
	sqlite3_reset(st);
	if (err < 0) {
		braid_workspace_list_free(l);
		return err;
	}
	*out = l;
	return 0;
}

/* Pick a free workspace id: the agent's name, then name-2, name-3, ... */
static int pick_id(char **out, braid_ctx *ctx, const char *name)
{
	sqlite3_stmt *st;
	int n, err;

	if ((err = braid_store__stmt(&st, ctx->store, "SELECT 1 FROM workspaces WHERE id = ?")) < 0)
		return err;
	for (n = 1; n < 100000; n++) {
		char *id = n == 1 ? braid_strdup(name) : braid_sprintf_alloc("%s-%d", name, n);
		int taken;
		if (!id)
			return BRAID_ENOMEM;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		taken = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
		if (!taken) {
			char *admin = braid_sprintf_alloc("%s/worktrees/%s",
			                                  git_repository_commondir(ctx->git), id);
			taken = !admin || braid_fs_exists(admin);
			free(admin);
		}
		if (!taken) {
			*out = id;
			return 0;
		}
		free(id);
	}
	return braid_error_set(BRAID_ERROR, "no free workspace id for '%s'", name);
}

static int check_path(braid_buf *abs, braid_ctx *ctx, const char *path)
{
	braid_workspace_list *l = NULL;
	braid_buf norm = BRAID_BUF_INIT, cwd_abs = BRAID_BUF_INIT;
	char cwd[4096];
	size_t i;
	int err = 0;

	if (path[0] == '/')
		err = braid_path_normalize(&norm, path);
	else if (!getcwd(cwd, sizeof(cwd)))
		err = braid_error_os("cannot read", "current directory");
	else if ((err = braid_path_join(&cwd_abs, cwd, path)) == 0)
		err = braid_path_normalize(&norm, cwd_abs.ptr);
	if (err < 0)
		goto done;
	if (!strcmp(norm.ptr, ctx->root) || !strncmp(ctx->root, norm.ptr, norm.size) ||
	    !strncmp(norm.ptr, git_repository_commondir(ctx->git),
	             strlen(git_repository_commondir(ctx->git)) - 1)) {
		err =
		    braid_error_set(BRAID_EINVALID,
		                    "'%s' would contain the repository or its .git; choose a path "
		                    "outside them",
		                    path);
		goto done;
	}
	if ((err = braid_workspace_list_all(&l, ctx, 0)) < 0)
		goto done;
	for (i = 0; i < l->count; i++) {
		size_t n = strlen(l->items[i].path);
		if (!strncmp(norm.ptr, l->items[i].path, n) &&
		    (norm.ptr[n] == '/' || norm.ptr[n] == '\0')) {
			err = braid_error_set(BRAID_EINVALID, "'%s' is inside workspace '%s'", path,
			                      l->items[i].id);
			goto done;
		}
	}
	err = braid_buf_set(abs, norm.ptr, norm.size);
done:
	braid_workspace_list_free(l);
	braid_buf_dispose(&norm);
	braid_buf_dispose(&cwd_abs);
	return err;
}

int braid_workspace__set_change(braid_ctx *ctx, const char *ws_id, const char *change_id)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             "UPDATE workspaces SET change_id = ? WHERE id = ?")) < 0)
		return err;
	sqlite3_bind_text(st, 1, change_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ws_id, -1, SQLITE_STATIC);
	return braid_store__step_done(ctx->store, st, "cannot update workspace");
}

int braid_workspace_new(braid_workspace **out, braid_ctx *ctx, const char *agent, const char *path)
{
	braid_agent *a = NULL;
	braid_flock lk = BRAID_FLOCK_INIT;
	braid_buf abs = BRAID_BUF_INIT;
	char *id = NULL, *lockpath = NULL, *change = NULL, *payload = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid main_oid;
	sqlite3_stmt *st;
	int err, created = 0;

	BRAID_ASSERT_ARG(agent);
	if ((err = braid_agent_lookup(&a, ctx, agent)) < 0)
		goto done;
	if (!strcmp(a->role, "system")) {
		err =
		    braid_error_set(BRAID_EINVALID, "braid's own identity cannot have a workspace");
		goto done;
	}
	if (!(lockpath = braid_ctx__path(ctx, "worktrees.lock"))) {
		err = BRAID_ENOMEM;
		goto done;
	}
	if ((err = braid_flock_acquire(&lk, lockpath, 120000, NULL, NULL)) < 0)
		goto done;
	if ((err = pick_id(&id, ctx, a->name)) < 0)
		goto done;
	if (path)
		err = check_path(&abs, ctx, path);
	else
		err = braid_buf_printf(&abs, "%s/ws/%s", ctx->dir, id);
	if (err < 0)
		goto done;
	if ((err = braid_repo_ref_oid(&main_oid, ctx->git, ctx->target)) < 0)
		goto done;
	if ((err = braid_repo_worktree_add(ctx->git, id, abs.ptr, &main_oid)) < 0)
		goto done;
	created = 1;
	{
		char real[4096];
		if (realpath(abs.ptr, real) && (err = braid_buf_puts(&abs, "")) == 0)
			err = braid_buf_set(&abs, real, strlen(real));
		if (err < 0)
			goto done;
	}
	if ((err = braid_store_begin(ctx->store)) < 0)
		goto done;
	if ((err = braid_change__create(&change, ctx, a->id, id, &main_oid)) < 0)
		goto rollback;
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "INSERT INTO workspaces(id, agent_id, path, change_id, state,"
	                             " created_at) VALUES (?, ?, ?, ?, 'active', ?)")) < 0)
		goto rollback;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, abs.ptr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, change, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, braid_time_now_ms());
	if ((err = braid_store__step_done(ctx->store, st, "cannot record workspace")) < 0)
		goto rollback;
	{
		json_t *p = json_pack("{s:s, s:s, s:s, s:s}", "workspace", id, "change", change,
		                      "base", braid_repo_oid_hex(hex, &main_oid), "path", abs.ptr);
		payload = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_decref(p);
	}
	if (!payload) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto rollback;
	}
	if ((err = braid_op_record(NULL, ctx, a->id, "ws.new", payload)) < 0)
		goto rollback;
	if ((err = braid_store_commit(ctx->store)) < 0)
		goto done;
	created = 0;
	if (out)
		err = braid_workspace_get(out, ctx, id);
	goto done;
rollback:
	braid_store_rollback(ctx->store);
done:
	if (created && err < 0) {
		int cleanup = braid_repo_worktree_remove(ctx->git, id, abs.ptr);
		BRAID_UNUSED(cleanup);
	}
	braid_flock_release(&lk);
	braid_agent_free(a);
	braid_buf_dispose(&abs);
	free(id);
	free(lockpath);
	free(change);
	free(payload);
	return err;
}

int braid_workspace__open_git(git_repository **out, const braid_workspace *ws)
{
	int rc = git_repository_open_ext(out, ws->path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);

	if (rc < 0)
		return braid_error_set(
		    BRAID_ESTATE,
		    "workspace '%s' at '%s' is missing or damaged (%s); remove it with "
		    "'braid ws rm --force %s'",
		    ws->id, ws->path, git_error_last() ? git_error_last()->message : "", ws->id);
	return 0;
}

int braid_workspace__current(braid_workspace **out, braid_ctx *ctx)
{
	const char *agent;
	int err;

	if (!ctx->ws_id)
		return braid_error_set(
		    BRAID_ESTATE, "not inside a workspace; cd into one (see 'braid ws list') or "
		                  "create one with 'braid ws new AGENT'");
	if ((err = braid_ctx_require_agent(&agent, ctx)) < 0)
		return err;
	if (strcmp(agent, ctx->ws_owner) != 0)
		return braid_error_set(
		    BRAID_EDENIED, "workspace '%s' is not owned by the acting agent", ctx->ws_id);
	return braid_workspace_get(out, ctx, ctx->ws_id);
}

int braid_workspace__set_head(git_repository *wt, const git_oid *commit, git_index *index)
{
	git_index *own = NULL;
	git_commit *c = NULL;
	git_tree *t = NULL;
	int rc, err = 0;

	if ((rc = git_repository_set_head_detached(wt, commit)) < 0)
		return braid_error_git(rc, "cannot move the workspace's HEAD");
	if (!index) {
		if ((rc = git_repository_index(&own, wt)) < 0 ||
		    (rc = git_commit_lookup(&c, wt, commit)) < 0 ||
		    (rc = git_commit_tree(&t, c)) < 0 || (rc = git_index_read_tree(own, t)) < 0) {
			err = braid_error_git(rc, "cannot reset the workspace's index");
			goto done;
		}
		index = own;
	}
	err = braid_repo_index_write(index);
done:
	git_tree_free(t);
	git_commit_free(c);
	git_index_free(own);
	return err;
}

void braid_workspace__snap_clear(braid_workspace_snap *s)
{
	free(s->change_id);
	free(s->op_id);
	memset(s, 0, sizeof(*s));
}

static int head_oid(git_oid *out, git_repository *wt)
{
	int rc = git_reference_name_to_id(out, wt, "HEAD");
	return rc < 0 ? braid_error_git(rc, "cannot read the workspace's HEAD") : 0;
}

int braid_workspace__snapshot(braid_workspace_snap *out, braid_ctx *ctx, const braid_workspace *ws,
                              const char *message)
{
	git_repository *wt = NULL;
	git_index *idx = NULL;
	braid_change *ch = NULL;
	git_oid tree, head, chead, parent, commit, ptree, base;
	char hex[GIT_OID_HEXSZ + 1], bhex[GIT_OID_HEXSZ + 1], *ref = NULL, *payload = NULL;
	int err, desc;

	memset(out, 0, sizeof(*out));
	if ((err = braid_workspace__open_git(&wt, ws)) < 0)
		return err;
	if ((err = braid_repo_snapshot(&tree, &idx, wt)) < 0 || (err = head_oid(&head, wt)) < 0)
		goto done;
	if (!ws->change_id) {
		err = braid_error_set(BRAID_ESTATE, "workspace '%s' has no change", ws->id);
		goto done;
	}
	if ((err = braid_change_get(&ch, ctx, ws->change_id)) < 0 ||
	    (err = braid_change__reconcile(ctx, ch)) < 0)
		goto done;
	if ((err = braid_repo_oid_parse(&chead, ch->head_commit)) < 0 ||
	    (err = braid_repo_oid_parse(&base, ch->base_commit)) < 0)
		goto done;
	if ((desc = braid_repo_is_ancestor(ctx->git, &chead, &head)) < 0) {
		err = desc;
		goto done;
	}
	/* Keep the agent's own git commits when HEAD moved ahead of the change. */
	git_oid_cpy(&parent, desc ? &head : &chead);
	if ((err = braid_repo_commit_tree(&ptree, ctx->git, &parent)) < 0)
		goto done;
	if (git_oid_equal(&ptree, &tree)) {
		git_oid_cpy(&commit, &parent);
	} else {
		braid_buf msg = BRAID_BUF_INIT;
		char email[160];
		snprintf(email, sizeof(email), "%s@braid.local", ws->agent_name);
		err = braid_buf_puts(&msg, message && *message ? message : "braid snapshot");
		if (!err && (msg.size == 0 || msg.ptr[msg.size - 1] != '\n'))
			err = braid_buf_putc(&msg, '\n');
		if (!err)
			err = braid_repo_commit(&commit, ctx->git, &tree, &parent, 1,
			                        ws->agent_name, email, msg.ptr);
		braid_buf_dispose(&msg);
		if (err < 0)
			goto done;
		out->new_commit = 1;
	}
	if (!git_oid_equal(&commit, &chead)) {
		if (!(ref = braid_change_refname(ch->id))) {
			err = BRAID_ENOMEM;
			goto done;
		}
		if ((err = braid_repo_cas_ref(ctx->git, ref, &commit, &chead, "braid: snapshot")) <
		    0)
			goto done;
		BRAID_FAULT("snapshot-after-ref");
		if ((err = braid_store_begin(ctx->store)) < 0)
			goto done;
		if ((err = braid_change__set(ctx, ch->id, NULL, NULL,
		                             braid_repo_oid_hex(hex, &commit), NULL)) < 0) {
			braid_store_rollback(ctx->store);
			goto done;
		}
		{
			json_t *p =
			    json_pack("{s:s, s:s, s:s, s:s, s:s}", "change", ch->id, "commit", hex,
			              "base", braid_repo_oid_hex(bhex, &base), "workspace", ws->id,
			              "tree", git_oid_tostr_s(&tree));
			payload = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
			json_decref(p);
		}
		if (!payload) {
			braid_store_rollback(ctx->store);
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			goto done;
		}
		if ((err = braid_op_record(&out->op_id, ctx, ws->agent_id, "snapshot", payload)) <
		    0) {
			braid_store_rollback(ctx->store);
			goto done;
		}
		if ((err = braid_store_commit(ctx->store)) < 0)
			goto done;
	}
	if (!git_oid_equal(&commit, &head) || out->new_commit) {
		if ((err = braid_workspace__set_head(wt, &commit, idx)) < 0)
			goto done;
	}
	{
		git_oid btree;
		if ((err = braid_repo_commit_tree(&btree, ctx->git, &base)) < 0)
			goto done;
		out->has_work = !git_oid_equal(&btree, &tree);
	}
	out->change_id = braid_strdup(ch->id);
	git_oid_cpy(&out->base, &base);
	git_oid_cpy(&out->head, &commit);
	git_oid_cpy(&out->tree, &tree);
	if (!out->change_id)
		err = BRAID_ENOMEM;
done:
	if (err < 0)
		braid_workspace__snap_clear(out);
	free(ref);
	free(payload);
	braid_change_free(ch);
	git_index_free(idx);
	git_repository_free(wt);
	return err;
}

void braid_workspace_status_clear(braid_workspace_status *st)
{
	free(st->change_state);
	free(st->head);
	memset(st, 0, sizeof(*st));
}

int braid_workspace_status_get(braid_workspace_status *out, braid_ctx *ctx, const char *id)
{
	braid_workspace *ws = NULL;
	braid_change *ch = NULL;
	git_repository *wt = NULL;
	git_diff *diff = NULL;
	git_tree *htree = NULL;
	git_commit *hc = NULL;
	git_oid head, main_oid, base, chead;
	git_diff_options dopts;
	int err, rc;

	memset(out, 0, sizeof(*out));
	if ((err = braid_workspace_get(&ws, ctx, id)) < 0)
		return err;
	if (strcmp(ws->state, "active") != 0) {
		err = braid_error_set(BRAID_ESTATE, "workspace '%s' was removed", id);
		goto done;
	}
	if ((err = braid_workspace__open_git(&wt, ws)) < 0 || (err = head_oid(&head, wt)) < 0)
		goto done;
	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	dopts.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
	if ((rc = git_commit_lookup(&hc, wt, &head)) < 0 ||
	    (rc = git_commit_tree(&htree, hc)) < 0 ||
	    (rc = git_diff_tree_to_workdir_with_index(&diff, wt, htree, &dopts)) < 0) {
		err = braid_error_git(rc, "cannot compare the workspace with its HEAD");
		goto done;
	}
	out->dirty_files = git_diff_num_deltas(diff);
	out->dirty = out->dirty_files > 0;
	out->head = braid_strdup(git_oid_tostr_s(&head));
	if (ws->change_id && braid_change_get(&ch, ctx, ws->change_id) == 0) {
		out->change_state = braid_strdup(ch->state);
		if (braid_repo_oid_parse(&base, ch->base_commit) == 0 &&
		    braid_repo_oid_parse(&chead, ch->head_commit) == 0) {
			out->unlanded =
			    strcmp(ch->state, "landed") != 0 && !git_oid_equal(&base, &chead);
			if (braid_repo_ref_oid(&main_oid, ctx->git, ctx->target) == 0)
				out->behind = !git_oid_equal(&main_oid, &base);
		}
	}
	if (!out->head || (ch && !out->change_state))
		err = BRAID_ENOMEM;
done:
	if (err < 0)
		braid_workspace_status_clear(out);
	git_diff_free(diff);
	git_tree_free(htree);
	git_commit_free(hc);
	git_repository_free(wt);
	braid_change_free(ch);
	braid_workspace_free(ws);
	return err;
}

int braid_workspace_rm(braid_ctx *ctx, const char *id, int force, char **kept_ref)
{
	braid_workspace *ws = NULL;
	braid_workspace_status st = {0};
	braid_flock lk = BRAID_FLOCK_INIT;
	char *lockpath = NULL, *payload = NULL, *ref = NULL;
	const char *actor;
	sqlite3_stmt *stmt;
	int err, keep = 0;

	if ((err = braid_workspace_get(&ws, ctx, id)) < 0)
		return err;
	if (strcmp(ws->state, "active") != 0) {
		err = braid_error_set(BRAID_ESTATE, "workspace '%s' was already removed", id);
		goto done;
	}
	actor = ctx->agent_id ? ctx->agent_id : ws->agent_id;
	err = braid_workspace_status_get(&st, ctx, id);
	if (err < 0 && !force)
		goto done;
	if (err == 0 && (st.dirty || st.unlanded)) {
		if (!force) {
			err = braid_error_set(
			    BRAID_ESTATE,
			    "workspace '%s' has %s; submit them first, or remove it "
			    "with --force (its work is kept under "
			    "refs/braid/changes/%s)",
			    id, st.dirty ? "uncommitted edits" : "commits that never landed",
			    ws->change_id ? ws->change_id : "?");
			goto done;
		}
		keep = 1;
		if (st.dirty) {
			/* Commit the edits onto the change so nothing becomes unreachable. */
			braid_workspace_snap snap;
			if ((err = braid_workspace__snapshot(
			         &snap, ctx, ws,
			         "braid: work kept when the workspace was "
			         "removed")) < 0)
				goto done;
			braid_workspace__snap_clear(&snap);
		}
	}
	if (!(lockpath = braid_ctx__path(ctx, "worktrees.lock"))) {
		err = BRAID_ENOMEM;
		goto done;
	}
	if ((err = braid_flock_acquire(&lk, lockpath, 120000, NULL, NULL)) < 0)
		goto done;
	if ((err = braid_repo_worktree_remove(ctx->git, ws->id, ws->path)) < 0)
		goto done;
	if ((err = braid_store_begin(ctx->store)) < 0)
		goto done;
	if ((err = braid_store__stmt(
	         &stmt, ctx->store,
	         "UPDATE workspaces SET state = 'removed', removed_at = ? WHERE id = ?")) < 0)
		goto rollback;
	sqlite3_bind_int64(stmt, 1, braid_time_now_ms());
	sqlite3_bind_text(stmt, 2, ws->id, -1, SQLITE_STATIC);
	if ((err = braid_store__step_done(ctx->store, stmt, "cannot remove workspace")) < 0)
		goto rollback;
	if (keep && ws->change_id &&
	    (err = braid_change__set(ctx, ws->change_id, "abandoned", NULL, NULL, NULL)) < 0)
		goto rollback;
	if (keep && ws->change_id && !(ref = braid_change_refname(ws->change_id))) {
		err = BRAID_ENOMEM;
		goto rollback;
	}
	{
		json_t *p = json_pack("{s:s, s:s?, s:b, s:s?}", "workspace", ws->id, "change",
		                      ws->change_id, "forced", force, "kept_ref", ref);
		payload = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_decref(p);
	}
	if (!payload) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto rollback;
	}
	if ((err = braid_op_record(NULL, ctx, actor, keep ? "abandon" : "ws.rm", payload)) < 0)
		goto rollback;
	if ((err = braid_store_commit(ctx->store)) < 0)
		goto done;
	if (kept_ref && ref) {
		*kept_ref = ref;
		ref = NULL;
	}
	goto done;
rollback:
	braid_store_rollback(ctx->store);
done:
	braid_flock_release(&lk);
	braid_workspace_status_clear(&st);
	braid_workspace_free(ws);
	free(lockpath);
	free(payload);
	free(ref);
	return err;
}
