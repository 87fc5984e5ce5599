#!/usr/bin/env node
// Independent, non-libsodium confirmer for the wampbox conformance corpus.
//
// The corpus generator (scripts/corpus/generate.py) computes every vector with
// Autobahn|Python and libsodium (PyNaCl), then pipes a batch of crypto
// operations to this script, which recomputes them with tweetnacl-js (a
// from-scratch JavaScript port of TweetNaCl, sharing no code with libsodium).
// The generator asserts that both agree.
//
// Protocol: stdin is one JSON array of requests, stdout one JSON array of
// results in the same order. All byte strings are lowercase hex.
//   {"op": "box",        "sk", "pk", "nonce", "msg"} -> mac||ciphertext
//   {"op": "box_open",   "sk", "pk", "nonce", "ct"}  -> message, or null if it does not verify
//   {"op": "before",     "sk", "pk"}                 -> shared key (no small-order check: TweetNaCl has none)
//   {"op": "after",      "k", "nonce", "msg"}        -> mac||ciphertext
//   {"op": "open_after", "k", "nonce", "ct"}         -> message, or null
//   {"op": "public",     "sk"}                       -> public key (X25519 base point multiplication)
//   {"op": "version"}                                -> tweetnacl version string
'use strict';

const path = require('path');
const nacl = require('tweetnacl');

function fromHex(s) {
  if (typeof s !== 'string' || s.length % 2 !== 0 || /[^0-9a-f]/.test(s)) {
    throw new Error('bad hex: ' + JSON.stringify(s).slice(0, 80));
  }
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

function toHex(b) {
  return b === null ? null : Buffer.from(b).toString('hex');
}

// nacl.box(m, n, pk, sk) is nacl.box.after(m, n, nacl.box.before(pk, sk)); the
// shared key is cached per key pair because tweetnacl's X25519 is slow.
const sharedKeys = new Map();
function before(pkHex, skHex) {
  const id = pkHex + ':' + skHex;
  if (!sharedKeys.has(id)) sharedKeys.set(id, nacl.box.before(fromHex(pkHex), fromHex(skHex)));
  return sharedKeys.get(id);
}

function run(req) {
  switch (req.op) {
    case 'box':
      return toHex(nacl.box.after(fromHex(req.msg), fromHex(req.nonce), before(req.pk, req.sk)));
    case 'box_open':
      return toHex(nacl.box.open.after(fromHex(req.ct), fromHex(req.nonce), before(req.pk, req.sk)));
    case 'before':
      return toHex(nacl.box.before(fromHex(req.pk), fromHex(req.sk)));
    case 'after':
      return toHex(nacl.box.after(fromHex(req.msg), fromHex(req.nonce), fromHex(req.k)));
    case 'open_after':
      return toHex(nacl.box.open.after(fromHex(req.ct), fromHex(req.nonce), fromHex(req.k)));
    case 'public':
      return toHex(nacl.scalarMult.base(fromHex(req.sk)));
    case 'version':
      return require(path.join(path.dirname(require.resolve('tweetnacl')), 'package.json')).version;
    default:
      throw new Error('unknown op ' + req.op);
  }
}

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const reqs = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const out = reqs.map(run);
  process.stdout.write(JSON.stringify(out));
});
