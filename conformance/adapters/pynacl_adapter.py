#!/usr/bin/python3
"""Adapter: PyNaCl's raw crypto_box bindings (nacl.bindings, libsodium
underneath): the crypto_box layer only. Declares the other layers
unsupported, so their cases are counted as UNSUPPORTED, not dropped.

Also the base of the deliberately defective adapters (defective_adapter.py),
which is why the handlers are plain functions in a table.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nacl  # noqa: E402
import nacl.bindings as sodium  # noqa: E402
import nacl.exceptions  # noqa: E402

from adapterlib import Fail, serve, unhex  # noqa: E402

_KEY_ERRORS = (nacl.exceptions.CryptoError, nacl.exceptions.RuntimeError, nacl.exceptions.ValueError,
               nacl.exceptions.TypeError)


def _check_lengths(**fields):
    want = {"sk": 32, "pk": 32, "k": 32, "nonce": 24}
    for name, value in fields.items():
        if len(value) != want[name]:
            raise Fail("invalid_argument", f"{name} must be {want[name]} bytes")


def op_box_seal(i):
    sk, pk, nonce = unhex(i["sk"]), unhex(i["pk"]), unhex(i["nonce"])
    _check_lengths(sk=sk, pk=pk, nonce=nonce)
    try:
        return {"ct": sodium.crypto_box(unhex(i["msg"]), nonce, pk, sk).hex()}
    except _KEY_ERRORS as e:  # libsodium refuses low-order public keys
        raise Fail("invalid_key", str(e)) from e


def op_box_open(i):
    sk, pk, nonce = unhex(i["sk"]), unhex(i["pk"]), unhex(i["nonce"])
    _check_lengths(sk=sk, pk=pk, nonce=nonce)
    try:
        return {"msg": sodium.crypto_box_open(unhex(i["ct"]), nonce, pk, sk).hex()}
    except _KEY_ERRORS as e:
        raise Fail("decrypt_failed", str(e)) from e


def op_beforenm(i):
    sk, pk = unhex(i["sk"]), unhex(i["pk"])
    _check_lengths(sk=sk, pk=pk)
    try:
        return {"k": sodium.crypto_box_beforenm(pk, sk).hex()}
    except _KEY_ERRORS as e:
        raise Fail("invalid_key", str(e)) from e


def op_box_seal_afternm(i):
    k, nonce = unhex(i["k"]), unhex(i["nonce"])
    _check_lengths(k=k, nonce=nonce)
    return {"ct": sodium.crypto_box_afternm(unhex(i["msg"]), nonce, k).hex()}


def op_box_open_afternm(i):
    k, nonce = unhex(i["k"]), unhex(i["nonce"])
    _check_lengths(k=k, nonce=nonce)
    try:
        return {"msg": sodium.crypto_box_open_afternm(unhex(i["ct"]), nonce, k).hex()}
    except _KEY_ERRORS as e:
        raise Fail("decrypt_failed", str(e)) from e


HANDLERS = {"box_seal": op_box_seal, "box_open": op_box_open, "beforenm": op_beforenm,
            "box_seal_afternm": op_box_seal_afternm, "box_open_afternm": op_box_open_afternm}


def hello(name="pynacl", description="PyNaCl raw crypto_box bindings (libsodium)"):
    return {
        "implementation": {"name": name, "version": nacl.__version__, "language": "Python",
                           "description": description},
        "profile": {"low_order_keys": "reject"},
        "supports": {"layers": ["crypto_box"], "operations": sorted(HANDLERS), "serializers": [],
                     "message_types": [], "unsupported_flags": []},
    }


if __name__ == "__main__":
    serve(hello(), HANDLERS)
