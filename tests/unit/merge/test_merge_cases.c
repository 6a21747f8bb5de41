/*
 * test_merge_cases.c: the table-driven MergePolicy cases under
 * tests/resources/merge/<lang>/<case>/. Each case has Base, Left (ours,
 * what is on main) and Right (theirs, the submitted side) files with the
 * language's extension, and either Expected (the merge must be clean and
 * equal it byte for byte) or CONFLICT (the merge must not be clean; the
 * file holds the expected kind of the first conflict, e.g. "add/add").
 * An optional DRIVER file names a merge driver ("union", "braid-json"), an
 * optional TIER file a highest tier, an optional NOTE file a substring the
 * rewrite note must contain. Every clean case is also merged with its
 * sides swapped: that must be clean too.
 */
#include "common.h"
#include "harness.h"
#include "braid/merge.h"

#include <dirent.h>
#include <sys/stat.h>

static char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "rb")))
		return NULL;
	CHECK(fseek(f, 0, SEEK_END) == 0);
	n = ftell(f);
	CHECK(fseek(f, 0, SEEK_SET) == 0);
	buf = malloc((size_t)n + 1);
	CHECK(buf != NULL);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	CHECK(fclose(f) == 0);
	return buf;
}

/* The file in `dir` whose name starts with `stem` + "." (Base.c -> "Base"). */
static char *find(const char *dir, const char *stem, char *ext, size_t extsz)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *name = NULL;
	size_t n = strlen(stem);

	CHECK(d != NULL);
	while ((e = readdir(d))) {
		if (!strncmp(e->d_name, stem, n) && e->d_name[n] == '.') {
			name = strdup(e->d_name);
			snprintf(ext, extsz, "%s", e->d_name + n + 1);
			break;
		}
	}
	closedir(d);
	return name;
}

static void trim(char *s)
{
	size_t n = s ? strlen(s) : 0;
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static int run_case(const char *dir, const char *lang, const char *name)
{
	char ext[32], path[64], *fb, *fl, *fr, *fe;
	char *base, *left, *right, *expected, *conflict, *driver, *tier, *note;
	size_t lb = 0, ll = 0, lr = 0, le = 0, lc = 0, ld = 0, lt = 0, ln = 0;
	braid_merge_input in;
	braid_merge_options opts = BRAID_MERGE_OPTIONS_INIT;
	braid_merge_result *r = NULL;
	int ok = 1;

	fb = find(dir, "Base", ext, sizeof(ext));
	fl = find(dir, "Left", ext, sizeof(ext));
	fr = find(dir, "Right", ext, sizeof(ext));
	fe = find(dir, "Expected", ext, sizeof(ext));
	if (!fl || !fr) {
		printf("  %s/%s: no Left or Right file\n", lang, name);
		free(fb);
		free(fl);
		free(fr);
		free(fe);
		return 0;
	}
	base = fb ? slurp(dir, fb, &lb) : NULL;
	left = slurp(dir, fl, &ll);
	right = slurp(dir, fr, &lr);
	expected = fe ? slurp(dir, fe, &le) : NULL;
	conflict = slurp(dir, "CONFLICT", &lc);
	driver = slurp(dir, "DRIVER", &ld);
	tier = slurp(dir, "TIER", &lt);
	note = slurp(dir, "NOTE", &ln);
	trim(conflict);
	trim(driver);
	trim(note);
	if (tier)
		opts.max_tier = atoi(tier);
	snprintf(path, sizeof(path), "src/x.%s", ext);

	memset(&in, 0, sizeof(in));
	in.base = base;
	in.base_len = lb;
	in.ours = left;
	in.ours_len = ll;
	in.theirs = right;
	in.theirs_len = lr;
	in.path = path;
	in.driver = driver;
	if (braid_merge_file(&r, &in, &opts) < 0) {
		printf("  %s/%s: merge failed: %s\n", lang, name, braid_error_last());
		ok = 0;
		goto done;
	}
	if (expected) {
		if (!r->clean) {
			printf("  %s/%s: expected a clean merge, got %s\n%s\n", lang, name,
			       braid_merge_kind_name(r->conflict_kind), r->merged ? r->merged : "");
			ok = 0;
		} else if (r->merged_len != le || memcmp(r->merged, expected, le)) {
			printf("  %s/%s: merged text differs\n---- got ----\n%s---- expected "
			       "----\n%s",
			       lang, name, r->merged ? r->merged : "(null)", expected);
			ok = 0;
		}
		if (ok && note && (!r->rewrite_note || !strstr(r->rewrite_note, note))) {
			printf("  %s/%s: rewrite note '%s' lacks '%s'\n", lang, name,
			       r->rewrite_note ? r->rewrite_note : "(null)", note);
			ok = 0;
		}
		if (ok) {
			/* swapped sides must merge cleanly too */
			braid_merge_result *s = NULL;
			in.ours = right;
			in.ours_len = lr;
			in.theirs = left;
			in.theirs_len = ll;
			if (braid_merge_file(&s, &in, &opts) < 0 || !s->clean) {
				printf("  %s/%s: not clean with sides swapped\n%s", lang, name,
				       s && s->merged ? s->merged : "");
				ok = 0;
			}
			braid_merge_result_free(s);
		}
	} else if (conflict) {
		if (r->clean) {
			printf("  %s/%s: expected a %s conflict, merged cleanly:\n%s", lang, name,
			       conflict, r->merged ? r->merged : "");
			ok = 0;
		} else if (*conflict && strcmp(braid_merge_kind_name(r->conflict_kind), conflict)) {
			printf("  %s/%s: expected a %s conflict, got %s\n%s", lang, name, conflict,
			       braid_merge_kind_name(r->conflict_kind), r->merged ? r->merged : "");
			ok = 0;
		}
	} else {
		printf("  %s/%s: neither Expected nor CONFLICT\n", lang, name);
		ok = 0;
	}
done:
	braid_merge_result_free(r);
	free(fb), free(fl), free(fr), free(fe);
	free(base), free(left), free(right), free(expected), free(conflict), free(driver);
	free(tier), free(note);
	return ok;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

TEST(merge_cases_all)
{
	const char *root = TEST_RESOURCES "/merge";
	struct dirent **langs = NULL, **cases = NULL;
	int nl, nc, i, k, total = 0, failed = 0;
	const char *only = getenv("BRAID_MERGE_CASE");

	nl = scandir(root, &langs, NULL, by_name);
	CHECK(nl > 0);
	for (i = 0; i < nl; i++) {
		char ldir[1024];
		if (langs[i]->d_name[0] == '.')
			goto next_lang;
		snprintf(ldir, sizeof(ldir), "%s/%s", root, langs[i]->d_name);
		nc = scandir(ldir, &cases, NULL, by_name);
		for (k = 0; k < nc; k++) {
			char cdir[2048];
			struct stat st;

			snprintf(cdir, sizeof(cdir), "%s/%s", ldir, cases[k]->d_name);
			if (cases[k]->d_name[0] != '.' && !stat(cdir, &st) && S_ISDIR(st.st_mode) &&
			    (!only || strstr(cdir, only))) {
				total++;
				if (!run_case(cdir, langs[i]->d_name, cases[k]->d_name))
					failed++;
			}
			free(cases[k]);
		}
		free(cases);
	next_lang:
		free(langs[i]);
	}
	free(langs);
	printf("  %d merge cases, %d failed\n", total, failed);
	CHECK(total > 0);
	CHECK_INT(failed, 0);
}
