#include "wampbox/keyring.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "wampbox/error.h"
#include "wampbox/ppt.h"

namespace wampbox {
namespace {

// crossbar-examples encryption/cryptobox/sample_keys.py
constexpr const char* kOriginatorPriv = "6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=";
constexpr const char* kOriginatorPub = "GTtQ37XGJO2O4R8Dvx4AUo8pe61D9evIWpKGQAPdOh0=";
constexpr const char* kResponderPriv = "ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE=";
constexpr const char* kResponderPub = "5Q3rK3UhNZzdviBw9MtbNrrPHR9bsFSGMEtr2H3ZaxQ=";
constexpr const char* kOriginatorPrivHex = "ea6d2b9da5403f43efbe44b5d502ca6151c352a0bcb1062b8f9b7e7b3fb28583";
constexpr const char* kOriginatorPubHex = "193b50dfb5c624ed8ee11f03bf1e00528f297bad43f5ebc85a92864003dd3a1d";
constexpr const char* kResponderPrivHex = "b2cd6fdcd6e0eb93461b3cfc7e7a35ee15024baebda48bcf29ddd3e34a169041";
constexpr const char* kResponderPubHex = "e50deb2b7521359cddbe2070f4cb5b36bacf1d1f5bb05486304b6bd87dd96b14";
// crypto_box_beforenm(RESPONDER_PUB, ORIGINATOR_PRIV) and
// crypto_box_beforenm(pub(ORIGINATOR_PRIV), ORIGINATOR_PRIV), computed with PyNaCl.
constexpr const char* kSampleSharedHex = "526b79d60a59530527e60e8462094bc9ab4c2de124f710a2a36f9b85e586f772";
constexpr const char* kSingleSharedHex = "f43f52239d8d053cda03d1ad9a8b73693a9a3e865760e16b642129ec338c06ec";
constexpr const char* kZeroKeyHex = "0000000000000000000000000000000000000000000000000000000000000000";

std::string to_hex(std::span<const std::uint8_t> b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 0xF]);
  }
  return s;
}

template <class F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no wampbox::Error thrown";
  return Error(ErrorCode::kInvalidArgument, "none");
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

Key::Parts parts(std::optional<std::string> originator_priv, std::optional<std::string> originator_pub,
                 std::optional<std::string> responder_priv, std::optional<std::string> responder_pub) {
  Key::Parts p;
  p.originator_priv = std::move(originator_priv);
  p.originator_pub = std::move(originator_pub);
  p.responder_priv = std::move(responder_priv);
  p.responder_pub = std::move(responder_pub);
  return p;
}

Key full_key() { return Key::from_parts(parts(kOriginatorPriv, std::nullopt, kResponderPriv, std::nullopt)); }

// ---------------------------------------------------------------------------
// Key

TEST(Key, BothPrivatesGiveBothBoxesWithTheSameSharedKey) {
  Key k = full_key();
  ASSERT_TRUE(k.has_role(Role::kOriginator));
  ASSERT_TRUE(k.has_role(Role::kResponder));
  EXPECT_EQ(to_hex(k.shared(Role::kOriginator).bytes()), kSampleSharedHex);
  EXPECT_EQ(to_hex(k.shared(Role::kResponder).bytes()), kSampleSharedHex);
  ASSERT_TRUE(k.originator_pub());
  ASSERT_TRUE(k.responder_pub());
  EXPECT_EQ(k.originator_pub()->encode(), kOriginatorPub);
  EXPECT_EQ(k.responder_pub()->encode(), kResponderPub);
}

TEST(Key, OriginatorOnly) {
  // What a publisher / caller holds.
  Key k = Key::from_parts(parts(kOriginatorPriv, std::nullopt, std::nullopt, kResponderPub));
  EXPECT_TRUE(k.has_role(Role::kOriginator));
  EXPECT_FALSE(k.has_role(Role::kResponder));
  EXPECT_EQ(to_hex(k.shared(Role::kOriginator).bytes()), kSampleSharedHex);
  EXPECT_EQ(error_of([&] { (void)k.shared(Role::kResponder); }).code(), ErrorCode::kMissingRole);
}

TEST(Key, ResponderOnly) {
  // What a subscriber / callee holds.
  Key k = Key::from_parts(parts(std::nullopt, kOriginatorPub, kResponderPriv, std::nullopt));
  EXPECT_FALSE(k.has_role(Role::kOriginator));
  EXPECT_TRUE(k.has_role(Role::kResponder));
  EXPECT_EQ(to_hex(k.shared(Role::kResponder).bytes()), kSampleSharedHex);
  EXPECT_EQ(error_of([&] { (void)k.shared(Role::kOriginator); }).code(), ErrorCode::kMissingRole);
}

TEST(Key, MatchingPublicKeyAlongsideItsPrivateIsAccepted) {
  // (Autobahn 22.7.1 itself rejects this combination by accident: it compares
  // the given string with a PublicKey object.)
  Key k = Key::from_parts(parts(kOriginatorPriv, kOriginatorPub, kResponderPriv, kResponderPubHex));
  EXPECT_TRUE(k.has_role(Role::kOriginator));
  EXPECT_TRUE(k.has_role(Role::kResponder));
}

TEST(Key, ContradictingPublicKeyIsRejected) {
  Error e = error_of([] { (void)Key::from_parts(parts(kOriginatorPriv, kResponderPub, std::nullopt, kResponderPub)); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidKey);
  EXPECT_TRUE(contains(e.what(), "originator_pub")) << e.what();
  e = error_of([] { (void)Key::from_parts(parts(std::nullopt, kOriginatorPub, kResponderPriv, kOriginatorPub)); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidKey);
  EXPECT_TRUE(contains(e.what(), "responder_pub")) << e.what();
}

TEST(Key, InsufficientKeysAreRejected) {
  EXPECT_EQ(
      error_of([] { (void)Key::from_parts(parts(std::nullopt, std::nullopt, std::nullopt, std::nullopt)); }).code(),
      ErrorCode::kInvalidKey);
  EXPECT_EQ(
      error_of([] { (void)Key::from_parts(parts(std::nullopt, kOriginatorPub, std::nullopt, kResponderPub)); }).code(),
      ErrorCode::kInvalidKey);
  EXPECT_EQ(
      error_of([] { (void)Key::from_parts(parts(kOriginatorPriv, std::nullopt, std::nullopt, std::nullopt)); }).code(),
      ErrorCode::kInvalidKey);
  EXPECT_EQ(
      error_of([] { (void)Key::from_parts(parts(std::nullopt, std::nullopt, kResponderPriv, std::nullopt)); }).code(),
      ErrorCode::kInvalidKey);
}

TEST(Key, BadPartIsNamed) {
  Error e = error_of([] { (void)Key::from_parts(parts(kOriginatorPriv, std::nullopt, std::nullopt, "nope")); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidKey);
  EXPECT_TRUE(contains(e.what(), "responder_pub")) << e.what();
  EXPECT_TRUE(contains(e.what(), "got 4 characters")) << e.what();
}

TEST(Key, HexAndBase64AreEquivalent) {
  Key hex = Key::from_parts(
      parts(kOriginatorPrivHex, kOriginatorPubHex, std::string("0x") + kResponderPrivHex, kResponderPubHex));
  EXPECT_EQ(to_hex(hex.shared(Role::kOriginator).bytes()), kSampleSharedHex);
  EXPECT_EQ(to_hex(hex.shared(Role::kResponder).bytes()), kSampleSharedHex);
  EXPECT_EQ(*hex.originator_pub(), *full_key().originator_pub());
}

TEST(Key, SinglePrivateKeyServesBothRoles) {
  for (const char* priv : {kOriginatorPriv, kOriginatorPrivHex}) {
    Key k = Key::from_single_private(priv);
    ASSERT_TRUE(k.has_role(Role::kOriginator));
    ASSERT_TRUE(k.has_role(Role::kResponder));
    EXPECT_EQ(to_hex(k.shared(Role::kOriginator).bytes()), kSingleSharedHex);
    EXPECT_EQ(to_hex(k.shared(Role::kResponder).bytes()), kSingleSharedHex);
    EXPECT_EQ(k.originator_pub()->encode(), kOriginatorPub);
    EXPECT_EQ(k.responder_pub()->encode(), kOriginatorPub);
  }
  EXPECT_EQ(error_of([] { (void)Key::from_single_private("short"); }).code(), ErrorCode::kInvalidKey);
}

TEST(Key, LowOrderPublicKeyIsRejected) {
  Error e = error_of([] { (void)Key::from_parts(parts(kOriginatorPriv, std::nullopt, std::nullopt, kZeroKeyHex)); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidKey);
  EXPECT_TRUE(contains(e.what(), "low-order")) << e.what();
  EXPECT_EQ(
      error_of([] { (void)Key::from_parts(parts(std::nullopt, kZeroKeyHex, kResponderPriv, std::nullopt)); }).code(),
      ErrorCode::kInvalidKey);
}

// ---------------------------------------------------------------------------
// KeyRing lookup

// Distinguishable keys: each a single private key made from a seed byte.
Key key_n(int n) {
  std::string hex;
  for (int i = 0; i < 32; ++i) {
    static constexpr char kDigits[] = "0123456789abcdef";
    int b = (n * 31 + i * 7 + 1) & 0xFF;
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 0xF]);
  }
  return Key::from_single_private(hex);
}

TEST(KeyRing, EmptyRingFindsNothing) {
  KeyRing ring;
  EXPECT_EQ(ring.find("com.myapp.x"), nullptr);
  EXPECT_EQ(ring.find(""), nullptr);
  EXPECT_FALSE(ring.matched_prefix("com.myapp.x"));
  EXPECT_EQ(ring.size(), 0u);
  EXPECT_FALSE(ring.remove_key("com"));
}

TEST(KeyRing, LongestCharacterPrefixThenDefault) {
  KeyRing ring;
  ring.set_key("com.myapp.enc", key_n(1));
  ring.set_key("com.myapp.encrypted.", key_n(2));
  ring.set_key("com.myapp.encrypted.secret.", key_n(3));
  ring.set_key("org.", key_n(4));
  EXPECT_EQ(ring.size(), 4u);

  // Not per URI component: "com.myapp.enc" covers "com.myapp.encX..." too.
  EXPECT_EQ(ring.matched_prefix("com.myapp.encrypted.x"), "com.myapp.encrypted.");
  EXPECT_EQ(ring.matched_prefix("com.myapp.encryptedx"), "com.myapp.enc");
  EXPECT_EQ(ring.matched_prefix("com.myapp.encoder"), "com.myapp.enc");
  EXPECT_EQ(ring.matched_prefix("com.myapp.enc"), "com.myapp.enc");
  EXPECT_EQ(ring.matched_prefix("com.myapp.encrypted.secret.a"), "com.myapp.encrypted.secret.");
  EXPECT_EQ(ring.matched_prefix("com.myapp.encrypted.secre"), "com.myapp.encrypted.");
  EXPECT_FALSE(ring.matched_prefix("com.myapp.en"));
  EXPECT_FALSE(ring.matched_prefix("com.myapp"));
  EXPECT_FALSE(ring.matched_prefix("net.x"));
  EXPECT_EQ(ring.find("net.x"), nullptr);

  const Key* enc = ring.find("com.myapp.encoder");
  const Key* encrypted = ring.find("com.myapp.encrypted.x");
  ASSERT_NE(enc, nullptr);
  ASSERT_NE(encrypted, nullptr);
  EXPECT_NE(enc, encrypted);
  EXPECT_EQ(*enc->originator_pub(), *key_n(1).originator_pub());
  EXPECT_EQ(*encrypted->originator_pub(), *key_n(2).originator_pub());

  ring.set_key("", key_n(5));
  EXPECT_EQ(ring.matched_prefix("net.x"), "");
  EXPECT_EQ(ring.matched_prefix("com.myapp"), "");
  EXPECT_EQ(ring.matched_prefix(""), "");
  EXPECT_EQ(*ring.find("net.x")->originator_pub(), *key_n(5).originator_pub());
  // A longer prefix still wins over the default.
  EXPECT_EQ(ring.matched_prefix("org.x"), "org.");
}

TEST(KeyRing, SetReplacesAndRemoveRemovesExactly) {
  KeyRing ring;
  ring.set_key("com.a.", key_n(1));
  ring.set_key("com.a.", key_n(2));
  EXPECT_EQ(ring.size(), 1u);
  EXPECT_EQ(*ring.find("com.a.x")->originator_pub(), *key_n(2).originator_pub());
  ring.set_key("", key_n(3));
  EXPECT_FALSE(ring.remove_key("com.a"));
  EXPECT_FALSE(ring.remove_key("com.a.x"));
  EXPECT_TRUE(ring.remove_key("com.a."));
  EXPECT_FALSE(ring.remove_key("com.a."));
  EXPECT_EQ(ring.matched_prefix("com.a.x"), "");
  EXPECT_TRUE(ring.remove_key(""));
  EXPECT_EQ(ring.find("com.a.x"), nullptr);
  EXPECT_EQ(ring.size(), 0u);
}

TEST(KeyRing, MatchedKeyWithoutTheRoleDoesNotFallBackToTheDefault) {
  // As Autobahn: the longest prefix decides; its missing box is not filled in from the default.
  KeyRing ring;
  ring.set_key("", full_key());
  ring.set_key("com.pub.", Key::from_parts(parts(kOriginatorPriv, std::nullopt, std::nullopt, kResponderPub)));
  const Key* k = ring.find("com.pub.topic");
  ASSERT_NE(k, nullptr);
  EXPECT_FALSE(k->has_role(Role::kResponder));
}

TEST(KeyRing, MoveKeepsTheKeys) {
  KeyRing a;
  a.set_key("x", key_n(1));
  KeyRing b = std::move(a);
  EXPECT_EQ(b.matched_prefix("xyz"), "x");
  KeyRing c;
  c = std::move(b);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_NE(c.find("x"), nullptr);
}

// The lookup's skip-ahead logic against a brute-force scan, over a small
// alphabet so that prefixes collide a lot.
TEST(KeyRing, LookupAgreesWithBruteForce) {
  std::mt19937 rng(12345);
  auto random_string = [&](std::size_t max_len) {
    std::uniform_int_distribution<std::size_t> len(0, max_len);
    std::uniform_int_distribution<int> ch(0, 2);
    std::string s(len(rng), 'a');
    for (char& c : s) c = static_cast<char>("ab."[ch(rng)]);
    return s;
  };
  for (int round = 0; round < 30; ++round) {
    KeyRing ring;
    std::vector<std::string> prefixes;
    const int n = 1 + round % 12;
    for (int i = 0; i < n; ++i) {
      std::string p = random_string(6);
      if (round % 3 == 0 && p.empty()) continue;  // some rounds without a default
      prefixes.push_back(p);
      ring.set_key(p, Key::from_single_private(std::string(64, '1')));
    }
    std::sort(prefixes.begin(), prefixes.end());
    prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
    ASSERT_EQ(ring.size(), prefixes.size());
    for (int q = 0; q < 200; ++q) {
      std::string uri = random_string(9);
      std::optional<std::string> expect;
      for (const auto& p : prefixes) {
        if (uri.starts_with(p) && (!expect || p.size() > expect->size())) expect = p;
      }
      ASSERT_EQ(ring.matched_prefix(uri), expect) << "uri=" << uri;
      ASSERT_EQ(ring.find(uri) != nullptr, expect.has_value());
    }
  }
}

// ---------------------------------------------------------------------------
// load_keyring_json

TEST(KeyRingFile, LoadsEveryEntryForm) {
  std::string text = std::string(R"({
    "com.myapp.": {"originator_priv": ")") +
                     kOriginatorPriv + R"(", "responder_pub": ")" + kResponderPub + R"("},
    "com.myapp.callee.": {"responder_priv": ")" +
                     kResponderPrivHex + R"(", "originator_pub": ")" + kOriginatorPub + R"("},
    "com.other.": {"private": ")" +
                     kOriginatorPriv + R"("},
    "com.full.": {"originator_priv": ")" +
                     kOriginatorPriv + R"(", "originator_pub": ")" + kOriginatorPub + R"(", "responder_priv": ")" +
                     kResponderPriv + R"(", "responder_pub": ")" + kResponderPub + R"("},
    "": {"private": "0x)" +
                     kResponderPrivHex + R"("}
  })";
  KeyRing ring = load_keyring_json(text);
  EXPECT_EQ(ring.size(), 5u);
  const Key* k = ring.find("com.myapp.x");
  ASSERT_NE(k, nullptr);
  EXPECT_TRUE(k->has_role(Role::kOriginator));
  EXPECT_FALSE(k->has_role(Role::kResponder));
  EXPECT_EQ(to_hex(k->shared(Role::kOriginator).bytes()), kSampleSharedHex);
  k = ring.find("com.myapp.callee.proc");
  ASSERT_NE(k, nullptr);
  EXPECT_FALSE(k->has_role(Role::kOriginator));
  EXPECT_EQ(to_hex(k->shared(Role::kResponder).bytes()), kSampleSharedHex);
  k = ring.find("com.other.x");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(to_hex(k->shared(Role::kOriginator).bytes()), kSingleSharedHex);
  EXPECT_TRUE(ring.find("com.full.x")->has_role(Role::kResponder));
  EXPECT_EQ(ring.matched_prefix("net.x"), "");
  EXPECT_EQ(ring.find("net.x")->originator_pub()->encode(), kResponderPub);
}

// The example in docs/keyring-format.md loads and behaves as the doc says.
TEST(KeyRingFile, DocumentedExample) {
  const auto path =
      std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "docs" / "keyring-format.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const std::size_t start = doc.find("```json\n");
  ASSERT_NE(start, std::string::npos);
  const std::size_t end = doc.find("```", start + 8);
  ASSERT_NE(end, std::string::npos);
  KeyRing ring = load_keyring_json(std::string_view(doc).substr(start + 8, end - start - 8));
  EXPECT_EQ(ring.size(), 4u);
  const Key* k = ring.find("com.myapp.encrypted.hello");
  ASSERT_NE(k, nullptr);
  EXPECT_TRUE(k->has_role(Role::kOriginator));
  EXPECT_FALSE(k->has_role(Role::kResponder));
  EXPECT_EQ(to_hex(k->shared(Role::kOriginator).bytes()), kSampleSharedHex);
  k = ring.find("com.myapp.encrypted.callee.add");
  ASSERT_NE(k, nullptr);
  EXPECT_FALSE(k->has_role(Role::kOriginator));
  EXPECT_EQ(to_hex(k->shared(Role::kResponder).bytes()), kSampleSharedHex);
  EXPECT_EQ(to_hex(ring.find("com.shared.x")->shared(Role::kResponder).bytes()), kSingleSharedHex);
  EXPECT_EQ(ring.matched_prefix("com.myapp.encryptedfoo"), "");
  EXPECT_EQ(ring.matched_prefix("net.example"), "");
  EXPECT_TRUE(ring.find("net.example")->has_role(Role::kResponder));
}

TEST(KeyRingFile, EmptyObjectIsAnEmptyRing) { EXPECT_EQ(load_keyring_json("{}").size(), 0u); }

struct BadFile {
  std::string text;
  ErrorCode code;
  std::string must_mention;
};

TEST(KeyRingFile, ErrorsNameTheOffendingPrefix) {
  const std::string priv = kOriginatorPriv;
  const std::vector<BadFile> cases = {
      {R"({"com.a.": {"private": ")" + priv + R"(", "colour": "blue"}})", ErrorCode::kParseError, "com.a."},
      {R"({"com.a.": {"private": ")" + priv + R"(", "colour": "blue"}})", ErrorCode::kParseError, "colour"},
      {R"({"com.b.": {"private": 42}})", ErrorCode::kParseError, "com.b."},
      {R"({"com.b.": {"originator_priv": null, "responder_pub": "x"}})", ErrorCode::kParseError, "com.b."},
      {R"({"com.c.": "just a string"})", ErrorCode::kParseError, "com.c."},
      {R"({"com.c.": [1, 2]})", ErrorCode::kParseError, "com.c."},
      {R"({"com.d.": {"private": "tooshort"}})", ErrorCode::kInvalidKey, "com.d."},
      {R"({"com.e.": {"originator_pub": ")" + std::string(kOriginatorPub) + R"("}})", ErrorCode::kInvalidKey, "com.e."},
      {R"({"com.f.": {"private": ")" + priv + R"(", "responder_pub": ")" + kResponderPub + R"("}})",
       ErrorCode::kParseError, "com.f."},
      {R"({"com.g.": {"private": ")" + priv + R"("}, "com.g.": {"private": ")" + priv + R"("}})",
       ErrorCode::kParseError, "com.g."},
      {R"({"com.h.": {"private": ")" + priv + R"(", "private": ")" + priv + R"("}})", ErrorCode::kParseError, "com.h."},
      {R"({"": {"private": "x"}})", ErrorCode::kInvalidKey, "default"},
      {R"({"com.i.": {"originator_priv": ")" + priv + R"(", "responder_pub": ")" + kZeroKeyHex + R"("}})",
       ErrorCode::kInvalidKey, "com.i."},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    Error e = error_of([&] { (void)load_keyring_json(c.text); });
    EXPECT_EQ(e.code(), c.code) << e.what();
    EXPECT_TRUE(contains(e.what(), c.must_mention)) << e.what();
    EXPECT_FALSE(contains(e.what(), priv)) << "key material in the message: " << e.what();
  }
}

TEST(KeyRingFile, NotAnObjectOrNotJson) {
  EXPECT_EQ(error_of([] { (void)load_keyring_json("[]"); }).code(), ErrorCode::kParseError);
  EXPECT_EQ(error_of([] { (void)load_keyring_json("\"x\""); }).code(), ErrorCode::kParseError);
  EXPECT_EQ(error_of([] { (void)load_keyring_json("{"); }).code(), ErrorCode::kParseError);
  EXPECT_EQ(error_of([] { (void)load_keyring_json(""); }).code(), ErrorCode::kParseError);
  EXPECT_EQ(error_of([] { (void)load_keyring_json(R"({"a": {}} x)"); }).code(), ErrorCode::kParseError);
}

}  // namespace
}  // namespace wampbox

// ---------------------------------------------------------------------------
// Key rotation (add_key / set_status / send_key / receive_key) and its file form

namespace wampbox {
namespace {

// One generation of keys: the originator's side (seals PUBLISH/CALL) and the
// responder's side (opens EVENT/INVOCATION) of a fresh pair of key pairs.
struct Generation {
  SecretKey orig = SecretKey::generate();
  SecretKey resp = SecretKey::generate();
  Key originator_side() const {
    return Key::from_parts(parts(orig.encode(), std::nullopt, std::nullopt, resp.public_key().encode()));
  }
  Key responder_side() const {
    return Key::from_parts(parts(std::nullopt, orig.public_key().encode(), resp.encode(), std::nullopt));
  }
  std::string resp_id() const { return ppt_key_id(resp.public_key()); }
  std::string orig_id() const { return ppt_key_id(orig.public_key()); }
  std::string shared_hex() const { return to_hex(originator_side().shared(Role::kOriginator).bytes()); }
};

std::string shared_hex(const Key* k, Role r) { return k ? to_hex(k->shared(r).bytes()) : "null"; }

TEST(KeyRingRotation, SenderUsesTheCurrentKeyAndNamesTheReceiversPublicKey) {
  const Generation g1, g2;
  KeyRing sender;
  sender.add_key("com.app.", g1.originator_side());
  std::string_view enc_key;
  EXPECT_EQ(shared_hex(sender.send_key("com.app.t", Role::kOriginator, &enc_key), Role::kOriginator), g1.shared_hex());
  EXPECT_EQ(enc_key, g1.resp_id());  // the RECEIVER's (responder's) public key
  sender.add_key("com.app.", g2.originator_side());  // current; g1 -> grace
  EXPECT_EQ(shared_hex(sender.send_key("com.app.t", Role::kOriginator, &enc_key), Role::kOriginator), g2.shared_hex());
  EXPECT_EQ(enc_key, g2.resp_id());
  EXPECT_EQ(shared_hex(sender.find("com.app.t"), Role::kOriginator), g2.shared_hex());
  EXPECT_EQ(sender.size(), 1u);
  EXPECT_EQ(sender.key_count(), 2u);
  // No prefix: plaintext (nullptr), no enc_key.
  EXPECT_EQ(sender.send_key("org.other", Role::kOriginator, &enc_key), nullptr);
  EXPECT_TRUE(enc_key.empty());
  // All keys grace/retired: refused, never plaintext.
  sender.set_status("com.app.", g2.resp_id(), KeyStatus::kRetired);
  EXPECT_EQ(error_of([&] { (void)sender.send_key("com.app.t", Role::kOriginator); }).code(), ErrorCode::kNoKey);
  EXPECT_EQ(sender.find("com.app.t"), nullptr);
  EXPECT_EQ(sender.matched_prefix("com.app.t"), std::nullopt);
  // Promoting a grace key back to current (any letter case of its id).
  std::string upper = g1.orig_id();
  for (std::size_t i = 2; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  sender.set_status("com.app.", upper, KeyStatus::kCurrent);
  EXPECT_EQ(shared_hex(sender.send_key("com.app.t", Role::kOriginator, &enc_key), Role::kOriginator), g1.shared_hex());
}

TEST(KeyRingRotation, SetKeyPrefixesNameNoKeyAsAutobahn) {
  const Generation g;
  KeyRing ring;
  ring.set_key("com.app.", g.originator_side());
  std::string_view enc_key = "unchanged";
  ASSERT_NE(ring.send_key("com.app.t", Role::kOriginator, &enc_key), nullptr);
  EXPECT_TRUE(enc_key.empty());
  // set_key over a rotating prefix replaces all its keys and stops naming.
  ring.add_key("com.app.", Generation().originator_side());
  (void)ring.send_key("com.app.t", Role::kOriginator, &enc_key);
  EXPECT_FALSE(enc_key.empty());
  ring.set_key("com.app.", g.originator_side());
  EXPECT_EQ(ring.key_count(), 1u);
  (void)ring.send_key("com.app.t", Role::kOriginator, &enc_key);
  EXPECT_TRUE(enc_key.empty());
}

TEST(KeyRingRotation, ReceiverAcceptsNamedGraceKeysAndRefusesRetiredOnes) {
  const Generation g1, g2, g3;
  KeyRing ring;
  ring.add_key("com.app.", g1.responder_side());
  ring.add_key("com.app.", g2.responder_side());
  ring.add_key("com.app.", g3.responder_side(), KeyStatus::kRetired);
  const Role r = Role::kResponder;
  // Named: exactly that key, whether current or grace, in any letter case.
  EXPECT_EQ(shared_hex(ring.receive_key("com.app.t", g2.resp_id(), r), r), g2.shared_hex());
  EXPECT_EQ(shared_hex(ring.receive_key("com.app.t", g1.resp_id(), r), r), g1.shared_hex());
  std::string upper = g1.resp_id();
  for (std::size_t i = 2; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_EQ(shared_hex(ring.receive_key("com.app.t", upper, r), r), g1.shared_hex());
  EXPECT_EQ(ring.receive_key("com.app.t", g1.resp_id(), r, 1), nullptr);  // a named key is the only candidate
  // Retired: typed; unknown or the sender's own id (not this side's key): no_key.
  EXPECT_EQ(error_of([&] { (void)ring.receive_key("com.app.t", g3.resp_id(), r); }).code(), ErrorCode::kRetiredKey);
  EXPECT_EQ(error_of([&] { (void)ring.receive_key("com.app.t", Generation().resp_id(), r); }).code(), ErrorCode::kNoKey);
  EXPECT_EQ(error_of([&] { (void)ring.receive_key("com.app.t", g2.orig_id(), r); }).code(), ErrorCode::kNoKey);
  EXPECT_EQ(error_of([&] { (void)ring.receive_key("org.other", g2.resp_id(), r); }).code(), ErrorCode::kNoKey);
  // Unnamed (Autobahn sends no enc_key) or not in the key-id form (ignored, as Autobahn does): the current key,
  // then the grace keys, never the retired one.
  for (std::optional<std::string_view> unnamed : {std::optional<std::string_view>(), std::optional<std::string_view>("kid"),
                                                  std::optional<std::string_view>("")}) {
    EXPECT_EQ(shared_hex(ring.receive_key("com.app.t", unnamed, r, 0), r), g2.shared_hex());
    EXPECT_EQ(shared_hex(ring.receive_key("com.app.t", unnamed, r, 1), r), g1.shared_hex());
    EXPECT_EQ(ring.receive_key("com.app.t", unnamed, r, 2), nullptr);
  }
  // Retire everything: unnamed payloads have nothing to try.
  ring.set_status("com.app.", g1.resp_id(), KeyStatus::kRetired);
  ring.set_status("com.app.", g2.resp_id(), KeyStatus::kRetired);
  EXPECT_EQ(error_of([&] { (void)ring.receive_key("com.app.t", std::nullopt, r); }).code(), ErrorCode::kNoKey);
}

TEST(KeyRingRotation, AddAndSetStatusErrors) {
  const Generation g;
  KeyRing ring;
  ring.add_key("com.app.", g.responder_side());
  // The same public key twice in a prefix: refused, the ring unchanged.
  EXPECT_EQ(error_of([&] { ring.add_key("com.app.", g.responder_side()); }).code(), ErrorCode::kInvalidKey);
  EXPECT_EQ(ring.key_count(), 1u);
  // ... but fine under another prefix.
  ring.add_key("com.other.", g.responder_side());
  EXPECT_EQ(error_of([&] { ring.set_status("com.app.", "0x12", KeyStatus::kGrace); }).code(), ErrorCode::kBadKeyId);
  EXPECT_EQ(error_of([&] { ring.set_status("com.app.", Generation().resp_id(), KeyStatus::kGrace); }).code(),
            ErrorCode::kNoKey);
  EXPECT_EQ(error_of([&] { ring.set_status("com.nothing.", g.resp_id(), KeyStatus::kGrace); }).code(),
            ErrorCode::kNoKey);
  EXPECT_EQ(parse_key_status("grace"), KeyStatus::kGrace);
  EXPECT_EQ(to_string(KeyStatus::kRetired), "retired");
  EXPECT_EQ(error_of([&] { (void)parse_key_status("old"); }).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(ring.remove_key("com.app."));
  EXPECT_EQ(ring.key_count(), 1u);
}

std::string rotation_file(const Generation& old_gen, const Generation& new_gen, const char* old_status) {
  return std::string(R"({"com.app.": [)") + R"({"responder_priv": ")" + old_gen.resp.encode() +
         R"(", "originator_pub": ")" + old_gen.orig.public_key().encode() + R"(", "status": ")" + old_status +
         R"("}, {"responder_priv": ")" + new_gen.resp.encode() + R"(", "originator_pub": ")" +
         new_gen.orig.public_key().encode() + R"("}], "com.plain.": {"private": ")" + kOriginatorPriv + R"("}})";
}

TEST(KeyRingFile, RotationForm) {
  const Generation g1, g2;
  KeyRing ring = load_keyring_json(rotation_file(g1, g2, "grace"));
  EXPECT_EQ(ring.size(), 2u);
  EXPECT_EQ(ring.key_count(), 3u);
  const Role r = Role::kResponder;
  EXPECT_EQ(shared_hex(ring.find("com.app.x"), r), g2.shared_hex());
  EXPECT_EQ(shared_hex(ring.receive_key("com.app.x", g1.resp_id(), r), r), g1.shared_hex());
  ring = load_keyring_json(rotation_file(g1, g2, "retired"));
  EXPECT_EQ(error_of([&] { (void)ring.receive_key("com.app.x", g1.resp_id(), r); }).code(), ErrorCode::kRetiredKey);
  // The object form names no key; the array form does.
  std::string_view enc_key;
  (void)ring.send_key("com.plain.x", r, &enc_key);
  EXPECT_TRUE(enc_key.empty());
  (void)ring.send_key("com.app.x", r, &enc_key);
  EXPECT_EQ(enc_key, g2.orig_id());
  // Errors, each naming the prefix (and the entry).
  struct Case {
    std::string json;
    ErrorCode code;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {R"({"com.app.": []})", ErrorCode::kParseError, "empty list"},
      {R"({"com.app.": [1]})", ErrorCode::kParseError, "key 0"},
      {std::string(R"({"com.app.": [{"private": ")") + kOriginatorPriv + R"(", "status": "old"}]})",
       ErrorCode::kParseError, "current, grace or retired"},
      {std::string(R"({"com.app.": {"private": ")") + kOriginatorPriv + R"(", "status": "grace"}})",
       ErrorCode::kParseError, "status only in the rotation form"},
      {std::string(R"({"com.app.": [{"private": ")") + kOriginatorPriv + R"("}, {"private": ")" + kOriginatorPriv +
           R"("}]})",
       ErrorCode::kInvalidKey, "key 1"},
      {std::string(R"({"com.app.": [{"private": ")") + kOriginatorPriv + R"(", "private": ")" + kResponderPriv +
           R"("}]})",
       ErrorCode::kParseError, "duplicate field"},
  };
  for (const Case& c : cases) {
    const Error e = error_of([&] { (void)load_keyring_json(c.json); });
    EXPECT_EQ(e.code(), c.code) << c.json;
    EXPECT_TRUE(contains(e.what(), c.needle)) << e.what();
    EXPECT_TRUE(contains(e.what(), "com.app.")) << e.what();
  }
}

}  // namespace
}  // namespace wampbox
