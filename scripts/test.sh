#!/usr/bin/env bash
# test.sh: the whole test suite, as CI runs it (.ci/run calls this). Installs
# what is missing, builds with AddressSanitizer + UndefinedBehaviorSanitizer
# and the crash points, and runs every unit and end-to-end test with ctest.
# The last line is "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
export BRAID_SETUP_TEST=1
# The release flavour must build too (-O2 finds warnings -O0 does not); the demo uses it.
scripts/setup.sh release >/dev/null
dir=$(scripts/setup.sh asan | tail -n 1)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
set +e
(cd "$dir" && ctest --output-on-failure -j2 --timeout 120 "$@") | tee "$dir/ctest.log"
rc=${PIPESTATUS[0]}
set -e
summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$dir/ctest.log" | tail -n 1)
if [ -n "$summary" ]; then
	failed=$(echo "$summary" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+)/\1/')
	total=$(echo "$summary" | sed -E 's/.* out of ([0-9]+)/\1/')
	echo "$((total - failed)) passed, $failed failed"
else
	echo "0 passed, 1 failed"
	rc=1
fi
exit "$rc"
