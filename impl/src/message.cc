// The encryption glue between WAMP messages and the payload codec
// (wampbox/message.h): which box a message type uses, where enc_* go among
// Options/Details, and sealing/opening a Message.
#include "wampbox/message.h"

#include <algorithm>
#include <string>

#include "message_internal.h"
#include "wampbox/error.h"

namespace wampbox {

namespace internal {

// The one resolve_uri, for cryptobox and PPT (contract in message_internal.h).
std::optional<std::string_view> resolve_uri(const Message& m, std::optional<std::string_view> uri) {
  const char* key = m.type == MessageType::kEvent ? "topic" : m.type == MessageType::kInvocation ? "procedure" : nullptr;
  if (key) {
    const Value* v = find_key(m.options, key);
    if (v && v->kind() == Value::Kind::kString && !v->as_string().empty()) return std::string_view(v->as_string());
  }
  if (uri) return uri;
  if (!m.uri.empty() || has_uri_element(m.type)) return std::string_view(m.uri);
  return std::nullopt;
}

}  // namespace internal

using internal::find_key;
using internal::is_enc_key;
using internal::kEncAlgo;
using internal::kEncKey;
using internal::kEncSerializer;
using internal::resolve_uri;

Role seal_role(MessageType t) {
  switch (t) {
    case MessageType::kPublish:
    case MessageType::kCall: return Role::kOriginator;
    case MessageType::kYield:
    case MessageType::kError: return Role::kResponder;
    default: break;
  }
  throw Error(ErrorCode::kInvalidArgument,
              std::string("a client does not seal ") + std::string(to_string(t)) + " messages (a router forwards them)");
}

Role open_role(MessageType t) {
  switch (t) {
    case MessageType::kEvent:
    case MessageType::kInvocation: return Role::kResponder;
    case MessageType::kResult:
    case MessageType::kError: return Role::kOriginator;
    default: break;
  }
  throw Error(ErrorCode::kInvalidArgument,
              std::string("a client does not open ") + std::string(to_string(t)) + " messages (it sends them)");
}

std::span<const std::string_view> keys_after_enc(MessageType t) noexcept {
  static constexpr std::string_view kPublish[] = {"forward_for"};
  static constexpr std::string_view kCall[] = {"caller", "caller_authid", "caller_authrole", "forward_for"};
  switch (t) {
    case MessageType::kPublish: return kPublish;
    case MessageType::kCall: return kCall;
    default: return {};
  }
}

namespace {

void insert_enc_options(Object& options, std::string_view algo, const std::optional<std::string>& key,
                        std::string_view serializer, MessageType t) {
  std::erase_if(options, [](const auto& kv) { return is_enc_key(kv.first); });
  auto after = keys_after_enc(t);
  auto pos = std::find_if(options.begin(), options.end(), [&](const auto& kv) {
    return std::find(after.begin(), after.end(), std::string_view(kv.first)) != after.end();
  });
  Object enc;
  enc.emplace_back(std::string(kEncAlgo), Value(algo));
  if (key) enc.emplace_back(std::string(kEncKey), Value(*key));
  enc.emplace_back(std::string(kEncSerializer), Value(serializer));
  options.insert(pos, std::make_move_iterator(enc.begin()), std::make_move_iterator(enc.end()));
}

// `m` without its payload elements (args, kwargs, payload): what sealing and
// opening keep.
Message header_of(const Message& m) {
  Message out;
  out.type = m.type;
  out.request_type = m.request_type;
  out.request = m.request;
  out.subscription = m.subscription;
  out.publication = m.publication;
  out.registration = m.registration;
  out.options = m.options;
  out.uri = m.uri;
  return out;
}

// The one sealing path; `fixed_nonce` is non-null only from the *_for_testing functions.
std::optional<Message> seal_core(const PayloadCodec& codec, Role role, const Message& m,
                                 std::optional<std::string_view> uri,
                                 const std::array<std::uint8_t, kNonceBytes>* fixed_nonce) {
  if (m.payload) throw Error(ErrorCode::kInvalidArgument, "message is already encrypted");
  auto key_uri = resolve_uri(m, uri);
  if (!key_uri) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(to_string(m.type)) + " carries no URI: pass the URI the payload is for");
  }
  static const Value kNull;
  const Value& args = m.args ? *m.args : kNull;
  const Value& kwargs = m.kwargs ? *m.kwargs : kNull;
  thread_local std::string scratch;
  Bytes payload;
  const bool sealed = fixed_nonce != nullptr
                          ? codec.encode_into_for_testing(role, *key_uri, args, kwargs, payload, scratch, *fixed_nonce)
                          : codec.encode_into(role, *key_uri, args, kwargs, payload, scratch);
  if (!sealed) return std::nullopt;
  Message out = header_of(m);
  out.payload = std::move(payload);
  // enc_key names the key only for rotating keyring prefixes (KeyRing::add_key); Autobahn's frames have none.
  insert_enc_options(out.options, kEncAlgoCryptobox, codec.enc_key_for(role, *key_uri), kEncSerializerJson, m.type);
  return out;
}

}  // namespace

std::optional<Message> seal_message_with_role(const PayloadCodec& codec, Role role, const Message& m,
                                              std::optional<std::string_view> uri) {
  return seal_core(codec, role, m, uri, nullptr);
}

std::optional<Message> seal_message(const PayloadCodec& codec, const Message& m, std::optional<std::string_view> uri) {
  return seal_core(codec, seal_role(m.type), m, uri, nullptr);
}

std::optional<Message> seal_message_with_role_for_testing(const PayloadCodec& codec, Role role, const Message& m,
                                                          std::optional<std::string_view> uri,
                                                          const std::array<std::uint8_t, kNonceBytes>& nonce) {
  return seal_core(codec, role, m, uri, &nonce);
}

std::optional<Message> seal_message_for_testing(const PayloadCodec& codec, const Message& m,
                                                std::optional<std::string_view> uri,
                                                const std::array<std::uint8_t, kNonceBytes>& nonce) {
  return seal_core(codec, seal_role(m.type), m, uri, &nonce);
}

Message open_message_with_role(const PayloadCodec& codec, Role role, const Message& m,
                               std::optional<std::string_view> uri, std::string* decrypted_uri) {
  if (!m.payload) throw Error(ErrorCode::kInvalidArgument, "message is not encrypted (no payload)");
  auto envelope_uri = resolve_uri(m, uri);
  if (!envelope_uri) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(to_string(m.type)) + " carries no URI: pass the URI the payload is expected for");
  }
  EncodedPayload enc;
  auto str_opt = [&](std::string_view k) -> std::optional<std::string> {
    const Value* v = find_key(m.options, k);
    if (v && v->kind() == Value::Kind::kString) return v->as_string();
    return std::nullopt;
  };
  // Absent attributes become "" so that PayloadCodec::decode reports them
  // as unsupported (Autobahn compares with "cryptobox" / "json").
  enc.enc_algo = str_opt(kEncAlgo).value_or("");
  enc.enc_serializer = str_opt(kEncSerializer).value_or("");
  enc.enc_key = str_opt(kEncKey);
  enc.payload = *m.payload;
  DecodedPayload dec = codec.decode(role, *envelope_uri, enc);

  Message out = header_of(m);
  std::erase_if(out.options, [](const auto& kv) { return is_enc_key(kv.first); });
  if (!dec.args.is_null()) out.args = std::move(dec.args);
  if (!dec.kwargs.is_null()) out.kwargs = std::move(dec.kwargs);
  if (decrypted_uri) *decrypted_uri = std::move(dec.uri);
  return out;
}

Message open_message(const PayloadCodec& codec, const Message& m, std::optional<std::string_view> uri,
                     std::string* decrypted_uri) {
  return open_message_with_role(codec, open_role(m.type), m, uri, decrypted_uri);
}

}  // namespace wampbox
