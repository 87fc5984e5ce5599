// Payload PassThru Mode benchmarks (issue 13, item 6): the PPT sender and
// receiver paths per payload size for both spec ciphers, beside the raw
// cipher they are built on, all in one binary so that ratios are taken side by
// side in one run (docs/performance.md: compare ratios, not absolute times).
// Results and findings: docs/ppt-benchmarks.md.
//
//   Raw/<cipher>/seal|open        the AEAD alone on the inner CBOR bytes
//   PptSeal/<cipher>/<impl>       PptKeyStore::seal of a PUBLISH (pack + seal + attributes)
//   PptOpen/<cipher>/<impl>       PptKeyStore::open of the EVENT (attributes + key id + open + unpack)
//   Cryptobox/seal|open           seal_message/open_message of the same PUBLISH/EVENT (cryptobox, JSON)
// <impl> for aes256gcm: libsodium (AES-NI) or openssl (the wampbox::ppt_ext fallback, forced).
// Payload: args = [one string of N bytes], sizes 64 B, 1 KiB, 64 KiB. Fixed
// nonces are NOT used: the real random-nonce path is measured.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <array>
#include <string>

#include "wampbox/cryptobox.h"
#include "wampbox/keyring.h"
#include "wampbox/message.h"
#include "wampbox/ppt.h"
#include "wampbox/ppt_ext.h"

namespace wampbox {
namespace {

constexpr const char* kOriginatorPriv = "6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=";
constexpr const char* kResponderPriv = "ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE=";

Message Publish(std::size_t n) {
  Message m;
  m.type = MessageType::kPublish;
  m.request = 1;
  m.uri = "com.app.topic";
  m.args = Value(Array{Value(std::string(n, 'x'))});
  m.kwargs = Value(Object{});
  return m;
}

Message AsEvent(Message m) {
  m.type = MessageType::kEvent;
  m.subscription = 1;
  m.publication = 2;
  m.uri.clear();
  return m;
}

PptKeyStore Store(bool fallback) {
  PptKeyStore s(ppt_ext_crypto(fallback));
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
  s.add_symmetric("com.app.", "0x" + std::string(40, 'a'), key);
  return s;
}

void SetBytes(benchmark::State& st, std::size_t n) {
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(n));
}

void BM_Raw(benchmark::State& st, const char* cipher, bool fallback, bool open) {
  const std::size_t n = static_cast<std::size_t>(st.range(0));
  const Message m = Publish(n);
  const Bytes pt = ppt_pack("cbor", *m.args, *m.kwargs);
  const PptCrypto c = ppt_ext_crypto(fallback);
  std::array<std::uint8_t, 32> key{};
  const Bytes sealed = ppt_encrypt(cipher, key, pt, c);
  for (auto _ : st) {
    if (open) {
      benchmark::DoNotOptimize(ppt_decrypt(cipher, key, sealed, c));
    } else {
      benchmark::DoNotOptimize(ppt_encrypt(cipher, key, pt, c));
    }
  }
  SetBytes(st, n);
}

void BM_PptSeal(benchmark::State& st, const char* cipher, bool fallback) {
  const std::size_t n = static_cast<std::size_t>(st.range(0));
  const PptKeyStore s = Store(fallback);
  const Message m = Publish(n);
  for (auto _ : st) benchmark::DoNotOptimize(s.seal(Role::kOriginator, m, cipher));
  SetBytes(st, n);
}

void BM_PptOpen(benchmark::State& st, const char* cipher, bool fallback) {
  const std::size_t n = static_cast<std::size_t>(st.range(0));
  const PptKeyStore s = Store(fallback);
  const Message ev = AsEvent(s.seal(Role::kOriginator, Publish(n), cipher));
  for (auto _ : st) benchmark::DoNotOptimize(s.open(Role::kResponder, ev, "com.app.topic"));
  SetBytes(st, n);
}

KeyRing Ring() {
  KeyRing r;
  Key::Parts p;
  p.originator_priv = kOriginatorPriv;
  p.responder_priv = kResponderPriv;
  r.set_key("com.app.", Key::from_parts(p));
  return r;
}

void BM_CryptoboxSeal(benchmark::State& st) {
  const std::size_t n = static_cast<std::size_t>(st.range(0));
  const KeyRing r = Ring();
  PayloadCodec codec(r);
  const Message m = Publish(n);
  for (auto _ : st) benchmark::DoNotOptimize(seal_message(codec, m));
  SetBytes(st, n);
}

void BM_CryptoboxOpen(benchmark::State& st) {
  const std::size_t n = static_cast<std::size_t>(st.range(0));
  const KeyRing r = Ring();
  PayloadCodec codec(r);
  const Message ev = AsEvent(*seal_message(codec, Publish(n)));
  for (auto _ : st) benchmark::DoNotOptimize(open_message(codec, ev, "com.app.topic"));
  SetBytes(st, n);
}

void Sizes(benchmark::internal::Benchmark* b) { b->Arg(64)->Arg(1024)->Arg(65536); }

BENCHMARK_CAPTURE(BM_Raw, xsalsa20poly1305 / seal, "xsalsa20poly1305", false, false)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_PptSeal, xsalsa20poly1305, "xsalsa20poly1305", false)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Raw, xsalsa20poly1305 / open, "xsalsa20poly1305", false, true)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_PptOpen, xsalsa20poly1305, "xsalsa20poly1305", false)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Raw, aes256gcm / libsodium / seal, "aes256gcm", false, false)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_PptSeal, aes256gcm / libsodium, "aes256gcm", false)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Raw, aes256gcm / libsodium / open, "aes256gcm", false, true)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_PptOpen, aes256gcm / libsodium, "aes256gcm", false)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Raw, aes256gcm / openssl / seal, "aes256gcm", true, false)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_PptSeal, aes256gcm / openssl, "aes256gcm", true)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Raw, aes256gcm / openssl / open, "aes256gcm", true, true)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_PptOpen, aes256gcm / openssl, "aes256gcm", true)->Apply(Sizes);
BENCHMARK(BM_CryptoboxSeal)->Apply(Sizes);
BENCHMARK(BM_CryptoboxOpen)->Apply(Sizes);

}  // namespace
}  // namespace wampbox

BENCHMARK_MAIN();
