#!/usr/bin/python3
"""Timing regression check between two Google Benchmark JSON files (for
example the committed bench/baselines/timing.json and a new run, or two runs
of two builds taken one after the other on the same machine).

For every benchmark in both files it takes the per-repetition times (CPU time;
wall time for the real_time runs), at least --min-reps (default 9) on each
side, and decides with a two-sided Mann-Whitney U test (scipy.stats: exact
distribution without ties, normal approximation with tie correction otherwise):

  REGRESSION  p < alpha (default 0.01) and the median got slower by more than
              the threshold (default 5%)
  improved    p < alpha and the median got faster by more than the threshold
  same        otherwise (a difference the test cannot tell from noise, or one
              below the threshold)

    compare.py BASELINE.json CONTENDER.json [--alpha 0.01] [--threshold 0.05]
               [--min-reps 9] [--filter REGEX] [--md OUT.md]

Record inputs with e.g.
    wampbox_bench --benchmark_filter='<benchlib.GATE_FILTER>' --benchmark_repetitions=9 \\
        --benchmark_enable_random_interleaving=true --benchmark_out=F --benchmark_out_format=json
(scripts/bench.sh --compare does this). Exit status: 0 no regression, 1 a
regression (named on stdout), 2 usage error or too few repetitions.

Absolute times from different machines, or from this shared machine at
different load, are not comparable: prefer two files recorded back to back.
"""

import argparse
import os
import re
import statistics
import sys

from scipy.stats import mannwhitneyu  # Debian python3-scipy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402

DEFAULT_ALPHA = 0.01
DEFAULT_THRESHOLD = 0.05
DEFAULT_MIN_REPS = 9


def mann_whitney_u(x, y):
    """Two-sided Mann-Whitney U test (scipy.stats.mannwhitneyu). Returns (U of
    x, p-value). Exact distribution for samples without ties (up to
    n1 * n2 = 2500), normal approximation with tie and continuity correction
    otherwise; p = 1 when every value is the same (no evidence either way)."""
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        raise ValueError("empty sample")
    pooled = list(x) + list(y)
    if len(set(pooled)) == 1:
        return n1 * n2 / 2, 1.0
    exact = len(set(pooled)) == len(pooled) and n1 * n2 <= 2500
    res = mannwhitneyu(x, y, alternative="two-sided", method="exact" if exact else "asymptotic",
                       use_continuity=True)
    return float(res.statistic), min(1.0, float(res.pvalue))


def decide(base, new, alpha=DEFAULT_ALPHA, threshold=DEFAULT_THRESHOLD):
    """(verdict, change of the median, p). Samples are times: larger = slower."""
    _, p = mann_whitney_u(base, new)
    change = statistics.median(new) / statistics.median(base) - 1.0
    if p < alpha and change > threshold:
        return "REGRESSION", change, p
    if p < alpha and change < -threshold:
        return "improved", change, p
    return "same", change, p


def compare_docs(base_doc, new_doc, alpha=DEFAULT_ALPHA, threshold=DEFAULT_THRESHOLD, min_reps=DEFAULT_MIN_REPS,
                 name_filter=None):
    """Rows (name, metric, n_base, n_new, median_base, median_new, change, p,
    verdict) for benchmarks in both files."""
    base, new = benchlib.iteration_runs(base_doc), benchlib.iteration_runs(new_doc)
    rows = []
    for name in base:
        if name not in new or (name_filter and not re.search(name_filter, name)):
            continue
        metric = benchlib.time_metric(name)
        b = [float(e[metric]) for e in base[name]]
        c = [float(e[metric]) for e in new[name]]
        if len(b) < min_reps or len(c) < min_reps:
            rows.append((name, metric, len(b), len(c), statistics.median(b), statistics.median(c), None, None,
                         f"too few repetitions (need {min_reps})"))
            continue
        verdict, change, p = decide(b, c, alpha, threshold)
        rows.append((name, metric, len(b), len(c), statistics.median(b), statistics.median(c), change, p, verdict))
    return rows


def markdown(rows, alpha, threshold):
    out = [f"Mann-Whitney U, two-sided, alpha {alpha}, threshold {threshold:.0%} on the median "
           "(time per iteration; wall time for threaded runs)", "",
           "| benchmark | n | median before | median after | change | p | verdict |",
           "|---|---|---|---|---|---|---|"]
    for name, metric, nb, nc, mb, mc, change, p, verdict in rows:
        ch = f"{change:+.1%}" if change is not None else "-"
        pv = f"{p:.2g}" if p is not None else "-"
        out.append(f"| `{name}` | {nb}/{nc} | {mb:.4g} | {mc:.4g} | {ch} | {pv} | {verdict} |")
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("baseline")
    ap.add_argument("contender")
    ap.add_argument("--alpha", type=float, default=DEFAULT_ALPHA)
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--min-reps", type=int, default=DEFAULT_MIN_REPS)
    ap.add_argument("--filter", help="only benchmarks whose name matches this regex")
    ap.add_argument("--md", help="also write the table as Markdown here")
    a = ap.parse_args(argv)
    try:
        rows = compare_docs(benchlib.load(a.baseline), benchlib.load(a.contender), a.alpha, a.threshold, a.min_reps,
                            a.filter)
    except (OSError, ValueError) as ex:
        print(f"compare: {ex}")
        return 2
    if not rows:
        print("compare: no benchmark is in both files")
        return 2
    md = markdown(rows, a.alpha, a.threshold)
    print(md, end="")
    if a.md:
        with open(a.md, "w", encoding="utf-8") as f:
            f.write(md)
    regressions = [r[0] for r in rows if r[8] == "REGRESSION"]
    short = [r[0] for r in rows if r[8].startswith("too few")]
    if regressions:
        print(f"compare: REGRESSION in {', '.join(regressions)}")
        return 1
    if short:
        print(f"compare: too few repetitions for {', '.join(short)} (need {a.min_reps} on each side)")
        return 2
    print("compare: no regression")
    return 0


if __name__ == "__main__":
    sys.exit(main())
