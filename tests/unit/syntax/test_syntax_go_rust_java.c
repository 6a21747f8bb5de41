/* test_syntax_go_rust_java.c: Go, Rust and Java symbols and references. */
#include "syntax_test.h"

/* server/handler.go */
static const char go_src[] =
    "// Package server serves the store over HTTP.\n"
    "package server\n"
    "\n"
    "import (\n"
    "\t\"fmt\"\n"
    "\t\"net/http\"\n"
    "\n"
    "\tst \"example.com/store\"\n"
    ")\n"
    "\n"
    "const (\n"
    "\tDefaultPort = 8080\n"
    "\tmaxConns    = 64\n"
    ")\n"
    "\n"
    "var ErrClosed = fmt.Errorf(\"closed\")\n"
    "\n"
    "// Handler serves one store.\n"
    "type Handler struct {\n"
    "\tstore *st.Store\n"
    "\tmu, lock sync.Mutex\n"
    "\tLogger\n"
    "}\n"
    "\n"
    "type Getter interface {\n"
    "\tGet(key string) ([]byte, error)\n"
    "}\n"
    "\n"
    "type ID = string\n"
    "\n"
    "func NewHandler(s *st.Store) *Handler {\n"
    "\treturn &Handler{store: s}\n"
    "}\n"
    "\n"
    "func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {\n"
    "\tv, err := h.store.Get(r.URL.Path)\n"
    "\tif err != nil {\n"
    "\t\thttp.Error(w, err.Error(), 500)\n"
    "\t\treturn\n"
    "\t}\n"
    "\tfmt.Fprintf(w, \"%s\", v)\n"
    "}\n"
    "\n"
    "func (Handler) close(ids ...ID) {}\n";

TEST(go_symbols_listing)
{
	braid_syntax_tree *t = parse_ok("go", go_src);

	CHECK_INT(braid_syntax_error_count(t), 0);
	CHECK_LISTING(t, "server package L1-1\n"
	                 "fmt import L4-4\n"
	                 "net/http import L5-5\n"
	                 "example.com/store import L7-7\n"
	                 "DefaultPort constant L11-11\n"
	                 "maxConns constant L12-12\n"
	                 "ErrClosed variable L15-15\n"
	                 "Handler struct L18-22\n"
	                 "  Handler.store field L19-19\n"
	                 "  Handler.mu field L20-20\n"
	                 "  Handler.lock field L20-20\n"
	                 "  Handler.Logger field L21-21\n"
	                 "Getter interface L24-26\n"
	                 "  Getter.Get method L25-25\n"
	                 "ID type L28-28\n"
	                 "NewHandler function L30-32\n"
	                 "Handler.ServeHTTP method L34-41\n"
	                 "Handler.close method L43-43\n");
	braid_syntax_tree_free(t);
}

TEST(go_methods_ranges_signatures_references)
{
	braid_syntax_tree *t = parse_ok("go", go_src);

	/* methods are named by their receiver's type, pointer or not */
	CHECK_SYMBOL(t, go_src, "Handler.ServeHTTP", "method", "func (h *Handler) ServeHTTP(");
	CHECK_SYMBOL(t, go_src, "ServeHTTP", "method", "func (h *Handler)");
	CHECK_SYMBOL(t, go_src, "Handler.close", "method", "func (Handler) close(");
	/* a lone spec takes its declaration's keyword; a grouped one does not */
	CHECK_SYMBOL(t, go_src, "Handler", "struct", "type Handler struct {");
	CHECK_SYMBOL(t, go_src, "ErrClosed", "variable", "var ErrClosed = ");
	CHECK_SYMBOL(t, go_src, "maxConns", "constant", "maxConns    = 64");
	CHECK_SYMBOL(t, go_src, "net/http", "import", "\"net/http\"");
	CHECK_SIGNATURE(t, "Handler.ServeHTTP",
	                "Handler.ServeHTTP(http.ResponseWriter,*http.Request)");
	CHECK_SIGNATURE(t, "Handler.close", "Handler.close(...ID)");
	CHECK_SYMBOL_TEXT(t, go_src, "Handler.Logger", "Logger"); /* embedded: named by its type */
	CHECK_REFS(t, "Handler.Logger", "Logger");                /* ... and still uses it */
	CHECK_SIGNATURE(t, "NewHandler", "NewHandler(*st.Store)");
	CHECK_REFS(t, "NewHandler", "st,Store,Handler,store,s");
	CHECK_REFS(t, "Handler.ServeHTTP",
	           "Handler,http,ResponseWriter,Request,v,err,h,store,"
	           "Get,r,URL,Path,Error,w,fmt,Fprintf");
	braid_syntax_tree_free(t);
}

/* src/store.rs */
static const char rust_src[] =
    "//! A tiny key-value store.\n"
    "use std::collections::HashMap;\n"
    "use crate::codec::{decode, encode as enc};\n"
    "\n"
    "pub const MAX_KEYS: usize = 1024;\n"
    "\n"
    "/// A stored value.\n"
    "#[derive(Debug, Clone)]\n"
    "#[serde(rename_all = \"lowercase\")]\n"
    "pub struct Entry<'a> {\n"
    "    pub key: &'a str,\n"
    "    value: Vec<u8>,\n"
    "}\n"
    "\n"
    "pub enum Event {\n"
    "    Put { key: String },\n"
    "    Delete(String),\n"
    "    Clear,\n"
    "}\n"
    "\n"
    "pub trait Store {\n"
    "    fn get(&self, key: &str) -> Option<Vec<u8>>;\n"
    "    fn len(&self) -> usize { 0 }\n"
    "}\n"
    "\n"
    "pub struct Memory {\n"
    "    map: HashMap<String, Vec<u8>>,\n"
    "}\n"
    "\n"
    "impl Memory {\n"
    "    pub fn new() -> Self {\n"
    "        Memory { map: HashMap::new() }\n"
    "    }\n"
    "\n"
    "    #[inline]\n"
    "    pub fn put(&mut self, key: &str, value: &[u8]) -> Result<(), Error> {\n"
    "        let bytes = enc(value)?;\n"
    "        self.map.insert(key.to_string(), bytes);\n"
    "        Ok(())\n"
    "    }\n"
    "}\n"
    "\n"
    "impl Store for Memory {\n"
    "    fn get(&self, key: &str) -> Option<Vec<u8>> {\n"
    "        self.map.get(key).map(|v| decode(v))\n"
    "    }\n"
    "}\n"
    "\n"
    "mod tests {\n"
    "    #[test]\n"
    "    fn roundtrip() { assert!(true); }\n"
    "}\n";

TEST(rust_symbols_listing)
{
	braid_syntax_tree *t = parse_ok("rust", rust_src);

	CHECK_INT(braid_syntax_error_count(t), 0);
	CHECK_LISTING(t, "std::collections::HashMap import L1-1\n"
	                 "crate::codec::{decode,encode as enc} import L2-2\n"
	                 "MAX_KEYS constant L4-4\n"
	                 "Entry struct L7-12\n"
	                 "  Entry.key field L10-10\n"
	                 "  Entry.value field L11-11\n"
	                 "Event enum L14-18\n"
	                 "  Event.Put enumerator L15-15\n"
	                 "  Event.Delete enumerator L16-16\n"
	                 "  Event.Clear enumerator L17-17\n"
	                 "Store trait L20-23\n"
	                 "  Store.get prototype L21-21\n"
	                 "  Store.len method L22-22\n"
	                 "Memory struct L25-27\n"
	                 "  Memory.map field L26-26\n"
	                 "Memory impl L29-40\n"
	                 "  Memory.new method L30-32\n"
	                 "  Memory.put method L34-39\n"
	                 "Memory impl L42-46\n"
	                 "  Memory.get method L43-45\n"
	                 "tests module L48-51\n"
	                 "  tests.roundtrip function L49-50\n");
	braid_syntax_tree_free(t);
}

TEST(rust_impl_methods_attributes_references)
{
	braid_syntax_tree *t = parse_ok("rust", rust_src);
	braid_symbol_list *l = NULL;
	size_t i, impls = 0;

	/* attributes belong to the item after them; doc comments do not */
	CHECK_SYMBOL(t, rust_src, "Entry", "struct", "#[derive(Debug, Clone)]\n#[serde(");
	CHECK_SYMBOL(t, rust_src, "Memory.put", "method", "#[inline]\n    pub fn put(");
	CHECK_SYMBOL(t, rust_src, "tests.roundtrip", "function", "#[test]");
	/* the struct, not an impl, is "Memory" */
	CHECK_SYMBOL(t, rust_src, "Memory", "struct", "pub struct Memory {");
	CHECK_SYMBOL(t, rust_src, "Memory.get", "method", "fn get(&self");
	CHECK_SIGNATURE(t, "Memory.put", "Memory.put(&mut self,&str,&[u8])");
	CHECK_SIGNATURE(t, "Store.get", "Store.get(&self,&str)");
	CHECK_OK(braid_syntax_symbols(&l, t));
	for (i = 0; i < l->count; i++) {
		if (strcmp(l->items[i].kind, "impl"))
			continue;
		CHECK_STR(l->items[i].signature, impls++ ? "impl Store for Memory" : "impl Memory");
	}
	CHECK_INT(impls, 2);
	braid_symbol_list_free(l);
	CHECK_REFS(t, "Memory.put",
	           "inline,Result,Error,enc,value,map,insert,key,to_string,"
	           "bytes,Ok");
	CHECK_REFS(t, "Memory.get", "Option,Vec,map,get,key,decode,v");
	braid_syntax_tree_free(t);
}

/* app/models/User.java */
static const char java_src[] =
    "package app.models;\n"
    "\n"
    "import java.util.List;\n"
    "import java.util.*;\n"
    "import static java.util.Objects.requireNonNull;\n"
    "\n"
    "/** A user of the app. */\n"
    "@Entity\n"
    "@Table(name = \"users\")\n"
    "public class User extends Model implements Comparable<User> {\n"
    "    public static final int MAX_NAME = 64;\n"
    "    private String name, email;\n"
    "\n"
    "    public User(String name) {\n"
    "        this.name = requireNonNull(name);\n"
    "    }\n"
    "\n"
    "    @Override\n"
    "    public int compareTo(User other) {\n"
    "        return name.compareTo(other.name);\n"
    "    }\n"
    "\n"
    "    public void save(List<String> tags, int... flags) throws IOException {\n"
    "        Db db = Db.open();\n"
    "        db.put(this, tags);\n"
    "    }\n"
    "\n"
    "    public void save() { save(List.of()); }\n"
    "\n"
    "    interface Listener { void onSave(User u); }\n"
    "\n"
    "    enum Role {\n"
    "        ADMIN, GUEST;\n"
    "        boolean canWrite() { return this == ADMIN; }\n"
    "    }\n"
    "}\n"
    "\n"
    "record Point(int x, int y) {}\n";

TEST(java_symbols_listing)
{
	braid_syntax_tree *t = parse_ok("java", java_src);

	CHECK_INT(braid_syntax_error_count(t), 0);
	CHECK_LISTING(t, "app.models package L0-0\n"
	                 "java.util.List import L2-2\n"
	                 "java.util.* import L3-3\n"
	                 "java.util.Objects.requireNonNull import L4-4\n"
	                 "User class L7-35\n"
	                 "  User.MAX_NAME field L10-10\n"
	                 "  User.name field L11-11\n"
	                 "  User.email field L11-11\n"
	                 "  User.User constructor L13-15\n"
	                 "  User.compareTo method L17-20\n"
	                 "  User.save method L22-25\n"
	                 "  User.save method L27-27\n"
	                 "  User.Listener interface L29-29\n"
	                 "    User.Listener.onSave method L29-29\n"
	                 "  User.Role enum L31-34\n"
	                 "    User.Role.ADMIN enumerator L32-32\n"
	                 "    User.Role.GUEST enumerator L32-32\n"
	                 "    User.Role.canWrite method L33-33\n"
	                 "Point record L37-37\n");
	braid_syntax_tree_free(t);
}

TEST(java_overloads_annotations_references)
{
	braid_syntax_tree *t = parse_ok("java", java_src);
	braid_symbol s = {0};

	/* annotations are part of the declaration */
	CHECK_SYMBOL(t, java_src, "User", "class",
	             "@Entity\n@Table(name = \"users\")\npublic class");
	CHECK_SYMBOL(t, java_src, "User.compareTo", "method",
	             "@Override\n    public int compareTo(");
	/* overloads: the name finds the first, the signature picks one */
	CHECK_SYMBOL(t, java_src, "User.save", "method", "public void save(List<String> tags");
	CHECK_OK(braid_syntax_find_symbol(&s, t, "User.save()"));
	CHECK_INT(s.start_line, 27);
	braid_symbol_clear(&s);
	CHECK_SIGNATURE(t, "User.save", "User.save(List<String>,...int)");
	CHECK_SIGNATURE(t, "User.User", "User.User(String)");
	CHECK_SIGNATURE(t, "Role.canWrite", "User.Role.canWrite()");
	CHECK_REFS(t, "User.save", "List,String,IOException,Db,open,db,put,tags,save,of");
	CHECK_REFS(t, "User.Role.canWrite", "ADMIN");
	braid_syntax_tree_free(t);
}

TEST(go_rust_java_broken_buffers_count_errors)
{
	braid_syntax_tree *t = parse_ok("go", "package x\nfunc f( {\n");

	CHECK(braid_syntax_error_count(t) > 0);
	braid_syntax_tree_free(t);
	t = parse_ok("rust", "fn f() -> { let x = ; }\n");
	CHECK(braid_syntax_error_count(t) > 0);
	braid_syntax_tree_free(t);
	t = parse_ok("java", "class A { void f( { } \n");
	CHECK(braid_syntax_error_count(t) > 0);
	braid_syntax_tree_free(t);
}
