/*
 * ctx.c: opening a braid repository. The context always holds the *main*
 * repository, even when opened from inside a workspace (a linked worktree):
 * state, refs and the target branch are shared, and the workspace is
 * remembered separately so commands know where they run and who owns it.
 */
#include "common.h"
#include "braid/agent.h"
#include "braid/op.h"
#include "braid/repo.h"
#include "ctx/ctx_int.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"

#include <jansson.h>
#include <sodium.h>
#include <unistd.h>

char *braid_ctx__path(const braid_ctx *ctx, const char *rel)
{
	return braid_sprintf_alloc("%s/%s", ctx->dir, rel);
}

void braid_ctx_free(braid_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->intent_free)
		ctx->intent_free(ctx->intent);
	git_config_free(ctx->config);
	braid_store_free(ctx->store);
	git_repository_free(ctx->git);
	free(ctx->root);
	free(ctx->dir);
	free(ctx->target);
	free(ctx->target_name);
	free(ctx->start);
	free(ctx->prefix);
	free(ctx->ws_id);
	free(ctx->ws_path);
	free(ctx->ws_owner);
	free(ctx->agent_id);
	free(ctx->agent_name);
	if (ctx->keys) {
		sodium_memzero(ctx->keys, BRAID_CTX_KEYS * sizeof(*ctx->keys));
		free(ctx->keys);
	}
	free(ctx);
}

/* Open the main repository for `start` and fill root/dir. */
static int open_git(braid_ctx *ctx, const char *start)
{
	git_repository *found = NULL;
	const char *workdir;
	int rc;

	rc = git_repository_open_ext(&found, start, 0, NULL);
	if (rc == GIT_ENOTFOUND)
		return braid_error_set(BRAID_ESTATE,
		                       "'%s' is not inside a git repository; run 'git init' "
		                       "first, or cd into a repository",
		                       start);
	if (rc < 0)
		return braid_error_git(rc, "cannot open the git repository");
	if (git_repository_is_worktree(found)) {
		/* A workspace: braid's state belongs to the main repository. */
		const char *common = git_repository_commondir(found);
		rc = git_repository_open(&ctx->git, common);
		git_repository_free(found);
		if (rc < 0)
			return braid_error_git(rc, "cannot open the main repository");
	} else {
		ctx->git = found;
	}
	if (git_repository_is_bare(ctx->git) || !(workdir = git_repository_workdir(ctx->git)))
		return braid_error_set(
		    BRAID_ESTATE, "braid needs a repository with a working tree, not a bare one");
	ctx->root = braid_strdup(workdir);
	if (!ctx->root)
		return BRAID_ENOMEM;
	size_t n = strlen(ctx->root);
	while (n > 1 && ctx->root[n - 1] == '/')
		ctx->root[--n] = '\0';
	ctx->dir = braid_sprintf_alloc("%s/.braid", ctx->root);
	return ctx->dir ? 0 : BRAID_ENOMEM;
}

static int set_target(braid_ctx *ctx, const char *target)
{
	free(ctx->target);
	free(ctx->target_name);
	if (!strncmp(target, "refs/heads/", 11)) {
		ctx->target = braid_strdup(target);
		ctx->target_name = braid_strdup(target + 11);
	} else {
		ctx->target = braid_sprintf_alloc("refs/heads/%s", target);
		ctx->target_name = braid_strdup(target);
	}
	return ctx->target && ctx->target_name ? 0 : BRAID_ENOMEM;
}

static int open_config(braid_ctx *ctx)
{
	char *path = braid_ctx__path(ctx, "config");
	int rc;

	if (!path)
		return BRAID_ENOMEM;
	rc = git_config_open_ondisk(&ctx->config, path);
	free(path);
	return rc < 0 ? braid_error_git(rc, "cannot read .braid/config") : 0;
}

/* Find the workspace containing ctx->start, if any. */
static int find_workspace(braid_ctx *ctx)
{
	sqlite3_stmt *st;
	int err, rc;
	size_t best = 0;

	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT id, path, agent_id FROM workspaces WHERE state = 'active'")) < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 1);
		size_t n = strlen(p);
		if (n > best && !strncmp(ctx->start, p, n) &&
		    (ctx->start[n] == '/' || ctx->start[n] == '\0')) {
			best = n;
			free(ctx->ws_id);
			free(ctx->ws_path);
			free(ctx->ws_owner);
			ctx->ws_id = braid_store__col_strdup(st, 0);
			ctx->ws_path = braid_store__col_strdup(st, 1);
			ctx->ws_owner = braid_store__col_strdup(st, 2);
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return braid_store__error(ctx->store, "cannot read workspaces");
	{
		const char *base = ctx->ws_path ? ctx->ws_path : ctx->root;
		size_t bl = strlen(base);
		const char *rest = "";
		if (!strncmp(ctx->start, base, bl) && ctx->start[bl] == '/')
			rest = ctx->start + bl + 1;
		ctx->prefix = braid_strdup(rest);
	}
	return ctx->prefix ? 0 : BRAID_ENOMEM;
}

static int ctx_alloc(braid_ctx **out, const char *path)
{
	braid_ctx *ctx;
	char real[4096];
	int err;

	if ((err = braid_global_init()) < 0)
		return err;
	if (!realpath(path ? path : ".", real))
		return braid_error_os("cannot resolve", path ? path : ".");
	if (!(ctx = calloc(1, sizeof(*ctx))))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if (!(ctx->start = braid_strdup(real))) {
		free(ctx);
		return BRAID_ENOMEM;
	}
	if ((err = open_git(ctx, real)) < 0) {
		braid_ctx_free(ctx);
		return err;
	}
	*out = ctx;
	return 0;
}

static int finish_open(braid_ctx *ctx)
{
	char *db = braid_ctx__path(ctx, "state.db"), *target = NULL;
	int err;

	if (!db)
		return BRAID_ENOMEM;
	err = braid_store_open(&ctx->store, db);
	free(db);
	if (err < 0 || (err = open_config(ctx)) < 0)
		return err;
	if ((err = braid_store_meta_get(&target, ctx->store, "target")) == BRAID_ENOTFOUND)
		return braid_error_set(
		    BRAID_ESTATE, "braid state in '%s' is incomplete; run 'braid init'", ctx->dir);
	if (err < 0)
		return err;
	err = set_target(ctx, target);
	free(target);
	if (err < 0)
		return err;
	return find_workspace(ctx);
}

int braid_ctx_open(braid_ctx **out, const char *path)
{
	braid_ctx *ctx = NULL;
	char *db = NULL;
	int err;

	if ((err = ctx_alloc(&ctx, path)) < 0)
		return err;
	if (!(db = braid_ctx__path(ctx, "state.db"))) {
		err = BRAID_ENOMEM;
		goto fail;
	}
	if (!braid_fs_exists(db)) {
		err = braid_error_set(BRAID_ESTATE,
		                      "braid is not set up in '%s'; run 'braid init' there first",
		                      ctx->root);
		goto fail;
	}
	if ((err = finish_open(ctx)) < 0)
		goto fail;
	free(db);
	*out = ctx;
	return 0;
fail:
	free(db);
	braid_ctx_free(ctx);
	return err;
}

/* Keep .braid/ out of `git status` without committing a .gitignore change. */
static int exclude_braid_dir(braid_ctx *ctx)
{
	braid_buf p = BRAID_BUF_INIT, content = BRAID_BUF_INIT;
	int err;

	if ((err = braid_path_join(&p, git_repository_commondir(ctx->git), "info")) < 0 ||
	    (err = braid_fs_mkdir_p(p.ptr, 0755)) < 0 || (err = braid_buf_puts(&p, "/exclude")) < 0)
		goto done;
	err = braid_fs_read(&content, p.ptr, 1 << 20);
	if (err < 0 && err != BRAID_ENOTFOUND)
		goto done;
	err = 0;
	if (strstr(content.ptr, "\n/.braid/\n") || !strncmp(content.ptr, "/.braid/\n", 9))
		goto done;
	if (content.size && content.ptr[content.size - 1] != '\n' &&
	    (err = braid_buf_putc(&content, '\n')) < 0)
		goto done;
	if ((err = braid_buf_puts(&content, "/.braid/\n")) < 0)
		goto done;
	err = braid_fs_write_atomic(p.ptr, content.ptr, content.size, 0644);
done:
	braid_buf_dispose(&p);
	braid_buf_dispose(&content);
	return err;
}

static int current_branch(char **out, git_repository *repo)
{
	git_reference *head = NULL;
	int rc = git_repository_head(&head, repo);

	if (rc == GIT_EUNBORNBRANCH)
		return braid_error_set(BRAID_ESTATE,
		                       "the repository has no commit yet; commit something first "
		                       "(braid converges onto an existing branch)");
	if (rc < 0)
		return braid_error_git(rc, "cannot read HEAD");
	if (!git_reference_is_branch(head)) {
		git_reference_free(head);
		return braid_error_set(
		    BRAID_ESTATE, "HEAD is detached; check out the branch braid should converge "
		                  "onto, or pass --target BRANCH");
	}
	*out = braid_strdup(git_reference_shorthand(head));
	git_reference_free(head);
	return *out ? 0 : BRAID_ENOMEM;
}

static int init_payload(char **out, braid_ctx *ctx, const git_oid *head)
{
	char hex[GIT_OID_HEXSZ + 1];
	json_t *p = json_pack("{s:s, s:s, s:s}", "target", ctx->target_name, "main",
	                      braid_repo_oid_hex(hex, head), "root", ctx->root);

	*out = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(p);
	return *out ? 0 : braid_error_set(BRAID_ENOMEM, "out of memory");
}

/*
 * The steps of a first `braid init`, each safe to repeat: an init that
 * crashed half-way is finished by the next one. The meta row `target` is
 * written last and is what marks the repository as initialized.
 */
static int init_steps(braid_ctx *ctx, const char *db, const git_oid *head)
{
	braid_agent *sys = NULL;
	char *sub = NULL, *payload = NULL;
	int err;

	if ((err = braid_fs_mkdir_p(ctx->dir, 0755)) < 0)
		return err;
	if (!(sub = braid_ctx__path(ctx, "keys")) || (err = braid_fs_mkdir_p(sub, 0700)) < 0)
		goto done;
	free(sub);
	if (!(sub = braid_ctx__path(ctx, "ws")) || (err = braid_fs_mkdir_p(sub, 0755)) < 0)
		goto done;
	if ((err = exclude_braid_dir(ctx)) < 0)
		goto done;
	if (!ctx->store && (err = braid_store_open(&ctx->store, db)) < 0)
		goto done;
	if (!ctx->config && (err = open_config(ctx)) < 0)
		goto done;
	if ((err = braid_ctx_config_set(ctx, "braid.target", ctx->target_name)) < 0)
		goto done;
	if (braid_agent_lookup(&sys, ctx, BRAID_SYSTEM_AGENT) < 0 &&
	    (err = braid_agent_add(&sys, NULL, ctx, BRAID_SYSTEM_AGENT, "system")) < 0)
		goto done;
	if ((err = init_payload(&payload, ctx, head)) < 0 ||
	    (err = braid_store_begin(ctx->store)) < 0)
		goto done;
	if ((err = braid_op_record(NULL, ctx, sys->id, "init", payload)) < 0 ||
	    (err = braid_store_meta_set(ctx->store, "format", "1")) < 0 ||
	    (err = braid_store_meta_set(ctx->store, "target", ctx->target_name)) < 0) {
		braid_store_rollback(ctx->store);
		goto done;
	}
	err = braid_store_commit(ctx->store);
done:
	if (!err && !sub)
		err = BRAID_ENOMEM;
	braid_agent_free(sys);
	free(sub);
	free(payload);
	return err;
}

int braid_init(braid_ctx **out, int *created, const char *path, const char *target)
{
	braid_ctx *ctx = NULL;
	braid_flock lk = BRAID_FLOCK_INIT;
	char *db = NULL, *branch = NULL, *lockpath = NULL;
	git_oid head;
	int err, fresh = 0;

	if ((err = ctx_alloc(&ctx, path)) < 0)
		return err;
	if (!(db = braid_ctx__path(ctx, "state.db")) ||
	    !(lockpath = braid_ctx__path(ctx, "init.lock"))) {
		err = BRAID_ENOMEM;
		goto fail;
	}
	if ((err = braid_fs_mkdir_p(ctx->dir, 0755)) < 0 ||
	    (err = braid_flock_acquire(&lk, lockpath, 60000, NULL, NULL)) < 0)
		goto fail;
	if (braid_fs_exists(db) && finish_open(ctx) == 0) {
		if (target && strcmp(target, ctx->target_name) && strcmp(target, ctx->target)) {
			err = braid_error_set(BRAID_ESTATE,
			                      "braid is already set up here with target '%s'; "
			                      "'%s' was asked for",
			                      ctx->target_name, target);
			goto fail;
		}
		goto ok;
	}
	braid_error_clear();
	braid_store_free(ctx->store);
	ctx->store = NULL;
	git_config_free(ctx->config);
	ctx->config = NULL;
	if (target)
		branch = braid_strdup(target);
	else if ((err = current_branch(&branch, ctx->git)) < 0)
		goto fail;
	if (!branch || (err = set_target(ctx, branch)) < 0) {
		err = err ? err : BRAID_ENOMEM;
		goto fail;
	}
	if (braid_repo_ref_oid(&head, ctx->git, ctx->target) < 0) {
		err = braid_error_set(BRAID_ESTATE, "branch '%s' does not exist or has no commit",
		                      ctx->target_name);
		goto fail;
	}
	if ((err = init_steps(ctx, db, &head)) < 0 || (err = find_workspace(ctx)) < 0)
		goto fail;
	fresh = 1;
ok:
	if (created)
		*created = fresh;
	braid_flock_release(&lk);
	free(db);
	free(branch);
	free(lockpath);
	*out = ctx;
	return 0;
fail:
	braid_flock_release(&lk);
	free(db);
	free(branch);
	free(lockpath);
	braid_ctx_free(ctx);
	return err;
}

struct braid_store *braid_ctx_store(const braid_ctx *ctx)
{
	return ctx->store;
}

const char *braid_ctx_root(const braid_ctx *ctx)
{
	return ctx->root;
}

const char *braid_ctx_dir(const braid_ctx *ctx)
{
	return ctx->dir;
}

const char *braid_ctx_target(const braid_ctx *ctx)
{
	return ctx->target;
}

const char *braid_ctx_target_name(const braid_ctx *ctx)
{
	return ctx->target_name;
}

const char *braid_ctx_workspace(const braid_ctx *ctx)
{
	return ctx->ws_id;
}

const char *braid_ctx_prefix(const braid_ctx *ctx)
{
	return ctx->prefix ? ctx->prefix : "";
}

const char *braid_ctx_agent_id(const braid_ctx *ctx)
{
	return ctx->agent_id;
}

const char *braid_ctx_agent_name(const braid_ctx *ctx)
{
	return ctx->agent_name;
}

int braid_ctx_set_agent(braid_ctx *ctx, const char *name)
{
	braid_agent *a = NULL;
	const char *want = name;
	int err;

	if (ctx->ws_owner) {
		if ((err = braid_agent_lookup(&a, ctx, ctx->ws_owner)) < 0)
			return err;
		if (name && strcmp(name, a->name) && strcmp(name, a->id)) {
			err = braid_error_set(
			    BRAID_EDENIED,
			    "workspace '%s' belongs to agent '%s', not '%s'; run the "
			    "command from your own workspace or drop --agent",
			    ctx->ws_id, a->name, name);
			braid_agent_free(a);
			return err;
		}
	} else {
		if (!want || !*want)
			want = getenv("BRAID_AGENT");
		if (!want || !*want)
			return 0;
		if ((err = braid_agent_lookup(&a, ctx, want)) < 0)
			return err;
	}
	free(ctx->agent_id);
	free(ctx->agent_name);
	ctx->agent_id = braid_strdup(a->id);
	ctx->agent_name = braid_strdup(a->name);
	braid_agent_free(a);
	return ctx->agent_id && ctx->agent_name ? 0 : BRAID_ENOMEM;
}

int braid_ctx_clear_agent(braid_ctx *ctx)
{
	if (ctx->ws_owner)
		return braid_error_set(BRAID_ESTATE,
		                       "the context is inside workspace '%s': its owner acts",
		                       ctx->ws_id);
	free(ctx->agent_id);
	free(ctx->agent_name);
	ctx->agent_id = ctx->agent_name = NULL;
	return 0;
}

int braid_ctx_require_agent(const char **agent_id, const braid_ctx *ctx)
{
	if (!ctx->agent_id)
		return braid_error_set(
		    BRAID_ESTATE, "no acting agent: run this inside an agent's workspace, pass "
		                  "--agent NAME, or set BRAID_AGENT");
	*agent_id = ctx->agent_id;
	return 0;
}

int braid_ctx_config_string(char **out, braid_ctx *ctx, const char *key, const char *dflt)
{
	git_config *snap = NULL;
	const char *v = NULL;

	if (git_config_snapshot(&snap, ctx->config) == 0 &&
	    git_config_get_string(&v, snap, key) == 0) {
		*out = braid_strdup(v);
	} else {
		*out = dflt ? braid_strdup(dflt) : NULL;
	}
	git_config_free(snap);
	git_error_clear();
	return (*out || !dflt) ? 0 : BRAID_ENOMEM;
}

int braid_ctx_config_bool(braid_ctx *ctx, const char *key, int dflt)
{
	int v = dflt;

	if (git_config_get_bool(&v, ctx->config, key) < 0)
		v = dflt;
	git_error_clear();
	return v;
}

int64_t braid_ctx_config_int(braid_ctx *ctx, const char *key, int64_t dflt)
{
	int64_t v = dflt;

	if (git_config_get_int64(&v, ctx->config, key) < 0)
		v = dflt;
	git_error_clear();
	return v;
}

int braid_ctx_config_set(braid_ctx *ctx, const char *key, const char *value)
{
	int rc = git_config_set_string(ctx->config, key, value);
	return rc < 0 ? braid_error_git(rc, "cannot write .braid/config") : 0;
}
