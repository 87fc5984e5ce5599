'use strict';
// The WAMP message layer of WAMP-cryptobox as Autobahn|Python 22.7.1 defines
// it (autobahn/wamp/message.py: each class's parse(), constructor asserts and
// marshal(); serializer.py: Serializer.unserialize), for the seven
// payload-carrying messages, on the corpus's typed values. Written from that
// source read as a specification and from conformance/PROTOCOL.md; it shares no
// code with Autobahn or wampbox. Serializations are in wire.js.
//
// Every check Autobahn makes when it reads a message is made here, with
// Python's semantics: `type(x) == int` (a bool is not an int), dict.get and
// truthiness for enc_* (null means absent), the URI pattern in Python's `re`
// dialect. A message that Autobahn would reject with ProtocolError, or with
// an AssertionError from the message class's constructor, is a protocol_error.

const { serializer, WireError } = require('./wire');

const TYPES = { PUBLISH: 16, EVENT: 36, CALL: 48, INVOCATION: 68, YIELD: 70, RESULT: 50, ERROR: 8 };
const NAMES = Object.fromEntries(Object.entries(TYPES).map(([k, v]) => [v, k]));
// ERROR.request_type: SUBSCRIBE, UNSUBSCRIBE, PUBLISH, REGISTER, UNREGISTER, CALL, INVOCATION.
const ERROR_REQUEST_TYPES = new Set([32, 34, 16, 64, 66, 48, 68]);
const MAX_ID = 9007199254740992n; // 2^53, check_or_raise_id

// Wire layout per type: id fields after the type code, whether Options/Details
// precede a URI, and which element types Autobahn's parse() takes as a payload
// (PUBLISH, CALL and RESULT test `type(x) in [str, bytes]`, the others `== bytes`;
// a str payload then fails the constructor's `type(payload) == bytes` assert).
const LAYOUT = {
  PUBLISH: { ids: ['request'], uri: true, payloadTypes: ['bytes', 'str'] },
  EVENT: { ids: ['subscription', 'publication'], uri: false, payloadTypes: ['bytes'] },
  CALL: { ids: ['request'], uri: true, payloadTypes: ['bytes', 'str'] },
  INVOCATION: { ids: ['request', 'registration'], uri: false, payloadTypes: ['bytes'] },
  YIELD: { ids: ['request'], uri: false, payloadTypes: ['bytes'] },
  RESULT: { ids: ['request'], uri: false, payloadTypes: ['bytes', 'str'] },
  ERROR: { ids: ['requestType', 'request'], uri: true, payloadTypes: ['bytes'] },
};

// Options/Details attributes each parse() checks, and the order its marshal()
// writes them in. ENC marks where enc_algo, enc_key, enc_serializer go.
const ENC = 'ENC';
const FF = ['forward_for'];
const ATTRS = {
  PUBLISH: {
    order: ['acknowledge', 'exclude_me', 'exclude', 'exclude_authid', 'exclude_authrole', 'eligible', 'eligible_authid',
      'eligible_authrole', 'retain', 'transaction_hash', ENC, 'forward_for'],
    types: { acknowledge: 'bool', exclude_me: 'bool', exclude: 'list:int', exclude_authid: 'list:str',
      exclude_authrole: 'list:str', eligible: 'list:int', eligible_authid: 'list:str', eligible_authrole: 'list:str',
      retain: 'bool', transaction_hash: 'str' },
  },
  EVENT: {
    order: ['publisher', 'publisher_authid', 'publisher_authrole', 'topic', 'retained', 'transaction_hash',
      'x_acknowledged_delivery', 'forward_for', ENC],
    types: { publisher: 'int', publisher_authid: 'str', publisher_authrole: 'str', topic: 'str', retained: 'bool',
      transaction_hash: 'str', x_acknowledged_delivery: 'bool' },
  },
  CALL: {
    order: ['timeout', 'receive_progress', 'transaction_hash', ENC, 'caller', 'caller_authid', 'caller_authrole',
      'forward_for'],
    types: { timeout: 'uint', receive_progress: 'bool', transaction_hash: 'str', caller: 'int', caller_authid: 'str',
      caller_authrole: 'str' },
  },
  INVOCATION: {
    order: ['timeout', 'receive_progress', 'caller', 'caller_authid', 'caller_authrole', 'procedure',
      'transaction_hash', 'forward_for', ENC],
    types: { timeout: 'uint', receive_progress: 'bool', caller: 'int', caller_authid: 'str', caller_authrole: 'str',
      procedure: 'str', transaction_hash: 'str' },
  },
  YIELD: {
    order: ['progress', 'callee', 'callee_authid', 'callee_authrole', 'forward_for', ENC],
    types: { progress: 'bool', callee: 'int', callee_authid: 'str', callee_authrole: 'str' },
  },
  RESULT: {
    order: ['progress', 'callee', 'callee_authid', 'callee_authrole', 'forward_for', ENC],
    types: { progress: 'bool', callee: 'int', callee_authid: 'str', callee_authrole: 'str' },
  },
  ERROR: {
    order: ['callee', 'callee_authid', 'callee_authrole', 'forward_for', ENC],
    types: { callee: 'int', callee_authid: 'str', callee_authrole: 'str' },
  },
};
void FF;

const proto = (msg) => new WireError('protocol_error', msg);
const kind = (tv) => Object.keys(tv)[0];
const dictGet = (d, k) => { const e = d.dict.find(([kk]) => kk === k); return e ? e[1] : undefined; };

// Python truthiness of a typed value.
function truthy(tv) {
  const k = kind(tv);
  const v = tv[k];
  switch (k) {
    case 'null': return false;
    case 'bool': return v;
    case 'int': return BigInt(v) !== 0n;
    case 'float': { const x = Buffer.from(v, 'hex').readDoubleBE(0); return x !== 0 || Number.isNaN(x); }
    case 'str': return v.length > 0;
    case 'bytes': return v.length > 0;
    case 'list': return v.length > 0;
    case 'dict': return v.length > 0;
    default: return true;
  }
}

// Python's `re` \s for str patterns (str.isspace()): ASCII \t \n \v \f \r,
// the separators \x1c-\x1f, space, and Unicode White_Space (U+0085, U+00A0,
// U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). JavaScript's
// \s differs (it has U+FEFF and lacks \x1c-\x1f and U+0085), so the class is
// spelled out. Listed by `[c for c in range(0x110000) if re.match(r'\s', chr(c))]`.
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
// message.py _URI_PAT_LOOSE_NON_EMPTY = ^([^\s\.#]+\.)*([^\s\.#]+)$ used with
// re.match. Python's $ also matches just before a final "\n", so one trailing
// newline is accepted (check_or_raise_uri returns the value with it).
const URI_RE = new RegExp(`^([^${PY_SPACE}.#]+\\.)*([^${PY_SPACE}.#]+)$`, 'u');
function isUri(s) {
  const t = s.endsWith('\n') ? s.slice(0, -1) : s;
  return URI_RE.test(t);
}

// is_valid_enc_algo / is_valid_enc_serializer: a standard name or
// _CUSTOM_ATTRIBUTE = ^x_([a-z][\da-z_]+)?$ (re.match; $ as above).
const CUSTOM_RE = /^x_([a-z][0-9a-z_]+)?$/;
const isCustom = (s) => CUSTOM_RE.test(s.endsWith('\n') ? s.slice(0, -1) : s);
const ENC_ALGOS = new Set(['cryptobox', 'mqtt', 'xbr']);
const ENC_SERIALIZERS = new Set(['json', 'msgpack', 'cbor', 'ubjson', 'flatbuffers']);
const validEncAlgo = (tv) => 'str' in tv && (ENC_ALGOS.has(tv.str) || isCustom(tv.str));
const validEncSerializer = (tv) => 'str' in tv && (ENC_SERIALIZERS.has(tv.str) || isCustom(tv.str));

function checkId(tv, what) {
  if (!('int' in tv)) throw proto(`invalid type for ${what}`);
  const v = BigInt(tv.int);
  if (v < 0n || v > MAX_ID) throw proto(`invalid value ${v} for ${what}`);
  return Number(v);
}

function checkAttr(name, spec, tv, mtype) {
  const bad = () => proto(`invalid type/value for '${name}' in ${mtype}`);
  switch (spec) {
    case 'bool': if (!('bool' in tv)) throw bad(); break;
    case 'str': if (!('str' in tv)) throw bad(); break;
    case 'int': if (!('int' in tv)) throw bad(); break;
    case 'uint': if (!('int' in tv) || BigInt(tv.int) < 0n) throw bad(); break; // timeout: int, >= 0
    case 'list:int': if (!('list' in tv) || !tv.list.every((x) => 'int' in x)) throw bad(); break;
    case 'list:str': if (!('list' in tv) || !tv.list.every((x) => 'str' in x)) throw bad(); break;
    default: throw new Error(spec);
  }
}

// forward_for: parse() only requires a list (its loop breaks but sets
// valid = True whatever it found); the constructor then asserts each entry:
// a dict with 'session' an int, 'authid' present and null or str, 'authrole' a str.
function checkForwardFor(tv, mtype) {
  if (!('list' in tv)) throw proto(`invalid type for 'forward_for' in ${mtype}`);
  for (const ff of tv.list) {
    const ok = 'dict' in ff && (() => {
      const s = dictGet(ff, 'session');
      const a = dictGet(ff, 'authid');
      const r = dictGet(ff, 'authrole');
      return s !== undefined && 'int' in s && a !== undefined && ('null' in a || 'str' in a) &&
        r !== undefined && 'str' in r;
    })();
    if (!ok) throw proto(`invalid entry in 'forward_for' in ${mtype}`);
  }
}

// Serializer.unserialize + <Class>.parse + the constructor's asserts. Returns
// the message as on the wire (PROTOCOL.md section 5): options in wire order,
// args/kwargs present iff on the wire, or payload.
function parseMessage(wire) {
  if (!('list' in wire)) throw proto('WAMP message is not a list');
  const w = wire.list;
  if (w.length === 0) throw proto('missing message type');
  if (!('int' in w[0])) throw proto('message type is not an integer');
  const mtype = NAMES[Number(BigInt(w[0].int))];
  if (!mtype || BigInt(w[0].int) > 1000n) throw proto(`message type ${w[0].int} is not a payload-carrying message`);
  const L = LAYOUT[mtype];
  const base = 1 + L.ids.length + 1 + (L.uri ? 1 : 0); // elements before Arguments/Payload
  if (w.length < base || w.length > base + 2) throw proto(`invalid message length ${w.length} for ${mtype}`);
  const msg = { type: mtype };
  let i = 1;
  for (const id of L.ids) {
    if (id === 'requestType') {
      if (!('int' in w[i])) throw proto("invalid type for 'request_type' in ERROR");
      const rt = BigInt(w[i].int);
      if (rt > 1000n || !ERROR_REQUEST_TYPES.has(Number(rt))) throw proto(`invalid value ${rt} for 'request_type' in ERROR`);
      msg.requestType = Number(rt);
    } else {
      msg[id] = checkId(w[i], `'${id}' in ${mtype}`);
    }
    i++;
  }
  const options = w[i++];
  if (!('dict' in options)) throw proto(`Options/Details of ${mtype} is not a dict`); // check_or_raise_extra
  msg.options = options;
  if (L.uri) {
    const u = w[i++];
    if (!('str' in u)) throw proto(`invalid type for the URI of ${mtype}`);
    if (!isUri(u.str)) throw proto(`invalid URI ${JSON.stringify(u.str)} in ${mtype}`);
    msg.uri = u.str;
  }
  const rest = w.slice(i);
  const opt = (k) => dictGet(options, k);
  if (rest.length === 1 && L.payloadTypes.includes(kind(rest[0]))) {
    if (!('bytes' in rest[0])) throw proto(`text payload in ${mtype} (the constructor asserts bytes)`);
    const encAlgo = opt('enc_algo');
    const encKey = opt('enc_key');
    const encSer = opt('enc_serializer');
    // parse(): `if enc_algo and not is_valid_enc_algo(enc_algo)` etc.; the
    // constructor asserts `enc_algo is None or is_valid_enc_algo(...)`, so any
    // non-null value must be valid (a falsy one too), and a null is absent.
    const present = (tv) => tv !== undefined && !('null' in tv);
    if (present(encAlgo) && !validEncAlgo(encAlgo)) throw proto(`invalid enc_algo in ${mtype}`);
    if (present(encKey) && !('str' in encKey)) throw proto(`invalid enc_key in ${mtype}`);
    if (present(encSer) && !validEncSerializer(encSer)) throw proto(`invalid enc_serializer in ${mtype}`);
    // assert (enc_algo is None and enc_key is None and enc_serializer is None) or enc_algo is not None
    if (!present(encAlgo) && (present(encKey) || present(encSer))) throw proto(`enc_key/enc_serializer without enc_algo in ${mtype}`);
    msg.payload = rest[0].bytes;
  } else {
    if (rest.length > 0) {
      const a = rest[0];
      const ok = mtype === 'PUBLISH' ? ['list', 'str', 'bytes'].includes(kind(a)) : ('list' in a || 'null' in a);
      if (!ok) throw proto(`invalid type for 'args' in ${mtype}`);
      msg.args = a;
    }
    if (rest.length > 1) {
      // PUBLISH's parse() lets str/bytes kwargs through; the constructor's
      // _validate_kwargs then requires a dict, as every other parse() does.
      if (!('dict' in rest[1])) throw proto(`invalid type for 'kwargs' in ${mtype}`);
      msg.kwargs = rest[1];
    }
  }
  const A = ATTRS[mtype];
  for (const [name, spec] of Object.entries(A.types)) {
    const v = opt(name);
    if (v !== undefined) checkAttr(name, spec, v, mtype);
  }
  if (opt('forward_for') !== undefined) checkForwardFor(opt('forward_for'), mtype);
  return msg;
}

// <Class>.marshal(): the wire list for a message given as in PROTOCOL.md
// section 5. Options/Details are rebuilt in marshal() order from the
// attributes Autobahn's classes carry; enc_* only when there is a non-empty
// payload (`if self.payload:`); an attribute Autobahn's classes do not have
// cannot be written by marshal() and is refused.
function marshal(msg) {
  const mtype = msg.type;
  const L = LAYOUT[mtype];
  const A = ATTRS[mtype];
  if (!L) throw new WireError('invalid_argument', `unknown message type ${mtype}`);
  const given = new Map();
  for (const [k, v] of (msg.options || { dict: [] }).dict) given.set(k, v);
  const payload = msg.payload ? msg.payload : '';
  const opts = [];
  for (const name of A.order) {
    if (name === ENC) {
      if (!payload) continue;
      for (const e of ['enc_algo', 'enc_key', 'enc_serializer']) {
        const v = given.get(e);
        if (v !== undefined && !('null' in v)) opts.push([e, v]);
      }
    } else if (given.has(name) && !('null' in given.get(name))) {
      opts.push([name, given.get(name)]);
    }
  }
  for (const k of given.keys()) {
    if (!A.order.includes(k) && !k.startsWith('enc_')) {
      throw new WireError('unencodable', `${mtype} has no attribute ${k} (marshal() cannot write it)`);
    }
  }
  const out = [{ int: String(TYPES[mtype]) }];
  for (const id of L.ids) out.push({ int: String(msg[id]) });
  out.push({ dict: opts });
  if (L.uri) out.push({ str: msg.uri });
  if (payload) {
    out.push({ bytes: payload });
  } else {
    const args = msg.args || { null: null };
    const kwargs = msg.kwargs || { null: null };
    if (truthy(kwargs)) out.push(args, kwargs);
    else if (truthy(args)) out.push(args);
  }
  return { list: out };
}

// Roles: the sealing role of a type (PUBLISH, CALL: originator; YIELD, ERROR:
// responder) and the opening role (EVENT, INVOCATION: responder; RESULT,
// ERROR: originator).
const SEAL_ROLE = { PUBLISH: 'originator', CALL: 'originator', YIELD: 'responder', ERROR: 'responder' };
const OPEN_ROLE = { EVENT: 'responder', INVOCATION: 'responder', RESULT: 'originator', ERROR: 'originator' };

// Handlers for the protocol's message-layer operations. env supplies the
// envelope: buildRing(entries), encodePayload(ring, role, uri, args, kwargs,
// nonceBytes) -> {plaintext, payload} | null (no key), decodePayload(ring,
// role, uri, encAlgo, encSerializer, payloadBytes) -> {args, kwargs}, and Fail.
function makeMessageHandlers(env) {
  const H = {};
  const hex = (b) => Buffer.from(b).toString('hex');
  const unhex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
  const wrap = (f) => (i) => {
    try {
      return f(i);
    } catch (e) {
      if (e instanceof WireError) throw new env.Fail(e.code, e.message);
      throw e;
    }
  };
  const decode = (i) => parseMessage(serializer(i.serializer).decode(unhex(i.frame)));
  const encode = (ser, msg) => hex(serializer(ser).encode(marshal(msg)));

  H.frame_encode = wrap((i) => ({ frame: encode(i.serializer, i.message) }));
  H.frame_decode = wrap((i) => ({ message: decode(i) }));

  H.frame_seal = wrap((i) => {
    const m = i.message;
    const role = SEAL_ROLE[m.type];
    if (!role) throw new env.Fail('invalid_argument', `${m.type} is not sent sealed by a client`);
    const nonce = unhex(i.nonce);
    const sealed = env.encodePayload(env.buildRing(i.keyring), role, i.payloadUri, m.args, m.kwargs, nonce);
    if (sealed === null) return { frame: encode(i.serializer, m) }; // no key: the plain message
    const options = { dict: m.options.dict.filter(([k]) => !k.startsWith('enc_')).concat(
      [['enc_algo', { str: 'cryptobox' }], ['enc_serializer', { str: 'json' }]]) };
    const out = Object.assign({}, m, { options, payload: sealed.payload });
    delete out.args;
    delete out.kwargs;
    return { frame: encode(i.serializer, out) };
  });

  H.frame_decode_open = wrap((i) => {
    const msg = decode(i);
    if (msg.payload === undefined) return { message: msg }; // plain: as received (no downgrade policy here)
    const role = OPEN_ROLE[msg.type];
    if (!role) throw new env.Fail('invalid_argument', `${msg.type} is not opened by a client`);
    const opt = (k) => { const e = msg.options.dict.find(([kk]) => kk === k); return e && !('null' in e[1]) ? e[1] : null; };
    // Autobahn's session keys the payload by `msg.topic or subscription.topic`
    // (EVENT) and `msg.procedure or registration.procedure` (INVOCATION): a
    // Details URI wins when truthy; ERROR by its error URI.
    let uri = i.uri;
    if (msg.type === 'EVENT' && opt('topic') && opt('topic').str) uri = opt('topic').str;
    if (msg.type === 'INVOCATION' && opt('procedure') && opt('procedure').str) uri = opt('procedure').str;
    if (msg.type === 'ERROR') uri = msg.uri;
    const encAlgo = opt('enc_algo');
    const encSer = opt('enc_serializer');
    const { args, kwargs } = env.decodePayload(env.buildRing(i.keyring), role, uri, encAlgo ? encAlgo.str : null,
      encSer ? encSer.str : null, unhex(msg.payload));
    const out = Object.assign({}, msg);
    out.options = { dict: msg.options.dict.filter(([k]) => !['enc_algo', 'enc_key', 'enc_serializer'].includes(k)) };
    delete out.payload;
    out.args = args;
    out.kwargs = kwargs;
    return { message: out };
  });
  return H;
}

module.exports = { makeMessageHandlers, parseMessage, marshal, isUri, TYPES };
