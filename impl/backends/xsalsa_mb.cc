// Backend "xsalsa-mb" (wampbox/xsalsa_mb.h): multi-buffer XSalsa20-Poly1305.
//
// Why hand-written: no library in Debian seals several independent
// crypto_box messages at once, and for short messages libsodium's per-message
// set-up (a scalar HSalsa20, a Salsa20 block for the Poly1305 key, the
// Poly1305 state) costs more than the bytes. Interleaving 8 messages puts that
// set-up in SIMD lanes. Measured in one run (bench/bench_backends.cc, see
// docs/backends.md "Multi-buffer backend" for the command and the latest
// figures): the batch of 8 seals 64 B and 256 B messages at a multiple of
// libsodium 1.0.18's crypto_box_easy_afternm rate on this project's AVX2 VM.
//
// Layout:
//  - HSalsa20 and Salsa20: 16 __m256i, word i of the state of 8 messages in
//    the 8 x 32-bit lanes; an 8x8 transpose turns them into 8 keystream blocks.
//  - Poly1305: 5 x 26-bit limbs, 4 messages in the 4 x 64-bit lanes
//    (_mm256_mul_epu32); one block per message per step (no r^n powers: the
//    messages this is for are short, and lanes of different length simply
//    keep their accumulator once their blocks run out).
//  - Lengths are public; nothing branches on or indexes by the key, nonce,
//    plaintext, keystream, tag or tag validity (tests/unit/xsalsa_mb_ct.cc
//    checks this under valgrind memcheck).
#include "wampbox/xsalsa_mb.h"

#include <immintrin.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "backends_internal.h"
#include "wampbox/error.h"

namespace wampbox::backends {
namespace {

constexpr std::uint32_t kSigma[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};  // "expand 32-byte k"
constexpr int kLanes = 8;

std::uint32_t load32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // little-endian host (x86-64: the only place the AVX2 path runs)
}
std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

bool overlaps(const void* a, std::size_t an, const void* b, std::size_t bn) {
  if (an == 0 || bn == 0) return false;
  const auto x = reinterpret_cast<std::uintptr_t>(a), y = reinterpret_cast<std::uintptr_t>(b);
  return x < y + bn && y < x + an;
}

// One message of a group of up to 8, in the shape shared by seal and open:
// out[i] = in[i] ^ keystream[32 + i] for i < len; Poly1305 over `auth`
// (the ciphertext: out when sealing, in when opening).
struct Lane {
  std::uint8_t* out;
  const std::uint8_t* in;
  std::size_t len;
  const std::uint8_t* auth;
  const std::uint8_t* nonce;
  const std::uint8_t* key;
  std::uint8_t tag[16];
};

#define WAMPBOX_AVX2 __attribute__((target("avx2")))

WAMPBOX_AVX2 inline __m256i rotl(__m256i x, int n) {
  return _mm256_or_si256(_mm256_slli_epi32(x, n), _mm256_srli_epi32(x, 32 - n));
}

// 20 Salsa20 rounds on x[16] (no feed-forward).
WAMPBOX_AVX2 inline void salsa_rounds(__m256i* x) {
#define QR(a, b, c, d)                                        \
  x[b] = _mm256_xor_si256(x[b], rotl(_mm256_add_epi32(x[a], x[d]), 7));  \
  x[c] = _mm256_xor_si256(x[c], rotl(_mm256_add_epi32(x[b], x[a]), 9));  \
  x[d] = _mm256_xor_si256(x[d], rotl(_mm256_add_epi32(x[c], x[b]), 13)); \
  x[a] = _mm256_xor_si256(x[a], rotl(_mm256_add_epi32(x[d], x[c]), 18));
  for (int i = 0; i < 10; ++i) {
    QR(0, 4, 8, 12) QR(5, 9, 13, 1) QR(10, 14, 2, 6) QR(15, 3, 7, 11)
    QR(0, 1, 2, 3) QR(5, 6, 7, 4) QR(10, 11, 8, 9) QR(15, 12, 13, 14)
  }
#undef QR
}

// a[0..7]: word w of lanes 0..7 -> r[L]: words 0..7 of lane L.
WAMPBOX_AVX2 inline void transpose8(const __m256i* a, __m256i* r) {
  __m256i t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_epi32(a[i], a[i + 1]);
    t[i + 1] = _mm256_unpackhi_epi32(a[i], a[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);
    u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
    u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
    u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x31);
  }
}

// out[i] = in[i] ^ ks[i - start] for the message bytes of [start, start + 64).
WAMPBOX_AVX2 inline void xor_block(const Lane& l, std::ptrdiff_t start, const std::uint8_t* ks) {
  const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(start, 0);
  const std::ptrdiff_t hi = std::min<std::ptrdiff_t>(start + 64, static_cast<std::ptrdiff_t>(l.len));
  if (lo == start && hi == start + 64) {
    for (int k = 0; k < 64; k += 32) {
      const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(l.in + start + k));
      const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ks + k));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(l.out + start + k), _mm256_xor_si256(m, s));
    }
    return;
  }
  for (std::ptrdiff_t i = lo; i < hi; ++i) l.out[i] = l.in[i] ^ ks[i - start];
}

// The 26-bit limbs of a 16-byte little-endian block.
inline void limbs(const std::uint8_t* b, std::uint64_t hibit, std::uint64_t* m, int lane) {
  const std::uint64_t lo = load64(b), hi = load64(b + 8);
  m[0 * 4 + lane] = lo & 0x3ffffff;
  m[1 * 4 + lane] = (lo >> 26) & 0x3ffffff;
  m[2 * 4 + lane] = ((lo >> 52) | (hi << 12)) & 0x3ffffff;
  m[3 * 4 + lane] = (hi >> 14) & 0x3ffffff;
  m[4 * 4 + lane] = (hi >> 40) | hibit;
}

// Poly1305 of lanes[0..n) (n <= 4), 4 x 64-bit lanes; keys[lane] is the
// 32-byte one-time key. Writes lanes[i].tag.
WAMPBOX_AVX2 void poly1305_x4(Lane* lanes, int n, const std::uint8_t (*keys)[64]) {
  alignas(32) std::uint64_t r[5 * 4] = {}, m[5 * 4], act[4];
  std::size_t blocks[4] = {0, 0, 0, 0}, max_blocks = 0;
  for (int i = 0; i < n; ++i) {
    std::uint8_t rk[16];
    const std::uint64_t lo = load64(keys[i]) & 0x0ffffffc0fffffffULL, hi = load64(keys[i] + 8) & 0x0ffffffc0ffffffcULL;
    std::memcpy(rk, &lo, 8);
    std::memcpy(rk + 8, &hi, 8);
    limbs(rk, 0, r, i);
    sodium_memzero(rk, sizeof rk);
    blocks[i] = (lanes[i].len + 15) / 16;
    max_blocks = std::max(max_blocks, blocks[i]);
  }
  const __m256i mask26 = _mm256_set1_epi64x(0x3ffffff);
  __m256i rv[5], sv[5], h[5];
  for (int k = 0; k < 5; ++k) {
    rv[k] = _mm256_load_si256(reinterpret_cast<const __m256i*>(r + 4 * k));
    sv[k] = _mm256_add_epi64(rv[k], _mm256_slli_epi64(rv[k], 2));  // 5 r
    h[k] = _mm256_setzero_si256();
  }
  for (std::size_t b = 0; b < max_blocks; ++b) {
    for (int i = 0; i < 4; ++i) {
      if (i < n && b < blocks[i]) {
        const std::size_t off = 16 * b, left = lanes[i].len - off;
        act[i] = ~0ULL;
        if (left >= 16) {
          limbs(lanes[i].auth + off, 1ULL << 24, m, i);
        } else {
          std::uint8_t pad[16] = {};
          std::memcpy(pad, lanes[i].auth + off, left);
          pad[left] = 1;
          limbs(pad, 0, m, i);
          sodium_memzero(pad, sizeof pad);
        }
      } else {
        act[i] = 0;
        for (int k = 0; k < 5; ++k) m[4 * k + i] = 0;
      }
    }
    const __m256i a = _mm256_load_si256(reinterpret_cast<const __m256i*>(act));
    __m256i x[5];
    for (int k = 0; k < 5; ++k) x[k] = _mm256_add_epi64(h[k], _mm256_load_si256(reinterpret_cast<const __m256i*>(m + 4 * k)));
#define MUL(p, q) _mm256_mul_epu32(p, q)
    __m256i d0 = _mm256_add_epi64(_mm256_add_epi64(MUL(x[0], rv[0]), MUL(x[1], sv[4])),
                                  _mm256_add_epi64(_mm256_add_epi64(MUL(x[2], sv[3]), MUL(x[3], sv[2])), MUL(x[4], sv[1])));
    __m256i d1 = _mm256_add_epi64(_mm256_add_epi64(MUL(x[0], rv[1]), MUL(x[1], rv[0])),
                                  _mm256_add_epi64(_mm256_add_epi64(MUL(x[2], sv[4]), MUL(x[3], sv[3])), MUL(x[4], sv[2])));
    __m256i d2 = _mm256_add_epi64(_mm256_add_epi64(MUL(x[0], rv[2]), MUL(x[1], rv[1])),
                                  _mm256_add_epi64(_mm256_add_epi64(MUL(x[2], rv[0]), MUL(x[3], sv[4])), MUL(x[4], sv[3])));
    __m256i d3 = _mm256_add_epi64(_mm256_add_epi64(MUL(x[0], rv[3]), MUL(x[1], rv[2])),
                                  _mm256_add_epi64(_mm256_add_epi64(MUL(x[2], rv[1]), MUL(x[3], rv[0])), MUL(x[4], sv[4])));
    __m256i d4 = _mm256_add_epi64(_mm256_add_epi64(MUL(x[0], rv[4]), MUL(x[1], rv[3])),
                                  _mm256_add_epi64(_mm256_add_epi64(MUL(x[2], rv[2]), MUL(x[3], rv[1])), MUL(x[4], rv[0])));
#undef MUL
    __m256i c;
    c = _mm256_srli_epi64(d0, 26); x[0] = _mm256_and_si256(d0, mask26); d1 = _mm256_add_epi64(d1, c);
    c = _mm256_srli_epi64(d1, 26); x[1] = _mm256_and_si256(d1, mask26); d2 = _mm256_add_epi64(d2, c);
    c = _mm256_srli_epi64(d2, 26); x[2] = _mm256_and_si256(d2, mask26); d3 = _mm256_add_epi64(d3, c);
    c = _mm256_srli_epi64(d3, 26); x[3] = _mm256_and_si256(d3, mask26); d4 = _mm256_add_epi64(d4, c);
    c = _mm256_srli_epi64(d4, 26); x[4] = _mm256_and_si256(d4, mask26);
    x[0] = _mm256_add_epi64(x[0], _mm256_add_epi64(c, _mm256_slli_epi64(c, 2)));
    c = _mm256_srli_epi64(x[0], 26); x[0] = _mm256_and_si256(x[0], mask26); x[1] = _mm256_add_epi64(x[1], c);
    // Lanes whose blocks have run out keep their accumulator (the mask comes
    // from the public lengths only).
    for (int k = 0; k < 5; ++k) h[k] = _mm256_blendv_epi8(h[k], x[k], a);
  }
  alignas(32) std::uint64_t hs[5 * 4];
  for (int k = 0; k < 5; ++k) _mm256_store_si256(reinterpret_cast<__m256i*>(hs + 4 * k), h[k]);
  for (int i = 0; i < n; ++i) {
    constexpr std::uint64_t M = 0x3ffffff;
    std::uint64_t h0 = hs[i], h1 = hs[4 + i], h2 = hs[8 + i], h3 = hs[12 + i], h4 = hs[16 + i], c;
    c = h1 >> 26; h1 &= M; h2 += c;
    c = h2 >> 26; h2 &= M; h3 += c;
    c = h3 >> 26; h3 &= M; h4 += c;
    c = h4 >> 26; h4 &= M; h0 += c * 5;
    c = h0 >> 26; h0 &= M; h1 += c;
    // h - p = h + 5 - 2^130; take it when it is not negative (masks, no branch).
    std::uint64_t g0 = h0 + 5; c = g0 >> 26; g0 &= M;
    std::uint64_t g1 = h1 + c; c = g1 >> 26; g1 &= M;
    std::uint64_t g2 = h2 + c; c = g2 >> 26; g2 &= M;
    std::uint64_t g3 = h3 + c; c = g3 >> 26; g3 &= M;
    std::uint64_t g4 = h4 + c - (1ULL << 26);
    const std::uint64_t take_g = (g4 >> 63) - 1;
    h0 = (h0 & ~take_g) | (g0 & take_g);
    h1 = (h1 & ~take_g) | (g1 & take_g);
    h2 = (h2 & ~take_g) | (g2 & take_g);
    h3 = (h3 & ~take_g) | (g3 & take_g);
    h4 = (h4 & ~take_g) | (g4 & take_g & M);
    const std::uint64_t lo = h0 | (h1 << 26) | (h2 << 52), hi = (h2 >> 12) | (h3 << 14) | (h4 << 40);
    __extension__ using U128 = unsigned __int128;
    const U128 t = static_cast<U128>(lo) + load64(keys[i] + 16);
    const std::uint64_t tlo = static_cast<std::uint64_t>(t), thi = hi + load64(keys[i] + 24) + static_cast<std::uint64_t>(t >> 64);
    std::memcpy(lanes[i].tag, &tlo, 8);
    std::memcpy(lanes[i].tag + 8, &thi, 8);
  }
  sodium_memzero(hs, sizeof hs);
  sodium_memzero(r, sizeof r);
  sodium_memzero(m, sizeof m);
}

// XSalsa20 + Poly1305 of lanes[0..n) (n <= 8): out = in ^ keystream[32..],
// tag = Poly1305(keystream[0..32), auth).
WAMPBOX_AVX2 void xsalsa_poly_x8(Lane* lanes, int n) {
  alignas(32) std::uint32_t in[16][kLanes] = {};
  std::size_t max_blocks = 0;
  for (int i = 0; i < n; ++i) {
    for (int w = 0; w < 4; ++w) {
      in[1 + w][i] = load32(lanes[i].key + 4 * w);
      in[11 + w][i] = load32(lanes[i].key + 16 + 4 * w);
      in[6 + w][i] = load32(lanes[i].nonce + 4 * w);  // HSalsa20 input: nonce[0..16)
    }
    max_blocks = std::max(max_blocks, (lanes[i].len + 32 + 63) / 64);
  }
  __m256i x[16];
  for (int w = 0; w < 16; ++w) x[w] = _mm256_load_si256(reinterpret_cast<const __m256i*>(in[w]));
  x[0] = _mm256_set1_epi32(static_cast<int>(kSigma[0]));
  x[5] = _mm256_set1_epi32(static_cast<int>(kSigma[1]));
  x[10] = _mm256_set1_epi32(static_cast<int>(kSigma[2]));
  x[15] = _mm256_set1_epi32(static_cast<int>(kSigma[3]));
  salsa_rounds(x);
  // The XSalsa20 subkey: HSalsa20 words 0, 5, 10, 15, 6, 7, 8, 9.
  __m256i state[16];
  state[0] = _mm256_set1_epi32(static_cast<int>(kSigma[0]));
  state[5] = _mm256_set1_epi32(static_cast<int>(kSigma[1]));
  state[10] = _mm256_set1_epi32(static_cast<int>(kSigma[2]));
  state[15] = _mm256_set1_epi32(static_cast<int>(kSigma[3]));
  state[1] = x[0];
  state[2] = x[5];
  state[3] = x[10];
  state[4] = x[15];
  state[11] = x[6];
  state[12] = x[7];
  state[13] = x[8];
  state[14] = x[9];
  for (int i = 0; i < n; ++i) {
    in[6][i] = load32(lanes[i].nonce + 16);
    in[7][i] = load32(lanes[i].nonce + 20);
  }
  state[6] = _mm256_load_si256(reinterpret_cast<const __m256i*>(in[6]));
  state[7] = _mm256_load_si256(reinterpret_cast<const __m256i*>(in[7]));
  state[9] = _mm256_setzero_si256();  // counter high word: messages are < 256 GiB
  alignas(32) std::uint8_t ks[kLanes][64];
  alignas(32) std::uint8_t keys[kLanes][64];
  for (std::size_t j = 0; j < max_blocks; ++j) {
    state[8] = _mm256_set1_epi32(static_cast<int>(j));
    for (int w = 0; w < 16; ++w) x[w] = state[w];
    salsa_rounds(x);
    for (int w = 0; w < 16; ++w) x[w] = _mm256_add_epi32(x[w], state[w]);
    __m256i r[8];
    transpose8(x, r);
    for (int l = 0; l < kLanes; ++l) _mm256_store_si256(reinterpret_cast<__m256i*>(ks[l]), r[l]);
    transpose8(x + 8, r);
    for (int l = 0; l < kLanes; ++l) _mm256_store_si256(reinterpret_cast<__m256i*>(ks[l] + 32), r[l]);
    if (j == 0) std::memcpy(keys, ks, sizeof keys);
    for (int i = 0; i < n; ++i) {
      if ((lanes[i].len + 32 + 63) / 64 > j) xor_block(lanes[i], static_cast<std::ptrdiff_t>(64 * j) - 32, ks[i]);
    }
  }
  poly1305_x4(lanes, std::min(n, 4), keys);
  if (n > 4) poly1305_x4(lanes + 4, n - 4, keys + 4);
  sodium_memzero(ks, sizeof ks);
  sodium_memzero(keys, sizeof keys);
  sodium_memzero(in, sizeof in);
  for (auto& v : x) v = _mm256_setzero_si256();
  for (auto& v : state) v = _mm256_setzero_si256();
}

// p[0..n) &= keep (0x00 or 0xff), 32 bytes at a time: the byte loop alone
// cost open_batch ~20% at 256 B (measured at -O2, where GCC does not vectorise it).
WAMPBOX_AVX2 void and_bytes(std::uint8_t* p, std::size_t n, std::uint8_t keep) {
  const __m256i k = _mm256_set1_epi8(static_cast<char>(keep));
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i* q = reinterpret_cast<__m256i*>(p + i);
    _mm256_storeu_si256(q, _mm256_and_si256(_mm256_loadu_si256(q), k));
  }
  for (; i < n; ++i) p[i] &= keep;
}

bool cpu_has_avx2() noexcept {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
}

bool use_avx2(MbPath path) { return path != MbPath::kScalar && cpu_has_avx2(); }

// kAuto sends a group of fewer messages than this to libsodium: a group costs
// the same 8 lanes however many are filled, and one message alone ran at 0.42x
// libsodium's rate (seal, 64 B and 256 B; docs/backends.md), i.e. a group
// breaks even at about 2.4 messages.
constexpr int kMinAutoLanes = 3;

[[noreturn]] void bad(const char* what) { throw Error(ErrorCode::kInvalidArgument, std::string("xsalsa-mb: ") + what); }

}  // namespace

bool xsalsa_mb_has_avx2() noexcept { return cpu_has_avx2(); }

void seal_batch(std::span<const SealJob> jobs, MbPath path) {
  for (const SealJob& j : jobs) {
    if (j.ct.size() != j.msg.size() + kMacBytes) bad("seal_batch: ct.size() must be msg.size() + 16");
    if (overlaps(j.ct.data(), j.ct.size(), j.msg.data(), j.msg.size())) bad("seal_batch: ct overlaps msg");
  }
  if (!use_avx2(path)) {
    for (const SealJob& j : jobs) {
      if (crypto_box_easy_afternm(j.ct.data(), j.msg.data(), j.msg.size(), j.nonce.data(), j.key.data()) != 0) {
        bad("seal_batch: message too long");
      }
    }
    return;
  }
  Lane lanes[kLanes];
  for (std::size_t at = 0; at < jobs.size(); at += kLanes) {
    const int n = static_cast<int>(std::min<std::size_t>(kLanes, jobs.size() - at));
    if (path == MbPath::kAuto && n < kMinAutoLanes) {
      seal_batch(jobs.subspan(at), MbPath::kScalar);
      return;
    }
    for (int i = 0; i < n; ++i) {
      const SealJob& j = jobs[at + i];
      lanes[i] = Lane{j.ct.data() + kMacBytes, j.msg.data(), j.msg.size(), j.ct.data() + kMacBytes,
                      j.nonce.data(), j.key.data(), {}};
    }
    xsalsa_poly_x8(lanes, n);
    for (int i = 0; i < n; ++i) std::memcpy(jobs[at + i].ct.data(), lanes[i].tag, kMacBytes);
  }
}

void open_batch(std::span<const OpenJob> jobs, std::span<bool> ok, MbPath path) {
  if (ok.size() != jobs.size()) bad("open_batch: ok.size() must equal jobs.size()");
  for (const OpenJob& j : jobs) {
    if (j.ct.size() < kMacBytes || j.msg.size() != j.ct.size() - kMacBytes) {
      bad("open_batch: msg.size() must be ct.size() - 16 (ct at least 16 bytes)");
    }
    if (overlaps(j.ct.data(), j.ct.size(), j.msg.data(), j.msg.size())) bad("open_batch: msg overlaps ct");
  }
  if (!use_avx2(path)) {
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const OpenJob& j = jobs[i];
      ok[i] = crypto_box_open_easy_afternm(j.msg.data(), j.ct.data(), j.ct.size(), j.nonce.data(), j.key.data()) == 0;
      if (!ok[i] && !j.msg.empty()) sodium_memzero(j.msg.data(), j.msg.size());
    }
    return;
  }
  Lane lanes[kLanes];
  for (std::size_t at = 0; at < jobs.size(); at += kLanes) {
    const int n = static_cast<int>(std::min<std::size_t>(kLanes, jobs.size() - at));
    if (path == MbPath::kAuto && n < kMinAutoLanes) {
      open_batch(jobs.subspan(at), ok.subspan(at), MbPath::kScalar);
      return;
    }
    for (int i = 0; i < n; ++i) {
      const OpenJob& j = jobs[at + i];
      lanes[i] = Lane{j.msg.data(), j.ct.data() + kMacBytes, j.msg.size(), j.ct.data() + kMacBytes,
                      j.nonce.data(), j.key.data(), {}};
    }
    // Decrypts before the tag is checked, then wipes the plaintext of every
    // lane whose tag differs, with a mask rather than a branch, so that the
    // tag's validity steers no branch (the caller learns it from ok[]).
    xsalsa_poly_x8(lanes, n);
    for (int i = 0; i < n; ++i) {
      const OpenJob& j = jobs[at + i];
      std::uint32_t diff = 0;
      for (std::size_t k = 0; k < kMacBytes; ++k) diff |= static_cast<std::uint32_t>(lanes[i].tag[k] ^ j.ct[k]);
      const std::uint32_t good = 1 & ((diff - 1) >> 8);  // 1 iff diff == 0
      const auto keep = static_cast<std::uint8_t>(0u - good);
      and_bytes(j.msg.data(), j.msg.size(), keep);
      ok[at + i] = good != 0;
      sodium_memzero(lanes[i].tag, sizeof lanes[i].tag);
    }
  }
}

namespace {

// The single-message CryptoBackend interface runs each message through the
// AVX2 lanes (a group of one), so that backend_test's corpus run and the
// payload codec exercise the multi-buffer code; that costs ~2.4x libsodium's
// time per message. The speed is in seal_batch/open_batch.
class XsalsaMb final : public CryptoBackend {
 public:
  std::string_view name() const noexcept override { return "xsalsa-mb"; }
  std::string_view description() const noexcept override {
    return cpu_has_avx2()
               ? "wampbox multi-buffer XSalsa20-Poly1305 (AVX2: HSalsa20/Salsa20 8 lanes, Poly1305 4 lanes); "
                 "X25519 beforenm from libsodium " SODIUM_VERSION_STRING
               : "wampbox multi-buffer XSalsa20-Poly1305, scalar fallback (no AVX2: libsodium " SODIUM_VERSION_STRING
                 " per message)";
  }
  LowOrderPolicy low_order_policy() const noexcept override { return LowOrderPolicy::kReject; }

 private:
  // Key generation and the key agreement (X25519 + HSalsa20) are libsodium's backend itself, not a second
  // wrapper of crypto_box_keypair/beforenm: the multi-buffer part is only the box (its low-order policy,
  // kReject, is therefore libsodium's).
  void do_keypair(Out32 pk, Out32 sk) const override { libsodium_backend().keypair(pk, sk); }
  bool do_beforenm(Out32 k, Key32 pk, Key32 sk) const override { return libsodium_backend().beforenm(k, pk, sk); }
  bool do_seal_afternm(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce,
                       Key32 k) const override {
    const SealJob job{ct, msg, nonce, k};
    seal_batch({&job, 1}, MbPath::kAvx2);  // the lanes, not kAuto's libsodium: see the class comment
    return true;
  }
  bool do_open_afternm(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce,
                       Key32 k) const override {
    const OpenJob job{msg, ct, nonce, k};
    bool ok = false;
    open_batch({&job, 1}, {&ok, 1}, MbPath::kAvx2);
    return ok;
  }
  void do_seal_afternm_batch(std::span<const SealJob> jobs, std::span<bool> ok) const override {
    seal_batch(jobs, MbPath::kAuto);
    std::fill(ok.begin(), ok.end(), true);
  }
  void do_open_afternm_batch(std::span<const OpenJob> jobs, std::span<bool> ok) const override {
    open_batch(jobs, ok, MbPath::kAuto);
  }
};

}  // namespace

const CryptoBackend& xsalsa_mb() {
  static const XsalsaMb backend;
  return backend;
}

}  // namespace wampbox::backends
