/*
 * api.c: the method registry and braid_api_call (schema check, read-only
 * check, dispatch), the helpers every method shares, token
 * authentication and locating a path in the repository. The methods
 * themselves live in methods.c (and one file per module that adds some).
 */
#include "common.h"
#include "api/api_int.h"
#include "ctx/ctx_int.h"
#include "util/buf.h"
#include "util/path.h"

#include <limits.h>
#include <pthread.h>
#include <sodium.h>

/* Each module's method table; their order is the listing order. */
static const braid_api_entry *const tables[] = {
    braid_api__core_methods,
    braid_api__queue_methods,
    braid_api__intent_methods,
};

#define MAX_METHODS 128

static const braid_api_entry *methods[MAX_METHODS];
static json_t *schemas[MAX_METHODS];
static size_t nmethods;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_methods(void)
{
	size_t t, i;

	for (t = 0; t < BRAID_ARRAY_SIZE(tables); t++) {
		const braid_api_entry *e = tables[t];
		for (i = 0; e[i].m.name && nmethods < MAX_METHODS; i++) {
			json_error_t jerr;
			methods[nmethods] = &e[i];
			schemas[nmethods] = json_loads(e[i].m.input_schema, 0, &jerr);
			/* A schema that does not parse is a bug caught by the unit tests. */
			if (!schemas[nmethods])
				schemas[nmethods] = json_pack("{s:s}", "type", "object");
			nmethods++;
		}
	}
}

size_t braid_api_method_count(void)
{
	pthread_once(&init_once, init_methods);
	return nmethods;
}

const braid_api_method *braid_api_method_at(size_t i)
{
	pthread_once(&init_once, init_methods);
	return i < nmethods ? &methods[i]->m : NULL;
}

static long method_index(const char *name)
{
	size_t i;

	pthread_once(&init_once, init_methods);
	for (i = 0; name && i < nmethods; i++)
		if (!strcmp(methods[i]->m.name, name))
			return (long)i;
	return -1;
}

const braid_api_method *braid_api_method_find(const char *name)
{
	long i = method_index(name);
	return i < 0 ? NULL : &methods[i]->m;
}

const json_t *braid_api_method_schema(const braid_api_method *m)
{
	long i = m ? method_index(m->name) : -1;
	return i < 0 ? NULL : schemas[i];
}

int braid_api_check_args(const braid_api_method *m, const json_t *args)
{
	const json_t *schema = braid_api_method_schema(m);
	json_t *empty = NULL;
	int err;

	BRAID_ASSERT_ARG(schema);
	if (!args)
		args = empty = json_object();
	if (!json_is_object(args))
		err = braid_error_set(BRAID_EINVALID, "the arguments must be a JSON object, not %s",
		                      json_is_array(args) ? "an array" : "a scalar");
	else
		err = braid_api__validate(schema, args, "arguments");
	json_decref(empty);
	return err;
}

void braid_api_result_release(braid_api_result *r)
{
	if (!r)
		return;
	json_decref(r->data);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

int braid_api_call(braid_api_result *out, braid_ctx *ctx, const char *method, const json_t *args,
                   unsigned int flags)
{
	braid_api_call_options o = BRAID_API_CALL_OPTIONS_INIT;

	o.flags = flags;
	return braid_api_call_ext(out, ctx, method, args, &o);
}

int braid_api_call_ext(braid_api_result *out, braid_ctx *ctx, const char *method,
                       const json_t *args, const braid_api_call_options *opts)
{
	static const braid_api_call_options none = BRAID_API_CALL_OPTIONS_INIT;
	unsigned int flags;
	long i;
	json_t *empty = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	if (!opts)
		opts = &none;
	flags = opts->flags;
	if ((i = method_index(method)) < 0) {
		err = braid_error_set(BRAID_ENOTFOUND, "unknown method '%.64s'",
		                      method ? method : "");
		goto done;
	}
	if (!args)
		args = empty = json_object();
	if ((err = braid_api_check_args(&methods[i]->m, args)) < 0)
		goto done;
	if ((methods[i]->m.flags & BRAID_API_WRITE) && (flags & BRAID_API_CALL_READONLY)) {
		err = braid_error_set(BRAID_EDENIED,
		                      "'%s' changes state and this token is read-only; use an "
		                      "agent's own token (.braid/tokens/NAME)",
		                      method);
		goto done;
	}
	err = methods[i]->fn(out, ctx, args, opts);
done:
	json_decref(empty);
	braid_api__finish(out, err);
	return err;
}

void braid_api__finish(braid_api_result *out, int err)
{
	if (err < 0) {
		out->code = err;
		free(out->text);
		out->text = braid_strdup(braid_error_last());
		braid_error_set(err, "%s", out->text ? out->text : "out of memory");
	}
}

/* ---- batches ---- */

int braid_api_batchable(const char *method, const json_t *args)
{
	return braid_api__intent_batchable(method, args);
}

/* Check one call of a batch as braid_api_call would: 0, or the error that answers it. */
static int batch_check(const braid_api_batch_item *it)
{
	long i = method_index(it->method);
	int err;

	if (i < 0)
		return braid_error_set(BRAID_ENOTFOUND, "unknown method '%.64s'",
		                       it->method ? it->method : "");
	if ((err = braid_api_check_args(&methods[i]->m, it->args)) < 0)
		return err;
	if ((methods[i]->m.flags & BRAID_API_WRITE) && (it->flags & BRAID_API_CALL_READONLY))
		return braid_error_set(BRAID_EDENIED,
		                       "'%s' changes state and this token is read-only; use an "
		                       "agent's own token (.braid/tokens/NAME)",
		                       it->method);
	return 0;
}

/* A call that cannot join a batch: braid_api_call as its agent, the context's own put back. */
static void batch_single(braid_ctx *ctx, braid_api_batch_item *it, const char *own_agent)
{
	braid_api_call_options o = BRAID_API_CALL_OPTIONS_INIT;
	int err;

	o.flags = it->flags;
	if (it->agent)
		err = braid_ctx_set_agent(ctx, it->agent);
	else
		err = braid_ctx_clear_agent(ctx);
	if (err < 0)
		braid_api__finish(&it->result, err);
	else if (braid_api_call_ext(&it->result, ctx, it->method, it->args, &o) < 0)
		braid_error_clear(); /* the answer is in it->result */
	if (own_agent ? braid_ctx_set_agent(ctx, own_agent) < 0 : braid_ctx_clear_agent(ctx) < 0)
		braid_error_clear();
}

int braid_api_call_batch(braid_ctx *ctx, braid_api_batch_item *items, size_t n)
{
	braid_api_batch_item **run = NULL;
	char *own = NULL;
	size_t i, nrun = 0;
	int err = 0;

	BRAID_ASSERT_ARG(ctx && (items || !n));
	for (i = 0; i < n; i++)
		memset(&items[i].result, 0, sizeof(items[i].result));
	if (!n)
		return 0;
	if (!(run = calloc(n, sizeof(*run))) ||
	    (braid_ctx_agent_id(ctx) && !(own = braid_strdup(braid_ctx_agent_id(ctx))))) {
		free(run);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	for (i = 0; i <= n; i++) {
		braid_api_batch_item *it = i < n ? &items[i] : NULL;
		int batchable = 0;

		if (it && (err = batch_check(it)) < 0) {
			braid_api__finish(&it->result, err);
			continue;
		}
		if (it)
			batchable = braid_api__intent_batchable(it->method, it->args);
		if (it && batchable) {
			run[nrun++] = it;
			continue;
		}
		/* The end, or a call that runs alone: what was gathered goes first. */
		if (nrun)
			braid_api__intent_batch(ctx, run, nrun);
		nrun = 0;
		if (it)
			batch_single(ctx, it, own);
	}
	free(run);
	free(own);
	return 0;
}

/* ---- helpers for the methods ---- */

int braid_api__require_admin(braid_ctx *ctx, const braid_api_call_options *call, const char *what)
{
	braid_agent *a = NULL;
	const char *id;
	int err, ok;

	if (call->flags & BRAID_API_CALL_OPERATOR)
		return 0;
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

void braid_api__progress(const braid_api_call_options *call, const char *what, long waited_ms)
{
	if (call && call->progress)
		call->progress(call->payload, what, waited_ms);
}

const char *braid_api__str(const json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

int64_t braid_api__int(const json_t *args, const char *key, int64_t dflt)
{
	const json_t *v = json_object_get(args, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	return dflt;
}

int braid_api__bool(const json_t *args, const char *key, int dflt)
{
	const json_t *v = json_object_get(args, key);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

int braid_api__text(braid_api_result *r, const char *fmt, ...)
{
	braid_buf b = BRAID_BUF_INIT;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = braid_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (err < 0)
		return err;
	free(r->text);
	r->text = braid_buf_detach(&b);
	return 0;
}

int braid_api__data(braid_api_result *r, json_t *data)
{
	if (!data)
		return braid_error_set(BRAID_ENOMEM, "out of memory building the result");
	json_decref(r->data);
	r->data = data;
	return 0;
}

json_t *braid_api__json_or_string(const char *text)
{
	json_t *j;

	if (!text)
		return json_null();
	if ((j = json_loads(text, JSON_DECODE_ANY, NULL)))
		return j;
	return json_string(text);
}

int braid_api__ws_open(braid_ctx **wctx, braid_ctx *ctx, const json_t *args)
{
	const char *want = braid_api__str(args, "workspace");
	const char *agent_id, *here = braid_ctx_workspace(ctx);
	braid_workspace_list *l = NULL;
	braid_workspace *ws = NULL;
	braid_ctx *n = NULL;
	braid_buf names = BRAID_BUF_INIT;
	size_t i, mine = 0;
	int err;

	if (!here && !want && !braid_ctx_agent_id(ctx))
		return braid_error_set(
		    BRAID_ESTATE, "not inside a workspace, and no acting agent to pick one: run "
		                  "this in an agent's workspace, pass --agent NAME or set "
		                  "BRAID_AGENT");
	if ((err = braid_ctx_require_agent(&agent_id, ctx)) < 0)
		return err;
	if (here && (!want || !strcmp(want, here))) {
		*wctx = ctx;
		return 0;
	}
	if (want) {
		if ((err = braid_workspace_get(&ws, ctx, want)) < 0)
			goto done;
		if (strcmp(ws->state, "active")) {
			err = braid_error_set(BRAID_ESTATE, "workspace '%s' was removed", want);
			goto done;
		}
		if (strcmp(ws->agent_id, agent_id)) {
			err = braid_error_set(
			    BRAID_EDENIED,
			    "workspace '%s' belongs to agent '%s', not '%s'; act on "
			    "your own workspace",
			    want, ws->agent_name, braid_ctx_agent_name(ctx));
			goto done;
		}
	} else {
		if ((err = braid_workspace_list_all(&l, ctx, 0)) < 0)
			goto done;
		for (i = 0; i < l->count; i++) {
			if (strcmp(l->items[i].agent_id, agent_id))
				continue;
			if (mine++ == 0)
				ws = &l->items[i];
			if ((err = braid_buf_printf(&names, "%s'%s'", names.size ? ", " : "",
			                            l->items[i].id)) < 0)
				goto done;
		}
		if (!mine) {
			err =
			    braid_error_set(BRAID_ESTATE,
			                    "agent '%s' has no workspace; create one first (method "
			                    "workspace_new, or 'braid ws new %s')",
			                    braid_ctx_agent_name(ctx), braid_ctx_agent_name(ctx));
			goto done;
		}
		if (mine > 1) {
			err = braid_error_set(
			    BRAID_EINVALID,
			    "agent '%s' has several workspaces (%s); say which with "
			    "the 'workspace' argument",
			    braid_ctx_agent_name(ctx), names.ptr);
			goto done;
		}
	}
	if ((err = braid_ctx_open(&n, ws->path)) < 0)
		goto done;
	if ((err = braid_ctx_set_agent(n, agent_id)) < 0) {
		braid_ctx_free(n);
		goto done;
	}
	*wctx = n;
done:
	if (l)
		braid_workspace_list_free(l);
	else
		braid_workspace_free(ws);
	braid_buf_dispose(&names);
	return err;
}

void braid_api__ws_close(braid_ctx *wctx, braid_ctx *ctx)
{
	if (wctx != ctx)
		braid_ctx_free(wctx);
}

/* ---- authentication ---- */

int braid_api_authenticate(char **agent_name, int *readonly, braid_ctx *ctx, const char *token)
{
	braid_agent *a = NULL;
	char *viewer = NULL;
	size_t n;
	int err;

	if (!token || !*token)
		return braid_error_set(BRAID_EDENIED, "no token");
	n = strlen(token);
	if (n > 256)
		return braid_error_set(BRAID_EDENIED, "malformed token");
	if ((err = braid_agent_viewer_token(&viewer, ctx)) < 0)
		return err;
	while (*viewer && viewer[strlen(viewer) - 1] == '\n')
		viewer[strlen(viewer) - 1] = '\0';
	if (strlen(viewer) == n && !sodium_memcmp(viewer, token, n)) {
		free(viewer);
		*agent_name = NULL;
		*readonly = 1;
		return 0;
	}
	free(viewer);
	/* An unknown token is already DENIED; a database error stays what it is. */
	if ((err = braid_agent_by_token(&a, ctx, token)) < 0)
		return err;
	*agent_name = braid_strdup(a->name);
	*readonly = 0;
	braid_agent_free(a);
	return *agent_name ? 0 : BRAID_ENOMEM;
}

/* ---- locating a path ---- */

/* realpath() of the longest existing prefix of `abs`, with the rest appended. */
static int resolve_existing(braid_buf *out, const char *abs)
{
	braid_buf norm = BRAID_BUF_INIT;
	char real[PATH_MAX];
	size_t cut;
	int err;

	if ((err = braid_path_normalize(&norm, abs)) < 0)
		return err;
	cut = norm.size;
	for (;;) {
		char save = norm.ptr[cut];
		norm.ptr[cut] = '\0';
		if (realpath(cut ? norm.ptr : "/", real)) {
			norm.ptr[cut] = save;
			err = braid_buf_set(out, real, strlen(real));
			if (!err && cut < norm.size)
				err = braid_buf_puts(out, strcmp(real, "/") ? norm.ptr + cut
				                                            : norm.ptr + cut + 1);
			break;
		}
		norm.ptr[cut] = save;
		while (cut > 0 && norm.ptr[cut - 1] != '/')
			cut--;
		if (cut == 0) {
			err = braid_buf_set(out, norm.ptr, norm.size);
			break;
		}
		cut--; /* drop the '/' too: realpath of the parent */
	}
	braid_buf_dispose(&norm);
	return err;
}

static int under(const char *path, const char *dir, const char **rest)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n) || (path[n] != '/' && path[n] != '\0'))
		return 0;
	*rest = path[n] ? path + n + 1 : path + n;
	return 1;
}

int braid_api_locate(char **ws_id, char **rel, braid_ctx *ctx, const char *abs_path)
{
	braid_workspace_list *l = NULL;
	braid_buf p = BRAID_BUF_INIT;
	const char *rest = NULL, *best_rest = NULL, *best_id = NULL;
	size_t i, best = 0;
	int err;

	BRAID_ASSERT_ARG(abs_path && abs_path[0] == '/');
	if ((err = resolve_existing(&p, abs_path)) < 0)
		goto done;
	if ((err = braid_workspace_list_all(&l, ctx, 0)) < 0)
		goto done;
	for (i = 0; i < l->count; i++) {
		size_t n = strlen(l->items[i].path);
		if (n > best && under(p.ptr, l->items[i].path, &rest)) {
			best = n;
			best_rest = rest;
			best_id = l->items[i].id;
		}
	}
	if (!best_id && !under(p.ptr, braid_ctx_root(ctx), &best_rest)) {
		err = braid_error_set(BRAID_ENOTFOUND, "'%s' is outside the repository '%s'", p.ptr,
		                      braid_ctx_root(ctx));
		goto done;
	}
	if ((err = braid_path_validate_rel(best_rest)) < 0)
		goto done;
	*rel = braid_strdup(best_rest);
	*ws_id = best_id ? braid_strdup(best_id) : NULL;
	if (!*rel || (best_id && !*ws_id)) {
		free(*rel);
		free(*ws_id);
		err = BRAID_ENOMEM;
	}
done:
	braid_workspace_list_free(l);
	braid_buf_dispose(&p);
	return err;
}
