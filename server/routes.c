/*
 * routes.c: the HTTP API's route table and matcher. Each route names the
 * api method it calls; {name} segments become that method's arguments.
 * Every path parameter is one segment of [A-Za-z0-9._-] (at most 128
 * bytes, never "." or ".."), and a URL with an empty, "." or ".." segment
 * (after percent-decoding) is refused before any route is tried, so no
 * parameter can walk out of its place.
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braid/common.h"

static const srv_route routes[] = {
    {"GET", "/v1/health", "@health"},
    {"GET", "/v1/methods", "@methods"},
    {"POST", "/v1/rpc/{method}", "@rpc"},
    {"GET", "/v1/events", "@events"},
    {"GET", "/v1/status", "status"},
    {"GET", "/v1/whoami", "whoami"},
    {"GET", "/v1/agents", "agents_list"},
    {"POST", "/v1/agents", "agent_add"},
    {"GET", "/v1/workspaces", "workspaces_list"},
    {"POST", "/v1/workspaces", "workspace_new"},
    {"GET", "/v1/workspaces/{workspace}", "workspace_show"},
    {"DELETE", "/v1/workspaces/{workspace}", "workspace_rm"},
    {"POST", "/v1/workspaces/{workspace}/submit", "submit"},
    {"POST", "/v1/workspaces/{workspace}/update", "update"},
    {"POST", "/v1/submit", "submit"},
    {"POST", "/v1/update", "update"},
    {"GET", "/v1/queue", "queue"},
    {"GET", "/v1/queue/status", "queue_status"},
    {"POST", "/v1/verify", "verify"},
    {"GET", "/v1/submissions/{id}", "submission_show"},
    {"GET", "/v1/conflicts", "conflicts_list"},
    {"GET", "/v1/conflicts/{id}", "conflict_show"},
    {"POST", "/v1/conflicts/{id}/resolve", "resolve"},
    {"GET", "/v1/ops", "op_log"},
    {"GET", "/v1/ops/verify", "op_verify"},
    {"GET", "/v1/ops/{id}", "op_show"},
    {"GET", "/v1/events/since", "events"},
    {"POST", "/v1/doctor", "doctor"},
    {"POST", "/v1/intents", "intent_declare"},
    {"DELETE", "/v1/intents", "intent_release"},
    {"POST", "/v1/intents/release", "intent_release"},
    {"POST", "/v1/intents/renew", "intent_renew"},
    {"GET", "/v1/locks", "intent_status"},
    {"GET", "/v1/read", "read_file"},
    {"POST", "/v1/write", "write_file"},
};

const srv_route *srv_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

static int segment_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 128 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Refuse URLs with empty, "." or ".." segments or control bytes, anywhere. */
static int url_ok(const char *url)
{
	const char *p = url, *q;

	if (*p != '/')
		return 0;
	for (q = url; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == '\\' || *q == 0x7f)
			return 0;
	while (*p == '/') {
		size_t n;
		p++;
		q = strchr(p, '/');
		n = q ? (size_t)(q - p) : strlen(p);
		if ((n == 0 && q) || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
	}
	return 1;
}

/* Match one pattern; on success fill m's params. Returns 1 on a match. */
static int match_one(srv_match *m, const char *pattern, const char *url, int *bad_param,
                     const char **bad_name)
{
	const char *p = pattern, *u = url;

	m->n = 0;
	while (*p && *u) {
		if (*p == '{') {
			const char *end = strchr(p, '}');
			const char *useg_end = strchr(u, '/');
			size_t ulen = useg_end ? (size_t)(useg_end - u) : strlen(u);
			if (!end || m->n == SRV_MAX_PARAMS)
				break; /* no match: the values taken so far are freed below */
			if (!segment_ok(u, ulen)) {
				*bad_param = 1;
				*bad_name = p; /* "{name}..." */
			}
			m->names[m->n] = p + 1; /* terminated by '}' */
			m->values[m->n] = strndup(u, ulen);
			m->n++;
			p = end + 1;
			u += ulen;
			continue;
		}
		if (*p != *u)
			break;
		p++;
		u++;
	}
	if (*p || *u) {
		size_t i;
		for (i = 0; i < m->n; i++) {
			free(m->values[i]);
			m->values[i] = NULL;
		}
		m->n = 0;
		return 0;
	}
	return 1;
}

int srv_route_match(srv_match *m, const char *verb, const char *url)
{
	size_t i;
	int bad = 0;
	const char *bad_name = NULL;

	memset(m, 0, sizeof(*m));
	if (!url_ok(url)) {
		snprintf(m->error, sizeof(m->error),
		         "the path has an empty, '.' or '..' segment or a control character");
		return BRAID_EINVALID;
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		srv_match t;
		int b = 0;
		const char *bn = NULL;
		memset(&t, 0, sizeof(t));
		if (!match_one(&t, routes[i].pattern, url, &b, &bn))
			continue;
		m->path_known = 1;
		if (strcmp(routes[i].verb, verb)) {
			size_t len = strlen(m->allow);
			snprintf(m->allow + len, sizeof(m->allow) - len, "%s%s", len ? ", " : "",
			         routes[i].verb);
			srv_match_release(&t);
			continue;
		}
		if (b) {
			bad = 1;
			bad_name = bn;
			srv_match_release(&t);
			continue;
		}
		t.route = &routes[i];
		t.path_known = 1;
		memcpy(t.allow, m->allow, sizeof(t.allow));
		*m = t;
		m->error[0] = '\0';
		return 0;
	}
	if (bad) {
		const char *end = strchr(bad_name, '}');
		snprintf(m->error, sizeof(m->error),
		         "path parameter '%.*s' must be 1-128 characters of [A-Za-z0-9._-], not "
		         "'.' or '..'",
		         (int)(end - bad_name - 1), bad_name + 1);
		return BRAID_EINVALID;
	}
	snprintf(m->error, sizeof(m->error), "no route %s %.200s", verb, url);
	return BRAID_ENOTFOUND;
}

void srv_match_release(srv_match *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->values[i]);
	memset(m, 0, sizeof(*m));
}
