#!/usr/bin/env node
'use strict';
// A scripted wampy.js 8.0.2 client for live runs through wampbox-router
// (tests/py/test_live_wampy.py), with the same commands and JSON lines as
// wampbox-client (transport/tools/client_main.cc):
//
//   node live.js --url ws://127.0.0.1:PORT [--serializer cbor|msgpack|json] [--timeout-ms MS]
//                [--ppt-key HEX --ppt-keyid 0x... [--ppt-cipher xsalsa20poly1305|aes256gcm]]
//                [--count N] [--subscribe-options JSON]
//                [--binary uint8array|buffer] COMMAND ...
//     publish TOPIC ARGS [KWARGS]     Wampy#publish(TOPIC, {argsList, argsDict}); KWARGS absent: {argsList} only
//     subscribe TOPIC                 print each event; stop after --count events (or the timeout)
//     call PROC ARGS [KWARGS]         Wampy#call
//     serve PROC                      register; answer each invocation with its own args/kwargs
//
// With --ppt-key every publish/call/YIELD is sent in Payload PassThru Mode
// (ppt_scheme wamp, ppt_serializer cbor, ppt_cipher (default xsalsa20poly1305),
// ppt_keyid), encrypted by the serializer wampy-ppt.js registers as
// payloadSerializers.cbor; received ppt_* messages are opened by the same
// serializer with the same key and cipher (wampy gives it neither ppt_keyid nor
// ppt_cipher, so a wampy client has one key and one cipher).
//
// --binary: the type of binary values (and of the PPT payload) handed to wampy:
// Uint8Array (default; the browser's type) or Node's Buffer (docs/wampy.md:
// wampy's cbor-x writes the first as CBOR tag 64).
//
// Values are JSON on the command line and in the output, as wampbox-client
// writes them (Autobahn's form: binary as "\u0000" + base64). Output lines:
// {"ready":...}, {"event":{args?, kwargs?, details}}, {"invocation":...},
// {"result":...}, {"dropped":"<what wampy logged>"}, {"abort":{error, details}}, {"error":...},
// {"summary":...}. `args` / `kwargs` are left out when wampy hands over
// undefined. Every wait is bounded by --timeout-ms; exit 0 when the command
// completed, 1 on an error or timeout, 2 on bad usage.

const { Wampy } = require('wampy');
const { CborSerializer } = require('wampy/CborSerializer.js');
const { MsgpackSerializer } = require('wampy/MsgpackSerializer.js');
const { JsonSerializer } = require('wampy/JsonSerializer.js');
const { w3cwebsocket: W3CWebSocket } = require('websocket');
const { EncryptingCborSerializer, XS, AES } = require('./wampy-ppt');

function usage(msg) {
  process.stderr.write(`live.js: ${msg}\n`);
  process.exit(2);
}

const opts = { serializer: 'cbor', timeoutMs: 10000, count: 1, pptKey: null, pptKeyid: null, subscribeOptions: null,
  binary: 'uint8array', pptCipher: 'xsalsa20poly1305' };
const pos = [];
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const need = () => { if (i + 1 >= process.argv.length) usage(`${a} needs a value`); return process.argv[++i]; };
  if (a === '--url') opts.url = need();
  else if (a === '--serializer') opts.serializer = need();
  else if (a === '--timeout-ms') opts.timeoutMs = Number(need());
  else if (a === '--count') opts.count = Number(need());
  else if (a === '--ppt-key') opts.pptKey = Uint8Array.from(Buffer.from(need(), 'hex'));
  else if (a === '--ppt-keyid') opts.pptKeyid = need();
  else if (a === '--ppt-cipher') opts.pptCipher = need();
  else if (a === '--subscribe-options') opts.subscribeOptions = JSON.parse(need());
  else if (a === '--binary') opts.binary = need();
  else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else pos.push(a);
}
if (!opts.url || pos.length < 2) usage('need --url and COMMAND URI');
if (opts.pptKey && (opts.pptKey.length !== 32 || !opts.pptKeyid)) usage('--ppt-key needs 32 bytes of hex and --ppt-keyid');
if (opts.pptCipher !== XS && opts.pptCipher !== AES) usage(`--ppt-cipher ${XS}|${AES}`);

// -- values: Autobahn's JSON form <-> what a wampy application handles -------------------

function fromJson(text) {
  return JSON.parse(text, (k, v) => {
    if (typeof v !== 'string' || !v.startsWith('\u0000')) return v;
    const b = Buffer.from(v.slice(1), 'base64');
    return opts.binary === 'buffer' ? b : Uint8Array.from(b);
  });
}

/** With --binary buffer, binary values wampy handed over (always Uint8Array:
 *  its CborSerializer.decode copies its input into a Uint8Array) as Buffer, so
 *  that sending them back does not become CBOR tag 64. */
function asMode(v) {
  if (opts.binary !== 'buffer' || v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (Array.isArray(v)) return v.map(asMode);
  const o = {};
  for (const k of Object.keys(v)) o[k] = asMode(v[k]);
  return o;
}

function toJson(v) {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
    return JSON.stringify(v);
  }
  if (v instanceof Uint8Array) return JSON.stringify('\u0000' + Buffer.from(v).toString('base64'));
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${JSON.stringify(String(k))}:${toJson(x)}`).join(',')}}`;
  if (typeof v === 'object') return `{${Object.keys(v).map((k) => `${JSON.stringify(k)}:${toJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

function payloadLine(kind, { details, argsList, argsDict }) {
  const parts = [];
  if (argsList !== undefined) parts.push(`"args":${toJson(argsList)}`);
  if (argsDict !== undefined) parts.push(`"kwargs":${toJson(argsDict)}`);
  parts.push(`"details":${toJson(details || {})}`);
  return `{"${kind}":{${parts.join(',')}}}`;
}

// -- the client -----------------------------------------------------------------------------

const pptSerializer = new EncryptingCborSerializer({ binary: opts.binary });
const pptOptions = {};
if (opts.pptKey) {
  pptSerializer.context = { key: opts.pptKey, cipher: opts.pptCipher };
  Object.assign(pptOptions, { ppt_scheme: 'wamp', ppt_serializer: 'cbor', ppt_cipher: opts.pptCipher,
    ppt_keyid: opts.pptKeyid });
}
const serializers = { cbor: CborSerializer, msgpack: MsgpackSerializer, json: JsonSerializer };
if (!serializers[opts.serializer]) usage(`unknown serializer ${opts.serializer}`);

const out = (line) => process.stdout.write(line + '\n');
let done = 0;
const dropped = [];

const client = new Wampy(opts.url, {
  realm: 'realm1', ws: W3CWebSocket, serializer: new serializers[opts.serializer](), autoReconnect: false,
  payloadSerializers: { cbor: pptSerializer },
  // An ABORT from the router after joining (wampy then closes the connection).
  onError: (e) => {
    if (e && e.name === 'AbortedError') out(`{"abort":${toJson({ error: e.errorUri, details: e.details })}}`);
  },
  debug: true,
  // wampy reports a PPT message it cannot open only through its debug log.
  logger: (args) => {
    const text = args.map((a) => (typeof a === 'object' && a !== null && !(a.target) ? toJson(a) : String(a))).join(' ');
    if (process.env.WAMPY_LIVE_DEBUG) process.stderr.write(`[wampy] ${text}\n`);
    // wampy's own PPT failure texts (WAMP_ERROR_MSG.PPT_* in wampy.cjs)
    if (/Passthru Mode is not supported|PPT scheme is invalid|PPT serializer is invalid|serialize\/deserialize payload/
      .test(text)) {
      const why = pptSerializer.lastError ? ` (serializer: ${pptSerializer.lastError.message})` : '';
      dropped.push(text + why);
      out(JSON.stringify({ dropped: text + why }));
    }
  },
});

function finish(rc, extra = {}) {
  out(JSON.stringify({ summary: { done, dropped: dropped.length, ...extra } }));
  const exit = () => process.exit(rc);
  client.disconnect().then(exit, exit);
  setTimeout(exit, 1000).unref();
}

function payloadArg(argsText, kwargsText) {
  const p = { argsList: fromJson(argsText) };
  if (kwargsText !== undefined) p.argsDict = fromJson(kwargsText);
  return p;
}

async function main() {
  const timer = setTimeout(() => {
    out(JSON.stringify({ error: 'wamp.error.timeout', args: [`${pos[0]} did not complete`] }));
    finish(1);
  }, opts.timeoutMs);
  process.on('unhandledRejection', (e) => {
    out(JSON.stringify({ error: 'wampy.unhandled_rejection', args: [String(e && e.message)] }));
    finish(1);
  });
  const [command, uri, a1, a2] = pos;
  try {
    await client.connect();
    if (command === 'publish') {
      await client.publish(uri, payloadArg(a1, a2), opts.pptKey ? pptOptions : undefined);
      done += 1;
      out(JSON.stringify({ published: true }));
    } else if (command === 'subscribe') {
      await new Promise((resolve, reject) => {
        client.subscribe(uri, (ev) => {
          done += 1;
          out(payloadLine('event', ev));
          if (done >= opts.count) resolve();
        }, opts.subscribeOptions || undefined).then((r) => out(JSON.stringify({ ready: { subscription: r.subscriptionId } })),
          reject);
      });
    } else if (command === 'call') {
      const r = await client.call(uri, payloadArg(a1, a2), opts.pptKey ? pptOptions : undefined);
      done += 1;
      out(payloadLine('result', r));
    } else if (command === 'serve') {
      await new Promise((resolve, reject) => {
        client.register(uri, (inv) => {
          done += 1;
          out(payloadLine('invocation', inv));
          if (done >= opts.count) setTimeout(resolve, 200); // let the YIELD go out first
          const res = {};
          if (inv.argsList !== undefined) res.argsList = asMode(inv.argsList);
          if (inv.argsDict !== undefined) res.argsDict = asMode(inv.argsDict);
          if (opts.pptKey) res.options = pptOptions;
          return res;
        }).then((r) => out(JSON.stringify({ ready: { registration: r.registrationId } })), reject);
      });
    } else {
      usage(`unknown command ${command}`);
    }
  } catch (e) {
    clearTimeout(timer);
    const err = e && e.error ? { error: e.error, args: e.argsList || [], details: e.details }
      : { error: 'wampy.error', args: [String((e && e.message) || e)], name: e && e.name };
    out(JSON.stringify(err));
    return finish(1);
  }
  clearTimeout(timer);
  finish(0);
}

main();
