/*
 * buf.c: growable buffer. Growth is geometric (1.5x) so appends are
 * amortized O(1); every size computation is checked for overflow.
 */
#include "common.h"
#include "util/buf.h"

char braid_buf__empty[1];

int braid_buf_grow(braid_buf *b, size_t extra)
{
	size_t need, nsize;
	char *p;

	if (extra > SIZE_MAX - b->size - 1)
		return braid_error_set(BRAID_ENOMEM, "buffer size overflow");
	need = b->size + extra + 1;
	if (need <= b->asize)
		return 0;
	nsize = b->asize ? b->asize : 64;
	while (nsize < need)
		nsize = nsize > SIZE_MAX / 3 * 2 ? need : nsize + nsize / 2;
	p = b->asize ? realloc(b->ptr, nsize) : malloc(nsize);
	if (!p)
		return braid_error_set(BRAID_ENOMEM, "out of memory growing a buffer to %zu bytes",
		                       nsize);
	if (!b->asize)
		p[0] = '\0';
	b->ptr = p;
	b->asize = nsize;
	return 0;
}

int braid_buf_put(braid_buf *b, const void *data, size_t len)
{
	int err;

	if (!len)
		return 0;
	if ((err = braid_buf_grow(b, len)) < 0)
		return err;
	memmove(b->ptr + b->size, data, len);
	b->size += len;
	b->ptr[b->size] = '\0';
	return 0;
}

int braid_buf_puts(braid_buf *b, const char *s)
{
	return braid_buf_put(b, s, strlen(s));
}

int braid_buf_putc(braid_buf *b, char c)
{
	return braid_buf_put(b, &c, 1);
}

int braid_buf_vprintf(braid_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, err;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return braid_error_set(BRAID_ERROR, "bad format string");
	if ((err = braid_buf_grow(b, (size_t)n)) < 0)
		return err;
	vsnprintf(b->ptr + b->size, (size_t)n + 1, fmt, ap);
	b->size += (size_t)n;
	return 0;
}

int braid_buf_printf(braid_buf *b, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = braid_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return err;
}

int braid_buf_set(braid_buf *b, const void *data, size_t len)
{
	braid_buf_clear(b);
	return braid_buf_put(b, data, len);
}

void braid_buf_truncate(braid_buf *b, size_t len)
{
	if (len < b->size) {
		b->size = len;
		b->ptr[len] = '\0';
	}
}

void braid_buf_clear(braid_buf *b)
{
	braid_buf_truncate(b, 0);
}

char *braid_buf_detach(braid_buf *b)
{
	char *p = b->asize ? b->ptr : calloc(1, 1);

	b->ptr = braid_buf__empty;
	b->size = b->asize = 0;
	return p;
}

void braid_buf_dispose(braid_buf *b)
{
	if (b->asize)
		free(b->ptr);
	b->ptr = braid_buf__empty;
	b->size = b->asize = 0;
}

char *braid_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p) {
		braid_error_set(BRAID_ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *braid_strdup(const char *s)
{
	return braid_strndup(s, strlen(s));
}

char *braid_sprintf_alloc(const char *fmt, ...)
{
	braid_buf b = BRAID_BUF_INIT;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = braid_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (err < 0) {
		braid_buf_dispose(&b);
		return NULL;
	}
	return braid_buf_detach(&b);
}
