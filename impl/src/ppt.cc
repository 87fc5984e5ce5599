// Payload PassThru Mode: see ppt.h.
#include "wampbox/ppt.h"

#include <sodium.h>

#include <algorithm>
#include <string>

#include "message_internal.h"
#include "ppt_internal.h"
#include "wampbox/cbor.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/msgpack.h"

namespace wampbox {

namespace {

constexpr std::string_view kScheme = "ppt_scheme";
constexpr std::string_view kSerializer = "ppt_serializer";
constexpr std::string_view kCipher = "ppt_cipher";
constexpr std::string_view kKeyid = "ppt_keyid";

bool is_ppt_key(std::string_view k) { return k == kScheme || k == kSerializer || k == kCipher || k == kKeyid; }


bool is_custom(std::string_view s) { return s.size() > 2 && s[0] == 'x' && s[1] == '_'; }

bool is_hex_keyid(std::string_view s) {
  if (s.size() != 42 || s[0] != '0' || s[1] != 'x') return false;
  return std::all_of(s.begin() + 2, s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The effective serializer: mqtt without ppt_serializer means "native".
std::string_view effective_serializer(const PptAttributes& a) {
  if (a.serializer) return *a.serializer;
  return "native";
}

}  // namespace

namespace ppt_internal {

[[noreturn]] void protocol_error(const std::string& msg) { throw Error(ErrorCode::kProtocolError, "PPT: " + msg); }

// The URI the key is looked up by: the one resolve_uri that cryptobox's
// seal_message/open_message use, but PPT has no plaintext fallback, so no URI
// is an error.
std::string_view key_uri_of(const Message& m, std::optional<std::string_view> uri) {
  std::optional<std::string_view> u = internal::resolve_uri(m, uri);
  if (!u) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(to_string(m.type)) + " carries no URI: pass the URI the payload is keyed by");
  }
  return *u;
}

}  // namespace ppt_internal

using ppt_internal::key_uri_of;
using ppt_internal::protocol_error;

void ppt_validate(const PptAttributes& a) {
  if (a.scheme.empty()) protocol_error("ppt_scheme is required and must not be empty");
  if (a.scheme == kPptSchemeWamp) {
    if (!a.serializer) protocol_error("scheme wamp requires ppt_serializer (cbor or flatbuffers)");
    if (*a.serializer != "cbor" && *a.serializer != "flatbuffers") {
      protocol_error("scheme wamp allows ppt_serializer cbor or flatbuffers, not '" + *a.serializer + "'");
    }
    if (a.cipher && *a.cipher != kPptCipherXsalsa20Poly1305 && *a.cipher != kPptCipherAes256Gcm) {
      protocol_error("scheme wamp allows ppt_cipher xsalsa20poly1305 or aes256gcm, not '" + *a.cipher + "'");
    }
    if (a.keyid && !is_hex_keyid(*a.keyid)) {
      protocol_error("scheme wamp requires ppt_keyid as 0x + 40 hex digits, not '" + *a.keyid + "'");
    }
  } else if (a.scheme == kPptSchemeMqtt) {
    if (a.serializer && *a.serializer != "native" && *a.serializer != "json" && *a.serializer != "msgpack" &&
        *a.serializer != "cbor") {
      protocol_error("scheme mqtt allows ppt_serializer native, json, msgpack or cbor, not '" + *a.serializer + "'");
    }
    if (a.cipher) protocol_error("scheme mqtt does not take ppt_cipher");
    if (a.keyid) protocol_error("scheme mqtt does not take ppt_keyid");
  } else if (!is_custom(a.scheme)) {
    protocol_error("unknown ppt_scheme '" + a.scheme + "' (wamp, mqtt or x_...)");
  }
}

std::optional<PptAttributes> ppt_attributes(const Object& options) {
  bool any = false;
  PptAttributes a;
  bool has_scheme = false;
  for (const auto& [k, v] : options) {
    if (!is_ppt_key(k)) continue;
    any = true;
    if (v.kind() != Value::Kind::kString) protocol_error(k + " must be a string");
    if (k == kScheme) {
      a.scheme = v.as_string();
      has_scheme = true;
    } else if (k == kSerializer) {
      a.serializer = v.as_string();
    } else if (k == kCipher) {
      a.cipher = v.as_string();
    } else {
      a.keyid = v.as_string();
    }
  }
  if (!any) return std::nullopt;
  if (!has_scheme) protocol_error("ppt_* attributes without ppt_scheme");
  ppt_validate(a);
  return a;
}

void ppt_set_attributes(Object& options, const PptAttributes& a) {
  std::erase_if(options, [](const auto& kv) { return is_ppt_key(kv.first); });
  options.emplace_back(std::string(kScheme), Value(a.scheme));
  if (a.serializer) options.emplace_back(std::string(kSerializer), Value(*a.serializer));
  if (a.cipher) options.emplace_back(std::string(kCipher), Value(*a.cipher));
  if (a.keyid) options.emplace_back(std::string(kKeyid), Value(*a.keyid));
}

std::string ppt_key_id(const PublicKey& pk) {
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), pk.bytes.data(), pk.bytes.size());
  return "0x" + hex_encode(std::span<const std::uint8_t>(digest).last(20));
}

namespace {

void sodium_aes_seal(const std::uint8_t* key, const std::uint8_t* nonce, std::span<const std::uint8_t> pt,
                     std::uint8_t* out) {
  unsigned long long n = 0;
  crypto_aead_aes256gcm_encrypt(out, &n, pt.data(), pt.size(), nullptr, 0, nullptr, nonce, key);
}

bool sodium_aes_open(const std::uint8_t* key, const std::uint8_t* nonce, std::span<const std::uint8_t> ct,
                     std::uint8_t* out) {
  unsigned long long n = 0;
  return crypto_aead_aes256gcm_decrypt(out, &n, nullptr, ct.data(), ct.size(), nullptr, 0, nonce, key) == 0;
}

constexpr Aes256GcmImpl kSodiumAes{"libsodium", &sodium_aes_seal, &sodium_aes_open};

bool is_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool valid_keyid_shape(std::string_view id) {
  return id.size() == 42 && id[0] == '0' && id[1] == 'x' && std::all_of(id.begin() + 2, id.end(), is_hex_digit);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

const Aes256GcmImpl* libsodium_aes256gcm() noexcept {
  // sodium_init() (idempotent, thread-safe) runs the CPU feature detection
  // crypto_aead_aes256gcm_is_available() reads.
  if (sodium_init() < 0) return nullptr;
  return crypto_aead_aes256gcm_is_available() ? &kSodiumAes : nullptr;
}

const Aes256GcmImpl* ppt_aes256gcm(const PptCrypto& crypto) noexcept {
  if (crypto.force_aes256gcm_fallback) return crypto.aes256gcm_fallback;
  if (const Aes256GcmImpl* s = libsodium_aes256gcm()) return s;
  return crypto.aes256gcm_fallback;
}

std::string eip55_checksum(std::string_view id, Keccak256Fn keccak256) {
  if (!valid_keyid_shape(id)) {
    throw Error(ErrorCode::kBadKeyId, "key id must be 0x + 40 hex digits, not '" + std::string(id) + "'");
  }
  if (!keccak256) throw Error(ErrorCode::kInvalidArgument, "EIP-55 needs a Keccak-256 implementation");
  std::string digits = lower(id.substr(2));
  std::uint8_t h[32];
  keccak256(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(digits.data()), digits.size()), h);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const int nibble = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 0x0f);
    if (digits[i] >= 'a' && nibble >= 8) digits[i] = static_cast<char>(digits[i] - 'a' + 'A');
  }
  return "0x" + digits;
}

std::string ppt_key_id_eip55(const PublicKey& pk, Keccak256Fn keccak256) {
  return eip55_checksum(ppt_key_id(pk), keccak256);
}

std::string ppt_keyid_normalize(std::string_view id, const PptCrypto& crypto) {
  if (!valid_keyid_shape(id)) {
    throw Error(ErrorCode::kBadKeyId, "ppt_keyid must be 0x + 40 hex digits, not '" + std::string(id) + "'");
  }
  const std::string_view digits = id.substr(2);
  const bool has_upper = std::any_of(digits.begin(), digits.end(), [](char c) { return c >= 'A' && c <= 'F'; });
  const bool has_lower = std::any_of(digits.begin(), digits.end(), [](char c) { return c >= 'a' && c <= 'f'; });
  if (has_upper && has_lower) {
    if (!crypto.keccak256) {
      throw Error(ErrorCode::kBadKeyId,
                  "ppt_keyid " + std::string(id) + " is mixed-case (EIP-55) and no Keccak-256 is configured to check it");
    }
    if (eip55_checksum(id, crypto.keccak256) != id) {
      throw Error(ErrorCode::kBadKeyId, "ppt_keyid " + std::string(id) + " fails its EIP-55 checksum");
    }
  }
  return lower(id);
}

std::string ppt_keyid_write_form(std::string_view id, const PptCrypto& crypto) {
  std::string norm = ppt_keyid_normalize(id, crypto);
  return crypto.keccak256 ? eip55_checksum(norm, crypto.keccak256) : norm;
}

namespace {

// The AES-256-GCM implementation for `crypto` (ppt_aes256gcm); Error(kUnsupportedEncAlgo) when there is none.
const Aes256GcmImpl& aes256gcm_or_throw(const PptCrypto& crypto) {
  const Aes256GcmImpl* impl = ppt_aes256gcm(crypto);
  if (!impl) {
    throw Error(ErrorCode::kUnsupportedEncAlgo,
                "aes256gcm: libsodium's AES-256-GCM needs AES-NI and no fallback is configured (wampbox::ppt_ext)");
  }
  return *impl;
}

// Throws Error(kInvalidArgument) unless `fixed_nonce` is empty or `size` bytes ("<cipher> nonce must be
// N bytes"); the check callers make before they write anything.
void check_fixed_nonce(std::span<const std::uint8_t> fixed_nonce, std::size_t size, const char* cipher) {
  if (!fixed_nonce.empty() && fixed_nonce.size() != size) {
    throw Error(ErrorCode::kInvalidArgument, std::string(cipher) + " nonce must be " + std::to_string(size) + " bytes");
  }
}

// Writes the nonce: `fixed_nonce` (checked by check_fixed_nonce) or, when it is empty, fresh random bytes.
void write_nonce(std::span<std::uint8_t> nonce, std::span<const std::uint8_t> fixed_nonce) {
  if (fixed_nonce.empty()) {
    randombytes_buf(nonce.data(), nonce.size());
  } else {
    std::copy(fixed_nonce.begin(), fixed_nonce.end(), nonce.begin());
  }
}

// The one implementation of ppt_encrypt and ppt_encrypt_for_testing: an empty
// `fixed_nonce` means fresh random bytes.
Bytes encrypt_core(std::string_view cipher, std::span<const std::uint8_t, kKeyBytes> key,
                   std::span<const std::uint8_t> plaintext, const PptCrypto& crypto,
                   std::span<const std::uint8_t> fixed_nonce) {
  Bytes out;
  if (cipher == kPptCipherXsalsa20Poly1305) {
    check_fixed_nonce(fixed_nonce, kNonceBytes, "xsalsa20poly1305");
    // crypto_secretbox_easy: the same construction as crypto_box_easy_afternm,
    // which box_seal_append does (one implementation for both forms).
    const SharedKey k = SharedKey::from_bytes(key);
    if (fixed_nonce.empty()) {
      box_seal_append(k, plaintext, out);
    } else {
      std::array<std::uint8_t, kNonceBytes> nonce{};
      std::copy(fixed_nonce.begin(), fixed_nonce.end(), nonce.begin());
      box_seal_append_for_testing(k, plaintext, out, nonce);
    }
    return out;
  }
  if (cipher == kPptCipherAes256Gcm) {
    const Aes256GcmImpl& impl = aes256gcm_or_throw(crypto);
    check_fixed_nonce(fixed_nonce, kAesGcmNonceBytes, "aes256gcm");
    out.resize(kAesGcmNonceBytes + plaintext.size() + kAesGcmTagBytes);
    write_nonce({out.data(), kAesGcmNonceBytes}, fixed_nonce);
    impl.seal(key.data(), out.data(), plaintext, out.data() + kAesGcmNonceBytes);
    return out;
  }
  throw Error(ErrorCode::kUnsupportedEncAlgo, "PPT cipher '" + std::string(cipher) + "' is not supported by wampbox");
}

}  // namespace

namespace ppt_internal {

void require_nonce_for_testing(std::span<const std::uint8_t> nonce) {
  if (nonce.empty()) throw Error(ErrorCode::kInvalidArgument, "PPT: a *_for_testing function needs the nonce");
}

}  // namespace ppt_internal

Bytes ppt_encrypt(std::string_view cipher, std::span<const std::uint8_t, kKeyBytes> key,
                  std::span<const std::uint8_t> plaintext, const PptCrypto& crypto) {
  return encrypt_core(cipher, key, plaintext, crypto, {});
}

Bytes ppt_encrypt_for_testing(std::string_view cipher, std::span<const std::uint8_t, kKeyBytes> key,
                              std::span<const std::uint8_t> plaintext, const PptCrypto& crypto,
                              std::span<const std::uint8_t> nonce) {
  ppt_internal::require_nonce_for_testing(nonce);
  return encrypt_core(cipher, key, plaintext, crypto, nonce);
}

Bytes ppt_decrypt(std::string_view cipher, std::span<const std::uint8_t, kKeyBytes> key,
                  std::span<const std::uint8_t> payload, const PptCrypto& crypto) {
  Bytes out;
  if (cipher == kPptCipherXsalsa20Poly1305) {
    const SharedKey k = SharedKey::from_bytes(key);
    box_open_into(k, payload, out);
    return out;
  }
  if (cipher == kPptCipherAes256Gcm) {
    const Aes256GcmImpl& impl = aes256gcm_or_throw(crypto);
    if (payload.size() < kAesGcmNonceBytes + kAesGcmTagBytes) {
      throw Error(ErrorCode::kDecryptFailed, "aes256gcm payload shorter than nonce + tag (28 bytes)");
    }
    out.resize(payload.size() - kAesGcmNonceBytes - kAesGcmTagBytes);
    if (!impl.open(key.data(), payload.data(), payload.subspan(kAesGcmNonceBytes), out.data())) {
      sodium_memzero(out.data(), out.size());
      out.clear();
      throw Error(ErrorCode::kDecryptFailed, "aes256gcm tag check failed");
    }
    return out;
  }
  throw Error(ErrorCode::kUnsupportedEncAlgo, "PPT cipher '" + std::string(cipher) + "' is not supported by wampbox");
}

namespace {

// ppt_pack's inner object appended to `out` (which may already hold a
// nonce/MAC head): ppt_wrap packs straight into the payload buffer and
// encrypts it in place (see seal_in_place).
void ppt_pack_append(std::string_view serializer, const Value& args, const Value& kwargs, Bytes& out) {
  if (!(args.is_null() || args.kind() == Value::Kind::kArray)) {
    throw Error(ErrorCode::kInvalidArgument, "PPT args must be an array or null");
  }
  if (!(kwargs.is_null() || kwargs.kind() == Value::Kind::kObject)) {
    throw Error(ErrorCode::kInvalidArgument, "PPT kwargs must be an object or null");
  }
  // Copies of args/kwargs share their containers (Value is copy-on-write): no payload bytes are copied here.
  Value inner(Object{{"args", args.is_null() ? Value(Array{}) : args},
                     {"kwargs", kwargs.is_null() ? Value(Object{}) : kwargs}});
  if (serializer == "cbor") return cbor_write_append(inner, out);
  if (serializer == "msgpack") return msgpack_write_append(inner, out);
  if (serializer == "json") {
    std::string s = json_write(inner);
    out.insert(out.end(), s.begin(), s.end());
    sodium_memzero(s.data(), s.size());
    return;
  }
  throw Error(ErrorCode::kUnsupportedEncSerializer, "PPT serializer '" + std::string(serializer) + "' is not supported");
}

// Bytes of `cipher`'s payload before the ciphertext: nonce(24) || mac(16), or nonce(12).
std::size_t payload_head(std::string_view cipher) {
  return cipher == kPptCipherXsalsa20Poly1305 ? kNonceBytes + kMacBytes : kAesGcmNonceBytes;
}

// Encrypts buf[head..] (the plaintext, packed there by the caller) in place,
// filling the head (nonce, and the MAC for xsalsa20poly1305) and appending
// the GCM tag: the same bytes as ppt_encrypt, without a second buffer. Before
// this, ppt_wrap packed into one buffer and encrypted into another: a second
// 64 KiB allocation, zero-fill and wipe per message, which made the PPT sender
// path 2.3x the raw seal at 64 KiB (docs/ppt-benchmarks.md has the before/after
// ratios and the command). On an error the caller wipes `buf`.
void seal_in_place(std::string_view cipher, std::span<const std::uint8_t, kKeyBytes> key, Bytes& buf,
                   const PptCrypto& crypto, std::span<const std::uint8_t> fixed_nonce) {
  const std::size_t head = payload_head(cipher);
  const std::size_t n = buf.size() - head;
  if (cipher == kPptCipherXsalsa20Poly1305) {
    check_fixed_nonce(fixed_nonce, kNonceBytes, "xsalsa20poly1305");
    if (n > crypto_secretbox_MESSAGEBYTES_MAX) throw Error(ErrorCode::kInvalidArgument, "PPT plaintext too large");
    write_nonce({buf.data(), kNonceBytes}, fixed_nonce);
    // crypto_secretbox_detached encrypts in place when c == m (libsodium's
    // documented in-place use): mac || ct lands where crypto_box_easy_afternm
    // (ppt_encrypt, cryptobox) puts it.
    crypto_secretbox_detached(buf.data() + head, buf.data() + kNonceBytes, buf.data() + head, n, buf.data(),
                              key.data());
    return;
  }
  const Aes256GcmImpl& impl = aes256gcm_or_throw(crypto);
  check_fixed_nonce(fixed_nonce, kAesGcmNonceBytes, "aes256gcm");
  buf.resize(buf.size() + kAesGcmTagBytes);
  write_nonce({buf.data(), kAesGcmNonceBytes}, fixed_nonce);
  // Aes256GcmImpl::seal allows out == plaintext.data() (in place).
  impl.seal(key.data(), buf.data(), std::span<const std::uint8_t>(buf.data() + head, n), buf.data() + head);
}

}  // namespace

Bytes ppt_pack(std::string_view serializer, const Value& args, const Value& kwargs) {
  Bytes out;
  ppt_pack_append(serializer, args, kwargs, out);
  return out;
}

void ppt_unpack(std::string_view serializer, std::span<const std::uint8_t> data, Value& args, Value& kwargs) {
  Value inner;
  if (serializer == "cbor") {
    inner = cbor_parse(data);
  } else if (serializer == "msgpack") {
    inner = msgpack_parse(data);
  } else if (serializer == "json") {
    inner = json_parse(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  } else {
    throw Error(ErrorCode::kUnsupportedEncSerializer,
                "PPT serializer '" + std::string(serializer) + "' is not supported");
  }
  if (inner.kind() != Value::Kind::kObject) {
    throw Error(ErrorCode::kMalformedPlaintext, "PPT payload is not an object");
  }
  Value a, k;
  for (const auto& [key, v] : inner.as_object()) {
    if (key == "args") {
      if (!(v.is_null() || v.kind() == Value::Kind::kArray)) {
        throw Error(ErrorCode::kMalformedPlaintext, "PPT payload args is not an array");
      }
      a = v;
    } else if (key == "kwargs") {
      if (!(v.is_null() || v.kind() == Value::Kind::kObject)) {
        throw Error(ErrorCode::kMalformedPlaintext, "PPT payload kwargs is not an object");
      }
      k = v;
    } else {
      throw Error(ErrorCode::kMalformedPlaintext, "PPT payload has unexpected key '" + key + "'");
    }
  }
  args = std::move(a);
  kwargs = std::move(k);
}

Message ppt_internal::wrap_core(const Message& plain, const PptAttributes& attrs,
                                const std::span<const std::uint8_t, kKeyBytes>* key, const PptCrypto& crypto,
                                std::span<const std::uint8_t> fixed_nonce) {
  if (plain.payload) throw Error(ErrorCode::kInvalidArgument, "PPT: message already carries a cryptobox payload");
  ppt_validate(attrs);
  const std::string_view ser = effective_serializer(attrs);
  if (ser == "flatbuffers") {
    throw Error(ErrorCode::kUnsupportedEncSerializer, "PPT serializer flatbuffers is not supported by wampbox");
  }
  if (attrs.cipher && *attrs.cipher != kPptCipherXsalsa20Poly1305 && *attrs.cipher != kPptCipherAes256Gcm) {
    throw Error(ErrorCode::kUnsupportedEncAlgo, "PPT cipher '" + *attrs.cipher + "' is not supported by wampbox");
  }
  static const Value kNull;
  const Value& args = plain.args ? *plain.args : kNull;
  const Value& kwargs = plain.kwargs ? *plain.kwargs : kNull;
  // The plaintext is packed behind the cipher's head in the payload buffer
  // itself and encrypted in place: one buffer, no copy of the packed bytes.
  Bytes payload(attrs.cipher ? payload_head(*attrs.cipher) : 0);
  try {
    if (ser == "native") {
      const bool one_binary = args.kind() == Value::Kind::kArray && args.as_array().size() == 1 &&
                              args.as_array()[0].kind() == Value::Kind::kBinary;
      const bool no_kwargs =
          kwargs.is_null() || (kwargs.kind() == Value::Kind::kObject && kwargs.as_object().empty());
      if (!one_binary || !no_kwargs) {
        throw Error(ErrorCode::kInvalidArgument, "PPT native payload: args must be one binary element, kwargs empty");
      }
      const Bytes& data = args.as_array()[0].as_binary().data;
      payload.insert(payload.end(), data.begin(), data.end());
    } else {
      ppt_pack_append(ser, args, kwargs, payload);
    }
    if (attrs.cipher) {
      if (!key) throw Error(ErrorCode::kNoKey, "PPT cipher " + *attrs.cipher + " needs a key");
      seal_in_place(*attrs.cipher, *key, payload, crypto, fixed_nonce);
    }
  } catch (...) {
    sodium_memzero(payload.data(), payload.size());
    throw;
  }
  Message out = plain;
  out.args = Value(Array{Value(Binary{std::move(payload)})});
  out.kwargs.reset();
  ppt_set_attributes(out.options, attrs);
  return out;
}

namespace {

// ppt_wrap's SharedKey overload and its _for_testing twin (empty `fixed_nonce`: random).
Message wrap_shared(const Message& plain, const PptAttributes& attrs, const SharedKey* key,
                    std::span<const std::uint8_t> fixed_nonce) {
  if (attrs.cipher && *attrs.cipher != kPptCipherXsalsa20Poly1305) {
    ppt_validate(attrs);
    throw Error(ErrorCode::kUnsupportedEncAlgo, "PPT cipher '" + *attrs.cipher + "' needs the PptCrypto overload");
  }
  std::optional<std::span<const std::uint8_t, kKeyBytes>> k;
  if (key) k.emplace(key->bytes());
  return ppt_internal::wrap_core(plain, attrs, k ? &*k : nullptr, PptCrypto{}, fixed_nonce);
}

}  // namespace

Message ppt_wrap(const Message& plain, const PptAttributes& attrs, const SharedKey* key) {
  return wrap_shared(plain, attrs, key, {});
}

Message ppt_wrap_for_testing(const Message& plain, const PptAttributes& attrs, const SharedKey* key,
                             const std::array<std::uint8_t, kNonceBytes>& nonce) {
  return wrap_shared(plain, attrs, key, nonce);
}

Message ppt_wrap(const Message& plain, const PptAttributes& attrs, const std::span<const std::uint8_t, kKeyBytes>* key,
                 const PptCrypto& crypto) {
  return ppt_internal::wrap_core(plain, attrs, key, crypto, {});
}

Message ppt_wrap_for_testing(const Message& plain, const PptAttributes& attrs,
                             const std::span<const std::uint8_t, kKeyBytes>* key, const PptCrypto& crypto,
                             std::span<const std::uint8_t> nonce) {
  ppt_internal::require_nonce_for_testing(nonce);
  return ppt_internal::wrap_core(plain, attrs, key, crypto, nonce);
}

Message ppt_unwrap(const Message& m, const std::span<const std::uint8_t, kKeyBytes>* key, const PptCrypto& crypto,
                   PptAttributes* attrs_out) {
  std::optional<PptAttributes> attrs = ppt_attributes(m.options);
  if (!attrs) protocol_error("message has no ppt_scheme");
  if (m.payload || internal::find_key(m.options, internal::kEncAlgo)) {
    protocol_error("message mixes PPT with a cryptobox payload");
  }
  const bool one_binary = m.args && m.args->kind() == Value::Kind::kArray && m.args->as_array().size() == 1 &&
                          m.args->as_array()[0].kind() == Value::Kind::kBinary;
  if (!one_binary) protocol_error("Arguments must be exactly one binary element");
  if (m.kwargs && !(m.kwargs->kind() == Value::Kind::kObject && m.kwargs->as_object().empty())) {
    protocol_error("ArgumentsKw must be absent or empty");
  }
  const std::string_view ser = effective_serializer(*attrs);
  if (attrs->cipher && *attrs->cipher != kPptCipherXsalsa20Poly1305 && *attrs->cipher != kPptCipherAes256Gcm) {
    throw Error(ErrorCode::kUnsupportedEncAlgo, "PPT cipher '" + *attrs->cipher + "' is not supported by wampbox");
  }
  if (ser != "native" && ser != "json" && ser != "msgpack" && ser != "cbor") {
    throw Error(ErrorCode::kUnsupportedEncSerializer, "PPT serializer '" + std::string(ser) + "' is not supported");
  }
  const Bytes& payload = m.args->as_array()[0].as_binary().data;
  Bytes plain_bytes;
  if (attrs->cipher) {
    if (!key) throw Error(ErrorCode::kNoKey, "PPT payload is encrypted and no key was given");
    plain_bytes = ppt_decrypt(*attrs->cipher, *key, payload, crypto);
  } else {
    plain_bytes = payload;
  }
  Message out = m;
  out.args.reset();
  out.kwargs.reset();
  if (ser == "native") {
    out.args = Value(Array{Value(Binary{std::move(plain_bytes)})});
  } else {
    Value args, kwargs;
    try {
      ppt_unpack(ser, plain_bytes, args, kwargs);
    } catch (...) {
      sodium_memzero(plain_bytes.data(), plain_bytes.size());
      throw;
    }
    sodium_memzero(plain_bytes.data(), plain_bytes.size());
    if (!args.is_null()) out.args = std::move(args);
    if (!kwargs.is_null()) out.kwargs = std::move(kwargs);
  }
  std::erase_if(out.options, [](const auto& kv) { return is_ppt_key(kv.first); });
  if (attrs_out) *attrs_out = *attrs;
  return out;
}

Message ppt_unwrap(const Message& m, const SharedKey* key, PptAttributes* attrs_out) {
  std::optional<PptAttributes> attrs = ppt_attributes(m.options);
  if (attrs && attrs->cipher && *attrs->cipher == kPptCipherAes256Gcm) {
    throw Error(ErrorCode::kUnsupportedEncAlgo, "PPT cipher aes256gcm needs the PptCrypto overload");
  }
  std::optional<std::span<const std::uint8_t, kKeyBytes>> k;
  if (key) k.emplace(key->bytes());
  return ppt_unwrap(m, k ? &*k : nullptr, PptCrypto{}, attrs_out);
}

namespace {

const Key& key_for(const KeyRing& ring, std::string_view uri, Role role) {
  const Key* key = ring.find(uri);
  if (!key) throw Error(ErrorCode::kNoKey, "no key for URI '" + std::string(uri) + "'");
  if (!key->has_role(role)) (void)key->shared(role);  // throws kMissingRole with the details
  return *key;
}

// ppt_seal and ppt_seal_for_testing (empty `fixed_nonce`: random).
Message seal_core(const KeyRing& ring, Role role, const Message& plain, std::optional<std::string_view> uri,
                  std::span<const std::uint8_t> fixed_nonce) {
  const std::string_view key_uri = key_uri_of(plain, uri);
  const Key& key = key_for(ring, key_uri, role);
  // The receiver's public key: the responder's when the originator seals.
  const auto& receiver = role == Role::kOriginator ? key.responder_pub() : key.originator_pub();
  PptAttributes attrs;
  attrs.scheme = std::string(kPptSchemeWamp);
  attrs.serializer = "cbor";
  attrs.cipher = std::string(kPptCipherXsalsa20Poly1305);
  if (receiver) attrs.keyid = ppt_key_id(*receiver);
  return wrap_shared(plain, attrs, &key.shared(role), fixed_nonce);
}

}  // namespace

Message ppt_seal(const KeyRing& ring, Role role, const Message& plain, std::optional<std::string_view> uri) {
  return seal_core(ring, role, plain, uri, {});
}

Message ppt_seal_for_testing(const KeyRing& ring, Role role, const Message& plain, std::optional<std::string_view> uri,
                             const std::array<std::uint8_t, kNonceBytes>& nonce) {
  return seal_core(ring, role, plain, uri, nonce);
}

Message ppt_open(const KeyRing& ring, Role role, const Message& m, std::optional<std::string_view> uri,
                 PptAttributes* attrs_out) {
  const std::string_view key_uri = key_uri_of(m, uri);
  std::optional<PptAttributes> attrs = ppt_attributes(m.options);
  if (!attrs) protocol_error("message has no ppt_scheme");
  const SharedKey* shared = nullptr;
  if (attrs->cipher) {
    const Key& key = key_for(ring, key_uri, role);
    if (attrs->keyid) {
      // This side is the receiver: its own public key.
      const auto& own = role == Role::kResponder ? key.responder_pub() : key.originator_pub();
      if (!own || !iequals(ppt_key_id(*own), *attrs->keyid)) {
        throw Error(ErrorCode::kNoKey, "ppt_keyid " + *attrs->keyid + " does not name the key held for URI '" +
                                           std::string(key_uri) + "'");
      }
    }
    shared = &key.shared(role);
  }
  return ppt_unwrap(m, shared, attrs_out);
}

}  // namespace wampbox
