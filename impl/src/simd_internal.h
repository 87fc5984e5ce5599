// Private to wampbox and its benchmarks: the vectorised pieces of
// serialization with the kernel chosen per call, so that a benchmark (or a
// test) can run a SIMD kernel, its scalar twin and a library baseline side by
// side in one process (issue 14 item 5; bench/bench_simd.cc).
//
// The library's public functions (wampbox/encoding.h, the JSON writer and
// reader) call these with Simd::kAuto. What that costs is one predictable
// branch per call, not per byte: kAuto reads a flag computed once per process
// (CPUID, and the WAMPBOX_NO_SIMD environment variable, which makes kAuto
// scalar for the tests of the portable code on an AVX2 machine).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "json_internal.h"
#include "wampbox/limits.h"
#include "wampbox/value.h"

namespace wampbox::simd_internal {

enum class Simd : std::uint8_t {
  kAuto,    // what the library uses: AVX2 where the CPU has it, unless WAMPBOX_NO_SIMD is set
  kAvx2,    // the AVX2 kernel where the CPU has it (else the scalar one), whatever the environment says
  kScalar,  // the portable kernel
};

/// The CPU has AVX2 (CPUID, read once).
bool cpu_has_avx2() noexcept;
/// What kAuto means in this process: cpu_has_avx2() and WAMPBOX_NO_SIMD unset (read once).
bool auto_uses_avx2() noexcept;
inline bool use_avx2(Simd s) noexcept {
  return s == Simd::kAuto ? auto_uses_avx2() : s == Simd::kAvx2 && cpu_has_avx2();
}

/// Base64 (standard alphabet, padded) of in[0, n) into `out`, which must have
/// room for (n + 2) / 3 * 4 characters; returns that count. kAvx2: 24 bytes ->
/// 32 characters per step (Mula & Lemire); kScalar: table driven, 6 bytes -> 8
/// characters per step. Same bytes either way.
std::size_t base64_encode_raw(const std::uint8_t* in, std::size_t n, char* out, Simd simd) noexcept;

/// base64_decode_into (wampbox/encoding.h) with the kernel chosen: same
/// result and the same Error(kInvalidBase64) for every input either way.
void base64_decode_into(std::string_view in, Bytes& out, Simd simd);

/// Strict UTF-8 validation (no overlongs, surrogates or code points above
/// U+10FFFF) by simdjson: kAuto its implementation chosen for this CPU (what
/// is_valid_utf8 uses), kAvx2 its "haswell" (AVX2) kernel, kScalar its
/// "fallback" (portable, scalar) kernel. A kernel the CPU or the simdjson
/// build lacks is replaced by kAuto's; utf8_kernel_name() says which ran.
bool valid_utf8(std::string_view s, Simd simd) noexcept;
/// The simdjson implementation valid_utf8(…, simd) runs ("haswell", "fallback", ...).
std::string_view utf8_kernel_name(Simd simd) noexcept;

/// json_internal::find_special (first '"', '\\' or control byte) with the
/// kernel chosen: kAuto/kAvx2 the vector scan the writer and reader use,
/// kScalar one byte at a time through the same table.
inline const char* find_special(const char* p, const char* end, Simd simd) noexcept {
  if (simd != Simd::kScalar) return json_internal::find_special(p, end);
  while (p < end && !json_internal::kSpecial[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

/// The JSON reader's strict fallback parser alone (json_read.cc: the
/// non-recursive reader json_parse uses for what simdjson rejects, e.g. NaN),
/// for the parse benchmark. Same results and errors as json_parse on every
/// document both accept.
Value json_parse_strict(std::string_view text, const DecodeLimits& limits);

}  // namespace wampbox::simd_internal
