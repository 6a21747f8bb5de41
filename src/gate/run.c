/*
 * run.c: starting and watching gate runs. A run is:
 *
 *   .braid/gate/runs/<name>/lock         flock held by the run's monitor while it lives
 *   .braid/gate/runs/<name>/log          the command's output (stdout and stderr)
 *   .braid/gate/runs/<name>/gate.json    what changed (also given as BRAID_GATE_JSON)
 *   .braid/gate/runs/<name>/result.json  written by the monitor when the command ended
 *
 * The monitor is a grandchild of the process that starts the run, in its
 * own session, so it outlives that process: it enforces the timeout and
 * cancellation by killing the command's process group, and reports through
 * result.json. It never touches SQLite or libgit2. Whoever reaps next (any
 * driver, `braid verify`) moves the row to its verdict; a run whose lock is
 * free without a result lost its monitor (a crash) and is marked "lost", so
 * the queue runs that tree again and nothing lands unverified.
 */
#include "common.h"
#include "braid/repo.h"
#include "braid/symidx.h"
#include "ctx/ctx_int.h"
#include "gate/gate_int.h"
#include "util/buf.h"
#include "util/fault.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/time.h"

#include <fcntl.h>
#include <limits.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define ENV_CAP         (100u << 10) /* per variable; the JSON file has everything */
#define TERM_GRACE_MS   5000
#define MONITOR_TICK_MS 100

/* ---- what the command is told -------------------------------------------- */

static int put_lines(braid_buf *b, int *truncated, const char *s)
{
	if (b->size + strlen(s) + 1 > ENV_CAP) {
		*truncated = 1;
		return 0;
	}
	if (b->size && braid_buf_putc(b, '\n') < 0)
		return BRAID_ENOMEM;
	return braid_buf_puts(b, s);
}

typedef struct selection {
	json_t *json;
	int full;
	braid_buf files, symbols, dependents, affected, affected_files;
	int truncated;
} selection;

static void selection_clear(selection *s)
{
	json_decref(s->json);
	braid_buf_dispose(&s->files);
	braid_buf_dispose(&s->symbols);
	braid_buf_dispose(&s->dependents);
	braid_buf_dispose(&s->affected);
	braid_buf_dispose(&s->affected_files);
}

static json_t *syms_json(const braid_symidx_sym *v, size_t n)
{
	json_t *a = json_array();
	size_t i;
	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s?, s:s}", "file", v[i].file, "name",
		                                   v[i].name, "kind", v[i].kind));
	return a;
}

static json_t *strs_json(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;
	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* Decide full or selective, and describe what changed (gate.json and env). */
static int select_for(selection *sel, braid_ctx *ctx, const braid_gate_config *cfg,
                      const braid_gate_req *req, const git_oid *tree)
{
	braid_symidx_diff d;
	char shex[GIT_OID_HEXSZ + 1];
	json_t *names;
	size_t i;
	int err = 0, have = 0;

	memset(sel, 0, sizeof(*sel));
	sel->files = sel->symbols = sel->dependents = sel->affected = sel->affected_files =
	    (braid_buf)BRAID_BUF_INIT;
	memset(&d, 0, sizeof(d));
	sel->full = 1;
	if (req->since && cfg->select) {
		if ((err = braid_symidx_diff_trees(&d, ctx, req->since, tree)) < 0)
			return err;
		have = 1;
		sel->full = !d.precise;
	}
	names = json_array();
	for (i = 0; have && i < d.nfiles && !err; i++)
		err = put_lines(&sel->files, &sel->truncated, d.files[i]);
	for (i = 0; have && i < d.nchanged && !err; i++) {
		err = put_lines(&sel->symbols, &sel->truncated, d.changed[i].name);
		if (!err)
			err = put_lines(&sel->affected, &sel->truncated, d.changed[i].name);
		json_array_append_new(names, json_string(d.changed[i].name));
	}
	for (i = 0; have && i < d.ndependents && !err; i++) {
		if (!d.dependents[i].name)
			continue;
		err = put_lines(&sel->dependents, &sel->truncated, d.dependents[i].name);
		if (!err)
			err = put_lines(&sel->affected, &sel->truncated, d.dependents[i].name);
		json_array_append_new(names, json_string(d.dependents[i].name));
	}
	for (i = 0; have && i < d.naffected_files && !err; i++)
		err = put_lines(&sel->affected_files, &sel->truncated, d.affected_files[i]);
	if (!err) {
		sel->json =
		    json_pack("{s:s?, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o}", "since",
		              req->since ? braid_repo_oid_hex(shex, req->since) : NULL, "full",
		              sel->full, "precise", have && d.precise, "changed_files",
		              have ? strs_json(d.files, d.nfiles) : json_array(), "changed_symbols",
		              have ? syms_json(d.changed, d.nchanged) : json_array(), "dependents",
		              have ? syms_json(d.dependents, d.ndependents) : json_array(),
		              "affected_symbols", names, "affected_files",
		              have ? strs_json(d.affected_files, d.naffected_files) : json_array(),
		              "used_by_changed", have ? strs_json(d.refs, d.nrefs) : json_array());
		names = NULL;
		if (!sel->json)
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	json_decref(names);
	braid_symidx_diff_release(&d);
	return err;
}

typedef struct envv {
	char **v;
	size_t n, cap;
} envv;

static int env_add(envv *e, const char *key, const char *val)
{
	if (e->n + 2 > e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		char **nv = realloc(e->v, cap * sizeof(*nv));
		if (!nv)
			return braid_error_set(BRAID_ENOMEM, "out of memory");
		e->v = nv;
		e->cap = cap;
	}
	if (!(e->v[e->n] = val ? braid_sprintf_alloc("%s=%s", key, val) : braid_strdup(key)))
		return BRAID_ENOMEM;
	e->v[++e->n] = NULL;
	return 0;
}

static void env_free(envv *e)
{
	size_t i;
	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
}

static int skip_inherited(const char *kv)
{
	static const char *const drop[] = {"GIT_DIR=",       "GIT_WORK_TREE=",    "GIT_INDEX_FILE=",
	                                   "GIT_PREFIX=",    "GIT_COMMON_DIR=",   "BRAID_GATE",
	                                   "BRAID_CHANGED_", "BRAID_DEPENDENTS=", "BRAID_AFFECTED_",
	                                   "BRAID_CRASH_AT="};
	size_t i;
	for (i = 0; i < BRAID_ARRAY_SIZE(drop); i++)
		if (!strncmp(kv, drop[i], strlen(drop[i])))
			return 1;
	return 0;
}

static int build_env(envv *e, braid_ctx *ctx, int64_t id, const char *tree, const char *commit,
                     const char *since, const char *json_path, const braid_gate_req *req,
                     const selection *sel)
{
	char num[32];
	char **p;
	int err = 0;

	for (p = environ; p && *p && !err; p++)
		if (!skip_inherited(*p))
			err = env_add(e, *p, NULL);
	snprintf(num, sizeof(num), "%lld", (long long)id);
	if (err || (err = env_add(e, "BRAID_GATE_RUN", num)) < 0 ||
	    (err = env_add(e, "BRAID_GATE_TREE", tree)) < 0 ||
	    (err = env_add(e, "BRAID_GATE_COMMIT", commit)) < 0 ||
	    (err = env_add(e, "BRAID_GATE_SINCE", since ? since : "")) < 0 ||
	    (err = env_add(e, "BRAID_GATE_FULL", sel->full ? "1" : "0")) < 0 ||
	    (err = env_add(e, "BRAID_GATE_JSON", json_path)) < 0 ||
	    (err = env_add(e, "BRAID_GATE_KIND", req->kind)) < 0 ||
	    (err = env_add(e, "BRAID_REPO", ctx->root)) < 0 ||
	    (err = env_add(e, "BRAID_CHANGED_FILES", sel->files.ptr)) < 0 ||
	    (err = env_add(e, "BRAID_CHANGED_SYMBOLS", sel->symbols.ptr)) < 0 ||
	    (err = env_add(e, "BRAID_DEPENDENTS", sel->dependents.ptr)) < 0 ||
	    (err = env_add(e, "BRAID_AFFECTED_SYMBOLS", sel->affected.ptr)) < 0 ||
	    (err = env_add(e, "BRAID_AFFECTED_FILES", sel->affected_files.ptr)) < 0)
		return err;
	if (sel->truncated && (err = env_add(e, "BRAID_GATE_TRUNCATED", "1")) < 0)
		return err;
	if (req->stack) {
		/* "[3,4,5]" -> "3 4 5" */
		braid_buf ids = BRAID_BUF_INIT;
		const char *c;
		for (c = req->stack; *c && !err; c++)
			if (*c != '[' && *c != ']')
				err = braid_buf_putc(&ids, *c == ',' ? ' ' : *c);
		if (!err)
			err = env_add(e, "BRAID_GATE_SUBMISSIONS", ids.ptr);
		braid_buf_dispose(&ids);
	}
	return err;
}

/* ---- the scratch worktree ------------------------------------------------ */

static int slot_path(braid_buf *path, braid_buf *name, braid_ctx *ctx, int slot)
{
	int err;
	braid_buf_clear(path);
	braid_buf_clear(name);
	if ((err = braid_buf_printf(path, "%s/gate/wt/%d", ctx->dir, slot)) < 0 ||
	    (err = braid_buf_printf(name, "braid-gate-%d", slot)) < 0)
		return err;
	return 0;
}

/*
 * Make the worktree of `slot` hold exactly `commit`: reuse it (a forced
 * checkout that also removes untracked files; ignored build output is kept
 * as a cache) or create it.
 */
static int materialize(braid_ctx *ctx, int slot, const git_oid *commit, braid_buf *wtpath)
{
	braid_buf name = BRAID_BUF_INIT, dotgit = BRAID_BUF_INIT;
	git_repository *wt = NULL;
	git_commit *c = NULL;
	git_checkout_options co;
	int err;

	if ((err = slot_path(wtpath, &name, ctx, slot)) < 0 ||
	    (err = braid_buf_printf(&dotgit, "%s/.git", wtpath->ptr)) < 0)
		goto done;
	if (braid_fs_exists(dotgit.ptr)) {
		git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
		co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED |
		                       GIT_CHECKOUT_RECREATE_MISSING;
		/* Any failure: a broken scratch worktree is rebuilt, never trusted. */
		if (git_repository_open(&wt, wtpath->ptr) == 0 &&
		    git_commit_lookup(&c, wt, commit) == 0 &&
		    git_checkout_tree(wt, (git_object *)c, &co) == 0 &&
		    git_repository_set_head_detached(wt, commit) == 0)
			goto done;
		git_error_clear();
		git_commit_free(c);
		c = NULL;
		git_repository_free(wt);
		wt = NULL;
	}
	if ((err = braid_repo_worktree_remove(ctx->git, name.ptr, wtpath->ptr)) < 0)
		goto done;
	err = braid_repo_worktree_add(ctx->git, name.ptr, wtpath->ptr, commit);
done:
	git_commit_free(c);
	git_repository_free(wt);
	braid_buf_dispose(&name);
	braid_buf_dispose(&dotgit);
	return err;
}

/* ---- the monitor ----------------------------------------------------------- */

static void close_fds_except(int keep)
{
#ifdef SYS_close_range
	if (keep > 3)
		syscall(SYS_close_range, 3u, (unsigned)keep - 1, 0u);
	if (syscall(SYS_close_range, (unsigned)keep + 1, ~0u, 0u) == 0)
		return;
#endif
	for (int fd = 3; fd < 65536; fd++)
		if (fd != keep)
			close(fd);
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char tmp[4200], dst[4200];
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name);
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return;
	/* A short write (a full disk) is never published: the reader sees no file. */
	ok = write_all(fd, text, strlen(text)) == 0 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, dst) != 0)
		unlink(tmp);
}

static int exists_in(const char *dir, const char *name)
{
	char p[4200];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

__attribute__((noreturn)) static void monitor(int lockfd, const char *rundir, const char *wt,
                                              const char *command, char **envp, int64_t timeout_ms)
{
	char p[4200], buf[512];
	sigset_t chld, none;
	struct timespec tick = {0, MONITOR_TICK_MS * 1000000L};
	int64_t start = braid_time_now_ms(), t0 = braid_time_mono_ms(), kill_at = 0;
	int logfd, nullfd, status = 0, timed_out = 0, cancelled = 0;
	pid_t pid;

	setsid();
	close_fds_except(lockfd);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&chld);
	sigemptyset(&none);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	snprintf(p, sizeof(p), "%s/log", rundir);
	logfd = open(p, O_WRONLY | O_APPEND | O_CREAT, 0644);
	nullfd = open("/dev/null", O_RDWR);
	if ((pid = fork()) == 0) {
		char *argv[] = {"sh", "-c", (char *)command, NULL};
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setpgid(0, 0);
		if (chdir(wt) < 0)
			_exit(126);
		dup2(nullfd, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		close(logfd);
		close(nullfd);
		close(lockfd);
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	if (pid > 0) {
		setpgid(pid, pid);
		snprintf(buf, sizeof(buf), "%d\n", (int)pid);
		put_file(rundir, "pgid", buf);
		for (;;) {
			pid_t r = waitpid(pid, &status, WNOHANG);
			int64_t now = braid_time_mono_ms();
			if (r == pid || (r < 0 && errno != EINTR))
				break;
			if (!timed_out && now - t0 > timeout_ms) {
				timed_out = 1;
				kill(-pid, SIGTERM);
				kill_at = now + TERM_GRACE_MS;
				snprintf(buf, sizeof(buf),
				         "\nbraid: the gate timed out after %llds; its process "
				         "group was stopped\n",
				         (long long)(timeout_ms / 1000));
				write_all(logfd, buf, strlen(buf));
			}
			if (kill_at && now >= kill_at)
				kill(-pid, SIGKILL);
			if (!cancelled && exists_in(rundir, "cancel")) {
				cancelled = 1;
				kill(-pid, SIGKILL);
			}
			sigtimedwait(&chld, NULL, &tick);
		}
		kill(-pid, SIGKILL); /* whatever the command left behind */
	}
	snprintf(buf, sizeof(buf),
	         "{\"exit\": %d, \"signal\": %d, \"timed_out\": %s, \"cancelled\": %s,"
	         " \"started\": %lld, \"ended\": %lld, \"spawned\": %s}\n",
	         pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1,
	         pid > 0 && WIFSIGNALED(status) ? WTERMSIG(status) : 0,
	         timed_out ? "true" : "false", cancelled ? "true" : "false", (long long)start,
	         (long long)braid_time_now_ms(), pid > 0 ? "true" : "false");
	put_file(rundir, "result.json", buf);
	_exit(0);
}

/* ---- starting ---------------------------------------------------------------- */

/* The lowest slot no live run uses (the caller holds the write transaction). */
static int free_slot(int *slot, braid_ctx *ctx)
{
	sqlite3_stmt *st;
	unsigned char used[256] = {0};
	int rc, i;

	if ((rc = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT slot FROM gate_runs WHERE state IN ('running', 'cancelling')"
	         " AND slot IS NOT NULL")) < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int s = sqlite3_column_int(st, 0);
		if (s >= 0 && s < 256)
			used[s] = 1;
	}
	/* A slot list cut short would hand out a worktree that is in use. */
	if (rc != SQLITE_DONE) {
		rc = braid_store__error(ctx->store, "cannot list the gate worktree slots");
		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	for (i = 0; i < 256 && used[i]; i++)
		;
	if (i == 256)
		return braid_error_set(BRAID_EBUSY, "every gate worktree slot is in use");
	*slot = i;
	return 0;
}

static int insert_run(int64_t *id, int *slot, braid_ctx *ctx, const braid_gate_config *cfg,
                      const braid_gate_req *req, const char *tree, const char *commit,
                      const char *since, int full, const char *dir, const char *command)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store_begin(ctx->store)) < 0)
		return err;
	if ((err = free_slot(slot, ctx)) < 0 ||
	    (err = braid_store__stmt(
	         &st, ctx->store,
	         "INSERT INTO gate_runs(tree, since_tree, gate_key, commit_id,"
	         " main_commit, submission_id, stack, kind, full, state, attempt,"
	         " slot, dir, command, started_at)"
	         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)")) < 0)
		goto rollback;
	sqlite3_bind_text(st, 1, tree, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, full ? "" : since, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, cfg->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, commit, -1, SQLITE_STATIC);
	braid_store__bind_text(st, 5, req->main_commit);
	if (req->submission)
		sqlite3_bind_int64(st, 6, req->submission);
	else
		sqlite3_bind_null(st, 6);
	braid_store__bind_text(st, 7, req->stack);
	sqlite3_bind_text(st, 8, req->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, full);
	sqlite3_bind_int(st, 10, req->attempt > 0 ? req->attempt : 1);
	sqlite3_bind_int(st, 11, *slot);
	sqlite3_bind_text(st, 12, dir, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, command, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, braid_time_now_ms());
	if ((err = braid_store__step_done(ctx->store, st, "cannot record gate run")) < 0)
		goto rollback;
	*id = sqlite3_last_insert_rowid(ctx->store->db);
	return braid_store_commit(ctx->store);
rollback:
	braid_store_rollback(ctx->store);
	return err;
}

static int set_run_state(braid_ctx *ctx, int64_t id, const char *from, const char *to,
                         int exit_code, const char *sel_json)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "UPDATE gate_runs SET state = ?3, exit_code = ?4,"
	         " selection = coalesce(?5, selection),"
	         " finished_at = CASE WHEN ?3 IN ('running', 'cancelling') THEN NULL"
	         " ELSE ?6 END WHERE id = ?1 AND (?2 IS NULL OR state = ?2)")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, id);
	braid_store__bind_text(st, 2, from);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	if (exit_code >= 0)
		sqlite3_bind_int(st, 4, exit_code);
	else
		sqlite3_bind_null(st, 4);
	braid_store__bind_text(st, 5, sel_json);
	sqlite3_bind_int64(st, 6, braid_time_now_ms());
	return braid_store__step_done(ctx->store, st, "cannot update gate run");
}

static void append_log(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		write_all(fd, text, strlen(text));
		close(fd);
	}
}

int braid_gate__start(int64_t *id_out, braid_ctx *ctx, const braid_gate_config *cfg,
                      const braid_gate_req *req)
{
	selection sel;
	envv env = {0};
	braid_buf rel = BRAID_BUF_INIT, abs = BRAID_BUF_INIT, p = BRAID_BUF_INIT,
	          wt = BRAID_BUF_INIT;
	char thex[GIT_OID_HEXSZ + 1], chex[GIT_OID_HEXSZ + 1], shex[GIT_OID_HEXSZ + 1];
	char *json_text = NULL;
	const char *command;
	git_oid tree;
	int64_t id = 0;
	int lockfd = -1, err, slot = -1;
	pid_t child;

	BRAID_ASSERT_ARG(cfg && cfg->command && req && req->kind);
	memset(&sel, 0, sizeof(sel));
	if ((err = braid_repo_commit_tree(&tree, ctx->git, &req->commit)) < 0)
		return err;
	braid_repo_oid_hex(thex, &tree);
	braid_repo_oid_hex(chex, &req->commit);
	if (req->since)
		braid_repo_oid_hex(shex, req->since);
	if ((err = select_for(&sel, ctx, cfg, req, &tree)) < 0)
		goto done;
	command = sel.full ? cfg->command : cfg->select;
	/* The run directory and its lock exist before the row does: a reaper never sees a
	 * running row without a live lock unless its monitor really died. */
	if ((err = braid_buf_printf(&rel, "gate/runs/%lld-%d-%08x", (long long)braid_time_now_us(),
	                            (int)getpid(), (unsigned)randombytes_random())) < 0 ||
	    (err = braid_path_join(&abs, ctx->dir, rel.ptr)) < 0 ||
	    (err = braid_fs_mkdir_p(abs.ptr, 0755)) < 0 ||
	    (err = braid_buf_printf(&p, "%s/lock", abs.ptr)) < 0)
		goto done;
	if ((lockfd = open(p.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
	    flock(lockfd, LOCK_EX) < 0) {
		err = braid_error_os("cannot lock", p.ptr);
		goto done;
	}
	if ((err = insert_run(&id, &slot, ctx, cfg, req, thex, chex, req->since ? shex : "",
	                      sel.full, rel.ptr, command)) < 0)
		goto done;
	json_object_set_new(sel.json, "run", json_integer(id));
	json_object_set_new(sel.json, "tree", json_string(thex));
	json_object_set_new(sel.json, "commit", json_string(chex));
	json_object_set_new(sel.json, "kind", json_string(req->kind));
	json_object_set_new(sel.json, "command", json_string(command));
	if (req->stack)
		json_object_set_new(sel.json, "submissions", json_loads(req->stack, 0, NULL));
	if (!(json_text = json_dumps(sel.json, JSON_INDENT(2) | JSON_SORT_KEYS))) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto fail;
	}
	braid_buf_clear(&p);
	if ((err = braid_buf_printf(&p, "%s/gate.json", abs.ptr)) < 0 ||
	    (err = braid_fs_write_atomic(p.ptr, json_text, strlen(json_text), 0644)) < 0 ||
	    (err = set_run_state(ctx, id, NULL, "running", -1, json_text)) < 0)
		goto fail;
	if ((err = materialize(ctx, slot, &req->commit, &wt)) < 0)
		goto fail;
	if ((err = build_env(&env, ctx, id, thex, chex, req->since ? shex : NULL, p.ptr, req,
	                     &sel)) < 0)
		goto fail;
	braid_buf_clear(&p);
	if ((err = braid_buf_printf(&p, "%s/log", abs.ptr)) < 0)
		goto fail;
	{
		char *head = braid_sprintf_alloc(
		    "braid: gate run %lld (%s%s) on tree %.12s, commit %.12s, in %s\n"
		    "braid: $ %s\n",
		    (long long)id, req->kind, sel.full ? ", full" : ", selected", thex, chex,
		    wt.ptr, command);
		if (head)
			append_log(p.ptr, head);
		free(head);
	}
	BRAID_FAULT("gate-before-spawn");
	(void)fflush(NULL); /* nothing buffered is written twice by the child */
	if ((child = fork()) < 0) {
		err = braid_error_os("cannot start the gate", abs.ptr);
		goto fail;
	}
	if (child == 0) {
		if (fork() == 0)
			monitor(lockfd, abs.ptr, wt.ptr, command, env.v, cfg->timeout_ms);
		_exit(0);
	}
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	*id_out = id;
	goto done;
fail:
	if (id) {
		char *msg = braid_sprintf_alloc("braid: could not start the gate: %s\n",
		                                braid_error_last());
		braid_buf_clear(&p);
		if (msg && braid_buf_printf(&p, "%s/log", abs.ptr) == 0)
			append_log(p.ptr, msg);
		free(msg);
		if (set_run_state(ctx, id, "running", "lost", -1, NULL) < 0)
			braid_error_clear();
	}
done:
	if (lockfd >= 0)
		close(lockfd); /* the monitor holds its own copy of the lock */
	free(json_text);
	env_free(&env);
	selection_clear(&sel);
	braid_buf_dispose(&rel);
	braid_buf_dispose(&abs);
	braid_buf_dispose(&p);
	braid_buf_dispose(&wt);
	return err;
}

/* ---- reaping ----------------------------------------------------------------- */

/* Is the monitor of run directory `abs` gone (its lock free)? */
static int monitor_gone(const char *abs)
{
	char p[4200];
	int fd, gone;

	snprintf(p, sizeof(p), "%s/lock", abs);
	if ((fd = open(p, O_RDWR | O_CLOEXEC)) < 0)
		return 1;
	gone = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return gone;
}

/* A dead monitor's command may still run in its worktree: stop it. */
static void kill_orphan(const char *abs, const char *wtdir)
{
	braid_buf b = BRAID_BUF_INIT;
	char p[4200], cwd[4200], *end;
	ssize_t n;
	long v;
	int pgid, ok;

	snprintf(p, sizeof(p), "%s/pgid", abs);
	if (braid_fs_read(&b, p, 64) < 0) {
		braid_error_clear();
		return;
	}
	/* Written by the monitor as "%d\n"; anything else is not a group to kill. */
	errno = 0;
	v = strtol(b.ptr, &end, 10);
	ok = errno == 0 && end != b.ptr && (*end == '\n' || *end == '\0') && v > 1 && v <= INT_MAX;
	braid_buf_dispose(&b);
	if (!ok)
		return;
	pgid = (int)v;
	/* Only if that process still works in braid's scratch worktrees (pids get reused). */
	snprintf(p, sizeof(p), "/proc/%d/cwd", pgid);
	if ((n = readlink(p, cwd, sizeof(cwd) - 1)) <= 0)
		return;
	cwd[n] = '\0';
	if (!strncmp(cwd, wtdir, strlen(wtdir)))
		kill(-pgid, SIGKILL);
}

typedef struct reaped {
	int64_t id;
	char *state;
	char *dir;
} reaped;

int braid_gate__reap(braid_ctx *ctx, size_t *finished)
{
	sqlite3_stmt *st;
	reaped *rows = NULL;
	size_t n = 0, i, changed = 0;
	braid_buf abs = BRAID_BUF_INIT, res = BRAID_BUF_INIT, wtdir = BRAID_BUF_INIT;
	int err, rc;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT id, state, dir FROM gate_runs"
	                             " WHERE state IN ('running', 'cancelling')")) < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		reaped *nr = realloc(rows, (n + 1) * sizeof(*nr));
		if (!nr) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		rows = nr;
		rows[n].id = sqlite3_column_int64(st, 0);
		rows[n].state = braid_store__col_strdup(st, 1);
		rows[n].dir = braid_store__col_strdup(st, 2);
		n++;
	}
	if (!err && rc != SQLITE_DONE)
		err = braid_store__error(ctx->store, "cannot list the running gate runs");
	sqlite3_reset(st);
	if (err < 0 || (err = braid_buf_printf(&wtdir, "%s/gate/wt/", ctx->dir)) < 0)
		goto done;
	for (i = 0; i < n && !err; i++) {
		const char *to = NULL;
		int code = -1, cancelling;
		if (!rows[i].state || !rows[i].dir) {
			err = BRAID_ENOMEM;
			break;
		}
		cancelling = !strcmp(rows[i].state, "cancelling");
		braid_buf_clear(&abs);
		braid_buf_clear(&res);
		if ((err = braid_path_join(&abs, ctx->dir, rows[i].dir)) < 0 ||
		    (err = braid_buf_printf(&res, "%s/result.json", abs.ptr)) < 0)
			break;
		if (braid_fs_exists(res.ptr)) {
			json_t *j = json_load_file(res.ptr, 0, NULL);
			code = (int)json_integer_value(json_object_get(j, "exit"));
			/* An unreadable result is no verdict (never a pass): run it again. */
			if (!json_is_integer(json_object_get(j, "exit")))
				to = cancelling ? "cancelled" : "lost";
			else if (cancelling || json_is_true(json_object_get(j, "cancelled")))
				to = "cancelled";
			else if (!json_is_true(json_object_get(j, "spawned")))
				to = "lost";
			else if (json_is_true(json_object_get(j, "timed_out")))
				to = "timeout";
			else
				to = code == 0 ? "passed" : "failed";
			json_decref(j);
		} else if (monitor_gone(abs.ptr)) {
			kill_orphan(abs.ptr, wtdir.ptr);
			to = cancelling ? "cancelled" : "lost";
			if (!cancelling) {
				braid_buf lp = BRAID_BUF_INIT;
				if (braid_buf_printf(&lp, "%s/log", abs.ptr) == 0)
					append_log(lp.ptr, "\nbraid: the run's monitor died before "
					                   "the gate finished (a crash); the tree "
					                   "will be verified again\n");
				braid_buf_dispose(&lp);
			}
		}
		if (to) {
			if ((err = set_run_state(ctx, rows[i].id, rows[i].state, to, code, NULL)) <
			    0)
				break;
			changed++;
		}
	}
done:
	for (i = 0; i < n; i++) {
		free(rows[i].state);
		free(rows[i].dir);
	}
	free(rows);
	braid_buf_dispose(&abs);
	braid_buf_dispose(&res);
	braid_buf_dispose(&wtdir);
	if (finished)
		*finished = changed;
	return err;
}

int braid_gate__cancel(braid_ctx *ctx, int64_t id)
{
	sqlite3_stmt *st;
	braid_buf p = BRAID_BUF_INIT;
	char *dir = NULL;
	int err;

	if ((err = braid_store__stmt(
	         &st, ctx->store, "SELECT dir FROM gate_runs WHERE id = ? AND state = 'running'")) <
	    0)
		return err;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		dir = braid_store__col_strdup(st, 0);
	sqlite3_reset(st);
	if (!dir)
		return 0;
	if ((err = set_run_state(ctx, id, "running", "cancelling", -1, NULL)) < 0)
		goto done;
	if ((err = braid_path_join(&p, ctx->dir, dir)) < 0 ||
	    (err = braid_buf_puts(&p, "/cancel")) < 0)
		goto done;
	err = braid_fs_write_atomic(p.ptr, "", 0, 0644);
done:
	braid_buf_dispose(&p);
	free(dir);
	return err;
}

int braid_gate__running(braid_ctx *ctx, size_t *count)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT count(*) FROM gate_runs WHERE state = 'running'")) < 0)
		return err;
	*count = sqlite3_step(st) == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return 0;
}
