// Packaged implementations of what PPT needs beyond libsodium (target
// wampbox::ppt_ext; see impl/ppt_ext/CMakeLists.txt for why these libraries).
#pragma once

#include <cstdint>
#include <span>

#include "wampbox/ppt.h"

namespace wampbox {

/// AES-256-GCM through OpenSSL libcrypto's EVP interface (PPT parameters:
/// 12-byte nonce, empty AAD, 16-byte tag). Works on every CPU. Thread-safe.
const Aes256GcmImpl* openssl_aes256gcm() noexcept;

/// Keccak-256 (original padding, as Ethereum/EIP-55): the sponge over
/// Nettle's Keccak-f[1600] permutation (why not a library's Keccak-256: see
/// ppt_ext.cc). Thread-safe (no shared state).
void keccak256(std::span<const std::uint8_t> in, std::uint8_t out[32]);

/// PptCrypto with both: libsodium's AES-GCM where the CPU allows, OpenSSL's
/// otherwise (or always, with force_fallback), and EIP-55 key ids.
PptCrypto ppt_ext_crypto(bool force_fallback = false) noexcept;

}  // namespace wampbox
