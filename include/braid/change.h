/*
 * change.h: AgentChanges. A change is one unit of work with exactly one
 * writing agent, living in that agent's workspace; its latest commit is
 * mirrored by the ref refs/braid/changes/<id>. States:
 *   editing     the agent is working on it
 *   submitted   waiting in the landing queue
 *   landed      on main; the workspace's next snapshot starts a new change
 *   conflicted  its submission produced a conflict object
 *   failed      its submission failed verification
 *   abandoned   its workspace was removed before it landed
 */
#ifndef BRAID_CHANGE_H
#define BRAID_CHANGE_H

#include "braid/ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct braid_change {
	char *id; /**< 12 hex digits */
	char *agent_id;
	char *workspace_id;
	char *base_commit; /**< the main commit this change's work is relative to */
	char *head_commit; /**< its latest snapshot (== base when nothing was snapshotted) */
	char *state;
	char *resolving; /**< id of the conflict being resolved in it, or NULL */
	int64_t created_at, updated_at;
} braid_change;

/** Find a change by id or unique prefix. @return 0 or BRAID_ENOTFOUND. */
int braid_change_get(braid_change **out, braid_ctx *ctx, const char *id) BRAID_WARN_UNUSED;

/** The ref that keeps a change's commits reachable: "refs/braid/changes/<id>" (malloc'd). */
char *braid_change_refname(const char *change_id);

void braid_change_free(braid_change *change);

#ifdef __cplusplus
}
#endif
#endif
