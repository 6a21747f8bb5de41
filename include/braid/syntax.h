/*
 * syntax.h: languages and symbols, from tree-sitter. Pure: buffers in,
 * trees, symbols and byte ranges out; no file is ever opened here.
 *
 * Languages compiled in: c, cpp, python, javascript, typescript, tsx, go,
 * rust, java, json. A path whose language is unknown, or a buffer that does
 * not parse, is the caller's cue to fall back to the line level.
 */
#ifndef BRAID_SYNTAX_H
#define BRAID_SYNTAX_H

#include "braid/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The language of a repository-relative path by its extension ("c" for .c
 * and .h, "cpp", "python", "javascript", "typescript", "tsx", "go", "rust",
 * "java", "json"), or NULL when braid has no grammar for it.
 */
const char *braid_syntax_language_for_path(const char *path);

/** 1 when `lang` is one of the compiled-in languages. */
int braid_syntax_has_language(const char *lang);

/** A parsed buffer. Opaque; borrows nothing (the source is copied). */
typedef struct braid_syntax_tree braid_syntax_tree;

/**
 * Parse `src` as `lang`.
 *
 * @param[out] out  the tree, owned by the caller (braid_syntax_tree_free).
 * @return 0 (even when the tree has error nodes), BRAID_EINVALID for an
 *         unknown language or a buffer over 64 MiB, BRAID_EBUSY when parsing
 *         outruns its time budget (5 s plus 1 s per MiB), BRAID_ENOMEM.
 *         (tree-sitter itself aborts the process if its own allocations fail.)
 */
int braid_syntax_parse(braid_syntax_tree **out, const char *lang, const char *src,
                       size_t len) BRAID_WARN_UNUSED;

void braid_syntax_tree_free(braid_syntax_tree *tree);

/** The language the tree was parsed as ("c", "python", ...); borrowed, static. */
const char *braid_syntax_tree_language(const braid_syntax_tree *tree);

/** Number of ERROR and MISSING nodes in the tree (0 for a clean parse). */
size_t braid_syntax_error_count(const braid_syntax_tree *tree);

/** A definition found in a tree. */
typedef struct braid_symbol {
	/**
	 * Qualified name, "." between every level in every language: "db_open",
	 * "User.save", "ns.Server.start" (C++ `ns::Server::start`), "Handler.ServeHTTP"
	 * (a Go method on its receiver type), "dependencies.left-pad" (JSON keys).
	 */
	char *name;
	/**
	 * Kind: "function", "method", "constructor", "class", "struct", "union", "enum",
	 * "interface", "trait", "impl", "record", "type", "typedef", "namespace",
	 * "module", "package", "variable", "constant", "prototype" (a declaration
	 * without a body), "field", "enumerator", "macro", "import", "key" (JSON).
	 */
	char *kind;
	/**
	 * Signature used to tell overloads apart: qualified name plus parameter
	 * types where the language has them ("f(int,char*)"), parameter names
	 * where it has not ("User.save(self,force)"); the name alone for
	 * non-callables. Per-language details in src/syntax/lang.c.
	 */
	char *signature;
	/**
	 * Byte range [start, end) in the source. It includes what wraps or
	 * decorates the definition: Python decorators, Java annotations, Rust
	 * `#[...]` attributes, `export`, `template <...>`, `declare`, and for a
	 * lone Go spec or JS declarator its `type`/`const` keyword and `;`.
	 * Comments before a definition are not included.
	 */
	size_t start_byte, end_byte;
	/** 0-based lines [start_line, end_line] (inclusive end line). */
	size_t start_line, end_line;
	/**
	 * Depth: 0 for top-level, 1 for a member of a top-level class/struct, ...
	 * Syntactic: a Go method or a C++ `A::f` defined outside its type is 0.
	 */
	int depth;
} braid_symbol;

/** A list of symbols, owned by the caller (braid_symbol_list_free). */
typedef struct braid_symbol_list {
	braid_symbol *items;
	size_t count;
} braid_symbol_list;

void braid_symbol_list_free(braid_symbol_list *list);

/**
 * Every definition in the tree, in source order, nested members after their
 * container. Bodies of functions are not entered: locals are not symbols.
 *
 * @param[out] out  the list, owned by the caller (braid_symbol_list_free).
 * @return 0 or BRAID_ENOMEM.
 */
int braid_syntax_symbols(braid_symbol_list **out, const braid_syntax_tree *tree) BRAID_WARN_UNUSED;

/**
 * Find the definition named `qualified` ("db_open", "User.save"). An exact
 * match wins; otherwise a name that ends in "." + `qualified` ("save" for
 * "User.save") when only one such name exists. Among symbols sharing the
 * name, a definition is preferred to a prototype or an import, else the
 * first in source order wins; a signature ("User.save(int)") picks one
 * overload exactly. "::" is read as "." when nothing matches as spelled
 * ("Server::start").
 *
 * @param[out] out  a copy of the symbol; free its strings with braid_symbol_clear.
 * @return 0, or BRAID_ENOTFOUND with a message listing up to five close names
 *         (or the candidates when the short name is ambiguous).
 */
int braid_syntax_find_symbol(braid_symbol *out, const braid_syntax_tree *tree,
                             const char *qualified) BRAID_WARN_UNUSED;

void braid_symbol_clear(braid_symbol *sym);

/** An identifier use: a name referenced (called, read, typed) somewhere in the tree. */
typedef struct braid_reference {
	char *name; /**< the referenced identifier */
	/** qualified name of the definition containing it, or NULL at top level */
	char *enclosing;
	size_t start_byte, end_byte;
} braid_reference;

typedef struct braid_reference_list {
	braid_reference *items;
	size_t count;
} braid_reference_list;

void braid_reference_list_free(braid_reference_list *list);

/**
 * Every identifier reference (not definitions' own names), in source order:
 * calls, reads, writes, member names and type uses. Parameters and most
 * locals are bindings, not uses, and are left out; loop variables and
 * Python assignment targets are listed.
 *
 * @param[out] out  the list, owned by the caller (braid_reference_list_free).
 * @return 0 or BRAID_ENOMEM.
 */
int braid_syntax_references(braid_reference_list **out,
                            const braid_syntax_tree *tree) BRAID_WARN_UNUSED;

/*
 * Node walking: a read-only view of the tree for callers that need the
 * shape of the source, not only its symbols (the merge module's structural
 * tier). Nodes are small values valid while their tree lives; tree-sitter's
 * types stay behind this API.
 */

/** A node of a parsed tree. Copy it freely; it borrows from its tree. */
typedef struct braid_syntax_node {
	uint32_t opaque_ctx_[4];
	const void *opaque_id_;
	const void *opaque_tree_;
} braid_syntax_node;

/** The tree's root node. */
braid_syntax_node braid_syntax_tree_root(const braid_syntax_tree *tree);

/** The tree's copy of its source (NUL-terminated; borrowed). `len` may be NULL. */
const char *braid_syntax_tree_source(const braid_syntax_tree *tree, size_t *len);

/** 1 for the null node (a missing field, the parent of the root). */
int braid_syntax_node_is_null(braid_syntax_node node);

/** The grammar's type name ("function_definition", "{"); borrowed, static. */
const char *braid_syntax_node_type(braid_syntax_node node);

/** 1 for a named node (a rule), 0 for an anonymous token such as "," or "{". */
int braid_syntax_node_is_named(braid_syntax_node node);

/** 1 for an extra: comments and the like, which may appear anywhere. */
int braid_syntax_node_is_extra(braid_syntax_node node);

/** 1 when the node is, or contains, an ERROR or MISSING node. */
int braid_syntax_node_has_error(braid_syntax_node node);

/** Byte range [start, end) of the node in the source. */
size_t braid_syntax_node_start(braid_syntax_node node);
size_t braid_syntax_node_end(braid_syntax_node node);

/** The child in `field` ("name", "body"), or the null node. */
braid_syntax_node braid_syntax_node_field(braid_syntax_node node, const char *field);

/** The node's parent, or the null node for the root. */
braid_syntax_node braid_syntax_node_parent(braid_syntax_node node);

/** One child with the field it sits in (NULL when none; borrowed, static). */
typedef struct braid_syntax_child {
	braid_syntax_node node;
	const char *field;
} braid_syntax_child;

/**
 * Every child of `node`, named or not, extras included, in source order.
 *
 * @param[out] out   malloc'd array owned by the caller (free()); NULL when none.
 * @param[out] nout  number of children.
 * @return 0 or BRAID_ENOMEM.
 */
int braid_syntax_node_children(braid_syntax_child **out, size_t *nout,
                               braid_syntax_node node) BRAID_WARN_UNUSED;

/** A token of the source: a leaf of the tree with a non-empty range. */
typedef struct braid_syntax_leaf {
	size_t start, end;
	const char *type; /**< the leaf's type; borrowed, static */
	int identifier;   /**< 1 when the type names an identifier of any sort */
	int extra;        /**< 1 for a comment (or another extra) */
} braid_syntax_leaf;

/**
 * The leaves of `node` in source order (zero-width MISSING leaves left out).
 *
 * @param[out] out   malloc'd array owned by the caller (free()); NULL when none.
 * @param[out] nout  number of leaves.
 * @return 0 or BRAID_ENOMEM.
 */
int braid_syntax_node_leaves(braid_syntax_leaf **out, size_t *nout,
                             braid_syntax_node node) BRAID_WARN_UNUSED;

/**
 * Byte ranges of the ERROR and MISSING nodes of the tree, in source order,
 * as pairs (start, end): out[2k], out[2k + 1].
 *
 * @param[out] out   malloc'd array owned by the caller (free()); NULL when none.
 * @param[out] nout  number of ranges (pairs).
 * @return 0 or BRAID_ENOMEM.
 */
int braid_syntax_error_ranges(size_t **out, size_t *nout,
                              const braid_syntax_tree *tree) BRAID_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
