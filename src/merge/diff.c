/*
 * diff.c: line diff with the histogram algorithm (the idea behind git's
 * --histogram and merge-ort): in the current range, anchor on the common
 * line that occurs least often in the old side, grow it to a maximal match,
 * and recurse on both sides of it. Anchoring on rare lines keeps braces and
 * blank lines from pairing up unrelated code, which matters for merges.
 * Ranges where every common line is very frequent fall back to Myers'
 * O(ND) middle-snake search, capped in cost so pathological input stays
 * fast (the result is then correct but not minimal). Finally pure
 * insertions and deletions slide down as far as they can, so equivalent
 * edits always come out at the same place.
 */
#include "merge/merge_int.h"

/* A candidate occurring more often than this is not used as an anchor. */
#define HIST_MAX_CHAIN 64
/* Ranges longer than this break ties between anchors toward the middle. */
#define HIST_BALANCE_LINES 4096
/* Myers gives up minimality past max(this, sqrt(N+M)) edits. */
#define MYERS_MIN_COST 256

#define NONE SIZE_MAX

struct range {
	size_t a0, a1, b0, b1;
};

struct diff_ctx {
	const size_t *a, *b;
	size_t na, nb;
	size_t *cnt;        /* per id: occurrences in the current old range */
	size_t *head;       /* per id: first occurrence in the current old range */
	size_t *next;       /* per old line: next occurrence of the same line */
	ptrdiff_t *vf, *vb; /* Myers diagonals, allocated on first use */
	braid_diff_hunk *h;
	size_t nh, ah;
	struct range *stack;
	size_t nstack, astack;
	int myers_only; /* plain Myers, as `git merge-file` diffs */
};

/* Record a[a0, a1) -> b[b0, b1) as changed, merging with a touching hunk. */
static int emit(struct diff_ctx *c, size_t a0, size_t a1, size_t b0, size_t b1)
{
	braid_diff_hunk *last = c->nh ? &c->h[c->nh - 1] : NULL;

	if (a0 == a1 && b0 == b1)
		return 0;
	if (last && last->old_end == a0 && last->new_end == b0) {
		last->old_end = a1;
		last->new_end = b1;
		return 0;
	}
	if (c->nh == c->ah) {
		size_t n = c->ah ? c->ah * 2 : 16;
		braid_diff_hunk *p = realloc(c->h, n * sizeof(*p));
		if (!p)
			return braid_error_set(BRAID_ENOMEM, "out of memory in diff");
		c->h = p;
		c->ah = n;
	}
	/* nh > 0 only after h was allocated (nh <= ah); the analyzer takes the
	 * two fields as unrelated inputs. */
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
	c->h[c->nh].old_start = a0;
	c->h[c->nh].old_end = a1;
	c->h[c->nh].new_start = b0;
	c->h[c->nh].new_end = b1;
	c->nh++;
	return 0;
}

static void trim(const struct diff_ctx *c, struct range *r)
{
	while (r->a0 < r->a1 && r->b0 < r->b1 && c->a[r->a0] == c->b[r->b0]) {
		r->a0++;
		r->b0++;
	}
	while (r->a0 < r->a1 && r->b0 < r->b1 && c->a[r->a1 - 1] == c->b[r->b1 - 1]) {
		r->a1--;
		r->b1--;
	}
}

/*
 * Find a split point of the trimmed, non-empty box r on an edit path from
 * its top-left to its bottom-right corner: the middle snake when found
 * within the cost cap, else the point furthest along any explored path.
 * Returns 0 and the point in *sx, *sy (absolute), or 1 when no point makes
 * progress.
 */
static int myers_split(struct diff_ctx *c, const struct range *r, size_t *sx, size_t *sy)
{
	const size_t *A = c->a + r->a0, *B = c->b + r->b0;
	ptrdiff_t N = (ptrdiff_t)(r->a1 - r->a0), M = (ptrdiff_t)(r->b1 - r->b0);
	ptrdiff_t delta = N - M, off = M + 1, big = N + M + 8;
	ptrdiff_t *vf = c->vf + off, *vb = c->vb + off; /* index by diagonal k = x - y */
	ptrdiff_t fmin = 0, fmax = 0, bmin = delta, bmax = delta;
	ptrdiff_t d, k, x = 0, y = 0, cap = MYERS_MIN_COST;
	int odd = (delta % 2) != 0;

	while (cap * cap < N + M)
		cap *= 2;
	vf[0] = 0;
	vb[delta] = N;
	for (d = 1;; d++) {
		ptrdiff_t nmin, nmax;

		/* forward: diagonals of d's parity inside [-M, N] */
		nmin = fmin - 1 < -M ? fmin + 1 : fmin - 1;
		nmax = fmax + 1 > N ? fmax - 1 : fmax + 1;
		if (nmin < fmin)
			vf[nmin - 1] = -1;
		if (nmax > fmax)
			vf[nmax + 1] = -1;
		fmin = nmin;
		fmax = nmax;
		for (k = fmin; k <= fmax; k += 2) {
			x = vf[k - 1] >= vf[k + 1] ? vf[k - 1] + 1 : vf[k + 1];
			/* the unbounded recurrence can step off the box; pull back in */
			if (x > N)
				x = N;
			y = x - k;
			if (y > M) {
				y = M;
				x = y + k;
			}
			while (x < N && y < M && A[x] == B[y]) {
				x++;
				y++;
			}
			vf[k] = x;
			if (odd && k >= bmin && k <= bmax && vb[k] <= x)
				goto found;
		}

		/* backward from the bottom-right corner */
		nmin = bmin - 1 < -M ? bmin + 1 : bmin - 1;
		nmax = bmax + 1 > N ? bmax - 1 : bmax + 1;
		if (nmin < bmin)
			vb[nmin - 1] = big;
		if (nmax > bmax)
			vb[nmax + 1] = big;
		bmin = nmin;
		bmax = nmax;
		for (k = bmin; k <= bmax; k += 2) {
			x = vb[k - 1] < vb[k + 1] ? vb[k - 1] : vb[k + 1] - 1;
			if (x < 0)
				x = 0;
			y = x - k;
			if (y < 0) {
				y = 0;
				x = k;
			}
			while (x > 0 && y > 0 && A[x - 1] == B[y - 1]) {
				x--;
				y--;
			}
			vb[k] = x;
			if (!odd && k >= fmin && k <= fmax && x <= vf[k])
				goto found;
		}

		if (d >= cap) {
			ptrdiff_t fx = 0, fy = 0, bx = N, by = M;

			for (k = fmin; k <= fmax; k += 2) {
				ptrdiff_t px = vf[k] > N ? N : vf[k], py = px - k;
				if (py > M) {
					py = M;
					px = py + k;
				}
				if (px + py > fx + fy) {
					fx = px;
					fy = py;
				}
			}
			for (k = bmin; k <= bmax; k += 2) {
				ptrdiff_t px = vb[k] < 0 ? 0 : vb[k], py = px - k;
				if (py < 0) {
					py = 0;
					px = k;
				}
				if (px + py < bx + by) {
					bx = px;
					by = py;
				}
			}
			if (fx + fy >= (N + M) - (bx + by)) {
				x = fx;
				y = fy;
			} else {
				x = bx;
				y = by;
			}
			goto found;
		}
	}
found:
	if (x < 0 || y < 0 || x > N || y > M || x + y == 0 || x + y == N + M)
		return 1;
	*sx = r->a0 + (size_t)x;
	*sy = r->b0 + (size_t)y;
	return 0;
}

static int myers(struct diff_ctx *c, struct range r)
{
	int err;

	if (!c->vf) {
		size_t n = c->na + c->nb + 3;
		c->vf = malloc(n * sizeof(ptrdiff_t));
		c->vb = malloc(n * sizeof(ptrdiff_t));
		if (!c->vf || !c->vb)
			return braid_error_set(BRAID_ENOMEM, "out of memory in diff");
	}
	/* recurse on the left part, loop on the right one */
	for (;;) {
		struct range left;
		size_t x, y;

		trim(c, &r);
		if (r.a0 == r.a1 || r.b0 == r.b1)
			return emit(c, r.a0, r.a1, r.b0, r.b1);
		if (myers_split(c, &r, &x, &y))
			return emit(c, r.a0, r.a1, r.b0, r.b1);
		left.a0 = r.a0;
		left.a1 = x;
		left.b0 = r.b0;
		left.b1 = y;
		if ((err = myers(c, left)) < 0)
			return err;
		r.a0 = x;
		r.b0 = y;
	}
}

static int push_range(struct diff_ctx *c, size_t a0, size_t a1, size_t b0, size_t b1)
{
	if (c->nstack == c->astack) {
		size_t n = c->astack ? c->astack * 2 : 32;
		struct range *p = realloc(c->stack, n * sizeof(*p));
		if (!p)
			return braid_error_set(BRAID_ENOMEM, "out of memory in diff");
		c->stack = p;
		c->astack = n;
	}
	c->stack[c->nstack].a0 = a0;
	c->stack[c->nstack].a1 = a1;
	c->stack[c->nstack].b0 = b0;
	c->stack[c->nstack].b1 = b1;
	c->nstack++;
	return 0;
}

/* Distance between two doubled positions (start + end), for tie-breaks. */
static size_t off_center(size_t twice_pos, size_t twice_mid)
{
	return twice_pos > twice_mid ? twice_pos - twice_mid : twice_mid - twice_pos;
}

/* One histogram step on r: emit, fall back to Myers, or push the two sides. */
static int histogram_step(struct diff_ctx *c, struct range r)
{
	const size_t *a = c->a, *b = c->b;
	size_t i, bi, mid2, best = HIST_MAX_CHAIN + 1;
	int balance;
	size_t ls1 = 0, le1 = 0, ls2 = 0, le2 = 0;
	int found = 0, has_common = 0, err;

	trim(c, &r);
	if (r.a0 == r.a1 || r.b0 == r.b1)
		return emit(c, r.a0, r.a1, r.b0, r.b1);

	for (i = r.a1; i-- > r.a0;) {
		size_t id = a[i];
		c->next[i] = c->cnt[id] ? c->head[id] : NONE;
		c->head[id] = i;
		c->cnt[id]++;
	}
	/* Always taking the first of equal anchors peels one block per step
	 * off a long file with regularly spaced edits, O(n^2) in the worst
	 * case; big ranges take the one nearest the middle instead, so the
	 * splits stay balanced. Smaller ones give exactly git's diff. */
	balance = r.b1 - r.b0 > HIST_BALANCE_LINES;
	mid2 = r.b0 + r.b1;
	for (bi = r.b0; bi < r.b1;) {
		size_t id = b[bi], bnext = bi + 1, as;

		if (!c->cnt[id]) {
			bi = bnext;
			continue;
		}
		has_common = 1;
		if (c->cnt[id] > best) {
			bi = bnext;
			continue;
		}
		for (as = c->head[id];;) {
			size_t s1 = as, s2 = bi, e1 = as + 1, e2 = bi + 1, rc = c->cnt[id], np;

			while (s1 > r.a0 && s2 > r.b0 && a[s1 - 1] == b[s2 - 1]) {
				s1--;
				s2--;
				if (rc > 1 && c->cnt[a[s1]] < rc)
					rc = c->cnt[a[s1]];
			}
			while (e1 < r.a1 && e2 < r.b1 && a[e1] == b[e2]) {
				if (rc > 1 && c->cnt[a[e1]] < rc)
					rc = c->cnt[a[e1]];
				e1++;
				e2++;
			}
			if (bnext < e2)
				bnext = e2;
			/* Longer or rarer wins, else the first (as in git). */
			if (!found || le1 - ls1 < e1 - s1 || rc < best ||
			    (balance && le1 - ls1 == e1 - s1 && rc == best &&
			     off_center(s2 + e2, mid2) < off_center(ls2 + le2, mid2))) {
				ls1 = s1;
				le1 = e1;
				ls2 = s2;
				le2 = e2;
				best = rc;
				found = 1;
			}
			/* later occurrences inside this match would only find it again */
			np = c->next[as];
			while (np != NONE && np < e1)
				np = c->next[np];
			if (np == NONE)
				break;
			as = np;
		}
		bi = bnext;
	}
	for (i = r.a0; i < r.a1; i++)
		c->cnt[a[i]] = 0;

	if (!has_common)
		return emit(c, r.a0, r.a1, r.b0, r.b1);
	if (!found || best > HIST_MAX_CHAIN)
		return myers(c, r);
	/* a stack, not recursion: adversarial input could nest one level per line */
	if ((err = push_range(c, le1, r.a1, le2, r.b1)) < 0)
		return err;
	return push_range(c, r.a0, ls1, r.b0, ls2);
}

/* Slide pure insertions and deletions down as far as the text allows. */
static void compact(struct diff_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nh; i++) {
		braid_diff_hunk *h = &c->h[i];
		int has_next = i + 1 < c->nh;
		/* keep at least one common line before the next hunk */
		size_t alim = has_next ? c->h[i + 1].old_start - 1 : c->na;
		size_t blim = has_next ? c->h[i + 1].new_start - 1 : c->nb;

		if (h->new_start == h->new_end) {
			while (h->old_end < alim && c->a[h->old_start] == c->a[h->old_end]) {
				h->old_start++;
				h->old_end++;
				h->new_start++;
				h->new_end++;
			}
		} else if (h->old_start == h->old_end) {
			while (h->new_end < blim && c->b[h->new_start] == c->b[h->new_end]) {
				h->old_start++;
				h->old_end++;
				h->new_start++;
				h->new_end++;
			}
		}
	}
}

int braid_merge__diff(braid_diff_hunk **out, size_t *nout, const braid_merge__text *a,
                      const braid_merge__text *b, size_t nids)
{
	return braid_merge__diff_algo(out, nout, a, b, nids, 0);
}

int braid_merge__diff_algo(braid_diff_hunk **out, size_t *nout, const braid_merge__text *a,
                           const braid_merge__text *b, size_t nids, int myers_only)
{
	struct diff_ctx c;
	int err = 0;

	memset(&c, 0, sizeof(c));
	c.myers_only = myers_only;
	c.a = a->id;
	c.b = b->id;
	c.na = a->nlines;
	c.nb = b->nlines;
	c.cnt = calloc(nids ? nids : 1, sizeof(size_t));
	c.head = malloc((nids ? nids : 1) * sizeof(size_t));
	c.next = malloc((c.na ? c.na : 1) * sizeof(size_t));
	if (!c.cnt || !c.head || !c.next) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory in diff");
		goto done;
	}
	if ((err = push_range(&c, 0, c.na, 0, c.nb)) < 0)
		goto done;
	while (c.nstack) {
		struct range r = c.stack[--c.nstack];
		if ((err = c.myers_only ? myers(&c, r) : histogram_step(&c, r)) < 0)
			goto done;
	}
	compact(&c);
	*out = c.h;
	*nout = c.nh;
	c.h = NULL;
done:
	free(c.cnt);
	free(c.head);
	free(c.next);
	free(c.vf);
	free(c.vb);
	free(c.h);
	free(c.stack);
	return err;
}

int braid_diff_lines(braid_diff_hunk **out, size_t *nout, const char *a, size_t alen, const char *b,
                     size_t blen)
{
	braid_merge__text ta = BRAID_MERGE__TEXT_INIT, tb = BRAID_MERGE__TEXT_INIT;
	braid_merge__text *both[2] = {&ta, &tb};
	braid_diff_hunk *h = NULL;
	size_t n = 0, nids;
	int err;

	BRAID_ASSERT_ARG(out);
	BRAID_ASSERT_ARG(nout);
	BRAID_ASSERT_ARG(a || !alen);
	BRAID_ASSERT_ARG(b || !blen);
	if ((err = braid_merge__text_split(&ta, a, alen)) < 0 ||
	    (err = braid_merge__text_split(&tb, b, blen)) < 0 ||
	    (err = braid_merge__intern(both, 2, &nids)) < 0 ||
	    (err = braid_merge__diff(&h, &n, &ta, &tb, nids)) < 0)
		goto done;
	*out = h;
	*nout = n;
done:
	braid_merge__text_release(&ta);
	braid_merge__text_release(&tb);
	return err;
}
