/*
 * merge.c: braid_merge_file, the file-level half of MergePolicy. It decides
 * from presence and equality alone whatever it can (identical sides, one
 * side unchanged, add/add, modify/delete, delete/delete, binary), and hands
 * only files that both sides changed as text to the line tier (merge3.c).
 * It also owns the public result and the stable names of verdicts and kinds.
 */
#include "merge/merge_int.h"

enum driver { DRIVER_TEXT, DRIVER_UNION, DRIVER_BINARY };

struct fctx {
	const braid_merge_input *in;
	braid_merge__lines_opts lo;
	enum driver driver;
	size_t max_text;
	braid_merge__regions regions;
	braid_buf merged;
	int has_merged; /* merged holds the file (else: absent or binary conflict) */
	int tier;
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

/* All three present. */
static int merge_present(struct fctx *f)
{
	const braid_merge_input *in = f->in;
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
	/* TODO(braid-json): the JSON set/field-union driver plugs in here; until
	 * then such files take the line tier like text. Tiers 2 and 3
	 * (syntax, semantic rules) will refine the conflicts left below. */
	f->tier = 1;
	f->has_merged = 1;
	return braid_merge__lines(&f->merged, &f->regions, &clean, in->base, in->base_len, in->ours,
	                          in->ours_len, in->theirs, in->theirs_len, &f->lo);
}

static int parse_driver(const char *d)
{
	if (d && !strcmp(d, "union"))
		return DRIVER_UNION;
	if (d && !strcmp(d, "binary"))
		return DRIVER_BINARY;
	/* "text", "braid-json" (for now) and unknown drivers merge as text */
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
	f.lo.ours_label = in->ours_label ? in->ours_label : "main";
	f.lo.base_label = in->base_label ? in->base_label : "base";
	f.lo.theirs_label = in->theirs_label ? in->theirs_label : "submitted";
	f.lo.union_driver = f.driver == DRIVER_UNION;
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
	res->regions = f.regions.v;
	res->nregions = f.regions.n;
	f.regions = (braid_merge__regions)BRAID_MERGE__REGIONS_INIT;
	*out = res;
done:
	braid_buf_dispose(&f.merged);
	braid_merge__regions_dispose(&f.regions);
	return err;
}
