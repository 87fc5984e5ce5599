#include "wampbox/value.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "wampbox/error.h"

namespace wampbox {
namespace {

TEST(Value, IntegerNormalisation) {
  EXPECT_EQ(Value(std::uint64_t{5}).kind(), Value::Kind::kInt);
  EXPECT_EQ(Value(std::numeric_limits<std::uint64_t>::max()).kind(), Value::Kind::kUInt);
  EXPECT_EQ(Value::integer_from_decimal("9223372036854775807").kind(), Value::Kind::kInt);
  EXPECT_EQ(Value::integer_from_decimal("9223372036854775808").kind(), Value::Kind::kUInt);
  EXPECT_EQ(Value::integer_from_decimal("-9223372036854775808").as_int(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(Value::integer_from_decimal("-9223372036854775809").kind(), Value::Kind::kBigInt);
  EXPECT_EQ(Value::integer_from_decimal("18446744073709551616").as_bigint().decimal, "18446744073709551616");
  EXPECT_EQ(Value::integer_from_decimal("-000").as_int(), 0);
  EXPECT_THROW(Value::integer_from_decimal("1.5"), Error);
  EXPECT_THROW(Value::integer_from_decimal("-"), Error);
}

TEST(Value, FloatEqualityIsBitwise) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Value(nan), Value(nan));
  EXPECT_NE(Value(0.0), Value(-0.0));
  EXPECT_NE(Value(1.0), Value(1));
}

TEST(Value, ContainersCopyOnWrite) {
  Value a(Array{Value(1), Value("x")});
  Value b = a;
  b.as_array().push_back(Value(nullptr));
  EXPECT_EQ(a.as_array().size(), 2u);
  EXPECT_EQ(b.as_array().size(), 3u);
  Value o(Object{{"k", Value(true)}});
  ASSERT_NE(o.find("k"), nullptr);
  EXPECT_TRUE(o.find("k")->as_bool());
  EXPECT_EQ(o.find("missing"), nullptr);
}

}  // namespace
}  // namespace wampbox
