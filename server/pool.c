/*
 * pool.c: the daemon's braid contexts and its slow-method workers. A braid
 * context serves one thread at a time, so a request borrows one from the
 * pool and gives it back; contexts are opened lazily and at most
 * `max_idle` are kept. Slow methods (submit, update, resolve) run on
 * worker threads so an HTTP thread never waits on the landing queue.
 */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include "braid/common.h"

struct srv_pool {
	pthread_mutex_t lock;
	char *root;
	braid_ctx **idle;
	size_t nidle, max_idle;
};

int srv_pool_new(srv_pool **out, const char *root, size_t max_idle)
{
	srv_pool *p = calloc(1, sizeof(*p));

	if (!p || !(p->root = strdup(root)) || !(p->idle = calloc(max_idle, sizeof(*p->idle)))) {
		if (p)
			free(p->root);
		free(p);
		return BRAID_ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	p->max_idle = max_idle;
	*out = p;
	return 0;
}

int srv_pool_get(braid_ctx **ctx, srv_pool *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->nidle) {
		*ctx = p->idle[--p->nidle];
		pthread_mutex_unlock(&p->lock);
		return 0;
	}
	pthread_mutex_unlock(&p->lock);
	return braid_ctx_open(ctx, p->root);
}

void srv_pool_put(srv_pool *p, braid_ctx *ctx)
{
	if (!ctx)
		return;
	/* The next borrower sets its own agent; never leave one behind. */
	if (braid_ctx_clear_agent(ctx) < 0) {
		braid_ctx_free(ctx);
		return;
	}
	pthread_mutex_lock(&p->lock);
	if (p->nidle < p->max_idle) {
		p->idle[p->nidle++] = ctx;
		ctx = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	braid_ctx_free(ctx);
}

void srv_pool_free(srv_pool *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nidle; i++)
		braid_ctx_free(p->idle[i]);
	pthread_mutex_destroy(&p->lock);
	free(p->idle);
	free(p->root);
	free(p);
}

/* ---- workers ---- */

typedef struct job {
	srv_job_fn fn;
	void *arg;
	struct job *next;
} job;

struct srv_workers {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	job *head, *tail;
	int stopping;
	pthread_t *threads;
	unsigned n;
};

static void *worker_main(void *arg)
{
	srv_workers *w = arg;

	for (;;) {
		job *j;
		pthread_mutex_lock(&w->lock);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->head) {
			pthread_mutex_unlock(&w->lock);
			return NULL;
		}
		j = w->head;
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&w->lock);
		j->fn(j->arg);
		free(j);
	}
}

int srv_workers_start(srv_workers **out, unsigned n)
{
	srv_workers *w = calloc(1, sizeof(*w));
	unsigned i;

	if (!w || !(w->threads = calloc(n, sizeof(*w->threads)))) {
		free(w);
		return BRAID_ENOMEM;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	for (i = 0; i < n; i++) {
		if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0)
			break;
		w->n++;
	}
	if (!w->n) {
		srv_workers_free(w);
		return BRAID_ERROR;
	}
	*out = w;
	return 0;
}

int srv_workers_push(srv_workers *w, srv_job_fn fn, void *arg)
{
	job *j = calloc(1, sizeof(*j));

	if (!j)
		return BRAID_ENOMEM;
	j->fn = fn;
	j->arg = arg;
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		/* Shutting down: the caller runs the job itself. */
		pthread_mutex_unlock(&w->lock);
		free(j);
		return BRAID_EBUSY;
	}
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void srv_workers_stop(srv_workers *w)
{
	unsigned i, n;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	n = w->n;
	w->n = 0;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	for (i = 0; i < n; i++)
		pthread_join(w->threads[i], NULL);
}

void srv_workers_free(srv_workers *w)
{
	if (!w)
		return;
	srv_workers_stop(w);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w->threads);
	free(w);
}
