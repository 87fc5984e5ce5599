// WAMP frame parsing with Autobahn|Python's Message.parse() checks
// (wampbox/frame.h): the frame is parsed into a Value tree with the shared
// parsers, then each class's checks are applied.
#include <array>
#include <cstring>
#include <limits>
#include <string>

#include "json_internal.h"
#include "message_internal.h"
#include "msgpack_cbor_common.h"
#include "wampbox/cbor.h"
#include "wampbox/error.h"
#include "wampbox/frame.h"
#include "wampbox/json.h"
#include "wampbox/msgpack.h"

namespace wampbox {
namespace {

using internal::find_key;
using internal::kEncAlgo;
using internal::kEncKey;
using internal::kEncSerializer;

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

const std::string& check_uri(const Value& v, MessageType t, std::string_view what) {
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

Value parse_frame_value(std::span<const std::uint8_t> frame, Serializer s, const DecodeLimits& limits,
                        json_internal::InPlaceReader& json, binary_detail::ValuePool& pool) {
  switch (s) {
    case Serializer::kJson: {
      std::uint8_t* in = json.input(frame.size());
      if (!frame.empty()) std::memcpy(in, frame.data(), frame.size());
      return json.parse(frame.size(), limits, &pool);
    }
    case Serializer::kMsgPack: return binary_detail::msgpack_parse_pooled(frame, limits, &pool);
    case Serializer::kCbor: return binary_detail::cbor_parse_pooled(frame, limits, &pool);
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown serializer");
}

Value parse_frame_value(std::span<const std::uint8_t> frame, Serializer s, const DecodeLimits& limits) {
  switch (s) {
    case Serializer::kJson: {
      thread_local JsonParser parser;
      // An empty span may have a null data(); hand the parser a real pointer.
      if (frame.empty()) return parser.parse(std::string_view("", 0), limits);
      return parser.parse(std::string_view(reinterpret_cast<const char*>(frame.data()), frame.size()), limits);
    }
    case Serializer::kMsgPack: return msgpack_parse(frame, limits);
    case Serializer::kCbor: return cbor_parse(frame, limits);
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown serializer");
}

// Fills `m` (as a default Message: the callers reset it) from the parsed
// frame, with Autobahn's checks. Moves the parts out of `root` by swapping,
// so that a reused `m`'s old buffers end up in `root` (FrameContext pools them).
void message_from_tree(Value& root, Message& m) {
  // WampSerializer.unserialize
  if (root.kind() != Value::Kind::kArray) protocol_error("invalid type for WAMP message (not a list)");
  Array& a = root.as_array();
  if (a.empty()) protocol_error("missing message type in WAMP message");
  if (a[0].kind() != Value::Kind::kInt) {
    if (is_int(a[0])) protocol_error("invalid WAMP message type");
    protocol_error("invalid type for WAMP message type");
  }
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
  if (t == MessageType::kPublish) m.uri.assign(check_uri(a[3], t, "topic"));  // assign: keeps m.uri's buffer
  if (t == MessageType::kCall) m.uri.assign(check_uri(a[3], t, "procedure"));
  if (t == MessageType::kError) m.uri.assign(check_uri(a[4], t, "error"));

  // Payload detection: exactly one element after the fixed part, binary.
  // PUBLISH/CALL/RESULT also route a str there, which their constructors
  // then reject (payload must be bytes); we reject it directly.
  const bool str_routes_to_payload =
      t == MessageType::kPublish || t == MessageType::kCall || t == MessageType::kResult;
  if (n == tail + 1 && a[tail].kind() == Value::Kind::kBinary) {
    // `root` is our own non-const tree; Value only offers const access to
    // Binary, so move the bytes out through const_cast instead of copying.
    if (!m.payload) m.payload.emplace();
    m.payload->swap(const_cast<Binary&>(a[tail].as_binary()).data);
    check_enc_options(a[opt_idx].as_object(), t);
  } else if (n == tail + 1 && str_routes_to_payload && a[tail].kind() == Value::Kind::kString) {
    protocol_error("invalid type str for payload in " + std::string(to_string(t)) + " (must be binary)");
  } else {
    const bool publish = t == MessageType::kPublish;
    if (n > tail) {
      const Value& args = a[tail];
      const auto k = args.kind();
      // PUBLISH: list, str or bytes; others: list or None. PUBLISH also takes
      // None before a non-empty ArgumentsKw, which Autobahn's Publish.parse
      // refuses although its marshal() writes it for args=None, kwargs={...}
      // (corpus tcId 408, "acceptable"; with empty kwargs, tcId 1483, it stays
      // refused): so that decode_frame reads every frame encode_frame writes
      // (issue 11 item 8).
      const bool null_before_kwargs = k == Value::Kind::kNull && n > tail + 1 &&
                                      a[tail + 1].kind() == Value::Kind::kObject &&
                                      !a[tail + 1].as_object().empty();
      const bool ok =
          publish ? (k == Value::Kind::kArray || k == Value::Kind::kString || k == Value::Kind::kBinary ||
                     null_before_kwargs)
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
  m.options.swap(a[opt_idx].as_object());
}

}  // namespace

Message decode_frame(std::span<const std::uint8_t> frame, Serializer s) {
  return decode_frame(frame, s, DecodeLimits{});
}

Message decode_frame(std::span<const std::uint8_t> frame, Serializer s, const DecodeLimits& limits) {
  Value root = parse_frame_value(frame, s, limits);
  Message m;
  message_from_tree(root, m);
  return m;
}

struct FrameContext::Impl {
  json_internal::InPlaceReader json{false};
  binary_detail::ValuePool pool;  // frames carry no secret: pooled buffers need no wiping
};

FrameContext::FrameContext() : impl_(std::make_unique<Impl>()) {}
FrameContext::~FrameContext() = default;
FrameContext::FrameContext(FrameContext&&) noexcept = default;
FrameContext& FrameContext::operator=(FrameContext&&) noexcept = default;

void decode_frame_into(std::span<const std::uint8_t> frame, Serializer s, Message& out, FrameContext& ctx) {
  decode_frame_into(frame, s, out, ctx, DecodeLimits{});
}

void decode_frame_into(std::span<const std::uint8_t> frame, Serializer s, Message& out, FrameContext& ctx,
                       const DecodeLimits& limits) {
  if (!ctx.impl_) ctx.impl_ = std::make_unique<FrameContext::Impl>();
  binary_detail::ValuePool& pool = ctx.impl_->pool;
  // The previous message's storage goes into the pool, in the order the
  // parsers build (options, then payload or args/kwargs).
  pool.recycle_members(out.options);
  if (out.payload) pool.recycle_bytes(*out.payload);
  if (out.args) pool.recycle(*out.args);
  if (out.kwargs) pool.recycle(*out.kwargs);
  out.args.reset();
  out.kwargs.reset();
  out.payload.reset();  // keeps nothing: its buffer is in the pool
  out.type = MessageType::kPublish;
  out.request_type = 0;
  out.request = out.subscription = out.publication = out.registration = 0;
  out.uri.clear();
  struct RecycleTree {
    binary_detail::ValuePool& pool;
    Value root;
    ~RecycleTree() { pool.recycle(root); }
  } tree{pool, Value()};
  try {
    tree.root = parse_frame_value(frame, s, limits, ctx.impl_->json, pool);
    message_from_tree(tree.root, out);
  } catch (...) {
    pool.recycle_members(out.options);
    if (out.payload) pool.recycle_bytes(*out.payload);
    out = Message();
    throw;
  }
}


}  // namespace wampbox
