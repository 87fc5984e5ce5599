#include "wampbox/error.h"

namespace wampbox {

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidKey: return "invalid_key";
    case ErrorCode::kNoKey: return "no_key";
    case ErrorCode::kMissingRole: return "missing_role";
    case ErrorCode::kRetiredKey: return "retired_key";
    case ErrorCode::kBadKeyId: return "bad_key_id";
    case ErrorCode::kNoPayloadCodec: return "no_payload_codec";
    case ErrorCode::kDecryptFailed: return "decrypt_failed";
    case ErrorCode::kUriMismatch: return "uri_mismatch";
    case ErrorCode::kUnsupportedEncAlgo: return "unsupported_enc_algo";
    case ErrorCode::kUnsupportedEncSerializer: return "unsupported_enc_serializer";
    case ErrorCode::kMalformedPlaintext: return "malformed_plaintext";
    case ErrorCode::kParseError: return "parse_error";
    case ErrorCode::kInvalidUtf8: return "invalid_utf8";
    case ErrorCode::kInvalidBase64: return "invalid_base64";
    case ErrorCode::kUnencodable: return "unencodable";
    case ErrorCode::kLimitExceeded: return "limit_exceeded";
    case ErrorCode::kProtocolError: return "protocol_error";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
  }
  return "unknown";
}

std::string_view wamp_error_uri(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kNoPayloadCodec:
    case ErrorCode::kUnsupportedEncAlgo:
      return "wamp.error.no_payload_codec";
    case ErrorCode::kDecryptFailed:
    case ErrorCode::kNoKey:
    case ErrorCode::kMissingRole:
    case ErrorCode::kRetiredKey:
    case ErrorCode::kUnsupportedEncSerializer:
    case ErrorCode::kMalformedPlaintext:
      // Autobahn raises a plain Exception inside KeyRing.decode for all of
      // these, which its session reports as decrypt_error.
      return "wamp.error.encryption.decrypt_error";
    case ErrorCode::kUriMismatch:
      return "wamp.error.encryption.trusted_uri_mismatch";
    case ErrorCode::kInvalidKey:
    case ErrorCode::kInvalidArgument:
      return "wamp.error.invalid_argument";
    case ErrorCode::kParseError:
    case ErrorCode::kInvalidUtf8:
    case ErrorCode::kInvalidBase64:
    case ErrorCode::kUnencodable:
    case ErrorCode::kBadKeyId:
    case ErrorCode::kLimitExceeded:
    case ErrorCode::kProtocolError:
      return "wamp.error.protocol_violation";
  }
  return "wamp.error.protocol_violation";
}

}  // namespace wampbox
