# gate_order_blame.sh: queue order and blame. A, B and C are queued (in that order)
# while a gate is configured and B fails it: A and C land, B is reported failed, and
# the decisions happen in that order (A landed, B failed, C landed) even though the
# three were verified at the same time. Also: `braid queue` shows the stack while
# they are being verified, and a background driver drives `--no-wait` submissions.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gate/lib_gate.sh"

setup() { seq_file r/base.txt 5; }
new_repo r setup
cd r
b init >/dev/null
for n in A B C; do
	b agent add $n >/dev/null
	b ws new $n >/dev/null
	echo "work of $n" >.braid/ws/$n/$n.txt
done
echo BROKEN >>.braid/ws/B/B.txt
git config -f .braid/config gate.command 'sleep 2; ! grep -rq BROKEN --include=*.txt .'
git config -f .braid/config queue.concurrency 3

for n in A B C; do
	(cd .braid/ws/$n && b submit --no-wait -m "$n" >/dev/null)
done
# While they are verified, the queue shows each stacked on those ahead of it.
t0=$SECONDS
until [ "$(sqlite3 .braid/state.db "select count(*) from gate_runs where state = 'running'")" = 3 ]; do
	((SECONDS - t0 < 15)) || fail "the three submissions were not verified at once: $("$BRAID" queue)"
	sleep 0.05
done
b queue --json >q.json
q=$(json queue <q.json)
assert_contains "$q" '"id":3,"position":2'
assert_contains "$q" '"stacked_on":[1,2]'
assert_contains "$("$BRAID" queue)" "verifying"

wait_decided 40 1 2 3
[ "$(sub_state 1)" = landed ] || fail "A is $(sub_state 1)"
[ "$(sub_state 2)" = failed ] || fail "B is $(sub_state 2)"
[ "$(sub_state 3)" = landed ] || fail "C is $(sub_state 3)"
# In that order: the op log has land A, reject B, land C.
order=$(sqlite3 .braid/state.db "select group_concat(kind || ':' || json_extract(payload, '$.submission'), ' ') from (select * from ops where kind in ('land', 'reject') order by seq)")
[ "$order" = "land:1 reject:2 land:3" ] || fail "decisions in the wrong order: $order"
# main: A then C, never B.
[ "$(git log --format=%s --first-parent main | head -2 | tr '\n' ' ')" = "C A " ] ||
	fail "main's history: $(git log --oneline --first-parent main)"
git cat-file -e main:B.txt 2>/dev/null && fail "B reached main"
expect_code 1 show 2
assert_contains "$OUT" "failed"
assert_contains "$OUT" "gate runs:"
assert_contains "$(json queue <<<"$("$BRAID" queue --json)")" '"status":"failed"'

wait_quiet
assert_main_verified
b op verify >/dev/null
assert_main_forward .
echo "gate_order_blame ok"
