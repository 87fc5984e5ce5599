// Internal helpers shared by the MessagePack, CBOR and JSON readers
// (msgpack.cc, cbor.cc, json_read.cc): a bounded, non-recursive Value tree
// builder fed by the streaming decoders, Python-dict key semantics, UTF-8 validation and float widening.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wampbox/error.h"
#include "wampbox/limits.h"
#include "wampbox/value.h"

namespace wampbox::internal {

/// What the readers' storage reuse (binary_detail::ValuePool) needs of Value
/// beyond its public interface: the shared containers themselves, so that a
/// recycled array/object keeps its control block and capacity.
struct ValueAccess {
  static std::shared_ptr<Array>* array(Value& v) noexcept { return std::get_if<std::shared_ptr<Array>>(&v.v_); }
  static std::shared_ptr<Object>* object(Value& v) noexcept { return std::get_if<std::shared_ptr<Object>>(&v.v_); }
  static std::string* string(Value& v) noexcept { return std::get_if<std::string>(&v.v_); }
  static Binary* binary(Value& v) noexcept { return std::get_if<Binary>(&v.v_); }
  static BigInt* bigint(Value& v) noexcept { return std::get_if<BigInt>(&v.v_); }
  static Value from(std::shared_ptr<Array> a) noexcept {
    Value v;
    v.v_ = std::move(a);
    return v;
  }
  static Value from(std::shared_ptr<Object> o) noexcept {
    Value v;
    v.v_ = std::move(o);
    return v;
  }
};

}  // namespace wampbox::internal

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

/// One open container of a ValueBuilder (its own type so that a ValuePool
/// can keep the builder's stack between parses).
struct BuilderFrame {
  bool is_map = false;
  bool key_next = false;
  bool indefinite = false;
  std::uint64_t remaining = 0;  // elements (arrays) or pairs (maps) still expected
  Array array;
  Object object;
  std::string key;
  // With a pool: the recycled container `array`/`object` goes back into when
  // closed (its control block is reused, not allocated).
  std::shared_ptr<Array> array_home;
  std::shared_ptr<Object> object_home;
};

/// Storage a reader reuses from one parse to the next, so that decoding a
/// stream of similar documents allocates nothing once the pool has warmed
/// up: the strings, binaries, arrays and objects of the previous tree
/// (recycle()) are handed out again in document order, so the i-th string of
/// the next document gets the capacity of the i-th string of the last one.
/// Pooled buffers keep their old contents until they are overwritten or
/// wiped: a pool that held decrypted data is wiped by wipe() or its
/// destructor, and take_string() wipes a string before growing it (a growth
/// frees the old block). Not thread-safe.
class ValuePool {
 public:
  ValuePool() = default;
  ValuePool(const ValuePool&) = delete;
  ValuePool& operator=(const ValuePool&) = delete;
  ~ValuePool() { release(); }

  /// Takes `v` apart into the pool and leaves it null: every string, map
  /// key, binary and BigInt and every array/object that no other Value
  /// shares. Shared containers (use_count() > 1) stay with their other
  /// owners, untouched. Does not recurse.
  void recycle(Value& v) noexcept;
  /// As recycle, for an object held by value (Message::options): its members
  /// go into the pool, `o` is left empty (its capacity kept).
  void recycle_members(Object& o) noexcept;
  /// `b`'s buffer goes into the pool; `b` is left empty.
  void recycle_bytes(Bytes& b) noexcept;
  /// A string holding `s`, from the pool when it has one.
  std::string take_string(std::string_view s);
  /// An empty byte vector, from the pool when it has one (its old bytes
  /// wiped if it must grow beyond `n`).
  Bytes take_bytes(std::size_t n);
  /// An empty array/object (capacity kept), from the pool when it has one.
  std::shared_ptr<Array> take_array();
  std::shared_ptr<Object> take_object();
  /// The builder stack kept between parses.
  std::vector<BuilderFrame>& frames() noexcept { return frames_; }
  /// Zeroes every byte the pool holds (full capacities); keeps the buffers.
  void wipe() noexcept;
  /// wipe(), then frees everything.
  void release() noexcept;

 private:
  struct Item {
    Value* value;
    std::string* key;  // a map key to pool (value == nullptr)
  };
  void compact() noexcept;
  // Only buffers on the heap are pooled: short strings live inside the string
  // object, and an empty vector has nothing to give.
  void keep(std::string&& s);
  void keep(Bytes&& b);
  std::vector<std::string> strings_;
  std::size_t next_string_ = 0;
  std::vector<Bytes> bytes_;
  std::size_t next_bytes_ = 0;
  std::vector<std::shared_ptr<Array>> arrays_;
  std::size_t next_array_ = 0;
  std::vector<std::shared_ptr<Object>> objects_;
  std::size_t next_object_ = 0;
  std::vector<BuilderFrame> frames_;
  std::vector<Item> todo_;  // recycle()'s stack
};

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
  /// With `pool`, strings and containers come from it (and the builder's
  /// stack is the pool's): the pool must outlive the builder.
  ValueBuilder(std::size_t input_size, const DecodeLimits& limits, ValuePool* pool = nullptr)
      : frames_(pool ? pool->frames() : own_frames_),
        pool_(pool),
        input_size_(input_size),
        budget_(input_size),
        elements_left_(limits.max_elements),
        max_depth_(limits.max_depth < kMaxNesting ? limits.max_depth : kMaxNesting),
        max_string_(limits.max_string_bytes) {
    frames_.clear();
  }

  /// True when the next item must be a map key.
  bool expecting_key() const noexcept { return !frames_.empty() && frames_.back().is_map && frames_.back().key_next; }
  /// True when the innermost open container has indefinite length.
  bool in_indefinite() const noexcept { return !frames_.empty() && frames_.back().indefinite; }
  bool done() const noexcept { return done_; }

  /// A complete non-text item. Throws kParseError in key position.
  void scalar(Value&& v);
  /// A complete text item: a map key in key position, otherwise a value.
  void text(std::string&& s);
  /// As text(), copying `s` into a pooled string when the builder has a pool.
  void text_view(std::string_view s);
  /// A complete binary item (copied, into pooled storage with a pool).
  void binary(std::span<const std::uint8_t> data);
  /// An empty byte vector to decode a binary item into (pooled with a pool);
  /// hand it back with scalar(Value(Binary{...})).
  Bytes take_bytes(std::size_t n) { return pool_ ? pool_->take_bytes(n) : Bytes(); }
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
  using Frame = BuilderFrame;
  void check_open();
  void count_element();
  /// A header announcing more elements than the input has bytes is a lie
  /// (each element takes at least one byte): the parse will fail as
  /// truncated, the error Python gives, so it is not reported as a limit.
  /// Nothing is allocated for it either way (reserve_hint's budget).
  bool plausible(std::uint64_t count) const noexcept { return count <= input_size_; }
  std::size_t reserve_hint(std::uint64_t count) noexcept;
  void deliver(Value&& v);
  Value close_top();

  std::vector<Frame> own_frames_;
  std::vector<Frame>& frames_;  // own_frames_ or the pool's
  ValuePool* pool_;
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

/// msgpack_parse / cbor_parse with the tree's strings and containers taken
/// from `pool` (nullptr: allocated as usual), for FrameContext.
Value msgpack_parse_pooled(std::span<const std::uint8_t> data, const DecodeLimits& limits, ValuePool* pool);
Value cbor_parse_pooled(std::span<const std::uint8_t> data, const DecodeLimits& limits, ValuePool* pool);

}  // namespace wampbox::binary_detail
