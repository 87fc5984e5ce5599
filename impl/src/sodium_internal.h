// Internal to wampbox: the one sodium_init() guard, shared by the key code
// (keys.cc) and the libsodium backend (backend_libsodium.cc). Not installed.
#pragma once

namespace wampbox::internal {

/// sodium_init() once, thread-safely (function-local static); later calls
/// cost a load and a branch. It must have completed before the CSPRNG or the
/// runtime-dispatched primitives are used. Throws Error(kInvalidArgument) if
/// libsodium cannot initialise (it never has on a supported system).
void ensure_sodium();

}  // namespace wampbox::internal
