/*
 * http.c: the daemon. Listens (loopback unless told otherwise), collects
 * each request's body up to the size limit, authenticates the bearer token
 * (an agent's own token, or the read-only viewer token), finds the route,
 * turns path, query and body into the method's arguments and answers with
 * the method's JSON. Errors are {"error": {"code", "message"}} with a
 * stable code and the matching HTTP status. Slow methods run on worker
 * threads while their connection is suspended; intent declarations,
 * releases and renewals go to the group committer (commit.c), suspended
 * too, and are answered here when it resumes them.
 */
#include "server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "braid/agent.h"
#include "braid/api.h"
#include "braid/common.h"

#define AUTH_CACHE     1024
#define AUTH_CACHE_TTL 30 /* seconds */

typedef struct auth_entry {
	char *token;
	char *agent; /* NULL: viewer */
	int readonly;
	time_t until;
} auth_entry;

typedef struct srv {
	struct MHD_Daemon *d;
	srv_pool *pool;
	srv_workers *workers;
	srv_committer *committer; /* NULL: intent calls run inline */
	srv_hub *hub;
	size_t max_body;
	char *root;
	pthread_mutex_t auth_lock;
	auth_entry auth[AUTH_CACHE];
} srv;

/* Per-request state (MHD's con_cls). */
typedef struct req {
	char *body;
	size_t len, cap;
	int too_large;
	size_t dropped; /* bytes of an oversized body thrown away */
	int started;
	srv_call *call; /* with the group committer, until answered */
} req;

/* A slow method running on a worker while its connection is suspended. */
typedef struct job {
	srv *s;
	struct MHD_Connection *conn;
	char *method;
	char *agent;
	int readonly;
	json_t *args;
} job;

/* ---- responses ---- */

static int http_status(int code)
{
	switch (code) {
	case 0:
		return MHD_HTTP_OK;
	case BRAID_ENOTFOUND:
		return MHD_HTTP_NOT_FOUND;
	case BRAID_EEXISTS:
	case BRAID_ECONFLICT:
	case BRAID_ESTATE:
		return MHD_HTTP_CONFLICT;
	case BRAID_ELOCKED:
		return MHD_HTTP_LOCKED;
	case BRAID_EBUSY:
	case BRAID_ENOMEM:
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	case BRAID_ESTALE:
		return MHD_HTTP_PRECONDITION_FAILED;
	case BRAID_EINVALID:
		return MHD_HTTP_BAD_REQUEST;
	case BRAID_EDENIED:
		return MHD_HTTP_FORBIDDEN;
	case BRAID_EVERIFY:
		return MHD_HTTP_UNPROCESSABLE_CONTENT;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

static void common_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *body,
                                 const char *summary, const char *allow)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t n;

	json_decref(body);
	if (!text)
		text = strdup(
		    "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"out of memory\"}}");
	if (!text)
		return MHD_NO;
	n = strlen(text);
	/* a trailing newline makes curl and shells happier */
	{
		char *t2 = realloc(text, n + 2);
		if (t2) {
			text = t2;
			text[n++] = '\n';
			text[n] = '\0';
		}
	}
	r = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	common_headers(r);
	if (summary && *summary) {
		/* One line for people (the text an MCP client sees), ASCII only. */
		char h[512];
		size_t i, j = 0;
		for (i = 0; summary[i] && j + 1 < sizeof(h); i++)
			h[j++] = (summary[i] >= 0x20 && summary[i] < 0x7f) ? summary[i] : ' ';
		h[j] = '\0';
		MHD_add_response_header(r, "Braid-Summary", h);
	}
	if (allow)
		MHD_add_response_header(r, "Allow", allow);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"braid\"");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(r, "Retry-After", "1");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static json_t *error_body(const char *code, const char *message, json_t *details)
{
	json_t *e = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);

	if (e && details)
		json_object_set(json_object_get(e, "error"), "details", details);
	return e;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *code,
                                  const char *message)
{
	return send_json(c, status, error_body(code, message, NULL), NULL, NULL);
}

static enum MHD_Result send_result(struct MHD_Connection *c, braid_api_result *r)
{
	if (r->code < 0)
		return send_json(
		    c, http_status(r->code),
		    error_body(braid_error_name(r->code), r->text ? r->text : "error", r->data),
		    NULL, NULL);
	return send_json(c, MHD_HTTP_OK, json_incref(r->data), r->text, NULL);
}

/* ---- authentication ---- */

static const char *bearer(struct MHD_Connection *c, int allow_query)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

	if (h && !strncasecmp(h, "Bearer ", 7)) {
		h += 7;
		while (*h == ' ')
			h++;
		return h;
	}
	/* EventSource cannot set headers: /v1/events also takes ?access_token= */
	if (allow_query)
		return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "access_token");
	return NULL;
}

static unsigned long hash_str(const char *s)
{
	unsigned long h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* Who the token is: 0 with *agent (malloc'd, NULL for the viewer) and *readonly. */
static int authenticate(srv *s, const char *token, char **agent, int *readonly)
{
	auth_entry *e;
	braid_ctx *ctx = NULL;
	time_t now = time(NULL);
	int err;

	if (!token || !*token)
		return BRAID_EDENIED;
	e = &s->auth[hash_str(token) % AUTH_CACHE];
	pthread_mutex_lock(&s->auth_lock);
	if (e->token && e->until > now && !strcmp(e->token, token)) {
		*readonly = e->readonly;
		*agent = e->agent ? strdup(e->agent) : NULL;
		pthread_mutex_unlock(&s->auth_lock);
		return *readonly || *agent ? 0 : BRAID_ENOMEM; /* not e->: unlocked */
	}
	pthread_mutex_unlock(&s->auth_lock);
	if ((err = srv_pool_get(&ctx, s->pool)) < 0)
		return err;
	err = braid_api_authenticate(agent, readonly, ctx, token);
	srv_pool_put(s->pool, ctx);
	if (err < 0)
		return err;
	pthread_mutex_lock(&s->auth_lock);
	free(e->token);
	free(e->agent);
	e->token = strdup(token);
	e->agent = *agent ? strdup(*agent) : NULL;
	e->readonly = *readonly;
	e->until = now + AUTH_CACHE_TTL;
	pthread_mutex_unlock(&s->auth_lock);
	return 0;
}

/* ---- arguments from path, query and body ---- */

typedef struct qctx {
	const json_t *schema;
	json_t *args;
	char error[300];
} qctx;

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
	qctx *q = cls;
	const json_t *ps = json_object_get(json_object_get(q->schema, "properties"), key);
	const char *type = json_string_value(json_object_get(ps, "type"));
	json_t *v;

	(void)kind;
	if (!strcmp(key, "access_token"))
		return MHD_YES;
	if (!value)
		value = "";
	if (type && !strcmp(type, "integer")) {
		char *end;
		long long n;
		errno = 0;
		n = strtoll(value, &end, 10);
		if (!*value || *end || errno) {
			snprintf(q->error, sizeof(q->error),
			         "argument '%.64s' must be an integer, not '%.64s'", key, value);
			return MHD_NO;
		}
		v = json_integer(n);
	} else if (type && !strcmp(type, "boolean")) {
		if (!strcmp(value, "true") || !strcmp(value, "1") || !*value)
			v = json_true();
		else if (!strcmp(value, "false") || !strcmp(value, "0"))
			v = json_false();
		else {
			snprintf(q->error, sizeof(q->error),
			         "argument '%.64s' must be true or false, not '%.64s'", key, value);
			return MHD_NO;
		}
	} else if (type && !strcmp(type, "array")) {
		json_t *cur = json_object_get(q->args, key);
		if (!json_is_array(cur)) {
			cur = json_array();
			json_object_set_new(q->args, key, cur);
		}
		json_array_append_new(cur, json_string(value));
		return MHD_YES;
	} else {
		v = json_string(value);
	}
	json_object_set_new(q->args, key, v);
	return MHD_YES;
}

/* Merge a path parameter into args; a body that says otherwise is an error. */
static int put_param(json_t *args, const json_t *schema, const char *name, size_t nlen,
                     const char *value, char *err, size_t errsize)
{
	char key[64];
	const json_t *ps;
	const char *type;
	json_t *v, *have;

	snprintf(key, sizeof(key), "%.*s", (int)nlen, name);
	ps = json_object_get(json_object_get(schema, "properties"), key);
	type = json_string_value(json_object_get(ps, "type"));
	if (type && !strcmp(type, "integer")) {
		char *end;
		long long n = strtoll(value, &end, 10);
		if (!*value || *end) {
			snprintf(err, errsize,
			         "path parameter '%s' must be an integer, not '%.64s'", key, value);
			return -1;
		}
		v = json_integer(n);
	} else {
		v = json_string(value);
	}
	have = json_object_get(args, key);
	if (have && !json_is_null(have) && !json_equal(have, v)) {
		snprintf(err, errsize, "'%s' is given in the path and, differently, in the body",
		         key);
		json_decref(v);
		return -1;
	}
	json_object_set_new(args, key, v);
	return 0;
}

/* ---- special routes ---- */

static enum MHD_Result methods_listing(struct MHD_Connection *c)
{
	json_t *arr = json_array(), *routes = json_array();
	const srv_route *rt;
	size_t i, n;

	for (i = 0; arr && i < braid_api_method_count(); i++) {
		const braid_api_method *m = braid_api_method_at(i);
		json_array_append_new(arr,
		                      json_pack("{s:s, s:s, s:s, s:O, s:b}", "name", m->name,
		                                "title", m->title, "description", m->description,
		                                "input_schema", braid_api_method_schema(m),
		                                "writes", (m->flags & BRAID_API_WRITE) != 0));
	}
	rt = srv_routes(&n);
	for (i = 0; routes && i < n; i++)
		json_array_append_new(routes,
		                      json_pack("{s:s, s:s, s:s}", "verb", rt[i].verb, "path",
		                                rt[i].pattern, "method", rt[i].method));
	return send_json(c, MHD_HTTP_OK, json_pack("{s:o, s:o}", "methods", arr, "routes", routes),
	                 NULL, NULL);
}

static enum MHD_Result serve_asset(struct MHD_Connection *c, const char *url)
{
	const srv_asset *a = srv_asset_find(url);
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!a)
		return send_error(c, MHD_HTTP_NOT_FOUND, "no_route", "no such page");
	r = MHD_create_response_from_buffer(a->size, (void *)a->data, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", a->type);
	MHD_add_response_header(r, "Content-Security-Policy",
	                        "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
	                        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	common_headers(r);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result events_stream(srv *s, struct MHD_Connection *c)
{
	const char *last = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
	const char *after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
	const char *filter = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "events");
	struct MHD_Response *r = NULL;
	braid_ctx *ctx = NULL;
	int64_t from = -1;
	enum MHD_Result ret;
	int err;

	if (last && *last)
		from = strtoll(last, NULL, 10);
	else if (after && *after)
		from = strtoll(after, NULL, 10);
	if (filter && strspn(filter, "abcdefghijklmnopqrstuvwxyz.,_") != strlen(filter))
		return send_error(c, MHD_HTTP_BAD_REQUEST, "invalid",
		                  "events must be a comma-separated list of event names");
	if ((err = srv_pool_get(&ctx, s->pool)) < 0)
		return send_error(c, http_status(err), braid_error_name(err), braid_error_last());
	err = srv_hub_subscribe(&r, s->hub, ctx, c, from, filter);
	srv_pool_put(s->pool, ctx);
	if (err < 0)
		return send_error(c, http_status(err), braid_error_name(err), braid_error_last());
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- calling a method ---- */

static void run_call(srv *s, const char *method, const char *agent, int readonly, json_t *args,
                     braid_api_result *res)
{
	braid_ctx *ctx = NULL;
	int err;

	memset(res, 0, sizeof(*res));
	if ((err = srv_pool_get(&ctx, s->pool)) < 0 ||
	    (agent && (err = braid_ctx_set_agent(ctx, agent)) < 0)) {
		res->code = err;
		res->text = strdup(braid_error_last());
		srv_pool_put(s->pool, ctx);
		return;
	}
	if (braid_api_call(res, ctx, method, args, readonly ? BRAID_API_CALL_READONLY : 0) < 0)
		braid_error_clear();
	srv_pool_put(s->pool, ctx);
}

static void job_run(void *arg)
{
	job *j = arg;
	braid_api_result res;

	run_call(j->s, j->method, j->agent, j->readonly, j->args, &res);
	send_result(j->conn, &res);
	braid_api_result_release(&res);
	MHD_resume_connection(j->conn);
	json_decref(j->args);
	free(j->method);
	free(j->agent);
	free(j);
}

static int is_slow(const braid_api_method *m, const json_t *args)
{
	const json_t *wait = json_object_get(args, "wait");

	if (m && !strcmp(m->name, "intent_declare"))
		return wait && !json_is_null(wait) && !json_is_false(wait) &&
		       !(json_is_number(wait) && !json_number_value(wait));
	return m && (m->flags & (BRAID_API_WORKSPACE | BRAID_API_SLOW));
}

static enum MHD_Result dispatch(srv *s, struct MHD_Connection *c, const char *verb, const char *url,
                                req *rq)
{
	srv_match m;
	const braid_api_method *meth;
	const char *method;
	char *agent = NULL;
	int readonly = 0, err;
	json_t *args = NULL;
	qctx q;
	enum MHD_Result ret;
	size_t i;

	if (!strncmp(url, "/v1/", 4) || !strcmp(url, "/v1")) {
		/* routes below */
	} else if (!strcmp(verb, "GET") || !strcmp(verb, "HEAD")) {
		return serve_asset(c, url);
	} else {
		return send_error(c, MHD_HTTP_NOT_FOUND, "no_route", "no such route");
	}
	if ((err = srv_route_match(&m, verb, url)) < 0) {
		if (err == BRAID_ENOTFOUND && m.path_known) {
			char msg[200];
			snprintf(msg, sizeof(msg), "%s is not allowed here; use %s", verb, m.allow);
			ret = send_json(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			                error_body("method_not_allowed", msg, NULL), NULL, m.allow);
		} else if (err == BRAID_ENOTFOUND) {
			ret = send_error(c, MHD_HTTP_NOT_FOUND, "no_route", m.error);
		} else {
			ret = send_error(c, MHD_HTTP_BAD_REQUEST, "invalid_path", m.error);
		}
		srv_match_release(&m);
		return ret;
	}
	method = m.route->method;
	if (!strcmp(method, "@health")) {
		srv_match_release(&m);
		return send_json(c, MHD_HTTP_OK,
		                 json_pack("{s:b, s:s, s:s}", "ok", 1, "version", BRAID_VERSION,
		                           "root", s->root),
		                 NULL, NULL);
	}
	if ((err = authenticate(s, bearer(c, !strcmp(method, "@events")), &agent, &readonly)) < 0) {
		srv_match_release(&m);
		if (err == BRAID_EDENIED)
			return send_error(c, MHD_HTTP_UNAUTHORIZED, "unauthorized",
			                  bearer(c, 1)
			                      ? "unknown token; use an agent's token from "
			                        ".braid/tokens/NAME"
			                      : "missing bearer token: send 'Authorization: "
			                        "Bearer <token>' (.braid/tokens/NAME)");
		return send_error(c, http_status(err), braid_error_name(err), braid_error_last());
	}
	if (!strcmp(method, "@events")) {
		ret = events_stream(s, c);
		goto done;
	}
	if (!strcmp(method, "@methods")) {
		ret = methods_listing(c);
		goto done;
	}
	if (!strcmp(method, "@rpc"))
		method = m.values[0];
	meth = braid_api_method_find(method);
	if (!meth) {
		char msg[160];
		snprintf(msg, sizeof(msg), "unknown method '%.64s'; GET /v1/methods lists them",
		         method);
		ret = send_error(c, MHD_HTTP_NOT_FOUND, "not_found", msg);
		goto done;
	}
	/* body: a JSON object (or nothing) */
	if (rq->len) {
		json_error_t jerr;
		args = json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, &jerr);
		if (!args) {
			char msg[300];
			snprintf(msg, sizeof(msg),
			         "the body is not valid JSON: %s (line %d, column %d)", jerr.text,
			         jerr.line, jerr.column);
			ret = send_error(c, MHD_HTTP_BAD_REQUEST, "bad_json", msg);
			goto done;
		}
		if (!json_is_object(args)) {
			ret = send_error(c, MHD_HTTP_BAD_REQUEST, "bad_json",
			                 "the body must be a JSON object of arguments");
			goto done;
		}
	} else {
		args = json_object();
	}
	q.schema = braid_api_method_schema(meth);
	q.args = args;
	q.error[0] = '\0';
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_arg, &q);
	if (q.error[0]) {
		ret = send_error(c, MHD_HTTP_BAD_REQUEST, "invalid", q.error);
		goto done;
	}
	for (i = 0; i < m.n; i++) {
		const char *name = m.names[i];
		size_t nlen = strcspn(name, "}");
		if (!strcmp(m.route->method, "@rpc"))
			continue;
		if (put_param(args, q.schema, name, nlen, m.values[i], q.error, sizeof(q.error)) <
		    0) {
			ret = send_error(c, MHD_HTTP_BAD_REQUEST, "invalid", q.error);
			goto done;
		}
	}
	if (s->committer && !readonly && braid_api_batchable(method, args)) {
		srv_call *k = calloc(1, sizeof(*k));
		if (!k || !(k->method = strdup(method))) {
			free(k);
			ret = send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out_of_memory",
			                 "out of memory");
			goto done;
		}
		k->agent = agent;
		agent = NULL;
		k->args = args;
		args = NULL;
		k->conn = c;
		rq->call = k;
		/* Suspended first: the committer may answer before this returns. */
		MHD_suspend_connection(c);
		srv_committer_push(s->committer, k);
		ret = MHD_YES;
		goto done;
	}
	if (is_slow(meth, args)) {
		job *j = calloc(1, sizeof(*j));
		if (!j || !(j->method = strdup(method))) {
			free(j);
			ret = send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out_of_memory",
			                 "out of memory");
			goto done;
		}
		j->s = s;
		j->conn = c;
		j->agent = agent;
		agent = NULL;
		j->readonly = readonly;
		j->args = args;
		args = NULL;
		MHD_suspend_connection(c);
		if (srv_workers_push(s->workers, job_run, j) < 0) {
			/* Out of memory, or shutting down: answer inline. */
			job_run(j);
		}
		ret = MHD_YES;
		goto done;
	}
	{
		braid_api_result res;
		run_call(s, method, agent, readonly, args, &res);
		ret = send_result(c, &res);
		braid_api_result_release(&res);
	}
done:
	json_decref(args);
	free(agent);
	srv_match_release(&m);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *verb, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	srv *s = cls;
	req *rq = *con_cls;

	(void)version;
	if (!rq) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (!(rq = calloc(1, sizeof(*rq))))
			return MHD_NO;
		*con_cls = rq;
		if (cl && strtoull(cl, NULL, 10) > s->max_body)
			rq->too_large = 1; /* answered below, before reading the body */
		else
			return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->too_large && rq->len + *upload_size > s->max_body) {
			rq->too_large = 1;
		} else if (!rq->too_large) {
			if (rq->len + *upload_size + 1 > rq->cap) {
				size_t cap = (rq->len + *upload_size + 1) * 2;
				char *n;
				if (cap > s->max_body + 1)
					cap = s->max_body + 1;
				if (!(n = realloc(rq->body, cap)))
					return MHD_NO;
				rq->body = n;
				rq->cap = cap;
			}
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
		}
		/*
		 * A response cannot be queued while body data is being handed
		 * over: drop the rest of an oversized body and answer 413 at
		 * its end, unless the client keeps sending far past the limit.
		 */
		if (rq->too_large && (rq->dropped += *upload_size) > 8 * s->max_body)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->started) {
		/* Resumed by the group committer: its answer is ready. */
		if (rq->call && srv_call_done(rq->call)) {
			enum MHD_Result ret = send_result(c, &rq->call->result);
			srv_call_free(rq->call);
			rq->call = NULL;
			return ret;
		}
		return MHD_YES;
	}
	rq->started = 1;
	if (rq->too_large) {
		char msg[160];
		snprintf(msg, sizeof(msg), "the body is larger than %zu bytes", s->max_body);
		return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "payload_too_large", msg);
	}
	return dispatch(s, c, verb, url, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq) {
		/* A call is only left here when its answer could not be sent. */
		if (rq->call && srv_call_done(rq->call))
			srv_call_free(rq->call);
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* ---- listening ---- */

static int parse_listen(struct sockaddr_storage *ss, socklen_t *len, char *host, size_t hostsize,
                        const char *spec, int allow_remote)
{
	char buf[300];
	const char *port = NULL;
	struct addrinfo hints, *res = NULL;
	char *h;
	int rc, loop;

	snprintf(buf, sizeof(buf), "%s", spec);
	h = buf;
	if (h[0] == '[') {
		char *end = strchr(h, ']');
		if (!end || end[1] != ':') {
			fprintf(stderr, "error: listen address '%s' should look like [::1]:PORT\n",
			        spec);
			return BRAID_EINVALID;
		}
		*end = '\0';
		h++;
		port = end + 2;
	} else {
		char *colon = strrchr(h, ':');
		if (!colon) {
			fprintf(stderr, "error: listen address '%s' should look like HOST:PORT\n",
			        spec);
			return BRAID_EINVALID;
		}
		*colon = '\0';
		port = colon + 1;
		if (!*h)
			h = "127.0.0.1";
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(h, port, &hints, &res)) != 0) {
		fprintf(stderr, "error: cannot use listen address '%s': %s\n", spec,
		        gai_strerror(rc));
		return BRAID_EINVALID;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		loop = (ntohl(((struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	else
		loop = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)ss)->sin6_addr);
	if (!loop && !allow_remote) {
		fprintf(stderr,
		        "error: '%s' is not a loopback address; braid serves on loopback unless "
		        "you pass --allow-remote (tokens then travel in clear text: put TLS in "
		        "front)\n",
		        spec);
		return BRAID_EDENIED;
	}
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)ss)->sin_addr, host,
		          (socklen_t)hostsize);
	else {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof(a));
		snprintf(host, hostsize, "[%s]", a);
	}
	return 0;
}

int braid_server_run(const char *path, const braid_server_options *o, volatile sig_atomic_t *stop)
{
	srv *s = calloc(1, sizeof(*s));
	braid_ctx *ctx = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	char host[80];
	char *viewer = NULL;
	const union MHD_DaemonInfo *info;
	unsigned threads = o->threads;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int err, i;

	if (!s)
		return BRAID_ENOMEM;
	pthread_mutex_init(&s->auth_lock, NULL);
	s->max_body = o->max_body ? o->max_body : BRAID_SERVER_DEFAULT_MAX_BODY;
	if ((err = parse_listen(&ss, &sslen, host, sizeof(host),
	                        o->listen ? o->listen : BRAID_SERVER_DEFAULT_LISTEN,
	                        o->allow_remote)) < 0)
		goto done;
	if ((err = braid_ctx_open(&ctx, path)) < 0)
		goto done;
	if (!(s->root = strdup(braid_ctx_root(ctx)))) {
		err = BRAID_ENOMEM;
		goto done;
	}
	if ((err = braid_agent_viewer_token(&viewer, ctx)) < 0)
		goto done;
	if (!threads)
		threads = ncpu > 1 ? (unsigned)ncpu * 2 : 2;
	if ((err = srv_pool_new(&s->pool, s->root, threads + (o->workers ? o->workers : 4) + 2)) <
	        0 ||
	    (err = srv_workers_start(&s->workers, o->workers ? o->workers : 4)) < 0 ||
	    (err = srv_hub_start(&s->hub, s->pool, o->poll_ms)) < 0)
		goto done;
	if (o->batch >= 0 && (err = srv_committer_start(&s->committer, s->root,
	                                                o->batch ? (unsigned)o->batch
	                                                         : BRAID_SERVER_DEFAULT_BATCH)) < 0)
		goto done;
	s->d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	        (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
	    0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)16384,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)(64 * 1024), MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)4096,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
	if (!s->d) {
		fprintf(stderr, "error: cannot listen on %s: %s\n",
		        o->listen ? o->listen : BRAID_SERVER_DEFAULT_LISTEN, strerror(errno));
		err = BRAID_ERROR;
		goto done;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	printf("braid serve: listening on http://%s:%u/ (repository %s)\n", host,
	       info ? info->port : 0, s->root);
	printf("dashboard: http://%s:%u/#token=%s\n", host, info ? info->port : 0, viewer);
	(void)fflush(stdout);
	while (!*stop) {
		struct timespec ts = {0, 100 * 1000000L};
		nanosleep(&ts, NULL);
	}
	/* Shut down: no new connections, end event streams, finish slow calls. */
	MHD_quiesce_daemon(s->d);
	srv_hub_close(s->hub);
	srv_workers_stop(s->workers);
	srv_committer_stop(s->committer);
	srv_hub_free(s->hub, 3000);
	s->hub = NULL;
	MHD_stop_daemon(s->d);
	s->d = NULL;
	err = 0;
done:
	/* Freed only once no HTTP thread can still hand them a job. */
	if (s->d)
		MHD_stop_daemon(s->d);
	s->d = NULL;
	srv_workers_free(s->workers);
	srv_committer_stop(s->committer);
	srv_hub_free(s->hub, 0);
	srv_committer_free(s->committer);
	srv_pool_free(s->pool);
	for (i = 0; i < AUTH_CACHE; i++) {
		free(s->auth[i].token);
		free(s->auth[i].agent);
	}
	pthread_mutex_destroy(&s->auth_lock);
	free(s->root);
	free(viewer);
	braid_ctx_free(ctx);
	free(s);
	return err;
}
