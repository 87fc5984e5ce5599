// Pluggable implementations of NaCl crypto_box (X25519 + HSalsa20 +
// XSalsa20-Poly1305), the primitive under WAMP-cryptobox.
//
// The core library (wampbox::wampbox) has one backend, libsodium, and a
// registry that starts with it alone. The other backends are separate CMake
// targets, so that a program that only wants libsodium links nothing else:
// wampbox::backend_nacl (Debian's libnacl-dev), wampbox::backend_cryptopp
// ("cryptopp": Crypto++'s XSalsa20, Poly1305TLS and x25519 put together here,
// and "cryptopp-tweetnacl": the TweetNaCl bundled inside Crypto++),
// wampbox::backend_botan (Botan 2's Salsa20 with a 24-byte nonce,
// Salsa20::hsalsa20, Poly1305 and curve25519_donna put together here), and
// wampbox::backends, which links every one found at configure time and
// declares register_optional_backends() (wampbox/backends.h). A backend is
// in the registry only after it has been registered explicitly: nothing
// registers itself from a static initialiser (which a static link could drop).
//
// Every backend must produce the same bytes as libsodium; the tests run each
// one against the corpus's crypto_box layer (fixtures/crypto_box_test.json).
// Where they legitimately differ is the low-order public key policy
// (fixtures/README.md, "Profiles"): see LowOrderPolicy. docs/backends.md has
// the findings and the benchmark.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "wampbox/sizes.h"

namespace wampbox {

/// What a backend does with a public key of low order (a point of order 1, 2,
/// 4 or 8, or a non-canonical encoding of one): the X25519 output is then all
/// zeros for every secret key, so the shared key does not depend on the
/// secret.
enum class LowOrderPolicy {
  kReject,   // every encoding is refused: beforenm/seal/open fail (libsodium's profile)
  kCompute,  // none is refused: the shared key is HSalsa20 of zeros (TweetNaCl's profile)
  kPartial,  // some encodings are refused, the others computed as kCompute (Crypto++'s
             // x25519 blocklist compares all 256 bits, so the listed points with bit 255
             // set, which X25519 ignores, get through)
};

[[nodiscard]] std::string_view to_string(LowOrderPolicy p) noexcept;

/// One message of CryptoBackend::seal_afternm_batch: ct (mac || ciphertext)
/// must be msg.size() + kMacBytes long and must not overlap msg; key is a
/// crypto_box shared key (beforenm). Every job has its own key and nonce.
struct BoxSealJob {
  std::span<std::uint8_t> ct;
  std::span<const std::uint8_t> msg;
  std::span<const std::uint8_t, kNonceBytes> nonce;
  std::span<const std::uint8_t, kKeyBytes> key;
};

/// One message of CryptoBackend::open_afternm_batch: msg must be
/// ct.size() - kMacBytes long (ct at least kMacBytes) and must not overlap ct.
struct BoxOpenJob {
  std::span<std::uint8_t> msg;
  std::span<const std::uint8_t> ct;
  std::span<const std::uint8_t, kNonceBytes> nonce;
  std::span<const std::uint8_t, kKeyBytes> key;
};

/// One implementation of crypto_box. Instances are immutable singletons
/// (obtained from the registry below); every member function is thread-safe.
///
/// Buffers: `ct` is always mac(16) || ciphertext (what crypto_box_easy
/// writes; no nonce), so ct.size() == msg.size() + kMacBytes. Input and output
/// spans must not overlap. Size mismatches throw Error(kInvalidArgument);
/// cryptographic failure (a rejected public key, a MAC that does not verify)
/// returns false, with the output zeroed: unauthenticated plaintext is never
/// released.
///
/// The public functions check the arguments and call the private virtual
/// hooks (non-virtual interface); a backend implements only the hooks.
class CryptoBackend {
 public:
  using Key32 = std::span<const std::uint8_t, kKeyBytes>;
  using Out32 = std::span<std::uint8_t, kKeyBytes>;
  using Nonce = std::span<const std::uint8_t, kNonceBytes>;

  virtual ~CryptoBackend() = default;
  CryptoBackend(const CryptoBackend&) = delete;
  CryptoBackend& operator=(const CryptoBackend&) = delete;

  /// Registry name: "libsodium", "nacl", "cryptopp", "cryptopp-tweetnacl", "botan".
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  /// Library, version, and how the box is assembled, for reports.
  [[nodiscard]] virtual std::string_view description() const noexcept = 0;
  /// The policy this backend declares; the backend tests check it against the
  /// corpus (kReject: every low-order vector rejected; kCompute: every one
  /// computed exactly; kPartial: some of each, the computed ones exact).
  [[nodiscard]] virtual LowOrderPolicy low_order_policy() const noexcept = 0;

  /// A fresh key pair from the backend's random source; pk = X25519(sk, 9).
  void keypair(Out32 pk, Out32 sk) const { do_keypair(pk, sk); }

  /// crypto_box_beforenm: k = HSalsa20(X25519(sk, pk), 0). False (k zeroed)
  /// when the backend refuses the public key.
  [[nodiscard]] bool beforenm(Out32 k, Key32 pk, Key32 sk) const;

  /// crypto_box_easy_afternm with a shared key from beforenm.
  [[nodiscard]] bool seal_afternm(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce,
                                  Key32 k) const;
  /// crypto_box_open_easy_afternm; msg.size() == ct.size() - kMacBytes
  /// (ct shorter than the MAC throws Error(kInvalidArgument)).
  [[nodiscard]] bool open_afternm(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce,
                                  Key32 k) const;

  /// Many independent seal_afternm calls at once: ok[i] is what
  /// seal_afternm(jobs[i]...) returns, and jobs[i].ct then holds the same
  /// bytes (wiped where ok[i] is false). ok.size() must equal jobs.size(). Every
  /// job's sizes and overlaps are checked first: Error(kInvalidArgument)
  /// before anything is written. The default runs seal_afternm's hook in a
  /// loop; a multi-buffer backend (xsalsa-mb) seals the jobs across SIMD lanes.
  void seal_afternm_batch(std::span<const BoxSealJob> jobs, std::span<bool> ok) const;
  /// Many independent open_afternm calls at once: ok[i] true and jobs[i].msg
  /// the plaintext when box i verifies, else ok[i] false and jobs[i].msg all
  /// zeros (nothing unauthenticated is released). Checks as seal_afternm_batch.
  void open_afternm_batch(std::span<const BoxOpenJob> jobs, std::span<bool> ok) const;

  /// crypto_box_easy / crypto_box_open_easy: the key agreement on every call.
  /// Default: beforenm then the afternm function (the shared key wiped).
  [[nodiscard]] bool seal(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce, Key32 pk,
                          Key32 sk) const;
  [[nodiscard]] bool open(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce, Key32 pk,
                          Key32 sk) const;

 protected:
  CryptoBackend() = default;

 private:
  virtual void do_keypair(Out32 pk, Out32 sk) const = 0;
  virtual bool do_beforenm(Out32 k, Key32 pk, Key32 sk) const = 0;
  virtual bool do_seal_afternm(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce,
                               Key32 k) const = 0;
  virtual bool do_open_afternm(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce,
                               Key32 k) const = 0;
  /// Batch hooks, called after the arguments were checked; the defaults loop
  /// over do_seal_afternm / do_open_afternm.
  virtual void do_seal_afternm_batch(std::span<const BoxSealJob> jobs, std::span<bool> ok) const;
  virtual void do_open_afternm_batch(std::span<const BoxOpenJob> jobs, std::span<bool> ok) const;
  virtual bool do_seal(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce, Key32 pk,
                       Key32 sk) const;
  virtual bool do_open(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce, Key32 pk,
                       Key32 sk) const;
};

/// The default backend (libsodium); always available, always registered.
/// Never throws: libsodium is initialised by the backend's first operation,
/// which throws Error(kInvalidArgument) if sodium_init() fails.
[[nodiscard]] const CryptoBackend& libsodium_backend() noexcept;

/// Adds `backend` to the registry (after the ones already there). Returns
/// false, and changes nothing, when a backend of the same name is already
/// registered or the registry is full (16 backends). `backend` must outlive
/// every use of the registry (the optional backends are function-local
/// statics). Thread-safe, also against concurrent available_backends() /
/// find_backend() calls. Never throws (false if the registry's mutex cannot
/// be locked).
[[nodiscard]] bool register_backend(const CryptoBackend& backend) noexcept;

/// The registered backends: libsodium first, then the others in the order
/// they were registered (register_optional_backends(): nacl, cryptopp,
/// cryptopp-tweetnacl, botan, those found at configure time). The span stays
/// valid for the life of the program; backends registered later are not in it.
[[nodiscard]] std::span<const CryptoBackend* const> available_backends() noexcept;

/// The registered backend named `name`, or nullptr if none is.
[[nodiscard]] const CryptoBackend* find_backend(std::string_view name) noexcept;

}  // namespace wampbox
