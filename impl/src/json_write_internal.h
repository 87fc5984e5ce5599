// Private to wampbox: the JSON writer's pieces (json_write.cc), for the writers
// that put JSON inside something larger without a copy: the JSON frame writer
// (frame_write.cc) and the cryptobox plaintext (cryptobox.cc). One string
// escaper (SSE2 scan, json_internal::find_special) for all of them.
#pragma once

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "wampbox/value.h"

#if defined(__GNUC__) || defined(__clang__)
#define WAMPBOX_JSON_INLINE inline __attribute__((always_inline))
#define WAMPBOX_JSON_NOINLINE __attribute__((noinline))
#else
#define WAMPBOX_JSON_INLINE inline
#define WAMPBOX_JSON_NOINLINE
#endif

namespace wampbox::json_internal {

/// Appends into a std::string or a Bytes buffer through a raw pointer: the
/// buffer is grown geometrically and written in place, and trimmed to the
/// bytes written by finish(), so small pieces ('{', ',', a key) cost a compare
/// and a store instead of an append call each. (Growth zero-fills only the
/// added part, so reusing a large cleared buffer for small messages stays
/// cheap.) Until finish() or abandon() the buffer holds unwritten bytes past
/// the written ones. Not thread-safe (as the buffer).
template <class Buffer>  // std::string or Bytes
class Sink {
 public:
  explicit Sink(Buffer& s, std::size_t headroom = 256) : s_(s), base_(s.size()) {
    s_.resize(base_ + headroom);
    p_ = data() + base_;
    end_ = data() + s_.size();
  }
  WAMPBOX_JSON_INLINE void ensure(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) grow(n);
  }
  WAMPBOX_JSON_INLINE void put(char c) {
    ensure(1);
    *p_++ = c;
  }
  WAMPBOX_JSON_INLINE void write(const char* d, std::size_t n) {
    ensure(n);
    std::memcpy(p_, d, n);
    p_ += n;
  }
  void write(std::string_view s) { write(s.data(), s.size()); }
  char*& ptr() { return p_; }  // after ensure()
  /// Trims the buffer to what was written.
  void finish() { s_.resize(static_cast<std::size_t>(p_ - data())); }
  /// Leaves the buffer as it was before this Sink, wiping what was written:
  /// the target may be a plaintext scratch buffer (PayloadCodec::encode_into),
  /// whose callers wipe only size() bytes.
  void abandon() {
    sodium_memzero(data() + base_, s_.size() - base_);
    s_.resize(base_);
  }

 private:
  char* data() { return reinterpret_cast<char*>(s_.data()); }
  /// Grows in place when the capacity allows; otherwise moves to a new
  /// buffer and wipes the old one before it is freed (the container's own
  /// reallocation would free it unwiped, and it may hold plaintext).
  WAMPBOX_JSON_NOINLINE void grow(std::size_t n) {
    const std::size_t used = static_cast<std::size_t>(p_ - data());
    const std::size_t want = std::max(used + n, s_.size() * 2);
    if (want <= s_.capacity()) {
      s_.resize(want);
    } else {
      Buffer bigger;
      bigger.reserve(want);
      bigger.resize(want);
      std::memcpy(reinterpret_cast<char*>(bigger.data()), data(), used);
      sodium_memzero(data(), s_.size());
      s_.swap(bigger);
    }
    p_ = data() + used;
    end_ = data() + s_.size();
  }
  Buffer& s_;
  std::size_t base_;
  char* p_;
  char* end_;
};

/// A JSON string exactly as json_write_append writes a String value. Throws
/// Error(kInvalidUtf8) for invalid UTF-8 (what was written stays in the sink).
template <class Buffer>
void write_string(std::string_view s, Sink<Buffer>& out);
/// The JSON text of `v`, as json_write_append.
template <class Buffer>
void write_value(const Value& v, Sink<Buffer>& out);
/// Autobahn's binary form: the string "\u0000" + base64.
template <class Buffer>
void write_binary(std::span<const std::uint8_t> b, Sink<Buffer>& out);
/// Decimal.
template <class Buffer, class Int>
WAMPBOX_JSON_INLINE void write_integer(Int i, Sink<Buffer>& out) {
  out.ensure(24);
  char*& o = out.ptr();
  o = std::to_chars(o, o + 24, i).ptr;
}

// Instantiated in json_write.cc for std::string and Bytes.
extern template void write_string(std::string_view, Sink<std::string>&);
extern template void write_string(std::string_view, Sink<Bytes>&);
extern template void write_value(const Value&, Sink<std::string>&);
extern template void write_value(const Value&, Sink<Bytes>&);
extern template void write_binary(std::span<const std::uint8_t>, Sink<std::string>&);
extern template void write_binary(std::span<const std::uint8_t>, Sink<Bytes>&);

}  // namespace wampbox::json_internal
