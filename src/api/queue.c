/*
 * queue.c (api): the landing queue's methods: the submissions (queue,
 * submission_show with its gate runs and the log that decided it), the
 * queue as the driver sees it (queue_status) and running the verification
 * gate now (verify).
 */
#include "common.h"
#include "api/api_int.h"
#include "braid/gate.h"
#include "braid/queue.h"
#include "util/time.h"

static int undecided(const char *state)
{
	return !strcmp(state, "pending") || !strcmp(state, "landing");
}

static int m_queue(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                   const braid_api_call_options *call)
{
	braid_submission_list *l = NULL;
	const char *state = braid_api__str(args, "state");
	json_t *arr = json_array();
	size_t i, waiting = 0;
	int err;

	(void)call;
	if (state && !strcmp(state, "all"))
		state = NULL;
	if ((err = braid_submission_list_recent(&l, ctx, state ? state : NULL,
	                                        (size_t)braid_api__int(args, "limit", 50))) < 0)
		goto done;
	for (i = 0; arr && i < l->count; i++) {
		json_array_append_new(arr, braid_api__submission_json(&l->items[i]));
		waiting += undecided(l->items[i].state);
	}
	if ((err = braid_api__data(r, json_pack("{s:O}", "submissions", arr))) < 0)
		goto done;
	err = braid_api__text(r, "%zu submission%s (%zu waiting)", l->count,
	                      l->count == 1 ? "" : "s", waiting);
done:
	json_decref(arr);
	braid_submission_list_free(l);
	return err;
}

static json_t *run_json(const braid_gate_run *g)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:b, s:i, s:i, s:s, s:o?, s:I, s:I}", "id",
	                 (json_int_t)g->id, "kind", g->kind, "state", g->state, "tree", g->tree,
	                 "full", g->full, "attempt", g->attempt, "exit", g->exit_code, "log",
	                 g->dir, "stack", g->stack ? braid_api__json_or_string(g->stack) : NULL,
	                 "started_at", (json_int_t)g->started_at, "finished_at",
	                 (json_int_t)g->finished_at);
}

static int m_submission_show(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                             const braid_api_call_options *call)
{
	braid_submission *s = NULL;
	braid_gate_run_list *runs = NULL;
	char *log = NULL, where[256];
	json_t *j = NULL, *jr = json_array();
	size_t i;
	int err;

	(void)call;
	if ((err = braid_submission_get(&s, ctx, braid_api__int(args, "id", 0))) < 0 ||
	    (err = braid_gate_run_list_recent(&runs, ctx, s->id, 0, 50)) < 0)
		goto done;
	if (runs->count && braid_gate_run_log(&log, ctx, &runs->items[0],
	                                      braid_api__bool(args, "log", 0) ? 0 : 6000) < 0) {
		braid_error_clear();
		log = NULL;
	}
	for (i = 0; jr && i < runs->count; i++)
		json_array_append_new(jr, run_json(&runs->items[i]));
	if ((j = braid_api__submission_json(s))) {
		json_object_set(j, "runs", jr);
		json_object_set_new(j, "log", log ? json_string(log) : json_null());
		if (undecided(s->state)) {
			braid_queue_describe(ctx, s->id, where, sizeof(where));
			json_object_set_new(j, "where", json_string(where));
		}
	}
	if ((err = braid_api__data(r, j)) == 0)
		err = braid_api__text(r, "submission %lld by %s: %s%s%s", (long long)s->id,
		                      s->agent_name ? s->agent_name : s->agent_id, s->state,
		                      undecided(s->state) ? "; " : "",
		                      undecided(s->state) ? where : "");
done:
	json_decref(jr);
	free(log);
	braid_gate_run_list_free(runs);
	braid_submission_free(s);
	return err;
}

static int m_queue_status(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                          const braid_api_call_options *call)
{
	braid_queue_list *l = NULL;
	json_t *items = json_array();
	int64_t now = braid_time_now_ms();
	size_t i, waiting = 0;
	int err;

	(void)call;
	if ((err = braid_queue_list_get(&l, ctx, (size_t)braid_api__int(args, "recent", 5))) < 0)
		goto done;
	for (i = 0; items && i < l->count; i++) {
		const braid_queue_entry *e = &l->items[i];
		json_t *j = json_pack(
		    "{s:I, s:i, s:s?, s:s, s:s?, s:s, s:s, s:o, s:I, s:s?, s:I, s:I}", "id",
		    (json_int_t)e->id, "position", e->position, "agent", e->agent, "change",
		    e->change_id, "message", e->message, "status", e->status, "state", e->state,
		    "stacked_on", braid_api__json_or_string(e->stacked_on ? e->stacked_on : "[]"),
		    "run", (json_int_t)e->run_id, "note", e->note, "elapsed_ms",
		    (json_int_t)((e->decided_at ? e->decided_at : now) - e->created_at),
		    "created_at", (json_int_t)e->created_at);
		if (j && e->decided_at)
			json_object_set_new(j, "decided_at", json_integer(e->decided_at));
		json_array_append_new(items, j);
		waiting += e->position >= 0;
	}
	if ((err = braid_api__data(r, json_pack("{s:s, s:b, s:i, s:I, s:s?, s:O}", "mode", l->mode,
	                                        "gated", l->gated, "concurrency", l->concurrency,
	                                        "running", (json_int_t)l->running, "driver",
	                                        l->driver, "queue", items))) < 0)
		goto done;
	err = braid_api__text(r, "landing queue (%s): %zu waiting, %zu gate run%s going%s%s",
	                      l->mode, waiting, l->running, l->running == 1 ? "" : "s",
	                      l->driver ? "; driven by " : "", l->driver ? l->driver : "");
done:
	json_decref(items);
	braid_queue_list_free(l);
	return err;
}

static int m_verify(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                    const braid_api_call_options *call)
{
	braid_gate_run *run = NULL;
	char *log = NULL;
	int err;

	if ((err = braid_gate_verify(&run, ctx, braid_api__bool(args, "all", 0), call->progress,
	                             call->payload)) < 0)
		return err;
	if (braid_gate_run_log(&log, ctx, run, 4000) < 0) {
		braid_error_clear();
		log = NULL;
	}
	if ((err = braid_api__data(
	         r, json_pack("{s:I, s:s, s:s, s:s, s:b, s:i, s:s, s:s?, s:I, s:s?}", "run",
	                      (json_int_t)run->id, "state", run->state, "commit", run->commit,
	                      "tree", run->tree, "full", run->full, "exit", run->exit_code, "log",
	                      run->dir, "command", run->command, "duration_ms",
	                      (json_int_t)(run->finished_at - run->started_at), "log_tail",
	                      log))) == 0)
		err = braid_api__text(r, "%s %.12s: gate run %lld %s (%s, exit %d)%s%s",
		                      braid_ctx_target_name(ctx), run->commit, (long long)run->id,
		                      run->state, run->full ? "full" : "selected tests",
		                      run->exit_code,
		                      strcmp(run->state, "passed") ? "; log: .braid/" : "",
		                      strcmp(run->state, "passed") ? run->dir : "");
	free(log);
	braid_gate_run_free(run);
	return err;
}

const braid_api_entry braid_api__queue_methods[] = {
    {{"queue", "Landing queue",
      "Submissions, newest first: pending, landing, landed, conflicted, failed.",
      "{\"type\": \"object\", \"properties\": {\"state\": {\"type\": \"string\", \"enum\": "
      "[\"queued\", \"pending\", \"landing\", \"landed\", \"conflicted\", \"failed\", "
      "\"superseded\", \"all\"], \"description\": \"'queued' is pending and landing; default "
      "all\"}, \"limit\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 1000, "
      "\"description\": \"at most this many (default 50)\"}}, \"additionalProperties\": false}",
      BRAID_API_IDEMPOTENT},
     m_queue},
    {{"submission_show", "Show a submission",
      "One submission of the landing queue: its per-file outcome, where it stands while "
      "undecided, its gate runs and the end of the log that decided it (all of it with "
      "'log').",
      "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\", \"minimum\": 1}, "
      "\"log\": {\"type\": \"boolean\", \"description\": \"the whole log of the last gate "
      "run, not only its end\"}}, \"required\": [\"id\"], \"additionalProperties\": false}",
      BRAID_API_IDEMPOTENT},
     m_submission_show},
    {{"queue_status", "Landing queue now",
      "The landing queue as its driver sees it: mode, gate runs going, who drives, each "
      "undecided submission in order with its status (waiting, verifying, retrying, passed, "
      "failed, blocked, landing), what it is stacked on and its gate run; then recently "
      "decided ones.",
      "{\"type\": \"object\", \"properties\": {\"recent\": {\"type\": \"integer\", "
      "\"minimum\": 0, \"maximum\": 10000, \"description\": \"also this many decided "
      "submissions (default 5)\"}}, \"additionalProperties\": false}",
      BRAID_API_IDEMPOTENT},
     m_queue_status},
    {{"verify", "Run the gate",
      "Run the verification gate on the current target branch now and wait for it: "
      "gate.select on what changed since the last full run, or gate.command with 'all'. The "
      "answer has the run's state, exit code and the end of its log.",
      "{\"type\": \"object\", \"properties\": {\"all\": {\"type\": \"boolean\", "
      "\"description\": \"run the full gate (gate.command)\"}}, \"additionalProperties\": "
      "false}",
      BRAID_API_WRITE | BRAID_API_SLOW},
     m_verify},
    {{NULL, NULL, NULL, NULL, 0}, NULL},
};
