/*
 * ctx_int.h: the inside of braid_ctx, shared by libbraid's modules. Fronts
 * never see it.
 */
#ifndef BRAID_CTX_INT_H
#define BRAID_CTX_INT_H

#include <git2.h>

#include "braid/ctx.h"
#include "store/store_int.h"

struct braid_ctx {
	git_repository *git; /* the main repository (never a worktree) */
	braid_store *store;
	git_config *config; /* .braid/config */
	char *root;         /* main worktree root, no trailing slash */
	char *dir;          /* root/.braid */
	char *target;       /* "refs/heads/main" */
	char *target_name;  /* "main" */
	char *start;        /* realpath the context was opened at */
	char *prefix;       /* start relative to its workspace or root */
	char *ws_id;        /* workspace containing start, or NULL */
	char *ws_path;
	char *ws_owner; /* agent id owning ws_id */
	char *agent_id; /* acting agent, or NULL */
	char *agent_name;
	/*
	 * Secret keys already read from .braid/keys, so a context that signs
	 * many ops (the daemon, lock loops, a batch of many agents' requests)
	 * reads each key file once: a direct-mapped table of BRAID_CTX_KEYS
	 * slots by agent id, allocated on the first signature. Wiped when the
	 * context is freed.
	 */
	struct braid_ctx_key {
		char agent_id[32];
		unsigned char sk[64];
	} * keys;
	/*
	 * The intent module's per-context state (its lock connection, the
	 * shared-memory turnstile, settings), created on first use; freed
	 * with the context through intent_free.
	 */
	void *intent;
	void (*intent_free)(void *intent);
};

/** Slots of the secret-key cache (a power of two). */
#define BRAID_CTX_KEYS 1024

/** Path of a file inside .braid (malloc'd), or NULL with ENOMEM. */
char *braid_ctx__path(const braid_ctx *ctx, const char *rel);

#endif
