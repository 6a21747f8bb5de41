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

static inline void it_write_file(const char *path, const char *content)
{
	char dir[4096], *slash;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(path, "wb");
	CHECK(f != NULL);
	CHECK(fwrite(content, 1, strlen(content), f) == strlen(content));
	fclose(f);
}

/* Commit the worktree of `repo_dir` on HEAD; returns the commit id in hex (static buffer). */
static inline const char *it_commit_all(const char *repo_dir, const char *message)
{
	static char hex[41];
	git_repository *repo = NULL;
	git_index *idx = NULL;
	git_oid tree_id, commit_id, parent_id;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_signature *sig = NULL;
	int has_parent;

	CHECK(git_repository_open(&repo, repo_dir) == 0);
	CHECK(git_repository_index(&idx, repo) == 0);
	CHECK(git_index_add_all(idx, NULL, 0, NULL, NULL) == 0);
	CHECK(git_index_write(idx) == 0);
	CHECK(git_index_write_tree(&tree_id, idx) == 0);
	CHECK(git_tree_lookup(&tree, repo, &tree_id) == 0);
	CHECK(git_signature_new(&sig, "test", "test@example.com", 1700000000, 0) == 0);
	has_parent = git_reference_name_to_id(&parent_id, repo, "HEAD") == 0;
	if (has_parent)
		CHECK(git_commit_lookup(&parent, repo, &parent_id) == 0);
	CHECK(git_commit_create_v(&commit_id, repo, "HEAD", sig, sig, NULL, message, tree,
	                          has_parent ? 1 : 0, parent) == 0);
	git_oid_tostr(hex, sizeof(hex), &commit_id);
	git_commit_free(parent);
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_free(idx);
	git_repository_free(repo);
	return hex;
}

/* A braid repository at <tmp>/repo with src/db.c, app/models.py, README, src/net/ files. */
static inline const char *it_setup(void)
{
	static char dir[4096];
	char p[4200];
	braid_ctx *ctx = NULL;
	int created = 0;

	snprintf(dir, sizeof(dir), "%s/repo", braid_test_tmpdir());
	git_libgit2_init();
	{
		git_repository *repo = NULL;
		git_repository_init_options o = GIT_REPOSITORY_INIT_OPTIONS_INIT;
		o.flags = GIT_REPOSITORY_INIT_MKPATH;
		o.initial_head = "main";
		CHECK(git_repository_init_ext(&repo, dir, &o) == 0);
		git_repository_free(repo);
	}
	snprintf(p, sizeof(p), "%s/src/db.c", dir);
	it_write_file(p, DB_C);
	snprintf(p, sizeof(p), "%s/app/models.py", dir);
	it_write_file(p, MODELS_PY);
	snprintf(p, sizeof(p), "%s/README", dir);
	it_write_file(p, "hello\n");
	snprintf(p, sizeof(p), "%s/src/net/http.c", dir);
	it_write_file(p, "int http(void) { return 0; }\n");
	snprintf(p, sizeof(p), "%s/include/api.h", dir);
	it_write_file(p, "int api(void);\n");
	it_commit_all(dir, "initial");
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
