/*
 * commit.c: the daemon's group committer. HTTP threads hand intent
 * declarations (without wait), releases and renewals to one committer
 * thread, which has its own braid context: it takes everything queued (up
 * to a batch size), runs it as one braid_api_call_batch (one lock
 * transaction for all of them, in arrival order) and hands each call its
 * answer by resuming the suspended connection. Under load the queue fills
 * while a batch runs, so batches grow by themselves; a lone request is
 * taken at once (no timer).
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braid/api.h"
#include "braid/common.h"

struct srv_committer {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	srv_call *head, *tail;
	int stopping;
	pthread_t thread;
	int started;
	braid_ctx *ctx; /* the committer's own */
	unsigned max_batch;
	braid_api_batch_item *items; /* max_batch of each, reused */
	srv_call **calls;
	/* what it did (BRAID_SERVE_STATS=1 prints it at the end) */
	unsigned long long nbatches, ncalls, largest;
};

void srv_call_free(srv_call *k)
{
	if (!k)
		return;
	braid_api_result_release(&k->result);
	json_decref(k->args);
	free(k->method);
	free(k->agent);
	free(k);
}

int srv_call_done(srv_call *k)
{
	return __atomic_load_n(&k->done, __ATOMIC_ACQUIRE);
}

/* Hand a call its answer: the connection's thread takes it from there. */
static void answer(srv_call *k)
{
	struct MHD_Connection *conn = k->conn;

	/* After this store the call belongs to the connection again. */
	__atomic_store_n(&k->done, 1, __ATOMIC_RELEASE);
	MHD_resume_connection(conn);
}

static void *committer_main(void *arg)
{
	srv_committer *c = arg;

	for (;;) {
		size_t n = 0, i;
		int err;

		pthread_mutex_lock(&c->lock);
		while (!c->head && !c->stopping)
			pthread_cond_wait(&c->cond, &c->lock);
		if (!c->head) {
			pthread_mutex_unlock(&c->lock);
			break;
		}
		/* Everything queued, oldest first, up to the batch size. */
		while (c->head && n < c->max_batch) {
			c->calls[n] = c->head;
			c->head = c->head->next;
			c->calls[n++]->next = NULL;
		}
		if (!c->head)
			c->tail = NULL;
		pthread_mutex_unlock(&c->lock);
		for (i = 0; i < n; i++) {
			memset(&c->items[i], 0, sizeof(c->items[i]));
			c->items[i].method = c->calls[i]->method;
			c->items[i].agent = c->calls[i]->agent;
			c->items[i].args = c->calls[i]->args;
			c->items[i].flags = c->calls[i]->readonly ? BRAID_API_CALL_READONLY : 0;
		}
		if ((err = braid_api_call_batch(c->ctx, c->items, n)) < 0) {
			for (i = 0; i < n; i++) {
				c->items[i].result.code = err;
				c->items[i].result.text = strdup(braid_error_last());
			}
		}
		braid_error_clear();
		c->nbatches++;
		c->ncalls += n;
		if (n > c->largest)
			c->largest = n;
		for (i = 0; i < n; i++) {
			c->calls[i]->result = c->items[i].result;
			answer(c->calls[i]);
		}
	}
	return NULL;
}

int srv_committer_start(srv_committer **out, const char *root, unsigned max_batch)
{
	srv_committer *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return BRAID_ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->max_batch = max_batch ? max_batch : 1;
	if (!(c->items = calloc(c->max_batch, sizeof(*c->items))) ||
	    !(c->calls = calloc(c->max_batch, sizeof(*c->calls)))) {
		srv_committer_free(c);
		return BRAID_ENOMEM;
	}
	if ((err = braid_ctx_open(&c->ctx, root)) < 0) {
		srv_committer_free(c);
		return err;
	}
	if (pthread_create(&c->thread, NULL, committer_main, c) != 0) {
		srv_committer_free(c);
		return BRAID_ERROR;
	}
	c->started = 1;
	*out = c;
	return 0;
}

void srv_committer_push(srv_committer *c, srv_call *k)
{
	k->next = NULL;
	pthread_mutex_lock(&c->lock);
	if (c->stopping) {
		/* Shutting down: nobody will take it. */
		pthread_mutex_unlock(&c->lock);
		k->result.code = BRAID_EBUSY;
		k->result.text = strdup("braid serve is stopping; try again later");
		answer(k);
		return;
	}
	if (c->tail)
		c->tail->next = k;
	else
		c->head = k;
	c->tail = k;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

void srv_committer_stop(srv_committer *c)
{
	int join;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = 1;
	join = c->started;
	c->started = 0;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	/* The thread answers what is queued before it ends. */
	if (join)
		pthread_join(c->thread, NULL);
}

void srv_committer_free(srv_committer *c)
{
	if (!c)
		return;
	srv_committer_stop(c);
	if (getenv("BRAID_SERVE_STATS"))
		fprintf(stderr,
		        "braid serve: group commit: %llu calls in %llu batches (largest %llu)\n",
		        c->ncalls, c->nbatches, c->largest);
	braid_ctx_free(c->ctx);
	free(c->items);
	free(c->calls);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}
