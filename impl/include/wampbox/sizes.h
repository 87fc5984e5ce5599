// Sizes of NaCl crypto_box (X25519 + XSalsa20-Poly1305) and of a
// WAMP-cryptobox payload. A leaf header: keys.h and backend.h both use these,
// neither needs the other for them.
#pragma once

#include <cstddef>

namespace wampbox {

inline constexpr std::size_t kKeyBytes = 32;    // public, secret and shared keys
inline constexpr std::size_t kNonceBytes = 24;  // XSalsa20 nonce
inline constexpr std::size_t kMacBytes = 16;    // Poly1305 tag
/// Payload bytes = nonce(24) || mac(16) || ciphertext.
inline constexpr std::size_t kPayloadOverhead = kNonceBytes + kMacBytes;

}  // namespace wampbox
