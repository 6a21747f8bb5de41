/*
 * path.c: lexical path handling. Nothing here follows symlinks; callers that
 * need physical paths resolve them with realpath first.
 */
#include "common.h"
#include "util/path.h"

int braid_path_join(braid_buf *out, const char *a, const char *b)
{
	size_t la = strlen(a);
	int err;

	braid_buf_clear(out);
	if ((err = braid_buf_put(out, a, la)) < 0)
		return err;
	if (la && a[la - 1] != '/' && (err = braid_buf_putc(out, '/')) < 0)
		return err;
	while (*b == '/')
		b++;
	return braid_buf_puts(out, b);
}

int braid_path_dirname(braid_buf *out, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return braid_buf_set(out, ".", 1);
	if (slash == path)
		return braid_buf_set(out, "/", 1);
	return braid_buf_set(out, path, (size_t)(slash - path));
}

const char *braid_path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int braid_path_validate_rel(const char *rel)
{
	const char *p = rel, *end;
	size_t len;

	if (!rel || !*rel)
		return braid_error_set(BRAID_EINVALID, "empty path");
	len = strlen(rel);
	if (len > 4096)
		return braid_error_set(BRAID_EINVALID, "path is longer than 4096 bytes");
	if (rel[0] == '/')
		return braid_error_set(
		    BRAID_EINVALID, "path '%s' is absolute; give a path relative to the repository",
		    rel);
	while (*p) {
		end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 0)
			return braid_error_set(BRAID_EINVALID, "path '%s' has an empty component",
			                       rel);
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return braid_error_set(BRAID_EINVALID,
			                       "path '%s' leaves the repository or uses '.'/'..'; "
			                       "give a plain path inside the repository",
			                       rel);
		if ((len == 4 && !strncmp(p, ".git", 4)) || (len == 6 && !strncmp(p, ".braid", 6)))
			return braid_error_set(BRAID_EINVALID,
			                       "path '%s' points into braid's or git's own state",
			                       rel);
		p = *end ? end + 1 : end;
	}
	return 0;
}

int braid_path_normalize(braid_buf *out, const char *abs)
{
	const char *p = abs;
	int err;

	braid_buf_clear(out);
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 1 && p[0] == '.') {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(out->ptr, '/');
			braid_buf_truncate(out, slash ? (size_t)(slash - out->ptr) : 0);
		} else {
			if ((err = braid_buf_putc(out, '/')) < 0 ||
			    (err = braid_buf_put(out, p, len)) < 0)
				return err;
		}
		p += len;
	}
	if (!out->size)
		return braid_buf_putc(out, '/');
	return 0;
}

int braid_path_relative_to(braid_buf *out, const char *root, const char *cwd, const char *path)
{
	braid_buf abs = BRAID_BUF_INIT, nroot = BRAID_BUF_INIT, norm = BRAID_BUF_INIT;
	size_t rl;
	int err;

	if (path[0] == '/')
		err = braid_buf_puts(&abs, path);
	else
		err = braid_path_join(&abs, cwd, path);
	if (err < 0 || (err = braid_path_normalize(&norm, abs.ptr)) < 0 ||
	    (err = braid_path_normalize(&nroot, root)) < 0)
		goto done;
	rl = nroot.size;
	if (rl == 1)
		rl = 0;
	if (strncmp(norm.ptr, nroot.ptr, rl) != 0 ||
	    (norm.ptr[rl] != '/' && norm.ptr[rl] != '\0')) {
		err = braid_error_set(BRAID_EINVALID, "path '%s' is outside the repository '%s'",
		                      path, root);
		goto done;
	}
	err = braid_buf_puts(out, norm.ptr[rl] == '/' ? norm.ptr + rl + 1 : "");
done:
	braid_buf_dispose(&abs);
	braid_buf_dispose(&nroot);
	braid_buf_dispose(&norm);
	return err;
}
