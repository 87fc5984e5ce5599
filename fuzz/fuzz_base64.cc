// base64_decode against libsodium's sodium_base642bin
// (sodium_base64_VARIANT_ORIGINAL: standard alphabet, padding required,
// nothing ignored), which is the same strict rule encoding.h documents: both
// accept or both reject, with the same bytes; and what decodes re-encodes to
// the input.
//
// Except for bytes >= 0x80: libsodium 1.0.18's decoder accepts them as
// alphabet characters (found by this target on its first run: "AA\x9eA"
// decodes to 000fc0; crasher fuzz/crashers/fuzz_base64/), which RFC 4648
// does not allow. wampbox rejects them, and that is checked instead.
#include <sodium.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wampbox;
  const std::string text(fuzz::Text(data, size));
  if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    try {
      (void)base64_decode(text);
    } catch (const Error&) {
      return 0;
    }
    fuzz::Fail("base64_decode accepts a byte >= 0x80");
  }
  std::vector<unsigned char> ref(size / 4 * 3 + 3);
  std::size_t ref_len = 0;
  const char* end = nullptr;
  const bool ref_ok = sodium_base642bin(ref.data(), ref.size(), text.data(), text.size(), nullptr, &ref_len, &end,
                                        sodium_base64_VARIANT_ORIGINAL) == 0 &&
                      end == text.data() + text.size();
  Bytes got;
  bool ok = true;
  try {
    got = base64_decode(text);
  } catch (const Error&) {
    ok = false;
  }
  if (ok != ref_ok) {
    std::fprintf(stderr, "wampbox %s, libsodium %s\n", ok ? "accepts" : "rejects", ref_ok ? "accepts" : "rejects");
    fuzz::Fail("base64_decode and sodium_base642bin disagree on acceptance");
  }
  if (!ok) return 0;
  fuzz::Check(got == Bytes(ref.begin(), ref.begin() + static_cast<std::ptrdiff_t>(ref_len)),
              "base64_decode and sodium_base642bin decode to different bytes");
  fuzz::Check(base64_encode(got) == text, "base64_encode(base64_decode(x)) != x");
  return 0;
}
