/*
 * test_batch.c: braid_intent_batch (group commit) answers exactly as the
 * same requests made one by one: the same grants and refusals, the same
 * fencing tokens, the same preemptions and notices, and the same ops in
 * the log, in the same order. Two identical repositories are driven with
 * one script of requests: one by one in the first, as one batch in the
 * second. Also: a failure inside the shared transaction (an agent whose
 * key is gone) falls back to one transaction per request with the same
 * answers; many agents asking for one target in one batch get one grant.
 */
#include "intent_test.h"

#include <jansson.h>

#include "util/buf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A braid repository like it_setup's at <tmp>/<name>, with agents. */
static const char *setup_at(const char *name, char *dir, size_t size)
{
	braid_ctx *ctx = NULL;
	int created = 0;

	snprintf(dir, size, "%s/%s", braid_test_tmpdir(), name);
	fx_repo(dir, "src/db.c", DB_C, "app/models.py", MODELS_PY, "README", "hello\n",
	        "src/net/http.c", "int http(void) { return 0; }\n", "include/api.h",
	        "int api(void);\n", NULL);
	CHECK_OK(braid_init(&ctx, &created, dir, NULL));
	braid_ctx_free(ctx);
	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	it_add_agent(dir, "carol");
	return dir;
}

/* One request of the script. */
typedef struct step {
	braid_intent_batch_op op;
	const char *agent;
	const char *targets[3];
	int level;
	int64_t token;
	int64_t ttl_ms;
} step;

static size_t ntargets(const step *s)
{
	size_t n = 0;
	while (n < 3 && s->targets[n])
		n++;
	return n;
}

static void to_item(braid_intent_batch_item *it, const step *s)
{
	braid_intent_batch_item init = BRAID_INTENT_BATCH_ITEM_INIT;

	*it = init;
	it->op = s->op;
	it->agent = s->agent;
	it->targets = s->targets;
	it->ntargets = ntargets(s);
	it->opts.level = s->level;
	it->opts.activity = "batch test";
	it->token = s->token;
	it->ttl_ms = s->ttl_ms;
}

/* The same request through the one-by-one calls, answered into `it`. */
static void run_one(const char *dir, braid_intent_batch_item *it, const step *s)
{
	braid_ctx *ctx = NULL;
	int err;

	to_item(it, s);
	CHECK_OK(braid_ctx_open(&ctx, dir));
	if ((err = braid_ctx_set_agent(ctx, s->agent)) < 0)
		goto fail;
	switch (s->op) {
	case BRAID_INTENT_BATCH_ACQUIRE:
		err = braid_intent_acquire(&it->result, ctx, it->targets, it->ntargets, &it->opts);
		break;
	case BRAID_INTENT_BATCH_RELEASE:
		err = braid_intent_release(&it->count, ctx, it->targets, it->ntargets);
		break;
	case BRAID_INTENT_BATCH_RELEASE_TOKEN:
		err = braid_intent_release_token(ctx, it->token);
		it->count = err == 0;
		break;
	case BRAID_INTENT_BATCH_RENEW:
		err = braid_intent_renew(&it->count, ctx, it->targets, it->ntargets, it->ttl_ms);
		break;
	}
fail:
	it->code = err < 0 ? err : 0;
	if (err < 0)
		it->message = strdup(braid_error_last());
	braid_ctx_free(ctx);
}

/*
 * Messages carry times ("lease ends 12:00:01 (in 30m 0s)") and agent ids,
 * which differ between the two repositories: compare what comes before.
 */
static void check_message(const char *a, const char *b)
{
	static const char *const cuts[] = {"lease ends", "of agent 'ag-"};
	size_t n, k;

	CHECK((a == NULL) == (b == NULL));
	if (!a)
		return;
	n = strlen(a);
	for (k = 0; k < 2; k++) {
		const char *cut = strstr(a, cuts[k]);
		if (cut && (size_t)(cut - a) < n)
			n = (size_t)(cut - a);
	}
	if (strncmp(a, b, n)) {
		fprintf(stderr, "one by one: %s\nbatch:      %s\n", a, b);
		CHECK(0);
	}
}

static void check_same(const braid_intent_batch_item *a, const braid_intent_batch_item *b,
                       size_t step_no)
{
	size_t i;

	if (a->code != b->code)
		fprintf(stderr, "step %zu: code %d one by one (%s), %d in the batch (%s)\n",
		        step_no, a->code, a->message ? a->message : "", b->code,
		        b->message ? b->message : "");
	CHECK_INT(a->code, b->code);
	check_message(a->message, b->message);
	CHECK_INT(a->count, b->count);
	CHECK((a->result == NULL) == (b->result == NULL));
	if (!a->result)
		return;
	CHECK_INT(a->result->granted, b->result->granted);
	CHECK_INT(a->result->token, b->result->token);
	CHECK_INT(a->result->nholds, b->result->nholds);
	for (i = 0; i < a->result->nholds; i++) {
		CHECK_STR(a->result->holds[i].target, b->result->holds[i].target);
		CHECK_INT(a->result->holds[i].level, b->result->holds[i].level);
		CHECK_INT(a->result->holds[i].token, b->result->holds[i].token);
		CHECK_STR(a->result->holds[i].agent_name, b->result->holds[i].agent_name);
	}
	CHECK_INT(a->result->nblockers, b->result->nblockers);
	for (i = 0; i < a->result->nblockers; i++) {
		CHECK_STR(a->result->blockers[i].target, b->result->blockers[i].target);
		CHECK_STR(a->result->blockers[i].agent_name, b->result->blockers[i].agent_name);
		CHECK_INT(a->result->blockers[i].token, b->result->blockers[i].token);
		CHECK_INT(a->result->blockers[i].yield_by != 0,
		          b->result->blockers[i].yield_by != 0);
	}
	CHECK_INT(a->result->position, b->result->position);
	CHECK_INT(a->result->nahead, b->result->nahead);
	CHECK_INT(a->result->npreempted, b->result->npreempted);
	for (i = 0; i < a->result->npreempted; i++)
		CHECK_STR(a->result->preempted[i], b->result->preempted[i]);
	CHECK_INT(a->result->nnotices, b->result->nnotices);
	for (i = 0; i < a->result->nnotices; i++) {
		CHECK_STR(a->result->notices[i].kind, b->result->notices[i].kind);
		CHECK_STR(a->result->notices[i].target, b->result->notices[i].target);
		CHECK_INT(a->result->notices[i].token, b->result->notices[i].token);
	}
	check_message(a->result->message, b->result->message);
}

/* Replace every occurrence of `from` in the malloc'd string *s by `to`. */
static void replace_all(char **s, const char *from, const char *to)
{
	char *p;

	while ((p = strstr(*s, from))) {
		size_t pre = (size_t)(p - *s), fl = strlen(from), tl = strlen(to);
		char *n = malloc(strlen(*s) - fl + tl + 1);
		CHECK(n);
		memcpy(n, *s, pre);
		memcpy(n + pre, to, tl);
		memcpy(n + pre + tl, p + fl, strlen(p + fl));
		n[strlen(*s) - fl + tl] = '\0';
		free(*s);
		*s = n;
	}
}

/*
 * The op log of `dir` after its setup ops, one line per op: kind, agent
 * name and payload, with agent ids replaced by names and times left out
 * (both repositories draw their own ids and clocks).
 */
static char *op_lines(const char *dir)
{
	static const char *names[] = {"alice", "bob", "carol", BRAID_SYSTEM_AGENT};
	braid_ctx *ctx = NULL;
	braid_op_list *l = NULL;
	braid_buf out = BRAID_BUF_INIT;
	char *ids[4] = {0};
	size_t i, k;

	CHECK_OK(braid_ctx_open(&ctx, dir));
	for (k = 0; k < 4; k++) {
		braid_agent *a = NULL;
		CHECK_OK(braid_agent_lookup(&a, ctx, names[k]));
		ids[k] = strdup(a->id);
		braid_agent_free(a);
	}
	CHECK_OK(braid_op_list_since(&l, ctx, 0, 0));
	for (i = 0; i < l->count; i++) {
		const braid_op *op = &l->items[i];
		json_t *p;
		char *line, *agent;
		if (strncmp(op->kind, "intent.", 7))
			continue;
		agent = strdup(op->agent_id);
		p = json_loads(op->payload, 0, NULL);
		CHECK(p);
		json_object_del(p, "expires_at");
		json_object_del(p, "yield_by");
		line = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(p);
		for (k = 0; k < 4; k++) {
			replace_all(&line, ids[k], names[k]);
			replace_all(&agent, ids[k], names[k]);
		}
		CHECK_OK(braid_buf_printf(&out, "%s %s %s\n", op->kind, agent, line));
		free(line);
		free(agent);
	}
	braid_op_list_free(l);
	for (k = 0; k < 4; k++)
		free(ids[k]);
	braid_ctx_free(ctx);
	return braid_buf_detach(&out);
}

/* Run `steps` one by one in a fresh repository and as one batch in another; compare. */
static void compare_script(const step *steps, size_t n, const char *break_key_of)
{
	char d1[4200], d2[4200];
	braid_intent_batch_item *one = calloc(n, sizeof(*one)), *batch = calloc(n, sizeof(*batch));
	braid_ctx *ctx = NULL;
	char *ops1, *ops2;
	size_t i;

	CHECK(one && batch);
	setup_at("one", d1, sizeof(d1));
	setup_at("batch", d2, sizeof(d2));
	if (break_key_of) {
		/* The agent's key is gone: its ops cannot be signed. */
		for (int r = 0; r < 2; r++) {
			braid_ctx *c = NULL;
			braid_agent *a = NULL;
			char path[4400];
			CHECK_OK(braid_ctx_open(&c, r ? d2 : d1));
			CHECK_OK(braid_agent_lookup(&a, c, break_key_of));
			snprintf(path, sizeof(path), "%s/.braid/keys/%s.key", r ? d2 : d1, a->id);
			CHECK(unlink(path) == 0);
			braid_agent_free(a);
			braid_ctx_free(c);
		}
	}
	for (i = 0; i < n; i++)
		run_one(d1, &one[i], &steps[i]);
	for (i = 0; i < n; i++)
		to_item(&batch[i], &steps[i]);
	CHECK_OK(braid_ctx_open(&ctx, d2));
	CHECK_OK(braid_intent_batch(ctx, batch, n));
	braid_ctx_free(ctx);
	for (i = 0; i < n; i++)
		check_same(&one[i], &batch[i], i);
	ops1 = op_lines(d1);
	ops2 = op_lines(d2);
	CHECK_STR(ops2, ops1);
	free(ops1);
	free(ops2);
	for (i = 0; i < n; i++) {
		braid_intent_batch_item_release(&one[i]);
		braid_intent_batch_item_release(&batch[i]);
	}
	free(one);
	free(batch);
}

#define ACQ   BRAID_INTENT_BATCH_ACQUIRE
#define REL   BRAID_INTENT_BATCH_RELEASE
#define RELT  BRAID_INTENT_BATCH_RELEASE_TOKEN
#define RENEW BRAID_INTENT_BATCH_RENEW

/* Grants, refusals, preemption, notices, tokens, releases, renewals and errors. */
static const step script[] = {
    {ACQ, "alice", {"src/db.c"}, 4, 0, 0},           /* granted, token 1 */
    {ACQ, "bob", {"src/db.c"}, 1, 0, 0},             /* refused: alice L4 */
    {ACQ, "bob", {"README"}, 2, 0, 0},               /* granted, token 2 */
    {ACQ, "carol", {"README"}, 3, 0, 0},             /* preempts bob (yield) */
    {ACQ, "carol", {"src/db.c", "README"}, 3, 0, 0}, /* refused: both in the way */
    {RELT, "alice", {NULL}, 0, 1, 0},                /* releases token 1 */
    {ACQ, "bob", {"src/db.c"}, 1, 0, 0},             /* granted, with the yield notice */
    {RELT, "alice", {NULL}, 0, 999, 0},              /* stale: nothing to release */
    {ACQ, "dave", {"README"}, 2, 0, 0},              /* no such agent */
    {ACQ, "alice", {"src/db.c::no_such"}, 2, 0, 0},  /* no such symbol */
    {ACQ, "alice", {"../etc/passwd"}, 2, 0, 0},      /* bad target */
    {RENEW, "bob", {NULL}, 0, 0, 60000},             /* both of bob's */
    {ACQ, "carol", {"src/db.c::db_open", "include/api.h"}, 3, 0, 0}, /* beside bob's L1 */
    {ACQ, "alice", {"src/db.c::db_close"}, 4, 0, 0}, /* refused: bob's L1 on the file */
    {REL, "bob", {"README"}, 0, 0, 0},               /* 1 */
    {ACQ, "alice", {"src/net"}, 2, 0, 0},            /* a directory: a glob */
    {ACQ, "bob", {"src/net/http.c"}, 3, 0, 0},       /* preempts alice's glob L2 */
    {RENEW, "alice", {"src/net"}, 0, 0, 0},          /* keeps the yield deadline */
    {REL, "carol", {NULL}, 0, 0, 0},                 /* everything of carol's */
    {ACQ, "carol", {"app/models.py::User.save"}, 2, 0, 0},
    {ACQ, "alice", {"app/models.py::User"}, 3, 0, 0}, /* preempts carol's symbol */
    {REL, "alice", {NULL}, 0, 0, 0},
    {REL, "bob", {NULL}, 0, 0, 0},
    {ACQ, "bob", {"src/db.c"}, 4, 0, 0},
    {RELT, "bob", {NULL}, 0, 9, 0},
};

TEST(intent_batch_answers_as_one_by_one)
{
	compare_script(script, ARRAY_SIZE(script), NULL);
}

/* Carol cannot sign: the shared transaction fails, every request runs again on its own. */
TEST(intent_batch_failure_inside_falls_back)
{
	compare_script(script, ARRAY_SIZE(script), "carol");
}

/* Many agents asking for one exclusive target in one batch: one grant, the rest refused. */
TEST(intent_batch_one_target_one_grant)
{
	const char *dir = it_setup();
	braid_intent_batch_item items[40];
	const char *target = "src/db.c";
	char names[40][16];
	braid_ctx *ctx = NULL;
	size_t i, granted = 0;

	for (i = 0; i < 40; i++) {
		braid_intent_batch_item init = BRAID_INTENT_BATCH_ITEM_INIT;
		snprintf(names[i], sizeof(names[i]), "agent%zu", i);
		it_add_agent(dir, names[i]);
		items[i] = init;
		items[i].agent = names[i];
		items[i].targets = &target;
		items[i].ntargets = 1;
		items[i].opts.level = i % 2 ? BRAID_INTENT_L4 : BRAID_INTENT_L3;
	}
	CHECK_OK(braid_ctx_open(&ctx, dir));
	CHECK_OK(braid_intent_batch(ctx, items, 40));
	for (i = 0; i < 40; i++) {
		if (items[i].code == 0) {
			granted++;
			CHECK_INT(i, 0); /* arrival order */
			CHECK_INT(items[i].result->token, 1);
		} else {
			CHECK_INT(items[i].code, BRAID_ELOCKED);
			CHECK(items[i].result && !items[i].result->granted);
			CHECK_STR(items[i].result->blockers[0].agent_name, "agent0");
			CHECK(strstr(items[i].message, "is held by 'agent0'"));
		}
		braid_intent_batch_item_release(&items[i]);
	}
	CHECK_INT(granted, 1);
	/* A waiting request is not for a batch. */
	{
		braid_intent_batch_item w = BRAID_INTENT_BATCH_ITEM_INIT;
		w.agent = "agent1";
		w.targets = &target;
		w.ntargets = 1;
		w.opts.wait_ms = 1000;
		CHECK_OK(braid_intent_batch(ctx, &w, 1));
		CHECK_INT(w.code, BRAID_EINVALID);
		CHECK(strstr(w.message, "cannot be batched"));
		braid_intent_batch_item_release(&w);
	}
	braid_ctx_free(ctx);
}
