// The core's backend registry (wampbox/backend.h) in a program that links
// wampbox::wampbox alone: libsodium is the only backend until another is
// registered explicitly, and registration is by name, once.
#include <gtest/gtest.h>

#include <string_view>

#include "wampbox/backend.h"

namespace wampbox {
namespace {

// libsodium under another name: a backend the core does not know.
class Renamed final : public CryptoBackend {
 public:
  explicit Renamed(std::string_view name) : name_(name) {}
  std::string_view name() const noexcept override { return name_; }
  std::string_view description() const noexcept override { return "libsodium, renamed for the registry test"; }
  LowOrderPolicy low_order_policy() const noexcept override { return LowOrderPolicy::kReject; }

 private:
  void do_keypair(Out32 pk, Out32 sk) const override { libsodium_backend().keypair(pk, sk); }
  bool do_beforenm(Out32 k, Key32 pk, Key32 sk) const override { return libsodium_backend().beforenm(k, pk, sk); }
  bool do_seal_afternm(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce,
                       Key32 k) const override {
    return libsodium_backend().seal_afternm(ct, msg, nonce, k);
  }
  bool do_open_afternm(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce,
                       Key32 k) const override {
    return libsodium_backend().open_afternm(msg, ct, nonce, k);
  }
  std::string_view name_;
};

TEST(CoreBackendRegistry, LibsodiumOnlyUntilSomethingIsRegistered) {
  auto list = available_backends();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0], &libsodium_backend());
  EXPECT_EQ(find_backend("libsodium"), &libsodium_backend());
  for (std::string_view n : {"nacl", "cryptopp", "cryptopp-tweetnacl", "botan", "xsalsa-mb"}) {
    EXPECT_EQ(find_backend(n), nullptr) << n << " is registered in a program that links the core alone";
  }

  static const Renamed extra("registry-test");
  EXPECT_TRUE(register_backend(extra));
  EXPECT_FALSE(register_backend(extra));                // once per name
  EXPECT_FALSE(register_backend(libsodium_backend()));  // already there
  static const Renamed same_name("libsodium");
  EXPECT_FALSE(register_backend(same_name));
  EXPECT_EQ(find_backend("libsodium"), &libsodium_backend());

  auto after = available_backends();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0], &libsodium_backend());
  EXPECT_EQ(after[1], &extra);
  EXPECT_EQ(find_backend("registry-test"), &extra);
  EXPECT_EQ(list.size(), 1u);  // a span taken earlier is unchanged and still valid
}

}  // namespace
}  // namespace wampbox
