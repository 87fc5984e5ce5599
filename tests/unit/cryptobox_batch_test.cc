// PayloadCodec::seal_batch / open_batch (issue 14 item 4): on every registered
// backend (libsodium's loop fallback, the multi-buffer xsalsa-mb, ...), a batch
// gives exactly what one-by-one encode_for_testing / decode give, each message's
// failure is typed and confined to it, and a failed message releases no
// plaintext.
#include <sodium.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "wampbox/backends.h"
#include "wampbox/cryptobox.h"
#include "wampbox/error.h"

namespace wampbox {
namespace {

// crossbar-examples encryption/cryptobox/sample_keys.py
constexpr const char* kOriginatorPriv = "6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=";
constexpr const char* kResponderPub = "5Q3rK3UhNZzdviBw9MtbNrrPHR9bsFSGMEtr2H3ZaxQ=";
constexpr const char* kResponderPriv = "ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE=";

std::vector<std::string> backend_names() {
  register_optional_backends();
  std::vector<std::string> names;
  for (const CryptoBackend* b : available_backends()) names.emplace_back(b->name());
  return names;
}

// Several keys (each prefix its own key pair), so that a batch mixes keys; the
// prefix "only.originator." has no responder box; no key covers "plain.".
KeyRing make_ring() {
  KeyRing ring;
  ring.set_key("com.a.", Key::from_parts({kOriginatorPriv, std::nullopt, kResponderPriv, std::nullopt}));
  for (int i = 0; i < 3; ++i) {
    std::array<std::uint8_t, 32> sk1{}, sk2{};
    for (std::size_t j = 0; j < 32; ++j) {
      sk1[j] = static_cast<std::uint8_t>(7 * i + j + 1);
      sk2[j] = static_cast<std::uint8_t>(11 * i + 3 * j + 2);
    }
    std::string b1(sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL), '\0');
    std::string b2 = b1;
    sodium_bin2base64(b1.data(), b1.size(), sk1.data(), 32, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(b2.data(), b2.size(), sk2.data(), 32, sodium_base64_VARIANT_ORIGINAL);
    b1.resize(b1.size() - 1);
    b2.resize(b2.size() - 1);
    ring.set_key("com.k" + std::to_string(i) + ".", Key::from_parts({b1, std::nullopt, b2, std::nullopt}));
  }
  ring.set_key("only.originator.", Key::from_parts({kOriginatorPriv, std::nullopt, std::nullopt, kResponderPub}));
  return ring;
}

std::array<std::uint8_t, kNonceBytes> nonce_of(std::size_t i) {
  std::array<std::uint8_t, kNonceBytes> n{};
  for (std::size_t j = 0; j < n.size(); ++j) n[j] = static_cast<std::uint8_t>(i * 31 + j);
  return n;
}

// Messages of lengths from 0 to ~1.1 KB of text, on four keys.
struct Msg {
  std::string uri;
  Value args, kwargs;
};
std::vector<Msg> messages(std::size_t n) {
  std::vector<Msg> v;
  const char* prefixes[] = {"com.a.", "com.k0.", "com.k1.", "com.k2."};
  for (std::size_t i = 0; i < n; ++i) {
    Msg m;
    m.uri = std::string(prefixes[i % 4]) + "topic" + std::to_string(i);
    m.args = Value(Array{Value(std::string(i * 37 % 1100, static_cast<char>('a' + i % 26))), Value(std::int64_t(i))});
    m.kwargs = i % 3 == 0 ? Value() : Value(Object{{"i", Value(std::int64_t(i))}});
    v.push_back(std::move(m));
  }
  return v;
}

class Batch : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = find_backend(GetParam());
    ASSERT_NE(backend_, nullptr);
    PayloadCodecOptions o;
    o.backend = backend_;
    codec_.emplace(ring_, o);
  }
  const CryptoBackend* backend_ = nullptr;
  KeyRing ring_ = make_ring();
  std::optional<PayloadCodec> codec_;
};

TEST_P(Batch, SealIsByteIdenticalToOneByOneAndOpensBack) {
  for (std::size_t n : {1, 2, 7, 8, 9, 31}) {
    const std::vector<Msg> ms = messages(n);
    std::vector<std::array<std::uint8_t, kNonceBytes>> nonces;
    for (std::size_t i = 0; i < n; ++i) nonces.push_back(nonce_of(i));
    std::vector<SealRequest> reqs;
    for (std::size_t i = 0; i < n; ++i) {
      reqs.push_back(SealRequest{Role::kOriginator, ms[i].uri, &ms[i].args, &ms[i].kwargs, &nonces[i]});
    }
    std::vector<Bytes> out(n);
    std::vector<BatchResult> res(n);
    BatchScratch scratch;
    codec_->seal_batch(reqs, out, res, scratch);
    std::vector<EncodedPayload> enc(n);
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_EQ(res[i].status, BatchStatus::kOk) << i << ": " << res[i].message;
      auto one = codec_->encode_for_testing(Role::kOriginator, ms[i].uri, ms[i].args, ms[i].kwargs, nonces[i]);
      ASSERT_TRUE(one);
      EXPECT_EQ(out[i], one->payload) << "message " << i << " of " << n;
      enc[i].payload = out[i];
    }
    // Opened back in one batch, as the responder: the same values as decode.
    std::vector<OpenRequest> opens;
    for (std::size_t i = 0; i < n; ++i) opens.push_back(OpenRequest{Role::kResponder, ms[i].uri, enc[i].payload});
    std::vector<OpenContext> dec(n);
    for (int round = 0; round < 2; ++round) {  // the second time into contexts that hold results
      codec_->open_batch(opens, dec, res, scratch);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(res[i].status, BatchStatus::kOk) << i << ": " << res[i].message;
        const DecodedPayload one = codec_->decode(Role::kResponder, ms[i].uri, enc[i]);
        EXPECT_EQ(dec[i].uri(), one.uri);
        EXPECT_TRUE(dec[i].args() == one.args);
        EXPECT_TRUE(dec[i].kwargs() == one.kwargs);
        EXPECT_TRUE(dec[i].args() == ms[i].args);
      }
    }
  }
}

TEST_P(Batch, FreshNoncesDifferAndOpen) {
  const std::vector<Msg> ms = messages(16);
  std::vector<SealRequest> reqs;
  for (const Msg& m : ms) reqs.push_back(SealRequest{Role::kOriginator, m.uri, &m.args, &m.kwargs});
  std::vector<Bytes> out(ms.size());
  std::vector<BatchResult> res(ms.size());
  BatchScratch scratch;
  codec_->seal_batch(reqs, out, res, scratch);
  for (std::size_t i = 0; i < ms.size(); ++i) {
    ASSERT_EQ(res[i].status, BatchStatus::kOk);
    for (std::size_t j = 0; j < i; ++j) EXPECT_NE(0, std::memcmp(out[i].data(), out[j].data(), kNonceBytes));
    EncodedPayload p;
    p.payload = out[i];
    EXPECT_TRUE(codec_->decode(Role::kResponder, ms[i].uri, p).args == ms[i].args);
  }
}

TEST_P(Batch, SealFailuresAreTypedPerMessage) {
  const Value good_args(Array{Value("x")}), bad_args(std::string("not an array")), kw(Object{});
  const std::string bad_utf8 = "com.a.\xff";
  std::vector<SealRequest> reqs = {
      {Role::kOriginator, "com.a.ok", &good_args, &kw},
      {Role::kOriginator, "plain.topic", &good_args, &kw},           // no key: plaintext
      {Role::kResponder, "only.originator.x", &good_args, &kw},      // key lacks the role
      {Role::kOriginator, "com.k1.bad", &bad_args, &kw},             // args not an array
      {Role::kOriginator, bad_utf8, &good_args, &kw},                // URI not UTF-8
      {Role::kOriginator, "com.k2.ok", &good_args, nullptr},
  };
  std::vector<Bytes> out(reqs.size(), Bytes(5, 0xAA));  // stale contents must go
  std::vector<BatchResult> res(reqs.size());
  BatchScratch scratch;
  codec_->seal_batch(reqs, out, res, scratch);
  EXPECT_EQ(res[0].status, BatchStatus::kOk);
  EXPECT_EQ(res[1].status, BatchStatus::kPlaintext);
  EXPECT_TRUE(out[1].empty());
  EXPECT_EQ(res[2].status, BatchStatus::kFailed);
  EXPECT_EQ(res[2].error, ErrorCode::kMissingRole);
  EXPECT_EQ(res[3].status, BatchStatus::kFailed);
  EXPECT_EQ(res[3].error, ErrorCode::kInvalidArgument);
  EXPECT_EQ(res[4].status, BatchStatus::kFailed);
  EXPECT_EQ(res[4].error, ErrorCode::kInvalidUtf8);
  EXPECT_EQ(res[5].status, BatchStatus::kOk);
  for (std::size_t i : {2, 3, 4}) EXPECT_TRUE(out[i].empty()) << i;
  // The single-message calls agree on every failure.
  for (std::size_t i : {2, 3, 4}) {
    Bytes o;
    std::string s;
    try {
      (void)codec_->encode_into(reqs[i].role, reqs[i].uri, *reqs[i].args, *reqs[i].kwargs, o, s);
      ADD_FAILURE() << i << ": encode_into did not throw";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), res[i].error) << i;
      EXPECT_EQ(std::string(e.what()), res[i].message) << i;
    }
  }
  EncodedPayload p;
  p.payload = out[5];
  EXPECT_TRUE(codec_->decode(Role::kResponder, "com.k2.ok", p).kwargs.is_null());
}

TEST_P(Batch, OpenFailuresAreTypedAndReleaseNothing) {
  const std::vector<Msg> ms = messages(12);
  std::vector<EncodedPayload> enc(ms.size());
  for (std::size_t i = 0; i < ms.size(); ++i) {
    enc[i] = *codec_->encode(Role::kOriginator, ms[i].uri, ms[i].args, ms[i].kwargs);
  }
  enc[1].payload[kNonceBytes + 3] ^= 1;                 // MAC fails
  enc[2].payload.back() ^= 0x80;                        // ciphertext flipped: MAC fails
  enc[3].payload.resize(kPayloadOverhead - 1);          // shorter than nonce + MAC
  enc[4].enc_algo = "xbr";                              // unsupported algorithm
  enc[5].enc_serializer = "msgpack";                    // checked after the MAC
  std::vector<std::string> uris;
  for (const Msg& m : ms) uris.push_back(m.uri);
  uris[6] = "plain.nokey";                              // no key
  uris[7] = "com.k2.other";                             // same key (com.k2.), inner URI differs
  uris[8] = "only.originator.x";                        // key lacks the responder box
  std::vector<OpenRequest> opens;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    opens.push_back(OpenRequest{Role::kResponder, uris[i], enc[i].payload, enc[i].enc_algo, enc[i].enc_serializer});
  }
  std::vector<OpenContext> dec(ms.size());
  std::vector<BatchResult> res(ms.size());
  BatchScratch scratch;
  // Every context first holds a result (a message opened into it), which the failed opens must drop.
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const EncodedPayload good = *codec_->encode(Role::kOriginator, ms[i].uri, ms[i].args, ms[i].kwargs);
    codec_->open_into(Role::kResponder, ms[i].uri, good.enc_algo, good.enc_serializer, good.payload, dec[i]);
    ASSERT_FALSE(dec[i].uri().empty());
  }
  codec_->open_batch(opens, dec, res, scratch);
  const std::map<std::size_t, ErrorCode> want = {
      {1, ErrorCode::kDecryptFailed},  {2, ErrorCode::kDecryptFailed},
      {3, ErrorCode::kDecryptFailed},  {4, ErrorCode::kUnsupportedEncAlgo},
      {5, ErrorCode::kUnsupportedEncSerializer}, {6, ErrorCode::kNoKey},
      {7, ErrorCode::kUriMismatch},    {8, ErrorCode::kMissingRole}};
  for (std::size_t i = 0; i < ms.size(); ++i) {
    auto w = want.find(i);
    if (w == want.end()) {
      ASSERT_EQ(res[i].status, BatchStatus::kOk) << i << ": " << res[i].message;
      EXPECT_TRUE(dec[i].args() == ms[i].args) << i;
      continue;
    }
    EXPECT_EQ(res[i].status, BatchStatus::kFailed) << i;
    EXPECT_EQ(res[i].error, w->second) << i << ": " << res[i].message;
    // Nothing of the message is released.
    EXPECT_TRUE(dec[i].uri().empty()) << i;
    EXPECT_TRUE(dec[i].args().is_null()) << i;
    EXPECT_TRUE(dec[i].kwargs().is_null()) << i;
    // decode agrees on the code and the text.
    try {
      (void)codec_->decode(Role::kResponder, uris[i], enc[i]);
      ADD_FAILURE() << i << ": decode did not throw";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), res[i].error) << i;
      EXPECT_EQ(std::string(e.what()), res[i].message) << i;
    }
  }
}

TEST_P(Batch, RotatingPrefixFallsBackToGraceKeys) {
  // The sender still seals with the old key; the receiver's prefix has a new
  // current key and the old one in grace: the batch's first attempt (current
  // key) fails its MAC, and the message is opened as open_into opens it.
  KeyRing sender_ring;
  sender_ring.set_key("com.rot.", Key::from_parts({kOriginatorPriv, std::nullopt, kResponderPriv, std::nullopt}));
  KeyRing receiver_ring;
  receiver_ring.add_key("com.rot.", Key::from_single_private("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="),
                        KeyStatus::kCurrent);
  receiver_ring.add_key("com.rot.", Key::from_parts({kOriginatorPriv, std::nullopt, kResponderPriv, std::nullopt}),
                        KeyStatus::kGrace);
  PayloadCodecOptions o;
  o.backend = backend_;
  const PayloadCodec sender(sender_ring, o), receiver(receiver_ring, o);
  const Value args(Array{Value("rotated")}), kw(Object{});
  std::vector<EncodedPayload> enc(3);
  for (auto& e : enc) e = *sender.encode(Role::kOriginator, "com.rot.x", args, kw);
  enc[1].payload[kNonceBytes] ^= 1;  // fails under every key
  std::vector<OpenRequest> opens;
  for (const auto& e : enc) opens.push_back(OpenRequest{Role::kResponder, "com.rot.x", e.payload});
  std::vector<OpenContext> dec(3);
  std::vector<BatchResult> res(3);
  BatchScratch scratch;
  receiver.open_batch(opens, dec, res, scratch);
  for (std::size_t i : {0, 2}) {
    ASSERT_EQ(res[i].status, BatchStatus::kOk) << i << ": " << res[i].message;
    EXPECT_TRUE(dec[i].args() == args);
  }
  EXPECT_EQ(res[1].status, BatchStatus::kFailed);
  EXPECT_EQ(res[1].error, ErrorCode::kDecryptFailed);
  EXPECT_TRUE(dec[1].uri().empty());
  try {
    (void)receiver.decode(Role::kResponder, "com.rot.x", enc[1]);
    ADD_FAILURE() << "decode did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), res[1].message);
  }
}

TEST_P(Batch, WrongLengthsThrowBeforeAnything) {
  const Value a(Array{}), kw(Object{});
  std::vector<SealRequest> reqs = {{Role::kOriginator, "com.a.x", &a, &kw}};
  std::vector<Bytes> out(2);
  std::vector<BatchResult> res(1);
  BatchScratch scratch;
  try {
    codec_->seal_batch(reqs, out, res, scratch);
    ADD_FAILURE() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(out[0].empty());
  std::vector<OpenRequest> opens = {{Role::kResponder, "com.a.x", {}}};
  std::vector<OpenContext> dec(2);
  try {
    codec_->open_batch(opens, dec, res, scratch);
    ADD_FAILURE() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
  // An empty batch is fine.
  codec_->seal_batch({}, {}, {}, scratch);
  codec_->open_batch({}, {}, {}, scratch);
}

INSTANTIATE_TEST_SUITE_P(Backends, Batch, ::testing::ValuesIn(backend_names()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string s = i.param;
                           for (char& c : s) {
                             if (c == '-') c = '_';
                           }
                           return s;
                         });

}  // namespace
}  // namespace wampbox
