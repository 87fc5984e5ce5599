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
  if (!wipe_on_failure_ || taken_) return;
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

void ValueBuilder::scalar(Value v) {
  if (expecting_key()) throw Error(ErrorCode::kParseError, "map key is not a string");
  if (v.kind() == Value::Kind::kBinary) check_string_size(v.as_binary().data.size());
  count_element();
  deliver(std::move(v));
}

void ValueBuilder::text(std::string s) {
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
    deliver(Value(Array{}));
    return;
  }
  Frame& f = frames_.emplace_back();
  f.indefinite = indefinite;
  f.remaining = count;
  f.array.reserve(reserve_hint(indefinite ? reserve : count));
}

void ValueBuilder::begin_map(std::uint64_t count, bool indefinite, std::size_t reserve) {
  check_open();
  if (!indefinite && count > elements_left_ && plausible(count)) {
    throw Error(ErrorCode::kLimitExceeded, "map of " + std::to_string(count) +
                                               " members exceeds DecodeLimits::max_elements");
  }
  if (!indefinite && count == 0) {
    deliver(Value(Object{}));
    return;
  }
  Frame& f = frames_.emplace_back();
  f.is_map = true;
  f.key_next = true;
  f.indefinite = indefinite;
  f.remaining = count;
  f.object.reserve(reserve_hint(indefinite ? reserve : count));
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
    v = Value(std::move(f.object));
  } else {
    v = Value(std::move(f.array));
  }
  frames_.pop_back();
  return v;
}

void ValueBuilder::deliver(Value v) {
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
