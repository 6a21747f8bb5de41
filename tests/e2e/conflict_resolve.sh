# conflict_resolve.sh: two agents change the same line: one lands, one conflict is
# listed; resolving it in the agent's workspace lands the resolution with a resolve op.
. "$(dirname "$0")/lib.sh"

new_repo r seq_file r/a.txt 10
cd r
b init >/dev/null
b agent add a1 >/dev/null
b agent add a2 >/dev/null
b ws new a1 >/dev/null
b ws new a2 >/dev/null
sed -i 's/^line 5$/five by a1/' .braid/ws/a1/a.txt
sed -i 's/^line 5$/five by a2/' .braid/ws/a2/a.txt
(cd .braid/ws/a1 && b submit -m a1 >/dev/null)
before=$(git rev-parse main)
cd .braid/ws/a2
expect_code 1 submit -m a2 --json
state=$(echo "$OUT" | sed -n '/^{/,$p' | json state)
[ "$state" = conflicted ] || fail "expected a conflict, got: $OUT"
id=$(echo "$OUT" | sed -n '/^{/,$p' | json conflict)
[ "$(git -C ../../.. rev-parse main)" = "$before" ] || fail "main moved on a conflict"

list=$("$BRAID" conflicts)
assert_contains "$list" "a.txt"
assert_contains "$list" "a2"
show=$("$BRAID" conflicts show "$id")
assert_contains "$show" "five by a1"
assert_contains "$show" "five by a2"
assert_contains "$show" "line 5"
"$BRAID" conflicts show "$id" --json | json files >/dev/null

# Only the submitting agent resolves it.
expect_code 4 -C ../a1 resolve "$id"
b resolve "$id" >/dev/null
grep -q '^<<<<<<< main$' a.txt || fail "no conflict markers written"
grep -q '^||||||| base$' a.txt || fail "not diff3 style"
expect_code 4 submit -m "too early"
assert_contains "$OUT" "conflict markers"
awk '/^<<<<<<< main$/{skip=1; print "five by both"; next} /^>>>>>>> submitted$/{skip=0; next} !skip' a.txt >a.new
mv a.new a.txt
b submit -m "resolve" >/dev/null
cd ../../..
git show main:a.txt | grep -q '^five by both$' || fail "resolution did not land"
[ "$("$BRAID" conflicts --state all --json | json conflicts | node -e 'const c=JSON.parse(require("fs").readFileSync(0));console.log(c[0].state)')" = resolved ] || fail "conflict not marked resolved"
op=$("$BRAID" log --ops --kind resolve --json | node -e 'const o=JSON.parse(require("fs").readFileSync(0)).ops[0];console.log(o.payload.conflict)')
[ "$op" = "$id" ] || fail "resolve op does not name the conflict ($op vs $id)"
b op verify >/dev/null
assert_main_forward .
echo "conflict_resolve ok"
