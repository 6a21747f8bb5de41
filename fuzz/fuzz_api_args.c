/*
 * fuzz_api_args.c: arbitrary JSON as the arguments of every api method
 * (what an MCP tools/call or an HTTP body carries) through the schema check.
 */
#include <stddef.h>
#include <stdint.h>

#include "braid/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *args = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	size_t i, n = braid_api_method_count();

	for (i = 0; i < n; i++)
		(void)braid_api_check_args(braid_api_method_at(i), args);
	json_decref(args);
	return 0;
}
