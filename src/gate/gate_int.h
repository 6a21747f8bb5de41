/*
 * gate_int.h: what the landing queue (src/converge) uses of the gate:
 * starting a run on an exact commit, collecting finished runs, cancelling
 * runs the queue no longer needs, and reading the verdicts recorded for a
 * tree.
 */
#ifndef BRAID_GATE_INT_H
#define BRAID_GATE_INT_H

#include <git2.h>

#include "braid/gate.h"

/** What to verify. */
typedef struct braid_gate_req {
	git_oid commit;          /* the exact commit (its tree is what is verified) */
	const git_oid *since;    /* tree it is incremental against, or NULL for a full run */
	const char *main_commit; /* main when planned (hex), or NULL */
	int64_t submission;      /* 0 for `braid verify` */
	const char *stack;       /* JSON array of submission ids verified by the run, or NULL */
	const char *kind;        /* "queue", "retry", "bisect", "verify" */
	int attempt;
} braid_gate_req;

/**
 * Start a gate run: record it, materialize the commit in a free scratch
 * worktree and start the command under a monitor process. Returns at once.
 * The run uses gate.select when `since` is given, gate.select is set and
 * the symbol index can say precisely what changed; else gate.command.
 *
 * @param[out] id  the run id.
 */
int braid_gate__start(int64_t *id, braid_ctx *ctx, const braid_gate_config *cfg,
                      const braid_gate_req *req) BRAID_WARN_UNUSED;

/**
 * Collect runs whose monitor finished (result file) or died (lock free,
 * state "lost"); moves cancelling runs to cancelled.
 *
 * @param[out] finished  runs that changed state now (may be NULL).
 */
int braid_gate__reap(braid_ctx *ctx, size_t *finished) BRAID_WARN_UNUSED;

/** Ask a running run to stop (its process group is killed); state "cancelling". */
int braid_gate__cancel(braid_ctx *ctx, int64_t id) BRAID_WARN_UNUSED;

/** Number of runs in state running. */
int braid_gate__running(braid_ctx *ctx, size_t *count) BRAID_WARN_UNUSED;

#endif
