// JSON as Autobahn|Python writes it (json.dumps with separators=(',', ':'),
// ensure_ascii=False and its bytes hook). The reader is json_read.cc.
#include <dragonbox/dragonbox.h>
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
  const char* p = s.data();
  const char* const end = p + s.size();
  out.ensure(s.size() + 2 + 32);  // the quotes, copy_until_special's slack; more only for escapes
  char*& o = out.ptr();
  *o++ = '"';
  for (;;) {
    const char* q = copy_until_special(p, end, o);
    o += q - p;
    if (q == end) break;
    const auto c = static_cast<unsigned char>(*q);
    p = q + 1;
    out.ensure(static_cast<std::size_t>(end - p) + 6 + 1 + 32);  // this escape, the rest, the slack
    if (c == '"' || c == '\\') {
      o[0] = '\\';
      o[1] = static_cast<char>(c);
      o += 2;
    } else {
      std::memcpy(o, kEscapes[c].text, 6);
      o += kEscapes[c].len;
    }
  }
  *o++ = '"';
}

namespace {

/// Python's float.__repr__ (what json.dumps writes for a float): the shortest
/// decimal digits that round-trip, then repr's layout: fixed notation when the
/// decimal exponent x of d.ddd is in [-4, 16), with ".0" when integral;
/// otherwise d[.ddd]e(+|-)XX with at least two exponent digits. NaN and the
/// infinities as json.dumps (allow_nan=True) writes them.
///
/// The digits come from Dragonbox (Debian's libdragonbox-dev, header-only),
/// which gives the same digits as CPython's dtoa mode 0 (shortest, nearest to
/// the exact value, ties to even): tests/floatdiff checks 10^7 doubles against
/// CPython's repr in the main job and 10^5 in the test command. It replaced
/// std::to_chars(scientific) plus a re-layout of its text: GCC 12's to_chars
/// took 48 ns CPU per double of the bench's `numbers` shape, to_decimal 13 ns
/// (/tmp microbenchmark over 2000 uniform(-1e9, 1e9) doubles, -O2), and the
/// `numbers` sender at 64 KiB spent 32% of its time in libstdc++'s to_chars
/// (perf, path/sender/json/PUBLISH/numbers/65536); docs/performance.md has the
/// path ratios before and after.
template <class Buffer>
WAMPBOX_JSON_INLINE void write_double(double d, Sink<Buffer>& out) {
  out.ensure(40);  // "-0.000" + 17 digits, and store_last_digits writes past the end
  char*& o = out.ptr();
  if (!std::isfinite(d)) {
    if (std::isnan(d)) {
      std::memcpy(o, "NaN", 3);
      o += 3;
    } else if (d > 0) {
      std::memcpy(o, "Infinity", 8);
      o += 8;
    } else {
      std::memcpy(o, "-Infinity", 9);
      o += 9;
    }
    return;
  }
  if (std::signbit(d)) *o++ = '-';
  if (d == 0) {
    std::memcpy(o, "0.0", 3);
    o += 3;
    return;
  }
  const auto dec = jkj::dragonbox::to_decimal(d, jkj::dragonbox::policy::sign::ignore);
  const Digits g = make_digits(dec.significand);
  const int n = g.n;
  const int x = n - 1 + dec.exponent;  // d = D.DDD * 10^x
  if (x < -4 || x >= 16) {             // D[.DDD]e(+|-)XX
    store_last_digits(g, n, o + 1);
    o[0] = o[1];
    if (n > 1) {
      o[1] = '.';
      o += n + 1;
    } else {
      o += 1;
    }
    *o++ = 'e';
    *o++ = x < 0 ? '-' : '+';
    const unsigned ax = static_cast<unsigned>(x < 0 ? -x : x);  // 5..324
    if (ax >= 100) *o++ = static_cast<char>('0' + ax / 100);
    std::memcpy(o, kDigitPairs + 2 * (ax % 100), 2);
    o += 2;
  } else if (x < 0) {  // 0.000DDD
    std::memcpy(o, "0.0000", 6);
    o += 1 - x;
    store_last_digits(g, n, o);
    o += n;
  } else if (n <= x + 1) {  // DDD000.0
    store_last_digits(g, n, o);
    o += n;
    std::memset(o, '0', 16);
    o += x + 1 - n;
    std::memcpy(o, ".0", 2);
    o += 2;
  } else {  // DDD.DDD: all digits, then the fraction again one to the right
    const int k = x + 1;
    store_last_digits(g, n, o);
    store_last_digits(g, n - k, o + k + 1);
    o[k] = '.';
    o += n + 1;
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
