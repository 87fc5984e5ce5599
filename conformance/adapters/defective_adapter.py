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

The corpus-depth defects (issue 10): each one is a mistake an implementer
made from the docs and that corpus 1.0.0 did not catch (or caught once);
tests/py/test_runner_defective.py requires each to fail at least 5 vectors,
all of them of its class. Base: autobahn_adapter.

  keyring-fallback   when the longest matching keyring entry lacks the
                     role's box, falls back to a shorter prefix or the
                     default key instead of having no key.
  any-box            when the matched entry lacks the role's box, uses the
                     entry's other box (role-missing keys at every layer).
  check-order        checks enc_serializer before verifying the MAC, so a
                     tampered payload with an unknown serializer reports
                     unsupported_enc_serializer instead of decrypt_failed
                     (caught under --error-codes strict).
  plain-marshal-empty  writes [] / {} for absent Arguments/ArgumentsKw of a
                     plain message instead of leaving them out.
  null-as-empty      seals null args/kwargs as [] / {} in the plaintext.
  uri-ascii-whitespace  URI pattern with ASCII-only \s: accepts URIs with
                     U+00A0, U+2028, U+001C.. (Python's \s matches them).
  uri-no-final-newline  URI pattern anchored with \Z: rejects "a.b\n",
                     which Python's $ (and Autobahn) accepts.
  uri-casefold       keyring lookup and the decrypted-URI comparison ignore
                     case.
  uri-nfc            keyring lookup and the decrypted-URI comparison
                     normalise URIs to NFC.
  lax-options        drops Options/Details attributes of the wrong type
                     instead of rejecting the message.
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

DEPTH_DEFECTS = ("keyring-fallback", "any-box", "check-order", "plain-marshal-empty", "null-as-empty",
                 "uri-ascii-whitespace", "uri-no-final-newline", "uri-casefold", "uri-nfc", "lax-options")
DEFECTS = ("short-tag", "no-uri-check", "sorted-options", "wrong-profile", "crash-hang") + DEPTH_DEFECTS


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


def install_depth_defect(d, base):
    """Patches the Autobahn adapter (and the Autobahn it drives) with one depth defect."""
    import re
    import unicodedata

    from autobahn.wamp import message as wmsg
    from autobahn.wamp.cryptobox import KeyRing
    from autobahn.wamp.types import EncodedPayload

    real_get_box = KeyRing._get_box
    real_decode = base._decode

    if d == "keyring-fallback":
        def get_box(self, is_originating, uri, match_exact=False):
            box = real_get_box(self, is_originating, uri, match_exact)
            if box is not None:
                return box
            # DEFECT: the matched entry lacks the box: try shorter prefixes, then the default key.
            for n in range(len(uri) - 1, 0, -1):
                key = self._uri_to_key.get(uri[:n])
                if key is not None:
                    box = key.originator_box if is_originating else key.responder_box
                    if box is not None:
                        return box
            if self._default_key is not None:
                return self._default_key.originator_box if is_originating else self._default_key.responder_box
            return None
        KeyRing._get_box = get_box
    elif d == "any-box":
        def get_box(self, is_originating, uri, match_exact=False):
            # DEFECT: a missing box for the role is replaced by the entry's other box.
            return real_get_box(self, is_originating, uri, match_exact) or \
                real_get_box(self, not is_originating, uri, match_exact)
        KeyRing._get_box = get_box
    elif d == "check-order":
        def decode(ring, originating, uri, payload, enc_algo, enc_serializer, enc_key=None):
            if enc_algo == "cryptobox" and ring._get_box(originating, uri) is not None and enc_serializer != "json":
                # DEFECT: the serializer is checked before the MAC is verified.
                raise Fail("unsupported_enc_serializer", f"enc_serializer {enc_serializer!r}")
            return real_decode(ring, originating, uri, payload, enc_algo, enc_serializer, enc_key)
        base._decode = decode
    elif d == "plain-marshal-empty":
        def serialize(ser, msg):
            raw = msg.marshal()
            n = len(HEADER[TYPE_NAMES[raw[0]]]) + 1
            tail = raw[n:]
            if not (len(tail) == 1 and isinstance(tail[0], bytes)):
                # DEFECT: absent Arguments/ArgumentsKw written as [] and {}.
                raw = raw[:n] + [tail[0] if len(tail) > 0 else [], tail[1] if len(tail) > 1 else {}]
            return ser._serializer.serialize(raw)
        base._serialize = serialize
    elif d == "null-as-empty":
        real_encode = base._encode

        def encode(ring, originating, uri, args, kwargs, nonce):
            # DEFECT: null args/kwargs are sealed as empty ones.
            return real_encode(ring, originating, uri, [] if args is None else args, {} if kwargs is None else kwargs,
                               nonce)
        base._encode = encode
    elif d in ("uri-ascii-whitespace", "uri-no-final-newline"):
        pat = wmsg._URI_PAT_LOOSE_NON_EMPTY.pattern
        if d == "uri-ascii-whitespace":
            wmsg._URI_PAT_LOOSE_NON_EMPTY = re.compile(pat, re.ASCII)  # DEFECT: \s only [ \t\n\r\f\v]
        else:
            wmsg._URI_PAT_LOOSE_NON_EMPTY = re.compile(pat[:-1] + r"\Z")  # DEFECT: no match before a final \n
    elif d in ("uri-casefold", "uri-nfc"):
        def norm(u):
            return u.casefold() if d == "uri-casefold" else unicodedata.normalize("NFC", u)
        real_set_key = KeyRing.set_key

        # DEFECT: prefixes and looked-up URIs are normalised (case-folded / NFC) ...
        KeyRing.set_key = lambda self, uri, key: real_set_key(self, norm(uri), key)
        KeyRing._get_box = lambda self, orig, uri, match_exact=False: real_get_box(self, orig, norm(uri), match_exact)

        def decode(ring, originating, uri, payload, enc_algo, enc_serializer, enc_key=None):
            try:
                return real_decode(ring, originating, uri, payload, enc_algo, enc_serializer, enc_key)
            except Fail as e:
                if e.code != "uri_mismatch":
                    raise
                # ... and so is the decrypted URI before the comparison.
                dec_uri, a, k = ring.decode(originating, uri, EncodedPayload(payload, enc_algo, enc_serializer,
                                                                             enc_key))
                if not isinstance(dec_uri, str) or norm(dec_uri) != norm(uri):
                    raise
                return a, k
        base._decode = decode
    elif d == "lax-options":
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                        "scripts", "corpus"))
        import layer_depth  # the corpus's Options/Details rule table (scripts/corpus/layer_depth.py)

        for tname, cls in base.ref.CLASSES.items():
            rules = dict(layer_depth.OPTION_RULES[tname])
            pos = HEADER[tname].index("options") + 1

            def parse(raw, _real=cls.parse, _rules=rules, _pos=pos):
                raw = list(raw)
                if len(raw) > _pos and isinstance(raw[_pos], dict):
                    # DEFECT: an attribute of the wrong type is dropped instead of rejected.
                    raw[_pos] = {k: v for k, v in raw[_pos].items()
                                 if k not in _rules or layer_depth.rule_accepts(_rules[k], v)}
                return _real(raw)
            cls.parse = staticmethod(parse)
    else:
        raise ValueError(d)


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
        if d in DEPTH_DEFECTS:
            install_depth_defect(d, base)
        elif d == "no-uri-check":
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
