#include "wampbox/transport/wire.h"

#include <string>

#include "wampbox/cbor.h"
#include "wampbox/json.h"
#include "wampbox/msgpack.h"

namespace wampbox::transport {

bool is_payload_type(int type) noexcept {
  switch (type) {
    case wamp::kError:
    case wamp::kPublish:
    case wamp::kEvent:
    case wamp::kCall:
    case wamp::kResult:
    case wamp::kInvocation:
    case wamp::kYield:
      return true;
    default:
      return false;
  }
}

std::optional<int> peek_message_type(std::span<const std::uint8_t> f, Serializer s) noexcept {
  std::size_t i = 0;
  auto at = [&](std::size_t k) -> int { return k < f.size() ? f[k] : -1; };
  switch (s) {
    case Serializer::kJson: {
      auto ws = [&] {
        while (at(i) == ' ' || at(i) == '\t' || at(i) == '\n' || at(i) == '\r') ++i;
      };
      ws();
      if (at(i) != '[') return std::nullopt;
      ++i;
      ws();
      int v = 0, digits = 0;
      while (at(i) >= '0' && at(i) <= '9' && digits < 4) v = v * 10 + (at(i++) - '0'), ++digits;
      if (digits == 0 || digits == 4) return std::nullopt;
      ws();
      if (at(i) != ',' && at(i) != ']') return std::nullopt;
      return v;
    }
    case Serializer::kMsgPack: {
      int b = at(0);
      if (b >= 0x90 && b <= 0x9f) i = 1;
      else if (b == 0xdc) i = 3;
      else if (b == 0xdd) i = 5;
      else return std::nullopt;
      int t = at(i);
      if (t >= 0 && t <= 0x7f) return t;
      if (t == 0xcc && at(i + 1) >= 0) return at(i + 1);
      return std::nullopt;
    }
    case Serializer::kCbor: {
      int b = at(0);
      if (b >= 0x80 && b <= 0x97) i = 1;
      else if (b == 0x98) i = 2;
      else if (b == 0x99) i = 3;
      else if (b == 0x9a) i = 5;
      else if (b == 0x9f) i = 1;
      else return std::nullopt;
      int t = at(i);
      if (t >= 0 && t <= 0x17) return t;
      if (t == 0x18 && at(i + 1) >= 0) return at(i + 1);
      return std::nullopt;
    }
  }
  return std::nullopt;
}

Bytes encode_value(const Value& message, Serializer s) {
  switch (s) {
    case Serializer::kJson: {
      std::string text;
      json_write_append(message, text);
      return Bytes(text.begin(), text.end());
    }
    case Serializer::kMsgPack:
      return msgpack_write(message);
    case Serializer::kCbor:
      return cbor_write(message);
  }
  return {};
}

Value decode_value(std::span<const std::uint8_t> frame, Serializer s) { return decode_value(frame, s, DecodeLimits{}); }

Value decode_value(std::span<const std::uint8_t> frame, Serializer s, const DecodeLimits& limits) {
  switch (s) {
    case Serializer::kJson:
      return json_parse(std::string_view(reinterpret_cast<const char*>(frame.data()), frame.size()), limits);
    case Serializer::kMsgPack:
      return msgpack_parse(frame, limits);
    case Serializer::kCbor:
      return cbor_parse(frame, limits);
  }
  return {};
}

}  // namespace wampbox::transport
