// Base64, hex and UTF-8 validation. Base64 sits on the hot path of every JSON
// frame that carries an encrypted payload ("\u0000" + base64). On x86-64 CPUs
// with AVX2 the bulk runs 24 bytes <-> 32 characters per step (Mula & Lemire,
// "Faster Base64 Encoding and Decoding Using AVX2 Instructions", 2018); the
// portable path and all tails are table driven, 6 bytes <-> 8 characters per
// step with one 8-byte load and one 8-byte store.
#include "wampbox/encoding.h"

#include <simdjson.h>
#include <sodium.h>

#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>

#include "encoding_internal.h"
#include "simd_internal.h"
#include "wampbox/error.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define WAMPBOX_B64_AVX2 1
#include <immintrin.h>
#endif

namespace wampbox {
namespace {

constexpr char kB64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr bool kLittleEndian = std::endian::native == std::endian::little;

inline std::uint64_t load_be64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (kLittleEndian) v = __builtin_bswap64(v);
  return v;
}

// 12 input bits -> 2 output characters, stored as the uint16 whose in-memory
// bytes are the two characters in order.
struct EncodeTable {
  std::uint16_t pair[4096];
};

constexpr EncodeTable make_encode_table() {
  EncodeTable t{};
  for (unsigned i = 0; i < 4096; ++i) {
    auto c0 = static_cast<std::uint16_t>(static_cast<unsigned char>(kB64Alphabet[i >> 6]));
    auto c1 = static_cast<std::uint16_t>(static_cast<unsigned char>(kB64Alphabet[i & 63]));
    t.pair[i] = kLittleEndian ? static_cast<std::uint16_t>(c0 | (c1 << 8)) : static_cast<std::uint16_t>((c0 << 8) | c1);
  }
  return t;
}
constexpr EncodeTable kEncode = make_encode_table();

// Four tables, one per character position of a quantum: each maps a character
// to its 6 bits already shifted into place in the little-endian uint32 whose
// first three bytes are the decoded output bytes. Characters outside the
// alphabet (including '=') map to kBad, which lives in byte 3 only, so OR-ing
// the four lookups gives the three bytes plus an error flag that is checked
// once for the whole input.
constexpr std::uint32_t kBad = 0x01000000u;
struct DecodeTables {
  std::uint32_t d[4][256];
  std::int8_t val[256];  // 6-bit value or -1
};

constexpr DecodeTables make_decode_tables() {
  DecodeTables t{};
  for (int c = 0; c < 256; ++c) {
    t.val[c] = -1;
    for (int q = 0; q < 4; ++q) t.d[q][c] = kBad;
  }
  for (std::uint32_t v = 0; v < 64; ++v) {
    auto c = static_cast<unsigned char>(kB64Alphabet[v]);
    t.val[c] = static_cast<std::int8_t>(v);
    // Output bytes o0 o1 o2 of the 24-bit group c0<<18 | c1<<12 | c2<<6 | c3,
    // o0 in bits 0-7, o1 in bits 8-15, o2 in bits 16-23.
    t.d[0][c] = v << 2;
    t.d[1][c] = (v >> 4) | ((v & 0xF) << 12);
    t.d[2][c] = ((v >> 2) << 8) | ((v & 0x3) << 22);
    t.d[3][c] = v << 16;
  }
  return t;
}
constexpr DecodeTables kDecode = make_decode_tables();

[[noreturn]] void bad_base64(const char* why) {
  throw Error(ErrorCode::kInvalidBase64, std::string("invalid base64: ") + why);
}

inline std::uint32_t decode_quantum(const unsigned char* s) {
  return kDecode.d[0][s[0]] | kDecode.d[1][s[1]] | kDecode.d[2][s[2]] | kDecode.d[3][s[3]];
}

inline void store_3(std::uint8_t* o, std::uint32_t w) {
  o[0] = static_cast<std::uint8_t>(w);
  o[1] = static_cast<std::uint8_t>(w >> 8);
  o[2] = static_cast<std::uint8_t>(w >> 16);
}

#ifdef WAMPBOX_B64_AVX2
/// Encodes whole 24-byte blocks while at least 28 input bytes remain (each
/// block loads 16 bytes at +0 and +12). Returns the number of bytes consumed;
/// writes 32 characters per block to `o`.
__attribute__((target("avx2"))) std::size_t encode_avx2(const std::uint8_t* in, std::size_t n, char* o) {
  const __m256i shuf = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,  //
                                        1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
  const __m256i lut = _mm256_setr_epi8(65, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 0, 0,  //
                                       65, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 0, 0);
  std::size_t i = 0;
  for (; i + 28 <= n; i += 24, o += 32) {
    __m256i x =
        _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))),
                                _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 12)), 1);
    // Each dword holds bytes [b, a, c, b] of one 3-byte group a b c; pull the
    // four 6-bit fields into the four bytes with two multiplies.
    x = _mm256_shuffle_epi8(x, shuf);
    __m256i t0 = _mm256_mulhi_epu16(_mm256_and_si256(x, _mm256_set1_epi32(0x0fc0fc00)), _mm256_set1_epi32(0x04000040));
    __m256i t1 = _mm256_mullo_epi16(_mm256_and_si256(x, _mm256_set1_epi32(0x003f03f0)), _mm256_set1_epi32(0x01000010));
    __m256i idx = _mm256_or_si256(t0, t1);
    // 6-bit value -> ASCII: add an offset chosen by range (A-Z, a-z, 0-9, +, /).
    __m256i r = _mm256_subs_epu8(idx, _mm256_set1_epi8(51));
    r = _mm256_sub_epi8(r, _mm256_cmpgt_epi8(idx, _mm256_set1_epi8(25)));
    __m256i chars = _mm256_add_epi8(idx, _mm256_shuffle_epi8(lut, r));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), chars);
  }
  return i;
}

/// Decodes whole 32-character blocks from `s` (no padding allowed in them),
/// writing 32 bytes (24 valid) per block. Returns the number of characters
/// consumed and sets `bad` if any character is outside the alphabet.
__attribute__((target("avx2"))) std::size_t decode_avx2(const unsigned char* s, std::size_t n, std::uint8_t* o,
                                                        bool& bad) {
  const __m256i lut_lo = _mm256_setr_epi8(
      0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A,  //
      0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
  const __m256i lut_hi = _mm256_setr_epi8(
      0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,  //
      0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
  const __m256i lut_roll = _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                            0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i mask_2f = _mm256_set1_epi8(0x2f);
  const __m256i pack = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,  //
                                        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
  __m256i err = _mm256_setzero_si256();
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32, o += 24) {
    __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
    // Classify by nibbles: a character is valid iff its low- and high-nibble
    // class bits do not intersect.
    __m256i hi_nib = _mm256_and_si256(_mm256_srli_epi32(x, 4), mask_2f);
    __m256i lo_nib = _mm256_and_si256(x, mask_2f);
    err = _mm256_or_si256(err,
                          _mm256_and_si256(_mm256_shuffle_epi8(lut_lo, lo_nib), _mm256_shuffle_epi8(lut_hi, hi_nib)));
    // ASCII -> 6-bit value: add an offset chosen by high nibble ('/' apart).
    __m256i roll = _mm256_shuffle_epi8(lut_roll, _mm256_add_epi8(_mm256_cmpeq_epi8(x, mask_2f), hi_nib));
    x = _mm256_add_epi8(x, roll);
    // Pack 4 x 6 bits -> 3 bytes per dword, then squeeze out the gaps.
    x = _mm256_maddubs_epi16(x, _mm256_set1_epi32(0x01400140));
    x = _mm256_madd_epi16(x, _mm256_set1_epi32(0x00011000));
    x = _mm256_shuffle_epi8(x, pack);
    x = _mm256_permutevar8x32_epi32(x, lanes);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), x);
  }
  bad = !_mm256_testz_si256(err, err);
  return i;
}
#endif

}  // namespace

namespace simd_internal {

bool cpu_has_avx2() noexcept {
#ifdef WAMPBOX_B64_AVX2
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
#else
  return false;
#endif
}

bool auto_uses_avx2() noexcept {
  // WAMPBOX_NO_SIMD runs the portable code paths on any machine (the unit
  // tests of the scalar kernels); read once, as the CPU flags.
  static const bool use = cpu_has_avx2() && std::getenv("WAMPBOX_NO_SIMD") == nullptr;
  return use;
}

std::size_t base64_encode_raw(const std::uint8_t* p, std::size_t n, char* o, Simd simd) noexcept {
  const std::size_t total = (n + 2) / 3 * 4;
  std::size_t i = 0;
#ifdef WAMPBOX_B64_AVX2
  if (n >= 28 && use_avx2(simd)) {
    i = encode_avx2(p, n, o);
    o += i / 3 * 4;
  }
#endif
  // 6 input bytes -> 8 characters; the 8-byte load reads 2 bytes past the 6 used.
  if (n >= 8) {
    const std::size_t limit = n - 8;
    for (; i <= limit; i += 6, o += 8) {
      std::uint64_t x = load_be64(p + i);
      std::uint64_t a = kEncode.pair[(x >> 52) & 0xFFF];
      std::uint64_t b = kEncode.pair[(x >> 40) & 0xFFF];
      std::uint64_t c = kEncode.pair[(x >> 28) & 0xFFF];
      std::uint64_t d = kEncode.pair[(x >> 16) & 0xFFF];
      std::uint64_t w =
          kLittleEndian ? (a | (b << 16) | (c << 32) | (d << 48)) : ((a << 48) | (b << 32) | (c << 16) | d);
      std::memcpy(o, &w, 8);
    }
  }
  for (; i + 3 <= n; i += 3, o += 4) {
    std::uint32_t x = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    std::memcpy(o, &kEncode.pair[x >> 12], 2);
    std::memcpy(o + 2, &kEncode.pair[x & 0xFFF], 2);
  }
  if (i < n) {
    std::uint32_t x = std::uint32_t{p[i]} << 16;
    if (i + 1 < n) x |= std::uint32_t{p[i + 1]} << 8;
    o[0] = kB64Alphabet[(x >> 18) & 63];
    o[1] = kB64Alphabet[(x >> 12) & 63];
    o[2] = i + 1 < n ? kB64Alphabet[(x >> 6) & 63] : '=';
    o[3] = '=';
  }
  return total;
}

}  // namespace simd_internal

std::size_t encoding_base64_encode_raw(const std::uint8_t* p, std::size_t n, char* o) noexcept {
  return simd_internal::base64_encode_raw(p, n, o, simd_internal::Simd::kAuto);
}

void base64_encode_append(std::span<const std::uint8_t> in, std::string& out) {
  const std::size_t old = out.size();
  out.resize(old + (in.size() + 2) / 3 * 4);
  encoding_base64_encode_raw(in.data(), in.size(), out.data() + old);
}

std::string base64_encode(std::span<const std::uint8_t> in) {
  std::string out;
  base64_encode_append(in, out);
  return out;
}

namespace simd_internal {

void base64_decode_into(std::string_view in, Bytes& out, Simd simd) {
  const std::size_t n = in.size();
  if (n % 4 != 0) bad_base64("length is not a multiple of 4");
  if (n == 0) {
    out.clear();
    return;
  }
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  // The final quantum may carry padding and is decoded separately.
  const std::size_t full = n / 4 - 1;  // quanta before the last one
  std::size_t pad = s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
  const std::size_t out_len = n / 4 * 3 - pad;
  // Slack: the 8-character loop stores 8 bytes for every 6 it produces, the
  // AVX2 loop 32 for every 24.
  out.resize(full * 3 + 11);
  std::uint8_t* o = out.data();
  std::uint32_t err = 0;
  std::size_t q = 0;
#ifdef WAMPBOX_B64_AVX2
  if (full >= 8 && use_avx2(simd)) {
    bool bad = false;
    std::size_t used = decode_avx2(s, full * 4, o, bad);
    if (bad) bad_base64("character outside the alphabet or misplaced '='");
    q = used / 4;
    o += q * 3;
  }
#endif
  if constexpr (kLittleEndian) {
    for (; q + 2 <= full; q += 2, o += 6) {
      std::uint32_t w0 = decode_quantum(s + q * 4);
      std::uint32_t w1 = decode_quantum(s + q * 4 + 4);
      err |= w0 | w1;
      std::uint64_t w = std::uint64_t{w0 & 0xFFFFFFu} | (std::uint64_t{w1} << 24);
      std::memcpy(o, &w, 8);
    }
  }
  for (; q < full; ++q, o += 3) {
    std::uint32_t w = decode_quantum(s + q * 4);
    err |= w;
    store_3(o, w);
  }
  if (err & 0xFF000000u) bad_base64("character outside the alphabet or misplaced '='");

  // Last quantum.
  const unsigned char* t = s + full * 4;
  int v0 = kDecode.val[t[0]], v1 = kDecode.val[t[1]];
  int v2 = pad == 2 ? 0 : kDecode.val[t[2]];
  int v3 = pad >= 1 ? 0 : kDecode.val[t[3]];
  if ((v0 | v1 | v2 | v3) < 0) bad_base64("character outside the alphabet or misplaced '='");
  if (pad == 2 && (v1 & 0xF) != 0) bad_base64("nonzero padding bits");
  if (pad == 1 && (v2 & 0x3) != 0) bad_base64("nonzero padding bits");
  std::uint32_t x = (static_cast<std::uint32_t>(v0) << 18) | (static_cast<std::uint32_t>(v1) << 12) |
                    (static_cast<std::uint32_t>(v2) << 6) | static_cast<std::uint32_t>(v3);
  o[0] = static_cast<std::uint8_t>(x >> 16);
  o[1] = static_cast<std::uint8_t>(x >> 8);
  o[2] = static_cast<std::uint8_t>(x);
  out.resize(out_len);
}

}  // namespace simd_internal

void base64_decode_into(std::string_view in, Bytes& out) {
  simd_internal::base64_decode_into(in, out, simd_internal::Simd::kAuto);
}

Bytes base64_decode(std::string_view in) {
  Bytes out;
  base64_decode_into(in, out);
  return out;
}

// Hex is libsodium's (constant-time, which suits keys; not on a hot path).
std::string hex_encode(std::span<const std::uint8_t> in) {
  if (in.empty()) return {};  // libsodium's arguments are declared non-null; an empty span's data() may be null
  std::string out(in.size() * 2 + 1, '\0');  // sodium_bin2hex writes a terminating NUL
  sodium_bin2hex(out.data(), out.size(), in.data(), in.size());
  out.pop_back();
  return out;
}

Bytes hex_decode(std::string_view in) {
  if (in.size() % 2 != 0) throw Error(ErrorCode::kParseError, "hex string has odd length");
  if (in.empty()) return {};  // sodium_hex2bin's output is declared non-null; an empty Bytes' data() is null
  Bytes out(in.size() / 2);
  std::size_t n = 0;
  const char* end = nullptr;
  // Without `ignore`, sodium_hex2bin stops at the first non-hex character
  // (returning 0 and pointing `end` at it): all of `in` must be consumed.
  if (sodium_hex2bin(out.data(), out.size(), in.data(), in.size(), nullptr, &n, &end) != 0 || n != out.size() ||
      end != in.data() + in.size()) {
    throw Error(ErrorCode::kParseError, "invalid hex character");
  }
  return out;
}

bool is_valid_utf8(std::string_view s) noexcept {
  // simdjson's validator is strict (no overlongs, surrogates or code points
  // above U+10FFFF) and picks the widest SIMD kernel the CPU supports.
  return simdjson::validate_utf8(s.data(), s.size());
}

namespace simd_internal {
namespace {

// simdjson's kernel for `simd`, or nullptr for its active (kAuto) one.
const simdjson::implementation* utf8_kernel(Simd simd) noexcept {
  if (simd == Simd::kAuto) return nullptr;
  static const simdjson::implementation* const kernels[2] = {
      [] {
        const simdjson::implementation* k = simdjson::get_available_implementations()["haswell"];
        return k != nullptr && k->supported_by_runtime_system() ? k : nullptr;
      }(),
      [] {
        const simdjson::implementation* k = simdjson::get_available_implementations()["fallback"];
        return k != nullptr && k->supported_by_runtime_system() ? k : nullptr;
      }()};
  return kernels[simd == Simd::kAvx2 ? 0 : 1];
}

}  // namespace

bool valid_utf8(std::string_view s, Simd simd) noexcept {
  const simdjson::implementation* k = utf8_kernel(simd);
  return k != nullptr ? k->validate_utf8(s.data(), s.size()) : simdjson::validate_utf8(s.data(), s.size());
}

std::string_view utf8_kernel_name(Simd simd) noexcept {
  const simdjson::implementation* k = utf8_kernel(simd);
  if (k == nullptr) k = simdjson::get_active_implementation();
  return std::string_view(k->name());
}

}  // namespace simd_internal

}  // namespace wampbox
