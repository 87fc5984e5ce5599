// simd/*: each vectorised piece of serialization beside its scalar twin and a
// library baseline, in one binary so that the speed-ups come from one run
// (issue 14 item 5). The kernels are chosen per call through the library's
// internal API (impl/src/simd_internal.h), not per process.
//
//   simd/base64_encode/<impl>/<n>   n bytes -> base64. avx2: the library's AVX2 kernel;
//                                   scalar: its table-driven twin; libsodium: sodium_bin2base64
//   simd/base64_decode/<impl>/<n>   the reverse. libsodium: sodium_base642bin
//   simd/escape_scan/<impl>/<text>/<n>  json_internal::find_special over a string (every byte
//                                   the JSON writer escapes and the reader stops at), repeated to the
//                                   end. vector: the library's scan; bytewise: the same table, one byte
//                                   at a time
//   simd/utf8/<impl>/<text>/<n>     strict UTF-8 validation. auto: what is_valid_utf8 runs (simdjson's
//                                   kernel for this CPU); haswell: simdjson's AVX2 kernel; fallback:
//                                   simdjson's scalar kernel
//   simd/json_parse/<impl>/<shape>/<size>  Autobahn's plaintext of a bench input. wampbox: JsonParser
//                                   (simdjson DOM, then the Value tree); strict: the reader's fallback
//                                   parser alone (scalar) -> the same Value tree; simdjson_dom:
//                                   simdjson's DOM parse alone (no Value); simdjson_ondemand: simdjson's
//                                   on-demand parser visiting every value (no Value)
// <text> is "ascii" (letters and digits, nothing to escape: the scan runs to the end) or "text" (the
// bench's text shape: non-ASCII and escapes). The heads/ family (bench_frame_heads.cc) is the
// MessagePack/CBOR heads' counterpart: frame writer vs msgpack-c / libcbor.
//
// Before timing, every variant's output is compared with the others' (the same
// characters, bytes, positions, verdicts and Value trees); a difference is an
// error, not a time. bytes_per_second counts input bytes. Nothing is allocated
// in the timed loops except the Value trees of json_parse (as the library does).
#include <simdjson.h>
#include <sodium.h>

#include <string>
#include <vector>

#include "bench_util.h"
#include "simd_internal.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"

namespace wampbox::bench {
namespace {

using simd_internal::Simd;

const std::vector<std::size_t> kSizes = {256, 4096, 65536};

Bytes pattern(std::size_t n) {
  Bytes v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return v;
}

// Counters of a kernel that allocates nothing (its buffers are made before
// timing); json_parse_bench measures its allocations instead.
void finish(benchmark::State& state, std::size_t bytes, double allocs = 0) { set_counters(state, bytes, allocs); }

// -- base64 ---------------------------------------------------------------------

enum class B64 { kAvx2, kScalar, kLibsodium };
const char* b64_name(B64 b) { return b == B64::kAvx2 ? "avx2" : b == B64::kScalar ? "scalar" : "libsodium"; }

void base64_encode(benchmark::State& state, B64 impl, std::size_t n) {
  const Bytes data = pattern(n);
  const std::size_t len = (n + 2) / 3 * 4;
  std::string out(len + 1, '\0'), ref(len + 1, '\0');  // + libsodium's NUL
  auto run = [&] {
    if (impl == B64::kLibsodium) {
      sodium_bin2base64(out.data(), out.size(), data.data(), n, sodium_base64_VARIANT_ORIGINAL);
    } else {
      simd_internal::base64_encode_raw(data.data(), n, out.data(), impl == B64::kAvx2 ? Simd::kAvx2 : Simd::kScalar);
    }
  };
  sodium_bin2base64(ref.data(), ref.size(), data.data(), n, sodium_base64_VARIANT_ORIGINAL);
  run();
  if (out.compare(0, len, ref, 0, len) != 0) {
    state.SkipWithError("base64 encode differs from libsodium's");
    return;
  }
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  finish(state, n);
}

void base64_decode(benchmark::State& state, B64 impl, std::size_t n) {
  const Bytes data = pattern(n);
  std::string text(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), data.data(), n, sodium_base64_VARIANT_ORIGINAL);
  text.pop_back();  // the NUL
  Bytes out;
  out.reserve(n + 32);
  std::size_t got = 0;
  auto run = [&] {
    if (impl == B64::kLibsodium) {
      out.resize(n);
      sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &got, nullptr,
                        sodium_base64_VARIANT_ORIGINAL);
    } else {
      simd_internal::base64_decode_into(text, out, impl == B64::kAvx2 ? Simd::kAvx2 : Simd::kScalar);
      got = out.size();
    }
  };
  try {
    run();
  } catch (const std::exception& ex) {
    state.SkipWithError(ex.what());
    return;
  }
  if (got != n || std::memcmp(out.data(), data.data(), n) != 0) {
    state.SkipWithError("base64 decode does not give the encoded bytes");
    return;
  }
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  finish(state, text.size());
}

// -- escape scan and UTF-8 ------------------------------------------------------------

// "ascii": n letters and digits; "text": the bench's text shape (Autobahn's
// plaintext of payloads.shaped("text", n)), cut to n bytes at a character boundary.
std::string scan_text(const std::vector<Input>& inputs, const std::string& kind, std::size_t n) {
  if (kind == "ascii") {
    std::string s(n, 'a');
    for (std::size_t i = 0; i < n; ++i) s[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[i % 36];
    return s;
  }
  const Input* in = find_input(inputs, "text", n);
  if (in == nullptr) return "";
  std::string s = in->autobahn.substr(0, n);
  while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();  // a continuation byte
  if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();                // a lead byte
  return s;
}

// Positions of every special byte, the way the writer walks a string.
std::size_t scan_all(const std::string& s, Simd simd, std::vector<std::size_t>* where = nullptr) {
  const char* p = s.data();
  const char* const end = p + s.size();
  std::size_t count = 0;
  for (;;) {
    p = simd_internal::find_special(p, end, simd);
    if (p == end) return count;
    if (where) where->push_back(static_cast<std::size_t>(p - s.data()));
    ++count;
    ++p;
  }
}

void escape_scan(benchmark::State& state, std::string s, Simd simd) {
  std::vector<std::size_t> mine, ref;
  scan_all(s, simd, &mine);
  scan_all(s, Simd::kScalar, &ref);
  if (mine != ref) {
    state.SkipWithError("the vector scan finds other bytes than the byte-wise one");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(scan_all(s, simd));
  finish(state, s.size());
}

void utf8(benchmark::State& state, std::string s, Simd simd) {
  std::string bad = s;
  bad[bad.size() / 2] = static_cast<char>(0xC0);  // an overlong lead byte: invalid anywhere
  if (!simd_internal::valid_utf8(s, simd) || simd_internal::valid_utf8(bad, simd) ||
      simd_internal::valid_utf8(s, simd) != is_valid_utf8(s)) {
    state.SkipWithError("UTF-8 verdicts differ from is_valid_utf8's");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(simd_internal::valid_utf8(s, simd));
  state.SetLabel(std::string(simd_internal::utf8_kernel_name(simd)));
  finish(state, s.size());
}

// -- JSON parse -----------------------------------------------------------------

enum class Parse { kWampbox, kStrict, kSimdjsonDom, kSimdjsonOndemand };
const char* parse_name(Parse p) {
  switch (p) {
    case Parse::kWampbox: return "wampbox";
    case Parse::kStrict: return "strict";
    case Parse::kSimdjsonDom: return "simdjson_dom";
    case Parse::kSimdjsonOndemand: return "simdjson_ondemand";
  }
  return "?";
}

// Every scalar and string of a document, visited by the on-demand API: the
// number of values seen (compared with the DOM's count before timing).
std::size_t visit(simdjson::ondemand::value v);
std::size_t visit_array(simdjson::ondemand::array a) {
  std::size_t n = 1;
  for (auto x : a) n += visit(x.value());
  return n;
}
std::size_t visit_object(simdjson::ondemand::object o) {
  std::size_t n = 1;
  for (auto f : o) {
    std::string_view key = f.unescaped_key().value();
    benchmark::DoNotOptimize(key);
    n += visit(f.value().value());
  }
  return n;
}
std::size_t visit(simdjson::ondemand::value v) {
  switch (v.type().value()) {
    case simdjson::ondemand::json_type::array: return visit_array(v.get_array().value());
    case simdjson::ondemand::json_type::object: return visit_object(v.get_object().value());
    case simdjson::ondemand::json_type::number: {
      double d = v.get_double().value();
      benchmark::DoNotOptimize(d);
      return 1;
    }
    case simdjson::ondemand::json_type::string: {
      std::string_view s = v.get_string().value();
      benchmark::DoNotOptimize(s);
      return 1;
    }
    case simdjson::ondemand::json_type::boolean: {
      bool b = v.get_bool().value();
      benchmark::DoNotOptimize(b);
      return 1;
    }
    case simdjson::ondemand::json_type::null: {
      bool b = v.is_null().value();
      benchmark::DoNotOptimize(b);
      return 1;
    }
  }
  return 0;
}
std::size_t count_dom(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      std::size_t n = 1;
      const simdjson::dom::array arr = e.get_array().value_unsafe();
      for (auto x : arr) n += count_dom(x);
      return n;
    }
    case simdjson::dom::element_type::OBJECT: {
      std::size_t n = 1;
      const simdjson::dom::object obj = e.get_object().value_unsafe();
      for (auto f : obj) n += count_dom(f.value);
      return n;
    }
    default: return 1;
  }
}

void json_parse_bench(benchmark::State& state, const Input* in, Parse impl) {
  WAMPBOX_CHECK_OR_SKIP(state, in->mismatch);
  const std::string& text = in->autobahn;
  const simdjson::padded_string padded(text);
  JsonParser parser;
  simdjson::dom::parser dom;
  simdjson::ondemand::parser od;
  const DecodeLimits limits;
  try {
    // The two Value builders agree with each other and with the input; the
    // two simdjson baselines see the same number of values.
    const Value a = parser.parse(text);
    const Value b = simd_internal::json_parse_strict(text, limits);
    const Value* args = a.find("args");
    if (!(a == b) || args == nullptr || !(*args == in->args)) {
      state.SkipWithError("the strict parser and JsonParser give other values");
      return;
    }
    simdjson::dom::element root;
    if (dom.parse(padded).get(root) != simdjson::SUCCESS) {
      state.SkipWithError("simdjson DOM rejects the plaintext");
      return;
    }
    auto doc = od.iterate(padded);
    if (visit(doc.get_value().value()) != count_dom(root)) {
      state.SkipWithError("simdjson on-demand and DOM see different numbers of values");
      return;
    }
  } catch (const std::exception& ex) {
    state.SkipWithError(ex.what());
    return;
  }
  auto once = [&] {
    switch (impl) {
      case Parse::kWampbox: benchmark::DoNotOptimize(parser.parse(text)); break;
      case Parse::kStrict: benchmark::DoNotOptimize(simd_internal::json_parse_strict(text, limits)); break;
      case Parse::kSimdjsonDom: {
        simdjson::dom::element root;
        benchmark::DoNotOptimize(dom.parse(padded).get(root));
        break;
      }
      case Parse::kSimdjsonOndemand: {
        auto doc = od.iterate(padded);
        benchmark::DoNotOptimize(visit(doc.get_value().value()));
        break;
      }
    }
  };
  const double allocs = allocations_per_call(once);
  for (auto _ : state) once();
  finish(state, text.size(), allocs);
}

}  // namespace

void register_simd_benchmarks(const std::vector<Input>& inputs) {
  const bool avx2 = simd_internal::cpu_has_avx2();  // no AVX2 kernel to time on a CPU without it
  std::vector<B64> b64 = {B64::kScalar, B64::kLibsodium};
  if (avx2) b64.insert(b64.begin(), B64::kAvx2);
  for (std::size_t n : kSizes) {
    for (B64 b : b64) {
      const std::string tail = std::string(b64_name(b)) + "/" + std::to_string(n);
      benchmark::RegisterBenchmark(("simd/base64_encode/" + tail).c_str(), base64_encode, b, n);
      benchmark::RegisterBenchmark(("simd/base64_decode/" + tail).c_str(), base64_decode, b, n);
    }
  }
  for (const std::string kind : {"ascii", "text"}) {
    for (std::size_t n : kSizes) {
      const std::string s = scan_text(inputs, kind, n);
      if (s.size() < 16) continue;
      const std::string tail = kind + "/" + std::to_string(n);
      benchmark::RegisterBenchmark(("simd/escape_scan/vector/" + tail).c_str(), escape_scan, s, Simd::kAuto);
      benchmark::RegisterBenchmark(("simd/escape_scan/bytewise/" + tail).c_str(), escape_scan, s, Simd::kScalar);
      benchmark::RegisterBenchmark(("simd/utf8/auto/" + tail).c_str(), utf8, s, Simd::kAuto);
      if (avx2) benchmark::RegisterBenchmark(("simd/utf8/haswell/" + tail).c_str(), utf8, s, Simd::kAvx2);
      benchmark::RegisterBenchmark(("simd/utf8/fallback/" + tail).c_str(), utf8, s, Simd::kScalar);
    }
  }
  for (const std::string shape : {"small_rpc", "text", "numbers", "binary"}) {
    for (std::size_t n : {std::size_t{4096}, std::size_t{65536}}) {
      const Input* in = find_input(inputs, shape, n);
      if (in == nullptr) continue;
      for (Parse p : {Parse::kWampbox, Parse::kStrict, Parse::kSimdjsonDom, Parse::kSimdjsonOndemand}) {
        benchmark::RegisterBenchmark(("simd/json_parse/" + std::string(parse_name(p)) + "/" + in->name).c_str(),
                                     json_parse_bench, in, p);
      }
    }
  }
}

}  // namespace wampbox::bench
