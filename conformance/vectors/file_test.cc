#include "file_test.h"

#include <bit>
#include <cstdlib>

#include "wampbox/error.h"

#ifndef WAMPBOX_FIXTURES_DIR
#error "WAMPBOX_FIXTURES_DIR must name the source tree's fixtures/ (conformance/vectors/CMakeLists.txt)"
#endif

namespace wampbox::vectors {

namespace fs = std::filesystem;

fs::path FixturesDir() {
  if (const char* env = std::getenv("WAMPBOX_FIXTURES"); env != nullptr && *env != '\0') return env;
  return WAMPBOX_FIXTURES_DIR;
}

Attrs::Attrs(dom::element e, std::string where) : where_(std::move(where)) {
  if (e.type() != dom::element_type::OBJECT) throw CorpusError(where_ + ": not an object");
  for (auto field : dom::object(e)) {
    if (find(field.key) != nullptr) throw CorpusError(where_ + ": duplicate field '" + std::string(field.key) + "'");
    members_.push_back(Member{std::string(field.key), field.value, false, std::nullopt});
  }
}

Attrs::Member* Attrs::find(std::string_view k) {
  for (auto& m : members_) {
    if (m.key == k) return &m;
  }
  return nullptr;
}
const Attrs::Member* Attrs::find(std::string_view k) const { return const_cast<Attrs*>(this)->find(k); }

Attrs::Member& Attrs::need(std::string_view k) {
  Member* m = find(k);
  if (m == nullptr) throw CorpusError(where_ + ": missing field '" + std::string(k) + "'");
  m->consumed = true;
  return *m;
}

bool Attrs::has(std::string_view k) const { return find(k) != nullptr; }
dom::element Attrs::get(std::string_view k) { return need(k).value; }
std::optional<dom::element> Attrs::opt(std::string_view k) {
  if (!has(k)) return std::nullopt;
  return get(k);
}
bool Attrs::is_null(std::string_view k) {
  Member& m = need(k);
  return !m.replaced && m.value.type() == dom::element_type::NULL_VALUE;
}
std::string Attrs::str(std::string_view k) {
  Member& m = need(k);
  if (m.replaced) return *m.replaced;
  if (m.value.type() != dom::element_type::STRING) throw CorpusError(where_ + ": '" + std::string(k) + "' not a string");
  return std::string(std::string_view(m.value));
}
std::optional<std::string> Attrs::str_or_null(std::string_view k) {
  if (is_null(k)) return std::nullopt;
  return str(k);
}
std::int64_t Attrs::i64(std::string_view k) {
  dom::element e = get(k);
  if (e.type() == dom::element_type::INT64) return std::int64_t(e);
  if (e.type() == dom::element_type::UINT64 && std::uint64_t(e) <= std::uint64_t(INT64_MAX)) {
    return static_cast<std::int64_t>(std::uint64_t(e));
  }
  throw CorpusError(where_ + ": '" + std::string(k) + "' not an integer");
}
Bytes Attrs::hex(std::string_view k) {
  std::string s = str(k);
  if (s.size() % 2 != 0) throw CorpusError(where_ + ": '" + std::string(k) + "' has an odd number of hex digits");
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      throw CorpusError(where_ + ": '" + std::string(k) + "' is not lowercase hex");
    }
  }
  return hex_decode(s);
}
std::optional<Bytes> Attrs::hex_or_null(std::string_view k) {
  if (is_null(k)) return std::nullopt;
  return hex(k);
}
void Attrs::adopt(Attrs& from, std::string_view k) {
  if (!from.has(k)) return;
  if (has(k)) throw CorpusError(where_ + ": field '" + std::string(k) + "' in both the test and its group");
  members_.push_back(Member{std::string(k), from.get(k), false, std::nullopt});
}
void Attrs::replace_hex(std::string_view k, const Bytes& b) {
  Member* m = find(k);
  if (m == nullptr) throw CorpusError(where_ + ": no field '" + std::string(k) + "' to damage");
  m->replaced = hex_encode(b);
}
std::vector<std::string> Attrs::unconsumed() const {
  std::vector<std::string> out;
  for (const auto& m : members_) {
    if (!m.consumed) out.push_back(m.key);
  }
  return out;
}
void Attrs::finish() const {
  std::vector<std::string> left = unconsumed();
  if (left.empty()) return;
  std::string msg = where_ + ": field(s) not consumed (unknown to the harness?):";
  for (const auto& k : left) msg += " '" + k + "'";
  throw CorpusError(msg);
}

std::vector<dom::element> ArrayOf(dom::element e, const std::string& where) {
  if (e.type() != dom::element_type::ARRAY) throw CorpusError(where + ": not an array");
  std::vector<dom::element> out;
  for (auto x : dom::array(e)) out.push_back(x);
  return out;
}

Value ToValue(dom::element e, const std::string& where) {
  Attrs o(e, where);
  if (o.unconsumed().size() != 1) throw CorpusError(where + ": a typed value is an object with one member");
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
    for (auto x : ArrayOf(o.get("list"), where)) a.push_back(ToValue(x, where + "[" + std::to_string(i++) + "]"));
    v = Value(std::move(a));
  } else if (o.has("dict")) {
    Object d;
    for (auto pair : ArrayOf(o.get("dict"), where)) {
      auto kv = ArrayOf(pair, where);
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

Message ToMessage(dom::element e, const std::string& where) {
  Attrs o(e, where);
  Message m;
  auto t = message_type_from_string(o.str("type"));
  if (!t) throw CorpusError(where + ": unknown message type");
  m.type = *t;
  auto id = [&](const char* k) {
    std::int64_t v = o.i64(k);
    if (v < 0) throw CorpusError(where + ": negative " + k);
    return static_cast<std::uint64_t>(v);
  };
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

Role ToRole(std::string_view s) {
  if (s == "originator") return Role::kOriginator;
  if (s == "responder") return Role::kResponder;
  throw CorpusError("unknown role " + std::string(s));
}

Key ToKey(Attrs& o) {
  if (o.has("private")) return Key::from_single_private(o.str("private"));
  Key::Parts p;
  if (o.has("originator_priv")) p.originator_priv = o.str("originator_priv");
  if (o.has("originator_pub")) p.originator_pub = o.str("originator_pub");
  if (o.has("responder_priv")) p.responder_priv = o.str("responder_priv");
  if (o.has("responder_pub")) p.responder_pub = o.str("responder_pub");
  return Key::from_parts(p);
}

KeyRing ToKeyRing(dom::element e, const std::string& where) {
  KeyRing ring;
  int i = 0;
  for (auto entry : ArrayOf(e, where)) {
    Attrs o(entry, where + "[" + std::to_string(i++) + "]");
    std::string prefix = o.str("prefix");
    ring.set_key(prefix, ToKey(o));
    o.finish();
  }
  return ring;
}

bool Vector::has_flag(std::string_view f) const {
  for (const auto& x : flags) {
    if (x == f) return true;
  }
  return false;
}

std::string Vector::where() const {
  return file + " tcId " + std::to_string(tc_id) + " (" + op + "): " + comment;
}

FileTest::FileTest(const fs::path& path) : name_(path.filename().string()) {
  if (!fs::exists(path)) throw CorpusError("missing corpus file " + path.string());
  auto err = parser_.load(path.string()).get(doc_);
  if (err) throw CorpusError(path.string() + ": " + simdjson::error_message(err));
  file_.emplace(doc_, name_);
  algorithm_ = file_->str("algorithm");
  std::string schema = file_->str("schema");
  if (!fs::exists(path.parent_path() / "schemas" / schema)) throw CorpusError(name_ + ": missing schema " + schema);
  corpus_version_ = file_->str("corpusVersion");
  declared_ = file_->i64("numberOfTests");
  for (auto h : ArrayOf(file_->get("header"), name_ + ".header")) {
    if (h.type() != dom::element_type::STRING) throw CorpusError(name_ + ".header: not a string");
  }
  Attrs notes(file_->get("notes"), name_ + ".notes");
  for (const std::string& flag : notes.unconsumed()) {
    Attrs note(notes.get(flag), name_ + ".notes." + flag);
    note.str("bugType");
    note.str("description");
    note.finish();
    noted_.insert(flag);
  }
}

void FileTest::Run(const std::function<void(Vector&)>& fn) {
  std::set<std::int64_t> ids;
  std::set<std::string> used_flags;
  int gi = 0;
  try {
    for (auto ge : ArrayOf(file_->get("testGroups"), name_ + ".testGroups")) {
      const std::string gwhere = name_ + " group " + std::to_string(gi++);
      Attrs group(ge, gwhere);
      Vector v;
      v.file = name_;
      v.group_type = group.str("type");
      v.op = group.str("operation");
      {
        Attrs src(group.get("source"), gwhere + ".source");
        src.str("name");
        src.str("version");
        src.finish();
      }
      for (auto te : ArrayOf(group.get("tests"), gwhere + ".tests")) {
        ++tests_;
        v.tc_id = -1;
        v.comment.clear();
        try {
          Attrs test(te, gwhere + ".test");
          v.tc_id = test.i64("tcId");
          v.comment = test.str("comment");
          v.result = test.str("result");
          if (v.result != "valid" && v.result != "invalid" && v.result != "acceptable") {
            throw CorpusError("unknown result " + v.result);
          }
          v.flags.clear();
          for (auto f : ArrayOf(test.get("flags"), "flags")) {
            if (f.type() != dom::element_type::STRING) throw CorpusError("flag not a string");
            v.flags.emplace_back(std::string_view(f));
            used_flags.insert(v.flags.back());
            if (!noted_.count(v.flags.back())) throw CorpusError("flag " + v.flags.back() + " not in notes");
          }
          v.error = test.has("error") ? std::optional<std::string>(test.str("error")) : std::nullopt;
          if (!ids.insert(v.tc_id).second) throw CorpusError("duplicate tcId");
          v.test = &test;
          v.group = &group;
          fn(v);
          test.finish();
        } catch (const CorpusError& e) {
          Error(v.where() + ": " + e.what());
        } catch (const std::exception& e) {  // e.g. wampbox::Error building an expected value
          Error(v.where() + ": harness: " + e.what());
        }
        v.test = nullptr;
        v.group = nullptr;
      }
      group.finish();
    }
    file_->finish();
  } catch (const CorpusError& e) {
    Error(e.what());
  }
  if (declared_ != tests_) {
    Error(name_ + ": numberOfTests says " + std::to_string(declared_) + ", the file has " + std::to_string(tests_));
  }
  for (const auto& f : noted_) {
    if (!used_flags.count(f)) Error(name_ + ": flag " + f + " defined in notes but unused");
  }
}

}  // namespace wampbox::vectors
