// Resource limits for decoding untrusted input (frames from the network,
// decrypted payloads). One struct for every decoder so that a receiver (the
// CLI, a router, an application) sets its policy once.
#pragma once

#include <cstddef>

namespace wampbox {

/// Caps on what one decode may build. Every decoder (json_parse, JsonParser,
/// msgpack_parse, cbor_parse, decode_frame, and PayloadCodec::decode for the
/// decrypted JSON) takes one; the overloads without it use these defaults.
///
/// Exceeding a limit throws Error(ErrorCode::kLimitExceeded) (nesting: see
/// max_depth) before the memory the excess would need is allocated: the input
/// size is checked first; element counts are checked when a container header
/// announces them (MessagePack/CBOR) or as elements are created (JSON, and
/// indefinite CBOR), so at most max_elements values are ever built.
///
/// Memory bound at the defaults: each element costs at most about 64 bytes
/// (a Value plus its share of a container), so the value tree of one decode
/// stays under max_elements * 64 B = 64 MiB plus the strings it holds (at
/// most the input size). JSON additionally uses simdjson's DOM, about 15x the
/// input bytes while it runs (so up to ~240 MiB for a 16 MiB JSON frame); a
/// receiver that takes large JSON frames from untrusted peers on many threads
/// should lower max_frame_bytes.
struct DecodeLimits {
  /// Bytes of one input (frame, or decrypted plaintext). 16 MiB: the largest
  /// message WAMP's RawSocket transport can carry (2^24 bytes).
  std::size_t max_frame_bytes = std::size_t{1} << 24;
  /// Values (scalars and containers, map keys not counted) in one input.
  /// 2^20: ten times the elements of the largest benchmark payload, and about
  /// one per 16 bytes of a maximal frame, which no WAMP payload needs.
  std::size_t max_elements = std::size_t{1} << 20;
  /// Container nesting. 1024 is also the hard ceiling (msgpack-python's
  /// unpacker limit, which all three readers share); larger values act as
  /// 1024. Too deep nesting throws Error(kParseError), as it does in Python.
  std::size_t max_depth = 1024;
  /// Bytes of one string, binary, or map key.
  std::size_t max_string_bytes = std::size_t{1} << 24;
  /// Decimal digits of an integer beyond 64 bits (JSON literal, CBOR bignum).
  /// 4300: CPython's int/str conversion limit (sys.get_int_max_str_digits()),
  /// so Autobahn rejects longer ones too; conversion cost is quadratic in it.
  std::size_t max_bignum_digits = 4300;
};

}  // namespace wampbox
