"""The PPT layer (fixtures/ppt_test.json): the WAMP spec's Payload PassThru
Mode with scheme `wamp` as wampbox profiles it (docs/ppt.md), in both spec
ciphers and both key models, with key ids, rotation, tampering and attribute
rules.

Autobahn does not speak PPT, so the expected values here are computed by a
second, independent PPT implementation written in this file from the spec
and docs/ppt.md on packaged libraries that share no code with wampbox:
PyNaCl (crypto_secretbox, crypto_box_beforenm), python3-cryptography
(AESGCM, OpenSSL underneath), python3-pycryptodome (Keccak-256 for EIP-55)
and cbor2 (the inner {"args", "kwargs"} object). The generator's oracle run
(oracle.py) then confirms every valid vector with the JavaScript adapter
(tweetnacl secretbox, Node's WebCrypto AES-GCM, @noble/hashes Keccak-256,
cbor-x), and the test command runs wampbox on all of them.

Operations (see conformance/PROTOCOL.md):
  ppt       valid, both directions: ppt_seal (role, uri, args, kwargs, cipher,
            nonce -> options, plaintext, payload), then ppt_open (role, uri,
            options, arguments, argumentsKw -> args, kwargs);
  ppt_open  receive only (valid: rotation grace, key id forms...; invalid:
            tampering, truncation, attribute rules, key ids, rotation);
  ppt_seal  send only (invalid: wrong cipher name, no current key).
`role` is always the SENDER's role; the opening side is the other role.
"""

import hashlib
import random

import cbor2
import nacl.bindings as sodium
from Cryptodome.Hash import keccak
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from common import TestFile, det_bytes, flip_bit, h
from layer_box import SAMPLE_ORIGINATOR_PRIV, SAMPLE_RESPONDER_PRIV
from wampbox_py.typed import tv, untv

FNAME = "ppt_test.json"
XS, AES = "xsalsa20poly1305", "aes256gcm"
CIPHERS = (XS, AES)

HEADER = [
    "Payload PassThru Mode (WAMP spec, rfc/text/advanced/payload_passthru_mode.md, marked 'sketch') with "
    "ppt_scheme wamp, ppt_serializer cbor, as profiled by wampbox in docs/ppt.md.",
    "xsalsa20poly1305 payload = nonce(24) || mac(16) || ct (crypto_secretbox); aes256gcm payload = "
    "nonce(12) || ct || tag(16), empty AAD (connectanum-dart's layouts; the spec gives none).",
    "Key models: 'symmetric' 32-byte data keys named by ppt_keyid; 'keypair' cryptobox X25519 pairs, payload "
    "key = crypto_box_beforenm of the sender's role, ppt_keyid = '0x' + last 20 bytes of SHA-256 of the "
    "RECEIVER's public key. Key ids are written with the EIP-55 checksum (Keccak-256 of the lowercase digits).",
    "pptKeys entries are added in list order; lookup is by the longest character prefix of uri that has "
    "entries; status current (sends, accepted), grace (accepted when named), retired (rejected: retired_key).",
    "role is the sender's role; the opening side is the other one. The plaintext is the CBOR of "
    "{'args': [...], 'kwargs': {...}} in that key order, both always written.",
    "Expected values: an independent Python implementation (PyNaCl, python3-cryptography AESGCM, "
    "pycryptodome Keccak-256, cbor2); every valid vector is confirmed by the JavaScript adapter "
    "(tweetnacl, WebCrypto AES-GCM, @noble/hashes, cbor-x) before the corpus is written.",
]

NOTES = {
    "KnownAnswer": ("BASIC", "A fixed-key, fixed-nonce seal and open in the profile's wire form."),
    "Xsalsa20Poly1305": ("BASIC", "ppt_cipher xsalsa20poly1305: crypto_secretbox, nonce(24) || mac(16) || ct."),
    "Aes256Gcm": ("BASIC", "ppt_cipher aes256gcm: AES-256-GCM, nonce(12) || ct || tag(16), empty AAD. "
                           "Implementations without AES-NI need a software fallback to pass these."),
    "SymmetricKey": ("BASIC", "Key model: a 32-byte data-encryption key chosen by ppt_keyid."),
    "KeypairKey": ("BASIC", "Key model: cryptobox X25519 key pair; the key id names the receiver's public key."),
    "Rotation": ("BASIC", "Several keys under one prefix: current, grace and retired keys."),
    "RetiredKey": ("MODIFIED_PARAMETER", "ppt_keyid names a retired key: rejected with retired_key."),
    "GraceKey": ("EDGE_CASE", "ppt_keyid names a key in its grace period: accepted."),
    "UnknownKeyId": ("MODIFIED_PARAMETER", "ppt_keyid names no key held for the URI's prefix: no_key."),
    "KeyIdChecksum": ("MALFORMED_INPUT", "A mixed-case ppt_keyid whose EIP-55 checksum does not verify: "
                                         "bad_key_id."),
    "KeyIdForm": ("EDGE_CASE", "An all-lowercase or all-uppercase key id carries no checksum (as in EIP-55) and "
                               "is accepted; a malformed one (length, prefix, digits) is a protocol_error."),
    "NoKeyId": ("EDGE_CASE", "No ppt_keyid: the receiver uses the prefix's current key (profile)."),
    "WrongKey": ("MODIFIED_PARAMETER", "The named key exists but is not the one that sealed: decrypt_failed."),
    "NoKey": ("MODIFIED_PARAMETER", "No key covers the URI (or no current key to send with): no_key."),
    "TamperedPayload": ("AUTH_BYPASS", "One bit of the nonce, ciphertext or tag/MAC flipped: decrypt_failed."),
    "TruncatedPayload": ("MALFORMED_INPUT", "The payload cut short (by one byte, below the overhead, or empty): "
                                            "decrypt_failed, nothing released."),
    "CipherSwap": ("MODIFIED_PARAMETER", "A payload sealed with one cipher labelled with the other: "
                                         "decrypt_failed."),
    "WrongCipherName": ("MALFORMED_INPUT", "ppt_cipher other than xsalsa20poly1305 or aes256gcm (or a case "
                                           "variant) under scheme wamp: protocol_error."),
    "WrongSerializerName": ("MALFORMED_INPUT", "ppt_serializer missing or not cbor/flatbuffers under scheme wamp "
                                               "(protocol_error); flatbuffers itself is unsupported_enc_serializer "
                                               "in wampbox."),
    "SchemeRules": ("MALFORMED_INPUT", "ppt_* without ppt_scheme, an unknown or mis-cased scheme, or ppt_* values "
                                       "that are not strings: protocol_error."),
    "ArgumentsShape": ("MALFORMED_INPUT", "Arguments must be exactly one binary element and ArgumentsKw absent or "
                                          "empty: anything else is protocol_error."),
    "EmptyArgumentsKw": ("EDGE_CASE", "ArgumentsKw present but empty: allowed by the spec ('absent or empty')."),
    "OtherOptions": ("EDGE_CASE", "Options/Details also carry non-PPT attributes; they do not matter."),
    "InnerShape": ("MALFORMED_INPUT", "A correctly sealed payload whose inner CBOR is not {args: list|null, "
                                      "kwargs: dict|null} (parse_error or malformed_plaintext)."),
    "InnerMissingKey": ("EDGE_CASE", "The inner object lacks args or kwargs: it reads as null (profile)."),
    "CborUndefined": ("KNOWN_QUIRK", "The inner object has CBOR undefined (0xf7) where wampy.js writes absent "
                                     "args/kwargs; wampbox's CBOR reader rejects undefined (parse_error)."),
    "ValueShapes": ("BASIC", "args/kwargs of many value types (strings, integers, floats, bytes, nesting)."),
    "LargePayload": ("EDGE_CASE", "A payload of about 64 KiB."),
}


# -------------------------------------------------------------------- the reference implementation


def keccak256(b):
    k = keccak.new(digest_bits=256)
    k.update(b)
    return k.digest()


def eip55(keyid):
    digits = keyid[2:].lower()
    hd = keccak256(digits.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if c.isalpha() and int(hd[i], 16) >= 8 else c for i, c in enumerate(digits))


def pub_keyid(pub):
    return "0x" + hashlib.sha256(pub).digest()[-20:].hex()


def b64(b):
    import base64
    return base64.b64encode(b).decode()


def priv_of(label):
    return det_bytes("ppt/keypair/" + label, 32)


def pub_of(priv):
    return sodium.crypto_scalarmult_base(priv)


class Entry:
    def __init__(self, spec):
        self.spec = spec
        self.prefix = spec["prefix"]
        self.status = spec["status"]
        if spec["model"] == "symmetric":
            self.sym = bytes.fromhex(spec["key"])
            self.id = spec["keyid"].lower()
        else:
            import base64
            self.sym = None
            op = base64.b64decode(spec["originator_priv"])
            rp = base64.b64decode(spec["responder_priv"])
            self.opub, self.rpub = pub_of(op), pub_of(rp)
            self.box = {"originator": sodium.crypto_box_beforenm(self.rpub, op),
                        "responder": sodium.crypto_box_beforenm(self.opub, rp)}
            self.ids = {"originator": pub_keyid(self.opub), "responder": pub_keyid(self.rpub)}

    def key(self, role):
        return self.sym if self.sym is not None else self.box[role]

    def send_id(self, role):  # the receiver's key
        return self.id if self.sym is not None else self.ids[other(role)]

    def recv_named(self, role, lower_id):  # role: the receiving side
        return (self.id if self.sym is not None else self.ids[role]) == lower_id


def other(role):
    return "responder" if role == "originator" else "originator"


class Store:
    def __init__(self, specs):
        self.entries = [Entry(s) for s in specs]

    def prefix(self, uri):
        best = None
        for e in self.entries:
            if uri.startswith(e.prefix) and (best is None or len(e.prefix) > len(best)):
                best = e.prefix
        return best

    def current(self, uri):
        p = self.prefix(uri)
        return next((e for e in self.entries if e.prefix == p and e.status == "current"), None)


def encrypt(cipher, key, pt, nonce):
    if cipher == XS:
        return nonce + sodium.crypto_secretbox(pt, nonce, key)
    return nonce + AESGCM(key).encrypt(nonce, pt, None)


def pack(args, kwargs):
    return cbor2.dumps({"args": untv(args), "kwargs": untv(kwargs)})


def seal(store, role, uri, args, kwargs, cipher, nonce):
    e = store.current(uri)
    assert e is not None
    pt = pack(args, kwargs)
    payload = encrypt(cipher, e.key(role), pt, nonce)
    options = [("ppt_scheme", "wamp"), ("ppt_serializer", "cbor"), ("ppt_cipher", cipher),
               ("ppt_keyid", eip55(e.send_id(role)))]
    return options, pt, payload


def topts(pairs):
    return {"dict": [[k, v if isinstance(v, dict) else tv(v)] for k, v in pairs]}


# -------------------------------------------------------------------- values


def rand_value(rng, depth=0):
    """A value every implementation maps one way: no integral floats (a
    JavaScript number cannot tell 1.0 from 1), no -0.0/NaN, integers within
    2**53, dict keys that are not numeric strings."""
    kinds = ["str", "int", "float", "bool", "null", "bytes"] + (["list", "dict"] if depth < 3 else [])
    k = rng.choice(kinds)
    if k == "str":
        alphabet = "abcXYZ 019_-.\u00e9\u4e2d\U0001f600\n\"\\"
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
    if k == "int":
        return rng.choice([0, 1, -1, 23, 24, 255, 256, -24, -25, 65535, 65536, 2 ** 32, -(2 ** 32), 2 ** 53 - 1,
                           -(2 ** 53) + 1, rng.randint(-10 ** 6, 10 ** 6)])
    if k == "float":
        return rng.choice([0.5, -1.25, 3.141592653589793, 1e-300, 4503599627370495.5, 2.5e-8,
                           rng.randint(1, 10 ** 6) + 0.25])
    if k == "bool":
        return rng.random() < 0.5
    if k == "null":
        return None
    if k == "bytes":
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 20)))
    if k == "list":
        return [rand_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {"k" + str(i) + rng.choice(["", "_x", "\u00e9"]): rand_value(rng, depth + 1) for i in range(rng.randint(0, 4))}


def shapes():
    out = [
        ("empty", [], {}),
        ("one-string", ["Counter is at 1"], {}),
        ("kwargs-only", [], {"a": 1, "b": "two"}),
        ("binary", [b"\x00\x01\x02\xff"], {}),
        ("unicode", ["h\u00e9llo \u4e2d\u6587 \U0001f600"], {"\u00e9": "\u00e8"}),
        ("nested", [[1, [2, [3, {"x": None}]]], {"deep": {"er": [True, False]}}], {"n": {"m": [0.5]}}),
        ("ints", [0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -24, -25, 2 ** 53 - 1], {}),
        ("floats", [0.5, -1.25, 1e-300, 4503599627370495.5, -2.2250738585072014e-308], {}),
        ("empty-string-key", [""], {"": ""}),
    ]
    rng = random.Random("wampbox-corpus/ppt/values")
    for i in range(27):
        args = [rand_value(rng) for _ in range(rng.randint(0, 5))]
        kwargs = {"kw%d" % j: rand_value(rng) for j in range(rng.randint(0, 4))}
        out.append(("random-%02d" % i, args, kwargs))
    return out


# -------------------------------------------------------------------- key sets


def sym_entry(prefix, label, status):
    return {"prefix": prefix, "model": "symmetric", "keyid": eip55("0x" + det_bytes("ppt/keyid/" + label, 20).hex()),
            "key": det_bytes("ppt/key/" + label, 32).hex(), "status": status}


def kp_entry(prefix, label, status, sample=False):
    if sample:
        return {"prefix": prefix, "model": "keypair", "originator_priv": SAMPLE_ORIGINATOR_PRIV,
                "responder_priv": SAMPLE_RESPONDER_PRIV, "status": status}
    return {"prefix": prefix, "model": "keypair", "originator_priv": b64(priv_of(label + "/o")),
            "responder_priv": b64(priv_of(label + "/r")), "status": status}


SYM_KEYS = [sym_entry("com.ppt.sym.", "old", "grace"), sym_entry("com.ppt.sym.", "cur", "current"),
            sym_entry("com.ppt.sym.", "ret", "retired"), sym_entry("com.ppt.sym.other.", "other", "current")]
KP_KEYS = [kp_entry("com.ppt.kp.", "sample", "grace", sample=True), kp_entry("com.ppt.kp.", "cur", "current"),
           kp_entry("com.ppt.kp.", "ret", "retired")]
# model label -> (keys, uri, sender role, flags)
MODELS = {
    "sym": (SYM_KEYS, "com.ppt.sym.topic", "originator", ["SymmetricKey"]),
    "kp-o": (KP_KEYS, "com.ppt.kp.proc", "originator", ["KeypairKey"]),
    "kp-r": (KP_KEYS, "com.ppt.kp.proc", "responder", ["KeypairKey"]),
}
CFLAG = {XS: "Xsalsa20Poly1305", AES: "Aes256Gcm"}


def nonce_for(cipher, label):
    return det_bytes("ppt/nonce/" + label, 24 if cipher == XS else 12)


def with_opt(options, key, value, drop=False):
    out = []
    for k, v in options:
        if k == key:
            if not drop:
                out.append((k, value))
        else:
            out.append((k, v))
    return out


def build(reg, sources):
    tf = TestFile(FNAME, "WAMP Payload PassThru Mode (scheme wamp, cbor; xsalsa20poly1305 and aes256gcm)",
                  "ppt_test.schema.json", HEADER, {k: {"bugType": v[0], "description": v[1]} for k, v in NOTES.items()})
    src = {"name": "wampbox-corpus Python PPT reference (scripts/corpus/layer_ppt.py)",
           "version": sources["ppt"]}
    groups = {}

    def grp(op, model):
        keyset = MODELS[model][0]
        name = "sym" if model == "sym" else "kp"
        if (op, name) not in groups:
            gtype = {"ppt": "PptTest", "ppt_open": "PptOpenTest", "ppt_seal": "PptSealTest"}[op]
            groups[(op, name)] = tf.group(type=gtype, operation=op, source=src, pptKeys=keyset)
        return groups[(op, name)]

    def add_open(model, key, comment, result, flags, role, uri, options, arguments, argumentsKw=None, **out):
        grp("ppt_open", model).add(reg, key, comment, result, flags, role=role, uri=uri, options=topts(options),
                                   arguments=arguments, argumentsKw=argumentsKw, **out)

    bases = []  # (model, cipher, label, role, uri, options, payload, args, kwargs, flags)
    for model, (keys, uri, role, mflags) in MODELS.items():
        store = Store(keys)
        for cipher in CIPHERS:
            for name, a, k in shapes():
                label = "%s/%s/%s" % (model, cipher, name)
                args, kwargs = tv(a), tv(k)
                nonce = nonce_for(cipher, label)
                options, pt, payload = seal(store, role, uri, args, kwargs, cipher, nonce)
                flags = mflags + [CFLAG[cipher], "ValueShapes"] + (["KnownAnswer"] if name == "one-string" else [])
                grp("ppt", model).add(reg, label, "seal and open %s (%s, %s seals)" % (name, cipher, role), "valid",
                                      flags, role=role, uri=uri, args=args, kwargs=kwargs, cipher=cipher,
                                      nonce=h(nonce), options=topts(options), plaintext=h(pt), payload=h(payload),
                                      arguments={"list": [{"bytes": h(payload)}]}, argumentsKw=None)
                bases.append((model, cipher, label, role, uri, options, payload, args, kwargs, mflags))
            # one large payload per model and cipher
            label = "%s/%s/large" % (model, cipher)
            args, kwargs = tv(["x" * 65536]), tv({})
            nonce = nonce_for(cipher, label)
            options, pt, payload = seal(store, role, uri, args, kwargs, cipher, nonce)
            grp("ppt", model).add(reg, label, "seal and open a 64 KiB string (%s)" % cipher, "valid",
                                  mflags + [CFLAG[cipher], "LargePayload"], role=role, uri=uri, args=args,
                                  kwargs=kwargs, cipher=cipher, nonce=h(nonce), options=topts(options),
                                  plaintext=h(pt), payload=h(payload), arguments={"list": [{"bytes": h(payload)}]},
                                  argumentsKw=None)

    # ---------------------------------------------------------------- tampering and truncation of every base
    for i, (model, cipher, label, role, uri, options, payload, args, kwargs, mflags) in enumerate(bases):
        cf = [CFLAG[cipher]] + mflags
        nlen = 24 if cipher == XS else 12
        spots = [("nonce", 8 * (i % nlen)), ("first-ct-byte", 8 * (nlen + (16 if cipher == XS else 0))),
                 ("last-byte", 8 * (len(payload) - 1) + 7),
                 ("mac" if cipher == XS else "tag", 8 * (nlen + (i % 16)) if cipher == XS
                  else 8 * (len(payload) - 16 + i % 16))]
        what, bit = spots[i % len(spots)]
        if what == "first-ct-byte" and len(payload) <= nlen + 16:
            what, bit = spots[2]
        add_open(model, label + "/tamper-" + what, "one bit of the %s flipped" % what, "invalid",
                 cf + ["TamperedPayload"], role, uri, options,
                 {"list": [{"bytes": h(flip_bit(payload, bit))}]}, error="decrypt_failed")
        cuts = [("minus-one", payload[:-1]), ("below-overhead", payload[:nlen + 15]), ("empty", b""),
                ("nonce-only", payload[:nlen])]
        what, cut = cuts[i % len(cuts)]
        add_open(model, label + "/truncated-" + what, "payload truncated (%s, %d of %d bytes)" % (
            what, len(cut), len(payload)), "invalid", cf + ["TruncatedPayload"], role, uri, options,
            {"list": [{"bytes": h(cut)}]}, error="decrypt_failed")

    # ---------------------------------------------------------------- rules, ids, rotation per model and cipher
    for model, (keys, uri, role, mflags) in MODELS.items():
        store = Store(keys)
        for cipher in CIPHERS:
            cf = [CFLAG[cipher]] + mflags
            lab = "%s/%s" % (model, cipher)
            a, k = tv(["rule", 1]), tv({"r": True})
            nonce = nonce_for(cipher, lab + "/rules")
            options, pt, payload = seal(store, role, uri, a, k, cipher, nonce)
            arg = {"list": [{"bytes": h(payload)}]}
            ok = dict(args=a, kwargs=k)
            kid = dict(options)["ppt_keyid"]

            def inv(key, comment, flags, error, opts=None, arguments=None, argumentsKw=None, u=None):
                add_open(model, lab + "/" + key, comment, "invalid", cf + flags, role, u or uri,
                         options if opts is None else opts, arg if arguments is None else arguments, argumentsKw,
                         error=error)

            def val(key, comment, flags, opts=None, arguments=None, argumentsKw=None, out=None):
                add_open(model, lab + "/" + key, comment, "valid", cf + flags, role, uri,
                         options if opts is None else opts, arg if arguments is None else arguments, argumentsKw,
                         **(out or ok))

            # key id forms
            val("keyid-lowercase", "ppt_keyid all lowercase (no checksum)", ["KeyIdForm"],
                with_opt(options, "ppt_keyid", kid.lower()))
            val("keyid-uppercase", "ppt_keyid digits all uppercase (no checksum)", ["KeyIdForm"],
                with_opt(options, "ppt_keyid", "0x" + kid[2:].upper()))
            val("no-keyid", "no ppt_keyid: the current key", ["NoKeyId"], with_opt(options, "ppt_keyid", None, True))
            letters = [j for j in range(2, 42) if kid[j].isalpha()]
            for n, j in enumerate(letters[:3]):
                bad = kid[:j] + kid[j].swapcase() + kid[j + 1:]
                if bad[2:].lower() != bad[2:] and bad[2:].upper() != bad[2:]:
                    inv("keyid-checksum-%d" % n, "one letter of the EIP-55 key id in the wrong case",
                        ["KeyIdChecksum"], "bad_key_id", with_opt(options, "ppt_keyid", bad))
            for n, bad in enumerate(["0X" + kid[2:], kid[:-1], kid + "0", kid[2:], "0x" + "g" * 40, "",
                                     b64(det_bytes("ppt/b64id", 32))]):
                inv("keyid-malformed-%d" % n, "malformed ppt_keyid %r" % bad[:50], ["KeyIdForm"], "protocol_error",
                    with_opt(options, "ppt_keyid", bad))
            inv("keyid-unknown", "ppt_keyid names no key", ["UnknownKeyId"], "no_key",
                with_opt(options, "ppt_keyid", eip55("0x" + det_bytes("ppt/unknown-id", 20).hex())))
            # the other side's own key (keypair) / another prefix's key (symmetric)
            if model == "sym":
                oid = Store(keys).current("com.ppt.sym.other.x").id
            else:
                oid = store.current(uri).ids[role]
            inv("keyid-not-receivers", "ppt_keyid names a key the receiver does not hold for this prefix",
                ["UnknownKeyId"], "no_key", with_opt(options, "ppt_keyid", eip55(oid)))
            inv("no-key-for-uri", "no key covers the URI", ["NoKey"], "no_key", u="org.unkeyed.topic")
            # rotation: grace accepted, retired rejected, wrong key under the right id
            for st in ("grace", "retired"):
                e = next(x for x in store.entries if x.prefix == store.prefix(uri) and x.status == st)
                o2, pt2, p2 = (lambda ent: (
                    [("ppt_scheme", "wamp"), ("ppt_serializer", "cbor"), ("ppt_cipher", cipher),
                     ("ppt_keyid", eip55(ent.send_id(role)))], None,
                    encrypt(cipher, ent.key(role), pack(a, k), nonce_for(cipher, lab + "/" + st))))(e)
                if st == "grace":
                    val("rotation-grace", "sealed with the previous key, now in its grace period",
                        ["Rotation", "GraceKey"], o2, {"list": [{"bytes": h(p2)}]})
                else:
                    inv("rotation-retired", "sealed with a retired key", ["Rotation", "RetiredKey"], "retired_key",
                        o2, {"list": [{"bytes": h(p2)}]})
            grace = next(x for x in store.entries if x.prefix == store.prefix(uri) and x.status == "grace")
            inv("rotation-wrong-key", "names the grace key but was sealed with the current one",
                ["Rotation", "WrongKey"], "decrypt_failed",
                with_opt(options, "ppt_keyid", eip55(grace.send_id(role))))
            # cipher names and swaps
            inv("cipher-swap", "payload sealed with %s labelled %s" % (cipher, XS if cipher == AES else AES),
                ["CipherSwap"], "decrypt_failed", with_opt(options, "ppt_cipher", XS if cipher == AES else AES))
            for n, name in enumerate(["aes128gcm", "AES256GCM", "XSalsa20Poly1305", "chacha20poly1305", "",
                                      "aes256-gcm", "xsalsa20-poly1305"]):
                inv("cipher-name-%d" % n, "ppt_cipher %r" % name, ["WrongCipherName"], "protocol_error",
                    with_opt(options, "ppt_cipher", name))
            for n, name in enumerate(["json", "msgpack", "native", "CBOR", "", "x_cbor"]):
                inv("serializer-name-%d" % n, "ppt_serializer %r under scheme wamp" % name,
                    ["WrongSerializerName"], "protocol_error", with_opt(options, "ppt_serializer", name))
            inv("serializer-missing", "no ppt_serializer under scheme wamp", ["WrongSerializerName"],
                "protocol_error", with_opt(options, "ppt_serializer", None, True))
            inv("serializer-flatbuffers", "ppt_serializer flatbuffers (allowed by the spec, not implemented)",
                ["WrongSerializerName"], "unsupported_enc_serializer",
                with_opt(options, "ppt_serializer", "flatbuffers"))
            # scheme rules
            inv("scheme-missing", "ppt_* attributes without ppt_scheme", ["SchemeRules"], "protocol_error",
                with_opt(options, "ppt_scheme", None, True))
            for n, name in enumerate(["WAMP", "wamp ", "", "x_", "e2ee"]):
                inv("scheme-name-%d" % n, "ppt_scheme %r" % name, ["SchemeRules"], "protocol_error",
                    with_opt(options, "ppt_scheme", name))
            for n, (key, v) in enumerate([("ppt_cipher", {"int": "1"}), ("ppt_keyid", {"null": None}),
                                          ("ppt_scheme", {"list": [{"str": "wamp"}]}),
                                          ("ppt_serializer", {"bytes": h(b"cbor")})]):
                inv("attr-type-%d" % n, "%s is not a string" % key, ["SchemeRules"], "protocol_error",
                    with_opt(options, key, v))
            # Arguments / ArgumentsKw shape
            for n, (arguments, kw, comment) in enumerate([
                    ({"list": []}, None, "Arguments empty"),
                    ({"list": [{"bytes": h(payload)}, {"bytes": h(payload)}]}, None, "two binary elements"),
                    ({"list": [{"str": payload.hex()}]}, None, "the payload as a string"),
                    ({"list": [{"list": [{"bytes": h(payload)}]}]}, None, "a nested list"),
                    ({"null": None}, None, "Arguments absent"),
                    (arg, {"dict": [["k", {"int": "1"}]]}, "ArgumentsKw not empty"),
                    ({"list": [{"bytes": h(payload)}, {"int": "1"}]}, None, "an extra element")]):
                inv("arguments-%d" % n, comment, ["ArgumentsShape"], "protocol_error", arguments=arguments,
                    argumentsKw=kw)
            val("argumentskw-empty", "ArgumentsKw present and empty", ["EmptyArgumentsKw"], argumentsKw={"dict": []})
            val("other-options", "other Options/Details keys around the ppt_* ones", ["OtherOptions"],
                [("timeout", {"int": "1000"})] + options + [("disclose_me", {"bool": True})])
            # inner shapes (sealed correctly, wrong inside)
            key_ = store.current(uri).key(role)
            inner = [
                ("inner-args-only", cbor2.dumps({"args": untv(a)}), "valid", ["InnerMissingKey"],
                 dict(args=a, kwargs={"null": None})),
                ("inner-kwargs-only", cbor2.dumps({"kwargs": untv(k)}), "valid", ["InnerMissingKey"],
                 dict(args={"null": None}, kwargs=k)),
                ("inner-nulls", cbor2.dumps({"args": None, "kwargs": None}), "valid", ["InnerMissingKey"],
                 dict(args={"null": None}, kwargs={"null": None})),
                ("inner-empty-map", cbor2.dumps({}), "valid", ["InnerMissingKey"],
                 dict(args={"null": None}, kwargs={"null": None})),
                ("inner-undefined-kwargs", b"\xa2" + cbor2.dumps("args") + cbor2.dumps([1]) + cbor2.dumps("kwargs") + b"\xf7", "invalid",
                 ["CborUndefined"], dict(error="parse_error")),
                ("inner-array", cbor2.dumps([untv(a), untv(k)]), "invalid", ["InnerShape"],
                 dict(error="malformed_plaintext")),
                ("inner-extra-uri", cbor2.dumps({"uri": uri, "args": untv(a), "kwargs": untv(k)}), "invalid",
                 ["InnerShape"], dict(error="malformed_plaintext")),
                ("inner-args-dict", cbor2.dumps({"args": {"a": 1}, "kwargs": {}}), "invalid", ["InnerShape"],
                 dict(error="malformed_plaintext")),
                ("inner-kwargs-list", cbor2.dumps({"args": [], "kwargs": [1]}), "invalid", ["InnerShape"],
                 dict(error="malformed_plaintext")),
                ("inner-json", b'{"args":[],"kwargs":{}}', "invalid", ["InnerShape"], dict(error="parse_error")),
                ("inner-truncated-cbor", pack(a, k)[:-1], "invalid", ["InnerShape"], dict(error="parse_error")),
                ("inner-trailing-bytes", pack(a, k) + b"\x00", "invalid", ["InnerShape"], dict(error="parse_error")),
                ("inner-empty", b"", "invalid", ["InnerShape"], dict(error="parse_error")),
            ]
            for n, (key, pt_i, result, flags, out) in enumerate(inner):
                p_i = encrypt(cipher, key_, pt_i, nonce_for(cipher, lab + "/" + key))
                add_open(model, lab + "/" + key, "inner object: %s" % key[6:], result, cf + flags, role, uri,
                         options, {"list": [{"bytes": h(p_i)}]}, None, **out)
            # seal-side errors
            gs = grp("ppt_seal", model)
            for n, name in enumerate(["aes128gcm", "none", ""]):
                gs.add(reg, lab + "/seal-cipher-%d" % n, "sealing with ppt_cipher %r" % name, "invalid",
                       cf + ["WrongCipherName"], role=role, uri=uri, args=a, kwargs=k, cipher=name,
                       nonce=h(nonce), error="protocol_error")
            gs.add(reg, lab + "/seal-no-key", "sealing for a URI no key covers", "invalid", cf + ["NoKey"], role=role,
                   uri="org.unkeyed.topic", args=a, kwargs=k, cipher=cipher, nonce=h(nonce), error="no_key")
    # a prefix whose keys are all out of service has no key to send with
    retired_only = [sym_entry("com.ppt.rot.", "r1", "retired"), sym_entry("com.ppt.rot.", "r2", "grace")]
    g = tf.group(type="PptSealTest", operation="ppt_seal", source=src, pptKeys=retired_only)
    for cipher in CIPHERS:
        g.add(reg, "sym/%s/seal-no-current" % cipher, "only grace and retired keys: nothing to send with",
              "invalid", [CFLAG[cipher], "SymmetricKey", "Rotation", "NoKey"], role="originator",
              uri="com.ppt.rot.t", args=tv([1]), kwargs=tv({}), cipher=cipher,
              nonce=h(nonce_for(cipher, "rot")), error="no_key")
    return tf


def versions():
    import importlib.metadata
    import Cryptodome
    import cryptography
    return "PyNaCl %s, cryptography %s, pycryptodome %s, cbor2 %s" % (
        importlib.metadata.version("PyNaCl"), cryptography.__version__, Cryptodome.__version__,
        importlib.metadata.version("cbor2"))
