// Backend "botan": crypto_box put together from Botan 2's primitives (Debian's
// libbotan-2-dev):
//   X25519     Botan::curve25519_donna, which does no public-key checks:
//              low-order keys are computed (the TweetNaCl profile);
//   HSalsa20   Botan::Salsa20::hsalsa20, public, on the Salsa20 input state
//              ("expand 32-byte k", key, 16-byte nonce);
//   secretbox  Botan::Salsa20 with a 24-byte nonce is XSalsa20: its first 32
//              keystream bytes are the one-time Poly1305 key, the message is
//              XORed with the keystream from byte 32 on, and Botan::Poly1305
//              tags the ciphertext.
// The Salsa20 and Poly1305 objects are per thread and re-keyed on every call
// (Botan allocates when an object is first keyed); after each call the
// cipher is re-keyed with zeros and the MAC cleared, so no key outlives the call.
#define BOTAN_NO_DEPRECATED_WARNINGS  // salsa20.h, poly1305.h: "will be made internal in the future"
#include <botan/auto_rng.h>
#include <botan/curve25519.h>
#include <botan/mem_ops.h>
#include <botan/poly1305.h>
#include <botan/salsa20.h>
#include <botan/version.h>

#include <array>
#include <cstring>
#include <string>

#include "backends_internal.h"

namespace wampbox::backends {
namespace {

std::uint32_t load_le32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}
void store_le32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v >> 16);
  p[3] = static_cast<std::uint8_t>(v >> 24);
}

struct ThreadState {
  Botan::Salsa20 salsa;
  Botan::Poly1305 poly;
};

ThreadState& state() {
  thread_local ThreadState s;
  return s;
}

// Keys `salsa` with (k, nonce) and returns the Poly1305 key; the stream is
// then at byte 32.
void start_stream(Botan::Salsa20& salsa, std::uint8_t* poly_key, const std::uint8_t* k, const std::uint8_t* nonce) {
  salsa.set_key(k, kKeyBytes);
  salsa.set_iv(nonce, kNonceBytes);
  std::memset(poly_key, 0, 32);
  salsa.cipher1(poly_key, 32);
}

// Leaves no key in the per-thread objects.
void forget(ThreadState& s) {
  static constexpr std::uint8_t kZeroKey[kKeyBytes] = {};
  s.salsa.set_key(kZeroKey, sizeof kZeroKey);
  s.poly.clear();
}

class Botan2 final : public CryptoBackend {
 public:
  Botan2()
      : description_(std::string("Botan ") + Botan::short_version_cstr() +
                     ": curve25519_donna (no checks), Salsa20::hsalsa20, Salsa20 with a 24-byte nonce + Poly1305") {}
  std::string_view name() const noexcept override { return "botan"; }
  std::string_view description() const noexcept override { return description_; }
  LowOrderPolicy low_order_policy() const noexcept override { return LowOrderPolicy::kCompute; }

 private:
  void do_keypair(Out32 pk, Out32 sk) const override {
    thread_local Botan::AutoSeeded_RNG rng;
    rng.randomize(sk.data(), sk.size());
    Botan::curve25519_basepoint(pk.data(), sk.data());
  }

  bool do_beforenm(Out32 k, Key32 pk, Key32 sk) const override {
    std::array<std::uint8_t, 32> shared{};
    Botan::curve25519_donna(shared.data(), sk.data(), pk.data());
    std::array<std::uint32_t, 16> in{};
    in[0] = 0x61707865;  // "expand 32-byte k"
    in[5] = 0x3320646e;
    in[10] = 0x79622d32;
    in[15] = 0x6b206574;
    for (int i = 0; i < 4; ++i) {
      in[1 + i] = load_le32(shared.data() + 4 * i);
      in[11 + i] = load_le32(shared.data() + 16 + 4 * i);
    }
    // in[6..9]: the 16-byte nonce of crypto_box_beforenm, all zero.
    std::array<std::uint32_t, 8> out{};
    Botan::Salsa20::hsalsa20(out.data(), in.data());
    for (int i = 0; i < 8; ++i) store_le32(k.data() + 4 * i, out[i]);
    wipe(shared.data(), shared.size());
    wipe(in.data(), sizeof in);
    wipe(out.data(), sizeof out);
    return true;
  }

  bool do_seal_afternm(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce,
                       Key32 k) const override {
    ThreadState& s = state();
    std::array<std::uint8_t, 32> poly_key{};
    start_stream(s.salsa, poly_key.data(), k.data(), nonce.data());
    std::uint8_t* c = ct.data() + kMacBytes;
    if (!msg.empty()) s.salsa.cipher(msg.data(), c, msg.size());
    s.poly.set_key(poly_key.data(), poly_key.size());
    s.poly.update(c, msg.size());
    s.poly.final(ct.data());
    wipe(poly_key.data(), poly_key.size());
    forget(s);
    return true;
  }

  bool do_open_afternm(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce,
                       Key32 k) const override {
    ThreadState& s = state();
    std::array<std::uint8_t, 32> poly_key{};
    start_stream(s.salsa, poly_key.data(), k.data(), nonce.data());
    const std::uint8_t* c = ct.data() + kMacBytes;
    const std::size_t n = ct.size() - kMacBytes;
    std::array<std::uint8_t, 16> tag{};
    s.poly.set_key(poly_key.data(), poly_key.size());
    s.poly.update(c, n);
    s.poly.final(tag.data());
    wipe(poly_key.data(), poly_key.size());
    // Constant-time comparison; decrypt only what authenticated.
    const bool ok = Botan::constant_time_compare(tag.data(), ct.data(), kMacBytes);
    if (ok && n != 0) s.salsa.cipher(c, msg.data(), n);
    forget(s);
    return ok;
  }

  std::string description_;
};

}  // namespace

const CryptoBackend& botan() {
  static const Botan2 backend;
  return backend;
}

}  // namespace wampbox::backends
