/*
 * change_int.h: creating and moving AgentChanges, for the modules that own
 * the transitions (workspace, converge). Callers hold a store transaction.
 */
#ifndef BRAID_CHANGE_INT_H
#define BRAID_CHANGE_INT_H

#include <git2.h>

#include "braid/change.h"

/**
 * Insert a new change in state "editing" with base == head == `base`, and
 * point its ref at `base`. Must run inside a store transaction.
 *
 * @param[out] id_out  the new change id (malloc'd).
 */
int braid_change__create(char **id_out, braid_ctx *ctx, const char *agent_id,
                         const char *workspace_id, const git_oid *base) BRAID_WARN_UNUSED;

/**
 * Update a change's columns. NULL arguments leave a column unchanged; pass
 * "" for `resolving` to clear it.
 */
int braid_change__set(braid_ctx *ctx, const char *id, const char *state, const char *base,
                      const char *head, const char *resolving) BRAID_WARN_UNUSED;

/**
 * Repair the one state a crash can leave between git and SQLite: the change
 * ref moved forward (a snapshot or update committed to git) but the row
 * still has the old head. When the ref descends from the recorded head,
 * the row (and `ch`) adopt the ref's value. Runs its own transaction.
 */
int braid_change__reconcile(braid_ctx *ctx, braid_change *ch) BRAID_WARN_UNUSED;

#endif
