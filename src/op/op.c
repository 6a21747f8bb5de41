/*
 * op.c: the signed op log. An op's id is BLAKE3 over a canonical encoding
 * of (sorted parent ids, agent, kind, canonical payload); the signature is
 * ed25519 over the 32 id bytes. New ops take the current DAG heads as
 * parents inside the same IMMEDIATE transaction, so concurrent writers
 * always chain (locally the log is a line; replicated logs may fork and
 * join).
 */
#include "common.h"
#include "braid/agent.h"
#include "braid/hash.h"
#include "braid/op.h"
#include "ctx/ctx_int.h"
#include "op/op_int.h"
#include "util/buf.h"
#include "util/time.h"

#include <jansson.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The exact bytes an op id hashes. Parents must already be sorted. */
static int op_digest(unsigned char out[BRAID_HASH_SIZE], char *const *parents, size_t nparents,
                     const char *agent_id, const char *kind, const char *payload)
{
	braid_hasher h;
	size_t i;

	braid_hash_init(&h);
	braid_hash_update(&h, "braid-op-v1\n", 12);
	for (i = 0; i < nparents; i++) {
		braid_hash_update(&h, "parent ", 7);
		braid_hash_update(&h, parents[i], strlen(parents[i]));
		braid_hash_update(&h, "\n", 1);
	}
	braid_hash_update(&h, "agent ", 6);
	braid_hash_update(&h, agent_id, strlen(agent_id));
	braid_hash_update(&h, "\nkind ", 6);
	braid_hash_update(&h, kind, strlen(kind));
	braid_hash_update(&h, "\npayload ", 9);
	braid_hash_update(&h, payload, strlen(payload));
	braid_hash_final(&h, out);
	return 0;
}

static int canonical_payload(char **out, const char *payload_json)
{
	json_error_t jerr;
	json_t *j = json_loads(payload_json ? payload_json : "{}", 0, &jerr);

	if (!j || !json_is_object(j)) {
		json_decref(j);
		return braid_error_set(BRAID_EINVALID, "op payload is not a JSON object: %s",
		                       j ? "not an object" : jerr.text);
	}
	*out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(j);
	return *out ? 0 : braid_error_set(BRAID_ENOMEM, "out of memory");
}

static void free_strv(char **v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int load_heads(char ***out, size_t *n, braid_ctx *ctx)
{
	sqlite3_stmt *st;
	char **v = NULL;
	size_t count = 0;
	int err, rc;

	if ((err = braid_store__stmt(&st, ctx->store, "SELECT id FROM op_heads ORDER BY id")) < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **nv = realloc(v, (count + 1) * sizeof(*v));
		if (!nv || !(nv[count] = braid_store__col_strdup(st, 0))) {
			if (nv)
				v = nv;
			sqlite3_reset(st);
			free_strv(v, count);
			return braid_error_set(BRAID_ENOMEM, "out of memory");
		}
		v = nv;
		count++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free_strv(v, count);
		return braid_store__error(ctx->store, "cannot read op heads");
	}
	*out = v;
	*n = count;
	return 0;
}

/*
 * Kinds that may be recorded without a signature of their own (routine lock
 * grants and releases, include/braid/intent.h): such an op is sealed by the
 * signature of any later op, whose id commits to it through its parents, and
 * at least every SEAL_EVERY ops one of them is signed itself, so the unsealed
 * tail of the log is never long. Every other op is signed when recorded.
 */
static const char *const routine_kinds[] = {"intent.grant", "intent.release"};
#define SEAL_EVERY 64

static int is_routine_kind(const char *kind)
{
	size_t i;
	for (i = 0; i < BRAID_ARRAY_SIZE(routine_kinds); i++)
		if (!strcmp(kind, routine_kinds[i]))
			return 1;
	return 0;
}

/*
 * By default every op carries its agent's own signature (DESIGN.md). With
 * `op.signing = sealed` in .braid/config, routine lock ops are recorded
 * unsigned and sealed by the next signed op: a third of the cost of a lock
 * grant, for deployments that trade per-op signatures for lock throughput.
 */
static int is_sealed_kind(braid_ctx *ctx, const char *kind)
{
	char *mode = NULL;
	int sealed;

	if (!is_routine_kind(kind))
		return 0;
	if (braid_ctx_config_string(&mode, ctx, "op.signing", "each") < 0)
		return 0;
	sealed = mode && !strcmp(mode, "sealed");
	free(mode);
	return sealed;
}

static int record(char **id_out, braid_ctx *ctx, const char *agent_id, const char *kind,
                  char *payload, int routine)
{
	char **parents = NULL;
	size_t nparents = 0, i;
	unsigned char digest[BRAID_HASH_SIZE], sig[BRAID_SIG_SIZE];
	char idhex[BRAID_HASH_HEXSIZE + 1], sighex[BRAID_SIG_HEXSIZE + 1] = "";
	braid_buf pj = BRAID_BUF_INIT;
	sqlite3_stmt *st;
	int err, own_txn = !ctx->store->in_txn, rc = 0;
	int64_t seq;

	if (own_txn && (err = braid_store_begin(ctx->store)) < 0)
		goto done;
	if ((err = load_heads(&parents, &nparents, ctx)) < 0)
		goto fail;
	if (nparents > 1)
		qsort(parents, nparents, sizeof(*parents), cmp_str);
	op_digest(digest, parents, nparents, agent_id, kind, payload);
	braid_hex_encode(idhex, digest, sizeof(digest));
	if (!routine) {
		if ((err = braid_agent_sign(sig, ctx, agent_id, digest, sizeof(digest))) < 0)
			goto fail;
		braid_hex_encode(sighex, sig, sizeof(sig));
	}
	/* Parent ids are hex: the JSON array needs no escaping. */
	rc |= braid_buf_putc(&pj, '[');
	for (i = 0; i < nparents; i++)
		rc |= braid_buf_printf(&pj, "%s\"%s\"", i ? "," : "", parents[i]);
	rc |= braid_buf_putc(&pj, ']');
	if (rc < 0) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto fail;
	}
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "INSERT OR IGNORE INTO ops(id, kind, agent_id, parents, payload, "
	         "signature, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, idhex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, agent_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, pj.ptr, (int)pj.size, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, sighex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, braid_time_now_ms());
	if ((err = braid_store__step_done(ctx->store, st, "cannot record op")) < 0)
		goto fail;
	seq = sqlite3_last_insert_rowid(ctx->store->db);
	if (routine && sqlite3_changes(ctx->store->db) == 1 && seq % SEAL_EVERY == 0) {
		/* Every SEAL_EVERY-th op is signed even when routine: it seals the ones before. */
		if ((err = braid_agent_sign(sig, ctx, agent_id, digest, sizeof(digest))) < 0)
			goto fail;
		braid_hex_encode(sighex, sig, sizeof(sig));
		if ((err = braid_store__stmt(&st, ctx->store,
		                             "UPDATE ops SET signature = ? WHERE seq = ?")) < 0)
			goto fail;
		sqlite3_bind_text(st, 1, sighex, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, seq);
		if ((err = braid_store__step_done(ctx->store, st, "cannot record op")) < 0)
			goto fail;
	}
	if ((err = braid_store__stmt(&st, ctx->store, "DELETE FROM op_heads")) < 0 ||
	    (err = braid_store__step_done(ctx->store, st, "cannot record op head")) < 0 ||
	    (err = braid_store__stmt(&st, ctx->store, "INSERT INTO op_heads(id) VALUES (?)")) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, idhex, -1, SQLITE_STATIC);
	if ((err = braid_store__step_done(ctx->store, st, "cannot record op head")) < 0)
		goto fail;
	if (own_txn && (err = braid_store_commit(ctx->store)) < 0)
		goto done;
	if (id_out && !(*id_out = braid_strdup(idhex)))
		err = BRAID_ENOMEM;
	goto done;
fail:
	if (own_txn)
		braid_store_rollback(ctx->store);
done:
	braid_buf_dispose(&pj);
	free_strv(parents, nparents);
	return err;
}

int braid_op_record(char **id_out, braid_ctx *ctx, const char *agent_id, const char *kind,
                    const char *payload_json)
{
	char *payload = NULL;
	int err;

	BRAID_ASSERT_ARG(agent_id && kind);
	if ((err = canonical_payload(&payload, payload_json)) < 0)
		return err;
	err = record(id_out, ctx, agent_id, kind, payload, 0);
	free(payload);
	return err;
}

static int record_json(char **id_out, braid_ctx *ctx, const char *agent_id, const char *kind,
                       const json_t *payload, int signing)
{
	char *s;
	int err;

	BRAID_ASSERT_ARG(agent_id && kind && payload && json_is_object(payload));
	/* The canonical form, as canonical_payload makes it. */
	if (!(s = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	err = record(id_out, ctx, agent_id, kind, s,
	             signing < 0 ? is_sealed_kind(ctx, kind)
	                         : signing == BRAID_OP__SEALED && is_routine_kind(kind));
	free(s);
	return err;
}

int braid_op__record_json(char **id_out, braid_ctx *ctx, const char *agent_id, const char *kind,
                          const json_t *payload)
{
	return record_json(id_out, ctx, agent_id, kind, payload, -1);
}

int braid_op__record_json_signing(char **id_out, braid_ctx *ctx, const char *agent_id,
                                  const char *kind, const json_t *payload, int signing)
{
	return record_json(id_out, ctx, agent_id, kind, payload, signing);
}

static void op_clear(braid_op *op)
{
	free(op->id);
	free(op->kind);
	free(op->agent_id);
	free_strv(op->parents, op->nparents);
	free(op->payload);
	free(op->signature);
}

void braid_op_free(braid_op *op)
{
	if (op) {
		op_clear(op);
		free(op);
	}
}

void braid_op_list_free(braid_op_list *list)
{
	size_t i;
	if (!list)
		return;
	for (i = 0; i < list->count; i++)
		op_clear(&list->items[i]);
	free(list->items);
	free(list);
}

#define OP_COLS "seq, id, kind, agent_id, parents, payload, signature, created_at"

static int row_to_op(braid_op *op, sqlite3_stmt *st)
{
	json_t *pj;
	size_t i;

	memset(op, 0, sizeof(*op));
	op->seq = sqlite3_column_int64(st, 0);
	op->id = braid_store__col_strdup(st, 1);
	op->kind = braid_store__col_strdup(st, 2);
	op->agent_id = braid_store__col_strdup(st, 3);
	op->payload = braid_store__col_strdup(st, 5);
	op->signature = braid_store__col_strdup(st, 6);
	op->created_at = sqlite3_column_int64(st, 7);
	pj = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
	if (json_is_array(pj) && json_array_size(pj)) { /* json_is_array(NULL) is false */
		op->parents = calloc(json_array_size(pj), sizeof(char *));
		for (i = 0; op->parents && i < json_array_size(pj); i++) {
			const char *s = json_string_value(json_array_get(pj, i));
			op->parents[i] = braid_strdup(s ? s : "");
			op->nparents++;
		}
	}
	json_decref(pj);
	if (!op->id || !op->kind || !op->agent_id || !op->payload || !op->signature)
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	return 0;
}

int braid_op_get(braid_op **out, braid_ctx *ctx, const char *id_or_prefix)
{
	sqlite3_stmt *st;
	braid_op *op;
	size_t n = id_or_prefix ? strlen(id_or_prefix) : 0, i;
	int err, rc;
	char pattern[BRAID_HASH_HEXSIZE + 2];

	if (n < 4 || n > BRAID_HASH_HEXSIZE)
		return braid_error_set(
		    BRAID_EINVALID, "op id '%s' must be 4 to 64 hex digits (see 'braid log --ops')",
		    id_or_prefix ? id_or_prefix : "");
	for (i = 0; i < n; i++) {
		char c = id_or_prefix[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return braid_error_set(BRAID_EINVALID, "op id '%s' is not lowercase hex",
			                       id_or_prefix);
	}
	memcpy(pattern, id_or_prefix, n);
	pattern[n] = '*';
	pattern[n + 1] = '\0';
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT " OP_COLS " FROM ops WHERE id GLOB ? LIMIT 2")) < 0)
		return err;
	sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		err = rc == SQLITE_DONE
		          ? braid_error_set(BRAID_ENOTFOUND, "no op '%s'; see 'braid log --ops'",
		                            id_or_prefix)
		          : braid_store__error(ctx->store, "cannot look up the op");
		sqlite3_reset(st);
		return err;
	}
	if (!(op = calloc(1, sizeof(*op)))) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	err = row_to_op(op, st);
	if (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = braid_error_set(BRAID_EINVALID,
		                      "op id prefix '%s' is ambiguous; give more digits",
		                      id_or_prefix);
	else if (!err && rc != SQLITE_DONE)
		err = braid_store__error(ctx->store, "cannot look up the op");
	sqlite3_reset(st);
	if (err < 0) {
		braid_op_free(op);
		return err;
	}
	*out = op;
	return 0;
}

/* Collect every row of a prepared op query into a list (resets the statement). */
static int collect_ops(braid_op_list **out, braid_ctx *ctx, sqlite3_stmt *st)
{
	braid_op_list *l;
	int err = 0, rc;

	if (!(l = calloc(1, sizeof(*l)))) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		braid_op *n = realloc(l->items, (l->count + 1) * sizeof(*n));
		if (!n) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		l->items = n;
		if ((err = row_to_op(&l->items[l->count++], st)) < 0)
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = braid_store__error(ctx->store, "cannot list ops");
	sqlite3_reset(st);
	if (err < 0) {
		braid_op_list_free(l);
		return err;
	}
	*out = l;
	return 0;
}

int braid_op_list_recent(braid_op_list **out, braid_ctx *ctx, const char *kind, size_t limit)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT " OP_COLS " FROM ops WHERE (?1 IS NULL OR kind = ?1) "
	                             "ORDER BY seq DESC LIMIT ?2")) < 0)
		return err;
	braid_store__bind_text(st, 1, kind);
	sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
	return collect_ops(out, ctx, st);
}

int braid_op_list_since(braid_op_list **out, braid_ctx *ctx, int64_t after_seq, size_t limit)
{
	sqlite3_stmt *st;
	int err;

	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT " OP_COLS " FROM ops WHERE seq > ?1 "
	                             "ORDER BY seq LIMIT ?2")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, after_seq);
	sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
	return collect_ops(out, ctx, st);
}

int braid_op_last_seq(int64_t *out, braid_ctx *ctx)
{
	sqlite3_stmt *st;
	int err, rc;

	if ((err = braid_store__stmt(&st, ctx->store, "SELECT coalesce(max(seq), 0) FROM ops")) < 0)
		return err;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : braid_store__error(ctx->store, "cannot read the op log");
}

void braid_op_verify_report_clear(braid_op_verify_report *r)
{
	free(r->first_problem);
	memset(r, 0, sizeof(*r));
}

static void note_problem(braid_op_verify_report *r, const char *fmt, const char *id)
{
	if (!r->first_problem)
		r->first_problem = braid_sprintf_alloc(fmt, id);
}

/* A set of op ids (open addressing), for the seal check. */
typedef struct idset {
	char **v;
	size_t cap, n;
} idset;

static size_t idset_slot(const idset *s, const char *id)
{
	size_t h = 0, i;
	for (i = 0; i < 16 && id[i]; i++)
		h = h * 16 + (size_t)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
	h &= s->cap - 1;
	while (s->v[h] && strcmp(s->v[h], id))
		h = (h + 1) & (s->cap - 1);
	return h;
}

static int idset_init(idset *s, size_t n)
{
	s->cap = 16;
	while (s->cap < n * 2 + 16)
		s->cap *= 2;
	s->n = 0;
	return (s->v = calloc(s->cap, sizeof(char *))) ? 0 : BRAID_ENOMEM;
}

static void idset_add(idset *s, char *id) /* borrowed */
{
	size_t h = idset_slot(s, id);
	if (!s->v[h] && s->n + 1 < s->cap) {
		s->v[h] = id;
		s->n++;
	}
}

static int idset_has(const idset *s, const char *id)
{
	return s->v[idset_slot(s, id)] != NULL;
}

int braid_op_verify_all(braid_op_verify_report *out, braid_ctx *ctx)
{
	braid_op_list *all = NULL;
	braid_op_verify_report r = {0};
	idset sealed = {0};
	size_t i, j;
	int err;

	if ((err = braid_op_list_recent(&all, ctx, NULL, 0)) < 0)
		return err;
	if (idset_init(&sealed, all->count) < 0) {
		braid_op_list_free(all);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	/* Newest first: an op is sealed when a signed op descends from it. */
	for (i = 0; i < all->count; i++) {
		braid_op *op = &all->items[i];
		unsigned char digest[BRAID_HASH_SIZE], sig[BRAID_SIG_SIZE];
		char hex[BRAID_HASH_HEXSIZE + 1];
		braid_agent *agent = NULL;
		char *canon = NULL;
		int is_sealed = idset_has(&sealed, op->id);

		r.checked++;
		if (op->nparents > 1)
			qsort(op->parents, op->nparents, sizeof(char *), cmp_str);
		if (canonical_payload(&canon, op->payload) < 0 || strcmp(canon, op->payload) != 0) {
			r.bad_id++;
			note_problem(&r, "op %.12s: payload is not canonical JSON", op->id);
			free(canon);
			continue;
		}
		free(canon);
		op_digest(digest, op->parents, op->nparents, op->agent_id, op->kind, op->payload);
		braid_hex_encode(hex, digest, sizeof(digest));
		if (strcmp(hex, op->id) != 0) {
			r.bad_id++;
			note_problem(&r, "op %.12s: id does not match its content", op->id);
			continue;
		}
		if (!*op->signature && is_routine_kind(op->kind)) {
			/* Sealed by a later signed op, or in the log's unsealed tail. */
			if (!is_sealed)
				r.unsealed++;
		} else if (braid_agent_lookup(&agent, ctx, op->agent_id) < 0 ||
		           braid_hex_decode(sig, sizeof(sig), op->signature) < 0 ||
		           braid_agent_verify(agent->pubkey, sig, digest, sizeof(digest)) < 0) {
			r.bad_signature++;
			note_problem(&r, "op %.12s: signature does not verify", op->id);
		} else {
			is_sealed = 1;
		}
		braid_agent_free(agent);
		for (j = 0; j < op->nparents; j++) {
			braid_op *p = NULL;
			if (is_sealed)
				idset_add(&sealed, op->parents[j]);
			if (braid_op_get(&p, ctx, op->parents[j]) < 0) {
				r.missing_parent++;
				note_problem(&r, "op %.12s: a parent op is missing", op->id);
			}
			braid_op_free(p);
		}
	}
	free(sealed.v);
	braid_op_list_free(all);
	braid_error_clear();
	*out = r;
	return 0;
}
