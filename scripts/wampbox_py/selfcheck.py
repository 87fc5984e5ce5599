"""The self-checks of scripts/run.sh's `selfcheck` stage, one subcommand each:

    python3 -m wampbox_py.selfcheck keygen WAMPBOX
    python3 -m wampbox_py.selfcheck keyring PATH
    python3 -m wampbox_py.selfcheck roundtrip WAMPBOX KEYRING SERIALIZER
    python3 -m wampbox_py.selfcheck worked-example WAMPBOX KEYRING

WAMPBOX is the CLI binary (wampbox_py.cli.find_binary()), KEYRING a file
written by `keyring`. Each check prints what it saw and exits 0 if it holds;
a failed check raises (AssertionError or the CLI's error), exit status 1.
Needs Debian's /usr/bin/python3 (python3-autobahn, PyNaCl).
"""

import argparse
import sys

from wampbox_py import autobahn_ref as ref
from wampbox_py.cli import Wampbox


def keygen(wb):
    """wampbox keygen gives a valid Curve25519 pair that Autobahn's Key
    accepts; the private key is checked, never printed."""
    from autobahn.wamp.cryptobox import Key
    from nacl.encoding import Base64Encoder
    from nacl.public import PrivateKey
    out = Wampbox(wb).keygen().check().stdout.decode()
    fields = dict(line.split(": ", 1) for line in out.strip().splitlines())
    priv, pub = fields["private"], fields["public"]
    assert PrivateKey(priv, Base64Encoder).public_key.encode(Base64Encoder).decode() == pub, \
        "public key does not match"
    Key(originator_priv=priv, responder_pub=pub)  # what an Autobahn client would do with it
    print("keygen ok, public:", pub)


def keyring(path):
    """Writes the keyring file the other checks use: the worked example's prefix and sample keys."""
    ref.write_keyring_file(path, {ref.EXAMPLE_PREFIX: ref.SAMPLE_KEYS})


def roundtrip(wb, keyring_path, ser):
    """wampbox seals a PUBLISH, wampbox opens it as the responder, and Autobahn opens it too."""
    wb = Wampbox(wb)
    uri, args, kwargs = ref.EXAMPLE_PREFIX + "selfcheck", ["hello", 1, 2.5, b"\x00\xff"], {"k": "v"}
    sealed = wb.seal("PUBLISH", ser, keyring_path, uri=uri, args=args, kwargs=kwargs).check()
    print(f"sealed {len(sealed.stdout)} bytes")
    dec = wb.open(sealed.stdout, ser, keyring_path, role="responder").check().json()["decrypted"]
    assert dec["uri"] == uri and ref.values_equal(dec["args"], args) and ref.values_equal(dec["kwargs"], kwargs), dec
    ab = ref.decode_frame(sealed.stdout, ser, ref.make_keyring({ref.EXAMPLE_PREFIX: ref.SAMPLE_KEYS}))
    assert ref.values_equal(ab["args"], args), ab
    print("round trip ok")


def worked_example(wb, keyring_path):
    """wampbox reproduces the worked example frame (Autobahn-built, fixed nonce) byte for byte."""
    res = Wampbox(wb).seal("PUBLISH", "json", keyring_path, uri="com.myapp.encrypted.hello",
                           args=["Counter is at 1"], kwargs={}, ids={"request": 1},
                           nonce=bytes(range(24))).check()
    assert res.stdout == ref.worked_example_frame(), res.stdout
    print(res.stdout.decode())


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m wampbox_py.selfcheck", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="check", required=True)
    sub.add_parser("keygen").add_argument("wampbox")
    sub.add_parser("keyring").add_argument("path")
    p = sub.add_parser("roundtrip")
    p.add_argument("wampbox")
    p.add_argument("keyring")
    p.add_argument("serializer", choices=ref.SERIALIZERS)
    p = sub.add_parser("worked-example")
    p.add_argument("wampbox")
    p.add_argument("keyring")
    a = ap.parse_args(argv)
    if a.check == "keygen":
        keygen(a.wampbox)
    elif a.check == "keyring":
        keyring(a.path)
    elif a.check == "roundtrip":
        roundtrip(a.wampbox, a.keyring, a.serializer)
    else:
        worked_example(a.wampbox, a.keyring)
    return 0


if __name__ == "__main__":
    sys.exit(main())
