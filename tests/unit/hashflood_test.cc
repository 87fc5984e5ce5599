// Hash flooding (issue 11, item 2). The colliding keys of
// bench/colliding_keys.h must really collide under std::hash (else the
// gate proves nothing), the readers must keep Python's dict semantics on
// them, and the cost gate (tests/py/test_hashflood_gate.py) runs the two
// Measure* tests under callgrind and compares their instruction counts
// (no timing in tests: the machine is noisy).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <unordered_map>

#include "../../bench/colliding_keys.h"
#include "wampbox/json.h"
#include "wampbox/message.h"
#include "wampbox/msgpack.h"

namespace wampbox {
namespace {

constexpr int kSegments = 12;  // 4096 keys of 192 bytes: ~800 KB of JSON

TEST(HashFlood, KeysCollideUnderStdHash) {
  const auto keys = hashflood::colliding_keys(kSegments);
  ASSERT_EQ(keys.size(), 4096u);
  const std::size_t h = std::hash<std::string>{}(keys[0]);
  std::unordered_map<std::string, int> m;
  for (const auto& k : keys) {
    EXPECT_EQ(std::hash<std::string>{}(k), h);
    m.emplace(k, 0);
  }
  ASSERT_EQ(m.size(), keys.size());  // distinct keys...
  EXPECT_EQ(m.bucket_size(m.bucket(keys[0])), keys.size());  // ...all in one bucket: quadratic inserts
}

TEST(HashFlood, CollidingKeysKeepDictSemantics) {
  auto keys = hashflood::colliding_keys(kSegments);
  std::string doc = hashflood::object_of(keys);
  doc.back() = ',';
  doc += '"' + keys[5] + "\":\"last\"}";  // a duplicate: last value, first position
  for (const std::string& text : {doc, doc.substr(0, doc.size() - 1) + ",\"x\":NaN}"}) {
    const Value v = json_parse(text);
    const Object& o = v.as_object();
    ASSERT_GE(o.size(), keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(o[i].first, keys[i]);
    EXPECT_EQ(o[5].second, Value("last"));
    EXPECT_EQ(o[6].second, Value(6));
  }
  // The same keys as kwargs of a frame, through decode_frame (JSON and MessagePack).
  Value kwargs = json_parse(hashflood::object_of(keys));
  const std::string frame = "[16,1,{},\"t\",[]," + json_write(kwargs) + "]";
  const Message m = decode_frame(Bytes(frame.begin(), frame.end()), Serializer::kJson);
  ASSERT_TRUE(m.kwargs.has_value());
  EXPECT_EQ(m.kwargs->as_object().size(), keys.size());
  EXPECT_EQ(msgpack_parse(msgpack_write(kwargs)), kwargs);
}

// Measured by tests/py/test_hashflood_gate.py under callgrind
// (--toggle-collect=wampbox_hashflood_measured): parse only.
extern "C" __attribute__((noinline)) std::size_t wampbox_hashflood_measured(const std::string* text) {
  return json_parse(*text).as_object().size();
}

void measure(const std::vector<std::string>& keys) {
  const std::string doc = hashflood::object_of(keys);
  std::size_t (*volatile fn)(const std::string*) = wampbox_hashflood_measured;
  EXPECT_EQ(fn(&doc), keys.size());
}

TEST(HashFloodMeasure, Colliding) { measure(hashflood::colliding_keys(kSegments)); }
TEST(HashFloodMeasure, Ordinary) { measure(hashflood::ordinary_keys(kSegments)); }

}  // namespace
}  // namespace wampbox
