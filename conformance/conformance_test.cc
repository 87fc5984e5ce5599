// Runs the wampbox reference implementation (impl/) against the conformance
// corpus in fixtures/ (see fixtures/README.md for the format and operations),
// in-process, through the one corpus reader, op table and judge in
// conformance/vectors/ (judge.h says why this judge exists beside the
// runner's).
//
// The reader is strict in the manner of BoringSSL's file_test: a missing file,
// a file the manifest does not list, an unknown field, or a field that no
// check consumed is a failure, so the corpus and this runner cannot drift
// apart silently. Judgement: valid -> accepted with the exact outputs;
// invalid -> rejected with a wampbox::Error whose code is the vector's
// `error`; acceptable -> wampbox's documented profile (LibraryProfile()), or
// either outcome, consistently. Every valid vector is re-run with damaged
// inputs (a flipped tag byte, trailing bytes), which must fail. Counts per
// file, per result and per flag are printed.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <set>
#include <string>
#include <unistd.h>

#include "file_test.h"
#include "judge.h"
#include "ops.h"

namespace wampbox::vectors {
namespace {

namespace fs = std::filesystem;

const char* const kVectorFiles[] = {
    "crypto_box_test.json",   "keyring_test.json",         "payload_test.json",
    "message_json_test.json", "message_msgpack_test.json", "message_cbor_test.json",
    "ppt_test.json",
};

struct Tally {
  std::map<std::string, std::array<int, 2>> by_result;  // result -> {passed, failed}
  std::map<std::string, std::array<int, 5>> by_flag;    // flag -> {valid, invalid, acceptable, accepted, rejected}
  std::map<std::string, int> by_op;
  int tests = 0, derived = 0;
};

void Print(const std::string& name, const Tally& t) {
  std::printf("\n[corpus] %s: %d tests, %d derived negative checks\n", name.c_str(), t.tests, t.derived);
  for (const auto& [result, c] : t.by_result) {
    std::printf("[corpus]   %-10s %5d passed %5d failed\n", result.c_str(), c[0], c[1]);
  }
  for (const auto& [op, n] : t.by_op) std::printf("[corpus]   operation %-18s %5d\n", op.c_str(), n);
  std::printf("[corpus]   %-30s %6s %7s %10s | acceptable: %8s %8s\n", "flag", "valid", "invalid", "acceptable",
              "accepted", "rejected");
  for (const auto& [flag, c] : t.by_flag) {
    std::printf("[corpus]   %-30s %6d %7d %10d | %20d %8d\n", flag.c_str(), c[0], c[1], c[2], c[3], c[4]);
  }
  std::fflush(stdout);
}

class CorpusFile : public testing::TestWithParam<const char*> {};

TEST_P(CorpusFile, AllVectors) {
  const std::string name = GetParam();
  std::optional<FileTest> file;
  try {
    file.emplace(FixturesDir() / name);
  } catch (const CorpusError& e) {
    FAIL() << e.what();
  }
  Tally tally;
  const Profile profile = LibraryProfile();
  file->Run([&](Vector& v) {
    SCOPED_TRACE(v.where());
    Verdict verdict = JudgeVector(v, OpContext{}, profile);
    if (!verdict.pass) ADD_FAILURE() << verdict.detail;
    ++tally.tests;
    ++tally.by_op[v.op];
    tally.derived += verdict.derived;
    ++tally.by_result[v.result][verdict.pass ? 0 : 1];
    for (const auto& f : v.flags) {
      auto& c = tally.by_flag[f];
      ++c[v.result == "valid" ? 0 : v.result == "invalid" ? 1 : 2];
      if (v.result == "acceptable") ++c[verdict.rejected ? 4 : 3];
    }
  });
  for (const auto& e : file->errors()) ADD_FAILURE() << "corpus/runner mismatch: " << e;
  Print(name, tally);
  EXPECT_GT(tally.tests, 0);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CorpusFile, testing::ValuesIn(kVectorFiles),
                         [](const testing::TestParamInfo<const char*>& info) {
                           std::string n = info.param;
                           return n.substr(0, n.find('.'));
                         });

// The manifest lists exactly the files this suite runs (plus docs and schemas):
// a vector file added to fixtures/ without a runner here fails.
TEST(Corpus, ManifestListsExactlyTheRunFiles) {
  fs::path path = FixturesDir() / "MANIFEST.json";
  ASSERT_TRUE(fs::exists(path)) << path;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.load(path.string()).get(doc));
  std::set<std::string> listed;
  for (auto field : simdjson::dom::object(doc["files"])) {
    std::string n(field.key);
    if (n.size() > 10 && n.substr(n.size() - 10) == "_test.json" && n.find('/') == std::string::npos) {
      listed.insert(n);
    }
  }
  std::set<std::string> run(std::begin(kVectorFiles), std::end(kVectorFiles));
  EXPECT_EQ(listed, run);
  std::set<std::string> present;
  for (const auto& e : fs::directory_iterator(FixturesDir())) {
    std::string n = e.path().filename().string();
    if (n.size() > 10 && n.substr(n.size() - 10) == "_test.json") present.insert(n);
  }
  EXPECT_EQ(present, run);
}

// The reader's own contract (file_test.h): a missing file and an unconsumed
// field fail.
TEST(Reader, MissingFileFails) {
  EXPECT_THROW(FileTest(FixturesDir() / "no_such_test.json"), CorpusError);
}

TEST(Reader, UnconsumedFieldFails) {
  simdjson::dom::parser parser;
  simdjson::dom::element e = parser.parse(std::string_view(R"({"a": "00", "b": 1})"));
  Attrs a(e, "t");
  EXPECT_EQ(a.hex("a"), Bytes{0});
  EXPECT_THROW(a.finish(), CorpusError);
  (void)a.i64("b");
  EXPECT_NO_THROW(a.finish());
  EXPECT_THROW(a.str("c"), CorpusError);
  EXPECT_THROW(a.hex("b"), CorpusError);
}

// The judge can fail: one beforenm vector (RFC 7748's keys) judged with the
// right shared key, a wrong one, and as an invalid vector.
TEST(Judge, WrongOutputAndAcceptedInvalidFail) {
  const std::string sk = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
  const std::string pk = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
  const std::string k = "1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389";
  auto judge = [&](const std::string& result, const std::string& shared) {
    simdjson::dom::parser parser;
    simdjson::dom::element t = parser.parse("{\"sk\":\"" + sk + "\",\"pk\":\"" + pk + "\",\"k\":\"" + shared + "\"}");
    simdjson::dom::parser group_parser;  // a parser holds one document at a time
    simdjson::dom::element g = group_parser.parse(std::string_view("{}"));
    Attrs test(t, "test"), group(g, "group");
    Vector v;
    v.op = "beforenm";
    v.result = result;
    v.test = &test;
    v.group = &group;
    Verdict verdict = JudgeVector(v, OpContext{}, LibraryProfile());
    test.finish();
    return verdict;
  };
  Verdict good = judge("valid", k);
  EXPECT_TRUE(good.pass) << good.detail;
  EXPECT_EQ(good.derived, 1);
  Verdict wrong = judge("valid", std::string(64, '0'));
  EXPECT_FALSE(wrong.pass);
  EXPECT_TRUE(wrong.wrong_output);
  Verdict invalid = judge("invalid", k);
  EXPECT_FALSE(invalid.pass);
  EXPECT_NE(invalid.detail.find("invalid vector accepted"), std::string::npos) << invalid.detail;
  // The same vector through a backend's CryptoBackend::beforenm.
  simdjson::dom::parser parser;
  simdjson::dom::element t = parser.parse("{\"sk\":\"" + sk + "\",\"pk\":\"" + pk + "\"}");
  Attrs in(t, "in");
  Output out = FindProtocolOp("beforenm")->run(in, OpContext{&libsodium_backend()});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(hex_encode(std::get<Bytes>(out[0].second)), k);
}

// End to end: a corpus file whose first vector carries a field no check reads
// fails that vector (and only it).
TEST(Reader, UnknownFieldInAVectorFails) {
  const fs::path dir = fs::temp_directory_path() / ("wampbox_reader_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::create_directory_symlink(fs::absolute(FixturesDir() / "schemas"), dir / "schemas");
  std::ifstream in(FixturesDir() / "keyring_test.json");
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  const auto at = text.find("\"tcId\"");
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "\"surplus\": 1, ");
  std::ofstream(dir / "keyring_test.json") << text;
  {
    FileTest file(dir / "keyring_test.json");
    int run = 0;
    file.Run([&](Vector& v) {
      ++run;
      (void)JudgeVector(v, OpContext{}, LibraryProfile());
    });
    EXPECT_GT(run, 1);
    ASSERT_EQ(file.errors().size(), 1u);
    EXPECT_NE(file.errors()[0].find("'surplus'"), std::string::npos) << file.errors()[0];
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace wampbox::vectors
