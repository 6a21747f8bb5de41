#!/usr/bin/env bash
# lint.sh: the static checks on braid's own C (not node_modules, not generated
# files): clang-format (the committed .clang-format), cppcheck and clang-tidy
# (the committed .clang-tidy, with build-asan's compile database). Prints each
# tool's findings and the time it took; the last line is "lint: N findings".
#
#   scripts/lint.sh [format|cppcheck|tidy]...   (default: all three)
#
# LINT_BUILD_DIR: the build whose compile_commands.json clang-tidy reads
# (default build-asan, configured here when missing); LINT_JOBS: parallel
# jobs (default 2). clang-tidy prints one line per finding; for the
# analyzer's path, run clang-tidy -p BUILD_DIR FILE on that file.
#
# Tools: clang-format 14, clang-tidy 14 and cppcheck from Debian (installed
# here when missing, as setup.sh does). Exit status 1 when anything is found.
# ctest runs each step as a test (lint/format, lint/cppcheck, lint/clang-tidy).
set -euo pipefail
cd "$(dirname "$0")/.."

steps=("$@")
((${#steps[@]})) || steps=(format cppcheck tidy)
jobs=${LINT_JOBS:-2}
build_dir=${LINT_BUILD_DIR:-build-asan}

need=()
for s in "${steps[@]}"; do
	case $s in
	format) command -v clang-format >/dev/null || need+=(clang-format) ;;
	cppcheck) command -v cppcheck >/dev/null || need+=(cppcheck) ;;
	tidy)
		command -v clang-tidy >/dev/null || need+=(clang-tidy)
		command -v jq >/dev/null || need+=(jq)
		;;
	*)
		echo "lint: unknown step '$s' (format, cppcheck or tidy)" >&2
		exit 2
		;;
	esac
done
if ((${#need[@]})); then
	echo "lint: installing ${need[*]}" >&2
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		"${need[@]}" >&2
fi

# Our sources: tracked files only, so build trees and node_modules never count
# (outside a git checkout, the same folders by name).
dirs=(src include cli server mcp tests/unit fuzz)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t sources < <(git ls-files -- "${dirs[@]}" 'bench/*.c' 'bench/*.h' |
		grep -E '\.[ch]$')
else
	mapfile -t sources < <({
		find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \)
		find bench -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \)
	} | sort)
fi
mapfile -t csources < <(printf '%s\n' "${sources[@]}" | grep -E '\.c$')
if ((${#sources[@]} == 0)); then
	echo "lint: no sources found" >&2
	exit 2
fi

total=0
report() { # report STEP COUNT SECONDS
	echo "lint: $1: $2 findings (${3}s)"
	total=$((total + $2))
}

run_format() {
	local out n start=$SECONDS
	out=$(clang-format --dry-run --Werror "${sources[@]}" 2>&1) || true
	n=$(grep -cE '^[^ ].*: (error|warning):' <<<"$out" || true)
	[ -z "$out" ] || echo "$out"
	report format "$n" $((SECONDS - start))
}

run_cppcheck() {
	local out n start=$SECONDS
	# --inline-suppr: a finding may be waived on its line with
	# "// cppcheck-suppress <id>" and a reason beside it.
	out=$(cppcheck --enable=warning,performance,portability --std=c11 -I include -I src \
		--library=scripts/lint/jansson.cfg --inline-suppr --error-exitcode=0 --quiet -j "$jobs" \
		--template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
		"${csources[@]}" 2>&1) || true
	n=$(grep -cE '^[^ ].*: (error|warning|performance|portability|style|information): ' \
		<<<"$out" || true)
	[ -z "$out" ] || echo "$out"
	report cppcheck "$n" $((SECONDS - start))
}

run_tidy() {
	local db=$build_dir dbdir out n start=$SECONDS
	if [ ! -f "$db/compile_commands.json" ]; then
		cmake -S . -B "$db" -DCMAKE_BUILD_TYPE=Debug -DBRAID_SANITIZE=ON \
			-DBRAID_FAULT_INJECTION=ON >/dev/null
	fi
	# The generated dashboard source must exist for its translation unit.
	if [ ! -f "$db/generated/dashboard_assets.c" ]; then
		cmake --build "$db" --target braid_cli -j "$jobs" >/dev/null
	fi
	# One entry per file, one file per clang-tidy process: the unit-test harness
	# is compiled into every test binary, and clang-tidy 14's analyzer, given a
	# second translation unit in one process, loses track of va_start and
	# reports every va_list as uninitialized.
	dbdir=$(mktemp -d)
	trap 'rm -rf "$dbdir"' RETURN
	jq --arg root "$PWD" '[.[] | select(.file | ltrimstr($root + "/") |
		test("^(src|cli|server|mcp|tests/unit|bench)/"))] | unique_by(.file)' \
		"$db/compile_commands.json" >"$dbdir/compile_commands.json"
	out=$(jq -r '.[].file' "$dbdir/compile_commands.json" |
		xargs -P "$jobs" -n 1 clang-tidy -p "$dbdir" --quiet 2>/dev/null) || true
	# A header's finding is printed once per file including it: count it once.
	out=$(grep -E '^/.*: (warning|error): ' <<<"$out" | sed "s|^$PWD/||" | sort -u || true)
	n=$(grep -c . <<<"$out" || true)
	[ -z "$out" ] || echo "$out"
	report clang-tidy "$n" $((SECONDS - start))
}

for s in "${steps[@]}"; do
	case $s in
	format) run_format ;;
	cppcheck) run_cppcheck ;;
	tidy) run_tidy ;;
	esac
done
echo "lint: $total findings"
[ "$total" = 0 ]
