"""Raw WAMP message lists (Python values, as a serializer yields them) <->
the corpus's structured messages (conformance/PROTOCOL.md, "Messages"), for
the seven payload-carrying message types.

Shared by the corpus generator, the Python adapters and the Autobahn driver
(autobahn_ref.py). Pure functions: safe from any thread.
"""

from wampbox_py.typed import tv, untv

TYPE_CODES = {"ERROR": 8, "PUBLISH": 16, "EVENT": 36, "CALL": 48, "RESULT": 50, "INVOCATION": 68, "YIELD": 70}
TYPE_NAMES = {v: k for k, v in TYPE_CODES.items()}
# Header fields after the type code, in wire order; "options" is Options|Details,
# "uri" the Topic/Procedure/Error.
HEADER = {
    "PUBLISH": ["request", "options", "uri"],
    "EVENT": ["subscription", "publication", "options"],
    "CALL": ["request", "options", "uri"],
    "INVOCATION": ["request", "registration", "options"],
    "YIELD": ["request", "options"],
    "RESULT": ["request", "options"],
    "ERROR": ["requestType", "request", "options", "uri"],
}


def raw_to_struct(raw):
    """A raw message list -> structured message. Raises KeyError for an
    unknown type code, ValueError for more than two trailing elements, and
    typed.Unencodable for Options/args/kwargs without a typed form."""
    name = TYPE_NAMES[raw[0]]
    fields = HEADER[name]
    st = {"type": name}
    for f, v in zip(fields, raw[1:]):
        st[f] = tv(v) if f == "options" else v
    rest = raw[1 + len(fields):]
    if len(rest) > 2:
        raise ValueError("%s with %d trailing elements" % (name, len(rest)))
    if len(rest) == 1 and isinstance(rest[0], (bytes, bytearray)):
        st["payload"] = bytes(rest[0]).hex()
    else:
        if len(rest) >= 1:
            st["args"] = tv(rest[0])
        if len(rest) >= 2:
            st["kwargs"] = tv(rest[1])
    return st


def struct_to_raw(st):
    """Structured message -> raw message list (inverse of raw_to_struct)."""
    name = st["type"]
    raw = [TYPE_CODES[name]]
    for f in HEADER[name]:
        raw.append(untv(st[f]) if f == "options" else st[f])
    if "payload" in st:
        raw.append(bytes.fromhex(st["payload"]))
    else:
        if "args" in st:
            raw.append(untv(st["args"]))
        if "kwargs" in st:
            raw.append(untv(st["kwargs"]))
    return raw
