'use strict';
// JSON exactly as Autobahn|Python writes and reads the WAMP-cryptobox
// plaintext (autobahn.wamp.serializer._dumps/_loads = Python's json module),
// working on the corpus's typed values ({"int": "12"}, {"float": "<hex>"},
// {"bytes": "<hex>"}, {"dict": [[k, v], ...]}, ...) so that nothing is lost
// to JavaScript numbers or object key order.

// -- writing: json.dumps(obj, separators=(',', ':'), ensure_ascii=False) ------

function escapeString(s) {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20) out += '\\u00' + c.toString(16).padStart(2, '0');
    else out += s[i];
  }
  return out + '"';
}

// Python's float repr: shortest round-trip digits, fixed notation for
// decimal exponents in [-4, 16), otherwise d.ddde+XX with at least two
// exponent digits; integral values keep ".0".
function floatRepr(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const e = Math.abs(x).toExponential(); // shortest digits: "d.ddde+N"
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(e);
  const digits = m[1] + (m[2] || '');
  const exp = parseInt(m[3], 10); // value = 0.digits * 10^(exp+1)
  if (exp >= -4 && exp < 16) {
    let s;
    if (exp >= 0) {
      if (digits.length <= exp + 1) s = digits + '0'.repeat(exp + 1 - digits.length) + '.0';
      else s = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
    } else {
      s = '0.' + '0'.repeat(-exp - 1) + digits;
    }
    return sign + s;
  }
  const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  const es = (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  return sign + mant + 'e' + es;
}

function hexToBytes(h) {
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

function floatFromHex(h) {
  return Buffer.from(h, 'hex').readDoubleBE(0);
}

function floatToHex(x) {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x, 0);
  return b.toString('hex');
}

function canonicalInt(text) {
  return BigInt(text).toString();
}

function write(tv) {
  const kind = Object.keys(tv)[0];
  const v = tv[kind];
  switch (kind) {
    case 'null': return 'null';
    case 'bool': return v ? 'true' : 'false';
    case 'int': return canonicalInt(v);
    case 'float': return floatRepr(floatFromHex(v));
    case 'str': return escapeString(v);
    case 'bytes': return escapeString('\u0000' + Buffer.from(v, 'hex').toString('base64'));
    case 'list': return '[' + v.map(write).join(',') + ']';
    case 'dict': return '{' + v.map(([k, x]) => escapeString(k) + ':' + write(x)).join(',') + '}';
    default: throw new Error('unknown typed value kind ' + kind);
  }
}

// -- reading: json.loads (Python) + Autobahn's "\u0000"+base64 -> bytes --------

class JsonError extends Error {
  constructor(message, code) { super(message); this.code = code || 'parse_error'; }
}

// Strict padded standard base64 (RFC 4648 section 4) or null.
function strictBase64(s) {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : null; // rejects non-zero padding bits
}

function parse(text, options) {
  const opts = Object.assign({ laxBase64: false }, options || {});
  let i = 0;
  const n = text.length;
  const ws = () => { while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++; };
  const fail = (what) => { throw new JsonError(what + ' at offset ' + i); };

  function parseString() {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text[i];
      const code = text.charCodeAt(i);
      if (c === '"') { i++; return out; }
      if (code < 0x20) fail('control character in string');
      if (c !== '\\') { out += c; i++; continue; }
      i++;
      const e = text[i++];
      if (e === '"' || e === '\\' || e === '/') out += e;
      else if (e === 'b') out += '\b';
      else if (e === 'f') out += '\f';
      else if (e === 'n') out += '\n';
      else if (e === 'r') out += '\r';
      else if (e === 't') out += '\t';
      else if (e === 'u') {
        const h = text.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('bad \\u escape');
        out += String.fromCharCode(parseInt(h, 16)); // lone surrogates kept, as Python does
        i += 4;
      } else fail('bad escape');
    }
  }

  function parseNumber() {
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i));
    if (!m) fail('bad number');
    i += m[0].length;
    if (m[1] === undefined && m[2] === undefined) return { int: BigInt(m[0]).toString() };
    return { float: floatToHex(Number(m[0])) }; // Python: float(text), inf on overflow
  }

  function value() {
    ws();
    if (i >= n) fail('unexpected end');
    const c = text[i];
    if (c === '{') {
      i++;
      const pairs = [];
      const index = new Map();
      ws();
      if (text[i] === '}') { i++; return { dict: pairs }; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected key');
        const k = parseString();
        ws();
        if (text[i] !== ':') fail('expected colon');
        i++;
        const v = value();
        if (index.has(k)) pairs[index.get(k)][1] = v; // last value, first position
        else { index.set(k, pairs.length); pairs.push([k, v]); }
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return { dict: pairs }; }
        fail('expected , or }');
      }
    }
    if (c === '[') {
      i++;
      const items = [];
      ws();
      if (text[i] === ']') { i++; return { list: items }; }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return { list: items }; }
        fail('expected , or ]');
      }
    }
    if (c === '"') {
      const s = parseString();
      if (s.length > 0 && s.charCodeAt(0) === 0) {
        const b64 = s.slice(1);
        let b = strictBase64(b64);
        if (b === null && opts.laxBase64) b = Buffer.from(b64, 'base64');
        if (b === null) throw new JsonError('invalid base64 in a binary string', 'invalid_base64');
        return { bytes: b.toString('hex') };
      }
      return { str: s };
    }
    for (const [word, tv] of [['null', { null: null }], ['true', { bool: true }], ['false', { bool: false }],
      ['NaN', { float: floatToHex(NaN) }], ['Infinity', { float: floatToHex(Infinity) }],
      ['-Infinity', { float: floatToHex(-Infinity) }]]) {
      if (text.startsWith(word, i)) { i += word.length; return tv; }
    }
    return parseNumber();
  }

  const v = value();
  ws();
  if (i !== n) fail('extra data');
  return v;
}

module.exports = { write, parse, floatRepr, escapeString, strictBase64, hexToBytes, JsonError };
