"""wampy.js 8.0.2, a third-party PPT client, on the ppt layer of the corpus
(issue 13 item 5; docs/wampy.md).

- `wampbox-conform --adapter wampy --layer ppt` (conformance/adapters/wampy/adapter.js:
  wampy's own publish/YIELD and EVENT/RESULT code with an injected
  encrypting payload serializer, both ciphers): the counts docs/wampy.md gives, and every
  failure one of the differences it lists, nothing else.
- conformance/adapters/wampy/crosscheck.py: every valid `ppt` vector (both ciphers)
  sealed by wampy.js and opened by wampbox (adapter `cpp`), and the vector's own
  frame opened by wampy.js, with binary handed to wampy as Uint8Array and as
  Buffer: the differences are exactly the documented ones (CBOR tag 64 around
  Uint8Array; integers beyond 32 bits written as float64).
"""
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "conformance" / "runner"))

from wampbox_conform import testing as T  # noqa: E402

WAMPY = REPO / "conformance" / "adapters" / "wampy"
DOC = REPO / "docs" / "wampy.md"

pytestmark = [
    pytest.mark.skipif(T.fixtures_dir() is None, reason="corpus not generated yet (fixtures/MANIFEST.json)"),
    pytest.mark.skipif(not (WAMPY / "node_modules" / "wampy").is_dir(),
                       reason="wampy.js not installed: run scripts/setup.sh"),
]

# What wampy.js accepts although the profile rejects it, by corpus flag
# (docs/wampy.md, "Differences"); all other invalid vectors must be rejected.
ACCEPTED_INVALID = {"SchemeRules", "ArgumentsShape", "CborUndefined", "InnerShape"}


def doc():
    return DOC.read_text(encoding="utf-8")


def classify(case):
    """The documented difference a failing case shows, or None."""
    reason = case["reason"]
    if case["failure_kind"] == "mismatch" and case["result"] == "valid" and reason == "ppt_seal: wrong plaintext":
        plaintext = case["actual"][0]["output"]["plaintext"]
        if isinstance(plaintext, dict):  # a long value, capped by the report to its head
            plaintext = plaintext["head"]
        # cbor-x writes every map head with a 16-bit length (0xb9 + 2 bytes)
        return "map-head" if plaintext.startswith("b90002") else None
    if case["failure_kind"] == "accepted_invalid" and ACCEPTED_INVALID & set(case["flags"]):
        return "accepted:" + sorted(ACCEPTED_INVALID & set(case["flags"]))[0]
    if case["failure_kind"] == "internal_error" and "wampy threw TypeError" in case["actual"][-1].get("message", ""):
        return "typeerror:" + case["comment"]
    return None


def test_runner_counts_and_every_failure_documented():
    rep, rc, _ = T.full_run("wampy", extra=("--layer", "ppt"))
    assert rep["implementation"]["name"] == "wampy.js" and rep["implementation"]["version"] == "8.0.2"
    s = rep["summary"]
    line = f"| `wampy` | wampy.js 8.0.2 | {s['pass']} | {s['fail']} | {s['unsupported']} |"
    assert line in doc(), line
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"{s['pass']} pass / {s['fail']} fail / {s['unsupported']} unsupported" in readme
    classes = {}
    wampy_checks = 0
    assert s["unsupported"] == 0  # both ciphers (aes256gcm through node:crypto)
    for c in rep["cases"]:
        if c["verdict"] == "pass" and c["result"] == "invalid":
            wampy_checks += c["actual"][-1]["message"].startswith("wampy: Provided PPT")
        if c["verdict"] != "fail":
            continue
        k = classify(c)
        assert k is not None, (c["key"], c["failure_kind"], c["reason"], c["actual"])
        classes[k] = classes.get(k, 0) + 1
    # The classes and their sizes docs/wampy.md lists.
    text = doc()
    for k, n in classes.items():
        assert f"<!-- {k} --> {n} " in text, (k, n)
    assert {k.split(":")[0] for k in classes} == {"map-head", "accepted", "typeerror"}, classes
    assert f"<!-- wampy-checks --> {wampy_checks} " in text, wampy_checks


def test_strict_error_codes():
    """The rejections whose code differs from the profile's (docs/wampy.md)."""
    rep, _, _ = T.full_run("wampy", extra=("--layer", "ppt", "--error-codes", "strict"))
    wrong = sorted({c["comment"] for c in rep["cases"] if c["verdict"] == "fail" and c["failure_kind"] == "wrong_error"})
    n = sum(1 for c in rep["cases"] if c["verdict"] == "fail" and c["failure_kind"] == "wrong_error")
    assert f"<!-- strict-wrong-code --> {n} " in doc(), n
    assert wrong == ["Arguments empty", "a nested list", "ppt_serializer flatbuffers (allowed by the spec, not "
                     "implemented)", "the payload as a string"], wrong


def crosscheck(binary):
    env = dict(os.environ, WAMPBOX_CONFORM_CPP_ADAPTER=T.cpp_adapter())
    r = subprocess.run([sys.executable, str(WAMPY / "crosscheck.py"), "--binary", binary], capture_output=True,
                       text=True, timeout=240, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)


def big_int_as_float(exp, got):
    """True if `got` equals `exp` except that integers outside the 32-bit range
    came back as float64 of the same value (and at least one did)."""
    seen = []

    def walk(e, g):
        (ke, ve), = e.items()
        (kg, vg), = g.items()
        if ke == "int" and kg == "float":
            n = int(ve)
            f = struct.unpack(">d", bytes.fromhex(vg))[0]
            seen.append(n)
            return (n > 0xFFFFFFFF or n < -0x100000000) and f == n
        if ke != kg:
            return False
        if ke == "list":
            return len(ve) == len(vg) and all(walk(a, b) for a, b in zip(ve, vg))
        if ke == "dict":
            return len(ve) == len(vg) and all(a[0] == b[0] and walk(a[1], b[1]) for a, b in zip(ve, vg))
        return ve == vg if ke not in ("bytes", "float") else ve.lower() == vg.lower()

    return walk(exp, got) and bool(seen)


def has_bytes(t):
    (k, v), = t.items()
    if k == "bytes":
        return True
    if k == "list":
        return any(has_bytes(x) for x in v)
    if k == "dict":
        return any(has_bytes(x[1]) for x in v)
    return False


@pytest.mark.skipif(T.cpp_adapter() is None, reason="C++ adapter not built")
@pytest.mark.parametrize("binary", ["uint8array", "buffer"])
def test_crosscheck_wampy_and_wampbox(binary):
    out = crosscheck(binary)
    n = out["vectors"]
    assert n >= 200 and out["seal"]["ok"] == n, out["seal"]
    # wampy.js opens every valid vector's frame to the vector's values.
    assert out["open"]["equal"] == n, out["open"]["differ"][:3]
    tag64 = bigint = 0
    for d in out["interop"]["differ"]:
        if d["field"] == "status":
            # wampbox refuses the inner object: cbor-x wrapped a Uint8Array in tag 64
            assert binary == "uint8array", d
            assert d["got"]["error"] == "parse_error" and "tag 64" in d["got"]["message"], d
            assert "d840" in d["wampy_plaintext"], d
            tag64 += 1
        else:
            assert big_int_as_float(d["expected"], d["got"]), d
            bigint += 1
    assert out["interop"]["equal"] + tag64 + bigint == n
    assert bigint > 0 and (tag64 > 0) == (binary == "uint8array")
    line = f"<!-- crosscheck-{binary} --> {out['interop']['equal']} of {n} "
    assert line in doc(), line
    assert f"<!-- crosscheck-{binary}-tag64 --> {tag64} " in doc() and f"<!-- crosscheck-{binary}-bigint --> {bigint} " \
        in doc()
