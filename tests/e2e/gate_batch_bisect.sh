# gate_batch_bisect.sh: a queue longer than the gate's concurrency is verified in
# batches (one run for several submissions, main moves once for the batch); a batch
# that fails is bisected, the culprit alone is rejected, the rest land in order.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gate/lib_gate.sh"

setup() { seq_file r/base.txt 5; }
new_repo r setup
cd r
b init >/dev/null
git config -f .braid/config gate.command 'sleep 1; ! grep -rq BROKEN --include=*.txt .'
git config -f .braid/config queue.concurrency 2
git config -f .braid/config queue.batch-max 4
for i in 1 2 3 4 5 6 7 8; do
	b agent add a$i >/dev/null
	b ws new a$i >/dev/null
	echo "work $i" >.braid/ws/a$i/w$i.txt
done
echo BROKEN >>.braid/ws/a5/w5.txt
# Queue all eight before anyone drives: take the lander lock meanwhile.
exec 9>.braid/lander.lock
flock 9
for i in 1 2 3 4 5 6 7 8; do
	(cd .braid/ws/a$i && b submit --no-wait -m "w$i" >/dev/null)
done
flock -u 9
exec 9>&-
b queue drive >/dev/null
for i in 1 2 3 4 6 7 8; do [ "$(sub_state $i)" = landed ] || fail "w$i is $(sub_state $i)"; done
[ "$(sub_state 5)" = failed ] || fail "w5 is $(sub_state 5)"
order=$(sqlite3 .braid/state.db "select group_concat(kind || ':' || json_extract(payload, '$.submission'), ' ') from (select * from ops where kind in ('land', 'reject') order by seq)")
[ "$order" = "land:1 land:2 land:3 land:4 reject:5 land:6 land:7 land:8" ] || fail "decisions: $order"
# The first four landed as one batch: one run verified them, main moved once.
[ "$(sqlite3 .braid/state.db "select max(json_extract(payload, '$.gate.batch')) from ops where kind = 'land'")" -ge 2 ] ||
	fail "nothing landed as a batch"
runs=$(sqlite3 .braid/state.db "select count(*) from gate_runs")
[ "$runs" -lt 12 ] || fail "$runs gate runs for 8 submissions"
sqlite3 .braid/state.db "select kind from gate_runs" | grep -q bisect || fail "the failing batch was not bisected"
git cat-file -e main:w5.txt 2>/dev/null && fail "w5 reached main"
for i in 1 2 3 4 6 7 8; do git cat-file -e main:w$i.txt || fail "w$i is not on main"; done
assert_main_verified
b op verify >/dev/null
assert_main_forward .
echo "gate_batch_bisect ok"
