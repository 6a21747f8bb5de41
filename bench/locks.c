/*
 * locks.c: the lock benchmark behind bench/locks. N agents (threads, each
 * with its own braid context and SQLite connection, or its own HTTP
 * connection to etcd) repeat acquire+release pairs for a fixed time and we
 * report pairs per second and the p50/p99 latency of one pair.
 *
 *   bench_locks setup REPO NAGENTS           create a braid repo with agents a0..aN-1
 *   bench_locks braid REPO N SECONDS [shared]
 *   bench_locks etcd URL N SECONDS [shared]
 *
 * braid: L4 intent on a file (one per agent, or one shared file with
 * "shared", waiting in braid's FIFO line), released right away; each pair
 * is two IMMEDIATE transactions and two ops (intent.grant, intent.release,
 * sealed by later signed ops). etcd: the same lease-bound exclusive key through the v3
 * JSON gateway: one lease per agent granted up front (as etcd's
 * concurrency.Session), acquire = txn(create_revision == 0 -> put with the
 * lease), release = delete; "shared" retries a failed acquire after 1 ms.
 * Output: one line "system agents target pairs/s p50_us p99_us errors".
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "braid/agent.h"
#include "braid/ctx.h"
#include "braid/intent.h"

#include "benchutil.h"

typedef struct worker {
	pthread_t th;
	int id;
	const char *where; /* repo or URL */
	int shared;
	int64_t until;
	bench_samples lat; /* pair latencies (us) */
	long errors;
	pthread_barrier_t *start;
} worker;

/* --- braid ------------------------------------------------------------------ */

static void *braid_worker(void *arg)
{
	worker *w = arg;
	braid_ctx *ctx = NULL;
	char name[32], target[64];
	const char *t = target;
	braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;

	snprintf(name, sizeof(name), "a%d", w->id);
	if (w->shared)
		snprintf(target, sizeof(target), "bench/shared.c");
	else
		snprintf(target, sizeof(target), "bench/f%d.c", w->id);
	if (braid_ctx_open(&ctx, w->where) < 0 || braid_ctx_set_agent(ctx, name) < 0) {
		fprintf(stderr, "agent %s: %s\n", name, braid_error_last());
		w->errors++;
		pthread_barrier_wait(w->start);
		return NULL;
	}
	o.level = BRAID_INTENT_L4;
	o.wait_ms = w->shared ? 600000 : 0;
	pthread_barrier_wait(w->start);
	while (bench_now_us() < w->until) {
		braid_intent_result *r = NULL;
		int64_t t0 = bench_now_us();
		if (braid_intent_acquire(&r, ctx, &t, 1, &o) < 0 ||
		    braid_intent_release(NULL, ctx, &t, 1) < 0) {
			w->errors++;
			braid_intent_result_free(r);
			continue;
		}
		bench_samples_add(&w->lat, bench_now_us() - t0);
		braid_intent_result_free(r);
	}
	braid_ctx_free(ctx);
	return NULL;
}

/* --- etcd (v3 JSON gateway) -------------------------------------------------- */

typedef struct rbuf {
	char data[4096];
	size_t len;
} rbuf;

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
	rbuf *b = ud;
	size_t l = sz * n, room = sizeof(b->data) - 1 - b->len;
	memcpy(b->data + b->len, p, l < room ? l : room);
	b->len += l < room ? l : room;
	b->data[b->len] = '\0';
	return l;
}

static int post(CURL *c, const char *url, const char *path, const char *body, rbuf *out)
{
	char full[512];
	long code = 0;

	snprintf(full, sizeof(full), "%s%s", url, path);
	out->len = 0;
	out->data[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, full);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(c) != CURLE_OK)
		return -1;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	return code == 200 ? 0 : -1;
}

static void *etcd_worker(void *arg)
{
	worker *w = arg;
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	char key[64], k64[128], val64[64], body[1024], del[256], lease[64] = "";
	rbuf rb;

	snprintf(key, sizeof(key), w->shared ? "/locks/bench/shared.c" : "/locks/bench/f%d.c",
	         w->id);
	bench_b64(k64, key);
	snprintf(body, sizeof(body), "a%d", w->id);
	bench_b64(val64, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &rb);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* One lease per agent, like etcd's concurrency.Session. */
	if (post(c, w->where, "/v3/lease/grant", "{\"TTL\": 600}", &rb) == 0) {
		json_t *j = json_loads(rb.data, 0, NULL);
		const char *id = json_string_value(json_object_get(j, "ID"));
		if (id)
			snprintf(lease, sizeof(lease), "%s", id);
		json_decref(j);
	}
	if (!*lease) {
		fprintf(stderr, "etcd lease grant failed: %s\n", rb.data);
		w->errors++;
		pthread_barrier_wait(w->start);
		goto out;
	}
	snprintf(body, sizeof(body),
	         "{\"compare\":[{\"key\":\"%s\",\"target\":\"CREATE\",\"result\":\"EQUAL\","
	         "\"create_revision\":\"0\"}],\"success\":[{\"request_put\":{\"key\":\"%s\","
	         "\"value\":\"%s\",\"lease\":\"%s\"}}]}",
	         k64, k64, val64, lease);
	snprintf(del, sizeof(del), "{\"key\":\"%s\"}", k64);
	pthread_barrier_wait(w->start);
	while (bench_now_us() < w->until) {
		int64_t t0 = bench_now_us();
		int got = 0;
		while (!got && bench_now_us() < w->until + 600000000) {
			if (post(c, w->where, "/v3/kv/txn", body, &rb) < 0) {
				w->errors++;
				break;
			}
			got = strstr(rb.data, "\"succeeded\":true") != NULL;
			if (!got) {
				if (!w->shared) {
					w->errors++;
					break;
				}
				usleep(1000);
			}
		}
		if (!got)
			continue;
		if (post(c, w->where, "/v3/kv/deleterange", del, &rb) < 0) {
			w->errors++;
			continue;
		}
		bench_samples_add(&w->lat, bench_now_us() - t0);
	}
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return NULL;
}

/* --- driver ------------------------------------------------------------------- */

static int setup(const char *repo, int n)
{
	braid_ctx *ctx = NULL;
	int created, i;

	if (braid_init(&ctx, &created, repo, NULL) < 0) {
		fprintf(stderr, "init: %s\n", braid_error_last());
		return 1;
	}
	for (i = 0; i < n; i++) {
		braid_agent *a = NULL;
		char name[32];
		snprintf(name, sizeof(name), "a%d", i);
		if (braid_agent_lookup(&a, ctx, name) == 0) {
			braid_agent_free(a);
			continue;
		}
		if (braid_agent_add(&a, NULL, ctx, name, NULL) < 0) {
			fprintf(stderr, "agent add: %s\n", braid_error_last());
			return 1;
		}
		braid_agent_free(a);
	}
	braid_ctx_free(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	int n, i, shared;
	double secs;
	worker *w;
	pthread_barrier_t start;
	pthread_attr_t attr;
	int64_t t0, t1;
	bench_samples all = {0};
	long errors = 0;
	int is_etcd;

	if (argc == 4 && !strcmp(argv[1], "setup"))
		return braid_global_init() < 0 ? 1 : setup(argv[2], atoi(argv[3]));
	if (argc < 5) {
		fprintf(stderr, "usage: bench_locks setup REPO N | braid REPO N SECONDS [shared] | "
		                "etcd URL N SECONDS [shared]\n");
		return 2;
	}
	is_etcd = !strcmp(argv[1], "etcd");
	n = atoi(argv[3]);
	secs = atof(argv[4]);
	shared = argc > 5 && !strcmp(argv[5], "shared");
	{
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (braid_global_init() < 0 || curl_global_init(CURL_GLOBAL_ALL) != 0)
		return 1;
	w = calloc((size_t)n, sizeof(*w));
	pthread_barrier_init(&start, NULL, (unsigned)n + 1);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1u << 20);
	for (i = 0; i < n; i++) {
		w[i].id = i;
		w[i].where = argv[2];
		w[i].shared = shared;
		w[i].start = &start;
		w[i].until = INT64_MAX;
		if (pthread_create(&w[i].th, &attr, is_etcd ? etcd_worker : braid_worker, &w[i]) !=
		    0) {
			fprintf(stderr, "cannot start thread %d\n", i);
			return 1;
		}
	}
	/* Everyone connected (waiting at the barrier): start the clock together. */
	t0 = bench_now_us();
	for (i = 0; i < n; i++)
		__atomic_store_n(&w[i].until, t0 + (int64_t)(secs * 1e6), __ATOMIC_SEQ_CST);
	pthread_barrier_wait(&start);
	for (i = 0; i < n; i++)
		pthread_join(w[i].th, NULL);
	t1 = bench_now_us();
	for (i = 0; i < n; i++) {
		bench_samples_merge(&all, &w[i].lat);
		bench_samples_release(&w[i].lat);
		errors += w[i].errors;
	}
	bench_samples_sort(&all);
	printf("%s %d %s %.0f %lld %lld %ld\n", is_etcd ? "etcd" : "braid", n,
	       shared ? "shared" : "distinct", all.n / ((t1 - t0) / 1e6),
	       (long long)bench_pct(&all, 0.5), (long long)bench_pct(&all, 0.99), errors);
	bench_samples_release(&all);
	free(w);
	curl_global_cleanup();
	return 0;
}
