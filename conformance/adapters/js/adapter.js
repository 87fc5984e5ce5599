#!/usr/bin/env node
'use strict';
// wampbox-conform adapter for JavaScript implementations (conformance/PROTOCOL.md).
//
//   node adapter.js --crypto tweetnacl     tweetnacl 1.0.3 (pure JS NaCl; computes low-order keys)
//   node adapter.js --crypto libsodium     libsodium-wrappers 0.7.15 (libsodium in WebAssembly; rejects them)
//
// Layers: crypto_box (the library's box primitives), keyring and envelope
// (a JavaScript WAMP-cryptobox envelope on top of that primitive: keys,
// longest-character-prefix keyring, Python-compatible JSON plaintext in
// pyjson.js), and the message layer (wamp.js: Autobahn's parse checks and
// marshal order; wire.js: JSON, MessagePack and CBOR as Autobahn writes and
// reads them), and the ppt layer (ppt.js: the spec's Payload PassThru Mode,
// WebCrypto AES-GCM, @noble/hashes Keccak-256, cbor-x). It shares no code with Autobahn or wampbox: with tweetnacl it
// is the corpus generator's independent oracle (scripts/corpus/oracle.py).
//
// Behaviour where the corpus leaves a choice (profile): strict base64, no
// plaintext fallback (a key without the needed role is an error), low-order
// public keys as the crypto library does them.

const pyjson = require('./pyjson');
const wamp = require('./wamp');
const wire = require('./wire');
const { makePptHandlers } = require('./ppt');
const { serveSession } = require('./session');

const PROTOCOL = 'wampbox-conform/1';

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
const CRYPTO = arg('--crypto', 'tweetnacl');

class Fail extends Error {
  constructor(code, message) { super(message || code); this.code = code; }
}
class Unsupported extends Error {}

const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));

function lengths(fields) {
  const want = { sk: 32, pk: 32, k: 32, nonce: 24 };
  for (const [name, v] of Object.entries(fields)) {
    if (v.length !== want[name]) throw new Fail('invalid_argument', `${name} must be ${want[name]} bytes`);
  }
}

// -- the crypto primitive: {name, version, beforenm, sealAfternm, openAfternm, scalarmultBase, lowOrder} --

function tweetnaclBackend() {
  const nacl = require('tweetnacl');
  const version = require('tweetnacl/package.json').version;
  return {
    name: 'tweetnacl-js', version, lowOrder: 'compute',
    description: `tweetnacl ${version} (pure JavaScript NaCl) + wampbox-conform's JavaScript envelope and message layer`,
    beforenm: (pk, sk) => nacl.box.before(pk, sk),
    sealAfternm: (msg, nonce, k) => nacl.box.after(msg, nonce, k),
    openAfternm: (ct, nonce, k) => {
      if (ct.length < 16) return null;
      return nacl.box.open.after(ct, nonce, k); // null when the tag does not verify
    },
    seal: (msg, nonce, pk, sk) => nacl.box(msg, nonce, pk, sk),
    open: (ct, nonce, pk, sk) => (ct.length < 16 ? null : nacl.box.open(ct, nonce, pk, sk)),
    scalarmultBase: (sk) => nacl.scalarMult.base(sk),
  };
}

async function libsodiumBackend() {
  const sodium = require('libsodium-wrappers');
  await sodium.ready;
  const version = require('libsodium-wrappers/package.json').version;
  const guard = (f) => { try { return f(); } catch (e) { return null; } };
  return {
    name: 'libsodium-js', version, lowOrder: 'reject',
    description: `libsodium-wrappers ${version} (libsodium ${sodium.sodium_version_string()} in WebAssembly) + ` +
      "wampbox-conform's JavaScript envelope and message layer",
    beforenm: (pk, sk) => guard(() => sodium.crypto_box_beforenm(pk, sk)),
    sealAfternm: (msg, nonce, k) => sodium.crypto_box_easy_afternm(msg, nonce, k),
    openAfternm: (ct, nonce, k) => guard(() => sodium.crypto_box_open_easy_afternm(ct, nonce, k)),
    seal: (msg, nonce, pk, sk) => guard(() => sodium.crypto_box_easy(msg, nonce, pk, sk)),
    open: (ct, nonce, pk, sk) => guard(() => sodium.crypto_box_open_easy(ct, nonce, pk, sk)),
    scalarmultBase: (sk) => sodium.crypto_scalarmult_base(sk),
  };
}

// -- handlers -------------------------------------------------------------------

function makeHandlers(C) {
  const H = {};

  // crypto_box layer
  H.box_seal = (i) => {
    const [sk, pk, nonce] = [unhex(i.sk), unhex(i.pk), unhex(i.nonce)];
    lengths({ sk, pk, nonce });
    if (C.beforenm(pk, sk) === null) throw new Fail('invalid_key', 'public key refused');
    const ct = C.seal(unhex(i.msg), nonce, pk, sk);
    if (ct === null) throw new Fail('invalid_key', 'public key refused');
    return { ct: hex(ct) };
  };
  H.box_open = (i) => {
    const [sk, pk, nonce] = [unhex(i.sk), unhex(i.pk), unhex(i.nonce)];
    lengths({ sk, pk, nonce });
    const m = C.open(unhex(i.ct), nonce, pk, sk);
    if (m === null) throw new Fail('decrypt_failed', 'box does not open');
    return { msg: hex(m) };
  };
  H.beforenm = (i) => {
    const [sk, pk] = [unhex(i.sk), unhex(i.pk)];
    lengths({ sk, pk });
    const k = C.beforenm(pk, sk);
    if (k === null) throw new Fail('invalid_key', 'public key refused');
    return { k: hex(k) };
  };
  H.box_seal_afternm = (i) => {
    const [k, nonce] = [unhex(i.k), unhex(i.nonce)];
    lengths({ k, nonce });
    return { ct: hex(C.sealAfternm(unhex(i.msg), nonce, k)) };
  };
  H.box_open_afternm = (i) => {
    const [k, nonce] = [unhex(i.k), unhex(i.nonce)];
    lengths({ k, nonce });
    const m = C.openAfternm(unhex(i.ct), nonce, k);
    if (m === null) throw new Fail('decrypt_failed', 'box does not open');
    return { msg: hex(m) };
  };

  // keys: standard padded base64 (strict) or 64 hex digits (optionally 0x-prefixed)
  function parseKey(text) {
    if (typeof text !== 'string') throw new Fail('invalid_key', 'key is not a string');
    let t = text;
    if (t.startsWith('0x') && t.length === 66) t = t.slice(2);
    if (/^[0-9a-fA-F]{64}$/.test(t)) return unhex(t.toLowerCase());
    const b = pyjson.strictBase64(text);
    if (b === null || b.length !== 32) throw new Fail('invalid_key', 'not 32 bytes in strict base64 or hex');
    return Uint8Array.from(b);
  }
  H.key_parse = (i) => ({ key: hex(parseKey(i.text)) });

  const eq = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

  // Keys are built once per distinct entry: tweetnacl's X25519 is slow, and
  // every case carries its keyring.
  const keyCache = new Map();
  function buildKey(entry) {
    const id = JSON.stringify(entry);
    if (!keyCache.has(id)) keyCache.set(id, buildKeyUncached(entry));
    return keyCache.get(id);
  }
  function buildKeyUncached(entry) {
    const known = new Set(['prefix', 'private', 'originator_priv', 'originator_pub', 'responder_priv', 'responder_pub']);
    for (const k of Object.keys(entry)) if (!known.has(k)) throw new Fail('invalid_key', `unknown key part ${k}`);
    let oPriv = null; let oPub = null; let rPriv = null; let rPub = null;
    if ('private' in entry) {
      oPriv = rPriv = parseKey(entry.private);
    } else {
      if (entry.originator_priv) oPriv = parseKey(entry.originator_priv);
      if (entry.originator_pub) oPub = parseKey(entry.originator_pub);
      if (entry.responder_priv) rPriv = parseKey(entry.responder_priv);
      if (entry.responder_pub) rPub = parseKey(entry.responder_pub);
    }
    if (oPriv) {
      const d = C.scalarmultBase(oPriv);
      if (oPub && !eq(oPub, d)) throw new Fail('invalid_key', 'originator_pub does not match originator_priv');
      oPub = d;
    }
    if (rPriv) {
      const d = C.scalarmultBase(rPriv);
      if (rPub && !eq(rPub, d)) throw new Fail('invalid_key', 'responder_pub does not match responder_priv');
      rPub = d;
    }
    const box = (priv, pub) => {
      if (!priv || !pub) return null;
      const k = C.beforenm(pub, priv);
      if (k === null) throw new Fail('invalid_key', 'public key refused');
      return k;
    };
    const key = { originator: box(oPriv, rPub), responder: box(rPriv, oPub) };
    if (!key.originator && !key.responder) throw new Fail('invalid_key', 'insufficient keys for either role');
    return key;
  }
  H.key_build = (i) => {
    const k = buildKey(i.key);
    return { originatorSharedKey: k.originator && hex(k.originator), responderSharedKey: k.responder && hex(k.responder) };
  };

  function buildRing(entries) {
    if (!Array.isArray(entries)) throw new Fail('invalid_argument', 'keyring must be a list');
    const ring = new Map();
    for (const e of entries) {
      if (typeof e.prefix !== 'string') throw new Fail('invalid_key', 'entry without prefix');
      if (ring.has(e.prefix)) throw new Fail('invalid_key', `duplicate prefix ${e.prefix}`);
      ring.set(e.prefix, buildKey(e));
    }
    return ring;
  }
  // Longest character prefix, then the default key ("").
  function lookup(ring, uri) {
    let best = null;
    for (const p of ring.keys()) {
      if (p !== '' && uri.startsWith(p) && (best === null || p.length > best.length)) best = p;
    }
    if (best === null && ring.has('')) best = '';
    return best === null ? { prefix: null, key: null } : { prefix: best, key: ring.get(best) };
  }
  const role = (r) => {
    if (r !== 'originator' && r !== 'responder') throw new Fail('invalid_argument', `role ${r}`);
    return r;
  };
  H.keyring_resolve = (i) => {
    const { prefix, key } = lookup(buildRing(i.keyring), i.uri);
    const k = key && key[role(i.role)];
    return { prefix, sharedKey: k ? hex(k) : null };
  };

  // envelope: KeyRing.encode/decode
  // Returns null when no key covers uri (the message is sent in the clear).
  function encodePayload(ring, r, uri, args, kwargs, nonce) {
    const { key } = lookup(ring, uri);
    if (!key) return null;
    const k = key[role(r)];
    if (!k) throw new Fail('missing_role', `the key for ${uri} has no ${r} box`);
    lengths({ nonce });
    const plaintext = Buffer.from('{"uri":' + pyjson.escapeString(uri) + ',"args":' + pyjson.write(args) +
      ',"kwargs":' + pyjson.write(kwargs) + '}', 'utf8');
    const ct = C.sealAfternm(Uint8Array.from(plaintext), nonce, k);
    return { plaintext: hex(plaintext), payload: hex(nonce) + hex(ct) };
  }
  H.payload_encode = (i) => encodePayload(buildRing(i.keyring), i.role, i.uri, i.args, i.kwargs, unhex(i.nonce)) ||
    { plaintext: null, payload: null };

  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  // The order of the checks is Autobahn's (PROTOCOL.md 4.3): algorithm, key,
  // role, MAC, then serializer, plaintext shape, URI.
  function decodePayload(ring, r, uri, encAlgo, encSerializer, p) {
    if (encAlgo !== 'cryptobox') throw new Fail('unsupported_enc_algo', `enc_algo ${encAlgo}`);
    const { prefix, key } = lookup(ring, uri);
    if (prefix === null) throw new Fail('no_key', `no key for ${uri}`);
    const k = key[role(r)];
    if (!k) throw new Fail('missing_role', `the key for ${uri} has no ${r} box`);
    if (p.length < 40) throw new Fail('decrypt_failed', 'payload shorter than nonce and tag');
    const m = C.openAfternm(p.subarray(24), p.subarray(0, 24), k);
    if (m === null) throw new Fail('decrypt_failed', 'tag does not verify');
    if (encSerializer !== 'json') throw new Fail('unsupported_enc_serializer', `enc_serializer ${encSerializer}`);
    let obj;
    try {
      obj = pyjson.parse(utf8.decode(m));
    } catch (e) {
      throw new Fail('malformed_plaintext', e.message);
    }
    if (!('dict' in obj)) throw new Fail('malformed_plaintext', 'plaintext is not an object');
    const get = (name) => { const e = obj.dict.find(([kk]) => kk === name); return e ? e[1] : { null: null }; };
    const puri = get('uri');
    const args = get('args');
    const kwargs = get('kwargs');
    if (!('str' in puri)) throw new Fail('malformed_plaintext', 'uri is not a string');
    if (!('list' in args) && !('null' in args)) throw new Fail('malformed_plaintext', 'args is not a list or null');
    if (!('dict' in kwargs) && !('null' in kwargs)) throw new Fail('malformed_plaintext', 'kwargs is not an object or null');
    if (puri.str !== uri) throw new Fail('uri_mismatch', `payload for ${puri.str}, envelope ${uri}`);
    return { args, kwargs };
  }
  H.payload_decode = (i) => decodePayload(buildRing(i.keyring), i.role, i.uri, i.encAlgo, i.encSerializer,
    unhex(i.payload));

  // message layer (wamp.js, wire.js)
  Object.assign(H, wamp.makeMessageHandlers({ buildRing, encodePayload, decodePayload, Fail }));
  // Payload PassThru Mode (ppt.js; its handlers are async: WebCrypto)
  Object.assign(H, makePptHandlers({ C, Fail }));
  return H;
}

// -- the protocol loop ------------------------------------------------------------

async function main() {
  let C;
  if (CRYPTO === 'tweetnacl') C = tweetnaclBackend();
  else if (CRYPTO === 'libsodium') C = await libsodiumBackend();
  else { process.stderr.write(`unknown --crypto ${CRYPTO}\n`); process.exit(2); }
  try {
    wire.msgpackInit();
    await wire.cborInit();
    require('cbor-x'); // ppt.js: load its pinned packages here, so a missing one gets the advice below
    require('@noble/hashes/sha3');
  } catch (e) {
    process.stderr.write(`adapter.js: a pinned package is missing (${e.message.split('\n')[0]}); ` +
      'run `npm ci --prefix conformance/adapters/js` (scripts/setup.sh does)\n');
    process.exit(2);
  }
  const H = makeHandlers(C);
  const hello = {
    type: 'hello', protocol: PROTOCOL,
    implementation: { name: C.name, version: C.version, language: 'JavaScript', description: C.description },
    profile: { low_order_keys: C.lowOrder, plaintext_fallback: 'reject', base64: 'strict' },
    supports: {
      layers: ['crypto_box', 'keyring', 'envelope', 'message', 'ppt'],
      operations: Object.keys(H).sort(),
      serializers: ['json', 'msgpack', 'cbor'],
      message_types: Object.keys(wamp.TYPES),
      unsupported_flags: [],
    },
  };
  await serveSession({ hello, handlers: H, Fail, Unsupported });
}

main();
