/*
 * op_int.h: what other libbraid modules may ask of the op log beyond the
 * public header: recording an op from a JSON value they built themselves.
 */
#ifndef BRAID_OP_INT_H
#define BRAID_OP_INT_H

#include <jansson.h>

#include "braid/op.h"

/**
 * Record an op whose payload is the JSON object `payload` (borrowed; dumped
 * once in canonical form, not parsed back). Routine lock grants and releases
 * ("intent.grant", "intent.release") are recorded without a signature of
 * their own: the next signed op seals them (its id commits to theirs through
 * its parents), and every 64th op is signed whatever its kind, so at most
 * 63 of them wait for a seal. braid_op_verify_all counts those as unsealed.
 * Otherwise as braid_op_record.
 */
int braid_op__record_json(char **id_out, braid_ctx *ctx, const char *agent_id, const char *kind,
                          const json_t *payload) BRAID_WARN_UNUSED;

/** The values of `op.signing` in .braid/config. */
enum { BRAID_OP__SIGN_EACH = 0, BRAID_OP__SEALED = 1 };

/**
 * braid_op__record_json for a caller that has read `op.signing` already
 * (`signing`: BRAID_OP__SIGN_EACH or BRAID_OP__SEALED), so each op does not
 * read the configuration again (a lock transaction records many).
 */
int braid_op__record_json_signing(char **id_out, braid_ctx *ctx, const char *agent_id,
                                  const char *kind, const json_t *payload,
                                  int signing) BRAID_WARN_UNUSED;

#endif
