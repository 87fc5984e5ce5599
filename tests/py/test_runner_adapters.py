"""The conformance runner against every shipped adapter, over the whole
corpus: what each implementation passes, under its declared profile."""

import json
import os
import sys
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conformance", "runner"))

from wampbox_conform import testing as T  # noqa: E402

pytestmark = pytest.mark.skipif(T.fixtures_dir() is None, reason="corpus not generated yet (fixtures/MANIFEST.json)")

def failing(rep):
    return [c for c in rep["cases"] if c["verdict"] == "fail"]


def corpus_total():
    cases, _ = T.load_corpus()
    return len(cases)


def check_report_shape(rep, path):
    cases, suite = T.load_corpus()
    # Never dropped: every vector is in the report exactly once.
    assert len(rep["cases"]) == len(cases) == rep["summary"]["total"]
    assert len({c["key"] for c in rep["cases"]}) == len(cases)
    s = rep["summary"]
    assert s["pass"] + s["fail"] + s["unsupported"] == s["total"]
    # Suite identity: corpus file SHA-256s as in MANIFEST.json.
    with open(os.path.join(T.fixtures_dir(), "MANIFEST.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    for name, info in rep["suite"]["files"].items():
        want = manifest["files"][name[len("fixtures/"):]]
        want = want if isinstance(want, str) else want["sha256"]
        assert info["sha256"] == info["manifest_sha256"] == want
    assert rep["suite"]["version"] == suite["version"]
    im = rep["implementation"]
    assert im["name"] and im["version"]
    for c in rep["cases"]:
        assert {"expected", "actual", "flags", "evidence", "verdict", "reason", "result"} <= set(c)
    # Derived negatives run by default, counted apart, every one reported once.
    from wampbox_conform import derive
    want = derive.derive(cases)
    d = rep["derived_summary"]
    assert rep["run"]["derived"]["enabled"] and len(rep["derived_cases"]) == len(want) == d["total"] > 1000
    assert [c["key"] for c in rep["derived_cases"]] == [c.key for c in want]
    assert d["pass"] + d["fail"] + d["unsupported"] == d["total"]
    assert all(c["derived_from"] in {x.key for x in cases} for c in rep["derived_cases"][:50])


def derived_failing(rep):
    return [(c["key"], c["reason"]) for c in rep["derived_cases"] if c["verdict"] == "fail"]


def test_cpp_reference():
    if T.cpp_adapter() is None:
        pytest.skip("wampbox_conform_adapter not built (conformance/CMakeLists.txt: add_subdirectory(adapters/cpp))")
    rep, rc, path = T.full_run("cpp")
    check_report_shape(rep, path)
    s = rep["summary"]
    assert s["unsupported"] == 0
    for layer in ("crypto_box", "keyring", "envelope"):
        assert s["by_layer"][layer]["fail"] == 0, layer
    # The reference implementation passes the whole corpus, and every derived negative.
    assert not failing(rep), [(c["key"], c["reason"]) for c in failing(rep)]
    assert not derived_failing(rep) and rep["derived_summary"]["unsupported"] == 0, derived_failing(rep)[:10]
    assert rc == 0


def test_autobahn_original():
    rep, rc, path = T.full_run("autobahn")
    check_report_shape(rep, path)
    s = rep["summary"]
    # Autobahn does not speak Payload PassThru Mode: the ppt layer is counted UNSUPPORTED, everything else runs.
    assert s["unsupported"] == s["by_layer"]["ppt"]["unsupported"] == s["by_layer"]["ppt"]["total"] > 0
    assert rep["implementation"]["profile"]["low_order_keys"] == "reject"
    for layer in ("crypto_box", "keyring"):
        assert s["by_layer"][layer]["fail"] == 0, layer
    # Autobahn fails exactly where it accepts what the corpus rejects.
    for c in failing(rep):
        assert "AutobahnAccepts" in c["flags"] and c["failure_kind"] == "accepted_invalid", (c["key"], c["reason"])
    for c in rep["cases"]:
        if "AutobahnAccepts" in c["flags"] and c["result"] == "invalid":
            assert c["verdict"] == "fail" and c["failure_kind"] == "accepted_invalid", c["key"]
    # The worked example of the facts sheet is a pass.
    kat = [c for c in rep["cases"] if c["op"] == "payload_encode" and "KnownAnswer" in c["flags"]]
    assert kat and all(c["verdict"] == "pass" for c in kat)
    # Every damaged box, payload and frame is rejected (CBOR trailing bytes accepted, as the corpus allows);
    # the damaged PPT payloads are UNSUPPORTED, like the ppt layer itself.
    d = rep["derived_summary"]
    assert not derived_failing(rep), derived_failing(rep)[:10]
    assert d["unsupported"] == d["by_layer"]["ppt"]["unsupported"] == d["by_layer"]["ppt"]["total"] > 0
    assert rc == 1


def test_pynacl_crypto_box_only():
    rep, rc, path = T.full_run("pynacl")
    check_report_shape(rep, path)
    s = rep["summary"]
    assert rc == 0 and s["fail"] == 0
    assert s["by_layer"]["crypto_box"]["pass"] == s["by_layer"]["crypto_box"]["total"]
    # Other layers are counted as UNSUPPORTED, not dropped.
    for layer in ("keyring", "envelope", "message", "ppt"):
        e = s["by_layer"][layer]
        assert e["unsupported"] == e["total"] > 0
    low = [c for c in rep["cases"] if "LowOrderPublicKey" in c["flags"]]
    assert low and all(c["verdict"] == "pass" and c["judged_as"] == "invalid" for c in low)
    d = rep["derived_summary"]
    assert d["fail"] == 0 and d["by_layer"]["crypto_box"]["pass"] == d["by_layer"]["crypto_box"]["total"] > 1000


@pytest.mark.parametrize("adapter,profile,judged", [("tweetnacl-js", "compute", "valid"),
                                                    ("libsodium-js", "reject", "invalid")])
def test_javascript(adapter, profile, judged):
    if not T.js_ready():
        pytest.skip("npm ci --prefix conformance/adapters/js has not been run")
    rep, rc, path = T.full_run(adapter)
    check_report_shape(rep, path)
    s = rep["summary"]
    assert rc == 0 and s["fail"] == 0, [(c["key"], c["reason"]) for c in failing(rep)][:10]
    assert rep["implementation"]["profile"]["low_order_keys"] == profile
    for layer in ("crypto_box", "keyring", "envelope", "message", "ppt"):
        assert s["by_layer"][layer]["pass"] == s["by_layer"][layer]["total"] > 0, layer
    # Low-order public keys: judged under the declared profile, not a hidden pass.
    low = [c for c in rep["cases"] if "LowOrderPublicKey" in c["flags"]]
    assert low and all(c["verdict"] == "pass" and c["judged_as"] == judged for c in low)
    assert all(c["profile_note"] == f"low_order_keys={profile}" for c in low)
    d = rep["derived_summary"]
    assert d["fail"] == 0, derived_failing(rep)[:10]
    for layer in ("crypto_box", "envelope", "message"):
        assert d["by_layer"][layer]["pass"] == d["by_layer"][layer]["total"] > 0, layer


def test_junit_matches_json():
    rep, _, path = T.full_run("pynacl")
    out = path + ".xml"
    sys.path.insert(0, os.path.join(T.CONFORMANCE, "runner"))
    from wampbox_conform import report
    report.write_junit(rep, out)
    root = ET.parse(out).getroot()
    s, d = rep["summary"], rep["derived_summary"]
    assert int(root.get("tests")) == s["total"] + d["total"]
    assert int(root.get("failures")) == s["fail"] + d["fail"]
    assert int(root.get("skipped")) == s["unsupported"] + d["unsupported"]
    assert len(root.findall(".//testcase")) == s["total"] + d["total"]
    # Derived negatives have their own suites, named as such.
    derived = [x for x in root.findall("testsuite") if ".derived." in x.get("name")]
    assert sum(int(x.get("tests")) for x in derived) == d["total"] > 0
