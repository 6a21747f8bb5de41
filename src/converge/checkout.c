/*
 * checkout.c: writing a new tree into an agent's worktree without ever
 * overwriting an edit. Every file about to change is first compared with
 * what braid believes is on disk; only if all match does anything get
 * written, each file atomically (temp file + rename).
 */
#include "common.h"
#include "braid/repo.h"
#include "converge/converge_int.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"

#include <sys/stat.h>
#include <unistd.h>

/* Does the file at `abs` hold exactly blob `id` (or not exist, when id is NULL)? */
static int disk_matches(const char *abs, const git_oid *id, uint32_t mode)
{
	struct stat st;
	git_oid h;

	if (lstat(abs, &st) < 0)
		return !id;
	if (!id)
		return 0;
	if (mode == GIT_FILEMODE_LINK) {
		char target[4096];
		ssize_t n = readlink(abs, target, sizeof(target));
		return n >= 0 && git_odb_hash(&h, target, (size_t)n, GIT_OBJECT_BLOB) == 0 &&
		       git_oid_equal(&h, id);
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	if (git_odb_hashfile(&h, abs, GIT_OBJECT_BLOB) < 0) {
		git_error_clear();
		return 0;
	}
	return git_oid_equal(&h, id);
}

static int write_entry(git_repository *repo, const char *abs, const git_oid *id, uint32_t mode)
{
	git_blob *b = NULL;
	braid_buf dir = BRAID_BUF_INIT;
	int rc, err;

	if (mode == GIT_FILEMODE_COMMIT)
		return 0; /* submodules are not braid's to check out */
	if ((rc = git_blob_lookup(&b, repo, id)) < 0)
		return braid_error_git(rc, "cannot read blob");
	if ((err = braid_path_dirname(&dir, abs)) < 0 ||
	    (err = braid_fs_mkdir_p(dir.ptr, 0755)) < 0)
		goto done;
	if (mode == GIT_FILEMODE_LINK) {
		char *target = braid_strndup(git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
		if (!target) {
			err = BRAID_ENOMEM;
			goto done;
		}
		unlink(abs);
		if (symlink(target, abs) < 0)
			err = braid_error_os("cannot create symlink", abs);
		free(target);
		goto done;
	}
	err = braid_fs_write_atomic(abs, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b),
	                            mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644);
done:
	braid_buf_dispose(&dir);
	git_blob_free(b);
	return err;
}

int braid_converge__checkout(git_repository *wt, const char *workdir, const git_oid *from,
                             const git_oid *to, size_t *written)
{
	git_tree *ft = NULL, *tt = NULL;
	git_diff *diff = NULL;
	git_diff_options o;
	braid_buf abs = BRAID_BUF_INIT;
	size_t i, n;
	int rc, err = 0;

	*written = 0;
	if (git_oid_equal(from, to))
		return 0;
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	if ((rc = git_tree_lookup(&ft, wt, from)) < 0 || (rc = git_tree_lookup(&tt, wt, to)) < 0 ||
	    (rc = git_diff_tree_to_tree(&diff, wt, ft, tt, &o)) < 0) {
		err = braid_error_git(rc, "cannot compare trees");
		goto done;
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		int had = d->status != GIT_DELTA_ADDED;
		if ((err = braid_path_join(&abs, workdir, d->new_file.path)) < 0)
			goto done;
		if (!disk_matches(abs.ptr, had ? &d->old_file.id : NULL, d->old_file.mode) &&
		    !(d->status != GIT_DELTA_DELETED &&
		      disk_matches(abs.ptr, &d->new_file.id, d->new_file.mode))) {
			err = braid_error_set(
			    BRAID_ESTALE,
			    "'%s' changed in the workspace while braid was working; "
			    "nothing was written, run the command again",
			    d->new_file.path);
			goto done;
		}
	}
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		if ((err = braid_path_join(&abs, workdir, d->new_file.path)) < 0)
			goto done;
		if (d->status == GIT_DELTA_DELETED) {
			if (unlink(abs.ptr) < 0 && errno != ENOENT) {
				err = braid_error_os("cannot remove", abs.ptr);
				goto done;
			}
		} else if ((err = write_entry(wt, abs.ptr, &d->new_file.id, d->new_file.mode)) <
		           0) {
			goto done;
		}
		(*written)++;
	}
done:
	braid_buf_dispose(&abs);
	git_diff_free(diff);
	git_tree_free(ft);
	git_tree_free(tt);
	return err;
}
