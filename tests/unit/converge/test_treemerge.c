/*
 * test_treemerge.c: file-level cases of the tree merge on real git trees:
 * add/add, modify/delete, renames, rename/rename, binary, mode, file vs
 * directory, the union driver from .gitattributes, CRLF.
 */
#include "common.h"
#include "converge/treemerge.h"
#include "fixture.h"
#include "harness.h"

#include <sys/stat.h>
#include <unistd.h>

static git_repository *repo;
static git_oid base, ours, theirs;

/* Three snapshots of worktree "r": base, then ours, then theirs (trees are all that matter). */
static void start(void)
{
	CHECK(git_libgit2_init() > 0);
	base = fx_commit_all("r", "base");
}

static void snap_ours(void)
{
	ours = fx_commit_all("r", "ours");
}

static void snap_theirs(void)
{
	theirs = fx_commit_all("r", "theirs");
	CHECK(git_repository_open(&repo, "r") == 0);
}

static char *blob_at(const braid_tm_result *r, const char *path)
{
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	git_blob *b = NULL;
	char *out = NULL;

	CHECK(git_tree_lookup(&t, repo, &r->tree) == 0);
	if (git_tree_entry_bypath(&e, t, path) == 0) {
		CHECK(git_blob_lookup(&b, repo, git_tree_entry_id(e)) == 0);
		out = strndup(git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
		git_blob_free(b);
		git_tree_entry_free(e);
	}
	git_tree_free(t);
	return out;
}

static void merge(braid_tm_result *r)
{
	CHECK_OK(braid_treemerge(r, repo, &base, &ours, &theirs, &ours));
}

static const braid_tm_file *file(const braid_tm_result *r, const char *path)
{
	size_t i;
	for (i = 0; i < r->nfiles; i++)
		if (!strcmp(r->files[i].path, path))
			return &r->files[i];
	return NULL;
}

TEST(disjoint_edits_and_one_sided_files_merge)
{
	braid_tm_result r;
	char *s;

	fx_repo("r", "a.txt", "1\n2\n3\n4\n5\n", "b.txt", "b\n", NULL);
	start();
	fx_write("r/a.txt", "ONE\n2\n3\n4\n5\n");
	fx_write("r/c.txt", "new on main\n");
	snap_ours();
	fx_write("r/a.txt", "1\n2\n3\n4\nFIVE\n");
	unlink("r/c.txt");
	unlink("r/b.txt");
	fx_write("r/d/e.txt", "new submitted\n");
	snap_theirs();
	merge(&r);
	CHECK(r.clean);
	s = blob_at(&r, "a.txt");
	CHECK_STR(s, "ONE\n2\n3\n4\nFIVE\n");
	free(s);
	s = blob_at(&r, "c.txt");
	CHECK_STR(s, "new on main\n");
	free(s);
	CHECK(blob_at(&r, "b.txt") == NULL);
	s = blob_at(&r, "d/e.txt");
	CHECK_STR(s, "new submitted\n");
	free(s);
	braid_tm_result_clear(&r);
	git_repository_free(repo);
}

TEST(add_add_and_modify_delete_conflict)
{
	braid_tm_result r;

	fx_repo("r", "keep.txt", "k\n", "gone.txt", "g\n", NULL);
	start();
	fx_write("r/new.txt", "main's\n");
	fx_write("r/gone.txt", "g changed on main\n");
	snap_ours();
	fx_write("r/new.txt", "submitted's\n");
	unlink("r/gone.txt");
	snap_theirs();
	merge(&r);
	CHECK(!r.clean);
	CHECK_INT(r.conflicted, 2);
	CHECK(file(&r, "new.txt") && file(&r, "new.txt")->kind == BRAID_KIND_ADD_ADD);
	CHECK(file(&r, "gone.txt") && file(&r, "gone.txt")->kind == BRAID_KIND_MODIFY_DELETE);
	braid_tm_result_clear(&r);
	git_repository_free(repo);
}

TEST(rename_carries_the_other_sides_edit)
{
	braid_tm_result r;
	char *s;
	const char *body = "alpha\nbeta\ngamma\ndelta\nepsilon\nzeta\neta\ntheta\n";

	fx_repo("r", "old.txt", body, NULL);
	start();
	fx_write("r/old.txt", "alpha\nbeta\ngamma\ndelta\nepsilon\nzeta\neta\nTHETA\n");
	snap_ours();
	unlink("r/old.txt");
	fx_write("r/new.txt", "ALPHA\nbeta\ngamma\ndelta\nepsilon\nzeta\neta\ntheta\n");
	snap_theirs();
	merge(&r);
	CHECK(r.clean);
	CHECK(blob_at(&r, "old.txt") == NULL);
	CHECK_STR((s = blob_at(&r, "new.txt")),
	          "ALPHA\nbeta\ngamma\ndelta\nepsilon\nzeta\neta\nTHETA\n");
	free(s);
	braid_tm_result_clear(&r);
	git_repository_free(repo);
}

TEST(rename_rename_conflicts)
{
	braid_tm_result r;
	const char *body = "alpha\nbeta\ngamma\ndelta\nepsilon\nzeta\n";

	fx_repo("r", "old.txt", body, NULL);
	start();
	unlink("r/old.txt");
	fx_write("r/main.txt", body);
	snap_ours();
	unlink("r/main.txt");
	fx_write("r/sub.txt", body);
	snap_theirs();
	merge(&r);
	CHECK(!r.clean);
	CHECK(file(&r, "sub.txt") && file(&r, "sub.txt")->kind == BRAID_KIND_RENAME_RENAME);
	braid_tm_result_clear(&r);
	git_repository_free(repo);
}

TEST(binary_changed_on_both_sides_conflicts_unless_identical)
{
	braid_tm_result r;

	fx_repo("r", "x.bin", "\x01\x02", NULL);
	/* NULs need raw writes. */
	FILE *f = fopen("r/x.bin", "wb");
	CHECK(f != NULL);
	CHECK(fwrite("A\0B", 1, 3, f) == 3);
	CHECK(fclose(f) == 0);
	start();
	f = fopen("r/x.bin", "wb");
	CHECK(f != NULL);
	CHECK(fwrite("A\0C", 1, 3, f) == 3);
	CHECK(fclose(f) == 0);
	snap_ours();
	f = fopen("r/x.bin", "wb");
	CHECK(f != NULL);
	CHECK(fwrite("A\0D", 1, 3, f) == 3);
	CHECK(fclose(f) == 0);
	snap_theirs();
	merge(&r);
	CHECK(!r.clean);
	CHECK(file(&r, "x.bin")->kind == BRAID_KIND_BINARY);
	braid_tm_result_clear(&r);
	git_repository_free(repo);
}

TEST(mode_change_and_content_change_combine)
{
	braid_tm_result r;
	git_tree *t = NULL;
	git_tree_entry *e = NULL;

	fx_repo("r", "run.sh", "echo 1\necho 2\n", NULL);
	start();
	fx_write("r/run.sh", "echo one\necho 2\n");
	snap_ours();
	fx_write("r/run.sh", "echo 1\necho 2\n");
	chmod("r/run.sh", 0755);
	snap_theirs();
	merge(&r);
	CHECK(r.clean);
	CHECK(git_tree_lookup(&t, repo, &r.tree) == 0);
	CHECK(git_tree_entry_bypath(&e, t, "run.sh") == 0);
	CHECK_INT(git_tree_entry_filemode(e), GIT_FILEMODE_BLOB_EXECUTABLE);
	git_tree_entry_free(e);
	git_tree_free(t);
	char *s = blob_at(&r, "run.sh");
	CHECK_STR(s, "echo one\necho 2\n");
	free(s);
	braid_tm_result_clear(&r);
	git_repository_free(repo);
}

TEST(file_against_directory_conflicts)
{
	braid_tm_result r;

	fx_repo("r", "keep.txt", "k\n", NULL);
	start();
	fx_write("r/thing/inner.txt", "main made a directory\n");
	snap_ours();
	CHECK(system("rm -rf r/thing") == 0);
	fx_write("r/thing", "submitted made a file\n");
	snap_theirs();
	merge(&r);
	CHECK(!r.clean);
	CHECK(file(&r, "thing")->kind == BRAID_KIND_FILE_DIRECTORY);
	braid_tm_result_clear(&r);
	git_repository_free(repo);
}

TEST(union_driver_from_gitattributes_keeps_both_lines)
{
	braid_tm_result r;
	char *s;

	fx_repo("r", ".gitattributes", "*.log merge=union\n", "events.log", "e1\n", NULL);
	start();
	fx_write("r/events.log", "e1\nmain event\n");
	snap_ours();
	fx_write("r/events.log", "e1\nsubmitted event\n");
	snap_theirs();
	merge(&r);
	CHECK(r.clean);
	CHECK_STR((s = blob_at(&r, "events.log")), "e1\nmain event\nsubmitted event\n");
	free(s);
	braid_tm_result_clear(&r);
	git_repository_free(repo);
}

TEST(crlf_files_keep_their_line_endings)
{
	braid_tm_result r;
	char *s;

	fx_repo("r", "w.txt", "a\r\nb\r\nc\r\nd\r\n", NULL);
	start();
	fx_write("r/w.txt", "A\r\nb\r\nc\r\nd\r\n");
	snap_ours();
	fx_write("r/w.txt", "a\r\nb\r\nc\r\nD\r\n");
	snap_theirs();
	merge(&r);
	CHECK(r.clean);
	CHECK_STR((s = blob_at(&r, "w.txt")), "A\r\nb\r\nc\r\nD\r\n");
	free(s);
	braid_tm_result_clear(&r);
	git_repository_free(repo);
}
