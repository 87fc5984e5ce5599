"""Live conformance: a WAMP client under test, on a real connection, judged from the wire.

    wampbox-conform live (--client NAME | --client-cmd 'COMMAND ...') [--transport rs|ws]
                         [--serializer json|msgpack|cbor] [--scenario NAME ...] [--out DIR]

The runner starts three processes and drives scripted scenarios through them:

- wampbox-router (loopback, ephemeral port, --capture on): payload-blind, it forwards
  what it gets; its capture is the wire the verdicts are read from;
- the peer: a raw WAMP session (scripts/live/livelib.RawClient, RawSocket + MessagePack)
  that subscribes, registers, publishes and calls as a scenario needs, and crafts the
  frames no honest client sends (tampered payloads, payloads sealed for another URI,
  plaintext on a keyed URI). It seals and opens payloads with the wampbox C++ library
  through its conformance adapter (the `cpp` adapter, PROTOCOL.md 4.3), so the peer's
  crypto is not the client's own code;
- the client under test, wrapped in a *live adapter*: a program that reads one JSON
  command per line on stdin (subscribe, register, publish, call) and reports on stdout
  what its WAMP session did and received. The contract (`wampbox-live/1`) is specified
  in docs/live-conformance.md; bundled adapters are in conformance/adapters/live/.

Every scenario is one case of the usual report (JSON, JUnit, HTML), layer "live", with
the case's wire log (every frame the router saw between the case's start marker and the
next one). Verdicts are taken in two steps: during the run from what the peer received
and the client reported, after the run from the capture (what the client put on the
wire). Every wait is bounded by --timeout; every process started here is stopped.
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import signal
import socket
import struct
import sys
import tempfile
import time

from . import __version__
from . import ops as O
from . import report as R
from .adapter import AdapterError, AdapterProcess, validate_hello_common
from .engine import HarnessError, bound_record

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.dirname(os.path.dirname(HERE))
ROOT = os.path.dirname(CONFORMANCE)
sys.path.insert(0, os.path.join(ROOT, "scripts", "live"))  # livelib: router, RawClient, capture, needles
sys.path.insert(0, os.path.join(ROOT, "scripts"))  # wampbox_py

LIVE_PROTOCOL = "wampbox-live/1"
LIVE_SUITE = "wampbox-live"
LIVE_SUITE_VERSION = "1.0.0"
EXIT_OK, EXIT_FAIL, EXIT_HARNESS = 0, 1, 2

PREFIX = "com.example.live.enc."         # the client holds a full key (both boxes) for it
RECV_PREFIX = "com.example.live.recvonly."  # responder box only: it may receive, not send
MARKER_TOPIC = "wampbox.live.case"          # plain publications by the peer that split the capture
TRANSPORTS = ("rs", "ws")
SERIALIZERS = ("json", "msgpack", "cbor")
NOTE_TYPES = ("event", "invocation", "refused")

WAMP = {"ERROR": 8, "PUBLISH": 16, "PUBLISHED": 17, "SUBSCRIBE": 32, "SUBSCRIBED": 33, "EVENT": 36, "CALL": 48,
        "RESULT": 50, "REGISTER": 64, "REGISTERED": 65, "INVOCATION": 68, "YIELD": 70}
TYPE_NAMES = {1: "HELLO", 2: "WELCOME", 3: "ABORT", 6: "GOODBYE", 8: "ERROR", 16: "PUBLISH", 17: "PUBLISHED",
              32: "SUBSCRIBE", 33: "SUBSCRIBED", 34: "UNSUBSCRIBE", 35: "UNSUBSCRIBED", 36: "EVENT", 48: "CALL",
              50: "RESULT", 64: "REGISTER", 65: "REGISTERED", 66: "UNREGISTER", 67: "UNREGISTERED",
              68: "INVOCATION", 70: "YIELD"}
# Index of Options/Details and of the payload (Arguments slot) per payload-carrying type.
OPTS_AT = {16: 2, 36: 3, 48: 2, 68: 3, 70: 2, 50: 2, 8: 3}
PAYLOAD_AT = {16: 4, 36: 4, 48: 4, 68: 4, 70: 3, 50: 3, 8: 5}

DAMAGE = {"tamper": "tampered", "swap": "URI-swapped"}
MAX_WIRE_CHARS = 24000  # per case in the reports; the capture file has everything
ADVICE = {"tamper": "wamp.error.encryption.decrypt_error", "swap": "wamp.error.encryption.trusted_uri_mismatch"}


class LiveError(Exception):
    """A scenario could not be carried out as scripted (the case fails with this reason)."""


# -- typed values (PROTOCOL.md 5), the form values take in the live protocol -----------------

def S(x):
    return {"str": x}


def I(x):  # noqa: E743 - one letter, as S/F/B: the value tables below stay readable
    return {"int": str(x)}


def F(x):
    return {"float": struct.pack(">d", x).hex()}


def B(x):
    return {"bytes": x.hex()}


def L(*xs):
    return {"list": list(xs)}


def D(*pairs):
    return {"dict": [[k, v] for k, v in pairs]}


NULL, TRUE = {"null": None}, {"bool": True}


def values(tag, wide_ints=True):
    """(args, kwargs) with every kind of value Autobahn's JSON payload carries; each string
    and binary leaf names `tag`, so every scenario's plaintext is distinct on the wire.
    wide_ints=False leaves out the integers beyond 64 bits. Values the client sends use it:
    should the client send them in plaintext (a defect, or a profile's fallback), the router
    cannot translate such a message into the peer's MessagePack and ABORTs the client's
    session, which would fail every later scenario too. Inside an encrypted payload they are
    JSON text, so the payloads the peer seals for the client carry them."""
    big = [I(123456789012345678901234567890), I(-9007199254740993)] if wide_ints else [I(-9007199254740993)]
    args = L(S(f"{tag}: Counter is at 1"), S(f"\u00fcn\u00efc\u00f8d\u00e9 \u2713 line\nbreak \"quoted\" {tag}"),
             F(1.5), F(-0.0), F(1e-07), *big, TRUE, NULL,
             B(f"secret-binary-{tag}".encode()), L(I(1), D(("deep", S(f"secret-nested-leaf-{tag}")))))
    kwargs = D(("kwsecret", S(f"value-of-the-keyword-{tag}")),
               ("big", I(18446744073709551621) if wide_ints else I(18446744073709551615)),
               ("list", L(S(f"kw-list-item-{tag}"), F(2.25))))
    return args, kwargs


def py_value(t):
    """Typed value -> Python value, for the plaintext search (livelib.needles_for) and the
    peer's plaintext publication. The shared decoder (wampbox_py.typed.untv) serves here: the
    verdicts on values compare typed values with the judge's own ops.norm_typed, which stays
    independent of it (HACKING.md, "Independent readings")."""
    from wampbox_py.typed import untv
    return untv(t)


def same(a, b):
    return O.norm_typed(a) == O.norm_typed(b)


def is_empty(t, kind):
    return t is None or t == NULL or t == {kind: []}


def short(t, n=300):
    text = json.dumps(t, ensure_ascii=False, default=_render)
    return text if len(text) <= n else text[:n] + "..."


# -- the peer ---------------------------------------------------------------------------

class PeerCrypto:
    """Seals and opens payloads with the wampbox C++ library, through its conformance adapter
    (payload_encode / payload_decode). Fresh random nonces."""

    def __init__(self, command, keyring, timeout):
        self.keyring = keyring
        self.timeout = timeout
        self.proc = AdapterProcess(command, handshake_timeout=max(30.0, timeout))
        self.proc.start()
        self.rid = 0

    def _req(self, op, inputs):
        self.rid += 1
        try:
            return self.proc.request(self.rid, op, dict(inputs, keyring=self.keyring), self.timeout)
        except AdapterError as e:
            raise HarnessError(f"the peer's crypto (C++ adapter) failed on {op}: {e}") from e

    def seal(self, role, uri, args, kwargs):
        r = self._req("payload_encode", {"role": role, "uri": uri, "args": args, "kwargs": kwargs,
                                         "nonce": os.urandom(24).hex()})
        if r["status"] != "ok" or not r["output"].get("payload"):
            raise HarnessError(f"the peer cannot seal for {uri!r} as {role}: {r}")
        return bytes.fromhex(r["output"]["payload"])

    def open(self, role, uri, opts, payload):
        """(args, kwargs) typed, or raises LiveError with the library's error code."""
        r = self._req("payload_decode", {"role": role, "uri": uri, "encAlgo": opts.get("enc_algo"),
                                         "encSerializer": opts.get("enc_serializer"), "payload": payload.hex()})
        if r["status"] != "ok":
            raise LiveError(f"the peer could not open the payload for {uri!r}: {r.get('error')} {r.get('message', '')}")
        return r["output"]["args"], r["output"]["kwargs"]

    def close(self):
        self.proc.close(grace=1.0)


class Peer:
    """The runner's own WAMP session (livelib.RawClient over RawSocket, MessagePack).
    Messages that arrive while it waits for something else are kept in `inbox`."""

    def __init__(self, port, timeout):
        import livelib
        self.timeout = timeout
        self.rc = livelib.RawClient(port, "msgpack", timeout=timeout, length_exp=15)
        welcome = self.rc.join()
        self.session = welcome[1]
        self.inbox = []
        self.req = 0

    def next_req(self):
        self.req += 1
        return self.req

    def send(self, msg):
        self.rc.send(msg)

    def expect(self, pred, timeout):
        """The first message for which pred(msg) holds, within `timeout` s, else None."""
        for i, m in enumerate(self.inbox):
            if pred(m):
                return self.inbox.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.rc.s.settimeout(left)
            try:
                m = self.rc.recv()
            except (socket.timeout, TimeoutError):
                return None
            except (ConnectionError, OSError) as e:
                raise HarnessError(f"the peer lost its connection to the router: {e}") from e
            if pred(m):
                return m
            self.inbox.append(m)

    def request(self, msg, ok_type, timeout=None):
        """Sends a request and waits for its answer (ok_type or ERROR with the same request id)."""
        req = msg[1]
        self.send(msg)
        m = self.expect(lambda x: (x[0] == ok_type and x[1] == req) or (x[0] == 8 and x[1] == msg[0] and x[2] == req),
                        timeout or self.timeout)
        if m is None or m[0] == 8:
            raise HarnessError(f"the router did not accept the peer's {TYPE_NAMES.get(msg[0])}: {m}")
        return m

    def subscribe(self, topic):
        return self.request([32, self.next_req(), {}, topic], 33)[2]

    def register(self, proc):
        return self.request([64, self.next_req(), {}, proc], 65)[2]

    def publish_payload(self, topic, payload, opts=None):
        o = {"acknowledge": True, "enc_algo": "cryptobox", "enc_serializer": "json"}
        o.update(opts or {})
        self.request([16, self.next_req(), o, topic, payload], 17)

    def publish_plain(self, topic, args, kwargs):
        self.request([16, self.next_req(), {"acknowledge": True}, topic, args, kwargs], 17)

    def marker(self, key):
        self.publish_plain(MARKER_TOPIC, [key], {})

    def close(self):
        try:
            self.rc.send([6, {}, "wamp.close.normal"])
        except OSError:
            pass
        self.rc.close()


# -- the client under test ------------------------------------------------------------------

class LiveClient(AdapterProcess):
    """The live adapter process: one command per line in, responses (with the command's id)
    and notes (events, invocations, refusals it reports on its own) out."""

    def start_live(self, hello, timeout):
        try:
            self.spawn()
        except AdapterError as e:
            raise HarnessError(f"cannot start the client adapter: {e}") from e
        self.notes = []
        self.rid = 0
        try:
            self._send(hello)
            msg = self._read(timeout)
        except AdapterError as e:
            self.kill()
            raise HarnessError(f"the client adapter failed its handshake ({e.kind}): {e}\n{e.stderr_tail}") from e
        problem = validate_live_hello(msg)
        if problem:
            self.kill()
            raise HarnessError(f"invalid hello from the client adapter: {problem}\n{self.stderr_tail()}")
        self.hello = msg
        return msg

    def send_cmd(self, cmd, **fields):
        self.rid += 1
        self._send(dict({"type": "cmd", "id": self.rid, "cmd": cmd}, **fields))
        return self.rid

    def _next(self, timeout):
        msg = self._read(timeout)
        if msg.get("type") in NOTE_TYPES:
            self.notes.append(msg)
            return None
        return msg

    def wait(self, rid, timeout):
        """The response to command `rid` (notes read meanwhile are kept). Raises LiveError."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self._next(max(0.0, deadline - time.monotonic()))
            except AdapterError as e:
                raise LiveError(f"client adapter {e.kind} while waiting for command {rid}: {e}") from e
            if msg is None:
                continue
            if isinstance(msg.get("id"), int) and msg["id"] < rid:
                # The late answer to a command that timed out in an earlier scenario.
                self.notes.append({"type": "late", "response": msg})
                continue
            if msg.get("id") != rid or msg.get("status") not in ("ok", "error"):
                raise LiveError(f"client adapter protocol violation: expected the response to command {rid}, got "
                                f"{short(msg)}")
            return msg

    def wait_note(self, pred, timeout, start=0):
        """The first note (index >= start) for which pred holds, within `timeout` s, else None."""
        deadline = time.monotonic() + timeout
        seen = start
        while True:
            for n in self.notes[seen:]:
                seen += 1
                if pred(n):
                    return n
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                msg = self._next(left)
            except AdapterError as e:
                if e.kind == "timeout":
                    return None
                raise LiveError(f"client adapter {e.kind}: {e}") from e
            if msg is not None:
                raise LiveError(f"client adapter protocol violation: unsolicited response {short(msg)}")

    def do(self, cmd, timeout, **fields):
        return self.wait(self.send_cmd(cmd, **fields), timeout)


def validate_live_hello(msg):
    """None if `msg` is a valid live hello (the corpus hello's checks without 'supports'), else what is wrong."""
    return validate_hello_common(msg, LIVE_PROTOCOL)


# -- scenarios ------------------------------------------------------------------------------

class Scenario:
    def __init__(self, name, op, comment, flags, fn, result="valid", profile_key=None):
        self.name, self.op, self.comment, self.flags, self.fn = name, op, comment, flags, fn
        self.result, self.profile_key = result, profile_key


class Case:
    """What one scenario observed: failures found during the run, and checks on the wire
    (callables taking the case's captured frames) that run after the router stopped."""

    def __init__(self, sc, profile):
        self.sc = sc
        self.fails = []
        self.notes = []
        self.expected = {}
        self.actual = {}
        self.wire_checks = []
        self.secret_values = []   # typed values that must never appear on the wire in clear
        self.plaintext_allowed = False
        self.judged_as = "accept"
        self.profile_note = ""
        if sc.profile_key:
            declared = profile.get(sc.profile_key, "")
            self.profile_note = f"{sc.profile_key}={declared or 'undeclared'}"
            self.judged_as = {"": "either"}.get(declared, declared)

    def fail(self, why):
        self.fails.append(why)


def _payload_of(msg):
    """(options, payload bytes or None) of a payload-carrying message as the peer got it."""
    t = msg[0]
    opts = msg[OPTS_AT[t]] if len(msg) > OPTS_AT[t] else {}
    p = msg[PAYLOAD_AT[t]] if len(msg) > PAYLOAD_AT[t] else None
    return opts, (p if isinstance(p, (bytes, bytearray)) else None)


def _expect_encrypted(case, msg, what):
    opts, payload = _payload_of(msg)
    if opts.get("enc_algo") != "cryptobox" or payload is None:
        plain = msg[PAYLOAD_AT[msg[0]]:]
        case.fail(f"{what} arrived in plaintext (no cryptobox payload): enc_algo={opts.get('enc_algo')!r}, "
                  f"Arguments/ArgumentsKw {short(plain, 200)}")
        return None
    return opts, payload


def _check_values(case, what, got_args, got_kwargs, args, kwargs):
    case.actual[what] = {"args": got_args, "kwargs": got_kwargs}
    if not same(got_args, args) or not same(got_kwargs, kwargs):
        case.fail(f"{what} differs from what was sent: got args {short(got_args, 160)} kwargs "
                  f"{short(got_kwargs, 120)}")
    else:
        n = lambda t, k: len(t.get(k, [])) if isinstance(t, dict) else 0  # noqa: E731
        case.notes.append(f"{what}: exactly the {n(args, 'list')} args and {n(kwargs, 'dict')} kwargs sent")


def _wire_sent_encrypted(mtype, uri=None, count=None):
    """A wire check: the client's frames of `mtype` (on `uri`) are all cryptobox-encrypted."""
    def check(frames):
        sent = [f for f in frames if f.from_client and f.type == mtype and (uri is None or f.uri == uri)]
        out = []
        if count is not None and len(sent) != count:
            out.append(f"expected {count} {TYPE_NAMES[mtype]} frame(s) from the client"
                       + (f" on {uri}" if uri else "") + f" on the wire, found {len(sent)}")
        for f in sent:
            if not f.encrypted:
                out.append(f"the client sent {TYPE_NAMES[mtype]} in plaintext: {f.render(240)}")
            elif f.opts.get("enc_serializer") != "json" or len(f.msg) != PAYLOAD_AT[mtype] + 1:
                out.append(f"the client's encrypted {TYPE_NAMES[mtype]} is malformed (enc_serializer "
                           f"{f.opts.get('enc_serializer')!r}, {len(f.msg)} elements): {f.render(240)}")
        return out
    return check


def _wire_delivered(mtype, payload):
    """A wire check: the router delivered the crafted payload to a client session (else the
    scenario proved nothing)."""
    def check(frames):
        if any(not f.from_client and not f.peer and f.type == mtype and f.payload == payload for f in frames):
            return []
        return [f"the crafted {TYPE_NAMES[mtype]} never reached the client on the wire (scenario not exercised)"]
    return check


def sc_publish(ctx, case, tag="publish", args_kwargs=None):
    topic = PREFIX + tag
    args, kwargs = args_kwargs or values(tag, wide_ints=False)
    case.expected = {"publish": {"topic": topic, "args": args, "kwargs": kwargs}}
    case.secret_values += [args, kwargs]
    ctx.peer.subscribe(topic)
    r = ctx.client.do("publish", ctx.timeout, uri=topic, args=args, kwargs=kwargs)
    case.actual["response"] = r
    if r["status"] != "ok":
        case.fail(f"the client refused to publish: {r.get('error')} {r.get('message', '')}")
        return
    ev = ctx.peer.expect(lambda m: m[0] == 36, ctx.timeout)
    if ev is None:
        case.fail("the peer received no EVENT for the client's publication")
        return
    enc = _expect_encrypted(case, ev, "the client's publication")
    if enc:
        got_args, got_kwargs = ctx.crypto.open("responder", topic, *enc)
        if args_kwargs is not None and is_empty(args, "list") and is_empty(kwargs, "dict"):
            case.actual["event"] = {"args": got_args, "kwargs": got_kwargs}
            if not (is_empty(got_args, "list") and is_empty(got_kwargs, "dict")):
                case.fail(f"an empty publication decrypted to args {short(got_args)} kwargs {short(got_kwargs)}")
        else:
            _check_values(case, "peer's decrypted event", got_args, got_kwargs, args, kwargs)
    case.wire_checks.append(_wire_sent_encrypted(16, topic, count=1))


def sc_publish_empty(ctx, case):
    sc_publish(ctx, case, "publish-empty", (L(), D()))


def sc_publish_after(ctx, case):
    sc_publish(ctx, case, "publish-after-refusals")


def _client_call(ctx, case, proc, args, kwargs, answer):
    """The peer registers `proc`, the client calls it; the peer answers the INVOCATION with
    a YIELD carrying the payload answer(invocation) returns. Returns (the INVOCATION or None,
    the client's response); a missing INVOCATION fails the case."""
    ctx.peer.register(proc)
    rid = ctx.client.send_cmd("call", uri=proc, args=args, kwargs=kwargs)
    inv = ctx.peer.expect(lambda m: m[0] == 68, ctx.timeout)
    if inv is None:
        case.actual["response"] = ctx.client.wait(rid, ctx.timeout)
        case.fail("the peer received no INVOCATION for the client's call")
        return None, case.actual["response"]
    ctx.peer.send([70, inv[1], {"enc_algo": "cryptobox", "enc_serializer": "json"}, answer(inv)])
    r = ctx.client.wait(rid, ctx.timeout)
    case.actual["response"] = r
    return inv, r


def sc_call(ctx, case):
    proc = PREFIX + "call"
    args, kwargs = values("call", wide_ints=False)
    res_args, res_kwargs = values("call-result")
    case.expected = {"call": {"procedure": proc, "args": args, "kwargs": kwargs}}
    case.secret_values += [args, kwargs]

    def answer(inv):
        enc = _expect_encrypted(case, inv, "the client's call")
        if enc:
            _check_values(case, "peer's decrypted invocation", *ctx.crypto.open("responder", proc, *enc), args, kwargs)
        return ctx.crypto.seal("responder", proc, res_args, res_kwargs)

    case.wire_checks.append(_wire_sent_encrypted(48, proc, count=1))
    inv, r = _client_call(ctx, case, proc, args, kwargs, answer)
    if inv is not None and r["status"] != "ok":
        case.fail(f"the client's call failed: {r.get('error')} {r.get('message', '')}")


def sc_result(ctx, case):
    proc = PREFIX + "result"
    args, kwargs = L(S("result please")), D()
    res_args, res_kwargs = values("result")
    case.expected = {"result": {"args": res_args, "kwargs": res_kwargs}}
    inv, r = _client_call(ctx, case, proc, args, kwargs,
                          lambda inv: ctx.crypto.seal("responder", proc, res_args, res_kwargs))
    if inv is None:
        return
    if r["status"] != "ok":
        case.fail(f"the client did not accept a valid encrypted RESULT: {r.get('error')} {r.get('message', '')}")
        return
    res = r.get("result") or {}
    _check_values(case, "client's result", res.get("args"), res.get("kwargs"), res_args, res_kwargs)


def _client_subscribes(ctx, case, topic):
    """The client subscribes to `topic`; returns the index of its next note, or None (the case
    failed) when it could not."""
    r = ctx.client.do("subscribe", ctx.timeout, uri=topic)
    if r["status"] != "ok":
        case.fail(f"the client could not subscribe: {r.get('error')} {r.get('message', '')}")
        return None
    return len(ctx.client.notes)


def _client_serves(ctx, case, proc, payload):
    """The client registers `proc` (its echo), the peer calls it with the cryptobox `payload`.
    Returns (the peer's RESULT or ERROR, or None after the timeout; the index of the client's
    first note after the call), or None (the case failed) when the client could not register."""
    r = ctx.client.do("register", ctx.timeout, uri=proc)
    if r["status"] != "ok":
        case.fail(f"the client could not register: {r.get('error')} {r.get('message', '')}")
        return None
    start = len(ctx.client.notes)
    req = ctx.peer.next_req()
    ctx.peer.send([48, req, {"enc_algo": "cryptobox", "enc_serializer": "json"}, proc, payload])
    return ctx.peer.expect(lambda m: (m[0] == 50 and m[1] == req) or (m[0] == 8 and m[2] == req), ctx.timeout), start


def sc_error(ctx, case):
    """The peer (callee) fails the client's call with an application ERROR whose arguments are
    encrypted under the key of the error URI (Autobahn keys ERROR payloads by the error URI)."""
    proc, err_uri = PREFIX + "error", PREFIX + "error.app_failed"
    err_args, err_kwargs = values("error")
    case.expected = {"error": {"uri": err_uri, "args": err_args, "kwargs": err_kwargs}}

    ctx.peer.register(proc)
    rid = ctx.client.send_cmd("call", uri=proc, args=L(S("fail please")), kwargs=D())
    inv = ctx.peer.expect(lambda m: m[0] == 68, ctx.timeout)
    if inv is None:
        case.actual["response"] = ctx.client.wait(rid, ctx.timeout)
        case.fail("the peer received no INVOCATION for the client's call")
        return
    ctx.peer.send([8, 68, inv[1], {"enc_algo": "cryptobox", "enc_serializer": "json"}, err_uri,
                   ctx.crypto.seal("responder", err_uri, err_args, err_kwargs)])
    r = ctx.client.wait(rid, ctx.timeout)
    case.actual["response"] = r
    if r["status"] != "error":
        case.fail(f"the call succeeded although the callee answered with ERROR: {short(r.get('result'))}")
    elif r.get("error") != err_uri:
        case.fail(f"the call failed with {r.get('error')!r}, not the callee's {err_uri!r}: {r.get('message', '')}")
    elif "args" not in r:
        case.fail("the client adapter did not report the error's arguments (args/kwargs in the error response)")
    else:
        _check_values(case, "client's error arguments", r.get("args"), r.get("kwargs"), err_args, err_kwargs)


def _event_note(topic):
    return lambda n: n.get("type") == "event" and n.get("uri") in (topic, None)


def sc_event(ctx, case):
    topic = PREFIX + "event"
    args, kwargs = values("event")
    case.expected = {"event": {"topic": topic, "args": args, "kwargs": kwargs}}
    start = _client_subscribes(ctx, case, topic)
    if start is None:
        return
    ctx.peer.publish_payload(topic, ctx.crypto.seal("originator", topic, args, kwargs))
    n = ctx.client.wait_note(_event_note(topic), ctx.timeout, start)
    if n is None:
        case.fail("the client reported no event for a valid encrypted publication")
        return
    _check_values(case, "client's event", n.get("args"), n.get("kwargs"), args, kwargs)
    if n.get("encrypted") is False:
        case.fail("the client reported the encrypted event as unencrypted")


def sc_invocation(ctx, case):
    proc = PREFIX + "invocation"
    args, kwargs = values("invocation", wide_ints=False)
    case.expected = {"invocation": {"procedure": proc, "args": args, "kwargs": kwargs}, "echo": "the same values"}
    case.secret_values += [args, kwargs]
    served = _client_serves(ctx, case, proc, ctx.crypto.seal("originator", proc, args, kwargs))
    if served is None:
        return
    res, start = served
    n = ctx.client.wait_note(lambda x: x.get("type") == "invocation", ctx.timeout if res is None else 2.0, start)
    if n is None:
        case.fail("the client reported no invocation for a valid encrypted call")
    else:
        _check_values(case, "client's invocation", n.get("args"), n.get("kwargs"), args, kwargs)
    if res is None:
        case.fail("the peer got no RESULT for its call")
    elif res[0] == 8:
        case.fail(f"the client answered a valid encrypted call with ERROR {res[4]!r}")
    else:
        enc = _expect_encrypted(case, res, "the client's YIELD")
        if enc:
            _check_values(case, "peer's decrypted result (the echo)", *ctx.crypto.open("originator", proc, *enc), args,
                          kwargs)
    case.wire_checks.append(_wire_sent_encrypted(70, count=1))


def _tamper(payload):
    # One bit of the Poly1305 tag: no receiver may release a plaintext for it.
    b = bytearray(payload)
    b[24 + 5] ^= 0x20
    return bytes(b)


def _crafted(ctx, mode, role, uri, args, kwargs):
    if mode == "tamper":
        return _tamper(ctx.crypto.seal(role, uri, args, kwargs))
    # A payload sealed under the same key for another URI (what a router that swaps topics
    # or procedures delivers): it opens, but its inner uri is not the envelope's.
    return ctx.crypto.seal(role, uri + ".swapped", args, kwargs)


def _refuse_event(ctx, case, mode):
    topic = PREFIX + f"{mode}-event"
    args, kwargs = values(f"{mode}-event")
    sentinel = L(S(f"sentinel after the {DAMAGE[mode]} event"))
    case.expected = {"event": f"none for the {DAMAGE[mode]} publication; then the sentinel {short(sentinel)}"}
    case.secret_values += [args, kwargs]
    start = _client_subscribes(ctx, case, topic)
    if start is None:
        return
    bad = _crafted(ctx, mode, "originator", topic, args, kwargs)
    ctx.peer.publish_payload(topic, bad)
    ctx.peer.publish_payload(topic, ctx.crypto.seal("originator", topic, sentinel, D()))
    n = ctx.client.wait_note(lambda x: x.get("type") == "event" and same(x.get("args"), sentinel), ctx.timeout, start)
    events = [x for x in ctx.client.notes[start:] if x.get("type") == "event"]
    case.actual["events"] = events
    case.actual["refused"] = [x for x in ctx.client.notes[start:] if x.get("type") == "refused"]
    if n is None:
        case.fail("the sentinel event that follows the crafted one never arrived: cannot tell a refusal from a lost "
                  "connection")
    others = [x for x in events if not same(x.get("args"), sentinel)]
    if others:
        case.fail(f"the client delivered the {DAMAGE[mode]} event: {short(others[0], 240)}")
    elif n is not None:
        case.notes.append(f"dropped; the sentinel that followed was delivered ({len(case.actual['refused'])} "
                          f"refusal(s) reported)")
    case.wire_checks.append(_wire_delivered(36, bad))


def _crafted_for(ctx, case, mode, what, role, expected):
    """(procedure, crafted payload) of a refuse-* RPC scenario; its values are secrets."""
    proc = PREFIX + f"{mode}-{what}"
    args, kwargs = values(f"{mode}-{what}")
    case.expected = {what: expected}
    case.secret_values += [args, kwargs]
    return proc, _crafted(ctx, mode, role, proc, args, kwargs)


def _note_error(case, mode, got, ok_text):
    if got != ADVICE[mode]:
        case.notes.append(f"refused with {got!r}, not Autobahn's {ADVICE[mode]!r} (not a failure)")
    else:
        case.notes.append(f"{ok_text} {got}")


def _refuse_result(ctx, case, mode):
    proc, bad = _crafted_for(ctx, case, mode, "result", "responder", f"an error (advice: {ADVICE[mode]}), no result")
    inv, r = _client_call(ctx, case, proc, L(S("call me")), D(), lambda inv: bad)
    if inv is None:
        return
    if r["status"] == "ok":
        case.fail(f"the client accepted a {DAMAGE[mode]} RESULT: {short(r.get('result'), 240)}")
    else:
        _note_error(case, mode, r.get("error"), "the call failed with")
    case.wire_checks.append(_wire_delivered(50, bad))


def _refuse_invocation(ctx, case, mode):
    proc, bad = _crafted_for(ctx, case, mode, "invocation", "originator",
                             f"not delivered; the caller gets ERROR (advice: {ADVICE[mode]})")
    served = _client_serves(ctx, case, proc, bad)
    if served is None:
        return
    res, start = served
    # The answer follows the client's decision: an invocation it delivered is reported by now.
    ctx.client.wait_note(lambda x: False, 0.2, start)
    delivered = [x for x in ctx.client.notes[start:] if x.get("type") == "invocation"]
    case.actual["invocations"] = delivered
    case.actual["answer"] = None if res is None else _render(res)
    if delivered:
        case.fail(f"the client delivered the {DAMAGE[mode]} invocation: {short(delivered[0], 240)}")
    if res is None:
        case.fail("the client never answered the crafted call (no ERROR within the timeout)")
    elif res[0] == 50:
        case.fail(f"the client answered the {DAMAGE[mode]} call with a RESULT")
    else:
        _note_error(case, mode, res[4], "not invoked; the caller got ERROR")
    case.wire_checks.append(_wire_delivered(68, bad))


def sc_fallback(ctx, case):
    """The key covering the topic lacks the originator box (a receive-only key)."""
    topic = RECV_PREFIX + "fallback"
    args, kwargs = values("fallback", wide_ints=False)
    case.secret_values += [args, kwargs]
    case.expected = {"reject": "the publish fails; nothing in clear on the wire",
                     "plaintext": "the publication goes out in plaintext (Autobahn's documented fallback)",
                     "either": "either of the above"}[case.judged_as if case.judged_as in ("reject", "plaintext")
                                                       else "either"]
    ctx.peer.subscribe(topic)
    r = ctx.client.do("publish", ctx.timeout, uri=topic, args=args, kwargs=kwargs)
    case.actual["response"] = r
    ev = ctx.peer.expect(lambda m: m[0] == 36, ctx.timeout if r["status"] == "ok" else 0.3)
    case.actual["event_at_peer"] = None if ev is None else _render(ev)
    if r["status"] == "error":
        outcome = "reject"
        if ev is not None:
            case.fail("the client reported an error but the publication went out anyway")
    else:
        outcome = "plaintext"
        if ev is None:
            case.fail("the client reported the publish as done, but no EVENT reached the peer")
        elif _payload_of(ev)[1] is not None:
            case.fail("the client encrypted without the originator box (impossible with a correct key)")
        else:
            case.notes.append("sent in the clear: " + _render(ev[4:])[:200])
    if case.judged_as == "reject" and outcome != "reject":
        case.fail("the client declared plaintext_fallback=reject but published in plaintext")
    elif case.judged_as == "plaintext" and outcome != "plaintext":
        case.fail("the client declared plaintext_fallback=plaintext but refused to publish")
    case.judged_as = case.judged_as if case.judged_as != "either" else f"either ({outcome})"
    case.plaintext_allowed = outcome == "plaintext" and not case.fails


def sc_plaintext_event(ctx, case):
    """A plaintext EVENT on a topic the client holds a key for (a router injecting data)."""
    topic = PREFIX + "plaintext-event"
    args, kwargs = values("plaintext-event", wide_ints=False)
    sentinel = L(S("sentinel after the plaintext event"))
    start = _client_subscribes(ctx, case, topic)
    if start is None:
        return
    ctx.peer.publish_plain(topic, [py_value(a) for a in args["list"]], py_value(kwargs))
    ctx.peer.publish_payload(topic, ctx.crypto.seal("originator", topic, sentinel, D()))
    n = ctx.client.wait_note(lambda x: x.get("type") == "event" and same(x.get("args"), sentinel), ctx.timeout, start)
    events = [x for x in ctx.client.notes[start:] if x.get("type") == "event" and not same(x.get("args"), sentinel)]
    case.actual["events"] = events
    if n is None:
        case.fail("the encrypted sentinel event that follows the plaintext one never arrived")
        return
    outcome = "accept" if events else "refuse"
    if events:
        _check_values(case, "plaintext event", events[0].get("args"), events[0].get("kwargs"), args, kwargs)
        if events[0].get("encrypted") is True:
            case.fail("the client reported a plaintext event as encrypted")
    if case.judged_as in ("accept", "refuse") and outcome != case.judged_as:
        case.fail(f"the client declared plaintext_receive={case.judged_as} but did {outcome}")
    case.expected = {"plaintext_receive": case.judged_as}
    if case.judged_as == "either":
        case.judged_as = f"either ({outcome})"


def sc_wire_audit(ctx, case):
    case.expected = {"wire": "every PUBLISH/CALL/YIELD the client sent on a keyed URI is cryptobox-encrypted, and no "
                             "argument or keyword value of any scenario appears in its frames, raw or base64"}
    # Judged after the run, on the whole capture (see finish_wire_audit).


SCENARIOS = [
    Scenario("publish-encrypted", "send-encrypted", "the client publishes on a keyed topic: cryptobox on the wire, "
             "the peer decrypts exactly the values", ["Publisher", "WireCheck"], sc_publish),
    Scenario("publish-empty-encrypted", "send-encrypted", "a publication without arguments is encrypted too",
             ["Publisher", "WireCheck", "EmptyPayload"], sc_publish_empty),
    Scenario("call-encrypted", "send-encrypted", "the client calls a keyed procedure: cryptobox on the wire, the "
             "peer (callee) decrypts exactly the arguments", ["Caller", "WireCheck"], sc_call),
    Scenario("event-decrypt", "decrypt", "the client decrypts an encrypted event to exactly the published values",
             ["Subscriber"], sc_event),
    Scenario("result-decrypt", "decrypt", "the client decrypts an encrypted RESULT to exactly the values",
             ["Caller"], sc_result),
    Scenario("error-decrypt", "decrypt", "the client decrypts the arguments of an application ERROR sealed under "
             "the error URI's key to exactly the values", ["Caller", "ApplicationError"], sc_error),
    Scenario("invocation-decrypt", "decrypt", "the client (callee) decrypts an encrypted INVOCATION and answers "
             "with an encrypted YIELD", ["Callee", "WireCheck"], sc_invocation),
    Scenario("event-tampered", "refuse-tampered", "an EVENT whose tag was altered is dropped (a sentinel event "
             "follows)", ["Subscriber", "ModifiedTag"], lambda c, k: _refuse_event(c, k, "tamper")),
    Scenario("result-tampered", "refuse-tampered", "a RESULT whose tag was altered fails the call",
             ["Caller", "ModifiedTag"], lambda c, k: _refuse_result(c, k, "tamper")),
    Scenario("invocation-tampered", "refuse-tampered", "an INVOCATION whose tag was altered is answered with ERROR, "
             "not invoked", ["Callee", "ModifiedTag"], lambda c, k: _refuse_invocation(c, k, "tamper")),
    Scenario("event-uri-swapped", "refuse-swapped", "an EVENT whose payload was sealed for another topic is "
             "dropped", ["Subscriber", "UriMismatch"], lambda c, k: _refuse_event(c, k, "swap")),
    Scenario("result-uri-swapped", "refuse-swapped", "a RESULT sealed for another procedure fails the call",
             ["Caller", "UriMismatch"], lambda c, k: _refuse_result(c, k, "swap")),
    Scenario("invocation-uri-swapped", "refuse-swapped", "an INVOCATION sealed for another procedure is answered "
             "with ERROR", ["Callee", "UriMismatch"], lambda c, k: _refuse_invocation(c, k, "swap")),
    Scenario("publish-after-refusals", "no-plaintext", "after all the refusals the client still publishes "
             "encrypted", ["Publisher", "WireCheck"], sc_publish_after),
    Scenario("fallback-missing-role", "no-plaintext", "publishing where the matched key lacks the originator box "
             "(a receive-only key): refuse, or Autobahn's plaintext, as the profile declares",
             ["Publisher", "PlaintextFallback"], sc_fallback, result="acceptable", profile_key="plaintext_fallback"),
    Scenario("plaintext-event", "no-plaintext", "a plaintext EVENT on a keyed topic: refused, or accepted and "
             "reported as unencrypted, as the profile declares", ["Subscriber", "PlaintextReceive"],
             sc_plaintext_event, result="acceptable", profile_key="plaintext_receive"),
    Scenario("wire-audit", "no-plaintext", "run-wide: every frame the client sent is searched for every "
             "scenario's plaintext (raw and base64) and every keyed PUBLISH/CALL/YIELD must be encrypted",
             ["WireCheck"], sc_wire_audit),
]
SCENARIO_NAMES = [s.name for s in SCENARIOS]


# -- the wire --------------------------------------------------------------------------------

class Frame:
    """One captured frame, decoded, with who sent or received it."""

    def __init__(self, direction, session, ser, data, peer_session):
        import livelib
        self.direction, self.session, self.ser, self.data = direction, session, ser, data
        self.peer = session == peer_session
        self.from_client = direction == "in" and not self.peer
        try:
            self.msg = livelib.loads_frame(data, ser)
        except Exception as e:  # noqa: BLE001 - a frame the router took but Python cannot read is shown as is
            self.msg = None
            self.error = f"{type(e).__name__}: {e}"
        t = self.msg[0] if isinstance(self.msg, list) and self.msg else None
        self.type = t
        self.opts, self.payload, self.uri = {}, None, None
        if t in OPTS_AT and len(self.msg) > OPTS_AT[t] and isinstance(self.msg[OPTS_AT[t]], dict):
            self.opts = self.msg[OPTS_AT[t]]
            p = self.msg[PAYLOAD_AT[t]] if len(self.msg) > PAYLOAD_AT[t] else None
            self.payload = bytes(p) if isinstance(p, (bytes, bytearray)) else None
        if t in (16, 48) and len(self.msg) > 3:
            self.uri = self.msg[3]
        self.encrypted = self.opts.get("enc_algo") == "cryptobox" and self.payload is not None

    def is_marker(self):
        return self.peer and self.direction == "in" and self.type == 16 and self.uri == MARKER_TOPIC

    def render(self, limit=400):
        text = _render(self.msg) if self.msg is not None else f"<undecodable {len(self.data)} bytes: {self.error}>"
        return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"

    def line(self):
        who = "peer" if self.peer else "client"
        arrow = f"{who:6s} -> router" if self.direction == "in" else f"router -> {who:6s}"
        name = TYPE_NAMES.get(self.type, str(self.type))
        return f"{arrow}  session {self.session} {self.ser:7s} {name:11s} {len(self.data):5d} B  {self.render()}"


def _render(v):
    if isinstance(v, (bytes, bytearray)):
        b = bytes(v)
        return f"<binary {len(b)} B {b[:12].hex()}{'...' if len(b) > 12 else ''}>"
    if isinstance(v, list):
        return "[" + ",".join(_render(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{_render(x)}" for k, x in v.items()) + "}"
    try:
        return json.dumps(v, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(v)


def split_capture(path, peer_session):
    """(frames before the first marker, {case key: frames of that case}) from the capture."""
    import livelib
    frames = [Frame(d, s, ser, data, peer_session) for d, s, ser, data in livelib.parse_capture(path)]
    pre, per, cur = [], {}, None
    for f in frames:
        if f.is_marker():
            cur = f.msg[4][0] if len(f.msg) > 4 and f.msg[4] else None
            per.setdefault(cur, [])
            continue
        if cur is not None and f.peer and f.type == 17 and not per[cur]:
            continue  # the PUBLISHED answering the marker itself
        (per[cur] if cur is not None else pre).append(f)
    return frames, pre, per


def needles(typed_values):
    import livelib
    out = set()
    for v in typed_values:
        out |= livelib.needles_for(py_value(v))
    return out


def search_plaintext(frames, ns):
    """[(needle, frame)] for client frames holding a needle."""
    hits = []
    for f in frames:
        if f.from_client:
            for n in ns:
                if n in f.data:
                    hits.append((n, f))
                    break
    return hits


# -- the run ---------------------------------------------------------------------------------

class Ctx:
    pass


def make_keys():
    """Fresh key pairs: the client's keyring file (wampbox format, also read by the bundled
    adapters) and the peer's keyring (PROTOCOL.md 4.2 list form)."""
    import base64
    from nacl.public import PrivateKey
    o, r = PrivateKey.generate(), PrivateKey.generate()
    b64 = lambda k: base64.b64encode(bytes(k)).decode()  # noqa: E731
    full = {"originator_priv": b64(o), "originator_pub": b64(o.public_key), "responder_priv": b64(r),
            "responder_pub": b64(r.public_key)}
    recv_only = {"responder_priv": b64(r), "originator_pub": b64(o.public_key)}
    client = {PREFIX: full, RECV_PREFIX: recv_only}
    peer = [dict(full, prefix=PREFIX), dict(full, prefix=RECV_PREFIX)]
    return client, peer


def finish_case(case, frames):
    """Final verdict of one case: its run-time failures, then its wire checks."""
    fails = list(case.fails)
    for chk in case.wire_checks:
        fails += chk(frames)
    if case.secret_values and not case.plaintext_allowed:
        ns = needles(case.secret_values)
        hits = search_plaintext(frames, ns)
        for n, f in hits[:3]:
            fails.append(f"plaintext on the wire: {n[:40]!r} in the client's {TYPE_NAMES.get(f.type, f.type)} "
                         f"{f.render(200)}")
        if not hits:
            sent = [f for f in frames if f.from_client]
            case.notes.append(f"wire: {len(sent)} client frame(s), {sum(len(f.data) for f in sent)} bytes, none of "
                              f"{len(ns)} plaintext needles")
    return fails


def finish_wire_audit(cases, all_frames, per, pre):
    """The run-wide check: every client frame outside the cases whose plaintext the profile
    allowed, against every scenario's values; every keyed PUBLISH/CALL/YIELD encrypted."""
    allowed = {c.key for c in cases if c.plaintext_allowed}
    frames = list(pre) + [f for k, fs in per.items() if k not in allowed for f in fs]
    secret = [v for c in cases for v in c.secret_values]
    ns = needles(secret)
    fails = []
    for n, f in search_plaintext(frames, ns)[:5]:
        fails.append(f"plaintext on the wire: {n[:40]!r} in the client's {TYPE_NAMES.get(f.type, f.type)} "
                     f"{f.render(200)}")
    checked = 0
    for f in frames:
        if not f.from_client or f.type not in (16, 48, 70):
            continue
        if f.type in (16, 48) and not (f.uri or "").startswith(PREFIX):
            continue
        checked += 1
        if not f.encrypted:
            fails.append(f"the client sent {TYPE_NAMES[f.type]} on a keyed URI in plaintext: {f.render(200)}")
    client_frames = sum(1 for f in frames if f.from_client)
    summary = (f"{client_frames} client frames ({sum(len(f.data) for f in frames if f.from_client)} bytes) searched "
               f"for {len(ns)} plaintext needles of {len(secret) // 2} scenario value sets; {checked} keyed "
               f"PUBLISH/CALL/YIELD checked for encryption"
               + (f"; frames of {', '.join(sorted(allowed))} left out (plaintext allowed by the declared profile)"
                  if allowed else ""))
    return fails, summary


def run_live(args, command, label):
    """Runs the scenarios; returns (report dict, harness error or "", signal number or None).
    A terminating signal (cli.Interrupted) stops the run: everything started is stopped and
    the report of what ran is marked incomplete."""
    import livelib
    from .cli import TERMINATING_SIGNALS, Interrupted
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    os.environ["WAMPBOX_BUILD_DIR"] = os.path.abspath(args.build_dir)
    work = args.work_dir or tempfile.mkdtemp(prefix="wampbox-live-")
    os.makedirs(work, exist_ok=True)
    client_ring, peer_ring = make_keys()
    ring_path = os.path.join(work, "client-keyring.json")
    with open(ring_path, "w", encoding="utf-8") as f:
        json.dump(client_ring, f, indent=1)
    selected = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
    cpp = os.environ.get("WAMPBOX_CONFORM_CPP_ADAPTER") or os.path.join(
        os.path.abspath(args.build_dir), "conformance", "adapters", "cpp", "wampbox_conform_adapter")
    for need in (livelib.router_bin(), cpp):
        if not os.access(need, os.X_OK):
            raise HarnessError(f"{need} is not built (cmake --build build --target wampbox-router "
                               f"wampbox_conform_adapter)")
    ctx = Ctx()
    ctx.timeout = args.timeout
    cases, harness, hello, interrupted = [], "", None, None
    router = livelib.Router(work, name="live")
    crypto = peer = client = None
    try:
        try:
            router.__enter__()
        except RuntimeError as e:
            raise HarnessError(str(e)) from e
        crypto = PeerCrypto([cpp], peer_ring, args.timeout)
        peer = Peer(router.port, args.timeout)
        client = LiveClient(command, cwd=args.cwd)
        hello = client.start_live({"type": "hello", "protocol": LIVE_PROTOCOL, "url": router.url(args.transport),
                                   "transport": args.transport, "serializer": args.serializer, "realm": "realm1",
                                   "keyring": ring_path, "timeout_ms": int(args.timeout * 1000)},
                                  args.handshake_timeout)
        ctx.crypto, ctx.peer, ctx.client = crypto, peer, client
        profile = hello.get("profile", {}) or {}
        for i, sc in enumerate(selected, 1):
            case = Case(sc, profile)
            case.key = f"live#{sc.name}"
            case.index = i
            case.t0 = time.monotonic()
            peer.marker(case.key)
            peer.inbox.clear()
            try:
                sc.fn(ctx, case)
            except LiveError as e:
                case.fail(str(e))
            except AdapterError as e:
                case.fail(f"the client adapter {e.kind}: {e}")
            case.time_ms = round((time.monotonic() - case.t0) * 1000.0, 3)
            cases.append(case)
            if not client.alive():
                harness = (f"the client adapter exited during {sc.name} ({client.proc.poll()}); stderr tail: "
                           f"{client.stderr_tail(600)}")
                break
            if args.progress != "none":
                print(f"{label}: [{i}/{len(selected)}] {sc.name}: "
                      f"{'ran' if not case.fails else 'FAIL ' + case.fails[0][:120]}", file=sys.stderr, flush=True)
        peer.marker("end")
    except HarnessError as e:
        harness = harness or str(e)
    except Interrupted as e:
        interrupted = e.signum
    finally:
        # A signal from here on is recorded, not raised: the cleanup and the report must finish.
        late = []
        for s_ in TERMINATING_SIGNALS:
            signal.signal(s_, lambda signum, _f: late.append(signum))
        stderr_tail = client.stderr_tail(4000) if client is not None and client.proc is not None else ""
        if client is not None and client.proc is not None:
            client.close(grace=2.0)
        if peer is not None:
            peer.close()
        if crypto is not None:
            crypto.close()
        if router.proc is not None:
            router.stop()
    interrupted = interrupted or (late[0] if late else None)
    frames, pre, per = (split_capture(router.capture, peer.session if peer else -1)
                        if os.path.exists(router.capture) else ([], [], {}))
    records = []
    for case in cases:
        cf = per.get(case.key, [])
        if case.sc.name == "wire-audit":
            fails, summary = finish_wire_audit(cases, frames, per, pre)
            case.notes.append(summary)
            fails = case.fails + fails
        else:
            fails = finish_case(case, cf)
        records.append(bound_record(make_record(case, fails, cf, args)))
    rep = build_live_report(args, label, command, hello, records, selected, started, t0, harness, stderr_tail,
                            router, work, interrupted)
    return rep, harness, interrupted


def _jsonable(v):
    """v with anything JSON cannot hold (bytes from the peer's MessagePack) rendered as text."""
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return _render(v)
    return v


def make_record(case, fails, frames, args):
    sc = case.sc
    verdict = "fail" if fails else "pass"
    wire = "\n".join(f.line() for f in frames)
    if len(wire) > MAX_WIRE_CHARS:
        wire = wire[:MAX_WIRE_CHARS] + f"\n... [{len(wire) - MAX_WIRE_CHARS} more characters cut by the runner]"
    rec = {
        "key": case.key, "layer": "live", "op": sc.op, "file": f"live {args.transport}/{args.serializer}",
        "file_stem": "live", "tcId": case.index,
        "comment": f"{sc.name}: {sc.comment}",
        "flags": list(sc.flags), "result": sc.result, "verdict": verdict,
        "reason": "; ".join(fails) if fails else "; ".join(case.notes),
        "failure_kind": "live" if fails else "", "evidence": "\n".join(fails[1:] + case.notes) if fails else "",
        "expected": _jsonable(case.expected), "actual": _jsonable(case.actual), "judged_as": case.judged_as,
        "profile_note": case.profile_note, "checks": [], "time_ms": case.time_ms, "scenario": sc.name,
        "wire": wire, "wire_frames": len(frames), "notes": case.notes,
    }
    if sc.result == "acceptable" and verdict == "pass":
        rec["reason"] = f"judged as {case.judged_as} under {case.profile_note}" + (
            "; " + "; ".join(case.notes) if case.notes else "")
    return rec


def build_live_report(args, label, command, hello, records, selected, started, t0, harness, stderr_tail, router,
                      work, interrupted=None):
    done = {r["scenario"] for r in records}
    stopped_by = signal.Signals(interrupted).name if interrupted else ""
    if stopped_by:
        harness_or_signal = f"interrupted by {stopped_by}"
    else:
        harness_or_signal = harness or "?"
    for i, sc in enumerate(selected, 1):
        if sc.name not in done:
            records.append({"key": f"live#{sc.name}", "layer": "live", "op": sc.op,
                            "file": f"live {args.transport}/{args.serializer}",
                            "file_stem": "live", "tcId": i,
                            "comment": f"{sc.name}: {sc.comment}", "flags": list(sc.flags), "result": sc.result,
                            "verdict": "fail", "failure_kind": "harness", "reason": "not run: " + harness_or_signal,
                            "evidence": "", "expected": {}, "actual": {}, "judged_as": "", "checks": [],
                            "time_ms": 0.0, "scenario": sc.name, "wire": ""})
    records.sort(key=lambda r: r["tcId"])
    summary = R.summarize(records)
    if harness:
        verdict = "harness_error"
    elif stopped_by:
        verdict = "incomplete"
    else:
        verdict = "conformant" if summary["fail"] == 0 else "nonconformant"
    if hello is not None:
        im = hello["implementation"]
        implementation = {"name": im["name"], "version": im["version"], "language": im.get("language", ""),
                          "description": im.get("description", ""), "profile": hello.get("profile", {}),
                          "supports": hello.get("supports", {})}
    else:
        implementation = {"name": label, "version": "unknown (no hello)", "language": "",
                          "description": "the client adapter did not complete the handshake", "profile": {},
                          "supports": {}}
    return {
        "format": R.REPORT_FORMAT,
        "mode": "live",
        "verdict": verdict,
        "incomplete": bool(stopped_by),
        "implementation": implementation,
        "adapter": {"name": args.client or "", "command": command, "restarts": 0, "restart_log": [],
                    "defective": "defective" in (args.client or ""), "stderr_tail": stderr_tail[-2000:]},
        "suite": {"name": LIVE_SUITE, "version": LIVE_SUITE_VERSION, "manifest_sha256": "", "files": {},
                  "other_files": {}, "warnings": []},
        "live": {"transport": args.transport, "serializer": args.serializer, "protocol": LIVE_PROTOCOL,
                 "router": str(router.proc.argv if router.proc else ""), "router_stats": router.stats,
                 "capture": str(router.capture), "work_dir": work,
                 "peer": "livelib.RawClient (RawSocket, msgpack); payloads sealed/opened by the wampbox C++ "
                         "library through its conformance adapter",
                 "scenarios": [s.name for s in selected]},
        "run": {"runner": f"wampbox-conform {__version__} live", "started": started.isoformat(timespec="seconds"),
                "duration_s": round(time.monotonic() - t0, 3), "host": platform.node(),
                "python": platform.python_version(), "timeout_s": args.timeout, "error_codes": "lenient",
                "filters": {"scenario": args.scenario or []}, "selected": len(selected),
                "corpus_total": len(SCENARIOS), "harness_error": harness, "handshake_error": "",
                "interrupted_by": stopped_by, "not_run": len(selected) - len(done) if stopped_by else 0,
                "derived": {"enabled": False, "selected": 0, "rule": ""}},
        "summary": summary,
        "cases": records,
        "derived_summary": R.summarize([]),
        "derived_cases": [],
    }


# -- command line ------------------------------------------------------------------------------

EPILOG = """\
examples:
  wampbox-conform live --client autobahn --transport ws --serializer json --out out/live/autobahn
  wampbox-conform live --client wampbox --transport rs --serializer cbor --out out/live/wampbox
  wampbox-conform live --client-cmd '/usr/bin/python3 my_live_adapter.py' --scenario event-tampered
  wampbox-conform live --list

The client adapter contract (wampbox-live/1) and a worked example: docs/live-conformance.md.
exit codes: 0 every scenario passed, 1 failing scenarios, 2 harness error, 128 + the signal when
SIGTERM, SIGINT or SIGHUP stopped the run (partial report marked incomplete)."""


def build_live_parser(build_dir_default):
    p = argparse.ArgumentParser(
        prog="wampbox-conform live",
        description="Live conformance of a WAMP client: starts wampbox-router (loopback, capture on) and a peer "
                    "session, has the client under test (through a live adapter, JSON lines on stdin/stdout) "
                    "publish, call, subscribe and register, sends it valid, tampered, URI-swapped and plaintext "
                    "payloads, and judges every scenario from what the peer received, what the client reported and "
                    "what crossed the wire.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    who = p.add_argument_group("client under test")
    who.add_argument("--client", metavar="NAME", help="a bundled live adapter (see `wampbox-conform adapters`)")
    who.add_argument("--client-cmd", metavar="COMMAND", help="the live adapter command line (shell-split)")
    who.add_argument("--cwd", metavar="DIR", help="working directory of the live adapter")
    who.add_argument("--transport", choices=TRANSPORTS, default="ws", help="rs (RawSocket) or ws (WebSocket); "
                     "default ws")
    who.add_argument("--serializer", choices=SERIALIZERS, default="json", help="default json")
    who.add_argument("--build-dir", metavar="DIR", default=build_dir_default,
                     help="CMake build tree with wampbox-router, wampbox-client and the C++ adapter "
                          "(default: $WAMPBOX_BUILD_DIR or build/)")
    sel = p.add_argument_group("scenarios")
    sel.add_argument("--scenario", action="append", metavar="NAME",
                     help="run only these (repeatable or comma-separated); see --list")
    sel.add_argument("--list", action="store_true", help="list the scenarios and exit")
    run = p.add_argument_group("running")
    run.add_argument("--timeout", type=float, default=10.0, metavar="S", help="bound of every wait (default 10 s)")
    run.add_argument("--handshake-timeout", type=float, default=60.0, metavar="S",
                     help="time allowed for the client to connect, join and answer hello (default 60 s)")
    run.add_argument("--work-dir", metavar="DIR", help="where the keyring, port file and capture go (default: a "
                     "new temporary directory, kept and named in the report)")
    run.add_argument("--progress", choices=("plain", "none"), default="plain", help="one line per scenario on stderr")
    from .cli import add_report_options
    add_report_options(p, "HTML report (with each scenario's wire log)", "name shown in progress lines")
    return p


def cmd_live(argv, registry, expand_command, write_reports, build_dir_default, out):
    p = build_live_parser(build_dir_default)
    args = p.parse_args(argv)
    if args.scenario:
        args.scenario = [x.strip() for v in args.scenario for x in v.split(",") if x.strip()]
        unknown = [s for s in args.scenario if s not in SCENARIO_NAMES]
        if unknown:
            p.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIO_NAMES)}")
    if args.list:
        for i, s in enumerate(SCENARIOS, 1):
            if not args.scenario or s.name in args.scenario:
                prof = f" [profile {s.profile_key}]" if s.profile_key else ""
                out.write(f"{i:2d} {s.name:24s} {s.op:16s} {s.result:10s} {','.join(s.flags):28s} {s.comment}{prof}\n")
        return EXIT_OK
    if bool(args.client) == bool(args.client_cmd):
        p.error("give exactly one of --client NAME or --client-cmd COMMAND")
    if args.client:
        if args.client not in registry:
            raise HarnessError(f"unknown live client {args.client!r}; known: {', '.join(registry)}")
        command = expand_command(registry[args.client]["command"], os.path.abspath(args.build_dir))
    else:
        command = shlex.split(args.client_cmd)
    label = args.label or args.client or os.path.basename(command[0])
    from .cli import TERMINATING_SIGNALS, Interrupted, _raise_interrupted
    old = {s: signal.signal(s, _raise_interrupted) for s in TERMINATING_SIGNALS}
    try:
        rep, harness, interrupted = run_live(args, command, label)
        outs = write_reports(rep, args)  # signals are only recorded by now (run_live's cleanup)
    except Interrupted as e:
        print(f"wampbox-conform live: interrupted by {signal.Signals(e.signum).name} while starting",
              file=sys.stderr)
        return 128 + e.signum
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    print_live_summary(rep, out)
    for o in outs:
        out.write(f"  report: {o}\n")
    if interrupted:
        print(f"wampbox-conform live: interrupted by {signal.Signals(interrupted).name}: everything it started is "
              f"stopped; partial report marked incomplete", file=sys.stderr)
        return 128 + interrupted
    if harness:
        print(f"wampbox-conform live: harness error: {harness}", file=sys.stderr)
        return EXIT_HARNESS
    return EXIT_OK if rep["summary"]["fail"] == 0 else EXIT_FAIL


def print_live_summary(rep, out):
    im, s, lv = rep["implementation"], rep["summary"], rep["live"]
    prof = ", ".join(f"{k}={v}" for k, v in sorted(im.get("profile", {}).items())) or "none declared"
    out.write(f"{im['name']} {im['version']} live over {lv['transport']}/{lv['serializer']} [{rep['verdict']}] "
              f"pass {s['pass']}, fail {s['fail']} of {s['total']} scenarios in {rep['run']['duration_s']:.1f}s "
              f"(profile: {prof})\n")
    for c in rep["cases"]:
        mark = "PASS" if c["verdict"] == "pass" else "FAIL"
        extra = f" (judged as {c['judged_as']})" if c["result"] == "acceptable" else ""
        frames = "run-wide " if c["scenario"] == "wire-audit" else f"{c.get('wire_frames', 0):3d} frames"
        out.write(f"  {mark} {c['scenario']:24s} {c['op']:16s} {frames}{extra}\n")
        if c["verdict"] == "fail":
            out.write(f"       {c['reason'][:220]}\n")
