#!/usr/bin/env bash
# The project's main job: build, self-check the wampbox CLI, cross-check it
# against the real Autobahn|Python, run the conformance runner against every
# bundled implementation, and run the benchmarks and the backend comparison,
# writing every report to --out.
#
#   scripts/run.sh [--out DIR] [--stages LIST] [--list]
#
#   --out DIR      where reports go (default out/)
#   --stages LIST  comma-separated subset of the stages below; they run in the order below
#   --list         print the stages and exit
#
# Stages (each a function stage_<name>; add new ones to STAGES):
#   setup       scripts/setup.sh: packages + release build in build/
#   selfcheck   wampbox keygen, a seal/open round trip, the worked example
#   crosscheck  pytest -k crosscheck: every message type x serializer x payload
#               vs Autobahn; writes OUT/crosscheck.{json,md}
#   floatdiff   scripts/floatdiff.py: 10^7 doubles through wampbox's JSON writer
#               vs CPython's repr and 10^7 number tokens through both JSON
#               read paths vs float() (FLOATDIFF_COUNT to change);
#               OUT/floatdiff/summary.json
#   conformance scripts/conformance.sh: the corpus against wampbox, Autobahn,
#               PyNaCl, tweetnacl-js, libsodium-js; OUT/conformance/ (JSON,
#               JUnit, HTML per adapter, matrix.html, summary.txt), and the
#               live mode for Autobahn and wampbox clients (OUT/conformance/live/);
#               fails if wampbox itself fails a vector or a live scenario (--strict)
#   backends    scripts/backends.sh: every crypto_box backend against the
#               corpus, then benchmarked with reference AEADs; OUT/backends/
#   bench       scripts/bench.sh: the benchmark suite, Autobahn side by side,
#               targets, instruction counts, plots, the SIMD speed-ups, and
#               issue 14's goals with their measured ratios (MET/MISSED; the
#               multi-buffer goal from this run's backends stage); OUT/bench/
#   live-bench  scripts/live/bench.py --profile: publish->event and call->result
#               through wampbox-router, plain vs encrypted, wampbox vs Autobahn
#               clients, 64 B..64 KiB; prints each goal's ratio PASS/MISS, CPU
#               split (clients, router, seal+open, perf profile); OUT/live-bench/
#               (docs/live.md)
#   live-soak   scripts/live/soak.py: 1 M encrypted events from 4 publisher slots
#               whose sessions are SIGKILLed and restarted, churn subscribers
#               killed, garbage/oversize/over-limit frames; checks every live
#               session pair for loss, duplicates and order, router RSS back to
#               baseline; OUT/live-soak/ (docs/live.md)
#   fuzz        scripts/fuzz.sh run: every libFuzzer target in fuzz/ for
#               FUZZ_SECONDS (default 300) each, from the committed seeds;
#               executions and coverage in OUT/fuzz/summary.json (docs/fuzzing.md)
#
# When bench ran, the goals are printed again at the end, from this run's bench
# and backends outputs (OUT/goals.md, OUT/goals.json). When conformance, bench
# and backends all ran, OUT/results.json summarises them for the README's
# tables (scripts/readme_tables.py collect).
#
# Env: PYTHON (default /usr/bin/python3), WAMPBOX_BUILD_DIR (default build),
#      BENCH_FLAGS / BACKENDS_FLAGS (extra options for scripts/bench.sh /
#      scripts/backends.sh, e.g. "--quick --build-dir build-rel"), MB_DIFF_MESSAGES
#      (scripts/backends.sh's differential test size).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# backends before bench: the bench stage's goals include the multi-buffer backend's, from the same run.
STAGES=(setup selfcheck crosscheck floatdiff conformance backends bench live-bench live-soak fuzz)

OUT="out"
SELECTED=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$2"; shift ;;
    --out=*) OUT="${1#--out=}" ;;
    --stages) SELECTED="$2"; shift ;;
    --stages=*) SELECTED="${1#--stages=}" ;;
    --list) printf '%s\n' "${STAGES[@]}"; exit 0 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

PYTHON="${PYTHON:-/usr/bin/python3}"
export WAMPBOX_BUILD_DIR="${WAMPBOX_BUILD_DIR:-$ROOT/build}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
export PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}"

say() { echo "run: $*"; }

wampbox_bin() {
  "$PYTHON" -c 'from wampbox_py.cli import find_binary; print(find_binary())'
}

# -- stages -------------------------------------------------------------------

stage_setup() {
  bash scripts/setup.sh
}

stage_selfcheck() {
  local wb tmp log="$OUT/selfcheck.txt"
  wb=$(wampbox_bin) || return 1
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  : >"$log"
  check() {  # check DESCRIPTION CMD...: runs CMD, logs it, reports ok/FAIL
    local desc=$1; shift
    if "$@" >>"$log" 2>&1; then
      echo "  ok    $desc" | tee -a "$log"
    else
      echo "  FAIL  $desc" | tee -a "$log"
      return 1
    fi
  }
  local rc=0
  # keygen: a valid Curve25519 pair that Autobahn's Key accepts; the private
  # key is checked, never logged.
  # Each check is a subcommand of scripts/wampbox_py/selfcheck.py.
  check "wampbox keygen gives a valid pair Autobahn accepts" "$PYTHON" -m wampbox_py.selfcheck keygen "$wb" || rc=1
  "$PYTHON" -m wampbox_py.selfcheck keyring "$tmp/keyring.json"
  for ser in json msgpack cbor; do
    check "seal/open round trip ($ser)" "$PYTHON" -m wampbox_py.selfcheck roundtrip "$wb" "$tmp/keyring.json" "$ser" \
      || rc=1
  done
  check "Autobahn's worked example, byte-exact" \
    "$PYTHON" -m wampbox_py.selfcheck worked-example "$wb" "$tmp/keyring.json" || rc=1
  say "selfcheck log: ${log#"$ROOT"/}"
  return $rc
}

stage_crosscheck() {
  local rc=0
  rm -f "$OUT/crosscheck.json" "$OUT/crosscheck.md"
  WAMPBOX_REPORT_DIR="$OUT" "$PYTHON" -m pytest -q -p no:cacheprovider tests/py/test_crosscheck.py -k crosscheck \
    --tb=line -o console_output_style=classic >"$OUT/crosscheck.log" 2>&1 || rc=$?
  tail -n 1 "$OUT/crosscheck.log"
  if [[ -f "$OUT/crosscheck.json" ]]; then
    "$PYTHON" -m wampbox_py.crosscheck_summary "$OUT/crosscheck.json"
    say "report: ${OUT#"$ROOT"/}/crosscheck.md, crosscheck.json; log: crosscheck.log"
  fi
  return $rc
}

stage_floatdiff() {
  "$PYTHON" scripts/floatdiff.py --count "${FLOATDIFF_COUNT:-10000000}" --out "$OUT/floatdiff"
}

stage_conformance() {
  bash scripts/conformance.sh --out "$OUT/conformance" --build-dir "$WAMPBOX_BUILD_DIR" --strict
}

stage_bench() {
  local mb=() extra=()
  ran backends && mb=(--backends-dir "$OUT/backends")
  read -r -a extra <<<"${BENCH_FLAGS:-}"
  bash scripts/bench.sh --out "$OUT/bench" "${mb[@]}" "${extra[@]}"
}

stage_backends() {
  local extra=()
  read -r -a extra <<<"${BACKENDS_FLAGS:-}"
  bash scripts/backends.sh --out "$OUT/backends" "${extra[@]}"
}

stage_live-bench() {
  WAMPBOX_BUILD_DIR="$WAMPBOX_BUILD_DIR" "$PYTHON" scripts/live/bench.py --profile --out "$OUT/live-bench"
}

stage_live-soak() {
  WAMPBOX_BUILD_DIR="$WAMPBOX_BUILD_DIR" "$PYTHON" scripts/live/soak.py --out "$OUT/live-soak"
}

stage_fuzz() {
  bash scripts/fuzz.sh run --seconds "${FUZZ_SECONDS:-300}" --out "$OUT/fuzz"
}

# -- driver -------------------------------------------------------------------

if [[ -n "$SELECTED" ]]; then
  IFS=',' read -r -a want <<<"$SELECTED"
  for s in "${want[@]}"; do
    declare -F "stage_$s" >/dev/null || { echo "run: unknown stage '$s' (have: ${STAGES[*]})" >&2; exit 2; }
  done
  # The order of STAGES, whatever the order of LIST (backends must run before bench).
  chosen=()
  for s in "${STAGES[@]}"; do
    [[ ",$SELECTED," == *",$s,"* ]] && chosen+=("$s")
  done
  STAGES=("${chosen[@]}")
fi

T0=$SECONDS
RESULTS=()
FAILED=0
RAN=()  # stages that finished in this run (their outputs in OUT are this run's)
ran() { [[ " ${RAN[*]} " == *" $1 "* ]]; }
for s in "${STAGES[@]}"; do
  echo
  say "== stage $s"
  start=$SECONDS
  rc=0
  "stage_$s" || rc=$?
  RAN+=("$s")
  if [[ $rc -eq 0 ]]; then
    RESULTS+=("$(printf '  %-12s ok      %4ss' "$s" $((SECONDS - start)))")
  else
    RESULTS+=("$(printf '  %-12s FAILED  %4ss  (exit %d)' "$s" $((SECONDS - start)) "$rc")")
    FAILED=1
    # Later stages still run (a broken test target must not hide the
    # cross-check); they fail by themselves if the CLI is missing.
  fi
done

# Issue 14's goals from this run (the bench stage printed them too).
if ran bench && [[ -f "$OUT/bench/wampbox.json" ]]; then
  mb=()
  ran backends && mb=(--backends "$OUT/backends")
  echo
  "$PYTHON" scripts/bench/goals.py "$OUT/bench" "${mb[@]}" --md "$OUT/goals.md" --json "$OUT/goals.json" || FAILED=1
fi

# The README's result tables are generated from this summary of the run
# (scripts/readme_tables.py; HACKING.md, "Results in the README").
if [[ -f "$OUT/conformance/cpp/report.json" && -f "$OUT/bench/targets.json" && -f "$OUT/backends/backends_summary.json" ]]
then
  "$PYTHON" scripts/readme_tables.py collect "$OUT" --out "$OUT/results.json" \
    --command "bash scripts/run.sh --stages $(IFS=,; echo "${STAGES[*]}")" || FAILED=1
fi

echo
say "summary ($((SECONDS - T0))s, reports in ${OUT#"$ROOT"/}/)"
printf '%s\n' "${RESULTS[@]}"
exit $FAILED
