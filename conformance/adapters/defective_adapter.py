#!/usr/bin/python3
"""Deliberately defective implementations, for testing the runner itself
(tests/py/test_runner_defective.py): each one is a correct adapter with ONE
realistic defect, and the test asserts that the runner fails exactly the
cases that defect must break, and nothing else.

    defective_adapter.py --defect NAME

  short-tag       crypto_box open compares only the first 8 of the 16 tag
                  bytes (a truncated memcmp): accepts boxes whose tag was
                  modified in its second half. Base: pynacl_adapter.
  no-uri-check    skips the comparison of the decrypted "uri" with the
                  envelope URI (payload_decode, frame_decode_open). Base:
                  autobahn_adapter.
  sorted-options  writes Options/Details keys in sorted order (a sorted map)
                  instead of Autobahn's marshal() order (frame_encode,
                  frame_seal). Base: autobahn_adapter.
  wrong-profile   declares low_order_keys=compute but rejects low-order keys
                  (libsodium). Base: pynacl_adapter.
  crash-hang      exits abruptly when asked to open a box shorter than 4
                  bytes, and hangs when given the all-zero public key for
                  beforenm: exercises crash/hang detection and restarts.
                  Base: pynacl_adapter.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nacl.bindings as sodium  # noqa: E402

import adapterlib  # noqa: E402
from adapterlib import Fail, unhex  # noqa: E402  (also puts scripts/ on sys.path)
from wampbox_py.messages import HEADER, TYPE_NAMES  # noqa: E402

DEFECTS = ("short-tag", "no-uri-check", "sorted-options", "wrong-profile", "crash-hang")


def _xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


def _open_short_tag(ct, seal_zeros, seal):
    """Decrypts without checking, then compares only 8 tag bytes."""
    if len(ct) < 16:
        raise Fail("decrypt_failed", "box shorter than the tag")
    body = ct[16:]
    # crypto_box of zeros gives tag || keystream: the keystream opens the body.
    keystream = seal_zeros(len(body))[16:]
    msg = _xor(body, keystream)
    if seal(msg)[:8] != ct[:8]:  # DEFECT: should compare all 16 bytes
        raise Fail("decrypt_failed", "tag mismatch")
    return msg


def short_tag(handlers):
    def box_open(i):
        sk, pk, nonce = unhex(i["sk"]), unhex(i["pk"]), unhex(i["nonce"])
        try:
            sodium.crypto_box_beforenm(pk, sk)
        except Exception as e:  # noqa: BLE001  low-order key: still rejected
            raise Fail("decrypt_failed", str(e)) from e
        msg = _open_short_tag(unhex(i["ct"]), lambda n: sodium.crypto_box(bytes(n), nonce, pk, sk),
                              lambda m: sodium.crypto_box(m, nonce, pk, sk))
        return {"msg": msg.hex()}

    def box_open_afternm(i):
        k, nonce = unhex(i["k"]), unhex(i["nonce"])
        msg = _open_short_tag(unhex(i["ct"]), lambda n: sodium.crypto_box_afternm(bytes(n), nonce, k),
                              lambda m: sodium.crypto_box_afternm(m, nonce, k))
        return {"msg": msg.hex()}

    handlers.update(box_open=box_open, box_open_afternm=box_open_afternm)


def crash_hang(handlers):
    base_open, base_before = handlers["box_open"], handlers["beforenm"]

    def box_open(i):
        if len(i["ct"]) < 8:  # fewer than 4 bytes
            os._exit(3)  # DEFECT: dies (think: out-of-bounds read)
        return base_open(i)

    def beforenm(i):
        if i["pk"] == "00" * 32:
            time.sleep(3600)  # DEFECT: hangs
        return base_before(i)

    handlers.update(box_open=box_open, beforenm=beforenm)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--defect", required=True, choices=DEFECTS)
    args = ap.parse_args()
    d = args.defect
    if d in ("short-tag", "wrong-profile", "crash-hang"):
        import pynacl_adapter as base
        handlers = dict(base.HANDLERS)
        hello = base.hello(name=f"defective-{d}", description=f"pynacl adapter with the {d} defect")
        if d == "short-tag":
            short_tag(handlers)
        elif d == "crash-hang":
            crash_hang(handlers)
        else:
            hello["profile"] = {"low_order_keys": "compute"}  # DEFECT: claims what it does not do
    else:
        import autobahn_adapter as base
        handlers = dict(base.HANDLERS)
        hello = dict(base.HELLO)
        hello["implementation"] = dict(hello["implementation"], name=f"defective-{d}",
                                       description=f"Autobahn adapter with the {d} defect")
        if d == "no-uri-check":
            real_decode = base._decode

            def decode_without_uri_check(ring, originating, uri, payload, enc_algo, enc_serializer, enc_key=None):
                try:
                    return real_decode(ring, originating, uri, payload, enc_algo, enc_serializer, enc_key)
                except Fail as e:
                    if e.code != "uri_mismatch":
                        raise
                    # DEFECT: the payload's own uri is trusted; decode again without the comparison.
                    from autobahn.wamp.types import EncodedPayload
                    _, a, k = ring.decode(originating, uri, EncodedPayload(payload, enc_algo, enc_serializer,
                                                                           enc_key))
                    return a, k
            base._decode = decode_without_uri_check
        else:
            def serialize_sorted(ser, msg):
                raw = msg.marshal()
                idx = HEADER[TYPE_NAMES[raw[0]]].index("options") + 1
                raw[idx] = dict(sorted(raw[idx].items()))  # DEFECT: a sorted map loses marshal() order
                return ser._serializer.serialize(raw)
            base._serialize = serialize_sorted
    adapterlib.serve(hello, handlers)


if __name__ == "__main__":
    main()
