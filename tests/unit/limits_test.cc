// DecodeLimits (wampbox/limits.h; issue 11, item 4): every decoder refuses
// input beyond its caps with Error(kLimitExceeded), before spending the
// memory. Memory is measured by replacing the global operator new/delete in
// this binary and recording the peak of live heap bytes during one decode
// (simdjson, msgpack-c's visitor and the Value tree all allocate through
// operator new; libcbor's streaming decoder does not allocate).
#include <gtest/gtest.h>
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "wampbox/cbor.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/limits.h"
#include "wampbox/message.h"
#include "wampbox/msgpack.h"

namespace {
std::atomic<long long> g_live{0};
std::atomic<long long> g_peak{0};

void* counted_alloc(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  const long long now = g_live += static_cast<long long>(malloc_usable_size(p));
  long long peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
  return p;
}
void counted_free(void* p) {
  if (p == nullptr) return;
  g_live -= static_cast<long long>(malloc_usable_size(p));
  std::free(p);
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }

namespace wampbox {
namespace {

constexpr long long kMiB = 1 << 20;

/// Peak live heap bytes above the level at the call, while fn runs.
template <class F>
long long peak_during(F&& fn) {
  const long long base = g_live.load();
  g_peak = base;
  fn();
  return g_peak.load() - base;
}

template <class F>
ErrorCode code_of(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no wampbox::Error thrown";
  return ErrorCode::kInvalidArgument;
}

TEST(Limits, DefaultsAreDocumented) {
  const DecodeLimits d;
  EXPECT_EQ(d.max_frame_bytes, std::size_t{16} << 20);
  EXPECT_EQ(d.max_elements, std::size_t{1} << 20);
  EXPECT_EQ(d.max_depth, 1024u);
  EXPECT_EQ(d.max_string_bytes, std::size_t{16} << 20);
  EXPECT_EQ(d.max_bignum_digits, 4300u);
}

// The review's case: 10 MB of MessagePack zeros cost 353 MB. The array
// header announces 10,000,000 elements: refused before anything is built.
TEST(Limits, TenMegabytesOfMsgpackZeros) {
  const std::size_t n = 10'000'000;
  Bytes frame = {0xdd, static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                 static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  frame.resize(frame.size() + n, 0x00);
  ErrorCode code{};
  const long long peak = peak_during([&] { code = code_of([&] { (void)msgpack_parse(frame); }); });
  EXPECT_EQ(code, ErrorCode::kLimitExceeded);
  EXPECT_LT(peak, 1 * kMiB) << "bytes allocated before refusing";
  // The same through decode_frame (a PUBLISH with those args).
  Bytes pub = {0x95, 0x10, 0x01, 0x80, 0xa1, 't'};
  pub.insert(pub.end(), frame.begin(), frame.end());
  const long long peak2 = peak_during([&] { code = code_of([&] { (void)decode_frame(pub, Serializer::kMsgPack); }); });
  EXPECT_EQ(code, ErrorCode::kLimitExceeded);
  EXPECT_LT(peak2, 1 * kMiB);
}

TEST(Limits, CborIndefiniteZerosStopAtTheElementCap) {
  Bytes frame = {0x9f};  // indefinite array: no count to refuse up front
  frame.resize(1 + 2'000'000, 0x00);
  frame.push_back(0xff);
  ErrorCode code{};
  const long long peak = peak_during([&] { code = code_of([&] { (void)cbor_parse(frame); }); });
  EXPECT_EQ(code, ErrorCode::kLimitExceeded);
  // At most max_elements values of ~40 bytes in a geometrically grown vector.
  EXPECT_LT(peak, 160 * kMiB);
}

// Large JSON arrays of zeros (the review: 100 MB through `wampbox open`
// peaked at 4.6 GB). Above max_frame_bytes: refused before parsing. Below
// it: simdjson's DOM (~15x the input) plus at most max_elements values.
TEST(Limits, LargeJsonArraysOfZeros) {
  std::string big = "[0";
  big.reserve(20'000'002);
  while (big.size() < 20'000'000) big += ",0";
  big += "]";
  ErrorCode code{};
  long long peak = peak_during([&] { code = code_of([&] { (void)json_parse(big); }); });
  EXPECT_EQ(code, ErrorCode::kLimitExceeded);
  EXPECT_LT(peak, 1 * kMiB) << "a frame over max_frame_bytes must be refused before parsing";

  std::string ten(big.begin(), big.begin() + 10'000'000);
  ten.back() = ']';  // "[0,0,...,0]" of 10 MB, 5M elements
  // Documented bound (limits.h): simdjson's DOM, ~15x the input, plus at most
  // max_elements values of <= 64 bytes each.
  const long long bound = 16 * static_cast<long long>(ten.size()) + 64 * kMiB;
  const long long fast = peak_during([&] { code = code_of([&] { (void)json_parse(ten); }); });
  EXPECT_EQ(code, ErrorCode::kLimitExceeded);
  EXPECT_LT(fast, bound);
  // The same with the fallback reader (NaN forces it; the DOM buffers of the
  // failed first pass are still held by then).
  std::string slow = ten;
  slow.replace(1, 1, "NaN");
  const long long fallback = peak_during([&] { code = code_of([&] { (void)json_parse(slow); }); });
  EXPECT_EQ(code, ErrorCode::kLimitExceeded);
  EXPECT_LT(fallback, bound);
  std::printf("json 10 MB of zeros: peak heap %lld MiB (fast path), %lld MiB (fallback), bound %lld MiB\n",
              fast / kMiB, fallback / kMiB, bound / kMiB);
}

// decode_frame's limits overload (what wampbox-router passes its
// --max-message/--max-depth/--max-elements through): each cap applies to the
// frame, in every serializer, and the frame at the cap still decodes.
TEST(Limits, DecodeFrameTakesTheCallersLimits) {
  Message m;
  m.type = MessageType::kPublish;
  m.request = 1;
  m.uri = "com.example.t";
  m.args = Value(Array{Value(1), Value(2), Value(3), Value(Array{Value(Array{Value(4)})})});
  // Values: the frame's list, 16, 1, {}, the URI, args (1), 1, 2, 3, two lists and 4: 12. Depth: 4.
  for (Serializer s : {Serializer::kJson, Serializer::kMsgPack, Serializer::kCbor}) {
    SCOPED_TRACE(std::string(to_string(s)));
    const Bytes frame = encode_frame(m, s);
    DecodeLimits l;
    l.max_elements = 12;
    l.max_depth = 4;
    l.max_frame_bytes = frame.size();
    EXPECT_EQ(decode_frame(frame, s, l), decode_frame(frame, s));
    l.max_elements = 11;
    EXPECT_EQ(code_of([&] { (void)decode_frame(frame, s, l); }), ErrorCode::kLimitExceeded);
    l.max_elements = 12;
    l.max_depth = 3;
    EXPECT_EQ(code_of([&] { (void)decode_frame(frame, s, l); }), ErrorCode::kParseError);
    l.max_depth = 4;
    l.max_frame_bytes = frame.size() - 1;
    EXPECT_EQ(code_of([&] { (void)decode_frame(frame, s, l); }), ErrorCode::kLimitExceeded);
    l.max_frame_bytes = frame.size();
    l.max_string_bytes = m.uri.size() - 1;
    EXPECT_EQ(code_of([&] { (void)decode_frame(frame, s, l); }), ErrorCode::kLimitExceeded);
  }
}

TEST(Limits, EveryCapIsEnforcedByEveryReader) {
  DecodeLimits l;
  l.max_frame_bytes = 8;
  const std::string nine = "[1,2,3,4]";
  EXPECT_EQ(code_of([&] { (void)json_parse(nine, l); }), ErrorCode::kLimitExceeded);
  const Bytes b9(9, 0x00);
  EXPECT_EQ(code_of([&] { (void)msgpack_parse(b9, l); }), ErrorCode::kLimitExceeded);
  EXPECT_EQ(code_of([&] { (void)cbor_parse(b9, l); }), ErrorCode::kLimitExceeded);

  l = DecodeLimits{};
  l.max_elements = 4;  // the array and three numbers
  EXPECT_NO_THROW((void)json_parse("[1,2,3]", l));
  EXPECT_EQ(code_of([&] { (void)json_parse("[1,2,3,4]", l); }), ErrorCode::kLimitExceeded);
  EXPECT_EQ(code_of([&] { (void)json_parse("[1,2,3,NaN]", l); }), ErrorCode::kLimitExceeded);
  EXPECT_NO_THROW((void)msgpack_parse(Bytes{0x93, 1, 2, 3}, l));
  EXPECT_EQ(code_of([&] { (void)msgpack_parse(Bytes{0x94, 1, 2, 3, 4}, l); }), ErrorCode::kLimitExceeded);
  EXPECT_EQ(code_of([&] { (void)cbor_parse(Bytes{0x84, 1, 2, 3, 4}, l); }), ErrorCode::kLimitExceeded);
  EXPECT_EQ(code_of([&] { (void)cbor_parse(Bytes{0x9f, 1, 2, 3, 4, 0xff}, l); }), ErrorCode::kLimitExceeded);

  l = DecodeLimits{};
  l.max_string_bytes = 3;
  EXPECT_NO_THROW((void)json_parse("[\"abc\"]", l));
  EXPECT_EQ(code_of([&] { (void)json_parse("[\"abcd\"]", l); }), ErrorCode::kLimitExceeded);
  EXPECT_EQ(code_of([&] { (void)json_parse("{\"abcd\":1}", l); }), ErrorCode::kLimitExceeded);
  EXPECT_EQ(code_of([&] { (void)msgpack_parse(Bytes{0xa4, 'a', 'b', 'c', 'd'}, l); }), ErrorCode::kLimitExceeded);
  EXPECT_EQ(code_of([&] { (void)msgpack_parse(Bytes{0xc4, 4, 1, 2, 3, 4}, l); }), ErrorCode::kLimitExceeded);
  EXPECT_EQ(code_of([&] { (void)cbor_parse(Bytes{0x64, 'a', 'b', 'c', 'd'}, l); }), ErrorCode::kLimitExceeded);
  EXPECT_EQ(code_of([&] { (void)cbor_parse(Bytes{0x7f, 0x62, 'a', 'b', 0x62, 'c', 'd', 0xff}, l); }),
            ErrorCode::kLimitExceeded);

  l = DecodeLimits{};
  l.max_depth = 2;
  EXPECT_NO_THROW((void)json_parse("[[1]]", l));
  EXPECT_EQ(code_of([&] { (void)json_parse("[[[1]]]", l); }), ErrorCode::kParseError);
  EXPECT_EQ(code_of([&] { (void)msgpack_parse(Bytes{0x91, 0x91, 0x91, 0x01}, l); }), ErrorCode::kParseError);

  l = DecodeLimits{};
  l.max_bignum_digits = 25;
  EXPECT_NO_THROW((void)json_parse(std::string(25, '9'), l));
  EXPECT_EQ(code_of([&] { (void)json_parse(std::string(26, '9'), l); }), ErrorCode::kLimitExceeded);
  EXPECT_EQ(code_of([&] { (void)json_parse("-" + std::string(26, '9'), l); }), ErrorCode::kLimitExceeded);
  Bytes tag2 = {0xc2, 0x4c};  // 12-byte magnitude: 29 digits
  tag2.resize(14, 0xff);
  EXPECT_EQ(code_of([&] { (void)cbor_parse(tag2, l); }), ErrorCode::kLimitExceeded);
  // The default is CPython's limit: 4300 digits pass, 4301 do not.
  EXPECT_NO_THROW((void)json_parse(std::string(4300, '7')));
  EXPECT_EQ(code_of([&] { (void)json_parse(std::string(4301, '7')); }), ErrorCode::kLimitExceeded);
}

}  // namespace
}  // namespace wampbox
