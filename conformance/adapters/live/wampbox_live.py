#!/usr/bin/python3
"""Live adapter (protocol wampbox-live/1, docs/live-conformance.md) for the wampbox C++
client session (wampbox::transport::Session) through the `wampbox-client` binary.

Each command runs the binary once: `publish` and `call` as a process that joins, does the
one thing and leaves; `subscribe` and `register` as a process that stays (until `bye`)
and prints every event or invocation, which this adapter passes on as notes. So every
command is its own WAMP session, opened with the same URL, serializer and keyring file.
Subscribers run with --refuse-plaintext (the strict profile below).

Values: the runner's typed values become Autobahn's JSON text for the binary's arguments
(binary as "\\u0000"+base64, autobahn.wamp.serializer._dumps), and the binary's JSON lines
are read back with autobahn's _loads; scripts/wampbox_py/typed.py converts both ways.
Every wait is bounded; children are killed at `bye` or when stdin closes.
"""
import argparse
import json
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "scripts"))

from autobahn.wamp.serializer import _dumps, _loads  # noqa: E402
from wampbox_py.typed import tv, untv  # noqa: E402

PROTOCOL = "wampbox-live/1"
# wampbox's session throws kMissingRole instead of sending plaintext, and with
# --refuse-plaintext drops a plaintext EVENT/INVOCATION/RESULT on a keyed URI.
PROFILE = {"plaintext_fallback": "reject", "plaintext_receive": "refuse"}
BACKGROUND_TIMEOUT_MS = 600000  # subscribers/callees live until bye; this bounds an orphan

_out_lock = threading.Lock()


def emit(obj):
    with _out_lock:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def _typed_or_empty(v, empty):
    return tv(v if v is not None else empty)


class Client:
    def __init__(self, binary, hello):
        self.binary = binary
        self.timeout = hello.get("timeout_ms", 10000) / 1000.0
        self.common = ["--url", hello["url"], "--serializer", hello["serializer"], "--realm",
                       hello.get("realm", "realm1"), "--keyring", hello["keyring"]]
        self.background = []

    def _lines(self, text):
        out = []
        for line in text.splitlines():
            if line.startswith("{"):
                try:
                    out.append(_loads(line))
                except ValueError:
                    pass
        return out

    def once(self, rid, *argv):
        """Runs one short-lived command; returns (lines, stderr) or raises TimeoutError."""
        try:
            p = subprocess.run([self.binary] + self.common + ["--timeout-ms", str(int(self.timeout * 1000))]
                               + list(argv), capture_output=True, text=True, timeout=self.timeout + 5)
        except subprocess.TimeoutExpired as e:
            raise TimeoutError(f"wampbox-client did not finish within {self.timeout + 5:.0f} s") from e
        return p.returncode, self._lines(p.stdout), p.stderr

    def start_background(self, command, uri, note_key):
        """subscribe/serve: starts the process, waits for its ready line; notes from then on."""
        p = subprocess.Popen([self.binary] + self.common + ["--refuse-plaintext", "--timeout-ms",
                                                            str(BACKGROUND_TIMEOUT_MS), "--count", "1000000",
                                                            command, uri],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.background.append(p)
        ready = threading.Event()
        first = []

        def reader():
            for line in p.stdout:
                if not line.startswith("{"):
                    continue
                try:
                    obj = _loads(line)
                except ValueError:
                    continue
                if "ready" in obj or "error" in obj:
                    first.append(obj)
                    ready.set()
                elif note_key in obj:
                    x = obj[note_key]
                    emit({"type": note_key, "uri": x.get("topic", uri), "args": _typed_or_empty(x.get("args"), []),
                          "kwargs": _typed_or_empty(x.get("kwargs"), {}), "encrypted": bool(x.get("encrypted"))})
            ready.set()

        threading.Thread(target=reader, daemon=True).start()
        threading.Thread(target=p.stderr.read, daemon=True).start()
        if not ready.wait(self.timeout) or not first or "ready" not in first[0]:
            return first[0] if first else {"error": "not ready", "args": [f"no ready line within {self.timeout} s"]}
        return first[0]

    def handle(self, msg):
        cmd, uri, rid = msg.get("cmd"), msg.get("uri"), msg.get("id")
        try:
            if cmd in ("subscribe", "register"):
                r = self.start_background("subscribe" if cmd == "subscribe" else "serve", uri,
                                          "event" if cmd == "subscribe" else "invocation")
                if "ready" in r:
                    return {"id": rid, "status": "ok"}
                return {"id": rid, "status": "error", "error": str(r.get("error")),
                        "message": json.dumps(r.get("args"), default=repr)}
            if cmd in ("publish", "call"):
                args = _dumps(untv(msg["args"]) if msg.get("args") else [])
                kwargs = _dumps(untv(msg["kwargs"]) if msg.get("kwargs") else {})
                extra = ["--acknowledge"] if cmd == "publish" else []
                rc, lines, err = self.once(rid, *extra, cmd, uri, args, kwargs)
                errors = [l for l in lines if "error" in l]
                if errors:
                    e = errors[0]
                    out = {"id": rid, "status": "error", "error": str(e["error"]),
                           "message": json.dumps(e.get("args"), default=repr)[:500]}
                    if "kwargs" in e:  # a WAMP ERROR reply: its (decrypted) arguments
                        out.update(args=_typed_or_empty(e.get("args"), []), kwargs=_typed_or_empty(e.get("kwargs"), {}))
                    return out
                if rc != 0:
                    return {"id": rid, "status": "error", "error": "client_error",
                            "message": f"wampbox-client exit {rc}: {err[-500:]}"}
                if cmd == "publish":
                    return {"id": rid, "status": "ok"}
                res = [l["result"] for l in lines if "result" in l]
                if not res:
                    return {"id": rid, "status": "error", "error": "client_error", "message": "no result line"}
                return {"id": rid, "status": "ok", "result": {"args": _typed_or_empty(res[0].get("args"), []),
                                                              "kwargs": _typed_or_empty(res[0].get("kwargs"), {})}}
            return {"id": rid, "status": "error", "error": "unknown_command", "message": f"unknown command {cmd!r}"}
        except TimeoutError as e:
            return {"id": rid, "status": "error", "error": "timeout", "message": str(e)}

    def close(self):
        for p in self.background:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass


def version(binary):
    # The binary has no --version; the project's version is in the top-level CMakeLists.txt.
    try:
        for line in (REPO / "CMakeLists.txt").read_text().splitlines():
            if "project(wampbox" in line and "VERSION" in line:
                return line.split("VERSION")[1].split()[0].strip(")")
    except OSError:
        pass
    return "unknown"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--client", required=True, help="path of the wampbox-client binary")
    a = p.parse_args()
    line = sys.stdin.readline()
    if not line:
        return 2
    hello = json.loads(line)
    client = Client(a.client, hello)
    emit({"type": "hello", "protocol": PROTOCOL,
          "implementation": {"name": "wampbox", "version": version(a.client), "language": "C++",
                             "description": "wampbox::transport::Session via wampbox-client (one session per command)"},
          "profile": PROFILE, "supports": {"transports": ["rs", "ws"], "serializers": ["json", "msgpack", "cbor"]}})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            msg = json.loads(line)
            if msg.get("type") == "bye":
                break
            if msg.get("type") == "cmd":
                emit(client.handle(msg))
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
