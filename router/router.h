// wampbox-router: a payload-blind WAMP broker and dealer for tests.
//
// It routes PUBLISH->EVENT, CALL->INVOCATION, YIELD->RESULT and ERROR->ERROR
// between sessions on any transport/serializer pairing, translating frames with
// the wampbox frame codec (decode_frame in the sender's serializer,
// encode_frame in the receiver's). Payloads are never interpreted: cryptobox
// payload bytes (enc_*) and PPT [binary] arguments (ppt_*) are copied as they
// are, with their enc_* / ppt_* attributes, into the forwarded message. It
// holds no keys and links no key-handling code paths.
//
// Threading: single-threaded; all methods run on the io_context's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "wampbox/limits.h"
#include "wampbox/transport/connection.h"

namespace wampbox::router {

using transport::Connection;

enum class Hostile { kNone, kTamper, kSwap };

struct RouterOptions {
  std::size_t max_sessions = 256;
  /// Bytes queued to one receiver before it is treated as a slow consumer and
  /// disconnected (its session ends; others are not held up).
  std::size_t max_queued_bytes = 16u << 20;
  /// A connection silent for this long is closed (0 = never).
  std::chrono::milliseconds idle_timeout{0};
  /// Append every frame received and sent to this file ("" = off). Record:
  /// "<in|out> <session> <serializer> <length>\n" + frame bytes + "\n".
  std::string capture_path;
  /// kTamper: flip the last byte of every forwarded payload (cryptobox payload
  /// or PPT binary). kSwap: route topics/procedures per `swaps` (A -> B), so
  /// that receivers of B get payloads sealed for A.
  Hostile hostile = Hostile::kNone;
  std::map<std::string, std::string> swaps;
  /// Applied to every frame received: a frame over a limit gets ABORT
  /// wamp.error.protocol_violation with the limit named in Details.message.
  /// wampbox-router sets max_frame_bytes and max_string_bytes to its
  /// --max-message (the transport refuses larger frames before they are read),
  /// max_depth and max_elements from --max-depth / --max-elements.
  DecodeLimits decode_limits;
};

struct RouterStats {
  std::uint64_t sessions_total = 0, frames_in = 0, frames_out = 0, bytes_in = 0, bytes_out = 0;
  std::uint64_t aborts_protocol = 0, slow_consumers_dropped = 0, tampered = 0, swapped = 0;
  std::uint64_t events = 0, invocations = 0, results = 0, errors = 0;
};

class Router {
 public:
  Router(transport::asio::io_context& io, RouterOptions options);
  ~Router();
  /// Takes an established transport connection; the WAMP session starts with
  /// the client's HELLO.
  void attach(std::shared_ptr<Connection> connection);
  const RouterStats& stats() const noexcept { return stats_; }
  std::size_t live_sessions() const noexcept { return peers_.size(); }
  /// Closes every session (used on shutdown).
  void close_all();

 private:
  struct Peer;
  struct Subscription {
    std::string realm, topic;
    std::set<std::uint64_t> subscribers;  // session ids
  };
  struct Registration {
    std::string realm, procedure;
    std::uint64_t callee = 0;
  };
  struct InvocationRecord {
    std::uint64_t caller = 0, call_request = 0, callee = 0;
  };

  void on_frame(std::uint64_t peer_id, Bytes&& frame);
  void on_closed(std::uint64_t peer_id, const std::string& reason);
  void send(Peer& peer, Bytes frame);
  void send_value(Peer& peer, const Value& v);
  void send_message(Peer& peer, const Message& m);
  void abort(Peer& peer, const std::string& reason, const std::string& message);
  void error_reply(Peer& peer, int request_type, std::uint64_t request, const std::string& uri);
  void capture(bool out, std::uint64_t session, Serializer s, const Bytes& frame);

  void hello(Peer& peer, const Array& a);
  void publish(Peer& peer, Message&& m);
  void call(Peer& peer, Message&& m);
  void yield(Peer& peer, Message&& m);
  void callee_error(Peer& peer, Message&& m);
  void control(Peer& peer, const Array& a);
  void tamper(Message& m);
  std::string routed_uri(const std::string& uri);
  static Object forwarded_attributes(const Object& options);
  static void check_ppt(const Message& m);

  transport::asio::io_context& io_;
  RouterOptions options_;
  RouterStats stats_;
  std::FILE* capture_ = nullptr;
  std::uint64_t next_id_ = 0;  // session, subscription, registration, publication, request ids
  std::map<std::uint64_t, std::unique_ptr<Peer>> peers_;
  std::map<std::uint64_t, Subscription> subscriptions_;
  std::map<std::string, std::uint64_t> subscription_by_topic_;  // realm + '\n' + topic
  std::map<std::uint64_t, Registration> registrations_;
  std::map<std::string, std::uint64_t> registration_by_procedure_;
  std::map<std::uint64_t, InvocationRecord> invocations_;  // router request id -> record
};

}  // namespace wampbox::router
