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
    # Corpus cases only: every derived truncation below 4 bytes would crash it too (more than --max-restarts).
    rep = assert_exact("crash-hang", "pynacl", crash + hang, extra=("--timeout", "2", "--no-derived"))
    v = verdicts(rep)
    assert all(v[k]["failure_kind"] == "crash" for k in crash)
    assert all(v[k]["failure_kind"] == "timeout" for k in hang)
    assert rep["adapter"]["restarts"] == len(crash) + len(hang)
    assert all("exit status 3" in v[k]["reason"] or "exit status 3" in v[k]["evidence"] for k in crash)


# ---------------------------------------------------------------------------
# Corpus depth (issue 10): one defective adapter per class of defect that
# corpus 1.0.0 let through or caught once. Each must fail the corpus, on at
# least 5 vectors in every message serialization where the class applies, and
# every vector that catches it must belong to the class (its flags, or an
# exact set computed here from the vectors' own fields); nothing else may
# change verdict against the same base run. The catching tcIds are printed
# (pytest -s) and kept in the failure message.

MESSAGE_FILES = ("message_json_test", "message_msgpack_test", "message_cbor_test")
URI_ASCII_SPACE = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20}


def _loads_any(serializer, frame):
    if serializer == "json":
        return json.loads(frame.decode("utf-8"))
    if serializer == "msgpack":
        return msgpack.unpackb(frame, raw=False, strict_map_key=False)
    return cbor2.loads(frame)


def _tail(c):
    """(elements after the frame's header, whether they are a lone payload)."""
    raw = _loads_any(c.group["serializer"], bytes.fromhex(c.test["frame"]))
    tail = raw[OPTIONS_INDEX[TYPES[raw[0]]] + (2 if TYPES[raw[0]] in ("PUBLISH", "CALL", "ERROR") else 1):]
    payload = len(tail) == 1 and (isinstance(tail[0], bytes) or (isinstance(tail[0], str) and
                                                                  tail[0].startswith("\x00")))
    return tail, payload


def _plain_tail_short(c):
    """A plain frame (no payload) with fewer than two elements after the header."""
    tail, payload = _tail(c)
    return not payload and len(tail) < 2


def _null_input(c):
    t = c.test
    if c.op == "payload_encode":
        return t["payload"] is not None and (t["args"] == {"null": None} or t["kwargs"] == {"null": None})
    if c.op == "frame_seal":
        return (t["message"]["args"] == {"null": None} or t["message"]["kwargs"] == {"null": None}) and _tail(c)[1]
    return False


def _non_ascii_space_uri(c):
    import re
    cps = [int(x, 16) for x in re.findall(r"U\+([0-9A-F]{4})", c.comment)]
    return bool(cps) and all(cp not in URI_ASCII_SPACE for cp in cps)


# defect -> (class flags, exact expected set or None, runner options)
DEPTH_DEFECTS = {
    "keyring-fallback": ({"NoRoleFallback", "MissingRole"}, None, ()),
    "any-box": ({"MissingRole"}, None, ()),
    "check-order": ({"DecryptBeforeSerializerCheck"},
                    lambda c: "DecryptBeforeSerializerCheck" in c.flags, ("--error-codes", "strict")),
    "plain-marshal-empty": ({"Plain"}, lambda c: c.op in ("frame", "frame_seal") and c.result != "invalid" and
                            _plain_tail_short(c), ()),
    "null-as-empty": ({"EmptyVsAbsent", "TaxonomyShape", "RandomPayload"}, _null_input, ()),
    "uri-ascii-whitespace": ({"UriWhitespace"}, lambda c: "UriWhitespace" in c.flags and _non_ascii_space_uri(c), ()),
    "uri-no-final-newline": ({"UriTrailingNewline"},
                             lambda c: "UriTrailingNewline" in c.flags and c.result == "valid", ()),
    "uri-casefold": ({"UriNormalization", "CaseSensitive", "UriMismatch"}, None, ()),
    "uri-nfc": ({"UriNormalization", "UnicodeUri", "UriMismatch"}, None, ()),
    "lax-options": ({"OptionValueType"}, lambda c: "OptionValueType" in c.flags, ()),
}


@pytest.mark.parametrize("defect", sorted(DEPTH_DEFECTS))
def test_depth_defect_fails_the_corpus(defect):
    class_flags, exact, extra = DEPTH_DEFECTS[defect]
    rep_d, rc_d, _ = T.full_run(f"defective-{defect}", extra)
    rep_b, _, _ = T.full_run("autobahn", extra)
    vd, vb = verdicts(rep_d), verdicts(rep_b)
    assert set(vd) == set(vb)
    assert rc_d == 1, f"defective-{defect} passed the corpus"
    caught = sorted(k for k in vd if vd[k]["verdict"] == "fail" and vb[k]["verdict"] != "fail")
    print(f"\ndefective-{defect}: caught by {len(caught)} vectors: {', '.join(caught)}")
    assert len(caught) >= 5, caught
    # Caught in every message serialization (the classes are serializer-independent).
    for f in MESSAGE_FILES:
        assert any(k.startswith(f + "#") for k in caught), (defect, f, caught[:20])
    # Only vectors of the class catch it, and nothing else changes verdict.
    outside = [k for k in caught if not class_flags & set(vd[k]["flags"])]
    assert not outside, (defect, "caught outside its class", outside[:20])
    changed = {k for k in vd if vd[k]["verdict"] != vb[k]["verdict"]} - set(caught)
    assert not changed, (defect, sorted(changed)[:20])
    if exact is not None:
        by_key = corpus_by_key()
        want = {k for k, c in by_key.items() if exact(c) and vb[k]["verdict"] == "pass"}
        assert set(caught) == want, {"missed": sorted(want - set(caught))[:20],
                                     "false alarms": sorted(set(caught) - want)[:20]}
