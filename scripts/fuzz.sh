#!/usr/bin/env bash
# libFuzzer targets (fuzz/): build with clang into build-fuzz/, then either
# replay the committed inputs or fuzz.
#
#   scripts/fuzz.sh regress [--seconds S] [--build-dir DIR] [--no-build]
#   scripts/fuzz.sh run [--seconds S] [--out DIR] [--build-dir DIR] [--no-build] [--targets a,b]
#
#   regress   every target runs every committed seed (fuzz/seeds/<target>/) and
#             crasher (fuzz/crashers/<target>/), then fuzzes on for a short fixed
#             time (--seconds, default 5) from them into a scratch corpus; any
#             crash, sanitizer report or leak fails. The test command's
#             fuzz-regress stage.
#   run       fuzzes each target for --seconds (default $FUZZ_SECONDS or 300)
#             from the seeds, writing to DIR (default out/fuzz): <target>.log,
#             corpus/<target>/ (the grown corpus), crash files, and summary.json
#             with executions, edge coverage (libFuzzer's cov:), features and the
#             corpus size per target. The main job's fuzz stage.
# Exit status: non-zero if a target crashed or the build failed.
# Build: CC=clang CXX=clang++ (Debian's clang 14), -DWAMPBOX_FUZZ=ON, which
# instruments everything with -fsanitize=fuzzer-no-link,address,undefined.
# Env: JOBS (default 2), CCACHE_DIR honoured through the compiler launcher.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MODE="${1:-}"
[[ "$MODE" == regress || "$MODE" == run ]] || { sed -n '2,24p' "$0"; [[ "$MODE" == -h || "$MODE" == --help ]] && exit 0; exit 2; }
shift
SECONDS_PER=""
OUT="out/fuzz"
BUILD_DIR="build-fuzz"
BUILD=1
TARGETS="fuzz_json,fuzz_frame,fuzz_payload,fuzz_keyring,fuzz_ppt,fuzz_base64,fuzz_backends,fuzz_xsalsa_mb"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) SECONDS_PER="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --build-dir) BUILD_DIR="$2"; shift ;;
    --no-build) BUILD=0 ;;
    --targets) TARGETS="$2"; shift ;;
    *) echo "fuzz: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "$SECONDS_PER" ]]; then
  if [[ $MODE == regress ]]; then SECONDS_PER=5; else SECONDS_PER="${FUZZ_SECONDS:-300}"; fi
fi
JOBS="${JOBS:-2}"
say() { echo "fuzz: $*"; }

if [[ $BUILD -eq 1 ]]; then
  if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
    LAUNCH=()
    command -v ccache >/dev/null && LAUNCH=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
    say "configuring $BUILD_DIR (clang, -DWAMPBOX_FUZZ=ON)"
    CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${LAUNCH[@]}" \
      -DWAMPBOX_FUZZ=ON -DWAMPBOX_BUILD_TESTS=OFF -DWAMPBOX_BUILD_BENCHMARKS=OFF -DWAMPBOX_BUILD_CONFORMANCE=OFF \
      -DWAMPBOX_BUILD_CLI=OFF -DWAMPBOX_BUILD_LIVE=OFF >/dev/null
  fi
  say "building (-j$JOBS)"
  cmake --build "$BUILD_DIR" -j "$JOBS" --target fuzz_all -- --quiet
fi
BIN="$(cd "$BUILD_DIR" && pwd)/fuzz"

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
rc=0
IFS=, read -r -a LIST <<<"$TARGETS"
for t in "${LIST[@]}"; do
  [[ -x "$BIN/$t" ]] || { echo "fuzz: $BIN/$t not built" >&2; exit 2; }
  if [[ $MODE == regress ]]; then
    corpus="$SCRATCH/$t"
    log="$SCRATCH/$t.log"
  else
    corpus="$OUT/corpus/$t"
    log="$OUT/$t.log"
  fi
  mkdir -p "$corpus"
  # The first directory receives new inputs; the committed ones are only read.
  # Crash files go to OUT (run) or the scratch dir (regress), never into fuzz/.
  set +e
  ( cd "$SCRATCH" && "$BIN/$t" -max_total_time="$SECONDS_PER" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$([[ $MODE == run ]] && echo "$OUT/" || echo "$SCRATCH/")$t-" \
      "$corpus" "$ROOT/fuzz/seeds/$t" "$ROOT/fuzz/crashers/$t" ) >"$log" 2>&1
  code=$?
  set -e
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  ft=$(grep -oE 'ft: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  units=$(find "$corpus" -type f | wc -l)
  status=ok
  if [[ $code -ne 0 ]]; then
    status="crash (exit $code)"
    rc=1
    echo "fuzz: $t FAILED (exit $code); log tail:" >&2
    grep -vE '^#[0-9]+ ' "$log" | tail -25 >&2
  fi
  say "$t: $status, ${execs:-0} executions in ${SECONDS_PER}s, edge coverage ${cov:-0}, features ${ft:-0}, corpus $units"
  printf '{"target": "%s", "status": "%s", "seconds": %s, "executions": %s, "edge_coverage": %s, "features": %s, "corpus_units": %s}\n' \
    "$t" "$status" "$SECONDS_PER" "${execs:-0}" "${cov:-0}" "${ft:-0}" "$units" >>"$SCRATCH/summary.jsonl"
done
if [[ $MODE == run ]]; then
  { echo "["; sed '$!s/$/,/' "$SCRATCH/summary.jsonl"; echo "]"; } >"$OUT/summary.json"
  say "wrote $OUT/summary.json"
fi
exit $rc
