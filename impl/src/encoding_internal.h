// Internal (not installed) entry points of encoding.cc for other wampbox
// sources that write into their own buffers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wampbox {

/// Writes the padded base64 of in[0, n) to `out`, which must have room for
/// (n + 2) / 3 * 4 characters; returns that count.
std::size_t encoding_base64_encode_raw(const std::uint8_t* in, std::size_t n, char* out) noexcept;

}  // namespace wampbox
