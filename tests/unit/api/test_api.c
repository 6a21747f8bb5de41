/*
 * test_api.c: the JSON method layer the fronts share: schemas, argument
 * checks, read-only callers, the workspace a call acts on, results of the
 * core methods, the event feed, token authentication and path location.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braid/agent.h"
#include "braid/api.h"
#include "braid/ctx.h"
#include "braid/workspace.h"
#include "harness.h"

static void sh(const char *cmd)
{
	if (system(cmd) != 0)
		braid_test_fail(__FILE__, __LINE__, "command failed: %s", cmd);
}

/* A repository with braid set up and agents alice and bob, each with a workspace. */
static braid_ctx *fixture(void)
{
	braid_ctx *ctx = NULL;
	braid_agent *a = NULL;
	braid_workspace *w = NULL;
	int created;

	sh("git init -q -b main repo && cd repo && git config user.email t@t && git config "
	   "user.name t && printf 'one\\ntwo\\nthree\\n' > a.txt && git add a.txt && git commit "
	   "-qm "
	   "init");
	CHECK_OK(braid_init(&ctx, &created, "repo", NULL));
	CHECK_OK(braid_agent_add(&a, NULL, ctx, "alice", NULL));
	braid_agent_free(a);
	CHECK_OK(braid_agent_add(&a, NULL, ctx, "bob", NULL));
	braid_agent_free(a);
	CHECK_OK(braid_workspace_new(&w, ctx, "alice", NULL));
	braid_workspace_free(w);
	CHECK_OK(braid_workspace_new(&w, ctx, "bob", NULL));
	braid_workspace_free(w);
	return ctx;
}

static int call(braid_api_result *r, braid_ctx *ctx, const char *method, const char *args,
                unsigned flags)
{
	json_t *j = args ? json_loads(args, 0, NULL) : NULL;
	int err;

	if (args && !j)
		braid_test_fail(__FILE__, __LINE__, "bad test JSON: %s", args);
	err = braid_api_call(r, ctx, method, j, flags);
	json_decref(j);
	return err;
}

TEST(api_every_schema_parses_and_is_an_object)
{
	size_t i, n = braid_api_method_count();

	CHECK(n >= 15);
	for (i = 0; i < n; i++) {
		const braid_api_method *m = braid_api_method_at(i);
		json_t *s = json_loads(m->input_schema, 0, NULL);
		if (!s)
			braid_test_fail(__FILE__, __LINE__, "schema of %s does not parse", m->name);
		CHECK_STR(json_string_value(json_object_get(s, "type")), "object");
		CHECK(json_is_object(json_object_get(s, "properties")));
		CHECK(strlen(m->name) <= 64 &&
		      strspn(m->name, "abcdefghijklmnopqrstuvwxyz_") == strlen(m->name));
		CHECK(m->description && *m->description);
		CHECK(braid_api_method_find(m->name) == m);
		json_decref(s);
	}
	CHECK(braid_api_method_find("nope") == NULL);
}

TEST(api_arguments_are_checked_against_the_schema)
{
	braid_ctx *ctx = fixture();
	braid_api_result r;

	CHECK_INT(call(&r, ctx, "conflict_show", "{}", 0), BRAID_EINVALID);
	CHECK_STR(r.text, "missing required argument 'id'");
	braid_api_result_release(&r);
	CHECK_INT(call(&r, ctx, "op_log", "{\"limit\": \"ten\"}", 0), BRAID_EINVALID);
	CHECK_STR(r.text, "argument 'limit' must be an integer, not a string");
	braid_api_result_release(&r);
	CHECK_INT(call(&r, ctx, "op_log", "{\"limit\": -1}", 0), BRAID_EINVALID);
	CHECK_STR(r.text, "argument 'limit' must be at least 0");
	braid_api_result_release(&r);
	CHECK_INT(call(&r, ctx, "status", "{\"verbose\": true}", 0), BRAID_EINVALID);
	CHECK_STR(r.text, "unknown argument 'verbose' (this takes none)");
	braid_api_result_release(&r);
	CHECK_INT(call(&r, ctx, "conflicts_list", "{\"state\": \"shut\"}", 0), BRAID_EINVALID);
	CHECK(strstr(r.text, "must be one of 'open'"));
	braid_api_result_release(&r);
	CHECK_INT(call(&r, ctx, "submit", "{\"wait\": 1, \"bogus\": 2}", 0), BRAID_EINVALID);
	braid_api_result_release(&r);
	CHECK_INT(call(&r, ctx, "no_such_method", NULL, 0), BRAID_ENOTFOUND);
	CHECK_STR(r.text, "unknown method 'no_such_method'");
	braid_api_result_release(&r);
	/* null counts as not given */
	CHECK_OK(call(&r, ctx, "op_log", "{\"limit\": null, \"kind\": null}", 0));
	braid_api_result_release(&r);
	braid_ctx_free(ctx);
}

TEST(api_read_only_callers_cannot_write)
{
	braid_ctx *ctx = fixture();
	braid_api_result r;

	CHECK_OK(braid_ctx_set_agent(ctx, "alice"));
	CHECK_INT(call(&r, ctx, "submit", NULL, BRAID_API_CALL_READONLY), BRAID_EDENIED);
	CHECK(strstr(r.text, "read-only"));
	braid_api_result_release(&r);
	CHECK_OK(call(&r, ctx, "status", NULL, BRAID_API_CALL_READONLY));
	braid_api_result_release(&r);
	braid_ctx_free(ctx);
}

TEST(api_submit_lands_and_events_follow_the_op_log)
{
	braid_ctx *ctx = fixture();
	braid_api_result r;
	json_t *ev = NULL;
	int64_t seq0, last;
	size_t i;
	int landed = 0, behind_bob = 0, ops = 0;

	CHECK_OK(call(&r, ctx, "status", NULL, 0));
	seq0 = json_integer_value(json_object_get(r.data, "last_seq"));
	CHECK(seq0 > 0);
	CHECK_INT(json_array_size(json_object_get(r.data, "workspaces")), 2);
	braid_api_result_release(&r);

	/* No acting agent: a workspace method says how to get one. */
	CHECK_INT(call(&r, ctx, "submit", NULL, 0), BRAID_ESTATE);
	braid_api_result_release(&r);

	sh("printf 'one\\ntwo\\nthree\\nfour\\n' > repo/.braid/ws/alice/a.txt");
	CHECK_OK(braid_ctx_set_agent(ctx, "alice"));
	CHECK_OK(call(&r, ctx, "submit", "{\"message\": \"add four\"}", 0));
	CHECK_STR(json_string_value(json_object_get(r.data, "state")), "landed");
	CHECK_STR(json_string_value(json_object_get(r.data, "workspace")), "alice");
	CHECK(strstr(r.text, "landed submission 1 on main"));
	braid_api_result_release(&r);

	/* bob may not submit alice's workspace */
	CHECK_OK(braid_ctx_set_agent(ctx, "bob"));
	CHECK_INT(call(&r, ctx, "submit", "{\"workspace\": \"alice\"}", 0), BRAID_EDENIED);
	CHECK(strstr(r.text, "belongs to agent 'alice'"));
	braid_api_result_release(&r);

	CHECK_OK(braid_api_events(&ev, &last, ctx, seq0, 0));
	CHECK(last > seq0);
	for (i = 0; i < json_array_size(ev); i++) {
		json_t *e = json_array_get(ev, i);
		const char *name = json_string_value(json_object_get(e, "event"));
		json_t *d = json_object_get(e, "data");
		if (!strcmp(name, "op"))
			ops++;
		if (!strcmp(name, "landed")) {
			landed++;
			CHECK_STR(json_string_value(json_object_get(d, "agent")), "alice");
			CHECK_INT(json_integer_value(json_object_get(d, "submission")), 1);
		}
		if (!strcmp(name, "workspace.behind") &&
		    !strcmp(json_string_value(json_object_get(d, "workspace")), "bob"))
			behind_bob++;
	}
	CHECK_INT(landed, 1);
	CHECK_INT(behind_bob, 1);
	CHECK(ops >= 2);
	json_decref(ev);

	/* the events method: nothing new after `last` */
	{
		char args[64];
		snprintf(args, sizeof(args), "{\"after\": %lld}", (long long)last);
		CHECK_OK(call(&r, ctx, "events", args, 0));
		CHECK_INT(json_array_size(json_object_get(r.data, "events")), 0);
		CHECK_INT(json_integer_value(json_object_get(r.data, "last_seq")), last);
		braid_api_result_release(&r);
	}

	CHECK_OK(call(&r, ctx, "update", NULL, 0));
	CHECK_STR(json_string_value(json_object_get(r.data, "state")), "updated");
	braid_api_result_release(&r);
	CHECK_OK(call(&r, ctx, "queue", "{\"state\": \"landed\"}", 0));
	CHECK_INT(json_array_size(json_object_get(r.data, "submissions")), 1);
	braid_api_result_release(&r);
	braid_ctx_free(ctx);
}

TEST(api_conflict_show_and_resolve)
{
	braid_ctx *ctx = fixture();
	braid_api_result r;
	char id[64], args[128];

	sh("printf 'one\\nTWO-alice\\nthree\\n' > repo/.braid/ws/alice/a.txt");
	sh("printf 'one\\nTWO-bob\\nthree\\n' > repo/.braid/ws/bob/a.txt");
	CHECK_OK(braid_ctx_set_agent(ctx, "alice"));
	CHECK_OK(call(&r, ctx, "submit", NULL, 0));
	braid_api_result_release(&r);
	CHECK_OK(braid_ctx_set_agent(ctx, "bob"));
	CHECK_OK(call(&r, ctx, "submit", NULL, 0));
	CHECK_STR(json_string_value(json_object_get(r.data, "state")), "conflicted");
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(r.data, "conflict")));
	CHECK(strstr(r.text, "next: conflict_show"));
	braid_api_result_release(&r);

	snprintf(args, sizeof(args), "{\"id\": \"%s\"}", id);
	CHECK_OK(call(&r, ctx, "conflict_show", args, 0));
	{
		json_t *f = json_array_get(json_object_get(r.data, "files"), 0);
		json_t *content = json_object_get(f, "content");
		CHECK_STR(json_string_value(json_object_get(f, "path")), "a.txt");
		CHECK_STR(json_string_value(json_object_get(content, "submitted")),
		          "one\nTWO-bob\nthree\n");
	}
	braid_api_result_release(&r);
	CHECK_OK(call(&r, ctx, "conflicts_list", NULL, 0));
	CHECK_INT(json_array_size(json_object_get(r.data, "conflicts")), 1);
	braid_api_result_release(&r);
	CHECK_OK(call(&r, ctx, "resolve", args, 0));
	CHECK_STR(
	    json_string_value(json_array_get(json_object_get(r.data, "files_with_markers"), 0)),
	    "a.txt");
	braid_api_result_release(&r);
	CHECK_INT(call(&r, ctx, "conflict_show", "{\"id\": \"ffffffff\"}", 0), BRAID_ENOTFOUND);
	braid_api_result_release(&r);
	braid_ctx_free(ctx);
}

TEST(api_authenticate_agent_and_viewer_tokens)
{
	braid_ctx *ctx = fixture();
	braid_agent *a = NULL;
	char *token = NULL, *name = NULL, *viewer = NULL;
	int ro = -1;

	CHECK_OK(braid_agent_add(&a, &token, ctx, "carol", NULL));
	CHECK_OK(braid_api_authenticate(&name, &ro, ctx, token));
	CHECK_STR(name, "carol");
	CHECK_INT(ro, 0);
	free(name);
	CHECK_OK(braid_agent_viewer_token(&viewer, ctx));
	CHECK_OK(braid_api_authenticate(&name, &ro, ctx, viewer));
	CHECK(name == NULL);
	CHECK_INT(ro, 1);
	CHECK_INT(braid_api_authenticate(&name, &ro, ctx, "bt_nope"), BRAID_EDENIED);
	CHECK_INT(braid_api_authenticate(&name, &ro, ctx, ""), BRAID_EDENIED);
	CHECK_INT(braid_api_authenticate(&name, &ro, ctx, NULL), BRAID_EDENIED);
	free(viewer);
	free(token);
	braid_agent_free(a);
	braid_ctx_free(ctx);
}

TEST(api_locate_paths)
{
	braid_ctx *ctx = fixture();
	char *ws = NULL, *rel = NULL, p[4200];

	snprintf(p, sizeof(p), "%s/.braid/ws/alice/src/new.c", braid_ctx_root(ctx));
	CHECK_OK(braid_api_locate(&ws, &rel, ctx, p));
	CHECK_STR(ws, "alice");
	CHECK_STR(rel, "src/new.c");
	free(ws);
	free(rel);
	snprintf(p, sizeof(p), "%s/a.txt", braid_ctx_root(ctx));
	CHECK_OK(braid_api_locate(&ws, &rel, ctx, p));
	CHECK(ws == NULL);
	CHECK_STR(rel, "a.txt");
	free(rel);
	snprintf(p, sizeof(p), "%s/.braid/ws/alice/../bob/a.txt", braid_ctx_root(ctx));
	CHECK_OK(braid_api_locate(&ws, &rel, ctx, p));
	CHECK_STR(ws, "bob");
	free(ws);
	free(rel);
	snprintf(p, sizeof(p), "%s/.git/config", braid_ctx_root(ctx));
	CHECK_INT(braid_api_locate(&ws, &rel, ctx, p), BRAID_EINVALID);
	snprintf(p, sizeof(p), "%s/.braid/state.db", braid_ctx_root(ctx));
	CHECK_INT(braid_api_locate(&ws, &rel, ctx, p), BRAID_EINVALID);
	CHECK_INT(braid_api_locate(&ws, &rel, ctx, "/etc/passwd"), BRAID_ENOTFOUND);
	braid_ctx_free(ctx);
}

TEST(api_intents_declare_refuse_with_details_and_release)
{
	braid_ctx *ctx = fixture();
	braid_api_result r;
	json_t *ev = NULL;
	int64_t seq0 = 0, last;
	size_t i;
	int granted = 0, released = 0;

	CHECK_OK(call(&r, ctx, "status", NULL, 0));
	seq0 = json_integer_value(json_object_get(r.data, "last_seq"));
	braid_api_result_release(&r);
	CHECK_OK(braid_ctx_set_agent(ctx, "alice"));
	CHECK_OK(call(&r, ctx, "intent_declare",
	              "{\"targets\": [\"a.txt\"], \"level\": \"L4\", \"activity\": \"rewrite\"}",
	              0));
	CHECK(json_is_true(json_object_get(r.data, "granted")));
	CHECK(json_integer_value(json_object_get(r.data, "token")) > 0);
	braid_api_result_release(&r);

	CHECK_OK(braid_ctx_set_agent(ctx, "bob"));
	CHECK_INT(call(&r, ctx, "intent_declare", "{\"targets\": [\"a.txt\"]}", 0), BRAID_ELOCKED);
	CHECK(strstr(r.text, "alice"));
	CHECK_STR(json_string_value(json_object_get(
	              json_array_get(json_object_get(r.data, "held_by"), 0), "agent")),
	          "alice");
	CHECK_INT(json_integer_value(json_object_get(r.data, "position")), 1);
	braid_api_result_release(&r);
	CHECK_INT(call(&r, ctx, "intent_declare", "{\"targets\": []}", 0), BRAID_EINVALID);
	CHECK_STR(r.text, "argument 'targets' needs at least 1 item");
	braid_api_result_release(&r);
	CHECK_INT(
	    call(&r, ctx, "intent_declare", "{\"targets\": [\"a.txt\"], \"ttl\": \"soon\"}", 0),
	    BRAID_EINVALID);
	braid_api_result_release(&r);

	CHECK_OK(call(&r, ctx, "intent_status", NULL, 0));
	CHECK_INT(json_array_size(json_object_get(r.data, "held")), 1);
	braid_api_result_release(&r);

	CHECK_OK(braid_ctx_set_agent(ctx, "alice"));
	CHECK_OK(call(&r, ctx, "intent_release", "{}", 0));
	CHECK_INT(json_integer_value(json_object_get(r.data, "released")), 1);
	braid_api_result_release(&r);

	CHECK_OK(braid_api_events(&ev, &last, ctx, seq0, 0));
	for (i = 0; i < json_array_size(ev); i++) {
		const char *e = json_string_value(json_object_get(json_array_get(ev, i), "event"));
		granted += !strcmp(e, "lock.granted");
		released += !strcmp(e, "lock.released");
	}
	CHECK_INT(granted, 1);
	CHECK_INT(released, 1);
	json_decref(ev);
	braid_ctx_free(ctx);
}

TEST(api_read_and_write_with_hash)
{
	braid_ctx *ctx = fixture();
	braid_api_result r;
	char args[512], hash[80];

	CHECK_OK(braid_ctx_set_agent(ctx, "alice"));
	CHECK_OK(call(&r, ctx, "read_file", "{\"spec\": \"a.txt\"}", 0));
	CHECK_STR(json_string_value(json_object_get(r.data, "content")), "one\ntwo\nthree\n");
	snprintf(hash, sizeof(hash), "%s", json_string_value(json_object_get(r.data, "hash")));
	braid_api_result_release(&r);
	CHECK_INT(call(&r, ctx, "read_file", "{\"spec\": \"../etc/passwd\"}", 0), BRAID_EINVALID);
	braid_api_result_release(&r);
	snprintf(args, sizeof(args),
	         "{\"spec\": \"a.txt\", \"if_hash\": \"%s\", \"content\": \"x\\n\"}", hash);
	CHECK_OK(call(&r, ctx, "write_file", args, 0));
	braid_api_result_release(&r);
	CHECK_INT(call(&r, ctx, "write_file", args, 0), BRAID_ESTALE);
	braid_api_result_release(&r);
	braid_ctx_free(ctx);
}

TEST(api_binary_content_goes_as_base64)
{
	braid_ctx *ctx = fixture();
	braid_api_result r;
	char args[512], hash[80];

	sh("printf 'a\\000b' > repo/.braid/ws/alice/bin.dat");
	CHECK_OK(braid_ctx_set_agent(ctx, "alice"));
	CHECK_OK(call(&r, ctx, "read_file", "{\"spec\": \"bin.dat\"}", 0));
	CHECK(json_object_get(r.data, "content") == NULL);
	CHECK(json_is_true(json_object_get(r.data, "binary")));
	CHECK_STR(json_string_value(json_object_get(r.data, "content_base64")), "YQBi");
	snprintf(hash, sizeof(hash), "%s", json_string_value(json_object_get(r.data, "hash")));
	braid_api_result_release(&r);
	snprintf(args, sizeof(args),
	         "{\"spec\": \"bin.dat\", \"if_hash\": \"%s\", \"content_base64\": \"AAEC\"}",
	         hash);
	CHECK_OK(call(&r, ctx, "write_file", args, 0));
	CHECK_INT(json_integer_value(json_object_get(r.data, "bytes")), 3);
	braid_api_result_release(&r);
	/* One of content and content_base64, not both and not neither. */
	CHECK_INT(call(&r, ctx, "write_file", "{\"spec\": \"bin.dat\", \"if_hash\": \"x\"}", 0),
	          BRAID_EINVALID);
	braid_api_result_release(&r);
	braid_ctx_free(ctx);
}

TEST(api_operator_administers_without_a_role)
{
	braid_ctx *ctx = fixture();
	braid_api_call_options op = BRAID_API_CALL_OPTIONS_INIT;
	braid_api_result r;
	json_t *args = json_pack("{s:s}", "agent", "bob");

	/* A worker may not create another agent's workspace, nor choose a path... */
	CHECK_OK(braid_ctx_set_agent(ctx, "alice"));
	CHECK_INT(braid_api_call(&r, ctx, "workspace_new", args, 0), BRAID_EDENIED);
	braid_api_result_release(&r);
	CHECK_INT(call(&r, ctx, "workspace_new", "{\"path\": \"/tmp/elsewhere\"}", 0),
	          BRAID_EDENIED);
	braid_api_result_release(&r);
	CHECK_INT(call(&r, ctx, "agent_add", "{\"name\": \"carol\"}", 0), BRAID_EDENIED);
	braid_api_result_release(&r);
	/* ...the local operator (the CLI) may, with or without an acting agent. */
	op.flags = BRAID_API_CALL_OPERATOR;
	CHECK_OK(braid_api_call_ext(&r, ctx, "workspace_new", args, &op));
	CHECK_STR(json_string_value(json_object_get(r.data, "agent")), "bob");
	braid_api_result_release(&r);
	CHECK_OK(braid_ctx_set_agent(ctx, NULL));
	json_decref(args);
	args = json_pack("{s:s}", "name", "carol");
	CHECK_OK(braid_api_call_ext(&r, ctx, "agent_add", args, &op));
	CHECK(json_string_value(json_object_get(r.data, "token")) != NULL);
	braid_api_result_release(&r);
	json_decref(args);
	args = json_pack("{s:s, s:b}", "workspace", "alice", "force", 1);
	CHECK_OK(braid_api_call_ext(&r, ctx, "workspace_rm", args, &op));
	braid_api_result_release(&r);
	json_decref(args);
	/* The queue as the driver sees it, and a submission with its (no) gate runs. */
	CHECK_OK(call(&r, ctx, "queue_status", "{\"recent\": 3}", 0));
	CHECK_STR(json_string_value(json_object_get(r.data, "mode")), "fifo");
	CHECK(json_is_array(json_object_get(r.data, "queue")));
	braid_api_result_release(&r);
	braid_ctx_free(ctx);
}

/* A repository like fixture()'s in directory `dir` (relative to the test's own). */
static void fixture_at(const char *dir)
{
	char cmd[1024];
	braid_ctx *ctx = NULL;
	braid_agent *a = NULL;
	int created;

	snprintf(cmd, sizeof(cmd),
	         "git init -q -b main %s && cd %s && git config user.email t@t && git config "
	         "user.name t && printf 'one\\ntwo\\nthree\\n' > a.txt && git add a.txt && git "
	         "commit -qm init",
	         dir, dir);
	sh(cmd);
	CHECK_OK(braid_init(&ctx, &created, dir, NULL));
	CHECK_OK(braid_agent_add(&a, NULL, ctx, "alice", NULL));
	braid_agent_free(a);
	CHECK_OK(braid_agent_add(&a, NULL, ctx, "bob", NULL));
	braid_agent_free(a);
	braid_ctx_free(ctx);
}

/* Drop what differs between two repositories or two moments: times, agent ids, messages. */
static void strip_volatile(json_t *j)
{
	static const char *const keys[] = {"expires_at", "granted_at", "agent_id",    "message",
	                                   "yield_by",   "since",      "alive_until", "at"};
	size_t i;

	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			json_object_del(j, keys[i]);
		json_object_foreach(j, k, v)
			strip_volatile(v);
	} else if (json_is_array(j)) {
		for (i = 0; i < json_array_size(j); i++)
			strip_volatile(json_array_get(j, i));
	}
}

/*
 * braid_api_call_batch answers each call as braid_api_call does alone:
 * batchable intent calls, calls that run alone in between (a declaration
 * that waits, whoami), refusals before anything runs (schema, read-only).
 */
TEST(api_call_batch_answers_as_one_by_one)
{
	static const struct {
		const char *agent, *method, *args;
		unsigned flags;
	} calls[] = {
	    {"alice", "intent_declare", "{\"targets\": [\"a.txt\"], \"level\": \"L4\"}", 0},
	    {"bob", "intent_declare", "{\"targets\": [\"a.txt\"], \"level\": \"L2\"}", 0},
	    {"bob", "intent_declare", "{\"targets\": [\"a.txt\"], \"level\": \"L9\"}", 0},
	    {"bob", "intent_declare", "{\"targets\": [\"a.txt\"], \"wait\": 0.2}", 0},
	    {"alice", "whoami", "{}", 0},
	    {NULL, "intent_release", "{}", BRAID_API_CALL_READONLY},
	    {"alice", "intent_release", "{\"token\": 1}", 0},
	    {"bob", "intent_declare", "{\"targets\": [\"a.txt\", \"b/\"], \"level\": \"L2\"}", 0},
	    {"bob", "intent_renew", "{\"ttl\": \"1h\"}", 0},
	    {"bob", "intent_release", "{\"targets\": [\"a.txt\"], \"token\": 2}", 0},
	    {"carol", "intent_declare", "{\"targets\": [\"a.txt\"]}", 0},
	    {"alice", "no_such_method", "{}", 0},
	    {"alice", "intent_release", "{\"token\": 1}", 0},
	    {"bob", "intent_release", "{}", 0},
	};
	enum { N = sizeof(calls) / sizeof(calls[0]) };
	braid_api_batch_item items[N];
	braid_api_result one[N];
	json_t *args[N];
	braid_ctx *ctx = NULL;
	size_t i;

	fixture_at("one");
	fixture_at("batch");
	for (i = 0; i < N; i++) {
		CHECK((args[i] = json_loads(calls[i].args, 0, NULL)));
		CHECK_OK(braid_ctx_open(&ctx, "one"));
		if (calls[i].agent && braid_ctx_set_agent(ctx, calls[i].agent) < 0) {
			memset(&one[i], 0, sizeof(one[i]));
			one[i].code = BRAID_ENOTFOUND;
			one[i].text = strdup(braid_error_last());
		} else if (braid_api_call(&one[i], ctx, calls[i].method, args[i], calls[i].flags) <
		           0) {
			braid_error_clear();
		}
		braid_ctx_free(ctx);
		memset(&items[i], 0, sizeof(items[i]));
		items[i].method = calls[i].method;
		items[i].agent = calls[i].agent;
		items[i].args = args[i];
		items[i].flags = calls[i].flags;
	}
	CHECK_OK(braid_ctx_open(&ctx, "batch"));
	CHECK_OK(braid_api_call_batch(ctx, items, N));
	CHECK(braid_ctx_agent_id(ctx) == NULL); /* the context's own (none) is kept */
	braid_ctx_free(ctx);
	for (i = 0; i < N; i++) {
		braid_api_result *a = &one[i], *b = &items[i].result;
		/* Times in the text, and whoami's agent id, differ. */
		const char *cut = !a->text ? NULL
		                  : !strcmp(calls[i].method, "whoami")
		                      ? a->text
		                      : strstr(a->text, "lease ends");
		size_t n = cut ? (size_t)(cut - a->text) : a->text ? strlen(a->text) : 0;
		if (a->code != b->code)
			fprintf(stderr, "call %zu: %d (%s) alone, %d (%s) in the batch\n", i,
			        a->code, a->text ? a->text : "", b->code, b->text ? b->text : "");
		CHECK_INT(a->code, b->code);
		CHECK((a->text == NULL) == (b->text == NULL));
		if (a->text && strncmp(a->text, b->text, n))
			fprintf(stderr, "call %zu:\n  alone: %s\n  batch: %s\n", i, a->text,
			        b->text);
		CHECK(!a->text || !strncmp(a->text, b->text, n));
		CHECK((a->data == NULL) == (b->data == NULL));
		if (a->data && !json_is_object(a->data)) {
			CHECK(json_equal(a->data, b->data));
		} else if (a->data && strcmp(calls[i].method, "whoami")) {
			strip_volatile(a->data);
			strip_volatile(b->data);
			if (!json_equal(a->data, b->data)) {
				char *x = json_dumps(a->data, JSON_SORT_KEYS),
				     *y = json_dumps(b->data, JSON_SORT_KEYS);
				fprintf(stderr, "call %zu:\n  alone: %s\n  batch: %s\n", i, x, y);
				free(x);
				free(y);
				CHECK(0);
			}
		}
		if (getenv("BRAID_TEST_VERBOSE"))
			fprintf(stderr, "call %zu: %d %s\n", i, b->code, b->text ? b->text : "");
		braid_api_result_release(a);
		braid_api_result_release(b);
		json_decref(args[i]);
	}
}
