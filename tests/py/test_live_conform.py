"""Live conformance mode (`wampbox-conform live`, issue 9 point 6; docs/live-conformance.md).

Each test runs the real command: wampbox-router on an ephemeral loopback port with its
capture, the runner's peer (RawSocket, MessagePack, the C++ library sealing), and a client
under test behind a live adapter. Autobahn|Python and the wampbox C++ session must pass
every scenario; the deliberately defective clients must fail exactly the scenarios that
check their defect, and nothing else. About 20-30 s in all on the shared machine.
"""
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENTRY = REPO / "conformance" / "wampbox-conform"
sys.path.insert(0, str(REPO / "conformance" / "runner"))
from wampbox_conform.live import SCENARIO_NAMES  # noqa: E402

N = len(SCENARIO_NAMES)  # 17
SEND = {"publish-encrypted", "publish-empty-encrypted", "call-encrypted", "invocation-decrypt",
        "publish-after-refusals", "wire-audit"}
TAMPER = {"event-tampered", "result-tampered", "invocation-tampered"}
SWAP = {"event-uri-swapped", "result-uri-swapped", "invocation-uri-swapped"}


def live(tmp_path, *argv, timeout=240):
    out = tmp_path / "out"
    env = dict(os.environ, WAMPBOX_BUILD_DIR=os.environ.get("WAMPBOX_BUILD_DIR", str(REPO / "build")))
    p = subprocess.run(["/usr/bin/python3", str(ENTRY), "live", *argv, "--out", str(out), "--progress", "none",
                        "--work-dir", str(tmp_path / "work")], capture_output=True, text=True, timeout=timeout,
                       env=env)
    rep = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else None
    return p, rep, out


def failing(rep):
    return {c["scenario"] for c in rep["cases"] if c["verdict"] == "fail"}


def by_name(rep):
    return {c["scenario"]: c for c in rep["cases"]}


def test_autobahn_passes_every_scenario(tmp_path):
    """The worked example of docs/live-conformance.md: Autobahn|Python over WebSocket/JSON."""
    p, rep, out = live(tmp_path, "--client", "autobahn", "--transport", "ws", "--serializer", "json")
    assert p.returncode == 0, p.stdout + p.stderr
    assert rep["verdict"] == "conformant" and rep["mode"] == "live"
    assert rep["implementation"]["name"] == "Autobahn|Python"
    assert rep["summary"]["total"] == N == 17 and rep["summary"]["pass"] == N
    cases = by_name(rep)
    # Judged from the wire: the client's own PUBLISH carries a cryptobox payload...
    wire = cases["publish-encrypted"]["wire"]
    assert 'client -> router' in wire and '"enc_algo":"cryptobox"' in wire and "<binary" in wire
    assert "publish: Counter is at 1" not in wire
    # ...and Autobahn's documented fallback is visible, passed only under its declared profile.
    fb = cases["fallback-missing-role"]
    assert fb["judged_as"] == "plaintext" and fb["profile_note"] == "plaintext_fallback=plaintext"
    assert "fallback: Counter is at 1" in fb["wire"]
    assert cases["plaintext-event"]["judged_as"] == "accept"
    assert "none of" in cases["invocation-decrypt"]["reason"]
    assert "left out" in cases["wire-audit"]["reason"]
    # The same three reports as the corpus mode: JUnit and HTML carry the wire logs.
    suites = ET.parse(out / "junit.xml").getroot()
    assert suites.get("tests") == str(N) and suites.get("failures") == "0"
    assert "wire:" in "".join(e.text or "" for e in suites.iter("system-out"))
    html = (out / "report.html").read_text()
    assert html.count("<details class=wire>") >= N - 1 and "router -&gt; client" in html


def test_wampbox_cpp_client_passes_every_scenario(tmp_path):
    """The wampbox C++ session (wampbox-client), RawSocket/CBOR, strict profile."""
    p, rep, _ = live(tmp_path, "--client", "wampbox", "--transport", "rs", "--serializer", "cbor")
    assert p.returncode == 0, p.stdout + p.stderr
    assert rep["summary"]["pass"] == N, [(c["scenario"], c["reason"]) for c in rep["cases"] if c["verdict"] == "fail"]
    cases = by_name(rep)
    assert cases["fallback-missing-role"]["judged_as"] == "reject"
    # It refused to publish: no PUBLISH of the client's reached the router.
    assert not [l for l in cases["fallback-missing-role"]["wire"].splitlines()
                if l.startswith("client -> router") and " PUBLISH " in l]
    assert cases["plaintext-event"]["judged_as"] == "refuse"


@pytest.mark.parametrize("client,transport,ser", [("autobahn", "rs", "msgpack"), ("wampbox", "ws", "json")])
def test_other_transports_and_serializers(tmp_path, client, transport, ser):
    """With the two runs above, each good client on both transports and every serializer
    covered by one of them."""
    p, rep, _ = live(tmp_path, "--client", client, "--transport", transport, "--serializer", ser)
    assert p.returncode == 0 and rep["summary"]["pass"] == N, p.stdout + p.stderr
    assert rep["live"]["transport"] == transport and rep["live"]["serializer"] == ser


def test_defective_plaintext_fails_the_sending_scenarios(tmp_path):
    """A client whose codec never encrypts fails every scenario in which it sends values,
    and nothing else (its receiving side still works)."""
    p, rep, _ = live(tmp_path, "--client", "defective-plaintext", "--transport", "rs", "--serializer", "msgpack")
    assert p.returncode == 1, p.stdout + p.stderr
    assert failing(rep) == SEND, failing(rep)
    reasons = by_name(rep)
    assert "arrived in plaintext" in reasons["publish-encrypted"]["reason"]
    assert "plaintext on the wire" in reasons["wire-audit"]["reason"]


def test_defective_receivers_fail_the_refusal_scenarios(tmp_path):
    """A client that skips the URI check and passes undecryptable payloads through fails the
    URI-swapped and the tampered scenarios, and only those."""
    p, rep, _ = live(tmp_path, "--client-cmd",
                     f"/usr/bin/python3 {REPO}/conformance/adapters/live/defective_live.py "
                     f"--defect no-uri-check,pass-undecryptable", "--transport", "ws", "--serializer", "cbor")
    assert p.returncode == 1, p.stdout + p.stderr
    assert failing(rep) == TAMPER | SWAP, failing(rep)
    cases = by_name(rep)
    assert "delivered the tampered event" in cases["event-tampered"]["reason"]
    assert "accepted a URI-swapped RESULT" in cases["result-uri-swapped"]["reason"]


def test_harness_error_and_usage(tmp_path):
    """A client adapter that never answers hello is a harness error (exit 2) with every scenario
    reported as not run; --list and --help work without a build."""
    p, rep, _ = live(tmp_path, "--client-cmd", "/bin/true", "--handshake-timeout", "5")
    assert p.returncode == 2, p.stdout + p.stderr
    assert rep["verdict"] == "harness_error" and rep["summary"]["fail"] == N
    assert all(c["reason"].startswith("not run") for c in rep["cases"])
    # A client that answers hello and dies on its first command: that scenario fails, the
    # rest are reported as not run, exit 2.
    quitter = tmp_path / "quitter.py"
    quitter.write_text("import json, sys\nsys.stdin.readline()\n"
                       "print(json.dumps({'type': 'hello', 'protocol': 'wampbox-live/1', "
                       "'implementation': {'name': 'quitter', 'version': '0'}}), flush=True)\n"
                       "sys.stdin.readline()\nsys.exit(3)\n")
    p, rep, _ = live(tmp_path / "q", "--client-cmd", f"/usr/bin/python3 {quitter}")
    assert p.returncode == 2 and rep["verdict"] == "harness_error", p.stdout + p.stderr
    first = rep["cases"][0]
    assert first["verdict"] == "fail" and "crash" in first["reason"], first["reason"]
    assert all(c["reason"].startswith("not run") for c in rep["cases"][1:])
    lst = subprocess.run([sys.executable, str(ENTRY), "live", "--list"], capture_output=True, text=True, timeout=60)
    assert lst.returncode == 0 and len(lst.stdout.splitlines()) == N
    h = subprocess.run([sys.executable, str(ENTRY), "live", "--help"], capture_output=True, text=True, timeout=60)
    assert h.returncode == 0 and "--client-cmd" in h.stdout and "docs/live-conformance.md" in h.stdout


def test_sigterm_stops_everything_and_writes_an_incomplete_report(tmp_path):
    """SIGTERM while the client under test hangs on a command: exit 143, the router, the peer's
    crypto process and the client are gone, and the report says what did not run."""
    hang = tmp_path / "hang.py"
    hang.write_text("import json, sys, time\nsys.stdin.readline()\n"
                    "print(json.dumps({'type': 'hello', 'protocol': 'wampbox-live/1', "
                    "'implementation': {'name': 'hanger', 'version': '0'}}), flush=True)\n"
                    "time.sleep(120)\n")
    work, out = tmp_path / "work", tmp_path / "out"
    p = subprocess.Popen(["/usr/bin/python3", str(ENTRY), "live", "--client-cmd", f"/usr/bin/python3 {hang}",
                          "--out", str(out), "--work-dir", str(work), "--progress", "none", "--timeout", "60"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (work / "live.port").exists() and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.05)
        time.sleep(1.0)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 143, err
    rep = json.loads((out / "report.json").read_text())
    assert rep["incomplete"] and rep["verdict"] == "incomplete" and rep["run"]["interrupted_by"] == "SIGTERM"
    assert rep["run"]["not_run"] == N and all("interrupted by SIGTERM" in c["reason"] for c in rep["cases"])
    left = [pid for pid in os.listdir("/proc") if pid.isdigit() and _cmdline_has(pid, str(hang), str(work))]
    assert left == [], left


def _cmdline_has(pid, *needles):
    try:
        cmd = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
    except OSError:
        return False
    return any(n in cmd for n in needles)


@pytest.mark.parametrize("name", ["autobahn", "wampbox", "defective-plaintext", "defective-no-uri-check",
                                  "defective-pass-undecryptable"])
def test_registry_lists_live_clients(name):
    a = subprocess.run([sys.executable, str(ENTRY), "adapters"], capture_output=True, text=True, timeout=60)
    assert a.returncode == 0 and name in a.stdout.split("live client adapters")[1]
