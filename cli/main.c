/*
 * main.c: the braid binary's entry point: find the command ("verb noun"
 * first, then "verb"), parse its options, run it. Commands live in
 * cmd_*.c and register themselves.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braid/common.h"

#define MAX_COMMANDS 128

static const cli_command *registry[MAX_COMMANDS];
static int ncommands;

void cli_register(const cli_command *cmd)
{
	if (ncommands < MAX_COMMANDS)
		registry[ncommands++] = cmd;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const cli_command *const *)a)->name,
	              (*(const cli_command *const *)b)->name);
}

static void list_commands(FILE *f)
{
	int i;

	fprintf(f, "usage: braid [-C DIR] <command> [<noun>] [options] [args]\n\n"
	           "braid lets many coding agents and humans edit one git repository at once:\n"
	           "work that commutes lands on the target branch by itself; real conflicts\n"
	           "become conflict objects.\n\ncommands:\n");
	qsort(registry, (size_t)ncommands, sizeof(registry[0]), by_name);
	for (i = 0; i < ncommands; i++)
		fprintf(f, "  %-18s %s\n", registry[i]->name, registry[i]->summary);
	fprintf(f, "\n'braid <command> --help' describes a command.\n");
}

static const cli_command *find(const char *name)
{
	int i;

	for (i = 0; i < ncommands; i++)
		if (!strcmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const cli_command *cmd = NULL;
	const char *dir = NULL;
	char two[256];
	int i = 1, used, rc;
	cli_args args;

	/* How any front in this binary (CLI, MCP, HTTP) starts a background queue driver. */
	static const char *const driver_argv[] = {"/proc/self/exe", "queue", "drive",
	                                          "--background", NULL};
	braid_global_set_queue_driver(driver_argv);
	if (braid_global_init() < 0) {
		fprintf(stderr, "error: %s\n", braid_error_last());
		return CLI_INTERNAL;
	}
	/* Global options before the verb (-C DIR as git; --agent NAME; --json). */
	const char *agent = NULL;
	int json = 0;
	for (;;) {
		if (i + 1 < argc && !strcmp(argv[i], "-C")) {
			dir = argv[i + 1];
			i += 2;
		} else if (i + 1 < argc && !strcmp(argv[i], "--agent")) {
			agent = argv[i + 1];
			i += 2;
		} else if (i < argc && !strncmp(argv[i], "--agent=", 8)) {
			agent = argv[i] + 8;
			i++;
		} else if (i < argc && !strcmp(argv[i], "--json")) {
			json = 1;
			i++;
		} else {
			break;
		}
	}
	if (i >= argc || !strcmp(argv[i], "help") || !strcmp(argv[i], "--help") ||
	    !strcmp(argv[i], "-h")) {
		if (i + 1 < argc && i < argc && !strcmp(argv[i], "help")) {
			char *hargv[] = {"--help"};
			snprintf(two, sizeof(two), "%s%s%s", argv[i + 1], i + 2 < argc ? " " : "",
			         i + 2 < argc ? argv[i + 2] : "");
			if ((cmd = find(two)) || (cmd = find(argv[i + 1]))) {
				/* prints the help and answers its exit code (0) */
				rc = cli_parse(&args, cmd, 1, hargv);
				return rc < 0 ? CLI_OK : rc;
			}
		}
		list_commands(i >= argc ? stderr : stdout);
		return i >= argc ? CLI_USAGE : CLI_OK;
	}
	if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "version")) {
		printf("braid %s\n", BRAID_VERSION);
		return 0;
	}
	used = 1;
	if (i + 1 < argc && argv[i + 1][0] != '-') {
		snprintf(two, sizeof(two), "%s %s", argv[i], argv[i + 1]);
		if ((cmd = find(two)))
			used = 2;
	}
	if (!cmd)
		cmd = find(argv[i]);
	if (!cmd) {
		size_t n = strlen(argv[i]);
		int j, found = 0;
		for (j = 0; j < ncommands; j++) {
			if (!strncmp(registry[j]->name, argv[i], n) &&
			    registry[j]->name[n] == ' ') {
				if (!found++)
					fprintf(stderr, "usage: braid %s <subcommand>\n\n",
					        argv[i]);
				fprintf(stderr, "  %-18s %s\n", registry[j]->name,
				        registry[j]->summary);
			}
		}
		if (!found)
			fprintf(stderr, "braid: '%s' is not a braid command; see 'braid help'\n",
			        argv[i]);
		return CLI_USAGE;
	}
	rc = cli_parse(&args, cmd, argc - i - used, argv + i + used);
	if (rc >= 0)
		return rc;
	if (dir && !args.dir)
		args.dir = dir;
	if (agent && !args.agent)
		args.agent = agent;
	if (json)
		args.json = true;
	rc = cmd->fn(&args);
	/* Output that did not reach its file (a full disk behind '> file') is a failure. */
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "error: cannot write the output%s%s\n", errno ? ": " : "",
		        errno ? strerror(errno) : "");
		if (rc == CLI_OK)
			rc = CLI_INTERNAL;
	}
	return rc;
}
