/*
 * fuzz_http_route.c: arbitrary request lines through the daemon's route
 * matcher (server/routes.c). Whatever the URL, a matched path parameter is
 * one segment of [A-Za-z0-9._-] that is not "." or "..".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *sp;
	srv_match m;
	size_t i;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	sp = strchr(line, ' ');
	if (sp) {
		*sp = '\0';
		if (srv_route_match(&m, line, sp + 1) == 0) {
			for (i = 0; i < m.n; i++) {
				const char *v = m.values[i];
				if (!*v ||
				    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				              "0123456789._-") != strlen(v) ||
				    !strcmp(v, ".") || !strcmp(v, "..") || strlen(v) > 128)
					abort();
			}
		}
		srv_match_release(&m);
	}
	free(line);
	return 0;
}
