# lib.sh: helpers for braid's end-to-end tests. Each test sources this file,
# gets a fresh temporary directory (removed on exit) and drives the real
# braid binary ($BRAID, set by ctest) on real git repositories.
set -euo pipefail

: "${BRAID:?BRAID must point at the braid binary}"
export GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.com
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.com
export BRAID_PROGRESS=0
unset BRAID_AGENT BRAID_CRASH_AT

TMP=$(mktemp -d /tmp/braid-e2e.XXXXXX)
export HOME=$TMP
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# braid with its exit code checked: `b CMD...` must succeed.
b() {
	"$BRAID" "$@" || fail "braid $* exited with $?"
}

# `expect_code N CMD...`: run braid, require exit code N, keep output in $OUT.
expect_code() {
	local want=$1
	shift
	set +e
	OUT=$("$BRAID" "$@" 2>&1)
	local got=$?
	set -e
	[ "$got" = "$want" ] || fail "braid $* exited $got, expected $want; output: $OUT"
}

assert_contains() { # HAYSTACK NEEDLE
	case "$1" in *"$2"*) ;; *) fail "expected to find '$2' in: $1" ;; esac
}

# new_repo DIR: a git repository on branch main with one commit of $2.. files.
new_repo() {
	local dir=$1
	shift
	mkdir -p "$dir"
	git -C "$dir" init -q -b main
	"$@"
	git -C "$dir" add -A
	git -C "$dir" commit -qm "initial"
}

# seq_file PATH N: a file with lines "line 1" .. "line N".
seq_file() {
	local i
	: >"$1"
	for ((i = 1; i <= $2; i++)); do echo "line $i" >>"$1"; done
}

# json FIELD: read a top-level JSON field from stdin (node is on every test machine).
json() {
	node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=JSON.parse(s);for(const k of process.argv[1].split("."))v=v==null?v:v[k];console.log(typeof v==="object"?JSON.stringify(v):v)})' "$1"
}

# ws_path REPO WS
ws_path() {
	echo "$1/.braid/ws/$2"
}

# Main only moved forward: every value in main's reflog descends from the one before.
assert_main_forward() {
	local repo=$1 prev="" c
	for c in $(git -C "$repo" reflog show --format=%H refs/heads/main | tac); do
		if [ -n "$prev" ]; then
			git -C "$repo" merge-base --is-ancestor "$prev" "$c" ||
				fail "main moved from $prev to $c, which does not descend from it"
		fi
		prev=$c
	done
}
