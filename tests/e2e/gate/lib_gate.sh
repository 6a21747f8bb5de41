# lib_gate.sh: helpers for the verification gate and landing queue tests
# (sourced after ../lib.sh; not a test itself: ctest only runs tests/e2e/*.sh).

# sub_state ID: a submission's durable state.
sub_state() {
	sqlite3 .braid/state.db "select state from submissions where id = $1"
}

# wait_decided SECONDS ID...: wait until every submission is decided.
wait_decided() {
	local limit=$1 id s t0=$SECONDS
	shift
	for id in "$@"; do
		while :; do
			s=$(sub_state "$id")
			case "$s" in pending | landing | "") ;; *) break ;; esac
			((SECONDS - t0 < limit)) || fail "submission $id still '$s' after ${limit}s: $("$BRAID" queue)"
			sleep 0.1
		done
	done
}

# wait_quiet: no driver holds the queue and no gate run is going (so the test
# directory can be removed under nobody's feet).
wait_quiet() {
	local t0=$SECONDS
	while ! flock -n .braid/driver.lock true || ! flock -n .braid/lander.lock true ||
		[ "$(sqlite3 .braid/state.db "select count(*) from gate_runs where state in ('running','cancelling')")" != 0 ]; do
		((SECONDS - t0 < 30)) || fail "the queue did not go quiet"
		sleep 0.1
	done
}

# assert_main_verified: every commit main ever pointed at (its reflog) after the
# gate was configured has a tree that passed a gate run, or is the initial commit.
assert_main_verified() {
	local c tree first
	first=$(git rev-list --max-parents=0 main | tail -1)
	for c in $(git reflog show --format=%H refs/heads/main); do
		[ "$c" = "$first" ] && continue
		tree=$(git rev-parse "$c^{tree}")
		[ "$(sqlite3 .braid/state.db "select count(*) from gate_runs where tree = '$tree' and state = 'passed'")" != 0 ] ||
			fail "main pointed at $c whose tree $tree never passed the gate"
	done
}
