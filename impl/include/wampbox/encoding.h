// Byte <-> text encodings used on the wire and in key files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "wampbox/value.h"

namespace wampbox {

/// Standard-alphabet, padded base64 (RFC 4648 section 4), as Python's
/// base64.b64encode. Appends to `out`.
void base64_encode_append(std::span<const std::uint8_t> in, std::string& out);
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> in);

/// Strict decoding of standard padded base64: length a multiple of 4, only
/// alphabet characters, '=' only as final padding, and zero padding bits.
/// Throws Error(kInvalidBase64) otherwise (Autobahn's decoder is laxer: it
/// skips non-alphabet characters).
[[nodiscard]] Bytes base64_decode(std::string_view in);
void base64_decode_into(std::string_view in, Bytes& out);  // replaces `out`

/// Lowercase hex.
[[nodiscard]] std::string hex_encode(std::span<const std::uint8_t> in);
/// Accepts upper- and lowercase; throws Error(kParseError) on odd length or a
/// non-hex character.
[[nodiscard]] Bytes hex_decode(std::string_view in);

/// True if `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;

}  // namespace wampbox
