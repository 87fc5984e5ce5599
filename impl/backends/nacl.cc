// Backend "nacl": Debian's libnacl-dev (NaCl 20110221: curve25519 donna_c64,
// HSalsa20/XSalsa20 ref over the salsa20 amd64_xmm6 assembly, Poly1305 53-bit
// floating point), through its crypto_box_curve25519xsalsa20poly1305_ref_*
// functions. NaCl has no checks on public keys: low-order keys are computed
// (the TweetNaCl profile).
//
// Not <sodium.h> here: NaCl's headers #define libsodium's function names
// (crypto_box_curve25519xsalsa20poly1305_beforenm -> ..._ref_beforenm).
#include <nacl/crypto_box_curve25519xsalsa20poly1305.h>
#include <nacl/crypto_scalarmult_curve25519.h>

#include <string>

#include "backends_internal.h"

#ifndef WAMPBOX_NACL_VERSION
#define WAMPBOX_NACL_VERSION "unknown version"
#endif

// libsodium's CSPRNG (declared here rather than through <sodium.h>, see above).
extern "C" void randombytes_buf(void* buf, std::size_t size);

namespace wampbox::backends {
namespace {

static_assert(crypto_box_curve25519xsalsa20poly1305_ZEROBYTES == 32 &&
              crypto_box_curve25519xsalsa20poly1305_BOXZEROBYTES == 16);

class Nacl final : public CryptoBackend {
 public:
  std::string_view name() const noexcept override { return "nacl"; }
  std::string_view description() const noexcept override {
    return "NaCl " WAMPBOX_NACL_VERSION " (Debian libnacl-dev, static): " crypto_box_curve25519xsalsa20poly1305_IMPLEMENTATION
           " with crypto_scalarmult/curve25519/donna_c64, ZEROBYTES-padded API through scratch buffers";
  }
  LowOrderPolicy low_order_policy() const noexcept override { return LowOrderPolicy::kCompute; }

 private:
  // NaCl's crypto_box_keypair reads /dev/urandom through Debian's separate
  // librandombytes; the secret key comes from libsodium's CSPRNG instead and
  // the public key from NaCl's own base-point multiplication.
  void do_keypair(Out32 pk, Out32 sk) const override {
    randombytes_buf(sk.data(), sk.size());
    crypto_scalarmult_curve25519_donna_c64_base(pk.data(), sk.data());
  }
  bool do_beforenm(Out32 k, Key32 pk, Key32 sk) const override {
    return crypto_box_curve25519xsalsa20poly1305_ref_beforenm(k.data(), pk.data(), sk.data()) == 0;
  }
  bool do_seal_afternm(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce,
                       Key32 k) const override {
    return padded_seal(crypto_box_curve25519xsalsa20poly1305_ref_afternm, ct, msg, nonce.data(), k.data());
  }
  bool do_open_afternm(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce,
                       Key32 k) const override {
    return padded_open(crypto_box_curve25519xsalsa20poly1305_ref_open_afternm, msg, ct, nonce.data(), k.data());
  }
};

}  // namespace

const CryptoBackend& nacl() {
  static const Nacl backend;
  return backend;
}

}  // namespace wampbox::backends
