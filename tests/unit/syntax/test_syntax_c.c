/* test_syntax_c.c: C and C++ symbols, signatures and references. */
#include "syntax_test.h"

static const char c_src[] = "/* db.c: a tiny store */\n"
                            "#include <stdio.h>\n"
                            "#include \"db.h\"\n"
                            "\n"
                            "#define DB_MAX 16\n"
                            "\n"
                            "struct db {\n"
                            "\tint fd;\n"
                            "\tchar *path;\n"
                            "};\n"
                            "\n"
                            "typedef struct {\n"
                            "\tint x, y;\n"
                            "} point;\n"
                            "\n"
                            "enum mode { MODE_READ, MODE_WRITE = 2 };\n"
                            "\n"
                            "static int db_count;\n"
                            "\n"
                            "int db_close(struct db *db);\n"
                            "\n"
                            "#ifdef HAVE_MMAP\n"
                            "static void *db_map(struct db *db, size_t len)\n"
                            "{\n"
                            "\treturn mmap_file(db->fd, len);\n"
                            "}\n"
                            "#endif\n"
                            "\n"
                            "int db_open(struct db **out, const char *path, enum mode m)\n"
                            "{\n"
                            "\tstruct db *db = calloc(1, sizeof(*db));\n"
                            "\tif (!db)\n"
                            "\t\treturn -1;\n"
                            "\tdb->path = strdup(path);\n"
                            "\tlog_msg(\"open %s\", path);\n"
                            "\t*out = db;\n"
                            "\tdb_count++;\n"
                            "\treturn 0;\n"
                            "}\n";

TEST(c_symbols_listing)
{
	braid_syntax_tree *t = parse_ok("c", c_src);

	CHECK_INT(braid_syntax_error_count(t), 0);
	CHECK_STR(braid_syntax_tree_language(t), "c");
	CHECK_LISTING(t, "stdio.h import L1-1\n"
	                 "db.h import L2-2\n"
	                 "DB_MAX macro L4-4\n"
	                 "db struct L6-9\n"
	                 "  db.fd field L7-7\n"
	                 "  db.path field L8-8\n"
	                 "point typedef L11-13\n"
	                 "  point.x field L12-12\n"
	                 "  point.y field L12-12\n"
	                 "mode enum L15-15\n"
	                 "  mode.MODE_READ enumerator L15-15\n"
	                 "  mode.MODE_WRITE enumerator L15-15\n"
	                 "db_count variable L17-17\n"
	                 "db_close prototype L19-19\n"
	                 "db_map function L22-25\n"
	                 "db_open function L28-38\n");
	braid_syntax_tree_free(t);
}

TEST(c_function_inside_ifdef)
{
	braid_syntax_tree *t = parse_ok("c", c_src);

	CHECK_SYMBOL(t, c_src, "db_map", "function", "static void *db_map(");
	CHECK_SYMBOL_TEXT(t, c_src, "db_map",
	                  "static void *db_map(struct db *db, size_t len)\n"
	                  "{\n\treturn mmap_file(db->fd, len);\n}");
	CHECK_REFS(t, "db_map", "db,mmap_file,fd,len");
	braid_syntax_tree_free(t);
}

TEST(c_ranges_and_signatures)
{
	braid_syntax_tree *t = parse_ok("c", c_src);

	CHECK_SYMBOL(t, c_src, "db_open", "function", "int db_open(struct db **out");
	CHECK_SYMBOL(t, c_src, "db", "struct", "struct db {");
	CHECK_SYMBOL(t, c_src, "db.path", "field", "char *path;");
	CHECK_SYMBOL(t, c_src, "point", "typedef", "typedef struct {");
	CHECK_SYMBOL(t, c_src, "point.y", "field", "int x, y;");
	CHECK_SYMBOL(t, c_src, "mode.MODE_WRITE", "enumerator", "MODE_WRITE = 2");
	CHECK_SYMBOL(t, c_src, "stdio.h", "import", "#include <stdio.h>");
	CHECK_SYMBOL(t, c_src, "db_close", "prototype", "int db_close(");
	CHECK_SIGNATURE(t, "db_open", "db_open(struct db**,const char*,enum mode)");
	CHECK_SIGNATURE(t, "db_close", "db_close(struct db*)");
	CHECK_SIGNATURE(t, "db_map", "db_map(struct db*,size_t)");
	CHECK_SIGNATURE(t, "db_count", "db_count");
	/* unqualified and unique: MODE_READ finds mode.MODE_READ */
	CHECK_SYMBOL(t, c_src, "MODE_READ", "enumerator", "MODE_READ");
	braid_syntax_tree_free(t);
}

TEST(c_references_list_callees_with_enclosing)
{
	braid_syntax_tree *t = parse_ok("c", c_src);
	braid_reference_list *l = NULL;
	size_t i;

	/* parameters and locals are bindings, not uses; `db` the type and the local are */
	CHECK_REFS(t, "db_open", "db,mode,calloc,path,strdup,log_msg,out,db_count");
	CHECK_REFS(t, NULL, "HAVE_MMAP");
	CHECK_OK(braid_syntax_references(&l, t));
	for (i = 0; i < l->count; i++) {
		const braid_reference *r = &l->items[i];
		CHECK_MEM(c_src + r->start_byte, r->end_byte - r->start_byte, r->name,
		          strlen(r->name));
		/* a definition's own name is never a reference to it */
		CHECK(!(r->enclosing && !strcmp(r->name, "db_open")));
		if (i)
			CHECK(r->start_byte > l->items[i - 1].start_byte);
	}
	braid_reference_list_free(l);
	braid_syntax_tree_free(t);
}

TEST(c_declarators)
{
	static const char src[] =
	    "int (*handler)(int);\n"
	    "int (*get_handler(void))(int);\n"
	    "static const char *names[] = {\"a\", \"b\"}, *other;\n"
	    "struct opts { struct { int depth; } limits; int flags; } g_opts;\n"
	    "enum { LOOSE_A, LOOSE_B };\n"
	    "typedef int (*cmp_fn)(const void *, const void *);\n"
	    "struct fwd;\n"
	    "void sort(void *base, size_t n, cmp_fn cmp, ...);\n"
	    "#define SQUARE(x) ((x) * (x))\n";
	braid_syntax_tree *t = parse_ok("c", src);

	CHECK_LISTING(t, "handler variable L0-0\n"
	                 "get_handler prototype L1-1\n"
	                 "names variable L2-2\n"
	                 "other variable L2-2\n"
	                 "g_opts variable L3-3\n"
	                 "opts struct L3-3\n"
	                 "  opts.limits field L3-3\n"
	                 "    opts.limits.depth field L3-3\n"
	                 "  opts.flags field L3-3\n"
	                 "LOOSE_A enumerator L4-4\n"
	                 "LOOSE_B enumerator L4-4\n"
	                 "cmp_fn typedef L5-5\n"
	                 "sort prototype L7-7\n"
	                 "SQUARE macro L8-8\n");
	CHECK_SIGNATURE(t, "get_handler", "get_handler(void)");
	CHECK_SIGNATURE(t, "sort", "sort(void*,size_t,cmp_fn,...)");
	braid_syntax_tree_free(t);
}

TEST(c_broken_buffer_counts_errors)
{
	static const char src[] = "int ok(void) { return 1; }\n"
	                          "int broken(int a { return a +; }\n";
	braid_syntax_tree *t = parse_ok("c", src);
	braid_symbol_list *l = NULL;

	CHECK(braid_syntax_error_count(t) > 0);
	/* the tree is still usable */
	CHECK_OK(braid_syntax_symbols(&l, t));
	CHECK(l->count >= 1);
	CHECK_STR(l->items[0].name, "ok");
	braid_symbol_list_free(l);
	braid_syntax_tree_free(t);
}

static const char cpp_src[] =
    "#include <string>\n"
    "namespace store {\n"
    "template <typename T>\n"
    "class Cache : public Base {\n"
    "public:\n"
    "\tCache(int size) : size_(size) {}\n"
    "\t~Cache();\n"
    "\tT get(const std::string &key, int ttl = 3) const { return lookup(key); }\n"
    "\tT get(int index);\n"
    "\tbool operator==(const Cache &o) const;\n"
    "private:\n"
    "\tint size_;\n"
    "};\n"
    "\n"
    "template <typename T>\n"
    "T Cache<T>::get(int index)\n"
    "{\n"
    "\treturn fetch(index, size_);\n"
    "}\n"
    "namespace detail::io { int flush(); }\n"
    "}\n"
    "using Id = long;\n"
    "extern \"C\" { int c_entry(void); }\n"
    "struct Point { int x; };\n";

TEST(cpp_symbols_and_methods)
{
	braid_syntax_tree *t = parse_ok("cpp", cpp_src);

	CHECK_INT(braid_syntax_error_count(t), 0);
	CHECK_LISTING(t, "string import L0-0\n"
	                 "store namespace L1-20\n"
	                 "  store.Cache class L2-12\n"
	                 "    store.Cache.Cache method L5-5\n"
	                 "    store.Cache.~Cache prototype L6-6\n"
	                 "    store.Cache.get method L7-7\n"
	                 "    store.Cache.get prototype L8-8\n"
	                 "    store.Cache.operator== prototype L9-9\n"
	                 "    store.Cache.size_ field L11-11\n"
	                 "  store.Cache.get method L14-18\n"
	                 "  store.detail.io namespace L19-19\n"
	                 "    store.detail.io.flush prototype L19-19\n"
	                 "Id typedef L21-21\n"
	                 "c_entry prototype L22-22\n"
	                 "Point struct L23-23\n"
	                 "  Point.x field L23-23\n");
	/* templates start at `template`; a definition wins over its prototype */
	CHECK_SYMBOL(t, cpp_src, "store.Cache", "class", "template <typename T>\nclass Cache");
	CHECK_SYMBOL(t, cpp_src, "store.Cache.get", "method", "T get(const std::string &key");
	CHECK_SYMBOL(t, cpp_src, "Cache.size_", "field", "int size_;");
	CHECK_SIGNATURE(t, "store.Cache.get", "store.Cache.get(const std::string&,int) const");
	CHECK_SYMBOL(t, cpp_src, "store::Cache::size_", "field", "int size_;");
	CHECK_SYMBOL(t, cpp_src, "detail::io::flush", "prototype", "int flush();");
	CHECK_SIGNATURE(t, "store.Cache.operator==", "store.Cache.operator==(const Cache&) const");
	CHECK_REFS(t, "store.Cache.get", "T,std,string,lookup,key,fetch,index,size_");
	braid_syntax_tree_free(t);

	t = parse_ok("cpp", "class A { void f( };\nint g() { return }\n");
	CHECK(braid_syntax_error_count(t) > 0);
	braid_syntax_tree_free(t);
}

TEST(c_many_declarators_in_one_declaration)
{
	braid_buf src = BRAID_BUF_INIT;
	braid_syntax_tree *t = NULL;
	braid_symbol_list *l = NULL;
	int i;

	CHECK_OK(braid_buf_puts(&src, "int v0"));
	for (i = 1; i < 100; i++)
		CHECK_OK(braid_buf_printf(&src, ", v%d", i));
	CHECK_OK(braid_buf_puts(&src, ";\n"));
	CHECK_OK(braid_syntax_parse(&t, "c", src.ptr, src.size));
	CHECK_OK(braid_syntax_symbols(&l, t));
	CHECK_INT(l->count, 100);
	CHECK_STR(l->items[0].name, "v0");
	CHECK_STR(l->items[99].name, "v99");
	CHECK_INT(l->items[99].start_byte, 0);
	braid_symbol_list_free(l);
	braid_syntax_tree_free(t);
	braid_buf_dispose(&src);
}
