/* test_syntax_lang.c: languages by path, grammar loading, JSON keys, limits and bad input. */
#include "syntax_test.h"
#include "syntax/syntax_int.h"

#include <tree_sitter/api.h>

TEST(language_for_path_by_extension)
{
	static const struct {
		const char *path, *lang;
	} cases[] = {
	    {"src/db.c", "c"},        {"include/db.h", "c"},   {"a.cc", "cpp"},
	    {"a.cpp", "cpp"},         {"a.cxx", "cpp"},        {"a.hpp", "cpp"},
	    {"a.hh", "cpp"},          {"a.hxx", "cpp"},        {"app/models.py", "python"},
	    {"a.js", "javascript"},   {"a.mjs", "javascript"}, {"a.cjs", "javascript"},
	    {"a.jsx", "javascript"},  {"a.ts", "typescript"},  {"a.mts", "typescript"},
	    {"a.cts", "typescript"},  {"ui/App.tsx", "tsx"},   {"cmd/main.go", "go"},
	    {"src/lib.rs", "rust"},   {"A.java", "java"},      {"package.json", "json"},
	    {"dir.d/x.py", "python"}, {"a.b.c.go", "go"},
	};
	size_t i;

	for (i = 0; i < BRAID_ARRAY_SIZE(cases); i++) {
		const char *got = braid_syntax_language_for_path(cases[i].path);
		CHECK_STR(got, cases[i].lang);
		CHECK(braid_syntax_has_language(got));
	}
	CHECK(braid_syntax_language_for_path("README.md") == NULL);
	CHECK(braid_syntax_language_for_path("Makefile") == NULL);
	CHECK(braid_syntax_language_for_path(".json") == NULL);
	CHECK(braid_syntax_language_for_path("src.c/notes") == NULL);
	CHECK(braid_syntax_language_for_path("a.") == NULL);
	CHECK(braid_syntax_language_for_path("a.C") == NULL);
	CHECK(braid_syntax_language_for_path("") == NULL);
	CHECK(braid_syntax_language_for_path(NULL) == NULL);
	CHECK(!braid_syntax_has_language("cobol"));
	CHECK(!braid_syntax_has_language(NULL));
}

TEST(every_grammar_loads)
{
	static const char *const names[] = {"c",   "cpp", "python", "javascript", "typescript",
	                                    "tsx", "go",  "rust",   "java",       "json"};
	TSParser *p = ts_parser_new();
	size_t i;

	for (i = 0; i < BRAID_ARRAY_SIZE(names); i++) {
		const struct syn_lang *l = braid_syntax__lang(names[i]);
		braid_syntax_tree *t = NULL;

		CHECK(l != NULL);
		CHECK(braid_syntax_has_language(names[i]));
		CHECK(ts_parser_set_language(p, l->language()));
		/* and an empty buffer parses cleanly in each */
		CHECK_OK(braid_syntax_parse(&t, names[i], "", 0));
		CHECK_INT(braid_syntax_error_count(t), 0);
		CHECK_STR(braid_syntax_tree_language(t), names[i]);
		braid_syntax_tree_free(t);
	}
	CHECK(braid_syntax__lang_at(BRAID_ARRAY_SIZE(names) - 1) != NULL);
	CHECK(braid_syntax__lang_at(BRAID_ARRAY_SIZE(names)) == NULL);
	ts_parser_delete(p);
}

TEST(json_keys)
{
	static const char src[] = "{\n"
	                          "  \"name\": \"braid\",\n"
	                          "  \"scripts\": { \"test\": \"ctest\", \"build\": \"cmake\" },\n"
	                          "  \"deps\": { \"a\": { \"version\": \"1.0\" } },\n"
	                          "  \"files\": [ { \"inside\": \"arrays is not a key path\" } ]\n"
	                          "}\n";
	braid_syntax_tree *t = parse_ok("json", src);

	CHECK_INT(braid_syntax_error_count(t), 0);
	CHECK_LISTING(t, "name key L1-1\n"
	                 "scripts key L2-2\n"
	                 "  scripts.test key L2-2\n"
	                 "  scripts.build key L2-2\n"
	                 "deps key L3-3\n"
	                 "  deps.a key L3-3\n"
	                 "    deps.a.version key L3-3\n"
	                 "files key L4-4\n");
	CHECK_SYMBOL_TEXT(t, src, "scripts.build", "\"build\": \"cmake\"");
	CHECK_SYMBOL(t, src, "version", "key", "\"version\"");
	CHECK_REFS(t, NULL, "");
	braid_syntax_tree_free(t);

	t = parse_ok("json", "{\"a\": [1, 2,, }");
	CHECK(braid_syntax_error_count(t) > 0);
	braid_syntax_tree_free(t);
}

TEST(parse_rejects_bad_input)
{
	braid_syntax_tree *t = (braid_syntax_tree *)&t; /* must stay untouched */
	braid_syntax_tree *keep = t;
	braid_symbol_list *l = NULL;
	braid_reference_list *r = NULL;
	braid_symbol s = {0};

	CHECK_INT(braid_syntax_parse(&t, "cobol", "x", 1), BRAID_EINVALID);
	CHECK_STR(braid_error_last(), "no grammar for language 'cobol'; compare it as text");
	CHECK_INT(braid_syntax_parse(&t, NULL, "x", 1), BRAID_EINVALID);
	CHECK_INT(braid_syntax_parse(&t, "c", NULL, 1), BRAID_EINVALID);
	CHECK_INT(braid_syntax_parse(NULL, "c", "x", 1), BRAID_EINVALID);
	CHECK(t == keep);
	CHECK_INT(braid_syntax_symbols(NULL, NULL), BRAID_EINVALID);
	CHECK_INT(braid_syntax_symbols(&l, NULL), BRAID_EINVALID);
	CHECK_INT(braid_syntax_references(&r, NULL), BRAID_EINVALID);
	CHECK_INT(braid_syntax_find_symbol(&s, NULL, "x"), BRAID_EINVALID);
	CHECK(l == NULL && r == NULL && s.name == NULL);
	CHECK_INT(braid_syntax_error_count(NULL), 0);
	CHECK(braid_syntax_tree_language(NULL) == NULL);
	/* every _free accepts NULL */
	braid_syntax_tree_free(NULL);
	braid_symbol_list_free(NULL);
	braid_reference_list_free(NULL);
	braid_symbol_clear(NULL);

	/* a NULL source of length 0 is an empty buffer */
	t = NULL;
	CHECK_OK(braid_syntax_parse(&t, "python", NULL, 0));
	CHECK_OK(braid_syntax_symbols(&l, t));
	CHECK_INT(l->count, 0);
	braid_symbol_list_free(l);
	CHECK_INT(braid_syntax_find_symbol(&s, t, NULL), BRAID_EINVALID);
	braid_syntax_tree_free(t);
}

TEST(parse_rejects_huge_input)
{
	size_t len = BRAID_SYNTAX_MAX_INPUT + 1;
	char *big = calloc(1, len); /* mmap-backed, so never touched: the size check comes first */
	braid_syntax_tree *t = NULL;

	CHECK(big != NULL);
	CHECK_INT(braid_syntax_parse(&t, "c", big, len), BRAID_EINVALID);
	CHECK(strstr(braid_error_last(), "64 MiB") != NULL);
	CHECK(t == NULL);
	free(big);
}

TEST(parse_gives_up_past_its_budget)
{
	braid_buf src = BRAID_BUF_INIT;
	braid_syntax_tree *t = NULL;
	int i;

	for (i = 0; i < 40000; i++)
		CHECK_OK(
		    braid_buf_printf(&src, "int f%d(int a) { return a * %d + g(a); }\n", i, i));
	/* 1 ms is far too little for ~1.6 MB: the parse is cancelled, not hung */
	CHECK_INT(braid_syntax__parse_budget(&t, "c", src.ptr, src.size, 1), BRAID_EBUSY);
	CHECK(strstr(braid_error_last(), "compare it as text") != NULL);
	CHECK(t == NULL);
	/* the default budget is plenty */
	CHECK_OK(braid_syntax_parse(&t, "c", src.ptr, src.size));
	CHECK_INT(braid_syntax_error_count(t), 0);
	braid_syntax_tree_free(t);
	braid_buf_dispose(&src);
}

TEST(source_is_copied)
{
	char src[] = "def keep(): pass\n";
	braid_syntax_tree *t = NULL;
	braid_symbol s = {0};

	CHECK_OK(braid_syntax_parse(&t, "python", src, strlen(src)));
	memset(src, 'x', strlen(src));
	CHECK_OK(braid_syntax_find_symbol(&s, t, "keep"));
	CHECK_STR(s.signature, "keep()");
	braid_symbol_clear(&s);
	braid_syntax_tree_free(t);
}

TEST(deep_nesting_does_not_overflow)
{
	braid_buf src = BRAID_BUF_INIT;
	braid_syntax_tree *t = NULL;
	braid_symbol_list *l = NULL;
	braid_reference_list *r = NULL;
	int i;

	/* 20000 nested parentheses and namespaces: walks must not recurse per level */
	CHECK_OK(braid_buf_puts(&src, "int x = "));
	for (i = 0; i < 20000; i++)
		CHECK_OK(braid_buf_putc(&src, '('));
	CHECK_OK(braid_buf_puts(&src, "y"));
	for (i = 0; i < 20000; i++)
		CHECK_OK(braid_buf_putc(&src, ')'));
	CHECK_OK(braid_buf_puts(&src, ";\n"));
	for (i = 0; i < 2000; i++)
		CHECK_OK(braid_buf_printf(&src, "namespace n%d {\n", i));
	CHECK_OK(braid_buf_puts(&src, "int deepest;\n"));
	for (i = 0; i < 2000; i++)
		CHECK_OK(braid_buf_puts(&src, "}\n"));
	CHECK_OK(braid_syntax_parse(&t, "cpp", src.ptr, src.size));
	CHECK_OK(braid_syntax_symbols(&l, t));
	CHECK(l->count >= 2);
	CHECK_STR(l->items[0].name, "x");
	braid_symbol_list_free(l);
	CHECK_OK(braid_syntax_references(&r, t));
	CHECK(r->count >= 1);
	CHECK_STR(r->items[0].name, "y");
	CHECK_STR(r->items[0].enclosing, "x");
	braid_reference_list_free(r);
	braid_syntax_tree_free(t);
	braid_buf_dispose(&src);
}
