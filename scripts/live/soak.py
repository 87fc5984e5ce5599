#!/usr/bin/python3
"""Bounded soak through wampbox-router (issue 9 point 8), loopback only.

--publishers wampbox publishers (default 4) each publish --per-publisher encrypted events
(default 250,000: 1 M in total) with a sequence number inside the encrypted payload; a
subscriber session in each publisher's process checks that every event arrives exactly
once and in order (`wampbox-client bench-pubsub`). Meanwhile, until they finish: extra
subscribers (wampbox and Autobahn) on the same topics are killed with SIGKILL and
restarted, and garbage and oversize frames are sent. The router's RSS is read before the
load (after a warm-up) and after every client has gone. Bounded by --max-seconds per
publisher and a fault-loop iteration cap.

  WAMPBOX_BUILD_DIR=build /usr/bin/python3 scripts/live/soak.py [--out DIR] [--per-publisher N]

Writes DIR/soak.json and prints the figures. Exit 1 if a message was lost, duplicated or
reordered, the router died, or its RSS after the run is more than 4 MiB above the baseline.
"""
import argparse
import json
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import livelib as L  # noqa: E402


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out/live-soak")
    ap.add_argument("--publishers", type=int, default=4)
    ap.add_argument("--per-publisher", type=int, default=250000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--max-seconds", type=float, default=600)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="wampbox-live-soak-"))
    kr = L.write_keyring(work / "keys.json")
    topics = [f"{L.PREFIX}soak.{i}" for i in range(a.publishers)]
    faults = {"killed": 0, "restarted": 0, "garbage": 0, "oversize": 0}
    rng = random.Random(1)
    with L.Router(work, "--max-message", str(1 << 20), capture=False, name="soak") as r:
        # Warm-up: one short encrypted run, then the baseline.
        warm = L.Proc([L.client_bin(), "--url", r.url("rs"), "--keyring", kr, "--count", "2000",
                       "bench-pubsub", topics[0] + ".warm", "--size", str(a.size)], "warm")
        warm.finish(60)
        time.sleep(0.5)
        base = rss_kib(r.pid)
        t0 = time.time()
        pubs = [L.Proc([L.client_bin(), "--url", r.url("rs" if i % 2 == 0 else "ws"),
                        "--serializer", ["json", "msgpack", "cbor"][i % 3], "--keyring", kr,
                        "--count", str(a.per_publisher), "--max-seconds", str(a.max_seconds), "--window", "64",
                        "--timeout-ms", "30000", "bench-pubsub", topics[i], "--size", str(a.size)], f"pub{i}")
                for i in range(a.publishers)]
        extras = []
        peak = base
        for it in range(100000):  # bounded: also ends when the publishers are done
            if all(p.p.poll() is not None for p in pubs) or time.time() - t0 > a.max_seconds + 60:
                break
            peak = max(peak, rss_kib(r.pid))
            kind = "wb" if it % 2 == 0 else "ab"
            extras.append(L.client(kind, r, rng.choice(["rs", "ws"]), rng.choice(["json", "msgpack", "cbor"]),
                                   "subscribe", rng.choice(topics), keyring=kr, count=10**9, timeout_ms=600000))
            faults["restarted"] += 1
            time.sleep(0.5)
            if len(extras) > 2:
                victim = extras.pop(0)
                os.kill(victim.p.pid, signal.SIGKILL)
                victim.finish(10)
                faults["killed"] += 1
            try:
                raw = L.RawClient(r.port, "cbor")
                raw.send_frame(bytes(rng.getrandbits(8) for _ in range(64)))
                raw.recv()
                raw.close()
            except (ConnectionError, OSError, RuntimeError, ValueError, EOFError):
                pass
            except Exception:  # noqa: BLE001 - an undecodable reply is still a refusal
                pass
            faults["garbage"] += 1
            try:
                raw = L.RawClient(r.port, "json", length_exp=15)
                raw.send_frame(b"", length=(1 << 24) - 1)
                try:
                    raw.recv()
                except (ConnectionError, OSError):
                    pass
                raw.close()
            except (ConnectionError, OSError, RuntimeError):
                pass
            faults["oversize"] += 1
            time.sleep(0.5)
        results = []
        for p in pubs:
            rc, lines = p.finish(120)
            b = next((l["bench"] for l in lines if "bench" in l), None)
            results.append({"rc": rc, "bench": b, "stderr": p.stderr[-300:]})
        for e in extras:
            e.kill()
        seconds = time.time() - t0
        time.sleep(1.0)
        after = rss_kib(r.pid)
        alive = r.proc.p.poll() is None
    issued = sum(x["bench"]["issued"] for x in results if x["bench"])
    received = sum(x["bench"]["received"] for x in results if x["bench"])
    ooo = sum(x["bench"]["out_of_order"] for x in results if x["bench"])
    # "Returns to baseline": after every client has gone, within 4 MiB of the warm baseline
    # (allocator caches may keep a little; a leak per session or message would show as more).
    rss_ok = after - base <= 4096
    ok = (alive and all(x["rc"] == 0 and x["bench"] for x in results) and issued == received and ooo == 0
          and rss_ok)
    summary = {"publishers": a.publishers, "messages_published": issued, "messages_received_in_order": received,
               "out_of_order": ooo, "seconds": round(seconds, 1), "msgs_per_s": round(received / seconds),
               "faults": faults, "router_rss_kib": {"baseline": base, "peak": peak, "after": after},
               "router_alive_until_sigterm": alive, "rss_back_to_baseline_within_4MiB": rss_ok, "router_stats": r.stats, "ok": ok,
               "command": "WAMPBOX_BUILD_DIR=build /usr/bin/python3 scripts/live/soak.py"
                          f" --publishers {a.publishers} --per-publisher {a.per_publisher}"}
    (out / "soak.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))
    print(f"live-soak: {issued} published, {received} received in order by live sessions, {ooo} out of order; "
          f"router RSS {base} KiB -> peak {peak} -> {after} KiB after; faults {faults}; {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
