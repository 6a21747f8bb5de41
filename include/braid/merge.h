/*
 * merge.h: MergePolicy, the pure three-way classifier at the heart of braid.
 *
 * Given a file's base and two sides (ours = what is already on main,
 * theirs = the submitted side) as in-memory buffers, it returns every region
 * either side touched with a verdict, and the merged bytes. It performs no
 * I/O, keeps no global state and is deterministic, so it is tested on
 * literal buffers and can run anywhere (the converge engine, `braid update`,
 * the git merge driver, the benchmarks).
 *
 * Tiers, cheapest first: identical sides -> line ranges (histogram diff,
 * diff3-equivalent) -> structure (tree-sitter) only where lines conflict ->
 * semantic rules (renames). File-level decisions (add/add, modify/delete,
 * binary, mode) are made by braid_merge_file from what is present. The
 * structural tier's rules (what commutes in each language, the guards that
 * keep conflicts) and the drivers are described in docs/merge.md.
 *
 * The line tier's rule (diff3-equivalent, as git decides): hunks of the two
 * sides are decided together when their base ranges overlap or touch
 * (adjacent lines, an insertion at the boundary of the other side's edit),
 * when both insert at one point (identical insertions merge once), when one
 * inserts inside the other's replaced range, or when one inserts right
 * after an edit that dropped the file's final newline. Chains of such hunks
 * form one region. Everything else commutes; merged text follows base
 * order. A two-sided region conflicts unless both sides wrote the same
 * lines, or (when that settles the whole file) one side's change is
 * contained in the other's (kind SUBSUMED: the larger side's lines). The
 * structure tier then decides whether touching edits lie in different
 * declarations, members or statements (docs/merge.md). The result never
 * depends on which side is "ours" beyond labels and the documented order
 * of additions at one spot.
 */
#ifndef BRAID_MERGE_H
#define BRAID_MERGE_H

#include "braid/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What MergePolicy decided for one region. */
typedef enum braid_merge_verdict {
	BRAID_VERDICT_MERGE = 0,    /**< the edits commute; both applied */
	BRAID_VERDICT_CONFLICT = 1, /**< overlapping, different edits */
	BRAID_VERDICT_ESCALATE = 2, /**< semantically related (e.g. rename/rename); not merged */
	BRAID_VERDICT_BLOCK = 3,    /**< a project rule forbids the merge */
} braid_merge_verdict;

/** Why a region conflicts (or how it merged). */
typedef enum braid_merge_kind {
	BRAID_KIND_CONTENT = 0,    /**< both sides changed the same lines differently */
	BRAID_KIND_ADD_ADD,        /**< both sides added the file (or a same-signature symbol) */
	BRAID_KIND_MODIFY_DELETE,  /**< one side modified what the other deleted */
	BRAID_KIND_RENAME_RENAME,  /**< both renamed one thing to different names */
	BRAID_KIND_BINARY,         /**< binary content changed differently on both sides */
	BRAID_KIND_MODE,           /**< file mode changed differently on both sides */
	BRAID_KIND_PARSE,          /**< the structural merge would not parse */
	BRAID_KIND_FILE_DIRECTORY, /**< a file on one side is a directory on the other */
	BRAID_KIND_ONE_SIDE,       /**< only one side changed the region, and the file (merge) */
	BRAID_KIND_IDENTICAL,      /**< both sides made the same change (merged once) */
	BRAID_KIND_DISJOINT,       /**< one side changed the region, both the file elsewhere */
	BRAID_KIND_STRUCTURAL,     /**< merged by the syntax tier */
	BRAID_KIND_RENAME_CARRIED, /**< a rename was carried to new references */
	BRAID_KIND_DRIVER,         /**< merged by a named merge driver (union, braid-json) */
	BRAID_KIND_SUBSUMED,       /**< one side's change contains the other's; the larger kept */
} braid_merge_kind;

/** Stable lowercase names: "merge", "conflict"...; "content", "add/add", "modify/delete"... */
const char *braid_merge_verdict_name(braid_merge_verdict v);
const char *braid_merge_kind_name(braid_merge_kind k);

/**
 * One region: a range of base lines [base_start, base_end) that one or both
 * sides replaced. Line numbers are 0-based; an insertion has
 * base_start == base_end. The start and end of ours and theirs give the
 * replacement lines in that side (for a side that did not change the region,
 * the unchanged base lines as they sit in that side). Byte offsets say the
 * same in bytes. A region decided at file level (add/add, modify/delete,
 * delete, binary) spans each present side whole; an absent side has 0, 0.
 * A region of the structural tier covers whole elements (declarations,
 * fields, ...): its line ranges are the lines of those elements on each
 * side (an insertion has an empty base range where it lands), its byte
 * ranges include the blank lines and comments before them, and `symbols`
 * names what they define.
 */
typedef struct braid_merge_region {
	braid_merge_verdict verdict;
	braid_merge_kind kind;
	size_t base_start, base_end;
	size_t ours_start, ours_end;
	size_t theirs_start, theirs_end;
	size_t base_off, base_len;
	size_t ours_off, ours_len;
	size_t theirs_off, theirs_len;
	/** Symbols involved (e.g. "parse_args"), NULL-terminated, or NULL. Owned by the result. */
	char **symbols;
	/** One plain-language line, e.g. "both sides changed lines 10-12". Owned by the result. */
	char *description;
} braid_merge_region;

/** The three inputs. A NULL buffer means the file is absent on that side. */
typedef struct braid_merge_input {
	const char *base;
	size_t base_len;
	const char *ours;
	size_t ours_len;
	const char *theirs;
	size_t theirs_len;
	/** Repository-relative path (language detection only; never opened). May be NULL. */
	const char *path;
	/**
	 * Merge driver from .gitattributes: NULL or "text" (default), "union",
	 * "braid-json", "binary". Unknown names merge as text. "union" keeps
	 * ours' lines then theirs' in every region that would conflict (clean,
	 * kind DRIVER). "braid-json" merges JSON values (objects by key,
	 * scalar arrays as ordered sets; one region of kind DRIVER when
	 * clean); when a side is not JSON or values conflict, the text tiers
	 * decide and conflicting regions name the JSON key paths as symbols.
	 */
	const char *driver;
	/** Conflict marker labels (defaults "main", "base", "submitted"). */
	const char *ours_label, *base_label, *theirs_label;
} braid_merge_input;

#define BRAID_MERGE_OPTIONS_VERSION 1

typedef struct braid_merge_options {
	unsigned int version;
	/**
	 * Highest tier to use: 1 = lines only, 2 = + structure (only where the
	 * line tier conflicts, for paths whose language syntax.h knows), 3 = +
	 * semantic rules (renames: detected, escalated when both sides rename
	 * one definition differently, carried to the other side's new
	 * references). The line tier always runs when needed.
	 */
	int max_tier;
	/**
	 * Largest input (each side) handled as text; larger inputs are treated
	 * as binary. 0 means the default.
	 */
	size_t max_text_size;
} braid_merge_options;

#define BRAID_MERGE_OPTIONS_INIT                                                                   \
	{                                                                                          \
		BRAID_MERGE_OPTIONS_VERSION, 3, 64u * 1024 * 1024                                  \
	}

/** The classification of one file. */
typedef struct braid_merge_result {
	/** 1 when every region merged; then `merged` is the result to write. */
	int clean;
	/**
	 * 1 when the merged file is absent (both deleted, or deleted on one
	 * side and unchanged on the other).
	 */
	int deleted;
	/**
	 * The merged bytes when clean; when not clean, the file with diff3-style
	 * conflict markers (<<<<<<< ours / ||||||| base / ======= / >>>>>>> theirs)
	 * for text, or NULL for binary. Owned by the result. Also NUL-terminated
	 * (merged_len excludes the NUL); NULL exactly when the file is deleted
	 * or the conflict has no text (binary, binary add/add). For a
	 * modify/delete conflict it is the surviving side's content. Markers end
	 * in "\r\n" when the first terminated line of ours (else theirs, else
	 * base) does; a side's open last line inside a block gets that ending.
	 */
	char *merged;
	size_t merged_len;
	/** Every region either side touched, in base order. Owned by the result. */
	braid_merge_region *regions;
	size_t nregions;
	/** Counts of regions by outcome. */
	size_t merged_regions, conflict_regions;
	/**
	 * The highest tier that was needed (0 = identical/trivial, 1 = lines,
	 * 2 = structure, 3 = semantic). Regions of tier-0 outcomes are still
	 * listed (from a line diff when the file is text).
	 */
	int tier;
	/** When not clean: the kind of the first conflicting region (for listings). */
	braid_merge_kind conflict_kind;
	/**
	 * Set when a semantic rule rewrote text: plain language, one line per
	 * rename carried, e.g. "main renamed `count_items` to `item_count`;
	 * braid rewrote 2 new references to `count_items` in submitted's
	 * changes to `item_count`". The converge engine records it in the op
	 * log. Owned by the result; NULL otherwise.
	 */
	char *rewrite_note;
} braid_merge_result;

/**
 * Classify and merge one file.
 *
 * @param[out] out  the result, owned by the caller (braid_merge_result_free);
 *                  set even when the merge is not clean.
 * @param in        the three sides; base may be NULL (add/add), ours or theirs
 *                  may be NULL (deleted).
 * @param opts      NULL for defaults.
 * @return 0 whether or not the merge is clean; BRAID_ENOMEM or BRAID_EINVALID
 *         on failure (then *out is untouched).
 */
int braid_merge_file(braid_merge_result **out, const braid_merge_input *in,
                     const braid_merge_options *opts) BRAID_WARN_UNUSED;

void braid_merge_result_free(braid_merge_result *res);

/** 1 when `buf` looks binary (a NUL byte in the first 8000 bytes, as git decides). */
int braid_merge_is_binary(const char *buf, size_t len);

/** A line-level diff hunk: base [old_start, old_end) replaced by new [new_start, new_end). */
typedef struct braid_diff_hunk {
	size_t old_start, old_end;
	size_t new_start, new_end;
} braid_diff_hunk;

/**
 * Line diff of `a` against `b` with the histogram algorithm (as git's
 * --histogram and merge-ort). Lines include their terminator ("\n" or
 * "\r\n"); a last line without one is a line too.
 *
 * Hunks are in order, never empty and never touching (at least one common
 * line between two hunks). A pure insertion or deletion that could sit at
 * several places sits at the lowest one.
 *
 * @param[out] out   malloc'd array of hunks in order, owned by the caller
 *                   (free()); NULL when the inputs are equal.
 * @param[out] nout  number of hunks.
 */
int braid_diff_lines(braid_diff_hunk **out, size_t *nout, const char *a, size_t alen, const char *b,
                     size_t blen) BRAID_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
