// A WAMP client session over a transport Connection, with WAMP-cryptobox
// end-to-end encryption where Autobahn|Python's session applies it.
//
// Where the session encrypts and decrypts (as autobahn/wamp/protocol.py 22.7.1):
//   - PUBLISH and CALL are sealed with the originator box of the key covering
//     the topic / procedure; with no key they go in plaintext. A key without
//     the needed box throws Error(kMissingRole) (Autobahn silently sends
//     plaintext; this session never does).
//   - EVENT with enc_*: opened with the responder box keyed by the subscription's
//     topic (or Details.topic); any failure (no keyring, decrypt error, URI
//     mismatch) drops the event, counted in events_dropped().
//   - INVOCATION with enc_*: opened likewise; a failure is answered with ERROR
//     carrying the error URI (wamp.error.encryption.decrypt_error,
//     ...trusted_uri_mismatch, wamp.error.no_payload_codec) and the handler is
//     not called.
//   - YIELD is sealed (responder box, procedure URI) when the INVOCATION was
//     encrypted, as Autobahn does, and also when a key covers the procedure
//     (Autobahn would answer a plaintext INVOCATION in plaintext there).
//   - ERROR from a handler is sealed with the responder box keyed by the error
//     URI when a key covers it.
//   - RESULT / ERROR with enc_*: opened with the originator box; failures reject
//     the call with WampError(decrypt_error / trusted_uri_mismatch /
//     no_payload_codec).
// With SessionOptions::refuse_plaintext, EVENT/INVOCATION/RESULT arriving in
// plaintext for a URI a key covers are refused the same way (an option:
// Autobahn accepts them).
//
// Payload PassThru Mode (SessionOptions::ppt, a PptKeyStore): PUBLISH and CALL
// are sealed with PptKeyStore::seal (originator) and a YIELD answering a PPT
// INVOCATION with the responder's key, ppt_* attributes instead of enc_*; a
// URI without a current key throws Error(kNoKey) before anything is sent (no
// plaintext). EVENT/INVOCATION/RESULT carrying ppt_* are opened with
// PptKeyStore::open; failures are handled as cryptobox failures above (EVENT
// dropped, INVOCATION answered with ERROR, call rejected). Without a store,
// ppt_* messages are delivered as they arrive (Arguments [binary]).
//
// Threading and blocking: the session and its connection belong to one
// io_context. The blocking calls (join, subscribe, publish, call, ...) run that
// io_context until their reply arrives or the timeout passes; they must be
// called from outside io_context::run (not from a handler). Handlers run inside
// those calls and may not call blocking methods themselves.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "wampbox/cryptobox.h"
#include "wampbox/message.h"
#include "wampbox/ppt.h"
#include "wampbox/transport/connection.h"

namespace wampbox::transport {

using Millis = std::chrono::milliseconds;

/// A WAMP error: ABORT reason, ERROR URI of a failed call, or a local failure
/// (wamp.error.timeout, wampbox.error.connection_lost) with its arguments.
class WampError : public std::runtime_error {
 public:
  WampError(std::string uri, Value args = Array{}, Value kwargs = Object{});
  const std::string& uri() const noexcept { return uri_; }
  const Value& args() const noexcept { return args_; }
  const Value& kwargs() const noexcept { return kwargs_; }

 private:
  std::string uri_;
  Value args_, kwargs_;
};

struct Event {
  std::uint64_t subscription = 0, publication = 0;
  std::string topic;
  Value args = Array{};
  Value kwargs = Object{};
  Object details;       // as received (enc_* / ppt_* included)
  bool encrypted = false;
  bool ppt = false;     // opened from Payload PassThru Mode (encrypted is then true too)
};

struct Invocation {
  std::uint64_t request = 0, registration = 0;
  std::string procedure;
  Value args = Array{};
  Value kwargs = Object{};
  Object details;
  bool encrypted = false;
  bool ppt = false;
};

/// What a callee returns (YIELD) or a caller receives (RESULT).
struct CallResult {
  Value args = Array{};
  Value kwargs = Object{};
  Object details;
  bool encrypted = false;
  bool ppt = false;
};

struct SessionOptions {
  /// Keyring codec; nullptr = no end-to-end encryption (encrypted messages
  /// received are refused as wamp.error.no_payload_codec / dropped).
  const PayloadCodec* codec = nullptr;
  bool refuse_plaintext = false;
  /// Payload PassThru Mode key store (see the file comment); nullptr = no PPT
  /// sealing or opening. When set, it seals PUBLISH/CALL instead of `codec`.
  /// Not owned; must outlive the session.
  const PptKeyStore* ppt = nullptr;
  /// ppt_cipher of what this session seals: xsalsa20poly1305 or aes256gcm.
  std::string ppt_cipher{kPptCipherXsalsa20Poly1305};
  /// Optional observer of every frame sent/received (for tests and audits).
  std::function<void(bool outgoing, const Bytes& frame)> trace;
};

class Session {
 public:
  using EventHandler = std::function<void(const Event&)>;
  /// Return the YIELD; throw WampError to answer with ERROR.
  using InvocationHandler = std::function<CallResult(const Invocation&)>;

  Session(asio::io_context& io, std::shared_ptr<Connection> connection, SessionOptions options = {});
  ~Session();

  /// HELLO (roles publisher/subscriber/caller/callee) and wait for WELCOME.
  /// Throws WampError(reason) on ABORT, WampError("wamp.error.timeout").
  std::uint64_t join(const std::string& realm, Millis timeout);
  /// The router's WELCOME.Details.
  const Object& welcome_details() const noexcept { return welcome_details_; }

  std::uint64_t subscribe(const std::string& topic, EventHandler handler, Millis timeout);
  /// Publishes; with acknowledge waits for PUBLISHED and returns the
  /// publication id. Errors of sealing (wampbox::Error) are thrown before
  /// anything is sent.
  std::optional<std::uint64_t> publish(const std::string& topic, const Value& args, const Value& kwargs,
                                       bool acknowledge, Millis timeout);
  /// Sends `m` (a PUBLISH) as it is, without sealing: for test tools that send
  /// pre-built forms such as a PPT publication ([binary] with ppt_* options). The
  /// request id is assigned here; with Options.acknowledge true waits for PUBLISHED.
  std::optional<std::uint64_t> publish_message(Message m, Millis timeout);
  std::uint64_t enroll(const std::string& procedure, InvocationHandler handler, Millis timeout);
  /// Throws WampError for an ERROR reply (after decrypting it where keyed).
  CallResult call(const std::string& procedure, const Value& args, const Value& kwargs, Millis timeout);
  /// GOODBYE and wait for the router's GOODBYE.
  void leave(Millis timeout);

  /// Processes incoming messages until `done()` holds or `timeout` passes;
  /// returns done(). Throws WampError if the connection is lost.
  bool run_until(const std::function<bool()>& done, Millis timeout);

  /// Sends a raw frame (tests: garbage, oversize).
  void send_raw(Bytes frame);

  std::uint64_t id() const noexcept { return session_id_; }
  bool connected() const noexcept { return !lost_; }
  const std::string& close_reason() const noexcept { return close_reason_; }
  std::uint64_t events_dropped() const noexcept { return events_dropped_; }
  /// Error URIs of refused EVENT/INVOCATION payloads, in order (bounded to 1000).
  const std::vector<std::string>& refusals() const noexcept { return refusals_; }
  /// The library's message for each refusal (same order; "" where there is none).
  const std::vector<std::string>& refusal_reasons() const noexcept { return refusal_reasons_; }
  Connection& connection() noexcept { return *conn_; }

 private:
  struct Pending {
    bool done = false;
    std::optional<WampError> error;
    Value reply;                         // generic replies
    std::optional<CallResult> result;    // CALL
  };
  void send_value(const Value& v);
  void send_message(const Message& m);
  void on_frame(Bytes&& frame);
  void on_payload_message(Message&& m);
  void on_event(Message&& m);
  void on_invocation(Message&& m);
  void on_result(Message&& m);
  void on_error(Message&& m);
  void refuse(const std::string& uri, const std::string& reason = "");
  std::uint64_t next_request() { return ++request_; }
  Pending& wait(std::uint64_t request, Millis timeout, const char* what);
  /// Waits for the reply to `request` (SUBSCRIBED, REGISTERED, PUBLISHED: the id
  /// is its third element) and forgets the request whatever happens. Throws the
  /// ERROR reply, an ABORT, or WampError("wamp.error.timeout").
  std::uint64_t await_id(std::uint64_t request, const char* what, Millis timeout);
  /// Sends [type, request, {}, uri] (SUBSCRIBE, REGISTER) and returns await_id().
  std::uint64_t request_id_reply(int type, const std::string& uri, const char* what, Millis timeout);
  bool keyed(const std::string& uri) const;

  asio::io_context& io_;
  std::shared_ptr<Connection> conn_;
  // Cleared by the destructor: the connection's close handler may run after it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  SessionOptions options_;
  std::uint64_t session_id_ = 0;
  std::uint64_t request_ = 0;
  Object welcome_details_;
  bool lost_ = false;
  bool goodbye_ = false;
  std::string close_reason_;
  std::optional<WampError> abort_;
  std::map<std::uint64_t, Pending> pending_;
  std::map<std::uint64_t, std::string> call_procedure_;  // request -> procedure (RESULT keying)
  struct Subscription {
    std::string topic;
    EventHandler handler;
  };
  std::map<std::uint64_t, Subscription> subscriptions_;
  struct Registration {
    std::string procedure;
    InvocationHandler handler;
  };
  std::map<std::uint64_t, Registration> registrations_;
  std::uint64_t events_dropped_ = 0;
  std::vector<std::string> refusals_;
  std::vector<std::string> refusal_reasons_;
};

}  // namespace wampbox::transport
