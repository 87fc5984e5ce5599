// The one C++ reader of the conformance corpus (fixtures/README.md), modelled
// on BoringSSL's crypto/test/file_test.h: a missing or unreadable file, a
// malformed header, an unknown field, or a field that nothing consumed is a
// failure, so the corpus and the code that runs it cannot drift apart
// silently. conformance_test, backend_test and the C++ protocol adapter all
// read through it (Attrs is also the adapter's view of a request's `input`).
//
// Why simdjson and not wampbox's own json_parse: the corpus is the yardstick
// for the library, so it must not be read by the code it measures. A bug in
// json.cc (an escape decoded wrongly, Autobahn's "\u0000 starts a binary"
// rule, integer range handling) would otherwise corrupt the expected values
// and the inputs alike and could cancel out: a common-mode failure no vector
// would show. simdjson's DOM is a packaged dependency with its own test suite;
// wampbox's JSON layer adds the Value model, Autobahn's rules and its own
// fallback on top, and that is what the corpus tests. The corpus also keeps to
// the part of JSON where parsers do not disagree: objects, arrays, strings,
// integers and null (bytes as lowercase hex, integers of the value model as
// decimal strings, floats as the hex of their bits).
//
// Thread safety: none; one FileTest (and its Attrs) per thread.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "wampbox/encoding.h"
#include "wampbox/keyring.h"
#include "wampbox/keys.h"
#include "wampbox/message.h"
#include "wampbox/value.h"

namespace wampbox::vectors {

namespace dom = simdjson::dom;

/// A corpus/harness mismatch (missing or ill-typed field, unknown operation,
/// unconsumed field, missing file): the vector (or the file) fails. Never a
/// verdict about the implementation under test.
struct CorpusError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The corpus directory: $WAMPBOX_FIXTURES if set, else the fixtures/ of the
/// source tree this library was built from.
std::filesystem::path FixturesDir();

/// The members of one JSON object, each of which must be read. Readers throw
/// CorpusError on a missing or ill-typed member; finish() throws CorpusError
/// naming every member nothing read. Copies share the underlying document
/// (which must outlive them) and carry their own consumption state.
class Attrs {
 public:
  /// Throws CorpusError if `e` is not an object or has a duplicate key.
  Attrs(dom::element e, std::string where);

  bool has(std::string_view k) const;
  dom::element get(std::string_view k);
  std::optional<dom::element> opt(std::string_view k);
  bool is_null(std::string_view k);
  std::string str(std::string_view k);
  std::optional<std::string> str_or_null(std::string_view k);
  std::int64_t i64(std::string_view k);
  /// Lowercase hex only (the corpus's form).
  Bytes hex(std::string_view k);
  std::optional<Bytes> hex_or_null(std::string_view k);
  template <std::size_t N>
  std::array<std::uint8_t, N> fixed(std::string_view k) {
    Bytes b = hex(k);
    if (b.size() != N) throw CorpusError(where_ + ": '" + std::string(k) + "' is not " + std::to_string(N) + " bytes");
    std::array<std::uint8_t, N> a{};
    std::copy(b.begin(), b.end(), a.begin());
    return a;
  }
  /// Marks `k` read without interpreting it (a field that is advice only).
  void skip(std::string_view k) { (void)get(k); }
  /// Makes `from`'s member `k` (if present) one of ours, marking it read in
  /// `from`: a group-level input (keyring, serializer) of a test's operation.
  void adopt(Attrs& from, std::string_view k);
  /// Replaces a string member's value (derived negative checks damage inputs).
  void replace_hex(std::string_view k, const Bytes& b);

  std::vector<std::string> unconsumed() const;
  void finish() const;
  const std::string& where() const { return where_; }

 private:
  struct Member {
    std::string key;
    dom::element value;
    bool consumed = false;
    std::optional<std::string> replaced;  // replace_hex
  };
  Member* find(std::string_view k);
  const Member* find(std::string_view k) const;
  Member& need(std::string_view k);

  std::vector<Member> members_;
  std::string where_;
};

/// The elements of a JSON array (CorpusError if `e` is not one).
std::vector<dom::element> ArrayOf(dom::element e, const std::string& where);

// Typed values and messages (fixtures/README.md, "Values", "Messages") into
// the library's types. Throw CorpusError on a malformed form; the library's
// own constructors may throw wampbox::Error (e.g. an integer out of range).
Value ToValue(dom::element e, const std::string& where);
Message ToMessage(dom::element e, const std::string& where);
Role ToRole(std::string_view s);
/// A key entry: {"private": ...} or the four optional *_priv/*_pub parts.
Key ToKey(Attrs& o);
KeyRing ToKeyRing(dom::element e, const std::string& where);

/// One test of a corpus file, in its group.
struct Vector {
  std::string file;
  std::string group_type;
  std::string op;  // the group's corpus operation
  std::int64_t tc_id = 0;
  std::string comment;
  std::string result;  // valid, invalid, acceptable
  std::vector<std::string> flags;
  std::optional<std::string> error;  // the advised error code
  Attrs* test = nullptr;   // the remaining fields; each must be consumed
  Attrs* group = nullptr;  // the group's remaining fields (keyring, serializer)
  bool has_flag(std::string_view f) const;
  std::string where() const;  // "file tcId N (op): comment"
};

/// A corpus file. The constructor reads the header; Run() visits every test.
class FileTest {
 public:
  /// Throws CorpusError if the file is missing, not JSON, or its header
  /// (algorithm, schema, corpusVersion, numberOfTests, header, notes) is
  /// malformed or names a schema that is not in fixtures/schemas/.
  explicit FileTest(const std::filesystem::path& path);
  FileTest(const FileTest&) = delete;
  FileTest& operator=(const FileTest&) = delete;

  /// Calls `fn` for every test, in order. A CorpusError from `fn`, a test
  /// field left unconsumed after it, a duplicate tcId or a flag missing from
  /// `notes` is recorded in errors() and the run goes on. At the end the group
  /// and file objects must be consumed, numberOfTests must match and every
  /// flag in `notes` must be used.
  void Run(const std::function<void(Vector&)>& fn);

  const std::vector<std::string>& errors() const { return errors_; }
  const std::string& name() const { return name_; }
  const std::string& algorithm() const { return algorithm_; }
  const std::string& corpus_version() const { return corpus_version_; }
  int tests_run() const { return tests_; }

 private:
  void Error(std::string what) { errors_.push_back(std::move(what)); }

  dom::parser parser_;
  dom::element doc_;
  std::optional<Attrs> file_;
  std::string name_, algorithm_, corpus_version_;
  std::int64_t declared_ = 0;
  std::set<std::string> noted_;
  std::vector<std::string> errors_;
  int tests_ = 0;
};

}  // namespace wampbox::vectors
