/* test_merge.c: braid_merge_file, the line tier and the file-level decisions. */
#include "common.h"
#include "harness.h"
#include "braid/merge.h"
#include "merge/merge_int.h"
#include "util/buf.h"

/* Merge NUL-terminated sides (NULL = absent) with default labels. */
static braid_merge_result *merge_drv(const char *base, const char *ours, const char *theirs,
                                     const char *driver)
{
	braid_merge_input in;
	braid_merge_result *res = NULL;

	memset(&in, 0, sizeof(in));
	in.base = base;
	in.base_len = base ? strlen(base) : 0;
	in.ours = ours;
	in.ours_len = ours ? strlen(ours) : 0;
	in.theirs = theirs;
	in.theirs_len = theirs ? strlen(theirs) : 0;
	in.driver = driver;
	CHECK_OK(braid_merge_file(&res, &in, NULL));
	CHECK(res != NULL);
	return res;
}

static braid_merge_result *merge(const char *base, const char *ours, const char *theirs)
{
	return merge_drv(base, ours, theirs, NULL);
}

/* A clean text merge must give exactly `want`. */
static void check_clean(const char *base, const char *ours, const char *theirs, const char *want)
{
	braid_merge_result *r = merge(base, ours, theirs);

	CHECK_INT(r->clean, 1);
	CHECK_INT(r->deleted, 0);
	CHECK_INT(r->conflict_regions, 0);
	CHECK(r->merged != NULL);
	CHECK_MEM(r->merged, r->merged_len, want, strlen(want));
	braid_merge_result_free(r);
}

/* A content conflict must produce exactly `want` (markers included). */
static void check_conflict(const char *base, const char *ours, const char *theirs, const char *want)
{
	braid_merge_result *r = merge(base, ours, theirs);

	CHECK_INT(r->clean, 0);
	CHECK(r->conflict_regions >= 1);
	CHECK_INT(r->conflict_kind, BRAID_KIND_CONTENT);
	CHECK_INT(r->tier, 1);
	CHECK(r->merged != NULL);
	CHECK_MEM(r->merged, r->merged_len, want, strlen(want));
	braid_merge_result_free(r);
}

TEST(merge_disjoint_insert_delete_replace)
{
	braid_merge_result *r;
	size_t i;

	r = merge("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\ntwo\n3\n4\n5\n6\n7\n9\n",
	          "1\n2\n3\n5\nx\n6\n7\n8\n9\n");
	CHECK_INT(r->clean, 1);
	CHECK_STR(r->merged, "1\ntwo\n3\n5\nx\n6\n7\n9\n");
	CHECK_INT(r->tier, 1);
	CHECK_INT(r->nregions, 4);
	CHECK_INT(r->merged_regions, 4);
	for (i = 0; i < r->nregions; i++) {
		CHECK_INT(r->regions[i].verdict, BRAID_VERDICT_MERGE);
		CHECK_INT(r->regions[i].kind, BRAID_KIND_DISJOINT);
	}
	CHECK_STR(r->regions[0].description, "main changed line 2");
	CHECK_STR(r->regions[1].description, "submitted deleted line 4");
	CHECK_STR(r->regions[2].description, "submitted inserted 1 line after line 5");
	CHECK_STR(r->regions[3].description, "main deleted line 8");
	braid_merge_result_free(r);
}

TEST(merge_adjacent_edits_conflict_as_in_git)
{
	braid_merge_result *r;

	/*
	 * Edits that only touch (adjacent lines, an insertion at the boundary
	 * of the other side's edit) are decided together at the line tier, as
	 * git does: in a file of no known language they conflict. (In a
	 * source file the structure tier may still show that they lie in
	 * different declarations: see the c/adjacent_* table cases.)
	 */
	r = merge("a\nb\nc\nd\n", "a\nB\nc\nd\n", "a\nb\nC\nd\n");
	CHECK_INT(r->clean, 0);
	CHECK_STR(r->merged, "a\n<<<<<<< main\nB\nc\n||||||| base\nb\nc\n=======\nb\nC\n"
	                     ">>>>>>> submitted\nd\n");
	CHECK_INT(r->nregions, 1);
	CHECK_INT(r->regions[0].base_start, 1);
	CHECK_INT(r->regions[0].base_end, 3);
	braid_merge_result_free(r);
	/* an insertion at either boundary of the other side's edit */
	check_conflict("a\nb\nc\nd\n", "a\nB\nc\nd\n", "a\nb\nx\nc\nd\n",
	               "a\n<<<<<<< main\nB\n||||||| base\nb\n=======\nb\nx\n>>>>>>> submitted\n"
	               "c\nd\n");
	check_conflict("a\nb\nc\nd\n", "a\nB\nc\nd\n", "a\nx\nb\nc\nd\n",
	               "a\n<<<<<<< main\nB\n||||||| base\nb\n=======\nx\nb\n>>>>>>> submitted\n"
	               "c\nd\n");
	/* a deletion next to a replacement */
	r = merge("a\nb\nc\nd\n", "a\nc\nd\n", "a\nb\nC\nd\n");
	CHECK_INT(r->clean, 0);
	braid_merge_result_free(r);
	/* one untouched line between the edits is enough */
	check_clean("a\nb\nc\nd\n", "a\nB\nc\nd\n", "a\nb\nc\nD\n", "a\nB\nc\nD\n");
	check_clean("a\nb\nc\nd\n", "a\nb\nc\nD\n", "A\nb\nc\nd\n", "A\nb\nc\nD\n");
	check_clean("a\nb\nc\nd\n", "a\nx\nb\nc\nd\n", "a\nb\nC\nd\n", "a\nx\nb\nC\nd\n");
}

TEST(merge_contained_change_takes_larger_side)
{
	braid_merge_result *r;

	/* submitted's change (b -> B) is part of main's (b -> B, B2): main's lines */
	r = merge("a\nb\nc\n", "a\nB\nB2\nc\n", "a\nB\nc\n");
	CHECK_INT(r->clean, 1);
	CHECK_STR(r->merged, "a\nB\nB2\nc\n");
	CHECK_INT(r->nregions, 1);
	CHECK_INT(r->regions[0].kind, BRAID_KIND_SUBSUMED);
	CHECK_STR(r->regions[0].description,
	          "submitted's change to line 2 is part of main's; kept main's lines");
	braid_merge_result_free(r);
	/* and the other way round */
	check_clean("a\nb\nc\n", "a\nx\nc\n", "a\np\nx\nq\nc\n", "a\np\nx\nq\nc\n");
	/* a deletion is not contained in a change of the same line */
	r = merge("a\nb\nc\n", "a\nc\n", "a\nb2\nc\n");
	CHECK_INT(r->clean, 0);
	braid_merge_result_free(r);
	/* nor is a change whose only line has no letter or digit */
	r = merge("a\nb\nc\n", "a\n}\nc\n", "a\n}\nd\nc\n");
	CHECK_INT(r->clean, 0);
	braid_merge_result_free(r);
	/* lines in another order are not contained */
	r = merge("a\nb\nc\n", "a\nx\ny\nc\n", "a\ny\nx\nz\nc\n");
	CHECK_INT(r->clean, 0);
	braid_merge_result_free(r);
}

TEST(merge_identical_edits_merge_once)
{
	braid_merge_result *r;

	r = merge("a\nb\nc\nd\ne\n", "a\nX\nc\nd\nE\n", "a\nX\nc\nd\ne\n");
	CHECK_INT(r->clean, 1);
	CHECK_STR(r->merged, "a\nX\nc\nd\nE\n");
	CHECK_INT(r->nregions, 2);
	CHECK_INT(r->regions[0].kind, BRAID_KIND_IDENTICAL);
	CHECK_STR(r->regions[0].description, "both sides made the same change to line 2");
	CHECK_INT(r->regions[1].kind, BRAID_KIND_DISJOINT);
	braid_merge_result_free(r);

	/* the same insertion at the same point, and the same deletion */
	check_clean("a\nb\nc\n", "a\nnew\nb\nQ\n", "a\nnew\nb\nc\n", "a\nnew\nb\nQ\n");
	check_clean("a\nb\nc\nd\n", "a\nd\n", "a\nd\nz\n", "a\nd\nz\n");
}

TEST(merge_overlapping_edits_conflict_with_markers)
{
	braid_merge_result *r;

	check_conflict("a\nb\nc\n", "a\nB\nc\n", "a\nb2\nc\n",
	               "a\n<<<<<<< main\nB\n||||||| base\nb\n=======\nb2\n>>>>>>> submitted\nc\n");
	/* partial overlap: the region is the union of both edits */
	check_conflict("1\n2\n3\n4\n5\n", "1\nX\nY\n4\n5\n", "1\n2\nP\nQ\n5\n",
	               "1\n<<<<<<< main\nX\nY\n4\n||||||| base\n2\n3\n4\n=======\n2\nP\nQ\n"
	               ">>>>>>> submitted\n5\n");

	r = merge("a\nb\nc\n", "a\nB\nc\n", "a\nb2\nc\n");
	CHECK_INT(r->nregions, 1);
	CHECK_INT(r->conflict_regions, 1);
	CHECK_INT(r->merged_regions, 0);
	CHECK_INT(r->regions[0].verdict, BRAID_VERDICT_CONFLICT);
	CHECK_STR(r->regions[0].description, "both sides changed line 2 differently");
	braid_merge_result_free(r);
}

TEST(merge_chained_overlaps_form_one_region)
{
	/* ours changes 2-3 and 5-6; theirs changes 3-5: one region 2-6 */
	braid_merge_result *r =
	    merge("1\n2\n3\n4\n5\n6\n7\n", "1\nA\nB\n4\nC\nD\n7\n", "1\n2\nX\nY\nZ\n6\n7\n");

	CHECK_INT(r->clean, 0);
	CHECK_INT(r->nregions, 1);
	CHECK_INT(r->regions[0].base_start, 1);
	CHECK_INT(r->regions[0].base_end, 6);
	CHECK_STR(r->regions[0].description, "both sides changed lines 2-6 differently");
	CHECK_STR(r->merged, "1\n<<<<<<< main\nA\nB\n4\nC\nD\n||||||| base\n2\n3\n4\n5\n6\n"
	                     "=======\n2\nX\nY\nZ\n6\n>>>>>>> submitted\n7\n");
	braid_merge_result_free(r);
}

TEST(merge_both_insert_at_same_point_conflicts)
{
	braid_merge_result *r;

	check_conflict("a\nb\n", "a\nx\nb\n", "a\ny\nb\n",
	               "a\n<<<<<<< main\nx\n||||||| base\n=======\ny\n>>>>>>> submitted\nb\n");
	r = merge("a\nb\n", "a\nx\nb\n", "a\ny\nb\n");
	CHECK_STR(r->regions[0].description, "both sides inserted different lines after line 1");
	braid_merge_result_free(r);
	/* an insertion strictly inside the other side's replaced range */
	check_conflict("a\nb\nc\nd\n", "a\nB\nC\nd\n", "a\nb\nx\nc\nd\n",
	               "a\n<<<<<<< main\nB\nC\n||||||| base\nb\nc\n=======\nb\nx\nc\n"
	               ">>>>>>> submitted\nd\n");
}

TEST(merge_edits_at_start_and_end)
{
	check_clean("a\nb\nc\n", "A\nb\nc\n", "a\nb\nc\nd\n", "A\nb\nc\nd\n");
	check_clean("a\nb\nc\n", "top\na\nb\nc\n", "a\nb\nC\n", "top\na\nb\nC\n");
	check_conflict(
	    "a\nb\n", "first\na\nb\n", "zero\na\nb\n",
	    "<<<<<<< main\nfirst\n||||||| base\n=======\nzero\n>>>>>>> submitted\na\nb\n");
	check_conflict(
	    "a\nb\n", "a\nb\nend1\n", "a\nb\nend2\n",
	    "a\nb\n<<<<<<< main\nend1\n||||||| base\n=======\nend2\n>>>>>>> submitted\n");
}

TEST(merge_missing_final_newline)
{
	braid_merge_result *r;

	/* base without final newline; theirs adds one and a line */
	check_clean("a\nx\nb", "A\nx\nb", "a\nx\nb\nc", "A\nx\nb\nc");
	check_clean("a\nx\nb\n", "a\nx\nb", "A\nx\nb\n", "A\nx\nb");
	/* a conflict block whose lines lack the newline gets one before the marker */
	check_conflict("a\nb", "a\nB", "a\nb2\n",
	               "a\n<<<<<<< main\nB\n||||||| base\nb\n=======\nb2\n>>>>>>> submitted\n");
	/* dropping the final newline while the other side appends would glue
	 * lines together ("bc"), so it conflicts instead */
	check_conflict("a\nb\n", "a\nb", "a\nb\nc\n",
	               "a\n<<<<<<< main\nb\n||||||| base\nb\n=======\nb\nc\n>>>>>>> submitted\n");
	check_conflict("a\nb\n", "a\nb\nc\n", "a\nb",
	               "a\n<<<<<<< main\nb\nc\n||||||| base\nb\n=======\nb\n>>>>>>> submitted\n");
	/* an insertion before an open last line that the other side extended */
	r = merge("w\nx", "w\nx\ny", "z\nw\nx");
	CHECK_INT(r->clean, 1);
	CHECK_STR(r->merged, "z\nw\nx\ny");
	braid_merge_result_free(r);
}

TEST(merge_crlf_is_preserved)
{
	check_clean("a\r\nb\r\nc\r\n", "A\r\nb\r\nc\r\n", "a\r\nb\r\nC\r\n", "A\r\nb\r\nC\r\n");
	/* mixed endings stay as they are */
	check_clean("a\r\nb\nc\r\n", "a\r\nB\nc\r\n", "a\r\nb\nc\r\nd\n", "a\r\nB\nc\r\nd\n");
	/* markers follow the file's line ending */
	check_conflict("a\r\nb\r\n", "a\r\nB\r\n", "a\r\nC\r\n",
	               "a\r\n<<<<<<< main\r\nB\r\n||||||| base\r\nb\r\n=======\r\nC\r\n"
	               ">>>>>>> submitted\r\n");
	/* a CRLF change is a change */
	check_conflict(
	    "a\nb\n", "a\r\nb\n", "A\nb\n",
	    "<<<<<<< main\r\na\r\n||||||| base\r\na\n=======\r\nA\n>>>>>>> submitted\r\nb\n");
}

TEST(merge_empty_base_and_sides)
{
	braid_merge_result *r;

	check_clean("", "x\n", "", "x\n");
	check_clean("a\n", "", "", "");
	check_conflict("", "x\n", "y\n",
	               "<<<<<<< main\nx\n||||||| base\n=======\ny\n>>>>>>> submitted\n");
	r = merge("a\nb\n", "", "a\nB\n");
	CHECK_INT(r->clean, 0);
	CHECK_STR(r->regions[0].description, "main deleted lines 1-2 that submitted changed");
	CHECK_STR(r->merged,
	          "<<<<<<< main\n||||||| base\na\nb\n=======\na\nB\n>>>>>>> submitted\n");
	braid_merge_result_free(r);
	/* an emptied file is not a deleted one */
	r = merge("a\n", "", "a\n");
	CHECK_INT(r->clean, 1);
	CHECK_INT(r->deleted, 0);
	CHECK(r->merged != NULL);
	CHECK_INT(r->merged_len, 0);
	CHECK_INT(r->tier, 0);
	braid_merge_result_free(r);
}

TEST(merge_trivial_cases_are_tier_zero)
{
	braid_merge_result *r;

	r = merge("a\nb\n", "a\nb\n", "a\nB\nc\n");
	CHECK_INT(r->clean, 1);
	CHECK_INT(r->tier, 0);
	CHECK_STR(r->merged, "a\nB\nc\n");
	CHECK_INT(r->nregions, 1);
	CHECK_INT(r->regions[0].kind, BRAID_KIND_ONE_SIDE);
	CHECK_STR(r->regions[0].description, "submitted changed line 2");
	braid_merge_result_free(r);

	r = merge("a\nb\n", "a\n", "a\nb\n");
	CHECK_INT(r->tier, 0);
	CHECK_STR(r->merged, "a\n");
	CHECK_INT(r->regions[0].kind, BRAID_KIND_ONE_SIDE);
	CHECK_STR(r->regions[0].description, "main deleted line 2");
	braid_merge_result_free(r);

	r = merge("a\n", "a\nb\nc\n", "a\nb\nc\n");
	CHECK_INT(r->tier, 0);
	CHECK_INT(r->clean, 1);
	CHECK_STR(r->merged, "a\nb\nc\n");
	CHECK_INT(r->nregions, 1);
	CHECK_INT(r->regions[0].kind, BRAID_KIND_IDENTICAL);
	CHECK_STR(r->regions[0].description, "both sides inserted the same 2 lines after line 1");
	braid_merge_result_free(r);

	r = merge("same\n", "same\n", "same\n");
	CHECK_INT(r->clean, 1);
	CHECK_INT(r->nregions, 0);
	CHECK_STR(r->merged, "same\n");
	braid_merge_result_free(r);
}

TEST(merge_add_add)
{
	braid_merge_result *r;

	r = merge(NULL, "x\n", "x\n");
	CHECK_INT(r->clean, 1);
	CHECK_STR(r->merged, "x\n");
	CHECK_INT(r->regions[0].kind, BRAID_KIND_IDENTICAL);
	braid_merge_result_free(r);

	r = merge(NULL, "x\nsame\n", "y\nsame\n");
	CHECK_INT(r->clean, 0);
	CHECK_INT(r->conflict_kind, BRAID_KIND_ADD_ADD);
	CHECK_INT(r->nregions, 1);
	CHECK_INT(r->regions[0].kind, BRAID_KIND_ADD_ADD);
	CHECK_STR(r->regions[0].description, "both sides added the file with different content");
	CHECK_STR(r->merged, "<<<<<<< main\nx\nsame\n||||||| base\n=======\ny\nsame\n"
	                     ">>>>>>> submitted\n");
	braid_merge_result_free(r);

	/* added on one side only */
	r = merge(NULL, NULL, "new\n");
	CHECK_INT(r->clean, 1);
	CHECK_INT(r->deleted, 0);
	CHECK_STR(r->merged, "new\n");
	CHECK_INT(r->regions[0].kind, BRAID_KIND_ONE_SIDE);
	CHECK_STR(r->regions[0].description, "submitted added the file");
	braid_merge_result_free(r);

	/* one side added it empty: an empty-base merge takes the other */
	r = merge(NULL, "", "content\n");
	CHECK_INT(r->clean, 1);
	CHECK_STR(r->merged, "content\n");
	braid_merge_result_free(r);

	/* binary add/add has no text to show */
	r = merge_drv(NULL, "x\n", "y\n", "binary");
	CHECK_INT(r->clean, 0);
	CHECK_INT(r->conflict_kind, BRAID_KIND_ADD_ADD);
	CHECK(r->merged == NULL);
	braid_merge_result_free(r);
}

TEST(merge_modify_delete)
{
	braid_merge_result *r;

	r = merge("a\nb\n", NULL, "a\nB\n");
	CHECK_INT(r->clean, 0);
	CHECK_INT(r->deleted, 0);
	CHECK_INT(r->conflict_kind, BRAID_KIND_MODIFY_DELETE);
	CHECK_STR(r->merged, "a\nB\n");
	CHECK_INT(r->nregions, 1);
	CHECK_STR(r->regions[0].description, "main deleted the file; submitted modified it");
	CHECK_INT(r->regions[0].base_end, 2);
	CHECK_INT(r->regions[0].ours_end, 0);
	CHECK_INT(r->regions[0].theirs_end, 2);
	CHECK_INT(r->regions[0].theirs_len, 4);
	braid_merge_result_free(r);

	r = merge("a\nb\n", "a\nB\n", NULL);
	CHECK_INT(r->clean, 0);
	CHECK_STR(r->regions[0].description, "submitted deleted the file; main modified it");
	braid_merge_result_free(r);

	/* deleted on one side, unchanged on the other */
	r = merge("a\n", "a\n", NULL);
	CHECK_INT(r->clean, 1);
	CHECK_INT(r->deleted, 1);
	CHECK(r->merged == NULL);
	CHECK_INT(r->regions[0].kind, BRAID_KIND_ONE_SIDE);
	CHECK_STR(r->regions[0].description, "submitted deleted the file");
	braid_merge_result_free(r);
}

TEST(merge_delete_delete)
{
	braid_merge_result *r = merge("a\n", NULL, NULL);

	CHECK_INT(r->clean, 1);
	CHECK_INT(r->deleted, 1);
	CHECK(r->merged == NULL);
	CHECK_INT(r->nregions, 1);
	CHECK_INT(r->regions[0].kind, BRAID_KIND_IDENTICAL);
	CHECK_STR(r->regions[0].description, "both sides deleted the file");
	braid_merge_result_free(r);
}

static braid_merge_result *merge_bytes(const char *base, size_t bl, const char *ours, size_t ol,
                                       const char *theirs, size_t tl,
                                       const braid_merge_options *opts)
{
	braid_merge_input in;
	braid_merge_result *res = NULL;

	memset(&in, 0, sizeof(in));
	in.base = base;
	in.base_len = bl;
	in.ours = ours;
	in.ours_len = ol;
	in.theirs = theirs;
	in.theirs_len = tl;
	CHECK_OK(braid_merge_file(&res, &in, opts));
	return res;
}

TEST(merge_binary)
{
	braid_merge_result *r;

	CHECK_INT(braid_merge_is_binary("a\0b", 3), 1);
	CHECK_INT(braid_merge_is_binary("ab\n", 3), 0);
	CHECK_INT(braid_merge_is_binary(NULL, 0), 0);

	/* identical binary change: clean */
	r = merge_bytes("x\0y", 3, "x\0z", 3, "x\0z", 3, NULL);
	CHECK_INT(r->clean, 1);
	CHECK_MEM(r->merged, r->merged_len, "x\0z", 3);
	CHECK_INT(r->regions[0].kind, BRAID_KIND_IDENTICAL);
	braid_merge_result_free(r);

	/* one side changed: take it */
	r = merge_bytes("x\0y", 3, "x\0y", 3, "x\0w!", 4, NULL);
	CHECK_INT(r->clean, 1);
	CHECK_INT(r->tier, 0);
	CHECK_MEM(r->merged, r->merged_len, "x\0w!", 4);
	CHECK_INT(r->nregions, 1);
	CHECK_INT(r->regions[0].kind, BRAID_KIND_ONE_SIDE);
	braid_merge_result_free(r);

	/* different changes: binary conflict, no text */
	r = merge_bytes("x\0y", 3, "x\0a", 3, "x\0b", 3, NULL);
	CHECK_INT(r->clean, 0);
	CHECK_INT(r->conflict_kind, BRAID_KIND_BINARY);
	CHECK(r->merged == NULL);
	CHECK_INT(r->merged_len, 0);
	CHECK_INT(r->regions[0].theirs_len, 3);
	CHECK_STR(r->regions[0].description, "both sides changed the binary file differently");
	braid_merge_result_free(r);

	/* a NUL on one side only is enough */
	r = merge_bytes("a\nb\n", 4, "a\nB\n", 4, "A\0b\n", 4, NULL);
	CHECK_INT(r->conflict_kind, BRAID_KIND_BINARY);
	braid_merge_result_free(r);

	/* the binary driver, and inputs above max_text_size */
	r = merge_drv("a\nb\nc\n", "A\nb\nc\n", "a\nb\nC\n", "binary");
	CHECK_INT(r->clean, 0);
	CHECK_INT(r->conflict_kind, BRAID_KIND_BINARY);
	braid_merge_result_free(r);
	{
		braid_merge_options o = BRAID_MERGE_OPTIONS_INIT;
		o.max_text_size = 5;
		r = merge_bytes("a\nb\nc\n", 6, "A\nb\nc\n", 6, "a\nb\nC\n", 6, &o);
		CHECK_INT(r->conflict_kind, BRAID_KIND_BINARY);
		braid_merge_result_free(r);
	}
}

TEST(merge_union_driver)
{
	braid_merge_result *r;

	r = merge_drv("log1\n", "log1\nmain entry\n", "log1\nsub entry\n", "union");
	CHECK_INT(r->clean, 1);
	CHECK_INT(r->tier, 1);
	CHECK_STR(r->merged, "log1\nmain entry\nsub entry\n");
	CHECK_INT(r->nregions, 1);
	CHECK_INT(r->regions[0].verdict, BRAID_VERDICT_MERGE);
	CHECK_INT(r->regions[0].kind, BRAID_KIND_DRIVER);
	CHECK_STR(r->regions[0].description,
	          "both sides inserted different lines after line 1; "
	          "the union driver kept main's lines, then submitted's");
	braid_merge_result_free(r);

	/* an open last line of ours gets a newline before theirs follows */
	r = merge_drv("a\n", "a\nb", "a\nc\n", "union");
	CHECK_STR(r->merged, "a\nb\nc\n");
	braid_merge_result_free(r);

	/* non-conflicting regions still merge normally */
	r = merge_drv("a\nb\nc\n", "A\nb\nc\n", "a\nb\nc\nd\n", "union");
	CHECK_STR(r->merged, "A\nb\nc\nd\n");
	CHECK_INT(r->regions[0].kind, BRAID_KIND_DISJOINT);
	braid_merge_result_free(r);

	/* braid-json is merged as text for now */
	r = merge_drv("a\nx\nb\n", "A\nx\nb\n", "a\nx\nB\n", "braid-json");
	CHECK_INT(r->clean, 1);
	CHECK_STR(r->merged, "A\nx\nB\n");
	braid_merge_result_free(r);
}

TEST(merge_labels)
{
	braid_merge_input in;
	braid_merge_result *r = NULL;

	memset(&in, 0, sizeof(in));
	in.base = "a\n";
	in.base_len = 2;
	in.ours = "b\n";
	in.ours_len = 2;
	in.theirs = "c\n";
	in.theirs_len = 2;
	in.ours_label = "HEAD";
	in.base_label = "merged common ancestors";
	in.theirs_label = "agent-7";
	CHECK_OK(braid_merge_file(&r, &in, NULL));
	CHECK_STR(r->merged, "<<<<<<< HEAD\nb\n||||||| merged common ancestors\na\n=======\nc\n"
	                     ">>>>>>> agent-7\n");
	braid_merge_result_free(r);

	in.ours = "a\nb\n";
	in.ours_len = 4;
	in.theirs = "z\na\n";
	in.theirs_len = 4;
	CHECK_OK(braid_merge_file(&r, &in, NULL));
	CHECK_STR(r->regions[0].description, "agent-7 inserted 1 line at the start of the file");
	CHECK_STR(r->regions[1].description, "HEAD inserted 1 line after line 1");
	braid_merge_result_free(r);
}

TEST(merge_region_offsets)
{
	/* base lines: "one\n"(0) "two\n"(4) "three\n"(8) "four\n"(14) */
	braid_merge_result *r = merge("one\ntwo\nthree\nfour\n", "one\nTWO\nthree\nfour\nfive\n",
	                              "zero\none\ntwo\nthree\nfour\n");
	const braid_merge_region *g;

	CHECK_INT(r->clean, 1);
	CHECK_STR(r->merged, "zero\none\nTWO\nthree\nfour\nfive\n");
	CHECK_INT(r->nregions, 3);

	g = &r->regions[0]; /* theirs inserted "zero" */
	CHECK_INT(g->base_start, 0);
	CHECK_INT(g->base_end, 0);
	CHECK_INT(g->theirs_start, 0);
	CHECK_INT(g->theirs_end, 1);
	CHECK_INT(g->theirs_off, 0);
	CHECK_INT(g->theirs_len, 5);
	CHECK_INT(g->ours_start, 0);
	CHECK_INT(g->ours_end, 0);
	CHECK_STR(g->description, "submitted inserted 1 line at the start of the file");

	g = &r->regions[1]; /* ours changed "two" */
	CHECK_INT(g->base_start, 1);
	CHECK_INT(g->base_end, 2);
	CHECK_INT(g->base_off, 4);
	CHECK_INT(g->base_len, 4);
	CHECK_INT(g->ours_start, 1);
	CHECK_INT(g->ours_off, 4);
	CHECK_INT(g->ours_len, 4);
	CHECK_INT(g->theirs_start, 2); /* the unchanged "two" sits one line lower there */
	CHECK_INT(g->theirs_end, 3);
	CHECK_INT(g->theirs_off, 9);
	CHECK_INT(g->theirs_len, 4);
	CHECK_STR(g->description, "main changed line 2");

	g = &r->regions[2]; /* ours appended "five" */
	CHECK_INT(g->base_start, 4);
	CHECK_INT(g->base_end, 4);
	CHECK_INT(g->base_off, 19);
	CHECK_INT(g->base_len, 0);
	CHECK_INT(g->ours_start, 4);
	CHECK_INT(g->ours_end, 5);
	CHECK_INT(g->ours_off, 19);
	CHECK_INT(g->ours_len, 5);
	CHECK_INT(g->theirs_start, 5);
	CHECK_INT(g->theirs_off, 24);
	CHECK_STR(g->description, "main inserted 1 line after line 4");
	braid_merge_result_free(r);

	r = merge("a\nb\nc\nd\ne\n", "a\nX\nY\nZ\ne\n", "a\nb\nc\nd\ne\n");
	CHECK_STR(r->regions[0].description, "main changed lines 2-4");
	braid_merge_result_free(r);
	r = merge("a\nb\nc\nd\ne\n", "a\ne\n", "a\nb\nc\nd\ne\nf\n");
	CHECK_STR(r->regions[0].description, "main deleted lines 2-4");
	CHECK_STR(r->regions[1].description, "submitted inserted 1 line after line 5");
	braid_merge_result_free(r);
}

TEST(merge_invalid_arguments)
{
	braid_merge_input in;
	braid_merge_options o = BRAID_MERGE_OPTIONS_INIT;
	braid_merge_result *r = (braid_merge_result *)&in;

	memset(&in, 0, sizeof(in));
	CHECK_INT(braid_merge_file(NULL, &in, NULL), BRAID_EINVALID);
	CHECK_INT(braid_merge_file(&r, NULL, NULL), BRAID_EINVALID);
	in.ours_len = 3; /* NULL buffer with a length */
	CHECK_INT(braid_merge_file(&r, &in, NULL), BRAID_EINVALID);
	in.ours_len = 0;
	o.version = 99;
	CHECK_INT(braid_merge_file(&r, &in, &o), BRAID_EINVALID);
	CHECK(r == (braid_merge_result *)&in); /* untouched on failure */
	braid_merge_result_free(NULL);

	/* all absent: nothing to do, nothing there */
	CHECK_OK(braid_merge_file(&r, &in, NULL));
	CHECK_INT(r->clean, 1);
	CHECK_INT(r->deleted, 1);
	CHECK_INT(r->nregions, 0);
	braid_merge_result_free(r);
}

TEST(merge_names)
{
	CHECK_STR(braid_merge_verdict_name(BRAID_VERDICT_MERGE), "merge");
	CHECK_STR(braid_merge_verdict_name(BRAID_VERDICT_CONFLICT), "conflict");
	CHECK_STR(braid_merge_verdict_name(BRAID_VERDICT_ESCALATE), "escalate");
	CHECK_STR(braid_merge_verdict_name(BRAID_VERDICT_BLOCK), "block");
	CHECK_STR(braid_merge_verdict_name((braid_merge_verdict)42), "unknown");
	CHECK_STR(braid_merge_kind_name(BRAID_KIND_CONTENT), "content");
	CHECK_STR(braid_merge_kind_name(BRAID_KIND_ADD_ADD), "add/add");
	CHECK_STR(braid_merge_kind_name(BRAID_KIND_MODIFY_DELETE), "modify/delete");
	CHECK_STR(braid_merge_kind_name(BRAID_KIND_BINARY), "binary");
	CHECK_STR(braid_merge_kind_name(BRAID_KIND_ONE_SIDE), "one-side");
	CHECK_STR(braid_merge_kind_name(BRAID_KIND_DRIVER), "driver");
	CHECK_STR(braid_merge_kind_name(BRAID_KIND_SUBSUMED), "subsumed");
	CHECK_STR(braid_merge_kind_name((braid_merge_kind)99), "unknown");
}
