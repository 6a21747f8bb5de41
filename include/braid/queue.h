/*
 * queue.h: the landing queue as a whole — who drives it, and what it looks
 * like. Part of the converge engine (src/converge/lander.c, spec.c,
 * queueview.c); docs/internals/queue.md describes the design.
 *
 * Without a daemon, the queue is driven by whichever braid process gets
 * the lander lock (.braid/lander.lock, an flock the kernel drops when the
 * process dies): a submitter drives while it waits for its own submission,
 * then hands over. When it leaves work behind it starts one background
 * driver (`braid queue drive --background`, at most one at a time, guarded
 * by .braid/driver.lock) that drives until the queue has been idle for a
 * moment and exits. `braid serve` drives from the daemon instead.
 */
#ifndef BRAID_QUEUE_H
#define BRAID_QUEUE_H

#include "braid/ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BRAID_QUEUE_DRIVE_OPTIONS_VERSION 1

typedef struct braid_queue_drive_options {
	unsigned int version;
	/** Drive until this submission is decided; 0: until the queue is empty. */
	int64_t until_id;
	/** With until_id 0: how long the queue must stay empty before returning. */
	long idle_ms;
	/**
	 * Run as the background driver: return at once when another one
	 * exists (.braid/driver.lock).
	 */
	int background;
	/**
	 * How to start a background driver when this call leaves undecided
	 * work behind (an argv; NULL: never start one). The CLI passes
	 * {"/proc/self/exe", "queue", "drive", "--background", NULL}; it is run
	 * in the repository root with stdout and stderr in .braid/lander.log.
	 */
	const char *const *spawn_argv;
	/** Called about once a second with what is happening (may be NULL). */
	void (*progress)(void *payload, const char *what, long waited_ms);
	void *payload;
} braid_queue_drive_options;

#define BRAID_QUEUE_DRIVE_OPTIONS_INIT                                                             \
	{                                                                                          \
		BRAID_QUEUE_DRIVE_OPTIONS_VERSION, 0, 1500, 0, NULL, NULL, NULL                    \
	}

/**
 * Drive the landing queue (see the top of this file). Without a gate this
 * is the FIFO lander of converge.h (braid_converge_drive).
 *
 * @param[out] processed  submissions this call decided (may be NULL).
 */
int braid_queue_drive(braid_ctx *ctx, const braid_queue_drive_options *opts,
                      size_t *processed) BRAID_WARN_UNUSED;

/**
 * With a gate and work queued, make sure a background driver exists
 * (start one with `argv` unless .braid/driver.lock is held). Without a
 * gate it does nothing: the gate-less queue is driven by its submitters.
 */
int braid_queue_spawn_driver(braid_ctx *ctx, const char *const *argv) BRAID_WARN_UNUSED;

/** One submission as `braid queue` shows it. */
typedef struct braid_queue_entry {
	int64_t id;
	int position; /**< 0 for the head; -1 once decided */
	char *agent;  /**< agent name */
	char *change_id;
	char *message;
	/**
	 * waiting, verifying, retrying, passed (verified, waiting for those
	 * ahead), failed (waiting for blame), blocked (conflicts with work
	 * ahead), landing; or the decision: landed, conflicted, failed.
	 */
	char *status;
	char *state;      /**< the submission's durable state */
	char *stacked_on; /**< JSON array of the submission ids below it */
	int64_t run_id;   /**< the gate run verifying it (0: none) */
	char *note;
	int64_t created_at; /**< ms since the epoch */
	int64_t decided_at; /**< 0 while undecided */
} braid_queue_entry;

typedef struct braid_queue_list {
	braid_queue_entry *items;
	size_t count;
	int gated;       /**< a gate is configured */
	int concurrency; /**< queue.concurrency */
	char *mode;      /**< "cumulative", "independent" or "fifo" (no gate) */
	char *driver;    /**< who drives ("pid 123 since ...") or NULL */
	size_t running;  /**< gate runs going */
} braid_queue_list;

/**
 * The queue: every undecided submission in order, then up to `recent`
 * decided ones, newest first.
 */
int braid_queue_list_get(braid_queue_list **out, braid_ctx *ctx, size_t recent) BRAID_WARN_UNUSED;
void braid_queue_list_free(braid_queue_list *l);

/**
 * One line saying where submission `id` stands ("verifying, stacked on 3, 4
 * (gate run 9)") into buf.
 */
void braid_queue_describe(braid_ctx *ctx, int64_t id, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
