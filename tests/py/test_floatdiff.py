"""The float differential test against CPython, small (10^5 doubles and 10^5
tokens; the main job's floatdiff stage runs 10^7 of each): wampbox's JSON
writer must give CPython's repr() bytes (through Autobahn's _dumps) and its
reader CPython's float() doubles (through Autobahn's _loads), on both of its
parse paths. scripts/floatdiff.py does the work; its docstring lists the
value kinds. The negative controls show the comparison catches a one-ulp
difference in either direction."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "floatdiff.py"
BUILD = Path(os.environ.get("WAMPBOX_BUILD_DIR", REPO / "build"))
TOOL = BUILD / "tests" / "wampbox_floatdiff"


def run(tmp_path, *args):
    if not TOOL.exists():
        pytest.fail(f"{TOOL} is missing: build the wampbox_floatdiff target", pytrace=False)
    p = subprocess.run([sys.executable, str(SCRIPT), "--bin", str(TOOL), "--out", str(tmp_path), *args],
                       capture_output=True, text=True, timeout=120)
    summary = tmp_path / "summary.json"
    return p, (json.loads(summary.read_text()) if summary.exists() else None)


def test_matches_cpython_on_1e5_doubles(tmp_path):
    p, s = run(tmp_path, "--count", "100000", "--seed", "7")
    assert p.returncode == 0, p.stdout + p.stderr
    assert s["ok"]
    assert s["repr"] == {**s["repr"], "count": 100000, "mismatches": 0}
    parse = s["parse"]
    assert parse["count"] == 100000
    assert parse["mismatches_dom"] == 0 and parse["mismatches_fallback"] == 0
    # Both documents kinds occurred: ones simdjson's DOM reads, and the
    # overflowing ones only the fallback reader reads.
    assert parse["dom_path"] > 90000 and parse["fallback_only"] > 0


@pytest.mark.parametrize("k, field", [(1234, "repr"), (3000 + 77, "parse")])
def test_one_ulp_off_is_caught(tmp_path, k, field):
    # --perturb K: the tool flips the lowest bit of value K (repr values come
    # first, 0..2999, then the parse tokens).
    p, s = run(tmp_path, "--count", "3000", "--perturb", str(k))
    assert p.returncode == 1, p.stdout + p.stderr
    assert not s["ok"]
    if field == "repr":
        assert s["repr"]["mismatches"] == 1 and s["parse"]["mismatches_dom"] == 0
        assert "repr #1234:" in p.stdout
    else:
        assert s["repr"]["mismatches"] == 0
        assert s["parse"]["mismatches_dom"] == 1 and s["parse"]["mismatches_fallback"] == 0
        assert "parse #77 (dom path)" in p.stdout
