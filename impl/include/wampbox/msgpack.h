// MessagePack exactly as Autobahn|Python writes and reads it
// (msgpack-python: packb(use_bin_type=True), unpackb(raw=False)).
#pragma once

#include <span>
#include <cstdint>

#include "wampbox/limits.h"
#include "wampbox/value.h"

namespace wampbox {

/// Appends the MessagePack encoding of `v`: smallest int forms (positive ints
/// as fixint/uint8..uint64, negative as negative fixint/int8..int64), floats
/// as float64, str8/16/32, bin8/16/32, fixarray/array16/32, fixmap/map16/32.
/// BigInt throws Error(kUnencodable) (msgpack-python raises OverflowError);
/// so do lengths over 2^32-1 and nesting deeper than 1024 (what the reader
/// accepts). A string that is not UTF-8 throws Error(kInvalidUtf8). On any
/// error `out` keeps its original size.
void msgpack_write_append(const Value& v, Bytes& out);
[[nodiscard]] Bytes msgpack_write(const Value& v);

/// Decodes exactly one MessagePack object spanning all of `data`. Truncated
/// or trailing data, invalid UTF-8 in str, non-string map keys, ext types, or
/// nesting deeper than 1024 throw Error(kParseError/kInvalidUtf8); input
/// beyond `limits` throws Error(kLimitExceeded) (wampbox/limits.h; the
/// one-argument form uses the defaults). Thread-safe (no shared state).
[[nodiscard]] Value msgpack_parse(std::span<const std::uint8_t> data);
[[nodiscard]] Value msgpack_parse(std::span<const std::uint8_t> data, const DecodeLimits& limits);

}  // namespace wampbox
