#!/usr/bin/env bash
# http_api.sh: `braid serve` with real HTTP requests (curl): bearer tokens
# (none, wrong, read-only viewer), malformed JSON, an oversized body, an
# unknown route, a wrong verb, path traversal in path parameters, the
# main routes (status, submit, conflicts, resolve, ops, rpc), an SSE
# subscriber that receives a landed event made by a CLI process, replay
# with Last-Event-ID, and a clean shutdown.
. "$(dirname "$0")/lib/helpers.sh"

make_repo alice bob
start_server --max-body 4096
A=$(token alice)
B=$(token bob)
V=$(token viewer)

# --- no auth needed: health and the dashboard page
req GET /v1/health "" > /dev/null; expect 200 ""
curl -sf "$URL/" | grep -q '<html' || fail "dashboard page"

# --- auth
req GET /v1/status "" > /dev/null; expect 401 unauthorized
curl -s -D - -o /dev/null "$URL/v1/status" | grep -qi '^WWW-Authenticate: Bearer' || fail "WWW-Authenticate"
req GET /v1/status "bt_0000000000000000000000000000000000000000000000" > /dev/null; expect 401 unauthorized
req GET /v1/status "not-even-a-token" > /dev/null; expect 401 unauthorized
req GET /v1/events "bt_wrong" > /dev/null; expect 401 unauthorized
req GET /v1/status "$V" > /dev/null; expect 200 ""
[ "$(jqr .target)" = main ] || fail "status target"
req POST /v1/submit "$V" > /dev/null; expect 403 denied
req GET /v1/whoami "$A" > /dev/null; expect 200 ""
[ "$(jqr .agent)" = alice ] || fail "whoami"

# --- malformed input
req POST /v1/submit "$A" -d '{"message": ' > /dev/null; expect 400 bad_json
req POST /v1/submit "$A" -d '[1,2]' > /dev/null; expect 400 bad_json
req POST /v1/submit "$A" -d '{"message": "x", "message": "y"}' > /dev/null; expect 400 bad_json
req POST /v1/submit "$A" -d '{"wait": "yes"}' > /dev/null; expect 400 invalid
grep -q "argument 'wait' must be a boolean" "$TMP/body" || fail "names the argument"
req POST /v1/submit "$A" -d '{"colour": "red"}' > /dev/null; expect 400 invalid
head -c 5000 /dev/zero | tr '\0' x > "$TMP/big"
req POST /v1/submit "$A" --data-binary @"$TMP/big" > /dev/null; expect 413 payload_too_large
req POST /v1/submit "$A" -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big" > /dev/null; expect 413 payload_too_large
req GET "/v1/ops?limit=many" "$A" > /dev/null; expect 400 invalid

# --- routes that do not exist, wrong verbs
req GET /v1/nothing "$A" > /dev/null; expect 404 no_route
req GET /v2/status "$A" > /dev/null; expect 404 no_route
req DELETE /v1/status "$A" > /dev/null; expect 405 method_not_allowed
req POST /v1/rpc/no_such_method "$A" > /dev/null; expect 404 not_found

# --- path traversal in every kind of path parameter
for p in \
	"/v1/conflicts/../../../etc/passwd" \
	"/v1/conflicts/..%2F..%2Fetc%2Fpasswd" \
	"/v1/conflicts/%2e%2e" \
	"/v1/workspaces/..%2Fbob/submit" \
	"/v1/workspaces/alice%2F..%2F..%2F..%2Ftmp/submit" \
	"/v1/ops/..%00" \
	"/v1/rpc/..%2Fstatus" \
	"/v1//status" \
	"/v1/./status" \
	"/v1/submissions/1%2F..%2F2"; do
	case $p in */submit|*/rpc/*) verb=POST ;; *) verb=GET ;; esac
	req $verb "$p" "$A" > /dev/null
	[ "$STATUS" = 400 ] || [ "$STATUS" = 404 ] || fail "$p gave $STATUS: $(cat "$TMP/body")"
	code=$(jqr .error.code)
	case $code in invalid_path | no_route) ;; *) fail "$p gave code $code" ;; esac
done
req GET "/v1/workspaces/..%2Fbob" "$A" > /dev/null; expect 400 invalid_path
req GET "/v1/submissions/abc" "$A" > /dev/null; expect 400 invalid
req GET "/v1/workspaces/nobody" "$A" > /dev/null; expect 404 not_found

# --- an SSE subscriber sees a landing made by a CLI process
curl -sN -H "Authorization: Bearer $A" "$URL/v1/events?events=landed,conflicted,workspace.behind" > "$TMP/sse" &
BG_PIDS+=($!)
for i in $(seq 1 50); do grep -q '^event: hello' "$TMP/sse" 2>/dev/null && break; sleep 0.1; done
grep -q '^event: hello' "$TMP/sse" || fail "no hello on the stream"
printf 'one\ntwo alice\nthree\n' > "$REPO/.braid/ws/alice/a.txt"
(cd "$REPO/.braid/ws/alice" && "$BRAID" submit -m "alice via the CLI" > /dev/null)
for i in $(seq 1 50); do grep -q '^event: landed' "$TMP/sse" && break; sleep 0.1; done
grep -q '^event: landed' "$TMP/sse" || fail "no landed event: $(cat "$TMP/sse")"
grep -A1 '^event: landed' "$TMP/sse" | grep '^data:' | grep -q '"agent":"alice"' || fail "landed names alice"
for i in $(seq 1 30); do grep -q '^event: workspace.behind' "$TMP/sse" && break; sleep 0.1; done
grep -A1 '^event: workspace.behind' "$TMP/sse" | grep -q '"workspace":"bob"' || fail "bob is behind"
LAND_ID=$(grep -B1 '^event: landed' "$TMP/sse" | grep '^id:' | head -1 | cut -d' ' -f2)

# --- submit over HTTP: bob conflicts, sees it, resolves, lands
printf 'one\ntwo bob\nthree\n' > "$REPO/.braid/ws/bob/a.txt"
req POST /v1/workspaces/alice/submit "$B" -d '{}' > /dev/null; expect 403 denied
req POST /v1/workspaces/bob/submit "$B" -d '{"message": "bob"}' > /dev/null; expect 200 ""
[ "$(jqr .state)" = conflicted ] || fail "bob conflicted: $(cat "$TMP/body")"
CID=$(jqr .conflict)
for i in $(seq 1 30); do grep -q '^event: conflicted' "$TMP/sse" && break; sleep 0.1; done
grep -q '^event: conflicted' "$TMP/sse" || fail "no conflicted event"
req GET /v1/conflicts "$V" > /dev/null; expect 200 ""
[ "$(jqr '.conflicts | length')" = 1 ] || fail "one conflict"
req GET "/v1/conflicts/$CID" "$V" > /dev/null; expect 200 ""
[ "$(jqr '.files[0].content.submitted')" = "$(printf 'one\ntwo bob\nthree')" ] || fail "conflict content"
req POST "/v1/conflicts/$CID/resolve" "$A" > /dev/null; expect 403 denied
req POST "/v1/conflicts/$CID/resolve" "$B" > /dev/null; expect 200 ""
[ "$(jqr '.files_with_markers[0]')" = a.txt ] || fail "markers"
printf 'one\ntwo alice and bob\nthree\n' > "$REPO/.braid/ws/bob/a.txt"
req POST /v1/rpc/submit "$B" -d '{"message": "resolved"}' > /dev/null; expect 200 ""
[ "$(jqr .state)" = landed ] || fail "resolution landed: $(cat "$TMP/body")"
req GET "/v1/queue?state=landed&limit=10" "$V" > /dev/null; expect 200 ""
[ "$(jqr '.submissions | length')" = 2 ] || fail "two landed"
req GET "/v1/ops?kind=land" "$V" > /dev/null; expect 200 ""
OP=$(jqr '.ops[0].id')
req GET "/v1/ops/${OP:0:12}" "$V" > /dev/null; expect 200 ""
[ "$(jqr .kind)" = land ] || fail "op show"
req GET /v1/ops/verify "$V" > /dev/null; expect 200 ""
[ "$(jqr .ok)" = true ] || fail "op log verifies"
req GET /v1/methods "$V" > /dev/null; expect 200 ""
[ "$(jqr '[.methods[].name] | index("submit") != null')" = true ] || fail "methods listing"

# --- replay: a new subscriber with Last-Event-ID gets what followed that id
curl -sN -m 1 -H "Authorization: Bearer $V" -H "Last-Event-ID: $LAND_ID" "$URL/v1/events?events=landed" > "$TMP/sse2" || true
[ "$(grep -c '^event: landed' "$TMP/sse2")" = 1 ] || fail "replay after $LAND_ID: $(cat "$TMP/sse2")"
curl -sN -m 1 "$URL/v1/events?access_token=$V&after=0&events=landed" > "$TMP/sse3" || true
[ "$(grep -c '^event: landed' "$TMP/sse3")" = 2 ] || fail "replay from 0 with access_token"

# --- intents (locks) over HTTP, and the lock events on the stream
req POST /v1/intents "$A" -d '{"targets": ["b.txt"], "level": "L4", "activity": "rewriting b"}' > /dev/null; expect 200 ""
[ "$(jqr .granted)" = true ] || fail "granted"
TOK=$(jqr .token)
req POST /v1/intents "$B" -d '{"targets": ["b.txt"], "level": "L2"}' > /dev/null; expect 423 locked
grep -q "alice" "$TMP/body" || fail "denial names the holder: $(cat "$TMP/body")"
[ "$(jqr '.error.details.held_by[0].agent')" = alice ] || fail "details name the holder"
[ "$(jqr '.error.details.position')" = 1 ] || fail "details give the place in line"
req POST /v1/intents "$B" -d '{"targets": ["b.txt"], "level": "L9"}' > /dev/null; expect 400 invalid
req GET /v1/locks "$V" > /dev/null; expect 200 ""
[ "$(jqr '.held[0].target')" = b.txt ] || fail "lock table"
# bob waits in line (a slow call on a worker thread); alice releases; bob gets it
curl -s -X POST -H "Authorization: Bearer $B" -d '{"targets": ["b.txt"], "level": "L2", "wait": 20}' "$URL/v1/intents" > "$TMP/waited" &
WAITER=$!
for i in $(seq 1 50); do grep -q '^event: lock.queued' "$TMP/sse" 2>/dev/null && break; sleep 0.1; done
req DELETE "/v1/intents?token=$TOK" "$A" > /dev/null; expect 200 ""
[ "$(jqr .released)" = 1 ] || fail "released by token: $(cat "$TMP/body")"
wait $WAITER
grep -q '"granted":true' "$TMP/waited" || fail "bob granted after waiting: $(cat "$TMP/waited")"
req POST /v1/intents/release "$B" -d '{}' > /dev/null; expect 200 ""
req GET "/v1/read?spec=a.txt" "$B" > /dev/null; expect 200 ""
H=$(jqr .hash)
req GET "/v1/read?spec=../../etc/passwd" "$B" > /dev/null; expect 400 invalid
req GET "/v1/read?spec=.git/config" "$B" > /dev/null; expect 400 invalid
req POST /v1/write "$B" -d "{\"spec\": \"a.txt\", \"if_hash\": \"$H\", \"content\": \"new\\n\"}" > /dev/null; expect 200 ""
req POST /v1/write "$B" -d "{\"spec\": \"a.txt\", \"if_hash\": \"$H\", \"content\": \"again\\n\"}" > /dev/null; expect 412 stale
curl -sN -m 1 -H "Authorization: Bearer $V" "$URL/v1/events?after=0&events=lock.granted,lock.queued,lock.released" > "$TMP/sse4" || true
grep -q '^event: lock.granted' "$TMP/sse4" || fail "lock.granted event"
grep -q '^event: lock.queued' "$TMP/sse4" || fail "lock.queued event"
grep -q '^event: lock.released' "$TMP/sse4" || fail "lock.released event"

# --- shutdown ends the open stream and exits 0
stop_server || fail "braid serve exit code $?"
! grep -q 'ERROR: AddressSanitizer\|LeakSanitizer' "$TMP/serve.err" || fail "sanitizer: $(cat "$TMP/serve.err")"
echo "http_api: ok"
