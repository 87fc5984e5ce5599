// The JSON reader (impl/src/json_read.cc): simdjson's fast path against the
// strict fallback parser, and write/read round trips.
//
// Differential: json_read.cc re-reads a document with its fallback parser
// whenever simdjson reports any error, so wrapping the input as
// "[<input>,NaN]" (NaN is Python JSON that simdjson rejects) runs the same
// text through the fallback. Where the fast path accepts the input alone, the
// fallback must accept it inside the wrapper and give the same value (compared
// by their JSON writing, which is exact for every value incl. NaN). The
// wrapper adds one nesting level, so inputs nested at the depth limit are left
// out of that comparison.
#include <string>

#include "fuzz_common.h"
#include "wampbox/json.h"
#include "wampbox/value.h"

namespace {

// Nesting depth of [ and { outside strings (enough to know the wrapper's
// extra level does not cross the limit).
int Depth(std::string_view s) {
  int depth = 0, max = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max = std::max(max, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wampbox;
  const std::string_view text = fuzz::Text(data, size);
  Value v;
  try {
    v = json_parse(text);
  } catch (const Error&) {
    return 0;
  }
  // Round trip: what the writer produces, the reader reads back to the same writing.
  std::string once;
  try {
    once = json_write(v);
  } catch (const Error&) {
    return 0;  // e.g. a string that is not UTF-8 cannot be written
  }
  fuzz::Check(json_write(json_parse(once)) == once, "json_write(json_parse(json_write(v))) != json_write(v)");
  // Fast path vs fallback.
  if (Depth(text) >= 1000) return 0;
  std::string wrapped = "[";
  wrapped.append(text);
  wrapped += ",NaN]";
  Value w;
  try {
    w = json_parse(wrapped);
  } catch (const Error&) {
    fuzz::Fail("the fallback parser rejects a document the fast path accepts");
  }
  fuzz::Check(w.kind() == Value::Kind::kArray && w.as_array().size() == 2, "wrapper shape");
  fuzz::Check(json_write(w.as_array()[0]) == once, "fast path and fallback read different values");
  return 0;
}
