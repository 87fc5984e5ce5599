"""crypto_box layer: fixtures/crypto_box_test.json.

Every vector is computed with libsodium (PyNaCl) and recomputed with
tweetnacl-js; for the public keys libsodium refuses, tweetnacl's output is
the expected value of the `tweetnacl` profile."""

import nacl.bindings as sodium
from nacl.exceptions import CryptoError

from common import TestFile, det_bytes, flip_bit, h

FNAME = "crypto_box_test.json"
P = 2**255 - 19

# NaCl's box test vector, as in libsodium test/default/box.c, box2.c, box.exp
# (originally from D. J. Bernstein, "Cryptography in NaCl", section 10-13).
NACL_ALICE_SK = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
NACL_ALICE_PK = bytes.fromhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
NACL_BOB_SK = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
NACL_BOB_PK = bytes.fromhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
NACL_NONCE = bytes.fromhex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37")
NACL_K = bytes.fromhex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389")
NACL_M = bytes.fromhex(
    "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01"
    "233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd"
    "4924ca1c60902e52f0a089bc76897040e082f9377638486" "45e0705")
NACL_C = bytes.fromhex(  # box.exp: mac(16) || ciphertext(131)
    "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c"
    "98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfea"
    "bd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5")

# Autobahn|Python's worked example (docs/wamp-cryptobox-facts.md section 6).
SAMPLE_ORIGINATOR_PRIV = "6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM="
SAMPLE_ORIGINATOR_PUB = "GTtQ37XGJO2O4R8Dvx4AUo8pe61D9evIWpKGQAPdOh0="
SAMPLE_RESPONDER_PRIV = "ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE="
SAMPLE_RESPONDER_PUB = "5Q3rK3UhNZzdviBw9MtbNrrPHR9bsFSGMEtr2H3ZaxQ="
WORKED_PLAINTEXT = b'{"uri":"com.myapp.encrypted.hello","args":["Counter is at 1"],"kwargs":{}}'
WORKED_NONCE = bytes(range(24))

LENGTHS = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 513]
LARGE_LENGTH = 65536

NOTES = {
    "KnownAnswer": ("BASIC", "A published known answer: NaCl's box vector (libsodium test/default/box.c, box2.c, "
                             "box.exp) or Autobahn|Python's worked example."),
    "Pseudorandom": ("BASIC", "Seeded pseudorandom keys, nonce and message (SHAKE-256 of a label); the length "
                              "exercises block and MAC boundaries (Salsa20 blocks are 64 bytes, Poly1305 blocks 16)."),
    "EmptyMessage": ("EDGE_CASE", "Zero-length message: the box is the 16-byte MAC alone."),
    "LargeMessage": ("EDGE_CASE", "A 64 KiB message."),
    "ReceiverView": ("BASIC", "The receiver's view of a box: its own secret key and the sender's public key give "
                              "the same shared key (X25519 is symmetric), so sealing reproduces the sender's box."),
    "UnclampedSecretKey": ("EDGE_CASE", "Secret key bytes that X25519 clamps (all-zero, all-ones): an "
                                        "implementation must pass them unchanged to X25519, not reject or pre-process them."),
    "Afternm": ("BASIC", "crypto_box_easy_afternm with the shared key of crypto_box_beforenm: the same box as "
                         "crypto_box_easy with the key pair (compare the comment's tcId)."),
    "ModifiedTag": ("AUTH_BYPASS", "One bit of the 16-byte Poly1305 tag flipped: opening must fail."),
    "ForgedTag": ("AUTH_BYPASS", "The tag replaced by all-zero or all-ones bytes: opening must fail."),
    "ModifiedCiphertext": ("AUTH_BYPASS", "One bit of the ciphertext after the tag flipped: opening must fail."),
    "TruncatedBox": ("MALFORMED_INPUT", "The box cut short, including boxes shorter than the 16-byte tag: "
                                        "opening must fail without reading out of bounds."),
    "TrailingData": ("MALFORMED_INPUT", "Bytes appended to a valid box: opening must fail (the tag covers the "
                                        "exact ciphertext length)."),
    "WrongNonce": ("MODIFIED_PARAMETER", "Opened with a nonce other than the sealing nonce: must fail."),
    "WrongKey": ("MODIFIED_PARAMETER", "Opened with a key pair that does not give the sealing shared key: "
                                       "must fail."),
    "SwappedKeys": ("MODIFIED_PARAMETER", "The secret and public key arguments interchanged (sk field holds a "
                                          "public key, pk field the secret key): must fail."),
    "LowOrderPublicKey": ("WEAK_PARAMS", "The public key is a point of order 1, 2, 4 or 8 (or an encoding of "
                                         "one), so the X25519 output is all-zero for every secret key. "
                                         "Profile libsodium: crypto_box_beforenm/crypto_box_easy return -1 "
                                         "(reject). Profile tweetnacl: computed; the vector holds tweetnacl's "
                                         "output, which an implementation that accepts must reproduce."),
    "ZeroSharedSecret": ("WEAK_PARAMS", "The X25519 shared secret is all-zero: the shared key is HSalsa20 of "
                                        "zeros and does not depend on the secret key, so anyone can open the box."),
    "NonCanonicalPublicKey": ("EDGE_CASE", "The public key encodes a field element u >= 2^255-19 "
                                           "(non-canonical); X25519 reduces it mod p (RFC 7748). libsodium and "
                                           "tweetnacl agree on the output unless it is also low order."),
    "PublicKeyHighBit": ("EDGE_CASE", "Bit 255 of the public key is set; X25519 ignores it (RFC 7748 masks it). "
                                      "libsodium and tweetnacl agree on the output unless it is also low order."),
}

HEADER = [
    "WAMP-cryptobox crypto_box layer: NaCl crypto_box (X25519 + HSalsa20 + XSalsa20 + Poly1305), as "
    "libsodium crypto_box_easy / crypto_box_beforenm / crypto_box_easy_afternm.",
    "`ct` is mac(16) || ciphertext, exactly crypto_box_easy's output; it does NOT include the nonce. "
    "(The WAMP payload, see payload_test.json, is nonce(24) || ct.)",
    "Operations box, beforenm, box_afternm are defined in fixtures/README.md.",
    "Valid and non-policy vectors: computed with libsodium (PyNaCl) and confirmed by tweetnacl-js; "
    "low-order public keys: libsodium rejects, the vector holds tweetnacl-js's output.",
]


def _pub(sk):
    return sodium.crypto_scalarmult_base(sk)


def _pair(label):
    a_sk = det_bytes(label + "/alice/sk", 32)
    b_sk = det_bytes(label + "/bob/sk", 32)
    return a_sk, _pub(a_sk), b_sk, _pub(b_sk)


def _box(sk, pk, nonce, msg):
    return sodium.crypto_box(msg, nonce, pk, sk)


def _open(sk, pk, nonce, ct):
    try:
        return sodium.crypto_box_open(ct, nonce, pk, sk)
    except CryptoError:
        return None


def _before(sk, pk):
    try:
        return sodium.crypto_box_beforenm(pk, sk)
    except Exception:  # libsodium's -1 surfaces as RuntimeError/CryptoError
        return None


def _hsalsa20_zero():
    import ctypes
    lib = ctypes.CDLL("libsodium.so.23")
    out = ctypes.create_string_buffer(32)
    assert lib.crypto_core_hsalsa20(out, bytes(16), bytes(32), None) == 0
    return out.raw


def _u_bytes(u):
    return u.to_bytes(32, "little")


L8A = int.from_bytes(bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"), "little")


def low_order_keys():
    """(name, bytes) of public keys whose X25519 output is zero."""
    l8a = int.from_bytes(bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"), "little")
    l8b = int.from_bytes(bytes.fromhex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"), "little")
    base = [
        ("u=0 (low order)", 0, False),
        ("u=1 (low order)", 1, False),
        ("u=325606250916557431795983626356110631294008115727848805560023387167927233504 (order 8)", l8a, False),
        ("u=39382357235489614581723060781553021112529911719440698176882885853963445705823 (order 8)", l8b, False),
        ("u=p-1 (low order)", P - 1, False),
        ("u=p, non-canonical 0", P, True),
        ("u=p+1, non-canonical 1", P + 1, True),
    ]
    out = []
    for name, u, noncanon in base:
        assert u < 2**255  # (an order-8 u plus p does not fit in 255 bits)
        b = _u_bytes(u)
        out.append((name, b, noncanon, False))
        hb = bytearray(b)
        hb[31] |= 0x80
        out.append((name + " with bit 255 set", bytes(hb), noncanon, True))
    return out


def noncanonical_keys(b_pk, a_pk):
    """(name, bytes, noncanonical, highbit) of public keys libsodium and tweetnacl both compute."""
    def hb(b):
        x = bytearray(b)
        x[31] |= 0x80
        return bytes(x)
    return [
        ("u=p+2 (non-canonical 2)", _u_bytes(P + 2), True, False),
        ("u=p+9 (non-canonical base point)", _u_bytes(P + 9), True, False),
        ("u=2^255-1 (non-canonical 18)", _u_bytes(2**255 - 1), True, False),
        ("all-ones: u=2^255-1 with bit 255 set", b"\xff" * 32, True, True),
        ("bob's public key with bit 255 set", hb(b_pk), False, True),
        ("alice's public key with bit 255 set", hb(a_pk), False, True),
        ("u=9 (the base point) with bit 255 set", hb(_u_bytes(9)), False, True),
        # Wycheproof's "non-canonical order-8 point": L8a + p needs bit 255, which X25519 masks, leaving an
        # ordinary point; libsodium and tweetnacl compute it.
        ("order-8 u=325606...504 plus p (sets bit 255, masked to an ordinary u)",
         (L8A + P).to_bytes(32, "little"), False, True),
    ]


def build(reg, js, sources):
    tf = TestFile(FNAME, "crypto_box_curve25519xsalsa20poly1305", "crypto_box_test.schema.json", HEADER,
                  {k: {"bugType": v[0], "description": v[1]} for k, v in NOTES.items()})
    src_sodium = sources["libsodium"]
    src_nacl = {"name": "NaCl test vectors (libsodium test/default/box.c, box2.c, box.exp)", "version": "libsodium 1.0.18"}
    src_tweet = sources["tweetnacl"]
    src_autobahn = sources["autobahn"]

    def add_box(g, key, comment, result, flags, sk, pk, nonce, msg, ct, confirm=True):
        g.add(reg, key, comment, result, flags, sk=h(sk), pk=h(pk), nonce=h(nonce), msg=h(msg), ct=h(ct))
        if confirm:
            js.check({"op": "box", "sk": h(sk), "pk": h(pk), "nonce": h(nonce), "msg": h(msg)}, h(ct), key)
            js.check({"op": "box_open", "sk": h(sk), "pk": h(pk), "nonce": h(nonce), "ct": h(ct)}, h(msg), key + "/open")

    def add_open_neg(g, key, comment, flags, sk, pk, nonce, ct, msg=b""):
        assert _open(sk, pk, nonce, ct) is None, key
        g.add(reg, key, comment, "invalid", flags, sk=h(sk), pk=h(pk), nonce=h(nonce), msg=h(msg), ct=h(ct))
        js.check({"op": "box_open", "sk": h(sk), "pk": h(pk), "nonce": h(nonce), "ct": h(ct)}, None, key)

    # ---- known answers
    g = tf.group(type="CryptoBoxTest", operation="box", source=src_nacl)
    ct = _box(NACL_ALICE_SK, NACL_BOB_PK, NACL_NONCE, NACL_M)
    assert ct == NACL_C, "libsodium does not reproduce NaCl's box.exp"
    assert _pub(NACL_ALICE_SK) == NACL_ALICE_PK and _pub(NACL_BOB_SK) == NACL_BOB_PK
    add_box(g, "kat/nacl/sender", "NaCl box vector, sender view (alice sk, bob pk)", "valid", ["KnownAnswer"],
            NACL_ALICE_SK, NACL_BOB_PK, NACL_NONCE, NACL_M, NACL_C)
    add_box(g, "kat/nacl/receiver", "NaCl box vector, receiver view (bob sk, alice pk): box2.c", "valid",
            ["KnownAnswer", "ReceiverView"], NACL_BOB_SK, NACL_ALICE_PK, NACL_NONCE, NACL_M, NACL_C)

    import base64
    o_sk = base64.b64decode(SAMPLE_ORIGINATOR_PRIV)
    r_sk = base64.b64decode(SAMPLE_RESPONDER_PRIV)
    o_pk, r_pk = base64.b64decode(SAMPLE_ORIGINATOR_PUB), base64.b64decode(SAMPLE_RESPONDER_PUB)
    assert _pub(o_sk) == o_pk and _pub(r_sk) == r_pk
    g = tf.group(type="CryptoBoxTest", operation="box", source=src_autobahn)
    wct = _box(o_sk, r_pk, WORKED_NONCE, WORKED_PLAINTEXT)
    add_box(g, "kat/autobahn-worked/originator", "Autobahn worked example: the inner plaintext of "
            "publish('com.myapp.encrypted.hello', 'Counter is at 1') sealed by the originator box "
            "(crossbar-examples sample keys, nonce 00..17)", "valid", ["KnownAnswer"], o_sk, r_pk, WORKED_NONCE,
            WORKED_PLAINTEXT, wct)
    add_box(g, "kat/autobahn-worked/responder", "Autobahn worked example, responder box view (responder_priv, "
            "originator_pub)", "valid", ["KnownAnswer", "ReceiverView"], r_sk, o_pk, WORKED_NONCE,
            WORKED_PLAINTEXT, wct)

    # ---- pseudorandom lengths, both views
    g = tf.group(type="CryptoBoxTest", operation="box", source=src_sodium)
    pairs = {i: _pair("box/pair%d" % i) for i in (1, 2, 3)}
    box_ids = {}
    for i, (a_sk, a_pk, b_sk, b_pk) in pairs.items():
        for n in LENGTHS + ([LARGE_LENGTH] if i == 1 else []):
            nonce = det_bytes("box/pair%d/len%d/nonce" % (i, n), 24)
            msg = det_bytes("box/pair%d/len%d/msg" % (i, n), n)
            ct = _box(a_sk, b_pk, nonce, msg)
            assert _box(b_sk, a_pk, nonce, msg) == ct
            flags = ["Pseudorandom"] + (["EmptyMessage"] if n == 0 else []) + (["LargeMessage"] if n == LARGE_LENGTH else [])
            key = "random/pair%d/len%d" % (i, n)
            add_box(g, key + "/sender", "%d-byte message, pair %d, sender view" % (n, i), "valid", flags,
                    a_sk, b_pk, nonce, msg, ct)
            box_ids[(i, n)] = g.tests[-1]["tcId"]
            if n != LARGE_LENGTH:  # (one view of the large box keeps fixtures/ small)
                add_box(g, key + "/receiver", "%d-byte message, pair %d, receiver view" % (n, i), "valid",
                        flags + ["ReceiverView"], b_sk, a_pk, nonce, msg, ct)
    # Clamping edge cases of the secret key.
    for name, sk in (("zero", bytes(32)), ("ones", b"\xff" * 32)):
        _, _, b_sk, b_pk = pairs[1]
        nonce = det_bytes("box/clamp/%s/nonce" % name, 24)
        msg = det_bytes("box/clamp/%s/msg" % name, 33)
        ct = _box(sk, b_pk, nonce, msg)
        assert _open(b_sk, _pub(sk), nonce, ct) == msg
        add_box(g, "edge/sk-%s/sender" % name, "secret key all-%s bytes (clamped by X25519), sender view" % name,
                "valid", ["UnclampedSecretKey"], sk, b_pk, nonce, msg, ct)
        add_box(g, "edge/sk-%s/receiver" % name, "peer secret key all-%s bytes, receiver view" % name, "valid",
                ["UnclampedSecretKey", "ReceiverView"], b_sk, _pub(sk), nonce, msg, ct)

    # ---- beforenm
    gb = tf.group(type="CryptoBoxBeforenmTest", operation="beforenm", source=src_sodium)

    def add_before(key, comment, flags, sk, pk, k, result="valid", confirm=True):
        gb.add(reg, key, comment, result, flags, sk=h(sk), pk=h(pk), k=h(k))
        if confirm:
            js.check({"op": "before", "sk": h(sk), "pk": h(pk)}, h(k), key)

    assert _before(NACL_ALICE_SK, NACL_BOB_PK) == NACL_K
    add_before("kat/nacl/sender", "NaCl box vector shared key (alice sk, bob pk)", ["KnownAnswer"], NACL_ALICE_SK,
               NACL_BOB_PK, NACL_K)
    add_before("kat/nacl/receiver", "NaCl box vector shared key (bob sk, alice pk)", ["KnownAnswer", "ReceiverView"],
               NACL_BOB_SK, NACL_ALICE_PK, NACL_K)
    wk = _before(o_sk, r_pk)
    add_before("kat/autobahn-sample/originator", "shared key of the crossbar-examples sample keys (originator box)",
               ["KnownAnswer"], o_sk, r_pk, wk)
    add_before("kat/autobahn-sample/responder", "shared key of the crossbar-examples sample keys (responder box)",
               ["KnownAnswer", "ReceiverView"], r_sk, o_pk, wk)
    for i in range(1, 11):
        a_sk, a_pk, b_sk, b_pk = pairs[i] if i in pairs else _pair("box/pair%d" % i)
        k = _before(a_sk, b_pk)
        assert k == _before(b_sk, a_pk)
        add_before("random/pair%d/sender" % i, "pair %d, sender view" % i, ["Pseudorandom"], a_sk, b_pk, k)
        add_before("random/pair%d/receiver" % i, "pair %d, receiver view" % i, ["Pseudorandom", "ReceiverView"],
                   b_sk, a_pk, k)
    for name, sk in (("zero", bytes(32)), ("ones", b"\xff" * 32)):
        _, _, b_sk, b_pk = pairs[1]
        add_before("edge/sk-%s" % name, "secret key all-%s bytes (clamped by X25519)" % name, ["UnclampedSecretKey"],
                   sk, b_pk, _before(sk, b_pk))

    # ---- afternm
    ga = tf.group(type="CryptoBoxAfternmTest", operation="box_afternm", source=src_sodium)

    def add_after(key, comment, flags, k, nonce, msg, ct):
        assert sodium.crypto_box_afternm(msg, nonce, k) == ct
        ga.add(reg, key, comment, "valid", flags, k=h(k), nonce=h(nonce), msg=h(msg), ct=h(ct))
        js.check({"op": "after", "k": h(k), "nonce": h(nonce), "msg": h(msg)}, h(ct), key)
        js.check({"op": "open_after", "k": h(k), "nonce": h(nonce), "ct": h(ct)}, h(msg), key + "/open")

    add_after("kat/nacl", "NaCl box vector with its beforenm key (box.c second half, box2.c open_afternm)",
              ["KnownAnswer", "Afternm"], NACL_K, NACL_NONCE, NACL_M, NACL_C)
    add_after("kat/autobahn-worked", "Autobahn worked example with the sample keys' shared key",
              ["KnownAnswer", "Afternm"], wk, WORKED_NONCE, WORKED_PLAINTEXT, wct)
    a_sk, a_pk, b_sk, b_pk = pairs[1]
    k1 = _before(a_sk, b_pk)
    for n in LENGTHS:
        nonce = det_bytes("box/pair1/len%d/nonce" % n, 24)
        msg = det_bytes("box/pair1/len%d/msg" % n, n)
        add_after("random/pair1/len%d" % n, "%d-byte message, pair 1: same box as tcId %d" % (n, box_ids[(1, n)]),
                  ["Pseudorandom", "Afternm"] + (["EmptyMessage"] if n == 0 else []), k1, nonce, msg,
                  _box(a_sk, b_pk, nonce, msg))

    # ---- negatives: tampering, truncation, wrong parameters
    gn = tf.group(type="CryptoBoxTest", operation="box", source=src_sodium)
    short_nonce = det_bytes("box/neg/short/nonce", 24)
    short_msg = det_bytes("box/neg/short/msg", 20)
    short_ct = _box(a_sk, b_pk, short_nonce, short_msg)
    empty_nonce = det_bytes("box/neg/empty/nonce", 24)
    empty_ct = _box(a_sk, b_pk, empty_nonce, b"")
    bases = [
        ("nacl", "NaCl vector", NACL_BOB_SK, NACL_ALICE_PK, NACL_NONCE, NACL_M, NACL_C),
        ("short", "20-byte box of pair 1", b_sk, a_pk, short_nonce, short_msg, short_ct),
    ]
    tag_bits = [0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 65, 95, 96, 120, 126, 127]
    for bname, bdesc, sk, pk, nonce, msg, ct in bases:
        for bit in tag_bits:
            add_open_neg(gn, "neg/%s/tag-bit%d" % (bname, bit), "%s with tag bit %d flipped" % (bdesc, bit),
                         ["ModifiedTag"], sk, pk, nonce, flip_bit(ct, bit), msg)
        add_open_neg(gn, "neg/%s/tag-zero" % bname, "%s with an all-zero tag" % bdesc, ["ForgedTag"], sk, pk, nonce,
                     bytes(16) + ct[16:], msg)
        add_open_neg(gn, "neg/%s/tag-ones" % bname, "%s with an all-ones tag" % bdesc, ["ForgedTag"], sk, pk, nonce,
                     b"\xff" * 16 + ct[16:], msg)
        n = len(ct) - 16
        for pos in sorted({0, 1, n // 2, n - 1}):
            for bit in (0, 7):
                add_open_neg(gn, "neg/%s/ct-byte%d-bit%d" % (bname, pos, bit),
                             "%s with ciphertext byte %d bit %d flipped" % (bdesc, pos, bit), ["ModifiedCiphertext"],
                             sk, pk, nonce, flip_bit(ct, (16 + pos) * 8 + bit), msg)
        for extra_name, extra in (("00", b"\x00"), ("ff", b"\xff"), ("16zero", bytes(16)), ("tag", ct[:16])):
            add_open_neg(gn, "neg/%s/trailing-%s" % (bname, extra_name),
                         "%s with %d trailing byte(s) %s" % (bdesc, len(extra), extra.hex()), ["TrailingData"],
                         sk, pk, nonce, ct + extra, msg)
        wrong_nonces = [
            ("bit0", flip_bit(nonce, 0)), ("bit191", flip_bit(nonce, 191)), ("zero", bytes(24)),
            ("reversed", nonce[::-1]),
            ("plus1", (int.from_bytes(nonce, "little") + 1).to_bytes(24, "little")),
        ]
        for wn_name, wn in wrong_nonces:
            add_open_neg(gn, "neg/%s/nonce-%s" % (bname, wn_name), "%s opened with a wrong nonce (%s)" % (bdesc, wn_name),
                         ["WrongNonce"], sk, pk, wn, ct, msg)
        o_sk2, o_pk2, _, _ = _pair("box/neg/other")
        add_open_neg(gn, "neg/%s/wrong-sk" % bname, "%s opened with an unrelated secret key" % bdesc, ["WrongKey"],
                     o_sk2, pk, nonce, ct, msg)
        add_open_neg(gn, "neg/%s/wrong-pk" % bname, "%s opened with an unrelated peer public key" % bdesc,
                     ["WrongKey"], sk, o_pk2, nonce, ct, msg)
        add_open_neg(gn, "neg/%s/own-pk" % bname, "%s opened with the receiver's own public key as peer key" % bdesc,
                     ["WrongKey"], sk, _pub(sk), nonce, ct, msg)
        add_open_neg(gn, "neg/%s/swapped" % bname, "%s opened with sk and pk interchanged" % bdesc, ["SwappedKeys"],
                     pk, sk, nonce, ct, msg)
    # The sender's secret key with the sender's public key (both halves of one pair).
    add_open_neg(gn, "neg/short/sender-own-pair", "20-byte box opened with the sender's own key pair",
                 ["WrongKey"], a_sk, a_pk, short_nonce, short_ct, short_msg)
    for cut in range(len(short_ct)):
        add_open_neg(gn, "neg/short/truncated-%d" % cut, "20-byte box truncated to %d of %d bytes%s" %
                     (cut, len(short_ct), " (shorter than the tag)" if cut < 16 else ""), ["TruncatedBox"],
                     b_sk, a_pk, short_nonce, short_ct[:cut], short_msg)
    for bit in (0, 64, 127):
        add_open_neg(gn, "neg/empty/tag-bit%d" % bit, "empty-message box with tag bit %d flipped" % bit,
                     ["ModifiedTag", "EmptyMessage"], b_sk, a_pk, empty_nonce, flip_bit(empty_ct, bit))
    add_open_neg(gn, "neg/empty/tag-zero", "empty-message box with an all-zero tag", ["ForgedTag", "EmptyMessage"],
                 b_sk, a_pk, empty_nonce, bytes(16))
    add_open_neg(gn, "neg/empty/trailing-00", "empty-message box with one trailing zero byte",
                 ["TrailingData", "EmptyMessage"], b_sk, a_pk, empty_nonce, empty_ct + b"\x00")

    # ---- public key policy: low order (libsodium rejects, tweetnacl computes) and non-canonical encodings
    gp = tf.group(type="CryptoBoxBeforenmTest", operation="beforenm", source=src_tweet)
    gpb = tf.group(type="CryptoBoxTest", operation="box", source=src_tweet)
    gcb = tf.group(type="CryptoBoxBeforenmTest", operation="beforenm", source=src_sodium)
    gcx = tf.group(type="CryptoBoxTest", operation="box", source=src_sodium)
    pol_nonce = det_bytes("box/policy/nonce", 24)
    pol_msg = det_bytes("box/policy/msg", 32)
    lows = low_order_keys()
    reqs = []
    for _, pk, _, _ in lows:
        reqs.append({"op": "before", "sk": h(a_sk), "pk": h(pk)})
        reqs.append({"op": "box", "sk": h(a_sk), "pk": h(pk), "nonce": h(pol_nonce), "msg": h(pol_msg)})
    reqs.append({"op": "before", "sk": h(a_sk), "pk": h(bytes(32))})
    got = js.compute(reqs)
    zero_k = got[-1]
    # tweetnacl's shared key for an all-zero X25519 output must be HSalsa20(key=0^32, input=0^16), computed
    # here with libsodium's own core function.
    assert zero_k == h(_hsalsa20_zero()), zero_k
    for idx, (name, pk, noncanon, highbit) in enumerate(lows):
        tk, tct = got[2 * idx], got[2 * idx + 1]
        assert _before(a_sk, pk) is None, "libsodium accepted low-order key " + name
        try:
            _box(a_sk, pk, pol_nonce, pol_msg)
            raise AssertionError("libsodium crypto_box accepted low-order key " + name)
        except (CryptoError, RuntimeError):
            pass
        assert tk == zero_k, name
        flags = ["LowOrderPublicKey", "ZeroSharedSecret"] + (["NonCanonicalPublicKey"] if noncanon else []) + \
            (["PublicKeyHighBit"] if highbit else [])
        gp.add(reg, "policy/low/%d/beforenm" % idx, "public key " + name + ": libsodium rejects; tweetnacl's output",
               "acceptable", flags, sk=h(a_sk), pk=h(pk), k=tk)
        gpb.add(reg, "policy/low/%d/box" % idx, "public key " + name + ": libsodium rejects; tweetnacl's box",
                "acceptable", flags, sk=h(a_sk), pk=h(pk), nonce=h(pol_nonce), msg=h(pol_msg), ct=tct)
    for idx, (name, pk, noncanon, highbit) in enumerate(noncanonical_keys(b_pk, a_pk)):
        k = _before(a_sk, pk)
        assert k is not None, "libsodium rejected " + name
        ct = _box(a_sk, pk, pol_nonce, pol_msg)
        flags = (["NonCanonicalPublicKey"] if noncanon else []) + (["PublicKeyHighBit"] if highbit else [])
        gcb.add(reg, "policy/noncanon/%d/beforenm" % idx, "public key " + name + ": libsodium and tweetnacl agree",
                "acceptable", flags, sk=h(a_sk), pk=h(pk), k=h(k))
        js.check({"op": "before", "sk": h(a_sk), "pk": h(pk)}, h(k), "policy/noncanon/%d" % idx)
        add_box(gcx, "policy/noncanon/%d/box" % idx, "public key " + name + ": libsodium and tweetnacl agree",
                "acceptable", flags, a_sk, pk, pol_nonce, pol_msg, ct)
    return tf
