/*
 * cmd_read.c: `braid read` and `braid write` — hash-checked reads and
 * writes of a file or a symbol in the acting agent's workspace (api:
 * read_file, write_file).
 */
#include "cli.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WRITE (64u << 20)

static const cli_opt no_opts[] = {{0}};

/* The bytes read: "content" (text) as is, "content_base64" (anything else) decoded. */
static void print_content(const json_t *d)
{
	const json_t *text = json_object_get(d, "content");
	const char *b64 = cli_jstr(d, "content_base64");
	size_t n = strlen(b64) / 4 * 3 + 3, len = 0;
	unsigned char *bin;

	if (json_is_string(text)) {
		/* write errors: main() checks stdout before exiting */
		(void)fwrite(json_string_value(text), 1, json_string_length(text), stdout);
		return;
	}
	if (!(bin = malloc(n)))
		return;
	if (sodium_base642bin(bin, n, b64, strlen(b64), NULL, &len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) == 0)
		(void)fwrite(bin, 1, len, stdout);
	free(bin);
}

static int cmd_read(cli_args *a)
{
	braid_api_result r;
	int rc;

	if (a->npos != 1)
		return cli_usage_error(a, "give exactly one PATH or PATH::SYMBOL");
	rc = cli_call(&r, NULL, a, "read_file", json_pack("{s:s}", "spec", a->pos[0]));
	if (!rc && !a->json) {
		print_content(r.data);
		fprintf(stderr, "hash %s (%s%s%s, from %s)\n", cli_jstr(r.data, "hash"),
		        cli_jstr(r.data, "path"), *cli_jstr(r.data, "symbol") ? "::" : "",
		        cli_jstr(r.data, "symbol"), cli_jstr(r.data, "source"));
	}
	cli_call_done(&r, NULL);
	return rc;
}

/* What changed since the read, and who changed it (a refused write's details). */
static void print_stale(const json_t *stale)
{
	size_t i, k;

	for (i = 0; i < json_array_size(stale); i++) {
		const json_t *s = json_array_get(stale, i);
		const json_t *by = json_object_get(s, "changed_by");
		for (k = 0; k < json_array_size(by); k++) {
			const json_t *c = json_array_get(by, k);
			fprintf(
			    stderr, "changed by %s in op %.12s (commit %.12s)\n",
			    *cli_jstr(c, "agent") ? cli_jstr(c, "agent") : cli_jstr(c, "agent_id"),
			    *cli_jstr(c, "op") ? cli_jstr(c, "op") : "?", cli_jstr(c, "commit"));
		}
		fputs(cli_jstr(s, "diff"), stdout);
	}
}

/* The content argument: text as "content", other bytes as "content_base64". */
static json_t *content_json(const char *buf, size_t len, const char **key)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	json_t *j = memchr(buf, '\0', len) ? NULL : json_stringn(buf, len);
	char *b64;

	*key = "content";
	if (j || !(b64 = malloc(n)))
		return j;
	sodium_bin2base64(b64, n, (const unsigned char *)buf, len, sodium_base64_VARIANT_ORIGINAL);
	*key = "content_base64";
	j = json_string(b64);
	free(b64);
	return j;
}

static const cli_opt write_opts[] = {
    {"if-hash", 0, 1, "write only if the region's current hash is this (from 'braid read')"},
    {"token", 't', 1, "fencing token of your intent on PATH; refused when stale"},
    {0},
};

static int cmd_write(cli_args *a)
{
	braid_api_result r;
	const char *hash = cli_opt_value(a, "if-hash"), *tok = cli_opt_value(a, "token"), *key;
	char *buf;
	size_t len;
	long long token = 0;
	json_t *args, *content;
	int rc;

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
	if (!(buf = cli_read_stdin(&len, MAX_WRITE))) {
		fprintf(stderr, "error: the content on stdin is larger than %u bytes\n", MAX_WRITE);
		return CLI_USAGE;
	}
	content = content_json(buf, len, &key);
	free(buf);
	args = json_pack("{s:s, s:s, s:o?}", "spec", a->pos[0], "if_hash", hash, key, content);
	if (args && token)
		json_object_set_new(args, "token", json_integer(token));
	rc = cli_call(&r, NULL, a, "write_file", args);
	if (rc && !a->json)
		print_stale(json_object_get(r.data, "stale"));
	else if (!rc && !a->json)
		printf("wrote %s (%lld bytes); hash %s\n", cli_jstr(r.data, "written"),
		       cli_jint(r.data, "bytes"), cli_jstr(r.data, "hash"));
	cli_call_done(&r, NULL);
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
