#include "wampbox/cryptobox.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"

// Counts heap allocations so that the hot path can be checked to make none.
// Not under AddressSanitizer, which must keep its own operator new/delete.
#if defined(__SANITIZE_ADDRESS__)
#define WAMPBOX_COUNT_ALLOCATIONS 0
#else
#define WAMPBOX_COUNT_ALLOCATIONS 1
#endif
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

#if WAMPBOX_COUNT_ALLOCATIONS
// noinline: GCC otherwise pairs an inlined free() with the new-expression and
// warns (-Wmismatched-new-delete), though both sides are replaced here.
__attribute__((noinline)) void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void* operator new[](std::size_t n) { return operator new(n); }
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

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

constexpr const char* kPrefix = "com.myapp.encrypted.";

// Autobahn's worked example (fixtures/payload_test.json, KnownAnswer):
// Autobahn 22.7.1, publish('com.myapp.encrypted.hello',
// 'Counter is at 1'), nonce 00 01 .. 17; the base64 after "\u0000" in the frame.
constexpr const char* kWorkedExampleUri = "com.myapp.encrypted.hello";
constexpr const char* kWorkedExamplePlaintext =
    R"({"uri":"com.myapp.encrypted.hello","args":["Counter is at 1"],"kwargs":{}})";
constexpr const char* kWorkedExamplePayloadB64 =
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXo+FJTz/cFFWdjcOImYfQpex+oEW8jND7QuZwhen0u8cHyVwFs9ef9allGDqnMIENOrHpR8O0R1qWpTTw"
    "8Zg3JmgwiaWhMwflqHVaP+SfQQMINA4NW9qhkrW1";

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
// What a publisher / caller holds, and what a subscriber / callee holds.
Key originator_key() { return Key::from_parts(parts(kOriginatorPriv, std::nullopt, std::nullopt, kResponderPub)); }
Key responder_key() { return Key::from_parts(parts(std::nullopt, kOriginatorPub, kResponderPriv, std::nullopt)); }

KeyRing ring_with(std::string_view prefix, Key key) {
  KeyRing ring;
  ring.set_key(prefix, std::move(key));
  return ring;
}

std::array<std::uint8_t, kNonceBytes> counting_nonce() {
  std::array<std::uint8_t, kNonceBytes> n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(i);
  return n;
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

Value hello_args() { return Value(Array{Value("Counter is at 1")}); }
Value empty_kwargs() { return Value(Object{}); }

// Seals arbitrary plaintext with the sample shared key, for decode's error paths.
EncodedPayload seal_raw(std::string_view plaintext) {
  Key k = full_key();
  EncodedPayload p;
  box_seal_append(
      k.shared(Role::kOriginator),
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(plaintext.data()), plaintext.size()),
      p.payload);
  return p;
}

// ---------------------------------------------------------------------------
// Known answers

TEST(Cryptobox, WorkedExampleFromTheFactsDoc) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);

  std::string plaintext;
  cryptobox_plaintext_append(kWorkedExampleUri, hello_args(), empty_kwargs(), plaintext);
  EXPECT_EQ(plaintext, kWorkedExamplePlaintext);

  auto enc = codec.encode_for_testing(Role::kOriginator, kWorkedExampleUri, hello_args(), empty_kwargs(),
                                           counting_nonce());
  ASSERT_TRUE(enc);
  EXPECT_EQ(base64_encode(enc->payload), kWorkedExamplePayloadB64);
  EXPECT_EQ(enc->payload.size(), kPayloadOverhead + plaintext.size());
  EXPECT_EQ(enc->enc_algo, "cryptobox");
  EXPECT_EQ(enc->enc_serializer, "json");
  EXPECT_FALSE(enc->enc_key);

  // A subscriber holding only the responder side opens Autobahn's bytes.
  KeyRing sub = ring_with(kPrefix, responder_key());
  EncodedPayload from_autobahn;
  from_autobahn.payload = base64_decode(kWorkedExamplePayloadB64);
  DecodedPayload dec = PayloadCodec(sub).decode(Role::kResponder, kWorkedExampleUri, from_autobahn);
  EXPECT_EQ(dec.uri, kWorkedExampleUri);
  EXPECT_EQ(dec.args, hello_args());
  EXPECT_EQ(dec.kwargs, empty_kwargs());
}

TEST(Cryptobox, PlaintextWritesNullArgsAndKwargs) {
  std::string out = "keep:";
  cryptobox_plaintext_append("a.b", Value(), Value(), out);
  EXPECT_EQ(out, R"(keep:{"uri":"a.b","args":null,"kwargs":null})");
  out.clear();
  cryptobox_plaintext_append("a.b", Value(Array{Value(42)}), Value(), out);
  EXPECT_EQ(out, R"({"uri":"a.b","args":[42],"kwargs":null})");
}

TEST(Cryptobox, PlaintextEscapesTheUriAsPython) {
  std::string out;
  cryptobox_plaintext_append("q\"\\\n\t\r\b\f\x01\x1f\x7f/\xc3\xbc\xe2\x80\xa8", Value(), Value(), out);
  EXPECT_EQ(out,
            "{\"uri\":\"q\\\"\\\\\\n\\t\\r\\b\\f\\u0001\\u001f\x7f/\xc3\xbc\xe2\x80\xa8\",\"args\":null,"
            "\"kwargs\":null}");
  EXPECT_EQ(error_of([&] { cryptobox_plaintext_append("bad\xff", Value(), Value(), out); }).code(),
            ErrorCode::kInvalidUtf8);
}

// ---------------------------------------------------------------------------
// Roles and keys

TEST(Cryptobox, OriginatorSealsResponderOpens) {
  KeyRing pub_ring = ring_with(kPrefix, originator_key());
  KeyRing sub_ring = ring_with(kPrefix, responder_key());
  PayloadCodec publisher(pub_ring), subscriber(sub_ring);
  const std::string uri = std::string(kPrefix) + "topic";
  Value args(Array{Value(1), Value("two"), Value(Object{{"three", Value(3.0)}})});
  Value kwargs(Object{{"k", Value(true)}});

  auto enc = publisher.encode(Role::kOriginator, uri, args, kwargs);
  ASSERT_TRUE(enc);
  DecodedPayload dec = subscriber.decode(Role::kResponder, uri, *enc);
  EXPECT_EQ(dec.uri, uri);
  EXPECT_EQ(dec.args, args);
  EXPECT_EQ(dec.kwargs, kwargs);

  // The reverse direction (YIELD -> RESULT): responder seals, originator opens.
  auto yield = subscriber.encode(Role::kResponder, uri, Value(Array{Value(7)}), Value());
  ASSERT_TRUE(yield);
  DecodedPayload result = publisher.decode(Role::kOriginator, uri, *yield);
  EXPECT_EQ(result.args, Value(Array{Value(7)}));
  EXPECT_TRUE(result.kwargs.is_null());

  // Both boxes share one key, so direction is not cryptographically bound:
  // a full key opens what it sealed with either role.
  KeyRing full = ring_with(kPrefix, full_key());
  PayloadCodec both(full);
  EXPECT_EQ(both.decode(Role::kOriginator, uri, *enc).args, args);
  EXPECT_EQ(both.decode(Role::kResponder, uri, *enc).args, args);
}

// A number whose raw bits have top byte 0x22 at the end of the plaintext
// (kwargs): the decrypted plaintext's parse buffers are wiped after every
// decode, and that wipe once crashed on it (JsonParse.WipeAfterNumberThatLooksLikeAString).
TEST(Cryptobox, DecodeWipesAfterNumbersThatLookLikeStringsOnTheTape) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  const std::string uri = std::string(kPrefix) + "topic";
  for (const Value& x : {Value(1e-144), Value(std::ldexp(1.0, 0x220 - 1023)), Value(std::int64_t{0x22FFFFFFFFFFFFFF})}) {
    const Value args(Array{x}), kwargs(Object{{"a", x}});
    auto enc = codec.encode(Role::kOriginator, uri, args, kwargs);
    ASSERT_TRUE(enc);
    DecodedPayload dec = codec.decode(Role::kResponder, uri, *enc);
    EXPECT_EQ(dec.args, args);
    EXPECT_EQ(dec.kwargs, kwargs);
  }
}

TEST(Cryptobox, MissingRoleThrowsUnlessAutobahnFallback) {
  KeyRing pub_ring = ring_with(kPrefix, originator_key());
  const std::string uri = std::string(kPrefix) + "x";
  PayloadCodec strict(pub_ring);
  EXPECT_EQ(error_of([&] { (void)strict.encode(Role::kResponder, uri, Value(Array{}), Value(Object{})); }).code(),
            ErrorCode::kMissingRole);
  Bytes out;
  std::string scratch;
  EXPECT_EQ(error_of([&] {
              (void)strict.encode_into(Role::kResponder, uri, Value(Array{}), Value(Object{}), out, scratch);
            }).code(),
            ErrorCode::kMissingRole);

  PayloadCodecOptions fallback;
  fallback.autobahn_plaintext_fallback = true;
  PayloadCodec lax(pub_ring, fallback);
  EXPECT_FALSE(lax.encode(Role::kResponder, uri, Value(Array{}), Value(Object{})));
  EXPECT_FALSE(lax.encode_into(Role::kResponder, uri, Value(Array{}), Value(Object{}), out, scratch));

  // Decoding always needs the box: the fallback is only about sending.
  auto enc = strict.encode(Role::kOriginator, uri, Value(Array{}), Value(Object{}));
  ASSERT_TRUE(enc);
  EXPECT_EQ(error_of([&] { (void)strict.decode(Role::kResponder, uri, *enc); }).code(), ErrorCode::kMissingRole);
  EXPECT_EQ(error_of([&] { (void)lax.decode(Role::kResponder, uri, *enc); }).code(), ErrorCode::kMissingRole);
}

TEST(Cryptobox, NoKeyMeansPlaintextOnSendAndAnErrorOnReceive) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  EXPECT_FALSE(codec.encode(Role::kOriginator, "com.other.x", Value(Array{}), Value(Object{})));
  EXPECT_FALSE(codec.encode_for_testing(Role::kOriginator, "com.other.x", Value(), Value(), counting_nonce()));
  auto enc = codec.encode(Role::kOriginator, std::string(kPrefix) + "x", Value(Array{}), Value(Object{}));
  ASSERT_TRUE(enc);
  EXPECT_EQ(error_of([&] { (void)codec.decode(Role::kResponder, "com.other.x", *enc); }).code(), ErrorCode::kNoKey);

  KeyRing empty;
  PayloadCodec none(empty);
  EXPECT_FALSE(none.encode(Role::kOriginator, "a", Value(), Value()));
  EXPECT_EQ(error_of([&] { (void)none.decode(Role::kResponder, "a", *enc); }).code(), ErrorCode::kNoKey);
}

TEST(Cryptobox, LongestCharacterPrefixBeatsTheDefault) {
  // Sender: "com.myapp.enc" holds the sample key, the default some other key.
  KeyRing sender;
  sender.set_key("", Key::from_single_private(kResponderPriv));
  sender.set_key("com.myapp.enc", full_key());
  PayloadCodec codec(sender);
  const std::string uri = "com.myapp.encrypted.x";  // matches "com.myapp.enc" character-wise
  auto enc = codec.encode(Role::kOriginator, uri, Value(Array{Value(1)}), Value(Object{}));
  ASSERT_TRUE(enc);

  KeyRing only_prefix = ring_with("com.myapp.enc", responder_key());
  EXPECT_EQ(PayloadCodec(only_prefix).decode(Role::kResponder, uri, *enc).args, Value(Array{Value(1)}));
  KeyRing sample_as_default = ring_with("", full_key());
  EXPECT_EQ(PayloadCodec(sample_as_default).decode(Role::kResponder, uri, *enc).args, Value(Array{Value(1)}));
  KeyRing other_default = ring_with("", Key::from_single_private(kResponderPriv));
  EXPECT_EQ(error_of([&] { (void)PayloadCodec(other_default).decode(Role::kResponder, uri, *enc); }).code(),
            ErrorCode::kDecryptFailed);

  // A URI outside the prefix uses the default key.
  auto dflt = codec.encode(Role::kOriginator, "net.x", Value(Array{}), Value(Object{}));
  ASSERT_TRUE(dflt);
  EXPECT_NO_THROW(PayloadCodec(other_default).decode(Role::kResponder, "net.x", *dflt));
  EXPECT_EQ(error_of([&] { (void)PayloadCodec(sample_as_default).decode(Role::kResponder, "net.x", *dflt); }).code(),
            ErrorCode::kDecryptFailed);
}

TEST(Cryptobox, HexAndBase64KeysAreEquivalent) {
  KeyRing b64 = ring_with(kPrefix, full_key());
  KeyRing hex = ring_with(kPrefix, Key::from_parts(parts(kOriginatorPrivHex, kOriginatorPubHex,
                                                         std::string("0x") + kResponderPrivHex, kResponderPubHex)));
  auto a = PayloadCodec(b64).encode_for_testing(Role::kOriginator, kWorkedExampleUri, hello_args(), empty_kwargs(),
                                                     counting_nonce());
  auto b = PayloadCodec(hex).encode_for_testing(Role::kOriginator, kWorkedExampleUri, hello_args(), empty_kwargs(),
                                                     counting_nonce());
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->payload, b->payload);
  EXPECT_EQ(PayloadCodec(hex).decode(Role::kResponder, kWorkedExampleUri, *a).args, hello_args());
}

TEST(Cryptobox, WrongKeyFailsToDecrypt) {
  KeyRing good = ring_with(kPrefix, full_key());
  KeyRing wrong = ring_with(kPrefix, Key::from_single_private(kOriginatorPriv));
  auto enc = PayloadCodec(good).encode(Role::kOriginator, kWorkedExampleUri, hello_args(), empty_kwargs());
  ASSERT_TRUE(enc);
  EXPECT_EQ(error_of([&] { (void)PayloadCodec(wrong).decode(Role::kResponder, kWorkedExampleUri, *enc); }).code(),
            ErrorCode::kDecryptFailed);
}

TEST(Cryptobox, LowOrderPublicKeyIsAnInvalidKey) {
  const std::string zeros(64, '0');
  EXPECT_EQ(error_of([&] { (void)Key::from_parts(parts(kOriginatorPriv, std::nullopt, std::nullopt, zeros)); }).code(),
            ErrorCode::kInvalidKey);
  EXPECT_EQ(error_of([&] { (void)Key::from_parts(parts(std::nullopt, zeros, kResponderPriv, std::nullopt)); }).code(),
            ErrorCode::kInvalidKey);
}

// ---------------------------------------------------------------------------
// decode: error order and plaintext shape

TEST(Cryptobox, UriMismatch) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  const std::string a = std::string(kPrefix) + "a", b = std::string(kPrefix) + "b";
  auto enc = codec.encode(Role::kOriginator, a, Value(Array{}), Value(Object{}));
  ASSERT_TRUE(enc);
  Error e = error_of([&] { (void)codec.decode(Role::kResponder, b, *enc); });
  EXPECT_EQ(e.code(), ErrorCode::kUriMismatch);
  EXPECT_EQ(e.wamp_uri(), "wamp.error.encryption.trusted_uri_mismatch");

  PayloadCodecOptions no_check;
  no_check.check_uri = false;
  PayloadCodec unchecked(ring, no_check);
  EXPECT_EQ(unchecked.decode(Role::kResponder, b, *enc).uri, a);
}

// The span form of decode (issue 11 item 6): a payload that sits inside a
// larger buffer (here between junk bytes, as in a received frame) decodes in
// place, with decode's result and decode's errors.
TEST(Cryptobox, DecodeFromASpanInsideABuffer) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  auto enc =
      codec.encode_for_testing(Role::kOriginator, kWorkedExampleUri, hello_args(), empty_kwargs(), counting_nonce());
  ASSERT_TRUE(enc);
  Bytes buffer = {0xde, 0xad};
  buffer.insert(buffer.end(), enc->payload.begin(), enc->payload.end());
  buffer.insert(buffer.end(), {0xbe, 0xef});
  const std::span<const std::uint8_t> in_place = std::span<const std::uint8_t>(buffer).subspan(2, enc->payload.size());
  const DecodedPayload want = codec.decode(Role::kResponder, kWorkedExampleUri, *enc);
  const DecodedPayload got =
      codec.decode(Role::kResponder, kWorkedExampleUri, kEncAlgoCryptobox, kEncSerializerJson, in_place, std::nullopt);
  EXPECT_EQ(got.uri, want.uri);
  EXPECT_EQ(got.args, hello_args());
  EXPECT_EQ(got.kwargs, want.kwargs);
  EXPECT_EQ(error_of([&] {
              (void)codec.decode(Role::kResponder, kWorkedExampleUri, "xbr", kEncSerializerJson, in_place, std::nullopt);
            }).code(),
            ErrorCode::kUnsupportedEncAlgo);
  EXPECT_EQ(error_of([&] {
              (void)codec.decode(Role::kResponder, kWorkedExampleUri, kEncAlgoCryptobox, "cbor", in_place, std::nullopt);
            }).code(),
            ErrorCode::kUnsupportedEncSerializer);
  buffer[2 + 30] ^= 1;  // a ciphertext byte, through the span
  EXPECT_EQ(error_of([&] {
              (void)codec.decode(Role::kResponder, kWorkedExampleUri, kEncAlgoCryptobox, kEncSerializerJson, in_place, std::nullopt);
            }).code(),
            ErrorCode::kDecryptFailed);
}

TEST(Cryptobox, EncSerializerIsCheckedOnlyAfterTheMac) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  auto enc = codec.encode(Role::kOriginator, kWorkedExampleUri, hello_args(), empty_kwargs());
  ASSERT_TRUE(enc);
  EncodedPayload msgpack = *enc;
  msgpack.enc_serializer = "msgpack";
  EXPECT_EQ(error_of([&] { (void)codec.decode(Role::kResponder, kWorkedExampleUri, msgpack); }).code(),
            ErrorCode::kUnsupportedEncSerializer);
  msgpack.payload.back() ^= 1;
  EXPECT_EQ(error_of([&] { (void)codec.decode(Role::kResponder, kWorkedExampleUri, msgpack); }).code(),
            ErrorCode::kDecryptFailed);
}

TEST(Cryptobox, EncAlgoIsCheckedFirst) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  auto enc = codec.encode(Role::kOriginator, kWorkedExampleUri, hello_args(), empty_kwargs());
  ASSERT_TRUE(enc);
  EncodedPayload xbr = *enc;
  xbr.enc_algo = "xbr";
  EXPECT_EQ(error_of([&] { (void)codec.decode(Role::kResponder, kWorkedExampleUri, xbr); }).code(),
            ErrorCode::kUnsupportedEncAlgo);
  // ... before the key lookup and the MAC.
  xbr.payload.clear();
  EXPECT_EQ(error_of([&] { (void)codec.decode(Role::kResponder, "com.nokey", xbr); }).code(), ErrorCode::kUnsupportedEncAlgo);
  // Then the key, before the MAC.
  EncodedPayload garbage;
  garbage.payload = Bytes(3, 0);
  EXPECT_EQ(error_of([&] { (void)codec.decode(Role::kResponder, "com.nokey", garbage); }).code(), ErrorCode::kNoKey);
  EXPECT_EQ(error_of([&] { (void)codec.decode(Role::kResponder, kWorkedExampleUri, garbage); }).code(),
            ErrorCode::kDecryptFailed);
}

TEST(Cryptobox, TruncatedAndTamperedPayloadsFail) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  auto enc = codec.encode(Role::kOriginator, "com.myapp.encrypted.t", Value(Array{Value(1)}), Value());
  ASSERT_TRUE(enc);
  for (std::size_t len = 0; len < enc->payload.size(); ++len) {
    EncodedPayload cut = *enc;
    cut.payload.resize(len);
    EXPECT_EQ(error_of([&] { (void)codec.decode(Role::kResponder, "com.myapp.encrypted.t", cut); }).code(),
              ErrorCode::kDecryptFailed)
        << len;
  }
  for (std::size_t bit = 0; bit < enc->payload.size() * 8; ++bit) {
    EncodedPayload flipped = *enc;
    flipped.payload[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_EQ(error_of([&] { (void)codec.decode(Role::kResponder, "com.myapp.encrypted.t", flipped); }).code(),
              ErrorCode::kDecryptFailed)
        << bit;
  }
}

TEST(Cryptobox, MalformedPlaintext) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  const std::string uri = "com.myapp.encrypted.m";
  const std::vector<std::string> bad = {
      R"([1,2])",
      R"("just a string")",
      R"(null)",
      R"({"uri":"com.myapp.encrypted.m","args":"str","kwargs":{}})",
      R"({"uri":"com.myapp.encrypted.m","args":{},"kwargs":{}})",
      R"({"uri":"com.myapp.encrypted.m","args":[],"kwargs":[]})",
      R"({"uri":"com.myapp.encrypted.m","args":[],"kwargs":1})",
      R"({"args":[],"kwargs":{}})",
      R"({"uri":null,"args":[],"kwargs":{}})",
      R"({"uri":5,"args":[],"kwargs":{}})",
      R"({"uri":"com.myapp.encrypted.m","args":[)",
      "{\"uri\":\"com.myapp.encrypted.m\xff\",\"args\":[],\"kwargs\":{}}",
      "",
  };
  for (const auto& text : bad) {
    SCOPED_TRACE(text);
    Error e = error_of([&] { (void)codec.decode(Role::kResponder, uri, seal_raw(text)); });
    EXPECT_EQ(e.code(), ErrorCode::kMalformedPlaintext) << e.what();
    EXPECT_EQ(e.wamp_uri(), "wamp.error.encryption.decrypt_error");
  }
}

TEST(Cryptobox, LenientPlaintextAsAutobahn) {
  // Autobahn reads the members with dict.get(): absent args/kwargs are None,
  // other members are ignored, the order does not matter.
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  const std::string uri = "com.myapp.encrypted.m";
  DecodedPayload d = codec.decode(Role::kResponder, uri, seal_raw(R"({"uri":"com.myapp.encrypted.m"})"));
  EXPECT_TRUE(d.args.is_null());
  EXPECT_TRUE(d.kwargs.is_null());
  d = codec.decode(Role::kResponder, uri,
                   seal_raw(R"( {"kwargs":{"a":1},"extra":true,"args":null,"uri":"com.myapp.encrypted.m"} )"));
  EXPECT_TRUE(d.args.is_null());
  EXPECT_EQ(d.kwargs, Value(Object{{"a", Value(1)}}));
}

TEST(Cryptobox, EncodeRejectsWrongArgumentKinds) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  const std::string uri = "com.myapp.encrypted.x";
  EXPECT_EQ(error_of([&] { (void)codec.encode(Role::kOriginator, uri, Value("str"), Value()); }).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { (void)codec.encode(Role::kOriginator, uri, Value(), Value(Array{})); }).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { (void)codec.encode(Role::kOriginator, uri, Value(Object{}), Value()); }).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { (void)codec.encode(Role::kOriginator, "com.myapp.encrypted.\xff", Value(), Value()); }).code(),
            ErrorCode::kInvalidUtf8);
}

// ---------------------------------------------------------------------------
// The hot path

TEST(Cryptobox, EncodeIntoReplacesOutAndWipesScratch) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  Bytes out(5, 0xEE);
  std::string scratch = "leftover";
  auto nonce = counting_nonce();
  ASSERT_TRUE(
      codec.encode_into_for_testing(Role::kOriginator, kWorkedExampleUri, hello_args(), empty_kwargs(), out, scratch,
                                    nonce));
  EXPECT_EQ(base64_encode(out), kWorkedExamplePayloadB64);
  EXPECT_TRUE(scratch.empty());
  // The plaintext was wiped in place before the buffer was emptied.
  ASSERT_GE(scratch.capacity(), std::string_view(kWorkedExamplePlaintext).size());
  EXPECT_EQ(std::string_view(scratch.data(), 4), std::string_view("\0\0\0\0", 4));

  // Warm buffers are reused: no reallocation for a payload of the same size.
  const auto* out_data = out.data();
  const auto* scratch_data = scratch.data();
  const std::size_t out_cap = out.capacity(), scratch_cap = scratch.capacity();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(codec.encode_into(Role::kOriginator, kWorkedExampleUri, hello_args(), empty_kwargs(), out, scratch));
    EXPECT_EQ(out.data(), out_data);
    EXPECT_EQ(scratch.data(), scratch_data);
    EXPECT_EQ(out.capacity(), out_cap);
    EXPECT_EQ(scratch.capacity(), scratch_cap);
    EXPECT_EQ(out.size(), kPayloadOverhead + std::string_view(kWorkedExamplePlaintext).size());
  }
  EncodedPayload p;
  p.payload = out;
  EXPECT_EQ(codec.decode(Role::kResponder, kWorkedExampleUri, p).args, hello_args());
}

// Every path that does not seal leaves `out` empty, even though the sealing
// path overwrites a warm buffer in place instead of clearing it first.
TEST(Cryptobox, EncodeIntoEmptiesOutOnEveryPathThatDoesNotSeal) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  std::string scratch;
  auto warm = [&] {
    Bytes out;
    EXPECT_TRUE(codec.encode_into(Role::kOriginator, kWorkedExampleUri, hello_args(), empty_kwargs(), out, scratch));
    EXPECT_FALSE(out.empty());
    return out;
  };
  Bytes out = warm();
  EXPECT_FALSE(codec.encode_into(Role::kOriginator, "org.nokey", hello_args(), empty_kwargs(), out, scratch));
  EXPECT_TRUE(out.empty());
  out = warm();
  EXPECT_THROW((void)codec.encode_into(Role::kOriginator, kWorkedExampleUri, Value("x"), Value(), out, scratch), Error);
  EXPECT_TRUE(out.empty());
  out = warm();
  EXPECT_THROW((void)codec.encode_into(Role::kOriginator, kWorkedExampleUri, Value(Array{Value("\xff")}), Value(), out,
                                 scratch),
               Error);
  EXPECT_TRUE(out.empty());
  KeyRing one_sided = ring_with(kPrefix, responder_key());
  PayloadCodec responder_only(one_sided);
  out = warm();
  EXPECT_THROW(
      (void)responder_only.encode_into(Role::kOriginator, kWorkedExampleUri, hello_args(), empty_kwargs(), out, scratch),
      Error);
  EXPECT_TRUE(out.empty());
}

TEST(Cryptobox, EncodeIntoDoesNotAllocateWhenWarm) {
  if (!WAMPBOX_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocation counting is off under AddressSanitizer";
  KeyRing ring = ring_with(kPrefix, full_key());
  ring.set_key("com.other.", Key::from_single_private(kResponderPriv));
  ring.set_key("", Key::from_single_private(kOriginatorPriv));
  PayloadCodec codec(ring);
  const std::string uri = std::string(kPrefix) + "topic.with.a.longer.name";
  Value args(Array{Value("h\xc3\xa9llo \"quoted\"\n"), Value(1.5), Value(-7), Value(true), Value(),
                   Value(Binary{{1, 2, 3}}), Value(Array{Value(0.1), Value(1e16)})});
  Value kwargs(Object{{"k", Value("v")}, {"n", Value(std::uint64_t{18446744073709551615u})}});
  Bytes out;
  std::string scratch;
  ASSERT_TRUE(codec.encode_into(Role::kOriginator, uri, args, kwargs, out, scratch));
  const long before = g_allocations.load();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(codec.encode_into(Role::kOriginator, uri, args, kwargs, out, scratch));
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  const long lookups = g_allocations.load();
  EXPECT_NE(ring.find(uri), nullptr);
  EXPECT_NE(ring.find("com.other.x"), nullptr);
  EXPECT_NE(ring.find("net.x"), nullptr);
  EXPECT_EQ(g_allocations.load() - lookups, 0);
}

// ---------------------------------------------------------------------------
// open_into: the receiver's reusing path

// Plaintexts of several shapes (and the fallback reader's: NaN, big integers),
// in an order where each one reuses the storage another one left.
std::vector<std::string> varied_plaintexts(const std::string& uri) {
  const std::string u = "\"uri\":\"" + uri + "\"";
  const std::string long_text(300, 'x');
  return {
      "{" + u + R"(,"args":["a",1,2.5,true,null],"kwargs":{"k":"v"}})",
      "{" + u + R"(,"args":[")" + long_text + R"(",{"nested":[1,[2,[3,"deep string longer than fifteen"]]]}],"kwargs":{}})",
      "{" + u + R"(,"args":[],"kwargs":null})",
      "{" + u + R"(,"args":null,"kwargs":{"a":{"b":{"c":"d"}},"e":[]}})",
      "{" + u + R"(,"args":["\u0000AQID","h\u00e9llo \"q\"\n"],"kwargs":{"bin":"\u0000AAAA"}})",
      "{" + u + R"(,"args":[NaN,-Infinity,123456789012345678901234567890],"kwargs":{"x":")" + long_text + R"("}})",
      "{" + u + R"(,"args":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"kwargs":{"dup":1,"dup":2}})",
      "{" + u + "}",
  };
}

TEST(Cryptobox, OpenIntoGivesDecodesResultWithOneReusedContext) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  const std::string uri = std::string(kPrefix) + "reuse";
  const std::vector<std::string> texts = varied_plaintexts(uri);
  OpenContext ctx;
  EXPECT_EQ(ctx.uri(), "");
  EXPECT_TRUE(ctx.args().is_null() && ctx.kwargs().is_null());
  for (int round = 0; round < 3; ++round) {
    for (std::size_t k = 0; k < texts.size(); ++k) {
      const std::string& text = texts[round == 1 ? texts.size() - 1 - k : (k * 3 + round) % texts.size()];
      SCOPED_TRACE(text);
      const EncodedPayload p = seal_raw(text);
      const DecodedPayload want = codec.decode(Role::kResponder, uri, p);
      codec.open_into(Role::kResponder, uri, p.enc_algo, p.enc_serializer, p.payload, ctx);
      EXPECT_EQ(ctx.uri(), want.uri);
      EXPECT_EQ(ctx.args(), want.args);
      EXPECT_EQ(ctx.kwargs(), want.kwargs);
      EXPECT_EQ(ctx.args(), json_parse(text).find("args") ? *json_parse(text).find("args") : Value());
    }
  }
  // A copy taken out of the context keeps its value when the context moves on.
  const EncodedPayload first = seal_raw(texts[1]);
  codec.open_into(Role::kResponder, uri, first.enc_algo, first.enc_serializer, first.payload, ctx);
  const Value kept = ctx.args();
  const Value kept_value = json_parse(texts[1]).find("args") ? *json_parse(texts[1]).find("args") : Value();
  for (const std::string& text : texts) {
    const EncodedPayload p = seal_raw(text);
    codec.open_into(Role::kResponder, uri, p.enc_algo, p.enc_serializer, p.payload, ctx);
  }
  EXPECT_EQ(kept, kept_value);
  ctx.clear();
  EXPECT_EQ(ctx.uri(), "");
  EXPECT_TRUE(ctx.args().is_null());
  EXPECT_EQ(kept, kept_value);
  OpenContext moved = std::move(ctx);
  codec.open_into(Role::kResponder, uri, first.enc_algo, first.enc_serializer, first.payload, moved);
  EXPECT_EQ(moved.args(), kept_value);
  codec.open_into(Role::kResponder, uri, first.enc_algo, first.enc_serializer, first.payload, ctx);  // moved-from
  EXPECT_EQ(ctx.args(), kept_value);
  ctx.release();
  EXPECT_TRUE(ctx.args().is_null());
  codec.open_into(Role::kResponder, uri, first.enc_algo, first.enc_serializer, first.payload, ctx);
  EXPECT_EQ(ctx.args(), kept_value);
}

TEST(Cryptobox, OpenIntoErrorsAreDecodesAndLeaveNoResult) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  const std::string uri = std::string(kPrefix) + "m";
  const EncodedPayload good = seal_raw("{\"uri\":\"" + uri + "\",\"args\":[\"ok\"]}");
  EncodedPayload tampered = good;
  tampered.payload.back() ^= 1;
  struct Case {
    std::string what;
    EncodedPayload payload;
    std::string envelope;
  };
  std::vector<Case> cases = {
      {"tampered", tampered, uri},
      {"truncated", good, uri},
      {"uri mismatch", good, uri + ".other"},
      {"no key", good, "net.other"},
      {"malformed", seal_raw(R"({"uri":"com.myapp.encrypted.m","args":"str"})"), uri},
      {"not JSON", seal_raw(R"({"uri":"com.myapp.encrypted.m","args":[)"), uri},
      {"empty", seal_raw(""), uri},
  };
  cases[1].payload.payload.resize(kPayloadOverhead - 1);
  EncodedPayload algo = good;
  algo.enc_algo = "xbr";
  cases.push_back({"enc_algo", algo, uri});
  EncodedPayload ser = good;
  ser.enc_serializer = "cbor";
  cases.push_back({"enc_serializer", ser, uri});
  OpenContext ctx;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    codec.open_into(Role::kResponder, uri, good.enc_algo, good.enc_serializer, good.payload, ctx);
    ASSERT_EQ(ctx.args(), Value(Array{Value("ok")}));
    const ErrorCode want = error_of([&] { (void)codec.decode(Role::kResponder, c.envelope, c.payload); }).code();
    const ErrorCode got = error_of([&] {
      codec.open_into(Role::kResponder, c.envelope, c.payload.enc_algo, c.payload.enc_serializer, c.payload.payload,
                      ctx);
    }).code();
    EXPECT_EQ(got, want);
    EXPECT_EQ(ctx.uri(), "");
    EXPECT_TRUE(ctx.args().is_null() && ctx.kwargs().is_null());
  }
  codec.open_into(Role::kResponder, uri, good.enc_algo, good.enc_serializer, good.payload, ctx);
  EXPECT_EQ(ctx.args(), Value(Array{Value("ok")}));
}

TEST(Cryptobox, OpenIntoDoesNotAllocateWhenWarm) {
  if (!WAMPBOX_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocation counting is off under AddressSanitizer";
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  const std::string uri = std::string(kPrefix) + "topic.with.a.longer.name";
  // Same shape and sizes, different contents each time (as a stream of one
  // kind of message), with every kind of value the reader builds.
  std::vector<EncodedPayload> payloads;
  for (int i = 0; i < 4; ++i) {
    const std::string c(1, static_cast<char>('a' + i));
    Value args(Array{Value(c + "h\xc3\xa9llo \"quoted\" and long enough for the heap"), Value(1.5 + i), Value(-7 - i),
                     Value(true), Value(), Value(Binary{{1, 2, static_cast<std::uint8_t>(i)}}),
                     Value(Array{Value(0.1), Value(c + c)}), Value(Array{}), Value(Object{})});
    Value kwargs(Object{{"key " + c, Value(c)}, {"n", Value(std::int64_t{1000} + i)}});
    auto p = codec.encode(Role::kOriginator, uri, args, kwargs);
    ASSERT_TRUE(p);
    payloads.push_back(std::move(*p));
  }
  OpenContext ctx;
  for (int i = 0; i < 2; ++i) {
    codec.open_into(Role::kResponder, uri, payloads[0].enc_algo, payloads[0].enc_serializer, payloads[0].payload, ctx);
  }
  const long before = g_allocations.load();
  for (int i = 0; i < 12; ++i) {
    const EncodedPayload& p = payloads[static_cast<std::size_t>(i) % payloads.size()];
    codec.open_into(Role::kResponder, uri, p.enc_algo, p.enc_serializer, p.payload, ctx);
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(ctx.kwargs().find("n")->as_int(), 1003);
}

TEST(Cryptobox, RandomNoncesDifferAndBothDecode) {
  KeyRing ring = ring_with(kPrefix, full_key());
  PayloadCodec codec(ring);
  auto a = codec.encode(Role::kOriginator, kWorkedExampleUri, hello_args(), empty_kwargs());
  auto b = codec.encode(Role::kOriginator, kWorkedExampleUri, hello_args(), empty_kwargs());
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->payload, b->payload);
  EXPECT_EQ(codec.decode(Role::kResponder, kWorkedExampleUri, *a).args, hello_args());
  EXPECT_EQ(codec.decode(Role::kResponder, kWorkedExampleUri, *b).args, hello_args());
}

TEST(Cryptobox, ConcurrentEncodeDecode) {
  KeyRing ring = ring_with(kPrefix, full_key());
  ring.set_key("", Key::from_single_private(kResponderPriv));
  const PayloadCodec codec(ring);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Bytes out;
      std::string scratch;
      for (int i = 0; i < 200; ++i) {
        const std::string uri = (i % 2 ? std::string(kPrefix) : std::string("net.")) + std::to_string(t);
        Value args(Array{Value(i), Value(t)});
        if (!codec.encode_into(Role::kOriginator, uri, args, Value(), out, scratch)) {
          ++failures[t];
          continue;
        }
        EncodedPayload p;
        p.payload = out;
        if (!(codec.decode(Role::kResponder, uri, p).args == args)) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

// ---------------------------------------------------------------------------
// Cross-check with the real Autobahn|Python (tests/data/gen_cryptobox_cases.py)

std::filesystem::path data_dir() { return std::filesystem::path(__FILE__).parent_path().parent_path() / "data"; }

Bytes from_hex(const Value& v) { return hex_decode(v.as_string()); }

TEST(CryptoboxAutobahn, FixedNonceCasesMatchByteForByte) {
  const auto path = data_dir() / "cryptobox_cases.jsonl";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path << " (regenerate with /usr/bin/python3 tests/data/gen_cryptobox_cases.py)";

  KeyRing ring = ring_with(kPrefix, full_key());
  ring.set_key("com.single.", Key::from_single_private(kOriginatorPriv));
  PayloadCodec codec(ring);
  // What each side of a deployment holds: the cases must open with these too.
  KeyRing sub = ring_with(kPrefix, responder_key());
  KeyRing pub = ring_with(kPrefix, originator_key());

  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Value c = json_parse(line);
    const std::string name = c.find("name")->as_string();
    SCOPED_TRACE(name);
    const std::string& uri = c.find("uri")->as_string();
    const Role role = c.find("role")->as_string() == "originator" ? Role::kOriginator : Role::kResponder;
    const Role other = role == Role::kOriginator ? Role::kResponder : Role::kOriginator;
    const Value args = json_parse(c.find("args_json")->as_string());
    const Value kwargs = json_parse(c.find("kwargs_json")->as_string());
    const Bytes nonce_bytes = from_hex(*c.find("nonce_hex"));
    ASSERT_EQ(nonce_bytes.size(), kNonceBytes);
    std::array<std::uint8_t, kNonceBytes> nonce{};
    std::copy(nonce_bytes.begin(), nonce_bytes.end(), nonce.begin());
    const Bytes plaintext = from_hex(*c.find("plaintext_hex"));
    const Bytes expected = from_hex(*c.find("payload_hex"));

    std::string ours;
    cryptobox_plaintext_append(uri, args, kwargs, ours);
    EXPECT_EQ(ours, std::string(plaintext.begin(), plaintext.end()));

    auto enc = codec.encode_for_testing(role, uri, args, kwargs, nonce);
    ASSERT_TRUE(enc);
    EXPECT_EQ(hex_encode(enc->payload), c.find("payload_hex")->as_string());

    EncodedPayload autobahn;
    autobahn.payload = expected;
    for (Role r : {role, other}) {
      DecodedPayload d = codec.decode(r, uri, autobahn);
      EXPECT_EQ(d.uri, uri);
      EXPECT_EQ(d.args, args);
      EXPECT_EQ(d.kwargs, kwargs);
    }
    if (c.find("keyset")->as_string() == "sample") {
      const KeyRing& receiver = role == Role::kOriginator ? sub : pub;
      EXPECT_EQ(PayloadCodec(receiver).decode(other, uri, autobahn).args, args);
    }
    ++cases;
  }
  EXPECT_GE(cases, 10);
}

}  // namespace
}  // namespace wampbox
