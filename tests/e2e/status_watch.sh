#!/usr/bin/env bash
# status_watch.sh: `braid status --watch` redraws as soon as another process
# records an op (no waiting for the 5 s refresh), and `braid status --json`
# still prints the status document.
. "$(dirname "$0")/lib/helpers.sh"

make_repo alice bob
"$BRAID" -C "$REPO" status --json > "$TMP/st.json"
[ "$(jq -r '.workspaces | length' < "$TMP/st.json")" = 2 ] || fail "status --json"
"$BRAID" -C "$REPO" status --watch --json > /dev/null 2>&1 && fail "--watch --json is refused" || true

"$BRAID" -C "$REPO" status --watch > "$TMP/watch" 2>&1 &
WPID=$!
BG_PIDS+=($WPID)
for i in $(seq 1 50); do grep -q 'landed: 0' "$TMP/watch" && break; sleep 0.1; done
grep -q 'landed: 0' "$TMP/watch" || fail "first frame: $(cat "$TMP/watch")"
printf 'one\ntwo alice\nthree\n' > "$REPO/.braid/ws/alice/a.txt"
start=$(date +%s%N)
(cd "$REPO/.braid/ws/alice" && "$BRAID" submit > /dev/null)
for i in $(seq 1 40); do grep -q 'landed: 1' "$TMP/watch" && break; sleep 0.05; done
grep -q 'landed: 1' "$TMP/watch" || fail "no redraw after the landing: $(tail -20 "$TMP/watch")"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q 'behind main' "$TMP/watch" || fail "bob shown behind main"
grep -q ' land ' "$TMP/watch" || fail "recent ops list the landing"
kill "$WPID"
echo "status_watch: ok (redrawn ${ms} ms after the submit began)"
