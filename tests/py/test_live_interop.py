"""Live interop through wampbox-router (issue 9, points 2-4): real Autobahn|Python 22.7.1
asyncio clients (scripts/live/ab_client.py) and wampbox clients (wampbox-client) as
publisher, subscriber, caller and callee, over RawSocket and WebSocket with JSON,
MessagePack and CBOR, every pairing; every message must decrypt on the far side to exactly
what was sent. Also the hostile router modes and the router-blindness audit.

Router and clients are processes started by scripts/live/livelib.py on an ephemeral
loopback port; every wait is bounded and every process is stopped by the test.
"""
import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts" / "live"))
import livelib as L  # noqa: E402

T = "com.myapp.encrypted."
# One publish/call carries every kind of value Autobahn's JSON payload can hold.
ARGS = ('["Counter is at 1", "\\u00fcn\\u00efc\\u00f8d\\u00e9 \\u2713 line\\nbreak \\"quoted\\"", 1.5, -0.0, 1e-07, '
        '123456789012345678901234567890, -9007199254740993, true, null, "\\u0000c2VjcmV0LWJpbmFyeS1ieXRlcw==", '
        '{"nested": [1, {"deep": "secret-nested-leaf"}]}]')
KWARGS = '{"kwsecret": "value-of-the-keyword", "big": 18446744073709551621, "list": ["kw-list-item-1", 2.25]}'
TIMEOUT_MS = 15000


def canon(v):
    return json.dumps(v, ensure_ascii=False, sort_keys=False)


EXPECTED_ARGS = canon(json.loads(ARGS))
EXPECTED_KWARGS = canon(json.loads(KWARGS))
# What must never be visible to the router (audit): every leaf of ARGS/KWARGS.
SECRETS = json.loads(ARGS) + [json.loads(KWARGS), b"secret-binary-bytes"]


REPORT = []


report = L.report_fixture("interop-report.txt", "live interop runs through wampbox-router "
                          "(tests/py/test_live_interop.py): counts and capture audit per run", REPORT)


def audit(r, what):
    """Every run's capture is searched for the plaintext (see test_live_audit.py)."""
    size, n, found = L.audit_capture(r.capture, SECRETS)
    assert found == [], found
    REPORT.append(f"  {what}: router stats events={r.stats['events']} invocations={r.stats['invocations']} "
                  f"results={r.stats['results']} errors={r.stats['errors']}; plaintext needles found in "
                  f"{size} captured bytes: 0 of {n}")


work = L.work_fixture("live")


def check_values(lines, key):
    got = [l[key] for l in lines if key in l]
    for g in got:
        assert canon(g["args"]) == EXPECTED_ARGS
        assert canon(g["kwargs"]) == EXPECTED_KWARGS
        assert g["encrypted"] is True
        assert g["details"]["enc_algo"] == "cryptobox"
    return len(got)


PUBLISHERS = [("wb", "rs", "json"), ("wb", "ws", "msgpack"), ("wb", "rs", "cbor"),
              ("ab", "ws", "cbor"), ("ab", "rs", "json"), ("ab", "ws", "msgpack")]


@pytest.mark.parametrize("pub", PUBLISHERS, ids=["-".join(p) for p in PUBLISHERS])
def test_pubsub_every_pairing(work, pub):
    """One publisher; twelve subscribers (wampbox and Autobahn on every transport x
    serializer). Each gets both events, decrypted to exactly what was published."""
    kr = work / "keys.json"
    topic = T + "pubsub." + "-".join(pub)
    with L.Router(work, name="pubsub-" + "-".join(pub)) as r:
        subs = [L.client(k, r, t, s, "subscribe", topic, keyring=kr, count=2, timeout_ms=TIMEOUT_MS)
                for k in ("wb", "ab") for t, s in L.COMBOS]
        try:
            for s in subs:
                assert s.wait_line(r'"ready"', 30), f"{s.name} not subscribed: {s.stderr}"
            p = L.client(pub[0], r, pub[1], pub[2], "publish", topic, ARGS, KWARGS, keyring=kr, count=2,
                         timeout_ms=TIMEOUT_MS, extra=["--acknowledge"])
            rc, lines = p.finish(30)
            assert rc == 0, (lines, p.stderr)
            for s in subs:
                rc, lines = s.finish(30)
                assert rc == 0, (s.name, lines, s.stderr[-2000:])
                assert check_values(lines, "event") == 2, (s.name, lines)
        finally:
            for s in subs:
                s.kill()
    assert r.stats["events"] == 24
    audit(r, "pubsub publisher " + "-".join(pub) + " -> 12 subscribers, 24 events decrypted exactly")


CALLEES = [("wb", "rs", "json"), ("wb", "ws", "cbor"), ("ab", "ws", "msgpack"), ("ab", "rs", "cbor")]


@pytest.mark.parametrize("i", range(len(CALLEES)), ids=["-".join(c) for c in CALLEES])
def test_rpc_every_pairing(work, i):
    """One callee; six callers (wampbox and Autobahn, three transport x serializer
    combinations each, rotating so that all six are covered over the runs). The callee
    sees the decrypted arguments, the callers the decrypted echo."""
    kr = work / "keys.json"
    callee = CALLEES[i]
    proc = T + "rpc." + "-".join(callee)
    with L.Router(work, name="rpc-" + "-".join(callee)) as r:
        c = L.client(callee[0], r, callee[1], callee[2], "serve", proc, keyring=kr, count=6, timeout_ms=TIMEOUT_MS)
        callers = []
        try:
            assert c.wait_line(r'"ready"', 30), c.stderr
            for j in range(3):
                t, s = L.COMBOS[(i * 3 + j) % 6]
                callers.append(L.client("wb", r, t, s, "call", proc, ARGS, KWARGS, keyring=kr, timeout_ms=TIMEOUT_MS))
                t, s = L.COMBOS[(i * 3 + j + 1) % 6]
                callers.append(L.client("ab", r, t, s, "call", proc, ARGS, KWARGS, keyring=kr, timeout_ms=TIMEOUT_MS))
            for k in callers:
                rc, lines = k.finish(30)
                assert rc == 0, (k.name, lines, k.stderr[-2000:])
                got = [l["result"] for l in lines if "result" in l]
                assert len(got) == 1
                assert canon(got[0]["args"]) == EXPECTED_ARGS and canon(got[0]["kwargs"]) == EXPECTED_KWARGS
            rc, lines = c.finish(30)
            assert rc == 0, (lines, c.stderr[-2000:])
            assert check_values(lines, "invocation") == 6
        finally:
            c.kill()
            for k in callers:
                k.kill()
    assert r.stats["invocations"] == 6 and r.stats["results"] == 6
    audit(r, "rpc callee " + "-".join(callee) + " <- 6 callers, 6 calls decrypted exactly both ways")


def _no_plaintext(lines):
    text = "\n".join(json.dumps(l, ensure_ascii=False) for l in lines)
    for secret in ("Counter is at 1", "secret-nested-leaf", "value-of-the-keyword"):
        assert secret not in text


@pytest.mark.parametrize("mode", ["tamper", "swap"])
def test_hostile_router(work, mode):
    """The router flips a payload byte (tamper) or routes topic/procedure A to B's
    receivers (swap). wampbox and Autobahn receivers drop the event (documented:
    Autobahn logs and drops), callees answer with the documented error URI, and no
    receiver releases plaintext."""
    kr = work / "keys.json"
    a, b = T + "hostile.a", T + "hostile.b"
    swaps = [f"{a}{x}={b}{x}" for x in ("", ".wb", ".ab")]
    extra = ["--hostile", mode] + ([arg for sw in swaps for arg in ("--swap", sw)] if mode == "swap" else [])
    want = {"tamper": "wamp.error.encryption.decrypt_error",
            "swap": "wamp.error.encryption.trusted_uri_mismatch"}[mode]
    target = a if mode == "tamper" else b
    with L.Router(work, *extra, name="hostile-" + mode) as r:
        subs = [L.client("wb", r, "rs", "cbor", "subscribe", target, keyring=kr, count=1, timeout_ms=3000),
                L.client("ab", r, "ws", "json", "subscribe", target, keyring=kr, count=1, timeout_ms=3000)]
        callees = [L.client("wb", r, "ws", "msgpack", "serve", target + ".wb", keyring=kr, count=1, timeout_ms=5000),
                   L.client("ab", r, "rs", "msgpack", "serve", target + ".ab", keyring=kr, count=1, timeout_ms=5000)]
        try:
            for p in subs + callees:
                assert p.wait_line(r'"ready"', 30), (p.name, p.stderr)
            rc, lines = L.client("wb", r, "ws", "json", "publish", a, ARGS, KWARGS, keyring=kr,
                                 extra=["--acknowledge"]).finish(30)
            assert rc == 0, lines
            for kind in ("wb", "ab"):
                caller = L.client("ab" if kind == "wb" else "wb", r, "rs", "json", "call", a + "." + kind, ARGS, KWARGS,
                                  keyring=kr, timeout_ms=5000)
                rc, lines = caller.finish(30)
                errors = [l["error"] for l in lines if "error" in l]
                assert errors == [want], (kind, lines, caller.stderr[-1500:])
                _no_plaintext(lines)
            wb_sub, ab_sub = subs
            rc, lines = wb_sub.finish(30)
            assert not [l for l in lines if "event" in l]
            summary = [l["summary"] for l in lines if "summary" in l] or [{}]
            assert summary[0].get("refusals") == [want], lines
            _no_plaintext(lines)
            rc, lines = ab_sub.finish(30)
            assert not [l for l in lines if "event" in l], lines
            _no_plaintext(lines)
            # Autobahn's session logs why it dropped the event.
            assert ("failed to decode" if mode == "tamper" else "does not match") in ab_sub.stderr, ab_sub.stderr[-1500:]
            for c in callees:
                rc, lines = c.finish(10)
                assert not [l for l in lines if "invocation" in l], lines
        finally:
            for p in subs + callees:
                p.kill()
    assert r.stats["tampered" if mode == "tamper" else "swapped"] >= 3
    audit(r, f"hostile {mode}: receivers refused with {want}, no plaintext released")
