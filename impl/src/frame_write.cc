// WAMP frame writers: frames byte-identical to Autobahn|Python's
// Message.marshal() + serializer (wampbox/frame.h).
//
// The writers write the frame directly (no Value tree for the frame itself):
// this is the benchmarked hot path. Only Options values and args/kwargs go
// through the shared value writers.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <msgpack.hpp>
#include <string>

#include "json_write_internal.h"
#include "message_internal.h"
#include "wampbox/cbor.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/frame.h"
#include "wampbox/json.h"
#include "wampbox/msgpack.h"

namespace wampbox {
namespace {

using internal::is_enc_key;

// Python truthiness, for Autobahn's `if self.payload:` / `if self.kwargs:`.
bool truthy(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull: return false;
    case Value::Kind::kBool: return v.as_bool();
    case Value::Kind::kInt: return v.as_int() != 0;
    case Value::Kind::kUInt: return true;
    case Value::Kind::kBigInt: return true;
    case Value::Kind::kFloat: return v.as_float() != 0.0;  // NaN is truthy, as in Python
    case Value::Kind::kString: return !v.as_string().empty();
    case Value::Kind::kBinary: return !v.as_binary().data.empty();
    case Value::Kind::kArray: return !v.as_array().empty();
    case Value::Kind::kObject: return !v.as_object().empty();
  }
  return false;
}

// ---------------------------------------------------------------------------
// Frame writers. Each writes one flat array whose elements are ids, strings,
// the Options dict, values and the binary payload.
// ---------------------------------------------------------------------------

void check_utf8(std::string_view s, const char* what) {
  if (!is_valid_utf8(s)) throw Error(ErrorCode::kInvalidUtf8, std::string(what) + " is not valid UTF-8");
}

// Autobahn's JSON frame: json.dumps(separators=(',', ':'), ensure_ascii=False)
// of the message list, written by json_write.cc's writer (one string escaper)
// straight into the Bytes frame through one Sink: no intermediate string, no
// copy. finish() must be called once the frame is complete.
class JsonFrameWriter {
 public:
  explicit JsonFrameWriter(Bytes& out) : sink_(out, 64) {}

  void begin_array(std::size_t /*n*/) { sink_.put('['); }
  void end_array() {
    sink_.put(']');
    sink_.finish();
  }
  void uint(std::uint64_t u) {
    sep();
    json_internal::write_integer(u, sink_);
  }
  void sint(std::int64_t i) {
    sep();
    json_internal::write_integer(i, sink_);
  }
  void str(std::string_view s, const char* /*what*/) {
    sep();
    json_internal::write_string(s, sink_);
  }
  void options(const Object& o, bool skip_enc) {
    sep();
    sink_.put('{');
    bool first = true;
    for (const auto& [k, v] : o) {
      if (skip_enc && is_enc_key(k)) continue;
      if (!first) sink_.put(',');
      first = false;
      json_internal::write_string(k, sink_);
      sink_.put(':');
      json_internal::write_value(v, sink_);
    }
    sink_.put('}');
  }
  void value(const Value& v) {
    sep();
    json_internal::write_value(v, sink_);
  }
  void binary(std::span<const std::uint8_t> b) {
    sep();
    // Room for the frame's closing ']' too: growing the sink for that one
    // byte would double (and zero-fill) a payload-sized buffer (+8% callgrind
    // instructions on sender/json/PUBLISH/small_rpc/65536 without this).
    sink_.ensure((b.size() + 2) / 3 * 4 + 9);
    json_internal::write_binary(b, sink_);
  }

 private:
  void sep() {
    if (need_comma_) sink_.put(',');
    need_comma_ = true;
  }

  json_internal::Sink<Bytes> sink_;
  bool need_comma_ = false;
};

// The Options/Details dict of the binary serializers, whose map head carries the entry count up front (JSON's
// writer needs no count and writes its own): count the entries written (enc_* left out when `skip_enc`), then
// w.map_head(n), then each key through w.str and value through w.value. Errors are the writer's (a key that is
// not UTF-8, a count its head cannot hold).
template <class W>
void write_counted_options(W& w, const Object& o, bool skip_enc) {
  std::size_t n = 0;
  for (const auto& kv : o) n += (skip_enc && is_enc_key(kv.first)) ? 0 : 1;
  w.map_head(n);
  for (const auto& [k, v] : o) {
    if (skip_enc && is_enc_key(k)) continue;
    w.str(k, "Options key");
    w.value(v);
  }
}

void put_be(Bytes& out, std::uint64_t v, int nbytes) {
  for (int s = (nbytes - 1) * 8; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

// msgpack-c's Stream: appends to the frame. Through uint8_t pointers, so that
// insert is a memmove (a const char* range into vector<uint8_t> is copied
// element by element: +30% on a 64 KiB frame in bench/bench_frame_heads.cc).
struct BytesStream {
  Bytes& out;
  void write(const char* p, std::size_t n) {
    const auto* b = reinterpret_cast<const std::uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
};

// msgpack-python packb(use_bin_type=True). The heads are msgpack-c's packer,
// which picks the same shortest forms as msgpack-python (fixstr/str8/16/32,
// bin8/16/32, fixmap/map16/32, fixint/uint8..64/int8..64); the lengths are
// checked here because the packer takes uint32_t. Measured against the former
// hand-written heads (issue 12 item 5; "writer" was encode_frame_into with
// those heads), whole sealed PUBLISH frames in bench/bench_frame_heads.cc, CPU
// median of 20 interleaved repetitions, Release, GCC 12, 2-core shared VM:
//   heads/frame/msgpack/writer/256 183.6 ns, lib/256 159.1 ns (lib/hand 0.87)
//   heads/frame/msgpack/writer/65536 1884 ns, lib/65536 1834 ns (lib/hand 0.97)
// from: wampbox_bench --inputs=DIR_WITH_EMPTY_MANIFEST --benchmark_filter='^heads/'
//   --benchmark_repetitions=20 --benchmark_enable_random_interleaving=true --benchmark_min_time=0.2
class MsgPackFrameWriter {
 public:
  explicit MsgPackFrameWriter(Bytes& out) : out_(out), stream_{out}, pk_(stream_) {}

  void begin_array(std::size_t n) { pk_.pack_array(checked_u32(n, "too many frame elements for MessagePack")); }
  void end_array() {}
  void uint(std::uint64_t u) { pk_.pack_uint64(u); }
  void sint(std::int64_t i) {
    if (i >= 0) {
      pk_.pack_uint64(static_cast<std::uint64_t>(i));
    } else {
      pk_.pack_int64(i);
    }
  }
  void str(std::string_view s, const char* what) {
    check_utf8(s, what);
    const std::uint32_t n = checked_u32(s.size(), "string too long for MessagePack");
    pk_.pack_str(n);
    pk_.pack_str_body(s.data(), n);
  }
  void map_head(std::size_t n) { pk_.pack_map(checked_u32(n, "too many Options/Details entries for MessagePack")); }
  void options(const Object& o, bool skip_enc) { write_counted_options(*this, o, skip_enc); }
  void value(const Value& v) { msgpack_write_append(v, out_); }
  void binary(std::span<const std::uint8_t> b) {
    const std::uint32_t n = checked_u32(b.size(), "payload too long for MessagePack");
    pk_.pack_bin(n);
    pk_.pack_bin_body(reinterpret_cast<const char*>(b.data()), n);
  }

 private:
  // MessagePack lengths are at most 2^32 - 1; longer is Error(kUnencodable).
  static std::uint32_t checked_u32(std::size_t n, const char* too_long) {
    if (n > 0xffffffffULL) throw Error(ErrorCode::kUnencodable, too_long);
    return static_cast<std::uint32_t>(n);
  }

  Bytes& out_;
  BytesStream stream_;
  msgpack::packer<BytesStream> pk_;
};

// cbor2.dumps (definite lengths, shortest heads).
//
// The heads stay hand-written (head() below) rather than libcbor's
// cbor_encode_uint / _array_start / _map_start / _string_start /
// _bytestring_start: through libcbor (out-of-line calls into a stack buffer,
// then appended) a whole sealed PUBLISH frame got slower by more than the 2%
// allowed by issue 12 item 5. CPU medians of 20 interleaved repetitions,
// Release, GCC 12, libcbor 0.8, 2-core shared VM, same run as the MessagePack
// figures above (byte-identical frames checked before timing):
//   heads/frame/cbor/writer/256 198.3 ns, lib/256 248.5 ns (lib/hand 1.25, +25%)
//   heads/frame/cbor/writer/65536 1874 ns, lib/65536 1910 ns (lib/hand 1.02, +2%)
// (an earlier run of the same command: 1.36 and 0.996 / 1.02). Command:
//   wampbox_bench --inputs=DIR_WITH_EMPTY_MANIFEST --benchmark_filter='^heads/'
//   --benchmark_repetitions=20 --benchmark_enable_random_interleaving=true --benchmark_min_time=0.2
class CborFrameWriter {
 public:
  explicit CborFrameWriter(Bytes& out) : out_(out) {}

  void begin_array(std::size_t n) { head(4, n); }
  void end_array() {}
  void uint(std::uint64_t u) { head(0, u); }
  void sint(std::int64_t i) {
    if (i >= 0) {
      head(0, static_cast<std::uint64_t>(i));
    } else {
      head(1, static_cast<std::uint64_t>(-(i + 1)));
    }
  }
  void str(std::string_view s, const char* what) {
    check_utf8(s, what);
    head(3, s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void map_head(std::size_t n) { head(5, n); }
  void options(const Object& o, bool skip_enc) { write_counted_options(*this, o, skip_enc); }
  void value(const Value& v) { cbor_write_append(v, out_); }
  void binary(std::span<const std::uint8_t> b) {
    head(2, b.size());
    out_.insert(out_.end(), b.begin(), b.end());
  }

 private:
  void head(std::uint8_t major, std::uint64_t v) {
    const auto m = static_cast<std::uint8_t>(major << 5);
    if (v < 24) {
      out_.push_back(static_cast<std::uint8_t>(m | v));
    } else if (v <= 0xff) {
      out_.push_back(m | 24);
      put_be(out_, v, 1);
    } else if (v <= 0xffff) {
      out_.push_back(m | 25);
      put_be(out_, v, 2);
    } else if (v <= 0xffffffffULL) {
      out_.push_back(m | 26);
      put_be(out_, v, 4);
    } else {
      out_.push_back(m | 27);
      put_be(out_, v, 8);
    }
  }
  Bytes& out_;
};

void check_encodable(const Message& m) {
  if (m.payload.has_value() && (m.args.has_value() || m.kwargs.has_value())) {
    throw Error(ErrorCode::kInvalidArgument, "a Message carries either payload or args/kwargs, not both");
  }
  // Autobahn's constructors: args list (PUBLISH also str/bytes) or None.
  const bool publish = m.type == MessageType::kPublish;
  auto scalar_ok = [&](const Value& v) {
    return publish && (v.kind() == Value::Kind::kString || v.kind() == Value::Kind::kBinary);
  };
  if (m.args && !(m.args->kind() == Value::Kind::kArray || m.args->is_null() || scalar_ok(*m.args))) {
    throw Error(ErrorCode::kInvalidArgument, "args must be an array or null");
  }
  // kwargs: a dict or None for every type (Autobahn's _validate_kwargs).
  if (m.kwargs && !(m.kwargs->kind() == Value::Kind::kObject || m.kwargs->is_null())) {
    throw Error(ErrorCode::kInvalidArgument, "kwargs must be an object or null");
  }
  switch (m.type) {
    case MessageType::kError:
    case MessageType::kPublish:
    case MessageType::kEvent:
    case MessageType::kCall:
    case MessageType::kResult:
    case MessageType::kInvocation:
    case MessageType::kYield:
      return;
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown message type");
}

template <class W>
void write_frame(W& w, const Message& m) {
  // Autobahn: `if self.payload:` -> payload form (enc_* written); otherwise
  // the plain form, where enc_* attributes are not written at all.
  const bool payload_form = m.payload.has_value() && !m.payload->empty();
  std::size_t fixed = 0;  // elements up to and including Options/URI
  switch (m.type) {
    case MessageType::kPublish:
    case MessageType::kCall:
    case MessageType::kEvent:
    case MessageType::kInvocation: fixed = 4; break;
    case MessageType::kYield:
    case MessageType::kResult: fixed = 3; break;
    case MessageType::kError: fixed = 5; break;
  }
  // Round trip (decode_frame must read back what is written; issue 11 item
  // 8): PUBLISH args str/bytes are taken by Publish.parse only with
  // ArgumentsKw after them (alone, a str is refused as a payload and bytes
  // become one), so the ArgumentsKw element is always written for them, {}
  // when kwargs is empty or absent (Autobahn's marshal() leaves it off; frame.h
  // says so). Args None before kwargs stay null, byte for byte as marshal()
  // (corpus frame_seal vectors); decode_frame accepts that PUBLISH shape.
  const bool publish_scalar_args = m.type == MessageType::kPublish && m.args && (m.args->kind() == Value::Kind::kString ||
                                                         m.args->kind() == Value::Kind::kBinary);
  std::size_t extra = 0;
  bool write_args = false, write_kwargs = false;
  if (payload_form) {
    extra = 1;
  } else if ((m.kwargs && truthy(*m.kwargs)) || publish_scalar_args) {
    write_args = write_kwargs = true;
    extra = 2;
  } else if (m.args && truthy(*m.args)) {
    write_args = true;
    extra = 1;
  }
  w.begin_array(fixed + extra);
  w.uint(static_cast<std::uint64_t>(m.type));
  const bool skip_enc = !payload_form;
  switch (m.type) {
    case MessageType::kPublish:
    case MessageType::kCall:
      w.uint(m.request);
      w.options(m.options, skip_enc);
      w.str(m.uri, "URI");
      break;
    case MessageType::kEvent:
      w.uint(m.subscription);
      w.uint(m.publication);
      w.options(m.options, skip_enc);
      break;
    case MessageType::kInvocation:
      w.uint(m.request);
      w.uint(m.registration);
      w.options(m.options, skip_enc);
      break;
    case MessageType::kYield:
    case MessageType::kResult:
      w.uint(m.request);
      w.options(m.options, skip_enc);
      break;
    case MessageType::kError:
      w.sint(m.request_type);
      w.uint(m.request);
      w.options(m.options, skip_enc);
      w.str(m.uri, "URI");
      break;
  }
  if (payload_form) {
    w.binary(*m.payload);
  } else {
    if (write_args) {
      if (m.args) {
        w.value(*m.args);
      } else {
        w.value(Value());  // Autobahn writes args=None as null before kwargs
      }
    }
    if (write_kwargs) {
      if (m.kwargs && !m.kwargs->is_null()) {
        w.value(*m.kwargs);
      } else {
        static const Value kEmptyObject{Object{}};
        w.value(kEmptyObject);
      }
    }
  }
  w.end_array();
}

}  // namespace

void encode_frame_into(const Message& m, Serializer s, Bytes& out) {
  check_encodable(m);
  out.clear();
  // One allocation for a fresh buffer: the payload dominates the frame.
  std::size_t estimate = 64 + m.uri.size() + 48 * m.options.size();
  if (m.payload) estimate += s == Serializer::kJson ? (m.payload->size() + 2) / 3 * 4 : m.payload->size();
  if (out.capacity() < estimate) out.reserve(estimate);
  switch (s) {
    case Serializer::kJson: {
      JsonFrameWriter w(out);
      try {
        write_frame(w, m);  // end_array() trims `out` to the frame
      } catch (...) {
        out.clear();  // not the sink's unwritten tail
        throw;
      }
      return;
    }
    case Serializer::kMsgPack: {
      MsgPackFrameWriter w(out);
      write_frame(w, m);
      return;
    }
    case Serializer::kCbor: {
      CborFrameWriter w(out);
      write_frame(w, m);
      return;
    }
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown serializer");
}

Bytes encode_frame(const Message& m, Serializer s) {
  Bytes out;
  encode_frame_into(m, s, out);
  return out;
}
}  // namespace wampbox
