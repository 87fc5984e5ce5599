#include "wampbox/keyring.h"

#include <simdjson.h>
#include <sodium.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/value.h"

namespace wampbox {

// ---------------------------------------------------------------------------
// Key

namespace {

struct Side {
  std::optional<SecretKey> priv;
  std::optional<PublicKey> pub;
};

// One side (originator or responder) of Autobahn's Key(): a private key
// implies the public key; a public key given alongside must agree with it.
Side parse_side(const std::optional<std::string>& priv, const std::optional<std::string>& pub, const char* name) {
  Side s;
  if (priv) {
    try {
      s.priv = SecretKey::parse(*priv);
    } catch (const Error& e) {
      throw Error(ErrorCode::kInvalidKey, std::string(name) + "_priv: " + e.what());
    }
    s.pub = s.priv->public_key();
    if (pub) {
      PublicKey given;
      try {
        given = PublicKey::parse(*pub);
      } catch (const Error& e) {
        throw Error(ErrorCode::kInvalidKey, std::string(name) + "_pub: " + e.what());
      }
      if (!(given == *s.pub)) {
        throw Error(ErrorCode::kInvalidKey, "invalid key: " + std::string(name) + "_pub " + given.encode() +
                                                " is not the public key of " + name + "_priv (which is " +
                                                s.pub->encode() + ")");
      }
    }
  } else if (pub) {
    try {
      s.pub = PublicKey::parse(*pub);
    } catch (const Error& e) {
      throw Error(ErrorCode::kInvalidKey, std::string(name) + "_pub: " + e.what());
    }
  }
  return s;
}

}  // namespace

Key Key::from_parts(const Parts& parts) {
  Side orig = parse_side(parts.originator_priv, parts.originator_pub, "originator");
  Side resp = parse_side(parts.responder_priv, parts.responder_pub, "responder");
  Key k;
  k.originator_pub_ = orig.pub;
  k.responder_pub_ = resp.pub;
  // originator box = Box(originator_priv, responder_pub): seals CALL/PUBLISH, opens RESULT/ERROR.
  if (orig.priv && resp.pub) k.originator_box_ = SharedKey::derive(*resp.pub, *orig.priv);
  // responder box = Box(responder_priv, originator_pub): opens INVOCATION/EVENT, seals YIELD/ERROR.
  if (resp.priv && orig.pub) k.responder_box_ = SharedKey::derive(*orig.pub, *resp.priv);
  if (!k.originator_box_ && !k.responder_box_) {
    throw Error(ErrorCode::kInvalidKey,
                "invalid key: insufficient keys for either role (the originator box needs originator_priv and "
                "responder_pub or responder_priv; the responder box needs responder_priv and originator_pub or "
                "originator_priv)");
  }
  return k;
}

Key Key::from_single_private(std::string_view priv) {
  SecretKey sk = SecretKey::parse(priv);
  PublicKey pk = sk.public_key();
  Key k;
  k.originator_pub_ = pk;
  k.responder_pub_ = pk;
  // Both boxes are Box(sk, pk(sk)): one X25519, two copies.
  SharedKey shared = SharedKey::derive(pk, sk);
  k.originator_box_ = SharedKey::from_bytes(shared.bytes());
  k.responder_box_ = std::move(shared);
  return k;
}

bool Key::has_role(Role r) const noexcept {
  return r == Role::kOriginator ? originator_box_.has_value() : responder_box_.has_value();
}

const SharedKey& Key::shared(Role r) const {
  const auto& box = r == Role::kOriginator ? originator_box_ : responder_box_;
  if (!box) {
    throw Error(ErrorCode::kMissingRole, r == Role::kOriginator
                                             ? "key has no originator box (needs originator_priv and responder_pub)"
                                             : "key has no responder box (needs responder_priv and originator_pub)");
  }
  return *box;
}

// ---------------------------------------------------------------------------
// KeyRing

struct KeyRing::Impl {
  struct Entry {
    std::string prefix;
    Key key;
  };
  // Sorted by prefix (bytewise). The default key is the entry with prefix "".
  std::vector<Entry> entries;

  static bool less(const Entry& e, std::string_view s) { return std::string_view(e.prefix) < s; }

  std::vector<Entry>::const_iterator lower(std::string_view s) const {
    return std::lower_bound(entries.begin(), entries.end(), s, less);
  }

  // Longest prefix of `uri` among the entries, without allocating.
  //
  // Let e be the greatest entry <= u. If e is a prefix of u it is the longest
  // one (any longer prefix p of u would satisfy e < p <= u). Otherwise e and u
  // first differ at c = lcp(e, u) with e[c] < u[c], so every prefix of u longer
  // than c would be > e, which is impossible: all prefixes of u in the set are
  // prefixes of u[0, c). Repeat with that strictly shorter u. Each round is a
  // binary search; the number of rounds is small in practice and bounded by
  // the number of distinct prefix lengths.
  const Entry* longest_prefix(std::string_view u) const {
    if (entries.empty()) return nullptr;
    for (;;) {
      auto it = std::upper_bound(entries.begin(), entries.end(), u,
                                 [](std::string_view s, const Entry& e) { return s < std::string_view(e.prefix); });
      if (it == entries.begin()) return nullptr;
      const Entry& e = *std::prev(it);
      std::string_view p = e.prefix;
      if (u.starts_with(p)) return &e;
      std::size_t c = 0;
      const std::size_t m = std::min(p.size(), u.size());
      while (c < m && p[c] == u[c]) ++c;
      u = u.substr(0, c);
    }
  }
};

KeyRing::KeyRing() : impl_(std::make_unique<Impl>()) {}
KeyRing::~KeyRing() = default;
KeyRing::KeyRing(KeyRing&&) noexcept = default;
KeyRing& KeyRing::operator=(KeyRing&&) noexcept = default;

void KeyRing::set_key(std::string_view uri_prefix, Key key) {
  if (!impl_) impl_ = std::make_unique<Impl>();
  auto it = impl_->lower(uri_prefix);
  if (it != impl_->entries.end() && it->prefix == uri_prefix) {
    impl_->entries[static_cast<std::size_t>(it - impl_->entries.begin())].key = std::move(key);
    return;
  }
  impl_->entries.insert(it, Impl::Entry{std::string(uri_prefix), std::move(key)});
}

bool KeyRing::remove_key(std::string_view uri_prefix) {
  if (!impl_) return false;
  auto it = impl_->lower(uri_prefix);
  if (it == impl_->entries.end() || it->prefix != uri_prefix) return false;
  impl_->entries.erase(it);
  return true;
}

const Key* KeyRing::find(std::string_view uri) const noexcept {
  if (!impl_) return nullptr;
  const Impl::Entry* e = impl_->longest_prefix(uri);
  return e ? &e->key : nullptr;
}

std::optional<std::string> KeyRing::matched_prefix(std::string_view uri) const {
  if (!impl_) return std::nullopt;
  const Impl::Entry* e = impl_->longest_prefix(uri);
  if (!e) return std::nullopt;
  return e->prefix;
}

std::size_t KeyRing::size() const noexcept { return impl_ ? impl_->entries.size() : 0; }

// ---------------------------------------------------------------------------
// Keyring file

namespace {

std::string describe_prefix(std::string_view prefix) {
  return prefix.empty() ? std::string("the default key (\"\")") : "prefix \"" + std::string(prefix) + "\"";
}

// Value (json_parse) keeps the last of duplicated object keys, so duplicates
// are invisible there; a second pass with simdjson's DOM, which keeps them,
// finds them. Keyring files are small and read once.
void reject_duplicates(std::string_view json_text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json_text);
  // The copy holds private keys: wipe it however we leave.
  struct Wipe {
    simdjson::padded_string& s;
    ~Wipe() { sodium_memzero(s.data(), s.size()); }
  } wipe{padded};
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) return;  // json_parse already accepted it (e.g. NaN)
  simdjson::dom::object top;
  if (doc.get_object().get(top) != simdjson::SUCCESS) return;
  std::set<std::string_view> prefixes;
  for (auto [prefix, entry] : top) {
    if (!prefixes.insert(prefix).second) {
      throw Error(ErrorCode::kParseError, "keyring: duplicate " + describe_prefix(prefix));
    }
    simdjson::dom::object fields;
    if (entry.get_object().get(fields) != simdjson::SUCCESS) continue;
    std::set<std::string_view> names;
    for (auto [name, value] : fields) {
      (void)value;
      if (!names.insert(name).second) {
        throw Error(ErrorCode::kParseError,
                    "keyring: duplicate field \"" + std::string(name) + "\" in " + describe_prefix(prefix));
      }
    }
  }
}

void wipe_string(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
}

// Best effort: the parsed document holds private keys as text.
struct WipeDoc {
  Value& doc;
  ~WipeDoc() {
    if (doc.kind() != Value::Kind::kObject) return;
    for (auto& [prefix, entry] : doc.as_object()) {
      if (entry.kind() != Value::Kind::kObject) continue;
      for (auto& [name, value] : entry.as_object()) {
        if (value.kind() == Value::Kind::kString) wipe_string(const_cast<std::string&>(value.as_string()));
      }
    }
  }
};

struct WipeParts {
  Key::Parts& parts;
  std::optional<std::string>& single;
  ~WipeParts() {
    for (auto* s :
         {&parts.originator_priv, &parts.originator_pub, &parts.responder_priv, &parts.responder_pub, &single}) {
      if (*s) wipe_string(**s);
    }
  }
};

}  // namespace

KeyRing load_keyring_json(std::string_view json_text) {
  Value doc = json_parse(json_text);
  WipeDoc wipe_doc{doc};
  if (doc.kind() != Value::Kind::kObject) {
    throw Error(ErrorCode::kParseError, "keyring: the top level must be a JSON object mapping URI prefixes to entries");
  }
  reject_duplicates(json_text);
  KeyRing ring;
  for (const auto& [prefix, entry] : doc.as_object()) {
    const std::string where = describe_prefix(prefix);
    if (entry.kind() != Value::Kind::kObject) {
      throw Error(ErrorCode::kParseError, "keyring: " + where + ": entry must be a JSON object");
    }
    Key::Parts parts;
    std::optional<std::string> single;
    WipeParts wipe_parts{parts, single};
    for (const auto& [name, value] : entry.as_object()) {
      std::optional<std::string>* slot = nullptr;
      if (name == "originator_priv")
        slot = &parts.originator_priv;
      else if (name == "originator_pub")
        slot = &parts.originator_pub;
      else if (name == "responder_priv")
        slot = &parts.responder_priv;
      else if (name == "responder_pub")
        slot = &parts.responder_pub;
      else if (name == "private")
        slot = &single;
      else {
        throw Error(ErrorCode::kParseError,
                    "keyring: " + where + ": unknown field \"" + name +
                        "\" (allowed: originator_priv, originator_pub, responder_priv, responder_pub, private)");
      }
      if (value.kind() != Value::Kind::kString) {
        throw Error(ErrorCode::kParseError, "keyring: " + where + ": field \"" + name + "\" must be a string");
      }
      *slot = value.as_string();
    }
    const bool any_part = parts.originator_priv || parts.originator_pub || parts.responder_priv || parts.responder_pub;
    if (single && any_part) {
      throw Error(ErrorCode::kParseError,
                  "keyring: " + where + ": \"private\" (one key for both roles) cannot be combined with other fields");
    }
    try {
      ring.set_key(prefix, single ? Key::from_single_private(*single) : Key::from_parts(parts));
    } catch (const Error& e) {
      throw Error(e.code(), "keyring: " + where + ": " + e.what());
    }
  }
  return ring;
}

}  // namespace wampbox
