/*
 * repo.c: libgit2 at braid's edge. The compare-and-swap is libgit2's
 * git_reference_create_matching (which takes the ref's lock file); a busy
 * lock is retried with jittered backoff for a bounded time, because with
 * many agents a lock held for microseconds by a sibling is normal.
 */
#include "common.h"
#include "braid/repo.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/time.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_RETRY_MS 30000

/* Sleep before retry `attempt` of a lock-contended write: exponential, jittered, capped at 50ms. */
static void backoff(int attempt)
{
	long base = 200L << (attempt < 8 ? attempt : 8);
	if (base > 50000)
		base = 50000;
	braid_time_sleep_us(base / 2 + (long)randombytes_uniform((uint32_t)base / 2 + 1));
}

int braid_repo_cas_ref(git_repository *repo, const char *refname, const git_oid *new_id,
                       const git_oid *expected, const char *log_message)
{
	int64_t deadline = braid_time_mono_ms() + LOCK_RETRY_MS;
	int attempt = 0, rc;
	git_reference *ref = NULL;

	for (;;) {
		rc = git_reference_create_matching(&ref, repo, refname, new_id, expected ? 1 : 0,
		                                   expected, log_message);
		git_reference_free(ref);
		ref = NULL;
		if (rc == 0)
			return 0;
		if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS)
			return braid_error_set(BRAID_ESTALE,
			                       "'%s' moved while braid was updating it", refname);
		if (rc != GIT_ELOCKED || braid_time_mono_ms() > deadline)
			return braid_error_git(rc, refname);
		backoff(attempt++);
	}
}

int braid_repo_ref_oid(git_oid *out, git_repository *repo, const char *refname)
{
	int rc = git_reference_name_to_id(out, repo, refname);

	if (rc == GIT_ENOTFOUND)
		return braid_error_set(BRAID_ENOTFOUND, "no ref '%s'", refname);
	return rc < 0 ? braid_error_git(rc, refname) : 0;
}

int braid_repo_delete_ref(git_repository *repo, const char *refname, const git_oid *expected)
{
	int64_t deadline = braid_time_mono_ms() + LOCK_RETRY_MS;
	int attempt = 0, rc;

	for (;;) {
		git_reference *ref = NULL;
		rc = git_reference_lookup(&ref, repo, refname);
		if (rc == GIT_ENOTFOUND)
			return 0;
		if (rc == 0) {
			if (expected && git_reference_target(ref) &&
			    !git_oid_equal(git_reference_target(ref), expected)) {
				git_reference_free(ref);
				return braid_error_set(BRAID_ESTALE, "'%s' moved; not deleting it",
				                       refname);
			}
			rc = git_reference_delete(ref);
			git_reference_free(ref);
			if (rc == 0 || rc == GIT_ENOTFOUND)
				return 0;
		}
		if (rc != GIT_ELOCKED || braid_time_mono_ms() > deadline)
			return braid_error_git(rc, refname);
		backoff(attempt++);
	}
}

static int write_text(const char *dir, const char *file, const char *content)
{
	braid_buf p = BRAID_BUF_INIT;
	int err;

	if ((err = braid_path_join(&p, dir, file)) == 0)
		err = braid_fs_write_atomic(p.ptr, content, strlen(content), 0644);
	braid_buf_dispose(&p);
	return err;
}

int braid_repo_worktree_add(git_repository *repo, const char *name, const char *path,
                            const git_oid *commit)
{
	braid_buf admin = BRAID_BUF_INIT, gitfile = BRAID_BUF_INIT, txt = BRAID_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1], abspath[4096];
	git_repository *wt = NULL;
	git_commit *c = NULL;
	git_checkout_options co;
	int err, rc, made = 0;

	if (strchr(name, '/'))
		return braid_error_set(BRAID_EINVALID, "worktree name '%s' contains '/'", name);
	if (braid_fs_exists(path)) {
		if (rmdir(path) < 0)
			return braid_error_set(BRAID_EEXISTS,
			                       "'%s' already exists; choose another --path", path);
	}
	if ((err = braid_path_join(&admin, git_repository_commondir(repo), "worktrees")) < 0 ||
	    (err = braid_buf_printf(&admin, "/%s", name)) < 0)
		goto done;
	if (braid_fs_exists(admin.ptr)) {
		err = braid_error_set(BRAID_EEXISTS, "git already has a worktree named '%s'", name);
		goto done;
	}
	made = 1;
	if ((err = braid_fs_mkdir_p(path, 0755)) < 0 ||
	    (err = braid_fs_mkdir_p(admin.ptr, 0755)) < 0)
		goto done;
	if (!realpath(path, abspath)) {
		err = braid_error_os("cannot resolve", path);
		goto done;
	}
	/* The same files `git worktree add --detach` writes, in the order that keeps it valid. */
	if ((err = braid_buf_printf(&gitfile, "%s/.git", abspath)) < 0 ||
	    (err = braid_buf_printf(&txt, "%s\n", gitfile.ptr)) < 0 ||
	    (err = write_text(admin.ptr, "gitdir", txt.ptr)) < 0 ||
	    (err = write_text(admin.ptr, "commondir", "../..\n")) < 0)
		goto done;
	braid_buf_clear(&txt);
	if ((err = braid_buf_printf(&txt, "%s\n", braid_repo_oid_hex(hex, commit))) < 0 ||
	    (err = write_text(admin.ptr, "HEAD", txt.ptr)) < 0)
		goto done;
	braid_buf_clear(&txt);
	if ((err = braid_buf_printf(&txt, "gitdir: %s\n", admin.ptr)) < 0 ||
	    (err = braid_fs_write_atomic(gitfile.ptr, txt.ptr, txt.size, 0644)) < 0)
		goto done;
	if ((rc = git_repository_open(&wt, abspath)) < 0 ||
	    (rc = git_commit_lookup(&c, wt, commit)) < 0) {
		err = braid_error_git(rc, "cannot open the new worktree");
		goto done;
	}
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_RECREATE_MISSING;
	if ((rc = git_checkout_tree(wt, (git_object *)c, &co)) < 0) {
		err = braid_error_git(rc, "cannot check out the new worktree");
		goto done;
	}
	if ((rc = git_repository_set_head_detached(wt, commit)) < 0)
		err = braid_error_git(rc, "cannot set the worktree's HEAD");
done:
	if (err < 0 && made) {
		/* Leave no half-made worktree behind (libgit2's own trap). */
		int cleanup = braid_fs_rm_rf(admin.ptr);
		cleanup |= braid_fs_rm_rf(path);
		BRAID_UNUSED(cleanup);
	}
	git_commit_free(c);
	git_repository_free(wt);
	braid_buf_dispose(&admin);
	braid_buf_dispose(&gitfile);
	braid_buf_dispose(&txt);
	return err;
}

int braid_repo_worktree_remove(git_repository *repo, const char *name, const char *path)
{
	braid_buf admin = BRAID_BUF_INIT;
	int err;

	if ((err = braid_path_join(&admin, git_repository_commondir(repo), "worktrees")) < 0 ||
	    (err = braid_buf_printf(&admin, "/%s", name)) < 0)
		goto done;
	if ((err = braid_fs_rm_rf(path)) < 0)
		goto done;
	err = braid_fs_rm_rf(admin.ptr);
done:
	braid_buf_dispose(&admin);
	return err;
}

int braid_repo_snapshot(git_oid *tree_out, git_index **index_out, git_repository *wt)
{
	git_index *idx = NULL;
	git_diff *diff = NULL;
	git_diff_options o;
	size_t i, n;
	int rc;

	/*
	 * Like `git add -A`, in one walk of the worktree: diff the worktree's
	 * own index against the files (its stat cache means unchanged files
	 * are not re-hashed), then apply each difference to the index in
	 * memory. Nothing is written to disk here, so no index.lock is taken.
	 */
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
	          GIT_DIFF_INCLUDE_TYPECHANGE;
	if ((rc = git_repository_index(&idx, wt)) < 0 || (rc = git_index_read(idx, 0)) < 0 ||
	    (rc = git_diff_index_to_workdir(&diff, wt, idx, &o)) < 0)
		goto fail;
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		if (d->status == GIT_DELTA_DELETED)
			rc = git_index_remove_bypath(idx, d->old_file.path);
		else
			rc = git_index_add_bypath(idx, d->new_file.path);
		if (rc < 0)
			goto fail;
	}
	if ((rc = git_index_write_tree(tree_out, idx)) < 0)
		goto fail;
	git_diff_free(diff);
	if (index_out)
		*index_out = idx;
	else
		git_index_free(idx);
	return 0;
fail:
	git_diff_free(diff);
	git_index_free(idx);
	return braid_error_git(rc, "cannot snapshot the workspace");
}

int braid_repo_index_write(git_index *index)
{
	int64_t deadline = braid_time_mono_ms() + LOCK_RETRY_MS;
	int attempt = 0, rc;

	while ((rc = git_index_write(index)) == GIT_ELOCKED && braid_time_mono_ms() < deadline)
		backoff(attempt++);
	return rc < 0 ? braid_error_git(rc, "cannot write the index") : 0;
}

int braid_repo_commit(git_oid *out, git_repository *repo, const git_oid *tree,
                      const git_oid *parents, size_t nparents, const char *author_name,
                      const char *author_email, const char *message)
{
	git_signature *author = NULL, *committer = NULL;
	git_tree *t = NULL;
	git_commit *pc[8] = {0};
	size_t i;
	int rc, err = 0;

	if (nparents > BRAID_ARRAY_SIZE(pc))
		return braid_error_set(BRAID_EINVALID, "too many parents");
	if ((rc = git_signature_now(&committer, "braid", "braid@localhost")) < 0 ||
	    (rc = author_name ? git_signature_now(&author, author_name,
	                                          author_email ? author_email : "agent@braid.local")
	                      : git_signature_dup(&author, committer)) < 0 ||
	    (rc = git_tree_lookup(&t, repo, tree)) < 0) {
		err = braid_error_git(rc, "cannot prepare commit");
		goto done;
	}
	for (i = 0; i < nparents; i++) {
		if ((rc = git_commit_lookup(&pc[i], repo, &parents[i])) < 0) {
			err = braid_error_git(rc, "cannot find parent commit");
			goto done;
		}
	}
	if ((rc = git_commit_create(out, repo, NULL, author, committer, "UTF-8", message, t,
	                            nparents, (const git_commit **)pc)) < 0)
		err = braid_error_git(rc, "cannot create commit");
done:
	for (i = 0; i < nparents && i < BRAID_ARRAY_SIZE(pc); i++)
		git_commit_free(pc[i]);
	git_tree_free(t);
	git_signature_free(author);
	git_signature_free(committer);
	return err;
}

int braid_repo_commit_tree(git_oid *out, git_repository *repo, const git_oid *commit)
{
	git_commit *c = NULL;
	int rc = git_commit_lookup(&c, repo, commit);

	if (rc < 0)
		return braid_error_git(rc, "cannot find commit");
	git_oid_cpy(out, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

int braid_repo_is_ancestor(git_repository *repo, const git_oid *ancestor, const git_oid *descendant)
{
	int rc;

	if (git_oid_equal(ancestor, descendant))
		return 1;
	rc = git_graph_descendant_of(repo, descendant, ancestor);
	return rc < 0 ? braid_error_git(rc, "cannot compare commits") : rc;
}

int braid_repo_oid_parse(git_oid *out, const char *hex)
{
	if (!hex || strlen(hex) != GIT_OID_HEXSZ || git_oid_fromstr(out, hex) < 0)
		return braid_error_set(BRAID_EINVALID, "'%s' is not a commit id", hex ? hex : "");
	return 0;
}

char *braid_repo_oid_hex(char *buf, const git_oid *oid)
{
	git_oid_tostr(buf, GIT_OID_HEXSZ + 1, oid);
	return buf;
}
