"""The independent JavaScript oracle (conformance/adapters/js, adapter
`tweetnacl-js`: no code shared with Autobahn, libsodium or wampbox) over the
whole corpus through the conformance runner:

- every `valid` vector of every layer passes (the generator asserts this too,
  scripts/corpus/oracle.py; this test keeps it true for the committed corpus);
- every `invalid` and `acceptable` vector passes as well, with the vector's
  error code (--error-codes strict), except the ones listed in KNOWN_MISSES
  with the reason.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conformance", "runner"))

from wampbox_conform import testing as T  # noqa: E402

pytestmark = [
    pytest.mark.skipif(T.fixtures_dir() is None, reason="corpus not generated yet (fixtures/MANIFEST.json)"),
    pytest.mark.skipif(not T.js_ready(), reason="npm ci --prefix conformance/adapters/js has not been run"),
]

# Vectors (file#tcId) the oracle is allowed to miss, with why. Empty: it
# passes the whole corpus.
KNOWN_MISSES = {}


def run():
    rep, rc, _ = T.full_run("tweetnacl-js", extra=("--error-codes", "strict"))
    return rep, rc


def test_every_valid_vector_of_every_layer():
    rep, _ = run()
    valid = [c for c in rep["cases"] if c["result"] == "valid"]
    layers = {c["layer"] for c in valid}
    assert layers == {"crypto_box", "keyring", "envelope", "message", "ppt"}
    bad = [(c["key"], c["reason"]) for c in valid if c["verdict"] != "pass"]
    assert not bad, bad[:20]
    # The message layer is the point: it must be run, not skipped.
    assert sum(1 for c in valid if c["layer"] == "message") > 1000



def test_confirmation_table_matches_a_run():
    """fixtures/README.md's generated confirmation table: its per-layer counts of
    valid vectors are what this run of the oracle passed."""
    import re
    with open(os.path.join(T.fixtures_dir(), "README.md"), encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"<!-- BEGIN GENERATED CONFIRMATIONS .*?-->\n(.*?)<!-- END GENERATED CONFIRMATIONS -->", text, re.S)
    assert block, "fixtures/README.md lacks the generated confirmation table"
    table = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| (\w+) \| (\d+) \|", block.group(1), re.M)}
    rep, _ = run()
    passed = {}
    for c in rep["cases"]:
        if c["result"] == "valid" and c["verdict"] == "pass":
            passed[c["layer"]] = passed.get(c["layer"], 0) + 1
    assert table == passed

def test_invalid_and_acceptable_vectors():
    rep, rc = run()
    bad = [(c["key"], c["verdict"], c.get("failure_kind"), c["reason"]) for c in rep["cases"]
           if c["result"] != "valid" and c["verdict"] != "pass" and c["key"] not in KNOWN_MISSES]
    assert not bad, bad[:20]
    if not KNOWN_MISSES:
        assert rc == 0 and rep["summary"]["fail"] == 0


def test_independence():
    """The oracle's JavaScript code loads no Python, and no wampbox or Autobahn code."""
    js = os.path.join(T.CONFORMANCE, "adapters", "js")
    for name in ("adapter.js", "wamp.js", "wire.js", "pyjson.js", "ppt.js"):
        with open(os.path.join(js, name), encoding="utf-8") as f:
            text = f.read()
        for other in ("child_process", "autobahn_adapter", "wampbox_conform_adapter", "python3"):
            assert other not in text, (name, other)


# -- differential: the oracle's frame checks against Autobahn's own parser --------------

URIS = ["com.x", "com.x\n", "com.x\n\n", "com.x\r", "com.\u00a0x", "com.\x1cx", "com.\x85x", "com.\ufeffx",
        "com.\u200bx", "com.\u3000x", "com.\u2028x", "Com.X", "com..x", ".com", "com.", "a#b", "", "x", "\nx"]
OPTIONS = [
    {"acknowledge": 1}, {"acknowledge": True}, {"exclude": [1, True]}, {"exclude": [1.0]}, {"exclude": []},
    {"retain": None}, {"forward_for": [{"session": 1, "authid": None, "authrole": "r"}]},
    {"forward_for": [{"session": 1, "authrole": "r"}]}, {"forward_for": [{"session": True, "authid": "a", "authrole": "r"}]},
    {"forward_for": []}, {"forward_for": {}}, {"forward_for": [{"session": 1, "authid": "a", "authrole": "r", "x": 1}]},
    {"transaction_hash": 5}, {"x_custom": 1}, {"enc_algo": None}, {"enc_algo": ""}, {"enc_algo": 0},
    {"enc_algo": "x_ab"}, {"enc_algo": "x_a"}, {"enc_algo": "x_ab\n"}, {"enc_algo": "cryptobox", "enc_key": 0},
    {"enc_algo": "cryptobox", "enc_key": ""}, {"enc_serializer": "json"}, {"enc_algo": None, "enc_serializer": None},
    {"enc_algo": "cryptobox", "enc_serializer": ""}, {"enc_algo": "cryptobox", "enc_serializer": "X_ab"},
    {"timeout": -1}, {"timeout": 0}, {"timeout": 1.5}, {"receive_progress": 1}, {"caller": "x"}, {"topic": 5},
    {"topic": ""}, {"retained": 0}, {"x_acknowledged_delivery": True}, {"publisher": 2 ** 70}, {"progress": None},
    {"callee_authid": 1}, {"procedure": 1},
]
BASES = [[16, 1, None, "com.x"], [36, 1, 2, None], [48, 1, None, "com.x"], [68, 1, 2, None], [70, 1, None],
         [50, 1, None], [8, 48, 1, None, "com.x"]]
TAILS = [[], [b"\x00\x01"], ["text"], [[1]], [None, {}], [None], ["x", {}], [b"x", {}], [[], "x"], [{}], [[], {}],
         [[], {}, 1]]


def edge_frames():
    for u in URIS:
        yield [16, 1, {}, u]
        yield [8, 48, 1, {}, u, [1]]
    for base in BASES:
        slot = base.index(None)
        for o in OPTIONS + [{}]:
            for tail in TAILS if o == {} else TAILS[:4]:
                yield base[:slot] + [o] + base[slot + 1:] + tail
    for v in (0, 2 ** 53, 2 ** 53 + 1, -1, True, 1.0):
        yield [16, v, {}, "com.x"]
    for rt in (16, 32, 34, 36, 48, 64, 66, 68, 70, 8, True):
        yield [8, rt, 1, {}, "com.x"]
    for mt in (1, 17, 16.0, True):
        yield [mt, 1, {}, "com.x"]
    yield []
    yield {"a": 1}


def test_frame_checks_agree_with_autobahn():
    """Edge frames (URIs with Python-only whitespace and a trailing newline, every
    Options/Details type check, enc_* truthiness, ids, element shapes) in all
    three serializations: the oracle accepts exactly those Autobahn's
    Serializer.unserialize accepts."""
    import json
    import subprocess

    import cbor2
    import msgpack
    import txaio
    txaio.use_asyncio()
    from autobahn.wamp import serializer as S

    sers = {"json": (S.JsonSerializer(), lambda o: S._dumps(o).encode("utf-8")),
            "msgpack": (S.MsgPackSerializer(), lambda o: msgpack.packb(o, use_bin_type=True)),
            "cbor": (S.CBORSerializer(), cbor2.dumps)}
    cases = []
    for name, (ser, dump) in sers.items():
        for fr in edge_frames():
            try:
                data = dump(fr)
            except OverflowError:  # msgpack has no integers beyond 64 bits
                continue
            try:
                ser.unserialize(data)
                accepted = True
            except Exception:  # ProtocolError, or an AssertionError from a message constructor
                accepted = False
            cases.append((name, fr, data, accepted))
    answers = talk([{"op": "frame_decode", "input": {"serializer": s, "frame": d.hex()}} for s, _, d, _ in cases])
    differ = [(s, repr(fr)[:90], acc, answers[i].get("error")) for i, (s, fr, _, acc) in enumerate(cases)
              if (answers[i]["status"] == "ok") != acc]
    accepted = sum(1 for c in cases if c[3])
    assert len(cases) > 1000 and 0 < accepted < len(cases)
    assert not differ, differ[:20]


def talk(requests):
    """Sends frame requests to the oracle in one session; returns answers by id."""
    import json
    import subprocess
    lines = [json.dumps({"type": "hello", "protocol": "wampbox-conform/1"})]
    lines += [json.dumps(dict(r, type="case", id=i)) for i, r in enumerate(requests)]
    lines.append(json.dumps({"type": "bye"}))
    adapter = os.path.join(T.CONFORMANCE, "adapters", "js", "adapter.js")
    p = subprocess.run(["node", adapter, "--crypto", "tweetnacl"], input=("\n".join(lines) + "\n").encode(),
                       capture_output=True, timeout=120, check=True)
    answers = {}
    for line in p.stdout.decode("utf-8").split("\n"):  # not splitlines(): U+2028 etc. are raw in answers
        if line.strip():
            a = json.loads(line)
            if "id" in a:
                answers[a["id"]] = a
    return answers


def test_random_messages_round_trip_like_autobahn():
    """Seeded random arguments (the payload taxonomy's generator) and doubles from
    random bit patterns and repr's boundaries, in all seven message types and
    three serializations: the oracle writes Autobahn's bytes (marshal() and the
    serializer) and reads them back to the same values."""
    import random
    import struct

    import txaio
    txaio.use_asyncio()
    from autobahn.wamp import message as M
    from autobahn.wamp import serializer as S
    sys.path.insert(0, os.path.join(T.ROOT, "scripts"))
    from wampbox_py import messages, payloads

    rng = random.Random(20261202)
    floats = [struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0] for _ in range(400)]
    floats = [f for f in floats if f == f] + [float("nan"), float("inf"), -float("inf"), 0.0, -0.0, 1e16, 1e15,
                                              9999999999999998.0, 1e-4, 1e-5, 5e-324, 1.7976931348623157e308, 0.1]
    argsets = [floats[i:i + 20] for i in range(0, len(floats), 20)]
    argsets += [payloads.random_value_list(rng, 6, depth=3) for _ in range(120)]
    make = {
        "PUBLISH": lambda a, k: M.Publish(1, "com.x", args=a, kwargs=k, acknowledge=True,
                                          forward_for=[{"session": 1, "authid": None, "authrole": "r"}]),
        "EVENT": lambda a, k: M.Event(1, 2, args=a, kwargs=k, publisher=7, topic="com.x", retained=False),
        "CALL": lambda a, k: M.Call(1, "com.p", args=a, kwargs=k, timeout=5, caller=9, caller_authid="a"),
        "INVOCATION": lambda a, k: M.Invocation(1, 2, args=a, kwargs=k, procedure="com.p"),
        "YIELD": lambda a, k: M.Yield(1, args=a, kwargs=k, progress=True),
        "RESULT": lambda a, k: M.Result(1, args=a, kwargs=k, callee=3),
        "ERROR": lambda a, k: M.Error(48, 1, "com.e", args=a, kwargs=k, callee_authrole="r"),
    }
    sers = {"json": S.JsonSerializer(), "msgpack": S.MsgPackSerializer(), "cbor": S.CBORSerializer()}
    cases, reqs = [], []
    for n, args in enumerate(argsets):
        mtype = sorted(make)[n % len(make)]
        kwargs = {"n": n, "v": args[-1]} if n % 3 == 0 else None
        for name, ser in sers.items():
            if name == "msgpack" and not payloads.msgpack_safe([args, kwargs]):
                continue
            frame, _ = ser.serialize(make[mtype](args, kwargs))
            st = messages.raw_to_struct(make[mtype](args, kwargs).marshal())
            cases.append((name, mtype, frame.hex(), st))
            reqs.append({"op": "frame_encode", "input": {"serializer": name, "message": st}})
            reqs.append({"op": "frame_decode", "input": {"serializer": name, "frame": frame.hex()}})
    answers = talk(reqs)

    def same(a, b):  # typed values; NaN = NaN (any payload), as the runner compares
        if isinstance(a, dict) and "float" in a and isinstance(b, dict) and "float" in b:
            fa, fb = (struct.unpack(">d", bytes.fromhex(x["float"]))[0] for x in (a, b))
            return a["float"] == b["float"] or (fa != fa and fb != fb)
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        return a == b

    bad = []
    for i, (name, mtype, frame, st) in enumerate(cases):
        enc, dec = answers[2 * i], answers[2 * i + 1]
        if enc["status"] != "ok" or enc["output"]["frame"] != frame:
            bad.append(("encode", name, mtype, enc.get("error"), enc.get("output", {}).get("frame", "")[:80], frame[:80]))
        if dec["status"] != "ok" or not same(dec["output"]["message"], st):
            bad.append(("decode", name, mtype, dec.get("error"), dec.get("message")))
    assert len(cases) > 300
    assert not bad, bad[:10]
