#!/usr/bin/python3
"""Generates tests/data/message_cases.jsonl with the real Autobahn|Python.

For each of the seven payload-carrying message types, each serializer (json,
msgpack, cbor) and a few payloads, Autobahn builds the message with its own
message class, marshal() and serializer, once in plain form (args/kwargs) and
once encrypted with KeyRing.encode() and a fixed nonce
(autobahn.wamp.cryptobox.random is replaced). message_test.cc rebuilds the same
message and checks the frame byte for byte, the decode round trip and, for
encrypted frames, that open_message recovers args/kwargs.

Keys: the crossbar-examples sample keys under the keyring prefix 'com.myapp.'.

Fields per line:
  name                case name (unique)
  type                "PUBLISH", "EVENT", ...
  serializer          "json" | "msgpack" | "cbor"
  encrypted           bool
  role                encrypted only: "originator" (KeyRing.encode is_originating=True) or "responder"
  payload_uri         encrypted only: the URI passed to KeyRing.encode
  nonce_hex           encrypted only: the 24-byte nonce
  request_type, request, subscription, publication, registration   ids (0 where the type has none)
  uri                 PUBLISH topic, CALL procedure, ERROR error; "" otherwise
  options_json        the plain message's Options/Details as marshal() writes them (no enc_*)
  has_args, args_json         the args given to the message class / KeyRing.encode (None -> false, "null")
  has_kwargs, kwargs_json     likewise for kwargs
  wire_options_json   Options/Details of the frame (with enc_* when encrypted)
  wire_tail_json      the elements after Options/URI in the frame, as a JSON list
                      (payload bytes as "\\u0000"+base64)
  frame_hex           the serialized frame

All JSON fields are written with Autobahn's serializer._dumps (bytes as
"\\u0000"+base64, NaN/Infinity bare). Deterministic: rerunning gives identical output.
Usage: /usr/bin/python3 tests/data/gen_message_cases.py [output]
"""

import json
import os
import sys

import txaio
txaio.use_asyncio()  # the serializers keep statistics with txaio.time_ns

import autobahn.wamp.cryptobox as cryptobox  # noqa: E402
from autobahn.wamp import message as M  # noqa: E402
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer, _dumps  # noqa: E402

assert cryptobox.HAS_CRYPTOBOX, "python3-nacl / python3-pytrie missing"

# crossbar-examples encryption/cryptobox/sample_keys.py
ORIGINATOR_PRIV = '6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM='
RESPONDER_PRIV = 'ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE='
PREFIX = 'com.myapp.'

SERIALIZERS = [('json', JsonSerializer()), ('msgpack', MsgPackSerializer()), ('cbor', CBORSerializer())]

FF = [{'session': 123, 'authid': 'alice', 'authrole': 'user'}]
UNICODE_ARGS = ['h\u00e9llo \u2713 \U0001F389', '\u4e2d\u6587', '\u2028\u2029', 'ctl\n\t\r\b\f\x01\x1f\x7f"\\/']
UNICODE_KWARGS = {'cl\u00e9': '\u00fc', 'emoji\U0001F600': ['mid\u0000nul', '']}
BYTES_ARGS = [b'', b'\x00\x01binary\xff', bytes(range(256))]
MIXED_ARGS = [0, -1, 2**53, -2**63, 2**64 - 1, 0.1, -0.0, 1e16, float('inf'), True, False, None,
              {'a': [1, {'b': None}]}, 'x' * 300]

# (name, type, ids, uri, constructor options, args, kwargs, payload_uri, encrypting role)
# ids: dict of request/request_type/subscription/publication/registration.
# payload_uri: the URI the payload is keyed by (the topic/procedure/error).
# Encrypting roles: what produced the payload. EVENT/INVOCATION carry what the
# originator sealed (PUBLISH/CALL forwarded), RESULT what the callee sealed.
CASES = [
    ('publish_ack_exclude_me', 'PUBLISH', {'request': 1}, PREFIX + 'topic1',
     {'acknowledge': True, 'exclude_me': False}, ['Counter is at 1'], {}, None, 'originator'),
    ('publish_empty', 'PUBLISH', {'request': 2}, PREFIX + 'empty', {}, [], {}, None, 'originator'),
    ('publish_unicode_forward_for', 'PUBLISH', {'request': 9007199254740992}, PREFIX + 'unicode',
     {'retain': True, 'exclude': [1, 2], 'eligible_authrole': ['admin'], 'forward_for': FF},
     UNICODE_ARGS, UNICODE_KWARGS, None, 'originator'),
    ('publish_bytes', 'PUBLISH', {'request': 300}, PREFIX + 'bytes', {}, BYTES_ARGS, {'blob': b'\xde\xad'},
     None, 'originator'),
    ('event_publisher_topic', 'EVENT', {'subscription': 5512315355, 'publication': 4429313566}, '',
     {'publisher': 7, 'topic': PREFIX + 'topic1'}, ['Counter is at 1'], {}, PREFIX + 'topic1', 'originator'),
    ('event_kwargs_only', 'EVENT', {'subscription': 1, 'publication': 2}, '',
     {'publisher_authid': 'bob', 'retained': False, 'forward_for': FF}, None, {'k': 'v', 'n': 1},
     PREFIX + 'kw', 'originator'),
    ('event_none', 'EVENT', {'subscription': 3, 'publication': 4}, '', {}, None, None, PREFIX + 'none',
     'originator'),
    ('call_timeout', 'CALL', {'request': 25471}, PREFIX + 'add2', {'timeout': 1000, 'receive_progress': True},
     [2, 3], {}, None, 'originator'),
    ('call_caller_forward_for', 'CALL', {'request': 255}, PREFIX + 'secret_rpc',
     {'transaction_hash': 'th', 'caller': 42, 'caller_authid': 'carol', 'caller_authrole': 'user',
      'forward_for': FF}, MIXED_ARGS, {'deep': {'x': [1.5, 'y']}}, None, 'originator'),
    ('call_no_args', 'CALL', {'request': 65536}, PREFIX + 'noargs', {}, None, None, None, 'originator'),
    ('invocation_caller_procedure', 'INVOCATION', {'request': 35477, 'registration': 1147}, '',
     {'caller': 42, 'caller_authid': 'carol', 'procedure': PREFIX + 'add2'}, [2, 3], {}, PREFIX + 'add2',
     'originator'),
    ('invocation_unicode', 'INVOCATION', {'request': 1, 'registration': 2}, '', {'timeout': 0},
     UNICODE_ARGS, UNICODE_KWARGS, PREFIX + 'unicode', 'originator'),
    ('yield_progress', 'YIELD', {'request': 87683}, '', {'progress': True}, [5], None, PREFIX + 'add2',
     'responder'),
    ('yield_bytes_kwargs', 'YIELD', {'request': 2}, '', {}, BYTES_ARGS, {'blob': b'\x00'}, PREFIX + 'bytes',
     'responder'),
    ('result_plain_return', 'RESULT', {'request': 77133}, '', {'callee': 9, 'callee_authid': 'dave'}, [42], None,
     PREFIX + 'add2', 'responder'),
    ('result_empty', 'RESULT', {'request': 77134}, '', {'progress': False}, [], {}, PREFIX + 'add2', 'responder'),
    ('error_invocation_args_kwargs', 'ERROR', {'request_type': 68, 'request': 87683}, PREFIX + 'error.oops',
     {}, ['something failed', 17], {'reason': 'bad year', 'year': 1999}, None, 'responder'),
    ('error_call_callee', 'ERROR', {'request_type': 48, 'request': 25471}, PREFIX + 'error.q"uo\\te\u00fc',
     {'callee': 9, 'callee_authrole': 'backend', 'forward_for': FF}, ['\u00e9rr'], {}, None, 'responder'),
    ('error_no_args', 'ERROR', {'request_type': 16, 'request': 1}, PREFIX + 'error.nothing', {}, None, None, None,
     'responder'),
]


def build(mtype, ids, uri, opts, args=None, kwargs=None, payload=None, enc_algo=None, enc_serializer=None):
    common = dict(args=args, kwargs=kwargs, payload=payload, enc_algo=enc_algo, enc_serializer=enc_serializer)
    if mtype == 'PUBLISH':
        return M.Publish(ids['request'], uri, **common, **opts)
    if mtype == 'EVENT':
        return M.Event(ids['subscription'], ids['publication'], **common, **opts)
    if mtype == 'CALL':
        return M.Call(ids['request'], uri, **common, **opts)
    if mtype == 'INVOCATION':
        return M.Invocation(ids['request'], ids['registration'], **common, **opts)
    if mtype == 'YIELD':
        return M.Yield(ids['request'], **common, **opts)
    if mtype == 'RESULT':
        return M.Result(ids['request'], **common, **opts)
    if mtype == 'ERROR':
        return M.Error(ids['request_type'], ids['request'], uri, **common, **opts)
    raise ValueError(mtype)


# index of Options/Details, and of the first element after Options/URI
LAYOUT = {'PUBLISH': (2, 4), 'EVENT': (3, 4), 'CALL': (2, 4), 'INVOCATION': (3, 4), 'YIELD': (2, 3),
          'RESULT': (2, 3), 'ERROR': (3, 5)}


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                   'message_cases.jsonl')
    ring = cryptobox.KeyRing()
    ring.set_key(PREFIX, cryptobox.Key(originator_priv=ORIGINATOR_PRIV, responder_priv=RESPONDER_PRIV))

    lines = []
    n = 0
    for (name, mtype, ids, uri, opts, args, kwargs, payload_uri, role) in CASES:
        payload_uri = payload_uri or uri
        opt_idx, tail_idx = LAYOUT[mtype]
        plain = build(mtype, ids, uri, opts, args=args, kwargs=kwargs)
        plain_options = plain.marshal()[opt_idx]
        for ser_name, ser in SERIALIZERS:
            for encrypted in (False, True):
                n += 1
                nonce = bytes(((n * 29 + j * 13) & 0xFF) for j in range(24))
                if encrypted:
                    cryptobox.random = lambda k, _nonce=nonce: _nonce[:k]
                    enc = ring.encode(role == 'originator', payload_uri, args, kwargs)
                    assert enc is not None
                    msg = build(mtype, ids, uri, opts, payload=enc.payload, enc_algo=enc.enc_algo,
                                enc_serializer=enc.enc_serializer)
                else:
                    msg = plain
                frame, _ = ser.serialize(msg)
                marshalled = msg.marshal()
                # Autobahn must read its own frame back.
                back = ser.unserialize(frame)[0]
                assert back.marshal() == marshalled or (float('nan') in str(marshalled)), name
                if encrypted:
                    dec_uri, dec_args, dec_kwargs = ring.decode(role != 'originator', payload_uri,
                                                                cryptobox.EncodedPayload(back.payload, 'cryptobox',
                                                                                         'json'))
                    assert dec_uri == payload_uri
                rec = {
                    'name': '{}_{}_{}'.format(name, ser_name, 'encrypted' if encrypted else 'plain'),
                    'type': mtype,
                    'serializer': ser_name,
                    'encrypted': encrypted,
                    'request_type': ids.get('request_type', 0),
                    'request': ids.get('request', 0),
                    'subscription': ids.get('subscription', 0),
                    'publication': ids.get('publication', 0),
                    'registration': ids.get('registration', 0),
                    'uri': uri,
                    'options_json': _dumps(plain_options),
                    'has_args': args is not None,
                    'args_json': _dumps(args),
                    'has_kwargs': kwargs is not None,
                    'kwargs_json': _dumps(kwargs),
                    'wire_options_json': _dumps(marshalled[opt_idx]),
                    'wire_tail_json': _dumps(marshalled[tail_idx:]),
                    'frame_hex': bytes(frame).hex(),
                }
                if encrypted:
                    rec['role'] = role
                    rec['payload_uri'] = payload_uri
                    rec['nonce_hex'] = nonce.hex()
                lines.append(json.dumps(rec, ensure_ascii=True, sort_keys=False))
    with open(out_path, 'w', encoding='ascii') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
