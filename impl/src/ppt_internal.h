// Internal to wampbox: what the PPT message layer (ppt.cc) and the PPT key
// store (ppt_keystore.cc: PptKeyStore and its files) share. Not installed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wampbox/frame.h"

namespace wampbox::ppt_internal {

/// Throws Error(kProtocolError, "PPT: " + msg).
[[noreturn]] void protocol_error(const std::string& msg);

/// The URI a PPT key is looked up by: message_internal.h's resolve_uri (the
/// one cryptobox uses too); PPT has no plaintext fallback, so no URI throws
/// Error(kInvalidArgument). The view points into `m` or `uri`.
std::string_view key_uri_of(const Message& m, std::optional<std::string_view> uri);

}  // namespace wampbox::ppt_internal
