/*
 * server.h: `braid serve`, the HTTP/JSON front (libmicrohttpd). The daemon
 * maps routes under /v1/ to the methods of include/braid/api.h, streams
 * events derived from the op log as server-sent events, and serves the
 * dashboard. It holds no braid logic: contexts come from a pool (a braid
 * context is used by one thread at a time), every answer comes from
 * braid_api_call.
 *
 * Files: http.c (daemon, requests, auth, errors), routes.c (the route
 * table), events.c (the event hub and SSE streams), pool.c (contexts and
 * the workers that run slow methods), commit.c (the group committer of
 * intent calls), assets (the embedded dashboard).
 */
#ifndef BRAID_SERVER_H
#define BRAID_SERVER_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "braid/api.h"
#include "braid/ctx.h"

typedef struct braid_server_options {
	const char *listen; /* "127.0.0.1:7420" (default), "[::1]:0", "localhost:8080" */
	int allow_remote;   /* accept a non-loopback listen address */
	size_t max_body;    /* request body limit in bytes (default 1 MiB) */
	unsigned threads;   /* HTTP threads (default: 2 x CPUs, at least 2) */
	unsigned workers;   /* threads for slow methods: submit, update, resolve (default 4) */
	int poll_ms;        /* op-log poll interval of the event hub (default 50) */
	/*
	 * Group commit: the most intent declarations/releases/renewals one lock
	 * transaction takes (default 256); -1 turns the committer off (each
	 * call runs on its HTTP thread, one transaction each).
	 */
	int batch;
} braid_server_options;

#define BRAID_SERVER_DEFAULT_BATCH 256

#define BRAID_SERVER_DEFAULT_LISTEN   "127.0.0.1:7420"
#define BRAID_SERVER_DEFAULT_MAX_BODY (1u << 20)

/*
 * Serve the repository containing `path` until *stop becomes nonzero (a
 * signal handler sets it). Prints "listening on URL" and the dashboard URL
 * to stdout once ready. Returns 0, or a braid error code when the server
 * could not start (message in braid_error_last()).
 */
int braid_server_run(const char *path, const braid_server_options *opts,
                     volatile sig_atomic_t *stop);

/* ---- inside the server ---- */

/* A pool of contexts on one repository. */
typedef struct srv_pool srv_pool;
int srv_pool_new(srv_pool **out, const char *root, size_t max_idle);
int srv_pool_get(braid_ctx **ctx, srv_pool *p);
void srv_pool_put(srv_pool *p, braid_ctx *ctx);
void srv_pool_free(srv_pool *p);

/* Threads that run slow methods for suspended connections. */
typedef struct srv_workers srv_workers;
typedef void (*srv_job_fn)(void *job);
int srv_workers_start(srv_workers **out, unsigned n);
int srv_workers_push(srv_workers *w, srv_job_fn fn, void *job);
/* Runs what is queued, then joins; later pushes fail (EBUSY) and the caller runs the job. */
void srv_workers_stop(srv_workers *w);
void srv_workers_free(srv_workers *w); /* stops, then frees */

/*
 * The group committer (commit.c): one thread with its own context that runs
 * the queued intent calls in batches (braid_api_call_batch) and resumes
 * each call's suspended connection with its answer.
 */
typedef struct srv_call {
	char *method, *agent; /* owned */
	int readonly;
	json_t *args; /* owned */
	struct MHD_Connection *conn;
	braid_api_result result; /* the answer, once done */
	int done; /* set (atomically) by the committer, then the connection resumes */
	struct srv_call *next;
} srv_call;

typedef struct srv_committer srv_committer;
int srv_committer_start(srv_committer **out, const char *root, unsigned max_batch);
/* Queue a call whose connection is suspended; it is resumed with call->done set. */
void srv_committer_push(srv_committer *c, srv_call *call);
/* Answers what is queued, then stops; later calls are answered "stopping" at once. */
void srv_committer_stop(srv_committer *c);
void srv_committer_free(srv_committer *c); /* after the HTTP threads are gone */
int srv_call_done(srv_call *call);
void srv_call_free(srv_call *call);

/* The event hub: follows the op log and feeds SSE streams. */
typedef struct srv_hub srv_hub;
int srv_hub_start(srv_hub **out, srv_pool *pool, int poll_ms);
/* Begin shutdown: streams end, suspended connections are resumed. */
void srv_hub_close(srv_hub *h);
/* Wait (up to `ms`) for every stream to end, then stop the poller and free. */
void srv_hub_free(srv_hub *h, int ms);
/*
 * A response streaming events to `conn`: replay after `after_seq` (-1: from
 * now), only the named events when `filter` (comma-separated) is not NULL.
 */
int srv_hub_subscribe(struct MHD_Response **out, srv_hub *h, braid_ctx *ctx,
                      struct MHD_Connection *conn, int64_t after_seq, const char *filter);
size_t srv_hub_subscribers(srv_hub *h);

/* Routes. */
typedef struct srv_route {
	const char *verb;    /* "GET", "POST", "DELETE", "PUT" */
	const char *pattern; /* "/v1/conflicts/{id}/resolve" */
	const char *method; /* api method, or a special: "@events", "@methods", "@rpc", "@health" */
} srv_route;

#define SRV_MAX_PARAMS 4
typedef struct srv_match {
	const srv_route *route;
	const char *names[SRV_MAX_PARAMS];
	char *values[SRV_MAX_PARAMS]; /* owned */
	size_t n;
	int path_known;  /* the path matched some route (for 405 vs 404) */
	char allow[64];  /* verbs the path accepts, for 405 */
	char error[300]; /* why nothing matched */
} srv_match;

/* Find the route for verb + url. Returns 0, or a braid error with m->error set. */
int srv_route_match(srv_match *m, const char *verb, const char *url);
void srv_match_release(srv_match *m);
/* Every route, for docs and the methods listing. */
const srv_route *srv_routes(size_t *n);

/* Embedded dashboard files (generated from server/dashboard/ at build time). */
typedef struct srv_asset {
	const char *path; /* "/", "/dashboard.js" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t size;
} srv_asset;
const srv_asset *srv_asset_find(const char *path);

#endif
