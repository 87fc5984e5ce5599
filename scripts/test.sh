#!/usr/bin/env bash
# The project's test command (what CI runs via .ci/run).
#
#   scripts/test.sh [--quick] [--no-setup]
#
# Stages, all run even when an earlier one fails:
#   setup        scripts/setup.sh: packages + release build in build/
#   ctest        unit tests (and whatever else CTest knows) in build/
#   asan-build   a second tree build-asan/ with ASan+UBSan, benchmarks off
#   asan-ctest   its CTest tests
#   asan-cli     tests/py/test_cli.py (bad input) against the ASan wampbox
#   fuzz-regress scripts/fuzz.sh regress: clang build of the libFuzzer targets in
#                build-fuzz/, each run over its committed seeds and crashers and
#                then fuzzed 5 s (FUZZ_REGRESS_SECONDS) from them (fuzz/README.md)
#   pytest       tests/py (Autobahn cross-check, CLI) against build/
# --quick skips the three ASan stages and fuzz-regress.
#
# Ends with one line `total: N passed, M failed` (sum over the test stages; a
# stage that errored without reporting a failed test counts as one failure)
# and exits non-zero if anything failed or errored.
#
# Env: JOBS (default 2), PYTHON (default /usr/bin/python3), PYTEST_ARGS (extra),
#      ASAN_PYTEST=all to run all of tests/py (not just test_cli.py) against the
#      ASan build (adds ~1.5 min: the full cross-check under the sanitizers).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

QUICK=0
SETUP=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --no-setup) SETUP=0 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "test: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

JOBS="${JOBS:-2}"
PYTHON="${PYTHON:-/usr/bin/python3}"
LOG_DIR="$ROOT/build/test-logs"
mkdir -p "$LOG_DIR"

# Sanitizer reports must not look like wampbox's own exit codes (1 = crypto
# failure): give them their own and make every finding fatal.
export ASAN_OPTIONS="${ASAN_OPTIONS:-exitcode=86:abort_on_error=0:detect_leaks=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}"

TOTAL_PASSED=0
TOTAL_FAILED=0
SUMMARY=()
ANY_ERROR=0

# record STAGE PASSED FAILED RC SECONDS
record() {
  local stage=$1 passed=$2 failed=$3 rc=$4 secs=$5 status=ok
  if [[ $rc -ne 0 ]]; then
    status="ERROR (exit $rc)"
    ANY_ERROR=1
    # A stage that failed without a failing test (build error, crash, no
    # tests) still counts as a failure in the total.
    [[ $failed -eq 0 ]] && failed=1
  fi
  TOTAL_PASSED=$((TOTAL_PASSED + passed))
  TOTAL_FAILED=$((TOTAL_FAILED + failed))
  SUMMARY+=("$(printf '  %-11s %5d passed %4d failed  %4ss  %s' "$stage" "$passed" "$failed" "$secs" "$status")")
  echo "== $stage: $passed passed, $failed failed, ${secs}s, $status"
}

# record_step STAGE RC SECONDS: a stage that runs no tests (setup, builds).
record_step() {
  local stage=$1 rc=$2 secs=$3
  if [[ $rc -ne 0 ]]; then
    ANY_ERROR=1
    TOTAL_FAILED=$((TOTAL_FAILED + 1))
    SUMMARY+=("$(printf '  %-11s %5s %11s  %4ss  %s' "$stage" "" "" "$secs" "ERROR (exit $rc)")")
    echo "== $stage: ERROR (exit $rc) after ${secs}s"
  else
    SUMMARY+=("$(printf '  %-11s %5s %11s  %4ss  %s' "$stage" "" "" "$secs" "ok")")
    echo "== $stage: ok, ${secs}s"
  fi
}

banner() { echo; echo "== $1"; }

# run_logged LOG CMD...: runs CMD with output to the console and LOG; returns its exit code.
run_logged() {
  local log=$1; shift
  local rc=0
  "$@" 2>&1 | tee "$log" || rc=$?
  # With pipefail, rc is the command's exit code unless tee failed.
  return $rc
}

# ctest_stage STAGE BUILD_DIR
ctest_stage() {
  local stage=$1 dir=$2 log="$LOG_DIR/$1.log" rc=0 start=$SECONDS
  banner "$stage: ctest --test-dir $dir"
  run_logged "$log" ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$JOBS" || rc=$?
  # "100% tests passed, 0 tests failed out of 12"
  local line passed=0 failed=0
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1 || true)
  if [[ -n "$line" ]]; then
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    local total
    total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    passed=$((total - failed))
  fi
  record "$stage" "$passed" "$failed" "$rc" $((SECONDS - start))
}

# pytest_stage STAGE BUILD_DIR [PYTEST ARGS...]
pytest_stage() {
  local stage=$1 dir=$2 log="$LOG_DIR/$1.log" rc=0 start=$SECONDS
  shift 2
  banner "$stage: pytest ($dir) $*"
  # shellcheck disable=SC2086
  WAMPBOX_BUILD_DIR="$ROOT/$dir" run_logged "$log" "$PYTHON" -m pytest -q -rfE -p no:cacheprovider \
    "$@" ${PYTEST_ARGS:-} || rc=$?
  # Last summary line, e.g. "=== 3 failed, 600 passed, 2 skipped in 12.3s ==="
  local line passed=0 failed=0 errors=0
  line=$(grep -E '(passed|failed|errors?|no tests ran).* in [0-9.]+s' "$log" | tail -n1 || true)
  [[ "$line" =~ ([0-9]+)\ passed ]] && passed=${BASH_REMATCH[1]}
  [[ "$line" =~ ([0-9]+)\ failed ]] && failed=${BASH_REMATCH[1]}
  [[ "$line" =~ ([0-9]+)\ errors? ]] && errors=${BASH_REMATCH[1]}
  # Exit code 5 = no tests collected: an error here, not a pass.
  [[ $rc -eq 5 ]] && echo "$stage: pytest collected no tests"
  record "$stage" "$passed" $((failed + errors)) "$rc" $((SECONDS - start))
}

T0=$SECONDS

# -- setup + release build --------------------------------------------------
if [[ $SETUP -eq 1 ]]; then
  banner "setup: scripts/setup.sh"
  rc=0; start=$SECONDS
  bash scripts/setup.sh 2>&1 | tee "$LOG_DIR/setup.log" || rc=$?
  record_step setup "$rc" $((SECONDS - start))
else
  banner "build: build/"
  rc=0; start=$SECONDS
  { [[ -f build/build.ninja ]] || cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo; } &&
    cmake --build build -j "$JOBS" -- --quiet || rc=$?
  record_step build "$rc" $((SECONDS - start))
fi

# -- unit tests, release tree -----------------------------------------------
ctest_stage ctest build

# -- ASan/UBSan tree ----------------------------------------------------------
if [[ $QUICK -eq 0 ]]; then
  banner "asan-build: build-asan/ (ASan+UBSan, Debug -O0, benchmarks off)"
  rc=0; start=$SECONDS
  # -O0 compiles this code base two to three times faster than -O1 under the
  # sanitizers, and the sanitized tests are short. Configured every time so
  # that cached flags follow this script.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O0" \
    -DCMAKE_C_FLAGS_DEBUG="-g -O0" -DWAMPBOX_SANITIZE=ON -DWAMPBOX_BUILD_BENCHMARKS=OFF >/dev/null &&
    cmake --build build-asan -j "$JOBS" -- --quiet 2>&1 | tee "$LOG_DIR/asan-build.log" || rc=$?
  record_step asan-build "$rc" $((SECONDS - start))
  ctest_stage asan-ctest build-asan
  if [[ "${ASAN_PYTEST:-}" == all ]]; then
    pytest_stage asan-pytest build-asan tests/py
  else
    pytest_stage asan-cli build-asan tests/py/test_cli.py
  fi
fi

# -- libFuzzer targets: regression over the committed inputs ----------------
if [[ $QUICK -eq 0 ]]; then
  banner "fuzz-regress: scripts/fuzz.sh regress (clang, build-fuzz/)"
  rc=0; start=$SECONDS
  scripts/fuzz.sh regress --seconds "${FUZZ_REGRESS_SECONDS:-5}" 2>&1 | tee "$LOG_DIR/fuzz-regress.log" || rc=$?
  record fuzz-regress "$(grep -c ': ok, ' "$LOG_DIR/fuzz-regress.log" || true)" \
    "$(grep -c 'FAILED (exit' "$LOG_DIR/fuzz-regress.log" || true)" "$rc" $((SECONDS - start))
fi

# -- Python: Autobahn cross-check and CLI tests ------------------------------
pytest_stage pytest build

echo
echo "== summary ($((SECONDS - T0))s; logs in ${LOG_DIR#"$ROOT"/})"
printf '%s\n' "${SUMMARY[@]}"
echo "total: $TOTAL_PASSED passed, $TOTAL_FAILED failed"
if [[ $ANY_ERROR -ne 0 || $TOTAL_FAILED -ne 0 ]]; then
  exit 1
fi
