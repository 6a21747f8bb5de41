/*
 * cmd_read.c: `braid read` and `braid write` — hash-checked reads and
 * writes of a file or a symbol in the acting agent's workspace.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braid/intent.h"

#define MAX_WRITE (64u << 20)

static json_t *stale_json(const braid_intent_stale_list *l)
{
	json_t *a = json_array();
	size_t i, k;

	for (i = 0; l && a && i < l->count; i++) {
		const braid_intent_stale *s = &l->items[i];
		json_t *by = json_array();
		for (k = 0; k < s->nchangers; k++)
			json_array_append_new(by, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?}",
			                                    "agent", s->changers[k].agent_name,
			                                    "agent_id", s->changers[k].agent_id,
			                                    "op", s->changers[k].op_id, "commit",
			                                    s->changers[k].commit, "change",
			                                    s->changers[k].change_id));
		json_array_append_new(
		    a, json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:o}", "path", s->path,
		                 "symbol", s->symbol, "read_hash", s->read_hash, "now_hash",
		                 s->now_hash, "read_commit", s->read_commit, "now_commit",
		                 s->now_commit, "diff", s->diff, "changed_by", by));
	}
	return a;
}

static void print_stale(const braid_intent_stale_list *l)
{
	size_t i, k;

	for (i = 0; l && i < l->count; i++) {
		const braid_intent_stale *s = &l->items[i];
		for (k = 0; k < s->nchangers; k++)
			fprintf(stderr, "changed by %s in op %.12s (commit %.12s)\n",
			        s->changers[k].agent_name ? s->changers[k].agent_name
			                                  : s->changers[k].agent_id,
			        s->changers[k].op_id ? s->changers[k].op_id : "?",
			        s->changers[k].commit);
		if (s->diff)
			fputs(s->diff, stdout);
	}
}

static const cli_opt no_opts[] = {{0}};

static int cmd_read(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_intent_read_result *r = NULL;
	int err, rc = 0;

	if (a->npos != 1)
		return cli_usage_error(a, "give exactly one PATH or PATH::SYMBOL");
	if ((err = cli_open(&ctx, a)) < 0)
		return cli_fail(a, err);
	if ((err = braid_intent_read(&r, ctx, a->pos[0])) < 0) {
		rc = cli_fail(a, err);
		goto done;
	}
	if (a->json) {
		json_t *j = json_pack(
		    "{s:s, s:s?, s:s, s:s, s:s?, s:I, s:I, s:I, s:I}", "path", r->path, "symbol",
		    r->symbol, "hash", r->hash, "source", r->source, "commit", r->commit,
		    "start_line", (json_int_t)r->start_line, "end_line", (json_int_t)r->end_line,
		    "start_byte", (json_int_t)r->start_byte, "end_byte", (json_int_t)r->end_byte);
		{
			/* JSON strings are UTF-8: binary content is only described. */
			json_t *c = json_stringn(r->content, r->content_len);
			json_object_set_new(j, c ? "content" : "binary", c ? c : json_true());
		}
		cli_print_json(j);
		goto done;
	}
	fwrite(r->content, 1, r->content_len, stdout);
	fprintf(stderr, "hash %s (%s%s%s, from %s)\n", r->hash, r->path, r->symbol ? "::" : "",
	        r->symbol ? r->symbol : "", r->source);
done:
	braid_intent_read_result_free(r);
	braid_ctx_free(ctx);
	return rc;
}

static const cli_opt write_opts[] = {
    {"if-hash", 0, 1, "write only if the region's current hash is this (from 'braid read')"},
    {"token", 't', 1, "fencing token of your intent on PATH; refused when stale"},
    {0},
};

static int cmd_write(cli_args *a)
{
	braid_ctx *ctx = NULL;
	braid_intent_stale_list *stale = NULL;
	const char *hash = cli_opt_value(a, "if-hash"), *tok = cli_opt_value(a, "token");
	char *buf = NULL, new_hash[65];
	size_t len = 0, cap = 0;
	long long token = 0;
	int err, rc = 0;

	if (a->npos != 1)
		return cli_usage_error(a, "give exactly one PATH or PATH::SYMBOL");
	if (!hash)
		return cli_usage_error(a, "--if-hash HASH is required (see 'braid read')");
	if (tok) {
		char *end;
		token = strtoll(tok, &end, 10);
		if (*end || token <= 0)
			return cli_usage_error(a, "bad --token '%s'", tok);
	}
	for (;;) {
		size_t got;
		if (len == cap) {
			char *nb;
			cap = cap ? cap * 2 : 65536;
			if (cap > MAX_WRITE + 1)
				cap = MAX_WRITE + 1;
			if (len == cap || !(nb = realloc(buf, cap))) {
				free(buf);
				fprintf(stderr,
				        "error: the content on stdin is larger than %u bytes\n",
				        MAX_WRITE);
				return CLI_USAGE;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, stdin);
		len += got;
		if (!got)
			break;
	}
	if ((err = cli_open(&ctx, a)) < 0) {
		free(buf);
		return cli_fail(a, err);
	}
	err =
	    braid_intent_write(&stale, new_hash, ctx, a->pos[0], hash, token, buf ? buf : "", len);
	if (err < 0) {
		rc = cli_exit_code(err);
		fprintf(stderr, "error: %s\n", braid_error_last());
		if (a->json) {
			json_t *j =
			    json_pack("{s:{s:s, s:s, s:i}}", "error", "code", braid_error_name(err),
			              "message", braid_error_last(), "exit", rc);
			if (stale)
				json_object_set_new(j, "stale", stale_json(stale));
			cli_print_json(j);
		} else {
			print_stale(stale);
		}
		goto done;
	}
	if (a->json)
		cli_print_json(json_pack("{s:s, s:s, s:I}", "written", a->pos[0], "hash", new_hash,
		                         "bytes", (json_int_t)len));
	else
		printf("wrote %s (%zu bytes); hash %s\n", a->pos[0], len, new_hash);
done:
	braid_intent_stale_list_free(stale);
	free(buf);
	braid_ctx_free(ctx);
	return rc;
}

CLI_COMMAND(
    read, "read", cmd_read, no_opts, "PATH[::SYMBOL]",
    "print a file or a symbol as you see it, with its hash; remembered for write/submit",
    "Reads from your workspace (else the target branch). The content goes to stdout and\n"
    "the BLAKE3 hash to stderr (both in --json). Pass the hash to 'braid write --if-hash';\n"
    "a submit that edits the region after it changed on the target branch is refused\n"
    "with a diff of what changed and who changed it.")
CLI_COMMAND(write, "write", cmd_write, write_opts,
            "PATH[::SYMBOL] --if-hash HASH [--token N] < CONTENT",
            "replace a file or a symbol in your workspace if it is unchanged since you read it",
            "Refused (exit 4) when the region's hash is not HASH any more: the answer shows a\n"
            "unified diff from what you read to what is there now, and the agents and ops that\n"
            "landed changes to the file since. With --token the fencing token is checked first.\n"
            "A missing file counts as empty (create one with the hash of empty content).")
