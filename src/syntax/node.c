/*
 * node.c: turning tree-sitter nodes into text: names (unquoted, "::" as
 * "."), normalized token runs for signatures, C declarator chains and base
 * type names. Walks are iterative (a cursor), so a deep subtree cannot
 * exhaust the stack, and output is capped so a pathological node cannot
 * make a name or signature grow without bound.
 */
#include "syntax/syntax_int.h"

#include <ctype.h>

/* Longest name or signature the module produces; longer ones are cut. */
#define TEXT_CAP 4096

enum tok_mode {
	TOK_SIG,  /* everything but comments */
	TOK_NAME, /* also drop type arguments, "::" becomes "." */
};

static int is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

static int is_comment(const char *type)
{
	return strstr(type, "comment") != NULL;
}

/* Append one token, collapsing inner whitespace, a space only between words. */
static int put_token(braid_buf *out, const char *s, size_t len)
{
	size_t i;
	int space = 0, err;

	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!len || out->size >= TEXT_CAP)
		return 0;
	if (out->size && is_word(out->ptr[out->size - 1]) && is_word(s[0]))
		if ((err = braid_buf_putc(out, ' ')) < 0)
			return err;
	for (i = 0; i < len && out->size < TEXT_CAP; i++) {
		if (isspace((unsigned char)s[i])) {
			space = 1;
			continue;
		}
		if (space && (err = braid_buf_putc(out, ' ')) < 0)
			return err;
		space = 0;
		if ((err = braid_buf_putc(out, s[i])) < 0)
			return err;
	}
	return 0;
}

static int tokens(braid_buf *out, const char *src, TSNode node, TSNode skip, enum tok_mode mode)
{
	TSTreeCursor c;
	int err = 0;

	if (ts_node_is_null(node))
		return 0;
	c = ts_tree_cursor_new(node);
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&c);
		const char *type = ts_node_type(n);
		int descend = 1;

		/* Not written out: the skipped node, comments, a name's type arguments. */
		if ((!ts_node_is_null(skip) && ts_node_eq(n, skip)) || is_comment(type) ||
		    (mode == TOK_NAME &&
		     (!strcmp(type, "type_arguments") || !strcmp(type, "template_argument_list") ||
		      !strcmp(type, "type_parameters"))))
			descend = 0;
		else if (ts_node_child_count(n) == 0) {
			uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);

			descend = 0;
			if (mode == TOK_NAME && e - s == 2 && !memcmp(src + s, "::", 2))
				err = braid_buf_putc(out, '.');
			else
				err = put_token(out, src + s, e - s);
			if (err < 0 || out->size >= TEXT_CAP)
				break;
		}
		if (descend && ts_tree_cursor_goto_first_child(&c))
			continue;
		/* A cursor made from `node` never climbs above it. */
		while (!ts_tree_cursor_goto_next_sibling(&c)) {
			if (!ts_tree_cursor_goto_parent(&c))
				goto done;
		}
	}
done:
	ts_tree_cursor_delete(&c);
	return err;
}

int braid_syntax__tokens(braid_buf *out, const char *src, TSNode node, TSNode skip)
{
	return tokens(out, src, node, skip, TOK_SIG);
}

TSNode braid_syntax__first_named(TSNode node)
{
	uint32_t i, n = ts_node_named_child_count(node);

	for (i = 0; i < n; i++) {
		TSNode c = ts_node_named_child(node, i);
		if (!is_comment(ts_node_type(c)))
			return c;
	}
	return (TSNode){0};
}

static int is_string(const char *type)
{
	return strstr(type, "string") != NULL;
}

int braid_syntax__name(braid_buf *out, const char *src, TSNode node)
{
	const char *type = ts_node_type(node);
	TSNode inner;

	if (!strcmp(type, "aliased_import")) {
		inner = ts_node_child_by_field_name(node, "name", 4);
		if (!ts_node_is_null(inner))
			return braid_syntax__name(out, src, inner);
	}
	if (is_string(type) && ts_node_child_count(node) > 0) {
		/* "db.h", <stdio.h>, 'x': the text between the delimiters. */
		uint32_t s = ts_node_start_byte(node), e = ts_node_end_byte(node);
		if (e - s >= 2)
			return put_token(out, src + s + 1, e - s - 2);
		return 0;
	}
	if (!strcmp(type, "system_lib_string")) {
		uint32_t s = ts_node_start_byte(node), e = ts_node_end_byte(node);
		if (e - s >= 2)
			return put_token(out, src + s + 1, e - s - 2);
		return 0;
	}
	return tokens(out, src, node, (TSNode){0}, TOK_NAME);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

int braid_syntax__base_type(braid_buf *out, const char *src, TSNode node)
{
	int guard;

	for (guard = 0; guard < 64 && !ts_node_is_null(node); guard++) {
		const char *type = ts_node_type(node);
		TSNode next;

		if (ends_with(type, "identifier") || ts_node_named_child_count(node) == 0)
			return braid_syntax__name(out, src, node);
		next = ts_node_child_by_field_name(node, "name", 4);
		if (ts_node_is_null(next))
			next = ts_node_child_by_field_name(node, "type", 4);
		if (ts_node_is_null(next))
			next = braid_syntax__first_named(node);
		node = next;
	}
	return 0;
}

static int is_c_name(const char *type)
{
	return ends_with(type, "identifier") || !strcmp(type, "destructor_name") ||
	       !strcmp(type, "operator_name") || !strcmp(type, "template_function") ||
	       !strcmp(type, "operator_cast");
}

TSNode braid_syntax__c_declarator_name(TSNode decl, TSNode *fn)
{
	TSNode last = {0};
	int guard;

	for (guard = 0; guard < 64 && !ts_node_is_null(decl); guard++) {
		const char *type = ts_node_type(decl);
		TSNode next;

		if (is_c_name(type)) {
			if (fn)
				*fn = (!ts_node_is_null(last) &&
				       !strcmp(ts_node_type(last), "function_declarator"))
				          ? last
				          : (TSNode){0};
			return decl;
		}
		if (!ends_with(type, "declarator"))
			break;
		if (strcmp(type, "parenthesized_declarator"))
			last = decl;
		next = ts_node_child_by_field_name(decl, "declarator", 10);
		if (ts_node_is_null(next))
			next = braid_syntax__first_named(decl);
		decl = next;
	}
	if (fn)
		*fn = (TSNode){0};
	return (TSNode){0};
}

/* Append the tokens of `param`'s direct children up to a top-level "=". */
static int until_default(braid_buf *out, const char *src, TSNode param, TSNode skip)
{
	uint32_t i, n = ts_node_child_count(param);
	int err;

	if (n == 0)
		return tokens(out, src, param, skip, TOK_SIG);
	for (i = 0; i < n; i++) {
		TSNode c = ts_node_child(param, i);
		if (!ts_node_is_named(c) && !strcmp(ts_node_type(c), "="))
			break;
		if ((err = tokens(out, src, c, skip, TOK_SIG)) < 0)
			return err;
	}
	return 0;
}

static int param_types(braid_buf *out, const struct syn_lang *lang, const char *src, TSNode p)
{
	const char *type = ts_node_type(p);
	TSNode t = ts_node_child_by_field_name(p, "type", 4);
	TSNode pat = ts_node_child_by_field_name(p, "pattern", 7);
	int err;

	BRAID_UNUSED(lang);
	if (strstr(type, "spread") || strstr(type, "variadic") ||
	    (!ts_node_is_null(pat) && !strcmp(ts_node_type(pat), "rest_pattern")))
		if ((err = braid_buf_puts(out, "...")) < 0)
			return err;
	if (!ts_node_is_null(t)) {
		if (!strcmp(ts_node_type(t), "type_annotation"))
			t = braid_syntax__first_named(t);
		return tokens(out, src, t, (TSNode){0}, TOK_SIG);
	}
	if (!strcmp(type, "spread_parameter")) /* Java: int... n */
		return tokens(out, src, braid_syntax__first_named(p), (TSNode){0}, TOK_SIG);
	if (!strcmp(type, "required_parameter") || !strcmp(type, "optional_parameter"))
		return braid_buf_puts(out, "any");
	return tokens(out, src, p, (TSNode){0}, TOK_SIG);
}

static int go_param(braid_buf *out, const char *src, TSNode p, int *first)
{
	TSNode t = ts_node_child_by_field_name(p, "type", 4);
	uint32_t i, n = ts_node_child_count(p), names = 0;
	int err;

	for (i = 0; i < n; i++) {
		const char *f = ts_node_field_name_for_child(p, i);
		if (f && !strcmp(f, "name"))
			names++;
	}
	if (names == 0)
		names = 1;
	for (i = 0; i < names; i++) {
		if (!*first && (err = braid_buf_putc(out, ',')) < 0)
			return err;
		*first = 0;
		if (strstr(ts_node_type(p), "variadic") && (err = braid_buf_puts(out, "...")) < 0)
			return err;
		if ((err = tokens(out, src, t, (TSNode){0}, TOK_SIG)) < 0)
			return err;
	}
	return 0;
}

int braid_syntax__params(braid_buf *out, const struct syn_lang *lang, const char *src,
                         TSNode params)
{
	uint32_t i, n;
	int err, first = 1;

	if ((err = braid_buf_putc(out, '(')) < 0)
		return err;
	if (!ts_node_is_null(params) && ts_node_named_child_count(params) == 0 &&
	    ts_node_child_count(params) == 0) {
		/* A lone arrow-function parameter: `x => ...`. */
		if ((err = tokens(out, src, params, (TSNode){0}, TOK_SIG)) < 0)
			return err;
		return braid_buf_putc(out, ')');
	}
	n = ts_node_is_null(params) ? 0 : ts_node_named_child_count(params);
	for (i = 0; i < n; i++) {
		TSNode p = ts_node_named_child(params, i);
		const char *type = ts_node_type(p);

		if (is_comment(type) || !strcmp(type, "attribute_item"))
			continue;
		if (lang->param_mode == PM_GO) {
			if ((err = go_param(out, src, p, &first)) < 0)
				return err;
			continue;
		}
		if (!first && (err = braid_buf_putc(out, ',')) < 0)
			return err;
		first = 0;
		switch (lang->param_mode) {
		case PM_C: {
			TSNode decl = ts_node_child_by_field_name(p, "declarator", 10);
			TSNode name = braid_syntax__c_declarator_name(decl, NULL);
			err = until_default(out, src, p, name);
			break;
		}
		case PM_TYPES:
			err = param_types(out, lang, src, p);
			break;
		default:
			err = until_default(out, src, p, (TSNode){0});
			break;
		}
		if (err < 0)
			return err;
	}
	return braid_buf_putc(out, ')');
}
