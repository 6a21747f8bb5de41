/*
 * spec.c: the landing queue when a verification gate is configured (the
 * lander in lander.c handles the gate-less queue and the shared steps).
 *
 * The driver holds the lander lock and replans whenever something changed
 * (a run finished, a submission arrived, main moved). A plan is computed
 * from durable state only, so any driver, after any crash, computes the
 * same one:
 *
 *   chain   main <- S1 <- S2 <- ...: submission i merged onto everything
 *           ahead of it that is still expected to land (cumulative mode),
 *           as a commit whose time is the submission's, so the same merge
 *           gives the same commit in every driver;
 *   verdict gate runs are recorded per exact tree: a tree that passed is
 *           verified, whichever driver or plan started its run;
 *   land    main moves by compare-and-swap to the furthest chain commit
 *           whose tree passed, taking every submission below it along
 *           (a batch); never past a submission that is still undecided
 *           because it failed or conflicts;
 *   blame   only the head of the queue is ever blamed: a failing tree
 *           whose parent is known good is run again (gate.retries), then
 *           its submission fails and the chain is rebuilt without it. A
 *           failure over a batch schedules runs on the batch's members
 *           (bisection);
 *   runs    up to queue.concurrency at once, on the first chain positions
 *           without a verdict; with a long queue only every B-th position
 *           is a checkpoint (B = queue length / concurrency, at most
 *           queue.batch-max). Runs on trees the chain no longer contains
 *           are cancelled.
 *
 * In independent mode each submission is verified alone on main; at its
 * turn it lands on the current main without another run when everything
 * that landed since that run is independent of it by the symbol index
 * (docs/internals/queue.md explains the risk).
 */
#include "common.h"
#include "braid/op.h"
#include "braid/repo.h"
#include "braid/symidx.h"
#include "converge/converge_int.h"
#include "ctx/ctx_int.h"
#include "gate/gate_int.h"
#include "util/buf.h"
#include "util/fault.h"
#include "util/time.h"

#include <jansson.h>

#define MAX_PLANNED 256  /* submissions looked at per plan */
#define LOG_TAIL    6000 /* bytes of a failing log kept in the submission */
#define REPLAN_MS   1000 /* replan at least this often while driving */
#define POLL_US     20000
#define MAX_LOST    3 /* runs lost on one tree before the tree counts as failing */

/* A speculative merge, cached per driver: (parent, submission) -> result. */
typedef struct memo {
	git_oid parent, head;
	int64_t sub;
	int conflict, noop, used;
	git_oid commit, tree;
	char *detail;
} memo;

typedef struct spec {
	braid_ctx *ctx;
	braid_gate_config cfg;
	memo *memo;
	size_t nmemo;
	size_t processed;
} spec;

/* One undecided submission in a plan. */
typedef struct pentry {
	braid_submission *s;
	int conflict; /* conflicts with the chain below it */
	int suspect;  /* its tree failed while the tree below it is good */
	int in_chain;
	int noop;      /* adds nothing to the tree below it */
	int chain_pos; /* index in the chain, -1 when not in it */
	git_oid parent, parent_tree, commit, tree;
	const char *detail; /* borrowed from the memo */
	/* verdicts on `tree` */
	int has_pass, verified, fails;
	int64_t pass_run, fail_run, running_run, retry_running;
	/* independent mode: any run of this submission going, or passed, on any main */
	int64_t sub_running, sub_passed;
	int alone_stale; /* its pass alone cannot be used on today's main */
	int covered;     /* verified or a run is going */
	const char *status;
	int64_t shown_run;
} pentry;

typedef struct plan {
	pentry *e;
	size_t n;
	git_oid main_oid, main_tree;
	pentry **chain;
	size_t nchain;
	/* trees known good (main's, verified chain positions) and trees with any pass */
	git_oid *good;
	size_t ngood;
	git_oid *passed;
	size_t npassed;
} plan;

static void plan_clear(plan *p)
{
	size_t i;
	for (i = 0; i < p->n; i++)
		braid_submission_free(p->e[i].s);
	free(p->e);
	free(p->chain);
	free(p->good);
	free(p->passed);
	memset(p, 0, sizeof(*p));
}

static int oid_in(const git_oid *v, size_t n, const git_oid *id)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (git_oid_equal(&v[i], id))
			return 1;
	return 0;
}

static int oid_push(git_oid **v, size_t *n, const git_oid *id)
{
	git_oid *nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	*v = nv;
	git_oid_cpy(&nv[(*n)++], id);
	return 0;
}

/* ---- speculative merges -------------------------------------------------- */

/*
 * A commit whose content is a function of its inputs: same tree, parents,
 * message and the submission's time give the same id in every driver, so a
 * verdict on it never depends on which process planned it.
 */
static int stable_commit(git_oid *out, braid_ctx *ctx, const git_oid *tree, const git_oid *parents,
                         const braid_submission *s)
{
	git_signature *author = NULL, *committer = NULL;
	git_tree *t = NULL;
	git_commit *pc[2] = {NULL, NULL};
	braid_buf msg = BRAID_BUF_INIT;
	git_time_t when = (git_time_t)(s->created_at / 1000);
	int rc = 0, err = 0, i;

	if ((err = braid_converge__land_message(&msg, s)) < 0)
		goto done;
	if ((rc = git_signature_new(&committer, "braid", "braid@localhost", when, 0)) < 0 ||
	    (rc = git_signature_new(&author, s->agent_name ? s->agent_name : s->agent_id,
	                            "agent@braid.local", when, 0)) < 0 ||
	    (rc = git_tree_lookup(&t, ctx->git, tree)) < 0 ||
	    (rc = git_commit_lookup(&pc[0], ctx->git, &parents[0])) < 0 ||
	    (rc = git_commit_lookup(&pc[1], ctx->git, &parents[1])) < 0 ||
	    (rc = git_commit_create(out, ctx->git, NULL, author, committer, "UTF-8", msg.ptr, t, 2,
	                            (const git_commit **)pc)) < 0)
		err = braid_error_git(rc, "cannot create the speculative commit");
done:
	for (i = 0; i < 2; i++)
		git_commit_free(pc[i]);
	git_tree_free(t);
	git_signature_free(author);
	git_signature_free(committer);
	braid_buf_dispose(&msg);
	return err;
}

/* Merge submission `s` onto chain commit `parent` (cached). */
static int spec_merge(memo **out, spec *sp, const git_oid *parent, braid_submission *s)
{
	braid_ctx *ctx = sp->ctx;
	braid_tm_result r = {0};
	git_oid base, head, ptree, htree;
	memo *m = NULL;
	size_t i;
	int err;

	if ((err = braid_repo_oid_parse(&base, s->base_commit)) < 0 ||
	    (err = braid_repo_oid_parse(&head, s->head_commit)) < 0)
		return err;
	for (i = 0; i < sp->nmemo; i++) {
		m = &sp->memo[i];
		if (m->sub == s->id && git_oid_equal(&m->parent, parent) &&
		    git_oid_equal(&m->head, &head)) {
			m->used = 1;
			*out = m;
			return 0;
		}
	}
	m = realloc(sp->memo, (sp->nmemo + 1) * sizeof(*m));
	if (!m)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	sp->memo = m;
	m = &sp->memo[sp->nmemo];
	memset(m, 0, sizeof(*m));
	git_oid_cpy(&m->parent, parent);
	git_oid_cpy(&m->head, &head);
	m->sub = s->id;
	m->used = 1;
	if ((err = braid_treemerge(&r, ctx->git, &base, parent, &head, parent)) < 0)
		return err;
	if (!r.clean) {
		m->conflict = 1;
		goto keep;
	}
	if ((err = braid_repo_commit_tree(&ptree, ctx->git, parent)) < 0 ||
	    (err = braid_repo_commit_tree(&htree, ctx->git, &head)) < 0)
		goto done;
	git_oid_cpy(&m->tree, &r.tree);
	if (git_oid_equal(&r.tree, &ptree)) {
		m->noop = 1;
		git_oid_cpy(&m->commit, parent);
	} else {
		git_commit *hc = NULL;
		int ff = 0;
		if (git_commit_lookup(&hc, ctx->git, &head) == 0) {
			ff = git_commit_parentcount(hc) == 1 &&
			     git_oid_equal(git_commit_parent_id(hc, 0), parent) &&
			     git_oid_equal(&r.tree, &htree);
			git_commit_free(hc);
		}
		git_error_clear();
		if (ff) {
			git_oid_cpy(&m->commit, &head);
		} else {
			git_oid parents[2];
			git_oid_cpy(&parents[0], parent);
			git_oid_cpy(&parents[1], &head);
			if ((err = stable_commit(&m->commit, ctx, &r.tree, parents, s)) < 0)
				goto done;
		}
	}
	if (!(m->detail = braid_converge__files_json(&r))) {
		err = BRAID_ENOMEM;
		goto done;
	}
keep:
	sp->nmemo++;
	*out = m;
done:
	braid_tm_result_clear(&r);
	return err;
}

static void memo_sweep(spec *sp)
{
	size_t i, k = 0;
	for (i = 0; i < sp->nmemo; i++) {
		if (!sp->memo[i].used) {
			free(sp->memo[i].detail);
			continue;
		}
		sp->memo[i].used = 0;
		sp->memo[k++] = sp->memo[i];
	}
	sp->nmemo = k;
}

/* ---- verdicts -------------------------------------------------------------- */

static int sub_runs(pentry *e, spec *sp);

/* Fill the verdict fields of `e` from the runs recorded on its tree. */
static int verdicts(pentry *e, spec *sp, const plan *p)
{
	sqlite3_stmt *st;
	char hex[GIT_OID_HEXSZ + 1];
	int err, rc, lost = 0;

	e->has_pass = e->verified = e->fails = 0;
	e->pass_run = e->fail_run = e->running_run = e->retry_running = 0;
	if (oid_in(p->good, p->ngood, &e->tree)) {
		/* Same tree as main or as a verified position below (adds nothing new). */
		e->has_pass = e->verified = 1;
		return 0;
	}
	if ((err = braid_store__stmt(&st, sp->ctx->store,
	                             "SELECT id, since_tree, state, kind FROM gate_runs"
	                             " WHERE tree = ? AND gate_key = ? ORDER BY id")) < 0)
		return err;
	sqlite3_bind_text(st, 1, braid_repo_oid_hex(hex, &e->tree), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, sp->cfg.key, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *since = (const char *)sqlite3_column_text(st, 1);
		const char *state = (const char *)sqlite3_column_text(st, 2);
		const char *kind = (const char *)sqlite3_column_text(st, 3);
		if (!strcmp(state, "passed")) {
			git_oid s;
			e->has_pass = 1;
			e->pass_run = id;
			/* Incremental passes count only on top of a known-good tree. */
			if (!*since ||
			    (git_oid_fromstr(&s, since) == 0 && oid_in(p->good, p->ngood, &s)))
				e->verified = 1;
			git_error_clear();
		} else if (!strcmp(state, "failed") || !strcmp(state, "timeout")) {
			e->fails++;
			e->fail_run = id;
		} else if (!strcmp(state, "lost") && ++lost >= MAX_LOST) {
			/* The gate cannot even be started on this tree: that is a failure. */
			e->fails++;
			e->fail_run = id;
			lost = 0;
		} else if (!strcmp(state, "running")) {
			e->running_run = id;
			if (!strcmp(kind, "retry"))
				e->retry_running = id;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return braid_store__error(sp->ctx->store, "cannot read gate runs");
	e->covered = e->verified || e->running_run;
	if (sp->cfg.independent) {
		if ((err = sub_runs(e, sp)) < 0)
			return err;
		e->covered = e->covered || e->sub_running;
	}
	return 0;
}

/* Independent mode: the latest running and passed runs of e's submission, on any main. */
static int sub_runs(pentry *e, spec *sp)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(&st, sp->ctx->store,
	                             "SELECT max(CASE WHEN state = 'running' THEN id END),"
	                             " max(CASE WHEN state = 'passed' THEN id END)"
	                             " FROM gate_runs WHERE submission_id = ? AND gate_key = ?")) <
	    0)
		return err;
	sqlite3_bind_int64(st, 1, e->s->id);
	sqlite3_bind_text(st, 2, sp->cfg.key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		e->sub_running = sqlite3_column_int64(st, 0);
		e->sub_passed = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return 0;
}

/* ---- building the plan ------------------------------------------------------ */

static int load_queue(plan *p, braid_ctx *ctx)
{
	sqlite3_stmt *st;
	int64_t ids[MAX_PLANNED];
	size_t n = 0, i;
	int err, rc;

	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT id FROM submissions WHERE state IN ('pending', 'landing')"
	         " ORDER BY id LIMIT ?")) < 0)
		return err;
	sqlite3_bind_int(st, 1, MAX_PLANNED);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < MAX_PLANNED)
		ids[n++] = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = braid_store__error(ctx->store, "cannot read the queue");
	sqlite3_reset(st);
	if (err < 0)
		return err;
	if (!n)
		return 0;
	if (!(p->e = calloc(n, sizeof(*p->e))) || !(p->chain = calloc(n, sizeof(*p->chain))))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if ((err = braid_converge__load(&p->e[i].s, ctx, ids[i])) < 0)
			return err;
		p->e[i].chain_pos = -1;
		p->n++;
	}
	return 0;
}

/*
 * Cumulative chain: each submission on top of everything ahead that is
 * still expected to land.
 */
static int build_chain(plan *p, spec *sp)
{
	git_oid top, top_tree;
	size_t i;
	int err;

	git_oid_cpy(&top, &p->main_oid);
	git_oid_cpy(&top_tree, &p->main_tree);
	for (i = 0; i < p->n; i++) {
		pentry *e = &p->e[i];
		memo *m = NULL;
		if (sp->cfg.independent && i > 0) {
			/* Alone, only the head needs today's merge: the others are verified
			 * on whatever main they were scheduled on, or wait for a run. */
			if ((err = sub_runs(e, sp)) < 0)
				return err;
			if (e->sub_running || e->sub_passed) {
				e->covered = 1;
				e->in_chain = 1;
				e->chain_pos = (int)p->nchain;
				p->chain[p->nchain++] = e;
				e->status = e->sub_running ? "verifying" : "passed";
				e->shown_run = e->sub_running ? e->sub_running : e->sub_passed;
				continue;
			}
		}
		if ((err = spec_merge(&m, sp, &top, e->s)) < 0)
			return err;
		git_oid_cpy(&e->parent, &top);
		git_oid_cpy(&e->parent_tree, &top_tree);
		if (m->conflict) {
			e->conflict = 1;
			e->status = "blocked";
			continue;
		}
		git_oid_cpy(&e->commit, &m->commit);
		git_oid_cpy(&e->tree, &m->tree);
		e->noop = m->noop;
		e->detail = m->detail;
		if (!sp->cfg.independent) {
			if ((err = verdicts(e, sp, p)) < 0)
				return err;
			if (!e->has_pass && e->fails && !e->running_run &&
			    oid_in(p->passed, p->npassed, &top_tree)) {
				/* Fails on a good tree: this submission is the suspect. */
				e->suspect = 1;
				e->status = "failed";
				continue;
			}
			if (e->verified && (err = oid_push(&p->good, &p->ngood, &e->tree)) < 0)
				return err;
			if (e->has_pass && (err = oid_push(&p->passed, &p->npassed, &e->tree)) < 0)
				return err;
			git_oid_cpy(&top, &e->commit);
			git_oid_cpy(&top_tree, &e->tree);
		} else if ((err = verdicts(e, sp, p)) < 0) {
			return err;
		}
		e->in_chain = 1;
		e->chain_pos = (int)p->nchain;
		p->chain[p->nchain++] = e;
	}
	return 0;
}

/* ---- decisions ---------------------------------------------------------------- */

/* The head failed verification on a good tree, after its retries: decide it failed. */
static int blame(spec *sp, pentry *e)
{
	braid_ctx *ctx = sp->ctx;
	braid_gate_run *run = NULL;
	char *tail = NULL, *detail = NULL, *payload = NULL, thex[GIT_OID_HEXSZ + 1],
	     mhex[GIT_OID_HEXSZ + 1];
	json_t *d = NULL, *op = NULL;
	int err;

	if ((err = braid_gate_run_get(&run, ctx, e->fail_run)) < 0)
		return err;
	if (braid_gate_run_log(&tail, ctx, run, LOG_TAIL) < 0)
		braid_error_clear();
	braid_repo_oid_hex(thex, &e->tree);
	braid_repo_oid_hex(mhex, &e->parent);
	d = e->detail ? json_loads(e->detail, 0, NULL) : json_object();
	if (!d)
		d = json_object();
	json_object_set_new(d, "reason", json_string("verification"));
	json_object_set_new(
	    d, "verification",
	    json_pack("{s:I, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:s?, s:s}", "run",
	              (json_int_t)run->id, "state", run->state, "tree", thex, "main", mhex, "exit",
	              run->exit_code, "attempts", e->fails, "log", run->dir, "command",
	              run->command, "log_tail", tail, "error",
	              !strcmp(run->state, "timeout") ? "the gate timed out"
	                                             : "the gate failed on the merged tree"));
	op = json_pack("{s:I, s:s, s:s, s:I, s:i, s:i, s:s}", "submission", (json_int_t)e->s->id,
	               "change", e->s->change_id, "tree", thex, "run", (json_int_t)run->id, "exit",
	               run->exit_code, "attempts", e->fails, "reason", "verification");
	detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
	payload = op ? json_dumps(op, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!detail || !payload)
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
	else if ((err = braid_converge__fail(ctx, e->s, detail, "reject", payload)) == 0)
		sp->processed++;
	json_decref(d);
	json_decref(op);
	free(detail);
	free(payload);
	free(tail);
	braid_gate_run_free(run);
	return err;
}

static int head_conflict(spec *sp, pentry *e)
{
	braid_tm_result r = {0};
	git_oid base, head;
	int err;

	if ((err = braid_repo_oid_parse(&base, e->s->base_commit)) < 0 ||
	    (err = braid_repo_oid_parse(&head, e->s->head_commit)) < 0 ||
	    (err = braid_treemerge(&r, sp->ctx->git, &base, &e->parent, &head, &e->parent)) < 0)
		return err;
	if (!r.clean &&
	    (err = braid_converge__record_conflict(sp->ctx, e->s, &r, &base, &e->parent)) == 0)
		sp->processed++;
	braid_tm_result_clear(&r);
	return err;
}

/* The submissions a run at chain position `upto` verifies, in order. */
static char *stack_json(const spec *sp, plan *p, const pentry *e, int upto)
{
	json_t *a = json_array();
	char *s;
	int i;
	if (a && (upto < 0 || sp->cfg.independent))
		json_array_append_new(a, json_integer(e->s->id));
	for (i = 0; a && i <= upto && i < (int)p->nchain && !sp->cfg.independent; i++)
		json_array_append_new(a, json_integer(p->chain[i]->s->id));
	s = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return s;
}

/*
 * Land chain[0..top] at once: record each as landing (its commit, and the
 * commit below it), move main to chain[top]'s commit by compare-and-swap,
 * then finish each in queue order. A crash after the CAS is finished by the
 * next driver (recover_gated); before it, the rows go back to pending.
 */
static int land_prefix(spec *sp, plan *p, size_t top, int64_t verified_by,
                       const git_oid *verified_tree, int alone)
{
	braid_ctx *ctx = sp->ctx;
	char lhex[GIT_OID_HEXSZ + 1], phex[GIT_OID_HEXSZ + 1], thex[GIT_OID_HEXSZ + 1];
	char *extra = NULL;
	json_t *x;
	git_oid target;
	size_t i;
	int err;

	git_oid_cpy(&target, &p->chain[top]->commit);
	if ((err = braid_store_begin(ctx->store)) < 0)
		return err;
	for (i = 0; i <= top; i++) {
		pentry *e = p->chain[i];
		if ((err = braid_converge__set_submission(
		         ctx, e->s->id, "landing", braid_repo_oid_hex(lhex, &e->commit),
		         braid_repo_oid_hex(phex, &e->parent), NULL, NULL, e->detail)) < 0) {
			braid_store_rollback(ctx->store);
			return err;
		}
	}
	if ((err = braid_store_commit(ctx->store)) < 0)
		return err;
	BRAID_FAULT("before-ref-update");
	if (!git_oid_equal(&target, &p->main_oid)) {
		err =
		    braid_repo_cas_ref(ctx->git, ctx->target, &target, &p->main_oid, "braid: land");
		if (err == BRAID_ESTALE) {
			/* main moved outside the queue: replan on the new main. */
			braid_error_clear();
			for (i = 0; i <= top && !err; i++)
				err = braid_converge__set_submission(ctx, p->chain[i]->s->id,
				                                     "pending", NULL, NULL, NULL,
				                                     NULL, NULL);
			return err;
		}
		if (err < 0)
			return err;
	}
	BRAID_FAULT("after-ref-update");
	x = json_pack("{s:{s:I, s:s, s:s, s:I, s:b}}", "gate", "run", (json_int_t)verified_by,
	              "tree", braid_repo_oid_hex(thex, verified_tree), "main",
	              braid_repo_oid_hex(lhex, &target), "batch", (json_int_t)top + 1,
	              "verified_alone", alone);
	extra = x ? json_dumps(x, JSON_COMPACT) : NULL;
	json_decref(x);
	for (i = 0; i <= top && !err; i++) {
		pentry *e = p->chain[i];
		free(e->s->detail);
		e->s->detail = e->detail ? braid_strdup(e->detail) : NULL;
		if ((err = braid_converge__finish_land(ctx, e->s, &e->commit, &e->parent, extra)) ==
		    0)
			sp->processed++;
	}
	free(extra);
	return err;
}

/* Submissions a crashed driver left in `landing`: finish them if main has them. */
static int recover_gated(spec *sp, int *acted)
{
	braid_ctx *ctx = sp->ctx;
	sqlite3_stmt *st;
	int64_t ids[64];
	size_t n = 0, i;
	git_oid main_oid;
	int err = 0, rc;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT id FROM submissions WHERE state = 'landing'"
	                             " ORDER BY id LIMIT 64")) < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_DONE)
		err = braid_store__error(ctx->store, "cannot read the landing submissions");
	sqlite3_reset(st);
	if (err < 0)
		return err;
	if (!n)
		return 0;
	if ((err = braid_repo_ref_oid(&main_oid, ctx->git, ctx->target)) < 0)
		return err;
	for (i = 0; i < n && !err; i++) {
		braid_submission *s = NULL;
		git_oid land, expected;
		char *lh = NULL, *eh = NULL;
		if ((err = braid_store__stmt(&st, ctx->store,
		                             "SELECT land_commit, expected_main FROM submissions"
		                             " WHERE id = ?")) < 0)
			break;
		sqlite3_bind_int64(st, 1, ids[i]);
		if (sqlite3_step(st) == SQLITE_ROW) {
			lh = braid_store__col_strdup(st, 0);
			eh = braid_store__col_strdup(st, 1);
		}
		sqlite3_reset(st);
		if ((err = braid_converge__load(&s, ctx, ids[i])) < 0) {
			free(lh);
			free(eh);
			break;
		}
		if (lh && eh && braid_repo_oid_parse(&land, lh) == 0 &&
		    braid_repo_oid_parse(&expected, eh) == 0 &&
		    braid_repo_is_ancestor(ctx->git, &land, &main_oid) == 1) {
			err = braid_converge__finish_land(ctx, s, &land, &expected,
			                                  "{\"recovered\": true}");
			sp->processed += err == 0;
		} else {
			/* Never CAS a recovered landing here: its commit may have been verified
			 * only as part of a batch. The next plan lands it again from its verdict.
			 */
			braid_error_clear();
			err = braid_converge__set_submission(ctx, ids[i], "pending", NULL, NULL,
			                                     NULL, NULL, NULL);
		}
		*acted = 1;
		free(lh);
		free(eh);
		braid_submission_free(s);
	}
	return err;
}

/* ---- independent mode ---------------------------------------------------------- */

/* The diff a submission made (its base to its head). */
static int sub_diff(braid_symidx_diff *d, braid_ctx *ctx, const char *from_hex, const char *to_hex)
{
	git_oid a, b;
	int err;
	if ((err = braid_repo_oid_parse(&a, from_hex)) < 0 ||
	    (err = braid_repo_oid_parse(&b, to_hex)) < 0)
		return err;
	return braid_symidx_diff_trees(d, ctx, &a, &b);
}

/*
 * Was `e` verified alone on an earlier main, with everything landed since
 * independent of it? Then it may land without a run on today's main.
 */
static int verified_alone(int *ok, int64_t *run_out, spec *sp, pentry *e, const plan *p)
{
	braid_ctx *ctx = sp->ctx;
	sqlite3_stmt *st;
	braid_symidx_diff mine;
	git_oid m0, id;
	git_revwalk *w = NULL;
	char *m0hex = NULL;
	int err, n = 0;

	*ok = 0;
	memset(&mine, 0, sizeof(mine));
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT id, main_commit FROM gate_runs WHERE submission_id = ?"
	         " AND gate_key = ? AND state = 'passed' AND main_commit IS NOT NULL"
	         " ORDER BY id DESC LIMIT 1")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, e->s->id);
	sqlite3_bind_text(st, 2, sp->cfg.key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*run_out = sqlite3_column_int64(st, 0);
		m0hex = braid_store__col_strdup(st, 1);
	}
	sqlite3_reset(st);
	if (!m0hex || braid_repo_oid_parse(&m0, m0hex) < 0 ||
	    braid_repo_is_ancestor(ctx->git, &m0, &p->main_oid) != 1)
		goto done;
	if ((err = sub_diff(&mine, ctx, e->s->base_commit, e->s->head_commit)) < 0 || !mine.precise)
		goto done;
	if (git_revwalk_new(&w, ctx->git) < 0 || git_revwalk_push(w, &p->main_oid) < 0 ||
	    git_revwalk_hide(w, &m0) < 0)
		goto done;
	git_revwalk_simplify_first_parent(w);
	*ok = 1;
	while (*ok && git_revwalk_next(&id, w) == 0) {
		char hex[GIT_OID_HEXSZ + 1];
		char *prev = NULL;
		braid_symidx_diff theirs;
		if (++n > 500) {
			*ok = 0;
			break;
		}
		if ((err = braid_store__stmt(
		         &st, ctx->store, "SELECT prev_main FROM landings WHERE commit_id = ?")) <
		    0)
			break;
		sqlite3_bind_text(st, 1, braid_repo_oid_hex(hex, &id), -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			prev = braid_store__col_strdup(st, 0);
		sqlite3_reset(st);
		if (!prev) {
			*ok = 0; /* a commit braid did not land: cannot tell */
			break;
		}
		err = sub_diff(&theirs, ctx, prev, hex);
		free(prev);
		if (err < 0)
			break;
		*ok = braid_symidx_independent(&mine, &theirs);
		braid_symidx_diff_release(&theirs);
	}
	if (err < 0)
		*ok = 0;
done:
	git_error_clear();
	git_revwalk_free(w);
	braid_symidx_diff_release(&mine);
	free(m0hex);
	return err;
}

/* ---- scheduling -------------------------------------------------------------------- */

static int start_run(spec *sp, plan *p, pentry *e, const git_oid *since, const char *kind,
                     int attempt)
{
	braid_gate_req req;
	char mhex[GIT_OID_HEXSZ + 1];
	char *stack = stack_json(sp, p, e, e->chain_pos);
	int64_t id = 0;
	int err;

	memset(&req, 0, sizeof(req));
	git_oid_cpy(&req.commit, &e->commit);
	req.since = since;
	req.main_commit = braid_repo_oid_hex(mhex, &p->main_oid);
	req.submission = e->s->id;
	req.stack = stack;
	req.kind = kind;
	req.attempt = attempt;
	err = braid_gate__start(&id, sp->ctx, &sp->cfg, &req);
	free(stack);
	if (err == 0) {
		e->running_run = id;
		e->covered = 1;
		BRAID_FAULT("gate-started");
	}
	return err;
}

static int record_retry(spec *sp, pentry *e)
{
	char thex[GIT_OID_HEXSZ + 1], *payload;
	json_t *j = json_pack("{s:I, s:s, s:s, s:I, s:i}", "submission", (json_int_t)e->s->id,
	                      "change", e->s->change_id, "tree", braid_repo_oid_hex(thex, &e->tree),
	                      "failed_run", (json_int_t)e->fail_run, "attempt", e->fails + 1);
	int err;

	payload = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!payload)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	err = braid_op_record(NULL, sp->ctx, e->s->agent_id, "gate.retry", payload);
	free(payload);
	return err;
}

/* Cancel running queue runs on trees the plan no longer has. */
static int cancel_stale(spec *sp, plan *p, size_t *running)
{
	sqlite3_stmt *st;
	int64_t ids[128], subs[128];
	char *trees[128];
	size_t n = 0, i, j;
	int err, rc;

	*running = 0;
	if ((err = braid_store__stmt(
	         &st, sp->ctx->store,
	         "SELECT id, tree, submission_id FROM gate_runs WHERE state = 'running'"
	         " AND kind != 'verify' AND gate_key = ? LIMIT 128")) < 0)
		return err;
	sqlite3_bind_text(st, 1, sp->cfg.key, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 128) {
		ids[n] = sqlite3_column_int64(st, 0);
		subs[n] = sqlite3_column_int64(st, 2);
		trees[n++] = braid_store__col_strdup(st, 1);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = braid_store__error(sp->ctx->store, "cannot read the running gate runs");
	sqlite3_reset(st);
	for (i = 0; i < n && !err; i++) {
		int keep = 0;
		git_oid t;
		if (trees[i] && git_oid_fromstr(&t, trees[i]) == 0)
			for (j = 0; j < p->n && !keep; j++)
				keep = (!p->e[j].conflict && git_oid_equal(&p->e[j].tree, &t)) ||
				       /* alone, a run stays useful while its submission waits */
				       (sp->cfg.independent && p->e[j].s->id == subs[i]);
		git_error_clear();
		if (keep)
			(*running)++;
		else if ((err = braid_gate__cancel(sp->ctx, ids[i])) < 0)
			break;
		free(trees[i]);
		trees[i] = NULL;
	}
	for (; i < n; i++)
		free(trees[i]);
	/* Runs of other kinds (braid verify) and other configurations also use CPU. */
	if (!err) {
		size_t all;
		if ((err = braid_gate__running(sp->ctx, &all)) == 0 && all > *running)
			*running = all;
	}
	return err;
}

/* Which chain positions need a run, first to last. */
static int schedule_cumulative(spec *sp, plan *p, size_t free_slots)
{
	size_t i, batch, gap = 0, first_bad = p->nchain, last_good = 0;
	int have_good = 0, err = 0;

	if (!free_slots || !p->nchain)
		return 0;
	/* A failure that cannot be pinned on one submission (a batch, or a tree whose
	 * parent is unverified): verify the positions below it first. */
	for (i = 0; i < p->nchain; i++) {
		pentry *e = p->chain[i];
		if (e->has_pass) {
			have_good = 1;
			last_good = i;
		}
		if (!e->has_pass && e->fails && !e->running_run) {
			first_bad = i;
			break;
		}
	}
	if (first_bad < p->nchain) {
		for (i = have_good ? last_good + 1 : 0; i < first_bad && free_slots; i++) {
			pentry *e = p->chain[i];
			if (e->covered)
				continue;
			if ((err = start_run(sp, p, e, i ? &p->chain[i - 1]->tree : &p->main_tree,
			                     "bisect", 1)) < 0)
				return err;
			free_slots--;
		}
		return 0;
	}
	batch = p->nchain <= (size_t)sp->cfg.concurrency
	            ? 1
	            : (p->nchain + (size_t)sp->cfg.concurrency - 1) / (size_t)sp->cfg.concurrency;
	if (batch > (size_t)sp->cfg.batch_max)
		batch = (size_t)sp->cfg.batch_max;
	for (i = 0; i < p->nchain && free_slots; i++) {
		pentry *e = p->chain[i];
		const git_oid *since = &p->main_tree;
		size_t k;
		if (e->covered) {
			gap = 0;
			continue;
		}
		if (++gap < batch && i + 1 < p->nchain)
			continue;
		/* Incremental against the nearest position below that is covered. */
		for (k = i; k-- > 0;)
			if (p->chain[k]->covered) {
				since = &p->chain[k]->tree;
				break;
			}
		if ((err = start_run(sp, p, e, since, "queue", 1)) < 0)
			return err;
		free_slots--;
		gap = 0;
	}
	return 0;
}

static int schedule_independent(spec *sp, plan *p, size_t free_slots)
{
	size_t i;
	int err;

	for (i = 0; i < p->nchain && free_slots; i++) {
		pentry *e = p->chain[i];
		/* Verified alone once is enough until its turn shows it is not (alone_stale). */
		if (e->covered || e->has_pass || e->fails || (e->sub_passed && !e->alone_stale))
			continue;
		if ((err = start_run(sp, p, e, &p->main_tree, "queue", 1)) < 0)
			return err;
		free_slots--;
	}
	return 0;
}

/* ---- display ----------------------------------------------------------------------- */

static int write_plan(spec *sp, plan *p)
{
	braid_ctx *ctx = sp->ctx;
	sqlite3_stmt *st;
	size_t i;
	int err;

	/* Positions without their own run are verified by the next run above them. */
	for (i = p->nchain; i-- > 0;) {
		pentry *e = p->chain[i];
		if (e->status)
			continue;
		e->shown_run = e->running_run ? e->running_run : e->pass_run;
		if (e->verified)
			e->status = "passed";
		else if (e->running_run)
			e->status = e->retry_running ? "retrying" : "verifying";
		else if (!sp->cfg.independent && i + 1 < p->nchain &&
		         !strcmp(p->chain[i + 1]->status, "verifying"))
			e->status = "verifying", e->shown_run = p->chain[i + 1]->shown_run;
		else if (e->has_pass)
			e->status = "verifying";
		else
			e->status = "waiting";
	}
	if ((err = braid_store_begin(ctx->store)) < 0)
		return err;
	if ((err = braid_store__exec(ctx->store, "DELETE FROM queue_plan")) < 0)
		goto rollback;
	for (i = 0; i < p->n; i++) {
		pentry *e = &p->e[i];
		char thex[GIT_OID_HEXSZ + 1], *stacked = NULL;
		if (e->in_chain && !sp->cfg.independent && e->chain_pos > 0)
			stacked = stack_json(sp, p, e, e->chain_pos - 1);
		if ((err = braid_store__stmt(
		         &st, ctx->store,
		         "INSERT OR REPLACE INTO queue_plan(submission_id, position,"
		         " status, stacked_on, tree, run_id, note, updated_at)"
		         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) < 0) {
			free(stacked);
			goto rollback;
		}
		sqlite3_bind_int64(st, 1, e->s->id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		sqlite3_bind_text(st, 3, e->status ? e->status : "waiting", -1, SQLITE_STATIC);
		braid_store__bind_text(st, 4, stacked ? stacked : "[]");
		braid_store__bind_text(st, 5,
		                       e->conflict ? NULL : braid_repo_oid_hex(thex, &e->tree));
		if (e->shown_run)
			sqlite3_bind_int64(st, 6, e->shown_run);
		else
			sqlite3_bind_null(st, 6);
		braid_store__bind_text(st, 7,
		                       e->conflict ? "conflicts with work ahead of it"
		                       : e->suspect
		                           ? (e->retry_running ? "retrying the gate"
		                                               : "failed the gate; blamed when "
		                                                 "everything ahead is decided")
		                           : NULL);
		sqlite3_bind_int64(st, 8, braid_time_now_ms());
		err = braid_store__step_done(ctx->store, st, "cannot record the queue plan");
		free(stacked);
		if (err < 0)
			goto rollback;
	}
	return braid_store_commit(ctx->store);
rollback:
	braid_store_rollback(ctx->store);
	return err;
}

/* ---- one planning round -------------------------------------------------------------- */

/*
 * Plan once and act: decide the head (conflict, blame, retry), land what
 * is verified, start and cancel runs. `acted` is set when durable state
 * changed in a way that needs another plan at once.
 */
static int plan_round(spec *sp, int *acted)
{
	braid_ctx *ctx = sp->ctx;
	plan p;
	size_t i, running = 0, free_slots;
	int err;

	memset(&p, 0, sizeof(p));
	*acted = 0;
	if ((err = recover_gated(sp, acted)) < 0 || *acted)
		return err;
	if ((err = braid_repo_ref_oid(&p.main_oid, ctx->git, ctx->target)) < 0 ||
	    (err = braid_repo_commit_tree(&p.main_tree, ctx->git, &p.main_oid)) < 0 ||
	    (err = oid_push(&p.good, &p.ngood, &p.main_tree)) < 0 ||
	    (err = oid_push(&p.passed, &p.npassed, &p.main_tree)) < 0 ||
	    (err = load_queue(&p, ctx)) < 0)
		goto done;
	if ((err = build_chain(&p, sp)) < 0)
		goto done;
	if (p.n) {
		pentry *h = &p.e[0];
		if (h->conflict) {
			err = head_conflict(sp, h);
			*acted = 1;
			goto done;
		}
		if (sp->cfg.independent && h->in_chain && !h->verified && !h->running_run) {
			int ok = 0;
			int64_t run = 0;
			if ((err = verified_alone(&ok, &run, sp, h, &p)) < 0)
				goto done;
			if (ok) {
				err = land_prefix(sp, &p, 0, run, &h->tree, 1);
				*acted = 1;
				goto done;
			}
			h->alone_stale = 1; /* verify it again, on today's main */
		}
		if ((h->suspect || (sp->cfg.independent && h->fails && !h->has_pass)) &&
		    !h->running_run) {
			if (h->fails > sp->cfg.retries) {
				err = blame(sp, h);
				*acted = 1;
				goto done;
			}
			if ((err = record_retry(sp, h)) < 0 ||
			    (err = start_run(sp, &p, h, &h->parent_tree, "retry", h->fails + 1)) <
			        0)
				goto done;
			h->retry_running = h->running_run;
		}
	}
	/* Land the furthest verified position before anything undecided that blocks. */
	{
		int top = -1;
		for (i = 0; i < p.n; i++) {
			pentry *e = &p.e[i];
			if (!e->in_chain || e->suspect)
				break;
			if (e->verified)
				top = e->chain_pos;
			if (sp->cfg.independent)
				break; /* each one alone, in order */
		}
		if (top >= 0) {
			pentry *t = p.chain[top];
			err = land_prefix(sp, &p, (size_t)top, t->pass_run, &t->tree, 0);
			*acted = 1;
			goto done;
		}
	}
	if ((err = cancel_stale(sp, &p, &running)) < 0)
		goto done;
	free_slots =
	    running < (size_t)sp->cfg.concurrency ? (size_t)sp->cfg.concurrency - running : 0;
	err = sp->cfg.independent ? schedule_independent(sp, &p, free_slots)
	                          : schedule_cumulative(sp, &p, free_slots);
	if (err < 0)
		goto done;
	err = write_plan(sp, &p);
done:
	memo_sweep(sp);
	plan_clear(&p);
	return err;
}

/* ---- the driver loop ------------------------------------------------------------------ */

static int queue_signature(braid_ctx *ctx, char *sig, size_t n)
{
	sqlite3_stmt *st;
	git_oid m;
	char hex[GIT_OID_HEXSZ + 1];
	int err;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT count(*), coalesce(max(id), 0) FROM submissions"
	                             " WHERE state IN ('pending', 'landing')")) < 0)
		return err;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return braid_store__error(ctx->store, "cannot read the queue");
	}
	if (braid_repo_ref_oid(&m, ctx->git, ctx->target) < 0) {
		braid_error_clear();
		memset(&m, 0, sizeof(m));
	}
	snprintf(sig, n, "%lld/%lld/%s", (long long)sqlite3_column_int64(st, 0),
	         (long long)sqlite3_column_int64(st, 1), braid_repo_oid_hex(hex, &m));
	sqlite3_reset(st);
	return 0;
}

int braid_converge__drive_gated(braid_ctx *ctx, int64_t until_id, long idle_ms, size_t *processed,
                                void (*progress)(void *payload, const char *what, long waited_ms),
                                void *payload)
{
	spec sp;
	char sig[128] = "", now_sig[128];
	int64_t start = braid_time_mono_ms(), last_plan = 0, idle_since = 0,
	        next_report = start + 1000;
	size_t i;
	int err;

	memset(&sp, 0, sizeof(sp));
	sp.ctx = ctx;
	if ((err = braid_gate_config_load(&sp.cfg, ctx)) < 0)
		return err;
	for (;;) {
		size_t finished = 0, running = 0;
		int acted = 0;
		int64_t now;
		if ((err = braid_gate__reap(ctx, &finished)) < 0)
			break;
		if (until_id && braid_converge__decided(ctx, until_id))
			break;
		if ((err = queue_signature(ctx, now_sig, sizeof(now_sig))) < 0)
			break;
		now = braid_time_mono_ms();
		if (finished || strcmp(sig, now_sig) != 0 || now - last_plan >= REPLAN_MS) {
			memcpy(sig, now_sig, sizeof(sig));
			last_plan = now;
			if ((err = plan_round(&sp, &acted)) < 0)
				break;
			if (acted) {
				sig[0] = '\0';
				continue;
			}
		}
		if (!until_id) {
			if ((err = braid_gate__running(ctx, &running)) < 0)
				break;
			if (!strncmp(now_sig, "0/", 2) && !running) {
				if (!idle_since)
					idle_since = now;
				if (now - idle_since >= idle_ms)
					break;
			} else {
				idle_since = 0;
			}
		}
		if (progress && now >= next_report) {
			progress(payload, "driving the landing queue", (long)(now - start));
			next_report = now + 1000;
		}
		braid_time_sleep_us(POLL_US);
	}
	for (i = 0; i < sp.nmemo; i++)
		free(sp.memo[i].detail);
	free(sp.memo);
	braid_gate_config_release(&sp.cfg);
	if (processed)
		*processed = sp.processed;
	return err;
}
