/*
 * ctx.h: the handle every braid call takes (libgit2's git_repository idea).
 * A context is one braid-enabled repository as seen from one starting path:
 * the git repository, the .braid/ state beside .git/, the target branch
 * (main), the workspace the path lies in (if any) and the acting agent.
 *
 * A context is used by one thread at a time; open one per thread.
 */
#ifndef BRAID_CTX_H
#define BRAID_CTX_H

#include "braid/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct braid_ctx braid_ctx;

/**
 * Set up braid in the git repository containing `path` (`braid init`):
 * creates .braid/ (state database in WAL mode, config, keys), records the
 * target branch and signs an `init` op with braid's system identity.
 * Running it again on an initialized repository changes nothing.
 *
 * @param[out] out      the opened context, owned by the caller (braid_ctx_free).
 * @param[out] created  1 when this call initialized braid, 0 when it already was.
 * @param target        branch to converge onto; NULL for the current branch.
 * @return 0; BRAID_ESTATE outside a git repository, in a bare repository or
 *         when the repository has no commit yet.
 */
int braid_init(braid_ctx **out, int *created, const char *path,
               const char *target) BRAID_WARN_UNUSED;

/**
 * Open the braid repository containing `path` (a directory inside the main
 * worktree or inside one of braid's workspaces).
 *
 * @return 0; BRAID_ESTATE when not inside a git repository or braid was not
 *         initialized there (the message says to run `braid init`).
 */
int braid_ctx_open(braid_ctx **out, const char *path) BRAID_WARN_UNUSED;

void braid_ctx_free(braid_ctx *ctx);

/** The state database of this repository (borrowed; see store.h). */
struct braid_store *braid_ctx_store(const braid_ctx *ctx);

/** The main worktree's root directory (borrowed). */
const char *braid_ctx_root(const braid_ctx *ctx);

/** The .braid directory (borrowed). */
const char *braid_ctx_dir(const braid_ctx *ctx);

/** The target ref, e.g. "refs/heads/main" (borrowed). */
const char *braid_ctx_target(const braid_ctx *ctx);

/** The target branch's short name, e.g. "main" (borrowed). */
const char *braid_ctx_target_name(const braid_ctx *ctx);

/** The id of the workspace the context was opened in, or NULL (borrowed). */
const char *braid_ctx_workspace(const braid_ctx *ctx);

/** The path the context was opened at, relative to its workspace or the root ("" at the top). */
const char *braid_ctx_prefix(const braid_ctx *ctx);

/**
 * Decide the acting agent: the workspace's owner when the context is inside
 * a workspace; otherwise `name` (from --agent), else $BRAID_AGENT.
 *
 * @return 0 (also when no agent could be decided: then braid_ctx_agent_id
 *         is NULL); BRAID_ENOTFOUND for an unknown name; BRAID_EDENIED when
 *         `name` differs from the owner of the workspace the context is in.
 */
int braid_ctx_set_agent(braid_ctx *ctx, const char *name) BRAID_WARN_UNUSED;

/**
 * Forget the acting agent of a context opened outside any workspace (a
 * daemon reuses one context for requests of many agents, or none).
 *
 * @return 0; BRAID_ESTATE for a context inside a workspace (its owner acts).
 */
int braid_ctx_clear_agent(braid_ctx *ctx) BRAID_WARN_UNUSED;

/** The acting agent's id and name, or NULL (borrowed). */
const char *braid_ctx_agent_id(const braid_ctx *ctx);
const char *braid_ctx_agent_name(const braid_ctx *ctx);

/** Like braid_ctx_agent_id but fails with BRAID_ESTATE and a how-to message when there is none. */
int braid_ctx_require_agent(const char **agent_id, const braid_ctx *ctx) BRAID_WARN_UNUSED;

/**
 * Read a setting from .braid/config (git-config syntax, e.g. "submit.update").
 *
 * @param[out] out  malloc'd value, or a copy of `dflt` (NULL when dflt is NULL).
 */
int braid_ctx_config_string(char **out, braid_ctx *ctx, const char *key,
                            const char *dflt) BRAID_WARN_UNUSED;
int braid_ctx_config_bool(braid_ctx *ctx, const char *key, int dflt);
int64_t braid_ctx_config_int(braid_ctx *ctx, const char *key, int64_t dflt);

/** Write a setting to .braid/config. */
int braid_ctx_config_set(braid_ctx *ctx, const char *key, const char *value) BRAID_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
