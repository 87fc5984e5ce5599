"""PPT key stores and rotation through the wampbox CLI (seal/open --ppt-keys),
checked against independent code: python3-cryptography's AESGCM and PyNaCl's
secretbox open what the CLI sealed, with the layouts of docs/ppt.md."""

import json
import os
import subprocess

import cbor2
import nacl.bindings as sodium
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(os.environ.get("WAMPBOX_BUILD_DIR", os.path.join(ROOT, "build")), "impl", "cli", "wampbox")

pytestmark = pytest.mark.skipif(not os.access(CLI, os.X_OK), reason="wampbox CLI not built")

OLD_ID, NEW_ID = "0x" + "1" * 40, "0x" + "2" * 40
OLD_KEY, NEW_KEY = bytes(range(32)), bytes(range(32, 64))


def store(tmp_path, name, old_status, new=True):
    entries = [{"prefix": "com.app.", "model": "symmetric", "keyid": OLD_ID, "key": OLD_KEY.hex(), "status": old_status}]
    if new:
        entries.append({"prefix": "com.app.", "model": "symmetric", "keyid": NEW_ID, "key": NEW_KEY.hex(),
                        "status": "current"})
    p = tmp_path / name
    p.write_text(json.dumps(entries))
    return str(p)


def run(*args):
    return subprocess.run([CLI] + list(args), capture_output=True, timeout=60)


def seal(keys, cipher, nonce=None):
    args = ["seal", "--type", "PUBLISH", "--serializer", "json", "--uri", "com.app.t", "--request", "1",
            "--args", '["x", 1]', "--kwargs", '{"k": true}', "--ppt-keys", keys, "--cipher", cipher]
    if nonce:
        args += ["--nonce", nonce.hex()]
    p = run(*args)
    assert p.returncode == 0, p.stderr
    return p.stdout


def open_(keys, frame):
    return subprocess.run([CLI, "open", "--serializer", "json", "--ppt-keys", keys, "--role", "responder", "-"],
                          input=frame, capture_output=True, timeout=60)


@pytest.mark.parametrize("cipher", ["xsalsa20poly1305", "aes256gcm"])
def test_rotation_through_the_cli(tmp_path, cipher):
    nonce = bytes(range(24 if cipher == "xsalsa20poly1305" else 12))
    # Sealed with the old key while it was current.
    old_frame = seal(store(tmp_path, "old.json", "current", new=False), cipher, nonce)
    # The new store: the old key in its grace period, the new one current.
    grace = store(tmp_path, "grace.json", "grace")
    new_frame = seal(grace, cipher, nonce)
    msg = json.loads(new_frame)
    opts = msg[2]
    assert opts["ppt_scheme"] == "wamp" and opts["ppt_serializer"] == "cbor" and opts["ppt_cipher"] == cipher
    assert opts["ppt_keyid"] == NEW_ID  # the current key, named (lowercase: the CLI has no Keccak-256)
    assert len(msg) == 5 and msg[4][0].startswith("\u0000")  # Arguments = [binary], no ArgumentsKw
    import base64
    payload = base64.b64decode(msg[4][0][1:])
    # Independent decryption with the layout of docs/ppt.md.
    if cipher == "aes256gcm":
        pt = AESGCM(NEW_KEY).decrypt(payload[:12], payload[12:], None)
    else:
        pt = sodium.crypto_secretbox_open(payload[24:], payload[:24], NEW_KEY)
    assert payload.startswith(nonce)
    assert cbor2.loads(pt) == {"args": ["x", 1], "kwargs": {"k": True}}
    for frame in (old_frame, new_frame):
        p = open_(grace, frame)
        assert p.returncode == 0, p.stderr
        out = json.loads(p.stdout)
        assert out["ppt"]["ppt_cipher"] == cipher
    # Retire the old key: its frames are refused with a crypto exit code, the new ones still open.
    retired = store(tmp_path, "retired.json", "retired")
    p = open_(retired, old_frame)
    assert p.returncode == 1 and b"retired" in p.stderr, p.stderr
    assert open_(retired, new_frame).returncode == 0
    # Only retired/grace keys: nothing to send with.
    p = run("seal", "--type", "PUBLISH", "--serializer", "json", "--uri", "com.app.t", "--args", "[1]",
            "--ppt-keys", store(tmp_path, "none.json", "retired", new=False), "--cipher", cipher)
    assert p.returncode == 1 and b"no current PPT key" in p.stderr, p.stderr


def test_bad_store_and_options(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"prefix": "a", "model": "symmetric", "keyid": "0x12", "key": "00"}]')
    p = run("seal", "--type", "PUBLISH", "--serializer", "json", "--uri", "a.b", "--args", "[1]", "--ppt-keys", str(bad))
    assert p.returncode == 3 and b"PPT key store" in p.stderr, p.stderr
    p = run("seal", "--type", "PUBLISH", "--serializer", "json", "--uri", "a.b", "--args", "[1]", "--cipher",
            "aes256gcm", "--plain")
    assert p.returncode == 2, p.stderr
    p = run("seal", "--type", "PUBLISH", "--serializer", "json", "--uri", "com.app.t", "--args", "[1]",
            "--ppt-keys", store(tmp_path, "s.json", "grace"), "--cipher", "aes128gcm")
    assert p.returncode == 3 and b"aes128gcm" in p.stderr, p.stderr
