# merge_driver_git.sh: braid as plain git's merge driver. Two branches each add a
# function at the end of one C file: git's own merge conflicts, `braid
# merge-driver` (configured through .gitattributes) merges both. A same-name
# addition stays a conflict (exit 1, markers in the file); braid-json merges
# package.json key by key.
. "$(dirname "$0")/lib.sh"

git init -q -b main r
cd r
cat >util.c <<'C'
#include <stdio.h>

int util_open(void)
{
	return 0;
}
C
printf '{\n  "name": "demo",\n  "dependencies": {\n    "a": "1"\n  }\n}\n' >package.json
git add . && git commit -qm base
git checkout -qb left
printf '\nint util_left(void)\n{\n\treturn 1;\n}\n' >>util.c
sed -i 's/"a": "1"/"a": "1",\n    "b": "2"/' package.json
git commit -qam left
git checkout -q main
git checkout -qb right
printf '\nint util_right(void)\n{\n\treturn 2;\n}\n' >>util.c
sed -i 's/"a": "1"/"a": "1",\n    "c": "3"/' package.json
git commit -qam right

# plain git refuses
git checkout -q left
git merge -q right >/dev/null 2>&1 && fail "git merged both insertions by itself"
git merge --abort

# with braid as the driver
git config merge.braid.driver "$BRAID merge-driver %O %A %B %P"
git config merge.braid-json.driver "$BRAID merge-driver --driver braid-json %O %A %B %P"
printf '*.c merge=braid\n*.json merge=braid-json\n' >.git/info/attributes
git merge -q -m merged right || fail "git merge with braid's driver did not merge"
grep -q 'util_left' util.c || fail "left's function lost"
grep -q 'util_right' util.c || fail "right's function lost"
[ "$(grep -n util_left util.c | cut -d: -f1)" -lt "$(grep -n util_right util.c | cut -d: -f1)" ] ||
	fail "ours (left) should come first"
grep -q '"b": "2"' package.json && grep -q '"c": "3"' package.json || fail "JSON keys lost"
grep -q '<<<<<<<' util.c package.json && fail "markers left in a clean merge"

# a real conflict: both add util_same with different bodies
git checkout -q -b l2 main
printf '\nint util_same(void)\n{\n\treturn 1;\n}\n' >>util.c
git commit -qam l2
git checkout -q -b r2 main
printf '\nint util_same(void)\n{\n\treturn 2;\n}\n' >>util.c
git commit -qam r2
git checkout -q l2
git merge -q r2 >/dev/null 2>&1 && fail "a same-name addition merged"
grep -q '<<<<<<<' util.c || fail "no conflict markers"

# the driver directly: exit codes and --json
cp util.c /dev/null
git show main:util.c >O.c
git show l2:util.c >A.c
git show r2:util.c >B.c
expect_code 1 merge-driver --json O.c A.c B.c util.c
assert_contains "$OUT" '"kind": "add/add"'
assert_contains "$OUT" 'util_same'
git show left:util.c >A.c
git show right:util.c >B.c
expect_code 0 merge-driver O.c A.c B.c util.c
grep -q util_right A.c || fail "driver did not write %A"
echo ok
