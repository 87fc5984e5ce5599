// WAMP messages that carry application payloads (PUBLISH, EVENT, CALL,
// INVOCATION, YIELD, RESULT, ERROR), in plain (args/kwargs) and encrypted
// (payload) form, and their JSON / MessagePack / CBOR frames, byte-identical to
// Autobahn|Python's message.marshal() + serializers, parsed with its
// Message.parse() checks.
//
// Frames only: nothing here needs a key or a crypto library. Sealing and
// opening (the payload codec) are in wampbox/message.h, which includes this.
// All functions are thread-safe (no shared mutable state).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wampbox/limits.h"
#include "wampbox/value.h"

namespace wampbox {

enum class MessageType : int {
  kError = 8,
  kPublish = 16,
  kEvent = 36,
  kCall = 48,
  kResult = 50,
  kInvocation = 68,
  kYield = 70,
};
[[nodiscard]] std::string_view to_string(MessageType t) noexcept;  // "PUBLISH", ...
/// Parses "PUBLISH"/"publish"; nullopt if unknown.
[[nodiscard]] std::optional<MessageType> message_type_from_string(std::string_view name) noexcept;

enum class Serializer { kJson, kMsgPack, kCbor };
[[nodiscard]] std::string_view to_string(Serializer s) noexcept;  // "json", "msgpack", "cbor"
[[nodiscard]] std::optional<Serializer> serializer_from_string(std::string_view name) noexcept;

/// One WAMP message. Wire shapes (Payload replaces Arguments, ArgumentsKw absent):
///   PUBLISH    [16, request, options, uri, Arguments?, ArgumentsKw?]
///   EVENT      [36, subscription, publication, options(=Details), ...]
///   CALL       [48, request, options, uri, ...]
///   INVOCATION [68, request, registration, options(=Details), ...]
///   YIELD      [70, request, options, ...]
///   RESULT     [50, request, options(=Details), ...]
///   ERROR      [8, request_type, request, options(=Details), uri, ...]
struct Message {
  MessageType type = MessageType::kPublish;
  std::int64_t request_type = 0;   // ERROR only
  std::uint64_t request = 0;       // all but EVENT
  std::uint64_t subscription = 0;  // EVENT
  std::uint64_t publication = 0;   // EVENT
  std::uint64_t registration = 0;  // INVOCATION
  Object options;                  // Options or Details, in wire order
  std::string uri;                 // PUBLISH topic, CALL procedure, ERROR error; empty otherwise
  // Plain form: what follows Options/URI. Marshalled as Autobahn does:
  // kwargs non-empty -> [.., args, kwargs]; else args non-empty -> [.., args];
  // else neither. On parse, present elements are kept as they were.
  std::optional<Value> args;       // Array (or Null when followed by kwargs)
  std::optional<Value> kwargs;     // Object
  // Encrypted form: Payload|binary; options then carry enc_algo/enc_serializer
  // (and enc_key), placed where Autobahn's marshal() puts them.
  std::optional<Bytes> payload;

  [[nodiscard]] bool is_encrypted() const noexcept { return payload.has_value(); }
  bool operator==(const Message&) const = default;
};

/// Serializes `m` into `out` (replaced). JSON frames are UTF-8 text with
/// binary as "\u0000"+base64. Throws Error(kInvalidArgument) for an
/// inconsistent Message (e.g. both payload and args) and Error(kUnencodable)
/// for values the serializer cannot carry. As Autobahn's `if self.payload:`,
/// an empty payload is written in the plain form (no payload element and no
/// enc_* attributes; enc_* keys in the options of a Message without a
/// payload are never written, as Autobahn writes them only with one). `uri`
/// is not written for types whose frame has none.
///
/// Round trip: decode_frame accepts every frame this writes (tests/unit
/// message_test FrameRoundTrip.*, fuzz/fuzz_frame). Where Autobahn's marshal()
/// writes a PUBLISH its own parser rejects or misreads, either the frame is
/// normalised or decode_frame is more lenient than Autobahn:
///   - args a string or binary (which Autobahn's PUBLISH accepts only with
///     ArgumentsKw after it) are always followed by kwargs, {} when absent or
///     empty (Autobahn leaves it off); decoding gives back kwargs {} where the
///     Message had none;
///   - args absent or null before non-empty kwargs are written as null, as
///     marshal() does (the corpus requires those bytes), and decode_frame
///     accepts that PUBLISH (Autobahn refuses it; corpus tcId 408 lets both).
/// Other types take args only as an array or null (Error(kInvalidArgument)
/// otherwise).
void encode_frame_into(const Message& m, Serializer s, Bytes& out);
[[nodiscard]] Bytes encode_frame(const Message& m, Serializer s);

/// Parses one frame. Syntax errors throw kParseError/kInvalidUtf8/
/// kInvalidBase64; a well-formed frame that is not a valid message of the
/// seven supported types throws kProtocolError, with Autobahn's checks:
/// element count, id/dict/URI types, args a list, kwargs a dict, enc_algo in
/// {cryptobox, mqtt, xbr} or x_*, enc_serializer in {json, msgpack, cbor,
/// ubjson, flatbuffers} or x_*, enc_key a string. Also mirrored: the checks
/// Autobahn's constructors assert (a str where PUBLISH/CALL/RESULT expect the
/// binary payload is rejected; forward_for entries need session int, authid
/// str or null, authrole str; enc_key/enc_serializer need enc_algo), the known
/// Options/Details types of each class (e.g. CALL timeout a non-negative int),
/// PUBLISH taking str/bytes args (and, unlike Autobahn, null args before
/// kwargs: see encode_frame_into), and the URI pattern
/// ^([^\s.#]+\.)*([^\s.#]+)$ with Python's \s (Unicode spaces) and `$` (a final
/// "\n" is accepted). Unknown Options keys are kept as they are.
///
/// The frame is read within `limits` (wampbox/limits.h): a frame over one
/// throws Error(kLimitExceeded) before the memory is spent (too deep nesting:
/// Error(kParseError), as in Python). The overload without `limits` uses the
/// defaults. A receiver of untrusted frames sets its policy there: the
/// router's --max-message/--max-depth/--max-elements, the CLI's defaults.
[[nodiscard]] Message decode_frame(std::span<const std::uint8_t> frame, Serializer s);
[[nodiscard]] Message decode_frame(std::span<const std::uint8_t> frame, Serializer s, const DecodeLimits& limits);

/// Storage decode_frame_into reuses from one frame to the next: the JSON
/// parser's buffers and the strings, containers and payload bytes of earlier
/// messages. One per receiving thread (not thread-safe); movable.
class FrameContext {
 public:
  FrameContext();
  ~FrameContext();
  FrameContext(FrameContext&&) noexcept;
  FrameContext& operator=(FrameContext&&) noexcept;
  FrameContext(const FrameContext&) = delete;
  FrameContext& operator=(const FrameContext&) = delete;

 private:
  friend void decode_frame_into(std::span<const std::uint8_t> frame, Serializer s, Message& out, FrameContext& ctx,
                                const DecodeLimits& limits);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// decode_frame into `out` (replaced; on an error it is left empty), reusing
/// the storage of what `out` held before and of `ctx`: decoding a stream of
/// frames of one shape into the same `out` and `ctx` allocates nothing once
/// they have seen the largest of them. Same checks and errors as decode_frame,
/// within `limits` (the defaults without it).
void decode_frame_into(std::span<const std::uint8_t> frame, Serializer s, Message& out, FrameContext& ctx);
void decode_frame_into(std::span<const std::uint8_t> frame, Serializer s, Message& out, FrameContext& ctx,
                       const DecodeLimits& limits);

}  // namespace wampbox
