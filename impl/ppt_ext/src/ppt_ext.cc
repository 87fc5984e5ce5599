// OpenSSL AES-256-GCM fallback and Keccak-256 (on Nettle's Keccak-f[1600]) for PPT: see ppt_ext.h.
#include "wampbox/ppt_ext.h"

#include "wampbox/error.h"

#include <nettle/sha3.h>
#include <openssl/evp.h>

#include <climits>
#include <cstring>
#include <memory>

namespace wampbox {

namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

// One EVP context per call: EVP contexts are not shareable across threads,
// and creating one costs far less than the AEAD pass over a payload.
Ctx new_ctx(const std::uint8_t* key, const std::uint8_t* nonce, bool encrypt) {
  Ctx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw Error(ErrorCode::kInvalidArgument, "OpenSSL: EVP_CIPHER_CTX_new failed");
  // 12-byte nonces are GCM's (and EVP's) default IV length.
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key, nonce, encrypt ? 1 : 0) != 1) {
    throw Error(ErrorCode::kInvalidArgument, "OpenSSL: AES-256-GCM init failed");
  }
  return ctx;
}

void check_len(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX)) throw Error(ErrorCode::kInvalidArgument, "AES-256-GCM input too large");
}

void ossl_seal(const std::uint8_t* key, const std::uint8_t* nonce, std::span<const std::uint8_t> pt,
               std::uint8_t* out) {
  check_len(pt.size());
  Ctx ctx = new_ctx(key, nonce, true);
  int len = 0;
  if (!pt.empty() && EVP_EncryptUpdate(ctx.get(), out, &len, pt.data(), static_cast<int>(pt.size())) != 1) {
    throw Error(ErrorCode::kInvalidArgument, "OpenSSL: AES-256-GCM encrypt failed");
  }
  int fin = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), out + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAesGcmTagBytes), out + pt.size()) != 1) {
    throw Error(ErrorCode::kInvalidArgument, "OpenSSL: AES-256-GCM finalisation failed");
  }
}

bool ossl_open(const std::uint8_t* key, const std::uint8_t* nonce, std::span<const std::uint8_t> ct_tag,
               std::uint8_t* out) {
  if (ct_tag.size() < kAesGcmTagBytes) return false;
  check_len(ct_tag.size());
  const std::size_t n = ct_tag.size() - kAesGcmTagBytes;
  Ctx ctx = new_ctx(key, nonce, false);
  int len = 0;
  if (n > 0 && EVP_DecryptUpdate(ctx.get(), out, &len, ct_tag.data(), static_cast<int>(n)) != 1) return false;
  // EVP wants a non-const tag pointer; it only reads it.
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAesGcmTagBytes),
                          const_cast<std::uint8_t*>(ct_tag.data() + n)) != 1) {
    return false;
  }
  int fin = 0;
  return EVP_DecryptFinal_ex(ctx.get(), out + len, &fin) == 1;
}

constexpr Aes256GcmImpl kOpenSsl{"openssl", &ossl_seal, &ossl_open};

}  // namespace

const Aes256GcmImpl* openssl_aes256gcm() noexcept { return &kOpenSsl; }

// Keccak-256 is the Keccak sponge (rate 136 bytes, capacity 512 bits) with
// Keccak's original padding 0x01 ... 0x80; FIPS 202 SHA3-256 differs only in
// its domain bits (0x06). No packaged library on Debian bookworm that the CLI
// may load offers it: OpenSSL 3.0 has no KECCAK-256 (3.2 added it), libsodium
// has none, Nettle 3.8 hashes with FIPS 202 padding only, and Crypto++ (which
// has Keccak_256) must stay out of the CLI (issue 12: ldd of the CLI shows no
// Crypto++; ctest cli_links_core_only). So the sponge, absorb/pad/squeeze, is
// written here around Nettle's exported permutation sha3_permute, which does
// all the cryptographic work; its state is 25 little-endian 64-bit lanes, as
// Nettle's own SHA-3 absorbs. Checked against Crypto++'s Keccak_256 on every
// length 0..600 and the EIP-55 examples (tests/unit/ppt_test.cc).
void keccak256(std::span<const std::uint8_t> in, std::uint8_t out[32]) {
  constexpr std::size_t kRate = 136;
  sha3_state state{};
  auto absorb = [&state](const std::uint8_t* block) {
    for (std::size_t i = 0; i < kRate / 8; ++i) {
      std::uint64_t lane = 0;
      for (std::size_t b = 8; b-- > 0;) lane = lane << 8 | block[i * 8 + b];
      state.a[i] ^= lane;
    }
    sha3_permute(&state);
  };
  std::size_t off = 0;
  for (; in.size() - off >= kRate; off += kRate) absorb(in.data() + off);
  std::uint8_t last[kRate] = {};
  if (in.size() > off) std::memcpy(last, in.data() + off, in.size() - off);
  last[in.size() - off] ^= 0x01;
  last[kRate - 1] ^= 0x80;
  absorb(last);
  for (std::size_t i = 0; i < 32; ++i) out[i] = static_cast<std::uint8_t>(state.a[i / 8] >> (8 * (i % 8)));
}

PptCrypto ppt_ext_crypto(bool force_fallback) noexcept {
  PptCrypto c;
  c.aes256gcm_fallback = &kOpenSsl;
  c.force_aes256gcm_fallback = force_fallback;
  c.keccak256 = &keccak256;
  return c;
}

}  // namespace wampbox
