/*
 * syntax_int.h: private to src/syntax. The parsed-tree struct, the
 * per-language tables that drive symbol extraction (one row per node type
 * that defines something), and the node-text helpers the walkers share.
 * tree-sitter types never leave this module.
 */
#ifndef BRAID_SYNTAX_INT_H
#define BRAID_SYNTAX_INT_H

#include "common.h"

#include <tree_sitter/api.h>

#include "braid/syntax.h"
#include "util/buf.h"

/** Largest buffer braid_syntax_parse accepts. */
#define BRAID_SYNTAX_MAX_INPUT (64u * 1024u * 1024u)

/** How a rule finds the name(s) of what a node defines. */
enum syn_name_mode {
	NM_FIELD,      /* every child in field `name_field` (then `name_sub` if set) */
	NM_DECLARATOR, /* every child in field `name_field`, followed down C declarators */
	NM_SELF,       /* the node itself is the name */
	NM_SPAN,       /* normalized text of `name_field` (or first..last named child) */
	NM_TYPE,       /* base type name of `name_field` ("Point" for `&mut Point<T>`) */
};

/** Where a rule looks for further definitions inside its node. */
enum syn_descend {
	DS_NONE,  /* nowhere: bodies of functions hold no symbols */
	DS_SCOPE, /* in `body_field`, members qualified by this symbol's name */
	DS_SAME,  /* in `body_field` (or everywhere), at the current scope */
};

enum syn_sig_mode {
	SIG_NAME,   /* the qualified name alone */
	SIG_PARAMS, /* name + "(" parameters ")" as the language's param mode says */
	SIG_IMPL,   /* Rust: "impl Trait for Type" */
};

enum syn_param_mode {
	PM_C,     /* C/C++: parameter declarations minus the declared name */
	PM_TYPES, /* the `type` field of each parameter (Java, Rust, TypeScript) */
	PM_GO,    /* Go: the type once per declared name */
	PM_NAMES, /* untyped languages: each parameter up to its default value */
};

/* Rule flags. */
#define RF_CLASS       0x0001 /* a class-like scope: functions in it become member_kind */
#define RF_NEEDS_BODY  0x0002 /* only a definition when `body_field` is present */
#define RF_ANON_OK     0x0004 /* no name: no symbol, but still descend at the current scope */
#define RF_WRAPPER     0x0008 /* not a symbol: lends its range to the definitions inside */
#define RF_SKIP        0x0010 /* not a symbol and nothing inside is either */
#define RF_C_DECL      0x0020 /* kind "prototype" when the declarator declares a function */
#define RF_ADOPT       0x0040 /* typedef: an anonymous struct in `body_field` takes our name */
#define RF_CLIMB       0x0080 /* range grows to parents that hold only this node */
#define RF_IDENT_NAME  0x0100 /* the name node must be a plain identifier */
#define RF_QUAL_METHOD 0x0200 /* a qualified name (C++ `A::f`) makes it member_kind */
#define RF_GO_RECV     0x0400 /* Go method: qualify by the receiver's base type */
#define RF_JS_VALUE    0x0800 /* JS declarator: kind from the value (function, class) */
#define RF_GO_TYPE     0x1000 /* Go type_spec: kind from the type (struct, interface) */
#define RF_DEFAULT     0x2000 /* JS export: `export default <expr>` defines "default" */
#define RF_TYPE_NAME   0x4000 /* no name: named by the base of its `type` (Go embedding) */

struct syn_rule {
	const char *type;        /* node type the rule applies to */
	const char *parent;      /* only when the parent has this type (NULL: any) */
	const char *kind;        /* kind of the symbol (NULL for wrappers/skips) */
	const char *member_kind; /* kind inside a RF_CLASS scope (NULL: `kind`) */
	unsigned char name_mode; /* enum syn_name_mode */
	const char *name_field;
	const char *name_sub;   /* NM_FIELD: a field of the name child holding the name */
	unsigned char descend;  /* enum syn_descend */
	const char *body_field; /* DS_SCOPE/DS_SAME/RF_WRAPPER: where to look (NULL: all) */
	const char *body_type;  /* DS_SCOPE: only when the body has this type (NULL: any) */
	unsigned char sig;      /* enum syn_sig_mode */
	unsigned flags;
};

struct syn_lang {
	const char *name;
	const TSLanguage *(*language)(void);
	const struct syn_rule *rules;
	size_t nrules;
	unsigned char param_mode;    /* enum syn_param_mode */
	const char *const *idents;   /* node types that are identifier uses (NULL-terminated) */
	const char *const *leading;  /* sibling types that attach to the next definition */
	const char *const *bindings; /* "parent.field" slots where an identifier is a binding */
};

struct braid_syntax_tree {
	const struct syn_lang *lang;
	TSTree *tree;
	char *src;
	size_t len;
	size_t errors;
};

/* parse.c */

/** braid_syntax_parse with a parse budget in ms (0: the default, which grows with `len`). */
int braid_syntax__parse_budget(braid_syntax_tree **out, const char *lang, const char *src,
                               size_t len, uint64_t budget_ms) BRAID_WARN_UNUSED;

/* lang.c */
const struct syn_lang *braid_syntax__lang(const char *name);
const struct syn_lang *braid_syntax__lang_at(size_t i);
const struct syn_rule *braid_syntax__rule(const struct syn_lang *lang, TSNode node);
int braid_syntax__type_in(const char *type, const char *const *list);
/** 1 when an identifier in `field` (NULL: none) of a `parent` node declares a local. */
int braid_syntax__is_binding(const struct syn_lang *lang, const char *parent, const char *field);

/* node.c: text of nodes; every function returns 0 or BRAID_ENOMEM. */

/** Append the node's tokens, comments dropped, whitespace kept only between words. */
int braid_syntax__tokens(braid_buf *out, const char *src, TSNode node, TSNode skip);
/** Append the name a node spells: strings unquoted, `A::B` and `a.b` as "A.B". */
int braid_syntax__name(braid_buf *out, const char *src, TSNode node);
/** Append the base type name: "Point" for `*Point`, `&mut Point<T>`, `pkg.Point`. */
int braid_syntax__base_type(braid_buf *out, const char *src, TSNode node);
/** The identifier a C declarator declares; `*fn` gets the function declarator, if any. */
TSNode braid_syntax__c_declarator_name(TSNode decl, TSNode *fn);
/** The first named child that is not a comment (a null node when none). */
TSNode braid_syntax__first_named(TSNode node);
/** Append "(" parameters ")" for `params` as the language's mode says. */
int braid_syntax__params(braid_buf *out, const struct syn_lang *lang, const char *src,
                         TSNode params);

/* symbols.c: the walk shared by symbols and references. */

/** A symbol plus the byte range of the node that named it. */
struct syn_def {
	braid_symbol sym;
	uint32_t name_start, name_end;
};

struct syn_defs {
	struct syn_def *items;
	size_t count, alloc;
};

int braid_syntax__collect(struct syn_defs *defs, const braid_syntax_tree *tree);
void braid_syntax__defs_release(struct syn_defs *defs);

#endif
