'use strict';
// The three WAMP serializations as Autobahn|Python 22.7.1 uses them, on the
// corpus's typed values ({"int": "12"}, {"float": "<hex bits>"}, {"bytes": "<hex>"},
// {"dict": [[k, v], ...]}, ...), written from Autobahn's serializer.py and the
// documented behaviour of the Python libraries it calls, not from wampbox.
//
//   JSON         serializer._dumps/_loads (Python's json module): pyjson.js
//   MessagePack  msgpack.packb(use_bin_type=True) / unpackb(raw=False), msgpack 1.0.3
//   CBOR         cbor2.dumps / cbor2.loads, cbor2 5.4.6
//
// Reading uses packaged decoders (@msgpack/msgpack, cbor2 for JavaScript); only
// the mapping of their output to typed values is ours. Writing is hand-written
// for MessagePack and CBOR because byte-exactness with the Python writers
// needs what the JavaScript encoders cannot be told: a JavaScript number does
// not remember whether it was 1 or 1.0 (Python writes float64 for every float,
// a minimal integer head for every int), @msgpack/msgpack writes maps from
// objects, whose integer-like keys JavaScript reorders, and cbor2-js and cborg
// choose one float width policy per call, while Python's cbor2 writes float64
// but NaN and the infinities as half precision. The writers are short tables
// of Python's rules (cbor2 encoder.py encode_length/encode_int/encode_float;
// msgpack's pack_template.h), each checked byte for byte by the corpus.

const pyjson = require('./pyjson');

class WireError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function floatHex(x) {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x, 0); // NaN is written as 7ff8000000000000, the corpus's NaN
  return b.toString('hex');
}
const hexOf = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('hex');

// -- JSON ---------------------------------------------------------------------------

function jsonDecode(bytes) {
  let text;
  try {
    text = strictUtf8.decode(bytes); // Python: payload.decode('utf8'), strict
  } catch (e) {
    throw new WireError('invalid_utf8', 'frame is not valid UTF-8');
  }
  try {
    return pyjson.parse(text);
  } catch (e) {
    throw new WireError(e.code || 'parse_error', e.message);
  }
}

function jsonEncode(tv) {
  return Buffer.from(pyjson.write(tv), 'utf8');
}

// -- MessagePack --------------------------------------------------------------------

let msgpackLib = null;
let PyMsgpackDecoder = null;
class PyFloat { constructor(v) { this.v = v; } }

function msgpackInit() {
  if (PyMsgpackDecoder) return;
  msgpackLib = require('@msgpack/msgpack');
  // Python's msgpack keeps ints and floats apart (a float64 1.0 is a float); the
  // JavaScript decoder returns numbers for both, so its float readers are
  // wrapped. Text must be strict UTF-8 (raw=False raises on invalid bytes); the
  // library's short-string path does not validate.
  PyMsgpackDecoder = class extends msgpackLib.Decoder {
    readF32() { return new PyFloat(super.readF32()); }
    readF64() { return new PyFloat(super.readF64()); }
    decodeUtf8String(byteLength, headerOffset) {
      const off = this.pos + headerOffset;
      if (this.bytes.byteLength < off + byteLength) throw new WireError('parse_error', 'truncated string');
      let s;
      try {
        s = strictUtf8.decode(this.bytes.subarray(off, off + byteLength));
      } catch (e) {
        throw new WireError('invalid_utf8', 'string is not valid UTF-8');
      }
      this.pos += headerOffset + byteLength;
      // The library refuses a map key "__proto__" (it builds plain objects);
      // Python does not. Boxed here, it passes that check and
      // mapKeyConverter below stores it prefixed like every other key.
      if (s === '__proto__' && this.stateIsMapKey()) return new String(s); // eslint-disable-line no-new-wrappers
      return s;
    }
  };
}

function msgpackToTyped(x) {
  if (x === null) return { null: null };
  if (typeof x === 'boolean') return { bool: x };
  if (typeof x === 'number') return { int: String(x) }; // floats arrive as PyFloat
  if (typeof x === 'bigint') return { int: x.toString() };
  if (typeof x === 'string') return { str: x };
  if (x instanceof PyFloat) return { float: floatHex(x.v) };
  if (x instanceof Uint8Array) return { bytes: hexOf(x) };
  if (Array.isArray(x)) return { list: x.map(msgpackToTyped) };
  if (x instanceof msgpackLib.ExtData) throw new WireError('parse_error', `MessagePack ext type ${x.type} is outside the value model`);
  if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    // Keys were stored with a one-character prefix (see msgpackDecode), so
    // none is integer-like and insertion order is kept; a repeated key keeps
    // its first position and last value, as a Python dict does.
    return { dict: Object.keys(x).map((k) => [k.slice(1), msgpackToTyped(x[k])]) };
  }
  throw new WireError('parse_error', `unexpected MessagePack value ${typeof x}`);
}

function msgpackDecode(bytes) {
  msgpackInit();
  const dec = new PyMsgpackDecoder({
    useBigInt64: true, // int64/uint64 beyond 2^53 exactly
    // msgpack.unpackb(strict_map_key=True) allows str (and bytes) keys only; the
    // value model has text keys only, so every other key is a parse error.
    mapKeyConverter: (k) => {
      if (typeof k === 'string' || k instanceof String) return 's' + k;
      throw new WireError('parse_error', 'map key is not a string');
    },
  });
  let v;
  try {
    v = dec.decode(bytes);
  } catch (e) {
    if (e instanceof WireError) throw e;
    throw new WireError('parse_error', `MessagePack: ${e.message}`);
  }
  return msgpackToTyped(v);
}

function utf8Bytes(s) {
  // Python's encoders raise on lone surrogates (UnicodeEncodeError); Buffer
  // would silently write U+FFFD.
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)) {
    throw new WireError('unencodable', 'text with a lone surrogate cannot be written as UTF-8');
  }
  return Buffer.from(s, 'utf8');
}

function msgpackEncode(tv) {
  const out = [];
  const u8 = (...b) => out.push(Buffer.from(b));
  const be = (n, width) => {
    const b = Buffer.alloc(width);
    if (width === 8) b.writeBigUInt64BE(BigInt.asUintN(64, BigInt(n)));
    else b.writeUIntBE(Number(n), 0, width);
    out.push(b);
  };
  const head = (fix, fixMax, c8, c16, c32, n) => {
    if (fix !== null && n <= fixMax) u8(fix | n);
    else if (c8 !== null && n < 0x100) { u8(c8); be(n, 1); } else if (n < 0x10000) { u8(c16); be(n, 2); } else { u8(c32); be(n, 4); }
  };
  const w = (t) => {
    const [kind] = Object.keys(t);
    const v = t[kind];
    switch (kind) {
      case 'null': u8(0xc0); break;
      case 'bool': u8(v ? 0xc3 : 0xc2); break;
      case 'int': {
        const i = BigInt(v);
        if (i >= 0n) {
          if (i < 0x80n) u8(Number(i));
          else if (i < 0x100n) { u8(0xcc); be(i, 1); } else if (i < 0x10000n) { u8(0xcd); be(i, 2); } else if (i < 0x100000000n) { u8(0xce); be(i, 4); } else if (i < (1n << 64n)) { u8(0xcf); be(i, 8); } else throw new WireError('unencodable', 'integer above 2^64-1 (msgpack: OverflowError)');
        } else if (i >= -0x20n) u8(0x100 + Number(i));
        else if (i >= -0x80n) { u8(0xd0); out.push(Buffer.from([Number(i) & 0xff])); } else if (i >= -0x8000n) { const b = Buffer.alloc(2); b.writeInt16BE(Number(i)); u8(0xd1); out.push(b); } else if (i >= -0x80000000n) { const b = Buffer.alloc(4); b.writeInt32BE(Number(i)); u8(0xd2); out.push(b); } else if (i >= -(1n << 63n)) { const b = Buffer.alloc(8); b.writeBigInt64BE(i); u8(0xd3); out.push(b); } else throw new WireError('unencodable', 'integer below -2^63 (msgpack: OverflowError)');
        break;
      }
      case 'float': u8(0xcb); out.push(Buffer.from(v, 'hex')); break;
      case 'str': { const b = utf8Bytes(v); head(0xa0, 31, 0xd9, 0xda, 0xdb, b.length); out.push(b); break; }
      case 'bytes': { const b = Buffer.from(v, 'hex'); head(null, -1, 0xc4, 0xc5, 0xc6, b.length); out.push(b); break; }
      case 'list': head(0x90, 15, null, 0xdc, 0xdd, v.length); v.forEach(w); break;
      case 'dict': head(0x80, 15, null, 0xde, 0xdf, v.length); for (const [k, x] of v) { w({ str: k }); w(x); } break;
      default: throw new WireError('unencodable', `typed value kind ${kind}`);
    }
  };
  w(tv);
  return Buffer.concat(out);
}

// -- CBOR -------------------------------------------------------------------------

let cbor = null;

async function cborInit() {
  if (!cbor) cbor = await import('cbor2'); // an ES module
}

const CBOR_DECODE_OPTIONS = {
  boxed: true, // numbers keep their encoding: tells an int from a float
  preferMap: true, // maps keep any key and their order (non-text keys rejected below)
  rejectDuplicateKeys: false, // Python: last value wins (at the first key's position)
  ignoreGlobalTags: true, // every tag comes back as a Tag; bignums are read below
};

function cborToTyped(x) {
  if (x === null) return { null: null };
  if (x === undefined) throw new WireError('parse_error', 'CBOR undefined is outside the value model');
  if (typeof x === 'boolean') return { bool: x };
  if (x instanceof Uint8Array) return { bytes: hexOf(x) };
  if (Array.isArray(x)) return { list: x.map(cborToTyped) };
  if (x instanceof Map) {
    const pairs = [];
    const index = new Map();
    for (const [k, v] of x) {
      if (!(k instanceof String) && typeof k !== 'string') throw new WireError('parse_error', 'map key is not a text string');
      const key = String(k);
      const tv = cborToTyped(v);
      if (index.has(key)) pairs[index.get(key)][1] = tv;
      else { index.set(key, pairs.length); pairs.push([key, tv]); }
    }
    return { dict: pairs };
  }
  if (x instanceof String || typeof x === 'string') return { str: String(x) };
  if (x instanceof cbor.Tag) {
    // cbor2 (Python) reads tags 2 and 3 as integers; every other tag, and
    // simple values, become Python objects the value model does not have.
    if ((x.tag === 2 || x.tag === 3) && x.contents instanceof Uint8Array) {
      const n = x.contents.length ? BigInt('0x' + hexOf(x.contents)) : 0n;
      return { int: (x.tag === 2 ? n : -1n - n).toString() };
    }
    throw new WireError('parse_error', `CBOR tag ${x.tag} is outside the value model`);
  }
  if (x instanceof Number || x instanceof BigInt || typeof x === 'number' || typeof x === 'bigint') {
    const enc = cbor.getEncoded(x);
    const major = enc ? enc[0] >> 5 : null;
    const v = x.valueOf();
    if (major === 7) return { float: floatHex(Number(v)) };
    if (major === 0 || major === 1) return { int: BigInt(v).toString() };
    throw new WireError('parse_error', 'number of unknown encoding');
  }
  throw new WireError('parse_error', `CBOR value outside the value model (${x && x.constructor && x.constructor.name})`);
}

function cborDecode(bytes) {
  let v;
  try {
    v = cbor.decode(bytes, CBOR_DECODE_OPTIONS);
  } catch (e) {
    const utf8 = /utf-8/i.test(e.message);
    throw new WireError(utf8 ? 'invalid_utf8' : 'parse_error', `CBOR: ${e.message}`);
  }
  return cborToTyped(v);
}

function cborEncode(tv) {
  const out = [];
  const head = (major, n) => {
    const m = major << 5;
    const N = BigInt(n);
    if (N < 24n) out.push(Buffer.from([m | Number(N)]));
    else if (N < 0x100n) out.push(Buffer.from([m | 24, Number(N)]));
    else if (N < 0x10000n) { const b = Buffer.alloc(3); b[0] = m | 25; b.writeUInt16BE(Number(N), 1); out.push(b); } else if (N < 0x100000000n) { const b = Buffer.alloc(5); b[0] = m | 26; b.writeUInt32BE(Number(N), 1); out.push(b); } else { const b = Buffer.alloc(9); b[0] = m | 27; b.writeBigUInt64BE(N, 1); out.push(b); }
  };
  const w = (t) => {
    const [kind] = Object.keys(t);
    const v = t[kind];
    switch (kind) {
      case 'null': out.push(Buffer.from([0xf6])); break;
      case 'bool': out.push(Buffer.from([v ? 0xf5 : 0xf4])); break;
      case 'int': {
        let i = BigInt(v);
        const big = i >= (1n << 64n) || i < -(1n << 64n);
        const major = i >= 0n ? 0 : 1;
        if (i < 0n) i = -i - 1n;
        if (big) { // encode_int: tag 2/3 with the minimal big-endian bytes
          let h = i.toString(16);
          if (h.length % 2) h = '0' + h;
          head(6, major === 0 ? 2 : 3);
          head(2, h.length / 2);
          out.push(Buffer.from(h, 'hex'));
        } else head(major, i);
        break;
      }
      case 'float': {
        const x = Buffer.from(v, 'hex').readDoubleBE(0);
        if (Number.isNaN(x)) out.push(Buffer.from('f97e00', 'hex'));
        else if (x === Infinity) out.push(Buffer.from('f97c00', 'hex'));
        else if (x === -Infinity) out.push(Buffer.from('f9fc00', 'hex'));
        else { out.push(Buffer.from([0xfb])); out.push(Buffer.from(v, 'hex')); }
        break;
      }
      case 'str': { const b = utf8Bytes(v); head(3, b.length); out.push(b); break; }
      case 'bytes': { const b = Buffer.from(v, 'hex'); head(2, b.length); out.push(b); break; }
      case 'list': head(4, v.length); v.forEach(w); break;
      case 'dict': head(5, v.length); for (const [k, x] of v) { w({ str: k }); w(x); } break;
      default: throw new WireError('unencodable', `typed value kind ${kind}`);
    }
  };
  w(tv);
  return Buffer.concat(out);
}

// -- dispatch ----------------------------------------------------------------------

const SERIALIZERS = {
  json: { decode: jsonDecode, encode: jsonEncode },
  msgpack: { decode: msgpackDecode, encode: msgpackEncode },
  cbor: { decode: cborDecode, encode: cborEncode },
};

// A nesting deeper than the JavaScript stack allows (thousands of levels)
// is refused as a clear error, not reported as an internal failure. (Autobahn
// refuses far less: its JSON reader recurses in Python and gives up between
// 300 and 500 levels; the corpus does not go there.)
function guarded(f, code) {
  return (x) => {
    try {
      return f(x);
    } catch (e) {
      if (e instanceof RangeError && /call stack/i.test(e.message)) throw new WireError(code, 'nesting too deep');
      throw e;
    }
  };
}

function serializer(name) {
  const s = SERIALIZERS[name];
  if (!s) throw new WireError('invalid_argument', `unknown serializer ${name}`);
  return { decode: guarded(s.decode, 'parse_error'), encode: guarded(s.encode, 'unencodable') };
}

module.exports = { serializer, cborInit, msgpackInit, WireError, floatHex };
