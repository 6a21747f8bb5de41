/*
 * intent_int.h: the inside of the intent module: parsed targets, the glob
 * dialect and its exact intersection test, the compatibility rule, and the
 * helpers the lock, check and read/write files share. Nothing here touches
 * another module's internals except the store's statement cache.
 */
#ifndef BRAID_INTENT_INT_H
#define BRAID_INTENT_INT_H

#include <git2.h>

#include "braid/intent.h"
#include "ctx/ctx_int.h"
#include "util/buf.h"

typedef enum itarget_kind {
	ITARGET_FILE = 0,
	ITARGET_GLOB,
	ITARGET_SYMBOL,
	ITARGET_STRUCTURE,
} itarget_kind;

/** A parsed target. All strings owned. */
typedef struct itarget {
	itarget_kind kind;
	char *target; /* canonical spelling */
	char *path;   /* file, glob pattern, or "" */
	char *symbol; /* qualified symbol name, or NULL */
	int64_t start_line, end_line;
	int level;
	int implicit;
} itarget;

void braid_intent__target_clear(itarget *t);

const char *braid_intent__kind_name(itarget_kind k);
int braid_intent__kind_parse(const char *s);

/**
 * Parse a target string without reading any file (symbols keep the name as
 * written, directories are only recognized by a trailing '/').
 */
int braid_intent__target_parse_lexical(itarget *out, const char *spec) BRAID_WARN_UNUSED;

/**
 * Parse and resolve a target for the acting agent: an existing directory
 * becomes a glob, a symbol is resolved with tree-sitter on the target
 * branch's tip (else in the agent's workspace) to its qualified name and
 * lines.
 */
int braid_intent__target_resolve(itarget *out, braid_ctx *ctx, const char *agent_id,
                                 const char *spec) BRAID_WARN_UNUSED;

/** 1 when the two targets may cover a common region. */
int braid_intent__overlap(const itarget *a, const itarget *b);

/** 1 when the glob `pattern` matches the literal path `path`. */
int braid_intent__glob_match(const char *pattern, const char *path);

/** 1 when some path matches both globs. */
int braid_intent__glob_intersect(const char *a, const char *b);

/** 1 when symbol names `a` and `b` are the same definition or nested. */
int braid_intent__symbols_nest(const char *a, const char *b);

/** 1 when `s` contains glob metacharacters. */
int braid_intent__has_glob_meta(const char *s);

/** The structure globs from intent.structure-globs (NULL-terminated, owned). */
int braid_intent__structure_globs(char ***out, braid_ctx *ctx) BRAID_WARN_UNUSED;

/** The same, from the setting's value (NULL: none). */
int braid_intent__structure_globs_parse(char ***out, const char *value) BRAID_WARN_UNUSED;
void braid_intent__strv_free(char **v);

/** 1 when `path` (a file or a glob) falls under one of `globs`. */
int braid_intent__is_structure_path(char **globs, const char *path, int is_glob);

/*
 * --- Content access (read.c) ---
 */

/** The acting agent's workspace path and its change's base commit, if it has one (owned). */
typedef struct iview {
	char *ws_path;     /* NULL when the agent has no active workspace */
	char *base_commit; /* the workspace change's base, or NULL */
} iview;

int braid_intent__view(iview *out, braid_ctx *ctx, const char *agent_id) BRAID_WARN_UNUSED;
void braid_intent__view_clear(iview *v);

/**
 * Read `path` at `commit` (40 hex; NULL for the target branch's tip).
 *
 * @param[out] commit_out  if not NULL, the commit read (41 bytes).
 * @return 0, or BRAID_ENOTFOUND when the file is not in that tree.
 */
int braid_intent__read_commit(braid_buf *out, char commit_out[41], braid_ctx *ctx,
                              const char *commit, const char *path) BRAID_WARN_UNUSED;

/** The byte range and lines of `symbol` in `content` (a `path` file). */
int braid_intent__find_symbol(size_t *start, size_t *end, int64_t *sline, int64_t *eline,
                              char **canonical, const char *path, const char *content, size_t len,
                              const char *symbol) BRAID_WARN_UNUSED;

/** The agent id of braid's system identity (owned), for ops braid signs itself. */
int braid_intent__system_agent(char **out, braid_ctx *ctx) BRAID_WARN_UNUSED;

/**
 * Release `agent`'s holds whose canonical targets are in `names` (NULL:
 * all), inside the caller's open transaction; records an intent.release op.
 */
int braid_intent__release_internal(size_t *count, braid_ctx *ctx, const char *agent,
                                   char **names) BRAID_WARN_UNUSED;

/** 1 when the submission's changed ranges in `touch` meet lines [sl, el] (or cannot tell). */
int braid_intent__ranges_hit(const braid_intent_touch *touch, int64_t sl, int64_t el);

/**
 * 1 when the submission touches `symbol` in `touch`'s new content: the file
 * was added/deleted/renamed, the content or ranges are unknown, the symbol
 * is gone from the new content, or a changed range meets its lines.
 */
int braid_intent__symbol_touched(const braid_intent_touch *touch, const char *symbol);

/** A name for an agent id (owned; the id itself when unknown). */
char *braid_intent__agent_name(braid_ctx *ctx, const char *agent_id);

/*
 * --- The turnstile (turn.c): .braid/intent.shm ---
 */

typedef struct ishm ishm;

/** Map .braid/intent.shm (created zero-filled when missing). */
int braid_intent__shm_open(ishm **out, braid_ctx *ctx) BRAID_WARN_UNUSED;
void braid_intent__shm_close(ishm *s);

/** Draw a ticket and wait for its turn (FIFO); returns the ticket for turn_give. */
uint32_t braid_intent__turn_take(ishm *s);
void braid_intent__turn_give(ishm *s, uint32_t ticket);

/** The wake word of a waiting request: read it, look, then wait while it is unchanged. */
uint32_t braid_intent__wake_seq(ishm *s, int64_t req_id);
void braid_intent__wake_wait(ishm *s, int64_t req_id, uint32_t seq, int64_t timeout_us);
void braid_intent__wake(ishm *s, int64_t req_id);

#endif
