"""The README's live transcript (scripts/live/transcript.py) still holds: rerun it and
check that the lines the README quotes are what the run prints."""
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_live_transcript_matches_readme(tmp_path):
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "live" / "transcript.py"), "--workdir", str(tmp_path)],
                       capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    event = next(l for l in out.splitlines() if l.startswith('{"event"'))
    assert event in readme
    assert "result: PASS" in out and "result: PASS" in readme
    for pattern in (r"plaintext in capture: 0 of (\d+) needles", r"key material in router memory: 0 of (\d+) needles"):
        m = re.search(pattern, out)
        assert m and re.search(pattern.replace(r"(\d+)", m.group(1)), readme), pattern
    # The router saw the same enc_* attributes and payload size going in and out.
    cap = [l for l in out.splitlines() if "PUBLISH {" in l or "EVENT {" in l]
    assert len(cap) == 2 and cap[0].split("{")[1] == cap[1].split("{")[1]
