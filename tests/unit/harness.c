/*
 * harness.c: the runner behind harness.h. Each test runs in a forked child
 * so a crash or failed check in one test cannot hide the others; its output
 * is shown only when it fails.
 */
#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TESTS 1024

static struct {
	const char *name;
	braid_test_fn fn;
} tests[MAX_TESTS];
static int ntests;
static char tmpdir[4096];

void braid_test_register(const char *name, braid_test_fn fn)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "too many tests\n");
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

const char *braid_test_tmpdir(void)
{
	return tmpdir;
}

void braid_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int run_one(int i)
{
	char tmpl[] = "/tmp/braid-unit-XXXXXX";
	char cmd[4200];
	int status;
	pid_t pid;

	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		return 1;
	}
	(void)fflush(stdout);
	(void)fflush(stderr);
	pid = fork();
	if (pid == 0) {
		if (!realpath(tmpl, tmpdir) || chdir(tmpdir) < 0)
			exit(2);
		setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
		setenv("HOME", tmpdir, 1);
		tests[i].fn();
		exit(0);
	}
	waitpid(pid, &status, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpl);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		fprintf(stderr, "  (killed by signal %d)\n", WTERMSIG(status));
	return 1;
}

int main(int argc, char **argv)
{
	int i, passed = 0, failed = 0;

	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < ntests; i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		if (run_one(i) == 0) {
			passed++;
			printf("ok   %s\n", tests[i].name);
		} else {
			failed++;
			printf("FAIL %s\n", tests[i].name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
