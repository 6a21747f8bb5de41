/*
 * init.c: braid_global_init, the process-wide setup of the libraries braid
 * stands on. libgit2 is told to fsync what it writes, because a submission
 * must be durable before braid acknowledges it.
 */
#include "common.h"

#include <git2.h>
#include <pthread.h>
#include <sodium.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_result;

static void do_init(void)
{
	if (sodium_init() < 0) {
		init_result = braid_error_set(BRAID_ERROR, "libsodium failed to initialize");
		return;
	}
	if (git_libgit2_init() < 0) {
		init_result = braid_error_git(-1, "libgit2 failed to initialize");
		return;
	}
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

int braid_global_init(void)
{
	pthread_once(&once, do_init);
	return init_result;
}

static const char *const *queue_driver;

void braid_global_set_queue_driver(const char *const *argv)
{
	queue_driver = argv;
}

const char *const *braid_global_queue_driver(void)
{
	return queue_driver;
}
