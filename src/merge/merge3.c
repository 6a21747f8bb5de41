/*
 * merge3.c: the line tier, a diff3-equivalent three-way merge. Both sides
 * are diffed against the base; hunks of different sides that overlap or
 * touch (or that would insert into, or at the same point as, each other's
 * edit) are grouped into one region, chaining as diff3 does; every other
 * hunk commutes and is applied as is. Touching edits are grouped as git
 * groups them; whether they lie in different declarations is the structure
 * tier's question (the union driver and token merges let them commute). A
 * region both sides changed to the same lines merges once; on a last pass,
 * a region where one side's change is contained in the other's takes the
 * larger side; any other two-sided region is a conflict, written with
 * diff3-style markers (or kept ours-then-theirs by the union driver).
 */
#include "merge/merge_int.h"

struct m3 {
	braid_merge__text base, ours, theirs;
	int tokens;  /* units are tokens, not lines: no newline rules, no regions */
	int subsume; /* a change contained in the other side's is taken as that side's */
	braid_diff_hunk *ho, *ht;
	size_t no, nt;
	const braid_merge__lines_opts *o;
	const char *eol; /* for markers and for closing an open last line */
	braid_buf *out;
	braid_merge__regions *regions;
};

/* The replacement of h ends in a line without a newline (the side's last line). */
static int ends_open(const braid_merge__text *side, const braid_diff_hunk *h)
{
	return h->new_end > h->new_start && braid_merge__text_line_open(side, h->new_end - 1);
}

/* Whether hunks x and y of different sides must be decided together. */
static int interact(const braid_diff_hunk *x, const braid_merge__text *tx, const braid_diff_hunk *y,
                    const braid_merge__text *ty, int tokens, int touching)
{
	int xins = x->old_start == x->old_end, yins = y->old_start == y->old_end;

	if (xins && yins)
		return x->old_start == y->old_start;
	if (touching && (x->old_end == y->old_start || y->old_end == x->old_start))
		return 1;
	if (tokens)
		goto ranges;
	/* an insertion right after an edit that dropped the final newline
	 * would be glued onto that edit's last line */
	if (xins && x->old_start == y->old_end && ends_open(ty, y))
		return 1;
	if (yins && y->old_start == x->old_end && ends_open(tx, x))
		return 1;
ranges:
	if (xins)
		return y->old_start < x->old_start && x->old_start < y->old_end;
	if (yins)
		return x->old_start < y->old_start && y->old_start < x->old_end;
	return (x->old_start > y->old_start ? x->old_start : y->old_start) <
	       (x->old_end < y->old_end ? x->old_end : y->old_end);
}

/* Does candidate c interact with any of grp[lo, hi) (sorted, disjoint)? */
static int interacts_with(const braid_diff_hunk *c, const braid_merge__text *tc,
                          const braid_diff_hunk *grp, size_t lo, size_t hi,
                          const braid_merge__text *tg, int tokens, int touching)
{
	size_t k;

	for (k = hi; k-- > lo;) {
		if (grp[k].old_end < c->old_start)
			break;
		if (interact(c, tc, &grp[k], tg, tokens, touching))
			return 1;
	}
	return 0;
}

static int put_lines(braid_buf *b, const braid_merge__text *t, size_t s, size_t e)
{
	return braid_buf_put(b, t->buf + t->off[s], t->off[e] - t->off[s]);
}

/* Lines s..e of a side inside a conflict block, closing an open last line. */
static int put_block(struct m3 *m, const braid_merge__text *t, size_t s, size_t e)
{
	int err;

	if ((err = put_lines(m->out, t, s, e)) < 0)
		return err;
	if (e > s && braid_merge__text_line_open(t, e - 1))
		return braid_buf_puts(m->out, m->eol);
	return 0;
}

static int put_marker(struct m3 *m, const char *mark, const char *label)
{
	int err;

	if ((err = braid_buf_puts(m->out, mark)) < 0)
		return err;
	if (label && *label && (err = braid_buf_printf(m->out, " %s", label)) < 0)
		return err;
	return braid_buf_puts(m->out, m->eol);
}

static int same_lines(const braid_merge__text *a, size_t as, size_t ae, const braid_merge__text *b,
                      size_t bs, size_t be)
{
	size_t i;

	if (ae - as != be - bs)
		return 0;
	for (i = 0; i < ae - as; i++)
		if (a->id[as + i] != b->id[bs + i])
			return 0;
	return 1;
}

/* A line worth matching: it holds a letter or a digit. */
static int has_alnum(const braid_merge__text *t, size_t i)
{
	const char *p = t->buf + t->off[i], *e = t->buf + t->off[i + 1];

	for (; p < e; p++)
		if ((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
			return 1;
	return 0;
}

/*
 * Is the change of side A (hunks ha[a0, a1) of text ta) contained in side
 * B's (hb[b0, b1) of tb)? Every base line A replaced, B replaced too, and
 * the lines A wrote appear, in order, among the lines B wrote, one of
 * them at least with a letter or digit. Then B made A's change and more
 * (a fix both sides made, one with extra lines around it; a cherry-pick
 * the other side built on), and B's lines are the merge of both.
 */
static int contained(const braid_diff_hunk *ha, size_t a0, size_t a1, const braid_merge__text *ta,
                     const braid_diff_hunk *hb, size_t b0, size_t b1, const braid_merge__text *tb)
{
	size_t i, k = b0, p, q;
	int real = 0;

	for (i = a0; i < a1; i++) {
		for (p = ha[i].old_start; p < ha[i].old_end; p++) {
			while (k < b1 && hb[k].old_end <= p)
				k++;
			if (k == b1 || hb[k].old_start > p)
				return 0;
		}
	}
	k = b0;
	q = k < b1 ? hb[k].new_start : 0;
	for (i = a0; i < a1; i++) {
		for (p = ha[i].new_start; p < ha[i].new_end; p++) {
			real |= has_alnum(ta, p);
			for (;;) {
				if (k == b1)
					return 0;
				if (q == hb[k].new_end) {
					if (++k < b1)
						q = hb[k].new_start;
					continue;
				}
				if (tb->id[q++] == ta->id[p])
					break;
			}
		}
	}
	return real;
}

/* "line 4" or "lines 4-7", 1-based, for base lines [s, e). */
static int put_span(braid_buf *b, size_t s, size_t e)
{
	if (e - s == 1)
		return braid_buf_printf(b, "line %zu", s + 1);
	return braid_buf_printf(b, "lines %zu-%zu", s + 1, e);
}

/* Where an insertion at base position p lands. */
static int put_where(braid_buf *b, size_t p)
{
	if (!p)
		return braid_buf_puts(b, "at the start of the file");
	return braid_buf_printf(b, "after line %zu", p);
}

static int describe(braid_buf *d, const struct m3 *m, braid_merge_kind kind, const char *who,
                    size_t gs, size_t ge, size_t nours, size_t ntheirs, size_t nside)
{
	int err;

	if (kind == BRAID_KIND_ONE_SIDE || kind == BRAID_KIND_DISJOINT) {
		if (gs == ge) {
			if ((err = braid_buf_printf(d, "%s inserted %zu line%s ", who, nside,
			                            nside == 1 ? "" : "s")) < 0)
				return err;
			return put_where(d, gs);
		}
		if ((err = braid_buf_printf(d, "%s %s ", who, nside ? "changed" : "deleted")) < 0)
			return err;
		return put_span(d, gs, ge);
	}
	if (kind == BRAID_KIND_IDENTICAL) {
		if (gs == ge) {
			if ((err = braid_buf_printf(d, "both sides inserted the same %zu line%s ",
			                            nside, nside == 1 ? "" : "s")) < 0)
				return err;
			return put_where(d, gs);
		}
		if ((err = braid_buf_puts(d, nside ? "both sides made the same change to "
		                                   : "both sides deleted ")) < 0)
			return err;
		return put_span(d, gs, ge);
	}
	if (kind == BRAID_KIND_SUBSUMED) {
		const char *other = who == m->o->ours_label ? m->o->theirs_label : m->o->ours_label;

		if ((err = braid_buf_printf(d, "%s's change ", other)) < 0)
			return err;
		if (gs == ge)
			err = put_where(d, gs);
		else if ((err = braid_buf_puts(d, "to ")) == 0)
			err = put_span(d, gs, ge);
		if (err < 0)
			return err;
		return braid_buf_printf(d, " is part of %s's; kept %s's lines", who, who);
	}
	/* a conflict, possibly resolved by the union driver */
	if (gs == ge) {
		if ((err = braid_buf_puts(d, "both sides inserted different lines ")) < 0 ||
		    (err = put_where(d, gs)) < 0)
			return err;
	} else if (!nours || !ntheirs) {
		const char *del = nours ? m->o->theirs_label : m->o->ours_label;
		const char *chg = nours ? m->o->ours_label : m->o->theirs_label;

		if ((err = braid_buf_printf(d, "%s deleted ", del)) < 0 ||
		    (err = put_span(d, gs, ge)) < 0 ||
		    (err = braid_buf_printf(d, " that %s changed", chg)) < 0)
			return err;
	} else {
		if ((err = braid_buf_puts(d, "both sides changed ")) < 0 ||
		    (err = put_span(d, gs, ge)) < 0 ||
		    (err = braid_buf_puts(d, " differently")) < 0)
			return err;
	}
	if (kind == BRAID_KIND_DRIVER)
		return braid_buf_printf(d, "; the union driver kept %s's lines, then %s's",
		                        m->o->ours_label, m->o->theirs_label);
	return 0;
}

/* `side` is 1 when only ours changed the region, 2 when only theirs did, else 0. */
static int add_region(struct m3 *m, braid_merge_verdict v, braid_merge_kind kind, int side,
                      size_t gs, size_t ge, size_t os, size_t oe, size_t ts, size_t te)
{
	braid_buf d = BRAID_BUF_INIT;
	braid_merge_region r;
	const char *who = side == 2 ? m->o->theirs_label : m->o->ours_label;
	size_t nside = side == 2 ? te - ts : oe - os;
	int err;

	if (!m->regions)
		return 0;
	if ((err = describe(&d, m, kind, who, gs, ge, oe - os, te - ts, nside)) < 0) {
		braid_buf_dispose(&d);
		return err;
	}
	memset(&r, 0, sizeof(r));
	r.verdict = v;
	r.kind = kind;
	r.base_start = gs;
	r.base_end = ge;
	r.ours_start = os;
	r.ours_end = oe;
	r.theirs_start = ts;
	r.theirs_end = te;
	r.base_off = m->base.off[gs];
	r.base_len = m->base.off[ge] - m->base.off[gs];
	r.ours_off = m->ours.off[os];
	r.ours_len = m->ours.off[oe] - m->ours.off[os];
	r.theirs_off = m->theirs.off[ts];
	r.theirs_len = m->theirs.off[te] - m->theirs.off[ts];
	r.symbols = NULL;
	r.description = braid_buf_detach(&d);
	if (!r.description)
		return braid_error_set(BRAID_ENOMEM, "out of memory describing a region");
	return braid_merge__regions_push(m->regions, &r);
}

/*
 * Where base range [gs, ge) sits in a side, given the side's hunks
 * h[lo, hi) inside the group (possibly none) and all hunks before them.
 */
static void side_range(const braid_diff_hunk *h, size_t lo, size_t hi, size_t gs, size_t ge,
                       size_t *s, size_t *e)
{
	if (hi > lo) {
		*s = h[lo].new_start - (h[lo].old_start - gs);
		*e = h[hi - 1].new_end + (ge - h[hi - 1].old_end);
	} else if (lo > 0) {
		*s = h[lo - 1].new_end + (gs - h[lo - 1].old_end);
		*e = *s + (ge - gs);
	} else {
		*s = gs;
		*e = ge;
	}
}

static const char *detect_eol(const struct m3 *m)
{
	const braid_merge__text *order[3] = {&m->ours, &m->theirs, &m->base};
	size_t i;

	/* follow the first side that has a terminated line, as git does for CRLF files */
	for (i = 0; i < 3; i++) {
		const braid_merge__text *t = order[i];
		const char *nl = t->len ? memchr(t->buf, '\n', t->len) : NULL;
		if (nl)
			return nl > t->buf && nl[-1] == '\r' ? "\r\n" : "\n";
	}
	return "\n";
}

static int merge_groups(struct m3 *m, int *clean)
{
	size_t i = 0, j = 0, pos = 0;
	int one_side_only = !m->no || !m->nt, err;
	int touching = !m->tokens && m->o->touching;

	*clean = 1;
	while (i < m->no || j < m->nt) {
		size_t i0 = i, j0 = j, gs, ge, os, oe, ts, te;
		int grew;

		/* seed with the earliest hunk; an insertion goes before a range at its point */
		if (j >= m->nt || (i < m->no && (m->ho[i].old_start < m->ht[j].old_start ||
		                                 (m->ho[i].old_start == m->ht[j].old_start &&
		                                  m->ho[i].old_end <= m->ht[j].old_end))))
			i++;
		else
			j++;
		do {
			grew = 0;
			if (j < m->nt && interacts_with(&m->ht[j], &m->theirs, m->ho, i0, i,
			                                &m->ours, m->tokens, touching)) {
				j++;
				grew = 1;
			}
			if (i < m->no && interacts_with(&m->ho[i], &m->ours, m->ht, j0, j,
			                                &m->theirs, m->tokens, touching)) {
				i++;
				grew = 1;
			}
		} while (grew);

		gs = SIZE_MAX;
		ge = 0;
		if (i > i0) {
			gs = m->ho[i0].old_start;
			ge = m->ho[i - 1].old_end;
		}
		if (j > j0) {
			if (m->ht[j0].old_start < gs)
				gs = m->ht[j0].old_start;
			if (m->ht[j - 1].old_end > ge)
				ge = m->ht[j - 1].old_end;
		}
		side_range(m->ho, i0, i, gs, ge, &os, &oe);
		side_range(m->ht, j0, j, gs, ge, &ts, &te);

		if ((err = put_lines(m->out, &m->base, pos, gs)) < 0)
			return err;
		pos = ge;

		if (i > i0 && j > j0 && same_lines(&m->ours, os, oe, &m->theirs, ts, te)) {
			if ((err = put_lines(m->out, &m->ours, os, oe)) < 0 ||
			    (err = add_region(m, BRAID_VERDICT_MERGE, BRAID_KIND_IDENTICAL, 0, gs,
			                      ge, os, oe, ts, te)) < 0)
				return err;
		} else if (i > i0 && j > j0 && m->o->union_driver) {
			if ((err = put_block(m, &m->ours, os, oe)) < 0 ||
			    (err = put_lines(m->out, &m->theirs, ts, te)) < 0 ||
			    (err = add_region(m, BRAID_VERDICT_MERGE, BRAID_KIND_DRIVER, 0, gs, ge,
			                      os, oe, ts, te)) < 0)
				return err;
		} else if (i > i0 && j > j0 && m->subsume &&
		           (contained(m->ht, j0, j, &m->theirs, m->ho, i0, i, &m->ours) ||
		            contained(m->ho, i0, i, &m->ours, m->ht, j0, j, &m->theirs))) {
			int ours_side = contained(m->ht, j0, j, &m->theirs, m->ho, i0, i, &m->ours);

			if (ours_side)
				err = put_lines(m->out, &m->ours, os, oe);
			else
				err = put_lines(m->out, &m->theirs, ts, te);
			if (err < 0 ||
			    (err = add_region(m, BRAID_VERDICT_MERGE, BRAID_KIND_SUBSUMED,
			                      ours_side ? 1 : 2, gs, ge, os, oe, ts, te)) < 0)
				return err;
		} else if (i > i0 && j > j0) {
			*clean = 0;
			if ((err = put_marker(m, "<<<<<<<", m->o->ours_label)) < 0 ||
			    (err = put_block(m, &m->ours, os, oe)) < 0 ||
			    (err = put_marker(m, "|||||||", m->o->base_label)) < 0 ||
			    (err = put_block(m, &m->base, gs, ge)) < 0 ||
			    (err = put_marker(m, "=======", NULL)) < 0 ||
			    (err = put_block(m, &m->theirs, ts, te)) < 0 ||
			    (err = put_marker(m, ">>>>>>>", m->o->theirs_label)) < 0 ||
			    (err = add_region(m, BRAID_VERDICT_CONFLICT, BRAID_KIND_CONTENT, 0, gs,
			                      ge, os, oe, ts, te)) < 0)
				return err;
		} else {
			int ours_side = i > i0;
			braid_merge_kind kind =
			    one_side_only ? BRAID_KIND_ONE_SIDE : BRAID_KIND_DISJOINT;

			if (ours_side)
				err = put_lines(m->out, &m->ours, os, oe);
			else
				err = put_lines(m->out, &m->theirs, ts, te);
			if (err < 0 ||
			    (err = add_region(m, BRAID_VERDICT_MERGE, kind, ours_side ? 1 : 2, gs,
			                      ge, os, oe, ts, te)) < 0)
				return err;
		}
	}
	return put_lines(m->out, &m->base, pos, m->base.nlines);
}

static int run(struct m3 *m, int *clean, int myers)
{
	braid_merge__text *all[3];
	size_t nids;
	int err;

	all[0] = &m->base;
	all[1] = &m->ours;
	all[2] = &m->theirs;
	if ((err = braid_merge__intern(all, 3, &nids)) < 0 ||
	    (err = braid_merge__diff_algo(&m->ho, &m->no, &m->base, &m->ours, nids, myers)) < 0 ||
	    (err = braid_merge__diff_algo(&m->ht, &m->nt, &m->base, &m->theirs, nids, myers)) < 0)
		return err;
	m->eol = detect_eol(m);
	return merge_groups(m, clean);
}

/*
 * Merge again with another alignment (`myers`) or rule (`subsume`) into a
 * scratch buffer; only when that pass is clean does its text and regions
 * replace what the first pass wrote after `mark` / `nreg`.
 */
static int retry(struct m3 *m, braid_buf *merged, size_t mark, braid_merge__regions *regions,
                 size_t nreg, int *clean, int myers, int subsume)
{
	braid_buf alt = BRAID_BUF_INIT;
	braid_merge__regions ar = BRAID_MERGE__REGIONS_INIT;
	braid_buf *out = m->out;
	braid_merge__regions *regs = m->regions;
	int c2 = 0, err;
	size_t i;

	free(m->ho);
	free(m->ht);
	m->ho = m->ht = NULL;
	m->out = &alt;
	m->regions = &ar;
	m->subsume = subsume;
	err = run(m, &c2, myers);
	if (err == 0 && c2) {
		while (regions->n > nreg) {
			braid_merge_region *r = &regions->v[--regions->n];
			free(r->description);
		}
		braid_buf_truncate(merged, mark);
		err = braid_buf_put(merged, alt.ptr, alt.size);
		for (i = 0; err == 0 && i < ar.n; i++) {
			err = braid_merge__regions_push(regions, &ar.v[i]);
			ar.v[i].description = NULL;
		}
		for (; i < ar.n; i++)
			free(ar.v[i].description);
		ar.n = 0;
		*clean = 1;
	}
	/* The scratch pass is over: m points at the caller's buffers again. */
	m->out = out;
	m->regions = regs;
	braid_buf_dispose(&alt);
	braid_merge__regions_dispose(&ar);
	return err;
}

int braid_merge__lines(braid_buf *merged, braid_merge__regions *regions, int *clean,
                       const char *base, size_t base_len, const char *ours, size_t ours_len,
                       const char *theirs, size_t theirs_len, const braid_merge__lines_opts *o)
{
	struct m3 m;
	size_t mark = merged->size, nreg = regions ? regions->n : 0;
	int err;

	memset(&m, 0, sizeof(m));
	m.o = o;
	m.out = merged;
	m.regions = regions;
	if ((err = braid_merge__text_split(&m.base, base, base_len)) < 0 ||
	    (err = braid_merge__text_split(&m.ours, ours, ours_len)) < 0 ||
	    (err = braid_merge__text_split(&m.theirs, theirs, theirs_len)) < 0)
		goto done;
	err = run(&m, clean, 0);
	if (err == 0 && !*clean && regions) {
		/*
		 * Histogram and Myers align some edits differently; where the
		 * histogram's alignment conflicts and Myers' (git merge-file's)
		 * merges, take Myers', so braid is never stricter than git.
		 */
		err = retry(&m, merged, mark, regions, nreg, clean, 1, 0);
	}
	if (err == 0 && !*clean && regions && !o->union_driver) {
		/*
		 * Still conflicting: where one side's change is contained in
		 * the other's, take the larger one. Only when that settles the
		 * whole file (else the structure tier decides); never on a
		 * file git merges (the passes above already did).
		 */
		err = retry(&m, merged, mark, regions, nreg, clean, 0, 1);
	}
done:
	free(m.ho);
	free(m.ht);
	braid_merge__text_release(&m.base);
	braid_merge__text_release(&m.ours);
	braid_merge__text_release(&m.theirs);
	return err;
}

int braid_merge__units(braid_buf *merged, int *clean, const braid_merge__text *base,
                       const braid_merge__text *ours, const braid_merge__text *theirs,
                       const braid_merge__lines_opts *o)
{
	struct m3 m;
	int err;

	memset(&m, 0, sizeof(m));
	m.o = o;
	m.out = merged;
	m.tokens = 1;
	m.base = *base;
	m.ours = *ours;
	m.theirs = *theirs;
	/* ids are ours to fill: the callers' texts keep only their offsets */
	m.base.id = m.ours.id = m.theirs.id = NULL;
	err = run(&m, clean, 0);
	free(m.ho);
	free(m.ht);
	free(m.base.id);
	free(m.ours.id);
	free(m.theirs.id);
	return err;
}
