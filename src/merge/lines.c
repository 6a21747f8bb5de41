/*
 * lines.c: split merge inputs into lines and intern them. Every later step
 * (histogram diff, three-way grouping, identical-edit checks) compares lines
 * many times, so each distinct line gets a small integer once, here, and
 * equality becomes an integer compare. Bytes are never rewritten: a line
 * keeps its "\n" or "\r\n", and a last line without one is a line too.
 */
#include "merge/merge_int.h"

int braid_merge__text_split(braid_merge__text *t, const char *buf, size_t len)
{
	size_t n = 0, i, pos;
	const char *p, *end;

	if (!buf && len)
		return braid_error_set(BRAID_EINVALID, "invalid argument: NULL buffer of %zu bytes",
		                       len);
	if (!buf)
		buf = ""; /* NULL + 0 is undefined; an absent side splits as empty */
	end = buf + len;
	for (p = buf; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		n++;
		p = nl ? nl + 1 : end;
	}
	if (n >= SIZE_MAX / sizeof(size_t))
		return braid_error_set(BRAID_ENOMEM, "too many lines");
	t->off = malloc((n + 1) * sizeof(size_t));
	if (!t->off)
		return braid_error_set(BRAID_ENOMEM, "out of memory splitting %zu lines", n);
	pos = 0;
	for (i = 0; i < n; i++) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		t->off[i] = pos;
		pos = nl ? (size_t)(nl - buf) + 1 : len;
	}
	t->off[n] = len;
	t->buf = buf;
	t->len = len;
	t->nlines = n;
	t->id = NULL;
	return 0;
}

void braid_merge__text_release(braid_merge__text *t)
{
	if (!t)
		return;
	free(t->off);
	free(t->id);
	t->off = NULL;
	t->id = NULL;
	t->nlines = 0;
}

int braid_merge__text_line_open(const braid_merge__text *t, size_t i)
{
	size_t s = t->off[i], e = t->off[i + 1];

	return e == s || t->buf[e - 1] != '\n';
}

/* A word-at-a-time multiplicative hash; only equality of ids escapes, so the
 * byte order of the machine does not matter. */
static uint64_t line_hash(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ (uint64_t)n, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
		p += 8;
		n -= 8;
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
	}
	h ^= h >> 29;
	return h;
}

struct uniq_line {
	const char *p;
	size_t len;
	uint64_t hash;
};

int braid_merge__intern(braid_merge__text *const *texts, size_t ntexts, size_t *nids)
{
	size_t total = 0, cap = 16, mask, nuniq = 0, i, k;
	size_t *slots = NULL;
	struct uniq_line *uniq = NULL;
	int err = 0;

	for (i = 0; i < ntexts; i++) {
		if (texts[i]->nlines > SIZE_MAX / 4 - total)
			return braid_error_set(BRAID_ENOMEM, "too many lines to diff");
		total += texts[i]->nlines;
	}
	while (cap < total * 2)
		cap *= 2;
	mask = cap - 1;
	slots = calloc(cap, sizeof(*slots));
	uniq = malloc((total ? total : 1) * sizeof(*uniq));
	if (!slots || !uniq) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory interning %zu lines", total);
		goto done;
	}
	for (i = 0; i < ntexts; i++) {
		braid_merge__text *t = texts[i];

		free(t->id);
		t->id = malloc((t->nlines ? t->nlines : 1) * sizeof(size_t));
		if (!t->id) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory interning lines");
			goto done;
		}
		for (k = 0; k < t->nlines; k++) {
			const char *p = t->buf + t->off[k];
			size_t len = t->off[k + 1] - t->off[k];
			uint64_t h = line_hash(p, len);
			size_t s = (size_t)h & mask;

			/* slots hold id + 1 so that 0 marks an empty slot */
			for (;; s = (s + 1) & mask) {
				struct uniq_line *u;

				if (!slots[s]) {
					uniq[nuniq].p = p;
					uniq[nuniq].len = len;
					uniq[nuniq].hash = h;
					slots[s] = ++nuniq;
					t->id[k] = nuniq - 1;
					break;
				}
				u = &uniq[slots[s] - 1];
				if (u->hash == h && u->len == len && !memcmp(u->p, p, len)) {
					t->id[k] = slots[s] - 1;
					break;
				}
			}
		}
	}
	*nids = nuniq;
done:
	free(slots);
	free(uniq);
	return err;
}
