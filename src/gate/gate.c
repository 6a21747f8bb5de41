/*
 * gate.c: the gate's settings, its run records (listing, logs) and
 * `braid verify`. Starting and watching runs is in run.c.
 */
#include "common.h"
#include "braid/hash.h"
#include "braid/repo.h"
#include "ctx/ctx_int.h"
#include "gate/gate_int.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/time.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS (30LL * 60 * 1000)
#define LOG_CAP            (16u << 20)

void braid_gate_config_release(braid_gate_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->command);
	free(cfg->select);
	free(cfg->key);
	memset(cfg, 0, sizeof(*cfg));
}

static int empty(const char *s)
{
	while (s && (*s == ' ' || *s == '\t'))
		s++;
	return !s || !*s;
}

int braid_gate_config_load(braid_gate_config *out, braid_ctx *ctx)
{
	char *timeout = NULL, *mode = NULL;
	char hex[BRAID_HASH_HEXSIZE + 1];
	braid_buf k = BRAID_BUF_INIT;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = braid_ctx_config_string(&out->command, ctx, "gate.command", NULL)) < 0 ||
	    (err = braid_ctx_config_string(&out->select, ctx, "gate.select", NULL)) < 0 ||
	    (err = braid_ctx_config_string(&timeout, ctx, "gate.timeout", NULL)) < 0 ||
	    (err = braid_ctx_config_string(&mode, ctx, "queue.mode", "cumulative")) < 0)
		goto done;
	if (empty(out->command)) {
		free(out->command);
		out->command = NULL;
	}
	if (empty(out->select)) {
		free(out->select);
		out->select = NULL;
	}
	out->timeout_ms = DEFAULT_TIMEOUT_MS;
	if (timeout &&
	    (braid_time_parse_duration(&out->timeout_ms, timeout) < 0 || out->timeout_ms <= 0)) {
		err = braid_error_set(
		    BRAID_EINVALID,
		    "gate.timeout '%s' in .braid/config is not a duration (e.g. 10m)", timeout);
		goto done;
	}
	out->retries = (int)braid_ctx_config_int(ctx, "gate.retries", 1);
	if (out->retries < 0 || out->retries > 10) {
		err = braid_error_set(BRAID_EINVALID, "gate.retries must be 0..10");
		goto done;
	}
	out->concurrency = (int)braid_ctx_config_int(ctx, "queue.concurrency", 4);
	if (out->concurrency < 1 || out->concurrency > 32) {
		err = braid_error_set(BRAID_EINVALID, "queue.concurrency must be 1..32");
		goto done;
	}
	out->batch_max = (int)braid_ctx_config_int(ctx, "queue.batch-max", 8);
	if (out->batch_max < 1 || out->batch_max > 64) {
		err = braid_error_set(BRAID_EINVALID, "queue.batch-max must be 1..64");
		goto done;
	}
	if (!strcmp(mode, "independent")) {
		out->independent = 1;
	} else if (strcmp(mode, "cumulative") != 0) {
		err = braid_error_set(BRAID_EINVALID,
		                      "queue.mode '%s' is neither 'cumulative' nor 'independent'",
		                      mode);
		goto done;
	}
	/* What decides a verdict: a pass under one command says nothing under another. */
	if ((err = braid_buf_printf(&k, "%s%c%s%c%lld", out->command ? out->command : "", 0,
	                            out->select ? out->select : "", 0,
	                            (long long)out->timeout_ms)) < 0)
		goto done;
	braid_hash_hex(hex, k.ptr, k.size);
	if (!(out->key = braid_strndup(hex, 16)))
		err = BRAID_ENOMEM;
done:
	braid_buf_dispose(&k);
	free(timeout);
	free(mode);
	if (err < 0)
		braid_gate_config_release(out);
	return err;
}

/* ---- run records ------------------------------------------------------- */

#define RUN_SELECT                                                                                 \
	"SELECT id, tree, commit_id, since_tree, main_commit, submission_id, stack, kind, full,"   \
	" state, attempt, exit_code, dir, command, selection, started_at, finished_at"             \
	" FROM gate_runs"

static void run_clear(braid_gate_run *r)
{
	free(r->tree);
	free(r->commit);
	free(r->since_tree);
	free(r->main_commit);
	free(r->stack);
	free(r->kind);
	free(r->state);
	free(r->dir);
	free(r->command);
	free(r->selection);
}

void braid_gate_run_free(braid_gate_run *run)
{
	if (run) {
		run_clear(run);
		free(run);
	}
}

void braid_gate_run_list_free(braid_gate_run_list *list)
{
	size_t i;
	if (!list)
		return;
	for (i = 0; i < list->count; i++)
		run_clear(&list->items[i]);
	free(list->items);
	free(list);
}

static int row_to_run(braid_gate_run *r, sqlite3_stmt *st)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->tree = braid_store__col_strdup(st, 1);
	r->commit = braid_store__col_strdup(st, 2);
	r->since_tree = braid_store__col_strdup(st, 3);
	r->main_commit = braid_store__col_strdup(st, 4);
	r->submission = sqlite3_column_int64(st, 5);
	r->stack = braid_store__col_strdup(st, 6);
	r->kind = braid_store__col_strdup(st, 7);
	r->full = sqlite3_column_int(st, 8);
	r->state = braid_store__col_strdup(st, 9);
	r->attempt = sqlite3_column_int(st, 10);
	r->exit_code = sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 11);
	r->dir = braid_store__col_strdup(st, 12);
	r->command = braid_store__col_strdup(st, 13);
	r->selection = braid_store__col_strdup(st, 14);
	r->started_at = sqlite3_column_int64(st, 15);
	r->finished_at = sqlite3_column_int64(st, 16);
	return r->tree && r->commit && r->state && r->kind && r->dir
	           ? 0
	           : braid_error_set(BRAID_ENOMEM, "out of memory");
}

int braid_gate_run_get(braid_gate_run **out, braid_ctx *ctx, int64_t id)
{
	sqlite3_stmt *st;
	braid_gate_run *r;
	int err;

	if ((err = braid_store__stmt(&st, ctx->store, RUN_SELECT " WHERE id = ?")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOTFOUND, "no gate run %lld", (long long)id);
	}
	if (!(r = calloc(1, sizeof(*r)))) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	err = row_to_run(r, st);
	sqlite3_reset(st);
	if (err < 0) {
		braid_gate_run_free(r);
		return err;
	}
	*out = r;
	return 0;
}

int braid_gate_run_list_recent(braid_gate_run_list **out, braid_ctx *ctx, int64_t submission,
                               int running, size_t limit)
{
	sqlite3_stmt *st;
	braid_gate_run_list *l;
	int err = 0, rc;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             RUN_SELECT
	                             " WHERE (?1 = 0 OR submission_id = ?1 OR EXISTS (SELECT 1 FROM"
	                             " json_each(gate_runs.stack) WHERE value = ?1))"
	                             " AND (?2 = 0 OR state IN ('running', 'cancelling'))"
	                             " ORDER BY id DESC LIMIT ?3")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, submission);
	sqlite3_bind_int(st, 2, running);
	sqlite3_bind_int64(st, 3, limit ? (int64_t)limit : -1);
	if (!(l = calloc(1, sizeof(*l)))) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		braid_gate_run *n = realloc(l->items, (l->count + 1) * sizeof(*n));
		if (!n) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		l->items = n;
		if ((err = row_to_run(&l->items[l->count++], st)) < 0)
			break;
	}
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = braid_store__error(ctx->store, "cannot list gate runs");
	sqlite3_reset(st);
	if (err < 0) {
		braid_gate_run_list_free(l);
		return err;
	}
	*out = l;
	return 0;
}

int braid_gate_run_log(char **out, braid_ctx *ctx, const braid_gate_run *run, size_t tail)
{
	braid_buf path = BRAID_BUF_INIT, text = BRAID_BUF_INIT;
	struct stat sb;
	int fd = -1, err;

	if ((err = braid_path_join(&path, ctx->dir, run->dir)) < 0 ||
	    (err = braid_buf_puts(&path, "/log")) < 0)
		goto done;
	if (!tail || tail > LOG_CAP)
		tail = LOG_CAP;
	if ((fd = open(path.ptr, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) < 0) {
		err = braid_error_os("cannot read gate log", path.ptr);
		goto done;
	}
	if ((size_t)sb.st_size > tail && lseek(fd, sb.st_size - (off_t)tail, SEEK_SET) < 0) {
		err = braid_error_os("cannot read gate log", path.ptr);
		goto done;
	}
	if ((err = braid_buf_grow(&text, tail)) < 0)
		goto done;
	for (;;) {
		ssize_t n = read(fd, text.ptr + text.size, text.asize - text.size - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = braid_error_os("cannot read gate log", path.ptr);
			goto done;
		}
		if (n == 0)
			break;
		text.size += (size_t)n;
		text.ptr[text.size] = '\0';
		if (text.size + 1 >= text.asize)
			break;
	}
	*out = braid_buf_detach(&text);
done:
	if (fd >= 0)
		close(fd);
	braid_buf_dispose(&path);
	braid_buf_dispose(&text);
	return err;
}

/* ---- braid verify ------------------------------------------------------ */

/* The tree the last full run on main passed, to be incremental against. */
static int last_full_pass(git_oid *out, braid_ctx *ctx, const char *key)
{
	sqlite3_stmt *st;
	int found = 0;

	if (braid_store__stmt(&st, ctx->store,
	                      "SELECT tree FROM gate_runs WHERE gate_key = ? AND state = 'passed'"
	                      " AND full = 1 AND kind = 'verify' ORDER BY id DESC LIMIT 1") < 0)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		found = git_oid_fromstr(out, (const char *)sqlite3_column_text(st, 0)) == 0;
	sqlite3_reset(st);
	git_error_clear();
	return found;
}

int braid_gate_verify(braid_gate_run **out, braid_ctx *ctx, int all,
                      void (*progress)(void *payload, const char *what, long waited_ms),
                      void *payload)
{
	braid_gate_config cfg;
	braid_gate_req req;
	braid_gate_run *run = NULL;
	git_oid since;
	char mhex[GIT_OID_HEXSZ + 1];
	int64_t id, start = braid_time_mono_ms(), next = start + 1000;
	int err, have_since;

	if ((err = braid_gate_config_load(&cfg, ctx)) < 0)
		return err;
	if (!cfg.command) {
		err = braid_error_set(BRAID_ESTATE, "no verification gate is configured; set "
		                                    "gate.command in .braid/config");
		goto done;
	}
	memset(&req, 0, sizeof(req));
	if ((err = braid_repo_ref_oid(&req.commit, ctx->git, ctx->target)) < 0)
		goto done;
	have_since = !all && cfg.select && last_full_pass(&since, ctx, cfg.key);
	req.since = have_since ? &since : NULL;
	req.main_commit = braid_repo_oid_hex(mhex, &req.commit);
	req.kind = "verify";
	req.attempt = 1;
	if ((err = braid_gate__start(&id, ctx, &cfg, &req)) < 0)
		goto done;
	for (;;) {
		if ((err = braid_gate__reap(ctx, NULL)) < 0 ||
		    (err = braid_gate_run_get(&run, ctx, id)) < 0)
			goto done;
		if (strcmp(run->state, "running") != 0 && strcmp(run->state, "cancelling") != 0)
			break;
		braid_gate_run_free(run);
		run = NULL;
		if (progress && braid_time_mono_ms() >= next) {
			progress(payload, "verifying main", (long)(braid_time_mono_ms() - start));
			next += 1000;
		}
		braid_time_sleep_us(50000);
	}
	*out = run;
	run = NULL;
done:
	braid_gate_run_free(run);
	braid_gate_config_release(&cfg);
	return err;
}
