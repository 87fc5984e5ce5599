// The WAMP spec's Payload PassThru Mode (PPT, rfc/text/advanced/payload_passthru_mode.md,
// marked "sketch" by the spec): a newer alternative to WAMP-cryptobox that
// Autobahn|Python does NOT speak (its parser ignores ppt_* and would hand the
// one-element Arguments list to the application as is).
//
// Wire form: Options/Details carry ppt_scheme (required), ppt_serializer,
// ppt_cipher, ppt_keyid; Arguments is a list of exactly ONE binary element
// ([Payload|binary]); ArgumentsKw is absent (or empty). The payload is the
// inner object {"args": Arguments|list, "kwargs": ArgumentsKw|dict} (no "uri",
// unlike cryptobox) serialized with ppt_serializer and, with ppt_cipher
// "xsalsa20poly1305", sealed exactly like cryptobox: nonce(24) || mac(16) ||
// ciphertext of NaCl crypto_box. Unlike cryptobox, nothing binds the payload
// to its URI.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wampbox/keyring.h"
#include "wampbox/keys.h"
#include "wampbox/message.h"
#include "wampbox/value.h"

namespace wampbox {

inline constexpr std::string_view kPptSchemeWamp = "wamp";
inline constexpr std::string_view kPptSchemeMqtt = "mqtt";
inline constexpr std::string_view kPptCipherXsalsa20Poly1305 = "xsalsa20poly1305";
inline constexpr std::string_view kPptCipherAes256Gcm = "aes256gcm";

/// The ppt_* attributes of a message's Options/Details.
struct PptAttributes {
  std::string scheme;                     // ppt_scheme: "wamp", "mqtt" or "x_..."
  std::optional<std::string> serializer;  // ppt_serializer: native, json, msgpack, cbor, flatbuffers (or custom)
  std::optional<std::string> cipher;      // ppt_cipher: xsalsa20poly1305, aes256gcm (or custom)
  std::optional<std::string> keyid;       // ppt_keyid
  bool operator==(const PptAttributes&) const = default;
};

/// The spec's rules, each violation an Error(kProtocolError) (the spec treats
/// PPT misuse as wamp.error.protocol_violation):
///   ppt_scheme non-empty: "wamp", "mqtt" or custom "x_" + at least one character;
///   wamp: ppt_serializer required and "cbor" or "flatbuffers"; ppt_cipher
///         absent, "xsalsa20poly1305" or "aes256gcm"; ppt_keyid absent or "0x"
///         + 40 hex digits (either case);
///   mqtt: ppt_serializer absent (meaning "native") or native/json/msgpack/cbor;
///         ppt_cipher and ppt_keyid absent;
///   custom: any strings.
void ppt_validate(const PptAttributes& a);

/// Reads and validates the ppt_* attributes: nullopt if `options` has none.
/// Error(kProtocolError) if a ppt_* value is not a string, if ppt_* attributes
/// are present without ppt_scheme, or per ppt_validate.
[[nodiscard]] std::optional<PptAttributes> ppt_attributes(const Object& options);

/// Replaces any ppt_* in `options` by those set in `a`, appended at the end in
/// the order scheme, serializer, cipher, keyid.
void ppt_set_attributes(Object& options, const PptAttributes& a);

/// The spec's key id for scheme "wamp": "0x" + lowercase hex of the least
/// significant (last) 20 bytes of SHA-256 of the 32-byte public key (the
/// "plain" form; ppt_key_id_eip55 writes the checksummed form).
[[nodiscard]] std::string ppt_key_id(const PublicKey& pk);

// ---------------------------------------------------------------------------
// Pluggable crypto. The core library depends on libsodium only; two things PPT
// needs are not in libsodium everywhere: AES-256-GCM on CPUs without AES-NI +
// PCLMUL (libsodium's crypto_aead_aes256gcm is hardware-only) and Keccak-256
// (EIP-55 checksums). A PptCrypto names the implementations to use; the
// separate target wampbox::ppt_ext (wampbox/ppt_ext.h) supplies packaged ones
// (OpenSSL libcrypto, Nettle's Keccak-f permutation).

inline constexpr std::size_t kAesGcmKeyBytes = 32;
inline constexpr std::size_t kAesGcmNonceBytes = 12;
inline constexpr std::size_t kAesGcmTagBytes = 16;

/// An AES-256-GCM implementation with PPT's parameters: 32-byte key, 12-byte
/// nonce, empty associated data, 16-byte tag appended. Both functions must be
/// safe to call from several threads at once.
struct Aes256GcmImpl {
  const char* name;
  /// Writes ciphertext || tag (plaintext.size() + 16 bytes) to `out`. `out`
  /// may equal plaintext.data() (in place: ppt_wrap encrypts that way); other
  /// overlaps are not allowed.
  void (*seal)(const std::uint8_t* key, const std::uint8_t* nonce, std::span<const std::uint8_t> plaintext,
               std::uint8_t* out);
  /// Writes the plaintext (ct_tag.size() - 16 bytes, ct_tag.size() >= 16) to
  /// `out`; false (out unspecified) if the tag does not verify.
  bool (*open)(const std::uint8_t* key, const std::uint8_t* nonce, std::span<const std::uint8_t> ct_tag,
               std::uint8_t* out);
};

/// libsodium's crypto_aead_aes256gcm, or nullptr when
/// crypto_aead_aes256gcm_is_available() is false (no AES-NI/PCLMUL).
[[nodiscard]] const Aes256GcmImpl* libsodium_aes256gcm() noexcept;

/// Keccak-256 (the original Keccak padding Ethereum uses, NOT SHA3-256).
using Keccak256Fn = void (*)(std::span<const std::uint8_t> in, std::uint8_t out[32]);

/// What a PPT operation uses beyond libsodium. Default: libsodium's AES-GCM
/// only (aes256gcm then fails with Error(kUnsupportedEncAlgo) on CPUs without
/// AES-NI) and no Keccak (key ids are written in lowercase, and a mixed-case
/// id, whose checksum cannot be checked, is Error(kBadKeyId)).
struct PptCrypto {
  const Aes256GcmImpl* aes256gcm_fallback = nullptr;  // used where libsodium has no AES-GCM
  bool force_aes256gcm_fallback = false;               // use the fallback even where it has (tests, benchmarks)
  Keccak256Fn keccak256 = nullptr;
};

/// The AES-256-GCM implementation `crypto` selects: libsodium's unless
/// unavailable or force_aes256gcm_fallback, then the fallback; nullptr if none.
[[nodiscard]] const Aes256GcmImpl* ppt_aes256gcm(const PptCrypto& crypto) noexcept;

/// EIP-55: "0x" + the 40 hex digits with each letter upper-cased where the
/// matching nibble of Keccak-256(lowercase hex digits, as ASCII) is >= 8.
/// `id` must be "0x" + 40 hex digits (any case; Error(kBadKeyId) otherwise).
[[nodiscard]] std::string eip55_checksum(std::string_view id, Keccak256Fn keccak256);

/// ppt_key_id in EIP-55 form.
[[nodiscard]] std::string ppt_key_id_eip55(const PublicKey& pk, Keccak256Fn keccak256);

/// The profile's reading of a received key id: "0x" (lowercase x) + 40 hex
/// digits; all-lowercase or all-uppercase digits carry no checksum (as in
/// EIP-55) and are accepted; mixed case must be the EIP-55 checksum. Returns
/// the lowercase form. Error(kBadKeyId) for a malformed id, a wrong checksum,
/// or a mixed-case id when crypto.keccak256 is null.
[[nodiscard]] std::string ppt_keyid_normalize(std::string_view id, const PptCrypto& crypto);

/// The key id form wampbox writes: EIP-55 when crypto.keccak256 is set,
/// lowercase otherwise. `id` as ppt_keyid_normalize.
[[nodiscard]] std::string ppt_keyid_write_form(std::string_view id, const PptCrypto& crypto);

/// Encrypts `plaintext` with `cipher` ("xsalsa20poly1305": crypto_secretbox,
/// nonce(24) || mac(16) || ct; "aes256gcm": nonce(12) || ct || tag(16), empty
/// AAD: connectanum-dart's layouts) under the 32-byte `key`, with a fresh
/// random nonce from libsodium. Other ciphers, or aes256gcm with no
/// implementation: Error(kUnsupportedEncAlgo).
[[nodiscard]] Bytes ppt_encrypt(std::string_view cipher, std::span<const std::uint8_t, kKeyBytes> key,
                                std::span<const std::uint8_t> plaintext, const PptCrypto& crypto = {});

/// FOR TESTS ONLY: ppt_encrypt with the caller's `nonce` (24 bytes for
/// xsalsa20poly1305, 12 for aes256gcm; otherwise, or empty,
/// Error(kInvalidArgument)). It exists to reproduce known-answer vectors and
/// is the same code path as ppt_encrypt. Never use it in production: a nonce
/// used twice with the same key breaks both ciphers.
[[nodiscard]] Bytes ppt_encrypt_for_testing(std::string_view cipher, std::span<const std::uint8_t, kKeyBytes> key,
                                            std::span<const std::uint8_t> plaintext, const PptCrypto& crypto,
                                            std::span<const std::uint8_t> nonce);

/// Inverse of ppt_encrypt. A short payload or failed MAC/tag is
/// Error(kDecryptFailed); no plaintext is released then.
[[nodiscard]] Bytes ppt_decrypt(std::string_view cipher, std::span<const std::uint8_t, kKeyBytes> key,
                                std::span<const std::uint8_t> payload, const PptCrypto& crypto = {});

/// The inner object {"args": args, "kwargs": kwargs} (args an Array, Null
/// written as []; kwargs an Object, Null written as {}) serialized with
/// "json", "msgpack" or "cbor" exactly as json_write / msgpack_write /
/// cbor_write do. Other names throw Error(kUnsupportedEncSerializer).
[[nodiscard]] Bytes ppt_pack(std::string_view serializer, const Value& args, const Value& kwargs);

/// Inverse of ppt_pack. Syntax errors as the parsers. Anything but an object
/// whose only keys are "args" (array or null) and "kwargs" (object or null)
/// throws Error(kMalformedPlaintext); a missing key reads as null.
void ppt_unpack(std::string_view serializer, std::span<const std::uint8_t> data, Value& args, Value& kwargs);

/// The PPT form of plain message `plain` (which must have no payload):
/// `attrs` validated and written into options (see ppt_set_attributes), the
/// inner object packed with attrs.serializer and, if attrs.cipher is
/// "xsalsa20poly1305", sealed with `key` (required then: Error(kNoKey)).
/// (The overload taking a PptCrypto below also does aes256gcm.)
/// Serializer "native" (or absent with mqtt) sends plain.args' single Binary
/// element as is (Error(kInvalidArgument) unless args is one Binary and
/// kwargs empty). flatbuffers -> Error(kUnsupportedEncSerializer); aes256gcm
/// or a custom cipher -> Error(kUnsupportedEncAlgo).
[[nodiscard]] Message ppt_wrap(const Message& plain, const PptAttributes& attrs, const SharedKey* key = nullptr);

/// The plain form of a PPT message: the structure is checked (ppt_scheme
/// present, no payload/enc_algo, Arguments exactly one Binary element,
/// ArgumentsKw absent or empty: Error(kProtocolError)); the payload opened
/// with `key` when ppt_cipher is xsalsa20poly1305 (Error(kNoKey) if null,
/// Error(kDecryptFailed) on a bad MAC), unpacked, and ppt_* removed from the
/// options. "native" payloads come back as args [Binary]. `attrs_out`, if
/// given, receives the attributes.
[[nodiscard]] Message ppt_unwrap(const Message& m, const SharedKey* key = nullptr, PptAttributes* attrs_out = nullptr);

/// ppt_wrap with either spec cipher: `key` (32 bytes: a symmetric data key,
/// or a crypto_box shared key) is required when attrs.cipher is set
/// (Error(kNoKey)). The attributes are written as given (callers put the key
/// id in the form they want).
[[nodiscard]] Message ppt_wrap(const Message& plain, const PptAttributes& attrs,
                               const std::span<const std::uint8_t, kKeyBytes>* key, const PptCrypto& crypto);

/// FOR TESTS ONLY: the two ppt_wrap overloads with the caller's `nonce` (as
/// ppt_encrypt_for_testing: empty or the wrong length for the cipher is
/// Error(kInvalidArgument)); same code path and errors otherwise. For
/// known-answer vectors; never in production (nonce reuse breaks the cipher).
[[nodiscard]] Message ppt_wrap_for_testing(const Message& plain, const PptAttributes& attrs, const SharedKey* key,
                                           const std::array<std::uint8_t, kNonceBytes>& nonce);
[[nodiscard]] Message ppt_wrap_for_testing(const Message& plain, const PptAttributes& attrs,
                                           const std::span<const std::uint8_t, kKeyBytes>* key, const PptCrypto& crypto,
                                           std::span<const std::uint8_t> nonce);

/// ppt_unwrap with either spec cipher (see ppt_decrypt).
[[nodiscard]] Message ppt_unwrap(const Message& m, const std::span<const std::uint8_t, kKeyBytes>* key,
                                 const PptCrypto& crypto, PptAttributes* attrs_out = nullptr);

/// End-to-end encryption with a cryptobox KeyRing: scheme "wamp", serializer
/// "cbor", cipher "xsalsa20poly1305", and ppt_keyid = ppt_key_id of the
/// RECEIVER's public key (the responder's for role kOriginator, the
/// originator's for kResponder): the spec says the key id names the key "that
/// was used" so that "the target peer [can] choose a private key without
/// guessing", and the receiver's own key pair is what it looks up. The key is
/// the one the keyring has for the URI seal_message would use: a non-empty
/// EVENT Details.topic / INVOCATION Details.procedure first (as Autobahn's
/// session), else `uri`, else m.uri (Error(kInvalidArgument) if there is none).
/// No key -> Error(kNoKey) (PPT has no silent plaintext fallback); key
/// without the box for `role` -> Error(kMissingRole).
[[nodiscard]] Message ppt_seal(const KeyRing& ring, Role role, const Message& plain,
                               std::optional<std::string_view> uri = std::nullopt);

/// FOR TESTS ONLY: ppt_seal with the caller's `nonce` instead of fresh random
/// bytes; same code path and errors. For known-answer vectors (the corpus,
/// `wampbox seal --ppt --nonce`); never in production (nonce reuse breaks
/// XSalsa20-Poly1305).
[[nodiscard]] Message ppt_seal_for_testing(const KeyRing& ring, Role role, const Message& plain,
                                           std::optional<std::string_view> uri,
                                           const std::array<std::uint8_t, kNonceBytes>& nonce);

/// Inverse of ppt_seal, opening with the box for `role` of the key for `uri`.
/// When ppt_keyid is present it must name this side's own public key
/// (case-insensitive), else Error(kNoKey). Other errors as ppt_unwrap.
[[nodiscard]] Message ppt_open(const KeyRing& ring, Role role, const Message& m,
                               std::optional<std::string_view> uri = std::nullopt, PptAttributes* attrs_out = nullptr);

/// Key rotation state of a PptKeyStore entry: the KeyStatus of keyring.h,
/// which cryptobox's KeyRing rotation shares (one state machine for both).
///   kCurrent: the key a sender uses (one per URI prefix) and receivers accept;
///   kGrace:   no longer used to send, still accepted when named (rotation grace period);
///   kRetired: rejected when named, with Error(kRetiredKey).
using PptKeyStatus = KeyStatus;
/// parse_key_status: "current", "grace" or "retired"; Error(kInvalidArgument) otherwise.
[[nodiscard]] inline PptKeyStatus parse_ppt_key_status(std::string_view s) { return parse_key_status(s); }

/// The keys of PPT end-to-end encryption, in both key models, with rotation:
///  - symmetric: 32-byte data-encryption keys, each named by a key id the
///    user assigns ("0x" + 40 hex digits, the form scheme wamp allows; e.g. 20
///    random bytes), as connectanum-dart chooses keys by ppt_keyid;
///  - keypair: a cryptobox Key (X25519 pairs, as KeyRing); the payload key is
///    the crypto_box shared key of the role (crypto_box_beforenm), and the key
///    id is ppt_key_id of the RECEIVER's public key (as ppt_seal).
/// Entries are found by the longest character prefix of the URI (as KeyRing)
/// that has entries; several entries may share a prefix. Adding a kCurrent
/// entry demotes the prefix's previous current entry to kGrace. (The prefix
/// table and this state machine are the ones KeyRing's rotation uses.)
///
/// Thread safety: const members may be called concurrently; mutation needs
/// exclusive access.
class PptKeyStore {
 public:
  explicit PptKeyStore(PptCrypto crypto = {});
  PptKeyStore(PptKeyStore&&) noexcept;
  PptKeyStore& operator=(PptKeyStore&&) noexcept;
  ~PptKeyStore();

  /// Error(kBadKeyId) for an id ppt_keyid_normalize rejects; Error(kInvalidKey)
  /// if the prefix already has an entry with this id.
  void add_symmetric(std::string_view uri_prefix, std::string_view keyid, std::span<const std::uint8_t, kKeyBytes> key,
                     PptKeyStatus status = PptKeyStatus::kCurrent);
  /// Error(kInvalidKey) if the prefix already has an entry with either of its public key ids.
  void add_keypair(std::string_view uri_prefix, Key key, PptKeyStatus status = PptKeyStatus::kCurrent);
  /// Changes the status of the entry of `uri_prefix` that `keyid` names
  /// (a symmetric id, or either public key id of a keypair entry); setting
  /// kCurrent demotes the previous current one. Error(kNoKey) if none does.
  void set_status(std::string_view uri_prefix, std::string_view keyid, PptKeyStatus status);
  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] const PptCrypto& crypto() const noexcept;

  /// Seals `plain` (defaults for the URI as ppt_seal) with the current entry of
  /// the URI's prefix: scheme wamp, serializer cbor, `cipher`, ppt_keyid naming
  /// the key (EIP-55 form when crypto().keccak256 is set). Error(kNoKey) if the
  /// prefix has no current entry; Error(kMissingRole) if a keypair entry lacks
  /// the box for `role`.
  [[nodiscard]] Message seal(Role role, const Message& plain, std::string_view cipher = kPptCipherXsalsa20Poly1305,
                             std::optional<std::string_view> uri = std::nullopt) const;

  /// FOR TESTS ONLY: seal with the caller's `nonce` (24 bytes for
  /// xsalsa20poly1305, 12 for aes256gcm; otherwise, or empty,
  /// Error(kInvalidArgument)); same code path and errors. For known-answer
  /// vectors; never in production (nonce reuse breaks the cipher).
  [[nodiscard]] Message seal_for_testing(Role role, const Message& plain, std::string_view cipher,
                                         std::optional<std::string_view> uri,
                                         std::span<const std::uint8_t> nonce) const;

  /// Opens a PPT message for `role`. ppt_keyid (normalized: Error(kBadKeyId))
  /// picks the entry of the URI's prefix (for keypair entries: the one whose
  /// own public key for `role` it names): unknown -> Error(kNoKey), retired ->
  /// Error(kRetiredKey). Without ppt_keyid the prefix's current entry is used.
  /// Then as ppt_unwrap.
  [[nodiscard]] Message open(Role role, const Message& m, std::optional<std::string_view> uri = std::nullopt,
                             PptAttributes* attrs_out = nullptr) const;

 private:
  // seal and seal_for_testing (an empty `fixed_nonce` means random).
  Message seal_core(Role role, const Message& plain, std::string_view cipher, std::optional<std::string_view> uri,
                    std::span<const std::uint8_t> fixed_nonce) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  PptCrypto crypto_;
};

/// Reads a PPT key store file (docs/keyring-format.md, "PPT key stores"): a
/// JSON array of entries, added in order, each
///   {"prefix": P, "model": "symmetric", "keyid": "0x...", "key": K, "status": S} or
///   {"prefix": P, "model": "keypair", <originator_priv/_pub, responder_priv/_pub> or "private", "status": S}
/// with keys in base64 or hex as in keyring files and "status" current
/// (default), grace or retired. A document of the wrong shape, an unknown or
/// ill-typed field: Error(kParseError); bad keys: Error(kInvalidKey); a bad
/// key id: Error(kBadKeyId); a bad status: Error(kInvalidArgument).
[[nodiscard]] PptKeyStore load_ppt_keystore_json(std::string_view json_text, const PptCrypto& crypto = {});

}  // namespace wampbox
