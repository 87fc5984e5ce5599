#!/usr/bin/python3
"""Writes tests/data/msgpack_cbor_cases.txt: MessagePack and CBOR known answers
computed by the libraries Autobahn|Python uses, msgpack-python
(packb(obj, use_bin_type=True) / unpackb(data, raw=False)) and cbor2
(dumps / loads). Read by tests/unit/msgpack_test.cc and cbor_test.cc.

Run with Debian's /usr/bin/python3 (python3-msgpack 1.0.3, python3-cbor2 5.4):
    /usr/bin/python3 tests/data/gen_binary_cases.py
The output is deterministic (fixed seed); re-running must not change it.

File format: one case per line, fields separated by TAB; '#' starts a comment.

  V name value msgpack cbor msgpack_back cbor_back
      Encode `value` with each library. msgpack/cbor: the encoding as lowercase
      hex; '#<len>:<fnv1a64>' (16 hex digits) for encodings over 2048 bytes;
      '-' if the library refuses (msgpack-python OverflowError for integers
      outside [-2^63, 2^64-1]). *_back: '=' if the library decodes the encoding
      to `value` again, otherwise what it decodes to (cbor2 writes every NaN as
      f97e00, so a NaN with payload comes back as the canonical NaN).
  P name format input value
      The library decodes hex `input` (format msgpack or cbor) to `value`.
  R name format input error origin
      Input the parser must reject: error is 'parse' or 'utf8' (expected
      wampbox ErrorCode kParseError / kInvalidUtf8) or 'any' (either of the
      two; used for fuzzed inputs); origin 'python' if the
      Python library rejects it too, 'contract' if only wampbox's documented
      contract does (ext types, non-text keys, tags, simple values, trailing
      bytes after a CBOR item - cbor2.loads ignores them -, integers of more
      than 4300 digits).

Value tokens (space separated, prefix notation):
  N  T  F               None, True, False
  I<decimal>            int of any size
  D<16 hex>             float, IEEE-754 binary64 bits
  S<hex> / B<hex>       str (UTF-8 bytes) / bytes
  SR<len>:<hex>         str of <len> bytes: the unit <hex> repeated
  BR<len>:<hex>         bytes, likewise
  A<n> ...              list of the next n values
  AR<n> v               list of n copies of v
  M<n> k v ...          dict of n (key, value) pairs; keys are S tokens
  MSEQ<n>               {str(i): i for i in range(n)}
"""

import math
import os
import random
import struct
import sys

import cbor2
import msgpack

sys.setrecursionlimit(10000)
sys.set_int_max_str_digits(0)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'msgpack_cbor_cases.txt')
DIGEST_OVER = 2048


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def enc_field(data):
    if data is None:
        return '-'
    if len(data) > DIGEST_OVER:
        return '#%d:%016x' % (len(data), fnv1a64(data))
    return data.hex()


def desc(v):
    out = []

    def go(x):
        if x is None:
            out.append('N')
        elif x is True:
            out.append('T')
        elif x is False:
            out.append('F')
        elif isinstance(x, int):
            out.append('I%d' % x)
        elif isinstance(x, float):
            out.append('D' + struct.pack('>d', x).hex())
        elif isinstance(x, str):
            out.append('S' + x.encode('utf-8').hex())
        elif isinstance(x, bytes):
            out.append('B' + x.hex())
        elif isinstance(x, list):
            out.append('A%d' % len(x))
            for e in x:
                go(e)
        elif isinstance(x, dict):
            out.append('M%d' % len(x))
            for k, e in x.items():
                assert isinstance(k, str), k
                go(k)
                go(e)
        else:
            raise TypeError(type(x))

    go(v)
    return ' '.join(out)


def mp_pack(v):
    try:
        return msgpack.packb(v, use_bin_type=True)
    except OverflowError:
        return None


def mp_unpack(b):
    return msgpack.unpackb(b, raw=False)


lines = []
names = set()


def emit(*fields):
    assert fields[1] not in names, fields[1]
    names.add(fields[1])
    for f in fields:
        assert '\t' not in f and '\n' not in f
    lines.append('\t'.join(fields))


def value_case(name, v, tokens=None):
    d = desc(v) if tokens is None else tokens
    m = mp_pack(v)
    c = cbor2.dumps(v)
    if tokens is None:
        m_back = '-' if m is None else ('=' if desc(mp_unpack(m)) == d else desc(mp_unpack(m)))
        cb = desc(cbor2.loads(c))
        c_back = '=' if cb == d else cb
    else:  # patterned value: compare as Python objects
        m_back = '-' if m is None else '='
        if m is not None:
            assert mp_unpack(m) == v
        assert cbor2.loads(c) == v
        c_back = '='
    emit('V', name, d, enc_field(m), enc_field(c), m_back, c_back)


def parse_case(name, fmt, hexin):
    data = bytes.fromhex(hexin.replace(' ', ''))
    v = mp_unpack(data) if fmt == 'msgpack' else cbor2.loads(data)
    emit('P', name, fmt, data.hex(), desc(v))


def python_rejects(fmt, data):
    try:
        if fmt == 'msgpack':
            mp_unpack(data)
        else:
            v = cbor2.loads(data)
            # cbor2 hands back markers rather than raising for some inputs
            if isinstance(v, (cbor2.CBORSimpleValue, cbor2.CBORTag)) or v is cbor2.undefined:
                return False
        return False
    except Exception:
        return True


def reject_case(name, fmt, hexin, error='parse', origin='python'):
    data = bytes.fromhex(hexin.replace(' ', ''))
    rej = python_rejects(fmt, data)
    if origin == 'python':
        assert rej, (name, 'Python accepts', hexin[:80])
    emit('R', name, fmt, data.hex(), error, origin)


def f64(bits_hex):
    return struct.unpack('>d', bytes.fromhex(bits_hex))[0]


# ------------------------------------------------------------------ values
value_case('null', None)
value_case('true', True)
value_case('false', False)

INTS = [0, 1, 23, 24, 127, 128, 255, 256, 65535, 65536, 2**31 - 1, 2**31, 2**32 - 1, 2**32,
        2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**64 + 1, 2**72 - 1, 2**128, 10**40, 3**200,
        -1, -24, -25, -32, -33, -128, -129, -256, -257, -2**15, -2**15 - 1, -2**31, -2**31 - 1,
        -2**32, -2**32 - 1, -2**63, -2**63 - 1, -2**64 + 1, -2**64, -2**64 - 1, -2**128, -10**40, -3**200]
for i in INTS:
    value_case('int %d' % i, i)

FLOATS = {
    '0.0': 0.0, '-0.0': -0.0, 'nan': math.nan, 'inf': math.inf, '-inf': -math.inf, '1e300': 1e300,
    '5e-324': 5e-324, '1.0': 1.0, '-1.5': -1.5, '0.1': 0.1, '2^64': 2.0**64, '-2^63': -2.0**63,
    '1e16': 1e16, 'max': sys.float_info.max, 'min normal': sys.float_info.min, '65504': 65504.0,
    '1/3': 1 / 3, 'nan payload': f64('7ff8000000000001'), '-nan': f64('fff8000000000000'),
    'snan': f64('7ff0000000000001'),
}
for n, x in FLOATS.items():
    value_case('float ' + n, x)

for n in [0, 1, 23, 24, 31, 32, 255, 256, 65535, 65536]:
    s = ''.join(chr(ord('a') + i % 26) for i in range(n))
    tokens = None if n <= 512 else 'SR%d:%s' % (n, 'a'.encode().hex())
    if tokens is not None:
        s = 'a' * n
    value_case('str len %d' % n, s, tokens)
    b = bytes((i * 7 + 3) % 256 for i in range(n)) if n <= 512 else b'\x5a' * n
    value_case('bytes len %d' % n, b, None if n <= 512 else 'BR%d:5a' % n)
value_case('str non-BMP', '\U0001F600')
value_case('str mixed', 'a\u00e9\u20ac\U0001F600\U0010FFFF\uFFFF\x00\u2028"\\\n')
value_case('str 8 emoji = 32 bytes', '\U0001F600' * 8)
value_case('str 64 emoji = 256 bytes', '\U0001F600' * 64)
value_case('str 16384 emoji = 65536 bytes', '\U0001F600' * 16384, 'SR65536:' + '\U0001F600'.encode().hex())
value_case('str 21845 euro = 65535 bytes', '\u20ac' * 21845, 'SR65535:' + '\u20ac'.encode().hex())

for n in [0, 1, 15, 16, 23, 24, 255, 256, 65535, 65536]:
    if n <= 300:
        value_case('array len %d' % n, list(range(n)))
        value_case('map len %d' % n, {str(i): i for i in range(n)})
    else:
        value_case('array len %d' % n, [7] * n, 'AR%d I7' % n)
        value_case('map len %d' % n, {str(i): i for i in range(n)}, 'MSEQ%d' % n)
value_case('array of 300 strings', ['x' * (i % 40) for i in range(300)])
value_case('map unicode keys', {'\u00e9': 1, '\U0001F600': [None], '': {}, 'k' * 40: b'\x00'})
value_case('map insertion order', {'z': 1, 'a': 2, 'm': 3})
value_case('wamp publish args', [16, 1, {'enc_algo': 'cryptobox', 'enc_serializer': 'json'},
                                 'com.myapp.encrypted.hello', bytes(range(64))])
deep = []
for _ in range(499):
    deep = [deep]
value_case('nested 500 arrays', deep)
deep = {}
for i in range(200):
    deep = {'k%d' % i: deep, 'x': i}
value_case('nested 201 maps', deep)
value_case('bigint inside array', [1, 2**70, -2**70, 'x'])

# random nested values
rng = random.Random(20240611)
ALPHABET = (['a', 'b', 'Z', '0', ' ', '"', '\\', '\n', '\x00', '\x1f', '\x7f', '\u00e9', '\u07ff', '\u0800',
             '\u20ac', '\u2028', '\ud7ff', '\ue000', '\uffff', '\U00010000', '\U0001F600', '\U0010FFFF'])
INT_POOL = [b + d for b in [0, 23, 24, 255, 256, 65535, 65536, 2**32, 2**63, 2**64] for d in (-1, 0, 1)]


def rand_int():
    r = rng.random()
    if r < 0.4:
        x = rng.choice(INT_POOL)
    elif r < 0.9:
        x = rng.getrandbits(rng.randint(1, 64))
    else:
        x = rng.getrandbits(rng.randint(65, 300))
    return -x if rng.random() < 0.5 else x


def rand_float():
    r = rng.random()
    if r < 0.2:
        return rng.choice([0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -2.5, 5e-324, 1e308])
    if r < 0.6:
        return struct.unpack('>d', rng.getrandbits(64).to_bytes(8, 'big'))[0]
    return rng.uniform(-1e6, 1e6)


def rand_str():
    r = rng.random()
    n = rng.randint(0, 6) if r < 0.75 else rng.randint(0, 40) if r < 0.97 else rng.randint(0, 300)
    return ''.join(rng.choice(ALPHABET) for _ in range(n))


def rand_value(depth, allow_big):
    kinds = ['null', 'bool', 'int', 'float', 'str', 'bytes']
    if depth < 4:
        kinds += ['list', 'dict'] * 2
    k = rng.choice(kinds)
    if k == 'null':
        return None
    if k == 'bool':
        return rng.random() < 0.5
    if k == 'int':
        x = rand_int()
        if not allow_big:
            x = max(-2**63, min(2**64 - 1, x))
        return x
    if k == 'float':
        return rand_float()
    if k == 'str':
        return rand_str()
    if k == 'bytes':
        return rng.randbytes(rng.randint(0, 12) if rng.random() < 0.95 else rng.randint(0, 300))
    if k == 'list':
        return [rand_value(depth + 1, allow_big) for _ in range(rng.randint(0, 6))]
    return {rand_str(): rand_value(depth + 1, allow_big) for _ in range(rng.randint(0, 6))}


for i in range(400):
    value_case('random %d' % i, rand_value(0, allow_big=(i % 5 == 0)))

# ------------------------------------------------------ decode-only (msgpack)
for h in ['cc05', 'cd0005', 'ce00000005', 'cf0000000000000005', 'cfffffffffffffffff', 'd005', 'd0ff', 'd1ffff',
          'd2ffffffff', 'd3ffffffffffffffff', 'd37fffffffffffffff', 'd38000000000000000', 'ca3f800000',
          'ca7fc00001', 'ca7f800001', 'caff800000', 'ca00000001', 'cb7ff0000000000001', 'd90161', 'da000161',
          'db0000000161', 'd900', 'c50000', 'c60000000141', 'dc0000', 'dd00000000', 'de0000', 'df00000000',
          'dc000101', 'de0001a16101', '82a16101a16102', '83a16101a16202a16103', '91' * 1023 + '90',
          'c400', 'a0']:
    parse_case('msgpack decode ' + (h if len(h) < 40 else h[:20] + '...'), 'msgpack', h)
keys = ['k%d' % (i % 13) for i in range(40)]
body = b''.join(msgpack.packb(k) + msgpack.packb(i) for i, k in enumerate(keys))
parse_case('msgpack decode 40 pairs 13 distinct keys', 'msgpack', (b'\xde' + struct.pack('>H', 40) + body).hex())

# -------------------------------------------------------- decode-only (CBOR)
for h in ['1800', '190005', '1a00000005', '1b0000000000000005', '1bffffffffffffffff', '3800', '3b7fffffffffffffff',
          '3b8000000000000000', '3bffffffffffffffff', 'f93c00', 'f97e00', 'f97e01', 'f9fe00', 'f97c01', 'f9fe01',
          'f90001', 'f98001', 'f903ff', 'f97bff', 'f97c00', 'f9fc00', 'f90000', 'f98000', 'fa3f800000', 'fa7fc00001',
          'fa7f800001', 'fa00000001', 'fb7ff0000000000001', 'c240', 'c34100', 'c2420001', 'c248ffffffffffffffff',
          'c3487fffffffffffffff', 'c3488000000000000000', 'c348ffffffffffffffff', 'c249010000000000000000',
          'c349010000000000000000', 'c2490000000000000000ff', 'c25f4101ff', 'c25f41014100ff', 'c35fff', 'd80241ff',
          '5f4101420203ff', '5fff', '5f40ff', '7f6161626263ff', '7fff', '7f60ff', '9f01ff', '9fff', 'bf616101ff',
          'bfff', '9f9fffff', 'a2616101616102', 'bf616101616102616103ff', '980101', 'b8016161f5', '780161',
          '5a0000000141', '7b000000000000000161', '9b000000000000000101', 'bb00000000000000016161f6',
          '8301820203820405', 'a3616101616202616103', '81' * 500 + '80']:
    parse_case('cbor decode ' + (h if len(h) < 40 else h[:20] + '...'), 'cbor', h)
body = b''.join(cbor2.dumps(k) + cbor2.dumps(i) for i, k in enumerate(keys))
parse_case('cbor decode 40 pairs 13 distinct keys', 'cbor', (b'\xb8\x28' + body).hex())
parse_case('cbor decode indefinite 40 pairs', 'cbor', (b'\xbf' + body + b'\xff').hex())


def bignum_hex(tag, n):  # tag 2/3 head + byte string of the magnitude n
    mag = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return (bytes([0xc0 + tag, 0x59]) + len(mag).to_bytes(2, 'big') + mag).hex()


# The 4300-digit limit (CPython's int <-> str limit), see cbor.cc.
parse_case('cbor decode bignum 4300 digits', 'cbor', bignum_hex(2, 10**4300 - 1))
parse_case('cbor decode negative bignum 4300 digits', 'cbor', bignum_hex(3, 10**4300 - 2))
parse_case('cbor decode bignum 4300 digits + leading zeros', 'cbor',
           (b'\xc2\x59\x06\xfd' + bytes(3) + (10**4300 - 1).to_bytes(1786, 'big')).hex())
value_case('int 4300 digits', 10**4300 - 1)
value_case('int -4300 digits', -(10**4300 - 1))

# ---------------------------------------------------------------- rejects
R = reject_case
R('msgpack empty', 'msgpack', '')
R('msgpack c1', 'msgpack', 'c1')
R('msgpack c1 in array', 'msgpack', '9201c1')
R('msgpack trailing', 'msgpack', 'c0c0')
R('msgpack trailing after map', 'msgpack', '81a1610100')
R('msgpack bad utf8 ff', 'msgpack', 'a1ff', 'utf8')
R('msgpack bad utf8 c328', 'msgpack', 'a2c328', 'utf8')
R('msgpack surrogate', 'msgpack', 'a3eda080', 'utf8')
R('msgpack above 10ffff', 'msgpack', 'a4f4908080', 'utf8')
R('msgpack overlong', 'msgpack', 'a2c0af', 'utf8')
R('msgpack overlong 3', 'msgpack', 'a3e08080', 'utf8')
R('msgpack cut sequence', 'msgpack', 'a1c3', 'utf8')
R('msgpack bad utf8 key', 'msgpack', '81a1ff01', 'utf8')
R('msgpack bad utf8 str8', 'msgpack', 'd901ff', 'utf8')
R('msgpack bin32 4GiB', 'msgpack', 'c6ffffffff0001')
R('msgpack str32 4GiB', 'msgpack', 'dbffffffff61')
R('msgpack bin8 short', 'msgpack', 'c40501')
R('msgpack array32 lying', 'msgpack', 'ddffffffff01')
R('msgpack map32 lying', 'msgpack', 'dfffffffffa16101')
R('msgpack nested lying arrays', 'msgpack', 'ddffffffff' * 1000)
R('msgpack fixext1', 'msgpack', 'd40100', origin='contract')
R('msgpack ext8 empty', 'msgpack', 'c70001', origin='contract')
R('msgpack timestamp ext', 'msgpack', 'd6ff00000000', origin='contract')
R('msgpack ext32 lying', 'msgpack', 'c9ffffffff01')
R('msgpack int key', 'msgpack', '810101')
R('msgpack nil key', 'msgpack', '81c001')
R('msgpack array key', 'msgpack', '819001')
R('msgpack map key', 'msgpack', '818001')
R('msgpack bin key', 'msgpack', '81c4016101', origin='contract')
R('msgpack nesting 1025', 'msgpack', '91' * 1024 + '90')
R('msgpack nesting 1025 maps', 'msgpack', '81a161' * 1024 + '80')

R('cbor empty', 'cbor', '')
for h in ['1c', '1d', '1e', '1f', '3c', '3f', '5c', '5d', '5e', '7c', '7e', '9c', '9e', 'bc', 'be', 'dc', 'df',
          'fc', 'fd', 'fe']:
    R('cbor reserved ' + h, 'cbor', h)
R('cbor lone break', 'cbor', 'ff', origin='contract')
R('cbor break in definite array', 'cbor', '81ff', origin='contract')
R('cbor break after key', 'cbor', 'bf6161ff')
R('cbor undefined', 'cbor', 'f7', origin='contract')
R('cbor simple 16', 'cbor', 'f0', origin='contract')
R('cbor simple 19', 'cbor', 'f3', origin='contract')
R('cbor simple 32', 'cbor', 'f820', origin='contract')
R('cbor simple 24 in 2 bytes', 'cbor', 'f818', origin='contract')
R('cbor tag 0', 'cbor', 'c001')
R('cbor tag 1', 'cbor', 'c101', origin='contract')
R('cbor tag 6', 'cbor', 'c601', origin='contract')
R('cbor tag 21', 'cbor', 'd54101', origin='contract')
R('cbor tag 33', 'cbor', 'd8216161', origin='contract')
R('cbor tag 55799 self-describe', 'cbor', 'd9d9f780', origin='contract')
R('cbor tag 2**64-1', 'cbor', 'dbffffffffffffffff01', origin='contract')
R('cbor bignum of int', 'cbor', 'c201')
R('cbor bignum of text', 'cbor', 'c260')
R('cbor bignum of array', 'cbor', 'c2820102')
R('cbor nested bignum', 'cbor', 'c2c24101')
R('cbor bignum no content', 'cbor', 'c2')
R('cbor bignum then break', 'cbor', '9fc2ff')
R('cbor bignum 4301 digits', 'cbor', bignum_hex(2, 10**4300), origin='contract')
R('cbor neg bignum 4301 digits', 'cbor', bignum_hex(3, 10**4300 - 1), origin='contract')
R('cbor bignum 1787 bytes', 'cbor', bignum_hex(2, 2**(8 * 1787) - 1), origin='contract')
R('cbor bytes chunk in text', 'cbor', '7f4161ff')
R('cbor text chunk in bytes', 'cbor', '5f6161ff')
R('cbor nested indefinite text', 'cbor', '7f7fffff')
R('cbor int in indefinite bytes', 'cbor', '5f01ff')
R('cbor tag in indefinite bytes', 'cbor', '5fc240ff')
R('cbor unterminated indefinite', 'cbor', '5f4101')
R('cbor int key', 'cbor', 'a10101', origin='contract')
R('cbor null key', 'cbor', 'a1f601', origin='contract')
R('cbor bytes key', 'cbor', 'a1400101', origin='contract')
R('cbor bignum key', 'cbor', 'a1c2410101', origin='contract')
R('cbor indefinite bytes key', 'cbor', 'a15f40ff01', origin='contract')
R('cbor array key', 'cbor', 'a18001', origin='contract')
R('cbor float key', 'cbor', 'a1f93c0001', origin='contract')
R('cbor trailing', 'cbor', '8080', origin='contract')
R('cbor trailing byte', 'cbor', '0000', origin='contract')
R('cbor bad utf8 ff', 'cbor', '61ff', 'utf8')
R('cbor bad utf8 c328', 'cbor', '62c328', 'utf8')
R('cbor surrogate', 'cbor', '63eda080', 'utf8')
R('cbor above 10ffff', 'cbor', '64f4908080', 'utf8')
R('cbor overlong', 'cbor', '62c0af', 'utf8')
R('cbor bad utf8 key', 'cbor', 'a161ff01', 'utf8')
R('cbor code point split over chunks', 'cbor', '7f61c361a9ff', 'utf8')
R('cbor bytes 2**64-1 lying', 'cbor', '5bffffffffffffffff00')
R('cbor bytes 4GiB lying', 'cbor', '5a ffffffff 00')
R('cbor text 4GiB lying', 'cbor', '7a ffffffff 61')
R('cbor array 2**64-1 lying', 'cbor', '9bffffffffffffffff00')
R('cbor map 2**64-1 lying', 'cbor', 'bbffffffffffffffff6161')
R('cbor nested lying arrays', 'cbor', '9bffffffffffffffff' * 1000)
R('cbor nesting 1025', 'cbor', '81' * 1024 + '80', origin='contract')
R('cbor nesting 1025 indefinite', 'cbor', '9f' * 1025)
R('cbor truncated head', 'cbor', '19ff')
R('cbor truncated float', 'cbor', 'fb3ff0')

# UTF-8 cross-check: random near-UTF-8 byte strings, valid or not as Python decides
PICK = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xdf, 0xe0, 0xe1, 0xed,
        0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xff]
for i in range(300):
    if i % 2:
        raw = bytes(rng.choice(PICK) for _ in range(rng.randint(1, 8)))
    else:  # a valid string, maybe with one byte replaced
        raw = bytearray(''.join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 4))).encode('utf-8')[:16])
        if i % 4 == 0:
            raw[rng.randrange(len(raw))] = rng.choice(PICK)
        raw = bytes(raw)
    try:
        raw.decode('utf-8')
        ok = True
    except UnicodeDecodeError:
        ok = False
    mp = bytes([0xa0 + len(raw)]) + raw
    cb = bytes([0x60 + len(raw)]) + raw
    if ok:
        parse_case('utf8 msgpack %d' % i, 'msgpack', mp.hex())
        parse_case('utf8 cbor %d' % i, 'cbor', cb.hex())
    else:
        R('utf8 msgpack %d' % i, 'msgpack', mp.hex(), 'utf8')
        R('utf8 cbor %d' % i, 'cbor', cb.hex(), 'utf8')

# Differential fuzz: mutated encodings, classified by what the Python library
# does with them. Accepted and representable -> P (we must decode the same
# value); rejected by Python -> R python (error 'any': kParseError or
# kInvalidUtf8, since which rule fires first may differ); accepted but outside
# the contract (ext types, non-text keys, other tags, simple values, trailing
# bytes after a CBOR item) -> R contract.
def cbor_scan(data):
    """Minimal CBOR walker: returns (tags and 'simple' markers seen, bytes used)."""
    seen = set()
    pos = 0

    def need(n):
        if pos + n > len(data):
            raise ValueError('eof')

    def arg(ai):
        nonlocal pos
        if ai < 24:
            return ai
        if ai == 31:
            return None
        n = {24: 1, 25: 2, 26: 4, 27: 8}.get(ai)
        if n is None:
            raise ValueError('reserved')
        need(n)
        v = int.from_bytes(data[pos:pos + n], 'big')
        pos += n
        return v

    def item():
        nonlocal pos
        need(1)
        ib = data[pos]
        pos += 1
        mt, ai = ib >> 5, ib & 31
        if mt == 7:
            if ai == 31:
                return 'break'
            if ai in (25, 26, 27):
                n = {25: 2, 26: 4, 27: 8}[ai]
                need(n)
                pos += n
            elif ai == 24:
                need(1)
                pos += 1
                seen.add('simple')
            elif ai < 20 or ai == 23 or ai > 27:
                seen.add('simple')
            return None
        v = arg(ai)
        if mt in (0, 1) or (mt == 6 and v is None):
            if v is None:
                raise ValueError('indefinite int/tag')
            if mt == 6:
                pass
            return None
        if mt in (2, 3):
            if v is None:
                while item() != 'break':
                    pass
            else:
                need(v)
                pos += v
            return None
        if mt == 6:
            seen.add(v)
            if item() == 'break':
                raise ValueError('break')
            return None
        count = None if v is None else v * (2 if mt == 5 else 1)
        if count is None:
            while item() != 'break':
                pass
        else:
            for _ in range(count):
                if item() == 'break':
                    raise ValueError('break')
        return None

    if item() == 'break':
        raise ValueError('break')
    return seen, pos


def representable(v, depth=0):
    if depth > 1024:
        return False
    if v is None or isinstance(v, (bool, float, str, bytes)):
        return True
    if isinstance(v, int):
        return len(str(abs(v))) <= 4300
    if isinstance(v, list):
        return all(representable(e, depth + 1) for e in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and representable(e, depth + 1) for k, e in v.items())
    return False


def classify(fmt, data):
    try:
        if fmt == 'msgpack':
            v = mp_unpack(data)
            used = len(data)
            contract = not representable(v)
        else:
            import io
            dec = cbor2.CBORDecoder(io.BytesIO(data))
            v = dec.decode()
            used = dec.fp.tell()
            seen, scanned = cbor_scan(data)
            assert scanned == used, (data.hex(), scanned, used)
            contract = bool(seen - {2, 3}) or used != len(data) or not representable(v)
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError, KeyError, IndexError,
            msgpack.exceptions.ExtraData, msgpack.exceptions.FormatError, msgpack.exceptions.StackError,
            cbor2.CBORDecodeError, RecursionError, MemoryError, AssertionError) as e:
        if isinstance(e, AssertionError):
            raise
        return 'reject', None
    return ('contract', None) if contract else ('accept', v)


def mutate(b):
    b = bytearray(b)
    op = rng.randrange(5)
    if op == 0 and b:
        b[rng.randrange(len(b))] = rng.randrange(256)
    elif op == 1:
        b.insert(rng.randrange(len(b) + 1), rng.choice([0x00, 0x1f, 0x5f, 0x7f, 0x9f, 0xbf, 0xff, 0xc1, 0xd4,
                                                         0xc2, 0xc3, 0xf7, 0xa1, 0x81, 0x91, rng.randrange(256)]))
    elif op == 2 and b:
        del b[rng.randrange(len(b))]
    elif op == 3 and b:
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif b:
        i = rng.randrange(len(b))
        b[i:i] = b[i:i + rng.randint(1, 4)]
    return bytes(b)


for fmt, col in (('msgpack', 3), ('cbor', 4)):
    seeds = [bytes.fromhex(l.split('\t')[col]) for l in lines
             if l.startswith('V\t') and l.split('\t')[col] not in ('-',) and not l.split('\t')[col].startswith('#')
             and len(l.split('\t')[col]) <= 96]
    done = set()
    counts = {}
    i = 0
    while len(done) < 1200:
        data = mutate(rng.choice(seeds))
        if rng.random() < 0.3:
            data = mutate(data)
        if data in done:
            continue
        done.add(data)
        kind, v = classify(fmt, data)
        counts[kind] = counts.get(kind, 0) + 1
        name = 'fuzz %s %d' % (fmt, i)
        i += 1
        if kind == 'accept':
            emit('P', name, fmt, data.hex(), desc(v))
        else:
            emit('R', name, fmt, data.hex(), 'any', 'python' if kind == 'reject' else 'contract')
    print(fmt, 'fuzz', counts)

header = ['# Generated by tests/data/gen_binary_cases.py from msgpack-python %s and cbor2 (Python %s).'
          % ('.'.join(map(str, msgpack.version)), sys.version.split()[0]),
          '# Do not edit; see the generator for the format.']
with open(OUT, 'w', encoding='ascii', newline='\n') as f:
    f.write('\n'.join(header + lines) + '\n')
print('wrote %d cases to %s (%d bytes)' % (len(lines), OUT, os.path.getsize(OUT)))
