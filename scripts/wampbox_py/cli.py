"""A thin wrapper to call the `wampbox` command-line tool from Python.

The binary is found via env WAMPBOX_BIN, else under WAMPBOX_BUILD_DIR (default
<repo>/build). JSON values handed to the CLI use Autobahn's JSON convention
(autobahn.wamp.serializer._dumps: bytes as "\\u0000"+base64, NaN/Infinity, big
ints), and so does what `wampbox open` prints; this module converts both ways
with Autobahn's own _dumps/_loads so values round-trip exactly.

Exit codes (docs/cli.md): 0 ok, 1 crypto/verification failure, 2 usage,
3 malformed input, 4 I/O.
"""

import dataclasses
import os
import re
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

EXIT_OK, EXIT_CRYPTO, EXIT_USAGE, EXIT_MALFORMED, EXIT_IO = 0, 1, 2, 3, 4

# wampbox::ErrorCode names (impl/src/error.cc to_string()).
ERROR_CODES = (
    "invalid_key", "no_key", "missing_role", "retired_key", "bad_key_id", "no_payload_codec", "decrypt_failed",
    "uri_mismatch", "unsupported_enc_algo", "unsupported_enc_serializer", "malformed_plaintext", "parse_error",
    "invalid_utf8", "invalid_base64", "unencodable", "limit_exceeded", "protocol_error", "invalid_argument",
)
_CODE_RE = re.compile(r"\b(" + "|".join(ERROR_CODES) + r")\b")

# Linux limits one argv string to 128 KiB (MAX_ARG_STRLEN); larger JSON values
# go through a file ("@FILE", docs/cli.md).
_INLINE_MAX = 64 * 1024


def _ab():
    # Imported lazily: autobahn_ref needs Debian's python3-autobahn.
    from wampbox_py import autobahn_ref
    return autobahn_ref


def dumps(value):
    """Autobahn's JSON text for a value (what the CLI takes)."""
    return _ab().ab_dumps(value)


def loads(text):
    """Autobahn's JSON reader (bytes from "\\u0000"+base64, NaN, big ints)."""
    return _ab().ab_loads(text)


def build_dir():
    return Path(os.environ.get("WAMPBOX_BUILD_DIR", REPO / "build"))


def find_binary(bdir=None):
    """Path of the wampbox executable; raises FileNotFoundError naming where
    it looked."""
    env = os.environ.get("WAMPBOX_BIN")
    if env:
        if not os.access(env, os.X_OK):
            raise FileNotFoundError(f"WAMPBOX_BIN={env} is not an executable")
        return Path(env)
    bdir = Path(bdir) if bdir else build_dir()
    candidates = [bdir / "impl" / "cli" / "wampbox", bdir / "bin" / "wampbox", bdir / "wampbox"]
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    raise FileNotFoundError("wampbox CLI not found; looked at " + ", ".join(map(str, candidates))
                            + " (build it: scripts/setup.sh, or set WAMPBOX_BUILD_DIR / WAMPBOX_BIN)")


@dataclasses.dataclass
class Result:
    argv: list
    rc: int
    stdout: bytes
    stderr: str

    @property
    def ok(self):
        return self.rc == 0

    def json(self):
        """stdout parsed with Autobahn's JSON reader."""
        return loads(self.stdout.decode("utf-8"))

    @property
    def error_code(self):
        """The first wampbox error code named on stderr, or None."""
        m = _CODE_RE.search(self.stderr)
        return m.group(1) if m else None

    def command(self):
        """A shell-pasteable form of the call (for reproducers)."""
        import shlex
        return " ".join(shlex.quote(str(a)) for a in self.argv)

    def check(self):
        if self.rc != 0:
            raise RuntimeError(f"wampbox failed (exit {self.rc}): {self.command()[:500]}\n{self.stderr}")
        return self

    def __str__(self):
        return (f"$ {self.command()[:400]}\nexit {self.rc}\nstderr: {self.stderr[:2000]}"
                f"\nstdout: {self.stdout[:400]!r}")


class Wampbox:
    """Runs the wampbox binary. Every call is one subprocess."""

    def __init__(self, binary=None, workdir=None, timeout=120):
        self.binary = Path(binary) if binary else find_binary()
        self._tmp = None
        self.workdir = Path(workdir) if workdir else None
        self.timeout = timeout

    def _dir(self):
        if self.workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="wampbox-cli-")
            self.workdir = Path(self._tmp.name)
        return self.workdir

    def run(self, *argv, input=None, env=None):
        full = [str(self.binary)] + [str(a) for a in argv]
        p = subprocess.run(full, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=self.timeout,
                           env=env)
        return Result(full, p.returncode, p.stdout, p.stderr.decode("utf-8", "replace"))

    def _json_value(self, name, value):
        """JSON text for an option, inline or as @FILE when too large for argv."""
        text = dumps(value)
        if len(text.encode("utf-8")) <= _INLINE_MAX:
            return text
        path = self._dir() / f"{name}-{os.getpid()}-{id(value)}.json"
        path.write_text(text, encoding="utf-8")
        return "@" + str(path)

    def keygen(self, *extra):
        return self.run("keygen", *extra)

    def seal_argv(self, mtype, serializer, keyring, uri=None, args=None, kwargs=None, options=None, ids=None,
                  nonce=None, role=None, plain=False, hex_output=False, output=None, extra=()):
        """The argument list of `wampbox seal` (without the binary)."""
        argv = ["seal", "--type", mtype.upper(), "--serializer", serializer, "--keyring", str(keyring)]
        if uri is not None:
            argv += ["--uri", uri]
        for k, v in (ids or {}).items():
            if v is not None:
                argv += ["--" + k.replace("_", "-"), str(v)]
        if options:
            argv += ["--options", self._json_value("options", options)]
        argv += ["--args", self._json_value("args", args), "--kwargs", self._json_value("kwargs", kwargs)]
        if nonce is not None:
            argv += ["--nonce", bytes(nonce).hex()]
        if role is not None:
            argv += ["--role", role]
        if plain:
            argv.append("--plain")
        if hex_output:
            argv.append("--hex")
        if output is not None:
            argv += ["--output", str(output)]
        argv += list(extra)
        return argv

    def seal(self, mtype, serializer, keyring, **kw):
        """`wampbox seal`; stdout is the frame bytes."""
        return self.run(*self.seal_argv(mtype, serializer, keyring, **kw))

    def inspect(self, frame, serializer):
        """`wampbox inspect` with the frame on stdin; .json() is the message."""
        return self.run("inspect", "--serializer", serializer, "-", input=bytes(frame))

    def open(self, frame, serializer, keyring, uri=None, role=None, hex_input=False, extra=()):
        """`wampbox open` with the frame on stdin; .json() is
        {"message": {...}, "decrypted": {"uri", "args", "kwargs"}}."""
        argv = ["open", "--serializer", serializer, "--keyring", str(keyring)]
        if uri is not None:
            argv += ["--uri", uri]
        if role is not None:
            argv += ["--role", role]
        if hex_input:
            argv.append("--hex-input")
        argv += list(extra)
        argv.append("-")
        data = frame.hex().encode() if hex_input and isinstance(frame, (bytes, bytearray)) else frame
        return self.run(*argv, input=bytes(data))
