// Base64 (strict), hex and UTF-8 validation, checked against RFC vectors and
// small bit-by-bit reference implementations.
#include "wampbox/encoding.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "wampbox/error.h"

namespace wampbox {
namespace {

const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes random_bytes(std::mt19937_64& rng, std::size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

// Reference: one bit at a time.
std::string ref_b64_encode(const Bytes& in) {
  std::string out;
  std::size_t bits = in.size() * 8;
  for (std::size_t i = 0; i < bits; i += 6) {
    int v = 0;
    for (std::size_t j = i; j < i + 6; ++j) {
      int bit = j < bits ? (in[j / 8] >> (7 - j % 8)) & 1 : 0;
      v = (v << 1) | bit;
    }
    out.push_back(kAlphabet[static_cast<std::size_t>(v)]);
  }
  while (out.size() % 4) out.push_back('=');
  return out;
}

/// nullopt-like: returns false if the input is not strict padded base64.
bool ref_b64_decode(std::string_view s, Bytes& out) {
  out.clear();
  if (s.size() % 4) return false;
  std::size_t pad = 0;
  while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
  std::vector<int> bits;
  for (std::size_t i = 0; i < s.size() - pad; ++i) {
    auto pos = kAlphabet.find(s[i]);
    if (pos == std::string::npos) return false;
    for (int b = 5; b >= 0; --b) bits.push_back(static_cast<int>(pos >> b) & 1);
  }
  std::size_t nbytes = bits.size() / 8;
  if (nbytes != s.size() / 4 * 3 - pad) return false;  // e.g. "A===" (pad 3 is not peeled)
  for (std::size_t i = nbytes * 8; i < bits.size(); ++i) {
    if (bits[i]) return false;  // nonzero padding bits
  }
  for (std::size_t i = 0; i < nbytes; ++i) {
    int v = 0;
    for (int b = 0; b < 8; ++b) v = (v << 1) | bits[i * 8 + static_cast<std::size_t>(b)];
    out.push_back(static_cast<std::uint8_t>(v));
  }
  return true;
}

void expect_bad_b64(std::string_view s) {
  try {
    Bytes b = base64_decode(s);
    ADD_FAILURE() << "accepted " << testing::PrintToString(std::string(s));
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidBase64) << testing::PrintToString(std::string(s));
  }
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> v[] = {{"", ""},
                                                   {"f", "Zg=="},
                                                   {"fo", "Zm8="},
                                                   {"foo", "Zm9v"},
                                                   {"foob", "Zm9vYg=="},
                                                   {"fooba", "Zm9vYmE="},
                                                   {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : v) {
    EXPECT_EQ(base64_encode(bytes_of(plain)), enc);
    EXPECT_EQ(base64_decode(enc), bytes_of(plain));
  }
  EXPECT_EQ(base64_encode(Bytes{0xfb, 0xff, 0xbf}), "+/+/");
  EXPECT_EQ(base64_encode(Bytes{0x00, 0x10, 0x83}), "ABCD");
}

TEST(Base64, MatchesReferenceAllLengths) {
  std::mt19937_64 rng(1);
  for (std::size_t n = 0; n < 600; ++n) {
    for (int rep = 0; rep < 3; ++rep) {
      Bytes in = random_bytes(rng, n);
      std::string enc = base64_encode(in);
      ASSERT_EQ(enc, ref_b64_encode(in)) << n;
      ASSERT_EQ(base64_decode(enc), in) << n;
    }
  }
  Bytes big = random_bytes(rng, (1 << 20) + 7);
  std::string enc = base64_encode(big);
  EXPECT_EQ(enc, ref_b64_encode(big));
  EXPECT_EQ(base64_decode(enc), big);
}

TEST(Base64, EncodeAppends) {
  std::string out = "\\u0000";
  base64_encode_append(bytes_of("foobar"), out);
  EXPECT_EQ(out, "\\u0000Zm9vYmFy");
}

TEST(Base64, DecodeIntoReplaces) {
  Bytes out = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  base64_decode_into("Zm8=", out);
  EXPECT_EQ(out, bytes_of("fo"));
  base64_decode_into("", out);
  EXPECT_TRUE(out.empty());
}

TEST(Base64, RejectsBadLength) {
  for (const char* s : {"A", "AA", "AAA", "AAAAA", "Zg=", "Zg", "Zm9vY", "Zm9vYg="}) expect_bad_b64(s);
}

TEST(Base64, RejectsBadCharactersAnywhere) {
  // Every non-alphabet byte at every position of a 160-character input, so
  // the 32-character SIMD loop, the 8-character loop and the final quantum
  // each see each bad character.
  std::mt19937_64 rng(2);
  std::string good = base64_encode(random_bytes(rng, 120));  // 160 characters, no padding
  ASSERT_EQ(base64_decode(good).size(), 120u);
  for (std::size_t pos = 0; pos < good.size(); ++pos) {
    for (int c = 0; c < 256; ++c) {
      if (kAlphabet.find(static_cast<char>(c)) != std::string::npos) continue;
      if (c == '=' && pos + 1 == good.size()) continue;  // valid padding iff pad bits are zero: see below
      std::string s = good;
      s[pos] = static_cast<char>(c);
      expect_bad_b64(s);
    }
  }
}

TEST(Base64, RejectsMisplacedPadding) {
  for (const char* s : {"====", "A===", "=AAA", "AA=A", "A=AA", "AA==AAAA", "AAA=AAAA",
                        "AAAA====", "Zg==Zg==", "Zm8=Zm8=", "AAA==A==", "AAAAAAA=AAAA", "AAAAAAAAAA=AAAAA"}) {
    expect_bad_b64(s);
  }
}

TEST(Base64, FinalQuantumExhaustive) {
  // All "XY==" and "XYZ=" against the reference: strict about padding bits.
  Bytes ref;
  int accepted2 = 0, accepted3 = 0;
  for (char x : kAlphabet) {
    for (char y : kAlphabet) {
      std::string s = {'A', 'A', 'A', 'A', x, y, '=', '='};
      if (ref_b64_decode(s, ref)) {
        ++accepted2;
        EXPECT_EQ(base64_decode(s), ref) << s;
      } else {
        expect_bad_b64(s);
      }
      for (char z : kAlphabet) {
        std::string t = {x, y, z, '='};
        if (ref_b64_decode(t, ref)) {
          ++accepted3;
          ASSERT_EQ(base64_decode(t), ref) << t;
        } else {
          expect_bad_b64(t);
        }
      }
    }
  }
  EXPECT_EQ(accepted2, 256);
  EXPECT_EQ(accepted3, 65536);
}

TEST(Base64, RandomStringsAgreeWithReference) {
  std::mt19937_64 rng(3);
  const std::string chars = kAlphabet + "====!";
  Bytes ref;
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 100000; ++i) {
    std::string s;
    if (i % 2) {
      // Short strings of random characters (mostly invalid).
      s.assign(4 * (1 + rng() % 4), 'A');
      for (auto& c : s) c = chars[rng() % chars.size()];
    } else {
      // Valid encodings of up to 300 bytes, half of them with one byte changed.
      s = base64_encode(random_bytes(rng, rng() % 300));
      if (!s.empty() && rng() % 2) s[rng() % s.size()] = static_cast<char>(rng());
    }
    bool ok = ref_b64_decode(s, ref);
    try {
      Bytes got = base64_decode(s);
      ASSERT_TRUE(ok) << "accepted " << s;
      ASSERT_EQ(got, ref) << s;
      ++accepted;
    } catch (const Error& e) {
      ASSERT_FALSE(ok) << "rejected " << s;
      ASSERT_EQ(e.code(), ErrorCode::kInvalidBase64);
      ++rejected;
    }
  }
  EXPECT_GT(accepted, 20000);
  EXPECT_GT(rejected, 20000);
}

TEST(Hex, EncodeDecode) {
  EXPECT_EQ(hex_encode(Bytes{}), "");
  EXPECT_EQ(hex_encode(Bytes{0x00, 0x01, 0xab, 0xff}), "0001abff");
  EXPECT_EQ(hex_decode("0001abff"), (Bytes{0x00, 0x01, 0xab, 0xff}));
  EXPECT_EQ(hex_decode("0001ABFF"), (Bytes{0x00, 0x01, 0xab, 0xff}));
  EXPECT_EQ(hex_decode("aBcD"), (Bytes{0xab, 0xcd}));
  EXPECT_TRUE(hex_decode("").empty());
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(hex_decode(hex_encode(all)), all);
}

TEST(Hex, Rejects) {
  for (const char* s : {"0", "abc", "0g", "g0", " 00", "00 ", "0x00", "-1", "zz"}) {
    try {
      (void)hex_decode(s);
      ADD_FAILURE() << "accepted " << s;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kParseError) << s;
    }
  }
  EXPECT_THROW(hex_decode(std::string("0\0", 2)), Error);
}

// Reference UTF-8 check following Unicode Table 3-7.
bool ref_utf8(std::string_view s) {
  std::size_t i = 0;
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  while (i < s.size()) {
    unsigned c = b(i);
    std::size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    if (b(i + 1) < lo || b(i + 1) > hi) return false;
    for (std::size_t k = 2; k <= n; ++k) {
      if (b(i + k) < 0x80 || b(i + k) > 0xBF) return false;
    }
    i += n + 1;
  }
  return true;
}

TEST(Utf8, Samples) {
  for (const char* s : {"", "ascii", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf",
                        "\xed\x9f\xbf", "\xee\x80\x80", "\x7f", "\xe2\x80\xa8"}) {
    EXPECT_TRUE(is_valid_utf8(s)) << testing::PrintToString(std::string(s));
  }
  EXPECT_TRUE(is_valid_utf8(std::string_view("a\0b", 3)));
  for (const char* s : {"\xc0\x80",
                        "\xc1\xbf",
                        "\xe0\x80\x80",
                        "\xe0\x9f\xbf",
                        "\xf0\x80\x80\x80",
                        "\xf0\x8f\xbf\xbf",
                        "\xed\xa0\x80",
                        "\xed\xbf\xbf",
                        "\xf4\x90\x80\x80",
                        "\xf5\x80\x80\x80",
                        "\xf8\x88\x80\x80\x80",
                        "\xff",
                        "\xfe",
                        "\x80",
                        "\xbf",
                        "\xc3",
                        "\xe2\x82",
                        "\xf0\x9f\x98",
                        "\xc3\x28",
                        "\xe2\x28\xa1"}) {
    EXPECT_FALSE(is_valid_utf8(s)) << testing::PrintToString(std::string(s));
    std::string padded = std::string(70, 'x') + s + std::string(70, 'y');
    EXPECT_FALSE(is_valid_utf8(padded)) << testing::PrintToString(std::string(s));
  }
}

TEST(Utf8, RandomAgainstReference) {
  std::mt19937_64 rng(4);
  const unsigned char interesting[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
                                       0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff};
  int valid = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string s(rng() % 12, '\0');
    for (auto& c : s) c = static_cast<char>(interesting[rng() % sizeof interesting]);
    if (rng() % 2) s = std::string(rng() % 80, 'a') + s;  // shift across SIMD blocks
    bool ref = ref_utf8(s);
    valid += ref;
    ASSERT_EQ(is_valid_utf8(s), ref) << testing::PrintToString(s);
  }
  EXPECT_GT(valid, 1000);
}

}  // namespace
}  // namespace wampbox
