/* test_util.c: buffers, paths, durations and atomic writes. */
#include "common.h"
#include "harness.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/time.h"

TEST(buf_grows_and_detaches)
{
	braid_buf b = BRAID_BUF_INIT;
	int i;

	CHECK_STR(b.ptr, "");
	for (i = 0; i < 1000; i++)
		CHECK_OK(braid_buf_printf(&b, "%d,", i));
	CHECK(b.size > 3000);
	CHECK(!strncmp(b.ptr, "0,1,2,", 6));
	char *s = braid_buf_detach(&b);
	CHECK_STR(b.ptr, "");
	free(s);
	s = braid_buf_detach(&b);
	CHECK_STR(s, "");
	free(s);
}

TEST(path_validate_rel_rejects_escapes)
{
	CHECK_OK(braid_path_validate_rel("src/db.c"));
	CHECK_OK(braid_path_validate_rel("a/.hidden/b"));
	CHECK_INT(braid_path_validate_rel(""), BRAID_EINVALID);
	CHECK_INT(braid_path_validate_rel("/etc/passwd"), BRAID_EINVALID);
	CHECK_INT(braid_path_validate_rel("../x"), BRAID_EINVALID);
	CHECK_INT(braid_path_validate_rel("a/../../x"), BRAID_EINVALID);
	CHECK_INT(braid_path_validate_rel("a//b"), BRAID_EINVALID);
	CHECK_INT(braid_path_validate_rel(".git/config"), BRAID_EINVALID);
	CHECK_INT(braid_path_validate_rel("x/.braid/state.db"), BRAID_EINVALID);
}

TEST(path_relative_to)
{
	braid_buf b = BRAID_BUF_INIT;

	CHECK_OK(braid_path_relative_to(&b, "/r/repo", "/r/repo/src", "db.c"));
	CHECK_STR(b.ptr, "src/db.c");
	braid_buf_clear(&b);
	CHECK_OK(braid_path_relative_to(&b, "/r/repo", "/r/repo/src", "../README"));
	CHECK_STR(b.ptr, "README");
	braid_buf_clear(&b);
	CHECK_INT(braid_path_relative_to(&b, "/r/repo", "/r/repo", "../other/x"), BRAID_EINVALID);
	CHECK_INT(braid_path_relative_to(&b, "/r/repo", "/", "/r/repository/x"), BRAID_EINVALID);
	braid_buf_dispose(&b);
}

TEST(duration_parsing)
{
	int64_t ms;

	CHECK_OK(braid_time_parse_duration(&ms, "30m"));
	CHECK_INT(ms, 1800000);
	CHECK_OK(braid_time_parse_duration(&ms, "90"));
	CHECK_INT(ms, 90000);
	CHECK_OK(braid_time_parse_duration(&ms, "250ms"));
	CHECK_INT(ms, 250);
	CHECK_INT(braid_time_parse_duration(&ms, "5 parsecs"), BRAID_EINVALID);
	CHECK_INT(braid_time_parse_duration(&ms, "-1s"), BRAID_EINVALID);
}

TEST(atomic_write_and_capped_read)
{
	braid_buf b = BRAID_BUF_INIT;

	CHECK_OK(braid_fs_write_atomic("f", "hello", 5, 0600));
	CHECK_OK(braid_fs_read(&b, "f", 100));
	CHECK_STR(b.ptr, "hello");
	CHECK_INT(braid_fs_read(&b, "f", 3), BRAID_EINVALID);
	CHECK_INT(braid_fs_read(&b, "missing", 3), BRAID_ENOTFOUND);
	CHECK_OK(braid_fs_mkdir_p("a/b/c", 0755));
	CHECK(braid_fs_is_dir("a/b/c"));
	CHECK_OK(braid_fs_rm_rf("a"));
	CHECK(!braid_fs_exists("a"));
	braid_buf_dispose(&b);
}

TEST(flock_excludes_second_holder)
{
	braid_flock a = BRAID_FLOCK_INIT, b = BRAID_FLOCK_INIT;

	CHECK_OK(braid_flock_acquire(&a, "lk", 0, NULL, NULL));
	CHECK_INT(braid_flock_acquire(&b, "lk", 50, NULL, NULL), BRAID_EBUSY);
	braid_flock_release(&a);
	CHECK_OK(braid_flock_acquire(&b, "lk", 0, NULL, NULL));
	braid_flock_release(&b);
}
