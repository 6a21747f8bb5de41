/*
 * methods.c: the core methods: status, agents, workspaces, submit,
 * update, the landing queue, conflicts and resolve, the op log, doctor and
 * the event feed. Each one checks nothing its schema already checked,
 * calls the library, and shapes the answer (data plus one line of text
 * that says what happened and what to do next).
 */
#include "common.h"
#include "api/api_int.h"
#include "braid/change.h"
#include "braid/store.h"
#include "util/buf.h"

#define WS_ARG                                                                                     \
	"\"workspace\": {\"type\": \"string\", \"maxLength\": 128, \"description\": \"the "        \
	"workspace to act on (default: the one the server runs in, or the agent's only one)\"}"

static const char *name_in(const braid_agent_list *l, const char *id)
{
	size_t i;

	for (i = 0; l && i < l->count; i++)
		if (!strcmp(l->items[i].id, id))
			return l->items[i].name;
	return NULL;
}

/* ---- status ---- */

static int m_status(braid_api_result *r, braid_ctx *ctx, const json_t *args, unsigned int flags)
{
	braid_agent_list *agents = NULL;
	braid_workspace_list *wsl = NULL;
	braid_submission_list *queued = NULL;
	braid_conflict_list *open = NULL;
	braid_store *store = braid_ctx_store(ctx);
	json_t *ja = json_array(), *jw = json_array(), *jq = json_array();
	size_t i, behind = 0, dirty = 0;
	int64_t seq = 0;
	int err;

	(void)args;
	(void)flags;
	if (!ja || !jw || !jq) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto done;
	}
	if ((err = braid_agent_list_all(&agents, ctx)) < 0 ||
	    (err = braid_workspace_list_all(&wsl, ctx, 0)) < 0 ||
	    (err = braid_submission_list_recent(&queued, ctx, "queued", 0)) < 0 ||
	    (err = braid_conflict_list_all(&open, ctx, "open")) < 0 ||
	    (err = braid_op_last_seq(&seq, ctx)) < 0)
		goto done;
	for (i = 0; i < agents->count; i++)
		json_array_append_new(ja, json_pack("{s:s, s:s, s:s}", "id", agents->items[i].id,
		                                    "name", agents->items[i].name, "role",
		                                    agents->items[i].role));
	for (i = 0; i < wsl->count; i++) {
		braid_workspace *w = &wsl->items[i];
		braid_workspace_status st;
		json_t *j;
		if (braid_workspace_status_get(&st, ctx, w->id) < 0) {
			j = braid_api__workspace_json(w, NULL);
			json_object_set_new(j, "error", json_string(braid_error_last()));
		} else {
			j = braid_api__workspace_json(w, &st);
			behind += st.behind != 0;
			dirty += st.dirty != 0;
			braid_workspace_status_clear(&st);
		}
		json_object_set_new(j, "current",
		                    json_boolean(braid_ctx_workspace(ctx) &&
		                                 !strcmp(braid_ctx_workspace(ctx), w->id)));
		json_array_append_new(jw, j);
	}
	for (i = 0; i < queued->count; i++)
		json_array_append_new(jq, braid_api__submission_json(&queued->items[i]));
	if ((err = braid_api__data(
	         r,
	         json_pack("{s:s, s:s, s:s?, s:s?, s:O, s:O, s:O, s:I, s:{s:I, s:I, s:I}, s:I}",
	                   "root", braid_ctx_root(ctx), "target", braid_ctx_target_name(ctx),
	                   "workspace", braid_ctx_workspace(ctx), "agent",
	                   braid_ctx_agent_name(ctx), "agents", ja, "workspaces", jw, "queue", jq,
	                   "open_conflicts", (json_int_t)open->count, "counters", "landed",
	                   (json_int_t)braid_store_counter_get(store, "landed"), "auto_merged",
	                   (json_int_t)braid_store_counter_get(store, "auto_merged"), "conflicted",
	                   (json_int_t)braid_store_counter_get(store, "conflicted"), "last_seq",
	                   (json_int_t)seq))) < 0)
		goto done;
	err = braid_api__text(
	    r,
	    "%s: %zu agent%s, %zu workspace%s (%zu behind, %zu with uncommitted "
	    "edits), %zu queued, %zu open conflict%s, %lld landed",
	    braid_ctx_target_name(ctx), agents->count, agents->count == 1 ? "" : "s", wsl->count,
	    wsl->count == 1 ? "" : "s", behind, dirty, queued->count, open->count,
	    open->count == 1 ? "" : "s", (long long)braid_store_counter_get(store, "landed"));
done:
	json_decref(ja);
	json_decref(jw);
	json_decref(jq);
	braid_agent_list_free(agents);
	braid_workspace_list_free(wsl);
	braid_submission_list_free(queued);
	braid_conflict_list_free(open);
	return err;
}

static int m_whoami(braid_api_result *r, braid_ctx *ctx, const json_t *args, unsigned int flags)
{
	braid_agent *a = NULL;
	braid_workspace_list *wsl = NULL;
	json_t *ids = json_array();
	size_t i;
	int err = 0;

	(void)args;
	if (!ids)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if (!braid_ctx_agent_id(ctx)) {
		err = braid_api__data(r, json_pack("{s:n, s:b, s:o}", "agent", "readonly",
		                                   (flags & BRAID_API_CALL_READONLY) != 0,
		                                   "workspaces", ids));
		if (!err)
			err =
			    braid_api__text(r, "%s",
			                    (flags & BRAID_API_CALL_READONLY) ? "read-only viewer"
			                                                      : "no acting agent");
		return err;
	}
	if ((err = braid_agent_lookup(&a, ctx, braid_ctx_agent_id(ctx))) < 0 ||
	    (err = braid_workspace_list_all(&wsl, ctx, 0)) < 0)
		goto done;
	for (i = 0; i < wsl->count; i++)
		if (!strcmp(wsl->items[i].agent_id, a->id))
			json_array_append_new(ids, json_string(wsl->items[i].id));
	if ((err = braid_api__data(r, json_pack("{s:s, s:s, s:s, s:b, s:O, s:s?}", "agent", a->name,
	                                        "agent_id", a->id, "role", a->role, "readonly", 0,
	                                        "workspaces", ids, "workspace",
	                                        braid_ctx_workspace(ctx)))) < 0)
		goto done;
	err = braid_api__text(r, "agent '%s' (%s, role %s), %zu workspace%s", a->name, a->id,
	                      a->role, json_array_size(ids), json_array_size(ids) == 1 ? "" : "s");
done:
	json_decref(ids);
	braid_agent_free(a);
	braid_workspace_list_free(wsl);
	return err;
}

/* ---- agents ---- */

static int m_agents_list(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                         unsigned int flags)
{
	braid_agent_list *l = NULL;
	json_t *arr = json_array();
	size_t i;
	int err;

	(void)args;
	(void)flags;
	if ((err = braid_agent_list_all(&l, ctx)) < 0)
		goto done;
	for (i = 0; arr && i < l->count; i++)
		json_array_append_new(arr, braid_api__agent_json(&l->items[i]));
	if ((err = braid_api__data(r, json_pack("{s:O}", "agents", arr))) < 0)
		goto done;
	err = braid_api__text(r, "%zu agent%s", l->count, l->count == 1 ? "" : "s");
done:
	json_decref(arr);
	braid_agent_list_free(l);
	return err;
}

/* Administration (minting agents, removing others' workspaces) needs a human or main role. */
static int require_admin(braid_ctx *ctx, const char *what)
{
	braid_agent *a = NULL;
	const char *id;
	int err, ok;

	if ((err = braid_ctx_require_agent(&id, ctx)) < 0)
		return err;
	if ((err = braid_agent_lookup(&a, ctx, id)) < 0)
		return err;
	ok = !strcmp(a->role, "human") || !strcmp(a->role, "main") || !strcmp(a->role, "system");
	if (!ok)
		err = braid_error_set(BRAID_EDENIED,
		                      "%s needs an agent with role 'human' or 'main'; '%s' is a %s",
		                      what, a->name, a->role);
	braid_agent_free(a);
	return err;
}

static int m_agent_add(braid_api_result *r, braid_ctx *ctx, const json_t *args, unsigned int flags)
{
	braid_agent *a = NULL;
	char *token = NULL;
	json_t *j;
	int err;

	(void)flags;
	if ((err = require_admin(ctx, "adding an agent")) < 0)
		return err;
	if ((err = braid_agent_add(&a, &token, ctx, braid_api__str(args, "name"),
	                           braid_api__str(args, "role"))) < 0)
		return err;
	j = braid_api__agent_json(a);
	if (j)
		json_object_set_new(j, "token", json_string(token));
	if ((err = braid_api__data(r, j)) == 0)
		err = braid_api__text(r,
		                      "added agent '%s' (%s, role %s); its token is in the answer "
		                      "and in .braid/tokens/%s",
		                      a->name, a->id, a->role, a->name);
	free(token);
	braid_agent_free(a);
	return err;
}

/* ---- workspaces ---- */

static int m_workspaces_list(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                             unsigned int flags)
{
	braid_workspace_list *l = NULL;
	json_t *arr = json_array();
	size_t i;
	int err;

	(void)flags;
	if ((err = braid_workspace_list_all(&l, ctx, braid_api__bool(args, "all", 0))) < 0)
		goto done;
	for (i = 0; arr && i < l->count; i++)
		json_array_append_new(arr, braid_api__workspace_json(&l->items[i], NULL));
	if ((err = braid_api__data(r, json_pack("{s:O}", "workspaces", arr))) < 0)
		goto done;
	err = braid_api__text(r, "%zu workspace%s", l->count, l->count == 1 ? "" : "s");
done:
	json_decref(arr);
	braid_workspace_list_free(l);
	return err;
}

static int m_workspace_show(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                            unsigned int flags)
{
	braid_workspace *w = NULL;
	braid_workspace_status st = {0};
	const char *id = braid_api__str(args, "workspace");
	int err;

	(void)flags;
	if (!id)
		id = braid_ctx_workspace(ctx);
	if (!id)
		return braid_error_set(BRAID_EINVALID, "missing required argument 'workspace'");
	if ((err = braid_workspace_get(&w, ctx, id)) < 0)
		return err;
	if (!strcmp(w->state, "active") && (err = braid_workspace_status_get(&st, ctx, id)) < 0)
		goto done;
	if ((err = braid_api__data(r, braid_api__workspace_json(w, st.head ? &st : NULL))) < 0)
		goto done;
	err = braid_api__text(
	    r, "workspace '%s' of %s: change %s %s%s%s", w->id, w->agent_name,
	    w->change_id ? w->change_id : "-", st.change_state ? st.change_state : w->state,
	    st.dirty ? ", uncommitted edits" : "", st.behind ? ", behind main: call update" : "");
done:
	braid_workspace_status_clear(&st);
	braid_workspace_free(w);
	return err;
}

static int m_workspace_new(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                           unsigned int flags)
{
	braid_workspace *w = NULL;
	const char *agent_id;
	int err;

	(void)args;
	(void)flags;
	if ((err = braid_ctx_require_agent(&agent_id, ctx)) < 0)
		return err;
	if ((err = braid_workspace_new(&w, ctx, agent_id, NULL)) < 0)
		return err;
	if ((err = braid_api__data(r, braid_api__workspace_json(w, NULL))) == 0)
		err = braid_api__text(r, "created workspace '%s' at %s (change %s, based on %s)",
		                      w->id, w->path, w->change_id ? w->change_id : "-",
		                      braid_ctx_target_name(ctx));
	braid_workspace_free(w);
	return err;
}

static int m_workspace_rm(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                          unsigned int flags)
{
	braid_workspace *w = NULL;
	const char *id = braid_api__str(args, "workspace"), *agent_id;
	char *kept = NULL;
	int err;

	(void)flags;
	if ((err = braid_ctx_require_agent(&agent_id, ctx)) < 0)
		return err;
	if ((err = braid_workspace_get(&w, ctx, id)) < 0)
		return err;
	if (strcmp(w->agent_id, agent_id) &&
	    (err = require_admin(ctx, "removing another agent's workspace")) < 0)
		goto done;
	if (braid_ctx_workspace(ctx) && !strcmp(braid_ctx_workspace(ctx), id)) {
		err = braid_error_set(BRAID_ESTATE,
		                      "cannot remove workspace '%s' from inside it; ask from the "
		                      "repository root",
		                      id);
		goto done;
	}
	if ((err = braid_workspace_rm(ctx, id, braid_api__bool(args, "force", 0), &kept)) < 0)
		goto done;
	if ((err = braid_api__data(r, json_pack("{s:s, s:b, s:s?}", "removed", id, "kept",
	                                        kept != NULL, "kept_ref", kept))) == 0)
		err = kept ? braid_api__text(r,
		                             "removed workspace '%s'; its unlanded work is kept "
		                             "at %s",
		                             id, kept)
		           : braid_api__text(r, "removed workspace '%s'", id);
done:
	free(kept);
	braid_workspace_free(w);
	return err;
}

/* ---- submit, update, resolve ---- */

static char *files_summary(const char *detail, int only_conflicts)
{
	json_t *d = detail ? json_loads(detail, 0, NULL) : NULL;
	json_t *files = json_object_get(d, "files");
	braid_buf b = BRAID_BUF_INIT;
	size_t i, n = 0;

	for (i = 0; i < json_array_size(files); i++) {
		json_t *f = json_array_get(files, i);
		if (only_conflicts && json_is_true(json_object_get(f, "clean")))
			continue;
		if (n++ < 8 && braid_buf_printf(&b, "%s%s", b.size ? ", " : "",
		                                json_string_value(json_object_get(f, "path"))) < 0)
			break;
	}
	if (n > 8 && braid_buf_printf(&b, " and %zu more", n - 8) < 0)
		braid_buf_clear(&b);
	json_decref(d);
	return braid_buf_detach(&b);
}

static int m_submit(braid_api_result *r, braid_ctx *ctx, const json_t *args, unsigned int flags)
{
	braid_submit_options o = BRAID_SUBMIT_OPTIONS_INIT;
	braid_submit_result *s = NULL;
	braid_ctx *w = NULL;
	const char *tgt = braid_ctx_target_name(ctx);
	char *files = NULL;
	json_t *j;
	int err;

	(void)flags;
	if ((err = braid_api__ws_open(&w, ctx, args)) < 0)
		return err;
	o.message = braid_api__str(args, "message");
	o.wait = braid_api__bool(args, "wait", 1);
	o.update = braid_api__bool(args, "update", -1);
	if ((err = braid_converge_submit(&s, w, &o)) < 0)
		goto done;
	j = json_pack("{s:s, s:s?, s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:b, s:s?}", "state",
	              s->state, "workspace", braid_ctx_workspace(w), "submission",
	              (json_int_t)s->submission_id, "change", s->change_id, "snapshot",
	              s->snapshot_commit, "landed", s->land_commit, "conflict", s->conflict_id,
	              "op", s->op_id, "merged_regions", (json_int_t)s->merged_regions, "updated",
	              s->updated, "update_note", s->update_note);
	if (j && s->detail)
		json_object_set_new(j, "detail", braid_api__json_or_string(s->detail));
	if ((err = braid_api__data(r, j)) < 0)
		goto done;
	if (!strcmp(s->state, "nothing"))
		err = braid_api__text(r,
		                      "nothing to submit: workspace '%s' has no changes against "
		                      "its base",
		                      braid_ctx_workspace(w));
	else if (!strcmp(s->state, "pending"))
		err = braid_api__text(r,
		                      "queued submission %lld (change %s); follow it with the "
		                      "queue method",
		                      (long long)s->submission_id, s->change_id);
	else if (!strcmp(s->state, "landed"))
		err = braid_api__text(r, "landed submission %lld on %s as %.12s%s%s",
		                      (long long)s->submission_id, tgt,
		                      s->land_commit ? s->land_commit : "",
		                      s->merged_regions ? " (merged with others' work)" : "",
		                      s->updated ? "; the workspace is on the new main" : "");
	else if (!strcmp(s->state, "conflicted")) {
		files = files_summary(s->detail, 1);
		err = braid_api__text(r,
		                      "submission %lld conflicts with %s in %s; %s is untouched. "
		                      "next: conflict_show %s to see both sides, then resolve %s, "
		                      "edit the markers out and submit again",
		                      (long long)s->submission_id, tgt,
		                      files && *files ? files : "some files", tgt, s->conflict_id,
		                      s->conflict_id);
	} else if (!strcmp(s->state, "failed")) {
		json_t *d = s->detail ? json_loads(s->detail, 0, NULL) : NULL;
		json_t *v = json_object_get(d, "verification");
		const char *log = json_string_value(json_object_get(v, "log"));
		const char *tail = json_string_value(json_object_get(v, "log_tail"));
		err = braid_api__text(r,
		                      "submission %lld failed verification; %s is untouched. log: %s\n"
		                      "%s\nnext: fix the failure in your workspace and submit again",
		                      (long long)s->submission_id, tgt, log ? log : "(none)",
		                      tail ? tail : (s->detail ? s->detail : ""));
		json_decref(d);
	} else
		err = braid_api__text(r, "submission %lld %s: %s", (long long)s->submission_id,
		                      s->state, s->detail ? s->detail : "see the queue method");
done:
	free(files);
	braid_submit_result_free(s);
	braid_api__ws_close(w, ctx);
	return err;
}

static int m_update(braid_api_result *r, braid_ctx *ctx, const json_t *args, unsigned int flags)
{
	braid_update_result *u = NULL;
	braid_ctx *w = NULL;
	char *files = NULL;
	json_t *j;
	int err;

	(void)flags;
	if ((err = braid_api__ws_open(&w, ctx, args)) < 0)
		return err;
	err = braid_converge_update(&u, w);
	if (err < 0 && !(err == BRAID_ECONFLICT && u))
		goto done;
	j = json_pack("{s:s, s:s?, s:s?, s:I, s:I}", "state", u->state, "workspace",
	              braid_ctx_workspace(w), "main", u->main_commit, "files_written",
	              (json_int_t)u->files_written, "kept_edits", (json_int_t)u->kept_edits);
	if (j && u->detail)
		json_object_set_new(j, "detail", braid_api__json_or_string(u->detail));
	if ((err = braid_api__data(r, j)) < 0)
		goto done;
	if (!strcmp(u->state, "up-to-date"))
		err = braid_api__text(r, "already up to date with %s", braid_ctx_target_name(ctx));
	else if (!strcmp(u->state, "updated"))
		err = braid_api__text(r,
		                      "updated onto %s %.12s: %zu file%s written, %zu edited "
		                      "file%s merged and kept",
		                      braid_ctx_target_name(ctx), u->main_commit, u->files_written,
		                      u->files_written == 1 ? "" : "s", u->kept_edits,
		                      u->kept_edits == 1 ? "" : "s");
	else {
		files = files_summary(u->detail, 1);
		err = braid_api__text(r,
		                      "not updated: your work conflicts with %s in %s; nothing in "
		                      "the workspace changed. Submit to get a conflict object to "
		                      "resolve, or change those files to agree with %s",
		                      braid_ctx_target_name(ctx),
		                      files && *files ? files : "some files",
		                      braid_ctx_target_name(ctx));
	}
done:
	free(files);
	braid_update_result_free(u);
	braid_api__ws_close(w, ctx);
	return err;
}

static int m_resolve(braid_api_result *r, braid_ctx *ctx, const json_t *args, unsigned int flags)
{
	braid_ctx *w = NULL;
	char *files = NULL;
	const char *id = braid_api__str(args, "id");
	json_t *jf;
	braid_buf list = BRAID_BUF_INIT;
	size_t i;
	int err;

	(void)flags;
	if ((err = braid_api__ws_open(&w, ctx, args)) < 0)
		return err;
	if ((err = braid_converge_resolve(&files, w, id)) < 0)
		goto done;
	jf = braid_api__json_or_string(files);
	for (i = 0; i < json_array_size(jf); i++)
		if (braid_buf_printf(&list, "%s%s", i ? ", " : "",
		                     json_string_value(json_array_get(jf, i))) < 0)
			break;
	if ((err = braid_api__data(r, json_pack("{s:s, s:s?, s:o}", "conflict", id, "workspace",
	                                        braid_ctx_workspace(w), "files_with_markers",
	                                        jf))) < 0)
		goto done;
	err =
	    list.size
	        ? braid_api__text(r,
	                          "conflict %s is in workspace '%s' on the current %s: edit "
	                          "the conflict markers out of %s, then submit",
	                          id, braid_ctx_workspace(w), braid_ctx_target_name(ctx), list.ptr)
	        : braid_api__text(r,
	                          "conflict %s merges cleanly now in workspace '%s'; check "
	                          "the files, then submit",
	                          id, braid_ctx_workspace(w));
done:
	braid_buf_dispose(&list);
	free(files);
	braid_api__ws_close(w, ctx);
	return err;
}

/* ---- the landing queue ---- */

static int m_queue(braid_api_result *r, braid_ctx *ctx, const json_t *args, unsigned int flags)
{
	braid_submission_list *l = NULL;
	const char *state = braid_api__str(args, "state");
	json_t *arr = json_array();
	size_t i, waiting = 0;
	int err;

	(void)flags;
	if (state && !strcmp(state, "all"))
		state = NULL;
	if ((err = braid_submission_list_recent(&l, ctx, state ? state : NULL,
	                                        (size_t)braid_api__int(args, "limit", 50))) < 0)
		goto done;
	for (i = 0; arr && i < l->count; i++) {
		json_array_append_new(arr, braid_api__submission_json(&l->items[i]));
		waiting +=
		    !strcmp(l->items[i].state, "pending") || !strcmp(l->items[i].state, "landing");
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

static int m_submission_show(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                             unsigned int flags)
{
	braid_submission *s = NULL;
	int err;

	(void)flags;
	if ((err = braid_submission_get(&s, ctx, braid_api__int(args, "id", 0))) < 0)
		return err;
	if ((err = braid_api__data(r, braid_api__submission_json(s))) == 0)
		err = braid_api__text(r, "submission %lld by %s: %s", (long long)s->id,
		                      s->agent_name ? s->agent_name : s->agent_id, s->state);
	braid_submission_free(s);
	return err;
}

/* ---- conflicts ---- */

static int m_conflicts_list(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                            unsigned int flags)
{
	braid_conflict_list *l = NULL;
	json_t *arr = json_array();
	size_t i;
	int err;

	(void)flags;
	if ((err = braid_conflict_list_all(&l, ctx, braid_api__str(args, "state"))) < 0)
		goto done;
	for (i = 0; arr && i < l->count; i++)
		json_array_append_new(arr, braid_api__conflict_json(ctx, &l->items[i], 0));
	if ((err = braid_api__data(r, json_pack("{s:O}", "conflicts", arr))) < 0)
		goto done;
	err = l->count ? braid_api__text(r, "%zu conflict%s; conflict_show ID describes one",
	                                 l->count, l->count == 1 ? "" : "s")
	               : braid_api__text(r, "no conflicts");
done:
	json_decref(arr);
	braid_conflict_list_free(l);
	return err;
}

static int m_conflict_show(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                           unsigned int flags)
{
	braid_conflict *c = NULL;
	braid_buf b = BRAID_BUF_INIT;
	size_t i;
	int err;

	(void)flags;
	if ((err = braid_conflict_get(&c, ctx, braid_api__str(args, "id"))) < 0)
		return err;
	if ((err = braid_api__data(r, braid_api__conflict_json(ctx, c, 1))) < 0)
		goto done;
	for (i = 0; i < c->nfiles; i++)
		if (braid_buf_printf(&b, "%s%s (%s)", i ? "; " : "", c->files[i].path,
		                     c->files[i].description ? c->files[i].description
		                                             : c->files[i].kind) < 0)
			break;
	err = braid_api__text(
	    r, "conflict %s (%s), submission %lld by %s: %s%s", c->id, c->state,
	    (long long)c->submission_id, c->agent_name ? c->agent_name : c->agent_id, b.ptr,
	    strcmp(c->state, "open") ? ""
	                             : ". next: resolve it in the submitting agent's "
	                               "workspace");
done:
	braid_buf_dispose(&b);
	braid_conflict_free(c);
	return err;
}

/* ---- op log ---- */

static int m_op_log(braid_api_result *r, braid_ctx *ctx, const json_t *args, unsigned int flags)
{
	braid_op_list *l = NULL;
	braid_agent_list *agents = NULL;
	json_t *arr = json_array();
	const json_t *after = json_object_get(args, "after");
	size_t i, limit = (size_t)braid_api__int(args, "limit", 50);
	int err;

	(void)flags;
	if (after && braid_api__str(args, "kind"))
		return braid_error_set(BRAID_EINVALID, "give 'after' or 'kind', not both");
	if (json_is_integer(after))
		err = braid_op_list_since(&l, ctx, json_integer_value(after), limit);
	else
		err = braid_op_list_recent(&l, ctx, braid_api__str(args, "kind"), limit);
	if (err < 0 || (err = braid_agent_list_all(&agents, ctx)) < 0)
		goto done;
	for (i = 0; arr && i < l->count; i++)
		json_array_append_new(
		    arr, braid_api__op_json(&l->items[i], name_in(agents, l->items[i].agent_id)));
	if ((err = braid_api__data(r, json_pack("{s:O}", "ops", arr))) < 0)
		goto done;
	err = braid_api__text(r, "%zu op%s%s", l->count, l->count == 1 ? "" : "s",
	                      after ? ", oldest first" : ", newest first");
done:
	json_decref(arr);
	braid_op_list_free(l);
	braid_agent_list_free(agents);
	return err;
}

static int m_op_show(braid_api_result *r, braid_ctx *ctx, const json_t *args, unsigned int flags)
{
	braid_op *op = NULL;
	braid_agent *a = NULL;
	int err;

	(void)flags;
	if ((err = braid_op_get(&op, ctx, braid_api__str(args, "id"))) < 0)
		return err;
	if (braid_agent_lookup(&a, ctx, op->agent_id) < 0)
		braid_error_clear();
	if ((err = braid_api__data(r, braid_api__op_json(op, a ? a->name : NULL))) == 0)
		err = braid_api__text(r, "op %.12s: %s by %s", op->id, op->kind,
		                      a ? a->name : op->agent_id);
	braid_agent_free(a);
	braid_op_free(op);
	return err;
}

static int m_op_verify(braid_api_result *r, braid_ctx *ctx, const json_t *args, unsigned int flags)
{
	braid_op_verify_report v = {0};
	int err, bad;

	(void)args;
	(void)flags;
	if ((err = braid_op_verify_all(&v, ctx)) < 0)
		return err;
	bad = v.bad_id || v.bad_signature || v.missing_parent;
	if ((err = braid_api__data(
	         r, json_pack("{s:b, s:I, s:I, s:I, s:I, s:s?}", "ok", !bad, "checked",
	                      (json_int_t)v.checked, "bad_id", (json_int_t)v.bad_id,
	                      "bad_signature", (json_int_t)v.bad_signature, "missing_parent",
	                      (json_int_t)v.missing_parent, "first_problem", v.first_problem))) ==
	    0)
		err =
		    bad ? braid_api__text(r, "op log damaged: %s", v.first_problem)
		        : braid_api__text(r, "op log ok: %zu ops, every id and signature verifies",
		                          v.checked);
	braid_op_verify_report_clear(&v);
	return err;
}

static int m_doctor(braid_api_result *r, braid_ctx *ctx, const json_t *args, unsigned int flags)
{
	braid_doctor_report d = {0};
	int err;

	(void)args;
	(void)flags;
	if ((err = braid_converge_doctor(&d, ctx)) < 0)
		return err;
	if ((err = braid_api__data(r, json_pack("{s:b, s:I, s:I, s:s}", "clean", d.problems == 0,
	                                        "problems", (json_int_t)d.problems, "recovered",
	                                        (json_int_t)d.recovered, "report", d.text))) == 0)
		err = braid_api__text(r, "%s (%zu problem%s, %zu recovered)",
		                      d.problems ? "problems found" : "clean", d.problems,
		                      d.problems == 1 ? "" : "s", d.recovered);
	braid_doctor_report_clear(&d);
	return err;
}

static int m_events(braid_api_result *r, braid_ctx *ctx, const json_t *args, unsigned int flags)
{
	json_t *ev = NULL;
	int64_t last = 0, after = braid_api__int(args, "after", -1);
	int err;

	(void)flags;
	if (after < 0 && (err = braid_op_last_seq(&after, ctx)) < 0)
		return err;
	if ((err = braid_api_events(&ev, &last, ctx, after,
	                            (size_t)braid_api__int(args, "limit", 200))) < 0)
		return err;
	if ((err = braid_api__data(
	         r, json_pack("{s:o, s:I}", "events", ev, "last_seq", (json_int_t)last))) == 0)
		err = braid_api__text(
		    r, "%zu event%s; pass after=%lld next time",
		    json_array_size(json_object_get(r->data, "events")),
		    json_array_size(json_object_get(r->data, "events")) == 1 ? "" : "s",
		    (long long)last);
	return err;
}

/* ---- the table ---- */

#define NO_ARGS "{\"type\": \"object\", \"properties\": {}, \"additionalProperties\": false}"

const braid_api_entry braid_api__core_methods[] = {
    {{"status", "Repository status",
      "Agents, workspaces with their change state (uncommitted edits, behind main), the "
      "landing queue, open conflicts and counters. Call it first to see where things stand.",
      NO_ARGS, BRAID_API_IDEMPOTENT},
     m_status},
    {{"whoami", "Who am I", "The acting agent (name, id, role) and its workspaces.", NO_ARGS,
      BRAID_API_IDEMPOTENT},
     m_whoami},
    {{"submit", "Submit work",
      "Snapshot the workspace and land it on the target branch. Work that commutes with what "
      "landed since the workspace's base is merged and lands by compare-and-swap; overlapping "
      "edits become a conflict object (state 'conflicted') and main is untouched. The answer "
      "says what to do next.",
      "{\"type\": \"object\", \"properties\": {"
      "\"message\": {\"type\": \"string\", \"maxLength\": 65536, \"description\": \"what the "
      "work does (the commit message)\"},"
      "\"wait\": {\"type\": \"boolean\", \"description\": \"wait until landed or conflicted "
      "(default true); false queues and returns at once\"},"
      "\"update\": {\"type\": \"boolean\", \"description\": \"after landing, move the "
      "workspace onto the new main (default true)\"}," WS_ARG "}, \"additionalProperties\": false}",
      BRAID_API_WRITE | BRAID_API_WORKSPACE},
     m_submit},
    {{"update", "Update onto main",
      "Bring the workspace onto the current target branch, merging committed work and "
      "uncommitted edits. Never overwrites an edit: when something would conflict nothing "
      "changes and the state is 'conflict'.",
      "{\"type\": \"object\", \"properties\": {" WS_ARG "}, \"additionalProperties\": false}",
      BRAID_API_WRITE | BRAID_API_WORKSPACE | BRAID_API_IDEMPOTENT},
     m_update},
    {{"conflicts_list", "List conflicts", "Conflict objects with their files, newest first.",
      "{\"type\": \"object\", \"properties\": {\"state\": {\"type\": \"string\", \"enum\": "
      "[\"open\", \"resolving\", \"resolved\", \"superseded\", \"all\"], \"description\": "
      "\"'open' (default: open and being resolved), one state, or 'all'\"}}, "
      "\"additionalProperties\": false}",
      BRAID_API_IDEMPOTENT},
     m_conflicts_list},
    {{"conflict_show", "Show a conflict",
      "One conflict: per file the kind, the regions, who put main's side there, and the "
      "base, main and submitted contents.",
      "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\", \"minLength\": 1, "
      "\"maxLength\": 64, \"description\": \"conflict id or unique prefix\"}}, \"required\": "
      "[\"id\"], \"additionalProperties\": false}",
      BRAID_API_IDEMPOTENT},
     m_conflict_show},
    {{"resolve", "Resolve a conflict",
      "Write conflict ID into the submitting agent's workspace: it moves onto the current "
      "main with the agent's work merged in, and conflicting regions get diff3 markers. Edit "
      "them out, then submit to land the resolution.",
      "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\", \"minLength\": 1, "
      "\"maxLength\": 64, \"description\": \"conflict id or unique prefix\"}," WS_ARG
      "}, \"required\": [\"id\"], \"additionalProperties\": false}",
      BRAID_API_WRITE | BRAID_API_WORKSPACE | BRAID_API_DESTRUCTIVE},
     m_resolve},
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
      "One submission of the landing queue with its per-file outcome.",
      "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\", \"minimum\": 1}}, "
      "\"required\": [\"id\"], \"additionalProperties\": false}",
      BRAID_API_IDEMPOTENT},
     m_submission_show},
    {{"op_log", "Op log",
      "The signed op log (every transition, its agent and payload). Newest first; with "
      "'after' (a seq) the ops that followed it, oldest first.",
      "{\"type\": \"object\", \"properties\": {\"kind\": {\"type\": \"string\", \"maxLength\": "
      "64, \"description\": \"only ops of this kind (land, conflict, resolve, snapshot, ...)\"},"
      "\"after\": {\"type\": \"integer\", \"minimum\": 0, \"description\": \"only ops with a "
      "larger seq, oldest first\"}, \"limit\": {\"type\": \"integer\", \"minimum\": 1, "
      "\"maximum\": 1000, \"description\": \"at most this many (default 50)\"}}, "
      "\"additionalProperties\": false}",
      BRAID_API_IDEMPOTENT},
     m_op_log},
    {{"op_show", "Show an op", "One op: kind, agent, parents, signature and payload.",
      "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\", \"minLength\": 4, "
      "\"maxLength\": 64, \"description\": \"op id or unique prefix (4+ hex digits)\"}}, "
      "\"required\": [\"id\"], \"additionalProperties\": false}",
      BRAID_API_IDEMPOTENT},
     m_op_show},
    {{"op_verify", "Verify the op log", "Recompute every op id and check every signature.", NO_ARGS,
      BRAID_API_IDEMPOTENT},
     m_op_verify},
    {{"events", "Events since",
      "What happened after op seq 'after' (landed, conflicted, workspace.behind, lock "
      "events, ...), oldest first, and the seq to pass next time. Without 'after' the answer "
      "is empty and gives the current seq.",
      "{\"type\": \"object\", \"properties\": {\"after\": {\"type\": \"integer\", \"minimum\": "
      "0}, \"limit\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 1000}}, "
      "\"additionalProperties\": false}",
      BRAID_API_IDEMPOTENT},
     m_events},
    {{"agents_list", "List agents", "Every agent identity: name, id, role, public key.", NO_ARGS,
      BRAID_API_IDEMPOTENT},
     m_agents_list},
    {{"workspaces_list", "List workspaces",
      "Workspaces (git worktrees), their agents and current changes.",
      "{\"type\": \"object\", \"properties\": {\"all\": {\"type\": \"boolean\", \"description\": "
      "\"include removed workspaces\"}}, \"additionalProperties\": false}",
      BRAID_API_IDEMPOTENT},
     m_workspaces_list},
    {{"workspace_show", "Show a workspace",
      "One workspace with its status: change state, uncommitted edits, behind main.",
      "{\"type\": \"object\", \"properties\": {" WS_ARG "}, \"additionalProperties\": false}",
      BRAID_API_IDEMPOTENT},
     m_workspace_show},
    {{"workspace_new", "Create a workspace",
      "Create a workspace (a git worktree on a new change based on main) for the acting agent.",
      NO_ARGS, BRAID_API_WRITE},
     m_workspace_new},
    {{"workspace_rm", "Remove a workspace",
      "Remove a workspace. Refused while it has unsubmitted work unless force (then the work "
      "is kept under refs/braid/changes/).",
      "{\"type\": \"object\", \"properties\": {" WS_ARG ", \"force\": {\"type\": \"boolean\"}}, "
      "\"required\": [\"workspace\"], \"additionalProperties\": false}",
      BRAID_API_WRITE | BRAID_API_DESTRUCTIVE},
     m_workspace_rm},
    {{"doctor", "Doctor",
      "Finish what a crashed process left in the landing queue, then check braid's "
      "invariants (main, refs, workspaces, op log).",
      NO_ARGS, BRAID_API_WRITE | BRAID_API_IDEMPOTENT},
     m_doctor},
    {{"agent_add", "Add an agent",
      "Create an agent identity (key pair, id, API token). Needs a 'human' or 'main' caller.",
      "{\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\", \"minLength\": "
      "1, \"maxLength\": 64}, \"role\": {\"type\": \"string\", \"enum\": [\"worker\", "
      "\"main\", \"human\"]}}, \"required\": [\"name\"], \"additionalProperties\": false}",
      BRAID_API_WRITE | BRAID_API_NO_MCP},
     m_agent_add},
    {{NULL, NULL, NULL, NULL, 0}, NULL},
};
