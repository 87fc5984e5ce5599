'use strict';
// The user-supplied half of wampy.js 8.0.2's Payload PassThru Mode: wampy builds
// the PPT framing itself (Options ppt_*, Arguments [binary], the inner
// {args, kwargs}) and hands the inner object to `payloadSerializers[ppt_serializer]`
// (wampy.cjs `_packPPTPayload` / `_unpackPPTPayload`). It has no cipher (a TODO
// upstream), so end-to-end encryption means registering an encrypting serializer
// under the name `cbor`. This is that serializer, shared by the conformance
// adapter (adapter.js) and the live client (live.js):
//   inner CBOR   wampy's own CborSerializer (cbor-x with wampy's options)
//   ciphers      xsalsa20poly1305 = tweetnacl secretbox, laid out nonce(24) || mac(16) || ct;
//                aes256gcm = Node's crypto (OpenSSL) AES-256-GCM, nonce(12) || ct || tag(16), no AAD
//                (connectanum-dart's layouts, docs/ppt.md). wampy calls the serializer
//                synchronously, so WebCrypto (asynchronous, a browser's only AES-GCM) cannot be
//                used here: in a browser a wampy application has no aes256gcm.
//
// wampy calls encode(obj) / decode(bytes) with nothing else: not the URI, not
// ppt_cipher, not ppt_keyid. The serializer therefore cannot choose a key per
// message; whoever sends or receives sets `context` first (the key to use, or
// a function that picks it from the message's attributes). A wampy application
// with one key per client sets it once.
//
// Failures are thrown as PptError with a conformance error code; wampy catches
// every exception of a serializer and replaces it with its own
// PPTSerializationError ("Can not serialize/deserialize payload"), so the
// serializer keeps the last error in `lastError` for the caller to report.

const nodeCrypto = require('crypto');
const nacl = require('tweetnacl');
const { CborSerializer } = require('wampy/CborSerializer.js');

const XS = 'xsalsa20poly1305';
const AES = 'aes256gcm';

class PptError extends Error {
  constructor(code, message) { super(message || code); this.code = code; }
}

class EncryptingCborSerializer {
  /** binary: what encode() returns, 'uint8array' (tweetnacl's type, the only one
   *  in a browser) or Node's 'buffer'. wampy's CBOR transport serializer writes a
   *  Uint8Array as CBOR tag 64 around the bytes and a Buffer as a plain byte
   *  string (docs/wampy.md). */
  constructor({ binary = 'uint8array' } = {}) {
    this.binary = binary;
    this.cbor = new CborSerializer(); // wampy's default cbor-x options
    this.protocol = 'cbor';
    this.isBinary = true;
    // { key: Uint8Array(32) | null (no cipher: plain CBOR), cipher, nonce?: Uint8Array(24) (tests only) }
    // or a function () => that object, called once per encode/decode.
    this.context = null;
    this.lastError = null;
    this.lastPlaintext = null;
  }

  _ctx() {
    const c = typeof this.context === 'function' ? this.context() : this.context;
    if (!c) throw new PptError('no_key', 'the serializer has no key configured');
    return c;
  }

  _guard(f) {
    this.lastError = null;
    try {
      return f();
    } catch (e) {
      this.lastError = e;
      throw e;
    }
  }

  encode(obj) {
    return this._guard(() => {
      const c = this._ctx();
      const pt = this.cbor.encode(obj);
      this.lastPlaintext = Uint8Array.from(pt);
      if (c.key === null) return this._out(pt);
      if (c.cipher === AES) {
        const nonce = c.nonce || nodeCrypto.randomBytes(12);
        const enc = nodeCrypto.createCipheriv('aes-256-gcm', c.key, nonce);
        const ct = Buffer.concat([enc.update(pt), enc.final()]);
        return this._out(Buffer.concat([nonce, ct, enc.getAuthTag()]));
      }
      if (c.cipher !== XS) throw new PptError('unsupported_enc_algo', `cipher ${c.cipher}`);
      const nonce = c.nonce || nacl.randomBytes(24);
      const out = new Uint8Array(24 + 16 + pt.length);
      out.set(nonce, 0);
      out.set(nacl.secretbox(pt, nonce, c.key), 24);
      return this._out(out);
    });
  }

  _out(bytes) {
    return this.binary === 'buffer' ? Buffer.from(bytes) : Uint8Array.from(bytes);
  }

  decode(bytes) {
    return this._guard(() => {
      const c = this._ctx();
      let pt = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
      if (c.key !== null && c.cipher === AES) {
        if (pt.length < 28) throw new PptError('decrypt_failed', 'shorter than nonce + tag');
        const dec = nodeCrypto.createDecipheriv('aes-256-gcm', c.key, pt.subarray(0, 12));
        dec.setAuthTag(pt.subarray(pt.length - 16));
        try {
          pt = Buffer.concat([dec.update(pt.subarray(12, pt.length - 16)), dec.final()]);
        } catch (e) {
          throw new PptError('decrypt_failed', 'tag does not verify');
        }
      } else if (c.key !== null) {
        if (c.cipher !== XS) throw new PptError('unsupported_enc_algo', `cipher ${c.cipher}`);
        if (pt.length < 40) throw new PptError('decrypt_failed', 'shorter than nonce + MAC');
        const m = nacl.secretbox.open(pt.subarray(24), pt.subarray(0, 24), c.key);
        if (m === null) throw new PptError('decrypt_failed', 'MAC does not verify');
        pt = m;
      }
      this.lastPlaintext = Uint8Array.from(pt);
      try {
        return this.cbor.decode(pt);
      } catch (e) {
        throw new PptError('parse_error', `inner CBOR: ${e.message}`);
      }
    });
  }
}

module.exports = { EncryptingCborSerializer, PptError, XS, AES };
