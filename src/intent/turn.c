/*
 * turn.c: the intent module's shared-memory turnstile (.braid/intent.shm,
 * mapped by every process that takes locks). Two things live there:
 *
 *   - a ticket lock in front of the lock table's write transactions, so
 *     lock transactions run in the order they asked (FIFO), and the next
 *     one is woken (futex) the moment the previous one is done;
 *   - wake words for waiting requests: a request that waits in line sleeps
 *     on its word, and whoever frees something it may be waiting for (a
 *     release, an expiry, a withdrawn request) bumps the word after commit,
 *     so a hand-over does not wait for a poll.
 *
 * Both are advisory. Mutual exclusion comes from SQLite's write lock and
 * the lock table; every wait here has a timeout, a ticket whose holder
 * died (SIGKILL) is skipped within milliseconds, and one whose holder is
 * stuck is skipped after TURN_STALL_US. The worst a dead or stuck process
 * can do is cost the others that long, never block them or break a lock.
 */
#include "common.h"
#include "intent/intent_int.h"
#include "util/time.h"

#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

/* Ticket slots and wake words (powers of two; more tickets than slots only costs spurious
 * wake-ups). */
#define TURN_SLOTS 4096
#define WAKE_WORDS 4096
/* A ticket holder that is alive but has not finished after this long is skipped. */
#define TURN_STALL_US (250 * 1000)
/* The next in line checks this often that the holder is still alive. */
#define TURN_WATCH_US 2000
/*
 * The next in line spins (yielding the CPU at each look) up to this long
 * before it sleeps: a turn lasts 100-200 us, and waking a thread that sleeps
 * can cost as much again on a virtual machine whose other CPU went idle,
 * which would halve the throughput of a busy line. Only one process spins
 * per line (the next), and never for longer than this per turn.
 */
#define TURN_SPIN_US 2000

struct tslot {
	uint32_t word; /* futex word: bumped when the turn reaches this slot */
	uint32_t pad;
	uint64_t owner; /* (ticket << 32) | pid of the process that drew it */
};

/* The layout of .braid/intent.shm (version 1: the file name carries the version). */
struct ishm_map {
	uint32_t next; /* the ticket dispenser */
	uint32_t pad0[15];
	uint32_t serving; /* the ticket whose turn it is */
	uint32_t pad1[15];
	struct tslot slots[TURN_SLOTS];
	uint32_t wake[WAKE_WORDS];
};

struct ishm {
	struct ishm_map *m;
	pid_t pid;
};

#define SHM_FILE "intent.shm"

int braid_intent__shm_open(ishm **out, braid_ctx *ctx)
{
	char *path = braid_ctx__path(ctx, SHM_FILE);
	struct stat sb;
	ishm *s = NULL;
	void *m = MAP_FAILED;
	int fd = -1, err = 0;

	*out = NULL;
	if (!path)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 || fstat(fd, &sb) < 0) {
		err = braid_error_set(BRAID_ERROR, "cannot open '%s': %s", path, strerror(errno));
		goto done;
	}
	/* Zero-filled is a valid initial state: no ticket drawn, ticket 0 served, words 0. */
	if ((size_t)sb.st_size < sizeof(struct ishm_map) &&
	    ftruncate(fd, (off_t)sizeof(struct ishm_map)) < 0) {
		err = braid_error_set(BRAID_ERROR, "cannot size '%s': %s", path, strerror(errno));
		goto done;
	}
	m = mmap(NULL, sizeof(struct ishm_map), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		err = braid_error_set(BRAID_ERROR, "cannot map '%s': %s", path, strerror(errno));
		goto done;
	}
	if (!(s = calloc(1, sizeof(*s)))) {
		munmap(m, sizeof(struct ishm_map));
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto done;
	}
	s->m = m;
	s->pid = getpid();
	*out = s;
done:
	if (fd >= 0)
		close(fd);
	free(path);
	return err;
}

void braid_intent__shm_close(ishm *s)
{
	if (!s)
		return;
	munmap(s->m, sizeof(*s->m));
	free(s);
}

/* --- futex --------------------------------------------------------------- */

/* Sleep while *word == val, at most timeout_us (shared between processes: no PRIVATE flag). */
static void futex_wait(uint32_t *word, uint32_t val, int64_t timeout_us)
{
	if (timeout_us <= 0)
		return;
#ifdef __linux__
	{
		struct timespec ts;
		ts.tv_sec = (time_t)(timeout_us / 1000000);
		ts.tv_nsec = (long)(timeout_us % 1000000) * 1000;
		syscall(SYS_futex, word, FUTEX_WAIT, val, &ts, NULL, 0);
	}
#else
	if (__atomic_load_n(word, __ATOMIC_SEQ_CST) == val)
		braid_time_sleep_us(timeout_us < 1000 ? (long)timeout_us : 1000);
#endif
}

static void futex_wake_all(uint32_t *word)
{
#ifdef __linux__
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
#else
	BRAID_UNUSED(word);
#endif
}

static void bump(uint32_t *word)
{
	__atomic_fetch_add(word, 1, __ATOMIC_SEQ_CST);
	futex_wake_all(word);
}

/* --- the ticket lock ------------------------------------------------------- */

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int pid_dead(const ishm *s, pid_t pid)
{
	if (pid <= 0 || pid == s->pid)
		return 0;
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* End ticket `t`'s turn (if it is still its turn) and wake the next ticket's waiter. */
static void advance(ishm *s, uint32_t t)
{
	uint32_t expect = t;

	if (__atomic_compare_exchange_n(&s->m->serving, &expect, t + 1, 0, __ATOMIC_SEQ_CST,
	                                __ATOMIC_SEQ_CST)) {
		/* The new holder, and the new next in line, so that it starts watching (spinning).
		 */
		bump(&s->m->slots[(t + 1) % TURN_SLOTS].word);
		bump(&s->m->slots[(t + 2) % TURN_SLOTS].word);
	}
}

uint32_t braid_intent__turn_take(ishm *s)
{
	struct ishm_map *m = s->m;
	uint32_t t = __atomic_fetch_add(&m->next, 1, __ATOMIC_SEQ_CST);
	struct tslot *mine = &m->slots[t % TURN_SLOTS];
	uint32_t seen = __atomic_load_n(&m->serving, __ATOMIC_SEQ_CST);
	int64_t since = mono_us();

	__atomic_store_n(&mine->owner, (uint64_t)t << 32 | (uint32_t)s->pid, __ATOMIC_SEQ_CST);
	for (;;) {
		uint32_t w = __atomic_load_n(&mine->word, __ATOMIC_SEQ_CST);
		uint32_t cur = __atomic_load_n(&m->serving, __ATOMIC_SEQ_CST);
		int32_t ahead = (int32_t)(t - cur);
		int64_t now = mono_us(), timeout;

		if (ahead <= 0)
			return t; /* our turn (or we were skipped while slow: SQLite still
			             serializes) */
		if (cur != seen) {
			seen = cur;
			since = now;
		}
		if (ahead == 1) {
			/* Next in line: watch the holder. */
			uint64_t o =
			    __atomic_load_n(&m->slots[cur % TURN_SLOTS].owner, __ATOMIC_SEQ_CST);
			int known = (uint32_t)(o >> 32) == cur;
			if ((known && pid_dead(s, (pid_t)(o & 0xffffffffu))) ||
			    now - since > TURN_STALL_US) {
				advance(s, cur);
				continue;
			}
			if (now - since < TURN_SPIN_US) {
				sched_yield();
				continue;
			}
			timeout = TURN_WATCH_US;
		} else {
			/*
			 * Further back: the turn passing to the ticket before ours wakes us
			 * (advance() wakes the new holder and the new next in line); the
			 * timeout is only a safety net.
			 */
			timeout = 1000000;
		}
		futex_wait(&mine->word, w, timeout);
	}
}

void braid_intent__turn_give(ishm *s, uint32_t ticket)
{
	advance(s, ticket);
}

/* --- wake words for waiting requests -------------------------------------- */

static uint32_t *wake_word(ishm *s, int64_t req_id)
{
	return &s->m->wake[(uint64_t)req_id % WAKE_WORDS];
}

uint32_t braid_intent__wake_seq(ishm *s, int64_t req_id)
{
	return __atomic_load_n(wake_word(s, req_id), __ATOMIC_SEQ_CST);
}

void braid_intent__wake_wait(ishm *s, int64_t req_id, uint32_t seq, int64_t timeout_us)
{
	futex_wait(wake_word(s, req_id), seq, timeout_us);
}

void braid_intent__wake(ishm *s, int64_t req_id)
{
	bump(wake_word(s, req_id));
}
