#!/usr/bin/python3
"""The issue's performance targets, as ratios measured in one run.

Reads one wampbox_bench JSON (medians over its repetitions) and, for the
Autobahn targets, the autobahn_bench.py JSON of the same session (whose
wampbox figures were measured alternately with Autobahn's). Prints each
target, the measured ratio and PASS/MISS.

    targets.py WAMPBOX.json [--autobahn AUTOBAHN.json] [--md OUT.md] [--json OUT.json] [--strict]

Exit status 0 (1 with --strict when a target is missed; 2 when a needed
benchmark is missing or failed).

Ratios:
  * sender vs raw crypto: path/sender/<ser>/PUBLISH/small_rpc/<size> against
    path/ceiling/seal/small_rpc/<size>, which seals exactly the same number
    of plaintext bytes with a fresh nonce and crypto_box_easy_afternm and
    nothing else (throughput ratio = message-rate ratio, same bytes). Taken
    from the side-by-side benchmark ratio/sender/... (alternating batches of
    path and ceiling, median of the batch ratios) when the run has it, else
    the quotient of the two separately measured rates;
  * vs Autobahn: wampbox messages/s / Autobahn messages/s, same payload,
    same serializer, alternating rounds;
  * threads: items/s with 2 threads / items/s with 1 thread (wall time).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402


def _ratio(a, b):
    return a / b if a is not None and b else None


# (id, description, goal, kind, numerator, denominator). kind "wb" takes
# items_per_second of both names from the wampbox run; "ab" takes the
# speed-up of an autobahn_bench row.
TARGETS = [
    ("msgpack_64k", "sender path, MessagePack framing, 64 KiB: throughput vs raw afternm", 0.90, "wb",
     "path/sender/msgpack/PUBLISH/small_rpc/65536", "path/ceiling/seal/small_rpc/65536"),
    ("msgpack_256", "sender path, MessagePack framing, 256 B: message rate vs raw afternm", 0.60, "wb",
     "path/sender/msgpack/PUBLISH/small_rpc/256", "path/ceiling/seal/small_rpc/256"),
    ("json_64k", "sender path, JSON framing (base64), 64 KiB: throughput vs raw afternm", 0.75, "wb",
     "path/sender/json/PUBLISH/small_rpc/65536", "path/ceiling/seal/small_rpc/65536"),
    ("autobahn_sender_256", "sender path vs Autobahn|Python, JSON, 256 B: messages/s", 50.0, "ab",
     "path/sender/json/PUBLISH/small_rpc/256", None),
    ("autobahn_receiver_256", "receiver path vs Autobahn|Python, JSON, 256 B: messages/s", 50.0, "ab",
     "path/receiver/json/EVENT/small_rpc/256", None),
    ("threads_256", "2 threads vs 1 thread sealing independent messages (msgpack sender, 256 B)", 1.80, "wb",
     "mt/sender/msgpack/PUBLISH/small_rpc/256/real_time/threads:2",
     "mt/sender/msgpack/PUBLISH/small_rpc/256/real_time/threads:1"),
]

# Context rows: not targets, but what explains them.
CONTEXT = [
    ("sender msgpack 64 KiB, text shape, vs raw", "wb", "path/sender/msgpack/PUBLISH/text/65536",
     "path/ceiling/seal/text/65536"),
    ("sender msgpack 64 KiB, numbers shape, vs raw", "wb", "path/sender/msgpack/PUBLISH/numbers/65536",
     "path/ceiling/seal/numbers/65536"),
    ("sender msgpack 64 KiB, binary shape, vs raw", "wb", "path/sender/msgpack/PUBLISH/binary/65536",
     "path/ceiling/seal/binary/65536"),
    ("sender json 64 KiB, text shape, vs raw", "wb", "path/sender/json/PUBLISH/text/65536",
     "path/ceiling/seal/text/65536"),
    ("sender cbor 64 KiB vs raw", "wb", "path/sender/cbor/PUBLISH/small_rpc/65536", "path/ceiling/seal/small_rpc/65536"),
    ("sender cbor 256 B vs raw", "wb", "path/sender/cbor/PUBLISH/small_rpc/256", "path/ceiling/seal/small_rpc/256"),
    ("sender json 256 B vs raw", "wb", "path/sender/json/PUBLISH/small_rpc/256", "path/ceiling/seal/small_rpc/256"),
    ("receiver msgpack 64 KiB vs raw open", "wb", "path/receiver/msgpack/EVENT/small_rpc/65536",
     "path/ceiling/open/small_rpc/65536"),
    ("receiver msgpack 256 B vs raw open", "wb", "path/receiver/msgpack/EVENT/small_rpc/256",
     "path/ceiling/open/small_rpc/256"),
    ("receiver json 64 KiB vs raw open", "wb", "path/receiver/json/EVENT/small_rpc/65536",
     "path/ceiling/open/small_rpc/65536"),
    ("raw afternm seal (286 B plaintext) vs nonce alone: nonce share of the ceiling", "wb",
     "path/ceiling/seal/small_rpc/256", "crypto/nonce"),
    ("sender vs Autobahn, msgpack, 256 B", "ab", "path/sender/msgpack/PUBLISH/small_rpc/256", None),
    ("receiver vs Autobahn, msgpack, 256 B", "ab", "path/receiver/msgpack/EVENT/small_rpc/256", None),
    ("sender vs Autobahn, cbor, 256 B", "ab", "path/sender/cbor/PUBLISH/small_rpc/256", None),
    ("receiver vs Autobahn, cbor, 256 B", "ab", "path/receiver/cbor/EVENT/small_rpc/256", None),
    ("upper bound vs Autobahn: raw afternm ceiling / Autobahn sender, JSON, 256 B", "abceil",
     "path/sender/json/PUBLISH/small_rpc/256", "path/ceiling/seal/small_rpc/256"),
    ("upper bound vs Autobahn: raw open ceiling / Autobahn receiver, JSON, 256 B", "abceil",
     "path/receiver/json/EVENT/small_rpc/256", "path/ceiling/open/small_rpc/256"),
    ("2 threads vs 1, msgpack sender, 64 KiB", "wb", "mt/sender/msgpack/PUBLISH/small_rpc/65536/real_time/threads:2",
     "mt/sender/msgpack/PUBLISH/small_rpc/65536/real_time/threads:1"),
    ("2 threads vs 1, msgpack sender, 256 B, CPU-normalised: 2 x CPU time per message with 1 thread / with 2 "
     "(what two free cores would give; < 2x means contention inside the process)", "cpuscale",
     "mt/sender/msgpack/PUBLISH/small_rpc/256/real_time/threads:2",
     "mt/sender/msgpack/PUBLISH/small_rpc/256/real_time/threads:1"),
    ("2 threads vs 1, msgpack sender, 64 KiB, CPU-normalised", "cpuscale",
     "mt/sender/msgpack/PUBLISH/small_rpc/65536/real_time/threads:2",
     "mt/sender/msgpack/PUBLISH/small_rpc/65536/real_time/threads:1"),
    ("2 threads vs 1, raw afternm seal, 256 B (the machine's own scaling)", "wb",
     "mt/ceiling/seal/small_rpc/256/real_time/threads:2", "mt/ceiling/seal/small_rpc/256/real_time/threads:1"),
    ("2 threads vs 1, raw afternm seal, 64 KiB", "wb", "mt/ceiling/seal/small_rpc/65536/real_time/threads:2",
     "mt/ceiling/seal/small_rpc/65536/real_time/threads:1"),
]


def _ab_row(ab_doc, name):
    for r in (ab_doc or {}).get("rows", []):
        if r["name"] == name:
            return r
    return None


def measure(kind, num, den, res, ab_doc):
    """(ratio, detail) or (None, reason)."""
    if kind == "wb" and num.startswith("path/") and res.has("ratio/" + num[len("path/"):]):
        paired = "ratio/" + num[len("path/"):]
        r = res.median(paired, "ratio")
        a, b = res.rate(num), res.rate(den)
        sep = f"; separate runs {a / b:.1%}" if a and b else ""
        return r, (f"side by side ({paired}): {benchlib.fmt_rate(res.median(paired, 'path_msgs_per_s'))}/s vs "
                   f"{benchlib.fmt_rate(res.median(paired, 'ceiling_msgs_per_s'))}/s{sep}")
    if kind == "wb":
        a, b = res.rate(num), res.rate(den)
        if a is None or b is None:
            missing = [n for n, v in ((num, a), (den, b)) if v is None]
            return None, f"missing in the run: {', '.join(missing)}"
        return a / b, f"{benchlib.fmt_rate(a)}/s vs {benchlib.fmt_rate(b)}/s"
    if kind == "cpuscale":
        t2, t1 = res.median(num, "cpu_time"), res.median(den, "cpu_time")
        if not t1 or not t2:
            return None, f"missing in the run: {num if not t2 else den}"
        return 2 * t1 / t2, f"CPU per message {t1:.4g} vs {t2:.4g} {res.runs[den][0].get('time_unit', '')}"
    row = _ab_row(ab_doc, num)
    if row is None:
        return None, "no Autobahn run (autobahn_bench.py) for " + num
    if kind == "ab":
        if not row.get("speedup"):
            return None, "autobahn_bench.py ran without --wampbox-bin"
        return row["speedup"], (f"wampbox {benchlib.fmt_rate(row['wampbox_msgs_per_s'])}/s vs Autobahn "
                                f"{benchlib.fmt_rate(row['autobahn_msgs_per_s'])}/s")
    # abceil: the raw-crypto ceiling of the wampbox run over Autobahn's rate.
    c = res.rate(den)
    if c is None:
        return None, f"missing in the run: {den}"
    return c / row["autobahn_msgs_per_s"], (f"ceiling {benchlib.fmt_rate(c)}/s vs Autobahn "
                                            f"{benchlib.fmt_rate(row['autobahn_msgs_per_s'])}/s")


def evaluate(res, ab_doc=None):
    targets, context = [], []
    for tid, desc, goal, kind, num, den in TARGETS:
        ratio, detail = measure(kind, num, den, res, ab_doc)
        status = "n/a" if ratio is None else ("PASS" if ratio >= goal else "MISS")
        targets.append(dict(id=tid, target=desc, goal=goal, ratio=ratio, status=status, detail=detail))
    for desc, kind, num, den in CONTEXT:
        ratio, detail = measure(kind, num, den, res, ab_doc)
        context.append(dict(what=desc, ratio=ratio, detail=detail))
    return targets, context


def _fmt_ratio(r, goal=None, times=False):
    if r is None:
        return "-"
    if times or (goal is not None and goal >= 1.5) or r >= 1.5:
        return f"{r:.2f}x"
    return f"{r:.1%}"


def md_cell(text):
    """Table cell text: a "|" (as in Autobahn|Python) would end the cell."""
    return str(text).replace("|", "\\|")


def markdown(targets, context):
    out = ["| target | goal | measured | status | detail |", "|---|---|---|---|---|"]
    for t in targets:
        out.append(f"| {md_cell(t['target'])} | >= {_fmt_ratio(t['goal'], t['goal'])} | "
                   f"{_fmt_ratio(t['ratio'], t['goal'])} | **{t['status']}** | {md_cell(t['detail'])} |")
    out += ["", "| context (not a target) | ratio | detail |", "|---|---|---|"]
    for c in context:
        times = "thread" in c["what"] or "Autobahn" in c["what"]
        out.append(f"| {md_cell(c['what'])} | {_fmt_ratio(c['ratio'], times=times)} | {md_cell(c['detail'])} |")
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("wampbox_json")
    ap.add_argument("--autobahn", help="autobahn_bench.py --json output of the same session")
    ap.add_argument("--md")
    ap.add_argument("--json")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    a = ap.parse_args(argv)
    doc = benchlib.load(a.wampbox_json)
    res = benchlib.Results(doc)
    ab_doc = benchlib.load(a.autobahn) if a.autobahn else None
    targets, context = evaluate(res, ab_doc)
    md = markdown(targets, context)
    print(md, end="")
    for name, msg in benchlib.errors(doc):
        print(f"targets: benchmark {name} failed: {msg}")
    if a.md:
        with open(a.md, "w", encoding="utf-8") as f:
            f.write(md)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(dict(targets=targets, context=context), f, indent=1)
            f.write("\n")
    if any(t["status"] == "n/a" for t in targets if t["id"] not in ("autobahn_sender_256", "autobahn_receiver_256")
           or ab_doc is not None):
        return 2
    if a.strict and any(t["status"] == "MISS" for t in targets):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
