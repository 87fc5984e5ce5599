"""The implementation under test as a subprocess speaking JSON lines.

One AdapterProcess is one running adapter. The runner talks to it strictly in
lock-step (one request, then its response), which keeps the evidence for a
crash or a hang attached to exactly one case. Reads are non-blocking with a
deadline, so a hung adapter costs at most one timeout; the adapter's stderr is
drained by a thread into a bounded buffer (a chatty adapter can never block on
a full pipe) and its tail is attached to crash/timeout evidence.
"""

import collections
import json
import os
import selectors
import signal
import subprocess
import threading
import time

PROTOCOL = "wampbox-conform/1"


class AdapterError(Exception):
    """The adapter did something the protocol forbids or stopped answering.

    kind is one of: "crash" (exited or closed stdout), "timeout" (no complete
    line before the deadline), "protocol" (a line that is not a valid
    response), "start" (could not be launched / failed the handshake)."""

    def __init__(self, kind, message, stderr_tail="", exit_status=None):
        super().__init__(message)
        self.kind = kind
        self.stderr_tail = stderr_tail
        self.exit_status = exit_status


def _describe_status(rc):
    if rc is None:
        return "still running"
    if rc < 0:
        try:
            return f"killed by signal {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


class AdapterProcess:
    """A started adapter. Use start() (spawn + handshake), request(), close()."""

    STDERR_KEEP = 64 * 1024
    # Longest response line accepted. The largest corpus answers (64 KiB
    # messages as hex inside a frame) are well under 1 MiB; a line longer than
    # this is a protocol violation, so a runaway adapter cannot make the runner
    # buffer without bound.
    MAX_LINE = 32 * 1024 * 1024

    def __init__(self, command, cwd=None, env=None, handshake_timeout=60.0, suite_version="", corpus_dir=""):
        self.command = list(command)
        self.cwd = cwd
        self.env = env
        self.handshake_timeout = handshake_timeout
        self.suite_version = suite_version
        self.corpus_dir = corpus_dir
        self.proc = None
        self.hello = None
        self._buf = bytearray()
        self._stderr = collections.deque()
        self._stderr_len = 0
        self._stderr_lock = threading.Lock()
        self._sel = None

    # -- lifecycle -----------------------------------------------------------

    def spawn(self):
        """Starts the process in its own session (process group), stdout non-blocking, stderr
        drained by a thread. Raises AdapterError("start") if it cannot be started."""
        try:
            self.proc = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=self.cwd, env=self.env, start_new_session=True, bufsize=0)
        except OSError as e:
            raise AdapterError("start", f"cannot start adapter {self.command!r}: {e}") from e
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self.proc.stdout, selectors.EVENT_READ)
        t = threading.Thread(target=self._drain_stderr, args=(self.proc.stderr,), daemon=True)
        t.start()
        self._buf.clear()

    def start(self):
        self.spawn()
        try:
            self._send({"type": "hello", "protocol": PROTOCOL, "suite_version": self.suite_version})
            msg = self._read(self.handshake_timeout)
        except AdapterError as e:
            self.kill()
            raise AdapterError("start", f"handshake failed ({e.kind}): {e}", e.stderr_tail, e.exit_status) from e
        problem = validate_hello(msg)
        if problem:
            self.kill()
            raise AdapterError("start", f"invalid hello from adapter: {problem}", self.stderr_tail())
        self.hello = msg
        return msg

    def close(self, grace=2.0):
        """Polite shutdown: bye, close stdin, wait, then kill."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self._send({"type": "bye"})
            except AdapterError:
                pass
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    def kill(self):
        """Kills the adapter's whole process group (it was started in its own
        session, so helpers it spawned go too) and reaps it."""
        if self.proc is None:
            return
        # The group is signalled even when its leader has already exited:
        # helpers it spawned may still be running in it.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except (OSError, ValueError):
                pass
        if self._sel is not None:
            self._sel.close()
            self._sel = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # -- requests ------------------------------------------------------------

    def request(self, rid, op, inputs, timeout):
        """Sends one case and returns the adapter's response object. Raises
        AdapterError on crash / timeout / protocol violation; the process is
        then unusable and must be replaced."""
        self._send({"type": "case", "id": rid, "op": op, "input": inputs})
        msg = self._read(timeout)
        if msg.get("id") != rid:
            raise AdapterError("protocol", f"response id {msg.get('id')!r} does not match request id {rid!r}",
                               self.stderr_tail())
        problem = validate_response(msg)
        if problem:
            raise AdapterError("protocol", problem, self.stderr_tail())
        return msg

    # -- plumbing ------------------------------------------------------------

    def _send(self, obj):
        data = (json.dumps(obj, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as e:
            raise self._crash(f"cannot write to adapter: {e}") from e

    def _crash(self, what):
        try:
            self.proc.wait(1)
        except subprocess.TimeoutExpired:
            pass
        rc = self.proc.poll()
        return AdapterError("crash", f"{what} ({_describe_status(rc)})", self.stderr_tail(), rc)

    def _read(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line = bytes(self._buf[:nl])
                del self._buf[:nl + 1]
                if not line.strip():
                    continue
                try:
                    msg = json.loads(line.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as e:
                    snippet = line[:200].decode("utf-8", "replace")
                    raise AdapterError("protocol", f"adapter wrote a line that is not JSON ({e}): {snippet!r}",
                                       self.stderr_tail()) from e
                if not isinstance(msg, dict):
                    raise AdapterError("protocol", f"adapter wrote a JSON {type(msg).__name__}, not an object",
                                       self.stderr_tail())
                return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise AdapterError("timeout", f"no answer within {timeout:g} s", self.stderr_tail())
            events = self._sel.select(left)
            if not events:
                continue
            try:
                chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
            except BlockingIOError:
                continue
            except OSError as e:
                raise self._crash(f"cannot read from adapter: {e}") from e
            if not chunk:
                raise self._crash("adapter closed its stdout")
            self._buf += chunk
            if len(self._buf) > self.MAX_LINE and b"\n" not in chunk:
                head = bytes(self._buf[:200]).decode("utf-8", "replace")
                self._buf.clear()
                raise AdapterError("protocol", f"adapter wrote a line longer than {self.MAX_LINE} bytes "
                                   f"(starts {head!r})", self.stderr_tail())

    def _drain_stderr(self, f):
        try:
            while True:
                chunk = f.read1(65536) if hasattr(f, "read1") else f.read(65536)
                if not chunk:
                    break
                with self._stderr_lock:
                    self._stderr.append(chunk)
                    self._stderr_len += len(chunk)
                    while self._stderr_len > self.STDERR_KEEP and len(self._stderr) > 1:
                        self._stderr_len -= len(self._stderr.popleft())
        except (OSError, ValueError):
            pass

    def stderr_tail(self, limit=2000):
        with self._stderr_lock:
            data = b"".join(self._stderr)
        return data[-limit:].decode("utf-8", "replace")


# -- message validation ------------------------------------------------------

HELLO_STRING_FIELDS = ("name", "version")
HELLO_LIST_FIELDS = ("operations", "layers", "serializers", "message_types")
RESPONSE_STATUSES = ("ok", "error", "unsupported")


def validate_hello_common(msg, protocol):
    """The checks a corpus adapter's hello and a live client adapter's hello (live.py) share: type, `protocol`,
    implementation name and version, profile. Returns None if they pass, else what is wrong."""
    if msg.get("type") != "hello":
        return f"expected type 'hello', got {msg.get('type')!r}"
    if msg.get("protocol") != protocol:
        return f"protocol {msg.get('protocol')!r} is not {protocol!r}"
    impl = msg.get("implementation")
    if not isinstance(impl, dict):
        return "missing object 'implementation'"
    for k in HELLO_STRING_FIELDS:
        if not isinstance(impl.get(k), str) or not impl.get(k):
            return f"implementation.{k} must be a non-empty string"
    prof = msg.get("profile", {})
    if not isinstance(prof, dict) or not all(isinstance(v, str) for v in prof.values()):
        return "profile must be an object of strings"
    return None


def validate_hello(msg):
    """Returns None if `msg` is a valid hello response, else what is wrong."""
    problem = validate_hello_common(msg, PROTOCOL)
    if problem:
        return problem
    sup = msg.get("supports")
    if not isinstance(sup, dict):
        return "missing object 'supports'"
    for k in HELLO_LIST_FIELDS:
        v = sup.get(k)
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            return f"supports.{k} must be a list of strings"
    for k in ("unsupported_flags",):
        v = sup.get(k, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            return f"supports.{k} must be a list of strings"
    return None


def validate_response(msg):
    st = msg.get("status")
    if st not in RESPONSE_STATUSES:
        return f"status must be one of {RESPONSE_STATUSES}, got {st!r}"
    if st == "ok" and not isinstance(msg.get("output"), dict):
        return "status 'ok' needs an object 'output'"
    if st == "error" and not isinstance(msg.get("error"), str):
        return "status 'error' needs a string 'error' (an error code)"
    return None
