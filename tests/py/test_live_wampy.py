"""wampy.js 8.0.2 live through wampbox-router, Payload PassThru Mode with an
encrypting payload serializer (issue 13 item 5; docs/wampy.md, "Live").

The wampy.js side is conformance/adapters/wampy/live.js (a scripted wampy client
over the `websocket` package, its PPT framing, the serializer of wampy-ppt.js);
the wampbox side is wampbox-client with a PPT key store (--ppt-keys). Both hold
one symmetric key for `com.wampy.` named by one key id. Checked, both ways,
pub/sub and RPC (xsalsa20poly1305; pub/sub also aes256gcm): every value arrives exactly as sent, except the differences
docs/wampy.md lists, each asserted here as it happens:

- absent kwargs: wampy writes CBOR undefined; wampbox drops the event
  ("CBOR undefined is not supported");
- integers beyond 32 bits from wampy arrive as floats; beyond 2^53 from wampbox
  arrive rounded (a JavaScript number); 2.0 and -0.0 arrive as 2 and 0;
- binary handed to wampy as Uint8Array (the browser type) goes out as CBOR
  tag 64, which wampbox-router (outer frame) and wampbox (inner object) refuse;
- wampy's default SUBSCRIBE Options hold undefined values: over CBOR and
  MessagePack wampbox-router refuses them, so the wampy subscriber passes
  {match: "exact", get_retained: false};
- PPT over wampy's JSON transport: the payload is not [binary] (JSON.stringify
  of a Buffer), and wampbox-router refuses the PUBLISH;
- wampy's serializer gets no ppt_cipher: a wampy client opens only the cipher
  it was set up with.

The router never sees the plaintext (capture audit). Router and clients are
processes on an ephemeral loopback port; every wait is bounded.
"""
import json
import math
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts" / "live"))
import livelib as L  # noqa: E402

WAMPY_DIR = REPO / "conformance" / "adapters" / "wampy"
LIVE_JS = WAMPY_DIR / "live.js"
KEY = bytes(range(32)).hex()
KEYID = "0x5ec0c5d6cb6f0d0c3bb5cf4d7dd4f1a8b3c1e7a9"  # lowercase: no EIP-55 checksum to carry
PREFIX = "com.wampy."
TIMEOUT_MS = 12000
XS, AES = "xsalsa20poly1305", "aes256gcm"

ARGS = ["wampy says hi \u2603 \"quoted\"", 1.5, -0.25, 42, -7, 65536, True, None, "\u0000AAFiaW5hcnktc2VjcmV0/w==",
        {"nested": [1, None, True], "leaf": "nested-secret-leaf"}]
KWARGS = {"kwsecret": "wampy-kw-value", "n": 3}
SECRETS = ARGS + [KWARGS, b"\x00\x01binary-secret\xff"]

pytestmark = [
    pytest.mark.skipif(not (WAMPY_DIR / "node_modules" / "wampy").is_dir(),
                       reason="wampy.js not installed: run scripts/setup.sh"),
    pytest.mark.skipif(not L.router_bin().exists() or not L.client_bin().exists(),
                       reason="wampbox-router / wampbox-client not built"),
]


def strict_equal(a, b):
    """Equality that tells int from float and bool from int (JSON as parsed by Python)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return math.copysign(1, a) == math.copysign(1, b) and a == b
    return a == b


@pytest.fixture(scope="module")
def router(tmp_path_factory):
    d = tmp_path_factory.mktemp("wampy")
    (d / "ppt-keys.json").write_text(json.dumps([{"prefix": PREFIX, "model": "symmetric", "keyid": KEYID,
                                                  "key": KEY, "status": "current"}]))
    with L.Router(d) as r:
        r.keys = d / "ppt-keys.json"
        yield r
    assert r.stats is not None
    size, n, found = L.audit_capture(r.capture, SECRETS)
    assert size > 0 and found == [], found


def wampy(r, command, uri, *values, serializer="cbor", binary="buffer", count=1, extra=(), cipher=XS):
    argv = ["node", LIVE_JS, "--url", r.url("ws"), "--serializer", serializer, "--binary", binary,
            "--ppt-key", KEY, "--ppt-keyid", KEYID, "--ppt-cipher", cipher, "--timeout-ms", str(TIMEOUT_MS),
            "--count", str(count), *extra, command, uri, *values]
    return L.Proc(argv, f"wampy-{command}")


def wampbox(r, transport, serializer, command, uri, *values, count=1, cipher=XS):
    return L.client("wb", r, transport, serializer, command, uri, *values, count=count, timeout_ms=TIMEOUT_MS,
                    extra=("--ppt-keys", r.keys, "--ppt-cipher", cipher))


def ready(proc):
    line = proc.wait_line(r'"ready"|"error"', 30)
    assert line and "ready" in line, (proc.name, proc.lines, proc.stderr[-2000:])


def finish(proc, want_rc=0):
    rc, lines = proc.finish(30)
    assert rc == want_rc, (proc.name, rc, lines, proc.stderr[-2000:])
    return lines


SUB_OPTS = ("--subscribe-options", '{"match": "exact", "get_retained": false}')


def test_wampy_publisher_wampbox_subscribers(router):
    topic = PREFIX + "pub.wampy"
    subs = [wampbox(router, t, s, "subscribe", topic, count=2) for t, s in (("rs", "json"), ("ws", "cbor"),
                                                                            ("rs", "msgpack"))]
    try:
        for s in subs:
            ready(s)
        finish(wampy(router, "publish", topic, json.dumps(ARGS), json.dumps(KWARGS)))
        # kwargs left out: wampy writes {"args": [...], "kwargs": undefined}
        finish(wampy(router, "publish", topic, json.dumps(["args only, kwargs absent"])))
        finish(wampy(router, "publish", topic, json.dumps([4294967296, 0.5]), "{}"))
        for s in subs:
            lines = finish(s)
            events = [l["event"] for l in lines if "event" in l]
            assert len(events) == 2, lines
            assert strict_equal(events[0]["args"], ARGS) and strict_equal(events[0]["kwargs"], KWARGS), events[0]
            assert events[0]["ppt"] is True and events[0]["details"]["ppt_keyid"] == KEYID
            # cbor-x writes 2^32 as float64: it arrives as a float
            assert strict_equal(events[1]["args"], [4294967296.0, 0.5]), events[1]
            summary = [l["summary"] for l in lines if "summary" in l][0]
            assert summary["refusals"] == ["wamp.error.protocol_violation"], summary
            assert summary["refusal_reasons"] == ["CBOR undefined is not supported"], summary
    finally:
        for s in subs:
            s.kill()


def test_wampbox_publisher_wampy_subscribers(router):
    topic = PREFIX + "pub.wampbox"
    subs = [wampy(router, "subscribe", topic, count=2, serializer=ser, extra=SUB_OPTS) for ser in ("cbor", "msgpack")]
    try:
        for s in subs:
            ready(s)
        finish(wampbox(router, "rs", "msgpack", "publish", topic, json.dumps(ARGS), json.dumps(KWARGS)))
        finish(wampbox(router, "ws", "json", "publish", topic, "[9223372036854775807, 2.0, -0.0]", "{}"))
        for s in subs:
            lines = finish(s)
            events = [l["event"] for l in lines if "event" in l]
            assert len(events) == 2, lines
            assert strict_equal(events[0]["args"], ARGS) and strict_equal(events[0]["kwargs"], KWARGS), events[0]
            assert events[0]["details"]["ppt_cipher"] == "xsalsa20poly1305"
            big, two, zero = events[1]["args"]
            # a JavaScript number: 2^63 - 1 becomes 2^63; 2.0 and -0.0 cannot be told from 2 and 0
            assert float(big) == 2.0 ** 63 and big != 9223372036854775807, big
            assert strict_equal([two, zero], [2, 0]), events[1]
    finally:
        for s in subs:
            s.kill()


def test_wampy_caller_wampbox_callee(router):
    proc = PREFIX + "rpc.wampbox"
    callee = wampbox(router, "ws", "cbor", "serve", proc)
    try:
        ready(callee)
        lines = finish(wampy(router, "call", proc, json.dumps(ARGS), json.dumps(KWARGS)))
        res = [l["result"] for l in lines if "result" in l]
        assert len(res) == 1 and strict_equal(res[0]["args"], ARGS) and strict_equal(res[0]["kwargs"], KWARGS), lines
        assert res[0]["details"]["ppt_scheme"] == "wamp"  # wampbox's YIELD was PPT too
        inv = [l["invocation"] for l in finish(callee) if "invocation" in l]
        assert len(inv) == 1 and inv[0]["ppt"] is True and strict_equal(inv[0]["args"], ARGS), inv
    finally:
        callee.kill()


@pytest.mark.parametrize("binary", ["buffer", "uint8array"])
def test_wampbox_caller_wampy_callee(router, binary):
    proc = PREFIX + f"rpc.wampy.{binary}"
    callee = wampy(router, "serve", proc, binary=binary)
    try:
        ready(callee)
        caller = wampbox(router, "rs", "json", "call", proc, json.dumps(ARGS), json.dumps(KWARGS))
        lines = finish(caller, want_rc=0 if binary == "buffer" else 1)
        callee_lines = finish(callee)  # served its one invocation either way
        inv = [l["invocation"] for l in callee_lines if "invocation" in l]
        assert len(inv) == 1 and strict_equal(inv[0]["args"], ARGS) and strict_equal(inv[0]["kwargs"], KWARGS), inv
        if binary == "buffer":
            res = [l["result"] for l in lines if "result" in l]
            assert len(res) == 1 and res[0]["ppt"] is True, lines
            assert strict_equal(res[0]["args"], ARGS) and strict_equal(res[0]["kwargs"], KWARGS), res
        else:
            # the YIELD's payload is a Uint8Array: wampy's CBOR transport writes tag 64, the router
            # aborts the callee's session, and the caller's call is canceled
            aborts = [l["abort"] for l in callee_lines if "abort" in l]
            assert aborts == [{"error": "wamp.error.protocol_violation",
                               "details": {"message": "unsupported CBOR tag 64"}}], callee_lines
            assert [l["error"] for l in lines if "error" in l] == ["wamp.error.canceled"], lines
    finally:
        callee.kill()


@pytest.mark.parametrize("case,serializer,binary,command,abort", [
    ("uint8array-payload", "cbor", "uint8array", "publish", "unsupported CBOR tag 64"),
    ("default-subscribe-cbor", "cbor", "buffer", "subscribe", "CBOR undefined is not supported"),
    ("default-subscribe-msgpack", "msgpack", "buffer", "subscribe", "MessagePack ext types are not supported"),
    ("json-transport", "json", "buffer", "publish", "ppt_scheme set but Arguments is not [binary]"),
])
def test_what_wampbox_router_refuses(router, case, serializer, binary, command, abort):
    """Each closes wampy's session with ABORT wamp.error.protocol_violation and the router's reason."""
    values = [json.dumps(["refused-" + case]), "{}"] if command == "publish" else []
    p = wampy(router, command, PREFIX + "refused." + case.replace("-", "_"), *values, serializer=serializer, binary=binary)
    lines = finish(p, want_rc=1)
    aborts = [l["abort"] for l in lines if "abort" in l]
    assert aborts == [{"error": "wamp.error.protocol_violation", "details": {"message": abort}}], lines


def test_aes256gcm_both_ways(router):
    """The same values with ppt_cipher aes256gcm (node:crypto on wampy's side, libsodium or OpenSSL on wampbox's)."""
    topic_in, topic_out = PREFIX + "aes.to_wampbox", PREFIX + "aes.to_wampy"
    wb_sub = wampbox(router, "ws", "cbor", "subscribe", topic_in)
    wy_sub = wampy(router, "subscribe", topic_out, cipher=AES, extra=SUB_OPTS)
    try:
        ready(wb_sub)
        ready(wy_sub)
        finish(wampy(router, "publish", topic_in, json.dumps(ARGS), json.dumps(KWARGS), cipher=AES))
        finish(wampbox(router, "rs", "json", "publish", topic_out, json.dumps(ARGS), json.dumps(KWARGS), cipher=AES))
        for proc in (wb_sub, wy_sub):
            ev = [l["event"] for l in finish(proc) if "event" in l]
            assert len(ev) == 1 and ev[0]["details"]["ppt_cipher"] == AES, ev
            assert strict_equal(ev[0]["args"], ARGS) and strict_equal(ev[0]["kwargs"], KWARGS), ev
    finally:
        wb_sub.kill()
        wy_sub.kill()


def test_cipher_is_fixed_per_wampy_client(router):
    """wampy hands its payload serializer no ppt_cipher: a client set up for xsalsa20poly1305
    cannot open an aes256gcm event (wampy drops it and only logs), while wampbox follows ppt_cipher."""
    topic = PREFIX + "aes.mismatch"
    wy_sub = wampy(router, "subscribe", topic, cipher=XS, extra=SUB_OPTS + ("--timeout-ms", "4000"))
    wb_sub = wampbox(router, "rs", "cbor", "subscribe", topic)
    try:
        ready(wy_sub)
        ready(wb_sub)
        finish(wampbox(router, "rs", "msgpack", "publish", topic, json.dumps(ARGS), json.dumps(KWARGS), cipher=AES))
        ev = [l["event"] for l in finish(wb_sub) if "event" in l]
        assert len(ev) == 1 and strict_equal(ev[0]["args"], ARGS), ev
        lines = finish(wy_sub, want_rc=1)  # no event before its timeout
        assert not [l for l in lines if "event" in l], lines
        dropped = [l["dropped"] for l in lines if "dropped" in l]
        assert len(dropped) == 1 and "Can not serialize/deserialize payload" in dropped[0], lines
        assert "MAC does not verify" in dropped[0], dropped
    finally:
        wy_sub.kill()
        wb_sub.kill()


def test_wampy_frames_on_the_wire(tmp_path):
    """What wampy.js puts on the wire (its own router run, capture read after the router stopped):
    HELLO announces payload_passthru_mode for every role; PUBLISH Options are acknowledge: true,
    then ppt_scheme, ppt_serializer, ppt_cipher, ppt_keyid in that order; Arguments exactly one
    byte string (a Buffer), no ArgumentsKw; the inner CBOR map head is 0xb9 with a 16-bit length."""
    import nacl.secret
    with L.Router(tmp_path) as r:
        finish(wampy(r, "publish", PREFIX + "wire", json.dumps(["on the wire"]), "{}"))
    msgs = [L.loads_frame(f, ser) for d, _, ser, f in L.parse_capture(r.capture) if d == "in"]
    hello = next(m for m in msgs if m[0] == 1)
    for role in ("publisher", "subscriber", "caller", "callee"):
        assert hello[2]["roles"][role]["features"]["payload_passthru_mode"] is True, hello
    pub = next(m for m in msgs if m[0] == 16)
    assert list(pub[2].items()) == [("acknowledge", True), ("ppt_scheme", "wamp"), ("ppt_serializer", "cbor"),
                                    ("ppt_cipher", XS), ("ppt_keyid", KEYID)], pub
    assert len(pub) == 5 and isinstance(pub[4], list) and len(pub[4]) == 1 and isinstance(pub[4][0], bytes), pub
    payload = pub[4][0]
    inner = nacl.secret.SecretBox(bytes.fromhex(KEY)).decrypt(payload[24:], payload[:24])
    assert inner.startswith(bytes.fromhex("b90002")), inner.hex()
