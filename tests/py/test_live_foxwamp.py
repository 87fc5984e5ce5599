"""A router nobody here wrote (issue 9 point 5): scripts/live/foxwamp.py runs the live
scenario through fox-wamp (npm, pinned in scripts/live/fox/, installed by scripts/setup.sh)
and reports per case. This test reruns it and checks that what the README and
docs/live.md say about fox-wamp is what happens: the table there is the run's output."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_foxwamp_results_match_readme(tmp_path):
    fox = REPO / "scripts" / "live" / "fox" / "node_modules" / "fox-wamp"
    assert fox.is_dir(), "fox-wamp missing: run scripts/setup.sh (npm ci --ignore-scripts --prefix scripts/live/fox)"
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "live" / "foxwamp.py"), "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=170, env=dict(os.environ))
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads((tmp_path / "foxwamp.json").read_text())
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    doc = (REPO / "docs" / "live.md").read_text(encoding="utf-8")
    for case in report["cases"]:
        line = f"| {case['case']} | {'pass' if case['pass'] else 'FAIL'} |"
        assert line in doc, line
    summary = f"fox-wamp {report['fox_wamp_version']}: {sum(c['pass'] for c in report['cases'])} of " \
              f"{len(report['cases'])} cases pass"
    assert summary in readme and summary in r.stdout
    # The frame-level finding quoted in the README: enc_* dropped, payload wrapped in a list, kwargs null.
    events = [f["normalized"] for f in report["probe_frames"] if f["dir"] == "sub<-" and f["frame"].startswith("[36,")]
    assert events and all(e in readme for e in events[:2]), events
