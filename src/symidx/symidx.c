/*
 * symidx.c: the symbol index (symidx.h). Blobs are parsed with the syntax
 * module and their definitions and references stored in SQLite; queries
 * over a tree join the tree's (path, blob) list, loaded into a temporary
 * table, with the index, and SQLite computes the transitive dependents
 * with a recursive query.
 */
#include "common.h"
#include "braid/hash.h"
#include "braid/repo.h"
#include "braid/symidx.h"
#include "braid/syntax.h"
#include "ctx/ctx_int.h"
#include "util/buf.h"

#include <git2.h>

/* Files larger than this are not parsed: they make a diff imprecise. */
#define MAX_INDEXED_BLOB (4u << 20)
/* More dependents than this and the selection is not worth computing. */
#define MAX_DEPENDENTS 20000

/* A growable, sortable list of strings (owned). */
typedef struct strvec {
	char **v;
	size_t n, cap;
} strvec;

static int sv_push(strvec *s, const char *str)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **nv = realloc(s->v, cap * sizeof(*nv));
		if (!nv)
			return braid_error_set(BRAID_ENOMEM, "out of memory");
		s->v = nv;
		s->cap = cap;
	}
	if (!(s->v[s->n] = braid_strdup(str ? str : "")))
		return BRAID_ENOMEM;
	s->n++;
	return 0;
}

static void sv_free(strvec *s)
{
	size_t i;
	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates. */
static void sv_uniq(strvec *s)
{
	size_t i, k = 0;
	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	for (i = 1; i < s->n; i++) {
		if (!strcmp(s->v[i], s->v[k]))
			free(s->v[i]);
		else
			s->v[++k] = s->v[i];
	}
	s->n = k + 1;
}

static int sv_has(const strvec *s, const char *str)
{
	return s->n && bsearch(&str, s->v, s->n, sizeof(*s->v), cmp_str) != NULL;
}

static const char *short_name(const char *qualified)
{
	const char *dot = qualified ? strrchr(qualified, '.') : NULL;
	return dot ? dot + 1 : qualified;
}

/* ---- indexing ---------------------------------------------------------- */

static int blob_indexed(braid_ctx *ctx, const char *hex)
{
	sqlite3_stmt *st;
	int found = 0;

	if (braid_store__stmt(&st, ctx->store, "SELECT 1 FROM symidx_blobs WHERE blob = ?") < 0) {
		braid_error_clear();
		return 0;
	}
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return found;
}

/*
 * The text outside top-level definitions, whitespace removed: when it
 * differs between two versions the file changed somewhere no symbol covers.
 */
static void residual_hash(char hex[BRAID_HASH_HEXSIZE + 1], const char *src, size_t len,
                          const braid_symbol_list *syms)
{
	braid_hasher h;
	unsigned char out[BRAID_HASH_SIZE];
	size_t pos = 0, i;

	braid_hash_init(&h);
	for (i = 0; i <= syms->count; i++) {
		size_t end = len;
		if (i < syms->count) {
			if (syms->items[i].depth != 0 || syms->items[i].start_byte < pos)
				continue;
			end = syms->items[i].start_byte;
		}
		for (; pos < end && pos < len; pos++) {
			char c = src[pos];
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
				braid_hash_update(&h, &c, 1);
		}
		if (i < syms->count && syms->items[i].end_byte > pos)
			pos = syms->items[i].end_byte;
	}
	braid_hash_final(&h, out);
	braid_hex_encode(hex, out, sizeof(out));
}

static int store_blob(braid_ctx *ctx, const char *hex, const char *lang, int ok,
                      const char *residual, const char *src, const braid_symbol_list *syms,
                      const braid_reference_list *refs)
{
	sqlite3_stmt *st;
	size_t i;
	int err;

	if ((err = braid_store_begin(ctx->store)) < 0)
		return err;
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "INSERT OR IGNORE INTO symidx_blobs(blob, lang, ok, residual)"
	                             " VALUES (?, ?, ?, ?)")) < 0)
		goto rollback;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	braid_store__bind_text(st, 2, lang);
	sqlite3_bind_int(st, 3, ok);
	braid_store__bind_text(st, 4, residual);
	if ((err = braid_store__step_done(ctx->store, st, "cannot index blob")) < 0)
		goto rollback;
	if (sqlite3_changes(ctx->store->db) == 0)
		goto commit; /* another process indexed it meanwhile */
	for (i = 0; syms && i < syms->count; i++) {
		const braid_symbol *s = &syms->items[i];
		char h[BRAID_HASH_HEXSIZE + 1];
		braid_hash_hex(h, src + s->start_byte, s->end_byte - s->start_byte);
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "INSERT INTO symidx_defs(blob, name, short, kind, hash,"
		         " start_line, end_line) VALUES (?, ?, ?, ?, ?, ?, ?)")) < 0)
			goto rollback;
		sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, s->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, short_name(s->name), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, s->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, h, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 6, (int64_t)s->start_line + 1);
		sqlite3_bind_int64(st, 7, (int64_t)s->end_line + 1);
		if ((err = braid_store__step_done(ctx->store, st, "cannot index symbol")) < 0)
			goto rollback;
	}
	for (i = 0; refs && i < refs->count; i++) {
		const braid_reference *r = &refs->items[i];
		/* Many uses of one name in one definition are one edge. */
		if (i > 0 && !strcmp(r->name, refs->items[i - 1].name) &&
		    ((!r->enclosing && !refs->items[i - 1].enclosing) ||
		     (r->enclosing && refs->items[i - 1].enclosing &&
		      !strcmp(r->enclosing, refs->items[i - 1].enclosing))))
			continue;
		if ((err = braid_store__stmt(&st, ctx->store,
		                             "INSERT INTO symidx_refs(blob, name, enclosing,"
		                             " enclosing_short) VALUES (?, ?, ?, ?)")) < 0)
			goto rollback;
		sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
		braid_store__bind_text(st, 3, r->enclosing);
		braid_store__bind_text(st, 4, short_name(r->enclosing));
		if ((err = braid_store__step_done(ctx->store, st, "cannot index reference")) < 0)
			goto rollback;
	}
commit:
	return braid_store_commit(ctx->store);
rollback:
	braid_store_rollback(ctx->store);
	return err;
}

/* Parse one blob (if it is not indexed yet) and store what it defines and uses. */
static int index_blob(braid_ctx *ctx, const git_oid *id, const char *path, int *parsed)
{
	char hex[GIT_OID_HEXSZ + 1], res[BRAID_HASH_HEXSIZE + 1];
	const char *lang = braid_syntax_language_for_path(path);
	git_blob *b = NULL;
	braid_syntax_tree *t = NULL;
	braid_symbol_list *syms = NULL;
	braid_reference_list *refs = NULL;
	const char *src;
	size_t len;
	int err = 0, ok = 0;

	*parsed = 0;
	braid_repo_oid_hex(hex, id);
	if (!lang || blob_indexed(ctx, hex))
		return 0;
	if (git_blob_lookup(&b, ctx->git, id) < 0)
		return braid_error_git(-1, "cannot read blob for the symbol index");
	src = git_blob_rawcontent(b);
	len = (size_t)git_blob_rawsize(b);
	if (len <= MAX_INDEXED_BLOB && !git_blob_is_binary(b)) {
		err = braid_syntax_parse(&t, lang, src, len);
		if (err == BRAID_ENOMEM)
			goto done;
		if (err == 0 && braid_syntax_error_count(t) == 0) {
			if ((err = braid_syntax_symbols(&syms, t)) < 0 ||
			    (err = braid_syntax_references(&refs, t)) < 0)
				goto done;
			ok = 1;
			residual_hash(res, src, len, syms);
		}
		braid_error_clear(); /* a parse failure only means no symbols */
	}
	*parsed = 1;
	err = store_blob(ctx, hex, lang, ok, ok ? res : NULL, src, syms, refs);
done:
	braid_reference_list_free(refs);
	braid_symbol_list_free(syms);
	braid_syntax_tree_free(t);
	git_blob_free(b);
	return err;
}

struct walk {
	braid_ctx *ctx;
	braid_buf path;
	size_t parsed;
	int fill_temp; /* also load (path, blob) into temp.symidx_tree */
	int err;
};

static int walk_cb(const char *root, const git_tree_entry *e, void *payload)
{
	struct walk *w = payload;
	int parsed = 0;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	braid_buf_clear(&w->path);
	if ((w->err = braid_buf_printf(&w->path, "%s%s", root, git_tree_entry_name(e))) < 0)
		return -1;
	if (!braid_syntax_language_for_path(w->path.ptr))
		return 0;
	if ((w->err = index_blob(w->ctx, git_tree_entry_id(e), w->path.ptr, &parsed)) < 0)
		return -1;
	w->parsed += (size_t)parsed;
	if (w->fill_temp) {
		sqlite3_stmt *st;
		char hex[GIT_OID_HEXSZ + 1];
		if ((w->err = braid_store__stmt(
		         &st, w->ctx->store,
		         "INSERT INTO temp.symidx_tree(path, blob) VALUES (?, ?)")) < 0)
			return -1;
		sqlite3_bind_text(st, 1, w->path.ptr, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, braid_repo_oid_hex(hex, git_tree_entry_id(e)), -1,
		                  SQLITE_TRANSIENT);
		if ((w->err = braid_store__step_done(w->ctx->store, st, "cannot load tree")) < 0)
			return -1;
	}
	return 0;
}

static int walk_tree(braid_ctx *ctx, const git_oid *tree_id, int fill_temp, size_t *parsed)
{
	struct walk w = {ctx, BRAID_BUF_INIT, 0, fill_temp, 0};
	git_object *obj = NULL;
	git_tree *tree = NULL;
	int rc, err = 0;

	if (fill_temp &&
	    ((err = braid_store__exec(ctx->store, "CREATE TEMP TABLE IF NOT EXISTS symidx_tree("
	                                          "path TEXT PRIMARY KEY, blob TEXT NOT NULL);"
	                                          "CREATE INDEX IF NOT EXISTS temp.symidx_tree_blob"
	                                          " ON symidx_tree(blob);"
	                                          "DELETE FROM temp.symidx_tree;")) < 0))
		return err;
	if ((rc = git_object_lookup(&obj, ctx->git, tree_id, GIT_OBJECT_ANY)) < 0 ||
	    (rc = git_object_peel((git_object **)&tree, obj, GIT_OBJECT_TREE)) < 0) {
		err = braid_error_git(rc, "cannot read tree for the symbol index");
		goto done;
	}
	rc = git_tree_walk(tree, GIT_TREEWALK_PRE, walk_cb, &w);
	if (w.err < 0)
		err = w.err;
	else if (rc < 0)
		err = braid_error_git(rc, "cannot walk tree");
	if (parsed)
		*parsed = w.parsed;
done:
	braid_buf_dispose(&w.path);
	git_tree_free(tree);
	git_object_free(obj);
	return err;
}

int braid_symidx_index_tree(braid_ctx *ctx, const git_oid *tree, size_t *parsed)
{
	BRAID_ASSERT_ARG(ctx && tree);
	return walk_tree(ctx, tree, 0, parsed);
}

/* ---- diffs ------------------------------------------------------------- */

typedef struct defrow {
	char *name, *kind, *hash;
} defrow;

typedef struct defset {
	defrow *v;
	size_t n;
	int ok;         /* parsed cleanly */
	char *residual; /* hash of the text outside definitions */
} defset;

static void defset_clear(defset *d)
{
	size_t i;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].name);
		free(d->v[i].kind);
		free(d->v[i].hash);
	}
	free(d->v);
	free(d->residual);
	memset(d, 0, sizeof(*d));
}

static int load_defs(defset *out, braid_ctx *ctx, const git_oid *blob, const char *path)
{
	char hex[GIT_OID_HEXSZ + 1];
	sqlite3_stmt *st;
	int err, parsed, rc;

	memset(out, 0, sizeof(*out));
	if ((err = index_blob(ctx, blob, path, &parsed)) < 0)
		return err;
	braid_repo_oid_hex(hex, blob);
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT ok, residual FROM symidx_blobs WHERE blob = ?")) < 0)
		return err;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->ok = sqlite3_column_int(st, 0);
		out->residual = braid_store__col_strdup(st, 1);
	}
	sqlite3_reset(st);
	if ((err = braid_store__stmt(
	         &st, ctx->store, "SELECT name, kind, hash FROM symidx_defs WHERE blob = ?")) < 0)
		return err;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		defrow *nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (!nv) {
			sqlite3_reset(st);
			return braid_error_set(BRAID_ENOMEM, "out of memory");
		}
		out->v = nv;
		nv[out->n].name = braid_store__col_strdup(st, 0);
		nv[out->n].kind = braid_store__col_strdup(st, 1);
		nv[out->n].hash = braid_store__col_strdup(st, 2);
		out->n++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0
	                         : braid_store__error(ctx->store, "cannot read the symbol index");
}

static int has_def(const defset *d, const defrow *r, int same_hash)
{
	size_t i;
	for (i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].name, r->name) && !strcmp(d->v[i].kind, r->kind) &&
		    (!same_hash || !strcmp(d->v[i].hash, r->hash)))
			return 1;
	return 0;
}

/* Append a symbol (copies). */
static int push_sym(braid_symidx_sym **v, size_t *n, const char *file, const char *name,
                    const char *kind)
{
	braid_symidx_sym *nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	*v = nv;
	nv[*n].file = braid_strdup(file);
	nv[*n].name = name ? braid_strdup(name) : NULL;
	nv[*n].kind = braid_strdup(kind);
	if (!nv[*n].file || !nv[*n].kind || (name && !nv[*n].name))
		return BRAID_ENOMEM;
	(*n)++;
	return 0;
}

struct diffctx {
	braid_symidx_diff *out;
	strvec files, refs, affected;
};

/* One changed file: which of its definitions changed, and what they use. */
static int diff_file(struct diffctx *dc, braid_ctx *ctx, const git_diff_delta *d)
{
	const char *path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
	int have_old = d->status != GIT_DELTA_ADDED && d->old_file.mode != GIT_FILEMODE_COMMIT;
	int have_new = d->status != GIT_DELTA_DELETED && d->new_file.mode != GIT_FILEMODE_COMMIT;
	defset o = {0}, n = {0};
	size_t i, before = dc->out->nchanged;
	int err = 0;

	if ((err = sv_push(&dc->files, d->old_file.path)) < 0 ||
	    (err = sv_push(&dc->files, d->new_file.path)) < 0)
		return err;
	if (!braid_syntax_language_for_path(d->old_file.path) ||
	    !braid_syntax_language_for_path(d->new_file.path)) {
		dc->out->precise = 0;
		return 0;
	}
	if (have_old && (err = load_defs(&o, ctx, &d->old_file.id, d->old_file.path)) < 0)
		goto done;
	if (have_new && (err = load_defs(&n, ctx, &d->new_file.id, d->new_file.path)) < 0)
		goto done;
	if ((have_old && !o.ok) || (have_new && !n.ok) ||
	    (have_old && have_new &&
	     (!o.residual || !n.residual || strcmp(o.residual, n.residual) != 0)))
		dc->out->precise = 0;
	for (i = 0; i < o.n; i++)
		/* Removed outright; an edited one is reported from the new side. */
		if (!has_def(&n, &o.v[i], 0) &&
		    (err = push_sym(&dc->out->changed, &dc->out->nchanged, d->old_file.path,
		                    o.v[i].name, o.v[i].kind)) < 0)
			goto done;
	for (i = 0; i < n.n; i++)
		if (!has_def(&o, &n.v[i], 1) &&
		    (err = push_sym(&dc->out->changed, &dc->out->nchanged, path, n.v[i].name,
		                    n.v[i].kind)) < 0)
			goto done;
	if (dc->out->nchanged > before && (err = sv_push(&dc->affected, path)) < 0)
		goto done;
	/* What the changed definitions (new side) use. */
	if (have_new) {
		sqlite3_stmt *st;
		char hex[GIT_OID_HEXSZ + 1];
		braid_repo_oid_hex(hex, &d->new_file.id);
		for (i = before; i < dc->out->nchanged; i++) {
			int rc;
			if ((err = braid_store__stmt(&st, ctx->store,
			                             "SELECT DISTINCT name FROM symidx_refs"
			                             " WHERE blob = ? AND enclosing = ?")) < 0)
				goto done;
			sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, dc->out->changed[i].name, -1, SQLITE_STATIC);
			while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
				err = sv_push(&dc->refs, (const char *)sqlite3_column_text(st, 0));
			if (!err && rc != SQLITE_DONE)
				err =
				    braid_store__error(ctx->store, "cannot read the symbol index");
			sqlite3_reset(st);
			if (err < 0)
				goto done;
		}
	}
done:
	defset_clear(&o);
	defset_clear(&n);
	return err;
}

static int load_seed(braid_ctx *ctx, const braid_symidx_diff *d)
{
	sqlite3_stmt *st;
	size_t i;
	int err;

	if ((err = braid_store__exec(
	         ctx->store, "CREATE TEMP TABLE IF NOT EXISTS symidx_seed(short TEXT PRIMARY KEY);"
	                     "DELETE FROM temp.symidx_seed;")) < 0)
		return err;
	for (i = 0; i < d->nchanged; i++) {
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "INSERT OR IGNORE INTO temp.symidx_seed(short) VALUES (?)")) < 0)
			return err;
		sqlite3_bind_text(st, 1, short_name(d->changed[i].name), -1, SQLITE_STATIC);
		if ((err = braid_store__step_done(ctx->store, st, "cannot seed dependents")) < 0)
			return err;
	}
	return 0;
}

static int is_changed(const braid_symidx_diff *d, const char *file, const char *name)
{
	size_t i;
	for (i = 0; i < d->nchanged; i++)
		if (!strcmp(d->changed[i].file, file) && name && !strcmp(d->changed[i].name, name))
			return 1;
	return 0;
}

static int dependents(struct diffctx *dc, braid_ctx *ctx, const git_oid *to)
{
	sqlite3_stmt *st;
	int err, rc;

	if (!dc->out->nchanged)
		return 0;
	if ((err = walk_tree(ctx, to, 1, NULL)) < 0 || (err = load_seed(ctx, dc->out)) < 0)
		return err;
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "WITH RECURSIVE dep(short) AS ("
	                             "  SELECT short FROM temp.symidx_seed"
	                             "  UNION"
	                             "  SELECT r.enclosing_short FROM dep"
	                             "   JOIN symidx_refs r ON r.name = dep.short"
	                             "   JOIN temp.symidx_tree t ON t.blob = r.blob"
	                             "   WHERE r.enclosing_short IS NOT NULL)"
	                             " SELECT DISTINCT t.path, r.enclosing FROM symidx_refs r"
	                             "  JOIN temp.symidx_tree t ON t.blob = r.blob"
	                             "  WHERE r.name IN (SELECT short FROM dep)"
	                             "  ORDER BY t.path, r.enclosing")) < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *file = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		if (is_changed(dc->out, file, name))
			continue;
		if (dc->out->ndependents >= MAX_DEPENDENTS) {
			dc->out->precise = 0;
			break;
		}
		if ((err = push_sym(&dc->out->dependents, &dc->out->ndependents, file, name,
		                    name ? "definition" : "reference")) < 0 ||
		    (err = sv_push(&dc->affected, file)) < 0)
			break;
	}
	sqlite3_reset(st);
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = braid_store__error(ctx->store, "cannot compute dependents");
	return err;
}

static char **sv_detach(strvec *s, size_t *n)
{
	char **v = s->v;
	*n = s->n;
	memset(s, 0, sizeof(*s));
	return v;
}

int braid_symidx_diff_trees(braid_symidx_diff *out, braid_ctx *ctx, const git_oid *from,
                            const git_oid *to)
{
	struct diffctx dc;
	git_object *fo = NULL, *tob = NULL;
	git_tree *ft = NULL, *tt = NULL;
	git_diff *diff = NULL;
	git_diff_options o;
	size_t i, nd;
	int rc, err = 0;

	BRAID_ASSERT_ARG(out && ctx && from && to);
	memset(out, 0, sizeof(*out));
	memset(&dc, 0, sizeof(dc));
	dc.out = out;
	out->precise = 1;
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	if ((rc = git_object_lookup(&fo, ctx->git, from, GIT_OBJECT_ANY)) < 0 ||
	    (rc = git_object_peel((git_object **)&ft, fo, GIT_OBJECT_TREE)) < 0 ||
	    (rc = git_object_lookup(&tob, ctx->git, to, GIT_OBJECT_ANY)) < 0 ||
	    (rc = git_object_peel((git_object **)&tt, tob, GIT_OBJECT_TREE)) < 0 ||
	    (rc = git_diff_tree_to_tree(&diff, ctx->git, ft, tt, &o)) < 0) {
		err = braid_error_git(rc, "cannot compare trees");
		goto done;
	}
	nd = git_diff_num_deltas(diff);
	for (i = 0; i < nd && !err; i++)
		err = diff_file(&dc, ctx, git_diff_get_delta(diff, i));
	if (!err)
		err = dependents(&dc, ctx, to);
	if (err < 0)
		goto done;
	sv_uniq(&dc.files);
	sv_uniq(&dc.refs);
	sv_uniq(&dc.affected);
	out->files = sv_detach(&dc.files, &out->nfiles);
	out->refs = sv_detach(&dc.refs, &out->nrefs);
	out->affected_files = sv_detach(&dc.affected, &out->naffected_files);
done:
	sv_free(&dc.files);
	sv_free(&dc.refs);
	sv_free(&dc.affected);
	if (err < 0)
		braid_symidx_diff_release(out);
	git_diff_free(diff);
	git_tree_free(ft);
	git_tree_free(tt);
	git_object_free(fo);
	git_object_free(tob);
	return err;
}

static void free_syms(braid_symidx_sym *v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		free(v[i].file);
		free(v[i].name);
		free(v[i].kind);
	}
	free(v);
}

static void free_strs(char **v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void braid_symidx_diff_release(braid_symidx_diff *d)
{
	if (!d)
		return;
	free_strs(d->files, d->nfiles);
	free_syms(d->changed, d->nchanged);
	free_syms(d->dependents, d->ndependents);
	free_strs(d->refs, d->nrefs);
	free_strs(d->affected_files, d->naffected_files);
	memset(d, 0, sizeof(*d));
}

/* ---- independence ------------------------------------------------------ */

static int short_names(strvec *out, const braid_symidx_sym *v, size_t n)
{
	size_t i;
	int err;
	for (i = 0; i < n; i++)
		if (v[i].name && (err = sv_push(out, short_name(v[i].name))) < 0)
			return err;
	return 0;
}

/* 1 when a change with `changed` names touches nothing that `other` uses or reaches. */
static int apart(const strvec *changed, const braid_symidx_diff *other)
{
	size_t i;
	for (i = 0; i < other->nchanged; i++)
		if (other->changed[i].name && sv_has(changed, short_name(other->changed[i].name)))
			return 0;
	for (i = 0; i < other->nrefs; i++)
		if (sv_has(changed, other->refs[i]))
			return 0;
	for (i = 0; i < other->ndependents; i++)
		if (other->dependents[i].name &&
		    sv_has(changed, short_name(other->dependents[i].name)))
			return 0;
	return 1;
}

int braid_symidx_independent(const braid_symidx_diff *a, const braid_symidx_diff *b)
{
	strvec ca = {0}, cb = {0};
	size_t i, j;
	int ind = 0;

	if (!a || !b || !a->precise || !b->precise)
		return 0;
	for (i = 0, j = 0; i < a->nfiles && j < b->nfiles;) {
		int c = strcmp(a->files[i], b->files[j]);
		if (!c)
			return 0;
		if (c < 0)
			i++;
		else
			j++;
	}
	if (short_names(&ca, a->changed, a->nchanged) < 0 ||
	    short_names(&cb, b->changed, b->nchanged) < 0) {
		braid_error_clear();
		goto done;
	}
	sv_uniq(&ca);
	sv_uniq(&cb);
	ind = apart(&ca, b) && apart(&cb, a);
done:
	sv_free(&ca);
	sv_free(&cb);
	return ind;
}
