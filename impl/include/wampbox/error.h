// Typed errors. Every failure in wampbox is reported as wampbox::Error with a
// code; codes that correspond to an Autobahn|Python application error map to
// its WAMP error URI via wamp_error_uri().
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace wampbox {

enum class ErrorCode {
  // Keys and keyring
  kInvalidKey,            // not 32 bytes in base64 or hex, or inconsistent pair
  kNoKey,                 // no keyring entry (and no default) matches the URI
  kMissingRole,           // a key matches but lacks the box for the needed role
  kRetiredKey,            // the named key (enc_key / ppt_keyid) exists but is retired (key rotation)
  kBadKeyId,              // a key id that is malformed or fails its EIP-55 checksum
  kNoPayloadCodec,        // encrypted payload received, no keyring configured
  // Payload (cryptobox) layer
  kDecryptFailed,         // MAC check failed, or payload shorter than nonce+MAC
  kUriMismatch,           // decrypted "uri" differs from the envelope URI
  kUnsupportedEncAlgo,    // enc_algo this implementation cannot decode
  kUnsupportedEncSerializer,  // enc_serializer other than "json" (after decrypt)
  kMalformedPlaintext,    // decrypted bytes are not the expected JSON object
  // Value / serializer layer
  kParseError,            // syntactically invalid JSON / MessagePack / CBOR
  kInvalidUtf8,           // text that is not valid UTF-8
  kInvalidBase64,         // JSON binary string ("\u0000"+base64) not valid base64
  kUnencodable,           // value the target serializer cannot represent
  kLimitExceeded,         // input beyond a DecodeLimits cap (wampbox/limits.h)
  // WAMP message layer
  kProtocolError,         // well-formed serialization, invalid WAMP message
  kInvalidArgument,       // API misuse (e.g. wrong Message fields)
};

/// Stable identifier of a code, e.g. "decrypt_failed".
[[nodiscard]] std::string_view to_string(ErrorCode code) noexcept;

/// The WAMP error URI Autobahn uses for this condition, e.g.
/// "wamp.error.encryption.decrypt_error"; "wamp.error.protocol_violation" for
/// malformed input; never empty.
[[nodiscard]] std::string_view wamp_error_uri(ErrorCode code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& what) : std::runtime_error(what), code_(code) {}
  [[nodiscard]] ErrorCode code() const noexcept { return code_; }
  [[nodiscard]] std::string_view wamp_uri() const noexcept { return wamp_error_uri(code_); }

 private:
  ErrorCode code_;
};

}  // namespace wampbox
