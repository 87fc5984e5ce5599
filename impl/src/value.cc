#include "wampbox/value.h"

#include <cstring>
#include <limits>

#include "wampbox/error.h"

namespace wampbox {

Value::Value(std::uint64_t u) {
  if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    v_ = static_cast<std::int64_t>(u);
  } else {
    v_ = u;
  }
}

namespace {
const char* kind_name(Value::Kind k) {
  static constexpr const char* kNames[] = {"null",  "bool",   "int",    "uint",  "bigint",
                                           "float", "string", "binary", "array", "object"};
  return kNames[static_cast<int>(k)];
}
}  // namespace

void Value::throw_wrong_kind(Kind wanted) const {
  throw Error(ErrorCode::kInvalidArgument,
              std::string("Value: as_") + kind_name(wanted) + "() on a " + kind_name(kind()) + " value");
}

long Value::use_count() const noexcept {
  if (const auto* a = std::get_if<std::shared_ptr<Array>>(&v_)) return a->use_count();
  if (const auto* o = std::get_if<std::shared_ptr<Object>>(&v_)) return o->use_count();
  return 0;
}

Value Value::integer_from_decimal(std::string_view s) {
  std::string_view digits = s;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) throw Error(ErrorCode::kParseError, "empty integer literal");
  for (char c : digits) {
    if (c < '0' || c > '9') throw Error(ErrorCode::kParseError, "invalid integer literal: " + std::string(s));
  }
  while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
  if (digits == "0") return Value(std::int64_t{0});
  // Fits in uint64 magnitude? 20 digits max, compare lexicographically.
  constexpr std::string_view kU64Max = "18446744073709551615";
  constexpr std::string_view kI64MinMag = "9223372036854775808";
  auto le = [](std::string_view a, std::string_view b) {
    return a.size() < b.size() || (a.size() == b.size() && a <= b);
  };
  if (!negative && le(digits, kU64Max)) {
    std::uint64_t u = 0;
    for (char c : digits) u = u * 10 + static_cast<std::uint64_t>(c - '0');
    return Value(u);
  }
  if (negative && le(digits, kI64MinMag)) {
    std::uint64_t u = 0;
    for (char c : digits) u = u * 10 + static_cast<std::uint64_t>(c - '0');
    // -u fits int64; compute without overflow.
    return Value(static_cast<std::int64_t>(0 - u));
  }
  return Value(BigInt{(negative ? "-" : "") + std::string(digits)});
}

const Value* Value::find(std::string_view key) const {
  if (kind() != Kind::kObject) return nullptr;
  for (const auto& [k, v] : as_object()) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNull: return true;
    case Value::Kind::kBool: return a.as_bool() == b.as_bool();
    case Value::Kind::kInt: return a.as_int() == b.as_int();
    case Value::Kind::kUInt: return a.as_uint() == b.as_uint();
    case Value::Kind::kBigInt: return a.as_bigint() == b.as_bigint();
    case Value::Kind::kFloat: {
      double x = a.as_float(), y = b.as_float();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    case Value::Kind::kString: return a.as_string() == b.as_string();
    case Value::Kind::kBinary: return a.as_binary() == b.as_binary();
    case Value::Kind::kArray: return a.as_array() == b.as_array();
    case Value::Kind::kObject: return a.as_object() == b.as_object();
  }
  return false;
}

}  // namespace wampbox
