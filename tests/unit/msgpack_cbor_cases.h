// Reader for tests/data/msgpack_cbor_cases.txt (written by
// tests/data/gen_binary_cases.py from msgpack-python and cbor2; the format is
// documented there). Shared by msgpack_test.cc and cbor_test.cc.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "wampbox/error.h"
#include "wampbox/value.h"

namespace wampbox::testing_cases {

inline std::filesystem::path cases_path() {
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / "msgpack_cbor_cases.txt";
}

struct Case {
  char kind = 0;  // 'V', 'P' or 'R'
  std::vector<std::string> f;  // fields after the kind; f[0] is the name
};

inline std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t p = s.find(sep, start);
    out.emplace_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) return out;
    start = p + 1;
  }
}

/// Throws std::runtime_error if the file is missing or malformed.
inline std::vector<Case> load_cases() {
  std::ifstream in(cases_path(), std::ios::binary);
  if (!in) throw std::runtime_error("missing " + cases_path().string() + " (run tests/data/gen_binary_cases.py)");
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto fields = split(line, '\t');
    Case c;
    c.kind = fields[0].size() == 1 ? fields[0][0] : '?';
    c.f.assign(fields.begin() + 1, fields.end());
    const std::size_t want = c.kind == 'V' ? 6 : c.kind == 'P' ? 4 : c.kind == 'R' ? 5 : 0;
    if (want == 0 || c.f.size() != want) throw std::runtime_error("malformed case line: " + line.substr(0, 80));
    cases.push_back(std::move(c));
  }
  return cases;
}

inline Bytes unhex(std::string_view h) {
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw std::runtime_error("bad hex digit");
  };
  if (h.size() % 2 != 0) throw std::runtime_error("odd hex length");
  Bytes out(h.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(nib(h[2 * i]) << 4 | nib(h[2 * i + 1]));
  return out;
}

inline std::string hex(std::span<const std::uint8_t> b, std::size_t limit = 200) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < b.size() && i < limit; ++i) {
    s += d[b[i] >> 4];
    s += d[b[i] & 15];
  }
  if (b.size() > limit) s += "...(" + std::to_string(b.size()) + " bytes)";
  return s;
}

inline std::uint64_t fnv1a64(std::span<const std::uint8_t> b) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::uint8_t x : b) {
    h ^= x;
    h *= 0x100000001b3ull;
  }
  return h;
}

/// An expected encoding field: '-' (library refuses), '#len:fnv' or hex.
struct Expected {
  bool refused = false;
  bool digest_only = false;
  Bytes bytes;
  std::size_t length = 0;
  std::uint64_t fnv = 0;

  explicit Expected(const std::string& field) {
    if (field == "-") {
      refused = true;
    } else if (!field.empty() && field[0] == '#') {
      digest_only = true;
      const std::size_t colon = field.find(':');
      length = std::stoull(field.substr(1, colon - 1));
      fnv = std::stoull(field.substr(colon + 1), nullptr, 16);
    } else {
      bytes = unhex(field);
      length = bytes.size();
    }
  }
  /// True if `actual` is this encoding.
  bool matches(std::span<const std::uint8_t> actual) const {
    if (digest_only) return actual.size() == length && fnv1a64(actual) == fnv;
    return actual.size() == bytes.size() && std::equal(actual.begin(), actual.end(), bytes.begin());
  }
};

/// Builds a Value from the token notation.
class ValueReader {
 public:
  explicit ValueReader(const std::string& text) : toks_(split(text, ' ')) {}
  Value read_all() {
    Value v = read();
    if (pos_ != toks_.size()) throw std::runtime_error("extra value tokens");
    return v;
  }

 private:
  static std::string repeat(std::string_view spec) {  // "<len>:<hex unit>"
    const std::size_t colon = spec.find(':');
    const std::size_t len = std::stoull(std::string(spec.substr(0, colon)));
    const Bytes unit = unhex(spec.substr(colon + 1));
    std::string s;
    s.reserve(len);
    while (s.size() < len) s.append(unit.begin(), unit.end());
    s.resize(len);
    return s;
  }
  Value read() {
    if (pos_ >= toks_.size()) throw std::runtime_error("value tokens end early");
    const std::string& t = toks_[pos_++];
    if (t == "N") return Value(nullptr);
    if (t == "T") return Value(true);
    if (t == "F") return Value(false);
    if (t.rfind("MSEQ", 0) == 0) {
      const std::size_t n = std::stoull(t.substr(4));
      Object o;
      o.reserve(n);
      for (std::size_t i = 0; i < n; ++i) o.emplace_back(std::to_string(i), Value(static_cast<std::int64_t>(i)));
      return Value(std::move(o));
    }
    if (t.rfind("SR", 0) == 0) return Value(repeat(std::string_view(t).substr(2)));
    if (t.rfind("BR", 0) == 0) {
      const std::string s = repeat(std::string_view(t).substr(2));
      return Value(Binary{Bytes(s.begin(), s.end())});
    }
    if (t.rfind("AR", 0) == 0) {
      const std::size_t n = std::stoull(t.substr(2));
      const Value e = read();
      return Value(Array(n, e));
    }
    switch (t[0]) {
      case 'I':
        return Value::integer_from_decimal(std::string_view(t).substr(1));
      case 'D': {
        const Bytes b = unhex(std::string_view(t).substr(1));
        std::uint64_t bits = 0;
        for (std::uint8_t x : b) bits = bits << 8 | x;
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return Value(d);
      }
      case 'S': {
        const Bytes b = unhex(std::string_view(t).substr(1));
        return Value(std::string(b.begin(), b.end()));
      }
      case 'B':
        return Value(Binary{unhex(std::string_view(t).substr(1))});
      case 'A': {
        const std::size_t n = std::stoull(t.substr(1));
        Array a;
        a.reserve(n);
        for (std::size_t i = 0; i < n; ++i) a.push_back(read());
        return Value(std::move(a));
      }
      case 'M': {
        const std::size_t n = std::stoull(t.substr(1));
        Object o;
        o.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
          Value k = read();
          o.emplace_back(k.as_string(), read());
        }
        return Value(std::move(o));
      }
    }
    throw std::runtime_error("bad value token " + t.substr(0, 20));
  }

  std::vector<std::string> toks_;
  std::size_t pos_ = 0;
};

inline Value read_value(const std::string& tokens) { return ValueReader(tokens).read_all(); }

/// Runs `f` and reports whether it threw wampbox::Error with `code`
/// (as a string for readable failures: "ok", "code:<n> <what>" or "other").
template <class F>
std::string outcome(F&& f) {
  try {
    f();
    return "ok";
  } catch (const Error& e) {
    return "code:" + std::to_string(static_cast<int>(e.code())) + " " + e.what();
  } catch (const std::exception& e) {
    return std::string("other:") + e.what();
  }
}

/// One format's view of the case file.
struct Codec {
  std::string format;  // "msgpack" or "cbor" (column in R/P lines)
  std::size_t column;  // V field index of the expected encoding (2 msgpack, 3 cbor); back value at column + 2
  std::function<Bytes(const Value&)> write;
  std::function<Value(std::span<const std::uint8_t>)> parse;
};

/// The code of the Error that c.parse(b) throws; a test failure (and
/// kInvalidArgument) if it does not throw.
inline ErrorCode parse_error_code(const Codec& c, const Bytes& b) {
  try {
    c.parse(b);
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << c.format << " parse(" << hex(b) << ") did not throw";
  return ErrorCode::kInvalidArgument;
}

inline const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = load_cases();
  return cases;
}

/// V lines: write(value) equals the Python library's bytes (or throws
/// kUnencodable where it refuses), and parse(bytes) gives back what Python's
/// decoder gives. Returns the number of V cases checked.
inline std::size_t check_value_cases(const Codec& c) {
  std::size_t n = 0;
  for (const Case& k : all_cases()) {
    if (k.kind != 'V') continue;
    ++n;
    const std::string& name = k.f[0];
    const Value v = read_value(k.f[1]);
    const Expected want(k.f[c.column]);
    if (want.refused) {
      std::string got = outcome([&] { c.write(v); });
      EXPECT_EQ(got.rfind("code:" + std::to_string(static_cast<int>(ErrorCode::kUnencodable)), 0), 0u)
          << name << ": expected kUnencodable, got " << got;
      continue;
    }
    Bytes out;
    std::string got = outcome([&] { out = c.write(v); });
    if (got != "ok") {
      ADD_FAILURE() << name << ": write threw " << got;
      continue;
    }
    EXPECT_TRUE(want.matches(out)) << name << ": wrote " << hex(out) << "\n   python " << k.f[c.column].substr(0, 400);
    const std::string& back_tokens = k.f[c.column + 2];
    const Value back = back_tokens == "=" ? v : read_value(back_tokens);
    // Parse Python's bytes when present, else ours (equal to Python's by digest).
    const Bytes& input = want.digest_only ? out : want.bytes;
    Value parsed;
    got = outcome([&] { parsed = c.parse(input); });
    if (got != "ok") {
      ADD_FAILURE() << name << ": parse threw " << got;
      continue;
    }
    EXPECT_TRUE(parsed == back) << name << ": parse(" << hex(input) << ") differs";
  }
  return n;
}

/// P lines: decoding-only inputs (non-shortest forms, indefinite lengths,
/// half floats, duplicate keys...) give the value Python's decoder gives.
inline std::size_t check_parse_cases(const Codec& c) {
  std::size_t n = 0;
  for (const Case& k : all_cases()) {
    if (k.kind != 'P' || k.f[1] != c.format) continue;
    ++n;
    const Bytes input = unhex(k.f[2]);
    const Value want = read_value(k.f[3]);
    Value parsed;
    const std::string got = outcome([&] { parsed = c.parse(input); });
    if (got != "ok") {
      ADD_FAILURE() << k.f[0] << ": parse(" << hex(input) << ") threw " << got;
      continue;
    }
    EXPECT_TRUE(parsed == want) << k.f[0] << ": parse(" << hex(input) << ") differs from Python";
  }
  return n;
}

/// R lines: the parser throws the expected ErrorCode.
inline std::size_t check_reject_cases(const Codec& c) {
  std::size_t n = 0;
  for (const Case& k : all_cases()) {
    if (k.kind != 'R' || k.f[1] != c.format) continue;
    ++n;
    const Bytes input = unhex(k.f[2]);
    const std::string got = outcome([&] { c.parse(input); });
    auto is = [&](ErrorCode code) { return got.rfind("code:" + std::to_string(static_cast<int>(code)) + " ", 0) == 0; };
    const bool ok = k.f[3] == "utf8"    ? is(ErrorCode::kInvalidUtf8)
                    : k.f[3] == "parse" ? is(ErrorCode::kParseError)
                                        : is(ErrorCode::kInvalidUtf8) || is(ErrorCode::kParseError);
    EXPECT_TRUE(ok) << k.f[0] << " (" << k.f[4] << ", expected " << k.f[3] << "): parse(" << hex(input) << ") gave "
                    << got;
  }
  return n;
}

/// Every proper prefix of every known encoding of up to `max_len` bytes is
/// truncated input and must throw kParseError; so must the encoding followed
/// by one more byte (0x00, a complete item in both formats).
inline std::size_t check_truncations_and_trailing(const Codec& c, std::size_t max_len) {
  std::size_t n = 0;
  for (const Case& k : all_cases()) {
    if (k.kind != 'V') continue;
    const Expected want(k.f[c.column]);
    if (want.refused || want.digest_only || want.bytes.size() > max_len) continue;
    const Bytes& full = want.bytes;
    for (std::size_t len = 0; len < full.size(); ++len) {
      ++n;
      const std::string got = outcome([&] { c.parse(std::span<const std::uint8_t>(full.data(), len)); });
      if (got.rfind("code:" + std::to_string(static_cast<int>(ErrorCode::kParseError)) + " ", 0) != 0) {
        ADD_FAILURE() << k.f[0] << ": prefix of " << len << "/" << full.size() << " bytes gave " << got;
        break;
      }
    }
    Bytes longer = full;
    longer.push_back(0x00);
    ++n;
    const std::string got = outcome([&] { c.parse(longer); });
    EXPECT_EQ(got.rfind("code:" + std::to_string(static_cast<int>(ErrorCode::kParseError)) + " ", 0), 0u)
        << k.f[0] << ": trailing byte gave " << got;
  }
  return n;
}

/// Robustness: random byte mutations of known encodings (deterministic
/// xorshift PRNG). Each input must either parse or throw wampbox::Error
/// (kParseError / kInvalidUtf8) - never another exception, crash or hang - and
/// whatever parses must re-encode, and re-encoding must be stable
/// (write(parse(write(v))) == write(v)). Returns the number of accepted inputs.
inline std::size_t check_mutations(const Codec& c, std::size_t iterations) {
  std::vector<Bytes> seeds;
  for (const Case& k : all_cases()) {
    if (k.kind != 'V') continue;
    const Expected want(k.f[c.column]);
    if (!want.refused && !want.digest_only && want.bytes.size() <= 256) seeds.push_back(want.bytes);
  }
  if (seeds.empty()) {
    ADD_FAILURE() << "no seeds";
    return 0;
  }
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::size_t accepted = 0;
  for (std::size_t it = 0; it < iterations; ++it) {
    Bytes b = seeds[next() % seeds.size()];
    const int edits = 1 + static_cast<int>(next() % 3);
    for (int e = 0; e < edits; ++e) {
      const std::uint64_t r = next();
      const std::size_t pos = b.empty() ? 0 : static_cast<std::size_t>(r >> 8) % b.size();
      switch (r % 4) {
        case 0:
          if (!b.empty()) b[pos] = static_cast<std::uint8_t>(r >> 40);
          break;
        case 1:
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<std::uint8_t>(r >> 40));
          break;
        case 2:
          if (!b.empty()) b.erase(b.begin() + static_cast<std::ptrdiff_t>(pos));
          break;
        default:
          if (!b.empty()) b[pos] ^= static_cast<std::uint8_t>(1u << ((r >> 40) % 8));
      }
    }
    Value v;
    try {
      v = c.parse(b);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kParseError && e.code() != ErrorCode::kInvalidUtf8) {
        ADD_FAILURE() << "parse(" << hex(b) << ") threw code " << static_cast<int>(e.code());
      }
      continue;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "parse(" << hex(b) << ") threw non-wampbox " << e.what();
      continue;
    }
    ++accepted;
    const std::string got = outcome([&] {
      const Bytes once = c.write(v);
      const Bytes twice = c.write(c.parse(once));
      if (once != twice) throw std::runtime_error("re-encoding unstable: " + hex(once) + " vs " + hex(twice));
    });
    EXPECT_EQ(got, "ok") << "input " << hex(b);
  }
  return accepted;
}

}  // namespace wampbox::testing_cases
