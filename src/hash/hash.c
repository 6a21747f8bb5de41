/*
 * hash.c: BLAKE3 behind braid's hash API. The opaque braid_hasher keeps
 * blake3.h out of the public headers.
 */
#include "common.h"
#include "braid/hash.h"

#include <blake3.h>

_Static_assert(sizeof(braid_hasher) >= sizeof(blake3_hasher), "braid_hasher too small");
_Static_assert(BLAKE3_OUT_LEN == BRAID_HASH_SIZE, "hash size");

void braid_hash_init(braid_hasher *h)
{
	blake3_hasher_init((blake3_hasher *)h->opaque);
}

void braid_hash_update(braid_hasher *h, const void *data, size_t len)
{
	blake3_hasher_update((blake3_hasher *)h->opaque, data, len);
}

void braid_hash_final(braid_hasher *h, unsigned char out[BRAID_HASH_SIZE])
{
	blake3_hasher_finalize((blake3_hasher *)h->opaque, out, BRAID_HASH_SIZE);
}

void braid_hash(unsigned char out[BRAID_HASH_SIZE], const void *data, size_t len)
{
	braid_hasher h;
	braid_hash_init(&h);
	braid_hash_update(&h, data, len);
	braid_hash_final(&h, out);
}

void braid_hex_encode(char *hex, const unsigned char *bytes, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[bytes[i] >> 4];
		hex[2 * i + 1] = digits[bytes[i] & 15];
	}
	hex[2 * len] = '\0';
}

void braid_hash_hex(char hex[BRAID_HASH_HEXSIZE + 1], const void *data, size_t len)
{
	unsigned char h[BRAID_HASH_SIZE];
	braid_hash(h, data, len);
	braid_hex_encode(hex, h, sizeof(h));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int braid_hex_decode(unsigned char *bytes, size_t len, const char *hex)
{
	size_t i;

	if (strlen(hex) != 2 * len)
		return braid_error_set(BRAID_EINVALID, "expected %zu hex digits", 2 * len);
	for (i = 0; i < len; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return braid_error_set(BRAID_EINVALID, "bad hex digit in '%s'", hex);
		bytes[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
