"""Helpers for the runner's own tests (tests/py/test_runner*.py): where the
corpus and the C++ adapter are, running the CLI, caching full runs of the
bundled adapters within one test session."""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.dirname(os.path.dirname(HERE))
ROOT = os.path.dirname(CONFORMANCE)
ENTRY = os.path.join(CONFORMANCE, "wampbox-conform")
PYTHON = "/usr/bin/python3"


def fixtures_dir():
    """The corpus: $WAMPBOX_CONFORM_FIXTURES, else fixtures/ (None if it has no MANIFEST.json yet)."""
    d = os.environ.get("WAMPBOX_CONFORM_FIXTURES") or os.path.join(ROOT, "fixtures")
    return d if os.path.exists(os.path.join(d, "MANIFEST.json")) else None


def cpp_adapter():
    """The C++ adapter binary, or None when it has not been built."""
    cands = [os.environ.get("WAMPBOX_CONFORM_CPP_ADAPTER", ""),
             os.path.join(os.environ.get("WAMPBOX_BUILD_DIR", os.path.join(ROOT, "build")),
                          "conformance", "adapters", "cpp", "wampbox_conform_adapter")]
    for c in cands:
        if c and os.access(c, os.X_OK):
            return c
    return None


def js_ready():
    mods = os.path.join(CONFORMANCE, "adapters", "js", "node_modules")
    return all(os.path.isdir(os.path.join(mods, m)) for m in ("tweetnacl", "libsodium-wrappers", "@msgpack/msgpack", "cbor2",
                                                                        "cbor-x", "@noble/hashes"))


def run_cli(args, timeout=600, env=None):
    """Runs wampbox-conform; returns CompletedProcess (text)."""
    e = dict(os.environ)
    fx = fixtures_dir()
    if fx:
        e["WAMPBOX_CONFORM_FIXTURES"] = fx
    if cpp_adapter():
        e["WAMPBOX_CONFORM_CPP_ADAPTER"] = cpp_adapter()
    e.update(env or {})
    return subprocess.run([PYTHON, ENTRY] + list(args), capture_output=True, text=True, timeout=timeout, env=e)


_CACHE = {}
_TMP = None


def full_run(adapter, extra=()):
    """Report (dict) and exit code of one full-corpus run of a bundled
    adapter, computed once per test session."""
    global _TMP
    key = (adapter, tuple(extra))
    if key not in _CACHE:
        if _TMP is None:
            _TMP = tempfile.mkdtemp(prefix="wampbox-conform-test-")
        path = os.path.join(_TMP, f"{adapter}-{len(_CACHE)}.json")
        p = run_cli(["--adapter", adapter, "--json", path, "--progress", "none"] + list(extra))
        if not os.path.exists(path):
            raise AssertionError(f"{adapter}: no report (exit {p.returncode})\n{p.stdout}\n{p.stderr}")
        with open(path, encoding="utf-8") as f:
            _CACHE[key] = (json.load(f), p.returncode, path)
    return _CACHE[key]


def load_corpus():
    sys.path.insert(0, os.path.join(CONFORMANCE, "runner"))
    from wampbox_conform import corpus, ops
    return corpus.load(fixtures_dir(), ops.LAYER_BY_FILE)
