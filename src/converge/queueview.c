/*
 * queueview.c: the queue as `braid queue` and a waiting submitter see it:
 * submission rows joined with the driver's latest plan (queue_plan, display
 * only: the durable truth is the submissions and gate_runs tables).
 */
#include "common.h"
#include "braid/gate.h"
#include "braid/queue.h"
#include "ctx/ctx_int.h"
#include "gate/gate_int.h"
#include "util/buf.h"
#include "util/fs.h"

#include <jansson.h>

static void entry_clear(braid_queue_entry *e)
{
	free(e->agent);
	free(e->change_id);
	free(e->message);
	free(e->status);
	free(e->state);
	free(e->stacked_on);
	free(e->note);
}

void braid_queue_list_free(braid_queue_list *l)
{
	size_t i;
	if (!l)
		return;
	for (i = 0; i < l->count; i++)
		entry_clear(&l->items[i]);
	free(l->items);
	free(l->mode);
	free(l->driver);
	free(l);
}

#define ENTRY_SELECT                                                                               \
	"SELECT s.id, a.name, s.change_id, s.message, s.state, p.status, p.stacked_on, p.run_id,"  \
	" p.note, s.created_at, s.updated_at, p.position"                                          \
	" FROM submissions s LEFT JOIN agents a ON a.id = s.agent_id"                              \
	" LEFT JOIN queue_plan p ON p.submission_id = s.id"

static int add_rows(braid_queue_list *l, braid_store *store, sqlite3_stmt *st, int undecided)
{
	int rc, err = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		braid_queue_entry *n = realloc(l->items, (l->count + 1) * sizeof(*n)), *e;
		const char *state = (const char *)sqlite3_column_text(st, 4);
		const char *status = (const char *)sqlite3_column_text(st, 5);
		if (!n) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		l->items = n;
		e = &n[l->count++];
		memset(e, 0, sizeof(*e));
		e->id = sqlite3_column_int64(st, 0);
		e->agent = braid_store__col_strdup(st, 1);
		e->change_id = braid_store__col_strdup(st, 2);
		e->message = braid_store__col_strdup(st, 3);
		e->state = braid_store__col_strdup(st, 4);
		if (!undecided)
			status = state;
		else if (!strcmp(state, "landing"))
			status = "landing";
		else if (!status)
			status = "waiting";
		e->status = braid_strdup(status);
		e->stacked_on = undecided && sqlite3_column_type(st, 6) != SQLITE_NULL
		                    ? braid_store__col_strdup(st, 6)
		                    : braid_strdup("[]");
		e->run_id = undecided ? sqlite3_column_int64(st, 7) : 0;
		e->note = undecided ? braid_store__col_strdup(st, 8) : NULL;
		e->created_at = sqlite3_column_int64(st, 9);
		e->decided_at = undecided ? 0 : sqlite3_column_int64(st, 10);
		e->position = undecided ? (int)(l->count - 1) : -1;
		if (!e->change_id || !e->state || !e->status || !e->stacked_on) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
	}
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = braid_store__error(store, "cannot list the queue");
	sqlite3_reset(st);
	return err;
}

/* The run verifying a decided submission, from its gate runs. */
static int64_t last_run_for(braid_ctx *ctx, int64_t sub)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	if (braid_store__stmt(&st, ctx->store,
	                      "SELECT id FROM gate_runs WHERE submission_id = ? ORDER BY id DESC"
	                      " LIMIT 1") < 0) {
		braid_error_clear();
		return 0;
	}
	sqlite3_bind_int64(st, 1, sub);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

int braid_queue_list_get(braid_queue_list **out, braid_ctx *ctx, size_t recent)
{
	braid_queue_list *l;
	braid_gate_config cfg;
	sqlite3_stmt *st;
	size_t i, undecided;
	int err;

	if (!(l = calloc(1, sizeof(*l))))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if ((err = braid_gate_config_load(&cfg, ctx)) < 0)
		goto fail;
	l->gated = cfg.command != NULL;
	l->concurrency = l->gated ? cfg.concurrency : 1;
	l->mode = braid_strdup(!l->gated ? "fifo" : cfg.independent ? "independent" : "cumulative");
	braid_gate_config_release(&cfg);
	if ((err = braid_store__stmt(&st, ctx->store,
	                             ENTRY_SELECT " WHERE s.state IN ('pending', 'landing')"
	                                          " ORDER BY s.id")) < 0 ||
	    (err = add_rows(l, ctx->store, st, 1)) < 0)
		goto fail;
	undecided = l->count;
	if (recent) {
		if ((err = braid_store__stmt(&st, ctx->store,
		                             ENTRY_SELECT
		                             " WHERE s.state NOT IN ('pending', 'landing')"
		                             " ORDER BY s.id DESC LIMIT ?")) < 0)
			goto fail;
		sqlite3_bind_int64(st, 1, (int64_t)recent);
		if ((err = add_rows(l, ctx->store, st, 0)) < 0)
			goto fail;
		for (i = undecided; i < l->count; i++)
			l->items[i].run_id = last_run_for(ctx, l->items[i].id);
	}
	if (braid_store_meta_get(&l->driver, ctx->store, "queue.driver") < 0 ||
	    (l->driver && !*l->driver)) {
		braid_error_clear();
		free(l->driver);
		l->driver = NULL;
	}
	if (l->gated && (err = braid_gate__running(ctx, &l->running)) < 0)
		goto fail;
	*out = l;
	return 0;
fail:
	braid_queue_list_free(l);
	return err;
}

void braid_queue_describe(braid_ctx *ctx, int64_t id, char *buf, size_t n)
{
	sqlite3_stmt *st;
	braid_buf b = BRAID_BUF_INIT;
	int err = 0;

	snprintf(buf, n, "submission %lld is waiting in the landing queue", (long long)id);
	if (braid_store__stmt(&st, ctx->store,
	                      "SELECT p.status, p.stacked_on, p.run_id, p.note, p.position, s.state"
	                      " FROM submissions s LEFT JOIN queue_plan p ON p.submission_id = s.id"
	                      " WHERE s.id = ?") < 0) {
		braid_error_clear();
		return;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		json_t *stack = json_loads((const char *)sqlite3_column_text(st, 1)
		                               ? (const char *)sqlite3_column_text(st, 1)
		                               : "[]",
		                           0, NULL);
		size_t i;
		err = braid_buf_printf(&b, "submission %lld %s", (long long)id,
		                       (const char *)sqlite3_column_text(st, 0));
		if (!err && sqlite3_column_int(st, 4) > 0)
			err = braid_buf_printf(&b, " (#%d in the queue)",
			                       sqlite3_column_int(st, 4) + 1);
		for (i = 0; !err && i < json_array_size(stack); i++)
			err = braid_buf_printf(
			    &b, "%s%lld", i ? ", " : ", stacked on ",
			    (long long)json_integer_value(json_array_get(stack, i)));
		if (!err && sqlite3_column_int64(st, 2))
			err = braid_buf_printf(&b, " [gate run %lld]",
			                       (long long)sqlite3_column_int64(st, 2));
		if (!err && sqlite3_column_type(st, 3) != SQLITE_NULL)
			err =
			    braid_buf_printf(&b, ": %s", (const char *)sqlite3_column_text(st, 3));
		json_decref(stack);
		if (!err)
			snprintf(buf, n, "%s", b.ptr);
	}
	sqlite3_reset(st);
	braid_buf_dispose(&b);
	braid_error_clear();
}
