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
  [[nodiscard]] static Key from_parts(const Parts& parts);
  /// A single private key used for both roles (Autobahn's set_key(uri, str)).
  [[nodiscard]] static Key from_single_private(std::string_view priv);

  [[nodiscard]] bool has_role(Role r) const noexcept;
  /// Throws Error(kMissingRole) if the box for `r` cannot be formed.
  [[nodiscard]] const SharedKey& shared(Role r) const;

  [[nodiscard]] const std::optional<PublicKey>& originator_pub() const noexcept { return originator_pub_; }
  [[nodiscard]] const std::optional<PublicKey>& responder_pub() const noexcept { return responder_pub_; }

 private:
  Key() = default;
  std::optional<PublicKey> originator_pub_, responder_pub_;
  std::optional<SharedKey> originator_box_, responder_box_;
};

/// Rotation state of a key (KeyRing::add_key; PptKeyStore):
///   kCurrent: the key a sender uses (at most one per URI prefix), and accepted;
///   kGrace:   no longer used to send, still accepted (rotation grace period);
///   kRetired: refused when a message names it, with Error(kRetiredKey).
enum class KeyStatus { kCurrent, kGrace, kRetired };
/// "current", "grace" or "retired".
[[nodiscard]] std::string_view to_string(KeyStatus s) noexcept;
/// Inverse of to_string; Error(kInvalidArgument) for anything else.
[[nodiscard]] KeyStatus parse_key_status(std::string_view s);

/// URI -> keys, looked up by longest *character* prefix (a key set for
/// "com.myapp.enc" also matches "com.myapp.encrypted.x"), then the default key
/// (set with the empty prefix).
///
/// Two ways to fill a prefix:
///  - set_key (Autobahn's KeyRing.set_key): exactly one key; senders write no
///    enc_key, receivers ignore enc_key unless it names a key in the key-id
///    form: frames are byte-identical to Autobahn's.
///  - add_key (key rotation): several keys, each current, grace or retired
///    (KeyStatus). The sender uses the current key and names it in enc_key:
///    the key id ("0x" + lowercase hex of the last 20 bytes of SHA-256,
///    ppt_key_id in ppt.h) of the RECEIVER's public key for the box it seals
///    with (the responder's when the originator seals, the originator's when
///    the responder seals), so the receiver finds its own key pair without
///    configuration. A receiver opens with the key enc_key names (grace
///    accepted, retired refused); a payload with no enc_key (every Autobahn
///    sender) is tried with the current key, then each grace key.
/// docs/keyring.md explains rotation and what interoperates with Autobahn.
///
/// Lookups are thread-safe against each other; mutation is not thread-safe.
class KeyRing {
 public:
  KeyRing();
  ~KeyRing();
  KeyRing(KeyRing&&) noexcept;
  KeyRing& operator=(KeyRing&&) noexcept;

  /// Sets (or replaces) the key for `uri_prefix`; "" sets the default key. The
  /// prefix then holds exactly this key (current), and senders name no key
  /// (no enc_key), as Autobahn.
  void set_key(std::string_view uri_prefix, Key key);
  /// Key rotation: adds `key` to the keys of `uri_prefix` with `status`; a
  /// kCurrent key demotes the prefix's previous current key to kGrace. From
  /// then on senders name the prefix's current key in enc_key (see the class
  /// comment). Error(kInvalidKey) if the prefix already has a key with one of
  /// this key's public key ids (a rotation needs new key pairs on both sides).
  void add_key(std::string_view uri_prefix, Key key, KeyStatus status = KeyStatus::kCurrent);
  /// Changes the status of the key of exactly `uri_prefix` that `keyid` names
  /// (the id of either of its public keys, any letter case); kCurrent demotes
  /// the previous current key. Error(kBadKeyId) unless `keyid` is "0x" + 40
  /// hex digits; Error(kNoKey) if no key of the prefix has it.
  void set_status(std::string_view uri_prefix, std::string_view keyid, KeyStatus status);
  /// Removes every key of exactly `uri_prefix`; returns whether it had any.
  bool remove_key(std::string_view uri_prefix);

  /// The current key for `uri`, or nullptr if no prefix matches (and there is
  /// no default) or the matching prefix has no current key.
  [[nodiscard]] const Key* find(std::string_view uri) const noexcept;
  /// The prefix `find(uri)` matched ("" for the default key), or nullopt.
  [[nodiscard]] std::optional<std::string> matched_prefix(std::string_view uri) const;

  /// Sending: the key to seal a payload for `uri` with. nullptr when no prefix
  /// matches (the message goes in plaintext, as with Autobahn). When the
  /// prefix has keys but none is current (all grace or retired):
  /// Error(kNoKey), never plaintext. `enc_key`, if given, receives the key id
  /// to write as enc_key: the id of the receiver's public key for `role`'s box
  /// for prefixes filled with add_key, empty for set_key prefixes (no
  /// enc_key). The view is valid until the ring is modified. No allocation.
  [[nodiscard]] const Key* send_key(std::string_view uri, Role role, std::string_view* enc_key = nullptr) const;

  /// Receiving: the key to try as attempt number `attempt` (0, 1, ...) on a
  /// payload for `uri` that carried `enc_key` (nullopt: none), opened with
  /// `role`'s box; nullptr when there is none left (attempt > 0).
  ///  - enc_key in the key-id form ("0x" + 40 hex digits, any case): only the
  ///    key of the matching prefix whose own public key for `role` it names;
  ///    none: Error(kNoKey); retired: Error(kRetiredKey).
  ///  - enc_key absent, or another string (Autobahn never sets it and ignores
  ///    it; so does wampbox): the current key, then each grace key in the order
  ///    they were added; none of either: Error(kNoKey).
  ///  - no prefix matches: Error(kNoKey).
  /// Errors are thrown for attempt 0 only. No allocation on success.
  [[nodiscard]] const Key* receive_key(std::string_view uri, std::optional<std::string_view> enc_key, Role role,
                         std::size_t attempt = 0) const;

  /// The number of prefixes with keys.
  [[nodiscard]] std::size_t size() const noexcept;
  /// The number of keys over all prefixes.
  [[nodiscard]] std::size_t key_count() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads a keyring file (docs/keyring-format.md). Format (JSON object: URI
/// prefix -> entry, or -> array of entries for key rotation; "" is the default
/// key):
///   { "com.myapp.": {"originator_priv": "...", "responder_pub": "..."},
///     "com.other.": {"private": "..."},          // one key, both roles
///     "com.rot.":   [ {"private": "...", "status": "grace"},   // rotation: add_key
///                     {"private": "..."} ],                    // status current (default)
///     "":           {"responder_priv": "...", "originator_pub": "..."} }
/// An object entry is set_key (no enc_key is sent: Autobahn's frames); an
/// array is add_key of each entry in order, with "status" current (default),
/// grace or retired. Keys in base64 or hex. Unknown fields, duplicate prefixes
/// or fields, an empty array or a bad status throw Error(kParseError), bad keys
/// Error(kInvalidKey), two entries of a prefix with a common public key
/// Error(kInvalidKey), each naming the offending prefix.
[[nodiscard]] KeyRing load_keyring_json(std::string_view json_text);

}  // namespace wampbox
