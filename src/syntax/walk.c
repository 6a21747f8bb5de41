/*
 * walk.c: the node-walking half of syntax.h. A braid_syntax_node is a
 * TSNode copied byte for byte into a public struct of the same size, so
 * callers outside this module walk trees without seeing tree-sitter's types.
 * Listings (children, leaves, error ranges) use cursors, so they are linear
 * in the size of what they list and never recurse.
 */
#include "syntax/syntax_int.h"

_Static_assert(sizeof(braid_syntax_node) == sizeof(TSNode), "braid_syntax_node must hold a TSNode");

static TSNode ts(braid_syntax_node n)
{
	TSNode t;

	memcpy(&t, &n, sizeof(t));
	return t;
}

static braid_syntax_node wrap(TSNode t)
{
	braid_syntax_node n;

	memcpy(&n, &t, sizeof(n));
	return n;
}

braid_syntax_node braid_syntax_tree_root(const braid_syntax_tree *tree)
{
	return wrap(ts_tree_root_node(tree->tree));
}

const char *braid_syntax_tree_source(const braid_syntax_tree *tree, size_t *len)
{
	if (len)
		*len = tree->len;
	return tree->src;
}

int braid_syntax_node_is_null(braid_syntax_node node)
{
	return ts_node_is_null(ts(node));
}

const char *braid_syntax_node_type(braid_syntax_node node)
{
	return ts_node_is_null(ts(node)) ? "" : ts_node_type(ts(node));
}

int braid_syntax_node_is_named(braid_syntax_node node)
{
	return ts_node_is_named(ts(node));
}

int braid_syntax_node_is_extra(braid_syntax_node node)
{
	return ts_node_is_extra(ts(node));
}

int braid_syntax_node_has_error(braid_syntax_node node)
{
	TSNode t = ts(node);

	return ts_node_has_error(t) || ts_node_is_error(t) || ts_node_is_missing(t);
}

size_t braid_syntax_node_start(braid_syntax_node node)
{
	return ts_node_start_byte(ts(node));
}

size_t braid_syntax_node_end(braid_syntax_node node)
{
	return ts_node_end_byte(ts(node));
}

braid_syntax_node braid_syntax_node_field(braid_syntax_node node, const char *field)
{
	return wrap(ts_node_child_by_field_name(ts(node), field, (uint32_t)strlen(field)));
}

braid_syntax_node braid_syntax_node_parent(braid_syntax_node node)
{
	return wrap(ts_node_parent(ts(node)));
}

int braid_syntax_node_children(braid_syntax_child **out, size_t *nout, braid_syntax_node node)
{
	TSNode t = ts(node);
	uint32_t n = ts_node_is_null(t) ? 0 : ts_node_child_count(t);
	braid_syntax_child *v;
	TSTreeCursor c;
	size_t i = 0;

	BRAID_ASSERT_ARG(out);
	BRAID_ASSERT_ARG(nout);
	*out = NULL;
	*nout = 0;
	if (!n)
		return 0;
	if (!(v = malloc(n * sizeof(*v))))
		return braid_error_set(BRAID_ENOMEM, "out of memory listing %u nodes", n);
	c = ts_tree_cursor_new(t);
	if (ts_tree_cursor_goto_first_child(&c)) {
		do {
			v[i].node = wrap(ts_tree_cursor_current_node(&c));
			v[i].field = ts_tree_cursor_current_field_name(&c);
			i++;
		} while (i < n && ts_tree_cursor_goto_next_sibling(&c));
	}
	ts_tree_cursor_delete(&c);
	*out = v;
	*nout = i;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

int braid_syntax_node_leaves(braid_syntax_leaf **out, size_t *nout, braid_syntax_node node)
{
	TSNode root = ts(node);
	braid_syntax_leaf *v = NULL;
	size_t n = 0, alloc = 0;
	TSTreeCursor c;
	int err = 0;

	BRAID_ASSERT_ARG(out);
	BRAID_ASSERT_ARG(nout);
	*out = NULL;
	*nout = 0;
	if (ts_node_is_null(root))
		return 0;
	c = ts_tree_cursor_new(root);
	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		uint32_t s = ts_node_start_byte(cur), e = ts_node_end_byte(cur);

		/* a comment is one token even when its grammar gives it parts */
		if (ts_node_child_count(cur) == 0 || ts_node_is_extra(cur)) {
			if (e > s) {
				if (n == alloc) {
					size_t na = alloc ? alloc * 2 : 64;
					braid_syntax_leaf *p = realloc(v, na * sizeof(*p));
					if (!p) {
						err = braid_error_set(
						    BRAID_ENOMEM, "out of memory listing tokens");
						break;
					}
					v = p;
					alloc = na;
				}
				v[n].start = s;
				v[n].end = e;
				v[n].type = ts_node_type(cur);
				v[n].identifier = ends_with(v[n].type, "identifier");
				v[n].extra = ts_node_is_extra(cur);
				n++;
			}
		} else if (ts_tree_cursor_goto_first_child(&c)) {
			continue;
		}
		while (!ts_tree_cursor_goto_next_sibling(&c))
			if (!ts_tree_cursor_goto_parent(&c))
				goto done;
	}
done:
	ts_tree_cursor_delete(&c);
	if (err < 0) {
		free(v);
		return err;
	}
	*out = v;
	*nout = n;
	return 0;
}

int braid_syntax_error_ranges(size_t **out, size_t *nout, const braid_syntax_tree *tree)
{
	TSNode root;
	TSTreeCursor c;
	size_t *v = NULL, n = 0, alloc = 0;
	int err = 0;

	BRAID_ASSERT_ARG(out);
	BRAID_ASSERT_ARG(nout);
	BRAID_ASSERT_ARG(tree);
	*out = NULL;
	*nout = 0;
	root = ts_tree_root_node(tree->tree);
	if (!ts_node_has_error(root))
		return 0;
	c = ts_tree_cursor_new(root);
	for (;;) {
		TSNode node = ts_tree_cursor_current_node(&c);

		if (ts_node_is_error(node) || ts_node_is_missing(node)) {
			if (n == alloc) {
				size_t na = alloc ? alloc * 2 : 8;
				size_t *p = realloc(v, na * 2 * sizeof(*p));
				if (!p) {
					err = braid_error_set(BRAID_ENOMEM,
					                      "out of memory listing parse errors");
					break;
				}
				v = p;
				alloc = na;
			}
			v[2 * n] = ts_node_start_byte(node);
			v[2 * n + 1] = ts_node_end_byte(node);
			n++;
		}
		if (!ts_node_is_error(node) && ts_node_has_error(node) &&
		    ts_tree_cursor_goto_first_child(&c))
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&c))
			if (!ts_tree_cursor_goto_parent(&c))
				goto done;
	}
done:
	ts_tree_cursor_delete(&c);
	if (err < 0) {
		free(v);
		return err;
	}
	*out = v;
	*nout = n;
	return 0;
}
