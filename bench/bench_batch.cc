// batch/*: the full paths for a batch of independent messages, through
// PayloadCodec::seal_batch / open_batch (issue 14 items 4 and 6), on the
// multi-buffer backend "xsalsa-mb" and on libsodium (whose batch is a loop).
//
//   batch/sender/<ser>/PUBLISH/<shape>/<size>/<backend>/<B>
//       B messages per iteration: seal_batch of the B (values -> payloads; one
//       nonce call for all), then encode_frame_into of each; items = messages
//   batch/receiver/<ser>/EVENT/<shape>/<size>/<backend>/<B>
//       B EVENT frames per iteration: decode_frame_into of each (reused
//       messages), then open_batch of the B payloads (views into the decoded
//       frames) into B reused OpenContexts; items = messages
//   ratio/batch_sender/<ser>/PUBLISH/<shape>/<size>/<backend>/<B>
//   ratio/batch_receiver/<ser>/EVENT/<shape>/<size>/<backend>/<B>
//       the batch path side by side with B raw libsodium seals (nonce +
//       crypto_box_easy_afternm) / opens of the same plaintext length, as the
//       ratio/ family of bench_paths.cc: counter "ratio" = batch path messages/s
//       over raw libsodium messages/s (above 1: past the one-message ceiling)
//
// Every message of a batch is the same input's values (each with its own
// nonce); the backends are told apart by name. Before timing, every frame is
// decoded and decrypted back to the input values (sender) and every result
// compared with the input (receiver).
#include <string>
#include <vector>

#include "bench_util.h"
#include "wampbox/cryptobox.h"
#include "wampbox/error.h"
#ifdef WAMPBOX_BENCH_HAVE_XSALSA_MB
#include "wampbox/xsalsa_mb.h"
#endif

namespace wampbox::bench {
namespace {

constexpr std::uint64_t kBatchRequest = 8512345678;

// Reads enc_algo / enc_serializer of a decoded frame as views.
void enc_attributes(const Message& m, std::string_view& algo, std::string_view& ser) {
  algo = kEncAlgoCryptobox;
  ser = kEncSerializerJson;
  for (const auto& [k, v] : m.options) {
    if (v.kind() != Value::Kind::kString) continue;
    if (k == "enc_algo") algo = v.as_string();
    if (k == "enc_serializer") ser = v.as_string();
  }
}

// The codec options of both sides of a batch pair: `b` does the crypto.
PayloadCodecOptions codec_options(const CryptoBackend& b) {
  PayloadCodecOptions o;
  o.backend = &b;
  return o;
}

class BatchSender {
 public:
  BatchSender(Serializer s, const Input& in, const CryptoBackend& backend, std::size_t count)
      : in_(&in), ser_(s), codec_(fixture().ring, codec_options(backend)), payloads_(count), results_(count), frames_(count) {
    for (std::size_t i = 0; i < count; ++i) {
      requests_.push_back(SealRequest{Role::kOriginator, in.uri, &in.args, &in.kwargs});
    }
    // The encrypted PUBLISH each payload goes out in (enc_* in place).
    SenderPath one(MessageType::kPublish, s, in);
    msg_ = one.message();
    plaintext_bytes_ = one.plaintext_bytes();
    run();  // sizes every buffer
  }
  void run() {
    codec_.seal_batch(requests_, payloads_, results_, scratch_);
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      msg_.payload->swap(payloads_[i]);  // the frame writer reads the payload from the message
      encode_frame_into(msg_, ser_, frames_[i]);
      msg_.payload->swap(payloads_[i]);
    }
  }
  std::string check() {
    if (!in_->mismatch.empty()) return in_->mismatch;
    try {
      run();
      for (std::size_t i = 0; i < frames_.size(); ++i) {
        if (results_[i].status != BatchStatus::kOk) return "seal_batch: message not sealed: " + results_[i].message;
        const Message m = decode_frame(frames_[i], ser_);
        if (!m.payload || *m.payload != payloads_[i]) return "frame payload differs from the sealed payload";
        EncodedPayload ep;
        ep.payload = *m.payload;
        const DecodedPayload d = fixture().codec->decode(Role::kResponder, in_->uri, ep);
        if (d.uri != in_->uri || !(d.args == in_->args) || !(d.kwargs == in_->kwargs)) {
          return "a batch frame decrypts to other values than the input";
        }
        if (i > 0 && std::equal(payloads_[i].begin(), payloads_[i].begin() + kNonceBytes, payloads_[0].begin())) {
          return "two messages of the batch share a nonce";
        }
      }
    } catch (const std::exception& ex) {
      return std::string("batch sender failed: ") + ex.what();
    }
    return "";
  }
  std::size_t plaintext_bytes() const { return plaintext_bytes_; }
  std::size_t count() const { return frames_.size(); }

 private:
  const Input* in_;
  Serializer ser_;
  PayloadCodec codec_;
  std::vector<SealRequest> requests_;
  std::vector<Bytes> payloads_;
  std::vector<BatchResult> results_;
  std::vector<Bytes> frames_;
  BatchScratch scratch_;
  Message msg_;
  std::size_t plaintext_bytes_ = 0;
};

class BatchReceiver {
 public:
  BatchReceiver(Serializer s, const Input& in, const CryptoBackend& backend, std::size_t count)
      : in_(&in), ser_(s), codec_(fixture().ring, codec_options(backend)), msgs_(count), requests_(count),
        results_(count), out_(count) {
    // B different EVENTs (each payload sealed with its own nonce), as a router forwards them.
    for (std::size_t i = 0; i < count; ++i) {
      ReceiverPath one(MessageType::kEvent, s, in);
      frames_.push_back(one.frame());
      plaintext_bytes_ = one.plaintext_bytes();
    }
    run();
  }
  void run() {
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      decode_frame_into(frames_[i], ser_, msgs_[i], frame_ctx_);
      OpenRequest& r = requests_[i];
      r.role = Role::kResponder;
      r.envelope_uri = in_->uri;  // EVENT carries no topic: the session knows it from the subscription
      r.payload = msgs_[i].payload ? std::span<const std::uint8_t>(*msgs_[i].payload) : std::span<const std::uint8_t>();
      enc_attributes(msgs_[i], r.enc_algo, r.enc_serializer);
    }
    codec_.open_batch(requests_, out_, results_, scratch_);
  }
  std::string check() {
    if (!in_->mismatch.empty()) return in_->mismatch;
    try {
      run();
      for (std::size_t i = 0; i < out_.size(); ++i) {
        if (results_[i].status != BatchStatus::kOk) return "open_batch: message not opened: " + results_[i].message;
        if (out_[i].uri() != in_->uri || !(out_[i].args() == in_->args) || !(out_[i].kwargs() == in_->kwargs)) {
          return "open_batch gives other values than the input";
        }
      }
    } catch (const std::exception& ex) {
      return std::string("batch receiver failed: ") + ex.what();
    }
    return "";
  }
  std::size_t plaintext_bytes() const { return plaintext_bytes_; }
  std::size_t count() const { return frames_.size(); }

 private:
  const Input* in_;
  Serializer ser_;
  PayloadCodec codec_;
  std::vector<Bytes> frames_;
  std::vector<Message> msgs_;
  std::vector<OpenRequest> requests_;
  std::vector<BatchResult> results_;
  std::vector<OpenContext> out_;
  BatchScratch scratch_;
  FrameContext frame_ctx_;
  std::size_t plaintext_bytes_ = 0;
};

// `count` runs of a one-message kernel: the ceiling side of a batch pair.
template <class Kernel>
class Repeat {
 public:
  Repeat(std::size_t n, std::size_t count) : k_(n), count_(count) {}
  void run() {
    for (std::size_t i = 0; i < count_; ++i) k_.run();
  }
  std::string check() { return k_.check(); }
  std::size_t plaintext_bytes() const { return k_.plaintext_bytes(); }

 private:
  Kernel k_;
  std::size_t count_;
};

template <class Kernel>
void run_batch(benchmark::State& state, Serializer s, const Input* in, const CryptoBackend* b, std::size_t count) {
  try {
    Kernel k(s, *in, *b, count);
    WAMPBOX_CHECK_OR_SKIP(state, k.check());
    const double allocs = allocations_per_call([&] { k.run(); }) / static_cast<double>(count);
    for (auto _ : state) {
      k.run();
      benchmark::ClobberMemory();
    }
    const auto n = static_cast<std::int64_t>(state.iterations() * count);
    state.SetItemsProcessed(n);
    state.SetBytesProcessed(n * static_cast<std::int64_t>(k.plaintext_bytes()));
    state.counters["bytes"] = static_cast<double>(k.plaintext_bytes());
    state.counters["allocs_per_msg"] = allocs;
    state.counters["batch"] = static_cast<double>(count);
  } catch (const std::exception& ex) {
    state.SkipWithError(ex.what());
  }
}

template <class Kernel, class Raw>
void run_batch_paired(benchmark::State& state, Serializer s, const Input* in, const CryptoBackend* b,
                      std::size_t count) {
  try {
    Kernel k(s, *in, *b, count);
    Repeat<Raw> c(k.plaintext_bytes(), count);
    run_paired(state, k, c);
    // run_paired counts runs; a run here is `count` messages on both sides.
    if (state.counters.count("path_msgs_per_s") != 0) {
      state.counters["path_msgs_per_s"] = state.counters["path_msgs_per_s"] * static_cast<double>(count);
      state.counters["ceiling_msgs_per_s"] = state.counters["ceiling_msgs_per_s"] * static_cast<double>(count);
    }
    state.counters["batch"] = static_cast<double>(count);
  } catch (const std::exception& ex) {
    state.SkipWithError(ex.what());
  }
}

std::string ser_name(Serializer s) { return std::string(to_string(s)); }

}  // namespace

void register_batch_benchmarks(const std::vector<Input>& inputs) {
  std::vector<const CryptoBackend*> backends = {&libsodium_backend()};
#ifdef WAMPBOX_BENCH_HAVE_XSALSA_MB
  backends.push_back(&backends::xsalsa_mb());
#endif
  // (serializer, size, batch sizes): JSON at 256 B carries issue 14's
  // Autobahn goal; the other serializers and 64 B give the context.
  struct Case {
    Serializer s;
    std::size_t size;
    std::vector<std::size_t> counts;
  };
  const std::vector<Case> cases = {{Serializer::kJson, 256, {8, 64}},
                                   {Serializer::kMsgPack, 256, {64}},
                                   {Serializer::kCbor, 256, {64}},
                                   {Serializer::kJson, 64, {64}}};
  for (const Case& c : cases) {
    const Input* in = find_input(inputs, "small_rpc", c.size);
    if (in == nullptr) continue;
    for (const CryptoBackend* b : backends) {
      for (std::size_t count : c.counts) {
        const std::string tail = ser_name(c.s) + "/%s/" + in->name + "/" + std::string(b->name()) + "/" +
                                 std::to_string(count);
        auto name = [&](const std::string& family, const char* type) {
          std::string t = tail;
          t.replace(t.find("%s"), 2, type);
          return family + "/" + t;
        };
        const Serializer s = c.s;
        benchmark::RegisterBenchmark(name("batch/sender", "PUBLISH").c_str(), [=](benchmark::State& st) {
          run_batch<BatchSender>(st, s, in, b, count);
        });
        benchmark::RegisterBenchmark(name("batch/receiver", "EVENT").c_str(), [=](benchmark::State& st) {
          run_batch<BatchReceiver>(st, s, in, b, count);
        });
        if (s == Serializer::kJson && c.size == 256 && count == 64) {
          benchmark::RegisterBenchmark(name("ratio/batch_sender", "PUBLISH").c_str(), [=](benchmark::State& st) {
            run_batch_paired<BatchSender, RawSeal>(st, s, in, b, count);
          });
          benchmark::RegisterBenchmark(name("ratio/batch_receiver", "EVENT").c_str(), [=](benchmark::State& st) {
            run_batch_paired<BatchReceiver, RawOpen>(st, s, in, b, count);
          });
        }
      }
    }
  }
}

}  // namespace wampbox::bench
