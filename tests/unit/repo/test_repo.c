/* test_repo.c: compare-and-swap refs and braid's own worktrees. */
#include "common.h"
#include "braid/repo.h"
#include "fixture.h"
#include "harness.h"

#include <sys/wait.h>
#include <unistd.h>

TEST(cas_moves_only_from_the_expected_value)
{
	git_repository *repo = NULL;
	git_oid a, b, now;

	fx_repo("r", "f", "1\n", NULL);
	a = fx_commit_all("r", "a");
	fx_write("r/f", "2\n");
	b = fx_commit_all("r", "b");
	CHECK_OK(braid_global_init());
	CHECK(git_repository_open(&repo, "r") == 0);
	CHECK_OK(braid_repo_cas_ref(repo, "refs/braid/t", &a, NULL, "create"));
	CHECK_INT(braid_repo_cas_ref(repo, "refs/braid/t", &a, NULL, "create again"), BRAID_ESTALE);
	CHECK_INT(braid_repo_cas_ref(repo, "refs/braid/t", &b, &b, "wrong expected"), BRAID_ESTALE);
	CHECK_OK(braid_repo_cas_ref(repo, "refs/braid/t", &b, &a, "move"));
	CHECK_OK(braid_repo_ref_oid(&now, repo, "refs/braid/t"));
	CHECK(git_oid_equal(&now, &b));
	CHECK_INT(braid_repo_is_ancestor(repo, &a, &b), 1);
	CHECK_INT(braid_repo_is_ancestor(repo, &b, &a), 0);
	CHECK_INT(braid_repo_delete_ref(repo, "refs/braid/t", &a), BRAID_ESTALE);
	CHECK_OK(braid_repo_delete_ref(repo, "refs/braid/t", &b));
	CHECK_INT(braid_repo_ref_oid(&now, repo, "refs/braid/t"), BRAID_ENOTFOUND);
	git_repository_free(repo);
}

TEST(concurrent_cas_lets_exactly_one_writer_win)
{
	git_repository *repo = NULL;
	git_oid a, b;
	int i, status, wins = 0;

	fx_repo("r", "f", "1\n", NULL);
	a = fx_commit_all("r", "a");
	fx_write("r/f", "2\n");
	b = fx_commit_all("r", "b");
	CHECK_OK(braid_global_init());
	CHECK(git_repository_open(&repo, "r") == 0);
	CHECK_OK(braid_repo_cas_ref(repo, "refs/braid/race", &a, NULL, "create"));
	git_repository_free(repo);
	for (i = 0; i < 10; i++) {
		if (fork() == 0) {
			git_repository *r2 = NULL;
			if (braid_global_init() < 0 || git_repository_open(&r2, "r") < 0)
				_exit(2);
			_exit(braid_repo_cas_ref(r2, "refs/braid/race", &b, &a, "race") == 0 ? 0
			                                                                     : 1);
		}
	}
	for (i = 0; i < 10; i++) {
		wait(&status);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) < 2);
		wins += WEXITSTATUS(status) == 0;
	}
	CHECK_INT(wins, 1);
}

TEST(worktree_add_and_remove)
{
	git_repository *repo = NULL, *wt = NULL;
	git_oid head, tree;
	char *s;

	fx_repo("r", "f", "content\n", NULL);
	head = fx_commit_all("r", "second");
	CHECK_OK(braid_global_init());
	CHECK(git_repository_open(&repo, "r") == 0);
	CHECK_OK(braid_repo_worktree_add(repo, "w1", "w1", &head));
	CHECK_STR((s = fx_read("w1/f")), "content\n");
	free(s);
	CHECK_INT(braid_repo_worktree_add(repo, "w1", "w2", &head), BRAID_EEXISTS);
	CHECK_INT(braid_repo_worktree_add(repo, "a/b", "w3", &head), BRAID_EINVALID);
	CHECK(git_repository_open(&wt, "w1") == 0);
	CHECK(git_repository_is_worktree(wt));
	CHECK(git_repository_head_detached(wt));
	fx_write("w1/g", "untracked\n");
	CHECK_OK(braid_repo_snapshot(&tree, NULL, wt));
	git_repository_free(wt);
	CHECK_OK(braid_repo_worktree_remove(repo, "w1", "w1"));
	CHECK(access("w1", F_OK) != 0);
	CHECK(access("r/.git/worktrees/w1", F_OK) != 0);
	git_repository_free(repo);
}
