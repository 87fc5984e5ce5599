// The consumer test's program for the optional component ppt_ext
// (find_package(wampbox COMPONENTS ppt_ext), tests/consumer/run_consumer.cmake):
// an EIP-55 key id (the first example of EIP-55 itself) and a PPT PUBLISH
// sealed with AES-256-GCM forced onto the OpenSSL fallback, opened as the
// EVENT a router forwards; then a tampered payload must fail to open.
// Exit status 0 and "consumer ppt_ext: ok" on success.
#include <wampbox/error.h>
#include <wampbox/ppt.h>
#include <wampbox/ppt_ext.h>

#include <array>
#include <cstdio>
#include <string>

using namespace wampbox;

int main() {
  try {
    const PptCrypto crypto = ppt_ext_crypto(/*force_fallback=*/true);
    const std::string eip = eip55_checksum("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", crypto.keccak256);
    if (eip != "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") {
      std::fprintf(stderr, "consumer ppt_ext: EIP-55 gave %s\n", eip.c_str());
      return 1;
    }
    std::array<std::uint8_t, 32> key{};
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i * 7);
    PptKeyStore store(crypto);
    store.add_symmetric("com.myapp.", eip, key);
    Message m{.type = MessageType::kPublish, .request = 1, .uri = "com.myapp.hello",
              .args = Value(Array{Value("Counter is at 1")}), .kwargs = Value(Object{})};
    Message sealed = store.seal(Role::kOriginator, m, kPptCipherAes256Gcm);
    Message event{.type = MessageType::kEvent, .subscription = 7, .publication = 9, .options = sealed.options,
                  .args = sealed.args};
    Message opened = store.open(Role::kResponder, event, "com.myapp.hello");
    if (!opened.args || *opened.args != *m.args) {
      std::fprintf(stderr, "consumer ppt_ext: opened args differ from the sealed ones\n");
      return 1;
    }
    event.args->as_array()[0] = Value(Binary{[&] {
      Bytes b = sealed.args->as_array()[0].as_binary().data;
      b.back() ^= 1;
      return b;
    }()});
    try {
      (void)store.open(Role::kResponder, event, "com.myapp.hello");
      std::fprintf(stderr, "consumer ppt_ext: a tampered payload opened\n");
      return 1;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kDecryptFailed) throw;
    }
    std::printf("consumer ppt_ext: ok (EIP-55 id, AES-256-GCM on OpenSSL sealed and opened, tamper rejected)\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer ppt_ext: %s\n", e.what());
    return 1;
  }
}
