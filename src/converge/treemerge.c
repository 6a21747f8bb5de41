/*
 * treemerge.c: three-way merge of trees. The result starts as ours (main)
 * and the submitted side's changes are applied to it one by one; only paths
 * both sides touched need a decision. Work is proportional to what changed:
 * libgit2's tree diff skips identical subtrees by id.
 */
#include "common.h"
#include "converge/treemerge.h"
#include "util/buf.h"

typedef struct side_change {
	git_delta_t status;
	const char *old_path, *new_path;
	git_oid old_id, new_id;
	uint32_t old_mode, new_mode;
} side_change;

static void file_clear(braid_tm_file *f)
{
	free(f->path);
	free(f->base_path);
	free(f->ours_path);
	free(f->theirs_path);
	free(f->description);
	json_decref(f->regions);
	free(f->marked);
	free(f->rewrite_note);
}

void braid_tm_result_clear(braid_tm_result *r)
{
	size_t i;
	for (i = 0; i < r->nfiles; i++)
		file_clear(&r->files[i]);
	free(r->files);
	json_decref(r->theirs_paths);
	memset(r, 0, sizeof(*r));
}

static int peel_tree(git_tree **out, git_repository *repo, const git_oid *id)
{
	git_object *o = NULL;
	int rc = git_object_lookup(&o, repo, id, GIT_OBJECT_ANY);

	if (rc == 0)
		rc = git_object_peel((git_object **)out, o, GIT_OBJECT_TREE);
	git_object_free(o);
	return rc < 0 ? braid_error_git(rc, "cannot read tree") : 0;
}

static int diff_side(git_diff **out, git_repository *repo, git_tree *a, git_tree *b)
{
	git_diff_options o;
	git_diff_find_options f;
	int rc;

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	if ((rc = git_diff_tree_to_tree(out, repo, a, b, &o)) < 0)
		return braid_error_git(rc, "cannot diff trees");
	git_diff_find_options_init(&f, GIT_DIFF_FIND_OPTIONS_VERSION);
	f.flags = GIT_DIFF_FIND_RENAMES;
	f.rename_limit = 1000;
	if ((rc = git_diff_find_similar(*out, &f)) < 0)
		return braid_error_git(rc, "cannot detect renames");
	return 0;
}

static void to_change(side_change *c, const git_diff_delta *d)
{
	c->status = d->status;
	c->old_path = d->old_file.path;
	c->new_path = d->new_file.path;
	git_oid_cpy(&c->old_id, &d->old_file.id);
	git_oid_cpy(&c->new_id, &d->new_file.id);
	c->old_mode = d->old_file.mode;
	c->new_mode = d->new_file.mode;
}

/* Ours' change to base path `path`, if any. */
static const git_diff_delta *ours_for_base(git_diff *d, const char *path)
{
	size_t i, n = git_diff_num_deltas(d);

	for (i = 0; i < n; i++) {
		const git_diff_delta *x = git_diff_get_delta(d, i);
		if (x->status != GIT_DELTA_ADDED && !strcmp(x->old_file.path, path))
			return x;
	}
	return NULL;
}

static int blob_bytes(git_blob **out, git_repository *repo, const git_oid *id)
{
	int rc = git_blob_lookup(out, repo, id);
	return rc < 0 ? braid_error_git(rc, "cannot read blob") : 0;
}

static const char *driver_for(git_repository *repo, const git_oid *attr_commit, const char *path)
{
	git_attr_options ao = GIT_ATTR_OPTIONS_INIT;
	const char *v = NULL;

	ao.flags = GIT_ATTR_CHECK_NO_SYSTEM | GIT_ATTR_CHECK_INDEX_ONLY;
	if (attr_commit) {
		ao.flags = GIT_ATTR_CHECK_NO_SYSTEM | GIT_ATTR_CHECK_INDEX_ONLY |
		           GIT_ATTR_CHECK_INCLUDE_COMMIT;
		git_oid_cpy(&ao.attr_commit_id, attr_commit);
	}
	if (git_attr_get_ext(&v, repo, &ao, path, "merge") < 0) {
		git_error_clear();
		return NULL;
	}
	switch (git_attr_value(v)) {
	case GIT_ATTR_VALUE_FALSE:
		return "binary";
	case GIT_ATTR_VALUE_STRING:
		return v;
	default:
		return NULL;
	}
}

static json_t *region_json(const braid_merge_region *r)
{
	json_t *j = json_pack("{s:s, s:s, s:[I,I], s:[I,I], s:[I,I], s:s?}", "verdict",
	                      braid_merge_verdict_name(r->verdict), "kind",
	                      braid_merge_kind_name(r->kind), "base", (json_int_t)r->base_start,
	                      (json_int_t)r->base_end, "ours", (json_int_t)r->ours_start,
	                      (json_int_t)r->ours_end, "theirs", (json_int_t)r->theirs_start,
	                      (json_int_t)r->theirs_end, "description", r->description);
	if (j && r->symbols) {
		json_t *s = json_array();
		char **p;
		for (p = r->symbols; *p; p++)
			json_array_append_new(s, json_string(*p));
		json_object_set_new(j, "symbols", s);
	}
	return j;
}

static braid_tm_file *add_file(braid_tm_result *r)
{
	braid_tm_file *n = realloc(r->files, (r->nfiles + 1) * sizeof(*n));

	if (!n)
		return NULL;
	r->files = n;
	memset(&n[r->nfiles], 0, sizeof(*n));
	return &n[r->nfiles++];
}

static int set_paths(braid_tm_file *f, const char *path, const char *base_path,
                     const char *ours_path, const char *theirs_path)
{
	f->path = braid_strdup(path);
	f->base_path = base_path ? braid_strdup(base_path) : NULL;
	f->ours_path = ours_path ? braid_strdup(ours_path) : NULL;
	f->theirs_path = theirs_path ? braid_strdup(theirs_path) : NULL;
	if (!f->path || (base_path && !f->base_path) || (ours_path && !f->ours_path) ||
	    (theirs_path && !f->theirs_path))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	return 0;
}

/* A file-level conflict with no content merge (modify/delete, rename/rename, file/directory). */
static int file_conflict(braid_tm_result *r, braid_merge_kind kind, const char *path,
                         const char *base_path, const char *ours_path, const char *theirs_path,
                         const git_oid *b, uint32_t bm, const git_oid *o, uint32_t om,
                         const git_oid *t, uint32_t tm, const char *desc)
{
	braid_tm_file *f = add_file(r);
	int err;

	if (!f)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if ((err = set_paths(f, path, base_path, ours_path, theirs_path)) < 0)
		return err;
	if (bm)
		git_oid_cpy(&f->base, b);
	if (om)
		git_oid_cpy(&f->ours, o);
	if (tm)
		git_oid_cpy(&f->theirs, t);
	f->base_mode = bm;
	f->ours_mode = om;
	f->theirs_mode = tm;
	f->kind = kind;
	f->clean = 0;
	f->conflict_regions = 1;
	f->description = braid_strdup(desc);
	f->regions = json_pack("[{s:s, s:s, s:s}]", "verdict", "conflict", "kind",
	                       braid_merge_kind_name(kind), "description", desc);
	r->conflicted++;
	return f->description && f->regions ? 0 : braid_error_set(BRAID_ENOMEM, "out of memory");
}

static int is_special(uint32_t mode)
{
	return mode == GIT_FILEMODE_LINK || mode == GIT_FILEMODE_COMMIT;
}

/*
 * Both sides changed one file: merge modes and content. Writes the merged
 * blob into `idx` at `path` when clean.
 */
static int content_merge(braid_tm_result *r, git_repository *repo, git_index *idx,
                         const git_oid *attr_commit, const char *path, const char *base_path,
                         const char *ours_path, const char *theirs_path, const git_oid *b,
                         uint32_t bm, const git_oid *o, uint32_t om, const git_oid *t, uint32_t tm)
{
	git_blob *bb = NULL, *ob = NULL, *tb = NULL;
	braid_merge_input in = {0};
	braid_merge_options opts = BRAID_MERGE_OPTIONS_INIT;
	braid_merge_result *mr = NULL;
	braid_tm_file *f;
	uint32_t mode;
	int err = 0, mode_conflict = 0;
	size_t i;

	if (!(f = add_file(r)))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if ((err = set_paths(f, path, base_path, ours_path, theirs_path)) < 0)
		return err;
	if (bm)
		git_oid_cpy(&f->base, b);
	git_oid_cpy(&f->ours, o);
	git_oid_cpy(&f->theirs, t);
	f->base_mode = bm;
	f->ours_mode = om;
	f->theirs_mode = tm;

	if (om == tm || tm == bm)
		mode = om;
	else if (om == bm)
		mode = tm;
	else {
		mode = om;
		mode_conflict = 1;
	}
	if ((bm && (err = blob_bytes(&bb, repo, b)) < 0) || (err = blob_bytes(&ob, repo, o)) < 0 ||
	    (err = blob_bytes(&tb, repo, t)) < 0)
		goto done;
	if (bb) {
		in.base = git_blob_rawcontent(bb);
		in.base_len = (size_t)git_blob_rawsize(bb);
		if (!in.base)
			in.base = "";
	}
	in.ours = git_blob_rawcontent(ob);
	in.ours_len = (size_t)git_blob_rawsize(ob);
	in.theirs = git_blob_rawcontent(tb);
	in.theirs_len = (size_t)git_blob_rawsize(tb);
	if (!in.ours)
		in.ours = "";
	if (!in.theirs)
		in.theirs = "";
	in.path = path;
	in.driver = (is_special(om) || is_special(tm) || is_special(bm))
	                ? "binary"
	                : driver_for(repo, attr_commit, path);
	in.ours_label = "main";
	in.base_label = "base";
	in.theirs_label = "submitted";
	if ((err = braid_merge_file(&mr, &in, &opts)) < 0)
		goto done;
	f->clean = mr->clean && !mode_conflict;
	f->kind = mode_conflict && mr->clean ? BRAID_KIND_MODE
	          : mr->clean ? (mr->nregions ? mr->regions[0].kind : BRAID_KIND_IDENTICAL)
	                      : mr->conflict_kind;
	f->tier = mr->tier;
	f->merged_regions = mr->merged_regions;
	f->conflict_regions = mr->conflict_regions + (size_t)mode_conflict;
	if (!(f->regions = json_array())) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < mr->nregions; i++)
		json_array_append_new(f->regions, region_json(&mr->regions[i]));
	if (mode_conflict)
		json_array_append_new(f->regions,
		                      json_pack("{s:s, s:s, s:s}", "verdict", "conflict", "kind",
		                                "mode", "description",
		                                "both sides changed the file mode differently"));
	if (mr->rewrite_note && !(f->rewrite_note = braid_strdup(mr->rewrite_note))) {
		err = BRAID_ENOMEM;
		goto done;
	}
	{
		braid_buf d = BRAID_BUF_INIT;
		size_t k;
		for (k = 0; k < mr->nregions && !err; k++) {
			if (mr->regions[k].verdict != BRAID_VERDICT_MERGE &&
			    mr->regions[k].description)
				err = braid_buf_printf(&d, "%s%s", d.size ? "; " : "",
				                       mr->regions[k].description);
		}
		if (!err && mode_conflict)
			err = braid_buf_printf(&d, "%sboth sides changed the file mode",
			                       d.size ? "; " : "");
		if (!err && !d.size)
			err = braid_buf_puts(&d, mr->clean ? "merged" : "conflict");
		f->description = braid_buf_detach(&d);
		if (err < 0)
			goto done;
	}
	r->merged_regions += mr->merged_regions;
	if (!f->clean) {
		r->conflicted++;
		if (mr->merged) {
			f->marked = malloc(mr->merged_len + 1);
			if (!f->marked) {
				err = braid_error_set(BRAID_ENOMEM, "out of memory");
				goto done;
			}
			memcpy(f->marked, mr->merged, mr->merged_len);
			f->marked[mr->merged_len] = '\0';
			f->marked_len = mr->merged_len;
		}
		goto done;
	}
	if (mr->deleted) {
		if (git_index_get_bypath(idx, path, 0))
			git_index_remove_bypath(idx, path);
		goto done;
	}
	{
		git_oid merged;
		git_index_entry e;
		int rc;
		if ((rc = git_blob_create_from_buffer(&merged, repo, mr->merged ? mr->merged : "",
		                                      mr->merged_len)) < 0) {
			err = braid_error_git(rc, "cannot write merged blob");
			goto done;
		}
		memset(&e, 0, sizeof(e));
		e.path = path;
		e.mode = mode;
		git_oid_cpy(&e.id, &merged);
		if ((rc = git_index_add(idx, &e)) < 0)
			err = braid_error_git(rc, "cannot stage merged file");
	}
done:
	braid_merge_result_free(mr);
	git_blob_free(bb);
	git_blob_free(ob);
	git_blob_free(tb);
	return err;
}

static int index_put(git_index *idx, const char *path, const git_oid *id, uint32_t mode)
{
	git_index_entry e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.path = path;
	e.mode = mode;
	git_oid_cpy(&e.id, id);
	rc = git_index_add(idx, &e);
	return rc < 0 ? braid_error_git(rc, "cannot stage file") : 0;
}

/* Is `path`, or one of its parent directories, a different kind of entry in tree `t`? */
static int dir_file_clash(git_tree *t, const char *path)
{
	git_tree_entry *e = NULL;
	char buf[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, path, n + 1);
	if (git_tree_entry_bypath(&e, t, buf) == 0) {
		int isdir = git_tree_entry_type(e) == GIT_OBJECT_TREE;
		git_tree_entry_free(e);
		if (isdir)
			return 1;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (git_tree_entry_bypath(&e, t, buf) == 0) {
			int isfile = git_tree_entry_type(e) != GIT_OBJECT_TREE;
			git_tree_entry_free(e);
			if (isfile) {
				git_error_clear();
				return 1;
			}
		}
		buf[i] = '/';
	}
	git_error_clear();
	return 0;
}

static int lookup_in_tree(git_oid *id, uint32_t *mode, git_tree *t, const char *path)
{
	git_tree_entry *e = NULL;

	if (git_tree_entry_bypath(&e, t, path) < 0) {
		git_error_clear();
		return 0;
	}
	if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		git_tree_entry_free(e);
		return 0;
	}
	git_oid_cpy(id, git_tree_entry_id(e));
	*mode = git_tree_entry_filemode(e);
	git_tree_entry_free(e);
	return 1;
}

static int apply_theirs(braid_tm_result *r, git_repository *repo, git_index *idx, git_diff *dours,
                        git_tree *otree, const git_oid *attr, const side_change *c)
{
	const git_diff_delta *od;
	git_oid oid;
	uint32_t omode;
	char msg[512];

	switch (c->status) {
	case GIT_DELTA_ADDED:
		if (lookup_in_tree(&oid, &omode, otree, c->new_path)) {
			if (git_oid_equal(&oid, &c->new_id) && omode == c->new_mode)
				return 0;
			return content_merge(r, repo, idx, attr, c->new_path, NULL, c->new_path,
			                     c->new_path, NULL, 0, &oid, omode, &c->new_id,
			                     c->new_mode);
		}
		if (dir_file_clash(otree, c->new_path)) {
			snprintf(msg, sizeof(msg),
			         "submitted added file '%s' where main has a directory (or the "
			         "reverse)",
			         c->new_path);
			return file_conflict(r, BRAID_KIND_FILE_DIRECTORY, c->new_path, NULL, NULL,
			                     c->new_path, NULL, 0, NULL, 0, &c->new_id, c->new_mode,
			                     msg);
		}
		return index_put(idx, c->new_path, &c->new_id, c->new_mode);

	case GIT_DELTA_DELETED:
		od = ours_for_base(dours, c->old_path);
		if (!od)
			return git_index_remove_bypath(idx, c->old_path) < 0
			           ? braid_error_git(-1, "cannot remove file")
			           : 0;
		if (od->status == GIT_DELTA_DELETED)
			return 0;
		snprintf(msg, sizeof(msg), "submitted deleted '%s', which main %s", c->old_path,
		         od->status == GIT_DELTA_RENAMED ? "renamed" : "modified");
		return file_conflict(r, BRAID_KIND_MODIFY_DELETE, od->new_file.path, c->old_path,
		                     od->new_file.path, NULL, &c->old_id, c->old_mode,
		                     &od->new_file.id, od->new_file.mode, NULL, 0, msg);

	case GIT_DELTA_MODIFIED:
	case GIT_DELTA_TYPECHANGE:
	case GIT_DELTA_RENAMED:
		od = ours_for_base(dours, c->old_path);
		if (c->status == GIT_DELTA_RENAMED && (!od || od->status != GIT_DELTA_RENAMED) &&
		    lookup_in_tree(&oid, &omode, otree, c->new_path)) {
			snprintf(msg, sizeof(msg),
			         "submitted renamed '%s' to '%s', but main already has '%s'",
			         c->old_path, c->new_path, c->new_path);
			return file_conflict(r, BRAID_KIND_ADD_ADD, c->new_path, c->old_path,
			                     c->new_path, c->new_path, &c->old_id, c->old_mode,
			                     &oid, omode, &c->new_id, c->new_mode, msg);
		}
		if (!od) {
			int err;
			if (c->status == GIT_DELTA_RENAMED &&
			    git_index_remove_bypath(idx, c->old_path) < 0)
				return braid_error_git(-1, "cannot remove renamed file");
			if (c->status == GIT_DELTA_RENAMED && dir_file_clash(otree, c->new_path)) {
				snprintf(msg, sizeof(msg),
				         "submitted renamed '%s' to '%s', which "
				         "clashes with a directory on main",
				         c->old_path, c->new_path);
				return file_conflict(r, BRAID_KIND_FILE_DIRECTORY, c->new_path,
				                     c->old_path, NULL, c->new_path, &c->old_id,
				                     c->old_mode, NULL, 0, &c->new_id, c->new_mode,
				                     msg);
			}
			err = index_put(idx, c->new_path, &c->new_id, c->new_mode);
			return err;
		}
		if (od->status == GIT_DELTA_DELETED) {
			snprintf(msg, sizeof(msg), "main deleted '%s', which submitted %s",
			         c->old_path,
			         c->status == GIT_DELTA_RENAMED ? "renamed" : "modified");
			return file_conflict(r, BRAID_KIND_MODIFY_DELETE, c->new_path, c->old_path,
			                     NULL, c->new_path, &c->old_id, c->old_mode, NULL, 0,
			                     &c->new_id, c->new_mode, msg);
		}
		if (od->status == GIT_DELTA_RENAMED && c->status == GIT_DELTA_RENAMED &&
		    strcmp(od->new_file.path, c->new_path) != 0) {
			snprintf(msg, sizeof(msg),
			         "main renamed '%s' to '%s'; submitted renamed it to '%s'",
			         c->old_path, od->new_file.path, c->new_path);
			return file_conflict(r, BRAID_KIND_RENAME_RENAME, c->new_path, c->old_path,
			                     od->new_file.path, c->new_path, &c->old_id,
			                     c->old_mode, &od->new_file.id, od->new_file.mode,
			                     &c->new_id, c->new_mode, msg);
		}
		{
			/* Both changed it; the result lives at the renamed path if either renamed.
			 */
			const char *dest =
			    c->status == GIT_DELTA_RENAMED ? c->new_path : od->new_file.path;
			if (git_oid_equal(&od->new_file.id, &c->new_id) &&
			    od->new_file.mode == c->new_mode && !strcmp(dest, od->new_file.path))
				return 0;
			if (strcmp(dest, od->new_file.path) != 0 &&
			    git_index_remove_bypath(idx, od->new_file.path) < 0)
				return braid_error_git(-1, "cannot move renamed file");
			return content_merge(r, repo, idx, attr, dest, c->old_path,
			                     od->new_file.path, c->new_path, &c->old_id,
			                     c->old_mode, &od->new_file.id, od->new_file.mode,
			                     &c->new_id, c->new_mode);
		}
	default:
		return 0;
	}
}

int braid_treemerge(braid_tm_result *out, git_repository *repo, const git_oid *base,
                    const git_oid *ours, const git_oid *theirs, const git_oid *attr_commit)
{
	git_tree *bt = NULL, *ot = NULL, *tt = NULL;
	git_diff *dours = NULL, *dtheirs = NULL;
	git_index *idx = NULL;
	size_t i, n;
	int err = 0, rc;

	memset(out, 0, sizeof(*out));
	if (!(out->theirs_paths = json_array()))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if ((err = peel_tree(&bt, repo, base)) < 0 || (err = peel_tree(&ot, repo, ours)) < 0 ||
	    (err = peel_tree(&tt, repo, theirs)) < 0)
		goto done;
	out->clean = 1;
	if (git_oid_equal(git_tree_id(bt), git_tree_id(tt))) {
		git_oid_cpy(&out->tree, git_tree_id(ot));
		goto done;
	}
	if ((err = diff_side(&dtheirs, repo, bt, tt)) < 0)
		goto done;
	n = git_diff_num_deltas(dtheirs);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(dtheirs, i);
		json_array_append_new(out->theirs_paths, json_string(d->new_file.path));
		if (d->status == GIT_DELTA_RENAMED)
			json_array_append_new(out->theirs_paths, json_string(d->old_file.path));
	}
	if (git_oid_equal(git_tree_id(bt), git_tree_id(ot))) {
		git_oid_cpy(&out->tree, git_tree_id(tt));
		goto done;
	}
	if ((err = diff_side(&dours, repo, bt, ot)) < 0)
		goto done;
	if ((rc = git_index_new(&idx)) < 0 || (rc = git_index_read_tree(idx, ot)) < 0) {
		err = braid_error_git(rc, "cannot load main's tree");
		goto done;
	}
	for (i = 0; i < n && !err; i++) {
		side_change c;
		to_change(&c, git_diff_get_delta(dtheirs, i));
		err = apply_theirs(out, repo, idx, dours, ot, attr_commit, &c);
	}
	if (err < 0)
		goto done;
	out->clean = out->conflicted == 0;
	if ((rc = git_index_write_tree_to(&out->tree, idx, repo)) < 0)
		err = braid_error_git(rc, "cannot write merged tree");
done:
	if (err < 0)
		braid_tm_result_clear(out);
	git_index_free(idx);
	git_diff_free(dours);
	git_diff_free(dtheirs);
	git_tree_free(bt);
	git_tree_free(ot);
	git_tree_free(tt);
	return err;
}
