#!/usr/bin/python3
"""Plot and tables of one wampbox_bench_backends run (bench/bench_backends.cc).

    backends.py BENCH.json --corpus-dir DIR --out DIR [--command TEXT]
    backends.py --corpus-only --corpus-dir DIR --out DIR [--command TEXT]

Reads the benchmark JSON and the per-backend corpus reports that
tests/unit/backend_test.cc writes (WAMPBOX_BACKEND_REPORT_DIR: one
<backend>.json each), and writes to --out:

  backends.png   throughput against plaintext size, seal and open, one line per
                 crypto_box backend (solid) and per reference AEAD (dashed)
  backends.md    the corpus results and observed profiles, the table of
                 ratios to libsodium at 256 B, 4 KiB and 64 KiB (seal, open)
                 with beforenm, the reference AEADs on the same scale, and
                 the machine (nproc, CPU model, library versions)
  backends_summary.json  the same numbers, machine-readable

--corpus-only (no benchmark JSON) writes only the corpus part: corpus.md and
corpus_reports.json (the reports it was made from; docs/backends.md's corpus
tables are this Markdown, checked by tests/py/test_backends_doc.py).

Wrong results are listed as what they are: per backend, each kind of failure
(wrong output on valid input, invalid input accepted, ...) with its tcIds and
the corpus flags of those vectors.

Correct before fast: a backend appears in the plot and the tables only if
its corpus report says it passed. A backend whose report is missing or
failed is listed with the reason and left out, even if the benchmark JSON
has numbers for it. Medians over the run's repetitions.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402
from benchlib import fmt_bytes_rate, fmt_rate, fmt_size  # noqa: E402

SIZES = (0, 16, 64, 256, 1024, 4096, 16384, 65536, 1 << 20)
TABLE_SIZES = (256, 4096, 65536)
BACKEND_ORDER = ("libsodium", "nacl", "cryptopp", "cryptopp-tweetnacl", "botan")
REFS = (
    ("aes256gcm-libsodium", "AES-256-GCM, libsodium (AES-NI)"),
    ("aes256gcm-openssl", "AES-256-GCM, OpenSSL EVP"),
    ("chacha20poly1305-openssl", "ChaCha20-Poly1305 (IETF), OpenSSL EVP"),
    ("xchacha20poly1305-box", "XChaCha20-Poly1305 box, libsodium"),
)
BASELINE = "libsodium"


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    flags = set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "cpu_flags": " ".join(f for f in ("aes", "pclmulqdq", "avx2", "avx512f", "sse4_1") if f in flags),
        "kernel": platform.release(),
    }


def load_reports(corpus_dir):
    reports = {}
    for path in sorted(glob.glob(os.path.join(corpus_dir, "*.json"))):
        with open(path, encoding="utf-8") as f:
            r = json.load(f)
        reports[r["backend"]] = r
    return reports


def ordered(names):
    return sorted(names, key=lambda n: (BACKEND_ORDER.index(n) if n in BACKEND_ORDER else len(BACKEND_ORDER), n))


def bench_backends(res):
    return ordered({n.split("/")[1] for n in res.names() if n.startswith("box/")})


def point(res, name):
    """(msgs/s, bytes/s) medians, or None."""
    if not res.has(name):
        return None
    return res.rate(name), res.bps(name)


def curve(res, family, op):
    """[(size, msgs/s, bytes/s)] for family 'box/<b>' or 'ref/<cipher>'."""
    out = []
    for n in SIZES:
        p = point(res, f"{family}/{op}/{n}")
        if p:
            out.append((n, p[0], p[1]))
    return out


def plot(res, published, refs, out_png, title, excluded):
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.5), sharey=True)
    styles = ["o-", "s-", "^-", "D-", "v-", "P-"]
    for ax, op in zip(axes, ("seal", "open")):
        for i, b in enumerate(published):
            pts = [p for p in curve(res, f"box/{b}", op) if p[0] > 0]
            if pts:
                ax.plot([p[0] for p in pts], [p[2] / 1e6 for p in pts], styles[i % len(styles)], label=f"{b} (crypto_box)")
        for cipher, label in refs:
            pts = [p for p in curve(res, f"ref/{cipher}", op) if p[0] > 0]
            if pts:
                ax.plot([p[0] for p in pts], [p[2] / 1e6 for p in pts], "--", lw=1.2, alpha=0.8, label=f"{label} (reference)")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks([16, 64, 256, 1024, 4096, 16384, 65536, 1 << 20])
        ax.set_xticklabels(["16 B", "64 B", "256 B", "1 KiB", "4 KiB", "16 KiB", "64 KiB", "1 MiB"])
        ax.set_xlabel("plaintext size")
        ax.set_title(f"{op} (precomputed key)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("throughput (MB/s of plaintext, median)")
    axes[1].legend(fontsize=7.5, loc="lower right")
    fig.suptitle(title, fontsize=10)
    if excluded:
        fig.text(0.01, 0.01, "not shown (failed the crypto_box corpus): " + ", ".join(b for b, _ in excluded),
                 fontsize=8, color="darkred")
    fig.tight_layout(rect=(0, 0.03 if excluded else 0, 1, 1))
    fig.savefig(out_png, dpi=110)
    plt.close(fig)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def id_ranges(ids):
    """[1, 2, 3, 7] -> '1-3, 7'."""
    ids = sorted(ids)
    out, i = [], 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        out.append(str(ids[i]) if i == j else f"{ids[i]}-{ids[j]}")
        i = j + 1
    return ", ".join(out)


def corpus_markdown(reports):
    """The corpus tables (lines of Markdown) from backend_test's reports."""
    L = []
    any_report = next(iter(reports.values()), None)
    total = any_report["corpus"]["tests"] if any_report else 0
    version = any_report["corpus"].get("corpusVersion", "?") if any_report else "?"
    lo_total = (any_report["profile"]["low_order_accepted"] + any_report["profile"]["low_order_rejected"]
                if any_report else 0)
    L.append(f"### Corpus (fixtures/crypto_box_test.json {version}, {total} vectors) per backend\n")
    L.append(f"| backend | corpus | wrong results | low-order public keys ({lo_total} vectors) | "
             "non-canonical / bit-255 keys rejected | library |")
    L.append("|---|---|---|---|---|---|")
    for b in ordered(reports):
        r = reports[b]
        c, p = r["corpus"], r["profile"]
        verdict = f"pass {c['passed']}/{c['tests']}" if r["passed"] else f"**FAIL** {c['failed']}/{c['tests']}"
        kinds = {}
        for f in r.get("wrong_results", []) + r.get("other_failures", []):
            kinds.setdefault(f["kind"], []).append(f["tcId"])
        wrong = "; ".join(f"{k}: {len(v)}" for k, v in sorted(kinds.items())) or "none"
        lo = f"{p['observed_low_order']} ({p['low_order_rejected']} rejected, {p['low_order_accepted']} computed)"
        nc = ", ".join(f"tcId {i}" for i in p.get("noncanonical_rejected_tcIds", [])) or "none"
        L.append(f"| {b} | {verdict} | {wrong} | {lo} | {nc} | {r['description']} |")
    L.append("")
    rows = []
    for b in ordered(reports):
        r = reports[b]
        groups = {}
        for f in r.get("wrong_results", []) + r.get("other_failures", []):
            key = (f["kind"], f["operation"], f["flags"])
            groups.setdefault(key, []).append(f["tcId"])
        for (kind, op, flags), ids in sorted(groups.items(), key=lambda kv: min(kv[1])):
            rows.append(f"| {b} | {kind} | {op} | {len(ids)} | {id_ranges(ids)} | {flags.replace(',', ', ')} |")
    if rows:
        L.append("Wrong results, by backend, kind, operation and the vectors' flags (tcIds in "
                 "fixtures/crypto_box_test.json):\n")
        L.append("| backend | what went wrong | operation | vectors | tcIds | flags |")
        L.append("|---|---|---|---|---|---|")
        L.extend(rows)
        L.append("")
        for b in ordered(reports):
            if reports[b].get("known_deviation"):
                L.append(f"- **{b}** (known, `kKnownDeviations` in tests/unit/backend_test.cc): "
                         f"{reports[b]['known_deviation']}")
        L.append("")
    return L


def corpus_only(a):
    reports = load_reports(a.corpus_dir)
    if not reports:
        print(f"backends.py: no reports in {a.corpus_dir}", file=sys.stderr)
        return 1
    os.makedirs(a.out, exist_ok=True)
    L = corpus_markdown(reports)
    L.append(f"Reproduce: `{a.command}`.")
    with open(os.path.join(a.out, "corpus.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(L) + "\n")
    with open(os.path.join(a.out, "corpus_reports.json"), "w", encoding="utf-8") as f:
        json.dump({"command": a.command, "reports": {b: reports[b] for b in ordered(reports)}}, f, indent=1)
        f.write("\n")
    print("\n".join(L))
    return 0


def fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", nargs="?", help="wampbox_bench_backends --benchmark_out JSON")
    ap.add_argument("--corpus-only", action="store_true", help="only the corpus tables (corpus.md), no benchmark")
    ap.add_argument("--corpus-dir", required=True, help="directory of <backend>.json corpus reports")
    ap.add_argument("--out", required=True)
    ap.add_argument("--command", default="scripts/backends.sh", help="the command that produced this, for the report")
    a = ap.parse_args(argv)
    if a.corpus_only:
        return corpus_only(a)
    if not a.bench:
        ap.error("the benchmark JSON is required unless --corpus-only")

    os.makedirs(a.out, exist_ok=True)
    res = benchlib.Results.from_file(a.bench)
    reports = load_reports(a.corpus_dir)
    benched = bench_backends(res)
    errors = benchlib.errors(res.doc)

    published, excluded = [], []
    for b in ordered(set(benched) | set(reports)):
        r = reports.get(b)
        if r is None:
            excluded.append((b, "no corpus report (backend_test did not run it)"))
        elif not r.get("passed"):
            why = f"failed {r['corpus']['failed']} of {r['corpus']['tests']} corpus vectors"
            if r.get("known_deviation"):
                why += f": {r['known_deviation']}"
            excluded.append((b, why))
        elif b not in benched:
            excluded.append((b, "passed the corpus but has no benchmark numbers"))
        else:
            published.append(b)
    if BASELINE not in published:
        print(f"backends.py: the baseline {BASELINE} is not publishable; ratios are not meaningful", file=sys.stderr)
    refs = [(c, label) for c, label in REFS if any(n.startswith(f"ref/{c}/") for n in res.names())]

    m = machine()
    ctx = res.context
    versions = {
        "libsodium": ctx.get("libsodium", "?"),
        "openssl": ctx.get("openssl", "not built"),
        "aes256gcm_libsodium_available": ctx.get("aes256gcm_libsodium_available", "?"),
    }
    date = ctx.get("date", datetime.datetime.now().isoformat(timespec="seconds"))
    title = (f"crypto_box backends vs reference AEADs, {m['cpu']} ({m['nproc']} CPUs), "
             f"libsodium {versions['libsodium']}; medians, {date}")
    plot(res, published, refs, os.path.join(a.out, "backends.png"), title, excluded)

    # -- numbers ----------------------------------------------------------
    def row(family):
        d = {}
        for op in ("seal", "open"):
            for n in TABLE_SIZES:
                p = point(res, f"{family}/{op}/{n}")
                d[f"{op}/{n}"] = {"msgs_per_s": p[0], "bytes_per_s": p[1]} if p else None
        return d

    summary = {"machine": m, "versions": versions, "date": date, "command": a.command, "published": published,
               "excluded": [{"backend": b, "reason": w} for b, w in excluded], "backends": {}, "references": {},
               "benchmark_errors": [{"name": n, "message": msg} for n, msg in errors]}
    base = row(f"box/{BASELINE}") if BASELINE in published else {}
    base_bnm = point(res, f"box/{BASELINE}/beforenm")
    for b in published:
        d = row(f"box/{b}")
        bnm = point(res, f"box/{b}/beforenm")
        summary["backends"][b] = {
            "description": reports[b]["description"],
            "profile": reports[b]["profile"],
            "results": d,
            "beforenm_us": (1e6 / bnm[0]) if bnm else None,
            "ratio_to_libsodium": {k: ratio(v["bytes_per_s"] if v else None,
                                            base.get(k, {}) and base[k]["bytes_per_s"]) for k, v in d.items()},
            "beforenm_ratio": ratio(bnm[0] if bnm else None, base_bnm[0] if base_bnm else None),
        }
    for c, label in refs:
        d = row(f"ref/{c}")
        summary["references"][c] = {
            "label": label,
            "results": d,
            "ratio_to_libsodium": {k: ratio(v["bytes_per_s"] if v else None,
                                            base.get(k, {}) and base[k]["bytes_per_s"]) for k, v in d.items()},
        }
    with open(os.path.join(a.out, "backends_summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")

    # -- Markdown ---------------------------------------------------------
    L = []
    L.extend(corpus_markdown(reports))
    if excluded:
        L.append("Left out of the numbers below (correct before fast):\n")
        for b, why in excluded:
            L.append(f"- **{b}**: {why}")
        L.append("")
    L.append(f"### Throughput relative to {BASELINE} (plaintext bytes/s ratio, median; >1 is faster)\n")
    hdr = "| | " + " | ".join(f"seal {fmt_size(n)}" for n in TABLE_SIZES) + " | " + \
        " | ".join(f"open {fmt_size(n)}" for n in TABLE_SIZES) + " | beforenm |"
    L.append(hdr)
    L.append("|---" * (2 + 2 * len(TABLE_SIZES)) + "|")
    if BASELINE in published:
        cells = [fmt_bytes_rate(base[f"{op}/{n}"]["bytes_per_s"]) if base.get(f"{op}/{n}") else "-"
                 for op in ("seal", "open") for n in TABLE_SIZES]
        bnm_us = summary["backends"][BASELINE]["beforenm_us"]
        L.append(f"| {BASELINE} = 1.00x (absolute) | " + " | ".join(cells) + (f" | {bnm_us:.1f} us |" if bnm_us else " | - |"))
    for b in published:
        if b == BASELINE:
            continue  # its absolute numbers are the row above
        s = summary["backends"][b]
        cells = [fmt_ratio(s["ratio_to_libsodium"][f"{op}/{n}"]) for op in ("seal", "open") for n in TABLE_SIZES]
        bnm = s["beforenm_us"]
        bnm_cell = f"{fmt_ratio(s['beforenm_ratio'])} ({bnm:.1f} us)" if bnm else "-"
        L.append(f"| {b} | " + " | ".join(cells) + f" | {bnm_cell} |")
    for c, label in refs:
        s = summary["references"][c]
        cells = [fmt_ratio(s["ratio_to_libsodium"][f"{op}/{n}"]) for op in ("seal", "open") for n in TABLE_SIZES]
        extra = "-"
        if c == "xchacha20poly1305-box":
            p = point(res, "ref/xchacha20poly1305-box/beforenm")
            if p and base_bnm:
                extra = f"{fmt_ratio(p[0] / base_bnm[0])} ({1e6 / p[0]:.1f} us)"
        L.append(f"| *reference:* {label} | " + " | ".join(cells) + f" | {extra} |")
    L.append("")
    L.append("Messages/s behind the ratios:\n")
    L.append("| | " + " | ".join(f"seal {fmt_size(n)}" for n in TABLE_SIZES) + " | " +
             " | ".join(f"open {fmt_size(n)}" for n in TABLE_SIZES) + " |")
    L.append("|---" * (1 + 2 * len(TABLE_SIZES)) + "|")
    for fam, label in [(f"box/{b}", b) for b in published] + [(f"ref/{c}", lab) for c, lab in refs]:
        cells = []
        for op in ("seal", "open"):
            for n in TABLE_SIZES:
                p = point(res, f"{fam}/{op}/{n}")
                cells.append(fmt_rate(p[0]) if p else "-")
        L.append(f"| {label} | " + " | ".join(cells) + " |")
    L.append("")
    if errors:
        L.append("Benchmarks that reported an error (no time taken):\n")
        for n, msg in errors:
            L.append(f"- `{n}`: {msg}")
        L.append("")
    L.append(f"Machine: {m['nproc']} CPUs, {m['cpu']} ({m['cpu_flags']}), Linux {m['kernel']}; "
             f"libsodium {versions['libsodium']}, {versions['openssl']}, "
             f"libsodium AES-256-GCM available: {versions['aes256gcm_libsodium_available']}. Date {date}.")
    L.append(f"Reproduce: `{a.command}`.")
    with open(os.path.join(a.out, "backends.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(L) + "\n")
    print("\n".join(L))
    return 0


if __name__ == "__main__":
    sys.exit(main())
