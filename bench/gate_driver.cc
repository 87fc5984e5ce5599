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

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.h"
#ifdef WAMPBOX_GATE_HAVE_XSALSA_MB
#include "wampbox/xsalsa_mb.h"
#endif

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
    "sender/msgpack/PUBLISH/small_rpc/256",    // the 256 B message-rate target
    "sender/json/PUBLISH/small_rpc/65536",     // JSON framing: base64 of 64 KiB
    "receiver/json/EVENT/small_rpc/256",       // JSON receiver: parse + base64 + open + inner parse
    "receiver/msgpack/EVENT/small_rpc/256",    // the receivers' 256 B goal (decode_frame_into + open_into)
    "receiver/cbor/EVENT/small_rpc/65536",     // the receivers' 64 KiB goal
    "receiver/cbor/EVENT/text/4096",           // CBOR receiver, unicode-heavy inner JSON
    "ceiling/seal/4096",                       // raw crypto_box_easy_afternm of 4 KiB
    "ceiling/open/4096",                       // raw crypto_box_open_easy_afternm of 4 KiB
#ifdef WAMPBOX_GATE_HAVE_XSALSA_MB
    "xsalsa-mb/seal_batch/8x256",              // multi-buffer backend: 8 messages of 256 B per call
    "xsalsa-mb/open_batch/8x256",
#endif
};

#ifdef WAMPBOX_GATE_HAVE_XSALSA_MB
// One call of xsalsa-mb's seal_batch/open_batch over `count` messages of `n`
// bytes, each with its own key and nonce, through the AVX2 lanes (libsodium
// per message on a CPU without AVX2: the count then differs, as it would for
// another libsodium build). check() compares every box with libsodium's.
class MbBatch {
 public:
  MbBatch(bool open, std::size_t n, std::size_t count) : open_(open), n_(n), ok_(new bool[count]) {
    fixture();  // sodium_init
    keys_.resize(count);
    nonces_.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      for (std::size_t j = 0; j < keys_[i].size(); ++j) keys_[i][j] = static_cast<std::uint8_t>(i * 7 + j);
      for (std::size_t j = 0; j < nonces_[i].size(); ++j) nonces_[i][j] = static_cast<std::uint8_t>(i * 13 + j);
      msgs_.emplace_back(n + 1);
      msgs_.back().resize(n);
      for (std::size_t j = 0; j < n; ++j) msgs_.back()[j] = static_cast<std::uint8_t>(i * 131 + j * 7);
      cts_.emplace_back(n + kMacBytes);
      outs_.emplace_back(n + 1);
      outs_.back().resize(n);
    }
    for (std::size_t i = 0; i < count; ++i) {
      seal_.push_back(backends::SealJob{cts_[i], msgs_[i], nonces_[i], keys_[i]});
      open_jobs_.push_back(backends::OpenJob{outs_[i], cts_[i], nonces_[i], keys_[i]});
    }
    backends::seal_batch(seal_, backends::MbPath::kAvx2);
  }
  void run() {
    if (open_) {
      backends::open_batch(open_jobs_, {ok_.get(), open_jobs_.size()}, backends::MbPath::kAvx2);
    } else {
      backends::seal_batch(seal_, backends::MbPath::kAvx2);
    }
  }
  std::string check() {
    run();
    for (std::size_t i = 0; i < msgs_.size(); ++i) {
      Bytes want(n_ + kMacBytes);
      crypto_box_easy_afternm(want.data(), msgs_[i].data(), n_, nonces_[i].data(), keys_[i].data());
      if (want != cts_[i]) return "xsalsa-mb seal_batch differs from libsodium";
      if (open_ && (!ok_[i] || outs_[i] != msgs_[i])) return "xsalsa-mb open_batch did not return the plaintext";
    }
    return "";
  }

 private:
  bool open_;
  std::size_t n_;
  std::vector<std::array<std::uint8_t, kKeyBytes>> keys_;
  std::vector<std::array<std::uint8_t, kNonceBytes>> nonces_;
  std::vector<Bytes> msgs_, cts_, outs_;
  std::vector<backends::SealJob> seal_;
  std::vector<backends::OpenJob> open_jobs_;
  std::unique_ptr<bool[]> ok_;
};
#endif

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> parts;
  std::size_t from = 0;
  for (std::size_t i; (i = s.find('/', from)) != std::string::npos; from = i + 1) parts.push_back(s.substr(from, i - from));
  parts.push_back(s.substr(from));
  return parts;
}

Path build(const std::string& name, const std::vector<Input>& inputs) {
  if (std::find(kPaths.begin(), kPaths.end(), name) == kPaths.end()) {
    throw std::runtime_error("unknown path " + name + " (see --list)");
  }
  const std::vector<std::string> p = split(name);
  auto input = [&](const std::string& shape, const std::string& size) -> const Input& {
    const Input* in = find_input(inputs, shape, std::stoul(size));
    if (in == nullptr) throw std::runtime_error("no input " + shape + "/" + size);
    return *in;
  };
  if (p.size() == 5 && (p[0] == "sender" || p[0] == "receiver")) {
    const auto ser = serializer_from_string(p[1]);
    const auto type = message_type_from_string(p[2]);
    if (!ser || !type) throw std::runtime_error("bad path " + name);
    if (p[0] == "sender") return make(std::make_shared<SenderPath>(*type, *ser, input(p[3], p[4])));
    return make(std::make_shared<ReceiverPath>(*type, *ser, input(p[3], p[4])));
  }
  if (p.size() == 3 && p[0] == "ceiling") {
    const std::size_t n = std::stoul(p[2]);
    if (p[1] == "seal") return make(std::make_shared<RawSeal>(n));
    return make(std::make_shared<RawOpen>(n));
  }
#ifdef WAMPBOX_GATE_HAVE_XSALSA_MB
  if (p.size() == 3 && p[0] == "xsalsa-mb") {
    const std::size_t x = p[2].find('x');
    return make(std::make_shared<MbBatch>(p[1] == "open_batch", std::stoul(p[2].substr(x + 1)),
                                          std::stoul(p[2].substr(0, x))));
  }
#endif
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
