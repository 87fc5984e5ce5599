// Internal to the optional crypto_box backends (impl/backends/*.cc, each
// target built only when its library was found; see
// impl/backends/CMakeLists.txt): helpers they share. Not installed. The core
// library does not include this header.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "wampbox/backends.h"

namespace wampbox::backends {

// sodium_memzero (defined in impl/backends/common.cc): backends that
// must not include <sodium.h> (NaCl's headers #define libsodium's names) wipe
// with this.
void wipe(void* p, std::size_t n) noexcept;

// NaCl's original API (NaCl, TweetNaCl) works on padded buffers: the message
// is preceded by ZEROBYTES (32) zero bytes, the box by BOXZEROBYTES (16). This
// adapts it to mac || ciphertext spans through per-thread scratch buffers
// (which grow to the largest message seen, and are wiped after every use).
//
//   seal_fn(c, m, mlen, nonce, k) / open_fn(m, c, clen, nonce, k): NaCl's
//   crypto_box_afternm / crypto_box_open_afternm, returning 0 on success.
template <class SealFn>
bool padded_seal(SealFn seal_fn, std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg,
                 const std::uint8_t* nonce, const std::uint8_t* k) {
  constexpr std::size_t kZero = 32, kBoxZero = 16;
  thread_local std::vector<std::uint8_t> m, c;
  const std::size_t n = kZero + msg.size();
  if (m.size() < n) m.resize(n);
  if (c.size() < n) c.resize(n);
  std::fill(m.begin(), m.begin() + kZero, 0);
  std::copy(msg.begin(), msg.end(), m.begin() + kZero);
  const bool ok = seal_fn(c.data(), m.data(), n, nonce, k) == 0;
  if (ok) std::copy(c.begin() + kBoxZero, c.begin() + n, ct.begin());
  wipe(m.data() + kZero, msg.size());
  return ok;
}

template <class OpenFn>
bool padded_open(OpenFn open_fn, std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct,
                 const std::uint8_t* nonce, const std::uint8_t* k) {
  constexpr std::size_t kZero = 32, kBoxZero = 16;
  thread_local std::vector<std::uint8_t> m, c;
  const std::size_t n = kBoxZero + ct.size();
  if (m.size() < n) m.resize(n);
  if (c.size() < n) c.resize(n);
  std::fill(c.begin(), c.begin() + kBoxZero, 0);
  std::copy(ct.begin(), ct.end(), c.begin() + kBoxZero);
  const bool ok = open_fn(m.data(), c.data(), n, nonce, k) == 0;
  if (ok) std::copy(m.begin() + kZero, m.begin() + n, msg.begin());
  wipe(m.data(), n);
  return ok;
}

}  // namespace wampbox::backends
