"""The live benchmark report is rendered from its JSON alone: `scripts/live/bench.py --render`
on the committed docs/results/live-bench/results.json gives the committed results.md, with
every goal's ratio and PASS/MISS as results.json's rounds give them."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "docs" / "results" / "live-bench"


def test_report_renders_from_json(tmp_path):
    shutil.copy(RESULTS / "results.json", tmp_path / "results.json")
    p = subprocess.run(["/usr/bin/python3", str(REPO / "scripts" / "live" / "bench.py"), "--render",
                        str(tmp_path / "results.json")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "results.md").read_text() == (RESULTS / "results.md").read_text()
    goal_lines = [l for l in p.stdout.splitlines() if l.startswith("goal ")]
    assert len(goal_lines) == 6 and all(l.endswith(("PASS", "MISS")) for l in goal_lines), p.stdout
    # One goal recomputed by hand from the raw rounds: median round by msgs/s per variant.
    runs = json.loads((RESULTS / "results.json").read_text())["runs"]

    def median(client, enc):
        xs = sorted(x["msgs_per_s"] for x in runs if x["mode"] == "pubsub" and x["size"] == 256
                    and x["client"] == client and x["encrypted"] == enc)
        return xs[len(xs) // 2]

    ratio = median("wb", True) / median("wb", False)
    line = next(l for l in goal_lines if "encrypted/plain msgs/s, pubsub, 256 B" in l)
    assert f": {round(ratio, 3)} " in line and line.endswith("PASS" if ratio >= 0.8 else "MISS"), (line, ratio)
