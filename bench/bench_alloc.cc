// Counts heap allocations per thread, so that benchmarks can report how many
// allocations one message costs (the "allocs_per_msg" counter). glibc lets a
// program replace malloc by defining malloc/calloc/realloc/free; these
// forward to glibc's own allocator (__libc_*), adding one thread-local
// increment. operator new calls malloc, so C++ allocations are counted too,
// as are those of C libraries (libcbor, msgpack-c).
#include <cstddef>
#include <cstdint>

#include "bench_common.h"

#ifdef WAMPBOX_BENCH_NO_ALLOC_COUNT
// Sanitizer builds intercept malloc themselves: no counting (always 0).
namespace wampbox::bench {
std::uint64_t thread_allocations() noexcept { return 0; }
}  // namespace wampbox::bench
#else
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
}

namespace {
thread_local std::uint64_t t_allocations = 0;
}

extern "C" {
void* malloc(std::size_t n) {
  ++t_allocations;
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t m) {
  ++t_allocations;
  return __libc_calloc(n, m);
}
void* realloc(void* p, std::size_t n) {
  ++t_allocations;
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
}

namespace wampbox::bench {
std::uint64_t thread_allocations() noexcept { return t_allocations; }
}  // namespace wampbox::bench
#endif  // WAMPBOX_BENCH_NO_ALLOC_COUNT
