/*
 * treemerge.h: the three-way merge of whole trees (base, ours = main,
 * theirs = the submitted side) that the converge engine, `braid update` and
 * `braid resolve` share. File-level cases (add, delete, rename, mode, file
 * vs directory) are decided here from libgit2 tree diffs with rename
 * detection; the content of files changed on both sides goes to the pure
 * MergePolicy (braid_merge_file), with the merge driver named by
 * .gitattributes on main.
 */
#ifndef BRAID_TREEMERGE_H
#define BRAID_TREEMERGE_H

#include <git2.h>
#include <jansson.h>

#include "braid/merge.h"

typedef struct braid_tm_file {
	char *path; /* where the result lives (theirs' name on renames) */
	char *base_path, *ours_path, *theirs_path;
	git_oid base, ours, theirs;
	uint32_t base_mode, ours_mode, theirs_mode; /* 0 when absent */
	int clean;
	braid_merge_kind kind;
	char *description;
	json_t *regions; /* array; owned */
	char *marked;    /* conflict text with diff3 markers, or NULL */
	size_t marked_len;
	char *rewrite_note; /* set when a semantic rule rewrote text */
	size_t merged_regions, conflict_regions;
	int tier;
} braid_tm_file;

typedef struct braid_tm_result {
	int clean;
	git_oid tree; /* the merged tree when clean; else the tree with clean files merged and
	                 conflicted files at ours */
	braid_tm_file *files; /* every file both sides changed, and every conflicted file */
	size_t nfiles;
	size_t conflicted;
	json_t *theirs_paths;  /* array of paths the submitted side changed */
	size_t merged_regions; /* regions merged across files changed on both sides */
} braid_tm_result;

/**
 * Merge `theirs` into `ours` relative to `base` (commits or trees: any
 * git_oid that peels to a tree).
 *
 * @param attr_commit  commit whose .gitattributes decide merge drivers (usually main), or NULL.
 */
int braid_treemerge(braid_tm_result *out, git_repository *repo, const git_oid *base,
                    const git_oid *ours, const git_oid *theirs,
                    const git_oid *attr_commit) BRAID_WARN_UNUSED;

void braid_tm_result_clear(braid_tm_result *r);

#endif
