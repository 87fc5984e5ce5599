// Shared by the libFuzzer targets in fuzz/ (fuzz/README.md): a crash means a
// property was broken, so failed checks abort with a message, and only
// wampbox::Error is an accepted way to refuse input (anything else escaping
// is a bug: the library promises typed errors).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

#include "wampbox/encoding.h"
#include "wampbox/error.h"

namespace wampbox::fuzz {

[[noreturn]] inline void Fail(const char* what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

inline void Check(bool ok, const char* what) {
  if (!ok) Fail(what);
}

inline std::span<const std::uint8_t> Bytes(const std::uint8_t* data, std::size_t size) { return {data, size}; }
inline std::string_view Text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace wampbox::fuzz
