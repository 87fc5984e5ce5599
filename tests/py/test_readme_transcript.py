"""The README's interoperability transcript (docs/transcript/) still holds."""
import os
import subprocess

from wampbox_py.cli import find_binary

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_transcript_round_trips_with_autobahn():
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(find_binary()) + os.pathsep + env["PATH"]
    r = subprocess.run(["bash", os.path.join(ROOT, "docs", "transcript", "transcript.sh")],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    # wampbox opened Autobahn's frame ...
    assert '"decrypted":{"uri":"com.myapp.encrypted.hello","args":["Grüße",1180591620717411303424,"\\u0000AAE="],"kwargs":{"ok":true}}' in out
    # ... Autobahn opened wampbox's ...
    assert "('com.myapp.encrypted.add2', [23, 19.5, b'\\x01\\x02\\x03'], {'unit': '€'})" in out
    # ... and wampbox's frame is Autobahn's, byte for byte.
    assert "identical to Autobahn's frame" in out
