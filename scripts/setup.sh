#!/usr/bin/env bash
# Installs what wampbox needs on Debian bookworm and builds the release tree.
# Idempotent: packages are installed only when one is missing, the build is
# incremental.
#
#   scripts/setup.sh [--no-build] [--build-dir DIR]
#
# Env: JOBS (default 2), BUILD_DIR (default build).
set -euo pipefail

# ---------------------------------------------------------------------------
# Required Debian packages: the one list. Append to the group you need.
# ---------------------------------------------------------------------------
PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # C++ libraries: crypto, serializers, tests, benchmarks
  libsodium-dev libnacl-dev libmsgpack-cxx-dev libsimdjson-dev libcbor-dev libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # float repr digits (JSON writer, header-only)
  libdragonbox-dev
  # optional crypto backends and reference ciphers (docs/backends.md)
  libcrypto++-dev libbotan-2-dev libssl-dev
  # wampbox::ppt_ext: Keccak-256 for EIP-55 key ids over Nettle's permutation (OpenSSL is libssl-dev above)
  nettle-dev
  # Python reference side (Autobahn) and test tooling; run with /usr/bin/python3
  python3 python3-autobahn python3-nacl python3-cbor2 python3-msgpack python3-pytest
  python3-jsonschema python3-matplotlib python3-scipy
  # PPT corpus generator: AES-GCM and Keccak-256 references (scripts/corpus/layer_ppt.py)
  python3-cryptography python3-pycryptodome
  # memory checking; CPU profiles of the live benchmarks (scripts/live/bench.py --profile)
  valgrind linux-perf
  # JavaScript side (scripts/js) and headless browser
  nodejs npm chromium
)

# A package counts as present when one of these commands is on PATH instead:
# e.g. NodeSource's nodejs bundles npm and conflicts with Debian's npm package.
declare -A SATISFIED_BY_COMMAND=([npm]=npm [nodejs]=node [chromium]=chromium)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BUILD=1
BUILD_DIR="${BUILD_DIR:-build}"
JOBS="${JOBS:-2}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --build-dir) BUILD_DIR="$2"; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "setup: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "setup: $*"; }

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  SUDO=(sudo)
fi

# -- packages ---------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] && continue
  cmd="${SATISFIED_BY_COMMAND[$p]:-}"
  [[ -n "$cmd" ]] && command -v "$cmd" >/dev/null 2>&1 && continue
  missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  say "installing ${#missing[@]} missing package(s): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  say "packages installed"
else
  say "all ${#PACKAGES[@]} packages present"
fi

# -- JavaScript dependencies (pinned by lock files) ---------------------------
# scripts/js: the corpus generator's independent confirmer (tweetnacl);
# conformance/adapters/js: the JavaScript adapters of the conformance runner
# and the generator's independent oracle; conformance/adapters/wampy: wampy.js
# 8.0.2, a third-party PPT client (adapter and live client, docs/wampy.md).
# Re-run when the lock file is newer
# than the installed tree (npm writes node_modules/.package-lock.json).
for dir in scripts/js conformance/adapters/js conformance/adapters/wampy; do
  [[ -f "$dir/package-lock.json" ]] || continue
  [[ -f "$dir/node_modules/.package-lock.json" && ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]] && continue
  if grep -q '"node_modules/cbor-extract"' "$dir/package-lock.json"; then
    # cbor-x's optional native accelerator cbor-extract names per-platform
    # packages (@cbor-extract/cbor-extract-linux-x64, ...) that this machine's
    # npm registry does not serve (npm view ...@2.2.3: E404). npm therefore
    # cannot record them in the lock file, and `npm ci` refuses the lock as
    # "Missing: @cbor-extract/... from lock file". `npm install --no-save`
    # installs exactly the locked versions (integrity-checked) and skips the
    # unavailable optional packages; cbor-x then uses its pure-JS decoder.
    say "npm install --no-save --prefix $dir (locked versions; see setup.sh)"
    npm install --no-save --prefix "$dir" --no-audit --no-fund --loglevel=error
  else
    say "npm ci --prefix $dir"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  fi
done

# scripts/live/fox: fox-wamp, the third-party router of scripts/live/foxwamp.py.
# --ignore-scripts: its WAMP router never loads sqlite3, whose native build has no
# prebuilt binary offline (prebuild-install: ENOTFOUND github.com) and compiles
# the SQLite amalgamation with node-gyp instead (many minutes on 2 shared cores).
dir=scripts/live/fox
if [[ -f "$dir/package-lock.json" ]] && ! [[ -f "$dir/node_modules/.package-lock.json" && ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
  say "npm ci --ignore-scripts --prefix $dir"
  npm ci --ignore-scripts --prefix "$dir" --no-audit --no-fund --loglevel=error
fi

# -- build ------------------------------------------------------------------
if [[ $BUILD -eq 1 ]]; then
  # A tree configured with another generator cannot be reused by Ninja.
  if [[ -f "$BUILD_DIR/CMakeCache.txt" ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$BUILD_DIR/CMakeCache.txt"; then
    say "$BUILD_DIR was configured with another generator: reconfiguring from scratch"
    rm -rf "$BUILD_DIR/CMakeCache.txt" "$BUILD_DIR/CMakeFiles"
  fi
  # Configured every time with every part on, so that a tree left with some
  # part switched off (an old cache) cannot silently skip tests; re-running
  # CMake on a configured tree takes seconds.
  say "configuring $BUILD_DIR (Ninja, RelWithDebInfo, tests, CLI, conformance, benchmarks)"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAMPBOX_BUILD_TESTS=ON \
    -DWAMPBOX_BUILD_CLI=ON -DWAMPBOX_BUILD_CONFORMANCE=ON -DWAMPBOX_BUILD_BENCHMARKS=ON >/dev/null
  say "building $BUILD_DIR (-j$JOBS)"
  start=$SECONDS
  # Ninja re-runs CMake by itself when a CMakeLists.txt changed.
  cmake --build "$BUILD_DIR" -j "$JOBS" -- --quiet
  say "build done in $((SECONDS - start))s"
fi
