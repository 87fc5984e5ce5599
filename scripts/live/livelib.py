"""Live WAMP runs through wampbox-router: start the router and clients (wampbox-client
and the Autobahn|Python ab_client.py) as processes, collect their JSON lines, and audit
the router's blindness. Used by tests/py/test_live_*.py, scripts/live/transcript.py and
scripts/live/bench.py. Every wait is bounded; every process started here is stopped by
the context manager that started it.
"""
import base64
import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from wampbox_py import autobahn_ref as ref  # noqa: E402

PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
AB_CLIENT = REPO / "scripts" / "live" / "ab_client.py"
PREFIX = ref.EXAMPLE_PREFIX  # "com.myapp.encrypted."
# Transport x serializer combinations a client can use.
COMBOS = [(t, s) for t in ("rs", "ws") for s in ("json", "msgpack", "cbor")]


def build_dir():
    return Path(os.environ.get("WAMPBOX_BUILD_DIR", REPO / "build"))


def router_bin():
    return build_dir() / "router" / "wampbox-router"


def client_bin():
    return build_dir() / "transport" / "wampbox-client"


def write_keyring(path, prefix=PREFIX, parts=None):
    """The crossbar-examples sample keys (autobahn_ref.SAMPLE_KEYS) for `prefix`."""
    Path(path).write_text(json.dumps({prefix: dict(parts or ref.SAMPLE_KEYS)}), encoding="utf-8")
    return path


class Proc:
    """A child process whose stdout lines are collected by a thread."""

    def __init__(self, argv, name):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.p = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  encoding="utf-8", errors="replace")
        self.lines = []
        self.q = queue.Queue()
        self.stderr = ""
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()
        self._te = threading.Thread(target=self._read_err, daemon=True)
        self._te.start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line.rstrip("\n"))
            self.q.put(line)
        self.q.put(None)

    def _read_err(self):
        self.stderr = self.p.stderr.read()

    def wait_line(self, pattern, timeout):
        """First stdout line matching regex `pattern` within `timeout` s, else None."""
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for line in self.lines[seen:]:
                seen += 1
                if re.search(pattern, line):
                    return line
            try:
                if self.q.get(timeout=min(0.1, max(0.0, deadline - time.monotonic()))) is None:
                    for line in self.lines[seen:]:
                        if re.search(pattern, line):
                            return line
                    return None
            except queue.Empty:
                pass
        return None

    def finish(self, timeout):
        """Waits for exit (kills after `timeout` s); returns (rc, json lines)."""
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait(timeout=5)
        self._t.join(timeout=5)
        self._te.join(timeout=5)
        return rc, [json.loads(l) for l in self.lines if l.startswith("{")]

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait(timeout=5)


class Router:
    """wampbox-router on an ephemeral loopback port (context manager)."""

    def __init__(self, workdir, *extra, capture=True, name="router"):
        self.workdir = Path(workdir)
        self.port_file = self.workdir / f"{name}.port"
        self.capture = self.workdir / f"{name}.capture" if capture else None
        self.extra = [str(e) for e in extra]
        self.stats = None
        self.proc = None

    def __enter__(self):
        if self.port_file.exists():
            self.port_file.unlink()
        argv = [router_bin(), "--port-file", self.port_file] + self.extra
        if self.capture:
            argv += ["--capture", self.capture]
        self.proc = Proc(argv, "router")
        deadline = time.monotonic() + 10
        while not self.port_file.exists():
            if self.proc.p.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError("wampbox-router did not start: " + self.proc.stderr)
            time.sleep(0.02)
        self.port = int(self.port_file.read_text())
        return self

    @property
    def pid(self):
        return self.proc.p.pid

    def url(self, transport):
        return f"{transport}://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.p.poll() is None:
            self.proc.p.send_signal(signal.SIGTERM)
        rc, lines = self.proc.finish(10)
        stats = [l for l in lines if "frames_in" in l]
        self.stats = stats[-1] if stats else None
        return rc

    def __exit__(self, *exc):
        self.stop()


def client(kind, router, transport, serializer, command, uri, *values, keyring=None, count=1, timeout_ms=10000,
           extra=()):
    """Starts a wampbox ('wb') or Autobahn ('ab') client process."""
    common = ["--url", router.url(transport), "--serializer", serializer, "--timeout-ms", str(timeout_ms),
              "--count", str(count)]
    if keyring:
        common += ["--keyring", keyring]
    common += list(extra)
    if kind == "wb":
        argv = [client_bin()] + common + [command, uri] + list(values)
    else:
        argv = [PYTHON, AB_CLIENT] + common + [command, uri] + list(values)
    return Proc(argv, f"{kind}-{transport}-{serializer}-{command}")


def dumps(value):
    """Autobahn's JSON text of a value: what both clients print for received values."""
    from autobahn.wamp.serializer import _dumps
    return _dumps(value)


# ------------------------------------------------------------------ the audit

def _b64_variants(data):
    """Base64 fragments of `data` that appear in base64 of any text containing it,
    for each of the 3 alignments (chars that depend on neighbours are dropped)."""
    out = set()
    for k in range(3):
        enc = base64.b64encode(b"\0" * k + data)
        start = {0: 0, 1: 2, 2: 3}[k]
        end = len(enc) if (k + len(data)) % 3 == 0 else len(enc) - 4
        frag = enc[start:end]
        if len(frag) >= 8:
            out.add(frag)
    return out


def needles_for(value):
    """Byte strings that would reveal `value` (an argument or keyword value) in the
    router's view: each string/binary leaf raw (UTF-8), JSON-escaped, and base64 in
    every alignment; numbers as their JSON text. Leaves shorter than 6 bytes are not
    searched (they occur by chance in ids and lengths)."""
    leaves = []

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                leaves.append(k.encode())
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        elif isinstance(v, bytes):
            leaves.append(v)
        elif isinstance(v, str):
            leaves.append(v.encode("utf-8"))
            leaves.append(json.dumps(v, ensure_ascii=False)[1:-1].encode("utf-8"))
        elif isinstance(v, bool) or v is None:
            pass
        else:
            leaves.append(dumps(v).encode())

    walk(value)
    out = set()
    for leaf in leaves:
        if len(leaf) >= 6:
            out.add(leaf)
            out |= _b64_variants(leaf)
    return out


def audit_capture(capture_path, values):
    """Searches every byte of the capture for each needle of `values`; returns
    (bytes searched, needles searched, list of needles found)."""
    data = Path(capture_path).read_bytes()
    needles = set()
    for v in values:
        needles |= needles_for(v)
    found = sorted(n for n in needles if n in data)
    return len(data), len(needles), found


def key_material():
    """The private keys (raw and base64) and the shared box key, whose presence in
    a process's memory means it holds key material."""
    import nacl.bindings
    k = ref.SAMPLE_KEYS
    raw = {name: base64.b64decode(k[name]) for name in ("originator_priv", "responder_priv")}
    shared = nacl.bindings.crypto_box_beforenm(base64.b64decode(k["responder_pub"]), raw["originator_priv"])
    out = {f"{n} (raw)": v for n, v in raw.items()}
    out.update({f"{n} (base64)": k[n].encode() for n in raw})
    out["shared key (raw)"] = shared
    return out


def scan_process_memory(pid, needles):
    """Reads every readable mapping of /proc/PID/mem and returns (bytes scanned,
    names of the needles found). Needs ptrace access (a child process, or root)."""
    found = set()
    scanned = 0
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            parts = line.split()
            addr, perms = parts[0], parts[1]
            path = parts[5] if len(parts) > 5 else ""
            if not perms.startswith("r") or path in ("[vvar]", "[vsyscall]"):
                continue
            start, end = (int(x, 16) for x in addr.split("-"))
            try:
                mem.seek(start)
                chunk = mem.read(end - start)
            except (OSError, ValueError, OverflowError):
                continue
            scanned += len(chunk)
            for name, n in needles.items():
                if n in chunk:
                    found.add(name)
    return scanned, sorted(found)


def parse_capture(capture_path):
    """Records of a router capture: list of (direction, session, serializer, frame bytes)."""
    data = Path(capture_path).read_bytes()
    recs, i = [], 0
    while i < len(data):
        nl = data.index(b"\n", i)
        direction, session, ser, length = data[i:nl].decode().split()
        start = nl + 1
        frame = data[start:start + int(length)]
        recs.append((direction, int(session), ser, frame))
        i = start + int(length) + 1
    return recs


def loads_frame(frame, ser):
    """The WAMP message (a list) of one serialized frame, as Autobahn reads it: JSON with
    "\\u0000"+base64 strings as bytes, MessagePack, CBOR. Raises what the parser raises."""
    if ser == "json":
        from autobahn.wamp.serializer import _loads
        return _loads(frame.decode("utf-8"))
    if ser == "msgpack":
        import msgpack
        return msgpack.unpackb(frame, raw=False)
    import cbor2
    return cbor2.loads(frame)


def frame_attributes(frame, ser):
    """(type, enc_*/ppt_* attributes, payload bytes or None) of a captured payload frame."""
    obj = loads_frame(frame, ser)
    t = obj[0]
    opts_index = {16: 2, 36: 3, 48: 2, 68: 3, 70: 2, 50: 2, 8: 3}.get(t)
    if opts_index is None:
        return t, {}, None
    opts = obj[opts_index]
    attrs = {k: v for k, v in opts.items() if k.startswith(("enc_", "ppt_"))}
    payload_index = {16: 4, 36: 4, 48: 4, 68: 4, 70: 3, 50: 3, 8: 5}[t]
    payload = obj[payload_index] if len(obj) > payload_index else None
    return t, attrs, payload


# ------------------------------------------------- a raw RawSocket client (tests)

class RawClient:
    """A minimal WAMP-over-RawSocket client on a plain socket, for frames the real
    clients never send: PPT publications, garbage and oversize frames. Every
    receive is bounded by `timeout` seconds."""

    SER_IDS = {"json": 1, "msgpack": 2, "cbor": 3}

    def __init__(self, port, serializer="msgpack", timeout=5.0, length_exp=15):
        import socket
        self.ser = serializer
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.s.sendall(bytes([0x7F, (length_exp << 4) | self.SER_IDS[serializer], 0, 0]))
        reply = self._recv_exact(4)
        if reply[0] != 0x7F or (reply[1] & 0x0F) == 0:
            raise RuntimeError(f"rawsocket handshake refused: {reply.hex()}")
        self.router_max = 1 << (9 + (reply[1] >> 4))

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed by router")
            buf += chunk
        return buf

    def encode(self, obj):
        if self.ser == "json":
            from autobahn.wamp.serializer import _dumps
            return _dumps(obj).encode("utf-8")
        if self.ser == "msgpack":
            import msgpack
            return msgpack.packb(obj, use_bin_type=True)
        import cbor2
        return cbor2.dumps(obj)

    def decode(self, data):
        return loads_frame(data, self.ser)

    def send_frame(self, data, frame_type=0, length=None):
        n = len(data) if length is None else length
        self.s.sendall(bytes([frame_type, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF]) + data)

    def send(self, obj):
        self.send_frame(self.encode(obj))

    def recv(self):
        """The next WAMP message (pongs are skipped)."""
        while True:
            head = self._recv_exact(4)
            data = self._recv_exact(int.from_bytes(head[1:], "big"))
            if head[0] & 7 == 0:
                return self.decode(data)

    def join(self, realm="realm1"):
        self.send([1, realm, {"roles": {"publisher": {}, "subscriber": {}, "caller": {}, "callee": {}}}])
        msg = self.recv()
        if msg[0] != 2:
            raise RuntimeError(f"no WELCOME: {msg}")
        return msg

    def close(self):
        self.s.close()


def report_fixture(filename, title, lines):
    """A module-scoped autouse pytest fixture for a tests/py/test_live_*.py module: once the module's tests are
    done, write_report(filename, title, lines), `lines` being the list the tests filled. Use it as
    `report = L.report_fixture(...)` at module level. pytest is imported here, not at the top: the scripts that
    import livelib do not need it."""
    import pytest

    @pytest.fixture(scope="module", autouse=True)
    def report(request):
        yield
        write_report(request, filename, title, lines)
    return report


def work_fixture(name):
    """A module-scoped pytest fixture `work`: a fresh directory (pytest's tmp_path_factory.mktemp(name)) holding
    keys.json, the sample keyring of write_keyring. Use it as `work = L.work_fixture(name)` at module level."""
    import pytest

    @pytest.fixture(scope="module")
    def work(tmp_path_factory):
        d = tmp_path_factory.mktemp(name)
        write_keyring(d / "keys.json")
        return d
    return work


def write_report(request, filename, title, lines):
    """Writes `lines` to $WAMPBOX_BUILD_DIR/live/<filename> and prints them on the
    terminal, past pytest's output capture (the audit is printed for every run)."""
    out = build_dir() / "live"
    out.mkdir(parents=True, exist_ok=True)
    text = "\n".join([title] + list(lines)) + "\n"
    (out / filename).write_text(text, encoding="utf-8")
    tr = request.config.pluginmanager.get_plugin("terminalreporter")
    cm = request.config.pluginmanager.get_plugin("capturemanager")
    if tr is None:
        return
    ctx = cm.global_and_fixture_disabled() if cm is not None else contextlib.nullcontext()
    with ctx:
        tr.write_line("")
        for line in text.splitlines():
            tr.write_line(line)
