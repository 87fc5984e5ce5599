// Cryptobox key rotation end to end (issue 13 item 3): a rotating keyring
// (KeyRing::add_key) names the current key in enc_key, receivers open with the
// key enc_key names through its grace period and refuse retired keys, payloads
// without enc_key (Autobahn's) are tried with the current and grace keys, and
// set_key prefixes stay exactly Autobahn's (no enc_key). Through seal_message /
// open_message and the frames of every serializer.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "wampbox/cryptobox.h"
#include "wampbox/error.h"
#include "wampbox/keyring.h"
#include "wampbox/message.h"
#include "wampbox/ppt.h"
#include "error_of.h"

namespace wampbox {
namespace {

// One generation of keys: a publisher's and a subscriber's key pair.
struct Generation {
  SecretKey pub_sk = SecretKey::generate();
  SecretKey sub_sk = SecretKey::generate();
  Key publisher_side() const {
    return Key::from_parts({.originator_priv = pub_sk.encode(), .responder_pub = sub_sk.public_key().encode()});
  }
  Key subscriber_side() const {
    return Key::from_parts({.originator_pub = pub_sk.public_key().encode(), .responder_priv = sub_sk.encode()});
  }
  std::string subscriber_id() const { return ppt_key_id(sub_sk.public_key()); }
};

Message publish(const char* text) {
  return Message{.type = MessageType::kPublish, .request = 1, .options = Object{{"acknowledge", Value(true)}},
                 .uri = "com.app.topic", .args = Value(Array{Value(text)}), .kwargs = Value(Object{})};
}

// The EVENT a router forwards for `sealed` (a PUBLISH), through a frame of `ser`.
Message forwarded(const Message& sealed, Serializer ser) {
  const Message received = decode_frame(encode_frame(sealed, ser), ser);
  Object details;
  for (const auto& kv : received.options) {
    if (kv.first.starts_with("enc_")) details.push_back(kv);
  }
  return Message{.type = MessageType::kEvent, .subscription = 7, .publication = 9, .options = details,
                 .payload = received.payload};
}

std::optional<std::string> enc_key_of(const Message& m) {
  for (const auto& [k, v] : m.options) {
    if (k == "enc_key") return v.as_string();
  }
  return std::nullopt;
}

Message without_enc_key(Message m) {
  std::erase_if(m.options, [](const auto& kv) { return kv.first == "enc_key"; });
  return m;
}

TEST(CryptoboxRotation, SenderNamesTheCurrentKeyInAutobahnsPosition) {
  const Generation g1, g2;
  KeyRing ring;
  ring.add_key("com.app.", g1.publisher_side());
  ring.add_key("com.app.", g2.publisher_side());
  const PayloadCodec codec(ring);
  const Message sealed = *seal_message(codec, publish("hi"));
  // Options: acknowledge, then enc_algo, enc_key, enc_serializer (Autobahn's marshal order).
  ASSERT_EQ(sealed.options.size(), 4u);
  EXPECT_EQ(sealed.options[1].first, "enc_algo");
  EXPECT_EQ(sealed.options[2].first, "enc_key");
  EXPECT_EQ(sealed.options[3].first, "enc_serializer");
  EXPECT_EQ(enc_key_of(sealed), g2.subscriber_id());
  EXPECT_EQ(codec.encode(Role::kOriginator, "com.app.topic", Value(Array{}), Value(Object{}))->enc_key,
            g2.subscriber_id());
}

TEST(CryptoboxRotation, SetKeyPrefixSendsNoEncKey) {
  const Generation g;
  KeyRing ring;
  ring.set_key("com.app.", g.publisher_side());
  const PayloadCodec codec(ring);
  EXPECT_EQ(enc_key_of(*seal_message(codec, publish("hi"))), std::nullopt);
  EXPECT_EQ(codec.encode(Role::kOriginator, "com.app.topic", Value(Array{}), Value(Object{}))->enc_key, std::nullopt);
}

TEST(CryptoboxRotation, ReceiverThroughGraceAndRetirementInEverySerializer) {
  const Generation g1, g2;
  KeyRing old_sender, new_sender;
  old_sender.add_key("com.app.", g1.publisher_side());
  new_sender.add_key("com.app.", g1.publisher_side());
  new_sender.add_key("com.app.", g2.publisher_side());
  KeyRing receiver;  // g1 in grace, g2 current
  receiver.add_key("com.app.", g1.subscriber_side());
  receiver.add_key("com.app.", g2.subscriber_side());
  const PayloadCodec old_codec(old_sender), new_codec(new_sender), recv(receiver);
  for (Serializer ser : {Serializer::kJson, Serializer::kMsgPack, Serializer::kCbor}) {
    SCOPED_TRACE(std::string(to_string(ser)));
    const Message old_ev = forwarded(*seal_message(old_codec, publish("old")), ser);
    const Message new_ev = forwarded(*seal_message(new_codec, publish("new")), ser);
    EXPECT_EQ(enc_key_of(old_ev), g1.subscriber_id());
    EXPECT_EQ(enc_key_of(new_ev), g2.subscriber_id());
    EXPECT_EQ(*open_message(recv, new_ev, "com.app.topic").args, Value(Array{Value("new")}));
    EXPECT_EQ(*open_message(recv, old_ev, "com.app.topic").args, Value(Array{Value("old")}));  // grace
    // Without enc_key (what an Autobahn sender sends): current, then grace keys are tried.
    EXPECT_EQ(*open_message(recv, without_enc_key(old_ev), "com.app.topic").args, Value(Array{Value("old")}));
    EXPECT_EQ(*open_message(recv, without_enc_key(new_ev), "com.app.topic").args, Value(Array{Value("new")}));
    // Naming the wrong (but held) key: that key alone is tried, its MAC fails.
    Message swapped = old_ev;
    for (auto& [k, v] : swapped.options) {
      if (k == "enc_key") v = Value(g2.subscriber_id());
    }
    EXPECT_EQ(error_of([&] { (void)open_message(recv, swapped, "com.app.topic"); }), ErrorCode::kDecryptFailed);
  }
  // Retire g1: named payloads are refused with a typed error; unnamed ones fail to open (only g2 is tried).
  receiver.set_status("com.app.", g1.subscriber_id(), KeyStatus::kRetired);
  const Message old_ev = forwarded(*seal_message(old_codec, publish("old")), Serializer::kJson);
  EXPECT_EQ(error_of([&] { (void)open_message(recv, old_ev, "com.app.topic"); }), ErrorCode::kRetiredKey);
  EXPECT_EQ(error_of([&] { (void)open_message(recv, without_enc_key(old_ev), "com.app.topic"); }),
            ErrorCode::kDecryptFailed);
  // A key id the receiver does not hold: no_key; a tampered payload under a named key: decrypt_failed.
  KeyRing stranger_ring;
  stranger_ring.add_key("com.app.", Generation().publisher_side());
  const PayloadCodec stranger(stranger_ring);
  const Message strange = forwarded(*seal_message(stranger, publish("x")), Serializer::kJson);
  EXPECT_EQ(error_of([&] { (void)open_message(recv, strange, "com.app.topic"); }), ErrorCode::kNoKey);
  Message tampered = forwarded(*seal_message(new_codec, publish("new")), Serializer::kJson);
  tampered.payload->back() ^= 1;
  EXPECT_EQ(error_of([&] { (void)open_message(recv, tampered, "com.app.topic"); }), ErrorCode::kDecryptFailed);
  EXPECT_EQ(error_of([&] { (void)open_message(recv, without_enc_key(tampered), "com.app.topic"); }),
            ErrorCode::kDecryptFailed);
}

TEST(CryptoboxRotation, SingleKeyReceiverKeepsAutobahnsLookup) {
  const Generation g;
  KeyRing sender, receiver;
  sender.add_key("com.app.", g.publisher_side());  // a rotating sender, naming its key
  receiver.set_key("com.app.", g.subscriber_side());  // an Autobahn-style receiver with one key
  const PayloadCodec seal_codec(sender), recv(receiver);
  const Message ev = forwarded(*seal_message(seal_codec, publish("hi")), Serializer::kCbor);
  EXPECT_EQ(*open_message(recv, ev, "com.app.topic").args, Value(Array{Value("hi")}));  // it names this key
  // enc_key strings that are not key ids are ignored, as Autobahn ignores every enc_key.
  for (const char* other : {"some-key-id", "", "0x12"}) {
    Message m = ev;
    for (auto& [k, v] : m.options) {
      if (k == "enc_key") v = Value(other);
    }
    EXPECT_EQ(*open_message(recv, m, "com.app.topic").args, Value(Array{Value("hi")})) << other;
  }
}

TEST(CryptoboxRotation, NoCurrentKeyRefusesToSend) {
  const Generation g;
  KeyRing ring;
  ring.add_key("com.app.", g.publisher_side(), KeyStatus::kGrace);
  const PayloadCodec codec(ring);
  EXPECT_EQ(error_of([&] { (void)seal_message(codec, publish("hi")); }), ErrorCode::kNoKey);
  // Other URIs still go in plaintext, as without a key.
  Message other = publish("hi");
  other.uri = "org.other";
  EXPECT_EQ(seal_message(codec, other), std::nullopt);
}

}  // namespace
}  // namespace wampbox
