/*
 * symbols.c: the definition walk. It interprets a language's rule table
 * (lang.c) over a parsed tree: a node with a rule defines zero or more
 * symbols and says where its members live; a node without one is looked
 * through. Bodies of functions are never entered, so locals are not
 * symbols. Also braid_syntax_symbols and braid_syntax_find_symbol on top.
 *
 * Recursion follows the syntactic nesting of containers and is capped at
 * MAX_LEVEL, so a pathological tree cannot exhaust the stack.
 */
#include "syntax/syntax_int.h"

#define MAX_LEVEL 256
/* Names one node defines kept on the stack; more (`int a, b, ...`) go to the heap. */
#define STACK_NAMES 4

struct walk {
	const braid_syntax_tree *t;
	const struct syn_lang *lang;
	struct syn_defs *defs;
};

struct scope {
	const char *prefix; /* qualified name of the container; NULL at top level */
	int depth;
	int in_class;
	TSNode stop; /* the node whose children are being walked: RF_CLIMB stops below it */
};

/* A byte/point range lent by a wrapper (decorators, export, attributes). */
struct ext {
	int set;
	uint32_t start, end;
	TSPoint sp, ep;
};

struct name {
	TSNode node; /* the name node (the whole node for a span) */
	TSNode fn;   /* C: the function declarator, if the name declares a function */
	int span;    /* NM_SPAN without a field: first..last named child of `node` */
	int type;    /* named by the base of a type (`node` is the type) */
};

static int visit(struct walk *w, TSNode node, const struct scope *sc, struct ext ext, int level);

static struct ext ext_of(TSNode n)
{
	struct ext e = {1, ts_node_start_byte(n), ts_node_end_byte(n), ts_node_start_point(n),
	                ts_node_end_point(n)};
	return e;
}

static struct ext ext_union(struct ext a, struct ext b)
{
	if (!a.set)
		return b;
	if (!b.set)
		return a;
	if (b.start < a.start)
		a.start = b.start, a.sp = b.sp;
	if (b.end > a.end)
		a.end = b.end, a.ep = b.ep;
	return a;
}

static TSNode field(TSNode node, const char *name)
{
	return ts_node_child_by_field_name(node, name, (uint32_t)strlen(name));
}

static int is_comment(const char *type)
{
	return strstr(type, "comment") != NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static int is_function_value(TSNode v)
{
	const char *t;

	if (ts_node_is_null(v))
		return 0;
	t = ts_node_type(v);
	return !strcmp(t, "arrow_function") || !strcmp(t, "function_expression") ||
	       !strcmp(t, "function") || !strcmp(t, "generator_function");
}

static int push_def(struct syn_defs *d, const struct syn_def *def)
{
	if (d->count == d->alloc) {
		size_t n = d->alloc ? d->alloc * 2 : 32;
		struct syn_def *items = realloc(d->items, n * sizeof(*items));
		if (!items)
			return braid_error_set(BRAID_ENOMEM, "out of memory listing symbols");
		d->items = items;
		d->alloc = n;
	}
	d->items[d->count++] = *def;
	return 0;
}

void braid_symbol_clear(braid_symbol *sym)
{
	if (!sym)
		return;
	free(sym->name);
	free(sym->kind);
	free(sym->signature);
	memset(sym, 0, sizeof(*sym));
}

void braid_syntax__defs_release(struct syn_defs *defs)
{
	size_t i;

	for (i = 0; i < defs->count; i++)
		braid_symbol_clear(&defs->items[i].sym);
	free(defs->items);
	memset(defs, 0, sizeof(*defs));
}

/*
 * The names a rule node defines, in source order: stores up to `cap` in
 * `out` and returns how many there are in all.
 */
static size_t find_names(const struct syn_rule *r, TSNode node, struct name *out, size_t cap)
{
	const char *fname = r->name_field ? r->name_field : "name";
	TSTreeCursor c;
	size_t n = 0;

	if (r->name_mode == NM_SELF) {
		out[0] = (struct name){.node = node};
		return 1;
	}
	if (r->name_mode == NM_SPAN && !r->name_field) {
		if (ts_node_named_child_count(node) == 0)
			return 0;
		out[0] = (struct name){.node = node, .span = 1};
		return 1;
	}
	if (r->name_mode == NM_SPAN || r->name_mode == NM_TYPE) {
		TSNode f = field(node, fname);
		if (ts_node_is_null(f))
			return 0;
		out[0] = (struct name){.node = f};
		return 1;
	}
	/* NM_FIELD and NM_DECLARATOR: every child in the field. */
	c = ts_tree_cursor_new(node);
	if (ts_tree_cursor_goto_first_child(&c)) {
		do {
			const char *f = ts_tree_cursor_current_field_name(&c);
			TSNode child, fn = {0};

			if (!f || strcmp(f, fname))
				continue;
			child = ts_tree_cursor_current_node(&c);
			if (!ts_node_is_named(child)) /* Go puts "," in the name field */
				continue;
			if (r->name_mode == NM_DECLARATOR)
				child = braid_syntax__c_declarator_name(child, &fn);
			else if (r->name_sub)
				child = field(child, r->name_sub);
			if (ts_node_is_null(child))
				continue;
			if ((r->flags & RF_IDENT_NAME) &&
			    !ends_with(ts_node_type(child), "identifier"))
				continue;
			if (n < cap)
				out[n] = (struct name){.node = child, .fn = fn};
			n++;
		} while (ts_tree_cursor_goto_next_sibling(&c));
	}
	ts_tree_cursor_delete(&c);
	if (n == 0 && (r->flags & RF_TYPE_NAME)) {
		/* Go's embedded field `*Logger` is named by its type */
		TSNode t = field(node, "type");
		if (!ts_node_is_null(t))
			out[n++] = (struct name){.node = t, .type = 1};
	}
	return n;
}

/* The byte range of a name, for excluding it from references. */
static void name_range(const struct name *nm, uint32_t *s, uint32_t *e)
{
	if (nm->type) {
		*s = *e = 0; /* an embedded type is still a use of that type */
		return;
	}
	if (nm->span) {
		uint32_t n = ts_node_named_child_count(nm->node);
		*s = ts_node_start_byte(ts_node_named_child(nm->node, 0));
		*e = ts_node_end_byte(ts_node_named_child(nm->node, n - 1));
		return;
	}
	*s = ts_node_start_byte(nm->node);
	*e = ts_node_end_byte(nm->node);
}

static int name_text(braid_buf *out, const struct walk *w, const struct syn_rule *r,
                     const struct name *nm)
{
	const char *src = w->t->src;
	int err = 0;

	if (nm->span) {
		uint32_t i, first = UINT32_MAX, last = 0, n = ts_node_child_count(nm->node);

		for (i = 0; i < n; i++) {
			TSNode c = ts_node_child(nm->node, i);
			if (ts_node_is_named(c) && !is_comment(ts_node_type(c))) {
				if (first == UINT32_MAX)
					first = i;
				last = i;
			}
		}
		for (i = first; first != UINT32_MAX && i <= last && err == 0; i++)
			err =
			    braid_syntax__tokens(out, src, ts_node_child(nm->node, i), (TSNode){0});
		return err;
	}
	if (r->name_mode == NM_TYPE || nm->type)
		return braid_syntax__base_type(out, src, nm->node);
	if (r->name_mode == NM_SPAN)
		return braid_syntax__tokens(out, src, nm->node, (TSNode){0});
	return braid_syntax__name(out, src, nm->node);
}

static const char *kind_of(const struct syn_rule *r, TSNode node, const struct scope *sc,
                           const struct name *nm)
{
	const char *kind = r->kind;

	if (r->member_kind && sc->in_class)
		kind = r->member_kind;
	if ((r->flags & RF_QUAL_METHOD) && r->member_kind &&
	    !strcmp(ts_node_type(nm->node), "qualified_identifier"))
		kind = r->member_kind;
	if ((r->flags & RF_C_DECL) && !ts_node_is_null(nm->fn))
		kind = "prototype";
	if (r->flags & RF_JS_VALUE) {
		TSNode v = field(node, "value");
		if (is_function_value(v))
			kind = "function";
		else if (!ts_node_is_null(v) && !strcmp(ts_node_type(v), "class"))
			kind = "class";
	}
	if (r->flags & RF_GO_TYPE) {
		TSNode t = field(node, "type");
		const char *tt = ts_node_is_null(t) ? "" : ts_node_type(t);
		if (!strcmp(tt, "struct_type"))
			kind = "struct";
		else if (!strcmp(tt, "interface_type"))
			kind = "interface";
	}
	return kind;
}

static int signature(braid_buf *out, const struct walk *w, const struct syn_rule *r, TSNode node,
                     const struct name *nm, const char *qualified)
{
	const char *src = w->t->src;
	TSNode params = {0};
	int err;

	if (r->sig == SIG_IMPL) {
		TSNode trait = field(node, "trait");
		if ((err = braid_buf_puts(out, "impl ")) < 0)
			return err;
		if (!ts_node_is_null(trait)) {
			if ((err = braid_syntax__tokens(out, src, trait, (TSNode){0})) < 0 ||
			    (err = braid_buf_puts(out, " for ")) < 0)
				return err;
		}
		return braid_syntax__tokens(out, src, field(node, "type"), (TSNode){0});
	}
	if ((err = braid_buf_puts(out, qualified)) < 0 || r->sig != SIG_PARAMS)
		return err;
	if (r->name_mode == NM_DECLARATOR) {
		if (!ts_node_is_null(nm->fn))
			params = field(nm->fn, "parameters");
	} else if (r->flags & RF_JS_VALUE) {
		TSNode v = field(node, "value");
		if (is_function_value(v)) {
			params = field(v, "parameters");
			if (ts_node_is_null(params))
				params = field(v, "parameter");
		}
	} else {
		params = field(node, "parameters");
	}
	if (ts_node_is_null(params))
		return 0;
	if ((err = braid_syntax__params(out, w->lang, src, params)) < 0)
		return err;
	if (!ts_node_is_null(nm->fn)) {
		/* C++: `get() const` and `get()` are different overloads. */
		uint32_t i, n = ts_node_named_child_count(nm->fn);
		for (i = 0; i < n; i++) {
			TSNode q = ts_node_named_child(nm->fn, i);
			const char *t = ts_node_type(q);
			if (strcmp(t, "type_qualifier") && strcmp(t, "ref_qualifier") &&
			    strcmp(t, "noexcept"))
				continue;
			if ((err = braid_buf_putc(out, ' ')) < 0 ||
			    (err = braid_syntax__tokens(out, src, q, (TSNode){0})) < 0)
				return err;
		}
	}
	return 0;
}

/* The node whose range a definition covers: RF_CLIMB grows it to sole-child parents. */
static TSNode range_node(const struct syn_rule *r, TSNode node, const struct scope *sc)
{
	int guard;

	if (!(r->flags & RF_CLIMB))
		return node;
	for (guard = 0; guard < 8; guard++) {
		TSNode p = ts_node_parent(node);
		if (ts_node_is_null(p) || ts_node_eq(p, sc->stop) ||
		    ts_node_named_child_count(p) != 1)
			break;
		node = p;
	}
	return node;
}

static int emit(struct walk *w, const char *qualified, const char *kind, braid_buf *sig,
                const struct scope *sc, struct ext range, uint32_t ns, uint32_t ne)
{
	struct syn_def def = {0};
	int err;

	def.sym.name = braid_strdup(qualified);
	def.sym.kind = braid_strdup(kind);
	def.sym.signature = braid_buf_detach(sig);
	if (!def.sym.name || !def.sym.kind || !def.sym.signature) {
		braid_symbol_clear(&def.sym);
		return braid_error_set(BRAID_ENOMEM, "out of memory listing symbols");
	}
	def.sym.start_byte = range.start;
	def.sym.end_byte = range.end;
	def.sym.start_line = range.sp.row;
	def.sym.end_line = range.ep.row;
	/* A range ending at the start of a line ends on the line before. */
	if (range.ep.column == 0 && range.ep.row > range.sp.row)
		def.sym.end_line--;
	def.sym.depth = sc->depth;
	def.name_start = ns;
	def.name_end = ne;
	if ((err = push_def(w->defs, &def)) < 0)
		braid_symbol_clear(&def.sym);
	return err;
}

static int qualify(braid_buf *out, const char *prefix, const char *name)
{
	int err = 0;

	if (prefix && (err = braid_buf_printf(out, "%s.", prefix)) < 0)
		return err;
	return braid_buf_puts(out, name);
}

static int visit_children(struct walk *w, TSNode node, const struct scope *sc, struct ext ext,
                          int level)
{
	struct ext pending = {0};
	TSTreeCursor c;
	int err = 0;

	if (level > MAX_LEVEL)
		return 0;
	c = ts_tree_cursor_new(node);
	if (ts_tree_cursor_goto_first_child(&c)) {
		do {
			TSNode n = ts_tree_cursor_current_node(&c);
			const char *type = ts_node_type(n);

			if (!ts_node_is_named(n) || is_comment(type))
				continue;
			if (braid_syntax__type_in(type, w->lang->leading)) {
				/* Rust attributes belong to the item after them. */
				pending = ext_union(pending, ext_of(n));
				continue;
			}
			err = visit(w, n, sc, ext_union(ext, pending), level + 1);
			pending.set = 0;
		} while (err == 0 && ts_tree_cursor_goto_next_sibling(&c));
	}
	ts_tree_cursor_delete(&c);
	return err;
}

/* `export default <expression>`: the module's "default" symbol. */
static int emit_default(struct walk *w, TSNode value, const struct scope *sc, struct ext e)
{
	braid_buf sig = BRAID_BUF_INIT, q = BRAID_BUF_INIT;
	const char *kind = "variable";
	TSNode params = {0};
	int err;

	if (is_function_value(value)) {
		kind = "function";
		params = field(value, "parameters");
	} else if (!strcmp(ts_node_type(value), "class")) {
		kind = "class";
	}
	if ((err = qualify(&q, sc->prefix, "default")) < 0 ||
	    (err = braid_buf_puts(&sig, q.ptr)) < 0)
		goto done;
	if (!ts_node_is_null(params) &&
	    (err = braid_syntax__params(&sig, w->lang, w->t->src, params)) < 0)
		goto done;
	err = emit(w, q.ptr, kind, &sig, sc, e, 0, 0);
done:
	braid_buf_dispose(&sig);
	braid_buf_dispose(&q);
	return err;
}

/*
 * typedef struct { ... } Foo; (and `struct { ... } x;`): the anonymous
 * specifier's members belong to the declared name. Returns 1 when adopted.
 */
static int adopt(struct walk *w, TSNode type, const char *qualified, const struct scope *sc,
                 int level, int *err)
{
	const struct syn_rule *tr = braid_syntax__rule(w->lang, type);
	struct scope ns;
	TSNode body;

	if (!tr || tr->descend != DS_SCOPE || !(tr->flags & RF_ANON_OK) || !tr->body_field)
		return 0;
	if (!ts_node_is_null(field(type, "name")))
		return 0;
	body = field(type, tr->body_field);
	if (ts_node_is_null(body))
		return 0;
	ns = (struct scope){qualified, sc->depth + 1, (tr->flags & RF_CLASS) != 0, body};
	*err = visit_children(w, body, &ns, (struct ext){0}, level + 1);
	return 1;
}

static int visit_rule(struct walk *w, const struct syn_rule *r, TSNode node, const struct scope *sc,
                      struct ext ext, int level)
{
	struct name stack_names[STACK_NAMES], *names = stack_names;
	braid_buf text = BRAID_BUF_INIT, q = BRAID_BUF_INIT, sig = BRAID_BUF_INIT;
	char *first = NULL;
	TSNode body = {0}, target;
	size_t i, n;
	int err = 0;

	if (r->body_field)
		body = field(node, r->body_field);
	if ((r->flags & RF_NEEDS_BODY) && ts_node_is_null(body))
		return 0; /* `struct foo *p`: a use of the type, not its definition */
	n = find_names(r, node, names, STACK_NAMES);
	if (n > STACK_NAMES) {
		if (!(names = malloc(n * sizeof(*names))))
			return braid_error_set(BRAID_ENOMEM, "out of memory listing symbols");
		find_names(r, node, names, n);
	}
	for (i = 0; i < n; i++) {
		uint32_t ns, ne;
		struct ext range;

		braid_buf_clear(&text);
		braid_buf_clear(&q);
		braid_buf_clear(&sig);
		if ((err = name_text(&text, w, r, &names[i])) < 0)
			goto done;
		if (!text.size)
			continue;
		if (r->flags & RF_GO_RECV) {
			TSNode recv = field(node, "receiver");
			TSNode p = ts_node_is_null(recv) ? recv : braid_syntax__first_named(recv);
			if (!ts_node_is_null(p)) {
				braid_buf base = BRAID_BUF_INIT;
				err = braid_syntax__base_type(&base, w->t->src, field(p, "type"));
				if (err == 0 && base.size)
					err = braid_buf_printf(&q, "%s.", base.ptr);
				braid_buf_dispose(&base);
				if (err < 0)
					goto done;
			}
		}
		if ((err = qualify(&q, sc->prefix, text.ptr)) < 0)
			goto done;
		if ((err = signature(&sig, w, r, node, &names[i], q.ptr)) < 0)
			goto done;
		range = ext_union(ext_of(range_node(r, node, sc)), ext);
		name_range(&names[i], &ns, &ne);
		if ((err = emit(w, q.ptr, kind_of(r, node, sc, &names[i]), &sig, sc, range, ns,
		                ne)) < 0)
			goto done;
		if (!first && !(first = braid_strdup(q.ptr))) {
			err = BRAID_ENOMEM;
			goto done;
		}
	}

	if (r->descend == DS_NONE || (r->body_field && ts_node_is_null(body)))
		goto done;
	target = r->body_field ? body : node;
	if (r->descend == DS_SCOPE) {
		struct scope ns = *sc;

		if (r->body_type && strcmp(ts_node_type(target), r->body_type))
			goto done;
		if (first)
			ns = (struct scope){first, sc->depth + 1, (r->flags & RF_CLASS) != 0,
			                    target};
		else if (r->flags & RF_ANON_OK)
			ns.stop = target;
		else
			goto done;
		err = visit_children(w, target, &ns, (struct ext){0}, level);
	} else if (!first || !(r->flags & RF_ADOPT) || !adopt(w, target, first, sc, level, &err)) {
		if (ts_node_eq(target, node))
			err = visit_children(w, target, sc, (struct ext){0}, level);
		else
			err = visit(w, target, sc, (struct ext){0}, level + 1);
	}
done:
	if (names != stack_names)
		free(names);
	free(first);
	braid_buf_dispose(&text);
	braid_buf_dispose(&q);
	braid_buf_dispose(&sig);
	return err;
}

static int visit(struct walk *w, TSNode node, const struct scope *sc, struct ext ext, int level)
{
	const struct syn_rule *r;

	if (level > MAX_LEVEL)
		return 0;
	r = braid_syntax__rule(w->lang, node);
	if (!r)
		return visit_children(w, node, sc, ext, level);
	if (r->flags & RF_SKIP)
		return 0;
	if (r->flags & RF_WRAPPER) {
		struct ext e = ext_union(ext, ext_of(node));
		TSNode inner = r->body_field ? field(node, r->body_field) : (TSNode){0};

		if (!ts_node_is_null(inner))
			return visit(w, inner, sc, e, level + 1);
		if (r->flags & RF_DEFAULT) {
			TSNode value = field(node, "value");
			if (!ts_node_is_null(value))
				return emit_default(w, value, sc, e);
		}
		return visit_children(w, node, sc, e, level);
	}
	return visit_rule(w, r, node, sc, ext, level);
}

int braid_syntax__collect(struct syn_defs *defs, const braid_syntax_tree *tree)
{
	struct walk w = {tree, tree->lang, defs};
	TSNode root = ts_tree_root_node(tree->tree);
	struct scope top = {NULL, 0, 0, root};
	int err;

	memset(defs, 0, sizeof(*defs));
	if ((err = visit_children(&w, root, &top, (struct ext){0}, 0)) < 0)
		braid_syntax__defs_release(defs);
	return err;
}

void braid_symbol_list_free(braid_symbol_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->count; i++)
		braid_symbol_clear(&list->items[i]);
	free(list->items);
	free(list);
}

int braid_syntax_symbols(braid_symbol_list **out, const braid_syntax_tree *tree)
{
	struct syn_defs defs;
	braid_symbol_list *list;
	size_t i;
	int err;

	BRAID_ASSERT_ARG(out);
	BRAID_ASSERT_ARG(tree);
	if ((err = braid_syntax__collect(&defs, tree)) < 0)
		return err;
	list = calloc(1, sizeof(*list));
	if (list && defs.count) {
		list->items = malloc(defs.count * sizeof(*list->items));
		if (!list->items) {
			free(list);
			list = NULL;
		}
	}
	if (!list) {
		braid_syntax__defs_release(&defs);
		return braid_error_set(BRAID_ENOMEM, "out of memory listing symbols");
	}
	for (i = 0; i < defs.count; i++)
		list->items[i] = defs.items[i].sym; /* moves the strings */
	list->count = defs.count;
	free(defs.items);
	*out = list;
	return 0;
}

/* "User.save" matches "save" and "User.save"; "x.User.save" matches both too. */
static int suffix_match(const char *name, const char *query)
{
	size_t n = strlen(name), m = strlen(query);

	return n > m && name[n - m - 1] == '.' && !strcmp(name + n - m, query);
}

/* Prefer a definition to a prototype or an import of the same name. */
static int weaker(const braid_symbol *a, const braid_symbol *b)
{
	int wa = !strcmp(a->kind, "prototype") || !strcmp(a->kind, "import");
	int wb = !strcmp(b->kind, "prototype") || !strcmp(b->kind, "import");
	return wa > wb;
}

/* Edit distance, bounded: inputs are cut at 64 bytes. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strnlen(a, 64), lb = strnlen(b, 64), i, j;
	size_t row[65];

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* BRAID_ENOTFOUND naming up to five existing symbols, closest first. */
static int not_found(const struct syn_defs *defs, const braid_syntax_tree *tree, const char *query)
{
	size_t best[5], score[5], nbest = 0, i, k;
	braid_buf msg = BRAID_BUF_INIT;
	int err;

	for (i = 0; i < defs->count; i++) {
		const char *name = defs->items[i].sym.name;
		const char *last = strrchr(name, '.');
		size_t d = distance(query, last ? last + 1 : name), d2 = distance(query, name);
		int dup = 0;

		if (d2 < d)
			d = d2;
		if (strstr(name, query))
			d = 0;
		for (k = 0; k < nbest; k++)
			dup |= !strcmp(defs->items[best[k]].sym.name, name);
		if (dup)
			continue;
		if (nbest < 5)
			nbest++;
		else if (d >= score[4])
			continue;
		/* insert keeping `score` sorted, ties in source order */
		for (k = nbest - 1; k > 0 && score[k - 1] > d; k--) {
			best[k] = best[k - 1];
			score[k] = score[k - 1];
		}
		best[k] = i;
		score[k] = d;
	}
	err = braid_buf_printf(&msg, "no symbol '%s' in %s source", query, tree->lang->name);
	for (k = 0; err == 0 && k < nbest; k++)
		err = braid_buf_printf(&msg, "%s%s",
		                       k ? ", " : "; known: ", defs->items[best[k]].sym.name);
	if (err == 0 && !nbest)
		err = braid_buf_puts(&msg, "; it defines no symbols");
	if (err == 0)
		err = braid_error_set(BRAID_ENOTFOUND, "%s", msg.ptr);
	braid_buf_dispose(&msg);
	return err;
}

static int ambiguous(const struct syn_defs *defs, const char *query)
{
	braid_buf msg = BRAID_BUF_INIT;
	size_t i, shown = 0;
	int err;

	err = braid_buf_printf(&msg, "symbol '%s' is ambiguous:", query);
	for (i = 0; err == 0 && i < defs->count && shown < 5; i++) {
		if (!suffix_match(defs->items[i].sym.name, query))
			continue;
		err = braid_buf_printf(&msg, "%s %s", shown ? "," : "", defs->items[i].sym.name);
		shown++;
	}
	if (err == 0)
		err = braid_buf_puts(&msg, "; use the qualified name");
	if (err == 0)
		err = braid_error_set(BRAID_ENOTFOUND, "%s", msg.ptr);
	braid_buf_dispose(&msg);
	return err;
}

static int copy_symbol(braid_symbol *out, const braid_symbol *s)
{
	braid_symbol c = *s;

	c.name = braid_strdup(s->name);
	c.kind = braid_strdup(s->kind);
	c.signature = braid_strdup(s->signature);
	if (!c.name || !c.kind || !c.signature) {
		braid_symbol_clear(&c);
		return braid_error_set(BRAID_ENOMEM, "out of memory copying a symbol");
	}
	*out = c;
	return 0;
}

struct match {
	const braid_symbol *exact, *partial;
	int ambiguous; /* two different names end in the query */
};

static void match_query(struct match *m, const struct syn_defs *defs, const char *query)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < defs->count; i++) {
		const braid_symbol *s = &defs->items[i].sym;

		if (!strcmp(s->name, query) || !strcmp(s->signature, query)) {
			if (!m->exact || weaker(m->exact, s))
				m->exact = s;
		} else if (suffix_match(s->name, query)) {
			if (m->partial && strcmp(m->partial->name, s->name))
				m->ambiguous = 1;
			else if (!m->partial || weaker(m->partial, s))
				m->partial = s;
		}
	}
}

int braid_syntax_find_symbol(braid_symbol *out, const braid_syntax_tree *tree,
                             const char *qualified)
{
	braid_buf dotted = BRAID_BUF_INIT;
	struct syn_defs defs;
	struct match m;
	const char *p;
	int err;

	BRAID_ASSERT_ARG(out);
	BRAID_ASSERT_ARG(tree);
	BRAID_ASSERT_ARG(qualified);
	if ((err = braid_syntax__collect(&defs, tree)) < 0)
		return err;
	match_query(&m, &defs, qualified);
	if (!m.exact && !m.partial && !m.ambiguous && strstr(qualified, "::")) {
		/* C++/Rust spelling: "Server::start" is "Server.start" here */
		for (p = qualified; *p && err == 0; p++) {
			if (p[0] == ':' && p[1] == ':')
				err = braid_buf_putc(&dotted, '.'), p++;
			else
				err = braid_buf_putc(&dotted, *p);
		}
		if (err < 0)
			goto done;
		match_query(&m, &defs, dotted.ptr);
	}
	if (m.exact)
		err = copy_symbol(out, m.exact);
	else if (m.ambiguous)
		err = ambiguous(&defs, dotted.size ? dotted.ptr : qualified);
	else if (m.partial)
		err = copy_symbol(out, m.partial);
	else
		err = not_found(&defs, tree, qualified);
done:
	braid_buf_dispose(&dotted);
	braid_syntax__defs_release(&defs);
	return err;
}
