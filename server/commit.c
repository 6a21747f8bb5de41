/*
 * commit.c: the daemon's group committer. HTTP threads hand intent
 * declarations (without wait), releases and renewals to one committer
 * thread, which has its own braid context: it takes everything queued (up
 * to a batch size), runs it as one braid_api_call_batch (one lock
 * transaction for all of them, in arrival order) and hands each call its
 * answer by resuming the suspended connection. Under load the queue fills
 * while a batch runs, so batches grow by themselves; a lone request is
 * taken at once (no timer).
 *
 * A second thread, the checkpointer, runs the WAL checkpoints of the
 * committer's transactions (PASSIVE, with a context of its own) every
 * CHECKPOINT_MS while batches commit, so the committer never stops for one
 * (a checkpoint copies thousands of pages and waits for an fsync: tens of
 * ms, during which every queued request waited). The WAL only starts over
 * when a write transaction begins with all of it checkpointed, which a
 * committer that never pauses would not do: once the WAL is long
 * (DRAIN_FRAMES), the committer pauses before its next batch until one more
 * checkpoint has caught up, and its next transaction starts the WAL over.
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "braid/api.h"
#include "braid/common.h"
#include "braid/intent.h"

#define CHECKPOINT_MS 50
#ifndef DRAIN_FRAMES
#define DRAIN_FRAMES 32768 /* the WAL (4 KiB frames) starts over at about 128 MiB */
#endif

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
	unsigned long long nbatches, ncalls, largest, ndrains;
	/* the checkpointer */
	pthread_t ck_thread;
	int ck_started;
	braid_ctx *ck_ctx;
	pthread_cond_t ck_cond; /* it waits here: its period, a drain, the end */
	pthread_cond_t drained; /* the committer waits here while draining */
	int drain;              /* the WAL is long: let it start over */
	int draining;           /* the committer pauses for the catching-up checkpoint */
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
		if (c->drain && c->ck_started && !c->stopping) {
			/* Let one checkpoint catch up, so this batch starts the WAL over. */
			c->draining = 1;
			c->ndrains++;
			pthread_cond_signal(&c->ck_cond);
			while (c->draining && !c->stopping)
				pthread_cond_wait(&c->drained, &c->lock);
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
		pthread_mutex_lock(&c->lock);
		c->nbatches++;
		c->ncalls += n;
		if (n > c->largest)
			c->largest = n;
		pthread_mutex_unlock(&c->lock);
		for (i = 0; i < n; i++) {
			c->calls[i]->result = c->items[i].result;
			answer(c->calls[i]);
		}
	}
	return NULL;
}

static void *checkpointer_main(void *arg)
{
	srv_committer *c = arg;
	unsigned long long seen = 0;

	pthread_mutex_lock(&c->lock);
	while (!c->stopping) {
		int draining, log = 0, done = 0;

		if (!c->draining) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += CHECKPOINT_MS * 1000000L;
			until.tv_sec += until.tv_nsec / 1000000000L;
			until.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&c->ck_cond, &c->lock, &until);
		}
		if (c->stopping)
			break;
		draining = c->draining;
		if (!draining && c->nbatches == seen)
			continue; /* nothing committed since */
		seen = c->nbatches;
		pthread_mutex_unlock(&c->lock);
		if (braid_intent_checkpoint(c->ck_ctx, &log, &done) < 0)
			braid_error_clear();
		pthread_mutex_lock(&c->lock);
		if (draining) {
			c->draining = 0;
			c->drain = 0;
			pthread_cond_broadcast(&c->drained);
		} else if (log >= DRAIN_FRAMES) {
			c->drain = 1;
		}
	}
	pthread_mutex_unlock(&c->lock);
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
	pthread_cond_init(&c->ck_cond, NULL);
	pthread_cond_init(&c->drained, NULL);
	c->max_batch = max_batch ? max_batch : 1;
	if (!(c->items = calloc(c->max_batch, sizeof(*c->items))) ||
	    !(c->calls = calloc(c->max_batch, sizeof(*c->calls)))) {
		srv_committer_free(c);
		return BRAID_ENOMEM;
	}
	if ((err = braid_ctx_open(&c->ctx, root)) < 0 ||
	    (err = braid_ctx_open(&c->ck_ctx, root)) < 0) {
		srv_committer_free(c);
		return err;
	}
	/* Checkpoints are the checkpointer's (if it cannot start, the committer's own). */
	if (pthread_create(&c->ck_thread, NULL, checkpointer_main, c) == 0) {
		c->ck_started = 1;
		braid_intent_set_own_checkpoints(c->ctx, 0);
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
	int join, ck;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = 1;
	join = c->started;
	c->started = 0;
	ck = c->ck_started;
	c->ck_started = 0;
	pthread_cond_broadcast(&c->cond);
	pthread_cond_broadcast(&c->ck_cond);
	pthread_cond_broadcast(&c->drained);
	pthread_mutex_unlock(&c->lock);
	/* The committer answers what is queued before it ends. */
	if (join)
		pthread_join(c->thread, NULL);
	if (ck)
		pthread_join(c->ck_thread, NULL);
}

void srv_committer_free(srv_committer *c)
{
	if (!c)
		return;
	srv_committer_stop(c);
	if (getenv("BRAID_SERVE_STATS"))
		fprintf(stderr,
		        "braid serve: group commit: %llu calls in %llu batches (largest %llu), "
		        "%llu WAL restarts\n",
		        c->ncalls, c->nbatches, c->largest, c->ndrains);
	braid_ctx_free(c->ctx);
	braid_ctx_free(c->ck_ctx);
	free(c->items);
	free(c->calls);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	pthread_cond_destroy(&c->ck_cond);
	pthread_cond_destroy(&c->drained);
	free(c);
}
