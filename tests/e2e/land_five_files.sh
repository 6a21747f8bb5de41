# land_five_files.sh: five agents edit five different files and submit at once: all land.
. "$(dirname "$0")/lib.sh"

setup() { for i in 1 2 3 4 5; do seq_file r/f$i.txt 20; done; }
new_repo r setup
cd r
b init >/dev/null
for i in 1 2 3 4 5; do b agent add a$i >/dev/null; b ws new a$i >/dev/null; done
for i in 1 2 3 4 5; do sed -i "s/^line 10\$/agent $i was here/" .braid/ws/a$i/f$i.txt; done
pids=()
for i in 1 2 3 4 5; do
	(cd .braid/ws/a$i && "$BRAID" submit -m "a$i edits f$i" --json >../../../s$i.json) &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a submit failed"; done
for i in 1 2 3 4 5; do
	[ "$(json state <s$i.json)" = landed ] || fail "a$i did not land: $(cat s$i.json)"
	git show main:f$i.txt | grep -q "agent $i was here" || fail "main lacks a$i's edit"
done
[ "$(b status --json | json counters.landed)" = 5 ] || fail "landed counter is not 5"
assert_main_forward .
b doctor >/dev/null
echo "land_five_files ok"
