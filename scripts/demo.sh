#!/usr/bin/env bash
# demo.sh: the README's first command. Installs what is missing, builds braid,
# then shows its main job on a scratch repository: five agent processes edit
# one small C project at the same moment through braid. Four edit disjoint
# places (two of them different functions of one file); the fifth changes the
# same lines as the first. Work that commutes lands on main by itself; the
# overlapping edit becomes a conflict object, which is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(scripts/setup.sh release | tail -n 1)
BRAID=$PWD/$dir/braid
export BRAID_PROGRESS=0

demo=$(mktemp -d /tmp/braid-demo.XXXXXX)
echo "== scratch repository: $demo"
cd "$demo"
git init -q -b main
git config user.name "demo"
git config user.email "demo@example.com"
mkdir -p src
cat >src/calc.c <<'C'
#include "calc.h"

int add(int a, int b)
{
	return a + b;
}

int mul(int a, int b)
{
	return a * b;
}
C
cat >src/calc.h <<'C'
int add(int a, int b);
int mul(int a, int b);
C
cat >src/main.c <<'C'
#include <stdio.h>
#include "calc.h"

int main(void)
{
	printf("%d\n", add(2, 3));
	return 0;
}
C
cat >README.md <<'MD'
# calc
A tiny calculator.
MD
cat >Makefile <<'MK'
calc: src/main.c src/calc.c
	cc -o calc src/main.c src/calc.c
MK
git add -A
git commit -qm "calc: initial"

"$BRAID" init
for a in alice bob carol dave erin; do
	"$BRAID" agent add "$a" >/dev/null
	"$BRAID" ws new "$a" >/dev/null
done
echo "== five agents, each in its own workspace (a git worktree) on the same main, editing at once"

agent() { # NAME EDIT-COMMAND...
	local name=$1
	shift
	cd ".braid/ws/$name"
	"$@"
	"$BRAID" submit -m "$name: $DESC" >"../../../$name.out" 2>&1 || true
}
(DESC="document usage" agent alice sed -i 's/^A tiny calculator.$/A tiny calculator. Run `make` and `.\/calc`./' README.md) &
(DESC="add -Wall" agent bob sed -i 's/cc -o calc/cc -Wall -o calc/' Makefile) &
(DESC="saturate add" agent carol sed -i 's/return a + b;/return (a > 0 \&\& b > 0 \&\& a + b < 0) ? 0x7fffffff : a + b;/' src/calc.c) &
(DESC="long multiply" agent dave sed -i 's/return a \* b;/return (int)((long)a * (long)b);/' src/calc.c) &
(DESC="reword usage" agent erin sed -i 's/^A tiny calculator.$/A small, fast calculator./' README.md) &
wait

for a in alice bob carol dave erin; do
	echo "-- $a:"
	sed 's/^/   /' "$a.out"
done
echo
echo "== main after the run (first-parent history):"
git log --first-parent --format='   %h %s' main
echo
echo "== src/calc.c on main (carol's and dave's functions both landed):"
git show main:src/calc.c | sed 's/^/   /'
echo
echo "== braid status:"
"$BRAID" status | sed 's/^/   /'
echo
echo "== conflicts:"
"$BRAID" conflicts | sed 's/^/   /'
id=$("$BRAID" conflicts --json | node -e 'const c=JSON.parse(require("fs").readFileSync(0)).conflicts;console.log(c.length?c[0].id:"")')
if [ -n "$id" ]; then
	echo
	echo "== the conflict, in full (braid conflicts show $id):"
	"$BRAID" conflicts show "$id" | sed 's/^/   /'
fi
echo
echo "== the signed op log verifies:"
"$BRAID" op verify | sed 's/^/   /'
echo
echo "scratch repository kept at $demo (try: cd $demo && $BRAID log --ops)"
