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

void put_be(Bytes& out, std::uint64_t v, int nbytes) {
  for (int s = (nbytes - 1) * 8; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

// msgpack-python packb(use_bin_type=True).
class MsgPackFrameWriter {
 public:
  explicit MsgPackFrameWriter(Bytes& out) : out_(out) {}

  void begin_array(std::size_t n) {
    if (n < 16) {
      out_.push_back(static_cast<std::uint8_t>(0x90 | n));
    } else {
      out_.push_back(0xdc);
      put_be(out_, n, 2);
    }
  }
  void end_array() {}
  void uint(std::uint64_t u) {
    if (u < 128) {
      out_.push_back(static_cast<std::uint8_t>(u));
    } else if (u <= 0xff) {
      out_.push_back(0xcc);
      put_be(out_, u, 1);
    } else if (u <= 0xffff) {
      out_.push_back(0xcd);
      put_be(out_, u, 2);
    } else if (u <= 0xffffffffULL) {
      out_.push_back(0xce);
      put_be(out_, u, 4);
    } else {
      out_.push_back(0xcf);
      put_be(out_, u, 8);
    }
  }
  void sint(std::int64_t i) {
    if (i >= 0) return uint(static_cast<std::uint64_t>(i));
    auto u = static_cast<std::uint64_t>(i);
    if (i >= -32) {
      out_.push_back(static_cast<std::uint8_t>(i));
    } else if (i >= -128) {
      out_.push_back(0xd0);
      put_be(out_, u, 1);
    } else if (i >= -32768) {
      out_.push_back(0xd1);
      put_be(out_, u, 2);
    } else if (i >= -2147483648LL) {
      out_.push_back(0xd2);
      put_be(out_, u, 4);
    } else {
      out_.push_back(0xd3);
      put_be(out_, u, 8);
    }
  }
  void str(std::string_view s, const char* what) {
    check_utf8(s, what);
    length_head(s.size(), kStrHeads, "string too long for MessagePack");
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void options(const Object& o, bool skip_enc) {
    std::size_t n = 0;
    for (const auto& kv : o) n += (skip_enc && is_enc_key(kv.first)) ? 0 : 1;
    length_head(n, kMapHeads, "too many Options/Details entries for MessagePack");
    for (const auto& [k, v] : o) {
      if (skip_enc && is_enc_key(k)) continue;
      str(k, "Options key");
      msgpack_write_append(v, out_);
    }
  }
  void value(const Value& v) { msgpack_write_append(v, out_); }
  void binary(std::span<const std::uint8_t> b) {
    length_head(b.size(), kBinHeads, "payload too long for MessagePack");
    out_.insert(out_.end(), b.begin(), b.end());
  }

 private:
  // The markers of one family of length heads; 0 where the family has no such
  // form (bin has no fix form, map no 8-bit form).
  struct LengthHeads {
    std::uint8_t fix;          // fix | n for n < fix_limit
    std::size_t fix_limit;
    std::uint8_t m8, m16, m32;
  };
  static constexpr LengthHeads kStrHeads{0xa0, 32, 0xd9, 0xda, 0xdb};
  static constexpr LengthHeads kBinHeads{0, 0, 0xc4, 0xc5, 0xc6};
  static constexpr LengthHeads kMapHeads{0x80, 16, 0, 0xde, 0xdf};

  // The smallest head of the family for length n, as msgpack-python picks it.
  void length_head(std::size_t n, const LengthHeads& h, const char* too_long) {
    if (n < h.fix_limit) {
      out_.push_back(static_cast<std::uint8_t>(h.fix | n));
    } else if (h.m8 != 0 && n <= 0xff) {
      out_.push_back(h.m8);
      put_be(out_, n, 1);
    } else if (n <= 0xffff) {
      out_.push_back(h.m16);
      put_be(out_, n, 2);
    } else if (n <= 0xffffffffULL) {
      out_.push_back(h.m32);
      put_be(out_, n, 4);
    } else {
      throw Error(ErrorCode::kUnencodable, too_long);
    }
  }

  Bytes& out_;
};

// cbor2.dumps (definite lengths, shortest heads).
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
  void options(const Object& o, bool skip_enc) {
    std::size_t n = 0;
    for (const auto& kv : o) n += (skip_enc && is_enc_key(kv.first)) ? 0 : 1;
    head(5, n);
    for (const auto& [k, v] : o) {
      if (skip_enc && is_enc_key(k)) continue;
      str(k, "Options key");
      cbor_write_append(v, out_);
    }
  }
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
  std::size_t extra = 0;
  bool write_args = false, write_kwargs = false;
  if (payload_form) {
    extra = 1;
  } else if (m.kwargs && truthy(*m.kwargs)) {
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
    if (write_kwargs) w.value(*m.kwargs);
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
