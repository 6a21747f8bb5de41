/*
 * doctor.c: `braid doctor` — what a restart after a crash runs. It first
 * lets the lander finish whatever a dead process left queued or half
 * landed, then checks the invariants and reports each check on one line.
 */
#include "common.h"
#include "braid/op.h"
#include "braid/repo.h"
#include "converge/converge_int.h"
#include "ctx/ctx_int.h"
#include "util/buf.h"
#include "util/fs.h"

void braid_doctor_report_clear(braid_doctor_report *r)
{
	free(r->text);
	memset(r, 0, sizeof(*r));
}

static int line(braid_buf *b, size_t *problems, int ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int line(braid_buf *b, size_t *problems, int ok, const char *fmt, ...)
{
	va_list ap;
	int err;

	if (!ok)
		(*problems)++;
	if ((err = braid_buf_puts(b, ok ? "ok    " : "FAIL  ")) < 0)
		return err;
	va_start(ap, fmt);
	err = braid_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return err < 0 ? err : braid_buf_putc(b, '\n');
}

int braid_converge_doctor(braid_doctor_report *out, braid_ctx *ctx)
{
	braid_buf b = BRAID_BUF_INIT;
	braid_op_verify_report vr = {0};
	sqlite3_stmt *st;
	size_t problems = 0, recovered = 0, n = 0, bad = 0;
	git_oid main_oid;
	int err, rc;

	memset(out, 0, sizeof(*out));
	if ((err = braid_converge_drive(ctx, 0, &recovered, NULL, NULL)) < 0)
		goto done;
	if ((err = line(&b, &problems, 1, "landing queue drained (%zu submission%s decided now)",
	                recovered, recovered == 1 ? "" : "s")) < 0)
		goto done;
	rc = braid_repo_ref_oid(&main_oid, ctx->git, ctx->target);
	if ((err = line(&b, &problems, rc == 0, "target branch '%s' resolves", ctx->target_name)) <
	    0)
		goto done;
	if (rc < 0) {
		err = 0;
		goto finish;
	}
	/* Every landed submission is in main's history: main only moved forward. */
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT land_commit FROM submissions WHERE state = 'landed'"
	                             " ORDER BY id DESC LIMIT 2000")) < 0)
		goto done;
	while (sqlite3_step(st) == SQLITE_ROW) {
		git_oid l;
		const char *h = (const char *)sqlite3_column_text(st, 0);
		n++;
		if (!h || braid_repo_oid_parse(&l, h) < 0 ||
		    braid_repo_is_ancestor(ctx->git, &l, &main_oid) != 1)
			bad++;
	}
	sqlite3_reset(st);
	braid_error_clear();
	if ((err = line(&b, &problems, bad == 0,
	                "%zu landed submission%s reachable from %s (%zu missing)", n,
	                n == 1 ? "" : "s", ctx->target_name, bad)) < 0)
		goto done;
	/* Unlanded changes keep their commits under refs/braid/changes/. */
	n = bad = 0;
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "SELECT id, head_commit FROM changes WHERE state NOT IN ('landed')")) < 0)
		goto done;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char ref[128];
		git_oid have;
		snprintf(ref, sizeof(ref), "refs/braid/changes/%s", sqlite3_column_text(st, 0));
		n++;
		if (git_reference_name_to_id(&have, ctx->git, ref) < 0 ||
		    strcmp(git_oid_tostr_s(&have), (const char *)sqlite3_column_text(st, 1)) != 0)
			bad++;
	}
	sqlite3_reset(st);
	git_error_clear();
	if ((err = line(&b, &problems, bad == 0, "%zu open change%s have their ref (%zu wrong)", n,
	                n == 1 ? "" : "s", bad)) < 0)
		goto done;
	/* Workspaces on disk. */
	n = bad = 0;
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT path FROM workspaces WHERE state = 'active'")) < 0)
		goto done;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *git = braid_sprintf_alloc("%s/.git", sqlite3_column_text(st, 0));
		n++;
		if (!git || !braid_fs_exists(git))
			bad++;
		free(git);
	}
	sqlite3_reset(st);
	if ((err = line(&b, &problems, bad == 0, "%zu workspace%s present on disk (%zu missing)", n,
	                n == 1 ? "" : "s", bad)) < 0)
		goto done;
	if ((err = braid_op_verify_all(&vr, ctx)) < 0)
		goto done;
	if ((err = line(&b, &problems, !vr.bad_id && !vr.bad_signature && !vr.missing_parent,
	                "op log: %zu ops, ids and signatures verify%s%s", vr.checked,
	                vr.first_problem ? "; first problem: " : "",
	                vr.first_problem ? vr.first_problem : "")) < 0)
		goto done;
	{
		char *stale = NULL;
		if (braid_store_meta_get(&stale, ctx->store, "root_stale") == 0 && stale && *stale)
			err = line(&b, &problems, 1, "note: %s", stale);
		braid_error_clear();
		free(stale);
		if (err < 0)
			goto done;
	}
finish:
	out->problems = problems;
	out->recovered = recovered;
	out->text = braid_buf_detach(&b);
done:
	braid_op_verify_report_clear(&vr);
	braid_buf_dispose(&b);
	return err;
}
