// Runs the wampbox reference implementation (impl/) against the conformance
// corpus in fixtures/ (see fixtures/README.md for the format and operations).
//
// The reader is strict in the manner of BoringSSL's file_test: a missing file,
// a file the manifest does not list, an unknown field, or a field that no
// check consumed is a failure, so the corpus and this runner cannot drift
// apart silently. Every vector runs under SCOPED_TRACE(file, tcId, comment).
//
// Judgement (fixtures/README.md, "File format"): valid -> accepted with the
// exact outputs; invalid -> rejected with a wampbox::Error (its code is
// compared with the vector's `error`); acceptable -> either, outputs equal if
// accepted, except where wampbox documents its policy (kPolicy below). Every
// valid vector is re-run with a flipped byte and with trailing garbage in its
// authenticated or structural input, which must fail ("Derived negative
// checks"). Counts per file, per result and per flag are printed.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wampbox/cryptobox.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/keyring.h"
#include "wampbox/keys.h"
#include "wampbox/message.h"
#include "wampbox/value.h"

namespace wampbox::conformance {
namespace {

namespace dom = simdjson::dom;
namespace fs = std::filesystem;

const char* const kVectorFiles[] = {
    "crypto_box_test.json",   "keyring_test.json",         "payload_test.json",
    "message_json_test.json", "message_msgpack_test.json", "message_cbor_test.json",
};

std::string FixturesDir() {
  if (const char* env = std::getenv("WAMPBOX_FIXTURES")) return env;
  return WAMPBOX_FIXTURES_DIR;
}

// A corpus/runner mismatch (missing or ill-typed field): the vector fails.
struct CorpusError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------
// Strict reader: every member of every object must be consumed.

class Obj {
 public:
  Obj(dom::element e, std::string where) : where_(std::move(where)) {
    if (e.type() != dom::element_type::OBJECT) throw CorpusError(where_ + ": not an object");
    obj_ = dom::object(e);
    for (auto field : obj_) keys_.emplace_back(field.key);
  }
  Obj(const Obj&) = delete;
  Obj& operator=(const Obj&) = delete;
  ~Obj() = default;

  bool has(std::string_view k) const {
    for (const auto& key : keys_) {
      if (key == k) return true;
    }
    return false;
  }
  dom::element get(std::string_view k) {
    auto r = obj_.at_key(k);
    if (r.error()) throw CorpusError(where_ + ": missing field '" + std::string(k) + "'");
    consumed_.insert(std::string(k));
    return r.value_unsafe();
  }
  std::optional<dom::element> opt(std::string_view k) {
    if (!has(k)) return std::nullopt;
    return get(k);
  }
  bool is_null(std::string_view k) { return get(k).type() == dom::element_type::NULL_VALUE; }
  std::string str(std::string_view k) {
    auto e = get(k);
    if (e.type() != dom::element_type::STRING) throw CorpusError(where_ + ": '" + std::string(k) + "' not a string");
    return std::string(std::string_view(e));
  }
  std::optional<std::string> str_or_null(std::string_view k) {
    if (is_null(k)) return std::nullopt;
    return str(k);
  }
  std::int64_t i64(std::string_view k) {
    auto e = get(k);
    if (e.type() == dom::element_type::INT64) return std::int64_t(e);
    if (e.type() == dom::element_type::UINT64) return static_cast<std::int64_t>(std::uint64_t(e));
    throw CorpusError(where_ + ": '" + std::string(k) + "' not an integer");
  }
  Bytes hex(std::string_view k) {
    std::string s = str(k);
    for (char c : s) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        throw CorpusError(where_ + ": '" + std::string(k) + "' is not lowercase hex");
      }
    }
    return hex_decode(s);
  }
  std::optional<Bytes> hex_or_null(std::string_view k) {
    if (is_null(k)) return std::nullopt;
    return hex(k);
  }
  template <std::size_t N>
  std::array<std::uint8_t, N> fixed(std::string_view k) {
    Bytes b = hex(k);
    if (b.size() != N) throw CorpusError(where_ + ": '" + std::string(k) + "' is not " + std::to_string(N) + " bytes");
    std::array<std::uint8_t, N> a{};
    std::copy(b.begin(), b.end(), a.begin());
    return a;
  }
  // Fails the current test for every member nobody read.
  void finish() const {
    for (const auto& k : keys_) {
      if (!consumed_.count(k)) ADD_FAILURE() << where_ << ": field '" << k << "' was not consumed (unknown field?)";
    }
  }
  const std::string& where() const { return where_; }

 private:
  dom::object obj_;
  std::string where_;
  std::vector<std::string> keys_;
  std::set<std::string> consumed_;
};

std::vector<dom::element> Array(dom::element e, const std::string& where) {
  if (e.type() != dom::element_type::ARRAY) throw CorpusError(where + ": not an array");
  std::vector<dom::element> out;
  for (auto x : dom::array(e)) out.push_back(x);
  return out;
}

// Typed values (fixtures/README.md, "Values").
Value ToValue(dom::element e, const std::string& where) {
  Obj o(e, where);
  Value v;
  if (o.has("null")) {
    if (!o.is_null("null")) throw CorpusError(where + ": null must be null");
  } else if (o.has("bool")) {
    auto b = o.get("bool");
    if (b.type() != dom::element_type::BOOL) throw CorpusError(where + ": bool");
    v = Value(bool(b));
  } else if (o.has("int")) {
    v = Value::integer_from_decimal(o.str("int"));
  } else if (o.has("float")) {
    Bytes b = o.hex("float");
    if (b.size() != 8) throw CorpusError(where + ": float is not 8 bytes");
    std::uint64_t bits = 0;
    for (auto c : b) bits = bits << 8 | c;
    v = Value(std::bit_cast<double>(bits));
  } else if (o.has("str")) {
    v = Value(o.str("str"));
  } else if (o.has("bytes")) {
    v = Value(Binary{o.hex("bytes")});
  } else if (o.has("list")) {
    wampbox::Array a;
    int i = 0;
    for (auto x : conformance::Array(o.get("list"), where)) a.push_back(ToValue(x, where + "[" + std::to_string(i++) + "]"));
    v = Value(std::move(a));
  } else if (o.has("dict")) {
    Object d;
    for (auto pair : conformance::Array(o.get("dict"), where)) {
      auto kv = conformance::Array(pair, where);
      if (kv.size() != 2 || kv[0].type() != dom::element_type::STRING) throw CorpusError(where + ": dict pair");
      std::string key{std::string_view(kv[0])};
      d.emplace_back(key, ToValue(kv[1], where + "." + key));
    }
    v = Value(std::move(d));
  } else {
    throw CorpusError(where + ": not a typed value");
  }
  o.finish();
  return v;
}

// Diagnostics: a value in the corpus's typed notation, shortened.
std::string Show(const Value& v) {
  std::ostringstream s;
  switch (v.kind()) {
    case Value::Kind::kNull: s << "null"; break;
    case Value::Kind::kBool: s << (v.as_bool() ? "true" : "false"); break;
    case Value::Kind::kInt: s << v.as_int(); break;
    case Value::Kind::kUInt: s << v.as_uint() << "u"; break;
    case Value::Kind::kBigInt: s << v.as_bigint().decimal << "n"; break;
    case Value::Kind::kFloat: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g(%016llx)", v.as_float(),
                    static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(v.as_float())));
      s << buf;
      break;
    }
    case Value::Kind::kString: s << '"' << v.as_string().substr(0, 80) << '"'; break;
    case Value::Kind::kBinary: s << "b'" << hex_encode(v.as_binary().data).substr(0, 80) << "'"; break;
    case Value::Kind::kArray: {
      s << '[';
      for (std::size_t i = 0; i < v.as_array().size(); ++i) s << (i ? "," : "") << Show(v.as_array()[i]);
      s << ']';
      break;
    }
    case Value::Kind::kObject: {
      s << '{';
      bool first = true;
      for (const auto& [k, x] : v.as_object()) {
        s << (first ? "" : ",") << k << ':' << Show(x);
        first = false;
      }
      s << '}';
      break;
    }
  }
  std::string out = s.str();
  return out.size() > 600 ? out.substr(0, 600) + "..." : out;
}

std::string Show(const Message& m) {
  std::ostringstream s;
  s << to_string(m.type) << "{req=" << m.request << " rt=" << m.request_type << " sub=" << m.subscription
    << " pub=" << m.publication << " reg=" << m.registration << " options=" << Show(Value(m.options)) << " uri=\""
    << m.uri << "\"";
  if (m.args) s << " args=" << Show(*m.args);
  if (m.kwargs) s << " kwargs=" << Show(*m.kwargs);
  if (m.payload) s << " payload=" << hex_encode(*m.payload).substr(0, 64) << "...(" << m.payload->size() << ")";
  s << "}";
  return s.str();
}

Message ToMessage(dom::element e, const std::string& where) {
  Obj o(e, where);
  Message m;
  auto t = message_type_from_string(o.str("type"));
  if (!t) throw CorpusError(where + ": unknown message type");
  m.type = *t;
  auto id = [&](const char* k) { return static_cast<std::uint64_t>(o.i64(k)); };
  switch (m.type) {
    case MessageType::kPublish: m.request = id("request"); break;
    case MessageType::kEvent: m.subscription = id("subscription"); m.publication = id("publication"); break;
    case MessageType::kCall: m.request = id("request"); break;
    case MessageType::kInvocation: m.request = id("request"); m.registration = id("registration"); break;
    case MessageType::kYield: m.request = id("request"); break;
    case MessageType::kResult: m.request = id("request"); break;
    case MessageType::kError: m.request_type = o.i64("requestType"); m.request = id("request"); break;
  }
  Value opts = ToValue(o.get("options"), where + ".options");
  if (opts.kind() != Value::Kind::kObject) throw CorpusError(where + ": options is not a dict");
  m.options = opts.as_object();
  if (m.type == MessageType::kPublish || m.type == MessageType::kCall || m.type == MessageType::kError) {
    m.uri = o.str("uri");
  }
  if (auto a = o.opt("args")) m.args = ToValue(*a, where + ".args");
  if (auto k = o.opt("kwargs")) m.kwargs = ToValue(*k, where + ".kwargs");
  if (o.has("payload")) m.payload = o.hex("payload");
  o.finish();
  return m;
}

Role ToRole(const std::string& s) {
  if (s == "originator") return Role::kOriginator;
  if (s == "responder") return Role::kResponder;
  throw CorpusError("unknown role " + s);
}

Key::Parts ToParts(Obj& o) {
  Key::Parts p;
  if (o.has("originator_priv")) p.originator_priv = o.str("originator_priv");
  if (o.has("originator_pub")) p.originator_pub = o.str("originator_pub");
  if (o.has("responder_priv")) p.responder_priv = o.str("responder_priv");
  if (o.has("responder_pub")) p.responder_pub = o.str("responder_pub");
  return p;
}

Key ToKey(Obj& o) {
  if (o.has("private")) return Key::from_single_private(o.str("private"));
  return Key::from_parts(ToParts(o));
}

// The keyring is built lazily per group (building it may legitimately throw
// for no vector in the corpus; if it does, every vector of the group fails).
KeyRing ToKeyRing(dom::element e, const std::string& where) {
  KeyRing ring;
  int i = 0;
  for (auto entry : Array(e, where)) {
    Obj o(entry, where + "[" + std::to_string(i++) + "]");
    std::string prefix = o.str("prefix");
    ring.set_key(prefix, ToKey(o));
    o.finish();
  }
  return ring;
}

// ---------------------------------------------------------------------------
// Outcomes and judgement

// What running one operation on one vector gave.
struct Outcome {
  bool rejected = false;   // threw wampbox::Error
  std::string code;        // its code
  std::string what;        // its message, or the mismatch
  bool mismatch = false;   // accepted, but an output differs
  bool foreign = false;    // threw something other than wampbox::Error
  bool ok() const { return !rejected && !mismatch && !foreign; }
};

// Runs f, turning exceptions into an Outcome. f returns "" when every output
// matched, else a description of the first difference.
Outcome Attempt(const std::function<std::string()>& f) {
  Outcome out;
  try {
    std::string diff = f();
    if (!diff.empty()) {
      out.mismatch = true;
      out.what = diff;
    }
  } catch (const CorpusError&) {
    throw;
  } catch (const Error& e) {
    out.rejected = true;
    out.code = std::string(to_string(e.code()));
    out.what = e.what();
  } catch (const std::exception& e) {
    out.foreign = true;
    out.what = std::string("non-wampbox exception: ") + e.what();
  }
  return out;
}

// A derived check "fails" when the damaged input is rejected or gives other outputs.
bool DamagedFails(const Outcome& o) { return o.rejected || o.mismatch; }

std::string Diff(const std::string& what, const Bytes& want, const Bytes& got) {
  if (want == got) return "";
  return what + " differs: want " + hex_encode(want).substr(0, 160) + " (" + std::to_string(want.size()) +
         " bytes), got " + hex_encode(got).substr(0, 160) + " (" + std::to_string(got.size()) + " bytes)";
}
std::string Diff(const std::string& what, const Value& want, const Value& got) {
  if (want == got) return "";
  return what + " differs: want " + Show(want) + ", got " + Show(got);
}
std::string Diff(const std::string& what, const Message& want, const Message& got) {
  if (want == got) return "";
  return what + " differs:\n  want " + Show(want) + "\n  got  " + Show(got);
}

Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes Concat(const Bytes& a, const Bytes& b) {
  Bytes out(a);
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

Bytes Flip(Bytes b, std::size_t i, std::uint8_t mask = 0x01) {
  if (!b.empty()) b[i % b.size()] ^= mask;
  return b;
}

// wampbox's declared profile for `acceptable` vectors (fixtures/README.md,
// "Profiles", column strict). Flags not listed: either outcome is fine.
enum class Expect { kEither, kReject, kAccept };
const std::map<std::string, Expect, std::less<>> kPolicy = {
    {"LowOrderPublicKey", Expect::kReject},     // libsodium returns -1
    {"PlaintextFallback", Expect::kReject},     // default PayloadCodecOptions: Error(kMissingRole)
    {"LaxBase64", Expect::kReject},             // strict base64 everywhere
    {"CborTrailingData", Expect::kReject},      // exactly one data item
    {"CborTag", Expect::kReject},               // no such values in the value model
    {"MsgPackExtType", Expect::kReject},        // likewise
    {"HexKey", Expect::kAccept},                // keys in base64 or hex
    {"RedundantPublicKey", Expect::kAccept},    // a matching public key is fine
    {"NonCanonicalPublicKey", Expect::kAccept}, // libsodium computes them (unless low order: see above)
    {"PublicKeyHighBit", Expect::kAccept},
};

// Two error codes that name the same failure (fixtures/README.md, "Errors").
bool SameError(const std::string& want, const std::string& got) {
  if (want == got) return true;
  if (want == "invalid_utf8" && got == "parse_error") return true;
  return false;
}

struct Tally {
  std::map<std::string, std::array<int, 2>> by_result;  // result -> {passed, failed}
  std::map<std::string, std::array<int, 5>> by_flag;    // flag -> {valid, invalid, acceptable, accepted, rejected}
  std::map<std::string, int> by_op;
  int derived = 0;
};

// One vector: everything read from the test object, plus how to run it.
struct Vector {
  std::string result;
  std::vector<std::string> flags;
  std::optional<std::string> error;
  // Runs the operation on the vector's inputs (with `damage` applied, for derived checks).
  std::function<std::string()> run;
  // The derived checks (valid vectors only): each returns the damaged run's outcome.
  std::vector<std::pair<std::string, std::function<std::string()>>> damaged;
  // For `acceptable` vectors whose acceptance wampbox decides only partly (e.g. seal vs open).
  bool has_flag(std::string_view f) const {
    for (const auto& x : flags) {
      if (x == f) return true;
    }
    return false;
  }
};

void Judge(const Vector& v, Tally& tally) {
  Outcome o = Attempt(v.run);
  bool pass = true;
  if (o.foreign) {
    ADD_FAILURE() << o.what;
    pass = false;
  } else if (v.result == "valid") {
    if (!o.ok()) {
      ADD_FAILURE() << "valid vector " << (o.rejected ? "rejected: " + o.code + ": " : "") << o.what;
      pass = false;
    }
  } else if (v.result == "invalid") {
    if (!o.rejected) {
      ADD_FAILURE() << "invalid vector accepted" << (o.mismatch ? " (with other outputs: " + o.what + ")" : "");
      pass = false;
    } else if (v.error && !SameError(*v.error, o.code)) {
      ADD_FAILURE() << "rejected with " << o.code << " (" << o.what << "), corpus expects " << *v.error;
      pass = false;
    }
  } else if (v.result == "acceptable") {
    Expect expect = Expect::kEither;
    for (const auto& f : v.flags) {
      auto it = kPolicy.find(f);
      if (it == kPolicy.end()) continue;
      if (it->second == Expect::kReject || v.has_flag("LowOrderPublicKey")) {
        expect = it->second == Expect::kAccept && v.has_flag("LowOrderPublicKey") ? Expect::kReject : it->second;
        if (expect == Expect::kReject) break;
      } else {
        expect = Expect::kAccept;
      }
    }
    if (o.mismatch) {
      ADD_FAILURE() << "acceptable vector accepted with other outputs: " << o.what;
      pass = false;
    } else if (expect == Expect::kReject && !o.rejected) {
      ADD_FAILURE() << "wampbox's profile rejects this (flags), but it was accepted";
      pass = false;
    } else if (expect == Expect::kAccept && o.rejected) {
      ADD_FAILURE() << "wampbox's profile accepts this (flags), but it was rejected: " << o.code << ": " << o.what;
      pass = false;
    }
  } else {
    throw CorpusError("unknown result " + v.result);
  }
  if (pass && v.result == "valid") {
    for (const auto& [name, f] : v.damaged) {
      Outcome d = Attempt(f);
      ++tally.derived;
      if (d.foreign) {
        ADD_FAILURE() << "derived check '" << name << "': " << d.what;
        pass = false;
      } else if (!DamagedFails(d)) {
        ADD_FAILURE() << "derived check '" << name << "': the damaged input still passes";
        pass = false;
      }
    }
  }
  auto& r = tally.by_result[v.result];
  ++r[pass ? 0 : 1];
  for (const auto& f : v.flags) {
    auto& c = tally.by_flag[f];
    ++c[v.result == "valid" ? 0 : v.result == "invalid" ? 1 : 2];
    if (v.result == "acceptable") ++c[o.ok() ? 3 : 4];
  }
}

// ---------------------------------------------------------------------------
// Operations (fixtures/README.md, "Operations"). Each reads its test fields,
// fills v.run and v.damaged.

using Nonce = std::array<std::uint8_t, kNonceBytes>;

SharedKey Derive(const std::array<std::uint8_t, 32>& sk, const std::array<std::uint8_t, 32>& pk) {
  PublicKey p;
  p.bytes = pk;
  return SharedKey::derive(p, SecretKey::from_bytes(std::span<const std::uint8_t, 32>(sk)));
}

// ct (mac || ciphertext) of crypto_box_easy_afternm via wampbox's payload primitive (nonce || ct).
Bytes Seal(const SharedKey& k, const Nonce& nonce, const Bytes& msg) {
  Bytes out;
  box_seal_append(k, msg, out, &nonce);
  if (out.size() < kNonceBytes || !std::equal(nonce.begin(), nonce.end(), out.begin())) {
    throw std::runtime_error("box_seal_append did not prefix the nonce");
  }
  return Bytes(out.begin() + kNonceBytes, out.end());
}
Bytes Open(const SharedKey& k, const Nonce& nonce, const Bytes& ct) {
  Bytes payload(nonce.begin(), nonce.end());
  payload.insert(payload.end(), ct.begin(), ct.end());
  Bytes out;
  box_open_into(k, payload, out);
  return out;
}

void OpBox(Obj& t, Vector& v) {
  auto sk = t.fixed<32>("sk");
  auto pk = t.fixed<32>("pk");
  auto nonce = t.fixed<kNonceBytes>("nonce");
  Bytes msg = t.hex("msg");
  Bytes ct = t.hex("ct");
  bool open_only = v.result == "invalid";
  auto run = [=](const Bytes& c) -> std::string {
    SharedKey k = Derive(sk, pk);
    std::string d;
    if (!open_only) d = Diff("seal", c, Seal(k, nonce, msg));
    if (d.empty()) d = Diff("open", msg, Open(k, nonce, c));
    return d;
  };
  v.run = [=] { return run(ct); };
  auto open_damaged = [=](const Bytes& c) {
    return [=]() -> std::string { return Diff("open", msg, Open(Derive(sk, pk), nonce, c)); };
  };
  v.damaged = {{"tag byte flipped", open_damaged(Flip(ct, 0))}, {"trailing byte", open_damaged(Concat(ct, {0}))}};
}

void OpBeforenm(Obj& t, Vector& v) {
  auto sk = t.fixed<32>("sk");
  auto pk = t.fixed<32>("pk");
  Bytes k = t.hex("k");
  auto run = [=](std::array<std::uint8_t, 32> p) -> std::string {
    SharedKey s = Derive(sk, p);
    return Diff("k", k, Bytes(s.bytes().begin(), s.bytes().end()));
  };
  v.run = [=] { return run(pk); };
  auto damaged = pk;
  damaged[0] ^= 0x01;
  v.damaged = {{"pk byte flipped", [=] { return run(damaged); }}};
}

void OpAfternm(Obj& t, Vector& v) {
  auto k = t.fixed<32>("k");
  auto nonce = t.fixed<kNonceBytes>("nonce");
  Bytes msg = t.hex("msg");
  Bytes ct = t.hex("ct");
  auto key = [=] { return SharedKey::from_bytes(std::span<const std::uint8_t, 32>(k)); };
  v.run = [=]() -> std::string {
    std::string d = Diff("seal", ct, Seal(key(), nonce, msg));
    return d.empty() ? Diff("open", msg, Open(key(), nonce, ct)) : d;
  };
  auto open_damaged = [=](const Bytes& c) { return [=] { return Diff("open", msg, Open(key(), nonce, c)); }; };
  v.damaged = {{"tag byte flipped", open_damaged(Flip(ct, 0))}, {"trailing byte", open_damaged(Concat(ct, {0}))}};
}

void OpKeyParse(Obj& t, Vector& v) {
  std::string text = t.str("text");
  std::optional<Bytes> key = t.hex_or_null("key");
  v.run = [=]() -> std::string {
    PublicKey p = PublicKey::parse(text);
    SecretKey s = SecretKey::parse(text);  // same accepted forms
    Bytes got(p.bytes.begin(), p.bytes.end());
    if (!std::equal(got.begin(), got.end(), s.bytes().begin())) return "PublicKey::parse and SecretKey::parse differ";
    if (!key) return "accepted, but the corpus gives no key";
    return Diff("key", *key, got);
  };
}

std::optional<Bytes> SharedOf(const Key& k, Role r) {
  if (!k.has_role(r)) return std::nullopt;
  const SharedKey& s = k.shared(r);
  return Bytes(s.bytes().begin(), s.bytes().end());
}

std::string DiffOptBytes(const std::string& what, const std::optional<Bytes>& want, const std::optional<Bytes>& got) {
  if (want.has_value() != got.has_value()) {
    return what + ": want " + (want ? hex_encode(*want) : "null") + ", got " + (got ? hex_encode(*got) : "null");
  }
  return want ? Diff(what, *want, *got) : "";
}

void OpKeyBuild(Obj& t, Vector& v) {
  Obj parts(t.get("key"), t.where() + ".key");
  bool single = parts.has("private");
  std::string priv = single ? parts.str("private") : "";
  Key::Parts p = single ? Key::Parts{} : ToParts(parts);
  parts.finish();
  std::optional<std::optional<Bytes>> o_want, r_want;
  if (t.has("originatorSharedKey")) o_want = t.hex_or_null("originatorSharedKey");
  if (t.has("responderSharedKey")) r_want = t.hex_or_null("responderSharedKey");
  v.run = [=]() -> std::string {
    Key k = single ? Key::from_single_private(priv) : Key::from_parts(p);
    if (!o_want || !r_want) return "accepted, but the corpus gives no shared keys";
    std::string d = DiffOptBytes("originatorSharedKey", *o_want, SharedOf(k, Role::kOriginator));
    return d.empty() ? DiffOptBytes("responderSharedKey", *r_want, SharedOf(k, Role::kResponder)) : d;
  };
}

// Group context: a keyring (built once per group) and a serializer.
struct GroupCtx {
  std::shared_ptr<KeyRing> ring;
  std::string ring_error;
  std::optional<Serializer> serializer;
  const KeyRing& keyring() const {
    if (!ring) throw Error(ErrorCode::kInvalidKey, "group keyring did not load: " + ring_error);
    return *ring;
  }
};

void OpKeyringResolve(Obj& t, Vector& v, const GroupCtx& g) {
  std::string uri = t.str("uri");
  Role role = ToRole(t.str("role"));
  std::optional<std::string> prefix = t.str_or_null("prefix");
  std::optional<Bytes> shared = t.hex_or_null("sharedKey");
  v.run = [=]() -> std::string {
    const KeyRing& ring = g.keyring();
    std::optional<std::string> got = ring.matched_prefix(uri);
    if (got != prefix) return "prefix: want " + prefix.value_or("<none>") + ", got " + got.value_or("<none>");
    const Key* k = ring.find(uri);
    if ((k != nullptr) != prefix.has_value()) return "find() and matched_prefix() disagree";
    return DiffOptBytes("sharedKey", shared, k ? SharedOf(*k, role) : std::nullopt);
  };
}

void OpPayloadEncode(Obj& t, Vector& v, const GroupCtx& g) {
  Role role = ToRole(t.str("role"));
  std::string uri = t.str("uri");
  Value args = ToValue(t.get("args"), t.where() + ".args");
  Value kwargs = ToValue(t.get("kwargs"), t.where() + ".kwargs");
  auto nonce = t.fixed<kNonceBytes>("nonce");
  std::optional<Bytes> plaintext = t.hex_or_null("plaintext");
  std::optional<Bytes> payload = t.hex_or_null("payload");
  auto run = [=](Nonce n) -> std::string {
    PayloadCodec codec(g.keyring());
    std::optional<EncodedPayload> enc = codec.encode_with_fixed_nonce(role, uri, args, kwargs, n);
    std::optional<Bytes> got;
    if (enc) {
      if (enc->enc_algo != "cryptobox" || enc->enc_serializer != "json" || enc->enc_key) return "enc_* attributes";
      got = enc->payload;
    }
    std::string d = DiffOptBytes("payload", payload, got);
    if (!d.empty() || !plaintext) return d;
    std::string pt;
    cryptobox_plaintext_append(uri, args, kwargs, pt);
    return Diff("plaintext", *plaintext, ToBytes(pt));
  };
  v.run = [=] { return run(nonce); };
  if (payload) {
    Nonce damaged = nonce;
    damaged[0] ^= 0x01;
    v.damaged = {{"nonce byte flipped", [=] { return run(damaged); }}};
  }
}

void OpPayloadDecode(Obj& t, Vector& v, const GroupCtx& g) {
  Role role = ToRole(t.str("role"));
  std::string uri = t.str("uri");
  std::string enc_algo = t.str("encAlgo");
  std::string enc_serializer = t.str("encSerializer");
  Bytes payload = t.hex("payload");
  std::optional<Bytes> plaintext = t.hex_or_null("plaintext");
  std::optional<Value> args, kwargs;
  if (t.has("args")) args = ToValue(t.get("args"), t.where() + ".args");
  if (t.has("kwargs")) kwargs = ToValue(t.get("kwargs"), t.where() + ".kwargs");
  // The informative plaintext: what the keyring's box for (uri, role) opens the payload to.
  std::string pt_diff;
  if (plaintext) {
    try {
      const Key* k = g.keyring().find(uri);
      Bytes out;
      if (!k) throw CorpusError("plaintext given but no key covers the URI");
      box_open_into(k->shared(role), payload, out);
      pt_diff = Diff("plaintext (box_open_into with the keyring's box)", *plaintext, out);
    } catch (const Error& e) {
      pt_diff = std::string("plaintext given, but the keyring's box does not open the payload: ") + e.what();
    }
  }
  if (!pt_diff.empty()) ADD_FAILURE() << pt_diff;
  auto run = [=](const Bytes& p) -> std::string {
    PayloadCodec codec(g.keyring());
    EncodedPayload enc;
    enc.payload = p;
    enc.enc_algo = enc_algo;
    enc.enc_serializer = enc_serializer;
    DecodedPayload dec = codec.decode(role, uri, enc);
    if (!args || !kwargs) return "accepted, but the corpus gives no args/kwargs";
    if (dec.uri != uri) return "decoded uri " + dec.uri + " != " + uri;
    std::string d = Diff("args", *args, dec.args);
    return d.empty() ? Diff("kwargs", *kwargs, dec.kwargs) : d;
  };
  v.run = [=] { return run(payload); };
  v.damaged = {{"tag byte flipped", [=] { return run(Flip(payload, kNonceBytes)); }},
               {"trailing byte", [=] { return run(Concat(payload, {0})); }}};
}

Bytes Garbage(Serializer s) {
  switch (s) {
    case Serializer::kJson: return {'x'};
    case Serializer::kMsgPack: return {0xc1};
    case Serializer::kCbor: return {0xff};
  }
  return {0};
}

std::vector<std::pair<std::string, std::function<std::string()>>> FrameDamage(
    const std::function<std::string(const Bytes&)>& run, const Bytes& frame, Serializer s) {
  return {{"first byte flipped", [=] { return run(Flip(frame, 0)); }},
          {"trailing garbage", [=] { return run(Concat(frame, Garbage(s))); }}};
}

void OpFrame(Obj& t, Vector& v, const GroupCtx& g, bool encode_too) {
  Bytes frame = t.hex("frame");
  std::optional<Message> msg;
  if (t.has("message")) msg = ToMessage(t.get("message"), t.where() + ".message");
  Serializer s = *g.serializer;
  auto decode = [=](const Bytes& f) -> std::string {
    Message got = decode_frame(f, s);
    if (!msg) return "accepted, but the corpus gives no message";
    return Diff("decoded message", *msg, got);
  };
  v.run = [=]() -> std::string {
    if (encode_too) {
      std::string d = Diff("encoded frame", frame, encode_frame(*msg, s));
      if (!d.empty()) return d;
    }
    return decode(frame);
  };
  v.damaged = FrameDamage(decode, frame, s);
}

void OpFrameSeal(Obj& t, Vector& v, const GroupCtx& g) {
  Message msg = ToMessage(t.get("message"), t.where() + ".message");
  std::string uri = t.str("payloadUri");
  auto nonce = t.fixed<kNonceBytes>("nonce");
  Bytes frame = t.hex("frame");
  Serializer s = *g.serializer;
  auto run = [=](Nonce n, bool* sealed) -> std::string {
    PayloadCodec codec(g.keyring());
    std::optional<Message> enc = seal_message(codec, msg, uri, &n);
    if (sealed) *sealed = enc.has_value();
    return Diff("frame", frame, encode_frame(enc ? *enc : msg, s));
  };
  v.run = [=] { return run(nonce, nullptr); };
  bool sealed = false;
  try {
    run(nonce, &sealed);
  } catch (const std::exception&) {
  }
  if (sealed) {
    Nonce damaged = nonce;
    damaged[0] ^= 0x01;
    v.damaged = {{"nonce byte flipped", [=] { return run(damaged, nullptr); }}};
  }
}

// Open's output has args/kwargs always present; wampbox leaves null ones unset.
Message Normalized(Message m) {
  if (m.args && m.args->is_null()) m.args.reset();
  if (m.kwargs && m.kwargs->is_null()) m.kwargs.reset();
  return m;
}

void OpFrameOpen(Obj& t, Vector& v, const GroupCtx& g) {
  Bytes frame = t.hex("frame");
  std::string uri = t.str("uri");
  std::optional<Message> msg;
  if (t.has("message")) msg = Normalized(ToMessage(t.get("message"), t.where() + ".message"));
  Serializer s = *g.serializer;
  auto open = [=](const Message& m) -> std::string {
    PayloadCodec codec(g.keyring());
    Message got = m.is_encrypted() ? open_message(codec, m, uri) : m;
    if (!msg) return "accepted, but the corpus gives no message";
    return Diff("opened message", *msg, Normalized(got));
  };
  v.run = [=] { return open(decode_frame(frame, s)); };
  v.damaged = {{"payload tag byte flipped",
                [=]() -> std::string {
                  Message m = decode_frame(frame, s);
                  if (!m.payload) return "";  // (no payload: nothing to damage; counted as failing below)
                  m.payload = Flip(*m.payload, kNonceBytes);
                  return open(m);
                }},
               {"trailing garbage", [=] { return open(decode_frame(Concat(frame, Garbage(s)), s)); }}};
}

// ---------------------------------------------------------------------------
// Files

struct FileResult {
  Tally tally;
  int tests = 0;
};

void RunFile(const std::string& name, FileResult& fr) {
  fs::path path = fs::path(FixturesDir()) / name;
  ASSERT_TRUE(fs::exists(path)) << "missing corpus file " << path;
  dom::parser parser;
  dom::element doc;
  auto err = parser.load(path.string()).get(doc);
  ASSERT_FALSE(err) << path << ": " << simdjson::error_message(err);
  Obj file(doc, name);
  file.str("algorithm");
  std::string schema = file.str("schema");
  EXPECT_TRUE(fs::exists(fs::path(FixturesDir()) / "schemas" / schema)) << "missing schema " << schema;
  file.str("corpusVersion");
  std::int64_t declared = file.i64("numberOfTests");
  Array(file.get("header"), name + ".header");
  std::set<std::string> noted;
  {
    auto notes = file.get("notes");
    if (notes.type() != dom::element_type::OBJECT) FAIL() << "notes";
    for (auto field : dom::object(notes)) {
      Obj note(field.value, name + ".notes." + std::string(field.key));
      note.str("bugType");
      note.str("description");
      note.finish();
      noted.emplace(field.key);
    }
  }
  std::set<std::string> used_flags;
  std::set<std::int64_t> ids;
  int gi = 0;
  for (auto ge : Array(file.get("testGroups"), name + ".testGroups")) {
    std::string gwhere = name + " group " + std::to_string(gi++);
    Obj group(ge, gwhere);
    std::string type = group.str("type");
    std::string op = group.str("operation");
    {
      Obj src(group.get("source"), gwhere + ".source");
      src.str("name");
      src.str("version");
      src.finish();
    }
    GroupCtx ctx;
    if (group.has("keyring")) {
      try {
        ctx.ring = std::make_shared<KeyRing>(ToKeyRing(group.get("keyring"), gwhere + ".keyring"));
      } catch (const Error& e) {
        ctx.ring_error = e.what();
      }
    }
    if (group.has("serializer")) {
      ctx.serializer = serializer_from_string(group.str("serializer"));
      if (!ctx.serializer) FAIL() << gwhere << ": unknown serializer";
    }
    for (auto te : Array(group.get("tests"), gwhere + ".tests")) {
      Obj test(te, gwhere + ".test");
      std::int64_t id = test.i64("tcId");
      std::string comment = test.str("comment");
      SCOPED_TRACE(name + " tcId " + std::to_string(id) + " (" + op + "): " + comment);
      EXPECT_TRUE(ids.insert(id).second) << "duplicate tcId";
      Vector v;
      v.result = test.str("result");
      for (auto f : Array(test.get("flags"), "flags")) {
        v.flags.emplace_back(std::string_view(f));
        used_flags.insert(v.flags.back());
        EXPECT_TRUE(noted.count(v.flags.back())) << "flag " << v.flags.back() << " not in notes";
      }
      if (test.has("error")) v.error = test.str("error");
      try {
        if (op == "box" && type == "CryptoBoxTest") {
          OpBox(test, v);
        } else if (op == "beforenm" && type == "CryptoBoxBeforenmTest") {
          OpBeforenm(test, v);
        } else if (op == "box_afternm" && type == "CryptoBoxAfternmTest") {
          OpAfternm(test, v);
        } else if (op == "key_parse" && type == "KeyParseTest") {
          OpKeyParse(test, v);
        } else if (op == "key_build" && type == "KeyBuildTest") {
          OpKeyBuild(test, v);
        } else if (op == "keyring_resolve" && type == "KeyringResolveTest") {
          OpKeyringResolve(test, v, ctx);
        } else if (op == "payload_encode" && type == "PayloadEncodeTest") {
          OpPayloadEncode(test, v, ctx);
        } else if (op == "payload_decode" && type == "PayloadDecodeTest") {
          OpPayloadDecode(test, v, ctx);
        } else if (op == "frame" && type == "FrameTest") {
          OpFrame(test, v, ctx, /*encode_too=*/true);
        } else if (op == "frame_decode" && type == "FrameDecodeTest") {
          OpFrame(test, v, ctx, /*encode_too=*/false);
        } else if (op == "frame_seal" && type == "FrameSealTest") {
          OpFrameSeal(test, v, ctx);
        } else if (op == "frame_decode_open" && type == "FrameOpenTest") {
          OpFrameOpen(test, v, ctx);
        } else {
          throw CorpusError("unknown operation " + op + " / group type " + type);
        }
        test.finish();
        Judge(v, fr.tally);
      } catch (const CorpusError& e) {
        ADD_FAILURE() << "corpus/runner mismatch: " << e.what();
        ++fr.tally.by_result[v.result][1];
      }
      ++fr.tally.by_op[op];
      ++fr.tests;
    }
    group.finish();
  }
  file.finish();
  EXPECT_EQ(declared, fr.tests) << "numberOfTests";
  for (const auto& f : noted) EXPECT_TRUE(used_flags.count(f)) << "flag " << f << " defined in notes but unused";
}

void Print(const std::string& name, const FileResult& fr) {
  std::printf("\n[corpus] %s: %d tests, %d derived negative checks\n", name.c_str(), fr.tests, fr.tally.derived);
  for (const auto& [result, c] : fr.tally.by_result) {
    std::printf("[corpus]   %-10s %5d passed %5d failed\n", result.c_str(), c[0], c[1]);
  }
  for (const auto& [op, n] : fr.tally.by_op) std::printf("[corpus]   operation %-18s %5d\n", op.c_str(), n);
  std::printf("[corpus]   %-30s %6s %7s %10s | acceptable: %8s %8s\n", "flag", "valid", "invalid", "acceptable",
              "accepted", "rejected");
  for (const auto& [flag, c] : fr.tally.by_flag) {
    std::printf("[corpus]   %-30s %6d %7d %10d | %20d %8d\n", flag.c_str(), c[0], c[1], c[2], c[3], c[4]);
  }
  std::fflush(stdout);
}

class CorpusFile : public testing::TestWithParam<const char*> {};

TEST_P(CorpusFile, AllVectors) {
  FileResult fr;
  RunFile(GetParam(), fr);
  Print(GetParam(), fr);
  EXPECT_GT(fr.tests, 0);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CorpusFile, testing::ValuesIn(kVectorFiles),
                         [](const testing::TestParamInfo<const char*>& info) {
                           std::string n = info.param;
                           return n.substr(0, n.find('.'));
                         });

// The manifest lists exactly the files this suite runs (plus docs and schemas):
// a vector file added to fixtures/ without a runner here fails.
TEST(Corpus, ManifestListsExactlyTheRunFiles) {
  fs::path path = fs::path(FixturesDir()) / "MANIFEST.json";
  ASSERT_TRUE(fs::exists(path)) << path;
  dom::parser parser;
  dom::element doc;
  ASSERT_FALSE(parser.load(path.string()).get(doc));
  std::set<std::string> listed;
  for (auto field : dom::object(doc["files"])) {
    std::string n(field.key);
    if (n.size() > 10 && n.substr(n.size() - 10) == "_test.json" && n.find('/') == std::string::npos) {
      listed.insert(n);
    }
  }
  std::set<std::string> run(std::begin(kVectorFiles), std::end(kVectorFiles));
  EXPECT_EQ(listed, run);
  std::set<std::string> present;
  for (const auto& e : fs::directory_iterator(FixturesDir())) {
    std::string n = e.path().filename().string();
    if (n.size() > 10 && n.substr(n.size() - 10) == "_test.json") present.insert(n);
  }
  EXPECT_EQ(present, run);
}

}  // namespace
}  // namespace wampbox::conformance
