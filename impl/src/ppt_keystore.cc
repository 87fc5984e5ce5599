// PPT key store files: see load_ppt_keystore_json in ppt.h and
// docs/keyring-format.md ("PPT key stores").
#include <sodium.h>

#include <algorithm>
#include <optional>
#include <string>

#include "key_rotation_internal.h"
#include "ppt_internal.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/keys.h"
#include "wampbox/ppt.h"

namespace wampbox {

namespace {

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw Error(ErrorCode::kParseError, "PPT key store: " + where + ": " + what);
}

const std::string& str_field(const Object& o, const std::string& k, const std::string& where) {
  for (const auto& [key, v] : o) {
    if (key == k) {
      if (v.kind() != Value::Kind::kString) bad(where, "'" + k + "' must be a string");
      return v.as_string();
    }
  }
  bad(where, "missing '" + k + "'");
}

}  // namespace

PptKeyStore load_ppt_keystore_json(std::string_view json_text, const PptCrypto& crypto) {
  const Value doc = json_parse(json_text);
  if (doc.kind() != Value::Kind::kArray) bad("top level", "must be a JSON array of key entries");
  PptKeyStore store(crypto);
  std::size_t i = 0;
  for (const Value& e : doc.as_array()) {
    const std::string where = "entry " + std::to_string(i++);
    if (e.kind() != Value::Kind::kObject) bad(where, "must be a JSON object");
    const Object& o = e.as_object();
    const std::string& prefix = str_field(o, "prefix", where);
    const std::string& model = str_field(o, "model", where);
    PptKeyStatus status = PptKeyStatus::kCurrent;
    Key::Parts parts;
    std::optional<std::string> single;
    for (const auto& [k, v] : o) {
      if (k == "prefix" || k == "model") continue;
      if (v.kind() != Value::Kind::kString) bad(where, "'" + k + "' must be a string");
      const std::string& s = v.as_string();
      if (k == "status") {
        status = parse_ppt_key_status(s);
      } else if (model == "symmetric" && (k == "keyid" || k == "key")) {
        continue;
      } else if (model == "keypair" && k == "originator_priv") {
        parts.originator_priv = s;
      } else if (model == "keypair" && k == "originator_pub") {
        parts.originator_pub = s;
      } else if (model == "keypair" && k == "responder_priv") {
        parts.responder_priv = s;
      } else if (model == "keypair" && k == "responder_pub") {
        parts.responder_pub = s;
      } else if (model == "keypair" && k == "private") {
        single = s;
      } else {
        bad(where, "unknown field '" + k + "' for model '" + model + "'");
      }
    }
    if (model == "symmetric") {
      // 32 bytes in base64 or hex, the forms every other key takes.
      const SecretKey key = SecretKey::parse(str_field(o, "key", where));
      store.add_symmetric(prefix, str_field(o, "keyid", where), key.bytes(), status);
    } else if (model == "keypair") {
      if (single && (parts.originator_priv || parts.originator_pub || parts.responder_priv || parts.responder_pub)) {
        bad(where, "'private' cannot be combined with the four role keys");
      }
      store.add_keypair(prefix, single ? Key::from_single_private(*single) : Key::from_parts(parts), status);
    } else {
      bad(where, "model must be 'symmetric' or 'keypair', not '" + model + "'");
    }
  }
  return store;
}

// ---------------------------------------------------------------------------
// PptKeyStore: its entries live in the rotation table KeyRing uses too
// (key_rotation_internal.h: prefixes, current/grace/retired, demotion, lookup
// of a named key).

using ppt_internal::key_uri_of;
using ppt_internal::protocol_error;

struct PptKeyStore::Impl {
  struct Slot {
    KeyStatus status;
    std::string id;                // symmetric: lowercase key id
    std::optional<SharedKey> sym;  // symmetric data key (wiped on destruction)
    std::optional<Key> pair;       // keypair model
    std::string pair_ids[2];       // keypair: lowercase ppt_key_id of originator_pub, responder_pub ("" if absent)

    // The id this entry has when `role` sends (receiver's public key).
    const std::string& sender_id(Role role) const { return pair ? pair_ids[role == Role::kOriginator ? 1 : 0] : id; }
    bool names(std::string_view lower_id) const {
      return pair ? (pair_ids[0] == lower_id || pair_ids[1] == lower_id) : id == lower_id;
    }
    // Whether `lower_id` names this entry when `role` receives (its own public key).
    bool receiver_named(Role role, std::string_view lower_id) const {
      return pair ? pair_ids[role == Role::kResponder ? 1 : 0] == lower_id : id == lower_id;
    }
    std::span<const std::uint8_t, kKeyBytes> key_bytes(Role role) const {
      return sym ? sym->bytes() : pair->shared(role).bytes();
    }
  };
  using Table = internal::RotationTable<Slot>;
  Table table;
};

PptKeyStore::PptKeyStore(PptCrypto crypto) : impl_(std::make_unique<Impl>()), crypto_(crypto) {}
PptKeyStore::PptKeyStore(PptKeyStore&&) noexcept = default;
PptKeyStore& PptKeyStore::operator=(PptKeyStore&&) noexcept = default;
PptKeyStore::~PptKeyStore() = default;

std::size_t PptKeyStore::size() const noexcept { return impl_ ? impl_->table.slot_count() : 0; }
const PptCrypto& PptKeyStore::crypto() const noexcept { return crypto_; }

void PptKeyStore::add_symmetric(std::string_view uri_prefix, std::string_view keyid,
                                std::span<const std::uint8_t, kKeyBytes> key, PptKeyStatus status) {
  std::string id = ppt_keyid_normalize(keyid, crypto_);
  const std::string ids[1] = {id};
  impl_->table.add(uri_prefix, Impl::Slot{status, std::move(id), SharedKey::from_bytes(key), std::nullopt, {}}, ids)
      .named = true;
}

void PptKeyStore::add_keypair(std::string_view uri_prefix, Key key, PptKeyStatus status) {
  Impl::Slot e{status, {}, std::nullopt, std::nullopt, {}};
  if (key.originator_pub()) e.pair_ids[0] = ppt_key_id(*key.originator_pub());
  if (key.responder_pub()) e.pair_ids[1] = ppt_key_id(*key.responder_pub());
  e.pair.emplace(std::move(key));
  const std::string ids[2] = {e.pair_ids[0], e.pair_ids[1]};
  impl_->table.add(uri_prefix, std::move(e), ids).named = true;
}

void PptKeyStore::set_status(std::string_view uri_prefix, std::string_view keyid, PptKeyStatus status) {
  const std::string id = ppt_keyid_normalize(keyid, crypto_);
  Impl::Table::Group* g = impl_->table.exact(uri_prefix);
  if (!g) throw Error(ErrorCode::kNoKey, "no key " + id + " for prefix '" + std::string(uri_prefix) + "'");
  Impl::Table::set_status(*g, id, status);
}

Message PptKeyStore::seal(Role role, const Message& plain, std::string_view cipher,
                          std::optional<std::string_view> uri) const {
  return seal_core(role, plain, cipher, uri, {});
}

Message PptKeyStore::seal_for_testing(Role role, const Message& plain, std::string_view cipher,
                                      std::optional<std::string_view> uri, std::span<const std::uint8_t> nonce) const {
  ppt_internal::require_nonce_for_testing(nonce);
  return seal_core(role, plain, cipher, uri, nonce);
}

Message PptKeyStore::seal_core(Role role, const Message& plain, std::string_view cipher,
                               std::optional<std::string_view> uri, std::span<const std::uint8_t> fixed_nonce) const {
  const std::string_view key_uri = key_uri_of(plain, uri);
  const Impl::Table::Group* g = impl_->table.longest(key_uri);
  const Impl::Slot* e = g ? Impl::Table::current(*g) : nullptr;
  if (!e) throw Error(ErrorCode::kNoKey, "no current PPT key for URI '" + std::string(key_uri) + "'");
  if (e->pair && !e->pair->has_role(role)) (void)e->pair->shared(role);  // throws kMissingRole with the details
  PptAttributes attrs;
  attrs.scheme = std::string(kPptSchemeWamp);
  attrs.serializer = "cbor";
  attrs.cipher = std::string(cipher);
  const std::string& id = e->sender_id(role);
  if (!id.empty()) attrs.keyid = ppt_keyid_write_form(id, crypto_);
  const auto key = e->key_bytes(role);
  return ppt_internal::wrap_core(plain, attrs, &key, crypto_, fixed_nonce);
}

Message PptKeyStore::open(Role role, const Message& m, std::optional<std::string_view> uri,
                          PptAttributes* attrs_out) const {
  std::optional<PptAttributes> attrs = ppt_attributes(m.options);
  if (!attrs) protocol_error("message has no ppt_scheme");
  if (!attrs->cipher) return ppt_unwrap(m, nullptr, crypto_, attrs_out);
  const std::string_view key_uri = key_uri_of(m, uri);
  const Impl::Table::Group* g = impl_->table.longest(key_uri);
  if (!g) throw Error(ErrorCode::kNoKey, "no PPT key for URI '" + std::string(key_uri) + "'");
  const Impl::Slot* e = nullptr;
  if (attrs->keyid) {
    const std::string id = ppt_keyid_normalize(*attrs->keyid, crypto_);
    e = &Impl::Table::named(
        *g, [&](const Impl::Slot& s) { return s.receiver_named(role, id); }, "ppt_keyid", *attrs->keyid, key_uri);
  } else {
    e = Impl::Table::current(*g);
    if (!e) throw Error(ErrorCode::kNoKey, "no current PPT key for URI '" + std::string(key_uri) + "'");
  }
  if (e->pair && !e->pair->has_role(role)) (void)e->pair->shared(role);  // kMissingRole
  const auto key = e->key_bytes(role);
  return ppt_unwrap(m, &key, crypto_, attrs_out);
}

}  // namespace wampbox
