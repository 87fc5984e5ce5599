// crypto/*: libsodium primitives as WAMP-cryptobox uses them, and wampbox's
// wrappers of them (keys.h), sealing and opening separately.
//
//   crypto/nonce                       randombytes_buf(24): the per-message nonce
//   crypto/seal/afternm/<n>            nonce + crypto_box_easy_afternm (precomputed key)
//   crypto/seal/easy/<n>               nonce + crypto_box_easy (X25519 + HSalsa20 every message)
//   crypto/seal/wampbox/<n>            box_seal_append (same work, wampbox API)
//   crypto/open/{afternm,easy,wampbox}/<n>
//   crypto/beforenm, crypto/beforenm/wampbox   one key agreement (SharedKey::derive)
//   crypto/keygen, crypto/keygen/wampbox       crypto_box_keypair / SecretKey::generate + public_key
#include <sodium.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "bench_util.h"
#include "wampbox/encoding.h"
#include "wampbox/keys.h"

namespace wampbox::bench {
namespace {

// The classic NaCl box vector (libsodium test/default/box*.c).
constexpr const char* kAliceSk = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr const char* kBobPk = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
constexpr const char* kBeforenm = "1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389";

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> v(n + 1);  // never empty: data() is never null
  v.resize(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return v;
}

std::string sz(std::size_t n) { return std::to_string(n); }

struct Pair {
  std::array<unsigned char, crypto_box_PUBLICKEYBYTES> pk;
  std::array<unsigned char, crypto_box_SECRETKEYBYTES> sk;
  Pair() { crypto_box_keypair(pk.data(), sk.data()); }
};

void seal_afternm(benchmark::State& state, std::size_t n) {
  RawSeal k(n);
  WAMPBOX_CHECK_OR_SKIP(state, k.check());
  const double allocs = allocations_per_call([&] { k.run(); });
  for (auto _ : state) {
    k.run();
    benchmark::ClobberMemory();
  }
  set_counters(state, n, allocs);
}

void open_afternm(benchmark::State& state, std::size_t n) {
  RawOpen k(n);
  WAMPBOX_CHECK_OR_SKIP(state, k.check());
  const double allocs = allocations_per_call([&] { k.run(); });
  for (auto _ : state) {
    k.run();
    benchmark::ClobberMemory();
  }
  set_counters(state, n, allocs);
}

void seal_easy(benchmark::State& state, std::size_t n) {
  Pair alice, bob;
  const auto plain = pattern(n);
  std::vector<std::uint8_t> boxed(n + crypto_box_NONCEBYTES + crypto_box_MACBYTES);
  int rc = 0;
  auto run = [&] {
    randombytes_buf(boxed.data(), crypto_box_NONCEBYTES);
    rc = crypto_box_easy(boxed.data() + crypto_box_NONCEBYTES, plain.data(), n, boxed.data(), bob.pk.data(),
                         alice.sk.data());
  };
  run();
  std::vector<std::uint8_t> back(n + 1);
  if (rc != 0 ||
      crypto_box_open_easy(back.data(), boxed.data() + crypto_box_NONCEBYTES, n + crypto_box_MACBYTES, boxed.data(),
                           alice.pk.data(), bob.sk.data()) != 0 ||
      std::memcmp(back.data(), plain.data(), n) != 0) {
    state.SkipWithError("crypto_box_easy output does not open to the plaintext");
    return;
  }
  const double allocs = allocations_per_call(run, 4);
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(rc);
    benchmark::ClobberMemory();
  }
  set_counters(state, n, allocs);
}

void open_easy(benchmark::State& state, std::size_t n) {
  Pair alice, bob;
  const auto plain = pattern(n);
  std::vector<std::uint8_t> boxed(n + crypto_box_NONCEBYTES + crypto_box_MACBYTES), out(n + 1);
  randombytes_buf(boxed.data(), crypto_box_NONCEBYTES);
  int rc = crypto_box_easy(boxed.data() + crypto_box_NONCEBYTES, plain.data(), n, boxed.data(), bob.pk.data(),
                           alice.sk.data());
  auto run = [&] {
    rc = crypto_box_open_easy(out.data(), boxed.data() + crypto_box_NONCEBYTES, n + crypto_box_MACBYTES, boxed.data(),
                              alice.pk.data(), bob.sk.data());
  };
  if (rc == 0) run();
  if (rc != 0 || std::memcmp(out.data(), plain.data(), n) != 0) {
    state.SkipWithError("crypto_box_open_easy did not return the plaintext");
    return;
  }
  const double allocs = allocations_per_call(run, 4);
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(rc);
    benchmark::ClobberMemory();
  }
  set_counters(state, n, allocs);
}

void seal_wampbox(benchmark::State& state, std::size_t n) {
  const auto plain = pattern(n);
  const SharedKey key = SharedKey::from_bytes(std::span<const std::uint8_t, kKeyBytes>(fixture().shared_key));
  Bytes out;
  auto run = [&] {
    out.clear();
    box_seal_append(key, plain, out);
  };
  try {
    run();
    Bytes back;
    box_open_into(key, out, back);
    if (back != plain || out.size() != n + kPayloadOverhead) {
      state.SkipWithError("box_seal_append output does not open to the plaintext");
      return;
    }
  } catch (const std::exception& ex) {
    state.SkipWithError(ex.what());
    return;
  }
  const double allocs = allocations_per_call(run);
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, n, allocs);
}

void open_wampbox(benchmark::State& state, std::size_t n) {
  const auto plain = pattern(n);
  const SharedKey key = SharedKey::from_bytes(std::span<const std::uint8_t, kKeyBytes>(fixture().shared_key));
  Bytes boxed, out;
  auto run = [&] { box_open_into(key, boxed, out); };
  try {
    box_seal_append(key, plain, boxed);
    run();
    if (out != plain) {
      state.SkipWithError("box_open_into did not return the plaintext");
      return;
    }
  } catch (const std::exception& ex) {
    state.SkipWithError(ex.what());
    return;
  }
  const double allocs = allocations_per_call(run);
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, n, allocs);
}

void nonce(benchmark::State& state) {
  std::array<std::uint8_t, crypto_box_NONCEBYTES> n{}, prev{};
  randombytes_buf(prev.data(), prev.size());
  randombytes_buf(n.data(), n.size());
  if (n == prev) {
    state.SkipWithError("randombytes_buf returned the same nonce twice");
    return;
  }
  const double allocs = allocations_per_call([&] { randombytes_buf(n.data(), n.size()); });
  for (auto _ : state) {
    randombytes_buf(n.data(), n.size());
    benchmark::ClobberMemory();
  }
  set_counters(state, crypto_box_NONCEBYTES, allocs);
}

void beforenm(benchmark::State& state) {
  const Bytes sk = hex_decode(kAliceSk), pk = hex_decode(kBobPk), want = hex_decode(kBeforenm);
  std::array<std::uint8_t, crypto_box_BEFORENMBYTES> k{};
  if (crypto_box_beforenm(k.data(), pk.data(), sk.data()) != 0 || !std::equal(k.begin(), k.end(), want.begin())) {
    state.SkipWithError("crypto_box_beforenm differs from the NaCl test vector");
    return;
  }
  int rc = 0;
  for (auto _ : state) {
    rc = crypto_box_beforenm(k.data(), pk.data(), sk.data());
    benchmark::DoNotOptimize(rc);
    benchmark::ClobberMemory();
  }
  set_counters(state, 0, 0);
}

void beforenm_wampbox(benchmark::State& state) {
  const SecretKey sk = SecretKey::parse(kAliceSk);
  const PublicKey pk = PublicKey::parse(kBobPk);
  const Bytes want = hex_decode(kBeforenm);
  try {
    const SharedKey k = SharedKey::derive(pk, sk);
    if (!std::equal(k.bytes().begin(), k.bytes().end(), want.begin())) {
      state.SkipWithError("SharedKey::derive differs from the NaCl test vector");
      return;
    }
  } catch (const std::exception& ex) {
    state.SkipWithError(ex.what());
    return;
  }
  const double allocs = allocations_per_call([&] { benchmark::DoNotOptimize(SharedKey::derive(pk, sk)); }, 2);
  for (auto _ : state) {
    SharedKey k = SharedKey::derive(pk, sk);
    benchmark::DoNotOptimize(k);
  }
  set_counters(state, 0, allocs);
}

void keygen(benchmark::State& state) {
  Pair p;
  std::array<unsigned char, crypto_box_PUBLICKEYBYTES> check{};
  crypto_scalarmult_base(check.data(), p.sk.data());
  if (check != p.pk) {
    state.SkipWithError("crypto_box_keypair: public key is not the base-point multiple of the secret key");
    return;
  }
  for (auto _ : state) {
    crypto_box_keypair(p.pk.data(), p.sk.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, 0, 0);
}

void keygen_wampbox(benchmark::State& state) {
  {
    const SecretKey sk = SecretKey::generate();
    std::array<unsigned char, crypto_box_PUBLICKEYBYTES> check{};
    crypto_scalarmult_base(check.data(), sk.bytes().data());
    if (!std::equal(check.begin(), check.end(), sk.public_key().bytes.begin())) {
      state.SkipWithError("SecretKey::public_key is not the base-point multiple of the secret key");
      return;
    }
  }
  const double allocs = allocations_per_call([] { benchmark::DoNotOptimize(SecretKey::generate().public_key()); }, 2);
  for (auto _ : state) {
    const SecretKey sk = SecretKey::generate();
    PublicKey pk = sk.public_key();
    benchmark::DoNotOptimize(pk);
  }
  set_counters(state, 0, allocs);
}

}  // namespace

void register_crypto_benchmarks() {
  benchmark::RegisterBenchmark("crypto/nonce", nonce);
  for (std::size_t n : kCryptoSizes) {
    benchmark::RegisterBenchmark(("crypto/seal/afternm/" + sz(n)).c_str(), seal_afternm, n);
    benchmark::RegisterBenchmark(("crypto/seal/easy/" + sz(n)).c_str(), seal_easy, n);
    benchmark::RegisterBenchmark(("crypto/seal/wampbox/" + sz(n)).c_str(), seal_wampbox, n);
    benchmark::RegisterBenchmark(("crypto/open/afternm/" + sz(n)).c_str(), open_afternm, n);
    benchmark::RegisterBenchmark(("crypto/open/easy/" + sz(n)).c_str(), open_easy, n);
    benchmark::RegisterBenchmark(("crypto/open/wampbox/" + sz(n)).c_str(), open_wampbox, n);
  }
  benchmark::RegisterBenchmark("crypto/beforenm", beforenm);
  benchmark::RegisterBenchmark("crypto/beforenm/wampbox", beforenm_wampbox);
  benchmark::RegisterBenchmark("crypto/keygen", keygen);
  benchmark::RegisterBenchmark("crypto/keygen/wampbox", keygen_wampbox);
}

}  // namespace wampbox::bench
