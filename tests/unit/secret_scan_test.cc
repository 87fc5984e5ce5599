// cryptobox.h's wiping promises (issue 11, item 5), checked on the heap:
// this binary replaces the global operator delete so that, while armed,
// every block returned to the allocator is searched for a marker that only
// the decrypted plaintext contains. A decode runs on its own thread, so the
// thread's cached parser buffers are freed (and searched) when it exits;
// the decoded result is moved out first and freed after disarming. Then
// the error messages are searched too. Not under AddressSanitizer, which
// must keep its own allocator.
#include <gtest/gtest.h>
#include <malloc.h>
#include <sodium.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>

#include "wampbox/cryptobox.h"
#include "wampbox/error.h"
#include "wampbox/json.h"

#if defined(__SANITIZE_ADDRESS__)
#define WAMPBOX_SCAN_FREES 0
#else
#define WAMPBOX_SCAN_FREES 1
#endif

namespace {
// 40 bytes: longer than std::string's inline buffer, so each copy of a
// string holding it is its own heap block (see cryptobox.h for short strings).
constexpr char kMarker[] = "PLAINTEXT-MARKER-5f0c2e9a-do-not-leak-it";
std::atomic<bool> g_armed{false};
std::atomic<long> g_hits{0};
std::atomic<long> g_scanned{0};

void scan_and_free(void* p) {
  if (p == nullptr) return;
  if (g_armed.load(std::memory_order_relaxed)) {
    const std::size_t n = malloc_usable_size(p);
    // The first bytes of a freed block are overwritten by the allocator's own
    // bookkeeping only after free(): we look before.
    if (memmem(p, n, kMarker, sizeof kMarker - 1) != nullptr) ++g_hits;
    ++g_scanned;
  }
  std::free(p);
}
}  // namespace

#if WAMPBOX_SCAN_FREES
__attribute__((noinline)) void* operator new(std::size_t n) {
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void* operator new[](std::size_t n) { return operator new(n); }
__attribute__((noinline)) void operator delete(void* p) noexcept { scan_and_free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { scan_and_free(p); }
__attribute__((noinline)) void operator delete[](void* p) noexcept { scan_and_free(p); }
__attribute__((noinline)) void operator delete[](void* p, std::size_t) noexcept { scan_and_free(p); }
#endif

namespace wampbox {
namespace {

constexpr const char* kOriginatorPriv = "6m0rnaVAP0PvvkS11QLKYVHDUqC8sQYrj5t+ez+yhYM=";
constexpr const char* kResponderPriv = "ss1v3Nbg65NGGzz8fno17hUCS669pIvPKd3T40oWkEE=";
constexpr const char* kUri = "com.example.secret.topic";

KeyRing make_ring() {
  Key::Parts p;
  p.originator_priv = kOriginatorPriv;
  p.responder_priv = kResponderPriv;
  KeyRing ring;
  ring.set_key("com.example.", Key::from_parts(p));
  return ring;
}

// Seals `plaintext` verbatim (not necessarily what encode would write).
EncodedPayload seal_raw(const KeyRing& ring, const std::string& plaintext) {
  EncodedPayload e;
  const auto* data = reinterpret_cast<const std::uint8_t*>(plaintext.data());
  box_seal_append(ring.find(kUri)->shared(Role::kOriginator), std::span(data, plaintext.size()), e.payload);
  return e;
}

struct Outcome {
  bool ok = false;
  DecodedPayload result;
  std::string error;
  long hits = 0;
  long scanned = 0;
};

Outcome decode_scanned(const PayloadCodec& codec, std::string_view envelope_uri, const EncodedPayload& e) {
  Outcome out;
  g_hits = 0;
  g_scanned = 0;
  std::thread t([&] {
    g_armed = true;
    try {
      out.result = codec.decode(Role::kOriginator, envelope_uri, e);
      out.ok = true;
    } catch (const Error& err) {
      out.error = err.what();
    }
  });  // the thread's cached parser is freed (and scanned) when it exits
  t.join();
  g_armed = false;
  out.hits = g_hits;
  out.scanned = g_scanned;
  return out;
}

class SecretScan : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!WAMPBOX_SCAN_FREES) GTEST_SKIP() << "AddressSanitizer owns the allocator";
  }
  KeyRing ring = make_ring();
  PayloadCodec codec{ring};
};

const std::string kArgs = std::string("[\"") + kMarker + "\",1.5,{\"k\":\"" + kMarker + "\"}]";

TEST_F(SecretScan, SuccessfulOpenLeavesNoPlaintextInFreedMemory) {
  for (const std::string& args : {kArgs, kArgs.substr(0, kArgs.size() - 1) + ",NaN]"}) {  // fast and fallback reader
    SCOPED_TRACE(args);
    const auto e = seal_raw(ring, std::string("{\"uri\":\"") + kUri + "\",\"args\":" + args + ",\"kwargs\":{\"" +
                                      kMarker + "\":\"" + kMarker + "\"}}");
    Outcome o = decode_scanned(codec, kUri, e);
    ASSERT_TRUE(o.ok) << o.error;
    EXPECT_EQ(o.result.args.as_array()[0].as_string(), kMarker);  // the marker was really decrypted
    EXPECT_GT(o.scanned, 0);
    EXPECT_EQ(o.hits, 0) << "freed blocks that held decrypted plaintext";
  }
}

TEST_F(SecretScan, FailedOpensLeaveNoPlaintextInFreedMemoryOrMessages) {
  const std::string args = kArgs;
  struct Case {
    const char* name;
    std::string plaintext;
    std::string envelope_uri;
    ErrorCode code;
  } cases[] = {
      {"uri mismatch (decrypted uri is the marker)",
       std::string("{\"uri\":\"com.example.") + kMarker + "\",\"args\":" + args + "}", kUri, ErrorCode::kUriMismatch},
      {"args not an array", std::string("{\"uri\":\"") + kUri + "\",\"args\":\"" + kMarker + "\"}", kUri,
       ErrorCode::kMalformedPlaintext},
      {"kwargs not an object",
       std::string("{\"uri\":\"") + kUri + "\",\"args\":" + args + ",\"kwargs\":[\"" + kMarker + "\"]}", kUri,
       ErrorCode::kMalformedPlaintext},
      {"invalid JSON after the marker", std::string("{\"uri\":\"") + kUri + "\",\"args\":" + args + ",}", kUri,
       ErrorCode::kMalformedPlaintext},
      {"not an object", "[\"" + std::string(kMarker) + "\"]", kUri, ErrorCode::kMalformedPlaintext},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Outcome o = decode_scanned(codec, c.envelope_uri, seal_raw(ring, c.plaintext));
    ASSERT_FALSE(o.ok);
    EXPECT_EQ(o.hits, 0) << "freed blocks that held decrypted plaintext";
    EXPECT_EQ(o.error.find("MARKER"), std::string::npos) << o.error;
    EXPECT_EQ(o.error.find("com.example." + std::string(kMarker)), std::string::npos);
  }
  // A MAC failure: nothing is decrypted, nothing released.
  auto e = seal_raw(ring, std::string("{\"uri\":\"") + kUri + "\",\"args\":" + args + "}");
  e.payload.back() ^= 1;
  Outcome o = decode_scanned(codec, kUri, e);
  ASSERT_FALSE(o.ok);
  EXPECT_EQ(o.hits, 0);
}

// open_into's context: every buffer it holds (the decrypt target, the parser,
// the pooled strings and containers of earlier results, some grown on the
// way) is wiped before it is freed, through successes, failures, clear()
// and the context's destruction.
TEST_F(SecretScan, OpenIntoContextLeavesNoPlaintextInFreedMemory) {
  const std::string small = std::string("{\"uri\":\"") + kUri + "\",\"args\":" + kArgs + "}";
  std::string big_args = "[";
  for (int i = 0; i < 200; ++i) big_args += std::string(i ? "," : "") + "\"" + kMarker + kMarker + "\"";
  big_args += "]";
  const std::string big = std::string("{\"uri\":\"") + kUri + "\",\"args\":" + big_args + ",\"kwargs\":{\"" +
                          kMarker + "\":[\"" + kMarker + kMarker + kMarker + "\"]}}";
  const std::string bad = std::string("{\"uri\":\"") + kUri + "\",\"args\":" + big_args + ",}";
  const EncodedPayload payloads[] = {seal_raw(ring, small), seal_raw(ring, big), seal_raw(ring, small),
                                     seal_raw(ring, bad), seal_raw(ring, big)};
  g_hits = 0;
  g_scanned = 0;
  long opened = 0;
  std::thread t([&] {
    g_armed = true;
    OpenContext ctx;
    for (int round = 0; round < 2; ++round) {
      for (const EncodedPayload& p : payloads) {
        try {
          codec.open_into(Role::kOriginator, kUri, p.enc_algo, p.enc_serializer, p.payload, ctx);
          opened += ctx.args().as_array()[0].as_string().starts_with(kMarker);
        } catch (const Error&) {
        }
      }
      ctx.clear();
    }
  });
  t.join();
  g_armed = false;
  EXPECT_EQ(opened, 8);
  EXPECT_GT(g_scanned.load(), 0);
  EXPECT_EQ(g_hits.load(), 0) << "freed blocks that held decrypted plaintext";
}

// The sealing side: encode's plaintext scratch (grown several times by the
// JSON writer for a large args) is wiped before it is freed.
TEST_F(SecretScan, EncodeLeavesNoPlaintextInFreedMemory) {
  Array big;
  for (int i = 0; i < 2000; ++i) big.push_back(Value(std::string(kMarker)));
  const Value args(std::move(big));
  g_hits = 0;
  std::thread t([&] {
    g_armed = true;
    auto p = codec.encode(Role::kOriginator, kUri, args, Value());
    ASSERT_TRUE(p.has_value());
  });
  t.join();
  g_armed = false;
  EXPECT_EQ(g_hits.load(), 0);
}

}  // namespace
}  // namespace wampbox
