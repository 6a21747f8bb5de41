/*
 * harness.h: braid's small unit-test harness. A test is a function declared
 * with TEST(name); it registers itself before main (constructor) and runs in
 * its own fresh temporary directory (cwd) that is removed afterwards.
 * Failing checks print file:line and end the test; the runner's last line is
 * "N passed, N failed". Run one test with: unit_<module> <name-substring>.
 */
#ifndef BRAID_TEST_HARNESS_H
#define BRAID_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

typedef void (*braid_test_fn)(void);
void braid_test_register(const char *name, braid_test_fn fn);
void braid_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/* The directory the test runs in (absolute), and the source tree. */
const char *braid_test_tmpdir(void);
#define TEST_RESOURCES BRAID_SOURCE_DIR "/tests/resources"

#define TEST(name)                                                                                 \
	static void test_##name(void);                                                             \
	__attribute__((constructor)) static void register_##name(void)                             \
	{                                                                                          \
		braid_test_register(#name, test_##name);                                           \
	}                                                                                          \
	static void test_##name(void)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			braid_test_fail(__FILE__, __LINE__, "check failed: %s", #cond);            \
	} while (0)

/* A braid call that must succeed; on failure shows braid_error_last(). */
#define CHECK_OK(call)                                                                             \
	do {                                                                                       \
		int check_rc_ = (call);                                                            \
		if (check_rc_ < 0)                                                                 \
			braid_test_fail(__FILE__, __LINE__, "%s returned %d: %s", #call,           \
			                check_rc_, braid_error_last());                            \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
		if (check_a_ != check_b_)                                                          \
			braid_test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, \
			                check_a_, #b, check_b_);                                   \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *check_a_ = (a), *check_b_ = (b);                                       \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0)                     \
			braid_test_fail(__FILE__, __LINE__,                                        \
			                "%s:\n---- got ----\n%s\n"                                 \
			                "---- expected ----\n%s\n",                                \
			                #a, check_a_ ? check_a_ : "(null)",                        \
			                check_b_ ? check_b_ : "(null)");                           \
	} while (0)

#define CHECK_MEM(a, alen, b, blen)                                                                \
	do {                                                                                       \
		size_t check_al_ = (alen), check_bl_ = (blen);                                     \
		if (check_al_ != check_bl_ || memcmp((a), (b), check_al_) != 0)                    \
			braid_test_fail(__FILE__, __LINE__,                                        \
			                "%s:\n---- got (%zu) ----\n%.*s\n"                         \
			                "---- expected (%zu) ----\n%.*s\n",                        \
			                #a, check_al_, (int)check_al_, (const char *)(a),          \
			                check_bl_, (int)check_bl_, (const char *)(b));             \
	} while (0)

#endif
