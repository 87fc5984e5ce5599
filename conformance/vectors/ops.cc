#include "ops.h"

#include <array>
#include <bit>
#include <cstring>
#include <optional>

#include "wampbox/cryptobox.h"
#include "wampbox/error.h"
#include "wampbox/keyring.h"
#include "wampbox/keys.h"
#include "wampbox/message.h"
#include "wampbox/ppt.h"
#ifdef WAMPBOX_HAVE_PPT_EXT
#include "wampbox/ppt_ext.h"
#endif

namespace wampbox::vectors {
namespace {

using Key32 = std::array<std::uint8_t, kKeyBytes>;
using Nonce = std::array<std::uint8_t, kNonceBytes>;

Output One(std::string name, OutField v) {
  Output o;
  o.emplace_back(std::move(name), std::move(v));
  return o;
}

Serializer SerializerOf(Attrs& in) {
  std::string name = in.str("serializer");
  auto s = serializer_from_string(name);
  if (!s) throw Unsupported("serializer " + name);
  return *s;
}

// Message inputs: an unknown type is "unsupported" for the protocol.
Message MessageOf(Attrs& in, std::string_view k) {
  dom::element e = in.get(k);
  if (e.type() == dom::element_type::OBJECT) {
    dom::element t;
    if (!dom::object(e)["type"].get(t) && t.type() == dom::element_type::STRING &&
        !message_type_from_string(std::string_view(t))) {
      throw Unsupported("message type " + std::string(std::string_view(t)));
    }
  }
  return ToMessage(e, in.where() + "." + std::string(k));
}

KeyRing RingOf(Attrs& in) { return ToKeyRing(in.get("keyring"), in.where() + ".keyring"); }

PayloadCodecOptions CodecOptions(const OpContext& ctx) {
  PayloadCodecOptions o;
  if (ctx.backend != nullptr) o.backend = ctx.backend;
  return o;
}

OutField SharedOf(const Key* k, Role r) {
  if (k == nullptr || !k->has_role(r)) return std::monostate{};
  const SharedKey& s = k->shared(r);
  return Bytes(s.bytes().begin(), s.bytes().end());
}

SharedKey Derive(const Key32& sk, const Key32& pk) {
  PublicKey p;
  p.bytes = pk;
  return SharedKey::derive(p, SecretKey::from_bytes(std::span<const std::uint8_t, 32>(sk)));
}

// ct (mac || ciphertext, no nonce) through the library's payload primitive (nonce || ct).
Bytes SealWith(const SharedKey& k, const Nonce& nonce, const Bytes& msg) {
  Bytes out;
  box_seal_append_for_testing(k, msg, out, nonce);
  if (out.size() < kNonceBytes || !std::equal(nonce.begin(), nonce.end(), out.begin())) {
    throw std::runtime_error("box_seal_append did not prefix the nonce");
  }
  return Bytes(out.begin() + kNonceBytes, out.end());
}
Bytes OpenWith(const SharedKey& k, const Nonce& nonce, const Bytes& ct) {
  Bytes payload(nonce.begin(), nonce.end());
  payload.insert(payload.end(), ct.begin(), ct.end());
  Bytes out;
  box_open_into(k, payload, out);
  return out;
}

// Backend mode: CryptoBackend's false becomes the library's error.
void Refused(bool ok, ErrorCode code, const char* what) {
  if (!ok) throw Error(code, what);
}
void NeedMac(const Bytes& ct) {
  if (ct.size() < kMacBytes) throw Error(ErrorCode::kDecryptFailed, "box shorter than the MAC");
}

Output BoxSeal(Attrs& in, const OpContext& ctx) {
  auto sk = in.fixed<32>("sk");
  auto pk = in.fixed<32>("pk");
  auto nonce = in.fixed<kNonceBytes>("nonce");
  Bytes msg = in.hex("msg");
  if (ctx.backend != nullptr) {
    Bytes ct(msg.size() + kMacBytes);
    Refused(ctx.backend->seal(ct, msg, nonce, pk, sk), ErrorCode::kInvalidKey, "the backend refused the public key");
    return One("ct", std::move(ct));
  }
  return One("ct", SealWith(Derive(sk, pk), nonce, msg));
}

Output BoxOpen(Attrs& in, const OpContext& ctx) {
  auto sk = in.fixed<32>("sk");
  auto pk = in.fixed<32>("pk");
  auto nonce = in.fixed<kNonceBytes>("nonce");
  Bytes ct = in.hex("ct");
  if (ctx.backend != nullptr) {
    NeedMac(ct);
    Bytes msg(ct.size() - kMacBytes);
    Refused(ctx.backend->open(msg, ct, nonce, pk, sk), ErrorCode::kDecryptFailed, "the box did not open");
    return One("msg", std::move(msg));
  }
  std::optional<SharedKey> key;
  try {
    key.emplace(Derive(sk, pk));
  } catch (const Error& e) {
    throw Error(ErrorCode::kDecryptFailed, e.what());  // a box for a refused public key cannot be opened
  }
  return One("msg", OpenWith(*key, nonce, ct));
}

Output Beforenm(Attrs& in, const OpContext& ctx) {
  auto sk = in.fixed<32>("sk");
  auto pk = in.fixed<32>("pk");
  if (ctx.backend != nullptr) {
    Key32 k{};
    Refused(ctx.backend->beforenm(k, pk, sk), ErrorCode::kInvalidKey, "the backend refused the public key");
    return One("k", Bytes(k.begin(), k.end()));
  }
  SharedKey s = Derive(sk, pk);
  return One("k", Bytes(s.bytes().begin(), s.bytes().end()));
}

Output BoxSealAfternm(Attrs& in, const OpContext& ctx) {
  auto k = in.fixed<32>("k");
  auto nonce = in.fixed<kNonceBytes>("nonce");
  Bytes msg = in.hex("msg");
  if (ctx.backend != nullptr) {
    Bytes ct(msg.size() + kMacBytes);
    Refused(ctx.backend->seal_afternm(ct, msg, nonce, k), ErrorCode::kInvalidArgument, "seal_afternm failed");
    return One("ct", std::move(ct));
  }
  return One("ct", SealWith(SharedKey::from_bytes(std::span<const std::uint8_t, 32>(k)), nonce, msg));
}

Output BoxOpenAfternm(Attrs& in, const OpContext& ctx) {
  auto k = in.fixed<32>("k");
  auto nonce = in.fixed<kNonceBytes>("nonce");
  Bytes ct = in.hex("ct");
  if (ctx.backend != nullptr) {
    NeedMac(ct);
    Bytes msg(ct.size() - kMacBytes);
    Refused(ctx.backend->open_afternm(msg, ct, nonce, k), ErrorCode::kDecryptFailed, "the box did not open");
    return One("msg", std::move(msg));
  }
  return One("msg", OpenWith(SharedKey::from_bytes(std::span<const std::uint8_t, 32>(k)), nonce, ct));
}

Output KeyParse(Attrs& in, const OpContext&) {
  std::string text = in.str("text");
  PublicKey p = PublicKey::parse(text);
  SecretKey s = SecretKey::parse(text);  // the same accepted forms
  if (!std::equal(p.bytes.begin(), p.bytes.end(), s.bytes().begin())) {
    throw std::runtime_error("PublicKey::parse and SecretKey::parse differ");
  }
  return One("key", Bytes(p.bytes.begin(), p.bytes.end()));
}

Output KeyBuild(Attrs& in, const OpContext&) {
  Attrs parts(in.get("key"), in.where() + ".key");
  Key k = ToKey(parts);
  parts.finish();
  Output o;
  o.emplace_back("originatorSharedKey", SharedOf(&k, Role::kOriginator));
  o.emplace_back("responderSharedKey", SharedOf(&k, Role::kResponder));
  return o;
}

Output KeyringResolve(Attrs& in, const OpContext&) {
  std::string uri = in.str("uri");
  Role role = ToRole(in.str("role"));
  KeyRing ring = RingOf(in);
  std::optional<std::string> prefix = ring.matched_prefix(uri);
  const Key* k = ring.find(uri);
  if ((k != nullptr) != prefix.has_value()) throw std::runtime_error("find() and matched_prefix() disagree");
  Output o;
  o.emplace_back("prefix", prefix ? OutField(*prefix) : OutField(std::monostate{}));
  o.emplace_back("sharedKey", SharedOf(k, role));
  return o;
}

Output PayloadEncode(Attrs& in, const OpContext& ctx) {
  Role role = ToRole(in.str("role"));
  std::string uri = in.str("uri");
  Value args = ToValue(in.get("args"), in.where() + ".args");
  Value kwargs = ToValue(in.get("kwargs"), in.where() + ".kwargs");
  auto nonce = in.fixed<kNonceBytes>("nonce");
  KeyRing ring = RingOf(in);
  PayloadCodec codec(ring, CodecOptions(ctx));
  std::optional<EncodedPayload> enc = codec.encode_for_testing(role, uri, args, kwargs, nonce);
  Output o;
  if (!enc) {
    o.emplace_back("plaintext", std::monostate{});
    o.emplace_back("payload", std::monostate{});
    return o;
  }
  if (enc->enc_algo != "cryptobox" || enc->enc_serializer != "json" || enc->enc_key) {
    throw std::runtime_error("encode gave other enc_* attributes than cryptobox/json/no key");
  }
  std::string pt;
  cryptobox_plaintext_append(uri, args, kwargs, pt);
  o.emplace_back("plaintext", Bytes(pt.begin(), pt.end()));
  o.emplace_back("payload", std::move(enc->payload));
  return o;
}

Output PayloadDecode(Attrs& in, const OpContext& ctx) {
  Role role = ToRole(in.str("role"));
  std::string uri = in.str("uri");
  EncodedPayload p;
  p.enc_algo = in.str_or_null("encAlgo").value_or("");
  p.enc_serializer = in.str_or_null("encSerializer").value_or("");
  p.payload = in.hex("payload");
  KeyRing ring = RingOf(in);
  PayloadCodec codec(ring, CodecOptions(ctx));
  DecodedPayload d = codec.decode(role, uri, p);
  if (d.uri != uri) throw std::runtime_error("decode accepted a payload for " + d.uri + " as " + uri);
  Output o;
  o.emplace_back("args", d.args);
  o.emplace_back("kwargs", d.kwargs);
  return o;
}

Output FrameEncode(Attrs& in, const OpContext&) {
  Message m = MessageOf(in, "message");
  return One("frame", encode_frame(m, SerializerOf(in)));
}

Output FrameDecode(Attrs& in, const OpContext&) {
  Bytes frame = in.hex("frame");
  return One("message", decode_frame(frame, SerializerOf(in)));
}

Output FrameSeal(Attrs& in, const OpContext& ctx) {
  Message m = MessageOf(in, "message");
  std::string uri = in.str("payloadUri");
  auto nonce = in.fixed<kNonceBytes>("nonce");
  Serializer s = SerializerOf(in);
  KeyRing ring = RingOf(in);
  PayloadCodec codec(ring, CodecOptions(ctx));
  std::optional<Message> sealed = seal_message_for_testing(codec, m, uri, nonce);
  return One("frame", encode_frame(sealed ? *sealed : m, s));
}

Output FrameDecodeOpen(Attrs& in, const OpContext& ctx) {
  Bytes frame = in.hex("frame");
  std::string uri = in.str("uri");
  Serializer s = SerializerOf(in);
  KeyRing ring = RingOf(in);
  PayloadCodec codec(ring, CodecOptions(ctx));
  Message m = decode_frame(frame, s);
  if (!m.is_encrypted()) return One("message", std::move(m));  // delivered as received
  // The payload's URI (fixtures/README.md, frame_decode_open): the receiver's;
  // open_message() lets EVENT Details.topic / INVOCATION Details.procedure
  // override it, and ERROR carries its own.
  std::optional<std::string_view> u;
  if (m.type != MessageType::kError) u = uri;
  Message opened = open_message(codec, m, u);
  // The opened form always carries args and kwargs (null when absent).
  if (!opened.args) opened.args = Value();
  if (!opened.kwargs) opened.kwargs = Value();
  return One("message", std::move(opened));
}

Bytes Garbage(Serializer s) {
  switch (s) {
    case Serializer::kJson: return {'x'};
    case Serializer::kMsgPack: return {0xc1};
    case Serializer::kCbor: return {0xff};
  }
  return {0};
}

bool FlipFirst(Attrs&, Bytes& b) {
  if (b.empty()) return false;
  b[0] ^= 0x01;
  return true;
}
bool FlipNonceIfSealed(Attrs& in, Bytes& b) {  // without a key the nonce is not used
  Attrs copy = in;
  if (!copy.has("payload") || copy.is_null("payload")) return false;
  return FlipFirst(in, b);
}
bool AppendZero(Attrs&, Bytes& b) {
  b.push_back(0);
  return true;
}
bool FlipTag(Attrs&, Bytes& b) {  // the first MAC byte after the nonce
  if (b.size() <= kNonceBytes) return false;
  b[kNonceBytes] ^= 0x01;
  return true;
}
bool AppendGarbage(Attrs& in, Bytes& b) {
  Attrs copy = in;  // reading the serializer must not count as consuming it twice
  auto s = serializer_from_string(copy.str("serializer"));
  if (!s) return false;
  Bytes g = Garbage(*s);
  b.insert(b.end(), g.begin(), g.end());
  return true;
}
// The frame's payload tag byte flipped: decode, damage, re-encode (the frame
// writer is tested by the frame vectors; here only the payload changes).
bool FlipPayloadTag(Attrs& in, Bytes& b) {
  Attrs copy = in;
  auto s = serializer_from_string(copy.str("serializer"));
  if (!s) return false;
  Message m = decode_frame(b, *s);
  if (!m.payload || m.payload->size() <= kNonceBytes) return false;
  (*m.payload)[kNonceBytes] ^= 0x01;
  b = encode_frame(m, *s);
  return true;
}

const Damage kDamages[] = {
    {"box_open", "ct", "tag byte flipped", FlipFirst},
    {"box_open", "ct", "trailing byte", AppendZero},
    {"box_open_afternm", "ct", "tag byte flipped", FlipFirst},
    {"box_open_afternm", "ct", "trailing byte", AppendZero},
    {"beforenm", "pk", "pk byte flipped", FlipFirst},
    {"payload_encode", "nonce", "nonce byte flipped", FlipNonceIfSealed},
    {"payload_decode", "payload", "tag byte flipped", FlipTag},
    {"payload_decode", "payload", "trailing byte", AppendZero},
    {"frame_decode", "frame", "first byte flipped", FlipFirst},
    {"frame_decode", "frame", "trailing garbage", AppendGarbage},
    {"frame_decode_open", "frame", "payload tag byte flipped", FlipPayloadTag},
    {"frame_decode_open", "frame", "trailing garbage", AppendGarbage},
};

Value Typed1(std::string kind, Value v) {
  Object o;
  o.emplace_back(std::move(kind), std::move(v));
  return Value(std::move(o));
}

// -- ppt layer (fixtures/ppt_test.json): `role` is the sender's; opening is the other role.

PptCrypto PptCryptoOf(const OpContext& ctx) {
#ifdef WAMPBOX_HAVE_PPT_EXT
  return ppt_ext_crypto(ctx.ppt_aes_fallback);
#else
  if (ctx.ppt_aes_fallback) throw Unsupported("built without wampbox::ppt_ext: no AES-256-GCM fallback");
  return PptCrypto{};
#endif
}

PptKeyStore PptKeysOf(Attrs& in, const OpContext& ctx) {
  PptKeyStore store(PptCryptoOf(ctx));
  const std::string where = in.where() + ".pptKeys";
  int i = 0;
  for (auto entry : ArrayOf(in.get("pptKeys"), where)) {
    Attrs o(entry, where + "[" + std::to_string(i++) + "]");
    const std::string prefix = o.str("prefix");
    const std::string model = o.str("model");
    const PptKeyStatus status = parse_ppt_key_status(o.str("status"));
    if (model == "symmetric") {
      const std::string keyid = o.str("keyid");
      const auto key = o.fixed<kKeyBytes>("key");
      store.add_symmetric(prefix, keyid, key, status);
    } else if (model == "keypair") {
      store.add_keypair(prefix, ToKey(o), status);
    } else {
      throw CorpusError(where + ": unknown key model " + model);
    }
    o.finish();
  }
  return store;
}

Role OtherRole(Role r) { return r == Role::kOriginator ? Role::kResponder : Role::kOriginator; }

Output PptSeal(Attrs& in, const OpContext& ctx) {
  const Role role = ToRole(in.str("role"));
  Message m;
  m.type = MessageType::kPublish;
  m.request = 1;
  m.uri = in.str("uri");
  Value args = ToValue(in.get("args"), in.where() + ".args");
  Value kwargs = ToValue(in.get("kwargs"), in.where() + ".kwargs");
  if (!args.is_null()) m.args = args;
  if (!kwargs.is_null()) m.kwargs = kwargs;
  const std::string cipher = in.str("cipher");
  const Bytes nonce = in.hex("nonce");
  const PptKeyStore store = PptKeysOf(in, ctx);
  Message sealed = store.seal_for_testing(role, m, cipher, std::nullopt, nonce);
  Object attrs;
  for (const auto& kv : sealed.options) {
    if (kv.first.starts_with("ppt_")) attrs.push_back(kv);
  }
  Output o;
  o.emplace_back("options", Value(std::move(attrs)));
  o.emplace_back("plaintext", ppt_pack("cbor", args, kwargs));
  o.emplace_back("payload", sealed.args->as_array().at(0).as_binary().data);
  return o;
}

Output PptOpen(Attrs& in, const OpContext& ctx) {
  const Role role = ToRole(in.str("role"));
  Message m;
  m.type = MessageType::kEvent;
  m.subscription = 1;
  m.publication = 1;
  const std::string uri = in.str("uri");
  Value options = ToValue(in.get("options"), in.where() + ".options");
  if (options.kind() != Value::Kind::kObject) throw CorpusError(in.where() + ": options is not a dict");
  m.options = options.as_object();
  Value arguments = ToValue(in.get("arguments"), in.where() + ".arguments");
  if (!arguments.is_null()) m.args = std::move(arguments);
  if (!in.is_null("argumentsKw")) {
    Value kw = ToValue(in.get("argumentsKw"), in.where() + ".argumentsKw");
    if (!kw.is_null()) m.kwargs = std::move(kw);
  }
  const PptKeyStore store = PptKeysOf(in, ctx);
  Message opened = store.open(OtherRole(role), m, uri);
  Output o;
  o.emplace_back("args", opened.args.value_or(Value()));
  o.emplace_back("kwargs", opened.kwargs.value_or(Value()));
  return o;
}

}  // namespace

const std::map<std::string, ProtocolOp, std::less<>>& ProtocolOps() {
  static const std::map<std::string, ProtocolOp, std::less<>> ops = [] {
    std::map<std::string, ProtocolOp, std::less<>> m;
    for (const ProtocolOp& op : {
             ProtocolOp{"box_seal", {"sk", "pk", "nonce", "msg"}, {}, {"ct"}, BoxSeal},
             ProtocolOp{"box_open", {"sk", "pk", "nonce", "ct"}, {}, {"msg"}, BoxOpen},
             ProtocolOp{"beforenm", {"sk", "pk"}, {}, {"k"}, Beforenm},
             ProtocolOp{"box_seal_afternm", {"k", "nonce", "msg"}, {}, {"ct"}, BoxSealAfternm},
             ProtocolOp{"box_open_afternm", {"k", "nonce", "ct"}, {}, {"msg"}, BoxOpenAfternm},
             ProtocolOp{"key_parse", {"text"}, {}, {"key"}, KeyParse},
             ProtocolOp{"key_build", {"key"}, {}, {"originatorSharedKey", "responderSharedKey"}, KeyBuild},
             ProtocolOp{"keyring_resolve", {"uri", "role"}, {"keyring"}, {"prefix", "sharedKey"}, KeyringResolve},
             ProtocolOp{"payload_encode", {"role", "uri", "args", "kwargs", "nonce"}, {"keyring"}, {"plaintext", "payload"}, PayloadEncode},
             ProtocolOp{"payload_decode", {"role", "uri", "encAlgo", "encSerializer", "payload"}, {"keyring"}, {"args", "kwargs"}, PayloadDecode},
             ProtocolOp{"frame_encode", {"message"}, {"serializer"}, {"frame"}, FrameEncode},
             ProtocolOp{"frame_decode", {"frame"}, {"serializer"}, {"message"}, FrameDecode},
             ProtocolOp{"frame_seal", {"message", "payloadUri", "nonce"}, {"serializer", "keyring"}, {"frame"}, FrameSeal},
             ProtocolOp{"frame_decode_open", {"frame", "uri"}, {"serializer", "keyring"}, {"message"}, FrameDecodeOpen},
             ProtocolOp{"ppt_seal", {"role", "uri", "args", "kwargs", "cipher", "nonce"}, {"pptKeys"}, {"options", "plaintext", "payload"}, PptSeal},
             ProtocolOp{"ppt_open", {"role", "uri", "options", "arguments", "argumentsKw"}, {"pptKeys"}, {"args", "kwargs"}, PptOpen},
         }) {
      m.emplace(std::string(op.name), op);
    }
    return m;
  }();
  return ops;
}

const ProtocolOp* FindProtocolOp(std::string_view name) {
  auto it = ProtocolOps().find(name);
  return it == ProtocolOps().end() ? nullptr : &it->second;
}

std::vector<std::string_view> ChecksFor(std::string_view corpus_op, bool reject_only) {
  // The same mapping as the runner's CORPUS_OPS / REJECT_ONLY (PROTOCOL.md §3).
  if (corpus_op == "box") return reject_only ? std::vector<std::string_view>{"box_open"}
                                             : std::vector<std::string_view>{"box_seal", "box_open"};
  if (corpus_op == "box_afternm") {
    return reject_only ? std::vector<std::string_view>{"box_open_afternm"}
                       : std::vector<std::string_view>{"box_seal_afternm", "box_open_afternm"};
  }
  if (corpus_op == "frame") return reject_only ? std::vector<std::string_view>{"frame_decode"}
                                               : std::vector<std::string_view>{"frame_encode", "frame_decode"};
  if (corpus_op == "ppt") return reject_only ? std::vector<std::string_view>{"ppt_open"}
                                             : std::vector<std::string_view>{"ppt_seal", "ppt_open"};
  for (std::string_view same : {"beforenm", "key_parse", "key_build", "keyring_resolve", "payload_encode",
                                "payload_decode", "frame_decode", "frame_seal", "frame_decode_open", "ppt_seal",
                                "ppt_open"}) {
    if (corpus_op == same) return {same};
  }
  throw CorpusError("unknown corpus operation " + std::string(corpus_op));
}

std::span<const Damage> Damages() { return kDamages; }

Value TypedOf(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull: return Typed1("null", Value());
    case Value::Kind::kBool: return Typed1("bool", Value(v.as_bool()));
    case Value::Kind::kInt: return Typed1("int", Value(std::to_string(v.as_int())));
    case Value::Kind::kUInt: return Typed1("int", Value(std::to_string(v.as_uint())));
    case Value::Kind::kBigInt: return Typed1("int", Value(v.as_bigint().decimal));
    case Value::Kind::kFloat: {
      std::uint64_t bits = std::bit_cast<std::uint64_t>(v.as_float());
      Bytes b(8);
      for (int k = 7; k >= 0; --k, bits >>= 8) b[k] = static_cast<std::uint8_t>(bits & 0xFF);
      return Typed1("float", Value(hex_encode(b)));
    }
    case Value::Kind::kString: return Typed1("str", Value(v.as_string()));
    case Value::Kind::kBinary: return Typed1("bytes", Value(hex_encode(v.as_binary().data)));
    case Value::Kind::kArray: {
      wampbox::Array a;
      for (const auto& e : v.as_array()) a.push_back(TypedOf(e));
      return Typed1("list", Value(std::move(a)));
    }
    case Value::Kind::kObject: {
      wampbox::Array a;
      for (const auto& [k, x] : v.as_object()) a.push_back(Value(wampbox::Array{Value(k), TypedOf(x)}));
      return Typed1("dict", Value(std::move(a)));
    }
  }
  return Typed1("null", Value());
}

Value StructOf(const Message& m) {
  Object st;
  st.emplace_back("type", Value(std::string(to_string(m.type))));
  using T = MessageType;
  switch (m.type) {
    case T::kError:
      st.emplace_back("requestType", Value(m.request_type));
      st.emplace_back("request", Value(m.request));
      break;
    case T::kPublish:
    case T::kCall:
    case T::kYield:
    case T::kResult:
      st.emplace_back("request", Value(m.request));
      break;
    case T::kEvent:
      st.emplace_back("subscription", Value(m.subscription));
      st.emplace_back("publication", Value(m.publication));
      break;
    case T::kInvocation:
      st.emplace_back("request", Value(m.request));
      st.emplace_back("registration", Value(m.registration));
      break;
  }
  st.emplace_back("options", TypedOf(Value(m.options)));
  if (m.type == T::kPublish || m.type == T::kCall || m.type == T::kError) st.emplace_back("uri", Value(m.uri));
  if (m.payload) st.emplace_back("payload", Value(hex_encode(*m.payload)));
  if (m.args) st.emplace_back("args", TypedOf(*m.args));
  if (m.kwargs) st.emplace_back("kwargs", TypedOf(*m.kwargs));
  return Value(std::move(st));
}

Value ProtocolOutput(const Output& out) {
  Object o;
  for (const auto& [name, f] : out) {
    Value v;
    if (const auto* b = std::get_if<Bytes>(&f)) v = Value(hex_encode(*b));
    if (const auto* s = std::get_if<std::string>(&f)) v = Value(*s);
    if (const auto* x = std::get_if<Value>(&f)) v = TypedOf(*x);
    if (const auto* m = std::get_if<Message>(&f)) v = StructOf(*m);
    o.emplace_back(name, std::move(v));
  }
  return Value(std::move(o));
}

}  // namespace wampbox::vectors
