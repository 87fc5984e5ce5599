// The value model for WAMP args/kwargs: everything Autobahn|Python can send.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace wampbox {

using Bytes = std::vector<std::uint8_t>;

namespace internal {
struct ValueAccess;  // the readers' storage reuse (impl/src/msgpack_cbor_common.h)
}  // namespace internal

class Value;
using Array = std::vector<Value>;
/// A dict in insertion order (Python dict semantics: keys are unique; the
/// parsers keep the *last* value of a duplicated key at the *first* key's
/// position, as Python's json/msgpack/cbor2 do).
using Object = std::vector<std::pair<std::string, Value>>;

/// An integer outside [INT64_MIN, UINT64_MAX]. `decimal` is canonical: an
/// optional '-' then digits without leading zeros.
struct BigInt {
  std::string decimal;
  bool operator==(const BigInt&) const = default;
};

/// Raw bytes (Python `bytes`), distinct from text.
struct Binary {
  Bytes data;
  bool operator==(const Binary&) const = default;
};

struct Null {
  bool operator==(const Null&) const = default;
};

/// A JSON/MessagePack/CBOR value. Integers are normalised: a value that fits
/// int64 is always kInt, one in (INT64_MAX, UINT64_MAX] is kUInt, anything
/// larger in magnitude is kBigInt. Equality is structural, except that floats
/// compare by bit pattern (so NaN == NaN and 0.0 != -0.0).
///
/// The as_*() accessors throw Error(ErrorCode::kInvalidArgument) when the
/// Value holds another kind (never std::bad_variant_access).
///
/// Thread safety: arrays and objects are shared between copies and copied on
/// the first non-const access (copy-on-write; the share count is atomic, as
/// std::shared_ptr's). So, as for std::string: const access to one Value, or
/// to different Values, from several threads at once is safe, including
/// Values that are copies of each other (they share a container until one is
/// mutated: the non-const as_array()/as_object() of a shared container copies
/// it, and never writes to the shared one). Concurrent access to the *same*
/// Value object where one thread uses a non-const member needs the caller's
/// synchronisation. A Value's destructor does not wipe its contents (see
/// cryptobox.h for what decrypting wipes).
class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kUInt, kBigInt, kFloat, kString, kBinary, kArray, kObject };

  Value() : v_(Null{}) {}
  Value(std::nullptr_t) : v_(Null{}) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(static_cast<std::int64_t>(i)) {}
  Value(std::int64_t i) : v_(i) {}
  Value(std::uint64_t u);  // normalised to kInt when it fits
  Value(double d) : v_(d) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(Binary b) : v_(std::move(b)) {}
  Value(BigInt b) : v_(std::move(b)) {}
  Value(Array a) : v_(std::make_shared<Array>(std::move(a))) {}
  Value(Object o) : v_(std::make_shared<Object>(std::move(o))) {}

  /// From a canonical or non-canonical decimal integer literal; picks
  /// kInt/kUInt/kBigInt. Throws Error(kParseError) if not an integer literal.
  [[nodiscard]] static Value integer_from_decimal(std::string_view decimal);

  [[nodiscard]] Kind kind() const noexcept { return static_cast<Kind>(v_.index()); }
  [[nodiscard]] bool is_null() const noexcept { return kind() == Kind::kNull; }

  [[nodiscard]] bool as_bool() const { return get<bool>(Kind::kBool); }
  [[nodiscard]] std::int64_t as_int() const { return get<std::int64_t>(Kind::kInt); }
  [[nodiscard]] std::uint64_t as_uint() const { return get<std::uint64_t>(Kind::kUInt); }
  [[nodiscard]] const BigInt& as_bigint() const { return get<BigInt>(Kind::kBigInt); }
  [[nodiscard]] double as_float() const { return get<double>(Kind::kFloat); }
  [[nodiscard]] const std::string& as_string() const { return get<std::string>(Kind::kString); }
  [[nodiscard]] const Binary& as_binary() const { return get<Binary>(Kind::kBinary); }
  [[nodiscard]] const Array& as_array() const { return *get<std::shared_ptr<Array>>(Kind::kArray); }
  [[nodiscard]] Array& as_array() { return mutable_ptr<Array>(Kind::kArray); }
  [[nodiscard]] const Object& as_object() const { return *get<std::shared_ptr<Object>>(Kind::kObject); }
  [[nodiscard]] Object& as_object() { return mutable_ptr<Object>(Kind::kObject); }

  /// How many Values share this array/object (1: not shared, so a non-const
  /// access will not copy it); 0 for other kinds.
  [[nodiscard]] long use_count() const noexcept;

  /// Member lookup in an object; nullptr if absent or not an object.
  [[nodiscard]] const Value* find(std::string_view key) const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  // Containers are shared and copied on write so that Value copies are cheap.
  template <class T>
  const T& get(Kind wanted) const {
    if (const T* p = std::get_if<T>(&v_)) return *p;
    throw_wrong_kind(wanted);
  }
  template <class T>
  T& mutable_ptr(Kind wanted) {
    auto* pp = std::get_if<std::shared_ptr<T>>(&v_);
    if (pp == nullptr) throw_wrong_kind(wanted);
    auto& p = *pp;
    if (p.use_count() > 1) p = std::make_shared<T>(*p);
    return *p;
  }
  [[noreturn]] void throw_wrong_kind(Kind wanted) const;
  friend struct internal::ValueAccess;
  std::variant<Null, bool, std::int64_t, std::uint64_t, BigInt, double, std::string, Binary,
               std::shared_ptr<Array>, std::shared_ptr<Object>>
      v_;
};

}  // namespace wampbox
