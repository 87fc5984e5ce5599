// Private to wampbox: the JSON writer's pieces (json_write.cc), for the writers
// that put JSON inside something larger without a copy: the JSON frame writer
// (frame_write.cc) and the cryptobox plaintext (cryptobox.cc). One string
// escaper (SSE2 scan, json_internal::find_special) for all of them.
#pragma once

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "wampbox/value.h"

#if defined(__GNUC__) || defined(__clang__)
#define WAMPBOX_JSON_INLINE inline __attribute__((always_inline))
#define WAMPBOX_JSON_NOINLINE __attribute__((noinline))
#else
#define WAMPBOX_JSON_INLINE inline
#define WAMPBOX_JSON_NOINLINE
#endif

namespace wampbox::json_internal {

/// Appends into a std::string or a Bytes buffer through a raw pointer: the
/// buffer is grown geometrically and written in place, and trimmed to the
/// bytes written by finish(), so small pieces ('{', ',', a key) cost a compare
/// and a store instead of an append call each. (Growth zero-fills only the
/// added part, so reusing a large cleared buffer for small messages stays
/// cheap.) Until finish() or abandon() the buffer holds unwritten bytes past
/// the written ones. Not thread-safe (as the buffer).
template <class Buffer>  // std::string or Bytes
class Sink {
 public:
  explicit Sink(Buffer& s, std::size_t headroom = 256) : s_(s), base_(s.size()) {
    s_.resize(base_ + headroom);
    p_ = data() + base_;
    end_ = data() + s_.size();
  }
  WAMPBOX_JSON_INLINE void ensure(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) grow(n);
  }
  WAMPBOX_JSON_INLINE void put(char c) {
    ensure(1);
    *p_++ = c;
  }
  WAMPBOX_JSON_INLINE void write(const char* d, std::size_t n) {
    ensure(n);
    std::memcpy(p_, d, n);
    p_ += n;
  }
  void write(std::string_view s) { write(s.data(), s.size()); }
  char*& ptr() { return p_; }  // after ensure()
  /// Trims the buffer to what was written.
  void finish() { s_.resize(static_cast<std::size_t>(p_ - data())); }
  /// Leaves the buffer as it was before this Sink, wiping what was written:
  /// the target may be a plaintext scratch buffer (PayloadCodec::encode_into),
  /// whose callers wipe only size() bytes.
  void abandon() {
    sodium_memzero(data() + base_, s_.size() - base_);
    s_.resize(base_);
  }

 private:
  char* data() { return reinterpret_cast<char*>(s_.data()); }
  /// Grows in place when the capacity allows; otherwise moves to a new
  /// buffer and wipes the old one before it is freed (the container's own
  /// reallocation would free it unwiped, and it may hold plaintext).
  WAMPBOX_JSON_NOINLINE void grow(std::size_t n) {
    const std::size_t used = static_cast<std::size_t>(p_ - data());
    const std::size_t want = std::max(used + n, s_.size() * 2);
    if (want <= s_.capacity()) {
      s_.resize(want);
    } else {
      Buffer bigger;
      bigger.reserve(want);
      bigger.resize(want);
      std::memcpy(reinterpret_cast<char*>(bigger.data()), data(), used);
      sodium_memzero(data(), s_.size());
      s_.swap(bigger);
    }
    p_ = data() + used;
    end_ = data() + s_.size();
  }
  Buffer& s_;
  std::size_t base_;
  char* p_;
  char* end_;
};

/// A JSON string exactly as json_write_append writes a String value. Throws
/// Error(kInvalidUtf8) for invalid UTF-8 (what was written stays in the sink).
template <class Buffer>
void write_string(std::string_view s, Sink<Buffer>& out);
/// The JSON text of `v`, as json_write_append.
template <class Buffer>
void write_value(const Value& v, Sink<Buffer>& out);
/// Autobahn's binary form: the string "\u0000" + base64.
template <class Buffer>
void write_binary(std::span<const std::uint8_t> b, Sink<Buffer>& out);
/// The two-digit pairs "00".."99", for write_digits.
inline constexpr char kDigitPairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/// The decimal digits of an unsigned 64-bit value, held in registers as 20
/// ASCII digits with leading zeros (h: the first 4, m: the next 8, l: the last
/// 8; on little-endian x86 the first digit is the lowest byte), plus the count
/// of significant ones.
///
/// Hand-written because it is the inner loop of number-heavy payloads (every
/// integer, and every float's Dragonbox significand). The digits are made as
/// five independent groups of four from two-digit pairs and written with a few
/// overlapping 4/8-byte stores, never assembled in memory and read back: an
/// earlier version that wrote pairs into a stack buffer and copied the tail
/// out spent ~20% of ser/plaintext_write/numbers/65536 in store-forwarding
/// stalls (perf annotate), and std::to_chars (libstdc++ 12: one dependent
/// division per two digits, after a loop that counts them) was at 29%.
struct Digits {
  std::uint32_t h;
  std::uint64_t m, l;
  int n;  // 1..20
};

WAMPBOX_JSON_INLINE std::uint64_t digits8(std::uint32_t x) {  // x < 10^8
  const std::uint32_t a = x / 10000, b = x % 10000;
  std::uint16_t p[4];
  std::memcpy(&p[0], kDigitPairs + 2 * (a / 100), 2);
  std::memcpy(&p[1], kDigitPairs + 2 * (a % 100), 2);
  std::memcpy(&p[2], kDigitPairs + 2 * (b / 100), 2);
  std::memcpy(&p[3], kDigitPairs + 2 * (b % 100), 2);
  return std::uint64_t{p[0]} | std::uint64_t{p[1]} << 16 | std::uint64_t{p[2]} << 32 | std::uint64_t{p[3]} << 48;
}

WAMPBOX_JSON_INLINE Digits make_digits(std::uint64_t v) {
  static constexpr std::uint64_t kPow10[20] = {
      1ULL,           10ULL,           100ULL,           1000ULL,           10000ULL,
      100000ULL,      1000000ULL,      10000000ULL,      100000000ULL,      1000000000ULL,
      10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
      1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL, 1000000000000000000ULL,
      10000000000000000000ULL};
  Digits d;
  // floor(log10(v)) + 1 from the bit length (1233 / 4096 ~ log10(2)).
  const int t = ((64 - __builtin_clzll(v | 1)) * 1233) >> 12;
  d.n = t + (v >= kPow10[t] ? 1 : 0) + (v == 0 ? 1 : 0);
  const std::uint64_t rest = v % 10000000000000000ULL;
  const auto hi = static_cast<std::uint32_t>(v / 10000000000000000ULL);  // <= 1844
  std::uint16_t p[2];
  std::memcpy(&p[0], kDigitPairs + 2 * (hi / 100), 2);
  std::memcpy(&p[1], kDigitPairs + 2 * (hi % 100), 2);
  d.h = std::uint32_t{p[0]} | std::uint32_t{p[1]} << 16;
  d.m = digits8(static_cast<std::uint32_t>(rest / 100000000));
  d.l = digits8(static_cast<std::uint32_t>(rest % 100000000));
  return d;
}

/// Writes the last `f` (1..20) digits of `d` at `o`; writes (garbage) up to
/// o + max(f, 8), so the caller needs that much room.
WAMPBOX_JSON_INLINE void store_last_digits(const Digits& d, int f, char* o) {
  if (f <= 8) {
    const std::uint64_t x = d.l >> (8 * (8 - f));
    std::memcpy(o, &x, 8);
  } else if (f <= 16) {
    const int g = f - 8;
    const std::uint64_t x = d.m >> (8 * (8 - g));
    std::memcpy(o, &x, 8);
    std::memcpy(o + g, &d.l, 8);
  } else {
    const int g = f - 16;
    const std::uint32_t x = d.h >> (8 * (4 - g));
    std::memcpy(o, &x, 4);
    std::memcpy(o + g, &d.m, 8);
    std::memcpy(o + g + 8, &d.l, 8);
  }
}

/// Writes the decimal digits of `v` (no sign, no leading zeros; "0" for 0) at
/// `o`, which must have room for 20 bytes. Returns the digit count.
WAMPBOX_JSON_INLINE int write_digits(std::uint64_t v, char* o) {
  if (v < 100) {  // frame fields, small counters: skip the full machinery
    if (v < 10) {
      o[0] = static_cast<char>('0' + v);
      return 1;
    }
    std::memcpy(o, kDigitPairs + 2 * v, 2);
    return 2;
  }
  const Digits d = make_digits(v);
  store_last_digits(d, d.n, o);
  return d.n;
}

/// Decimal, as Python's int.__repr__.
template <class Buffer, class Int>
WAMPBOX_JSON_INLINE void write_integer(Int i, Sink<Buffer>& out) {
  out.ensure(24);
  char*& o = out.ptr();
  std::uint64_t u;
  if constexpr (std::is_signed_v<Int>) {
    if (i < 0) {
      *o++ = '-';
      u = 0 - static_cast<std::uint64_t>(i);  // INT64_MIN too
    } else {
      u = static_cast<std::uint64_t>(i);
    }
  } else {
    u = i;
  }
  o += write_digits(u, o);
}

// Instantiated in json_write.cc for std::string and Bytes.
extern template void write_string(std::string_view, Sink<std::string>&);
extern template void write_string(std::string_view, Sink<Bytes>&);
extern template void write_value(const Value&, Sink<std::string>&);
extern template void write_value(const Value&, Sink<Bytes>&);
extern template void write_binary(std::span<const std::uint8_t>, Sink<std::string>&);
extern template void write_binary(std::span<const std::uint8_t>, Sink<Bytes>&);

}  // namespace wampbox::json_internal
