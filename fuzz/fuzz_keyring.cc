// The keyring loader (load_keyring_json): any text either loads or throws
// wampbox::Error; a loaded ring answers lookups.
#include "fuzz_common.h"
#include "wampbox/keyring.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wampbox;
  try {
    KeyRing ring = load_keyring_json(fuzz::Text(data, size));
    for (std::string_view uri : {"", "com.myapp.x", "a", "com.other.y.z"}) {
      const Key* k = ring.find(uri);
      fuzz::Check((k != nullptr) == ring.matched_prefix(uri).has_value(),
                  "find() and matched_prefix() disagree");
    }
  } catch (const Error&) {
  }
  return 0;
}
