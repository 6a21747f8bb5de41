/*
 * read.c: hash-checked reads and writes. A read returns a file or a
 * symbol's bytes as the agent sees them (its workspace, else the target
 * branch) with their BLAKE3 hash, and remembers, per agent and region, what
 * was read and which commit it derives from. A write replaces the region
 * only if its hash is still the one given; a submit check compares the
 * region on the target branch with the one the read derived from. Stale
 * answers carry a unified diff and the landings (agent, op, commit) that
 * changed the file in between.
 */
#include "common.h"
#include "braid/hash.h"
#include "braid/merge.h"
#include "braid/syntax.h"
#include "intent/intent_int.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/time.h"

#include <jansson.h>
#include <sys/stat.h>

#define MAX_FILE (64u << 20)
#define MAX_WALK 2000
#define DIFF_CTX 3

/* --- where the agent's view comes from ------------------------------- */

void braid_intent__view_clear(iview *v)
{
	free(v->ws_path);
	free(v->base_commit);
	memset(v, 0, sizeof(*v));
}

int braid_intent__view(iview *out, braid_ctx *ctx, const char *agent_id)
{
	sqlite3_stmt *st;
	int err;

	memset(out, 0, sizeof(*out));
	if (!agent_id)
		return 0;
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT w.path, c.base_commit FROM workspaces w LEFT JOIN changes c "
	         "ON c.id = w.change_id WHERE w.agent_id = ?1 AND w.state = "
	         "'active' ORDER BY (w.id = ?2) DESC, w.created_at DESC LIMIT 1")) < 0)
		return err;
	sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
	braid_store__bind_text(st, 2, ctx->ws_id ? ctx->ws_id : "");
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->ws_path = braid_store__col_strdup(st, 0);
		out->base_commit = braid_store__col_strdup(st, 1);
		if (!out->ws_path) {
			sqlite3_reset(st);
			return braid_error_set(BRAID_ENOMEM, "out of memory");
		}
	}
	sqlite3_reset(st);
	return 0;
}

int braid_intent__read_commit(braid_buf *out, char commit_out[41], braid_ctx *ctx,
                              const char *commit, const char *path)
{
	git_oid id;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int err = 0, rc;

	if (commit)
		rc = git_oid_fromstr(&id, commit);
	else
		rc = git_reference_name_to_id(&id, ctx->git, ctx->target);
	if (rc < 0) {
		err = braid_error_git(rc, "cannot resolve the commit to read from");
		goto done;
	}
	if (commit_out)
		git_oid_tostr(commit_out, 41, &id);
	if ((rc = git_commit_lookup(&c, ctx->git, &id)) < 0 ||
	    (rc = git_commit_tree(&tree, c)) < 0) {
		err = braid_error_git(rc, "cannot read a commit");
		goto done;
	}
	rc = git_tree_entry_bypath(&e, tree, path);
	if (rc == GIT_ENOTFOUND || (rc == 0 && git_tree_entry_type(e) != GIT_OBJECT_BLOB)) {
		git_error_clear();
		err = braid_error_set(BRAID_ENOTFOUND, "'%s' is not a file at commit %.12s", path,
		                      git_oid_tostr_s(&id));
		goto done;
	}
	if (rc < 0 || (rc = git_blob_lookup(&blob, ctx->git, git_tree_entry_id(e))) < 0) {
		err = braid_error_git(rc, "cannot read a file");
		goto done;
	}
	if ((size_t)git_blob_rawsize(blob) > MAX_FILE) {
		err =
		    braid_error_set(BRAID_EINVALID, "'%s' is larger than %u bytes", path, MAX_FILE);
		goto done;
	}
	err = braid_buf_set(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
done:
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(tree);
	git_commit_free(c);
	return err;
}

int braid_intent__find_symbol(size_t *start, size_t *end, int64_t *sline, int64_t *eline,
                              char **canonical, const char *path, const char *content, size_t len,
                              const char *symbol)
{
	const char *lang = braid_syntax_language_for_path(path);
	braid_syntax_tree *tree = NULL;
	braid_symbol sym = {0};
	int err;

	if (!lang)
		return braid_error_set(
		    BRAID_ENOTFOUND,
		    "braid has no grammar for '%s', so '%s' cannot be found in it; "
		    "take the whole file instead",
		    path, symbol);
	if ((err = braid_syntax_parse(&tree, lang, content, len)) < 0)
		return err;
	if ((err = braid_syntax_find_symbol(&sym, tree, symbol)) < 0)
		goto done;
	*start = sym.start_byte;
	*end = sym.end_byte;
	if (sline)
		*sline = (int64_t)sym.start_line;
	if (eline)
		*eline = (int64_t)sym.end_line;
	if (canonical && !(*canonical = braid_strdup(sym.name)))
		err = BRAID_ENOMEM;
done:
	braid_symbol_clear(&sym);
	braid_syntax_tree_free(tree);
	return err;
}

/* The region `symbol` (NULL: the whole file) of `content`. */
static int region_of(size_t *off, size_t *len, int64_t *sl, int64_t *el, char **canon,
                     const char *path, const braid_buf *content, const char *symbol)
{
	size_t s = 0, e = 0;
	int err;

	if (!symbol) {
		*off = 0;
		*len = content->size;
		if (sl)
			*sl = -1;
		if (el)
			*el = -1;
		return 0;
	}
	if ((err = braid_intent__find_symbol(&s, &e, sl, el, canon, path, content->ptr,
	                                     content->size, symbol)) < 0)
		return err;
	*off = s;
	*len = e - s;
	return 0;
}

static int read_workspace_file(braid_buf *out, int *exists, const char *ws_path, const char *path)
{
	char *abs = braid_sprintf_alloc("%s/%s", ws_path, path);
	int err;

	if (!abs)
		return BRAID_ENOMEM;
	err = braid_fs_read(out, abs, MAX_FILE);
	free(abs);
	*exists = err == 0;
	if (err == BRAID_ENOTFOUND) {
		braid_error_clear();
		braid_buf_clear(out);
		return 0;
	}
	return err;
}

/* --- the reads table --------------------------------------------------- */

static int blob_of(char hex[41], braid_ctx *ctx, const char *data, size_t len)
{
	git_oid id;
	int rc = git_blob_create_from_buffer(&id, ctx->git, data, len);

	if (rc < 0)
		return braid_error_git(rc, "cannot store the read content");
	git_oid_tostr(hex, 41, &id);
	return 0;
}

/* Hash of the region `symbol` of `path` at `commit`, or NULL when absent. */
static int base_region_hash(char **out, braid_ctx *ctx, const char *commit, const char *path,
                            const char *symbol)
{
	braid_buf c = BRAID_BUF_INIT;
	size_t off, len;
	char hex[BRAID_HASH_HEXSIZE + 1];
	int err;

	*out = NULL;
	if (!commit)
		return 0;
	err = braid_intent__read_commit(&c, NULL, ctx, commit, path);
	if (err == 0)
		err = region_of(&off, &len, NULL, NULL, NULL, path, &c, symbol);
	if (err == BRAID_ENOTFOUND) {
		braid_error_clear();
		err = 0;
	} else if (err == 0) {
		braid_hash_hex(hex, c.ptr + off, len);
		if (!(*out = braid_strdup(hex)))
			err = BRAID_ENOMEM;
	}
	braid_buf_dispose(&c);
	return err;
}

static int record_read(braid_ctx *ctx, const char *agent, const char *path, const char *symbol,
                       const char *hash, const char *blob, const char *source, const char *commit)
{
	sqlite3_stmt *st;
	char *base_hash = NULL;
	int err;

	if ((err = base_region_hash(&base_hash, ctx, commit, path, symbol)) < 0)
		return err;
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "INSERT OR REPLACE INTO intent_reads(agent_id, path, symbol, hash, "
	         "blob, source, commit_id, base_hash, read_at) VALUES "
	         "(?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
		goto done;
	sqlite3_bind_text(st, 1, agent, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, symbol ? symbol : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
	braid_store__bind_text(st, 5, blob);
	sqlite3_bind_text(st, 6, source, -1, SQLITE_STATIC);
	braid_store__bind_text(st, 7, commit);
	braid_store__bind_text(st, 8, base_hash);
	sqlite3_bind_int64(st, 9, braid_time_now_ms());
	if ((err = braid_store__step_done(ctx->store, st, "cannot record the read")) < 0)
		goto done;
	/* Keep the last few reads of the region. */
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "DELETE FROM intent_reads WHERE agent_id = ?1 AND path = ?2 AND "
	         "symbol = ?3 AND rowid NOT IN (SELECT rowid FROM intent_reads WHERE "
	         "agent_id = ?1 AND path = ?2 AND symbol = ?3 ORDER BY rowid DESC "
	         "LIMIT 8)")) < 0)
		goto done;
	sqlite3_bind_text(st, 1, agent, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, symbol ? symbol : "", -1, SQLITE_STATIC);
	err = braid_store__step_done(ctx->store, st, "cannot record the read");
done:
	free(base_hash);
	return err;
}

void braid_intent_read_result_free(braid_intent_read_result *res)
{
	if (!res)
		return;
	free(res->path);
	free(res->symbol);
	free(res->content);
	free(res->hash);
	free(res->source);
	free(res->commit);
	braid_intent_notices_free(res->notices, res->nnotices);
	free(res);
}

/* Parse "PATH[::SYMBOL]" for read/write. */
static int parse_region_spec(itarget *t, const char *spec)
{
	int err;

	if ((err = braid_intent__target_parse_lexical(t, spec)) < 0)
		return err;
	if (t->kind != ITARGET_FILE && t->kind != ITARGET_SYMBOL) {
		braid_intent__target_clear(t);
		return braid_error_set(BRAID_EINVALID,
		                       "'%s' is not a file or a symbol; read and write take "
		                       "PATH or PATH::SYMBOL",
		                       spec);
	}
	return 0;
}

int braid_intent_read(braid_intent_read_result **out, braid_ctx *ctx, const char *spec)
{
	braid_intent_read_result *res = NULL;
	const char *agent;
	itarget t = {0};
	iview v = {0};
	braid_buf content = BRAID_BUF_INIT;
	char commit[41] = "", hex[BRAID_HASH_HEXSIZE + 1], blob[41];
	size_t off, len;
	int err;
	int64_t sl = -1, el = -1;
	char *canon = NULL;
	braid_store *store = ctx->store;

	BRAID_ASSERT_ARG(out && ctx && spec);
	if ((err = braid_ctx_require_agent(&agent, ctx)) < 0)
		return err;
	if ((err = parse_region_spec(&t, spec)) < 0)
		return err;
	if (!(res = calloc(1, sizeof(*res)))) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto done;
	}
	if ((err = braid_intent__view(&v, ctx, agent)) < 0)
		goto done;
	if (v.ws_path) {
		int exists;
		if ((err = read_workspace_file(&content, &exists, v.ws_path, t.path)) < 0)
			goto done;
		if (!exists) {
			err = braid_error_set(BRAID_ENOTFOUND,
			                      "'%s' does not exist in your workspace", t.path);
			goto done;
		}
		res->source = braid_strdup("workspace");
		if (v.base_commit) {
			snprintf(commit, sizeof(commit), "%s", v.base_commit);
		} else {
			git_oid tip;
			if (git_reference_name_to_id(&tip, ctx->git, ctx->target) == 0)
				git_oid_tostr(commit, sizeof(commit), &tip);
			git_error_clear();
		}
	} else {
		if ((err = braid_intent__read_commit(&content, commit, ctx, NULL, t.path)) < 0)
			goto done;
		res->source = braid_strdup(ctx->target_name);
	}
	if ((err = region_of(&off, &len, &sl, &el, &canon, t.path, &content, t.symbol)) < 0)
		goto done;
	braid_hash_hex(hex, content.ptr + off, len);
	if ((err = blob_of(blob, ctx, content.ptr + off, len)) < 0)
		goto done;
	res->path = braid_strdup(t.path);
	res->symbol = canon;
	canon = NULL;
	res->content = braid_strndup(content.ptr + off, len);
	res->content_len = len;
	res->hash = braid_strdup(hex);
	res->commit = commit[0] ? braid_strdup(commit) : NULL;
	res->start_line = sl;
	res->end_line = el;
	res->start_byte = off;
	res->end_byte = off + len;
	if (!res->path || !res->content || !res->hash || !res->source) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto done;
	}
	if ((err = braid_store_begin(store)) < 0)
		goto done;
	if ((err = record_read(ctx, agent, t.path, res->symbol, hex, blob, res->source,
	                       res->commit)) < 0 ||
	    (err = braid_intent_notices(&res->notices, &res->nnotices, ctx, 1)) < 0) {
		braid_store_rollback(store);
		goto done;
	}
	if ((err = braid_store_commit(store)) < 0)
		goto done;
	*out = res;
	res = NULL;
done:
	free(canon);
	braid_buf_dispose(&content);
	braid_intent__view_clear(&v);
	braid_intent__target_clear(&t);
	braid_intent_read_result_free(res);
	return err;
}

/* --- stale reports ------------------------------------------------------ */

void braid_intent_stale_list_free(braid_intent_stale_list *list)
{
	size_t i, j;

	if (!list)
		return;
	for (i = 0; i < list->count; i++) {
		braid_intent_stale *s = &list->items[i];
		free(s->path);
		free(s->symbol);
		free(s->read_hash);
		free(s->now_hash);
		free(s->read_commit);
		free(s->now_commit);
		free(s->diff);
		for (j = 0; j < s->nchangers; j++) {
			free(s->changers[j].agent_id);
			free(s->changers[j].agent_name);
			free(s->changers[j].op_id);
			free(s->changers[j].commit);
			free(s->changers[j].change_id);
		}
		free(s->changers);
	}
	free(list->items);
	free(list);
}

/* Start offsets of every line of `s` (n+1 entries, the last = len). */
static size_t *line_starts(const char *s, size_t len, size_t *nlines)
{
	size_t n = 0, i, k = 0;
	size_t *v;

	for (i = 0; i < len; i++)
		if (s[i] == '\n')
			n++;
	if (len && s[len - 1] != '\n')
		n++;
	if (!(v = malloc((n + 1) * sizeof(*v))))
		return NULL;
	v[k++] = 0;
	for (i = 0; i < len; i++)
		if (s[i] == '\n' && i + 1 < len)
			v[k++] = i + 1;
	v[n] = len;
	*nlines = n;
	return v;
}

static int put_lines(braid_buf *b, char mark, const char *s, const size_t *ls, size_t from,
                     size_t to)
{
	size_t i;
	int rc = 0;

	for (i = from; i < to; i++) {
		/* Hunks from braid_diff_lines stay within the line_starts() counts;
		 * the analyzer cannot see into diff.c. */
		/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
		size_t l = ls[i + 1] - ls[i];
		rc |= braid_buf_putc(b, mark);
		rc |= braid_buf_put(b, s + ls[i], l);
		if (!l || s[ls[i] + l - 1] != '\n')
			rc |= braid_buf_puts(b, "\n\\ No newline at end of file\n");
	}
	return rc;
}

/* A unified diff (3 lines of context) of a -> b, labelled. */
static int unified_diff(char **out, const char *label_a, const char *a, size_t alen,
                        const char *label_b, const char *b, size_t blen)
{
	braid_diff_hunk *h = NULL;
	size_t nh = 0, na = 0, nb = 0, i = 0;
	size_t *la = NULL, *lb = NULL;
	braid_buf d = BRAID_BUF_INIT;
	int err, rc = 0;

	if ((err = braid_diff_lines(&h, &nh, a ? a : "", alen, b ? b : "", blen)) < 0)
		return err;
	if (!(la = line_starts(a ? a : "", alen, &na)) ||
	    !(lb = line_starts(b ? b : "", blen, &nb))) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto done;
	}
	rc |= braid_buf_printf(&d, "--- %s\n+++ %s\n", label_a, label_b);
	while (i < nh) {
		size_t j = i, os, oe, ns, ne, k;
		/* Group hunks whose context would touch. */
		while (j + 1 < nh && h[j + 1].old_start - h[j].old_end <= 2 * DIFF_CTX)
			j++;
		os = h[i].old_start > DIFF_CTX ? h[i].old_start - DIFF_CTX : 0;
		ns = h[i].new_start - (h[i].old_start - os);
		oe = h[j].old_end + DIFF_CTX < na ? h[j].old_end + DIFF_CTX : na;
		ne = h[j].new_end + (oe - h[j].old_end);
		rc |= braid_buf_printf(&d, "@@ -%zu,%zu +%zu,%zu @@\n", oe > os ? os + 1 : os,
		                       oe - os, ne > ns ? ns + 1 : ns, ne - ns);
		{
			size_t pos = os;
			for (k = i; k <= j; k++) {
				rc |= put_lines(&d, ' ', a, la, pos, h[k].old_start);
				rc |= put_lines(&d, '-', a, la, h[k].old_start, h[k].old_end);
				rc |= put_lines(&d, '+', b, lb, h[k].new_start, h[k].new_end);
				pos = h[k].old_end;
			}
			rc |= put_lines(&d, ' ', a, la, pos, oe);
		}
		i = j + 1;
	}
	if (rc < 0) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto done;
	}
	*out = braid_buf_detach(&d);
done:
	braid_buf_dispose(&d);
	free(h);
	free(la);
	free(lb);
	return err;
}

static int files_has(const char *files_json, const char *path)
{
	json_t *j = files_json ? json_loads(files_json, 0, NULL) : NULL;
	size_t i;
	int found = 0;

	if (!j)
		return 1; /* unknown: say it may have */
	for (i = 0; json_is_array(j) && i < json_array_size(j); i++) {
		json_t *e = json_array_get(j, i);
		const char *s =
		    json_string_value(json_is_object(e) ? json_object_get(e, "path") : e);
		if (s && !strcmp(s, path))
			found = 1;
	}
	json_decref(j);
	return found;
}

/* Landings in (from, to] that touched `path`: who changed it. */
static int find_changers(braid_intent_stale *s, braid_ctx *ctx, const char *from, const char *to,
                         const char *path)
{
	git_revwalk *walk = NULL;
	git_oid id, f;
	sqlite3_stmt *st;
	int err = 0, steps = 0;

	if (!to || (from && !strcmp(from, to)))
		return 0;
	/* Best effort: without a walk, no landing is named. */
	if (git_revwalk_new(&walk, ctx->git) < 0 || git_oid_fromstr(&id, to) < 0 ||
	    git_revwalk_push(walk, &id) < 0)
		goto out;
	if (from && git_oid_fromstr(&f, from) == 0)
		git_revwalk_hide(walk, &f);
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	while (steps++ < MAX_WALK && git_revwalk_next(&id, walk) == 0) {
		char hex[41];
		git_oid_tostr(hex, sizeof(hex), &id);
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "SELECT l.agent_id, a.name, l.op_id, l.change_id, l.files "
		         "FROM landings l LEFT JOIN agents a ON a.id = l.agent_id "
		         "WHERE l.commit_id = ?")) < 0)
			break;
		sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    files_has((const char *)sqlite3_column_text(st, 4), path)) {
			void *nv = realloc(s->changers, (s->nchangers + 1) * sizeof(*s->changers));
			if (!nv) {
				sqlite3_reset(st);
				err = braid_error_set(BRAID_ENOMEM, "out of memory");
				break;
			}
			s->changers = nv;
			s->changers[s->nchangers].agent_id = braid_store__col_strdup(st, 0);
			s->changers[s->nchangers].agent_name = braid_store__col_strdup(st, 1);
			s->changers[s->nchangers].op_id = braid_store__col_strdup(st, 2);
			s->changers[s->nchangers].change_id = braid_store__col_strdup(st, 3);
			s->changers[s->nchangers].commit = braid_strdup(hex);
			s->nchangers++;
		}
		sqlite3_reset(st);
	}
out:
	git_revwalk_free(walk);
	git_error_clear();
	return err;
}

static int stale_push(braid_intent_stale **out, braid_intent_stale_list *l)
{
	braid_intent_stale *nv = realloc(l->items, (l->count + 1) * sizeof(*nv));
	if (!nv)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	l->items = nv;
	memset(&nv[l->count], 0, sizeof(nv[0]));
	*out = &nv[l->count++];
	return 0;
}

static void stale_summary(braid_buf *b, const braid_intent_stale *s, const char *what)
{
	size_t i;
	int rc = 0;

	rc |= braid_buf_printf(b, "%s'%s%s%s' %s", b->size ? "; " : "", s->path,
	                       s->symbol ? "::" : "", s->symbol ? s->symbol : "", what);
	if (s->nchangers) {
		rc |= braid_buf_puts(b, " (by ");
		for (i = 0; i < s->nchangers && i < 3; i++)
			rc |= braid_buf_printf(b, "%s'%s' in op %.12s, commit %.12s", i ? ", " : "",
			                       s->changers[i].agent_name ? s->changers[i].agent_name
			                                                 : s->changers[i].agent_id,
			                       s->changers[i].op_id ? s->changers[i].op_id : "?",
			                       s->changers[i].commit);
		if (s->nchangers > 3)
			rc |= braid_buf_printf(b, " and %zu more", s->nchangers - 3);
		rc |= braid_buf_putc(b, ')');
	}
	BRAID_UNUSED(rc);
}

/* --- writes -------------------------------------------------------------- */

int braid_intent_write(braid_intent_stale_list **stale, char new_hash[65], braid_ctx *ctx,
                       const char *spec, const char *if_hash, int64_t token, const char *content,
                       size_t len)
{
	const char *agent;
	itarget t = {0};
	iview v = {0};
	braid_buf cur = BRAID_BUF_INIT, next = BRAID_BUF_INIT, read_content = BRAID_BUF_INIT;
	braid_intent_stale_list *list = NULL;
	char hex[BRAID_HASH_HEXSIZE + 1], blob[41], *abs = NULL, *canon = NULL;
	char *read_commit = NULL, *read_blob = NULL;
	size_t off = 0, rlen = 0;
	int err, exists = 0;
	struct stat sb;
	mode_t mode = 0644;

	BRAID_ASSERT_ARG(ctx && spec && if_hash && (content || !len));
	if (stale)
		*stale = NULL;
	if ((err = braid_ctx_require_agent(&agent, ctx)) < 0)
		return err;
	if ((err = parse_region_spec(&t, spec)) < 0)
		return err;
	if ((err = braid_intent__view(&v, ctx, agent)) < 0)
		goto done;
	if (!v.ws_path) {
		err = braid_error_set(BRAID_ESTATE,
		                      "agent '%s' has no workspace to write into; create one with "
		                      "'braid ws new %s'",
		                      ctx->agent_name ? ctx->agent_name : agent,
		                      ctx->agent_name ? ctx->agent_name : agent);
		goto done;
	}
	if (token > 0 && (err = braid_intent_check_token(ctx, agent, token, t.path)) < 0)
		goto done;
	if ((err = read_workspace_file(&cur, &exists, v.ws_path, t.path)) < 0)
		goto done;
	if (t.symbol) {
		err = exists ? region_of(&off, &rlen, NULL, NULL, &canon, t.path, &cur, t.symbol)
		             : BRAID_ENOTFOUND;
		if (err == BRAID_ENOTFOUND) {
			/* The symbol is gone: that is a change since the read too. */
			braid_error_clear();
			hex[0] = '\0';
		} else if (err < 0) {
			goto done;
		} else {
			braid_hash_hex(hex, cur.ptr + off, rlen);
		}
	} else {
		rlen = cur.size;
		braid_hash_hex(hex, cur.ptr, cur.size);
	}
	if (strcmp(hex, if_hash) != 0) {
		/* What did the agent read, and who changed the file since? */
		sqlite3_stmt *st;
		braid_intent_stale *s = NULL;
		braid_buf msg = BRAID_BUF_INIT;

		if (!(list = calloc(1, sizeof(*list))) || stale_push(&s, list) < 0) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			goto done;
		}
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "SELECT blob, commit_id, hash FROM intent_reads WHERE agent_id "
		         "= ?1 AND path = ?2 AND symbol = ?3 ORDER BY (hash = ?4) DESC, "
		         "rowid DESC LIMIT 1")) < 0)
			goto done;
		sqlite3_bind_text(st, 1, agent, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, t.path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3,
		                  canon      ? canon
		                  : t.symbol ? t.symbol
		                             : "",
		                  -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, if_hash, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			read_blob = braid_store__col_strdup(st, 0);
			read_commit = braid_store__col_strdup(st, 1);
			s->read_hash = braid_store__col_strdup(st, 2);
		}
		sqlite3_reset(st);
		if (read_blob) {
			git_oid bid;
			git_blob *b = NULL;
			if (git_oid_fromstr(&bid, read_blob) == 0 &&
			    git_blob_lookup(&b, ctx->git, &bid) == 0)
				err = braid_buf_set(&read_content, git_blob_rawcontent(b),
				                    (size_t)git_blob_rawsize(b));
			git_blob_free(b);
			git_error_clear();
			if (err < 0)
				goto done;
		}
		s->path = braid_strdup(t.path);
		s->symbol = canon ? braid_strdup(canon) : t.symbol ? braid_strdup(t.symbol) : NULL;
		s->now_hash = hex[0] ? braid_strdup(hex) : NULL;
		s->read_commit = read_commit;
		read_commit = NULL;
		s->now_commit = v.base_commit ? braid_strdup(v.base_commit) : NULL;
		if ((err = unified_diff(&s->diff, "read", read_content.ptr, read_content.size,
		                        "now", hex[0] ? cur.ptr + off : "", hex[0] ? rlen : 0)) < 0)
			goto done;
		if ((err = find_changers(s, ctx, s->read_commit, v.base_commit, t.path)) < 0)
			goto done;
		stale_summary(&msg, s,
		              s->read_hash ? "changed since you read it"
		                           : "is not what you expected");
		if (!s->nchangers &&
		    braid_buf_puts(&msg, " (not by a landing: it changed in your workspace)") < 0) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			goto done;
		}
		err =
		    braid_error_set(BRAID_ESTALE,
		                    "%s; current hash %s, expected %s; re-read it with 'braid read "
		                    "%s' and redo the edit",
		                    msg.ptr, hex[0] ? hex : "(gone)", if_hash, spec);
		braid_buf_dispose(&msg);
		if (stale) {
			*stale = list;
			list = NULL;
		}
		goto done;
	}
	/* Splice the new region in and replace the file atomically. */
	if ((err = braid_buf_put(&next, cur.ptr, off)) < 0 ||
	    (err = braid_buf_put(&next, content, len)) < 0 ||
	    (err = braid_buf_put(&next, cur.ptr + off + rlen, cur.size - off - rlen)) < 0)
		goto done;
	if (!(abs = braid_sprintf_alloc("%s/%s", v.ws_path, t.path))) {
		err = BRAID_ENOMEM;
		goto done;
	}
	if (exists && stat(abs, &sb) == 0)
		mode = sb.st_mode & 07777;
	else if (!exists) {
		braid_buf dir = BRAID_BUF_INIT;
		if ((err = braid_path_dirname(&dir, abs)) == 0)
			err = braid_fs_mkdir_p(dir.ptr, 0755);
		braid_buf_dispose(&dir);
		if (err < 0)
			goto done;
	}
	if ((err = braid_fs_write_atomic(abs, next.ptr, next.size, mode)) < 0)
		goto done;
	braid_hash_hex(hex, content ? content : "", len);
	if (new_hash)
		memcpy(new_hash, hex, sizeof(hex));
	if ((err = blob_of(blob, ctx, content ? content : "", len)) < 0)
		goto done;
	if ((err = braid_store_begin(ctx->store)) < 0)
		goto done;
	if ((err = record_read(ctx, agent, t.path, canon ? canon : t.symbol, hex, blob, "workspace",
	                       v.base_commit)) < 0) {
		braid_store_rollback(ctx->store);
		goto done;
	}
	err = braid_store_commit(ctx->store);
done:
	free(abs);
	free(canon);
	free(read_commit);
	free(read_blob);
	braid_buf_dispose(&cur);
	braid_buf_dispose(&next);
	braid_buf_dispose(&read_content);
	braid_intent__view_clear(&v);
	braid_intent__target_clear(&t);
	braid_intent_stale_list_free(list);
	return err;
}

/* --- submit-time hash check -------------------------------------------- */

int braid_intent_check_reads(braid_intent_stale_list **out, braid_ctx *ctx, const char *agent_id,
                             const braid_intent_touch *touches, size_t ntouches,
                             const char *against)
{
	sqlite3_stmt *st;
	braid_intent_stale_list *list = NULL;
	braid_buf msg = BRAID_BUF_INIT;
	char now_commit[41] = "";
	int err = 0, rc;
	struct rrow {
		char *path, *symbol, *commit, *base_hash;
	} *rows = NULL;
	size_t nrows = 0, i, k;

	BRAID_ASSERT_ARG(ctx && (touches || !ntouches));
	if (out)
		*out = NULL;
	if (!agent_id && (err = braid_ctx_require_agent(&agent_id, ctx)) < 0)
		return err;
	if ((err =
	         braid_store__stmt(&st, ctx->store,
	                           "SELECT path, symbol, commit_id, base_hash FROM intent_reads r "
	                           "WHERE agent_id = ?1 AND rowid = (SELECT MAX(rowid) FROM "
	                           "intent_reads o WHERE o.agent_id = ?1 AND o.path = r.path AND "
	                           "o.symbol = r.symbol)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);
		struct rrow *nv;
		int hit = 0;
		for (k = 0; k < ntouches; k++)
			if (!strcmp(touches[k].path, path) ||
			    (touches[k].old_path && !strcmp(touches[k].old_path, path)))
				hit = 1;
		if (!hit)
			continue;
		if (!(nv = realloc(rows, (nrows + 1) * sizeof(*rows)))) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		rows = nv;
		rows[nrows].path = braid_store__col_strdup(st, 0);
		rows[nrows].symbol = braid_store__col_strdup(st, 1);
		rows[nrows].commit = braid_store__col_strdup(st, 2);
		rows[nrows].base_hash = braid_store__col_strdup(st, 3);
		nrows++;
	}
	if (!err && rc != SQLITE_DONE)
		err = braid_store__error(ctx->store, "cannot read the agent's reads");
	sqlite3_reset(st);
	if (err)
		goto done;
	if (nrows && !against) {
		git_oid tip;
		if ((rc = git_reference_name_to_id(&tip, ctx->git, ctx->target)) < 0) {
			err = braid_error_git(rc, "cannot resolve the target branch");
			goto done;
		}
		git_oid_tostr(now_commit, sizeof(now_commit), &tip);
	} else if (against) {
		snprintf(now_commit, sizeof(now_commit), "%s", against);
	}
	for (i = 0; i < nrows; i++) {
		struct rrow *r = &rows[i];
		const char *sym = r->symbol && *r->symbol ? r->symbol : NULL;
		braid_buf old = BRAID_BUF_INIT, cur = BRAID_BUF_INIT;
		size_t ooff = 0, olen = 0, coff = 0, clen = 0;
		char hex[BRAID_HASH_HEXSIZE + 1] = "";
		int have_old = 0, have_cur = 0, touched = 0;
		braid_intent_stale *s = NULL;

		for (k = 0; k < ntouches && !touched; k++) {
			if (strcmp(touches[k].path, r->path) &&
			    !(touches[k].old_path && !strcmp(touches[k].old_path, r->path)))
				continue;
			touched = !sym || braid_intent__symbol_touched(&touches[k], sym);
		}
		if (!touched || (r->commit && !strcmp(r->commit, now_commit)))
			continue;
		err = braid_intent__read_commit(&cur, NULL, ctx, now_commit, r->path);
		if (err == 0)
			err = region_of(&coff, &clen, NULL, NULL, NULL, r->path, &cur, sym);
		if (err == 0) {
			have_cur = 1;
			braid_hash_hex(hex, cur.ptr + coff, clen);
		} else if (err != BRAID_ENOTFOUND) {
			braid_buf_dispose(&cur);
			goto done;
		}
		err = 0;
		braid_error_clear();
		if ((have_cur && r->base_hash && !strcmp(hex, r->base_hash)) ||
		    (!have_cur && !r->base_hash)) {
			braid_buf_dispose(&cur);
			continue;
		}
		if (r->commit &&
		    braid_intent__read_commit(&old, NULL, ctx, r->commit, r->path) == 0 &&
		    region_of(&ooff, &olen, NULL, NULL, NULL, r->path, &old, sym) == 0)
			have_old = 1;
		braid_error_clear();
		if (!list && !(list = calloc(1, sizeof(*list)))) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
		} else if ((err = stale_push(&s, list)) == 0) {
			s->path = braid_strdup(r->path);
			s->symbol = sym ? braid_strdup(sym) : NULL;
			s->read_hash = r->base_hash ? braid_strdup(r->base_hash) : NULL;
			s->now_hash = have_cur ? braid_strdup(hex) : NULL;
			s->read_commit = r->commit ? braid_strdup(r->commit) : NULL;
			s->now_commit = braid_strdup(now_commit);
			if ((err = unified_diff(&s->diff, "read", have_old ? old.ptr + ooff : "",
			                        have_old ? olen : 0, "now",
			                        have_cur ? cur.ptr + coff : "",
			                        have_cur ? clen : 0)) == 0)
				err = find_changers(s, ctx, r->commit, now_commit, r->path);
			if (!err)
				stale_summary(&msg, s,
				              have_cur
				                  ? "changed on the target branch since you read it"
				                  : "is gone from the target branch since you read "
				                    "it");
		}
		braid_buf_dispose(&old);
		braid_buf_dispose(&cur);
		if (err)
			goto done;
	}
	if (list && list->count) {
		err = braid_error_set(BRAID_ESTALE, "%s; re-read and redo the edit (braid read)",
		                      msg.ptr);
		if (out) {
			*out = list;
			list = NULL;
		}
	}
done:
	for (i = 0; i < nrows; i++) {
		free(rows[i].path);
		free(rows[i].symbol);
		free(rows[i].commit);
		free(rows[i].base_hash);
	}
	free(rows);
	braid_buf_dispose(&msg);
	braid_intent_stale_list_free(list);
	return err;
}
