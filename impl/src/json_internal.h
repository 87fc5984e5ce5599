// Private to the JSON reader (json_read.cc) and writer (json_write.cc): the
// byte scan both use. The bytes that must be escaped when writing a string are
// exactly the bytes that end a plain run when reading one: '"', '\\' and the
// C0 controls.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "wampbox/limits.h"
#include "wampbox/value.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace wampbox::binary_detail {
class ValuePool;
}  // namespace wampbox::binary_detail

namespace wampbox::json_internal {

constexpr std::array<bool, 256> make_special_table() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = true;
  t['\\'] = true;
  return t;
}
constexpr std::array<bool, 256> kSpecial = make_special_table();

/// First byte in [p, end) that is '"', '\\' or < 0x20; `end` if none.
inline const char* find_special(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i bslash = _mm_set1_epi8('\\');
  const __m128i c1f = _mm_set1_epi8(0x1f);
  const __m128i zero = _mm_setzero_si128();
  auto mask16 = [&](const char* s) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
    // x <= 0x1f (unsigned) <=> saturating x - 0x1f == 0.
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                             _mm_cmpeq_epi8(_mm_subs_epu8(x, c1f), zero));
    return static_cast<unsigned>(_mm_movemask_epi8(m));
  };
  while (end - p >= 32) {
    unsigned m = mask16(p) | (mask16(p + 16) << 16);
    if (m) return p + __builtin_ctz(m);
    p += 32;
  }
  while (end - p >= 16) {
    unsigned m = mask16(p);
    if (m) return p + __builtin_ctz(m);
    p += 16;
  }
#endif
  while (p < end && !kSpecial[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

/// Copies [p, end) to `o` up to the first byte that find_special() would
/// stop at, and returns that byte's position (`end` if none); the bytes before
/// it are at o[0, ret - p). `o` needs room for (end - p) + 32 bytes: whole
/// 16-byte blocks are stored before they are checked, so up to 15 bytes past
/// the special one are written too (garbage the caller overwrites).
///
/// The JSON string writer's inner loop. Scanning first and then copying the
/// run (find_special + memcpy) costs a library call per run, and text with
/// escapes every few dozen bytes (the bench's `text` shape: a tab or a quote
/// every ~40 bytes) spent 10% of the 64 KiB sender in memmove calls and 19% in
/// the scan (perf, path/sender/msgpack/PUBLISH/text/65536); this does one
/// unaligned load, one store and one compare mask per 16 bytes.
inline const char* copy_until_special(const char* p, const char* end, char* o) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i bslash = _mm_set1_epi8('\\');
  const __m128i c1f = _mm_set1_epi8(0x1f);
  const __m128i zero = _mm_setzero_si128();
  while (end - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), x);
    const __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                                   _mm_cmpeq_epi8(_mm_subs_epu8(x, c1f), zero));
    if (const unsigned bits = static_cast<unsigned>(_mm_movemask_epi8(m))) return p + __builtin_ctz(bits);
    p += 16;
    o += 16;
  }
#endif
  while (p < end && !kSpecial[static_cast<unsigned char>(*p)]) *o++ = *p++;
  return p;
}

/// A JSON reader that parses its input where the caller wrote it: the caller
/// writes n bytes into input(n), which is followed by simdjson's padding
/// (OpenContext decrypts straight into it; FrameContext copies a frame in),
/// and parse(n) reads them there. Same result and errors as json_parse.
/// Strings and containers come from a ValuePool when one is given.
/// With `secret` (decrypted plaintext): when parse() throws, every buffer the
/// parse used (the input, simdjson's string buffer and tape) is wiped first;
/// after a successful parse they keep the document (as the returned Value
/// does) until the next input overwrites them or wipe() (OpenContext::clear);
/// buffers are wiped whole before they are freed (growth, destruction). Not
/// wiped: the returned Value (the caller's), and the temporary strings of
/// the fallback reader (only used for documents simdjson rejects:
/// NaN/Infinity, integers beyond 64 bits, or invalid JSON).
/// Not thread-safe.
class InPlaceReader {
 public:
  explicit InPlaceReader(bool secret);
  ~InPlaceReader();
  InPlaceReader(const InPlaceReader&) = delete;
  InPlaceReader& operator=(const InPlaceReader&) = delete;

  /// Room for n bytes of input (grown geometrically; std::bad_alloc if that fails).
  [[nodiscard]] std::uint8_t* input(std::size_t n);
  /// Parses the n bytes written to input(n).
  [[nodiscard]] Value parse(std::size_t n, const DecodeLimits& limits, binary_detail::ValuePool* pool);
  /// Zeroes every buffer it holds, whole.
  void wipe() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool secret_;
};

}  // namespace wampbox::json_internal
