/*
 * test_lease.c: leases end. A holder killed with SIGKILL loses its lease
 * after the TTL and the next in line gets it; a waiter killed in line loses
 * its place after the queue lease; a stale fencing token is refused; an L2
 * holder yields to an L3 request within the grace period; renew and
 * conditional release.
 */
#include "intent_test.h"

#include <time.h>

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int has_notice(braid_ctx *ctx, const char *kind)
{
	braid_intent_notice *n = NULL;
	size_t count = 0, i;
	int found = 0;

	CHECK_OK(braid_intent_notices(&n, &count, ctx, 0));
	for (i = 0; i < count; i++)
		if (!strcmp(n[i].kind, kind))
			found = 1;
	braid_intent_notices_free(n, count);
	return found;
}

/* A child that takes `target` as `agent` and then hangs until killed; returns its pid. */
static pid_t holder(const char *dir, const char *agent, const char *target, int level,
                    int64_t ttl_ms, int64_t *token)
{
	int p[2];
	pid_t pid;

	CHECK(pipe(p) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		braid_ctx *ctx = it_open(dir, agent);
		braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
		braid_intent_result *r = NULL;
		o.level = level;
		o.ttl_ms = ttl_ms;
		CHECK_OK(braid_intent_acquire(&r, ctx, &target, 1, &o));
		if (write(p[1], &r->token, sizeof(r->token)) != sizeof(r->token))
			_exit(2);
		for (;;)
			pause();
	}
	close(p[1]);
	CHECK(read(p[0], token, sizeof(*token)) == sizeof(*token));
	close(p[0]);
	return pid;
}

TEST(intent_killed_holder_loses_lease_after_ttl)
{
	const char *dir = it_setup();
	braid_ctx *bob, *carol, *alice;
	braid_intent_result *rb = NULL, *rc = NULL;
	int64_t token = 0, t0, waited;
	pid_t pid;
	int status;

	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	it_add_agent(dir, "carol");
	pid = holder(dir, "alice", "README", 4, 1000, &token);
	t0 = mono_ms();
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
	bob = it_open(dir, "bob");
	/* Refused at once (the dead holder still has its lease)... */
	CHECK_INT(it_acquire1(&rb, bob, "README", 4, 0), BRAID_ELOCKED);
	CHECK(strstr(rb->message, "alice") != NULL);
	braid_intent_result_free(rb);
	rb = NULL;
	/* ...and granted once the lease ran out. */
	CHECK_OK(it_acquire1(&rb, bob, "README", 4, 10000));
	waited = mono_ms() - t0;
	CHECK(waited >= 900 && waited < 6000);
	CHECK(rb->token > token);
	/* The next in line gets it when bob is done. */
	carol = it_open(dir, "carol");
	CHECK_INT(it_acquire1(&rc, carol, "README", 1, 0), BRAID_ELOCKED);
	CHECK(strstr(rc->message, "bob") != NULL);
	braid_intent_result_free(rc);
	rc = NULL;
	CHECK_OK(braid_intent_release(NULL, bob, NULL, 0));
	CHECK_OK(it_acquire1(&rc, carol, "README", 1, 0));
	/* alice hears about it, and her token is stale. */
	alice = it_open(dir, "alice");
	CHECK(has_notice(alice, "expired"));
	CHECK_INT(braid_intent_check_token(alice, NULL, token, "README"), BRAID_ESTALE);
	CHECK(strstr(braid_error_last(), "expired") != NULL);
	{
		braid_op_list *ops = NULL;
		CHECK_OK(braid_op_list_recent(&ops, alice, "intent.expire", 0));
		CHECK(ops->count >= 1);
		CHECK(strstr(ops->items[0].payload, "README") != NULL);
		braid_op_list_free(ops);
	}
	braid_intent_result_free(rb);
	braid_intent_result_free(rc);
	braid_ctx_free(alice);
	braid_ctx_free(bob);
	braid_ctx_free(carol);
}

TEST(intent_killed_waiter_loses_its_place)
{
	const char *dir = it_setup();
	braid_ctx *alice, *carol;
	braid_intent_result *r = NULL;
	pid_t pid;
	int64_t t0, waited;

	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	it_add_agent(dir, "carol");
	alice = it_open(dir, "alice");
	CHECK_OK(braid_ctx_config_set(alice, "intent.queue-lease", "1s"));
	CHECK_OK(it_acquire1(&r, alice, "README", 4, 0));
	braid_intent_result_free(r);
	r = NULL;
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		braid_ctx *bob = it_open(dir, "bob");
		braid_intent_result *rb = NULL;
		int rc = it_acquire1(&rb, bob, "README", 4, 60000);
		_exit(rc == 0 ? 0 : 1);
	}
	/* Wait until bob is in line, then kill him there. */
	for (;;) {
		braid_intent_table *tb = NULL;
		size_t n;
		CHECK_OK(braid_intent_list(&tb, alice));
		n = tb->nwaiters;
		braid_intent_table_free(tb);
		if (n)
			break;
		usleep(5000);
	}
	CHECK(kill(pid, SIGKILL) == 0);
	waitpid(pid, NULL, 0);
	CHECK_OK(braid_intent_release(NULL, alice, NULL, 0));
	carol = it_open(dir, "carol");
	t0 = mono_ms();
	CHECK_INT(it_acquire1(&r, carol, "README", 4, 0), BRAID_ELOCKED);
	CHECK_INT(r->position, 2);
	CHECK(strstr(r->message, "bob") != NULL);
	braid_intent_result_free(r);
	r = NULL;
	CHECK_OK(it_acquire1(&r, carol, "README", 4, 10000));
	waited = mono_ms() - t0;
	CHECK(waited < 5000);
	braid_intent_result_free(r);
	braid_ctx_free(alice);
	braid_ctx_free(carol);
}

TEST(intent_stale_fencing_token_refused)
{
	const char *dir = it_setup();
	braid_ctx *alice, *bob;
	braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
	braid_intent_result *ra = NULL, *rb = NULL, *r1 = NULL;
	const char *t = "src/db.c";

	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	alice = it_open(dir, "alice");
	bob = it_open(dir, "bob");
	o.level = BRAID_INTENT_L3;
	o.ttl_ms = 300;
	CHECK_OK(braid_intent_acquire(&ra, alice, &t, 1, &o));
	CHECK_OK(braid_intent_check_token(alice, NULL, ra->token, "src/db.c"));
	CHECK_OK(braid_intent_check_token(alice, NULL, ra->token, NULL));
	/* Not for another file, and not for another agent. */
	CHECK_INT(braid_intent_check_token(alice, NULL, ra->token, "README"), BRAID_EDENIED);
	CHECK_INT(braid_intent_check_token(bob, NULL, ra->token, "src/db.c"), BRAID_EDENIED);
	usleep(400 * 1000);
	/* The lease expired: a paused agent that wakes up late cannot write. */
	CHECK_INT(braid_intent_check_token(alice, NULL, ra->token, "src/db.c"), BRAID_ESTALE);
	CHECK_OK(it_acquire1(&rb, bob, "src/db.c", 3, 0));
	CHECK(rb->token > ra->token);
	CHECK_INT(braid_intent_check_token(alice, NULL, ra->token, "src/db.c"), BRAID_ESTALE);
	CHECK_OK(braid_intent_check_token(bob, NULL, rb->token, "src/db.c"));
	/* Conditional release: alice's old token releases nothing of bob's. */
	CHECK_INT(braid_intent_release_token(alice, ra->token), BRAID_ESTALE);
	CHECK_OK(braid_intent_check_token(bob, NULL, rb->token, "src/db.c"));
	/* A read intent's token does not allow a write. */
	CHECK_OK(it_acquire1(&r1, alice, "README", 1, 0));
	CHECK_INT(braid_intent_check_token(alice, NULL, r1->token, "README"), BRAID_EDENIED);
	/* Released tokens are stale too. */
	CHECK_OK(braid_intent_release_token(bob, rb->token));
	CHECK_INT(braid_intent_check_token(bob, NULL, rb->token, "src/db.c"), BRAID_ESTALE);
	braid_intent_result_free(ra);
	braid_intent_result_free(rb);
	braid_intent_result_free(r1);
	braid_ctx_free(alice);
	braid_ctx_free(bob);
}

TEST(intent_l3_preempts_l2_after_grace)
{
	const char *dir = it_setup();
	braid_ctx *alice, *bob;
	braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
	braid_intent_result *ra = NULL, *rb = NULL;
	const char *t = "src/db.c::db_open";
	int64_t t0, waited;

	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	alice = it_open(dir, "alice");
	bob = it_open(dir, "bob");
	o.level = BRAID_INTENT_L2;
	o.activity = "tidying db_open";
	CHECK_OK(braid_intent_acquire(&ra, alice, &t, 1, &o));
	/* bob asks for L3 on the whole file and waits; alice never yields. */
	o.level = BRAID_INTENT_L3;
	o.activity = "security fix";
	o.grace_ms = 800;
	o.wait_ms = 10000;
	t0 = mono_ms();
	t = "src/db.c";
	CHECK_OK(braid_intent_acquire(&rb, bob, &t, 1, &o));
	waited = mono_ms() - t0;
	CHECK(waited >= 700 && waited < 5000);
	/* alice was told to yield, then lost the lease; her token is stale. */
	CHECK(has_notice(alice, "yield"));
	CHECK(has_notice(alice, "preempted"));
	CHECK_INT(braid_intent_check_token(alice, NULL, ra->token, "src/db.c"), BRAID_ESTALE);
	CHECK(strstr(braid_error_last(), "preempted") != NULL);
	{
		braid_op_list *ops = NULL;
		CHECK_OK(braid_op_list_recent(&ops, alice, "intent.preempt", 0));
		CHECK_INT(ops->count, 1);
		braid_op_list_free(ops);
	}
	braid_intent_result_free(ra);
	braid_intent_result_free(rb);
	braid_ctx_free(alice);
	braid_ctx_free(bob);
}

TEST(intent_l2_holder_that_yields_early_lets_l3_in_at_once)
{
	const char *dir = it_setup();
	braid_ctx *alice;
	braid_intent_result *ra = NULL;
	pid_t pid;
	int64_t t0;
	int p[2];

	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	alice = it_open(dir, "alice");
	CHECK_OK(it_acquire1(&ra, alice, "src/db.c", 2, 0));
	CHECK(pipe(p) == 0);
	t0 = mono_ms();
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		braid_ctx *bob = it_open(dir, "bob");
		braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
		braid_intent_result *rb = NULL;
		const char *t = "src/db.c";
		int64_t took;
		o.level = BRAID_INTENT_L3;
		o.grace_ms = 20000;
		o.wait_ms = 15000;
		CHECK_OK(braid_intent_acquire(&rb, bob, &t, 1, &o));
		CHECK_INT(rb->npreempted, 1);
		took = mono_ms() - t0;
		if (write(p[1], &took, sizeof(took)) != sizeof(took))
			_exit(2);
		_exit(0);
	}
	/* alice watches her answers: the yield notice arrives, she releases. */
	while (!has_notice(alice, "yield"))
		usleep(5000);
	{
		braid_intent_result *again = NULL;
		/* Her next answer carries the notice too (delivered once). */
		CHECK_OK(it_acquire1(&again, alice, "app/models.py", 1, 0));
		CHECK(again->nnotices >= 1);
		CHECK_STR(again->notices[0].kind, "yield");
		CHECK_STR(again->notices[0].by_agent, "bob");
		CHECK(again->notices[0].yield_by > 0);
		braid_intent_result_free(again);
	}
	CHECK_OK(braid_intent_release(NULL, alice, NULL, 0));
	{
		int64_t took = 0;
		CHECK(read(p[0], &took, sizeof(took)) == sizeof(took));
		CHECK(took < 5000); /* well inside the 20 s grace */
	}
	CHECK(it_wait_ok(pid));
	braid_intent_result_free(ra);
	braid_ctx_free(alice);
}

TEST(intent_renew_extends_and_release_is_conditional)
{
	const char *dir = it_setup();
	braid_ctx *alice, *bob;
	braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
	braid_intent_result *ra = NULL, *rb = NULL;
	braid_intent_table *tb = NULL;
	const char *targets[] = {"src/db.c", "README"};
	size_t n = 0;

	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	alice = it_open(dir, "alice");
	bob = it_open(dir, "bob");
	o.level = BRAID_INTENT_L4;
	o.ttl_ms = 500;
	CHECK_OK(braid_intent_acquire(&ra, alice, targets, 2, &o));
	CHECK_OK(braid_intent_renew(&n, alice, NULL, 0, 60000));
	CHECK_INT(n, 2);
	usleep(600 * 1000);
	CHECK_OK(braid_intent_check_token(alice, NULL, ra->token, "README"));
	CHECK_OK(braid_intent_list(&tb, bob));
	CHECK_INT(tb->nholds, 2);
	CHECK(tb->holds[0].expires_at > tb->now + 50000);
	braid_intent_table_free(tb);
	/* bob releasing alice's targets releases nothing. */
	CHECK_OK(braid_intent_release(&n, bob, targets, 2));
	CHECK_INT(n, 0);
	CHECK_INT(it_acquire1(&rb, bob, "README", 1, 0), BRAID_ELOCKED);
	braid_intent_result_free(rb);
	rb = NULL;
	/* alice releases one of the two. */
	CHECK_OK(braid_intent_release(&n, alice, &targets[1], 1));
	CHECK_INT(n, 1);
	CHECK_OK(it_acquire1(&rb, bob, "README", 1, 0));
	braid_intent_result_free(ra);
	braid_intent_result_free(rb);
	braid_ctx_free(alice);
	braid_ctx_free(bob);
}
