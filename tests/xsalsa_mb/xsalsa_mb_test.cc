// The multi-buffer backend (wampbox/xsalsa_mb.h) against libsodium 1.0.18:
// random batches (different keys, nonces, lengths) sealed and opened by the
// AVX2 lanes and by the scalar fallback must give exactly libsodium's bytes;
// every length 0..1100; every flipped byte and every truncation rejected,
// with the plaintext buffer left zeroed. The corpus's crypto_box layer and
// the edge cases run through tests/unit/backend_test.cc (backend "xsalsa-mb").
//
// WAMPBOX_MB_DIFF_MESSAGES sets the number of random messages of the
// differential test (default 100000, bounded for ctest; scripts/backends.sh
// runs 10^7). WAMPBOX_MB_SEED sets the seed (default: random, printed).
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "wampbox/error.h"
#include "wampbox/xsalsa_mb.h"

namespace wampbox::backends {
namespace {

struct Msg {
  std::array<std::uint8_t, kKeyBytes> key;
  std::array<std::uint8_t, kNonceBytes> nonce;
  std::vector<std::uint8_t> pt, ct, want, back;
};

std::uint64_t seed() {
  static const std::uint64_t s = [] {
    if (sodium_init() < 0) std::abort();
    const char* e = std::getenv("WAMPBOX_MB_SEED");
    std::uint64_t v = e ? std::strtoull(e, nullptr, 10) : randombytes_random() * 4294967296ULL + randombytes_random();
    std::printf("[xsalsa-mb] WAMPBOX_MB_SEED=%llu\n", static_cast<unsigned long long>(v));
    return v;
  }();
  return s;
}

void fill(std::mt19937_64& rng, std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(rng());
}

Msg make(std::mt19937_64& rng, std::size_t len) {
  Msg m;
  fill(rng, m.key.data(), m.key.size());
  fill(rng, m.nonce.data(), m.nonce.size());
  m.pt.resize(len);
  fill(rng, m.pt.data(), len);
  m.ct.assign(len + kMacBytes, 0xAA);
  m.want.resize(len + kMacBytes);
  m.back.assign(len, 0x55);
  EXPECT_EQ(crypto_box_easy_afternm(m.want.data(), m.pt.data(), len, m.nonce.data(), m.key.data()), 0);
  return m;
}

// Seals and opens batch with `path`; every result must be libsodium's.
void check_batch(std::vector<Msg>& batch, MbPath path) {
  std::vector<SealJob> seal;
  for (Msg& m : batch) seal.push_back(SealJob{m.ct, m.pt, m.nonce, m.key});
  seal_batch(seal, path);
  std::vector<OpenJob> open;
  for (Msg& m : batch) {
    ASSERT_EQ(m.ct, m.want) << "seal differs from libsodium at length " << m.pt.size();
    open.push_back(OpenJob{m.back, m.ct, m.nonce, m.key});
  }
  std::unique_ptr<bool[]> ok(new bool[batch.size()]);
  open_batch(open, {ok.get(), batch.size()}, path);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    ASSERT_TRUE(ok[i]) << "open failed at length " << batch[i].pt.size();
    ASSERT_EQ(batch[i].back, batch[i].pt);
  }
}

std::vector<MbPath> paths() {
  std::vector<MbPath> p = {MbPath::kScalar};
  if (xsalsa_mb_has_avx2()) p.push_back(MbPath::kAvx2);
  p.push_back(MbPath::kAuto);  // lanes, and libsodium for a last group of 1-2
  return p;
}

TEST(XsalsaMb, ReportsPath) {
  std::printf("[xsalsa-mb] AVX2 lanes: %s\n", xsalsa_mb_has_avx2() ? "yes" : "no (only the libsodium fallback is tested)");
}

TEST(XsalsaMb, EveryLengthZeroTo1100) {
  std::mt19937_64 rng(seed());
  for (MbPath path : paths()) {
    std::vector<std::size_t> lens(1101);
    for (std::size_t i = 0; i < lens.size(); ++i) lens[i] = i;
    std::shuffle(lens.begin(), lens.end(), rng);
    for (std::size_t at = 0; at < lens.size();) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 19, lens.size() - at);
      std::vector<Msg> batch;
      for (std::size_t i = 0; i < n; ++i) batch.push_back(make(rng, lens[at + i]));
      check_batch(batch, path);
      if (HasFatalFailure()) return;
      at += n;
    }
  }
}

TEST(XsalsaMb, RandomBatchesDifferentialAgainstLibsodium) {
  const char* e = std::getenv("WAMPBOX_MB_DIFF_MESSAGES");
  const std::size_t total = e ? std::strtoull(e, nullptr, 10) : 100000;
  std::mt19937_64 rng(seed() ^ 0x9e3779b97f4a7c15ULL);
  std::size_t done = 0, batches = 0;
  while (done < total) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 24, total - done);
    std::vector<Msg> batch;
    for (std::size_t i = 0; i < n; ++i) {
      // Mostly 0..1100, sometimes a longer one so that lanes of very different length share a group.
      const std::size_t len = rng() % 16 == 0 ? rng() % 5000 : rng() % 1101;
      batch.push_back(make(rng, len));
    }
    check_batch(batch, xsalsa_mb_has_avx2() ? MbPath::kAvx2 : MbPath::kScalar);
    if (HasFatalFailure()) return;
    done += n;
    ++batches;
  }
  std::printf("[xsalsa-mb] %zu random messages in %zu batches equal libsodium (seal and open)\n", done, batches);
}

// Every single-byte change (each position, a random non-zero XOR) and every
// truncation of a valid box is rejected, and the output left all zeros.
TEST(XsalsaMb, EveryFlippedByteAndTruncationRejected) {
  std::mt19937_64 rng(seed() + 1);
  for (MbPath path : paths()) {
    for (std::size_t len : {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 255, 256, 1100}) {
      Msg m = make(rng, len);
      std::vector<std::vector<std::uint8_t>> bad;
      for (std::size_t i = 0; i < m.want.size(); ++i) {
        bad.push_back(m.want);
        bad.back()[i] ^= static_cast<std::uint8_t>(1 + rng() % 255);
      }
      for (std::size_t t = kMacBytes; t < m.want.size(); ++t) bad.emplace_back(m.want.begin(), m.want.begin() + t);
      std::vector<std::vector<std::uint8_t>> outs;
      for (auto& c : bad) outs.emplace_back(c.size() - kMacBytes, 0x77);
      std::vector<OpenJob> jobs;
      for (std::size_t i = 0; i < bad.size(); ++i) jobs.push_back(OpenJob{outs[i], bad[i], m.nonce, m.key});
      std::unique_ptr<bool[]> ok(new bool[jobs.size()]);
      open_batch(jobs, {ok.get(), jobs.size()}, path);
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        ASSERT_FALSE(ok[i]) << "accepted a changed/truncated box, length " << len << " variant " << i;
        ASSERT_TRUE(std::all_of(outs[i].begin(), outs[i].end(), [](std::uint8_t b) { return b == 0; }));
      }
    }
  }
}

TEST(XsalsaMb, MisuseThrowsBeforeWriting) {
  std::array<std::uint8_t, kKeyBytes> k{};
  std::array<std::uint8_t, kNonceBytes> n{};
  std::vector<std::uint8_t> pt(10), ct(25, 0xAB), buf(40);
  const SealJob wrong{ct, pt, n, k};
  EXPECT_THROW(seal_batch({&wrong, 1}), Error);
  EXPECT_TRUE(std::all_of(ct.begin(), ct.end(), [](std::uint8_t b) { return b == 0xAB; }));
  const SealJob overlap{std::span(buf).subspan(0, 26), std::span<const std::uint8_t>(buf).subspan(5, 10), n, k};
  EXPECT_THROW(seal_batch({&overlap, 1}), Error);
  std::vector<std::uint8_t> shortct(15), out(0);
  const OpenJob tooshort{out, shortct, n, k};
  bool ok = true;
  EXPECT_THROW(open_batch({&tooshort, 1}, {&ok, 1}), Error);
  const OpenJob fine{out, std::span<const std::uint8_t>(shortct.data(), 0), n, k};
  EXPECT_THROW(open_batch({&fine, 1}, {}), Error);  // ok.size() != jobs.size()
}

}  // namespace
}  // namespace wampbox::backends
