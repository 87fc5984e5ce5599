#!/usr/bin/python3
"""Bounded soak with faults through wampbox-router (issue 9 point 8), loopback only.

Publishers (wampbox-client bench-pubsub --stream) publish encrypted events on a few
topics; every event carries, inside its encrypted payload, [seq, pad, stream, t_prev_ns,
t_ns]: its publisher session ("stream", e.g. p2.5 = publisher slot 2, 5th session), its
sequence number in that session, and the CLOCK_MONOTONIC times at which it and the
previous event were published. While they run:

- publisher sessions are SIGKILLed at random bounded points and a new session (new
  stream, random transport x serializer) continues the slot's share; every
  --spare-every-th session, and any that is faster than its kill, ends normally when its
  chunk is published;
- churn subscribers (wampbox `soak-subscribe`, and Autobahn|Python subscribers) come and
  go: each is SIGKILLed after a random bounded life and replaced;
- anchor subscribers (wampbox `soak-subscribe` on every topic, different transport x
  serializer each) live from before the first publication to after the last;
- a rogue connection sends garbage (random bytes after the RawSocket handshake, random
  invalid WAMP messages after joining, a bad RawSocket handshake), oversize frames
  (RawSocket length header over the limit, a WebSocket message over the limit) and
  frames over the router's decode limits (nesting, element count); each must be refused
  (ABORT wamp.error.protocol_violation, or the connection closed) with the router up;
- the router's VmRSS is sampled from /proc.

What "live session" means, and what is checked. A subscriber session is live from the
moment its SUBSCRIBED arrives (its ready time R, same monotonic clock) until it is
killed or the run ends; a publisher session from its WELCOME until it is killed or
leaves. For every (publisher session, subscriber session) pair:
  1. the sequence numbers the subscriber received are consecutive: no gap, duplicate or
     reordering (checked by every subscriber, killed or not, up to its last report);
  2. the first one is 0, or the message before it was published before R (t_prev < R):
     nothing published after the subscriber was live is missing at the start;
  3. for the anchors, which are live until the end: every stream is received from 0 to
     its last message the router accepted (B), i.e. complete. B is the publisher's count
     for a session that ended normally (its own in-process subscriber also got all of
     them, in order); for a killed one it is the highest number any subscriber or the
     publisher's own in-process subscriber saw. A killed subscriber may miss only what was
     in flight when it was killed (after its last delivered event); a killed publisher's
     events that never reached the router were never published.
The router's RSS must return to within --rss-slack-kib of its baseline (taken after a
warm-up that exercises every client kind and fault) once every client has gone.

  WAMPBOX_BUILD_DIR=build /usr/bin/python3 scripts/live/soak.py [--out DIR] [--messages N]

Writes DIR/soak.json and prints the figures and PASS/FAIL. Exit 1 on any violation, a
refusal that did not happen, a router crash, RSS not back to baseline, fewer than
--messages accepted, or the --max-seconds bound hit.
"""
import argparse
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import livelib as L  # noqa: E402

SERIALIZERS = ("json", "msgpack", "cbor")
TRANSPORTS = ("rs", "ws")
PLAIN_TOPIC = "com.example.plain.soak.oversize"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def last_line(proc, prefix):
    """The last stdout line of `proc` that starts with `prefix`, parsed, or None."""
    for line in reversed(proc.lines):
        if line.startswith(prefix):
            try:
                return json.loads(line)
            except ValueError:
                return None  # a line cut by SIGKILL
    return None


class Rogue:
    """The fault injector: one new loopback connection per fault, each with the outcome
    the router must give. Counts expected and unexpected outcomes per kind."""

    def __init__(self, router, rng, max_message, work):
        self.r, self.rng, self.max_message, self.work = router, rng, max_message, work
        self.counts = {}
        self.unexpected = []
        self.kinds = ["garbage-frame", "garbage-message", "bad-handshake", "oversize-rawsocket",
                      "oversize-websocket", "limit-depth", "limit-elements"]
        self.i = 0

    def _abort_expected(self, raw, frame=None, obj=None):
        if frame is not None:
            raw.send_frame(frame)
        else:
            raw.send(obj)
        msg = raw.recv()
        if not (msg[0] == 3 and msg[2] == "wamp.error.protocol_violation"):
            raise AssertionError(f"expected ABORT protocol_violation, got {str(msg)[:200]}")
        return msg[1].get("message", "")

    def _carrier(self, value):
        """A message that carries `value`: a SUBSCRIBE option (the router's generic
        decoder) or PUBLISH arguments (the frame codec)."""
        if self.rng.random() < 0.5:
            return [32, 1, {"x": value}, PLAIN_TOPIC]
        return [16, 1, {}, PLAIN_TOPIC, [value]]

    def run(self, stop, interval):
        """Faults every `interval` s until `stop` is set (bounded: 100,000)."""
        for _ in range(100_000):
            if stop.wait(interval):
                return
            self.one()

    def one(self):
        kind = self.kinds[self.i % len(self.kinds)]
        self.i += 1
        ser = self.rng.choice(SERIALIZERS)
        try:
            if kind == "garbage-frame":
                raw = L.RawClient(self.r.port, ser)
                # 0xc1 is never valid MessagePack, 0xff a lone CBOR break, '}' no JSON
                # start: the frame is garbage in every serializer whatever follows.
                junk = {"json": b"}", "msgpack": b"\xc1", "cbor": b"\xff"}[ser]
                self._abort_expected(raw, frame=junk + self.rng.randbytes(self.rng.randint(0, 200)))
                raw.close()
            elif kind == "garbage-message":
                raw = L.RawClient(self.r.port, ser)
                raw.join()
                obj = self.rng.choice([[16, 1, {}, "bad uri with spaces", ["x"]], ["x"], [999, 1], [32, "id", {}, "t"],
                                       [16, 1, {"enc_algo": "nope"}, L.PREFIX + "x", b"\0" * 40], [1, "realm1", {}]])
                self._abort_expected(raw, obj=obj)
                raw.close()
            elif kind == "bad-handshake":
                import socket
                s = socket.create_connection(("127.0.0.1", self.r.port), timeout=5)
                # 0x7F then serializer id 0xF (none such): RawSocket error reply or close.
                s.sendall(bytes([0x7F, 0xFF, 0, 0]))
                reply = s.recv(4)
                s.close()
                if reply and (reply[0] != 0x7F or reply[1] & 0x0F):
                    raise AssertionError(f"bad handshake accepted: {reply.hex()}")
            elif kind == "oversize-rawsocket":
                raw = L.RawClient(self.r.port, ser)
                raw.send_frame(b"", length=(1 << 24) - 1)
                try:
                    raw.recv()
                    raise AssertionError("oversize RawSocket frame not refused")
                except (ConnectionError, OSError):
                    pass
                raw.close()
            elif kind == "oversize-websocket":
                p = L.Proc([L.client_bin(), "--url", self.r.url("ws"), "--serializer", ser, "--timeout-ms", "5000",
                            "publish", PLAIN_TOPIC, json.dumps(["x" * (self.max_message + 100)]), "--acknowledge"],
                           "oversize-ws")
                rc, lines = p.finish(30)
                if not (rc == 1 and any(x.get("error") == "wampbox.error.connection_lost" for x in lines)):
                    raise AssertionError(f"oversize WebSocket message not refused: rc {rc} {lines}")
            elif kind == "limit-depth":
                # Well under --max-message, but nested deeper than --max-depth.
                raw = L.RawClient(self.r.port, ser)
                raw.join()
                deep = []
                for _ in range(self.limits["max_depth"] + 8):
                    deep = [deep]
                msg = self._abort_expected(raw, obj=self._carrier(deep))
                if "depth" not in msg and "nest" not in msg:
                    raise AssertionError(f"depth ABORT without the reason: {msg}")
                raw.close()
            elif kind == "limit-elements":
                raw = L.RawClient(self.r.port, ser)
                raw.join()
                msg = self._abort_expected(raw, obj=self._carrier([0] * (self.limits["max_elements"] + 8)))
                if "max_elements" not in msg:
                    raise AssertionError(f"element-count ABORT without the reason: {msg}")
                raw.close()
            self.counts[kind] = self.counts.get(kind, 0) + 1
        except Exception as e:  # noqa: BLE001 - every other outcome is a finding, recorded
            self.counts[kind + " UNEXPECTED"] = self.counts.get(kind + " UNEXPECTED", 0) + 1
            if len(self.unexpected) < 20:
                self.unexpected.append(f"{kind} ({ser}): {type(e).__name__}: {str(e)[:200]}")


def check_ab_events(lines, ready_ns):
    """The checks soak-subscribe makes, on an Autobahn subscriber's event lines.
    ready_ns: when the harness saw its ready line (later than its SUBSCRIBED, so the
    start check is conservative). Returns (events, {stream: [first, last, count, t]}, violations)."""
    streams, violations, events = {}, [], 0
    for x in lines:
        if "event" not in x:
            continue
        events += 1
        a = x["event"]["args"]
        seq, name, t_prev, t_self = a[0], a[2], a[3], a[4]
        st = streams.get(name)
        if st is None:
            if seq > 0 and t_prev >= ready_ns:
                violations.append(("lost before first", name, seq))
            streams[name] = [seq, seq, 1, t_self]
            continue
        if seq != st[1] + 1:
            violations.append(("gap" if seq > st[1] + 1 else "duplicate or reordered", name, seq))
        st[1], st[2], st[3] = seq, st[2] + 1, t_self
    return events, streams, violations


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out/live-soak")
    ap.add_argument("--messages", type=int, default=1_000_000, help="events the router must accept in all")
    ap.add_argument("--publishers", type=int, default=4, help="publisher slots running at once")
    ap.add_argument("--topics", type=int, default=2)
    ap.add_argument("--size", type=int, default=64, help="pad bytes per event")
    ap.add_argument("--chunk", default="20000,120000", help="events per publisher session: random in LO,HI")
    ap.add_argument("--pub-life", default="2,10", help="seconds before a publisher session is killed: LO,HI")
    ap.add_argument("--spare-every", type=int, default=4,
                    help="every Nth session of a publisher slot is not killed but ends normally")
    ap.add_argument("--sub-life", default="1,5", help="seconds a churn subscriber lives: LO,HI")
    ap.add_argument("--anchors", type=int, default=2, help="subscribers on every topic for the whole run")
    ap.add_argument("--churn", type=int, default=3, help="churn subscribers at once")
    ap.add_argument("--ab-share", type=float, default=0.25, help="share of churn subscribers that are Autobahn")
    ap.add_argument("--fault-interval", type=float, default=0.5, help="seconds between rogue faults")
    ap.add_argument("--max-message", type=int, default=65536)
    ap.add_argument("--max-depth", type=int, default=32)
    ap.add_argument("--max-elements", type=int, default=4096)
    ap.add_argument("--max-queued", type=int, default=64 << 20,
                    help="router --max-queued: room for an anchor that the scheduler holds back for a while")
    ap.add_argument("--rss-slack-kib", type=int, default=4096)
    ap.add_argument("--max-seconds", type=float, default=900)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    lo_hi = lambda s, f=float: tuple(f(x) for x in s.split(","))  # noqa: E731
    chunk, pub_life, sub_life = lo_hi(a.chunk, int), lo_hi(a.pub_life), lo_hi(a.sub_life)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="wampbox-live-soak-"))
    kr = L.write_keyring(work / "keys.json")
    rng = random.Random(a.seed)
    topics = [f"{L.PREFIX}soak.{i}" for i in range(a.topics)]
    combos = [(t, s) for t in TRANSPORTS for s in SERIALIZERS]
    t_start = time.monotonic()
    deadline = t_start + a.max_seconds
    rss = []
    router_args = ["--max-message", a.max_message, "--max-queued", a.max_queued, "--max-depth", a.max_depth,
                   "--max-elements", a.max_elements]

    def publisher(r, name, topic, count, combo, seconds):
        return L.Proc([L.client_bin(), "--url", r.url(combo[0]), "--serializer", combo[1], "--keyring", kr,
                       "--count", count, "--window", 64, "--max-seconds", round(seconds, 1), "--timeout-ms", 30000,
                       "--progress-ms", 200, "--stream", name, "bench-pubsub", topic, "--size", a.size], name)

    def soak_subscriber(r, combo, subs_topics, name):
        return L.Proc([L.client_bin(), "--url", r.url(combo[0]), "--serializer", combo[1], "--keyring", kr,
                       "--timeout-ms", 30000, "--max-seconds", round(a.max_seconds + 120), "--progress-ms", 200,
                       "soak-subscribe"] + subs_topics, name)

    with L.Router(work, *router_args, capture=False, name="soak") as r:
        rogue = Rogue(r, random.Random(a.seed + 1), a.max_message, work)
        rogue.limits = {"max_depth": a.max_depth, "max_elements": a.max_elements}
        # Warm-up: every client kind and every fault once, then the baseline.
        warm_sub = soak_subscriber(r, ("ws", "cbor"), [topics[0] + ".warm"], "warm-sub")
        warm_sub.wait_line(r'"ready"', 30)
        for i, combo in enumerate(combos):
            publisher(r, f"warm{i}", topics[0] + ".warm", 500, combo, 60).finish(90)
        ab = L.client("ab", r, "ws", "msgpack", "subscribe", topics[0] + ".warm", keyring=kr, count=1, timeout_ms=20000)
        ab.wait_line(r'"ready"', 30)
        ab.kill()
        for _ in rogue.kinds:
            rogue.one()
        warm_sub.p.send_signal(signal.SIGTERM)
        warm_sub.finish(30)
        warm_faults = dict(rogue.counts)
        rogue.counts = {}
        time.sleep(1.0)
        base = rss_kib(r.pid)
        rss.append((0.0, base))

        t0 = time.monotonic()
        anchor_combos = [combos[(4 * k + 1) % len(combos)] for k in range(a.anchors)]  # rs/msgpack, ws/cbor, ...
        anchors = [soak_subscriber(r, combo, topics, f"anchor-{combo[0]}-{combo[1]}") for combo in anchor_combos]
        for an in anchors:
            if not an.wait_line(r'"ready"', 60):
                raise SystemExit(f"anchor did not subscribe: {an.stderr[-500:]}")
        share = [a.messages // a.publishers + (1 if i < a.messages % a.publishers else 0) for i in range(a.publishers)]
        slots = [{"topic": topics[i % a.topics], "left": share[i], "n": 0, "proc": None, "kill_at": None}
                 for i in range(a.publishers)]
        incarnations = []  # every publisher session: name, topic, proc, killed
        churn = []  # (proc, kind, kill_at, ready_ns, topics)
        churn_done = []
        # The rogue connections run beside the load, on their own thread.
        stop_faults = threading.Event()
        fault_thread = threading.Thread(target=rogue.run, args=(stop_faults, a.fault_interval), daemon=True)
        fault_thread.start()
        stopped_by_bound = False
        for _ in range(10_000_000):  # bounded by the deadline below
            now = time.monotonic()
            if now > deadline:
                stopped_by_bound = True
                break
            if r.proc.p.poll() is not None:
                break
            rss.append((round(now - t0, 2), rss_kib(r.pid)))
            # Publishers: reap, kill at their time, restart while the slot has a share left.
            for i, s in enumerate(slots):
                p = s["proc"]
                if p is not None and p.p.poll() is None and now >= s["kill_at"]:
                    os.kill(p.p.pid, signal.SIGKILL)
                    p.killed = True
                if p is not None and p.p.poll() is not None:
                    p.finish(10)
                    bench = last_line(p, '{"bench"')
                    prog = last_line(p, '{"progress"')
                    if getattr(p, "killed", False):
                        # Only what its own subscriber saw counts as published (a lower bound).
                        s["left"] -= prog["progress"]["received"] if prog else 0
                    elif bench:
                        s["left"] -= bench["bench"]["received"]
                    s["proc"] = None
                if s["proc"] is None and s["left"] > 0:
                    s["n"] += 1
                    name = f"p{i}.{s['n']}"
                    count = min(s["left"], rng.randint(*chunk))
                    p = publisher(r, name, s["topic"], count, rng.choice(combos), max(5.0, deadline - now))
                    p.killed = False
                    # Every --spare-every-th session is never killed: some sessions must end normally.
                    life = float("inf") if s["n"] % a.spare_every == 0 else rng.uniform(*pub_life)
                    s["proc"], s["kill_at"] = p, now + life
                    incarnations.append({"name": name, "topic": s["topic"], "proc": p})
            if all(s["proc"] is None and s["left"] <= 0 for s in slots):
                break
            # Churn subscribers.
            for c in list(churn):
                if now >= c["kill_at"] or c["proc"].p.poll() is not None:
                    if c["proc"].p.poll() is None:
                        os.kill(c["proc"].p.pid, signal.SIGKILL)
                    c["proc"].finish(10)
                    churn.remove(c)
                    churn_done.append(c)
            while len(churn) < a.churn:
                combo = rng.choice(combos)
                life = rng.uniform(*sub_life)
                if rng.random() < a.ab_share:
                    topic = rng.choice(topics)
                    p = L.client("ab", r, combo[0], combo[1], "subscribe", topic, keyring=kr, count=10**9,
                                 timeout_ms=int((a.max_seconds + 120) * 1000))
                    churn.append({"proc": p, "kind": "ab", "kill_at": now + min(life, 3.0), "topics": [topic],
                                  "ready_ns": None})
                else:
                    sub_topics = rng.sample(topics, rng.randint(1, len(topics)))
                    p = soak_subscriber(r, combo, sub_topics, "churn")
                    churn.append({"proc": p, "kind": "wb", "kill_at": now + life, "topics": sub_topics,
                                  "ready_ns": None})
            for c in churn:
                if c["kind"] == "ab" and c["ready_ns"] is None and any('"ready"' in x for x in c["proc"].lines[:3]):
                    c["ready_ns"] = time.monotonic_ns()
            time.sleep(0.05)
        publishing_seconds = time.monotonic() - t0
        stop_faults.set()
        fault_thread.join(60)
        for s in slots:
            if s["proc"] is not None:
                s["proc"].kill()
                s["proc"].killed = True
                s["proc"].finish(10)
        for c in churn:
            c["proc"].kill()
            c["proc"].finish(10)
            churn_done.append(c)

        # Streams: B (last accepted) and whether the session ended normally.
        streams = {}
        for inc in incarnations:
            p = inc["proc"]
            bench = last_line(p, '{"bench"')
            prog = last_line(p, '{"progress"')
            st = {"topic": inc["topic"], "killed": p.killed, "rc": p.p.returncode, "B": -1}
            if not p.killed and bench:
                b = bench["bench"]
                st.update(B=b["issued"] - 1, own_ok=(b["received"] == b["issued"] and b["out_of_order"] == 0
                                                    and p.p.returncode == 0), own=b, stderr=p.stderr[-300:])
            else:
                st["B"] = (prog["progress"]["received"] - 1) if prog else -1
                st["own_ok"] = True
            streams[inc["name"]] = st
        sub_reports = []  # (kind, streams dict, violations)
        violation_details = []
        for c in churn_done:
            if c["kind"] == "wb":
                rep = last_line(c["proc"], '{"report"')
                viol = sum(1 for x in c["proc"].lines if x.startswith('{"violation"'))
                sub_reports.append(("churn-wb", rep["report"]["streams"] if rep else {},
                                    max(viol, rep["report"]["violations"] if rep else 0)))
                violation_details += [x for x in c["proc"].lines if x.startswith('{"violation"')][:5]
            else:
                lines = []
                for x in c["proc"].lines:
                    if x.startswith('{"event"'):
                        try:
                            lines.append(json.loads(x))
                        except ValueError:
                            pass  # the last line, cut by SIGKILL
                # Not seen ready: no start check (the first events are still checked for order).
                _, st, viol = check_ab_events(lines, c["ready_ns"] if c["ready_ns"] is not None else float("inf"))
                sub_reports.append(("churn-ab", st, len(viol)))
                violation_details += [f"autobahn {c['topics']}: {v}" for v in viol[:5]]
        for _, st, _ in sub_reports:
            for name, (first, last, count, t) in st.items():
                if name in streams and streams[name]["killed"]:
                    streams[name]["B"] = max(streams[name]["B"], last)
        # Drain: the anchors must reach B on every stream (bounded wait), then SIGTERM.
        for an in anchors:
            for _ in range(600):  # <= 60 s
                rep = last_line(an, '{"report"')
                got = rep["report"]["streams"] if rep else {}
                for name, v in got.items():
                    if name in streams and streams[name]["killed"]:
                        streams[name]["B"] = max(streams[name]["B"], v[1])
                if all(st["B"] < 0 or (name in got and got[name][1] >= st["B"]) for name, st in streams.items()):
                    break
                time.sleep(0.1)
        time.sleep(0.5)  # the report after the last event
        for an in anchors:
            an.p.send_signal(signal.SIGTERM)
        anchor_final = []
        for an in anchors:
            rc, _ = an.finish(30)
            rep = last_line(an, '{"report"')
            anchor_final.append((an.name, rc, rep["report"] if rep else None,
                                 [json.loads(x) for x in an.lines if x.startswith('{"violation"')][:5]))
        for _, _, rep, _ in anchor_final:
            for name, v in (rep["streams"] if rep else {}).items():
                if name in streams and streams[name]["killed"]:
                    streams[name]["B"] = max(streams[name]["B"], v[1])
        total_seconds = time.monotonic() - t0
        time.sleep(2.0)
        after = rss_kib(r.pid)
        rss.append((round(time.monotonic() - t0, 2), after))
        alive = r.proc.p.poll() is None
    router_rc = r.proc.p.returncode

    # --- the checks
    findings = []
    for name, rc, rep, viol in anchor_final:
        if rep is None or not rep.get("final"):
            findings.append(f"{name}: no final report (rc {rc})")
            continue
        if rep["violations"] or rep["dropped"]:
            findings.append(f"{name}: {rep['violations']} violations, {rep['dropped']} dropped: {viol}")
        for sname, st in streams.items():
            if st["B"] < 0:
                if sname in rep["streams"]:
                    findings.append(f"{name}: stream {sname} seen, but nothing of it was accepted?")
                continue
            got = rep["streams"].get(sname)
            if got is None or got[0] != 0 or got[1] != st["B"] or got[2] != st["B"] + 1:
                findings.append(f"{name}: stream {sname} incomplete: got [first, last, count, t] {got}, "
                                f"router accepted 0..{st['B']}")
    for sname, st in streams.items():
        if not st["killed"] and not st["own_ok"]:
            findings.append(f"publisher {sname} (ended normally) lost or reordered events of its own subscriber, "
                            f"rc {st['rc']}: {st.get('own')} {st.get('stderr')}")
    churn_violations = sum(v for _, _, v in sub_reports)
    if churn_violations:
        findings.append(f"{churn_violations} violations in churn subscribers: {violation_details[:10]}")
    accepted = sum(st["B"] + 1 for st in streams.values())
    anchor_events = sum(rep["events"] for _, _, rep, _ in anchor_final if rep)
    checked_pairs = sum(len(st) for _, st, _ in sub_reports) + sum(
        len(rep["streams"]) for _, _, rep, _ in anchor_final if rep)
    if rogue.unexpected:
        findings.append(f"faults with an unexpected outcome: {rogue.unexpected}")
    if not alive or router_rc != 0:
        findings.append(f"router died or did not exit 0 on SIGTERM (alive {alive}, rc {router_rc})")
    peak = max(v for _, v in rss)
    if after - base > a.rss_slack_kib:
        findings.append(f"router RSS {after} KiB after, {after - base} KiB above the baseline {base} KiB")
    if stopped_by_bound:
        findings.append(f"stopped by --max-seconds {a.max_seconds}")
    if accepted < a.messages:
        findings.append(f"{accepted} events accepted, fewer than --messages {a.messages}")
    ok = not findings
    killed_pubs = sum(1 for st in streams.values() if st["killed"])
    summary = {
        "ok": ok, "findings": findings,
        "events_accepted_by_router": accepted,
        "events_delivered_to_anchors": anchor_events, "anchors": len(anchors),
        "publisher_sessions": len(streams), "publisher_sessions_killed": killed_pubs,
        "publisher_sessions_ended_normally": len(streams) - killed_pubs,
        "churn_subscribers": len(churn_done), "churn_subscribers_autobahn": sum(1 for c in churn_done if c["kind"] == "ab"),
        "subscriber_stream_pairs_checked": checked_pairs,
        "faults": rogue.counts, "warmup_faults": warm_faults,
        "router_rss_kib": {"baseline": base, "peak": peak, "after": after, "samples": len(rss)},
        "router_stats": r.stats,
        "seconds": {"publishing": round(publishing_seconds, 1), "total": round(total_seconds, 1)},
        "events_per_s": round(accepted / publishing_seconds) if publishing_seconds else 0,
        "command": f"WAMPBOX_BUILD_DIR={L.build_dir()} /usr/bin/python3 scripts/live/soak.py --messages {a.messages}"
                   f" --publishers {a.publishers} --topics {a.topics} --chunk {a.chunk} --pub-life {a.pub_life}"
                   f" --spare-every {a.spare_every} --sub-life {a.sub_life} --churn {a.churn} --seed {a.seed}",
        "load_average_at_end": os.getloadavg(),
    }
    (out / "soak.json").write_text(json.dumps(summary, indent=1))
    (out / "rss.json").write_text(json.dumps(rss))
    print(json.dumps({k: v for k, v in summary.items() if k != "router_stats"}, indent=1))
    print(f"live-soak: {accepted:,} events accepted from {len(streams)} publisher sessions ({killed_pubs} killed), "
          f"{anchor_events:,} delivered to {len(anchors)} anchors complete and in order; "
          f"{len(churn_done)} churn subscribers killed; {checked_pairs} session pairs checked; "
          f"faults {sum(rogue.counts.values())} ({len(rogue.unexpected)} unexpected); "
          f"router RSS {base} -> peak {peak} -> {after} KiB; {'PASS' if ok else 'FAIL'}")
    for f in findings:
        print("  FAIL: " + f)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
