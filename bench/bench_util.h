// Helpers for the Google Benchmark families (bench_*.cc).
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench_common.h"

namespace wampbox::bench {

/// The crypto sizes of the issue: 0, 16, 64, 256 B, 1, 4, 16, 64 KiB, 1 MiB.
inline const std::vector<std::size_t> kCryptoSizes = {0, 16, 64, 256, 1024, 4096, 16384, 65536, 1 << 20};

/// Per-benchmark counters. bytes_per_second / items_per_second are rates
/// (SetBytesProcessed / SetItemsProcessed); "bytes" (the bytes one item
/// processes: plaintext for crypto and paths, text/frame for serialization)
/// and "allocs_per_msg" (heap allocations per item, measured before timing)
/// are averaged over threads so that they do not double with Threads(2).
inline void set_counters(benchmark::State& state, std::size_t bytes_per_item, double allocs_per_item) {
  const auto n = static_cast<std::int64_t>(state.iterations());
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(n * static_cast<std::int64_t>(bytes_per_item));
  state.counters["bytes"] = benchmark::Counter(static_cast<double>(bytes_per_item), benchmark::Counter::kAvgThreads);
  state.counters["allocs_per_msg"] = benchmark::Counter(allocs_per_item, benchmark::Counter::kAvgThreads);
}

/// Registers the benchmark families; inputs must outlive the run.
void register_crypto_benchmarks();
void register_serialization_benchmarks(const std::vector<Input>& inputs);
void register_path_benchmarks(const std::vector<Input>& inputs);
void register_frame_head_benchmarks();  // bench_frame_heads.cc

}  // namespace wampbox::bench

/// Checks a kernel's output once before timing: `expr` yields "" when right,
/// else the message given to SkipWithError (the benchmark then reports an
/// error instead of a time).
#define WAMPBOX_CHECK_OR_SKIP(state, expr)              \
  do {                                                  \
    const std::string wampbox_check_error_ = (expr);    \
    if (!wampbox_check_error_.empty()) {                \
      (state).SkipWithError(wampbox_check_error_.c_str()); \
      return;                                           \
    }                                                   \
  } while (0)
