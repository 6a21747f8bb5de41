/* test_syntax_python.c: Python symbols, decorators, find_symbol and its errors. */
#include "syntax_test.h"

/* app/models.py */
static const char py_src[] = "\"\"\"app/models.py: the user model.\"\"\"\n"
                             "import os\n"
                             "import json as j, sys.path\n"
                             "from .db import Model, session\n"
                             "from typing import (\n"
                             "    Optional,\n"
                             ")\n"
                             "\n"
                             "MAX_USERS: int = 100\n"
                             "DEFAULT_ROLE = \"guest\"\n"
                             "\n"
                             "\n"
                             "def connect(url, *, timeout=5):\n"
                             "    return session.open(url, timeout=timeout)\n"
                             "\n"
                             "\n"
                             "@dataclass\n"
                             "class User(Model):\n"
                             "    table = \"users\"\n"
                             "\n"
                             "    def __init__(self, name, role=DEFAULT_ROLE):\n"
                             "        self.name = name\n"
                             "        self.role = role\n"
                             "\n"
                             "    @property\n"
                             "    def is_admin(self) -> bool:\n"
                             "        return self.role == \"admin\"\n"
                             "\n"
                             "    @retry(times=3)\n"
                             "    @transactional\n"
                             "    def save(self, force: bool = False, *args, **kwargs):\n"
                             "        validate(self)\n"
                             "        return session.add(self, force=force)\n"
                             "\n"
                             "    class Meta:\n"
                             "        ordering = [\"name\"]\n"
                             "\n"
                             "\n"
                             "if __name__ == \"__main__\":\n"
                             "    connect(os.environ[\"DB\"])\n";

TEST(python_symbols_listing)
{
	braid_syntax_tree *t = parse_ok("python", py_src);

	CHECK_INT(braid_syntax_error_count(t), 0);
	CHECK_LISTING(t, "os import L1-1\n"
	                 "json import L2-2\n"
	                 "sys.path import L2-2\n"
	                 ".db import L3-3\n"
	                 "typing import L4-6\n"
	                 "MAX_USERS variable L8-8\n"
	                 "DEFAULT_ROLE variable L9-9\n"
	                 "connect function L12-13\n"
	                 "User class L16-35\n"
	                 "  User.table field L18-18\n"
	                 "  User.__init__ method L20-22\n"
	                 "  User.is_admin method L24-26\n"
	                 "  User.save method L28-32\n"
	                 "  User.Meta class L34-35\n"
	                 "    User.Meta.ordering field L35-35\n");
	braid_syntax_tree_free(t);
}

TEST(python_decorated_definitions_start_at_the_decorator)
{
	braid_syntax_tree *t = parse_ok("python", py_src);

	CHECK_SYMBOL(t, py_src, "User", "class", "@dataclass\nclass User(Model):");
	CHECK_SYMBOL(t, py_src, "User.save", "method",
	             "@retry(times=3)\n    @transactional\n    def save(");
	CHECK_SYMBOL(t, py_src, "User.is_admin", "method", "@property");
	CHECK_SYMBOL(t, py_src, "User.__init__", "method", "def __init__(self");
	CHECK_SYMBOL(t, py_src, "connect", "function", "def connect(url");
	CHECK_SYMBOL_TEXT(t, py_src, "User.Meta", "class Meta:\n        ordering = [\"name\"]");
	CHECK_SIGNATURE(t, "User.save", "User.save(self,force:bool,*args,**kwargs)");
	CHECK_SIGNATURE(t, "connect", "connect(url,*,timeout)");
	braid_syntax_tree_free(t);
}

TEST(python_find_symbol_qualified_and_short)
{
	braid_syntax_tree *t = parse_ok("python", py_src);
	braid_symbol s = {0};

	/* "app/models.py::User.save": the caller strips the path */
	CHECK_OK(braid_syntax_find_symbol(&s, t, "User.save"));
	CHECK_STR(s.name, "User.save");
	CHECK_INT(s.depth, 1);
	CHECK_INT(s.start_line, 28);
	CHECK_INT(s.end_line, 32);
	braid_symbol_clear(&s);
	CHECK(s.name == NULL);
	/* a unique short name is accepted */
	CHECK_OK(braid_syntax_find_symbol(&s, t, "is_admin"));
	CHECK_STR(s.name, "User.is_admin");
	braid_symbol_clear(&s);
	CHECK_OK(braid_syntax_find_symbol(&s, t, "Meta.ordering"));
	CHECK_STR(s.name, "User.Meta.ordering");
	braid_symbol_clear(&s);
	/* a partial word is not a match */
	CHECK_INT(braid_syntax_find_symbol(&s, t, "ave"), BRAID_ENOTFOUND);
	braid_syntax_tree_free(t);
}

TEST(python_find_symbol_not_found_lists_known_names)
{
	braid_syntax_tree *t = parse_ok("python", py_src);
	braid_symbol s = {0};

	CHECK_INT(braid_syntax_find_symbol(&s, t, "User.delete"), BRAID_ENOTFOUND);
	CHECK(s.name == NULL); /* untouched on error */
	CHECK(
	    !strncmp(braid_error_last(), "no symbol 'User.delete' in python source; known: ", 49));
	CHECK(strstr(braid_error_last(), "User.save") != NULL);
	braid_syntax_tree_free(t);

	t = parse_ok("python", "class A:\n    def save(self): pass\n"
	                       "class B:\n    def save(self): pass\n");
	CHECK_INT(braid_syntax_find_symbol(&s, t, "save"), BRAID_ENOTFOUND);
	CHECK_STR(braid_error_last(),
	          "symbol 'save' is ambiguous: A.save, B.save; use the qualified name");
	CHECK_OK(braid_syntax_find_symbol(&s, t, "B.save"));
	CHECK_INT(s.start_line, 3);
	braid_symbol_clear(&s);
	braid_syntax_tree_free(t);

	t = parse_ok("python", "# nothing here\n");
	CHECK_INT(braid_syntax_find_symbol(&s, t, "x"), BRAID_ENOTFOUND);
	CHECK_STR(braid_error_last(), "no symbol 'x' in python source; it defines no symbols");
	braid_syntax_tree_free(t);
}

TEST(python_references_name_their_enclosing_definition)
{
	braid_syntax_tree *t = parse_ok("python", py_src);

	CHECK_REFS(t, "User.save",
	           "retry,times,transactional,bool,validate,self,session,add,force");
	CHECK_REFS(t, "connect", "session,open,url,timeout");
	CHECK_REFS(t, NULL, "__name__,connect,os,environ");
	braid_syntax_tree_free(t);
}

TEST(python_broken_buffer_counts_errors)
{
	braid_syntax_tree *t = parse_ok("python", "def f(:\n    return (1,\n");

	CHECK(braid_syntax_error_count(t) > 0);
	braid_syntax_tree_free(t);
}
