/*
 * events.c: the event hub behind GET /v1/events. One thread follows the op
 * log (braid_api_events after the last seq it saw, every poll interval),
 * turns each event into a server-sent-events frame and keeps the newest
 * frames in a ring. Each stream is an MHD response whose reader copies
 * the frames it has not sent yet; with nothing to send it suspends its
 * connection, and the hub resumes it when frames arrive (or every 15 s for
 * a keep-alive comment, which is also how a gone client is noticed).
 * While no stream listens it only keeps up with the newest seq: a stream
 * that joins replays what it missed from the op log anyway. Because the feed is the op log, events
 * from CLI processes and MCP servers show up the same as the daemon's own.
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "braid/api.h"
#include "braid/common.h"
#include "braid/op.h"

#define RING           4096 /* frames kept for streams that fall behind */
#define HEARTBEAT_MS   15000
#define MAX_OUT        65536 /* bytes gathered per reader call */
#define CATCHUP_EVENTS 5000  /* at most this many replayed on subscribe */

typedef struct frame {
	int64_t seq;
	char *event;
	char *text; /* the whole SSE frame */
	size_t len;
} frame;

typedef struct sub {
	struct srv_hub *hub;
	struct MHD_Connection *conn;
	uint64_t next;  /* index of the next ring frame to send */
	uint64_t beats; /* heartbeats already sent */
	int suspended;
	char *filter; /* ",landed,conflicted," or NULL */
	char *out;    /* bytes gathered but not yet handed to MHD */
	size_t outlen, outoff;
	struct sub *prev, *nextsub;
} sub;

struct srv_hub {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	frame ring[RING];
	uint64_t nframes; /* frames ever published; ring[i % RING] */
	int64_t last_seq;
	uint64_t beats;
	int closing, stop;
	sub *subs;
	size_t nsubs;
	size_t joining; /* streams between reading last_seq and joining the list */
	srv_pool *pool;
	int poll_ms;
	pthread_t thread;
	int started;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *format_frame(size_t *len, const json_t *ev)
{
	const char *name = json_string_value(json_object_get(ev, "event"));
	char *data = json_dumps(json_object_get(ev, "data"), JSON_COMPACT);
	size_t n;
	char *text;

	if (!data || !name) {
		free(data);
		return NULL;
	}
	n = strlen(data) + strlen(name) + 64;
	if ((text = malloc(n)))
		*len = (size_t)snprintf(text, n, "id: %lld\nevent: %s\ndata: %s\n\n",
		                        (long long)json_integer_value(json_object_get(ev, "seq")),
		                        name, data);
	free(data);
	return text;
}

static int wants(const sub *s, const char *event)
{
	char key[80];

	if (!s->filter)
		return 1;
	snprintf(key, sizeof(key), ",%.70s,", event);
	return strstr(s->filter, key) != NULL;
}

/* Wake every suspended stream. Called with the lock held. */
static void wake_all(srv_hub *h)
{
	sub *s;

	for (s = h->subs; s; s = s->nextsub) {
		if (s->suspended) {
			s->suspended = 0;
			MHD_resume_connection(s->conn);
		}
	}
}

static void publish(srv_hub *h, json_t *events, int64_t last)
{
	size_t i;

	pthread_mutex_lock(&h->lock);
	for (i = 0; i < json_array_size(events); i++) {
		json_t *ev = json_array_get(events, i);
		frame *f = &h->ring[h->nframes % RING];
		size_t len = 0;
		char *text = format_frame(&len, ev);
		if (!text)
			continue;
		free(f->text);
		free(f->event);
		f->text = text;
		f->len = len;
		f->seq = json_integer_value(json_object_get(ev, "seq"));
		f->event = strdup(json_string_value(json_object_get(ev, "event")));
		h->nframes++;
	}
	h->last_seq = last;
	wake_all(h);
	pthread_mutex_unlock(&h->lock);
}

static void *hub_main(void *arg)
{
	srv_hub *h = arg;
	int64_t next_beat = now_ms() + HEARTBEAT_MS;

	for (;;) {
		braid_ctx *ctx = NULL;
		json_t *events = NULL;
		int64_t after, last = 0;
		struct timespec until;

		int listened;

		pthread_mutex_lock(&h->lock);
		if (h->stop) {
			pthread_mutex_unlock(&h->lock);
			break;
		}
		after = h->last_seq;
		listened = h->nsubs || h->joining;
		pthread_mutex_unlock(&h->lock);

		if (srv_pool_get(&ctx, h->pool) == 0) {
			if (listened) {
				if (braid_api_events(&events, &last, ctx, after, 1000) == 0 &&
				    json_array_size(events))
					publish(h, events, last);
			} else if (braid_op_last_seq(&last, ctx) == 0) {
				/*
				 * Nobody listens: no frames to make (a stream that joins
				 * replays from the op log up to last_seq), only keep up.
				 */
				pthread_mutex_lock(&h->lock);
				if (!h->nsubs && !h->joining && last > h->last_seq)
					h->last_seq = last;
				pthread_mutex_unlock(&h->lock);
			}
			json_decref(events);
			srv_pool_put(h->pool, ctx);
		}
		pthread_mutex_lock(&h->lock);
		if (now_ms() >= next_beat) {
			h->beats++;
			wake_all(h);
			next_beat = now_ms() + HEARTBEAT_MS;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)h->poll_ms * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		if (!h->stop)
			pthread_cond_timedwait(&h->cond, &h->lock, &until);
		pthread_mutex_unlock(&h->lock);
	}
	return NULL;
}

int srv_hub_start(srv_hub **out, srv_pool *pool, int poll_ms)
{
	srv_hub *h = calloc(1, sizeof(*h));
	braid_ctx *ctx = NULL;
	int err;

	if (!h)
		return BRAID_ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	h->pool = pool;
	h->poll_ms = poll_ms > 0 ? poll_ms : 50;
	if ((err = srv_pool_get(&ctx, pool)) < 0 ||
	    (err = braid_op_last_seq(&h->last_seq, ctx)) < 0) {
		srv_pool_put(pool, ctx);
		srv_hub_free(h, 0);
		return err;
	}
	srv_pool_put(pool, ctx);
	if (pthread_create(&h->thread, NULL, hub_main, h) != 0) {
		srv_hub_free(h, 0);
		return BRAID_ERROR;
	}
	h->started = 1;
	*out = h;
	return 0;
}

void srv_hub_close(srv_hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->closing = 1;
	wake_all(h);
	pthread_mutex_unlock(&h->lock);
}

size_t srv_hub_subscribers(srv_hub *h)
{
	size_t n;

	pthread_mutex_lock(&h->lock);
	n = h->nsubs;
	pthread_mutex_unlock(&h->lock);
	return n;
}

void srv_hub_free(srv_hub *h, int ms)
{
	int64_t until = now_ms() + ms;
	size_t i;

	if (!h)
		return;
	srv_hub_close(h);
	while (ms > 0 && srv_hub_subscribers(h) && now_ms() < until) {
		struct timespec ts = {0, 10 * 1000000L};
		srv_hub_close(h);
		nanosleep(&ts, NULL);
	}
	pthread_mutex_lock(&h->lock);
	h->stop = 1;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	if (h->started)
		pthread_join(h->thread, NULL);
	for (i = 0; i < RING; i++) {
		free(h->ring[i].text);
		free(h->ring[i].event);
	}
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h);
}

/* Append to the stream's pending output. Called with the lock held (or before it is shared). */
static int out_append(sub *s, const char *text, size_t len)
{
	char *n = realloc(s->out, s->outlen + len + 1);

	if (!n)
		return -1;
	memcpy(n + s->outlen, text, len);
	s->out = n;
	s->outlen += len;
	n[s->outlen] = '\0';
	return 0;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	sub *s = cls;
	srv_hub *h = s->hub;
	size_t n;

	(void)pos;
	pthread_mutex_lock(&h->lock);
	if (s->outoff == s->outlen) {
		s->outoff = s->outlen = 0;
		if (h->nframes > RING && s->next < h->nframes - RING) {
			/* Fell too far behind: say so; the client reloads state. */
			char note[160];
			int k = snprintf(note, sizeof(note),
			                 "event: lagged\ndata: {\"missed\": %llu}\n\n",
			                 (unsigned long long)(h->nframes - RING - s->next));
			out_append(s, note, (size_t)k);
			s->next = h->nframes - RING;
		}
		while (s->next < h->nframes && s->outlen < MAX_OUT) {
			frame *f = &h->ring[s->next % RING];
			if (wants(s, f->event))
				out_append(s, f->text, f->len);
			s->next++;
		}
		if (!s->outlen && s->beats < h->beats) {
			out_append(s, ": keep-alive\n\n", 14);
			s->beats = h->beats;
		}
	}
	if (s->outoff == s->outlen) {
		if (h->closing) {
			pthread_mutex_unlock(&h->lock);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		s->suspended = 1;
		MHD_suspend_connection(s->conn);
		pthread_mutex_unlock(&h->lock);
		return 0;
	}
	n = s->outlen - s->outoff;
	if (n > max)
		n = max;
	memcpy(buf, s->out + s->outoff, n);
	s->outoff += n;
	pthread_mutex_unlock(&h->lock);
	return (ssize_t)n;
}

static void reader_free(void *cls)
{
	sub *s = cls;
	srv_hub *h = s->hub;

	pthread_mutex_lock(&h->lock);
	if (s->prev)
		s->prev->nextsub = s->nextsub;
	else if (h->subs == s)
		h->subs = s->nextsub;
	if (s->nextsub)
		s->nextsub->prev = s->prev;
	h->nsubs--;
	pthread_mutex_unlock(&h->lock);
	free(s->filter);
	free(s->out);
	free(s);
}

int srv_hub_subscribe(struct MHD_Response **out, srv_hub *h, braid_ctx *ctx,
                      struct MHD_Connection *conn, int64_t after_seq, const char *filter)
{
	sub *s = calloc(1, sizeof(*s));
	json_t *events = NULL;
	struct MHD_Response *resp;
	int64_t upto, last = 0;
	uint64_t start;
	char hello[200];
	size_t i;
	int err = 0, k;

	if (!s)
		return BRAID_ENOMEM;
	s->hub = h;
	s->conn = conn;
	if (filter && *filter) {
		size_t n = strlen(filter) + 3;
		if (!(s->filter = malloc(n))) {
			free(s);
			return BRAID_ENOMEM;
		}
		snprintf(s->filter, n, ",%s,", filter);
	}
	/* Where the live feed starts for this stream; replay up to there from the op log. */
	pthread_mutex_lock(&h->lock);
	upto = h->last_seq;
	start = h->nframes;
	s->beats = h->beats;
	h->joining++; /* from now on the hub publishes frames */
	pthread_mutex_unlock(&h->lock);

	k = snprintf(hello, sizeof(hello),
	             "retry: 2000\nevent: hello\ndata: {\"last_seq\": %lld}\n\n", (long long)upto);
	out_append(s, hello, (size_t)k);
	if (after_seq >= 0 && after_seq < upto) {
		if ((err = braid_api_events(&events, &last, ctx, after_seq, CATCHUP_EVENTS)) < 0)
			goto fail;
		for (i = 0; i < json_array_size(events); i++) {
			json_t *ev = json_array_get(events, i);
			size_t len = 0;
			char *text;
			if (json_integer_value(json_object_get(ev, "seq")) > upto ||
			    !wants(s, json_string_value(json_object_get(ev, "event"))))
				continue;
			if ((text = format_frame(&len, ev))) {
				out_append(s, text, len);
				free(text);
			}
		}
		json_decref(events);
		events = NULL;
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, reader, s, reader_free);
	if (!resp) {
		err = BRAID_ENOMEM;
		goto fail;
	}
	pthread_mutex_lock(&h->lock);
	/* Frames published since `start` are in the ring: send them live. */
	s->next = start;
	s->nextsub = h->subs;
	if (h->subs)
		h->subs->prev = s;
	h->subs = s;
	h->nsubs++;
	h->joining--;
	pthread_mutex_unlock(&h->lock);
	*out = resp;
	return 0;
fail:
	pthread_mutex_lock(&h->lock);
	h->joining--;
	pthread_mutex_unlock(&h->lock);
	json_decref(events);
	free(s->filter);
	free(s->out);
	free(s);
	return err;
}
