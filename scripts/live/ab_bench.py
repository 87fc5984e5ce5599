#!/usr/bin/python3
"""Autobahn|Python side of the live benchmarks: the same measurement as
`wampbox-client bench-pubsub|bench-rpc` with two Autobahn asyncio sessions in one process
(driver + subscriber/callee), so that both timestamps come from one clock. Prints one
{"bench": {...}} line with the same fields. Bounded by --count and --max-seconds.

  ab_bench.py --url rs://127.0.0.1:PORT [--serializer json] [--keyring FILE]
              --mode pubsub|rpc --uri URI --size B [--count N] [--window W] [--max-seconds S]
"""
import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ab_client  # noqa: E402  (applies the RawSocket transport_details fix)
from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession  # noqa: E402
from autobahn.wamp.types import CallResult  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--serializer", default="json", choices=sorted(ab_client.SERIALIZERS))
    p.add_argument("--realm", default="realm1")
    p.add_argument("--keyring")
    p.add_argument("--mode", required=True, choices=["pubsub", "rpc"])
    p.add_argument("--uri", required=True)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--window", type=int, default=64)
    p.add_argument("--max-seconds", type=float, default=10)
    a = p.parse_args()
    ring = ab_client.load_keyring(a.keyring) if a.keyring else None
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    joined = {"driver": loop.create_future(), "peer": loop.create_future()}

    def make(name):
        class S(ApplicationSession):
            async def onJoin(self, details):
                if ring is not None:
                    self.set_payload_codec(ring)
                joined[name].set_result(self)
        return S

    runner = ApplicationRunner(a.url, a.realm, serializers=[ab_client.SERIALIZERS[a.serializer]()])
    sent, lat = {}, []
    state = {"received": 0, "expected": 0, "ooo": 0}
    progress = asyncio.Event()

    def on_seq(seq):
        now = time.perf_counter()
        if seq != state["expected"]:
            state["ooo"] += 1
        state["expected"] = seq + 1
        lat.append((now - sent[seq]) * 1e6)
        state["received"] += 1
        progress.set()

    async def go():
        await asyncio.wait_for(runner.run(make("driver"), start_loop=False), 10)
        await asyncio.wait_for(runner.run(make("peer"), start_loop=False), 10)
        driver = await asyncio.wait_for(joined["driver"], 10)
        peer = await asyncio.wait_for(joined["peer"], 10)
        if a.mode == "pubsub":
            await peer.subscribe(lambda seq, pad: on_seq(seq), a.uri)
        else:
            await peer.register(lambda seq, pad: CallResult(seq, pad), a.uri)
        pad = "x" * a.size
        cpu0, t0 = time.process_time(), time.perf_counter()
        stop_at = t0 + a.max_seconds
        issued = 0
        while issued < a.count and time.perf_counter() < stop_at:
            if a.mode == "pubsub":
                while issued - state["received"] >= a.window:
                    progress.clear()
                    await asyncio.wait_for(progress.wait(), 10)
                sent[issued] = time.perf_counter()
                driver.publish(a.uri, issued, pad)
            else:
                sent[issued] = time.perf_counter()
                res = await asyncio.wait_for(driver.call(a.uri, issued, pad), 10)
                on_seq(res.results[0])
            issued += 1
        deadline = time.perf_counter() + 10
        while state["received"] < issued and time.perf_counter() < deadline:
            progress.clear()
            try:
                await asyncio.wait_for(progress.wait(), max(0.01, deadline - time.perf_counter()))
            except asyncio.TimeoutError:
                break
        secs = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        driver.leave()
        peer.leave()
        await asyncio.sleep(0.1)
        return issued, secs, cpu

    issued, secs, cpu = loop.run_until_complete(go())
    s = sorted(lat)

    def pct(q):
        return s[min(len(s) - 1, int(q / 100 * (len(s) - 1) + 0.5))] if s else 0.0

    hist = [0] * 24
    for v in lat:
        k = 0
        while k + 1 < 24 and v >= 2 ** (k + 1):
            k += 1
        hist[k] += 1
    r = state["received"]
    print(json.dumps({"bench": {"mode": a.mode, "size": a.size, "issued": issued, "received": r,
                                "out_of_order": state["ooo"], "seconds": secs,
                                "msgs_per_s": r / secs if secs else 0, "mb_per_s": r * a.size / secs / 1e6 if secs else 0,
                                "p50_us": pct(50), "p99_us": pct(99), "p999_us": pct(99.9),
                                "cpu_us_per_msg": cpu / r * 1e6 if r else 0, "hist_log2_us": hist, "dropped": 0}}))
    return 0 if r == issued and state["ooo"] == 0 and issued else 1


if __name__ == "__main__":
    sys.exit(main())
