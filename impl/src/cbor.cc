// CBOR codec on libcbor 0.8 (Debian libcbor-dev), byte-compatible with cbor2.
//
// What libcbor does here, and the few parts written by hand, with the reason:
//
// - Writing: every head (integers, string/bytes/array/map lengths, tags,
//   true/false/null, half and double floats) comes from libcbor's
//   cbor_encode_* functions, writing straight into the output buffer.
//   libcbor picks the shortest integer head, as cbor2 does. By hand: the
//   float policy (cbor2 writes NaN/+Inf/-Inf as half f97e00/f97c00/f9fc00 and
//   every other float as float64) and the bignum magnitude (libcbor has no
//   arbitrary-precision integers; our BigInt is decimal text, so the decimal
//   <-> big-endian bytes conversion is written here).
//
// - Reading: libcbor's streaming decoder cbor_stream_decode(), one head per
//   call with callbacks and no allocated item tree. It checks that a string's
//   bytes are present before calling back (a lying length gives NEDATA, never
//   a read past the end) and rejects reserved additional-information values,
//   simple values other than false/true/null/undefined, and tags 6..20.
//   By hand, on top of the events: the item structure (definite counts,
//   indefinite-length containers and break, chunked strings whose chunks must
//   be definite strings of the same major type, tags 2/3 that must enclose a
//   byte string), the nesting limit, text-only map keys and Python dict
//   semantics (ValueBuilder in msgpack_cbor_common.cc), UTF-8 validation, and
//   float widening. Floats are decoded from the raw bytes rather than from
//   the value libcbor passes because libcbor 0.8's half-float decoder drops
//   the NaN payload (f97e01 -> 0x7ff8000000000000), while cbor2 keeps it
//   (f97e01 -> 0x7ff8040000000000).
//   libcbor's callbacks are C and cannot return an error, so they record the
//   first exception and the loop rethrows it after cbor_stream_decode returns
//   (nothing is thrown through C frames).
#include "wampbox/cbor.h"

#include <cbor.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "msgpack_cbor_common.h"
#include "wampbox/error.h"

namespace wampbox {
namespace {

using binary_detail::kMaxNesting;

// Integers beyond 64 bits are limited to 4300 decimal digits in both
// directions, the limit CPython applies to int <-> str conversion
// (sys.get_int_max_str_digits()) for the same reason: BigInt is decimal text
// and the decimal <-> binary conversion is quadratic (about 1 ms at the
// limit), so an unbounded tag-2 byte string from the wire could take seconds
// to convert. Autobahn cannot put a longer integer into a JSON (cryptobox)
// payload either: json.dumps raises ValueError for it.
constexpr std::size_t kMaxBignumDigits = 4300;
constexpr std::size_t kMaxBignumBytes = 1786;  // 256^1786 > 10^4301: longer magnitudes exceed the digit limit

// ---------------------------------------------------------------- bignums

using Limbs = std::vector<std::uint32_t>;  // little-endian base 2^32

void trim(Limbs& l) {
  while (!l.empty() && l.back() == 0) l.pop_back();
}

// Magnitude from canonical decimal digits; false if a character is not a digit.
bool limbs_from_decimal(std::string_view digits, Limbs& out) {
  static constexpr std::uint32_t kPow10[10] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
                                               1000000000};
  out.clear();
  out.reserve(digits.size() / 9 + 1);
  std::size_t i = 0;
  std::size_t chunk = digits.size() % 9 == 0 ? 9 : digits.size() % 9;
  while (i < digits.size()) {
    std::uint32_t c = 0;
    for (std::size_t k = 0; k < chunk; ++k) {
      const char ch = digits[i + k];
      if (ch < '0' || ch > '9') return false;
      c = c * 10 + static_cast<std::uint32_t>(ch - '0');
    }
    std::uint64_t carry = c;
    for (std::uint32_t& limb : out) {
      const std::uint64_t t = static_cast<std::uint64_t>(limb) * kPow10[chunk] + carry;
      limb = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
    if (carry != 0) out.push_back(static_cast<std::uint32_t>(carry));
    i += chunk;
    chunk = 9;
  }
  trim(out);
  return true;
}

std::string decimal_from_limbs(Limbs l) {
  trim(l);
  if (l.empty()) return "0";
  std::vector<std::uint32_t> chunks;  // base 10^9, least significant first
  while (!l.empty()) {
    std::uint64_t rem = 0;
    for (std::size_t i = l.size(); i-- > 0;) {
      const std::uint64_t cur = (rem << 32) | l[i];
      l[i] = static_cast<std::uint32_t>(cur / 1000000000u);
      rem = cur % 1000000000u;
    }
    chunks.push_back(static_cast<std::uint32_t>(rem));
    trim(l);
  }
  std::string s = std::to_string(chunks.back());
  for (std::size_t i = chunks.size() - 1; i-- > 0;) {
    char buf[10];
    std::uint32_t c = chunks[i];
    for (int k = 8; k >= 0; --k) {
      buf[k] = static_cast<char>('0' + c % 10);
      c /= 10;
    }
    s.append(buf, 9);
  }
  return s;
}

void add_one(Limbs& l) {
  for (std::uint32_t& limb : l) {
    if (++limb != 0) return;
  }
  l.push_back(1);
}

void subtract_one(Limbs& l) {  // l > 0
  for (std::uint32_t& limb : l) {
    if (limb-- != 0) break;
  }
  trim(l);
}

std::size_t byte_length(const Limbs& l) {
  if (l.empty()) return 0;
  std::size_t n = (l.size() - 1) * 4;
  for (std::uint32_t top = l.back(); top != 0; top >>= 8) ++n;
  return n;
}

// --------------------------------------------------------------- writing

using binary_detail::Sink;

// Runs a libcbor encoder straight into the output (a head is at most 9 bytes).
template <class Encode>
void put(Sink& out, Encode&& encode) {
  out.commit(encode(out.reserve(9), 9));
}

void write_uint(std::uint64_t u, Sink& out) {
  put(out, [u](unsigned char* b, std::size_t s) { return cbor_encode_uint(u, b, s); });
}

// Major type 1 with argument n, i.e. the integer -1 - n.
void write_negint(std::uint64_t n, Sink& out) {
  put(out, [n](unsigned char* b, std::size_t s) { return cbor_encode_negint(n, b, s); });
}

void write_bigint(const BigInt& big, Sink& out) {
  std::string_view digits = big.decimal;
  const bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.remove_prefix(1);
  if (digits.size() > kMaxBignumDigits) {
    throw Error(ErrorCode::kUnencodable, "integer of more than 4300 decimal digits (CPython's int/str limit)");
  }
  Limbs mag;
  if (digits.empty() || !limbs_from_decimal(digits, mag)) {
    throw Error(ErrorCode::kUnencodable, "malformed BigInt decimal: " + big.decimal);
  }
  if (negative && !mag.empty()) subtract_one(mag);  // CBOR stores -1 - n
  if (mag.size() <= 2) {
    // Fits a 64-bit head (e.g. -2^64 is 3bffffffffffffffff in cbor2).
    std::uint64_t u = 0;
    for (std::size_t i = mag.size(); i-- > 0;) u = u << 32 | mag[i];
    if (negative) {
      write_negint(u, out);
    } else {
      write_uint(u, out);
    }
    return;
  }
  const std::size_t n = byte_length(mag);
  put(out, [negative](unsigned char* b, std::size_t s) { return cbor_encode_tag(negative ? 3 : 2, b, s); });
  put(out, [n](unsigned char* b, std::size_t s) { return cbor_encode_bytestring_start(n, b, s); });
  std::uint8_t* p = out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {  // i-th least significant byte
    p[n - 1 - i] = static_cast<std::uint8_t>(mag[i / 4] >> (8 * (i % 4)));
  }
  out.commit(n);
}

void write_float(double d, Sink& out) {
  if (d != d || d == std::numeric_limits<double>::infinity() || d == -std::numeric_limits<double>::infinity()) {
    // cbor2 writes NaN (any sign/payload) as f97e00, infinities as f97c00/f9fc00;
    // cbor_encode_half produces exactly these for NaN and +-Inf.
    const float f = static_cast<float>(d);
    put(out, [f](unsigned char* b, std::size_t s) { return cbor_encode_half(f, b, s); });
    return;
  }
  put(out, [d](unsigned char* b, std::size_t s) { return cbor_encode_double(d, b, s); });
}

[[gnu::noinline]] void write_text(const std::string& s, Sink& out) {
  binary_detail::require_utf8(s.data(), s.size(), "string");
  put(out, [&s](unsigned char* b, std::size_t n) { return cbor_encode_string_start(s.size(), b, n); });
  out.put(s.data(), s.size());
}

// Everything but containers; kept out of the recursive function so that its
// stack frame stays small (1024 levels must fit comfortably, also under ASan).
[[gnu::noinline]] void write_scalar(const Value& v, Sink& out) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      put(out, [](unsigned char* b, std::size_t s) { return cbor_encode_null(b, s); });
      return;
    case Value::Kind::kBool: {
      const bool x = v.as_bool();
      put(out, [x](unsigned char* b, std::size_t s) { return cbor_encode_bool(x, b, s); });
      return;
    }
    case Value::Kind::kInt: {
      const std::int64_t i = v.as_int();
      if (i >= 0) {
        write_uint(static_cast<std::uint64_t>(i), out);
      } else {
        write_negint(~static_cast<std::uint64_t>(i), out);  // -1 - i
      }
      return;
    }
    case Value::Kind::kUInt:
      write_uint(v.as_uint(), out);
      return;
    case Value::Kind::kBigInt:
      write_bigint(v.as_bigint(), out);
      return;
    case Value::Kind::kFloat:
      write_float(v.as_float(), out);
      return;
    case Value::Kind::kString:
      write_text(v.as_string(), out);
      return;
    case Value::Kind::kBinary: {
      const Bytes& d = v.as_binary().data;
      put(out, [&d](unsigned char* b, std::size_t s) { return cbor_encode_bytestring_start(d.size(), b, s); });
      out.put(d.data(), d.size());
      return;
    }
    case Value::Kind::kArray:
    case Value::Kind::kObject:
      break;
  }
}

[[gnu::noinline]] void write_container_head(bool map, std::size_t n, Sink& out) {
  if (map) {
    put(out, [n](unsigned char* b, std::size_t s) { return cbor_encode_map_start(n, b, s); });
  } else {
    put(out, [n](unsigned char* b, std::size_t s) { return cbor_encode_array_start(n, b, s); });
  }
}

[[noreturn, gnu::noinline]] void too_deep() {
  throw Error(ErrorCode::kUnencodable, "nesting deeper than " + std::to_string(kMaxNesting));
}

void write_value(const Value& v, Sink& out, std::size_t depth) {
  const Value::Kind kind = v.kind();
  if (kind == Value::Kind::kArray) {
    if (depth >= kMaxNesting) too_deep();
    const Array& a = v.as_array();
    write_container_head(false, a.size(), out);
    for (const Value& e : a) write_value(e, out, depth + 1);
  } else if (kind == Value::Kind::kObject) {
    if (depth >= kMaxNesting) too_deep();
    const Object& o = v.as_object();
    write_container_head(true, o.size(), out);
    for (const auto& [k, e] : o) {
      write_text(k, out);
      write_value(e, out, depth + 1);
    }
  } else {
    write_scalar(v, out);
  }
}

// --------------------------------------------------------------- reading

struct Decoder {
  Decoder(std::span<const std::uint8_t> d, const DecodeLimits& limits, binary_detail::ValuePool* pool)
      : data(d), builder(d.size(), limits, pool), max_bignum_digits(std::min(limits.max_bignum_digits, kMaxBignumDigits)) {}

  enum class Chunked { kNone, kBytes, kText };

  std::span<const std::uint8_t> data;
  std::size_t pos = 0;  // offset of the head being decoded
  binary_detail::ValueBuilder builder;
  Chunked chunked = Chunked::kNone;
  Bytes chunk_bytes;
  std::string chunk_text;
  std::uint64_t pending_tag = 0;  // 2 or 3 while a bignum tag waits for its byte string
  std::size_t max_bignum_digits;
  std::exception_ptr error;

  [[noreturn]] static void fail(const std::string& what) { throw Error(ErrorCode::kParseError, what); }
  [[noreturn]] static void too_many_digits(std::size_t max_digits) {
    throw Error(ErrorCode::kLimitExceeded,
                "CBOR bignum exceeds DecodeLimits::max_bignum_digits (" + std::to_string(max_digits) + ")");
  }

  // Any head other than a chunk or break is illegal inside a chunked string.
  void not_in_chunked() const {
    if (chunked != Chunked::kNone) {
      fail("indefinite-length string chunk is not a definite-length string of the same type");
    }
  }
  void no_pending_tag() const {
    if (pending_tag != 0) fail("bignum tag " + std::to_string(pending_tag) + " does not enclose a byte string");
  }
  void scalar(Value v) {
    not_in_chunked();
    no_pending_tag();
    builder.scalar(std::move(v));
  }
  void complete_text(std::string s) {
    no_pending_tag();
    builder.text(std::move(s));
  }
  void complete_bytes(const std::uint8_t* p, std::size_t n) {
    if (pending_tag != 0) {
      const bool negative = pending_tag == 3;
      pending_tag = 0;
      builder.scalar(bignum(p, n, negative, max_bignum_digits));
      return;
    }
    builder.binary(std::span<const std::uint8_t>(p, n));
  }

  static Value bignum(const std::uint8_t* p, std::size_t n, bool negative, std::size_t max_digits) {
    while (n > 0 && *p == 0) {
      ++p;
      --n;
    }
    if (n > kMaxBignumBytes) fail("CBOR bignum of more than 4300 decimal digits (CPython's int/str limit)");
    // n bytes have at least floor((n - 1) * 2.408) + 1 digits: refuse before the quadratic conversion.
    if (n > 1 && (n - 1) * 2408 / 1000 + 1 > max_digits) too_many_digits(max_digits);
    if (n <= 8) {
      std::uint64_t u = 0;
      for (std::size_t i = 0; i < n; ++i) u = u << 8 | p[i];
      if (!negative) return Value(u);
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return Value(-1 - static_cast<std::int64_t>(u));
      }
      return negint_big(u);
    }
    Limbs l((n + 3) / 4, 0);
    for (std::size_t i = 0; i < n; ++i) {  // i-th least significant byte
      l[i / 4] |= static_cast<std::uint32_t>(p[n - 1 - i]) << (8 * (i % 4));
    }
    if (negative) add_one(l);
    std::string decimal = decimal_from_limbs(std::move(l));
    if (decimal.size() > kMaxBignumDigits) fail("CBOR bignum of more than 4300 decimal digits (CPython's int/str limit)");
    if (decimal.size() - (decimal[0] == '-' ? 1 : 0) > max_digits) too_many_digits(max_digits);
    return Value(BigInt{(negative ? "-" : "") + decimal});
  }

  // -1 - n for n > INT64_MAX: always below INT64_MIN.
  static Value negint_big(std::uint64_t n) {
    Limbs l{static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(n >> 32)};
    add_one(l);
    return Value(BigInt{"-" + decimal_from_limbs(std::move(l))});
  }

  double raw_float(std::size_t width) const {
    const std::uint8_t* p = data.data() + pos + 1;  // libcbor checked that these bytes exist
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < width; ++i) bits = bits << 8 | p[i];
    if (width == 2) return binary_detail::half_bits_to_double(static_cast<std::uint16_t>(bits));
    if (width == 4) return binary_detail::single_bits_to_double(static_cast<std::uint32_t>(bits));
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }

  // ---- event handlers (called through the C callbacks below)
  void on_uint(std::uint64_t u) { scalar(Value(u)); }
  void on_negint(std::uint64_t n) {
    if (n <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      scalar(Value(-1 - static_cast<std::int64_t>(n)));
    } else {
      scalar(negint_big(n));
    }
  }
  void on_bytes(const std::uint8_t* p, std::size_t n) {
    builder.check_string_size(chunked == Chunked::kBytes ? chunk_bytes.size() + n : n);
    if (chunked == Chunked::kBytes) {
      chunk_bytes.insert(chunk_bytes.end(), p, p + n);
      return;
    }
    not_in_chunked();
    complete_bytes(p, n);
  }
  void on_bytes_start() {
    not_in_chunked();
    if (pending_tag == 0 && builder.expecting_key()) fail("map key is not a text string");
    chunked = Chunked::kBytes;
    chunk_bytes.clear();
  }
  void on_text(const std::uint8_t* p, std::size_t n) {
    const char* s = reinterpret_cast<const char*>(p);
    builder.check_string_size(chunked == Chunked::kText ? chunk_text.size() + n : n);
    if (chunked == Chunked::kText) {
      // Each chunk must be valid UTF-8 on its own (RFC 8949 3.2.3; cbor2 decodes chunk by chunk).
      binary_detail::require_utf8(s, n, "CBOR text string chunk");
      chunk_text.append(s, n);
      return;
    }
    not_in_chunked();
    binary_detail::require_utf8(s, n, "CBOR text string");
    no_pending_tag();
    builder.text_view(std::string_view(n == 0 ? "" : s, n));
  }
  void on_text_start() {
    not_in_chunked();
    no_pending_tag();
    chunked = Chunked::kText;
    chunk_text.clear();
  }
  void on_array(std::uint64_t n, bool indefinite) {
    not_in_chunked();
    no_pending_tag();
    builder.begin_array(n, indefinite);
  }
  void on_map(std::uint64_t n, bool indefinite) {
    not_in_chunked();
    no_pending_tag();
    builder.begin_map(n, indefinite);
  }
  void on_tag(std::uint64_t tag) {
    not_in_chunked();
    no_pending_tag();
    if (tag != 2 && tag != 3) fail("unsupported CBOR tag " + std::to_string(tag));
    if (builder.expecting_key()) fail("map key is not a text string");
    pending_tag = tag;
  }
  void on_float(std::size_t width) { scalar(Value(raw_float(width))); }
  void on_undefined() {
    not_in_chunked();
    fail("CBOR undefined is not supported");
  }
  void on_break() {
    if (chunked == Chunked::kBytes) {
      chunked = Chunked::kNone;
      complete_bytes(chunk_bytes.data(), chunk_bytes.size());
      return;
    }
    if (chunked == Chunked::kText) {
      chunked = Chunked::kNone;
      complete_text(std::move(chunk_text));
      chunk_text.clear();
      return;
    }
    no_pending_tag();
    builder.end_indefinite();
  }
};

template <auto Handler, class... Args>
void call(void* ctx, Args... args) {
  auto* d = static_cast<Decoder*>(ctx);
  if (d->error) return;
  try {
    (d->*Handler)(args...);
  } catch (...) {
    d->error = std::current_exception();
  }
}

void cb_uint8(void* c, std::uint8_t v) { call<&Decoder::on_uint>(c, std::uint64_t{v}); }
void cb_uint16(void* c, std::uint16_t v) { call<&Decoder::on_uint>(c, std::uint64_t{v}); }
void cb_uint32(void* c, std::uint32_t v) { call<&Decoder::on_uint>(c, std::uint64_t{v}); }
void cb_uint64(void* c, std::uint64_t v) { call<&Decoder::on_uint>(c, v); }
void cb_negint8(void* c, std::uint8_t v) { call<&Decoder::on_negint>(c, std::uint64_t{v}); }
void cb_negint16(void* c, std::uint16_t v) { call<&Decoder::on_negint>(c, std::uint64_t{v}); }
void cb_negint32(void* c, std::uint32_t v) { call<&Decoder::on_negint>(c, std::uint64_t{v}); }
void cb_negint64(void* c, std::uint64_t v) { call<&Decoder::on_negint>(c, v); }
void cb_bytes(void* c, cbor_data p, std::size_t n) { call<&Decoder::on_bytes>(c, p, n); }
void cb_bytes_start(void* c) { call<&Decoder::on_bytes_start>(c); }
void cb_text(void* c, cbor_data p, std::size_t n) { call<&Decoder::on_text>(c, p, n); }
void cb_text_start(void* c) { call<&Decoder::on_text_start>(c); }
void cb_array(void* c, std::size_t n) { call<&Decoder::on_array>(c, std::uint64_t{n}, false); }
void cb_indef_array(void* c) { call<&Decoder::on_array>(c, std::uint64_t{0}, true); }
void cb_map(void* c, std::size_t n) { call<&Decoder::on_map>(c, std::uint64_t{n}, false); }
void cb_indef_map(void* c) { call<&Decoder::on_map>(c, std::uint64_t{0}, true); }
void cb_tag(void* c, std::uint64_t t) { call<&Decoder::on_tag>(c, t); }
void cb_float2(void* c, float) { call<&Decoder::on_float>(c, std::size_t{2}); }
void cb_float4(void* c, float) { call<&Decoder::on_float>(c, std::size_t{4}); }
void cb_float8(void* c, double) { call<&Decoder::on_float>(c, std::size_t{8}); }
void cb_undefined(void* c) { call<&Decoder::on_undefined>(c); }
void cb_null(void* c) { call<&Decoder::scalar>(c, Value()); }
void cb_bool(void* c, bool b) { call<&Decoder::scalar>(c, Value(b)); }
void cb_break(void* c) { call<&Decoder::on_break>(c); }

const cbor_callbacks kCallbacks = [] {
  cbor_callbacks cb = cbor_empty_callbacks;
  cb.uint8 = cb_uint8;
  cb.uint16 = cb_uint16;
  cb.uint32 = cb_uint32;
  cb.uint64 = cb_uint64;
  cb.negint8 = cb_negint8;
  cb.negint16 = cb_negint16;
  cb.negint32 = cb_negint32;
  cb.negint64 = cb_negint64;
  cb.byte_string = cb_bytes;
  cb.byte_string_start = cb_bytes_start;
  cb.string = cb_text;
  cb.string_start = cb_text_start;
  cb.array_start = cb_array;
  cb.indef_array_start = cb_indef_array;
  cb.map_start = cb_map;
  cb.indef_map_start = cb_indef_map;
  cb.tag = cb_tag;
  cb.float2 = cb_float2;
  cb.float4 = cb_float4;
  cb.float8 = cb_float8;
  cb.undefined = cb_undefined;
  cb.null = cb_null;
  cb.boolean = cb_bool;
  cb.indef_break = cb_break;
  return cb;
}();

// libcbor reports malformed heads as one status; say which rule was broken.
std::string describe_bad_head(std::uint8_t b, std::size_t pos) {
  const std::string at = " at offset " + std::to_string(pos);
  const unsigned major = b >> 5, info = b & 0x1f;
  if (info >= 28) return "reserved or invalid CBOR additional information " + std::to_string(info) + at;
  if (major == 7) return "CBOR simple values are not supported" + at;
  if (major == 6) return "unsupported CBOR tag" + at;
  return "invalid CBOR head" + at;
}

}  // namespace

void cbor_write_append(const Value& v, Bytes& out) {
  const std::size_t original = out.size();
  try {
    Sink sink(out);
    write_value(v, sink, 0);
    sink.finish();
  } catch (...) {
    out.resize(original);
    throw;
  }
}

Bytes cbor_write(const Value& v) {
  Bytes out;
  cbor_write_append(v, out);
  return out;
}

Value cbor_parse(std::span<const std::uint8_t> data) { return cbor_parse(data, DecodeLimits{}); }

Value cbor_parse(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  return binary_detail::cbor_parse_pooled(data, limits, nullptr);
}

Value binary_detail::cbor_parse_pooled(std::span<const std::uint8_t> data, const DecodeLimits& limits,
                                       ValuePool* pool) {
  binary_detail::check_input_size(data.size(), limits, "CBOR");
  Decoder d(data, limits, pool);
  while (!d.builder.done()) {
    if (d.pos >= data.size()) throw Error(ErrorCode::kParseError, "truncated CBOR");
    const cbor_decoder_result r = cbor_stream_decode(data.data() + d.pos, data.size() - d.pos, &kCallbacks, &d);
    if (d.error) std::rethrow_exception(d.error);
    if (r.status == CBOR_DECODER_NEDATA) throw Error(ErrorCode::kParseError, "truncated CBOR");
    if (r.status != CBOR_DECODER_FINISHED) throw Error(ErrorCode::kParseError, describe_bad_head(data[d.pos], d.pos));
    d.pos += r.read;
  }
  if (d.pos != data.size()) {
    throw Error(ErrorCode::kParseError, "trailing bytes after CBOR item at offset " + std::to_string(d.pos));
  }
  return d.builder.take();
}

}  // namespace wampbox
