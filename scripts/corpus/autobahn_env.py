"""The real Autobahn|Python, driven deterministically: fixed nonces, keyrings
from the corpus's keyring description, serializers, and the mapping between
Autobahn's raw message lists and the corpus's structured messages."""

import base64

import txaio

txaio.use_asyncio()

import autobahn  # noqa: E402
import autobahn.wamp.cryptobox as cryptobox  # noqa: E402
from autobahn.wamp import message as wmsg  # noqa: E402
from autobahn.wamp import serializer as wser  # noqa: E402
from autobahn.wamp.types import EncodedPayload  # noqa: E402

from nacl.encoding import Base64Encoder  # noqa: E402
from nacl.public import PrivateKey  # noqa: E402

from common import h, tv, untv  # noqa: E402

AUTOBAHN_VERSION = autobahn.__version__

# ---------------------------------------------------------------------------
# Fixed nonces: KeyRing.encode draws its nonce from cryptobox.random.

_next_nonce = []


def _fixed_random(n):
    if not _next_nonce:
        raise AssertionError("corpus: KeyRing.encode called without a fixed nonce")
    nonce = _next_nonce.pop()
    assert len(nonce) == n
    return nonce


cryptobox.random = _fixed_random


def encode(keyring, is_originating, uri, args, kwargs, nonce):
    """KeyRing.encode with a fixed nonce; returns EncodedPayload or None."""
    _next_nonce[:] = [nonce]
    try:
        return keyring.encode(is_originating, uri, args, kwargs)
    finally:
        # encode returns None (no box) before drawing the nonce; drop it.
        _next_nonce[:] = []


def decode(keyring, is_originating, uri, payload, enc_algo="cryptobox", enc_serializer="json", enc_key=None):
    """KeyRing.decode, then the session's URI check. Returns ("ok", (args, kwargs)) or ("error", exc)."""
    try:
        ep = EncodedPayload(payload, enc_algo, enc_serializer, enc_key)
        dec_uri, args, kwargs = keyring.decode(is_originating, uri, ep)
    except BaseException as e:  # AssertionError and CryptoError both mean "rejected"
        return "error", e
    if dec_uri != uri:
        return "mismatch", dec_uri
    return "ok", (args, kwargs)


# ---------------------------------------------------------------------------
# Keyrings. Corpus form: a list of entries
#   {"prefix": "...", "originator_priv"?, "originator_pub"?, "responder_priv"?, "responder_pub"?}
#   {"prefix": "...", "private": "..."}        (one private key for both roles)
# Key strings in base64 (what Autobahn takes) or hex (64 digits).

KEY_FIELDS = ("originator_priv", "originator_pub", "responder_priv", "responder_pub")


def key_text_to_b64(text):
    """Autobahn takes base64 only; hex keys are converted for it (the corpus
    marks hex-keyed vectors with the HexKey flag)."""
    t = text[2:] if text.startswith("0x") else text
    if len(t) == 64 and all(c in "0123456789abcdefABCDEF" for c in t):
        return base64.b64encode(bytes.fromhex(t)).decode()
    return text


def make_key(entry, lenient=False):
    """Autobahn's Key for a corpus entry. lenient: drop a public key given with
    its private key after checking that it matches (Autobahn's own check is
    broken: it compares the base64 string with a PublicKey object, so it
    always fails; see the RedundantPublicKey flag)."""
    if "private" in entry:
        p = key_text_to_b64(entry["private"])
        return cryptobox.Key(originator_priv=p, responder_priv=p)
    parts = {f: key_text_to_b64(entry[f]) for f in KEY_FIELDS if f in entry}
    if lenient:
        for side in ("originator", "responder"):
            if side + "_priv" in parts and side + "_pub" in parts:
                derived = PrivateKey(parts[side + "_priv"], encoder=Base64Encoder).public_key
                if bytes(derived) != base64.b64decode(parts[side + "_pub"]):
                    raise ValueError("inconsistent %s_pub" % side)
                del parts[side + "_pub"]
    return cryptobox.Key(**parts)


def make_keyring(entries, lenient=False):
    kr = cryptobox.KeyRing()
    for e in entries:
        kr.set_key(e["prefix"], make_key(e, lenient))
    return kr


def box_shared_key(box):
    return None if box is None else bytes(box.shared_key())


def resolve(keyring, uri, is_originating):
    """(matched prefix or None, shared key of the role's box or None), from Autobahn's own lookup."""
    try:
        prefix = keyring._uri_to_key.longest_prefix(uri)
    except KeyError:
        prefix = "" if keyring._default_key else None
    box = keyring._get_box(is_originating, uri)
    return prefix, box_shared_key(box)


# ---------------------------------------------------------------------------
# Serializers

SERIALIZERS = {
    "json": wser.JsonSerializer(),
    "msgpack": wser.MsgPackSerializer(),
    "cbor": wser.CBORSerializer(),
}


def serialize(ser, msg):
    data, _ = SERIALIZERS[ser].serialize(msg)
    return data


def unserialize(ser, frame):
    """("ok", message object) or ("error", exception) as Autobahn's transport sees it."""
    try:
        msgs = SERIALIZERS[ser].unserialize(frame)
        assert len(msgs) == 1
        return "ok", msgs[0]
    except BaseException as e:
        return "error", e


def dumps_json(obj):
    return wser._dumps(obj).encode("utf-8")


# ---------------------------------------------------------------------------
# Structured messages (corpus form) <-> Autobahn raw lists

TYPE_NAMES = {8: "ERROR", 16: "PUBLISH", 36: "EVENT", 48: "CALL", 50: "RESULT", 68: "INVOCATION", 70: "YIELD"}
TYPE_CODES = {v: k for k, v in TYPE_NAMES.items()}
# Header fields after the type code, in wire order; "options" is Options|Details, "uri" the Topic/Procedure/Error.
HEADER = {
    "PUBLISH": ["request", "options", "uri"],
    "EVENT": ["subscription", "publication", "options"],
    "CALL": ["request", "options", "uri"],
    "INVOCATION": ["request", "registration", "options"],
    "YIELD": ["request", "options"],
    "RESULT": ["request", "options"],
    "ERROR": ["requestType", "request", "options", "uri"],
}
CLASSES = {"ERROR": wmsg.Error, "PUBLISH": wmsg.Publish, "EVENT": wmsg.Event, "CALL": wmsg.Call,
           "RESULT": wmsg.Result, "INVOCATION": wmsg.Invocation, "YIELD": wmsg.Yield}


def raw_to_struct(raw):
    """A raw message list as Autobahn marshals it -> corpus structured message."""
    name = TYPE_NAMES[raw[0]]
    fields = HEADER[name]
    st = {"type": name}
    for f, v in zip(fields, raw[1:]):
        st[f] = tv(v) if f == "options" else v
    rest = raw[1 + len(fields):]
    if len(rest) == 1 and isinstance(rest[0], bytes):
        st["payload"] = h(rest[0])
    else:
        if len(rest) >= 1:
            st["args"] = tv(rest[0])
        if len(rest) >= 2:
            st["kwargs"] = tv(rest[1])
        assert len(rest) <= 2
    return st


def struct_to_raw(st):
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


def msg_struct(msg):
    """Corpus structure of an Autobahn message object (through its own marshal())."""
    return raw_to_struct(msg.marshal())


def b64(b):
    return base64.b64encode(b).decode()


def b64_lax_decode(s):
    """What Autobahn's JSON reader does with the text after U+0000."""
    return base64.b64decode(s)

