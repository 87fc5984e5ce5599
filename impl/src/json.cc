// JSON as Autobahn|Python writes (json.dumps with separators=(',', ':'),
// ensure_ascii=False and its bytes hook) and reads it (json.loads, strict
// mode, with its "\u0000"-prefixed binary strings).
//
// Reading strategy. simdjson's DOM parser does the work for every document
// that is plain RFC 8259 JSON: it validates UTF-8, structure, escapes, raw
// control characters (UNESCAPED_CHARS) and depth in one pass, and every value
// it accepts is exactly what Python's json module yields (integers stay
// integers, "-0" is int 0, doubles are correctly rounded, "1e-400" is 0.0).
// What Python also accepts but simdjson rejects is a small set: the bare words
// NaN / Infinity / -Infinity, integers outside [INT64_MIN, UINT64_MAX], and
// floats that overflow to +-inf ("1e400"). (It also rejects lone surrogate
// escapes, which Python keeps but UTF-8 cannot hold.) When simdjson reports *any* error
// the document is re-read by SlowParser below, a strict recursive-descent
// reader of the same grammar plus those extensions, which then either returns
// the value or decides the error code. The On-Demand API could give raw number
// tokens instead, but it validates lazily, and having one fully validating
// pass (DOM) plus one simple strict reader keeps "never UB, always the same
// answer" easy to argue and to test (the tests run every case through both
// paths by appending a NaN element that forces the fallback).
#include "wampbox/json.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>
#include <unordered_map>

#include "encoding_internal.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace wampbox {
namespace {

// ---------------------------------------------------------------------------
// Shared scanning: the bytes that must be escaped when writing a string are
// exactly the bytes that end a plain run when reading one: '"', '\\' and the
// C0 controls.

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

// ---------------------------------------------------------------------------
// Writer.

/// Appends into a std::string through a raw pointer: the string is grown
/// geometrically and written in place, and trimmed to the bytes written at the
/// end, so small pieces ('{', ',', a key) cost a compare and a store instead
/// of a std::string::append call each. (Growth zero-fills only the added
/// part, so reusing a large cleared buffer for small messages stays cheap.)
#if defined(__GNUC__) || defined(__clang__)
#define WAMPBOX_JSON_INLINE inline __attribute__((always_inline))
#define WAMPBOX_JSON_NOINLINE __attribute__((noinline))
#else
#define WAMPBOX_JSON_INLINE inline
#define WAMPBOX_JSON_NOINLINE
#endif

class Sink {
 public:
  explicit Sink(std::string& s) : s_(s), base_(s.size()) {
    s_.resize(base_ + 256);
    p_ = s_.data() + base_;
    end_ = s_.data() + s_.size();
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
  void finish() { s_.resize(static_cast<std::size_t>(p_ - s_.data())); }
  void abandon() { s_.resize(base_); }

 private:
  WAMPBOX_JSON_NOINLINE void grow(std::size_t n) {
    std::size_t used = static_cast<std::size_t>(p_ - s_.data());
    s_.resize(std::max(used + n, s_.size() * 2));
    p_ = s_.data() + used;
    end_ = s_.data() + s_.size();
  }
  std::string& s_;
  std::size_t base_;
  char* p_;
  char* end_;
};

struct Escape {
  char len;
  char text[7];
};

constexpr std::array<Escape, 0x20> make_escapes() {
  std::array<Escape, 0x20> t{};
  constexpr char kHex[] = "0123456789abcdef";
  for (int c = 0; c < 0x20; ++c) {
    t[c] = Escape{6, {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15], 0}};
  }
  t['\b'] = Escape{2, {'\\', 'b'}};
  t['\f'] = Escape{2, {'\\', 'f'}};
  t['\n'] = Escape{2, {'\\', 'n'}};
  t['\r'] = Escape{2, {'\\', 'r'}};
  t['\t'] = Escape{2, {'\\', 't'}};
  return t;
}
constexpr std::array<Escape, 0x20> kEscapes = make_escapes();

bool valid_utf8_for_write(std::string_view s) {
  // Short strings (keys, URIs) are usually ASCII: skip the dispatching call.
  if (s.size() <= 64) {
    unsigned char acc = 0;
    for (char c : s) acc |= static_cast<unsigned char>(c);
    if (acc < 0x80) return true;
  }
  return simdjson::validate_utf8(s.data(), s.size());
}

void write_string(std::string_view s, Sink& out) {
  if (!valid_utf8_for_write(s)) throw Error(ErrorCode::kInvalidUtf8, "JSON write: string is not valid UTF-8");
  out.ensure(s.size() + 2);  // exact unless something needs escaping
  *out.ptr()++ = '"';
  const char* p = s.data();
  const char* const end = p + s.size();
  for (;;) {
    const char* q = find_special(p, end);
    out.write(p, static_cast<std::size_t>(q - p));
    if (q == end) break;
    auto c = static_cast<unsigned char>(*q);
    out.ensure(6);
    char*& o = out.ptr();
    if (c == '"' || c == '\\') {
      o[0] = '\\';
      o[1] = static_cast<char>(c);
      o += 2;
    } else {
      std::memcpy(o, kEscapes[c].text, 6);
      o += kEscapes[c].len;
    }
    p = q + 1;
  }
  out.put('"');
}

/// Python's float.__repr__: the shortest digits that round-trip (std::to_chars
/// gives the same digits as Python's dtoa mode 0), written in fixed notation
/// when the decimal exponent is in [-4, 16), else as d.ddde+XX.
void write_double(double d, Sink& out) {
  if (std::isnan(d)) {
    out.write("NaN", 3);
    return;
  }
  if (std::isinf(d)) {
    if (d > 0) {
      out.write("Infinity", 8);
    } else {
      out.write("-Infinity", 9);
    }
    return;
  }
  char sci[48];
  auto r = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
  // sci = [-]D[.DDDD]e(+|-)XX[X]
  const char* p = sci;
  const char* const end = r.ptr;
  const char* e = static_cast<const char*>(std::memchr(sci, 'e', static_cast<std::size_t>(end - sci)));
  int exp = 0;
  for (const char* x = e + 2; x < end; ++x) exp = exp * 10 + (*x - '0');
  if (e[1] == '-') exp = -exp;
  if (exp < -4 || exp >= 16) {
    // to_chars' scientific form already matches repr: at least two exponent
    // digits with an explicit sign, no trailing zeros in the mantissa.
    out.write(sci, static_cast<std::size_t>(end - sci));
    return;
  }
  char digits[24];
  int nd = 0;
  bool negative = *p == '-';
  if (negative) ++p;
  for (; p < e; ++p) {
    if (*p != '.') digits[nd++] = *p;
  }
  out.ensure(32);  // sign + at most 17 digits + 4 leading "0.000" + ".0"
  char*& o = out.ptr();
  if (negative) *o++ = '-';
  if (exp >= 0) {
    int int_len = exp + 1;
    if (nd <= int_len) {
      std::memcpy(o, digits, static_cast<std::size_t>(nd));
      o += nd;
      for (int i = nd; i < int_len; ++i) *o++ = '0';
      *o++ = '.';
      *o++ = '0';
    } else {
      std::memcpy(o, digits, static_cast<std::size_t>(int_len));
      o += int_len;
      *o++ = '.';
      std::memcpy(o, digits + int_len, static_cast<std::size_t>(nd - int_len));
      o += nd - int_len;
    }
  } else {
    *o++ = '0';
    *o++ = '.';
    for (int i = 0; i < -exp - 1; ++i) *o++ = '0';
    std::memcpy(o, digits, static_cast<std::size_t>(nd));
    o += nd;
  }
}

template <class Int>
void write_integer(Int i, Sink& out) {
  out.ensure(24);
  char*& o = out.ptr();
  o = std::to_chars(o, o + 24, i).ptr;
}

void write_value(const Value& v, Sink& out) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      out.write("null", 4);
      return;
    case Value::Kind::kBool:
      if (v.as_bool()) {
        out.write("true", 4);
      } else {
        out.write("false", 5);
      }
      return;
    case Value::Kind::kInt:
      write_integer(v.as_int(), out);
      return;
    case Value::Kind::kUInt:
      write_integer(v.as_uint(), out);
      return;
    case Value::Kind::kBigInt:
      out.write(v.as_bigint().decimal);
      return;
    case Value::Kind::kFloat:
      write_double(v.as_float(), out);
      return;
    case Value::Kind::kString:
      write_string(v.as_string(), out);
      return;
    case Value::Kind::kBinary: {
      // Autobahn: '\x00' + base64, then escaped like any string.
      const Bytes& b = v.as_binary().data;
      std::size_t n64 = (b.size() + 2) / 3 * 4;
      out.ensure(n64 + 8);
      char*& o = out.ptr();
      std::memcpy(o, "\"\\u0000", 7);
      o += 7;
      o += encoding_base64_encode_raw(b.data(), b.size(), o);
      *o++ = '"';
      return;
    }
    case Value::Kind::kArray: {
      const Array& a = v.as_array();
      out.put('[');
      bool first = true;
      for (const Value& x : a) {
        if (!first) out.put(',');
        first = false;
        write_value(x, out);
      }
      out.put(']');
      return;
    }
    case Value::Kind::kObject: {
      const Object& o = v.as_object();
      out.put('{');
      bool first = true;
      for (const auto& [k, x] : o) {
        if (!first) out.put(',');
        first = false;
        write_string(k, out);
        out.put(':');
        write_value(x, out);
      }
      out.put('}');
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// Reader helpers shared by both paths.

Value string_value(std::string_view s) {
  if (!s.empty() && s[0] == '\0') return Value(Binary{base64_decode(s.substr(1))});
  return Value(std::string(s));
}

/// Objects are small in WAMP; a linear scan beats hashing up to this size.
constexpr std::size_t kLinearDedupMax = 16;

// ---------------------------------------------------------------------------
// Fast path: simdjson DOM tape -> Value.

class DomConverter {
 public:
  Value convert(simdjson::dom::element e) {
    using T = simdjson::dom::element_type;
    switch (e.type()) {
      case T::ARRAY: {
        simdjson::dom::array arr = e.get_array().value_unsafe();
        Array a;
        a.reserve(arr.size());
        for (simdjson::dom::element x : arr) a.push_back(convert(x));
        return Value(std::move(a));
      }
      case T::OBJECT:
        return convert_object(e.get_object().value_unsafe());
      case T::INT64:
        return Value(e.get_int64().value_unsafe());
      case T::UINT64:
        return Value(e.get_uint64().value_unsafe());
      case T::DOUBLE:
        return Value(e.get_double().value_unsafe());
      case T::STRING:
        return string_value(e.get_string().value_unsafe());
      case T::BOOL:
        return Value(e.get_bool().value_unsafe());
      case T::NULL_VALUE:
        return Value();
    }
    throw Error(ErrorCode::kParseError, "JSON: unexpected element type");
  }

 private:
  Value convert_object(simdjson::dom::object obj) {
    Object o;
    const std::size_t n = obj.size();  // saturates at 0xFFFFFF: only a hint
    o.reserve(n);
    if (n <= kLinearDedupMax) {
      for (auto field : obj) {
        std::string_view key = field.key;
        Value v = convert(field.value);
        auto it = o.begin();
        for (; it != o.end(); ++it) {
          if (it->first == key) break;
        }
        if (it != o.end()) {
          it->second = std::move(v);  // Python dict: last value, first position
        } else {
          o.emplace_back(std::string(key), std::move(v));
        }
      }
    } else {
      // Keys point into simdjson's string buffer, stable while converting.
      std::unordered_map<std::string_view, std::size_t> index;
      index.reserve(n);
      for (auto field : obj) {
        Value v = convert(field.value);
        auto [it, inserted] = index.try_emplace(field.key, o.size());
        if (inserted) {
          o.emplace_back(std::string(field.key), std::move(v));
        } else {
          o[it->second].second = std::move(v);
        }
      }
    }
    return Value(std::move(o));
  }
};

// ---------------------------------------------------------------------------
// Slow path: strict reader for everything simdjson rejected.

class SlowParser {
 public:
  explicit SlowParser(std::string_view text) : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

  Value parse_document() {
    // Autobahn decodes the frame as UTF-8 before parsing: check that first.
    if (!is_valid_utf8(std::string_view(begin_, static_cast<std::size_t>(end_ - begin_)))) {
      throw Error(ErrorCode::kInvalidUtf8, "JSON: input is not valid UTF-8");
    }
    skip_ws();
    Value v = parse_value(0);
    skip_ws();
    if (p_ != end_) fail("trailing content after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const char* why) const {
    throw Error(ErrorCode::kParseError,
                std::string("JSON parse error at offset ") + std::to_string(p_ - begin_) + ": " + why);
  }

  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  void expect_word(std::string_view w) {
    if (static_cast<std::size_t>(end_ - p_) < w.size() || std::memcmp(p_, w.data(), w.size()) != 0)
      fail("invalid literal");
    p_ += w.size();
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  Value parse_value(std::size_t depth) {
    if (p_ == end_) fail("unexpected end of input");
    switch (*p_) {
      case '{':
        return parse_object(depth + 1);
      case '[':
        return parse_array(depth + 1);
      case '"': {
        ++p_;
        std::string s;
        parse_string_body(s);
        return string_value(s);
      }
      case 't':
        expect_word("true");
        return Value(true);
      case 'f':
        expect_word("false");
        return Value(false);
      case 'n':
        expect_word("null");
        return Value();
      case 'N':
        expect_word("NaN");
        return Value(std::numeric_limits<double>::quiet_NaN());
      case 'I':
        expect_word("Infinity");
        return Value(std::numeric_limits<double>::infinity());
      case '-':
        if (end_ - p_ >= 2 && p_[1] == 'I') {
          expect_word("-Infinity");
          return Value(-std::numeric_limits<double>::infinity());
        }
        return parse_number();
      default:
        if (is_digit(*p_)) return parse_number();
        fail("unexpected character");
    }
  }

  Value parse_array(std::size_t depth) {
    if (depth > kMaxJsonDepth) fail("nesting too deep");
    ++p_;  // '['
    Array a;
    skip_ws();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return Value(std::move(a));
    }
    for (;;) {
      skip_ws();
      a.push_back(parse_value(depth));
      skip_ws();
      if (p_ == end_) fail("unterminated array");
      if (*p_ == ',') {
        ++p_;
      } else if (*p_ == ']') {
        ++p_;
        return Value(std::move(a));
      } else {
        fail("expected ',' or ']'");
      }
    }
  }

  Value parse_object(std::size_t depth) {
    if (depth > kMaxJsonDepth) fail("nesting too deep");
    ++p_;  // '{'
    Object o;
    std::unordered_map<std::string, std::size_t> index;  // used once o outgrows a linear scan
    skip_ws();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return Value(std::move(o));
    }
    for (;;) {
      skip_ws();
      if (p_ == end_ || *p_ != '"') fail("expected a string key");
      ++p_;
      std::string key;
      parse_string_body(key);  // keys are never binary (Python scans them with scanstring)
      skip_ws();
      if (p_ == end_ || *p_ != ':') fail("expected ':'");
      ++p_;
      skip_ws();
      Value v = parse_value(depth);
      std::size_t pos = o.size();
      if (o.size() < kLinearDedupMax) {
        for (std::size_t i = 0; i < o.size(); ++i) {
          if (o[i].first == key) {
            pos = i;
            break;
          }
        }
      } else {
        if (index.empty()) {
          for (std::size_t i = 0; i < o.size(); ++i) index.emplace(o[i].first, i);
        }
        auto [it, inserted] = index.try_emplace(key, o.size());
        pos = it->second;
      }
      if (pos == o.size()) {
        o.emplace_back(std::move(key), std::move(v));
      } else {
        o[pos].second = std::move(v);
      }
      skip_ws();
      if (p_ == end_) fail("unterminated object");
      if (*p_ == ',') {
        ++p_;
      } else if (*p_ == '}') {
        ++p_;
        return Value(std::move(o));
      } else {
        fail("expected ',' or '}'");
      }
    }
  }

  // Python's NUMBER_RE: -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?
  Value parse_number() {
    const char* start = p_;
    if (*p_ == '-') ++p_;
    if (p_ == end_) fail("invalid number");
    if (*p_ == '0') {
      ++p_;
    } else if (is_digit(*p_)) {
      while (p_ < end_ && is_digit(*p_)) ++p_;
    } else {
      fail("invalid number");
    }
    bool is_float = false;
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !is_digit(*p_)) fail("invalid number: digit expected after '.'");
      while (p_ < end_ && is_digit(*p_)) ++p_;
      is_float = true;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !is_digit(*p_)) fail("invalid number: digit expected in exponent");
      while (p_ < end_ && is_digit(*p_)) ++p_;
      is_float = true;
    }
    std::string_view token(start, static_cast<std::size_t>(p_ - start));
    if (!is_float) return Value::integer_from_decimal(token);
    return Value(parse_float(token));
  }

  /// Python float(): correctly rounded, overflow gives +-inf, underflow +-0.
  static double parse_float(std::string_view token) {
    double d = 0;
    auto r = std::from_chars(token.data(), token.data() + token.size(), d, std::chars_format::general);
    if (r.ec == std::errc() && r.ptr == token.data() + token.size()) return d;
    if (r.ec != std::errc::result_out_of_range) {
      throw Error(ErrorCode::kParseError, "JSON: invalid float literal");
    }
    // Out of range: the magnitude is either >= ~1.8e308 or < ~2.5e-324, so
    // the sign of the decimal order of magnitude tells which. The value lies
    // in [10^(m+e-1), 10^(m+e)) where m counts the integer digits after
    // leading zeros (or minus the fraction's leading zeros when the integer
    // part is zero) and e is the exponent (saturated).
    bool negative = token[0] == '-';
    std::size_t i = negative ? 1 : 0;
    long long m = 0;
    while (i < token.size() && token[i] == '0') ++i;
    std::size_t int_start = i;
    while (i < token.size() && is_digit(token[i])) ++i;
    m = static_cast<long long>(i - int_start);
    if (i < token.size() && token[i] == '.') {
      ++i;
      if (m == 0) {
        std::size_t z = i;
        while (i < token.size() && token[i] == '0') ++i;
        m = -static_cast<long long>(i - z);
      }
      while (i < token.size() && is_digit(token[i])) ++i;
    }
    long long e = 0;
    if (i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
      ++i;
      bool eneg = false;
      if (token[i] == '+' || token[i] == '-') eneg = token[i++] == '-';
      for (; i < token.size(); ++i) {
        if (e < 1'000'000'000'000LL) e = e * 10 + (token[i] - '0');
      }
      if (eneg) e = -e;
    }
    double mag = m + e > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    return negative ? -mag : mag;
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  std::uint32_t parse_hex4() {
    if (end_ - p_ < 4) fail("truncated \\u escape");
    std::uint32_t cp = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex_value(p_[i]);
      if (h < 0) fail("invalid \\u escape");
      cp = (cp << 4) | static_cast<std::uint32_t>(h);
    }
    p_ += 4;
    return cp;
  }

  static void append_utf8(std::uint32_t cp, std::string& out) {
    char b[4];
    std::size_t n;
    if (cp < 0x80) {
      b[0] = static_cast<char>(cp);
      n = 1;
    } else if (cp < 0x800) {
      b[0] = static_cast<char>(0xC0 | (cp >> 6));
      b[1] = static_cast<char>(0x80 | (cp & 0x3F));
      n = 2;
    } else if (cp < 0x10000) {
      b[0] = static_cast<char>(0xE0 | (cp >> 12));
      b[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      b[2] = static_cast<char>(0x80 | (cp & 0x3F));
      n = 3;
    } else {
      b[0] = static_cast<char>(0xF0 | (cp >> 18));
      b[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      b[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      b[3] = static_cast<char>(0x80 | (cp & 0x3F));
      n = 4;
    }
    out.append(b, n);
  }

  /// Reads a string body after the opening quote, through the closing quote.
  void parse_string_body(std::string& out) {
    for (;;) {
      const char* q = find_special(p_, end_);
      out.append(p_, static_cast<std::size_t>(q - p_));
      p_ = q;
      if (q == end_) fail("unterminated string");
      char c = *p_++;
      if (c == '"') return;
      if (c != '\\') {
        --p_;
        fail("raw control character in string");
      }
      if (p_ == end_) fail("unterminated escape");
      char esc = *p_++;
      switch (esc) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          std::uint32_t cp = parse_hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // Python keeps lone surrogates, but they have no UTF-8 form.
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
              throw Error(ErrorCode::kInvalidUtf8, "JSON: lone high surrogate escape");
            }
            p_ += 2;
            std::uint32_t lo = parse_hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) throw Error(ErrorCode::kInvalidUtf8, "JSON: lone high surrogate escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            throw Error(ErrorCode::kInvalidUtf8, "JSON: lone low surrogate escape");
          }
          append_utf8(cp, out);
          break;
        }
        default:
          fail("invalid escape");
      }
    }
  }

  const char* begin_;
  const char* p_;
  const char* end_;
};

/// Above this size json_parse() uses a throwaway parser so that a thread's
/// cached parser never pins the (roughly 15x input) DOM buffers of a huge frame.
constexpr std::size_t kThreadCacheMaxInput = 2u << 20;

}  // namespace

void json_write_append(const Value& v, std::string& out) {
  Sink sink(out);
  try {
    write_value(v, sink);
  } catch (...) {
    sink.abandon();  // leave `out` as it was
    throw;
  }
  sink.finish();
}

std::string json_write(const Value& v) {
  std::string out;
  json_write_append(v, out);
  return out;
}

struct JsonParser::Impl {
  simdjson::dom::parser parser;
  simdjson::dom::document doc;
  std::unique_ptr<char[]> buf;  // input copy with SIMDJSON_PADDING bytes after it
  std::size_t buf_cap = 0;      // usable bytes in buf before the padding
  std::size_t dom_cap = 0;      // capacity allocated in parser and doc

  Value parse(std::string_view text) {
    const std::size_t n = text.size();
    if (n <= simdjson::SIMDJSON_MAXSIZE_BYTES && reserve(n)) {
      std::memcpy(buf.get(), text.data(), n);
      std::memset(buf.get() + n, 0, simdjson::SIMDJSON_PADDING);
      simdjson::dom::element root;
      if (parser.parse_into_document(doc, buf.get(), n, false).get(root) == simdjson::SUCCESS) {
        return DomConverter().convert(root);
      }
    }
    return SlowParser(text).parse_document();
  }

  // Grows buffers geometrically so that slowly growing frames do not
  // reallocate on every call; false if allocation failed.
  bool reserve(std::size_t n) {
    if (n > buf_cap || !buf) {
      std::size_t cap = std::max({n, buf_cap + buf_cap / 2, std::size_t{4096}});
      buf.reset(new (std::nothrow) char[cap + simdjson::SIMDJSON_PADDING]);
      if (!buf) {
        buf_cap = 0;
        return false;
      }
      buf_cap = cap;
    }
    if (n > dom_cap || dom_cap == 0) {
      std::size_t cap = std::max({n, dom_cap + dom_cap / 2, std::size_t{4096}});
      cap = std::min(cap, static_cast<std::size_t>(simdjson::SIMDJSON_MAXSIZE_BYTES));
      if (parser.allocate(cap, kMaxJsonDepth) != simdjson::SUCCESS || doc.allocate(cap) != simdjson::SUCCESS) {
        dom_cap = 0;
        return false;
      }
      dom_cap = cap;
    }
    return true;
  }
};

JsonParser::JsonParser() : impl_(std::make_unique<Impl>()) {}
JsonParser::~JsonParser() = default;
JsonParser::JsonParser(JsonParser&&) noexcept = default;
JsonParser& JsonParser::operator=(JsonParser&&) noexcept = default;

Value JsonParser::parse(std::string_view text) {
  if (!impl_) impl_ = std::make_unique<Impl>();  // moved-from parser stays usable
  return impl_->parse(text);
}

Value json_parse(std::string_view text) {
  if (text.size() > kThreadCacheMaxInput) return JsonParser().parse(text);
  thread_local JsonParser parser;
  return parser.parse(text);
}

}  // namespace wampbox
