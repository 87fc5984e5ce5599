#!/usr/bin/python3
"""Generates tests/data/cryptobox_cases.jsonl with the real Autobahn|Python.

Each line is one KeyRing.encode() made by Autobahn with a fixed nonce
(autobahn.wamp.cryptobox.random is replaced), so the C++ codec can be checked
byte for byte: cryptobox_test.cc reads the file.

Fields per line:
  name          case name
  keyset        "sample" (four sample keys, prefix "com.myapp.encrypted.") or
                "single" (ORIGINATOR_PRIV as a single key, prefix "com.single.")
  role          "originator" (is_originating=True) or "responder"
  uri           the URI passed to encode
  args_json     args as Autobahn's serializer._dumps writes them ("null" for None)
  kwargs_json   kwargs likewise
  nonce_hex     the 24-byte nonce
  plaintext_hex the plaintext Autobahn encrypted
  payload_hex   EncodedPayload.payload (nonce || mac || ciphertext)

Deterministic: run it again and the output is identical.
Usage: /usr/bin/python3 tests/data/gen_cryptobox_cases.py [output]
"""

import json
import os
import sys

import autobahn.wamp.cryptobox as cryptobox
from autobahn.wamp.serializer import _dumps

assert cryptobox.HAS_CRYPTOBOX, "python3-nacl / python3-pytrie missing"

# crossbar-examples encryption/cryptobox/sample_keys.py
ORIGINATOR_PRIV = '6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM='
ORIGINATOR_PUB = 'GTtQ37XGJO2O4R8Dvx4AUo8pe61D9evIWpKGQAPdOh0='
RESPONDER_PRIV = 'ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE='
RESPONDER_PUB = '5Q3rK3UhNZzdviBw9MtbNrrPHR9bsFSGMEtr2H3ZaxQ='

SAMPLE = 'com.myapp.encrypted.'
SINGLE = 'com.single.'


def make_ring():
    ring = cryptobox.KeyRing()
    # Only the private keys: Autobahn 22.7.1's Key() compares a given *_pub
    # string with a PublicKey object, so passing priv and pub together always
    # fails its assertion. The privates imply ORIGINATOR_PUB / RESPONDER_PUB.
    key = cryptobox.Key(originator_priv=ORIGINATOR_PRIV, responder_priv=RESPONDER_PRIV)
    assert key.originator_pub.encode(cryptobox.Base64Encoder).decode() == ORIGINATOR_PUB
    assert key.responder_pub.encode(cryptobox.Base64Encoder).decode() == RESPONDER_PUB
    ring.set_key(SAMPLE, key)
    ring.set_key(SINGLE, ORIGINATOR_PRIV)
    return ring


CASES = [
    # name, role is_originating, uri, args, kwargs
    ('worked_example', True, SAMPLE + 'hello', ['Counter is at 1'], {}),
    ('result_plain_return', False, SAMPLE + 'add2', [42], None),
    ('empty', True, SAMPLE + 'empty', [], {}),
    ('both_null', False, SAMPLE + 'nothing', None, None),
    ('unicode', True, SAMPLE + 'unicode',
     ['h\u00e9llo \u2713 \U0001F389', '\u4e2d\u6587', '\u2028\u2029', 'ctl\n\t\r\b\f\x01\x1f\x7f"\\/'],
     {'cl\u00e9': '\u00fc', 'emoji\U0001F600': ['mid\u0000nul', '']}),
    ('bytes', False, SAMPLE + 'bytes', [b'', b'\x00\x01binary\xff', bytes(range(256))], {'blob': b'\xde\xad\xbe\xef'}),
    ('floats', True, SAMPLE + 'floats',
     [float('nan'), float('inf'), float('-inf'), -0.0, 0.1, 1e-07, 1e16, 1.0, 123456789.125, 5e-324,
      1.7976931348623157e308],
     {'pi': 3.141592653589793}),
    ('big_ints', False, SAMPLE + 'ints',
     [0, -1, 2**63 - 1, -2**63, 2**63, 2**64 - 1, 2**64, -2**63 - 1, -2**70, 10**40], {'big': 2**100}),
    ('nested', True, SAMPLE + 'nested',
     [{'a': [1, [2, [3, {'b': None}]]], 'c': True, 'd': False}, [[]], {}],
     {'z': 1, 'a': 2, 'm': {'y': [None, True]}}),
    ('uri_needs_escaping', True, SAMPLE + 'q"uo\\te\u00fc\u2028\x01', ['x'], {}),
    ('single_key_originator', True, SINGLE + 'proc', ['one key', 1], {'k': 'v'}),
    ('single_key_responder', False, SINGLE + 'proc', ['one key', 2], {'k': 'v'}),
    ('large', False, SAMPLE + 'large', ['x' * 5000, list(range(300))], {'s': '\u00e9' * 2000}),
]


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                   'cryptobox_cases.jsonl')
    ring = make_ring()
    lines = []
    for i, (name, is_originating, uri, args, kwargs) in enumerate(CASES):
        # Autobahn's worked example uses nonce 00 01 .. 17; the others
        # differ per case so that no two cases share a nonce.
        nonce = bytes(range(24)) if i == 0 else bytes(((i * 37 + j * 11) & 0xFF) for j in range(24))
        cryptobox.random = lambda n, _nonce=nonce: _nonce[:n]
        enc = ring.encode(is_originating, uri, args, kwargs)
        assert enc is not None and enc.enc_algo == 'cryptobox' and enc.enc_serializer == 'json'
        plaintext = _dumps({'uri': uri, 'args': args, 'kwargs': kwargs}).encode('utf8')
        assert len(enc.payload) == 40 + len(plaintext)
        assert enc.payload[:24] == nonce
        # Autobahn must read its own payload back (with either role: both boxes share the key).
        dec_uri, dec_args, dec_kwargs = ring.decode(not is_originating, uri, enc)
        assert dec_uri == uri
        lines.append(json.dumps({
            'name': name,
            'keyset': 'single' if uri.startswith(SINGLE) else 'sample',
            'role': 'originator' if is_originating else 'responder',
            'uri': uri,
            'args_json': _dumps(args),
            'kwargs_json': _dumps(kwargs),
            'nonce_hex': nonce.hex(),
            'plaintext_hex': plaintext.hex(),
            'payload_hex': bytes(enc.payload).hex(),
        }, ensure_ascii=True, sort_keys=False))
    with open(out_path, 'w', encoding='ascii') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
