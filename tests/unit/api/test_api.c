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
	CHECK_INT(call(&r, ctx, "op_log", "{\"limit\": 0}", 0), BRAID_EINVALID);
	CHECK_STR(r.text, "argument 'limit' must be at least 1");
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
