/*
 * http.c: bench_http, the load generator behind bench/http. Simulates N
 * agents, each with its own keep-alive HTTP/1.1 connection (one epoll loop
 * per client thread, so 1,000 agents need no 1,000 threads), and measures
 * request latency (p50/p99) and throughput for a fixed time:
 *
 *   bench_http intents URL REPO N SECS   braid serve: POST /v1/intents (L4 on the
 *                                        agent's own file) then POST
 *                                        /v1/intents/release with the fencing token
 *   bench_http whoami URL REPO N SECS    braid serve: GET /v1/whoami (authenticated,
 *                                        no state change: the HTTP front's own cost)
 *   bench_http etcd URL - N SECS         etcd v3 lock API through its JSON gateway:
 *                                        one lease per agent, then /v3/lock/lock +
 *                                        /v3/lock/unlock on the agent's own name
 *   bench_http cli BRAID REPO N SECS     no daemon: N concurrent agents each running
 *                                        `braid intent F --level L4` then
 *                                        `braid intent release F` as processes
 *
 * Agents are a0..a(N-1) (bench/locks' setup); their tokens are read from
 * REPO/.braid/tokens/. Prints one line:
 *   MODE N SECS requests req_per_s pairs_per_s p50_us p99_us pair_p50_us pair_p99_us errors
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"

extern char **environ;

enum { M_INTENTS, M_WHOAMI, M_ETCD, M_CLI };

static int mode;
static const char *repo;
static char host[64];
static int port;
static int64_t t_start, t_end;

/* --- one simulated agent on one connection ------------------------------------ */

typedef struct conn {
	int fd, id;
	int phase;       /* 0 acquire (or lease grant for etcd), 1 release, 2 first etcd lock */
	char token[128]; /* bearer token (braid) */
	char hold[256];  /* fencing token (braid) or lock key (etcd) */
	char lease[64];  /* etcd lease id */
	char out[2048];
	size_t outlen, outoff;
	char in[16384];
	size_t inlen;
	int64_t sent_at, pair_at;
} conn;

typedef struct worker {
	pthread_t th;
	conn *c;
	int n;
	bench_samples req, pair;
	long errors;
} worker;

static void free_workers(worker *w, int n)
{
	int i;

	for (i = 0; w && i < n; i++)
		free(w[i].c);
	free(w);
}

static void build(conn *c)
{
	char body[768], name[128], n64[200];
	const char *verb = "POST", *path = "", *auth = c->token;

	body[0] = '\0';
	if (mode == M_WHOAMI) {
		verb = "GET";
		path = "/v1/whoami";
	} else if (mode == M_INTENTS && c->phase == 0) {
		path = "/v1/intents";
		snprintf(body, sizeof(body), "{\"targets\":[\"bench/f%d.c\"],\"level\":\"L4\"}",
		         c->id);
	} else if (mode == M_INTENTS) {
		path = "/v1/intents/release";
		snprintf(body, sizeof(body), "{\"token\":%s}", c->hold);
	} else if (mode == M_ETCD && c->phase == 0) {
		path = "/v3/lease/grant";
		snprintf(body, sizeof(body), "{\"TTL\":600}");
	} else if (mode == M_ETCD && c->phase == 2) {
		path = "/v3/lock/lock";
		snprintf(name, sizeof(name), "/locks/bench/f%d.c", c->id);
		bench_b64(n64, name);
		snprintf(body, sizeof(body), "{\"name\":\"%s\",\"lease\":\"%s\"}", n64, c->lease);
	} else {
		path = "/v3/lock/unlock";
		snprintf(body, sizeof(body), "{\"key\":\"%s\"}", c->hold);
	}
	if (mode == M_ETCD)
		auth = NULL;
	c->outlen = (size_t)snprintf(
	    c->out, sizeof(c->out),
	    "%s %s HTTP/1.1\r\nHost: %s:%d\r\n%s%s%sContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%s",
	    verb, path, host, port, auth ? "Authorization: Bearer " : "", auth ? auth : "",
	    auth ? "\r\n" : "", strlen(body), body);
	c->outoff = 0;
	c->inlen = 0;
}

/* A complete response in c->in: 1 with status and body, 0 when more is needed. */
static int parse(conn *c, int *status, const char **body, size_t *blen)
{
	char *end, *cl, *p;
	size_t hlen, want;

	c->in[c->inlen] = '\0';
	if (!(end = strstr(c->in, "\r\n\r\n")))
		return 0;
	hlen = (size_t)(end - c->in) + 4;
	*status = atoi(c->in + 9);
	for (p = c->in; p < end; p++)
		*p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
	if ((cl = strstr(c->in, "\ncontent-length:"))) {
		want = strtoul(cl + 16, NULL, 10);
		if (c->inlen < hlen + want)
			return 0;
		*body = c->in + hlen;
		*blen = want;
		return 1;
	}
	if (strstr(c->in, "transfer-encoding: chunked")) {
		/* small bodies: one chunk then the terminator */
		char *term = strstr(c->in + hlen, "\r\n0\r\n\r\n");
		if (!term)
			return 0;
		*body = strstr(c->in + hlen, "\r\n") + 2;
		*blen = (size_t)(term - *body);
		return 1;
	}
	*body = c->in + hlen;
	*blen = c->inlen - hlen;
	return 1;
}

/* Extract "key":"value" or "key":number from a JSON body (bench only). */
static int field(char *out, size_t n, const char *body, const char *key)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if (!(p = strstr(body, pat)))
		return -1;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p == '"') {
		p++;
		e = strchr(p, '"');
	} else {
		e = p + strspn(p, "0123456789");
	}
	if (!e || e == p || (size_t)(e - p) >= n)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

/* Handle a response; returns 0 to go on, -1 on error (the agent restarts its cycle). */
static int on_response(worker *w, conn *c, int status, const char *body, int64_t t)
{
	int64_t lat = t - c->sent_at;
	int counted = t >= t_start && t < t_end;

	if (status != 200) {
		if (counted)
			w->errors++;
		if (w->errors < 5 && counted)
			fprintf(stderr, "agent %d: HTTP %d: %.200s\n", c->id, status, body);
		if (mode == M_INTENTS || (mode == M_ETCD && c->phase != 0))
			c->phase = mode == M_ETCD ? 2 : 0;
		return -1;
	}
	if (counted && !(mode == M_ETCD && c->phase == 0))
		bench_samples_add(&w->req, lat);
	switch (mode) {
	case M_WHOAMI:
		break;
	case M_INTENTS:
	case M_ETCD:
		if (mode == M_ETCD && c->phase == 0) { /* the agent's lease, granted once */
			if (field(c->lease, sizeof(c->lease), body, "ID") < 0)
				return -1;
			c->phase = 2;
		} else if (c->phase != 1) { /* acquired: keep what releases it */
			if (field(c->hold, sizeof(c->hold), body,
			          mode == M_ETCD ? "key" : "token") < 0) {
				w->errors++;
				return -1;
			}
			c->pair_at = c->sent_at;
			c->phase = 1;
		} else { /* released: one pair done */
			if (counted)
				bench_samples_add(&w->pair, t - c->pair_at);
			c->phase = mode == M_ETCD ? 2 : 0;
		}
		break;
	}
	return 0;
}

static int connect_one(void)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, host, &a.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static void send_some(conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t k = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
		if (k < 0) {
			if (errno == EAGAIN)
				return;
			perror("write");
			exit(1);
		}
		c->outoff += (size_t)k;
	}
}

static void *http_worker(void *arg)
{
	worker *w = arg;
	int ep = epoll_create1(0), i;
	struct epoll_event ev, evs[256];

	for (i = 0; i < w->n; i++) {
		ev.events = EPOLLIN;
		ev.data.ptr = &w->c[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, w->c[i].fd, &ev);
		build(&w->c[i]);
		w->c[i].sent_at = bench_now_us();
		send_some(&w->c[i]);
	}
	while (bench_now_us() < t_end) {
		int n = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < n; i++) {
			conn *c = evs[i].data.ptr;
			ssize_t k = read(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen);
			int status;
			const char *body;
			size_t blen;
			int64_t t;
			if (k <= 0) {
				if (k < 0 && errno == EAGAIN)
					continue;
				fprintf(stderr, "agent %d: connection closed\n", c->id);
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				w->errors++;
				continue;
			}
			c->inlen += (size_t)k;
			if (!parse(c, &status, &body, &blen))
				continue;
			t = bench_now_us();
			on_response(w, c, status, body, t);
			if (t >= t_end)
				continue;
			build(c);
			c->sent_at = bench_now_us();
			send_some(c);
		}
	}
	close(ep);
	return NULL;
}

/* --- daemonless: the CLI as processes ----------------------------------------- */

static const char *braid_bin;

static int run_cli(const char *const *argv)
{
	pid_t pid;
	int st;
	posix_spawn_file_actions_t fa;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, braid_bin, &fa, NULL, (char *const *)argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void *cli_worker(void *arg)
{
	worker *w = arg;
	int id = w->c[0].id;
	char agent[32], target[64];

	snprintf(agent, sizeof(agent), "a%d", id);
	snprintf(target, sizeof(target), "bench/f%d.c", id);
	while (bench_now_us() < t_end) {
		const char *acq[] = {braid_bin, "-C", repo,      "intent", target,
		                     "--level", "L4", "--agent", agent,    NULL};
		const char *rel[] = {braid_bin, "-C",      repo,  "intent", "release",
		                     target,    "--agent", agent, NULL};
		int64_t t0 = bench_now_us(), t1, t2;
		if (run_cli(acq) < 0) {
			w->errors++;
			continue;
		}
		t1 = bench_now_us();
		if (run_cli(rel) < 0) {
			w->errors++;
			continue;
		}
		t2 = bench_now_us();
		if (t0 >= t_start && t2 < t_end) {
			bench_samples_add(&w->req, t1 - t0);
			bench_samples_add(&w->req, t2 - t1);
			bench_samples_add(&w->pair, t2 - t0);
		}
	}
	return NULL;
}

static int read_token(char *out, size_t n, int id)
{
	char path[4096];
	FILE *f;
	size_t k;

	snprintf(path, sizeof(path), "%s/.braid/tokens/a%d", repo, id);
	if (!(f = fopen(path, "r")))
		return -1;
	k = fread(out, 1, n - 1, f);
	(void)fclose(f); /* read-only */
	while (k && (out[k - 1] == '\n' || out[k - 1] == ' '))
		k--;
	out[k] = '\0';
	return k ? 0 : -1;
}

int main(int argc, char **argv)
{
	int n, i, nthreads;
	double secs;
	worker *w;
	bench_samples req = {0}, pair = {0};
	long errors = 0;
	const char *url;

	if (argc < 6) {
		fprintf(stderr, "usage: bench_http intents|whoami|etcd|cli URL|BRAID REPO|- N SECS "
		                "[THREADS]\n");
		return 2;
	}
	mode = !strcmp(argv[1], "intents")  ? M_INTENTS
	       : !strcmp(argv[1], "whoami") ? M_WHOAMI
	       : !strcmp(argv[1], "etcd")   ? M_ETCD
	       : !strcmp(argv[1], "cli")    ? M_CLI
	                                    : -1;
	if (mode < 0) {
		fprintf(stderr, "unknown mode %s\n", argv[1]);
		return 2;
	}
	url = argv[2];
	repo = argv[3];
	n = atoi(argv[4]);
	secs = atof(argv[5]);
	nthreads = argc > 6 ? atoi(argv[6]) : 1;
	if (mode == M_CLI) {
		braid_bin = url;
		nthreads = n;
	} else if (sscanf(url, "http://%63[^:]:%d", host, &port) != 2) {
		fprintf(stderr, "bad URL %s\n", url);
		return 2;
	}
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > n)
		nthreads = n;
	if (!(w = calloc((size_t)nthreads, sizeof(*w)))) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	for (i = 0; i < nthreads; i++) {
		int lo = n * i / nthreads, hi = n * (i + 1) / nthreads, k;
		w[i].n = hi - lo;
		if (!(w[i].c = calloc((size_t)w[i].n, sizeof(conn)))) {
			fprintf(stderr, "out of memory\n");
			free_workers(w, nthreads);
			return 1;
		}
		for (k = 0; k < w[i].n; k++) {
			conn *c = &w[i].c[k];
			c->id = lo + k;
			if ((mode == M_INTENTS || mode == M_WHOAMI) &&
			    read_token(c->token, sizeof(c->token), c->id) < 0) {
				fprintf(stderr, "no token for agent a%d in %s\n", c->id, repo);
				free_workers(w, nthreads);
				return 1;
			}
			if (mode != M_CLI)
				c->fd = connect_one();
		}
	}
	/* etcd: grant every agent's lease before the clock starts */
	t_start = bench_now_us() + (mode == M_ETCD ? 3000000 : 300000);
	t_end = t_start + (int64_t)(secs * 1e6);
	for (i = 0; i < nthreads; i++)
		pthread_create(&w[i].th, NULL, mode == M_CLI ? cli_worker : http_worker, &w[i]);
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].th, NULL);
		bench_samples_merge(&req, &w[i].req);
		bench_samples_merge(&pair, &w[i].pair);
		errors += w[i].errors;
	}
	bench_samples_sort(&req);
	bench_samples_sort(&pair);
	printf("%s %d %.0f %zu %.0f %.0f %lld %lld %lld %lld %ld\n", argv[1], n, secs, req.n,
	       (double)req.n / secs, (double)pair.n / secs, (long long)bench_pct(&req, 0.5),
	       (long long)bench_pct(&req, 0.99), (long long)bench_pct(&pair, 0.5),
	       (long long)bench_pct(&pair, 0.99), errors);
	free_workers(w, nthreads);
	return 0;
}
