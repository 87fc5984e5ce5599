// Internal to wampbox: what the PPT message layer (ppt.cc) and the PPT key
// store (ppt_keystore.cc: PptKeyStore and its files) share. Not installed.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wampbox/frame.h"
#include "wampbox/ppt.h"
#include "wampbox/sizes.h"

namespace wampbox::ppt_internal {

/// Throws Error(kProtocolError, "PPT: " + msg).
[[noreturn]] void protocol_error(const std::string& msg);

/// The URI a PPT key is looked up by: message_internal.h's resolve_uri (the
/// one cryptobox uses too); PPT has no plaintext fallback, so no URI throws
/// Error(kInvalidArgument). The view points into `m` or `uri`.
std::string_view key_uri_of(const Message& m, std::optional<std::string_view> uri);

/// The one implementation of ppt_wrap (PptCrypto overload) and
/// ppt_wrap_for_testing: an empty `fixed_nonce` means fresh random bytes.
Message wrap_core(const Message& plain, const PptAttributes& attrs, const std::span<const std::uint8_t, kKeyBytes>* key,
                  const PptCrypto& crypto, std::span<const std::uint8_t> fixed_nonce);

/// The *_for_testing functions take a nonce that must be there:
/// Error(kInvalidArgument) when `nonce` is empty (its length is checked by the cipher).
void require_nonce_for_testing(std::span<const std::uint8_t> nonce);

}  // namespace wampbox::ppt_internal
