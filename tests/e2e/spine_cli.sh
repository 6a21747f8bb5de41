# spine_cli.sh: init, agents, workspaces and the CLI's errors and exit codes.
. "$(dirname "$0")/lib.sh"

mkdir outside
expect_code 4 -C outside init
assert_contains "$OUT" "not inside a git repository"

new_repo r seq_file r/a.txt 5
cd r
b init
expect_code 0 init
assert_contains "$OUT" "already set up"
[ -f .braid/state.db ] || fail "no state database"
[ "$(sqlite3 .braid/state.db 'PRAGMA journal_mode')" = wal ] || fail "state database not in WAL mode"
git status --porcelain | grep -q braid && fail ".braid shows up in git status"

b agent add a1
expect_code 4 agent add a1
assert_contains "$OUT" "already exists"
expect_code 2 agent add 'bad name'
b agent add h --role human
expect_code 2 agent add x --role boss
key=$(ls .braid/keys/ | head -1)
[ "$(stat -c %a .braid/keys/$key)" = 600 ] || fail "private key is not mode 0600"
b agent list --json | json agents >/dev/null

expect_code 3 ws new nobody
b ws new a1
b ws new a1 >/dev/null
[ "$(b ws list --json | json workspaces | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).length)')" = 2 ] || fail "expected two workspaces"
git worktree list | grep -q '.braid/ws/a1 ' || fail "workspace is not a git worktree"
git for-each-ref refs/braid/changes | grep -q . || fail "no change ref under refs/braid/"

# Commands that need an agent or a workspace say so.
expect_code 4 submit
assert_contains "$OUT" "not inside a workspace"
expect_code 3 conflicts show ffff
expect_code 2 conflicts show '../x'
expect_code 3 --agent ghost status
expect_code 2 submit --bogus
expect_code 2 frobnicate
expect_code 0 submit --help
assert_contains "$OUT" "usage: braid submit"
for c in init "agent add" "agent list" "ws new" "ws list" "ws rm" submit update status conflicts \
	"conflicts show" resolve log "op show" "op verify" doctor; do
	# shellcheck disable=SC2086
	"$BRAID" $c --help >/dev/null || fail "braid $c --help failed"
done
expect_code 4 --agent h -C .braid/ws/a1 status
assert_contains "$OUT" "belongs to agent 'a1'"

# ws rm refuses unsubmitted work and keeps it with --force.
echo edit >>.braid/ws/a1/a.txt
expect_code 4 ws rm a1
assert_contains "$OUT" "uncommitted edits"
[ -d .braid/ws/a1 ] || fail "ws rm removed a workspace it refused to remove"
b ws rm a1 --force --json >rm.json
ref=$(json kept_ref <rm.json)
git show "$ref:a.txt" | grep -q '^edit$' || fail "forced removal lost the edit (ref $ref)"
[ -d .braid/ws/a1 ] && fail "workspace still on disk"
b ws rm a1-2
b op verify
b doctor
echo "spine_cli ok"
