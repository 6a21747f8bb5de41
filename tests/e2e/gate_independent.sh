# gate_independent.sh: queue.mode = independent. Submissions are verified alone, at
# once; one whose verified-alone run predates landings independent of it (by the
# symbol index) lands without another run; one that uses a function another landing
# changed is verified again on the new main.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gate/lib_gate.sh"

setup() {
	for i in 1 2 3; do printf 'int f%d(int x)\n{\n\treturn x + %d;\n}\n' $i $i >r/f$i.c; done
}
new_repo r setup
cd r
b init >/dev/null
git config -f .braid/config gate.command 'sleep 1; cc -c -o /dev/null f1.c'
git config -f .braid/config queue.mode independent
git config -f .braid/config queue.concurrency 4
for n in alice bob carol; do
	b agent add $n >/dev/null
	b ws new $n >/dev/null
done
sed -i 's/x + 1/x + 10/' .braid/ws/alice/f1.c                                  # changes f1
sed -i 's/x + 2/x + 20/' .braid/ws/bob/f2.c                                    # independent of f1
printf 'int f1(int);\nint f3(int x)\n{\n\treturn f1(x) * 3;\n}\n' >.braid/ws/carol/f3.c # uses f1
exec 9>.braid/lander.lock
flock 9
for n in alice bob carol; do (cd .braid/ws/$n && b submit --no-wait -m $n >/dev/null); done
flock -u 9
exec 9>&-
b queue drive >/dev/null
for i in 1 2 3; do [ "$(sub_state $i)" = landed ] || fail "submission $i is $(sub_state $i)"; done
alone() { sqlite3 .braid/state.db "select json_extract(payload, '$.gate.verified_alone') from ops where kind = 'land' and json_extract(payload, '$.submission') = $1"; }
[ "$(alone 1)" = 0 ] || fail "alice's exact tree was verified; got verified_alone=$(alone 1)"
[ "$(alone 2)" = 1 ] || fail "bob's independent change was verified again"
[ "$(alone 3)" = 0 ] || fail "carol uses f1, which alice changed: she must be verified on the new main"
[ "$(sqlite3 .braid/state.db "select count(*) from gate_runs where submission_id = 3 and state = 'passed'")" = 2 ] ||
	fail "carol was not verified again"
[ "$(sqlite3 .braid/state.db "select count(*) from gate_runs where submission_id = 2")" = 1 ] ||
	fail "bob was verified more than once"
wait_quiet
b op verify >/dev/null
assert_main_forward .
echo "gate_independent ok"
