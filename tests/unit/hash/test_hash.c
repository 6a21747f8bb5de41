/* test_hash.c: BLAKE3 against the published test vector and hex helpers. */
#include "common.h"
#include "harness.h"
#include "braid/hash.h"

TEST(blake3_empty_input_vector)
{
	char hex[BRAID_HASH_HEXSIZE + 1];

	braid_hash_hex(hex, "", 0);
	CHECK_STR(hex, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
}

TEST(incremental_equals_oneshot)
{
	braid_hasher h;
	unsigned char a[BRAID_HASH_SIZE], b[BRAID_HASH_SIZE];

	braid_hash_init(&h);
	braid_hash_update(&h, "hello ", 6);
	braid_hash_update(&h, "world", 5);
	braid_hash_final(&h, a);
	braid_hash(b, "hello world", 11);
	CHECK(!memcmp(a, b, sizeof(a)));
}

TEST(hex_roundtrip)
{
	unsigned char in[4] = {0, 0xab, 0x10, 0xff}, out[4];
	char hex[9];

	braid_hex_encode(hex, in, 4);
	CHECK_STR(hex, "00ab10ff");
	CHECK_OK(braid_hex_decode(out, 4, hex));
	CHECK(!memcmp(in, out, 4));
	CHECK_INT(braid_hex_decode(out, 4, "00ab10fg"), BRAID_EINVALID);
}
