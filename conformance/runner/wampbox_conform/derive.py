"""Derived negatives: every `valid` vector whose input is sealed (a box, a
payload, an encrypted frame) is re-run with that input damaged, in the spirit
of libsodium's test/default/box_easy2.c (every flipped byte and every
truncation must fail to open).

The damaged cases are ordinary Case objects with `result` "invalid" (or
"acceptable" where the corpus itself makes the damage a policy choice, i.e.
trailing bytes after a CBOR frame), so the engine plans, sends and judges them
exactly like corpus vectors; they are counted and reported apart.

Which bytes are damaged (the rule PROTOCOL.md, section "Derived negatives",
states; keep the two in step):

- Regions of the sealed bytes: `nonce` (24), `mac` (16, Poly1305 tag), `ct`
  (the encrypted message). `box`/`box_afternm` carry the nonce as a separate
  input, so there the sealed bytes are mac || ct and the nonce flips go to the
  `nonce` input; `payload_decode` and `frame_decode_open` carry
  nonce || mac || ct in one byte string; so does `ppt_open` (its one binary
  argument) under ppt_cipher xsalsa20poly1305, while under aes256gcm it is
  nonce(12) || ct || tag(16), the tag taking the `mac` region's name and
  samples (nonce samples {0, 6, 11}; truncations 0, 11, 12, 27, 28).
- Bit flips (`flip-<region>-<offset>`, byte `offset` within the region XOR
  1 << (offset % 8)): for the *first* valid vector of each (file, operation)
  every byte of every region (the ct region up to its first 64 bytes); for all
  other vectors the sampled offsets nonce {0, 11, 23}, mac {0, 7, 8, 15} (both
  halves: a reader comparing only half the tag is caught), ct {0, middle,
  last}.
- Truncations (`trunc-<length>`): to every region boundary and one byte short
  of it: lengths 0, 23, 24, 39, 40 (payloads) or 0, 15, 16 (boxes), and
  length - 1; lengths not shorter than the input are left out.
- Trailing bytes (`trail-1`, `trail-16`): one 0x00 byte, 16 0x00 bytes.
- Encrypted frames (`frame_decode_open`): the damaged payload is written back
  into the frame with a correct length head (MessagePack bin, CBOR byte
  string, JSON "\\u0000"+base64), so the frame stays well formed and the
  expected error is `decrypt_failed`. The frame itself is also cut
  (`frame-cut-payload`: just before the payload element; `frame-cut-last`:
  without its last byte), expected `parse_error`; and one byte is appended
  after the frame (`frame-trail-1`): `parse_error` for JSON and MessagePack,
  and for CBOR an `acceptable` case flagged `CborTrailingData` as the corpus
  has it (reject, or accept with the vector's message).

Expected errors: `decrypt_failed` for every damaged box or payload (a box
that does not open, whatever its length; PROTOCOL.md 4.1 and 4.3),
`parse_error` for a damaged frame envelope. The code is advice like a corpus
vector's `error` (any rejection passes unless --error-codes strict).
"""

import base64
import json

from .corpus import Case

NONCE, MAC = 24, 16
EXHAUSTIVE_CT_BYTES = 64
SAMPLE = {"nonce": (0, 11, 23), "mac": (0, 7, 8, 15)}
DERIVED_OPS = ("box", "box_afternm", "payload_decode", "frame_decode_open", "ppt_open")
PPT_XSALSA, PPT_AES = "xsalsa20poly1305", "aes256gcm"
AES_NONCE, AES_TAG = 12, 16


class DerivedCase(Case):
    """A corpus case with one input damaged; `derivation` names the damage."""

    __slots__ = ("derived_from", "derivation")

    def __init__(self, base, derivation, test, result, flags):
        super().__init__(base.file, base.file_stem, base.layer, base.group, test)
        self.derived_from = base.key
        self.derivation = derivation
        self.tcId = f"{base.tcId}/{derivation}"
        self.key = f"{base.file_stem}#{self.tcId}"
        self.result = result
        self.flags = flags
        self.comment = f"derived from tcId {base.tcId}: {derivation} ({base.comment})"

    def record(self):
        rec = super().record()
        rec.update(derived_from=self.derived_from, derivation=self.derivation)
        return rec


def _flip(b, i):
    out = bytearray(b)
    out[i] ^= 1 << (i % 8)
    return bytes(out)


def _ct_offsets(n, exhaustive):
    if n <= 0:
        return []
    if exhaustive:
        return list(range(min(n, EXHAUSTIVE_CT_BYTES)))
    return sorted({0, n // 2, n - 1})


def _payload_variants(data, exhaustive, with_nonce):
    """(name, region-flag, damaged bytes) for a sealed byte string: with_nonce
    means data = nonce || mac || ct, otherwise data = mac || ct."""
    out = []
    base = NONCE if with_nonce else 0
    regions = ([("nonce", 0, NONCE)] if with_nonce else []) + [("mac", base, MAC)]
    flag = {"nonce": "ModifiedNonce", "mac": "ModifiedTag", "ct": "ModifiedCiphertext"}
    for name, start, size in regions:
        offs = range(size) if exhaustive else SAMPLE[name]
        for o in offs:
            out.append((f"flip-{name}-{o}", flag[name], _flip(data, start + o)))
    ct0 = base + MAC
    for o in _ct_offsets(len(data) - ct0, exhaustive):
        out.append((f"flip-ct-{o}", flag["ct"], _flip(data, ct0 + o)))
    cuts = (0, NONCE - 1, NONCE, NONCE + MAC - 1, NONCE + MAC) if with_nonce else (0, MAC - 1, MAC)
    for n in sorted(set(cuts) | {len(data) - 1}):
        if 0 <= n < len(data):
            out.append((f"trunc-{n}", "TruncatedPayload" if with_nonce else "TruncatedBox", data[:n]))
    for n in (1, 16):
        out.append((f"trail-{n}", "TrailingData", data + b"\x00" * n))
    return out


def _aes_variants(data, exhaustive):
    """As _payload_variants for a PPT aes256gcm payload, nonce(12) || ct || tag(16):
    the tag is the `mac` region (the same sample offsets), nonce samples {0, 6, 11}."""
    out = []
    n = len(data)
    for o in (range(AES_NONCE) if exhaustive else (0, 6, 11)):
        out.append((f"flip-nonce-{o}", "ModifiedNonce", _flip(data, o)))
    for o in (range(AES_TAG) if exhaustive else SAMPLE["mac"]):
        out.append((f"flip-mac-{o}", "ModifiedTag", _flip(data, n - AES_TAG + o)))
    for o in _ct_offsets(n - AES_NONCE - AES_TAG, exhaustive):
        out.append((f"flip-ct-{o}", "ModifiedCiphertext", _flip(data, AES_NONCE + o)))
    for c in sorted({0, AES_NONCE - 1, AES_NONCE, AES_NONCE + AES_TAG - 1, AES_NONCE + AES_TAG, n - 1}):
        if 0 <= c < n:
            out.append((f"trunc-{c}", "TruncatedPayload", data[:c]))
    for t in (1, 16):
        out.append((f"trail-{t}", "TrailingData", data + b"\x00" * t))
    return out


def _ppt_payload(case):
    """(cipher, payload) of a ppt_open vector whose Arguments is one binary
    element under ppt_cipher xsalsa20poly1305 or aes256gcm, else None."""
    t = case.test
    try:
        opts = {k: v for k, v in t["options"]["dict"]}
        cipher = opts.get("ppt_cipher", {}).get("str")
        (arg,) = t["arguments"]["list"]
        payload = bytes.fromhex(arg["bytes"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return (cipher, payload) if cipher in (PPT_XSALSA, PPT_AES) else None


# -- encrypted frames: where the payload sits and how to write it back ------------

def _msgpack_bin_head(n):
    if n < 0x100:
        return bytes([0xC4, n])
    if n < 0x10000:
        return bytes([0xC5]) + n.to_bytes(2, "big")
    return bytes([0xC6]) + n.to_bytes(4, "big")


def _cbor_bytes_head(n):
    if n < 24:
        return bytes([0x40 | n])
    if n < 0x100:
        return bytes([0x58, n])
    if n < 0x10000:
        return bytes([0x59]) + n.to_bytes(2, "big")
    return bytes([0x5A]) + n.to_bytes(4, "big")


def _last_element(serializer, frame):
    """The frame's last top-level element, decoded, or None."""
    try:
        if serializer == "json":
            v = json.loads(frame.decode("utf-8"))
        elif serializer == "msgpack":
            import msgpack
            v = msgpack.unpackb(frame, raw=False, strict_map_key=False)
        elif serializer == "cbor":
            import cbor2
            v = cbor2.loads(frame)
        else:
            return None
    except Exception:  # noqa: BLE001 - any reader failure means "not derivable"
        return None
    return v[-1] if isinstance(v, list) and v else None


class FrameSplice:
    """An encrypted frame as prefix + payload element (the payload is the
    frame's last element, as Autobahn writes it), able to write a different
    payload back with a correct length head."""

    def __init__(self, serializer, frame):
        self.serializer = serializer
        self.frame = frame
        self.payload = None
        self.prefix = None
        last = _last_element(serializer, frame)
        if serializer == "json":
            if not (isinstance(last, str) and last.startswith("\x00")):
                return
            b64 = last[1:]
            tail = ('"\\u0000' + b64 + '"]').encode("ascii", "replace")
            if not frame.endswith(tail):
                return
            try:
                self.payload = base64.b64decode(b64, validate=True)
            except ValueError:
                return
            self.prefix = frame[:-len(tail)]
        elif serializer in ("msgpack", "cbor"):
            if not isinstance(last, bytes):
                return
            head = (_msgpack_bin_head if serializer == "msgpack" else _cbor_bytes_head)(len(last))
            if not frame.endswith(head + last):
                return
            self.payload = last
            self.prefix = frame[:len(frame) - len(head) - len(last)]

    def ok(self):
        return self.payload is not None

    def with_payload(self, p):
        if self.serializer == "json":
            return self.prefix + ('"\\u0000' + base64.b64encode(p).decode("ascii") + '"]').encode("ascii")
        head = (_msgpack_bin_head if self.serializer == "msgpack" else _cbor_bytes_head)(len(p))
        return self.prefix + head + p


FRAME_TRAILER = {"json": b"x", "msgpack": b"\xc0", "cbor": b"\xf6"}


# -- is the damaged box really a negative? -------------------------------------------
#
# A damaged box is not always a bad box: the corpus has Poly1305 edge vectors
# whose ciphertext drives the accumulator to 0, so their tag alone (the box cut
# to 16 bytes) is the valid box of the empty message. Each damaged box is
# therefore opened here with libsodium (PyNaCl, Debian python3-nacl), with the
# key that opens the original; one that opens is not derived. Without PyNaCl
# every damage is kept (it is a negative for every vector but such crafted ones).

def _sodium():
    try:
        import nacl.bindings as sodium
        return sodium
    except ImportError:
        return None


def _key_bytes(text):
    if not isinstance(text, str):
        return None
    try:
        if len(text) == 64:
            return bytes.fromhex(text)
        b = base64.b64decode(text, validate=True)
        return b if len(b) == 32 else None
    except ValueError:
        return None


def _keyring_boxes(sodium, keyring):
    """Every shared key the keyring's entries can form (both roles)."""
    out = []
    for e in keyring or []:
        if not isinstance(e, dict):
            continue
        k = {f: _key_bytes(e.get(f)) for f in ("private", "originator_priv", "originator_pub", "responder_priv",
                                                 "responder_pub")}
        if k["private"]:
            k["originator_priv"] = k["responder_priv"] = k["private"]
        for priv, pub in (("originator_priv", "originator_pub"), ("responder_priv", "responder_pub")):
            if k[priv] and not k[pub]:
                k[pub] = sodium.crypto_scalarmult_base(k[priv])
        for priv, pub in (("originator_priv", "responder_pub"), ("responder_priv", "originator_pub")):
            if k[priv] and k[pub]:
                try:
                    out.append(sodium.crypto_box_beforenm(k[pub], k[priv]))
                except Exception:  # noqa: BLE001 - a key libsodium refuses forms no box
                    pass
    return out


def _opener(case, sealed):
    """A function telling whether damaged sealed bytes still open, or None
    when that cannot be decided here (no PyNaCl, no key found)."""
    sodium = _sodium()
    if sodium is None:
        return None
    t = case.test

    def opens(k, nonce, box):
        try:
            sodium.crypto_box_open_afternm(box, nonce, k)
            return True
        except Exception:  # noqa: BLE001 - any refusal means "does not open"
            return False
    try:
        if case.op == "box_afternm":
            keys = [bytes.fromhex(t["k"])]
        elif case.op == "box":
            keys = [sodium.crypto_box_beforenm(bytes.fromhex(t["pk"]), bytes.fromhex(t["sk"]))]
        else:
            keys = _keyring_boxes(sodium, case.group.get("keyring"))
    except Exception:  # noqa: BLE001
        return None
    if case.op in ("box", "box_afternm"):
        nonce = bytes.fromhex(t["nonce"])
        k = next((k for k in keys if opens(k, nonce, sealed)), None)
        return None if k is None else (lambda nonce2, box: opens(k, nonce2, box))
    k = next((k for k in keys if opens(k, sealed[:NONCE], sealed[NONCE:])), None)
    return None if k is None else (lambda payload: len(payload) >= NONCE and opens(k, payload[:NONCE], payload[NONCE:]))


# -- the derivation --------------------------------------------------------------

def _variants(case, exhaustive):
    """(derivation, test-field updates, result, flags, expected error) for one vector."""
    t = case.test
    out = []
    if case.op in ("box", "box_afternm"):
        ct, nonce = bytes.fromhex(t["ct"]), bytes.fromhex(t["nonce"])
        opens = _opener(case, ct) or (lambda _n, _b: False)
        for o in (range(NONCE) if exhaustive else SAMPLE["nonce"]):
            n2 = _flip(nonce, o)
            if not opens(n2, ct):
                out.append((f"flip-nonce-{o}", {"nonce": n2.hex()}, "invalid", "ModifiedNonce", "decrypt_failed"))
        for name, flag, data in _payload_variants(ct, exhaustive, with_nonce=False):
            if not opens(nonce, data):
                out.append((name, {"ct": data.hex()}, "invalid", flag, "decrypt_failed"))
    elif case.op == "payload_decode":
        payload = bytes.fromhex(t["payload"])
        opens = _opener(case, payload) or (lambda _p: False)
        for name, flag, data in _payload_variants(payload, exhaustive, with_nonce=True):
            if not opens(data):
                out.append((name, {"payload": data.hex()}, "invalid", flag, "decrypt_failed"))
    elif case.op == "ppt_open":
        # PPT payloads are AEAD output under keys from pptKeys; the PPT corpus has no crafted
        # Poly1305/GCM edge vectors, so no damage here can open, and none is opened to check.
        found = _ppt_payload(case)
        if found is None:
            return out  # not encrypted (no ppt_cipher), or not one binary argument
        cipher, payload = found
        variants = (_payload_variants(payload, exhaustive, with_nonce=True) if cipher == PPT_XSALSA
                    else _aes_variants(payload, exhaustive))
        for name, flag, data in variants:
            out.append((name, {"arguments": {"list": [{"bytes": data.hex()}]}}, "invalid", flag, "decrypt_failed"))
    elif case.op == "frame_decode_open":
        ser = case.group.get("serializer")
        frame = bytes.fromhex(t["frame"])
        sp = FrameSplice(ser, frame)
        if not sp.ok():
            return out  # a plain frame (or one this reader cannot split): nothing sealed to damage
        opens = _opener(case, sp.payload) or (lambda _p: False)
        for name, flag, data in _payload_variants(sp.payload, exhaustive, with_nonce=True):
            if not opens(data):
                out.append((name, {"frame": sp.with_payload(data).hex()}, "invalid", flag, "decrypt_failed"))
        out.append(("frame-cut-payload", {"frame": sp.prefix.hex()}, "invalid", "Truncated", "parse_error"))
        out.append(("frame-cut-last", {"frame": frame[:-1].hex()}, "invalid", "Truncated", "parse_error"))
        trail = (frame + FRAME_TRAILER[ser]).hex()
        if ser == "cbor":
            out.append(("frame-trail-1", {"frame": trail}, "acceptable", "CborTrailingData", "parse_error"))
        else:
            out.append(("frame-trail-1", {"frame": trail}, "invalid", "TrailingData", "parse_error"))
    return out


def derive(cases):
    """Derived negative cases for the `valid` vectors among `cases`, in corpus
    order. The first valid vector of each (file, operation) gets the
    exhaustive flips; the rest the sampled ones."""
    out = []
    seen = set()
    for c in cases:
        if c.result != "valid" or c.op not in DERIVED_OPS:
            continue
        k = (c.file, c.op)
        exhaustive = k not in seen
        vs = _variants(c, exhaustive)
        if not vs:
            continue
        seen.add(k)
        for name, upd, result, flag, err in vs:
            test = dict(c.test)
            test.update(upd)
            test["result"] = result
            test["error"] = err
            flags = ["Derived", flag] + [f for f in c.flags if f not in ("Derived", flag)]
            out.append(DerivedCase(c, name, test, result, flags))
    return out


RULE = ("valid box, box_afternm, payload_decode, encrypted frame_decode_open and encrypted ppt_open vectors; flips "
        "of nonce/mac/ct "
        "bytes (every byte for the first vector of each file and operation, ct up to 64 bytes; otherwise nonce "
        "{0,11,23}, mac {0,7,8,15}, ct {0,mid,last}), truncations at region boundaries and length-1, 1 and 16 "
        "trailing bytes; encrypted frames also cut and given a trailing byte (PROTOCOL.md 10.1)")
