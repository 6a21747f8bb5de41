/*
 * struct_lang.c: what commutes, per language: the node types whose children
 * braid treats as an unordered-at-insertion list (a "container"), and how
 * to cut each into elements. The structural tier (structure.c) interprets
 * these rows; docs/merge.md lists them in prose.
 *
 * A container's elements are its named, non-comment children (or only the
 * children in `elem_field`) between its opening and closing delimiters.
 * In a separated list ("," or ";" between elements) the separator belongs
 * to no element and is re-emitted as needed; elsewhere a token that
 * follows an element (the ";" after `struct s {...}`) is part of it.
 */
#include "merge/structure_int.h"

/* clang-format off */
static const struct braid_merge__cspec specs[] = {
	/* C */
	{"c", "translation_unit", NULL, NULL, NULL, NULL, CS_ROOT},
	{"c", "preproc_ifdef", "translation_unit", NULL, "name", NULL, CS_GUARD},
	{"c", "field_declaration_list", NULL, NULL, NULL, NULL, 0},
	{"c", "enumerator_list", NULL, NULL, NULL, NULL, CS_SEPARATED},
	{"c", "initializer_list", NULL, NULL, NULL, NULL, CS_SEPARATED},
	/* C++ */
	{"cpp", "translation_unit", NULL, NULL, NULL, NULL, CS_ROOT},
	{"cpp", "preproc_ifdef", "translation_unit", NULL, "name", NULL, CS_GUARD},
	{"cpp", "field_declaration_list", NULL, NULL, NULL, NULL, 0},
	{"cpp", "declaration_list", NULL, NULL, NULL, NULL, 0},
	{"cpp", "enumerator_list", NULL, NULL, NULL, NULL, CS_SEPARATED},
	{"cpp", "initializer_list", NULL, NULL, NULL, NULL, CS_SEPARATED},
	/* Python: class bodies, not function bodies (statement order matters there) */
	{"python", "module", NULL, NULL, NULL, NULL, CS_ROOT},
	{"python", "block", "class_definition", NULL, NULL, NULL, 0},
	{"python", "import_from_statement", NULL, "name", NULL, NULL, CS_SEPARATED},
	{"python", "import_statement", NULL, "name", NULL, NULL, CS_SEPARATED},
	/* JavaScript */
	{"javascript", "program", NULL, NULL, NULL, NULL, CS_ROOT},
	{"javascript", "class_body", NULL, NULL, NULL, NULL, 0},
	{"javascript", "object", NULL, NULL, NULL, NULL, CS_SEPARATED},
	{"javascript", "named_imports", NULL, NULL, NULL, NULL, CS_SEPARATED},
	{"javascript", "export_clause", NULL, NULL, NULL, NULL, CS_SEPARATED},
	/* TypeScript and TSX */
#define TS_ROWS(l) \
	{l, "program", NULL, NULL, NULL, NULL, CS_ROOT}, \
	{l, "class_body", NULL, NULL, NULL, NULL, 0}, \
	{l, "object", NULL, NULL, NULL, NULL, CS_SEPARATED}, \
	{l, "named_imports", NULL, NULL, NULL, NULL, CS_SEPARATED}, \
	{l, "export_clause", NULL, NULL, NULL, NULL, CS_SEPARATED}, \
	{l, "interface_body", NULL, NULL, NULL, NULL, CS_SEPARATED}, \
	{l, "object_type", NULL, NULL, NULL, NULL, CS_SEPARATED}, \
	{l, "enum_body", NULL, NULL, NULL, NULL, CS_SEPARATED}, \
	{l, "statement_block", "internal_module", NULL, NULL, NULL, 0}
	TS_ROWS("typescript"),
	TS_ROWS("tsx"),
	/* Go */
	{"go", "source_file", NULL, NULL, NULL, NULL, CS_ROOT},
	{"go", "import_spec_list", NULL, NULL, NULL, NULL, 0},
	{"go", "field_declaration_list", NULL, NULL, NULL, NULL, 0},
	{"go", "interface_type", NULL, NULL, NULL, NULL, 0},
	{"go", "const_declaration", NULL, NULL, NULL, NULL, CS_DELIMITED},
	{"go", "var_declaration", NULL, NULL, NULL, NULL, CS_DELIMITED},
	{"go", "type_declaration", NULL, NULL, NULL, NULL, CS_DELIMITED},
	{"go", "literal_value", NULL, NULL, NULL, NULL, CS_SEPARATED},
	/* Rust */
	{"rust", "source_file", NULL, NULL, NULL, NULL, CS_ROOT},
	{"rust", "declaration_list", NULL, NULL, NULL, NULL, 0},
	{"rust", "field_declaration_list", NULL, NULL, NULL, NULL, CS_SEPARATED},
	{"rust", "enum_variant_list", NULL, NULL, NULL, NULL, CS_SEPARATED},
	{"rust", "use_list", NULL, NULL, NULL, NULL, CS_SEPARATED},
	{"rust", "field_initializer_list", NULL, NULL, NULL, NULL, CS_SEPARATED},
	/* Java */
	{"java", "program", NULL, NULL, NULL, NULL, CS_ROOT},
	{"java", "class_body", NULL, NULL, NULL, NULL, 0},
	{"java", "interface_body", NULL, NULL, NULL, NULL, 0},
	{"java", "enum_body", NULL, NULL, NULL, "enum_body_declarations", CS_SEPARATED},
	/* JSON */
	{"json", "document", NULL, NULL, NULL, NULL, CS_ROOT},
	{"json", "object", NULL, NULL, NULL, NULL, CS_SEPARATED},
	{"json", "array", NULL, NULL, NULL, NULL, CS_SEPARATED},
};
/* clang-format on */

/* Leading siblings that belong to the element after them. */
static const char *const leading[] = {"attribute_item", NULL};

/* Languages with overloading: additions clash by full signature, not by name. */
static const char *const overloading[] = {"cpp", "java", NULL};

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

const struct braid_merge__cspec *braid_merge__cspec_root(const char *lang)
{
	size_t i;

	for (i = 0; i < BRAID_ARRAY_SIZE(specs); i++)
		if (!strcmp(specs[i].lang, lang) && (specs[i].flags & CS_ROOT))
			return &specs[i];
	return NULL;
}

const struct braid_merge__cspec *braid_merge__cspec_for(const char *lang, braid_syntax_node node)
{
	const char *type = braid_syntax_node_type(node);
	size_t i;

	for (i = 0; i < BRAID_ARRAY_SIZE(specs); i++) {
		const struct braid_merge__cspec *c = &specs[i];

		if (strcmp(c->lang, lang) || strcmp(c->type, type) || (c->flags & CS_ROOT))
			continue;
		if (c->parent &&
		    strcmp(braid_syntax_node_type(braid_syntax_node_parent(node)), c->parent))
			continue;
		return c;
	}
	return NULL;
}

int braid_merge__leading_type(const char *type)
{
	return in_list(type, leading);
}

int braid_merge__lang_overloads(const char *lang)
{
	return in_list(lang, overloading);
}
