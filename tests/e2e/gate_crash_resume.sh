# gate_crash_resume.sh: kill -9 during a gate run. The submission is durable, main
# does not move, and on restart the queue resumes: a run whose monitor survived is
# adopted, a run that died with the machine is verified again, a tree that fails
# never lands. Nothing is lost or landed unverified.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gate/lib_gate.sh"

setup() { seq_file r/a.txt 20; }
new_repo r setup
cd r
b init >/dev/null
for n in alice bob carol; do
	b agent add $n >/dev/null
	b ws new $n >/dev/null
done
# The gate takes a while and rejects any tree with a BROKEN file.
git config -f .braid/config gate.command 'sleep 2; test ! -e BROKEN'
start=$(git rev-parse main)

running_runs() { sqlite3 .braid/state.db "select count(*) from gate_runs where state = 'running'"; }

# 1. The driver (alice's submit) dies right after starting the gate run; the run's
#    monitor lives on, and the restarted queue adopts its verdict.
sed -i 's/^line 3$/alice/' .braid/ws/alice/a.txt
set +e
(cd .braid/ws/alice && BRAID_CRASH_AT=gate-started "$BRAID" submit -m alice >../../../a.out 2>&1)
rc=$?
set -e
[ "$rc" = 137 ] || fail "alice's submit was not killed (rc $rc): $(cat a.out)"
[ "$(git rev-parse main)" = "$start" ] || fail "main moved during the killed gate run"
[ "$(sub_state 1)" = pending ] || fail "submission 1 is $(sub_state 1), expected pending"
[ "$(running_runs)" = 1 ] || fail "the gate run did not survive its driver"
b queue drive >/dev/null
[ "$(sub_state 1)" = landed ] || fail "alice did not land after the restart: $(sub_state 1)"
git show main:a.txt | grep -qx alice || fail "alice's change is not on main"
[ "$(sqlite3 .braid/state.db "select count(*) from gate_runs")" = 1 ] ||
	fail "the surviving run was not adopted (it was run again)"

# 2. Everything dies (driver, monitor, gate): the run is lost and verified again.
(cd .braid/ws/bob && b update >/dev/null)
sed -i 's/^line 9$/bob/' .braid/ws/bob/a.txt
set +e
(cd .braid/ws/bob && BRAID_CRASH_AT=gate-started "$BRAID" submit -m bob >../../../b.out 2>&1)
rc=$?
set -e
[ "$rc" = 137 ] || fail "bob's submit was not killed (rc $rc)"
dir=$(sqlite3 .braid/state.db "select dir from gate_runs where state = 'running'")
t0=$SECONDS
until [ -s ".braid/$dir/pgid" ]; do ((SECONDS - t0 < 10)) || fail "no pgid"; sleep 0.05; done
pgid=$(cat ".braid/$dir/pgid")
monitor=$(ps -o ppid= -p "$pgid" | tr -d ' ')
kill -9 "$monitor" && kill -9 -- "-$pgid" || fail "could not kill the run"
m2=$(git rev-parse main)
b queue drive >/dev/null
[ "$(sub_state 2)" = landed ] || fail "bob did not land after the restart: $(sub_state 2)"
[ "$(sqlite3 .braid/state.db "select group_concat(state) from gate_runs where submission_id = 2 order by id")" = "lost,passed" ] ||
	fail "bob's runs: $(sqlite3 .braid/state.db "select group_concat(state) from gate_runs where submission_id = 2")"
git rev-list "$m2..main" >/dev/null

# 3. A tree that fails: the driver dies mid-run, the restart blames it; main untouched.
(cd .braid/ws/carol && b update >/dev/null)
touch .braid/ws/carol/BROKEN
m3=$(git rev-parse main)
set +e
(cd .braid/ws/carol && BRAID_CRASH_AT=gate-started "$BRAID" submit -m carol >../../../c.out 2>&1)
rc=$?
set -e
[ "$rc" = 137 ] || fail "carol's submit was not killed (rc $rc)"
b queue drive >/dev/null
[ "$(sub_state 3)" = failed ] || fail "carol's failing tree was not rejected: $(sub_state 3)"
[ "$(git rev-parse main)" = "$m3" ] || fail "main moved to a tree that failed the gate"

wait_quiet
assert_main_verified
b doctor >/dev/null
b op verify >/dev/null
assert_main_forward .
echo "gate_crash_resume ok"
