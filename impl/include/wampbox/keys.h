// Curve25519 keys for WAMP-cryptobox.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wampbox/backend.h"
#include "wampbox/sizes.h"

namespace wampbox {

enum class KeyEncoding { kBase64, kHex };

/// A Curve25519 public key.
struct PublicKey {
  std::array<std::uint8_t, kKeyBytes> bytes{};

  /// Parses 32 bytes given as standard padded base64 (44 chars, what
  /// Autobahn's Key() takes) or as hex (64 chars, what `crossbar keygen` and
  /// KeyRing.generate_key_hex() emit; an optional "0x" prefix is allowed).
  /// Anything else throws Error(kInvalidKey) naming the accepted forms.
  [[nodiscard]] static PublicKey parse(std::string_view text);
  [[nodiscard]] std::string encode(KeyEncoding enc = KeyEncoding::kBase64) const;
  bool operator==(const PublicKey&) const = default;
};

/// A Curve25519 secret key. Wiped (sodium_memzero) on destruction and on
/// move-from; not copyable by accident (copy is explicit via clone()).
class SecretKey {
 public:
  /// A fresh key from libsodium's CSPRNG.
  [[nodiscard]] static SecretKey generate();
  /// Same accepted forms and errors as PublicKey::parse.
  [[nodiscard]] static SecretKey parse(std::string_view text);
  [[nodiscard]] static SecretKey from_bytes(std::span<const std::uint8_t, kKeyBytes> raw);

  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  [[nodiscard]] SecretKey clone() const;
  /// X25519 base-point multiplication (crypto_scalarmult_base).
  [[nodiscard]] PublicKey public_key() const;
  [[nodiscard]] std::string encode(KeyEncoding enc = KeyEncoding::kBase64) const;
  [[nodiscard]] std::span<const std::uint8_t, kKeyBytes> bytes() const {
    return std::span<const std::uint8_t, kKeyBytes>(bytes_);
  }

 private:
  SecretKey() = default;
  std::array<std::uint8_t, kKeyBytes> bytes_{};
};

/// The shared key of crypto_box_beforenm(pk, sk): HSalsa20 of the X25519
/// shared point. Wiped on destruction. Throws Error(kInvalidKey) when
/// libsodium rejects the public key (low-order point / all-zero secret).
class SharedKey {
 public:
  [[nodiscard]] static SharedKey derive(const PublicKey& their_public, const SecretKey& my_secret);
  /// As derive, with `backend`'s beforenm: its low-order policy applies (a
  /// backend whose policy is LowOrderPolicy::kCompute does not throw for
  /// low-order public keys).
  [[nodiscard]] static SharedKey derive(const PublicKey& their_public, const SecretKey& my_secret,
                                        const CryptoBackend& backend);
  [[nodiscard]] static SharedKey from_bytes(std::span<const std::uint8_t, kKeyBytes> raw);

  SharedKey(SharedKey&& other) noexcept;
  SharedKey& operator=(SharedKey&& other) noexcept;
  SharedKey(const SharedKey&) = delete;
  SharedKey& operator=(const SharedKey&) = delete;
  ~SharedKey();

  [[nodiscard]] std::span<const std::uint8_t, kKeyBytes> bytes() const {
    return std::span<const std::uint8_t, kKeyBytes>(bytes_);
  }

 private:
  SharedKey() = default;
  std::array<std::uint8_t, kKeyBytes> bytes_{};
};

/// Appends nonce || mac || ciphertext of `plaintext` to `out`
/// (crypto_box_easy_afternm), with 24 fresh nonce bytes from libsodium's
/// CSPRNG. Error(kInvalidArgument) if `plaintext` aliases `out`'s storage or
/// is too large; `out` is then left as it was.
void box_seal_append(const SharedKey& key, std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out);

/// Opens nonce || mac || ciphertext, replacing the contents of `out` with the
/// plaintext. On any failure (short input, bad MAC) throws
/// Error(kDecryptFailed) and leaves `out` empty: unauthenticated plaintext is
/// never released.
void box_open_into(const SharedKey& key, std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out);

/// As box_seal_append / box_open_into, with `backend` doing the
/// XSalsa20-Poly1305 work (the nonce still comes from libsodium's CSPRNG).
/// The functions above are these with libsodium_backend().
void box_seal_append(const CryptoBackend& backend, const SharedKey& key, std::span<const std::uint8_t> plaintext,
                     std::vector<std::uint8_t>& out);
void box_open_into(const CryptoBackend& backend, const SharedKey& key, std::span<const std::uint8_t> payload,
                   std::vector<std::uint8_t>& out);

/// As box_open_into, but into `out`, which must be exactly payload.size() -
/// kPayloadOverhead bytes and must not overlap `payload` (Error(kInvalidArgument)
/// otherwise; a payload shorter than kPayloadOverhead is Error(kDecryptFailed)).
/// Lets a receiver decrypt straight into a buffer it reuses. On failure `out`
/// is zeroed.
void box_open_into(const CryptoBackend& backend, const SharedKey& key, std::span<const std::uint8_t> payload,
                   std::span<std::uint8_t> out);

/// As box_seal_append, but into `out`, which must be exactly
/// kPayloadOverhead + plaintext.size() bytes and must not overlap `plaintext`
/// (Error(kInvalidArgument) otherwise). Lets a caller reuse a buffer without
/// growing or zero-filling it per message. On failure `out` is wiped.
void box_seal_into(const CryptoBackend& backend, const SharedKey& key, std::span<const std::uint8_t> plaintext,
                   std::span<std::uint8_t> out);

/// FOR TESTS ONLY: box_seal_append / box_seal_into with the caller's `nonce`
/// instead of fresh random bytes. They exist to reproduce known-answer
/// vectors (the corpus, Autobahn's worked example) byte for byte. Never use
/// them in production: a nonce used twice with the same key breaks
/// XSalsa20-Poly1305's confidentiality and authenticity. Same code path and
/// errors as the functions above.
void box_seal_append_for_testing(const SharedKey& key, std::span<const std::uint8_t> plaintext,
                                 std::vector<std::uint8_t>& out, const std::array<std::uint8_t, kNonceBytes>& nonce);
void box_seal_append_for_testing(const CryptoBackend& backend, const SharedKey& key,
                                 std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out,
                                 const std::array<std::uint8_t, kNonceBytes>& nonce);
void box_seal_into_for_testing(const CryptoBackend& backend, const SharedKey& key,
                               std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> out,
                               const std::array<std::uint8_t, kNonceBytes>& nonce);

}  // namespace wampbox
