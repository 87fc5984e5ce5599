// Payload PassThru Mode: round trips for every serializer/scheme wampbox
// supports, and every validation rule of ppt.h (the spec's tables).
#include "wampbox/ppt.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "wampbox/cbor.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/msgpack.h"

namespace wampbox {
namespace {

constexpr const char* kOriginatorPriv = "6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=";
constexpr const char* kOriginatorPub = "GTtQ37XGJO2O4R8Dvx4AUo8pe61D9evIWpKGQAPdOh0=";
constexpr const char* kResponderPriv = "ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE=";
constexpr const char* kResponderPub = "5Q3rK3UhNZzdviBw9MtbNrrPHR9bsFSGMEtr2H3ZaxQ=";

template <class F>
std::optional<ErrorCode> error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "non-wampbox exception: " << e.what();
  }
  return std::nullopt;
}

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
  EXPECT_EQ(error_of([] { ppt_attributes(Object{{"ppt_serializer", Value("cbor")}}); }), ErrorCode::kProtocolError);
  // non-string values
  EXPECT_EQ(error_of([] { ppt_attributes(Object{{"ppt_scheme", Value(1)}}); }), ErrorCode::kProtocolError);
  EXPECT_EQ(error_of([] { ppt_attributes(Object{{"ppt_scheme", Value()}}); }), ErrorCode::kProtocolError);
  EXPECT_EQ(error_of([] {
              ppt_attributes(Object{{"ppt_scheme", Value("wamp")}, {"ppt_serializer", Value(Array{})}});
            }),
            ErrorCode::kProtocolError);
  // validation applies
  EXPECT_EQ(error_of([] { ppt_attributes(Object{{"ppt_scheme", Value("wamp")}}); }), ErrorCode::kProtocolError);
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
  EXPECT_EQ(error_of([&] { ppt_pack("flatbuffers", args, kwargs); }), ErrorCode::kUnsupportedEncSerializer);
  EXPECT_EQ(error_of([&] { ppt_pack("cbor", Value(1), kwargs); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { ppt_pack("cbor", args, Value(Array{})); }), ErrorCode::kInvalidArgument);
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
  EXPECT_EQ(error_of([&] { ppt_wrap(bad, attrs("mqtt", "native")); }), ErrorCode::kInvalidArgument);
  bad = m;
  bad.kwargs = Value(Object{{"k", Value(1)}});
  EXPECT_EQ(error_of([&] { ppt_wrap(bad, attrs("mqtt", "native")); }), ErrorCode::kInvalidArgument);
}

TEST(PptWrap, EncryptedWithSharedKey) {
  KeyRing ring = sample_ring();
  const Key* key = ring.find("com.myapp.x");
  ASSERT_NE(key, nullptr);
  std::array<std::uint8_t, kNonceBytes> nonce{};
  for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<std::uint8_t>(100 + i);
  const Message plain = sample_call();
  Message w = ppt_wrap(plain, attrs("wamp", "cbor", "xsalsa20poly1305"), &key->shared(Role::kOriginator), &nonce);
  const Bytes& payload = w.args->as_array()[0].as_binary().data;
  Bytes inner = ppt_pack("cbor", *plain.args, *plain.kwargs);
  ASSERT_EQ(payload.size(), kPayloadOverhead + inner.size());
  EXPECT_TRUE(std::equal(nonce.begin(), nonce.end(), payload.begin()));
  // Same construction as cryptobox: crypto_box_easy_afternm with the nonce in front.
  Bytes expected;
  box_seal_append(key->shared(Role::kOriginator), inner, expected, &nonce);
  EXPECT_EQ(payload, expected);
  // Both boxes of a key share the secret, so the responder opens it.
  EXPECT_TRUE(ppt_unwrap(w, &key->shared(Role::kResponder)) == plain);
  EXPECT_EQ(error_of([&] { ppt_unwrap(w); }), ErrorCode::kNoKey);
  Message t = w;
  Bytes tampered = payload;
  tampered.back() ^= 0x80;
  t.args = Value(Array{Value(Binary{tampered})});
  EXPECT_EQ(error_of([&] { ppt_unwrap(t, &key->shared(Role::kResponder)); }), ErrorCode::kDecryptFailed);
  EXPECT_EQ(error_of([&] { ppt_wrap(plain, attrs("wamp", "cbor", "xsalsa20poly1305")); }), ErrorCode::kNoKey);
}

TEST(PptWrap, UnsupportedAndMisuse) {
  const Message plain = sample_call();
  EXPECT_EQ(error_of([&] { ppt_wrap(plain, attrs("wamp", "flatbuffers")); }), ErrorCode::kUnsupportedEncSerializer);
  EXPECT_EQ(error_of([&] { ppt_wrap(plain, attrs("wamp", "cbor", "aes256gcm")); }), ErrorCode::kUnsupportedEncAlgo);
  EXPECT_EQ(error_of([&] { ppt_wrap(plain, attrs("x_c", "json", "x_cipher")); }), ErrorCode::kUnsupportedEncAlgo);
  EXPECT_EQ(error_of([&] { ppt_wrap(plain, attrs("x_c", "x_ser")); }), ErrorCode::kUnsupportedEncSerializer);
  EXPECT_EQ(error_of([&] { ppt_wrap(plain, attrs("wamp", "json")); }), ErrorCode::kProtocolError);
  Message with_payload = plain;
  with_payload.args.reset();
  with_payload.kwargs.reset();
  with_payload.payload = Bytes{1};
  EXPECT_EQ(error_of([&] { ppt_wrap(with_payload, attrs("wamp", "cbor")); }), ErrorCode::kInvalidArgument);

  // Unwrap: structure rules of the spec.
  Message w = ppt_wrap(plain, attrs("wamp", "cbor"));
  auto unwrap_err = [](Message m) { return error_of([&] { ppt_unwrap(m); }); };
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
  Message sealed = ppt_seal(ring, Role::kOriginator, plain, std::nullopt, &nonce);
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

TEST(PptSeal, Errors) {
  KeyRing ring = sample_ring();
  Message plain = sample_call();
  plain.uri = "org.nokey.proc";
  EXPECT_EQ(error_of([&] { ppt_seal(ring, Role::kOriginator, plain); }), ErrorCode::kNoKey);
  Message y;
  y.type = MessageType::kYield;
  EXPECT_EQ(error_of([&] { ppt_seal(ring, Role::kResponder, y); }), ErrorCode::kInvalidArgument);  // no URI

  KeyRing pub_only;
  Key::Parts parts;
  parts.responder_priv = kResponderPriv;
  parts.originator_pub = kOriginatorPub;
  pub_only.set_key("com.myapp.", Key::from_parts(parts));
  EXPECT_EQ(error_of([&] { ppt_seal(pub_only, Role::kOriginator, sample_call()); }), ErrorCode::kMissingRole);

  // A key id that is not this side's key.
  Message sealed = ppt_seal(ring, Role::kOriginator, sample_call());
  for (auto& kv : sealed.options) {
    if (kv.first == "ppt_keyid") kv.second = Value("0x" + std::string(40, '0'));
  }
  EXPECT_EQ(error_of([&] { ppt_open(ring, Role::kResponder, sealed); }), ErrorCode::kNoKey);
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
  EXPECT_EQ(error_of([&] { ppt_open(ring, Role::kOriginator, sealed); }), ErrorCode::kNoKey);
}

}  // namespace
}  // namespace wampbox
