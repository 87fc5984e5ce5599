// wampbox_bench_gate: runs a fixed number of iterations of one key path, for
// counting instructions under callgrind (scripts/bench/instr_gate.py):
//
//   valgrind --tool=callgrind --collect-atstart=no
//     --toggle-collect=wampbox_gate_measured wampbox_bench_gate --path P --iterations N
//
// Only wampbox_gate_measured (the N iterations) is counted: setup, the output
// check and warm-up are not. Options:
//   --list                 print the path names, one a line
//   --config               print the build configuration the counts belong to
//   --path NAME            one of --list
//   --iterations N         default 200
//   --inject-slowdown K    add K rounds of dependent multiply-add per message
//                          inside the measured loop (to show the gate failing)
//   --inputs DIR           as wampbox_bench
// Exit status: 0 ok, 2 usage, 3 the path's output check failed.
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.h"

#ifndef WAMPBOX_BENCH_CONFIG
#define WAMPBOX_BENCH_CONFIG "unknown"
#endif

namespace {

using namespace wampbox;
using namespace wampbox::bench;

struct Path {
  std::function<void()> run;
  std::function<std::string()> check;
  std::shared_ptr<void> keep;  // the kernel object
};

template <class K>
Path make(std::shared_ptr<K> k) {
  Path p;
  p.run = [k] { k->run(); };
  p.check = [k] { return k->check(); };
  p.keep = k;
  return p;
}

const std::vector<std::string> kPaths = {
    "sender/msgpack/PUBLISH/small_rpc/256",   // the 256 B message-rate target
    "sender/json/PUBLISH/small_rpc/65536",    // JSON framing: base64 of 64 KiB
    "receiver/json/EVENT/small_rpc/256",      // JSON receiver: parse + base64 + open + inner parse
    "receiver/cbor/EVENT/text/4096",          // CBOR receiver, unicode-heavy inner JSON
    "ceiling/seal/4096",                      // raw crypto_box_easy_afternm of 4 KiB
};

Path build(const std::string& name, const std::vector<Input>& inputs) {
  auto input = [&](const char* shape, std::size_t size) -> const Input& {
    const Input* in = find_input(inputs, shape, size);
    if (in == nullptr) throw std::runtime_error(std::string("no input ") + shape + "/" + std::to_string(size));
    return *in;
  };
  if (name == kPaths[0]) {
    return make(std::make_shared<SenderPath>(MessageType::kPublish, Serializer::kMsgPack, input("small_rpc", 256)));
  }
  if (name == kPaths[1]) {
    return make(std::make_shared<SenderPath>(MessageType::kPublish, Serializer::kJson, input("small_rpc", 65536)));
  }
  if (name == kPaths[2]) {
    return make(std::make_shared<ReceiverPath>(MessageType::kEvent, Serializer::kJson, input("small_rpc", 256)));
  }
  if (name == kPaths[3]) {
    return make(std::make_shared<ReceiverPath>(MessageType::kEvent, Serializer::kCbor, input("text", 4096)));
  }
  if (name == kPaths[4]) return make(std::make_shared<RawSeal>(4096));
  throw std::runtime_error("unknown path " + name + " (see --list)");
}

volatile std::uint64_t g_sink = 0;

}  // namespace

// The only function callgrind counts (--toggle-collect). noinline and
// extern "C" so that the name is stable across builds.
extern "C" __attribute__((noinline)) void wampbox_gate_measured(const Path* p, long iterations, long slowdown) {
  for (long i = 0; i < iterations; ++i) {
    p->run();
    std::uint64_t x = g_sink;
    for (long k = 0; k < slowdown; ++k) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    g_sink = x;
  }
}

int main(int argc, char** argv) {
  const std::string dir = inputs_dir_from_args(&argc, argv);
  std::string path;
  long iterations = 200, slowdown = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "wampbox_bench_gate: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--list") {
      for (const auto& p : kPaths) std::printf("%s\n", p.c_str());
      return 0;
    } else if (a == "--config") {
      std::printf("%s libsodium-%s\n", WAMPBOX_BENCH_CONFIG, sodium_version_string());
      return 0;
    } else if (a == "--path") {
      path = value();
    } else if (a == "--iterations") {
      iterations = std::strtol(value().c_str(), nullptr, 10);
    } else if (a == "--inject-slowdown") {
      slowdown = std::strtol(value().c_str(), nullptr, 10);
    } else {
      std::fprintf(stderr, "wampbox_bench_gate: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (path.empty() || iterations <= 0 || slowdown < 0) {
    std::fprintf(stderr, "usage: wampbox_bench_gate --path NAME [--iterations N] [--inject-slowdown K]\n");
    return 2;
  }
  try {
    fixture();
    const std::vector<Input> inputs = load_inputs(dir);
    const Path p = build(path, inputs);
    if (const std::string err = p.check(); !err.empty()) {
      std::fprintf(stderr, "wampbox_bench_gate: %s: wrong output: %s\n", path.c_str(), err.c_str());
      return 3;
    }
    for (int i = 0; i < 3; ++i) p.run();  // warm-up: lazily sized buffers, first-use initialisation
    wampbox_gate_measured(&p, iterations, slowdown);
    std::printf("%s: %ld iterations\n", path.c_str(), iterations);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "wampbox_bench_gate: %s: %s\n", path.c_str(), ex.what());
    return 3;
  }
  return 0;
}
