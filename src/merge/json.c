/*
 * json.c: the braid-json merge driver (`merge=braid-json` in .gitattributes).
 * JSON is merged as values, not lines: objects by key, recursively (keys
 * keep ours' order; keys only theirs added follow their predecessor in
 * theirs); arrays whose elements are all scalars as ordered sets (ours'
 * order, theirs' removals applied, theirs' additions after their
 * predecessor); anything else both sides changed differently conflicts
 * (a scalar, an array of objects, a type change, a key deleted on one side
 * and changed on the other). A clean result that equals one side's value is
 * that side's bytes; otherwise it is printed with ours' indentation.
 * jansson keeps object keys in insertion order (JSON_PRESERVE_ORDER is the
 * default since 2.8; the flag is passed anyway).
 */
#include "merge/merge_int.h"

#include <jansson.h>

#define MAX_DEPTH 512

struct jm {
	braid_buf paths; /* conflicting key paths, one per line */
	size_t conflicts;
	size_t changed; /* keys/elements merged from both sides */
};

static int is_scalar(const json_t *v)
{
	return v && !json_is_object(v) && !json_is_array(v);
}

static int all_scalars(const json_t *a)
{
	size_t i;
	json_t *v;

	if (!a)
		return 1;
	if (!json_is_array(a))
		return 0;
	json_array_foreach(a, i, v)
		if (!is_scalar(v))
			return 0;
	return 1;
}

static int eq(const json_t *a, const json_t *b)
{
	if (!a || !b)
		return a == b;
	return json_equal((json_t *)a, (json_t *)b);
}

static int conflict(struct jm *m, const char *path)
{
	m->conflicts++;
	if (m->paths.size < 4096)
		return braid_buf_printf(&m->paths, "%s%s", m->paths.size ? "\n" : "",
		                        *path ? path : "(top level)");
	return 0;
}

static int in_array(const json_t *a, const json_t *v)
{
	size_t i;
	json_t *x;

	if (!a)
		return 0;
	json_array_foreach(a, i, x)
		if (json_equal(x, (json_t *)v))
			return 1;
	return 0;
}

static json_t *merge_value(struct jm *m, const json_t *b, const json_t *o, const json_t *t,
                           const char *path, int depth, int *err);

/* Arrays of scalars as ordered sets. */
static json_t *merge_set(struct jm *m, const json_t *b, const json_t *o, const json_t *t, int *err)
{
	json_t *out = json_array(), *v;
	size_t i, k;

	if (!out) {
		*err = BRAID_ENOMEM;
		return NULL;
	}
	/* ours' elements, less those theirs removed */
	json_array_foreach(o, i, v) {
		if (in_array(b, v) && !in_array(t, v))
			continue;
		if (json_array_append(out, v)) {
			*err = BRAID_ENOMEM;
			break;
		}
	}
	/* theirs' additions, each after its predecessor in theirs */
	json_array_foreach(t, i, v) {
		size_t at = json_array_size(out);

		if (*err || in_array(b, v) || in_array(out, v))
			continue;
		for (k = i; k-- > 0;) {
			json_t *prev = json_array_get(t, k);
			size_t q;
			json_t *x;
			int found = 0;

			json_array_foreach(out, q, x)
				if (json_equal(x, prev)) {
					at = q + 1;
					found = 1;
					break;
				}
			if (found)
				break;
			if (k == 0)
				at = 0;
		}
		if (i == 0)
			at = 0;
		/* ours' additions at that spot come first */
		while (at < json_array_size(out) && !in_array(b, json_array_get(out, at)) &&
		       !in_array(t, json_array_get(out, at)))
			at++;
		if (json_array_insert(out, at, v))
			*err = BRAID_ENOMEM;
		m->changed++;
	}
	if (*err) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static int child_path(braid_buf *p, const char *path, const char *key)
{
	braid_buf_clear(p);
	return braid_buf_printf(p, "%s%s%s", path, *path ? "." : "", key);
}

/* Objects by key. */
static json_t *merge_object(struct jm *m, const json_t *b, const json_t *o, const json_t *t,
                            const char *path, int depth, int *err)
{
	json_t *out = json_object(), *v;
	braid_buf p = BRAID_BUF_INIT;
	const char *key;

	if (!out) {
		*err = BRAID_ENOMEM;
		return NULL;
	}
	json_object_foreach((json_t *)o, key, v) {
		json_t *bv = b ? json_object_get(b, key) : NULL, *tv = json_object_get(t, key), *r;

		if ((*err = child_path(&p, path, key)) < 0)
			break;
		if (!tv) {
			if (bv && eq(bv, v))
				continue; /* theirs deleted it; ours left it alone */
			if (bv) {
				if ((*err = conflict(m, p.ptr)) < 0)
					break;
				continue;
			}
			r = json_incref(v); /* ours added it */
		} else {
			r = merge_value(m, bv, v, tv, p.ptr, depth + 1, err);
			if (*err)
				break;
			if (!r)
				continue;
		}
		if (json_object_set_new(out, key, r)) {
			*err = BRAID_ENOMEM;
			break;
		}
	}
	json_object_foreach((json_t *)t, key, v) {
		json_t *bv = b ? json_object_get(b, key) : NULL;
		const char *k2, *prev = NULL;
		json_t *v2, *rebuilt;

		if (*err || json_object_get(o, key))
			continue;
		if ((*err = child_path(&p, path, key)) < 0)
			break;
		if (bv) {
			if (!eq(bv, v) && (*err = conflict(m, p.ptr)) < 0)
				break;
			continue; /* ours deleted it */
		}
		m->changed++;
		/* theirs added it: after the key before it in theirs, when present */
		json_object_foreach((json_t *)t, k2, v2) {
			if (!strcmp(k2, key))
				break;
			if (json_object_get(out, k2))
				prev = k2;
		}
		if (!prev) { /* nothing before it survives: append */
			if (json_object_set(out, key, v)) {
				*err = BRAID_ENOMEM;
				break;
			}
			continue;
		}
		/* rebuild to insert after `prev` and after ours' additions that follow it */
		if (!(rebuilt = json_object())) {
			*err = BRAID_ENOMEM;
			break;
		}
		{
			int after = 0, placed = 0;

			json_object_foreach(out, k2, v2) {
				int ours_added =
				    (!b || !json_object_get(b, k2)) && !json_object_get(t, k2);

				if (after && !placed && !ours_added) {
					if (json_object_set(rebuilt, key, v)) {
						*err = BRAID_ENOMEM;
						break;
					}
					placed = 1;
				}
				if (json_object_set(rebuilt, k2, v2)) {
					*err = BRAID_ENOMEM;
					break;
				}
				if (!strcmp(k2, prev))
					after = 1;
			}
			if (!*err && !placed && json_object_set(rebuilt, key, v))
				*err = BRAID_ENOMEM;
		}
		json_decref(out);
		out = rebuilt;
	}
	braid_buf_dispose(&p);
	if (*err) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The merged value, or NULL (a conflict recorded, or an error in *err). */
static json_t *merge_value(struct jm *m, const json_t *b, const json_t *o, const json_t *t,
                           const char *path, int depth, int *err)
{
	if (depth > MAX_DEPTH) {
		*err = braid_error_set(BRAID_EINVALID, "JSON nested over %d levels", MAX_DEPTH);
		return NULL;
	}
	if (eq(o, t))
		return json_incref((json_t *)o);
	if (b && eq(b, o))
		return json_incref((json_t *)t);
	if (b && eq(b, t))
		return json_incref((json_t *)o);
	if (json_is_object(o) && json_is_object(t) && (!b || json_is_object(b)))
		return merge_object(m, b, o, t, path, depth, err);
	if (json_is_array(o) && json_is_array(t) && (!b || json_is_array(b)) && all_scalars(b) &&
	    all_scalars(o) && all_scalars(t))
		return merge_set(m, b, o, t, err);
	*err = conflict(m, path);
	return NULL;
}

/* Ours' indentation: the leading spaces of its first indented line (0: compact). */
static size_t indent_of(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		if (!nl)
			return 0;
		i = (size_t)(nl - s) + 1;
		for (k = i; k < n && s[k] == ' '; k++)
			;
		if (k < n && s[k] == '\t')
			return 1;
		if (k > i && k < n && s[k] != '\n')
			return k - i > 31 ? 31 : k - i;
	}
	return 0;
}

struct dump {
	braid_buf *b;
	int err;
};

static int dump_cb(const char *buf, size_t size, void *data)
{
	struct dump *d = data;

	if (d->err == 0)
		d->err = braid_buf_put(d->b, buf, size);
	return d->err ? -1 : 0;
}

int braid_merge__json(braid_buf *out, int *clean, char **paths, const char *base, size_t blen,
                      const char *ours, size_t olen, const char *theirs, size_t tlen)
{
	json_t *jb = NULL, *jo = NULL, *jt = NULL, *r = NULL;
	json_error_t je;
	struct jm m;
	int err = 0, flags = JSON_DECODE_ANY | JSON_ALLOW_NUL;

	*clean = 0;
	*paths = NULL;
	memset(&m, 0, sizeof(m));
	m.paths = (braid_buf)BRAID_BUF_INIT;
	if ((base && !(jb = json_loadb(base, blen, flags, &je))) ||
	    !(jo = json_loadb(ours, olen, flags, &je)) ||
	    !(jt = json_loadb(theirs, tlen, flags, &je))) {
		err = 1; /* not JSON: the text tiers decide */
		goto done;
	}
	r = merge_value(&m, jb, jo, jt, "", 0, &err);
	if (err < 0)
		goto done;
	if (m.conflicts || !r) {
		*paths = braid_buf_detach(&m.paths);
		if (!*paths)
			err = BRAID_ENOMEM;
		goto done;
	}
	*clean = 1;
	if (json_equal(r, jo)) {
		err = braid_buf_put(out, ours, olen);
	} else if (json_equal(r, jt)) {
		err = braid_buf_put(out, theirs, tlen);
	} else {
		size_t ind = indent_of(ours, olen);
		struct dump d = {out, 0};
		size_t fl = JSON_PRESERVE_ORDER | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17);

		fl |= ind ? JSON_INDENT(ind) : JSON_COMPACT;
		if (json_dump_callback(r, dump_cb, &d, fl) < 0 || d.err) {
			err = d.err ? d.err : braid_error_set(BRAID_ERROR, "could not print JSON");
			goto done;
		}
		/* keep ours' final newline */
		if (olen && ours[olen - 1] == '\n')
			err = braid_buf_putc(out, '\n');
	}
done:
	json_decref(jb);
	json_decref(jo);
	json_decref(jt);
	json_decref(r);
	braid_buf_dispose(&m.paths);
	return err;
}
