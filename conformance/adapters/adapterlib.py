"""Plumbing shared by the Python adapters: the wampbox-conform/1 JSON-lines
loop of conformance/PROTOCOL.md. An adapter supplies its hello (what it
supports) and one handler per operation; a handler returns the output object,
or raises Fail(code) for a rejection / Unsupported(reason) for a case it
cannot run. Anything else it raises is reported as error code "internal" with
the exception text (the runner judges that like any other error).

Nothing here judges anything: the adapter only answers, the runner compares.
The typed value codec and the structured message form are
scripts/wampbox_py's (typed.py, messages.py), shared with the corpus
generator; a typed.Unencodable raised by a handler is answered as error code
"unencodable".
"""

import json
import os
import sys
import traceback

# scripts/, for the shared wampbox_py package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "scripts"))

from wampbox_py.typed import Unencodable  # noqa: E402

PROTOCOL = "wampbox-conform/1"


class Fail(Exception):
    """The implementation rejected the input: `code` is one of the protocol's
    error codes (PROTOCOL.md, "Error codes")."""

    def __init__(self, code, message=""):
        super().__init__(message or code)
        self.code = code
        self.message = message or code


class Unsupported(Exception):
    """The implementation cannot run this case (feature absent)."""


def serve(hello, handlers, stdin=None, stdout=None):
    """Runs the loop until "bye" or end of input. `hello` is the adapter's hello
    object without "type"/"protocol" (added here); `handlers` maps an
    operation name to fn(input_dict) -> output_dict."""
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer

    def send(obj):
        stdout.write(json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n")
        stdout.flush()

    for raw in stdin:
        if not raw.strip():
            continue
        msg = json.loads(raw)
        t = msg.get("type")
        if t == "hello":
            send(dict({"type": "hello", "protocol": PROTOCOL}, **hello))
        elif t == "bye":
            return
        elif t == "case":
            rid, op = msg.get("id"), msg.get("op")
            fn = handlers.get(op)
            if fn is None:
                send({"id": rid, "status": "unsupported", "reason": f"operation {op!r} not implemented"})
                continue
            try:
                out = fn(msg.get("input") or {})
                send({"id": rid, "status": "ok", "output": out})
            except Fail as e:
                send({"id": rid, "status": "error", "error": e.code, "message": e.message[:500]})
            except Unencodable as e:
                send({"id": rid, "status": "error", "error": "unencodable", "message": str(e)[:500]})
            except Unsupported as e:
                send({"id": rid, "status": "unsupported", "reason": str(e)})
            except Exception as e:  # noqa: BLE001  an implementation bug is still an answer
                sys.stderr.write(traceback.format_exc())
                send({"id": rid, "status": "error", "error": "internal",
                      "message": f"{type(e).__name__}: {e}"[:500]})
        else:
            sys.stderr.write(f"adapter: ignoring message of type {t!r}\n")


def unhex(s):
    return bytes.fromhex(s)
