/*
 * refs.c: identifier uses. One pass over every node of the tree (a cursor,
 * no recursion) picks the node types the language lists as identifiers,
 * drops the names that definitions introduce, and tags each use with the
 * innermost definition around it, found by sweeping the symbols sorted by
 * start. This feeds the symbol index: who depends on what.
 *
 * Parameters and locals declared in the language's binding slots (lang.c)
 * are not uses either; other bindings (loop variables, Python assignment
 * targets) are reported as uses.
 */
#include "syntax/syntax_int.h"

struct ref_list {
	braid_reference *items;
	size_t count, alloc;
};

static void release_refs(braid_reference *items, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		free(items[i].name);
		free(items[i].enclosing);
	}
	free(items);
}

void braid_reference_list_free(braid_reference_list *list)
{
	if (!list)
		return;
	release_refs(list->items, list->count);
	free(list);
}

/* Sort by start, outer (longer) ranges first, then source order of the walk. */
static int by_start(const void *a, const void *b)
{
	const struct syn_def *x = *(const struct syn_def *const *)a;
	const struct syn_def *y = *(const struct syn_def *const *)b;

	if (x->sym.start_byte != y->sym.start_byte)
		return x->sym.start_byte < y->sym.start_byte ? -1 : 1;
	if (x->sym.end_byte != y->sym.end_byte)
		return x->sym.end_byte > y->sym.end_byte ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int by_name_start(const void *a, const void *b)
{
	const struct syn_def *x = *(const struct syn_def *const *)a;
	const struct syn_def *y = *(const struct syn_def *const *)b;

	if (x->name_start != y->name_start)
		return x->name_start < y->name_start ? -1 : 1;
	return x->name_end > y->name_end ? -1 : x->name_end < y->name_end;
}

/* 1 when [s, e) lies inside the name of a definition. */
static int is_def_name(struct syn_def *const *names, size_t n, uint32_t s, uint32_t e)
{
	size_t lo = 0, hi = n, k;

	/* the last name starting at or before s */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (names[mid]->name_start <= s)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* the name holding [s, e) starts at or before s; names barely nest, so
	 * a few steps back are enough */
	for (k = 0; k < 8 && lo > 0; k++) {
		const struct syn_def *d = names[--lo];
		if (d->name_end >= e)
			return 1;
	}
	return 0;
}

static int push_ref(struct ref_list *l, const char *src, TSNode n, const char *enclosing)
{
	braid_reference r = {0};
	uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);

	if (l->count == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 64;
		braid_reference *items = realloc(l->items, na * sizeof(*items));
		if (!items)
			return braid_error_set(BRAID_ENOMEM, "out of memory listing references");
		l->items = items;
		l->alloc = na;
	}
	r.name = braid_strndup(src + s, e - s);
	r.enclosing = enclosing ? braid_strdup(enclosing) : NULL;
	if (!r.name || (enclosing && !r.enclosing)) {
		free(r.name);
		free(r.enclosing);
		return braid_error_set(BRAID_ENOMEM, "out of memory listing references");
	}
	r.start_byte = s;
	r.end_byte = e;
	l->items[l->count++] = r;
	return 0;
}

int braid_syntax_references(braid_reference_list **out, const braid_syntax_tree *tree)
{
	struct syn_defs defs = {0};
	struct syn_def **order = NULL, **names = NULL, **stack = NULL;
	struct ref_list refs = {0};
	braid_reference_list *list = NULL;
	size_t i, nnames = 0, next = 0, top = 0, depth = 0, nparents = 0;
	const char **parents = NULL;
	TSTreeCursor c;
	int err;

	BRAID_ASSERT_ARG(out);
	BRAID_ASSERT_ARG(tree);
	if ((err = braid_syntax__collect(&defs, tree)) < 0)
		return err;
	if (defs.count) {
		order = malloc(defs.count * sizeof(*order));
		names = malloc(defs.count * sizeof(*names));
		stack = malloc(defs.count * sizeof(*stack));
		if (!order || !names || !stack) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory listing references");
			goto done;
		}
	}
	for (i = 0; i < defs.count; i++) {
		order[i] = &defs.items[i];
		if (defs.items[i].name_end > defs.items[i].name_start)
			names[nnames++] = &defs.items[i];
	}
	if (defs.count)
		qsort(order, defs.count, sizeof(*order), by_start);
	if (nnames)
		qsort(names, nnames, sizeof(*names), by_name_start);

	c = ts_tree_cursor_new(ts_tree_root_node(tree->tree));
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&c);

		if (ts_node_is_named(n) && ts_node_child_count(n) == 0 &&
		    braid_syntax__type_in(ts_node_type(n), tree->lang->idents)) {
			uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
			const char *parent = depth ? parents[depth - 1] : NULL;

			if (e > s && !is_def_name((struct syn_def *const *)names, nnames, s, e) &&
			    !braid_syntax__is_binding(tree->lang, parent,
			                              ts_tree_cursor_current_field_name(&c))) {
				/* Sweep: open the definitions starting here, close those ended. */
				while (next < defs.count && order[next]->sym.start_byte <= s) {
					while (top && stack[top - 1]->sym.end_byte <=
					                  order[next]->sym.start_byte)
						top--;
					stack[top++] = order[next++];
				}
				while (top && stack[top - 1]->sym.end_byte <= s)
					top--;
				err = push_ref(&refs, tree->src, n,
				               top ? stack[top - 1]->sym.name : NULL);
				if (err < 0)
					break;
			}
		}
		if (ts_node_child_count(n) > 0) {
			/* remember the parent's type for the binding check below it */
			if (depth == nparents) {
				size_t na = nparents ? nparents * 2 : 64;
				const char **p = realloc(parents, na * sizeof(*p));
				if (!p) {
					err = braid_error_set(BRAID_ENOMEM,
					                      "out of memory listing references");
					break;
				}
				parents = p;
				nparents = na;
			}
			parents[depth++] = ts_node_type(n);
			ts_tree_cursor_goto_first_child(&c);
			continue;
		}
		while (!ts_tree_cursor_goto_next_sibling(&c)) {
			if (!depth || !ts_tree_cursor_goto_parent(&c))
				goto walked;
			depth--;
		}
	}
walked:
	ts_tree_cursor_delete(&c);
	if (err < 0)
		goto done;
	if (!(list = calloc(1, sizeof(*list)))) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory listing references");
		goto done;
	}
	list->items = refs.items;
	list->count = refs.count;
	refs.items = NULL;
	refs.count = 0;
	*out = list;
done:
	release_refs(refs.items, refs.count);
	free(parents);
	free(order);
	free(names);
	free(stack);
	braid_syntax__defs_release(&defs);
	return err;
}
