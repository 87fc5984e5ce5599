#!/usr/bin/python3
"""Deliberately defective live clients, for the live mode's own tests: Autobahn|Python
(autobahn_live.py) with its KeyRing wrapped so that one thing goes wrong. Each defect must
fail exactly the scenarios that check it (tests/py/test_live_conform.py asserts which).

  --defect plaintext-send       encode() never encrypts: every payload goes out in the clear
                                (what Autobahn does silently for a key without the sending box,
                                here for every key), decoding still works
  --defect no-uri-check         decode() reports the envelope URI as the payload's, so the
                                session's URI comparison never fails (URI-swapped payloads pass)
  --defect pass-undecryptable   decode() hands a payload that fails to decrypt to the
                                application as its raw bytes instead of raising

The hello declares Autobahn's own profile, so each defect fails exactly the scenarios that
check it and nothing else.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import autobahn_live  # noqa: E402

DEFECTS = ("plaintext-send", "no-uri-check", "pass-undecryptable")


class DefectiveRing:
    """A payload codec (Autobahn's IPayloadCodec: encode/decode) around a real KeyRing."""

    def __init__(self, ring, defects):
        self.ring = ring
        self.defects = defects

    def encode(self, is_originating, uri, args=None, kwargs=None):
        if "plaintext-send" in self.defects:
            return None
        return self.ring.encode(is_originating, uri, args, kwargs)

    def decode(self, is_originating, uri, encoded_payload):
        try:
            inner_uri, args, kwargs = self.ring.decode(is_originating, uri, encoded_payload)
        except Exception:  # noqa: BLE001 - the defect: a failed decrypt is not an error
            if "pass-undecryptable" in self.defects:
                return uri, [encoded_payload.payload], None
            raise
        if "no-uri-check" in self.defects:
            return uri, args, kwargs
        return inner_uri, args, kwargs


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--defect", required=True, help="comma-separated: " + ", ".join(DEFECTS))
    a = p.parse_args()
    defects = {d.strip() for d in a.defect.split(",") if d.strip()}
    bad = defects - set(DEFECTS)
    if bad:
        p.error(f"unknown defect(s) {', '.join(sorted(bad))}")
    impl = dict(autobahn_live.IMPLEMENTATION, name="defective-live(" + ",".join(sorted(defects)) + ")",
                description="Autobahn|Python with a defective payload codec: " + ", ".join(sorted(defects)))
    return autobahn_live.run(lambda ring: DefectiveRing(ring, defects), impl, autobahn_live.PROFILE)


if __name__ == "__main__":
    sys.exit(main())
