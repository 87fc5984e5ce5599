#include "wampbox/keyring.h"

#include <simdjson.h>
#include <sodium.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "key_rotation_internal.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/ppt.h"
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
// Key status

std::string_view to_string(KeyStatus s) noexcept {
  switch (s) {
    case KeyStatus::kCurrent: return "current";
    case KeyStatus::kGrace: return "grace";
    case KeyStatus::kRetired: return "retired";
  }
  return "retired";
}

KeyStatus parse_key_status(std::string_view s) {
  if (s == "current") return KeyStatus::kCurrent;
  if (s == "grace") return KeyStatus::kGrace;
  if (s == "retired") return KeyStatus::kRetired;
  throw Error(ErrorCode::kInvalidArgument, "key status must be current, grace or retired, not '" + std::string(s) + "'");
}

// ---------------------------------------------------------------------------
// KeyRing: prefixes and their keys in the rotation table shared with
// PptKeyStore (key_rotation_internal.h).

namespace {

bool is_key_id_form(std::string_view s) noexcept {
  if (s.size() != 42 || s[0] != '0' || s[1] != 'x') return false;
  return std::all_of(s.begin() + 2, s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

char lower_ascii(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  }
  return true;
}

}  // namespace

struct KeyRing::Impl {
  struct Slot {
    KeyStatus status;
    Key key;
    std::string ids[2];  // lowercase key ids of originator_pub, responder_pub ("" if absent)

    bool names(std::string_view lower_id) const { return ids[0] == lower_id || ids[1] == lower_id; }
    // The id a sender with `role` names: the receiver's public key.
    const std::string& sender_id(Role role) const { return ids[role == Role::kOriginator ? 1 : 0]; }
    // Whether `id` (any case) names this side's own public key when receiving with `role`.
    bool receiver_named(Role role, std::string_view id) const {
      const std::string& own = ids[role == Role::kResponder ? 1 : 0];
      return !own.empty() && iequals(own, id);
    }
  };
  using Table = internal::RotationTable<Slot>;

  static Slot make_slot(Key key, KeyStatus status) {
    Slot s{status, std::move(key), {}};
    if (s.key.originator_pub()) s.ids[0] = ppt_key_id(*s.key.originator_pub());
    if (s.key.responder_pub()) s.ids[1] = ppt_key_id(*s.key.responder_pub());
    return s;
  }

  Table table;
};

KeyRing::KeyRing() : impl_(std::make_unique<Impl>()) {}
KeyRing::~KeyRing() = default;
KeyRing::KeyRing(KeyRing&&) noexcept = default;
KeyRing& KeyRing::operator=(KeyRing&&) noexcept = default;

void KeyRing::set_key(std::string_view uri_prefix, Key key) {
  if (!impl_) impl_ = std::make_unique<Impl>();
  impl_->table.replace(uri_prefix, Impl::make_slot(std::move(key), KeyStatus::kCurrent)).named = false;
}

void KeyRing::add_key(std::string_view uri_prefix, Key key, KeyStatus status) {
  if (!impl_) impl_ = std::make_unique<Impl>();
  Impl::Slot slot = Impl::make_slot(std::move(key), status);
  const std::string ids[2] = {slot.ids[0], slot.ids[1]};
  impl_->table.add(uri_prefix, std::move(slot), ids).named = true;
}

void KeyRing::set_status(std::string_view uri_prefix, std::string_view keyid, KeyStatus status) {
  if (!is_key_id_form(keyid)) {
    throw Error(ErrorCode::kBadKeyId, "key id must be 0x + 40 hex digits, not '" + std::string(keyid) + "'");
  }
  std::string lower(keyid);
  for (char& c : lower) c = lower_ascii(c);
  Impl::Table::Group* g = impl_ ? impl_->table.exact(uri_prefix) : nullptr;
  if (!g) throw Error(ErrorCode::kNoKey, "no keys for prefix '" + std::string(uri_prefix) + "'");
  Impl::Table::set_status(*g, lower, status);
}

bool KeyRing::remove_key(std::string_view uri_prefix) { return impl_ && impl_->table.remove(uri_prefix); }

const Key* KeyRing::find(std::string_view uri) const noexcept {
  if (!impl_) return nullptr;
  const auto* g = impl_->table.longest(uri);
  const Impl::Slot* s = g ? Impl::Table::current(*g) : nullptr;
  return s ? &s->key : nullptr;
}

std::optional<std::string> KeyRing::matched_prefix(std::string_view uri) const {
  if (!impl_) return std::nullopt;
  const auto* g = impl_->table.longest(uri);
  if (!g || !Impl::Table::current(*g)) return std::nullopt;
  return g->prefix;
}

const Key* KeyRing::send_key(std::string_view uri, Role role, std::string_view* enc_key) const {
  if (enc_key) *enc_key = {};
  const auto* g = impl_ ? impl_->table.longest(uri) : nullptr;
  if (!g) return nullptr;
  const Impl::Slot* s = Impl::Table::current(*g);
  if (!s) {
    throw Error(ErrorCode::kNoKey, "the keys for prefix '" + g->prefix + "' (matching '" + std::string(uri) +
                                       "') are all grace or retired: no current key to send with");
  }
  if (enc_key && g->named) *enc_key = s->sender_id(role);
  return &s->key;
}

const Key* KeyRing::receive_key(std::string_view uri, std::optional<std::string_view> enc_key, Role role,
                                std::size_t attempt) const {
  const auto* g = impl_ ? impl_->table.longest(uri) : nullptr;
  if (!g) {
    if (attempt > 0) return nullptr;
    throw Error(ErrorCode::kNoKey, "no key matches '" + std::string(uri) + "'");
  }
  if (enc_key && is_key_id_form(*enc_key)) {
    if (attempt > 0) return nullptr;
    return &Impl::Table::named(
                *g, [&](const Impl::Slot& s) { return s.receiver_named(role, *enc_key); }, "enc_key", *enc_key, uri)
                .key;
  }
  // Unnamed: the current key, then each grace key.
  std::size_t n = 0;
  if (const Impl::Slot* cur = Impl::Table::current(*g)) {
    if (attempt == n++) return &cur->key;
  }
  for (const Impl::Slot& s : g->slots) {
    if (s.status == KeyStatus::kGrace && attempt == n++) return &s.key;
  }
  if (attempt == 0) {
    throw Error(ErrorCode::kNoKey, "the keys for prefix '" + g->prefix + "' (matching '" + std::string(uri) +
                                       "') are all retired");
  }
  return nullptr;
}

std::size_t KeyRing::size() const noexcept { return impl_ ? impl_->table.group_count() : 0; }
std::size_t KeyRing::key_count() const noexcept { return impl_ ? impl_->table.slot_count() : 0; }

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
  for (auto field : top) {
    // Named copies, not a structured binding: clang 14 (the fuzz build) cannot capture a binding in the lambda.
    const std::string_view prefix = field.key;
    const simdjson::dom::element entry = field.value;
    if (!prefixes.insert(prefix).second) {
      throw Error(ErrorCode::kParseError, "keyring: duplicate " + describe_prefix(prefix));
    }
    auto check_fields = [&](simdjson::dom::element e) {
      simdjson::dom::object fields;
      if (e.get_object().get(fields) != simdjson::SUCCESS) return;
      std::set<std::string_view> names;
      for (auto [name, value] : fields) {
        (void)value;
        if (!names.insert(name).second) {
          throw Error(ErrorCode::kParseError,
                      "keyring: duplicate field \"" + std::string(name) + "\" in " + describe_prefix(prefix));
        }
      }
    };
    simdjson::dom::array list;
    if (entry.get_array().get(list) == simdjson::SUCCESS) {
      for (simdjson::dom::element e : list) check_fields(e);
    } else {
      check_fields(entry);
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
    auto wipe_entry = [](Value& entry) {
      if (entry.kind() != Value::Kind::kObject) return;
      for (auto& [name, value] : entry.as_object()) {
        if (value.kind() == Value::Kind::kString) wipe_string(const_cast<std::string&>(value.as_string()));
      }
    };
    for (auto& [prefix, entry] : doc.as_object()) {
      if (entry.kind() == Value::Kind::kArray) {
        for (Value& e : entry.as_array()) wipe_entry(e);
      } else {
        wipe_entry(entry);
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

// One keyring entry: the key and, in the rotation (array) form, its status.
Key parse_entry(const Value& entry, const std::string& where, bool rotation, KeyStatus& status) {
  if (entry.kind() != Value::Kind::kObject) {
    throw Error(ErrorCode::kParseError, "keyring: " + where + ": entry must be a JSON object");
  }
  Key::Parts parts;
  std::optional<std::string> single;
  WipeParts wipe_parts{parts, single};
  status = KeyStatus::kCurrent;
  for (const auto& [name, value] : entry.as_object()) {
    if (value.kind() != Value::Kind::kString) {
      throw Error(ErrorCode::kParseError, "keyring: " + where + ": field \"" + name + "\" must be a string");
    }
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
    else if (name == "status" && rotation) {
      try {
        status = parse_key_status(value.as_string());
      } catch (const Error& e) {
        throw Error(ErrorCode::kParseError, "keyring: " + where + ": " + e.what());
      }
      continue;
    } else {
      throw Error(ErrorCode::kParseError,
                  "keyring: " + where + ": unknown field \"" + name +
                      "\" (allowed: originator_priv, originator_pub, responder_priv, responder_pub, private" +
                      (rotation ? ", status)" : "; status only in the rotation form, an array of entries)"));
    }
    *slot = value.as_string();
  }
  const bool any_part = parts.originator_priv || parts.originator_pub || parts.responder_priv || parts.responder_pub;
  if (single && any_part) {
    throw Error(ErrorCode::kParseError,
                "keyring: " + where + ": \"private\" (one key for both roles) cannot be combined with other fields");
  }
  try {
    return single ? Key::from_single_private(*single) : Key::from_parts(parts);
  } catch (const Error& e) {
    throw Error(e.code(), "keyring: " + where + ": " + e.what());
  }
}

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
    KeyStatus status;
    if (entry.kind() != Value::Kind::kArray) {
      ring.set_key(prefix, parse_entry(entry, where, false, status));
      continue;
    }
    // Rotation: every entry added in order (a current one demotes the one before).
    const Array& list = entry.as_array();
    if (list.empty()) throw Error(ErrorCode::kParseError, "keyring: " + where + ": an empty list of keys");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string at = where + ", key " + std::to_string(i);
      Key key = parse_entry(list[i], at, true, status);
      try {
        ring.add_key(prefix, std::move(key), status);
      } catch (const Error& e) {
        throw Error(e.code(), "keyring: " + at + ": " + e.what());
      }
    }
  }
  return ring;
}

}  // namespace wampbox
