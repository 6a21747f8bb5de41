/* fixture.c: git repositories for unit tests (see fixture.h). */
#include "fixture.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "braid/common.h"
#include "harness.h"

void fx_write(const char *path, const char *content)
{
	char buf[4096];
	char *p;
	FILE *f;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	f = fopen(path, "wb");
	CHECK(f != NULL);
	CHECK(fwrite(content, 1, strlen(content), f) == strlen(content));
	CHECK(fclose(f) == 0);
}

char *fx_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	CHECK(fseek(f, 0, SEEK_END) == 0);
	n = ftell(f);
	CHECK(fseek(f, 0, SEEK_SET) == 0);
	buf = malloc((size_t)n + 1);
	CHECK(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = '\0';
	CHECK(fclose(f) == 0);
	return buf;
}

git_oid fx_commit_all(const char *dir, const char *message)
{
	git_repository *repo = NULL;
	git_index *idx = NULL;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_oid tree_id, commit_id, head;
	char *all = "*";
	git_strarray paths = {&all, 1};
	int has_parent;

	CHECK(git_libgit2_init() > 0);
	CHECK(git_repository_open(&repo, dir) == 0);
	CHECK(git_repository_index(&idx, repo) == 0);
	CHECK(git_index_add_all(idx, &paths, 0, NULL, NULL) == 0);
	CHECK(git_index_update_all(idx, &paths, NULL, NULL) == 0);
	CHECK(git_index_write(idx) == 0);
	CHECK(git_index_write_tree(&tree_id, idx) == 0);
	CHECK(git_tree_lookup(&tree, repo, &tree_id) == 0);
	CHECK(git_signature_new(&sig, "test", "test@example.com", 1700000000, 0) == 0);
	has_parent = git_reference_name_to_id(&head, repo, "HEAD") == 0;
	if (has_parent)
		CHECK(git_commit_lookup(&parent, repo, &head) == 0);
	CHECK(git_commit_create(&commit_id, repo, "HEAD", sig, sig, NULL, message, tree,
	                        has_parent ? 1 : 0, (const git_commit **)&parent) == 0);
	git_commit_free(parent);
	git_tree_free(tree);
	git_signature_free(sig);
	git_index_free(idx);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return commit_id;
}

void fx_repo(const char *dir, ...)
{
	git_repository *repo = NULL;
	git_repository_init_options o = GIT_REPOSITORY_INIT_OPTIONS_INIT;
	char path[4096];
	const char *name, *content;
	va_list ap;

	CHECK(git_libgit2_init() > 0);
	o.flags = GIT_REPOSITORY_INIT_MKPATH;
	o.initial_head = "main";
	CHECK(git_repository_init_ext(&repo, dir, &o) == 0);
	git_repository_free(repo);
	git_libgit2_shutdown();
	va_start(ap, dir);
	while ((name = va_arg(ap, const char *)) != NULL) {
		content = va_arg(ap, const char *);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fx_write(path, content);
	}
	va_end(ap);
	fx_commit_all(dir, "initial");
}

braid_ctx *fx_braid(const char *dir)
{
	braid_ctx *ctx = NULL;
	int created = 0;

	CHECK_OK(braid_init(&ctx, &created, dir, NULL));
	CHECK(created == 1);
	return ctx;
}

char *fx_show(const char *dir, const char *rev, const char *path)
{
	git_repository *repo = NULL;
	git_object *obj = NULL;
	char spec[4096], *out = NULL;

	CHECK(git_libgit2_init() > 0);
	CHECK(git_repository_open(&repo, dir) == 0);
	snprintf(spec, sizeof(spec), "%s:%s", rev, path);
	if (git_revparse_single(&obj, repo, spec) == 0) {
		git_blob *b = (git_blob *)obj;
		size_t n = (size_t)git_blob_rawsize(b);
		out = malloc(n + 1);
		memcpy(out, git_blob_rawcontent(b), n);
		out[n] = '\0';
	}
	git_object_free(obj);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return out;
}
