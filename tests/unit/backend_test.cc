// Crypto backends (wampbox/backend.h): the registry, the API contract, the
// payload codec on every backend, and every backend against the corpus's
// crypto_box layer (fixtures/crypto_box_test.json, operations box, beforenm,
// box_afternm; fixtures/README.md).
//
// Why here and not (only) in the conformance runner: the backends are
// in-process alternatives behind one C++ interface, so a GoogleTest binary
// parameterised over available_backends() runs them all, in ctest and under
// ASan/UBSan. The same op table also serves the runner: the C++ adapter's
// --backend NAME (conformance/adapters/README.md) runs any corpus on any
// backend.
//
// The corpus is read and judged by conformance/vectors/ (the one reader, op
// table and judge of conformance_test and the adapter): every field of every
// object must be consumed; unknown fields, unknown operations, flags missing
// from `notes`, duplicate tcIds and a wrong numberOfTests fail. Per backend:
//   valid       accepted with exactly the given outputs (seal and open with
//               the key pair, beforenm, the afternm functions); then the
//               derived checks (tag byte flipped, trailing byte, public key
//               byte flipped) must fail;
//   invalid     opening must fail;
//   acceptable  either outcome, outputs exact if accepted. The low-order
//               vectors (LowOrderPublicKey) must follow the backend's declared
//               LowOrderPolicy: all rejected (libsodium profile), all
//               computed (TweetNaCl profile), or some of each (partial).
// A backend fails the corpus when any vector fails. Known failures are listed
// below (kKnownDeviations, with the reason); the test then requires exactly
// those vectors to fail, and the report marks the backend as failed and lists
// each vector by tcId and kind ("wrong output on valid input", "invalid input
// accepted", ...). With WAMPBOX_BACKEND_REPORT_DIR set, each backend's result
// is written to <dir>/<backend>.json; scripts/backends.sh uses it to leave
// failing backends out of the published numbers and to table their failures.
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

#include "wampbox/backends.h"
#include "wampbox/cryptobox.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/keyring.h"
#include "wampbox/keys.h"
#include "wampbox/value.h"
#include "file_test.h"
#include "judge.h"
#include "ops.h"

namespace wampbox {
namespace {

namespace fs = std::filesystem;

using Key32 = std::array<std::uint8_t, kKeyBytes>;
using Nonce = std::array<std::uint8_t, kNonceBytes>;

Bytes pattern(std::size_t n, std::uint8_t seed = 7) {
  Bytes v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 131 + seed);
  return v;
}

// Evaluated by the INSTANTIATE_TEST_SUITE_P generators, i.e. before any test
// runs: registers the backends of wampbox::backends first.
std::vector<std::string> backend_names() {
  register_optional_backends();
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
  std::vector<std::string_view> want = {"libsodium", "nacl", "cryptopp", "cryptopp-tweetnacl", "botan", "xsalsa-mb"};
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
  box_seal_append_for_testing(b(), k, msg, payload, nonce);
  box_seal_append_for_testing(k, msg, want, nonce);
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

// The payload codec on every backend: Autobahn's worked example (the
// KnownAnswer vector of fixtures/payload_test.json) byte for byte, and interoperation with the libsodium codec.
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
  auto enc = codec.encode_for_testing(Role::kOriginator, "com.myapp.encrypted.hello", args, kwargs, nonce);
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
    (void)codec.decode(Role::kResponder, "com.myapp.encrypted.y", *theirs);
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
// The corpus's crypto_box layer, through the shared reader, op table and
// judge (conformance/vectors/): the box, beforenm and afternm operations call
// the backend's CryptoBackend functions; the judge applies the backend's
// declared low-order profile (BackendProfile).

// Vectors a backend is known to get wrong, by tcId, and why. Such a backend
// has not passed the corpus: scripts/backends.sh leaves it out of the
// published numbers, and its report lists each of these vectors with what
// went wrong (wrong output on valid input, an invalid box accepted, ...).
// The test requires exactly these vectors to fail, so that a new failure or a
// fixed one is noticed.
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

// What kind of wrong a failed vector is, in words a report reader can act on.
std::string FailureKind(const vectors::Vector& v, const vectors::Verdict& verdict) {
  if (verdict.wrong_output) return "wrong output on " + v.result + " input";
  if (v.result == "valid") return verdict.rejected ? "valid input rejected" : "valid input failed";
  if (v.result == "invalid") return "invalid input accepted";
  return "acceptable input: " + std::string(verdict.rejected ? "rejected against the declared profile"
                                                             : "not handled consistently");
}

// One backend's result on the corpus.
struct Report {
  std::string corpus_version;
  int tests = 0, passed = 0, failed = 0, derived = 0;
  std::map<std::string, std::array<int, 2>> by_result;     // result -> {passed, failed}
  std::map<std::string, std::array<int, 2>> by_operation;  // operation -> {passed, failed}
  int low_order_accepted = 0, low_order_rejected = 0;        // acceptable, LowOrderPublicKey
  int noncanonical_accepted = 0, noncanonical_rejected = 0;  // acceptable, not low order
  std::vector<std::int64_t> low_order_rejected_ids, low_order_accepted_ids, noncanonical_rejected_ids;
  std::set<std::int64_t> failed_ids;
  struct Failure {
    std::int64_t tc_id;
    std::string kind, result, op, comment, flags, detail;
  };
  std::vector<Failure> failures;
  std::vector<std::string> harness_errors;
  std::string observed_low_order() const {
    if (low_order_rejected == 0 && low_order_accepted > 0) return "compute";
    if (low_order_accepted == 0 && low_order_rejected > 0) return "reject";
    return low_order_accepted + low_order_rejected == 0 ? "untested" : "partial";
  }
};

// The report is JSON written with the library's json_write: it is output, not
// the corpus being read, so no common-mode concern (file_test.h).
Value Ids(const auto& list) {
  Array a;
  for (std::int64_t id : list) a.emplace_back(id);
  return Value(std::move(a));
}
Value Pairs(const std::map<std::string, std::array<int, 2>>& m) {
  Object o;
  for (const auto& [k, c] : m) o.emplace_back(k, Value(Object{{"passed", Value(c[0])}, {"failed", Value(c[1])}}));
  return Value(std::move(o));
}

void write_report(const CryptoBackend& b, const Report& r, bool pass) {
  const char* dir = std::getenv("WAMPBOX_BACKEND_REPORT_DIR");
  if (dir == nullptr || *dir == '\0') return;
  fs::create_directories(dir);
  const KnownDeviation* known = known_deviation(b.name());
  Array failures, wrong;
  for (const auto& f : r.failures) {
    Object o{{"tcId", Value(f.tc_id)},       {"kind", Value(f.kind)},       {"result", Value(f.result)},
             {"operation", Value(f.op)},     {"comment", Value(f.comment)}, {"flags", Value(f.flags)},
             {"detail", Value(f.detail.substr(0, 400))}};
    (f.kind.rfind("wrong output", 0) == 0 ? wrong : failures).emplace_back(std::move(o));
  }
  Array harness;
  for (const auto& e : r.harness_errors) harness.emplace_back(e);
  Object corpus{{"file", Value("crypto_box_test.json")},
                {"corpusVersion", Value(r.corpus_version)},
                {"tests", Value(r.tests)},
                {"passed", Value(r.passed)},
                {"failed", Value(r.failed)},
                {"derived_checks", Value(r.derived)},
                {"by_result", Pairs(r.by_result)},
                {"by_operation", Pairs(r.by_operation)}};
  Object profile{{"declared_low_order", Value(std::string(to_string(b.low_order_policy())))},
                 {"observed_low_order", Value(r.observed_low_order())},
                 {"low_order_accepted", Value(r.low_order_accepted)},
                 {"low_order_rejected", Value(r.low_order_rejected)},
                 {"noncanonical_accepted", Value(r.noncanonical_accepted)},
                 {"noncanonical_rejected", Value(r.noncanonical_rejected)},
                 {"low_order_rejected_tcIds", Ids(r.low_order_rejected_ids)},
                 {"low_order_computed_tcIds", Ids(r.low_order_accepted_ids)},
                 {"noncanonical_rejected_tcIds", Ids(r.noncanonical_rejected_ids)}};
  Object doc{{"backend", Value(std::string(b.name()))},
             {"description", Value(std::string(b.description()))},
             {"passed", Value(pass)},
             {"corpus", Value(std::move(corpus))},
             {"profile", Value(std::move(profile))},
             {"failed_tcIds", Ids(r.failed_ids)},
             // Accepted, but with other bytes than every other implementation.
             {"wrong_results", Value(std::move(wrong))},
             // Rejected valid input, accepted invalid input, inconsistent.
             {"other_failures", Value(std::move(failures))},
             {"harness_errors", Value(std::move(harness))},
             {"known_deviation", known ? Value(std::string(known->reason)) : Value()},
             {"known_deviation_tcIds", known ? Ids(known->tc_ids) : Value(Array{})}};
  std::ofstream(fs::path(dir) / (std::string(b.name()) + ".json")) << json_write(Value(std::move(doc))) << "\n";
}

void run_corpus(const CryptoBackend& b, Report& r) {
  vectors::FileTest file(vectors::FixturesDir() / "crypto_box_test.json");
  if (file.algorithm() != "crypto_box_curve25519xsalsa20poly1305") {
    throw vectors::CorpusError("unexpected algorithm " + file.algorithm());
  }
  r.corpus_version = file.corpus_version();
  const vectors::Profile profile = vectors::BackendProfile(b);
  const vectors::OpContext ctx{&b};
  file.Run([&](vectors::Vector& v) {
    const vectors::Verdict verdict = vectors::JudgeVector(v, ctx, profile);
    r.derived += verdict.derived;
    if (v.result == "acceptable" && !verdict.wrong_output) {
      const bool low_order = v.has_flag("LowOrderPublicKey");
      (low_order ? (verdict.rejected ? r.low_order_rejected : r.low_order_accepted)
                 : (verdict.rejected ? r.noncanonical_rejected : r.noncanonical_accepted))++;
      if (low_order) (verdict.rejected ? r.low_order_rejected_ids : r.low_order_accepted_ids).push_back(v.tc_id);
      if (!low_order && verdict.rejected) r.noncanonical_rejected_ids.push_back(v.tc_id);
    }
    ++r.tests;
    ++r.by_operation[v.op][verdict.pass ? 0 : 1];
    ++r.by_result[v.result][verdict.pass ? 0 : 1];
    if (verdict.pass) {
      ++r.passed;
      return;
    }
    ++r.failed;
    r.failed_ids.insert(v.tc_id);
    std::string flags;
    for (const auto& f : v.flags) flags += (flags.empty() ? "" : ",") + f;
    r.failures.push_back({v.tc_id, FailureKind(v, verdict), v.result, v.op, v.comment, flags, verdict.detail});
  });
  r.harness_errors = file.errors();
}

class BackendCorpus : public testing::TestWithParam<std::string> {};

TEST_P(BackendCorpus, CryptoBoxLayer) {
  const CryptoBackend& b = backend_named(GetParam());
  Report r;
  try {
    run_corpus(b, r);
  } catch (const vectors::CorpusError& e) {
    r.harness_errors.push_back(e.what());
  }
  for (const auto& e : r.harness_errors) ADD_FAILURE() << "corpus/runner mismatch: " << e;
  const KnownDeviation* known = known_deviation(b.name());
  if (known != nullptr) {
    // Exactly the known vectors fail: each failure is printed, not a test failure.
    EXPECT_EQ(r.failed_ids, known->tc_ids) << b.name() << ": the known deviation (" << known->reason
                                           << ") no longer describes the failures";
  } else {
    for (const auto& f : r.failures) ADD_FAILURE() << b.name() << ": tcId " << f.tc_id << ": " << f.detail;
  }
  for (const auto& f : r.failures) {
    std::printf("[backend-corpus] %s: tcId %lld %s (%s, %s): %s\n", std::string(b.name()).c_str(),
                static_cast<long long>(f.tc_id), f.kind.c_str(), f.op.c_str(), f.flags.c_str(), f.comment.c_str());
  }
  const bool pass = r.harness_errors.empty() && r.failed == 0 && r.tests > 0;
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
