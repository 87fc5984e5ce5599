"""Cryptobox key rotation (enc_key) between wampbox and the real Autobahn|Python
(python3-autobahn), through the wampbox CLI and a rotating keyring file
(docs/keyring-format.md, "Key rotation"). What this file shows is what
docs/keyring-format.md says interoperates:

- a rotating wampbox sender writes enc_key (the id of the receiver's public key);
  Autobahn's parser accepts it and its KeyRing.decode ignores it: an Autobahn
  receiver opens the frame exactly when its one key is the sender's current key;
- Autobahn senders never write enc_key; a rotating wampbox receiver tries its
  current key, then its grace keys, so Autobahn peers still on the old key keep
  working through the grace period and are refused once that key is retired;
- object-form (set_key) prefixes write no enc_key: byte-identical to Autobahn;
- Autobahn's own KeyRing.rotate_key is broken (AttributeError).

A PUBLISH frame is opened with the responder's box, as the EVENT a router
forwards (payload and enc_* untouched)."""

import hashlib
import json

import pytest
from nacl.public import PrivateKey

from wampbox_py import autobahn_ref as ref

URI = "com.app.topic"
ARGS = ["rotated", 1]
KWARGS = {"k": "v"}
NONCE = bytes(range(24))


def b64(b):
    import base64
    return base64.b64encode(bytes(b)).decode()


class Generation:
    """One generation of keys: the publisher's and the subscriber's key pairs."""

    def __init__(self):
        self.pub = PrivateKey.generate()
        self.sub = PrivateKey.generate()

    def publisher(self, **extra):
        return dict(originator_priv=b64(self.pub), responder_pub=b64(self.sub.public_key), **extra)

    def subscriber(self, **extra):
        return dict(responder_priv=b64(self.sub), originator_pub=b64(self.pub.public_key), **extra)

    def subscriber_id(self):
        # The spec's key id, computed here with hashlib: "0x" + last 20 bytes of SHA-256 of the public key.
        return "0x" + hashlib.sha256(bytes(self.sub.public_key)).digest()[-20:].hex()


def keyring_file(path, prefix_value):
    path.write_text(json.dumps({"com.app.": prefix_value}))
    return str(path)


def autobahn_ring(parts):
    return ref.make_keyring({"com.app.": parts})


def wampbox_publish(wampbox, keyring, ser, nonce=None):
    res = wampbox.seal("PUBLISH", ser, keyring, uri=URI, args=ARGS, kwargs=KWARGS, nonce=nonce,
                       ids={"request": ref.DEFAULT_IDS["request"]})
    assert res.rc == 0, str(res)
    return res.stdout


def autobahn_publish(parts, ser):
    msg = ref.build_message("PUBLISH", URI, ARGS, KWARGS, keyring=autobahn_ring(parts), nonce=NONCE)
    return ref.serialize(msg, ser)


@pytest.mark.parametrize("ser", ref.SERIALIZERS)
def test_wampbox_rotating_sender_to_autobahn_receiver(wampbox, tmp_path, ser):
    g1, g2 = Generation(), Generation()
    # The publisher rotated: g1 in grace, g2 current.
    ring = keyring_file(tmp_path / "pub.json", [g1.publisher(status="grace"), g2.publisher()])
    frame = wampbox_publish(wampbox, ring, ser)
    parsed = ref.parse_frame(frame, ser)  # Autobahn's parser accepts the enc_key string ...
    assert parsed.enc_key == g2.subscriber_id()
    assert parsed.enc_algo == "cryptobox" and parsed.enc_serializer == "json"
    # ... and its KeyRing.decode ignores it: an Autobahn subscriber holding the current key opens the frame.
    out = ref.decode_frame(frame, ser, autobahn_ring(g2.subscriber()), uri=URI)
    assert out["args"] == ARGS and out["kwargs"] == KWARGS
    # An Autobahn subscriber still on the old key cannot (it has one key per prefix and cannot choose by enc_key).
    with pytest.raises(Exception) as e:
        ref.decode_frame(frame, ser, autobahn_ring(g1.subscriber()), uri=URI)
    assert "decrypt" in str(e.value).lower() or type(e.value).__name__ == "CryptoError"


@pytest.mark.parametrize("ser", ref.SERIALIZERS)
def test_autobahn_sender_to_wampbox_rotating_receiver(wampbox, tmp_path, ser):
    g1, g2 = Generation(), Generation()
    old_frame = autobahn_publish(g1.publisher(), ser)  # an Autobahn peer not yet rotated
    new_frame = autobahn_publish(g2.publisher(), ser)  # one that has
    assert ref.parse_frame(old_frame, ser).enc_key is None  # Autobahn never names its key
    grace = keyring_file(tmp_path / "grace.json", [g1.subscriber(status="grace"), g2.subscriber()])
    for frame in (old_frame, new_frame):  # no enc_key: current key, then the grace key
        res = wampbox.open(frame, ser, grace, role="responder")
        assert res.rc == 0, str(res)
        assert res.json()["decrypted"]["args"] == ARGS
    # The old key retired: the Autobahn peer on it is refused (decrypt_failed, exit 1), the rotated one is not.
    retired = keyring_file(tmp_path / "retired.json", [g1.subscriber(status="retired"), g2.subscriber()])
    res = wampbox.open(old_frame, ser, retired, role="responder")
    assert res.rc == 1 and res.error_code == "decrypt_failed", str(res)
    assert wampbox.open(new_frame, ser, retired, role="responder").rc == 0


def test_wampbox_to_wampbox_named_keys(wampbox, tmp_path):
    g1, g2 = Generation(), Generation()
    old_frame = wampbox_publish(wampbox, keyring_file(tmp_path / "old.json", [g1.publisher()]), "cbor")
    new_frame = wampbox_publish(wampbox, keyring_file(tmp_path / "new.json", [g1.publisher(status="grace"),
                                                                              g2.publisher()]), "cbor")
    assert ref.parse_frame(old_frame, "cbor").enc_key == g1.subscriber_id()
    grace = keyring_file(tmp_path / "grace.json", [g1.subscriber(status="grace"), g2.subscriber()])
    for frame in (old_frame, new_frame):
        res = wampbox.open(frame, "cbor", grace, role="responder")
        assert res.rc == 0, str(res)
        assert res.json()["message"]["options"]["enc_key"] in (g1.subscriber_id(), g2.subscriber_id())
    retired = keyring_file(tmp_path / "retired.json", [g1.subscriber(status="retired"), g2.subscriber()])
    res = wampbox.open(old_frame, "cbor", retired, role="responder")
    assert res.rc == 1 and res.error_code == "retired_key", str(res)
    # A receiver that never had the named key: no_key; a sender whose keys are all grace/retired: no_key, no plaintext.
    res = wampbox.open(old_frame, "cbor", keyring_file(tmp_path / "other.json", [Generation().subscriber()]),
                       role="responder")
    assert res.rc == 1 and res.error_code == "no_key", str(res)
    res = wampbox.seal("PUBLISH", "cbor", keyring_file(tmp_path / "none.json", [g1.publisher(status="retired")]),
                       uri=URI, args=ARGS, kwargs=KWARGS)
    assert res.rc == 1 and res.error_code == "no_key" and res.stdout == b"", str(res)


def test_object_form_prefix_is_byte_identical_to_autobahn(wampbox, tmp_path):
    g = Generation()
    frame = wampbox_publish(wampbox, keyring_file(tmp_path / "plain.json", g.publisher()), "json", nonce=NONCE)
    assert frame.rstrip(b"\n") == autobahn_publish(g.publisher(), "json")
    assert ref.parse_frame(frame, "json").enc_key is None


def test_autobahn_rotate_key_is_broken():
    ring = autobahn_ring(Generation().subscriber())
    with pytest.raises(AttributeError):
        ring.rotate_key("com.app.")
