/*
 * symidx.h: the repository symbol index, for incremental verification and
 * for telling independent submissions apart. For every file braid has a
 * grammar for (syntax.h) it records the definitions (qualified name, kind,
 * hash of their text) and the references (identifier, enclosing
 * definition). The index is keyed by blob id, not by path or commit: a
 * file is parsed once per content, so keeping it current as changes land
 * costs only the files they changed, and it answers for any tree,
 * speculative merged trees included.
 *
 * Dependencies are by name: a reference to `add` depends on every
 * definition whose last name component is `add`. That over-approximates
 * (more tests run, never fewer), which is the safe direction for a gate.
 */
#ifndef BRAID_SYMIDX_H
#define BRAID_SYMIDX_H

#include <git2.h>

#include "braid/ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A symbol of one file. */
typedef struct braid_symidx_sym {
	char *file; /**< repository-relative path */
	char *name; /**< qualified name ("User.save"), or NULL for the file's top level */
	char *kind; /**< definition kind, "reference" for a top-level use */
} braid_symidx_sym;

/** What changed between two trees and what depends on it. */
typedef struct braid_symidx_diff {
	char **files; /**< changed paths (both sides of a rename) */
	size_t nfiles;
	braid_symidx_sym *changed; /**< definitions added, removed or edited */
	size_t nchanged;
	braid_symidx_sym *dependents; /**< definitions (and top levels) that reach a changed one */
	size_t ndependents;
	char **refs; /**< names the changed definitions use (new side) */
	size_t nrefs;
	char **affected_files; /**< files holding a changed definition or a dependent */
	size_t naffected_files;
	/**
	 * 1 when every changed file was parsed and changed only inside
	 * definitions; 0 when a file has no grammar, does not parse, or
	 * changed at its top level: then nobody can tell what it affects.
	 */
	int precise;
} braid_symidx_diff;

/**
 * Index every file of `tree` that is not indexed yet (by blob).
 *
 * @param[out] parsed  if not NULL, how many blobs were parsed now.
 */
int braid_symidx_index_tree(braid_ctx *ctx, const git_oid *tree, size_t *parsed) BRAID_WARN_UNUSED;

/**
 * Compare two trees: changed files and definitions, and the transitive
 * dependents of those definitions in `to` (indexing what it needs first).
 */
int braid_symidx_diff_trees(braid_symidx_diff *out, braid_ctx *ctx, const git_oid *from,
                            const git_oid *to) BRAID_WARN_UNUSED;

void braid_symidx_diff_release(braid_symidx_diff *d);

/**
 * Whether two changes may land without being verified together: they
 * share no file, and neither changes a definition that the other changes,
 * uses, or reaches through its dependents. Imprecise diffs are never
 * independent.
 */
int braid_symidx_independent(const braid_symidx_diff *a, const braid_symidx_diff *b);

#ifdef __cplusplus
}
#endif
#endif
