// wampbox_bench: every benchmark family in one binary (crypto/, ser/, path/,
// mt/, heads/, simd/, batch/), so that ratios between them come from one run.
//
//   wampbox_bench [--inputs=DIR] [Google Benchmark flags]
//
// DIR holds the inputs scripts/bench/gen_inputs.py writes (scripts/bench.sh
// runs it; the build does not, so it needs no Python; see docs/performance.md).
// Default: $WAMPBOX_BENCH_INPUTS, else the build's own bench/inputs.
#include <sodium.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "bench_util.h"

#ifndef WAMPBOX_BENCH_CONFIG
#define WAMPBOX_BENCH_CONFIG "unknown"
#endif

int main(int argc, char** argv) {
  using namespace wampbox::bench;
  const std::string dir = inputs_dir_from_args(&argc, argv);
  std::vector<Input> inputs;
  try {
    fixture();
    inputs = load_inputs(dir);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "wampbox_bench: %s\n", ex.what());
    return 2;
  }
  for (const Input& in : inputs) {
    if (!in.mismatch.empty()) std::fprintf(stderr, "wampbox_bench: input %s: %s\n", in.name.c_str(), in.mismatch.c_str());
  }
  register_crypto_benchmarks();
  register_serialization_benchmarks(inputs);
  register_path_benchmarks(inputs);
  register_frame_head_benchmarks();
  register_simd_benchmarks(inputs);
  register_batch_benchmarks(inputs);

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("wampbox_inputs", dir);
  benchmark::AddCustomContext("wampbox_build", WAMPBOX_BENCH_CONFIG);
  benchmark::AddCustomContext("libsodium", sodium_version_string());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
