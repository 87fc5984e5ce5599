// OpenSSL AES-256-GCM fallback and Crypto++ Keccak-256 for PPT: see ppt_ext.h.
#include "wampbox/ppt_ext.h"

#include "wampbox/error.h"

#include <cryptopp/keccak.h>
#include <openssl/evp.h>

#include <climits>
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

void cryptopp_keccak256(std::span<const std::uint8_t> in, std::uint8_t out[32]) {
  CryptoPP::Keccak_256 h;
  h.CalculateDigest(out, in.data(), in.size());
}

PptCrypto ppt_ext_crypto(bool force_fallback) noexcept {
  PptCrypto c;
  c.aes256gcm_fallback = &kOpenSsl;
  c.force_aes256gcm_fallback = force_fallback;
  c.keccak256 = &cryptopp_keccak256;
  return c;
}

}  // namespace wampbox
