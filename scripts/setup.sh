#!/usr/bin/env bash
# setup.sh: make a fresh Debian 12 machine ready to build and test braid, then
# build it. Installs only what is missing (apt-get, npm ci from the committed
# lockfile), so running it again is cheap.
#
#   scripts/setup.sh [release|asan]     (default: release)
#
# release -> build/      (optimized, what the demo and benchmarks use)
# asan    -> build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer and the
#                         named crash points; what the test suite uses)
set -euo pipefail
cd "$(dirname "$0")/.."

flavor=${1:-release}
APT_PACKAGES=(build-essential cmake pkg-config git ca-certificates
	libgit2-dev libsqlite3-dev libsodium-dev libmicrohttpd-dev libjansson-dev
	libcurl4-openssl-dev librust-blake3-dev
	nodejs curl sqlite3)
TEST_PACKAGES=(etcd-server etcd-client wrk chromium jq clang-format clang-tidy cppcheck)

need=()
for p in "${APT_PACKAGES[@]}" ${BRAID_SETUP_TEST:+"${TEST_PACKAGES[@]}"}; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
# Node/npm may come from elsewhere than Debian (the machine's own node); only
# install Debian's nodejs when there is no node at all.
if command -v node >/dev/null 2>&1; then
	need=("${need[@]/nodejs/}")
fi
need=($(printf '%s\n' "${need[@]}" | grep -v '^$' || true))
if ((${#need[@]})); then
	echo "setup: installing ${need[*]}" >&2
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "setup: npm is missing; install Node.js 18+ with npm" >&2
	exit 1
fi

# Third-party sources (tree-sitter) and test clients, pinned by package-lock.json.
stamp=node_modules/.braid-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
	echo "setup: npm ci" >&2
	npm ci --no-audit --no-fund >&2
	echo "$want" > "$stamp"
fi

case "$flavor" in
release) dir=build; opts=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBRAID_SANITIZE=OFF -DBRAID_FAULT_INJECTION=OFF) ;;
asan) dir=build-asan; opts=(-DCMAKE_BUILD_TYPE=Debug -DBRAID_SANITIZE=ON -DBRAID_FAULT_INJECTION=ON) ;;
*) echo "usage: scripts/setup.sh [release|asan]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" "${opts[@]}" >/dev/null
echo "setup: building $dir (log: $dir/build.log)" >&2
if ! cmake --build "$dir" -j"$(nproc)" >"$dir/build.log" 2>&1; then
	grep -E "error|Error" "$dir/build.log" | head -40 >&2
	echo "setup: build failed; see $dir/build.log" >&2
	exit 1
fi
echo "$dir"
