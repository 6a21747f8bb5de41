/*
 * workspace.h: agent workspaces. A workspace is a git worktree (by default
 * under .braid/ws/<id>) with a detached HEAD, owned by one agent and holding
 * that agent's current AgentChange. braid creates and removes worktrees
 * itself, serialized by a lock file in .braid/, so many agents can create
 * workspaces at the same moment without meeting git's lock files.
 */
#ifndef BRAID_WORKSPACE_H
#define BRAID_WORKSPACE_H

#include <git2.h>

#include "braid/ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct braid_workspace {
	char *id; /**< the agent's name, or name-2, name-3... */
	char *agent_id;
	char *agent_name;
	char *path;      /**< absolute */
	char *change_id; /**< current change, or NULL */
	char *state;     /**< "active" or "removed" */
	int64_t created_at;
} braid_workspace;

typedef struct braid_workspace_list {
	braid_workspace *items;
	size_t count;
} braid_workspace_list;

/**
 * Create a workspace for `agent` (name or id) on a new change based on the
 * current target branch. Records `ws.new`.
 *
 * @param path  where to put it; NULL for .braid/ws/<id>.
 * @return 0; BRAID_ENOTFOUND for an unknown agent; BRAID_EEXISTS when the
 *         path is taken; BRAID_EINVALID for a path inside another workspace.
 */
int braid_workspace_new(braid_workspace **out, braid_ctx *ctx, const char *agent,
                        const char *path) BRAID_WARN_UNUSED;

/** Find a workspace by id. */
int braid_workspace_get(braid_workspace **out, braid_ctx *ctx, const char *id) BRAID_WARN_UNUSED;

/** Active workspaces (and removed ones too when `all`), by creation time. */
int braid_workspace_list_all(braid_workspace_list **out, braid_ctx *ctx, int all) BRAID_WARN_UNUSED;

/** What `braid status` says about one workspace. */
typedef struct braid_workspace_status {
	int dirty;          /**< the worktree differs from its HEAD commit */
	int unlanded;       /**< the change has commits that are not on main */
	int behind;         /**< main has moved past the change's base */
	size_t dirty_files; /**< files that differ from HEAD */
	char *change_state; /**< the current change's state (owned) */
	char *head;         /**< worktree HEAD commit (owned) */
} braid_workspace_status;

int braid_workspace_status_get(braid_workspace_status *out, braid_ctx *ctx,
                               const char *id) BRAID_WARN_UNUSED;
void braid_workspace_status_clear(braid_workspace_status *st);

/**
 * Remove a workspace. Refuses (BRAID_ESTATE) when it has uncommitted edits
 * or commits that never landed, unless `force`; with `force` the edits are
 * first committed onto the change and the change ref is kept, so nothing
 * becomes unreachable.
 *
 * @param[out] kept_ref  if not NULL and something was kept, the ref that holds it (malloc'd).
 */
int braid_workspace_rm(braid_ctx *ctx, const char *id, int force,
                       char **kept_ref) BRAID_WARN_UNUSED;

void braid_workspace_free(braid_workspace *ws);
void braid_workspace_list_free(braid_workspace_list *list);

#ifdef __cplusplus
}
#endif
#endif
