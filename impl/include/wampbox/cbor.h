// CBOR exactly as Autobahn|Python writes and reads it (cbor2.dumps/loads).
#pragma once

#include <span>
#include <cstdint>

#include "wampbox/limits.h"
#include "wampbox/value.h"

namespace wampbox {

/// Appends the CBOR encoding of `v` as cbor2 (non-canonical) writes it:
/// shortest integer heads; integers beyond 64 bits as tag 2/3 bignums; floats
/// as float64 except NaN/+Inf/-Inf as half-precision f97e00/f97c00/f9fc00;
/// text as major 3, Binary as major 2, definite-length arrays and maps.
/// BigInts beyond 4300 decimal digits (CPython's int/str limit) and nesting
/// deeper than 1024 throw Error(kUnencodable); a string that is not UTF-8
/// throws Error(kInvalidUtf8). On any error `out` keeps its original size.
void cbor_write_append(const Value& v, Bytes& out);
[[nodiscard]] Bytes cbor_write(const Value& v);

/// Decodes exactly one CBOR data item spanning all of `data`. Accepts
/// half/single/double floats, definite and indefinite lengths, tags 2/3
/// (bignums); other tags, non-text map keys, undefined/simple values,
/// truncated or trailing data, invalid UTF-8, or nesting deeper than 1024
/// throw Error(kParseError/kInvalidUtf8); input beyond `limits` throws
/// Error(kLimitExceeded) (wampbox/limits.h; the one-argument form uses the
/// defaults). Thread-safe (no shared state).
[[nodiscard]] Value cbor_parse(std::span<const std::uint8_t> data);
[[nodiscard]] Value cbor_parse(std::span<const std::uint8_t> data, const DecodeLimits& limits);

}  // namespace wampbox
