# concurrency20.sh: 20 processes create workspaces and submit at the same moment (some
# into one file at disjoint ranges, some into the same lines): every submission ends
# landed or conflicted, none is lost, main holds every landed change, and main only
# moved forward. No git lock file ever makes a command fail.
. "$(dirname "$0")/lib.sh"

setup() { seq_file r/shared.txt 200; for i in $(seq 1 10); do seq_file r/own$i.txt 5; done; }
new_repo r setup
cd r
b init >/dev/null
for i in $(seq 1 20); do b agent add a$i >/dev/null; done
pids=()
for i in $(seq 1 20); do
	"$BRAID" ws new a$i >ws$i.out 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent 'ws new' failed: $(cat ws*.out | grep -i error)"; done
for i in $(seq 1 20); do
	w=.braid/ws/a$i
	if ((i <= 10)); then
		sed -i "s/^line $((i * 15))\$/a$i edited shared/" $w/shared.txt
		echo "a$i appended" >>$w/own$i.txt
	elif ((i <= 16)); then
		echo "new file by a$i" >$w/new$i.txt
	else
		sed -i 's/^line 100$/hotspot by a'$i'/' $w/shared.txt # 17..20 collide on one line
	fi
done
pids=()
for i in $(seq 1 20); do
	(
		cd .braid/ws/a$i
		rc=0
		"$BRAID" submit -m "a$i" --json >../../../s$i.json 2>../../../e$i.txt || rc=$?
		echo $rc >../../../rc$i
	) &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
landed=0
conflicted=0
for i in $(seq 1 20); do
	rc=$(cat rc$i)
	state=$(json state <s$i.json 2>/dev/null || echo none)
	case "$state" in
	landed) landed=$((landed + 1)); [ "$rc" = 0 ] || fail "a$i landed with exit $rc" ;;
	conflicted) conflicted=$((conflicted + 1)); [ "$rc" = 1 ] || fail "a$i conflicted with exit $rc" ;;
	*) fail "a$i: submission neither landed nor conflicted (rc $rc): $(cat s$i.json e$i.txt)" ;;
	esac
done
[ $((landed + conflicted)) = 20 ] || fail "lost submissions"
# The four hotspot edits: exactly one lands, three conflict.
[ "$conflicted" = 3 ] || fail "expected 3 conflicts, got $conflicted"
for i in $(seq 1 10); do
	git show main:shared.txt | grep -q "^a$i edited shared\$" || fail "main lacks a$i's shared edit"
	git show main:own$i.txt | grep -q "^a$i appended\$" || fail "main lacks a$i's own edit"
done
for i in $(seq 11 16); do git show main:new$i.txt >/dev/null || fail "main lacks new$i.txt"; done
[ "$(git show main:shared.txt | grep -c '^hotspot by')" = 1 ] || fail "hotspot line wrong"
[ "$(sqlite3 .braid/state.db "select count(*) from submissions where state not in ('landed','conflicted')")" = 0 ] ||
	fail "submissions left undecided"
[ "$(b conflicts --json | json conflicts | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).length)')" = 3 ] ||
	fail "expected three conflict objects"
assert_main_forward .
b doctor >/dev/null
echo "concurrency20 ok ($landed landed, $conflicted conflicted)"
