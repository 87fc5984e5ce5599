// Internal helpers shared by the MessagePack, CBOR and JSON readers
// (msgpack.cc, cbor.cc, json_read.cc): a bounded, non-recursive Value tree
// builder fed by the streaming decoders, Python-dict key semantics, UTF-8 validation and float widening.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "wampbox/error.h"
#include "wampbox/limits.h"
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

/// Zeroes every string, map key, binary and BigInt in the tree of `v` that
/// no other Value shares (arrays/objects with use_count() > 1 are skipped:
/// another owner still needs them), without recursion. For decrypted data
/// about to be freed: its heap blocks would otherwise return to the
/// allocator holding plaintext.
void wipe_unshared(Value& v) noexcept;

/// IEEE single -> double as CPython does it (float(struct.unpack('>f'))):
/// exact for numbers; NaN keeps sign and payload (shifted) and is quieted.
double single_bits_to_double(std::uint32_t bits) noexcept;

/// IEEE half -> double as cbor2 does it (via single precision): exact for
/// numbers; NaN keeps sign and payload and is quieted.
double half_bits_to_double(std::uint16_t bits) noexcept;

/// Throws Error(kLimitExceeded) if an input of `size` bytes exceeds
/// limits.max_frame_bytes; `what` names the format.
void check_input_size(std::size_t size, const DecodeLimits& limits, const char* what);

/// Builds one Value from a stream of parse events without recursion (so its
/// stack use does not grow with nesting). Tracks definite container counts
/// itself (closing a container when its last element arrives), enforces
/// min(kMaxNesting, limits.max_depth) (Error(kParseError)), the element and
/// string caps of `limits` (Error(kLimitExceeded); a definite container is
/// refused when its header announces more elements than may still be
/// built), and requires text keys in maps. Reservations from length headers
/// are capped by a budget equal to the input size, so a lying header cannot
/// cause a large allocation. Objects are deduplicated with dedupe_keys (sort
/// based: no hashing, so no input can make it degrade; see there).
class ValueBuilder {
 public:
  ValueBuilder(std::size_t input_size, const DecodeLimits& limits)
      : input_size_(input_size),
        budget_(input_size),
        elements_left_(limits.max_elements),
        max_depth_(limits.max_depth < kMaxNesting ? limits.max_depth : kMaxNesting),
        max_string_(limits.max_string_bytes) {}

  /// True when the next item must be a map key.
  bool expecting_key() const noexcept { return !frames_.empty() && frames_.back().is_map && frames_.back().key_next; }
  /// True when the innermost open container has indefinite length.
  bool in_indefinite() const noexcept { return !frames_.empty() && frames_.back().indefinite; }
  bool done() const noexcept { return done_; }

  /// A complete non-text item. Throws kParseError in key position.
  void scalar(Value v);
  /// A complete text item: a map key in key position, otherwise a value.
  void text(std::string s);
  /// Throws Error(kLimitExceeded) if a string/binary/key of `size` bytes
  /// exceeds max_string_bytes: call before allocating it where the size is
  /// known first (binary formats); scalar() and text() check it again.
  void check_string_size(std::size_t size) const;
  /// Opens an array/map of `count` elements/pairs (ignored if indefinite;
  /// then `reserve` is a capacity hint, e.g. simdjson's container size).
  void begin_array(std::uint64_t count, bool indefinite, std::size_t reserve = 0);
  void begin_map(std::uint64_t count, bool indefinite, std::size_t reserve = 0);
  /// Closes the innermost indefinite-length container (CBOR break).
  void end_indefinite();

  /// With `wipe` set, a builder destroyed before take() (the parse failed)
  /// wipes the partial tree (wipe_unshared) before freeing it.
  void set_wipe_on_failure(bool wipe) noexcept { wipe_on_failure_ = wipe; }
  ~ValueBuilder();
  ValueBuilder(const ValueBuilder&) = delete;
  ValueBuilder& operator=(const ValueBuilder&) = delete;

  Value take() {
    taken_ = true;
    return std::move(root_);
  }

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
  void count_element();
  /// A header announcing more elements than the input has bytes is a lie
  /// (each element takes at least one byte): the parse will fail as
  /// truncated, the error Python gives, so it is not reported as a limit.
  /// Nothing is allocated for it either way (reserve_hint's budget).
  bool plausible(std::uint64_t count) const noexcept { return count <= input_size_; }
  std::size_t reserve_hint(std::uint64_t count) noexcept;
  void deliver(Value v);
  Value close_top();

  std::vector<Frame> frames_;
  Value root_;
  bool done_ = false;
  std::size_t input_size_;
  std::size_t budget_;
  std::size_t elements_left_;  // values that may still be created (limits.max_elements)
  std::size_t max_depth_;
  std::size_t max_string_;
  bool wipe_on_failure_ = false;
  bool taken_ = false;
};

}  // namespace wampbox::binary_detail
