#!/usr/bin/python3
"""The README's live transcript: an Autobahn|Python subscriber receives an event that a
wampbox publisher sent through wampbox-router, then the router-blindness audit of that
run. Prints Markdown-ready text; tests/py/test_live_transcript.py reruns it.

  WAMPBOX_BUILD_DIR=build /usr/bin/python3 scripts/live/transcript.py [--workdir DIR]
"""
import argparse
import json
import shlex
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import livelib as L  # noqa: E402

TOPIC = "com.myapp.encrypted.hello"
ARGS = '["Counter is at 1", "Grüße", 1180591620717411303424]'
KWARGS = '{"note": "only the subscriber can read this"}'


def show(argv):
    names = {str(L.client_bin()): "wampbox-client", str(L.AB_CLIENT): "scripts/live/ab_client.py",
             str(L.router_bin()): "wampbox-router"}
    parts = [names.get(a, a) for a in argv if a != L.PYTHON]
    return "$ " + " ".join(shlex.quote(p) if not p.startswith("rs://") and not p.startswith("ws://") else p
                           for p in parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir")
    a = ap.parse_args()
    work = Path(a.workdir or tempfile.mkdtemp(prefix="wampbox-live-"))
    kr = L.write_keyring(work / "keys.json")
    print(f"keyring (both sides): {L.PREFIX!r} -> the crossbar-examples sample keys; the router gets none")
    with L.Router(work, name="transcript") as r:
        print(show(r.proc.argv).replace(str(work) + "/", ""))
        print(f"wampbox-router listening on 127.0.0.1:{r.port}")
        sub = L.client("ab", r, "ws", "json", "subscribe", TOPIC, keyring=kr, count=1)
        try:
            sub.wait_line(r'"ready"', 30)
            pub = L.client("wb", r, "rs", "cbor", "publish", TOPIC, ARGS, KWARGS, keyring=kr,
                           extra=["--acknowledge"])
            print(show(pub.argv).replace(str(work) + "/", "") + "   # wampbox publisher, RawSocket + CBOR")
            rc_p, lines_p = pub.finish(30)
            for l in lines_p:
                print(json.dumps(l, ensure_ascii=False))
            rc_s, lines_s = sub.finish(30)
            print(show(sub.argv).replace(str(work) + "/", "") + "   # Autobahn subscriber, WebSocket + JSON "
                  "(started first)")
            for l in lines_s:
                print(json.dumps(l, ensure_ascii=False))
            needles = L.key_material()
            scanned, found_keys = L.scan_process_memory(r.pid, needles)
        finally:
            sub.kill()
    recs = L.parse_capture(r.capture)
    print("router capture (what the router saw; payload bytes abbreviated):")
    for direction, session, ser, frame in recs:
        t, attrs, payload = L.frame_attributes(frame, ser)
        if t in (16, 36):
            pl = payload if isinstance(payload, (bytes, bytearray)) else b""
            print(f"  {direction:3} session {session} {ser:7} {'PUBLISH' if t == 16 else 'EVENT'} {attrs} "
                  f"payload {len(pl)} bytes {bytes(pl[:12]).hex()}...")
    size, n, found = L.audit_capture(r.capture, json.loads(ARGS) + [json.loads(KWARGS)])
    ok = rc_p == 0 and rc_s == 0 and not found and not found_keys
    print("blindness audit:")
    print(f"  plaintext in capture: {len(found)} of {n} needles found in {size} bytes")
    print(f"  key material in router memory: {len(found_keys)} of {len(needles)} needles found in {scanned} bytes")
    print(f"  router stats: {json.dumps(r.stats)}")
    print("result: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
