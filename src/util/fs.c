/*
 * fs.c: file-system helpers. Atomic writes follow the classic recipe
 * (write to a unique temp name beside the target, fsync, rename, fsync the
 * directory) so a crash leaves either the old or the new file.
 */
#include "common.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/time.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int braid_fs_read(braid_buf *out, const char *path, size_t cap)
{
	int fd, err = 0;
	char chunk[65536];
	ssize_t n;

	braid_buf_clear(out);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? braid_error_set(BRAID_ENOTFOUND, "no such file '%s'", path)
		                       : braid_error_os("cannot open", path);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = braid_error_os("cannot read", path);
			break;
		}
		if (out->size + (size_t)n > cap) {
			err = braid_error_set(BRAID_EINVALID,
			                      "'%s' is larger than the %zu-byte limit", path, cap);
			break;
		}
		if ((err = braid_buf_put(out, chunk, (size_t)n)) < 0)
			break;
	}
	close(fd);
	return err;
}

int braid_fs_sync_parent(const char *path)
{
	braid_buf dir = BRAID_BUF_INIT;
	int fd, err = 0;

	if ((err = braid_path_dirname(&dir, path)) < 0)
		return err;
	if ((fd = open(dir.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(fd) < 0 && errno != EINVAL)
			err = braid_error_os("cannot sync directory", dir.ptr);
		close(fd);
	}
	braid_buf_dispose(&dir);
	return err;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int braid_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	braid_buf tmp = BRAID_BUF_INIT;
	int fd = -1, err;

	if ((err = braid_buf_printf(&tmp, "%s.tmp.%ld.%lld", path, (long)getpid(),
	                            (long long)braid_time_now_us())) < 0)
		return err;
	if ((fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0) {
		err = braid_error_os("cannot create", tmp.ptr);
		goto done;
	}
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		err = braid_error_os("cannot write", tmp.ptr);
		goto done;
	}
	close(fd);
	fd = -1;
	if (rename(tmp.ptr, path) < 0) {
		err = braid_error_os("cannot rename into place", path);
		goto done;
	}
	err = braid_fs_sync_parent(path);
done:
	if (fd >= 0)
		close(fd);
	if (err < 0)
		unlink(tmp.ptr);
	braid_buf_dispose(&tmp);
	return err;
}

int braid_fs_mkdir_p(const char *path, mode_t mode)
{
	braid_buf p = BRAID_BUF_INIT;
	int err;
	size_t i;

	if ((err = braid_buf_puts(&p, path)) < 0)
		return err;
	for (i = 1; i <= p.size; i++) {
		if (p.ptr[i] != '/' && p.ptr[i] != '\0')
			continue;
		char saved = p.ptr[i];
		p.ptr[i] = '\0';
		if (mkdir(p.ptr, mode) < 0 && errno != EEXIST) {
			err = braid_error_os("cannot create directory", p.ptr);
			break;
		}
		p.ptr[i] = saved;
	}
	if (!err && !braid_fs_is_dir(path))
		err = braid_error_set(BRAID_ERROR, "'%s' exists and is not a directory", path);
	braid_buf_dispose(&p);
	return err;
}

int braid_fs_rm_rf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int err = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : braid_error_os("cannot stat", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return braid_error_os("cannot remove", path);
		return 0;
	}
	if (!(d = opendir(path)))
		return braid_error_os("cannot open directory", path);
	while (!err && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *child = braid_sprintf_alloc("%s/%s", path, e->d_name);
		if (!child) {
			err = BRAID_ENOMEM;
			break;
		}
		err = braid_fs_rm_rf(child);
		free(child);
	}
	closedir(d);
	if (!err && rmdir(path) < 0 && errno != ENOENT)
		err = braid_error_os("cannot remove directory", path);
	return err;
}

bool braid_fs_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

bool braid_fs_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int braid_flock_acquire(braid_flock *lk, const char *path, int timeout_ms,
                        void (*on_wait)(void *payload, long waited_ms), void *payload)
{
	int64_t start = braid_time_mono_ms(), next_report = start + 1000;
	long sleep_us = 200;
	int fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return braid_error_os("cannot open lock file", path);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int err = braid_error_os("cannot lock", path);
			close(fd);
			return err;
		}
		int64_t now = braid_time_mono_ms();
		if (timeout_ms >= 0 && now - start >= timeout_ms) {
			close(fd);
			return braid_error_set(BRAID_EBUSY, "'%s' is locked by another process",
			                       path);
		}
		if (on_wait && now >= next_report) {
			on_wait(payload, (long)(now - start));
			next_report = now + 1000;
		}
		braid_time_sleep_us(sleep_us);
		if (sleep_us < 20000)
			sleep_us *= 2;
	}
	lk->fd = fd;
	return 0;
}

void braid_flock_release(braid_flock *lk)
{
	if (lk->fd >= 0) {
		flock(lk->fd, LOCK_UN);
		close(lk->fd);
		lk->fd = -1;
	}
}
