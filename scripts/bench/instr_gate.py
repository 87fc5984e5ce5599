#!/usr/bin/python3
"""Deterministic regression gate on instruction counts, for noisy machines.

For each key path of wampbox_bench_gate (--list) this runs

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=wampbox_gate_measured \\
        wampbox_bench_gate --path P --iterations N

so that only the N measured iterations are counted (setup, the output check
and warm-up are not), and divides callgrind's instruction total (Ir) by N.
The counts are compared with bench/baselines/instructions.json, section
matching the driver's build configuration (wampbox_bench_gate --config: build
type, compiler, libsodium): a path FAILS when it executes more than
TOLERANCE (default 5%) more instructions per message than its baseline. A path
that got cheaper by more than the tolerance passes with a note to refresh the
baseline (--update).

    instr_gate.py --driver BUILD/bench/wampbox_bench_gate [--baseline F] [--tolerance 0.05]
                  [--iterations 200] [--paths P,...] [--inject-slowdown PATH=K] [--json OUT] [--update]
                  [--jobs N]

Exit status: 0 all paths within tolerance, 1 a regression (the failing paths
are named on stdout), 2 usage / tool error (driver or valgrind failed, no
baseline for this configuration).
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BASELINE = os.path.join(ROOT, "bench", "baselines", "instructions.json")
DEFAULT_TOLERANCE = 0.05
DEFAULT_ITERATIONS = 200
MEASURED_FUNCTION = "wampbox_gate_measured"


def driver_config(driver):
    return subprocess.run([driver, "--config"], check=True, capture_output=True, text=True).stdout.strip()


def driver_paths(driver):
    out = subprocess.run([driver, "--list"], check=True, capture_output=True, text=True).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def count_instructions(driver, path, iterations, slowdown=0, extra_args=()):
    """Instructions per iteration of `path` (callgrind Ir / iterations)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--collect-atstart=no",
               f"--toggle-collect={MEASURED_FUNCTION}", driver, "--path", path, "--iterations", str(iterations)]
        if slowdown:
            cmd += ["--inject-slowdown", str(slowdown)]
        cmd += list(extra_args)
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{path}: driver failed (exit {r.returncode}):\n{r.stderr[-2000:]}")
        with open(out, encoding="utf-8", errors="replace") as f:
            text = f.read()
    m = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.M)
    if not m:
        raise RuntimeError(f"{path}: no instruction total in callgrind output")
    total = int(m.group(1))
    if total == 0:
        raise RuntimeError(f"{path}: callgrind counted 0 instructions (is {MEASURED_FUNCTION} inlined?)")
    return total / iterations


def parse_injections(specs):
    out = {}
    for spec in specs or []:
        path, _, k = spec.rpartition("=")
        if not path or not k.isdigit():
            raise SystemExit(f"instr_gate: --inject-slowdown wants PATH=K, got {spec!r}")
        out[path] = int(k)
    return out


def compare(measured, baseline, tolerance):
    """Rows (path, baseline, measured, change, status) and the failing paths."""
    rows, failed = [], []
    for path, value in measured.items():
        base = baseline.get(path)
        if base is None:
            rows.append((path, None, value, None, "NEW (no baseline)"))
            failed.append(path)
            continue
        change = value / base - 1.0
        if change > tolerance:
            status = "FAIL"
            failed.append(path)
        elif change < -tolerance:
            status = "ok (cheaper: refresh the baseline with --update)"
        else:
            status = "ok"
        rows.append((path, base, value, change, status))
    return rows, failed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--driver", required=True, help="path to wampbox_bench_gate")
    ap.add_argument("--baseline", default=DEFAULT_BASELINE)
    ap.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                    help="allowed relative increase of instructions per message (default %(default)s)")
    ap.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS)
    ap.add_argument("--paths", help="comma-separated subset of the driver's paths")
    ap.add_argument("--inject-slowdown", action="append", metavar="PATH=K",
                    help="make PATH do K extra multiply-adds per message (demonstrates a failing gate)")
    ap.add_argument("--inputs", help="inputs directory passed to the driver")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="paths counted in parallel")
    ap.add_argument("--json", help="write the measured counts here")
    ap.add_argument("--update", action="store_true",
                    help="write the measured counts as this configuration's baseline instead of comparing")
    a = ap.parse_args(argv)

    try:
        config = driver_config(a.driver)
        paths = a.paths.split(",") if a.paths else driver_paths(a.driver)
    except (OSError, subprocess.CalledProcessError) as ex:
        print(f"instr_gate: cannot run the driver {a.driver}: {ex}")
        return 2
    injections = parse_injections(a.inject_slowdown)
    extra = ["--inputs", a.inputs] if a.inputs else []

    measured = {}
    try:
        # callgrind is single-threaded: one path per core.
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
            futures = {p: pool.submit(count_instructions, a.driver, p, a.iterations, injections.get(p, 0), extra)
                       for p in paths}
            for p in paths:
                measured[p] = futures[p].result()
    except (OSError, RuntimeError) as ex:
        print(f"instr_gate: {ex}")
        return 2

    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(dict(config=config, iterations=a.iterations, instructions_per_message=measured,
                           injected=injections), f, indent=1)
            f.write("\n")

    doc = {}
    if os.path.exists(a.baseline):
        with open(a.baseline, encoding="utf-8") as f:
            doc = json.load(f)
    configs = doc.setdefault("configs", {})

    if a.update:
        if injections:
            print("instr_gate: refusing to --update with an injected slowdown")
            return 2
        doc.setdefault("about", "Instructions per message of wampbox_bench_gate paths, counted by "
                       "scripts/bench/instr_gate.py (callgrind); one section per build configuration.")
        configs[config] = {"iterations": a.iterations, "instructions_per_message": {k: round(v, 1) for k, v in
                                                                                      measured.items()}}
        with open(a.baseline, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"instr_gate: baseline for {config} written to {a.baseline}")
        for p, v in measured.items():
            print(f"  {p:45s} {v:14.1f}")
        return 0

    section = configs.get(config)
    if section is None:
        print(f"instr_gate: no baseline for configuration {config!r} in {a.baseline} "
              f"(have: {', '.join(sorted(configs)) or 'none'}); record one with --update")
        return 2
    rows, failed = compare(measured, section["instructions_per_message"], a.tolerance)
    print(f"instruction-count gate ({config}, {a.iterations} iterations, tolerance +{a.tolerance:.0%})")
    print(f"  {'path':45s} {'baseline':>14s} {'measured':>14s} {'change':>8s}  status")
    for path, base, value, change, status in rows:
        b = f"{base:14.1f}" if base is not None else f"{'-':>14s}"
        c = f"{change:+8.2%}" if change is not None else f"{'-':>8s}"
        inj = f"  [injected slowdown {injections[path]}]" if path in injections else ""
        print(f"  {path:45s} {b} {value:14.1f} {c}  {status}{inj}")
    if failed:
        print(f"instr_gate: FAILED: {', '.join(failed)}")
        return 1
    print("instr_gate: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
