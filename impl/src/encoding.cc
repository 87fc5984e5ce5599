// Base64, hex and UTF-8 validation. Base64 sits on the hot path of every JSON
// frame that carries an encrypted payload ("\u0000" + base64), so both
// directions are table driven and process 6 bytes <-> 8 characters per step
// with one 8-byte load and one 8-byte store.
#include "wampbox/encoding.h"

#include <simdjson.h>

#include <array>
#include <bit>
#include <cstring>

#include "wampbox/error.h"

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

[[noreturn]] void bad_base64(const char* why) { throw Error(ErrorCode::kInvalidBase64, std::string("invalid base64: ") + why); }

inline std::uint32_t decode_quantum(const unsigned char* s) {
  return kDecode.d[0][s[0]] | kDecode.d[1][s[1]] | kDecode.d[2][s[2]] | kDecode.d[3][s[3]];
}

inline void store_3(std::uint8_t* o, std::uint32_t w) {
  o[0] = static_cast<std::uint8_t>(w);
  o[1] = static_cast<std::uint8_t>(w >> 8);
  o[2] = static_cast<std::uint8_t>(w >> 16);
}

}  // namespace

void base64_encode_append(std::span<const std::uint8_t> in, std::string& out) {
  const std::size_t n = in.size();
  const std::size_t old = out.size();
  out.resize(old + (n + 2) / 3 * 4);
  char* o = out.data() + old;
  const std::uint8_t* p = in.data();
  std::size_t i = 0;
  // 6 input bytes -> 8 characters; the 8-byte load reads 2 bytes past the 6 used.
  if (n >= 8) {
    const std::size_t limit = n - 8;
    for (; i <= limit; i += 6, o += 8) {
      std::uint64_t x = load_be64(p + i);
      std::uint64_t a = kEncode.pair[(x >> 52) & 0xFFF];
      std::uint64_t b = kEncode.pair[(x >> 40) & 0xFFF];
      std::uint64_t c = kEncode.pair[(x >> 28) & 0xFFF];
      std::uint64_t d = kEncode.pair[(x >> 16) & 0xFFF];
      std::uint64_t w = kLittleEndian ? (a | (b << 16) | (c << 32) | (d << 48)) : ((a << 48) | (b << 32) | (c << 16) | d);
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
}

std::string base64_encode(std::span<const std::uint8_t> in) {
  std::string out;
  base64_encode_append(in, out);
  return out;
}

void base64_decode_into(std::string_view in, Bytes& out) {
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
  // Two bytes of slack: the fast loop stores 8 bytes for every 6 it produces.
  out.resize(full * 3 + 5);
  std::uint8_t* o = out.data();
  std::uint32_t err = 0;
  std::size_t q = 0;
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

Bytes base64_decode(std::string_view in) {
  Bytes out;
  base64_decode_into(in, out);
  return out;
}

std::string hex_encode(std::span<const std::uint8_t> in) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(in.size() * 2, '\0');
  char* o = out.data();
  for (std::uint8_t b : in) {
    *o++ = kHex[b >> 4];
    *o++ = kHex[b & 0xF];
  }
  return out;
}

namespace {
constexpr std::array<std::int8_t, 256> make_hex_values() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<std::int8_t>(i);
  for (int i = 0; i < 6; ++i) {
    t['a' + i] = static_cast<std::int8_t>(10 + i);
    t['A' + i] = static_cast<std::int8_t>(10 + i);
  }
  return t;
}
constexpr std::array<std::int8_t, 256> kHexValues = make_hex_values();
}  // namespace

Bytes hex_decode(std::string_view in) {
  if (in.size() % 2 != 0) throw Error(ErrorCode::kParseError, "hex string has odd length");
  Bytes out(in.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = kHexValues[static_cast<unsigned char>(in[2 * i])];
    int lo = kHexValues[static_cast<unsigned char>(in[2 * i + 1])];
    if ((hi | lo) < 0) throw Error(ErrorCode::kParseError, "invalid hex character");
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

bool is_valid_utf8(std::string_view s) noexcept {
  // simdjson's validator is strict (no overlongs, surrogates or code points
  // above U+10FFFF) and picks the widest SIMD kernel the CPU supports.
  return simdjson::validate_utf8(s.data(), s.size());
}

}  // namespace wampbox
