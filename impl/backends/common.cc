// Helpers the optional backends share (backends_internal.h), in a small
// internal library of their own so that the core does not define them.
#include <sodium.h>

#include "backends_internal.h"

namespace wampbox::backends {

void wipe(void* p, std::size_t n) noexcept {
  if (n != 0) sodium_memzero(p, n);
}

}  // namespace wampbox::backends
