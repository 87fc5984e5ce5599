// The default crypto_box backend: libsodium's crypto_box_* functions, exactly
// what keys.cc used before backends existed.
#include <sodium.h>

#include <stdexcept>
#include <string>

#include "wampbox/backend.h"
#include "wampbox/error.h"

namespace wampbox {
namespace {

class Libsodium final : public CryptoBackend {
 public:
  Libsodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise (sodium_init)");
    description_ = std::string("libsodium ") + sodium_version_string() +
                   ": crypto_box_beforenm, crypto_box_easy_afternm / crypto_box_open_easy_afternm, crypto_box_easy";
  }
  std::string_view name() const noexcept override { return "libsodium"; }
  std::string_view description() const noexcept override { return description_; }
  LowOrderPolicy low_order_policy() const noexcept override { return LowOrderPolicy::kReject; }

 private:
  void do_keypair(Out32 pk, Out32 sk) const override { crypto_box_keypair(pk.data(), sk.data()); }
  bool do_beforenm(Out32 k, Key32 pk, Key32 sk) const override {
    return crypto_box_beforenm(k.data(), pk.data(), sk.data()) == 0;
  }
  bool do_seal_afternm(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce,
                       Key32 k) const override {
    return crypto_box_easy_afternm(ct.data(), msg.data(), msg.size(), nonce.data(), k.data()) == 0;
  }
  bool do_open_afternm(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce,
                       Key32 k) const override {
    return crypto_box_open_easy_afternm(msg.data(), ct.data(), ct.size(), nonce.data(), k.data()) == 0;
  }
  bool do_seal(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce, Key32 pk,
               Key32 sk) const override {
    return crypto_box_easy(ct.data(), msg.data(), msg.size(), nonce.data(), pk.data(), sk.data()) == 0;
  }
  bool do_open(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce, Key32 pk,
               Key32 sk) const override {
    return crypto_box_open_easy(msg.data(), ct.data(), ct.size(), nonce.data(), pk.data(), sk.data()) == 0;
  }

  std::string description_;
};

}  // namespace

const CryptoBackend& libsodium_backend() noexcept {
  static const Libsodium backend;
  return backend;
}

}  // namespace wampbox
