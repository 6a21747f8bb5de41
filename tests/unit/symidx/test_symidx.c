/*
 * test_symidx.c: the symbol index on real git trees: changed definitions,
 * transitive dependents, precision (files without a grammar, top-level
 * edits), incremental indexing by blob, and independence of two changes.
 */
#include "common.h"
#include "braid/symidx.h"
#include "fixture.h"
#include "harness.h"

static const char *LIB = "int mul(int a, int b)\n{\n\treturn a * b;\n}\n\n"
                         "int square(int x)\n{\n\treturn mul(x, x);\n}\n";
static const char *ADD = "int add(int a, int b)\n{\n\treturn a + b;\n}\n";
static const char *TESTS = "int mul(int, int);\nint square(int);\nint add(int, int);\n\n"
                           "int test_square(void)\n{\n\treturn square(3) == 9;\n}\n\n"
                           "int test_add(void)\n{\n\treturn add(2, 3) == 5;\n}\n";

static int has(const braid_symidx_sym *v, size_t n, const char *name)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (v[i].name && !strcmp(v[i].name, name))
			return 1;
	return 0;
}

static braid_ctx *repo(git_oid *base)
{
	fx_repo("r", "lib.c", LIB, "add.c", ADD, "tests.c", TESTS, NULL);
	*base = fx_commit_all("r", "base");
	return fx_braid("r");
}

TEST(symidx_changed_function_and_its_dependents)
{
	git_oid base, next;
	braid_symidx_diff d;
	braid_ctx *ctx = repo(&base);

	fx_write("r/lib.c", "int mul(int a, int b)\n{\n\treturn b * a;\n}\n\n"
	                    "int square(int x)\n{\n\treturn mul(x, x);\n}\n");
	next = fx_commit_all("r", "mul");
	CHECK_OK(braid_symidx_diff_trees(&d, ctx, &base, &next));
	CHECK_INT(d.precise, 1);
	CHECK_INT(d.nfiles, 1);
	CHECK_STR(d.files[0], "lib.c");
	CHECK_INT(d.nchanged, 1);
	CHECK_STR(d.changed[0].name, "mul");
	CHECK(has(d.dependents, d.ndependents, "square"));
	CHECK(has(d.dependents, d.ndependents, "test_square")); /* through square */
	CHECK(!has(d.dependents, d.ndependents, "test_add"));
	CHECK(!has(d.dependents, d.ndependents, "add"));
	braid_symidx_diff_release(&d);
	braid_ctx_free(ctx);
}

TEST(symidx_imprecise_without_grammar_or_at_top_level)
{
	git_oid base, next;
	braid_symidx_diff d;
	braid_ctx *ctx = repo(&base);

	fx_write("r/NOTES", "a file no grammar covers\n");
	next = fx_commit_all("r", "notes");
	CHECK_OK(braid_symidx_diff_trees(&d, ctx, &base, &next));
	CHECK_INT(d.precise, 0);
	braid_symidx_diff_release(&d);

	/* A macro is a definition like any other. */
	fx_write("r/add.c", "#define SCALE 2\nint add(int a, int b)\n{\n\treturn a + b;\n}\n");
	base = next;
	next = fx_commit_all("r", "macro");
	CHECK_OK(braid_symidx_diff_trees(&d, ctx, &base, &next));
	CHECK_INT(d.precise, 1);
	CHECK(has(d.changed, d.nchanged, "SCALE"));
	braid_symidx_diff_release(&d);

	/* Text outside every definition (here a comment) cannot be attributed. */
	fx_write("r/add.c",
	         "/* adds */\n#define SCALE 2\nint add(int a, int b)\n{\n\treturn a + b;\n}\n");
	base = next;
	next = fx_commit_all("r", "top level");
	CHECK_OK(braid_symidx_diff_trees(&d, ctx, &base, &next));
	CHECK_INT(d.precise, 0);
	braid_symidx_diff_release(&d);

	/* Whitespace between definitions does not matter. */
	fx_write("r/lib.c", "int mul(int a, int b)\n{\n\treturn a * b;\n}\n\n\n\n"
	                    "int square(int x)\n{\n\treturn mul(x, x);\n}\n");
	base = next;
	next = fx_commit_all("r", "blank lines");
	CHECK_OK(braid_symidx_diff_trees(&d, ctx, &base, &next));
	CHECK_INT(d.precise, 1);
	CHECK_INT(d.nchanged, 0);
	braid_symidx_diff_release(&d);
	braid_ctx_free(ctx);
}

TEST(symidx_indexes_each_blob_once)
{
	git_oid base, next;
	size_t parsed = 0;
	braid_ctx *ctx = repo(&base);

	CHECK_OK(braid_symidx_index_tree(ctx, &base, &parsed));
	CHECK_INT(parsed, 3);
	CHECK_OK(braid_symidx_index_tree(ctx, &base, &parsed));
	CHECK_INT(parsed, 0);
	fx_write("r/add.c", "int add(int a, int b)\n{\n\treturn b + a;\n}\n");
	next = fx_commit_all("r", "add");
	CHECK_OK(braid_symidx_index_tree(ctx, &next, &parsed));
	CHECK_INT(parsed, 1); /* only the changed file */
	braid_ctx_free(ctx);
}

TEST(symidx_independence)
{
	git_oid base, a, b, c;
	braid_symidx_diff da, db, dc;
	braid_ctx *ctx = repo(&base);

	/* a: changes mul (lib.c); b: changes add (add.c); c: a new caller of mul. */
	fx_write("r/lib.c", "int mul(int a, int b)\n{\n\treturn b * a;\n}\n\n"
	                    "int square(int x)\n{\n\treturn mul(x, x);\n}\n");
	a = fx_commit_all("r", "a");
	fx_write("r/lib.c", LIB);
	fx_write("r/add.c", "int add(int a, int b)\n{\n\treturn b + a;\n}\n");
	b = fx_commit_all("r", "b");
	fx_write("r/add.c", ADD);
	fx_write("r/cube.c",
	         "int mul(int, int);\nint cube(int x)\n{\n\treturn mul(x, mul(x, x));\n}\n");
	c = fx_commit_all("r", "c");
	CHECK_OK(braid_symidx_diff_trees(&da, ctx, &base, &a));
	CHECK_OK(braid_symidx_diff_trees(&db, ctx, &base, &b));
	CHECK_OK(braid_symidx_diff_trees(&dc, ctx, &b, &c)); /* add.c back, cube.c new */
	CHECK_INT(braid_symidx_independent(&da, &db), 1);
	CHECK_INT(braid_symidx_independent(&db, &da), 1);
	CHECK_INT(braid_symidx_independent(&da, &dc), 0); /* cube uses mul */
	braid_symidx_diff_release(&da);
	braid_symidx_diff_release(&db);
	braid_symidx_diff_release(&dc);
	braid_ctx_free(ctx);
}
