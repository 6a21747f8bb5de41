/*
 * lang.c: the compiled-in languages and what defines a symbol in each.
 *
 * Every language is a row of data: its tree-sitter grammar, the node types
 * that define something (with where their name is and where their members
 * live), the node types that are identifier uses, and how its parameter
 * lists become a signature. The walk in symbols.c interprets these tables;
 * adding a language or a construct means adding rows here, not code.
 *
 * Signatures (see syntax.h), per language:
 *   c, cpp      name(types), parameter names dropped: `f(const char*,int)`;
 *               C++ keeps trailing qualifiers: `Box.get(int) const`
 *   java, rust  name(types): `User.save(List<String>,...int)`, `new(i32,&mut Vec<u8>)`
 *   typescript  name(types), `any` where a parameter has none
 *   go          name(types), one per declared name: `main(int,int,...string)`
 *   python, js  name(parameters up to their defaults): `save(self,force,*args)`
 *   all         "..." leads a variadic parameter; the name is the qualified one
 *   rust impl   "impl Trait for Type" / "impl Type"
 *   others      the qualified name alone (types, fields, variables, imports)
 *
 * Names: "." between levels everywhere. Imports are named by what they load
 * (`stdio.h`, `./models`, `java.util.List`, `std::collections::HashMap` as
 * written). Go methods are qualified by their receiver's type, Rust impl
 * members by the impl's type (not the trait). JSON keys nest through
 * objects, not arrays.
 *
 * Known gaps: a C++ out-of-line definition with a qualified name is taken
 * for a method even when the qualifier is a namespace; CommonJS
 * `module.exports = ...`, object-literal methods, Python instance attributes
 * (`self.x = ...`) and macros that hide declarations are not symbols;
 * doc comments are not part of ranges.
 */
#include "syntax/syntax_int.h"

const TSLanguage *tree_sitter_c(void);
const TSLanguage *tree_sitter_cpp(void);
const TSLanguage *tree_sitter_python(void);
const TSLanguage *tree_sitter_javascript(void);
const TSLanguage *tree_sitter_typescript(void);
const TSLanguage *tree_sitter_tsx(void);
const TSLanguage *tree_sitter_go(void);
const TSLanguage *tree_sitter_rust(void);
const TSLanguage *tree_sitter_java(void);
const TSLanguage *tree_sitter_json(void);

/* Rows shared by C and C++. */
#define C_COMMON_RULES                                                                             \
	{.type = "declaration",                                                                    \
	 .kind = "variable",                                                                       \
	 .name_mode = NM_DECLARATOR,                                                               \
	 .name_field = "declarator",                                                               \
	 .descend = DS_SAME,                                                                       \
	 .body_field = "type",                                                                     \
	 .sig = SIG_PARAMS,                                                                        \
	 .flags = RF_C_DECL | RF_ADOPT | RF_ANON_OK},                                              \
	    {.type = "field_declaration",                                                          \
	     .kind = "field",                                                                      \
	     .name_mode = NM_DECLARATOR,                                                           \
	     .name_field = "declarator",                                                           \
	     .descend = DS_SAME,                                                                   \
	     .body_field = "type",                                                                 \
	     .sig = SIG_PARAMS,                                                                    \
	     .flags = RF_C_DECL | RF_ADOPT | RF_ANON_OK},                                          \
	    {.type = "type_definition",                                                            \
	     .kind = "typedef",                                                                    \
	     .name_mode = NM_DECLARATOR,                                                           \
	     .name_field = "declarator",                                                           \
	     .descend = DS_SAME,                                                                   \
	     .body_field = "type",                                                                 \
	     .flags = RF_ADOPT | RF_ANON_OK},                                                      \
	    {.type = "struct_specifier",                                                           \
	     .kind = "struct",                                                                     \
	     .descend = DS_SCOPE,                                                                  \
	     .body_field = "body",                                                                 \
	     .flags = RF_CLASS | RF_NEEDS_BODY | RF_ANON_OK},                                      \
	    {.type = "union_specifier",                                                            \
	     .kind = "union",                                                                      \
	     .descend = DS_SCOPE,                                                                  \
	     .body_field = "body",                                                                 \
	     .flags = RF_CLASS | RF_NEEDS_BODY | RF_ANON_OK},                                      \
	    {.type = "enum_specifier",                                                             \
	     .kind = "enum",                                                                       \
	     .descend = DS_SCOPE,                                                                  \
	     .body_field = "body",                                                                 \
	     .flags = RF_NEEDS_BODY | RF_ANON_OK},                                                 \
	    {.type = "enumerator", .kind = "enumerator"},                                          \
	    {.type = "preproc_include", .kind = "import", .name_field = "path"},                   \
	    {.type = "preproc_def", .kind = "macro"},                                              \
	{                                                                                          \
		.type = "preproc_function_def", .kind = "macro"                                    \
	}

static const struct syn_rule c_rules[] = {
    {.type = "function_definition",
     .kind = "function",
     .name_mode = NM_DECLARATOR,
     .name_field = "declarator",
     .sig = SIG_PARAMS},
    C_COMMON_RULES,
};

static const struct syn_rule cpp_rules[] = {
    {.type = "function_definition",
     .kind = "function",
     .member_kind = "method",
     .name_mode = NM_DECLARATOR,
     .name_field = "declarator",
     .sig = SIG_PARAMS,
     .flags = RF_QUAL_METHOD},
    C_COMMON_RULES,
    {.type = "class_specifier",
     .kind = "class",
     .descend = DS_SCOPE,
     .body_field = "body",
     .flags = RF_CLASS | RF_NEEDS_BODY | RF_ANON_OK},
    {.type = "namespace_definition",
     .kind = "namespace",
     .descend = DS_SCOPE,
     .body_field = "body",
     .flags = RF_ANON_OK},
    {.type = "template_declaration", .flags = RF_WRAPPER},
    {.type = "alias_declaration", .kind = "typedef"},
    {.type = "using_declaration", .kind = "import", .name_mode = NM_SPAN},
    {.type = "friend_declaration", .flags = RF_SKIP},
    {.type = "lambda_expression", .flags = RF_SKIP},
};

static const struct syn_rule python_rules[] = {
    {.type = "function_definition", .kind = "function", .member_kind = "method", .sig = SIG_PARAMS},
    {.type = "class_definition",
     .kind = "class",
     .descend = DS_SCOPE,
     .body_field = "body",
     .flags = RF_CLASS},
    {.type = "decorated_definition", .body_field = "definition", .flags = RF_WRAPPER},
    {.type = "import_statement", .kind = "import"},
    {.type = "import_from_statement", .kind = "import", .name_field = "module_name"},
    {.type = "assignment",
     .kind = "variable",
     .member_kind = "field",
     .name_field = "left",
     .flags = RF_IDENT_NAME},
    {.type = "lambda", .flags = RF_SKIP},
};

/* Rows shared by JavaScript, TypeScript and TSX. */
#define JS_COMMON_RULES                                                                            \
	{.type = "function_declaration", .kind = "function", .sig = SIG_PARAMS},                   \
	    {.type = "generator_function_declaration", .kind = "function", .sig = SIG_PARAMS},     \
	    {.type = "class_declaration",                                                          \
	     .kind = "class",                                                                      \
	     .descend = DS_SCOPE,                                                                  \
	     .body_field = "body",                                                                 \
	     .flags = RF_CLASS},                                                                   \
	    {.type = "method_definition", .kind = "method", .sig = SIG_PARAMS},                    \
	    {.type = "field_definition", .kind = "field", .name_field = "property"},               \
	    {.type = "variable_declarator",                                                        \
	     .kind = "variable",                                                                   \
	     .sig = SIG_PARAMS,                                                                    \
	     .flags = RF_CLIMB | RF_JS_VALUE | RF_IDENT_NAME},                                     \
	    {.type = "export_statement",                                                           \
	     .body_field = "declaration",                                                          \
	     .flags = RF_WRAPPER | RF_DEFAULT},                                                    \
	    {.type = "import_statement", .kind = "import", .name_field = "source"},                \
	    {.type = "arrow_function", .flags = RF_SKIP},                                          \
	    {.type = "function_expression", .flags = RF_SKIP},                                     \
	    {.type = "generator_function", .flags = RF_SKIP}, {.type = "class", .flags = RF_SKIP}, \
	{                                                                                          \
		.type = "object", .flags = RF_SKIP                                                 \
	}

static const struct syn_rule js_rules[] = {
    JS_COMMON_RULES,
};

static const struct syn_rule ts_rules[] = {
    JS_COMMON_RULES,
    {.type = "abstract_class_declaration",
     .kind = "class",
     .descend = DS_SCOPE,
     .body_field = "body",
     .flags = RF_CLASS},
    {.type = "interface_declaration",
     .kind = "interface",
     .descend = DS_SCOPE,
     .body_field = "body",
     .flags = RF_CLASS},
    {.type = "method_signature", .kind = "method", .sig = SIG_PARAMS},
    {.type = "abstract_method_signature", .kind = "method", .sig = SIG_PARAMS},
    {.type = "property_signature", .kind = "field"},
    {.type = "public_field_definition", .kind = "field"},
    {.type = "type_alias_declaration", .kind = "type"},
    {.type = "enum_declaration", .kind = "enum", .descend = DS_SCOPE, .body_field = "body"},
    {.type = "enum_assignment", .kind = "enumerator"},
    {.type = "property_identifier",
     .parent = "enum_body",
     .kind = "enumerator",
     .name_mode = NM_SELF},
    {.type = "function_signature", .kind = "prototype", .sig = SIG_PARAMS},
    {.type = "internal_module", .kind = "namespace", .descend = DS_SCOPE, .body_field = "body"},
    {.type = "module", .kind = "namespace", .descend = DS_SCOPE, .body_field = "body"},
    {.type = "ambient_declaration", .flags = RF_WRAPPER},
};

static const struct syn_rule go_rules[] = {
    {.type = "package_clause", .kind = "package", .name_mode = NM_SPAN},
    {.type = "function_declaration", .kind = "function", .sig = SIG_PARAMS},
    {.type = "method_declaration", .kind = "method", .sig = SIG_PARAMS, .flags = RF_GO_RECV},
    {.type = "type_spec",
     .kind = "type",
     .descend = DS_SCOPE,
     .body_field = "type",
     .flags = RF_CLIMB | RF_GO_TYPE | RF_CLASS},
    {.type = "type_alias", .kind = "type", .flags = RF_CLIMB},
    {.type = "field_declaration", .kind = "field", .flags = RF_TYPE_NAME},
    {.type = "method_elem", .kind = "method", .sig = SIG_PARAMS},
    {.type = "method_spec", .kind = "method", .sig = SIG_PARAMS},
    {.type = "import_spec", .kind = "import", .name_field = "path", .flags = RF_CLIMB},
    {.type = "const_spec", .kind = "constant", .flags = RF_CLIMB},
    {.type = "var_spec", .kind = "variable", .flags = RF_CLIMB},
    {.type = "func_literal", .flags = RF_SKIP},
};

static const struct syn_rule rust_rules[] = {
    {.type = "function_item", .kind = "function", .member_kind = "method", .sig = SIG_PARAMS},
    {.type = "function_signature_item", .kind = "prototype", .sig = SIG_PARAMS},
    {.type = "struct_item",
     .kind = "struct",
     .descend = DS_SCOPE,
     .body_field = "body",
     .flags = RF_CLASS},
    {.type = "union_item",
     .kind = "union",
     .descend = DS_SCOPE,
     .body_field = "body",
     .flags = RF_CLASS},
    {.type = "enum_item", .kind = "enum", .descend = DS_SCOPE, .body_field = "body"},
    {.type = "enum_variant", .kind = "enumerator"},
    {.type = "field_declaration", .kind = "field"},
    {.type = "trait_item",
     .kind = "trait",
     .descend = DS_SCOPE,
     .body_field = "body",
     .flags = RF_CLASS},
    {.type = "impl_item",
     .kind = "impl",
     .name_mode = NM_TYPE,
     .name_field = "type",
     .descend = DS_SCOPE,
     .body_field = "body",
     .sig = SIG_IMPL,
     .flags = RF_CLASS},
    {.type = "mod_item", .kind = "module", .descend = DS_SCOPE, .body_field = "body"},
    {.type = "use_declaration", .kind = "import", .name_mode = NM_SPAN, .name_field = "argument"},
    {.type = "extern_crate_declaration", .kind = "import"},
    {.type = "const_item", .kind = "constant"},
    {.type = "static_item", .kind = "variable"},
    {.type = "type_item", .kind = "type"},
    {.type = "associated_type", .kind = "type"},
    {.type = "macro_definition", .kind = "macro"},
    {.type = "closure_expression", .flags = RF_SKIP},
};

static const struct syn_rule java_rules[] = {
    {.type = "package_declaration", .kind = "package", .name_mode = NM_SPAN},
    {.type = "import_declaration", .kind = "import", .name_mode = NM_SPAN},
    {.type = "class_declaration",
     .kind = "class",
     .descend = DS_SCOPE,
     .body_field = "body",
     .flags = RF_CLASS},
    {.type = "interface_declaration",
     .kind = "interface",
     .descend = DS_SCOPE,
     .body_field = "body",
     .flags = RF_CLASS},
    {.type = "enum_declaration",
     .kind = "enum",
     .descend = DS_SCOPE,
     .body_field = "body",
     .flags = RF_CLASS},
    {.type = "record_declaration",
     .kind = "record",
     .descend = DS_SCOPE,
     .body_field = "body",
     .flags = RF_CLASS},
    {.type = "annotation_type_declaration",
     .kind = "interface",
     .descend = DS_SCOPE,
     .body_field = "body",
     .flags = RF_CLASS},
    {.type = "method_declaration", .kind = "method", .sig = SIG_PARAMS},
    {.type = "constructor_declaration", .kind = "constructor", .sig = SIG_PARAMS},
    {.type = "compact_constructor_declaration", .kind = "constructor"},
    {.type = "annotation_type_element_declaration", .kind = "method"},
    {.type = "field_declaration", .kind = "field", .name_field = "declarator", .name_sub = "name"},
    {.type = "constant_declaration",
     .kind = "field",
     .name_field = "declarator",
     .name_sub = "name"},
    {.type = "enum_constant", .kind = "enumerator"},
    {.type = "lambda_expression", .flags = RF_SKIP},
    {.type = "object_creation_expression", .flags = RF_SKIP},
};

static const struct syn_rule json_rules[] = {
    {.type = "pair",
     .kind = "key",
     .name_field = "key",
     .descend = DS_SCOPE,
     .body_field = "value",
     .body_type = "object"},
    {.type = "array", .flags = RF_SKIP},
};

static const char *const c_idents[] = {"identifier", "type_identifier", "field_identifier", NULL};
static const char *const cpp_idents[] = {"identifier", "type_identifier", "field_identifier",
                                         "namespace_identifier", NULL};
static const char *const python_idents[] = {"identifier", NULL};
static const char *const js_idents[] = {"identifier",
                                        "property_identifier",
                                        "private_property_identifier",
                                        "shorthand_property_identifier",
                                        "shorthand_property_identifier_pattern",
                                        NULL};
static const char *const ts_idents[] = {"identifier",
                                        "property_identifier",
                                        "private_property_identifier",
                                        "shorthand_property_identifier",
                                        "shorthand_property_identifier_pattern",
                                        "type_identifier",
                                        NULL};
static const char *const go_idents[] = {"identifier", "type_identifier", "field_identifier",
                                        "package_identifier", NULL};
static const char *const rust_idents[] = {"identifier", "type_identifier", "field_identifier",
                                          "shorthand_field_identifier", NULL};
static const char *const java_idents[] = {"identifier", "type_identifier", NULL};
static const char *const no_idents[] = {NULL};

static const char *const rust_leading[] = {"attribute_item", NULL};

/*
 * Binding slots: "parent.field" (field "" = a child in no field) where an
 * identifier declares a parameter or a local instead of using a name; "*"
 * matches any parent. In C and C++ a "declarator" field only ever declares.
 * Names of definitions nested in function bodies (not symbols) are bindings.
 */
static const char *const c_bindings[] = {"*.declarator", "reference_declarator.", NULL};
static const char *const python_bindings[] = {"parameters.",
                                              "default_parameter.name",
                                              "typed_default_parameter.name",
                                              "typed_parameter.",
                                              "list_splat_pattern.",
                                              "dictionary_splat_pattern.",
                                              "lambda_parameters.",
                                              "function_definition.name",
                                              "class_definition.name",
                                              NULL};
static const char *const js_bindings[] = {"formal_parameters.",
                                          "assignment_pattern.left",
                                          "rest_pattern.",
                                          "required_parameter.pattern",
                                          "optional_parameter.pattern",
                                          "variable_declarator.name",
                                          "arrow_function.parameter",
                                          "object_pattern.",
                                          "array_pattern.",
                                          "pair_pattern.value",
                                          "function_declaration.name",
                                          "generator_function_declaration.name",
                                          "class_declaration.name",
                                          "type_parameter.name",
                                          NULL};
static const char *const go_bindings[] = {"parameter_declaration.name",
                                          "variadic_parameter_declaration.name", NULL};
static const char *const rust_bindings[] = {"parameter.pattern", "let_declaration.pattern",
                                            "closure_parameters.", "function_item.name", NULL};
static const char *const java_bindings[] = {"formal_parameter.name", "variable_declarator.name",
                                            "catch_formal_parameter.name", NULL};

#define LANG(n, fn, rules, pm, idents, leading, bindings)                                          \
	{                                                                                          \
		n, fn, rules, BRAID_ARRAY_SIZE(rules), pm, idents, leading, bindings               \
	}

/* clang-format off */
static const struct syn_lang langs[] = {
	LANG("c", tree_sitter_c, c_rules, PM_C, c_idents, NULL, c_bindings),
	LANG("cpp", tree_sitter_cpp, cpp_rules, PM_C, cpp_idents, NULL, c_bindings),
	LANG("python", tree_sitter_python, python_rules, PM_NAMES, python_idents, NULL,
	     python_bindings),
	LANG("javascript", tree_sitter_javascript, js_rules, PM_NAMES, js_idents, NULL,
	     js_bindings),
	LANG("typescript", tree_sitter_typescript, ts_rules, PM_TYPES, ts_idents, NULL,
	     js_bindings),
	LANG("tsx", tree_sitter_tsx, ts_rules, PM_TYPES, ts_idents, NULL, js_bindings),
	LANG("go", tree_sitter_go, go_rules, PM_GO, go_idents, NULL, go_bindings),
	LANG("rust", tree_sitter_rust, rust_rules, PM_TYPES, rust_idents, rust_leading,
	     rust_bindings),
	LANG("java", tree_sitter_java, java_rules, PM_TYPES, java_idents, NULL, java_bindings),
	LANG("json", tree_sitter_json, json_rules, PM_NAMES, no_idents, NULL, NULL),
};
/* clang-format on */

static const struct {
	const char *ext;
	const char *lang;
} extensions[] = {
    {"c", "c"},
    {"h", "c"},
    {"cc", "cpp"},
    {"cpp", "cpp"},
    {"cxx", "cpp"},
    {"c++", "cpp"},
    {"hpp", "cpp"},
    {"hh", "cpp"},
    {"hxx", "cpp"},
    {"h++", "cpp"},
    {"py", "python"},
    {"pyi", "python"},
    {"js", "javascript"},
    {"mjs", "javascript"},
    {"cjs", "javascript"},
    {"jsx", "javascript"},
    {"ts", "typescript"},
    {"mts", "typescript"},
    {"cts", "typescript"},
    {"tsx", "tsx"},
    {"go", "go"},
    {"rs", "rust"},
    {"java", "java"},
    {"json", "json"},
};

const char *braid_syntax_language_for_path(const char *path)
{
	const char *base, *dot;
	size_t i;

	if (!path)
		return NULL;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	/* A dotfile with no other dot (".json") has no extension. */
	if (!dot || dot == base || !dot[1])
		return NULL;
	for (i = 0; i < BRAID_ARRAY_SIZE(extensions); i++)
		if (!strcmp(dot + 1, extensions[i].ext))
			return extensions[i].lang;
	return NULL;
}

const struct syn_lang *braid_syntax__lang(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < BRAID_ARRAY_SIZE(langs); i++)
		if (!strcmp(name, langs[i].name))
			return &langs[i];
	return NULL;
}

const struct syn_lang *braid_syntax__lang_at(size_t i)
{
	return i < BRAID_ARRAY_SIZE(langs) ? &langs[i] : NULL;
}

int braid_syntax_has_language(const char *lang)
{
	return braid_syntax__lang(lang) != NULL;
}

int braid_syntax__is_binding(const struct syn_lang *lang, const char *parent, const char *field)
{
	const char *const *b;

	if (!lang->bindings || !parent)
		return 0;
	for (b = lang->bindings; *b; b++) {
		const char *dot = strchr(*b, '.');
		size_t plen = (size_t)(dot - *b);

		if (!(plen == 1 && **b == '*') && (strncmp(*b, parent, plen) || parent[plen]))
			continue;
		if (!strcmp(dot + 1, field ? field : ""))
			return 1;
	}
	return 0;
}

int braid_syntax__type_in(const char *type, const char *const *list)
{
	if (!list)
		return 0;
	for (; *list; list++)
		if (!strcmp(type, *list))
			return 1;
	return 0;
}

const struct syn_rule *braid_syntax__rule(const struct syn_lang *lang, TSNode node)
{
	const char *type = ts_node_type(node);
	size_t i;

	for (i = 0; i < lang->nrules; i++) {
		const struct syn_rule *r = &lang->rules[i];
		TSNode parent;

		if (strcmp(type, r->type))
			continue;
		if (r->parent) {
			parent = ts_node_parent(node);
			if (ts_node_is_null(parent) || strcmp(ts_node_type(parent), r->parent))
				continue;
		}
		return r;
	}
	return NULL;
}
