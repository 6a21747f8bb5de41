/*
 * test_contention.c: real processes against one lock table. Batches asked
 * in opposite orders never deadlock and exactly one wins a simultaneous
 * start; 100 processes contending for one L4 target are each granted once,
 * in FIFO order, never two at a time.
 */
#include "intent_test.h"

#include <sys/mman.h>
#include <time.h>

/* Two agents ask for {A,B} and {B,A} at the same instant, many rounds. */
TEST(intent_batch_opposite_orders_one_winner)
{
	const char *dir = it_setup();
	const char *ab[] = {"src/db.c", "README"}, *ba[] = {"README", "src/db.c"};
	int go[2][2], done[2], round;
	pid_t kids[2];
	int *wins = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	const int rounds = 15;

	CHECK(wins != MAP_FAILED);
	it_add_agent(dir, "alice");
	it_add_agent(dir, "bob");
	CHECK(pipe(go[0]) == 0 && pipe(go[1]) == 0 && pipe(done) == 0);
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0) {
			braid_ctx *ctx = it_open(dir, k ? "bob" : "alice");
			close(go[k][1]);
			close(done[0]);
			for (round = 0; round < rounds; round++) {
				braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
				braid_intent_result *r = NULL;
				char c;
				int rc;
				o.level = BRAID_INTENT_L4;
				if (read(go[k][0], &c, 1) != 1)
					_exit(3);
				rc = braid_intent_acquire(&r, ctx, k ? ba : ab, 2, &o);
				if (rc == 0) {
					__atomic_fetch_add(&wins[round], 1, __ATOMIC_SEQ_CST);
					CHECK_INT(r->nholds, 2);
				} else if (rc != BRAID_ELOCKED) {
					_exit(4);
				}
				braid_intent_result_free(r);
				c = rc == 0 ? 'w' : 'l';
				if (write(done[1], &c, 1) != 1)
					_exit(5);
				/* Wait until the parent saw both answers before releasing. */
				if (read(go[k][0], &c, 1) != 1)
					_exit(6);
				CHECK_OK(braid_intent_release(NULL, ctx, NULL, 0));
				if (write(done[1], &c, 1) != 1)
					_exit(7);
			}
			braid_ctx_free(ctx);
			_exit(0);
		}
	}
	close(go[0][0]);
	close(go[1][0]);
	close(done[1]);
	for (round = 0; round < rounds; round++) {
		char c[2];
		CHECK(write(go[0][1], "g", 1) == 1 && write(go[1][1], "g", 1) == 1);
		CHECK(read(done[0], &c[0], 1) == 1 && read(done[0], &c[1], 1) == 1);
		if ((c[0] == 'w') == (c[1] == 'w'))
			fprintf(stderr, "round %d: %c %c\n", round, c[0], c[1]);
		/* Exactly one of the two got both targets first. */
		CHECK((c[0] == 'w') != (c[1] == 'w'));
		CHECK_INT(wins[round], 1);
		CHECK(write(go[0][1], "r", 1) == 1 && write(go[1][1], "r", 1) == 1);
		CHECK(read(done[0], &c[0], 1) == 1 && read(done[0], &c[1], 1) == 1);
	}
	CHECK(it_wait_ok(kids[0]) && it_wait_ok(kids[1]));
}

/* Waiting batches in opposite orders always finish (no deadlock), with mutual exclusion. */
TEST(intent_batch_opposite_orders_no_deadlock)
{
	const char *dir = it_setup();
	const char *ab[] = {"src/db.c", "README"}, *ba[] = {"README", "src/db.c"};
	char counter[4200];
	pid_t kids[4];
	int k;

	snprintf(counter, sizeof(counter), "%s/counter", braid_test_tmpdir());
	for (k = 0; k < 4; k++) {
		char name[16];
		snprintf(name, sizeof(name), "agent%d", k);
		it_add_agent(dir, name);
	}
	for (k = 0; k < 4; k++) {
		kids[k] = fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0) {
			char name[16];
			braid_ctx *ctx;
			int i;
			snprintf(name, sizeof(name), "agent%d", k);
			ctx = it_open(dir, name);
			for (i = 0; i < 20; i++) {
				braid_intent_options o = BRAID_INTENT_OPTIONS_INIT;
				braid_intent_result *r = NULL;
				o.level = BRAID_INTENT_L4;
				o.wait_ms = 20000;
				CHECK_OK(braid_intent_acquire(&r, ctx, k % 2 ? ba : ab, 2, &o));
				CHECK_INT(it_counter_add(counter, 1), 1);
				usleep(200);
				CHECK_INT(it_counter_add(counter, -1), 0);
				CHECK_OK(braid_intent_release_token(ctx, r->token));
				braid_intent_result_free(r);
			}
			braid_ctx_free(ctx);
			_exit(0);
		}
	}
	for (k = 0; k < 4; k++)
		CHECK(it_wait_ok(kids[k]));
}

#define NPROC 100

/* 100 processes, one L4 target: each granted once, FIFO, never two holders. */
TEST(intent_l4_hundred_processes_fifo)
{
	const char *dir = it_setup();
	char counter[4200], order[4200];
	pid_t kids[NPROC];
	braid_ctx *boss;
	braid_intent_result *r = NULL;
	int k, waiting = 0;
	int64_t deadline;

	snprintf(counter, sizeof(counter), "%s/counter", braid_test_tmpdir());
	snprintf(order, sizeof(order), "%s/order", braid_test_tmpdir());
	it_add_agent(dir, "boss");
	for (k = 0; k < NPROC; k++) {
		char name[16];
		snprintf(name, sizeof(name), "w%d", k);
		it_add_agent(dir, name);
	}
	boss = it_open(dir, "boss");
	CHECK_OK(it_acquire1(&r, boss, "README", 4, 0));
	braid_intent_result_free(r);
	for (k = 0; k < NPROC; k++) {
		kids[k] = fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0) {
			char name[16], line[64];
			braid_ctx *ctx;
			int fd, n;
			snprintf(name, sizeof(name), "w%d", k);
			ctx = it_open(dir, name);
			CHECK_OK(it_acquire1(&r, ctx, "README", 4, 60000));
			CHECK(r->request_id > 0);
			CHECK_INT(it_counter_add(counter, 1), 1);
			fd = open(order, O_WRONLY | O_APPEND | O_CREAT, 0644);
			n = snprintf(line, sizeof(line), "%lld %d\n", (long long)r->request_id, k);
			CHECK(write(fd, line, (size_t)n) == n);
			close(fd);
			usleep(1000);
			CHECK_INT(it_counter_add(counter, -1), 0);
			CHECK_OK(braid_intent_release(NULL, ctx, NULL, 0));
			braid_intent_result_free(r);
			braid_ctx_free(ctx);
			_exit(0);
		}
	}
	/* Release once every child is in line, so the line decides the order. */
	deadline = time(NULL) + 60;
	while (waiting < NPROC && time(NULL) < deadline) {
		braid_intent_table *tb = NULL;
		usleep(20000);
		CHECK_OK(braid_intent_list(&tb, boss));
		waiting = (int)tb->nwaiters;
		braid_intent_table_free(tb);
	}
	CHECK_INT(waiting, NPROC);
	{
		/* The line as `braid locks` shows it: positions 1..N. */
		braid_intent_table *tb = NULL;
		CHECK_OK(braid_intent_list(&tb, boss));
		CHECK_INT(tb->waiters[0].position, 1);
		CHECK_INT(tb->waiters[NPROC - 1].position, NPROC);
		braid_intent_table_free(tb);
	}
	CHECK_OK(braid_intent_release(NULL, boss, NULL, 0));
	for (k = 0; k < NPROC; k++)
		CHECK(it_wait_ok(kids[k]));
	{
		FILE *f = fopen(order, "r");
		long long prev = 0, id;
		int who, seen[NPROC] = {0}, lines = 0;
		CHECK(f != NULL);
		while (fscanf(f, "%lld %d", &id, &who) == 2) {
			CHECK(id > prev); /* FIFO: granted in the order they joined the line */
			prev = id;
			CHECK(who >= 0 && who < NPROC && !seen[who]);
			seen[who] = 1;
			lines++;
		}
		CHECK(fclose(f) == 0);
		CHECK_INT(lines, NPROC);
	}
	braid_ctx_free(boss);
}
