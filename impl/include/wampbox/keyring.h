// Per-URI key pairs with Autobahn|Python's KeyRing semantics.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wampbox/keys.h"

namespace wampbox {

/// Which of a Key's two boxes a message uses. The originator (caller,
/// publisher) seals CALL/PUBLISH and opens RESULT/ERROR; the responder
/// (callee, subscriber) opens INVOCATION/EVENT and seals YIELD/ERROR.
enum class Role { kOriginator, kResponder };

/// Keys for one URI prefix, as Autobahn's cryptobox.Key: each side given as a
/// private key (which implies the public key) or a public key alone. The
/// originator box exists when originator_priv and responder_pub are known, the
/// responder box when responder_priv and originator_pub are known; at least
/// one must exist. Shared keys are derived once, here (crypto_box_beforenm),
/// never per message.
class Key {
 public:
  struct Parts {
    std::optional<std::string> originator_priv, originator_pub, responder_priv, responder_pub;
  };
  /// Each part in base64 or hex. Throws Error(kInvalidKey) if a part does not
  /// parse, a given public key contradicts its private key, or neither box can
  /// be formed.
  static Key from_parts(const Parts& parts);
  /// A single private key used for both roles (Autobahn's set_key(uri, str)).
  static Key from_single_private(std::string_view priv);

  bool has_role(Role r) const noexcept;
  /// Throws Error(kMissingRole) if the box for `r` cannot be formed.
  const SharedKey& shared(Role r) const;

  const std::optional<PublicKey>& originator_pub() const noexcept { return originator_pub_; }
  const std::optional<PublicKey>& responder_pub() const noexcept { return responder_pub_; }

 private:
  Key() = default;
  std::optional<PublicKey> originator_pub_, responder_pub_;
  std::optional<SharedKey> originator_box_, responder_box_;
};

/// URI -> Key, looked up by longest *character* prefix (a key set for
/// "com.myapp.enc" also matches "com.myapp.encrypted.x"), then the default key
/// (set with the empty prefix). Lookups are thread-safe against each other;
/// mutation is not thread-safe.
class KeyRing {
 public:
  KeyRing();
  ~KeyRing();
  KeyRing(KeyRing&&) noexcept;
  KeyRing& operator=(KeyRing&&) noexcept;

  /// Sets (or replaces) the key for `uri_prefix`; "" sets the default key.
  void set_key(std::string_view uri_prefix, Key key);
  /// Removes the key for exactly `uri_prefix`; returns whether one existed.
  bool remove_key(std::string_view uri_prefix);

  /// The key for `uri`, or nullptr if none matches and there is no default.
  const Key* find(std::string_view uri) const noexcept;
  /// The prefix `find(uri)` matched ("" for the default key), or nullopt.
  std::optional<std::string> matched_prefix(std::string_view uri) const;

  std::size_t size() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads a keyring file. Format (JSON object: URI prefix -> entry; "" is the
/// default key):
///   { "com.myapp.": {"originator_priv": "...", "responder_pub": "..."},
///     "com.other.": {"private": "..."},          // one key, both roles
///     "":           {"responder_priv": "...", "originator_pub": "..."} }
/// Keys in base64 or hex. Unknown fields, duplicate prefixes or bad keys throw
/// Error(kInvalidKey / kParseError) naming the offending prefix.
KeyRing load_keyring_json(std::string_view json_text);

}  // namespace wampbox
