// JSON object keys that all have the same std::hash<std::string> value under
// libstdc++ (64-bit): the hash-flooding input of issue 11. Used by
// tests/unit/hashflood_test.cc (correctness and the callgrind gate of
// tests/py/test_hashflood_gate.py) and bench/bench_serialization.cc (timing).
//
// libstdc++'s std::hash<std::string> is std::_Hash_bytes(p, n, 0xc70f6907),
// a MurmurHash2-64 variant: h = seed ^ (n * M); for each 8-byte block k:
// h = (h ^ D(k)) * M with D(k) = shift_mix(k * M) * M, shift_mix(v) = v ^ (v >> 47).
// Flipping bit 63 of D(k) flips only bit 63 of (h ^ D(k)) * M (M is odd), so
// a pair of blocks (a, b) can be swapped for (a', b') with D(a') = D(a) ^ 2^63
// and D(b') = D(b) ^ 2^63 without changing h, whatever h was before. D is
// invertible (M is odd; shift_mix by 47 is its own inverse), so a' is found
// by inversion; we search printable a, b whose partners are valid UTF-8 text.
// N such 16-byte segments give 2^N keys of 16N bytes with one hash value.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace wampbox::hashflood {

inline constexpr std::uint64_t kMul = 0xc6a4a7935bd1e995ULL;

inline std::uint64_t shift_mix(std::uint64_t v) { return v ^ (v >> 47); }

inline std::uint64_t inverse(std::uint64_t m) {  // Newton's iteration mod 2^64 (m odd)
  std::uint64_t x = m;
  for (int i = 0; i < 6; ++i) x *= 2 - m * x;
  return x;
}

/// The 8 bytes of `k` (little-endian) are a complete UTF-8 string that JSON
/// writes raw: no control character, '"' or '\\', no split sequence.
inline bool json_plain(std::uint64_t k) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(k >> (8 * i));
  auto cont = [&](int i, unsigned lo = 0x80, unsigned hi = 0xbf) { return i < 8 && b[i] >= lo && b[i] <= hi; };
  for (int i = 0; i < 8;) {
    const unsigned c = b[i];
    if (c < 0x80) {
      if (c < 0x20 || c == '"' || c == '\\') return false;
      i += 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
      if (!cont(i + 1)) return false;
      i += 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      if (!cont(i + 1, c == 0xe0 ? 0xa0 : 0x80, c == 0xed ? 0x9f : 0xbf) || !cont(i + 2)) return false;
      i += 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      if (!cont(i + 1, c == 0xf0 ? 0x90 : 0x80, c == 0xf4 ? 0x8f : 0xbf) || !cont(i + 2) || !cont(i + 3)) return false;
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

/// A printable ASCII block and its partner (D(partner) = D(block) ^ 2^63),
/// found by a deterministic search starting from `seed`. The partner is
/// a + C for one of two constants C whose top byte (0x8e or 0x71) keeps it
/// out of ASCII, so it is accepted as any UTF-8 JSON writes raw (~1 in 1,500
/// tries).
inline std::pair<std::uint64_t, std::uint64_t> block_pair(std::uint64_t seed) {
  const std::uint64_t inv = inverse(kMul);
  std::uint64_t x = seed;
  for (;;) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    std::uint64_t a = 0;
    for (int i = 0; i < 8; ++i) a |= static_cast<std::uint64_t>(0x21 + ((x >> (8 * i)) & 0xff) % 94) << (8 * i);
    if (!json_plain(a)) continue;
    const std::uint64_t d = shift_mix(a * kMul) * kMul;
    const std::uint64_t partner = shift_mix((d ^ (1ULL << 63)) * inv) * inv;
    if (json_plain(partner)) return {a, partner};
  }
}

inline std::string block_bytes(std::uint64_t k) {
  std::string s(8, '\0');
  std::memcpy(s.data(), &k, 8);  // little-endian load in _Hash_bytes
  return s;
}

/// 2^segments distinct keys of 16 * segments bytes of UTF-8, all with the
/// same std::hash<std::string> value (on 64-bit libstdc++).
inline std::vector<std::string> colliding_keys(int segments) {
  const auto [a, a2] = block_pair(1);
  const auto [b, b2] = block_pair(2);
  const std::string s0 = block_bytes(a) + block_bytes(b), s1 = block_bytes(a2) + block_bytes(b2);
  std::vector<std::string> keys;
  for (std::uint64_t i = 0; i < (std::uint64_t{1} << segments); ++i) {
    std::string k;
    for (int j = 0; j < segments; ++j) k += (i >> j) & 1 ? s1 : s0;
    keys.push_back(std::move(k));
  }
  return keys;
}

/// As many distinct keys of the same length with ordinary (spread) hashes.
inline std::vector<std::string> ordinary_keys(int segments) {
  std::vector<std::string> keys;
  std::uint64_t x = 7;
  for (std::uint64_t i = 0; i < (std::uint64_t{1} << segments); ++i) {
    std::string k(16 * static_cast<std::size_t>(segments), 'a');
    for (char& c : k) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      c = static_cast<char>('a' + (x >> 59) % 26);
    }
    keys.push_back(std::move(k));
  }
  return keys;
}

/// {"k1":0,"k2":1,...}
inline std::string object_of(const std::vector<std::string>& keys) {
  std::string s = "{";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i) s += ',';
    s += '"' + keys[i] + "\":" + std::to_string(i);
  }
  return s + "}";
}

}  // namespace wampbox::hashflood
