"""The shared Python toolkit (scripts/wampbox_py): the typed value codec,
message conversion, the Autobahn driver's fixed nonce, and the run.sh helper
modules (selfcheck, crosscheck_summary)."""

import json
import math
import subprocess
import sys

import pytest

from conftest import REPO
from wampbox_py import autobahn_ref as ref
from wampbox_py import crosscheck_summary, messages, typed
from wampbox_py.cli import find_binary

VALUES = [None, True, False, 0, -1, 2**64 + 5, 1.5, -0.0, math.inf, "", "\u00e9\x00", b"", b"\x00\xff",
          [1, [2, {"a": None}]], {"z": 1, "a": 2}]


@pytest.mark.parametrize("v", VALUES, ids=repr)
def test_typed_round_trip(v):
    assert typed.same_value(typed.untv(typed.tv(v)), v)


def test_typed_distinguishes_what_json_would_merge():
    assert typed.tv(True) != typed.tv(1)
    assert typed.tv(0.0) != typed.tv(-0.0)
    assert typed.same_value(float("nan"), float("nan"))
    assert not typed.same_value({"a": 1, "b": 2}, {"b": 2, "a": 1})


@pytest.mark.parametrize("v", [{1: "x"}, {"a": object()}, set()], ids=repr)
def test_typed_unencodable(v):
    with pytest.raises(typed.Unencodable):
        typed.tv(v)


def test_message_conversion_round_trip():
    ring = ref.make_keyring({ref.EXAMPLE_PREFIX: ref.SAMPLE_KEYS})
    for mtype in ref.MESSAGE_TYPES:
        for kw in ({"args": [1, "x"], "kwargs": {"k": b"\x01"}}, {"keyring": ring, "nonce": bytes(24)}):
            args, kwargs = kw.pop("args", ["a"]), kw.pop("kwargs", {})
            msg = ref.build_message(mtype, ref.EXAMPLE_PREFIX + "x", args, kwargs, **kw)
            st = ref.msg_struct(msg)
            assert st["type"] == mtype
            assert ("payload" in st) == ("keyring" in kw)
            assert messages.raw_to_struct(messages.struct_to_raw(st)) == st


def test_fixed_nonce_is_used_and_restored():
    ring = ref.make_keyring()
    nonce = bytes(range(24))
    ep = ref.encode(ring, True, "com.x", ["a"], {}, nonce)
    assert ep.payload[:24] == nonce
    assert ref.decode(ring, False, "com.x", ep.payload) == ("ok", (["a"], {}))
    assert ref.decode(ring, False, "com.y", ep.payload)[0] == "mismatch"
    # Outside fixed_nonce, Autobahn draws random nonces again.
    a, b = (ring.encode(True, "com.x", ["a"], {}).payload[:24] for _ in range(2))
    assert a != b


def test_keyring_forms_strict_and_lenient():
    entry = dict(ref.SAMPLE_KEYS, prefix="")
    with pytest.raises(AssertionError):  # Autobahn's own pub/priv check (RedundantPublicKey)
        ref.make_keyring([entry])
    assert ref.make_keyring([entry], lenient=True) is not None
    assert ref.make_keyring({"": ref.SAMPLE_KEYS}) is not None  # keyring-file form: lenient
    with pytest.raises(ValueError):
        ref.make_keyring({"": dict(ref.SAMPLE_KEYS, originator_pub=ref.SAMPLE_KEYS["responder_pub"])})


def test_crosscheck_summary_lists_failures():
    report = {"reference": "Autobahn", "seconds": 1.0, "totals": {"passed": 1, "failed": 1},
              "by_check": {"test_x": {"passed": 1, "failed": 1}},
              "by_type_serializer": {"PUBLISH/json": {"failed": 1}, "CALL/cbor": {"passed": 1}},
              "failures": [{"nodeid": "t.py::test_x[PUBLISH-json]", "message": "boom\nmore"}]}
    out = "\n".join(crosscheck_summary.summary(json.loads(json.dumps(report))))
    assert "cells with failures: PUBLISH/json" in out
    assert "FAIL test_x[PUBLISH-json]: boom" in out


def _selfcheck(*args):
    return subprocess.run([sys.executable, "-m", "wampbox_py.selfcheck", *map(str, args)], capture_output=True,
                          text=True, cwd=REPO, env={"PYTHONPATH": str(REPO / "scripts")}, timeout=60)


def test_selfcheck_passes_and_catches_a_wrong_keyring(tmp_path):
    wb = find_binary()
    good = tmp_path / "keyring.json"
    assert _selfcheck("keyring", good).returncode == 0
    p = _selfcheck("worked-example", wb, good)
    assert p.returncode == 0, p.stderr
    assert _selfcheck("roundtrip", wb, good, "cbor").returncode == 0
    # A keyring with other keys: the frame is not the worked example's.
    bad = tmp_path / "other.json"
    ref.write_keyring_file(bad, {ref.EXAMPLE_PREFIX: {"private": ref.SAMPLE_KEYS["responder_priv"]}})
    p = _selfcheck("worked-example", wb, bad)
    assert p.returncode != 0 and "AssertionError" in p.stderr
