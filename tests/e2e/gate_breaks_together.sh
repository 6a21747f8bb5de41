# gate_breaks_together.sh: two submissions that each pass the gate alone but break
# the build together (one renames a function, the other adds a call to the old name
# in another file). The second is verified stacked on the first, never reaches main,
# and its agent gets the failing log (submit exit 1, `braid show`).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gate/lib_gate.sh"

setup() {
	printf 'int add(int a, int b) { return a + b; }\n' >r/lib.c
	printf 'int add(int, int);\nint main(void) { return add(1, 2) == 3 ? 0 : 1; }\n' >r/main.c
	printf 'prog\n' >r/.gitignore
}
new_repo r setup
cd r
b init >/dev/null
b agent add alice >/dev/null
b agent add bob >/dev/null
b ws new alice >/dev/null
b ws new bob >/dev/null
gate='cc -Wall -Werror -o prog *.c && ./prog'
git config -f .braid/config gate.command "sleep 1.5; $gate"
git config -f .braid/config queue.concurrency 4

# alice renames add -> plus everywhere; bob calls add from a new file.
(cd .braid/ws/alice && sed -i 's/add(/plus(/' lib.c main.c)
(cd .braid/ws/bob && printf 'int add(int, int);\nint twice(int x) { return add(x, x); }\n' >twice.c)
# Each passes the gate alone.
(cd .braid/ws/alice && sh -c "$gate") || fail "alice's change does not build alone"
(cd .braid/ws/bob && sh -c "$gate") || fail "bob's change does not build alone"
rm -f .braid/ws/*/prog

(cd .braid/ws/alice && "$BRAID" submit -m "rename add to plus" --json >../../../a.json 2>../../../a.err; echo $? >../../../a.rc) &
pa=$!
# bob submits while alice's submission is being verified.
t0=$SECONDS
until [ "$(sqlite3 .braid/state.db "select count(*) from gate_runs where state = 'running'")" != 0 ]; do
	((SECONDS - t0 < 20)) || fail "alice's gate run never started"
	sleep 0.05
done
set +e
(cd .braid/ws/bob && "$BRAID" submit -m "twice calls add" >../../../b.out 2>&1)
brc=$?
set -e
wait $pa
[ "$(cat a.rc)" = 0 ] || fail "alice's submit failed: $(cat a.json a.err)"
[ "$(json state <a.json)" = landed ] || fail "alice did not land: $(cat a.json)"
[ "$brc" = 1 ] || fail "bob's submit exited $brc, expected 1: $(cat b.out)"
assert_contains "$(cat b.out)" "failed verification"
assert_contains "$(cat b.out)" "main is untouched"
assert_contains "$(cat b.out)" "undefined reference to"
bid=$(sqlite3 .braid/state.db "select id from submissions where message = 'twice calls add'")
aid=$(sqlite3 .braid/state.db "select id from submissions where message = 'rename add to plus'")
[ "$(sub_state "$bid")" = failed ] || fail "bob's submission is $(sub_state "$bid")"

# main has the rename, never bob's call, and builds.
git show main:lib.c | grep -q 'int plus(' || fail "the rename is not on main"
git cat-file -e main:twice.c 2>/dev/null && fail "bob's file reached main"
for c in $(git reflog show --format=%H refs/heads/main); do
	git cat-file -e "$c:twice.c" 2>/dev/null && fail "main once pointed at $c, which has twice.c"
done
tmp=$(mktemp -d) && git archive main | tar -x -C "$tmp" && (cd "$tmp" && sh -c "$gate") ||
	fail "main does not build"
assert_main_verified

# bob's first run was stacked on alice's submission, and the agent sees the log.
"$BRAID" show "$bid" --json >show.json || [ $? = 1 ] || fail "braid show failed"
runs=$(json runs <show.json)
assert_contains "$runs" "[$aid,$bid]"
expect_code 1 show "$bid"
assert_contains "$OUT" "undefined reference to"
assert_contains "$OUT" "gate runs:"
# blame came after a retry, and both are in the op log
[ "$(sqlite3 .braid/state.db "select count(*) from ops where kind = 'gate.retry'")" = 1 ] || fail "no retry op"
[ "$(sqlite3 .braid/state.db "select count(*) from ops where kind = 'reject'")" = 1 ] || fail "no reject op"
[ "$(sqlite3 .braid/state.db "select c.state from changes c join submissions s on s.change_id = c.id where s.id = $bid")" = failed ] ||
	fail "bob's change is not marked failed"
wait_quiet
b op verify >/dev/null
assert_main_forward .
echo "gate_breaks_together ok"
