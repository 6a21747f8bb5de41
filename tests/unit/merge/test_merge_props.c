/*
 * test_merge_props.c: properties of the three-way merge on random inputs:
 * disjoint edits commute (both applied, the same result with the sides
 * swapped), merges are symmetric, and the line tier is exact when one side
 * is the base.
 */
#include "common.h"
#include "harness.h"
#include "braid/merge.h"
#include "merge/merge_int.h"
#include "util/buf.h"

static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s * 0x9e3779b97f4a7c15u + 1;
}

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned)((rng_state * 0x2545f4914f6cdd1du) >> 33) % n;
}

static braid_merge_result *merge_buf(const braid_buf *base, const braid_buf *ours,
                                     const braid_buf *theirs)
{
	braid_merge_input in;
	braid_merge_result *res = NULL;

	memset(&in, 0, sizeof(in));
	in.base = base->ptr;
	in.base_len = base->size;
	in.ours = ours->ptr;
	in.ours_len = ours->size;
	in.theirs = theirs->ptr;
	in.theirs_len = theirs->size;
	CHECK_OK(braid_merge_file(&res, &in, NULL));
	return res;
}

struct edit {
	size_t s, e;
	int side;
	unsigned nnew, tag;
};

/* The line tier's rule for when two edits of different sides interact:
 * overlapping or touching (as git), or insertions at one point. */
static int edits_interact(const struct edit *x, const struct edit *y)
{
	int xi = x->s == x->e, yi = y->s == y->e;

	if (xi && yi)
		return x->s == y->s;
	if (x->e == y->s || y->e == x->s)
		return 1;
	if (xi)
		return y->s < x->s && x->s < y->e;
	if (yi)
		return x->s < y->s && y->s < x->e;
	return (x->s > y->s ? x->s : y->s) < (x->e < y->e ? x->e : y->e);
}

static void put_edit_lines(braid_buf *b, const struct edit *ed)
{
	unsigned k;

	for (k = 0; k < ed->nnew; k++)
		CHECK_OK(braid_buf_printf(b, "%s%u.%u\n", ed->side ? "t" : "o", ed->tag, k));
}

/* Apply the edits (of one side, or of both when side < 0) to a base of n lines. */
static void apply(braid_buf *out, const struct edit *ed, size_t ned, size_t n, int side)
{
	size_t pos = 0, i, k;

	braid_buf_clear(out);
	/* edits are generated in (s, e) order, insertions before ranges at one point */
	for (i = 0; i < ned; i++) {
		if (side >= 0 && ed[i].side != side)
			continue;
		for (k = pos; k < ed[i].s; k++)
			CHECK_OK(braid_buf_printf(out, "b%zu\n", k));
		put_edit_lines(out, &ed[i]);
		pos = ed[i].e;
	}
	for (k = pos; k < n; k++)
		CHECK_OK(braid_buf_printf(out, "b%zu\n", k));
}

TEST(merge_property_disjoint_edits_commute)
{
	braid_buf base = BRAID_BUF_INIT, ours = BRAID_BUF_INIT, theirs = BRAID_BUF_INIT;
	braid_buf want = BRAID_BUF_INIT;
	unsigned iter, tag = 0;
	size_t nconflicts = 0, nmerged = 0;

	rng_seed(3);
	for (iter = 0; iter < 2000; iter++) {
		struct edit ed[128];
		size_t n = rnd(25), ned = 0, p, i;
		braid_merge_result *r1, *r2;
		int sides[2] = {0, 0};

		for (p = 0; p <= n; p++) {
			unsigned attempt;

			for (attempt = 0; attempt < 3; attempt++) {
				struct edit c;
				unsigned type = rnd(3);
				int ok = 1;

				if (rnd(3))
					continue;
				c.side = (int)rnd(2);
				c.s = p;
				c.e = type == 0 ? p : p + 1 + rnd(3);
				c.nnew = type == 1 ? 0 : 1 + rnd(3);
				c.tag = tag++;
				if (c.e > n)
					continue;
				for (i = 0; i < ned && ok; i++) {
					if (ed[i].side == c.side)
						ok = c.s >
						     ed[i].e; /* one side's edits never touch */
					else
						ok = !edits_interact(&c, &ed[i]);
				}
				if (!ok)
					continue;
				/* keep (s, e) order: an insertion precedes a range at its point */
				if (ned && ed[ned - 1].s == c.s && ed[ned - 1].e > c.e) {
					ed[ned] = ed[ned - 1];
					ed[ned - 1] = c;
				} else {
					ed[ned] = c;
				}
				ned++;
				sides[c.side] = 1;
			}
		}
		apply(&base, ed, 0, n, -1);
		apply(&ours, ed, ned, n, 0);
		apply(&theirs, ed, ned, n, 1);
		apply(&want, ed, ned, n, -1);

		r1 = merge_buf(&base, &ours, &theirs);
		r2 = merge_buf(&base, &theirs, &ours);
		CHECK_INT(r1->clean, 1);
		CHECK_MEM(r1->merged, r1->merged_len, want.ptr, want.size);
		CHECK_INT(r2->clean, 1);
		CHECK_MEM(r2->merged, r2->merged_len, want.ptr, want.size);
		CHECK_INT(r1->nregions, ned);
		CHECK_INT(r2->nregions, ned);
		for (i = 0; i < r1->nregions; i++) {
			CHECK_INT(r1->regions[i].base_start, ed[i].s);
			CHECK_INT(r1->regions[i].base_end, ed[i].e);
			CHECK_INT(r1->regions[i].kind,
			          sides[0] && sides[1] ? BRAID_KIND_DISJOINT : BRAID_KIND_ONE_SIDE);
		}
		nmerged += r1->merged_regions;
		nconflicts += r1->conflict_regions;
		braid_merge_result_free(r1);
		braid_merge_result_free(r2);
	}
	CHECK_INT(nconflicts, 0);
	CHECK(nmerged > 2000); /* the generator really produced edits */
	braid_buf_dispose(&base);
	braid_buf_dispose(&ours);
	braid_buf_dispose(&theirs);
	braid_buf_dispose(&want);
}

static void random_text(braid_buf *b, unsigned nlines, unsigned alphabet)
{
	unsigned i;

	braid_buf_clear(b);
	for (i = 0; i < nlines; i++) {
		CHECK_OK(braid_buf_putc(b, (char)('a' + (int)rnd(alphabet))));
		if (i + 1 < nlines || rnd(5))
			CHECK_OK(braid_buf_puts(b, rnd(10) ? "\n" : "\r\n"));
	}
}

static void mutate(braid_buf *out, const braid_buf *in, unsigned alphabet)
{
	braid_merge__text t = BRAID_MERGE__TEXT_INIT;
	size_t i;

	CHECK_OK(braid_merge__text_split(&t, in->ptr, in->size));
	braid_buf_clear(out);
	for (i = 0; i <= t.nlines; i++) {
		unsigned r = rnd(8);
		if (r == 0)
			CHECK_OK(braid_buf_printf(out, "%c\n", 'a' + (int)rnd(alphabet + 2)));
		if (i == t.nlines)
			break;
		if (r == 1)
			continue;
		if (r == 2) {
			CHECK_OK(braid_buf_printf(out, "%c\n", 'a' + (int)rnd(alphabet + 2)));
			continue;
		}
		CHECK_OK(braid_buf_put(out, in->ptr + t.off[i], t.off[i + 1] - t.off[i]));
	}
	braid_merge__text_release(&t);
}

static size_t count_markers(const char *s, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i + 8 <= len; i++)
		if ((i == 0 || s[i - 1] == '\n') && !memcmp(s + i, "<<<<<<< ", 8))
			n++;
	return n;
}

/* Regions are in base order, never overlap, and their offsets match their lines. */
static void check_regions(const braid_merge_result *r, const braid_buf *base, const braid_buf *ours,
                          const braid_buf *theirs)
{
	braid_merge__text tb = BRAID_MERGE__TEXT_INIT, to = BRAID_MERGE__TEXT_INIT,
	                  tt = BRAID_MERGE__TEXT_INIT;
	size_t i;

	CHECK_OK(braid_merge__text_split(&tb, base->ptr, base->size));
	CHECK_OK(braid_merge__text_split(&to, ours->ptr, ours->size));
	CHECK_OK(braid_merge__text_split(&tt, theirs->ptr, theirs->size));
	for (i = 0; i < r->nregions; i++) {
		const braid_merge_region *g = &r->regions[i];

		CHECK(g->description && *g->description);
		CHECK(g->base_start <= g->base_end && g->base_end <= tb.nlines);
		CHECK(g->ours_start <= g->ours_end && g->ours_end <= to.nlines);
		CHECK(g->theirs_start <= g->theirs_end && g->theirs_end <= tt.nlines);
		CHECK_INT(g->base_off, tb.off[g->base_start]);
		CHECK_INT(g->base_len, tb.off[g->base_end] - tb.off[g->base_start]);
		CHECK_INT(g->ours_off, to.off[g->ours_start]);
		CHECK_INT(g->ours_len, to.off[g->ours_end] - to.off[g->ours_start]);
		CHECK_INT(g->theirs_off, tt.off[g->theirs_start]);
		CHECK_INT(g->theirs_len, tt.off[g->theirs_end] - tt.off[g->theirs_start]);
		if (i)
			CHECK(r->regions[i - 1].base_end <= g->base_start);
	}
	braid_merge__text_release(&tb);
	braid_merge__text_release(&to);
	braid_merge__text_release(&tt);
}

TEST(merge_property_symmetric_on_random_edits)
{
	braid_buf base = BRAID_BUF_INIT, ours = BRAID_BUF_INIT, theirs = BRAID_BUF_INIT;
	unsigned iter;
	size_t nclean = 0, nconflict = 0;

	rng_seed(4);
	for (iter = 0; iter < 1500; iter++) {
		unsigned alphabet = 2 + rnd(8);
		braid_merge_result *r1, *r2;
		size_t i;

		random_text(&base, rnd(30), alphabet);
		mutate(&ours, &base, alphabet);
		mutate(&theirs, &base, alphabet);
		r1 = merge_buf(&base, &ours, &theirs);
		r2 = merge_buf(&base, &theirs, &ours);
		CHECK_INT(r1->clean, r2->clean);
		CHECK_INT(r1->nregions, r2->nregions);
		CHECK_INT(r1->conflict_regions, r2->conflict_regions);
		for (i = 0; i < r1->nregions; i++) {
			CHECK_INT(r1->regions[i].base_start, r2->regions[i].base_start);
			CHECK_INT(r1->regions[i].base_end, r2->regions[i].base_end);
			CHECK_INT(r1->regions[i].ours_start, r2->regions[i].theirs_start);
			CHECK_INT(r1->regions[i].ours_end, r2->regions[i].theirs_end);
			CHECK_INT(r1->regions[i].kind, r2->regions[i].kind);
		}
		check_regions(r1, &base, &ours, &theirs);
		if (r1->clean) {
			nclean++;
			CHECK_MEM(r1->merged, r1->merged_len, r2->merged, r2->merged_len);
		} else {
			nconflict++;
			CHECK_INT(count_markers(r1->merged, r1->merged_len), r1->conflict_regions);
		}
		braid_merge_result_free(r1);
		braid_merge_result_free(r2);
	}
	/* both outcomes were exercised */
	CHECK(nclean > 100);
	CHECK(nconflict > 100);
	braid_buf_dispose(&base);
	braid_buf_dispose(&ours);
	braid_buf_dispose(&theirs);
}

static void lines_tier(braid_buf *merged, int *clean, braid_merge__regions *rs, const braid_buf *b,
                       const braid_buf *o, const braid_buf *t)
{
	braid_merge__lines_opts lo = {"main", "base", "submitted", 0};

	braid_buf_clear(merged);
	CHECK_OK(braid_merge__lines(merged, rs, clean, b->ptr, b->size, o->ptr, o->size, t->ptr,
	                            t->size, &lo));
}

TEST(merge_property_line_tier_exact_against_base)
{
	/* the line tier itself (not the file-level shortcut) reproduces a side
	 * merged against an unchanged other side, or against itself */
	braid_buf base = BRAID_BUF_INIT, side = BRAID_BUF_INIT, merged = BRAID_BUF_INIT;
	unsigned iter;

	rng_seed(5);
	for (iter = 0; iter < 800; iter++) {
		unsigned alphabet = 2 + rnd(8);
		braid_merge__regions rs = BRAID_MERGE__REGIONS_INIT;
		int clean = 0;
		size_t i;

		random_text(&base, rnd(30), alphabet);
		mutate(&side, &base, alphabet);

		lines_tier(&merged, &clean, &rs, &base, &side, &base);
		CHECK_INT(clean, 1);
		CHECK_MEM(merged.ptr, merged.size, side.ptr, side.size);
		for (i = 0; i < rs.n; i++)
			CHECK_INT(rs.v[i].kind, BRAID_KIND_ONE_SIDE);
		braid_merge__regions_dispose(&rs);

		lines_tier(&merged, &clean, &rs, &base, &base, &side);
		CHECK_INT(clean, 1);
		CHECK_MEM(merged.ptr, merged.size, side.ptr, side.size);
		braid_merge__regions_dispose(&rs);

		lines_tier(&merged, &clean, &rs, &base, &side, &side);
		CHECK_INT(clean, 1);
		CHECK_MEM(merged.ptr, merged.size, side.ptr, side.size);
		for (i = 0; i < rs.n; i++)
			CHECK_INT(rs.v[i].kind, BRAID_KIND_IDENTICAL);
		braid_merge__regions_dispose(&rs);
	}
	braid_buf_dispose(&base);
	braid_buf_dispose(&side);
	braid_buf_dispose(&merged);
}

static void random_bytes(braid_buf *b, unsigned n)
{
	static const char alphabet[] = {'a', 'b', '\n', '\n', '\r', 'c'};
	unsigned i;

	braid_buf_clear(b);
	for (i = 0; i < n; i++)
		CHECK_OK(braid_buf_putc(b, alphabet[rnd(sizeof(alphabet))]));
}

TEST(merge_property_random_bytes)
{
	/* Arbitrary bytes (lone "\r", empty lines, no final newline, absent
	 * sides) never break the invariants. */
	braid_buf bufs[3] = {BRAID_BUF_INIT, BRAID_BUF_INIT, BRAID_BUF_INIT};
	unsigned iter;
	int k;

	rng_seed(6);
	for (iter = 0; iter < 1500; iter++) {
		braid_merge_input in;
		braid_merge_result *r = NULL;
		const char *p[3];

		for (k = 0; k < 3; k++) {
			random_bytes(&bufs[k], rnd(24));
			p[k] = rnd(12) ? bufs[k].ptr : NULL;
		}
		if (rnd(3) == 0) /* often derive the sides from the base */
			CHECK_OK(braid_buf_set(&bufs[1], bufs[0].ptr, bufs[0].size / 2));
		memset(&in, 0, sizeof(in));
		in.base = p[0];
		in.base_len = p[0] ? bufs[0].size : 0;
		in.ours = p[1];
		in.ours_len = p[1] ? bufs[1].size : 0;
		in.theirs = p[2];
		in.theirs_len = p[2] ? bufs[2].size : 0;
		in.driver = rnd(4) ? NULL : "union";
		CHECK_OK(braid_merge_file(&r, &in, NULL));
		CHECK_INT(r->merged_regions + r->conflict_regions, r->nregions);
		CHECK_INT(r->clean, r->conflict_regions == 0);
		CHECK(!r->deleted || (r->clean && !r->merged));
		CHECK(r->merged || r->deleted || !r->clean);
		if (p[0] && p[1] && p[2])
			check_regions(r, &bufs[0], &bufs[1], &bufs[2]);
		if (in.driver)
			CHECK_INT(r->clean || !p[0] || !p[1] || !p[2], 1);
		braid_merge_result_free(r);
	}
	for (k = 0; k < 3; k++)
		braid_buf_dispose(&bufs[k]);
}
