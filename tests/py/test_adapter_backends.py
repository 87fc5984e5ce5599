"""The C++ adapter's --backend NAME (conformance/adapters/README.md): every
built crypto_box backend through the runner over the corpus's crypto_box
layer, checked against backend_test's in-process judgement of the same
backend; and an external corpus directory run with --fixtures and
--no-verify-manifest.

The two judges (the runner's Python ops.py and conformance/vectors/judge.h)
are independent readings of PROTOCOL.md; they must fail exactly the same
vectors for every backend (e.g. nacl's X25519 near p, botan's Poly1305 tag+5).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("WAMPBOX_BUILD_DIR", REPO / "build"))
ADAPTER = BUILD / "conformance" / "adapters" / "cpp" / "wampbox_conform_adapter"
BACKEND_TEST = BUILD / "tests" / "backend_test"
RUNNER = REPO / "conformance" / "wampbox-conform"


def built_backends():
    if not ADAPTER.exists():
        return ["libsodium"]  # the test then fails on the missing binary, not skipped
    out = subprocess.run([str(ADAPTER), "--list-backends"], capture_output=True, text=True, check=True).stdout
    return [line.split("\t")[0] for line in out.splitlines() if line.strip()]


def run_runner(backend, tmp_path, *extra):
    report = tmp_path / f"{backend}.json"
    cmd = [sys.executable, str(RUNNER), "--cmd", f"{ADAPTER} --backend {backend}", "--layer", "crypto_box",
           "--progress", "none", "--json", str(report), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    return proc, report


@pytest.fixture(scope="module")
def cpp_reports(tmp_path_factory):
    assert BACKEND_TEST.exists(), f"{BACKEND_TEST} not built"
    out = tmp_path_factory.mktemp("backend_reports")
    env = dict(os.environ, WAMPBOX_BACKEND_REPORT_DIR=str(out))
    subprocess.run([str(BACKEND_TEST), "--gtest_filter=Backends/BackendCorpus.*"], env=env, capture_output=True,
                   timeout=600, check=True)
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}


@pytest.mark.parametrize("backend", built_backends())
def test_runner_and_backend_test_fail_the_same_vectors(backend, cpp_reports, tmp_path):
    assert ADAPTER.exists(), f"{ADAPTER} not built"
    proc, report = run_runner(backend, tmp_path)
    assert report.exists(), proc.stderr
    r = json.loads(report.read_text())
    assert r["implementation"]["name"] == f"wampbox-cpp/{backend}"
    failed = sorted(c["tcId"] for c in r["cases"] if c["verdict"] == "fail")
    cpp = cpp_reports[backend]
    assert failed == sorted(cpp["failed_tcIds"]), (backend, failed, cpp["failed_tcIds"])
    # Exit status 1 exactly when some vector failed.
    assert proc.returncode == (1 if failed else 0), proc.stderr
    # Every wrong result is reported with its tcId and kind.
    kinds = {f["tcId"]: f["kind"] for f in cpp["wrong_results"] + cpp["other_failures"]}
    assert sorted(kinds) == failed


def test_unknown_backend_is_a_clear_error():
    assert ADAPTER.exists()
    proc = subprocess.run([str(ADAPTER), "--backend", "no-such"], capture_output=True, text=True, input="")
    assert proc.returncode == 2
    assert "no backend 'no-such'" in proc.stderr and "libsodium" in proc.stderr


def test_external_corpus_needs_no_verify_manifest(tmp_path):
    """An external corpus (e.g. converted third-party vectors) has no MANIFEST.json."""
    ext = tmp_path / "external"
    ext.mkdir()
    shutil.copy(REPO / "fixtures" / "crypto_box_test.json", ext / "crypto_box_test.json")
    proc, _ = run_runner("libsodium", tmp_path, "--fixtures", str(ext))
    assert proc.returncode == 2 and "MANIFEST.json" in proc.stderr, proc.stderr
    proc, report = run_runner("libsodium", tmp_path, "--fixtures", str(ext), "--no-verify-manifest")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(report.read_text())["summary"]["fail"] == 0
