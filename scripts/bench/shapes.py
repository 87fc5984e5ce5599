#!/usr/bin/env python3
"""Issue 14 item 2's goal table: every payload shape at >= 0.70 of raw crypto
at 64 KiB, sender and receiver, from the side-by-side `ratio/` benchmarks
(bench/bench_paths.cc: path and ceiling in alternating batches, the median of
the batch ratios; then the median over repetitions).

  shapes.py RUN.json                  one run: the ratios and MET/MISSED
  shapes.py BEFORE.json AFTER.json    two runs (e.g. two builds, one after the
                                      other): both columns and the change

RUN.json is wampbox_bench's --benchmark_out (JSON) of at least
--benchmark_filter='^ratio/.*/65536$'; use --benchmark_repetitions >= 3 and
not --benchmark_report_aggregates_only (the medians are taken here).
Prints Markdown; exit 0 (a MISSED goal is a result, not an error).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import Results  # noqa: E402

SHAPES = ("small_rpc", "text", "numbers", "binary")
SERS = ("json", "msgpack", "cbor")
DIRS = (("sender", "PUBLISH"), ("receiver", "EVENT"))


def table(runs, goal, size=65536):
    head = ["path", "shape"] + [f"{s} {label}" for s in SERS for label in
                                (["before", "after"] if len(runs) == 2 else ["ratio"])]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    met = missed = 0
    for d, mt in DIRS:
        for shape in SHAPES:
            row = [d, shape]
            for s in SERS:
                name = f"ratio/{d}/{s}/{mt}/{shape}/{size}"
                vals = [r.median(name, "ratio") for r in runs]
                for v in vals:
                    row.append("n/a" if v is None else f"{v:.2f}")
                last = vals[-1]
                if last is not None:
                    ok = last >= goal
                    met += ok
                    missed += not ok
                    row[-1] += "" if ok else " (miss)"
            lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append(f"Goal >= {goal:.2f} of raw crypto at {size // 1024} KiB: {met} met, {missed} missed "
                 f"({'last run' if len(runs) == 2 else 'this run'}).")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="one run, or BEFORE AFTER")
    ap.add_argument("--goal", type=float, default=0.70)
    a = ap.parse_args(argv)
    if len(a.runs) > 2:
        ap.error("one or two runs")
    print(table([Results.from_file(p) for p in a.runs], a.goal))
    return 0


if __name__ == "__main__":
    sys.exit(main())
