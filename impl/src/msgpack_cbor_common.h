// Internal helpers shared by the MessagePack and CBOR codecs (msgpack.cc,
// cbor.cc): a bounded, non-recursive Value tree builder fed by the streaming
// decoders, Python-dict key semantics, UTF-8 validation and float widening.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "wampbox/error.h"
#include "wampbox/value.h"

namespace wampbox::binary_detail {

/// Maximum container nesting accepted by the parsers and produced by the
/// writers. msgpack-python's unpacker accepts exactly 1024 nested containers
/// and raises StackError at 1025; we use the same bound for both formats.
inline constexpr std::size_t kMaxNesting = 1024;

/// Strict UTF-8 as Python's codec checks it (no overlongs, no surrogates,
/// nothing above U+10FFFF). Uses simdjson's validator.
bool valid_utf8(const char* data, std::size_t size) noexcept;

/// Appends to a Bytes with a write cursor: the vector is grown geometrically
/// ahead of the cursor and trimmed by finish(), so the many tiny appends of the
/// writers (heads of 1..9 bytes, short strings) are a bounds check and a
/// memcpy. If finish() is not reached (an exception), the caller restores the
/// original size.
class Sink {
 public:
  explicit Sink(Bytes& out) : out_(out), pos_(out.size()) {}
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  /// Room for n bytes at the cursor; commit() what was written.
  std::uint8_t* reserve(std::size_t n) {
    if (out_.size() - pos_ < n) grow(n);
    return out_.data() + pos_;
  }
  void commit(std::size_t n) noexcept { pos_ += n; }
  void put(const void* data, std::size_t n) {
    if (n == 0) return;
    std::memcpy(reserve(n), data, n);
    pos_ += n;
  }
  void finish() { out_.resize(pos_); }

 private:
  void grow(std::size_t n);
  Bytes& out_;
  std::size_t pos_;
};

/// Throws Error(kInvalidUtf8) naming `what` if `s` is not valid UTF-8.
void require_utf8(const char* data, std::size_t size, const char* what);

/// Python dict semantics for a freshly parsed object: for a duplicated key the
/// last value wins and sits at the first occurrence's position; later
/// occurrences are removed. No allocation for objects of up to 16 members
/// without duplicates.
void dedupe_keys(Object& object);

/// IEEE single -> double as CPython does it (float(struct.unpack('>f'))):
/// exact for numbers; NaN keeps sign and payload (shifted) and is quieted.
double single_bits_to_double(std::uint32_t bits) noexcept;

/// IEEE half -> double as cbor2 does it (via single precision): exact for
/// numbers; NaN keeps sign and payload and is quieted.
double half_bits_to_double(std::uint16_t bits) noexcept;

/// Builds one Value from a stream of parse events without recursion. Tracks
/// definite container counts itself (closing a container when its last
/// element arrives), enforces kMaxNesting, and requires text keys in maps.
/// Reservations from length headers are capped by a budget equal to the input
/// size, so a lying header cannot cause a large allocation.
class ValueBuilder {
 public:
  explicit ValueBuilder(std::size_t input_size) : budget_(input_size) {}

  /// True when the next item must be a map key.
  bool expecting_key() const noexcept { return !frames_.empty() && frames_.back().is_map && frames_.back().key_next; }
  /// True when the innermost open container has indefinite length.
  bool in_indefinite() const noexcept { return !frames_.empty() && frames_.back().indefinite; }
  bool done() const noexcept { return done_; }

  /// A complete non-text item. Throws kParseError in key position.
  void scalar(Value v);
  /// A complete text item: a map key in key position, otherwise a value.
  void text(std::string s);
  /// Opens an array/map of `count` elements/pairs (ignored if indefinite).
  void begin_array(std::uint64_t count, bool indefinite);
  void begin_map(std::uint64_t count, bool indefinite);
  /// Closes the innermost indefinite-length container (CBOR break).
  void end_indefinite();

  Value take() { return std::move(root_); }

 private:
  struct Frame {
    bool is_map = false;
    bool key_next = false;
    bool indefinite = false;
    std::uint64_t remaining = 0;  // elements (arrays) or pairs (maps) still expected
    Array array;
    Object object;
    std::string key;
  };
  void check_open();
  std::size_t reserve_hint(std::uint64_t count) noexcept;
  void deliver(Value v);
  Value close_top();

  std::vector<Frame> frames_;
  Value root_;
  bool done_ = false;
  std::size_t budget_;
};

}  // namespace wampbox::binary_detail
