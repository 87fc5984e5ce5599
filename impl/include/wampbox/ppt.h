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
#include <optional>
#include <span>
#include <string>
#include <string_view>

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
std::optional<PptAttributes> ppt_attributes(const Object& options);

/// Replaces any ppt_* in `options` by those set in `a`, appended at the end in
/// the order scheme, serializer, cipher, keyid.
void ppt_set_attributes(Object& options, const PptAttributes& a);

/// The spec's key id for scheme "wamp": "0x" + lowercase hex of the least
/// significant (last) 20 bytes of SHA-256 of the 32-byte public key. The spec
/// mentions an EIP-55 mixed-case checksum; that needs Keccak-256, so wampbox
/// writes lowercase and compares case-insensitively.
std::string ppt_key_id(const PublicKey& pk);

/// The inner object {"args": args, "kwargs": kwargs} (args an Array, Null
/// written as []; kwargs an Object, Null written as {}) serialized with
/// "json", "msgpack" or "cbor" exactly as json_write / msgpack_write /
/// cbor_write do. Other names throw Error(kUnsupportedEncSerializer).
Bytes ppt_pack(std::string_view serializer, const Value& args, const Value& kwargs);

/// Inverse of ppt_pack. Syntax errors as the parsers. Anything but an object
/// whose only keys are "args" (array or null) and "kwargs" (object or null)
/// throws Error(kMalformedPlaintext); a missing key reads as null.
void ppt_unpack(std::string_view serializer, std::span<const std::uint8_t> data, Value& args, Value& kwargs);

/// The PPT form of plain message `plain` (which must have no payload):
/// `attrs` validated and written into options (see ppt_set_attributes), the
/// inner object packed with attrs.serializer and, if attrs.cipher is
/// "xsalsa20poly1305", sealed with `key` (required then: Error(kNoKey)).
/// Serializer "native" (or absent with mqtt) sends plain.args' single Binary
/// element as is (Error(kInvalidArgument) unless args is one Binary and
/// kwargs empty). flatbuffers -> Error(kUnsupportedEncSerializer); aes256gcm
/// or a custom cipher -> Error(kUnsupportedEncAlgo).
Message ppt_wrap(const Message& plain, const PptAttributes& attrs, const SharedKey* key = nullptr,
                 const std::array<std::uint8_t, kNonceBytes>* fixed_nonce = nullptr);

/// The plain form of a PPT message: the structure is checked (ppt_scheme
/// present, no payload/enc_algo, Arguments exactly one Binary element,
/// ArgumentsKw absent or empty: Error(kProtocolError)); the payload opened
/// with `key` when ppt_cipher is xsalsa20poly1305 (Error(kNoKey) if null,
/// Error(kDecryptFailed) on a bad MAC), unpacked, and ppt_* removed from the
/// options. "native" payloads come back as args [Binary]. `attrs_out`, if
/// given, receives the attributes.
Message ppt_unwrap(const Message& m, const SharedKey* key = nullptr, PptAttributes* attrs_out = nullptr);

/// End-to-end encryption with a cryptobox KeyRing: scheme "wamp", serializer
/// "cbor", cipher "xsalsa20poly1305", and ppt_keyid = ppt_key_id of the
/// RECEIVER's public key (the responder's for role kOriginator, the
/// originator's for kResponder): the spec says the key id names the key "that
/// was used" so that "the target peer [can] choose a private key without
/// guessing", and the receiver's own key pair is what it looks up. The key is
/// the one the keyring has for `uri` (defaults as seal_message: m.uri, or
/// EVENT details.topic / INVOCATION details.procedure; required otherwise).
/// No key -> Error(kNoKey) (PPT has no silent plaintext fallback); key
/// without the box for `role` -> Error(kMissingRole).
Message ppt_seal(const KeyRing& ring, Role role, const Message& plain, std::optional<std::string_view> uri = std::nullopt,
                 const std::array<std::uint8_t, kNonceBytes>* fixed_nonce = nullptr);

/// Inverse of ppt_seal, opening with the box for `role` of the key for `uri`.
/// When ppt_keyid is present it must name this side's own public key
/// (case-insensitive), else Error(kNoKey). Other errors as ppt_unwrap.
Message ppt_open(const KeyRing& ring, Role role, const Message& m, std::optional<std::string_view> uri = std::nullopt,
                 PptAttributes* attrs_out = nullptr);

}  // namespace wampbox
