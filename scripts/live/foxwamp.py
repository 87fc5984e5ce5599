#!/usr/bin/python3
"""The live scenario through a router nobody here wrote: fox-wamp (npm), issue 9 point 5.

Starts fox-wamp (from --fox-dir, default scripts/live/fox/node_modules, installed by
`npm ci --prefix scripts/live/fox`) on 127.0.0.1 with an ephemeral port, and runs, over
WebSocket with each serializer: cryptobox publish->event and call->result between
wampbox and Autobahn|Python clients (both directions), and a PPT publication ([binary]
with ppt_*) to a wampbox subscriber. Prints one line per case (PASS / FAIL with the exact
error) and writes --out/foxwamp.json. Every wait is bounded; fox-wamp is stopped at the end.

  WAMPBOX_BUILD_DIR=build /usr/bin/python3 scripts/live/foxwamp.py [--fox-dir DIR] [--out DIR]
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import livelib as L  # noqa: E402

ARGS = '["through fox-wamp", 1.5, {"k": "secret-fox-value"}]'
KWARGS = '{"kw": "fox-kw-value"}'


class FoxRouter:
    """fox-wamp's FoxRouter.listenWAMP on 127.0.0.1:0 in a node process; .url(t) like L.Router."""

    def __init__(self, fox_dir):
        self.fox_dir = Path(fox_dir).resolve()

    def __enter__(self):
        js = ("const R = require(%s); const r = new R();"
              "const s = r.listenWAMP({host: '127.0.0.1', port: 0});"
              "s.on('listening', () => console.log(JSON.stringify({port: s.address().port})));"
              % json.dumps(str(self.fox_dir / "fox-wamp")))
        self.proc = L.Proc(["node", "-e", js], "fox-wamp")
        line = self.proc.wait_line(r'"port"', 30)
        if line is None:
            self.proc.kill()
            raise RuntimeError("fox-wamp did not start: " + self.proc.stderr[-1000:])
        self.port = json.loads(line)["port"]
        return self

    def url(self, transport):
        assert transport == "ws", "fox-wamp speaks WAMP over WebSocket only"
        return f"ws://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.proc.kill()


def normalized(frame):
    """A frame with the router's random ids replaced, so that runs compare."""
    import re
    frame = re.sub(r"^\[36,\d+,\d+,", "[36,SUBSCRIPTION,PUBLICATION,", frame)
    frame = re.sub(r"^\[2,\d+,", "[2,SESSION,", frame)
    return re.sub(r'"publisher":\d+', '"publisher":SESSION', frame)


def first(lines, key):
    return next((l[key] for l in lines if key in l), None)


def errors(lines):
    return [l for l in lines if "error" in l]


def run_pubsub(r, kr, sub_kind, pub_kind, ser):
    topic = L.PREFIX + f"fox.{sub_kind}.{pub_kind}.{ser}"
    sub = L.client(sub_kind, r, "ws", ser, "subscribe", topic, keyring=kr, count=1, timeout_ms=4000)
    try:
        if not sub.wait_line(r'"ready"|"error"', 20) or not any("ready" in l for l in sub.lines):
            rc, lines = sub.finish(10)
            return False, f"subscriber: {errors(lines) or sub.stderr[-300:]}"
        rc_p, lines_p = L.client(pub_kind, r, "ws", ser, "publish", topic, ARGS, KWARGS, keyring=kr,
                                 timeout_ms=4000).finish(20)
        rc, lines = sub.finish(20)
    finally:
        sub.kill()
    ev = first(lines, "event")
    if rc_p != 0:
        return False, f"publisher: {errors(lines_p)}"
    if ev is None:
        return False, f"no event; subscriber: {errors(lines) or sub.stderr[-300:]}"
    ok = (json.dumps(ev["args"]) == json.dumps(json.loads(ARGS)) and ev["kwargs"] == json.loads(KWARGS)
          and ev["encrypted"])
    return ok, "decrypted exactly" if ok else f"different values: {ev}"


def run_rpc(r, kr, callee_kind, caller_kind, ser):
    proc = L.PREFIX + f"fox.rpc.{callee_kind}.{caller_kind}.{ser}"
    callee = L.client(callee_kind, r, "ws", ser, "serve", proc, keyring=kr, count=1, timeout_ms=4000)
    try:
        if not callee.wait_line(r'"ready"|"error"', 20) or not any("ready" in l for l in callee.lines):
            rc, lines = callee.finish(10)
            return False, f"callee: {errors(lines) or callee.stderr[-300:]}"
        rc_c, lines_c = L.client(caller_kind, r, "ws", ser, "call", proc, ARGS, KWARGS, keyring=kr,
                                 timeout_ms=4000).finish(20)
        callee.finish(20)
    finally:
        callee.kill()
    res = first(lines_c, "result")
    if res is None:
        return False, f"caller: {errors(lines_c)}"
    ok = json.dumps(res["args"]) == json.dumps(json.loads(ARGS)) and res["kwargs"] == json.loads(KWARGS)
    return ok, "decrypted exactly both ways" if ok else f"different values: {res}"


def run_ppt(r, ser):
    topic = f"com.example.fox.ppt.{ser}"
    blob = bytes(range(200))
    sub = L.client("wb", r, "ws", ser, "subscribe", topic, count=1, timeout_ms=4000)
    try:
        if not sub.wait_line(r'"ready"|"error"', 20) or not any("ready" in l for l in sub.lines):
            rc, lines = sub.finish(10)
            return False, f"subscriber: {errors(lines) or sub.stderr[-300:]}"
        rc_p, lines_p = L.client("wb", r, "ws", ser, "publish-ppt", topic, blob.hex(), timeout_ms=4000).finish(20)
        rc, lines = sub.finish(20)
    finally:
        sub.kill()
    ev = first(lines, "event")
    if ev is None:
        return False, f"no event (publisher: {errors(lines_p) or lines_p}; subscriber: {errors(lines)})"
    want_args = ["\u0000" + base64.b64encode(blob).decode()]
    ppt = {k: v for k, v in ev["details"].items() if k.startswith("ppt_")}
    if ev["args"] != want_args:
        return False, f"payload changed: args {str(ev['args'])[:80]}"
    if len(ppt) != 4:
        return False, f"binary payload arrived unchanged, but ppt_* attributes did not: EVENT Details {ev['details']}"
    return True, "ppt_* and [binary] unchanged"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fox-dir", default=str(L.REPO / "scripts" / "live" / "fox" / "node_modules"))
    ap.add_argument("--out", default="out/live-foxwamp")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="wampbox-fox-"))
    kr = L.write_keyring(work / "keys.json")
    cases = []
    # The exact frames fox-wamp forwards, seen by a raw WebSocket client.
    probe = subprocess.run(["node", str(L.REPO / "scripts" / "live" / "fox" / "probe.js")], capture_output=True,
                           text=True, timeout=30, env=dict(os.environ, NODE_PATH=str(Path(a.fox_dir).resolve())))
    frames = [json.loads(l) for l in probe.stdout.splitlines() if l.startswith("{")]
    for f in frames:
        f["normalized"] = normalized(f["frame"])
    version = json.loads((Path(a.fox_dir) / "fox-wamp" / "package.json").read_text())["version"]
    with FoxRouter(a.fox_dir) as r:
        for ser in ("json", "msgpack", "cbor"):
            # A serializer the router refuses at the WebSocket handshake fails every case
            # the same way: say so once, with the exact error, instead of five timeouts.
            rc, lines = L.client("wb", r, "ws", ser, "ping", "-", timeout_ms=4000).finish(20)
            refused = [e for e in errors(lines) if "subprotocol" in str(e.get("args"))]
            if refused:
                why = f"WebSocket handshake refused: {refused[0]['args'][0]}"
                for name in ("cryptobox pubsub wb->ab", "cryptobox pubsub ab->wb", "cryptobox rpc wb->ab",
                             "cryptobox rpc ab->wb", "PPT pubsub wb->wb"):
                    cases.append({"case": f"{name} ws/{ser}", "pass": False, "detail": why})
                continue
            for sub_kind, pub_kind in (("ab", "wb"), ("wb", "ab")):
                ok, why = run_pubsub(r, kr, sub_kind, pub_kind, ser)
                cases.append({"case": f"cryptobox pubsub {pub_kind}->{sub_kind} ws/{ser}", "pass": ok, "detail": why})
            for callee_kind, caller_kind in (("ab", "wb"), ("wb", "ab")):
                ok, why = run_rpc(r, kr, callee_kind, caller_kind, ser)
                cases.append({"case": f"cryptobox rpc {caller_kind}->{callee_kind} ws/{ser}", "pass": ok, "detail": why})
            ok, why = run_ppt(r, ser)
            cases.append({"case": f"PPT pubsub wb->wb ws/{ser}", "pass": ok, "detail": why})
    print("raw frames through fox-wamp (scripts/live/fox/probe.js):")
    for f in frames:
        if f["dir"] == "pub->" or f["frame"].startswith(("[36,", "[2,")):
            print(f"  {f['dir']:5} {normalized(f['frame'])}")
    for c in cases:
        print(f"{'PASS' if c['pass'] else 'FAIL'}  {c['case']}: {c['detail']}")
    (out / "foxwamp.json").write_text(json.dumps({"fox_wamp_version": version, "cases": cases, "probe_frames": frames}, indent=1))
    print(f"fox-wamp {version}: {sum(c['pass'] for c in cases)} of {len(cases)} cases pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
