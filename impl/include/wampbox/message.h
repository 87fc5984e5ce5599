// WAMP messages that carry application payloads, in plain (args/kwargs) and
// encrypted (payload) form, and their JSON / MessagePack / CBOR frames,
// byte-identical to Autobahn|Python's message.marshal() + serializers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wampbox/cryptobox.h"
#include "wampbox/value.h"

namespace wampbox {

enum class MessageType : int {
  kError = 8,
  kPublish = 16,
  kEvent = 36,
  kCall = 48,
  kResult = 50,
  kInvocation = 68,
  kYield = 70,
};
std::string_view to_string(MessageType t) noexcept;  // "PUBLISH", ...
/// Parses "PUBLISH"/"publish"; nullopt if unknown.
std::optional<MessageType> message_type_from_string(std::string_view name) noexcept;

enum class Serializer { kJson, kMsgPack, kCbor };
std::string_view to_string(Serializer s) noexcept;  // "json", "msgpack", "cbor"
std::optional<Serializer> serializer_from_string(std::string_view name) noexcept;

/// One WAMP message. Wire shapes (Payload replaces Arguments, ArgumentsKw absent):
///   PUBLISH    [16, request, options, uri, Arguments?, ArgumentsKw?]
///   EVENT      [36, subscription, publication, options(=Details), ...]
///   CALL       [48, request, options, uri, ...]
///   INVOCATION [68, request, registration, options(=Details), ...]
///   YIELD      [70, request, options, ...]
///   RESULT     [50, request, options(=Details), ...]
///   ERROR      [8, request_type, request, options(=Details), uri, ...]
struct Message {
  MessageType type = MessageType::kPublish;
  std::int64_t request_type = 0;   // ERROR only
  std::uint64_t request = 0;       // all but EVENT
  std::uint64_t subscription = 0;  // EVENT
  std::uint64_t publication = 0;   // EVENT
  std::uint64_t registration = 0;  // INVOCATION
  Object options;                  // Options or Details, in wire order
  std::string uri;                 // PUBLISH topic, CALL procedure, ERROR error; empty otherwise
  // Plain form: what follows Options/URI. Marshalled as Autobahn does:
  // kwargs non-empty -> [.., args, kwargs]; else args non-empty -> [.., args];
  // else neither. On parse, present elements are kept as they were.
  std::optional<Value> args;       // Array (or Null when followed by kwargs)
  std::optional<Value> kwargs;     // Object
  // Encrypted form: Payload|binary; options then carry enc_algo/enc_serializer
  // (and enc_key), placed where Autobahn's marshal() puts them.
  std::optional<Bytes> payload;

  bool is_encrypted() const noexcept { return payload.has_value(); }
  bool operator==(const Message&) const = default;
};

/// Serializes `m` into `out` (replaced). JSON frames are UTF-8 text with
/// binary as "\u0000"+base64. Throws Error(kInvalidArgument) for an
/// inconsistent Message (e.g. both payload and args) and Error(kUnencodable)
/// for values the serializer cannot carry. As Autobahn's `if self.payload:`,
/// an empty payload is written in the plain form (no payload element and no
/// enc_* attributes). `uri` is not written for types whose frame has none.
void encode_frame_into(const Message& m, Serializer s, Bytes& out);
Bytes encode_frame(const Message& m, Serializer s);

/// Parses one frame. Syntax errors throw kParseError/kInvalidUtf8/
/// kInvalidBase64; a well-formed frame that is not a valid message of the
/// seven supported types throws kProtocolError, with Autobahn's checks:
/// element count, id/dict/URI types, args a list, kwargs a dict, enc_algo in
/// {cryptobox, mqtt, xbr} or x_*, enc_serializer in {json, msgpack, cbor,
/// ubjson, flatbuffers} or x_*, enc_key a string. Also mirrored: the checks
/// Autobahn's constructors assert (a str where PUBLISH/CALL/RESULT expect the
/// binary payload is rejected; forward_for entries need session int, authid
/// str or null, authrole str; enc_key/enc_serializer need enc_algo), the known
/// Options/Details types of each class (e.g. CALL timeout a non-negative int),
/// PUBLISH taking str/bytes args and kwargs, and the URI pattern
/// ^([^\s.#]+\.)*([^\s.#]+)$ with Python's \s (Unicode spaces) and `$` (a final
/// "\n" is accepted). Unknown Options keys are kept as they are.
Message decode_frame(std::span<const std::uint8_t> frame, Serializer s);

/// Which box a message type uses when it is sealed (PUBLISH, CALL ->
/// originator; YIELD, ERROR -> responder) or opened (EVENT, INVOCATION ->
/// responder; RESULT, ERROR -> originator). Throws kInvalidArgument if the
/// type is not sealed/opened in that direction (e.g. sealing an EVENT, which
/// only a router forwards).
Role seal_role(MessageType t);
Role open_role(MessageType t);

/// The encrypted form of a plain message: payload from (uri, args, kwargs),
/// enc_* inserted into options at Autobahn's position. `uri` is the URI the
/// payload is keyed by and carries (defaults to m.uri; required for YIELD,
/// whose frame has none). Returns nullopt when no key covers the URI (send
/// `m` as it is). Errors as PayloadCodec::encode.
std::optional<Message> seal_message(const PayloadCodec& codec, const Message& m,
                                    std::optional<std::string_view> uri = std::nullopt,
                                    const std::array<std::uint8_t, kNonceBytes>* fixed_nonce = nullptr);

/// Decrypts an encrypted message in the role open_role(m.type) and returns the
/// plain form (enc_* removed from options, args/kwargs set from the payload).
/// `uri` is what the receiver expects the payload to be for (defaults to
/// m.uri; required for EVENT/INVOCATION/RESULT, whose frames do not carry it).
/// A non-empty EVENT Details.topic / INVOCATION Details.procedure takes
/// precedence over `uri`, as in Autobahn's session (with a pattern-based
/// subscription or registration the receiver only knows the pattern).
/// Errors as PayloadCodec::decode.
Message open_message(const PayloadCodec& codec, const Message& m, std::optional<std::string_view> uri = std::nullopt,
                     std::string* decrypted_uri = nullptr);

/// As seal_message / open_message, with the role given explicitly instead of
/// seal_role / open_role: for test tools and routers that produce or inspect
/// frames of the other direction (e.g. an EVENT sealed with the originator box,
/// as the PUBLISH it was forwarded from).
std::optional<Message> seal_message_with_role(const PayloadCodec& codec, Role role, const Message& m,
                                              std::optional<std::string_view> uri = std::nullopt,
                                              const std::array<std::uint8_t, kNonceBytes>* fixed_nonce = nullptr);
Message open_message_with_role(const PayloadCodec& codec, Role role, const Message& m,
                               std::optional<std::string_view> uri = std::nullopt,
                               std::string* decrypted_uri = nullptr);

/// Where enc_algo/enc_key/enc_serializer go among this type's Options/Details:
/// before the first of these keys present in options, else at the end
/// (PUBLISH: forward_for; CALL: caller, caller_authid, caller_authrole,
/// forward_for; others: none).
std::span<const std::string_view> keys_after_enc(MessageType t) noexcept;

}  // namespace wampbox
