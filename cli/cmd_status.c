/* cmd_status.c: `braid status` — agents, workspaces, changes, queue and counters at a glance. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braid/agent.h"
#include "braid/conflict.h"
#include "braid/converge.h"
#include "braid/intent.h"
#include "braid/workspace.h"
#include "braid/store.h"

static const cli_opt opts[] = {{0}};

static int cmd_status(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_agent_list *agents = NULL;
	braid_workspace_list *wsl = NULL;
	braid_submission_list *queued = NULL;
	braid_conflict_list *open = NULL;
	json_t *jws = NULL;
	size_t i;
	int err;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	jws = json_array();
	if ((err = braid_agent_list_all(&agents, ctx)) < 0 ||
	    (err = braid_workspace_list_all(&wsl, ctx, 0)) < 0 ||
	    (err = braid_submission_list_recent(&queued, ctx, "queued", 0)) < 0 ||
	    (err = braid_conflict_list_all(&open, ctx, "open")) < 0) {
		err = cli_fail(a, err);
		goto done;
	}
	for (i = 0; i < wsl->count; i++) {
		braid_workspace *w = &wsl->items[i];
		braid_workspace_status st;
		if (braid_workspace_status_get(&st, ctx, w->id) < 0) {
			json_array_append_new(jws, json_pack("{s:s, s:s, s:s, s:s}", "id", w->id,
			                                     "agent", w->agent_name, "path",
			                                     w->path, "error", braid_error_last()));
			continue;
		}
		json_array_append_new(
		    jws, json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:b, s:I, s:b, s:b, s:s?, s:b}",
		                   "id", w->id, "agent", w->agent_name, "path", w->path, "change",
		                   w->change_id, "state", st.change_state, "dirty", st.dirty,
		                   "dirty_files", (json_int_t)st.dirty_files, "unlanded",
		                   st.unlanded, "behind", st.behind, "head", st.head, "current",
		                   braid_ctx_workspace(ctx) &&
		                       !strcmp(braid_ctx_workspace(ctx), w->id)));
		braid_workspace_status_clear(&st);
	}
	if (a->json) {
		json_t *ja = json_array(), *jq = json_array();
		for (i = 0; i < agents->count; i++)
			json_array_append_new(
			    ja, json_pack("{s:s, s:s, s:s}", "id", agents->items[i].id, "name",
			                  agents->items[i].name, "role", agents->items[i].role));
		for (i = 0; i < queued->count; i++)
			json_array_append_new(jq, json_pack("{s:I, s:s?, s:s}", "id",
			                                    (json_int_t)queued->items[i].id,
			                                    "agent", queued->items[i].agent_name,
			                                    "state", queued->items[i].state));
		cli_print_json(json_pack(
		    "{s:s, s:s, s:s?, s:s?, s:o, s:o, s:o, s:I, s:{s:I, s:I, s:I}}", "root",
		    braid_ctx_root(ctx), "target", braid_ctx_target_name(ctx), "workspace",
		    braid_ctx_workspace(ctx), "agent", braid_ctx_agent_name(ctx), "agents", ja,
		    "workspaces", json_incref(jws), "queue", jq, "open_conflicts",
		    (json_int_t)open->count, "counters", "landed",
		    (json_int_t)braid_store_counter_get(braid_ctx_store(ctx), "landed"),
		    "auto_merged",
		    (json_int_t)braid_store_counter_get(braid_ctx_store(ctx), "auto_merged"),
		    "conflicted",
		    (json_int_t)braid_store_counter_get(braid_ctx_store(ctx), "conflicted")));
		goto done;
	}
	printf("target branch: %s   (%s)\n", braid_ctx_target_name(ctx), braid_ctx_root(ctx));
	if (braid_ctx_workspace(ctx))
		printf("you are in workspace '%s' as agent '%s'\n", braid_ctx_workspace(ctx),
		       braid_ctx_agent_name(ctx) ? braid_ctx_agent_name(ctx) : "?");
	printf("\nagents:");
	for (i = 0; i < agents->count; i++)
		printf(" %s(%s)", agents->items[i].name, agents->items[i].role);
	printf("\n\nworkspaces:\n");
	if (!wsl->count)
		printf("  (none; create one with 'braid ws new AGENT')\n");
	for (i = 0; i < json_array_size(jws); i++) {
		json_t *w = json_array_get(jws, i);
		const char *err_text = json_string_value(json_object_get(w, "error"));
		if (err_text) {
			printf("  %-14s %-10s error: %s\n",
			       json_string_value(json_object_get(w, "id")),
			       json_string_value(json_object_get(w, "agent")), err_text);
			continue;
		}
		printf("  %-14s %-10s change %-12s %-10s%s%s\n",
		       json_string_value(json_object_get(w, "id")),
		       json_string_value(json_object_get(w, "agent")),
		       json_string_value(json_object_get(w, "change")),
		       json_string_value(json_object_get(w, "state")),
		       json_is_true(json_object_get(w, "dirty")) ? "  uncommitted edits" : "",
		       json_is_true(json_object_get(w, "behind"))
		           ? "  behind main: run 'braid update'"
		           : "");
	}
	printf("\nqueue: %zu waiting   open conflicts: %zu   landed: %lld (auto-merged %lld)   "
	       "conflicted: %lld\n",
	       queued->count, open->count,
	       (long long)braid_store_counter_get(braid_ctx_store(ctx), "landed"),
	       (long long)braid_store_counter_get(braid_ctx_store(ctx), "auto_merged"),
	       (long long)braid_store_counter_get(braid_ctx_store(ctx), "conflicted"));
	if (open->count)
		printf("see 'braid conflicts'\n");
	if (braid_ctx_agent_id(ctx)) {
		/* Lease news for the acting agent (told to yield, lost leases); not consumed. */
		braid_intent_notice *notes = NULL;
		size_t nn = 0, k;
		if (braid_intent_notices(&notes, &nn, ctx, 0) == 0)
			for (k = 0; k < nn; k++)
				printf("intent: %s '%s' (%s, token %lld)%s%s\n",
				       !strcmp(notes[k].kind, "yield")	   ? "asked to yield on"
				       : !strcmp(notes[k].kind, "expired") ? "lease expired on"
									   : "preempted on",
				       notes[k].target, braid_intent_level_name(notes[k].level),
				       (long long)notes[k].token, notes[k].by_agent ? " by " : "",
				       notes[k].by_agent ? notes[k].by_agent : "");
		braid_intent_notices_free(notes, nn);
	}
done:
	json_decref(jws);
	braid_agent_list_free(agents);
	braid_workspace_list_free(wsl);
	braid_submission_list_free(queued);
	braid_conflict_list_free(open);
	braid_ctx_free(ctx);
	return err;
}

CLI_COMMAND(status, "status", cmd_status, opts, "",
            "show agents, workspaces and their changes, the landing queue and conflicts", NULL)
