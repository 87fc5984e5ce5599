// wampbox-conform adapter for the wampbox C++ library (conformance/PROTOCOL.md).
//
// Reads one JSON request per line on stdin, answers one JSON line on stdout.
// Every operation calls the public API (impl/include/wampbox/*.h) the way an
// application would; library errors (wampbox::Error) become protocol error
// codes via to_string(ErrorCode), which uses the same names.
//
// The protocol's own JSON is read by a small parser here, not json_parse():
// json_parse implements Autobahn's rule that a string starting with U+0000 is
// binary, which is right for WAMP frames and wrong for the protocol (a typed
// {"str": "\u0000AAEC"} must stay a string).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wampbox/cryptobox.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/keyring.h"
#include "wampbox/keys.h"
#include "wampbox/message.h"
#include "wampbox/value.h"

#ifndef WAMPBOX_VERSION_STRING
#define WAMPBOX_VERSION_STRING "unknown"
#endif

namespace {

using wampbox::Array;
using wampbox::Bytes;
using wampbox::Error;
using wampbox::ErrorCode;
using wampbox::Object;
using wampbox::Value;

// A protocol-level failure: code is a protocol error code.
struct Fail {
  std::string code;
  std::string message;
};
struct Unsupported {
  std::string reason;
};

// ---------------------------------------------------------------------------
// Protocol JSON: strings stay strings, integers via integer_from_decimal.

class ProtocolJsonParser {
 public:
  explicit ProtocolJsonParser(std::string_view s) : s_(s) {}

  Value parse() {
    Value v = value();
    ws();
    if (i_ != s_.size()) throw std::runtime_error("trailing data in request");
    return v;
  }

 private:
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  char peek() {
    if (i_ >= s_.size()) throw std::runtime_error("unexpected end of request");
    return s_[i_];
  }
  void expect(char c) {
    if (peek() != c) throw std::runtime_error(std::string("expected '") + c + "' in request");
    ++i_;
  }
  static void put_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  std::uint32_t hex4() {
    if (i_ + 4 > s_.size()) throw std::runtime_error("bad \\u escape");
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else throw std::runtime_error("bad \\u escape");
    }
    return v;
  }
  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      char c = peek();
      ++i_;
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      char e = peek();
      ++i_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && i_ + 6 <= s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
            std::size_t save = i_;
            i_ += 2;
            std::uint32_t lo = hex4();
            if (lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              i_ = save;
            }
          }
          // A lone surrogate cannot be UTF-8: written as WTF-8 bytes, which
          // the library then rejects as invalid UTF-8 (as it should).
          put_utf8(out, cp);
          break;
        }
        default: throw std::runtime_error("bad escape in request");
      }
    }
  }
  Value value() {
    ws();
    char c = peek();
    if (c == '{') {
      ++i_;
      Object o;
      ws();
      if (peek() == '}') {
        ++i_;
        return Value(std::move(o));
      }
      for (;;) {
        ws();
        std::string k = string();
        ws();
        expect(':');
        Value v = value();
        o.emplace_back(std::move(k), std::move(v));
        ws();
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect('}');
        return Value(std::move(o));
      }
    }
    if (c == '[') {
      ++i_;
      Array a;
      ws();
      if (peek() == ']') {
        ++i_;
        return Value(std::move(a));
      }
      for (;;) {
        a.push_back(value());
        ws();
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect(']');
        return Value(std::move(a));
      }
    }
    if (c == '"') return Value(string());
    if (s_.substr(i_, 4) == "null") {
      i_ += 4;
      return Value();
    }
    if (s_.substr(i_, 4) == "true") {
      i_ += 4;
      return Value(true);
    }
    if (s_.substr(i_, 5) == "false") {
      i_ += 5;
      return Value(false);
    }
    std::size_t start = i_;
    if (peek() == '-') ++i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    if (i_ == start) throw std::runtime_error("bad value in request");
    return Value::integer_from_decimal(s_.substr(start, i_ - start));
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

// ---------------------------------------------------------------------------
// Request field access.

const Value& field(const Value& obj, std::string_view name) {
  const Value* v = obj.find(name);
  if (!v) throw Fail{"invalid_argument", "missing input field " + std::string(name)};
  return *v;
}
const std::string& str(const Value& obj, std::string_view name) {
  const Value& v = field(obj, name);
  if (v.kind() != Value::Kind::kString) throw Fail{"invalid_argument", std::string(name) + " must be a string"};
  return v.as_string();
}
bool is_null(const Value& obj, std::string_view name) {
  const Value* v = obj.find(name);
  return !v || v->is_null();
}
Bytes hexbytes(const Value& obj, std::string_view name) {
  try {
    return wampbox::hex_decode(str(obj, name));
  } catch (const Error&) {
    throw Fail{"invalid_argument", std::string(name) + " is not hex"};
  }
}
template <std::size_t N>
std::array<std::uint8_t, N> fixed(const Value& obj, std::string_view name) {
  Bytes b = hexbytes(obj, name);
  if (b.size() != N) throw Fail{"invalid_argument", std::string(name) + " must be " + std::to_string(N) + " bytes"};
  std::array<std::uint8_t, N> a{};
  std::memcpy(a.data(), b.data(), N);
  return a;
}
std::string hex(const Bytes& b) { return wampbox::hex_encode(b); }
std::string hex(std::span<const std::uint8_t> b) { return wampbox::hex_encode(b); }

// ---------------------------------------------------------------------------
// Typed values (PROTOCOL.md, "Values") <-> wampbox::Value.

Value from_typed(const Value& t) {
  if (t.kind() != Value::Kind::kObject || t.as_object().size() != 1) {
    throw Fail{"invalid_argument", "a typed value is an object with one member"};
  }
  const auto& [kind, x] = t.as_object()[0];
  if (kind == "null") return Value();
  if (kind == "bool") return Value(x.as_bool());
  if (kind == "int") return Value::integer_from_decimal(x.as_string());
  if (kind == "float") {
    Bytes b = wampbox::hex_decode(x.as_string());
    if (b.size() != 8) throw Fail{"invalid_argument", "float must be 8 bytes"};
    std::uint64_t bits = 0;
    for (auto byte : b) bits = bits << 8 | byte;
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return Value(d);
  }
  if (kind == "str") return Value(x.as_string());
  if (kind == "bytes") return Value(wampbox::Binary{wampbox::hex_decode(x.as_string())});
  if (kind == "list") {
    Array a;
    for (const auto& e : x.as_array()) a.push_back(from_typed(e));
    return Value(std::move(a));
  }
  if (kind == "dict") {
    Object o;
    for (const auto& p : x.as_array()) o.emplace_back(p.as_array().at(0).as_string(), from_typed(p.as_array().at(1)));
    return Value(std::move(o));
  }
  throw Fail{"invalid_argument", "unknown typed value kind " + kind};
}

Value one(std::string kind, Value v) {
  Object o;
  o.emplace_back(std::move(kind), std::move(v));
  return Value(std::move(o));
}

Value to_typed(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull: return one("null", Value());
    case Value::Kind::kBool: return one("bool", Value(v.as_bool()));
    case Value::Kind::kInt: return one("int", Value(std::to_string(v.as_int())));
    case Value::Kind::kUInt: return one("int", Value(std::to_string(v.as_uint())));
    case Value::Kind::kBigInt: return one("int", Value(v.as_bigint().decimal));
    case Value::Kind::kFloat: {
      double d = v.as_float();
      std::uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      Bytes b(8);
      for (int k = 7; k >= 0; --k, bits >>= 8) b[k] = static_cast<std::uint8_t>(bits & 0xFF);
      return one("float", Value(hex(b)));
    }
    case Value::Kind::kString: return one("str", Value(v.as_string()));
    case Value::Kind::kBinary: return one("bytes", Value(hex(v.as_binary().data)));
    case Value::Kind::kArray: {
      Array a;
      for (const auto& e : v.as_array()) a.push_back(to_typed(e));
      return one("list", Value(std::move(a)));
    }
    case Value::Kind::kObject: {
      Array a;
      for (const auto& [k, x] : v.as_object()) a.push_back(Value(Array{Value(k), to_typed(x)}));
      return one("dict", Value(std::move(a)));
    }
  }
  return one("null", Value());
}

// ---------------------------------------------------------------------------
// Keys and keyrings (corpus form: [{"prefix": ..., key parts...}]).

wampbox::Key make_key(const Value& entry) {
  if (const Value* p = entry.find("private")) return wampbox::Key::from_single_private(p->as_string());
  wampbox::Key::Parts parts;
  for (const auto& [k, v] : entry.as_object()) {
    if (k == "prefix") continue;
    if (v.kind() != Value::Kind::kString) throw Fail{"invalid_key", k + " is not a string"};
    if (k == "originator_priv") parts.originator_priv = v.as_string();
    else if (k == "originator_pub") parts.originator_pub = v.as_string();
    else if (k == "responder_priv") parts.responder_priv = v.as_string();
    else if (k == "responder_pub") parts.responder_pub = v.as_string();
    else throw Fail{"invalid_key", "unknown key part " + k};
  }
  return wampbox::Key::from_parts(parts);
}

wampbox::KeyRing make_ring(const Value& entries) {
  wampbox::KeyRing ring;
  if (entries.kind() != Value::Kind::kArray) throw Fail{"invalid_argument", "keyring must be a list"};
  for (const auto& e : entries.as_array()) ring.set_key(str(e, "prefix"), make_key(e));
  return ring;
}

wampbox::Role role_of(const Value& in) {
  const std::string& r = str(in, "role");
  if (r == "originator") return wampbox::Role::kOriginator;
  if (r == "responder") return wampbox::Role::kResponder;
  throw Fail{"invalid_argument", "role " + r};
}

Value shared_or_null(const wampbox::Key* key, wampbox::Role r) {
  if (!key || !key->has_role(r)) return Value();
  return Value(hex(key->shared(r).bytes()));
}

// ---------------------------------------------------------------------------
// Messages (PROTOCOL.md, "Messages") <-> wampbox::Message.

wampbox::Serializer serializer_of(const Value& in) {
  auto s = wampbox::serializer_from_string(str(in, "serializer"));
  if (!s) throw Unsupported{"serializer " + str(in, "serializer")};
  return *s;
}

std::uint64_t id_of(const Value& st, std::string_view name) {
  const Value& v = field(st, name);
  if (v.kind() == Value::Kind::kInt && v.as_int() >= 0) return static_cast<std::uint64_t>(v.as_int());
  if (v.kind() == Value::Kind::kUInt) return v.as_uint();
  throw Fail{"invalid_argument", std::string(name) + " must be a non-negative integer"};
}

wampbox::Message message_from_struct(const Value& st) {
  wampbox::Message m;
  auto t = wampbox::message_type_from_string(str(st, "type"));
  if (!t) throw Unsupported{"message type " + str(st, "type")};
  m.type = *t;
  using T = wampbox::MessageType;
  switch (m.type) {
    case T::kError:
      m.request_type = static_cast<std::int64_t>(id_of(st, "requestType"));
      m.request = id_of(st, "request");
      m.uri = str(st, "uri");
      break;
    case T::kPublish:
    case T::kCall:
      m.request = id_of(st, "request");
      m.uri = str(st, "uri");
      break;
    case T::kEvent:
      m.subscription = id_of(st, "subscription");
      m.publication = id_of(st, "publication");
      break;
    case T::kInvocation:
      m.request = id_of(st, "request");
      m.registration = id_of(st, "registration");
      break;
    case T::kYield:
    case T::kResult:
      m.request = id_of(st, "request");
      break;
  }
  Value opts = from_typed(field(st, "options"));
  if (opts.kind() != Value::Kind::kObject) throw Fail{"invalid_argument", "options must be a dict"};
  m.options = opts.as_object();
  if (st.find("payload")) m.payload = hexbytes(st, "payload");
  if (const Value* a = st.find("args")) m.args = from_typed(*a);
  if (const Value* k = st.find("kwargs")) m.kwargs = from_typed(*k);
  return m;
}

Value struct_from_message(const wampbox::Message& m) {
  Object st;
  st.emplace_back("type", Value(std::string(wampbox::to_string(m.type))));
  using T = wampbox::MessageType;
  auto put_id = [&](const char* name, std::uint64_t v) { st.emplace_back(name, Value(v)); };
  switch (m.type) {
    case T::kError:
      st.emplace_back("requestType", Value(m.request_type));
      put_id("request", m.request);
      break;
    case T::kPublish:
    case T::kCall:
    case T::kYield:
    case T::kResult:
      put_id("request", m.request);
      break;
    case T::kEvent:
      put_id("subscription", m.subscription);
      put_id("publication", m.publication);
      break;
    case T::kInvocation:
      put_id("request", m.request);
      put_id("registration", m.registration);
      break;
  }
  st.emplace_back("options", to_typed(Value(m.options)));
  if (m.type == T::kPublish || m.type == T::kCall || m.type == T::kError) st.emplace_back("uri", Value(m.uri));
  if (m.payload) st.emplace_back("payload", Value(hex(*m.payload)));
  if (m.args) st.emplace_back("args", to_typed(*m.args));
  if (m.kwargs) st.emplace_back("kwargs", to_typed(*m.kwargs));
  return Value(std::move(st));
}

// ---------------------------------------------------------------------------
// Operations.

Object out1(const char* name, Value v) {
  Object o;
  o.emplace_back(name, std::move(v));
  return o;
}

Object op_box_seal(const Value& in) {
  auto sk = wampbox::SecretKey::from_bytes(fixed<32>(in, "sk"));
  wampbox::PublicKey pk{fixed<32>(in, "pk")};
  auto nonce = fixed<24>(in, "nonce");
  auto key = wampbox::SharedKey::derive(pk, sk);
  Bytes out;
  wampbox::box_seal_append(key, hexbytes(in, "msg"), out, &nonce);
  return out1("ct", Value(hex(std::span<const std::uint8_t>(out).subspan(wampbox::kNonceBytes))));
}

Object open_with(const wampbox::SharedKey& key, const Value& in) {
  auto nonce = fixed<24>(in, "nonce");
  Bytes payload(nonce.begin(), nonce.end());
  Bytes ct = hexbytes(in, "ct");
  payload.insert(payload.end(), ct.begin(), ct.end());
  Bytes msg;
  wampbox::box_open_into(key, payload, msg);
  return out1("msg", Value(hex(msg)));
}

Object op_box_open(const Value& in) {
  auto sk = wampbox::SecretKey::from_bytes(fixed<32>(in, "sk"));
  wampbox::PublicKey pk{fixed<32>(in, "pk")};
  std::optional<wampbox::SharedKey> key;
  try {
    key.emplace(wampbox::SharedKey::derive(pk, sk));
  } catch (const Error& e) {
    // A box for a refused public key cannot be opened.
    throw Fail{"decrypt_failed", e.what()};
  }
  return open_with(*key, in);
}

Object op_beforenm(const Value& in) {
  auto sk = wampbox::SecretKey::from_bytes(fixed<32>(in, "sk"));
  wampbox::PublicKey pk{fixed<32>(in, "pk")};
  return out1("k", Value(hex(wampbox::SharedKey::derive(pk, sk).bytes())));
}

Object op_box_seal_afternm(const Value& in) {
  auto key = wampbox::SharedKey::from_bytes(fixed<32>(in, "k"));
  auto nonce = fixed<24>(in, "nonce");
  Bytes out;
  wampbox::box_seal_append(key, hexbytes(in, "msg"), out, &nonce);
  return out1("ct", Value(hex(std::span<const std::uint8_t>(out).subspan(wampbox::kNonceBytes))));
}

Object op_box_open_afternm(const Value& in) {
  return open_with(wampbox::SharedKey::from_bytes(fixed<32>(in, "k")), in);
}

Object op_key_parse(const Value& in) { return out1("key", Value(hex(wampbox::PublicKey::parse(str(in, "text")).bytes))); }

Object op_key_build(const Value& in) {
  auto key = make_key(field(in, "key"));
  Object o;
  o.emplace_back("originatorSharedKey", shared_or_null(&key, wampbox::Role::kOriginator));
  o.emplace_back("responderSharedKey", shared_or_null(&key, wampbox::Role::kResponder));
  return o;
}

Object op_keyring_resolve(const Value& in) {
  auto ring = make_ring(field(in, "keyring"));
  const std::string& uri = str(in, "uri");
  auto prefix = ring.matched_prefix(uri);
  Object o;
  o.emplace_back("prefix", prefix ? Value(*prefix) : Value());
  o.emplace_back("sharedKey", shared_or_null(ring.find(uri), role_of(in)));
  return o;
}

Object op_payload_encode(const Value& in) {
  auto ring = make_ring(field(in, "keyring"));
  wampbox::PayloadCodec codec(ring);
  const std::string& uri = str(in, "uri");
  Value args = from_typed(field(in, "args"));
  Value kwargs = from_typed(field(in, "kwargs"));
  auto enc = codec.encode_with_fixed_nonce(role_of(in), uri, args, kwargs, fixed<24>(in, "nonce"));
  Object o;
  if (!enc) {
    o.emplace_back("plaintext", Value());
    o.emplace_back("payload", Value());
    return o;
  }
  std::string plaintext;
  wampbox::cryptobox_plaintext_append(uri, args, kwargs, plaintext);
  o.emplace_back("plaintext", Value(hex(std::span<const std::uint8_t>(
                                  reinterpret_cast<const std::uint8_t*>(plaintext.data()), plaintext.size()))));
  o.emplace_back("payload", Value(hex(enc->payload)));
  return o;
}

Object op_payload_decode(const Value& in) {
  auto ring = make_ring(field(in, "keyring"));
  wampbox::PayloadCodec codec(ring);
  wampbox::EncodedPayload p;
  p.payload = hexbytes(in, "payload");
  p.enc_algo = is_null(in, "encAlgo") ? "" : str(in, "encAlgo");
  p.enc_serializer = is_null(in, "encSerializer") ? "" : str(in, "encSerializer");
  auto d = codec.decode(role_of(in), str(in, "uri"), p);
  Object o;
  o.emplace_back("args", to_typed(d.args));
  o.emplace_back("kwargs", to_typed(d.kwargs));
  return o;
}

std::string frame_hex(const Bytes& b) { return hex(b); }

Object op_frame_encode(const Value& in) {
  return out1("frame", Value(frame_hex(wampbox::encode_frame(message_from_struct(field(in, "message")),
                                                             serializer_of(in)))));
}

Object op_frame_decode(const Value& in) {
  return out1("message", struct_from_message(wampbox::decode_frame(hexbytes(in, "frame"), serializer_of(in))));
}

Object op_frame_seal(const Value& in) {
  auto ring = make_ring(field(in, "keyring"));
  wampbox::PayloadCodec codec(ring);
  auto m = message_from_struct(field(in, "message"));
  auto nonce = fixed<24>(in, "nonce");
  auto sealed = wampbox::seal_message(codec, m, str(in, "payloadUri"), &nonce);
  return out1("frame", Value(frame_hex(wampbox::encode_frame(sealed ? *sealed : m, serializer_of(in)))));
}

Object op_frame_decode_open(const Value& in) {
  auto ring = make_ring(field(in, "keyring"));
  wampbox::PayloadCodec codec(ring);
  auto m = wampbox::decode_frame(hexbytes(in, "frame"), serializer_of(in));
  if (!m.is_encrypted()) return out1("message", struct_from_message(m));  // delivered as received
  // The payload's URI (fixtures/README.md, frame_decode_open): the
  // receiver's URI; open_message() lets EVENT Details.topic / INVOCATION
  // Details.procedure override it, and ERROR carries its own.
  std::optional<std::string_view> uri;
  if (m.type != wampbox::MessageType::kError) uri = str(in, "uri");
  auto opened = wampbox::open_message(codec, m, uri);
  // The opened form always carries args and kwargs (null when absent).
  if (!opened.args) opened.args = Value();
  if (!opened.kwargs) opened.kwargs = Value();
  return out1("message", struct_from_message(opened));
}

using Handler = Object (*)(const Value&);
const std::map<std::string, Handler>& handlers() {
  static const std::map<std::string, Handler> h = {
      {"box_seal", op_box_seal},
      {"box_open", op_box_open},
      {"beforenm", op_beforenm},
      {"box_seal_afternm", op_box_seal_afternm},
      {"box_open_afternm", op_box_open_afternm},
      {"key_parse", op_key_parse},
      {"key_build", op_key_build},
      {"keyring_resolve", op_keyring_resolve},
      {"payload_encode", op_payload_encode},
      {"payload_decode", op_payload_decode},
      {"frame_encode", op_frame_encode},
      {"frame_decode", op_frame_decode},
      {"frame_seal", op_frame_seal},
      {"frame_decode_open", op_frame_decode_open},
  };
  return h;
}

Value strings(std::initializer_list<const char*> xs) {
  Array a;
  for (const char* x : xs) a.push_back(Value(x));
  return Value(std::move(a));
}

std::string hello() {
  Object impl;
  impl.emplace_back("name", Value("wampbox-cpp"));
  impl.emplace_back("version", Value(WAMPBOX_VERSION_STRING));
  impl.emplace_back("language", Value("C++"));
  impl.emplace_back("description", Value("wampbox C++ library (libsodium, simdjson, msgpack-c, libcbor), default "
                                         "options (strict: no plaintext fallback, URI check on)"));
  Object profile;
  profile.emplace_back("low_order_keys", Value("reject"));
  profile.emplace_back("plaintext_fallback", Value("reject"));
  profile.emplace_back("base64", Value("strict"));
  Array ops;
  for (const auto& [name, fn] : handlers()) ops.push_back(Value(name));
  Object sup;
  sup.emplace_back("layers", strings({"crypto_box", "keyring", "envelope", "message"}));
  sup.emplace_back("operations", Value(std::move(ops)));
  sup.emplace_back("serializers", strings({"json", "msgpack", "cbor"}));
  sup.emplace_back("message_types", strings({"PUBLISH", "EVENT", "CALL", "INVOCATION", "YIELD", "RESULT", "ERROR"}));
  sup.emplace_back("unsupported_flags", Value(Array{}));
  Object h;
  h.emplace_back("type", Value("hello"));
  h.emplace_back("protocol", Value("wampbox-conform/1"));
  h.emplace_back("implementation", Value(std::move(impl)));
  h.emplace_back("profile", Value(std::move(profile)));
  h.emplace_back("supports", Value(std::move(sup)));
  return wampbox::json_write(Value(std::move(h)));
}

std::string answer(const Value& id, const char* status, Object rest) {
  Object o;
  o.emplace_back("id", id);
  o.emplace_back("status", Value(status));
  for (auto& kv : rest) o.push_back(std::move(kv));
  return wampbox::json_write(Value(std::move(o)));
}

std::string error_answer(const Value& id, std::string code, std::string message) {
  // json_write needs valid UTF-8; exception texts may quote raw input.
  if (!wampbox::is_valid_utf8(message)) message = "(message not valid UTF-8)";
  Object rest;
  rest.emplace_back("error", Value(std::move(code)));
  rest.emplace_back("message", Value(message.substr(0, 500)));
  return answer(id, "error", std::move(rest));
}

std::string handle(const Value& req) {
  const Value* id = req.find("id");
  Value rid = id ? *id : Value();
  const Value* op = req.find("op");
  if (!op || op->kind() != Value::Kind::kString) return error_answer(rid, "invalid_argument", "request without op");
  auto it = handlers().find(op->as_string());
  if (it == handlers().end()) {
    Object rest;
    rest.emplace_back("reason", Value("operation " + op->as_string() + " not implemented"));
    return answer(rid, "unsupported", std::move(rest));
  }
  const Value* in = req.find("input");
  static const Value kEmpty{Object{}};
  try {
    Object output = it->second(in ? *in : kEmpty);
    Object rest;
    rest.emplace_back("output", Value(std::move(output)));
    std::string line = answer(rid, "ok", std::move(rest));
    return line;
  } catch (const Fail& f) {
    return error_answer(rid, f.code, f.message);
  } catch (const Unsupported& u) {
    Object rest;
    rest.emplace_back("reason", Value(u.reason));
    return answer(rid, "unsupported", std::move(rest));
  } catch (const Error& e) {
    std::string code(wampbox::to_string(e.code()));
    // The protocol has no separate "no codec" case: no key was configured at all.
    if (e.code() == ErrorCode::kNoPayloadCodec) code = "no_key";
    return error_answer(rid, code, e.what());
  } catch (const std::exception& e) {
    return error_answer(rid, "internal", e.what());
  }
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Value req;
    try {
      req = ProtocolJsonParser(line).parse();
    } catch (const std::exception& e) {
      std::cerr << "adapter: unreadable request: " << e.what() << "\n";
      return 2;
    }
    const Value* type = req.find("type");
    std::string t = type && type->kind() == Value::Kind::kString ? type->as_string() : "";
    if (t == "hello") {
      std::cout << hello() << "\n" << std::flush;
    } else if (t == "bye") {
      break;
    } else if (t == "case") {
      std::cout << handle(req) << "\n" << std::flush;
    }
  }
  return 0;
}
