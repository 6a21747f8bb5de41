/*
 * test_merge_structure.c: the structural tier on whole scenarios.
 *  - The golden case of the design: five agents each add a different
 *    function at the end of one file (C, Python, Go, TypeScript), all
 *    submitting against the same base: each lands on the previous result,
 *    all five are there in landing order and the file parses; a sixth adds
 *    a function with an existing name and stays an add/add conflict naming it.
 *  - A property: random pairs of edits on different top-level declarations
 *    of real source files (braid's own C, the grammars' JavaScript, the
 *    table cases' other languages) merge cleanly both ways, contain both
 *    edits, and give the same bytes both ways except for the documented
 *    order of two additions at one spot (ours first), where they give the
 *    same lines.
 */
#include "common.h"
#include "harness.h"
#include "braid/merge.h"
#include "braid/syntax.h"
#include "util/buf.h"

static braid_merge_result *merge3(const char *path, const char *b, size_t bl, const char *o,
                                  size_t ol, const char *t, size_t tl)
{
	braid_merge_input in;
	braid_merge_result *r = NULL;

	memset(&in, 0, sizeof(in));
	in.base = b;
	in.base_len = bl;
	in.ours = o;
	in.ours_len = ol;
	in.theirs = t;
	in.theirs_len = tl;
	in.path = path;
	CHECK_OK(braid_merge_file(&r, &in, NULL));
	return r;
}

static size_t parse_errors(const char *lang, const char *s, size_t n)
{
	braid_syntax_tree *t = NULL;
	size_t e;

	CHECK_OK(braid_syntax_parse(&t, lang, s, n));
	e = braid_syntax_error_count(t);
	braid_syntax_tree_free(t);
	return e;
}

struct golden {
	const char *path, *lang, *base, *fmt;
};

static const struct golden goldens[] = {
    {"src/tool.c", "c", "#include <stdio.h>\n\nint tool_main(void)\n{\n\treturn 0;\n}\n",
     "\nint agent_fn_%d(int x)\n{\n\treturn x + %d;\n}\n"},
    {"tool.py", "python", "import sys\n\n\ndef main():\n    return 0\n",
     "\n\ndef agent_fn_%d(x):\n    return x + %d\n"},
    {"tool.go", "go", "package tool\n\nfunc Main() int {\n\treturn 0\n}\n",
     "\nfunc AgentFn%d(x int) int {\n\treturn x + %d\n}\n"},
    {"tool.ts", "typescript", "export function main(): number {\n  return 0;\n}\n",
     "\nexport function agentFn%d(x: number): number {\n  return x + %d;\n}\n"},
};

TEST(merge_golden_five_agents_add_functions)
{
	size_t g;

	for (g = 0; g < BRAID_ARRAY_SIZE(goldens); g++) {
		const struct golden *G = &goldens[g];
		braid_buf main_ = BRAID_BUF_INIT, sub = BRAID_BUF_INIT, name = BRAID_BUF_INIT;
		braid_merge_result *r;
		const char *prev = NULL;
		int i;

		CHECK_OK(braid_buf_puts(&main_, G->base));
		/* landing order 3, 1, 5, 2, 4: each merges onto what landed before */
		for (i = 0; i < 5; i++) {
			int a = (int[]){3, 1, 5, 2, 4}[i];

			braid_buf_clear(&sub);
			CHECK_OK(braid_buf_puts(&sub, G->base));
			CHECK_OK(braid_buf_printf(&sub, G->fmt, a, a));
			r = merge3(G->path, G->base, strlen(G->base), main_.ptr, main_.size,
			           sub.ptr, sub.size);
			if (!r->clean)
				printf("%s: agent %d did not land:\n%s\n", G->lang, a, r->merged);
			CHECK_INT(r->clean, 1);
			CHECK(i == 0 || r->tier >= 2);
			CHECK_OK(braid_buf_set(&main_, r->merged, r->merged_len));
			braid_merge_result_free(r);
		}
		CHECK_INT(parse_errors(G->lang, main_.ptr, main_.size), 0);
		/* all five, in landing order */
		for (i = 0; i < 5; i++) {
			const char *at;
			int a = (int[]){3, 1, 5, 2, 4}[i];

			braid_buf_clear(&name);
			CHECK_OK(braid_buf_printf(&name, G->fmt, a, a));
			at = strstr(main_.ptr, name.ptr + 1);
			CHECK(at != NULL);
			CHECK(!prev || at > prev);
			prev = at;
		}
		/* a sixth adds agent_fn_1 again with another body: add/add, named */
		braid_buf_clear(&sub);
		CHECK_OK(braid_buf_puts(&sub, G->base));
		CHECK_OK(braid_buf_printf(&sub, G->fmt, 1, 99));
		r = merge3(G->path, G->base, strlen(G->base), main_.ptr, main_.size, sub.ptr,
		           sub.size);
		CHECK_INT(r->clean, 0);
		CHECK_INT(r->conflict_kind, BRAID_KIND_ADD_ADD);
		{
			size_t k;
			int named = 0;
			for (k = 0; k < r->nregions; k++)
				if (r->regions[k].verdict == BRAID_VERDICT_CONFLICT &&
				    r->regions[k].symbols && r->regions[k].symbols[0] &&
				    strstr(r->regions[k].symbols[0], "1"))
					named = 1;
			CHECK(named);
		}
		braid_merge_result_free(r);
		braid_buf_dispose(&main_);
		braid_buf_dispose(&sub);
		braid_buf_dispose(&name);
	}
}

TEST(merge_structure_descriptions_name_symbols)
{
	const char *base = "int parse_args(int n)\n{\n\treturn n + 0;\n}\n";
	const char *ours = "int parse_args(int n)\n{\n\treturn n + 1;\n}\n";
	const char *theirs = "int parse_args(int n)\n{\n\treturn n + 2;\n}\n";
	braid_merge_input in;
	braid_merge_result *r = NULL;

	memset(&in, 0, sizeof(in));
	in.base = base;
	in.base_len = strlen(base);
	in.ours = ours;
	in.ours_len = strlen(ours);
	in.theirs = theirs;
	in.theirs_len = strlen(theirs);
	in.path = "a.c";
	in.ours_label = "a1";
	in.theirs_label = "a2";
	CHECK_OK(braid_merge_file(&r, &in, NULL));
	CHECK_INT(r->clean, 0);
	CHECK_INT(r->conflict_regions, 1);
	CHECK_STR(r->regions[0].description, "a1 and a2 both changed the body of `parse_args`");
	CHECK(r->regions[0].symbols && !strcmp(r->regions[0].symbols[0], "parse_args"));
	CHECK_STR(r->merged, "int parse_args(int n)\n{\n<<<<<<< a1\n\treturn n + 1;\n||||||| "
	                     "base\n\treturn n + 0;\n=======\n\treturn n + 2;\n>>>>>>> a2\n}\n");
	braid_merge_result_free(r);
}

/* ------------------------------------------------------------ property */

static uint64_t rs;

static unsigned rnd(unsigned n)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return (unsigned)((rs * 0x2545f4914f6cdd1du) >> 33) % n;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (!f)
		return NULL;
	CHECK(fseek(f, 0, SEEK_END) == 0);
	n = ftell(f);
	CHECK(fseek(f, 0, SEEK_SET) == 0);
	b = malloc((size_t)n + 1);
	CHECK(b != NULL);
	*len = fread(b, 1, (size_t)n, f);
	b[*len] = 0;
	CHECK(fclose(f) == 0);
	return b;
}

struct tl { /* a top-level declaration */
	size_t s, e;
	size_t id; /* an identifier leaf inside it, or SIZE_MAX */
	size_t idlen;
};

struct prop_file {
	const char *path, *lang, *fmt;
};

static const struct prop_file pfiles[] = {
    {BRAID_SOURCE_DIR "/src/merge/merge3.c", "c", "\nint prop_fn_%u(void)\n{\n\treturn %u;\n}\n"},
    {BRAID_SOURCE_DIR "/src/syntax/node.c", "c", "\nstatic int prop_fn_%u;\nint prop_g_%u;\n"},
    {BRAID_SOURCE_DIR "/node_modules/tree-sitter-c/grammar.js", "javascript",
     "\nfunction propFn%u() {\n  return %u;\n}\n"},
    {BRAID_SOURCE_DIR "/tests/resources/merge/python/method_both/Base.py", "python",
     "\n\ndef prop_fn_%u():\n    return %u\n"},
    {BRAID_SOURCE_DIR "/tests/resources/merge/go/imports_both/Base.go", "go",
     "\nfunc PropFn%u() int {\n\treturn %u\n}\n"},
    {BRAID_SOURCE_DIR "/tests/resources/merge/typescript/add_function_end_both/Base.ts",
     "typescript", "\nexport function propFn%u(): number {\n  return %u;\n}\n"},
};

static const char *ext_of(const char *lang)
{
	return !strcmp(lang, "c")            ? "x.c"
	       : !strcmp(lang, "javascript") ? "x.js"
	       : !strcmp(lang, "python")     ? "x.py"
	       : !strcmp(lang, "go")         ? "x.go"
	                                     : "x.ts";
}

/* Top-level declarations with an identifier to edit (not the first one). */
static size_t top_level(struct tl **out, const char *lang, const char *src, size_t len)
{
	braid_syntax_tree *t = NULL;
	braid_syntax_child *ch = NULL;
	size_t nch = 0, i, n = 0;
	struct tl *v;

	CHECK_OK(braid_syntax_parse(&t, lang, src, len));
	CHECK_INT(braid_syntax_error_count(t), 0);
	CHECK_OK(braid_syntax_node_children(&ch, &nch, braid_syntax_tree_root(t)));
	v = calloc(nch + 1, sizeof(*v));
	CHECK(v != NULL);
	for (i = 0; i < nch; i++) {
		braid_syntax_leaf *lv = NULL;
		size_t nl = 0, k, seen = 0;

		if (!braid_syntax_node_is_named(ch[i].node) ||
		    braid_syntax_node_is_extra(ch[i].node))
			continue;
		v[n].s = braid_syntax_node_start(ch[i].node);
		v[n].e = braid_syntax_node_end(ch[i].node);
		v[n].id = SIZE_MAX;
		CHECK_OK(braid_syntax_node_leaves(&lv, &nl, ch[i].node));
		for (k = 0; k < nl; k++)
			if (lv[k].identifier && !lv[k].extra && seen++ >= 2) {
				v[n].id = lv[k].start;
				v[n].idlen = lv[k].end - lv[k].start;
				break;
			}
		free(lv);
		n++;
	}
	free(ch);
	braid_syntax_tree_free(t);
	*out = v;
	return n;
}

enum { E_INSERT, E_RENAME_TOKEN, E_DELETE };

struct pedit {
	int kind;
	size_t el; /* declaration index */
	unsigned tag;
};

/* Apply one edit to src; *marker is the text that must be in the merge (or gone). */
static void apply(braid_buf *out, braid_buf *marker, const char *src, size_t len,
                  const struct tl *d, const struct pedit *e, const char *fmt)
{
	braid_buf_clear(out);
	braid_buf_clear(marker);
	switch (e->kind) {
	case E_INSERT: /* after declaration el */
		CHECK_OK(braid_buf_put(out, src, d[e->el].e));
		CHECK_OK(braid_buf_printf(marker, fmt, e->tag, e->tag));
		CHECK_OK(
		    braid_buf_put(out, marker->ptr, marker->size - 1)); /* its newline follows */
		CHECK_OK(braid_buf_put(out, src + d[e->el].e, len - d[e->el].e));
		braid_buf_truncate(marker, marker->size - 1);
		break;
	case E_RENAME_TOKEN:
		CHECK_OK(braid_buf_put(out, src, d[e->el].id));
		CHECK_OK(braid_buf_printf(marker, "zz_prop_%u", e->tag));
		CHECK_OK(braid_buf_put(out, marker->ptr, marker->size));
		CHECK_OK(braid_buf_put(out, src + d[e->el].id + d[e->el].idlen,
		                       len - d[e->el].id - d[e->el].idlen));
		break;
	default: /* delete declaration el with the line break before it */
		CHECK_OK(braid_buf_put(out, src, d[e->el - 1].e));
		CHECK_OK(braid_buf_put(out, src + d[e->el].e, len - d[e->el].e));
		CHECK_OK(braid_buf_put(marker, src + d[e->el].s, d[e->el].e - d[e->el].s));
		break;
	}
}

static int count_of(const char *hay, size_t n, const char *needle, size_t m)
{
	size_t i;
	int c = 0;

	for (i = 0; m && i + m <= n; i++)
		c += !memcmp(hay + i, needle, m);
	return c;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Same multiset of lines. */
static int same_lines(const char *a, const char *b)
{
	char *x = strdup(a), *y = strdup(b), *p, *save = NULL;
	char *la[4096] = {NULL}, *lb[4096] = {NULL};
	size_t na = 0, nb = 0, i;
	int same;

	CHECK(x && y);
	for (p = strtok_r(x, "\n", &save); p && na < 4096; p = strtok_r(NULL, "\n", &save))
		la[na++] = p;
	for (p = strtok_r(y, "\n", &save); p && nb < 4096; p = strtok_r(NULL, "\n", &save))
		lb[nb++] = p;
	qsort(la, na, sizeof(*la), cmp_lines);
	qsort(lb, nb, sizeof(*lb), cmp_lines);
	same = na == nb;
	for (i = 0; same && i < na; i++)
		same = !strcmp(la[i], lb[i]);
	free(x);
	free(y);
	return same;
}

TEST(merge_property_disjoint_declaration_edits_commute)
{
	size_t f;
	int total = 0;

	for (f = 0; f < BRAID_ARRAY_SIZE(pfiles); f++) {
		const struct prop_file *P = &pfiles[f];
		size_t len = 0, nd, iter;
		char *src = slurp(P->path, &len);
		struct tl *d = NULL;
		braid_buf a = BRAID_BUF_INIT, b = BRAID_BUF_INIT, ma = BRAID_BUF_INIT,
		          mb = BRAID_BUF_INIT;

		CHECK(src != NULL);
		nd = top_level(&d, P->lang, src, len);
		CHECK(nd >= 3);
		rs = 0x9e3779b97f4a7c15u + f;
		for (iter = 0; iter < 40; iter++) {
			struct pedit ea, eb;
			braid_merge_result *r1, *r2;

			ea.kind = (int)rnd(3);
			eb.kind = (int)rnd(3);
			ea.tag = 1000 + (unsigned)iter * 2;
			eb.tag = ea.tag + 1;
			ea.el = 1 + rnd((unsigned)nd - 1);
			eb.el = 1 + rnd((unsigned)nd - 1);
			/* the edits must touch different declarations */
			if (ea.kind != E_INSERT && eb.kind != E_INSERT && ea.el == eb.el)
				continue;
			if ((ea.kind == E_RENAME_TOKEN && d[ea.el].id == SIZE_MAX) ||
			    (eb.kind == E_RENAME_TOKEN && d[eb.el].id == SIZE_MAX))
				continue;
			/* an insertion after a declaration the other side deletes or edits is
			 * next to it, not inside it: still disjoint */
			apply(&a, &ma, src, len, d, &ea, P->fmt);
			apply(&b, &mb, src, len, d, &eb, P->fmt);
			if (parse_errors(P->lang, a.ptr, a.size) ||
			    parse_errors(P->lang, b.ptr, b.size))
				continue; /* an edit that broke the file is no test of the merge */
			r1 = merge3(ext_of(P->lang), src, len, a.ptr, a.size, b.ptr, b.size);
			r2 = merge3(ext_of(P->lang), src, len, b.ptr, b.size, a.ptr, a.size);
			if (!r1->clean || !r2->clean)
				printf("%s: edits %d@%zu and %d@%zu did not merge:\n%s\n", P->path,
				       ea.kind, ea.el, eb.kind, eb.el,
				       !r1->clean ? r1->merged : r2->merged);
			CHECK_INT(r1->clean, 1);
			CHECK_INT(r2->clean, 1);
			if (parse_errors(P->lang, r1->merged, r1->merged_len))
				printf("%s: edits %d@%zu and %d@%zu do not parse:\n%s\n", P->path,
				       ea.kind, ea.el, eb.kind, eb.el, r1->merged);
			CHECK_INT(parse_errors(P->lang, r1->merged, r1->merged_len), 0);
			if (ea.kind == E_DELETE) {
				CHECK(count_of(r1->merged, r1->merged_len, ma.ptr, ma.size) <
				      count_of(src, len, ma.ptr, ma.size));
			} else {
				CHECK(count_of(r1->merged, r1->merged_len, ma.ptr, ma.size) >= 1);
			}
			if (eb.kind == E_DELETE) {
				CHECK(count_of(r1->merged, r1->merged_len, mb.ptr, mb.size) <
				      count_of(src, len, mb.ptr, mb.size));
			} else {
				CHECK(count_of(r1->merged, r1->merged_len, mb.ptr, mb.size) >= 1);
			}
			if (ea.kind == E_INSERT && eb.kind == E_INSERT && ea.el == eb.el) {
				/* one spot: ours first, so only the lines agree */
				CHECK(same_lines(r1->merged, r2->merged));
			} else {
				if (r1->merged_len != r2->merged_len ||
				    memcmp(r1->merged, r2->merged, r1->merged_len))
					printf("%s: edits %d@%zu and %d@%zu differ by "
					       "order:\n%s\n----\n%s\n",
					       P->path, ea.kind, ea.el, eb.kind, eb.el, r1->merged,
					       r2->merged);
				CHECK_MEM(r1->merged, r1->merged_len, r2->merged, r2->merged_len);
			}
			braid_merge_result_free(r1);
			braid_merge_result_free(r2);
			total++;
		}
		braid_buf_dispose(&a);
		braid_buf_dispose(&b);
		braid_buf_dispose(&ma);
		braid_buf_dispose(&mb);
		free(d);
		free(src);
	}
	CHECK(total > 100);
}
