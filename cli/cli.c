/*
 * cli.c: option parsing, error reporting and output helpers shared by the
 * commands. Nothing here knows what a command does.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "braid/common.h"

static const cli_opt common_opts[] = {
    {"json", 0, 0, "print one JSON document (for agents and scripts)"},
    {"agent", 0, 1, "act as agent NAME (default: the workspace's owner, or $BRAID_AGENT)"},
    {"help", 'h', 0, "show this help"},
    {0},
};

static void print_opts(FILE *f, const cli_opt *opts)
{
	const cli_opt *o;
	char left[64];

	for (o = opts; o && o->name; o++) {
		snprintf(left, sizeof(left), "%s%c%s--%s%s", o->short_name ? "-" : "",
		         o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
		         o->value == 1   ? " VALUE"
		         : o->value == 2 ? "[=VALUE]"
		                         : "");
		if (!o->short_name)
			snprintf(left, sizeof(left), "    --%s%s", o->name,
			         o->value == 1   ? " VALUE"
			         : o->value == 2 ? "[=VALUE]"
			                         : "");
		fprintf(f, "  %-28s %s\n", left, o->help ? o->help : "");
	}
}

static void print_help(const cli_command *cmd)
{
	printf("usage: braid %s %s\n\n%s\n", cmd->name, cmd->usage ? cmd->usage : "", cmd->summary);
	if (cmd->help)
		printf("\n%s\n", cmd->help);
	printf("\noptions:\n");
	print_opts(stdout, cmd->opts);
	print_opts(stdout, common_opts);
	printf(
	    "\nexit codes: 0 done, 1 negative outcome (conflict, denied), 2 usage, 3 not found,\n"
	    "4 wrong state, 5 busy, 70 internal error\n");
}

int cli_usage_error(const cli_args *a, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "braid %s: %s\nusage: braid %s %s\n(see 'braid %s --help')\n", a->cmd->name,
	        msg, a->cmd->name, a->cmd->usage ? a->cmd->usage : "", a->cmd->name);
	if (a->json) {
		json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", "usage", "message", msg);
		cli_print_json(j);
	}
	return CLI_USAGE;
}

static int find_opt(const cli_opt *opts, const char *name, size_t len, char short_name)
{
	int i;

	for (i = 0; opts && opts[i].name; i++) {
		if (short_name ? opts[i].short_name == short_name
		               : (strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len)))
			return i;
	}
	return -1;
}

int cli_parse(cli_args *a, const cli_command *cmd, int argc, char **argv)
{
	int i, only_args = 0;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->opts = cmd->opts;
	/* First pass: --json must be known before any error is printed. */
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--json"))
			a->json = true;
	}
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq, *name;
		size_t len;
		int idx;
		char sn = 0;

		if (only_args || arg[0] != '-' || !arg[1]) {
			if (a->npos == CLI_MAX_ARGS)
				return cli_usage_error(a, "too many arguments");
			a->pos[a->npos++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			only_args = 1;
			continue;
		}
		if (arg[1] != '-') {
			if (arg[2])
				return cli_usage_error(
				    a,
				    "unknown option '%s' (short options cannot be "
				    "combined)",
				    arg);
			sn = arg[1];
			name = arg + 1;
			len = 1;
			eq = NULL;
		} else {
			name = arg + 2;
			eq = strchr(name, '=');
			len = eq ? (size_t)(eq - name) : strlen(name);
		}
		if ((sn == 'h') || (!sn && len == 4 && !strncmp(name, "help", 4))) {
			print_help(cmd);
			return CLI_OK;
		}
		if (!sn && len == 4 && !strncmp(name, "json", 4)) {
			a->json = true;
			continue;
		}
		if ((!sn && len == 5 && !strncmp(name, "agent", 5)) || sn == 'C') {
			const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v || !*v)
				return cli_usage_error(a, "option '%s' needs a value", arg);
			if (sn == 'C')
				a->dir = v;
			else
				a->agent = v;
			continue;
		}
		idx = find_opt(cmd->opts, name, len, sn);
		if (idx < 0)
			return cli_usage_error(a, "unknown option '%s'", arg);
		a->set[idx] = 1;
		if (cmd->opts[idx].value == 0) {
			if (eq)
				return cli_usage_error(a, "option '--%s' takes no value",
				                       cmd->opts[idx].name);
		} else if (eq) {
			a->values[idx] = eq + 1;
		} else if (cmd->opts[idx].value == 1) {
			if (i + 1 >= argc)
				return cli_usage_error(a, "option '%s' needs a value", arg);
			a->values[idx] = argv[++i];
		} else if (i + 1 < argc && argv[i + 1][0] != '-' && cmd->opts[idx].value == 2 &&
		           strspn(argv[i + 1], "0123456789.smhd") == strlen(argv[i + 1])) {
			/* Optional value given as the next word only when it looks like one (a
			 * number/duration). */
			a->values[idx] = argv[++i];
		}
	}
	return -1;
}

const char *cli_opt_value(const cli_args *a, const char *name)
{
	int idx = find_opt(a->opts, name, strlen(name), 0);
	return idx >= 0 ? a->values[idx] : NULL;
}

bool cli_opt_set(const cli_args *a, const char *name)
{
	int idx = find_opt(a->opts, name, strlen(name), 0);
	return idx >= 0 && a->set[idx];
}

int cli_exit_code(int err)
{
	switch (err) {
	case 0:
		return CLI_OK;
	case BRAID_ECONFLICT:
	case BRAID_ELOCKED:
	case BRAID_EVERIFY:
		return CLI_NEGATIVE;
	case BRAID_EINVALID:
		return CLI_USAGE;
	case BRAID_ENOTFOUND:
		return CLI_NOTFOUND;
	case BRAID_ESTATE:
	case BRAID_EDENIED:
	case BRAID_ESTALE:
	case BRAID_EEXISTS:
		return CLI_STATE;
	case BRAID_EBUSY:
		return CLI_BUSY;
	default:
		return CLI_INTERNAL;
	}
}

static int fail_with(const cli_args *a, int err, const char *msg, json_t *details)
{
	if (!msg || !*msg)
		msg = "unknown error";
	fprintf(stderr, "error: %s\n", msg);
	if (a && a->json) {
		json_t *j = json_pack("{s:{s:s,s:s,s:i}}", "error", "code", braid_error_name(err),
		                      "message", msg, "exit", cli_exit_code(err));
		if (j && details)
			json_object_set(json_object_get(j, "error"), "details", details);
		cli_print_json(j);
	}
	return cli_exit_code(err);
}

int cli_fail(const cli_args *a, int err)
{
	return fail_with(a, err, braid_error_last(), NULL);
}

void cli_progress_cb(void *payload, const char *what, long waited_ms)
{
	(void)payload;
	cli_progress("braid: %s (%lds)\n", what, waited_ms / 1000);
}

int cli_call(braid_api_result *r, braid_ctx **ctx, const cli_args *a, const char *method,
             json_t *args)
{
	braid_api_call_options o = BRAID_API_CALL_OPTIONS_INIT;
	braid_ctx *c = NULL;
	int err;

	memset(r, 0, sizeof(*r));
	if (ctx)
		*ctx = NULL;
	if ((err = cli_open(&c, a)) < 0) {
		json_decref(args);
		return cli_fail(a, err);
	}
	o.flags = BRAID_API_CALL_OPERATOR;
	o.progress = cli_progress_cb;
	err = braid_api_call_ext(r, c, method, args, &o);
	json_decref(args);
	if (ctx)
		*ctx = c;
	else
		braid_ctx_free(c);
	if (err < 0)
		return fail_with(a, err, r->text, r->data);
	if (a->json)
		cli_print_json(json_incref(r->data));
	return 0;
}

void cli_call_done(braid_api_result *r, braid_ctx *ctx)
{
	braid_api_result_release(r);
	braid_ctx_free(ctx);
}

const char *cli_jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

long long cli_jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

bool cli_jbool(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

int cli_open(braid_ctx **out, const cli_args *a)
{
	braid_ctx *ctx = NULL;
	int err;

	if ((err = braid_ctx_open(&ctx, a->dir ? a->dir : ".")) < 0)
		return err;
	if ((err = braid_ctx_set_agent(ctx, a->agent)) < 0) {
		braid_ctx_free(ctx);
		return err;
	}
	*out = ctx;
	return 0;
}

void cli_print_json(json_t *j)
{
	if (!j) {
		fprintf(stderr, "error: out of memory building JSON output\n");
		return;
	}
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
}

const char *cli_time(char *buf, size_t n, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "?");
	return buf;
}

const char *cli_age(char *buf, size_t n, int64_t ms)
{
	struct timespec ts;
	int64_t now, d;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	d = (now - ms) / 1000;
	if (d < 0)
		d = 0;
	if (d < 120)
		snprintf(buf, n, "%llds", (long long)d);
	else if (d < 7200)
		snprintf(buf, n, "%lldm", (long long)d / 60);
	else if (d < 172800)
		snprintf(buf, n, "%lldh", (long long)d / 3600);
	else
		snprintf(buf, n, "%lldd", (long long)d / 86400);
	return buf;
}

char *cli_read_stdin(size_t *len, size_t max)
{
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	for (;;) {
		size_t got;
		if (*len == cap) {
			char *nb;
			cap = cap ? cap * 2 : 65536;
			if (cap > max + 1)
				cap = max + 1;
			if (*len == cap || !(nb = realloc(buf, cap + 1))) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + *len, 1, cap - *len, stdin);
		*len += got;
		if (!got)
			break;
	}
	buf[*len] = '\0';
	return buf;
}

void cli_print_tail(const char *text, size_t lines)
{
	const char *p = text + strlen(text);
	size_t n = 0;

	while (p > text && n <= lines)
		if (*--p == '\n')
			n++;
	if (p > text)
		p++;
	fputs(p, stdout);
	if (*text && text[strlen(text) - 1] != '\n')
		putchar('\n');
}

void cli_progress(const char *fmt, ...)
{
	va_list ap;
	const char *env = getenv("BRAID_PROGRESS");

	if (!(env ? strtol(env, NULL, 10) != 0 : isatty(2)))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fflush(stderr);
}
