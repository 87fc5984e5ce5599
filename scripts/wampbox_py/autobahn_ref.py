"""The one Autobahn|Python driver: the REAL Autobahn (Debian's
python3-autobahn 22.7.1) building, serializing, parsing, sealing and opening
the seven WAMP message types that carry application payloads.

Used by the corpus generator (scripts/corpus/), the Autobahn adapter
(conformance/adapters/autobahn_adapter.py), the cross-check tests
(tests/py/) and the Autobahn benchmark (scripts/bench/autobahn_bench.py).

Nothing here re-implements the algorithm: messages are autobahn.wamp.message
classes, frames come from Autobahn's Json/MsgPack/CBOR serializers, payloads
from autobahn.wamp.cryptobox.KeyRing.encode/decode, exactly as an Autobahn
session calls them (autobahn/wamp/protocol.py). The only intervention is a
fixed nonce, installed by replacing autobahn.wamp.cryptobox.random for the
duration of one encode and restored afterwards (fixed_nonce(); a lock makes
that safe across threads).

Run with /usr/bin/python3 (the interpreter that sees Debian's packages).
"""

import base64
import contextlib
import hashlib
import json
import math
import threading

import txaio

# Autobahn's serializers keep statistics through txaio, which needs a framework
# chosen; asyncio is in the standard library (nothing here runs a loop).
txaio.use_asyncio()

import autobahn  # noqa: E402
import autobahn.wamp.cryptobox as _cryptobox  # noqa: E402
from autobahn.wamp import message as _m  # noqa: E402
from autobahn.wamp.cryptobox import Key, KeyRing  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer  # noqa: E402
from autobahn.wamp.serializer import _dumps as ab_dumps  # noqa: F401  (re-exported for tests)
from autobahn.wamp.serializer import _loads as ab_loads  # noqa: F401
from autobahn.wamp.types import EncodedPayload  # noqa: E402
from nacl.encoding import Base64Encoder  # noqa: E402
from nacl.public import PrivateKey  # noqa: E402

from wampbox_py import messages  # noqa: E402

AUTOBAHN_VERSION = autobahn.__version__

# Sample keys published in crossbar-examples encryption/cryptobox/sample_keys.py.
# Base64, 32 bytes each.
SAMPLE_KEYS = {
    "originator_priv": "6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=",
    "originator_pub": "GTtQ37XGJO2O4R8Dvx4AUo8pe61D9evIWpKGQAPdOh0=",
    "responder_priv": "ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE=",
    "responder_pub": "5Q3rK3UhNZzdviBw9MtbNrrPHR9bsFSGMEtr2H3ZaxQ=",
}
# Only what an originator (caller/publisher) holds, and only what a responder
# (callee/subscriber) holds: one box each.
ORIGINATOR_ONLY = {"originator_priv": SAMPLE_KEYS["originator_priv"], "responder_pub": SAMPLE_KEYS["responder_pub"]}
RESPONDER_ONLY = {"responder_priv": SAMPLE_KEYS["responder_priv"], "originator_pub": SAMPLE_KEYS["originator_pub"]}

# Prefix of Autobahn's cryptobox worked example (worked_example_frame()).
EXAMPLE_PREFIX = "com.myapp.encrypted."

MESSAGE_TYPES = ("PUBLISH", "EVENT", "CALL", "INVOCATION", "YIELD", "RESULT", "ERROR")
SERIALIZERS = ("json", "msgpack", "cbor")

CLASSES = {
    "PUBLISH": _m.Publish,
    "EVENT": _m.Event,
    "CALL": _m.Call,
    "INVOCATION": _m.Invocation,
    "YIELD": _m.Yield,
    "RESULT": _m.Result,
    "ERROR": _m.Error,
}
TYPE_CODES = messages.TYPE_CODES
TYPE_NAMES = messages.TYPE_NAMES
assert TYPE_CODES == {name: cls.MESSAGE_TYPE for name, cls in CLASSES.items()}

# Types whose frame carries the URI the payload is keyed by (PUBLISH topic,
# CALL procedure, ERROR error URI). For the others the receiver knows the URI
# from its own state (subscription, registration, pending call), so the test
# passes it explicitly.
FRAME_HAS_URI = {"PUBLISH", "CALL", "ERROR"}

# is_originating for KeyRing.encode, i.e. which box seals the payload.
# Sent by a session (autobahn/wamp/protocol.py): PUBLISH, CALL use the
# originator box (True); YIELD and the callee's ERROR the responder box (False).
# EVENT, INVOCATION and RESULT are never sealed by a session: a router forwards
# the PUBLISH/CALL/YIELD payload untouched, so the payload they carry was
# sealed with the box of the message they were forwarded from.
SEAL_ORIGINATING = {
    "PUBLISH": True,
    "CALL": True,
    "YIELD": False,
    "ERROR": False,
    "EVENT": True,        # forwarded PUBLISH payload
    "INVOCATION": True,   # forwarded CALL payload
    "RESULT": False,      # forwarded YIELD payload
}

# is_originating for KeyRing.decode, i.e. which box opens the payload, as the
# session does it: RESULT and ERROR arrive at the originator (caller) -> True;
# EVENT and INVOCATION arrive at the responder (subscriber, callee) -> False.
# A session never decodes PUBLISH, CALL or YIELD: the router forwards them as
# EVENT, INVOCATION and RESULT and the receiving session decodes those. For a
# direct check of such a frame we decode it as its forwarded form would be
# decoded: PUBLISH/CALL as the responder would (False), YIELD as the caller
# would (True). With a full keyring both boxes derive the same shared key, so
# this only matters with one-sided keyrings (ORIGINATOR_ONLY / RESPONDER_ONLY).
OPEN_ORIGINATING = {
    "RESULT": True,
    "ERROR": True,
    "EVENT": False,
    "INVOCATION": False,
    "PUBLISH": False,     # decoded as the EVENT it becomes
    "CALL": False,        # decoded as the INVOCATION it becomes
    "YIELD": True,        # decoded as the RESULT it becomes
}

# The types a session seals itself, and the types it opens on receipt.
SESSION_SEALS = frozenset(("PUBLISH", "CALL", "YIELD", "ERROR"))
SESSION_OPENS = frozenset(("EVENT", "INVOCATION", "RESULT", "ERROR"))

# Role names used by the wampbox CLI.
ROLE_NAME = {True: "originator", False: "responder"}

# Default ids per message type; arbitrary but fixed.
DEFAULT_IDS = {"request": 1, "request_type": 68, "subscription": 5512315355, "publication": 4429313566,
               "registration": 9823526}


def serializer(name):
    """A fresh Autobahn serializer instance for 'json', 'msgpack' or 'cbor'."""
    if name == "json":
        return JsonSerializer()
    if name == "msgpack":
        return MsgPackSerializer()
    if name == "cbor":
        return CBORSerializer()
    raise ValueError(f"unknown serializer {name!r}; expected one of {SERIALIZERS}")


def nonce_for(case_id):
    """A fixed 24-byte nonce derived deterministically from a test case id."""
    return hashlib.sha256(("wampbox-nonce:" + case_id).encode("utf-8")).digest()[:24]


# -- keys ------------------------------------------------------------------
# Two input forms:
# - the corpus form: a list of entries {"prefix": ..., key parts...} where the
#   parts are originator_priv/_pub, responder_priv/_pub, or "private" (one key
#   for both roles); key text in base64 (what Autobahn takes) or 64 hex digits;
# - the wampbox keyring file form: a mapping prefix -> key parts ("" is the
#   default key), base64 key text (impl/include/wampbox/keyring.h).

KEY_FIELDS = ("originator_priv", "originator_pub", "responder_priv", "responder_pub")


def key_text_to_b64(text):
    """Autobahn takes base64 only; hex keys are converted for it (the corpus
    marks hex-keyed vectors with the HexKey flag). Other text is returned as is."""
    t = text[2:] if text.startswith("0x") else text
    if len(t) == 64 and all(c in "0123456789abcdefABCDEF" for c in t):
        return base64.b64encode(bytes.fromhex(t)).decode()
    return text


def make_key(parts=None, lenient=False, hex_keys=True):
    """An Autobahn cryptobox.Key from key parts (default: SAMPLE_KEYS); fields
    other than the key parts (e.g. "prefix") are ignored.

    lenient: drop a public key given with its private key after checking that
    it matches (ValueError if not). Autobahn 22.7.1's own check compares the
    base64 str with a PublicKey object, so it always fails with a bare
    AssertionError (the corpus's RedundantPublicKey flag); strict (the
    default) shows that behaviour. hex_keys: convert 64-hex-digit key text to
    base64 first (False: hand Autobahn the text as a user would). Raises what
    Autobahn's Key raises for bad keys (TypeError, AssertionError, CryptoError...)."""
    parts = SAMPLE_KEYS if parts is None else parts
    conv = key_text_to_b64 if hex_keys else (lambda t: t)
    if "private" in parts:
        p = conv(parts["private"])
        return Key(originator_priv=p, responder_priv=p)
    parts = {f: conv(parts[f]) for f in KEY_FIELDS if f in parts}
    if lenient:
        for side in ("originator", "responder"):
            if side + "_priv" in parts and side + "_pub" in parts:
                derived = PrivateKey(parts[side + "_priv"], encoder=Base64Encoder).public_key
                if bytes(derived) != base64.b64decode(parts[side + "_pub"]):
                    raise ValueError(f"{side}_pub does not match {side}_priv")
                del parts[side + "_pub"]
    return Key(**parts)


def make_keyring(entries=None, lenient=None):
    """An Autobahn KeyRing from either form (default: the sample keys as the
    default key). lenient (see make_key) defaults to True for the keyring
    file form, whose wampbox loader accepts a matching pair, and to False for
    the corpus form, which records what Autobahn itself does."""
    if entries is None:
        entries = {"": SAMPLE_KEYS}
    if isinstance(entries, dict):
        entries = [dict(parts, prefix=prefix) for prefix, parts in entries.items()]
        lenient = True if lenient is None else lenient
    ring = KeyRing()
    for e in entries:
        ring.set_key(e["prefix"], make_key(e, lenient=bool(lenient)))
    return ring


def box_shared_key(box):
    """The crypto_box shared key of a PyNaCl Box, or None for no box."""
    return None if box is None else bytes(box.shared_key())


def resolve(keyring, uri, is_originating):
    """(matched prefix or None, shared key of the role's box or None), from
    Autobahn's own lookup ("" when only the default key applies)."""
    try:
        prefix = keyring._uri_to_key.longest_prefix(uri)
    except KeyError:
        prefix = "" if keyring._default_key else None
    return prefix, box_shared_key(keyring._get_box(is_originating, uri))


def keyring_json(entries=None):
    """The wampbox keyring file text for the same entries make_keyring takes
    (format: impl/include/wampbox/keyring.h, docs/keyring-format.md)."""
    if entries is None:
        entries = {"": SAMPLE_KEYS}
    return json.dumps(entries, indent=2) + "\n"


def write_keyring_file(path, entries=None):
    """Writes the wampbox keyring file for `entries` to `path`; returns path."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(keyring_json(entries))
    return path


# -- fixed nonce ------------------------------------------------------------

_nonce_lock = threading.Lock()


@contextlib.contextmanager
def fixed_nonce(nonce):
    """Makes Autobahn's KeyRing.encode use `nonce` (24 bytes) while active,
    by replacing autobahn.wamp.cryptobox.random; restores it after."""
    if nonce is None:
        yield
        return
    if len(nonce) != 24:
        raise ValueError("nonce must be 24 bytes")
    with _nonce_lock:
        saved = _cryptobox.random

        def _random(n):
            assert n == 24, n
            return bytes(nonce)

        _cryptobox.random = _random
        try:
            yield
        finally:
            _cryptobox.random = saved


def encode(keyring, is_originating, uri, args, kwargs, nonce):
    """KeyRing.encode with `nonce` fixed: an EncodedPayload, or None when the
    keyring has no box for (uri, role) (Autobahn then sends in the clear)."""
    with fixed_nonce(nonce):
        return keyring.encode(is_originating, uri, args, kwargs)


def decode(keyring, is_originating, uri, payload, enc_algo="cryptobox", enc_serializer="json", enc_key=None):
    """KeyRing.decode, then the session's URI check. Returns ("ok", (args,
    kwargs)), ("mismatch", decrypted uri) or ("error", exception): every
    exception (AssertionError, CryptoError...) means Autobahn rejected it."""
    try:
        dec_uri, args, kwargs = keyring.decode(is_originating, uri,
                                               EncodedPayload(payload, enc_algo, enc_serializer, enc_key))
    except BaseException as e:  # noqa: BLE001
        return "error", e
    if dec_uri != uri:
        return "mismatch", dec_uri
    return "ok", (args, kwargs)


# -- building ---------------------------------------------------------------

def _ctor(mtype, uri, ids, options, args=None, kwargs=None, payload=None, enc=None):
    """Constructs the Autobahn message. Options/Details are given as the
    constructor keyword arguments they correspond to (Autobahn's marshal()
    then writes them in its own fixed order)."""
    cls = CLASSES[mtype]
    kw = dict(options or {})
    kw.update(args=args, kwargs=kwargs, payload=payload)
    if enc is not None:
        kw.update(enc_algo=enc.enc_algo, enc_key=enc.enc_key, enc_serializer=enc.enc_serializer)
    if mtype == "PUBLISH":
        return cls(request=ids["request"], topic=uri, **kw)
    if mtype == "EVENT":
        return cls(subscription=ids["subscription"], publication=ids["publication"], **kw)
    if mtype == "CALL":
        return cls(ids["request"], uri, **kw)
    if mtype == "INVOCATION":
        return cls(ids["request"], ids["registration"], **kw)
    if mtype in ("YIELD", "RESULT"):
        return cls(ids["request"], **kw)
    if mtype == "ERROR":
        return cls(ids["request_type"], ids["request"], uri, **kw)
    raise ValueError(mtype)


def _ids(overrides):
    ids = dict(DEFAULT_IDS)
    ids.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return ids


def build_message(mtype, uri, args=None, kwargs=None, options=None, ids=None, keyring=None, nonce=None,
                  is_originating=None, payload_uri=None):
    """An Autobahn message of type `mtype` (a name in MESSAGE_TYPES).

    uri: the URI the payload is for (topic / procedure / error URI); it is in
    the frame for PUBLISH, CALL, ERROR only. options: dict of Options/Details
    keys (Autobahn constructor names, e.g. acknowledge, timeout, publisher).
    ids: overrides of DEFAULT_IDS. With a keyring, the payload is encrypted
    as the session does (KeyRing.encode(is_originating, uri, args, kwargs);
    is_originating defaults to SEAL_ORIGINATING[mtype]) with `nonce` fixed if
    given; if the keyring has no box for it the message stays plain, as in
    Autobahn. payload_uri: seal the payload for this URI instead of `uri`
    (a forged envelope, for URI-mismatch tests)."""
    mtype = mtype.upper()
    ids = _ids(ids)
    if keyring is None:
        return _ctor(mtype, uri, ids, options, args=args, kwargs=kwargs)
    if is_originating is None:
        is_originating = SEAL_ORIGINATING[mtype]
    enc = encode(keyring, is_originating, uri if payload_uri is None else payload_uri, args, kwargs, nonce)
    if enc is None:
        return _ctor(mtype, uri, ids, options, args=args, kwargs=kwargs)
    return _ctor(mtype, uri, ids, options, payload=enc.payload, enc=enc)


def serialize(msg, ser_name):
    """Frame bytes of an Autobahn message with Autobahn's serializer."""
    data, _is_binary = serializer(ser_name).serialize(msg)
    return bytes(data)


def unserialize(frame, ser_name):
    """("ok", message object) or ("error", exception) as Autobahn's transport
    sees the frame (parse_frame without raising)."""
    try:
        return "ok", parse_frame(frame, ser_name)
    except BaseException as e:  # noqa: BLE001  ProtocolError, serializer errors, AssertionError
        return "error", e


def raw_frame(obj, ser_name):
    """Serializes any object (e.g. a deliberately invalid message list) with
    Autobahn's object serializer, bypassing the message classes' checks."""
    return bytes(serializer(ser_name)._serializer.serialize(obj))


def marshal(msg):
    """The raw list Autobahn serializes for a message (to tamper with it)."""
    return msg.marshal()


def msg_struct(msg):
    """The corpus's structured form of an Autobahn message (through its own marshal())."""
    return messages.raw_to_struct(msg.marshal())


def build_frame(mtype, ser_name, uri, args=None, kwargs=None, **kw):
    """serialize(build_message(...), ser_name)."""
    return serialize(build_message(mtype, uri, args, kwargs, **kw), ser_name)


def canonical_options(mtype, options, encrypted=False):
    """Options/Details as Autobahn writes them for `mtype`: its marshal()
    order, and with enc_algo/enc_serializer where marshal() inserts them when
    `encrypted`. Use it to hand the other implementation the same order."""
    mtype = mtype.upper()
    ids = _ids(None)
    if encrypted:
        enc = EncodedPayload(b"\x00" * 40, "cryptobox", "json")
        msg = _ctor(mtype, "com.example.x", ids, options, payload=enc.payload, enc=enc)
    else:
        msg = _ctor(mtype, "com.example.x", ids, options)
    raw = msg.marshal()
    idx = {"PUBLISH": 2, "EVENT": 3, "CALL": 2, "INVOCATION": 3, "YIELD": 2, "RESULT": 2, "ERROR": 3}[mtype]
    return raw[idx]


# -- parsing and decrypting -------------------------------------------------

def parse_frame(frame, ser_name):
    """The Autobahn message object for one frame (raises ProtocolError on
    invalid input, as Autobahn's transport would)."""
    msgs = serializer(ser_name).unserialize(bytes(frame))
    assert len(msgs) == 1, msgs
    return msgs[0]


def message_uri(msg):
    """The URI carried in the frame, if the type has one."""
    if isinstance(msg, (_m.Publish,)):
        return msg.topic
    if isinstance(msg, _m.Call):
        return msg.procedure
    if isinstance(msg, _m.Error):
        return msg.error
    return None


def message_type(msg):
    return TYPE_NAMES[msg.MESSAGE_TYPE]


def decode_frame(frame, ser_name, keyring, uri=None, is_originating=None, check_uri=True):
    """Parses a frame with Autobahn and, if it carries a payload, decrypts it
    with KeyRing.decode(is_originating, uri, EncodedPayload(...)) as the
    session does (is_originating defaults to OPEN_ORIGINATING[type]).

    uri: the URI the receiver expects (required for EVENT, INVOCATION, YIELD,
    RESULT; defaults to the frame's URI). With check_uri, a decrypted uri that
    differs from the expected one raises ApplicationError
    wamp.error.encryption.trusted_uri_mismatch, as the session does.

    Returns dict(message=<autobahn msg>, type, uri, args, kwargs,
    encrypted=bool); for a plain frame args/kwargs are the frame's."""
    msg = parse_frame(frame, ser_name)
    mtype = message_type(msg)
    expected = uri if uri is not None else message_uri(msg)
    if msg.payload is None:
        return dict(message=msg, type=mtype, uri=expected, args=msg.args, kwargs=msg.kwargs, encrypted=False)
    if expected is None:
        raise ValueError(f"{mtype} frame carries no URI: pass uri=")
    if is_originating is None:
        is_originating = OPEN_ORIGINATING[mtype]
    enc = EncodedPayload(msg.payload, msg.enc_algo, msg.enc_serializer, msg.enc_key)
    dec_uri, args, kwargs = keyring.decode(is_originating, expected, enc)
    if check_uri and dec_uri != expected:
        raise ApplicationError(ApplicationError.ENC_TRUSTED_URI_MISMATCH,
                               f"URI within encrypted payload ('{dec_uri}') does not match the envelope ('{expected}')")
    return dict(message=msg, type=mtype, uri=dec_uri, args=args, kwargs=kwargs, encrypted=True)


# -- comparing values -------------------------------------------------------

def canonical(value):
    """Autobahn's JSON text of a value: distinguishes int/float, -0.0, bytes
    vs str, key order, and makes NaN equal NaN."""
    return ab_dumps(value)


def dumps_json(obj):
    """Autobahn's JSON serializer's bytes for obj (what KeyRing.encode seals)."""
    return ab_dumps(obj).encode("utf-8")


def b64(b):
    return base64.b64encode(b).decode()


def values_equal(a, b):
    """Structural, NaN-aware, type-strict equality that also compares dict
    key order (which is part of byte-exact output)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) and math.isnan(b):
            return True
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a.keys()) == list(b.keys()) and all(values_equal(a[k], b[k]) for k in a)
    return a == b


def worked_example_frame():
    """Autobahn's cryptobox worked example: the sample keys, nonce 00 01 ..
    17, publish('com.myapp.encrypted.hello', ['Counter is at 1']) as JSON;
    the KnownAnswer vector of fixtures/payload_test.json. Rebuilt with
    Autobahn (a sanity check of this module itself)."""
    ring = make_keyring({EXAMPLE_PREFIX: SAMPLE_KEYS})
    return build_frame("PUBLISH", "json", "com.myapp.encrypted.hello", ["Counter is at 1"], {},
                       keyring=ring, nonce=bytes(range(24)))
