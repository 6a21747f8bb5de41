/* cmd_serve.c: `braid serve` — the HTTP/JSON API, server-sent events and the dashboard. */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../server/server.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static const cli_opt opts[] = {
    {"listen", 'l', 1, "HOST:PORT to listen on (default 127.0.0.1:7420; port 0 picks one)"},
    {"allow-remote", 0, 0, "allow a non-loopback listen address (put TLS in front)"},
    {"max-body", 0, 1, "largest request body in bytes (default 1048576)"},
    {"threads", 0, 1, "HTTP threads (default: two per CPU)"},
    {"workers", 0, 1, "threads for submit/update/resolve (default 4)"},
    {"batch", 0, 1,
     "most intent calls committed in one transaction (default 256; 0: no group commit)"},
    {0},
};

static int number(const cli_args *a, const char *name, long long min, long long max, long long *out)
{
	const char *v = cli_opt_value(a, name);
	char *end;

	if (!v)
		return 0;
	*out = strtoll(v, &end, 10);
	if (*end || *out < min || *out > max)
		return cli_usage_error(a, "--%s needs a number from %lld to %lld", name, min, max);
	return 0;
}

static int cmd_serve(cli_args *a)
{
	braid_server_options o = {0};
	struct sigaction sa;
	long long v;
	int err;

	if (a->npos)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	o.listen = cli_opt_value(a, "listen");
	o.allow_remote = cli_opt_set(a, "allow-remote");
	v = 0;
	if ((err = number(a, "max-body", 1024, 1LL << 30, &v)) != 0)
		return err;
	o.max_body = (size_t)v;
	v = 0;
	if ((err = number(a, "threads", 1, 256, &v)) != 0)
		return err;
	o.threads = (unsigned)v;
	v = 0;
	if ((err = number(a, "workers", 1, 256, &v)) != 0)
		return err;
	o.workers = (unsigned)v;
	v = BRAID_SERVER_DEFAULT_BATCH;
	if ((err = number(a, "batch", 0, 65536, &v)) != 0)
		return err;
	o.batch = v ? (int)v : -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	braid_error_clear();
	if ((err = braid_server_run(a->dir ? a->dir : ".", &o, &stop_flag)) < 0) {
		/* Listening problems are reported by the server itself; library ones here. */
		if (!*braid_error_last())
			return err == BRAID_EINVALID || err == BRAID_EDENIED ? CLI_USAGE
			                                                     : CLI_INTERNAL;
		return cli_fail(a, err);
	}
	return CLI_OK;
}

CLI_COMMAND(serve, "serve", cmd_serve, opts, "[--listen HOST:PORT] [--allow-remote]",
            "serve the HTTP/JSON API, live events and the dashboard for this repository",
            "Every agent authenticates with its own bearer token (.braid/tokens/NAME); the\n"
            "dashboard's read-only token is .braid/tokens/viewer. Routes are under /v1/ (see\n"
            "docs/api.md); /v1/events streams server-sent events; / is the dashboard.\n"
            "Stop it with SIGINT or SIGTERM.")
