#!/usr/bin/env bash
# Runs the conformance runner (conformance/wampbox-conform) against every
# bundled implementation and writes the reports:
#
#   scripts/conformance.sh [--out DIR] [--build-dir DIR] [--only NAME[,NAME]] [--strict] [-- RUNNER-ARGS...]
#
#   DIR/<adapter>/report.json   every case: expected vs actual, flags, evidence; summary
#   DIR/<adapter>/junit.xml     JUnit XML
#   DIR/<adapter>/report.html   one-column HTML report
#   DIR/<adapter>/run.log       the runner's output
#   DIR/matrix.html             cross-implementation matrix (static, opens from disk)
#   DIR/summary.txt             the closing summary
#   DIR/live/<client>/          live mode (wampbox-conform live, docs/live-conformance.md):
#                               Autobahn|Python over ws/json and wampbox over rs/cbor, the same
#                               three reports plus run.log; DIR/live/matrix.html
#
# Adapters: cpp (wampbox, from BUILD_DIR), autobahn, pynacl, tweetnacl-js,
# libsodium-js. Progress: a live counter when stdout is a terminal, plain lines
# otherwise. RUNNER-ARGS go to every run (e.g. -- --layer crypto_box).
#
# Exit: 0 when every report was produced (implementations other than wampbox
# may fail cases: that is what the matrix shows), 1 with --strict if the
# wampbox C++ implementation fails any case (corpus or live), 2 on a harness error (an adapter
# that cannot be built or started, corpus missing or altered).
#
# Env: PYTHON (default /usr/bin/python3), BUILD_DIR (default build),
# WAMPBOX_CONFORM_CPP_ADAPTER (the C++ adapter binary, default under BUILD_DIR).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

OUT="out/conformance"
BUILD_DIR="${BUILD_DIR:-build}"
PYTHON="${PYTHON:-/usr/bin/python3}"
ONLY=""
STRICT=0
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$2"; shift ;;
    --build-dir) BUILD_DIR="$2"; shift ;;
    --only) ONLY="$2"; shift ;;
    --strict) STRICT=1 ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "conformance: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

ADAPTERS=(cpp autobahn pynacl tweetnacl-js libsodium-js)
if [[ -n "$ONLY" ]]; then
  IFS=',' read -r -a ADAPTERS <<< "$ONLY"
fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
BUILD_ABS="$(mkdir -p "$BUILD_DIR" && cd "$BUILD_DIR" && pwd)"
RUNNER=("$PYTHON" "$ROOT/conformance/wampbox-conform")

if [[ -t 1 ]]; then PROGRESS=tty; else PROGRESS=plain; fi
say() { echo "conformance: $*"; }

# -- prerequisites -------------------------------------------------------------
CPP_BIN="${WAMPBOX_CONFORM_CPP_ADAPTER:-$BUILD_ABS/conformance/adapters/cpp/wampbox_conform_adapter}"
needs_js=0
for a in "${ADAPTERS[@]}"; do [[ "$a" == *-js ]] && needs_js=1; done
if [[ $needs_js -eq 1 && ( ! -d conformance/adapters/js/node_modules/tweetnacl || ! -d conformance/adapters/js/node_modules/cbor2 ) ]]; then
  say "installing the JavaScript adapters' pinned packages (npm ci in conformance/adapters/js)"
  npm ci --prefix conformance/adapters/js --no-audit --no-fund --loglevel=error || say "npm ci failed"
fi
for a in "${ADAPTERS[@]}"; do
  if [[ "$a" == cpp && ! -x "$CPP_BIN" && -f "$BUILD_ABS/build.ninja" ]]; then
    say "building wampbox_conform_adapter in $BUILD_DIR"
    cmake --build "$BUILD_ABS" --target wampbox_conform_adapter -- --quiet || true
  fi
done

# -- runs ----------------------------------------------------------------------
declare -A RC
start_all=$SECONDS
for a in "${ADAPTERS[@]}"; do
  dir="$OUT/$a"
  mkdir -p "$dir"
  rm -f "$dir/report.json"
  if [[ "$a" == cpp && ! -x "$CPP_BIN" ]]; then
    say "$a: $CPP_BIN is missing (configure and build $BUILD_DIR first)" | tee "$dir/run.log"
    RC[$a]=2
    continue
  fi
  say "$a: running"
  "${RUNNER[@]}" --adapter "$a" --build-dir "$BUILD_ABS" --out "$dir" --progress "$PROGRESS" "${EXTRA[@]}" \
    > >(tee "$dir/run.log") 2>&1
  RC[$a]=$?
  wait
done

# -- matrix and summary ----------------------------------------------------------
reports=()
for a in "${ADAPTERS[@]}"; do
  [[ -f "$OUT/$a/report.json" ]] && reports+=("$OUT/$a/report.json")
done
if [[ ${#reports[@]} -gt 0 ]]; then
  "${RUNNER[@]}" matrix "${reports[@]}" --html "$OUT/matrix.html" >/dev/null
fi

"$PYTHON" - "$OUT" "${ADAPTERS[@]}" <<'EOF' | tee "$OUT/summary.txt"
import json, os, sys
out, names = sys.argv[1], sys.argv[2:]
print()
print("wampbox conformance summary")
print("=" * 100)
print(f"{'adapter':14s} {'implementation':18s} {'version':9s} {'pass':>6s} {'fail':>5s} {'unsup':>6s} {'time':>6s}  verdict       profile")
suite = None
for n in names:
    p = os.path.join(out, n, "report.json")
    if not os.path.exists(p):
        print(f"{n:14s} {'-':18s} {'-':9s} {'':>6s} {'':>5s} {'':>6s} {'':>6s}  NOT RUN   (see {n}/run.log)")
        continue
    r = json.load(open(p))
    s, im = r["summary"], r["implementation"]
    suite = r["suite"]
    prof = ",".join(f"{k}={v}" for k, v in sorted(im.get("profile", {}).items()))
    print(f"{n:14s} {im['name'][:18]:18s} {im['version'][:9]:9s} {s['pass']:6d} {s['fail']:5d} {s['unsupported']:6d} "
          f"{r['run']['duration_s']:5.1f}s  {r['verdict']:13s} {prof}")
    d = r.get("derived_summary")
    if d and d["total"]:
        print(f"{'':14s}   derived negatives: pass {d['pass']}, fail {d['fail']}, unsupported {d['unsupported']}")
    if s["fail"]:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(s["failure_kinds"].items()))
        flags = sorted(((v["fail"], f) for f, v in s["by_flag"].items() if v["fail"]), reverse=True)[:6]
        print(f"{'':14s}   fails: {kinds}; top flags: " + ", ".join(f"{f} {c}" for c, f in flags))
print("=" * 100)
if suite:
    print(f"corpus {suite['version']} ({sum(f['tests'] for f in suite['files'].values())} vectors in "
          f"{len(suite['files'])} files, MANIFEST.json sha256 {suite['manifest_sha256'][:16]}...)")
print(f"reports: {out}/<adapter>/report.json, junit.xml, report.html; matrix: {out}/matrix.html")
EOF

# -- live mode: WAMP clients on a real connection through wampbox-router ----------
declare -A LIVE_RC
live_reports=()
if [[ -z "$ONLY" ]]; then
  for spec in autobahn:ws:json wampbox:rs:cbor; do
    IFS=: read -r client transport ser <<< "$spec"
    mkdir -p "$OUT/live/$client"
    "${RUNNER[@]}" live --client "$client" --transport "$transport" --serializer "$ser" --build-dir "$BUILD_ABS" \
      --out "$OUT/live/$client" --work-dir "$OUT/live/$client/work" --progress none >"$OUT/live/$client/run.log" 2>&1
    LIVE_RC[$client]=$?
    say "live $client ($transport/$ser): $(head -n 1 "$OUT/live/$client/run.log") (exit ${LIVE_RC[$client]})" |
      tee -a "$OUT/summary.txt"
    [[ -f "$OUT/live/$client/report.json" ]] && live_reports+=("$OUT/live/$client/report.json")
  done
  if [[ ${#live_reports[@]} -gt 0 ]]; then
    "${RUNNER[@]}" matrix "${live_reports[@]}" --html "$OUT/live/matrix.html" --title "wampbox live conformance" >/dev/null
  fi
fi

harness=0
for a in "${ADAPTERS[@]}"; do
  [[ "${RC[$a]:-2}" -eq 2 ]] && harness=1
done
for c in "${!LIVE_RC[@]}"; do
  [[ "${LIVE_RC[$c]}" -eq 2 ]] && harness=1
done
say "done in $((SECONDS - start_all))s"
if [[ $harness -eq 1 ]]; then
  say "harness error: at least one adapter could not be run (see its run.log)"
  exit 2
fi
if [[ $STRICT -eq 1 && ( "${RC[cpp]:-0}" -ne 0 || "${LIVE_RC[wampbox]:-0}" -ne 0 ) ]]; then
  exit 1
fi
exit 0
