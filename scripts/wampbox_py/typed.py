"""The corpus's typed value encoding: a language-neutral, lossless JSON form
of the WAMP value model (fixtures/README.md and conformance/PROTOCOL.md,
"Values"), and the equality the corpus uses on Python values.

One copy for the corpus generator (scripts/corpus/), the Python adapters
(conformance/adapters/) and the tests. The conformance runner's judge
(conformance/runner/) deliberately keeps its own reading of PROTOCOL.md, so a
mistake here cannot make producer and judge agree by construction
(HACKING.md, "Independent readings").

Pure functions, no state: safe from any thread.
"""

import struct


class Unencodable(TypeError):
    """A Python value has no typed form (a non-str dict key, a CBOR tag, a
    msgpack ext type...). The adapters report it as error code "unencodable"."""


def tv(v):
    """Python value (as Autobahn's serializers produce it) -> typed JSON value.
    Raises Unencodable for a value the encoding cannot express."""
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
        for k in v:
            if not isinstance(k, str):
                raise Unencodable("typed dict keys must be str, got %r" % (k,))
        return {"dict": [[k, tv(x)] for k, x in v.items()]}
    raise Unencodable("no typed form for a %s" % type(v).__name__)


def untv(t):
    """Typed JSON value -> Python value (inverse of tv). Raises ValueError for
    an unknown kind."""
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
    raise ValueError("unknown typed value kind %r" % (kind,))


def same_value(a, b):
    """Structural equality with floats compared by bit pattern (NaN == NaN,
    0.0 != -0.0), bool distinct from int, list/tuple alike, dict order significant."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, float) and isinstance(b, float) and struct.pack(">d", a) == struct.pack(">d", b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a.keys()) == list(b.keys()) and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, (bytes, bytearray)) and isinstance(b, (bytes, bytearray)):
        return bytes(a) == bytes(b)
    return type(a) is type(b) and a == b
