// WAMP transports over Boost.Asio (1.74): RawSocket over TCP and WebSocket
// (Boost.Beast), client and server sides. A Connection carries whole WAMP
// messages (serialized frames) in both directions; it knows nothing of their
// content, so the wampbox library stays transport-free.
//
// Threading: every object here belongs to one asio::io_context and must only be
// used from the thread running it (no strands: the router and the client are
// single-threaded by design, which keeps message order trivially intact).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "wampbox/message.h"
#include "wampbox/value.h"

namespace wampbox::transport {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

enum class TransportKind { kRawSocket, kWebSocket };
std::string_view to_string(TransportKind k) noexcept;  // "rawsocket", "websocket"

/// RawSocket serializer ids (JSON=1, MessagePack=2, CBOR=3) and WebSocket
/// subprotocols (wamp.2.json, wamp.2.msgpack, wamp.2.cbor).
std::uint8_t rawsocket_serializer_id(Serializer s) noexcept;
std::optional<Serializer> serializer_from_rawsocket_id(std::uint8_t id) noexcept;
std::string_view websocket_subprotocol(Serializer s) noexcept;
std::optional<Serializer> serializer_from_subprotocol(std::string_view p) noexcept;

/// The RawSocket length exponent L for a maximum message size: the smallest L
/// in [0, 15] with 2^(9+L) >= max_bytes (15, i.e. 16 MiB, for anything larger).
std::uint8_t rawsocket_length_exponent(std::size_t max_bytes) noexcept;

struct Limits {
  /// Largest message accepted from the peer (RawSocket: announced in the
  /// handshake, rounded up to a power of two; WebSocket: read_message_max).
  /// Larger frames close the connection with a "message too big" reason.
  std::size_t max_message = 16u << 20;
  /// Time allowed for the transport handshake (RawSocket 4 bytes or the HTTP
  /// upgrade) before the socket is closed.
  std::chrono::milliseconds handshake_timeout{5000};
};

/// One established transport connection. Created by Listener (server side) or
/// connect() (client side); owned by shared_ptr (pending operations keep it
/// alive until it is closed).
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using MessageHandler = std::function<void(Bytes&& message)>;
  /// Called once, when the connection is gone (peer closed, error, close()),
  /// posted to the io_context (never from inside send()/close()).
  using CloseHandler = std::function<void(const std::string& reason)>;

  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Starts reading; each complete WAMP message is passed to on_message.
  /// Ping frames are answered with pong (RawSocket: by this class; WebSocket:
  /// by Beast). Call once.
  void start(MessageHandler on_message, CloseHandler on_close);

  /// Queues one serialized WAMP message; messages go out in call order.
  /// RawSocket: a frame larger than the peer's announced maximum closes the
  /// connection (the peer would drop it anyway). No-op once closed.
  void send(Bytes message);
  /// RawSocket ping (type 1 frame); WebSocket ping control frame. The pong's
  /// arrival is counted in pongs_received().
  void ping(Bytes payload = {});

  /// Closes once everything queued has been written (used after ABORT/GOODBYE).
  void close_after_flush(std::string reason);
  /// Closes now; queued messages are discarded.
  void close(std::string reason);

  /// Closes the connection if no message arrives for `timeout` (0 = never).
  void set_idle_timeout(std::chrono::milliseconds timeout);

  Serializer serializer() const noexcept { return serializer_; }
  TransportKind kind() const noexcept { return kind_; }
  /// Bytes queued for writing and not yet written (slow-consumer bound).
  std::size_t queued_bytes() const noexcept { return queued_bytes_; }
  /// Largest message the peer accepts (RawSocket handshake; WebSocket: unlimited).
  std::size_t peer_max_message() const noexcept { return peer_max_message_; }
  bool closed() const noexcept { return closed_; }
  std::uint64_t pongs_received() const noexcept { return pongs_; }
  const std::string& peer() const noexcept { return peer_; }

  /// Internal (Listener): `counter` is decremented once when this closes.
  void count_in(std::shared_ptr<std::size_t> counter) { counter_ = std::move(counter); }

 protected:
  Connection(asio::io_context& io, Serializer s, TransportKind k, std::string peer);
  virtual void do_read() = 0;
  /// Writes one queued item; must call on_write_done when finished.
  virtual void do_write(const Bytes& item, bool control) = 0;
  virtual void do_ping(Bytes payload) = 0;
  virtual void do_shutdown() = 0;
  void on_write_done(boost::system::error_code ec);
  void deliver(Bytes&& message);
  void fail(const std::string& reason);
  void touch();

  asio::io_context& io_;
  Serializer serializer_;
  TransportKind kind_;
  std::string peer_;
  std::size_t peer_max_message_ = SIZE_MAX;
  std::uint64_t pongs_ = 0;
  bool closed_ = false;

 private:
  struct Item {
    Bytes data;
    bool control = false;  // RawSocket pong frame
  };
  void pump();
  MessageHandler on_message_;
  CloseHandler on_close_;
  std::deque<Item> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_after_flush_ = false;
  std::string close_reason_;
  asio::steady_timer idle_timer_;
  std::chrono::milliseconds idle_timeout_{0};
  std::chrono::steady_clock::time_point last_activity_;
  std::shared_ptr<std::size_t> counter_;
  void arm_idle();
  friend class RawSocketConnection;
  friend class WebSocketConnection;
};

/// Accepts connections on one TCP endpoint and speaks both transports on it:
/// the first byte tells them apart (0x7F starts a RawSocket handshake, anything
/// else must be an HTTP WebSocket upgrade), as Crossbar's universal transport
/// does. RawSocket requests for an unsupported serializer get handshake error
/// 1; WebSocket upgrades without a wamp.2.* subprotocol get HTTP 400. When
/// `max_connections` established connections are open, RawSocket clients get
/// handshake error 4 and WebSocket clients HTTP 503.
class Listener {
 public:
  using AcceptHandler = std::function<void(std::shared_ptr<Connection>)>;
  /// Binds and listens immediately (port 0 = ephemeral). Throws
  /// boost::system::system_error if the bind fails.
  Listener(asio::io_context& io, const tcp::endpoint& endpoint, Limits limits, std::size_t max_connections,
           AcceptHandler on_accept);
  ~Listener();
  std::uint16_t port() const;
  void stop();
  /// Established connections currently open (the handler's connections that
  /// have not closed yet).
  std::size_t open_connections() const noexcept { return *open_; }

 private:
  void accept_next();
  void handshake(tcp::socket socket);
  asio::io_context& io_;
  tcp::acceptor acceptor_;
  Limits limits_;
  std::size_t max_connections_;
  AcceptHandler on_accept_;
  std::shared_ptr<std::size_t> open_ = std::make_shared<std::size_t>(0);
};

struct ConnectOptions {
  TransportKind kind = TransportKind::kRawSocket;
  Serializer serializer = Serializer::kJson;
  Limits limits;
  std::string ws_path = "/";
  std::chrono::milliseconds timeout{5000};
};

/// Client side: connects to host:port and performs the transport handshake,
/// blocking the calling thread (bounded by options.timeout). Throws
/// boost::system::system_error on network errors and std::runtime_error when
/// the server refuses the handshake (RawSocket error code, HTTP status, or a
/// different serializer than requested). The returned connection is not
/// started yet.
std::shared_ptr<Connection> connect(asio::io_context& io, const std::string& host, std::uint16_t port,
                                    const ConnectOptions& options);

}  // namespace wampbox::transport
