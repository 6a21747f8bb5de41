/*
 * merge_history.c: how braid's MergePolicy does on merges humans really made,
 * beside git. Two modes:
 *
 *   bench_merge_history history REPO [--max-merges N] [--no-process] [--dump DIR]
 *     Every 2-parent merge commit reachable from REPO's branches (newest first,
 *     at most N): for each file both parents changed differently since their
 *     merge base (modified on both sides, text, under 1 MiB), the base, left
 *     (first parent), right (second parent) and the human's committed result.
 *     Each scenario is merged by `git merge-file` (a process per file, as a
 *     merge driver or a script would), libgit2's git_merge_file (in-process)
 *     and braid_merge_file (in-process, all tiers), and compared with the
 *     human's result byte for byte and ignoring whitespace.
 *
 *   bench_merge_history examples DIR
 *     mergiraf's examples suite: every folder under DIR holding Base.*,
 *     Left.*, Right.* and Expected.* files; counts clean merges equal to
 *     Expected (an Expected with conflict markers is a case where the
 *     expected answer is a conflict).
 *
 * The repository and the examples are only read; nothing of them is kept.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "braid/merge.h"
#include "braid/syntax.h"

#define MAX_FILE (1u << 20)

enum { T_GITP, T_LG2, T_BRAID, NTOOLS };
static const char *tool_names[NTOOLS] = {"git merge-file", "libgit2", "braid"};

struct times {
	double *v;
	size_t n, alloc;
};

struct tstat {
	size_t clean, eq, eq_ws, differ, differ_ws;
	struct times t;
};

struct stats {
	size_t scenarios, merges, merges_used;
	struct tstat tool[NTOOLS];
	/* braid beside git (the process, or libgit2 with --no-process) */
	size_t git_clean, git_clean_braid_same, git_clean_braid_conflict, git_clean_braid_other;
	size_t git_conflict, git_conflict_braid_clean, git_conflict_braid_eq,
	    git_conflict_braid_eq_ws, git_conflict_braid_differ;
	size_t by_tier[4];
	/* examples */
	size_t expect_conflict, agree_conflict[NTOOLS];
};

static int no_process;
static braid_merge_options braid_opts = BRAID_MERGE_OPTIONS_INIT;
static const char *dump_dir;
static size_t dumped;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void times_add(struct times *t, double ms)
{
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 256;
		t->v = realloc(t->v, t->alloc * sizeof(*t->v));
		if (!t->v)
			abort();
	}
	t->v[t->n++] = ms;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(struct times *t, double p)
{
	if (!t->n)
		return 0;
	qsort(t->v, t->n, sizeof(*t->v), cmpd);
	return t->v[(size_t)(p * (double)(t->n - 1))];
}

static double mean(const struct times *t)
{
	double s = 0;
	size_t i;

	for (i = 0; i < t->n; i++)
		s += t->v[i];
	return t->n ? s / (double)t->n : 0;
}

static int eq_bytes(const char *a, size_t al, const char *b, size_t bl)
{
	return al == bl && (!al || !memcmp(a, b, al));
}

static int eq_ws(const char *a, size_t al, const char *b, size_t bl)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < al && isspace((unsigned char)a[i]))
			i++;
		while (j < bl && isspace((unsigned char)b[j]))
			j++;
		if (i == al || j == bl)
			return i == al && j == bl;
		if (a[i++] != b[j++])
			return 0;
	}
}

static int has_markers(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 7 <= n; i++)
		if ((i == 0 || s[i - 1] == '\n') && !memcmp(s + i, "<<<<<<<", 7))
			return 1;
	return 0;
}

static int write_file(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	if (len && fwrite(buf, 1, len, f) != len) {
		(void)fclose(f); /* the write already failed */
		return -1;
	}
	return fclose(f);
}

static char tmpdir[256];

/* `git merge-file -p ours base theirs` as a process; *clean from its exit code. */
static char *git_process(const char *b, size_t bl, const char *o, size_t ol, const char *t,
                         size_t tl, size_t *outlen, int *clean, double *ms)
{
	char pb[300], po[300], pt[300];
	int fds[2], status;
	size_t cap = 65536, n = 0;
	char *out = malloc(cap);
	pid_t pid;
	double t0;

	snprintf(pb, sizeof(pb), "%s/base", tmpdir);
	snprintf(po, sizeof(po), "%s/ours", tmpdir);
	snprintf(pt, sizeof(pt), "%s/theirs", tmpdir);
	if (!out || write_file(pb, b, bl) || write_file(po, o, ol) || write_file(pt, t, tl) ||
	    pipe(fds)) {
		perror("git merge-file setup");
		exit(1);
	}
	t0 = now_ms();
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execlp("git", "git", "merge-file", "-p", "--quiet", po, pb, pt, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t r;
		if (n == cap) {
			cap *= 2;
			out = realloc(out, cap);
			if (!out)
				abort();
		}
		r = read(fds[0], out + n, cap - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	*ms = now_ms() - t0;
	*clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	*outlen = n;
	return out;
}

static void dump(const char *why, const char *path, const char *b, size_t bl, const char *o,
                 size_t ol, const char *t, size_t tl, const char *h, size_t hl, const char *m,
                 size_t ml)
{
	char d[1024], f[1200];
	const char *ext = strrchr(path, '.');
	const char *sl = strrchr(path, '/');

	if (!dump_dir || dumped >= 500)
		return;
	if (!ext || (sl && ext < sl))
		ext = ".txt";
	snprintf(d, sizeof(d), "%s/%s-%04zu", dump_dir, why, dumped++);
	mkdir(dump_dir, 0755);
	mkdir(d, 0755);
	snprintf(f, sizeof(f), "%s/PATH", d);
	write_file(f, path, strlen(path));
	snprintf(f, sizeof(f), "%s/Base%s", d, ext);
	write_file(f, b, bl);
	snprintf(f, sizeof(f), "%s/Left%s", d, ext);
	write_file(f, o, ol);
	snprintf(f, sizeof(f), "%s/Right%s", d, ext);
	write_file(f, t, tl);
	snprintf(f, sizeof(f), "%s/Human%s", d, ext);
	write_file(f, h, hl);
	snprintf(f, sizeof(f), "%s/Braid%s", d, ext);
	write_file(f, m, ml);
}

/* One scenario through the three tools. `human` may be a conflict (examples). */
static void scenario(struct stats *S, const char *path, const char *b, size_t bl, const char *o,
                     size_t ol, const char *t, size_t tl, const char *h, size_t hl)
{
	char *res[NTOOLS] = {NULL, NULL, NULL};
	size_t len[NTOOLS] = {0, 0, 0};
	int clean[NTOOLS] = {0, 0, 0}, k, expect_conflict = has_markers(h, hl);
	double ms;
	git_merge_file_result lr;
	git_merge_file_input ib = GIT_MERGE_FILE_INPUT_INIT, io = GIT_MERGE_FILE_INPUT_INIT,
	                     it = GIT_MERGE_FILE_INPUT_INIT;
	git_merge_file_options lo = GIT_MERGE_FILE_OPTIONS_INIT;
	braid_merge_input in;
	braid_merge_result *br = NULL;
	int git;

	S->scenarios++;
	if (expect_conflict)
		S->expect_conflict++;
	if (!no_process) {
		res[T_GITP] = git_process(b, bl, o, ol, t, tl, &len[T_GITP], &clean[T_GITP], &ms);
		times_add(&S->tool[T_GITP].t, ms);
	}
	/* libgit2, in-process */
	ib.ptr = b, ib.size = bl, ib.path = path;
	io.ptr = o, io.size = ol, io.path = path;
	it.ptr = t, it.size = tl, it.path = path;
	lo.ancestor_label = "base", lo.our_label = "ours", lo.their_label = "theirs";
	memset(&lr, 0, sizeof(lr));
	ms = now_ms();
	if (git_merge_file(&lr, &ib, &io, &it, &lo) == 0) {
		times_add(&S->tool[T_LG2].t, now_ms() - ms);
		clean[T_LG2] = (int)lr.automergeable;
		res[T_LG2] = malloc(lr.len + 1);
		memcpy(res[T_LG2], lr.ptr, lr.len);
		len[T_LG2] = lr.len;
		git_merge_file_result_free(&lr);
	}
	/* braid, in-process */
	memset(&in, 0, sizeof(in));
	in.base = b, in.base_len = bl;
	in.ours = o, in.ours_len = ol;
	in.theirs = t, in.theirs_len = tl;
	in.path = path;
	in.ours_label = "ours", in.base_label = "base", in.theirs_label = "theirs";
	ms = now_ms();
	if (braid_merge_file(&br, &in, &braid_opts) == 0) {
		times_add(&S->tool[T_BRAID].t, now_ms() - ms);
		clean[T_BRAID] = br->clean;
		len[T_BRAID] = br->merged_len;
		res[T_BRAID] = malloc(br->merged_len + 1);
		if (br->merged_len)
			memcpy(res[T_BRAID], br->merged, br->merged_len);
		S->by_tier[br->tier < 4 ? br->tier : 3]++;
		braid_merge_result_free(br);
	} else {
		fprintf(stderr, "braid failed on %s: %s\n", path, braid_error_last());
	}
	for (k = 0; k < NTOOLS; k++) {
		struct tstat *ts = &S->tool[k];
		if (!res[k])
			continue;
		if (expect_conflict && !clean[k])
			S->agree_conflict[k]++;
		if (!clean[k])
			continue;
		ts->clean++;
		if (eq_bytes(res[k], len[k], h, hl))
			ts->eq++;
		else
			ts->differ++;
		if (eq_ws(res[k], len[k], h, hl))
			ts->eq_ws++;
		else
			ts->differ_ws++;
	}
	/* braid beside git */
	git = no_process ? T_LG2 : T_GITP;
	if (res[git] && res[T_BRAID]) {
		if (clean[git]) {
			S->git_clean++;
			if (!clean[T_BRAID]) {
				S->git_clean_braid_conflict++;
				dump("gitclean-braidconflict", path, b, bl, o, ol, t, tl, h, hl,
				     res[T_BRAID], len[T_BRAID]);
			} else if (eq_bytes(res[git], len[git], res[T_BRAID], len[T_BRAID])) {
				S->git_clean_braid_same++;
			} else {
				S->git_clean_braid_other++;
				dump("gitclean-braidother", path, b, bl, o, ol, t, tl, h, hl,
				     res[T_BRAID], len[T_BRAID]);
			}
		} else {
			S->git_conflict++;
			if (!clean[T_BRAID])
				dump("unresolved", path, b, bl, o, ol, t, tl, h, hl, res[T_BRAID],
				     len[T_BRAID]);
			if (clean[T_BRAID]) {
				S->git_conflict_braid_clean++;
				if (eq_bytes(res[T_BRAID], len[T_BRAID], h, hl))
					S->git_conflict_braid_eq++;
				if (eq_ws(res[T_BRAID], len[T_BRAID], h, hl)) {
					S->git_conflict_braid_eq_ws++;
					dump("resolved-ashuman", path, b, bl, o, ol, t, tl, h, hl,
					     res[T_BRAID], len[T_BRAID]);
				} else {
					S->git_conflict_braid_differ++;
					dump("resolved-differ", path, b, bl, o, ol, t, tl, h, hl,
					     res[T_BRAID], len[T_BRAID]);
				}
			}
		}
	}
	for (k = 0; k < NTOOLS; k++)
		free(res[k]);
}

/* ------------------------------------------------------------- history */

struct change {
	char *path;
	git_oid old, new_;
};

struct changes {
	struct change *v;
	size_t n, alloc;
};

static int collect(const git_diff_delta *d, float progress, void *payload)
{
	struct changes *c = payload;

	(void)progress;
	if (d->status != GIT_DELTA_MODIFIED)
		return 0;
	if (c->n == c->alloc) {
		c->alloc = c->alloc ? c->alloc * 2 : 32;
		c->v = realloc(c->v, c->alloc * sizeof(*c->v));
		if (!c->v)
			abort();
	}
	c->v[c->n].path = strdup(d->new_file.path);
	c->v[c->n].old = d->old_file.id;
	c->v[c->n].new_ = d->new_file.id;
	c->n++;
	return 0;
}

static void changes_free(struct changes *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static int diff_trees(struct changes *out, git_repository *repo, git_tree *a, git_tree *b)
{
	git_diff *d = NULL;
	git_diff_options o = GIT_DIFF_OPTIONS_INIT;
	int err;

	if ((err = git_diff_tree_to_tree(&d, repo, a, b, &o)) < 0)
		return err;
	err = git_diff_foreach(d, collect, NULL, NULL, NULL, out);
	git_diff_free(d);
	return err;
}

static int blob_text(git_blob **out, git_repository *repo, const git_oid *id)
{
	if (git_blob_lookup(out, repo, id) < 0)
		return -1;
	if (git_blob_rawsize(*out) > MAX_FILE || git_blob_is_binary(*out)) {
		git_blob_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static void one_merge(struct stats *S, git_repository *repo, git_commit *m)
{
	git_commit *p1 = NULL, *p2 = NULL;
	git_commit *bc = NULL;
	git_tree *tb = NULL, *t1 = NULL, *t2 = NULL, *tm = NULL;
	struct changes c1 = {0}, c2 = {0};
	git_oid base;
	size_t i, j, used = 0;

	if (git_commit_parent(&p1, m, 0) < 0 || git_commit_parent(&p2, m, 1) < 0)
		goto done;
	if (git_merge_base(&base, repo, git_commit_id(p1), git_commit_id(p2)) < 0)
		goto done;
	if (git_commit_lookup(&bc, repo, &base) < 0 || git_commit_tree(&tb, bc) < 0 ||
	    git_commit_tree(&t1, p1) < 0 || git_commit_tree(&t2, p2) < 0 ||
	    git_commit_tree(&tm, m) < 0)
		goto done;
	if (diff_trees(&c1, repo, tb, t1) < 0 || diff_trees(&c2, repo, tb, t2) < 0)
		goto done;
	for (i = 0; i < c1.n; i++) {
		for (j = 0; j < c2.n; j++) {
			git_blob *bb = NULL, *bo = NULL, *bt = NULL, *bh = NULL;
			git_tree_entry *he = NULL;

			if (strcmp(c1.v[i].path, c2.v[j].path))
				continue;
			if (git_oid_equal(&c1.v[i].new_, &c2.v[j].new_))
				break;
			if (git_tree_entry_bypath(&he, tm, c1.v[i].path) < 0)
				break;
			if (blob_text(&bb, repo, &c1.v[i].old) == 0 &&
			    blob_text(&bo, repo, &c1.v[i].new_) == 0 &&
			    blob_text(&bt, repo, &c2.v[j].new_) == 0 &&
			    blob_text(&bh, repo, git_tree_entry_id(he)) == 0) {
				scenario(S, c1.v[i].path, git_blob_rawcontent(bb),
				         (size_t)git_blob_rawsize(bb), git_blob_rawcontent(bo),
				         (size_t)git_blob_rawsize(bo), git_blob_rawcontent(bt),
				         (size_t)git_blob_rawsize(bt), git_blob_rawcontent(bh),
				         (size_t)git_blob_rawsize(bh));
				used++;
			}
			git_blob_free(bb);
			git_blob_free(bo);
			git_blob_free(bt);
			git_blob_free(bh);
			git_tree_entry_free(he);
			break;
		}
	}
	if (used)
		S->merges_used++;
done:
	changes_free(&c1);
	changes_free(&c2);
	git_tree_free(tb);
	git_tree_free(t1);
	git_tree_free(t2);
	git_tree_free(tm);
	git_commit_free(bc);
	git_commit_free(p1);
	git_commit_free(p2);
}

static int history(struct stats *S, const char *path, size_t max_merges)
{
	git_repository *repo = NULL;
	git_revwalk *w = NULL;
	git_oid id;

	if (git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_BARE, NULL) < 0 &&
	    git_repository_open(&repo, path) < 0) {
		fprintf(stderr, "cannot open %s: %s\n", path, git_error_last()->message);
		return 1;
	}
	git_revwalk_new(&w, repo);
	git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	if (git_revwalk_push_head(w) < 0)
		git_error_clear();
	if (git_revwalk_push_glob(w, "heads/*") < 0)
		git_error_clear();
	while (git_revwalk_next(&id, w) == 0 && (!max_merges || S->merges < max_merges)) {
		git_commit *c = NULL;

		if (git_commit_lookup(&c, repo, &id) < 0)
			continue;
		if (git_commit_parentcount(c) == 2) {
			S->merges++;
			one_merge(S, repo, c);
			if (S->merges % 200 == 0)
				fprintf(stderr, "  %zu merges, %zu scenarios\n", S->merges,
				        S->scenarios);
		}
		git_commit_free(c);
	}
	git_revwalk_free(w);
	git_repository_free(repo);
	return 0;
}

/* ------------------------------------------------------------ examples */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(b = malloc((size_t)n + 1))) {
		(void)fclose(f);
		return NULL;
	}
	*len = fread(b, 1, (size_t)n, f);
	b[*len] = 0;
	(void)fclose(f); /* read-only */
	return b;
}

static int find_stem(const char *dir, const char *stem, char *out, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t sl = strlen(stem);
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, stem, sl) && (e->d_name[sl] == '.' || !e->d_name[sl])) {
			snprintf(out, n, "%s/%s", dir, e->d_name);
			found = 1;
			break;
		}
	closedir(d);
	return found;
}

static void examples(struct stats *S, const char *dir)
{
	char pb[2048], po[2048], pt[2048], pe[2048];
	DIR *d;
	struct dirent *e;

	if (find_stem(dir, "Base", pb, sizeof(pb)) && find_stem(dir, "Left", po, sizeof(po)) &&
	    find_stem(dir, "Right", pt, sizeof(pt)) && find_stem(dir, "Expected", pe, sizeof(pe))) {
		size_t bl, ol, tl, el;
		char *b = slurp(pb, &bl), *o = slurp(po, &ol), *t = slurp(pt, &tl),
		     *x = slurp(pe, &el);
		const char *name = strrchr(pb, '/') + 1;
		char path[256];

		/* "Base.c" -> "file.c"; "Base" (no extension) -> the folder's language */
		snprintf(path, sizeof(path), "file%s", strchr(name, '.') ? strchr(name, '.') : "");
		if (b && o && t && x)
			scenario(S, path, b, bl, o, ol, t, tl, x, el);
		free(b), free(o), free(t), free(x);
		return;
	}
	if (!(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		char sub[2048];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		if (!stat(sub, &st) && S_ISDIR(st.st_mode))
			examples(S, sub);
	}
	closedir(d);
}

/* ------------------------------------------------------------- report */

static void machine(void)
{
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512], model[256] = "?";
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10)) {
			char *c = strchr(line, ':');
			if (c) {
				snprintf(model, sizeof(model), "%s", c + 2);
				model[strcspn(model, "\n")] = 0;
			}
			break;
		}
	if (f)
		(void)fclose(f); /* read-only */
	uname(&u);
	printf("machine: %s, %ld cpus, %s %s\n", model, cpus, u.sysname, u.release);
}

static double ratio(size_t a, size_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

static void report(struct stats *S, int ex)
{
	int k;

	machine();
	if (!ex)
		printf("merge commits walked %zu, with scenarios %zu; file scenarios %zu\n",
		       S->merges, S->merges_used, S->scenarios);
	else
		printf("example cases %zu (expected answer is a conflict in %zu)\n", S->scenarios,
		       S->expect_conflict);
	printf("\n%-16s %8s %8s %10s %10s %10s %10s %9s %9s %9s\n", "tool", "clean", "clean%",
	       ex ? "=expected" : "=human", ex ? "=exp(ws)" : "=human(ws)", "differ", "differ(ws)",
	       "med_ms", "mean_ms", "p90_ms");
	for (k = 0; k < NTOOLS; k++) {
		struct tstat *t = &S->tool[k];
		if (k == T_GITP && no_process)
			continue;
		printf("%-16s %8zu %7.1f%% %10zu %10zu %10zu %10zu %9.3f %9.3f %9.3f\n",
		       tool_names[k], t->clean, ratio(t->clean, S->scenarios), t->eq, t->eq_ws,
		       t->differ, t->differ_ws, pct(&t->t, 0.5), mean(&t->t), pct(&t->t, 0.9));
	}
	if (ex) {
		printf("\nexpected conflicts reported as conflicts:");
		for (k = 0; k < NTOOLS; k++)
			if (!(k == T_GITP && no_process))
				printf("  %s %zu/%zu", tool_names[k], S->agree_conflict[k],
				       S->expect_conflict);
		printf("\n");
		return;
	}
	printf("\nbraid beside %s:\n", no_process ? "libgit2" : "git merge-file");
	printf("  git clean:     %6zu   braid same bytes %zu (%.2f%%), braid other clean %zu, "
	       "braid conflict %zu\n",
	       S->git_clean, S->git_clean_braid_same, ratio(S->git_clean_braid_same, S->git_clean),
	       S->git_clean_braid_other, S->git_clean_braid_conflict);
	printf("  git conflict:  %6zu   braid clean %zu (%.1f%%): as human %zu (%.1f%%), as human "
	       "ignoring ws %zu (%.1f%%), differ %zu\n",
	       S->git_conflict, S->git_conflict_braid_clean,
	       ratio(S->git_conflict_braid_clean, S->git_conflict), S->git_conflict_braid_eq,
	       ratio(S->git_conflict_braid_eq, S->git_conflict), S->git_conflict_braid_eq_ws,
	       ratio(S->git_conflict_braid_eq_ws, S->git_conflict), S->git_conflict_braid_differ);
	printf("  wrong-merge rate (clean, differs from human ignoring ws, of clean): git %.2f%%, "
	       "braid %.2f%%\n",
	       ratio(S->tool[no_process ? T_LG2 : T_GITP].differ_ws,
	             S->tool[no_process ? T_LG2 : T_GITP].clean),
	       ratio(S->tool[T_BRAID].differ_ws, S->tool[T_BRAID].clean));
	printf(
	    "  braid tiers used: identical/trivial %zu, lines %zu, structure %zu, semantic %zu\n",
	    S->by_tier[0], S->by_tier[1], S->by_tier[2], S->by_tier[3]);
	printf("  median ms per file: braid %.3f, libgit2 %.3f (ratio %.2f)\n",
	       pct(&S->tool[T_BRAID].t, 0.5), pct(&S->tool[T_LG2].t, 0.5),
	       pct(&S->tool[T_LG2].t, 0.5) > 0
	           ? pct(&S->tool[T_BRAID].t, 0.5) / pct(&S->tool[T_LG2].t, 0.5)
	           : 0);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_merge_history history REPO [--max-merges N] [--no-process] "
	                "[--tier N] [--dump DIR]\n"
	                "       bench_merge_history examples DIR [--no-process]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct stats S;
	size_t max_merges = 0;
	int i, ex;

	if (argc < 3)
		usage();
	ex = !strcmp(argv[1], "examples");
	if (!ex && strcmp(argv[1], "history"))
		usage();
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--max-merges") && i + 1 < argc)
			max_merges = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--no-process"))
			no_process = 1;
		else if (!strcmp(argv[i], "--tier") && i + 1 < argc)
			braid_opts.max_tier = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
			dump_dir = argv[++i];
		else
			usage();
	}
	git_libgit2_init();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/braid-mh.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	memset(&S, 0, sizeof(S));
	if (ex)
		examples(&S, argv[2]);
	else if (history(&S, argv[2], max_merges))
		return 1;
	report(&S, ex);
	{
		char p[300];
		snprintf(p, sizeof(p), "%s/base", tmpdir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/ours", tmpdir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/theirs", tmpdir);
		unlink(p);
		rmdir(tmpdir);
	}
	git_libgit2_shutdown();
	return 0;
}
