#include "wampbox/keys.h"

#include <sodium.h>

#include <cstring>
#include <functional>
#include <string>

#include "wampbox/backend.h"
#include "sodium_internal.h"
#include "wampbox/error.h"

namespace wampbox {

void internal::ensure_sodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw Error(ErrorCode::kInvalidArgument, "libsodium failed to initialise (sodium_init)");
}

namespace {

static_assert(kKeyBytes == crypto_box_PUBLICKEYBYTES && kKeyBytes == crypto_box_SECRETKEYBYTES &&
              kKeyBytes == crypto_box_BEFORENMBYTES);
static_assert(kNonceBytes == crypto_box_NONCEBYTES && kMacBytes == crypto_box_MACBYTES);

using internal::ensure_sodium;

constexpr std::size_t kBase64KeyChars = 44;  // 4 * ceil(32 / 3), one '=' of padding
constexpr std::size_t kHexKeyChars = 2 * kKeyBytes;

[[noreturn]] void throw_bad_key(std::string_view detail, std::size_t length) {
  throw Error(ErrorCode::kInvalidKey,
              "invalid key: " + std::string(detail) +
                  "; expected 32 bytes as standard padded base64 (44 characters) or as hex (64 characters, optional "
                  "0x prefix), got " +
                  std::to_string(length) + " characters");
}

// Decodes a 32-byte key straight into `out` with libsodium's decoders, which
// are written for secret data (no data-dependent table lookups) and leave no
// heap copies behind. The error message never contains the key text.
void parse_key_bytes(std::string_view text, std::uint8_t* out) {
  ensure_sodium();
  const std::size_t n = text.size();
  if (n == kBase64KeyChars) {
    std::size_t len = 0;
    const char* end = nullptr;
    // VARIANT_ORIGINAL = standard alphabet with mandatory padding; libsodium
    // also rejects non-zero padding bits.
    if (sodium_base642bin(out, kKeyBytes, text.data(), n, nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        len != kKeyBytes || end != text.data() + n) {
      sodium_memzero(out, kKeyBytes);
      throw_bad_key("44 characters but not standard padded base64 of 32 bytes", n);
    }
    return;
  }
  std::string_view hex = text;
  if (hex.size() == kHexKeyChars + 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() == kHexKeyChars) {
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_hex2bin(out, kKeyBytes, hex.data(), hex.size(), nullptr, &len, &end) != 0 || len != kKeyBytes ||
        end != hex.data() + hex.size()) {
      sodium_memzero(out, kKeyBytes);
      throw_bad_key("64 hex digits expected but found a non-hex character", n);
    }
    return;
  }
  throw_bad_key("wrong length", n);
}

std::string encode_key_bytes(const std::uint8_t* bytes, KeyEncoding enc) {
  if (enc == KeyEncoding::kHex) {
    std::string s(kHexKeyChars + 1, '\0');
    sodium_bin2hex(s.data(), s.size(), bytes, kKeyBytes);
    s.resize(kHexKeyChars);
    return s;
  }
  const std::size_t cap = sodium_base64_ENCODED_LEN(kKeyBytes, sodium_base64_VARIANT_ORIGINAL);
  std::string s(cap, '\0');
  sodium_bin2base64(s.data(), s.size(), bytes, kKeyBytes, sodium_base64_VARIANT_ORIGINAL);
  s.resize(kBase64KeyChars);
  return s;
}

bool overlaps(const void* a, std::size_t an, const void* b, std::size_t bn) {
  if (an == 0 || bn == 0) return false;
  auto pa = reinterpret_cast<std::uintptr_t>(a), pb = reinterpret_cast<std::uintptr_t>(b);
  return pa < pb + bn && pb < pa + an;
}

[[noreturn]] void throw_short_payload(std::size_t n) {
  throw Error(ErrorCode::kDecryptFailed,
              "decryption failed: payload of " + std::to_string(n) + " bytes is shorter than nonce + MAC (40 bytes)");
}

void wipe_and_clear(std::vector<std::uint8_t>& v) {
  if (!v.empty()) sodium_memzero(v.data(), v.size());
  v.clear();
}

}  // namespace

// ---------------------------------------------------------------------------
// PublicKey

PublicKey PublicKey::parse(std::string_view text) {
  PublicKey k;
  parse_key_bytes(text, k.bytes.data());
  return k;
}

std::string PublicKey::encode(KeyEncoding enc) const { return encode_key_bytes(bytes.data(), enc); }

// ---------------------------------------------------------------------------
// SecretKey

SecretKey SecretKey::generate() {
  ensure_sodium();
  SecretKey k;
  // X25519 clamps the scalar when it is used, so any 32 random bytes are a
  // valid private key (this is what PyNaCl's PrivateKey.generate does).
  randombytes_buf(k.bytes_.data(), k.bytes_.size());
  return k;
}

SecretKey SecretKey::parse(std::string_view text) {
  SecretKey k;
  parse_key_bytes(text, k.bytes_.data());
  return k;
}

SecretKey SecretKey::from_bytes(std::span<const std::uint8_t, kKeyBytes> raw) {
  SecretKey k;
  std::memcpy(k.bytes_.data(), raw.data(), kKeyBytes);
  return k;
}

SecretKey::SecretKey(SecretKey&& other) noexcept : bytes_(other.bytes_) {
  sodium_memzero(other.bytes_.data(), other.bytes_.size());
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    sodium_memzero(other.bytes_.data(), other.bytes_.size());
  }
  return *this;
}

SecretKey::~SecretKey() { sodium_memzero(bytes_.data(), bytes_.size()); }

SecretKey SecretKey::clone() const { return from_bytes(bytes()); }

PublicKey SecretKey::public_key() const {
  ensure_sodium();
  PublicKey pk;
  crypto_scalarmult_base(pk.bytes.data(), bytes_.data());
  return pk;
}

std::string SecretKey::encode(KeyEncoding enc) const { return encode_key_bytes(bytes_.data(), enc); }

// ---------------------------------------------------------------------------
// SharedKey

SharedKey SharedKey::derive(const PublicKey& their_public, const SecretKey& my_secret) {
  ensure_sodium();
  SharedKey k;
  if (crypto_box_beforenm(k.bytes_.data(), their_public.bytes.data(), my_secret.bytes().data()) != 0) {
    throw Error(ErrorCode::kInvalidKey,
                "invalid key: public key " + their_public.encode() +
                    " is a low-order Curve25519 point (the shared secret would be all zeros); libsodium rejects it");
  }
  return k;
}

SharedKey SharedKey::derive(const PublicKey& their_public, const SecretKey& my_secret, const CryptoBackend& backend) {
  ensure_sodium();
  SharedKey k;
  if (!backend.beforenm(k.bytes_, their_public.bytes, my_secret.bytes())) {
    throw Error(ErrorCode::kInvalidKey, "invalid key: public key " + their_public.encode() +
                                            " is a low-order Curve25519 point (the shared secret would be all zeros); " +
                                            std::string(backend.name()) + " rejects it");
  }
  return k;
}

SharedKey SharedKey::from_bytes(std::span<const std::uint8_t, kKeyBytes> raw) {
  SharedKey k;
  std::memcpy(k.bytes_.data(), raw.data(), kKeyBytes);
  return k;
}

SharedKey::SharedKey(SharedKey&& other) noexcept : bytes_(other.bytes_) {
  sodium_memzero(other.bytes_.data(), other.bytes_.size());
}

SharedKey& SharedKey::operator=(SharedKey&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    sodium_memzero(other.bytes_.data(), other.bytes_.size());
  }
  return *this;
}

SharedKey::~SharedKey() { sodium_memzero(bytes_.data(), bytes_.size()); }

// ---------------------------------------------------------------------------
// Box

namespace {

// The one sealing path; `fixed_nonce` is non-null only through the
// *_for_testing entry points (known-answer vectors).
void seal_into_core(const CryptoBackend& backend, const SharedKey& key, std::span<const std::uint8_t> plaintext,
                    std::span<std::uint8_t> out, const std::array<std::uint8_t, kNonceBytes>* fixed_nonce) {
  ensure_sodium();
  if (out.size() != kPayloadOverhead + plaintext.size()) {
    throw Error(ErrorCode::kInvalidArgument, "box_seal_into: output must be exactly nonce + MAC + plaintext long");
  }
  if (overlaps(plaintext.data(), plaintext.size(), out.data(), out.size())) {
    throw Error(ErrorCode::kInvalidArgument, "box_seal_into: plaintext must not alias the output buffer");
  }
  std::uint8_t* nonce = out.data();
  if (fixed_nonce != nullptr) {
    std::memcpy(nonce, fixed_nonce->data(), kNonceBytes);
  } else {
    randombytes_buf(nonce, kNonceBytes);
  }
  // The backend writes mac || ciphertext (crypto_box_easy_afternm); put it after the nonce.
  if (!backend.seal_afternm(out.subspan(kNonceBytes), plaintext,
                            std::span<const std::uint8_t, kNonceBytes>(nonce, kNonceBytes), key.bytes())) {
    sodium_memzero(out.data(), out.size());
    throw Error(ErrorCode::kInvalidArgument,
                "box_seal: " + std::string(backend.name()) + " crypto_box_easy_afternm failed");
  }
}

void seal_append_core(const CryptoBackend& backend, const SharedKey& key, std::span<const std::uint8_t> plaintext,
                      std::vector<std::uint8_t>& out, const std::array<std::uint8_t, kNonceBytes>* fixed_nonce) {
  if (overlaps(plaintext.data(), plaintext.size(), out.data(), out.capacity())) {
    // Growing `out` could move the plaintext under our feet.
    throw Error(ErrorCode::kInvalidArgument, "box_seal_append: plaintext must not alias the output buffer");
  }
  if (plaintext.size() > crypto_box_MESSAGEBYTES_MAX - kMacBytes) {
    throw Error(ErrorCode::kInvalidArgument, "box_seal_append: plaintext too large");
  }
  const std::size_t start = out.size();
  out.resize(start + kPayloadOverhead + plaintext.size());
  try {
    seal_into_core(backend, key, plaintext, std::span<std::uint8_t>(out).subspan(start), fixed_nonce);
  } catch (...) {
    out.resize(start);
    throw;
  }
}

}  // namespace

void box_seal_append(const SharedKey& key, std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out) {
  seal_append_core(libsodium_backend(), key, plaintext, out, nullptr);
}

void box_seal_append(const CryptoBackend& backend, const SharedKey& key, std::span<const std::uint8_t> plaintext,
                     std::vector<std::uint8_t>& out) {
  seal_append_core(backend, key, plaintext, out, nullptr);
}

void box_seal_into(const CryptoBackend& backend, const SharedKey& key, std::span<const std::uint8_t> plaintext,
                   std::span<std::uint8_t> out) {
  seal_into_core(backend, key, plaintext, out, nullptr);
}

void box_seal_append_for_testing(const SharedKey& key, std::span<const std::uint8_t> plaintext,
                                 std::vector<std::uint8_t>& out, const std::array<std::uint8_t, kNonceBytes>& nonce) {
  seal_append_core(libsodium_backend(), key, plaintext, out, &nonce);
}

void box_seal_append_for_testing(const CryptoBackend& backend, const SharedKey& key,
                                 std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out,
                                 const std::array<std::uint8_t, kNonceBytes>& nonce) {
  seal_append_core(backend, key, plaintext, out, &nonce);
}

void box_seal_into_for_testing(const CryptoBackend& backend, const SharedKey& key,
                               std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> out,
                               const std::array<std::uint8_t, kNonceBytes>& nonce) {
  seal_into_core(backend, key, plaintext, out, &nonce);
}

void box_open_into(const SharedKey& key, std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out) {
  box_open_into(libsodium_backend(), key, payload, out);
}

void box_open_into(const CryptoBackend& backend, const SharedKey& key, std::span<const std::uint8_t> payload,
                   std::vector<std::uint8_t>& out) {
  ensure_sodium();
  if (overlaps(payload.data(), payload.size(), out.data(), out.capacity())) {
    // Opening in place would need the ciphertext after we replace `out`: work on a copy.
    std::vector<std::uint8_t> copy(payload.begin(), payload.end());
    box_open_into(backend, key, copy, out);
    return;
  }
  wipe_and_clear(out);
  if (payload.size() < kPayloadOverhead) throw_short_payload(payload.size());
  out.resize(payload.size() - kPayloadOverhead);
  try {
    box_open_into(backend, key, payload, std::span<std::uint8_t>(out));
  } catch (...) {
    out.clear();  // zeroed by the span form
    throw;
  }
}

void box_open_into(const CryptoBackend& backend, const SharedKey& key, std::span<const std::uint8_t> payload,
                   std::span<std::uint8_t> out) {
  ensure_sodium();
  if (payload.size() < kPayloadOverhead) {
    if (!out.empty()) sodium_memzero(out.data(), out.size());
    throw_short_payload(payload.size());
  }
  if (out.size() != payload.size() - kPayloadOverhead) {
    throw Error(ErrorCode::kInvalidArgument, "box_open_into: output must be exactly payload - nonce - MAC long");
  }
  if (overlaps(payload.data(), payload.size(), out.data(), out.size())) {
    throw Error(ErrorCode::kInvalidArgument, "box_open_into: payload must not alias the output buffer");
  }
  // Every backend verifies the MAC before it releases anything (on failure the output is zeroed).
  if (!backend.open_afternm(out, payload.subspan(kNonceBytes),
                            std::span<const std::uint8_t, kNonceBytes>(payload.data(), kNonceBytes), key.bytes())) {
    if (!out.empty()) sodium_memzero(out.data(), out.size());  // the backends' contract already; unauthenticated bytes must not stay
    throw Error(ErrorCode::kDecryptFailed,
                "decryption failed: MAC verification failed (wrong key or corrupted payload)");
  }
}

}  // namespace wampbox
