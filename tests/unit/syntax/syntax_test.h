/*
 * syntax_test.h: helpers shared by the syntax unit tests: parse-or-fail,
 * a one-line-per-symbol listing to compare against, and checks on where a
 * symbol's range starts and which names a definition references.
 */
#ifndef BRAID_TEST_SYNTAX_H
#define BRAID_TEST_SYNTAX_H

#include "common.h"
#include "harness.h"
#include "braid/syntax.h"
#include "util/buf.h"

static inline braid_syntax_tree *parse_ok(const char *lang, const char *src)
{
	braid_syntax_tree *t = NULL;

	CHECK_OK(braid_syntax_parse(&t, lang, src, strlen(src)));
	CHECK(t != NULL);
	return t;
}

/* "name kind Lstart-end" per symbol, indented two spaces per depth. */
static inline char *listing(const braid_syntax_tree *t)
{
	braid_symbol_list *l = NULL;
	braid_buf b = BRAID_BUF_INIT;
	size_t i;

	CHECK_OK(braid_syntax_symbols(&l, t));
	for (i = 0; i < l->count; i++) {
		const braid_symbol *s = &l->items[i];
		CHECK(s->depth >= 0 && s->start_byte <= s->end_byte);
		CHECK_OK(braid_buf_printf(&b, "%*s%s %s L%zu-%zu\n", s->depth * 2, "", s->name,
		                          s->kind, s->start_line, s->end_line));
	}
	braid_symbol_list_free(l);
	return braid_buf_detach(&b);
}

#define CHECK_LISTING(tree, expected)                                                              \
	do {                                                                                       \
		char *got_ = listing(tree);                                                        \
		CHECK_STR(got_, expected);                                                         \
		free(got_);                                                                        \
	} while (0)

/* find_symbol(name) succeeds with `kind`, and its range starts with `prefix`. */
#define CHECK_SYMBOL(tree, src, name_, kind_, prefix_)                                             \
	do {                                                                                       \
		braid_symbol s_ = {0};                                                             \
		CHECK_OK(braid_syntax_find_symbol(&s_, (tree), (name_)));                          \
		CHECK_STR(s_.kind, (kind_));                                                       \
		CHECK(s_.end_byte <= strlen(src));                                                 \
		CHECK_MEM((src) + s_.start_byte, strlen(prefix_), (prefix_), strlen(prefix_));     \
		braid_symbol_clear(&s_);                                                           \
	} while (0)

/* The symbol's text [start, end) is exactly `text`. */
#define CHECK_SYMBOL_TEXT(tree, src, name_, text_)                                                 \
	do {                                                                                       \
		braid_symbol s_ = {0};                                                             \
		CHECK_OK(braid_syntax_find_symbol(&s_, (tree), (name_)));                          \
		CHECK_MEM((src) + s_.start_byte, s_.end_byte - s_.start_byte, (text_),             \
		          strlen(text_));                                                          \
		braid_symbol_clear(&s_);                                                           \
	} while (0)

#define CHECK_SIGNATURE(tree, name_, sig_)                                                         \
	do {                                                                                       \
		braid_symbol s_ = {0};                                                             \
		CHECK_OK(braid_syntax_find_symbol(&s_, (tree), (name_)));                          \
		CHECK_STR(s_.signature, (sig_));                                                   \
		braid_symbol_clear(&s_);                                                           \
	} while (0)

/* The distinct names referenced inside `enclosing`, comma-separated, in order. */
static inline char *refs_in(const braid_syntax_tree *t, const char *enclosing)
{
	braid_reference_list *l = NULL;
	braid_buf b = BRAID_BUF_INIT;
	size_t i;

	CHECK_OK(braid_syntax_references(&l, t));
	for (i = 0; i < l->count; i++) {
		const braid_reference *r = &l->items[i];
		char needle[256];

		CHECK(r->start_byte < r->end_byte);
		if (enclosing ? !r->enclosing || strcmp(r->enclosing, enclosing) : !!r->enclosing)
			continue;
		snprintf(needle, sizeof(needle), ",%s,", r->name);
		if (b.size) {
			/* dedupe: look for ",name," in ",a,b," */
			braid_buf probe = BRAID_BUF_INIT;
			int seen;
			CHECK_OK(braid_buf_printf(&probe, ",%s,", b.ptr));
			seen = strstr(probe.ptr, needle) != NULL;
			braid_buf_dispose(&probe);
			if (seen)
				continue;
			CHECK_OK(braid_buf_putc(&b, ','));
		}
		CHECK_OK(braid_buf_puts(&b, r->name));
	}
	braid_reference_list_free(l);
	return braid_buf_detach(&b);
}

#define CHECK_REFS(tree, enclosing, expected)                                                      \
	do {                                                                                       \
		char *got_ = refs_in((tree), (enclosing));                                         \
		CHECK_STR(got_, expected);                                                         \
		free(got_);                                                                        \
	} while (0)

#endif
