// Internal to wampbox: what the frame writer (frame_write.cc), the frame
// parser (frame_parse.cc), the encryption glue (message.cc) and PPT (ppt.cc)
// share about WAMP messages. Not installed.
#pragma once

#include <optional>
#include <string_view>

#include "wampbox/frame.h"
#include "wampbox/value.h"

namespace wampbox::internal {

inline constexpr std::string_view kEncAlgo = "enc_algo";
inline constexpr std::string_view kEncKey = "enc_key";
inline constexpr std::string_view kEncSerializer = "enc_serializer";

inline bool is_enc_key(std::string_view k) noexcept { return k == kEncAlgo || k == kEncKey || k == kEncSerializer; }

/// Whether the frame of type `t` has a URI element (PUBLISH topic, CALL
/// procedure, ERROR error).
inline bool has_uri_element(MessageType t) noexcept {
  return t == MessageType::kPublish || t == MessageType::kCall || t == MessageType::kError;
}

/// The value of the first entry `key` of `o` (Options/Details keep wire
/// order and may in principle repeat a key), or nullptr.
const Value* find_key(const Object& o, std::string_view key) noexcept;

/// The URI a payload is keyed and checked by, for sealing or opening `m`
/// (cryptobox and PPT alike): a non-empty string EVENT Details.topic /
/// INVOCATION Details.procedure, as Autobahn's session does
/// (`msg.topic or subscription.topic`, `msg.procedure or
/// registration.procedure`: with a pattern-based subscription/registration the
/// receiver only knows the pattern); else `uri` if given; else m.uri when the
/// frame has a URI element or m.uri is set; else nullopt. The view points into
/// `m` or `uri`.
std::optional<std::string_view> resolve_uri(const Message& m, std::optional<std::string_view> uri);

}  // namespace wampbox::internal
