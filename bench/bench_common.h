// Shared pieces of the benchmark binary (wampbox_bench) and the
// instruction-count driver (wampbox_bench_gate): the inputs generated from
// scripts/wampbox_py/payloads.py, the keyring, and the kernels of the full
// paths, so that both programs time exactly the same code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wampbox/cryptobox.h"
#include "wampbox/keyring.h"
#include "wampbox/message.h"
#include "wampbox/value.h"

namespace wampbox::bench {

/// One seeded payload: payloads.shaped(shape, size, seed) as Autobahn's
/// exact plaintext (scripts/bench/gen_inputs.py) and as parsed values.
struct Input {
  std::string name;       // "<shape>/<size>"
  std::string shape;      // small_rpc, text, numbers, binary
  std::size_t size = 0;   // the nominal size passed to shaped()
  std::string autobahn;   // Autobahn's plaintext bytes {"uri":..,"args":..,"kwargs":..}
  std::string uri;
  Value args, kwargs;
  /// Empty if wampbox's cryptobox_plaintext_append reproduces `autobahn`
  /// byte for byte; otherwise what differs. Benchmarks on this input then
  /// report it with SkipWithError instead of timing wrong output.
  std::string mismatch;
};

/// Where the inputs are: `--inputs=DIR` (removed from argv), else
/// $WAMPBOX_BENCH_INPUTS, else the directory the build generated.
std::string inputs_dir_from_args(int* argc, char** argv);

/// Loads DIR/manifest.json and every input it lists. Throws std::runtime_error
/// naming the file on any problem (missing, unparsable, sha256 mismatch).
std::vector<Input> load_inputs(const std::string& dir);
const Input* find_input(const std::vector<Input>& inputs, std::string_view shape, std::size_t size);

/// The keyring every benchmark uses: the published sample keys (crossbar-examples
/// encryption/cryptobox/sample_keys.py) for prefix "com.myapp.encrypted.", both roles.
struct Fixture {
  KeyRing ring;
  std::unique_ptr<PayloadCodec> codec;
  std::array<std::uint8_t, 32> shared_key{};  // crypto_box_beforenm(responder_pub, originator_priv)
};
const Fixture& fixture();

inline constexpr std::string_view kErrorUri = "com.myapp.encrypted.error";

/// The URI a message of type `t` carrying `in` is keyed by: the input's URI
/// (topic/procedure), or kErrorUri for ERROR.
std::string uri_for(MessageType t, const Input& in);

/// Sender path: values -> encrypted frame. Per message: PayloadCodec::
/// encode_into (inner JSON + fresh nonce + crypto_box_easy_afternm) into the
/// payload of a prepared encrypted Message, then encode_frame_into. Buffers
/// are reused: after the first call nothing is allocated by the kernel itself.
class SenderPath {
 public:
  /// `t` is PUBLISH, CALL, YIELD or ERROR (what a session seals).
  SenderPath(MessageType t, Serializer s, const Input& in);
  void run();
  /// Runs once and checks the frame decodes and decrypts back to the input
  /// values; returns "" if right, else what is wrong.
  std::string check();
  const Bytes& frame() const { return frame_; }
  /// The encrypted message the frame is made from.
  const Message& message() const { return msg_; }
  std::size_t plaintext_bytes() const { return plaintext_bytes_; }

 private:
  const Input* in_;
  MessageType type_;
  Serializer ser_;
  Role role_;
  std::string uri_;
  Message msg_;  // encrypted form, enc_* in place; payload overwritten per run
  std::string scratch_;
  Bytes frame_;
  std::size_t plaintext_bytes_ = 0;
};

/// Receiver path: encrypted frame -> values. Per message: decode_frame_into
/// (reusing the message and a FrameContext), then PayloadCodec::open_into of
/// its payload (MAC check, inner JSON parse, URI check) into a reused
/// OpenContext. The frame is what a router forwards: EVENT carries a PUBLISH
/// payload, INVOCATION a CALL payload, RESULT a YIELD payload, ERROR an ERROR.
/// After the first call nothing is allocated by the kernel itself.
class ReceiverPath {
 public:
  /// `t` is EVENT, INVOCATION, RESULT or ERROR (what a session opens).
  ReceiverPath(MessageType t, Serializer s, const Input& in);
  void run();
  std::string check();
  const Bytes& frame() const { return frame_; }
  std::size_t plaintext_bytes() const { return plaintext_bytes_; }
  const OpenContext& result() const { return opened_; }

 private:
  const Input* in_;
  MessageType type_;
  Serializer ser_;
  Role role_;
  std::string uri_;
  Bytes frame_;
  Message msg_;
  FrameContext frame_ctx_;
  OpenContext opened_;
  std::size_t plaintext_bytes_ = 0;
};

/// The ceiling: what any correct sender must do per message, with nothing
/// else: a fresh 24-byte nonce (randombytes_buf) and
/// crypto_box_easy_afternm of `n` bytes into a preallocated buffer.
class RawSeal {
 public:
  explicit RawSeal(std::size_t n);
  void run();
  std::string check();
  std::size_t plaintext_bytes() const { return plain_.size(); }

 private:
  std::vector<std::uint8_t> plain_, boxed_;
};

/// The receiving ceiling: crypto_box_open_easy_afternm of an `n`-byte
/// plaintext's box into a preallocated buffer.
class RawOpen {
 public:
  explicit RawOpen(std::size_t n);
  void run();
  std::string check();
  std::size_t plaintext_bytes() const { return plain_.size(); }

 private:
  std::vector<std::uint8_t> plain_, boxed_, out_;
  bool ok_ = true;
};

/// Heap allocations (malloc/calloc/realloc, hence also operator new) made
/// by the calling thread so far; bench_alloc.cc counts them.
std::uint64_t thread_allocations() noexcept;

/// Allocations per call of `fn`, averaged over `n` calls (run after warm-up).
template <class Fn>
double allocations_per_call(Fn&& fn, int n = 16) {
  const std::uint64_t before = thread_allocations();
  for (int i = 0; i < n; ++i) fn();
  return static_cast<double>(thread_allocations() - before) / n;
}

/// The plaintext bytes wampbox writes for (uri, args, kwargs).
std::string plaintext_of(std::string_view uri, const Value& args, const Value& kwargs);

/// The message type a receiver of `t` gets its payload from (EVENT <- PUBLISH ...).
MessageType forwarded_from(MessageType receiver_type);

}  // namespace wampbox::bench
