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
	char *name;                 /**< the referenced identifier */
	char *enclosing;            /**< qualified name of the definition containing it, or NULL at top level */
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

#ifdef __cplusplus
}
#endif
#endif
