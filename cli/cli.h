/*
 * cli.h: what every `braid` command shares: the command table, option
 * parsing (git style: `braid <verb> [<noun>] [options] [args]`, --help on
 * everything), opening the repository with the acting agent, exit codes,
 * and output (human text on stdout, or one JSON document with --json).
 *
 * Exit codes (docs/cli.md):
 *   0  done
 *   1  done, with a negative outcome the caller acts on (conflict, lock
 *      denied, verification failed, nothing to do where something was asked)
 *   2  usage error (unknown option, missing argument, malformed value)
 *   3  not found (unknown id, agent, workspace, path)
 *   4  wrong state or not allowed (not in a workspace, not the owner,
 *      uncommitted edits, braid not initialized, stale token/hash)
 *   5  busy (a wait timed out)
 *  70  internal error (I/O, library failure)
 */
#ifndef BRAID_CLI_H
#define BRAID_CLI_H

#include <jansson.h>
#include <stdbool.h>

#include "braid/api.h"
#include "braid/ctx.h"

enum {
	CLI_OK = 0,
	CLI_NEGATIVE = 1,
	CLI_USAGE = 2,
	CLI_NOTFOUND = 3,
	CLI_STATE = 4,
	CLI_BUSY = 5,
	CLI_INTERNAL = 70,
};

/** One option a command accepts. `value`: 0 flag, 1 requires a value, 2 optional value (--opt=V).
 */
typedef struct cli_opt {
	const char *name; /* long name without dashes */
	char short_name;  /* 0 for none */
	int value;
	const char *help;
} cli_opt;

#define CLI_MAX_OPTS 32
#define CLI_MAX_ARGS 256

typedef struct cli_args {
	const struct cli_command *cmd;
	const cli_opt *opts;
	const char *values[CLI_MAX_OPTS];
	int set[CLI_MAX_OPTS];
	const char *pos[CLI_MAX_ARGS];
	int npos;
	bool json;
	const char *agent; /* --agent */
	const char *dir;   /* -C */
} cli_args;

typedef struct cli_command {
	const char *name; /* "submit", or "ws new" for a verb with a noun */
	int (*fn)(cli_args *args);
	const cli_opt *opts; /* terminated by {0} */
	const char *usage;   /* "[-m MSG]" */
	const char *summary; /* one line */
	const char *help;    /* longer text, may be NULL */
} cli_command;

/*
 * Commands register themselves (one cmd_<verb>.c each, like git's builtin/),
 * so adding a command touches no shared file:
 *   CLI_COMMAND(submit, "submit", cmd_submit, opts, "[-m MSG]", "summary", "help");
 */
void cli_register(const cli_command *cmd);
#define CLI_COMMAND(id, name, fn, opts, usage, summary, help)                                      \
	static const cli_command cli_cmd_##id = {name, fn, opts, usage, summary, help};            \
	__attribute__((constructor)) static void cli_register_##id(void)                           \
	{                                                                                          \
		cli_register(&cli_cmd_##id);                                                       \
	}

/**
 * Parse argv for `cmd`. Common options (--json, --agent NAME, -C DIR,
 * --help) are accepted by every command.
 *
 * @return -1 when parsing succeeded; otherwise the exit code to return
 *         (0 after printing --help, CLI_USAGE after a usage error).
 */
int cli_parse(cli_args *a, const cli_command *cmd, int argc, char **argv);

/** Value of option `name`, or NULL when not given. */
const char *cli_opt_value(const cli_args *a, const char *name);
bool cli_opt_set(const cli_args *a, const char *name);

/** Report a usage error ("braid submit: ...") with the command's usage line; returns CLI_USAGE. */
int cli_usage_error(const cli_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * Report the last braid error and map its code to an exit code. With
 * --json the error is also printed to stdout as
 * {"error": {"code": "...", "message": "..."}}.
 */
int cli_fail(const cli_args *a, int err);

/** Open the repository at -C (or the cwd) and set the acting agent from --agent / $BRAID_AGENT. */
int cli_open(braid_ctx **out, const cli_args *a);

/**
 * Run a command through the library's method table (include/braid/api.h),
 * as MCP and HTTP do, so `braid X --json` prints what they answer: open the
 * repository (cli_open), call `method` with `args` (stolen; NULL for none)
 * as the local operator with progress on stderr, and report a failure as
 * cli_fail does, adding the method's details to --json
 * ({"error": {"code", "message", "exit", "details"}}). On success with
 * --json the method's data is printed; without, the command prints its
 * human text from r->data.
 *
 * @param[out] r    the answer, also on failure (release with cli_call_done).
 * @param[out] ctx  the open repository, or NULL when the caller needs none.
 * @return 0 on success, else the exit code to return.
 */
int cli_call(braid_api_result *r, braid_ctx **ctx, const cli_args *a, const char *method,
             json_t *args);

/** Release what cli_call returned (either may be NULL). */
void cli_call_done(braid_api_result *r, braid_ctx *ctx);

/** Progress of a long call on stderr (cli_progress); a braid_api_progress_fn. */
void cli_progress_cb(void *payload, const char *what, long waited_ms);

/** A string member of a JSON object, or "" (never NULL). */
const char *cli_jstr(const json_t *o, const char *key);

/** An integer member of a JSON object, or 0. */
long long cli_jint(const json_t *o, const char *key);

/** A boolean member of a JSON object (false when absent). */
bool cli_jbool(const json_t *o, const char *key);

/** Print a JSON value (stealing the reference) followed by a newline. */
void cli_print_json(json_t *j);

/** Format ms since the epoch as ISO-8601 UTC into buf (>= 32 bytes). */
const char *cli_time(char *buf, size_t n, int64_t ms);

/** Format an age ("5s", "3m", "2h") for `ms` ago into buf. */
const char *cli_age(char *buf, size_t n, int64_t ms);

/**
 * All of stdin, NUL-terminated (malloc'd; *len excludes the NUL), or NULL
 * when it is larger than `max` bytes (or memory ran out).
 */
char *cli_read_stdin(size_t *len, size_t max);

/** Print the last `lines` lines of `text` (a log) to stdout, ending with a newline. */
void cli_print_tail(const char *text, size_t lines);

/** Map a braid error code to an exit code. */
int cli_exit_code(int err);

/** Print progress to stderr (only when stderr is a terminal or BRAID_PROGRESS=1). */
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
