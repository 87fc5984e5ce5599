// Payload PassThru Mode: round trips for every serializer/scheme wampbox
// supports, and every validation rule of ppt.h (the spec's tables).
#include "wampbox/ppt.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "wampbox/cbor.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "error_of.h"
#include "wampbox/msgpack.h"
#ifdef WAMPBOX_HAVE_PPT_EXT
#ifdef WAMPBOX_TEST_CRYPTOPP_KECCAK
#include <cryptopp/keccak.h>
#endif
#include "wampbox/ppt_ext.h"
#endif

namespace wampbox {
namespace {

constexpr const char* kOriginatorPriv = "6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=";
constexpr const char* kOriginatorPub = "GTtQ37XGJO2O4R8Dvx4AUo8pe61D9evIWpKGQAPdOh0=";
constexpr const char* kResponderPriv = "ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE=";
constexpr const char* kResponderPub = "5Q3rK3UhNZzdviBw9MtbNrrPHR9bsFSGMEtr2H3ZaxQ=";

KeyRing sample_ring() {
  KeyRing ring;
  Key::Parts parts;
  parts.originator_priv = kOriginatorPriv;
  parts.responder_priv = kResponderPriv;
  ring.set_key("com.myapp.", Key::from_parts(parts));
  return ring;
}

Message sample_call() {
  Message m;
  m.type = MessageType::kCall;
  m.request = 25471;
  m.uri = "com.myapp.secret_rpc";
  m.options = Object{{"timeout", Value(1000)}};
  m.args = Value(Array{Value("h\xc3\xa9llo"), Value(42), Value(Binary{{0, 1, 2}}), Value(1.5)});
  m.kwargs = Value(Object{{"k", Value(Array{Value(nullptr), Value(true)})}});
  return m;
}

PptAttributes attrs(std::string scheme, std::optional<std::string> ser = std::nullopt,
                    std::optional<std::string> cipher = std::nullopt, std::optional<std::string> keyid = std::nullopt) {
  return PptAttributes{std::move(scheme), std::move(ser), std::move(cipher), std::move(keyid)};
}

TEST(PptKeyId, LastTwentyBytesOfSha256) {
  PublicKey pk = PublicKey::parse(kResponderPub);
  std::array<std::uint8_t, 32> digest{};
  crypto_hash_sha256(digest.data(), pk.bytes.data(), pk.bytes.size());
  const std::string id = ppt_key_id(pk);
  EXPECT_EQ(id.size(), 42u);
  EXPECT_EQ(id, "0x" + hex_encode(std::span<const std::uint8_t>(digest.data() + 12, 20)));
  EXPECT_NE(id, ppt_key_id(PublicKey::parse(kOriginatorPub)));
  // Known answer, computed independently with Python's hashlib:
  //   '0x' + hashlib.sha256(base64.b64decode(RESPONDER_PUB)).digest()[-20:].hex()
  EXPECT_EQ(id, "0xf08dd1bcba1cbc5650deb65f1d79bdbf49cd8df9");
  EXPECT_EQ(ppt_key_id(PublicKey::parse(kOriginatorPub)), "0x50b6c06509ded0e2b8c9f44325df3a2853064c3f");
}

TEST(PptValidate, SpecTables) {
  // Accepted
  for (const PptAttributes& a : {
           attrs("wamp", "cbor"),
           attrs("wamp", "cbor", "xsalsa20poly1305"),
           attrs("wamp", "flatbuffers", "aes256gcm", "0x" + std::string(40, 'a')),
           attrs("wamp", "cbor", std::nullopt, "0xABCDEF" + std::string(34, '0')),
           attrs("mqtt"),
           attrs("mqtt", "native"),
           attrs("mqtt", "json"),
           attrs("mqtt", "msgpack"),
           attrs("mqtt", "cbor"),
           attrs("x_my_ppt", "custom", "custom", "custom"),
           attrs("x_y"),
       }) {
    SCOPED_TRACE(a.scheme + "/" + a.serializer.value_or("-") + "/" + a.cipher.value_or("-"));
    EXPECT_NO_THROW(ppt_validate(a));
  }
  // Rejected: all protocol violations
  for (const PptAttributes& a : {
           attrs(""),
           attrs("WAMP", "cbor"),
           attrs("x_"),
           attrs("other", "cbor"),
           attrs("wamp"),                                   // serializer required
           attrs("wamp", "json"),                           // only cbor / flatbuffers
           attrs("wamp", "msgpack"),
           attrs("wamp", "native"),
           attrs("wamp", "cbor", "chacha20poly1305"),
           attrs("wamp", "cbor", "xsalsa20poly1305", "GTtQ37XGJO2O4R8Dvx4AUo8pe61D9evIWpKGQAPdOh0="),
           attrs("wamp", "cbor", std::nullopt, "0x" + std::string(39, 'a')),
           attrs("wamp", "cbor", std::nullopt, "0x" + std::string(40, 'g')),
           attrs("wamp", "cbor", std::nullopt, std::string(42, 'a')),
           attrs("mqtt", "flatbuffers"),
           attrs("mqtt", "custom"),
           attrs("mqtt", "json", "xsalsa20poly1305"),
           attrs("mqtt", "json", std::nullopt, "0x" + std::string(40, 'a')),
       }) {
    SCOPED_TRACE(a.scheme + "/" + a.serializer.value_or("-") + "/" + a.cipher.value_or("-"));
    EXPECT_EQ(error_of([&] { ppt_validate(a); }), ErrorCode::kProtocolError);
  }
}

TEST(PptAttributesFromOptions, ReadAndMisuse) {
  EXPECT_EQ(ppt_attributes(Object{}), std::nullopt);
  EXPECT_EQ(ppt_attributes(Object{{"timeout", Value(1)}}), std::nullopt);
  auto a = ppt_attributes(Object{{"x", Value(1)},
                                 {"ppt_cipher", Value("xsalsa20poly1305")},
                                 {"ppt_scheme", Value("wamp")},
                                 {"ppt_serializer", Value("cbor")},
                                 {"ppt_keyid", Value("0x" + std::string(40, 'f'))}});
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, attrs("wamp", "cbor", "xsalsa20poly1305", "0x" + std::string(40, 'f')));
  // ppt_* without ppt_scheme
  EXPECT_EQ(error_of([] { (void)ppt_attributes(Object{{"ppt_serializer", Value("cbor")}}); }), ErrorCode::kProtocolError);
  // non-string values
  EXPECT_EQ(error_of([] { (void)ppt_attributes(Object{{"ppt_scheme", Value(1)}}); }), ErrorCode::kProtocolError);
  EXPECT_EQ(error_of([] { (void)ppt_attributes(Object{{"ppt_scheme", Value()}}); }), ErrorCode::kProtocolError);
  EXPECT_EQ(error_of([] {
              (void)ppt_attributes(Object{{"ppt_scheme", Value("wamp")}, {"ppt_serializer", Value(Array{})}});
            }),
            ErrorCode::kProtocolError);
  // validation applies
  EXPECT_EQ(error_of([] { (void)ppt_attributes(Object{{"ppt_scheme", Value("wamp")}}); }), ErrorCode::kProtocolError);
}

TEST(PptSetAttributes, ReplacesAndAppends) {
  Object o{{"ppt_keyid", Value("old")}, {"timeout", Value(1)}, {"ppt_scheme", Value("mqtt")}};
  ppt_set_attributes(o, attrs("wamp", "cbor", "xsalsa20poly1305"));
  EXPECT_EQ(o, (Object{{"timeout", Value(1)},
                       {"ppt_scheme", Value("wamp")},
                       {"ppt_serializer", Value("cbor")},
                       {"ppt_cipher", Value("xsalsa20poly1305")}}));
}

TEST(PptPack, InnerObjectPerSerializer) {
  Value args(Array{Value(1), Value("a")});
  Value kwargs(Object{{"k", Value(true)}});
  Value inner(Object{{"args", args}, {"kwargs", kwargs}});
  EXPECT_EQ(ppt_pack("cbor", args, kwargs), cbor_write(inner));
  EXPECT_EQ(ppt_pack("msgpack", args, kwargs), msgpack_write(inner));
  std::string j = json_write(inner);
  EXPECT_EQ(ppt_pack("json", args, kwargs), Bytes(j.begin(), j.end()));
  EXPECT_EQ(j, "{\"args\":[1,\"a\"],\"kwargs\":{\"k\":true}}");
  // Null args/kwargs are written as the empty list/dict the spec's object has.
  std::string e = json_write(json_parse("{\"args\":[],\"kwargs\":{}}"));
  EXPECT_EQ(ppt_pack("json", Value(), Value()), Bytes(e.begin(), e.end()));
  for (const char* s : {"cbor", "msgpack", "json"}) {
    SCOPED_TRACE(s);
    Value a, k;
    ppt_unpack(s, ppt_pack(s, args, kwargs), a, k);
    EXPECT_TRUE(a == args);
    EXPECT_TRUE(k == kwargs);
  }
  EXPECT_EQ(error_of([&] { (void)ppt_pack("flatbuffers", args, kwargs); }), ErrorCode::kUnsupportedEncSerializer);
  EXPECT_EQ(error_of([&] { (void)ppt_pack("cbor", Value(1), kwargs); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { (void)ppt_pack("cbor", args, Value(Array{})); }), ErrorCode::kInvalidArgument);
}

TEST(PptPack, UnpackRejectsOtherShapes) {
  Value a, k;
  auto unpack_json = [&](std::string_view text) {
    ppt_unpack("json", std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
               a, k);
  };
  EXPECT_EQ(error_of([&] { unpack_json("[]"); }), ErrorCode::kMalformedPlaintext);
  EXPECT_EQ(error_of([&] { unpack_json("{\"args\":{}}"); }), ErrorCode::kMalformedPlaintext);
  EXPECT_EQ(error_of([&] { unpack_json("{\"kwargs\":[]}"); }), ErrorCode::kMalformedPlaintext);
  EXPECT_EQ(error_of([&] { unpack_json("{\"args\":[],\"uri\":\"a\"}"); }), ErrorCode::kMalformedPlaintext);
  EXPECT_EQ(error_of([&] { unpack_json("{\"args\":["); }), ErrorCode::kParseError);
  EXPECT_NO_THROW(unpack_json("{}"));
  EXPECT_TRUE(a.is_null());
  EXPECT_TRUE(k.is_null());
  EXPECT_NO_THROW(unpack_json("{\"kwargs\":null,\"args\":[1]}"));
  EXPECT_TRUE(a == Value(Array{Value(1)}));
  Bytes junk = {0xff, 0x00};
  EXPECT_EQ(error_of([&] { ppt_unpack("cbor", junk, a, k); }), ErrorCode::kParseError);
  EXPECT_EQ(error_of([&] { ppt_unpack("msgpack", junk, a, k); }), ErrorCode::kParseError);
  EXPECT_EQ(error_of([&] { ppt_unpack("native", junk, a, k); }), ErrorCode::kUnsupportedEncSerializer);
}

TEST(PptWrap, UnencryptedRoundTripsEverySerializerAndWireFormat) {
  const Message plain = sample_call();
  for (const PptAttributes& a : {attrs("wamp", "cbor"), attrs("mqtt", "json"), attrs("mqtt", "msgpack"),
                                 attrs("mqtt", "cbor"), attrs("x_custom", "json")}) {
    SCOPED_TRACE(a.scheme + "/" + *a.serializer);
    Message w = ppt_wrap(plain, a);
    // Arguments is one binary element, ArgumentsKw absent, ppt_* at the end.
    ASSERT_TRUE(w.args);
    ASSERT_EQ(w.args->as_array().size(), 1u);
    EXPECT_EQ(w.args->as_array()[0].kind(), Value::Kind::kBinary);
    EXPECT_FALSE(w.kwargs);
    EXPECT_FALSE(w.payload);
    EXPECT_EQ(w.options.front().first, "timeout");
    EXPECT_EQ(w.options[1].first, "ppt_scheme");
    EXPECT_EQ(w.args->as_array()[0].as_binary().data, ppt_pack(*a.serializer, *plain.args, *plain.kwargs));
    for (Serializer s : {Serializer::kJson, Serializer::kMsgPack, Serializer::kCbor}) {
      SCOPED_TRACE(std::string(to_string(s)));
      Message wire = decode_frame(encode_frame(w, s), s);
      EXPECT_TRUE(wire == w);
      PptAttributes got;
      Message back = ppt_unwrap(wire, nullptr, &got);
      EXPECT_EQ(got, a);
      EXPECT_TRUE(back == plain);
    }
  }
}

TEST(PptWrap, NativePayloadIsSentAsIs) {
  Message m;
  m.type = MessageType::kPublish;
  m.uri = "com.mqtt.topic";
  m.args = Value(Array{Value(Binary{{'r', 'a', 'w', 0xff}})});
  Message w = ppt_wrap(m, attrs("mqtt", "native"));
  EXPECT_TRUE(*w.args == *m.args);
  Message w2 = ppt_wrap(m, attrs("mqtt"));  // mqtt without serializer means native
  EXPECT_TRUE(*w2.args == *m.args);
  EXPECT_TRUE(ppt_unwrap(w) == m);
  EXPECT_TRUE(ppt_unwrap(w2) == m);
  Message bad = m;
  bad.args = Value(Array{Value("not binary")});
  EXPECT_EQ(error_of([&] { (void)ppt_wrap(bad, attrs("mqtt", "native")); }), ErrorCode::kInvalidArgument);
  bad = m;
  bad.kwargs = Value(Object{{"k", Value(1)}});
  EXPECT_EQ(error_of([&] { (void)ppt_wrap(bad, attrs("mqtt", "native")); }), ErrorCode::kInvalidArgument);
}

TEST(PptWrap, EncryptedWithSharedKey) {
  KeyRing ring = sample_ring();
  const Key* key = ring.find("com.myapp.x");
  ASSERT_NE(key, nullptr);
  std::array<std::uint8_t, kNonceBytes> nonce{};
  for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<std::uint8_t>(100 + i);
  const Message plain = sample_call();
  Message w =
      ppt_wrap_for_testing(plain, attrs("wamp", "cbor", "xsalsa20poly1305"), &key->shared(Role::kOriginator), nonce);
  const Bytes& payload = w.args->as_array()[0].as_binary().data;
  Bytes inner = ppt_pack("cbor", *plain.args, *plain.kwargs);
  ASSERT_EQ(payload.size(), kPayloadOverhead + inner.size());
  EXPECT_TRUE(std::equal(nonce.begin(), nonce.end(), payload.begin()));
  // Same construction as cryptobox: crypto_box_easy_afternm with the nonce in front.
  Bytes expected;
  box_seal_append_for_testing(key->shared(Role::kOriginator), inner, expected, nonce);
  EXPECT_EQ(payload, expected);
  // Both boxes of a key share the secret, so the responder opens it.
  EXPECT_TRUE(ppt_unwrap(w, &key->shared(Role::kResponder)) == plain);
  EXPECT_EQ(error_of([&] { (void)ppt_unwrap(w); }), ErrorCode::kNoKey);
  Message t = w;
  Bytes tampered = payload;
  tampered.back() ^= 0x80;
  t.args = Value(Array{Value(Binary{tampered})});
  EXPECT_EQ(error_of([&] { (void)ppt_unwrap(t, &key->shared(Role::kResponder)); }), ErrorCode::kDecryptFailed);
  EXPECT_EQ(error_of([&] { (void)ppt_wrap(plain, attrs("wamp", "cbor", "xsalsa20poly1305")); }), ErrorCode::kNoKey);
}

TEST(PptWrap, UnsupportedAndMisuse) {
  const Message plain = sample_call();
  EXPECT_EQ(error_of([&] { (void)ppt_wrap(plain, attrs("wamp", "flatbuffers")); }), ErrorCode::kUnsupportedEncSerializer);
  EXPECT_EQ(error_of([&] { (void)ppt_wrap(plain, attrs("wamp", "cbor", "aes256gcm")); }), ErrorCode::kUnsupportedEncAlgo);
  EXPECT_EQ(error_of([&] { (void)ppt_wrap(plain, attrs("x_c", "json", "x_cipher")); }), ErrorCode::kUnsupportedEncAlgo);
  EXPECT_EQ(error_of([&] { (void)ppt_wrap(plain, attrs("x_c", "x_ser")); }), ErrorCode::kUnsupportedEncSerializer);
  EXPECT_EQ(error_of([&] { (void)ppt_wrap(plain, attrs("wamp", "json")); }), ErrorCode::kProtocolError);
  Message with_payload = plain;
  with_payload.args.reset();
  with_payload.kwargs.reset();
  with_payload.payload = Bytes{1};
  EXPECT_EQ(error_of([&] { (void)ppt_wrap(with_payload, attrs("wamp", "cbor")); }), ErrorCode::kInvalidArgument);

  // Unwrap: structure rules of the spec.
  Message w = ppt_wrap(plain, attrs("wamp", "cbor"));
  auto unwrap_err = [](Message m) { return error_of([&] { (void)ppt_unwrap(m); }); };
  Message m = w;
  m.options.clear();
  EXPECT_EQ(unwrap_err(m), ErrorCode::kProtocolError);  // no ppt_scheme
  m = w;
  m.args = Value(Array{});
  EXPECT_EQ(unwrap_err(m), ErrorCode::kProtocolError);  // not one element
  m = w;
  m.args = Value(Array{w.args->as_array()[0], w.args->as_array()[0]});
  EXPECT_EQ(unwrap_err(m), ErrorCode::kProtocolError);
  m = w;
  m.args = Value(Array{Value("text")});
  EXPECT_EQ(unwrap_err(m), ErrorCode::kProtocolError);  // not binary
  m = w;
  m.args.reset();
  EXPECT_EQ(unwrap_err(m), ErrorCode::kProtocolError);
  m = w;
  m.kwargs = Value(Object{{"k", Value(1)}});
  EXPECT_EQ(unwrap_err(m), ErrorCode::kProtocolError);  // ArgumentsKw must be absent or empty
  m = w;
  m.kwargs = Value(Object{});
  EXPECT_NO_THROW(ppt_unwrap(m));
  m = w;
  m.options.emplace_back("enc_algo", Value("cryptobox"));
  EXPECT_EQ(unwrap_err(m), ErrorCode::kProtocolError);  // mixing PPT and cryptobox
  m = w;
  for (auto& kv : m.options) {
    if (kv.first == "ppt_serializer") kv.second = Value("flatbuffers");
  }
  EXPECT_EQ(unwrap_err(m), ErrorCode::kUnsupportedEncSerializer);
  m = w;
  for (auto& kv : m.options) {
    if (kv.first == "ppt_serializer") kv.second = Value("json");
  }
  EXPECT_EQ(unwrap_err(m), ErrorCode::kProtocolError);  // wamp + json violates the spec
  m = w;
  m.options.emplace_back("ppt_cipher", Value("aes256gcm"));
  EXPECT_EQ(unwrap_err(m), ErrorCode::kUnsupportedEncAlgo);
}

TEST(PptSeal, KeyringRoundTripAndKeyId) {
  KeyRing ring = sample_ring();
  std::array<std::uint8_t, kNonceBytes> nonce{};
  const Message plain = sample_call();
  Message sealed = ppt_seal_for_testing(ring, Role::kOriginator, plain, std::nullopt, nonce);
  auto a = ppt_attributes(sealed.options);
  ASSERT_TRUE(a);
  // The key id names the receiver's (callee's = responder's) public key.
  EXPECT_EQ(*a, attrs("wamp", "cbor", "xsalsa20poly1305", ppt_key_id(PublicKey::parse(kResponderPub))));
  for (Serializer s : {Serializer::kJson, Serializer::kMsgPack, Serializer::kCbor}) {
    SCOPED_TRACE(std::string(to_string(s)));
    Message wire = decode_frame(encode_frame(sealed, s), s);
    // The callee receives it as an INVOCATION; its details carry the ppt_* forwarded.
    Message inv = wire;
    inv.type = MessageType::kInvocation;
    inv.uri.clear();
    Message opened = ppt_open(ring, Role::kResponder, inv, "com.myapp.secret_rpc");
    Message expected = plain;
    expected.type = MessageType::kInvocation;
    expected.uri.clear();
    EXPECT_TRUE(opened == expected);
  }
  // YIELD from the responder: the key id names the originator's public key.
  Message y;
  y.type = MessageType::kYield;
  y.request = 2;
  y.args = Value(Array{Value(5)});
  Message sy = ppt_seal(ring, Role::kResponder, y, "com.myapp.secret_rpc");
  EXPECT_EQ(ppt_attributes(sy.options)->keyid, ppt_key_id(PublicKey::parse(kOriginatorPub)));
  Message result = sy;
  result.type = MessageType::kResult;
  Message ro = ppt_open(ring, Role::kOriginator, result, "com.myapp.secret_rpc");
  ASSERT_TRUE(ro.args);
  EXPECT_TRUE(*ro.args == *y.args);
  EXPECT_TRUE(ro.kwargs && ro.kwargs->as_object().empty());  // packed as {}
}

// The key URI is resolved as for cryptobox (seal_message/open_message) and as
// Autobahn's session: a non-empty INVOCATION Details.procedure wins over the
// URI the receiver passes (with a pattern registration it only knows the
// pattern); without it, the passed URI is used.
TEST(PptSeal, DetailsProcedureWinsOverTheGivenUri) {
  KeyRing ring = sample_ring();
  Message sealed = ppt_seal(ring, Role::kOriginator, sample_call());
  Message inv = sealed;
  inv.type = MessageType::kInvocation;
  inv.uri.clear();
  inv.options.emplace_back("procedure", Value("com.myapp.secret_rpc"));
  // "com.nokey.x" has no key in the ring: only the Details.procedure can open it.
  Message opened = ppt_open(ring, Role::kResponder, inv, "com.nokey.x");
  ASSERT_TRUE(opened.args);
  EXPECT_TRUE(*opened.args == *sample_call().args);
  inv.options.back().second = Value("");  // empty: not used, the given URI is
  EXPECT_EQ(error_of([&] { (void)ppt_open(ring, Role::kResponder, inv, "com.nokey.x"); }), ErrorCode::kNoKey);
}

TEST(PptSeal, Errors) {
  KeyRing ring = sample_ring();
  Message plain = sample_call();
  plain.uri = "org.nokey.proc";
  EXPECT_EQ(error_of([&] { (void)ppt_seal(ring, Role::kOriginator, plain); }), ErrorCode::kNoKey);
  Message y;
  y.type = MessageType::kYield;
  EXPECT_EQ(error_of([&] { (void)ppt_seal(ring, Role::kResponder, y); }), ErrorCode::kInvalidArgument);  // no URI

  KeyRing pub_only;
  Key::Parts parts;
  parts.responder_priv = kResponderPriv;
  parts.originator_pub = kOriginatorPub;
  pub_only.set_key("com.myapp.", Key::from_parts(parts));
  EXPECT_EQ(error_of([&] { (void)ppt_seal(pub_only, Role::kOriginator, sample_call()); }), ErrorCode::kMissingRole);

  // A key id that is not this side's key.
  Message sealed = ppt_seal(ring, Role::kOriginator, sample_call());
  for (auto& kv : sealed.options) {
    if (kv.first == "ppt_keyid") kv.second = Value("0x" + std::string(40, '0'));
  }
  EXPECT_EQ(error_of([&] { (void)ppt_open(ring, Role::kResponder, sealed); }), ErrorCode::kNoKey);
  // Upper-case key ids (EIP-55 style) are accepted.
  sealed = ppt_seal(ring, Role::kOriginator, sample_call());
  for (auto& kv : sealed.options) {
    if (kv.first == "ppt_keyid") {
      std::string upper = kv.second.as_string();
      for (std::size_t i = 2; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
      kv.second = Value(upper);
    }
  }
  EXPECT_NO_THROW(ppt_open(ring, Role::kResponder, sealed));
  // Opening with the wrong side's key id check: the originator's own key is not the key id.
  EXPECT_EQ(error_of([&] { (void)ppt_open(ring, Role::kOriginator, sealed); }), ErrorCode::kNoKey);
}

// ---------------------------------------------------------------------------
// Both spec ciphers, key ids, the key store and rotation.

std::array<std::uint8_t, 32> key_of(std::uint8_t seed) {
  std::array<std::uint8_t, 32> k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed + i);
  return k;
}


// AES-256-GCM implementations to test: libsodium's where the CPU has AES-NI,
// and the packaged fallback (OpenSSL) when wampbox::ppt_ext is built, forced.
std::vector<std::pair<std::string, PptCrypto>> aes_cryptos() {
  std::vector<std::pair<std::string, PptCrypto>> out;
  if (libsodium_aes256gcm()) out.emplace_back("libsodium", PptCrypto{});
#ifdef WAMPBOX_HAVE_PPT_EXT
  out.emplace_back("openssl-forced", ppt_ext_crypto(true));
#endif
  return out;
}

TEST(PptCipher, Aes256GcmKnownAnswersOnEveryImplementation) {
  // McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13 and
  // 14 (256-bit zero key, zero 96-bit IV, no AAD).
  const auto zero_key = std::array<std::uint8_t, 32>{};
  const Bytes zero_nonce(12, 0);
  auto cryptos = aes_cryptos();
  ASSERT_FALSE(cryptos.empty()) << "no AES-256-GCM implementation at all";
  for (const auto& [name, crypto] : cryptos) {
    SCOPED_TRACE(name);
    EXPECT_EQ(hex_encode(ppt_encrypt_for_testing("aes256gcm", zero_key, {}, crypto, zero_nonce)),
              "000000000000000000000000530f8afbc74536b9a963b4f1c4cb738b");
    const Bytes pt(16, 0);
    const Bytes ct = ppt_encrypt_for_testing("aes256gcm", zero_key, pt, crypto, zero_nonce);
    EXPECT_EQ(hex_encode(ct), "000000000000000000000000cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
    EXPECT_EQ(ppt_decrypt("aes256gcm", zero_key, ct, crypto), pt);
    // Tampering anywhere (nonce, ciphertext, tag) and truncation fail typed, releasing nothing.
    for (std::size_t at : {std::size_t{0}, std::size_t{12}, ct.size() - 1}) {
      Bytes bad = ct;
      bad[at] ^= 1;
      EXPECT_EQ(error_of([&] { (void)ppt_decrypt("aes256gcm", zero_key, bad, crypto); }), ErrorCode::kDecryptFailed);
    }
    for (std::size_t n : {std::size_t{0}, std::size_t{27}, ct.size() - 1}) {
      Bytes shorter(ct.begin(), ct.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_EQ(error_of([&] { (void)ppt_decrypt("aes256gcm", zero_key, shorter, crypto); }), ErrorCode::kDecryptFailed);
    }
    EXPECT_EQ(error_of([&] { (void)ppt_encrypt_for_testing("aes256gcm", zero_key, pt, crypto, Bytes(24, 0)); }),
              ErrorCode::kInvalidArgument);
  }
  // Every implementation opens what every other one sealed (random nonces, several sizes).
  for (const auto& [a, ca] : cryptos) {
    for (const auto& [b, cb] : cryptos) {
      for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 1000u}) {
        Bytes pt(n);
        if (n != 0) randombytes_buf(pt.data(), pt.size());  // data() of an empty Bytes is null (UBSan: nonnull)
        const auto k = key_of(7);
        const Bytes ct = ppt_encrypt("aes256gcm", k, pt, ca);
        EXPECT_EQ(ct.size(), 12 + n + 16);
        EXPECT_EQ(ppt_decrypt("aes256gcm", k, ct, cb), pt) << a << " -> " << b << " n=" << n;
      }
    }
  }
}

TEST(PptCipher, Xsalsa20Poly1305IsSecretbox) {
  const auto k = key_of(1);
  const Bytes nonce(24, 9);
  const Bytes pt{'h', 'i'};
  const Bytes ct = ppt_encrypt_for_testing("xsalsa20poly1305", k, pt, {}, nonce);
  Bytes expect(24 + 16 + pt.size());
  std::copy(nonce.begin(), nonce.end(), expect.begin());
  ASSERT_EQ(crypto_secretbox_easy(expect.data() + 24, pt.data(), pt.size(), nonce.data(), k.data()), 0);
  EXPECT_EQ(ct, expect);
  EXPECT_EQ(ppt_decrypt("xsalsa20poly1305", k, ct), pt);
  Bytes bad = ct;
  bad[30] ^= 0x80;
  EXPECT_EQ(error_of([&] { (void)ppt_decrypt("xsalsa20poly1305", k, bad); }), ErrorCode::kDecryptFailed);
  EXPECT_EQ(error_of([&] { (void)ppt_encrypt("chacha20poly1305", k, pt); }), ErrorCode::kUnsupportedEncAlgo);
  EXPECT_EQ(error_of([&] { (void)ppt_encrypt_for_testing("xsalsa20poly1305", k, pt, {}, Bytes(12, 0)); }),
            ErrorCode::kInvalidArgument);
  // The *_for_testing functions need the nonce: an empty one is refused, never replaced by random bytes.
  EXPECT_EQ(error_of([&] { (void)ppt_encrypt_for_testing("xsalsa20poly1305", k, pt, {}, {}); }), ErrorCode::kInvalidArgument);
}

// ppt_wrap packs into the payload buffer and encrypts in place; it must give
// exactly the bytes of the two-buffer composition ppt_pack + ppt_encrypt, for
// both ciphers, every AES-GCM implementation and sizes around block and
// buffer-growth boundaries.
TEST(PptWrap, InPlaceSealEqualsPackThenEncrypt) {
  std::vector<std::pair<std::string, PptCrypto>> cryptos = aes_cryptos();
  cryptos.emplace_back("xsalsa-only", PptCrypto{});
  const auto k = key_of(3);
  for (const auto& [name, crypto] : cryptos) {
    for (std::string_view cipher : {kPptCipherXsalsa20Poly1305, kPptCipherAes256Gcm}) {
      if (cipher == kPptCipherAes256Gcm && name == "xsalsa-only") continue;
      const Bytes nonce(cipher == kPptCipherAes256Gcm ? 12 : 24, 0x5a);
      for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 200u, 230u, 255u, 256u, 1000u, 4096u, 65536u, 100000u}) {
        SCOPED_TRACE(name + " " + std::string(cipher) + " n=" + std::to_string(n));
        Message m = sample_call();
        m.args = Value(Array{Value(std::string(n, 'q')), Value(1)});
        m.kwargs = Value(Object{{"k", Value(std::string(n / 3, 'w'))}});
        const PptAttributes a = attrs("wamp", "cbor", std::string(cipher));
        const std::span<const std::uint8_t, kKeyBytes> key(k);
        const Message wrapped = ppt_wrap_for_testing(m, a, &key, crypto, nonce);
        const Bytes expect = ppt_encrypt_for_testing(cipher, k, ppt_pack("cbor", *m.args, *m.kwargs), crypto, nonce);
        ASSERT_TRUE(wrapped.args && wrapped.args->as_array().size() == 1);
        EXPECT_EQ(wrapped.args->as_array()[0].as_binary().data, expect);
        EXPECT_EQ(ppt_unwrap(wrapped, &key, crypto).args, m.args);
      }
    }
  }
}

TEST(PptCipher, Aes256GcmWithoutAnyImplementationIsTyped) {
  PptCrypto none;
  none.force_aes256gcm_fallback = true;  // and no fallback given
  EXPECT_EQ(error_of([&] { (void)ppt_encrypt("aes256gcm", key_of(1), Bytes{1}, none); }), ErrorCode::kUnsupportedEncAlgo);
  EXPECT_EQ(error_of([&] { (void)ppt_decrypt("aes256gcm", key_of(1), Bytes(40, 0), none); }), ErrorCode::kUnsupportedEncAlgo);
}

TEST(PptKeyIdForm, NormalizeWithoutKeccak) {
  const std::string lower = "0x" + std::string(40, 'a');
  EXPECT_EQ(ppt_keyid_normalize(lower, {}), lower);
  EXPECT_EQ(ppt_keyid_normalize("0x" + std::string(40, 'A'), {}), lower);  // all-caps: no checksum (EIP-55)
  EXPECT_EQ(error_of([&] { (void)ppt_keyid_normalize("0x" + std::string(20, 'a') + std::string(20, 'A'), {}); }),
            ErrorCode::kBadKeyId);  // mixed case cannot be checked without Keccak
  for (std::string bad : {std::string("0X") + std::string(40, 'a'), "0x" + std::string(39, 'a'), std::string(42, 'a'),
                          "0x" + std::string(40, 'g'), std::string("")}) {
    EXPECT_EQ(error_of([&] { (void)ppt_keyid_normalize(bad, {}); }), ErrorCode::kBadKeyId) << bad;
  }
  EXPECT_EQ(ppt_keyid_write_form("0x" + std::string(40, 'B'), {}), "0x" + std::string(40, 'b'));
}

#ifdef WAMPBOX_HAVE_PPT_EXT
TEST(PptKeccak, EmptyInputIsEthereumsKeccakEmpty) {
  std::uint8_t h[32];
  keccak256({}, h);
  // Ethereum's KECCAK_EMPTY (the code hash of an account without code); SHA3-256("") differs (a7ffc6f8...).
  EXPECT_EQ(hex_encode(std::span<const std::uint8_t>(h, 32)),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}

#ifdef WAMPBOX_TEST_CRYPTOPP_KECCAK
// The sponge around Nettle's permutation against Crypto++'s Keccak_256 on
// every length 0..600 (0..4 blocks of 136 bytes and every padding position).
TEST(PptKeccak, MatchesCryptoppOnEveryLength) {
  Bytes in(600);
  randombytes_buf(in.data(), in.size());
  for (std::size_t n = 0; n <= in.size(); ++n) {
    std::uint8_t ours[32], theirs[32];
    keccak256(std::span<const std::uint8_t>(in.data(), n), ours);
    CryptoPP::Keccak_256 h;
    h.CalculateDigest(theirs, in.data(), n);
    ASSERT_EQ(hex_encode(std::span<const std::uint8_t>(ours, 32)), hex_encode(std::span<const std::uint8_t>(theirs, 32)))
        << "n=" << n;
  }
}
#endif

TEST(PptKeyIdForm, Eip55KnownAnswersAndChecksum) {
  const PptCrypto c = ppt_ext_crypto();
  // The examples of EIP-55 itself (eips.ethereum.org/EIPS/eip-55).
  for (std::string id : {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                         "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"}) {
    std::string lower = id;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(ch));
    EXPECT_EQ(eip55_checksum(lower, c.keccak256), id);
    EXPECT_EQ(ppt_keyid_normalize(id, c), lower);
    EXPECT_EQ(ppt_keyid_write_form(lower, c), id);
    // One letter's case flipped: the checksum fails.
    std::string bad = id;
    for (std::size_t i = 2; i < bad.size(); ++i) {
      if (std::isalpha(static_cast<unsigned char>(bad[i]))) {
        bad[i] = static_cast<char>(std::isupper(static_cast<unsigned char>(bad[i])) ? std::tolower(bad[i]) : std::toupper(bad[i]));
        break;
      }
    }
    EXPECT_EQ(error_of([&] { (void)ppt_keyid_normalize(bad, c); }), ErrorCode::kBadKeyId) << bad;
  }
  const PublicKey pk = PublicKey::parse(kResponderPub);
  std::string eip = ppt_key_id_eip55(pk, c.keccak256);
  std::string lower = eip;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(ch));
  EXPECT_EQ(lower, ppt_key_id(pk));
}
#endif

Message sample_publish(std::string topic) {
  Message m;
  m.type = MessageType::kPublish;
  m.request = 7;
  m.uri = std::move(topic);
  m.args = Value(Array{Value("x"), Value(1)});
  m.kwargs = Value(Object{{"a", Value(true)}});
  return m;
}

Message as_event(const Message& pub) {
  Message ev = pub;
  ev.type = MessageType::kEvent;
  ev.uri.clear();
  return ev;
}

std::vector<std::pair<std::string, PptCrypto>> store_cryptos() {
  std::vector<std::pair<std::string, PptCrypto>> out{{"core", PptCrypto{}}};
#ifdef WAMPBOX_HAVE_PPT_EXT
  out.emplace_back("ext-forced-fallback", ppt_ext_crypto(true));
#endif
  return out;
}

TEST(PptKeyStore, SymmetricBothCiphersRoundTrip) {
  for (const auto& [name, crypto] : store_cryptos()) {
    for (std::string cipher : {"xsalsa20poly1305", "aes256gcm"}) {
      if (cipher == "aes256gcm" && !ppt_aes256gcm(crypto)) continue;
      SCOPED_TRACE(name + "/" + cipher);
      PptKeyStore store(crypto);
      const std::string id = "0x" + std::string(38, '1') + "ab";
      store.add_symmetric("com.app.", id, key_of(3));
      const Message pub = sample_publish("com.app.t");
      Message sealed = store.seal(Role::kOriginator, pub, cipher);
      auto a = ppt_attributes(sealed.options);
      ASSERT_TRUE(a);
      EXPECT_EQ(a->cipher, cipher);
      EXPECT_EQ(ppt_keyid_normalize(*a->keyid, crypto), id);
      // Layout: one binary element whose length is the packed size + overhead.
      const Bytes& payload = sealed.args->as_array()[0].as_binary().data;
      const Bytes packed = ppt_pack("cbor", *pub.args, *pub.kwargs);
      EXPECT_EQ(payload.size(), packed.size() + (cipher == "aes256gcm" ? 28u : 40u));
      const auto k = key_of(3);
      EXPECT_EQ(ppt_decrypt(cipher, k, payload, crypto), packed);
      for (Serializer s : {Serializer::kJson, Serializer::kMsgPack, Serializer::kCbor}) {
        Message wire = decode_frame(encode_frame(sealed, s), s);
        Message opened = store.open(Role::kResponder, as_event(wire), "com.app.t");
        EXPECT_TRUE(*opened.args == *pub.args);
        EXPECT_TRUE(*opened.kwargs == *pub.kwargs);
      }
    }
  }
}

TEST(PptKeyStore, RotationGraceAndRetirement) {
  for (const auto& [name, crypto] : store_cryptos()) {
    SCOPED_TRACE(name);
    PptKeyStore sender(crypto), receiver(crypto);
    const std::string id1 = "0x" + std::string(40, '1'), id2 = "0x" + std::string(40, '2');
    sender.add_symmetric("com.app.", id1, key_of(1));
    receiver.add_symmetric("com.app.", id1, key_of(1));
    const Message pub = sample_publish("com.app.t");
    const Message old_msg = as_event(sender.seal(Role::kOriginator, pub, "xsalsa20poly1305", std::nullopt));
    // Rotate: id2 becomes current on both sides, id1 drops to the grace period.
    sender.add_symmetric("com.app.", id2, key_of(2));
    receiver.add_symmetric("com.app.", id2, key_of(2));
    const Message new_msg = as_event(sender.seal(Role::kOriginator, pub, "xsalsa20poly1305"));
    EXPECT_EQ(ppt_attributes(new_msg.options)->keyid, ppt_keyid_write_form(id2, crypto));
    EXPECT_NO_THROW(receiver.open(Role::kResponder, new_msg, "com.app.t"));
    EXPECT_NO_THROW(receiver.open(Role::kResponder, old_msg, "com.app.t"));  // grace
    receiver.set_status("com.app.", id1, PptKeyStatus::kRetired);
    EXPECT_EQ(error_of([&] { (void)receiver.open(Role::kResponder, old_msg, "com.app.t"); }), ErrorCode::kRetiredKey);
    EXPECT_NO_THROW(receiver.open(Role::kResponder, new_msg, "com.app.t"));
    // An unknown id, a malformed one, no key for the URI.
    Message unknown = new_msg;
    for (auto& kv : unknown.options) {
      if (kv.first == "ppt_keyid") kv.second = Value("0x" + std::string(40, '3'));
    }
    EXPECT_EQ(error_of([&] { (void)receiver.open(Role::kResponder, unknown, "com.app.t"); }), ErrorCode::kNoKey);
    for (auto& kv : unknown.options) {
      if (kv.first == "ppt_keyid") kv.second = Value("0x" + std::string(39, '3'));
    }
    EXPECT_EQ(error_of([&] { (void)receiver.open(Role::kResponder, unknown, "com.app.t"); }), ErrorCode::kProtocolError);
    EXPECT_EQ(error_of([&] { (void)receiver.open(Role::kResponder, new_msg, "org.other"); }), ErrorCode::kNoKey);
    // The wrong key under the right id fails the MAC.
    PptKeyStore wrong(crypto);
    wrong.add_symmetric("com.app.", id2, key_of(9));
    EXPECT_EQ(error_of([&] { (void)wrong.open(Role::kResponder, new_msg, "com.app.t"); }), ErrorCode::kDecryptFailed);
    // A prefix with only retired/grace keys has no current key to send with.
    sender.set_status("com.app.", id2, PptKeyStatus::kRetired);
    EXPECT_EQ(error_of([&] { (void)sender.seal(Role::kOriginator, pub); }), ErrorCode::kNoKey);
    EXPECT_EQ(error_of([&] { sender.add_symmetric("com.app.", id1, key_of(1)); }), ErrorCode::kInvalidKey);
    EXPECT_EQ(parse_ppt_key_status("grace"), PptKeyStatus::kGrace);
    EXPECT_EQ(error_of([&] { (void)parse_ppt_key_status("old"); }), ErrorCode::kInvalidArgument);
  }
}

TEST(PptKeyStore, KeypairModelRotationNamesTheReceiversKey) {
  Key::Parts p1;
  p1.originator_priv = kOriginatorPriv;
  p1.responder_priv = kResponderPriv;
  SecretKey o2 = SecretKey::generate(), r2 = SecretKey::generate();
  Key::Parts p2;
  p2.originator_priv = o2.encode();
  p2.responder_priv = r2.encode();
  PptKeyStore store;
  store.add_keypair("com.myapp.", Key::from_parts(p1));
  const Message call = sample_call();
  Message s1 = store.seal(Role::kOriginator, call, "xsalsa20poly1305");
  EXPECT_EQ(ppt_attributes(s1.options)->keyid, ppt_key_id(PublicKey::parse(kResponderPub)));
  // Same bytes as the KeyRing form (ppt_seal) with the same nonce.
  std::array<std::uint8_t, kNonceBytes> nonce{};
  EXPECT_TRUE(store.seal_for_testing(Role::kOriginator, call, "xsalsa20poly1305", std::nullopt, nonce) ==
              ppt_seal_for_testing(sample_ring(), Role::kOriginator, call, std::nullopt, nonce));
  store.add_keypair("com.myapp.", Key::from_parts(p2));
  Message s2 = store.seal(Role::kOriginator, call, libsodium_aes256gcm() ? "aes256gcm" : "xsalsa20poly1305");
  EXPECT_EQ(ppt_attributes(s2.options)->keyid, ppt_key_id(r2.public_key()));
  auto inv = [](Message m) {
    m.type = MessageType::kInvocation;
    m.uri.clear();
    return m;
  };
  EXPECT_NO_THROW(store.open(Role::kResponder, inv(s1), "com.myapp.secret_rpc"));
  EXPECT_NO_THROW(store.open(Role::kResponder, inv(s2), "com.myapp.secret_rpc"));
  store.set_status("com.myapp.", ppt_key_id(PublicKey::parse(kResponderPub)), PptKeyStatus::kRetired);
  EXPECT_EQ(error_of([&] { (void)store.open(Role::kResponder, inv(s1), "com.myapp.secret_rpc"); }), ErrorCode::kRetiredKey);
  // The originator's own key id is not the receiver's: kNoKey.
  EXPECT_EQ(error_of([&] { (void)store.open(Role::kOriginator, inv(s2), "com.myapp.secret_rpc"); }), ErrorCode::kNoKey);
}

TEST(PptKeyStoreFile, RotationFromAFile) {
  const std::string id1 = "0x" + std::string(40, '1'), id2 = "0x" + std::string(40, '2');
  const std::string k1 = hex_encode(key_of(1)), k2 = hex_encode(key_of(2));
  const std::string doc = R"([
    {"prefix": "com.app.", "model": "symmetric", "keyid": ")" + id1 + R"(", "key": ")" + k1 + R"(", "status": "grace"},
    {"prefix": "com.app.", "model": "symmetric", "keyid": ")" + id2 + R"(", "key": ")" + k2 + R"("},
    {"prefix": "com.myapp.", "model": "keypair", "originator_priv": ")" + kOriginatorPriv +
                          R"(", "responder_priv": ")" + kResponderPriv + R"(", "status": "current"}
  ])";
  PptKeyStore store = load_ppt_keystore_json(doc);
  EXPECT_EQ(store.size(), 3u);
  PptKeyStore old_sender;
  old_sender.add_symmetric("com.app.", id1, key_of(1));
  const Message pub = sample_publish("com.app.t");
  Message sealed = store.seal(Role::kOriginator, pub);
  EXPECT_EQ(ppt_attributes(sealed.options)->keyid, id2);  // the current one
  EXPECT_NO_THROW(store.open(Role::kResponder, as_event(old_sender.seal(Role::kOriginator, pub)), "com.app.t"));
  // The same file with the old key retired.
  std::string retired = doc;
  retired.replace(retired.find("\"grace\""), 7, "\"retired\"");
  PptKeyStore store2 = load_ppt_keystore_json(retired);
  EXPECT_EQ(error_of([&] { (void)store2.open(Role::kResponder, as_event(old_sender.seal(Role::kOriginator, pub)), "com.app.t"); }),
            ErrorCode::kRetiredKey);
  // The keypair entry interoperates with the KeyRing form.
  std::array<std::uint8_t, kNonceBytes> nonce{};
  EXPECT_TRUE(store.seal_for_testing(Role::kOriginator, sample_call(), "xsalsa20poly1305", std::nullopt, nonce) ==
              ppt_seal_for_testing(sample_ring(), Role::kOriginator, sample_call(), std::nullopt, nonce));
  // Bad documents.
  EXPECT_EQ(error_of([] { (void)load_ppt_keystore_json("{}"); }), ErrorCode::kParseError);
  EXPECT_EQ(error_of([] { (void)load_ppt_keystore_json("[1]"); }), ErrorCode::kParseError);
  EXPECT_EQ(error_of([] { (void)load_ppt_keystore_json(R"([{"prefix": "a", "model": "other"}])"); }), ErrorCode::kParseError);
  EXPECT_EQ(error_of([&] { (void)load_ppt_keystore_json(R"([{"prefix": "a", "model": "symmetric", "keyid": ")" + id1 +
                                                  R"(", "key": ")" + k1 + R"(", "extra": "x"}])"); }),
            ErrorCode::kParseError);
  EXPECT_EQ(error_of([&] { (void)load_ppt_keystore_json(R"([{"prefix": "a", "model": "symmetric", "keyid": "0x12", "key": ")" +
                                                  k1 + R"("}])"); }),
            ErrorCode::kBadKeyId);
  EXPECT_EQ(error_of([&] { (void)load_ppt_keystore_json(R"([{"prefix": "a", "model": "symmetric", "keyid": ")" + id1 +
                                                  R"(", "key": "abcd"}])"); }),
            ErrorCode::kInvalidKey);
  EXPECT_EQ(error_of([&] { (void)load_ppt_keystore_json(R"([{"prefix": "a", "model": "symmetric", "keyid": ")" + id1 +
                                                  R"(", "key": ")" + k1 + R"(", "status": "old"}])"); }),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace wampbox
