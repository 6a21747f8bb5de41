/* test_diff.c: braid_diff_lines, by example and as a property on random inputs. */
#include "common.h"
#include "harness.h"
#include "braid/merge.h"
#include "util/buf.h"

/* xorshift64*: deterministic, so a failure reproduces */
static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s * 0x9e3779b97f4a7c15u + 1;
}

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned)((rng_state * 0x2545f4914f6cdd1du) >> 33) % n;
}

struct lines {
	size_t n;
	size_t off[8192];
};

static void split(struct lines *l, const char *s, size_t len)
{
	size_t pos = 0;

	l->n = 0;
	while (pos < len) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		l->off[l->n++] = pos;
		pos = nl ? (size_t)(nl - s) + 1 : len;
	}
	l->off[l->n] = len;
}

/* Rebuild b from a and the hunks, checking the hunk invariants on the way. */
static void check_diff(const char *a, size_t alen, const char *b, size_t blen)
{
	braid_diff_hunk *h = NULL;
	size_t nh = 0, i, pa = 0, pb = 0;
	struct lines *la = malloc(sizeof(*la)), *lb = malloc(sizeof(*lb));
	braid_buf out = BRAID_BUF_INIT;

	CHECK(la && lb);
	split(la, a, alen);
	split(lb, b, blen);
	CHECK_OK(braid_diff_lines(&h, &nh, a, alen, b, blen));
	for (i = 0; i < nh; i++) {
		CHECK(h[i].old_start <= h[i].old_end && h[i].old_end <= la->n);
		CHECK(h[i].new_start <= h[i].new_end && h[i].new_end <= lb->n);
		CHECK(h[i].old_start < h[i].old_end || h[i].new_start < h[i].new_end);
		/* in order and separated by at least one common line */
		CHECK(i == 0 || h[i].old_start > pa);
		CHECK(h[i].old_start - pa == h[i].new_start - pb);
		/* the lines between hunks really are common */
		CHECK_MEM(a + la->off[pa], la->off[h[i].old_start] - la->off[pa], b + lb->off[pb],
		          lb->off[h[i].new_start] - lb->off[pb]);
		CHECK_OK(
		    braid_buf_put(&out, a + la->off[pa], la->off[h[i].old_start] - la->off[pa]));
		CHECK_OK(braid_buf_put(&out, b + lb->off[h[i].new_start],
		                       lb->off[h[i].new_end] - lb->off[h[i].new_start]));
		pa = h[i].old_end;
		pb = h[i].new_end;
	}
	CHECK_INT(la->n - pa, lb->n - pb);
	CHECK_OK(braid_buf_put(&out, a + la->off[pa], alen - la->off[pa]));
	CHECK_MEM(out.ptr, out.size, b, blen);
	braid_buf_dispose(&out);
	free(h);
	free(la);
	free(lb);
}

static void random_text(braid_buf *b, unsigned nlines, unsigned alphabet)
{
	unsigned i;

	braid_buf_clear(b);
	for (i = 0; i < nlines; i++) {
		unsigned v = rnd(alphabet);
		int crlf = rnd(8) == 0;
		CHECK_OK(braid_buf_printf(b, "%c%s", 'a' + (int)(v % 26), v >= 26 ? "!" : ""));
		if (i + 1 < nlines || rnd(4))
			CHECK_OK(braid_buf_puts(b, crlf ? "\r\n" : "\n"));
	}
}

/* b from a by random line edits, so the two share most lines */
static void mutate(braid_buf *out, const char *a, size_t alen, unsigned alphabet)
{
	struct lines *l = malloc(sizeof(*l));
	size_t i;

	CHECK(l);
	split(l, a, alen);
	braid_buf_clear(out);
	for (i = 0; i <= l->n; i++) {
		unsigned r = rnd(10);
		if (r == 0)
			CHECK_OK(braid_buf_printf(out, "%c\n", 'a' + (int)rnd(alphabet % 26 + 1)));
		if (i == l->n)
			break;
		if (r == 1)
			continue; /* delete */
		if (r == 2) {
			CHECK_OK(braid_buf_puts(out, "new\n"));
			continue;
		}
		CHECK_OK(braid_buf_put(out, a + l->off[i], l->off[i + 1] - l->off[i]));
	}
	free(l);
}

TEST(diff_simple_replace)
{
	braid_diff_hunk *h = NULL;
	size_t n = 0;

	CHECK_OK(braid_diff_lines(&h, &n, "a\nb\nc\n", 6, "a\nB\nc\n", 6));
	CHECK_INT(n, 1);
	CHECK_INT(h[0].old_start, 1);
	CHECK_INT(h[0].old_end, 2);
	CHECK_INT(h[0].new_start, 1);
	CHECK_INT(h[0].new_end, 2);
	free(h);
}

TEST(diff_identical_and_empty)
{
	braid_diff_hunk *h = (braid_diff_hunk *)1;
	size_t n = 7;

	CHECK_OK(braid_diff_lines(&h, &n, "a\nb", 3, "a\nb", 3));
	CHECK_INT(n, 0);
	CHECK(h == NULL);
	CHECK_OK(braid_diff_lines(&h, &n, NULL, 0, NULL, 0));
	CHECK_INT(n, 0);
	CHECK_OK(braid_diff_lines(&h, &n, NULL, 0, "x\ny", 3));
	CHECK_INT(n, 1);
	CHECK_INT(h[0].old_start, 0);
	CHECK_INT(h[0].old_end, 0);
	CHECK_INT(h[0].new_end, 2);
	free(h);
	CHECK_OK(braid_diff_lines(&h, &n, "x\ny", 3, "", 0));
	CHECK_INT(n, 1);
	CHECK_INT(h[0].old_end, 2);
	CHECK_INT(h[0].new_end, 0);
	free(h);
}

TEST(diff_final_newline_and_crlf_are_content)
{
	braid_diff_hunk *h = NULL;
	size_t n = 0;

	/* "b" and "b\n" differ, as "c\n" and "c\r\n" do */
	CHECK_OK(braid_diff_lines(&h, &n, "a\nb", 3, "a\nb\n", 4));
	CHECK_INT(n, 1);
	CHECK_INT(h[0].old_start, 1);
	CHECK_INT(h[0].new_end, 2);
	free(h);
	CHECK_OK(braid_diff_lines(&h, &n, "a\nc\n", 4, "a\nc\r\n", 5));
	CHECK_INT(n, 1);
	CHECK_INT(h[0].old_start, 1);
	free(h);
}

TEST(diff_rejects_null_with_length)
{
	braid_diff_hunk *h = NULL;
	size_t n = 0;

	CHECK_INT(braid_diff_lines(&h, &n, NULL, 3, "a", 1), BRAID_EINVALID);
	CHECK_INT(braid_diff_lines(NULL, &n, "a", 1, "a", 1), BRAID_EINVALID);
}

TEST(diff_anchors_on_unique_lines)
{
	/* Histogram pairs the unique "foo();" lines, not the braces: the
	 * inserted function is one clean hunk after the first block. */
	const char *a = "{\nfoo();\n}\n";
	const char *b = "{\nbar();\n}\n{\nfoo();\n}\n";
	braid_diff_hunk *h = NULL;
	size_t n = 0;

	CHECK_OK(braid_diff_lines(&h, &n, a, strlen(a), b, strlen(b)));
	CHECK_INT(n, 1);
	CHECK_INT(h[0].old_start, h[0].old_end);
	CHECK_INT(h[0].new_end - h[0].new_start, 3);
	free(h);
	check_diff(a, strlen(a), b, strlen(b));
}

TEST(diff_slides_insertions_down)
{
	/* inserting a repeated block: the hunk sits as low as it can */
	braid_diff_hunk *h = NULL;
	size_t n = 0;

	CHECK_OK(braid_diff_lines(&h, &n, "x\ny\nz\n", 6, "x\ny\nx\ny\nz\n", 10));
	CHECK_INT(n, 1);
	CHECK_INT(h[0].old_start, 2);
	CHECK_INT(h[0].old_end, 2);
	CHECK_INT(h[0].new_start, 2);
	CHECK_INT(h[0].new_end, 4);
	free(h);
	/* the anchor "p" leaves the deleted "h" high; it slides to the second one */
	CHECK_OK(braid_diff_lines(&h, &n, "x\np\nh\nh\nc\n", 10, "y\np\nh\nc\n", 8));
	CHECK_INT(n, 2);
	CHECK_INT(h[0].old_start, 0);
	CHECK_INT(h[0].old_end, 1);
	CHECK_INT(h[1].old_start, 3);
	CHECK_INT(h[1].old_end, 4);
	CHECK_INT(h[1].new_start, 3);
	CHECK_INT(h[1].new_end, 3);
	free(h);
	CHECK_OK(braid_diff_lines(&h, &n, "a\nb\nb\nb\nc\n", 10, "a\nb\nc\n", 6));
	CHECK_INT(n, 1);
	CHECK_INT(h[0].old_start, 2);
	CHECK_INT(h[0].old_end, 4);
	free(h);
}

TEST(diff_property_random)
{
	braid_buf a = BRAID_BUF_INIT, b = BRAID_BUF_INIT;
	unsigned iter;

	rng_seed(1);
	for (iter = 0; iter < 1500; iter++) {
		unsigned alphabet = 1 + rnd(iter % 3 == 0 ? 3 : 40);
		random_text(&a, rnd(40), alphabet);
		if (rnd(3) == 0)
			random_text(&b, rnd(40), alphabet);
		else
			mutate(&b, a.ptr, a.size, alphabet);
		check_diff(a.ptr, a.size, b.ptr, b.size);
		check_diff(b.ptr, b.size, a.ptr, a.size);
	}
	braid_buf_dispose(&a);
	braid_buf_dispose(&b);
}

TEST(diff_property_repetitive_uses_myers)
{
	/* Over 64 copies of every common line: the histogram step must fall
	 * back to Myers; long inputs also cross Myers' cost cap. */
	braid_buf a = BRAID_BUF_INIT, b = BRAID_BUF_INIT;
	unsigned iter;

	rng_seed(2);
	for (iter = 0; iter < 60; iter++) {
		unsigned len = iter < 50 ? 150 + rnd(250) : 1500 + rnd(1500);
		unsigned alphabet = 1 + rnd(3);
		random_text(&a, len, alphabet);
		if (iter % 2)
			random_text(&b, len, alphabet);
		else
			mutate(&b, a.ptr, a.size, alphabet);
		check_diff(a.ptr, a.size, b.ptr, b.size);
	}
	braid_buf_dispose(&a);
	braid_buf_dispose(&b);
}

TEST(diff_myers_finds_small_diffs_in_repetitive_text)
{
	/* 200 lines alternating "a"/"b" (so Myers, not histogram, diffs the
	 * middle): three changed lines must stay three one-line hunks */
	braid_buf a = BRAID_BUF_INIT, b = BRAID_BUF_INIT;
	braid_diff_hunk *h = NULL;
	size_t n = 0;
	int i;

	for (i = 0; i < 200; i++) {
		CHECK_OK(braid_buf_puts(&a, i % 2 ? "b\n" : "a\n"));
		CHECK_OK(braid_buf_puts(&b, i == 20 || i == 101 || i == 180 ? "c\n"
		                            : i % 2                         ? "b\n"
		                                                            : "a\n"));
	}
	CHECK_OK(braid_diff_lines(&h, &n, a.ptr, a.size, b.ptr, b.size));
	CHECK_INT(n, 3);
	CHECK_INT(h[0].old_start, 20);
	CHECK_INT(h[0].old_end, 21);
	CHECK_INT(h[1].old_start, 101);
	CHECK_INT(h[1].new_end, 102);
	CHECK_INT(h[2].old_start, 180);
	CHECK_INT(h[2].new_end, 181);
	free(h);
	braid_buf_dispose(&a);
	braid_buf_dispose(&b);
}
