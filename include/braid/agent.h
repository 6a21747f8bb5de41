/*
 * agent.h: identities. Every agent (a coding agent, a human, braid itself)
 * has a name, a role, an ed25519 key pair that signs its ops, and a bearer
 * token for the HTTP API. The private key lives in .braid/keys/<id>.key
 * (mode 0600); the database keeps only the public key and a hash of the
 * token.
 */
#ifndef BRAID_AGENT_H
#define BRAID_AGENT_H

#include "braid/ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BRAID_SIG_SIZE    64
#define BRAID_SIG_HEXSIZE 128

typedef struct braid_agent {
	char *id;     /**< "ag-" + 12 hex digits of the public key's hash */
	char *name;   /**< unique, [A-Za-z0-9._-], 1-64 characters */
	char *role;   /**< "worker", "main", "human" or "system" */
	char *pubkey; /**< 64 hex digits */
	int64_t created_at;
} braid_agent;

typedef struct braid_agent_list {
	braid_agent *items;
	size_t count;
} braid_agent_list;

/** The name braid's own identity has; it signs init and system ops. */
#define BRAID_SYSTEM_AGENT "braid"

/**
 * Create an agent: key pair, id, token; records an `agent.add` op.
 *
 * @param[out] out        the agent, owned by the caller (braid_agent_free).
 * @param[out] token_out  if not NULL, the bearer token (malloc'd, shown once;
 *                        also written to .braid/tokens/<name>, mode 0600).
 * @param role            "worker" (NULL), "main", "human"; "system" is reserved.
 * @return 0; BRAID_EINVALID for a bad name or role; BRAID_EEXISTS when the name is taken.
 */
int braid_agent_add(braid_agent **out, char **token_out, braid_ctx *ctx, const char *name,
                    const char *role) BRAID_WARN_UNUSED;

/** Find an agent by name or id. @return 0 or BRAID_ENOTFOUND. */
int braid_agent_lookup(braid_agent **out, braid_ctx *ctx, const char *name_or_id) BRAID_WARN_UNUSED;

/** Every agent, by creation time. */
int braid_agent_list_all(braid_agent_list **out, braid_ctx *ctx) BRAID_WARN_UNUSED;

/** Find the agent a bearer token belongs to. @return 0 or BRAID_EDENIED. */
int braid_agent_by_token(braid_agent **out, braid_ctx *ctx, const char *token) BRAID_WARN_UNUSED;

/** Sign `msg` with the agent's private key. */
int braid_agent_sign(unsigned char sig[BRAID_SIG_SIZE], braid_ctx *ctx, const char *agent_id,
                     const void *msg, size_t len) BRAID_WARN_UNUSED;

/** Check a signature against a hex public key: 0 valid, BRAID_EDENIED invalid. */
int braid_agent_verify(const char *pubkey_hex, const unsigned char sig[BRAID_SIG_SIZE],
                       const void *msg, size_t len) BRAID_WARN_UNUSED;

/** Validate an agent name (for fronts that want to check before calling). */
int braid_agent_name_valid(const char *name) BRAID_WARN_UNUSED;

void braid_agent_free(braid_agent *agent);
void braid_agent_list_free(braid_agent_list *list);

/** Create the token file for a read-only viewer (the dashboard) if missing; returns the token. */
int braid_agent_viewer_token(char **out, braid_ctx *ctx) BRAID_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
