/*
 * benchutil.h: what the benchmark programs share, header-only because each
 * .c file in bench/ is its own executable: a monotonic clock, latency
 * samples with percentiles, and base64 for the etcd JSON gateway.
 */
#ifndef BRAID_BENCHUTIL_H
#define BRAID_BENCHUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline int64_t bench_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Latency samples (microseconds): a growable array; out of memory ends the run. */
typedef struct bench_samples {
	int64_t *v;
	size_t n, cap;
} bench_samples;

static inline void bench_samples_add(bench_samples *s, int64_t x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v) {
			perror("realloc");
			exit(1);
		}
	}
	s->v[s->n++] = x;
}

static inline void bench_samples_merge(bench_samples *into, const bench_samples *from)
{
	size_t i;
	for (i = 0; i < from->n; i++)
		bench_samples_add(into, from->v[i]);
}

static inline int bench_cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static inline void bench_samples_sort(bench_samples *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), bench_cmp64);
}

/* The p-quantile (0..1) of sorted samples; -1 when there are none. */
static inline int64_t bench_pct(const bench_samples *s, double p)
{
	if (!s->n)
		return -1;
	return s->v[(size_t)((double)(s->n - 1) * p)];
}

static inline void bench_samples_release(bench_samples *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Standard base64 of the string `in` into `out` (room for 4 * ceil(len / 3) + 1 bytes). */
static inline void bench_b64(char *out, const char *in)
{
	static const char tb[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(in), i, o = 0;
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 |
		             (unsigned char)in[i + 2];
		out[o++] = tb[v >> 18];
		out[o++] = tb[(v >> 12) & 63];
		out[o++] = tb[(v >> 6) & 63];
		out[o++] = tb[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned char)in[i] << 16;
		out[o++] = tb[v >> 18];
		out[o++] = tb[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
		out[o++] = tb[v >> 18];
		out[o++] = tb[(v >> 12) & 63];
		out[o++] = tb[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

#endif
