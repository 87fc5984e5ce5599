// WAMP message codec: frames byte-identical to Autobahn|Python's
// Message.marshal() + serializer, and its Message.parse() checks.
//
// Encoders write the frame directly (no Value tree for the frame itself):
// this is the benchmarked hot path. Only Options values and args/kwargs go
// through the shared value writers. Decoders parse into a Value tree with the
// shared parsers and then apply Autobahn's per-class checks.
#include "wampbox/message.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <string>

#include "encoding_internal.h"
#include "wampbox/cbor.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/msgpack.h"

namespace wampbox {

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

std::string_view to_string(MessageType t) noexcept {
  switch (t) {
    case MessageType::kError: return "ERROR";
    case MessageType::kPublish: return "PUBLISH";
    case MessageType::kEvent: return "EVENT";
    case MessageType::kCall: return "CALL";
    case MessageType::kResult: return "RESULT";
    case MessageType::kInvocation: return "INVOCATION";
    case MessageType::kYield: return "YIELD";
  }
  return "UNKNOWN";
}

std::optional<MessageType> message_type_from_string(std::string_view name) noexcept {
  static constexpr std::array<MessageType, 7> kAll = {MessageType::kError,  MessageType::kPublish,
                                                      MessageType::kEvent,  MessageType::kCall,
                                                      MessageType::kResult, MessageType::kInvocation,
                                                      MessageType::kYield};
  for (MessageType t : kAll) {
    std::string_view n = to_string(t);
    if (n.size() != name.size()) continue;
    bool eq = true;
    for (std::size_t i = 0; i < n.size(); ++i) {
      char c = name[i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c != n[i]) {
        eq = false;
        break;
      }
    }
    if (eq) return t;
  }
  return std::nullopt;
}

std::string_view to_string(Serializer s) noexcept {
  switch (s) {
    case Serializer::kJson: return "json";
    case Serializer::kMsgPack: return "msgpack";
    case Serializer::kCbor: return "cbor";
  }
  return "unknown";
}

std::optional<Serializer> serializer_from_string(std::string_view name) noexcept {
  if (name == "json") return Serializer::kJson;
  if (name == "msgpack") return Serializer::kMsgPack;
  if (name == "cbor") return Serializer::kCbor;
  return std::nullopt;
}

namespace {

constexpr std::string_view kEncAlgo = "enc_algo";
constexpr std::string_view kEncKey = "enc_key";
constexpr std::string_view kEncSerializer = "enc_serializer";

bool is_enc_key(std::string_view k) noexcept { return k == kEncAlgo || k == kEncKey || k == kEncSerializer; }

bool has_uri_element(MessageType t) noexcept {
  return t == MessageType::kPublish || t == MessageType::kCall || t == MessageType::kError;
}

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

class JsonFrameWriter {
 public:
  explicit JsonFrameWriter(Bytes& out) : out_(out) {}

  void begin_array(std::size_t /*n*/) { out_.push_back('['); }
  void end_array() { out_.push_back(']'); }

  void uint(std::uint64_t u) {
    sep();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, u);
    out_.insert(out_.end(), buf, r.ptr);
  }
  void sint(std::int64_t i) {
    sep();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, i);
    out_.insert(out_.end(), buf, r.ptr);
  }
  void str(std::string_view s, const char* what) {
    sep();
    write_string(s, what);
  }
  void options(const Object& o, bool skip_enc) {
    sep();
    out_.push_back('{');
    bool first = true;
    for (const auto& [k, v] : o) {
      if (skip_enc && is_enc_key(k)) continue;
      if (!first) out_.push_back(',');
      first = false;
      write_string(k, "Options key");
      out_.push_back(':');
      write_value_raw(v);
    }
    out_.push_back('}');
  }
  void value(const Value& v) {
    sep();
    write_value_raw(v);
  }
  void binary(std::span<const std::uint8_t> b) {
    sep();
    // "\u0000" + base64, written straight into the frame.
    static constexpr char kPrefix[] = "\"\\u0000";
    out_.insert(out_.end(), kPrefix, kPrefix + 7);
    base64_append(b);
    out_.push_back('"');
  }

 private:
  void sep() {
    if (need_comma_) out_.push_back(',');
    need_comma_ = true;
  }

  void write_value_raw(const Value& v) {
    thread_local std::string scratch;
    scratch.clear();
    json_write_append(v, scratch);
    out_.insert(out_.end(), scratch.begin(), scratch.end());
  }

  // Python json.dumps(ensure_ascii=False) string escaping.
  void write_string(std::string_view s, const char* what) {
    check_utf8(s, what);
    static constexpr char kHex[] = "0123456789abcdef";
    out_.push_back('"');
    std::size_t run = 0;  // start of the current unescaped run
    for (std::size_t i = 0; i < s.size(); ++i) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.insert(out_.end(), s.begin() + static_cast<std::ptrdiff_t>(run), s.begin() + static_cast<std::ptrdiff_t>(i));
      run = i + 1;
      out_.push_back('\\');
      switch (c) {
        case '"': out_.push_back('"'); break;
        case '\\': out_.push_back('\\'); break;
        case '\n': out_.push_back('n'); break;
        case '\r': out_.push_back('r'); break;
        case '\t': out_.push_back('t'); break;
        case '\b': out_.push_back('b'); break;
        case '\f': out_.push_back('f'); break;
        default: {
          const char esc[5] = {'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out_.insert(out_.end(), esc, esc + 5);
        }
      }
    }
    out_.insert(out_.end(), s.begin() + static_cast<std::ptrdiff_t>(run), s.end());
    out_.push_back('"');
  }

  // Standard padded base64, written by encoding.cc's (SIMD) encoder straight
  // into the Bytes frame so that the payload is not copied through a string.
  void base64_append(std::span<const std::uint8_t> in) {
    const std::size_t start = out_.size();
    out_.resize(start + (in.size() + 2) / 3 * 4);
    encoding_base64_encode_raw(in.data(), in.size(), reinterpret_cast<char*>(out_.data() + start));
  }

  Bytes& out_;
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

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

[[noreturn]] void protocol_error(std::string msg) { throw Error(ErrorCode::kProtocolError, std::move(msg)); }

bool is_int(const Value& v) noexcept {
  auto k = v.kind();
  return k == Value::Kind::kInt || k == Value::Kind::kUInt || k == Value::Kind::kBigInt;
}

bool is_negative_int(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kInt: return v.as_int() < 0;
    case Value::Kind::kBigInt: return !v.as_bigint().decimal.empty() && v.as_bigint().decimal[0] == '-';
    default: return false;
  }
}

std::string where(MessageType t, std::string_view what) {
  std::string s = "'";
  s += what;
  s += "' in ";
  s += to_string(t);
  return s;
}

// check_or_raise_id: an int in [0, 2^53].
std::uint64_t check_id(const Value& v, MessageType t, std::string_view what) {
  if (!is_int(v)) protocol_error("invalid type for ID " + where(t, what));
  if (v.kind() != Value::Kind::kInt || v.as_int() < 0 || v.as_int() > (std::int64_t{1} << 53)) {
    protocol_error("invalid value for ID " + where(t, what));
  }
  return static_cast<std::uint64_t>(v.as_int());
}

// Python's str.isspace() code points, which `\s` matches in Autobahn's URI
// patterns.
bool is_python_space(char32_t c) noexcept {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

// check_or_raise_uri (loose, no empty components):
// ^([^\s\.#]+\.)*([^\s\.#]+)$ with re.match. Python's `$` also matches just
// before a final "\n", so "a.b\n" is accepted exactly as Autobahn accepts it.
bool is_loose_uri(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (s.empty()) return false;
  std::size_t component_len = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    char32_t cp;
    std::size_t len;
    // Input is valid UTF-8 (the parsers check), so decoding is simple.
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if (c < 0xe0) {
      cp = c & 0x1f;
      len = 2;
    } else if (c < 0xf0) {
      cp = c & 0x0f;
      len = 3;
    } else {
      cp = c & 0x07;
      len = 4;
    }
    if (i + len > s.size()) return false;
    for (std::size_t j = 1; j < len; ++j) cp = (cp << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3f);
    i += len;
    if (cp == '.') {
      if (component_len == 0) return false;
      component_len = 0;
      continue;
    }
    if (cp == '#' || is_python_space(cp)) return false;
    ++component_len;
  }
  return component_len > 0;
}

std::string check_uri(const Value& v, MessageType t, std::string_view what) {
  if (v.kind() != Value::Kind::kString) protocol_error("invalid type for URI " + where(t, what));
  if (!is_loose_uri(v.as_string())) protocol_error("invalid value for URI " + where(t, what));
  return v.as_string();
}

// Autobahn's _CUSTOM_ATTRIBUTE: ^x_([a-z][\da-z_]+)?$ (again `$` allows a
// final "\n").
bool is_custom_attribute(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (s.size() < 2 || s[0] != 'x' || s[1] != '_') return false;
  std::string_view rest = s.substr(2);
  if (rest.empty()) return true;
  if (rest.size() < 2 || !(rest[0] >= 'a' && rest[0] <= 'z')) return false;
  for (char c : rest.substr(1)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool is_valid_enc_algo(const Value& v) {
  if (v.kind() != Value::Kind::kString) return false;
  const std::string& s = v.as_string();
  return s == "cryptobox" || s == "mqtt" || s == "xbr" || is_custom_attribute(s);
}

bool is_valid_enc_serializer(const Value& v) {
  if (v.kind() != Value::Kind::kString) return false;
  const std::string& s = v.as_string();
  return s == "json" || s == "msgpack" || s == "cbor" || s == "ubjson" || s == "flatbuffers" ||
         is_custom_attribute(s);
}

const Value* find_key(const Object& o, std::string_view key) {
  for (const auto& kv : o) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

// Payload form: enc_* checks of parse() plus the constructor's assertions
// (which make falsy-but-not-None values and enc_key/enc_serializer without
// enc_algo fail too).
void check_enc_options(const Object& options, MessageType t) {
  const Value* algo = find_key(options, kEncAlgo);
  const Value* key = find_key(options, kEncKey);
  const Value* ser = find_key(options, kEncSerializer);
  if (algo && algo->is_null()) algo = nullptr;  // options.get() returns None either way
  if (key && key->is_null()) key = nullptr;
  if (ser && ser->is_null()) ser = nullptr;
  if (algo && !is_valid_enc_algo(*algo)) protocol_error("invalid value for 'enc_algo' option in " + std::string(to_string(t)));
  if (key && key->kind() != Value::Kind::kString) {
    protocol_error("invalid type for 'enc_key' option in " + std::string(to_string(t)));
  }
  if (ser && !is_valid_enc_serializer(*ser)) {
    protocol_error("invalid value for 'enc_serializer' option in " + std::string(to_string(t)));
  }
  if (!algo && (key || ser)) protocol_error("enc_key/enc_serializer without enc_algo in " + std::string(to_string(t)));
}

enum class Check { kBool, kInt, kNonNegInt, kString, kIntList, kStringList, kForwardFor };
struct OptionRule {
  std::string_view key;
  Check check;
};

constexpr OptionRule kPublishRules[] = {
    {"acknowledge", Check::kBool},          {"exclude_me", Check::kBool},
    {"exclude", Check::kIntList},           {"exclude_authid", Check::kStringList},
    {"exclude_authrole", Check::kStringList}, {"eligible", Check::kIntList},
    {"eligible_authid", Check::kStringList}, {"eligible_authrole", Check::kStringList},
    {"retain", Check::kBool},               {"transaction_hash", Check::kString},
    {"forward_for", Check::kForwardFor},
};
constexpr OptionRule kEventRules[] = {
    {"publisher", Check::kInt},       {"publisher_authid", Check::kString},
    {"publisher_authrole", Check::kString}, {"topic", Check::kString},
    {"retained", Check::kBool},       {"transaction_hash", Check::kString},
    {"x_acknowledged_delivery", Check::kBool}, {"forward_for", Check::kForwardFor},
};
constexpr OptionRule kCallRules[] = {
    {"timeout", Check::kNonNegInt}, {"receive_progress", Check::kBool}, {"transaction_hash", Check::kString},
    {"caller", Check::kInt},        {"caller_authid", Check::kString},  {"caller_authrole", Check::kString},
    {"forward_for", Check::kForwardFor},
};
constexpr OptionRule kInvocationRules[] = {
    {"timeout", Check::kNonNegInt},     {"receive_progress", Check::kBool}, {"caller", Check::kInt},
    {"caller_authid", Check::kString},  {"caller_authrole", Check::kString}, {"procedure", Check::kString},
    {"transaction_hash", Check::kString}, {"forward_for", Check::kForwardFor},
};
constexpr OptionRule kYieldResultRules[] = {
    {"progress", Check::kBool},         {"callee", Check::kInt},
    {"callee_authid", Check::kString},  {"callee_authrole", Check::kString},
    {"forward_for", Check::kForwardFor},
};
constexpr OptionRule kErrorRules[] = {
    {"callee", Check::kInt},
    {"callee_authid", Check::kString},
    {"callee_authrole", Check::kString},
    {"forward_for", Check::kForwardFor},
};

std::span<const OptionRule> rules_for(MessageType t) {
  switch (t) {
    case MessageType::kPublish: return kPublishRules;
    case MessageType::kEvent: return kEventRules;
    case MessageType::kCall: return kCallRules;
    case MessageType::kInvocation: return kInvocationRules;
    case MessageType::kYield:
    case MessageType::kResult: return kYieldResultRules;
    case MessageType::kError: return kErrorRules;
  }
  return {};
}

bool check_value(const Value& v, Check c) {
  switch (c) {
    case Check::kBool: return v.kind() == Value::Kind::kBool;
    case Check::kInt: return is_int(v);
    case Check::kNonNegInt: return is_int(v) && !is_negative_int(v);
    case Check::kString: return v.kind() == Value::Kind::kString;
    case Check::kIntList:
    case Check::kStringList: {
      if (v.kind() != Value::Kind::kArray) return false;
      for (const Value& e : v.as_array()) {
        if (c == Check::kIntList ? !is_int(e) : e.kind() != Value::Kind::kString) return false;
      }
      return true;
    }
    case Check::kForwardFor: {
      // parse() only requires a list (its per-entry loop cannot fail); the
      // constructor then asserts each entry: dict with session int, authid
      // (str or None) and authrole str.
      if (v.kind() != Value::Kind::kArray) return false;
      for (const Value& ff : v.as_array()) {
        if (ff.kind() != Value::Kind::kObject) return false;
        const Value* session = ff.find("session");
        const Value* authid = ff.find("authid");
        const Value* authrole = ff.find("authrole");
        if (!session || !is_int(*session)) return false;
        if (!authid || !(authid->is_null() || authid->kind() == Value::Kind::kString)) return false;
        if (!authrole || authrole->kind() != Value::Kind::kString) return false;
      }
      return true;
    }
  }
  return false;
}

void check_options(const Object& options, MessageType t) {
  for (const OptionRule& r : rules_for(t)) {
    const Value* v = find_key(options, r.key);
    if (v && !check_value(*v, r.check)) {
      protocol_error("invalid type/value for '" + std::string(r.key) + "' option in " + std::string(to_string(t)));
    }
  }
}

Value parse_frame_value(std::span<const std::uint8_t> frame, Serializer s) {
  switch (s) {
    case Serializer::kJson: {
      thread_local JsonParser parser;
      // An empty span may have a null data(); hand the parser a real pointer.
      if (frame.empty()) return parser.parse(std::string_view("", 0));
      return parser.parse(std::string_view(reinterpret_cast<const char*>(frame.data()), frame.size()));
    }
    case Serializer::kMsgPack: return msgpack_parse(frame);
    case Serializer::kCbor: return cbor_parse(frame);
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown serializer");
}

}  // namespace

// ---------------------------------------------------------------------------
// Public codec
// ---------------------------------------------------------------------------

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
      write_frame(w, m);
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

Message decode_frame(std::span<const std::uint8_t> frame, Serializer s) {
  Value root = parse_frame_value(frame, s);
  // WampSerializer.unserialize
  if (root.kind() != Value::Kind::kArray) protocol_error("invalid type for WAMP message (not a list)");
  Array& a = root.as_array();
  if (a.empty()) protocol_error("missing message type in WAMP message");
  if (a[0].kind() != Value::Kind::kInt) {
    if (is_int(a[0])) protocol_error("invalid WAMP message type");
    protocol_error("invalid type for WAMP message type");
  }
  Message m;
  switch (a[0].as_int()) {
    case 8: m.type = MessageType::kError; break;
    case 16: m.type = MessageType::kPublish; break;
    case 36: m.type = MessageType::kEvent; break;
    case 48: m.type = MessageType::kCall; break;
    case 50: m.type = MessageType::kResult; break;
    case 68: m.type = MessageType::kInvocation; break;
    case 70: m.type = MessageType::kYield; break;
    default: protocol_error("unsupported WAMP message type " + std::to_string(a[0].as_int()));
  }
  const MessageType t = m.type;
  const std::size_t n = a.size();

  // Element count and index of Options, URI (if any), first payload element.
  std::size_t min_len = 0, opt_idx = 0, tail = 0;
  switch (t) {
    case MessageType::kPublish:
    case MessageType::kCall: min_len = 4, opt_idx = 2, tail = 4; break;
    case MessageType::kEvent:
    case MessageType::kInvocation: min_len = 4, opt_idx = 3, tail = 4; break;
    case MessageType::kYield:
    case MessageType::kResult: min_len = 3, opt_idx = 2, tail = 3; break;
    case MessageType::kError: min_len = 5, opt_idx = 3, tail = 5; break;
  }
  if (n < min_len || n > min_len + 2) {
    protocol_error("invalid message length " + std::to_string(n) + " for " + std::string(to_string(t)));
  }

  switch (t) {
    case MessageType::kPublish:
    case MessageType::kCall:
    case MessageType::kYield:
    case MessageType::kResult: m.request = check_id(a[1], t, "request"); break;
    case MessageType::kEvent:
      m.subscription = check_id(a[1], t, "subscription");
      m.publication = check_id(a[2], t, "publication");
      break;
    case MessageType::kInvocation:
      m.request = check_id(a[1], t, "request");
      m.registration = check_id(a[2], t, "registration");
      break;
    case MessageType::kError: {
      if (a[1].kind() != Value::Kind::kInt) protocol_error("invalid type for 'request_type' in ERROR");
      const std::int64_t rt = a[1].as_int();
      // SUBSCRIBE, UNSUBSCRIBE, PUBLISH, REGISTER, UNREGISTER, CALL, INVOCATION
      if (rt != 32 && rt != 34 && rt != 16 && rt != 64 && rt != 66 && rt != 48 && rt != 68) {
        protocol_error("invalid value " + std::to_string(rt) + " for 'request_type' in ERROR");
      }
      m.request_type = rt;
      m.request = check_id(a[2], t, "request");
      break;
    }
  }

  // check_or_raise_extra (the parsers only produce string keys).
  if (a[opt_idx].kind() != Value::Kind::kObject) {
    protocol_error("invalid type for WAMP extra " + where(t, opt_idx == 2 ? "options" : "details"));
  }
  if (t == MessageType::kPublish) m.uri = check_uri(a[3], t, "topic");
  if (t == MessageType::kCall) m.uri = check_uri(a[3], t, "procedure");
  if (t == MessageType::kError) m.uri = check_uri(a[4], t, "error");

  // Payload detection: exactly one element after the fixed part, binary.
  // PUBLISH/CALL/RESULT also route a str there, which their constructors
  // then reject (payload must be bytes); we reject it directly.
  const bool str_routes_to_payload =
      t == MessageType::kPublish || t == MessageType::kCall || t == MessageType::kResult;
  if (n == tail + 1 && a[tail].kind() == Value::Kind::kBinary) {
    // `root` is our own non-const tree; Value only offers const access to
    // Binary, so move the bytes out through const_cast instead of copying.
    m.payload = std::move(const_cast<Binary&>(a[tail].as_binary()).data);
    check_enc_options(a[opt_idx].as_object(), t);
  } else if (n == tail + 1 && str_routes_to_payload && a[tail].kind() == Value::Kind::kString) {
    protocol_error("invalid type str for payload in " + std::string(to_string(t)) + " (must be binary)");
  } else {
    const bool publish = t == MessageType::kPublish;
    if (n > tail) {
      const Value& args = a[tail];
      const auto k = args.kind();
      // PUBLISH: list, str or bytes (not None); others: list or None.
      const bool ok = publish ? (k == Value::Kind::kArray || k == Value::Kind::kString || k == Value::Kind::kBinary)
                              : (k == Value::Kind::kArray || k == Value::Kind::kNull);
      if (!ok) protocol_error("invalid type for 'args' in " + std::string(to_string(t)));
      m.args = std::move(a[tail]);
    }
    if (n > tail + 1) {
      // Publish.parse lets str/bytes through, but its constructor's
      // _validate_kwargs then rejects anything but a dict, as for all types.
      const bool ok = a[tail + 1].kind() == Value::Kind::kObject;
      if (!ok) protocol_error("invalid type for 'kwargs' in " + std::string(to_string(t)));
      m.kwargs = std::move(a[tail + 1]);
    }
  }
  check_options(a[opt_idx].as_object(), t);
  m.options = std::move(a[opt_idx].as_object());
  return m;
}

// ---------------------------------------------------------------------------
// Encryption glue
// ---------------------------------------------------------------------------

Role seal_role(MessageType t) {
  switch (t) {
    case MessageType::kPublish:
    case MessageType::kCall: return Role::kOriginator;
    case MessageType::kYield:
    case MessageType::kError: return Role::kResponder;
    default: break;
  }
  throw Error(ErrorCode::kInvalidArgument,
              std::string("a client does not seal ") + std::string(to_string(t)) + " messages (a router forwards them)");
}

Role open_role(MessageType t) {
  switch (t) {
    case MessageType::kEvent:
    case MessageType::kInvocation: return Role::kResponder;
    case MessageType::kResult:
    case MessageType::kError: return Role::kOriginator;
    default: break;
  }
  throw Error(ErrorCode::kInvalidArgument,
              std::string("a client does not open ") + std::string(to_string(t)) + " messages (it sends them)");
}

std::span<const std::string_view> keys_after_enc(MessageType t) noexcept {
  static constexpr std::string_view kPublish[] = {"forward_for"};
  static constexpr std::string_view kCall[] = {"caller", "caller_authid", "caller_authrole", "forward_for"};
  switch (t) {
    case MessageType::kPublish: return kPublish;
    case MessageType::kCall: return kCall;
    default: return {};
  }
}

namespace {

// The URI a payload is keyed and checked by. EVENT Details.topic and
// INVOCATION Details.procedure win over the caller's URI, as in Autobahn's
// session (`msg.topic or subscription.topic`): with a pattern-based
// subscription/registration the caller only knows the pattern.
std::optional<std::string_view> resolve_uri(const Message& m, std::optional<std::string_view> uri) {
  const char* key = m.type == MessageType::kEvent ? "topic" : m.type == MessageType::kInvocation ? "procedure" : nullptr;
  if (key) {
    const Value* v = find_key(m.options, key);
    if (v && v->kind() == Value::Kind::kString && !v->as_string().empty()) return std::string_view(v->as_string());
  }
  if (uri) return uri;
  if (!m.uri.empty() || has_uri_element(m.type)) return std::string_view(m.uri);
  return std::nullopt;
}

void insert_enc_options(Object& options, std::string_view algo, const std::optional<std::string>& key,
                        std::string_view serializer, MessageType t) {
  std::erase_if(options, [](const auto& kv) { return is_enc_key(kv.first); });
  auto after = keys_after_enc(t);
  auto pos = std::find_if(options.begin(), options.end(), [&](const auto& kv) {
    return std::find(after.begin(), after.end(), std::string_view(kv.first)) != after.end();
  });
  Object enc;
  enc.emplace_back(std::string(kEncAlgo), Value(algo));
  if (key) enc.emplace_back(std::string(kEncKey), Value(*key));
  enc.emplace_back(std::string(kEncSerializer), Value(serializer));
  options.insert(pos, std::make_move_iterator(enc.begin()), std::make_move_iterator(enc.end()));
}

}  // namespace

std::optional<Message> seal_message_with_role(const PayloadCodec& codec, Role role, const Message& m,
                                              std::optional<std::string_view> uri,
                                              const std::array<std::uint8_t, kNonceBytes>* fixed_nonce) {
  if (m.payload) throw Error(ErrorCode::kInvalidArgument, "message is already encrypted");
  auto key_uri = resolve_uri(m, uri);
  if (!key_uri) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(to_string(m.type)) + " carries no URI: pass the URI the payload is for");
  }
  static const Value kNull;
  const Value& args = m.args ? *m.args : kNull;
  const Value& kwargs = m.kwargs ? *m.kwargs : kNull;
  thread_local std::string scratch;
  Bytes payload;
  if (!codec.encode_into(role, *key_uri, args, kwargs, payload, scratch, fixed_nonce)) return std::nullopt;
  Message out;
  out.type = m.type;
  out.request_type = m.request_type;
  out.request = m.request;
  out.subscription = m.subscription;
  out.publication = m.publication;
  out.registration = m.registration;
  out.options = m.options;
  out.uri = m.uri;
  out.payload = std::move(payload);
  insert_enc_options(out.options, kEncAlgoCryptobox, std::nullopt, kEncSerializerJson, m.type);
  return out;
}

std::optional<Message> seal_message(const PayloadCodec& codec, const Message& m, std::optional<std::string_view> uri,
                                    const std::array<std::uint8_t, kNonceBytes>* fixed_nonce) {
  return seal_message_with_role(codec, seal_role(m.type), m, uri, fixed_nonce);
}

Message open_message_with_role(const PayloadCodec& codec, Role role, const Message& m,
                               std::optional<std::string_view> uri, std::string* decrypted_uri) {
  if (!m.payload) throw Error(ErrorCode::kInvalidArgument, "message is not encrypted (no payload)");
  auto envelope_uri = resolve_uri(m, uri);
  if (!envelope_uri) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(to_string(m.type)) + " carries no URI: pass the URI the payload is expected for");
  }
  EncodedPayload enc;
  auto str_opt = [&](std::string_view k) -> std::optional<std::string> {
    const Value* v = find_key(m.options, k);
    if (v && v->kind() == Value::Kind::kString) return v->as_string();
    return std::nullopt;
  };
  // Absent attributes become "" so that PayloadCodec::decode reports them
  // as unsupported (Autobahn compares with "cryptobox" / "json").
  enc.enc_algo = str_opt(kEncAlgo).value_or("");
  enc.enc_serializer = str_opt(kEncSerializer).value_or("");
  enc.enc_key = str_opt(kEncKey);
  enc.payload = *m.payload;
  DecodedPayload dec = codec.decode(role, *envelope_uri, enc);

  Message out;
  out.type = m.type;
  out.request_type = m.request_type;
  out.request = m.request;
  out.subscription = m.subscription;
  out.publication = m.publication;
  out.registration = m.registration;
  out.options = m.options;
  std::erase_if(out.options, [](const auto& kv) { return is_enc_key(kv.first); });
  out.uri = m.uri;
  if (!dec.args.is_null()) out.args = std::move(dec.args);
  if (!dec.kwargs.is_null()) out.kwargs = std::move(dec.kwargs);
  if (decrypted_uri) *decrypted_uri = std::move(dec.uri);
  return out;
}

Message open_message(const PayloadCodec& codec, const Message& m, std::optional<std::string_view> uri,
                     std::string* decrypted_uri) {
  return open_message_with_role(codec, open_role(m.type), m, uri, decrypted_uri);
}

}  // namespace wampbox
