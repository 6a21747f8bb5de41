# helpers.sh: what the bash end-to-end tests share (source it). Makes a
# throwaway repository with braid set up, starts `braid serve` on a free
# loopback port, and cleans everything up on exit. Not a test itself.
set -euo pipefail

BRAID=${BRAID:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/build-asan/braid}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/braid-e2e.XXXXXX")
SERVER_PID=
BG_PIDS=()

cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# make_repo AGENT...: $TMP/repo with braid, agents, one workspace each.
make_repo() {
	REPO=$TMP/repo
	mkdir -p "$REPO"
	(
		cd "$REPO"
		git init -q -b main
		git config user.email t@example.com
		git config user.name test
		printf 'one\ntwo\nthree\n' > a.txt
		printf 'alpha\nbeta\n' > b.txt
		git add .
		git commit -qm init
		"$BRAID" init > /dev/null
		for a in "$@"; do
			"$BRAID" agent add "$a" > /dev/null
			"$BRAID" ws new "$a" > /dev/null
		done
	)
}

# start_server [ARGS...]: sets URL (no trailing slash) and SERVER_PID.
start_server() {
	"$BRAID" -C "$REPO" serve --listen 127.0.0.1:0 "$@" > "$TMP/serve.out" 2> "$TMP/serve.err" &
	SERVER_PID=$!
	local i
	for i in $(seq 1 150); do
		URL=$(grep -o 'listening on http://[^ ]*' "$TMP/serve.out" 2>/dev/null | sed 's/listening on //; s#/$##' || true)
		[ -n "$URL" ] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || fail "braid serve exited: $(cat "$TMP/serve.err")"
		sleep 0.1
	done
	fail "braid serve did not start"
}

stop_server() {
	kill -TERM "$SERVER_PID"
	local rc=0
	wait "$SERVER_PID" || rc=$?
	SERVER_PID=
	return $rc
}

token() { cat "$REPO/.braid/tokens/$1"; }

# req METHOD PATH TOKEN [curl args...]: prints the body, sets STATUS.
req() {
	local method=$1 path=$2 tok=$3
	shift 3
	local auth=()
	[ -n "$tok" ] && auth=(-H "Authorization: Bearer $tok")
	STATUS=$(curl -s --path-as-is -o "$TMP/body" -w '%{http_code}' -X "$method" "${auth[@]}" "$@" "$URL$path")
	cat "$TMP/body"
}

# expect STATUS CODE: the last response had this HTTP status and error code ("" for none).
expect() {
	local want_status=$1 want_code=$2 got_code
	got_code=$(jq -r '.error.code // ""' < "$TMP/body" 2>/dev/null || echo "?")
	[ "$STATUS" = "$want_status" ] || fail "status $STATUS, expected $want_status: $(cat "$TMP/body")"
	[ "$got_code" = "$want_code" ] || fail "error code '$got_code', expected '$want_code': $(cat "$TMP/body")"
}

jqr() { jq -r "$1" < "$TMP/body"; }
