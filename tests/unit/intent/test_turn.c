/*
 * test_turn.c: fairness and hand-over. N processes taking one L4 target in a
 * loop are served in line order (no one waits more than N - 1 grants of
 * others between two of its own); a release hands the target over at once,
 * not at the next poll; the shared-memory turnstile survives a ticket holder
 * that is killed or stopped; routine lock ops are sealed, not signed, and
 * the op log still verifies.
 */
#include "intent_test.h"
#include "intent/intent_int.h"

#include <sys/mman.h>
#include <time.h>

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define FAIR_N      8
#define FAIR_ROUNDS 6

/*
 * With N contenders looping on one target, no waiter waits for more than
 * N - 1 hand-overs: every request that had to queue is granted in line
 * order (request ids increase along the grant sequence), and each agent has
 * at most one live request, so the grants between a request joining the line
 * and its own grant are those of at most N - 1 requests already in line.
 * (Counting grants from when an agent asks would also count those made
 * before its request reached the line.)
 */
TEST(intent_fair_no_waiter_waits_more_than_n_handovers)
{
	const char *dir = it_setup();
	char counter[4200];
	pid_t kids[FAIR_N];
	/* The grant sequence: who got the target and with which queued request (0: at once). */
	struct grant {
		int who;
		long long request;
	} *seq = mmap(NULL, 4096 * 4, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int *count = (int *)((char *)seq + 4096 * 3);
	int k, i, total = FAIR_N * FAIR_ROUNDS, queued = 0;
	long long last_request = 0;

	CHECK(seq != MAP_FAILED);
	snprintf(counter, sizeof(counter), "%s/counter", braid_test_tmpdir());
	for (k = 0; k < FAIR_N; k++) {
		char name[16];
		snprintf(name, sizeof(name), "f%d", k);
		it_add_agent(dir, name);
	}
	for (k = 0; k < FAIR_N; k++) {
		kids[k] = fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0) {
			char name[16];
			braid_ctx *ctx;
			snprintf(name, sizeof(name), "f%d", k);
			ctx = it_open(dir, name);
			for (i = 0; i < FAIR_ROUNDS; i++) {
				braid_intent_result *r = NULL;
				int at;
				CHECK_OK(it_acquire1(&r, ctx, "README", 4, 60000));
				CHECK_INT(it_counter_add(counter, 1), 1);
				at = __atomic_fetch_add(count, 1, __ATOMIC_SEQ_CST);
				seq[at].who = k;
				seq[at].request = (long long)r->request_id;
				usleep(2000);
				CHECK_INT(it_counter_add(counter, -1), 0);
				CHECK_OK(braid_intent_release(NULL, ctx, NULL, 0));
				braid_intent_result_free(r);
			}
			braid_ctx_free(ctx);
			_exit(0);
		}
	}
	for (k = 0; k < FAIR_N; k++)
		CHECK(it_wait_ok(kids[k]));
	CHECK_INT(*count, total);
	for (i = 0; i < total; i++) {
		CHECK(seq[i].who >= 0 && seq[i].who < FAIR_N);
		if (!seq[i].request)
			continue; /* granted at once: nobody was in line */
		queued++;
		if (seq[i].request < last_request)
			fprintf(stderr, "grant %d: request %lld after %lld\n", i, seq[i].request,
			        last_request);
		CHECK(seq[i].request > last_request); /* line order */
		last_request = seq[i].request;
	}
	CHECK(queued >= total / 2); /* the agents really did wait in line */
	munmap(seq, 4096 * 4);
}

/* A release wakes the next in line at once (well before the waiter's 100 ms fallback look). */
TEST(intent_release_hands_over_without_polling)
{
	const char *dir = it_setup();
	int go[2], granted[2];
	pid_t kid;
	braid_ctx *holder;
	braid_intent_result *r = NULL;
	int round, fast = 0;
	const int rounds = 10;

	it_add_agent(dir, "holder");
	it_add_agent(dir, "waiter");
	holder = it_open(dir, "holder");
	CHECK(pipe(go) == 0 && pipe(granted) == 0);
	kid = fork();
	CHECK(kid >= 0);
	if (kid == 0) {
		braid_ctx *ctx = it_open(dir, "waiter");
		char c;
		close(go[1]);
		close(granted[0]);
		for (round = 0; round < rounds; round++) {
			braid_intent_result *w = NULL;
			int64_t at;
			if (read(go[0], &c, 1) != 1)
				_exit(3);
			CHECK_OK(it_acquire1(&w, ctx, "README", 4, 30000));
			at = mono_ms();
			if (write(granted[1], &at, sizeof(at)) != sizeof(at))
				_exit(4);
			CHECK_OK(braid_intent_release(NULL, ctx, NULL, 0));
			braid_intent_result_free(w);
		}
		braid_ctx_free(ctx);
		_exit(0);
	}
	close(go[0]);
	close(granted[1]);
	for (round = 0; round < rounds; round++) {
		int64_t released, at = 0;
		int waiting = 0, tries;
		CHECK_OK(it_acquire1(&r, holder, "README", 4, 30000));
		braid_intent_result_free(r);
		CHECK(write(go[1], "g", 1) == 1);
		/* Release once the waiter is in line. */
		for (tries = 0; tries < 500 && !waiting; tries++) {
			braid_intent_table *tb = NULL;
			CHECK_OK(braid_intent_list(&tb, holder));
			waiting = tb->nwaiters > 0;
			braid_intent_table_free(tb);
			if (!waiting)
				usleep(2000);
		}
		CHECK(waiting);
		usleep(20000); /* let the waiter go to sleep */
		released = mono_ms();
		CHECK_OK(braid_intent_release(NULL, holder, NULL, 0));
		CHECK(read(granted[0], &at, sizeof(at)) == sizeof(at));
		if (at - released < 60)
			fast++;
	}
	CHECK(it_wait_ok(kid));
	/* Most hand-overs are immediate (a loaded test machine may delay a few). */
	if (fast < rounds * 7 / 10)
		fprintf(stderr, "only %d of %d hand-overs were immediate\n", fast, rounds);
	CHECK(fast >= rounds * 7 / 10);
	braid_ctx_free(holder);
}

/* A process killed, or stopped, while it holds the turn does not block the others. */
TEST(intent_turnstile_survives_a_dead_or_stopped_holder)
{
	const char *dir = it_setup();
	int ready[2];
	pid_t kid;
	braid_ctx *ctx;
	braid_intent_result *r = NULL;
	int64_t t0;
	int sig;

	it_add_agent(dir, "alice");
	for (sig = 0; sig < 2; sig++) {
		CHECK(pipe(ready) == 0);
		kid = fork();
		CHECK(kid >= 0);
		if (kid == 0) {
			braid_ctx *c = it_open(dir, "alice");
			ishm *s = NULL;
			char ch = 'r';
			close(ready[0]);
			CHECK_OK(braid_intent__shm_open(&s, c));
			braid_intent__turn_take(s); /* and never give it back */
			if (write(ready[1], &ch, 1) != 1)
				_exit(3);
			for (;;)
				pause();
		}
		close(ready[1]);
		{
			char ch;
			CHECK(read(ready[0], &ch, 1) == 1);
		}
		close(ready[0]);
		CHECK(kill(kid, sig == 0 ? SIGKILL : SIGSTOP) == 0);
		ctx = it_open(dir, "alice");
		t0 = mono_ms();
		CHECK_OK(it_acquire1(&r, ctx, "README", 4, 0));
		/* A dead holder is skipped at once, a stopped one after the stall timeout. */
		CHECK(mono_ms() - t0 < (sig == 0 ? 1000 : 3000));
		braid_intent_result_free(r);
		CHECK_OK(braid_intent_release(NULL, ctx, NULL, 0));
		braid_ctx_free(ctx);
		if (sig == 1)
			kill(kid, SIGKILL);
		waitpid(kid, NULL, 0);
	}
}

/* By default every grant and release carries its agent's own signature. */
TEST(intent_routine_ops_are_signed_by_default)
{
	const char *dir = it_setup();
	braid_ctx *ctx;
	braid_op_list *l = NULL;
	braid_intent_result *r = NULL;
	size_t i;

	it_add_agent(dir, "alice");
	ctx = it_open(dir, "alice");
	CHECK_OK(it_acquire1(&r, ctx, "README", 4, 0));
	braid_intent_result_free(r);
	CHECK_OK(braid_intent_release(NULL, ctx, NULL, 0));
	CHECK_OK(braid_op_list_recent(&l, ctx, NULL, 0));
	for (i = 0; i < l->count; i++)
		CHECK(strlen(l->items[i].signature) == 128);
	braid_op_list_free(l);
	braid_ctx_free(ctx);
}

/* With op.signing = sealed, grants and releases are sealed by later signed ops; the log
 * verifies. */
TEST(intent_routine_ops_are_sealed)
{
	const char *dir = it_setup();
	braid_ctx *ctx;
	braid_op_list *l = NULL;
	braid_op_verify_report vr = {0};
	braid_intent_result *r = NULL;
	int i, unsigned_grants = 0;

	it_add_agent(dir, "alice");
	ctx = it_open(dir, "alice");
	CHECK_OK(braid_ctx_config_set(ctx, "op.signing", "sealed"));
	for (i = 0; i < 5; i++) {
		CHECK_OK(it_acquire1(&r, ctx, "README", 4, 0));
		braid_intent_result_free(r);
		CHECK_OK(braid_intent_release(NULL, ctx, NULL, 0));
	}
	CHECK_OK(braid_op_list_recent(&l, ctx, "intent.grant", 0));
	CHECK_INT(l->count, 5);
	for (i = 0; i < (int)l->count; i++)
		if (!*l->items[i].signature)
			unsigned_grants++;
	CHECK(unsigned_grants >= 4); /* every 64th op is signed, whatever its kind */
	braid_op_list_free(l);
	CHECK_OK(braid_op_verify_all(&vr, ctx));
	CHECK_INT(vr.bad_id, 0);
	CHECK_INT(vr.bad_signature, 0);
	CHECK_INT(vr.missing_parent, 0);
	CHECK(vr.unsealed >= 9 && vr.unsealed <= 10); /* nothing signed after them yet */
	braid_op_verify_report_clear(&vr);
	/* A signed op (an agent joins) seals them all. */
	it_add_agent(dir, "bob");
	CHECK_OK(braid_op_verify_all(&vr, ctx));
	CHECK_INT(vr.bad_signature, 0);
	CHECK_INT(vr.unsealed, 0);
	braid_op_verify_report_clear(&vr);
	/* Tampering with a sealed grant breaks its id. */
	CHECK(sqlite3_exec(ctx->store->db,
	                   "UPDATE ops SET payload = replace(payload, 'L4', 'L1') WHERE seq = "
	                   "(SELECT min(seq) FROM ops WHERE kind = 'intent.grant')",
	                   NULL, NULL, NULL) == SQLITE_OK);
	CHECK_OK(braid_op_verify_all(&vr, ctx));
	CHECK_INT(vr.bad_id, 1);
	braid_op_verify_report_clear(&vr);
	/* An unsigned op of any other kind is a bad signature. */
	CHECK(sqlite3_exec(ctx->store->db,
	                   "UPDATE ops SET signature = '' WHERE kind = 'agent.add' AND seq = "
	                   "(SELECT max(seq) FROM ops)",
	                   NULL, NULL, NULL) == SQLITE_OK);
	CHECK_OK(braid_op_verify_all(&vr, ctx));
	CHECK_INT(vr.bad_signature, 1);
	braid_op_verify_report_clear(&vr);
	braid_ctx_free(ctx);
}
