"""Envelope layer: fixtures/payload_test.json (KeyRing.encode/decode: the
inner plaintext and the encrypted payload) and fixtures/keyring_test.json
(key parsing, Key construction, keyring resolution)."""

import base64
import random

import nacl.bindings as sodium
from nacl.public import PrivateKey, PublicKey
from nacl.encoding import Base64Encoder

from wampbox_py import autobahn_ref as A
from common import TestFile, det_bytes, flip_bit, h, nul_quirk, taxonomy_cases
from layer_box import SAMPLE_ORIGINATOR_PRIV, SAMPLE_ORIGINATOR_PUB, SAMPLE_RESPONDER_PRIV, SAMPLE_RESPONDER_PUB
from wampbox_py.payloads import random_value, random_value_list
from wampbox_py.typed import same_value, tv

PAYLOAD_FNAME = "payload_test.json"
KEYRING_FNAME = "keyring_test.json"

ROLES = ("originator", "responder")
OTHER = {"originator": "responder", "responder": "originator"}

# Both private keys (public keys derived): both boxes. (Autobahn cannot take a
# public key together with its private key: see RedundantPublicKey.)
FULL_KEY = {"originator_priv": SAMPLE_ORIGINATOR_PRIV, "responder_priv": SAMPLE_RESPONDER_PRIV}

# Taxonomy cases left out of the corpus: the 1 MiB string would add ~5 MB of hex
# to fixtures/ for no coverage the 64 KiB case lacks.
SKIPPED_SHAPES = {"large_1mib"}

PAYLOAD_NOTES = {
    "KnownAnswer": ("BASIC", "Autobahn|Python's worked example: the crossbar-examples sample keys, nonce 00 01 .. "
                             "17, publish('com.myapp.encrypted.hello', ['Counter is at 1'])."),
    "TaxonomyShape": ("BASIC", "A payload shape of the shared taxonomy (scripts/wampbox_py/payloads.py "
                               "taxonomy(), named in the comment): unicode, control characters, big integers, "
                               "float representations, NaN/Infinity, bytes, nesting, empty and null args/kwargs, "
                               "large."),
    "RandomPayload": ("BASIC", "A seeded random payload (payloads.random_value)."),
    "LeadingNulString": ("KNOWN_QUIRK", "A str that starts with U+0000 is written as \"\\u0000...\" and every "
                                        "reader (Autobahn, wampbox) reads such a JSON string back as bytes "
                                        "(base64 of the rest): the value does not round-trip."),
    "NoMatchingKey": ("BASIC", "No keyring entry or default key covers the URI. Encode: the message goes in "
                               "plaintext (payload null). Decode: must fail (no_key)."),
    "MissingRole": ("MISSING_STEP", "A key covers the URI but lacks the box for the needed role "
                                    "(originator box: originator_priv + responder_pub; responder box: "
                                    "responder_priv + originator_pub)."),
    "PlaintextFallback": ("KNOWN_QUIRK", "Autobahn's KeyRing.encode returns None when the matched key lacks the "
                                         "role, and the session then sends the message in PLAINTEXT without "
                                         "warning. Profile autobahn: payload null. Profile strict (wampbox "
                                         "default): reject with missing_role."),
    "DirectionNotBound": ("KNOWN_QUIRK", "Opened with the same role that sealed it: both boxes of a key derive "
                                         "the same shared key, so the direction of a message is not "
                                         "authenticated and a reflected payload opens."),
    "ModifiedPayload": ("AUTH_BYPASS", "One bit of the payload flipped (in the nonce, the tag or the "
                                       "ciphertext): must fail (decrypt_failed)."),
    "TruncatedPayload": ("MALFORMED_INPUT", "The payload cut short, including below nonce+tag (40 bytes): "
                                            "must fail (decrypt_failed)."),
    "TrailingData": ("MALFORMED_INPUT", "Bytes appended to the payload: must fail (decrypt_failed)."),
    "WrongKey": ("MODIFIED_PARAMETER", "The keyring's key for the URI is not the sealing key: must fail "
                                       "(decrypt_failed)."),
    "UriMismatch": ("MISSING_STEP", "The URI inside the plaintext differs from the envelope URI (the payload "
                                    "was sealed for another topic/procedure): must fail (uri_mismatch). Autobahn "
                                    "checks this in the session, after KeyRing.decode."),
    "UnknownEncSerializer": ("MISSING_STEP", "enc_serializer other than \"json\": Autobahn decrypts first and "
                                             "fails only after the MAC verifies (unsupported_enc_serializer)."),
    "DecryptBeforeSerializerCheck": ("MISSING_STEP", "Both the MAC and enc_serializer are wrong: the MAC check "
                                                     "comes first, so the error is decrypt_failed."),
    "UnsupportedEncAlgo": ("MODIFIED_PARAMETER", "enc_algo other than \"cryptobox\": must fail "
                                                 "(unsupported_enc_algo); the payload is never opened."),
    "MalformedPlaintext": ("MALFORMED_INPUT", "The decrypted bytes are not a JSON object with a string uri, args "
                                              "a list or null and kwargs an object or null: must fail "
                                              "(malformed_plaintext)."),
    "InvalidUtf8Plaintext": ("MALFORMED_INPUT", "The decrypted bytes are not valid UTF-8: must fail "
                                                "(malformed_plaintext)."),
    "NonCanonicalPlaintext": ("EDGE_CASE", "Valid JSON that Autobahn would not write (whitespace, escapes, other "
                                           "member order, exponent forms): readers must accept it."),
    "ExtraPlaintextMember": ("KNOWN_QUIRK", "The plaintext object has members besides uri/args/kwargs. Autobahn "
                                            "ignores them; a strict reader may reject (malformed_plaintext)."),
    "MissingPlaintextMember": ("KNOWN_QUIRK", "args or kwargs is absent from the plaintext. Autobahn reads it as "
                                              "null; a strict reader may reject (malformed_plaintext)."),
    "DuplicateKey": ("KNOWN_QUIRK", "A JSON object repeats a member name. Python's json keeps the last value; a "
                                    "reader that accepts must do the same (the vector's output), or reject."),
    "LaxBase64": ("KNOWN_QUIRK", "A JSON binary string (\"\\u0000\" + base64) that is not strict padded "
                                 "base64 but that Python's base64.b64decode (non-validating) accepts: it skips "
                                 "characters outside the alphabet and ignores non-zero padding bits. Profile "
                                 "autobahn: the vector's output. Profile strict (wampbox): reject."),
    "LoneSurrogate": ("KNOWN_QUIRK", "A JSON \\ud800 escape without its pair: Python accepts it into a str "
                                     "that is not valid Unicode; UTF-8 based readers reject it. No output is "
                                     "defined (the value has no UTF-8 form)."),
    "FloatOverflow": ("EDGE_CASE", "A JSON number beyond the double range: Python reads it as infinity; a "
                                   "reader may reject it instead."),
    "AutobahnAccepts": ("KNOWN_QUIRK", "Autobahn's KeyRing.decode returns this plaintext without complaint (it "
                                       "only calls dict.get), leaving the application with args/kwargs of the "
                                       "wrong type; the corpus requires rejection."),
}

PAYLOAD_HEADER = [
    "WAMP-cryptobox envelope layer: Autobahn|Python's cryptobox.KeyRing.encode/decode.",
    "`plaintext` is the exact UTF-8 JSON text {\"uri\":..,\"args\":..,\"kwargs\":..} that is sealed; "
    "`payload` is nonce(24) || mac(16) || ciphertext, exactly the bytes that replace Arguments in the WAMP message.",
    "Operations payload_encode, payload_decode and the value and keyring encodings are defined in fixtures/README.md.",
    "Generated by driving Autobahn|Python with fixed nonces; every payload also opened by tweetnacl-js.",
]

KEYRING_NOTES = {
    "Base64Key": ("BASIC", "A 32-byte key in standard padded base64 (44 characters), the form Autobahn's Key() takes."),
    "HexKey": ("KNOWN_QUIRK", "A 32-byte key as 64 hex digits, the form KeyRing.generate_key_hex() and `crossbar "
                              "keygen` print. Autobahn's Key() rejects it (TypeError); wampbox accepts it. The "
                              "vector's outputs are what the key means when accepted."),
    "HexPrefix0x": ("KNOWN_QUIRK", "Hex key with a 0x prefix (accepted by wampbox, not by Autobahn)."),
    "UppercaseHex": ("EDGE_CASE", "Hex digits in upper case."),
    "LaxBase64": ("KNOWN_QUIRK", "Not strict padded base64 but accepted by Python's non-validating "
                                 "base64.b64decode (PyNaCl's Base64Encoder): characters outside the alphabet are "
                                 "skipped, non-zero padding bits ignored. Profile autobahn: the vector's key. "
                                 "Profile strict (wampbox): reject."),
    "WrongLength": ("MALFORMED_INPUT", "Decodes to a length other than 32 bytes, or has a length no encoding of "
                                       "32 bytes has: must fail (invalid_key)."),
    "InvalidCharacter": ("MALFORMED_INPUT", "A character outside the encoding's alphabet: must fail (invalid_key)."),
    "MissingPadding": ("MALFORMED_INPUT", "Base64 without its final '=': Autobahn and strict readers reject it."),
    "EmptyKey": ("MALFORMED_INPUT", "The empty string: must fail (invalid_key)."),
    "BothRoles": ("BASIC", "All four keys given: both boxes exist."),
    "OriginatorOnly": ("BASIC", "originator_priv + responder_pub: only the originator box (caller/publisher side)."),
    "ResponderOnly": ("BASIC", "responder_priv + originator_pub: only the responder box (callee/subscriber side)."),
    "SinglePrivateKey": ("BASIC", "One private key for both roles (Autobahn's set_key(uri, str)): both boxes use "
                                  "that key and its own public key."),
    "PublicDerived": ("BASIC", "A private key given without its public key: the public key is derived "
                               "(X25519 base point multiplication)."),
    "RedundantPublicKey": ("KNOWN_QUIRK", "A public key given together with its (matching) private key. Autobahn's "
                                          "Key() checks it with `assert(originator_pub is None or originator_pub == "
                                          "self.originator_pub)`, comparing the base64 string with a PublicKey "
                                          "object, which is never equal: Autobahn raises AssertionError (unless "
                                          "Python runs with -O). wampbox accepts a matching public key. Outputs "
                                          "computed from the private keys."),
    "InsufficientKeys": ("MALFORMED_INPUT", "Neither box can be formed from the parts given: must fail "
                                            "(invalid_key)."),
    "InconsistentPublicKey": ("MALFORMED_INPUT", "A public key given together with its private key but not "
                                                 "matching it: must fail (invalid_key; Autobahn asserts)."),
    "LongestPrefix": ("BASIC", "Several prefixes match; the longest wins."),
    "CharacterPrefix": ("KNOWN_QUIRK", "Prefixes match by characters, not URI components: a key for "
                                       "\"com.myapp.enc\" covers \"com.myapp.encrypted.x\" and \"com.myapp.encx\"."),
    "ExactPrefix": ("EDGE_CASE", "The URI equals a prefix."),
    "DefaultKey": ("BASIC", "No prefix matches; the default key (prefix \"\") applies."),
    "NoMatchingKey": ("BASIC", "No prefix matches and there is no default key: prefix and sharedKey are null."),
    "MissingRole": ("BASIC", "The matched key lacks the box for the role: prefix is set, sharedKey null. (Lookup "
                             "does not fall back to a shorter prefix or the default key.)"),
    "CaseSensitive": ("EDGE_CASE", "Prefix matching is case-sensitive."),
    "UnicodeUri": ("EDGE_CASE", "Non-ASCII URI and prefix (matched by code points; NFC and NFD forms differ)."),
}

KEYRING_HEADER = [
    "WAMP-cryptobox keys and keyrings: Autobahn|Python's cryptobox.Key and KeyRing (pytrie StringTrie lookup).",
    "Operations key_parse, key_build, keyring_resolve and the keyring encoding are defined in fixtures/README.md.",
    "sharedKey / originatorSharedKey / responderSharedKey are crypto_box_beforenm outputs (PyNaCl Box.shared_key()).",
]

E_DECRYPT = "decrypt_failed"
E_NOKEY = "no_key"
E_ROLE = "missing_role"
E_URI = "uri_mismatch"
E_SER = "unsupported_enc_serializer"
E_ALGO = "unsupported_enc_algo"
E_PLAIN = "malformed_plaintext"
E_KEY = "invalid_key"


def _priv(b64):
    return base64.b64decode(b64)


def _seal_raw(sk_b64, pk_b64, nonce, plaintext):
    """Seal arbitrary plaintext bytes as a WAMP payload (nonce || box)."""
    return nonce + sodium.crypto_box(plaintext, nonce, base64.b64decode(pk_b64), base64.b64decode(sk_b64))


def _role_keys(role):
    """(my secret, peer public) of the sample key's box for a role."""
    if role == "originator":
        return SAMPLE_ORIGINATOR_PRIV, SAMPLE_RESPONDER_PUB
    return SAMPLE_RESPONDER_PRIV, SAMPLE_ORIGINATOR_PUB


def build_payload(reg, js, sources):
    tf = TestFile(PAYLOAD_FNAME, "WAMP-cryptobox payload (cryptobox/json)", "payload_test.schema.json",
                  PAYLOAD_HEADER, {k: {"bugType": v[0], "description": v[1]} for k, v in PAYLOAD_NOTES.items()})
    src = sources["autobahn"]

    def confirm_js(key, role, payload, plaintext):
        sk, pk = _role_keys(role)
        js.check({"op": "box_open", "sk": h(_priv(sk)), "pk": h(base64.b64decode(pk)), "nonce": h(payload[:24]),
                  "ct": h(payload[24:])}, None if plaintext is None else h(plaintext), key)

    def open_plain(role, payload):
        sk, pk = _role_keys(role)
        try:
            return sodium.crypto_box_open(payload[24:], payload[:24], base64.b64decode(pk), base64.b64decode(sk))
        except Exception:
            return None

    # ------------------------------------------------------------------ encode
    worked_ring = [{"prefix": "com.myapp.encrypted.", "originator_priv": SAMPLE_ORIGINATOR_PRIV,
                    "responder_pub": SAMPLE_RESPONDER_PUB}]
    kr = A.make_keyring(worked_ring)
    g = tf.group(type="PayloadEncodeTest", operation="payload_encode", source=src, keyring=worked_ring)
    ep = A.encode(kr, True, "com.myapp.encrypted.hello", ["Counter is at 1"], {}, bytes(range(24)))
    worked_payload = ep.payload
    assert A.b64(ep.payload) == ("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXo+FJTz/cFFWdjcOImYfQpex+oEW8jND7QuZwhen0u8cHyVwFs9ef9a"
                                 "llGDqnMIENOrHpR8O0R1qWpTTw8Zg3JmgwiaWhMwflqHVaP+SfQQMINA4NW9qhkrW1")
    pt = open_plain("originator", ep.payload)
    g.add(reg, "kat/worked-example", "publish('com.myapp.encrypted.hello', 'Counter is at 1') with nonce 00..17",
          "valid", ["KnownAnswer"], role="originator", uri="com.myapp.encrypted.hello",
          args=tv(["Counter is at 1"]), kwargs=tv({}), nonce=h(bytes(range(24))), plaintext=h(pt),
          payload=h(ep.payload))
    confirm_js("payload/kat", "originator", ep.payload, pt)

    main_ring = [dict(prefix="com.example.", **FULL_KEY)]
    kr = A.make_keyring(main_ring)
    g = tf.group(type="PayloadEncodeTest", operation="payload_encode", source=src, keyring=main_ring)
    gd = tf.group(type="PayloadDecodeTest", operation="payload_decode", source=src, keyring=main_ring)
    cases = [(n, a, k, ["TaxonomyShape"]) for n, a, k in taxonomy_cases() if n not in SKIPPED_SHAPES]
    rng = random.Random("wampbox-corpus/payload/random")
    for i in range(24):
        args = random_value_list(rng, rng.randint(0, 6)) if rng.random() < 0.85 else None
        kwargs = {"k%d" % j: random_value(rng, 2) for j in range(rng.randint(0, 4))} if rng.random() < 0.8 else None
        cases.append(("random_%02d" % i, args, kwargs, ["RandomPayload"]))
    cases.append(("leading_nul_string", ["\x00AAEC", "\x00"], {"s": "\x00YWJj"}, ["LeadingNulString"]))
    encoded = {}
    for name, args, kwargs, flags in cases:
        for role in (ROLES if name != "text_64k" else ROLES[:1]):  # keep fixtures/ small
            uri = "com.example.payload." + name
            nonce = det_bytes("payload/encode/%s/%s" % (name, role), 24)
            ep = A.encode(kr, role == "originator", uri, args, kwargs, nonce)
            assert ep.enc_algo == "cryptobox" and ep.enc_serializer == "json" and ep.enc_key is None
            pt = open_plain(role, ep.payload)
            assert pt == A.dumps_json({"uri": uri, "args": args, "kwargs": kwargs})
            key = "encode/%s/%s" % (name, role)
            g.add(reg, key, "%s, sealed by the %s box" % (name, role), "valid",
                  sorted(set(flags + nul_quirk(args, kwargs)[0][:1])), role=role, uri=uri,
                  args=tv(args), kwargs=tv(kwargs), nonce=h(nonce), plaintext=h(pt), payload=h(ep.payload))
            confirm_js(key, role, ep.payload, pt)
            encoded[(name, role)] = (uri, args, kwargs, ep.payload, pt, flags)
    # decode: the peer opens with the other role
    for (name, role), (uri, args, kwargs, payload, pt, flags) in encoded.items():
        status, res = A.decode(kr, role != "originator", uri, payload)
        assert status == "ok", (name, status, res)
        dargs, dkwargs = res
        qflags, strict_ok = nul_quirk(args, kwargs)
        if not qflags:
            assert same_value(dargs, args) and same_value(dkwargs, kwargs), name
        elif name == "leading_nul_string":
            assert dargs == [b"\x00\x01\x02", b""] and dkwargs == {"s": b"abc"}, (dargs, dkwargs)
        extra = {} if strict_ok else {"error": E_PLAIN}
        gd.add(reg, "decode/%s/%s" % (name, OTHER[role]), "%s sealed by the %s box, opened by the %s box%s" %
               (name, role, OTHER[role], "" if not qflags else ": a str starting with U+0000 comes back as bytes"),
               "valid" if strict_ok else "acceptable", sorted(set(flags + qflags)), role=OTHER[role], uri=uri,
               encAlgo="cryptobox", encSerializer="json", payload=h(payload), plaintext=h(pt), args=tv(dargs),
               kwargs=tv(dkwargs), **extra)

    # Reflection: opened by the role that sealed it.
    for name in ("args_only", "kwargs_only", "scalars"):
        uri, args, kwargs, payload, pt, flags = encoded[(name, "originator")]
        status, res = A.decode(kr, True, uri, payload)
        assert status == "ok"
        gd.add(reg, "decode/reflected/%s" % name, "%s sealed by the originator box and opened by the originator "
               "box itself" % name, "valid", ["DirectionNotBound"], role="originator", uri=uri, encAlgo="cryptobox",
               encSerializer="json", payload=h(payload), plaintext=h(pt), args=tv(res[0]), kwargs=tv(res[1]))

    # ------------------------------------------------------------------ encode edge cases
    partial_ring = [
        {"prefix": "com.example.caller.", "originator_priv": SAMPLE_ORIGINATOR_PRIV,
         "responder_pub": SAMPLE_RESPONDER_PUB},
        {"prefix": "com.example.callee.", "responder_priv": SAMPLE_RESPONDER_PRIV,
         "originator_pub": SAMPLE_ORIGINATOR_PUB},
    ]
    krp = A.make_keyring(partial_ring)
    ge = tf.group(type="PayloadEncodeTest", operation="payload_encode", source=src, keyring=partial_ring)
    for uri, role, flags, result, comment in [
        ("org.unrelated.topic", "originator", ["NoMatchingKey"], "valid", "no key covers the URI: plaintext"),
        ("org.unrelated.topic", "responder", ["NoMatchingKey"], "valid", "no key covers the URI: plaintext"),
        ("com.example.callee.proc", "originator", ["MissingRole", "PlaintextFallback"], "acceptable",
         "the key for com.example.callee. has no originator box"),
        ("com.example.caller.proc", "responder", ["MissingRole", "PlaintextFallback"], "acceptable",
         "the key for com.example.caller. has no responder box"),
    ]:
        nonce = det_bytes("payload/encode-edge/%s/%s" % (uri, role), 24)
        assert A.encode(krp, role == "originator", uri, ["x"], {}, nonce) is None
        extra = {"error": E_ROLE} if result == "acceptable" else {}
        ge.add(reg, "encode-edge/%s/%s" % (uri, role), comment, result, flags, role=role, uri=uri, args=tv(["x"]),
               kwargs=tv({}), nonce=h(nonce), plaintext=None, payload=None, **extra)
    for uri, role in (("com.example.caller.proc", "originator"), ("com.example.callee.proc", "responder")):
        nonce = det_bytes("payload/encode-edge/%s/%s" % (uri, role), 24)
        ep = A.encode(krp, role == "originator", uri, ["x"], {}, nonce)
        pt = open_plain(role, ep.payload)
        key = "encode-edge/%s/%s" % (uri, role)
        ge.add(reg, key, "one-role key used in its role", "valid", [],
               role=role, uri=uri, args=tv(["x"]), kwargs=tv({}), nonce=h(nonce), plaintext=h(pt),
               payload=h(ep.payload))
        confirm_js(key, role, ep.payload, pt)

    # ------------------------------------------------------------------ decode negatives
    gn = tf.group(type="PayloadDecodeTest", operation="payload_decode", source=src, keyring=main_ring)
    base_uri, _, _, base_payload, base_pt, _ = encoded[("args_only", "originator")]

    def neg(key, comment, flags, error, payload, uri=base_uri, role="responder", enc_algo="cryptobox",
            enc_serializer="json", expect="error", result="invalid", group=gn, ring_kr=kr, **out):
        status, res = A.decode(ring_kr, role == "originator", uri, payload, enc_algo, enc_serializer)
        if expect == "error":
            assert status in ("error", "mismatch"), (key, status, res)
        else:
            assert status == expect, (key, status, res)
        box = ring_kr._get_box(role == "originator", uri)
        try:
            pt = None if box is None else bytes(box.decrypt(payload))
        except Exception:
            pt = None
        fields = dict(role=role, uri=uri, encAlgo=enc_algo, encSerializer=enc_serializer, payload=h(payload),
                      plaintext=None if pt is None else h(pt))
        fields.update(out)
        if error is not None:
            fields["error"] = error
        group.add(reg, key, comment, result, flags, **fields)
        if enc_algo == "cryptobox" and len(payload) >= 40 and group is gn:
            confirm_js(key, role, payload, pt)

    for region, positions in (("nonce", (0, 95, 191)), ("tag", (192, 255, 319)), ("ciphertext", (320, 321, 500))):
        for bit in positions:
            neg("decode-neg/flip-%s-bit%d" % (region, bit), "args_only payload with bit %d (%s) flipped" %
                (bit, region), ["ModifiedPayload"], E_DECRYPT, flip_bit(base_payload, bit))
    for cut in sorted({0, 1, 16, 23, 24, 25, 39, 40, 41, len(base_payload) - 1}):
        neg("decode-neg/truncated-%d" % cut, "args_only payload truncated to %d of %d bytes" %
            (cut, len(base_payload)), ["TruncatedPayload"], E_DECRYPT, base_payload[:cut])
    for extra in (b"\x00", b"\xff" * 16):
        neg("decode-neg/trailing-%d" % len(extra), "args_only payload with %d trailing byte(s)" % len(extra),
            ["TrailingData"], E_DECRYPT, base_payload + extra)
    # URI mismatch: the same key covers both URIs.
    for env_uri, why in (("com.example.payload.args_onl", "a prefix of the sealed URI"),
                         ("com.example.payload.args_only.x", "an extension of the sealed URI"),
                         ("com.example.payload.ARGS_ONLY", "differs in case"),
                         ("com.example.payload.kwargs_only", "another procedure under the same key")):
        neg("decode-neg/uri-mismatch/%s" % env_uri, "payload sealed for %s delivered for %s (%s)" %
            (base_uri, env_uri, why), ["UriMismatch"], E_URI, base_payload, uri=env_uri, expect="mismatch")
    # NFC vs NFD
    nfc, nfd = "com.example.caf\u00e9", "com.example.cafe\u0301"
    nonce = det_bytes("payload/nfc", 24)
    p_nfc = A.encode(kr, True, nfc, ["x"], {}, nonce).payload
    neg("decode-neg/uri-mismatch/nfd", "payload sealed for the NFC form of a URI, delivered for its NFD form",
        ["UriMismatch"], E_URI, p_nfc, uri=nfd, expect="mismatch")
    for ser in ("msgpack", "cbor", "ubjson", "flatbuffers", "x_custom", "JSON", ""):
        neg("decode-neg/enc-serializer/%s" % (ser or "empty"), "enc_serializer %r with a payload that decrypts"
            % ser, ["UnknownEncSerializer"], E_SER, base_payload, enc_serializer=ser)
    for ser in ("msgpack", "x_custom"):
        neg("decode-neg/enc-serializer-bad-mac/%s" % ser, "enc_serializer %r and a flipped tag bit" % ser,
            ["DecryptBeforeSerializerCheck", "ModifiedPayload"], E_DECRYPT, flip_bit(base_payload, 200),
            enc_serializer=ser)
    for algo in ("xbr", "mqtt", "x_custom", "CRYPTOBOX", ""):
        neg("decode-neg/enc-algo/%s" % (algo or "empty"), "enc_algo %r" % algo, ["UnsupportedEncAlgo"], E_ALGO,
            base_payload, enc_algo=algo)
    # Wrong key / no key / missing role, with their own keyrings.
    other_ring = [{"prefix": "com.example.", "private": base64.b64encode(det_bytes("payload/other-key", 32)).decode()}]
    gw = tf.group(type="PayloadDecodeTest", operation="payload_decode", source=src, keyring=other_ring)
    neg("decode-neg/wrong-key", "the keyring's key for com.example. is not the sealing key", ["WrongKey"], E_DECRYPT,
        base_payload, group=gw, ring_kr=A.make_keyring(other_ring))
    gk = tf.group(type="PayloadDecodeTest", operation="payload_decode", source=src, keyring=partial_ring)
    neg("decode-neg/no-key", "no key covers com.example.payload.args_only (and no default key)", ["NoMatchingKey"],
        E_NOKEY, base_payload, group=gk, ring_kr=krp)
    nonce = det_bytes("payload/role/caller", 24)
    p_caller = A.encode(krp, True, "com.example.caller.proc", ["x"], {}, nonce).payload
    neg("decode-neg/missing-role/responder", "key for com.example.caller. has only the originator box; opened as "
        "responder", ["MissingRole"], E_ROLE, p_caller, uri="com.example.caller.proc", role="responder", group=gk,
        ring_kr=krp)
    nonce = det_bytes("payload/role/callee", 24)
    p_callee = A.encode(krp, False, "com.example.callee.proc", ["x"], {}, nonce).payload
    neg("decode-neg/missing-role/originator", "key for com.example.callee. has only the responder box; opened as "
        "originator", ["MissingRole"], E_ROLE, p_callee, uri="com.example.callee.proc", role="originator", group=gk,
        ring_kr=krp)
    # The one-role keys in their own role open fine.
    for uri, role, p in (("com.example.caller.proc", "originator", p_caller),
                         ("com.example.callee.proc", "responder", p_callee)):
        status, res = A.decode(krp, role == "originator", uri, p)
        assert status == "ok"
        gk.add(reg, "decode/one-role/%s" % role, "one-role key opening in its own role (reflected)", "valid",
               ["DirectionNotBound"], role=role, uri=uri, encAlgo="cryptobox", encSerializer="json", payload=h(p),
               plaintext=h(open_plain(role, p)), args=tv(res[0]), kwargs=tv(res[1]))

    # ------------------------------------------------------------------ crafted plaintexts
    gc = tf.group(type="PayloadDecodeTest", operation="payload_decode", source=src, keyring=main_ring)
    U = "com.example.crafted"
    crafted = [
        # (name, plaintext bytes, result, flags, error)
        ("empty", b"", "invalid", ["MalformedPlaintext"], E_PLAIN),
        ("array", b'["com.example.crafted",[],{}]', "invalid", ["MalformedPlaintext"], E_PLAIN),
        ("null", b"null", "invalid", ["MalformedPlaintext"], E_PLAIN),
        ("number", b"42", "invalid", ["MalformedPlaintext"], E_PLAIN),
        ("string", b'"com.example.crafted"', "invalid", ["MalformedPlaintext"], E_PLAIN),
        ("truncated", b'{"uri":"com.example.crafted","args":[],"kwargs":{}', "invalid", ["MalformedPlaintext"], E_PLAIN),
        ("trailing-garbage", b'{"uri":"com.example.crafted","args":[],"kwargs":{}}x', "invalid",
         ["MalformedPlaintext"], E_PLAIN),
        ("two-documents", b'{"uri":"com.example.crafted","args":[],"kwargs":{}}{}', "invalid",
         ["MalformedPlaintext"], E_PLAIN),
        ("bom", b'\xef\xbb\xbf{"uri":"com.example.crafted","args":[],"kwargs":{}}', "invalid",
         ["MalformedPlaintext"], E_PLAIN),
        ("single-quotes", b"{'uri':'com.example.crafted','args':[],'kwargs':{}}", "invalid", ["MalformedPlaintext"],
         E_PLAIN),
        ("trailing-comma", b'{"uri":"com.example.crafted","args":[1,],"kwargs":{}}', "invalid",
         ["MalformedPlaintext"], E_PLAIN),
        ("leading-zero", b'{"uri":"com.example.crafted","args":[01],"kwargs":{}}', "invalid",
         ["MalformedPlaintext"], E_PLAIN),
        ("plus-sign", b'{"uri":"com.example.crafted","args":[+1],"kwargs":{}}', "invalid", ["MalformedPlaintext"],
         E_PLAIN),
        ("lowercase-nan", b'{"uri":"com.example.crafted","args":[nan],"kwargs":{}}', "invalid",
         ["MalformedPlaintext"], E_PLAIN),
        ("raw-newline-in-string", b'{"uri":"com.example.crafted","args":["a\nb"],"kwargs":{}}', "invalid",
         ["MalformedPlaintext"], E_PLAIN),
        ("bad-escape", b'{"uri":"com.example.crafted","args":["\\x41"],"kwargs":{}}', "invalid",
         ["MalformedPlaintext"], E_PLAIN),
        ("invalid-utf8", b'{"uri":"com.example.crafted","args":["\xff"],"kwargs":{}}', "invalid",
         ["InvalidUtf8Plaintext"], E_PLAIN),
        ("overlong-utf8", b'{"uri":"com.example.crafted","args":["\xc0\xaf"],"kwargs":{}}', "invalid",
         ["InvalidUtf8Plaintext"], E_PLAIN),
        ("utf8-surrogate", b'{"uri":"com.example.crafted","args":["\xed\xa0\x80"],"kwargs":{}}', "invalid",
         ["InvalidUtf8Plaintext"], E_PLAIN),
        ("missing-uri", b'{"args":[],"kwargs":{}}', "invalid", ["MalformedPlaintext"], E_PLAIN),
        ("uri-null", b'{"uri":null,"args":[],"kwargs":{}}', "invalid", ["MalformedPlaintext"], E_PLAIN),
        ("uri-number", b'{"uri":5,"args":[],"kwargs":{}}', "invalid", ["MalformedPlaintext"], E_PLAIN),
        ("uri-bytes", b'{"uri":"\\u0000Y29tLmV4YW1wbGUuY3JhZnRlZA==","args":[],"kwargs":{}}', "invalid",
         ["MalformedPlaintext"], E_PLAIN),
        ("args-object", b'{"uri":"com.example.crafted","args":{"a":1},"kwargs":{}}', "invalid",
         ["MalformedPlaintext", "AutobahnAccepts"], E_PLAIN),
        ("args-string", b'{"uri":"com.example.crafted","args":"abc","kwargs":{}}', "invalid",
         ["MalformedPlaintext", "AutobahnAccepts"], E_PLAIN),
        ("args-number", b'{"uri":"com.example.crafted","args":1,"kwargs":{}}', "invalid",
         ["MalformedPlaintext", "AutobahnAccepts"], E_PLAIN),
        ("kwargs-array", b'{"uri":"com.example.crafted","args":[],"kwargs":[1]}', "invalid",
         ["MalformedPlaintext", "AutobahnAccepts"], E_PLAIN),
        ("kwargs-string", b'{"uri":"com.example.crafted","args":[],"kwargs":"k"}', "invalid",
         ["MalformedPlaintext", "AutobahnAccepts"], E_PLAIN),
        ("bad-base64-padding", b'{"uri":"com.example.crafted","args":["\\u0000AAE"],"kwargs":{}}', "invalid",
         ["MalformedPlaintext"], E_PLAIN),
        ("bad-base64-length", b'{"uri":"com.example.crafted","args":["\\u0000A"],"kwargs":{}}', "invalid",
         ["MalformedPlaintext"], E_PLAIN),
        # accepted by everyone
        ("whitespace", b' {\n  "uri" : "com.example.crafted",\r\n\t"args" : [ 1 , 2 ] ,\n  "kwargs" : { }\n}\n ',
         "valid", ["NonCanonicalPlaintext"], None),
        ("member-order", b'{"kwargs":{"a":1},"args":[true],"uri":"com.example.crafted"}', "valid",
         ["NonCanonicalPlaintext"], None),
        ("escaped-unicode", b'{"uri":"com.example.crafted","args":["\\u00e9\\ud83d\\ude00\\/"],"kwargs":{}}',
         "valid", ["NonCanonicalPlaintext"], None),
        ("escaped-uri", b'{"uri":"com\\u002eexample\\u002ecrafted","args":[],"kwargs":{}}', "valid",
         ["NonCanonicalPlaintext"], None),
        ("number-forms", b'{"uri":"com.example.crafted","args":[1E2,1e-2,-0,-0.0,1.0,0.1e1,12345678901234567890123],'
         b'"kwargs":{}}', "valid", ["NonCanonicalPlaintext"], None),
        ("non-finite", b'{"uri":"com.example.crafted","args":[NaN,Infinity,-Infinity],"kwargs":{}}', "valid",
         ["NonCanonicalPlaintext"], None),
        ("null-args-kwargs", b'{"uri":"com.example.crafted","args":null,"kwargs":null}', "valid",
         ["NonCanonicalPlaintext"], None),
        ("empty-binary", b'{"uri":"com.example.crafted","args":["\\u0000"],"kwargs":{}}', "valid",
         ["LeadingNulString"], None),
        # acceptable
        ("extra-member", b'{"uri":"com.example.crafted","args":[],"kwargs":{},"x":1}', "acceptable",
         ["ExtraPlaintextMember"], E_PLAIN),
        ("missing-args", b'{"uri":"com.example.crafted","kwargs":{"a":1}}', "acceptable",
         ["MissingPlaintextMember"], E_PLAIN),
        ("missing-kwargs", b'{"uri":"com.example.crafted","args":[1]}', "acceptable", ["MissingPlaintextMember"],
         E_PLAIN),
        ("uri-only", b'{"uri":"com.example.crafted"}', "acceptable", ["MissingPlaintextMember"], E_PLAIN),
        ("duplicate-uri", b'{"uri":"com.example.other","uri":"com.example.crafted","args":[],"kwargs":{}}',
         "acceptable", ["DuplicateKey"], E_PLAIN),
        ("duplicate-args", b'{"uri":"com.example.crafted","args":[1],"kwargs":{},"args":[2]}', "acceptable",
         ["DuplicateKey"], E_PLAIN),
        ("lax-base64-padding-bits", b'{"uri":"com.example.crafted","args":["\\u0000YR=="],"kwargs":{}}',
         "acceptable", ["LaxBase64"], E_PLAIN),
        ("lax-base64-excess-padding", b'{"uri":"com.example.crafted","args":["\\u0000AAEC="],"kwargs":{}}',
         "acceptable", ["LaxBase64"], E_PLAIN),
        ("lax-base64-newline", b'{"uri":"com.example.crafted","args":["\\u0000AA\\nEC"],"kwargs":{}}', "acceptable",
         ["LaxBase64"], E_PLAIN),
        ("lax-base64-junk", b'{"uri":"com.example.crafted","args":["\\u0000!!!!"],"kwargs":{}}', "acceptable",
         ["LaxBase64"], E_PLAIN),
        ("lax-base64-urlsafe", b'{"uri":"com.example.crafted","args":["\\u0000-_-_AAEC"],"kwargs":{}}',
         "acceptable", ["LaxBase64"], E_PLAIN),
        ("lone-surrogate", b'{"uri":"com.example.crafted","args":["\\ud800"],"kwargs":{}}', "acceptable",
         ["LoneSurrogate"], E_PLAIN),
        ("float-overflow", b'{"uri":"com.example.crafted","args":[1e400],"kwargs":{}}', "acceptable",
         ["FloatOverflow"], E_PLAIN),
    ]
    sk, pk = _role_keys("originator")
    for name, plaintext, result, flags, error in crafted:
        nonce = det_bytes("payload/crafted/" + name, 24)
        payload = _seal_raw(sk, pk, nonce, plaintext)
        status, res = A.decode(kr, False, U, payload)
        key = "crafted/" + name
        out = {}
        if result == "invalid":
            if "AutobahnAccepts" in flags:
                assert status == "ok", (name, status, res)
            else:
                assert status in ("error", "mismatch"), (name, status, res)
        elif result == "valid":
            assert status == "ok", (name, status, res)
            out = {"args": tv(res[0]), "kwargs": tv(res[1])}
        else:
            assert status == "ok", (name, status, res)
            if "LoneSurrogate" not in flags:
                out = {"args": tv(res[0]), "kwargs": tv(res[1])}
        fields = dict(role="responder", uri=U, encAlgo="cryptobox", encSerializer="json", payload=h(payload),
                      plaintext=h(plaintext))
        fields.update(out)
        if error is not None:
            fields["error"] = error
        gc.add(reg, key, "crafted plaintext: " + name, result, flags, **fields)
        confirm_js(key, "responder", payload, plaintext)
    import layer_depth
    layer_depth.add_envelope(tf, reg, js, src, confirm_js)
    return tf


# ---------------------------------------------------------------------------- keyring_test.json


def _autobahn_parse_key(text):
    try:
        return bytes(PublicKey(text.encode() if isinstance(text, str) else text, encoder=Base64Encoder))
    except BaseException:
        return None


def build_keyring(reg, js, sources):
    tf = TestFile(KEYRING_FNAME, "WAMP-cryptobox keys and keyring", "keyring_test.schema.json", KEYRING_HEADER,
                  {k: {"bugType": v[0], "description": v[1]} for k, v in KEYRING_NOTES.items()})
    src = sources["autobahn"]

    # ------------------------------------------------------------------ key_parse
    g = tf.group(type="KeyParseTest", operation="key_parse", source=src)
    sample = base64.b64decode(SAMPLE_ORIGINATOR_PRIV)

    def kp(key, comment, result, flags, text, expect_bytes, autobahn_ok):
        got = _autobahn_parse_key(text)
        if autobahn_ok:
            assert got == expect_bytes, (key, got)
        else:
            assert got is None, (key, got)
        fields = {"text": text, "key": None if expect_bytes is None else h(expect_bytes)}
        if result != "valid":
            fields["error"] = E_KEY
        g.add(reg, key, comment, result, flags, **fields)

    for name, b64text in (("originator_priv", SAMPLE_ORIGINATOR_PRIV), ("originator_pub", SAMPLE_ORIGINATOR_PUB),
                          ("responder_priv", SAMPLE_RESPONDER_PRIV), ("responder_pub", SAMPLE_RESPONDER_PUB)):
        kp("parse/sample/" + name, "crossbar-examples sample key " + name, "valid", ["Base64Key"], b64text,
           base64.b64decode(b64text), True)
    for name, raw in (("zero", bytes(32)), ("ones", b"\xff" * 32), ("plus-slash", bytes([0xfb, 0xff, 0xbf] * 10 + [0xfb, 0xf0])),
                      ("random", det_bytes("keyring/parse/random", 32))):
        kp("parse/b64/" + name, "base64 of a %s key" % name, "valid", ["Base64Key"], base64.b64encode(raw).decode(),
           raw, True)
    kp("parse/hex/lower", "64 lowercase hex digits", "acceptable", ["HexKey"], sample.hex(), sample, False)
    kp("parse/hex/upper", "64 uppercase hex digits", "acceptable", ["HexKey", "UppercaseHex"], sample.hex().upper(),
       sample, False)
    kp("parse/hex/0x", "0x-prefixed hex", "acceptable", ["HexKey", "HexPrefix0x"], "0x" + sample.hex(), sample, False)
    s = SAMPLE_ORIGINATOR_PRIV
    kp("parse/lax/newline", "base64 with an embedded newline", "acceptable", ["LaxBase64"], s[:20] + "\n" + s[20:],
       sample, True)
    kp("parse/lax/space", "base64 with embedded spaces", "acceptable", ["LaxBase64"], s[:4] + " " + s[4:30] + " " + s[30:],
       sample, True)
    kp("parse/lax/junk", "base64 with a '*' inside", "acceptable", ["LaxBase64"], s[:10] + "*" + s[10:], sample, True)
    # Non-zero padding bits: the last character before '=' carries 2 unused bits for 32 bytes.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(s[42])
    lax = s[:42] + alphabet[last | 1] + "="
    assert lax != s
    kp("parse/lax/padding-bits", "base64 with non-zero padding bits", "acceptable", ["LaxBase64"], lax, sample, True)
    kp("parse/bad/missing-padding", "base64 without its '='", "invalid", ["MissingPadding"], s[:43], None, False)
    kp("parse/bad/short-b64", "base64 of 31 bytes", "invalid", ["WrongLength"], base64.b64encode(sample[:31]).decode(),
       None, False)
    kp("parse/bad/long-b64", "base64 of 33 bytes", "invalid", ["WrongLength"],
       base64.b64encode(sample + b"\x00").decode(), None, False)
    kp("parse/bad/b64-double-pad", "44 characters ending '==' (31 bytes)", "invalid", ["WrongLength"],
       s[:42] + "==", None, False)
    kp("parse/bad/urlsafe", "URL-safe base64 alphabet ('-' and '_')", "invalid", ["InvalidCharacter"],
       base64.urlsafe_b64encode(bytes([0xfb, 0xff, 0xbf] * 10 + [0xfb, 0xf0])).decode(), None, False)
    kp("parse/bad/empty", "empty string", "invalid", ["EmptyKey"], "", None, False)
    kp("parse/bad/hex-62", "62 hex digits (31 bytes)", "invalid", ["WrongLength"], sample.hex()[:62], None, False)
    kp("parse/bad/hex-66", "66 hex digits (33 bytes)", "invalid", ["WrongLength"], sample.hex() + "00", None, False)
    kp("parse/bad/hex-odd", "63 hex digits", "invalid", ["WrongLength"], sample.hex()[:63], None, False)
    kp("parse/bad/hex-nonhex", "64 characters with a 'g'", "invalid", ["InvalidCharacter"], "g" + sample.hex()[1:],
       None, False)
    kp("parse/bad/0x-short", "0x + 62 hex digits", "invalid", ["WrongLength"], "0x" + sample.hex()[:62], None, False)
    kp("parse/bad/hex-spaces", "hex in groups separated by spaces", "invalid", ["InvalidCharacter"],
       " ".join(sample.hex()[i:i + 8] for i in range(0, 64, 8)), None, False)

    # ------------------------------------------------------------------ key_build
    gb = tf.group(type="KeyBuildTest", operation="key_build", source=src)
    O, OP, R, RP = SAMPLE_ORIGINATOR_PRIV, SAMPLE_ORIGINATOR_PUB, SAMPLE_RESPONDER_PRIV, SAMPLE_RESPONDER_PUB
    other_pub = base64.b64encode(bytes(PrivateKey(det_bytes("keyring/other", 32)).public_key)).decode()

    def kb(key, comment, result, flags, entry):
        try:
            k = A.make_key(dict(entry, prefix=""))
            ok = True
        except BaseException:
            ok = False
        if "RedundantPublicKey" in flags or "HexKey" in flags:
            assert result == "acceptable"
            if "RedundantPublicKey" in flags:
                assert not ok, key  # Autobahn's broken assert
            k, ok = A.make_key(dict(entry, prefix=""), lenient=True), True
        fields = {"key": entry}
        if result == "valid" or (result == "acceptable" and ok):
            assert ok, key
            fields["originatorSharedKey"] = None if k.originator_box is None else h(A.box_shared_key(k.originator_box))
            fields["responderSharedKey"] = None if k.responder_box is None else h(A.box_shared_key(k.responder_box))
        else:
            assert not ok, key
            fields["error"] = E_KEY
        gb.add(reg, key, comment, result, flags, **fields)

    kb("build/all-four", "all four keys", "acceptable", ["BothRoles", "RedundantPublicKey"], {"originator_priv": O, "originator_pub": OP,
                                                                   "responder_priv": R, "responder_pub": RP})
    kb("build/both-privs", "both private keys, public keys derived", "valid", ["BothRoles", "PublicDerived"],
       {"originator_priv": O, "responder_priv": R})
    kb("build/originator", "originator_priv + responder_pub (caller/publisher side)", "valid", ["OriginatorOnly"],
       {"originator_priv": O, "responder_pub": RP})
    kb("build/responder", "responder_priv + originator_pub (callee/subscriber side)", "valid", ["ResponderOnly"],
       {"responder_priv": R, "originator_pub": OP})
    kb("build/originator-plus-pub", "originator_priv, originator_pub and responder_pub", "acceptable",
       ["OriginatorOnly", "RedundantPublicKey"],
       {"originator_priv": O, "originator_pub": OP, "responder_pub": RP})
    kb("build/single", "one private key for both roles", "valid", ["SinglePrivateKey"], {"private": O})
    kb("build/single-hex", "one private key for both roles, hex", "acceptable", ["SinglePrivateKey", "HexKey"],
       {"private": base64.b64decode(O).hex()})
    kb("build/hex-parts", "originator_priv + responder_pub in hex", "acceptable", ["OriginatorOnly", "HexKey"],
       {"originator_priv": base64.b64decode(O).hex(), "responder_pub": base64.b64decode(RP).hex()})
    kb("build/insufficient/originator-priv", "originator_priv alone", "invalid", ["InsufficientKeys"],
       {"originator_priv": O})
    kb("build/insufficient/pubs", "both public keys, no private key", "invalid", ["InsufficientKeys"],
       {"originator_pub": OP, "responder_pub": RP})
    kb("build/insufficient/responder-pub", "responder_pub alone", "invalid", ["InsufficientKeys"],
       {"responder_pub": RP})
    kb("build/insufficient/privs-swapped", "originator_priv + originator_pub only (own key pair, no peer)",
       "invalid", ["InsufficientKeys"], {"originator_priv": O, "originator_pub": OP})
    kb("build/inconsistent/originator", "originator_pub does not match originator_priv", "invalid",
       ["InconsistentPublicKey"], {"originator_priv": O, "originator_pub": other_pub, "responder_pub": RP})
    kb("build/inconsistent/responder", "responder_pub does not match responder_priv", "invalid",
       ["InconsistentPublicKey"], {"responder_priv": R, "responder_pub": other_pub, "originator_pub": OP})
    kb("build/bad-key-text", "responder_pub is not a key", "invalid", ["WrongLength"],
       {"originator_priv": O, "responder_pub": RP[:40]})

    # ------------------------------------------------------------------ keyring_resolve
    def ring_entries(encode):
        def k(label):
            raw = det_bytes("keyring/resolve/" + label, 32)
            return encode(raw), encode(bytes(PrivateKey(raw).public_key))
        k1, k1p = k("k1")
        k2, k2p = k("k2")
        k3, k3p = k("k3")
        k4, _ = k("k4")
        k5, k5p = k("k5")
        return [
            {"prefix": "com.myapp.", "originator_priv": k1, "responder_priv": k2},
            {"prefix": "com.myapp.enc", "originator_priv": k2, "responder_pub": k3p},
            {"prefix": "com.myapp.encrypted.", "responder_priv": k3, "originator_pub": k1p},
            {"prefix": "com.other.", "private": k4},
            {"prefix": "com.caf\u00e9.", "originator_priv": k5, "responder_pub": k2p},
            {"prefix": "", "originator_priv": k5, "responder_priv": k1},
        ]

    b64e = lambda b: base64.b64encode(b).decode()  # noqa: E731
    uris = [
        ("com.myapp.x", ["LongestPrefix"]),
        ("com.myapp.", ["ExactPrefix"]),
        ("com.myapp", ["DefaultKey"]),
        ("com.myapp.enc", ["ExactPrefix", "LongestPrefix"]),
        ("com.myapp.encx", ["CharacterPrefix", "LongestPrefix"]),
        ("com.myapp.encrypted", ["CharacterPrefix", "LongestPrefix"]),
        ("com.myapp.encrypted.hello", ["LongestPrefix"]),
        ("com.myapp.encrypted.hello.world", ["LongestPrefix"]),
        ("com.other.a.b", []),
        ("com.othe", ["DefaultKey"]),
        ("COM.MYAPP.x", ["CaseSensitive", "DefaultKey"]),
        ("org.example", ["DefaultKey"]),
        ("com.caf\u00e9.procedure", ["UnicodeUri"]),
        ("com.cafe\u0301.procedure", ["UnicodeUri", "DefaultKey"]),
    ]
    for variant, encode, flags0, result in (("b64", b64e, ["Base64Key"], "valid"),
                                            ("hex", lambda b: b.hex(), ["HexKey"], "acceptable")):
        for with_default in (True, False):
            entries = ring_entries(encode)
            if not with_default:
                entries = [e for e in entries if e["prefix"] != ""]
            krr = A.make_keyring(entries)
            gr = tf.group(type="KeyringResolveTest", operation="keyring_resolve", source=src, keyring=entries)
            for uri, flags in uris:
                for role in ROLES:
                    prefix, shared = A.resolve(krr, uri, role == "originator")
                    fl = list(flags0) + list(flags)
                    if not with_default and "DefaultKey" in fl:
                        fl.remove("DefaultKey")
                        fl.append("NoMatchingKey")
                        assert prefix is None
                    if prefix is not None and shared is None:
                        fl.append("MissingRole")
                    gr.add(reg, "resolve/%s/%s/%s/%s" % (variant, "default" if with_default else "nodefault", uri,
                                                         role),
                           "%s -> %s (%s)" % (uri, "no key" if prefix is None else repr(prefix), role), result, fl,
                           uri=uri, role=role, prefix=prefix, sharedKey=None if shared is None else h(shared))
    import layer_depth
    layer_depth.add_keyring(tf, reg, src)
    return tf
