// ser/*: the serialization layers on their own, by payload shape.
//
//   ser/plaintext_write/<shape>/<size>   cryptobox_plaintext_append: the inner JSON
//                                        {"uri","args","kwargs"} (checked == Autobahn's bytes)
//   ser/plaintext_parse/<shape>/<size>   JsonParser::parse of Autobahn's plaintext
//   ser/frame_encode/<ser>/encrypted/small_rpc/<size>   encode_frame_into of the encrypted
//                                        PUBLISH (payload binary: base64 in JSON)
//   ser/frame_decode/<ser>/encrypted/small_rpc/<size>   decode_frame of it
//   ser/frame_encode/<ser>/plain/<shape>/<size>         the same message unencrypted
//   ser/frame_decode/<ser>/plain/<shape>/<size>         (args/kwargs in the frame)
//   ser/base64_encode/<n>, ser/base64_decode/<n>         the binary-in-JSON encoding alone
//   ser/json_hashflood/{colliding,ordinary}/<keys>       json_parse of one object whose keys all
//                                        share one std::hash value (bench/colliding_keys.h) vs as
//                                        many ordinary keys of the same length: compare the two
//                                        side by side (issue 11; the ctest gate counts instructions)
// The "bytes" counter (and bytes_per_second) counts the text/frame written or read.
#include <sodium.h>

#include <string>
#include <vector>

#include "bench_util.h"
#include "colliding_keys.h"
#include "wampbox/encoding.h"
#include "wampbox/json.h"

namespace wampbox::bench {
namespace {

const std::vector<std::size_t> kEncryptedFrameSizes = {16, 256, 4096, 65536, 1 << 20};
const std::vector<std::size_t> kBase64Sizes = {16, 256, 4096, 65536, 1 << 20};
const std::vector<std::size_t> kShapeSizes = {256, 4096, 65536};
const std::vector<std::string> kShapes = {"small_rpc", "text", "numbers", "binary"};
const std::vector<Serializer> kSerializers = {Serializer::kJson, Serializer::kMsgPack, Serializer::kCbor};

std::string ser_name(Serializer s) { return std::string(to_string(s)); }

void plaintext_write(benchmark::State& state, const Input* in) {
  WAMPBOX_CHECK_OR_SKIP(state, in->mismatch);
  std::string out;
  auto run = [&] {
    out.clear();
    cryptobox_plaintext_append(in->uri, in->args, in->kwargs, out);
  };
  run();
  const double allocs = allocations_per_call(run);
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, in->autobahn.size(), allocs);
}

void plaintext_parse(benchmark::State& state, const Input* in) {
  JsonParser parser;
  try {
    const Value v = parser.parse(in->autobahn);
    const Value* args = v.find("args");
    const Value* kwargs = v.find("kwargs");
    if (args == nullptr || kwargs == nullptr || !(*args == in->args) || !(*kwargs == in->kwargs)) {
      state.SkipWithError("JsonParser::parse gives other args/kwargs than json_parse");
      return;
    }
  } catch (const std::exception& ex) {
    state.SkipWithError(ex.what());
    return;
  }
  const double allocs = allocations_per_call([&] { benchmark::DoNotOptimize(parser.parse(in->autobahn)); });
  for (auto _ : state) {
    Value v = parser.parse(in->autobahn);
    benchmark::DoNotOptimize(v);
  }
  set_counters(state, in->autobahn.size(), allocs);
}

Message plain_publish(const Input& in) {
  Message m;
  m.type = MessageType::kPublish;
  m.request = 8512345678;
  m.uri = in.uri;
  m.args = in.args;
  m.kwargs = in.kwargs;
  return m;
}

// The frame must decode to a message that encodes to the same frame and keeps
// type, URI and payload (args/kwargs may come back absent where the frame
// omits empty ones, as Autobahn's marshal() does).
std::string round_trip_error(const Message& msg, const Bytes& frame, Serializer s) {
  const Message back = decode_frame(frame, s);
  if (back.type != msg.type || back.uri != msg.uri || back.payload != msg.payload || back.request != msg.request) {
    return "decode_frame(encode_frame_into(m)) differs from m";
  }
  if (encode_frame(back, s) != frame) return "re-encoding the decoded frame gives other bytes";
  return "";
}

void frame_encode(benchmark::State& state, Message msg, Serializer s) {
  Bytes frame;
  try {
    encode_frame_into(msg, s, frame);
    WAMPBOX_CHECK_OR_SKIP(state, round_trip_error(msg, frame, s));
  } catch (const std::exception& ex) {
    state.SkipWithError(ex.what());
    return;
  }
  const double allocs = allocations_per_call([&] { encode_frame_into(msg, s, frame); });
  for (auto _ : state) {
    encode_frame_into(msg, s, frame);
    benchmark::DoNotOptimize(frame.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, frame.size(), allocs);
}

void frame_decode(benchmark::State& state, Message msg, Serializer s) {
  Bytes frame;
  try {
    encode_frame_into(msg, s, frame);
    WAMPBOX_CHECK_OR_SKIP(state, round_trip_error(msg, frame, s));
  } catch (const std::exception& ex) {
    state.SkipWithError(ex.what());
    return;
  }
  const double allocs = allocations_per_call([&] { benchmark::DoNotOptimize(decode_frame(frame, s)); });
  for (auto _ : state) {
    Message m = decode_frame(frame, s);
    benchmark::DoNotOptimize(m);
  }
  set_counters(state, frame.size(), allocs);
}

Bytes pattern(std::size_t n) {
  Bytes v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return v;
}

// The reference: libsodium's own base64 (original alphabet, padded).
std::string sodium_base64(const Bytes& b) {
  std::string s(sodium_base64_encoded_len(b.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(s.data(), s.size(), b.data(), b.size(), sodium_base64_VARIANT_ORIGINAL);
  s.resize(s.size() - 1);  // the terminating NUL
  return s;
}

void base64_encode_bench(benchmark::State& state, std::size_t n) {
  const Bytes data = pattern(n);
  std::string out;
  auto run = [&] {
    out.clear();
    base64_encode_append(data, out);
  };
  run();
  if (out != sodium_base64(data)) {
    state.SkipWithError("base64_encode_append differs from libsodium's base64");
    return;
  }
  const double allocs = allocations_per_call(run);
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, n, allocs);
}

void base64_decode_bench(benchmark::State& state, std::size_t n) {
  const Bytes data = pattern(n);
  const std::string text = sodium_base64(data);
  Bytes out;
  auto run = [&] { base64_decode_into(text, out); };
  try {
    run();
  } catch (const std::exception& ex) {
    state.SkipWithError(ex.what());
    return;
  }
  if (out != data) {
    state.SkipWithError("base64_decode_into does not return the encoded bytes");
    return;
  }
  const double allocs = allocations_per_call(run);
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, n, allocs);
}

void json_hashflood(benchmark::State& state, bool colliding, int segments) {
  const auto keys = colliding ? hashflood::colliding_keys(segments) : hashflood::ordinary_keys(segments);
  const std::string doc = hashflood::object_of(keys);
  for (auto _ : state) {
    Value v = json_parse(doc);
    benchmark::DoNotOptimize(v);
  }
  set_counters(state, doc.size(), 0);
}

}  // namespace

void register_serialization_benchmarks(const std::vector<Input>& inputs) {
  for (const Input& in : inputs) {
    benchmark::RegisterBenchmark(("ser/plaintext_write/" + in.name).c_str(), plaintext_write, &in);
    benchmark::RegisterBenchmark(("ser/plaintext_parse/" + in.name).c_str(), plaintext_parse, &in);
  }
  for (Serializer s : kSerializers) {
    for (std::size_t size : kEncryptedFrameSizes) {
      const Input* in = find_input(inputs, "small_rpc", size);
      if (in == nullptr) continue;
      // The sealed PUBLISH, built when the benchmark runs (not at registration).
      auto enc = [in, s](benchmark::State& st, bool encode) {
        Message m;
        try {
          m = SenderPath(MessageType::kPublish, s, *in).message();
        } catch (const std::exception& ex) {
          st.SkipWithError(ex.what());
          return;
        }
        encode ? frame_encode(st, std::move(m), s) : frame_decode(st, std::move(m), s);
      };
      const std::string tail = ser_name(s) + "/encrypted/" + in->name;
      benchmark::RegisterBenchmark(("ser/frame_encode/" + tail).c_str(), enc, true);
      benchmark::RegisterBenchmark(("ser/frame_decode/" + tail).c_str(), enc, false);
    }
    for (const std::string& shape : kShapes) {
      for (std::size_t size : kShapeSizes) {
        const Input* in = find_input(inputs, shape, size);
        if (in == nullptr) continue;
        const std::string tail = ser_name(s) + "/plain/" + in->name;
        benchmark::RegisterBenchmark(("ser/frame_encode/" + tail).c_str(),
                                     [in, s](benchmark::State& st) { frame_encode(st, plain_publish(*in), s); });
        benchmark::RegisterBenchmark(("ser/frame_decode/" + tail).c_str(),
                                     [in, s](benchmark::State& st) { frame_decode(st, plain_publish(*in), s); });
      }
    }
  }
  for (int segments : {12, 15}) {  // 4,096 keys of 192 B (~0.8 MB); 32,768 of 240 B (~8 MB: 65,536 would pass max_frame_bytes)
    const std::string n = std::to_string(1 << segments);
    benchmark::RegisterBenchmark(("ser/json_hashflood/colliding/" + n).c_str(), json_hashflood, true, segments);
    benchmark::RegisterBenchmark(("ser/json_hashflood/ordinary/" + n).c_str(), json_hashflood, false, segments);
  }
  for (std::size_t n : kBase64Sizes) {
    benchmark::RegisterBenchmark(("ser/base64_encode/" + std::to_string(n)).c_str(), base64_encode_bench, n);
    benchmark::RegisterBenchmark(("ser/base64_decode/" + std::to_string(n)).c_str(), base64_decode_bench, n);
  }
}

}  // namespace wampbox::bench
