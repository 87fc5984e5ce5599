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

# The crossbar-examples sample keys (encryption/cryptobox/sample_keys.py), used by
# Autobahn|Python's worked example.
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
    "EdgeCaseArithmetic": ("EDGE_CASE", "Wycheproof's flag for inputs chosen to drive field arithmetic into "
                                        "rare paths (carries across limbs, values at or near the modulus); "
                                        "see Poly1305Accumulator, X25519NearP, X25519CarryProne."),
    "Poly1305Accumulator": ("EDGE_CASE", "The ciphertext is chosen (plaintext = ciphertext XOR the XSalsa20 "
                                         "keystream) so that the Poly1305 accumulator hits a carry boundary: low "
                                         "26/44/52/64/78/88/104/128 bits all ones or 2^B-5, h in {0, 1, 4, p-1, "
                                         "p-2, p-5, 2^128-1, 2^129}, a tag that wraps, or such a value before "
                                         "the last blocks. Catches a wrong final reduction (e.g. Botan 2.19.3 "
                                         "returns tag+5 when the low 88 bits of h are 2^88-1..2^88-5). The "
                                         "`/tag-plus-5` invalid twins carry that wrong tag."),
    "X25519NearP": ("EDGE_CASE", "Public key u in [p-30, p-2] (in range, valid) or p+3, p+4 (non-canonical): "
                                 "values near p where a radix-2^51 field implementation's reduction goes wrong "
                                 "(NaCl 20110221's curve25519 donna_c64 is wrong for u in [p-30, p-2] and "
                                 "[p+2, p+4])."),
    "X25519CarryProne": ("EDGE_CASE", "Public key u = 2^k, 2^k-1 or p-2^k at radix-2^25.5/2^51/2^64 limb "
                                      "boundaries: carry-propagation paths of the field arithmetic."),
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
    build_edges(tf, reg, js, sources, a_sk, add_box)
    return tf


# --------------------------------------------------------------------------
# Arithmetic edge cases (issue 11 item 7): Poly1305 accumulator values at limb
# carry boundaries and near 2^130-5, and X25519 public keys near p.

P1305 = 2**130 - 5
R_CLAMP = 0x0ffffffc0ffffffc0ffffffc0fffffff


def _xsalsa20_stream(k, nonce, n):
    """n bytes of the XSalsa20 keystream (libsodium crypto_stream_xsalsa20)."""
    import ctypes
    lib = ctypes.CDLL("libsodium.so.23")
    out = ctypes.create_string_buffer(n)
    assert lib.crypto_stream_xsalsa20(out, ctypes.c_ulonglong(n), nonce, k) == 0
    return out.raw


def _poly_blocks(data):
    """The Poly1305 block values (each block + its 2^(8*len) pad bit)."""
    return [int.from_bytes(data[i:i + 16], "little") + (1 << (8 * len(data[i:i + 16])))
            for i in range(0, len(data), 16)]


def poly1305_model(key, data):
    """(tag, final accumulator h before adding s): a big-integer Poly1305 model, used only to steer the choice
    of ciphertext; every tag in the corpus is libsodium's (asserted equal)."""
    r = int.from_bytes(key[:16], "little") & R_CLAMP
    s = int.from_bytes(key[16:32], "little")
    hacc = 0
    for n in _poly_blocks(data):
        hacc = (hacc + n) * r % P1305
    return ((hacc + s) % 2**128).to_bytes(16, "little"), hacc


def craft_poly1305(key, label, pos, nblocks, target, tail_len=16):
    """Ciphertext of `nblocks` blocks (the last `tail_len` bytes long) whose Poly1305 accumulator after block
    `pos` (0-based) equals `target`: blocks other than `pos` are seeded pseudorandom, block `pos` (a full block)
    is solved for, retrying other seeds until its value fits in a 16-byte block."""
    r = int.from_bytes(key[:16], "little") & R_CLAMP
    rinv = pow(r, -1, P1305)
    for attempt in range(4000):
        blocks = [det_bytes("%s/a%d/b%d" % (label, attempt, i), 16 if i < nblocks - 1 else tail_len)
                  for i in range(nblocks)]
        hacc = 0
        for n in _poly_blocks(b"".join(blocks[:pos])):
            hacc = (hacc + n) * r % P1305
        x = (target * rinv - hacc) % P1305
        if 2**128 <= x < 2**129:
            blocks[pos] = (x - 2**128).to_bytes(16, "little")
            data = b"".join(blocks)
            hh = 0
            for n in _poly_blocks(data[:16 * (pos + 1)]):
                hh = (hh + n) * r % P1305
            assert hh == target
            return data
    raise AssertionError("craft_poly1305: no fit for " + label)


def poly1305_targets(s):
    """(name, target accumulator, position, blocks, tail length, +5 wrong?) of the Poly1305 edge cases; s is
    the key's second half (the tag is (h + s) mod 2^128)."""
    out = []
    # Final accumulator h (fully reduced, before + s) whose low B bits are all ones or 2^B-5: a carry runs
    # through every limb below bit B in the final reduction (limb sizes 26, 44, 51/52, 64 and their multiples
    # are what radix-2^26, donna-64 (44/44/42) and radix-2^64 implementations use).
    for bits in (26, 44, 52, 64, 78, 88, 104, 128):
        for k in (1, 5):
            top = int.from_bytes(det_bytes("poly/edge/top/%d/%d" % (bits, k), 17), "little") >> (136 - (129 - bits))
            out.append(("low %d bits of h are 2^%d-%d" % (bits, bits, k), (top << bits) + (1 << bits) - k,
                        None, 2 + bits % 3, 16, True))
    # Near the modulus: the final conditional subtraction of p decides.
    for name, t in (("h = 0", 0), ("h = 1", 1), ("h = 4", 4), ("h = p-1", P1305 - 1), ("h = p-2", P1305 - 2),
                    ("h = p-5", P1305 - 5), ("h = 2^129", 2**129), ("h = 2^128-1", 2**128 - 1)):
        out.append((name, t, None, 3, 16, True))
    # Tag carries: h + s wraps to exactly 2^128 (tag 0), to 2^129 + 2^128 - 1 (tag all ones), to 2^128 + 1.
    out.append(("with h + s = 2^128 (tag 0)", 2**128 - s, None, 2, 16, False))
    out.append(("with h + s = 2^129 + 2^128 - 1 (tag all ones)", 2**129 + 2**128 - 1 - s, None, 2, 16, False))
    out.append(("with h + s = 2^128 + 1 (tag 1)", 2**128 + 1 - s, None, 2, 16, False))
    # Intermediate accumulator at the edge, then more blocks (one partial): lazy-reduction paths.
    for name, t in (("h after block 2 = p-1", P1305 - 1), ("h after block 2 = 0", 0),
                    ("h after block 2 has its low 88 bits all ones", 2**88 - 1 + (3 << 100)),
                    ("h after block 2 = 2^128-1", 2**128 - 1)):
        out.append((name, t, 1, 4, 7, False))
    return out


def x25519_edge_keys():
    """(name, u, flags) of public keys near p and at limb boundaries, none of them low order."""
    out = []
    for d in range(30, 1, -1):
        out.append(("u = p-%d (in range, near p)" % d, P - d, ["X25519NearP"]))
    for d in (3, 4):
        out.append(("u = p+%d (non-canonical %d)" % (d, d), P + d, ["X25519NearP", "NonCanonicalPublicKey"]))
    for k in (25, 26, 51, 52, 64, 102, 128, 153, 204, 254):
        out.append(("u = 2^%d" % k, 2**k, ["X25519CarryProne"]))
        out.append(("u = 2^%d-1" % k, 2**k - 1, ["X25519CarryProne"]))
    for k in (26, 51, 64, 128, 204):
        out.append(("u = p-2^%d" % k, P - 2**k, ["X25519CarryProne"]))
    out.append(("u = 2^255-20 - (2^51+1) (every 51-bit limb near its top)", P - 2**51 - 2, ["X25519CarryProne"]))
    return out


def build_edges(tf, reg, js, sources, a_sk, add_box):
    """Appends the arithmetic edge-case groups to tf."""
    src_sodium = sources["libsodium"]
    # ---- Poly1305
    g = tf.group(type="CryptoBoxTest", operation="box", source=src_sodium)
    ga = tf.group(type="CryptoBoxAfternmTest", operation="box_afternm", source=src_sodium)
    gn = tf.group(type="CryptoBoxTest", operation="box", source=src_sodium)
    e_sk, e_pk, f_sk, f_pk = _pair("box/poly-edge/pair")
    k = sodium.crypto_box_beforenm(f_pk, e_sk)
    for ctx in range(2):
        nonce = det_bytes("box/poly-edge/nonce%d" % ctx, 24)
        polykey = _xsalsa20_stream(k, nonce, 32)
        s = int.from_bytes(polykey[16:], "little")
        for idx, (name, target, pos, nblocks, tail, plus5) in enumerate(poly1305_targets(s)):
            if pos is None:
                pos = nblocks - 1
            label = "box/poly-edge/%d/%d" % (ctx, idx)
            body = craft_poly1305(polykey, label, pos, nblocks, target, tail)
            stream = _xsalsa20_stream(k, nonce, 32 + len(body))[32:]
            msg = bytes(x ^ y for x, y in zip(body, stream))
            ct = _box(e_sk, f_pk, nonce, msg)
            tag, hfin = poly1305_model(polykey, body)
            assert ct[16:] == body and ct[:16] == tag, "libsodium disagrees with the Poly1305 model: " + label
            where = ("final accumulator" if pos == nblocks - 1 else
                     "accumulator after block %d of %d" % (pos + 1, nblocks))
            comment = ("EdgeCaseArithmetic (bugType EDGE_CASE): ciphertext chosen so that the Poly1305 %s %s "
                       "(h mod p before adding s = 0x%x); %d-byte message" % (where, name, hfin, len(body)))
            flags = ["EdgeCaseArithmetic", "Poly1305Accumulator"]
            key = "edge/poly1305/%d/%d" % (ctx, idx)
            add_box(g, key, comment, "valid", flags, e_sk, f_pk, nonce, msg, ct)
            box_id = g.tests[-1]["tcId"]
            assert sodium.crypto_box_afternm(msg, nonce, k) == ct
            ga.add(reg, key, "same box as tcId %d, with the shared key: %s" % (box_id, comment), "valid",
                   flags + ["Afternm"], k=h(k), nonce=h(nonce), msg=h(msg), ct=h(ct))
            js.check({"op": "after", "k": h(k), "nonce": h(nonce), "msg": h(msg)}, h(ct), key + "/after")
            js.check({"op": "open_after", "k": h(k), "nonce": h(nonce), "ct": h(ct)}, h(msg), key + "/open_after")
            if plus5:
                wrong = ((int.from_bytes(tag, "little") + 5) % 2**128).to_bytes(16, "little") + body
                assert _open(f_sk, e_pk, nonce, wrong) is None
                gn.add(reg, key + "/tag-plus-5", "EdgeCaseArithmetic (bugType AUTH_BYPASS): tcId %d with the tag "
                       "plus 5 mod 2^128, the tag of an implementation that skips or mis-selects the final "
                       "subtraction of p; opening must fail" % box_id, "invalid",
                       ["EdgeCaseArithmetic", "Poly1305Accumulator", "ModifiedTag"],
                       sk=h(f_sk), pk=h(e_pk), nonce=h(nonce), msg=h(msg), ct=h(wrong))
                js.check({"op": "box_open", "sk": h(f_sk), "pk": h(e_pk), "nonce": h(nonce), "ct": h(wrong)}, None,
                         key + "/tag-plus-5")
    # ---- X25519 public keys near p and at limb boundaries
    gb = tf.group(type="CryptoBoxBeforenmTest", operation="beforenm", source=src_sodium)
    gx = tf.group(type="CryptoBoxTest", operation="box", source=src_sodium)
    nonce = det_bytes("box/x25519-edge/nonce", 24)
    msg = det_bytes("box/x25519-edge/msg", 48)
    for idx, (name, u, flags) in enumerate(x25519_edge_keys()):
        pk = _u_bytes(u)
        kk = _before(a_sk, pk)
        assert kk is not None, "libsodium rejected " + name
        noncanon = u >= P
        result = "acceptable" if noncanon else "valid"
        flags = ["EdgeCaseArithmetic"] + flags
        comment = "EdgeCaseArithmetic (bugType EDGE_CASE): public key %s%s" % (
            name, "; libsodium and tweetnacl agree" if noncanon else "")
        gb.add(reg, "edge/x25519/%d" % idx, comment, result, flags, sk=h(a_sk), pk=h(pk), k=h(kk))
        js.check({"op": "before", "sk": h(a_sk), "pk": h(pk)}, h(kk), "edge/x25519/%d" % idx)
        add_box(gx, "edge/x25519/%d/box" % idx, comment, result, flags, a_sk, pk, nonce, msg,
                _box(a_sk, pk, nonce, msg))
