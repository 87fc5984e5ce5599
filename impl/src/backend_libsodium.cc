// The default crypto_box backend: libsodium's crypto_box_* functions, exactly
// what keys.cc used before backends existed.
#include <sodium.h>

#include <cstdio>

#include "sodium_internal.h"
#include "wampbox/backend.h"

namespace wampbox {
namespace {

using internal::ensure_sodium;

// libsodium_backend() is noexcept, so constructing this cannot fail: no
// sodium_init() here (it could fail, and used to throw std::runtime_error
// through the noexcept accessor, i.e. std::terminate) and no allocation (the
// description goes into a fixed buffer). Every operation runs
// ensure_sodium() first, which throws Error(kInvalidArgument) if libsodium
// cannot initialise; it costs a load and a branch once initialised.
class Libsodium final : public CryptoBackend {
 public:
  Libsodium() noexcept {
    // sodium_version_string() returns a constant; it needs no sodium_init().
    std::snprintf(description_, sizeof description_,
                  "libsodium %s: crypto_box_beforenm, crypto_box_easy_afternm / crypto_box_open_easy_afternm, "
                  "crypto_box_easy",
                  sodium_version_string());
  }
  std::string_view name() const noexcept override { return "libsodium"; }
  std::string_view description() const noexcept override { return description_; }
  LowOrderPolicy low_order_policy() const noexcept override { return LowOrderPolicy::kReject; }

 private:
  void do_keypair(Out32 pk, Out32 sk) const override {
    ensure_sodium();
    crypto_box_keypair(pk.data(), sk.data());
  }
  bool do_beforenm(Out32 k, Key32 pk, Key32 sk) const override {
    ensure_sodium();
    return crypto_box_beforenm(k.data(), pk.data(), sk.data()) == 0;
  }
  bool do_seal_afternm(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce,
                       Key32 k) const override {
    ensure_sodium();
    return crypto_box_easy_afternm(ct.data(), msg.data(), msg.size(), nonce.data(), k.data()) == 0;
  }
  bool do_open_afternm(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce,
                       Key32 k) const override {
    ensure_sodium();
    return crypto_box_open_easy_afternm(msg.data(), ct.data(), ct.size(), nonce.data(), k.data()) == 0;
  }
  bool do_seal(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce, Key32 pk,
               Key32 sk) const override {
    ensure_sodium();
    return crypto_box_easy(ct.data(), msg.data(), msg.size(), nonce.data(), pk.data(), sk.data()) == 0;
  }
  bool do_open(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce, Key32 pk,
               Key32 sk) const override {
    ensure_sodium();
    return crypto_box_open_easy(msg.data(), ct.data(), ct.size(), nonce.data(), pk.data(), sk.data()) == 0;
  }

  char description_[192] = {};
};

}  // namespace

const CryptoBackend& libsodium_backend() noexcept {
  static const Libsodium backend;
  return backend;
}

}  // namespace wampbox
