"""Plumbing shared by the Python adapters: the wampbox-conform/1 JSON-lines
loop of conformance/PROTOCOL.md. An adapter supplies its hello (what it
supports) and one handler per operation; a handler returns the output object,
or raises Fail(code) for a rejection / Unsupported(reason) for a case it
cannot run. Anything else it raises is reported as error code "internal" with
the exception text (the runner judges that like any other error).

Nothing here judges anything: the adapter only answers, the runner compares.
"""

import json
import sys
import traceback

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
            except Unsupported as e:
                send({"id": rid, "status": "unsupported", "reason": str(e)})
            except Exception as e:  # noqa: BLE001  an implementation bug is still an answer
                sys.stderr.write(traceback.format_exc())
                send({"id": rid, "status": "error", "error": "internal",
                      "message": f"{type(e).__name__}: {e}"[:500]})
        else:
            sys.stderr.write(f"adapter: ignoring message of type {t!r}\n")


# -- the corpus's typed value encoding (PROTOCOL.md, "Values") -----------------

def tv(v):
    """Python value (as Autobahn's serializers produce it) -> typed JSON value."""
    import struct
    if v is None:
        return {"null": None}
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int):
        return {"int": str(v)}
    if isinstance(v, float):
        return {"float": struct.pack(">d", v).hex()}
    if isinstance(v, str):
        return {"str": v}
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": bytes(v).hex()}
    if isinstance(v, (list, tuple)):
        return {"list": [tv(x) for x in v]}
    if isinstance(v, dict):
        if not all(isinstance(k, str) for k in v):
            raise Fail("unencodable", "a dict key is not a string")
        return {"dict": [[k, tv(x)] for k, x in v.items()]}
    raise Fail("unencodable", f"no typed form for a {type(v).__name__}")


def untv(t):
    """Typed JSON value -> Python value."""
    import struct
    (kind, x), = t.items()
    if kind == "null":
        return None
    if kind == "bool":
        return bool(x)
    if kind == "int":
        return int(x)
    if kind == "float":
        return struct.unpack(">d", bytes.fromhex(x))[0]
    if kind == "str":
        return x
    if kind == "bytes":
        return bytes.fromhex(x)
    if kind == "list":
        return [untv(y) for y in x]
    if kind == "dict":
        return {k: untv(y) for k, y in x}
    raise ValueError(f"unknown typed value kind {kind!r}")


def unhex(s):
    return bytes.fromhex(s)


def keyring_entries(entries):
    """Validates the corpus keyring form: a list of {"prefix", key parts...}."""
    if not isinstance(entries, list):
        raise ValueError("keyring must be a list of entries")
    return entries


# Header fields of the structured message form, after the type (PROTOCOL.md, "Messages").
MESSAGE_HEADER = {
    "PUBLISH": ["request", "options", "uri"],
    "EVENT": ["subscription", "publication", "options"],
    "CALL": ["request", "options", "uri"],
    "INVOCATION": ["request", "registration", "options"],
    "YIELD": ["request", "options"],
    "RESULT": ["request", "options"],
    "ERROR": ["requestType", "request", "options", "uri"],
}
TYPE_CODES = {"ERROR": 8, "PUBLISH": 16, "EVENT": 36, "CALL": 48, "RESULT": 50, "INVOCATION": 68, "YIELD": 70}
TYPE_NAMES = {v: k for k, v in TYPE_CODES.items()}


def raw_to_struct(raw):
    """A raw WAMP message list (Python values) -> structured message."""
    name = TYPE_NAMES[raw[0]]
    fields = MESSAGE_HEADER[name]
    st = {"type": name}
    for f, v in zip(fields, raw[1:]):
        st[f] = tv(v) if f == "options" else v
    rest = raw[1 + len(fields):]
    if len(rest) == 1 and isinstance(rest[0], (bytes, bytearray)):
        st["payload"] = bytes(rest[0]).hex()
    else:
        if len(rest) >= 1:
            st["args"] = tv(rest[0])
        if len(rest) >= 2:
            st["kwargs"] = tv(rest[1])
    return st


def struct_to_raw(st):
    """Structured message -> raw WAMP message list (Python values)."""
    name = st["type"]
    raw = [TYPE_CODES[name]]
    for f in MESSAGE_HEADER[name]:
        raw.append(untv(st[f]) if f == "options" else st[f])
    if "payload" in st:
        raw.append(bytes.fromhex(st["payload"]))
    else:
        if "args" in st:
            raw.append(untv(st["args"]))
        if "kwargs" in st:
            raw.append(untv(st["kwargs"]))
    return raw
