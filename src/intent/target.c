/*
 * target.c: what an intent is about. Parsing and resolving target strings,
 * the glob dialect (with an exact test for "do two globs share a path"),
 * when two targets overlap and which levels may share an overlap. Pure
 * except for braid_intent__target_resolve, which looks at the tree.
 */
#include "common.h"
#include "braid/syntax.h"
#include "intent/intent_int.h"
#include "util/fs.h"
#include "util/path.h"

#include <sys/stat.h>

#define MAX_PATTERN 4096

/* --- levels and compatibility ----------------------------------------- */

int braid_intent_level_parse(const char *s)
{
	if (!s)
		return braid_error_set(BRAID_EINVALID, "missing intent level (L1, L2, L3 or L4)");
	if ((s[0] == 'L' || s[0] == 'l') && s[1])
		s++;
	if (s[0] >= '1' && s[0] <= '4' && s[1] == '\0')
		return s[0] - '0';
	return braid_error_set(
	    BRAID_EINVALID,
	    "unknown intent level '%s'; use L1 (read), L2 (soft write), L3 (hard "
	    "write) or L4 (exclusive)",
	    s);
}

const char *braid_intent_level_name(int level)
{
	static const char *names[] = {"L?", "L1", "L2", "L3", "L4"};
	return names[level >= 1 && level <= 4 ? level : 0];
}

int braid_intent_compatible(int held, int requested, int structure)
{
	if (held == 4 || requested == 4)
		return held == 2 && requested == 4 ? 2 : 0;
	if (held == 1 || requested == 1)
		return 1;
	if (held == 2 && requested == 2)
		return structure ? 0 : 1;
	if (held == 2 && requested == 3)
		return 2;
	return 0;
}

/* --- globs ------------------------------------------------------------ */

/* One token of a segment pattern: '*' or a set of bytes matching one byte. */
typedef struct gtok {
	int star;
	uint32_t set[8];
} gtok;

static void set_add(uint32_t *set, unsigned c)
{
	set[c >> 5] |= 1u << (c & 31);
}

static void set_all(uint32_t *set)
{
	memset(set, 0xff, 8 * sizeof(uint32_t));
	set[0] &= ~1u;                        /* NUL */
	set['/' >> 5] &= ~(1u << ('/' & 31)); /* never inside a segment */
}

/* Parse a bracket expression starting after '['; returns bytes consumed or 0 if unterminated. */
static size_t parse_class(gtok *t, const char *s, size_t n)
{
	size_t i = 0;
	int neg = 0, k;
	uint32_t set[8] = {0};

	if (i < n && (s[i] == '!' || s[i] == '^')) {
		neg = 1;
		i++;
	}
	if (i < n && s[i] == ']') {
		set_add(set, ']');
		i++;
	}
	while (i < n && s[i] != ']') {
		unsigned char lo = (unsigned char)s[i], hi;
		if (lo == '\\' && i + 1 < n)
			lo = (unsigned char)s[++i];
		hi = lo;
		if (i + 2 < n && s[i + 1] == '-' && s[i + 2] != ']') {
			hi = (unsigned char)s[i + 2];
			if (hi == '\\' && i + 3 < n) {
				hi = (unsigned char)s[i + 3];
				i++;
			}
			i += 2;
		}
		for (unsigned c = lo; c <= hi; c++)
			set_add(set, c);
		i++;
	}
	if (i >= n)
		return 0;
	if (neg) {
		uint32_t all[8];
		set_all(all);
		for (k = 0; k < 8; k++)
			set[k] = ~set[k] & all[k];
	} else {
		set[0] &= ~1u;
		set['/' >> 5] &= ~(1u << ('/' & 31));
	}
	memcpy(t->set, set, sizeof(set));
	return i + 1;
}

/* Tokenize one segment (no '/'). `literal` treats every byte as itself. */
static int seg_tokens(gtok **out, size_t *nout, const char *s, size_t n, int literal)
{
	gtok *v = calloc(n ? n : 1, sizeof(*v));
	size_t i = 0, c = 0;

	if (!v)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	while (i < n) {
		gtok *t = &v[c];
		unsigned char ch = (unsigned char)s[i];
		if (!literal && ch == '*') {
			while (i < n && s[i] == '*')
				i++;
			t->star = 1;
			c++;
			continue;
		}
		if (!literal && ch == '?') {
			set_all(t->set);
			i++;
		} else if (!literal && ch == '[') {
			size_t used = parse_class(t, s + i + 1, n - i - 1);
			if (used) {
				i += 1 + used;
			} else {
				set_add(t->set, '[');
				i++;
			}
		} else {
			if (!literal && ch == '\\' && i + 1 < n)
				ch = (unsigned char)s[++i];
			set_add(t->set, ch);
			i++;
		}
		c++;
	}
	*out = v;
	*nout = c;
	return 0;
}

static int sets_meet(const uint32_t *a, const uint32_t *b)
{
	int k;
	for (k = 0; k < 8; k++)
		if (a[k] & b[k])
			return 1;
	return 0;
}

/*
 * Generic product-automaton search: is there a word accepted by both token
 * lists? `star(i)` tokens consume any number of units, others exactly one
 * unit that must be accepted by both sides (`meet`).
 */
typedef struct product {
	size_t n, m;
	int (*is_star_a)(const void *ctx, size_t i);
	int (*is_star_b)(const void *ctx, size_t j);
	int (*meet)(const void *ctx, size_t i, size_t j); /* i/j index tokens, star or not */
	const void *ctx;
} product;

static int product_accepts(const product *p)
{
	size_t w = p->m + 1, total = (p->n + 1) * w, sp = 0;
	unsigned char *seen = calloc(total, 1);
	size_t *stack = malloc(total * sizeof(size_t));
	int found = 0;

	if (!seen || !stack) {
		free(seen);
		free(stack);
		return 1; /* out of memory: say "overlap", the safe answer */
	}
	seen[0] = 1;
	stack[sp++] = 0;
	while (sp && !found) {
		size_t s = stack[--sp], i = s / w, j = s % w, next[3];
		int nn = 0, k;
		int sa = i < p->n && p->is_star_a(p->ctx, i);
		int sb = j < p->m && p->is_star_b(p->ctx, j);

		if (i == p->n && j == p->m) {
			found = 1;
			break;
		}
		if (sa)
			next[nn++] = (i + 1) * w + j;
		if (sb)
			next[nn++] = i * w + j + 1;
		if (i < p->n && j < p->m && p->meet(p->ctx, i, j))
			next[nn++] = (sa ? i : i + 1) * w + (sb ? j : j + 1);
		for (k = 0; k < nn; k++) {
			if (!seen[next[k]]) {
				seen[next[k]] = 1;
				stack[sp++] = next[k];
			}
		}
	}
	free(seen);
	free(stack);
	return found;
}

typedef struct seg_pair {
	const gtok *a, *b;
} seg_pair;

static int seg_star_a(const void *c, size_t i)
{
	return ((const seg_pair *)c)->a[i].star;
}

static int seg_star_b(const void *c, size_t j)
{
	return ((const seg_pair *)c)->b[j].star;
}

static int seg_meet(const void *c, size_t i, size_t j)
{
	const seg_pair *sp = c;
	uint32_t all[8];
	const uint32_t *x = sp->a[i].set, *y = sp->b[j].set;

	set_all(all);
	if (sp->a[i].star)
		x = all;
	if (sp->b[j].star)
		y = all;
	return sets_meet(x, y);
}

/* Do two segment patterns share a (non-empty) segment? */
static int seg_intersect(const char *a, size_t alen, int alit, const char *b, size_t blen, int blit)
{
	gtok *ta = NULL, *tb = NULL;
	size_t na = 0, nb = 0;
	int r = 1;

	if (seg_tokens(&ta, &na, a, alen, alit) == 0 && seg_tokens(&tb, &nb, b, blen, blit) == 0) {
		seg_pair sp = {ta, tb};
		product p = {na, nb, seg_star_a, seg_star_b, seg_meet, &sp};
		r = product_accepts(&p);
	}
	free(ta);
	free(tb);
	return r;
}

/* A path pattern split into segments; "**" segments match any number of segments. */
typedef struct segs {
	const char **ptr;
	size_t *len;
	size_t n;
	int literal;
} segs;

static int split_segs(segs *out, const char *s, int literal)
{
	size_t n = 1, i, k = 0;
	const char *p;

	for (p = s; *p; p++)
		if (*p == '/')
			n++;
	out->ptr = calloc(n, sizeof(*out->ptr));
	out->len = calloc(n, sizeof(*out->len));
	out->literal = literal;
	if (!out->ptr || !out->len) {
		free(out->ptr);
		free(out->len);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	p = s;
	for (i = 0; i < n; i++) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l) {
			out->ptr[k] = p;
			out->len[k] = l;
			k++;
		}
		p = e ? e + 1 : p + l;
	}
	out->n = k;
	return 0;
}

static void segs_free(segs *s)
{
	free(s->ptr);
	free(s->len);
}

static int seg_is_dstar(const segs *s, size_t i)
{
	return !s->literal && s->len[i] == 2 && s->ptr[i][0] == '*' && s->ptr[i][1] == '*';
}

typedef struct path_pair {
	const segs *a, *b;
} path_pair;

static int path_star_a(const void *c, size_t i)
{
	return seg_is_dstar(((const path_pair *)c)->a, i);
}

static int path_star_b(const void *c, size_t j)
{
	return seg_is_dstar(((const path_pair *)c)->b, j);
}

static int path_meet(const void *c, size_t i, size_t j)
{
	const path_pair *pp = c;

	if (seg_is_dstar(pp->a, i) || seg_is_dstar(pp->b, j))
		return 1;
	return seg_intersect(pp->a->ptr[i], pp->a->len[i], pp->a->literal, pp->b->ptr[j],
	                     pp->b->len[j], pp->b->literal);
}

static int paths_meet(const char *a, int alit, const char *b, int blit)
{
	segs sa, sb;
	int r = 1;

	if (strlen(a) > MAX_PATTERN || strlen(b) > MAX_PATTERN)
		return 1;
	if (split_segs(&sa, a, alit) < 0)
		return 1;
	if (split_segs(&sb, b, blit) < 0) {
		segs_free(&sa);
		return 1;
	}
	{
		path_pair pp = {&sa, &sb};
		product p = {sa.n, sb.n, path_star_a, path_star_b, path_meet, &pp};
		r = product_accepts(&p);
	}
	segs_free(&sa);
	segs_free(&sb);
	return r;
}

int braid_intent__glob_match(const char *pattern, const char *path)
{
	return paths_meet(pattern, 0, path, 1);
}

int braid_intent__glob_intersect(const char *a, const char *b)
{
	return paths_meet(a, 0, b, 0);
}

int braid_intent__has_glob_meta(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* --- targets ---------------------------------------------------------- */

static const char *kind_names[] = {"file", "glob", "symbol", "structure"};

const char *braid_intent__kind_name(itarget_kind k)
{
	return kind_names[k];
}

int braid_intent__kind_parse(const char *s)
{
	int i;
	for (i = 0; i < 4; i++)
		if (s && !strcmp(s, kind_names[i]))
			return i;
	return ITARGET_FILE;
}

void braid_intent__target_clear(itarget *t)
{
	free(t->target);
	free(t->path);
	free(t->symbol);
	memset(t, 0, sizeof(*t));
}

static int set_canonical(itarget *t)
{
	free(t->target);
	switch (t->kind) {
	case ITARGET_STRUCTURE:
		t->target = braid_strdup(BRAID_INTENT_STRUCTURE);
		break;
	case ITARGET_SYMBOL:
		t->target = braid_sprintf_alloc("%s::%s", t->path, t->symbol);
		break;
	default:
		t->target = braid_strdup(t->path);
	}
	return t->target ? 0 : BRAID_ENOMEM;
}

int braid_intent__target_parse_lexical(itarget *out, const char *spec)
{
	itarget t = {0};
	const char *sep;
	char *path = NULL;
	size_t n;
	int err = 0;

	t.start_line = t.end_line = -1;
	if (!spec || !*spec)
		return braid_error_set(BRAID_EINVALID, "empty intent target");
	if (strlen(spec) > MAX_PATTERN)
		return braid_error_set(BRAID_EINVALID, "intent target is longer than %d bytes",
		                       MAX_PATTERN);
	while (spec[0] == '.' && spec[1] == '/')
		spec += 2;
	if (!strcmp(spec, BRAID_INTENT_STRUCTURE)) {
		t.kind = ITARGET_STRUCTURE;
		if (!(t.path = braid_strdup("")))
			return BRAID_ENOMEM;
		goto finish;
	}
	if ((sep = strstr(spec, "::"))) {
		t.kind = ITARGET_SYMBOL;
		if (!(path = braid_strndup(spec, (size_t)(sep - spec))) ||
		    !(t.symbol = braid_strdup(sep + 2))) {
			err = BRAID_ENOMEM;
			goto fail;
		}
		if (!*t.symbol || braid_intent__has_glob_meta(path)) {
			err = braid_error_set(BRAID_EINVALID,
			                      "bad symbol target '%s'; write PATH::NAME, e.g. "
			                      "'src/db.c::db_open'",
			                      spec);
			goto fail;
		}
	} else {
		if (!(path = braid_strdup(spec))) {
			err = BRAID_ENOMEM;
			goto fail;
		}
		n = strlen(path);
		if (n && path[n - 1] == '/') {
			while (n && path[n - 1] == '/')
				path[--n] = '\0';
			t.kind = ITARGET_GLOB;
			if (!n) {
				err = braid_error_set(BRAID_EINVALID,
				                      "intent target '/' is not "
				                      "repository-relative; use '**' for "
				                      "everything");
				goto fail;
			}
			char *g = braid_sprintf_alloc("%s/**", path);
			free(path);
			if (!(path = g)) {
				err = BRAID_ENOMEM;
				goto fail;
			}
		} else if (braid_intent__has_glob_meta(path)) {
			t.kind = ITARGET_GLOB;
		} else {
			t.kind = ITARGET_FILE;
		}
	}
	if ((err = braid_path_validate_rel(path)) < 0)
		goto fail;
	t.path = path;
	path = NULL;
finish:
	if ((err = set_canonical(&t)) < 0)
		goto fail;
	*out = t;
	return 0;
fail:
	free(path);
	braid_intent__target_clear(&t);
	return err;
}

/* Is `path` a directory in the agent's workspace, the main worktree or on the target branch? */
static int is_directory(braid_ctx *ctx, const iview *v, const char *path)
{
	struct stat st;
	char *abs = braid_sprintf_alloc("%s/%s", v->ws_path ? v->ws_path : ctx->root, path);
	int dir = 0;

	if (abs && stat(abs, &st) == 0) {
		free(abs);
		return S_ISDIR(st.st_mode); /* it exists in the agent's view: that decides */
	}
	free(abs);
	{
		git_oid head;
		git_commit *c = NULL;
		git_tree *tree = NULL;
		git_tree_entry *e = NULL;
		if (git_reference_name_to_id(&head, ctx->git, ctx->target) == 0 &&
		    git_commit_lookup(&c, ctx->git, &head) == 0 && git_commit_tree(&tree, c) == 0 &&
		    git_tree_entry_bypath(&e, tree, path) == 0)
			dir = git_tree_entry_type(e) == GIT_OBJECT_TREE;
		git_tree_entry_free(e);
		git_tree_free(tree);
		git_commit_free(c);
		git_error_clear();
	}
	return dir;
}

int braid_intent__target_resolve(itarget *out, braid_ctx *ctx, const char *agent_id,
                                 const char *spec)
{
	itarget t;
	iview v = {0};
	braid_buf content = BRAID_BUF_INIT;
	int err;

	if ((err = braid_intent__target_parse_lexical(&t, spec)) < 0)
		return err;
	if (t.kind == ITARGET_STRUCTURE || t.kind == ITARGET_GLOB)
		goto ok;
	if ((err = braid_intent__view(&v, ctx, agent_id)) < 0)
		goto fail;
	if (t.kind == ITARGET_FILE) {
		if (is_directory(ctx, &v, t.path)) {
			char *g = braid_sprintf_alloc("%s/**", t.path);
			if (!g) {
				err = BRAID_ENOMEM;
				goto fail;
			}
			free(t.path);
			t.path = g;
			t.kind = ITARGET_GLOB;
			if ((err = set_canonical(&t)) < 0)
				goto fail;
		}
		goto ok;
	}
	/* A symbol: on the target branch's tip, else in the agent's workspace. */
	err = braid_intent__read_commit(&content, NULL, ctx, NULL, t.path);
	if (err == BRAID_ENOTFOUND && v.ws_path) {
		char *abs = braid_sprintf_alloc("%s/%s", v.ws_path, t.path);
		err = abs ? braid_fs_read(&content, abs, 64u << 20) : BRAID_ENOMEM;
		free(abs);
	}
	if (err == BRAID_ENOTFOUND) {
		err =
		    braid_error_set(BRAID_ENOTFOUND,
		                    "'%s' is neither on '%s' nor in your workspace; check the path",
		                    t.path, ctx->target_name);
		goto fail;
	}
	if (err < 0)
		goto fail;
	{
		size_t sb, eb;
		char *canon = NULL;
		if ((err = braid_intent__find_symbol(&sb, &eb, &t.start_line, &t.end_line, &canon,
		                                     t.path, content.ptr, content.size, t.symbol)) <
		    0)
			goto fail;
		free(t.symbol);
		t.symbol = canon;
		if ((err = set_canonical(&t)) < 0)
			goto fail;
	}
ok:
	braid_intent__view_clear(&v);
	braid_buf_dispose(&content);
	*out = t;
	return 0;
fail:
	braid_intent__view_clear(&v);
	braid_buf_dispose(&content);
	braid_intent__target_clear(&t);
	return err;
}

int braid_intent__symbols_nest(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la == lb)
		return !strcmp(a, b);
	if (la > lb) { /* a is the shorter name */
		const char *t = a;
		a = b;
		b = t;
		la = lb;
	}
	return !strncmp(a, b, la) && b[la] == '.';
}

int braid_intent__overlap(const itarget *a, const itarget *b)
{
	if (a->kind == ITARGET_STRUCTURE || b->kind == ITARGET_STRUCTURE)
		return a->kind == b->kind;
	if (a->kind == ITARGET_GLOB && b->kind == ITARGET_GLOB)
		return braid_intent__glob_intersect(a->path, b->path);
	if (a->kind == ITARGET_GLOB)
		return braid_intent__glob_match(a->path, b->path);
	if (b->kind == ITARGET_GLOB)
		return braid_intent__glob_match(b->path, a->path);
	if (strcmp(a->path, b->path) != 0)
		return 0;
	if (a->kind == ITARGET_SYMBOL && b->kind == ITARGET_SYMBOL)
		return braid_intent__symbols_nest(a->symbol, b->symbol);
	return 1;
}

int braid_intent_targets_overlap(const char *a, const char *b)
{
	itarget ta, tb;
	int err, r;

	if ((err = braid_intent__target_parse_lexical(&ta, a)) < 0)
		return err;
	if ((err = braid_intent__target_parse_lexical(&tb, b)) < 0) {
		braid_intent__target_clear(&ta);
		return err;
	}
	r = braid_intent__overlap(&ta, &tb);
	braid_intent__target_clear(&ta);
	braid_intent__target_clear(&tb);
	return r;
}

/* --- structure globs ------------------------------------------------- */

void braid_intent__strv_free(char **v)
{
	size_t i;
	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int braid_intent__structure_globs_parse(char ***out, const char *value)
{
	const char *p = value;
	char **v = NULL;
	size_t n = 0;

	*out = NULL;
	if (!p)
		return 0;
	while (*p) {
		size_t l;
		char **nv;
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		l = strcspn(p, ", \t");
		if (!l)
			break;
		if (!(nv = realloc(v, (n + 2) * sizeof(*v)))) {
			braid_intent__strv_free(v);
			return braid_error_set(BRAID_ENOMEM, "out of memory");
		}
		v = nv;
		if (!(v[n] = braid_strndup(p, l))) {
			v[n] = NULL;
			braid_intent__strv_free(v);
			return BRAID_ENOMEM;
		}
		/* "dir/" means everything below dir. */
		if (l > 1 && v[n][l - 1] == '/') {
			char *g = braid_sprintf_alloc("%s**", v[n]);
			free(v[n]);
			v[n] = g;
		}
		v[++n] = NULL;
		p += l;
	}
	*out = v;
	return 0;
}

int braid_intent__structure_globs(char ***out, braid_ctx *ctx)
{
	char *cfg = NULL;
	int err;

	*out = NULL;
	if ((err = braid_ctx_config_string(&cfg, ctx, "intent.structure-globs", NULL)) < 0)
		return err;
	err = braid_intent__structure_globs_parse(out, cfg);
	free(cfg);
	return err;
}

int braid_intent__is_structure_path(char **globs, const char *path, int is_glob)
{
	size_t i;

	for (i = 0; globs && globs[i]; i++) {
		if (is_glob ? braid_intent__glob_intersect(globs[i], path)
		            : braid_intent__glob_match(globs[i], path))
			return 1;
	}
	return 0;
}
