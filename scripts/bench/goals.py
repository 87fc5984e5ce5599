#!/usr/bin/python3
"""Issue 14's goals, each with its measured ratio and MET/MISSED, from one run.

Reads the outputs of one `scripts/run.sh` run (or of the scripts it calls):

    goals.py BENCH_DIR [--backends BACKENDS_DIR] [--md OUT.md] [--json OUT.json] [--strict]

  BENCH_DIR/wampbox.json      wampbox_bench (scripts/bench.sh): the ratio/ benchmarks (a path and its raw-crypto
                              ceiling side by side) and the path/ family
  BENCH_DIR/autobahn.json     autobahn_bench.py of the same session (Autobahn|Python vs wampbox, alternating rounds)
  BACKENDS_DIR/backends.json  wampbox_bench_backends (scripts/backends.sh): the batch/ family, xsalsa-mb vs
                              libsodium (without --backends, the mb goal is "not measured")

The goals (issue 14, "What to build"):
  receivers  receiver path / raw open >= 0.80 at 64 KiB and >= 0.65 at 256 B, JSON, MessagePack, CBOR
  shapes     every payload shape (small_rpc, text, numbers, binary, nested) >= 0.70 of raw crypto at 64 KiB,
             sender and receiver, every serializer
  senders    sender path / raw seal >= 0.93 at 64 KiB for MessagePack and CBOR, >= 0.85 for JSON
  mb         xsalsa-mb batch >= 2x libsodium 1.0.18's messages/s at 64 B and 256 B, seal and open (the smaller
             ratio of the batches of 8 and 64)
  autobahn   >= 50x Autobahn|Python's messages/s, JSON, 256 B, sender and receiver (the better of one message at
             a time and the batch API on xsalsa-mb; both are shown)

A path's ratio to raw crypto comes from its ratio/ benchmark (median of the batch-pair ratios, taken side by
side) when the run has one, else from the two separately timed rates (path/... over path/ceiling/...), and
the row says which. A goal whose benchmark is absent from the run is "not measured", never MET.

Exit status 0 (1 with --strict when a goal is MISSED or not measured; 2 when BENCH_DIR/wampbox.json is missing).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402

SERS = ("json", "msgpack", "cbor")
SHAPES = ("small_rpc", "text", "numbers", "binary", "nested")
TYPE = {"sender": "PUBLISH", "receiver": "EVENT"}
CEILING = {"sender": "seal", "receiver": "open"}
MB_SIZES = (64, 256)
MB_BATCHES = (8, 64)


def path_ratio(res, direction, ser, shape, size):
    """(ratio, how) of a path to its raw-crypto ceiling, or (None, why)."""
    tail = f"{direction}/{ser}/{TYPE[direction]}/{shape}/{size}"
    paired = "ratio/" + tail
    if res.has(paired):
        return res.median(paired, "ratio"), "side by side"
    a, b = res.rate("path/" + tail), res.rate(f"path/ceiling/{CEILING[direction]}/{shape}/{size}")
    if a is None or b is None:
        return None, "not in the run"
    return a / b, "separate runs"


def _status(ratio, goal):
    if ratio is None:
        return "not measured"
    return "MET" if ratio >= goal else "MISSED"


def _row(group, goal_text, goal, cells, detail=""):
    """cells: [(label, ratio, how)]; the status needs every cell measured and >= goal."""
    measured = [r for _, r, _ in cells if r is not None]
    if not measured:
        status = "not measured"
    elif min(measured) < goal:
        status = "MISSED"
    elif len(measured) < len(cells):
        status = "partly not measured"
    else:
        status = "MET"
    return dict(group=group, goal=goal_text, threshold=goal, status=status, detail=detail,
                cells=[dict(label=lab, ratio=r, how=how) for lab, r, how in cells])


def evaluate(res, ab_doc=None, mb_res=None):
    rows = []
    # Receivers.
    for size, goal in ((65536, 0.80), (256, 0.65)):
        cells = [(ser,) + path_ratio(res, "receiver", ser, "small_rpc", size) for ser in SERS]
        rows.append(_row("receivers", f"receiver / raw open, {benchlib.fmt_size(size)}, >= {goal:.2f}", goal, cells))
    # Shapes.
    for shape in SHAPES:
        for direction in ("sender", "receiver"):
            cells = [(ser,) + path_ratio(res, direction, ser, shape, 65536) for ser in SERS]
            rows.append(_row("shapes", f"{shape} {direction} / raw {CEILING[direction]}, 64 KiB, >= 0.70", 0.70,
                             cells))
    # Senders.
    for ser, goal in (("msgpack", 0.93), ("cbor", 0.93), ("json", 0.85)):
        cells = [(ser,) + path_ratio(res, "sender", ser, "small_rpc", 65536)]
        rows.append(_row("senders", f"{ser} sender / raw seal, 64 KiB, >= {goal:.2f}", goal, cells))
    # Multi-buffer backend vs libsodium.
    for op in ("seal", "open"):
        for size in MB_SIZES:
            cells, parts = [], []
            for b in MB_BATCHES:
                mb = mb_res.rate(f"batch/xsalsa-mb/{op}/{size}/{b}") if mb_res else None
                ls = mb_res.rate(f"batch/libsodium/{op}/{size}/{b}") if mb_res else None
                r = mb / ls if mb and ls else None
                cells.append((f"batch {b}", r, "separate runs, one binary"))
                if r is not None:
                    parts.append(f"batch of {b}: {benchlib.fmt_rate(mb)}/s vs {benchlib.fmt_rate(ls)}/s")
            rows.append(_row("mb", f"xsalsa-mb {op} / libsodium, {size} B, >= 2x", 2.0, cells, "; ".join(parts)))
    # Autobahn.
    ab_rows = {r["name"]: r for r in (ab_doc or {}).get("rows", [])}
    for direction in ("sender", "receiver"):
        one = ab_rows.get(f"path/{direction}/json/{TYPE[direction]}/small_rpc/256")
        batch = next((r for n, r in ab_rows.items()
                      if n.startswith(f"batch/{direction}/json/{TYPE[direction]}/small_rpc/256/")), None)
        cells, parts = [], []
        for label, r in (("one at a time", one), ("batch API", batch)):
            sp = r.get("speedup") if r else None
            cells.append((label, sp, "alternating rounds"))
            if sp:
                parts.append(f"{label}: wampbox {benchlib.fmt_rate(r['wampbox_msgs_per_s'])}/s vs Autobahn "
                             f"{benchlib.fmt_rate(r['autobahn_msgs_per_s'])}/s")
        best = max((c[1] for c in cells if c[1] is not None), default=None)
        row = _row("autobahn", f"{direction} vs Autobahn|Python, JSON, 256 B, >= 50x", 50.0, cells, "; ".join(parts))
        row["status"] = _status(best, 50.0)  # the better of the two ways wampbox offers
        rows.append(row)
    return rows


def _fmt(r, goal):
    if r is None:
        return "-"
    return f"{r:.2f}x" if goal >= 1.5 else f"{r:.1%}"


def md_cell(text):
    return str(text).replace("|", "\\|")


def markdown(rows):
    out = ["| goal (issue 14) | measured | status |", "|---|---|---|"]
    for r in rows:
        meas = ", ".join(f"{c['label']} {_fmt(c['ratio'], r['threshold'])}" for c in r["cells"])
        hows = sorted({c["how"] for c in r["cells"] if c["ratio"] is not None})
        if hows:
            meas += f" ({'; '.join(hows)})"
        out.append(f"| {md_cell(r['goal'])} | {md_cell(meas)} | **{r['status']}** |")
    details = [r for r in rows if r["detail"]]
    if details:
        out += ["", "| goal | rates |", "|---|---|"]
        out += [f"| {md_cell(r['goal'])} | {md_cell(r['detail'])} |" for r in details]
    return "\n".join(out) + "\n"


def plain(rows):
    """One line per goal, for the bench stage's console."""
    w = max(len(r["goal"]) for r in rows)
    lines = []
    for r in rows:
        meas = ", ".join(f"{c['label']} {_fmt(c['ratio'], r['threshold'])}" for c in r["cells"])
        lines.append(f"  {r['status']:<12} {r['goal']:<{w}}  {meas}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench_dir", help="scripts/bench.sh --out directory (wampbox.json, autobahn.json)")
    ap.add_argument("--backends", help="scripts/backends.sh --out directory (backends.json) of the same run")
    ap.add_argument("--md")
    ap.add_argument("--json")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed or not measured")
    a = ap.parse_args(argv)
    wb = os.path.join(a.bench_dir, "wampbox.json")
    if not os.path.exists(wb):
        print(f"goals: {wb} is missing (run scripts/bench.sh first)", file=sys.stderr)
        return 2
    res = benchlib.Results(benchlib.load(wb))
    ab_path = os.path.join(a.bench_dir, "autobahn.json")
    ab_doc = benchlib.load(ab_path) if os.path.exists(ab_path) else None
    mb_res = None
    if a.backends and os.path.exists(os.path.join(a.backends, "backends.json")):
        mb_res = benchlib.Results(benchlib.load(os.path.join(a.backends, "backends.json")))
    rows = evaluate(res, ab_doc, mb_res)
    met = sum(r["status"] == "MET" for r in rows)
    print(f"goals (issue 14): {met} of {len(rows)} met, from {wb}"
          + (f" and {a.backends}/backends.json" if mb_res else " (no backends run: the mb goals are not measured)"))
    print(plain(rows), end="")
    if a.md:
        with open(a.md, "w", encoding="utf-8") as f:
            f.write(markdown(rows))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(dict(goals=rows, sources=dict(bench=wb, autobahn=ab_path if ab_doc else None,
                                                    backends=a.backends if mb_res else None)), f, indent=1)
            f.write("\n")
    if a.strict and any(r["status"] != "MET" for r in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
