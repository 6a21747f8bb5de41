/*
 * merge.c: braid_merge_file, the file-level half of MergePolicy. It decides
 * from presence and equality alone whatever it can (identical sides, one
 * side unchanged, add/add, modify/delete, delete/delete, binary), and hands
 * only files that both sides changed as text to the line tier (merge3.c).
 * It also owns the public result and the stable names of verdicts and kinds.
 */
#include "merge/merge_int.h"
#include "merge/structure_int.h"

enum driver { DRIVER_TEXT, DRIVER_UNION, DRIVER_BINARY, DRIVER_JSON };

struct fctx {
	const braid_merge_input *in;
	braid_merge__lines_opts lo;
	enum driver driver;
	size_t max_text;
	braid_merge__regions regions;
	braid_buf merged;
	int has_merged; /* merged holds the file (else: absent or binary conflict) */
	int tier;
	int max_tier;
	char *note;       /* rewrite note of the semantic tier */
	char *json_paths; /* key paths the braid-json driver found in conflict */
};

const char *braid_merge_verdict_name(braid_merge_verdict v)
{
	switch (v) {
	case BRAID_VERDICT_MERGE:
		return "merge";
	case BRAID_VERDICT_CONFLICT:
		return "conflict";
	case BRAID_VERDICT_ESCALATE:
		return "escalate";
	case BRAID_VERDICT_BLOCK:
		return "block";
	}
	return "unknown";
}

const char *braid_merge_kind_name(braid_merge_kind k)
{
	switch (k) {
	case BRAID_KIND_CONTENT:
		return "content";
	case BRAID_KIND_ADD_ADD:
		return "add/add";
	case BRAID_KIND_MODIFY_DELETE:
		return "modify/delete";
	case BRAID_KIND_RENAME_RENAME:
		return "rename/rename";
	case BRAID_KIND_BINARY:
		return "binary";
	case BRAID_KIND_MODE:
		return "mode";
	case BRAID_KIND_PARSE:
		return "parse";
	case BRAID_KIND_FILE_DIRECTORY:
		return "file/directory";
	case BRAID_KIND_ONE_SIDE:
		return "one-side";
	case BRAID_KIND_IDENTICAL:
		return "identical";
	case BRAID_KIND_DISJOINT:
		return "disjoint";
	case BRAID_KIND_STRUCTURAL:
		return "structural";
	case BRAID_KIND_RENAME_CARRIED:
		return "rename-carried";
	case BRAID_KIND_DRIVER:
		return "driver";
	case BRAID_KIND_SUBSUMED:
		return "subsumed";
	}
	return "unknown";
}

int braid_merge_is_binary(const char *buf, size_t len)
{
	if (!buf)
		return 0;
	return memchr(buf, '\0', len < 8000 ? len : 8000) != NULL;
}

int braid_merge__regions_push(braid_merge__regions *rs, braid_merge_region *r)
{
	if (rs->n == rs->alloc) {
		size_t n = rs->alloc ? rs->alloc * 2 : 8;
		braid_merge_region *p = realloc(rs->v, n * sizeof(*p));
		if (!p) {
			free(r->description);
			r->description = NULL;
			return braid_error_set(BRAID_ENOMEM, "out of memory listing merge regions");
		}
		rs->v = p;
		rs->alloc = n;
	}
	rs->v[rs->n++] = *r;
	return 0;
}

static void region_release(braid_merge_region *r)
{
	size_t i;

	if (r->symbols) {
		for (i = 0; r->symbols[i]; i++)
			free(r->symbols[i]);
		free(r->symbols);
	}
	free(r->description);
}

void braid_merge__regions_dispose(braid_merge__regions *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		region_release(&rs->v[i]);
	free(rs->v);
	rs->v = NULL;
	rs->n = rs->alloc = 0;
}

void braid_merge_result_free(braid_merge_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->nregions; i++)
		region_release(&res->regions[i]);
	free(res->regions);
	free(res->merged);
	free(res->rewrite_note);
	free(res);
}

static size_t count_lines(const char *buf, size_t len)
{
	size_t n = 0;
	const char *p, *end;

	if (!buf || !len)
		return 0;
	p = buf;
	end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		n++;
		p = nl ? nl + 1 : end;
	}
	return n;
}

static int same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (!alen || !memcmp(a, b, alen));
}

/* Whether a present side may go through the line tier. */
static int is_text(const struct fctx *f, const char *buf, size_t len)
{
	return !buf || (f->driver != DRIVER_BINARY && len <= f->max_text &&
	                !braid_merge_is_binary(buf, len));
}

static int all_text(const struct fctx *f)
{
	const braid_merge_input *in = f->in;

	return is_text(f, in->base, in->base_len) && is_text(f, in->ours, in->ours_len) &&
	       is_text(f, in->theirs, in->theirs_len);
}

/* A region spanning each present side whole: a file-level decision. */
static int file_region(struct fctx *f, braid_merge_verdict v, braid_merge_kind kind,
                       const char *fmt, ...) BRAID_PRINTF(4, 5);
static int file_region(struct fctx *f, braid_merge_verdict v, braid_merge_kind kind,
                       const char *fmt, ...)
{
	const braid_merge_input *in = f->in;
	braid_buf d = BRAID_BUF_INIT;
	braid_merge_region r;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = braid_buf_vprintf(&d, fmt, ap);
	va_end(ap);
	if (err < 0) {
		braid_buf_dispose(&d);
		return err;
	}
	memset(&r, 0, sizeof(r));
	r.verdict = v;
	r.kind = kind;
	r.base_end = count_lines(in->base, in->base_len);
	r.ours_end = count_lines(in->ours, in->ours_len);
	r.theirs_end = count_lines(in->theirs, in->theirs_len);
	r.base_len = in->base ? in->base_len : 0;
	r.ours_len = in->ours ? in->ours_len : 0;
	r.theirs_len = in->theirs ? in->theirs_len : 0;
	r.description = braid_buf_detach(&d);
	if (!r.description)
		return braid_error_set(BRAID_ENOMEM, "out of memory describing a region");
	return braid_merge__regions_push(&f->regions, &r);
}

static int take(struct fctx *f, const char *buf, size_t len)
{
	f->has_merged = 1;
	return braid_buf_set(&f->merged, buf, len);
}

/*
 * Regions of a file-level clean outcome: the line tier run on (base, ours,
 * theirs) where one side equals the base or both sides are equal; only its
 * regions are kept, the bytes come straight from the input.
 */
static int trivial_regions(struct fctx *f, const char *ours, size_t ours_len, const char *theirs,
                           size_t theirs_len)
{
	braid_buf scratch = BRAID_BUF_INIT;
	int clean, err;

	err = braid_merge__lines(&scratch, &f->regions, &clean, f->in->base, f->in->base_len, ours,
	                         ours_len, theirs, theirs_len, &f->lo);
	braid_buf_dispose(&scratch);
	return err;
}

/* Base absent, exactly one side present. */
static int merge_one_added(struct fctx *f)
{
	const braid_merge_input *in = f->in;
	int err;

	if (in->ours)
		err = take(f, in->ours, in->ours_len);
	else
		err = take(f, in->theirs, in->theirs_len);
	if (err < 0)
		return err;
	return file_region(f, BRAID_VERDICT_MERGE, BRAID_KIND_ONE_SIDE, "%s added the file",
	                   in->ours ? f->lo.ours_label : f->lo.theirs_label);
}

static int json_driver(struct fctx *f);

/* Both sides present, base absent. */
static int merge_added(struct fctx *f)
{
	const braid_merge_input *in = f->in;
	size_t first, i;
	int clean, err;

	if (same(in->ours, in->ours_len, in->theirs, in->theirs_len)) {
		if ((err = take(f, in->ours, in->ours_len)) < 0)
			return err;
		return file_region(f, BRAID_VERDICT_MERGE, BRAID_KIND_IDENTICAL,
		                   "both sides added the file with the same content");
	}
	if (!all_text(f))
		return file_region(f, BRAID_VERDICT_CONFLICT, BRAID_KIND_ADD_ADD,
		                   "both sides added the file with different content");
	if (f->driver == DRIVER_JSON && (err = json_driver(f)) <= 0)
		return err;
	/* an empty base gives `resolve` diff3 markers to show */
	f->tier = 1;
	f->has_merged = 1;
	first = f->regions.n;
	if ((err = braid_merge__lines(&f->merged, &f->regions, &clean, "", 0, in->ours,
	                              in->ours_len, in->theirs, in->theirs_len, &f->lo)) < 0)
		return err;
	for (i = first; i < f->regions.n; i++) {
		braid_merge_region *r = &f->regions.v[i];
		char *d;

		if (r->verdict != BRAID_VERDICT_CONFLICT)
			continue;
		d = braid_strdup("both sides added the file with different content");
		if (!d)
			return BRAID_ENOMEM;
		free(r->description);
		r->description = d;
		r->kind = BRAID_KIND_ADD_ADD;
	}
	return 0;
}

/* Base present, exactly one side absent. */
static int merge_deleted(struct fctx *f)
{
	const braid_merge_input *in = f->in;
	int ours_gone = !in->ours;
	const char *left = ours_gone ? in->theirs : in->ours;
	size_t left_len = ours_gone ? in->theirs_len : in->ours_len;
	const char *del = ours_gone ? f->lo.ours_label : f->lo.theirs_label;
	const char *mod = ours_gone ? f->lo.theirs_label : f->lo.ours_label;
	int err;

	if (same(in->base, in->base_len, left, left_len))
		return file_region(f, BRAID_VERDICT_MERGE, BRAID_KIND_ONE_SIDE,
		                   "%s deleted the file", del);
	/* the surviving content is there for reference; the merge is not clean */
	if ((err = take(f, left, left_len)) < 0)
		return err;
	return file_region(f, BRAID_VERDICT_CONFLICT, BRAID_KIND_MODIFY_DELETE,
	                   "%s deleted the file; %s modified it", del, mod);
}

static int refine(struct fctx *f, size_t first);

/* Conflicting JSON key paths become the symbols of each conflicting region. */
static int name_json_paths(struct fctx *f, size_t first)
{
	size_t i, n = 1, k;
	const char *p;

	for (p = f->json_paths; *p; p++)
		n += *p == '\n';
	for (i = first; i < f->regions.n; i++) {
		braid_merge_region *r = &f->regions.v[i];
		char **syms, *s, *save = NULL, *tok;

		if (r->verdict == BRAID_VERDICT_MERGE || r->symbols)
			continue;
		if (!(syms = calloc(n + 1, sizeof(*syms))) || !(s = braid_strdup(f->json_paths))) {
			free(syms);
			return braid_error_set(BRAID_ENOMEM, "out of memory naming JSON keys");
		}
		for (k = 0, tok = strtok_r(s, "\n", &save); tok && k < n;
		     tok = strtok_r(NULL, "\n", &save))
			if (!(syms[k++] = braid_strdup(tok)))
				break;
		free(s);
		r->symbols = syms;
	}
	return 0;
}

/*
 * The braid-json driver: 0 when it decided (clean), 1 when the text tiers
 * must (a side is not JSON, or values conflict: then the conflicting key
 * paths name the conflict's symbols).
 */
static int json_driver(struct fctx *f)
{
	const braid_merge_input *in = f->in;
	char *paths = NULL;
	int clean, err;

	err = braid_merge__json(&f->merged, &clean, &paths, in->base, in->base_len, in->ours,
	                        in->ours_len, in->theirs, in->theirs_len);
	if (err != 0)
		return err;
	if (!clean) {
		braid_buf_clear(&f->merged);
		free(f->json_paths);
		f->json_paths = paths;
		return 1;
	}
	f->has_merged = 1;
	f->tier = 1;
	return file_region(f, BRAID_VERDICT_MERGE, BRAID_KIND_DRIVER,
	                   "the braid-json driver merged %s's and %s's values key by key",
	                   f->lo.ours_label, f->lo.theirs_label);
}
static int carry(struct fctx *f, size_t first);
static int adopt(struct fctx *f, size_t first, braid_merge__sresult *sr);

/* All three present. */
static int merge_present(struct fctx *f)
{
	const braid_merge_input *in = f->in;
	size_t first;
	int clean, err;

	if (same(in->ours, in->ours_len, in->theirs, in->theirs_len)) {
		if ((err = take(f, in->ours, in->ours_len)) < 0)
			return err;
		if (same(in->base, in->base_len, in->ours, in->ours_len))
			return 0;
		if (!all_text(f))
			return file_region(f, BRAID_VERDICT_MERGE, BRAID_KIND_IDENTICAL,
			                   "both sides made the same change to the file");
		return trivial_regions(f, in->ours, in->ours_len, in->theirs, in->theirs_len);
	}
	if (same(in->base, in->base_len, in->ours, in->ours_len) ||
	    same(in->base, in->base_len, in->theirs, in->theirs_len)) {
		int ours_changed = !same(in->base, in->base_len, in->ours, in->ours_len);
		const char *side = ours_changed ? in->ours : in->theirs;
		size_t side_len = ours_changed ? in->ours_len : in->theirs_len;

		if ((err = take(f, side, side_len)) < 0)
			return err;
		if (!all_text(f))
			return file_region(f, BRAID_VERDICT_MERGE, BRAID_KIND_ONE_SIDE,
			                   "%s changed the file",
			                   ours_changed ? f->lo.ours_label : f->lo.theirs_label);
		return trivial_regions(f, in->ours, in->ours_len, in->theirs, in->theirs_len);
	}
	if (!all_text(f))
		return file_region(f, BRAID_VERDICT_CONFLICT, BRAID_KIND_BINARY,
		                   "both sides changed the binary file differently");
	if (f->driver == DRIVER_JSON && (err = json_driver(f)) <= 0)
		return err;
	f->tier = 1;
	f->has_merged = 1;
	first = f->regions.n;
	if ((err = braid_merge__lines(&f->merged, &f->regions, &clean, in->base, in->base_len,
	                              in->ours, in->ours_len, in->theirs, in->theirs_len, &f->lo)) <
	    0)
		return err;
	if (f->json_paths && !clean)
		return name_json_paths(f, first);
	if (f->driver != DRIVER_TEXT || f->max_tier < 2)
		return 0;
	if (clean)
		return f->max_tier >= 3 ? carry(f, first) : 0;
	return refine(f, first);
}

/* Does every conflict of `sr` overlap a conflict of the line tier (regions[first..])? */
static int within_line_conflicts(const struct fctx *f, size_t first, const braid_merge__sresult *sr)
{
	size_t i, k;

	for (i = 0; i < sr->regions.n; i++) {
		const braid_merge_region *s = &sr->regions.v[i];
		int found = 0;

		if (s->verdict == BRAID_VERDICT_MERGE)
			continue;
		for (k = first; k < f->regions.n && !found; k++) {
			const braid_merge_region *l = &f->regions.v[k];
			if (l->verdict == BRAID_VERDICT_MERGE)
				continue;
			/* by lines: structural ranges start where the line before ends */
			found = s->base_start <= l->base_end && l->base_start <= s->base_end;
		}
		if (!found)
			return 0;
	}
	return 1;
}

/* Replace the line tier's text and regions (from `first`) with the structural ones. */
static int adopt(struct fctx *f, size_t first, braid_merge__sresult *sr)
{
	size_t i;
	int err;

	braid_buf_dispose(&f->merged);
	f->merged = sr->merged;
	sr->merged = (braid_buf)BRAID_BUF_INIT;
	/* the line tier's regions give way to the structural ones */
	while (f->regions.n > first) {
		braid_merge_region *r = &f->regions.v[--f->regions.n];
		size_t k;
		for (k = 0; r->symbols && r->symbols[k]; k++)
			free(r->symbols[k]);
		free(r->symbols);
		free(r->description);
	}
	for (i = 0; i < sr->regions.n; i++) {
		if ((err = braid_merge__regions_push(&f->regions, &sr->regions.v[i])) < 0) {
			/* the push freed the description; free the rest from here on */
			size_t k;
			for (k = 0; sr->regions.v[i].symbols && sr->regions.v[i].symbols[k]; k++)
				free(sr->regions.v[i].symbols[k]);
			free(sr->regions.v[i].symbols);
			sr->regions.v[i].symbols = NULL;
			for (i++; i < sr->regions.n; i++) {
				for (k = 0; sr->regions.v[i].symbols && sr->regions.v[i].symbols[k];
				     k++)
					free(sr->regions.v[i].symbols[k]);
				free(sr->regions.v[i].symbols);
				free(sr->regions.v[i].description);
			}
			free(sr->regions.v);
			sr->regions = (braid_merge__regions)BRAID_MERGE__REGIONS_INIT;
			braid_merge__sresult_release(sr);
			return err;
		}
	}
	free(sr->regions.v); /* the regions moved into f */
	sr->regions = (braid_merge__regions)BRAID_MERGE__REGIONS_INIT;
	f->tier = sr->tier;
	free(f->note);
	f->note = sr->note;
	sr->note = NULL;
	braid_merge__sresult_release(sr);
	return 0;
}

static int is_word_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* Whole-word occurrences of w[0, n) in p[0, len). */
static size_t count_word(const char *p, size_t len, const char *w, size_t n)
{
	const char *end = p + len, *q = p;
	size_t c = 0;

	if (!n)
		return 0;
	while ((size_t)(end - q) >= n) {
		q = memchr(q, w[0], (size_t)(end - q) - n + 1);
		if (!q)
			break;
		if (memcmp(q, w, n)) {
			q++;
			continue;
		}
		if ((q == p || !is_word_byte(q[-1])) && (q + n == end || !is_word_byte(q[n])))
			c++;
		q += n;
	}
	return c;
}

/*
 * Is side text q[0, qn) base text p[0, pn) with one word renamed
 * everywhere (and nothing else changed)? Then *old, *oldn name that word.
 */
static int one_word_renamed(const char *p, size_t pn, const char *q, size_t qn, const char **old,
                            size_t *oldn)
{
	const char *from = NULL, *to = NULL;
	size_t fl = 0, tl = 0, i = 0, j = 0;

	while (i < pn && j < qn) {
		if (is_word_byte(p[i]) && is_word_byte(q[j]) &&
		    (i == 0 || !is_word_byte(p[i - 1]))) {
			size_t a = i, b = j;

			while (i < pn && is_word_byte(p[i]))
				i++;
			while (j < qn && is_word_byte(q[j]))
				j++;
			if (same(p + a, i - a, q + b, j - b))
				continue;
			if (!from) {
				from = p + a, fl = i - a;
				to = q + b, tl = j - b;
			} else if (!same(p + a, i - a, from, fl) || !same(q + b, j - b, to, tl)) {
				return 0;
			}
			continue;
		}
		if (p[i] != q[j])
			return 0;
		i++;
		j++;
	}
	if (i != pn || j != qn || !from || fl < 3 || (from[0] >= '0' && from[0] <= '9'))
		return 0;
	*old = from;
	*oldn = fl;
	return 1;
}

/*
 * Could side a have renamed something side b adds references to? A region
 * a changed only by renaming one word, that word gone from a's whole text,
 * and more frequent in a region b changed than in its base: worth asking
 * the semantic tier.
 */
static int rename_suspect_side(const struct fctx *f, size_t first, int a)
{
	const braid_merge_input *in = f->in;
	const char *sa = a == 1 ? in->ours : in->theirs, *sb = a == 1 ? in->theirs : in->ours;
	size_t la = a == 1 ? in->ours_len : in->theirs_len;
	size_t i, k;

	for (i = first; i < f->regions.n; i++) {
		const braid_merge_region *r = &f->regions.v[i];
		size_t aoff = a == 1 ? r->ours_off : r->theirs_off;
		size_t alen = a == 1 ? r->ours_len : r->theirs_len;
		const char *w;
		size_t wn;

		if (!one_word_renamed(in->base + r->base_off, r->base_len, sa + aoff, alen, &w,
		                      &wn))
			continue;
		if (count_word(sa, la, w, wn))
			continue; /* still used on side a: not a rename */
		for (k = first; k < f->regions.n; k++) {
			const braid_merge_region *q = &f->regions.v[k];
			size_t boff = a == 1 ? q->theirs_off : q->ours_off;
			size_t blen = a == 1 ? q->theirs_len : q->ours_len;
			if (count_word(sb + boff, blen, w, wn) >
			    count_word(in->base + q->base_off, q->base_len, w, wn))
				return 1;
		}
	}
	return 0;
}

/*
 * A clean line merge may still call a renamed function by its old name:
 * when that looks possible, the semantic tier runs, and its answer is taken
 * only when it is clean and carried a rename.
 */
static int carry(struct fctx *f, size_t first)
{
	const char *lang = braid_syntax_language_for_path(f->in->path);
	braid_merge__sresult sr;
	int err;

	if (!lang || (!rename_suspect_side(f, first, 1) && !rename_suspect_side(f, first, 2)))
		return 0;
	err = braid_merge__structure(&sr, f->in, lang, f->max_tier, &f->lo);
	if (err < 0)
		return err;
	if (err == 1 || !sr.clean || !sr.note) {
		braid_merge__sresult_release(&sr);
		return 0;
	}
	return adopt(f, first, &sr);
}

/* Bytes inside conflicting regions (ours + base + theirs), from `first`. */
static size_t conflict_bytes(const braid_merge__regions *rs, size_t first)
{
	size_t i, n = 0;

	for (i = first; i < rs->n; i++)
		if (rs->v[i].verdict != BRAID_VERDICT_MERGE)
			n += rs->v[i].base_len + rs->v[i].ours_len + rs->v[i].theirs_len;
	return n;
}

/*
 * Give each conflicting line region the kind, description and symbols of
 * a structural conflict over the same lines.
 */
static int name_from(struct fctx *f, size_t first, const braid_merge__sresult *sr)
{
	size_t i, k, n;

	for (i = first; i < f->regions.n; i++) {
		braid_merge_region *l = &f->regions.v[i];

		if (l->verdict == BRAID_VERDICT_MERGE)
			continue;
		for (k = 0; k < sr->regions.n; k++) {
			const braid_merge_region *s = &sr->regions.v[k];
			char **syms = NULL, *d;

			if (s->verdict == BRAID_VERDICT_MERGE || s->base_start > l->base_end ||
			    l->base_start > s->base_end)
				continue;
			for (n = 0; s->symbols && s->symbols[n]; n++)
				;
			if (n && !(syms = calloc(n + 1, sizeof(*syms))))
				return braid_error_set(BRAID_ENOMEM,
				                       "out of memory naming a conflict");
			for (n = 0; syms && s->symbols[n]; n++)
				if (!(syms[n] = braid_strdup(s->symbols[n]))) {
					while (n--)
						free(syms[n]);
					free(syms);
					return BRAID_ENOMEM;
				}
			if (!(d = braid_strdup(s->description))) {
				for (n = 0; syms && syms[n]; n++)
					free(syms[n]);
				free(syms);
				return BRAID_ENOMEM;
			}
			free(l->description);
			l->description = d;
			if (l->symbols) {
				for (n = 0; l->symbols[n]; n++)
					free(l->symbols[n]);
				free(l->symbols);
			}
			l->symbols = syms;
			l->kind = s->kind;
			l->verdict = s->verdict;
			break;
		}
	}
	return 0;
}

/*
 * Tiers 2 and 3 where the line tier conflicted: take the structural merge
 * when it is clean, or when its conflicts lie where the lines conflicted
 * (structure never adds a conflict the line tier did not have); otherwise
 * keep the line tier's answer, naming the symbols around its conflicts.
 */
static int refine(struct fctx *f, size_t first)
{
	const char *lang = braid_syntax_language_for_path(f->in->path);
	braid_merge__sresult sr;
	int err;

	if (!lang)
		return 0;
	err = braid_merge__structure(&sr, f->in, lang, f->max_tier, &f->lo);
	if (err < 0)
		return err;
	if (err == 1) {
		err = braid_merge__annotate(&f->regions, f->in, lang, &sr);
		braid_merge__sresult_release(&sr);
		return err;
	}
	if (!sr.clean && (!within_line_conflicts(f, first, &sr) ||
	                  conflict_bytes(&sr.regions, 0) > conflict_bytes(&f->regions, first))) {
		/* the line tier's conflicts are finer: keep them, named by structure */
		err = name_from(f, first, &sr);
		if (err == 0)
			err = braid_merge__annotate(&f->regions, f->in, lang, &sr);
		braid_merge__sresult_release(&sr);
		return err;
	}
	return adopt(f, first, &sr);
}

static int parse_driver(const char *d)
{
	if (d && !strcmp(d, "union"))
		return DRIVER_UNION;
	if (d && !strcmp(d, "binary"))
		return DRIVER_BINARY;
	if (d && !strcmp(d, "braid-json"))
		return DRIVER_JSON;
	/* "text" and unknown drivers merge as text */
	return DRIVER_TEXT;
}

int braid_merge_file(braid_merge_result **out, const braid_merge_input *in,
                     const braid_merge_options *opts)
{
	braid_merge_options defaults = BRAID_MERGE_OPTIONS_INIT;
	braid_merge_result *res = NULL;
	struct fctx f;
	size_t i;
	int err;

	BRAID_ASSERT_ARG(out);
	BRAID_ASSERT_ARG(in);
	BRAID_ASSERT_ARG(in->base || !in->base_len);
	BRAID_ASSERT_ARG(in->ours || !in->ours_len);
	BRAID_ASSERT_ARG(in->theirs || !in->theirs_len);
	if (!opts)
		opts = &defaults;
	if (opts->version != BRAID_MERGE_OPTIONS_VERSION)
		return braid_error_set(BRAID_EINVALID, "unsupported merge options version %u",
		                       opts->version);

	memset(&f, 0, sizeof(f));
	f.in = in;
	f.driver = parse_driver(in->driver);
	f.max_text = opts->max_text_size ? opts->max_text_size : defaults.max_text_size;
	f.max_tier = opts->max_tier;
	f.lo.ours_label = in->ours_label ? in->ours_label : "main";
	f.lo.base_label = in->base_label ? in->base_label : "base";
	f.lo.theirs_label = in->theirs_label ? in->theirs_label : "submitted";
	f.lo.union_driver = f.driver == DRIVER_UNION;
	/* edits that only touch are decided together, as git does; the union
	 * driver keeps commuting them (it would otherwise duplicate lines) */
	f.lo.touching = !f.lo.union_driver;
	f.merged = (braid_buf)BRAID_BUF_INIT;
	f.regions = (braid_merge__regions)BRAID_MERGE__REGIONS_INIT;

	if (!in->ours && !in->theirs)
		err = in->base ? file_region(&f, BRAID_VERDICT_MERGE, BRAID_KIND_IDENTICAL,
		                             "both sides deleted the file")
		               : 0;
	else if (!in->base && (!in->ours || !in->theirs))
		err = merge_one_added(&f);
	else if (!in->base)
		err = merge_added(&f);
	else if (!in->ours || !in->theirs)
		err = merge_deleted(&f);
	else
		err = merge_present(&f);
	if (err < 0)
		goto done;

	res = calloc(1, sizeof(*res));
	if (!res) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory for a merge result");
		goto done;
	}
	for (i = 0; i < f.regions.n; i++) {
		if (f.regions.v[i].verdict == BRAID_VERDICT_MERGE) {
			res->merged_regions++;
		} else {
			if (!res->conflict_regions)
				res->conflict_kind = f.regions.v[i].kind;
			res->conflict_regions++;
		}
	}
	res->clean = res->conflict_regions == 0;
	res->deleted = res->clean && !f.has_merged;
	res->tier = f.tier;
	if (f.has_merged) {
		res->merged_len = f.merged.size;
		/* detach always hands back a malloc'd string, even when empty */
		res->merged = braid_buf_detach(&f.merged);
		if (!res->merged) {
			free(res);
			err = braid_error_set(BRAID_ENOMEM, "out of memory for merged text");
			goto done;
		}
	}
	res->rewrite_note = f.note;
	f.note = NULL;
	res->regions = f.regions.v;
	res->nregions = f.regions.n;
	f.regions = (braid_merge__regions)BRAID_MERGE__REGIONS_INIT;
	*out = res;
done:
	free(f.note);
	free(f.json_paths);
	braid_buf_dispose(&f.merged);
	braid_merge__regions_dispose(&f.regions);
	return err;
}
