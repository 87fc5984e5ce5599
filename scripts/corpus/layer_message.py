"""Message layer: fixtures/message_{json,msgpack,cbor}_test.json.

Byte-exact WAMP frames of the seven payload-carrying message types from
Autobahn|Python's own message classes and serializers, plain and encrypted
(fixed nonces), the decrypted view a receiver gets, and malformed frames."""

import base64
import json
import random
import struct

import cbor2
import msgpack

from wampbox_py import autobahn_ref as A
from common import TestFile, det_bytes, flip_bit, h, nul_quirk, taxonomy_cases
from layer_box import SAMPLE_ORIGINATOR_PRIV, SAMPLE_ORIGINATOR_PUB, SAMPLE_RESPONDER_PRIV, SAMPLE_RESPONDER_PUB
from wampbox_py.messages import raw_to_struct
from wampbox_py.payloads import msgpack_safe
from wampbox_py.typed import tv

SERIALIZERS = ("json", "msgpack", "cbor")

# The two sides of an application, each holding only its own box (so a wrong
# role selection fails with missing_role instead of silently working).
CALLER_RING = [{"prefix": "com.example.", "originator_priv": SAMPLE_ORIGINATOR_PRIV,
                "responder_pub": SAMPLE_RESPONDER_PUB}]
CALLEE_RING = [{"prefix": "com.example.", "responder_priv": SAMPLE_RESPONDER_PRIV,
                "originator_pub": SAMPLE_ORIGINATOR_PUB}]

T = "com.example.topic"
P = "com.example.procedure"
E = "com.example.error.failed"
FF = [{"session": 3141592, "authid": "router-2", "authrole": "router"}]

# Options/Details variants per type (Autobahn constructor keyword arguments).
VARIANTS = {
    "PUBLISH": [{}, {"acknowledge": True, "exclude_me": False, "exclude": [1234567], "eligible_authrole": ["user"],
                     "retain": True},
                {"acknowledge": True, "forward_for": FF}],
    "EVENT": [{}, {"publisher": 7654321, "publisher_authid": "alice", "publisher_authrole": "user",
                   "retained": False},
              {"forward_for": FF}],
    "CALL": [{}, {"timeout": 5000, "receive_progress": True},
             {"timeout": 0, "caller": 99, "caller_authid": "bob", "caller_authrole": "user", "forward_for": FF}],
    "INVOCATION": [{}, {"timeout": 100, "receive_progress": True, "caller": 42, "caller_authid": "alice",
                        "caller_authrole": "user"},
                   {"forward_for": FF}],
    "YIELD": [{}, {"progress": True}, {"callee": 5, "callee_authid": "carol", "callee_authrole": "user"}],
    "RESULT": [{}, {"progress": True},
               {"callee": 5, "callee_authid": "carol", "callee_authrole": "user", "forward_for": FF}],
    "ERROR": [{}, {"callee": 5, "callee_authid": "carol", "callee_authrole": "user"}],
}

IDS = [1, 2, 255, 256, 65535, 65536, 4294967295, 4294967296, 9007199254740992]

NOTES = {
    "Plain": ("BASIC", "An unencrypted message (Arguments/ArgumentsKw), byte-exact as Autobahn marshals and "
                       "serializes it."),
    "Encrypted": ("BASIC", "An encrypted message: Payload|binary in place of Arguments, enc_algo/enc_serializer in "
                           "Options/Details at the position Autobahn's marshal() gives them."),
    "Forwarded": ("BASIC", "The router-side forward of an encrypted message (PUBLISH->EVENT, CALL->INVOCATION, "
                           "YIELD->RESULT, ERROR->ERROR): payload and enc_* carried over untouched."),
    "TaxonomyShape": ("BASIC", "Arguments from the shared payload taxonomy (scripts/wampbox_py/payloads.py), named in "
                               "the comment."),
    "RandomPayload": ("BASIC", "Seeded random arguments (payloads.random_value)."),
    "OptionsVariant": ("BASIC", "Options/Details with several attributes, including ones Autobahn marshals after "
                                "enc_* (PUBLISH forward_for; CALL caller*, forward_for)."),
    "IdBoundary": ("EDGE_CASE", "An id at an integer-encoding boundary (255/256, 65535/65536, 2^32-1/2^32) or the "
                                "largest WAMP id, 2^53."),
    "RoleSelection": ("BASIC", "The keyring holds only one side's box; sealing and opening must select the role "
                               "by message type (seal: PUBLISH/CALL originator, YIELD/ERROR responder; open: "
                               "EVENT/INVOCATION responder, RESULT/ERROR originator)."),
    "NoMatchingKey": ("BASIC", "No key covers the URI. Seal: the frame is the plain message. Open: must fail "
                               "(no_key)."),
    "DetailsUri": ("KNOWN_QUIRK", "EVENT Details.topic / INVOCATION Details.procedure is present; Autobahn keys and "
                                  "checks the payload by it instead of the subscription's/registration's URI."),
    "NonCanonicalEncoding": ("EDGE_CASE", "A well-formed encoding Autobahn would not write (whitespace, "
                                          "non-minimal integer/length heads, other container forms, float32/half, "
                                          "indefinite lengths, small bignums): readers must accept it."),
    "NullArgsWithKwargs": ("KNOWN_QUIRK", "Arguments is null and ArgumentsKw present (what Autobahn marshals for "
                                          "args=None, kwargs={...}). Autobahn's own PUBLISH parser rejects it "
                                          "while the other types accept it."),
    "EmptyArgsKwargs": ("EDGE_CASE", "Empty Arguments/ArgumentsKw present on the wire (Autobahn never writes them but "
                                     "accepts them)."),
    "EmptyPayload": ("EDGE_CASE", "A zero-length binary Payload. Autobahn's marshal() writes no payload element for "
                                  "it (if self.payload:), so it cannot round-trip; opening fails (shorter than "
                                  "nonce+tag)."),
    "MissingEncSerializer": ("MISSING_STEP", "enc_algo without enc_serializer: parses, but opening fails after "
                                             "decryption (unsupported_enc_serializer)."),
    "UnsupportedEncAlgo": ("MODIFIED_PARAMETER", "A valid but unsupported enc_algo (xbr, mqtt, x_...): parses, "
                                                 "opening fails (unsupported_enc_algo)."),
    "UnknownEncSerializer": ("MISSING_STEP", "A valid enc_serializer other than json: parses; opening fails only "
                                             "after the MAC verifies (unsupported_enc_serializer)."),
    "EncKey": ("EDGE_CASE", "An enc_key string (Autobahn never sets it, accepts and ignores it)."),
    "PayloadWithoutEncAlgo": ("KNOWN_QUIRK", "A binary Payload without enc_algo. It parses; Autobahn's session "
                                             "then treats the message as unencrypted and delivers it with NO "
                                             "arguments, silently dropping the payload. The corpus requires "
                                             "opening to fail."),
    "AutobahnAccepts": ("KNOWN_QUIRK", "Autobahn|Python accepts this input (see the other flags); the corpus "
                                       "requires rejection."),
    "UnencryptedMessage": ("KNOWN_QUIRK", "A plain message where the receiver holds a key for the URI. Autobahn "
                                          "delivers it (no downgrade protection); a strict receiver may reject it. "
                                          "If accepted, the output is the message as received."),
    "LeadingNulString": ("KNOWN_QUIRK", "A str argument that starts with U+0000 is written by Autobahn's JSON "
                                        "serializer as \"\\u0000...\" and every JSON reader (Autobahn, wampbox) reads "
                                        "it back as bytes (base64 of the rest; Autobahn's lax decoder turns "
                                        "non-base64 text into short or empty bytes). Taxonomy case "
                                        "control_characters starts with U+0000."),
    "LaxBase64": ("KNOWN_QUIRK", "A JSON binary string that is not strict padded base64 but that Python's "
                                 "non-validating b64decode accepts (skips non-alphabet characters, ignores padding "
                                 "bits). Profile autobahn: the vector's output. Profile strict (wampbox): reject "
                                 "(invalid_base64)."),
    "InvalidBase64": ("MALFORMED_INPUT", "A JSON binary string whose base64 neither strict nor Python's lax decoder "
                                         "accepts (bad padding/length): must fail (invalid_base64)."),
    "DuplicateKey": ("KNOWN_QUIRK", "An object/map repeats a key; Python keeps the last value (at the first key's "
                                    "position). A reader that accepts must produce the vector's message, or reject."),
    "LoneSurrogate": ("KNOWN_QUIRK", "A \\ud800 escape without its pair: Python accepts it; UTF-8 based readers "
                                     "reject it. No output is defined."),
    "CborTrailingData": ("KNOWN_QUIRK", "Bytes after the CBOR item: cbor2.loads ignores them, so Autobahn accepts "
                                        "the frame; a strict reader rejects (parse_error). If accepted, the output is "
                                        "the first item."),
    "CborTag": ("KNOWN_QUIRK", "A CBOR tag other than bignums (2, 3), or undefined/simple values, inside Arguments: "
                               "cbor2 decodes them to Python objects Autobahn passes on; wampbox's value model has "
                               "no such values and rejects them. No output is defined."),
    "MsgPackExtType": ("KNOWN_QUIRK", "A MessagePack ext value inside Arguments: msgpack-python returns an ExtType "
                                      "that Autobahn passes on; wampbox rejects it. No output is defined."),
    "CustomIdentifierPattern": ("MALFORMED_INPUT", "An x_ identifier outside the pattern ^x_([a-z][\\da-z_]+)?$ "
                                                   "(one character after x_, or upper case): not a valid custom "
                                                   "identifier, although it starts with x_ (protocol_error)."),
    "OptionValueType": ("MALFORMED_INPUT", "A known Options/Details attribute with a value of the wrong type or "
                                           "range (e.g. acknowledge: 1, timeout: -1), which Autobahn's parser checks: "
                                           "must fail (protocol_error)."),
    "NotAList": ("MALFORMED_INPUT", "The frame is not an array: must fail (protocol_error)."),
    "BadMessageType": ("MALFORMED_INPUT", "The message type is missing, not an integer, or not one of the seven "
                                          "payload-carrying types: must fail (protocol_error)."),
    "WrongLength": ("MALFORMED_INPUT", "Too few or too many elements for the message type: must fail "
                                       "(protocol_error)."),
    "BadId": ("MALFORMED_INPUT", "A request/subscription/publication/registration id that is not an integer in "
                                 "[0, 2^53], or an invalid ERROR request type: must fail (protocol_error)."),
    "BadOptions": ("MALFORMED_INPUT", "Options/Details not a map: must fail (protocol_error). A map with a "
                                      "non-text key also fails, with parse_error (see NonTextMapKey)."),
    "NonTextMapKey": ("MALFORMED_INPUT", "A MessagePack/CBOR map with a non-text (integer) key: must fail with "
                                         "parse_error. The value model has text keys only, so it is a reading "
                                         "error, not a WAMP check (msgpack-python refuses it while unpacking: "
                                         "strict_map_key; cbor2 reads it and Autobahn's parser then raises a "
                                         "ProtocolError)."),
    "BadUri": ("MALFORMED_INPUT", "Topic/Procedure/Error not a string, or not a URI by Autobahn's loose pattern "
                                  "^([^\\s\\.#]+\\.)*([^\\s\\.#]+)$: must fail (protocol_error)."),
    "BadArgs": ("MALFORMED_INPUT", "Arguments not a list (or null before ArgumentsKw), ArgumentsKw not a map: "
                                   "must fail (protocol_error)."),
    "PayloadNotBinary": ("MALFORMED_INPUT", "Something other than a byte string where the binary Payload belongs: "
                                            "must fail (protocol_error; parse_error when the value is outside the "
                                            "value model, e.g. a MessagePack ext or a CBOR tag)."),
    "PayloadWithKwargs": ("MALFORMED_INPUT", "A binary Payload followed by ArgumentsKw: must fail (protocol_error), "
                                             "except for PUBLISH (see PublishScalarArgs)."),
    "PublishScalarArgs": ("KNOWN_QUIRK", "PUBLISH with a text or binary Arguments element followed by ArgumentsKw: "
                                         "Autobahn's Publish accepts str/bytes args (and re-marshals bytes args as if "
                                         "they were a payload); other types reject them. Either is conforming; if "
                                         "accepted, the elements are returned as they are. (A text/binary ArgumentsKw "
                                         "is rejected by Autobahn's _validate_kwargs, so it is invalid.)"),
    "InvalidEncAlgo": ("MALFORMED_INPUT", "enc_algo not a valid identifier (cryptobox, mqtt, xbr, x_...): must fail "
                                          "(protocol_error)."),
    "InvalidEncSerializer": ("MALFORMED_INPUT", "enc_serializer not a valid identifier (json, msgpack, cbor, "
                                                "ubjson, flatbuffers, x_...): must fail (protocol_error)."),
    "InvalidEncKey": ("MALFORMED_INPUT", "enc_key not a string: must fail (protocol_error)."),
    "Truncated": ("MALFORMED_INPUT", "The frame cut short: must fail (parse_error)."),
    "TrailingData": ("MALFORMED_INPUT", "Bytes after the frame's single item: must fail (parse_error)."),
    "InvalidSyntax": ("MALFORMED_INPUT", "Not well-formed in the serialization: must fail (parse_error)."),
    "InvalidUtf8": ("MALFORMED_INPUT", "A text string that is not valid UTF-8: must fail (invalid_utf8 or "
                                       "parse_error)."),
    "ModifiedPayload": ("AUTH_BYPASS", "One bit of the payload flipped: opening must fail (decrypt_failed)."),
    "UriMismatch": ("MISSING_STEP", "The payload was sealed for another URI than the one the receiver opens it "
                                    "for: must fail (uri_mismatch)."),
    "MissingRole": ("MISSING_STEP", "The receiver's key lacks the box for the message type's role: must fail "
                                    "(missing_role)."),
    "ShortPayload": ("MALFORMED_INPUT", "A payload shorter than nonce+tag (40 bytes): opening must fail "
                                        "(decrypt_failed)."),
}

HEADER_LINES = [
    "WAMP-cryptobox message layer: the seven payload-carrying WAMP messages (PUBLISH, EVENT, CALL, INVOCATION, "
    "YIELD, RESULT, ERROR) as %s frames, byte-exact as Autobahn|Python's message classes and serializers write "
    "them, plain and encrypted (fixed nonces).",
    "`frame` is the complete serialized message (hex). In `message`, `payload` is nonce(24) || mac(16) || "
    "ciphertext (the binary element that replaces Arguments).",
    "Operations frame, frame_decode, frame_seal, frame_decode_open and the structured message form are defined in "
    "fixtures/README.md.",
]


# ---------------------------------------------------------------------------- message construction

_HDR_CTOR = {
    "PUBLISH": lambda ids, uri: {"request": ids[0], "topic": uri},
    "EVENT": lambda ids, uri: {"subscription": ids[0], "publication": ids[1]},
    "CALL": lambda ids, uri: {"request": ids[0], "procedure": uri},
    "INVOCATION": lambda ids, uri: {"request": ids[0], "registration": ids[1]},
    "YIELD": lambda ids, uri: {"request": ids[0]},
    "RESULT": lambda ids, uri: {"request": ids[0]},
    "ERROR": lambda ids, uri: {"request_type": ids[1], "request": ids[0], "error": uri},
}


def make(tname, ids, uri=None, opts=None, args=None, kwargs=None, payload=None, enc=None):
    kw = dict(_HDR_CTOR[tname](ids, uri))
    kw.update(opts or {})
    if payload is not None:
        kw.update(payload=payload, enc_algo=enc.enc_algo, enc_serializer=enc.enc_serializer, enc_key=enc.enc_key)
    else:
        kw.update(args=args, kwargs=kwargs)
    return A.CLASSES[tname](**kw)


def header_struct(tname, ids, uri, opts):
    """Structured header (no args/kwargs/payload) of a plain message."""
    st = A.msg_struct(make(tname, ids, uri, opts))
    return st


def plain_struct(tname, ids, uri, opts, args, kwargs):
    st = header_struct(tname, ids, uri, opts)
    st["args"] = tv(args)
    st["kwargs"] = tv(kwargs)
    return st


def opened_struct(msg, args, kwargs):
    """What a receiver gets after opening: the parsed header with enc_* removed and the decrypted args/kwargs."""
    raw = msg.marshal()
    st = raw_to_struct(raw)
    st.pop("payload", None)
    st.pop("args", None)
    st.pop("kwargs", None)
    opts = [kv for kv in st["options"]["dict"] if kv[0] not in ("enc_algo", "enc_key", "enc_serializer")]
    st["options"] = {"dict": opts}
    st["args"] = tv(args)
    st["kwargs"] = tv(kwargs)
    return st


def loads(ser, frame):
    """The raw list a serializer library reads (no WAMP checks)."""
    if ser == "json":
        return A.ab_loads(frame.decode("utf-8"))
    if ser == "msgpack":
        return msgpack.unpackb(frame, raw=False)
    return cbor2.loads(frame)


def dumps(ser, raw):
    if ser == "json":
        return A.dumps_json(raw)
    if ser == "msgpack":
        return msgpack.packb(raw, use_bin_type=True)
    return cbor2.dumps(raw)


# ---------------------------------------------------------------------------- hand-written encodings


def mp_uint(v, width):
    return {1: b"\xcc", 2: b"\xcd", 4: b"\xce", 8: b"\xcf"}[width] + v.to_bytes(width, "big")


def mp_str8(s):
    b = s.encode()
    return b"\xd9" + bytes([len(b)]) + b


def mp_str16(s):
    b = s.encode()
    return b"\xda" + len(b).to_bytes(2, "big") + b


def mp_arr16(n):
    return b"\xdc" + n.to_bytes(2, "big")


def mp_map16(n):
    return b"\xde" + n.to_bytes(2, "big")


def mp_bin16(b):
    return b"\xc5" + len(b).to_bytes(2, "big") + b


def cb_head(major, v, width=None):
    if width is None:
        return _cb_min(major, v)
    ai = {1: 24, 2: 25, 4: 26, 8: 27}[width]
    return bytes([major << 5 | ai]) + v.to_bytes(width, "big")


def _cb_min(major, v):
    if v < 24:
        return bytes([major << 5 | v])
    for w, ai in ((1, 24), (2, 25), (4, 26), (8, 27)):
        if v < 1 << (8 * w):
            return bytes([major << 5 | ai]) + v.to_bytes(w, "big")
    raise ValueError(v)


def cb_text(s, width=None):
    b = s.encode()
    return cb_head(3, len(b), width) + b


# ---------------------------------------------------------------------------- builder


def build(reg, js, sources):
    files = []
    for ser in SERIALIZERS:
        files.append(_build_one(reg, js, sources, ser))
    return files


def _shapes_plain(ser):
    out = []
    for name, args, kwargs in taxonomy_cases():
        if name in ("large_1mib",):
            continue
        if ser == "msgpack" and not (msgpack_safe(args) and msgpack_safe(kwargs)):
            continue
        out.append((name, args, kwargs))
    return out


BASIC_SHAPES = [
    ("none", None, None),
    ("args", ["hello", 1], None),
    ("args_kwargs", [1, "two", None], {"three": 3.0, "four": [4]}),
    ("kwargs_only", [], {"a": 1}),
    ("null_args_with_kwargs", None, {"a": 1}),
]

ENC_SHAPES = ["args_only", "empty_args_empty_kwargs", "null_args_null_kwargs", "kwargs_only", "return_value_form",
              "unicode_non_bmp", "bytes_values", "nan_infinity", "big_integers", "control_characters", "floats",
              "random_0"]

# Sealed type -> (its forward, the sealing/opening ring, uri, ids of sealed, ids of forward)
FLOWS = [
    ("PUBLISH", "EVENT", CALLER_RING, CALLEE_RING, T),
    ("CALL", "INVOCATION", CALLER_RING, CALLEE_RING, P),
    ("YIELD", "RESULT", CALLEE_RING, CALLER_RING, P),
    ("ERROR", "ERROR", CALLEE_RING, CALLER_RING, E),
]


def _build_one(reg, js, sources, ser):
    fname = "message_%s_test.json" % ser
    tf = TestFile(fname, "WAMP-cryptobox messages (%s)" % ser, "message_test.schema.json",
                  [HEADER_LINES[0] % {"json": "JSON", "msgpack": "MessagePack", "cbor": "CBOR"}[ser]] + HEADER_LINES[1:],
                  {k: {"bugType": v[0], "description": v[1]} for k, v in NOTES.items()})
    src = sources["autobahn"]
    tax = {n: (a, k) for n, a, k in taxonomy_cases()}

    def check_roundtrip(frame, st):
        status, parsed = A.unserialize(frame, ser)
        assert status == "ok", (st, parsed)
        assert A.msg_struct(parsed) == st, (A.msg_struct(parsed), st)
        return parsed

    # ------------------------------------------------------------------ plain frames (bidirectional)
    g = tf.group(type="FrameTest", operation="frame", serializer=ser, source=src)
    k = 0
    for tname in ("PUBLISH", "EVENT", "CALL", "INVOCATION", "YIELD", "RESULT", "ERROR"):
        uri = {"PUBLISH": T, "CALL": P, "ERROR": E}.get(tname)
        for si, (sname, args, kwargs) in enumerate(BASIC_SHAPES):
            if tname == "PUBLISH" and sname == "null_args_with_kwargs":
                continue  # Autobahn cannot parse its own PUBLISH of this shape: see frame_decode
            for vi, opts in enumerate(VARIANTS[tname]):
                ids = (IDS[(k) % len(IDS)], IDS[(k + 3) % len(IDS)]) if tname != "ERROR" else (IDS[k % len(IDS)], 48 if vi == 0 else 68)
                k += 1
                m = make(tname, ids, uri, opts, args=args, kwargs=kwargs)
                frame = A.serialize(m, ser)
                st = A.msg_struct(m)
                check_roundtrip(frame, st)
                nid = 2 if tname in ("EVENT", "INVOCATION") else 1
                flags = ["Plain"] + (["OptionsVariant"] if opts else []) + \
                    (["IdBoundary"] if any(i in IDS[2:] for i in ids[:nid]) else []) + \
                    (["NullArgsWithKwargs"] if sname == "null_args_with_kwargs" else [])
                g.add(reg, "plain/%s/%s/v%d" % (tname, sname, vi), "%s, %s, options variant %d" % (tname, sname, vi),
                      "valid", flags, message=st, frame=h(frame))
    gq = tf.group(type="FrameDecodeTest", operation="frame_decode", serializer=ser, source=src)
    for tname in ("PUBLISH", "CALL", "RESULT"):
        uri = {"PUBLISH": T, "CALL": P}.get(tname)
        for sname, args, kwargs in _shapes_plain(ser):
            if sname == "text_64k" and tname != "PUBLISH":
                continue
            if sname == "null_args_with_kwargs" and tname == "PUBLISH":
                continue
            m = make(tname, (77, 0), uri, {}, args=args, kwargs=kwargs)
            frame = A.serialize(m, ser)
            st = A.msg_struct(m)
            qflags, strict_ok = nul_quirk(args, kwargs) if ser == "json" else ([], True)
            if qflags:
                # JSON reads a str starting with U+0000 back as bytes: decode-only, as Python reads it.
                status, parsed = A.unserialize(frame, ser)
                assert status == "ok"
                fields = {"frame": h(frame), "message": raw_to_struct(loads(ser, frame))}
                if not strict_ok:
                    fields["error"] = "invalid_base64"
                gq.add(reg, "quirk/%s/taxonomy/%s" % (tname, sname), "%s with arguments %s: a str starting with "
                       "U+0000 comes back as bytes" % (tname, sname), "valid" if strict_ok else "acceptable",
                       ["Plain", "TaxonomyShape"] + qflags, **fields)
                continue
            check_roundtrip(frame, st)
            flags = ["Plain", "RandomPayload" if sname.startswith("random_") else "TaxonomyShape"] + \
                (["NullArgsWithKwargs"] if sname == "null_args_with_kwargs" else [])
            g.add(reg, "plain/%s/taxonomy/%s" % (tname, sname), "%s with arguments %s" % (tname, sname), "valid",
                  flags, message=st, frame=h(frame))

    # ------------------------------------------------------------------ encrypted: seal, forward, open
    gs = {}
    go = {}
    gf = tf.group(type="FrameTest", operation="frame", serializer=ser, source=src)
    for ring_name, ring in (("caller", CALLER_RING), ("callee", CALLEE_RING)):
        gs[ring_name] = tf.group(type="FrameSealTest", operation="frame_seal", serializer=ser, source=src,
                                 keyring=ring)
        go[ring_name] = tf.group(type="FrameOpenTest", operation="frame_decode_open", serializer=ser, source=src,
                                 keyring=ring)
    kr = {"caller": A.make_keyring(CALLER_RING), "callee": A.make_keyring(CALLEE_RING)}
    ring_of = {id(CALLER_RING): "caller", id(CALLEE_RING): "callee"}
    opened_examples = {}
    for si, sname in enumerate(ENC_SHAPES):
        args, kwargs = tax[sname]
        for sealed, fwd, seal_ring, open_ring, uri in FLOWS:
            sr, orr = ring_of[id(seal_ring)], ring_of[id(open_ring)]
            vs = VARIANTS[sealed]
            opts = vs[si % len(vs)]
            ids = (1000 + si, 68)
            nonce = det_bytes("message/%s/%s/%s" % (ser, sealed, sname), 24)
            ep = A.encode(kr[sr], A.SEAL_ORIGINATING[sealed], uri, args, kwargs, nonce)
            assert ep is not None
            m = make(sealed, ids, uri if sealed != "YIELD" else None, opts, payload=ep.payload, enc=ep)
            frame = A.serialize(m, ser)
            st = A.msg_struct(m)
            check_roundtrip(frame, st)
            plain = plain_struct(sealed, ids, uri if sealed != "YIELD" else None, opts, args, kwargs)
            flags = ["Encrypted", "RoleSelection"] + (["OptionsVariant"] if opts else []) + \
                (["RandomPayload"] if sname.startswith("random_") else ["TaxonomyShape"])
            gs[sr].add(reg, "seal/%s/%s" % (sealed, sname), "%s sealing arguments %s (%s side keyring)" %
                       (sealed, sname, sr), "valid", flags, message=plain, payloadUri=uri, nonce=h(nonce),
                       frame=h(frame))
            gf.add(reg, "encrypted/%s/%s" % (sealed, sname), "encrypted %s, arguments %s" % (sealed, sname), "valid",
                   [f for f in flags if f != "RoleSelection"], message=st, frame=h(frame))
            # the router's forward
            fvs = VARIANTS[fwd]
            fopts = dict(fvs[(si + 1) % len(fvs)])
            fids = (2000 + si, 3000 + si) if fwd != "ERROR" else (2000 + si, 48)
            fm = make(fwd, fids, uri if fwd == "ERROR" else None, fopts, payload=ep.payload, enc=ep)
            fframe = A.serialize(fm, ser)
            fst = A.msg_struct(fm)
            check_roundtrip(fframe, fst)
            gf.add(reg, "forwarded/%s/%s" % (fwd, sname), "%s forwarded from %s, arguments %s" % (fwd, sealed, sname),
                   "valid", ["Encrypted", "Forwarded"] + (["OptionsVariant"] if fopts else []) +
                   (["RandomPayload"] if sname.startswith("random_") else ["TaxonomyShape"]), message=fst,
                   frame=h(fframe))
            # the receiver opens it
            status, parsed = A.unserialize(fframe, ser)
            assert status == "ok"
            dstatus, res = A.decode(kr[orr], A.OPEN_ORIGINATING[fwd], uri, parsed.payload, parsed.enc_algo,
                                    parsed.enc_serializer)
            assert dstatus == "ok", (dstatus, res)
            ost = opened_struct(parsed, res[0], res[1])
            qflags, strict_ok = nul_quirk(args, kwargs)
            go[orr].add(reg, "open/%s/%s" % (fwd, sname), "%s opened by the %s side, arguments %s%s" %
                        (fwd, orr, sname, ": a str starting with U+0000 comes back as bytes" if qflags else ""),
                        "valid" if strict_ok else "acceptable", ["Encrypted", "Forwarded", "RoleSelection"] + qflags +
                        (["RandomPayload"] if sname.startswith("random_") else ["TaxonomyShape"]),
                        frame=h(fframe), uri=uri, message=ost, **({} if strict_ok else {"error": "malformed_plaintext"}))
            opened_examples[(fwd, sname)] = (fm, ep, uri, orr)
            js.check({"op": "box_open", "sk": h(base64.b64decode(SAMPLE_RESPONDER_PRIV)),
                      "pk": h(base64.b64decode(SAMPLE_ORIGINATOR_PUB)), "nonce": h(ep.payload[:24]),
                      "ct": h(ep.payload[24:])}, h(A.dumps_json({"uri": uri, "args": args, "kwargs": kwargs})),
                     "%s/%s/%s" % (ser, fwd, sname))

    # seal with no matching key: the plain frame goes out
    for sealed, ring_name, uri in (("PUBLISH", "caller", "org.unencrypted.topic"), ("CALL", "caller", "org.unencrypted.proc"),
                                   ("YIELD", "callee", "org.unencrypted.proc"), ("ERROR", "callee", "org.unencrypted.error")):
        args, kwargs = ["in the clear"], {"n": 1}
        nonce = det_bytes("message/%s/nokey/%s" % (ser, sealed), 24)
        assert A.encode(kr[ring_name], A.SEAL_ORIGINATING[sealed], uri, args, kwargs, nonce) is None
        m = make(sealed, (9, 68), uri if sealed != "YIELD" else None, {}, args=args, kwargs=kwargs)
        frame = A.serialize(m, ser)
        gs[ring_name].add(reg, "seal/nokey/%s" % sealed, "%s for %s: no key, sent in plaintext" % (sealed, uri), "valid",
                          ["Plain", "NoMatchingKey"], message=plain_struct(sealed, (9, 68), uri if sealed != "YIELD" else None,
                                                                           {}, args, kwargs),
                          payloadUri=uri, nonce=h(nonce), frame=h(frame))

    # ------------------------------------------------------------------ open: quirks and negatives
    def open_case(ring_name, key, comment, result, flags, frame, uri, error=None, expect_ok=None):
        status, parsed = A.unserialize(frame, ser)
        if status == "ok" and parsed.enc_algo:
            # As Autobahn's session: EVENT uses msg.topic or subscription.topic, INVOCATION msg.procedure or
            # registration.procedure.
            eff = getattr(parsed, "topic", None) if parsed.MESSAGE_TYPE == 36 else \
                getattr(parsed, "procedure", None) if parsed.MESSAGE_TYPE == 68 else None
            dstatus, res = A.decode(kr[ring_name], A.OPEN_ORIGINATING[A.TYPE_NAMES[parsed.MESSAGE_TYPE]], eff or uri,
                                    parsed.payload, parsed.enc_algo, parsed.enc_serializer)
        elif status == "ok":
            dstatus, res = "plain", None
        else:
            dstatus, res = "parse-error", parsed
        fields = {"frame": h(frame), "uri": uri}
        if result == "valid" or (result == "acceptable" and expect_ok):
            if dstatus == "ok":
                fields["message"] = opened_struct(parsed, res[0], res[1])
            else:
                assert dstatus == "plain", (key, dstatus, res)
                fields["message"] = raw_to_struct(loads(ser, frame))
        else:
            if "AutobahnAccepts" in flags:
                assert dstatus in ("ok", "plain"), (key, dstatus, res)
            else:
                assert dstatus not in ("ok", "plain"), (key, dstatus, res)
        if error:
            fields["error"] = error
        go[ring_name].add(reg, key, comment, result, flags, **fields)

    fm, ep, uri, _ = opened_examples[("EVENT", "args_only")]
    ev = lambda **kw: A.serialize(make("EVENT", (11, 12), None, kw.pop("opts", {}), **kw), ser)  # noqa: E731
    pay = ep.payload
    open_case("callee", "open-neg/event/flip-tag", "EVENT payload with a tag bit flipped", "invalid",
              ["ModifiedPayload"], ev(payload=flip_bit(pay, 200), enc=ep), T, "decrypt_failed")
    open_case("callee", "open-neg/event/flip-nonce", "EVENT payload with a nonce bit flipped", "invalid",
              ["ModifiedPayload"], ev(payload=flip_bit(pay, 3), enc=ep), T, "decrypt_failed")
    open_case("callee", "open-neg/event/flip-ct", "EVENT payload with a ciphertext bit flipped", "invalid",
              ["ModifiedPayload"], ev(payload=flip_bit(pay, len(pay) * 8 - 1), enc=ep), T, "decrypt_failed")
    for cut in (0, 1, 24, 39):
        m = make("EVENT", (11, 12), None, {}, payload=pay[:cut] or b"\x00", enc=ep)
        if cut == 0:
            # Autobahn's marshal() drops an empty payload; write the frame by hand.
            raw = [36, 11, 12, {"enc_algo": "cryptobox", "enc_serializer": "json"}, b""]
            frame = dumps(ser, raw)
        else:
            frame = A.serialize(m, ser)
        open_case("callee", "open-neg/event/short-%d" % cut, "EVENT payload of %d bytes" % cut, "invalid",
                  ["ShortPayload"] + (["EmptyPayload"] if cut == 0 else []), frame, T, "decrypt_failed")
    open_case("callee", "open-neg/event/uri-mismatch", "EVENT for subscription com.example.other carrying a payload "
              "sealed for com.example.topic", "invalid", ["UriMismatch"], ev(payload=pay, enc=ep),
              "com.example.other", "uri_mismatch")
    open_case("callee", "open-neg/event/no-key", "EVENT for a subscription no key covers", "invalid",
              ["NoMatchingKey"], ev(payload=pay, enc=ep), "org.unrelated.topic", "no_key")
    open_case("caller", "open-neg/event/missing-role", "EVENT opened with the caller-side keyring (no responder "
              "box)", "invalid", ["MissingRole", "RoleSelection"], ev(payload=pay, enc=ep), T, "missing_role")
    rfm, rep, ruri, _ = opened_examples[("RESULT", "args_only")]
    rframe = A.serialize(make("RESULT", (21, 0), None, {}, payload=rep.payload, enc=rep), ser)
    open_case("callee", "open-neg/result/missing-role", "RESULT opened with the callee-side keyring (no "
              "originator box)", "invalid", ["MissingRole", "RoleSelection"], rframe, P, "missing_role")
    ifm, iep, iuri, _ = opened_examples[("INVOCATION", "args_only")]
    iframe = A.serialize(make("INVOCATION", (31, 32), None, {}, payload=iep.payload, enc=iep), ser)
    open_case("caller", "open-neg/invocation/missing-role", "INVOCATION opened with the caller-side keyring",
              "invalid", ["MissingRole", "RoleSelection"], iframe, P, "missing_role")
    open_case("callee", "open-neg/invocation/uri-mismatch", "INVOCATION for registration com.example.other",
              "invalid", ["UriMismatch"], iframe, "com.example.other", "uri_mismatch")
    efm, eep, euri, _ = opened_examples[("ERROR", "args_only")]
    eframe = A.serialize(make("ERROR", (41, 48), "com.example.error.other", {}, payload=eep.payload, enc=eep), ser)
    open_case("caller", "open-neg/error/uri-mismatch", "ERROR com.example.error.other carrying a payload sealed for "
              "%s" % E, "invalid", ["UriMismatch"], eframe, "com.example.error.other", "uri_mismatch")
    # enc_* variations on an intact payload
    class Enc:  # noqa: E306
        def __init__(self, algo, ser_, key=None):
            self.enc_algo, self.enc_serializer, self.enc_key = algo, ser_, key
    for algo in ("xbr", "mqtt", "x_custom", "x_"):
        open_case("callee", "open-neg/event/enc-algo-%s" % algo, "EVENT with enc_algo %r" % algo, "invalid",
                  ["UnsupportedEncAlgo"], ev(payload=pay, enc=Enc(algo, "json")), T, "unsupported_enc_algo")
    for es in ("msgpack", "cbor", "x_custom"):
        open_case("callee", "open-neg/event/enc-serializer-%s" % es, "EVENT with enc_serializer %r" % es, "invalid",
                  ["UnknownEncSerializer"], ev(payload=pay, enc=Enc("cryptobox", es)), T,
                  "unsupported_enc_serializer")
    open_case("callee", "open-neg/event/no-enc-serializer", "EVENT with enc_algo but no enc_serializer", "invalid",
              ["MissingEncSerializer"], ev(payload=pay, enc=Enc("cryptobox", None)), T, "unsupported_enc_serializer")
    open_case("callee", "open-neg/event/no-enc-algo", "EVENT with a binary payload and no enc_* at all", "invalid",
              ["PayloadWithoutEncAlgo", "AutobahnAccepts"], ev(payload=pay, enc=Enc(None, None)), T,
              "unsupported_enc_algo")
    open_case("callee", "open/event/enc-key", "EVENT with an enc_key string", "valid", ["EncKey", "Encrypted"],
              ev(payload=pay, enc=Enc("cryptobox", "json", "some-key-id")), T)
    # Details.topic / Details.procedure take precedence over the receiver's URI.
    open_case("callee", "open/event/details-topic", "EVENT with Details.topic (pattern subscription com.example.)",
              "valid", ["DetailsUri", "Encrypted"], ev(payload=pay, enc=ep, opts={"topic": T}), "com.example.")
    open_case("callee", "open-neg/event/details-topic-mismatch", "EVENT with Details.topic com.example.other while "
              "the payload was sealed for com.example.topic (the subscription's URI)", "invalid",
              ["DetailsUri", "UriMismatch"], ev(payload=pay, enc=ep, opts={"topic": "com.example.other"}), T,
              "uri_mismatch")
    iframe2 = A.serialize(make("INVOCATION", (31, 32), None, {"procedure": P}, payload=iep.payload, enc=iep), ser)
    open_case("callee", "open/invocation/details-procedure", "INVOCATION with Details.procedure (pattern "
              "registration com.example.)", "valid", ["DetailsUri", "Encrypted"], iframe2, "com.example.")
    # A plain EVENT where the receiver holds a key.
    open_case("callee", "open/event/unencrypted", "plain EVENT for a topic the receiver holds a key for", "acceptable",
              ["UnencryptedMessage", "Plain"], ev(args=["clear"], kwargs={"k": 1}), T, "unsupported_enc_algo",
              expect_ok=True)
    if ser == "json":
        text = A.b64(pay)
        frame = ('[36,11,12,{"enc_algo":"cryptobox","enc_serializer":"json"},"\\u0000%s\\n%s"]' %
                 (text[:20], text[20:])).encode()
        open_case("callee", "open/event/lax-base64-newline", "EVENT payload base64 with an escaped newline inside "
                  "(Python's lax decoder skips it)", "acceptable", ["LaxBase64", "Encrypted"], frame, T,
                  "invalid_base64", expect_ok=True)

    # ------------------------------------------------------------------ frame_decode: valid non-canonical, quirks
    gdv = tf.group(type="FrameDecodeTest", operation="frame_decode", serializer=ser, source=src)

    def dec(key, comment, result, flags, frame, error=None, output=True):
        status, parsed = A.unserialize(frame, ser)
        fields = {"frame": h(frame)}
        if result == "valid":
            assert status == "ok", (key, parsed)
        elif result == "invalid":
            if "AutobahnAccepts" in flags:
                assert status == "ok", (key, parsed)
            else:
                assert status == "error", (key, A.msg_struct(parsed) if status == "ok" else None)
        if result != "invalid" and output:
            raw = loads(ser, frame)
            if ser == "cbor" and "CborTrailingData" in flags:
                pass
            fields["message"] = raw_to_struct(raw)
            if status == "ok" and result == "valid":
                # Autobahn's parse agrees with the wire content (modulo its own marshal order/dropping).
                ast = A.msg_struct(parsed)
                for f in ("request", "requestType", "subscription", "publication", "registration", "uri", "payload"):
                    if f in fields["message"] or f in ast:
                        assert ast.get(f) == fields["message"].get(f) or (f == "payload" and
                                                                          fields["message"].get(f) == ""), (key, f)
        if error:
            fields["error"] = error
        gdv.add(reg, key, comment, result, flags, **fields)

    base = [16, 1, {}, T]
    # Empty args/kwargs present
    for tname, raw in (("PUBLISH", [16, 1, {}, T, [], {}]), ("EVENT", [36, 1, 2, {}, [], {}]),
                       ("YIELD", [70, 1, {}, []]), ("RESULT", [50, 1, {}, [], {}])):
        dec("decode/empty-args-kwargs/%s" % tname, "%s with empty Arguments/ArgumentsKw on the wire" % tname, "valid",
            ["EmptyArgsKwargs", "Plain"], dumps(ser, raw))
    dec("decode/null-args-kwargs/PUBLISH", "PUBLISH [.., null, {a:1}] as Autobahn marshals publish(args=None, a=1): "
        "Autobahn's PUBLISH parser rejects it", "acceptable", ["NullArgsWithKwargs", "Plain"],
        dumps(ser, [16, 1, {}, T, None, {"a": 1}]), "protocol_error")
    dec("decode/empty-payload", "EVENT with a zero-length binary payload", "valid", ["EmptyPayload", "Encrypted"],
        dumps(ser, [36, 1, 2, {"enc_algo": "cryptobox", "enc_serializer": "json"}, b""]))
    dec("decode/payload-without-enc-algo", "EVENT with a binary payload and empty Details", "valid",
        ["PayloadWithoutEncAlgo"], dumps(ser, [36, 1, 2, {}, b"\x00\x01\x02"]))
    dec("decode/enc-algo-null", "PUBLISH payload with enc_algo null", "valid", ["PayloadWithoutEncAlgo"],
        dumps(ser, [16, 1, {"enc_algo": None}, T, b"\x00\x01\x02"]))
    for algo in ("xbr", "mqtt", "x_", "x_custom1"):
        dec("decode/enc-algo-%s" % algo, "PUBLISH with enc_algo %r (valid identifier)" % algo, "valid",
            ["UnsupportedEncAlgo", "Encrypted"], dumps(ser, [16, 1, {"enc_algo": algo, "enc_serializer": "json"}, T, b"\x01"]))
    for es in ("msgpack", "cbor", "ubjson", "flatbuffers", "x_custom"):
        dec("decode/enc-serializer-%s" % es, "PUBLISH with enc_serializer %r (valid identifier)" % es, "valid",
            ["UnknownEncSerializer", "Encrypted"], dumps(ser, [16, 1, {"enc_algo": "cryptobox", "enc_serializer": es}, T, b"\x01"]))
    dec("decode/enc-key", "PUBLISH with enc_key", "valid", ["EncKey", "Encrypted"],
        dumps(ser, [16, 1, {"enc_algo": "cryptobox", "enc_key": "kid", "enc_serializer": "json"}, T, b"\x01"]))
    dec("decode/enc-key-empty", "PUBLISH with an empty enc_key", "valid", ["EncKey", "Encrypted"],
        dumps(ser, [16, 1, {"enc_algo": "cryptobox", "enc_key": "", "enc_serializer": "json"}, T, b"\x01"]))
    dec("decode/no-enc-serializer", "PUBLISH with enc_algo and no enc_serializer", "valid",
        ["MissingEncSerializer", "Encrypted"], dumps(ser, [16, 1, {"enc_algo": "cryptobox"}, T, b"\x01"]))
    dec("decode/id-zero", "PUBLISH with request id 0", "valid", ["IdBoundary", "Plain"], dumps(ser, [16, 0, {}, T]))
    dec("decode/id-max", "EVENT with ids 2^53", "valid", ["IdBoundary", "Plain"],
        dumps(ser, [36, 2**53, 2**53, {}]))

    # Serializer-specific valid non-canonical encodings and quirks.
    if ser == "json":
        dec("decode/json/whitespace", "PUBLISH with whitespace around every token", "valid",
            ["NonCanonicalEncoding", "Plain"], b' [ 16 , 1 ,\n{ "acknowledge" : true } ,\t"com.example.topic" , [ 1 ] ] \n')
        dec("decode/json/pretty", "EVENT pretty-printed (indent 2)", "valid", ["NonCanonicalEncoding", "Plain"],
            json.dumps([36, 5, 6, {"publisher": 1}, ["a"], {"b": 2}], indent=2).encode())
        dec("decode/json/ascii-escapes", "PUBLISH with \\u escapes and an escaped slash in the topic and arguments",
            "valid", ["NonCanonicalEncoding", "Plain"],
            b'[16,1,{},"com\\u002eexample\\/topic",["\\u00e9\\ud83d\\ude00"]]')
        dec("decode/json/negative-zero-id", "PUBLISH with request id -0 (the integer 0)", "valid",
            ["NonCanonicalEncoding", "IdBoundary", "Plain"], b'[16,-0,{},"com.example.topic"]')
        dec("decode/json/exponent-arg", "PUBLISH with 1E2 and 0.5e-3 in Arguments (floats)", "valid",
            ["NonCanonicalEncoding", "Plain"], b'[16,1,{},"com.example.topic",[1E2,0.5e-3,-0.0]]')
        dec("decode/json/duplicate-option", "PUBLISH with acknowledge twice (true, then false)", "acceptable",
            ["DuplicateKey", "Plain"], b'[16,1,{"acknowledge":true,"acknowledge":false},"com.example.topic"]',
            "parse_error")
        dec("decode/json/lone-surrogate", "PUBLISH with a lone \\ud800 escape in Arguments", "acceptable",
            ["LoneSurrogate", "Plain"], b'[16,1,{},"com.example.topic",["\\ud800"]]', "parse_error", output=False)
        for name, b64text in (("padding-bits", "YR=="), ("newline", "AA\\nEC"), ("junk", "!!!!"),
                              ("urlsafe", "-_AAEC"), ("space", "AA EC"), ("excess-padding", "AAEC="),
                              ("leading-padding", "=AAEC")):
            dec("decode/json/lax-base64-%s" % name, "EVENT payload \"\\u0000%s\"" % b64text, "acceptable",
                ["LaxBase64", "Encrypted"],
                ('[36,1,2,{"enc_algo":"cryptobox","enc_serializer":"json"},"\\u0000%s"]' % b64text).encode(),
                "invalid_base64")
    elif ser == "msgpack":
        dec("decode/msgpack/wide-ints", "PUBLISH with request id as uint32 and type as uint8", "valid",
            ["NonCanonicalEncoding", "Plain"], b"\x94" + mp_uint(16, 1) + mp_uint(1, 4) + b"\x80" + mp_str8(T))
        dec("decode/msgpack/uint64-id", "EVENT with ids as uint64", "valid", ["NonCanonicalEncoding", "Plain"],
            b"\x94\x24" + mp_uint(5, 8) + mp_uint(6, 8) + b"\x80")
        dec("decode/msgpack/array16-map16-str16", "PUBLISH with array16, map16 and str16 headers", "valid",
            ["NonCanonicalEncoding", "Plain"], mp_arr16(5) + b"\x10\x01" + mp_map16(1) + mp_str16("acknowledge") +
            b"\xc3" + mp_str16(T) + mp_arr16(1) + mp_str8("x"))
        dec("decode/msgpack/bin16-payload", "EVENT with a 3-byte payload in bin16", "valid",
            ["NonCanonicalEncoding", "Encrypted"], b"\x95\x24\x01\x02\x82" + mp_str8("enc_algo") + mp_str8("cryptobox") +
            mp_str8("enc_serializer") + mp_str8("json") + mp_bin16(b"\x00\x01\x02"))
        dec("decode/msgpack/float32", "PUBLISH with a float32 argument (1.5)", "valid",
            ["NonCanonicalEncoding", "Plain"], b"\x95\x10\x01\x80" + mp_str8(T) + b"\x91\xca" + struct.pack(">f", 1.5))
        dec("decode/msgpack/negative-int-forms", "PUBLISH with -1 as int8/int16/int32/int64", "valid",
            ["NonCanonicalEncoding", "Plain"], b"\x95\x10\x01\x80" + mp_str8(T) + b"\x94\xd0\xff\xd1\xff\xff\xd2" +
            b"\xff" * 4 + b"\xd3" + b"\xff" * 8)
        dec("decode/msgpack/duplicate-option", "PUBLISH with acknowledge twice (true, then false)", "acceptable",
            ["DuplicateKey", "Plain"], b"\x94\x10\x01\x82" + mp_str8("acknowledge") + b"\xc3" + mp_str8("acknowledge") +
            b"\xc2" + mp_str8(T), "parse_error")
        dec("decode/msgpack/ext-in-args", "PUBLISH with an ext value in Arguments", "acceptable",
            ["MsgPackExtType", "Plain"], b"\x95\x10\x01\x80" + mp_str8(T) + b"\x91\xd4\x01\x00", "parse_error",
            output=False)
    else:
        dec("decode/cbor/indefinite", "PUBLISH with indefinite-length array, map and text", "valid",
            ["NonCanonicalEncoding", "Plain"], b"\x9f\x10\x01\xbf" + cb_text("acknowledge") + b"\xf5\xff" +
            b"\x7f" + cb_text("com.example.") + cb_text("topic") + b"\xff" + b"\x9f\x61x\xff\xff")
        dec("decode/cbor/wide-heads", "PUBLISH with 4- and 8-byte integer and length heads", "valid",
            ["NonCanonicalEncoding", "Plain"], cb_head(4, 4, 4) + cb_head(0, 16, 8) + cb_head(0, 1, 4) +
            cb_head(5, 0, 2) + cb_text(T, 8))
        dec("decode/cbor/indefinite-bytes-payload", "EVENT with the payload as an indefinite-length byte string",
            "valid", ["NonCanonicalEncoding", "Encrypted"], b"\x85\x18\x24\x01\x02\xa2" + cb_text("enc_algo") +
            cb_text("cryptobox") + cb_text("enc_serializer") + cb_text("json") + b"\x5f\x42\x00\x01\x41\x02\xff")
        dec("decode/cbor/half-single-floats", "PUBLISH with half- and single-precision floats in Arguments", "valid",
            ["NonCanonicalEncoding", "Plain"], b"\x85\x10\x01\xa0" + cb_text(T) + b"\x83\xf9\x3e\x00\xfa" +
            struct.pack(">f", 0.25) + b"\xf9\x7c\x00")
        dec("decode/cbor/bignum-small", "EVENT with ids written as bignums (tag 2)", "valid",
            ["NonCanonicalEncoding", "Plain"], b"\x84\x18\x24\xc2\x41\x05\xc2\x42\x01\x00\xa0")
        dec("decode/cbor/trailing", "PUBLISH followed by one extra byte (cbor2 ignores it)", "acceptable",
            ["CborTrailingData", "Plain"], cbor2.dumps([16, 1, {}, T]) + b"\x00", "parse_error")
        dec("decode/cbor/trailing-item", "PUBLISH followed by a second item", "acceptable",
            ["CborTrailingData", "Plain"], cbor2.dumps([16, 1, {}, T]) + cbor2.dumps([16, 2, {}, T]), "parse_error")
        dec("decode/cbor/duplicate-option", "PUBLISH with acknowledge twice (true, then false)", "acceptable",
            ["DuplicateKey", "Plain"], b"\x84\x10\x01\xa2" + cb_text("acknowledge") + b"\xf5" + cb_text("acknowledge") +
            b"\xf4" + cb_text(T), "parse_error")
        for name, item in (("datetime-tag", b"\xc0" + cb_text("2013-03-21T20:04:00Z")), ("undefined", b"\xf7"),
                           ("simple", b"\xf0"), ("uri-tag", b"\xd8\x20" + cb_text("http://x"))):
            dec("decode/cbor/%s" % name, "PUBLISH with a CBOR %s in Arguments" % name, "acceptable",
                ["CborTag", "Plain"], b"\x85\x10\x01\xa0" + cb_text(T) + b"\x81" + item, "parse_error", output=False)

    # ------------------------------------------------------------------ frame_decode: invalid
    gdn = tf.group(type="FrameDecodeTest", operation="frame_decode", serializer=ser, source=src)

    def bad(key, comment, flags, frame, error="protocol_error"):
        status, parsed = A.unserialize(frame, ser)
        if "AutobahnAccepts" in flags:
            assert status == "ok", key
        else:
            assert status == "error", (key, frame, A.msg_struct(parsed) if status == "ok" else None)
        gdn.add(reg, key, comment, "invalid", flags, frame=h(frame), error=error)

    def bad_raw(key, comment, flags, raw, error="protocol_error"):
        bad(key, comment, flags, dumps(ser, raw), error)

    for name, raw in (("object", {"type": 16}), ("string", "PUBLISH"), ("integer", 16), ("null", None)):
        bad_raw("bad/not-a-list/%s" % name, "frame is a %s" % name, ["NotAList"], raw)
    bad_raw("bad/type/empty", "empty array", ["BadMessageType"], [])
    for name, t in (("string", "16"), ("float", 16.0), ("bool", True), ("null", None), ("unknown", 99),
                    ("negative", -16), ("list", [16])):
        bad_raw("bad/type/%s" % name, "message type %r" % (t,), ["BadMessageType"], [t, 1, {}, T])
    shapes = {
        "PUBLISH": ([16, 1, {}, T], [16, 1, {}, T, [], {}]),
        "EVENT": ([36, 1, 2, {}], [36, 1, 2, {}, [], {}]),
        "CALL": ([48, 1, {}, P], [48, 1, {}, P, [], {}]),
        "INVOCATION": ([68, 1, 2, {}], [68, 1, 2, {}, [], {}]),
        "YIELD": ([70, 1, {}], [70, 1, {}, [], {}]),
        "RESULT": ([50, 1, {}], [50, 1, {}, [], {}]),
        "ERROR": ([8, 48, 1, {}, E], [8, 48, 1, {}, E, [], {}]),
    }
    for tname, (shortest, longest) in shapes.items():
        bad_raw("bad/length/%s/short" % tname, "%s with %d elements" % (tname, len(shortest) - 1), ["WrongLength"],
                shortest[:-1])
        bad_raw("bad/length/%s/long" % tname, "%s with %d elements" % (tname, len(longest) + 1), ["WrongLength"],
                longest + [{}])
        bad_raw("bad/length/%s/type-only" % tname, "%s with the type alone" % tname, ["WrongLength"], shortest[:1])
        idpos = [1] if tname not in ("EVENT", "INVOCATION", "ERROR") else ([1, 2] if tname != "ERROR" else [2])
        for pos in idpos:
            for name, v in (("string", "1"), ("negative", -1), ("too-big", 2**53 + 1), ("float", 1.0),
                            ("bool", True), ("null", None)):
                raw = list(shortest)
                raw[pos] = v
                bad_raw("bad/id/%s/%d/%s" % (tname, pos, name), "%s element %d is %r" % (tname, pos, v), ["BadId"], raw)
        optpos = {"PUBLISH": 2, "EVENT": 3, "CALL": 2, "INVOCATION": 3, "YIELD": 2, "RESULT": 2, "ERROR": 3}[tname]
        for name, v in (("list", []), ("null", None), ("string", "x"), ("integer", 1)):
            raw = list(shortest)
            raw[optpos] = v
            bad_raw("bad/options/%s/%s" % (tname, name), "%s Options/Details is %r" % (tname, v), ["BadOptions"], raw)
        if ser != "json":
            raw = list(shortest)
            raw[optpos] = {1: True}
            bad_raw("bad/options/%s/int-key" % tname, "%s Options/Details with an integer key" % tname,
                    ["BadOptions", "NonTextMapKey"], raw, "parse_error")
        if tname in ("PUBLISH", "CALL", "ERROR"):
            upos = optpos + 1
            for name, v in (("integer", 1), ("null", None), ("list", []), ("empty", ""), ("space", "com.example.a b"),
                            ("empty-component", "com..example"), ("hash", "com.example.#"), ("trailing-dot", "com.")):
                raw = list(shortest)
                raw[upos] = v
                bad_raw("bad/uri/%s/%s" % (tname, name), "%s URI %r" % (tname, v), ["BadUri"], raw)
        for name, v in (("object", {"a": 1}), ("integer", 1), ("true", True)):
            bad_raw("bad/args/%s/%s" % (tname, name), "%s Arguments is %r" % (tname, v), ["BadArgs"], shortest + [v])
        for name, v in (("list", [1]), ("integer", 1), ("string", "k"), ("null", None), ("bytes", b"k")):
            bad_raw("bad/kwargs/%s/%s" % (tname, name), "%s ArgumentsKw is %r" % (tname, v), ["BadArgs"],
                    shortest + [[], v])
        bad_raw("bad/payload-text/%s" % tname, "%s with a text string where the payload belongs" % tname,
                ["PayloadNotBinary"], shortest[:optpos] + [{"enc_algo": "cryptobox", "enc_serializer": "json"}] +
                shortest[optpos + 1:] + ["AAECAw"])
        raw = shortest[:optpos] + [{"enc_algo": "cryptobox", "enc_serializer": "json"}] + shortest[optpos + 1:] + \
            [b"\x00\x01", {}]
        if tname == "PUBLISH":
            dec("bad/payload-with-kwargs/%s" % tname, "PUBLISH with a binary element followed by ArgumentsKw "
                "(Autobahn: bytes Arguments)", "acceptable", ["PayloadWithKwargs", "PublishScalarArgs"],
                dumps(ser, raw), "protocol_error")
            dec("quirk/publish-str-args", "PUBLISH with a text Arguments element followed by ArgumentsKw",
                "acceptable", ["PublishScalarArgs", "Plain"], dumps(ser, [16, 1, {}, T, "x", {}]), "protocol_error")
        else:
            bad_raw("bad/payload-with-kwargs/%s" % tname, "%s with a binary payload followed by ArgumentsKw" % tname,
                    ["PayloadWithKwargs"], raw)
    for tname, raw, what in (("PUBLISH", [16, 1, {"acknowledge": 1}, T], "acknowledge: 1"),
                             ("PUBLISH", [16, 1, {"exclude": "x"}, T], "exclude: \"x\""),
                             ("CALL", [48, 1, {"timeout": -1}, P], "timeout: -1"),
                             ("CALL", [48, 1, {"timeout": 1.5}, P], "timeout: 1.5"),
                             ("CALL", [48, 1, {"receive_progress": "yes"}, P], "receive_progress: \"yes\""),
                             ("EVENT", [36, 1, 2, {"publisher": "alice"}], "publisher: \"alice\""),
                             ("EVENT", [36, 1, 2, {"topic": 5}], "topic: 5"),
                             ("RESULT", [50, 1, {"progress": 1}], "progress: 1"),
                             ("YIELD", [70, 1, {"callee": "x"}], "callee: \"x\""),
                             ("INVOCATION", [68, 1, 2, {"caller": "x"}], "caller: \"x\""),
                             ("ERROR", [8, 48, 1, {"callee_authid": 5}, E], "callee_authid: 5")):
        bad_raw("decode/option-type/%s/%s" % (tname, what), "%s with %s" % (tname, what), ["OptionValueType"], raw)
    for algo in ("x_a", "x_Ab"):
        bad_raw("decode/enc-algo-%s" % algo, "PUBLISH with enc_algo %r (outside ^x_([a-z][\\da-z_]+)?$)" % algo,
                ["InvalidEncAlgo", "CustomIdentifierPattern"], [16, 1, {"enc_algo": algo, "enc_serializer": "json"}, T,
                                                                b"\x01"])
    bad_raw("bad/id/ERROR/request-type-49", "ERROR with request type 49 (not a request)", ["BadId"], [8, 49, 1, {}, E])
    bad_raw("bad/id/ERROR/request-type-string", "ERROR with request type \"48\"", ["BadId"], [8, "48", 1, {}, E])
    enc_base = lambda o: [36, 1, 2, o, b"\x00\x01\x02"]  # noqa: E731
    for name, v in (("unknown", "foo"), ("upper", "CRYPTOBOX"), ("empty", ""), ("integer", 5), ("list", ["cryptobox"]),
                    ("x-upper", "X_custom")):
        bad_raw("bad/enc-algo/%s" % name, "EVENT with enc_algo %r" % (v,), ["InvalidEncAlgo"],
                enc_base({"enc_algo": v, "enc_serializer": "json"}))
    for name, v in (("unknown", "yaml"), ("upper", "JSON"), ("empty", ""), ("integer", 5)):
        bad_raw("bad/enc-serializer/%s" % name, "EVENT with enc_serializer %r" % (v,), ["InvalidEncSerializer"],
                enc_base({"enc_algo": "cryptobox", "enc_serializer": v}))
    for name, v in (("integer", 5), ("zero", 0), ("list", ["k"]), ("bytes", b"k")):
        bad_raw("bad/enc-key/%s" % name, "EVENT with enc_key %r" % (v,), ["InvalidEncKey"],
                enc_base({"enc_algo": "cryptobox", "enc_key": v, "enc_serializer": "json"}))
    bad_raw("bad/enc-algo-with-serializer-null", "PUBLISH payload with enc_algo null and enc_serializer json",
            ["InvalidEncAlgo"], [16, 1, {"enc_algo": None, "enc_serializer": "json"}, T, b"\x01"])

    # Syntax-level negatives and truncations.
    pfm = opened_examples[("EVENT", "args_only")][0]
    efr = A.serialize(pfm, ser)
    plain_frame = A.serialize(make("PUBLISH", (1, 0), T, {"acknowledge": True}, args=["x", 1.5], kwargs={"k": b"\x01"}), ser)
    # Every truncation of a short plain frame; for the encrypted frame every truncation up to and including
    # the payload's header, then a sample inside the opaque payload bytes.
    payload_at = efr.find(pfm.payload) if ser != "json" else efr.find(A.b64(pfm.payload).encode())
    assert payload_at > 0
    for which, fr in (("plain", plain_frame), ("encrypted", efr)):
        if which == "plain":
            cuts = range(len(fr))
        else:
            cuts = sorted(set(range(payload_at + 1)) | {payload_at + 1, payload_at + 16, payload_at + 39,
                                                        payload_at + 40, len(fr) - 2, len(fr) - 1})
        for cut in cuts:
            bad("bad/truncated/%s/%d" % (which, cut), "%s frame (%d bytes) truncated to %d bytes" %
                (which, len(fr), cut), ["Truncated"], fr[:cut], "parse_error")
    if ser == "json":
        for name, frame in (("garbage", plain_frame + b"x"), ("second-document", plain_frame + plain_frame),
                            ("nul", plain_frame + b"\x00")):
            bad("bad/trailing/%s" % name, "frame followed by %s" % name, ["TrailingData"], frame, "parse_error")
        for name, frame in (
                ("bom", b"\xef\xbb\xbf" + plain_frame),
                ("single-quotes", b"[16,1,{},'com.example.topic']"),
                ("trailing-comma", b'[16,1,{},"com.example.topic",]'),
                ("leading-zero", b'[16,01,{},"com.example.topic"]'),
                ("raw-control", b'[16,1,{},"com.example.topic",["a\nb"]]'),
                ("bad-escape", b'[16,1,{},"com.example.topic",["\\x"]]'),
                ("unquoted-key", b'[16,1,{acknowledge:true},"com.example.topic"]'),
                ("lowercase-nan", b'[16,1,{},"com.example.topic",[nan]]'),
                ("empty", b""),
                ("whitespace-only", b" \n"),
                ("comment", b'[16,1,{},"com.example.topic"]//x'),
                ("unterminated-string", b'[16,1,{},"com.example.topic]'),
        ):
            bad("bad/json/%s" % name, "invalid JSON: %s" % name, ["InvalidSyntax"], frame, "parse_error")
        for name, frame in (("byte-ff", b'[16,1,{},"com.example.topic",["\xff"]]'),
                            ("overlong", b'[16,1,{},"com.example.topic",["\xc0\xaf"]]'),
                            ("surrogate", b'[16,1,{},"com.example.topic",["\xed\xa0\x80"]]'),
                            ("truncated-sequence", b'[16,1,{},"com.example.t\xc3"]'),
                            ("outside-string", b'[16,1,{},"com.example.topic"]\xff')):
            bad("bad/json/utf8-%s" % name, "invalid UTF-8: %s" % name, ["InvalidUtf8"], frame, "invalid_utf8")
        for name, text in (("missing-padding", "AAE"), ("one-char", "A"), ("five-chars", "AAECA"), ("pad-inside", "AA=C"),
                           ("triple-pad", "A===")):
            bad("bad/json/base64-%s" % name, "EVENT payload \"\\u0000%s\"" % text, ["InvalidBase64"],
                ('[36,1,2,{"enc_algo":"cryptobox","enc_serializer":"json"},"\\u0000%s"]' % text).encode(),
                "invalid_base64")
        bad("bad/json/binary-enc-key", "EVENT with enc_key a JSON binary string", ["InvalidEncKey"],
            b'[36,1,2,{"enc_algo":"cryptobox","enc_key":"\\u0000AAEC","enc_serializer":"json"},"\\u0000AAEC"]')
    elif ser == "msgpack":
        for name, frame in (("byte", plain_frame + b"\x00"), ("second-item", plain_frame + plain_frame)):
            bad("bad/trailing/%s" % name, "frame followed by %s" % name, ["TrailingData"], frame, "parse_error")
        bad("bad/msgpack/reserved-c1", "the never-used byte 0xc1 as an element", ["InvalidSyntax"],
            b"\x94\x10\x01\x80\xc1", "parse_error")
        bad("bad/msgpack/utf8-ff", "str with byte 0xff", ["InvalidUtf8"], b"\x94\x10\x01\x80\xa1\xff", "invalid_utf8")
        bad("bad/msgpack/utf8-overlong", "str with an overlong sequence", ["InvalidUtf8"],
            b"\x94\x10\x01\x80\xa2\xc0\xaf", "invalid_utf8")
        bad("bad/msgpack/utf8-in-key", "Options key with byte 0xff", ["InvalidUtf8"],
            b"\x94\x10\x01\x81\xa1\xff\xc3" + mp_str8(T), "invalid_utf8")
        bad("bad/msgpack/ext-payload", "EVENT with an ext value where the payload belongs", ["PayloadNotBinary"],
            b"\x95\x24\x01\x02\x81" + mp_str8("enc_algo") + mp_str8("cryptobox") + b"\xd4\x01\x00", "parse_error")
        bad("bad/msgpack/array-count-too-big", "array header says 5, 4 elements follow", ["Truncated"],
            b"\x95\x10\x01\x80" + mp_str8(T), "parse_error")
        bad("bad/msgpack/bin-length-too-big", "bin8 length beyond the frame", ["Truncated"],
            b"\x95\x24\x01\x02\x80\xc4\x10\x00", "parse_error")
    else:
        # CBOR trailing data is a flagged quirk (see decode/cbor/trailing).
        bad("bad/cbor/break-outside", "a break byte (0xff) as an element", ["InvalidSyntax"],
            b"\x84\x10\x01\xa0\xff", "parse_error")
        bad("bad/cbor/reserved-ai", "reserved additional information 28", ["InvalidSyntax"],
            b"\x84\x10\x01\xa0\x1c", "parse_error")
        bad("bad/cbor/utf8-ff", "text with byte 0xff", ["InvalidUtf8"], b"\x84\x10\x01\xa0\x61\xff", "invalid_utf8")
        bad("bad/cbor/utf8-overlong", "text with an overlong sequence", ["InvalidUtf8"],
            b"\x84\x10\x01\xa0\x62\xc0\xaf", "invalid_utf8")
        bad("bad/cbor/tagged-payload", "EVENT with the payload wrapped in tag 24", ["PayloadNotBinary"],
            b"\x85\x18\x24\x01\x02\xa1" + cb_text("enc_algo") + cb_text("cryptobox") + b"\xd8\x18\x43\x00\x01\x02",
            "parse_error")
        bad("bad/cbor/array-count-too-big", "array header says 5, 4 elements follow", ["Truncated"],
            b"\x85\x10\x01\xa0" + cb_text(T), "parse_error")
        bad("bad/cbor/indefinite-unterminated", "indefinite array without its break", ["Truncated"],
            b"\x9f\x10\x01\xa0" + cb_text(T), "parse_error")
        bad("bad/cbor/text-chunk-bytes", "indefinite text string with a byte-string chunk", ["InvalidSyntax"],
            b"\x84\x10\x01\xa0\x7f\x41\x61\xff", "parse_error")

    import types
    import layer_depth
    layer_depth.add(types.SimpleNamespace(ser=ser, tf=tf, reg=reg, js=js, src=src, make=make, dumps=dumps, loads=loads,
                                          plain_struct=plain_struct, opened_struct=opened_struct,
                                          CALLER_RING=CALLER_RING, CALLEE_RING=CALLEE_RING))

    # Keep only the flags this file uses.
    used = {f for gr in tf.groups for t in gr.tests for f in t["flags"]}
    tf.notes = {k: v for k, v in tf.notes.items() if k in used}
    return tf
