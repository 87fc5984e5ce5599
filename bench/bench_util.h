// Helpers for the Google Benchmark families (bench_*.cc).
#pragma once

#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench_common.h"

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

// Thread CPU time in seconds: time the thread was not running (preempted on
// this shared machine) does not count.
inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The ratio of a path to its ceiling, measured side by side rather than in
// two benchmarks run at different moments: each iteration times a batch of
// the path and a batch of the ceiling (order alternating, so neither always
// runs with the caches the other left), and the ratio is the median over the
// batch pairs, which a burst of load on the machine shifts little.
template <class Kernel, class Ceiling>
void run_paired(benchmark::State& state, Kernel& k, Ceiling& c) {
  WAMPBOX_CHECK_OR_SKIP(state, k.check());
  WAMPBOX_CHECK_OR_SKIP(state, c.check());
  // Batches of about 200 us of the path.
  double t = thread_cpu_seconds();
  for (int i = 0; i < 8; ++i) k.run();
  const double per_msg = std::max((thread_cpu_seconds() - t) / 8, 1e-8);
  const long batch = std::clamp(static_cast<long>(200e-6 / per_msg), 1L, 100000L);
  std::vector<double> ratios;
  ratios.reserve(1024);
  double path_time = 0, ceil_time = 0;
  bool path_first = true;
  // Three pairs per iteration, so that even a one-iteration run (the smoke
  // test's --benchmark_min_time=0.001) takes a median of three: one pair
  // disturbed by a burst of load on this shared machine once gave 2.18 for a
  // 64 KiB shape whose ratio is 0.86.
  constexpr int kPairsPerIteration = 3;
  for (auto _ : state) {
    for (int pair = 0; pair < kPairsPerIteration; ++pair) {
      double tp = 0, tc = 0;
      for (int half = 0; half < 2; ++half) {
        const double t0 = thread_cpu_seconds();
        if ((half == 0) == path_first) {
          for (long i = 0; i < batch; ++i) k.run();
          tp = thread_cpu_seconds() - t0;
        } else {
          for (long i = 0; i < batch; ++i) c.run();
          tc = thread_cpu_seconds() - t0;
        }
      }
      benchmark::ClobberMemory();
      path_first = !path_first;
      path_time += tp;
      ceil_time += tc;
      if (tp > 0 && tc > 0) ratios.push_back(tc / tp);
    }
  }
  if (ratios.empty()) {
    state.SkipWithError("no batch pair was timed");
    return;
  }
  std::nth_element(ratios.begin(), ratios.begin() + static_cast<std::ptrdiff_t>(ratios.size() / 2), ratios.end());
  const double msgs = static_cast<double>(state.iterations()) * kPairsPerIteration * static_cast<double>(batch);
  state.counters["ratio"] = ratios[ratios.size() / 2];
  state.counters["pairs"] = static_cast<double>(ratios.size());
  state.counters["path_msgs_per_s"] = path_time > 0 ? msgs / path_time : 0;
  state.counters["ceiling_msgs_per_s"] = ceil_time > 0 ? msgs / ceil_time : 0;
  state.counters["bytes"] = static_cast<double>(k.plaintext_bytes());
}

/// Registers the benchmark families; inputs must outlive the run.
void register_crypto_benchmarks();
void register_serialization_benchmarks(const std::vector<Input>& inputs);
void register_path_benchmarks(const std::vector<Input>& inputs);
void register_frame_head_benchmarks();  // bench_frame_heads.cc
void register_batch_benchmarks(const std::vector<Input>& inputs);  // bench_batch.cc
void register_simd_benchmarks(const std::vector<Input>& inputs);   // bench_simd.cc

}  // namespace wampbox::bench
