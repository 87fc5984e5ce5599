"""The runner under CI conditions (conformance/PROTOCOL.md 10.2): a cancelled
job (SIGTERM/SIGINT/SIGHUP) leaves no adapter behind and a partial report
marked incomplete; a failed handshake still writes report.json and
junit.xml; a closed stdout is not a failure; what one case keeps is bounded."""

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conformance", "runner"))

from wampbox_conform import testing as T  # noqa: E402
from test_runner_protocol import GOOD_LOOP, SEL, adapter  # noqa: E402

pytestmark = pytest.mark.skipif(T.fixtures_dir() is None, reason="corpus not generated yet (fixtures/MANIFEST.json)")


def env():
    e = dict(os.environ)
    e["WAMPBOX_CONFORM_FIXTURES"] = T.fixtures_dir()
    return e


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose (its parent reaps it).
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signal_kills_the_adapter_group_and_writes_a_partial_report(tmp_path, sig):
    pids = tmp_path / "pids"
    # The adapter starts a helper in its process group, then answers slowly.
    body = f'''
import subprocess, time
child = subprocess.Popen(["/bin/sleep", "300"])
open({str(pids)!r}, "w").write(f"{{os.getpid()}} {{child.pid}}")
''' + GOOD_LOOP.replace('    i = m["input"]\n', '    i = m["input"]\n    time.sleep(0.2)\n')
    cmd = adapter(tmp_path, body)
    out = tmp_path / "out"
    p = subprocess.Popen([T.PYTHON, T.ENTRY, "--cmd", cmd, "--progress", "plain", "--out", str(out),
                          "--file", "crypto_box_test", "--op", "box"], env=env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not pids.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)  # a few cases run
    p.send_signal(sig)
    stdout, stderr = p.communicate(timeout=60)
    assert p.returncode == 128 + sig, (p.returncode, stdout, stderr)
    assert "Traceback" not in stderr
    apid, cpid = map(int, pids.read_text().split())
    time.sleep(0.2)
    assert not alive(apid) and not alive(cpid), "adapter or its helper survived"
    rep = json.loads((out / "report.json").read_text())
    assert rep["incomplete"] is True and rep["verdict"] == "incomplete"
    assert rep["run"]["interrupted_by"] == signal.Signals(sig).name
    ran = len(rep["cases"]) + len(rep["derived_cases"])
    assert 0 < ran and rep["run"]["not_run"] > 0
    assert ran + rep["run"]["not_run"] == rep["run"]["selected"] + rep["run"]["derived"]["selected"]
    junit = ET.parse(out / "junit.xml").getroot()
    errs = junit.findall(".//error")
    assert len(errs) == 1 and "incomplete" in errs[0].get("message")
    assert (out / "report.html").exists() and "INCOMPLETE" in stdout


def test_handshake_failure_still_writes_reports(tmp_path):
    cmd = adapter(tmp_path, '''
sys.stderr.write("cannot load my crypto library\\n")
sys.exit(3)
''')
    out = tmp_path / "out"
    p = T.run_cli(["--cmd", cmd, "--progress", "none", "--out", str(out)] + SEL)
    assert p.returncode == 2 and "handshake failed" in p.stderr
    rep = json.loads((out / "report.json").read_text())
    assert rep["verdict"] == "harness_error"
    assert "handshake failed" in rep["run"]["harness_error"] and "cannot load my crypto" in rep["run"]["harness_error"]
    # Nothing ran, nothing is dropped.
    assert len(rep["cases"]) == 12 and all(c["verdict"] == "fail" and "not run" in c["reason"] for c in rep["cases"])
    junit = ET.parse(out / "junit.xml").getroot()
    errs = junit.findall(".//error")
    assert len(errs) == 1 and "handshake failed" in errs[0].get("message")
    assert int(junit.get("errors")) == 1


def test_closed_stdout_is_not_a_failure(tmp_path):
    """`wampbox-conform ... | head -1`: the reader is gone before the summary
    is written. No traceback, and the exit code is the results'."""
    r, w = os.pipe()
    os.close(r)
    p = subprocess.run([T.PYTHON, T.ENTRY, "--cmd", adapter(tmp_path, GOOD_LOOP), "--progress", "none",
                        "--json", str(tmp_path / "r.json")] + SEL, env=env(), stdout=w, stderr=subprocess.PIPE,
                       text=True, timeout=120)
    os.close(w)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr, p.stderr
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["pass"] == 12
    # The same through a real `| head -1` on a long output (--list).
    p = subprocess.run(f"{T.PYTHON} {T.ENTRY} --list | head -1; exit ${{PIPESTATUS[0]}}", shell=True,
                       executable="/bin/bash", env=env(), capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and len(p.stdout.splitlines()) == 1
    assert "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr, p.stderr


def test_per_case_output_is_bounded(tmp_path):
    """An adapter answering with megabytes (a huge output, a huge error
    message, a line with no end) costs the report a bounded amount."""
    body = GOOD_LOOP.replace('    i = m["input"]\n', '''    i = m["input"]
    if m["op"] == "box_seal" and len(i["msg"]) == 2 * 17:
        out({"id": m["id"], "status": "ok", "output": {"ct": "ab" * 3000000, "extra": list(range(300000))}}); continue
    if m["op"] == "box_open" and i["nonce"].startswith("69"):
        out({"id": m["id"], "status": "error", "error": "nonsense", "message": "x" * 5000000}); continue
    if m["op"] == "box_seal" and len(i["msg"]) == 2 * 31:
        sys.stdout.write("{" + " " * (40 * 1024 * 1024)); sys.stdout.flush(); time.sleep(30)
''').replace("import json, sys, os", "import json, sys, os, time")
    p = T.run_cli(["--cmd", adapter(tmp_path, body), "--progress", "none", "--json", str(tmp_path / "r.json"),
                   "--tcid", "1-40", "--no-derived", "--timeout", "20"], timeout=300)
    assert p.returncode == 1, p.stderr
    rep = json.loads((tmp_path / "r.json").read_text())
    fails = [c for c in rep["cases"] if c["verdict"] == "fail"]
    kinds = {c["failure_kind"] for c in fails}
    assert {"mismatch", "protocol"} <= kinds and kinds & {"rejected_valid", "bad_error_code"}, kinds
    long_msg = [c for c in fails if c["failure_kind"] in ("rejected_valid", "bad_error_code")]
    assert long_msg and all("cut by the runner" in c["evidence"] for c in long_msg)
    for c in rep["cases"]:
        assert len(json.dumps(c)) < 48 * 1024, (c["key"], len(json.dumps(c)))
    proto = [c for c in fails if c["failure_kind"] == "protocol"]
    assert proto and all("longer than" in c["reason"] for c in proto)
    assert os.path.getsize(tmp_path / "r.json") < 4 * 1024 * 1024
