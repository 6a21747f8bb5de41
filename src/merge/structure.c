/*
 * structure.c: tier 2 (structure) and tier 3 (semantic rules) of MergePolicy.
 *
 * Used only when the line tier conflicts. Each side is parsed; the file's
 * top level and every container of struct_lang.c (struct/class bodies, enum
 * lists, initializer lists, import lists...) is cut into elements, each
 * with its leading blank lines and comments. Elements are matched across
 * sides by a key: the kind and name of what they define (a signature in
 * languages with overloading), the key of a key/value pair, or else their
 * normalized text. The key sequences are diffed (histogram) and merged
 * three-way:
 *   - an element only one side changed, added or deleted takes that side;
 *   - additions of both sides at one spot are all kept, ours first, unless
 *     two define the same key differently (add/add);
 *   - an element both sides changed is merged inside: by members when it is
 *     a container, else by lines, else by tokens (edits must not overlap);
 *   - deleting what the other side changed is a modify/delete conflict;
 *   - anything else two-sided (both replaced one element) conflicts;
 *   - an element that moved is a reorder: structure gives up on the file.
 * Tier 3 adds renames: a definition whose name changed but whose text is
 * otherwise the same matches its old self; renamed differently on both
 * sides it escalates; new references to the old name on the other side are
 * rewritten to the new one.
 *
 * The result must parse with no more error nodes than ours or theirs;
 * decisions next to a new error become "parse" conflicts and the merge is
 * redone. Conflicts are written with diff3 markers on whole lines.
 */
#include "merge/structure_int.h"

#include <ctype.h>

/* Trace why structure gave up, in builds with -DBRAID_MERGE_DEBUG. */
#ifdef BRAID_MERGE_DEBUG
#define DBG(...) fprintf(stderr, __VA_ARGS__)
#else
#define DBG(...) ((void)0)
#endif

#define MAX_PASSES       4    /* merges redone after blaming a parse error */
#define MAX_RENAME_PAIRS 4096 /* candidate pairs compared per side */
#define CONTAINER_DEPTH  6    /* how deep below an element its container may sit */

/* ---------------------------------------------------------------- keys */

struct keytab {
	char **s;
	size_t *len;
	size_t n, alloc;
	size_t *slots; /* id + 1; 0 = empty */
	size_t cap;
};

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603u;

	while (n--)
		h = (h ^ (unsigned char)*p++) * 1099511628211u;
	return h;
}

static void keytab_free(struct keytab *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->s[i]);
	free(k->s);
	free(k->len);
	free(k->slots);
	memset(k, 0, sizeof(*k));
}

static int keytab_grow(struct keytab *k)
{
	size_t ncap = k->cap ? k->cap * 2 : 256, i;
	size_t *slots = calloc(ncap, sizeof(*slots));

	if (!slots)
		return braid_error_set(BRAID_ENOMEM, "out of memory keying elements");
	for (i = 0; i < k->n; i++) {
		size_t s = hash_bytes(k->s[i], k->len[i]) & (ncap - 1);
		while (slots[s])
			s = (s + 1) & (ncap - 1);
		slots[s] = i + 1;
	}
	free(k->slots);
	k->slots = slots;
	k->cap = ncap;
	return 0;
}

/* The id of a key string; *fresh says whether it was new. */
static int key_id(struct keytab *k, const char *p, size_t n, size_t *id, int *fresh)
{
	size_t s;
	int err;

	if ((k->n + 1) * 2 > k->cap && (err = keytab_grow(k)) < 0)
		return err;
	s = hash_bytes(p, n) & (k->cap - 1);
	for (; k->slots[s]; s = (s + 1) & (k->cap - 1)) {
		size_t i = k->slots[s] - 1;
		/* A used slot names an entry of s[] and len[]; the analyzer does not
		 * know calloc() left every slot of a fresh table empty. */
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
		if (k->len[i] == n && !memcmp(k->s[i], p, n)) {
			*id = i;
			if (fresh)
				*fresh = 0;
			return 0;
		}
	}
	if (k->n == k->alloc) {
		size_t na = k->alloc ? k->alloc * 2 : 64;
		char **ns = realloc(k->s, na * sizeof(*ns));
		size_t *nl;

		if (!ns)
			return braid_error_set(BRAID_ENOMEM, "out of memory keying elements");
		k->s = ns;
		nl = realloc(k->len, na * sizeof(*nl));
		if (!nl)
			return braid_error_set(BRAID_ENOMEM, "out of memory keying elements");
		k->len = nl;
		k->alloc = na;
	}
	if (!(k->s[k->n] = braid_strndup(p, n)))
		return BRAID_ENOMEM;
	k->len[k->n] = n;
	k->slots[s] = k->n + 1;
	*id = k->n++;
	if (fresh)
		*fresh = 1;
	return 0;
}

/* ------------------------------------------------------------ versions */

struct ver {
	const char *src;
	size_t len;
	braid_syntax_tree *tree;
	braid_symbol_list *syms;
	const braid_symbol **byst; /* symbols sorted by start byte */
	size_t *ls;                /* line starts */
	size_t nls;
	braid_merge__rename *ren; /* renames this side made (ours, theirs) */
	size_t nren;
	int side; /* 0 base, 1 ours, 2 theirs */
};

static void ver_release(struct ver *v)
{
	size_t i;

	braid_syntax_tree_free(v->tree);
	braid_symbol_list_free(v->syms);
	free(v->byst);
	free(v->ls);
	for (i = 0; i < v->nren; i++) {
		free(v->ren[i].old_q);
		free(v->ren[i].new_q);
	}
	free(v->ren);
	*v = (struct ver){0};
}

static int cmp_sym(const void *a, const void *b)
{
	const braid_symbol *x = *(const braid_symbol *const *)a,
	                   *y = *(const braid_symbol *const *)b;

	if (x->start_byte != y->start_byte)
		return x->start_byte < y->start_byte ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int ver_open(struct ver *v, const char *lang, const char *src, size_t len, int side)
{
	size_t i, n = 1;
	int err;

	v->src = src ? src : "";
	v->len = len;
	v->side = side;
	if ((err = braid_syntax_parse(&v->tree, lang, v->src, len)) < 0)
		return err;
	if ((err = braid_syntax_symbols(&v->syms, v->tree)) < 0)
		return err;
	if (v->syms->count) {
		if (!(v->byst = malloc(v->syms->count * sizeof(*v->byst))))
			return braid_error_set(BRAID_ENOMEM, "out of memory sorting symbols");
		for (i = 0; i < v->syms->count; i++)
			v->byst[i] = &v->syms->items[i];
		qsort(v->byst, v->syms->count, sizeof(*v->byst), cmp_sym);
	}
	for (i = 0; i < len; i++)
		n += v->src[i] == '\n';
	if (!(v->ls = malloc((n + 1) * sizeof(*v->ls))))
		return braid_error_set(BRAID_ENOMEM, "out of memory counting lines");
	v->ls[0] = 0;
	v->nls = 1;
	for (i = 0; i < len; i++)
		if (v->src[i] == '\n')
			v->ls[v->nls++] = i + 1;
	return 0;
}

/* The 0-based line holding byte `off`. */
static size_t line_of(const struct ver *v, size_t off)
{
	size_t lo = 0, hi = v->nls;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->ls[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Lines [*ls, *le) covering bytes [s, e): a leading newline belongs to the line before. */
static void line_span(const struct ver *v, size_t s, size_t e, size_t *ls, size_t *le)
{
	while (s < e && (v->src[s] == '\n' || v->src[s] == '\r'))
		s++;
	if (s >= e) {
		*ls = *le = line_of(v, s) + (s > 0 && s <= v->len && v->src[s - 1] == '\n' ? 0 : 1);
		if (*ls > v->nls)
			*ls = *le = v->nls;
		return;
	}
	*ls = line_of(v, s);
	*le = line_of(v, e - 1) + 1;
}

/* ------------------------------------------------------------- renames */

static int same_name_prefix(const char *a, const char *b)
{
	const char *da = strrchr(a, '.'), *db = strrchr(b, '.');
	size_t la = da ? (size_t)(da - a) : 0, lb = db ? (size_t)(db - b) : 0;

	return la == lb && !memcmp(a, b, la);
}

static const char *short_name(const char *q)
{
	const char *d = strrchr(q, '.');
	return d ? d + 1 : q;
}

static int is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/*
 * 1 when side text `s` is base text `b` with every whole word `from`
 * spelled `to`, and at least one was.
 */
static int equal_but_renamed(const char *b, size_t bn, const char *s, size_t sn, const char *from,
                             const char *to)
{
	size_t i = 0, j = 0, fl = strlen(from), tl = strlen(to);
	int hits = 0;

	while (i < bn && j < sn) {
		if ((i == 0 || !is_word(b[i - 1])) && bn - i >= fl && !memcmp(b + i, from, fl) &&
		    (i + fl == bn || !is_word(b[i + fl]))) {
			if (sn - j < tl || memcmp(s + j, to, tl) ||
			    (j + tl < sn && is_word(s[j + tl])))
				return 0;
			i += fl;
			j += tl;
			hits++;
			continue;
		}
		if (b[i] != s[j])
			return 0;
		i++;
		j++;
	}
	return i == bn && j == sn && hits > 0;
}

static int renameable(const char *kind)
{
	return strcmp(kind, "import") && strcmp(kind, "package") && strcmp(kind, "key") &&
	       strcmp(kind, "impl") && strcmp(kind, "namespace") && strcmp(kind, "module");
}

/* Symbols of `a` whose kind and name `b` lacks. */
static int missing_syms(const braid_symbol ***out, size_t *nout, const struct ver *a,
                        const struct ver *b, struct keytab *scratch)
{
	const braid_symbol **v;
	braid_buf k = BRAID_BUF_INIT;
	size_t i, id, n = 0, before;
	int err = 0, fresh;

	*out = NULL;
	*nout = 0;
	before = scratch->n;
	for (i = 0; i < b->syms->count && err == 0; i++) {
		braid_buf_clear(&k);
		if ((err = braid_buf_printf(&k, "%s\x01%s", b->syms->items[i].kind,
		                            b->syms->items[i].name)) == 0)
			err = key_id(scratch, k.ptr, k.size, &id, NULL);
	}
	if (err < 0 || !a->syms->count)
		goto done;
	if (!(v = malloc(a->syms->count * sizeof(*v)))) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory comparing symbols");
		goto done;
	}
	for (i = 0; i < a->syms->count && err == 0; i++) {
		const braid_symbol *s = &a->syms->items[i];

		braid_buf_clear(&k);
		if ((err = braid_buf_printf(&k, "%s\x01%s", s->kind, s->name)) < 0)
			break;
		if ((err = key_id(scratch, k.ptr, k.size, &id, &fresh)) < 0)
			break;
		if (fresh || id >= before)
			if (renameable(s->kind))
				v[n++] = s;
	}
	if (err < 0) {
		free(v);
		goto done;
	}
	*out = v;
	*nout = n;
done:
	braid_buf_dispose(&k);
	return err;
}

/* Find the renames side `s` made relative to base `b`. */
static int find_renames(struct ver *s, const struct ver *b)
{
	const braid_symbol **gone = NULL, **born = NULL;
	size_t ngone = 0, nborn = 0, i, j, alloc = 0;
	struct keytab k1 = {0}, k2 = {0};
	unsigned char *used = NULL;
	int err;

	if ((err = missing_syms(&gone, &ngone, b, s, &k1)) < 0 ||
	    (err = missing_syms(&born, &nborn, s, b, &k2)) < 0)
		goto done;
	if (!ngone || !nborn || ngone * nborn > MAX_RENAME_PAIRS)
		goto done;
	if (!(used = calloc(nborn, 1))) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory finding renames");
		goto done;
	}
	for (i = 0; i < ngone; i++) {
		const braid_symbol *g = gone[i];

		for (j = 0; j < nborn; j++) {
			const braid_symbol *n = born[j];
			braid_merge__rename *r;

			if (used[j] || strcmp(g->kind, n->kind) || g->depth != n->depth ||
			    !same_name_prefix(g->name, n->name))
				continue;
			if (!equal_but_renamed(b->src + g->start_byte, g->end_byte - g->start_byte,
			                       s->src + n->start_byte, n->end_byte - n->start_byte,
			                       short_name(g->name), short_name(n->name)))
				continue;
			if (s->nren == alloc) {
				size_t na = alloc ? alloc * 2 : 4;
				braid_merge__rename *p = realloc(s->ren, na * sizeof(*p));
				if (!p) {
					err = braid_error_set(BRAID_ENOMEM,
					                      "out of memory finding renames");
					goto done;
				}
				s->ren = p;
				alloc = na;
			}
			r = &s->ren[s->nren];
			memset(r, 0, sizeof(*r));
			r->old_q = braid_strdup(g->name);
			r->new_q = braid_strdup(n->name);
			if (!r->old_q || !r->new_q) {
				free(r->old_q);
				free(r->new_q);
				err = BRAID_ENOMEM;
				goto done;
			}
			r->old_s = short_name(r->old_q);
			r->new_s = short_name(r->new_q);
			r->member = g->depth > 0;
			s->nren++;
			used[j] = 1;
			break;
		}
	}
done:
	free(gone);
	free(born);
	free(used);
	keytab_free(&k1);
	keytab_free(&k2);
	return err;
}

/* The rename of side `v` whose new qualified name is `q`, or NULL. */
static braid_merge__rename *rename_to(const struct ver *v, const char *q)
{
	size_t i;

	for (i = 0; i < v->nren; i++)
		if (!strcmp(v->ren[i].new_q, q))
			return &v->ren[i];
	return NULL;
}

/* ---------------------------------------------------------- containers */

struct elem {
	size_t s, ns, ne, ps, pe, e; /* extent, node, separator, end (see list) */
	size_t c0, c1;               /* the container's children covering the element */
	size_t key;
	int named;                /* the key names something (a definition or a field) */
	const braid_symbol *sym;  /* what it defines first, or NULL */
	braid_merge__rename *ren; /* the rename that names it on this side, or NULL */
	braid_syntax_node node;
};

/*
 * A container cut into elements. Its inner text [is, ie) is: for each
 * element, lead (blank lines, comments) + node + [separator] + tail (same
 * line comment), then the trailer up to the closing delimiter.
 */
struct list {
	struct ver *v;
	braid_syntax_node node;
	const struct braid_merge__cspec *spec;
	braid_syntax_child *ch;
	size_t nch;
	size_t is, ie;
	struct elem *el;
	size_t n;
	const char *sep; /* separator text; NULL when not a separated list */
	size_t seplen;
	const char *prefix; /* qualified name of the container's definition, or NULL */
};

static void list_release(struct list *l)
{
	free(l->ch);
	free(l->el);
	memset(l, 0, sizeof(*l));
}

static int is_open_tok(const char *t)
{
	return !strcmp(t, "{") || !strcmp(t, "(") || !strcmp(t, "[");
}

static int is_close_tok(const char *t)
{
	return !strcmp(t, "}") || !strcmp(t, ")") || !strcmp(t, "]") || !strcmp(t, "#endif");
}

static int is_sep_tok(const char *t)
{
	return !strcmp(t, ",") || !strcmp(t, ";");
}

static int is_error(braid_syntax_node n)
{
	return !strcmp(braid_syntax_node_type(n), "ERROR");
}

/* A comment or another extra (never an ERROR, which tree-sitter may mark extra). */
static int is_extra(braid_syntax_node n)
{
	return braid_syntax_node_is_extra(n) && !is_error(n);
}

static int is_elem_child(const struct braid_merge__cspec *sp, const braid_syntax_child *c)
{
	if (is_error(c->node))
		return !sp->elem_field;
	if (!braid_syntax_node_is_named(c->node) || braid_syntax_node_is_extra(c->node))
		return 0;
	if (sp->stop_type && !strcmp(braid_syntax_node_type(c->node), sp->stop_type))
		return 0;
	if (sp->after_field && c->field && !strcmp(c->field, sp->after_field))
		return 0;
	if (sp->elem_field)
		return c->field && !strcmp(c->field, sp->elem_field);
	return 1;
}

static int has_newline(const char *p, size_t s, size_t e)
{
	return e > s && memchr(p + s, '\n', e - s) != NULL;
}

/* An include guard: #ifndef X, #define X first, no #else. */
static int is_guard(const struct list *l)
{
	braid_syntax_node name = braid_syntax_node_field(l->node, "name");
	size_t i;

	if (!braid_syntax_node_is_null(braid_syntax_node_field(l->node, "alternative")) ||
	    braid_syntax_node_is_null(name) || !l->nch ||
	    strcmp(braid_syntax_node_type(l->ch[0].node), "#ifndef"))
		return 0;
	for (i = 0; i < l->nch; i++) {
		braid_syntax_node n = l->ch[i].node, dn;
		size_t a, b, c, d;

		if (!is_elem_child(l->spec, &l->ch[i]))
			continue;
		if (strcmp(braid_syntax_node_type(n), "preproc_def"))
			return 0;
		dn = braid_syntax_node_field(n, "name");
		if (braid_syntax_node_is_null(dn))
			return 0;
		a = braid_syntax_node_start(name);
		b = braid_syntax_node_end(name);
		c = braid_syntax_node_start(dn);
		d = braid_syntax_node_end(dn);
		return b - a == d - c && !memcmp(l->v->src + a, l->v->src + c, b - a);
	}
	return 0;
}

static int push_elem(struct list *l, size_t *alloc, const struct elem *e)
{
	if (l->n == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 16;
		struct elem *p = realloc(l->el, na * sizeof(*p));
		if (!p)
			return braid_error_set(BRAID_ENOMEM, "out of memory cutting elements");
		l->el = p;
		*alloc = na;
	}
	l->el[l->n++] = *e;
	return 0;
}

/*
 * Cut `node` of version `v` into elements. Returns 1 when the node is not
 * a list braid can merge by elements (then `l` is released).
 */
static int cut(struct list *l, struct ver *v, braid_syntax_node node,
               const struct braid_merge__cspec *sp, const char *prefix)
{
	size_t i, open = SIZE_MAX, close, alloc = 0;
	struct elem *cur = NULL;
	size_t lead_at = SIZE_MAX; /* start of a leading sibling (Rust attribute) */
	int root = (sp->flags & CS_ROOT) != 0, err;

	memset(l, 0, sizeof(*l));
	l->v = v;
	l->node = node;
	l->spec = sp;
	l->prefix = prefix;
	if ((err = braid_syntax_node_children(&l->ch, &l->nch, node)) < 0)
		return err;
	if ((sp->flags & CS_GUARD) && !is_guard(l))
		goto no;
	/* the opening delimiter, before any element */
	for (i = 0; i < l->nch; i++) {
		const braid_syntax_child *c = &l->ch[i];
		const char *t = braid_syntax_node_type(c->node);

		if (sp->after_field) {
			if (c->field && !strcmp(c->field, sp->after_field)) {
				open = i;
				break;
			}
			continue;
		}
		if (is_elem_child(sp, c))
			break;
		if (!braid_syntax_node_is_named(c->node) && is_open_tok(t)) {
			open = i;
			break;
		}
	}
	if (open == SIZE_MAX && (sp->flags & CS_DELIMITED))
		goto no;
	if (sp->after_field && open == SIZE_MAX)
		goto no;
	/* the first child that ends the list */
	for (close = open == SIZE_MAX ? 0 : open + 1; close < l->nch; close++) {
		const braid_syntax_child *c = &l->ch[close];
		const char *t = braid_syntax_node_type(c->node);

		if (is_extra(c->node) || is_elem_child(sp, c))
			continue;
		if (braid_syntax_node_is_named(c->node)) {
			if (sp->elem_field && !sp->stop_type && close < l->nch &&
			    (!c->field || strcmp(c->field, sp->elem_field)) && open == SIZE_MAX &&
			    l->n == 0)
				continue; /* `from x import`: module before the names */
			break;
		}
		if (is_close_tok(t))
			break;
		if (braid_merge__leading_type(t))
			continue;
	}
	for (i = close; i < l->nch; i++)
		if (is_elem_child(sp, &l->ch[i]))
			goto no; /* elements on both sides of something else */

	if (root) {
		l->is = 0;
		l->ie = v->len;
	} else {
		l->is = braid_syntax_node_start(node);
		if (open != SIZE_MAX) {
			l->is = braid_syntax_node_end(l->ch[open].node);
		} else {
			/* no delimiter (`import a, b`, a Python block): the first element */
			for (i = 0; i < close; i++)
				if (is_elem_child(sp, &l->ch[i])) {
					l->is = braid_syntax_node_start(l->ch[i].node);
					break;
				}
		}
		l->ie = close < l->nch ? braid_syntax_node_start(l->ch[close].node)
		                       : braid_syntax_node_end(node);
	}
	for (i = open == SIZE_MAX ? 0 : open + 1; i < close; i++) {
		const braid_syntax_child *c = &l->ch[i];
		braid_syntax_node n = c->node;
		const char *t = braid_syntax_node_type(n);
		size_t ns = braid_syntax_node_start(n), ne = braid_syntax_node_end(n);

		if (!root && sp->elem_field && open == SIZE_MAX && !is_elem_child(sp, c) &&
		    l->n == 0) {
			/* before the first name of an unparenthesized import */
			continue;
		}
		if (is_extra(n)) {
			if (cur && ns >= cur->e && !has_newline(v->src, cur->e, ns) &&
			    (cur->e == 0 || v->src[cur->e - 1] != '\n')) {
				cur->e = ne;
				cur->c1 = i + 1;
			}
			continue;
		}
		if (braid_syntax_node_is_named(n) && braid_merge__leading_type(t)) {
			if (lead_at == SIZE_MAX)
				lead_at = ns;
			continue;
		}
		if (is_elem_child(sp, c)) {
			struct elem e;

			memset(&e, 0, sizeof(e));
			e.s = cur ? cur->e : l->is;
			e.c0 = cur ? cur->c1 : (open == SIZE_MAX ? 0 : open + 1);
			e.ns = lead_at != SIZE_MAX ? lead_at : ns;
			e.ne = e.ps = e.pe = e.e = ne;
			e.c1 = i + 1;
			e.node = n;
			if (e.s > e.ns)
				goto no;
			lead_at = SIZE_MAX;
			if ((err = push_elem(l, &alloc, &e)) < 0)
				return err;
			cur = &l->el[l->n - 1];
			continue;
		}
		if (!cur)
			continue; /* a stray token before the first element: part of its lead */
		if (braid_syntax_node_is_named(n))
			goto no;
		if (sp->flags & CS_SEPARATED) {
			if (!is_sep_tok(t) || cur->ps != cur->pe)
				goto no;
			cur->ps = ns;
			cur->pe = cur->e = ne;
			cur->c1 = i + 1;
			if (!l->sep) {
				l->sep = v->src + ns;
				l->seplen = ne - ns;
			}
		} else {
			cur->ne = cur->ps = cur->pe = cur->e = ne;
			cur->c1 = i + 1;
		}
	}
	if (lead_at != SIZE_MAX)
		goto no;
	if (cur && cur->e > l->ie)
		l->ie = cur->e;
	if ((sp->flags & CS_SEPARATED) && !l->sep) {
		l->sep = ",";
		l->seplen = 1;
	}
	if (!(sp->flags & CS_SEPARATED))
		l->sep = NULL;
	if (!root && !l->n && open == SIZE_MAX)
		goto no;
	return 0;
no:
	list_release(l);
	return 1;
}

/* --------------------------------------------------------------- keying */

static const struct {
	const char *type, *field;
} key_fields[] = {
    {"pair", "key"},
    {"initializer_pair", "designator"},
    {"field_initializer", "field"},
    {"keyed_element", NULL}, /* the first named child */
    {"shorthand_field_initializer", NULL},
};

/* The qualified name `q` seen from inside `prefix` ("A.f" in A is "f"). */
static const char *strip_prefix(const char *q, const char *prefix)
{
	size_t n = prefix ? strlen(prefix) : 0;

	if (n && !strncmp(q, prefix, n) && q[n] == '.')
		return q + n + 1;
	return q;
}

/* Normalized text: whitespace runs as one space, hashed when long. */
static int put_norm(braid_buf *k, const char *p, size_t n)
{
	braid_buf t = BRAID_BUF_INIT;
	size_t i;
	int sp = 0, err = 0;

	for (i = 0; i < n && err == 0; i++) {
		if (isspace((unsigned char)p[i])) {
			sp = 1;
			continue;
		}
		if (sp && t.size)
			err = braid_buf_putc(&t, ' ');
		sp = 0;
		if (err == 0)
			err = braid_buf_putc(&t, p[i]);
	}
	if (err == 0) {
		if (t.size <= 64)
			err = braid_buf_put(k, t.ptr, t.size);
		else
			err = braid_buf_printf(k, "%zu#%016llx", t.size,
			                       (unsigned long long)hash_bytes(t.ptr, t.size));
	}
	braid_buf_dispose(&t);
	return err;
}

/* Index of the first symbol of `v` starting at or after `off`. */
static size_t sym_lower(const struct ver *v, size_t off)
{
	size_t lo = 0, hi = v->syms->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->byst[mid]->start_byte < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Nodes that wrap definitions without being one: keyed by their condition. */
static int is_wrapper(const char *type)
{
	/* an ERROR node is matched by its place among the others: its content is a guess */
	return !strncmp(type, "preproc_if", 10) || !strcmp(type, "linkage_specification") ||
	       !strcmp(type, "ERROR");
}

struct sm; /* the file-level context, below */
static braid_syntax_node find_container(const char *lang, braid_syntax_node n,
                                        const struct braid_merge__cspec **spec);
static int key_elems(struct sm *sm, struct list *l);

/* ------------------------------------------------------------- context */

/* A conflict in output coordinates: the output holds ours' text there. */
struct span {
	size_t s, e;
	char *base, *theirs;
	size_t blen, tlen;
};

struct sm {
	const braid_merge_input *in;
	const braid_merge__lines_opts *lo;
	const char *lang;
	int tier;  /* highest allowed */
	int used3; /* a semantic rule was used */
	int overloads;
	struct ver v[3]; /* base, ours, theirs */
	struct keytab keys;
	braid_buf out;
	struct span *spans;
	size_t nspans, aspans;
	braid_merge__regions regions;
	/* decisions (keep-both, merged inside) in the order made, with their output */
	size_t ndec, adec;
	size_t *dec_s, *dec_e;
	unsigned char *forced; /* per decision id: made a parse conflict */
	size_t nforced;
	int declined;
};

static int key_elems(struct sm *sm, struct list *l)
{
	struct ver *v = l->v;
	braid_buf k = BRAID_BUF_INIT;
	size_t i, j;
	int err = 0;

	for (i = 0; i < l->n && err == 0; i++) {
		struct elem *e = &l->el[i];
		const char *type = braid_syntax_node_type(e->node);
		int mind = INT32_MAX, first = 1, imports, self_c = 0;
		const struct braid_merge__cspec *csp;
		braid_syntax_node cn;
		size_t cs, ce;

		braid_buf_clear(&k);
		e->sym = NULL;
		e->ren = NULL;
		e->named = 0;
		if (is_wrapper(type)) {
			/* #if blocks, extern "C": named by their condition, not their contents */
			braid_syntax_node c = braid_syntax_node_field(e->node, "name");

			if (braid_syntax_node_is_null(c))
				c = braid_syntax_node_field(e->node, "condition");
			if (braid_syntax_node_is_null(c))
				c = braid_syntax_node_field(e->node, "value");
			cs = braid_syntax_node_is_null(c) ? e->ns : braid_syntax_node_start(c);
			ce = braid_syntax_node_is_null(c) ? e->ns : braid_syntax_node_end(c);
			e->named = 1;
			if ((err = braid_buf_printf(&k, "w:%s:", type)) < 0 ||
			    (err = put_norm(&k, v->src + cs, ce - cs)) < 0)
				break;
			goto unique;
		}
		/* what it defines at its outermost depth, outside its own container */
		cn = find_container(sm->lang, e->node, &csp);
		if (braid_syntax_node_is_null(cn)) {
			cs = SIZE_MAX;
			ce = 0;
		} else if (braid_syntax_node_start(cn) == braid_syntax_node_start(e->node)) {
			/* the element is a list itself (`const ( ... )`): its inside */
			struct list self;
			int r = cut(&self, v, cn, csp, NULL);

			if (r < 0) {
				err = r;
				break;
			}
			self_c = 1;
			cs = r ? SIZE_MAX : self.is;
			ce = r ? 0 : self.ie;
			if (!r)
				list_release(&self);
		} else {
			cs = braid_syntax_node_start(cn);
			ce = braid_syntax_node_end(cn);
		}
		imports = 0;
		for (j = sym_lower(v, e->ns); j < v->syms->count; j++) {
			const braid_symbol *s = v->byst[j];
			if (s->start_byte >= e->ne)
				break;
			if (s->start_byte >= cs && s->end_byte <= ce)
				continue;
			if (s->end_byte <= e->ne && s->depth < mind)
				mind = s->depth;
		}
		for (j = sym_lower(v, e->ns); mind != INT32_MAX && j < v->syms->count && err == 0;
		     j++) {
			const braid_symbol *s = v->byst[j];
			braid_merge__rename *r;
			const char *q = s->name, *rest;

			if (s->start_byte >= e->ne)
				break;
			if (s->end_byte > e->ne || s->depth != mind ||
			    (s->start_byte >= cs && s->end_byte <= ce))
				continue;
			if (!e->sym)
				e->sym = s;
			imports += !strcmp(s->kind, "import");
			r = sm->tier >= 3 ? rename_to(v, s->name) : NULL;
			if (r) {
				q = r->old_q;
				if (!e->ren)
					e->ren = r;
			}
			/* the signature after the name: "(int,char*)" where overloads exist */
			rest = "";
			if (sm->overloads && !strncmp(s->signature, s->name, strlen(s->name)))
				rest = s->signature + strlen(s->name);
			err = braid_buf_printf(&k, "%sd:%s:%s%s", first ? "" : ";", s->kind,
			                       strip_prefix(q, l->prefix), rest);
			first = 0;
		}
		if (err < 0)
			break;
		if (cs != SIZE_MAX && (!k.size || (imports && !self_c))) {
			/* a group (import list, const block): named by the text before its list */
			braid_buf_clear(&k);
			e->sym = NULL;
			e->named = 1;
			if ((err = braid_buf_printf(&k, "f:%s:", type)) < 0 ||
			    (err = put_norm(&k, v->src + e->ns, cs - e->ns)) < 0)
				break;
			goto unique;
		}
		if (err < 0)
			break;
		if (k.size) {
			e->named = 1;
		} else {
			size_t f;
			braid_syntax_node kn = {0};
			int keyed = 0;

			for (f = 0; f < BRAID_ARRAY_SIZE(key_fields); f++) {
				if (strcmp(type, key_fields[f].type))
					continue;
				keyed = 1;
				if (key_fields[f].field) {
					kn = braid_syntax_node_field(e->node, key_fields[f].field);
				} else {
					braid_syntax_child *ch = NULL;
					size_t nch = 0, c;
					if ((err = braid_syntax_node_children(&ch, &nch, e->node)) <
					    0)
						break;
					for (c = 0; c < nch; c++)
						if (braid_syntax_node_is_named(ch[c].node)) {
							kn = ch[c].node;
							break;
						}
					free(ch);
				}
				break;
			}
			if (err < 0)
				break;
			if (keyed && !braid_syntax_node_is_null(kn)) {
				e->named = 1;
				err = braid_buf_printf(&k, "k:%s:", type);
				if (err == 0)
					err = put_norm(&k, v->src + braid_syntax_node_start(kn),
					               braid_syntax_node_end(kn) -
					                   braid_syntax_node_start(kn));
			} else {
				err = braid_buf_printf(&k, "t:%s:", type);
				if (err == 0)
					err = put_norm(&k, v->src + e->ns, e->ne - e->ns);
			}
		}
		if (err < 0)
			break;
	unique:
		/* unique within the list: the n-th twin gets a suffix */
		for (j = 1;; j++) {
			int fresh;
			size_t id, before = k.size, m;
			int dup = 0;

			if ((err = key_id(&sm->keys, k.ptr, k.size, &id, &fresh)) < 0)
				break;
			for (m = 0; m < i; m++)
				if (l->el[m].key == id)
					dup = 1;
			if (!dup) {
				e->key = id;
				break;
			}
			braid_buf_truncate(&k, before);
			if (j > 1) {
				char *hash = memchr(k.ptr, '\x02', k.size);
				if (hash)
					braid_buf_truncate(&k, (size_t)(hash - k.ptr));
			}
			if ((err = braid_buf_printf(&k, "\x02%zu", j + 1)) < 0)
				break;
		}
	}
	braid_buf_dispose(&k);
	return err;
}

/* ------------------------------------------------------------- output */

static int add_span(struct sm *sm, size_t s, size_t e, const char *b, size_t bl, const char *t,
                    size_t tl)
{
	struct span *sp;

	if (sm->nspans == sm->aspans) {
		size_t na = sm->aspans ? sm->aspans * 2 : 8;
		struct span *p = realloc(sm->spans, na * sizeof(*p));
		if (!p)
			return braid_error_set(BRAID_ENOMEM, "out of memory recording a conflict");
		sm->spans = p;
		sm->aspans = na;
	}
	sp = &sm->spans[sm->nspans];
	sp->s = s;
	sp->e = e;
	sp->base = braid_strndup(b ? b : "", bl);
	sp->theirs = braid_strndup(t ? t : "", tl);
	sp->blen = bl;
	sp->tlen = tl;
	if (!sp->base || !sp->theirs) {
		free(sp->base);
		free(sp->theirs);
		return BRAID_ENOMEM;
	}
	sm->nspans++;
	return 0;
}

static void spans_clear(struct sm *sm)
{
	size_t i;

	for (i = 0; i < sm->nspans; i++) {
		free(sm->spans[i].base);
		free(sm->spans[i].theirs);
	}
	sm->nspans = 0;
}

/* Open a decision; returns its id. A forced one must become a parse conflict. */
static int dec_open(struct sm *sm, size_t *id)
{
	if (sm->ndec == sm->adec) {
		size_t na = sm->adec ? sm->adec * 2 : 16;
		size_t *s = realloc(sm->dec_s, na * sizeof(*s)), *e;
		if (!s)
			return braid_error_set(BRAID_ENOMEM, "out of memory");
		sm->dec_s = s;
		e = realloc(sm->dec_e, na * sizeof(*e));
		if (!e)
			return braid_error_set(BRAID_ENOMEM, "out of memory");
		sm->dec_e = e;
		sm->adec = na;
	}
	*id = sm->ndec++;
	sm->dec_s[*id] = sm->dec_e[*id] = sm->out.size;
	return 0;
}

static int dec_forced(const struct sm *sm, size_t id)
{
	return id < sm->nforced && sm->forced[id];
}

/* ------------------------------------------------------------- regions */

static int elem_label(braid_buf *d, const struct elem *e, const struct ver *v)
{
	size_t n, i;
	const char *p;

	if (e->sym)
		return braid_buf_printf(d, "`%s`", e->sym->name);
	/* the first line of the node, shortened */
	p = v->src + e->ns;
	n = e->ne - e->ns;
	for (i = 0; i < n && p[i] != '\n' && i < 40; i++)
		;
	return braid_buf_printf(d, "`%.*s%s`", (int)i, p, i < n && p[i] != '\n' ? "..." : "");
}

struct rspan {
	const struct list *l;
	size_t a, b; /* elements [a, b) of the list; a == b: an empty spot before a */
};

/* Byte range of elements [a, b) of l (the spot before a when empty). */
static void rs_bytes(const struct rspan *r, size_t *s, size_t *e)
{
	const struct list *l = r->l;

	if (!l) {
		*s = *e = 0;
	} else if (r->a < r->b) {
		*s = l->el[r->a].s;
		*e = l->el[r->b - 1].e;
	} else if (r->a < l->n) {
		*s = *e = l->el[r->a].s;
	} else {
		*s = *e = l->n ? l->el[l->n - 1].e : l->is;
	}
}

static int add_symbol(char ***syms, size_t *n, const char *name)
{
	char **p;
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*syms)[i], name))
			return 0;
	if (!(p = realloc(*syms, (*n + 2) * sizeof(*p))))
		return braid_error_set(BRAID_ENOMEM, "out of memory naming symbols");
	*syms = p;
	if (!(p[*n] = braid_strdup(name)))
		return BRAID_ENOMEM;
	p[++*n] = NULL;
	return 0;
}

/*
 * Record a region over element spans of base, ours and theirs; the
 * description is `d` (taken). Symbols are the names the elements define.
 */
static int region(struct sm *sm, braid_merge_verdict verdict, braid_merge_kind kind,
                  const struct rspan *rb, const struct rspan *ro, const struct rspan *rt,
                  braid_buf *d)
{
	braid_merge_region r;
	const struct rspan *rs[3] = {rb, ro, rt};
	char **syms = NULL;
	size_t nsyms = 0, i, k, s, e, ls, le;
	int err = 0;

	memset(&r, 0, sizeof(r));
	r.verdict = verdict;
	r.kind = kind;
	for (i = 0; i < 3; i++) {
		const struct ver *v = &sm->v[i];

		rs_bytes(rs[i], &s, &e);
		line_span(v, s, e, &ls, &le);
		switch (i) {
		case 0:
			r.base_start = ls, r.base_end = le, r.base_off = s, r.base_len = e - s;
			break;
		case 1:
			r.ours_start = ls, r.ours_end = le, r.ours_off = s, r.ours_len = e - s;
			break;
		default:
			r.theirs_start = ls, r.theirs_end = le, r.theirs_off = s,
			r.theirs_len = e - s;
			break;
		}
		for (k = rs[i]->a; rs[i]->l && k < rs[i]->b && err == 0; k++) {
			const struct elem *el = &rs[i]->l->el[k];
			if (el->sym)
				err = add_symbol(&syms, &nsyms, el->sym->name);
		}
	}
	r.symbols = syms;
	r.description = braid_buf_detach(d);
	if (err < 0 || !r.description) {
		for (i = 0; i < nsyms; i++)
			free(syms[i]);
		free(syms);
		free(r.description);
		return err < 0 ? err : braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	if ((err = braid_merge__regions_push(&sm->regions, &r)) < 0) {
		for (i = 0; i < nsyms; i++)
			free(syms[i]);
		free(syms);
	}
	return err;
}

/* "`a`, `b` and `c`" for elements [a, b) of l */
static int put_labels(braid_buf *d, const struct list *l, size_t a, size_t b)
{
	size_t i, shown = 0;
	int err = 0;

	for (i = a; i < b && err == 0; i++, shown++) {
		if (shown == 3) {
			err = braid_buf_printf(d, " and %zu more", b - i);
			break;
		}
		if (shown)
			err = braid_buf_puts(d, i + 1 == b ? " and " : ", ");
		if (err == 0)
			err = elem_label(d, &l->el[i], l->v);
	}
	return err;
}

static int is_callable(const struct elem *e)
{
	const char *k = e->sym ? e->sym->kind : "";

	return !strcmp(k, "function") || !strcmp(k, "method") || !strcmp(k, "constructor");
}

/* ------------------------------------------------------------- lists */

enum { IT_COPY, IT_DROP, IT_MERGE, IT_BOTH, IT_CONFLICT };

struct item {
	int kind;
	int side;                      /* IT_COPY / IT_DROP: 1 ours, 2 theirs */
	size_t x;                      /* IT_COPY: element of that side; IT_DROP: base element */
	size_t bi, oi, ti;             /* IT_MERGE */
	size_t b0, b1, o0, o1, t0, t1; /* IT_BOTH, IT_CONFLICT */
	braid_merge_kind ck;
	int added; /* IT_COPY: an element the side added */
};

struct lm {
	struct sm *sm;
	struct list *l[3];
	size_t *m[3];        /* m[1][i], m[2][i]: base element i in ours/theirs, or SIZE_MAX */
	unsigned char *skip; /* theirs' elements merged into ours' twin */
	size_t *twin;        /* ours' added element -> theirs' add/add twin, or SIZE_MAX */
	struct item *it;
	size_t nit, ait;
};

static int emit_list(struct sm *sm, struct list *l[3], int *declined);

static void lm_release(struct lm *lm)
{
	free(lm->m[1]);
	free(lm->m[2]);
	free(lm->skip);
	free(lm->twin);
	free(lm->it);
}

static int push_item(struct lm *lm, const struct item *it)
{
	if (lm->nit == lm->ait) {
		size_t na = lm->ait ? lm->ait * 2 : 16;
		struct item *p = realloc(lm->it, na * sizeof(*p));
		if (!p)
			return braid_error_set(BRAID_ENOMEM, "out of memory planning a merge");
		lm->it = p;
		lm->ait = na;
	}
	lm->it[lm->nit++] = *it;
	return 0;
}

static int elem_eq(const struct list *a, size_t i, const struct list *b, size_t j)
{
	const struct elem *x = &a->el[i], *y = &b->el[j];
	size_t xb = x->ne - x->s, yb = y->ne - y->s;
	size_t xp1 = x->ps - x->ne, yp1 = y->ps - y->ne, xp2 = x->e - x->pe, yp2 = y->e - y->pe;

	return xb == yb && xp1 == yp1 && xp2 == yp2 &&
	       !memcmp(a->v->src + x->s, b->v->src + y->s, xb) &&
	       !memcmp(a->v->src + x->ne, b->v->src + y->ne, xp1) &&
	       !memcmp(a->v->src + x->pe, b->v->src + y->pe, xp2);
}

/* Diff base keys against a side's: hunks over element indices. */
static int diff_keys(braid_diff_hunk **h, size_t *nh, const struct list *b, const struct list *s,
                     size_t nids)
{
	braid_merge__text tb = BRAID_MERGE__TEXT_INIT, ts = BRAID_MERGE__TEXT_INIT;
	size_t i;
	int err;

	tb.nlines = b->n;
	ts.nlines = s->n;
	tb.id = malloc((b->n ? b->n : 1) * sizeof(size_t));
	ts.id = malloc((s->n ? s->n : 1) * sizeof(size_t));
	if (!tb.id || !ts.id) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory diffing elements");
		goto done;
	}
	for (i = 0; i < b->n; i++)
		tb.id[i] = b->el[i].key;
	for (i = 0; i < s->n; i++)
		ts.id[i] = s->el[i].key;
	err = braid_merge__diff(h, nh, &tb, &ts, nids);
done:
	free(tb.id);
	free(ts.id);
	return err;
}

/* Structural interaction: overlap, or an insertion strictly inside a replaced range. */
static int s_interact(const braid_diff_hunk *x, const braid_diff_hunk *y)
{
	int xins = x->old_start == x->old_end, yins = y->old_start == y->old_end;

	if (xins && yins)
		return 0;
	if (xins)
		return y->old_start < x->old_start && x->old_start < y->old_end;
	if (yins)
		return x->old_start < y->old_start && y->old_start < x->old_end;
	return (x->old_start > y->old_start ? x->old_start : y->old_start) <
	       (x->old_end < y->old_end ? x->old_end : y->old_end);
}

static int s_interacts_with(const braid_diff_hunk *c, const braid_diff_hunk *g, size_t lo,
                            size_t hi)
{
	size_t k;

	for (k = lo; k < hi; k++)
		if (s_interact(c, &g[k]))
			return 1;
	return 0;
}

/* Matches from hunks: m[i] = side index of base element i, or SIZE_MAX. */
static int match_from(size_t **m, const braid_diff_hunk *h, size_t nh, size_t nb)
{
	size_t i, k, bi = 0, si = 0;

	if (!(*m = malloc((nb ? nb : 1) * sizeof(**m))))
		return braid_error_set(BRAID_ENOMEM, "out of memory matching elements");
	for (k = 0; k <= nh; k++) {
		size_t end = k < nh ? h[k].old_start : nb;
		while (bi < end)
			(*m)[bi++] = si++;
		if (k < nh) {
			for (i = h[k].old_start; i < h[k].old_end; i++)
				(*m)[i] = SIZE_MAX;
			bi = h[k].old_end;
			si = h[k].new_end;
		}
	}
	return 0;
}

/* A key deleted and added again by the same side: the element moved. */
static int moved(const struct list *b, const struct list *s, const braid_diff_hunk *h, size_t nh,
                 size_t nids, int *out)
{
	unsigned char *del = calloc(nids ? nids : 1, 1);
	size_t k, i;

	if (!del)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	*out = 0;
	for (k = 0; k < nh; k++)
		for (i = h[k].old_start; i < h[k].old_end; i++)
			del[b->el[i].key] = 1;
	for (k = 0; k < nh && !*out; k++)
		for (i = h[k].new_start; i < h[k].new_end; i++)
			if (del[s->el[i].key])
				*out = 1;
	free(del);
	return 0;
}

/* Is base element i modified on side s (kept there with other text)? */
static int modified(const struct lm *lm, int s, size_t i)
{
	size_t j = lm->m[s][i];

	return j != SIZE_MAX && !elem_eq(lm->l[0], i, lm->l[s], j);
}

static int plan_copy_side(struct lm *lm, int s, size_t from, size_t to)
{
	struct item it;
	size_t j;
	int err;

	for (j = from; j < to; j++) {
		memset(&it, 0, sizeof(it));
		if (s == 2 && lm->skip[j])
			continue;
		if (s == 1 && lm->twin[j] != SIZE_MAX) {
			it.kind = IT_CONFLICT;
			it.ck = BRAID_KIND_ADD_ADD;
			it.o0 = j, it.o1 = j + 1;
			it.t0 = lm->twin[j], it.t1 = lm->twin[j] + 1;
			it.b0 = it.b1 = SIZE_MAX; /* no base; placed later */
		} else {
			it.kind = IT_COPY;
			it.side = s;
			it.x = j;
			it.added = 1;
		}
		if ((err = push_item(lm, &it)) < 0)
			return err;
	}
	return 0;
}

static int plan_stable(struct lm *lm, size_t from, size_t to)
{
	struct item it;
	size_t i;
	int err;

	for (i = from; i < to; i++) {
		memset(&it, 0, sizeof(it));
		it.kind = IT_MERGE;
		it.bi = i;
		it.oi = lm->m[1][i];
		it.ti = lm->m[2][i];
		if ((err = push_item(lm, &it)) < 0)
			return err;
	}
	return 0;
}

static int plan_conflict(struct lm *lm, braid_merge_kind k, size_t gs, size_t ge, size_t os,
                         size_t oe, size_t ts, size_t te)
{
	struct item it;

	memset(&it, 0, sizeof(it));
	it.kind = IT_CONFLICT;
	it.ck = k;
	it.b0 = gs, it.b1 = ge, it.o0 = os, it.o1 = oe, it.t0 = ts, it.t1 = te;
	return push_item(lm, &it);
}

/* Where base range [gs, ge) sits on a side, from its hunks [lo, hi) and those before. */
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

/*
 * Pair additions both sides made with one key: equal ones merge once (theirs
 * skipped), different named ones are add/add conflicts; text-keyed twins
 * (statements) at different spots are both kept.
 */
static int pair_additions(struct lm *lm, const braid_diff_hunk *ho, size_t no,
                          const braid_diff_hunk *ht, size_t nt, size_t nids)
{
	struct list *o = lm->l[1], *t = lm->l[2];
	size_t *where = malloc((nids ? nids : 1) * sizeof(size_t));
	size_t *at = malloc((t->n ? t->n : 1) * sizeof(size_t));
	size_t k, j;

	if (!where || !at) {
		free(where);
		free(at);
		return braid_error_set(BRAID_ENOMEM, "out of memory pairing additions");
	}
	for (k = 0; k < nids; k++)
		where[k] = SIZE_MAX;
	for (j = 0; j < t->n; j++)
		at[j] = SIZE_MAX;
	for (k = 0; k < nt; k++)
		for (j = ht[k].new_start; j < ht[k].new_end; j++) {
			where[t->el[j].key] = j;
			at[j] = ht[k].old_start == ht[k].old_end ? ht[k].old_start : SIZE_MAX - 1;
		}
	for (k = 0; k < no; k++) {
		for (j = ho[k].new_start; j < ho[k].new_end; j++) {
			size_t tj = where[o->el[j].key];
			int same_spot;

			if (tj == SIZE_MAX)
				continue;
			same_spot = ho[k].old_start == ho[k].old_end && at[tj] == ho[k].old_start;
			if (elem_eq(o, j, t, tj)) {
				if (o->el[j].named || same_spot)
					lm->skip[tj] = 1;
			} else if (o->el[j].named) {
				lm->twin[j] = tj;
				lm->skip[tj] = 1;
			}
		}
	}
	free(where);
	free(at);
	return 0;
}

/*
 * A group of hunks of both sides that overlap: the same elements deleted or
 * replaced on both sides.
 */
static int plan_two_sided(struct lm *lm, const braid_diff_hunk *ho, size_t i0, size_t i1,
                          const braid_diff_hunk *ht, size_t j0, size_t j1, size_t gs, size_t ge)
{
	struct list *b = lm->l[0], *o = lm->l[1], *t = lm->l[2];
	size_t os, oe, ts, te, k, x;
	int oins = 0, tins = 0, odel = 0, tdel = 0, err;
	int mod_del = 0;

	side_range(ho, i0, i1, gs, ge, &os, &oe);
	side_range(ht, j0, j1, gs, ge, &ts, &te);
	for (k = i0; k < i1; k++) {
		oins |= ho[k].new_end > ho[k].new_start;
		odel |= ho[k].old_end > ho[k].old_start;
	}
	for (k = j0; k < j1; k++) {
		tins |= ht[k].new_end > ht[k].new_start;
		tdel |= ht[k].old_end > ht[k].old_start;
	}
	for (x = gs; x < ge; x++) {
		int gone_o = lm->m[1][x] == SIZE_MAX, gone_t = lm->m[2][x] == SIZE_MAX;
		if ((gone_o && !gone_t && modified(lm, 2, x)) ||
		    (gone_t && !gone_o && modified(lm, 1, x)))
			mod_del = 1;
	}
	/* the same replacement on both sides */
	if (oe - os == te - ts) {
		int same = 1;
		for (k = 0; k < oe - os && same; k++)
			same =
			    o->el[os + k].key == t->el[ts + k].key && elem_eq(o, os + k, t, ts + k);
		if (same) {
			for (k = ts; k < te; k++)
				lm->skip[k] = 1;
			return plan_copy_side(lm, 1, os, oe);
		}
	}
	if (mod_del)
		return plan_conflict(lm, BRAID_KIND_MODIFY_DELETE, gs, ge, os, oe, ts, te);
	/* one side only inserts, the other only deletes: both apply */
	if ((oins && !odel && tdel && !tins) || (tins && !tdel && odel && !oins) ||
	    (!oins && !tins)) {
		size_t p;
		for (p = gs; p <= ge; p++) {
			for (k = i0; k < i1; k++)
				if (ho[k].old_start == p && ho[k].new_end > ho[k].new_start &&
				    (err = plan_copy_side(lm, 1, ho[k].new_start, ho[k].new_end)) <
				        0)
					return err;
			for (k = j0; k < j1; k++)
				if (ht[k].old_start == p && ht[k].new_end > ht[k].new_start &&
				    (err = plan_copy_side(lm, 2, ht[k].new_start, ht[k].new_end)) <
				        0)
					return err;
			if (p == ge)
				break;
			if (lm->m[1][p] == SIZE_MAX || lm->m[2][p] == SIZE_MAX) {
				struct item it;
				memset(&it, 0, sizeof(it));
				it.kind = IT_DROP;
				it.side = lm->m[1][p] == SIZE_MAX ? 1 : 2;
				it.x = p;
				if ((err = push_item(lm, &it)) < 0)
					return err;
			} else if ((err = plan_stable(lm, p, p + 1)) < 0) {
				return err;
			}
		}
		return 0;
	}
	BRAID_UNUSED(b);
	return plan_conflict(lm, BRAID_KIND_CONTENT, gs, ge, os, oe, ts, te);
}

/* One side's hunk the other side did not touch: check it kept what was deleted. */
static int plan_one_sided(struct lm *lm, int s, const braid_diff_hunk *h)
{
	int other = s == 1 ? 2 : 1, err;
	size_t x;

	for (x = h->old_start; x < h->old_end; x++) {
		if (modified(lm, other, x)) {
			size_t os, oe, ts, te;
			size_t o0 = lm->m[other][h->old_start];

			if (s == 1) {
				os = h->new_start, oe = h->new_end;
				ts = o0, te = o0 + (h->old_end - h->old_start);
			} else {
				ts = h->new_start, te = h->new_end;
				os = o0, oe = o0 + (h->old_end - h->old_start);
			}
			return plan_conflict(lm, BRAID_KIND_MODIFY_DELETE, h->old_start, h->old_end,
			                     os, oe, ts, te);
		}
	}
	for (x = h->old_start; x < h->old_end; x++) {
		struct item it;
		memset(&it, 0, sizeof(it));
		it.kind = IT_DROP;
		it.side = s;
		it.x = x;
		if ((err = push_item(lm, &it)) < 0)
			return err;
	}
	return plan_copy_side(lm, s, h->new_start, h->new_end);
}

/* Plan the merge of three cut lists. Returns 1 when an element moved. */
static int plan(struct lm *lm)
{
	struct sm *sm = lm->sm;
	struct list *b = lm->l[0], *o = lm->l[1], *t = lm->l[2];
	braid_diff_hunk *ho = NULL, *ht = NULL;
	size_t no = 0, nt = 0, i = 0, j = 0, pos = 0, nids = sm->keys.n, k;
	int err, mv;

	if ((err = diff_keys(&ho, &no, b, o, nids)) < 0 ||
	    (err = diff_keys(&ht, &nt, b, t, nids)) < 0)
		goto done;
	if ((err = moved(b, o, ho, no, nids, &mv)) < 0)
		goto done;
	if (!mv && (err = moved(b, t, ht, nt, nids, &mv)) < 0)
		goto done;
	if (mv) {
		err = 1;
		goto done;
	}
	if ((err = match_from(&lm->m[1], ho, no, b->n)) < 0 ||
	    (err = match_from(&lm->m[2], ht, nt, b->n)) < 0)
		goto done;
	lm->skip = calloc(t->n ? t->n : 1, 1);
	lm->twin = malloc((o->n ? o->n : 1) * sizeof(size_t));
	if (!lm->skip || !lm->twin) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory planning a merge");
		goto done;
	}
	for (k = 0; k < o->n; k++)
		lm->twin[k] = SIZE_MAX;
	if ((err = pair_additions(lm, ho, no, ht, nt, nids)) < 0)
		goto done;

	while (i < no || j < nt) {
		size_t i0 = i, j0 = j, gs, ge;
		int grew;

		if (j >= nt || (i < no && (ho[i].old_start < ht[j].old_start ||
		                           (ho[i].old_start == ht[j].old_start &&
		                            ho[i].old_end <= ht[j].old_end))))
			i++;
		else
			j++;
		do {
			grew = 0;
			if (j < nt && s_interacts_with(&ht[j], ho, i0, i)) {
				j++;
				grew = 1;
			}
			if (i < no && s_interacts_with(&ho[i], ht, j0, j)) {
				i++;
				grew = 1;
			}
		} while (grew);
		gs = SIZE_MAX;
		ge = 0;
		if (i > i0) {
			gs = ho[i0].old_start;
			ge = ho[i - 1].old_end;
		}
		if (j > j0) {
			if (ht[j0].old_start < gs)
				gs = ht[j0].old_start;
			if (ht[j - 1].old_end > ge)
				ge = ht[j - 1].old_end;
		}
		if (gs < pos) /* insertions at one spot, second side */
			gs = pos;
		if ((err = plan_stable(lm, pos, gs)) < 0)
			goto done;
		if (ge > pos)
			pos = ge;
		if (i > i0 && j > j0)
			err = plan_two_sided(lm, ho, i0, i, ht, j0, j, gs, ge);
		else if (i > i0)
			err = plan_one_sided(lm, 1, &ho[i0]);
		else
			err = plan_one_sided(lm, 2, &ht[j0]);
		if (err < 0)
			goto done;
	}
	err = plan_stable(lm, pos, b->n);
done:
	free(ho);
	free(ht);
	return err;
}

/* ------------------------------------------------------------- emission */

/* The list's separator style at its end: does the last element carry one? */
static int trailing_sep(struct list *l[3])
{
	int s;

	for (s = 1; s <= 2; s++)
		if (l[s]->n)
			return l[s]->el[l[s]->n - 1].ps < l[s]->el[l[s]->n - 1].pe;
	return l[0]->n && l[0]->el[l[0]->n - 1].ps < l[0]->el[l[0]->n - 1].pe;
}

/*
 * Whether element x of list l gets a separator when one is needed after it.
 * Only a list's last element may lack one legitimately (it gains one when
 * something now follows it); an element inside its own side's list without
 * one is not a list member proper (a preprocessor line, an unparsed
 * fragment in an initializer) and is never given one.
 */
static int sep_wanted(const struct list *l, size_t x, int need_sep)
{
	const struct elem *e = &l->el[x];

	return need_sep && !(e->ps == e->pe && x + 1 < l->n);
}

/* Element body (lead + node), separator as needed, then the rest. */
static int put_elem_parts(struct sm *sm, const struct list *l, const struct elem *e,
                          const char *body, size_t blen, int need_sep)
{
	const char *src = l->v->src;
	int err;

	if ((err = braid_buf_put(&sm->out, body, blen)) < 0)
		return err;
	if ((err = braid_buf_put(&sm->out, src + e->ne, e->ps - e->ne)) < 0)
		return err;
	if (l->sep && need_sep) {
		const char *sep = e->ps < e->pe ? src + e->ps : l->sep;
		size_t sl = e->ps < e->pe ? e->pe - e->ps : l->seplen;
		if ((err = braid_buf_put(&sm->out, sep, sl)) < 0)
			return err;
	}
	return braid_buf_put(&sm->out, src + e->pe, e->e - e->pe);
}

/* Tokens of an element's body [s, ne). */
static int elem_tokens(braid_merge__toks *t, const struct list *l, size_t x)
{
	const struct elem *e = &l->el[x];
	braid_syntax_node *nodes;
	size_t i, n = 0;
	int err;

	if (!(nodes = malloc((e->c1 - e->c0 + 1) * sizeof(*nodes))))
		return braid_error_set(BRAID_ENOMEM, "out of memory cutting tokens");
	for (i = e->c0; i < e->c1; i++)
		nodes[n++] = l->ch[i].node;
	err = braid_merge__tokenize(t, l->v->src, e->s, e->ne, nodes, n);
	free(nodes);
	return err;
}

/* The renames of the side opposite to `s` (those to carry into s's text). */
static const struct ver *other_ver(const struct sm *sm, int s)
{
	return &sm->v[s == 1 ? 2 : 1];
}

/*
 * Put element x of side s; when the other side renamed something, new
 * references to the old name in what s added (relative to base element bx,
 * or all of it when bx is SIZE_MAX) are rewritten. *carried counts them.
 */
static int put_side_elem(struct sm *sm, struct list *l[3], int s, size_t x, size_t bx, int need_sep,
                         size_t *carried)
{
	const struct list *ls = l[s];
	const struct elem *e = &ls->el[x];
	const struct ver *ov = other_ver(sm, s);
	braid_merge__toks tb, tsd;
	braid_buf body = BRAID_BUF_INIT;
	size_t n = 0;
	int err;

	*carried = 0;
	need_sep = sep_wanted(ls, x, need_sep);
	if (!ov->nren || sm->tier < 3 || (bx != SIZE_MAX && elem_eq(l[0], bx, ls, x))) {
		if (!ls->sep || (e->ps < e->pe) == need_sep)
			return braid_buf_put(&sm->out, ls->v->src + e->s, e->e - e->s);
		return put_elem_parts(sm, ls, e, ls->v->src + e->s, e->ne - e->s, need_sep);
	}
	memset(&tb, 0, sizeof(tb));
	memset(&tsd, 0, sizeof(tsd));
	if ((err = elem_tokens(&tsd, ls, x)) < 0)
		goto done;
	if (bx != SIZE_MAX && (err = elem_tokens(&tb, l[0], bx)) < 0)
		goto done;
	if ((err = braid_merge__carry_renames(&body, &n, NULL, bx != SIZE_MAX ? &tb : NULL, &tsd,
	                                      ov->ren, ov->nren)) < 0)
		goto done;
	err = put_elem_parts(sm, ls, e, body.ptr, body.size, need_sep);
	*carried = n;
	if (n)
		sm->used3 = 1;
done:
	braid_merge__toks_release(&tb);
	braid_merge__toks_release(&tsd);
	braid_buf_dispose(&body);
	return err;
}

static int put_raw(const struct list *l, size_t a, size_t b, braid_buf *to)
{
	if (a >= b)
		return 0;
	return braid_buf_put(to, l->v->src + l->el[a].s, l->el[b - 1].e - l->el[a].s);
}

/* Write a conflict: ours' elements as the placeholder, base and theirs aside. */
static int put_conflict(struct sm *sm, struct list *l[3], size_t b0, size_t b1, size_t o0,
                        size_t o1, size_t t0, size_t t1)
{
	braid_buf bb = BRAID_BUF_INIT, tb = BRAID_BUF_INIT;
	size_t s = sm->out.size;
	int err;

	if ((err = put_raw(l[1], o0, o1, &sm->out)) < 0 || (err = put_raw(l[0], b0, b1, &bb)) < 0 ||
	    (err = put_raw(l[2], t0, t1, &tb)) < 0)
		goto done;
	err = add_span(sm, s, sm->out.size, bb.ptr, bb.size, tb.ptr, tb.size);
done:
	braid_buf_dispose(&bb);
	braid_buf_dispose(&tb);
	return err;
}

static int carried_note(struct sm *sm, braid_buf *d, size_t carried, int s)
{
	const struct ver *ov = other_ver(sm, s);
	size_t k;
	int err = 0;

	if (!carried)
		return 0;
	for (k = 0; k < ov->nren && err == 0; k++)
		if (ov->ren[k].carried)
			err = braid_buf_printf(d, "%s`%s` -> `%s`", k ? ", " : "; rewrote ",
			                       ov->ren[k].old_s, ov->ren[k].new_s);
	return err;
}

/* Cheap checks that a node of a container type really is one. */
static int container_ok(braid_syntax_node n, const struct braid_merge__cspec *sp)
{
	braid_syntax_child *ch = NULL;
	size_t nch = 0, i;
	int ok = 1;

	/* errors inside are fine: the elements holding them merge as text */
	if (!sp || !strcmp(braid_syntax_node_type(n), "ERROR"))
		return 0;
	if (!(sp->flags & (CS_DELIMITED | CS_GUARD)))
		return 1;
	if (braid_syntax_node_children(&ch, &nch, n) < 0) {
		braid_error_clear();
		return 0;
	}
	if (sp->flags & CS_GUARD) {
		ok = nch && !strcmp(braid_syntax_node_type(ch[0].node), "#ifndef") &&
		     braid_syntax_node_is_null(braid_syntax_node_field(n, "alternative"));
	} else {
		ok = 0;
		for (i = 0; i < nch && !ok; i++)
			ok = !braid_syntax_node_is_named(ch[i].node) &&
			     !strcmp(braid_syntax_node_type(ch[i].node), "(");
	}
	free(ch);
	return ok;
}

/* Find the container inside element node `n` (not inside bodies). */
static braid_syntax_node find_container(const char *lang, braid_syntax_node n,
                                        const struct braid_merge__cspec **spec)
{
	braid_syntax_node q[64];
	size_t qh = 0, qt = 0, depth[64];

	q[qt] = n;
	depth[qt++] = 0;
	*spec = braid_merge__cspec_for(lang, n);
	if (container_ok(n, *spec))
		return n; /* the element is a container itself (an include guard) */
	*spec = NULL;
	while (qh < qt) {
		braid_syntax_node cur = q[qh];
		size_t d = depth[qh++], i, nch = 0;
		braid_syntax_child *ch = NULL;

		if (braid_syntax_node_children(&ch, &nch, cur) < 0)
			return (braid_syntax_node){0};
		for (i = 0; i < nch; i++) {
			braid_syntax_node c = ch[i].node;
			const struct braid_merge__cspec *sp;

			if (!braid_syntax_node_is_named(c) || braid_syntax_node_is_extra(c))
				continue;
			sp = braid_merge__cspec_for(lang, c);
			if (container_ok(c, sp)) {
				free(ch);
				*spec = sp;
				return c;
			}
			if (ch[i].field && !strcmp(ch[i].field, "body"))
				continue;
			if (d + 1 < CONTAINER_DEPTH && qt < BRAID_ARRAY_SIZE(q)) {
				q[qt] = c;
				depth[qt++] = d + 1;
			}
		}
		free(ch);
	}
	return (braid_syntax_node){0};
}

/* Three-way pick of a piece of text; NULL when both sides changed it differently. */
static const struct ver *pick(const struct sm *sm, size_t bs, size_t be, size_t os, size_t oe,
                              size_t ts, size_t te, size_t *s, size_t *e)
{
	const struct ver *b = &sm->v[0], *o = &sm->v[1], *t = &sm->v[2];
	int ob = oe - os == be - bs && !memcmp(o->src + os, b->src + bs, be - bs);
	int tb = te - ts == be - bs && !memcmp(t->src + ts, b->src + bs, be - bs);
	int ot = oe - os == te - ts && !memcmp(o->src + os, t->src + ts, te - ts);

	if (ob) {
		*s = ts, *e = te;
		return t;
	}
	if (tb || ot) {
		*s = os, *e = oe;
		return o;
	}
	return NULL;
}

/*
 * Both sides changed an element that holds a container: merge the text
 * around the container three-way and the container by members. Returns 1
 * (nothing written) when that does not work.
 */
static int merge_container_elem(struct sm *sm, struct list *l[3], size_t x[3], int need_sep)
{
	struct list in[3];
	struct list *pin[3] = {&in[0], &in[1], &in[2]};
	const struct braid_merge__cspec *sp[3];
	braid_syntax_node c[3];
	const struct ver *pv, *sv, *tv;
	size_t ps, pe, ss, se, ts, te, i, mark = sm->out.size, nreg = sm->regions.n;
	size_t nspan = sm->nspans;
	int err = 0, made = 0, declined = 0;

	memset(in, 0, sizeof(in));
	for (i = 0; i < 3; i++) {
		c[i] = find_container(sm->lang, l[i]->el[x[i]].node, &sp[i]);
		if (braid_syntax_node_is_null(c[i]) || (i && sp[i] != sp[0])) {
			DBG("no container %zu\n", i);
			return 1;
		}
	}
	for (i = 0; i < 3; i++) {
		const struct elem *e = &l[i]->el[x[i]];
		const char *prefix = e->sym ? e->sym->name : l[i]->prefix;

		if (i && e->ren)
			prefix = e->ren->new_q;
		if ((err = cut(&in[i], &sm->v[i], c[i], sp[i], prefix)) != 0)
			goto out;
		made = (int)i + 1;
		if ((err = key_elems(sm, &in[i])) < 0)
			goto out;
	}
	/* the text before the container's inside, and after it */
	pv = pick(sm, l[0]->el[x[0]].s, in[0].is, l[1]->el[x[1]].s, in[1].is, l[2]->el[x[2]].s,
	          in[2].is, &ps, &pe);
	sv = pick(sm, in[0].ie, l[0]->el[x[0]].ne, in[1].ie, l[1]->el[x[1]].ne, in[2].ie,
	          l[2]->el[x[2]].ne, &ss, &se);
	tv = pick(sm, l[0]->el[x[0]].ne, l[0]->el[x[0]].e, l[1]->el[x[1]].ne, l[1]->el[x[1]].e,
	          l[2]->el[x[2]].ne, l[2]->el[x[2]].e, &ts, &te);
	if (!pv || !sv || !tv) {
		DBG("pick failed %d %d %d\n", !!pv, !!sv, !!tv);
		err = 1;
		goto out;
	}
	if ((err = braid_buf_put(&sm->out, pv->src + ps, pe - ps)) < 0)
		goto out;
	if ((err = emit_list(sm, pin, &declined)) < 0)
		goto out;
	if (declined) {
		DBG("inner declined\n");
		braid_buf_truncate(&sm->out, mark);
		while (sm->regions.n > nreg) {
			braid_merge_region *r = &sm->regions.v[--sm->regions.n];
			size_t k;
			for (k = 0; r->symbols && r->symbols[k]; k++)
				free(r->symbols[k]);
			free(r->symbols);
			free(r->description);
		}
		while (sm->nspans > nspan) {
			sm->nspans--;
			free(sm->spans[sm->nspans].base);
			free(sm->spans[sm->nspans].theirs);
		}
		err = 1;
		goto out;
	}
	if ((err = braid_buf_put(&sm->out, sv->src + ss, se - ss)) < 0)
		goto out;
	{
		/* the separator and tail of the element as a whole */
		const struct ver *v = tv;
		const struct elem *e = &l[v->side]->el[x[v->side]];
		const struct list *lv = l[v->side];

		if ((err = braid_buf_put(&sm->out, v->src + e->ne, e->ps - e->ne)) < 0)
			goto out;
		if (lv->sep && sep_wanted(lv, x[v->side], need_sep))
			err = braid_buf_put(&sm->out, e->ps < e->pe ? v->src + e->ps : lv->sep,
			                    e->ps < e->pe ? e->pe - e->ps : lv->seplen);
		if (err == 0)
			err = braid_buf_put(&sm->out, v->src + e->pe, e->e - e->pe);
	}
out:
	for (i = 0; i < (size_t)made; i++)
		list_release(&in[i]);
	return err;
}

/* Merge the bodies of element x of each side by lines, else tokens. */
#define DUP_NEAR 4 /* lines */

/* A line worth counting: at least 10 bytes besides blanks, one of them alphanumeric. */
static int substantive(const char *p, size_t n)
{
	size_t i, k = 0;
	int alnum = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		k++;
		alnum |= (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
	}
	return k >= 10 && alnum;
}

/*
 * Does the merge `m` of an element hold a line both sides added more often
 * than either side has it, two copies at most DUP_NEAR lines apart? Then
 * one new line was put at two nearby places (a statement moved differently
 * on each side, a declaration split two ways, one block added before and
 * after a line): a conflict, not two edits to keep. (Copies far apart are
 * common and fine: both sides declaring `sy` in different blocks.)
 */
static int duplicates_addition(int *dup, const char *b, size_t bl, const char *o, size_t ol,
                               const char *t, size_t tl, const char *m, size_t ml)
{
	braid_merge__text tx[4] = {BRAID_MERGE__TEXT_INIT, BRAID_MERGE__TEXT_INIT,
	                           BRAID_MERGE__TEXT_INIT, BRAID_MERGE__TEXT_INIT};
	braid_merge__text *all[4] = {&tx[0], &tx[1], &tx[2], &tx[3]};
	size_t *cnt = NULL, nids = 0, i, k;
	int err;

	*dup = 0;
	if ((err = braid_merge__text_split(&tx[0], b, bl)) < 0 ||
	    (err = braid_merge__text_split(&tx[1], o, ol)) < 0 ||
	    (err = braid_merge__text_split(&tx[2], t, tl)) < 0 ||
	    (err = braid_merge__text_split(&tx[3], m, ml)) < 0 ||
	    (err = braid_merge__intern(all, 4, &nids)) < 0)
		goto done;
	if (!(cnt = calloc(nids * 4 + 1, sizeof(*cnt)))) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory counting lines");
		goto done;
	}
	for (k = 0; k < 4; k++)
		for (i = 0; i < tx[k].nlines; i++)
			cnt[tx[k].id[i] * 4 + k]++;
	for (i = 0; i < tx[3].nlines && !*dup; i++) {
		size_t id = tx[3].id[i];
		const size_t *c = &cnt[id * 4];

		if (!(c[1] > c[0] && c[2] > c[0] && c[3] > (c[1] > c[2] ? c[1] : c[2])))
			continue;
		if (!substantive(m + tx[3].off[i], tx[3].off[i + 1] - tx[3].off[i]))
			continue;
		/* two copies a few lines apart: one addition put at two places */
		for (k = i + 1; k < tx[3].nlines && k <= i + DUP_NEAR && !*dup; k++)
			*dup = tx[3].id[k] == id;
	}
done:
	free(cnt);
	for (k = 0; k < 4; k++)
		braid_merge__text_release(&tx[k]);
	return err;
}

static int merge_leaf(struct sm *sm, struct list *l[3], size_t x[3], int need_sep, int *clean,
                      size_t *carried)
{
	braid_merge__toks tk[3];
	braid_buf merged = BRAID_BUF_INIT,
	          rew[3] = {BRAID_BUF_INIT, BRAID_BUF_INIT, BRAID_BUF_INIT};
	const struct elem *e[3];
	braid_merge__text tt[3];
	braid_merge__regions scratch = BRAID_MERGE__REGIONS_INIT;
	const struct ver *tv;
	size_t ts, te, i, n;
	int err = 0, renames;

	*clean = 0;
	*carried = 0;
	memset(tk, 0, sizeof(tk));
	for (i = 0; i < 3; i++)
		e[i] = &l[i]->el[x[i]];
	/* the tail after the node (comment, separator) is picked, not merged */
	tv = pick(sm, e[0]->ne, e[0]->e, e[1]->ne, e[1]->e, e[2]->ne, e[2]->e, &ts, &te);
	if (!tv)
		return 0;
	renames = sm->tier >= 3 && (sm->v[1].nren || sm->v[2].nren);
	if (!renames) {
		err = braid_merge__lines(&merged, &scratch, clean, sm->v[0].src + e[0]->s,
		                         e[0]->ne - e[0]->s, sm->v[1].src + e[1]->s,
		                         e[1]->ne - e[1]->s, sm->v[2].src + e[2]->s,
		                         e[2]->ne - e[2]->s, sm->lo);
		braid_merge__regions_dispose(&scratch);
		if (err < 0)
			goto done;
	}
	if (!*clean) {
		for (i = 0; i < 3 && err == 0; i++)
			err = elem_tokens(&tk[i], l[i], x[i]);
		if (err < 0)
			goto done;
		/* carry the other side's renames into what each side added */
		for (i = 1; i <= 2 && renames; i++) {
			const struct ver *ov = other_ver(sm, (int)i);
			braid_merge__toks re;

			if (!ov->nren)
				continue;
			memset(&re, 0, sizeof(re));
			if (!(re.off = malloc((tk[i].n + 1) * sizeof(size_t))) ||
			    !(re.kind = malloc(tk[i].n ? tk[i].n : 1))) {
				braid_merge__toks_release(&re);
				err = braid_error_set(BRAID_ENOMEM,
				                      "out of memory carrying a rename");
				goto done;
			}
			if ((err = braid_merge__carry_renames(&rew[i], &n, re.off, &tk[0], &tk[i],
			                                      ov->ren, ov->nren)) < 0) {
				braid_merge__toks_release(&re);
				goto done;
			}
			if (!n) {
				braid_merge__toks_release(&re);
				continue;
			}
			*carried += n;
			memcpy(re.kind, tk[i].kind, tk[i].n);
			re.n = tk[i].n;
			re.buf = rew[i].ptr;
			re.len = rew[i].size;
			braid_merge__toks_release(&tk[i]);
			tk[i] = re;
		}
		for (i = 0; i < 3; i++) {
			memset(&tt[i], 0, sizeof(tt[i]));
			tt[i].buf = tk[i].buf;
			tt[i].len = tk[i].len;
			tt[i].nlines = tk[i].n;
			tt[i].off = tk[i].off;
		}
		braid_buf_clear(&merged);
		if ((err = braid_merge__units(&merged, clean, &tt[0], &tt[1], &tt[2], sm->lo)) < 0)
			goto done;
	}
	if (!*clean)
		goto done;
	{
		int dup;

		if ((err = duplicates_addition(&dup, sm->v[0].src + e[0]->s, e[0]->ne - e[0]->s,
		                               sm->v[1].src + e[1]->s, e[1]->ne - e[1]->s,
		                               sm->v[2].src + e[2]->s, e[2]->ne - e[2]->s,
		                               merged.ptr, merged.size)) < 0)
			goto done;
		if (dup) {
			*clean = 0;
			goto done;
		}
	}
	{
		/* body as merged, then the picked tail with the separator as needed */
		const struct elem *te_ = &l[tv->side]->el[x[tv->side]];
		const struct list *lv = l[tv->side];

		if ((err = braid_buf_put(&sm->out, merged.ptr, merged.size)) < 0 ||
		    (err = braid_buf_put(&sm->out, tv->src + te_->ne, te_->ps - te_->ne)) < 0)
			goto done;
		if (lv->sep && sep_wanted(lv, x[tv->side], need_sep) &&
		    (err = braid_buf_put(&sm->out, te_->ps < te_->pe ? tv->src + te_->ps : lv->sep,
		                         te_->ps < te_->pe ? te_->pe - te_->ps : lv->seplen)) < 0)
			goto done;
		err = braid_buf_put(&sm->out, tv->src + te_->pe, te_->e - te_->pe);
	}
done:
	for (i = 0; i < 3; i++) {
		braid_merge__toks_release(&tk[i]);
		braid_buf_dispose(&rew[i]);
	}
	braid_buf_dispose(&merged);
	return err;
}

static int emit_merge(struct sm *sm, struct list *l[3], const struct item *it, int need_sep)
{
	const char *ol = sm->lo->ours_label, *tl = sm->lo->theirs_label;
	size_t x[3] = {it->bi, it->oi, it->ti}, carried = 0, dec;
	struct rspan rb = {l[0], it->bi, it->bi + 1}, ro = {l[1], it->oi, it->oi + 1},
	             rt = {l[2], it->ti, it->ti + 1};
	const struct elem *eb = &l[0]->el[it->bi], *eo = &l[1]->el[it->oi], *et = &l[2]->el[it->ti];
	int ob = elem_eq(l[0], it->bi, l[1], it->oi), tb = elem_eq(l[0], it->bi, l[2], it->ti);
	braid_buf d = BRAID_BUF_INIT;
	int err, clean;

	DBG("merge %zu/%zu/%zu [%zu,%zu) [%zu,%zu) [%zu,%zu) ob %d tb %d\n", it->bi, it->oi, it->ti,
	    eb->s, eb->e, eo->s, eo->e, et->s, et->e, ob, tb);
	if (ob && tb) /* untouched: ours' bytes (they equal base's) */
		return put_side_elem(sm, l, 1, it->oi, it->bi, need_sep, &carried);
	if (ob || tb || elem_eq(l[1], it->oi, l[2], it->ti)) {
		int s = ob ? 2 : 1;
		const struct elem *es = s == 2 ? et : eo;

		if ((err = put_side_elem(sm, l, s, x[s], it->bi, need_sep, &carried)) < 0)
			goto done;
		if (!ob && !tb)
			err = braid_buf_puts(&d, "both sides made the same change to ");
		else if (es->ren && sm->tier >= 3)
			err = braid_buf_printf(&d, "%s renamed `%s` to `%s`", s == 2 ? tl : ol,
			                       es->ren->old_q, es->ren->new_q);
		else
			err = braid_buf_printf(&d, "%s changed ", s == 2 ? tl : ol);
		if (err == 0 && !(es->ren && sm->tier >= 3 && (ob || tb)))
			err = elem_label(&d, eb, l[0]->v);
		if (err == 0)
			err = carried_note(sm, &d, carried, s);
		if (err == 0)
			err = region(sm, BRAID_VERDICT_MERGE,
			             carried      ? BRAID_KIND_RENAME_CARRIED
			             : !ob && !tb ? BRAID_KIND_IDENTICAL
			                          : BRAID_KIND_DISJOINT,
			             &rb, &ro, &rt, &d);
		goto done;
	}
	/* both changed it */
	if (sm->tier >= 3 && eo->ren && et->ren && strcmp(eo->ren->new_q, et->ren->new_q)) {
		sm->used3 = 1;
		if ((err = put_conflict(sm, l, it->bi, it->bi + 1, it->oi, it->oi + 1, it->ti,
		                        it->ti + 1)) < 0 ||
		    (err =
		         braid_buf_printf(&d, "%s renamed `%s` to `%s`; %s renamed it to `%s`", ol,
		                          eo->ren->old_q, eo->ren->new_q, tl, et->ren->new_q)) < 0)
			goto done;
		err =
		    region(sm, BRAID_VERDICT_ESCALATE, BRAID_KIND_RENAME_RENAME, &rb, &ro, &rt, &d);
		goto done;
	}
	if ((err = merge_container_elem(sm, l, x, need_sep)) <= 0)
		goto done; /* merged member by member (regions listed inside) */
	if ((err = dec_open(sm, &dec)) < 0)
		goto done;
	clean = 0;
	if (!dec_forced(sm, dec) && (err = merge_leaf(sm, l, x, need_sep, &clean, &carried)) < 0)
		goto done;
	sm->dec_e[dec] = sm->out.size;
	if (clean) {
		if ((err = braid_buf_printf(&d, "%s and %s both changed %s", ol, tl,
		                            is_callable(eb) ? "the body of " : "")) < 0 ||
		    (err = elem_label(&d, eb, l[0]->v)) < 0 ||
		    (err = braid_buf_puts(&d, "; the edits touch different lines or tokens")) < 0 ||
		    (err = carried_note(sm, &d, carried, 2)) < 0)
			goto done;
		err = region(sm, BRAID_VERDICT_MERGE,
		             carried ? BRAID_KIND_RENAME_CARRIED : BRAID_KIND_STRUCTURAL, &rb, &ro,
		             &rt, &d);
		goto done;
	}
	if ((err = put_conflict(sm, l, it->bi, it->bi + 1, it->oi, it->oi + 1, it->ti,
	                        it->ti + 1)) < 0)
		goto done;
	if (dec_forced(sm, dec))
		err = braid_buf_printf(&d, "merging %s's and %s's changes to ", ol, tl);
	else
		err = braid_buf_printf(&d, "%s and %s both changed %s", ol, tl,
		                       is_callable(eb) ? "the body of " : "");
	if (err == 0)
		err = elem_label(&d, eb, l[0]->v);
	if (err == 0 && dec_forced(sm, dec))
		err = braid_buf_puts(&d, " would not parse");
	if (err == 0)
		err = region(sm, BRAID_VERDICT_CONFLICT,
		             dec_forced(sm, dec) ? BRAID_KIND_PARSE : BRAID_KIND_CONTENT, &rb, &ro,
		             &rt, &d);
done:
	braid_buf_dispose(&d);
	return err;
}

/* Position in base of an item, for empty base spans of regions. */
static size_t item_base_pos(const struct lm *lm, size_t k)
{
	size_t i;

	for (i = k; i < lm->nit; i++) {
		const struct item *it = &lm->it[i];
		if (it->kind == IT_MERGE)
			return it->bi;
		if (it->kind == IT_DROP)
			return it->x;
		if (it->kind == IT_CONFLICT && it->b0 != SIZE_MAX)
			return it->b0;
	}
	return lm->l[0]->n;
}

static size_t item_side_pos(const struct lm *lm, size_t k, int s)
{
	size_t i, bp;

	for (i = k; i < lm->nit; i++) {
		const struct item *it = &lm->it[i];
		if (it->kind == IT_MERGE)
			return s == 1 ? it->oi : it->ti;
		if (it->kind == IT_COPY && it->side == s)
			return it->x;
	}
	bp = item_base_pos(lm, k);
	BRAID_UNUSED(bp);
	return lm->l[s]->n;
}

/* The normalized text of an element's `value` field (a macro's, an enumerator's). */
static int value_text(braid_buf *b, const struct list *l, size_t x)
{
	braid_syntax_node v = braid_syntax_node_field(l->el[x].node, "value");

	size_t vs, ve;

	braid_buf_clear(b);
	if (braid_syntax_node_is_null(v))
		return 0;
	vs = braid_syntax_node_start(v);
	ve = braid_syntax_node_end(v);
	/* only numbers: `#define HAVE_X 1` beside `#define HAVE_Y 1` is no clash */
	if (ve - vs == 1 && (l->v->src[vs] == '0' || l->v->src[vs] == '1'))
		return 0;
	if (!isdigit((unsigned char)l->v->src[vs]) && l->v->src[vs] != '(')
		return 0;
	return put_norm(b, l->v->src + vs, ve - vs);
}

/*
 * Do additions of both sides at one spot give two different names one
 * value (`#define A 0x80` beside `#define B 0x80`)? Likely two flags that
 * now collide.
 */
static int same_value(struct list *l[3], size_t o0, size_t o1, size_t t0, size_t t1,
                      const unsigned char *skip)
{
	braid_buf a = BRAID_BUF_INIT, b = BRAID_BUF_INIT;
	size_t i, j;
	int clash = 0;

	for (i = o0; i < o1 && !clash; i++) {
		if (value_text(&a, l[1], i) < 0 || !a.size)
			continue;
		for (j = t0; j < t1 && !clash; j++) {
			if (skip[j] || value_text(&b, l[2], j) < 0 || !b.size)
				continue;
			clash = a.size == b.size && !memcmp(a.ptr, b.ptr, a.size) &&
			        l[1]->el[i].key != l[2]->el[j].key;
		}
	}
	braid_buf_dispose(&a);
	braid_buf_dispose(&b);
	braid_error_clear();
	return clash;
}

/* Does item k put at least one element into the output? */
static int item_emits(const struct lm *lm, size_t k)
{
	const struct item *it = &lm->it[k];

	switch (it->kind) {
	case IT_DROP:
		return 0;
	case IT_CONFLICT:
		return it->o1 > it->o0;
	default:
		return 1;
	}
}

static int emit_items(struct lm *lm, int *declined)
{
	struct sm *sm = lm->sm;
	struct list **l = lm->l;
	const char *ol = sm->lo->ours_label, *tl = sm->lo->theirs_label;
	size_t k, last = SIZE_MAX, carried = 0;
	int trail = l[0]->sep ? trailing_sep(l) : 0, err = 0;

	*declined = 0;
	for (k = 0; k < lm->nit; k++)
		if (item_emits(lm, k))
			last = k;
	for (k = 0; k < lm->nit && err == 0; k++) {
		struct item *it = &lm->it[k];
		int need_sep = k < last || trail;

		DBG("item %zu kind %d side %d x %zu b %zu o %zu t %zu\n", k, it->kind, it->side,
		    it->x, it->bi, it->oi, it->ti);
		braid_buf d = BRAID_BUF_INIT;
		size_t bp = item_base_pos(lm, k);
		struct rspan rb = {l[0], bp, bp}, ro = {l[1], 0, 0}, rt = {l[2], 0, 0};

		ro.a = ro.b = item_side_pos(lm, k, 1);
		rt.a = rt.b = item_side_pos(lm, k, 2);
		switch (it->kind) {
		case IT_MERGE:
			err = emit_merge(sm, l, it, need_sep);
			break;
		case IT_DROP: {
			struct rspan *rs = it->side == 1 ? &rt : &ro;
			rb.a = it->x, rb.b = it->x + 1;
			rs->a = lm->m[it->side == 1 ? 2 : 1][it->x];
			rs->b = rs->a + 1;
			if ((err = braid_buf_printf(&d, "%s deleted ", it->side == 1 ? ol : tl)) ==
			        0 &&
			    (err = elem_label(&d, &l[0]->el[it->x], l[0]->v)) == 0)
				err = region(sm, BRAID_VERDICT_MERGE, BRAID_KIND_DISJOINT, &rb, &ro,
				             &rt, &d);
			break;
		}
		case IT_COPY: {
			/* additions of both sides at one spot: ours then theirs, a decision */
			size_t k2 = k, dec, nk;
			int both = 0;

			while (k2 < lm->nit && lm->it[k2].kind == IT_COPY &&
			       lm->it[k2].side == it->side)
				k2++;
			nk = k2;
			if (it->side == 1 && k2 < lm->nit && lm->it[k2].kind == IT_COPY &&
			    lm->it[k2].side == 2) {
				while (nk < lm->nit && lm->it[nk].kind == IT_COPY &&
				       lm->it[nk].side == 2)
					nk++;
				both = 1;
			}
			if (both) {
				size_t o0 = it->x, o1 = lm->it[k2 - 1].x + 1, t0 = lm->it[k2].x,
				       t1 = lm->it[nk - 1].x + 1, q;
				int last_sep = nk - 1 < last || trail;
				struct rspan ro2 = {l[1], o0, o1}, rt2 = {l[2], t0, t1};

				if ((err = dec_open(sm, &dec)) < 0)
					break;
				if (dec_forced(sm, dec)) {
					err = put_conflict(sm, l, 0, 0, o0, o1, t0, t1);
					if (err == 0)
						err = braid_buf_printf(&d, "%s and %s both added ",
						                       ol, tl);
					if (err == 0)
						err = put_labels(&d, l[1], o0, o1);
					if (err == 0)
						err = braid_buf_puts(&d, " / ");
					if (err == 0)
						err = put_labels(&d, l[2], t0, t1);
					if (err == 0)
						err =
						    braid_buf_puts(&d, " at one spot; keeping both "
						                       "would not parse");
					if (err == 0)
						err = region(sm, BRAID_VERDICT_CONFLICT,
						             BRAID_KIND_PARSE, &rb, &ro2, &rt2, &d);
					sm->dec_e[dec] = sm->out.size;
					k = nk - 1;
					break;
				}
				if (same_value(l, o0, o1, t0, t1, lm->skip)) {
					/* two new flags or enumerators with one value: a clash */
					err = put_conflict(sm, l, 0, 0, o0, o1, t0, t1);
					if (err == 0)
						err = braid_buf_printf(&d, "%s and %s both added ",
						                       ol, tl);
					if (err == 0)
						err = put_labels(&d, l[1], o0, o1);
					if (err == 0)
						err = braid_buf_puts(&d, " / ");
					if (err == 0)
						err = put_labels(&d, l[2], t0, t1);
					if (err == 0)
						err = braid_buf_puts(&d, " with the same value");
					if (err == 0)
						err =
						    region(sm, BRAID_VERDICT_CONFLICT,
						           BRAID_KIND_CONTENT, &rb, &ro2, &rt2, &d);
					sm->dec_e[dec] = sm->out.size;
					k = nk - 1;
					break;
				}
				for (q = k; q < nk && err == 0; q++) {
					const struct item *iq = &lm->it[q];
					size_t c = 0;
					err = put_side_elem(sm, l, iq->side, iq->x, SIZE_MAX,
					                    q + 1 < nk || last_sep, &c);
					carried += c;
				}
				sm->dec_e[dec] = sm->out.size;
				if (err == 0)
					err = braid_buf_printf(&d,
					                       "%s and %s both added at one spot; "
					                       "kept %s's ",
					                       ol, tl, ol);
				if (err == 0)
					err = put_labels(&d, l[1], o0, o1);
				if (err == 0)
					err = braid_buf_printf(&d, " then %s's ", tl);
				if (err == 0)
					err = put_labels(&d, l[2], t0, t1);
				if (err == 0)
					err = region(sm, BRAID_VERDICT_MERGE, BRAID_KIND_STRUCTURAL,
					             &rb, &ro2, &rt2, &d);
				k = nk - 1;
				break;
			}
			{
				int s = it->side;
				struct rspan *rs = s == 1 ? &ro : &rt;
				size_t c = 0, q;

				for (q = k; q < k2 && err == 0; q++) {
					err = put_side_elem(sm, l, s, lm->it[q].x, SIZE_MAX,
					                    q + 1 < k2 || (k2 - 1 < last || trail),
					                    &c);
					carried += c;
				}
				rs->a = it->x;
				rs->b = lm->it[k2 - 1].x + 1;
				if (err == 0)
					err = braid_buf_printf(&d, "%s added ", s == 1 ? ol : tl);
				if (err == 0)
					err = put_labels(&d, l[s], rs->a, rs->b);
				if (err == 0)
					err = carried_note(sm, &d, carried, s);
				if (err == 0)
					err = region(sm, BRAID_VERDICT_MERGE,
					             carried ? BRAID_KIND_RENAME_CARRIED
					                     : BRAID_KIND_DISJOINT,
					             &rb, &ro, &rt, &d);
				carried = 0;
				k = k2 - 1;
			}
			break;
		}
		case IT_CONFLICT: {
			size_t b0 = it->b0 == SIZE_MAX ? bp : it->b0,
			       b1 = it->b0 == SIZE_MAX ? bp : it->b1;
			struct rspan rb2 = {l[0], b0, b1}, ro2 = {l[1], it->o0, it->o1},
			             rt2 = {l[2], it->t0, it->t1};
			const struct elem *any = it->o1 > it->o0   ? &l[1]->el[it->o0]
			                         : it->t1 > it->t0 ? &l[2]->el[it->t0]
			                                           : &l[0]->el[b0];
			const struct ver *av = it->o1 > it->o0   ? l[1]->v
			                       : it->t1 > it->t0 ? l[2]->v
			                                         : l[0]->v;

			if ((err = put_conflict(sm, l, b0, b1, it->o0, it->o1, it->t0, it->t1)) < 0)
				break;
			if (it->ck == BRAID_KIND_ADD_ADD) {
				err = braid_buf_printf(&d, "%s and %s both added ", ol, tl);
				if (err == 0)
					err = elem_label(&d, any, av);
				if (err == 0)
					err = braid_buf_puts(&d, " with different content");
			} else if (it->ck == BRAID_KIND_MODIFY_DELETE) {
				int odel = it->o1 - it->o0 < b1 - b0;
				err =
				    braid_buf_printf(&d, "%s deleted or replaced ", odel ? ol : tl);
				if (err == 0)
					err = put_labels(&d, l[0], b0, b1);
				if (err == 0)
					err =
					    braid_buf_printf(&d, "; %s changed it", odel ? tl : ol);
			} else {
				err = braid_buf_printf(&d, "%s and %s both replaced ", ol, tl);
				if (err == 0)
					err = put_labels(&d, l[0], b0, b1);
				if (err == 0)
					err = braid_buf_puts(&d, " differently");
			}
			if (err == 0)
				err = region(sm, BRAID_VERDICT_CONFLICT, it->ck, &rb2, &ro2, &rt2,
				             &d);
			break;
		}
		}
		braid_buf_dispose(&d);
	}
	return err;
}

/*
 * The trailer (text after the last element: blank lines, comments) three-way:
 * by lines when both sides changed it, a conflict when that fails.
 */
static int put_trailer(struct sm *sm, struct list *l[3])
{
	size_t s[3], e[3], ps, pe, i, at;
	braid_buf m = BRAID_BUF_INIT;
	braid_merge__regions scratch = BRAID_MERGE__REGIONS_INIT;
	const struct ver *v;
	int clean, err;

	for (i = 0; i < 3; i++) {
		s[i] = l[i]->n ? l[i]->el[l[i]->n - 1].e : l[i]->is;
		e[i] = l[i]->ie;
	}
	v = pick(sm, s[0], e[0], s[1], e[1], s[2], e[2], &ps, &pe);
	if (v)
		return braid_buf_put(&sm->out, v->src + ps, pe - ps);
	err = braid_merge__lines(&m, &scratch, &clean, sm->v[0].src + s[0], e[0] - s[0],
	                         sm->v[1].src + s[1], e[1] - s[1], sm->v[2].src + s[2], e[2] - s[2],
	                         sm->lo);
	braid_merge__regions_dispose(&scratch);
	if (err == 0 && clean) {
		err = braid_buf_put(&sm->out, m.ptr, m.size);
	} else if (err == 0) {
		struct rspan rb = {l[0], l[0]->n, l[0]->n}, ro = {l[1], l[1]->n, l[1]->n},
		             rt = {l[2], l[2]->n, l[2]->n};
		braid_buf d = BRAID_BUF_INIT;

		at = sm->out.size;
		if ((err = braid_buf_put(&sm->out, sm->v[1].src + s[1], e[1] - s[1])) == 0 &&
		    (err = add_span(sm, at, sm->out.size, sm->v[0].src + s[0], e[0] - s[0],
		                    sm->v[2].src + s[2], e[2] - s[2])) == 0 &&
		    (err = braid_buf_printf(&d,
		                            "%s and %s both changed the text after the last "
		                            "declaration",
		                            sm->lo->ours_label, sm->lo->theirs_label)) == 0)
			err = region(sm, BRAID_VERDICT_CONFLICT, BRAID_KIND_CONTENT, &rb, &ro, &rt,
			             &d);
		braid_buf_dispose(&d);
	}
	braid_buf_dispose(&m);
	return err;
}

/* Merge three cut lists into the output. *declined when an element moved. */
static int emit_list(struct sm *sm, struct list *l[3], int *declined)
{
	struct lm lm;
	int err;

	memset(&lm, 0, sizeof(lm));
	lm.sm = sm;
	lm.l[0] = l[0];
	lm.l[1] = l[1];
	lm.l[2] = l[2];
	*declined = 0;
	if ((err = plan(&lm)) != 0) {
		if (err == 1)
			*declined = 1, err = 0;
		goto done;
	}
	DBG("list %s: %zu/%zu/%zu elements, %zu items\n", braid_syntax_node_type(l[0]->node),
	    l[0]->n, l[1]->n, l[2]->n, lm.nit);
	if ((err = emit_items(&lm, declined)) < 0)
		goto done;
	err = put_trailer(sm, l);
done:
	lm_release(&lm);
	return err;
}

/* ------------------------------------------------------------- markers */

static const char *eol_of(const struct sm *sm)
{
	int i;

	for (i = 1; i <= 3; i++) {
		const struct ver *v = &sm->v[i % 3];
		const char *nl = v->len ? memchr(v->src, '\n', v->len) : NULL;
		if (nl)
			return nl > v->src && nl[-1] == '\r' ? "\r\n" : "\n";
	}
	return "\n";
}

static int put_marker(braid_buf *b, const char *mark, const char *label, const char *eol)
{
	int err;

	if ((err = braid_buf_puts(b, mark)) < 0)
		return err;
	if (label && *label && (err = braid_buf_printf(b, " %s", label)) < 0)
		return err;
	return braid_buf_puts(b, eol);
}

static int put_side_block(braid_buf *b, const char *p, size_t n, const char *eol)
{
	int err;

	if ((err = braid_buf_put(b, p, n)) < 0)
		return err;
	if (n && p[n - 1] != '\n')
		return braid_buf_puts(b, eol);
	return 0;
}

/* Length of the common prefix of whole lines of three texts. */
static size_t common_head(const braid_buf *v)
{
	size_t i = 0, line = 0;

	for (;;) {
		if (i >= v[0].size || i >= v[1].size || i >= v[2].size)
			return line;
		if (v[0].ptr[i] != v[1].ptr[i] || v[0].ptr[i] != v[2].ptr[i])
			return line;
		if (v[0].ptr[i] == '\n')
			line = i + 1;
		i++;
	}
}

/* Length of the common suffix of whole lines of three texts (after `head`). */
static size_t common_tail(const braid_buf *v, size_t head)
{
	size_t i = 0, line = 0;

	for (;;) {
		size_t a, b, c;

		if (i >= v[0].size - head || i >= v[1].size - head || i >= v[2].size - head)
			return line;
		a = v[0].size - 1 - i;
		b = v[1].size - 1 - i;
		c = v[2].size - 1 - i;
		if (v[0].ptr[a] != v[1].ptr[b] || v[0].ptr[a] != v[2].ptr[c])
			return line;
		/* a line ends just before position a when ptr[a - 1] is '\n' */
		i++;
		if (a == 0 || v[0].ptr[a - 1] == '\n')
			line = i;
	}
}

/* Rewrite the output with diff3 markers around the recorded conflicts. */
static int write_markers(struct sm *sm, braid_buf *final)
{
	const braid_buf *out = &sm->out;
	const char *eol = eol_of(sm);
	size_t k = 0, pos = 0;
	int err = 0;

	while (k < sm->nspans && err == 0) {
		braid_buf v[3] = {BRAID_BUF_INIT, BRAID_BUF_INIT, BRAID_BUF_INIT};
		size_t ls = sm->spans[k].s, le, head, tail, q, at;

		while (ls > pos && out->ptr[ls - 1] != '\n')
			ls--;
		/* gather spans whose lines touch */
		at = ls;
		le = sm->spans[k].e;
		for (q = k;;) {
			const struct span *sp = &sm->spans[q];
			const char *mid = out->ptr + at;
			size_t ml = sp->s - at;

			if ((err = braid_buf_put(&v[0], mid, ml)) < 0 ||
			    (err = braid_buf_put(&v[1], mid, ml)) < 0 ||
			    (err = braid_buf_put(&v[2], mid, ml)) < 0 ||
			    (err = braid_buf_put(&v[0], out->ptr + sp->s, sp->e - sp->s)) < 0 ||
			    (err = braid_buf_put(&v[1], sp->base, sp->blen)) < 0 ||
			    (err = braid_buf_put(&v[2], sp->theirs, sp->tlen)) < 0)
				break;
			at = sp->e;
			le = sp->e;
			while (le < out->size && (le == sp->s || out->ptr[le - 1] != '\n'))
				le++;
			if (le > sp->e && le <= out->size && out->ptr[le - 1] != '\n')
				le = out->size;
			q++;
			if (q >= sm->nspans || sm->spans[q].s >= le)
				break;
		}
		if (err == 0) {
			const char *rest = out->ptr + at;
			size_t rl = le - at;
			if ((err = braid_buf_put(&v[0], rest, rl)) == 0 &&
			    (err = braid_buf_put(&v[1], rest, rl)) == 0)
				err = braid_buf_put(&v[2], rest, rl);
		}
		if (err == 0) {
			head = common_head(v);
			tail = common_tail(v, head);
			if ((err = braid_buf_put(final, out->ptr + pos, ls - pos)) == 0 &&
			    (err = braid_buf_put(final, v[0].ptr, head)) == 0 &&
			    (err = put_marker(final, "<<<<<<<", sm->lo->ours_label, eol)) == 0 &&
			    (err = put_side_block(final, v[0].ptr + head, v[0].size - head - tail,
			                          eol)) == 0 &&
			    (err = put_marker(final, "|||||||", sm->lo->base_label, eol)) == 0 &&
			    (err = put_side_block(final, v[1].ptr + head, v[1].size - head - tail,
			                          eol)) == 0 &&
			    (err = put_marker(final, "=======", NULL, eol)) == 0 &&
			    (err = put_side_block(final, v[2].ptr + head, v[2].size - head - tail,
			                          eol)) == 0 &&
			    (err = put_marker(final, ">>>>>>>", sm->lo->theirs_label, eol)) == 0)
				err = braid_buf_put(final, v[0].ptr + v[0].size - tail, tail);
		}
		braid_buf_dispose(&v[0]);
		braid_buf_dispose(&v[1]);
		braid_buf_dispose(&v[2]);
		pos = le;
		k = q;
	}
	if (err == 0)
		err = braid_buf_put(final, out->ptr + pos, out->size - pos);
	return err;
}

/* ------------------------------------------------------------- driver */

static void sm_reset(struct sm *sm)
{
	braid_buf_clear(&sm->out);
	spans_clear(sm);
	braid_merge__regions_dispose(&sm->regions);
	sm->ndec = 0;
	sm->used3 = 0;
}

static void sm_release(struct sm *sm)
{
	int i;

	for (i = 0; i < 3; i++)
		ver_release(&sm->v[i]);
	keytab_free(&sm->keys);
	braid_buf_dispose(&sm->out);
	spans_clear(sm);
	free(sm->spans);
	braid_merge__regions_dispose(&sm->regions);
	free(sm->dec_s);
	free(sm->dec_e);
	free(sm->forced);
}

/* One pass over the whole file. *declined when structure does not apply. */
static int merge_pass(struct sm *sm, int *declined)
{
	const struct braid_merge__cspec *root = braid_merge__cspec_root(sm->lang);
	struct list l[3];
	struct list *pl[3] = {&l[0], &l[1], &l[2]};
	size_t i, made = 0;
	int err = 0;

	*declined = 0;
	memset(l, 0, sizeof(l));
	for (i = 0; i < 3; i++) {
		if ((err = cut(&l[i], &sm->v[i], braid_syntax_tree_root(sm->v[i].tree), root,
		               NULL)) != 0)
			break;
		made = i + 1;
		if ((err = key_elems(sm, &l[i])) < 0)
			break;
	}
	if (err == 1)
		*declined = 1, err = 0;
	if (err == 0 && !*declined)
		err = emit_list(sm, pl, declined);
	for (i = 0; i < made; i++)
		list_release(&l[i]);
	return err;
}

/*
 * Parse the output (ours' text at conflicts) and blame new errors on the
 * decisions around them. *ok when the parse is good; *blamed when some
 * decisions were newly forced (redo the pass).
 */
static int check_parse(struct sm *sm, int *ok, int *blamed)
{
	braid_syntax_tree *t = NULL;
	size_t *er = NULL, ner = 0, allowed, i, k;
	size_t eo = braid_syntax_error_count(sm->v[1].tree),
	       et = braid_syntax_error_count(sm->v[2].tree);
	int err;

	*ok = *blamed = 0;
	allowed = eo > et ? eo : et;
	if ((err = braid_syntax_parse(&t, sm->lang, sm->out.ptr, sm->out.size)) < 0)
		return err;
	if (braid_syntax_error_count(t) <= allowed) {
		*ok = 1;
		goto done;
	}
	if ((err = braid_syntax_error_ranges(&er, &ner, t)) < 0)
		goto done;
	if (sm->nforced < sm->ndec) {
		unsigned char *p = realloc(sm->forced, sm->ndec);
		if (!p) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			goto done;
		}
		memset(p + sm->nforced, 0, sm->ndec - sm->nforced);
		sm->forced = p;
		sm->nforced = sm->ndec;
	}
	for (i = 0; i < ner; i++) {
		size_t es = er[2 * i], ee = er[2 * i + 1];
		for (k = 0; k < sm->ndec; k++) {
			if (sm->forced[k])
				continue;
			/* an error inside, or touching, the decision's output */
			if (es <= sm->dec_e[k] && sm->dec_s[k] <= ee) {
				sm->forced[k] = 1;
				*blamed = 1;
			}
		}
	}
done:
	free(er);
	braid_syntax_tree_free(t);
	return err;
}

void braid_merge__sresult_release(braid_merge__sresult *res)
{
	if (!res)
		return;
	braid_buf_dispose(&res->merged);
	braid_merge__regions_dispose(&res->regions);
	free(res->note);
	res->note = NULL;
	braid_symbol_list_free(res->syms[0]);
	braid_symbol_list_free(res->syms[1]);
	res->syms[0] = res->syms[1] = NULL;
	res->parsed = 0;
}

static int rename_note(struct sm *sm, braid_buf *n)
{
	int s, err = 0;
	size_t k;

	for (s = 1; s <= 2 && err == 0; s++) {
		const struct ver *v = &sm->v[s];
		const char *who = s == 1 ? sm->lo->ours_label : sm->lo->theirs_label;
		const char *other = s == 1 ? sm->lo->theirs_label : sm->lo->ours_label;

		for (k = 0; k < v->nren && err == 0; k++) {
			if (!v->ren[k].carried)
				continue;
			err = braid_buf_printf(n,
			                       "%s%s renamed `%s` to `%s`; braid rewrote %zu new "
			                       "reference%s to `%s` in %s's changes to `%s`",
			                       n->size ? "\n" : "", who, v->ren[k].old_q,
			                       v->ren[k].new_q, v->ren[k].carried,
			                       v->ren[k].carried == 1 ? "" : "s", v->ren[k].old_s,
			                       other, v->ren[k].new_s);
		}
	}
	return err;
}

int braid_merge__structure(braid_merge__sresult *res, const braid_merge_input *in, const char *lang,
                           int tier, const braid_merge__lines_opts *o)
{
	struct sm sm;
	int err = 0, declined = 0, ok = 0, blamed, pass, i;
	size_t k;

	memset(res, 0, sizeof(*res));
	res->merged = (braid_buf)BRAID_BUF_INIT;
	memset(&sm, 0, sizeof(sm));
	sm.in = in;
	sm.lo = o;
	sm.lang = lang;
	sm.tier = tier;
	sm.overloads = braid_merge__lang_overloads(lang);
	sm.out = (braid_buf)BRAID_BUF_INIT;
	if (!braid_merge__cspec_root(lang))
		return 1;
	if ((err = ver_open(&sm.v[0], lang, in->base, in->base_len, 0)) < 0 ||
	    (err = ver_open(&sm.v[1], lang, in->ours, in->ours_len, 1)) < 0 ||
	    (err = ver_open(&sm.v[2], lang, in->theirs, in->theirs_len, 2)) < 0) {
		/* too big, too slow or no grammar: the line tier's answer stands */
		if (err != BRAID_ENOMEM)
			err = 1;
		goto done;
	}
	if (tier >= 3 && ((err = find_renames(&sm.v[1], &sm.v[0])) < 0 ||
	                  (err = find_renames(&sm.v[2], &sm.v[0])) < 0))
		goto done;
	for (pass = 0; pass < MAX_PASSES; pass++) {
		sm_reset(&sm);
		for (i = 1; i <= 2; i++)
			for (k = 0; k < sm.v[i].nren; k++)
				sm.v[i].ren[k].carried = 0;
		if ((err = merge_pass(&sm, &declined)) < 0)
			goto done;
		if (declined)
			break;
		if ((err = check_parse(&sm, &ok, &blamed)) < 0)
			goto done;
		if (ok || !blamed)
			break;
	}
	if (declined || !ok) {
		err = 1;
		goto done;
	}
	if (sm.nspans) {
		if ((err = write_markers(&sm, &res->merged)) < 0)
			goto done;
	} else {
		res->merged = sm.out;
		sm.out = (braid_buf)BRAID_BUF_INIT;
	}
	res->clean = 1;
	for (k = 0; k < sm.regions.n; k++)
		if (sm.regions.v[k].verdict != BRAID_VERDICT_MERGE)
			res->clean = 0;
	res->tier = sm.used3 ? 3 : 2;
	{
		braid_buf n = BRAID_BUF_INIT;
		if ((err = rename_note(&sm, &n)) < 0) {
			braid_buf_dispose(&n);
			goto done;
		}
		if (n.size) {
			res->note = braid_buf_detach(&n);
			res->tier = 3;
		}
		braid_buf_dispose(&n);
	}
	res->regions = sm.regions;
	sm.regions = (braid_merge__regions)BRAID_MERGE__REGIONS_INIT;
done:
	if (err != 0)
		braid_merge__sresult_release(res);
	if (err >= 0 && sm.v[1].tree && sm.v[2].tree) {
		/* the symbols of ours and theirs, for naming conflicts without parsing again */
		res->syms[0] = sm.v[1].syms;
		res->syms[1] = sm.v[2].syms;
		sm.v[1].syms = sm.v[2].syms = NULL;
		res->parsed = 1;
	}
	sm_release(&sm);
	return err;
}

/* ------------------------------------------------------------- annotate */

int braid_merge__annotate(braid_merge__regions *regions, const braid_merge_input *in,
                          const char *lang, const braid_merge__sresult *pre)
{
	braid_syntax_tree *t[2] = {NULL, NULL};
	braid_symbol_list *own[2] = {NULL, NULL};
	braid_symbol_list *const *s = own;
	const char *src[2] = {in->ours, in->theirs};
	size_t len[2] = {in->ours_len, in->theirs_len}, i, r, k;
	int err = 0;

	if (pre && pre->parsed)
		s = pre->syms;
	for (i = 0; i < 2 && s == own; i++) {
		if (!src[i])
			continue;
		if (braid_syntax_parse(&t[i], lang, src[i], len[i]) < 0) {
			braid_error_clear();
			continue;
		}
		if ((err = braid_syntax_symbols(&own[i], t[i])) < 0)
			goto done;
	}
	for (r = 0; r < regions->n && err == 0; r++) {
		braid_merge_region *rg = &regions->v[r];
		char **syms = NULL;
		size_t nsyms = 0;

		if (rg->verdict == BRAID_VERDICT_MERGE || rg->symbols)
			continue;
		for (i = 0; i < 2 && err == 0; i++) {
			size_t a = i ? rg->theirs_off : rg->ours_off;
			size_t b = a + (i ? rg->theirs_len : rg->ours_len);

			for (k = 0; s[i] && k < s[i]->count && err == 0; k++) {
				const braid_symbol *y = &s[i]->items[k];
				size_t q;
				int inner = 0;

				if (y->start_byte > b || y->end_byte < a ||
				    (a == b && y->end_byte == a))
					continue;
				if (!strcmp(y->kind, "import"))
					continue;
				/* innermost: no other overlapping symbol lies inside it */
				for (q = 0; q < s[i]->count; q++) {
					const braid_symbol *z = &s[i]->items[q];
					if (q != k && z->start_byte >= y->start_byte &&
					    z->end_byte <= y->end_byte && z->depth > y->depth &&
					    z->start_byte <= b && z->end_byte >= a)
						inner = 1;
				}
				if (!inner && nsyms < 8)
					err = add_symbol(&syms, &nsyms, y->name);
			}
		}
		rg->symbols = syms;
	}
done:
	for (i = 0; i < 2; i++) {
		braid_symbol_list_free(own[i]);
		braid_syntax_tree_free(t[i]);
	}
	return err;
}
