#!/usr/bin/python3
"""Autobahn|Python side by side with wampbox, on the same payloads.

Autobahn (Debian's python3-autobahn) does per message what a session does:

  sender    KeyRing.encode(True, uri, args, kwargs), a new Publish message
            carrying the payload and enc_* attributes, serializer.serialize()
  receiver  serializer.unserialize(frame) of an encrypted EVENT, then
            KeyRing.decode(False, uri, EncodedPayload(...))

wampbox does the same in path/sender/<ser>/PUBLISH/<shape>/<size> and
path/receiver/<ser>/EVENT/<shape>/<size> (bench/bench_paths.cc). The inputs
are payloads.shaped(shape, size, seed 1), as for the C++ benchmarks.

With the batch API (issue 14), the same Autobahn workloads are also set
against wampbox's batch/sender/<ser>/PUBLISH/<case>/xsalsa-mb/64 and
batch/receiver/<ser>/EVENT/<case>/xsalsa-mb/64 (bench/bench_batch.cc:
PayloadCodec::seal_batch/open_batch of 64 messages on the multi-buffer
backend, framing included) when the binary has them: extra rows named after
the batch benchmark, with the Autobahn samples of their workload.

With --wampbox-bin the script runs those wampbox benchmarks itself,
alternating with the Autobahn rounds (wampbox, Autobahn, wampbox, ...), so
that both see the same machine load; the speed-up is the ratio of the medians
from this one session. Both sides count CPU time (Google Benchmark's default;
time.process_time here), which a shared machine distorts least.

    autobahn_bench.py [--wampbox-bin BUILD/bench/wampbox_bench] [--rounds 5] [--min-time 0.3]
                      [--cases small_rpc/256,...] [--serializers json,msgpack,cbor]
                      [--json OUT.json] [--md OUT.md]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

from wampbox_py import autobahn_ref as ref  # noqa: E402  (sets up txaio)
from wampbox_py.payloads import shaped  # noqa: E402
import autobahn  # noqa: E402
from autobahn.wamp import message as ab_message  # noqa: E402
from autobahn.wamp.types import EncodedPayload  # noqa: E402

import benchlib  # noqa: E402
import gen_inputs  # noqa: E402

DEFAULT_CASES = ("small_rpc/16", "small_rpc/256", "small_rpc/4096", "small_rpc/65536")
SERIALIZERS = ("json", "msgpack", "cbor")
URI = gen_inputs.URI


def wampbox_name(direction, ser, case):
    mtype = "PUBLISH" if direction == "sender" else "EVENT"
    return f"path/{direction}/{ser}/{mtype}/{case}"


BATCH_BACKEND, BATCH_SIZE = "xsalsa-mb", 64


def batch_name(direction, ser, case):
    """The batch benchmark (bench_batch.cc) doing the work of wampbox_name(...) for 64 messages at once."""
    mtype = "PUBLISH" if direction == "sender" else "EVENT"
    return f"batch/{direction}/{ser}/{mtype}/{case}/{BATCH_BACKEND}/{BATCH_SIZE}"


def listed_benchmarks(binary):
    """Names the wampbox_bench binary registers."""
    r = subprocess.run([binary, "--benchmark_list_tests=true"], capture_output=True, text=True, check=True)
    return set(r.stdout.split())


class AutobahnCase:
    """One (direction, serializer, payload) workload for Autobahn."""

    def __init__(self, direction, ser, case):
        shape, size = case.split("/")
        self.direction, self.ser_name, self.case = direction, ser, case
        self.args, self.kwargs = shaped(shape, int(size), gen_inputs.SEED)
        self.ring = ref.make_keyring({ref.EXAMPLE_PREFIX: ref.SAMPLE_KEYS})
        self.ser = ref.serializer(ser)
        self.plaintext_bytes = len(gen_inputs.plaintext(shape, int(size)))
        if direction == "receiver":
            # An EVENT as a router forwards it: the publisher's sealed payload.
            self.frame = ref.build_frame("EVENT", ser, URI, self.args, self.kwargs, keyring=self.ring)
        self.check()

    def sender(self):
        enc = self.ring.encode(True, URI, self.args, self.kwargs)
        msg = ab_message.Publish(1, URI, payload=enc.payload, enc_algo=enc.enc_algo, enc_key=enc.enc_key,
                                 enc_serializer=enc.enc_serializer)
        data, _ = self.ser.serialize(msg)
        return data

    def receiver(self):
        msg = self.ser.unserialize(self.frame)[0]
        enc = EncodedPayload(msg.payload, msg.enc_algo, msg.enc_serializer, msg.enc_key)
        return self.ring.decode(False, URI, enc)

    def check(self):
        """The workload's output is right before it is timed."""
        if self.direction == "sender":
            got = ref.decode_frame(self.sender(), self.ser_name, self.ring, uri=URI)
        else:
            uri, args, kwargs = self.receiver()
            got = dict(uri=uri, args=args, kwargs=kwargs)
        if got["uri"] != URI or not ref.values_equal(got["args"], self.args) or \
                not ref.values_equal(got["kwargs"], self.kwargs):
            raise AssertionError(f"Autobahn {self.direction}/{self.ser_name}/{self.case}: wrong output")

    def rate(self, min_time):
        """Messages per CPU second over at least min_time CPU seconds."""
        fn = self.sender if self.direction == "sender" else self.receiver
        n, batch = 0, 1
        t0 = time.process_time()
        while True:
            for _ in range(batch):
                fn()
            n += batch
            dt = time.process_time() - t0
            if dt >= min_time:
                break
            batch = min(batch * 2, 4096)
        return n / dt


def run_wampbox(binary, names, min_time, inputs=None):
    """Items per second of the named wampbox benchmarks, one run."""
    pattern = "^(" + "|".join(names) + ")$"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "wb.json")
        cmd = [binary, f"--benchmark_filter={pattern}", f"--benchmark_min_time={min_time}",
               f"--benchmark_out={out}", "--benchmark_out_format=json", "--benchmark_format=json"]
        if inputs:
            cmd.append(f"--inputs={inputs}")
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        doc = benchlib.load(out)
    errs = benchlib.errors(doc)
    if errs:
        raise RuntimeError(f"wampbox benchmark errors: {errs}")
    res = benchlib.Results(doc)
    return {n: res.rate(n) for n in names}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wampbox-bin", help="wampbox_bench, run alternately with the Autobahn rounds")
    ap.add_argument("--inputs", help="inputs directory for wampbox_bench (default: its build's)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.3, help="CPU seconds per measurement")
    ap.add_argument("--cases", default=",".join(DEFAULT_CASES))
    ap.add_argument("--serializers", default=",".join(SERIALIZERS))
    ap.add_argument("--json")
    ap.add_argument("--md")
    a = ap.parse_args(argv)

    cases = [c for c in a.cases.split(",") if c]
    sers = [s for s in a.serializers.split(",") if s]
    workloads = [AutobahnCase(d, s, c) for d in ("sender", "receiver") for s in sers for c in cases]
    names = [wampbox_name(w.direction, w.ser_name, w.case) for w in workloads]
    # Batch rows: (batch benchmark name, the workload whose Autobahn samples it is compared with).
    batch_rows = []
    if a.wampbox_bin:
        have = listed_benchmarks(a.wampbox_bin)
        batch_rows = [(batch_name(w.direction, w.ser_name, w.case), n) for n, w in zip(names, workloads)
                      if batch_name(w.direction, w.ser_name, w.case) in have]
    wb_names = names + [b for b, _ in batch_rows]

    ab_samples = {n: [] for n in names}
    wb_samples = {n: [] for n in wb_names}
    for r in range(a.rounds):
        if a.wampbox_bin:
            for n, v in run_wampbox(a.wampbox_bin, wb_names, a.min_time, a.inputs).items():
                wb_samples[n].append(v)
        for n, w in zip(names, workloads):
            ab_samples[n].append(w.rate(a.min_time))
        print(f"autobahn_bench: round {r + 1}/{a.rounds} done", file=sys.stderr)

    by_name = dict(zip(names, workloads))
    rows = []
    for n, src in [(n, n) for n in names] + batch_rows:
        w = by_name[src]
        ab = statistics.median(ab_samples[src])
        wb = statistics.median(wb_samples[n]) if wb_samples[n] else None
        rows.append(dict(name=n, direction=w.direction, serializer=w.ser_name, case=w.case,
                         plaintext_bytes=w.plaintext_bytes, autobahn_msgs_per_s=ab,
                         autobahn_bytes_per_s=ab * w.plaintext_bytes, autobahn_samples=ab_samples[src],
                         batch=n != src,
                         wampbox_msgs_per_s=wb, wampbox_samples=wb_samples[n],
                         speedup=(wb / ab) if wb else None))
    doc = dict(about="Autobahn|Python vs wampbox, messages per CPU second, medians over rounds run alternately",
               rounds=a.rounds, min_time=a.min_time, python=sys.version.split()[0],
               autobahn=autobahn.__version__, rows=rows)
    md = markdown(doc)
    print(md, end="")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    if a.md:
        with open(a.md, "w", encoding="utf-8") as f:
            f.write(md)
    return 0


def markdown(doc):
    out = [f"Autobahn|Python {doc['autobahn']} (Python {doc['python']}) vs wampbox, same payloads, "
           f"{doc['rounds']} alternating rounds, medians of messages per CPU second", "",
           "| path | serializer | payload | plaintext | Autobahn msg/s | Autobahn MB/s | wampbox msg/s | speed-up |",
           "|---|---|---|---|---|---|---|---|"]
    for r in doc["rows"]:
        sp = f"{r['speedup']:.1f}x" if r["speedup"] else "-"
        path = r["direction"] + (f" (batch of {BATCH_SIZE}, {BATCH_BACKEND})" if r.get("batch") else "")
        out.append(f"| {path} | {r['serializer']} | {r['case']} | {r['plaintext_bytes']} B | "
                   f"{benchlib.fmt_rate(r['autobahn_msgs_per_s'])} | {r['autobahn_bytes_per_s'] / 1e6:.3g} | "
                   f"{benchlib.fmt_rate(r['wampbox_msgs_per_s'])} | {sp} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
