/*
 * conflict_int.h: storing conflict objects and moving them through their
 * states, for the converge engine. Callers hold a store transaction.
 */
#ifndef BRAID_CONFLICT_INT_H
#define BRAID_CONFLICT_INT_H

#include "braid/conflict.h"

/**
 * Insert `c` (its id is generated and written back) and its files, and
 * record a `conflict` op signed by the submitting agent.
 */
int braid_conflict__record(braid_conflict *c, braid_ctx *ctx) BRAID_WARN_UNUSED;

/** Set a conflict's state (and resolved_op when not NULL). */
int braid_conflict__set_state(braid_ctx *ctx, const char *id, const char *state,
                              const char *resolved_op) BRAID_WARN_UNUSED;

/** Mark every open conflict of `change_id` superseded (its later submission landed). */
int braid_conflict__supersede_change(braid_ctx *ctx, const char *change_id) BRAID_WARN_UNUSED;

#endif
