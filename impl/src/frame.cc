// WAMP message type and serializer names (wampbox/frame.h) and the helpers
// of message_internal.h.
#include "wampbox/frame.h"

#include <array>

#include "message_internal.h"

namespace wampbox {

std::string_view to_string(MessageType t) noexcept {
  switch (t) {
    case MessageType::kError: return "ERROR";
    case MessageType::kPublish: return "PUBLISH";
    case MessageType::kEvent: return "EVENT";
    case MessageType::kCall: return "CALL";
    case MessageType::kResult: return "RESULT";
    case MessageType::kInvocation: return "INVOCATION";
    case MessageType::kYield: return "YIELD";
  }
  return "UNKNOWN";
}

std::optional<MessageType> message_type_from_string(std::string_view name) noexcept {
  static constexpr std::array<MessageType, 7> kAll = {MessageType::kError,  MessageType::kPublish,
                                                      MessageType::kEvent,  MessageType::kCall,
                                                      MessageType::kResult, MessageType::kInvocation,
                                                      MessageType::kYield};
  for (MessageType t : kAll) {
    std::string_view n = to_string(t);
    if (n.size() != name.size()) continue;
    bool eq = true;
    for (std::size_t i = 0; i < n.size(); ++i) {
      char c = name[i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c != n[i]) {
        eq = false;
        break;
      }
    }
    if (eq) return t;
  }
  return std::nullopt;
}

std::string_view to_string(Serializer s) noexcept {
  switch (s) {
    case Serializer::kJson: return "json";
    case Serializer::kMsgPack: return "msgpack";
    case Serializer::kCbor: return "cbor";
  }
  return "unknown";
}

std::optional<Serializer> serializer_from_string(std::string_view name) noexcept {
  if (name == "json") return Serializer::kJson;
  if (name == "msgpack") return Serializer::kMsgPack;
  if (name == "cbor") return Serializer::kCbor;
  return std::nullopt;
}

namespace internal {

const Value* find_key(const Object& o, std::string_view key) noexcept {
  for (const auto& kv : o) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

}  // namespace internal
}  // namespace wampbox
