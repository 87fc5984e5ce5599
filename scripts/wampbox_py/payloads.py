"""Seeded WAMP payloads shared by the cross-check tests, the corpus generator
and the benchmarks, so that all three exercise the same inputs.

Every function is deterministic for a given seed (random.Random, never the
global generator) and returns plain Python values exactly as an Autobahn
session passes them to KeyRing.encode: args a list or None, kwargs a dict or
None. Values use only types Autobahn's serializers carry: None, bool, int (any
size), float (incl. NaN/inf/-0.0), str, bytes, list, dict with str keys.
"""

import math
import random

# Shapes for the serialization and full-path benchmarks.
SHAPES = ("small_rpc", "text", "numbers", "binary")

_WORDS = ["alpha", "beta", "gamma", "delta", "Grüße", "naïve", "日本語", "emoji\U0001F600", "tab\t", "quote\""]


def _text(rng, n):
    """A unicode string of about n UTF-8 bytes mixing ASCII, BMP and non-BMP."""
    out, size = [], 0
    while size < n:
        w = rng.choice(_WORDS)
        out.append(w)
        size += len(w.encode("utf-8")) + 1
    return " ".join(out)


def _ascii(rng, n):
    return "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789 ", k=n))


def _nested(depth):
    v = "leaf"
    for i in range(depth):
        v = [v] if i % 2 else {"k": v}
    return v


def taxonomy(seed=1):
    """Named (args, kwargs) cases covering the payload shapes that matter for
    byte-exact interoperability. Names are stable identifiers."""
    rng = random.Random(seed)
    cases = [
        ("empty_args_empty_kwargs", [], {}),
        ("null_args_null_kwargs", None, None),
        ("args_only", ["Counter is at 1"], {}),
        ("kwargs_only", [], {"a": 1, "b": "two"}),
        ("null_args_with_kwargs", None, {"x": None}),
        ("return_value_form", [{"result": 42}], None),
        ("scalars", [None, True, False, 0, -1, 1, 255, 65536], {}),
        ("int_boundaries", [2**31 - 1, -2**31, 2**53, 2**63 - 1, -2**63, 2**64 - 1], {}),
        ("big_integers", [2**64, -2**64 - 1, 10**40, -(10**40)], {}),
        ("floats", [0.1, 1.5, -2.25, 1e-07, 1e16, 1e+300, 5e-324, 1.7976931348623157e308, 123456789.125, 1.0], {}),
        ("negative_zero", [-0.0, 0.0], {"z": -0.0}),
        ("nan_infinity", [math.nan, math.inf, -math.inf], {"nan": math.nan}),
        ("unicode_bmp", ["Grüße, naïve café", "日本語テキスト", "Ελληνικά"], {"ключ": "значение"}),
        ("unicode_non_bmp", ["\U0001F600\U0001F4A9", "𝄞 music", "\U00010000\U0010FFFF"], {"emoji\U0001F389": True}),
        # NUL is not first: Autobahn's JSON reads a string starting with U+0000
        # back as bytes (the corpus covers that quirk with its own flag).
        ("control_characters", ["ctl:" + "".join(chr(c) for c in range(0x20)), "\x7f", "a\"b\\c/d"], {"nl": "\n\r\t"}),
        ("line_separators", ["\u2028\u2029", "\ufeffBOM"], {}),
        ("bytes_values", [b"", b"\x00", b"\x00\x01\x02\xff", bytes(range(256))], {"blob": b"\xde\xad\xbe\xef"}),
        ("deep_nesting", [_nested(64)], {}),
        ("empty_containers", [[], {}, [[]], [{}]], {"e": {}}),
        ("mixed_kwargs_order", [], {"zeta": 1, "alpha": 2, "mid": [1, 2, {"b": 1, "a": 2}]}),
        ("long_string_1k", [_ascii(rng, 1024)], {}),
        ("text_64k", [_text(rng, 65536)], {}),
        ("large_1mib", [_ascii(rng, 1 << 20)], {"n": 1}),
    ]
    # A handful of random structured payloads.
    for i in range(6):
        cases.append((f"random_{i}", random_value_list(rng, 8), {"seed": i, "v": random_value(rng, 3)}))
    return cases


def random_value(rng, depth):
    """A random value of the model, bounded depth."""
    kinds = ["null", "bool", "int", "bigint", "float", "str", "bytes"] + (["list", "dict"] if depth > 0 else [])
    k = rng.choice(kinds)
    if k == "null":
        return None
    if k == "bool":
        return rng.random() < 0.5
    if k == "int":
        return rng.randint(-(2**63), 2**64 - 1)
    if k == "bigint":
        return rng.choice([1, -1]) * rng.randint(2**64, 2**100)
    if k == "float":
        return rng.choice([rng.uniform(-1e6, 1e6), rng.random() * 10 ** rng.randint(-30, 30), float(rng.randint(-9, 9))])
    if k == "str":
        return _text(rng, rng.randint(0, 40))
    if k == "bytes":
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 40)))
    if k == "list":
        return random_value_list(rng, rng.randint(0, 5), depth - 1)
    return {f"k{j}_{_ascii(rng, 3)}": random_value(rng, depth - 1) for j in range(rng.randint(0, 5))}


def random_value_list(rng, n, depth=2):
    return [random_value(rng, depth) for _ in range(n)]


def msgpack_safe(value):
    """True if msgpack (msgpack-python) can carry value: no int outside
    [-2**63, 2**64-1]."""
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -(2**63) <= value <= 2**64 - 1
    if isinstance(value, (list, tuple)):
        return all(msgpack_safe(v) for v in value)
    if isinstance(value, dict):
        return all(msgpack_safe(v) for v in value.values())
    return True


def shaped(shape, size, seed=1):
    """(args, kwargs) of a given shape whose inner JSON plaintext is about
    `size` bytes (never below the shape's minimal form):
      small_rpc  a typical RPC call: a few scalars and a short string, padded
                 with a string to reach size;
      text       one unicode-heavy string;
      numbers    a list of floats and ints;
      binary     one bytes value (base64 inside the JSON plaintext)."""
    rng = random.Random(f"{shape}:{size}:{seed}")
    if shape == "small_rpc":
        pad = max(0, size - 60)
        return [42, "add", 3.5, True, _ascii(rng, pad)], {"trace": False}
    if shape == "text":
        return [_text(rng, max(0, size - 40))], {}
    if shape == "numbers":
        out, used = [], 40
        while used < size:
            v = rng.uniform(-1e9, 1e9) if rng.random() < 0.5 else rng.randint(-(10**12), 10**12)
            out.append(v)
            used += len(repr(v)) + 1
        return out, {}
    if shape == "binary":
        # base64 inflates by 4/3 and adds the "\u0000" marker.
        n = max(0, (size - 48) * 3 // 4)
        return [bytes(rng.getrandbits(8) for _ in range(n))], {}
    raise ValueError(f"unknown shape {shape!r}; expected one of {SHAPES}")
