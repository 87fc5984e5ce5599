// Payload PassThru Mode: see ppt.h.
#include "wampbox/ppt.h"

#include <sodium.h>

#include <algorithm>

#include "wampbox/cbor.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/msgpack.h"

namespace wampbox {

namespace {

constexpr std::string_view kScheme = "ppt_scheme";
constexpr std::string_view kSerializer = "ppt_serializer";
constexpr std::string_view kCipher = "ppt_cipher";
constexpr std::string_view kKeyid = "ppt_keyid";

bool is_ppt_key(std::string_view k) { return k == kScheme || k == kSerializer || k == kCipher || k == kKeyid; }

[[noreturn]] void protocol_error(const std::string& msg) { throw Error(ErrorCode::kProtocolError, "PPT: " + msg); }

bool is_custom(std::string_view s) { return s.size() > 2 && s[0] == 'x' && s[1] == '_'; }

bool is_hex_keyid(std::string_view s) {
  if (s.size() != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  return std::all_of(s.begin() + 2, s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The effective serializer: mqtt without ppt_serializer means "native".
std::string_view effective_serializer(const PptAttributes& a) {
  if (a.serializer) return *a.serializer;
  return "native";
}

const Value* find_key(const Object& o, std::string_view key) {
  for (const auto& kv : o) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

bool has_uri_element(MessageType t) {
  return t == MessageType::kPublish || t == MessageType::kCall || t == MessageType::kError;
}

// As message.cc: the URI a payload is keyed by.
std::string_view resolve_uri(const Message& m, std::optional<std::string_view> uri) {
  if (uri) return *uri;
  if (!m.uri.empty() || has_uri_element(m.type)) return m.uri;
  const char* key = m.type == MessageType::kEvent ? "topic" : m.type == MessageType::kInvocation ? "procedure" : nullptr;
  if (key) {
    const Value* v = find_key(m.options, key);
    if (v && v->kind() == Value::Kind::kString) return v->as_string();
  }
  throw Error(ErrorCode::kInvalidArgument,
              std::string(to_string(m.type)) + " carries no URI: pass the URI the payload is keyed by");
}

}  // namespace

void ppt_validate(const PptAttributes& a) {
  if (a.scheme.empty()) protocol_error("ppt_scheme is required and must not be empty");
  if (a.scheme == kPptSchemeWamp) {
    if (!a.serializer) protocol_error("scheme wamp requires ppt_serializer (cbor or flatbuffers)");
    if (*a.serializer != "cbor" && *a.serializer != "flatbuffers") {
      protocol_error("scheme wamp allows ppt_serializer cbor or flatbuffers, not '" + *a.serializer + "'");
    }
    if (a.cipher && *a.cipher != kPptCipherXsalsa20Poly1305 && *a.cipher != kPptCipherAes256Gcm) {
      protocol_error("scheme wamp allows ppt_cipher xsalsa20poly1305 or aes256gcm, not '" + *a.cipher + "'");
    }
    if (a.keyid && !is_hex_keyid(*a.keyid)) {
      protocol_error("scheme wamp requires ppt_keyid as 0x + 40 hex digits, not '" + *a.keyid + "'");
    }
  } else if (a.scheme == kPptSchemeMqtt) {
    if (a.serializer && *a.serializer != "native" && *a.serializer != "json" && *a.serializer != "msgpack" &&
        *a.serializer != "cbor") {
      protocol_error("scheme mqtt allows ppt_serializer native, json, msgpack or cbor, not '" + *a.serializer + "'");
    }
    if (a.cipher) protocol_error("scheme mqtt does not take ppt_cipher");
    if (a.keyid) protocol_error("scheme mqtt does not take ppt_keyid");
  } else if (!is_custom(a.scheme)) {
    protocol_error("unknown ppt_scheme '" + a.scheme + "' (wamp, mqtt or x_...)");
  }
}

std::optional<PptAttributes> ppt_attributes(const Object& options) {
  bool any = false;
  PptAttributes a;
  bool has_scheme = false;
  for (const auto& [k, v] : options) {
    if (!is_ppt_key(k)) continue;
    any = true;
    if (v.kind() != Value::Kind::kString) protocol_error(k + " must be a string");
    if (k == kScheme) {
      a.scheme = v.as_string();
      has_scheme = true;
    } else if (k == kSerializer) {
      a.serializer = v.as_string();
    } else if (k == kCipher) {
      a.cipher = v.as_string();
    } else {
      a.keyid = v.as_string();
    }
  }
  if (!any) return std::nullopt;
  if (!has_scheme) protocol_error("ppt_* attributes without ppt_scheme");
  ppt_validate(a);
  return a;
}

void ppt_set_attributes(Object& options, const PptAttributes& a) {
  std::erase_if(options, [](const auto& kv) { return is_ppt_key(kv.first); });
  options.emplace_back(std::string(kScheme), Value(a.scheme));
  if (a.serializer) options.emplace_back(std::string(kSerializer), Value(*a.serializer));
  if (a.cipher) options.emplace_back(std::string(kCipher), Value(*a.cipher));
  if (a.keyid) options.emplace_back(std::string(kKeyid), Value(*a.keyid));
}

std::string ppt_key_id(const PublicKey& pk) {
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), pk.bytes.data(), pk.bytes.size());
  return "0x" + hex_encode(std::span<const std::uint8_t>(digest).last(20));
}

Bytes ppt_pack(std::string_view serializer, const Value& args, const Value& kwargs) {
  if (!(args.is_null() || args.kind() == Value::Kind::kArray)) {
    throw Error(ErrorCode::kInvalidArgument, "PPT args must be an array or null");
  }
  if (!(kwargs.is_null() || kwargs.kind() == Value::Kind::kObject)) {
    throw Error(ErrorCode::kInvalidArgument, "PPT kwargs must be an object or null");
  }
  Value inner(Object{{"args", args.is_null() ? Value(Array{}) : args},
                     {"kwargs", kwargs.is_null() ? Value(Object{}) : kwargs}});
  if (serializer == "cbor") return cbor_write(inner);
  if (serializer == "msgpack") return msgpack_write(inner);
  if (serializer == "json") {
    std::string s = json_write(inner);
    return Bytes(s.begin(), s.end());
  }
  throw Error(ErrorCode::kUnsupportedEncSerializer, "PPT serializer '" + std::string(serializer) + "' is not supported");
}

void ppt_unpack(std::string_view serializer, std::span<const std::uint8_t> data, Value& args, Value& kwargs) {
  Value inner;
  if (serializer == "cbor") {
    inner = cbor_parse(data);
  } else if (serializer == "msgpack") {
    inner = msgpack_parse(data);
  } else if (serializer == "json") {
    inner = json_parse(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  } else {
    throw Error(ErrorCode::kUnsupportedEncSerializer,
                "PPT serializer '" + std::string(serializer) + "' is not supported");
  }
  if (inner.kind() != Value::Kind::kObject) {
    throw Error(ErrorCode::kMalformedPlaintext, "PPT payload is not an object");
  }
  Value a, k;
  for (const auto& [key, v] : inner.as_object()) {
    if (key == "args") {
      if (!(v.is_null() || v.kind() == Value::Kind::kArray)) {
        throw Error(ErrorCode::kMalformedPlaintext, "PPT payload args is not an array");
      }
      a = v;
    } else if (key == "kwargs") {
      if (!(v.is_null() || v.kind() == Value::Kind::kObject)) {
        throw Error(ErrorCode::kMalformedPlaintext, "PPT payload kwargs is not an object");
      }
      k = v;
    } else {
      throw Error(ErrorCode::kMalformedPlaintext, "PPT payload has unexpected key '" + key + "'");
    }
  }
  args = std::move(a);
  kwargs = std::move(k);
}

Message ppt_wrap(const Message& plain, const PptAttributes& attrs, const SharedKey* key,
                 const std::array<std::uint8_t, kNonceBytes>* fixed_nonce) {
  if (plain.payload) throw Error(ErrorCode::kInvalidArgument, "PPT: message already carries a cryptobox payload");
  ppt_validate(attrs);
  const std::string_view ser = effective_serializer(attrs);
  if (ser == "flatbuffers") {
    throw Error(ErrorCode::kUnsupportedEncSerializer, "PPT serializer flatbuffers is not supported by wampbox");
  }
  if (attrs.cipher && *attrs.cipher != kPptCipherXsalsa20Poly1305) {
    throw Error(ErrorCode::kUnsupportedEncAlgo, "PPT cipher '" + *attrs.cipher + "' is not supported by wampbox");
  }
  static const Value kNull;
  const Value& args = plain.args ? *plain.args : kNull;
  const Value& kwargs = plain.kwargs ? *plain.kwargs : kNull;
  Bytes packed;
  if (ser == "native") {
    const bool one_binary = args.kind() == Value::Kind::kArray && args.as_array().size() == 1 &&
                            args.as_array()[0].kind() == Value::Kind::kBinary;
    const bool no_kwargs = kwargs.is_null() || (kwargs.kind() == Value::Kind::kObject && kwargs.as_object().empty());
    if (!one_binary || !no_kwargs) {
      throw Error(ErrorCode::kInvalidArgument, "PPT native payload: args must be one binary element, kwargs empty");
    }
    packed = args.as_array()[0].as_binary().data;
  } else {
    packed = ppt_pack(ser, args, kwargs);
  }
  Bytes payload;
  if (attrs.cipher) {
    if (!key) throw Error(ErrorCode::kNoKey, "PPT cipher xsalsa20poly1305 needs a key");
    box_seal_append(*key, packed, payload, fixed_nonce);
    sodium_memzero(packed.data(), packed.size());
  } else {
    payload = std::move(packed);
  }
  Message out = plain;
  out.args = Value(Array{Value(Binary{std::move(payload)})});
  out.kwargs.reset();
  ppt_set_attributes(out.options, attrs);
  return out;
}

Message ppt_unwrap(const Message& m, const SharedKey* key, PptAttributes* attrs_out) {
  std::optional<PptAttributes> attrs = ppt_attributes(m.options);
  if (!attrs) protocol_error("message has no ppt_scheme");
  if (m.payload || find_key(m.options, "enc_algo")) protocol_error("message mixes PPT with a cryptobox payload");
  const bool one_binary = m.args && m.args->kind() == Value::Kind::kArray && m.args->as_array().size() == 1 &&
                          m.args->as_array()[0].kind() == Value::Kind::kBinary;
  if (!one_binary) protocol_error("Arguments must be exactly one binary element");
  if (m.kwargs && !(m.kwargs->kind() == Value::Kind::kObject && m.kwargs->as_object().empty())) {
    protocol_error("ArgumentsKw must be absent or empty");
  }
  const std::string_view ser = effective_serializer(*attrs);
  if (attrs->cipher && *attrs->cipher != kPptCipherXsalsa20Poly1305) {
    throw Error(ErrorCode::kUnsupportedEncAlgo, "PPT cipher '" + *attrs->cipher + "' is not supported by wampbox");
  }
  if (ser != "native" && ser != "json" && ser != "msgpack" && ser != "cbor") {
    throw Error(ErrorCode::kUnsupportedEncSerializer, "PPT serializer '" + std::string(ser) + "' is not supported");
  }
  const Bytes& payload = m.args->as_array()[0].as_binary().data;
  Bytes plain_bytes;
  if (attrs->cipher) {
    if (!key) throw Error(ErrorCode::kNoKey, "PPT payload is encrypted and no key was given");
    box_open_into(*key, payload, plain_bytes);
  } else {
    plain_bytes = payload;
  }
  Message out = m;
  out.args.reset();
  out.kwargs.reset();
  if (ser == "native") {
    out.args = Value(Array{Value(Binary{std::move(plain_bytes)})});
  } else {
    Value args, kwargs;
    try {
      ppt_unpack(ser, plain_bytes, args, kwargs);
    } catch (...) {
      sodium_memzero(plain_bytes.data(), plain_bytes.size());
      throw;
    }
    sodium_memzero(plain_bytes.data(), plain_bytes.size());
    if (!args.is_null()) out.args = std::move(args);
    if (!kwargs.is_null()) out.kwargs = std::move(kwargs);
  }
  std::erase_if(out.options, [](const auto& kv) { return is_ppt_key(kv.first); });
  if (attrs_out) *attrs_out = *attrs;
  return out;
}

namespace {

const Key& key_for(const KeyRing& ring, std::string_view uri, Role role) {
  const Key* key = ring.find(uri);
  if (!key) throw Error(ErrorCode::kNoKey, "no key for URI '" + std::string(uri) + "'");
  if (!key->has_role(role)) key->shared(role);  // throws kMissingRole with the details
  return *key;
}

}  // namespace

Message ppt_seal(const KeyRing& ring, Role role, const Message& plain, std::optional<std::string_view> uri,
                 const std::array<std::uint8_t, kNonceBytes>* fixed_nonce) {
  const std::string_view key_uri = resolve_uri(plain, uri);
  const Key& key = key_for(ring, key_uri, role);
  // The receiver's public key: the responder's when the originator seals.
  const auto& receiver = role == Role::kOriginator ? key.responder_pub() : key.originator_pub();
  PptAttributes attrs;
  attrs.scheme = std::string(kPptSchemeWamp);
  attrs.serializer = "cbor";
  attrs.cipher = std::string(kPptCipherXsalsa20Poly1305);
  if (receiver) attrs.keyid = ppt_key_id(*receiver);
  return ppt_wrap(plain, attrs, &key.shared(role), fixed_nonce);
}

Message ppt_open(const KeyRing& ring, Role role, const Message& m, std::optional<std::string_view> uri,
                 PptAttributes* attrs_out) {
  const std::string_view key_uri = resolve_uri(m, uri);
  std::optional<PptAttributes> attrs = ppt_attributes(m.options);
  if (!attrs) protocol_error("message has no ppt_scheme");
  const SharedKey* shared = nullptr;
  if (attrs->cipher) {
    const Key& key = key_for(ring, key_uri, role);
    if (attrs->keyid) {
      // This side is the receiver: its own public key.
      const auto& own = role == Role::kResponder ? key.responder_pub() : key.originator_pub();
      if (!own || !iequals(ppt_key_id(*own), *attrs->keyid)) {
        throw Error(ErrorCode::kNoKey, "ppt_keyid " + *attrs->keyid + " does not name the key held for URI '" +
                                           std::string(key_uri) + "'");
      }
    }
    shared = &key.shared(role);
  }
  return ppt_unwrap(m, shared, attrs_out);
}

}  // namespace wampbox
