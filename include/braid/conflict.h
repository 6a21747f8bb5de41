/*
 * conflict.h: conflict objects. When a submission does not commute with
 * what landed since its base, braid leaves main untouched and stores a
 * Conflict: an id, the three commits (base, main at the time, the
 * submission), and per file the kind, the regions (base/main/submitted line
 * ranges with a verdict), the blobs of each side and which agents' landings
 * put main's side there. Conflicts are listed, shown and resolved; the
 * resolution is an op that names the conflict.
 */
#ifndef BRAID_CONFLICT_H
#define BRAID_CONFLICT_H

#include "braid/ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct braid_conflict_file {
	char *path; /**< path in the merged tree (the submitted side's name on renames) */
	char *kind; /**< "content", "add/add", "modify/delete", "rename/rename", "binary", ... */
	char *description;                      /**< plain language */
	char *base_oid, *ours_oid, *theirs_oid; /**< blob ids, NULL when absent on that side */
	char *ours_path, *theirs_path;          /**< names on each side when they differ */
	char *regions;     /**< JSON array of {verdict, kind, base:[s,e], ours:[s,e], theirs:[s,e],
	                      description, symbols} */
	char *ours_origin; /**< JSON array of {agent, agent_name, op, commit} that put main's side
	                      there */
} braid_conflict_file;

typedef struct braid_conflict {
	char *id; /**< 8 hex digits */
	int64_t submission_id;
	char *change_id;
	char *agent_id; /**< the submitting agent (the "theirs" side) */
	char *agent_name;
	char *base_commit, *ours_commit, *theirs_commit;
	char *state;       /**< "open", "resolving", "resolved", "superseded" */
	char *op_id;       /**< the `conflict` op */
	char *resolved_op; /**< the `resolve` op, when resolved */
	int64_t created_at, updated_at;
	braid_conflict_file *files;
	size_t nfiles;
} braid_conflict;

typedef struct braid_conflict_list {
	braid_conflict *items;
	size_t count;
} braid_conflict_list;

/**
 * List conflicts with their files, newest first.
 *
 * @param state  "open" (open and resolving), "all", or one exact state.
 */
int braid_conflict_list_all(braid_conflict_list **out, braid_ctx *ctx,
                            const char *state) BRAID_WARN_UNUSED;

/** Find one conflict by id or unique prefix. */
int braid_conflict_get(braid_conflict **out, braid_ctx *ctx, const char *id) BRAID_WARN_UNUSED;

/**
 * The content of one side of a conflicted file (blob bytes), or NULL when
 * absent on that side. `side` is "base", "ours" or "theirs".
 *
 * @param[out] out  malloc'd bytes (NUL-terminated for convenience), owned by the caller.
 */
int braid_conflict_side(char **out, size_t *len, braid_ctx *ctx, const braid_conflict_file *f,
                        const char *side) BRAID_WARN_UNUSED;

void braid_conflict_free(braid_conflict *c);
void braid_conflict_list_free(braid_conflict_list *list);

#ifdef __cplusplus
}
#endif
#endif
