#include "wampbox/cbor.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "msgpack_cbor_cases.h"
#include "wampbox/error.h"

namespace wampbox {
namespace {

using testing_cases::Codec;
using testing_cases::hex;
using testing_cases::outcome;
using testing_cases::unhex;

const Codec& codec() {
  static const Codec c{"cbor", 3, [](const Value& v) { return cbor_write(v); },
                       [](std::span<const std::uint8_t> d) { return cbor_parse(d); }};
  return c;
}

std::string cb_hex(const Value& v) { return hex(cbor_write(v), 100000); }
Value parse_hex(std::string_view h) { return cbor_parse(unhex(h)); }

ErrorCode parse_error_code(const Bytes& b) { return testing_cases::parse_error_code(codec(), b); }

std::uint64_t bits(double d) {
  std::uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

// ---- known answers from cbor2 (tests/data/msgpack_cbor_cases.txt)

TEST(CborCases, FileIsPresent) {
  ASSERT_NO_THROW(testing_cases::all_cases()) << testing_cases::cases_path();
  EXPECT_GT(testing_cases::all_cases().size(), 1000u);
}

TEST(CborCases, WriteAndParseMatchCbor2) { EXPECT_GE(testing_cases::check_value_cases(codec()), 500u); }

TEST(CborCases, DecodeOnlyInputsMatchCbor2) { EXPECT_GE(testing_cases::check_parse_cases(codec()), 450u); }

TEST(CborCases, RejectedInputs) { EXPECT_GE(testing_cases::check_reject_cases(codec()), 1150u); }

TEST(CborCases, EveryTruncationAndTrailingByteThrows) {
  EXPECT_GT(testing_cases::check_truncations_and_trailing(codec(), 600), 10000u);
}

TEST(CborCases, RandomMutationsParseOrThrowError) {
  EXPECT_GT(testing_cases::check_mutations(codec(), 50000), 1000u);
}

// ---- explicit rules (readable regressions for the table above)

TEST(Cbor, IntegerHeadsAreSmallest) {
  EXPECT_EQ(cb_hex(Value(23)), "17");
  EXPECT_EQ(cb_hex(Value(24)), "1818");
  EXPECT_EQ(cb_hex(Value(65536)), "1a00010000");
  EXPECT_EQ(cb_hex(Value(std::numeric_limits<std::uint64_t>::max())), "1bffffffffffffffff");
  EXPECT_EQ(cb_hex(Value(-1)), "20");
  EXPECT_EQ(cb_hex(Value(-25)), "3818");
  EXPECT_EQ(cb_hex(Value(std::numeric_limits<std::int64_t>::min())), "3b7fffffffffffffff");
}

TEST(Cbor, BigIntegers) {
  EXPECT_EQ(cb_hex(Value(BigInt{"18446744073709551616"})), "c249010000000000000000");
  EXPECT_EQ(cb_hex(Value(BigInt{"-18446744073709551616"})), "3bffffffffffffffff");
  EXPECT_EQ(cb_hex(Value(BigInt{"-18446744073709551617"})), "c349010000000000000000");
  EXPECT_EQ(cb_hex(Value(BigInt{"10000000000000000000000000000000000000000"})), "c2511d6329f1c35ca4bfabb9f5610000000000");
  EXPECT_EQ(cb_hex(Value(BigInt{"-10000000000000000000000000000000000000000"})),
            "c3511d6329f1c35ca4bfabb9f560ffffffffff");
  // Round trips and normalisation of bignums that fit 64 bits.
  EXPECT_EQ(parse_hex("c249010000000000000000"), Value(BigInt{"18446744073709551616"}));
  EXPECT_EQ(parse_hex("3bffffffffffffffff"), Value(BigInt{"-18446744073709551616"}));
  EXPECT_EQ(parse_hex("c248ffffffffffffffff"), Value(std::numeric_limits<std::uint64_t>::max()));
  EXPECT_EQ(parse_hex("c3487fffffffffffffff"), Value(std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(parse_hex("c240"), Value(0));
  EXPECT_EQ(parse_hex("c340"), Value(-1));
  // A non-normalised BigInt is still written as cbor2 writes that integer.
  EXPECT_EQ(cb_hex(Value(BigInt{"5"})), "05");
  EXPECT_THROW(cbor_write(Value(BigInt{"12x"})), Error);
}

TEST(Cbor, BignumDigitLimit) {
  // Up to 4300 decimal digits both ways (CPython's int <-> str limit); beyond, refused.
  const std::string nines(4300, '9');
  const Bytes enc = cbor_write(Value(BigInt{nines}));
  EXPECT_EQ(enc.size(), 4u + 1786u);
  EXPECT_EQ(cbor_parse(enc), Value(BigInt{nines}));
  EXPECT_EQ(cbor_parse(cbor_write(Value(BigInt{"-" + nines}))), Value(BigInt{"-" + nines}));
  for (const std::string& big : {"1" + std::string(4300, '0'), "-1" + std::string(4300, '0'), std::string(100000, '7')}) {
    try {
      (void)cbor_write(Value(BigInt{big}));
      ADD_FAILURE() << "no throw for " << big.size() << " digits";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kUnencodable);
    }
  }
  Bytes in = {0xc2, 0x5a, 0x00, 0x10, 0x00, 0x00};  // 1 MiB magnitude: refused before any conversion
  in.resize(in.size() + (1u << 20), 0xff);
  EXPECT_EQ(parse_error_code(in), ErrorCode::kParseError);
}

TEST(Cbor, Floats) {
  EXPECT_EQ(cb_hex(Value(std::numeric_limits<double>::quiet_NaN())), "f97e00");
  EXPECT_EQ(cb_hex(Value(-std::numeric_limits<double>::quiet_NaN())), "f97e00");
  EXPECT_EQ(cb_hex(Value(std::numeric_limits<double>::infinity())), "f97c00");
  EXPECT_EQ(cb_hex(Value(-std::numeric_limits<double>::infinity())), "f9fc00");
  EXPECT_EQ(cb_hex(Value(1.0)), "fb3ff0000000000000");
  EXPECT_EQ(cb_hex(Value(-0.0)), "fb8000000000000000");
  EXPECT_EQ(parse_hex("f93c00"), Value(1.0));
  EXPECT_EQ(parse_hex("f90001"), Value(std::ldexp(1.0, -24)));
  EXPECT_EQ(parse_hex("fa3fc00000"), Value(1.5));
  // NaN sign and payload survive half-float decoding, as in cbor2.
  EXPECT_EQ(bits(parse_hex("f97e01").as_float()), 0x7ff8040000000000u);
  EXPECT_EQ(bits(parse_hex("f9fe00").as_float()), 0xfff8000000000000u);
}

TEST(Cbor, IndefiniteLengths) {
  EXPECT_EQ(parse_hex("5f4101420203ff"), Value(Binary{{1, 2, 3}}));
  EXPECT_EQ(parse_hex("7f6161626263ff"), Value("abc"));
  EXPECT_EQ(parse_hex("9f019f02ffff"), Value(Array{Value(1), Value(Array{Value(2)})}));
  EXPECT_EQ(parse_hex("bf7f6161ff01ff"), Value(Object{{"a", Value(1)}}));
  EXPECT_EQ(parse_hex("c25f4101ff"), Value(1));
  EXPECT_EQ(parse_error_code(unhex("7f61c361a9ff")), ErrorCode::kInvalidUtf8);
  EXPECT_EQ(parse_error_code(unhex("9f01")), ErrorCode::kParseError);
}

TEST(Cbor, WriteAppendKeepsPrefixAndRollsBack) {
  Bytes out = {0xaa};
  cbor_write_append(Value(Object{{"a", Value(nullptr)}}), out);
  EXPECT_EQ(hex(out), "aaa16161f6");
  EXPECT_THROW(cbor_write_append(Value(Array{Value(1), Value(std::string("\xc0\xaf"))}), out), Error);
  EXPECT_EQ(hex(out), "aaa16161f6");
}

TEST(Cbor, DuplicateKeysLastValueAtFirstPosition) {
  EXPECT_EQ(parse_hex("a3616101616202616103"), Value(Object{{"a", Value(3)}, {"b", Value(2)}}));
  EXPECT_EQ(parse_hex("bf616101616202616103ff"), Value(Object{{"a", Value(3)}, {"b", Value(2)}}));
}

TEST(Cbor, NestingLimit) {
  Bytes ok(1023, 0x81);
  ok.push_back(0x80);
  EXPECT_NO_THROW(cbor_parse(ok));
  Bytes deep(1024, 0x81);
  deep.push_back(0x80);
  EXPECT_EQ(parse_error_code(deep), ErrorCode::kParseError);
  Bytes very_deep(1000000, 0x9f);  // no recursion: must not overflow the stack
  EXPECT_EQ(parse_error_code(very_deep), ErrorCode::kParseError);

  Value v = Value(Object{});
  for (int i = 0; i < 1023; ++i) v = Value(Object{{"k", v}});
  EXPECT_NO_THROW(cbor_write(v));
  v = Value(Array{v});
  try {
    (void)cbor_write(v);
    ADD_FAILURE() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnencodable);
  }
}

TEST(Cbor, LyingLengthsDoNotAllocate) {
  for (const char* h : {"5bffffffffffffffff00", "7affffffff61", "9bffffffffffffffff00", "bbffffffffffffffff6161"}) {
    EXPECT_EQ(parse_error_code(unhex(h)), ErrorCode::kParseError) << h;
  }
  Bytes nested;
  for (int i = 0; i < 1024; ++i) {
    nested.push_back(0x9b);
    nested.insert(nested.end(), 8, 0xff);
  }
  EXPECT_EQ(parse_error_code(nested), ErrorCode::kParseError);
}

TEST(Cbor, ErrorKinds) {
  EXPECT_EQ(parse_error_code(unhex("")), ErrorCode::kParseError);
  EXPECT_EQ(parse_error_code(unhex("f7")), ErrorCode::kParseError);        // undefined
  EXPECT_EQ(parse_error_code(unhex("f0")), ErrorCode::kParseError);        // simple value
  EXPECT_EQ(parse_error_code(unhex("c11a00000000")), ErrorCode::kParseError);  // epoch tag
  EXPECT_EQ(parse_error_code(unhex("d9d9f780")), ErrorCode::kParseError);  // self-describe tag
  EXPECT_EQ(parse_error_code(unhex("a10101")), ErrorCode::kParseError);    // int key
  EXPECT_EQ(parse_error_code(unhex("61ff")), ErrorCode::kInvalidUtf8);
  EXPECT_EQ(parse_error_code(unhex("0000")), ErrorCode::kParseError);      // trailing
  EXPECT_EQ(parse_error_code(unhex("ff")), ErrorCode::kParseError);
}

}  // namespace
}  // namespace wampbox
