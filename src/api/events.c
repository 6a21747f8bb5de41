/*
 * events.c: the event feed, derived from the op log. Every process that
 * changes state records ops in the shared database, so reading the ops
 * after a seq tells a follower (the daemon's /v1/events, `status --watch`,
 * the events method) everything that happened, whoever did it.
 */
#include "common.h"
#include "api/api_int.h"
#include "braid/change.h"

/* Typed event names for op kinds; ops of other kinds only give an "op" event. */
static const struct {
	const char *kind, *event;
} typed[] = {
    {"land", "landed"},
    {"conflict", "conflicted"},
    {"resolve", "resolved"},
    {"snapshot", "snapshot"},
    {"update", "workspace.updated"},
    {"ws.new", "workspace.created"},
    {"ws.rm", "workspace.removed"},
    {"abandon", "workspace.removed"},
    {"agent.add", "agent.added"},
    /* intent ops (include/braid/intent.h) */
    {"intent.grant", "lock.granted"},
    {"intent.queue", "lock.queued"},
    {"intent.release", "lock.released"},
    {"intent.expire", "lock.lost"},
    {"intent.preempt", "lock.preempted"},
};

static const char *event_for(const char *kind)
{
	size_t i;

	for (i = 0; i < BRAID_ARRAY_SIZE(typed); i++)
		if (!strcmp(typed[i].kind, kind))
			return typed[i].event;
	return NULL;
}

static const char *name_of(const braid_agent_list *l, const char *id)
{
	size_t i;

	for (i = 0; l && i < l->count; i++)
		if (!strcmp(l->items[i].id, id))
			return l->items[i].name;
	return id;
}

static int push(json_t *arr, int64_t seq, const char *event, json_t *data)
{
	json_t *e = data ? json_pack("{s:I, s:s, s:o}", "seq", (json_int_t)seq, "event", event,
	                             "data", data)
	                 : NULL;

	if (!e || json_array_append_new(arr, e) < 0)
		return braid_error_set(BRAID_ENOMEM, "out of memory building events");
	return 0;
}

/* One "workspace.behind" per active workspace whose change is not based on `main_commit`. */
static int behind_events(json_t *arr, braid_ctx *ctx, const braid_agent_list *agents, int64_t seq,
                         const char *main_commit, const char *by_op)
{
	braid_workspace_list *wl = NULL;
	size_t i;
	int err;

	if ((err = braid_workspace_list_all(&wl, ctx, 0)) < 0)
		return err;
	for (i = 0; i < wl->count && !err; i++) {
		braid_workspace *w = &wl->items[i];
		braid_change *ch = NULL;
		if (!w->change_id || braid_change_get(&ch, ctx, w->change_id) < 0) {
			braid_error_clear();
			continue;
		}
		if (strcmp(ch->base_commit, main_commit))
			err = push(arr, seq, "workspace.behind",
			           json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "workspace",
			                     w->id, "agent", name_of(agents, w->agent_id),
			                     "agent_id", w->agent_id, "change", ch->id, "base",
			                     ch->base_commit, "main", main_commit, "op", by_op));
		braid_change_free(ch);
	}
	braid_workspace_list_free(wl);
	return err;
}

int braid_api_events(json_t **out, int64_t *last_seq, braid_ctx *ctx, int64_t after_seq,
                     size_t limit)
{
	braid_op_list *l = NULL;
	braid_agent_list *agents = NULL;
	json_t *arr = json_array();
	const braid_op *last_land = NULL;
	size_t i;
	int err;

	if (!arr)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if ((err = braid_op_list_since(&l, ctx, after_seq, limit)) < 0)
		goto done;
	if (l->count && (err = braid_agent_list_all(&agents, ctx)) < 0)
		goto done;
	/* Only the newest landing matters for who is behind now. */
	for (i = 0; i < l->count; i++)
		if (!strcmp(l->items[i].kind, "land"))
			last_land = &l->items[i];
	for (i = 0; i < l->count; i++) {
		const braid_op *op = &l->items[i];
		const char *ev = event_for(op->kind);
		const char *who = name_of(agents, op->agent_id);

		if ((err = push(arr, op->seq, "op", braid_api__op_json(op, who))) < 0)
			goto done;
		if (ev) {
			json_t *d = json_loads(op->payload, 0, NULL);
			if (!json_is_object(d)) {
				json_decref(d);
				d = json_object();
			}
			if (!d || json_object_set_new(d, "agent", json_string(who)) < 0 ||
			    json_object_set_new(d, "agent_id", json_string(op->agent_id)) < 0 ||
			    json_object_set_new(d, "op", json_string(op->id)) < 0 ||
			    json_object_set_new(d, "kind", json_string(op->kind)) < 0 ||
			    json_object_set_new(d, "at", json_integer(op->created_at)) < 0) {
				json_decref(d);
				err =
				    braid_error_set(BRAID_ENOMEM, "out of memory building events");
				goto done;
			}
			if ((err = push(arr, op->seq, ev, d)) < 0)
				goto done;
		}
		if (op == last_land) {
			json_t *p = json_loads(op->payload, 0, NULL);
			const char *commit = json_string_value(json_object_get(p, "commit"));
			if (commit)
				err = behind_events(arr, ctx, agents, op->seq, commit, op->id);
			json_decref(p);
			if (err < 0)
				goto done;
		}
	}
	*last_seq = l->count ? l->items[l->count - 1].seq : after_seq;
	*out = arr;
	arr = NULL;
done:
	json_decref(arr);
	braid_op_list_free(l);
	braid_agent_list_free(agents);
	return err;
}
