// Crypto backends (wampbox/backend.h): the registry, the API contract, the
// payload codec on every backend, and every backend against the corpus's
// crypto_box layer (fixtures/crypto_box_test.json, operations box, beforenm,
// box_afternm; fixtures/README.md).
//
// Why here and not in the conformance runner: the runner drives adapter
// processes through a protocol that names one implementation per adapter;
// the backends are in-process alternatives behind one C++ interface, so a
// GoogleTest binary parameterised over available_backends() runs them all,
// in ctest and under ASan/UBSan, with no protocol change.
//
// The corpus is read strictly (every field of every object must be consumed;
// unknown fields, unknown operations, flags missing from `notes`, duplicate
// tcIds and a wrong numberOfTests fail). Judgement per backend:
//   valid       accepted with exactly the given outputs, through both paths
//               (seal/open with the key pair, and beforenm + the afternm
//               functions); then the derived checks of fixtures/README.md
//               (tag byte flipped, trailing byte, public key byte flipped)
//               must fail;
//   invalid     opening must fail (both paths);
//   acceptable  either outcome, outputs exact if accepted, consistent across
//               seal, open and beforenm. The low-order vectors
//               (LowOrderPublicKey) must follow the backend's declared
//               LowOrderPolicy: all rejected (libsodium profile), all
//               computed (TweetNaCl profile), or some of each (partial).
// A backend fails the corpus when any vector fails. Such failures are
// recorded as known deviations below (kKnownDeviations, with the reason); the
// test then requires exactly those vectors to fail, so that a new failure or
// a fixed one is noticed, and the report still marks the backend as failed.
// With WAMPBOX_BACKEND_REPORT_DIR set, each backend's result (counts,
// observed profile, first failures) is written to <dir>/<backend>.json; that
// is what scripts/backends.sh uses to leave failing backends out of the
// published numbers.
#include "wampbox/backend.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "wampbox/cryptobox.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/keyring.h"
#include "wampbox/keys.h"
#include "wampbox/value.h"

namespace wampbox {
namespace {

namespace fs = std::filesystem;

using Key32 = std::array<std::uint8_t, kKeyBytes>;
using Nonce = std::array<std::uint8_t, kNonceBytes>;

fs::path fixtures_dir() {
  if (const char* env = std::getenv("WAMPBOX_FIXTURES")) return env;
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "fixtures";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Bytes pattern(std::size_t n, std::uint8_t seed = 7) {
  Bytes v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 131 + seed);
  return v;
}

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const CryptoBackend* b : available_backends()) names.emplace_back(b->name());
  return names;
}

std::string test_name(const testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

const CryptoBackend& backend_named(const std::string& name) {
  const CryptoBackend* b = find_backend(name);
  if (b == nullptr) throw std::runtime_error("no backend " + name);
  return *b;
}

// ---------------------------------------------------------------------------
// Registry

TEST(BackendRegistry, LibsodiumFirstAndNamesUnique) {
  auto list = available_backends();
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(list[0], &libsodium_backend());
  EXPECT_EQ(list[0]->name(), "libsodium");
  std::set<std::string_view> seen;
  for (const CryptoBackend* b : list) {
    EXPECT_TRUE(seen.insert(b->name()).second) << b->name();
    EXPECT_EQ(find_backend(b->name()), b);
    EXPECT_FALSE(b->description().empty());
    const auto known = known_backend_names();
    EXPECT_NE(std::find(known.begin(), known.end(), b->name()), known.end()) << b->name() << " not in known names";
  }
  EXPECT_EQ(find_backend("no-such-backend"), nullptr);
  EXPECT_EQ(find_backend(""), nullptr);
  std::printf("[backends] built:");
  for (const CryptoBackend* b : list) std::printf(" %.*s", int(b->name().size()), b->name().data());
  std::printf("\n[backends] not built:");
  for (std::string_view n : known_backend_names()) {
    if (find_backend(n) == nullptr) std::printf(" %.*s", int(n.size()), n.data());
  }
  std::printf("\n");
  for (const CryptoBackend* b : list) {
    std::printf("[backends] %-20.*s %.*s\n", int(b->name().size()), b->name().data(), int(b->description().size()),
                b->description().data());
  }
}

TEST(BackendRegistry, KnownNamesInOrder) {
  auto known = known_backend_names();
  std::vector<std::string_view> want = {"libsodium", "nacl", "cryptopp", "cryptopp-tweetnacl", "botan"};
  ASSERT_EQ(std::vector<std::string_view>(known.begin(), known.end()), want);
  // available_backends() follows the same order.
  std::size_t last = 0;
  for (const CryptoBackend* b : available_backends()) {
    const auto pos = std::size_t(std::find(known.begin(), known.end(), b->name()) - known.begin());
    EXPECT_GE(pos, last);
    last = pos;
  }
}

// ---------------------------------------------------------------------------
// API contract, per backend, against libsodium

class BackendApi : public testing::TestWithParam<std::string> {
 protected:
  const CryptoBackend& b() const { return backend_named(GetParam()); }
};

TEST_P(BackendApi, KeypairPublicKeyIsTheBasePointMultiple) {
  for (int i = 0; i < 4; ++i) {
    Key32 pk{}, sk{}, check{};
    b().keypair(pk, sk);
    crypto_scalarmult_base(check.data(), sk.data());
    EXPECT_EQ(pk, check);
    EXPECT_NE(sk, Key32{});
  }
  Key32 pk1{}, sk1{}, pk2{}, sk2{};
  b().keypair(pk1, sk1);
  b().keypair(pk2, sk2);
  EXPECT_NE(sk1, sk2);
}

TEST_P(BackendApi, SameBytesAsLibsodiumAtEverySize) {
  const CryptoBackend& ref = libsodium_backend();
  Key32 apk{}, ask{}, bpk{}, bsk{};
  ref.keypair(apk, ask);
  ref.keypair(bpk, bsk);
  Key32 k{}, kref{}, kpeer{};
  ASSERT_TRUE(b().beforenm(k, bpk, ask));
  ASSERT_TRUE(ref.beforenm(kref, bpk, ask));
  ASSERT_TRUE(b().beforenm(kpeer, apk, bsk));
  EXPECT_EQ(k, kref);
  EXPECT_EQ(k, kpeer);
  Nonce nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  for (std::size_t n : {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 1000, 4096, 65537, (1 << 20) + 3}) {
    SCOPED_TRACE("size " + std::to_string(n));
    const Bytes msg = pattern(n);
    Bytes ct(n + kMacBytes), want(n + kMacBytes), ct_easy(n + kMacBytes), back(n), back_easy(n);
    ASSERT_TRUE(ref.seal_afternm(want, msg, nonce, k));
    ASSERT_TRUE(b().seal_afternm(ct, msg, nonce, k));
    EXPECT_EQ(ct, want);
    ASSERT_TRUE(b().seal(ct_easy, msg, nonce, bpk, ask));
    EXPECT_EQ(ct_easy, want);
    ASSERT_TRUE(b().open_afternm(back, want, nonce, k));
    EXPECT_EQ(back, msg);
    ASSERT_TRUE(b().open(back_easy, want, nonce, apk, bsk));
    EXPECT_EQ(back_easy, msg);
  }
}

TEST_P(BackendApi, FailedOpenReleasesNothing) {
  Key32 k{};
  randombytes_buf(k.data(), k.size());
  Nonce nonce{};
  const Bytes msg = pattern(100);
  Bytes ct(msg.size() + kMacBytes);
  ASSERT_TRUE(b().seal_afternm(ct, msg, nonce, k));
  for (std::size_t i : {std::size_t(0), std::size_t(15), std::size_t(16), ct.size() - 1}) {
    Bytes bad = ct;
    bad[i] ^= 0x80;
    Bytes out(msg.size(), 0xAA);
    EXPECT_FALSE(b().open_afternm(out, bad, nonce, k)) << "byte " << i;
    EXPECT_EQ(out, Bytes(msg.size(), 0)) << "output not zeroed after a failed open";
  }
  Nonce other = nonce;
  other[23] ^= 1;
  Bytes out(msg.size());
  EXPECT_FALSE(b().open_afternm(out, ct, other, k));
}

TEST_P(BackendApi, ArgumentChecks) {
  Key32 k{};
  Nonce nonce{};
  Bytes msg(10), ct(msg.size() + kMacBytes);
  Bytes wrong(msg.size() + kMacBytes - 1);
  EXPECT_THROW((void)b().seal_afternm(wrong, msg, nonce, k), Error);
  Bytes short_msg(msg.size() - 1);
  EXPECT_THROW((void)b().open_afternm(short_msg, ct, nonce, k), Error);
  Bytes tiny(kMacBytes - 1), none;
  EXPECT_THROW((void)b().open_afternm(none, tiny, nonce, k), Error);
  // Overlapping input and output.
  Bytes buf(64 + kMacBytes);
  EXPECT_THROW((void)b().seal_afternm(buf, std::span<const std::uint8_t>(buf.data() + kMacBytes, 64), nonce, k),
               Error);
}

TEST_P(BackendApi, ConcurrentUse) {
  // Backends with per-thread state (scratch buffers, cipher objects) must not
  // mix threads up.
  Key32 k{};
  randombytes_buf(k.data(), k.size());
  std::vector<std::string> errors(2);
  auto work = [&](int t) {
    for (int i = 0; i < 200; ++i) {
      const std::size_t n = std::size_t(t * 997 + i * 37) % 3000;
      Nonce nonce{};
      nonce[0] = static_cast<std::uint8_t>(i);
      nonce[1] = static_cast<std::uint8_t>(t);
      const Bytes msg = pattern(n, static_cast<std::uint8_t>(t + i));
      Bytes ct(n + kMacBytes), want(n + kMacBytes), back(n);
      if (!b().seal_afternm(ct, msg, nonce, k) || !libsodium_backend().seal_afternm(want, msg, nonce, k) ||
          ct != want || !b().open_afternm(back, ct, nonce, k) || back != msg) {
        errors[t] = "thread " + std::to_string(t) + " iteration " + std::to_string(i);
        return;
      }
    }
  };
  std::thread t0(work, 0), t1(work, 1);
  t0.join();
  t1.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
}

TEST_P(BackendApi, SharedKeyAndBoxFunctions) {
  const SecretKey alice = SecretKey::parse("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const PublicKey bob = PublicKey::parse("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  const SharedKey k = SharedKey::derive(bob, alice, b());
  EXPECT_EQ(hex_encode(k.bytes()), "1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");
  const Bytes msg = pattern(300);
  const Nonce nonce{1, 2, 3};
  Bytes payload, want, back;
  box_seal_append(b(), k, msg, payload, &nonce);
  box_seal_append(k, msg, want, &nonce);
  EXPECT_EQ(payload, want);
  box_open_into(b(), k, want, back);
  EXPECT_EQ(back, msg);
  payload[30] ^= 1;
  EXPECT_THROW(box_open_into(b(), k, payload, back), Error);
  EXPECT_TRUE(back.empty());
  // A low-order public key: derive throws exactly when the policy rejects
  // (kPartial: the corpus test says which encodings).
  const PublicKey zero{};
  if (b().low_order_policy() == LowOrderPolicy::kReject) {
    EXPECT_THROW(SharedKey::derive(zero, alice, b()), Error);
  } else if (b().low_order_policy() == LowOrderPolicy::kCompute) {
    const SharedKey z = SharedKey::derive(zero, alice, b());
    // HSalsa20 of the all-zero point: independent of the secret key.
    EXPECT_EQ(hex_encode(z.bytes()), hex_encode(SharedKey::derive(zero, SecretKey::generate(), b()).bytes()));
  }
}

// The payload codec on every backend: Autobahn's worked example (facts doc
// section 6) byte for byte, and interoperation with the libsodium codec.
TEST_P(BackendApi, PayloadCodecWorkedExample) {
  KeyRing ring;
  Key::Parts parts;
  parts.originator_priv = "6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=";
  parts.responder_priv = "ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE=";
  ring.set_key("com.myapp.encrypted.", Key::from_parts(parts));
  PayloadCodecOptions opts;
  EXPECT_EQ(opts.backend, &libsodium_backend());  // the default
  opts.backend = &b();
  const PayloadCodec codec(ring, opts);
  const PayloadCodec reference(ring);
  Nonce nonce{};
  for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<std::uint8_t>(i);
  const Value args(Array{Value("Counter is at 1")});
  const Value kwargs(Object{});
  auto enc = codec.encode_with_fixed_nonce(Role::kOriginator, "com.myapp.encrypted.hello", args, kwargs, nonce);
  ASSERT_TRUE(enc.has_value());
  EXPECT_EQ(base64_encode(enc->payload),
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXo+FJTz/cFFWdjcOImYfQpex+oEW8jND7QuZwhen0u8cHyVwFs9ef9allGDqnMIENOrHpR8O0R1"
            "qWpTTw8Zg3JmgwiaWhMwflqHVaP+SfQQMINA4NW9qhkrW1");
  const DecodedPayload dec = codec.decode(Role::kResponder, "com.myapp.encrypted.hello", *enc);
  EXPECT_EQ(dec.uri, "com.myapp.encrypted.hello");
  EXPECT_EQ(dec.args, args);
  // Random nonces: each side opens what the other sealed.
  auto mine = codec.encode(Role::kResponder, "com.myapp.encrypted.x", Value(Array{Value(1), Value("two")}), Value());
  ASSERT_TRUE(mine.has_value());
  EXPECT_EQ(reference.decode(Role::kOriginator, "com.myapp.encrypted.x", *mine).args,
            Value(Array{Value(1), Value("two")}));
  auto theirs = reference.encode(Role::kOriginator, "com.myapp.encrypted.y", Value(Array{}), Value(Object{}));
  ASSERT_TRUE(theirs.has_value());
  EXPECT_EQ(codec.decode(Role::kResponder, "com.myapp.encrypted.y", *theirs).uri, "com.myapp.encrypted.y");
  theirs->payload[kNonceBytes] ^= 1;
  try {
    codec.decode(Role::kResponder, "com.myapp.encrypted.y", *theirs);
    ADD_FAILURE() << "a flipped tag bit decoded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDecryptFailed);
  }
}

TEST(PayloadCodecBackend, NullBackendMeansLibsodium) {
  KeyRing ring;
  PayloadCodecOptions opts;
  opts.backend = nullptr;
  const PayloadCodec codec(ring, opts);
  EXPECT_EQ(codec.options().backend, &libsodium_backend());
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendApi, testing::ValuesIn(backend_names()), test_name);

// ---------------------------------------------------------------------------
// The corpus's crypto_box layer, strictly read

// Vectors a backend is known to fail, by tcId, and why. Such a backend has
// not passed the corpus: scripts/backends.sh leaves it out of the published
// numbers.
struct KnownDeviation {
  std::string_view backend;
  std::set<std::int64_t> tc_ids;
  std::string_view reason;
};
const KnownDeviation kKnownDeviations[] = {
    {"nacl",
     {322, 323, 324, 325, 326, 327, 514, 515, 516, 517, 518, 519, 520, 521, 522, 523, 524, 525, 526, 527, 528,
      529, 530, 531, 532, 533, 534, 535, 536, 537, 538, 539, 540, 541, 542, 543, 544, 545, 546, 547, 548, 549,
      550, 551, 552, 553, 554, 555, 556, 557, 558, 559, 560, 561, 562, 563, 564, 565, 566, 567, 568, 569, 570,
      571, 572, 573, 574, 575},
     "NaCl 20110221's curve25519 donna_c64 computes a wrong X25519 output for public keys u in [p-30, p-2] "
     "(valid, in-range keys: corpus 1.1.0 flag X25519NearP) and, not reducing them modulo p, for u = p+1 .. p+4"},
    {"botan",
     {372, 373, 374, 375, 376, 377, 378, 379, 380, 381, 382, 383, 384, 385, 386, 387, 388, 389, 411, 412, 413,
      458, 459, 460, 461, 462, 463, 464, 465, 466, 467, 468, 469, 470, 471, 472, 473, 474, 475, 497, 498, 499},
     "Botan 2.19.3's Poly1305 returns the right tag + 5 (mod 2^128) when the low 88 bits of the final accumulator "
     "are 2^88-5 .. 2^88-1 (corpus 1.1.0 flag Poly1305Accumulator): it seals boxes others reject and rejects "
     "valid ones"},
};

const KnownDeviation* known_deviation(std::string_view backend) {
  for (const auto& d : kKnownDeviations) {
    if (d.backend == backend) return &d;
  }
  return nullptr;
}

struct CorpusError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An object whose members must all be read.
class Obj {
 public:
  Obj(const Value& v, std::string where) : where_(std::move(where)) {
    if (v.kind() != Value::Kind::kObject) throw CorpusError(where_ + ": not an object");
    obj_ = &v.as_object();
    std::set<std::string> keys;
    for (const auto& [k, x] : *obj_) {
      if (!keys.insert(k).second) throw CorpusError(where_ + ": duplicate field '" + k + "'");
    }
  }
  bool has(std::string_view k) const { return find(k) != nullptr; }
  const Value& get(std::string_view k) {
    const Value* v = find(k);
    if (v == nullptr) throw CorpusError(where_ + ": missing field '" + std::string(k) + "'");
    consumed_.insert(std::string(k));
    return *v;
  }
  std::string str(std::string_view k) {
    const Value& v = get(k);
    if (v.kind() != Value::Kind::kString) throw CorpusError(where_ + ": '" + std::string(k) + "' not a string");
    return v.as_string();
  }
  std::int64_t integer(std::string_view k) {
    const Value& v = get(k);
    if (v.kind() != Value::Kind::kInt) throw CorpusError(where_ + ": '" + std::string(k) + "' not an integer");
    return v.as_int();
  }
  const Array& array(std::string_view k) {
    const Value& v = get(k);
    if (v.kind() != Value::Kind::kArray) throw CorpusError(where_ + ": '" + std::string(k) + "' not an array");
    return v.as_array();
  }
  Bytes hex(std::string_view k) {
    const std::string s = str(k);
    for (char c : s) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        throw CorpusError(where_ + ": '" + std::string(k) + "' is not lowercase hex");
      }
    }
    return hex_decode(s);
  }
  template <std::size_t N>
  std::array<std::uint8_t, N> fixed(std::string_view k) {
    const Bytes b = hex(k);
    if (b.size() != N) throw CorpusError(where_ + ": '" + std::string(k) + "' is not " + std::to_string(N) + " bytes");
    std::array<std::uint8_t, N> a{};
    std::copy(b.begin(), b.end(), a.begin());
    return a;
  }
  // Every member nobody read is a corpus/runner mismatch.
  void finish() const {
    for (const auto& [k, v] : *obj_) {
      if (!consumed_.count(k)) throw CorpusError(where_ + ": field '" + k + "' was not consumed (unknown field?)");
    }
  }

 private:
  const Value* find(std::string_view k) const {
    for (const auto& [key, v] : *obj_) {
      if (key == k) return &v;
    }
    return nullptr;
  }
  const Object* obj_ = nullptr;
  std::string where_;
  std::set<std::string> consumed_;
};

// What one operation did: accepted with outputs (diff empty = exact), or rejected.
struct Outcome {
  bool rejected = false;
  std::string detail;  // the rejection, or the first output difference
  bool exact() const { return !rejected && detail.empty(); }
};

std::string diff(const std::string& what, std::span<const std::uint8_t> want, std::span<const std::uint8_t> got) {
  if (std::equal(want.begin(), want.end(), got.begin(), got.end())) return "";
  return what + " differs: want " + hex_encode(want).substr(0, 96) + " (" + std::to_string(want.size()) +
         " bytes), got " + hex_encode(got).substr(0, 96) + " (" + std::to_string(got.size()) + " bytes)";
}

// Runs f; a wampbox::Error (argument checks, e.g. a box shorter than the
// MAC) counts as a rejection like a false return.
Outcome attempt(const std::function<Outcome()>& f) {
  try {
    return f();
  } catch (const Error& e) {
    return Outcome{true, std::string("Error: ") + e.what()};
  }
}

struct BoxVector {
  Key32 sk{}, pk{};
  Nonce nonce{};
  Bytes msg, ct;
};

// box: seal and open with the key pair, and through beforenm + afternm. The
// two paths must agree on accepting. `open_only` for invalid vectors.
Outcome run_box(const CryptoBackend& b, const BoxVector& v, const Bytes& ct, bool open_only) {
  return attempt([&]() -> Outcome {
    Key32 k{};
    const bool have_k = b.beforenm(k, v.pk, v.sk);
    std::string d;
    bool sealed = true, sealed_nm = true;
    if (!open_only) {
      Bytes out(v.msg.size() + kMacBytes), out_nm(v.msg.size() + kMacBytes);
      sealed = b.seal(out, v.msg, v.nonce, v.pk, v.sk);
      sealed_nm = have_k && b.seal_afternm(out_nm, v.msg, v.nonce, k);
      if (sealed != sealed_nm || sealed != have_k) {
        return Outcome{false, "inconsistent: seal " + std::to_string(sealed) + ", beforenm " + std::to_string(have_k) +
                                  ", seal_afternm " + std::to_string(sealed_nm)};
      }
      if (!sealed) return Outcome{true, "seal refused (public key rejected)"};
      d = diff("seal", ct, out);
      if (d.empty()) d = diff("seal_afternm", ct, out_nm);
      if (!d.empty()) return Outcome{false, d};  // accepted, with other outputs
    }
    const std::size_t n = ct.size() >= kMacBytes ? ct.size() - kMacBytes : 0;
    Bytes back(n), back_nm(n);
    const bool opened = b.open(back, ct, v.nonce, v.pk, v.sk);
    const bool opened_nm = have_k && b.open_afternm(back_nm, ct, v.nonce, k);
    if (opened != opened_nm) {
      return Outcome{false, "inconsistent: open " + std::to_string(opened) + ", beforenm+open_afternm " +
                                std::to_string(opened_nm)};
    }
    if (!opened) {
      if (!open_only) return Outcome{false, "sealed to the expected box, but opening it failed"};
      return Outcome{true, have_k ? "open failed" : "public key rejected"};
    }
    d = diff("open", v.msg, back);
    if (d.empty()) d = diff("open_afternm", v.msg, back_nm);
    return Outcome{false, d};
  });
}

Outcome run_beforenm(const CryptoBackend& b, const Key32& sk, const Key32& pk, const Bytes& want) {
  return attempt([&]() -> Outcome {
    Key32 k{};
    if (!b.beforenm(k, pk, sk)) return Outcome{true, "beforenm refused the public key"};
    return Outcome{false, diff("k", want, k)};
  });
}

Outcome run_afternm(const CryptoBackend& b, const Key32& k, const Nonce& nonce, const Bytes& msg, const Bytes& ct,
                    bool seal_too) {
  return attempt([&]() -> Outcome {
    std::string d;
    if (seal_too) {
      Bytes out(msg.size() + kMacBytes);
      if (!b.seal_afternm(out, msg, nonce, k)) return Outcome{true, "seal_afternm failed"};
      d = diff("seal_afternm", ct, out);
    }
    Bytes back(ct.size() >= kMacBytes ? ct.size() - kMacBytes : 0);
    if (!b.open_afternm(back, ct, nonce, k)) return Outcome{true, "open_afternm failed"};
    return Outcome{false, d.empty() ? diff("open_afternm", msg, back) : d};
  });
}

Bytes flipped(Bytes b, std::size_t i) {
  if (!b.empty()) b[i % b.size()] ^= 0x01;
  return b;
}
Bytes appended(Bytes b) {
  b.push_back(0);
  return b;
}

// One backend's result on the corpus.
struct Report {
  std::string corpus_version;
  int tests = 0, passed = 0, failed = 0, derived = 0;
  std::map<std::string, std::array<int, 2>> by_result;    // result -> {passed, failed}
  std::map<std::string, std::array<int, 2>> by_operation;  // operation -> {passed, failed}
  int low_order_accepted = 0, low_order_rejected = 0;      // acceptable, LowOrderPublicKey
  int noncanonical_accepted = 0, noncanonical_rejected = 0;  // acceptable, not low order
  std::vector<std::int64_t> low_order_rejected_ids, low_order_accepted_ids, noncanonical_rejected_ids;
  std::set<std::int64_t> failed_ids;
  std::vector<std::string> failures;
  void fail(std::int64_t id, const std::string& what) {
    ++failed;
    failed_ids.insert(id);
    if (failures.size() < 50) failures.push_back(what);
  }
  std::string observed_low_order() const {
    if (low_order_rejected == 0 && low_order_accepted > 0) return "compute";
    if (low_order_accepted == 0 && low_order_rejected > 0) return "reject";
    return low_order_accepted + low_order_rejected == 0 ? "untested" : "partial";
  }
};

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void write_report(const CryptoBackend& b, const Report& r, bool pass) {
  const char* dir = std::getenv("WAMPBOX_BACKEND_REPORT_DIR");
  if (dir == nullptr || *dir == '\0') return;
  fs::create_directories(dir);
  std::ofstream out(fs::path(dir) / (std::string(b.name()) + ".json"));
  auto ids = [](const auto& list) {
    std::ostringstream s;
    s << "[";
    bool first = true;
    for (std::int64_t id : list) {
      s << (first ? "" : ", ") << id;
      first = false;
    }
    s << "]";
    return s.str();
  };
  auto pairs = [&](const std::map<std::string, std::array<int, 2>>& m) {
    std::ostringstream s;
    s << "{";
    bool first = true;
    for (const auto& [k, c] : m) {
      s << (first ? "" : ", ") << "\"" << json_escape(k) << "\": {\"passed\": " << c[0] << ", \"failed\": " << c[1]
        << "}";
      first = false;
    }
    s << "}";
    return s.str();
  };
  out << "{\n  \"backend\": \"" << json_escape(b.name()) << "\",\n  \"description\": \"" << json_escape(b.description())
      << "\",\n  \"passed\": " << (pass ? "true" : "false") << ",\n  \"corpus\": {\"file\": \"crypto_box_test.json\", "
      << "\"corpusVersion\": \"" << json_escape(r.corpus_version) << "\", \"tests\": " << r.tests
      << ", \"passed\": " << r.passed << ", \"failed\": " << r.failed << ", \"derived_checks\": " << r.derived
      << ",\n             \"by_result\": " << pairs(r.by_result) << ",\n             \"by_operation\": "
      << pairs(r.by_operation) << "},\n  \"profile\": {\"declared_low_order\": \""
      << to_string(b.low_order_policy()) << "\", \"observed_low_order\": \"" << r.observed_low_order()
      << "\", \"low_order_accepted\": " << r.low_order_accepted << ", \"low_order_rejected\": " << r.low_order_rejected
      << ",\n              \"noncanonical_accepted\": " << r.noncanonical_accepted
      << ", \"noncanonical_rejected\": " << r.noncanonical_rejected
      << ",\n              \"low_order_rejected_tcIds\": " << ids(r.low_order_rejected_ids)
      << ",\n              \"low_order_computed_tcIds\": " << ids(r.low_order_accepted_ids)
      << ",\n              \"noncanonical_rejected_tcIds\": " << ids(r.noncanonical_rejected_ids)
      << "},\n  \"failed_tcIds\": " << ids(r.failed_ids) << ",\n  \"known_deviation\": "
      << (known_deviation(b.name()) ? "\"" + json_escape(known_deviation(b.name())->reason) + "\"" : "null")
      << ",\n  \"failures\": [";
  for (std::size_t i = 0; i < r.failures.size(); ++i) {
    out << (i ? ",\n    " : "\n    ") << "\"" << json_escape(r.failures[i]) << "\"";
  }
  out << (r.failures.empty() ? "]\n}\n" : "\n  ]\n}\n");
}

bool has_flag(const std::vector<std::string>& flags, std::string_view f) {
  return std::find(flags.begin(), flags.end(), f) != flags.end();
}

void run_corpus(const CryptoBackend& b, Report& r) {
  const Value doc = json_parse(read_file(fixtures_dir() / "crypto_box_test.json"));
  Obj file(doc, "crypto_box_test.json");
  if (file.str("algorithm") != "crypto_box_curve25519xsalsa20poly1305") throw CorpusError("unexpected algorithm");
  if (file.str("schema") != "crypto_box_test.schema.json") throw CorpusError("unexpected schema");
  r.corpus_version = file.str("corpusVersion");
  const std::int64_t declared = file.integer("numberOfTests");
  for (const Value& h : file.array("header")) {
    if (h.kind() != Value::Kind::kString) throw CorpusError("header: not a string");
  }
  std::set<std::string> noted;
  {
    const Value& notes = file.get("notes");
    Obj all(notes, "notes");
    for (const auto& [flag, note] : notes.as_object()) {
      Obj n(all.get(flag), "notes." + flag);
      n.str("bugType");
      n.str("description");
      n.finish();
      noted.insert(flag);
    }
    all.finish();
  }
  std::set<std::int64_t> ids;
  std::set<std::string> used_flags;
  int gi = 0;
  for (const Value& gv : file.array("testGroups")) {
    const std::string gwhere = "group " + std::to_string(gi++);
    Obj group(gv, gwhere);
    const std::string type = group.str("type");
    const std::string op = group.str("operation");
    {
      Obj src(group.get("source"), gwhere + ".source");
      src.str("name");
      src.str("version");
      src.finish();
    }
    for (const Value& tv : group.array("tests")) {
      Obj t(tv, gwhere + ".test");
      const std::int64_t id = t.integer("tcId");
      const std::string where = "tcId " + std::to_string(id) + " (" + op + "): " + t.str("comment");
      if (!ids.insert(id).second) throw CorpusError(where + ": duplicate tcId");
      const std::string result = t.str("result");
      std::vector<std::string> flags;
      for (const Value& f : t.array("flags")) {
        if (f.kind() != Value::Kind::kString) throw CorpusError(where + ": flag not a string");
        if (!noted.count(f.as_string())) throw CorpusError(where + ": flag " + f.as_string() + " not in notes");
        flags.push_back(f.as_string());
        used_flags.insert(f.as_string());
      }
      if (t.has("error")) t.str("error");  // advice only (fixtures/README.md, "Errors")
      if (result != "valid" && result != "invalid" && result != "acceptable") {
        throw CorpusError(where + ": unknown result " + result);
      }

      Outcome o;
      std::vector<std::pair<std::string, std::function<Outcome()>>> damaged;
      if (op == "box" && type == "CryptoBoxTest") {
        BoxVector v{t.fixed<32>("sk"), t.fixed<32>("pk"), t.fixed<kNonceBytes>("nonce"), t.hex("msg"), t.hex("ct")};
        const bool open_only = result == "invalid";
        o = run_box(b, v, v.ct, open_only);
        damaged = {{"tag byte flipped", [&b, v] { return run_box(b, v, flipped(v.ct, 0), true); }},
                   {"trailing byte", [&b, v] { return run_box(b, v, appended(v.ct), true); }}};
      } else if (op == "beforenm" && type == "CryptoBoxBeforenmTest") {
        const Key32 sk = t.fixed<32>("sk"), pk = t.fixed<32>("pk");
        const Bytes k = t.hex("k");
        o = run_beforenm(b, sk, pk, k);
        Key32 pk2 = pk;
        pk2[0] ^= 0x01;
        damaged = {{"pk byte flipped", [&b, sk, pk2, k] { return run_beforenm(b, sk, pk2, k); }}};
      } else if (op == "box_afternm" && type == "CryptoBoxAfternmTest") {
        const Key32 k = t.fixed<32>("k");
        const Nonce nonce = t.fixed<kNonceBytes>("nonce");
        const Bytes msg = t.hex("msg"), ct = t.hex("ct");
        o = run_afternm(b, k, nonce, msg, ct, result != "invalid");
        damaged = {{"tag byte flipped", [&b, k, nonce, msg, ct] { return run_afternm(b, k, nonce, msg, flipped(ct, 0), false); }},
                   {"trailing byte", [&b, k, nonce, msg, ct] { return run_afternm(b, k, nonce, msg, appended(ct), false); }}};
      } else {
        throw CorpusError(where + ": unknown operation " + op + " / group type " + type);
      }
      t.finish();

      // Judge.
      std::string failure;
      const bool low_order = has_flag(flags, "LowOrderPublicKey");
      if (result == "valid") {
        if (!o.exact()) failure = "valid vector " + std::string(o.rejected ? "rejected: " : "") + o.detail;
      } else if (result == "invalid") {
        if (!o.rejected) failure = "invalid vector accepted" + (o.detail.empty() ? "" : " (" + o.detail + ")");
      } else {  // acceptable
        if (!o.rejected && !o.detail.empty()) {
          failure = "acceptable vector accepted with other outputs: " + o.detail;
        } else if (low_order) {
          (o.rejected ? r.low_order_rejected : r.low_order_accepted)++;
          (o.rejected ? r.low_order_rejected_ids : r.low_order_accepted_ids).push_back(id);
          const bool want_reject = b.low_order_policy() == LowOrderPolicy::kReject;
          if (b.low_order_policy() != LowOrderPolicy::kPartial && o.rejected != want_reject) {
            failure = std::string("declared low-order policy '") + std::string(to_string(b.low_order_policy())) +
                      "' but the vector was " + (o.rejected ? "rejected: " + o.detail : "computed");
          }
        } else {
          (o.rejected ? r.noncanonical_rejected : r.noncanonical_accepted)++;
          if (o.rejected) r.noncanonical_rejected_ids.push_back(id);
        }
      }
      if (failure.empty() && result == "valid") {
        for (const auto& [name, f] : damaged) {
          ++r.derived;
          const Outcome d = f();
          if (d.exact()) {
            failure = "derived check '" + name + "': the damaged input still passes";
            break;
          }
        }
      }
      ++r.tests;
      ++r.by_operation[op][failure.empty() ? 0 : 1];
      ++r.by_result[result][failure.empty() ? 0 : 1];
      if (failure.empty()) {
        ++r.passed;
      } else {
        r.fail(id, where + ": " + failure);
      }
    }
    group.finish();
  }
  file.finish();
  if (declared != r.tests) throw CorpusError("numberOfTests says " + std::to_string(declared) + ", ran " +
                                             std::to_string(r.tests));
  for (const auto& f : noted) {
    if (!used_flags.count(f)) throw CorpusError("flag " + f + " defined in notes but unused");
  }
}

class BackendCorpus : public testing::TestWithParam<std::string> {};

TEST_P(BackendCorpus, CryptoBoxLayer) {
  const CryptoBackend& b = backend_named(GetParam());
  Report r;
  bool pass = true;
  try {
    run_corpus(b, r);
  } catch (const CorpusError& e) {
    ADD_FAILURE() << "corpus/runner mismatch: " << e.what();
    r.failures.push_back(std::string("corpus/runner mismatch: ") + e.what());
    pass = false;
  }
  const KnownDeviation* known = known_deviation(b.name());
  if (known != nullptr) {
    // Exactly the known vectors fail: each failure is printed, not a test failure.
    EXPECT_EQ(r.failed_ids, known->tc_ids) << b.name() << ": the known deviation (" << known->reason
                                           << ") no longer describes the failures";
    for (const auto& f : r.failures) std::printf("[backend-corpus] known deviation: %s: %s\n", b.name().data(), f.c_str());
  } else {
    for (const auto& f : r.failures) ADD_FAILURE() << b.name() << ": " << f;
    if (r.failed > static_cast<int>(r.failures.size())) {
      ADD_FAILURE() << "... and " << (r.failed - static_cast<int>(r.failures.size())) << " more failures";
    }
  }
  pass = pass && r.failed == 0 && r.tests > 0;
  EXPECT_GT(r.tests, 0);
  EXPECT_EQ(r.observed_low_order(), std::string(to_string(b.low_order_policy())))
      << "the declared low-order policy is not what the corpus observes";
  std::printf("[backend-corpus] %-20s %s: %d tests, %d passed, %d failed, %d derived checks; low-order public keys: "
              "%s (%d computed, %d rejected); non-canonical/bit-255 keys: %d computed, %d rejected\n",
              std::string(b.name()).c_str(), pass ? "PASS" : "FAIL", r.tests, r.passed, r.failed, r.derived,
              r.observed_low_order().c_str(), r.low_order_accepted, r.low_order_rejected, r.noncanonical_accepted,
              r.noncanonical_rejected);
  for (const auto& [op, c] : r.by_operation) {
    std::printf("[backend-corpus]   operation %-12s %4d passed %4d failed\n", op.c_str(), c[0], c[1]);
  }
  std::fflush(stdout);
  write_report(b, r, pass);
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendCorpus, testing::ValuesIn(backend_names()), test_name);

}  // namespace
}  // namespace wampbox
