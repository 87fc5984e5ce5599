// JSON as Autobahn|Python writes it (json.dumps with separators=(',', ':'),
// ensure_ascii=False and its bytes hook). The reader is json_read.cc.
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "encoding_internal.h"
#include "json_internal.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"

namespace wampbox {
namespace {

using json_internal::find_special;

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
}  // namespace wampbox
