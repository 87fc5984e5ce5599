// MessagePack codec on msgpack-c (msgpack-cxx 4.1, header-only).
//
// Writing uses msgpack::packer over an adapter that appends to Bytes. Its
// integer, str, bin, array and map heads are the smallest forms, exactly as
// msgpack-python packs them (checked against msgpack-python 1.0.3 by
// tests/unit/msgpack_test.cc). One exception is written by hand: floats.
// msgpack-c 4.1's packer::pack_double() packs an integral double as an integer
// (1.0 -> 0x01, and -0.0 -> 0x00), whereas msgpack-python always writes
// float64 (0xcb + 8 bytes, NaN payload kept), so we emit 0xcb ourselves.
// Besides BigInt (kUnencodable, as msgpack-python's OverflowError), the writer
// refuses strings that are not UTF-8 (kInvalidUtf8; a Python str cannot hold
// them), lengths beyond 2^32-1 and nesting beyond 1024 (kUnencodable).
//
// Reading uses msgpack-c's visitor parser (msgpack::parse with a visitor: no
// msgpack::object zone, no recursion; it reports truncation instead of
// reading past the end). The visitor feeds a bounded ValueBuilder that
// enforces the nesting limit, text-only map keys and Python dict semantics;
// ext types are rejected.
#include "wampbox/msgpack.h"

#include <cstring>
#include <limits>
#include <string>

#include <msgpack/null_visitor.hpp>
#include <msgpack/pack.hpp>
#include <msgpack/parse.hpp>
#include <msgpack/unpack.hpp>  // completes detail::value<>, used by parse.hpp

#include "msgpack_cbor_common.h"
#include "wampbox/error.h"

namespace wampbox {
namespace {

using binary_detail::kMaxNesting;
using binary_detail::Sink;

// The stream type msgpack::packer writes to.
struct AppendBuffer {
  Sink& out;
  void write(const char* data, std::size_t size) { out.put(data, size); }
};

using Packer = msgpack::packer<AppendBuffer>;

[[gnu::noinline]] std::uint32_t checked_length(std::size_t n, const char* what) {
  // msgpack-python raises ValueError("... is too large") beyond 2^32-1.
  if (n > std::numeric_limits<std::uint32_t>::max()) {
    throw Error(ErrorCode::kUnencodable, std::string("MessagePack ") + what + " longer than 2^32-1");
  }
  return static_cast<std::uint32_t>(n);
}

void write_float64(double d, Sink& out) {
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  const std::uint8_t buf[9] = {0xcb,
                               static_cast<std::uint8_t>(bits >> 56),
                               static_cast<std::uint8_t>(bits >> 48),
                               static_cast<std::uint8_t>(bits >> 40),
                               static_cast<std::uint8_t>(bits >> 32),
                               static_cast<std::uint8_t>(bits >> 24),
                               static_cast<std::uint8_t>(bits >> 16),
                               static_cast<std::uint8_t>(bits >> 8),
                               static_cast<std::uint8_t>(bits)};
  out.put(buf, 9);
}

[[gnu::noinline]] void write_str(Packer& pk, const std::string& s) {
  binary_detail::require_utf8(s.data(), s.size(), "string");
  const std::uint32_t n = checked_length(s.size(), "str");
  pk.pack_str(n);
  pk.pack_str_body(s.data(), n);
}

// Everything but containers; kept out of the recursive function so that its
// stack frame stays small (1024 levels must fit comfortably, also under ASan).
[[gnu::noinline]] void write_scalar(Packer& pk, const Value& v, Sink& out) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      pk.pack_nil();
      return;
    case Value::Kind::kBool:
      if (v.as_bool()) {
        pk.pack_true();
      } else {
        pk.pack_false();
      }
      return;
    case Value::Kind::kInt:
      pk.pack_int64(v.as_int());
      return;
    case Value::Kind::kUInt:
      pk.pack_uint64(v.as_uint());
      return;
    case Value::Kind::kBigInt:
      throw Error(ErrorCode::kUnencodable,
                  "MessagePack cannot encode integer " + v.as_bigint().decimal + " (outside [-2^63, 2^64-1])");
    case Value::Kind::kFloat:
      write_float64(v.as_float(), out);
      return;
    case Value::Kind::kString:
      write_str(pk, v.as_string());
      return;
    case Value::Kind::kBinary: {
      const Bytes& b = v.as_binary().data;
      const std::uint32_t n = checked_length(b.size(), "bin");
      pk.pack_bin(n);
      pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), n);
      return;
    }
    case Value::Kind::kArray:
    case Value::Kind::kObject:
      break;
  }
}

[[gnu::noinline]] void write_container_head(Packer& pk, bool map, std::size_t n) {
  if (map) {
    pk.pack_map(checked_length(n, "map"));
  } else {
    pk.pack_array(checked_length(n, "array"));
  }
}

[[noreturn, gnu::noinline]] void too_deep() {
  throw Error(ErrorCode::kUnencodable, "nesting deeper than " + std::to_string(kMaxNesting));
}

void write_value(Packer& pk, const Value& v, Sink& out, std::size_t depth) {
  const Value::Kind kind = v.kind();
  if (kind == Value::Kind::kArray) {
    if (depth >= kMaxNesting) too_deep();
    const Array& a = v.as_array();
    write_container_head(pk, false, a.size());
    for (const Value& e : a) write_value(pk, e, out, depth + 1);
  } else if (kind == Value::Kind::kObject) {
    if (depth >= kMaxNesting) too_deep();
    const Object& o = v.as_object();
    write_container_head(pk, true, o.size());
    for (const auto& [k, e] : o) {
      write_str(pk, k);
      write_value(pk, e, out, depth + 1);
    }
  } else {
    write_scalar(pk, v, out);
  }
}

// Receives msgpack-c's parse events. Semantic errors are thrown as
// wampbox::Error straight through msgpack-c's (exception-neutral) parser;
// syntax errors and truncation are recorded and reported after parse returns.
class Visitor : public msgpack::null_visitor {
 public:
  Visitor() = default;  // reset() before use
  explicit Visitor(binary_detail::ValueBuilder& b) : b_(&b) {}
  /// Points a reused visitor at the next parse's builder, state cleared.
  void reset(binary_detail::ValueBuilder& b) noexcept {
    b_ = &b;
    syntax_error_ = truncated_ = false;
    error_offset_ = 0;
  }
  void init() noexcept {}  // called by msgpack's context::init()

  bool visit_nil() {
    b_->scalar(Value());
    return true;
  }
  bool visit_boolean(bool v) {
    b_->scalar(Value(v));
    return true;
  }
  bool visit_positive_integer(std::uint64_t v) {
    b_->scalar(Value(v));
    return true;
  }
  // Also called for int8..int64 heads holding non-negative values.
  bool visit_negative_integer(std::int64_t v) {
    b_->scalar(Value(v));
    return true;
  }
  bool visit_float32(float v) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    b_->scalar(Value(binary_detail::single_bits_to_double(bits)));
    return true;
  }
  bool visit_float64(double v) {
    b_->scalar(Value(v));
    return true;
  }
  bool visit_str(const char* v, std::uint32_t size) {
    b_->check_string_size(size);
    if (size == 0) {
      b_->text(std::string());
      return true;
    }
    binary_detail::require_utf8(v, size, "MessagePack str");
    b_->text_view(std::string_view(v, size));
    return true;
  }
  bool visit_bin(const char* v, std::uint32_t size) {
    b_->binary(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(v), size));
    return true;
  }
  bool visit_ext(const char*, std::uint32_t) {
    throw Error(ErrorCode::kParseError, "MessagePack ext types are not supported");
  }
  bool start_array(std::uint32_t n) {
    b_->begin_array(n, false);
    return true;
  }
  bool start_map(std::uint32_t n) {
    b_->begin_map(n, false);
    return true;
  }
  void parse_error(std::size_t, std::size_t error_offset) {
    syntax_error_ = true;
    error_offset_ = error_offset;
  }
  void insufficient_bytes(std::size_t, std::size_t) { truncated_ = true; }

  bool syntax_error_ = false;
  bool truncated_ = false;
  std::size_t error_offset_ = 0;

 private:
  binary_detail::ValueBuilder* b_ = nullptr;
};

}  // namespace

void msgpack_write_append(const Value& v, Bytes& out) {
  const std::size_t original = out.size();
  try {
    Sink sink(out);
    AppendBuffer buf{sink};
    Packer pk(buf);
    write_value(pk, v, sink, 0);
    sink.finish();
  } catch (...) {
    out.resize(original);
    throw;
  }
}

Bytes msgpack_write(const Value& v) {
  Bytes out;
  msgpack_write_append(v, out);
  return out;
}

Value msgpack_parse(std::span<const std::uint8_t> data) { return msgpack_parse(data, DecodeLimits{}); }

Value msgpack_parse(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  return binary_detail::msgpack_parse_pooled(data, limits, nullptr);
}

namespace {

// msgpack::parse() builds its parser state on every call, and that state
// reserves its container stack on the heap (MSGPACK_EMBED_STACK_SIZE entries):
// one allocation per frame. The pooled path (FrameContext, which promises no
// allocation per frame) keeps one parser per thread instead and does what
// msgpack::parse() does with it (msgpack/v3/parse.hpp parse_imp, msgpack-c 4).
bool parse_reusing_state(const char* data, std::size_t len, std::size_t& off, Visitor& visitor,
                         binary_detail::ValueBuilder& builder) {
  struct Reused {
    Visitor visitor;
    msgpack::detail::parse_helper<Visitor> helper{visitor};
  };
  thread_local Reused reused;
  reused.visitor.reset(builder);
  struct CopyBack {  // the caller reads the error flags from its own visitor
    Visitor& from;
    Visitor& to;
    ~CopyBack() {
      to.syntax_error_ = from.syntax_error_;
      to.truncated_ = from.truncated_;
      to.error_offset_ = from.error_offset_;
    }
  } copy_back{reused.visitor, visitor};
  if (len <= off) {
    reused.visitor.insufficient_bytes(off, off);
    return false;
  }
  reused.helper.init();  // clears the stack, keeping its capacity
  std::size_t noff = off;
  const msgpack::parse_return ret = reused.helper.execute(data, len, noff);
  off = noff;
  if (ret == msgpack::PARSE_CONTINUE) reused.visitor.insufficient_bytes(noff - 1, noff);
  return ret == msgpack::PARSE_SUCCESS;
}

}  // namespace

Value binary_detail::msgpack_parse_pooled(std::span<const std::uint8_t> data, const DecodeLimits& limits,
                                          ValuePool* pool) {
  binary_detail::check_input_size(data.size(), limits, "MessagePack");
  binary_detail::ValueBuilder builder(data.size(), limits, pool);
  Visitor visitor(builder);
  std::size_t off = 0;
  const char* bytes = reinterpret_cast<const char*>(data.data());
  const bool ok = pool != nullptr ? parse_reusing_state(bytes, data.size(), off, visitor, builder)
                                  : msgpack::parse(bytes, data.size(), off, visitor);
  if (!ok || !builder.done()) {
    if (visitor.syntax_error_) {
      // 0xc1 ("never used") is the only byte msgpack-c rejects as a type.
      throw Error(ErrorCode::kParseError,
                  "invalid MessagePack type byte 0xc1 at offset " + std::to_string(visitor.error_offset_));
    }
    throw Error(ErrorCode::kParseError, "truncated MessagePack");
  }
  if (off != data.size()) {
    throw Error(ErrorCode::kParseError, "trailing bytes after MessagePack object at offset " + std::to_string(off));
  }
  return builder.take();
}

}  // namespace wampbox
