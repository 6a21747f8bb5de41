/*
 * buf.h: braid's one growable byte buffer (git's strbuf idea). A buffer is
 * never NULL: after BRAID_BUF_INIT `ptr` points at a shared empty string, and
 * it is always NUL-terminated. Functions return 0 or BRAID_ENOMEM; once a
 * grow fails the buffer stays valid and unchanged.
 */
#ifndef BRAID_UTIL_BUF_H
#define BRAID_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "braid/common.h"

typedef struct braid_buf {
	char *ptr;
	size_t size;  /**< bytes used, excluding the terminating NUL */
	size_t asize; /**< bytes allocated; 0 while ptr is the shared empty string */
} braid_buf;

extern char braid_buf__empty[];
#define BRAID_BUF_INIT                                                                             \
	{                                                                                          \
		braid_buf__empty, 0, 0                                                             \
	}

int braid_buf_grow(braid_buf *b, size_t extra) BRAID_WARN_UNUSED;
int braid_buf_put(braid_buf *b, const void *data, size_t len) BRAID_WARN_UNUSED;
int braid_buf_puts(braid_buf *b, const char *s) BRAID_WARN_UNUSED;
int braid_buf_putc(braid_buf *b, char c) BRAID_WARN_UNUSED;
int braid_buf_printf(braid_buf *b, const char *fmt, ...) BRAID_PRINTF(2, 3) BRAID_WARN_UNUSED;
int braid_buf_vprintf(braid_buf *b, const char *fmt, va_list ap) BRAID_WARN_UNUSED;
int braid_buf_set(braid_buf *b, const void *data, size_t len) BRAID_WARN_UNUSED;
void braid_buf_truncate(braid_buf *b, size_t len);
void braid_buf_clear(braid_buf *b);

/** Hand the contents to the caller (always a malloc'd string) and reset the buffer. */
char *braid_buf_detach(braid_buf *b);

/** Free the contents and reset to BRAID_BUF_INIT. */
void braid_buf_dispose(braid_buf *b);

/** malloc'd copy of `s`, or NULL with BRAID_ENOMEM recorded. */
char *braid_strdup(const char *s);
char *braid_strndup(const char *s, size_t n);

/** malloc'd printf result, or NULL with BRAID_ENOMEM recorded. */
char *braid_sprintf_alloc(const char *fmt, ...) BRAID_PRINTF(1, 2);

#endif
