// JSON as Autobahn|Python reads it (json.loads, strict mode, with its
// "\u0000"-prefixed binary strings). The writer is json_write.cc.
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
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>
#include <unordered_map>

#include "encoding_internal.h"
#include "json_internal.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"

namespace wampbox {
namespace {

using json_internal::find_special;

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
