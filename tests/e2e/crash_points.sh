# crash_points.sh: a submit killed (SIGKILL) at each named point inside the landing
# path leaves main before or after the landing, never between; the next braid run
# (doctor) recovers the pending submission, main is consistent and doctor is clean.
. "$(dirname "$0")/lib.sh"

"$BRAID" --help >/dev/null
setup() { seq_file r/a.txt 40; }
new_repo r setup
cd r
b init >/dev/null
n=0
for point in after-snapshot after-merge before-ref-update after-ref-update; do
	n=$((n + 1))
	b agent add c$n >/dev/null
	b ws new c$n >/dev/null
	b agent add o$n >/dev/null
	b ws new o$n >/dev/null
	# Another agent lands first so the crashing submission has to merge.
	sed -i "s/^line $((n * 8))\$/other $n/" .braid/ws/o$n/a.txt
	(cd .braid/ws/o$n && b submit -m "other $n" >/dev/null)
	sed -i "s/^line $((n * 8 + 2))\$/crash $n/" .braid/ws/c$n/a.txt
	before=$(git rev-parse main)
	set +e
	(cd .braid/ws/c$n && BRAID_CRASH_AT=$point "$BRAID" submit -m "crash $n" >out 2>&1)
	rc=$?
	set -e
	[ "$rc" = 137 ] || fail "$point: expected the submit to be killed (137), got $rc"
	now=$(git rev-parse main)
	if [ "$now" != "$before" ]; then
		# Only the last point is after the ref moved: then main must hold the whole landing.
		[ "$point" = after-ref-update ] || fail "$point: main moved before the ref update"
		git show main:a.txt | grep -q "^crash $n\$" || fail "$point: main moved to a partial landing"
	fi
	out=$("$BRAID" doctor) || fail "$point: doctor not clean: $out"
	assert_contains "$out" "clean"
	git show main:a.txt | grep -q "^crash $n\$" || fail "$point: the submission was lost"
	git show main:a.txt | grep -q "^other $n\$" || fail "$point: the other landing was lost"
	[ "$(sqlite3 .braid/state.db "select count(*) from submissions where state not in ('landed')")" = 0 ] ||
		fail "$point: a submission is not landed"
	# The landing is recorded exactly once.
	[ "$(git rev-list --first-parent main | wc -l)" = "$(( $(sqlite3 .braid/state.db "select count(*) from submissions where state='landed'") + 1 ))" ] ||
		fail "$point: main's history does not match the landings"
done
# Killed between moving the change ref and recording it: the next submit adopts the ref.
b agent add s >/dev/null
b ws new s >/dev/null
sed -i 's/^line 39$/snapshot crash/' .braid/ws/s/a.txt
set +e
(cd .braid/ws/s && BRAID_CRASH_AT=snapshot-after-ref "$BRAID" submit -m "s" >out 2>&1)
rc=$?
set -e
[ "$rc" = 137 ] || fail "snapshot-after-ref: expected the submit to be killed, got $rc"
(cd .braid/ws/s && b submit -m "s again" >/dev/null)
git show main:a.txt | grep -q '^snapshot crash$' || fail "snapshot-after-ref: the edit did not land"
out=$("$BRAID" doctor) || fail "doctor not clean after snapshot-after-ref: $out"

b op verify >/dev/null
assert_main_forward .
echo "crash_points ok"
