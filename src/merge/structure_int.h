/*
 * structure_int.h: the structural and semantic tiers (tiers 2 and 3), private
 * to src/merge. structure.c cuts each side into containers and elements with
 * the syntax module and merges element lists three-way; struct_lang.c says
 * which node types are containers in each language; tokens.c cuts elements
 * into tokens for the token-level merge and for carrying renames. Pure: no
 * I/O, buffers in, text and regions out.
 */
#ifndef BRAID_MERGE_STRUCTURE_INT_H
#define BRAID_MERGE_STRUCTURE_INT_H

#include "merge/merge_int.h"
#include "braid/syntax.h"

/* Container flags. */
#define CS_ROOT      0x01 /* the file's top level: inner range is the whole file */
#define CS_SEPARATED 0x02 /* elements are separated by "," (or ";") tokens */
#define CS_GUARD     0x04 /* only an include guard (#ifndef X / #define X ... #endif) */
#define CS_DELIMITED 0x08 /* a container only when it has "(" ... ")" (Go groups) */

struct braid_merge__cspec {
	const char *lang;
	const char *type;        /* node type */
	const char *parent;      /* only under a parent of this type (NULL: any) */
	const char *elem_field;  /* only children in this field are elements (NULL: all named) */
	const char *after_field; /* the inner range starts after the child in this field */
	const char *stop_type;   /* a child of this type ends the list */
	unsigned flags;
};

const struct braid_merge__cspec *braid_merge__cspec_root(const char *lang);
/* The container row for `node`, or NULL when its children do not commute. */
const struct braid_merge__cspec *braid_merge__cspec_for(const char *lang, braid_syntax_node node);
/* 1 for a sibling type that belongs to the element after it (Rust `#[...]`). */
int braid_merge__leading_type(const char *type);
/* 1 when the language overloads functions (additions clash by full signature). */
int braid_merge__lang_overloads(const char *lang);

/* tokens.c: an element's text [start, end) of a version, cut into tokens. */
typedef struct braid_merge__toks {
	const char *buf; /* the version's source + start (borrowed) */
	size_t len;
	size_t n;            /* tokens */
	size_t *off;         /* n + 1 boundaries, relative to buf */
	unsigned char *kind; /* per token: TOK_* */
} braid_merge__toks;

#define TOK_TEXT  0 /* punctuation, literals, keywords */
#define TOK_SPACE 1 /* a run of whitespace between tokens */
#define TOK_IDENT 2 /* a plain identifier (a variable, function or type name) */
#define TOK_FIELD 3 /* a member name: field_identifier, property_identifier */
#define TOK_EXTRA 4 /* a comment */

/* Tokens of src[start, end): the leaves of `nodes` inside it, gaps as TOK_SPACE. */
int braid_merge__tokenize(braid_merge__toks *t, const char *src, size_t start, size_t end,
                          const braid_syntax_node *nodes, size_t nnodes) BRAID_WARN_UNUSED;
void braid_merge__toks_release(braid_merge__toks *t);

/* A rename one side made: `old` became `new` (qualified names and short names). */
typedef struct braid_merge__rename {
	char *old_q, *new_q;
	const char *old_s, *new_s; /* last components, inside old_q/new_q */
	int member;                /* a member (method, field): member names are rewritten too */
	size_t carried;            /* references rewritten so far */
} braid_merge__rename;

/*
 * Rewrite, in `side`'s tokens, the identifiers equal to a renamed old name
 * that `side` added relative to `base` (every one when base is NULL) to the
 * new name. Appends the result to `out`; *n gets the number rewritten.
 * `newoff` (NULL, or side->n + 1 entries) receives the token boundaries in
 * the rewritten text, relative to where it starts in `out`.
 */
int braid_merge__carry_renames(braid_buf *out, size_t *n, size_t *newoff,
                               const braid_merge__toks *base, const braid_merge__toks *side,
                               braid_merge__rename *ren, size_t nren) BRAID_WARN_UNUSED;

/* What the structural tier made of a file. */
typedef struct braid_merge__sresult {
	braid_buf merged;             /* with diff3-style markers when not clean */
	braid_merge__regions regions; /* every region touched, in base order */
	int clean;
	int tier;   /* 2, or 3 when a semantic rule was used */
	char *note; /* rewrite note (renames carried), or NULL */
	/*
	 * Symbols of ours and theirs when they were parsed (also when the
	 * tier declined), for braid_merge__annotate; `parsed` says whether
	 * they are known (a NULL list then means none). Owned.
	 */
	braid_symbol_list *syms[2];
	int parsed;
} braid_merge__sresult;

/*
 * The structural tier on a file all three sides have and both changed, in
 * `lang`. Returns 1 (and leaves *res empty but for `syms`: release it) when
 * structure does not apply
 * (a side does not parse, a container was reordered, the result would not
 * parse and no region could be blamed, ...): the caller keeps the line
 * tier's answer. `tier` is 2 (structure) or 3 (also semantic rules).
 */
int braid_merge__structure(braid_merge__sresult *res, const braid_merge_input *in, const char *lang,
                           int tier, const braid_merge__lines_opts *o) BRAID_WARN_UNUSED;
void braid_merge__sresult_release(braid_merge__sresult *res);

/*
 * Name the symbols around the conflicting regions of a line-tier result
 * (innermost definitions of ours and theirs overlapping each region).
 * `pre` (may be NULL) gives the symbols the structural tier already
 * found; else ours and theirs are parsed here.
 */
int braid_merge__annotate(braid_merge__regions *regions, const braid_merge_input *in,
                          const char *lang, const braid_merge__sresult *pre) BRAID_WARN_UNUSED;

#endif
