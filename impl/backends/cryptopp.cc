// Backends "cryptopp" and "cryptopp-tweetnacl" (Crypto++, Debian's
// libcrypto++-dev).
//
// "cryptopp" is crypto_box put together from Crypto++'s own primitives:
//   X25519     CryptoPP::x25519::Agree, which refuses small-order public keys
//              (validateOtherPublicKey, on by default) by comparing all 32
//              bytes with a blocklist: the listed points with bit 255 set
//              (which X25519 ignores) get through and are computed, hence
//              LowOrderPolicy::kPartial (the corpus shows which);
//   HSalsa20   Crypto++ has no public HSalsa20, but HSalsa20(k, 0) is the
//              first Salsa20/20 keystream block for key k, nonce 0 and block
//              counter 0 with the feed-forward removed: words 0, 5, 10, 15,
//              6, 7, 8, 9 of (keystream - initial state), and in that state
//              words 6..9 are zero and 0, 5, 10, 15 the "expand 32-byte k"
//              constants. So CryptoPP::Salsa20 gives it exactly;
//   secretbox  CryptoPP::XSalsa20 with the 24-byte nonce: the first 32
//              keystream bytes are the one-time Poly1305 key, the message is
//              XORed with the keystream from byte 32 on, and
//              CryptoPP::Poly1305TLS (plain Poly1305 with a 32-byte key r||s,
//              i.e. NaCl's crypto_onetimeauth) tags the ciphertext.
//
// "cryptopp-tweetnacl" is the TweetNaCl Crypto++ bundles (namespace
// CryptoPP::NaCl) for cross-validation. Its crypto_box_beforenm refuses
// small-order public keys (Crypto++ added the check; the *_unchecked
// variants are TweetNaCl's original behaviour). Debian's
// /usr/include/crypto++/tweetnacl.h is not the header the library was built
// with (it is TweetNaCl's own, declaring C functions libcrypto++.so does not
// have), so the few functions used are declared here with the signatures the
// library exports (nm -DC libcrypto++.so | grep NaCl::).
#include <cryptopp/config_ver.h>
#include <cryptopp/cryptlib.h>
#include <cryptopp/misc.h>
#include <cryptopp/osrng.h>
#include <cryptopp/poly1305.h>
#include <cryptopp/salsa.h>
#include <cryptopp/xed25519.h>

#include <array>
#include <cstring>
#include <string>

#include "backends_internal.h"

#ifdef WAMPBOX_HAVE_BACKEND_CRYPTOPP_TWEETNACL
namespace CryptoPP::NaCl {
// Exported by libcrypto++ (tweetnacl.cpp); word64 is unsigned long on LP64.
int crypto_box_keypair(unsigned char* y, unsigned char* x);
int crypto_box_beforenm(unsigned char* k, const unsigned char* y, const unsigned char* x);
int crypto_box_afternm(unsigned char* c, const unsigned char* m, unsigned long d, const unsigned char* n,
                       const unsigned char* k);
int crypto_box_open_afternm(unsigned char* m, const unsigned char* c, unsigned long d, const unsigned char* n,
                            const unsigned char* k);
}  // namespace CryptoPP::NaCl
#endif

namespace wampbox::backends {
namespace {

std::string library_version() {
  const int v = CryptoPP::LibraryVersion();  // e.g. 870
  return std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
}

// ---------------------------------------------------------------------------
// Composed from Crypto++ primitives.

class CryptoppComposed final : public CryptoBackend {
 public:
  CryptoppComposed()
      : description_("Crypto++ " + library_version() +
                     ": x25519::Agree (small-order check), HSalsa20 from Salsa20's first keystream block, "
                     "XSalsa20 + Poly1305TLS") {}
  std::string_view name() const noexcept override { return "cryptopp"; }
  std::string_view description() const noexcept override { return description_; }
  LowOrderPolicy low_order_policy() const noexcept override { return LowOrderPolicy::kPartial; }

 private:
  void do_keypair(Out32 pk, Out32 sk) const override {
    thread_local CryptoPP::AutoSeededRandomPool rng;
    CryptoPP::x25519 x;
    x.GeneratePrivateKey(rng, sk.data());
    x.GeneratePublicKey(rng, sk.data(), pk.data());
  }

  bool do_beforenm(Out32 k, Key32 pk, Key32 sk) const override {
    std::array<std::uint8_t, 32> shared{};
    const CryptoPP::x25519 x;
    if (!x.Agree(shared.data(), sk.data(), pk.data(), /*validateOtherPublicKey=*/true)) return false;
    hsalsa20_zero_nonce(k.data(), shared.data());
    wipe(shared.data(), shared.size());
    return true;
  }

  // k = HSalsa20(key, 16 zero bytes), from Crypto++'s Salsa20 (see the top).
  static void hsalsa20_zero_nonce(std::uint8_t* out, const std::uint8_t* key) {
    static constexpr std::uint8_t kZeroIv[8] = {};
    std::array<std::uint8_t, 64> block{};
    CryptoPP::Salsa20::Encryption salsa;  // 20 rounds
    salsa.SetKeyWithIV(key, 32, kZeroIv, sizeof kZeroIv);
    salsa.ProcessData(block.data(), block.data(), block.size());            // keystream block 0
    static constexpr std::uint32_t kSigma[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};  // "expand 32-byte k"
    static constexpr int kWords[8] = {0, 5, 10, 15, 6, 7, 8, 9};
    for (int i = 0; i < 8; ++i) {
      const int w = kWords[i];
      std::uint32_t z = CryptoPP::GetWord<std::uint32_t>(false, CryptoPP::LITTLE_ENDIAN_ORDER, block.data() + 4 * w);
      if (i < 4) z -= kSigma[i];  // words 6..9 of the input (nonce, counter) are zero
      CryptoPP::PutWord<std::uint32_t>(false, CryptoPP::LITTLE_ENDIAN_ORDER, out + 4 * i, z);
    }
    wipe(block.data(), block.size());
  }

  // XSalsa20 keyed with (k, nonce), positioned after the 32-byte Poly1305 key it returns.
  static void start_stream(CryptoPP::XSalsa20::Encryption& xs, std::uint8_t* poly_key, Key32 k, Nonce nonce) {
    xs.SetKeyWithIV(k.data(), k.size(), nonce.data(), nonce.size());
    std::memset(poly_key, 0, 32);
    xs.ProcessData(poly_key, poly_key, 32);
  }

  bool do_seal_afternm(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce,
                       Key32 k) const override {
    CryptoPP::XSalsa20::Encryption xs;
    std::array<std::uint8_t, 32> poly_key{};
    start_stream(xs, poly_key.data(), k, nonce);
    std::uint8_t* c = ct.data() + kMacBytes;
    if (!msg.empty()) xs.ProcessData(c, msg.data(), msg.size());
    CryptoPP::Poly1305TLS mac(poly_key.data(), poly_key.size());
    mac.Update(c, msg.size());
    mac.Final(ct.data());
    wipe(poly_key.data(), poly_key.size());
    return true;
  }

  bool do_open_afternm(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce,
                       Key32 k) const override {
    CryptoPP::XSalsa20::Encryption xs;
    std::array<std::uint8_t, 32> poly_key{};
    start_stream(xs, poly_key.data(), k, nonce);
    const std::uint8_t* c = ct.data() + kMacBytes;
    const std::size_t n = ct.size() - kMacBytes;
    std::array<std::uint8_t, 16> tag{};
    CryptoPP::Poly1305TLS mac(poly_key.data(), poly_key.size());
    mac.Update(c, n);
    mac.Final(tag.data());
    wipe(poly_key.data(), poly_key.size());
    // Constant-time comparison; decrypt only what authenticated.
    if (!CryptoPP::VerifyBufsEqual(tag.data(), ct.data(), kMacBytes)) return false;
    if (n != 0) xs.ProcessData(msg.data(), c, n);
    return true;
  }

  std::string description_;
};

#ifdef WAMPBOX_HAVE_BACKEND_CRYPTOPP_TWEETNACL
// ---------------------------------------------------------------------------
// TweetNaCl as bundled in Crypto++.

class CryptoppTweetnacl final : public CryptoBackend {
 public:
  CryptoppTweetnacl()
      : description_("Crypto++ " + library_version() +
                     " bundled TweetNaCl (CryptoPP::NaCl::crypto_box_beforenm with Crypto++'s small-order check, "
                     "crypto_box_afternm), ZEROBYTES-padded API through scratch buffers") {}
  std::string_view name() const noexcept override { return "cryptopp-tweetnacl"; }
  std::string_view description() const noexcept override { return description_; }
  LowOrderPolicy low_order_policy() const noexcept override { return LowOrderPolicy::kReject; }

 private:
  void do_keypair(Out32 pk, Out32 sk) const override { CryptoPP::NaCl::crypto_box_keypair(pk.data(), sk.data()); }
  bool do_beforenm(Out32 k, Key32 pk, Key32 sk) const override {
    return CryptoPP::NaCl::crypto_box_beforenm(k.data(), pk.data(), sk.data()) == 0;
  }
  bool do_seal_afternm(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce,
                       Key32 k) const override {
    return padded_seal(CryptoPP::NaCl::crypto_box_afternm, ct, msg, nonce.data(), k.data());
  }
  bool do_open_afternm(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce,
                       Key32 k) const override {
    return padded_open(CryptoPP::NaCl::crypto_box_open_afternm, msg, ct, nonce.data(), k.data());
  }

  std::string description_;
};
#endif  // WAMPBOX_HAVE_BACKEND_CRYPTOPP_TWEETNACL

}  // namespace

const CryptoBackend& cryptopp() {
  static const CryptoppComposed backend;
  return backend;
}

#ifdef WAMPBOX_HAVE_BACKEND_CRYPTOPP_TWEETNACL
const CryptoBackend& cryptopp_tweetnacl() {
  static const CryptoppTweetnacl backend;
  return backend;
}
#endif

}  // namespace wampbox::backends
