# update_keeps_edits.sh: `braid update` brings a workspace onto the new main and never
# overwrites the agent's uncommitted edits: merged when they commute, and when they
# would conflict nothing in the workspace changes at all.
. "$(dirname "$0")/lib.sh"

setup() { seq_file r/a.txt 30; seq_file r/b.txt 5; }
new_repo r setup
cd r
b init >/dev/null
b agent add lander >/dev/null
b agent add me >/dev/null
b ws new lander >/dev/null
b ws new me >/dev/null
L=.braid/ws/lander
M=.braid/ws/me

land() { (cd $L && b submit -m "$1" >/dev/null); }

# 1. Edits in a file main did not touch.
sed -i 's/^line 2$/mine 2/' $M/b.txt
sed -i 's/^line 1$/theirs 1/' $L/a.txt
land one
(cd $M && b update >/dev/null)
grep -q '^mine 2$' $M/b.txt || fail "case 1: edit lost"
grep -q '^theirs 1$' $M/a.txt || fail "case 1: main's change not brought in"

# 2. Edits in the same file as main, different lines.
sed -i 's/^line 20$/mine 20/' $M/a.txt
sed -i 's/^line 10$/theirs 10/' $L/a.txt
land two
(cd $M && b update >/dev/null)
grep -q '^mine 20$' $M/a.txt || fail "case 2: edit lost"
grep -q '^theirs 10$' $M/a.txt || fail "case 2: main's change missing"
grep -q '^mine 2$' $M/b.txt || fail "case 2: earlier edit lost"

# 3. An untracked new file survives.
echo "draft" >$M/notes.md
sed -i 's/^line 4$/theirs 4/' $L/b.txt
land three
(cd $M && b update >/dev/null)
[ "$(cat $M/notes.md)" = draft ] || fail "case 3: untracked file lost"
grep -q '^theirs 4$' $M/b.txt || fail "case 3: main's change missing"

# 4. A conflicting edit: nothing in the workspace changes.
sed -i 's/^line 25$/mine 25/' $M/a.txt
sed -i 's/^line 25$/theirs 25/' $L/a.txt
sed -i 's/^line 5$/theirs 5/' $L/b.txt
land four
snap=$(cd $M && find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha1sum)
expect_code 1 -C $M update
assert_contains "$OUT" "conflict"
after=$(cd $M && find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha1sum)
[ "$snap" = "$after" ] || fail "case 4: a conflicting update changed the workspace"
grep -q '^mine 25$' $M/a.txt || fail "case 4: edit lost"

# 5. Committed (submitted, conflicted) work plus later edits also survive an update.
sed -i 's/^mine 25$/line 25/' $M/a.txt
(cd $M && b update >/dev/null)
grep -q '^theirs 25$' $M/a.txt || fail "case 5: main's change missing"
grep -q '^mine 20$' $M/a.txt || fail "case 5: edit lost"
[ "$(cat $M/notes.md)" = draft ] || fail "case 5: untracked file lost"
(cd $M && b submit -m "mine" >/dev/null)
git show main:a.txt | grep -q '^mine 20$' || fail "the kept edits did not land"
git show main:notes.md | grep -q draft || fail "the new file did not land"
echo "update_keeps_edits ok"
