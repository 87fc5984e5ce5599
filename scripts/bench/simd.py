#!/usr/bin/python3
"""The SIMD serialization speed-ups of one wampbox_bench run (issue 14 item 5).

    simd.py WAMPBOX.json [--md OUT.md] [--json OUT.json] [--png OUT.png]

For each vectorised piece (bench/bench_simd.cc's simd/ family, and the
heads/ family of bench_frame_heads.cc), the throughput of the vector kernel,
its scalar twin and the library baseline, all from the same run (medians over
its repetitions), and the speed-ups vector/scalar and vector/library:

  base64 encode / decode   the library's AVX2 kernel vs its table-driven twin vs libsodium's
                           sodium_bin2base64 / sodium_base642bin
  JSON escape scan         the library's vector scan (find_special) vs the same table byte by byte
                           (no library does this scan alone)
  UTF-8 validation         what is_valid_utf8 runs (simdjson's kernel for this CPU) vs simdjson's
                           scalar "fallback" kernel; simdjson's AVX2 "haswell" kernel beside them
  JSON parse               JsonParser (simdjson DOM, then wampbox's Value tree) vs the reader's strict
                           scalar fallback parser (the same Value tree) vs simdjson's DOM and on-demand
                           parsers alone (no Value tree)
  MessagePack/CBOR heads   the frame writer (MessagePack heads from msgpack-c's packer, CBOR heads
                           hand-written) vs the whole frame with msgpack-c's / libcbor's heads

Rates are input bytes per CPU second (frames per second for heads). Exit
status 0; 2 when the run has none of these benchmarks.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402
from benchlib import fmt_bytes_rate, fmt_size  # noqa: E402

SIZES = (256, 4096, 65536)

# (piece, input, sizes, vector (label, name pattern), scalar, [library...], extra [(label, pattern)])
# Patterns take {n}.
PIECES = [
    ("base64 encode", "bytes", SIZES, ("AVX2", "simd/base64_encode/avx2/{n}"),
     ("scalar", "simd/base64_encode/scalar/{n}"), [("libsodium", "simd/base64_encode/libsodium/{n}")], []),
    ("base64 decode", "bytes", SIZES, ("AVX2", "simd/base64_decode/avx2/{n}"),
     ("scalar", "simd/base64_decode/scalar/{n}"), [("libsodium", "simd/base64_decode/libsodium/{n}")], []),
    ("JSON escape scan", "ASCII", SIZES, ("vector", "simd/escape_scan/vector/ascii/{n}"),
     ("byte-wise", "simd/escape_scan/bytewise/ascii/{n}"), [], []),
    ("JSON escape scan", "text shape", SIZES, ("vector", "simd/escape_scan/vector/text/{n}"),
     ("byte-wise", "simd/escape_scan/bytewise/text/{n}"), [], []),
    ("UTF-8 validation", "ASCII", SIZES, ("simdjson (CPU's)", "simd/utf8/auto/ascii/{n}"),
     ("simdjson fallback", "simd/utf8/fallback/ascii/{n}"), [], [("simdjson haswell", "simd/utf8/haswell/ascii/{n}")]),
    ("UTF-8 validation", "text shape", SIZES, ("simdjson (CPU's)", "simd/utf8/auto/text/{n}"),
     ("simdjson fallback", "simd/utf8/fallback/text/{n}"), [], [("simdjson haswell", "simd/utf8/haswell/text/{n}")]),
]
for _shape in ("small_rpc", "text", "numbers", "binary"):
    PIECES.append(("JSON parse", f"{_shape} shape", (4096, 65536),
                   ("JsonParser", f"simd/json_parse/wampbox/{_shape}/{{n}}"),
                   ("strict fallback", f"simd/json_parse/strict/{_shape}/{{n}}"),
                   [("simdjson DOM", f"simd/json_parse/simdjson_dom/{_shape}/{{n}}"),
                    ("simdjson on-demand", f"simd/json_parse/simdjson_ondemand/{_shape}/{{n}}")], []))
for _ser, _lib in (("msgpack", "msgpack-c"), ("cbor", "libcbor")):
    PIECES.append((f"{'MessagePack' if _ser == 'msgpack' else 'CBOR'} frame heads", "sealed PUBLISH", (256, 65536),
                   ("frame writer", f"heads/frame/{_ser}/writer/{{n}}"), None,
                   [(_lib, f"heads/frame/{_ser}/lib/{{n}}")], []))


def _rate(res, pattern, n, frames=False):
    if pattern is None:
        return None
    name = pattern.format(n=n)
    return res.rate(name) if frames else res.bps(name)


def _kernel_label(res, pattern, n):
    """The simdjson kernel a utf8 row ran (the benchmark's label), if any."""
    runs = res.runs.get(pattern.format(n=n), [])
    return runs[0].get("label") if runs else None


def evaluate(res):
    rows = []
    for piece, inp, sizes, vec, scal, libs, extra in PIECES:
        frames = piece.endswith("heads")
        for n in sizes:
            v = _rate(res, vec[1], n, frames)
            if v is None:
                continue
            s = _rate(res, scal[1], n, frames) if scal else None
            lib = [(lab, _rate(res, pat, n, frames)) for lab, pat in libs]
            ext = [(lab, _rate(res, pat, n, frames)) for lab, pat in extra]
            vlabel = vec[0]
            k = _kernel_label(res, vec[1], n)
            if k:
                vlabel = f"{vec[0]}: {k}"
            rows.append(dict(piece=piece, input=inp, size=n, unit="frames/s" if frames else "bytes/s",
                             vector=dict(label=vlabel, rate=v),
                             scalar=dict(label=scal[0], rate=s) if scal else None,
                             library=[dict(label=lab, rate=r) for lab, r in lib],
                             extra=[dict(label=lab, rate=r) for lab, r in ext if r],
                             speedup_scalar=(v / s) if s else None,
                             speedup_library=[dict(label=lab, speedup=(v / r) if r else None) for lab, r in lib]))
    return rows


def _fmt_rate(r, unit):
    if r is None:
        return "-"
    return fmt_bytes_rate(r) if unit == "bytes/s" else f"{benchlib.fmt_rate(r)}/s"


def _x(v):
    return "-" if v is None else f"{v:.2f}x"


def markdown(rows):
    out = ["| piece | input | size | vector kernel | scalar twin | library baseline(s) | vector / scalar | "
           "vector / library |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        u = r["unit"]
        vec = f"{r['vector']['label']} {_fmt_rate(r['vector']['rate'], u)}"
        for e in r["extra"]:
            vec += f" ({e['label']} {_fmt_rate(e['rate'], u)})"
        sc = f"{r['scalar']['label']} {_fmt_rate(r['scalar']['rate'], u)}" if r["scalar"] else "-"
        lib = ", ".join(f"{x['label']} {_fmt_rate(x['rate'], u)}" for x in r["library"]) or "-"
        sl = ", ".join(f"{x['label']} {_x(x['speedup'])}" for x in r["speedup_library"]) or "-"
        out.append(f"| {r['piece']} | {r['input']} | {fmt_size(r['size'])} | {vec} | {sc} | {lib} | "
                   f"**{_x(r['speedup_scalar'])}** | {sl} |")
    return "\n".join(out) + "\n"


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(16, 6))
    # Left: speed-up of the vector kernel over its scalar twin, against size.
    groups = {}
    for r in rows:
        if r["speedup_scalar"]:
            groups.setdefault(f"{r['piece']} ({r['input']})", []).append((r["size"], r["speedup_scalar"]))
    for label, pts in groups.items():
        pts.sort()
        a1.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=label)
    a1.set_xscale("log", base=2)
    a1.set_yscale("log")
    a1.axhline(1, color="grey", lw=0.8)
    a1.set_xlabel("input bytes")
    a1.set_ylabel("vector / scalar (x)")
    a1.set_title("SIMD kernel vs its scalar twin, same run")
    a1.legend(fontsize=7)
    # Right: every variant's throughput at the largest size of each piece.
    largest = {}
    for r in rows:
        key = (r["piece"], r["input"])
        if key not in largest or r["size"] > largest[key]["size"]:
            largest[key] = r
    labels, series = [], {}
    for (piece, inp), r in largest.items():
        if r["unit"] != "bytes/s":
            continue
        labels.append(f"{piece}\n{inp}, {fmt_size(r['size'])}")
        vals = [("vector", r["vector"]["rate"]), ("scalar", r["scalar"]["rate"] if r["scalar"] else None),
                ("library", max((x["rate"] for x in r["library"] if x["rate"]), default=None))]
        for k, v in vals:
            series.setdefault(k, []).append((v or 0) / 1e9)
    width = 0.27
    for i, (k, vs) in enumerate(series.items()):
        a2.bar([x + (i - 1) * width for x in range(len(labels))], vs, width, label=k)
    a2.set_xticks(range(len(labels)))
    a2.set_xticklabels(labels, fontsize=7, rotation=30, ha="right")
    a2.set_yscale("log")
    a2.set_ylabel("GB/s (input bytes per CPU second)")
    a2.set_title("throughput at the largest size (library: the fastest baseline)")
    a2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("wampbox_json")
    ap.add_argument("--md")
    ap.add_argument("--json")
    ap.add_argument("--png")
    a = ap.parse_args(argv)
    doc = benchlib.load(a.wampbox_json)
    rows = evaluate(benchlib.Results(doc))
    if not rows:
        print(f"simd: no simd/ or heads/ benchmarks in {a.wampbox_json}", file=sys.stderr)
        return 2
    md = markdown(rows)
    print(md, end="")
    if a.md:
        with open(a.md, "w", encoding="utf-8") as f:
            f.write(md)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(dict(rows=rows), f, indent=1)
            f.write("\n")
    if a.png:
        plot(rows, a.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
