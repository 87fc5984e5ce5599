// Generic WAMP message (de)serialization for the messages the wampbox frame
// codec does not model (HELLO, WELCOME, SUBSCRIBE, ...), and a cheap look at a
// frame's message type so that a receiver parses each frame once.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "wampbox/limits.h"
#include "wampbox/message.h"
#include "wampbox/value.h"

namespace wampbox::transport {

/// WAMP message type codes (WAMP basic + advanced profile, the ones used here).
namespace wamp {
inline constexpr int kHello = 1, kWelcome = 2, kAbort = 3, kGoodbye = 6, kError = 8, kPublish = 16,
                     kPublished = 17, kSubscribe = 32, kSubscribed = 33, kUnsubscribe = 34, kUnsubscribed = 35,
                     kEvent = 36, kCall = 48, kCancel = 49, kResult = 50, kRegister = 64, kRegistered = 65,
                     kUnregister = 66, kUnregistered = 67, kInvocation = 68, kInterrupt = 69, kYield = 70;
}  // namespace wamp

/// True for the seven types the wampbox frame codec (encode_frame/decode_frame)
/// handles: ERROR, PUBLISH, EVENT, CALL, RESULT, INVOCATION, YIELD.
bool is_payload_type(int type) noexcept;

/// The message type code of a frame, read from its first bytes without parsing
/// the rest; nullopt if the frame does not start like a WAMP message
/// ([int, ...]) in serializer `s`. Never throws.
std::optional<int> peek_message_type(std::span<const std::uint8_t> frame, Serializer s) noexcept;

/// Serializes / parses a whole message as a Value (Array). Errors as the
/// underlying json/msgpack/cbor functions (wampbox::Error; a frame over one of
/// `limits` throws kLimitExceeded, or kParseError for nesting, before the
/// excess is allocated). The overload without limits uses DecodeLimits{}.
Bytes encode_value(const Value& message, Serializer s);
Value decode_value(std::span<const std::uint8_t> frame, Serializer s);
Value decode_value(std::span<const std::uint8_t> frame, Serializer s, const DecodeLimits& limits);

}  // namespace wampbox::transport
