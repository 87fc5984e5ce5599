"""JSON Schemas (draft-07) of the corpus files, written to fixtures/schemas/.
Every object is closed (additionalProperties: false) and lists its required
fields; shared definitions are inlined into each schema so that each file is
self-contained."""

from common import BUG_TYPES
from wampbox_py.messages import HEADER

DRAFT = "http://json-schema.org/draft-07/schema#"

ERRORS = [
    "decrypt_failed", "uri_mismatch", "unsupported_enc_algo", "unsupported_enc_serializer", "malformed_plaintext",
    "no_key", "missing_role", "invalid_key", "parse_error", "invalid_utf8", "invalid_base64", "protocol_error",
]


def hexbytes(n=None, desc=None):
    pat = "^([0-9a-f]{2})*$" if n is None else "^[0-9a-f]{%d}$" % (2 * n)
    s = {"type": "string", "pattern": pat}
    if desc:
        s["description"] = desc
    return s


def nullable(s):
    return {"oneOf": [{"type": "null"}, s]}


def closed(props, required, desc=None):
    s = {"type": "object", "properties": props, "required": required, "additionalProperties": False}
    if desc:
        s["description"] = desc
    return s


COMMON_DEFS = {
    "hex": hexbytes(desc="lowercase hex of a byte string"),
    "flag": {"type": "string", "pattern": "^[A-Z][A-Za-z0-9]*$"},
    "result": {"enum": ["valid", "invalid", "acceptable"]},
    "error": {"enum": ERRORS, "description": "the failure category an implementation should report when it "
                                             "rejects the input (see fixtures/README.md, Errors)"},
    "source": closed({"name": {"type": "string"}, "version": {"type": "string"}}, ["name", "version"],
                     "what produced the group's expected values"),
    "note": closed({"bugType": {"enum": BUG_TYPES}, "description": {"type": "string"}}, ["bugType", "description"]),
}

VALUE_DEFS = {
    "value": {
        "description": "a WAMP value in the corpus's typed form (fixtures/README.md, Values); the branches are "
                       "mutually exclusive (each requires its own single member), anyOf only for validation speed",
        "anyOf": [
            closed({"null": {"type": "null"}}, ["null"]),
            closed({"bool": {"type": "boolean"}}, ["bool"]),
            closed({"int": {"type": "string", "pattern": "^(0|-?[1-9][0-9]*)$"}}, ["int"]),
            closed({"float": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}, ["float"]),
            closed({"str": {"type": "string"}}, ["str"]),
            closed({"bytes": {"$ref": "#/definitions/hex"}}, ["bytes"]),
            closed({"list": {"type": "array", "items": {"$ref": "#/definitions/value"}}}, ["list"]),
            {"$ref": "#/definitions/dict"},
        ],
    },
    "dict": closed({"dict": {"type": "array", "items": {
        "type": "array", "minItems": 2, "maxItems": 2,
        "items": [{"type": "string"}, {"$ref": "#/definitions/value"}]}}}, ["dict"]),
}

_KEYTEXT = {"type": "string", "description": "a 32-byte key as base64 (44 characters) or hex (64 digits)"}
KEYRING_DEFS = {
    "keyText": _KEYTEXT,
    "keyParts": {
        "oneOf": [
            closed({"originator_priv": _KEYTEXT, "originator_pub": _KEYTEXT, "responder_priv": _KEYTEXT,
                    "responder_pub": _KEYTEXT}, [], "Autobahn's Key(originator_priv, originator_pub, "
                                                    "responder_priv, responder_pub)"),
            closed({"private": _KEYTEXT}, ["private"], "one private key for both roles (set_key(uri, str))"),
        ],
    },
    "keyringEntry": {
        "oneOf": [
            closed({"prefix": {"type": "string"}, "originator_priv": _KEYTEXT, "originator_pub": _KEYTEXT,
                    "responder_priv": _KEYTEXT, "responder_pub": _KEYTEXT}, ["prefix"]),
            closed({"prefix": {"type": "string"}, "private": _KEYTEXT}, ["prefix", "private"]),
        ],
    },
    "keyring": {"type": "array", "items": {"$ref": "#/definitions/keyringEntry"},
                "description": "keyring entries; prefix \"\" is the default key"},
    "role": {"enum": ["originator", "responder"]},
}

_ID = {"type": "integer", "minimum": 0, "maximum": 9007199254740992}
_MSG_FIELDS = HEADER  # header fields per message type, in wire order


def _message_branch(tname, fields):
    props = {"type": {"const": tname}}
    for f in fields:
        if f == "options":
            props[f] = {"$ref": "#/definitions/dict"}
        elif f == "uri":
            props[f] = {"type": "string"}
        elif f == "requestType":
            props[f] = {"type": "integer"}
        else:
            props[f] = _ID
    props["args"] = {"$ref": "#/definitions/value"}
    props["kwargs"] = {"$ref": "#/definitions/value"}
    props["payload"] = {"$ref": "#/definitions/hex"}
    return closed(props, ["type"] + fields)


MESSAGE_DEFS = {
    "message": {
        "description": "a WAMP message in the corpus's structured form (fixtures/README.md, Messages)",
        "oneOf": [_message_branch(t, f) for t, f in _MSG_FIELDS.items()],
    },
}


def test_schema(fields, required):
    props = {"tcId": {"type": "integer", "minimum": 1}, "comment": {"type": "string"},
             "flags": {"type": "array", "items": {"$ref": "#/definitions/flag"}, "uniqueItems": True},
             "result": {"$ref": "#/definitions/result"}}
    props.update(fields)
    return closed(props, ["tcId", "comment", "flags"] + required + ["result"])


def group_schema(gtype, operation, params, preq, tfields, treq):
    props = {"type": {"const": gtype}, "operation": {"const": operation}, "source": {"$ref": "#/definitions/source"}}
    props.update(params)
    props["tests"] = {"type": "array", "minItems": 1, "items": test_schema(tfields, treq)}
    return closed(props, ["type", "operation", "source"] + preq + ["tests"])


def file_schema(name, title, groups, defs):
    d = dict(COMMON_DEFS)
    d.update(defs)
    return {
        "$schema": DRAFT,
        "$id": "https://wampbox.invalid/fixtures/schemas/" + name,
        "title": title,
        "type": "object",
        "properties": {
            "algorithm": {"type": "string"},
            "schema": {"const": name},
            "corpusVersion": {"type": "string", "pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+$"},
            "numberOfTests": {"type": "integer", "minimum": 0},
            "header": {"type": "array", "items": {"type": "string"}},
            "notes": {"type": "object", "propertyNames": {"$ref": "#/definitions/flag"},
                      "additionalProperties": {"$ref": "#/definitions/note"}},
            "testGroups": {"type": "array", "items": {"oneOf": groups}},
        },
        "required": ["algorithm", "schema", "corpusVersion", "numberOfTests", "header", "notes", "testGroups"],
        "additionalProperties": False,
        "definitions": d,
    }


H = {"$ref": "#/definitions/hex"}
HN = nullable(H)
V = {"$ref": "#/definitions/value"}
ERR = {"$ref": "#/definitions/error"}


_PPT_KEYID = {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"}
PPT_DEFS = {
    "error": {"enum": ERRORS + ["bad_key_id", "retired_key"],
              "description": "the failure category an implementation should report when it rejects the input"},
    "role": {"enum": ["originator", "responder"]},
    "pptKey": {
        "oneOf": [
            closed({"prefix": {"type": "string"}, "model": {"const": "symmetric"}, "keyid": _PPT_KEYID,
                    "key": hexbytes(32), "status": {"enum": ["current", "grace", "retired"]}},
                   ["prefix", "model", "keyid", "key", "status"], "a 32-byte data-encryption key named by keyid"),
            closed({"prefix": {"type": "string"}, "model": {"const": "keypair"}, "originator_priv": _KEYTEXT,
                    "responder_priv": _KEYTEXT, "status": {"enum": ["current", "grace", "retired"]}},
                   ["prefix", "model", "originator_priv", "responder_priv", "status"],
                   "a cryptobox key pair per role; key ids name the receiver's public key"),
        ],
    },
    "pptKeys": {"type": "array", "items": {"$ref": "#/definitions/pptKey"},
                "description": "entries added in list order; longest character prefix of the URI"},
}


def all_schemas():
    out = {}
    name = "crypto_box_test.schema.json"
    out[name] = file_schema(name, "WAMP-cryptobox corpus: crypto_box layer", [
        group_schema("CryptoBoxTest", "box", {}, [],
                     {"sk": hexbytes(32), "pk": hexbytes(32), "nonce": hexbytes(24), "msg": H,
                      "ct": dict(H, description="mac(16) || ciphertext, as crypto_box_easy writes it (no nonce)")},
                     ["sk", "pk", "nonce", "msg", "ct"]),
        group_schema("CryptoBoxBeforenmTest", "beforenm", {}, [],
                     {"sk": hexbytes(32), "pk": hexbytes(32), "k": hexbytes(32)}, ["sk", "pk", "k"]),
        group_schema("CryptoBoxAfternmTest", "box_afternm", {}, [],
                     {"k": hexbytes(32), "nonce": hexbytes(24), "msg": H, "ct": H}, ["k", "nonce", "msg", "ct"]),
    ], {})
    name = "payload_test.schema.json"
    defs = dict(VALUE_DEFS)
    defs.update(KEYRING_DEFS)
    ring = {"keyring": {"$ref": "#/definitions/keyring"}}
    out[name] = file_schema(name, "WAMP-cryptobox corpus: payload (envelope) layer", [
        group_schema("PayloadEncodeTest", "payload_encode", ring, ["keyring"],
                     {"role": {"$ref": "#/definitions/role"}, "uri": {"type": "string"}, "args": V, "kwargs": V,
                      "nonce": hexbytes(24), "plaintext": HN,
                      "payload": dict(HN, description="nonce(24) || mac(16) || ciphertext; null: sent in plaintext"),
                      "error": ERR},
                     ["role", "uri", "args", "kwargs", "nonce", "plaintext", "payload"]),
        group_schema("PayloadDecodeTest", "payload_decode", ring, ["keyring"],
                     {"role": {"$ref": "#/definitions/role"}, "uri": {"type": "string"},
                      "encAlgo": {"type": "string"}, "encSerializer": {"type": "string"}, "payload": H,
                      "plaintext": HN, "args": V, "kwargs": V, "error": ERR},
                     ["role", "uri", "encAlgo", "encSerializer", "payload", "plaintext"]),
    ], defs)
    name = "keyring_test.schema.json"
    out[name] = file_schema(name, "WAMP-cryptobox corpus: keys and keyrings", [
        group_schema("KeyParseTest", "key_parse", {}, [],
                     {"text": {"type": "string"}, "key": nullable(hexbytes(32)), "error": ERR}, ["text", "key"]),
        group_schema("KeyBuildTest", "key_build", {}, [],
                     {"key": {"$ref": "#/definitions/keyParts"}, "originatorSharedKey": nullable(hexbytes(32)),
                      "responderSharedKey": nullable(hexbytes(32)), "error": ERR}, ["key"]),
        group_schema("KeyringResolveTest", "keyring_resolve", ring, ["keyring"],
                     {"uri": {"type": "string"}, "role": {"$ref": "#/definitions/role"},
                      "prefix": nullable({"type": "string"}), "sharedKey": nullable(hexbytes(32))},
                     ["uri", "role", "prefix", "sharedKey"]),
    ], KEYRING_DEFS)
    name = "message_test.schema.json"
    defs = dict(VALUE_DEFS)
    defs.update(KEYRING_DEFS)
    defs.update(MESSAGE_DEFS)
    ser = {"serializer": {"enum": ["json", "msgpack", "cbor"]}}
    ser_ring = dict(ser, **ring)
    M = {"$ref": "#/definitions/message"}
    out[name] = file_schema(name, "WAMP-cryptobox corpus: WAMP message frames", [
        group_schema("FrameTest", "frame", ser, ["serializer"], {"message": M, "frame": H}, ["message", "frame"]),
        group_schema("FrameDecodeTest", "frame_decode", ser, ["serializer"],
                     {"frame": H, "message": M, "error": ERR}, ["frame"]),
        group_schema("FrameSealTest", "frame_seal", ser_ring, ["serializer", "keyring"],
                     {"message": M, "payloadUri": {"type": "string"}, "nonce": hexbytes(24), "frame": H, "error": ERR},
                     ["message", "payloadUri", "nonce", "frame"]),
        group_schema("FrameOpenTest", "frame_decode_open", ser_ring, ["serializer", "keyring"],
                     {"frame": H, "uri": {"type": "string"}, "message": M, "error": ERR}, ["frame", "uri"]),
    ], defs)
    name = "ppt_test.schema.json"
    defs = dict(VALUE_DEFS)
    defs.update(PPT_DEFS)
    keys = {"pptKeys": {"$ref": "#/definitions/pptKeys"}}
    role = {"$ref": "#/definitions/role"}
    seal_fields = {"role": role, "uri": {"type": "string"}, "args": V, "kwargs": V, "cipher": {"type": "string"},
                   "nonce": H, "options": {"$ref": "#/definitions/dict"}, "plaintext": H,
                   "payload": dict(H, description="xsalsa20poly1305: nonce(24) || mac(16) || ct; aes256gcm: "
                                                  "nonce(12) || ct || tag(16)"),
                   "arguments": V, "argumentsKw": nullable(V), "error": ERR}
    open_fields = {"role": role, "uri": {"type": "string"}, "options": {"$ref": "#/definitions/dict"},
                   "arguments": dict(V, description="the Arguments slot as received"),
                   "argumentsKw": nullable(V), "args": V, "kwargs": V, "error": ERR}
    out[name] = file_schema(name, "WAMP Payload PassThru Mode corpus (ppt layer)", [
        group_schema("PptTest", "ppt", keys, ["pptKeys"], seal_fields,
                     ["role", "uri", "args", "kwargs", "cipher", "nonce", "options", "plaintext", "payload",
                      "arguments", "argumentsKw"]),
        group_schema("PptOpenTest", "ppt_open", keys, ["pptKeys"], open_fields,
                     ["role", "uri", "options", "arguments", "argumentsKw"]),
        group_schema("PptSealTest", "ppt_seal", keys, ["pptKeys"],
                     {k: seal_fields[k] for k in ("role", "uri", "args", "kwargs", "cipher", "nonce", "options",
                                                  "plaintext", "payload", "error")},
                     ["role", "uri", "args", "kwargs", "cipher", "nonce"]),
    ], defs)
    return out
