#include "wampbox/msgpack.h"

#include <cmath>
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
  static const Codec c{"msgpack", 2, [](const Value& v) { return msgpack_write(v); },
                       [](std::span<const std::uint8_t> d) { return msgpack_parse(d); }};
  return c;
}

std::string mp_hex(const Value& v) { return hex(msgpack_write(v), 100000); }
Value parse_hex(std::string_view h) { return msgpack_parse(unhex(h)); }

ErrorCode parse_error_code(const Bytes& b) { return testing_cases::parse_error_code(codec(), b); }

// ---- known answers from msgpack-python (tests/data/msgpack_cbor_cases.txt)

TEST(MsgpackCases, FileIsPresent) {
  ASSERT_NO_THROW(testing_cases::all_cases()) << testing_cases::cases_path();
  EXPECT_GT(testing_cases::all_cases().size(), 1000u);
}

TEST(MsgpackCases, WriteAndParseMatchMsgpackPython) {
  EXPECT_GE(testing_cases::check_value_cases(codec()), 500u);
}

TEST(MsgpackCases, DecodeOnlyInputsMatchMsgpackPython) {
  EXPECT_GE(testing_cases::check_parse_cases(codec()), 450u);
}

TEST(MsgpackCases, RejectedInputs) {
  EXPECT_GE(testing_cases::check_reject_cases(codec()), 1100u);
}

TEST(MsgpackCases, EveryTruncationAndTrailingByteThrows) {
  EXPECT_GT(testing_cases::check_truncations_and_trailing(codec(), 600), 10000u);
}

TEST(MsgpackCases, RandomMutationsParseOrThrowError) {
  EXPECT_GT(testing_cases::check_mutations(codec(), 50000), 1000u);
}

// ---- explicit rules (readable regressions for the table above)

TEST(Msgpack, IntegerHeadsAreSmallest) {
  EXPECT_EQ(mp_hex(Value(0)), "00");
  EXPECT_EQ(mp_hex(Value(127)), "7f");
  EXPECT_EQ(mp_hex(Value(128)), "cc80");
  EXPECT_EQ(mp_hex(Value(256)), "cd0100");
  EXPECT_EQ(mp_hex(Value(std::int64_t{1} << 32)), "cf0000000100000000");
  EXPECT_EQ(mp_hex(Value(std::numeric_limits<std::uint64_t>::max())), "cfffffffffffffffff");
  EXPECT_EQ(mp_hex(Value(-1)), "ff");
  EXPECT_EQ(mp_hex(Value(-32)), "e0");
  EXPECT_EQ(mp_hex(Value(-33)), "d0df");
  EXPECT_EQ(mp_hex(Value(-129)), "d1ff7f");
  EXPECT_EQ(mp_hex(Value(std::numeric_limits<std::int64_t>::min())), "d38000000000000000");
}

TEST(Msgpack, FloatsAreAlwaysFloat64) {
  // msgpack-c's packer::pack_double would write these as integers.
  EXPECT_EQ(mp_hex(Value(1.0)), "cb3ff0000000000000");
  EXPECT_EQ(mp_hex(Value(0.0)), "cb0000000000000000");
  EXPECT_EQ(mp_hex(Value(-0.0)), "cb8000000000000000");
  EXPECT_EQ(mp_hex(Value(std::numeric_limits<double>::quiet_NaN())), "cb7ff8000000000000");
  EXPECT_EQ(parse_hex("ca3fc00000"), Value(1.5));
}

TEST(Msgpack, StrAndBinHeads) {
  EXPECT_EQ(mp_hex(Value(std::string(31, 'a'))).substr(0, 2), "bf");
  EXPECT_EQ(mp_hex(Value(std::string(32, 'a'))).substr(0, 4), "d920");
  EXPECT_EQ(mp_hex(Value(Binary{})), "c400");
  EXPECT_EQ(mp_hex(Value(Binary{Bytes(256)})).substr(0, 6), "c50100");
}

TEST(Msgpack, BigIntIsUnencodable) {
  Bytes out = {1, 2, 3};
  try {
    msgpack_write_append(Value(Array{Value(1), Value(BigInt{"18446744073709551616"})}), out);
    ADD_FAILURE() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnencodable);
  }
  EXPECT_EQ(out, (Bytes{1, 2, 3})) << "output rolled back on error";
}

TEST(Msgpack, WriteAppendKeepsPrefix) {
  Bytes out = {0xaa};
  msgpack_write_append(Value(Array{Value(1), Value("x")}), out);
  EXPECT_EQ(hex(out), "aa9201a178");
}

TEST(Msgpack, InvalidUtf8IsUnencodable) {
  EXPECT_EQ(outcome([] { (void)msgpack_write(Value(std::string("\xff"))); })
                .rfind("code:" + std::to_string(static_cast<int>(ErrorCode::kInvalidUtf8)), 0),
            0u);
  EXPECT_THROW(msgpack_write(Value(Object{{std::string("\xed\xa0\x80"), Value(1)}})), Error);
}

TEST(Msgpack, DuplicateKeysLastValueAtFirstPosition) {
  const Value v = parse_hex("83a16101a16202a16103");  // {"a":1,"b":2,"a":3}
  EXPECT_EQ(v, Value(Object{{"a", Value(3)}, {"b", Value(2)}}));
  // More than 16 members takes the sorting path.
  Bytes b = {0xde, 0x00, 20};
  for (int i = 0; i < 20; ++i) {
    b.push_back(0xa2);
    b.push_back('k');
    b.push_back(static_cast<std::uint8_t>('a' + i % 7));
    b.push_back(static_cast<std::uint8_t>(i));
  }
  const Value m = msgpack_parse(b);
  ASSERT_EQ(m.as_object().size(), 7u);
  for (int j = 0; j < 7; ++j) {
    EXPECT_EQ(m.as_object()[j].first, std::string("k") + static_cast<char>('a' + j));
    EXPECT_EQ(m.as_object()[j].second.as_int(), 14 + j < 20 ? 14 + j : 7 + j);
  }
}

TEST(Msgpack, IntegersNormalise) {
  EXPECT_EQ(parse_hex("cf0000000000000005").kind(), Value::Kind::kInt);
  EXPECT_EQ(parse_hex("cf8000000000000000").kind(), Value::Kind::kUInt);
  EXPECT_EQ(parse_hex("d3ffffffffffffffff"), Value(-1));
  EXPECT_EQ(parse_hex("d07f"), Value(127));
}

TEST(Msgpack, NestingLimit) {
  Bytes ok(1023, 0x91);
  ok.push_back(0x90);
  EXPECT_NO_THROW(msgpack_parse(ok));
  Bytes deep(1024, 0x91);
  deep.push_back(0x90);
  EXPECT_EQ(parse_error_code(deep), ErrorCode::kParseError);
  Bytes very_deep(1000000, 0x91);  // no recursion: must not overflow the stack
  very_deep.push_back(0x90);
  EXPECT_EQ(parse_error_code(very_deep), ErrorCode::kParseError);

  Value v = Value(Array{});
  for (int i = 0; i < 1023; ++i) v = Value(Array{v});
  EXPECT_NO_THROW(msgpack_write(v));
  v = Value(Array{v});
  try {
    (void)msgpack_write(v);
    ADD_FAILURE() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnencodable);
  }
}

TEST(Msgpack, LyingLengthsDoNotAllocate) {
  // Each claims far more than present; must fail fast as truncated input.
  for (const char* h : {"c6ffffffff", "dbffffffff61", "ddffffffff", "dfffffffff", "c9ffffffff01"}) {
    EXPECT_EQ(parse_error_code(unhex(h)), ErrorCode::kParseError) << h;
  }
  Bytes nested;
  for (int i = 0; i < 1024; ++i) {
    for (std::uint8_t x : {0xdd, 0xff, 0xff, 0xff, 0xff}) nested.push_back(x);
  }
  EXPECT_EQ(parse_error_code(nested), ErrorCode::kParseError);
}

TEST(Msgpack, ErrorKinds) {
  EXPECT_EQ(parse_error_code(unhex("")), ErrorCode::kParseError);
  EXPECT_EQ(parse_error_code(unhex("c1")), ErrorCode::kParseError);
  EXPECT_EQ(parse_error_code(unhex("a1ff")), ErrorCode::kInvalidUtf8);
  EXPECT_EQ(parse_error_code(unhex("d40100")), ErrorCode::kParseError);
  EXPECT_EQ(parse_error_code(unhex("810101")), ErrorCode::kParseError);
  EXPECT_EQ(parse_error_code(unhex("c0c0")), ErrorCode::kParseError);
}

}  // namespace
}  // namespace wampbox
