// Stack use at maximum nesting (issue 11, item 3): every reader must decode
// its deepest accepted document, and reject one level more with a typed
// error, on a thread with a 128 KiB stack (musl's default thread stack).
// The readers are non-recursive (binary_detail::ValueBuilder), and so are
// the frame decoder's checks, or this test crashes (SIGSEGV on the guard page)
// instead of failing politely. Destroying the decoded Value still recurses
// (Value has the implicit destructor: one std::variant/shared_ptr/vector chain
// per level); in an optimised build the whole decode + destruction of a
// 1024-deep document fits in 128 KiB (this test), but AddressSanitizer at -O0
// inflates every frame with redzones and unoptimised std:: layers, so the
// sanitizer build runs the same checks on an 8 MiB stack (the usual main-thread size). A non-recursive
// Value destructor would let the sanitizer build use 128 KiB too.
#include <gtest/gtest.h>
#include <pthread.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <string>

#include "wampbox/cbor.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/message.h"
#include "wampbox/msgpack.h"

namespace wampbox {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kStackBytes = 8 * 1024 * 1024;  // see the file comment: ASan -O0 frames
#else
constexpr std::size_t kStackBytes = 128 * 1024;
#endif
constexpr std::size_t kMaxDepth = 1024;

// Runs fn on a fresh thread with a kStackBytes stack; returns what it threw
// (nullptr if nothing).
std::exception_ptr run_on_small_stack(const std::function<void()>& fn) {
  struct Ctx {
    const std::function<void()>* fn;
    std::exception_ptr error;
  } ctx{&fn, nullptr};
  pthread_attr_t attr;
  EXPECT_EQ(pthread_attr_init(&attr), 0);
  EXPECT_EQ(pthread_attr_setstacksize(&attr, kStackBytes), 0);
  pthread_t t;
  auto body = [](void* p) -> void* {
    auto* c = static_cast<Ctx*>(p);
    try {
      (*c->fn)();
    } catch (...) {
      c->error = std::current_exception();
    }
    return nullptr;
  };
  EXPECT_EQ(pthread_create(&t, &attr, body, &ctx), 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
  return ctx.error;
}

ErrorCode code_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const Error& err) {
    return err.code();
  }
}

std::string nested_json(std::size_t depth, bool objects) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += objects ? "{\"k\":" : "[";
  s += "0";
  for (std::size_t i = 0; i < depth; ++i) s += objects ? "}" : "]";
  return s;
}

Bytes nested_msgpack(std::size_t depth) {
  Bytes b(depth, 0x91);  // fixarray of 1
  b.push_back(0x00);
  return b;
}

Bytes nested_cbor(std::size_t depth) {
  Bytes b(depth, 0x81);  // array of 1
  b.push_back(0x00);
  return b;
}

std::size_t depth_of(const Value& v) {
  std::size_t d = 0;
  const Value* p = &v;
  while (p->kind() == Value::Kind::kArray || p->kind() == Value::Kind::kObject) {
    ++d;
    p = p->kind() == Value::Kind::kArray ? &p->as_array()[0] : &p->as_object()[0].second;
  }
  return d;
}

TEST(SmallStack, JsonMaximumDepthBothPaths) {
  for (bool objects : {false, true}) {
    const std::string doc = nested_json(kMaxDepth, objects);
    // "NaN" forces the fallback reader (simdjson rejects it).
    std::string slow = doc;
    slow.replace(slow.find('0'), 1, "NaN");
    for (const std::string* text : {&doc, static_cast<const std::string*>(&slow)}) {
      std::size_t got = 0;
      EXPECT_EQ(run_on_small_stack([&] { got = depth_of(json_parse(*text)); }), nullptr);
      EXPECT_EQ(got, kMaxDepth);
    }
    const std::string too_deep = nested_json(kMaxDepth + 1, objects);
    auto e = run_on_small_stack([&] { (void)json_parse(too_deep); });
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(code_of(e), ErrorCode::kParseError);
  }
}

TEST(SmallStack, BinaryMaximumDepth) {
  std::size_t got = 0;
  EXPECT_EQ(run_on_small_stack([&] { got = depth_of(msgpack_parse(nested_msgpack(kMaxDepth))); }), nullptr);
  EXPECT_EQ(got, kMaxDepth);
  EXPECT_EQ(run_on_small_stack([&] { got = depth_of(cbor_parse(nested_cbor(kMaxDepth))); }), nullptr);
  EXPECT_EQ(got, kMaxDepth);
  auto e = run_on_small_stack([&] { (void)msgpack_parse(nested_msgpack(kMaxDepth + 1)); });
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(code_of(e), ErrorCode::kParseError);
  e = run_on_small_stack([&] { (void)cbor_parse(nested_cbor(kMaxDepth + 1)); });
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(code_of(e), ErrorCode::kParseError);
}

// A PUBLISH whose args nest to the readers' limit: [16,1,{},"t",[[...[0]...]]]
// (the frame's own array is level 1), decoded and re-encoded on the small stack.
TEST(SmallStack, DecodeFrameMaximumDepthEverySerializer) {
  for (std::size_t depth : {kMaxDepth, kMaxDepth + 1}) {
    const std::size_t args_depth = depth - 1;
    std::string inner = nested_json(args_depth - 1, false);  // args is itself an array
    const std::string json = "[16,1,{},\"t\",[" + inner + "]]";
    Bytes mp = {0x95, 0x10, 0x01, 0x80, 0xa1, 't'};
    Bytes mp_args = nested_msgpack(args_depth);
    mp.insert(mp.end(), mp_args.begin(), mp_args.end());
    Bytes cb = {0x85, 0x10, 0x01, 0xa0, 0x61, 't'};
    Bytes cb_args = nested_cbor(args_depth);
    cb.insert(cb.end(), cb_args.begin(), cb_args.end());
    const Bytes js(json.begin(), json.end());
    using Case = std::pair<Serializer, const Bytes*>;
    for (auto [s, frame] : {Case{Serializer::kJson, &js}, Case{Serializer::kMsgPack, &mp},
                            Case{Serializer::kCbor, &cb}}) {
      SCOPED_TRACE(std::string(to_string(s)) + " depth " + std::to_string(depth));
      auto e = run_on_small_stack([&, s = s, frame = frame] {
        Message m = decode_frame(*frame, s);
        ASSERT_TRUE(m.args.has_value());
        EXPECT_EQ(depth_of(*m.args), args_depth);
      });
      if (depth == kMaxDepth) {
        EXPECT_EQ(e, nullptr);
      } else {
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(code_of(e), ErrorCode::kParseError);
      }
    }
  }
}

}  // namespace
}  // namespace wampbox
