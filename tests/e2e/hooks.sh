#!/usr/bin/env bash
# hooks.sh: `braid hook claude pre-tool|post-tool|stop` fed with recorded
# Claude Code hook events (tests/resources/hooks/). Edits inside the agent's
# workspace pass; edits of another agent's workspace, of the main checkout
# or of .git/.braid are blocked with exit 2 and a reason on stderr; tools
# that edit nothing and paths outside the repository are left alone; stop
# submits, sends the agent back once on a conflict, and can be turned off.
. "$(dirname "$0")/lib/helpers.sh"
RES=${BRAID_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/resources/hooks

make_repo alice bob
WA=$REPO/.braid/ws/alice
WB=$REPO/.braid/ws/bob

# hook EVENT PAYLOAD CWD FILE: runs the hook; sets RC, OUT, ERR.
hook() {
	sed -e "s#@CWD@#$3#g" -e "s#@FILE@#$4#g" "$RES/$2.json" > "$TMP/payload"
	RC=0
	(cd "$3" && "$BRAID" hook claude "$1" < "$TMP/payload" > "$TMP/out" 2> "$TMP/err") || RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}
want() { [ "$RC" = "$1" ] || fail "$2: exit $RC, expected $1 (stderr: $ERR)"; }

# --- pre-tool
hook pre-tool pre_write "$WA" "$WA/src/new.py"; want 0 "write a new file in own workspace"
hook pre-tool pre_edit "$WA" "$WA/a.txt"; want 0 "edit in own workspace"
hook pre-tool pre_multiedit "$WA" "a.txt"; want 0 "relative path in own workspace"
hook pre-tool pre_edit "$WA" "$WB/a.txt"; want 2 "edit of bob's workspace"
echo "$ERR" | grep -q "in workspace 'bob' of another agent" || fail "names bob's workspace: $ERR"
echo "$ERR" | grep -q "Edit $WA/a.txt instead" || fail "says where to edit: $ERR"
hook pre-tool pre_edit "$WA" "$REPO/a.txt"; want 2 "edit of the main checkout"
echo "$ERR" | grep -q "in the main checkout" || fail "names the main checkout: $ERR"
hook pre-tool pre_write "$WA" "$WA/../bob/b.txt"; want 2 "dot-dot into bob's workspace"
hook pre-tool pre_write "$WA" "$WA/.git"; want 2 "the worktree's .git file"
hook pre-tool pre_write "$WA" "$REPO/.braid/state.db"; want 2 "braid's state"
hook pre-tool pre_edit "$WA" "/etc/hosts"; want 0 "outside the repository"
hook pre-tool pre_bash "$WA" "-"; want 0 "Bash edits nothing braid checks"
hook pre-tool pre_edit "$REPO" "$REPO/a.txt"; want 0 "a person at the main checkout"
mkdir -p "$TMP/plain"
hook pre-tool pre_edit "$TMP/plain" "$TMP/plain/x"; want 0 "not a braid repository"
echo '{"tool_name": ' | (cd "$WA" && "$BRAID" hook claude pre-tool 2> "$TMP/err") && RC=0 || RC=$?
[ "$RC" = 1 ] || fail "malformed input is a non-blocking error, got $RC"
"$BRAID" hook claude launch < /dev/null 2> /dev/null && fail "unknown event accepted" || true

# --- post-tool
hook post-tool post_edit "$WA" "$WA/a.txt"; want 0 "post-tool"

# --- stop: submit
printf 'one\ntwo alice\nthree\n' > "$WA/a.txt"
hook stop stop "$WA" "-"; want 0 "stop submits"
echo "$OUT" | grep -q "landed submission" || fail "stop landed: $OUT"
[ "$(git -C "$REPO" show main:a.txt | sed -n 2p)" = "two alice" ] || fail "main has alice's line"
hook stop stop "$WA" "-"; want 0 "nothing to submit"

# a conflict sends the agent back once, with the steps
printf 'one\ntwo bob\nthree\n' > "$WB/a.txt"
hook stop stop "$WB" "-"; want 2 "conflict blocks the stop"
echo "$ERR" | grep -q "braid resolve" || fail "says how to resolve: $ERR"
hook stop stop_again "$WB" "-"; want 1 "no loop: second stop only warns"

# hook.submit-on-stop false
(cd "$REPO" && git config -f .braid/config hook.submit-on-stop false)
printf 'alpha\nbeta\ngamma\n' > "$WA/b.txt"
hook stop stop "$WA" "-"; want 0 "submit-on-stop off"
[ -z "$OUT" ] || fail "nothing submitted: $OUT"
[ "$(git -C "$REPO" show main:b.txt | wc -l)" = 2 ] || fail "b.txt not landed"

# --- with intents (when braid has them): another agent's L4 blocks the edit
if "$BRAID" help 2>&1 | grep -q '^  intent'; then
	(cd "$WB" && "$BRAID" intent b.txt --level L4 > /dev/null)
	hook pre-tool pre_edit "$WA" "$WA/b.txt"; want 2 "bob holds b.txt at L4"
	echo "$ERR" | grep -q "bob" || fail "names the holder: $ERR"
fi
echo "hooks: ok"
