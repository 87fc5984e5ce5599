#!/usr/bin/python3
"""Plots (PNG, matplotlib Agg) and a Markdown summary of one wampbox_bench run.

    plot.py WAMPBOX.json [--autobahn AUTOBAHN.json] [--instructions INSTR.json] --out DIR

Writes DIR/crypto.png, DIR/sender.png, DIR/receiver.png, DIR/serialization.png,
DIR/shapes.png (throughput and message rate against message size, per
operation and serializer) and DIR/summary.md (the target table of
targets.py, the Autobahn comparison, and tables of every family; medians over
the run's repetitions).
"""

import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402
import targets as targets_mod  # noqa: E402
from benchlib import fmt_bytes_rate, fmt_rate, fmt_size  # noqa: E402

SERS = ("json", "msgpack", "cbor")
CRYPTO_SIZES = (0, 16, 64, 256, 1024, 4096, 16384, 65536, 1 << 20)
SWEEP = (16, 64, 256, 1024, 4096, 16384, 65536, 1 << 20)
SHAPES = ("small_rpc", "text", "numbers", "binary")
SHAPE_SIZES = (256, 4096, 65536)


def series(res, names):
    """[(bytes per message, msgs/s, bytes/s)] for the names present."""
    out = []
    for n in names:
        if res.has(n):
            out.append((res.median(n, "bytes"), res.rate(n), res.bps(n)))
    return [p for p in out if p[0]]


def _plot_pair(path, title, lines, xlabel, ceiling=None):
    """lines: [(label, [(x, rate, bps)], style)]. Panels: bytes/s, msgs/s and,
    with `ceiling` (the points of the raw-crypto line), each line's message
    rate as a fraction of the ceiling's at the same x."""
    fig, axes = plt.subplots(1, 3 if ceiling else 2, figsize=(19 if ceiling else 13, 5))
    a1, a2 = axes[0], axes[1]
    top = 1.2
    for label, pts, style in lines:
        if not pts:
            continue
        xs = [p[0] for p in pts]
        a1.plot(xs, [p[2] / 1e6 for p in pts], style, label=label)
        a2.plot(xs, [p[1] for p in pts], style, label=label)
        if ceiling and pts is not ceiling:
            cmap = {p[0]: p[1] for p in ceiling}
            fr = [(x, r / cmap[x]) for x, r, _ in pts if cmap.get(x)]
            axes[2].plot([f[0] for f in fr], [f[1] for f in fr], style, label=label)
            top = max([top] + [f[1] * 1.05 for f in fr])
    if ceiling:
        axes[2].axhline(1.0, color="k", lw=1)
        axes[2].set_xscale("log", base=2)
        axes[2].set_ylim(0, top)
        axes[2].set_xlabel(xlabel)
        axes[2].set_ylabel("fraction of raw crypto's message rate")
        axes[2].grid(True, which="both", alpha=0.3)
    for ax, yl in ((a1, "throughput (MB/s of plaintext)"), (a2, "messages/s")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(yl)
        ax.grid(True, which="both", alpha=0.3)
    a1.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plots(res, out):
    files = []
    # Crypto.
    lines = []
    for op in ("seal", "open"):
        for impl, style in (("afternm", "-o"), ("easy", "--s"), ("wampbox", ":^")):
            lines.append((f"{op} {impl}", series(res, [f"crypto/{op}/{impl}/{n}" for n in CRYPTO_SIZES]), style))
    p = os.path.join(out, "crypto.png")
    _plot_pair(p, "libsodium crypto_box: precomputed (afternm) vs X25519 per message (easy) vs wampbox API",
               lines, "plaintext bytes")
    files.append(p)
    # Full paths.
    for direction, mtype, ceil in (("sender", "PUBLISH", "seal"), ("receiver", "EVENT", "open")):
        ceiling = series(res, [f"path/ceiling/{ceil}/small_rpc/{n}" for n in SWEEP])
        lines = [(f"raw afternm {ceil} (ceiling)", ceiling, "k-o")]
        for ser, style in zip(SERS, ("-s", "-^", "-d")):
            lines.append((f"{direction} {ser}",
                          series(res, [f"path/{direction}/{ser}/{mtype}/small_rpc/{n}" for n in SWEEP]), style))
        p = os.path.join(out, f"{direction}.png")
        _plot_pair(p, f"{direction} path ({mtype}, small_rpc payloads) per serializer vs raw crypto", lines,
                   "plaintext bytes (inner JSON)", ceiling=ceiling)
        files.append(p)
    # Serialization.
    lines = []
    for ser, style in zip(SERS, ("-s", "-^", "-d")):
        for op, st in (("encode", style), ("decode", style.replace("-", "--"))):
            lines.append((f"frame {op} {ser} (encrypted)",
                          series(res, [f"ser/frame_{op}/{ser}/encrypted/small_rpc/{n}" for n in SWEEP]), st))
    lines.append(("inner JSON write", series(res, [f"ser/plaintext_write/small_rpc/{n}" for n in SWEEP]), "-o"))
    lines.append(("inner JSON parse", series(res, [f"ser/plaintext_parse/small_rpc/{n}" for n in SWEEP]), "--o"))
    sizes = (16, 256, 4096, 65536, 1 << 20)
    lines.append(("base64 encode", series(res, [f"ser/base64_encode/{n}" for n in sizes]), "-x"))
    lines.append(("base64 decode", series(res, [f"ser/base64_decode/{n}" for n in sizes]), "--x"))
    p = os.path.join(out, "serialization.png")
    _plot_pair(p, "serialization alone (bytes = frame / text / raw bytes)", lines, "bytes per operation")
    files.append(p)
    # Shapes: bars of throughput per shape at 4 KiB and 64 KiB.
    fig, axes = plt.subplots(1, 2, figsize=(13, 5), sharey=True)
    for ax, size in zip(axes, (4096, 65536)):
        labels, width = list(SHAPES), 0.12
        keys = [(d, s) for d in ("sender", "receiver") for s in SERS]
        for i, (d, s) in enumerate(keys):
            mt = "PUBLISH" if d == "sender" else "EVENT"
            vals = [(res.bps(f"path/{d}/{s}/{mt}/{sh}/{size}") or 0) / 1e6 for sh in SHAPES]
            ax.bar([x + (i - len(keys) / 2) * width for x in range(len(SHAPES))], vals, width, label=f"{d} {s}")
        ceil = [(res.bps(f"path/ceiling/seal/{sh}/{size}") or 0) / 1e6 for sh in SHAPES]
        ax.plot(range(len(SHAPES)), ceil, "k_", markersize=40, label="raw afternm seal")
        ax.set_xticks(range(len(SHAPES)), labels)
        ax.set_title(f"{fmt_size(size)} payloads")
        ax.set_ylabel("MB/s of plaintext")
        ax.grid(True, axis="y", alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle("full paths by payload shape")
    fig.tight_layout()
    p = os.path.join(out, "shapes.png")
    fig.savefig(p, dpi=110)
    plt.close(fig)
    files.append(p)
    return files


def _pct(a, b):
    return f"{a / b:.0%}" if a and b else "-"


def summary(res, ab_doc, instr_doc):
    ctx = res.context
    md = ["# wampbox benchmark summary", ""]
    md.append(f"Run {ctx.get('date', '?')} on {ctx.get('host_name', '?')}: {ctx.get('num_cpus', '?')} CPUs at "
              f"{ctx.get('mhz_per_cpu', '?')} MHz, load average {ctx.get('load_avg', '?')}; libsodium "
              f"{ctx.get('libsodium', '?')}; build {ctx.get('wampbox_build', '?')}. Medians over "
              f"{max((res.repetitions(n) for n in res.names()), default=0)} repetitions; messages/s and "
              "bytes/s per CPU second (wall time for the threaded runs).")
    md.append("")
    errs = benchlib.errors(res.doc)
    if errs:
        md += ["**Benchmarks that reported an error:**", ""] + [f"- `{n}`: {m}" for n, m in errs] + [""]
    tg, cx = targets_mod.evaluate(res, ab_doc)
    md += ["## Targets (ratios from this run)", "", targets_mod.markdown(tg, cx)]
    if ab_doc:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import autobahn_bench
        md += ["## Autobahn|Python side by side", "", autobahn_bench.markdown(ab_doc)]
    # Side-by-side ratios.
    md += ["## Paths vs raw crypto, side by side (ratio/: alternating batches, median of batch ratios)", "",
           "| path | size | " + " | ".join(SERS) + " |", "|---|---|---|---|---|"]
    for d, mt in (("sender", "PUBLISH"), ("receiver", "EVENT")):
        for n in (256, 65536):
            cells = []
            for s in SERS:
                r = res.median(f"ratio/{d}/{s}/{mt}/small_rpc/{n}", "ratio")
                cells.append(f"{r:.1%}" if r is not None else "-")
            md.append(f"| {d} vs raw {'seal' if d == 'sender' else 'open'} | {fmt_size(n)} | " + " | ".join(cells) + " |")
    md.append("")
    # Crypto.
    md += ["## Crypto (crypto/)", "",
           "| size | seal afternm | seal easy (X25519 each) | seal wampbox | open afternm | open easy | open wampbox |",
           "|---|---|---|---|---|---|---|"]
    for n in CRYPTO_SIZES:
        cells = []
        for op in ("seal", "open"):
            for impl in ("afternm", "easy", "wampbox"):
                name = f"crypto/{op}/{impl}/{n}"
                r, b = res.rate(name), res.bps(name)
                cells.append(f"{fmt_rate(r)}/s" + (f", {fmt_bytes_rate(b)}" if n >= 1024 else ""))
        md.append(f"| {fmt_size(n)} | " + " | ".join(cells) + " |")
    for name in ("crypto/nonce", "crypto/beforenm", "crypto/beforenm/wampbox", "crypto/keygen", "crypto/keygen/wampbox"):
        r = res.rate(name)
        if r:
            md.append(f"\n`{name}`: {fmt_rate(r)}/s ({1e6 / r:.2f} us each)")
    md.append("")
    # Paths.
    for direction, mtype, ceil in (("sender", "PUBLISH", "seal"), ("receiver", "EVENT", "open")):
        md += [f"## {direction.capitalize()} path ({mtype}, small_rpc): messages/s and % of raw {ceil}", "",
               f"| size | plaintext | raw {ceil} | " + " | ".join(SERS) + " |", "|---|---|---|---|---|---|"]
        for n in SWEEP:
            c = f"path/ceiling/{ceil}/small_rpc/{n}"
            cr = res.rate(c)
            cells = []
            for s in SERS:
                r = res.rate(f"path/{direction}/{s}/{mtype}/small_rpc/{n}")
                cells.append(f"{fmt_rate(r)}/s ({_pct(r, cr)})")
            pt = res.median(c, "bytes")
            md.append(f"| {fmt_size(n)} | {int(pt) if pt else '-'} B | {fmt_rate(cr)}/s, {fmt_bytes_rate(res.bps(c))} | "
                      + " | ".join(cells) + " |")
        md.append("")
    md += ["## Every message type, small_rpc 256 B: messages/s", "", "| path | type | " + " | ".join(SERS) + " |",
           "|---|---|---|---|---|"]
    for direction, types in (("sender", ("PUBLISH", "CALL", "YIELD", "ERROR")),
                             ("receiver", ("EVENT", "INVOCATION", "RESULT", "ERROR"))):
        for t in types:
            cells = [f"{fmt_rate(res.rate(f'path/{direction}/{s}/{t}/small_rpc/256'))}/s" for s in SERS]
            md.append(f"| {direction} | {t} | " + " | ".join(cells) + " |")
    md.append("")
    md += ["## By payload shape: plaintext MB/s (% of raw seal / open of the same bytes)", "",
           "| shape | size | " + " | ".join(f"{d} {s}" for d in ("sender", "receiver") for s in SERS) + " |",
           "|---|---|" + "---|" * 6]
    for sh in SHAPES:
        for n in SHAPE_SIZES:
            cells = []
            for d, mt, ceil in (("sender", "PUBLISH", "seal"), ("receiver", "EVENT", "open")):
                for s in SERS:
                    b = res.bps(f"path/{d}/{s}/{mt}/{sh}/{n}")
                    cells.append(f"{b / 1e6:.0f} ({_pct(b, res.bps(f'path/ceiling/{ceil}/{sh}/{n}'))})" if b else "-")
            md.append(f"| {sh} | {fmt_size(n)} | " + " | ".join(cells) + " |")
    md.append("")
    md += ["## Serialization alone: MB/s of text or frame", "",
           "| operation | " + " | ".join(fmt_size(n) for n in SHAPE_SIZES) + " |", "|---|---|---|---|"]
    ops = [(f"inner JSON write, {sh}", f"ser/plaintext_write/{sh}/{{n}}") for sh in SHAPES]
    ops += [(f"inner JSON parse, {sh}", f"ser/plaintext_parse/{sh}/{{n}}") for sh in SHAPES]
    for s in SERS:
        ops += [(f"{s} frame encode, encrypted", f"ser/frame_encode/{s}/encrypted/small_rpc/{{n}}"),
                (f"{s} frame decode, encrypted", f"ser/frame_decode/{s}/encrypted/small_rpc/{{n}}")]
        for sh in SHAPES:
            ops += [(f"{s} frame encode, plain {sh}", f"ser/frame_encode/{s}/plain/{sh}/{{n}}"),
                    (f"{s} frame decode, plain {sh}", f"ser/frame_decode/{s}/plain/{sh}/{{n}}")]
    for label, pat in ops:
        cells = []
        for n in SHAPE_SIZES:
            b = res.bps(pat.format(n=n))
            cells.append(f"{b / 1e6:.0f}" if b else "-")
        md.append(f"| {label} | " + " | ".join(cells) + " |")
    for op in ("encode", "decode"):
        cells = [f"{fmt_size(n)}: {fmt_bytes_rate(res.bps(f'ser/base64_{op}/{n}'))}" for n in (256, 4096, 65536, 1 << 20)]
        md.append(f"\nbase64 {op} (raw bytes): " + ", ".join(cells))
    md.append("")
    md += ["## Threads (wall time; independent messages, shared keyring)", "",
           "| kernel | 1 thread | 2 threads | scaling |", "|---|---|---|---|"]
    for n in (256, 65536):
        for k in ("ceiling/seal", "sender/msgpack/PUBLISH", "sender/json/PUBLISH", "receiver/msgpack/EVENT"):
            a = res.rate(f"mt/{k}/small_rpc/{n}/real_time/threads:1")
            b = res.rate(f"mt/{k}/small_rpc/{n}/real_time/threads:2")
            sc = f"{b / a:.2f}x" if a and b else "-"
            md.append(f"| {k} {fmt_size(n)} | {fmt_rate(a)}/s | {fmt_rate(b)}/s | {sc} |")
    md.append("")
    md += ["## Heap allocations per message (measured before timing)", "",
           "| path | " + " | ".join(SERS) + " |", "|---|---|---|---|"]
    for d, mt in (("sender", "PUBLISH"), ("receiver", "EVENT")):
        for n in (256, 65536):
            cells = []
            for s in SERS:
                v = res.median(f"path/{d}/{s}/{mt}/small_rpc/{n}", "allocs_per_msg")
                cells.append(f"{v:g}" if v is not None else "-")
            md.append(f"| {d} small_rpc {fmt_size(n)} | " + " | ".join(cells) + " |")
    md.append("")
    if instr_doc:
        md += [f"## Instructions per message (callgrind, {instr_doc.get('config', '?')})", "",
               "| path | instructions |", "|---|---|"]
        for p, v in instr_doc.get("instructions_per_message", {}).items():
            md.append(f"| `{p}` | {v:,.0f} |")
        md.append("")
    md += ["Plots: crypto.png, sender.png, receiver.png, serialization.png, shapes.png.", ""]
    return "\n".join(md)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("wampbox_json")
    ap.add_argument("--autobahn")
    ap.add_argument("--instructions", help="instr_gate.py --json output")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    res = benchlib.Results.from_file(a.wampbox_json)
    ab = benchlib.load(a.autobahn) if a.autobahn else None
    instr = benchlib.load(a.instructions) if a.instructions and os.path.exists(a.instructions) else None
    files = plots(res, a.out)
    with open(os.path.join(a.out, "summary.md"), "w", encoding="utf-8") as f:
        f.write(summary(res, ab, instr))
    for p in files + [os.path.join(a.out, "summary.md")]:
        print(f"plot: wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
