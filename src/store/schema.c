/*
 * schema.c: the tables of every module, in dependency order. Each entry is
 * idempotent SQL (CREATE ... IF NOT EXISTS); bump an entry's version to
 * re-apply it when a module's schema grows. Kept in one place so the whole
 * state layout can be read at a glance (docs/internals/store.md explains it).
 */
#include "common.h"
#include "store/store_int.h"

const braid_store_schema braid_store__schemas[] = {
    {"core", 1,
     "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
     "CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
     /* agents: identities; private keys live in .braid/keys/<id>.key (0600). */
     "CREATE TABLE IF NOT EXISTS agents("
     "  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
     "  pubkey TEXT NOT NULL, token_hash TEXT, created_at INTEGER NOT NULL);"
     /* ops: the signed, content-addressed op log; op_heads: its DAG frontier. */
     "CREATE TABLE IF NOT EXISTS ops("
     "  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
     "  agent_id TEXT NOT NULL, parents TEXT NOT NULL, payload TEXT NOT NULL,"
     "  signature TEXT NOT NULL, created_at INTEGER NOT NULL);"
     "CREATE INDEX IF NOT EXISTS ops_kind ON ops(kind, seq);"
     "CREATE TABLE IF NOT EXISTS op_heads(id TEXT PRIMARY KEY);"
     /* workspaces: one git worktree per row; change_id: its current AgentChange. */
     "CREATE TABLE IF NOT EXISTS workspaces("
     "  id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, path TEXT NOT NULL,"
     "  change_id TEXT, state TEXT NOT NULL DEFAULT 'active',"
     "  created_at INTEGER NOT NULL, removed_at INTEGER);"
     "CREATE INDEX IF NOT EXISTS workspaces_agent ON workspaces(agent_id, state);"
     /* changes: AgentChanges; head_commit is mirrored by refs/braid/changes/<id>. */
     "CREATE TABLE IF NOT EXISTS changes("
     "  id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, workspace_id TEXT,"
     "  base_commit TEXT NOT NULL, head_commit TEXT NOT NULL, state TEXT NOT NULL,"
     "  resolving TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
     /* submissions: the durable landing queue, processed in id order. */
     "CREATE TABLE IF NOT EXISTS submissions("
     "  id INTEGER PRIMARY KEY AUTOINCREMENT, change_id TEXT NOT NULL,"
     "  agent_id TEXT NOT NULL, workspace_id TEXT, base_commit TEXT NOT NULL,"
     "  head_commit TEXT NOT NULL, message TEXT, resolves TEXT, state TEXT NOT NULL,"
     "  land_commit TEXT, expected_main TEXT, conflict_id TEXT, snapshot_op TEXT,"
     "  result_op TEXT, detail TEXT, attempts INTEGER NOT NULL DEFAULT 0,"
     "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
     "CREATE INDEX IF NOT EXISTS submissions_state ON submissions(state, id);"
     /* landings: every commit braid put on main, with what it landed. */
     "CREATE TABLE IF NOT EXISTS landings("
     "  commit_id TEXT PRIMARY KEY, prev_main TEXT NOT NULL, submission_id INTEGER,"
     "  change_id TEXT, agent_id TEXT, op_id TEXT, files TEXT, created_at INTEGER NOT NULL);"
     /* conflicts: first-class conflict objects, one row per file in conflict_files. */
     "CREATE TABLE IF NOT EXISTS conflicts("
     "  id TEXT PRIMARY KEY, submission_id INTEGER, change_id TEXT NOT NULL,"
     "  agent_id TEXT NOT NULL, base_commit TEXT NOT NULL, ours_commit TEXT NOT NULL,"
     "  theirs_commit TEXT NOT NULL, state TEXT NOT NULL, op_id TEXT, resolved_op TEXT,"
     "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
     "CREATE INDEX IF NOT EXISTS conflicts_state ON conflicts(state, created_at);"
     "CREATE TABLE IF NOT EXISTS conflict_files("
     "  conflict_id TEXT NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL,"
     "  base_oid TEXT, ours_oid TEXT, theirs_oid TEXT, ours_path TEXT, theirs_path TEXT,"
     "  regions TEXT NOT NULL, ours_origin TEXT, description TEXT,"
     "  PRIMARY KEY(conflict_id, path));"},
    {"intent", 1,
     /* intent_holds: live leases (rows are deleted on release and expiry). */
     "CREATE TABLE IF NOT EXISTS intent_holds("
     "  id INTEGER PRIMARY KEY, token INTEGER NOT NULL, agent_id TEXT NOT NULL,"
     "  target TEXT NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL, symbol TEXT,"
     "  start_line INTEGER NOT NULL DEFAULT -1, end_line INTEGER NOT NULL DEFAULT -1,"
     "  level INTEGER NOT NULL, activity TEXT, implicit INTEGER NOT NULL DEFAULT 0,"
     "  request_id INTEGER, granted_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
     "  yield_by INTEGER, preempted_by TEXT, ends_at INTEGER NOT NULL);"
     "CREATE INDEX IF NOT EXISTS intent_holds_path ON intent_holds(path);"
     /* Few indexes, partial where possible: every page a grant touches is written to the WAL. */
     "CREATE INDEX IF NOT EXISTS intent_holds_kind ON intent_holds(kind) WHERE kind != 'file';"
     "CREATE INDEX IF NOT EXISTS intent_holds_agent ON intent_holds(agent_id);"
     "CREATE INDEX IF NOT EXISTS intent_holds_ends ON intent_holds(ends_at);"
     /* intent_requests: the FIFO line (id order); a row lives while its waiter polls. */
     "CREATE TABLE IF NOT EXISTS intent_requests("
     "  id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, activity TEXT,"
     "  created_at INTEGER NOT NULL, alive_until INTEGER NOT NULL);"
     "CREATE INDEX IF NOT EXISTS intent_requests_alive ON intent_requests(alive_until);"
     "CREATE TABLE IF NOT EXISTS intent_request_targets("
     "  request_id INTEGER NOT NULL, target TEXT NOT NULL, kind TEXT NOT NULL,"
     "  path TEXT NOT NULL, symbol TEXT, level INTEGER NOT NULL,"
     "  implicit INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX IF NOT EXISTS intent_request_targets_req ON intent_request_targets(request_id);"
     "CREATE INDEX IF NOT EXISTS intent_request_targets_path ON intent_request_targets(path);"
     "CREATE INDEX IF NOT EXISTS intent_request_targets_kind ON intent_request_targets(kind)"
     "  WHERE kind != 'file';"
     /* intent_notices: lease news for their agent (yield, preempted, expired). */
     "CREATE TABLE IF NOT EXISTS intent_notices("
     "  id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL, kind TEXT NOT NULL,"
     "  target TEXT NOT NULL, level INTEGER NOT NULL, token INTEGER, by_agent TEXT,"
     "  at INTEGER NOT NULL, yield_by INTEGER, seen INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX IF NOT EXISTS intent_notices_agent ON intent_notices(agent_id, seen);"
     "CREATE INDEX IF NOT EXISTS intent_notices_token ON intent_notices(token);"
     /* intent_reads: each agent's recent hash-checked reads of a file or symbol (the
        newest row per region is its last read; a few older ones explain stale hashes). */
     "CREATE TABLE IF NOT EXISTS intent_reads("
     "  agent_id TEXT NOT NULL, path TEXT NOT NULL, symbol TEXT NOT NULL DEFAULT '',"
     "  hash TEXT NOT NULL, blob TEXT, source TEXT NOT NULL, commit_id TEXT,"
     "  base_hash TEXT, read_at INTEGER NOT NULL, UNIQUE(agent_id, path, symbol, hash));"},
    {"queue", 1,
     /* gate_runs: one verification gate run on one exact tree (src/gate). A pass is
      * reusable by any submission whose merged tree is `tree`: results are keyed by
      * (tree, gate_key) and, for incremental runs, the tree they were relative to. */
     "CREATE TABLE IF NOT EXISTS gate_runs("
     "  id INTEGER PRIMARY KEY AUTOINCREMENT, tree TEXT NOT NULL, since_tree TEXT NOT NULL,"
     "  gate_key TEXT NOT NULL, commit_id TEXT NOT NULL, main_commit TEXT,"
     "  submission_id INTEGER, stack TEXT, kind TEXT NOT NULL, full INTEGER NOT NULL,"
     "  state TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 1, slot INTEGER,"
     "  dir TEXT NOT NULL, command TEXT, exit_code INTEGER, selection TEXT,"
     "  started_at INTEGER NOT NULL, finished_at INTEGER);"
     "CREATE INDEX IF NOT EXISTS gate_runs_tree ON gate_runs(tree, gate_key);"
     "CREATE INDEX IF NOT EXISTS gate_runs_state ON gate_runs(state, id);"
     "CREATE INDEX IF NOT EXISTS gate_runs_sub ON gate_runs(submission_id, id);"
     /* queue_plan: the driver's latest plan, for `braid queue` (display only). */
     "CREATE TABLE IF NOT EXISTS queue_plan("
     "  submission_id INTEGER PRIMARY KEY, position INTEGER NOT NULL, status TEXT NOT NULL,"
     "  stacked_on TEXT, tree TEXT, run_id INTEGER, note TEXT, updated_at INTEGER NOT NULL);"
     /* symidx_*: the symbol index, content-addressed by blob (so it is incremental
      * and valid for any tree, speculative ones included). */
     "CREATE TABLE IF NOT EXISTS symidx_blobs("
     "  blob TEXT PRIMARY KEY, lang TEXT, ok INTEGER NOT NULL, residual TEXT);"
     "CREATE TABLE IF NOT EXISTS symidx_defs("
     "  blob TEXT NOT NULL, name TEXT NOT NULL, short TEXT NOT NULL, kind TEXT NOT NULL,"
     "  hash TEXT NOT NULL, start_line INTEGER, end_line INTEGER);"
     "CREATE INDEX IF NOT EXISTS symidx_defs_blob ON symidx_defs(blob);"
     "CREATE TABLE IF NOT EXISTS symidx_refs("
     "  blob TEXT NOT NULL, name TEXT NOT NULL, enclosing TEXT, enclosing_short TEXT);"
     "CREATE INDEX IF NOT EXISTS symidx_refs_name ON symidx_refs(name, blob);"
     "CREATE INDEX IF NOT EXISTS symidx_refs_blob ON symidx_refs(blob);"},
};

const size_t braid_store__nschemas = BRAID_ARRAY_SIZE(braid_store__schemas);
