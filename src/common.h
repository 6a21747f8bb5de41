/*
 * common.h: the first include of every libbraid source file. Pulls in the
 * public error codes, the private error setter and libc, then bans the libc
 * functions braid must not use (as git's banned.h).
 */
#ifndef BRAID_SRC_COMMON_H
#define BRAID_SRC_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braid/common.h"
#include "util/error.h"

#define BRAID_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BRAID_UNUSED(x)     ((void)(x))

/* Argument checks for API misuse: they set an error and return EINVALID. */
#define BRAID_ASSERT_ARG(expr)                                                                     \
	do {                                                                                       \
		if (!(expr))                                                                       \
			return braid_error_set(BRAID_EINVALID, "invalid argument: %s", #expr);     \
	} while (0)

#include "util/banned.h"

#endif
