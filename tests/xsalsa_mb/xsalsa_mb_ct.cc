// Constant-time check of the multi-buffer backend, ctgrind style: run under
// valgrind memcheck (tests/CMakeLists.txt, test xsalsa_mb_ctgrind), with the
// shared keys, nonces and plaintexts (and, for open, the ciphertexts and tags)
// marked undefined. Memcheck then reports every conditional jump, and every
// memory index, that depends on them; the test requires none.
//
//   xsalsa_mb_ct [--path=avx2|scalar] [--leak]
// --leak branches on a secret byte on purpose: the negative control
// (test xsalsa_mb_ctgrind_detects_leak) shows that memcheck does report one.
// Outside valgrind the client requests do nothing. Exit 0 when every result
// equals libsodium's (checked after the secrets are declared defined again).
#include <sodium.h>
#include <valgrind/memcheck.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "wampbox/xsalsa_mb.h"

using namespace wampbox;
using namespace wampbox::backends;

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 2;
  MbPath path = MbPath::kAvx2;
  bool leak = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--path=scalar") path = MbPath::kScalar;
    else if (a == "--path=avx2") path = MbPath::kAvx2;
    else if (a == "--leak") leak = true;
    else return 2;
  }
  // 11 messages: a full group of 8 and a partial one, lengths across block edges.
  const std::size_t lens[] = {0, 1, 16, 31, 32, 64, 100, 255, 256, 300, 1100};
  constexpr std::size_t kN = sizeof lens / sizeof lens[0];
  std::vector<std::array<std::uint8_t, kKeyBytes>> keys(kN);
  std::vector<std::array<std::uint8_t, kNonceBytes>> nonces(kN);
  std::vector<std::vector<std::uint8_t>> pt(kN), ct(kN), want(kN), back(kN), bad(kN), badout(kN);
  for (std::size_t i = 0; i < kN; ++i) {
    randombytes_buf(keys[i].data(), kKeyBytes);
    randombytes_buf(nonces[i].data(), kNonceBytes);
    pt[i].resize(lens[i]);
    randombytes_buf(pt[i].data(), lens[i]);
    ct[i].resize(lens[i] + kMacBytes);
    want[i].resize(lens[i] + kMacBytes);
    back[i].resize(lens[i]);
    badout[i].resize(lens[i]);
    crypto_box_easy_afternm(want[i].data(), pt[i].data(), lens[i], nonces[i].data(), keys[i].data());
    bad[i] = want[i];
    bad[i][i % bad[i].size()] ^= 1;  // one changed byte: tag or body
  }
  auto secret = [&](bool on) {
    for (std::size_t i = 0; i < kN; ++i) {
      if (on) {
        VALGRIND_MAKE_MEM_UNDEFINED(keys[i].data(), kKeyBytes);
        VALGRIND_MAKE_MEM_UNDEFINED(nonces[i].data(), kNonceBytes);
        VALGRIND_MAKE_MEM_UNDEFINED(pt[i].data(), pt[i].size());
        VALGRIND_MAKE_MEM_UNDEFINED(bad[i].data(), bad[i].size());
      } else {
        VALGRIND_MAKE_MEM_DEFINED(keys[i].data(), kKeyBytes);
        VALGRIND_MAKE_MEM_DEFINED(nonces[i].data(), kNonceBytes);
        VALGRIND_MAKE_MEM_DEFINED(pt[i].data(), pt[i].size());
        VALGRIND_MAKE_MEM_DEFINED(bad[i].data(), bad[i].size());
        VALGRIND_MAKE_MEM_DEFINED(ct[i].data(), ct[i].size());
        VALGRIND_MAKE_MEM_DEFINED(back[i].data(), back[i].size());
        VALGRIND_MAKE_MEM_DEFINED(badout[i].data(), badout[i].size());
      }
    }
  };
  secret(true);
  if (leak && keys[0][0] == 42) std::puts("");  // the deliberate secret-dependent branch
  std::vector<SealJob> sj;
  for (std::size_t i = 0; i < kN; ++i) sj.push_back(SealJob{ct[i], pt[i], nonces[i], keys[i]});
  seal_batch(sj, path);
  // Open the boxes just sealed (their bytes derive from the secrets, so they
  // are undefined too) and the tampered ones.
  std::vector<OpenJob> oj, bj;
  for (std::size_t i = 0; i < kN; ++i) {
    oj.push_back(OpenJob{back[i], ct[i], nonces[i], keys[i]});
    bj.push_back(OpenJob{badout[i], bad[i], nonces[i], keys[i]});
  }
  bool ok[kN], okbad[kN];
  open_batch(oj, {ok, kN}, path);
  open_batch(bj, {okbad, kN}, path);
  VALGRIND_MAKE_MEM_DEFINED(ok, sizeof ok);  // the verdicts are public
  VALGRIND_MAKE_MEM_DEFINED(okbad, sizeof okbad);
  secret(false);
  int fails = 0;
  for (std::size_t i = 0; i < kN; ++i) {
    if (ct[i] != want[i]) ++fails, std::printf("seal differs at length %zu\n", lens[i]);
    if (!ok[i] || back[i] != pt[i]) ++fails, std::printf("open failed at length %zu\n", lens[i]);
    if (okbad[i]) ++fails, std::printf("tampered box accepted at length %zu\n", lens[i]);
    for (std::uint8_t b : badout[i]) fails += b != 0;
  }
  std::printf("xsalsa_mb_ct: %zu messages, path %s, %d failures\n", kN,
              path == MbPath::kScalar ? "scalar" : (xsalsa_mb_has_avx2() ? "avx2" : "scalar (no AVX2)"), fails);
  return fails == 0 ? 0 : 1;
}
