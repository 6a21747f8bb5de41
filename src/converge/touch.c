/*
 * touch.c: what a submission touches, in the shape the intent module
 * checks (files with their change kind, new content and changed line
 * ranges), computed from the change's base and head trees.
 */
#include "common.h"
#include "braid/merge.h"
#include "converge/converge_int.h"
#include "util/buf.h"

void braid_converge__touches_free(braid_converge_touches *t)
{
	size_t i;

	for (i = 0; i < t->count; i++) {
		free((char *)t->items[i].path);
		free((char *)t->items[i].old_path);
		free((void *)t->items[i].ranges);
		/* count grows only once both arrays exist; clang-analyzer 14 does not
		 * see the memset() that zeroes it. */
		git_blob_free(t->blobs[i]); /* NOLINT(clang-analyzer-core.NullDereference) */
	}
	free(t->items);
	free(t->blobs);
	memset(t, 0, sizeof(*t));
}

static int ranges_for(braid_intent_touch *touch, git_repository *repo, const git_oid *old_id,
                      const char *content, size_t len)
{
	git_blob *ob = NULL;
	braid_diff_hunk *h = NULL;
	braid_intent_range *r = NULL;
	size_t n = 0, i;
	int err;

	if (git_blob_lookup(&ob, repo, old_id) < 0) {
		git_error_clear();
		return 0; /* unknown: the whole file counts */
	}
	err = braid_diff_lines(&h, &n, git_blob_rawcontent(ob), (size_t)git_blob_rawsize(ob),
	                       content, len);
	git_blob_free(ob);
	if (err < 0)
		return err;
	if (n && !(r = calloc(n, sizeof(*r)))) {
		free(h);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		r[i].start = h[i].new_start;
		r[i].end = h[i].new_end;
	}
	free(h);
	if (n) {
		touch->ranges = r;
		touch->nranges = n;
	}
	return 0;
}

int braid_converge__touches(braid_converge_touches *out, git_repository *repo, const git_oid *base,
                            const git_oid *head)
{
	git_commit *bc = NULL, *hc = NULL;
	git_tree *bt = NULL, *ht = NULL;
	git_diff *diff = NULL;
	git_diff_find_options fo;
	size_t i, n;
	int rc, err = 0;

	memset(out, 0, sizeof(*out));
	if ((rc = git_commit_lookup(&bc, repo, base)) < 0 ||
	    (rc = git_commit_lookup(&hc, repo, head)) < 0 || (rc = git_commit_tree(&bt, bc)) < 0 ||
	    (rc = git_commit_tree(&ht, hc)) < 0 ||
	    (rc = git_diff_tree_to_tree(&diff, repo, bt, ht, NULL)) < 0) {
		err = braid_error_git(rc, "cannot diff the submission");
		goto done;
	}
	git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
	fo.flags = GIT_DIFF_FIND_RENAMES;
	if ((rc = git_diff_find_similar(diff, &fo)) < 0) {
		err = braid_error_git(rc, "cannot detect renames");
		goto done;
	}
	n = git_diff_num_deltas(diff);
	if (n && (!(out->items = calloc(n, sizeof(*out->items))) ||
	          !(out->blobs = calloc(n, sizeof(*out->blobs))))) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < n && !err; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		braid_intent_touch *t = &out->items[out->count];
		int deleted = d->status == GIT_DELTA_DELETED;

		out->count++;
		t->path = braid_strdup(deleted ? d->old_file.path : d->new_file.path);
		if (!t->path) {
			err = BRAID_ENOMEM;
			break;
		}
		switch (d->status) {
		case GIT_DELTA_ADDED:
			t->change = BRAID_INTENT_ADDED;
			break;
		case GIT_DELTA_DELETED:
			t->change = BRAID_INTENT_DELETED;
			break;
		case GIT_DELTA_RENAMED:
			t->change = BRAID_INTENT_RENAMED;
			if (!(t->old_path = braid_strdup(d->old_file.path)))
				err = BRAID_ENOMEM;
			break;
		default:
			t->change = BRAID_INTENT_MODIFIED;
		}
		if (deleted || err)
			continue;
		if (git_blob_lookup(&out->blobs[i], repo, &d->new_file.id) < 0) {
			git_error_clear();
			continue;
		}
		t->content = git_blob_rawcontent(out->blobs[i]);
		t->content_len = (size_t)git_blob_rawsize(out->blobs[i]);
		if (d->status == GIT_DELTA_MODIFIED || d->status == GIT_DELTA_RENAMED)
			err = ranges_for(t, repo, &d->old_file.id, t->content, t->content_len);
	}
done:
	if (err < 0)
		braid_converge__touches_free(out);
	git_diff_free(diff);
	git_tree_free(bt);
	git_tree_free(ht);
	git_commit_free(bc);
	git_commit_free(hc);
	return err;
}
