"""The runner's harness behaviour with tiny hand-written adapters: handshake,
what is (and is not) sent to the adapter, judging, UNSUPPORTED counting,
crash/hang/garbage detection with restarts, filters, --list, exit codes."""

import json
import os
import sys
import textwrap

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conformance", "runner"))

from wampbox_conform import testing as T  # noqa: E402

pytestmark = pytest.mark.skipif(T.fixtures_dir() is None, reason="corpus not generated yet (fixtures/MANIFEST.json)")

SEL = ["--file", "crypto_box_test", "--op", "box", "--tcid", "1-12"]

PRELUDE = '''
import json, sys, os
sys.path.insert(0, %r)
import nacl.bindings as s
LOG = os.environ.get("ADAPTER_LOG")
def hello(ops=("box_seal", "box_open"), profile=None):
    return {"type": "hello", "protocol": "wampbox-conform/1",
            "implementation": {"name": "fake", "version": "0.0.1"},
            "profile": profile or {"low_order_keys": "reject"},
            "supports": {"layers": ["crypto_box"], "operations": list(ops), "serializers": [],
                         "message_types": [], "unsupported_flags": []}}
def out(o):
    sys.stdout.write(json.dumps(o) + "\\n"); sys.stdout.flush()
def seal(i):
    return s.crypto_box(bytes.fromhex(i["msg"]), bytes.fromhex(i["nonce"]), bytes.fromhex(i["pk"]),
                        bytes.fromhex(i["sk"])).hex()
def open_(i):
    return s.crypto_box_open(bytes.fromhex(i["ct"]), bytes.fromhex(i["nonce"]), bytes.fromhex(i["pk"]),
                             bytes.fromhex(i["sk"])).hex()
''' % os.path.join(T.CONFORMANCE, "adapters")


def adapter(tmp_path, body, name="a.py"):
    p = tmp_path / name
    p.write_text(PRELUDE + textwrap.dedent(body))
    return f"/usr/bin/python3 {p}"


GOOD_LOOP = '''
for line in sys.stdin:
    m = json.loads(line)
    if m["type"] == "hello": out(hello()); continue
    if m["type"] == "bye": break
    if LOG: open(LOG, "a").write(line)
    i = m["input"]
    try:
        o = {"ct": seal(i)} if m["op"] == "box_seal" else {"msg": open_(i)}
        out({"id": m["id"], "status": "ok", "output": o})
    except Exception as e:
        out({"id": m["id"], "status": "error", "error": "decrypt_failed", "message": str(e)})
'''


def run(cmd, extra=(), env=None, tmp_path=None, sel=SEL):
    args = ["--cmd", cmd, "--progress", "none"] + list(sel) + list(extra)
    if tmp_path is not None:
        args += ["--json", str(tmp_path / "r.json"), "--junit", str(tmp_path / "r.xml")]
    p = T.run_cli(args, env=env, timeout=120)
    rep = None
    if tmp_path is not None and (tmp_path / "r.json").exists():
        rep = json.loads((tmp_path / "r.json").read_text())
    return p, rep


def test_help_and_version():
    p = T.run_cli(["--help"])
    assert p.returncode == 0 and "PROTOCOL.md" in p.stdout and "--list" in p.stdout
    assert T.run_cli(["matrix", "--help"]).returncode == 0
    assert os.access(T.ENTRY, os.X_OK)


def test_list_does_not_start_the_adapter():
    p = T.run_cli(["--cmd", "/nonexistent/adapter", "--list", "--layer", "crypto_box", "--flag", "ModifiedTag"])
    assert p.returncode == 0, p.stderr
    lines = [x for x in p.stdout.splitlines() if x.strip()]
    cases, _ = T.load_corpus()
    want = [c for c in cases if c.layer == "crypto_box" and "ModifiedTag" in c.flags]
    assert len(lines) == len(want) > 0
    assert all("ModifiedTag" in x for x in lines)


def test_filters():
    cases, _ = T.load_corpus()
    p = T.run_cli(["--list", "--no-derived", "--tcid", "crypto_box_test#3-5,keyring_test#1"])
    keys = [x.split()[0] for x in p.stdout.splitlines() if x.strip()]
    assert sorted(keys) == sorted(["crypto_box_test#3", "crypto_box_test#4", "crypto_box_test#5", "keyring_test#1"])
    p = T.run_cli(["--list", "--layer", "message", "--exclude-flag", "Plain", "--result", "acceptable"])
    for line in p.stdout.splitlines():
        assert " message " in line and " acceptable " in line and "Plain" not in line
    assert T.run_cli(["--list", "--tcid", "x-y"]).returncode == 2


def test_good_adapter_passes_and_sees_only_inputs(tmp_path):
    log = tmp_path / "requests.log"
    p, rep = run(adapter(tmp_path, GOOD_LOOP), env={"ADAPTER_LOG": str(log)}, tmp_path=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert rep["summary"]["pass"] == rep["summary"]["total"] == 12
    for line in log.read_text().splitlines():
        req = json.loads(line)
        # Only the inputs: never the expected output, result, flags or comment.
        want = {"box_seal": {"sk", "pk", "nonce", "msg"}, "box_open": {"sk", "pk", "nonce", "ct"}}[req["op"]]
        assert set(req["input"]) == want
        assert set(req) == {"type", "id", "op", "input"}


def test_wrong_output_is_a_mismatch_with_evidence(tmp_path):
    body = GOOD_LOOP.replace('{"ct": seal(i)}', '{"ct": seal(i)[:-2] + "00"}')
    p, rep = run(adapter(tmp_path, body), tmp_path=tmp_path)
    assert p.returncode == 1
    fails = [c for c in rep["cases"] if c["verdict"] == "fail"]
    assert fails and all(c["failure_kind"] == "mismatch" for c in fails)
    assert "first difference at byte" in fails[0]["evidence"]
    # Valid cases fail (the seal direction), invalid ones only open and still pass.
    assert all(c["result"] == "valid" for c in fails)


def test_accepting_everything_fails_invalid_cases(tmp_path):
    body = GOOD_LOOP.replace('out({"id": m["id"], "status": "error", "error": "decrypt_failed", "message": str(e)})',
                             'out({"id": m["id"], "status": "ok", "output": {"msg": ""}})')
    p, rep = run(adapter(tmp_path, body), ["--tcid", "1-400"], tmp_path=tmp_path)
    assert p.returncode == 1
    for c in rep["cases"]:
        if c["result"] == "invalid":
            assert c["verdict"] == "fail" and c["failure_kind"] == "accepted_invalid"
        elif c["result"] == "valid":
            assert c["verdict"] == "pass"


def test_unsupported_is_counted_not_dropped(tmp_path):
    body = GOOD_LOOP.replace('    i = m["input"]\n', '    i = m["input"]\n    if m["op"] == "box_seal":\n'
                             '        out({"id": m["id"], "status": "unsupported", "reason": "no sealing"}); continue\n')
    p, rep = run(adapter(tmp_path, body), ["--layer", "crypto_box"], tmp_path=tmp_path, sel=())
    s = rep["summary"]
    assert p.returncode == 0
    assert s["total"] == len(rep["cases"]) > 12
    valid = [c for c in rep["cases"] if c["op"] == "box" and c["result"] == "valid"]
    assert valid and all(c["verdict"] == "unsupported" for c in valid)
    # Operations not declared in hello (beforenm, box_afternm) are UNSUPPORTED without being sent.
    other = [c for c in rep["cases"] if c["op"] != "box"]
    assert other and all(c["verdict"] == "unsupported" and "not supported" in c["reason"] for c in other)
    sealing = [c for c in rep["cases"] if c["op"] == "box" and c["result"] != "invalid"]
    assert s["unsupported"] == len(sealing) + len(other)
    assert all(c["verdict"] == "pass" for c in rep["cases"] if c["op"] == "box" and c["result"] == "invalid")


def test_crash_hang_and_garbage_restart(tmp_path):
    body = GOOD_LOOP.replace('    i = m["input"]\n', '''    i = m["input"]
    if m["op"] == "box_open" and i["nonce"].startswith("69"):
        sys.exit(7)
    if m["op"] == "box_seal" and len(i["msg"]) == 2 * 17:
        import time; time.sleep(60)
    if m["op"] == "box_seal" and len(i["msg"]) == 2 * 31:
        print("this is not JSON", flush=True); continue
''')
    # Corpus cases only: the derived negatives of these vectors would crash the adapter dozens of times more.
    p, rep = run(adapter(tmp_path, body), ["--tcid", "1-40", "--timeout", "1.5", "--no-derived"], tmp_path=tmp_path)
    assert p.returncode == 1
    kinds = {c["failure_kind"] for c in rep["cases"] if c["verdict"] == "fail"}
    assert kinds == {"crash", "timeout", "protocol"}, kinds
    nfail = rep["summary"]["fail"]
    assert rep["adapter"]["restarts"] == nfail
    crash = [c for c in rep["cases"] if c.get("failure_kind") == "crash"]
    assert all("exit status 7" in c["reason"] for c in crash)
    # Everything else still ran and passed after the restarts.
    assert rep["summary"]["pass"] == rep["summary"]["total"] - nfail > 0


def test_bad_hello_is_a_harness_error(tmp_path):
    cmd = adapter(tmp_path, '''
for line in sys.stdin:
    h = hello(); del h["implementation"]["version"]; out(h)
''')
    p, _ = run(cmd)
    assert p.returncode == 2 and "implementation.version" in p.stderr


def test_adapter_that_cannot_start_is_a_harness_error():
    p = T.run_cli(["--cmd", "/nonexistent/adapter", "--progress", "none"] + SEL)
    assert p.returncode == 2 and "cannot start adapter" in p.stderr


def test_adapter_that_dies_for_good_is_a_harness_error(tmp_path):
    # Answers hello once, then dies on every case and on every restart's hello.
    marker = tmp_path / "started"
    cmd = adapter(tmp_path, f'''
if os.path.exists({str(marker)!r}):
    sys.exit(9)
open({str(marker)!r}, "w").close()
for line in sys.stdin:
    m = json.loads(line)
    if m["type"] == "hello": out(hello()); continue
    sys.exit(9)
''')
    p, rep = run(cmd, tmp_path=tmp_path)
    assert p.returncode == 2
    assert rep["verdict"] == "harness_error" and len(rep["cases"]) == 12
    assert all(c["verdict"] == "fail" for c in rep["cases"])


def test_profile_decides_acceptable_cases(tmp_path):
    """The same answers pass or fail the low-order vectors depending on the
    declared profile."""
    low = ["--file", "crypto_box_test", "--flag", "LowOrderPublicKey"]
    cmd = adapter(tmp_path, GOOD_LOOP.replace("out(hello())", "out(hello(ops=('box_seal', 'box_open', 'beforenm')))")
                  .replace('o = {"ct": seal(i)} if m["op"] == "box_seal" else {"msg": open_(i)}',
                           'o = {"ct": seal(i)} if m["op"] == "box_seal" else ({"msg": open_(i)} if m["op"] == '
                           '"box_open" else {"k": s.crypto_box_beforenm(bytes.fromhex(i["pk"]), '
                           'bytes.fromhex(i["sk"])).hex()})'))
    p = T.run_cli(["--cmd", cmd, "--progress", "none", "--json", str(tmp_path / "a.json")] + low)
    rep = json.loads((tmp_path / "a.json").read_text())
    assert p.returncode == 0 and rep["summary"]["pass"] == rep["summary"]["total"] > 0
    assert all(c["judged_as"] == "invalid" for c in rep["cases"])
    lying = cmd.replace("a.py", "b.py")
    (tmp_path / "b.py").write_text((tmp_path / "a.py").read_text().replace(
        'profile or {"low_order_keys": "reject"}', '{"low_order_keys": "compute"}'))
    p = T.run_cli(["--cmd", lying, "--progress", "none", "--json", str(tmp_path / "b.json")] + low)
    rep = json.loads((tmp_path / "b.json").read_text())
    assert p.returncode == 1 and rep["summary"]["fail"] == rep["summary"]["total"]
