/*
 * merge_int.h: the merge module's private interface. lines.c splits buffers
 * into lines and gives equal lines equal integer ids; diff.c diffs id
 * sequences; merge3.c is the line tier built on both; merge.c makes the
 * file-level decisions and owns the public result. Nothing here does I/O.
 */
#ifndef BRAID_MERGE_INT_H
#define BRAID_MERGE_INT_H

#include "common.h"
#include "braid/merge.h"
#include "util/buf.h"

/*
 * One buffer split into lines. Line i is buf[off[i], off[i + 1]) and keeps
 * its terminator. `id` is filled by braid_merge__intern: two lines of any of
 * the texts interned together have the same id iff their bytes are equal, so
 * the diff compares integers instead of strings.
 */
typedef struct braid_merge__text {
	const char *buf; /* borrowed from the caller */
	size_t len;
	size_t nlines;
	size_t *off; /* nlines + 1 entries */
	size_t *id;  /* nlines entries, NULL until interned */
} braid_merge__text;

#define BRAID_MERGE__TEXT_INIT                                                                     \
	{                                                                                          \
		NULL, 0, 0, NULL, NULL                                                             \
	}

int braid_merge__text_split(braid_merge__text *t, const char *buf, size_t len) BRAID_WARN_UNUSED;
void braid_merge__text_release(braid_merge__text *t);

/* Intern every line of `texts`; *nids receives one past the largest id. */
int braid_merge__intern(braid_merge__text *const *texts, size_t ntexts,
                        size_t *nids) BRAID_WARN_UNUSED;

/* 1 when line i of `t` does not end in "\n" (only ever the last line). */
int braid_merge__text_line_open(const braid_merge__text *t, size_t i);

/*
 * Histogram diff of two interned texts (ids below `nids`). Hunks come back
 * in order, never empty and never touching; *out is NULL when there are none.
 */
int braid_merge__diff(braid_diff_hunk **out, size_t *nout, const braid_merge__text *a,
                      const braid_merge__text *b, size_t nids) BRAID_WARN_UNUSED;

/* The same with plain Myers instead of histogram when `myers_only` (git merge-file's diff). */
int braid_merge__diff_algo(braid_diff_hunk **out, size_t *nout, const braid_merge__text *a,
                           const braid_merge__text *b, size_t nids,
                           int myers_only) BRAID_WARN_UNUSED;

/* A growable array of regions; descriptions are owned by the array. */
typedef struct braid_merge__regions {
	braid_merge_region *v;
	size_t n, alloc;
} braid_merge__regions;

#define BRAID_MERGE__REGIONS_INIT                                                                  \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Append `r`; the array takes its description, also when the push fails. */
int braid_merge__regions_push(braid_merge__regions *rs, braid_merge_region *r) BRAID_WARN_UNUSED;
void braid_merge__regions_dispose(braid_merge__regions *rs);

typedef struct braid_merge__lines_opts {
	const char *ours_label, *base_label, *theirs_label; /* never NULL */
	int union_driver; /* resolve conflicting regions as ours-then-theirs */
	/*
	 * 1: hunks whose base ranges touch (adjacent lines, an insertion at
	 * the boundary of the other side's edit) are decided together, as in
	 * git; 0: they commute. Token merges (braid_merge__units) ignore it.
	 */
	int touching;
} braid_merge__lines_opts;

/*
 * The line tier: a diff3-equivalent three-way merge of three buffers.
 * Appends the merged text (with conflict markers when not clean) to
 * `merged` and every touched region to `regions`; *clean says whether any
 * region conflicted. On error the outputs may hold partial data for the
 * caller to dispose.
 */
int braid_merge__lines(braid_buf *merged, braid_merge__regions *regions, int *clean,
                       const char *base, size_t base_len, const char *ours, size_t ours_len,
                       const char *theirs, size_t theirs_len,
                       const braid_merge__lines_opts *o) BRAID_WARN_UNUSED;

/*
 * The same three-way merge over texts already cut into units (tokens) by
 * the caller: `off` of each text gives the unit boundaries (`id` is
 * ignored). Units commute like lines, but no newline rule applies and no
 * regions are listed; conflicts are written with markers, so callers that
 * only want a clean result check *clean.
 */
int braid_merge__units(braid_buf *merged, int *clean, const braid_merge__text *base,
                       const braid_merge__text *ours, const braid_merge__text *theirs,
                       const braid_merge__lines_opts *o) BRAID_WARN_UNUSED;

/*
 * The braid-json driver. Returns 1 when a side is not JSON (the text tiers
 * decide); else 0 with *clean, the merged text appended to `out` when
 * clean, and when not clean *paths (owned by the caller): the conflicting
 * key paths, one per line ("dependencies.left-pad"). `base` may be NULL.
 */
int braid_merge__json(braid_buf *out, int *clean, char **paths, const char *base, size_t blen,
                      const char *ours, size_t olen, const char *theirs,
                      size_t tlen) BRAID_WARN_UNUSED;

#endif
