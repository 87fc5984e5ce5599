// The consumer test's program (tests/consumer/run_consumer.cmake): two peers
// with fresh keys, a PUBLISH sealed by one (the README's "Using the library"
// example), framed as MessagePack, parsed, and opened by the other as the
// EVENT a router would forward; then a tampered frame must fail to open.
// Exit status 0 and "consumer: ok" on success.
#include <wampbox/error.h>
#include <wampbox/keyring.h>
#include <wampbox/keys.h>
#include <wampbox/message.h>

#include <cstdio>
#include <optional>

using namespace wampbox;

int main() {
  try {
    const SecretKey publisher = SecretKey::generate();
    const SecretKey subscriber = SecretKey::generate();
    KeyRing sender, receiver;
    sender.set_key("com.myapp.", Key::from_parts({.originator_priv = publisher.encode(),
                                                  .responder_pub = subscriber.public_key().encode()}));
    receiver.set_key("com.myapp.", Key::from_parts({.originator_pub = publisher.public_key().encode(),
                                                    .responder_priv = subscriber.encode()}));
    const PayloadCodec seal_codec(sender), open_codec(receiver);

    Message m{.type = MessageType::kPublish, .request = 1, .uri = "com.myapp.hello",
              .args = Value(Array{Value("Counter is at 1")}), .kwargs = Value(Object{})};
    std::optional<Message> sealed = seal_message(seal_codec, m);
    if (!sealed || !sealed->is_encrypted()) {
      std::fprintf(stderr, "consumer: PUBLISH was not sealed\n");
      return 1;
    }
    const Bytes frame = encode_frame(*sealed, Serializer::kMsgPack);
    Message received = decode_frame(frame, Serializer::kMsgPack);

    // The router forwards the payload and enc_* as an EVENT.
    Message event{.type = MessageType::kEvent, .subscription = 7, .publication = 9, .options = received.options,
                  .payload = received.payload};
    Message opened = open_message(open_codec, event, "com.myapp.hello");
    if (!opened.args || *opened.args != *m.args) {
      std::fprintf(stderr, "consumer: opened args differ from the sealed ones\n");
      return 1;
    }

    event.payload->back() ^= 1;  // one ciphertext bit
    try {
      (void)open_message(open_codec, event, "com.myapp.hello");
      std::fprintf(stderr, "consumer: a tampered payload opened\n");
      return 1;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kDecryptFailed) {
        std::fprintf(stderr, "consumer: tampered payload gave %s, not decrypt_failed\n", e.what());
        return 1;
      }
    }
    std::printf("consumer: ok (sealed %zu-byte MessagePack frame, opened, tamper rejected)\n", frame.size());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
}
