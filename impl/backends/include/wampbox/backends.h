// The optional crypto_box backends (wampbox/backend.h), each in its own CMake
// target so that only the programs that want them link their libraries:
//
//   target                     defines                          library
//   wampbox::backend_nacl      backends::nacl()                 NaCl (libnacl-dev, static)
//   wampbox::backend_cryptopp  backends::cryptopp(),            Crypto++ >= 8.1
//                              backends::cryptopp_tweetnacl()   (only if Crypto++ bundles TweetNaCl)
//   wampbox::backend_botan     backends::botan()                Botan 2
//   wampbox::backend_xsalsa_mb backends::xsalsa_mb()             libsodium (x86-64; wampbox/xsalsa_mb.h)
//   wampbox::backends          register_optional_backends(),   every target above that was
//                              known_backend_names()            found at configure time
//
// A target exists only when its library was found (impl/backends/CMakeLists.txt
// prints one status line per backend). These targets are for the in-tree
// backend tests and benchmarks; they are not installed.
#pragma once

#include <span>
#include <string_view>

#include "wampbox/backend.h"

namespace wampbox {

/// Registers (register_backend) every backend the wampbox::backends target was
/// built with, in the order nacl, cryptopp, cryptopp-tweetnacl, botan, xsalsa-mb.
/// Idempotent and thread-safe. Call it before the first available_backends() /
/// find_backend() that should see them.
void register_optional_backends();

/// Every backend name wampbox knows, built or not, in registry order (for
/// reports that list the missing ones): libsodium, nacl, cryptopp,
/// cryptopp-tweetnacl, botan, xsalsa-mb.
std::span<const std::string_view> known_backend_names() noexcept;

namespace backends {

// Each is the backend singleton (a function-local static: constructed on first
// use, thread-safe). Defined only by the target named above; not registered
// until register_backend() / register_optional_backends() is called.
const CryptoBackend& nacl();
const CryptoBackend& cryptopp();
const CryptoBackend& cryptopp_tweetnacl();
const CryptoBackend& botan();
const CryptoBackend& xsalsa_mb();  // declared with its batch API in wampbox/xsalsa_mb.h

}  // namespace backends
}  // namespace wampbox
