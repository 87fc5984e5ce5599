#!/usr/bin/python3
"""Adapter: Autobahn|Python, the original WAMP-cryptobox implementation
(Debian's python3-autobahn), driven exactly as an Autobahn session drives it.

- crypto_box layer: PyNaCl's nacl.public.Box, the primitive Autobahn's
  cryptobox.Key builds (libsodium underneath, so low-order public keys are
  rejected);
- keyring layer: cryptobox.Key / KeyRing (key text through PyNaCl's
  Base64Encoder, lookup through KeyRing's pytrie StringTrie);
- envelope layer: KeyRing.encode / KeyRing.decode with the nonce fixed by
  replacing autobahn.wamp.cryptobox.random (the only intervention, in the
  shared driver scripts/wampbox_py/autobahn_ref.py), then the
  session's URI comparison (autobahn/wamp/protocol.py);
- message layer: Autobahn's message classes and its JSON/MessagePack/CBOR
  serializers; opening follows the session's receive path (URI from
  Details.topic/procedure when present, role by message type).

Errors are mapped to protocol codes by the step that raised, since Autobahn
itself raises generic exceptions. Where Autobahn accepts what the corpus
requires to be rejected, this adapter reports what Autobahn does: the runner
then shows those cases as failures of Autobahn, which is the point.
"""

import binascii
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from adapterlib import Fail, Unsupported, serve, unhex  # noqa: E402  (also puts scripts/ on sys.path)

import autobahn  # noqa: E402
import nacl.bindings  # noqa: E402
import nacl.exceptions  # noqa: E402
from autobahn.wamp.exception import ProtocolError  # noqa: E402
from autobahn.wamp.types import EncodedPayload  # noqa: E402
from nacl.encoding import Base64Encoder, RawEncoder  # noqa: E402
from nacl.public import Box, PrivateKey, PublicKey  # noqa: E402

# The shared Autobahn driver (fixed nonce, keys, message classes, serializers)
# and the corpus's value/message forms.
from wampbox_py import autobahn_ref as ref  # noqa: E402
from wampbox_py.messages import raw_to_struct, struct_to_raw  # noqa: E402
from wampbox_py.typed import Unencodable, tv, untv  # noqa: E402


def _encode(ring, originating, uri, args, kwargs, nonce):
    if len(nonce) != 24:
        raise Fail("invalid_argument", "nonce must be 24 bytes")
    return ref.encode(ring, originating, uri, args, kwargs, nonce)


# -- crypto_box (PyNaCl Box, as cryptobox.Key uses it) -------------------------------

def _box(sk, pk):
    try:
        return Box(PrivateKey(unhex(sk)), PublicKey(unhex(pk)))
    except (nacl.exceptions.CryptoError, nacl.exceptions.RuntimeError, nacl.exceptions.ValueError,
            nacl.exceptions.TypeError) as e:
        raise Fail("invalid_key", f"{type(e).__name__}: {e}") from e


def op_box_seal(i):
    enc = _box(i["sk"], i["pk"]).encrypt(unhex(i["msg"]), unhex(i["nonce"]), encoder=RawEncoder)
    return {"ct": bytes(enc.ciphertext).hex()}


def op_box_open(i):
    box = _box(i["sk"], i["pk"])
    try:
        return {"msg": box.decrypt(unhex(i["ct"]), unhex(i["nonce"]), encoder=RawEncoder).hex()}
    except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError) as e:
        raise Fail("decrypt_failed", str(e)) from e


def op_beforenm(i):
    return {"k": bytes(_box(i["sk"], i["pk"]).shared_key()).hex()}


def op_box_seal_afternm(i):
    # Box.encrypt is crypto_box_afternm with the box's shared key.
    return {"ct": nacl.bindings.crypto_box_afternm(unhex(i["msg"]), unhex(i["nonce"]), unhex(i["k"])).hex()}


def op_box_open_afternm(i):
    try:
        return {"msg": nacl.bindings.crypto_box_open_afternm(unhex(i["ct"]), unhex(i["nonce"]), unhex(i["k"])).hex()}
    except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError) as e:
        raise Fail("decrypt_failed", str(e)) from e


# -- keys and keyrings ---------------------------------------------------------------

def _key(entry):
    """cryptobox.Key from the corpus entry form (keys as given: Autobahn takes
    base64 only, so hex keys fail here, as they do for Autobahn users)."""
    try:
        return ref.make_key(entry, lenient=False, hex_keys=False)
    except Exception as e:  # TypeError, AssertionError, CryptoError, "insufficient keys": all mean a bad key
        raise Fail("invalid_key", f"{type(e).__name__}: {e}") from e


def _keyring(entries):
    ring = ref.KeyRing()
    for e in entries:
        ring.set_key(e["prefix"], _key(e))
    return ring


def op_key_parse(i):
    try:
        return {"key": bytes(PublicKey(i["text"].encode("utf-8"), encoder=Base64Encoder)).hex()}
    except Exception as e:
        raise Fail("invalid_key", f"{type(e).__name__}: {e}") from e


def _shared(box):
    k = ref.box_shared_key(box)
    return None if k is None else k.hex()


def op_key_build(i):
    k = _key(i["key"])
    return {"originatorSharedKey": _shared(k.originator_box), "responderSharedKey": _shared(k.responder_box)}


def _matched_prefix(ring, uri):
    return ref.resolve(ring, uri, True)[0]


def op_keyring_resolve(i):
    ring = _keyring(i["keyring"])
    prefix, shared = ref.resolve(ring, i["uri"], _role(i["role"]))
    return {"prefix": prefix, "sharedKey": None if shared is None else shared.hex()}


def _role(r):
    if r not in ("originator", "responder"):
        raise Fail("invalid_argument", f"role {r!r}")
    return r == "originator"


# -- envelope -------------------------------------------------------------------------

def _open_plaintext(ring, originating, uri, payload):
    box = ring._get_box(originating, uri)
    return bytes(box.decrypt(payload, encoder=RawEncoder))


def op_payload_encode(i):
    ring = _keyring(i["keyring"])
    originating = _role(i["role"])
    ep = _encode(ring, originating, i["uri"], untv(i["args"]), untv(i["kwargs"]), unhex(i["nonce"]))
    if ep is None:
        return {"plaintext": None, "payload": None}
    # The plaintext that was sealed, read back with the same box.
    return {"plaintext": _open_plaintext(ring, originating, i["uri"], ep.payload).hex(), "payload": ep.payload.hex()}


def _decode(ring, originating, uri, payload, enc_algo, enc_serializer, enc_key=None):
    """KeyRing.decode and the session's URI check, with Autobahn's failures
    mapped to protocol codes by the step that raised."""
    ep = EncodedPayload(payload, enc_algo, enc_serializer, enc_key)
    if enc_algo != "cryptobox":
        # KeyRing.decode asserts enc_algo == 'cryptobox' before anything else.
        raise Fail("unsupported_enc_algo", f"enc_algo {enc_algo!r}")
    if ring._get_box(originating, uri) is None:
        raise Fail("no_key" if _matched_prefix(ring, uri) is None else "missing_role",
                   "received encrypted payload, but can't find key!")
    try:
        dec_uri, args, kwargs = ring.decode(originating, uri, ep)
    except nacl.exceptions.CryptoError as e:
        raise Fail("decrypt_failed", str(e)) from e
    except (UnicodeDecodeError, ValueError, AttributeError, TypeError) as e:
        raise Fail("malformed_plaintext", f"{type(e).__name__}: {e}") from e
    except Exception as e:  # noqa: BLE001
        if "serializer" in str(e):
            raise Fail("unsupported_enc_serializer", str(e)) from e
        raise Fail("malformed_plaintext", f"{type(e).__name__}: {e}") from e
    if dec_uri != uri:
        raise Fail("uri_mismatch", f"envelope URI {uri!r}, payload URI {dec_uri!r}")
    return args, kwargs


def op_payload_decode(i):
    ring = _keyring(i["keyring"])
    args, kwargs = _decode(ring, _role(i["role"]), i["uri"], unhex(i["payload"]), i["encAlgo"], i["encSerializer"])
    return {"args": tv(args), "kwargs": tv(kwargs)}


# -- messages -------------------------------------------------------------------------

def _serializer(name):
    if name not in ref.SERIALIZERS:
        raise Unsupported(f"serializer {name!r}")
    return ref.serializer(name)


def _raw_loads(ser, frame):
    """The serializer's own decoding (what Autobahn's Serializer.unserialize
    calls before WAMP checks), with its failure classified."""
    try:
        raws = ser._serializer.unserialize(frame)
    except UnicodeDecodeError as e:
        raise Fail("invalid_utf8", str(e)) from e
    except binascii.Error as e:
        raise Fail("invalid_base64", str(e)) from e
    except Exception as e:  # noqa: BLE001  json/msgpack/cbor2 errors
        raise Fail("parse_error", f"{type(e).__name__}: {e}") from e
    if len(raws) != 1:
        raise Fail("parse_error", f"{len(raws)} items in the frame")
    return raws[0]


def _unserialize(ser, frame):
    raw = _raw_loads(ser, frame)
    try:
        msgs = ser.unserialize(frame)
    except ProtocolError as e:
        raise Fail("protocol_error", str(e)) from e
    except Exception as e:  # noqa: BLE001
        raise Fail("protocol_error", f"{type(e).__name__}: {e}") from e
    return raw, msgs[0]


def _from_struct(st):
    raw = struct_to_raw(st)
    cls = ref.CLASSES.get(st["type"])
    if cls is None:
        raise Unsupported(f"message type {st['type']}")
    try:
        return cls.parse(raw)
    except ProtocolError as e:
        raise Fail("invalid_argument", f"Autobahn cannot build this message: {e}") from e


def _serialize(ser, msg):
    try:
        data, _ = ser.serialize(msg)
    except Exception as e:  # noqa: BLE001
        raise Fail("unencodable", f"{type(e).__name__}: {e}") from e
    return data


def op_frame_encode(i):
    ser = _serializer(i["serializer"])
    return {"frame": _serialize(ser, _from_struct(i["message"])).hex()}


def _struct_or_none(raw):
    """The structured form, or None when Autobahn accepted values (CBOR tags,
    msgpack ext types) that the typed value encoding cannot express: the
    answer is still "accepted"."""
    try:
        return raw_to_struct(raw)
    except Unencodable as e:
        sys.stderr.write(f"autobahn adapter: accepted, but no typed form: {e}\n")
        return None


def op_frame_decode(i):
    ser = _serializer(i["serializer"])
    raw, _ = _unserialize(ser, unhex(i["frame"]))
    return {"message": _struct_or_none(raw)}


def _set(msg, name, value):
    """Sets a message attribute as the class's constructor does (Publish and
    Event keep them behind properties whose setters predate the string
    enc_algo form, so the backing field is set directly)."""
    if isinstance(getattr(type(msg), name, None), property):
        setattr(msg, "_" + name, value)
    else:
        setattr(msg, name, value)


def op_frame_seal(i):
    ser = _serializer(i["serializer"])
    st = i["message"]
    tname = st["type"]
    if tname not in ref.SESSION_SEALS:
        raise Fail("invalid_argument", f"a session never seals {tname}")
    ring = _keyring(i["keyring"])
    args = untv(st["args"]) if "args" in st else None
    kwargs = untv(st["kwargs"]) if "kwargs" in st else None
    ep = _encode(ring, ref.SEAL_ORIGINATING[tname], i["payloadUri"], args, kwargs, unhex(i["nonce"]))
    # The header (ids, Options/Details, URI) through the class's parser, then
    # the application payload as the session's constructor call sets it.
    msg = _from_struct({k: v for k, v in st.items() if k not in ("args", "kwargs", "payload")})
    if ep is None:
        _set(msg, "args", args)
        _set(msg, "kwargs", kwargs)
    else:
        for name, value in (("payload", ep.payload), ("enc_algo", ep.enc_algo), ("enc_key", ep.enc_key),
                            ("enc_serializer", ep.enc_serializer)):
            _set(msg, name, value)
    return {"frame": _serialize(ser, msg).hex()}


def op_frame_decode_open(i):
    ser = _serializer(i["serializer"])
    raw, msg = _unserialize(ser, unhex(i["frame"]))
    tname = raw_to_struct(raw)["type"]
    if not msg.enc_algo:
        # The session delivers an unencrypted message as it is.
        return {"message": _struct_or_none(raw)}
    if tname not in ref.SESSION_OPENS:
        raise Fail("invalid_argument", f"a session never receives {tname}")
    uri = i["uri"]
    if tname == "EVENT":
        uri = msg.topic or uri
    elif tname == "INVOCATION":
        uri = msg.procedure or uri
    elif tname == "ERROR":
        uri = msg.error
    ring = _keyring(i["keyring"])
    args, kwargs = _decode(ring, ref.OPEN_ORIGINATING[tname], uri, msg.payload, msg.enc_algo, msg.enc_serializer,
                           msg.enc_key)
    st = raw_to_struct(msg.marshal())
    st.pop("payload", None)
    st.pop("args", None)
    st.pop("kwargs", None)
    st["options"] = {"dict": [kv for kv in st["options"]["dict"]
                              if kv[0] not in ("enc_algo", "enc_key", "enc_serializer")]}
    st["args"] = tv(args)
    st["kwargs"] = tv(kwargs)
    return {"message": st}


HANDLERS = {name[3:]: fn for name, fn in globals().items() if name.startswith("op_")}

HELLO = {
    "implementation": {
        "name": "autobahn-python",
        "version": autobahn.__version__,
        "language": "Python",
        "description": "Autobahn|Python cryptobox.KeyRing + message classes + serializers (Debian python3-autobahn), "
                       "PyNaCl/libsodium underneath",
    },
    "profile": {"low_order_keys": "reject", "plaintext_fallback": "plaintext", "base64": "lax"},
    "supports": {
        "layers": ["crypto_box", "keyring", "envelope", "message"],
        "operations": sorted(HANDLERS),
        "serializers": ["json", "msgpack", "cbor"],
        "message_types": ["PUBLISH", "EVENT", "CALL", "INVOCATION", "YIELD", "RESULT", "ERROR"],
        "unsupported_flags": [],
    },
}

if __name__ == "__main__":
    serve(HELLO, HANDLERS)
