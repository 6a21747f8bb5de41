/*
 * intent.c (api): the intent module's methods: declare, release, renew,
 * the lock table, hash-checked read and write. A refused declaration is an
 * error (BRAID_ELOCKED, or BRAID_EBUSY after a wait) whose text names the
 * holders and the caller's place in line, with the same facts as details.
 */
#include "common.h"
#include "api/api_int.h"
#include "braid/intent.h"
#include "braid/workspace.h"
#include "converge/converge_int.h"
#include "util/buf.h"
#include "util/time.h"

#include <sodium.h>

#define TARGETS_ARG(req)                                                                           \
	"\"targets\": {\"type\": \"array\", \"minItems\": " req ", \"maxItems\": 256, \"items\": " \
	"{\"type\": \"string\", \"minLength\": 1, \"maxLength\": 4096}, \"description\": \"files " \
	"(src/db.c), directories or globs (src/net/, src/**/*.c), symbols (src/db.c::db_open) "    \
	"or @structure\"}"

static json_t *hold_json(const braid_intent_hold *h)
{
	json_t *j =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s?, s:b}", "target", h->target,
	              "kind", h->kind, "level", braid_intent_level_name(h->level), "agent",
	              h->agent_name ? h->agent_name : h->agent_id, "agent_id", h->agent_id, "token",
	              (json_int_t)h->token, "granted_at", (json_int_t)h->granted_at, "expires_at",
	              (json_int_t)h->expires_at, "activity", h->activity, "implicit", h->implicit);

	if (j && h->symbol) {
		json_object_set_new(j, "symbol", json_string(h->symbol));
		json_object_set_new(j, "start_line", json_integer(h->start_line));
		json_object_set_new(j, "end_line", json_integer(h->end_line));
	}
	if (j && h->yield_by) {
		json_object_set_new(j, "yield_by", json_integer(h->yield_by));
		json_object_set_new(j, "preempted_by",
		                    h->preempted_by ? json_string(h->preempted_by) : json_null());
	}
	return j;
}

static json_t *waiter_json(const braid_intent_waiter *w)
{
	return json_pack("{s:s, s:I, s:I, s:s, s:s, s:s?, s:I, s:I}", "target", w->target,
	                 "position", (json_int_t)w->position, "request", (json_int_t)w->request_id,
	                 "level", braid_intent_level_name(w->level), "agent",
	                 w->agent_name ? w->agent_name : w->agent_id, "activity", w->activity,
	                 "since", (json_int_t)w->since, "alive_until", (json_int_t)w->alive_until);
}

static json_t *notices_json(const braid_intent_notice *n, size_t count)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < count; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I, s:s?, s:I, s:I}", "kind",
		                                   n[i].kind, "target", n[i].target, "level",
		                                   braid_intent_level_name(n[i].level), "token",
		                                   (json_int_t)n[i].token, "by", n[i].by_agent,
		                                   "at", (json_int_t)n[i].at, "yield_by",
		                                   (json_int_t)n[i].yield_by));
	return a;
}

static json_t *result_json(const braid_intent_result *r)
{
	json_t *j = json_pack("{s:b, s:s?}", "granted", r->granted, "message", r->message);
	json_t *a;
	size_t i;

	if (!j)
		return NULL;
	if (r->granted) {
		json_object_set_new(j, "token", json_integer(r->token));
		json_object_set_new(j, "expires_at", json_integer(r->expires_at));
		a = json_array();
		for (i = 0; a && i < r->nholds; i++)
			json_array_append_new(a, hold_json(&r->holds[i]));
		json_object_set_new(j, "holds", a);
	} else {
		json_object_set_new(j, "position", json_integer((json_int_t)r->position));
		a = json_array();
		for (i = 0; a && i < r->nblockers; i++)
			json_array_append_new(a, hold_json(&r->blockers[i]));
		json_object_set_new(j, "held_by", a);
		a = json_array();
		for (i = 0; a && i < r->nahead; i++)
			json_array_append_new(a, waiter_json(&r->ahead[i]));
		json_object_set_new(j, "ahead", a);
	}
	if (r->npreempted) {
		a = json_array();
		for (i = 0; a && i < r->npreempted; i++)
			json_array_append_new(a, json_string(r->preempted[i]));
		json_object_set_new(j, "preempted", a);
		json_object_set_new(j, "yield_by", json_integer(r->yield_by));
	}
	json_object_set_new(j, "notices", notices_json(r->notices, r->nnotices));
	return j;
}

/* The strings of args[key] as a C array (borrowed from args); NULL array when absent. */
static int targets_of(const char ***out, size_t *n, const json_t *args, const char *key)
{
	const json_t *arr = json_object_get(args, key);
	size_t i;

	*out = NULL;
	*n = json_array_size(arr);
	if (!*n)
		return 0;
	if (!(*out = calloc(*n, sizeof(**out))))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	for (i = 0; i < *n; i++)
		(*out)[i] = json_string_value(json_array_get(arr, i));
	return 0;
}

/*
 * A duration argument: a number of seconds or a string such as "90s", "30m",
 * "2h"; for "wait" also true (until granted: -1) and false (0).
 */
static int duration_arg(int64_t *ms, const json_t *args, const char *key)
{
	const json_t *v = json_object_get(args, key);

	*ms = 0;
	if (!v || json_is_null(v) || json_is_false(v))
		return 0;
	if (json_is_true(v)) {
		*ms = -1;
		return 0;
	}
	if (json_is_number(v)) {
		*ms = (int64_t)(json_number_value(v) * 1000);
		return 0;
	}
	if (braid_time_parse_duration(ms, json_string_value(v)) < 0)
		return braid_error_set(BRAID_EINVALID,
		                       "argument '%s' must be seconds or a duration such as '90s', "
		                       "'30m', '2h'",
		                       key);
	return 0;
}

/* While a declaration waits in line: progress with the current refusal. */
typedef struct wait_progress {
	const braid_api_call_options *call;
	int64_t start;
} wait_progress;

static void on_wait(void *payload, const braid_intent_result *status)
{
	wait_progress *w = payload;

	if (status && status->message)
		braid_api__progress(w->call, status->message,
		                    (long)(braid_time_mono_ms() - w->start));
}

/* intent_declare's arguments as library options (the targets borrow from args). */
static int declare_args(braid_intent_options *o, const char ***targets, size_t *n,
                        const json_t *args)
{
	const char *level = braid_api__str(args, "level");
	int err;

	if (level && (o->level = braid_intent_level_parse(level)) < 0)
		return o->level;
	o->activity = braid_api__str(args, "activity");
	if ((err = duration_arg(&o->ttl_ms, args, "ttl")) < 0 ||
	    (err = duration_arg(&o->wait_ms, args, "wait")) < 0 ||
	    (err = duration_arg(&o->grace_ms, args, "grace")) < 0)
		return err;
	return targets_of(targets, n, args, "targets");
}

/*
 * intent_declare's answer from what braid_intent_acquire returned (`res` is
 * NULL when it failed before deciding anything).
 */
static int declare_answer(braid_api_result *r, const braid_intent_result *res, int acquired)
{
	int err;

	if (acquired < 0 && !res)
		return acquired;
	if ((err = braid_api__data(r, result_json(res))) < 0)
		return err;
	if (!res->granted)
		/*
		 * Refused (BRAID_ELOCKED), or the wait ran out (BRAID_EBUSY): an error
		 * whose details say who is in the way and where we stand.
		 */
		return braid_error_set(acquired < 0 ? acquired : BRAID_ELOCKED, "%s",
		                       res->message ? res->message : "refused");
	return braid_api__text(r, "%s", res->message ? res->message : "granted");
}

static int m_intent_declare(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                            const braid_api_call_options *call)
{
	wait_progress wp = {call, braid_time_mono_ms()};
	braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
	braid_intent_result *res = NULL;
	const char **targets = NULL;
	size_t n = 0;
	int err;

	if ((err = declare_args(&o, &targets, &n, args)) < 0)
		goto done;
	if (call->progress) {
		o.on_wait = on_wait;
		o.payload = &wp;
	}
	err = braid_intent_acquire(&res, ctx, targets, n, &o);
	err = declare_answer(r, res, err);
done:
	braid_intent_result_free(res);
	free(targets);
	return err;
}

/* intent_release's arguments: a token, or targets (borrowed from args; none: all). */
static int release_args(int64_t *token, const char ***targets, size_t *n, const json_t *args)
{
	const json_t *tok = json_object_get(args, "token");

	*token = 0;
	*targets = NULL;
	*n = 0;
	if (json_is_integer(tok) && json_array_size(json_object_get(args, "targets")))
		return braid_error_set(BRAID_EINVALID, "give 'targets' or 'token', not both");
	if (json_is_integer(tok)) {
		*token = json_integer_value(tok);
		return 0;
	}
	return targets_of(targets, n, args, "targets");
}

/* The answer of intent_release or intent_renew: {"released": n} and a line. */
static int count_answer(braid_api_result *r, const char *key, const char *verb, size_t count)
{
	int err;

	if ((err = braid_api__data(r, json_pack("{s:I}", key, (json_int_t)count))) < 0)
		return err;
	return braid_api__text(r, "%s %zu intent%s", verb, count, count == 1 ? "" : "s");
}

static int m_intent_release(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                            const braid_api_call_options *call)
{
	const char **targets = NULL;
	size_t n = 0, released = 0;
	int64_t token;
	int err;

	(void)call;
	if ((err = release_args(&token, &targets, &n, args)) < 0)
		return err;
	if (token) {
		if ((err = braid_intent_release_token(ctx, token)) < 0)
			return err;
		released = 1;
	} else {
		err = braid_intent_release(&released, ctx, targets, n);
		free(targets);
		if (err < 0)
			return err;
	}
	return count_answer(r, "released", "released", released);
}

static int m_intent_renew(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                          const braid_api_call_options *call)
{
	const char **targets = NULL;
	size_t n = 0, renewed = 0;
	int64_t ttl = 0;
	int err;

	(void)call;
	if ((err = duration_arg(&ttl, args, "ttl")) < 0 ||
	    (err = targets_of(&targets, &n, args, "targets")) < 0)
		return err;
	err = braid_intent_renew(&renewed, ctx, targets, n, ttl);
	free(targets);
	if (err < 0)
		return err;
	return count_answer(r, "renewed", "renewed", renewed);
}

/* --- batches (the daemon's group commit) ---------------------------------- */

int braid_api__intent_batchable(const char *method, const json_t *args)
{
	int64_t wait = 0;

	if (!method)
		return 0;
	if (!strcmp(method, "intent_release") || !strcmp(method, "intent_renew"))
		return 1;
	if (strcmp(method, "intent_declare"))
		return 0;
	/* A "wait" that does not parse is refused the same way in a batch. */
	if (duration_arg(&wait, args, "wait") < 0)
		braid_error_clear();
	return wait == 0;
}

int braid_api__intent_batch(braid_ctx *ctx, braid_api_batch_item **items, size_t n)
{
	braid_intent_batch_item *li = calloc(n ? n : 1, sizeof(*li));
	const char ***targets = calloc(n ? n : 1, sizeof(*targets));
	size_t i, m = 0, *slot = calloc(n ? n : 1, sizeof(*slot));
	int err;

	if (!li || !targets || !slot) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		for (i = 0; i < n; i++)
			braid_api__finish(&items[i]->result, err);
		goto done;
	}
	/* The library requests, in order; an item whose arguments do not parse fails alone. */
	for (i = 0; i < n; i++) {
		braid_api_batch_item *it = items[i];
		braid_intent_batch_item b = BRAID_INTENT_BATCH_ITEM_INIT;
		size_t nt = 0;

		b.agent = it->agent;
		if (!strcmp(it->method, "intent_declare")) {
			b.op = BRAID_INTENT_BATCH_ACQUIRE;
			err = declare_args(&b.opts, &targets[i], &nt, it->args);
		} else if (!strcmp(it->method, "intent_release")) {
			err = release_args(&b.token, &targets[i], &nt, it->args);
			b.op =
			    b.token ? BRAID_INTENT_BATCH_RELEASE_TOKEN : BRAID_INTENT_BATCH_RELEASE;
		} else {
			b.op = BRAID_INTENT_BATCH_RENEW;
			if ((err = duration_arg(&b.ttl_ms, it->args, "ttl")) == 0)
				err = targets_of(&targets[i], &nt, it->args, "targets");
		}
		if (err < 0) {
			braid_api__finish(&it->result, err);
			continue;
		}
		b.targets = targets[i];
		b.ntargets = nt;
		li[m] = b;
		slot[m++] = i;
	}
	if ((err = braid_intent_batch(ctx, li, m)) < 0) {
		for (i = 0; i < m; i++)
			braid_api__finish(&items[slot[i]]->result, err);
		goto done;
	}
	/* The answers, as the methods give them. */
	for (i = 0; i < m; i++) {
		braid_intent_batch_item *b = &li[i];
		braid_api_result *r = &items[slot[i]]->result;

		if (b->code < 0 && b->message)
			braid_error_set(b->code, "%s", b->message);
		if (b->op == BRAID_INTENT_BATCH_ACQUIRE)
			err = declare_answer(r, b->result, b->code);
		else if (b->code < 0)
			err = b->code;
		else if (b->op == BRAID_INTENT_BATCH_RENEW)
			err = count_answer(r, "renewed", "renewed", b->count);
		else
			err = count_answer(r, "released", "released", b->count);
		braid_api__finish(r, err);
	}
done:
	for (i = 0; li && i < m; i++)
		braid_intent_batch_item_release(&li[i]);
	for (i = 0; targets && i < n; i++)
		free(targets[i]);
	free(li);
	free(targets);
	free(slot);
	return 0;
}

static int m_intent_status(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                           const braid_api_call_options *call)
{
	braid_intent_table *tb = NULL;
	braid_intent_notice *notes = NULL;
	json_t *held = json_array(), *waiting = json_array();
	size_t nnotes = 0, i;
	int err;

	(void)args;
	(void)call;
	if ((err = braid_intent_list(&tb, ctx)) < 0)
		goto done;
	if (braid_ctx_agent_id(ctx) && braid_intent_notices(&notes, &nnotes, ctx, 0) < 0) {
		braid_error_clear();
		nnotes = 0;
	}
	for (i = 0; held && i < tb->nholds; i++)
		json_array_append_new(held, hold_json(&tb->holds[i]));
	for (i = 0; waiting && i < tb->nwaiters; i++)
		json_array_append_new(waiting, waiter_json(&tb->waiters[i]));
	if ((err = braid_api__data(r, json_pack("{s:I, s:O, s:O, s:o}", "now", (json_int_t)tb->now,
	                                        "held", held, "waiting", waiting, "notices",
	                                        notices_json(notes, nnotes)))) < 0)
		goto done;
	err = braid_api__text(r, "%zu intent%s held, %zu waiting", tb->nholds,
	                      tb->nholds == 1 ? "" : "s", tb->nwaiters);
done:
	json_decref(held);
	json_decref(waiting);
	braid_intent_notices_free(notes, nnotes);
	braid_intent_table_free(tb);
	return err;
}

static json_t *base64_json(const char *bin, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(n);
	json_t *j;

	if (!b64)
		return NULL;
	sodium_bin2base64(b64, n, (const unsigned char *)bin, len, sodium_base64_VARIANT_ORIGINAL);
	j = json_string(b64);
	free(b64);
	return j;
}

static int m_read(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                  const braid_api_call_options *call)
{
	braid_intent_read_result *res = NULL;
	json_t *j, *c;
	int err;

	(void)call;
	if ((err = braid_intent_read(&res, ctx, braid_api__str(args, "spec"))) < 0)
		return err;
	j = json_pack("{s:s, s:s?, s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:o}", "path",
	              res->path, "symbol", res->symbol, "hash", res->hash, "source", res->source,
	              "commit", res->commit, "start_line", (json_int_t)res->start_line, "end_line",
	              (json_int_t)res->end_line, "start_byte", (json_int_t)res->start_byte,
	              "end_byte", (json_int_t)res->end_byte, "bytes", (json_int_t)res->content_len,
	              "notices", notices_json(res->notices, res->nnotices));
	/* JSON strings are UTF-8 (and arguments have no NUL): other content is base64. */
	c = memchr(res->content, '\0', res->content_len)
	        ? NULL /* the schema refuses NUL in strings: write_file could not take it back */
	        : json_stringn(res->content, res->content_len);
	if (j && c)
		json_object_set_new(j, "content", c);
	else if (j && (c = base64_json(res->content, res->content_len))) {
		json_object_set_new(j, "binary", json_true());
		json_object_set_new(j, "content_base64", c);
	} else {
		json_decref(j);
		j = NULL;
	}
	if ((err = braid_api__data(r, j)) == 0)
		err = braid_api__text(r,
		                      "read %s%s%s (%zu bytes from %s); hash %s — pass it as "
		                      "if_hash to write",
		                      res->path, res->symbol ? "::" : "",
		                      res->symbol ? res->symbol : "", res->content_len, res->source,
		                      res->hash);
	braid_intent_read_result_free(res);
	return err;
}

/* The content argument of write_file: "content" (text) or "content_base64" (any bytes). */
static int content_arg(char **out, size_t *len, const json_t *args)
{
	const json_t *text = json_object_get(args, "content");
	const char *b64 = braid_api__str(args, "content_base64");
	size_t max;

	*out = NULL;
	*len = 0;
	if (json_is_string(text) == (b64 != NULL))
		return braid_error_set(BRAID_EINVALID,
		                       "give the new content as 'content' (text) or "
		                       "'content_base64' (any bytes), one of them");
	if (!b64) {
		*len = json_string_length(text);
		if (!(*out = malloc(*len + 1)))
			return braid_error_set(BRAID_ENOMEM, "out of memory");
		memcpy(*out, json_string_value(text), *len + 1);
		return 0;
	}
	max = strlen(b64) / 4 * 3 + 3;
	if (!(*out = malloc(max)))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if (sodium_base642bin((unsigned char *)*out, max, b64, strlen(b64), "\n\r ", len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) < 0) {
		free(*out);
		*out = NULL;
		return braid_error_set(BRAID_EINVALID, "argument 'content_base64' is not base64");
	}
	return 0;
}

static int m_write(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                   const braid_api_call_options *call)
{
	braid_intent_stale_list *stale = NULL;
	const char *spec = braid_api__str(args, "spec");
	char new_hash[65], *content = NULL;
	size_t len = 0;
	int err;

	(void)call;
	if ((err = content_arg(&content, &len, args)) < 0)
		return err;
	err = braid_intent_write(&stale, new_hash, ctx, spec, braid_api__str(args, "if_hash"),
	                         braid_api__int(args, "token", 0), content ? content : "", len);
	free(content);
	if (err < 0) {
		if (stale) {
			json_t *d = json_pack("{s:o}", "stale", braid_converge__stale_json(stale));
			braid_error_set(err,
			                "%s; read it again (read), redo the edit on what is "
			                "there now, and write with the new hash",
			                braid_error_last());
			if (d)
				braid_api__data(r, d);
		}
		braid_intent_stale_list_free(stale);
		return err;
	}
	if ((err = braid_api__data(r, json_pack("{s:s, s:s, s:I}", "written", spec, "hash",
	                                        new_hash, "bytes", (json_int_t)len))) == 0)
		err = braid_api__text(r, "wrote %s (%zu bytes); hash %s", spec, len, new_hash);
	return err;
}

/*
 * May the acting agent edit this file now? The file must lie in the agent's
 * own workspace (not the main checkout, not another agent's workspace, not
 * .git/.braid); with `declare` (default) an L2 intent is taken on it, which
 * fails while another agent holds it at L3/L4. What the Claude Code hook
 * asks before every edit, and what any front may ask.
 */
static int m_edit_check(braid_api_result *r, braid_ctx *ctx, const json_t *args,
                        const braid_api_call_options *call)
{
	const char *path = braid_api__str(args, "path");
	const char *mine = braid_ctx_workspace(ctx);
	braid_workspace *mw = NULL;
	braid_buf abs = BRAID_BUF_INIT;
	char *ws = NULL, *rel = NULL;
	json_t *intent = NULL;
	int err;

	(void)call;
	if (mine && braid_workspace_get(&mw, ctx, mine) < 0)
		braid_error_clear();
	if (path[0] == '/')
		err = braid_buf_puts(&abs, path);
	else
		err = braid_buf_printf(&abs, "%s/%s", mw ? mw->path : braid_ctx_root(ctx), path);
	if (err < 0)
		goto done;
	if ((err = braid_api_locate(&ws, &rel, ctx, abs.ptr)) < 0) {
		if (err == BRAID_EINVALID)
			err = braid_error_set(BRAID_EINVALID, "refusing to edit '%s': %s%s%s", path,
			                      braid_error_last(),
			                      mw ? "; edit the files of your workspace under " : "",
			                      mw ? mw->path : "");
		goto done;
	}
	if (mine && (!ws || strcmp(ws, mine))) {
		err = braid_error_set(BRAID_EDENIED,
		                      "'%s' is %s%s%s, not in your workspace '%s'. Edit %s/%s "
		                      "instead; braid merges your work with the others' when you "
		                      "submit",
		                      path, ws ? "in workspace '" : "in the main checkout",
		                      ws ? ws : "", ws ? "' of another agent" : "", mine,
		                      mw ? mw->path : "<your workspace>", rel);
		goto done;
	}
	if (mine && braid_api__bool(args, "declare", 1) && braid_ctx_agent_id(ctx)) {
		braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
		braid_intent_result *res = NULL;
		const char *t[1];
		t[0] = rel;
		o.level = BRAID_INTENT_L2;
		o.activity = braid_api__str(args, "activity");
		err = braid_intent_acquire(&res, ctx, t, 1, &o);
		if (res)
			intent = result_json(res);
		if (err < 0 && res && !res->granted) {
			braid_api__data(r, intent);
			intent = NULL;
			err = braid_error_set(err, "%s", res->message ? res->message : "refused");
		}
		braid_intent_result_free(res);
		if (err < 0)
			goto done;
	}
	if ((err = braid_api__data(r, json_pack("{s:b, s:s?, s:s, s:O?}", "allowed", 1, "workspace",
	                                        ws, "path", rel, "intent", intent))) < 0)
		goto done;
	err = braid_api__text(r, "%s may be edited%s", rel,
	                      intent ? " (L2 intent declared)"
	                      : mine ? ""
	                             : " (not in a workspace: nothing to check)");
done:
	json_decref(intent);
	braid_workspace_free(mw);
	braid_buf_dispose(&abs);
	free(ws);
	free(rel);
	return err;
}

const braid_api_entry braid_api__intent_methods[] = {
    {{"intent_declare", "Declare an intent (lock)",
      "Declare what you are about to touch before editing: L1 read, L2 soft write (default; "
      "yields to L3/L4), L3 hard write, L4 exclusive. Several targets are granted "
      "all-or-nothing. A grant returns a fencing token and a lease end; a refusal is an error "
      "naming who holds what (level, activity, lease end) and your place in line. With "
      "'wait' the request keeps its place in the FIFO line until granted or timed out.",
      "{\"type\": \"object\", \"properties\": {" TARGETS_ARG(
          "1") ", "
               "\"level\": {\"type\": \"string\", \"enum\": [\"L1\", \"L2\", \"L3\", \"L4\"]}, "
               "\"activity\": {\"type\": \"string\", \"maxLength\": 500, \"description\": \"what "
               "you "
               "are about to do (shown to others)\"}, "
               "\"ttl\": {\"type\": [\"string\", \"number\"], \"description\": \"lease length: "
               "seconds "
               "or '90s', '30m', '2h' (default intent.ttl, 30m)\"}, "
               "\"wait\": {\"type\": [\"string\", \"number\", \"boolean\"], \"description\": "
               "\"wait in line at most this long (seconds or a duration), or until granted "
               "(true); default: answer at once\"}, "
               "\"grace\": {\"type\": [\"string\", \"number\"], \"description\": \"how long "
               "L2 holders this preempts get to yield (default intent.preempt-grace, 60s)\"}}, "
               "\"required\": [\"targets\"], \"additionalProperties\": false}",
      BRAID_API_WRITE},
     m_intent_declare},
    {{"intent_release", "Release intents",
      "Give back your intents: the named targets, the grant with 'token', or all of them. "
      "Your waiting requests on those targets leave the line too.",
      "{\"type\": \"object\", \"properties\": {" TARGETS_ARG(
          "0") ", "
               "\"token\": {\"type\": \"integer\", \"minimum\": 1, \"description\": \"release "
               "exactly "
               "this grant\"}}, \"additionalProperties\": false}",
      BRAID_API_WRITE | BRAID_API_IDEMPOTENT},
     m_intent_release},
    {{"intent_renew", "Renew leases",
      "Extend your leases (the named targets, or all) to now + ttl.",
      "{\"type\": \"object\", \"properties\": {" TARGETS_ARG(
          "0") ", "
               "\"ttl\": {\"type\": [\"string\", \"number\"]}}, \"additionalProperties\": false}",
      BRAID_API_WRITE | BRAID_API_IDEMPOTENT},
     m_intent_renew},
    {{"intent_status", "Lock table",
      "Every held intent (target, level, holder, activity, lease end) and every queue (who "
      "waits, at which place), plus your own lease news (told to yield, lost leases).",
      "{\"type\": \"object\", \"properties\": {}, \"additionalProperties\": false}",
      BRAID_API_IDEMPOTENT},
     m_intent_status},
    {{"read_file", "Read with hash",
      "Read a file or a symbol (PATH or PATH::SYMBOL) as you see it (your workspace, else the "
      "target branch), with its BLAKE3 hash (content that is not UTF-8 text comes as "
      "content_base64). braid remembers the read: write takes the hash, "
      "and a submit that edits the region after it changed on main is refused with a diff.",
      "{\"type\": \"object\", \"properties\": {\"spec\": {\"type\": \"string\", \"minLength\": "
      "1, \"maxLength\": 4096, \"description\": \"PATH or PATH::SYMBOL\"}}, \"required\": "
      "[\"spec\"], \"additionalProperties\": false}",
      BRAID_API_IDEMPOTENT},
     m_read},
    {{"write_file", "Write if unchanged",
      "Replace a file or a symbol in your workspace with content (or content_base64) if, and "
      "only if, its current hash is if_hash (from read_file). Refused with a diff of what changed, "
      "and who changed it, "
      "when it moved on.",
      "{\"type\": \"object\", \"properties\": {\"spec\": {\"type\": \"string\", \"minLength\": "
      "1, \"maxLength\": 4096}, \"if_hash\": {\"type\": \"string\", \"minLength\": 1, "
      "\"maxLength\": 128}, \"content\": {\"type\": \"string\", \"maxLength\": 67108864, "
      "\"description\": \"the new text\"}, \"content_base64\": {\"type\": \"string\", "
      "\"maxLength\": 89478488, \"description\": \"instead of content: any bytes, "
      "base64-encoded\"}, \"token\": {\"type\": \"integer\", \"minimum\": 1, \"description\": "
      "\"fencing token of your intent on the file, checked first\"}}, \"required\": "
      "[\"spec\", \"if_hash\"], \"additionalProperties\": false}",
      BRAID_API_WRITE | BRAID_API_DESTRUCTIVE},
     m_write},
    {{"edit_check", "May I edit this file?",
      "Before editing a file: checks that it lies in your own workspace (not the main "
      "checkout, not another agent's workspace, not .git or .braid) and declares an L2 intent "
      "on it, refused while another agent holds it at L3/L4 (the error names the holder and "
      "your place in line). The answer gives the repository-relative path.",
      "{\"type\": \"object\", \"properties\": {\"path\": {\"type\": \"string\", "
      "\"minLength\": 1, \"maxLength\": 4096, \"description\": \"absolute, or relative "
      "to your workspace\"}, \"declare\": {\"type\": \"boolean\", \"description\": "
      "\"declare an L2 intent (default true)\"}, \"activity\": {\"type\": \"string\", "
      "\"maxLength\": 500}}, \"required\": [\"path\"], \"additionalProperties\": false}",
      BRAID_API_WRITE},
     m_edit_check},
    {{NULL, NULL, NULL, NULL, 0}, NULL},
};
