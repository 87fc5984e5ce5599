// JSON as Autobahn|Python writes it (json.dumps with separators=(',', ':'),
// ensure_ascii=False and its bytes hook). The reader is json_read.cc.
#include <simdjson.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "encoding_internal.h"
#include "json_internal.h"
#include "json_write_internal.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"

namespace wampbox {
namespace json_internal {
namespace {

// ---------------------------------------------------------------------------
// Writer.

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

}  // namespace

template <class Buffer>
void write_string(std::string_view s, Sink<Buffer>& out) {
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

namespace {

/// Python's float.__repr__: the shortest digits that round-trip (std::to_chars
/// gives the same digits as Python's dtoa mode 0), written in fixed notation
/// when the decimal exponent is in [-4, 16), else as d.ddde+XX.
template <class Buffer>
void write_double(double d, Sink<Buffer>& out) {
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

}  // namespace

template <class Buffer>
void write_binary(std::span<const std::uint8_t> b, Sink<Buffer>& out) {
  // Autobahn: '\x00' + base64, then escaped like any string (base64 needs none).
  const std::size_t n64 = (b.size() + 2) / 3 * 4;
  out.ensure(n64 + 8);
  char*& o = out.ptr();
  std::memcpy(o, "\"\\u0000", 7);
  o += 7;
  o += encoding_base64_encode_raw(b.data(), b.size(), o);
  *o++ = '"';
}

template <class Buffer>
void write_value(const Value& v, Sink<Buffer>& out) {
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
    case Value::Kind::kBinary:
      write_binary(v.as_binary().data, out);
      return;
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

template void write_string(std::string_view, Sink<std::string>&);
template void write_string(std::string_view, Sink<Bytes>&);
template void write_value(const Value&, Sink<std::string>&);
template void write_value(const Value&, Sink<Bytes>&);
template void write_binary(std::span<const std::uint8_t>, Sink<std::string>&);
template void write_binary(std::span<const std::uint8_t>, Sink<Bytes>&);

}  // namespace json_internal

void json_write_append(const Value& v, std::string& out) {
  json_internal::Sink<std::string> sink(out);
  try {
    json_internal::write_value(v, sink);
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
