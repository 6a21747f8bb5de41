/*
 * gate.h: the verification gate. A repository configures in .braid/config
 * the command that decides whether a tree may become `main` (build, tests):
 *
 *   [gate]
 *           command = make test      # the full gate; setting it enables the gate
 *           select = ./affected.sh   # optional: run instead when braid can tell what changed
 *           timeout = 20m            # per run; the run's process group is killed after it
 *           retries = 1              # a failing tree is run again this many times before blame
 *   [queue]
 *           concurrency = 4          # gate runs at once (1..32)
 *           mode = cumulative        # or "independent" (see docs/internals/queue.md)
 *           batch-max = 8            # most submissions verified by one run (1: no batches)
 *
 * A gate run materializes one exact tree in a scratch worktree under
 * .braid/gate/wt/ (reused from run to run), runs the command there with
 * `sh -c` in its own process group, and keeps its log in
 * .braid/gate/runs/<id>/log. The command learns what changed from
 * environment variables (BRAID_CHANGED_FILES, BRAID_CHANGED_SYMBOLS,
 * BRAID_DEPENDENTS, BRAID_AFFECTED_SYMBOLS, BRAID_AFFECTED_FILES, one entry
 * per line; BRAID_GATE_FULL=1 when it must check everything) and from the
 * JSON file named by BRAID_GATE_JSON.
 *
 * Each run is watched by a small monitor process that survives the process
 * that started it: a driver that crashes (kill -9) leaves its runs going,
 * and the next driver adopts their results.
 */
#ifndef BRAID_GATE_H
#define BRAID_GATE_H

#include "braid/ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The gate settings of a repository (owned strings). */
typedef struct braid_gate_config {
	char *command;      /**< gate.command; NULL when no gate is configured */
	char *select;       /**< gate.select, or NULL */
	int64_t timeout_ms; /**< gate.timeout (default 30m) */
	int retries;        /**< gate.retries (default 1) */
	int concurrency;    /**< queue.concurrency (default 4) */
	int independent;    /**< queue.mode = independent */
	int batch_max;      /**< queue.batch-max (default 8) */
	char *key;          /**< hash of what decides a run's verdict (command, select, timeout) */
} braid_gate_config;

/**
 * Read the gate settings from .braid/config.
 *
 * @return 0 (also without a gate: `command` is then NULL); BRAID_EINVALID for
 *         a malformed value (the message names the key).
 */
int braid_gate_config_load(braid_gate_config *out, braid_ctx *ctx) BRAID_WARN_UNUSED;
void braid_gate_config_release(braid_gate_config *cfg);

/** One gate run. */
typedef struct braid_gate_run {
	int64_t id;
	char *tree;         /**< the exact tree verified */
	char *commit;       /**< the commit holding it (speculative until it lands) */
	char *since_tree;   /**< "" for a full run, else the tree it is incremental against */
	char *main_commit;  /**< main when the run was planned */
	int64_t submission; /**< the submission it is for (0 for `braid verify`) */
	char *stack;        /**< JSON array of the submission ids it verifies, in queue order */
	char *kind;         /**< "queue", "retry", "bisect", "verify" */
	int full;           /**< ran gate.command (1) or gate.select (0) */
	char *state;        /**< running, passed, failed, timeout, cancelled, lost */
	int attempt;
	int exit_code; /**< -1 when it has none (running, killed, lost) */
	char *dir;     /**< run directory: log, gate.json, result.json */
	char *command;
	char *selection; /**< JSON given to the command */
	int64_t started_at, finished_at;
} braid_gate_run;

typedef struct braid_gate_run_list {
	braid_gate_run *items;
	size_t count;
} braid_gate_run_list;

/** A run by id. @return 0 or BRAID_ENOTFOUND. */
int braid_gate_run_get(braid_gate_run **out, braid_ctx *ctx, int64_t id) BRAID_WARN_UNUSED;

/**
 * Runs, newest first.
 *
 * @param submission  only runs that verified this submission (0 for all).
 * @param running     only runs still going.
 */
int braid_gate_run_list_recent(braid_gate_run_list **out, braid_ctx *ctx, int64_t submission,
                               int running, size_t limit) BRAID_WARN_UNUSED;

/**
 * The log of a run, or its last `tail` bytes (0 for all, capped at 16 MiB).
 *
 * @param[out] out  malloc'd text.
 */
int braid_gate_run_log(char **out, braid_ctx *ctx, const braid_gate_run *run,
                       size_t tail) BRAID_WARN_UNUSED;

void braid_gate_run_free(braid_gate_run *run);
void braid_gate_run_list_free(braid_gate_run_list *list);

/**
 * `braid verify`: run the gate now on the current `main` and wait for it.
 * Incremental (gate.select, relative to the last tree a full run passed)
 * unless `all` or there is no such tree or no gate.select.
 *
 * @param[out] out  the finished run.
 * @return 0 whether it passed or not (see out->state); BRAID_ESTATE when no
 *         gate is configured.
 */
int braid_gate_verify(braid_gate_run **out, braid_ctx *ctx, int all,
                      void (*progress)(void *payload, const char *what, long waited_ms),
                      void *payload) BRAID_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
