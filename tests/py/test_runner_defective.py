"""The runner catches each class of defect: every deliberately defective
adapter (conformance/adapters/defective_adapter.py) is a correct adapter with
one defect, and must fail EXACTLY the cases that defect breaks, nothing else.

The expected cases are computed here from the vectors' bytes, independently
of the defect's code; "nothing else" is checked against the same adapter
without the defect (the base run): every other case keeps its verdict."""

import json
import os
import sys

import cbor2
import msgpack
import nacl.bindings as sodium
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conformance", "runner"))

from wampbox_conform import testing as T  # noqa: E402

pytestmark = pytest.mark.skipif(T.fixtures_dir() is None, reason="corpus not generated yet (fixtures/MANIFEST.json)")


def verdicts(rep):
    return {c["key"]: c for c in rep["cases"]}


def corpus_by_key():
    cases, _ = T.load_corpus()
    return {c.key: c for c in cases}


def assert_exact(defect, base, expected, kinds=None, extra=()):
    rep_d, rc_d, _ = T.full_run(f"defective-{defect}", extra)
    rep_b, _, _ = T.full_run(base, extra)
    vd, vb = verdicts(rep_d), verdicts(rep_b)
    assert set(vd) == set(vb)
    assert expected, "the corpus has no case for this defect"
    # The expected cases pass without the defect...
    assert all(vb[k]["verdict"] == "pass" for k in expected), [k for k in expected if vb[k]["verdict"] != "pass"]
    newly_failing = {k for k in vd if vd[k]["verdict"] == "fail" and vb[k]["verdict"] != "fail"}
    assert newly_failing == set(expected), {"missed": sorted(set(expected) - newly_failing)[:20],
                                            "false alarms": sorted(newly_failing - set(expected))[:20]}
    # ...and nothing else changes verdict.
    changed = {k for k in vd if vd[k]["verdict"] != vb[k]["verdict"]} - set(expected)
    assert not changed, sorted(changed)[:20]
    if kinds:
        for k in expected:
            assert vd[k]["failure_kind"] in kinds, (k, vd[k]["failure_kind"], vd[k]["reason"])
    assert rc_d == 1
    return rep_d


def test_short_tag_compare():
    """Accepts a box whose tag differs from the right one only in bytes 8..15."""
    expected = []
    for k, c in corpus_by_key().items():
        if c.op not in ("box", "box_afternm") or c.result != "invalid":
            continue
        t = c.test
        sk, pk, nonce, ct, msg = (bytes.fromhex(t[f]) for f in ("sk", "pk", "nonce", "ct", "msg"))
        try:
            right = sodium.crypto_box(msg, nonce, pk, sk)
        except Exception:  # noqa: BLE001  a key libsodium refuses: no box at all
            continue
        if len(ct) == len(right) and ct[16:] == right[16:] and ct[:8] == right[:8] and ct[8:16] != right[8:16]:
            expected.append(k)
    assert_exact("short-tag", "pynacl", expected, kinds={"accepted_invalid"})


def _uri_is_the_only_problem(plaintext_hex):
    """The plaintext reads (Autobahn's JSON reader, as the base adapter's) as an
    object with well-typed args/kwargs whose uri is missing or not text: only
    the URI comparison rejects it."""
    from autobahn.wamp.serializer import _loads
    try:
        obj = _loads(bytes.fromhex(plaintext_hex).decode("utf-8"))
    except Exception:  # noqa: BLE001
        return False
    return (isinstance(obj, dict) and not isinstance(obj.get("uri"), str) and
            isinstance(obj.get("args"), (list, type(None))) and isinstance(obj.get("kwargs"), (dict, type(None))))


def test_no_uri_check():
    """Trusts the payload's own URI: every uri_mismatch vector is accepted, and
    so is every plaintext whose only flaw is a missing or non-text uri."""
    expected = [k for k, c in corpus_by_key().items()
                if c.result == "invalid" and (c.test.get("error") == "uri_mismatch" or (
                    c.op == "payload_decode" and c.test.get("plaintext") and
                    _uri_is_the_only_problem(c.test["plaintext"])))]
    assert_exact("no-uri-check", "autobahn", expected, kinds={"accepted_invalid"})


OPTIONS_INDEX = {"PUBLISH": 2, "EVENT": 3, "CALL": 2, "INVOCATION": 3, "YIELD": 2, "RESULT": 2, "ERROR": 3}
TYPES = {16: "PUBLISH", 36: "EVENT", 48: "CALL", 68: "INVOCATION", 70: "YIELD", 50: "RESULT", 8: "ERROR"}


def _wire_options(serializer, frame):
    if serializer == "json":
        raw = json.loads(frame.decode("utf-8"))
    elif serializer == "msgpack":
        raw = msgpack.unpackb(frame, raw=False, strict_map_key=False)
    else:
        raw = cbor2.loads(frame)
    return list(raw[OPTIONS_INDEX[TYPES[raw[0]]]].keys())


def test_sorted_options():
    """Writes Options/Details keys sorted: every frame written whose wire
    order (Autobahn's marshal() order) is not already sorted comes out wrong."""
    expected = []
    for k, c in corpus_by_key().items():
        if c.op in ("frame", "frame_seal") and c.result == "valid":
            keys = _wire_options(c.group["serializer"], bytes.fromhex(c.test["frame"]))
            if keys != sorted(keys):
                expected.append(k)
    assert_exact("sorted-options", "autobahn", expected, kinds={"mismatch"})


def test_wrong_profile():
    """Declares it computes low-order keys but rejects them: exactly the
    profile-governed low-order vectors fail, judged under the declared profile."""
    expected = [k for k, c in corpus_by_key().items() if c.result == "acceptable" and "LowOrderPublicKey" in c.flags]
    rep = assert_exact("wrong-profile", "pynacl", expected, kinds={"rejected_valid"})
    assert rep["implementation"]["profile"]["low_order_keys"] == "compute"


def test_crash_and_hang_are_detected_and_restarted():
    """Crashes on boxes shorter than 4 bytes, hangs on the all-zero public key:
    those cases fail as crash/timeout, the adapter is restarted each time, and
    every other case still runs and passes."""
    crash, hang = [], []
    for k, c in corpus_by_key().items():
        if c.op == "box" and c.result == "invalid" and len(c.test["ct"]) < 8:
            crash.append(k)
        if c.op == "beforenm" and c.test["pk"] == "00" * 32:
            hang.append(k)
    assert crash and hang
    rep = assert_exact("crash-hang", "pynacl", crash + hang, extra=("--timeout", "2"))
    v = verdicts(rep)
    assert all(v[k]["failure_kind"] == "crash" for k in crash)
    assert all(v[k]["failure_kind"] == "timeout" for k in hang)
    assert rep["adapter"]["restarts"] == len(crash) + len(hang)
    assert all("exit status 3" in v[k]["reason"] or "exit status 3" in v[k]["evidence"] for k in crash)
