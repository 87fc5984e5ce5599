'use strict';
// Payload PassThru Mode (the ppt layer of the corpus) in JavaScript, written
// from the WAMP spec and docs/ppt.md, sharing no code with wampbox or the
// Python generator (scripts/corpus/layer_ppt.py):
//   xsalsa20poly1305  nonce(24) || secretbox (the adapter's NaCl: tweetnacl or libsodium-wrappers)
//   aes256gcm         nonce(12) || ct || tag(16), empty AAD: Node's WebCrypto (crypto.webcrypto.subtle)
//   key ids           SHA-256 (node:crypto), EIP-55 with Keccak-256 from @noble/hashes
//   inner object      CBOR through cbor-x (the library wampy.js uses)
//
// Protocol operations ppt_seal and ppt_open (conformance/PROTOCOL.md). `role`
// is the sender's; ppt_open acts as the other role. The order of checks is
// the profile's (docs/ppt.md): attributes, key lookup (prefix, key id form and
// checksum, named entry, retirement), Arguments shape, serializer, decryption,
// inner object.

const nodeCrypto = require('crypto');

const XS = 'xsalsa20poly1305';
const AES = 'aes256gcm';

// A decoded value as a typed value (PROTOCOL.md section 5): Maps and plain
// objects (what cbor-x gives with mapsAsObjects, as wampy.js decodes) are dicts
// in key order, undefined is null (ppt_open rejects undefined before this).
// Shared with the wampy.js adapter.
function toTypedWith(Fail) {
  return function toTyped(x) {
    if (x === null || x === undefined) return { null: null };
    if (typeof x === 'boolean') return { bool: x };
    if (typeof x === 'string') return { str: x };
    if (typeof x === 'bigint') return { int: x.toString() };
    if (typeof x === 'number') {
      if (Number.isInteger(x) && !Object.is(x, -0)) return { int: String(x) };
      const b = Buffer.alloc(8);
      b.writeDoubleBE(x, 0);
      return { float: b.toString('hex') };
    }
    if (x instanceof Uint8Array) return { bytes: Buffer.from(x).toString('hex') };
    if (Array.isArray(x)) return { list: x.map(toTyped) };
    if (x instanceof Map) {
      const out = [];
      for (const [k, v] of x) {
        if (typeof k !== 'string') throw new Fail('malformed_plaintext', 'a map key is not a string');
        out.push([k, toTyped(v)]);
      }
      return { dict: out };
    }
    if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
      return { dict: Object.keys(x).map((k) => [k, toTyped(x[k])]) };
    }
    throw new Fail('malformed_plaintext', `value ${typeof x} has no WAMP form`);
  };
}

// The key store of the ppt layer (key ids, EIP-55, entries per prefix, which
// entry sends and which one a ppt_keyid names), shared with the wampy.js
// adapter (conformance/adapters/wampy/adapter.js), whose library has no key
// store. C: the NaCl backend (scalarmultBase, beforenm); Fail: the adapter's
// error class (code, message).
function makePptKeyStore({ C, Fail }) {
  const { keccak_256: keccak256 } = require('@noble/hashes/sha3');
  const hex = (b) => Buffer.from(b).toString('hex');
  const unhex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
  const other = (r) => {
    if (r === 'originator') return 'responder';
    if (r === 'responder') return 'originator';
    throw new Fail('invalid_argument', `role ${r}`);
  };

  // -- key ids ---------------------------------------------------------------
  const ID_RE = /^0x[0-9a-fA-F]{40}$/;
  function eip55(id) {
    const digits = id.slice(2).toLowerCase();
    const hash = hex(keccak256(Buffer.from(digits, 'ascii')));
    let out = '0x';
    for (let i = 0; i < digits.length; i++) {
      out += /[a-f]/.test(digits[i]) && parseInt(hash[i], 16) >= 8 ? digits[i].toUpperCase() : digits[i];
    }
    return out;
  }
  function normalizeId(id) {
    if (!ID_RE.test(id)) throw new Fail('bad_key_id', `key id ${id}`);
    const d = id.slice(2);
    if (d !== d.toLowerCase() && d !== d.toUpperCase() && eip55(id) !== id) {
      throw new Fail('bad_key_id', `key id ${id} fails its EIP-55 checksum`);
    }
    return id.toLowerCase();
  }
  const pubId = (pub) => '0x' + hex(nodeCrypto.createHash('sha256').update(pub).digest().subarray(12));

  // -- the key store ------------------------------------------------------------
  const storeCache = new Map();
  function parseB64Key(text) {
    const b = Buffer.from(text, 'base64');
    if (b.length !== 32 || b.toString('base64') !== text) throw new Fail('invalid_key', 'key is not 32 bytes of base64');
    return Uint8Array.from(b);
  }
  function buildStore(specs) {
    const id = JSON.stringify(specs);
    if (storeCache.has(id)) return storeCache.get(id);
    if (!Array.isArray(specs)) throw new Fail('invalid_argument', 'pptKeys must be a list');
    const entries = specs.map((s) => {
      const e = { prefix: s.prefix, status: s.status };
      if (!['current', 'grace', 'retired'].includes(s.status)) throw new Fail('invalid_argument', `status ${s.status}`);
      if (s.model === 'symmetric') {
        e.key = unhex(s.key);
        if (e.key.length !== 32) throw new Fail('invalid_key', 'symmetric key must be 32 bytes');
        e.id = normalizeId(s.keyid);
      } else if (s.model === 'keypair') {
        const oPriv = parseB64Key(s.originator_priv);
        const rPriv = parseB64Key(s.responder_priv);
        const oPub = C.scalarmultBase(oPriv);
        const rPub = C.scalarmultBase(rPriv);
        e.box = { originator: C.beforenm(rPub, oPriv), responder: C.beforenm(oPub, rPriv) };
        e.ids = { originator: pubId(oPub), responder: pubId(rPub) };
      } else {
        throw new Fail('invalid_argument', `key model ${s.model}`);
      }
      return e;
    });
    storeCache.set(id, entries);
    return entries;
  }
  function prefixOf(entries, uri) {
    let best = null;
    for (const e of entries) if (uri.startsWith(e.prefix) && (best === null || e.prefix.length > best.length)) best = e.prefix;
    return best;
  }
  const keyOf = (e, role) => (e.key ? e.key : e.box[role]);
  const sendId = (e, role) => (e.key ? e.id : e.ids[other(role)]);
  const names = (e, receiver, id) => (e.key ? e.id : e.ids[receiver]) === id;
  return { ID_RE, eip55, normalizeId, buildStore, prefixOf, keyOf, sendId, names, other };
}

function makePptHandlers({ C, Fail }) {
  const { Encoder, Decoder } = require('cbor-x');
  const encoder = new Encoder({ useRecords: false, mapsAsObjects: false });
  const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });
  const subtle = nodeCrypto.webcrypto.subtle;
  const { ID_RE, eip55, normalizeId, buildStore, prefixOf, keyOf, sendId, names, other } = makePptKeyStore({ C, Fail });
  const hex = (b) => Buffer.from(b).toString('hex');

  // -- typed values <-> what cbor-x encodes / decodes ---------------------------
  function toJs(t) {
    const [kind, v] = Object.entries(t)[0];
    switch (kind) {
      case 'null': return null;
      case 'bool': return v;
      case 'str': return v;
      case 'bytes': return Buffer.from(v, 'hex');
      case 'float': return Buffer.from(v, 'hex').readDoubleBE(0);
      case 'int': {
        const b = BigInt(v);
        // cbor-x writes JavaScript numbers outside the 32-bit range as float64
        // (a difference wampy.js inherits: docs/ppt.md); a BigInt is a CBOR integer.
        return b > 0xffffffffn || b < -0x100000000n ? b : Number(b);
      }
      case 'list': return v.map(toJs);
      case 'dict': return new Map(v.map(([k, x]) => [k, toJs(x)]));
      default: throw new Fail('invalid_argument', `typed kind ${kind}`);
    }
  }
  function hasUndefined(x) {
    if (x === undefined) return true;
    if (Array.isArray(x)) return x.some(hasUndefined);
    if (x instanceof Map) return [...x.values()].some(hasUndefined);
    return false;
  }
  const toTyped = toTypedWith(Fail);

  // -- attributes ---------------------------------------------------------------
  const PPT_KEYS = ['ppt_scheme', 'ppt_serializer', 'ppt_cipher', 'ppt_keyid'];
  function attributes(options) {
    if (!options || !('dict' in options)) throw new Fail('invalid_argument', 'options must be a dict');
    const a = {};
    for (const [k, v] of options.dict) {
      if (!PPT_KEYS.includes(k)) continue;
      if (!('str' in v)) throw new Fail('protocol_error', `${k} is not a string`);
      a[k.slice(4)] = v.str;
    }
    if (Object.keys(a).length === 0) throw new Fail('protocol_error', 'no ppt_scheme');
    if (a.scheme === undefined) throw new Fail('protocol_error', 'ppt_* without ppt_scheme');
    if (a.scheme === 'wamp') {
      if (a.serializer !== 'cbor' && a.serializer !== 'flatbuffers') {
        throw new Fail('protocol_error', `scheme wamp with ppt_serializer ${a.serializer}`);
      }
      if (a.cipher !== undefined && a.cipher !== XS && a.cipher !== AES) {
        throw new Fail('protocol_error', `scheme wamp with ppt_cipher ${a.cipher}`);
      }
      if (a.keyid !== undefined && !ID_RE.test(a.keyid)) throw new Fail('protocol_error', `ppt_keyid ${a.keyid}`);
    } else if (a.scheme === 'mqtt') {
      if (a.serializer !== undefined && !['native', 'json', 'msgpack', 'cbor'].includes(a.serializer)) {
        throw new Fail('protocol_error', `scheme mqtt with ppt_serializer ${a.serializer}`);
      }
      if (a.cipher !== undefined || a.keyid !== undefined) throw new Fail('protocol_error', 'mqtt takes no cipher/key id');
    } else if (!/^x_./s.test(a.scheme)) {
      throw new Fail('protocol_error', `ppt_scheme ${a.scheme}`);
    }
    return a;
  }

  // -- ciphers ------------------------------------------------------------------
  async function encrypt(cipher, key, pt, nonce) {
    if (cipher === XS) {
      if (nonce.length !== 24) throw new Fail('invalid_argument', 'xsalsa20poly1305 nonce must be 24 bytes');
      return Buffer.concat([nonce, C.sealAfternm(pt, nonce, key)]);
    }
    if (nonce.length !== 12) throw new Fail('invalid_argument', 'aes256gcm nonce must be 12 bytes');
    const k = await subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
    const ct = await subtle.encrypt({ name: 'AES-GCM', iv: nonce, tagLength: 128 }, k, pt);
    return Buffer.concat([nonce, Buffer.from(ct)]);
  }
  async function decrypt(cipher, key, payload) {
    if (cipher === XS) {
      if (payload.length < 40) throw new Fail('decrypt_failed', 'shorter than nonce + MAC');
      const m = C.openAfternm(payload.subarray(24), payload.subarray(0, 24), key);
      if (m === null) throw new Fail('decrypt_failed', 'MAC does not verify');
      return m;
    }
    if (payload.length < 28) throw new Fail('decrypt_failed', 'shorter than nonce + tag');
    const k = await subtle.importKey('raw', key, 'AES-GCM', false, ['decrypt']);
    try {
      return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: payload.subarray(0, 12), tagLength: 128 }, k,
        payload.subarray(12)));
    } catch (e) {
      throw new Fail('decrypt_failed', 'tag does not verify');
    }
  }

  // -- operations ---------------------------------------------------------------
  const H = {};
  H.ppt_seal = async (i) => {
    const entries = buildStore(i.pptKeys);
    const p = prefixOf(entries, i.uri);
    const e = entries.find((x) => x.prefix === p && x.status === 'current');
    if (!e) throw new Fail('no_key', `no current key for ${i.uri}`);
    if (i.cipher !== XS && i.cipher !== AES) throw new Fail('protocol_error', `ppt_cipher ${i.cipher}`);
    const inner = new Map([['args', i.args.null === null ? [] : toJs(i.args)],
      ['kwargs', i.kwargs.null === null ? new Map() : toJs(i.kwargs)]]);
    const pt = encoder.encode(inner);
    const payload = await encrypt(i.cipher, keyOf(e, i.role), pt, Buffer.from(i.nonce, 'hex'));
    return {
      options: { dict: [['ppt_scheme', { str: 'wamp' }], ['ppt_serializer', { str: 'cbor' }],
        ['ppt_cipher', { str: i.cipher }], ['ppt_keyid', { str: eip55(sendId(e, i.role)) }]] },
      plaintext: hex(pt), payload: hex(payload),
    };
  };
  H.ppt_open = async (i) => {
    const receiver = other(i.role);
    const a = attributes(i.options);
    let key = null;
    if (a.cipher !== undefined) {
      const entries = buildStore(i.pptKeys);
      const p = prefixOf(entries, i.uri);
      if (p === null) throw new Fail('no_key', `no key for ${i.uri}`);
      let e;
      if (a.keyid !== undefined) {
        const id = normalizeId(a.keyid);
        e = entries.filter((x) => x.prefix === p && names(x, receiver, id)).pop();
        if (!e) throw new Fail('no_key', `ppt_keyid ${a.keyid} names no key for ${i.uri}`);
        if (e.status === 'retired') throw new Fail('retired_key', `ppt_keyid ${a.keyid} is retired`);
      } else {
        e = entries.find((x) => x.prefix === p && x.status === 'current');
        if (!e) throw new Fail('no_key', `no current key for ${i.uri}`);
      }
      key = keyOf(e, receiver);
    }
    const args = i.arguments;
    if (!args || !('list' in args) || args.list.length !== 1 || !('bytes' in args.list[0])) {
      throw new Fail('protocol_error', 'Arguments must be exactly one binary element');
    }
    const kw = i.argumentsKw;
    if (kw && !('null' in kw) && !('dict' in kw && kw.dict.length === 0)) {
      throw new Fail('protocol_error', 'ArgumentsKw must be absent or empty');
    }
    const ser = a.serializer === undefined ? 'native' : a.serializer;
    if (ser !== 'cbor') throw new Fail('unsupported_enc_serializer', `ppt_serializer ${ser}`);
    const payload = Buffer.from(args.list[0].bytes, 'hex');
    const pt = a.cipher === undefined ? payload : await decrypt(a.cipher, key, payload);
    let obj;
    try {
      obj = decoder.decode(Buffer.from(pt));
    } catch (e) {
      throw new Fail('parse_error', `inner CBOR: ${e.message}`);
    }
    if (hasUndefined(obj)) throw new Fail('parse_error', 'CBOR undefined in the inner object (profile: rejected)');
    if (!(obj instanceof Map)) throw new Fail('malformed_plaintext', 'the inner object is not a map');
    let outArgs = { null: null };
    let outKw = { null: null };
    for (const [k, v] of obj) {
      if (k === 'args') {
        if (v !== null && !Array.isArray(v)) throw new Fail('malformed_plaintext', 'args is not a list');
        outArgs = toTyped(v);
      } else if (k === 'kwargs') {
        if (v !== null && !(v instanceof Map)) throw new Fail('malformed_plaintext', 'kwargs is not a map');
        outKw = toTyped(v);
      } else {
        throw new Fail('malformed_plaintext', `unexpected key ${String(k)}`);
      }
    }
    return { args: outArgs, kwargs: outKw };
  };
  return H;
}

module.exports = { makePptHandlers, makePptKeyStore, toTypedWith };
