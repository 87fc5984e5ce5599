// PPT key store files: see load_ppt_keystore_json in ppt.h and
// docs/keyring-format.md ("PPT key stores").
#include <string>

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

}  // namespace wampbox
