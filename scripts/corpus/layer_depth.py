"""Depth vectors of the message layer (issue 10, item 3), added to each
message_<serializer>_test.json by layer_message.

Each family targets one class of defect that the first corpus caught with too
few vectors (or none), across the three serializers:

- every Options/Details attribute check of Autobahn's parser, with values of
  the right and of wrong types; the verdict is Autobahn's own parse, and the
  generator asserts it agrees with the documented rule table OPTION_RULES
  (which fixtures/README.md prints);
- URIs with whitespace by Python's `\\s` (Unicode-aware, includes U+001C..1F,
  U+0085, U+00A0, ...), look-alikes that are not whitespace (U+200B, U+FEFF,
  U+180E), a final newline (Python's `$` matches before it), NFC/NFD and
  case, in decoding, sealing and opening;
- empty vs absent Arguments/ArgumentsKw, on the wire and through seal/open;
- keyrings whose matched entry lacks the needed box while a shorter prefix or
  the default key has it (no fallback), in seal and open;
- the order of the opening checks (the MAC before enc_serializer);
- null enc_* values (absent) and enc_serializer/enc_key without enc_algo.

Every expected value comes from Autobahn|Python (its parse, marshal,
KeyRing.encode/decode); nothing here is typed in as an answer."""

import base64
import unicodedata

from common import det_bytes, flip_bit, h
from wampbox_py import autobahn_ref as A
from wampbox_py.messages import raw_to_struct
from wampbox_py.typed import tv
from layer_box import SAMPLE_ORIGINATOR_PRIV, SAMPLE_ORIGINATOR_PUB, SAMPLE_RESPONDER_PRIV, SAMPLE_RESPONDER_PUB

# Options/Details attributes Autobahn 22.7.1's message parsers check, per message type, with the check
# (autobahn/wamp/message.py, each class's parse() plus the constructor's assertions).
OPTION_RULES = {
    "PUBLISH": [("acknowledge", "bool"), ("exclude_me", "bool"), ("exclude", "int_list"),
                ("exclude_authid", "str_list"), ("exclude_authrole", "str_list"), ("eligible", "int_list"),
                ("eligible_authid", "str_list"), ("eligible_authrole", "str_list"), ("retain", "bool"),
                ("transaction_hash", "str"), ("forward_for", "forward_for")],
    "EVENT": [("publisher", "int"), ("publisher_authid", "str"), ("publisher_authrole", "str"), ("topic", "str"),
              ("retained", "bool"), ("transaction_hash", "str"), ("x_acknowledged_delivery", "bool"),
              ("forward_for", "forward_for")],
    "CALL": [("timeout", "nonneg_int"), ("receive_progress", "bool"), ("transaction_hash", "str"),
             ("caller", "int"), ("caller_authid", "str"), ("caller_authrole", "str"), ("forward_for", "forward_for")],
    "INVOCATION": [("timeout", "nonneg_int"), ("receive_progress", "bool"), ("caller", "int"),
                   ("caller_authid", "str"), ("caller_authrole", "str"), ("procedure", "str"),
                   ("transaction_hash", "str"), ("forward_for", "forward_for")],
    "YIELD": [("progress", "bool"), ("callee", "int"), ("callee_authid", "str"), ("callee_authrole", "str"),
              ("forward_for", "forward_for")],
    "RESULT": [("progress", "bool"), ("callee", "int"), ("callee_authid", "str"), ("callee_authrole", "str"),
               ("forward_for", "forward_for")],
    "ERROR": [("callee", "int"), ("callee_authid", "str"), ("callee_authrole", "str"), ("forward_for", "forward_for")],
}

FF_OK = {"session": 1, "authid": "a", "authrole": "r"}

# Candidate values per check: (label, value). Which are accepted is decided by Autobahn, and must match
# rule_accepts() below (the documented rule).
CANDIDATES = {
    "bool": [("true", True), ("false", False), ("int-1", 1), ("int-0", 0), ("str", "true"), ("null", None)],
    "int": [("zero", 0), ("negative", -1), ("2^53", 2**53), ("2^63", 2**63), ("float", 1.5), ("bool", True),
            ("str", "5"), ("null", None)],
    "nonneg_int": [("zero", 0), ("2^53", 2**53), ("negative", -1), ("float", 1.0), ("bool", True), ("str", "5"),
                   ("null", None)],
    "str": [("empty", ""), ("text", "x y"), ("int", 5), ("null", None), ("list", ["x"]), ("bytes", b"x"),
            ("bool", False)],
    "int_list": [("empty", []), ("ints", [1, 2**53]), ("mixed", [1, "a"]), ("float", [1.5]), ("bool", [True]),
                 ("str", "1"), ("dict", {}), ("null", None)],
    "str_list": [("empty", []), ("strs", ["a", ""]), ("mixed", ["a", 1]), ("null-item", [None]), ("str", "a"),
                 ("null", None)],
    "forward_for": [("empty", []), ("entry", [FF_OK]), ("authid-null", [{"session": 1, "authid": None,
                                                                         "authrole": "r"}]),
                    ("two", [FF_OK, {"session": 2**53, "authid": "b", "authrole": "s"}]),
                    ("dict", FF_OK), ("str", "x"), ("null", None), ("int-item", [1]),
                    ("session-str", [{"session": "1", "authid": "a", "authrole": "r"}]),
                    ("no-authid", [{"session": 1, "authrole": "r"}]),
                    ("no-authrole", [{"session": 1, "authid": "a"}]),
                    ("authrole-null", [{"session": 1, "authid": "a", "authrole": None}])],
}


def _is_int(v):
    return type(v) is int


def rule_accepts(kind, v):
    """The documented rule (fixtures/README.md, "Options and Details"): Python types, bool is not int."""
    if kind == "bool":
        return type(v) is bool
    if kind == "int":
        return _is_int(v)
    if kind == "nonneg_int":
        return _is_int(v) and v >= 0
    if kind == "str":
        return type(v) is str
    if kind in ("int_list", "str_list"):
        want = int if kind == "int_list" else str
        return type(v) is list and all(type(x) is want for x in v)
    if kind == "forward_for":
        return type(v) is list and all(
            type(ff) is dict and _is_int(ff.get("session")) and "authid" in ff and
            (ff["authid"] is None or type(ff["authid"]) is str) and type(ff.get("authrole")) is str for ff in v)
    raise ValueError(kind)


# Python's str.isspace() code points (what `\s` matches in a str pattern), sampled; and characters that are
# NOT whitespace for Python although other regex dialects or Unicode properties may say so.
PY_SPACES = ["\t", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f", " ", "\x85", "\xa0", "\u1680", "\u2000",
             "\u2007", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]
NOT_SPACES = ["\u200b", "\ufeff", "\u180e", "\u00ad", "\x7f", "\u2060"]

SEAL_ROLE = {"PUBLISH": True, "CALL": True, "YIELD": False, "ERROR": False}
OPEN_ROLE = {"EVENT": False, "INVOCATION": False, "RESULT": True, "ERROR": True}
FORWARD = {"PUBLISH": "EVENT", "CALL": "INVOCATION", "YIELD": "RESULT", "ERROR": "ERROR"}

NOTES = {
    "OptionCheck": ("MALFORMED_INPUT", "One attribute check of Autobahn's Options/Details parser (the table in "
                                       "fixtures/README.md, \"Options and Details\"), with a value of the checked "
                                       "type (valid: decoded as on the wire) or of another type (invalid: "
                                       "protocol_error). Python types: a bool is not an int, a float is never "
                                       "an int, null fails every check."),
    "UriWhitespace": ("MALFORMED_INPUT", "A URI containing a character that Python's `\\s` matches (str.isspace(): "
                                         "ASCII whitespace, U+001C..U+001F, U+0085, U+00A0, U+1680, U+2000..U+200A, "
                                         "U+2028, U+2029, U+202F, U+205F, U+3000): must fail (protocol_error)."),
    "UriNotWhitespace": ("EDGE_CASE", "A URI containing a character that is NOT whitespace for Python's `\\s` "
                                      "(U+200B, U+FEFF, U+180E, U+00AD, U+007F, U+2060) although other dialects "
                                      "(JavaScript's `\\s` matches U+FEFF) or Unicode properties may say so: valid."),
    "UriTrailingNewline": ("KNOWN_QUIRK", "A URI ending in one \"\\n\": Autobahn's re.match with `$` matches "
                                          "before a final newline, so the URI is accepted and kept with its "
                                          "newline (valid). Two newlines, \"\\r\\n\" or a newline elsewhere fail."),
    "UriNormalization": ("EDGE_CASE", "URIs in NFC and NFD form, or differing only in case: URIs are compared and "
                                      "looked up as exact code point sequences, never normalised or case-folded."),
    "EmptyVsAbsent": ("EDGE_CASE", "Arguments/ArgumentsKw empty, null or absent: marshal() writes kwargs only when "
                                   "non-empty (then args too, possibly null or []), args only when non-empty; the "
                                   "plaintext keeps null and [] / {} apart; a decoder returns exactly what is on "
                                   "the wire."),
    "NoRoleFallback": ("MISSING_STEP", "The longest matching keyring entry lacks the box the role needs while a "
                                       "shorter prefix or the default key has it: lookup must not fall back. Seal: "
                                       "Autobahn sends plaintext (PlaintextFallback); open: missing_role."),
    "CheckOrder": ("MISSING_STEP", "Two faults in one message: the opening steps run in Autobahn's order "
                                   "(enc_algo, key, role, decrypt, enc_serializer, plaintext, URI) and the error "
                                   "is the first step's; judged on the error code under --error-codes strict."),
    "DecryptBeforeSerializerCheck": ("MISSING_STEP", "A payload that does not decrypt with an enc_serializer "
                                                     "other than json: the MAC is verified first, so the error is "
                                                     "decrypt_failed."),
    "NullEncAttribute": ("EDGE_CASE", "An enc_algo, enc_serializer or enc_key whose value is null counts as absent "
                                      "(Autobahn reads them with dict.get)."),
    "EncAttributeWithoutAlgo": ("MALFORMED_INPUT", "enc_serializer or enc_key present (non-null) without enc_algo: "
                                                   "Autobahn's constructor asserts, so parsing fails "
                                                   "(protocol_error)."),
    "PlaintextFallback": ("KNOWN_QUIRK", "The key found for the URI lacks the sealing role's box: Autobahn's "
                                         "KeyRing.encode returns None and the message goes out in plaintext (the "
                                         "vector's frame). Profile strict: reject (missing_role)."),
}


def _ring_keys(label):
    priv = det_bytes("message/depth/" + label, 32)
    from nacl.public import PrivateKey
    return base64.b64encode(priv).decode(), base64.b64encode(bytes(PrivateKey(priv).public_key)).decode()


def fallback_rings():
    """(name, ring) of keyrings where a one-role entry shadows a full shorter prefix or a full default key."""
    o2, o2p = _ring_keys("o2")
    r2, r2p = _ring_keys("r2")
    full = {"originator_priv": SAMPLE_ORIGINATOR_PRIV, "responder_priv": SAMPLE_RESPONDER_PRIV}
    half_orig = {"originator_priv": o2, "responder_pub": r2p}   # no responder box
    half_resp = {"responder_priv": r2, "originator_pub": o2p}   # no originator box
    return [
        ("prefix", [dict(prefix="com.example.", **full), dict(prefix="com.example.orig.", **half_orig),
                    dict(prefix="com.example.resp.", **half_resp)]),
        ("default", [dict(prefix="", **full), dict(prefix="com.example.orig.", **half_orig),
                     dict(prefix="com.example.resp.", **half_resp)]),
    ]


def add(ctx):
    """Adds the depth families to the message file being built. ctx: the builder's namespace (see
    layer_message._build_one)."""
    ser, tf, reg, js, src = ctx.ser, ctx.tf, ctx.reg, ctx.js, ctx.src
    make, dumps, loads = ctx.make, ctx.dumps, ctx.loads
    for k, v in NOTES.items():
        tf.notes.setdefault(k, {"bugType": v[0], "description": v[1]})
    T, P, E = "com.example.topic", "com.example.procedure", "com.example.error.failed"

    gv = tf.group(type="FrameDecodeTest", operation="frame_decode", serializer=ser, source=src)
    gi = tf.group(type="FrameDecodeTest", operation="frame_decode", serializer=ser, source=src)

    def decode_vec(key, comment, frame, ok_flags, bad_flags, error="protocol_error", expect=None):
        """Autobahn decides: valid (the wire content) if it parses, invalid otherwise."""
        status, parsed = A.unserialize(frame, ser)
        if expect is not None:
            assert (status == "ok") == expect, (key, status, parsed)
        if status == "ok":
            gv.add(reg, key, comment, "valid", ok_flags, frame=h(frame), message=raw_to_struct(loads(ser, frame)))
        else:
            gi.add(reg, key, comment, "invalid", bad_flags, frame=h(frame), error=error)
        return status == "ok"

    # ------------------------------------------------------------------ Options/Details checks
    enc = {"enc_algo": "cryptobox", "enc_serializer": "json"}
    heads = {"PUBLISH": lambda o: [16, 7, o, T], "EVENT": lambda o: [36, 7, 8, o], "CALL": lambda o: [48, 7, o, P],
             "INVOCATION": lambda o: [68, 7, 8, o], "YIELD": lambda o: [70, 7, o], "RESULT": lambda o: [50, 7, o],
             "ERROR": lambda o: [8, 48, 7, o, E]}
    n = 0
    for tname, rules in OPTION_RULES.items():
        for opt, kind in rules:
            for label, value in CANDIDATES[kind]:
                if ser == "msgpack" and _is_int(value) and value >= 2**64:
                    continue
                form = n % 3
                n += 1
                if form == 0:
                    raw = heads[tname]({opt: value})
                    fl = ["OptionCheck", "Plain"]
                elif form == 1:
                    raw = heads[tname]({opt: value}) + [["a", 1], {"k": "v"}]
                    fl = ["OptionCheck", "Plain"]
                else:
                    raw = heads[tname](dict({opt: value}, **enc)) + [det_bytes("depth/opt/%s" % n, 48)]
                    fl = ["OptionCheck", "Encrypted"]
                ok = decode_vec("depth/option/%s/%s/%s" % (tname, opt, label), "%s with %s %s = %r (%s check)" %
                                (tname, "Details" if tname in ("EVENT", "INVOCATION", "RESULT", "ERROR") else
                                 "Options", opt, value, kind), dumps(ser, raw), fl, ["OptionCheck", "OptionValueType"])
                assert ok == rule_accepts(kind, value), ("OPTION_RULES disagrees with Autobahn", tname, opt, label)

    # ------------------------------------------------------------------ URIs
    uri_pos = {"PUBLISH": 3, "CALL": 3, "ERROR": 4}
    base_raw = {"PUBLISH": [16, 9, {}, None], "CALL": [48, 9, {}, None], "ERROR": [8, 68, 9, {}, None]}
    for tname, pos in uri_pos.items():
        def uri_vec(key, comment, uri, ok_flags, expect, tname=tname, pos=pos):
            raw = list(base_raw[tname])
            raw[pos] = uri
            decode_vec("depth/uri/%s/%s" % (tname, key), "%s URI %s" % (tname, comment), dumps(ser, raw),
                       ok_flags + ["Plain"], ["BadUri"] + [f for f in ok_flags if f != "UriNotWhitespace"],
                       expect=expect)
        for c in PY_SPACES:
            assert c.isspace()
            name = "U+%04X" % ord(c)
            uri_vec("space-inside/%s" % name, "with %s inside a component" % name, "com.example.a%sb" % c,
                    ["UriWhitespace"], False)
        for c in ("\xa0", "\u2028", "\u3000", "\x1f", "\r", "\t"):
            name = "U+%04X" % ord(c)
            uri_vec("space-end/%s" % name, "ending in %s" % name, "com.example.topic" + c, ["UriWhitespace"], False)
            uri_vec("space-start/%s" % name, "starting with %s" % name, c + "com.example.topic", ["UriWhitespace"],
                    False)
        for c in NOT_SPACES:
            assert not c.isspace()
            name = "U+%04X" % ord(c)
            uri_vec("not-space/%s" % name, "with %s (not whitespace for Python) inside a component" % name,
                    "com.example.a%sb" % c, ["UriNotWhitespace"], True)
        uri_vec("newline/final", "ending in one newline (Python's $ matches before it)", "com.example.topic\n",
                ["UriTrailingNewline"], True)
        uri_vec("newline/final-one-component", "a single component and a final newline", "topic\n",
                ["UriTrailingNewline"], True)
        for key, comment, uri in (("newline/two", "ending in two newlines", "com.example.topic\n\n"),
                                  ("newline/crlf", "ending in \\r\\n", "com.example.topic\r\n"),
                                  ("newline/leading", "starting with a newline", "\ncom.example.topic"),
                                  ("newline/inside", "with a newline inside", "com.example\n.topic"),
                                  ("newline/after-dot", "a final newline after an empty last component",
                                   "com.example.\n"),
                                  ("newline/only", "a lone newline", "\n"),
                                  ("newline/space-before", "a space before the final newline", "com.example.topic \n")):
            uri_vec(key, comment, uri, ["UriTrailingNewline"], False)
        for key, comment, uri in (("nfc", "in NFC (U+00E9)", "com.example.caf\u00e9"),
                                  ("nfd", "in NFD (e + U+0301)", "com.example.cafe\u0301"),
                                  ("case-upper", "in upper case", "COM.EXAMPLE.TOPIC"),
                                  ("case-mixed", "in mixed case", "com.Example.Topic"),
                                  ("hangul-nfd", "Hangul in NFD (conjoining jamo)",
                                   unicodedata.normalize("NFD", "com.example.\ud55c")),
                                  ("compat", "with a compatibility character (U+FB01 ligature fi)",
                                   "com.example.\ufb01le")):
            uri_vec("form/" + key, comment, uri, ["UriNormalization"], True)

    # ------------------------------------------------------------------ empty vs absent on the wire
    tails = [("args-empty", [[]]), ("args-kwargs-empty", [[], {}]), ("args-empty-kwargs", [[], {"k": 1}]),
             ("args-kwargs-empty-dict", [["x"], {}]), ("args-null-kwargs-empty", [None, {}])]
    for tname, mk in heads.items():
        for label, tail in tails:
            decode_vec("depth/empty-absent/%s/%s" % (tname, label), "%s with Arguments/ArgumentsKw %s on the wire" %
                       (tname, label), dumps(ser, mk({}) + tail), ["EmptyVsAbsent", "Plain"], ["BadArgs"])

    # ------------------------------------------------------------------ enc_* null, enc_* without enc_algo
    for tname, mk in heads.items():
        pay = det_bytes("depth/enc/%s" % tname, 48)
        for label, opts, flags in (
                ("serializer-without-algo", {"enc_serializer": "json"}, ["EncAttributeWithoutAlgo"]),
                ("key-without-algo", {"enc_key": "kid"}, ["EncAttributeWithoutAlgo"]),
                ("both-without-algo", {"enc_key": "kid", "enc_serializer": "json"}, ["EncAttributeWithoutAlgo"]),
                ("algo-null-serializer", {"enc_algo": None, "enc_serializer": "json"}, ["EncAttributeWithoutAlgo",
                                                                                         "NullEncAttribute"]),
                ("all-null", {"enc_algo": None, "enc_key": None, "enc_serializer": None}, ["NullEncAttribute"]),
                ("key-null", {"enc_algo": "cryptobox", "enc_key": None, "enc_serializer": "json"},
                 ["NullEncAttribute", "Encrypted"]),
                ("serializer-null", {"enc_algo": "cryptobox", "enc_serializer": None},
                 ["NullEncAttribute", "Encrypted"])):
            decode_vec("depth/enc/%s/%s" % (tname, label), "%s payload with Options/Details %r" % (tname, opts),
                       dumps(ser, mk(opts) + [pay]), flags, flags + (["InvalidEncAlgo"] if "enc_algo" in opts
                                                                     else []))

    # ------------------------------------------------------------------ seal and open
    caller, callee = ctx.CALLER_RING, ctx.CALLEE_RING
    seal_groups, open_groups = {}, {}

    def group_for(groups, typ, op, ring):
        k = repr(ring)
        if k not in groups:
            groups[k] = tf.group(type=typ, operation=op, serializer=ser, source=src, keyring=ring)
        return groups[k]

    def seal_vec(ring, key, comment, result, flags, tname, uri, args, kwargs, error=None, ids=(61, 68), opts=None):
        kr = A.make_keyring(ring)
        nonce = det_bytes("message/%s/depth/seal/%s" % (ser, key), 24)
        ep = A.encode(kr, SEAL_ROLE[tname], uri, args, kwargs, nonce)
        assert (ep is None) == ("PlaintextFallback" in flags or "NoMatchingKey" in flags), key
        huri = uri if tname != "YIELD" else None
        if ep is None:
            m = make(tname, ids, huri, opts or {}, args=args, kwargs=kwargs)
        else:
            m = make(tname, ids, huri, opts or {}, payload=ep.payload, enc=ep)
            sk, pk = ((SAMPLE_RESPONDER_PRIV, SAMPLE_ORIGINATOR_PUB) if ring_is(ring, callee) else
                      (SAMPLE_ORIGINATOR_PRIV, SAMPLE_RESPONDER_PUB))
            if ring_is(ring, callee) or ring_is(ring, caller):
                # the peer opens it: its plaintext is Autobahn's JSON of {uri, args, kwargs}
                js.check({"op": "box_open", "sk": h(base64.b64decode(sk)), "pk": h(base64.b64decode(pk)),
                          "nonce": h(ep.payload[:24]), "ct": h(ep.payload[24:])},
                         h(A.dumps_json({"uri": uri, "args": args, "kwargs": kwargs})), "%s/seal/%s" % (ser, key))
        frame = A.serialize(m, ser)
        fields = dict(message=ctx.plain_struct(tname, ids, huri, opts or {}, args, kwargs), payloadUri=uri,
                      nonce=h(nonce), frame=h(frame))
        if error:
            fields["error"] = error
        group_for(seal_groups, "FrameSealTest", "frame_seal", ring).add(reg, key, comment, result, flags, **fields)
        return ep, frame

    def ring_is(a, b):
        return a is b

    def open_vec(ring, key, comment, result, flags, frame, uri, error=None):
        kr = A.make_keyring(ring)
        status, parsed = A.unserialize(frame, ser)
        assert status == "ok", (key, parsed)
        fields = {"frame": h(frame), "uri": uri}
        if parsed.payload is not None and parsed.enc_algo:
            tn = A.TYPE_NAMES[parsed.MESSAGE_TYPE]
            eff = getattr(parsed, "topic", None) if tn == "EVENT" else \
                getattr(parsed, "procedure", None) if tn == "INVOCATION" else None
            dstatus, res = A.decode(kr, OPEN_ROLE[tn], eff or uri, parsed.payload, parsed.enc_algo,
                                    parsed.enc_serializer, parsed.enc_key)
        else:
            dstatus, res = "plain", None
        if result == "valid":
            assert dstatus == "ok", (key, dstatus, res)
            fields["message"] = ctx.opened_struct(parsed, res[0], res[1])
        else:
            assert dstatus not in ("ok", "plain"), (key, dstatus, res)
        if error:
            fields["error"] = error
        group_for(open_groups, "FrameOpenTest", "frame_decode_open", ring).add(reg, key, comment, result, flags,
                                                                               **fields)

    def forward(tname, ep, uri, ids=(71, 72), opts=None, enc_over=None):
        fwd = FORWARD[tname]
        e = enc_over or ep
        m = make(fwd, ids if fwd != "ERROR" else (ids[0], 48), uri if fwd == "ERROR" else None, opts or {},
                 payload=getattr(e, "payload", None) or ep.payload, enc=e)
        return A.serialize(m, ser)

    class Enc:
        def __init__(self, algo, es, key=None, payload=None):
            self.enc_algo, self.enc_serializer, self.enc_key = algo, es, key
            if payload is not None:
                self.payload = payload

    # Empty vs absent through seal (with and without a key) and open.
    combos = [("null-null", None, None), ("empty-empty", [], {}), ("empty-null", [], None), ("null-empty", None, {}),
              ("args-emptykw", ["x"], {}), ("emptyargs-kw", [], {"k": 1}), ("nullargs-kw", None, {"k": 1})]
    uris = {"PUBLISH": T, "CALL": P, "YIELD": P, "ERROR": E}
    for tname in ("PUBLISH", "CALL", "YIELD", "ERROR"):
        ring = caller if SEAL_ROLE[tname] else callee
        oring = callee if SEAL_ROLE[tname] else caller
        for label, args, kwargs in combos:
            u = uris[tname]
            ep, _ = seal_vec(ring, "depth/empty-absent/%s/%s" % (tname, label), "%s sealing args=%r kwargs=%r" %
                             (tname, args, kwargs), "valid", ["EmptyVsAbsent", "Encrypted", "RoleSelection"], tname,
                             u, args, kwargs)
            seal_vec(ring, "depth/empty-absent/nokey/%s/%s" % (tname, label), "%s with args=%r kwargs=%r and no key "
                     "for the URI: the plain frame as marshal() writes it" % (tname, args, kwargs), "valid",
                     ["EmptyVsAbsent", "Plain", "NoMatchingKey"], tname, u.replace("com.example.", "org.plain."),
                     args, kwargs)
            open_vec(oring, "depth/empty-absent/%s/%s" % (FORWARD[tname], label), "%s carrying args=%r kwargs=%r, "
                     "opened" % (FORWARD[tname], args, kwargs), "valid", ["EmptyVsAbsent", "Encrypted", "Forwarded"],
                     forward(tname, ep, u), u)

    # URI case and normalisation in seal and open.
    nfc, nfd = "com.example.caf\u00e9", "com.example.cafe\u0301"
    for tname in ("PUBLISH", "CALL", "YIELD", "ERROR"):
        ring = caller if SEAL_ROLE[tname] else callee
        oring = callee if SEAL_ROLE[tname] else caller
        for label, u in (("upper", "COM.EXAMPLE.X"), ("mixed", "Com.example.x"), ("nfd-prefix", "com.exampl\u00e9.x")):
            seal_vec(ring, "depth/uri-form/nokey/%s/%s" % (tname, label), "%s for %r: the keyring's prefix "
                     "com.example. does not cover it (no case folding or normalisation): plain frame" % (tname, u),
                     "valid", ["UriNormalization", "NoMatchingKey", "Plain"], tname, u, ["x"], {})
        ep, _ = seal_vec(ring, "depth/uri-form/%s/nfc" % tname, "%s for the NFC URI %r" % (tname, nfc), "valid",
                         ["UriNormalization", "Encrypted", "RoleSelection"], tname, nfc, ["x"], {})
        fwd = FORWARD[tname]
        for label, env in (("nfd", nfd), ("case", "com.example.CAF\u00c9"), ("case-first", "com.example.Caf\u00e9")):
            if fwd == "ERROR":
                fr = forward(tname, ep, env)  # the ERROR's own URI is the envelope
            else:
                fr = forward(tname, ep, nfc)
            open_vec(oring, "depth/uri-form/%s/%s" % (fwd, label), "%s carrying a payload sealed for %r, opened for "
                     "%r (same key; exact comparison fails)" % (fwd, nfc, env), "invalid",
                     ["UriNormalization", "UriMismatch"], fr, env, "uri_mismatch")
        open_vec(oring, "depth/uri-form/%s/upper-nokey" % fwd, "%s opened for %r: no key (the prefix com.example. is "
                 "case-sensitive)" % (fwd, "COM.EXAMPLE.CAF\u00c9"), "invalid", ["UriNormalization", "NoMatchingKey"],
                 forward(tname, ep, "COM.EXAMPLE.CAF\u00c9" if fwd == "ERROR" else nfc), "COM.EXAMPLE.CAF\u00c9",
                 "no_key")

    # No fallback when the matched entry lacks the role.
    for rname, ring in fallback_rings():
        sealers = {True: "com.example.resp.x", False: "com.example.orig.x"}  # entries lacking the sealing box
        for tname in ("PUBLISH", "CALL", "YIELD", "ERROR"):
            u = sealers[SEAL_ROLE[tname]]
            lacking = "originator" if SEAL_ROLE[tname] else "responder"
            holder = "com.example." if rname == "prefix" else "the default key"
            seal_vec(ring, "depth/no-fallback/%s/%s" % (rname, tname), "%s for %s: its entry lacks the %s box while "
                     "%s has it; Autobahn sends plaintext" % (tname, u, lacking, holder),
                     "acceptable", ["NoRoleFallback", "MissingRole", "PlaintextFallback", "Plain"], tname, u, ["x"],
                     {"k": 1}, error="missing_role")
        # A payload sealed with the full key for a URI under a one-role entry lacking the opening box.
        full_ring = [dict(ring[0], prefix="")]
        for tname in ("PUBLISH", "CALL", "YIELD", "ERROR"):
            fwd = FORWARD[tname]
            wrong = "com.example.orig.x" if not OPEN_ROLE[fwd] else "com.example.resp.x"
            kr_full = A.make_keyring(full_ring)
            nonce = det_bytes("message/%s/depth/no-fallback/%s/%s" % (ser, rname, tname), 24)
            ep = A.encode(kr_full, SEAL_ROLE[tname], wrong, ["secret"], {}, nonce)
            assert ep is not None
            open_vec(ring, "depth/no-fallback/%s/%s" % (rname, fwd), "%s for %s, sealed with the key of %s: the "
                     "matched entry lacks the %s box; no fallback (missing_role)" %
                     (fwd, wrong, "com.example." if rname == "prefix" else "the default key",
                      "originator" if OPEN_ROLE[fwd] else "responder"), "invalid",
                     ["NoRoleFallback", "MissingRole"], forward(tname, ep, wrong), wrong, "missing_role")
        # Role missing on the sealing side at the one-role entries of the other side (both layers' roles).
        for tname in ("PUBLISH", "YIELD"):
            u = "com.example.orig.x" if SEAL_ROLE[tname] else "com.example.resp.x"
            ep, _ = seal_vec(ring, "depth/one-role/%s/%s" % (rname, tname), "%s for %s: the entry has this role's "
                             "box" % (tname, u), "valid", ["RoleSelection", "Encrypted"], tname, u, ["x"], {})

    # Order of the opening checks (judged on the error code).
    for tname in ("PUBLISH", "CALL", "YIELD", "ERROR"):
        ring = caller if SEAL_ROLE[tname] else callee
        oring = callee if SEAL_ROLE[tname] else caller
        u = uris[tname]
        fwd = FORWARD[tname]
        nonce = det_bytes("message/%s/depth/order/%s" % (ser, tname), 24)
        ep = A.encode(A.make_keyring(ring), SEAL_ROLE[tname], u, ["x"], {"k": 1}, nonce)
        bad_pay = flip_bit(ep.payload, 24 * 8 + 5)  # a tag bit
        for label, e, flags, err in (
                ("bad-mac-serializer-msgpack", Enc("cryptobox", "msgpack", payload=bad_pay),
                 ["CheckOrder", "DecryptBeforeSerializerCheck", "ModifiedPayload"], "decrypt_failed"),
                ("bad-mac-serializer-x", Enc("cryptobox", "x_custom", payload=bad_pay),
                 ["CheckOrder", "DecryptBeforeSerializerCheck", "ModifiedPayload"], "decrypt_failed"),
                ("bad-mac-no-serializer", Enc("cryptobox", None, payload=bad_pay),
                 ["CheckOrder", "DecryptBeforeSerializerCheck", "ModifiedPayload"], "decrypt_failed"),
                ("algo-before-mac", Enc("xbr", "msgpack", payload=bad_pay),
                 ["CheckOrder", "UnsupportedEncAlgo", "ModifiedPayload"], "unsupported_enc_algo"),
                ("good-mac-serializer-cbor", Enc("cryptobox", "cbor", payload=ep.payload),
                 ["CheckOrder", "UnknownEncSerializer"], "unsupported_enc_serializer")):
            open_vec(oring, "depth/order/%s/%s" % (fwd, label), "%s with enc_algo %r, enc_serializer %r and a %s "
                     "payload: %s" % (fwd, e.enc_algo, e.enc_serializer, "tampered" if e.payload is bad_pay else
                                      "good", err), "invalid", flags, forward(tname, ep, u, enc_over=e), u, err)
        # Key and role come before the serializer check.
        e = Enc("cryptobox", "msgpack", payload=ep.payload)
        open_vec(oring, "depth/order/%s/no-key-serializer" % fwd, "%s for a URI no key covers, enc_serializer "
                 "msgpack: no_key" % fwd, "invalid", ["CheckOrder", "NoMatchingKey"],
                 forward(tname, ep, "org.unkeyed.x" if fwd == "ERROR" else u, enc_over=e),
                 "org.unkeyed.x", "no_key")
        open_vec(ring, "depth/order/%s/missing-role-serializer" % fwd, "%s opened with the sealing side's keyring "
                 "(no box for the opening role), enc_serializer msgpack: missing_role" % fwd, "invalid",
                 ["CheckOrder", "MissingRole"], forward(tname, ep, u, enc_over=e), u, "missing_role")

    # A null enc_key / enc_serializer on the wire of a real encrypted frame (null = absent).
    optpos = {"EVENT": 3, "INVOCATION": 3, "RESULT": 2, "ERROR": 3}
    for tname in ("PUBLISH", "CALL", "YIELD", "ERROR"):
        ring = caller if SEAL_ROLE[tname] else callee
        oring = callee if SEAL_ROLE[tname] else caller
        u, fwd = uris[tname], FORWARD[tname]
        nonce = det_bytes("message/%s/depth/enc-null/%s" % (ser, tname), 24)
        ep = A.encode(A.make_keyring(ring), SEAL_ROLE[tname], u, ["y"], {}, nonce)
        for label, extra, result, err in (("enc-key-null", {"enc_key": None}, "valid", None),
                                          ("enc-serializer-null", {"enc_serializer": None}, "invalid",
                                           "unsupported_enc_serializer")):
            raw = loads(ser, forward(tname, ep, u))
            raw[optpos[fwd]].update(extra)
            open_vec(oring, "depth/enc-null/%s/%s" % (fwd, label), "%s whose Details hold %r (null counts as "
                     "absent)" % (fwd, extra), result, ["NullEncAttribute", "Encrypted"] +
                     (["MissingEncSerializer"] if result == "invalid" else []), dumps(ser, raw), u, err)


ENVELOPE_NOTES = {
    "NoRoleFallback": NOTES["NoRoleFallback"],
    "CheckOrder": NOTES["CheckOrder"],
    "EmptyVsAbsent": ("EDGE_CASE", "args and kwargs empty ([] / {}) or null in every combination: the plaintext "
                                   "keeps them apart (\"args\":null vs \"args\":[]) and decoding returns exactly "
                                   "what the plaintext holds."),
}


def add_envelope(tf, reg, js, src, confirm_js):
    """payload_encode/payload_decode: no fallback, check order, empty vs absent (payload_test.json)."""
    for k, v in ENVELOPE_NOTES.items():
        tf.notes.setdefault(k, {"bugType": v[0], "description": v[1]})
    for rname, ring in fallback_rings():
        kr = A.make_keyring(ring)
        ge = tf.group(type="PayloadEncodeTest", operation="payload_encode", source=src, keyring=ring)
        gd = tf.group(type="PayloadDecodeTest", operation="payload_decode", source=src, keyring=ring)
        full = A.make_keyring([dict(ring[0], prefix="")])
        for uri, role in (("com.example.resp.x", "originator"), ("com.example.orig.x", "responder")):
            orig = role == "originator"
            nonce = det_bytes("payload/depth/no-fallback/%s/%s" % (rname, role), 24)
            assert A.encode(kr, orig, uri, ["x"], {}, nonce) is None
            ge.add(reg, "depth/no-fallback/%s/%s" % (rname, role), "%s: the entry for %s lacks the %s box while %s has "
                   "it: no fallback (Autobahn: plaintext)" % (uri, uri.rsplit(".", 1)[0] + ".", role,
                                                              "com.example." if rname == "prefix" else "the default"),
                   "acceptable", ["NoRoleFallback", "MissingRole", "PlaintextFallback"], role=role, uri=uri,
                   args=tv(["x"]), kwargs=tv({}), nonce=h(nonce), plaintext=None, payload=None, error="missing_role")
            # Opening: the other role's entry; the payload is sealed with the full key (which a falling-back
            # implementation would find and open).
            open_role = not orig
            uri = {False: "com.example.orig.x", True: "com.example.resp.x"}[open_role]  # lacks the opening box
            assert kr._get_box(open_role, uri) is None
            sealed = A.encode(full, not open_role, uri, ["secret"], {}, nonce)
            status, res = A.decode(kr, open_role, uri, sealed.payload)
            assert status == "error", (status, res)
            status2, _ = A.decode(full, open_role, uri, sealed.payload)
            assert status2 == "ok"
            gd.add(reg, "depth/no-fallback/%s/%s" % (rname, A.ROLE_NAME[open_role]), "%s opened as %s: the entry "
                   "lacks that box while %s has it and would open it: missing_role" %
                   (uri, A.ROLE_NAME[open_role], "com.example." if rname == "prefix" else "the default key"),
                   "invalid", ["NoRoleFallback", "MissingRole"], role=A.ROLE_NAME[open_role], uri=uri,
                   encAlgo="cryptobox", encSerializer="json", payload=h(sealed.payload), plaintext=None,
                   error="missing_role")
        # Check order against this keyring: role before decrypt and serializer.
        uri = "com.example.orig.x"
        sealed = A.encode(full, True, uri, ["x"], {}, det_bytes("payload/depth/order/" + rname, 24))
        for label, algo, es, pay, err in (
                ("role-before-mac", "cryptobox", "json", flip_bit(sealed.payload, 200), "missing_role"),
                ("role-before-serializer", "cryptobox", "msgpack", sealed.payload, "missing_role"),
                ("algo-before-role", "xbr", "json", sealed.payload, "unsupported_enc_algo")):
            status, res = A.decode(kr, False, uri, pay, algo, es)
            assert status == "error"
            gd.add(reg, "depth/order/%s/%s" % (rname, label), "%s opened as responder (entry without that box), "
                   "enc_algo %r, enc_serializer %r%s: %s" % (uri, algo, es, ", tag bit flipped" if pay is not
                                                             sealed.payload else "", err), "invalid",
                   ["CheckOrder", "MissingRole"] + (["UnsupportedEncAlgo"] if algo != "cryptobox" else []) +
                   (["ModifiedPayload"] if pay is not sealed.payload else []) +
                   (["UnknownEncSerializer"] if es != "json" else []),
                   role="responder", uri=uri, encAlgo=algo, encSerializer=es, payload=h(pay), plaintext=None,
                   error=err)
    # Empty vs absent through the envelope, both roles, with the sample keys.
    ring = [{"prefix": "com.example.", "originator_priv": SAMPLE_ORIGINATOR_PRIV,
             "responder_priv": SAMPLE_RESPONDER_PRIV}]
    kr = A.make_keyring(ring)
    ge = tf.group(type="PayloadEncodeTest", operation="payload_encode", source=src, keyring=ring)
    gd = tf.group(type="PayloadDecodeTest", operation="payload_decode", source=src, keyring=ring)
    for label, args, kwargs in (("null-null", None, None), ("empty-empty", [], {}), ("empty-null", [], None),
                                ("null-empty", None, {}), ("null-kw", None, {"k": []}), ("args-null", [[]], None)):
        for orig in (True, False):
            role = A.ROLE_NAME[orig]
            uri = "com.example.empty.%s" % label
            nonce = det_bytes("payload/depth/empty/%s/%s" % (label, role), 24)
            ep = A.encode(kr, orig, uri, args, kwargs, nonce)
            pt = A.dumps_json({"uri": uri, "args": args, "kwargs": kwargs})
            key = "depth/empty-absent/%s/%s" % (label, role)
            ge.add(reg, key, "args=%r kwargs=%r sealed as %s" % (args, kwargs, role), "valid", ["EmptyVsAbsent"],
                   role=role, uri=uri, args=tv(args), kwargs=tv(kwargs), nonce=h(nonce), plaintext=h(pt),
                   payload=h(ep.payload))
            status, res = A.decode(kr, not orig, uri, ep.payload)
            assert status == "ok"
            gd.add(reg, key, "args=%r kwargs=%r opened by the peer (%s)" % (args, kwargs, A.ROLE_NAME[not orig]),
                   "valid", ["EmptyVsAbsent"], role=A.ROLE_NAME[not orig], uri=uri, encAlgo="cryptobox",
                   encSerializer="json", payload=h(ep.payload), plaintext=h(pt), args=tv(res[0]), kwargs=tv(res[1]))
            confirm_js(key, A.ROLE_NAME[not orig], ep.payload, pt)


def add_keyring(tf, reg, src):
    """keyring_resolve on the fallback keyrings (keyring_test.json)."""
    tf.notes.setdefault("NoRoleFallback", {"bugType": "MISSING_STEP", "description": NOTES["NoRoleFallback"][1]})
    for rname, ring in fallback_rings():
        kr = A.make_keyring(ring)
        g = tf.group(type="KeyringResolveTest", operation="keyring_resolve", source=src, keyring=ring)
        for uri in ("com.example.orig.x", "com.example.resp.x", "com.example.orig", "com.example.x", "org.x",
                    "com.example.orig.", "com.example.resp.y.z"):
            for orig in (True, False):
                prefix, shared = A.resolve(kr, uri, orig)
                flags = []
                if prefix is not None and shared is None:
                    flags = ["NoRoleFallback", "MissingRole"]
                elif prefix == "":
                    flags = ["DefaultKey"]
                elif prefix is None:
                    flags = ["NoMatchingKey"]
                else:
                    flags = ["LongestPrefix"]
                g.add(reg, "depth/no-fallback/%s/%s/%s" % (rname, uri, A.ROLE_NAME[orig]), "%s -> %r (%s)%s" %
                      (uri, prefix, A.ROLE_NAME[orig], ": that entry lacks the box; no fallback to a shorter prefix "
                       "or the default" if "NoRoleFallback" in flags else ""), "valid", flags, uri=uri,
                      role=A.ROLE_NAME[orig], prefix=prefix, sharedKey=None if shared is None else h(shared))
