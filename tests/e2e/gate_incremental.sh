# gate_incremental.sh: incremental verification. Changing one function runs only the
# tests that reach it (directly or through other functions), found with the symbol
# index; a change braid cannot analyse runs everything; `braid verify --all` runs
# everything on main. The fixture's tests record in a file that they ran.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gate/lib_gate.sh"

RECORD=$TMP/ran.txt
setup() {
	mkdir -p r/calc r/tests
	cat >r/calc/ops.js <<'JS'
function add(a, b) {
	return a + b;
}

function mul(a, b) {
	return a * b;
}

function square(x) {
	return mul(x, x);
}

module.exports = { add, mul, square };
JS
	cat >r/tests/test_add.js <<'JS'
const ops = require('../calc/ops.js');

function test_add() {
	if (ops.add(2, 3) !== 5) throw new Error('add');
}

module.exports = { test_add };
JS
	cat >r/tests/test_mul.js <<'JS'
const ops = require('../calc/ops.js');

function test_mul() {
	if (ops.mul(2, 3) !== 6) throw new Error('mul');
}

module.exports = { test_mul };
JS
	cat >r/tests/test_square.js <<'JS'
const ops = require('../calc/ops.js');

function test_square() {
	if (ops.square(3) !== 9) throw new Error('square');
}

module.exports = { test_square };
JS
	# gate.select: run the test functions braid says are affected.
	cat >r/run_selected.sh <<'SH'
for t in $(printf '%s\n' "$BRAID_AFFECTED_SYMBOLS" | grep '^test_' | sort -u); do
	f=$(grep -l "function $t(" tests/*.js | head -1)
	node -e "require('./$f').$t()" || exit 1
	echo "$t" >>"$RECORD"
done
SH
	# gate.command: everything.
	cat >r/run_all.sh <<'SH'
echo full >>"$RECORD"
for f in tests/test_*.js; do
	t=$(basename "$f" .js)
	node -e "require('./$f').$t()" || exit 1
	echo "$t" >>"$RECORD"
done
SH
}
new_repo r setup
cd r
b init >/dev/null
b agent add alice >/dev/null
b ws new alice >/dev/null
git config -f .braid/config gate.command "RECORD=$RECORD sh run_all.sh"
git config -f .braid/config gate.select "RECORD=$RECORD sh run_selected.sh"

ran() { sort "$RECORD" | tr '\n' ' '; }

# 1. Change mul's body: mul, square (calls mul), test_mul and test_square are affected.
sed -i 's/return a \* b;/return b * a;/' .braid/ws/alice/calc/ops.js
: >"$RECORD"
(cd .braid/ws/alice && b submit -m "mul: b * a" >/dev/null)
[ "$(ran)" = "test_mul test_square " ] || fail "changing mul ran: $(ran)"
run=$(sqlite3 .braid/state.db "select id from gate_runs order by id desc limit 1")
[ "$(sqlite3 .braid/state.db "select full from gate_runs where id = $run")" = 0 ] || fail "the run was not selective"
dir=$(sqlite3 .braid/state.db "select dir from gate_runs where id = $run")
sel=$(cat ".braid/$dir/gate.json")
assert_contains "$(json changed_symbols <".braid/$dir/gate.json")" '"name":"mul"'
assert_contains "$(json affected_symbols <".braid/$dir/gate.json")" '"square"'
assert_contains "$(json changed_files <".braid/$dir/gate.json")" 'calc/ops.js'
case "$(json affected_symbols <".braid/$dir/gate.json")" in *test_add*) fail "test_add was selected: $sel" ;; esac

# 2. Change add: only test_add.
sed -i 's/return a + b;/return b + a;/' .braid/ws/alice/calc/ops.js
: >"$RECORD"
(cd .braid/ws/alice && b submit -m "add: b + a" >/dev/null)
[ "$(ran)" = "test_add " ] || fail "changing add ran: $(ran)"

# 3. Change a test itself: only that test.
sed -i 's/ops.square(3) !== 9/ops.square(4) !== 16/' .braid/ws/alice/tests/test_square.js
: >"$RECORD"
(cd .braid/ws/alice && b submit -m "square test: 4" >/dev/null)
[ "$(ran)" = "test_square " ] || fail "changing test_square ran: $(ran)"

# 4. A change braid cannot analyse (a file without a grammar) falls back to everything.
echo "notes" >.braid/ws/alice/NOTES.txt
: >"$RECORD"
(cd .braid/ws/alice && b submit -m "notes" >/dev/null)
[ "$(ran)" = "full test_add test_mul test_square " ] || fail "an unparsed change ran: $(ran)"

# 5. A broken function fails only through the tests that reach it, and never lands.
sed -i 's/return b \* a;/return a * b + 1;/' .braid/ws/alice/calc/ops.js
: >"$RECORD"
expect_code 1 -C .braid/ws/alice submit -m "break mul"
assert_contains "$OUT" "failed verification"
assert_contains "$OUT" "Error: mul"
git show main:calc/ops.js | grep -q 'a \* b + 1' && fail "the broken mul reached main"

# 6. braid verify --all runs everything on main; braid verify runs what changed since.
: >"$RECORD"
b verify --all >/dev/null
[ "$(ran)" = "full test_add test_mul test_square " ] || fail "verify --all ran: $(ran)"
: >"$RECORD"
b verify >/dev/null
[ "$(ran)" = "" ] || fail "verify with nothing changed since the last full run ran: $(ran)"

wait_quiet
assert_main_verified
echo "gate_incremental ok"
