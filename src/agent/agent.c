/*
 * agent.c: agent identities. Keys come from libsodium (crypto_sign); the
 * private key is written once, atomically, with mode 0600 before the agent
 * row commits, so an agent in the database always has its key on disk.
 */
#include "common.h"
#include "braid/agent.h"
#include "braid/hash.h"
#include "braid/op.h"
#include "ctx/ctx_int.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/time.h"

#include <jansson.h>
#include <sodium.h>

#define TOKEN_BYTES 24

int braid_agent_name_valid(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n > 64)
		return braid_error_set(BRAID_EINVALID, "agent name must be 1-64 characters");
	if (name[0] == '-' || name[0] == '.')
		return braid_error_set(BRAID_EINVALID, "agent name '%s' must not start with '%c'",
		                       name, name[0]);
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return braid_error_set(
			    BRAID_EINVALID,
			    "agent name '%s' may only use letters, digits, '.', '_' "
			    "and '-'",
			    name);
	}
	return 0;
}

static int key_path(braid_buf *out, braid_ctx *ctx, const char *agent_id)
{
	return braid_buf_printf(out, "%s/keys/%s.key", ctx->dir, agent_id);
}

static int token_hash(char hex[BRAID_HASH_HEXSIZE + 1], const char *token)
{
	braid_hash_hex(hex, token, strlen(token));
	return 0;
}

static int make_token(char **out)
{
	unsigned char raw[TOKEN_BYTES];
	char hex[2 * TOKEN_BYTES + 1];

	randombytes_buf(raw, sizeof(raw));
	braid_hex_encode(hex, raw, sizeof(raw));
	*out = braid_sprintf_alloc("bt_%s", hex);
	return *out ? 0 : BRAID_ENOMEM;
}

static int write_token_file(braid_ctx *ctx, const char *name, const char *token)
{
	braid_buf p = BRAID_BUF_INIT;
	int err;

	if ((err = braid_buf_printf(&p, "%s/tokens", ctx->dir)) < 0 ||
	    (err = braid_fs_mkdir_p(p.ptr, 0700)) < 0 ||
	    (err = braid_buf_printf(&p, "/%s", name)) < 0)
		goto done;
	err = braid_fs_write_atomic(p.ptr, token, strlen(token), 0600);
done:
	braid_buf_dispose(&p);
	return err;
}

static int row_to_agent(braid_agent *a, sqlite3_stmt *st)
{
	a->id = braid_store__col_strdup(st, 0);
	a->name = braid_store__col_strdup(st, 1);
	a->role = braid_store__col_strdup(st, 2);
	a->pubkey = braid_store__col_strdup(st, 3);
	a->created_at = sqlite3_column_int64(st, 4);
	return (a->id && a->name && a->role && a->pubkey) ? 0 : BRAID_ENOMEM;
}

static void agent_clear(braid_agent *a)
{
	free(a->id);
	free(a->name);
	free(a->role);
	free(a->pubkey);
}

void braid_agent_free(braid_agent *agent)
{
	if (!agent)
		return;
	agent_clear(agent);
	free(agent);
}

void braid_agent_list_free(braid_agent_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->count; i++)
		agent_clear(&list->items[i]);
	free(list->items);
	free(list);
}

#define AGENT_COLS "id, name, role, pubkey, created_at"

int braid_agent_lookup(braid_agent **out, braid_ctx *ctx, const char *name_or_id)
{
	sqlite3_stmt *st;
	braid_agent *a;
	int err;

	if ((err = braid_store__stmt(
	         &st, ctx->store, "SELECT " AGENT_COLS " FROM agents WHERE name = ?1 OR id = ?1")) <
	    0)
		return err;
	sqlite3_bind_text(st, 1, name_or_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOTFOUND,
		                       "no agent '%s'; see 'braid agent list' or create it with "
		                       "'braid agent add %s'",
		                       name_or_id, name_or_id);
	}
	if (!(a = calloc(1, sizeof(*a)))) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	}
	err = row_to_agent(a, st);
	sqlite3_reset(st);
	if (err < 0) {
		braid_agent_free(a);
		return err;
	}
	*out = a;
	return 0;
}

int braid_agent_list_all(braid_agent_list **out, braid_ctx *ctx)
{
	sqlite3_stmt *st;
	braid_agent_list *l;
	int err = 0, rc;

	if ((err = braid_store__stmt(
	         &st, ctx->store, "SELECT " AGENT_COLS " FROM agents ORDER BY created_at, name")) <
	    0)
		return err;
	if (!(l = calloc(1, sizeof(*l))))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		braid_agent *n = realloc(l->items, (l->count + 1) * sizeof(*n));
		if (!n) {
			err = braid_error_set(BRAID_ENOMEM, "out of memory");
			break;
		}
		l->items = n;
		memset(&l->items[l->count], 0, sizeof(*n));
		err = row_to_agent(&l->items[l->count++], st);
		if (err < 0)
			break;
	}
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = braid_store__error(ctx->store, "cannot list agents");
	sqlite3_reset(st);
	if (err < 0) {
		braid_agent_list_free(l);
		return err;
	}
	*out = l;
	return 0;
}

int braid_agent_add(braid_agent **out, char **token_out, braid_ctx *ctx, const char *name,
                    const char *role)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char h[BRAID_HASH_SIZE];
	char pkhex[2 * crypto_sign_PUBLICKEYBYTES + 1], skhex[2 * crypto_sign_SECRETKEYBYTES + 1];
	char idhex[13], thash[BRAID_HASH_HEXSIZE + 1];
	char *id = NULL, *token = NULL, *payload = NULL;
	braid_buf kp = BRAID_BUF_INIT;
	sqlite3_stmt *st;
	int err;
	int is_system = role && !strcmp(role, "system");

	if (!role)
		role = "worker";
	if ((err = braid_agent_name_valid(name)) < 0)
		return err;
	if (strcmp(role, "worker") && strcmp(role, "main") && strcmp(role, "human") &&
	    strcmp(role, "system"))
		return braid_error_set(BRAID_EINVALID,
		                       "unknown role '%s'; use worker, main or human", role);
	if (is_system != !strcmp(name, BRAID_SYSTEM_AGENT))
		return braid_error_set(BRAID_EINVALID,
		                       "the name '%s' and role 'system' are "
		                       "reserved for braid itself",
		                       BRAID_SYSTEM_AGENT);

	crypto_sign_keypair(pk, sk);
	braid_hex_encode(pkhex, pk, sizeof(pk));
	braid_hex_encode(skhex, sk, sizeof(sk));
	sodium_memzero(sk, sizeof(sk));
	braid_hash(h, pk, sizeof(pk));
	braid_hex_encode(idhex, h, 6);
	if (!(id = braid_sprintf_alloc("ag-%s", idhex)) || make_token(&token) < 0) {
		err = BRAID_ENOMEM;
		goto done;
	}
	token_hash(thash, token);
	if ((err = braid_buf_printf(&kp, "%s/keys", ctx->dir)) < 0 ||
	    (err = braid_fs_mkdir_p(kp.ptr, 0700)) < 0)
		goto done;
	braid_buf_clear(&kp);
	if ((err = key_path(&kp, ctx, id)) < 0 ||
	    (err = braid_fs_write_atomic(kp.ptr, skhex, strlen(skhex), 0600)) < 0)
		goto done;

	if ((err = braid_store_begin(ctx->store)) < 0)
		goto done;
	if ((err = braid_store__stmt(
	         &st, ctx->store,
	         "INSERT INTO agents(id, name, role, pubkey, token_hash, created_at) "
	         "VALUES (?, ?, ?, ?, ?, ?)")) < 0)
		goto rollback;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, pkhex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, thash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, braid_time_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE) {
		int constraint = sqlite3_errcode(ctx->store->db) == SQLITE_CONSTRAINT;
		err = constraint ? braid_error_set(BRAID_EEXISTS, "agent '%s' already exists", name)
		                 : braid_store__error(ctx->store, "cannot add agent");
		sqlite3_reset(st);
		goto rollback;
	}
	sqlite3_reset(st);
	{
		json_t *p = json_pack("{s:s, s:s, s:s, s:s}", "agent", id, "name", name, "role",
		                      role, "pubkey", pkhex);
		payload = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_decref(p);
	}
	if (!payload) {
		err = braid_error_set(BRAID_ENOMEM, "out of memory");
		goto rollback;
	}
	/* The system agent signs its own creation; others are vouched for by braid. */
	{
		braid_agent *sys = NULL;
		const char *signer = id;
		if (!is_system) {
			if ((err = braid_agent_lookup(&sys, ctx, BRAID_SYSTEM_AGENT)) < 0)
				goto rollback;
			signer = sys->id;
		}
		err = braid_op_record(NULL, ctx, signer, "agent.add", payload);
		braid_agent_free(sys);
		if (err < 0)
			goto rollback;
	}
	if ((err = braid_store_commit(ctx->store)) < 0)
		goto done;
	if (token_out || !is_system) {
		if ((err = write_token_file(ctx, name, token)) < 0)
			goto done;
	}
	if (out && (err = braid_agent_lookup(out, ctx, id)) < 0)
		goto done;
	if (token_out) {
		*token_out = token;
		token = NULL;
	}
	goto done;
rollback:
	braid_store_rollback(ctx->store);
	if (kp.size)
		(void)remove(kp.ptr); /* the rollback's error is the one to report */
done:
	sodium_memzero(skhex, sizeof(skhex));
	free(id);
	free(token);
	free(payload);
	braid_buf_dispose(&kp);
	return err;
}

int braid_agent_by_token(braid_agent **out, braid_ctx *ctx, const char *token)
{
	char thash[BRAID_HASH_HEXSIZE + 1];
	sqlite3_stmt *st;
	int err;

	if (!token || strncmp(token, "bt_", 3) != 0)
		return braid_error_set(BRAID_EDENIED, "malformed token");
	token_hash(thash, token);
	if ((err = braid_store__stmt(&st, ctx->store,
	                             "SELECT id FROM agents WHERE token_hash = ?")) < 0)
		return err;
	sqlite3_bind_text(st, 1, thash, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return braid_error_set(BRAID_EDENIED, "unknown token");
	}
	char *id = braid_store__col_strdup(st, 0);
	sqlite3_reset(st);
	if (!id)
		return BRAID_ENOMEM;
	err = braid_agent_lookup(out, ctx, id);
	free(id);
	return err;
}

int braid_agent_viewer_token(char **out, braid_ctx *ctx)
{
	braid_buf p = BRAID_BUF_INIT, content = BRAID_BUF_INIT;
	char *token = NULL;
	int err;

	if ((err = braid_buf_printf(&p, "%s/tokens/viewer", ctx->dir)) < 0)
		goto done;
	err = braid_fs_read(&content, p.ptr, 256);
	if (err == 0 && content.size > 3) {
		*out = braid_buf_detach(&content);
		goto done;
	}
	if (err != BRAID_ENOTFOUND && err < 0)
		goto done;
	if ((err = make_token(&token)) < 0 || (err = write_token_file(ctx, "viewer", token)) < 0)
		goto done;
	*out = token;
	token = NULL;
done:
	free(token);
	braid_buf_dispose(&p);
	braid_buf_dispose(&content);
	return err;
}

/* The agent's secret key, from the context's cache or its key file. */
static int secret_key(const unsigned char **sk_out, braid_ctx *ctx, const char *agent_id)
{
	braid_buf kp = BRAID_BUF_INIT, content = BRAID_BUF_INIT;
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	struct braid_ctx_key *slot;
	unsigned long h = 5381;
	const char *p;
	int err;

	if (strlen(agent_id) >= sizeof(ctx->keys[0].agent_id))
		return braid_error_set(BRAID_EINVALID, "agent id '%s' is too long", agent_id);
	for (p = agent_id; *p; p++)
		h = h * 33 + (unsigned char)*p;
	if (!ctx->keys && !(ctx->keys = calloc(BRAID_CTX_KEYS, sizeof(*ctx->keys))))
		return braid_error_set(BRAID_ENOMEM, "out of memory");
	slot = &ctx->keys[h & (BRAID_CTX_KEYS - 1)];
	if (slot->agent_id[0] && !strcmp(slot->agent_id, agent_id)) {
		*sk_out = slot->sk;
		return 0;
	}
	if ((err = key_path(&kp, ctx, agent_id)) < 0)
		goto done;
	if ((err = braid_fs_read(&content, kp.ptr, 1024)) < 0) {
		err = braid_error_set(err == BRAID_ENOTFOUND ? BRAID_ENOTFOUND : err,
		                      "cannot read the private key of agent '%s' (%s)", agent_id,
		                      kp.ptr);
		goto done;
	}
	while (content.size && (content.ptr[content.size - 1] == '\n'))
		braid_buf_truncate(&content, content.size - 1);
	if ((err = braid_hex_decode(sk, sizeof(sk), content.ptr)) < 0) {
		err = braid_error_set(BRAID_ERROR, "the key file '%s' is damaged", kp.ptr);
		goto done;
	}
	/* A taken slot is overwritten: its key is read again when needed. */
	snprintf(slot->agent_id, sizeof(slot->agent_id), "%s", agent_id);
	memcpy(slot->sk, sk, sizeof(sk));
	*sk_out = slot->sk;
done:
	sodium_memzero(sk, sizeof(sk));
	if (content.asize)
		sodium_memzero(content.ptr, content.asize);
	braid_buf_dispose(&content);
	braid_buf_dispose(&kp);
	return err;
}

int braid_agent_sign(unsigned char sig[BRAID_SIG_SIZE], braid_ctx *ctx, const char *agent_id,
                     const void *msg, size_t len)
{
	const unsigned char *sk = NULL;
	int err;

	if ((err = secret_key(&sk, ctx, agent_id)) < 0)
		return err;
	crypto_sign_detached(sig, NULL, msg, len, sk);
	return 0;
}

int braid_agent_verify(const char *pubkey_hex, const unsigned char sig[BRAID_SIG_SIZE],
                       const void *msg, size_t len)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];

	if (braid_hex_decode(pk, sizeof(pk), pubkey_hex) < 0)
		return braid_error_set(BRAID_EDENIED, "malformed public key");
	if (crypto_sign_verify_detached(sig, msg, len, pk) != 0)
		return braid_error_set(BRAID_EDENIED, "bad signature");
	return 0;
}
