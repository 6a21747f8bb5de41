/*
 * parse.c: buffers in, trees out. Owns the braid_syntax_tree lifecycle,
 * the input size cap, the parse deadline (tree-sitter's progress callback,
 * so a pathological buffer cannot hang a caller) and the count of error
 * nodes, taken once at parse time.
 *
 * tree-sitter's own allocator aborts when memory runs out; braid does not
 * replace it, so ENOMEM here only covers braid's allocations.
 */
#include "syntax/syntax_int.h"

#include <time.h>

/* Parse budget: a base plus a per-MiB allowance, far above real parse times. */
#define PARSE_BASE_MS    5000
#define PARSE_PER_MIB_MS 1000

struct input {
	const char *src;
	size_t len;
};

struct deadline {
	struct timespec end;
	int expired;
};

static const char *read_input(void *payload, uint32_t byte, TSPoint pos, uint32_t *n)
{
	const struct input *in = payload;

	BRAID_UNUSED(pos);
	if (byte >= in->len) {
		*n = 0;
		return "";
	}
	*n = (uint32_t)(in->len - byte);
	return in->src + byte;
}

static int past(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > end->tv_sec ||
	       (now.tv_sec == end->tv_sec && now.tv_nsec >= end->tv_nsec);
}

static bool progress(TSParseState *state)
{
	struct deadline *d = state->payload;

	/* tree-sitter calls this every 100 parse operations; the clock is cheap. */
	if (past(&d->end))
		d->expired = 1;
	return d->expired; /* true cancels the parse */
}

static size_t count_errors(TSNode root)
{
	TSTreeCursor c;
	size_t n = 0;

	if (!ts_node_has_error(root))
		return 0;
	c = ts_tree_cursor_new(root);
	for (;;) {
		TSNode node = ts_tree_cursor_current_node(&c);

		if (ts_node_is_error(node) || ts_node_is_missing(node))
			n++;
		/* Only subtrees that hold an error are worth entering. */
		if (ts_node_has_error(node) && ts_tree_cursor_goto_first_child(&c))
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&c))
			if (!ts_tree_cursor_goto_parent(&c))
				goto done;
	}
done:
	ts_tree_cursor_delete(&c);
	return n;
}

int braid_syntax_parse(braid_syntax_tree **out, const char *lang, const char *src, size_t len)
{
	return braid_syntax__parse_budget(out, lang, src, len, 0);
}

int braid_syntax__parse_budget(braid_syntax_tree **out, const char *lang, const char *src,
                               size_t len, uint64_t budget_ms)
{
	const struct syn_lang *l;
	braid_syntax_tree *t = NULL;
	TSParser *parser = NULL;
	struct input in;
	struct deadline dl = {0};
	TSParseOptions opts;
	TSInput input;
	int err = 0;

	BRAID_ASSERT_ARG(out);
	BRAID_ASSERT_ARG(src || len == 0);
	if (!lang || !(l = braid_syntax__lang(lang)))
		return braid_error_set(BRAID_EINVALID,
		                       "no grammar for language '%s'; compare it as text",
		                       lang ? lang : "(null)");
	if (len > BRAID_SYNTAX_MAX_INPUT)
		return braid_error_set(
		    BRAID_EINVALID,
		    "%zu bytes of %s is over the %u MiB syntax limit; compare it "
		    "as text",
		    len, lang, BRAID_SYNTAX_MAX_INPUT >> 20);

	if (!(t = calloc(1, sizeof(*t))) || !(t->src = malloc(len + 1))) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory parsing %zu bytes", len);
		goto done;
	}
	if (len)
		memcpy(t->src, src, len);
	t->src[len] = '\0';
	t->len = len;
	t->lang = l;

	if (!(parser = ts_parser_new())) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory creating a parser");
		goto done;
	}
	if (!ts_parser_set_language(parser, l->language())) {
		err = braid_error_set(BRAID_ERROR, "the %s grammar does not fit this tree-sitter",
		                      l->name);
		goto done;
	}
	if (!budget_ms)
		budget_ms = PARSE_BASE_MS + (uint64_t)PARSE_PER_MIB_MS * (len >> 20);
	clock_gettime(CLOCK_MONOTONIC, &dl.end);
	dl.end.tv_sec += (time_t)(budget_ms / 1000);
	dl.end.tv_nsec += (long)(budget_ms % 1000) * 1000000L;
	if (dl.end.tv_nsec >= 1000000000L) {
		dl.end.tv_sec++;
		dl.end.tv_nsec -= 1000000000L;
	}
	in = (struct input){t->src, len};
	input = (TSInput){&in, read_input, TSInputEncodingUTF8, NULL};
	opts = (TSParseOptions){&dl, progress};
	t->tree = ts_parser_parse_with_options(parser, NULL, input, opts);
	if (!t->tree) {
		if (dl.expired)
			err = braid_error_set(BRAID_EBUSY,
			                      "parsing %zu bytes of %s took over %llu ms; compare "
			                      "it as text",
			                      len, l->name, (unsigned long long)budget_ms);
		else
			err =
			    braid_error_set(BRAID_ERROR, "tree-sitter could not parse %s", l->name);
		goto done;
	}
	t->errors = count_errors(ts_tree_root_node(t->tree));
	*out = t;
	t = NULL;
done:
	if (parser)
		ts_parser_delete(parser);
	braid_syntax_tree_free(t);
	return err;
}

void braid_syntax_tree_free(braid_syntax_tree *tree)
{
	if (!tree)
		return;
	if (tree->tree)
		ts_tree_delete(tree->tree);
	free(tree->src);
	free(tree);
}

size_t braid_syntax_error_count(const braid_syntax_tree *tree)
{
	return tree ? tree->errors : 0;
}

const char *braid_syntax_tree_language(const braid_syntax_tree *tree)
{
	return tree ? tree->lang->name : NULL;
}
