// JSON exactly as Autobahn|Python writes and reads it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "wampbox/limits.h"
#include "wampbox/value.h"

namespace wampbox {

/// Appends the JSON text of `v` to `out`, byte-identical to Autobahn's
/// `serializer._dumps` (Python json.dumps with separators=(',', ':'),
/// ensure_ascii=False): no whitespace; non-ASCII written raw as UTF-8;
/// '"' '\\' '\n' '\r' '\t' '\b' '\f' escaped as two-character escapes, other
/// control characters as \u00XX (lowercase hex), DEL and U+2028/2029 raw;
/// floats as Python repr() ("0.1", "1e-07", "1e+16", "-0.0", "1.0"); NaN,
/// Infinity, -Infinity as those bare words; integers of any size in decimal;
/// Binary as the string "\u0000" + base64. Strings must be valid UTF-8
/// (throws Error(kInvalidUtf8) otherwise).
void json_write_append(const Value& v, std::string& out);
[[nodiscard]] std::string json_write(const Value& v);

/// Parses one JSON text (simdjson) into a Value with Autobahn's reading rules:
/// NaN/Infinity/-Infinity accepted; integers of any size; numbers with '.' or
/// exponent are floats; a string starting with U+0000 is Binary (the rest
/// decoded as strict base64, Error(kInvalidBase64) if not); duplicate keys
/// keep the last value. Trailing non-whitespace, invalid UTF-8 or any syntax
/// error throws Error(kParseError / kInvalidUtf8). Nesting deeper than
/// kMaxJsonDepth throws Error(kParseError). Input beyond `limits` throws
/// Error(kLimitExceeded) (wampbox/limits.h; the one-argument form uses the
/// defaults). Stack use does not grow with nesting. Thread-safe: each thread
/// reuses its own cached parser.
[[nodiscard]] Value json_parse(std::string_view text);
[[nodiscard]] Value json_parse(std::string_view text, const DecodeLimits& limits);

inline constexpr std::size_t kMaxJsonDepth = 1024;

/// Reusable parser: keeps simdjson's buffers between calls so that a receiver
/// loop does not allocate parser state per message. Not thread-safe.
class JsonParser {
 public:
  JsonParser();
  ~JsonParser();
  JsonParser(JsonParser&&) noexcept;
  JsonParser& operator=(JsonParser&&) noexcept;
  [[nodiscard]] Value parse(std::string_view text);
  [[nodiscard]] Value parse(std::string_view text, const DecodeLimits& limits);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wampbox
