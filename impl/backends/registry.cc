// The wampbox::backends aggregate target: registers the optional backends that
// were found at configure time (WAMPBOX_HAVE_BACKEND_* come from
// impl/backends/CMakeLists.txt).
#include <array>
#include <string_view>

#include "wampbox/backends.h"
#ifdef WAMPBOX_HAVE_BACKEND_XSALSA_MB
#include "wampbox/xsalsa_mb.h"
#endif

namespace wampbox {

void register_optional_backends() {
  // register_backend() ignores a name that is already registered, so a second
  // call changes nothing.
#ifdef WAMPBOX_HAVE_BACKEND_NACL
  (void)register_backend(backends::nacl());
#endif
#ifdef WAMPBOX_HAVE_BACKEND_CRYPTOPP
  (void)register_backend(backends::cryptopp());
#endif
#ifdef WAMPBOX_HAVE_BACKEND_CRYPTOPP_TWEETNACL
  (void)register_backend(backends::cryptopp_tweetnacl());
#endif
#ifdef WAMPBOX_HAVE_BACKEND_BOTAN
  (void)register_backend(backends::botan());
#endif
#ifdef WAMPBOX_HAVE_BACKEND_XSALSA_MB
  (void)register_backend(backends::xsalsa_mb());
#endif
}

std::span<const std::string_view> known_backend_names() noexcept {
  static constexpr std::array<std::string_view, 6> kKnownNames = {"libsodium", "nacl", "cryptopp",
                                                                  "cryptopp-tweetnacl", "botan", "xsalsa-mb"};
  return kKnownNames;
}

}  // namespace wampbox
