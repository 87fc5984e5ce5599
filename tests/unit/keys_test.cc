#include "wampbox/keys.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "wampbox/error.h"

namespace wampbox {
namespace {

// crossbar-examples encryption/cryptobox/sample_keys.py
constexpr const char* kOriginatorPriv = "6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=";
constexpr const char* kOriginatorPub = "GTtQ37XGJO2O4R8Dvx4AUo8pe61D9evIWpKGQAPdOh0=";
constexpr const char* kResponderPriv = "ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE=";
constexpr const char* kResponderPub = "5Q3rK3UhNZzdviBw9MtbNrrPHR9bsFSGMEtr2H3ZaxQ=";
// The same keys in hex (python3: base64.b64decode(k).hex()).
constexpr const char* kOriginatorPrivHex = "ea6d2b9da5403f43efbe44b5d502ca6151c352a0bcb1062b8f9b7e7b3fb28583";
constexpr const char* kResponderPubHex = "e50deb2b7521359cddbe2070f4cb5b36bacf1d1f5bb05486304b6bd87dd96b14";
// crypto_box_beforenm(RESPONDER_PUB, ORIGINATOR_PRIV), computed with PyNaCl.
constexpr const char* kSampleSharedHex = "526b79d60a59530527e60e8462094bc9ab4c2de124f710a2a36f9b85e586f772";

// The classic NaCl box vector (libsodium test/default/box*.c).
constexpr const char* kAliceSk = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr const char* kAlicePk = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
constexpr const char* kBobSk = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
constexpr const char* kBobPk = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
constexpr const char* kBeforenm = "1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389";

std::string to_hex(std::span<const std::uint8_t> b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 0xF]);
  }
  return s;
}

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

template <class F>
ErrorCode code_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no wampbox::Error thrown";
  return ErrorCode::kInvalidArgument;
}

template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no wampbox::Error thrown";
  return {};
}

bool all_zero(std::span<const std::uint8_t> b) {
  return std::all_of(b.begin(), b.end(), [](std::uint8_t c) { return c == 0; });
}

// ---------------------------------------------------------------------------
// Parsing and encoding

TEST(Keys, ParsesBase64AndHexToTheSameBytes) {
  PublicKey b64 = PublicKey::parse(kResponderPub);
  PublicKey hex = PublicKey::parse(kResponderPubHex);
  EXPECT_EQ(b64, hex);
  EXPECT_EQ(PublicKey::parse(std::string("0x") + kResponderPubHex), b64);
  std::string upper = kResponderPubHex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(PublicKey::parse("0X" + upper), b64);
  EXPECT_EQ(b64.encode(), kResponderPub);
  EXPECT_EQ(b64.encode(KeyEncoding::kHex), kResponderPubHex);

  SecretKey sk_b64 = SecretKey::parse(kOriginatorPriv);
  SecretKey sk_hex = SecretKey::parse(kOriginatorPrivHex);
  EXPECT_EQ(to_hex(sk_b64.bytes()), kOriginatorPrivHex);
  EXPECT_EQ(to_hex(sk_hex.bytes()), kOriginatorPrivHex);
  EXPECT_EQ(sk_hex.encode(), kOriginatorPriv);
  EXPECT_EQ(sk_b64.encode(KeyEncoding::kHex), kOriginatorPrivHex);
}

TEST(Keys, PrivateImpliesPublic) {
  EXPECT_EQ(SecretKey::parse(kOriginatorPriv).public_key().encode(), kOriginatorPub);
  EXPECT_EQ(SecretKey::parse(kResponderPriv).public_key().encode(), kResponderPub);
  EXPECT_EQ(to_hex(SecretKey::parse(kAliceSk).public_key().bytes), kAlicePk);
  EXPECT_EQ(to_hex(SecretKey::parse(kBobSk).public_key().bytes), kBobPk);
}

TEST(Keys, RejectsWrongLengthsNamingTheAcceptedForms) {
  for (std::string text : {std::string(), std::string(43, 'A'), std::string(45, 'A'), std::string(63, 'a'),
                           std::string(65, 'a'), std::string("0x") + std::string(62, 'a'), std::string(32, 'k')}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(code_of([&] { (void)PublicKey::parse(text); }), ErrorCode::kInvalidKey);
    EXPECT_EQ(code_of([&] { (void)SecretKey::parse(text); }), ErrorCode::kInvalidKey);
    std::string msg = message_of([&] { (void)PublicKey::parse(text); });
    EXPECT_NE(msg.find("base64"), std::string::npos) << msg;
    EXPECT_NE(msg.find("44"), std::string::npos) << msg;
    EXPECT_NE(msg.find("hex"), std::string::npos) << msg;
    EXPECT_NE(msg.find("64"), std::string::npos) << msg;
    EXPECT_NE(msg.find("got " + std::to_string(text.size()) + " characters"), std::string::npos) << msg;
  }
}

TEST(Keys, RejectsMalformedBase64AndHex) {
  std::string good = kOriginatorPriv;
  std::vector<std::string> bad = {
      good.substr(0, 43) + "A",                    // no padding (44 chars of data = 33 bytes)
      good.substr(0, 42) + "==",                   // 31 bytes
      good.substr(0, 10) + "*" + good.substr(11),  // not in the alphabet
      good.substr(0, 10) + "-" + good.substr(11),  // URL-safe alphabet
      good.substr(0, 42) + "N=",                   // non-zero padding bits ("M=" is the canonical form)
      "=" + good.substr(1),
  };
  for (const auto& text : bad) {
    SCOPED_TRACE(text);
    ASSERT_EQ(text.size(), 44u);
    EXPECT_EQ(code_of([&] { (void)SecretKey::parse(text); }), ErrorCode::kInvalidKey);
  }
  std::string hex = kOriginatorPrivHex;
  EXPECT_EQ(code_of([&] { (void)SecretKey::parse(hex.substr(0, 63) + "g"); }), ErrorCode::kInvalidKey);
  EXPECT_EQ(code_of([&] { (void)SecretKey::parse(hex.substr(0, 31) + " " + hex.substr(32)); }), ErrorCode::kInvalidKey);
  EXPECT_EQ(code_of([&] { (void)SecretKey::parse("0y" + hex); }), ErrorCode::kInvalidKey);
}

TEST(Keys, ErrorMessagesDoNotContainTheKeyText) {
  std::string almost = std::string(kOriginatorPriv).substr(0, 43);
  EXPECT_EQ(message_of([&] { (void)SecretKey::parse(almost); }).find(almost), std::string::npos);
}

// ---------------------------------------------------------------------------
// SecretKey / SharedKey lifetime

TEST(Keys, SecretKeyMoveWipesTheSource) {
  SecretKey a = SecretKey::parse(kOriginatorPriv);
  SecretKey b = std::move(a);
  EXPECT_TRUE(all_zero(a.bytes()));  // NOLINT(bugprone-use-after-move): the contract says wiped
  EXPECT_EQ(b.encode(), kOriginatorPriv);
  SecretKey c = SecretKey::parse(kResponderPriv);
  c = std::move(b);
  EXPECT_TRUE(all_zero(b.bytes()));  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.encode(), kOriginatorPriv);
  SecretKey d = c.clone();
  EXPECT_EQ(d.encode(), kOriginatorPriv);
  EXPECT_EQ(c.encode(), kOriginatorPriv);
}

TEST(Keys, SharedKeyMoveWipesTheSource) {
  SharedKey a = SharedKey::derive(PublicKey::parse(kResponderPub), SecretKey::parse(kOriginatorPriv));
  EXPECT_EQ(to_hex(a.bytes()), kSampleSharedHex);
  SharedKey b = std::move(a);
  EXPECT_TRUE(all_zero(a.bytes()));  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(to_hex(b.bytes()), kSampleSharedHex);
  SharedKey c = SharedKey::from_bytes(b.bytes());
  b = std::move(c);
  EXPECT_TRUE(all_zero(c.bytes()));  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(to_hex(b.bytes()), kSampleSharedHex);
}

TEST(Keys, GenerateGivesDistinctUsableKeys) {
  SecretKey a = SecretKey::generate();
  SecretKey b = SecretKey::generate();
  EXPECT_NE(a.encode(), b.encode());
  EXPECT_FALSE(all_zero(a.bytes()));
  SharedKey ab = SharedKey::derive(b.public_key(), a);
  SharedKey ba = SharedKey::derive(a.public_key(), b);
  EXPECT_EQ(to_hex(ab.bytes()), to_hex(ba.bytes()));
}

// ---------------------------------------------------------------------------
// SharedKey::derive

TEST(Keys, BeforenmMatchesTheNaClVector) {
  SharedKey alice = SharedKey::derive(PublicKey::parse(kBobPk), SecretKey::parse(kAliceSk));
  SharedKey bob = SharedKey::derive(PublicKey::parse(kAlicePk), SecretKey::parse(kBobSk));
  EXPECT_EQ(to_hex(alice.bytes()), kBeforenm);
  EXPECT_EQ(to_hex(bob.bytes()), kBeforenm);
}

TEST(Keys, BothRolesOfTheSampleKeysDeriveTheSameSharedKey) {
  SharedKey originator = SharedKey::derive(PublicKey::parse(kResponderPub), SecretKey::parse(kOriginatorPriv));
  SharedKey responder = SharedKey::derive(PublicKey::parse(kOriginatorPub), SecretKey::parse(kResponderPriv));
  EXPECT_EQ(to_hex(originator.bytes()), to_hex(responder.bytes()));
}

TEST(Keys, LowOrderPublicKeysAreRejected) {
  const char* low_order[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",  // 0
      "0100000000000000000000000000000000000000000000000000000000000000",  // 1
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",  // order 8
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",  // order 8
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p - 1
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p + 1
  };
  SecretKey sk = SecretKey::parse(kOriginatorPriv);
  for (const char* pk : low_order) {
    SCOPED_TRACE(pk);
    EXPECT_EQ(code_of([&] { (void)SharedKey::derive(PublicKey::parse(pk), sk); }), ErrorCode::kInvalidKey);
  }
  std::string msg = message_of([&] { (void)SharedKey::derive(PublicKey::parse(low_order[0]), sk); });
  EXPECT_NE(msg.find("low-order"), std::string::npos) << msg;
}

// ---------------------------------------------------------------------------
// box_seal_append / box_open_into

SharedKey sample_shared() {
  return SharedKey::derive(PublicKey::parse(kResponderPub), SecretKey::parse(kOriginatorPriv));
}

std::array<std::uint8_t, kNonceBytes> counting_nonce() {
  std::array<std::uint8_t, kNonceBytes> n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(i);
  return n;
}

TEST(Box, SealLayoutIsNonceMacCiphertextAndAppends) {
  SharedKey key = sample_shared();
  auto nonce = counting_nonce();
  std::vector<std::uint8_t> msg = bytes_of("hello cryptobox");
  std::vector<std::uint8_t> out = {0xAA, 0xBB};
  box_seal_append_for_testing(key, msg, out, nonce);
  ASSERT_EQ(out.size(), 2 + kPayloadOverhead + msg.size());
  EXPECT_EQ(out[0], 0xAA);
  EXPECT_EQ(out[1], 0xBB);
  EXPECT_TRUE(std::equal(nonce.begin(), nonce.end(), out.begin() + 2));

  // Same bytes as libsodium's crypto_box_easy with the private/public pair.
  std::vector<std::uint8_t> easy(kMacBytes + msg.size());
  SecretKey sk = SecretKey::parse(kOriginatorPriv);
  PublicKey pk = PublicKey::parse(kResponderPub);
  ASSERT_EQ(crypto_box_easy(easy.data(), msg.data(), msg.size(), nonce.data(), pk.bytes.data(), sk.bytes().data()), 0);
  EXPECT_TRUE(std::equal(easy.begin(), easy.end(), out.begin() + 2 + kNonceBytes));

  std::vector<std::uint8_t> opened = {1, 2, 3};
  box_open_into(key, std::span<const std::uint8_t>(out).subspan(2), opened);
  EXPECT_EQ(opened, msg);
}

TEST(Box, RandomNoncesDiffer) {
  SharedKey key = sample_shared();
  std::vector<std::uint8_t> msg = bytes_of("x");
  std::vector<std::uint8_t> a, b;
  box_seal_append(key, msg, a);
  box_seal_append(key, msg, b);
  EXPECT_NE(a, b);
  std::vector<std::uint8_t> pa, pb;
  box_open_into(key, a, pa);
  box_open_into(key, b, pb);
  EXPECT_EQ(pa, msg);
  EXPECT_EQ(pb, msg);
}

TEST(Box, EmptyPlaintextRoundTrips) {
  SharedKey key = sample_shared();
  std::vector<std::uint8_t> sealed;
  box_seal_append(key, {}, sealed);
  EXPECT_EQ(sealed.size(), kPayloadOverhead);
  std::vector<std::uint8_t> out = {9};
  box_open_into(key, sealed, out);
  EXPECT_TRUE(out.empty());
}

// libsodium box_easy2.c style: every truncation and every single-bit flip fails.
TEST(Box, EveryTruncationAndBitFlipFailsAndLeavesOutEmpty) {
  SharedKey key = sample_shared();
  std::vector<std::uint8_t> msg = bytes_of("{\"uri\":\"a\",\"args\":[1],\"kwargs\":{}}");
  std::vector<std::uint8_t> sealed;
  box_seal_append(key, msg, sealed);

  std::vector<std::uint8_t> out;
  for (std::size_t len = 0; len < sealed.size(); ++len) {
    SCOPED_TRACE(len);
    out.assign(7, 0x55);
    EXPECT_EQ(code_of([&] { box_open_into(key, std::span<const std::uint8_t>(sealed.data(), len), out); }),
              ErrorCode::kDecryptFailed);
    EXPECT_TRUE(out.empty());
  }
  for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    SCOPED_TRACE(bit);
    std::vector<std::uint8_t> tampered = sealed;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    out.assign(100, 0x55);
    EXPECT_EQ(code_of([&] { box_open_into(key, tampered, out); }), ErrorCode::kDecryptFailed);
    EXPECT_TRUE(out.empty());
  }
  // Appended garbage is a different MAC input too.
  std::vector<std::uint8_t> longer = sealed;
  longer.push_back(0);
  EXPECT_EQ(code_of([&] { box_open_into(key, longer, out); }), ErrorCode::kDecryptFailed);
  // And the untouched payload still opens.
  box_open_into(key, sealed, out);
  EXPECT_EQ(out, msg);
}

TEST(Box, WrongKeyFails) {
  SharedKey key = sample_shared();
  SharedKey other = SharedKey::derive(PublicKey::parse(kBobPk), SecretKey::parse(kAliceSk));
  std::vector<std::uint8_t> sealed;
  box_seal_append(key, bytes_of("secret"), sealed);
  std::vector<std::uint8_t> out = {1, 2, 3};
  EXPECT_EQ(code_of([&] { box_open_into(other, sealed, out); }), ErrorCode::kDecryptFailed);
  EXPECT_TRUE(out.empty());
}

TEST(Box, OpenAcceptsAPayloadAliasingTheOutput) {
  SharedKey key = sample_shared();
  std::vector<std::uint8_t> msg = bytes_of("in place");
  std::vector<std::uint8_t> buf;
  box_seal_append(key, msg, buf);
  box_open_into(key, buf, buf);
  EXPECT_EQ(buf, msg);
}

TEST(Box, SealRejectsAPlaintextAliasingTheOutput) {
  SharedKey key = sample_shared();
  std::vector<std::uint8_t> buf = bytes_of("aliased");
  buf.reserve(1000);
  EXPECT_EQ(code_of([&] { box_seal_append(key, std::span<const std::uint8_t>(buf), buf); }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(buf, bytes_of("aliased"));
}

}  // namespace
}  // namespace wampbox
