"""The README's result tables come from a run: scripts/readme_tables.py
renders them from the committed run summary docs/results/run.json (collected
from a `scripts/run.sh --stages conformance,bench,backends` output
directory), and README.md must match that rendering exactly."""

import json
import subprocess
import sys

from conftest import REPO

SCRIPT = REPO / "scripts" / "readme_tables.py"
RESULTS = REPO / "docs" / "results" / "run.json"


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60)


def test_readme_matches_the_committed_run():
    r = _run("check")
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_catches_a_typed_in_number(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    run = json.loads(RESULTS.read_text(encoding="utf-8"))
    cpp = run["conformance"]["adapters"]["cpp"]
    row = f"| cpp | {cpp['implementation']} {cpp['version']} | {cpp['pass']} |"  # no "|" in these names
    assert row in readme
    edited = tmp_path / "README.md"
    edited.write_text(readme.replace(row, f"| cpp | {cpp['implementation']} {cpp['version']} | {cpp['pass'] + 1} |"),
                      encoding="utf-8")
    r = _run("check", "--readme", edited)
    assert r.returncode == 1 and "differs" in r.stdout
    # write repairs it.
    assert _run("write", "--readme", edited).returncode == 0
    assert edited.read_text(encoding="utf-8") == readme


def test_every_block_is_generated_from_the_run():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    run = json.loads(RESULTS.read_text(encoding="utf-8"))
    for name in ("conformance", "performance", "goals", "backends"):
        assert f"<!-- BEGIN GENERATED {name} (scripts/readme_tables.py) -->" in readme
    perf = (REPO / "docs" / "performance.md").read_text(encoding="utf-8")
    assert "<!-- BEGIN GENERATED simd (scripts/readme_tables.py) -->" in perf
    for g in run["bench"].get("goals", []):  # issue 14's goals, when the committed run has them
        assert g["goal"].replace("|", "\\|") in readme
    for t in run["bench"]["targets"]:
        assert t["target"].replace("|", "\\|") in readme
    for b in run["backends"]["corpus"]:
        assert f"| {b}: " in readme


def test_missing_markers_are_an_error(tmp_path):
    bare = tmp_path / "README.md"
    bare.write_text("# no tables here\n", encoding="utf-8")
    r = _run("check", "--readme", bare)
    assert r.returncode == 2 and "no '<!-- BEGIN GENERATED" in r.stderr
