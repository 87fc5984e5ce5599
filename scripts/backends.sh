#!/usr/bin/env bash
# Crypto backends: corpus first, then benchmarks, plot and tables (docs/backends.md).
#
#   scripts/backends.sh [--out DIR] [--build-dir DIR] [--no-build] [--quick] [--reps N] [--min-time S]
#   scripts/backends.sh --corpus-only [--out DIR] [--build-dir DIR] [--no-build]
#
#   --out DIR        where results go (default out/backends)
#   --build-dir DIR  Release build to use (default build-backends)
#   --no-build       use the existing build
#   --quick          one repetition, shorter runs (noisier)
#   --reps N         repetitions of every benchmark (default 3, random interleaving)
#   --min-time S     Google Benchmark min time per repetition (default 0.1)
#   --corpus-only    only build backend_test and run the corpus step, then write
#                    corpus.md / corpus_reports.json (the corpus tables of
#                    docs/backends.md, with every wrong result by tcId); any
#                    build type will do, e.g. --build-dir build
#
# Steps, and what they write to DIR:
#   build    cmake Release build of backend_test and wampbox_bench_backends
#   corpus   every built backend against fixtures/crypto_box_test.json
#            (tests/unit/backend_test.cc): corpus/<backend>.json, corpus.txt
#   mb-diff  the multi-buffer backend (xsalsa-mb, if built) against libsodium over
#            MB_DIFF_MESSAGES random messages (default 10^7, ~5 min on 2 cores):
#            xsalsa_mb_diff.txt; a difference fails the script
#   bench    wampbox_bench_backends for the backends that PASSED the corpus
#            (others are never timed) plus the reference AEADs: backends.json
#   report   scripts/bench/backends.py: backends.png, backends.md, backends_summary.json
# Exit status: non-zero if a step failed to run or a benchmark reported an
# error; a backend failing the corpus is reported and left out, not an error
# (backend_test fails only on failures other than the documented deviations).
#
# Env: PYTHON (default /usr/bin/python3), JOBS (default 2).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

OUT="out/backends"
BUILD_DIR="build-backends"
BUILD=1
REPS=3
MIN_TIME=0.1
CORPUS_ONLY=0
ARGS=("$@")
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$2"; shift ;;
    --out=*) OUT="${1#--out=}" ;;
    --build-dir) BUILD_DIR="$2"; shift ;;
    --no-build) BUILD=0 ;;
    --quick) REPS=1; MIN_TIME=0.05 ;;
    --reps) REPS="$2"; shift ;;
    --min-time) MIN_TIME="$2"; shift ;;
    --corpus-only) CORPUS_ONLY=1 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "backends: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

PYTHON="${PYTHON:-/usr/bin/python3}"
JOBS="${JOBS:-2}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
say() { echo "backends: $*"; }

# -- build ------------------------------------------------------------------
if [[ $BUILD -eq 1 ]]; then
  if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
    say "configuring $BUILD_DIR (Ninja, Release)"
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release | grep -E "wampbox backend|crypto_box backends" || true
  fi
  TARGETS=(backend_test wampbox_bench_backends)
  [[ $CORPUS_ONLY -eq 1 ]] && TARGETS=(backend_test)
  [[ $CORPUS_ONLY -eq 0 ]] && grep -q '^build xsalsa_mb_test: phony' "$BUILD_DIR/build.ninja" && TARGETS+=(xsalsa_mb_test)
  say "building ${TARGETS[*]} (-j$JOBS)"
  cmake --build "$BUILD_DIR" -j "$JOBS" --target "${TARGETS[@]}" -- --quiet
fi
BUILD_ABS="$(cd "$BUILD_DIR" && pwd)"
TEST="$BUILD_ABS/tests/backend_test"
BENCH="$BUILD_ABS/bench/wampbox_bench_backends"
NEED=("$TEST" "$BENCH")
[[ $CORPUS_ONLY -eq 1 ]] && NEED=("$TEST")
for f in "${NEED[@]}"; do
  [[ -x "$f" ]] || { echo "backends: $f not built (drop --no-build?)" >&2; exit 2; }
done

# -- corpus -----------------------------------------------------------------
say "== corpus: every backend against fixtures/crypto_box_test.json"
rm -rf "$OUT/corpus"
rc=0
WAMPBOX_BACKEND_REPORT_DIR="$OUT/corpus" "$TEST" --gtest_filter='Backends/BackendCorpus.*' >"$OUT/corpus.txt" 2>&1 || rc=$?
grep -E '^\[backend-corpus\] [a-z]' "$OUT/corpus.txt" | grep -v "known deviation" || true
if [[ $rc -ne 0 ]]; then
  say "backend_test failed beyond the documented deviations (exit $rc): see $OUT/corpus.txt"
fi
if [[ $CORPUS_ONLY -eq 1 ]]; then
  CMD="scripts/backends.sh${ARGS[*]:+ ${ARGS[*]}}"
  "$PYTHON" scripts/bench/backends.py --corpus-only --corpus-dir "$OUT/corpus" --out "$OUT" --command "$CMD" >/dev/null
  say "wrote $OUT/corpus.md, $OUT/corpus_reports.json"
  exit "$rc"
fi
# -- mb-diff (issue 14) -------------------------------------------------------
if [[ -x "$BUILD_ABS/tests/xsalsa_mb_test" ]]; then
  say "== mb-diff: xsalsa-mb vs libsodium over ${MB_DIFF_MESSAGES:-10000000} random messages"
  if ! WAMPBOX_MB_DIFF_MESSAGES="${MB_DIFF_MESSAGES:-10000000}" "$BUILD_ABS/tests/xsalsa_mb_test" \
      --gtest_filter='XsalsaMb.*' >"$OUT/xsalsa_mb_diff.txt" 2>&1; then
    say "xsalsa-mb differs from libsodium: see $OUT/xsalsa_mb_diff.txt"
    exit 1
  fi
  grep -E '^\[xsalsa-mb\]' "$OUT/xsalsa_mb_diff.txt" || true
fi
PASSED=$("$PYTHON" - "$OUT/corpus" <<'PY'
import glob, json, os, sys
order = ["libsodium", "nacl", "cryptopp", "cryptopp-tweetnacl", "botan", "xsalsa-mb"]
names = []
for p in glob.glob(os.path.join(sys.argv[1], "*.json")):
    r = json.load(open(p))
    if r.get("passed"):
        names.append(r["backend"])
names.sort(key=lambda n: (order.index(n) if n in order else len(order), n))
print(",".join(names))
PY
)
if [[ -z "$PASSED" ]]; then
  echo "backends: no backend passed the corpus; nothing to benchmark" >&2
  exit 1
fi
say "passed the corpus: $PASSED"

# -- bench ------------------------------------------------------------------
say "== bench: $PASSED + reference AEADs ($REPS repetitions, min time ${MIN_TIME}s)"
"$BENCH" --backends="$PASSED" \
  --benchmark_repetitions="$REPS" --benchmark_enable_random_interleaving=true \
  --benchmark_min_time="$MIN_TIME" \
  --benchmark_out="$OUT/backends.json" --benchmark_out_format=json >"$OUT/backends.txt" 2>&1 || {
  echo "backends: wampbox_bench_backends failed, see $OUT/backends.txt" >&2
  exit 1
}

# -- report -----------------------------------------------------------------
say "== report"
CMD="scripts/backends.sh${ARGS[*]:+ ${ARGS[*]}}"
"$PYTHON" scripts/bench/backends.py "$OUT/backends.json" --corpus-dir "$OUT/corpus" --out "$OUT" --command "$CMD"
say "wrote $OUT/backends.png, $OUT/backends.md, $OUT/backends_summary.json"
if grep -q '"error_occurred": true' "$OUT/backends.json"; then
  echo "backends: some benchmarks reported an error (see backends.md)" >&2
  exit 1
fi
exit "$rc"
