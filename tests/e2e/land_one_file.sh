# land_one_file.sh: five agents edit disjoint line ranges of one file (and two different
# functions of one source file) and submit at once: all land, merged.
. "$(dirname "$0")/lib.sh"

setup() {
	seq_file r/big.txt 100
	cat >r/prog.c <<'C'
int first(int x)
{
	return x + 1;
}

int second(int x)
{
	return x * 2;
}
C
}
new_repo r setup
cd r
b init >/dev/null
for i in 1 2 3 4 5; do b agent add a$i >/dev/null; b ws new a$i >/dev/null; done
for i in 1 2 3 4 5; do
	line=$((i * 20 - 10))
	sed -i "s/^line $line\$/edited by a$i/" .braid/ws/a$i/big.txt
done
sed -i 's/return x + 1;/return x + 100;/' .braid/ws/a1/prog.c
sed -i 's/return x \* 2;/return x * 200;/' .braid/ws/a2/prog.c
pids=()
for i in 1 2 3 4 5; do
	(cd .braid/ws/a$i && "$BRAID" submit -m "a$i" --json >../../../s$i.json) &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a submit failed"; done
for i in 1 2 3 4 5; do
	[ "$(json state <s$i.json)" = landed ] || fail "a$i did not land: $(cat s$i.json)"
	git show main:big.txt | grep -q "^edited by a$i\$" || fail "main lacks a$i's line"
done
[ "$(git show main:big.txt | wc -l)" = 100 ] || fail "merged file has the wrong length"
git show main:prog.c | grep -q 'x + 100' || fail "first() edit missing"
git show main:prog.c | grep -q 'x \* 200' || fail "second() edit missing"
[ "$(b status --json | json counters.conflicted)" = 0 ] || fail "something conflicted"
[ "$(b status --json | json counters.auto_merged)" -ge 1 ] || fail "no auto-merge counted"
assert_main_forward .
echo "land_one_file ok"
