/*
 * intent_test.h: helpers for the intent tests: a braid repository in the
 * test's temporary directory with a few source files, agents, contexts
 * acting as an agent, commits on the target branch that look like landings,
 * and a shared counter file for mutual-exclusion checks across processes.
 */
#ifndef BRAID_INTENT_TEST_H
#define BRAID_INTENT_TEST_H

#include <fcntl.h>
#include <git2.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "braid/agent.h"
#include "braid/ctx.h"
#include "braid/intent.h"
#include "braid/op.h"
#include "braid/workspace.h"
#include "ctx/ctx_int.h"
#include "fixture.h"
#include "harness.h"

#define DB_C                                                                                       \
	"#include <stdio.h>\n"                                                                     \
	"\n"                                                                                       \
	"int db_open(const char *path)\n"                                                          \
	"{\n"                                                                                      \
	"\treturn path != 0;\n"                                                                    \
	"}\n"                                                                                      \
	"\n"                                                                                       \
	"int db_close(int fd)\n"                                                                   \
	"{\n"                                                                                      \
	"\treturn fd;\n"                                                                           \
	"}\n"

#define MODELS_PY                                                                                  \
	"class User:\n"                                                                            \
	"    def save(self, force):\n"                                                             \
	"        return force\n"                                                                   \
	"\n"                                                                                       \
	"    def load(self):\n"                                                                    \
	"        return 1\n"

/* Commit the worktree of `repo_dir` on HEAD; returns the commit id in hex (static buffer). */
static inline const char *it_commit_all(const char *repo_dir, const char *message)
{
	static char hex[41];
	git_oid id = fx_commit_all(repo_dir, message);

	git_oid_tostr(hex, sizeof(hex), &id);
	return hex;
}

/* A braid repository at <tmp>/repo with src/db.c, app/models.py, README, src/net/ files. */
static inline const char *it_setup(void)
{
	static char dir[4096];
	braid_ctx *ctx = NULL;
	int created = 0;

	snprintf(dir, sizeof(dir), "%s/repo", braid_test_tmpdir());
	fx_repo(dir, "src/db.c", DB_C, "app/models.py", MODELS_PY, "README", "hello\n",
	        "src/net/http.c", "int http(void) { return 0; }\n", "include/api.h",
	        "int api(void);\n", NULL);
	CHECK_OK(braid_init(&ctx, &created, dir, NULL));
	CHECK(created == 1);
	braid_ctx_free(ctx);
	return dir;
}

static inline void it_add_agent(const char *dir, const char *name)
{
	braid_ctx *ctx = NULL;
	braid_agent *a = NULL;

	CHECK_OK(braid_ctx_open(&ctx, dir));
	CHECK_OK(braid_agent_add(&a, NULL, ctx, name, NULL));
	braid_agent_free(a);
	braid_ctx_free(ctx);
}

/* A context acting as agent `name`. */
static inline braid_ctx *it_open(const char *dir, const char *name)
{
	braid_ctx *ctx = NULL;

	CHECK_OK(braid_ctx_open(&ctx, dir));
	CHECK_OK(braid_ctx_set_agent(ctx, name));
	return ctx;
}

static inline int it_acquire1(braid_intent_result **res, braid_ctx *ctx, const char *target,
                              int level, int64_t wait_ms)
{
	braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
	o.level = level;
	o.wait_ms = wait_ms;
	return braid_intent_acquire(res, ctx, &target, 1, &o);
}

/* Shared counter (a file with one number) for mutual exclusion checks, under flock. */
static inline int it_counter_add(const char *path, int delta)
{
	int fd = open(path, O_RDWR | O_CREAT, 0644), v = 0;
	char buf[32] = {0};
	ssize_t n;

	CHECK(fd >= 0);
	CHECK(flock(fd, LOCK_EX) == 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n > 0)
		v = atoi(buf);
	v += delta;
	n = snprintf(buf, sizeof(buf), "%d\n", v);
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(pwrite(fd, buf, (size_t)n, 0) == n);
	flock(fd, LOCK_UN);
	close(fd);
	return v;
}

/* Wait for a child; 1 when it exited with status 0. */
static inline int it_wait_ok(pid_t pid)
{
	int status = 0;
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

#endif
