// wampbox_bench_backends: crypto_box on every backend (wampbox/backend.h),
// with the AEADs a user might pick instead beside them.
//
//   wampbox_bench_backends [--backends=a,b,...] [--no-refs] [Google Benchmark flags]
//
// Families (n = the suite's crypto sizes: 0, 16, 64, 256 B, 1, 4, 16, 64 KiB, 1 MiB):
//   box/<backend>/seal/<n>     CryptoBackend::seal_afternm (precomputed shared key, as the payload codec)
//   box/<backend>/open/<n>     CryptoBackend::open_afternm
//   box/<backend>/beforenm     CryptoBackend::beforenm (one X25519 + HSalsa20)
//   batch/<impl>/seal/<n>/<B>, batch/<impl>/open/<n>/<B>   (issue 14) B messages of n bytes per
//     iteration, each with its own shared key and nonce; items_per_second = messages/s. <impl>:
//       libsodium            crypto_box_easy_afternm / crypto_box_open_easy_afternm in a loop
//       xsalsa-mb            wampbox/xsalsa_mb.h seal_batch / open_batch, AVX2 lanes (when the CPU has AVX2)
//       xsalsa-mb-scalar     the same API forced onto its fallback (libsodium per message)
//     The goal of issue 14 is xsalsa-mb / libsodium >= 2 at 64 B and 256 B.
//   ref/<cipher>/seal/<n>, ref/<cipher>/open/<n>, ref/xchacha20poly1305-box/beforenm, where <cipher> is
//     aes256gcm-libsodium         crypto_aead_aes256gcm_encrypt_afternm (AES-NI + PCLMUL; skipped without)
//     aes256gcm-openssl           OpenSSL 3 EVP AES-256-GCM, one context re-initialised per message
//     chacha20poly1305-openssl    OpenSSL 3 EVP ChaCha20-Poly1305 (IETF, 96-bit nonce), likewise
//     xchacha20poly1305-box       libsodium crypto_box_curve25519xchacha20poly1305_easy_afternm
//
// Every benchmark checks its output once before timing and reports an error
// instead of a time if it is wrong: a backend's seal must equal libsodium's
// box byte for byte, its open must return the plaintext of libsodium's box and
// refuse a flipped tag, its beforenm must give the NaCl test vector's key;
// each reference cipher must agree with an independent implementation
// (OpenSSL's GCM with libsodium's, OpenSSL's ChaCha20-Poly1305 with
// libsodium's IETF construction, the XChaCha box with crypto_box_curve25519
// xchacha20poly1305_easy) and open its own output. The nonce is a counter,
// not drawn from the CSPRNG: nonce generation is the same for every backend
// (crypto/nonce in wampbox_bench measures it).
//
// Without OpenSSL at configure time the two OpenSSL references are left out.
//
// --backends limits the box/ families to the named backends (scripts/backends.sh
// passes those that passed the corpus); --no-refs drops the ref/ families.
#include <sodium.h>
#if WAMPBOX_BENCH_HAVE_OPENSSL
#include <openssl/crypto.h>
#include <openssl/evp.h>
#endif

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.h"
#include "wampbox/backend.h"
#include "wampbox/backends.h"
#include "wampbox/encoding.h"
#ifdef WAMPBOX_BENCH_HAVE_XSALSA_MB
#include "wampbox/xsalsa_mb.h"
#endif

namespace wampbox::bench {
namespace {

using Key32 = std::array<std::uint8_t, 32>;
using Nonce24 = std::array<std::uint8_t, 24>;

// The classic NaCl box vector (libsodium test/default/box*.c).
constexpr const char* kAliceSk = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr const char* kBobPk = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
constexpr const char* kBeforenm = "1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389";

template <std::size_t N>
std::array<std::uint8_t, N> from_hex(const char* h) {
  const Bytes b = hex_decode(h);
  std::array<std::uint8_t, N> a{};
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> v(n + 1);  // never empty: data() is never null
  v.resize(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return v;
}

// A per-message nonce: a little-endian counter in the first 8 bytes.
template <std::size_t N>
void bump(std::array<std::uint8_t, N>& nonce) {
  for (std::size_t i = 0; i < 8 && ++nonce[i] == 0; ++i) {
  }
}

std::string sz(std::size_t n) { return std::to_string(n); }

// Buffers sized n (+1 so that data() is never null).
Bytes buffer(std::size_t n) {
  Bytes b(n + 1);
  b.resize(n);
  return b;
}

// ---------------------------------------------------------------------------
// Batches (issue 14)

#ifdef WAMPBOX_BENCH_HAVE_XSALSA_MB
enum class BatchImpl { kLibsodium, kMb, kMbScalar };

const char* batch_name(BatchImpl i) {
  switch (i) {
    case BatchImpl::kLibsodium: return "libsodium";
    case BatchImpl::kMb: return "xsalsa-mb";
    case BatchImpl::kMbScalar: return "xsalsa-mb-scalar";
  }
  return "?";
}

// count messages of n bytes, each with its own key and nonce (the nonces are
// bumped every iteration, as in box/); checked against libsodium before timing.
void batch_box(benchmark::State& state, BatchImpl impl, bool open, std::size_t n, std::size_t count) {
  using backends::MbPath;
  std::vector<Key32> keys(count);
  std::vector<Nonce24> nonces(count);
  std::vector<Bytes> msgs, cts, outs;
  for (std::size_t i = 0; i < count; ++i) {
    randombytes_buf(keys[i].data(), keys[i].size());
    randombytes_buf(nonces[i].data(), nonces[i].size());
    msgs.push_back(pattern(n));
    msgs.back()[0] ^= static_cast<std::uint8_t>(i);
    cts.push_back(buffer(n + kMacBytes));
    outs.push_back(buffer(n));
  }
  std::vector<backends::SealJob> seal;
  std::vector<backends::OpenJob> opens;
  for (std::size_t i = 0; i < count; ++i) {
    seal.push_back(backends::SealJob{cts[i], msgs[i], nonces[i], keys[i]});
    opens.push_back(backends::OpenJob{outs[i], cts[i], nonces[i], keys[i]});
  }
  std::unique_ptr<bool[]> ok(new bool[count]);
  const MbPath path = impl == BatchImpl::kMb ? MbPath::kAvx2 : MbPath::kScalar;
  auto run_seal = [&] {
    if (impl == BatchImpl::kLibsodium) {
      for (std::size_t i = 0; i < count; ++i) {
        crypto_box_easy_afternm(cts[i].data(), msgs[i].data(), n, nonces[i].data(), keys[i].data());
      }
    } else {
      backends::seal_batch(seal, path);
    }
  };
  auto run_open = [&] {
    if (impl == BatchImpl::kLibsodium) {
      for (std::size_t i = 0; i < count; ++i) {
        ok[i] = crypto_box_open_easy_afternm(outs[i].data(), cts[i].data(), cts[i].size(), nonces[i].data(),
                                             keys[i].data()) == 0;
      }
    } else {
      backends::open_batch(opens, {ok.get(), count}, path);
    }
  };
  run_seal();
  for (std::size_t i = 0; i < count; ++i) {
    Bytes want = buffer(n + kMacBytes);
    crypto_box_easy_afternm(want.data(), msgs[i].data(), n, nonces[i].data(), keys[i].data());
    if (want != cts[i]) {
      state.SkipWithError((std::string(batch_name(impl)) + ": seal differs from libsodium").c_str());
      return;
    }
  }
  run_open();
  for (std::size_t i = 0; i < count; ++i) {
    if (!ok[i] || outs[i] != msgs[i]) {
      state.SkipWithError((std::string(batch_name(impl)) + ": open did not return the plaintext").c_str());
      return;
    }
  }
  for (auto _ : state) {
    if (open) {
      run_open();
    } else {
      for (Nonce24& nc : nonces) bump(nc);
      run_seal();
    }
    benchmark::DoNotOptimize(cts.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * count * n));
}
#endif

// ---------------------------------------------------------------------------
// Backends

void box_seal(benchmark::State& state, const CryptoBackend* b, std::size_t n) {
  const CryptoBackend& ref = libsodium_backend();
  const Key32 k = from_hex<32>(kBeforenm);
  Nonce24 nonce{};
  const Bytes msg = pattern(n);
  Bytes ct = buffer(n + kMacBytes), want = buffer(n + kMacBytes);
  if (!ref.seal_afternm(want, msg, nonce, k) || !b->seal_afternm(ct, msg, nonce, k) || ct != want) {
    state.SkipWithError((std::string(b->name()) + ": seal_afternm differs from libsodium's box").c_str());
    return;
  }
  bool ok = true;
  auto run = [&] {
    bump(nonce);
    ok = b->seal_afternm(ct, msg, nonce, k);
  };
  const double allocs = allocations_per_call(run);
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(ct.data());
    benchmark::ClobberMemory();
  }
  if (!ok) state.SkipWithError("seal_afternm failed while timing");
  set_counters(state, n, allocs);
}

void box_open(benchmark::State& state, const CryptoBackend* b, std::size_t n) {
  const CryptoBackend& ref = libsodium_backend();
  const Key32 k = from_hex<32>(kBeforenm);
  const Nonce24 nonce{1};
  const Bytes msg = pattern(n);
  Bytes ct = buffer(n + kMacBytes), out = buffer(n);
  if (!ref.seal_afternm(ct, msg, nonce, k) || !b->open_afternm(out, ct, nonce, k) || out != msg) {
    state.SkipWithError((std::string(b->name()) + ": open_afternm did not return the plaintext of libsodium's box").c_str());
    return;
  }
  Bytes bad = ct;
  bad[0] ^= 1;
  if (b->open_afternm(out, bad, nonce, k)) {
    state.SkipWithError((std::string(b->name()) + ": open_afternm accepted a flipped tag").c_str());
    return;
  }
  bool ok = true;
  auto run = [&] { ok = b->open_afternm(out, ct, nonce, k); };
  const double allocs = allocations_per_call(run);
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (!ok) state.SkipWithError("open_afternm failed while timing");
  set_counters(state, n, allocs);
}

void box_beforenm(benchmark::State& state, const CryptoBackend* b) {
  const Key32 sk = from_hex<32>(kAliceSk), pk = from_hex<32>(kBobPk), want = from_hex<32>(kBeforenm);
  Key32 k{};
  if (!b->beforenm(k, pk, sk) || k != want) {
    state.SkipWithError((std::string(b->name()) + ": beforenm differs from the NaCl test vector").c_str());
    return;
  }
  bool ok = true;
  auto run = [&] { ok = b->beforenm(k, pk, sk); };
  const double allocs = allocations_per_call(run, 4);
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(k.data());
    benchmark::ClobberMemory();
  }
  if (!ok) state.SkipWithError("beforenm failed while timing");
  set_counters(state, 0, allocs);
}

// ---------------------------------------------------------------------------
// Reference AEADs: ct || tag(16) for the AEADs, mac(16) || ct for the box.

constexpr std::size_t kTag = 16;

#if WAMPBOX_BENCH_HAVE_OPENSSL
// One OpenSSL AEAD context per direction, keyed once; every message sets a
// new 12-byte IV (EVP_*Init_ex with only the IV), as a long-lived session would.
class EvpAead {
 public:
  EvpAead(const EVP_CIPHER* cipher, const std::uint8_t* key, bool encrypt) : ctx_(EVP_CIPHER_CTX_new()), enc_(encrypt) {
    ok_ = ctx_ != nullptr &&
          (encrypt ? EVP_EncryptInit_ex(ctx_, cipher, nullptr, key, nullptr)
                   : EVP_DecryptInit_ex(ctx_, cipher, nullptr, key, nullptr)) == 1;
  }
  ~EvpAead() { EVP_CIPHER_CTX_free(ctx_); }
  EvpAead(const EvpAead&) = delete;
  EvpAead& operator=(const EvpAead&) = delete;

  // out = ct || tag
  bool seal(std::uint8_t* out, const std::uint8_t* in, std::size_t n, const std::uint8_t* iv) {
    int len = 0, fin = 0;
    return ok_ && enc_ && EVP_EncryptInit_ex(ctx_, nullptr, nullptr, nullptr, iv) == 1 &&
           EVP_EncryptUpdate(ctx_, out, &len, in, static_cast<int>(n)) == 1 &&
           EVP_EncryptFinal_ex(ctx_, out + len, &fin) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, kTag, out + n) == 1;
  }
  // in = ct || tag
  bool open(std::uint8_t* out, const std::uint8_t* in, std::size_t n_with_tag, const std::uint8_t* iv) {
    const std::size_t n = n_with_tag - kTag;
    int len = 0, fin = 0;
    return ok_ && !enc_ && EVP_DecryptInit_ex(ctx_, nullptr, nullptr, nullptr, iv) == 1 &&
           EVP_DecryptUpdate(ctx_, out, &len, in, static_cast<int>(n)) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, kTag, const_cast<std::uint8_t*>(in + n)) == 1 &&
           EVP_DecryptFinal_ex(ctx_, out + len, &fin) == 1;
  }

 private:
  EVP_CIPHER_CTX* ctx_;
  bool enc_;
  bool ok_ = false;
};

#else
// Stand-in so that the code below compiles; the OpenSSL references are not registered.
class EvpAead {
 public:
  bool seal(std::uint8_t*, const std::uint8_t*, std::size_t, const std::uint8_t*) { return false; }
  bool open(std::uint8_t*, const std::uint8_t*, std::size_t, const std::uint8_t*) { return false; }
};
#endif

enum class Ref { kAesGcmSodium, kAesGcmOpenssl, kChachaOpenssl, kXchachaBox };

const char* ref_name(Ref r) {
  switch (r) {
    case Ref::kAesGcmSodium: return "aes256gcm-libsodium";
    case Ref::kAesGcmOpenssl: return "aes256gcm-openssl";
    case Ref::kChachaOpenssl: return "chacha20poly1305-openssl";
    case Ref::kXchachaBox: return "xchacha20poly1305-box";
  }
  return "?";
}

// Everything one reference cipher needs, keyed once.
struct RefCipher {
  Ref which;
  Key32 key{};
  crypto_aead_aes256gcm_state gcm{};  // libsodium's expanded AES key (16-byte aligned type)
  Key32 xk{};                         // crypto_box_curve25519xchacha20poly1305_beforenm
  std::unique_ptr<EvpAead> enc, dec;
  std::string error;

  explicit RefCipher(Ref r) : which(r) {
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(0xA0 + i);
    switch (r) {
      case Ref::kAesGcmSodium:
        if (crypto_aead_aes256gcm_is_available() == 0) {
          error = "crypto_aead_aes256gcm_is_available() == 0 (no AES-NI/PCLMUL on this CPU)";
        } else {
          crypto_aead_aes256gcm_beforenm(&gcm, key.data());
        }
        break;
#if WAMPBOX_BENCH_HAVE_OPENSSL
      case Ref::kAesGcmOpenssl:
        enc = std::make_unique<EvpAead>(EVP_aes_256_gcm(), key.data(), true);
        dec = std::make_unique<EvpAead>(EVP_aes_256_gcm(), key.data(), false);
        break;
      case Ref::kChachaOpenssl:
        enc = std::make_unique<EvpAead>(EVP_chacha20_poly1305(), key.data(), true);
        dec = std::make_unique<EvpAead>(EVP_chacha20_poly1305(), key.data(), false);
        break;
#else
      case Ref::kAesGcmOpenssl:
      case Ref::kChachaOpenssl:
        error = "built without OpenSSL";
        break;
#endif
      case Ref::kXchachaBox: {
        const Key32 sk = from_hex<32>(kAliceSk), pk = from_hex<32>(kBobPk);
        if (crypto_box_curve25519xchacha20poly1305_beforenm(xk.data(), pk.data(), sk.data()) != 0) {
          error = "crypto_box_curve25519xchacha20poly1305_beforenm failed";
        }
        break;
      }
    }
  }

  bool seal(std::uint8_t* out, const Bytes& msg, const Nonce24& nonce) {
    const std::size_t n = msg.size();
    switch (which) {
      case Ref::kAesGcmSodium:
        return crypto_aead_aes256gcm_encrypt_afternm(out, nullptr, msg.data(), n, nullptr, 0, nullptr, nonce.data(),
                                                     &gcm) == 0;
      case Ref::kAesGcmOpenssl:
      case Ref::kChachaOpenssl:
        return enc->seal(out, msg.data(), n, nonce.data());
      case Ref::kXchachaBox:
        return crypto_box_curve25519xchacha20poly1305_easy_afternm(out, msg.data(), n, nonce.data(), xk.data()) == 0;
    }
    return false;
  }
  bool open(std::uint8_t* out, const Bytes& ct, const Nonce24& nonce) {
    switch (which) {
      case Ref::kAesGcmSodium:
        return crypto_aead_aes256gcm_decrypt_afternm(out, nullptr, nullptr, ct.data(), ct.size(), nullptr, 0,
                                                     nonce.data(), &gcm) == 0;
      case Ref::kAesGcmOpenssl:
      case Ref::kChachaOpenssl:
        return dec->open(out, ct.data(), ct.size(), nonce.data());
      case Ref::kXchachaBox:
        return crypto_box_curve25519xchacha20poly1305_open_easy_afternm(out, ct.data(), ct.size(), nonce.data(),
                                                                         xk.data()) == 0;
    }
    return false;
  }

  // The same message through an independent implementation of the same construction.
  std::string cross_check(const Bytes& msg, const Nonce24& nonce, const Bytes& got) {
    Bytes want = buffer(msg.size() + kTag);
    unsigned long long len = 0;
    bool ok = false;
    switch (which) {
      case Ref::kAesGcmSodium: {
#if WAMPBOX_BENCH_HAVE_OPENSSL
        EvpAead o(EVP_aes_256_gcm(), key.data(), true);
        ok = o.seal(want.data(), msg.data(), msg.size(), nonce.data());
        break;
#else
        return "";  // nothing independent to compare with
#endif
      }
      case Ref::kAesGcmOpenssl:
        if (crypto_aead_aes256gcm_is_available() == 0) return "";  // nothing independent to compare with
        ok = crypto_aead_aes256gcm_encrypt(want.data(), &len, msg.data(), msg.size(), nullptr, 0, nullptr,
                                           nonce.data(), key.data()) == 0;
        break;
      case Ref::kChachaOpenssl:
        ok = crypto_aead_chacha20poly1305_ietf_encrypt(want.data(), &len, msg.data(), msg.size(), nullptr, 0, nullptr,
                                                       nonce.data(), key.data()) == 0;
        break;
      case Ref::kXchachaBox: {
        const Key32 sk = from_hex<32>(kAliceSk), pk = from_hex<32>(kBobPk);
        ok = crypto_box_curve25519xchacha20poly1305_easy(want.data(), msg.data(), msg.size(), nonce.data(), pk.data(),
                                                         sk.data()) == 0;
        break;
      }
    }
    if (!ok) return std::string(ref_name(which)) + ": the independent implementation failed";
    if (want != got) return std::string(ref_name(which)) + ": output differs from the independent implementation";
    return "";
  }
};

void ref_seal(benchmark::State& state, Ref r, std::size_t n) {
  RefCipher c(r);
  WAMPBOX_CHECK_OR_SKIP(state, c.error);
  Nonce24 nonce{};
  const Bytes msg = pattern(n);
  Bytes ct = buffer(n + kTag), back = buffer(n);
  if (!c.seal(ct.data(), msg, nonce)) {
    state.SkipWithError("seal failed");
    return;
  }
  WAMPBOX_CHECK_OR_SKIP(state, c.cross_check(msg, nonce, ct));
  if (!c.open(back.data(), ct, nonce) || back != msg) {
    state.SkipWithError("does not open its own output");
    return;
  }
  bool ok = true;
  auto run = [&] {
    bump(nonce);
    ok = c.seal(ct.data(), msg, nonce);
  };
  const double allocs = allocations_per_call(run);
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(ct.data());
    benchmark::ClobberMemory();
  }
  if (!ok) state.SkipWithError("seal failed while timing");
  set_counters(state, n, allocs);
}

void ref_open(benchmark::State& state, Ref r, std::size_t n) {
  RefCipher c(r);
  WAMPBOX_CHECK_OR_SKIP(state, c.error);
  const Nonce24 nonce{1};
  const Bytes msg = pattern(n);
  Bytes ct = buffer(n + kTag), out = buffer(n);
  if (!c.seal(ct.data(), msg, nonce) || !c.open(out.data(), ct, nonce) || out != msg) {
    state.SkipWithError("does not open its own output");
    return;
  }
  WAMPBOX_CHECK_OR_SKIP(state, c.cross_check(msg, nonce, ct));
  Bytes bad = ct;
  bad[r == Ref::kXchachaBox ? 0 : n] ^= 1;  // the tag
  if (c.open(out.data(), bad, nonce)) {
    state.SkipWithError("accepted a flipped tag");
    return;
  }
  bool ok = true;
  auto run = [&] { ok = c.open(out.data(), ct, nonce); };
  const double allocs = allocations_per_call(run);
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (!ok) state.SkipWithError("open failed while timing");
  set_counters(state, n, allocs);
}

void ref_xchacha_beforenm(benchmark::State& state) {
  const Key32 sk = from_hex<32>(kAliceSk), pk = from_hex<32>(kBobPk);
  Key32 k{}, check{};
  // Independent: X25519 by hand, then HChaCha20 with a zero nonce (what libsodium's
  // crypto_box_curve25519xchacha20poly1305_beforenm is defined as).
  std::array<std::uint8_t, 32> s{};
  static constexpr std::uint8_t kZero16[16] = {};
  if (crypto_box_curve25519xchacha20poly1305_beforenm(k.data(), pk.data(), sk.data()) != 0 ||
      crypto_scalarmult(s.data(), sk.data(), pk.data()) != 0 ||
      crypto_core_hchacha20(check.data(), kZero16, s.data(), nullptr) != 0 || k != check) {
    state.SkipWithError("crypto_box_curve25519xchacha20poly1305_beforenm differs from X25519 + HChaCha20");
    return;
  }
  int rc = 0;
  for (auto _ : state) {
    rc = crypto_box_curve25519xchacha20poly1305_beforenm(k.data(), pk.data(), sk.data());
    benchmark::DoNotOptimize(rc);
    benchmark::ClobberMemory();
  }
  set_counters(state, 0, 0);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace
}  // namespace wampbox::bench

int main(int argc, char** argv) {
  using namespace wampbox;
  using namespace wampbox::bench;
  if (sodium_init() < 0) {
    std::fprintf(stderr, "wampbox_bench_backends: sodium_init failed\n");
    return 2;
  }
  register_optional_backends();  // the backends of wampbox::backends, after libsodium
  // Our own flags, removed from argv before Google Benchmark sees it.
  std::vector<const CryptoBackend*> chosen(available_backends().begin(), available_backends().end());
  bool refs = true;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--backends=", 0) == 0) {
      chosen.clear();
      for (const std::string& name : split(a.substr(11))) {
        const CryptoBackend* b = find_backend(name);
        if (b == nullptr) {
          std::fprintf(stderr, "wampbox_bench_backends: backend '%s' is unknown or not built\n", name.c_str());
          return 2;
        }
        chosen.push_back(b);
      }
    } else if (a == "--no-refs") {
      refs = false;
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;

  for (const CryptoBackend* b : chosen) {
    const std::string prefix = "box/" + std::string(b->name()) + "/";
    for (std::size_t n : kCryptoSizes) {
      benchmark::RegisterBenchmark((prefix + "seal/" + sz(n)).c_str(), box_seal, b, n);
      benchmark::RegisterBenchmark((prefix + "open/" + sz(n)).c_str(), box_open, b, n);
    }
    benchmark::RegisterBenchmark((prefix + "beforenm").c_str(), box_beforenm, b);
  }
#ifdef WAMPBOX_BENCH_HAVE_XSALSA_MB
  for (BatchImpl impl : {BatchImpl::kLibsodium, BatchImpl::kMb, BatchImpl::kMbScalar}) {
    for (const bool open : {false, true}) {
      for (std::size_t n : {64, 256}) {
        for (std::size_t count : {8, 64}) {
          const std::string name = std::string("batch/") + batch_name(impl) + (open ? "/open/" : "/seal/") + sz(n) +
                                   "/" + std::to_string(count);
          benchmark::RegisterBenchmark(name.c_str(), batch_box, impl, open, n, count);
        }
      }
    }
  }
#endif
  if (refs) {
#if WAMPBOX_BENCH_HAVE_OPENSSL
    const std::vector<Ref> all = {Ref::kAesGcmSodium, Ref::kAesGcmOpenssl, Ref::kChachaOpenssl, Ref::kXchachaBox};
#else
    const std::vector<Ref> all = {Ref::kAesGcmSodium, Ref::kXchachaBox};
#endif
    for (Ref r : all) {
      const std::string prefix = std::string("ref/") + ref_name(r) + "/";
      for (std::size_t n : kCryptoSizes) {
        benchmark::RegisterBenchmark((prefix + "seal/" + sz(n)).c_str(), ref_seal, r, n);
        benchmark::RegisterBenchmark((prefix + "open/" + sz(n)).c_str(), ref_open, r, n);
      }
    }
    benchmark::RegisterBenchmark("ref/xchacha20poly1305-box/beforenm", ref_xchacha_beforenm);
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("libsodium", sodium_version_string());
#if WAMPBOX_BENCH_HAVE_OPENSSL
  benchmark::AddCustomContext("openssl", OpenSSL_version(OPENSSL_VERSION));
#endif
  benchmark::AddCustomContext("aes256gcm_libsodium_available", crypto_aead_aes256gcm_is_available() ? "yes" : "no");
  for (const CryptoBackend* b : chosen) {
    benchmark::AddCustomContext("backend:" + std::string(b->name()), std::string(b->description()));
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
