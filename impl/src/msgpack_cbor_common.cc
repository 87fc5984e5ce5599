#include "msgpack_cbor_common.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string_view>
#include <utility>

#include <simdjson.h>
#include <sodium.h>

namespace wampbox::binary_detail {

bool valid_utf8(const char* data, std::size_t size) noexcept {
  // Short strings (keys, URIs) dominate WAMP payloads; a call into simdjson's
  // dispatcher costs more than checking a short ASCII string inline. Past the
  // ASCII prefix we are on a character boundary, so simdjson checks the rest.
  if (size <= 64) {
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, data + i, 8);
      if ((w & 0x8080808080808080ull) != 0) break;
    }
    while (i < size && static_cast<unsigned char>(data[i]) < 0x80) ++i;
    if (i == size) return true;
    return simdjson::validate_utf8(data + i, size - i);
  }
  return simdjson::validate_utf8(data, size);
}

void Sink::grow(std::size_t n) {
  // The slack past a large write keeps the heads that follow it (e.g. the
  // "kwargs" key after a 64 KiB args string in PPT's inner object) from
  // doubling the buffer: a second reallocation, copy and zero-fill of the
  // whole payload (docs/ppt-benchmarks.md).
  constexpr std::size_t kSlack = 256;
  std::size_t want = std::max<std::size_t>(pos_ + n + kSlack, 2 * out_.size());
  want = std::max<std::size_t>(want, 256);
  out_.resize(want);
}

void require_utf8(const char* data, std::size_t size, const char* what) {
  if (!valid_utf8(data, size)) throw Error(ErrorCode::kInvalidUtf8, std::string(what) + " is not valid UTF-8");
}

void check_input_size(std::size_t size, const DecodeLimits& limits, const char* what) {
  if (size > limits.max_frame_bytes) {
    throw Error(ErrorCode::kLimitExceeded, std::string(what) + " input of " + std::to_string(size) +
                                               " bytes exceeds DecodeLimits::max_frame_bytes (" +
                                               std::to_string(limits.max_frame_bytes) + ")");
  }
}

// Sort-based on purpose: a hash table keyed by attacker-chosen strings can be
// flooded with colliding keys (libstdc++'s std::hash has a fixed seed; 65,536
// colliding JSON keys took 12.4 s instead of 0.087 s with the former
// unordered_map), while a comparison sort costs O(n log n) comparisons for
// any input (tests/unit/hashflood_test.cc and the json_hashflood benchmark).
void dedupe_keys(Object& object) {
  const std::size_t n = object.size();
  if (n < 2) return;
  if (n <= 16) {
    bool dup = false;
    for (std::size_t i = 1; i < n && !dup; ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (object[i].first == object[j].first) {
          dup = true;
          break;
        }
      }
    }
    if (!dup) return;
  }
  // Group equal keys by a stable sort of positions; within a group the first
  // position receives the last value, the others are dropped.
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return object[a].first < object[b].first; });
  std::vector<bool> drop(n, false);
  bool any = false;
  for (std::size_t g = 0; g < n;) {
    std::size_t e = g + 1;
    while (e < n && object[order[e]].first == object[order[g]].first) ++e;
    if (e - g > 1) {
      any = true;
      object[order[g]].second = std::move(object[order[e - 1]].second);
      for (std::size_t k = g + 1; k < e; ++k) drop[order[k]] = true;
    }
    g = e;
  }
  if (!any) return;
  std::size_t w = 0;
  for (std::size_t r = 0; r < n; ++r) {
    if (drop[r]) continue;
    if (w != r) object[w] = std::move(object[r]);
    ++w;
  }
  object.resize(w);
}

void wipe_unshared(Value& root) noexcept {
  auto wipe_string = [](const std::string& s) {
    // const_cast: the Value is about to be destroyed by its only owner.
    if (!s.empty()) sodium_memzero(const_cast<char*>(s.data()), s.size());
  };
  std::vector<Value*> todo;
  try {
    todo.push_back(&root);
  } catch (...) {
    return;
  }
  while (!todo.empty()) {
    Value* v = todo.back();
    todo.pop_back();
    try {
      switch (v->kind()) {
        case Value::Kind::kString:
          wipe_string(v->as_string());
          break;
        case Value::Kind::kBigInt:
          wipe_string(v->as_bigint().decimal);
          break;
        case Value::Kind::kBinary: {
          const Bytes& b = v->as_binary().data;
          if (!b.empty()) sodium_memzero(const_cast<std::uint8_t*>(b.data()), b.size());
          break;
        }
        case Value::Kind::kArray:
          if (v->use_count() == 1) {
            for (Value& x : v->as_array()) todo.push_back(&x);  // use_count 1: no copy on write
          }
          break;
        case Value::Kind::kObject:
          if (v->use_count() == 1) {
            for (auto& [k, x] : v->as_object()) {
              wipe_string(k);
              todo.push_back(&x);
            }
          }
          break;
        default:
          break;
      }
    } catch (...) {
      // push_back ran out of memory: wipe what we can reach without it.
    }
  }
}

ValueBuilder::~ValueBuilder() {
  if (wipe_on_failure_ && !taken_) {
    for (Frame& f : frames_) {
      if (!f.key.empty()) sodium_memzero(f.key.data(), f.key.size());
      for (Value& x : f.array) wipe_unshared(x);
      for (auto& [k, x] : f.object) {
        if (!k.empty()) sodium_memzero(k.data(), k.size());
        wipe_unshared(x);
      }
    }
    wipe_unshared(root_);
  }
  if (pool_ != nullptr) frames_.clear();  // a failed parse's partial tree is not kept in the pool
}

// --- ValuePool -----------------------------------------------------------------

namespace {

using internal::ValueAccess;

// Zeroes a string's whole buffer (bytes past size() may hold an earlier,
// longer content) and empties it; the buffer is kept.
void wipe_capacity(std::string& s) noexcept {
  s.resize(s.capacity());  // within capacity: no reallocation
  sodium_memzero(s.data(), s.size());
  s.clear();
}

void wipe_capacity(Bytes& b) noexcept {
  if (b.capacity() != 0) sodium_memzero(b.data(), b.capacity());  // bytes: any storage is theirs
  b.clear();
}

// Zeroes the storage of an empty vector of non-trivial objects (the bytes the
// destroyed elements left behind: inline short strings, numbers).
template <class T>
void wipe_storage(std::vector<T>& v) noexcept {
  v.clear();
  if (v.capacity() != 0) sodium_memzero(static_cast<void*>(v.data()), v.capacity() * sizeof(T));
}

template <class V>
void erase_prefix(V& v, std::size_t& next) noexcept {
  if (next == 0) return;
  v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(next));  // moves only: no allocation
  next = 0;
}

}  // namespace

void ValuePool::compact() noexcept {
  erase_prefix(strings_, next_string_);
  erase_prefix(bytes_, next_bytes_);
  erase_prefix(arrays_, next_array_);
  erase_prefix(objects_, next_object_);
}

namespace {
const std::size_t kInlineStringCapacity = std::string().capacity();
}  // namespace

void ValuePool::keep(std::string&& s) {
  if (s.capacity() > kInlineStringCapacity) strings_.push_back(std::move(s));
}

void ValuePool::keep(Bytes&& b) {
  if (b.capacity() != 0) bytes_.push_back(std::move(b));
}

void ValuePool::recycle_members(Object& o) noexcept {
  compact();
  for (auto& [k, v] : o) {
    try {
      keep(std::move(k));
    } catch (...) {
      wipe_capacity(k);
    }
    recycle(v);
  }
  o.clear();
}

void ValuePool::recycle_bytes(Bytes& b) noexcept {
  compact();
  try {
    keep(std::move(b));
  } catch (...) {
    wipe_capacity(b);
  }
  b = Bytes();
}

void ValuePool::recycle(Value& root) noexcept {
  compact();
  const std::size_t first_array = arrays_.size();
  const std::size_t first_object = objects_.size();
  todo_.clear();
  try {
    todo_.push_back(Item{&root, nullptr});
  } catch (...) {
    wipe_unshared(root);
    root = Value();
    return;
  }
  // Pre-order, children in document order: the order a reader builds in, so
  // that take_*() hands each position its previous buffer back.
  while (!todo_.empty()) {
    const Item it = todo_.back();
    todo_.pop_back();
    try {
      if (it.key != nullptr) {
        keep(std::move(*it.key));
        continue;
      }
      Value& v = *it.value;
      if (std::string* str = ValueAccess::string(v)) {
        keep(std::move(*str));
      } else if (Binary* bin = ValueAccess::binary(v)) {
        keep(std::move(bin->data));
      } else if (BigInt* big = ValueAccess::bigint(v)) {
        keep(std::move(big->decimal));
      } else if (auto* a = ValueAccess::array(v)) {
        if (*a && a->use_count() == 1) {
          Array& arr = **a;
          for (std::size_t i = arr.size(); i-- > 0;) todo_.push_back(Item{&arr[i], nullptr});
          arrays_.push_back(std::move(*a));  // the Array itself stays put: the pointers above stay valid
        }
      } else if (auto* o = ValueAccess::object(v)) {
        if (*o && o->use_count() == 1) {
          Object& obj = **o;
          for (std::size_t i = obj.size(); i-- > 0;) {
            todo_.push_back(Item{&obj[i].second, nullptr});
            todo_.push_back(Item{nullptr, &obj[i].first});
          }
          objects_.push_back(std::move(*o));
        }
      }
    } catch (...) {
      // Out of memory growing the pool: what could not be pooled is wiped
      // where it is and freed with its container.
      if (it.key != nullptr) {
        wipe_capacity(*it.key);
      } else {
        wipe_unshared(*it.value);
      }
    }
  }
  // Empty the harvested containers: their elements are moved-from (no heap
  // block left) or shared with another owner (only a count to drop).
  for (std::size_t i = first_array; i < arrays_.size(); ++i) arrays_[i]->clear();
  for (std::size_t i = first_object; i < objects_.size(); ++i) objects_[i]->clear();
  root = Value();
}

std::string ValuePool::take_string(std::string_view s) {
  if (s.size() <= kInlineStringCapacity || next_string_ == strings_.size()) return std::string(s);
  std::string& p = strings_[next_string_++];
  if (p.capacity() < s.size()) wipe_capacity(p);  // assign() will free the old block
  p.assign(s.data(), s.size());
  return std::move(p);
}

Bytes ValuePool::take_bytes(std::size_t n) {
  if (next_bytes_ == bytes_.size()) return Bytes();
  Bytes b = std::move(bytes_[next_bytes_++]);
  if (b.capacity() < n) {
    wipe_capacity(b);
  } else {
    b.clear();
  }
  return b;
}

std::shared_ptr<Array> ValuePool::take_array() {
  if (next_array_ == arrays_.size()) return std::make_shared<Array>();
  return std::move(arrays_[next_array_++]);
}

std::shared_ptr<Object> ValuePool::take_object() {
  if (next_object_ == objects_.size()) return std::make_shared<Object>();
  return std::move(objects_[next_object_++]);
}

void ValuePool::wipe() noexcept {
  for (std::string& s : strings_) wipe_capacity(s);
  for (Bytes& b : bytes_) wipe_capacity(b);
  for (auto& a : arrays_) {
    if (a) wipe_storage(*a);
  }
  for (auto& o : objects_) {
    if (o) wipe_storage(*o);
  }
  wipe_storage(frames_);
}

void ValuePool::release() noexcept {
  wipe();
  strings_ = {};
  bytes_ = {};
  arrays_ = {};
  objects_ = {};
  frames_ = {};
  todo_ = {};
  next_string_ = next_bytes_ = next_array_ = next_object_ = 0;
}

namespace {
double bits_to_double(std::uint64_t bits) noexcept {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}
}  // namespace

double single_bits_to_double(std::uint32_t bits) noexcept {
  const std::uint64_t sign = static_cast<std::uint64_t>(bits >> 31) << 63;
  const std::uint32_t exp = (bits >> 23) & 0xffu;
  const std::uint32_t mant = bits & 0x7fffffu;
  if (exp == 0xff && mant != 0) {
    // NaN: the hardware conversion keeps the payload and sets the quiet bit;
    // spell it out so that the result does not depend on the platform.
    return bits_to_double(sign | 0x7ff8000000000000ull | (static_cast<std::uint64_t>(mant) << 29));
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return static_cast<double>(f);
}

double half_bits_to_double(std::uint16_t bits) noexcept {
  const bool negative = (bits & 0x8000u) != 0;
  const unsigned exp = (bits >> 10) & 0x1fu;
  const unsigned mant = bits & 0x3ffu;
  if (exp == 0x1f) {
    if (mant == 0) return negative ? -HUGE_VAL : HUGE_VAL;
    // cbor2 widens half -> single -> double: payload shifted, quiet bit set.
    return bits_to_double((negative ? (1ull << 63) : 0) | 0x7ff8000000000000ull | (static_cast<std::uint64_t>(mant) << 42));
  }
  const double magnitude = exp == 0 ? std::ldexp(static_cast<double>(mant), -24)
                                    : std::ldexp(static_cast<double>(mant + 1024), static_cast<int>(exp) - 25);
  return negative ? -magnitude : magnitude;
}

void ValueBuilder::check_open() {
  if (expecting_key()) throw Error(ErrorCode::kParseError, "map key is not a string");
  if (frames_.size() >= max_depth_) {
    throw Error(ErrorCode::kParseError, "nesting deeper than " + std::to_string(max_depth_));
  }
  count_element();
}

void ValueBuilder::count_element() {
  if (elements_left_ == 0) {
    throw Error(ErrorCode::kLimitExceeded, "more values than DecodeLimits::max_elements");
  }
  --elements_left_;
}

void ValueBuilder::check_string_size(std::size_t size) const {
  if (size > max_string_) {
    throw Error(ErrorCode::kLimitExceeded, "string of " + std::to_string(size) +
                                               " bytes exceeds DecodeLimits::max_string_bytes (" +
                                               std::to_string(max_string_) + ")");
  }
}

std::size_t ValueBuilder::reserve_hint(std::uint64_t count) noexcept {
  // Every element takes at least one input byte, so an honest document never
  // announces more elements in total than it has bytes.
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>({count, budget_, elements_left_}));
  budget_ -= n;
  return n;
}

void ValueBuilder::scalar(Value&& v) {
  if (expecting_key()) throw Error(ErrorCode::kParseError, "map key is not a string");
  if (v.kind() == Value::Kind::kBinary) check_string_size(v.as_binary().data.size());
  count_element();
  deliver(std::move(v));
}

void ValueBuilder::text_view(std::string_view s) {
  check_string_size(s.size());  // before copying
  text(pool_ ? pool_->take_string(s) : std::string(s));
}

void ValueBuilder::binary(std::span<const std::uint8_t> data) {
  check_string_size(data.size());
  Bytes b = take_bytes(data.size());
  b.assign(data.begin(), data.end());
  scalar(Value(Binary{std::move(b)}));
}

void ValueBuilder::text(std::string&& s) {
  check_string_size(s.size());
  if (expecting_key()) {
    Frame& f = frames_.back();
    f.key = std::move(s);
    f.key_next = false;
    return;
  }
  count_element();
  deliver(Value(std::move(s)));
}

void ValueBuilder::begin_array(std::uint64_t count, bool indefinite, std::size_t reserve) {
  check_open();
  if (!indefinite && count > elements_left_ && plausible(count)) {
    throw Error(ErrorCode::kLimitExceeded, "array of " + std::to_string(count) +
                                               " elements exceeds DecodeLimits::max_elements");
  }
  if (!indefinite && count == 0) {
    deliver(pool_ ? ValueAccess::from(pool_->take_array()) : Value(Array{}));
    return;
  }
  Frame& f = frames_.emplace_back();
  f.indefinite = indefinite;
  f.remaining = count;
  if (pool_) {
    f.array_home = pool_->take_array();
    f.array.swap(*f.array_home);
  }
  const std::size_t n = reserve_hint(indefinite ? reserve : count);
  if (f.array.capacity() < n) wipe_storage(f.array);  // a recycled buffer is freed by the growth
  f.array.reserve(n);
}

void ValueBuilder::begin_map(std::uint64_t count, bool indefinite, std::size_t reserve) {
  check_open();
  if (!indefinite && count > elements_left_ && plausible(count)) {
    throw Error(ErrorCode::kLimitExceeded, "map of " + std::to_string(count) +
                                               " members exceeds DecodeLimits::max_elements");
  }
  if (!indefinite && count == 0) {
    deliver(pool_ ? ValueAccess::from(pool_->take_object()) : Value(Object{}));
    return;
  }
  Frame& f = frames_.emplace_back();
  f.is_map = true;
  f.key_next = true;
  f.indefinite = indefinite;
  f.remaining = count;
  if (pool_) {
    f.object_home = pool_->take_object();
    f.object.swap(*f.object_home);
  }
  const std::size_t n = reserve_hint(indefinite ? reserve : count);
  if (f.object.capacity() < n) wipe_storage(f.object);
  f.object.reserve(n);
}

void ValueBuilder::end_indefinite() {
  if (!in_indefinite()) throw Error(ErrorCode::kParseError, "unexpected break");
  if (frames_.back().is_map && !frames_.back().key_next) throw Error(ErrorCode::kParseError, "map ends after a key");
  deliver(close_top());
}

Value ValueBuilder::close_top() {
  Frame& f = frames_.back();
  Value v;
  if (f.is_map) {
    dedupe_keys(f.object);
    if (f.object_home) {
      f.object_home->swap(f.object);
      v = ValueAccess::from(std::move(f.object_home));
    } else {
      v = Value(std::move(f.object));
    }
  } else if (f.array_home) {
    f.array_home->swap(f.array);
    v = ValueAccess::from(std::move(f.array_home));
  } else {
    v = Value(std::move(f.array));
  }
  frames_.pop_back();
  return v;
}

void ValueBuilder::deliver(Value&& v) {
  for (;;) {
    if (frames_.empty()) {
      root_ = std::move(v);
      done_ = true;
      return;
    }
    Frame& f = frames_.back();
    if (f.is_map) {
      f.object.emplace_back(std::move(f.key), std::move(v));
      f.key.clear();
      f.key_next = true;
    } else {
      f.array.push_back(std::move(v));
    }
    if (f.indefinite || --f.remaining != 0) return;
    v = close_top();
  }
}

}  // namespace wampbox::binary_detail
