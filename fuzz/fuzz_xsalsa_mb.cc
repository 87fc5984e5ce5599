// The multi-buffer backend's batch API (wampbox/xsalsa_mb.h) against
// libsodium. Input: n = 1 + data[0] % 16 messages, then per message
// key (32) || nonce (24) || length (2 bytes, little-endian, cut to what is
// left) || message bytes; missing bytes are zeros. Properties, on the AVX2
// path (when the CPU has it) and the scalar fallback:
//   seal_batch gives crypto_box_easy_afternm's bytes for every message;
//   open_batch of those boxes gives every plaintext back;
//   open_batch with one byte of each box changed (position from the input)
//   or the box cut short refuses every one and leaves its output zeroed.
#include <sodium.h>

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include "fuzz_common.h"
#include "wampbox/xsalsa_mb.h"

namespace {

using namespace wampbox;
using namespace wampbox::backends;

struct Msg {
  std::array<std::uint8_t, kKeyBytes> key{};
  std::array<std::uint8_t, kNonceBytes> nonce{};
  std::vector<std::uint8_t> pt, ct, want, back, bad, badout;
};

void Take(const std::uint8_t*& p, const std::uint8_t* end, std::uint8_t* out, std::size_t n) {
  const std::size_t k = std::min<std::size_t>(n, static_cast<std::size_t>(end - p));
  std::copy_n(p, k, out);
  p += k;
}

void Run(std::vector<Msg>& ms, MbPath path, std::uint8_t salt) {
  std::vector<SealJob> seal;
  for (Msg& m : ms) {
    m.ct.assign(m.pt.size() + kMacBytes, 0xEE);
    seal.push_back(SealJob{m.ct, m.pt, m.nonce, m.key});
  }
  seal_batch(seal, path);
  std::vector<OpenJob> open, bad;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    Msg& m = ms[i];
    fuzz::Check(m.ct == m.want, "seal_batch differs from crypto_box_easy_afternm");
    m.back.assign(m.pt.size(), 0xEE);
    open.push_back(OpenJob{m.back, m.ct, m.nonce, m.key});
    // Every other message is cut short (if it can be), the others get one changed byte.
    m.bad = m.ct;
    if (i % 2 == 1 && m.bad.size() > kMacBytes) {
      m.bad.resize(kMacBytes + (salt + i) % (m.bad.size() - kMacBytes));
    } else {
      m.bad[(salt * 7 + i) % m.bad.size()] ^= static_cast<std::uint8_t>(1 + (salt + i) % 255);
    }
    m.badout.assign(m.bad.size() - kMacBytes, 0xEE);
    bad.push_back(OpenJob{m.badout, m.bad, m.nonce, m.key});
  }
  std::unique_ptr<bool[]> ok(new bool[ms.size()]);
  open_batch(open, {ok.get(), ms.size()}, path);
  for (std::size_t i = 0; i < ms.size(); ++i) {
    fuzz::Check(ok[i] && ms[i].back == ms[i].pt, "open_batch did not return the plaintext");
  }
  open_batch(bad, {ok.get(), ms.size()}, path);
  for (std::size_t i = 0; i < ms.size(); ++i) {
    fuzz::Check(!ok[i], "open_batch accepted a changed or truncated box");
    fuzz::Check(std::all_of(ms[i].badout.begin(), ms[i].badout.end(), [](std::uint8_t b) { return b == 0; }),
                "open_batch left output after a refused box");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (sodium_init() < 0) fuzz::Fail("sodium_init");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t* p = data + 1;
  const std::uint8_t* end = data + size;
  std::vector<Msg> ms(1 + data[0] % 16);
  for (Msg& m : ms) {
    Take(p, end, m.key.data(), m.key.size());
    Take(p, end, m.nonce.data(), m.nonce.size());
    std::uint8_t len[2] = {0, 0};
    Take(p, end, len, 2);
    m.pt.resize(std::min<std::size_t>(len[0] | (len[1] << 8), static_cast<std::size_t>(end - p)));
    Take(p, end, m.pt.data(), m.pt.size());
    m.want.resize(m.pt.size() + kMacBytes);
    crypto_box_easy_afternm(m.want.data(), m.pt.data(), m.pt.size(), m.nonce.data(), m.key.data());
  }
  const std::uint8_t salt = data[size - 1];
  Run(ms, MbPath::kScalar, salt);
  if (xsalsa_mb_has_avx2()) Run(ms, MbPath::kAvx2, salt);
  return 0;
}
