#include "bench_common.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/keys.h"

#ifndef WAMPBOX_BENCH_DEFAULT_INPUTS
#define WAMPBOX_BENCH_DEFAULT_INPUTS ""
#endif

namespace wampbox::bench {
namespace {

// Sample keys published in crossbar-examples encryption/cryptobox/sample_keys.py.
constexpr const char* kOriginatorPriv = "6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=";
constexpr const char* kOriginatorPub = "GTtQ37XGJO2O4R8Dvx4AUo8pe61D9evIWpKGQAPdOh0=";
constexpr const char* kResponderPriv = "ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE=";
constexpr const char* kResponderPub = "5Q3rK3UhNZzdviBw9MtbNrrPHR9bsFSGMEtr2H3ZaxQ=";
constexpr const char* kPrefix = "com.myapp.encrypted.";

// Arbitrary fixed ids, multi-byte in every serializer.
constexpr std::uint64_t kRequest = 8512345678;
constexpr std::uint64_t kSubscription = 5512315355;
constexpr std::uint64_t kPublication = 4429313566;
constexpr std::uint64_t kRegistration = 9823526;

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const std::string& string_member(const Value& obj, std::string_view key, const std::string& where) {
  const Value* v = obj.find(key);
  if (v == nullptr || v->kind() != Value::Kind::kString) {
    throw std::runtime_error(where + ": missing string member \"" + std::string(key) + "\"");
  }
  return v->as_string();
}

std::int64_t int_member(const Value& obj, std::string_view key, const std::string& where) {
  const Value* v = obj.find(key);
  if (v == nullptr || v->kind() != Value::Kind::kInt) {
    throw std::runtime_error(where + ": missing integer member \"" + std::string(key) + "\"");
  }
  return v->as_int();
}

std::string sha256_hex(std::string_view data) {
  std::uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return hex_encode(std::span<const std::uint8_t>(h, sizeof h));
}

Role other(Role r) { return r == Role::kOriginator ? Role::kResponder : Role::kOriginator; }

// Describes the first difference between two byte strings, for error messages.
std::string first_difference(std::string_view want, std::string_view got) {
  std::size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  auto around = [i](std::string_view s) {
    std::size_t from = i < 20 ? 0 : i - 20;
    return std::string(s.substr(from, 40));
  };
  return "lengths " + std::to_string(want.size()) + " vs " + std::to_string(got.size()) + ", first difference at byte " +
         std::to_string(i) + ": Autobahn ..." + around(want) + "... wampbox ..." + around(got) + "...";
}

}  // namespace

std::string inputs_dir_from_args(int* argc, char** argv) {
  std::string dir;
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string_view a = argv[i];
    if (a.starts_with("--inputs=")) {
      dir = std::string(a.substr(9));
    } else if (a == "--inputs" && i + 1 < *argc) {
      dir = argv[++i];
    } else {
      argv[out++] = argv[i];
    }
  }
  *argc = out;
  argv[out] = nullptr;
  if (dir.empty()) {
    if (const char* env = std::getenv("WAMPBOX_BENCH_INPUTS"); env != nullptr && *env != '\0') dir = env;
  }
  if (dir.empty()) dir = WAMPBOX_BENCH_DEFAULT_INPUTS;
  return dir;
}

std::string plaintext_of(std::string_view uri, const Value& args, const Value& kwargs) {
  std::string s;
  cryptobox_plaintext_append(uri, args, kwargs, s);
  return s;
}

std::vector<Input> load_inputs(const std::string& dir) {
  if (dir.empty()) throw std::runtime_error("no inputs directory: pass --inputs=DIR or set WAMPBOX_BENCH_INPUTS");
  const std::string manifest_path = dir + "/manifest.json";
  if (!std::filesystem::exists(manifest_path)) {
    throw std::runtime_error("no benchmark inputs in " + dir + ": write them with /usr/bin/python3 "
                             "scripts/bench/gen_inputs.py --out " + dir + " (scripts/bench.sh does)");
  }
  const Value manifest = json_parse(read_file(manifest_path));
  const Value* list = manifest.find("inputs");
  if (list == nullptr || list->kind() != Value::Kind::kArray) {
    throw std::runtime_error(manifest_path + ": no \"inputs\" array");
  }
  std::vector<Input> inputs;
  for (const Value& e : list->as_array()) {
    Input in;
    in.name = string_member(e, "name", manifest_path);
    in.shape = string_member(e, "shape", manifest_path);
    in.size = static_cast<std::size_t>(int_member(e, "size", manifest_path));
    const std::string path = dir + "/" + string_member(e, "file", manifest_path);
    in.autobahn = read_file(path);
    if (sha256_hex(in.autobahn) != string_member(e, "sha256", manifest_path)) {
      throw std::runtime_error(path + ": sha256 differs from the manifest (regenerate with scripts/bench/gen_inputs.py)");
    }
    const Value doc = json_parse(in.autobahn);
    in.uri = string_member(doc, "uri", path);
    const Value* args = doc.find("args");
    const Value* kwargs = doc.find("kwargs");
    if (args == nullptr || kwargs == nullptr) throw std::runtime_error(path + ": no args/kwargs");
    in.args = *args;
    in.kwargs = *kwargs;
    try {
      const std::string mine = plaintext_of(in.uri, in.args, in.kwargs);
      if (mine != in.autobahn) in.mismatch = "plaintext differs from Autobahn's: " + first_difference(in.autobahn, mine);
    } catch (const std::exception& ex) {
      in.mismatch = std::string("writing the plaintext failed: ") + ex.what();
    }
    inputs.push_back(std::move(in));
  }
  return inputs;
}

const Input* find_input(const std::vector<Input>& inputs, std::string_view shape, std::size_t size) {
  for (const Input& in : inputs) {
    if (in.shape == shape && in.size == size) return &in;
  }
  return nullptr;
}

const Fixture& fixture() {
  static const Fixture* f = [] {
    if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
    auto* fx = new Fixture();
    Key::Parts parts;
    parts.originator_priv = kOriginatorPriv;
    parts.originator_pub = kOriginatorPub;
    parts.responder_priv = kResponderPriv;
    parts.responder_pub = kResponderPub;
    fx->ring.set_key(kPrefix, Key::from_parts(parts));
    fx->codec = std::make_unique<PayloadCodec>(fx->ring);
    const auto k = fx->ring.find(kPrefix)->shared(Role::kOriginator).bytes();
    std::memcpy(fx->shared_key.data(), k.data(), k.size());
    return fx;
  }();
  return *f;
}

std::string uri_for(MessageType t, const Input& in) {
  return t == MessageType::kError ? std::string(kErrorUri) : in.uri;
}

MessageType forwarded_from(MessageType receiver_type) {
  switch (receiver_type) {
    case MessageType::kEvent: return MessageType::kPublish;
    case MessageType::kInvocation: return MessageType::kCall;
    case MessageType::kResult: return MessageType::kYield;
    case MessageType::kError: return MessageType::kError;
    default: throw std::invalid_argument("not a received message type");
  }
}

// --- sender ------------------------------------------------------------------

SenderPath::SenderPath(MessageType t, Serializer s, const Input& in)
    : in_(&in), type_(t), ser_(s), role_(seal_role(t)), uri_(uri_for(t, in)) {
  Message plain;
  plain.type = t;
  plain.request = kRequest;
  switch (t) {
    case MessageType::kPublish:
    case MessageType::kCall: plain.uri = uri_; break;
    case MessageType::kYield: break;
    case MessageType::kError:
      plain.request_type = static_cast<std::int64_t>(MessageType::kInvocation);
      plain.uri = uri_;
      break;
    default: throw std::invalid_argument("SenderPath: not a sealed message type");
  }
  plain.args = in.args;
  plain.kwargs = in.kwargs;
  auto sealed = seal_message(*fixture().codec, plain, uri_);
  if (!sealed || !sealed->payload) throw std::runtime_error("SenderPath: seal_message did not encrypt " + uri_);
  msg_ = std::move(*sealed);
  plaintext_bytes_ = plaintext_of(uri_, in.args, in.kwargs).size();
  // Size the buffers once, so that even the first timed message does not grow them.
  run();
}

void SenderPath::run() {
  (void)fixture().codec->encode_into(  // the fixture's key covers uri_: always true
      role_, uri_, in_->args, in_->kwargs, *msg_.payload, scratch_);
  encode_frame_into(msg_, ser_, frame_);
}

std::string SenderPath::check() {
  if (!in_->mismatch.empty()) return in_->mismatch;
  try {
    frame_.clear();
    run();
    const Message m = decode_frame(frame_, ser_);
    if (m.type != type_) return "frame decodes to another message type";
    if (!m.payload) return "frame carries no payload";
    if (m.payload != msg_.payload) return "frame payload differs from the sealed payload";
    EncodedPayload ep;
    ep.payload = *m.payload;
    const DecodedPayload d = fixture().codec->decode(other(role_), uri_, ep);
    if (d.uri != uri_) return "decrypted uri differs";
    if (!(d.args == in_->args) || !(d.kwargs == in_->kwargs)) return "decrypted args/kwargs differ from the input";
    if (msg_.payload->size() != plaintext_bytes_ + kPayloadOverhead) return "payload size is not plaintext + 40";
  } catch (const std::exception& ex) {
    return std::string("sender path failed: ") + ex.what();
  }
  return "";
}

// --- receiver ----------------------------------------------------------------

ReceiverPath::ReceiverPath(MessageType t, Serializer s, const Input& in)
    : in_(&in), type_(t), ser_(s), role_(open_role(t)) {
  const MessageType source = forwarded_from(t);
  uri_ = uri_for(source, in);
  SenderPath sender(source, s, in);
  const Message sent = decode_frame(sender.frame(), s);
  // What the router forwards: payload and enc_* untouched, new envelope.
  Message m;
  m.type = t;
  m.options = sent.options;
  m.payload = sent.payload;
  switch (t) {
    case MessageType::kEvent:
      m.subscription = kSubscription;
      m.publication = kPublication;
      break;
    case MessageType::kInvocation:
      m.request = kRequest;
      m.registration = kRegistration;
      break;
    case MessageType::kResult: m.request = kRequest; break;
    case MessageType::kError:
      m.request_type = static_cast<std::int64_t>(MessageType::kCall);
      m.request = kRequest;
      m.uri = sent.uri;
      break;
    default: throw std::invalid_argument("ReceiverPath: not a received message type");
  }
  encode_frame_into(m, s, frame_);
  plaintext_bytes_ = sender.plaintext_bytes();
  // Steady state before timing: the first message fills the contexts, the
  // second sizes their pools' own lists.
  run();
  run();
}

void ReceiverPath::run() {
  decode_frame_into(frame_, ser_, msg_, frame_ctx_);
  std::string_view algo, serializer;
  for (const auto& [k, v] : msg_.options) {
    if (v.kind() != Value::Kind::kString) continue;
    if (k == "enc_algo") {
      algo = v.as_string();
    } else if (k == "enc_serializer") {
      serializer = v.as_string();
    }
  }
  static const Bytes kNoPayload;
  fixture().codec->open_into(role_, uri_, algo, serializer, msg_.payload ? *msg_.payload : kNoPayload, opened_);
}

std::string ReceiverPath::check() {
  if (!in_->mismatch.empty()) return in_->mismatch;
  try {
    opened_.clear();
    run();
    if (opened_.uri() != uri_) return "decrypted uri differs";
    if (!(opened_.args() == in_->args) || !(opened_.kwargs() == in_->kwargs)) {
      return "decrypted args/kwargs differ from the input";
    }
    // The reusing decoders give what the allocating ones give.
    const Message fresh = decode_frame(frame_, ser_);
    if (!(fresh == msg_)) return "decode_frame_into differs from decode_frame";
    EncodedPayload ep;
    ep.payload = *fresh.payload;
    const DecodedPayload d = fixture().codec->decode(role_, uri_, ep);
    if (d.uri != opened_.uri() || !(d.args == opened_.args()) || !(d.kwargs == opened_.kwargs())) {
      return "open_into differs from decode";
    }
  } catch (const std::exception& ex) {
    return std::string("receiver path failed: ") + ex.what();
  }
  return "";
}

// --- raw crypto ceiling ---------------------------------------------------------

RawSeal::RawSeal(std::size_t n) : plain_(n + 1), boxed_(n + crypto_box_NONCEBYTES + crypto_box_MACBYTES) {
  plain_.resize(n);
  for (std::size_t i = 0; i < n; ++i) plain_[i] = static_cast<std::uint8_t>(i * 131 + 7);
  fixture();  // sodium_init
}

void RawSeal::run() {
  randombytes_buf(boxed_.data(), crypto_box_NONCEBYTES);
  crypto_box_easy_afternm(boxed_.data() + crypto_box_NONCEBYTES, plain_.data(), plain_.size(), boxed_.data(),
                          fixture().shared_key.data());
}

std::string RawSeal::check() {
  run();
  std::vector<std::uint8_t> back(plain_.size() + 1);
  if (crypto_box_open_easy_afternm(back.data(), boxed_.data() + crypto_box_NONCEBYTES,
                                   boxed_.size() - crypto_box_NONCEBYTES, boxed_.data(),
                                   fixture().shared_key.data()) != 0) {
    return "raw seal: box does not open";
  }
  back.resize(plain_.size());
  return back == plain_ ? "" : "raw seal: opened plaintext differs";
}

RawOpen::RawOpen(std::size_t n)
    : plain_(n + 1), boxed_(n + crypto_box_NONCEBYTES + crypto_box_MACBYTES), out_(n + 1) {
  plain_.resize(n);
  for (std::size_t i = 0; i < n; ++i) plain_[i] = static_cast<std::uint8_t>(i * 131 + 7);
  fixture();
  randombytes_buf(boxed_.data(), crypto_box_NONCEBYTES);
  crypto_box_easy_afternm(boxed_.data() + crypto_box_NONCEBYTES, plain_.data(), plain_.size(), boxed_.data(),
                          fixture().shared_key.data());
}

void RawOpen::run() {
  ok_ = crypto_box_open_easy_afternm(out_.data(), boxed_.data() + crypto_box_NONCEBYTES,
                                     boxed_.size() - crypto_box_NONCEBYTES, boxed_.data(),
                                     fixture().shared_key.data()) == 0;
}

std::string RawOpen::check() {
  run();
  if (!ok_) return "raw open: MAC check failed";
  return std::memcmp(out_.data(), plain_.data(), plain_.size()) == 0 ? "" : "raw open: plaintext differs";
}

}  // namespace wampbox::bench
