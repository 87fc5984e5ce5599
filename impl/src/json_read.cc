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
#include <vector>

#include <sodium.h>

#include "encoding_internal.h"
#include "json_internal.h"
#include "simd_internal.h"
#include "msgpack_cbor_common.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"

namespace wampbox {
namespace {

using json_internal::find_special;

// ---------------------------------------------------------------------------
// Reader helpers shared by both paths. Both feed binary_detail::ValueBuilder,
// the tree builder of the MessagePack and CBOR readers, so that all three
// formats share one bounded, non-recursive construction: stack use does not
// grow with nesting (the recursive converters this replaced took ~430 bytes
// per level, 440 KiB at depth 1024, and crashed on a 128 KiB thread stack),
// object keys are deduplicated by sorting (no hash table an attacker can
// flood), and DecodeLimits is enforced in one place.

using binary_detail::ValueBuilder;

/// A JSON string in value position: Binary if it starts with U+0000.
void put_string(std::string_view s, ValueBuilder& b) {
  if (!s.empty() && s[0] == '\0') {
    b.check_string_size(s.size());  // before decoding: base64 is longer than its bytes
    Bytes data = b.take_bytes(s.size() / 4 * 3);
    base64_decode_into(s.substr(1), data);
    b.scalar(Value(Binary{std::move(data)}));
  } else {
    b.text_view(s);
  }
}

[[noreturn]] void bignum_too_long(const DecodeLimits& limits) {
  throw Error(ErrorCode::kLimitExceeded,
              "JSON integer exceeds DecodeLimits::max_bignum_digits (" + std::to_string(limits.max_bignum_digits) + ")");
}

// ---------------------------------------------------------------------------
// Fast path: simdjson DOM tape -> Value, with an explicit stack of container
// iterators instead of recursion.

class DomConverter {
 public:
  Value convert(simdjson::dom::element root, std::size_t input_size, const DecodeLimits& limits, bool secret,
                binary_detail::ValuePool* pool) {
    ValueBuilder b(input_size, limits, pool);
    b.set_wipe_on_failure(secret);
    stack_.clear();
    strings_end_ = nullptr;
    put(root, b);
    while (!stack_.empty()) {
      Level& top = stack_.back();
      if (top.is_object) {
        if (top.oi == top.oe) {
          stack_.pop_back();
          b.end_indefinite();
          continue;
        }
        simdjson::dom::key_value_pair field = *top.oi;
        ++top.oi;
        note_string(field.key);
        b.text_view(field.key);
        put(field.value, b);  // may push: `top` is not used after this
      } else {
        if (top.ai == top.ae) {
          stack_.pop_back();
          b.end_indefinite();
          continue;
        }
        simdjson::dom::element x = *top.ai;
        ++top.ai;
        put(x, b);
      }
    }
    return b.take();
  }

  /// One past the NUL of the last string (key or value) the last convert()
  /// passed through, i.e. the end of what simdjson wrote to its string buffer
  /// (it stores them in document order: 4-byte length, bytes, NUL); nullptr if
  /// it had none. Meaningful only when convert() returned normally.
  const char* strings_end() const { return strings_end_; }

 private:
  void note_string(std::string_view s) {
    const char* end = s.data() + s.size() + 1;
    if (end > strings_end_) strings_end_ = end;
  }

  struct Level {
    bool is_object;
    simdjson::dom::array::iterator ai, ae;
    simdjson::dom::object::iterator oi, oe;
  };

  void put(simdjson::dom::element e, ValueBuilder& b) {
    using T = simdjson::dom::element_type;
    switch (e.type()) {
      case T::ARRAY: {
        simdjson::dom::array arr = e.get_array().value_unsafe();
        b.begin_array(0, true, arr.size());  // size() saturates at 0xFFFFFF: a hint only
        stack_.push_back(Level{false, arr.begin(), arr.end(), {}, {}});
        return;
      }
      case T::OBJECT: {
        simdjson::dom::object obj = e.get_object().value_unsafe();
        b.begin_map(0, true, obj.size());
        stack_.push_back(Level{true, {}, {}, obj.begin(), obj.end()});
        return;
      }
      case T::INT64:
        b.scalar(Value(e.get_int64().value_unsafe()));
        return;
      case T::UINT64:
        b.scalar(Value(e.get_uint64().value_unsafe()));
        return;
      case T::DOUBLE:
        b.scalar(Value(e.get_double().value_unsafe()));
        return;
      case T::STRING: {
        const std::string_view s = e.get_string().value_unsafe();
        note_string(s);
        put_string(s, b);
        return;
      }
      case T::BOOL:
        b.scalar(Value(e.get_bool().value_unsafe()));
        return;
      case T::NULL_VALUE:
        b.scalar(Value());
        return;
    }
    throw Error(ErrorCode::kParseError, "JSON: unexpected element type");
  }

  std::vector<Level> stack_;  // kept between calls by JsonParser
  const char* strings_end_ = nullptr;
};

// ---------------------------------------------------------------------------
// Slow path: strict reader for everything simdjson rejected. An explicit
// stack of open containers replaces recursion (see above).

class SlowParser {
 public:
  /// `secret`: the text is decrypted plaintext; wipe the temporary copies
  /// (strings decoded from base64, a partial tree on failure).
  SlowParser(std::string_view text, const DecodeLimits& limits, bool secret)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), limits_(limits), secret_(secret) {}

  Value parse_document() {
    // Autobahn decodes the frame as UTF-8 before parsing: check that first.
    if (!is_valid_utf8(std::string_view(begin_, static_cast<std::size_t>(end_ - begin_)))) {
      throw Error(ErrorCode::kInvalidUtf8, "JSON: input is not valid UTF-8");
    }
    ValueBuilder b(static_cast<std::size_t>(end_ - begin_), limits_);
    b.set_wipe_on_failure(secret_);
    std::vector<char> open;  // '[' or '{' per open container, innermost last
    bool need_value = true;
    for (;;) {
      if (need_value) {
        skip_ws();
        if (!open.empty() && open.back() == '{') {
          if (p_ == end_ || *p_ != '"') fail("expected a string key");
          ++p_;
          std::string key;
          parse_string_body(key);  // keys are never binary (Python scans them with scanstring)
          skip_ws();
          if (p_ == end_ || *p_ != ':') fail("expected ':'");
          ++p_;
          skip_ws();
          b.text(std::move(key));
        }
        if (p_ == end_) fail("unexpected end of input");
        const char c = *p_;
        if (c == '[' || c == '{') {
          if (open.size() >= kMaxJsonDepth) fail("nesting too deep");
          ++p_;
          if (c == '[') {
            b.begin_array(0, true);
          } else {
            b.begin_map(0, true);
          }
          open.push_back(c);
          skip_ws();
          if (p_ < end_ && *p_ == (c == '[' ? ']' : '}')) {
            ++p_;
            b.end_indefinite();
            open.pop_back();
            need_value = false;
          }
          continue;
        }
        parse_scalar(b);
        need_value = false;
        continue;
      }
      if (open.empty()) break;
      skip_ws();
      const bool in_array = open.back() == '[';
      if (p_ == end_) fail(in_array ? "unterminated array" : "unterminated object");
      if (*p_ == ',') {
        ++p_;
        need_value = true;
      } else if (*p_ == (in_array ? ']' : '}')) {
        ++p_;
        b.end_indefinite();
        open.pop_back();
      } else {
        fail(in_array ? "expected ',' or ']'" : "expected ',' or '}'");
      }
    }
    skip_ws();
    if (p_ != end_) fail("trailing content after the JSON value");
    return b.take();
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

  /// One non-container value at p_ (p_ < end_).
  void parse_scalar(ValueBuilder& b) {
    switch (*p_) {
      case '"': {
        ++p_;
        std::string s;
        parse_string_body(s);
        if (!s.empty() && s[0] == '\0') {
          struct Wipe {
            std::string& s;
            bool on;
            ~Wipe() {
              if (on) sodium_memzero(s.data(), s.size());
            }
          } wipe{s, secret_};
          put_string(s, b);
        } else {
          b.text(std::move(s));  // moved, not copied: no second copy to wipe
        }
        return;
      }
      case 't':
        expect_word("true");
        b.scalar(Value(true));
        return;
      case 'f':
        expect_word("false");
        b.scalar(Value(false));
        return;
      case 'n':
        expect_word("null");
        b.scalar(Value());
        return;
      case 'N':
        expect_word("NaN");
        b.scalar(Value(std::numeric_limits<double>::quiet_NaN()));
        return;
      case 'I':
        expect_word("Infinity");
        b.scalar(Value(std::numeric_limits<double>::infinity()));
        return;
      case '-':
        if (end_ - p_ >= 2 && p_[1] == 'I') {
          expect_word("-Infinity");
          b.scalar(Value(-std::numeric_limits<double>::infinity()));
          return;
        }
        b.scalar(parse_number());
        return;
      default:
        if (is_digit(*p_)) {
          b.scalar(parse_number());
          return;
        }
        fail("unexpected character");
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
    if (!is_float) {
      // Only literals beyond 64 bits become BigInt; 20 digits always fit the check.
      if (token.size() > 20 && token.size() - (token[0] == '-' ? 1 : 0) > limits_.max_bignum_digits) {
        bignum_too_long(limits_);
      }
      return Value::integer_from_decimal(token);
    }
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
  /// Reserves the raw length first (the decoded string is never longer), so
  /// `out` is not reallocated while it grows: a reallocation would free a
  /// block holding part of the string, unwiped.
  void parse_string_body(std::string& out) {
    const char* q = p_;
    while (q < end_ && *q != '"') q += (*q == '\\') ? 2 : 1;
    out.reserve(static_cast<std::size_t>(std::min(q, end_) - p_));
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
  const DecodeLimits& limits_;
  bool secret_;
};

/// Above this size json_parse() uses a throwaway parser so that a thread's
/// cached parser never pins the (roughly 15x input) DOM buffers of a huge frame.
constexpr std::size_t kThreadCacheMaxInput = 2u << 20;

}  // namespace

namespace {

/// Parser state kept between calls (JsonParser, json_parse's thread cache,
/// json_parse_secret's wiping cache).
struct ReaderState {
  simdjson::dom::parser parser;
  simdjson::dom::document doc;
  std::unique_ptr<char[]> buf;  // input copy with SIMDJSON_PADDING bytes after it
  std::size_t buf_cap = 0;      // usable bytes in buf before the padding
  std::size_t dom_cap = 0;      // capacity allocated in parser and doc
  DomConverter converter;       // keeps its iterator stack between calls
  bool last_ok = false;         // the last parse_into_document succeeded (wipe: the tape's length is known)
  std::size_t strings_used = 0;  // bytes of the string buffer the last parse used, if converted
  bool strings_known = false;    // the last parse was converted in full, so strings_used is exact

  Value parse(std::string_view text, const DecodeLimits& limits, bool secret = false) {
    binary_detail::check_input_size(text.size(), limits, "JSON");
    const std::size_t n = text.size();
    if (n <= simdjson::SIMDJSON_MAXSIZE_BYTES && reserve(n)) {
      std::memcpy(buf.get(), text.data(), n);
      return parse_buffer(n, limits, secret, nullptr);
    }
    return SlowParser(text, limits, secret).parse_document();
  }

  /// Parses the n bytes the caller wrote into buf (reserve(n) succeeded) in
  /// place: no copy of the input.
  Value parse_buffer(std::size_t n, const DecodeLimits& limits, bool secret, binary_detail::ValuePool* pool) {
    std::memset(buf.get() + n, 0, simdjson::SIMDJSON_PADDING);
    simdjson::dom::element root;
    last_ok = false;
    strings_known = false;
    if (dom_cap >= n && parser.parse_into_document(doc, buf.get(), n, false).get(root) == simdjson::SUCCESS) {
      last_ok = true;
      Value v = converter.convert(root, n, limits, secret, pool);
      const char* end = converter.strings_end();
      strings_used = end ? static_cast<std::size_t>(end - reinterpret_cast<const char*>(doc.string_buf.get())) : 0;
      strings_known = true;
      return v;
    }
    return SlowParser(std::string_view(buf.get(), n), limits, secret).parse_document();
  }

  /// Zeroes what the last parse of `n` input bytes left in the buffers kept
  /// between calls: the input copy, simdjson's string buffer (every unescaped
  /// string) and its tape (numbers, string offsets). The structural index
  /// array holds only positions. After a successful parse only the used
  /// parts are wiped: the tape's root entry gives its length, and the
  /// converter saw every string, so it knows where the used part of the
  /// string buffer ends. (Wiping whole buffers, 8n bytes of tape alone, cost
  /// +35..63% instructions per received message in bench/gate_driver's
  /// receiver paths; see commit ee08f09.) Otherwise the bound simdjson writes
  /// within: tape n + 3 entries, strings 5n/3 + padding.
  ///
  /// (The string end used to be found by scanning the tape backwards for the
  /// last string entry. But the word after a number entry is the raw 64-bit
  /// value, which can look like a string entry: a double with top byte 0x22,
  /// such as 1e-144, sent the scan to a garbage offset and crashed; the
  /// CPython float differential, scripts/floatdiff.py, found it, and
  /// JsonParse.WipeAfterNumberThatLooksLikeAString guards it.)
  void wipe(std::size_t n) noexcept {
    if (buf) sodium_memzero(buf.get(), std::min(n, buf_cap));
    if (dom_cap == 0) return;
    const std::size_t m = std::min(n, dom_cap);
    std::size_t tape_used = m + 3;
    std::size_t strings_bound = 5 * m / 3 + simdjson::SIMDJSON_PADDING;
    if (last_ok && doc.tape) {
      tape_used = std::min<std::size_t>(tape_used, (doc.tape[0] & simdjson::internal::JSON_VALUE_MASK) + 1);
      if (strings_known) strings_bound = std::min(strings_bound, strings_used);
    }
    last_ok = false;
    strings_known = false;
    if (doc.string_buf && strings_bound) sodium_memzero(doc.string_buf.get(), strings_bound);
    if (doc.tape) sodium_memzero(doc.tape.get(), tape_used * sizeof(std::uint64_t));
  }

  /// Zeroes the whole of every buffer, whatever earlier parses used.
  void wipe_all() noexcept {
    last_ok = false;
    wipe(std::max(buf_cap, dom_cap));
  }

  // Grows buffers geometrically so that slowly growing frames do not
  // reallocate on every call; false if allocation failed (if only simdjson's
  // buffers failed, buf is still usable and dom_cap < n: parse_buffer then
  // takes the fallback reader).
  bool reserve(std::size_t n) {
    if (!reserve_input(n)) return false;
    if (n <= simdjson::SIMDJSON_MAXSIZE_BYTES && (n > dom_cap || dom_cap == 0)) {
      std::size_t cap = std::max({n, dom_cap + dom_cap / 2, std::size_t{4096}});
      cap = std::min(cap, static_cast<std::size_t>(simdjson::SIMDJSON_MAXSIZE_BYTES));
      wipe_all();  // simdjson frees the old buffers without wiping them
      if (parser.allocate(cap, kMaxJsonDepth) != simdjson::SUCCESS || doc.allocate(cap) != simdjson::SUCCESS) {
        dom_cap = 0;
        return false;
      }
      dom_cap = cap;
    }
    return true;
  }

  bool reserve_input(std::size_t n) {
    if (n > buf_cap || !buf) {
      std::size_t cap = std::max({n, buf_cap + buf_cap / 2, std::size_t{4096}});
      if (buf) sodium_memzero(buf.get(), buf_cap);  // may hold an earlier secret (json_parse_secret)
      buf.reset(new (std::nothrow) char[cap + simdjson::SIMDJSON_PADDING]);
      if (!buf) {
        buf_cap = 0;
        return false;
      }
      buf_cap = cap;
    }
    return true;
  }
};

}  // namespace

struct JsonParser::Impl {
  ReaderState state;
};

JsonParser::JsonParser() : impl_(std::make_unique<Impl>()) {}
JsonParser::~JsonParser() = default;
JsonParser::JsonParser(JsonParser&&) noexcept = default;
JsonParser& JsonParser::operator=(JsonParser&&) noexcept = default;

Value JsonParser::parse(std::string_view text) { return parse(text, DecodeLimits{}); }

Value JsonParser::parse(std::string_view text, const DecodeLimits& limits) {
  if (!impl_) impl_ = std::make_unique<Impl>();  // moved-from parser stays usable
  return impl_->state.parse(text, limits);
}

Value json_parse(std::string_view text) { return json_parse(text, DecodeLimits{}); }

Value json_parse(std::string_view text, const DecodeLimits& limits) {
  if (text.size() > kThreadCacheMaxInput) return JsonParser().parse(text, limits);
  thread_local JsonParser parser;
  return parser.parse(text, limits);
}

namespace json_internal {

struct InPlaceReader::Impl {
  ReaderState state;
};

InPlaceReader::InPlaceReader(bool secret) : impl_(std::make_unique<Impl>()), secret_(secret) {}

InPlaceReader::~InPlaceReader() {
  if (secret_) wipe();
}

void InPlaceReader::wipe() noexcept {
  if (impl_) impl_->state.wipe_all();
}

std::uint8_t* InPlaceReader::input(std::size_t n) {
  ReaderState& st = impl_->state;
  if (!st.reserve_input(n)) throw std::bad_alloc();
  (void)st.reserve(n);  // simdjson's buffers; without them parse() takes the fallback reader
  return reinterpret_cast<std::uint8_t*>(st.buf.get());
}

Value InPlaceReader::parse(std::size_t n, const DecodeLimits& limits, binary_detail::ValuePool* pool) {
  struct WipeOnFailure {
    ReaderState* state;  // null: not secret
    std::size_t n;
    bool ok = false;
    ~WipeOnFailure() {
      if (state && !ok) {
        state->last_ok = false;  // the bound, not the tape: a failed conversion leaves no tape to trust
        state->wipe(n);
      }
    }
  } guard{secret_ ? &impl_->state : nullptr, n};
  binary_detail::check_input_size(n, limits, "JSON");
  Value v = impl_->state.parse_buffer(n, limits, secret_, pool);
  guard.ok = true;
  return v;
}

}  // namespace json_internal

namespace simd_internal {

Value json_parse_strict(std::string_view text, const DecodeLimits& limits) {
  binary_detail::check_input_size(text.size(), limits, "JSON");
  return SlowParser(text, limits, false).parse_document();
}

}  // namespace simd_internal

}  // namespace wampbox
