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
    assert layers == {"crypto_box", "keyring", "envelope", "message"}
    bad = [(c["key"], c["reason"]) for c in valid if c["verdict"] != "pass"]
    assert not bad, bad[:20]
    # The message layer is the point: it must be run, not skipped.
    assert sum(1 for c in valid if c["layer"] == "message") > 1000


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
    for name in ("adapter.js", "wamp.js", "wire.js", "pyjson.js"):
        with open(os.path.join(js, name), encoding="utf-8") as f:
            text = f.read()
        for other in ("child_process", "autobahn_adapter", "wampbox_conform_adapter", "python3"):
            assert other not in text, (name, other)
