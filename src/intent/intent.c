/*
 * intent.c: the lock table. Grants, queues, preemption, leases, releases
 * and notices, each decided inside one short IMMEDIATE transaction on the
 * state database, taken in turn (FIFO) through the shared-memory ticket
 * lock of turn.c. A waiting request sleeps on its wake word until a
 * release, expiry or withdrawal that may concern it (or its own deadline);
 * then it takes a cheap read-only look, and the write lock only when
 * something can change. Targets and compatibility live in target.c;
 * submit-time checks in check.c; reads/writes in read.c.
 */
#include "common.h"
#include "braid/agent.h"
#include "braid/op.h"
#include "intent/intent_int.h"
#include "op/op_int.h"
#include "util/time.h"

#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TTL_MS         (30 * 60 * 1000)
#define DEFAULT_MAX_LEASE_MS   (4 * 60 * 60 * 1000)
#define DEFAULT_GRACE_MS       (60 * 1000)
#define DEFAULT_QUEUE_LEASE_MS (15 * 1000)
#define MAX_TARGETS            1024
/*
 * The lock connection checkpoints the WAL itself, after its commit and
 * after giving up its turn, once the WAL holds this many frames (SQLite's
 * own auto-checkpoint would run inside the commit, while the next lock
 * transaction waits for the turn).
 */
#define CHECKPOINT_FRAMES 10000
/* Waiting requests look again at least this often, woken or not (ms). */
#define WAIT_POLL_NEXT_MS 100
#define WAIT_POLL_MS      1000
/* How many waiting requests one freed target examines for wake-ups. */
#define WAKE_SCAN_MAX 256

/* --- per-context state: configuration, the lock connection, the turnstile --- */

/* The intent settings of .braid/config, read once per call. */
typedef struct icfg {
	int64_t ttl_ms, max_lease_ms, grace_ms, queue_lease_ms;
	int durable;           /* intent.durability = full */
	int log;               /* ILOG_* */
	int signing;           /* op.signing: BRAID_OP__SIGN_EACH or BRAID_OP__SEALED */
	char *structure_globs; /* intent.structure-globs, or NULL */
} icfg;

enum { ILOG_ALL = 0, ILOG_CONTENTION };

typedef struct istate {
	icfg cfg;
	/* .braid/config as it was when cfg was read (as libgit2 decides to re-read it). */
	char *cfg_path;
	int cfg_loaded;
	struct stat cfg_stat;
	/*
	 * A second SQLite connection for lock transactions, so their settings
	 * (synchronous, checkpointing, busy handler) are set once, not switched
	 * around every transaction on the context's main connection.
	 */
	braid_store *lock;
	int lock_full;      /* its synchronous setting is FULL */
	int wal_frames;     /* frames in the WAL after its last commit */
	int no_checkpoints; /* braid_intent_set_own_checkpoints(ctx, 0) */
	ishm *shm;          /* NULL when .braid/intent.shm cannot be mapped (then: polling) */
	int shm_tried;
	int64_t *wake; /* requests to wake once the open transaction commits */
	size_t nwake, wake_cap;
	/* A batch (braid_intent_batch) is running: the time of its last sweep. */
	int in_batch;
	int64_t swept_at;
} istate;

static void icfg_clear(icfg *c)
{
	free(c->structure_globs);
	memset(c, 0, sizeof(*c));
}

static void istate_free(void *p)
{
	istate *is = p;

	if (!is)
		return;
	icfg_clear(&is->cfg);
	free(is->cfg_path);
	braid_store_free(is->lock);
	braid_intent__shm_close(is->shm);
	free(is->wake);
	free(is);
}

static istate *istate_get(braid_ctx *ctx)
{
	istate *is = ctx->intent;

	if (!is && (is = calloc(1, sizeof(*is)))) {
		ctx->intent = is;
		ctx->intent_free = istate_free;
	}
	if (is && !is->shm_tried) {
		is->shm_tried = 1;
		if (braid_intent__shm_open(&is->shm, ctx) < 0)
			braid_error_clear(); /* no turnstile: lock transactions poll SQLite's lock
			                      */
	}
	return is;
}

static int64_t cfg_get_duration(git_config *snap, const char *key, int64_t dflt)
{
	const char *s = NULL;
	int64_t v = dflt;

	if (snap && git_config_get_string(&s, snap, key) == 0 && s &&
	    (braid_time_parse_duration(&v, s) < 0 || v <= 0))
		v = dflt;
	braid_error_clear();
	return v;
}

/*
 * Read the intent settings for a call: one snapshot of .braid/config, and
 * only when the file changed since the last call (inode, size and mtime, the
 * test libgit2 itself makes before re-reading a config file).
 */
static int icfg_load(braid_ctx *ctx)
{
	istate *is = istate_get(ctx);
	git_config *snap = NULL;
	const char *s = NULL;
	struct stat sb;
	icfg *c;

	if (!is)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if (!is->cfg_path && !(is->cfg_path = braid_ctx__path(ctx, "config")))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if (stat(is->cfg_path, &sb) < 0)
		memset(&sb, 0, sizeof(sb));
	if (is->cfg_loaded && sb.st_ino == is->cfg_stat.st_ino &&
	    sb.st_size == is->cfg_stat.st_size &&
	    sb.st_mtim.tv_sec == is->cfg_stat.st_mtim.tv_sec &&
	    sb.st_mtim.tv_nsec == is->cfg_stat.st_mtim.tv_nsec)
		return 0;
	is->cfg_stat = sb;
	is->cfg_loaded = 1;
	c = &is->cfg;
	icfg_clear(c);
	if (git_config_snapshot(&snap, ctx->config) < 0)
		snap = NULL;
	c->ttl_ms = cfg_get_duration(snap, "intent.ttl", DEFAULT_TTL_MS);
	c->max_lease_ms = cfg_get_duration(snap, "intent.max-lease", DEFAULT_MAX_LEASE_MS);
	c->grace_ms = cfg_get_duration(snap, "intent.preempt-grace", DEFAULT_GRACE_MS);
	c->queue_lease_ms = cfg_get_duration(snap, "intent.queue-lease", DEFAULT_QUEUE_LEASE_MS);
	if (snap && git_config_get_string(&s, snap, "intent.durability") == 0 && s)
		c->durable = !strcmp(s, "full");
	/*
	 * "all" (the default): every grant and release is an op. "contention":
	 * routine grants and releases are not recorded; preemptions and expiries are.
	 */
	if (snap && git_config_get_string(&s, snap, "intent.log") == 0 && s)
		c->log = !strcmp(s, "contention") ? ILOG_CONTENTION : ILOG_ALL;
	/* Read here once for the ops of a call (op.c reads it per op otherwise). */
	if (snap && git_config_get_string(&s, snap, "op.signing") == 0 && s)
		c->signing = !strcmp(s, "sealed") ? BRAID_OP__SEALED : BRAID_OP__SIGN_EACH;
	if (snap && git_config_get_string(&s, snap, "intent.structure-globs") == 0 && s &&
	    !(c->structure_globs = braid_strdup(s))) {
		git_config_free(snap);
		is->cfg_loaded = 0;
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	git_config_free(snap);
	git_error_clear();
	braid_error_clear();
	return 0;
}

/* Remember to wake waiting request `req_id` when the open transaction commits. */
static int wake_later(braid_ctx *ctx, int64_t req_id)
{
	istate *is = ctx->intent;
	size_t i;

	if (!is || !is->shm)
		return 0;
	for (i = 0; i < is->nwake; i++)
		if (is->wake[i] == req_id)
			return 0;
	if (is->nwake == is->wake_cap) {
		size_t nc = is->wake_cap ? is->wake_cap * 2 : 16;
		int64_t *nv = realloc(is->wake, nc * sizeof(*nv));
		if (!nv)
			return braid_error_set(BRAID_ENOMEM, "out of memory");
		is->wake = nv;
		is->wake_cap = nc;
	}
	is->wake[is->nwake++] = req_id;
	return 0;
}

static void wake_flush(istate *is, int send)
{
	size_t i;

	for (i = 0; send && is->shm && i < is->nwake; i++)
		braid_intent__wake(is->shm, is->wake[i]);
	is->nwake = 0;
}

/*
 * Waiting for SQLite's write lock (held by a writer that is not a lock
 * transaction, or by one that lost its turn): sqlite3_busy_timeout sleeps in
 * steps of up to 100 ms, which would become most of a lock's latency, so
 * poll finely instead (for about the store's 60 s busy timeout).
 */
static int busy_fine(void *payload, int n)
{
	BRAID_UNUSED(payload);
	if (n > 30000)
		return 0;
	braid_time_sleep_us(n < 6 ? 50L << n : 2000);
	return 1;
}

static int wal_note(void *payload, sqlite3 *db, const char *name, int frames)
{
	BRAID_UNUSED(db);
	BRAID_UNUSED(name);
	((istate *)payload)->wal_frames = frames;
	return SQLITE_OK;
}

/* The lock connection, opened on first use, with the durability the settings ask for. */
static int lock_store(braid_store **out, braid_ctx *ctx)
{
	istate *is = istate_get(ctx);
	int full;

	if (!is)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if (!is->lock) {
		int err;
		if ((err = braid_store_open(&is->lock, ctx->store->path)) < 0)
			return err;
		is->lock_full = 1; /* braid_store_open's setting */
		sqlite3_busy_handler(is->lock->db, busy_fine, NULL);
		/* This replaces SQLite's auto-checkpoint on this connection (see
		 * CHECKPOINT_FRAMES). */
		sqlite3_wal_hook(is->lock->db, wal_note, is);
	}
	/*
	 * Leases need less durability than submissions: with intent.durability =
	 * "lease" (the default) lock transactions commit with synchronous=NORMAL
	 * (durable against a process crash, not a power loss); any later FULL
	 * commit on the shared WAL makes them durable too.
	 */
	full = is->cfg.durable;
	if (full != is->lock_full) {
		int err = braid_store__exec(is->lock, full ? "PRAGMA synchronous=FULL"
		                                           : "PRAGMA synchronous=NORMAL");
		if (err < 0)
			return err;
		is->lock_full = full;
	}
	*out = is->lock;
	return 0;
}

/*
 * A lock transaction: our turn (ticket lock), then BEGIN IMMEDIATE on the
 * lock connection, which stands in for ctx->store until the end. Inside an
 * open transaction of the caller's (the submit engine), it joins that one.
 */
typedef struct itxn {
	int own;
	braid_store *saved; /* the context's own connection, put back at the end */
	int have_turn;
	uint32_t ticket;
} itxn;

static void itxn_end(itxn *tx, braid_ctx *ctx, int committed)
{
	istate *is = ctx->intent;

	if (!tx->own) {
		/* Joined: the caller commits later; its waiters find out by polling. */
		if (is)
			is->nwake = 0;
		return;
	}
	ctx->store = tx->saved;
	if (tx->have_turn)
		braid_intent__turn_give(is->shm, tx->ticket);
	tx->have_turn = 0;
	tx->own = 0;
	wake_flush(is, committed);
	if (committed && !is->no_checkpoints && is->wal_frames >= CHECKPOINT_FRAMES) {
		is->wal_frames = 0;
		sqlite3_wal_checkpoint_v2(is->lock->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
		                          NULL);
	}
}

static int itxn_begin(itxn *tx, braid_ctx *ctx)
{
	braid_store *ls;
	istate *is;
	int err;

	memset(tx, 0, sizeof(*tx));
	if (ctx->store->in_txn)
		return 0;
	if ((err = lock_store(&ls, ctx)) < 0)
		return err;
	is = ctx->intent;
	is->nwake = 0;
	tx->own = 1;
	tx->saved = ctx->store;
	if (is->shm) {
		tx->ticket = braid_intent__turn_take(is->shm);
		tx->have_turn = 1;
	}
	ctx->store = ls;
	if ((err = braid_store_begin(ls)) < 0) {
		itxn_end(tx, ctx, 0);
		return err;
	}
	return 0;
}

static int itxn_commit(itxn *tx, braid_ctx *ctx)
{
	int err = 0;

	if (tx->own)
		err = braid_store_commit(ctx->store);
	itxn_end(tx, ctx, err == 0);
	return err;
}

static void itxn_rollback(itxn *tx, braid_ctx *ctx)
{
	if (tx->own)
		braid_store_rollback(ctx->store);
	itxn_end(tx, ctx, 0);
}

/* A read-only snapshot (no write lock), on the lock connection when we are on our own. */
typedef struct iread {
	braid_store *saved;
} iread;

static int read_begin(iread *rd, braid_ctx *ctx)
{
	braid_store *ls;
	sqlite3_stmt *st;
	int err;

	rd->saved = NULL;
	if (ctx->store->in_txn)
		return 0;
	if ((err = lock_store(&ls, ctx)) < 0 ||
	    (err = braid_store__stmt(&st, ls, "BEGIN DEFERRED")) < 0 ||
	    (err = braid_store__step_done(ls, st, "cannot read the lock table")) < 0)
		return err;
	rd->saved = ctx->store;
	ctx->store = ls;
	return 0;
}

static void read_end(iread *rd, braid_ctx *ctx)
{
	if (rd->saved) {
		sqlite3_stmt *st;
		if (braid_store__stmt(&st, ctx->store, "COMMIT") == 0) {
			sqlite3_step(st);
			sqlite3_reset(st);
		}
		ctx->store = rd->saved;
		rd->saved = NULL;
	}
}

#define HOLD_COLS                                                                                  \
	"h.id, h.token, h.agent_id, h.target, h.kind, h.path, h.symbol, h.start_line, "            \
	"h.end_line, h.level, h.activity, h.implicit, h.request_id, h.granted_at, "                \
	"h.expires_at, h.yield_by, h.preempted_by, h.ends_at, a.name, pa.name"
#define HOLD_FROM                                                                                  \
	" FROM intent_holds h LEFT JOIN agents a ON a.id = h.agent_id"                             \
	" LEFT JOIN agents pa ON pa.id = h.preempted_by"

#define WAIT_COLS                                                                                  \
	"r.id, r.agent_id, r.activity, r.created_at, r.alive_until, q.target, q.kind, q.path, "    \
	"q.symbol, q.level, a.name"
#define WAIT_FROM                                                                                  \
	" FROM intent_request_targets q JOIN intent_requests r ON r.id = q.request_id"             \
	" LEFT JOIN agents a ON a.id = r.agent_id"

/* --- small helpers ---------------------------------------------------- */

static void fmt_in(braid_buf *b, int64_t ms)
{
	int64_t s = ms > 0 ? (ms + 999) / 1000 : 0;
	int rc;

	if (s >= 3600)
		rc = braid_buf_printf(b, "%lldh %lldm", (long long)(s / 3600),
		                      (long long)(s % 3600 / 60));
	else if (s >= 60)
		rc = braid_buf_printf(b, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
	else
		rc = braid_buf_printf(b, "%llds", (long long)s);
	BRAID_UNUSED(rc);
}

static void fmt_time(braid_buf *b, int64_t at, int64_t now)
{
	int rc = braid_time_format(b, at);
	rc |= braid_buf_puts(b, " (in ");
	fmt_in(b, at - now);
	rc |= braid_buf_putc(b, ')');
	BRAID_UNUSED(rc);
}

static const char *ordinal(size_t n)
{
	if (n % 100 >= 11 && n % 100 <= 13)
		return "th";
	return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

/* --- public structs ---------------------------------------------------- */

static void hold_clear(braid_intent_hold *h)
{
	free(h->target);
	free(h->kind);
	free(h->path);
	free(h->symbol);
	free(h->agent_id);
	free(h->agent_name);
	free(h->activity);
	free(h->preempted_by);
	memset(h, 0, sizeof(*h));
}

static void waiter_clear(braid_intent_waiter *w)
{
	free(w->target);
	free(w->agent_id);
	free(w->agent_name);
	free(w->activity);
	memset(w, 0, sizeof(*w));
}

static void notice_clear(braid_intent_notice *n)
{
	free(n->kind);
	free(n->target);
	free(n->by_agent);
	memset(n, 0, sizeof(*n));
}

void braid_intent_notices_free(braid_intent_notice *notices, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		notice_clear(&notices[i]);
	free(notices);
}

void braid_intent_result_free(braid_intent_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->nholds; i++)
		hold_clear(&res->holds[i]);
	free(res->holds);
	for (i = 0; i < res->nblockers; i++)
		hold_clear(&res->blockers[i]);
	free(res->blockers);
	for (i = 0; i < res->nahead; i++)
		waiter_clear(&res->ahead[i]);
	free(res->ahead);
	for (i = 0; i < res->npreempted; i++)
		free(res->preempted[i]);
	free(res->preempted);
	braid_intent_notices_free(res->notices, res->nnotices);
	free(res->message);
	free(res);
}

void braid_intent_table_free(braid_intent_table *table)
{
	size_t i;

	if (!table)
		return;
	for (i = 0; i < table->nholds; i++)
		hold_clear(&table->holds[i]);
	free(table->holds);
	for (i = 0; i < table->nwaiters; i++)
		waiter_clear(&table->waiters[i]);
	free(table->waiters);
	free(table);
}

/* Growable arrays of holds/waiters, with the row ids kept for de-duplication. */
typedef struct hvec {
	braid_intent_hold *v;
	int64_t *ids;
	size_t n, cap;
} hvec;

typedef struct wvec {
	braid_intent_waiter *v;
	size_t n, cap;
} wvec;

static void hvec_free(hvec *h)
{
	size_t i;
	for (i = 0; i < h->n; i++)
		hold_clear(&h->v[i]);
	free(h->v);
	free(h->ids);
	memset(h, 0, sizeof(*h));
}

static void wvec_free(wvec *w)
{
	size_t i;
	for (i = 0; i < w->n; i++)
		waiter_clear(&w->v[i]);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

static int hvec_has(const hvec *h, int64_t id)
{
	size_t i;
	for (i = 0; i < h->n; i++)
		if (h->ids[i] == id)
			return 1;
	return 0;
}

static braid_intent_hold *hvec_push(hvec *h, int64_t id)
{
	if (h->n == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 4;
		braid_intent_hold *nv = realloc(h->v, nc * sizeof(*nv));
		int64_t *ni;
		if (!nv)
			return NULL;
		h->v = nv;
		if (!(ni = realloc(h->ids, nc * sizeof(*ni))))
			return NULL;
		h->ids = ni;
		h->cap = nc;
	}
	memset(&h->v[h->n], 0, sizeof(h->v[0]));
	h->ids[h->n] = id;
	return &h->v[h->n++];
}

static braid_intent_waiter *wvec_push(wvec *w)
{
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 4;
		braid_intent_waiter *nv = realloc(w->v, nc * sizeof(*nv));
		if (!nv)
			return NULL;
		w->v = nv;
		w->cap = nc;
	}
	memset(&w->v[w->n], 0, sizeof(w->v[0]));
	return &w->v[w->n++];
}

static int row_to_hold(braid_intent_hold *h, sqlite3_stmt *st)
{
	h->token = sqlite3_column_int64(st, 1);
	h->agent_id = braid_store__col_strdup(st, 2);
	h->target = braid_store__col_strdup(st, 3);
	h->kind = braid_store__col_strdup(st, 4);
	h->path = braid_store__col_strdup(st, 5);
	h->symbol = braid_store__col_strdup(st, 6);
	h->start_line = sqlite3_column_int64(st, 7);
	h->end_line = sqlite3_column_int64(st, 8);
	h->level = sqlite3_column_int(st, 9);
	h->activity = braid_store__col_strdup(st, 10);
	h->implicit = sqlite3_column_int(st, 11);
	h->granted_at = sqlite3_column_int64(st, 13);
	h->expires_at = sqlite3_column_int64(st, 14);
	h->yield_by = sqlite3_column_int64(st, 15);
	h->preempted_by = braid_store__col_strdup(st, 19);
	if (!h->preempted_by && sqlite3_column_type(st, 16) != SQLITE_NULL)
		h->preempted_by = braid_store__col_strdup(st, 16);
	h->agent_name = braid_store__col_strdup(st, 18);
	if (!h->agent_name)
		h->agent_name = braid_strdup(h->agent_id ? h->agent_id : "?");
	if (!h->agent_id || !h->target || !h->kind || !h->path || !h->agent_name)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	return 0;
}

static int row_to_waiter(braid_intent_waiter *w, sqlite3_stmt *st)
{
	w->request_id = sqlite3_column_int64(st, 0);
	w->agent_id = braid_store__col_strdup(st, 1);
	w->activity = braid_store__col_strdup(st, 2);
	w->since = sqlite3_column_int64(st, 3);
	w->alive_until = sqlite3_column_int64(st, 4);
	w->target = braid_store__col_strdup(st, 5);
	w->level = sqlite3_column_int(st, 9);
	w->agent_name = braid_store__col_strdup(st, 10);
	if (!w->agent_name)
		w->agent_name = braid_strdup(w->agent_id ? w->agent_id : "?");
	if (!w->agent_id || !w->target || !w->agent_name)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	return 0;
}

/* An itarget view of a hold or waiter row's columns (borrowed strings). */
static itarget view_target(sqlite3_stmt *st, int kind_col, int path_col, int sym_col, int level_col)
{
	itarget t = {0};
	t.kind =
	    (itarget_kind)braid_intent__kind_parse((const char *)sqlite3_column_text(st, kind_col));
	t.path = (char *)sqlite3_column_text(st, path_col);
	t.symbol = (char *)sqlite3_column_text(st, sym_col);
	t.level = sqlite3_column_int(st, level_col);
	if (!t.path)
		t.path = (char *)"";
	if (t.kind == ITARGET_SYMBOL && !t.symbol)
		t.kind = ITARGET_FILE;
	return t;
}

/* --- the request being decided --------------------------------------- */

typedef struct ireq {
	itarget *t;
	size_t n;
	const char *agent_id;
	const char *activity;
	int64_t ttl_ms, grace_ms, queue_lease_ms;
	int64_t req_id; /* queue row, 0 when not in line */
} ireq;

typedef struct ieval {
	hvec blockers;    /* holds in the way that will not yield */
	hvec preemptible; /* L2 holds in the way of an L3/L4 request */
	wvec ahead;       /* earlier conflicting requests */
} ieval;

static void ieval_free(ieval *e)
{
	hvec_free(&e->blockers);
	hvec_free(&e->preemptible);
	wvec_free(&e->ahead);
}

static int conflicts_either_way(int a, int b, int structure)
{
	return braid_intent_compatible(a, b, structure) != 1 ||
	       braid_intent_compatible(b, a, structure) != 1;
}

/*
 * The candidates are read in one or two passes, each a plain index lookup:
 * a file or symbol target looks up its path (pass 0), then the glob holds
 * (pass 1); a glob looks at every non-structure row, the structure lock at
 * the structure rows. (One statement with a UNION would build a temporary
 * b-tree for every lookup.) *out is NULL when there is no such pass.
 */
static int npasses(const itarget *t)
{
	return t->kind == ITARGET_STRUCTURE || t->kind == ITARGET_GLOB ? 1 : 2;
}

/* Holds of other agents that may overlap `t`, alive at `now` (pass 0 or 1). */
static int hold_candidates(sqlite3_stmt **out, braid_ctx *ctx, const itarget *t, const char *me,
                           int64_t now, int pass)
{
	sqlite3_stmt *st;
	int err;

	if (t->kind == ITARGET_STRUCTURE)
		err = braid_store__stmt(&st, ctx->store,
		                        "SELECT " HOLD_COLS HOLD_FROM
		                        " WHERE h.kind = 'structure' AND h.kind != 'file' "
		                        "AND h.ends_at > ?2 AND h.agent_id != ?3");
	else if (t->kind == ITARGET_GLOB)
		err =
		    braid_store__stmt(&st, ctx->store,
		                      "SELECT " HOLD_COLS HOLD_FROM " WHERE h.kind != 'structure' "
		                      "AND h.ends_at > ?2 AND h.agent_id != ?3");
	else if (pass == 0)
		err = braid_store__stmt(&st, ctx->store,
		                        "SELECT " HOLD_COLS HOLD_FROM " WHERE h.path = ?1 "
		                        "AND h.ends_at > ?2 AND h.agent_id != ?3");
	else
		err = braid_store__stmt(&st, ctx->store,
		                        "SELECT " HOLD_COLS HOLD_FROM
		                        " WHERE h.kind = 'glob' AND h.kind != 'file' "
		                        "AND h.ends_at > ?2 AND h.agent_id != ?3");
	if (err < 0)
		return err;
	if (t->kind != ITARGET_STRUCTURE && t->kind != ITARGET_GLOB && pass == 0)
		sqlite3_bind_text(st, 1, t->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, me, -1, SQLITE_STATIC);
	*out = st;
	return 0;
}

/*
 * Waiting requests of other agents (of anyone when `me` is ""), earlier
 * than `before`, that may overlap `t` (pass 0 or 1; each pass in line order).
 */
static int wait_candidates(sqlite3_stmt **out, braid_ctx *ctx, const itarget *t, const char *me,
                           int64_t now, int64_t before, int pass)
{
	sqlite3_stmt *st;
	int err;

	if (t->kind == ITARGET_STRUCTURE)
		err = braid_store__stmt(&st, ctx->store,
		                        "SELECT " WAIT_COLS WAIT_FROM
		                        " WHERE q.kind = 'structure' AND q.kind != 'file' "
		                        "AND r.alive_until > ?2 AND r.agent_id != ?3 AND r.id < ?4 "
		                        "ORDER BY r.id");
	else if (t->kind == ITARGET_GLOB)
		err =
		    braid_store__stmt(&st, ctx->store,
		                      "SELECT " WAIT_COLS WAIT_FROM " WHERE q.kind != 'structure' "
		                      "AND r.alive_until > ?2 AND r.agent_id != ?3 AND r.id < ?4 "
		                      "ORDER BY r.id");
	else if (pass == 0)
		err = braid_store__stmt(&st, ctx->store,
		                        "SELECT " WAIT_COLS WAIT_FROM " WHERE q.path = ?1 "
		                        "AND r.alive_until > ?2 AND r.agent_id != ?3 AND r.id < ?4 "
		                        "ORDER BY r.id");
	else
		err = braid_store__stmt(&st, ctx->store,
		                        "SELECT " WAIT_COLS WAIT_FROM
		                        " WHERE q.kind = 'glob' AND q.kind != 'file' "
		                        "AND r.alive_until > ?2 AND r.agent_id != ?3 AND r.id < ?4 "
		                        "ORDER BY r.id");
	if (err < 0)
		return err;
	if (t->kind != ITARGET_STRUCTURE && t->kind != ITARGET_GLOB && pass == 0)
		sqlite3_bind_text(st, 1, t->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, me, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, before);
	*out = st;
	return 0;
}

static int cmp_waiter(const void *a, const void *b)
{
	const braid_intent_waiter *x = a, *y = b;
	return x->request_id < y->request_id ? -1 : x->request_id > y->request_id;
}

/* Decide a request against the table as it is at `now` (reads only). */
static int evaluate(ieval *e, braid_ctx *ctx, const ireq *r, int64_t now)
{
	size_t i;
	int err = 0, rc, pass;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < r->n && !err; i++) {
		const itarget *t = &r->t[i];
		int structure = t->kind == ITARGET_STRUCTURE;
		sqlite3_stmt *st;

		for (pass = 0; pass < npasses(t) && !err; pass++) {
			if ((err = hold_candidates(&st, ctx, t, r->agent_id, now, pass)) < 0)
				break;
			while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
				itarget h = view_target(st, 4, 5, 6, 9);
				int64_t id = sqlite3_column_int64(st, 0);
				int c;
				hvec *into;
				braid_intent_hold *slot;

				if (!braid_intent__overlap(t, &h))
					continue;
				c = braid_intent_compatible(h.level, t->level, structure);
				if (c == 1)
					continue;
				into = c == 2 ? &e->preemptible : &e->blockers;
				if (hvec_has(into, id))
					continue;
				if (!(slot = hvec_push(into, id))) {
					err = braid_error_set(BRAID_ENOMEM, "out of memory");
					break;
				}
				if ((err = row_to_hold(slot, st)) < 0)
					break;
			}
			if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
				err = braid_store__error(ctx->store, "cannot read intents");
			sqlite3_reset(st);
		}
		for (pass = 0; pass < npasses(t) && !err; pass++) {
			if ((err = wait_candidates(&st, ctx, t, r->agent_id, now,
			                           r->req_id ? r->req_id : INT64_MAX, pass)) < 0)
				break;
			while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
				itarget q = view_target(st, 6, 7, 8, 9);
				int64_t rid = sqlite3_column_int64(st, 0);
				size_t k;
				int dup = 0;
				braid_intent_waiter *w;

				if (!braid_intent__overlap(t, &q) ||
				    !conflicts_either_way(q.level, t->level, structure))
					continue;
				for (k = 0; k < e->ahead.n; k++)
					if (e->ahead.v[k].request_id == rid &&
					    !strcmp(e->ahead.v[k].target,
					            (const char *)sqlite3_column_text(st, 5)))
						dup = 1;
				if (dup)
					continue;
				if (!(w = wvec_push(&e->ahead))) {
					err = braid_error_set(BRAID_ENOMEM, "out of memory");
					break;
				}
				if ((err = row_to_waiter(w, st)) < 0)
					break;
			}
			if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
				err =
				    braid_store__error(ctx->store, "cannot read the intent queue");
			sqlite3_reset(st);
		}
	}
	if (err) {
		ieval_free(e);
		return err;
	}
	/* In line order (the passes each are). */
	if (e->ahead.n > 1)
		qsort(e->ahead.v, e->ahead.n, sizeof(*e->ahead.v), cmp_waiter);
	return 0;
}

/* --- wake-ups ------------------------------------------------------------ */

typedef struct wcand {
	int64_t id;
	itarget t; /* kind, level, path, symbol (owned) */
} wcand;

static int cmp_wcand(const void *a, const void *b)
{
	const wcand *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * Something overlapping `t` was freed (a hold released or ended, a request
 * withdrawn or dropped): wake the live waiting requests that may now go
 * first, the ones overlapping `t` that no earlier overlapping request
 * conflicts with. Those behind one of them wait for it anyway and are woken
 * when it is done. `skip` is a request that is leaving (not woken).
 */
static int wake_fronts(braid_ctx *ctx, const itarget *t, int64_t skip, int64_t now)
{
	istate *is = ctx->intent;
	wcand *c = NULL;
	size_t n = 0, cap = 0, i, j;
	int err = 0, rc = SQLITE_DONE, pass;

	if (!is || !is->shm)
		return 0;
	for (pass = 0; pass < npasses(t) && !err && n < WAKE_SCAN_MAX; pass++) {
		sqlite3_stmt *st;
		if ((err = wait_candidates(&st, ctx, t, "", now, INT64_MAX, pass)) < 0)
			break;
		while (n < WAKE_SCAN_MAX && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			itarget q = view_target(st, 6, 7, 8, 9);
			int64_t id = sqlite3_column_int64(st, 0);
			if (id == skip || !braid_intent__overlap(t, &q))
				continue;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 8;
				wcand *nv = realloc(c, nc * sizeof(*nv));
				if (!nv) {
					err = braid_error_set(BRAID_ENOMEM, "out of memory");
					break;
				}
				c = nv;
				cap = nc;
			}
			memset(&c[n], 0, sizeof(c[n]));
			c[n].id = id;
			c[n].t.kind = q.kind;
			c[n].t.level = q.level;
			c[n].t.path = braid_strdup(q.path);
			c[n].t.symbol = q.symbol ? braid_strdup(q.symbol) : NULL;
			n++;
			if (!c[n - 1].t.path || (q.symbol && !c[n - 1].t.symbol)) {
				err = braid_error_set(BRAID_ENOMEM, "out of memory");
				break;
			}
		}
		if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
			err = braid_store__error(ctx->store, "cannot read the waiters");
		sqlite3_reset(st);
	}
	if (!err && n > 1)
		qsort(c, n, sizeof(*c), cmp_wcand);
	for (i = 0; i < n && !err; i++) {
		int front = 1;
		for (j = 0; j < i && front; j++) {
			int structure = c[i].t.kind == ITARGET_STRUCTURE;
			if (c[j].id != c[i].id && braid_intent__overlap(&c[j].t, &c[i].t) &&
			    conflicts_either_way(c[j].t.level, c[i].t.level, structure))
				front = 0;
		}
		if (front)
			err = wake_later(ctx, c[i].id);
	}
	for (i = 0; i < n; i++) {
		free(c[i].t.path);
		free(c[i].t.symbol);
	}
	free(c);
	return err;
}

/* Targets that were freed in this transaction (owned copies). */
typedef struct tlist {
	itarget *v;
	size_t n;
} tlist;

static void tlist_free(tlist *l)
{
	size_t i;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].symbol);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int tlist_push(tlist *l, const itarget *t)
{
	itarget *nv = realloc(l->v, (l->n + 1) * sizeof(*nv)), *x;

	if (!nv)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	l->v = nv;
	x = &l->v[l->n++];
	memset(x, 0, sizeof(*x));
	x->kind = t->kind;
	x->level = t->level;
	x->path = braid_strdup(t->path ? t->path : "");
	x->symbol = t->symbol ? braid_strdup(t->symbol) : NULL;
	if (!x->path || (t->symbol && !x->symbol))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	return 0;
}

static int wake_tlist(braid_ctx *ctx, const tlist *l, int64_t skip, int64_t now)
{
	size_t i;
	int err = 0;

	for (i = 0; i < l->n && !err; i++)
		err = wake_fronts(ctx, &l->v[i], skip, now);
	return err;
}

/* A request is leaving the line without a grant: wake who may go first now. */
static int wake_for_request(braid_ctx *ctx, int64_t req_id, int64_t now)
{
	sqlite3_stmt *st;
	tlist l = {0};
	int err, rc;

	if (!ctx->intent || !((istate *)ctx->intent)->shm)
		return 0;
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT kind, path, symbol, level FROM "
	                             "intent_request_targets WHERE request_id = ?")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, req_id);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		itarget q = view_target(st, 0, 1, 2, 3);
		err = tlist_push(&l, &q);
	}
	if (!err && rc != SQLITE_DONE)
		err = braid_store__error(ctx->store, "cannot read a request's targets");
	sqlite3_reset(st);
	if (!err)
		err = wake_tlist(ctx, &l, req_id, now);
	tlist_free(&l);
	return err;
}

static size_t distinct_requests(const wvec *w)
{
	size_t i, j, n = 0;
	for (i = 0; i < w->n; i++) {
		for (j = 0; j < i; j++)
			if (w->v[j].request_id == w->v[i].request_id)
				break;
		if (j == i)
			n++;
	}
	return n;
}

/* --- ops ---------------------------------------------------------------- */

int braid_intent__system_agent(char **out, braid_ctx *ctx)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(&st, ctx->store, "SELECT id FROM agents WHERE name = ?")) < 0)
		return err;
	sqlite3_bind_text(st, 1, BRAID_SYSTEM_AGENT, -1, SQLITE_STATIC);
	*out = NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = braid_store__col_strdup(st, 0);
	sqlite3_reset(st);
	return *out ? 0 : braid_error_set(BRAID_ENOTFOUND, "braid's system identity is missing");
}

char *braid_intent__agent_name(braid_ctx *ctx, const char *agent_id)
{
	sqlite3_stmt *st;
	char *name = NULL;

	if (!agent_id)
		return NULL;
	if (braid_store__stmt(&st, ctx->store, "SELECT name FROM agents WHERE id = ?") == 0) {
		sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			name = braid_store__col_strdup(st, 0);
		sqlite3_reset(st);
	}
	return name ? name : braid_strdup(agent_id);
}

/* Routine grants and releases are ops unless intent.log = "contention". */
static int log_routine(braid_ctx *ctx)
{
	istate *is = ctx->intent;
	return !is || is->cfg.log == ILOG_ALL;
}

/* Record an op (takes `payload`). Grants and releases are sealed rather than signed (op_int.h). */
static int record_op(braid_ctx *ctx, const char *agent_id, const char *kind, json_t *payload)
{
	int err;

	if (!payload)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	err = ctx->intent ? braid_op__record_json_signing(NULL, ctx, agent_id, kind, payload,
	                                                  ((istate *)ctx->intent)->cfg.signing)
	                  : braid_op__record_json(NULL, ctx, agent_id, kind, payload);
	json_decref(payload);
	return err;
}

/* --- housekeeping: leases that ended, waiters that left -------------- */

static int add_notice(braid_ctx *ctx, const char *agent_id, const char *kind, const char *target,
                      int level, int64_t token, const char *by, int64_t at, int64_t yield_by)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "INSERT INTO intent_notices(agent_id, kind, target, level, token, "
	         "by_agent, at, yield_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, target, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, level);
	sqlite3_bind_int64(st, 5, token);
	braid_store__bind_text(st, 6, by);
	sqlite3_bind_int64(st, 7, at);
	if (yield_by)
		sqlite3_bind_int64(st, 8, yield_by);
	return braid_store__step_done(ctx->store, st, "cannot record an intent notice");
}

/* Inside a write transaction: end leases whose time is up and drop dead queue rows. */
static int sweep_all(braid_ctx *ctx, int64_t now)
{
	sqlite3_stmt *st;
	json_t *ended = NULL;
	tlist freed = {0};
	int err = 0, rc;

	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT id, token, agent_id, target, level, yield_by, preempted_by, "
	         "expires_at, kind, path, symbol FROM intent_holds WHERE ends_at <= ?")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		itarget ft = view_target(st, 8, 9, 10, 4);
		int64_t yb = sqlite3_column_int64(st, 5), exp = sqlite3_column_int64(st, 7);
		int preempted = yb && yb < exp;
		const char *agent = (const char *)sqlite3_column_text(st, 2);
		const char *target = (const char *)sqlite3_column_text(st, 3);
		const char *by = (const char *)sqlite3_column_text(st, 6);
		char *by_name = preempted ? braid_intent__agent_name(ctx, by) : NULL;

		if (!ended && !(ended = json_array())) {
			free(by_name);
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		json_array_append_new(
		    ended, json_pack("{s:s, s:s, s:I, s:s, s:s}", "agent", agent, "target", target,
		                     "token", (json_int_t)sqlite3_column_int64(st, 1), "level",
		                     braid_intent_level_name(sqlite3_column_int(st, 4)), "reason",
		                     preempted ? "preempted" : "expired"));
		err = add_notice(ctx, agent, preempted ? "preempted" : "expired", target,
		                 sqlite3_column_int(st, 4), sqlite3_column_int64(st, 1), by_name,
		                 now, preempted ? yb : 0);
		free(by_name);
		if (err < 0 || (err = tlist_push(&freed, &ft)) < 0)
			break;
	}
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = braid_store__error(ctx->store, "cannot read intents");
	sqlite3_reset(st);
	if (!err && ended) {
		char *sys = NULL;
		if ((err = braid_store__stmt(&st, ctx->store,
		                             "DELETE FROM intent_holds WHERE ends_at <= ?")) == 0) {
			sqlite3_bind_int64(st, 1, now);
			err = braid_store__step_done(ctx->store, st, "cannot end intents");
		}
		if (!err && (err = braid_intent__system_agent(&sys, ctx)) == 0) {
			err = record_op(ctx, sys, "intent.expire",
			                json_pack("{s:o}", "ended", ended));
			ended = NULL;
		}
		free(sys);
	}
	json_decref(ended);
	if (!err)
		err = wake_tlist(ctx, &freed, 0, now);
	tlist_free(&freed);
	if (err)
		return err;
	/* Waiters that stopped polling lose their place (who was behind them may go first). */
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT id FROM intent_requests WHERE alive_until <= ?")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t *dead = NULL;
		size_t nd = 0, i;
		do {
			int64_t *nv = realloc(dead, (nd + 1) * sizeof(*dead));
			if (!nv) {
				err = braid_error_set(BRAID_ENOMEM, "out of memory");
				break;
			}
			dead = nv;
			dead[nd++] = sqlite3_column_int64(st, 0);
		} while ((rc = sqlite3_step(st)) == SQLITE_ROW);
		if (!err && rc != SQLITE_DONE)
			err = braid_store__error(ctx->store, "cannot read the dead waiters");
		sqlite3_reset(st);
		for (i = 0; i < nd && !err; i++)
			err = wake_for_request(ctx, dead[i], now);
		free(dead);
		if (err)
			return err;
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "DELETE FROM intent_request_targets WHERE request_id IN "
		         "(SELECT id FROM intent_requests WHERE alive_until <= ?)")) < 0)
			return err;
		sqlite3_bind_int64(st, 1, now);
		if ((err = braid_store__step_done(ctx->store, st, "cannot drop dead waiters")) < 0)
			return err;
		if ((err = braid_store__stmt(
		         &st, ctx->store, "DELETE FROM intent_requests WHERE alive_until <= ?")) <
		    0)
			return err;
		sqlite3_bind_int64(st, 1, now);
		if ((err = braid_store__step_done(ctx->store, st, "cannot drop dead waiters")) < 0)
			return err;
	} else {
		err = rc == SQLITE_DONE
		          ? 0
		          : braid_store__error(ctx->store, "cannot read the dead waiters");
		sqlite3_reset(st);
		if (err < 0)
			return err;
	}
	return 0;
}

/*
 * sweep_all, except that inside a batch a second sweep in the same
 * millisecond is skipped: it would find nothing, since everything a lock
 * transaction writes ends after its `now` (leases, yield deadlines, queue
 * leases are all now + a positive duration).
 */
static int sweep(braid_ctx *ctx, int64_t now)
{
	istate *is = ctx->intent;
	int err;

	if (is && is->in_batch && is->swept_at == now)
		return 0;
	if ((err = sweep_all(ctx, now)) == 0 && is && is->in_batch)
		is->swept_at = now;
	return err;
}

/* Notices not yet delivered to `agent_id`; with `consume`, mark them seen. */
static int take_notices(braid_intent_notice **out, size_t *n, braid_ctx *ctx, const char *agent_id,
                        int consume)
{
	sqlite3_stmt *st;
	braid_intent_notice *v = NULL;
	size_t count = 0;
	int err = 0, rc;

	*out = NULL;
	*n = 0;
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT kind, target, level, token, by_agent, at, yield_by, id FROM "
	         "intent_notices WHERE agent_id = ? AND seen = 0 ORDER BY id")) < 0)
		return err;
	sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		braid_intent_notice *nv = realloc(v, (count + 1) * sizeof(*v)), *x;
		if (!nv) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		v = nv;
		x = &v[count++];
		memset(x, 0, sizeof(*x));
		x->kind = braid_store__col_strdup(st, 0);
		x->target = braid_store__col_strdup(st, 1);
		x->level = sqlite3_column_int(st, 2);
		x->token = sqlite3_column_int64(st, 3);
		x->by_agent = braid_store__col_strdup(st, 4);
		x->at = sqlite3_column_int64(st, 5);
		x->yield_by = sqlite3_column_int64(st, 6);
		if (!x->kind || !x->target) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
	}
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = braid_store__error(ctx->store, "cannot read intent notices");
	sqlite3_reset(st);
	if (!err && count && consume) {
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "UPDATE intent_notices SET seen = 1 WHERE agent_id = ? AND "
		         "seen = 0")) == 0) {
			sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
			err = braid_store__step_done(ctx->store, st, "cannot mark notices");
		}
	}
	if (err) {
		braid_intent_notices_free(v, count);
		return err;
	}
	*out = v;
	*n = count;
	return 0;
}

int braid_intent_notices(braid_intent_notice **out, size_t *n, braid_ctx *ctx, int consume)
{
	const char *agent;
	itxn tx;
	int err;

	if ((err = braid_ctx_require_agent(&agent, ctx)) < 0)
		return err;
	if ((err = icfg_load(ctx)) < 0)
		return err;
	if (!consume) {
		iread rd;
		if ((err = read_begin(&rd, ctx)) < 0)
			return err;
		err = take_notices(out, n, ctx, agent, 0);
		read_end(&rd, ctx);
		return err;
	}
	if ((err = itxn_begin(&tx, ctx)) < 0)
		return err;
	if ((err = take_notices(out, n, ctx, agent, 1)) < 0) {
		itxn_rollback(&tx, ctx);
		return err;
	}
	return itxn_commit(&tx, ctx);
}

/* --- grant, preempt, enqueue ----------------------------------------- */

static int next_token(int64_t *out, braid_ctx *ctx)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "INSERT INTO counters(name, value) VALUES ('intent.token', 1) "
	         "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value")) < 0)
		return err;
	if (sqlite3_step(st) != SQLITE_ROW) {
		err = braid_store__error(ctx->store, "cannot draw a fencing token");
		sqlite3_reset(st);
		return err;
	}
	*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

static int fill_hold(braid_intent_hold *h, const ireq *r, const itarget *t, braid_ctx *ctx,
                     int64_t token, int64_t now)
{
	h->target = braid_strdup(t->target);
	h->kind = braid_strdup(braid_intent__kind_name(t->kind));
	h->path = braid_strdup(t->path);
	h->symbol = t->symbol ? braid_strdup(t->symbol) : NULL;
	h->start_line = t->start_line;
	h->end_line = t->end_line;
	h->level = t->level;
	h->agent_id = braid_strdup(r->agent_id);
	h->agent_name = braid_strdup(ctx->agent_name ? ctx->agent_name : r->agent_id);
	h->activity = r->activity ? braid_strdup(r->activity) : NULL;
	h->token = token;
	h->granted_at = now;
	h->expires_at = now + r->ttl_ms;
	h->implicit = t->implicit;
	if (!h->target || !h->kind || !h->path || !h->agent_id || !h->agent_name ||
	    (t->symbol && !h->symbol) || (r->activity && !h->activity))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	return 0;
}

/* Leave the line; `wake`: without a grant, so who was behind may go first. */
static int drop_request(braid_ctx *ctx, int64_t req_id, int wake)
{
	sqlite3_stmt *st;
	int err;

	if (wake && (err = wake_for_request(ctx, req_id, braid_time_now_ms())) < 0)
		return err;
	if ((err = braid_store__stmt(
	         &st, ctx->store, "DELETE FROM intent_request_targets WHERE request_id = ?")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, req_id);
	if ((err = braid_store__step_done(ctx->store, st, "cannot leave the queue")) < 0)
		return err;
	if ((err = braid_store__stmt(&st, ctx->store, "DELETE FROM intent_requests WHERE id = ?")) <
	    0)
		return err;
	sqlite3_bind_int64(st, 1, req_id);
	return braid_store__step_done(ctx->store, st, "cannot leave the queue");
}

static int grant(braid_intent_result *res, braid_ctx *ctx, const ireq *r, int64_t now)
{
	sqlite3_stmt *del, *ins;
	json_t *targets = NULL;
	int64_t token = 0;
	size_t i;
	int err;

	if ((err = next_token(&token, ctx)) < 0)
		return err;
	if (!(res->holds = calloc(r->n ? r->n : 1, sizeof(*res->holds))) ||
	    !(targets = json_array()))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	for (i = 0; i < r->n; i++) {
		const itarget *t = &r->t[i];

		/* Re-declaring a target replaces this agent's earlier intent on it. */
		if ((err = braid_store__stmt(&del, ctx->store,
		                             "DELETE FROM intent_holds WHERE path = ?3 AND "
		                             "agent_id = ?1 AND target = ?2")) < 0)
			goto done;
		sqlite3_bind_text(del, 1, r->agent_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(del, 2, t->target, -1, SQLITE_STATIC);
		sqlite3_bind_text(del, 3, t->path, -1, SQLITE_STATIC);
		if ((err = braid_store__step_done(ctx->store, del, "cannot replace an intent")) < 0)
			goto done;
		if ((err = braid_store__stmt(
		         &ins, ctx->store,
		         "INSERT INTO intent_holds(token, agent_id, target, kind, path, symbol, "
		         "start_line, end_line, level, activity, implicit, request_id, granted_at, "
		         "expires_at, ends_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
		         "?11, "
		         "?12, ?13, ?14, ?14)")) < 0)
			goto done;
		sqlite3_bind_int64(ins, 1, token);
		sqlite3_bind_text(ins, 2, r->agent_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, t->target, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, braid_intent__kind_name(t->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, t->path, -1, SQLITE_STATIC);
		braid_store__bind_text(ins, 6, t->symbol);
		sqlite3_bind_int64(ins, 7, t->start_line);
		sqlite3_bind_int64(ins, 8, t->end_line);
		sqlite3_bind_int(ins, 9, t->level);
		braid_store__bind_text(ins, 10, r->activity);
		sqlite3_bind_int(ins, 11, t->implicit);
		if (r->req_id)
			sqlite3_bind_int64(ins, 12, r->req_id);
		sqlite3_bind_int64(ins, 13, now);
		sqlite3_bind_int64(ins, 14, now + r->ttl_ms);
		if ((err = braid_store__step_done(ctx->store, ins, "cannot record an intent")) < 0)
			goto done;
		if ((err = fill_hold(&res->holds[res->nholds++], r, t, ctx, token, now)) < 0)
			goto done;
		json_array_append_new(targets, json_pack("{s:s, s:s}", "target", t->target, "level",
		                                         braid_intent_level_name(t->level)));
	}
	if (r->req_id && (err = drop_request(ctx, r->req_id, 0)) < 0)
		goto done;
	{
		json_t *p = json_pack("{s:I, s:o, s:I}", "token", (json_int_t)token, "targets",
		                      targets, "expires_at", (json_int_t)now + r->ttl_ms);
		targets = NULL;
		if (p && r->activity)
			json_object_set_new(p, "activity", json_string(r->activity));
		if (p && r->req_id)
			json_object_set_new(p, "request", json_integer(r->req_id));
		if (!p) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			goto done;
		}
		if (!log_routine(ctx))
			json_decref(p);
		else if ((err = record_op(ctx, r->agent_id, "intent.grant", p)) < 0)
			goto done;
	}
	res->granted = 1;
	res->token = token;
	res->expires_at = now + r->ttl_ms;
	res->request_id = r->req_id;
done:
	json_decref(targets);
	return err;
}

/* Tell L2 holders in the way to yield; they lose the lease at now + grace. */
static int preempt(braid_intent_result *res, braid_ctx *ctx, const ireq *r, ieval *e, int64_t now)
{
	sqlite3_stmt *st;
	json_t *held = NULL;
	int64_t yield_by = now + r->grace_ms, latest = 0;
	size_t i;
	int err = 0;

	for (i = 0; i < e->preemptible.n; i++) {
		braid_intent_hold *h = &e->preemptible.v[i];
		if (h->yield_by) {
			if (h->yield_by > latest)
				latest = h->yield_by;
			continue; /* already told; its deadline stands */
		}
		if (!held && !(held = json_array()))
			return braid_error_set(BRAID_ENOMEM, "out of memory");
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "UPDATE intent_holds SET yield_by = ?1, preempted_by = ?2, "
		         "ends_at = MIN(expires_at, ?1) WHERE id = ?3")) < 0)
			goto done;
		sqlite3_bind_int64(st, 1, yield_by);
		sqlite3_bind_text(st, 2, r->agent_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, e->preemptible.ids[i]);
		if ((err = braid_store__step_done(ctx->store, st, "cannot preempt an intent")) < 0)
			goto done;
		h->yield_by = yield_by < h->expires_at ? yield_by : h->expires_at;
		free(h->preempted_by);
		h->preempted_by = braid_strdup(ctx->agent_name ? ctx->agent_name : r->agent_id);
		if ((err = add_notice(ctx, h->agent_id, "yield", h->target, h->level, h->token,
		                      h->preempted_by, now, h->yield_by)) < 0)
			goto done;
		if (h->yield_by > latest)
			latest = h->yield_by;
		json_array_append_new(held,
		                      json_pack("{s:s, s:s, s:I}", "agent", h->agent_id, "target",
		                                h->target, "token", (json_int_t)h->token));
	}
	if (held) {
		json_t *p = json_pack("{s:o, s:I, s:s}", "preempted", held, "yield_by",
		                      (json_int_t)yield_by, "level",
		                      braid_intent_level_name(r->t[0].level));
		held = NULL;
		if (!p) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			goto done;
		}
		if ((err = record_op(ctx, r->agent_id, "intent.preempt", p)) < 0)
			goto done;
	}
	res->yield_by = latest;
done:
	json_decref(held);
	return err;
}

static int enqueue(braid_ctx *ctx, ireq *r, int64_t now)
{
	sqlite3_stmt *st;
	size_t i;
	int err;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             "INSERT INTO intent_requests(agent_id, activity, created_at, "
	                             "alive_until) VALUES (?, ?, ?, ?)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, r->agent_id, -1, SQLITE_STATIC);
	braid_store__bind_text(st, 2, r->activity);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now + r->queue_lease_ms);
	if ((err = braid_store__step_done(ctx->store, st, "cannot join the queue")) < 0)
		return err;
	r->req_id = sqlite3_last_insert_rowid(ctx->store->db);
	for (i = 0; i < r->n; i++) {
		const itarget *t = &r->t[i];
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "INSERT INTO intent_request_targets(request_id, target, kind, "
		         "path, symbol, level, implicit) VALUES (?, ?, ?, ?, ?, ?, ?)")) < 0)
			return err;
		sqlite3_bind_int64(st, 1, r->req_id);
		sqlite3_bind_text(st, 2, t->target, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, braid_intent__kind_name(t->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, t->path, -1, SQLITE_STATIC);
		braid_store__bind_text(st, 5, t->symbol);
		sqlite3_bind_int(st, 6, t->level);
		sqlite3_bind_int(st, 7, t->implicit);
		if ((err = braid_store__step_done(ctx->store, st, "cannot join the queue")) < 0)
			return err;
	}
	/* An op, so followers of the log (the daemon's event stream) see who waits. */
	{
		json_t *targets = json_array(), *p;
		for (i = 0; targets && i < r->n; i++)
			json_array_append_new(
			    targets, json_pack("{s:s, s:s}", "target", r->t[i].target, "level",
			                       braid_intent_level_name(r->t[i].level)));
		p = json_pack("{s:I, s:o}", "request", (json_int_t)r->req_id, "targets", targets);
		if (p && r->activity)
			json_object_set_new(p, "activity", json_string(r->activity));
		if (!p)
			return braid_error_set(BRAID_ENOMEM, "out of memory");
		return record_op(ctx, r->agent_id, "intent.queue", p);
	}
}

/* Keep our place in line; 0 when the row is still there, 1 when it was dropped. */
static int refresh_request(int *dropped, braid_ctx *ctx, const ireq *r, int64_t now)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(
	         &st, ctx->store, "UPDATE intent_requests SET alive_until = ? WHERE id = ?")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, now + r->queue_lease_ms);
	sqlite3_bind_int64(st, 2, r->req_id);
	if ((err = braid_store__step_done(ctx->store, st, "cannot keep the place in line")) < 0)
		return err;
	*dropped = sqlite3_changes(ctx->store->db) == 0;
	return 0;
}

/* The denial message and the structured denial fields of `res`. */
static int describe_denial(braid_intent_result *res, const ireq *r, ieval *e, int64_t now)
{
	braid_buf b = BRAID_BUF_INIT;
	size_t i, nreq = distinct_requests(&e->ahead);
	int rc = 0;

	res->position = nreq + 1;
	for (i = 0; i < e->blockers.n + e->preemptible.n; i++) {
		braid_intent_hold *h =
		    i < e->blockers.n ? &e->blockers.v[i] : &e->preemptible.v[i - e->blockers.n];
		rc |= braid_buf_printf(&b, "%s'%s' is held by '%s' at %s", i ? "; " : "", h->target,
		                       h->agent_name, braid_intent_level_name(h->level));
		if (h->activity)
			rc |= braid_buf_printf(&b, " (\"%s\")", h->activity);
		if (h->yield_by) {
			rc |= braid_buf_puts(&b, ", told to yield; its lease ends ");
			fmt_time(&b, h->yield_by, now);
		} else {
			rc |= braid_buf_puts(&b, ", lease ends ");
			fmt_time(&b, h->expires_at, now);
		}
	}
	if (nreq) {
		rc |= braid_buf_printf(
		    &b, "%s%zu earlier request%s in line (first: '%s' %s on '%s')",
		    b.size ? "; " : "", nreq, nreq == 1 ? "" : "s", e->ahead.v[0].agent_name,
		    braid_intent_level_name(e->ahead.v[0].level), e->ahead.v[0].target);
	}
	rc |= braid_buf_printf(&b, "; your place in line: %zu%s", res->position,
	                       ordinal(res->position));
	if (!r->req_id)
		rc |= braid_buf_puts(&b, " (use --wait to queue)");
	if (rc < 0) {
		braid_buf_dispose(&b);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	free(res->message);
	res->message = braid_buf_detach(&b);
	/* Hand the evaluation's holds and waiters over to the result. */
	for (i = 0; i < res->nblockers; i++)
		hold_clear(&res->blockers[i]);
	free(res->blockers);
	for (i = 0; i < res->nahead; i++)
		waiter_clear(&res->ahead[i]);
	free(res->ahead);
	res->nblockers = e->blockers.n + e->preemptible.n;
	res->blockers = calloc(res->nblockers ? res->nblockers : 1, sizeof(*res->blockers));
	if (!res->blockers) {
		res->nblockers = 0;
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	for (i = 0; i < e->blockers.n; i++)
		res->blockers[i] = e->blockers.v[i];
	for (i = 0; i < e->preemptible.n; i++)
		res->blockers[e->blockers.n + i] = e->preemptible.v[i];
	e->blockers.n = e->preemptible.n = 0;
	res->ahead = e->ahead.v;
	res->nahead = e->ahead.n;
	e->ahead.v = NULL;
	e->ahead.n = e->ahead.cap = 0;
	for (i = 0; i < res->nahead; i++)
		res->ahead[i].position = 0;
	return 0;
}

static int note_preempted(braid_intent_result *res, const ieval *e)
{
	size_t i;

	for (i = 0; i < e->preemptible.n; i++) {
		size_t k;
		int dup = 0;
		for (k = 0; k < res->npreempted; k++)
			if (!strcmp(res->preempted[k], e->preemptible.v[i].agent_name))
				dup = 1;
		if (dup)
			continue;
		char **nv = realloc(res->preempted, (res->npreempted + 1) * sizeof(char *));
		if (!nv)
			return braid_error_set(BRAID_ENOMEM, "out of memory");
		res->preempted = nv;
		if (!(nv[res->npreempted] = braid_strdup(e->preemptible.v[i].agent_name)))
			return BRAID_ENOMEM;
		res->npreempted++;
	}
	return 0;
}

/*
 * One decision under the write lock: sweep, keep our place, grant if
 * possible, else preempt L2 holders when we are first in line and only they
 * are in the way, else join the line (when waiting). Returns 0 with
 * res->granted set or not.
 */
static int decide(braid_intent_result *res, braid_ctx *ctx, ireq *r, int waiting, int *requeued,
                  int64_t now)
{
	ieval e = {0};
	int err;

	if ((err = sweep(ctx, now)) < 0)
		goto fail;
	if (r->req_id) {
		int dropped = 0;
		if ((err = refresh_request(&dropped, ctx, r, now)) < 0)
			goto fail;
		if (dropped) {
			/* We stopped polling for too long; rejoin at the back. */
			r->req_id = 0;
			if (requeued)
				*requeued = 1;
		}
	}
	if ((err = evaluate(&e, ctx, r, now)) < 0)
		goto fail;
	if (!e.blockers.n && !e.ahead.n && !e.preemptible.n) {
		if ((err = grant(res, ctx, r, now)) < 0)
			goto fail;
	} else {
		if (!e.blockers.n && !e.ahead.n && e.preemptible.n) {
			if ((err = preempt(res, ctx, r, &e, now)) < 0 ||
			    (err = note_preempted(res, &e)) < 0)
				goto fail;
		}
		if (waiting && !r->req_id && (err = enqueue(ctx, r, now)) < 0)
			goto fail;
		res->request_id = r->req_id;
		if ((err = describe_denial(res, r, &e, now)) < 0)
			goto fail;
	}
	{
		braid_intent_notice *nv = NULL;
		size_t nn = 0;
		if ((err = take_notices(&nv, &nn, ctx, r->agent_id, 1)) < 0)
			goto fail;
		if (nn) {
			braid_intent_notice *all =
			    realloc(res->notices, (res->nnotices + nn) * sizeof(*all));
			if (!all) {
				braid_intent_notices_free(nv, nn);
				err = braid_error_set(BRAID_ENOMEM, "out of memory");
				goto fail;
			}
			memcpy(all + res->nnotices, nv, nn * sizeof(*nv));
			free(nv);
			res->notices = all;
			res->nnotices += nn;
		}
	}
	ieval_free(&e);
	return 0;
fail:
	ieval_free(&e);
	return err;
}

/* A grant that did not commit. */
static void undo_grant(braid_intent_result *res)
{
	size_t i;

	if (!res->granted)
		return;
	for (i = 0; i < res->nholds; i++)
		hold_clear(&res->holds[i]);
	res->nholds = 0;
	res->granted = 0;
	res->token = 0;
}

/* decide() in a lock transaction of its own. */
static int attempt(braid_intent_result *res, braid_ctx *ctx, ireq *r, int waiting, int *requeued)
{
	itxn tx;
	int err;

	if ((err = itxn_begin(&tx, ctx)) < 0)
		return err;
	if ((err = decide(res, ctx, r, waiting, requeued, braid_time_now_ms())) < 0) {
		itxn_rollback(&tx, ctx);
		undo_grant(res);
		return err;
	}
	return itxn_commit(&tx, ctx);
}

/* A look without the write lock: could an attempt now change anything? */
static int worth_attempt(int *worth, braid_intent_result *res, braid_ctx *ctx, const ireq *r)
{
	ieval e = {0};
	iread rd;
	int err;
	int64_t now;

	if ((err = read_begin(&rd, ctx)) < 0)
		return err;
	now = braid_time_now_ms();
	err = evaluate(&e, ctx, r, now);
	read_end(&rd, ctx);
	if (err < 0)
		return err;
	*worth = !e.blockers.n && !e.ahead.n;
	if (*worth && e.preemptible.n) {
		/* Holders already told to yield: nothing to do until they go. */
		size_t i;
		int untold = 0;
		for (i = 0; i < e.preemptible.n; i++)
			if (!e.preemptible.v[i].yield_by)
				untold = 1;
		*worth = untold;
	}
	if (!*worth)
		err = describe_denial(res, r, &e, now);
	ieval_free(&e);
	return err;
}

static int withdraw(braid_ctx *ctx, int64_t req_id)
{
	itxn tx;
	int err;

	if ((err = itxn_begin(&tx, ctx)) < 0)
		return err;
	if ((err = drop_request(ctx, req_id, 1)) < 0) {
		itxn_rollback(&tx, ctx);
		return err;
	}
	return itxn_commit(&tx, ctx);
}

/* Resolve the target strings, drop duplicates, add the implicit structure lock. */
static int build_request(ireq *r, braid_ctx *ctx, const char *agent, const char *const *targets,
                         size_t ntargets, int level)
{
	char **globs = NULL;
	size_t i, j;
	int err, need_structure = 0, structure_level = 0;

	if (!(r->t = calloc(ntargets + 1, sizeof(*r->t))))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if ((err = braid_intent__structure_globs_parse(
	         &globs, ctx->intent ? ((istate *)ctx->intent)->cfg.structure_globs : NULL)) < 0)
		return err;
	for (i = 0; i < ntargets; i++) {
		itarget t;
		int dup = 0;
		if ((err = braid_intent__target_resolve(&t, ctx, agent, targets[i])) < 0)
			goto done;
		t.level = level;
		for (j = 0; j < r->n; j++)
			if (!strcmp(r->t[j].target, t.target))
				dup = 1;
		if (dup) {
			braid_intent__target_clear(&t);
			continue;
		}
		if (level >= 2 && t.kind != ITARGET_STRUCTURE &&
		    braid_intent__is_structure_path(globs, t.path, t.kind == ITARGET_GLOB)) {
			need_structure = 1;
			structure_level = level;
		}
		r->t[r->n++] = t;
	}
	if (need_structure) {
		for (j = 0; j < r->n; j++)
			if (r->t[j].kind == ITARGET_STRUCTURE)
				need_structure = 0;
	}
	if (need_structure) {
		itarget *t = &r->t[r->n];
		if ((err = braid_intent__target_parse_lexical(t, BRAID_INTENT_STRUCTURE)) < 0)
			goto done;
		t->level = structure_level;
		t->implicit = 1;
		r->n++;
	}
done:
	braid_intent__strv_free(globs);
	return err;
}

static void ireq_clear(ireq *r)
{
	size_t i;
	for (i = 0; i < r->n; i++)
		braid_intent__target_clear(&r->t[i]);
	free(r->t);
	r->t = NULL;
	r->n = 0;
}

static int grant_message(braid_intent_result *res, int64_t now)
{
	braid_buf b = BRAID_BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < res->nholds; i++)
		rc |= braid_buf_printf(&b, "%s%s '%s'%s", i ? ", " : "granted ",
		                       braid_intent_level_name(res->holds[i].level),
		                       res->holds[i].target,
		                       res->holds[i].implicit ? " (implicit)" : "");
	rc |= braid_buf_printf(&b, "; token %lld; lease ends ", (long long)res->token);
	fmt_time(&b, res->expires_at, now);
	if (rc < 0) {
		braid_buf_dispose(&b);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	free(res->message);
	res->message = braid_buf_detach(&b);
	return 0;
}

static void clear_denial(braid_intent_result *res)
{
	size_t i;
	for (i = 0; i < res->nblockers; i++)
		hold_clear(&res->blockers[i]);
	free(res->blockers);
	res->blockers = NULL;
	res->nblockers = 0;
	for (i = 0; i < res->nahead; i++)
		waiter_clear(&res->ahead[i]);
	free(res->ahead);
	res->ahead = NULL;
	res->nahead = 0;
	res->position = 0;
}

/* Milliseconds until something in the way of `res` can end by itself (a lease, a yield deadline,
 * the place in line of a waiter that stopped polling), at least 1. */
static int64_t next_event_ms(const braid_intent_result *res, int64_t now)
{
	int64_t at = INT64_MAX;
	size_t i;

	for (i = 0; i < res->nblockers; i++) {
		const braid_intent_hold *h = &res->blockers[i];
		int64_t end =
		    h->yield_by && h->yield_by < h->expires_at ? h->yield_by : h->expires_at;
		if (end < at)
			at = end;
	}
	for (i = 0; i < res->nahead; i++)
		if (res->ahead[i].alive_until < at)
			at = res->ahead[i].alive_until;
	if (at == INT64_MAX)
		return INT64_MAX;
	return at - now < 1 ? 1 : at - now + 1;
}

int braid_intent_acquire(braid_intent_result **out, braid_ctx *ctx, const char *const *targets,
                         size_t ntargets, const braid_intent_options *opts)
{
	braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
	braid_intent_result *res = NULL;
	ireq r = {0};
	const char *agent;
	istate *is;
	int64_t deadline = 0, next_report, alive_refresh = 0;
	long backoff_us = 500;
	int err, requeued = 0;

	BRAID_ASSERT_ARG(out && ctx && (targets || !ntargets));
	if (opts)
		o = *opts;
	if (!ntargets)
		return braid_error_set(BRAID_EINVALID, "name at least one intent target");
	if (ntargets > MAX_TARGETS)
		return braid_error_set(BRAID_EINVALID, "at most %d targets per intent",
		                       MAX_TARGETS);
	if (o.level < 1 || o.level > 4)
		return braid_error_set(BRAID_EINVALID, "intent level must be L1, L2, L3 or L4");
	if ((err = braid_ctx_require_agent(&agent, ctx)) < 0 || (err = icfg_load(ctx)) < 0)
		return err;
	is = ctx->intent;
	if (!(res = calloc(1, sizeof(*res))))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	r.agent_id = agent;
	r.activity = o.activity && *o.activity ? o.activity : NULL;
	r.ttl_ms = o.ttl_ms > 0 ? o.ttl_ms : is->cfg.ttl_ms;
	r.grace_ms = o.grace_ms > 0 ? o.grace_ms : is->cfg.grace_ms;
	r.queue_lease_ms = is->cfg.queue_lease_ms;
	if (r.activity && strlen(r.activity) > 1024) {
		err = braid_error_set(BRAID_EINVALID, "activity is longer than 1024 bytes");
		goto done;
	}
	{
		/* Resolving targets reads the agent's workspace row: on the lock connection, whose
		 * page cache our own lock transactions keep warm. */
		iread rd;
		if ((err = read_begin(&rd, ctx)) < 0)
			goto done;
		err = build_request(&r, ctx, agent, targets, ntargets, o.level);
		read_end(&rd, ctx);
		if (err < 0)
			goto done;
	}
	if (o.wait_ms > 0)
		deadline = braid_time_mono_ms() + o.wait_ms;
	next_report = braid_time_mono_ms() + 1000;
	if ((err = attempt(res, ctx, &r, o.wait_ms != 0, &requeued)) < 0)
		goto done;
	alive_refresh = braid_time_mono_ms() + r.queue_lease_ms / 3;
	while (!res->granted && o.wait_ms != 0) {
		int64_t mono = braid_time_mono_ms();
		int worth = 0, woken = is->shm && r.req_id;
		uint32_t seq = woken ? braid_intent__wake_seq(is->shm, r.req_id) : 0;

		if (deadline && mono >= deadline) {
			if (r.req_id && (err = withdraw(ctx, r.req_id)) < 0)
				goto done;
			r.req_id = 0;
			{
				char *m = braid_sprintf_alloc("timed out waiting: %s",
				                              res->message ? res->message : "");
				if (m) {
					free(res->message);
					res->message = m;
				}
			}
			braid_error_set(BRAID_EBUSY, "%s",
			                res->message ? res->message : "timed out");
			*out = res;
			res = NULL;
			err = BRAID_EBUSY;
			goto done;
		}
		if (o.on_wait && mono >= next_report) {
			o.on_wait(o.payload, res);
			next_report = mono + 1000;
		}
		if (mono >= alive_refresh) {
			worth = 1; /* keep our place in line */
		} else if (woken) {
			/* The wake word was read before this look: a release after it wakes us. */
			if ((err = worth_attempt(&worth, res, ctx, &r)) < 0)
				goto done;
			if (!worth) {
				int64_t sleep_ms = next_event_ms(res, braid_time_now_ms());
				int64_t poll =
				    res->position <= 1 ? WAIT_POLL_NEXT_MS : WAIT_POLL_MS;
				if (sleep_ms > poll)
					sleep_ms = poll;
				if (deadline && sleep_ms > deadline - mono)
					sleep_ms = deadline - mono;
				if (sleep_ms > alive_refresh - mono)
					sleep_ms = alive_refresh - mono;
				if (o.on_wait && sleep_ms > next_report - mono)
					sleep_ms = next_report - mono;
				braid_intent__wake_wait(is->shm, r.req_id, seq,
				                        (sleep_ms < 1 ? 1 : sleep_ms) * 1000);
				continue;
			}
		} else {
			/* No turnstile: poll, the next in line often, the rest of the line less so.
			 */
			long cap = res->position <= 1 ? 500 : (long)(res->position * 2000);
			long jitter = (long)(braid_time_now_us() % (backoff_us / 2 + 1));
			long sleep_us = backoff_us / 2 + jitter;
			if (cap > 100000)
				cap = 100000;
			if (deadline && mono + sleep_us / 1000 > deadline)
				sleep_us = (long)(deadline - mono) * 1000 + 100;
			braid_time_sleep_us(sleep_us);
			backoff_us = backoff_us * 2 > cap ? cap : backoff_us * 2;
			if ((err = worth_attempt(&worth, res, ctx, &r)) < 0)
				goto done;
		}
		if (!worth)
			continue;
		clear_denial(res);
		if ((err = attempt(res, ctx, &r, 1, &requeued)) < 0)
			goto done;
		alive_refresh = braid_time_mono_ms() + r.queue_lease_ms / 3;
		if (!res->granted && res->position <= 1)
			backoff_us = 500;
	}
	if (!res->granted) {
		braid_error_set(BRAID_ELOCKED, "%s", res->message ? res->message : "refused");
		*out = res;
		res = NULL;
		err = BRAID_ELOCKED;
		goto done;
	}
	clear_denial(res);
	if ((err = grant_message(res, braid_time_now_ms())) < 0)
		goto done;
	*out = res;
	res = NULL;
done:
	ireq_clear(&r);
	braid_intent_result_free(res);
	return err;
}

/* --- release and renew ----------------------------------------------- */

/*
 * The canonical strings a release/renew target list may name, without
 * touching the tree where possible: a file "a/b" names the file or, if it
 * was a directory when the intent was declared, "a/b/\**" (both are listed;
 * only what the agent holds matters). A symbol is resolved to its qualified
 * name when it can be ("save" -> "User.save"), else taken as written.
 */
static int canonical_targets(char ***out, braid_ctx *ctx, const char *agent,
                             const char *const *targets, size_t n)
{
	char **v = calloc(2 * n + 1, sizeof(char *));
	size_t i, k = 0;
	int err = 0;

	if (!v)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	for (i = 0; i < n && !err; i++) {
		itarget t;
		if ((err = braid_intent__target_parse_lexical(&t, targets[i])) < 0)
			break;
		if (t.kind == ITARGET_SYMBOL) {
			itarget rt;
			if (braid_intent__target_resolve(&rt, ctx, agent, targets[i]) == 0) {
				braid_intent__target_clear(&t);
				t = rt;
			}
			braid_error_clear();
		} else if (t.kind == ITARGET_FILE) {
			char *dir = braid_sprintf_alloc("%s/", t.path);
			itarget g;
			if (!dir) {
				err = BRAID_ENOMEM;
			} else if ((err = braid_intent__target_parse_lexical(&g, dir)) == 0) {
				v[k++] = g.target;
				g.target = NULL;
				braid_intent__target_clear(&g);
			}
			free(dir);
		}
		v[k++] = t.target;
		t.target = NULL;
		braid_intent__target_clear(&t);
	}
	if (err < 0) {
		braid_intent__strv_free(v);
		return err;
	}
	*out = v;
	return 0;
}

static int in_list(char **v, const char *s)
{
	size_t i;
	for (i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

/*
 * Release this agent's holds matching `names` (all when NULL) or `token`
 * (when > 0), inside the caller's transaction; records one intent.release op.
 */
static int release_locked(size_t *count, braid_ctx *ctx, const char *agent, char **names,
                          int64_t token, int withdraw_waits)
{
	sqlite3_stmt *st;
	json_t *gone = NULL;
	int64_t *ids = NULL;
	tlist freed = {0};
	size_t n = 0, i;
	int err = 0, rc;

	*count = 0;
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT id, target, token, level, implicit, request_id, kind, path, symbol FROM "
	         "intent_holds WHERE agent_id = ?1 AND (?2 = 0 OR token = ?2)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, agent, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, token);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *target = (const char *)sqlite3_column_text(st, 1);
		int64_t *nv;
		if (names && !in_list(names, target))
			continue; /* implicit structure locks go with their grant (below) */
		if (!(nv = realloc(ids, (n + 1) * sizeof(*ids))) ||
		    (!gone && !(gone = json_array()))) {
			if (nv)
				ids = nv;
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		ids = nv;
		ids[n++] = sqlite3_column_int64(st, 0);
		{
			itarget ft = view_target(st, 6, 7, 8, 3);
			if ((err = tlist_push(&freed, &ft)) < 0)
				break;
		}
		json_array_append_new(
		    gone, json_pack("{s:s, s:I, s:s}", "target", target, "token",
		                    (json_int_t)sqlite3_column_int64(st, 2), "level",
		                    braid_intent_level_name(sqlite3_column_int(st, 3))));
	}
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = braid_store__error(ctx->store, "cannot read intents");
	sqlite3_reset(st);
	for (i = 0; i < n && !err; i++) {
		if ((err = braid_store__stmt(&st, ctx->store,
		                             "DELETE FROM intent_holds WHERE id = ?")) < 0)
			break;
		sqlite3_bind_int64(st, 1, ids[i]);
		err = braid_store__step_done(ctx->store, st, "cannot release an intent");
	}
	/* An implicit structure lock ends when nothing of its grant is left. */
	if (!err && n && names) {
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "DELETE FROM intent_holds WHERE agent_id = ?1 AND implicit = 1 "
		         "AND NOT EXISTS (SELECT 1 FROM intent_holds o WHERE o.agent_id "
		         "= ?1 AND o.token = intent_holds.token AND o.implicit = 0)")) == 0) {
			sqlite3_bind_text(st, 1, agent, -1, SQLITE_STATIC);
			err = braid_store__step_done(ctx->store, st, "cannot release an intent");
			if (!err && sqlite3_changes(ctx->store->db) > 0) {
				itarget ft = {0};
				ft.kind = ITARGET_STRUCTURE;
				ft.path = (char *)"";
				ft.level = 4;
				err = tlist_push(&freed, &ft);
			}
		}
	}
	if (!err && withdraw_waits) {
		/* Withdraw waiting requests too (all of them, or those naming a released target).
		 */
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "SELECT DISTINCT r.id, q.target FROM intent_requests r JOIN "
		         "intent_request_targets q ON q.request_id = r.id WHERE "
		         "r.agent_id = ?")) == 0) {
			int64_t *drop = NULL;
			size_t nd = 0;
			sqlite3_bind_text(st, 1, agent, -1, SQLITE_STATIC);
			while (sqlite3_step(st) == SQLITE_ROW) {
				int64_t *nv;
				if (names &&
				    !in_list(names, (const char *)sqlite3_column_text(st, 1)))
					continue;
				if (!(nv = realloc(drop, (nd + 1) * sizeof(*drop))))
					break;
				drop = nv;
				drop[nd++] = sqlite3_column_int64(st, 0);
			}
			sqlite3_reset(st);
			for (i = 0; i < nd && !err; i++)
				err = drop_request(ctx, drop[i], 1);
			free(drop);
		}
	}
	if (!err)
		err = wake_tlist(ctx, &freed, 0, braid_time_now_ms());
	if (!err && n && log_routine(ctx)) {
		err = record_op(ctx, agent, "intent.release", json_pack("{s:o}", "released", gone));
		gone = NULL;
	}
	json_decref(gone);
	tlist_free(&freed);
	free(ids);
	if (!err)
		*count = n;
	return err;
}

int braid_intent_release(size_t *released, braid_ctx *ctx, const char *const *targets,
                         size_t ntargets)
{
	const char *agent;
	char **names = NULL;
	size_t count = 0;
	itxn tx;
	int err;

	BRAID_ASSERT_ARG(ctx && (targets || !ntargets));
	if ((err = braid_ctx_require_agent(&agent, ctx)) < 0 || (err = icfg_load(ctx)) < 0)
		return err;
	if (ntargets && (err = canonical_targets(&names, ctx, agent, targets, ntargets)) < 0)
		return err;
	if ((err = itxn_begin(&tx, ctx)) < 0)
		goto done;
	if ((err = sweep(ctx, braid_time_now_ms())) < 0 ||
	    (err = release_locked(&count, ctx, agent, names, 0, 1)) < 0) {
		itxn_rollback(&tx, ctx);
		goto done;
	}
	if ((err = itxn_commit(&tx, ctx)) < 0)
		goto done;
	if (released)
		*released = count;
done:
	braid_intent__strv_free(names);
	return err;
}

int braid_intent_release_token(braid_ctx *ctx, int64_t token)
{
	const char *agent;
	size_t count = 0;
	itxn tx;
	int err;

	BRAID_ASSERT_ARG(ctx && token > 0);
	if ((err = braid_ctx_require_agent(&agent, ctx)) < 0 || (err = icfg_load(ctx)) < 0)
		return err;
	if ((err = itxn_begin(&tx, ctx)) < 0)
		return err;
	if ((err = sweep(ctx, braid_time_now_ms())) < 0 ||
	    (err = release_locked(&count, ctx, agent, NULL, token, 0)) < 0) {
		itxn_rollback(&tx, ctx);
		return err;
	}
	if ((err = itxn_commit(&tx, ctx)) < 0)
		return err;
	if (!count)
		return braid_error_set(
		    BRAID_ESTALE,
		    "token %lld is not held by you any more (released, expired or "
		    "preempted); nothing to release",
		    (long long)token);
	return 0;
}

int braid_intent__release_internal(size_t *count, braid_ctx *ctx, const char *agent, char **names)
{
	int err;

	if ((err = icfg_load(ctx)) < 0)
		return err;
	return release_locked(count, ctx, agent, names, 0, 0);
}

/* Is anyone (else) waiting for something that overlaps `t`? */
static int has_waiters(int *out, braid_ctx *ctx, const itarget *t, const char *me, int64_t now)
{
	sqlite3_stmt *st;
	int err, rc;

	int pass;

	*out = 0;
	for (pass = 0; pass < npasses(t) && !*out; pass++) {
		if ((err = wait_candidates(&st, ctx, t, me, now, INT64_MAX, pass)) < 0)
			return err;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			itarget q = view_target(st, 6, 7, 8, 9);
			if (braid_intent__overlap(t, &q)) {
				*out = 1;
				break;
			}
		}
		err = rc == SQLITE_ROW || rc == SQLITE_DONE
		          ? 0
		          : braid_store__error(ctx->store, "cannot read the waiters");
		sqlite3_reset(st);
		if (err < 0)
			return err;
	}
	return 0;
}

/*
 * Extend `agent`'s leases matching `names` (all when NULL) to now + ttl_ms,
 * inside the caller's transaction, after a sweep at `now`.
 */
static int renew_locked(size_t *renewed, braid_ctx *ctx, const char *agent, char **names,
                        int64_t ttl_ms, int64_t max_lease, int64_t now)
{
	sqlite3_stmt *st;
	int64_t *ids = NULL, *ends = NULL;
	size_t n = 0, i;
	int err, rc;

	*renewed = 0;
	if ((err = sweep(ctx, now)) < 0)
		return err;
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT " HOLD_COLS HOLD_FROM " WHERE h.agent_id = ?")) < 0)
		return err;
	sqlite3_bind_text(st, 1, agent, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		itarget t = view_target(st, 4, 5, 6, 9);
		int64_t until = now + ttl_ms, granted = sqlite3_column_int64(st, 13);
		int waiting = 0;
		int64_t *ni, *ne;

		if (names && !in_list(names, (const char *)sqlite3_column_text(st, 3)))
			continue;
		if (until > granted + max_lease &&
		    has_waiters(&waiting, ctx, &t, agent, now) == 0 && waiting)
			until = granted + max_lease;
		if (until < sqlite3_column_int64(st, 14))
			until = sqlite3_column_int64(st, 14);
		if (!(ni = realloc(ids, (n + 1) * sizeof(*ids))) ||
		    !(ne = realloc(ends, (n + 1) * sizeof(*ends)))) {
			if (ni)
				ids = ni;
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		ids = ni;
		ends = ne;
		ids[n] = sqlite3_column_int64(st, 0);
		ends[n] = until;
		n++;
	}
	if (!err && rc != SQLITE_DONE)
		err = braid_store__error(ctx->store, "cannot read the intents to renew");
	sqlite3_reset(st);
	for (i = 0; i < n && !err; i++) {
		if ((err = braid_store__stmt(&st, ctx->store,
		                             "UPDATE intent_holds SET expires_at = ?1, ends_at = "
		                             "MIN(?1, COALESCE(yield_by, ?1)) WHERE id = ?2")) < 0)
			break;
		sqlite3_bind_int64(st, 1, ends[i]);
		sqlite3_bind_int64(st, 2, ids[i]);
		err = braid_store__step_done(ctx->store, st, "cannot renew an intent");
	}
	free(ids);
	free(ends);
	if (!err)
		*renewed = n;
	return err;
}

int braid_intent_renew(size_t *renewed, braid_ctx *ctx, const char *const *targets, size_t ntargets,
                       int64_t ttl_ms)
{
	const char *agent;
	char **names = NULL;
	size_t n = 0;
	itxn tx;
	int err;

	BRAID_ASSERT_ARG(ctx && (targets || !ntargets));
	if ((err = braid_ctx_require_agent(&agent, ctx)) < 0 || (err = icfg_load(ctx)) < 0)
		return err;
	if (ttl_ms <= 0)
		ttl_ms = ((istate *)ctx->intent)->cfg.ttl_ms;
	if (ntargets && (err = canonical_targets(&names, ctx, agent, targets, ntargets)) < 0)
		return err;
	if ((err = itxn_begin(&tx, ctx)) < 0)
		goto done;
	if ((err = renew_locked(&n, ctx, agent, names, ttl_ms,
	                        ((istate *)ctx->intent)->cfg.max_lease_ms, braid_time_now_ms())) <
	    0) {
		itxn_rollback(&tx, ctx);
		goto done;
	}
	if ((err = itxn_commit(&tx, ctx)) < 0)
		goto done;
	if (renewed)
		*renewed = n;
done:
	braid_intent__strv_free(names);
	return err;
}

/* --- checkpoints ------------------------------------------------------------ */

void braid_intent_set_own_checkpoints(braid_ctx *ctx, int own)
{
	istate *is = istate_get(ctx);

	if (is)
		is->no_checkpoints = !own;
}

int braid_intent_checkpoint(braid_ctx *ctx, int *wal_frames, int *checkpointed)
{
	braid_store *ls;
	int err, log = 0, done = 0, rc;

	BRAID_ASSERT_ARG(ctx && !ctx->store->in_txn);
	if ((err = icfg_load(ctx)) < 0 || (err = lock_store(&ls, ctx)) < 0)
		return err;
	rc = sqlite3_wal_checkpoint_v2(ls->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return braid_store__error(ls, "cannot checkpoint the state database");
	if (wal_frames)
		*wal_frames = log;
	if (checkpointed)
		*checkpointed = done;
	return 0;
}

/* --- batches (group commit) ------------------------------------------- */

/* One request of a batch, prepared before the lock transaction. */
typedef struct bprep {
	int ready;                   /* prepared: run it */
	char *agent_id, *agent_name; /* the acting agent (owned) */
	ireq r;                      /* ACQUIRE: the resolved request */
	char **names;                /* RELEASE, RENEW: canonical targets (NULL: all) */
	int64_t ttl_ms;              /* RENEW */
} bprep;

static void bprep_clear(bprep *p)
{
	ireq_clear(&p->r);
	braid_intent__strv_free(p->names);
	free(p->agent_id);
	free(p->agent_name);
	memset(p, 0, sizeof(*p));
}

void braid_intent_batch_item_release(braid_intent_batch_item *it)
{
	if (!it)
		return;
	free(it->message);
	braid_intent_result_free(it->result);
	it->message = NULL;
	it->result = NULL;
	it->code = 0;
	it->count = 0;
}

/* The item failed with `err`; the message is the one braid_error_set just stored. */
static void item_fail(braid_intent_batch_item *it, int err)
{
	braid_intent_batch_item_release(it);
	it->code = err;
	it->message = braid_strdup(braid_error_last());
}

/*
 * Check and resolve one request outside the lock transaction, as the
 * one-by-one call does before its own: the agent, the limits, the targets.
 * `items[0..i)` and `preps[0..i)` are the earlier requests (an agent named
 * again is not looked up again).
 */
static int bprep_make(bprep *p, braid_ctx *ctx, const braid_intent_batch_item *items,
                      const bprep *preps, size_t i)
{
	const braid_intent_batch_item *it = &items[i];
	istate *is = ctx->intent;
	size_t j;
	int err;

	if (it->version != BRAID_INTENT_BATCH_ITEM_VERSION)
		return braid_error_set(BRAID_EINVALID, "unknown batch item version %u",
		                       it->version);
	if (!it->agent || !*it->agent)
		return braid_error_set(
		    BRAID_ESTATE, "no acting agent: run this inside an agent's workspace, pass "
		                  "--agent NAME, or set BRAID_AGENT");
	for (j = i; j-- > 0;) {
		if (preps[j].agent_id && !strcmp(items[j].agent, it->agent)) {
			p->agent_id = braid_strdup(preps[j].agent_id);
			p->agent_name = braid_strdup(preps[j].agent_name);
			break;
		}
	}
	if (!p->agent_id) {
		braid_agent *a = NULL;
		if ((err = braid_agent_lookup(&a, ctx, it->agent)) < 0)
			return err;
		p->agent_id = braid_strdup(a->id);
		p->agent_name = braid_strdup(a->name);
		braid_agent_free(a);
	}
	if (!p->agent_id || !p->agent_name)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if (ctx->ws_owner && strcmp(ctx->ws_owner, p->agent_id))
		return braid_error_set(
		    BRAID_EDENIED,
		    "workspace '%s' belongs to another agent than '%s'; a "
		    "batch for several agents needs a context outside workspaces",
		    ctx->ws_id, p->agent_name);
	if (!it->targets && it->ntargets)
		return braid_error_set(BRAID_EINVALID, "invalid argument: %s",
		                       "targets || !ntargets");
	switch (it->op) {
	case BRAID_INTENT_BATCH_ACQUIRE: {
		const braid_intent_options *o = &it->opts;
		if (!it->ntargets)
			return braid_error_set(BRAID_EINVALID, "name at least one intent target");
		if (it->ntargets > MAX_TARGETS)
			return braid_error_set(BRAID_EINVALID, "at most %d targets per intent",
			                       MAX_TARGETS);
		if (o->level < 1 || o->level > 4)
			return braid_error_set(BRAID_EINVALID,
			                       "intent level must be L1, L2, L3 or L4");
		if (o->wait_ms != 0)
			return braid_error_set(BRAID_EINVALID,
			                       "a request that waits in line cannot be batched; "
			                       "call braid_intent_acquire");
		p->r.agent_id = p->agent_id;
		p->r.activity = o->activity && *o->activity ? o->activity : NULL;
		p->r.ttl_ms = o->ttl_ms > 0 ? o->ttl_ms : is->cfg.ttl_ms;
		p->r.grace_ms = o->grace_ms > 0 ? o->grace_ms : is->cfg.grace_ms;
		p->r.queue_lease_ms = is->cfg.queue_lease_ms;
		if (p->r.activity && strlen(p->r.activity) > 1024)
			return braid_error_set(BRAID_EINVALID,
			                       "activity is longer than 1024 bytes");
		return build_request(&p->r, ctx, p->agent_id, it->targets, it->ntargets, o->level);
	}
	case BRAID_INTENT_BATCH_RENEW:
		p->ttl_ms = it->ttl_ms > 0 ? it->ttl_ms : is->cfg.ttl_ms;
		/* fall through */
	case BRAID_INTENT_BATCH_RELEASE:
		if (it->ntargets)
			return canonical_targets(&p->names, ctx, p->agent_id, it->targets,
			                         it->ntargets);
		return 0;
	case BRAID_INTENT_BATCH_RELEASE_TOKEN:
		if (it->token <= 0)
			return braid_error_set(BRAID_EINVALID, "invalid argument: %s",
			                       "ctx && token > 0");
		return 0;
	}
	return braid_error_set(BRAID_EINVALID, "unknown batch operation %d", (int)it->op);
}

/* Run one prepared request inside the open lock transaction, acting as its agent. */
static int bitem_exec(braid_ctx *ctx, braid_intent_batch_item *it, bprep *p)
{
	istate *is = ctx->intent;
	char *saved_id = ctx->agent_id, *saved_name = ctx->agent_name;
	int64_t now = braid_time_now_ms();
	int err;

	ctx->agent_id = p->agent_id;
	ctx->agent_name = p->agent_name;
	switch (it->op) {
	case BRAID_INTENT_BATCH_ACQUIRE:
		if (!(it->result = calloc(1, sizeof(*it->result)))) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		err = decide(it->result, ctx, &p->r, 0, NULL, now);
		break;
	case BRAID_INTENT_BATCH_RELEASE:
		if ((err = sweep(ctx, now)) == 0)
			err = release_locked(&it->count, ctx, p->agent_id, p->names, 0, 1);
		break;
	case BRAID_INTENT_BATCH_RELEASE_TOKEN:
		if ((err = sweep(ctx, now)) == 0)
			err = release_locked(&it->count, ctx, p->agent_id, NULL, it->token, 0);
		break;
	case BRAID_INTENT_BATCH_RENEW:
		err = renew_locked(&it->count, ctx, p->agent_id, p->names, p->ttl_ms,
		                   is->cfg.max_lease_ms, now);
		break;
	default:
		err = braid_error_set(BRAID_EINVALID, "unknown batch operation");
	}
	ctx->agent_id = saved_id;
	ctx->agent_name = saved_name;
	return err;
}

/* After the commit: the answer the one-by-one call gives once its transaction committed. */
static void bitem_finish(braid_intent_batch_item *it)
{
	int err;

	switch (it->op) {
	case BRAID_INTENT_BATCH_ACQUIRE:
		if (!it->result->granted) {
			err =
			    braid_error_set(BRAID_ELOCKED, "%s",
			                    it->result->message ? it->result->message : "refused");
			it->code = err;
			it->message = braid_strdup(braid_error_last());
			break;
		}
		clear_denial(it->result);
		if ((err = grant_message(it->result, braid_time_now_ms())) < 0)
			item_fail(it, err);
		break;
	case BRAID_INTENT_BATCH_RELEASE_TOKEN:
		if (!it->count)
			item_fail(it, braid_error_set(BRAID_ESTALE,
			                              "token %lld is not held by you any more "
			                              "(released, expired or preempted); nothing "
			                              "to release",
			                              (long long)it->token));
		break;
	default:
		break;
	}
}

/*
 * Requests [from, to) in one lock transaction. On a failure inside it,
 * *inside is set, everything is rolled back and the answers are cleared.
 */
static int brun(braid_ctx *ctx, braid_intent_batch_item *items, bprep *preps, size_t from,
                size_t to, int *inside)
{
	istate *is = ctx->intent;
	size_t i, j;
	itxn tx;
	int err;

	*inside = 0;
	if ((err = itxn_begin(&tx, ctx)) < 0)
		return err;
	is->swept_at = INT64_MIN; /* others may have written since our last look */
	for (i = from; i < to; i++) {
		if (!preps[i].ready)
			continue;
		if ((err = bitem_exec(ctx, &items[i], &preps[i])) < 0) {
			itxn_rollback(&tx, ctx);
			for (j = from; j <= i; j++)
				if (preps[j].ready)
					braid_intent_batch_item_release(&items[j]);
			*inside = 1;
			return err;
		}
	}
	if ((err = itxn_commit(&tx, ctx)) < 0) {
		for (j = from; j < to; j++)
			if (preps[j].ready)
				braid_intent_batch_item_release(&items[j]);
		return err;
	}
	for (i = from; i < to; i++)
		if (preps[i].ready)
			bitem_finish(&items[i]);
	return 0;
}

int braid_intent_batch(braid_ctx *ctx, braid_intent_batch_item *items, size_t n)
{
	bprep *preps = NULL;
	istate *is;
	iread rd;
	size_t i;
	int err, inside = 0;

	BRAID_ASSERT_ARG(ctx && (items || !n));
	if (ctx->store->in_txn)
		return braid_error_set(BRAID_EINVALID,
		                       "a batch of intent requests runs its own transaction");
	for (i = 0; i < n; i++) {
		items[i].code = 0;
		items[i].message = NULL;
		items[i].result = NULL;
		items[i].count = 0;
	}
	if (!n)
		return 0;
	if ((err = icfg_load(ctx)) < 0 || !(preps = calloc(n, sizeof(*preps)))) {
		if (!err)
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
		for (i = 0; i < n; i++)
			item_fail(&items[i], err);
		return 0;
	}
	is = ctx->intent;
	/* Agents and targets are resolved in one read snapshot, as each call does before its turn.
	 */
	if ((err = read_begin(&rd, ctx)) < 0) {
		for (i = 0; i < n; i++)
			item_fail(&items[i], err);
		goto done;
	}
	for (i = 0; i < n; i++) {
		if ((err = bprep_make(&preps[i], ctx, items, preps, i)) < 0) {
			item_fail(&items[i], err);
			bprep_clear(&preps[i]);
			continue;
		}
		preps[i].ready = 1;
	}
	read_end(&rd, ctx);
	is->in_batch = 1;
	if ((err = brun(ctx, items, preps, 0, n, &inside)) < 0) {
		if (inside) {
			/* Something failed inside: every request again, one transaction each. */
			for (i = 0; i < n; i++) {
				if (preps[i].ready &&
				    (err = brun(ctx, items, preps, i, i + 1, &inside)) < 0)
					item_fail(&items[i], err);
			}
		} else {
			for (i = 0; i < n; i++)
				if (preps[i].ready)
					item_fail(&items[i], err);
		}
	}
	is->in_batch = 0;
done:
	for (i = 0; i < n; i++)
		bprep_clear(&preps[i]);
	free(preps);
	return 0;
}

/* --- the table ---------------------------------------------------------- */

int braid_intent_list(braid_intent_table **out, braid_ctx *ctx)
{
	braid_intent_table *tb;
	sqlite3_stmt *st;
	hvec hv = {0};
	wvec wv = {0};
	itxn tx;
	int64_t now;
	int err = 0, rc;
	size_t i, j;

	if ((err = icfg_load(ctx)) < 0)
		return err;
	if (!(tb = calloc(1, sizeof(*tb))))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if ((err = itxn_begin(&tx, ctx)) < 0) {
		free(tb);
		return err;
	}
	now = braid_time_now_ms();
	if ((err = sweep(ctx, now)) < 0)
		goto fail;
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT " HOLD_COLS HOLD_FROM " WHERE h.ends_at > ? "
	                             "ORDER BY h.target, h.level DESC, h.id")) < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		braid_intent_hold *h = hvec_push(&hv, sqlite3_column_int64(st, 0));
		if (!h) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		if ((err = row_to_hold(h, st)) < 0)
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = braid_store__error(ctx->store, "cannot read the intents");
	sqlite3_reset(st);
	if (err)
		goto fail;
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT " WAIT_COLS WAIT_FROM " WHERE r.alive_until > ? "
	                             "ORDER BY q.target, r.id")) < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		braid_intent_waiter *w = wvec_push(&wv);
		if (!w) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		if ((err = row_to_waiter(w, st)) < 0)
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = braid_store__error(ctx->store, "cannot read the waiters");
	sqlite3_reset(st);
	if (err)
		goto fail;
	if ((err = itxn_commit(&tx, ctx)) < 0)
		goto out;
	/* Position: rank among the waiters of the same target. */
	for (i = 0; i < wv.n; i++) {
		size_t pos = 1;
		for (j = 0; j < wv.n; j++)
			if (j != i && !strcmp(wv.v[j].target, wv.v[i].target) &&
			    wv.v[j].request_id < wv.v[i].request_id)
				pos++;
		wv.v[i].position = pos;
	}
	tb->holds = hv.v;
	tb->nholds = hv.n;
	tb->waiters = wv.v;
	tb->nwaiters = wv.n;
	tb->now = now;
	free(hv.ids);
	*out = tb;
	return 0;
fail:
	itxn_rollback(&tx, ctx);
out:
	hvec_free(&hv);
	wvec_free(&wv);
	free(tb);
	return err;
}

/* --- fencing -------------------------------------------------------------- */

static int hold_covers(const itarget *h, const char *path)
{
	if (h->kind == ITARGET_GLOB)
		return braid_intent__glob_match(h->path, path);
	if (h->kind == ITARGET_STRUCTURE)
		return 0;
	return !strcmp(h->path, path);
}

int braid_intent_check_token(braid_ctx *ctx, const char *agent_id, int64_t token, const char *path)
{
	sqlite3_stmt *st;
	int64_t now = braid_time_now_ms();
	int err, rc, found = 0, mine = 0, covers = 0;
	char *owner = NULL;
	iread rd;

	BRAID_ASSERT_ARG(ctx);
	if (!agent_id && (err = braid_ctx_require_agent(&agent_id, ctx)) < 0)
		return err;
	if (token <= 0)
		return braid_error_set(BRAID_EINVALID, "fencing token must be a positive number");
	if ((err = icfg_load(ctx)) < 0 || (err = read_begin(&rd, ctx)) < 0)
		return err;
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT agent_id, kind, path, symbol, level FROM intent_holds "
	                             "WHERE token = ? AND ends_at > ?")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, token);
	sqlite3_bind_int64(st, 2, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		itarget t = view_target(st, 1, 2, 3, 4);
		found = 1;
		if (!strcmp((const char *)sqlite3_column_text(st, 0), agent_id)) {
			mine = 1;
			if (!path || (t.level >= 2 && hold_covers(&t, path)))
				covers = 1;
		} else if (!owner) {
			owner = braid_strdup((const char *)sqlite3_column_text(st, 0));
		}
	}
	err =
	    rc == SQLITE_DONE ? 0 : braid_store__error(ctx->store, "cannot read the fencing token");
	sqlite3_reset(st);
	if (err < 0)
		goto done;
	if (!found) {
		/* Say why, from the notices. */
		const char *why = "released or replaced";
		char *by = NULL;
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "SELECT kind, by_agent FROM intent_notices WHERE token = ? "
		         "AND kind != 'yield' ORDER BY id DESC LIMIT 1")) < 0)
			goto done;
		sqlite3_bind_int64(st, 1, token);
		if (sqlite3_step(st) == SQLITE_ROW) {
			why = !strcmp((const char *)sqlite3_column_text(st, 0), "expired")
			          ? "its lease expired"
			          : "it was preempted";
			by = braid_store__col_strdup(st, 1);
		}
		sqlite3_reset(st);
		err = braid_error_set(
		    BRAID_ESTALE,
		    "fencing token %lld is stale: %s%s%s%s; declare the intent again "
		    "and re-read before writing",
		    (long long)token, why, by ? " by '" : "", by ? by : "", by ? "'" : "");
		free(by);
		goto done;
	}
	if (!mine) {
		char *name = braid_intent__agent_name(ctx, owner);
		err = braid_error_set(BRAID_EDENIED, "fencing token %lld belongs to agent '%s'",
		                      (long long)token, name ? name : "?");
		free(name);
		goto done;
	}
	if (!covers)
		err = braid_error_set(BRAID_EDENIED,
		                      "fencing token %lld does not cover '%s' with a write intent",
		                      (long long)token, path);
done:
	read_end(&rd, ctx);
	free(owner);
	return err;
}
