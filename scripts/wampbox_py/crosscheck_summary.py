"""Prints the summary of a cross-check report (the crosscheck.json that
tests/py/conftest.py writes when WAMPBOX_REPORT_DIR is set), for scripts/run.sh:

    python3 -m wampbox_py.crosscheck_summary OUT/crosscheck.json
"""

import json
import sys


def summary(report):
    """The summary lines for a loaded report: reference, totals, per check,
    failing type/serializer cells, and the first ten failures."""
    r = report
    lines = [f"  reference: {r['reference']}   ({r['seconds']} s)",
             "  " + ", ".join(f"{v} {k}" for k, v in sorted(r["totals"].items()))]
    for check, c in r["by_check"].items():
        lines.append(f"  {check:40s} {c.get('passed', 0):5d} passed {c.get('failed', 0):4d} failed")
    bad = [k for k, v in r["by_type_serializer"].items() if v.get("failed")]
    lines.append("  type/serializer cells with failures: " + (", ".join(bad) if bad else "none"))
    for f in r["failures"][:10]:
        first = f["message"].strip().splitlines()[0][:160] if f["message"].strip() else ""
        lines.append(f"    FAIL {f['nodeid'].split('::')[-1]}: {first}")
    if len(r["failures"]) > 10:
        lines.append(f"    ... {len(r['failures']) - 10} more")
    return lines


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        print("\n".join(summary(json.load(f))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
