/*
 * tokens.c: an element's text as tokens, for the token-level three-way
 * merge inside one definition and for carrying a rename to new references.
 * Tokens are the syntax tree's leaves; the bytes between leaves (spaces,
 * newlines) are tokens too, so the tokens of a text concatenate back to it.
 */
#include "merge/structure_int.h"

#include <ctype.h>

void braid_merge__toks_release(braid_merge__toks *t)
{
	if (!t)
		return;
	free(t->off);
	free(t->kind);
	memset(t, 0, sizeof(*t));
}

struct tb {
	braid_merge__toks *t;
	size_t alloc;
};

static int push(struct tb *b, size_t start, unsigned char kind)
{
	braid_merge__toks *t = b->t;

	if (!t->off || t->n + 2 > b->alloc) {
		size_t na = b->alloc ? b->alloc * 2 : 64;
		size_t *o = realloc(t->off, na * sizeof(*o));
		unsigned char *k;

		if (!o)
			return braid_error_set(BRAID_ENOMEM, "out of memory cutting tokens");
		t->off = o;
		k = realloc(t->kind, na);
		if (!k)
			return braid_error_set(BRAID_ENOMEM, "out of memory cutting tokens");
		t->kind = k;
		b->alloc = na;
	}
	t->off[t->n] = start;
	t->kind[t->n] = kind;
	t->n++;
	return 0;
}

/* Text between leaves: runs of spaces and runs of anything else. */
static int gap(struct tb *b, size_t s, size_t e)
{
	const char *p = b->t->buf;
	int err;

	while (s < e) {
		int sp = isspace((unsigned char)p[s]) != 0;
		size_t k = s;

		while (k < e && (isspace((unsigned char)p[k]) != 0) == sp)
			k++;
		if ((err = push(b, s, sp ? TOK_SPACE : TOK_TEXT)) < 0)
			return err;
		s = k;
	}
	return 0;
}

static unsigned char leaf_kind(const braid_syntax_leaf *l)
{
	if (l->extra)
		return TOK_EXTRA;
	if (!l->identifier)
		return TOK_TEXT;
	if (!strcmp(l->type, "field_identifier") || !strcmp(l->type, "property_identifier") ||
	    !strcmp(l->type, "private_property_identifier"))
		return TOK_FIELD;
	return TOK_IDENT;
}

int braid_merge__tokenize(braid_merge__toks *t, const char *src, size_t start, size_t end,
                          const braid_syntax_node *nodes, size_t nnodes)
{
	struct tb b = {t, 0};
	size_t pos = 0, i, k, len = end - start;
	int err = 0;

	memset(t, 0, sizeof(*t));
	t->buf = src + start;
	t->len = len;
	for (i = 0; i < nnodes && err == 0; i++) {
		braid_syntax_leaf *leaves = NULL;
		size_t nl = 0;

		if ((err = braid_syntax_node_leaves(&leaves, &nl, nodes[i])) < 0)
			break;
		for (k = 0; k < nl && err == 0; k++) {
			size_t s = leaves[k].start, e = leaves[k].end;

			if (e <= start || s >= end)
				continue;
			if (s < start)
				s = start;
			if (e > end)
				e = end;
			s -= start;
			e -= start;
			if (s < pos) /* overlapping leaves: keep the first */
				continue;
			if (s > pos)
				err = gap(&b, pos, s);
			if (err == 0)
				err = push(&b, s, leaf_kind(&leaves[k]));
			pos = e;
		}
		free(leaves);
	}
	if (err == 0 && pos < len)
		err = gap(&b, pos, len);
	if (err == 0 && !t->off && (err = push(&b, 0, TOK_SPACE)) == 0)
		t->n = 0; /* no tokens: just room for the end offset */
	if (err < 0) {
		braid_merge__toks_release(t);
		return err;
	}
	/* push() succeeded at least once, so off has room for n + 1 entries; the
	 * analyzer loses that when it does not follow push() through gap(). */
	t->off[t->n] = len; /* NOLINT(clang-analyzer-core.NullDereference) */
	return 0;
}

static int tok_is(const braid_merge__toks *t, size_t i, const char *s)
{
	size_t n = strlen(s);

	return t->off[i + 1] - t->off[i] == n && !memcmp(t->buf + t->off[i], s, n);
}

/* The token before i that is not a space, or SIZE_MAX. */
static size_t prev_solid(const braid_merge__toks *t, size_t i)
{
	while (i-- > 0)
		if (t->kind[i] != TOK_SPACE && t->kind[i] != TOK_EXTRA)
			return i;
	return SIZE_MAX;
}

/* Which rename (if any) token i of `t` refers to by its old name. */
static braid_merge__rename *renamed_ref(const braid_merge__toks *t, size_t i,
                                        braid_merge__rename *ren, size_t nren)
{
	size_t k, p;

	if (t->kind[i] != TOK_IDENT && t->kind[i] != TOK_FIELD)
		return NULL;
	for (k = 0; k < nren; k++) {
		if (!tok_is(t, i, ren[k].old_s))
			continue;
		if (ren[k].member)
			return &ren[k];
		if (t->kind[i] == TOK_FIELD)
			continue;
		/* a top-level name: `x.old` and `x->old` are members of something else */
		p = prev_solid(t, i);
		if (p != SIZE_MAX &&
		    (tok_is(t, p, ".") || tok_is(t, p, "->") || tok_is(t, p, "?.")))
			continue;
		return &ren[k];
	}
	return NULL;
}

int braid_merge__carry_renames(braid_buf *out, size_t *n, size_t *newoff,
                               const braid_merge__toks *base, const braid_merge__toks *side,
                               braid_merge__rename *ren, size_t nren)
{
	size_t start = out->size;
	braid_merge__text tb = BRAID_MERGE__TEXT_INIT, ts = BRAID_MERGE__TEXT_INIT;
	braid_merge__text *all[2] = {&tb, &ts};
	braid_diff_hunk *h = NULL;
	unsigned char *added = NULL;
	size_t nh = 0, nids, i, k;
	int err = 0;

	*n = 0;
	if (!(added = calloc(side->n ? side->n : 1, 1)))
		return braid_error_set(BRAID_ENOMEM, "out of memory carrying a rename");
	if (!base) {
		memset(added, 1, side->n);
	} else {
		tb.buf = base->buf;
		tb.len = base->len;
		tb.nlines = base->n;
		tb.off = base->off;
		ts.buf = side->buf;
		ts.len = side->len;
		ts.nlines = side->n;
		ts.off = side->off;
		if ((err = braid_merge__intern(all, 2, &nids)) < 0 ||
		    (err = braid_merge__diff(&h, &nh, &tb, &ts, nids)) < 0)
			goto done;
		for (k = 0; k < nh; k++)
			memset(added + h[k].new_start, 1, h[k].new_end - h[k].new_start);
	}
	for (i = 0; i < side->n && err == 0; i++) {
		braid_merge__rename *r = added[i] ? renamed_ref(side, i, ren, nren) : NULL;

		if (newoff)
			newoff[i] = out->size - start;
		if (r) {
			err = braid_buf_puts(out, r->new_s);
			r->carried++;
			(*n)++;
		} else {
			err = braid_buf_put(out, side->buf + side->off[i],
			                    side->off[i + 1] - side->off[i]);
		}
	}
	if (err == 0 && newoff)
		newoff[side->n] = out->size - start;
done:
	free(tb.id);
	free(ts.id);
	free(h);
	free(added);
	return err;
}
