#!/usr/bin/python3
"""Generates tests/data/json_cases.txt: JSON write/parse expectations taken from
Autobahn|Python's own JSON functions (autobahn.wamp.serializer._dumps/_loads).

Run with Debian's interpreter (it sees python3-autobahn):
    /usr/bin/python3 tests/data/gen_json_cases.py > tests/data/json_cases.txt

Output is deterministic (fixed seed). One case per line, tab separated:

    W <name> <typed value> <expected JSON text, raw UTF-8>
        json_write(value) must equal the text byte for byte (and parsing the
        text must give the value back).
    P <name> <hex of the JSON input text> <typed value>
        json_parse(input) must equal the value Autobahn's _loads returns.

The typed value is a space-separated prefix notation the C++ test builds
without any JSON parser:
    n | T | F                 null, true, false
    i<decimal>                integer of any size
    d<16 hex digits>          float64 bit pattern (big-endian)
    s<hex of UTF-8>           string
    b<hex>                    bytes
    a<N> v1 .. vN             list
    o<N> k1 v1 .. kN vN       dict (keys are s<hex>)

The expected JSON text never holds a raw tab or newline (json.dumps escapes all
C0 controls), so tab/newline framing is safe.
"""

import random
import struct
import sys

from autobahn.wamp.serializer import _dumps, _loads

SEED = 20240611


def typed(v):
    if v is None:
        return 'n'
    if v is True:
        return 'T'
    if v is False:
        return 'F'
    if isinstance(v, int):
        return 'i%d' % v
    if isinstance(v, float):
        return 'd' + struct.pack('>d', v).hex()
    if isinstance(v, str):
        return 's' + v.encode('utf-8').hex()
    if isinstance(v, bytes):
        return 'b' + v.hex()
    if isinstance(v, list):
        return ' '.join(['a%d' % len(v)] + [typed(x) for x in v])
    if isinstance(v, dict):
        parts = ['o%d' % len(v)]
        for k, x in v.items():
            assert isinstance(k, str)
            parts.append(typed(k))
            parts.append(typed(x))
        return ' '.join(parts)
    raise TypeError(type(v))


def bits_to_float(u):
    return struct.unpack('>d', u.to_bytes(8, 'big'))[0]


class Out:
    def __init__(self, stream):
        self.stream = stream
        self.names = set()

    def _name(self, name):
        assert '\t' not in name and '\n' not in name
        assert name not in self.names, name
        self.names.add(name)

    def w(self, name, value):
        self._name(name)
        text = _dumps(value)
        assert '\t' not in text and '\n' not in text
        self.stream.write('W\t%s\t%s\t%s\n' % (name, typed(value), text))

    def p(self, name, text):
        self._name(name)
        value = _loads(text)
        self.stream.write('P\t%s\t%s\t%s\n' % (name, text.encode('utf-8').hex(), typed(value)))


def random_string(rng, max_len):
    ranges = [
        (0x00, 0x1f), (0x20, 0x7e), (0x20, 0x7e), (0x20, 0x7e), (0x7f, 0x7f), (0x80, 0x7ff),
        (0x800, 0xd7ff), (0xe000, 0xffff), (0x2028, 0x2029), (0x10000, 0x10ffff), (0x22, 0x22), (0x5c, 0x5c),
    ]
    out = []
    for _ in range(rng.randrange(max_len + 1)):
        lo, hi = rng.choice(ranges)
        out.append(chr(rng.randint(lo, hi)))
    return ''.join(out)


def random_float(rng):
    kind = rng.randrange(4)
    if kind == 0:
        return bits_to_float(rng.getrandbits(64))
    if kind == 1:  # short decimals around the fixed/scientific switch
        digits = str(rng.randrange(1, 10 ** rng.randint(1, 17)))
        return float('%se%d' % (digits, rng.randint(-25, 25)))
    if kind == 2:
        return rng.uniform(-1e6, 1e6)
    return float(rng.randrange(-2 ** 60, 2 ** 60)) * 2.0 ** rng.randint(-60, 60)


def random_value(rng, depth):
    choices = ['null', 'bool', 'int', 'bigint', 'float', 'str', 'bytes']
    if depth < 5:
        choices += ['list', 'dict', 'list', 'dict']
    c = rng.choice(choices)
    if c == 'null':
        return None
    if c == 'bool':
        return rng.random() < 0.5
    if c == 'int':
        return rng.randint(-2 ** 64, 2 ** 64)
    if c == 'bigint':
        return rng.randint(-10 ** 40, 10 ** 40)
    if c == 'float':
        return random_float(rng)
    if c == 'str':
        return random_string(rng, 12)
    if c == 'bytes':
        return rng.randbytes(rng.randrange(20))
    if c == 'list':
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(5))]
    return {random_string(rng, 6): random_value(rng, depth + 1) for _ in range(rng.randrange(5))}


def main():
    rng = random.Random(SEED)
    out = Out(sys.stdout)

    # --- scalars
    out.w('null', None)
    out.w('true', True)
    out.w('false', False)
    ints = [0, 1, -1, 42, 2 ** 31, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, -2 ** 63, -2 ** 63 - 1,
            -2 ** 64, 10 ** 30, -10 ** 30, 10 ** 100, 2 ** 1000, -(3 ** 500)]
    for i in ints:
        out.w('int_%d' % i if abs(i) < 10 ** 25 else 'int_big_%d_digits_%s' % (len(str(abs(i))), 'neg' if i < 0 else 'pos'),
              i)

    floats = {
        'zero': 0.0, 'neg_zero': -0.0, 'one': 1.0, 'neg_one': -1.0, 'point1': 0.1, 'point2': 0.2,
        'sum_0.1_0.2': 0.1 + 0.2, 'pi': 3.141592653589793, '1e-07': 1e-07, '1e+16': 1e16, '1e16_minus_1': 1e16 - 1,
        '1e15': 1e15, '1e-4': 1e-4, '1e-5': 1e-5, '0.00012345': 0.00012345, '1.5e-5': 1.5e-5, '1e21': 1e21,
        '1e22': 1e22, '1e23': 1e23, 'min_subnormal': 5e-324, 'max_subnormal': 2.225073858507201e-308,
        'min_normal': 2.2250738585072014e-308, 'max': 1.7976931348623157e+308, 'neg_max': -1.7976931348623157e+308,
        '2^53': 2.0 ** 53, '2^53+2': 2.0 ** 53 + 2, '2^63': 2.0 ** 63, '2^64': 2.0 ** 64, '100.0': 100.0,
        '123456789.0': 123456789.0, '1.5': 1.5, '9999999999999998': 9999999999999998.0,
        '1234567890123456.8': 1234567890123456.8, '0.001': 0.001, '1e100': 1e100, '1.23e-300': 1.23e-300,
        'nan': float('nan'), 'inf': float('inf'), 'neg_inf': float('-inf'), 'third': 1 / 3, 'two_thirds': 2 / 3,
        '5e-324_neg': -5e-324, '9007199254740993': 9007199254740993.0, '0.3': 0.3, '2.5': 2.5, '1e-4_minus': 9.999999999999999e-05,
    }
    for name, f in floats.items():
        out.w('float_' + name, f)
    for e in range(-330, 310):
        out.w('float_pow10_%d' % e, float('1e%d' % e))
    for i in range(3000):
        out.w('float_random_bits_%d' % i, bits_to_float(rng.getrandbits(64)))
    for i in range(1000):
        out.w('float_random_mixed_%d' % i, random_float(rng))

    # --- strings
    out.w('str_empty', '')
    out.w('str_ascii', 'hello, world')
    for c in range(0x20):
        out.w('str_ctl_%02x' % c, chr(c))
        out.w('str_ctl_%02x_in_text' % c, 'a' + chr(c) + 'b')
    out.w('str_all_ctl', ''.join(chr(c) for c in range(0x20)))
    out.w('str_quote', '"')
    out.w('str_backslash', '\\')
    out.w('str_slash', '/')
    out.w('str_del', '\x7f')
    for cp in [0x80, 0x85, 0xa0, 0xe9, 0xff, 0x7ff, 0x800, 0xfeff, 0xfffd, 0xffff, 0x2028, 0x2029, 0x1f600, 0x10000,
               0x10ffff]:
        out.w('str_u%04x' % cp, chr(cp))
    out.w('str_mixed', 'Gr\u00fc\u00dfe \u65e5\u672c \U0001f600 "q" \\ \n\t\x00 \u2028 end')
    out.w('str_nul_prefix_key_only', {'\x00AQ==': '\x01'})
    long_plain = ''.join(chr(0x61 + (i % 26)) for i in range(200))
    out.w('str_long_plain', long_plain)
    for pos in [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 199]:
        s = long_plain[:pos] + '"' + long_plain[pos + 1:]
        out.w('str_long_quote_at_%d' % pos, s)
        s = long_plain[:pos] + '\x1f' + long_plain[pos + 1:]
        out.w('str_long_ctl_at_%d' % pos, s)
        s = long_plain[:pos] + '\u00e9' + long_plain[pos + 1:]
        out.w('str_long_nonascii_at_%d' % pos, s)
    out.w('str_long_escapes', ''.join(chr(i % 40) for i in range(2000)))
    for i in range(600):
        out.w('str_random_%d' % i, random_string(rng, 80))

    # --- bytes
    out.w('bytes_empty', b'')
    out.w('bytes_nul', b'\x00')
    out.w('bytes_all', bytes(range(256)))
    for n in range(1, 40):
        out.w('bytes_len_%d' % n, rng.randbytes(n))
    for i in range(100):
        out.w('bytes_random_%d' % i, rng.randbytes(rng.randrange(300)))
    out.w('bytes_in_list', [b'\x01\x02', 'x', b''])

    # --- containers
    out.w('list_empty', [])
    out.w('dict_empty', {})
    out.w('list_of_empty', [[], {}, [[]], [{}]])
    out.w('dict_nested', {'a': {'b': {'c': [1, 2, {'d': None}]}}})
    out.w('list_mixed', [None, True, False, 0, -1, 1.5, 'x', b'y', [], {}])
    out.w('dict_unicode_keys', {'\u00e9': 1, '\U0001f600': 2, '\n': 3, '"': 4, '': 5, '\x00': 6})
    out.w('cryptobox_plaintext', {'uri': 'com.myapp.encrypted.hello', 'args': ['Counter is at 1'], 'kwargs': {}})
    out.w('cryptobox_plaintext_null_kwargs', {'uri': 'com.example.add2', 'args': [5], 'kwargs': None})
    deep = []
    for _ in range(400):
        deep = [deep]
    out.w('deep_list_401', deep)
    deep = {}
    for i in range(300):
        deep = {'k': deep}
    out.w('deep_dict_301', deep)
    out.w('dict_many_keys', {'key%d' % i: i for i in range(100)})
    for i in range(300):
        out.w('random_tree_%d' % i, random_value(rng, 0))

    # --- parse-side cases (Autobahn's reading)
    parse_cases = {
        'nan': 'NaN', 'inf': 'Infinity', 'neg_inf': '-Infinity', 'nonfinite_list': '[NaN,Infinity,-Infinity]',
        'nonfinite_ws': '[ NaN , Infinity , -Infinity ]', 'nonfinite_dict': '{"a":NaN,"b":-Infinity}',
        'neg_zero_int': '-0', 'neg_zero_float': '-0.0', 'zero_exp': '0e0', 'upper_e': '1E5', 'exp_plus': '1e+5',
        'exp_minus': '25e-1', 'frac_exp': '1.5E-3', 'overflow': '1e400', 'neg_overflow': '-1e400',
        'underflow': '1e-400', 'neg_underflow': '-1e-400', 'overflow_near_max': '1.7976931348623159e308',
        'max_exact': '1.7976931348623158e308', 'underflow_half_min': '2.4703282292062327e-324',
        'round_to_min': '2.4703282292062328e-324', 'huge_exponent': '1e99999999999999999999',
        'tiny_exponent': '1e-99999999999999999999', 'zero_huge_exponent': '0e99999999999999999999',
        'long_mantissa': '0.1000000000000000055511151231257827021181583404541015625',
        'long_int_float': '1' + '0' * 400 + '.0', 'long_frac_zeros': '0.' + '0' * 400 + '1e400',
        'bigint': '123456789012345678901234567890', 'neg_bigint': '-123456789012345678901234567890',
        'u64_max': '18446744073709551615', 'u64_max_plus1': '18446744073709551616',
        'i64_min': '-9223372036854775808', 'i64_min_minus1': '-9223372036854775809',
        'i64_max_plus1': '9223372036854775808', 'bigint_in_list': '[1,18446744073709551616,-1]',
        'bigint_4000_digits': '9' * 4000,
        'ws': ' \t\n\r[ 1 ,\t2 ,\n3 ]\r\n ', 'ws_dict': '{ "a" : 1 , "b" :\n[ ] }',
        'escapes': '"\\"\\\\\\/\\b\\f\\n\\r\\t"', 'u_escapes': '"\\u00e9\\u00E9\\u0041\\u20ac"',
        'surrogate_pair': '"\\ud83d\\ude00"', 'surrogate_pair_upper': '"\\uD83D\\uDE00x"', 'u2028_escape': '"\\u2028"',
        'nul_escape_not_first': '"a\\u0000b"', 'binary_empty': '"\\u0000"', 'binary': '"\\u0000AAEC"',
        'binary_pad1': '"\\u0000AAE="', 'binary_pad2': '"\\u0000AQ=="', 'binary_in_list': '["\\u0000AQ==","x"]',
        'binary_key_stays_string': '{"\\u0000k":"\\u0000AQ=="}', 'binary_top_level_dict': '{"p":"\\u0000/+/+"}',
        'raw_utf8': '"\u00e9\u65e5\U0001f600\u2028\x7f"', 'raw_utf8_key': '{"\u00e9":"\U0001f600"}',
        'dup_keys': '{"a":1,"b":2,"a":3}', 'dup_keys_nested': '{"a":{"x":1},"a":{"y":2}}',
        'dup_keys_many': '{' + ','.join('"k%d":%d' % (i % 30, i) for i in range(100)) + '}',
        'empty_containers': '[[],{},[[]],{"a":{}}]', 'string_top': '"x"', 'true_top': 'true', 'null_top': 'null',
        'int_top_ws': ' 7 ',
        'neg_zero_exp': '-0e0', 'neg_zero_frac_exp': '-0.0E+00', 'below_half_min': '1e-324',
        'neg_below_half_min': '-1e-324', 'near_min_subnormal': '4.9e-324', 'frac_exp_shift': '123.456e-2',
        'long_int_mantissa_exp': '123456789012345678901234567890e-10', 'trailing_zeros_1000': '1.' + '0' * 1000,
        'halfway_round_even': '9007199254740993', 'halfway_float_round_even': '9007199254740993.0',
        'exp_leading_zeros': '1e0000000000000000000000005',
    }
    for name, text in parse_cases.items():
        out.p('parse_' + name, text)


if __name__ == '__main__':
    main()
