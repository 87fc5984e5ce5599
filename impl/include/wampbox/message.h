// Sealing and opening WAMP messages with WAMP-cryptobox: the glue between the
// frames of wampbox/frame.h (included here, so that code written against the
// former all-in-one message.h compiles unchanged) and the payload codec of
// wampbox/cryptobox.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wampbox/cryptobox.h"
#include "wampbox/frame.h"
#include "wampbox/keyring.h"
#include "wampbox/value.h"

namespace wampbox {

/// Which box a message type uses when it is sealed (PUBLISH, CALL ->
/// originator; YIELD, ERROR -> responder) or opened (EVENT, INVOCATION ->
/// responder; RESULT, ERROR -> originator). Throws kInvalidArgument if the
/// type is not sealed/opened in that direction (e.g. sealing an EVENT, which
/// only a router forwards).
[[nodiscard]] Role seal_role(MessageType t);
[[nodiscard]] Role open_role(MessageType t);

/// The encrypted form of a plain message: payload from (uri, args, kwargs),
/// enc_* inserted into options at Autobahn's position. `uri` is the URI the
/// payload is keyed by and carries (defaults to m.uri; required for YIELD,
/// whose frame has none). Returns nullopt when no key covers the URI (send
/// `m` as it is). Errors as PayloadCodec::encode.
[[nodiscard]] std::optional<Message> seal_message(const PayloadCodec& codec, const Message& m,
                                                  std::optional<std::string_view> uri = std::nullopt);

/// Decrypts an encrypted message in the role open_role(m.type) and returns the
/// plain form (enc_* removed from options, args/kwargs set from the payload).
/// `uri` is what the receiver expects the payload to be for (defaults to
/// m.uri; required for EVENT/INVOCATION/RESULT, whose frames do not carry it).
/// A non-empty EVENT Details.topic / INVOCATION Details.procedure takes
/// precedence over `uri`, as in Autobahn's session (with a pattern-based
/// subscription or registration the receiver only knows the pattern).
/// Errors as PayloadCodec::decode.
[[nodiscard]] Message open_message(const PayloadCodec& codec, const Message& m,
                                   std::optional<std::string_view> uri = std::nullopt,
                                   std::string* decrypted_uri = nullptr);

/// As seal_message / open_message, with the role given explicitly instead of
/// seal_role / open_role: for test tools and routers that produce or inspect
/// frames of the other direction (e.g. an EVENT sealed with the originator box,
/// as the PUBLISH it was forwarded from).
[[nodiscard]] std::optional<Message> seal_message_with_role(const PayloadCodec& codec, Role role, const Message& m,
                                                            std::optional<std::string_view> uri = std::nullopt);
[[nodiscard]] Message open_message_with_role(const PayloadCodec& codec, Role role, const Message& m,
                                             std::optional<std::string_view> uri = std::nullopt,
                                             std::string* decrypted_uri = nullptr);

/// FOR TESTS ONLY: seal_message / seal_message_with_role with the caller's
/// `nonce` instead of 24 fresh random bytes (PayloadCodec::encode_for_testing
/// underneath; otherwise the same code path and errors). They exist to
/// reproduce known-answer frames (the corpus, `wampbox seal --nonce`). Never
/// use them in production: a nonce used twice with the same key breaks
/// XSalsa20-Poly1305's confidentiality and authenticity.
[[nodiscard]] std::optional<Message> seal_message_for_testing(const PayloadCodec& codec, const Message& m,
                                                              std::optional<std::string_view> uri,
                                                              const std::array<std::uint8_t, kNonceBytes>& nonce);
[[nodiscard]] std::optional<Message> seal_message_with_role_for_testing(
    const PayloadCodec& codec, Role role, const Message& m, std::optional<std::string_view> uri,
    const std::array<std::uint8_t, kNonceBytes>& nonce);

/// Where enc_algo/enc_key/enc_serializer go among this type's Options/Details:
/// before the first of these keys present in options, else at the end
/// (PUBLISH: forward_for; CALL: caller, caller_authid, caller_authrole,
/// forward_for; others: none).
[[nodiscard]] std::span<const std::string_view> keys_after_enc(MessageType t) noexcept;

}  // namespace wampbox
