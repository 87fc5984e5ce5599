#!/usr/bin/env node
'use strict';
// wampbox-conform adapter (conformance/PROTOCOL.md) for wampy.js 8.0.2, a real
// third-party WAMP client whose Payload PassThru Mode framing is driven here
// through its own code paths, on the ppt layer of the corpus:
//
//   ppt_seal, sender originator  Wampy#publish(uri, {argsList, argsDict}, {ppt_scheme, ppt_serializer,
//                                ppt_cipher, ppt_keyid}): the PUBLISH wampy writes
//   ppt_seal, sender responder   a registered procedure returns {argsList, argsDict, options: {ppt_*}}:
//                                the YIELD wampy writes
//   ppt_open, sender originator  an EVENT with the vector's Details/Arguments/ArgumentsKw delivered to
//                                a wampy subscription: what its callback gets (or the error wampy logs)
//   ppt_open, sender responder   a RESULT delivered to a pending wampy call: what the call resolves to
//                                (or the CallError it rejects with)
//
// wampy talks to an in-process stand-in for the router (FakeSocket, passed as
// wampy's `ws` option): it answers HELLO with a WELCOME that announces
// payload_passthru_mode, acknowledges SUBSCRIBE/REGISTER/PUBLISH, records every
// frame wampy sends and delivers the vector's frames. The WAMP transport
// serializer is wampy's CborSerializer (its JSON serializer cannot carry binary).
//
// What is NOT wampy's here, because wampy has no such thing: the key store (key
// ids, EIP-55, prefixes, rotation; shared with the JavaScript oracle:
// ../js/ppt.js makePptKeyStore) and the cipher (wampy-ppt.js: tweetnacl
// secretbox or node:crypto AES-256-GCM under wampy's CborSerializer, registered as
// payloadSerializers.cbor).
// wampy gives that serializer only the bytes, so for each case the adapter tells
// it which key and cipher apply (its `context`), picking them from the case's
// key store and the message's ppt_cipher / ppt_keyid as a wampy application
// would have to outside wampy. Errors the adapter's own code raises carry
// "adapter:" in their message; errors from wampy's checks carry "wampy:".
//
// Both spec ciphers: wampy calls the serializer synchronously, so aes256gcm
// uses Node's synchronous crypto (a browser's WebCrypto is asynchronous and
// could not serve wampy's hook).
//
//   node adapter.js [--binary uint8array|buffer]
// How the application hands binary values to wampy: `uint8array` (default;
// the only binary type in a browser), which wampy's cbor-x writes as CBOR tag
// 64 (RFC 8746 typed array) around the bytes, or Node's `buffer`, which it
// writes as a plain byte string (docs/wampy.md).

const path = require('path');
const nacl = require('tweetnacl');
const { Encoder, Decoder } = require('cbor-x');
const { Wampy } = require('wampy');
const { CborSerializer } = require('wampy/CborSerializer.js');
const { EncryptingCborSerializer, PptError, XS, AES } = require('./wampy-ppt');

const PROTOCOL = 'wampbox-conform/1';
const BINARY = (() => {
  const i = process.argv.indexOf('--binary');
  const v = i >= 0 ? process.argv[i + 1] : 'uint8array';
  if (v !== 'uint8array' && v !== 'buffer') {
    process.stderr.write(`adapter.js: --binary uint8array|buffer, not ${v}\n`);
    process.exit(2);
  }
  return v;
})();
// wampy's package.json is not in its "exports": read the installed file.
const WAMPY_VERSION = JSON.parse(require('fs').readFileSync(path.join(__dirname, 'node_modules', 'wampy', 'package.json'), 'utf8')).version;

class Unsupported extends Error {}

const { serveSession } = require(path.join(__dirname, '..', 'js', 'session.js'));

let K; // the key store functions of ../js/ppt.js
let toTyped; // what wampy handed the application, as a typed value (undefined reads as null)
try {
  const ppt = require(path.join(__dirname, '..', 'js', 'ppt.js'));
  K = ppt.makePptKeyStore({
    C: { scalarmultBase: (sk) => nacl.scalarMult.base(sk), beforenm: (pk, sk) => nacl.box.before(pk, sk) },
    Fail: PptError,
  });
  toTyped = ppt.toTypedWith(PptError);
} catch (e) {
  process.stderr.write(`wampy adapter: ../js/ppt.js needs its packages (${e.message.split('\n')[0]}); ` +
    'run scripts/setup.sh\n');
  process.exit(2);
}

const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));

// -- typed values (PROTOCOL.md section 5) ---------------------------------------------

const INT32_MAX = 0xffffffffn;
const INT32_MIN = -0x100000000n;

/** A typed value as a wampy application passes it: plain objects for dicts, numbers
 *  for integers JavaScript holds exactly (cbor-x writes those beyond 32 bits as
 *  float64: a difference this adapter shows), BigInt beyond 2^53. */
function toApp(t) {
  const [kind, v] = Object.entries(t)[0];
  switch (kind) {
    case 'null': return null;
    case 'bool': case 'str': return v;
    case 'bytes': return BINARY === 'buffer' ? Buffer.from(v, 'hex') : unhex(v);
    case 'float': return Buffer.from(v, 'hex').readDoubleBE(0);
    case 'int': { const b = BigInt(v); return Number.isSafeInteger(Number(b)) ? Number(b) : b; }
    case 'list': return v.map(toApp);
    case 'dict': {
      const o = {};
      for (const [k, x] of v) Object.defineProperty(o, k, { value: toApp(x), enumerable: true, writable: true, configurable: true });
      return o;
    }
    default: throw new PptError('invalid_argument', `adapter: typed kind ${kind}`);
  }
}

/** A typed value as exact CBOR for a frame wampy receives: Maps keep wire order,
 *  integers beyond 32 bits as BigInt so that cbor-x writes CBOR integers. */
function toWire(t) {
  const [kind, v] = Object.entries(t)[0];
  switch (kind) {
    case 'int': { const b = BigInt(v); return b > INT32_MAX || b < INT32_MIN ? b : Number(b); }
    case 'list': return v.map(toWire);
    case 'dict': return new Map(v.map(([k, x]) => [k, toWire(x)]));
    default: return toApp(t);
  }
}


// -- the stand-in router -------------------------------------------------------------

const T = { HELLO: 1, WELCOME: 2, GOODBYE: 6, ERROR: 8, PUBLISH: 16, PUBLISHED: 17, SUBSCRIBE: 32, SUBSCRIBED: 33,
  EVENT: 36, CALL: 48, RESULT: 50, REGISTER: 64, REGISTERED: 65, INVOCATION: 68, YIELD: 70 };
const wireEncoder = new Encoder({ useRecords: false, mapsAsObjects: false });
const wireDecoder = new Decoder({ useRecords: false, mapsAsObjects: false });
const FEATURES = { features: { payload_passthru_mode: true } };

class FakeSocket {
  constructor(url, protocols) {
    this.url = url;
    this.protocol = protocols[0]; // the router accepts wampy's subprotocol (wamp.2.cbor)
    this.readyState = 0;
    this.sent = [];
    this.nextId = 1000;
    FakeSocket.last = this;
    setImmediate(() => { this.readyState = 1; this.onopen(); });
  }

  send(data) {
    const msg = wireDecoder.decode(Buffer.from(data));
    this.sent.push(msg);
    const reply = {
      [T.HELLO]: () => [T.WELCOME, 4242, new Map([['roles', new Map([['broker', FEATURES], ['dealer', FEATURES]])]])],
      [T.SUBSCRIBE]: () => [T.SUBSCRIBED, msg[1], ++this.nextId],
      [T.REGISTER]: () => [T.REGISTERED, msg[1], ++this.nextId],
      [T.PUBLISH]: () => [T.PUBLISHED, msg[1], ++this.nextId],
      [T.GOODBYE]: () => [T.GOODBYE, new Map(), 'wamp.close.goodbye_and_out'],
    }[msg[0]];
    if (reply) setImmediate(() => this.deliver(reply()));
  }

  /** Hands wampy one frame; resolves when wampy has handled it (its handler is async). */
  deliver(msg) {
    return this.onmessage({ data: wireEncoder.encode(msg) });
  }

  close() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    setImmediate(() => this.onclose({ code: 1000, reason: 'closed' }));
  }
}

// -- the wampy client ------------------------------------------------------------------

const serializer = new EncryptingCborSerializer({ binary: BINARY });
let logs = [];
let client = null;
let sock = null;
const SEAL_PROC = 'wampbox.conform.wampy.seal';
const OPEN_PROC = 'wampbox.conform.wampy.open';
let subscriptions = new Map(); // topic -> subscription id
let registration = null;
let eventSlot = null;
let yieldPayload = null;

async function connected() {
  if (client && client.getSessionId() && sock.readyState === 1) return;
  client = new Wampy('ws://wampbox-conform.invalid/ws', {
    realm: 'realm1', ws: FakeSocket, serializer: new CborSerializer(), autoReconnect: false,
    payloadSerializers: { cbor: serializer }, debug: true, logger: (args) => logs.push(args.map(String).join(' ')),
  });
  await client.connect();
  sock = FakeSocket.last;
  subscriptions = new Map();
  registration = (await client.register(SEAL_PROC, async () => yieldPayload)).registrationId;
}

async function subscription(topic) {
  if (!subscriptions.has(topic)) {
    const r = await client.subscribe(topic, (ev) => { eventSlot = ev; });
    subscriptions.set(topic, r.subscriptionId);
  }
  return subscriptions.get(topic);
}

/** A failure reported by wampy (its log line or CallError text): the protocol error code. */
function wampyError(text, options) {
  if (/Can not serialize\/deserialize payload/.test(text)) {
    const e = serializer.lastError;
    if (e instanceof Unsupported) throw e;
    if (e && e.code === 'unsupported_enc_algo') throw new Unsupported(`adapter: ${e.message}`);
    if (e && e.code) return new PptError(e.code, `wampy: PPTSerializationError; serializer (adapter): ${e.message}`);
    return new PptError('parse_error', `wampy: ${text} (the serializer raised ${e && e.message})`);
  }
  if (/PPT scheme is invalid/.test(text)) return new PptError('protocol_error', `wampy: ${text}`);
  if (/PPT serializer is invalid/.test(text)) {
    const scheme = options.get('ppt_scheme');
    // wampy's own check (scheme wamp needs cbor) vs no payloadSerializers entry for the name
    const code = scheme === 'wamp' ? 'protocol_error' : 'unsupported_enc_serializer';
    return new PptError(code, `wampy: ${text}`);
  }
  return new PptError('protocol_error', `wampy: ${text}`);
}

function wampyCrash(e) {
  return new PptError('internal', `wampy threw ${e && e.name}: ${e && e.message} (in a Node client this is an ` +
    'unhandled rejection of its websocket message handler)');
}

// -- key selection (the application's part) ----------------------------------------------

function currentEntry(store, uri) {
  const p = K.prefixOf(store, uri);
  const e = store.find((x) => x.prefix === p && x.status === 'current');
  if (!e) throw new PptError('no_key', `adapter: no current key for ${uri}`);
  return e;
}

/** The serializer's context for opening: key and cipher from the message's attributes. */
function openContext(input, options) {
  return () => {
    const cipher = options.get('ppt_cipher');
    if (cipher === undefined) return { key: null };
    if (cipher !== XS && cipher !== AES) {
      throw new PptError('protocol_error', `adapter: ppt_cipher ${String(cipher)} (wampy does not check it)`);
    }
    const receiver = K.other(input.role);
    const store = K.buildStore(input.pptKeys);
    const p = K.prefixOf(store, input.uri);
    if (p === null) throw new PptError('no_key', `adapter: no key for ${input.uri}`);
    const keyid = options.get('ppt_keyid');
    let e;
    if (keyid !== undefined) {
      if (typeof keyid !== 'string' || !K.ID_RE.test(keyid)) {
        throw new PptError('protocol_error', `adapter: ppt_keyid ${String(keyid)} (wampy does not check it)`);
      }
      const id = K.normalizeId(keyid);
      e = store.filter((x) => x.prefix === p && K.names(x, receiver, id)).pop();
      if (!e) throw new PptError('no_key', `adapter: ppt_keyid ${keyid} names no key`);
      if (e.status === 'retired') throw new PptError('retired_key', `adapter: ppt_keyid ${keyid} is retired`);
    } else {
      e = currentEntry(store, input.uri);
    }
    return { key: K.keyOf(e, receiver), cipher };
  };
}

// -- operations -----------------------------------------------------------------------------

/** The payload argument as a wampy application writes it for typed args/kwargs. */
function appPayload(args, kwargs) {
  const a = 'null' in args ? undefined : toApp(args);
  const k = 'null' in kwargs ? undefined : toApp(kwargs);
  if (a === undefined && k === undefined) return null; // publish(topic) / return nothing
  const p = {};
  if (a !== undefined) p.argsList = a;
  if (k !== undefined) p.argsDict = k;
  return p;
}

const H = {};

H.ppt_seal = async (i) => {
  await connected();
  if (i.cipher !== XS && i.cipher !== AES) throw new PptError('protocol_error', `adapter: ppt_cipher ${i.cipher}`);
  const store = K.buildStore(i.pptKeys);
  const e = currentEntry(store, i.uri);
  const options = { ppt_scheme: 'wamp', ppt_serializer: 'cbor', ppt_cipher: i.cipher,
    ppt_keyid: K.eip55(K.sendId(e, i.role)) };
  serializer.context = { key: K.keyOf(e, i.role), cipher: i.cipher, nonce: unhex(i.nonce) };
  serializer.lastPlaintext = null;
  const payload = appPayload(i.args, i.kwargs);
  const before = sock.sent.length;
  try {
    if (i.role === 'originator') {
      await client.publish(i.uri, payload, options);
    } else {
      yieldPayload = { ...(payload || {}), options };
      await sock.deliver([T.INVOCATION, ++sock.nextId, registration, new Map()]);
    }
  } catch (err) {
    throw wampyError(String(err && err.message), new Map(Object.entries(options)));
  } finally {
    serializer.context = null;
  }
  const want = i.role === 'originator' ? T.PUBLISH : T.YIELD;
  const frame = sock.sent.slice(before).find((m) => m[0] === want || m[0] === T.ERROR);
  if (!frame) throw new PptError('internal', 'adapter: wampy sent no PUBLISH/YIELD');
  if (frame[0] === T.ERROR) throw wampyError(String(frame[5] && frame[5][0]), new Map(Object.entries(options)));
  const opts = frame[2];
  const argsSlot = frame[i.role === 'originator' ? 4 : 3];
  return {
    options: { dict: [...opts].filter(([k]) => k.startsWith('ppt_')).map(([k, v]) => [k, toTyped(v)]) },
    plaintext: serializer.lastPlaintext ? hex(serializer.lastPlaintext) : null,
    payload: Array.isArray(argsSlot) && argsSlot.length === 1 && argsSlot[0] instanceof Uint8Array ? hex(argsSlot[0]) : null,
  };
};

H.ppt_open = async (i) => {
  await connected();
  if (!i.options || !('dict' in i.options)) throw new PptError('invalid_argument', 'adapter: options must be a dict');
  const details = toWire(i.options);
  const tail = [];
  const argsAbsent = !i.arguments || 'null' in i.arguments;
  const kwAbsent = !i.argumentsKw || 'null' in i.argumentsKw;
  if (!argsAbsent || !kwAbsent) tail.push(argsAbsent ? null : toWire(i.arguments));
  if (!kwAbsent) tail.push(toWire(i.argumentsKw));
  serializer.context = openContext(i, details);
  const logStart = logs.length;
  try {
    if (i.role === 'originator') {
      // originator sent a PUBLISH: the responder (a subscriber) receives the EVENT
      const sub = await subscription(i.uri);
      eventSlot = null;
      try {
        await sock.deliver([T.EVENT, sub, ++sock.nextId, details, ...tail]);
      } catch (e) {
        throw wampyCrash(e);
      }
      if (eventSlot) return { args: toTyped(eventSlot.argsList), kwargs: toTyped(eventSlot.argsDict) };
      const said = logs.slice(logStart).filter((l) => /PPT|payload|Payload/.test(l)).pop();
      throw wampyError(said || 'the event was dropped', details);
    }
    // responder sent a YIELD: the originator (a caller) receives the RESULT
    const before = sock.sent.length;
    let settled = null;
    client.call(OPEN_PROC).then((r) => { settled = { ok: r }; }, (e) => { settled = { err: e }; });
    const call = sock.sent.slice(before).find((m) => m[0] === T.CALL);
    try {
      await sock.deliver([T.RESULT, call[1], details, ...tail]);
    } catch (e) {
      delete client._calls[call[1]];
      throw wampyCrash(e);
    }
    await new Promise((r) => setImmediate(r));
    if (settled && settled.ok) return { args: toTyped(settled.ok.argsList), kwargs: toTyped(settled.ok.argsDict) };
    if (settled) {
      const e = settled.err;
      throw wampyError(String((e && e.argsList && e.argsList[0]) || (e && e.message)), details);
    }
    throw new PptError('internal', 'adapter: the wampy call neither resolved nor rejected');
  } finally {
    serializer.context = null;
  }
};

// -- the protocol loop ------------------------------------------------------------------------

async function main() {
  process.on('unhandledRejection', (e) => process.stderr.write(`unhandled rejection: ${e && e.stack}\n`));
  const hello = {
    type: 'hello', protocol: PROTOCOL,
    implementation: {
      name: 'wampy.js', version: WAMPY_VERSION, language: 'JavaScript',
      description: `wampy.js ${WAMPY_VERSION} PPT framing (publish/YIELD, EVENT/RESULT) with an injected ` +
        `xsalsa20poly1305/aes256gcm payload serializer (tweetnacl / node:crypto over wampy's CborSerializer); ` +
        `binary values as ${BINARY}`,
    },
    profile: {},
    supports: { layers: ['ppt'], operations: Object.keys(H).sort(), serializers: [], message_types: [] },
  };
  await serveSession({ hello, handlers: H, Fail: PptError, Unsupported });
}

main();
