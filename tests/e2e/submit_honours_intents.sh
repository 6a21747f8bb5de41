# submit_honours_intents.sh: submit respects the coordination table. Another agent's L3
# on a function the submission touches refuses it (naming the holder) without losing
# it; after the holder releases, the same submit lands. A region this agent read that
# another agent changed since refuses the submit with that agent's diff. Landing
# releases the submitter's own write intents on what it covered.
. "$(dirname "$0")/lib.sh"

setup() {
	cat >r/db.c <<'C'
int db_open(void)
{
	return 1;
}

int db_close(void)
{
	return 0;
}
C
	seq_file r/notes.txt 10
}
new_repo r setup
cd r
b init >/dev/null
for a in a1 a2; do b agent add $a >/dev/null; b ws new $a >/dev/null; done
A1=.braid/ws/a1
A2=.braid/ws/a2

# a2 holds db_open at L3; a1 edits db_open and is refused, a1's edit of db_close is not.
b --agent a2 intent db.c::db_open --level L3 --activity "rewriting open" >/dev/null
sed -i 's/return 1;/return 2;/' $A1/db.c
expect_code 1 -C $A1 submit -m "touch open" --json
assert_contains "$OUT" '"state": "refused"'
assert_contains "$OUT" "a2"
assert_contains "$OUT" "rewriting open"
git show main:db.c | grep -q 'return 2;' && fail "a refused submission reached main"
git -C $A1 log -1 --format=%s | grep -q "touch open" || fail "the refused snapshot was lost"
sed -i 's/return 0;/return -1;/' $A2/db.c
(cd $A2 && b submit -m "close" >/dev/null) # a2 touching db_close lands despite its own L3
b --agent a2 intent release >/dev/null
(cd $A1 && b submit -m "touch open, again" >/dev/null)
git show main:db.c | grep -q 'return 2;' || fail "the retried submission did not land"

# Hash-checked: a1 reads notes.txt, a2 changes line 3 and lands, a1 edits line 3 -> stale.
(cd $A1 && b update >/dev/null && b read notes.txt >/dev/null)
(cd $A2 && b update >/dev/null)
sed -i 's/^line 3$/a2 was here/' $A2/notes.txt
(cd $A2 && b submit -m "a2 notes" >/dev/null)
sed -i 's/^line 3$/a1 was here/' $A1/notes.txt
expect_code 1 -C $A1 submit -m "a1 notes" --json
assert_contains "$OUT" '"reason": "stale"'
assert_contains "$OUT" "a2 was here"
assert_contains "$OUT" '"agent": "a2"'

# Landing releases the submitter's write intents on what it covered.
b --agent a2 intent notes.txt --level L2 >/dev/null
(cd $A2 && b update >/dev/null)
sed -i 's/^line 7$/seven/' $A2/notes.txt
(cd $A2 && b submit -m "seven" >/dev/null)
left=$(b locks --json)
case "$left" in *notes.txt*) fail "the intent on notes.txt survived the landing: $left" ;; esac
echo "submit_honours_intents ok"
