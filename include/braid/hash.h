/*
 * hash.h: content ids. braid names ops, read snapshots and regions by the
 * BLAKE3 hash of their bytes (32 bytes, shown as 64 lowercase hex digits).
 * BLAKE3 comes from the official C implementation shipped by Debian's
 * librust-blake3-dev and compiled into libbraid.
 */
#ifndef BRAID_HASH_H
#define BRAID_HASH_H

#include "braid/common.h"

#define BRAID_HASH_SIZE    32
#define BRAID_HASH_HEXSIZE 64

/** Incremental hasher; opaque storage the caller owns (no free needed). */
typedef struct braid_hasher {
	uint64_t opaque[240]; /* large enough for blake3_hasher (1912 bytes) */
} braid_hasher;

void braid_hash_init(braid_hasher *h);
void braid_hash_update(braid_hasher *h, const void *data, size_t len);
void braid_hash_final(braid_hasher *h, unsigned char out[BRAID_HASH_SIZE]);

/** One-shot hash of `data` into `out`. */
void braid_hash(unsigned char out[BRAID_HASH_SIZE], const void *data, size_t len);

/** One-shot hash as a NUL-terminated hex string in `hex` (65 bytes). */
void braid_hash_hex(char hex[BRAID_HASH_HEXSIZE + 1], const void *data, size_t len);

/** Hex-encode `len` bytes into `hex` (2*len+1 bytes). */
void braid_hex_encode(char *hex, const unsigned char *bytes, size_t len);

/** Decode exactly `len` bytes from hex; BRAID_EINVALID on bad input. */
int braid_hex_decode(unsigned char *bytes, size_t len, const char *hex) BRAID_WARN_UNUSED;

#endif
