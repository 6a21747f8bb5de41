# intent_cli.sh: braid intent / intent release / intent renew / locks / read / write
# through the real binary: grants, denials naming the holder, exit codes,
# waiting in line, hash-checked writes, and submit honouring L3/L4 intents.
. "$(dirname "$0")/lib.sh"

mk_files() {
	mkdir -p r/src
	printf 'int db_open(void)\n{\n\treturn 1;\n}\n\nint db_close(void)\n{\n\treturn 0;\n}\n' >r/src/db.c
	echo hello >r/README
}
new_repo r mk_files
cd r
b init >/dev/null
b agent add alice >/dev/null
b agent add bob >/dev/null

for c in intent "intent release" "intent renew" locks read write; do
	# shellcheck disable=SC2086
	b $c --help | grep -q "usage: braid $c" || fail "no --help for $c"
done

# A grant prints a token; a denial names holder, level, activity and place in line (exit 1).
tok=$(b --agent alice intent src/db.c::db_open --level L3 --activity "fixing open" --json | json token)
[ "$tok" -gt 0 ] || fail "no fencing token"
expect_code 1 --agent bob intent src/db.c --level L2
assert_contains "$OUT" "alice"
assert_contains "$OUT" "L3"
assert_contains "$OUT" "fixing open"
assert_contains "$OUT" "place in line: 1"
out=$(b --agent bob intent src/db.c::db_close --level L3 --json)
[ "$(echo "$out" | json granted)" = true ] || fail "disjoint symbols should both be granted: $out"
expect_code 2 --agent bob intent src/db.c --level L9
expect_code 2 --agent bob intent
expect_code 3 --agent bob intent src/db.c::nope
expect_code 4 intent src/db.c

# braid locks shows the table.
out=$(b locks)
assert_contains "$out" "src/db.c::db_open"
assert_contains "$out" "alice"
[ "$(b locks --json | json held | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).length)')" = 2 ] || fail "expected two held intents"

# Waiting: bob waits in line for alice's L3; alice releases; bob gets it.
"$BRAID" --agent bob intent src/db.c --level L4 --wait 20 --json >wait.json &
waiter=$!
for _ in $(seq 100); do
	[ "$(b locks --json | json waiting | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).length)')" = 1 ] && break
	sleep 0.1
done
b locks | grep -q "WAITING FOR" || fail "the waiting request is not shown"
[ "$(b --agent alice intent release --json | json released)" = 1 ] || fail "alice released nothing"
wait $waiter || fail "bob's wait failed"
[ "$(json granted <wait.json)" = true ] || fail "bob was not granted after waiting"
# A short wait that times out is exit 5.
expect_code 5 --agent alice intent README src/db.c --level L1 --wait 0.3
# Renew and conditional release.
[ "$(b --agent bob intent renew --ttl 2h --json | json renewed)" = 2 ] || fail "renew"
[ "$(b --agent alice intent release src/db.c --json | json released)" = 0 ] || fail "alice released bob's intent"
btok=$(b locks --json | node -e 'const t=JSON.parse(require("fs").readFileSync(0)).held.find(h=>h.target=="src/db.c");console.log(t.token)')
expect_code 4 --agent bob intent release --token "$tok"
b --agent bob intent release --token "$btok" >/dev/null
b --agent bob intent release >/dev/null

# Hash-checked read and write in a workspace.
b ws new alice >/dev/null
ws=$(ws_path "$PWD" alice)
h=$(b --agent alice read src/db.c::db_open --json | json hash)
printf 'int db_open(void)\n{\n\treturn 2;\n}' | b --agent alice write src/db.c::db_open --if-hash "$h" >/dev/null
grep -q 'return 2;' "$ws/src/db.c" || fail "write did not reach the workspace"
set +e
printf 'x' | "$BRAID" --agent alice write src/db.c::db_open --if-hash "$h" >out.txt 2>&1
code=$?
set -e
[ "$code" = 4 ] || fail "stale write exited $code"
assert_contains "$(cat out.txt)" "changed"
assert_contains "$(cat out.txt)" "+	return 2;"

# Submit honours another agent's L3: refused while bob holds db_open, lands after release.
b --agent bob intent src/db.c::db_open --level L3 --activity "owning open" >/dev/null
(cd "$ws" && "$BRAID" submit -m "alice edits db_open" >../../../submit.out 2>&1) && code=0 || code=$?
if grep -q "owning open" submit.out; then
	[ "$code" = 1 ] || fail "a refused submit should exit 1, got $code"
	b --agent bob intent release >/dev/null
	(cd "$ws" && b submit -m "alice edits db_open" >/dev/null)
fi
echo ok
