// RawSocket and WebSocket connections, the dual-protocol listener, and
// blocking client connect. See connection.h for the contracts.
#include "wampbox/transport/connection.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace wampbox::transport {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using error_code = boost::system::error_code;

std::string_view to_string(TransportKind k) noexcept {
  return k == TransportKind::kRawSocket ? "rawsocket" : "websocket";
}

std::uint8_t rawsocket_serializer_id(Serializer s) noexcept {
  switch (s) {
    case Serializer::kJson: return 1;
    case Serializer::kMsgPack: return 2;
    case Serializer::kCbor: return 3;
  }
  return 0;
}

std::optional<Serializer> serializer_from_rawsocket_id(std::uint8_t id) noexcept {
  switch (id) {
    case 1: return Serializer::kJson;
    case 2: return Serializer::kMsgPack;
    case 3: return Serializer::kCbor;
    default: return std::nullopt;
  }
}

std::string_view websocket_subprotocol(Serializer s) noexcept {
  switch (s) {
    case Serializer::kJson: return "wamp.2.json";
    case Serializer::kMsgPack: return "wamp.2.msgpack";
    case Serializer::kCbor: return "wamp.2.cbor";
  }
  return "";
}

std::optional<Serializer> serializer_from_subprotocol(std::string_view p) noexcept {
  if (p == "wamp.2.json") return Serializer::kJson;
  if (p == "wamp.2.msgpack") return Serializer::kMsgPack;
  if (p == "wamp.2.cbor") return Serializer::kCbor;
  return std::nullopt;
}

std::uint8_t rawsocket_length_exponent(std::size_t max_bytes) noexcept {
  for (std::uint8_t l = 0; l < 15; ++l) {
    if ((std::size_t{1} << (9 + l)) >= max_bytes) return l;
  }
  return 15;
}

namespace {
constexpr std::uint8_t kMagic = 0x7F;
constexpr std::uint8_t kFrameRegular = 0, kFramePing = 1, kFramePong = 2;
}  // namespace

// ---------------------------------------------------------------- Connection

Connection::Connection(asio::io_context& io, Serializer s, TransportKind k, std::string peer)
    : io_(io), serializer_(s), kind_(k), peer_(std::move(peer)), idle_timer_(io) {}

void Connection::start(MessageHandler on_message, CloseHandler on_close) {
  on_message_ = std::move(on_message);
  on_close_ = std::move(on_close);
  touch();
  do_read();
}

void Connection::send(Bytes message) {
  if (closed_ || closing_after_flush_) return;
  if (message.size() > peer_max_message_) {
    fail("outgoing message of " + std::to_string(message.size()) + " bytes exceeds the peer's maximum of " +
         std::to_string(peer_max_message_));
    return;
  }
  queued_bytes_ += message.size();
  queue_.push_back(Item{std::move(message), false});
  pump();
}

void Connection::ping(Bytes payload) {
  if (closed_) return;
  do_ping(std::move(payload));
}

void Connection::pump() {
  if (writing_ || closed_) return;
  if (queue_.empty()) {
    if (closing_after_flush_) {
      auto reason = close_reason_;
      fail(reason);
    }
    return;
  }
  writing_ = true;
  do_write(queue_.front().data, queue_.front().control);
}

void Connection::on_write_done(error_code ec) {
  writing_ = false;
  if (closed_) return;
  if (ec) {
    fail("write failed: " + ec.message());
    return;
  }
  queued_bytes_ -= queue_.front().data.size();
  queue_.pop_front();
  pump();
}

void Connection::close_after_flush(std::string reason) {
  if (closed_ || closing_after_flush_) return;
  closing_after_flush_ = true;
  close_reason_ = std::move(reason);
  pump();
}

void Connection::close(std::string reason) { fail(reason); }

void Connection::fail(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  if (counter_) --*counter_, counter_.reset();
  idle_timer_.cancel();
  queue_.clear();
  queued_bytes_ = 0;
  do_shutdown();
  // The close handler runs later, from the io_context, never inside the call that
  // failed: a router closing a slow consumer in the middle of a fan-out (or a send
  // that fails) must not have its session tables changed under its feet.
  auto handler = std::move(on_close_);
  on_message_ = nullptr;
  if (handler) {
    asio::post(io_, [handler = std::move(handler), reason, self = shared_from_this()] { handler(reason); });
  }
}

void Connection::deliver(Bytes&& message) {
  touch();
  if (on_message_) on_message_(std::move(message));
}

void Connection::touch() { last_activity_ = std::chrono::steady_clock::now(); }

void Connection::set_idle_timeout(std::chrono::milliseconds timeout) {
  idle_timeout_ = timeout;
  touch();
  arm_idle();
}

void Connection::arm_idle() {
  if (idle_timeout_.count() <= 0 || closed_) return;
  idle_timer_.expires_at(last_activity_ + idle_timeout_);
  idle_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->closed_) return;
    if (std::chrono::steady_clock::now() - self->last_activity_ >= self->idle_timeout_) {
      self->fail("idle timeout");
    } else {
      self->arm_idle();
    }
  });
}

// ------------------------------------------------------- RawSocketConnection

class RawSocketConnection final : public Connection {
 public:
  RawSocketConnection(tcp::socket socket, Serializer s, std::size_t max_in, std::size_t max_out, std::string peer)
      : Connection(static_cast<asio::io_context&>(socket.get_executor().context()), s, TransportKind::kRawSocket,
                   std::move(peer)),
        socket_(std::move(socket)),
        max_in_(max_in) {
    peer_max_message_ = max_out;
    socket_.set_option(tcp::no_delay(true));
  }

 private:
  void do_read() override {
    asio::async_read(socket_, asio::buffer(header_),
                     [self = std::static_pointer_cast<RawSocketConnection>(shared_from_this())](error_code ec,
                                                                                               std::size_t) {
                       self->on_header(ec);
                     });
  }

  void on_header(error_code ec) {
    if (closed_) return;
    if (ec) return fail(ec == asio::error::eof ? "peer closed" : "read failed: " + ec.message());
    std::uint8_t type = header_[0] & 0x07;
    if ((header_[0] & 0xF8) != 0 || type > kFramePong) return fail("rawsocket: invalid frame type");
    std::size_t len = (std::size_t{header_[1]} << 16) | (std::size_t{header_[2]} << 8) | header_[3];
    if (len > max_in_) return fail("rawsocket: frame of " + std::to_string(len) + " bytes exceeds maximum");
    body_.resize(len);
    asio::async_read(socket_, asio::buffer(body_),
                     [self = std::static_pointer_cast<RawSocketConnection>(shared_from_this()), type](
                         error_code ec2, std::size_t) { self->on_body(ec2, type); });
  }

  void on_body(error_code ec, std::uint8_t type) {
    if (closed_) return;
    if (ec) return fail("read failed: " + ec.message());
    if (type == kFrameRegular) {
      deliver(std::move(body_));
      body_ = Bytes();
    } else if (type == kFramePing) {
      touch();
      queue_control(kFramePong, std::move(body_));
      body_ = Bytes();
    } else {
      touch();
      ++pongs_;
    }
    if (!closed_) do_read();
  }

  void queue_control(std::uint8_t type, Bytes payload) {
    Bytes frame = frame_of(type, payload);
    queued_bytes_ += frame.size();
    queue_.push_back(Item{std::move(frame), true});
    pump();
  }

  static Bytes frame_of(std::uint8_t type, const Bytes& payload) {
    Bytes f;
    f.reserve(4 + payload.size());
    f.push_back(type);
    f.push_back(static_cast<std::uint8_t>(payload.size() >> 16));
    f.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    f.push_back(static_cast<std::uint8_t>(payload.size()));
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
  }

  void do_write(const Bytes& item, bool control) override {
    auto self = std::static_pointer_cast<RawSocketConnection>(shared_from_this());
    if (control) {
      asio::async_write(socket_, asio::buffer(item), [self](error_code ec, std::size_t) { self->on_write_done(ec); });
      return;
    }
    out_header_ = {kFrameRegular, static_cast<std::uint8_t>(item.size() >> 16),
                   static_cast<std::uint8_t>(item.size() >> 8), static_cast<std::uint8_t>(item.size())};
    std::array<asio::const_buffer, 2> bufs{asio::buffer(out_header_), asio::buffer(item)};
    asio::async_write(socket_, bufs, [self](error_code ec, std::size_t) { self->on_write_done(ec); });
  }

  void do_ping(Bytes payload) override { queue_control(kFramePing, std::move(payload)); }

  void do_shutdown() override {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  std::size_t max_in_;
  std::array<std::uint8_t, 4> header_{};
  std::array<std::uint8_t, 4> out_header_{};
  Bytes body_;
};

// ------------------------------------------------------- WebSocketConnection

class WebSocketConnection final : public Connection {
 public:
  using Stream = websocket::stream<beast::tcp_stream>;
  WebSocketConnection(std::unique_ptr<Stream> ws, Serializer s, std::string peer)
      : Connection(static_cast<asio::io_context&>(ws->get_executor().context()), s, TransportKind::kWebSocket,
                   std::move(peer)),
        ws_(std::move(ws)) {
    // Text frames for JSON, binary otherwise (WAMP's WebSocket binding).
    ws_->binary(s != Serializer::kJson);
    ws_->control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong) ++pongs_;
      touch();
    });
  }

 private:
  void do_read() override {
    buffer_.clear();
    ws_->async_read(buffer_, [self = std::static_pointer_cast<WebSocketConnection>(shared_from_this())](
                                 error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (closed_) return;
    if (ec == websocket::error::closed) return fail("peer closed");
    if (ec == websocket::error::message_too_big) return fail("websocket: message exceeds maximum");
    if (ec) return fail("read failed: " + ec.message());
    const auto data = buffer_.cdata();
    const auto* p = static_cast<const std::uint8_t*>(data.data());
    deliver(Bytes(p, p + data.size()));
    if (!closed_) do_read();
  }

  void do_write(const Bytes& item, bool) override {
    ws_->async_write(asio::buffer(item),
                     [self = std::static_pointer_cast<WebSocketConnection>(shared_from_this())](
                         error_code ec, std::size_t) { self->on_write_done(ec); });
  }

  void do_ping(Bytes payload) override {
    if (payload.size() > 125) payload.resize(125);
    ping_payload_ = websocket::ping_data(reinterpret_cast<const char*>(payload.data()), payload.size());
    ws_->async_ping(ping_payload_, [self = shared_from_this()](error_code) {});
  }

  void do_shutdown() override {
    // A close handshake would need the read loop to keep running; the router
    // closes only after ABORT/GOODBYE or on errors, where a TCP close is enough.
    error_code ignored;
    beast::get_lowest_layer(*ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(*ws_).socket().close(ignored);
  }

  std::unique_ptr<Stream> ws_;
  beast::flat_buffer buffer_;
  websocket::ping_data ping_payload_;
};

// ------------------------------------------------------------------ Listener

namespace {

std::string endpoint_string(const tcp::socket& s) {
  error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

/// Server-side handshake of one accepted socket; self-owned until done.
class PendingServer : public std::enable_shared_from_this<PendingServer> {
 public:
  PendingServer(tcp::socket socket, Limits limits, bool full, Listener::AcceptHandler on_accept,
                std::shared_ptr<std::size_t> open)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        limits_(limits),
        full_(full),
        on_accept_(std::move(on_accept)),
        open_(std::move(open)) {}

  void run() {
    timer_.expires_after(limits_.handshake_timeout);
    timer_.async_wait([weak = weak_from_this()](error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->abandon();
    });
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
      if (ec) return self->abandon();
      std::uint8_t first = 0;
      error_code pec;
      std::size_t n = self->socket_.receive(asio::buffer(&first, 1), tcp::socket::message_peek, pec);
      if (pec || n != 1) return self->abandon();
      if (first == kMagic) {
        self->rawsocket();
      } else {
        self->websocket_upgrade();
      }
    });
  }

 private:
  void abandon() {
    timer_.cancel();
    error_code ignored;
    if (ws_) {
      beast::get_lowest_layer(*ws_).socket().close(ignored);
    } else {
      socket_.close(ignored);
    }
  }

  void rawsocket() {
    asio::async_read(socket_, asio::buffer(hs_), [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->abandon();
      self->on_rawsocket_handshake();
    });
  }

  void on_rawsocket_handshake() {
    std::uint8_t err = 0;
    auto ser = serializer_from_rawsocket_id(hs_[1] & 0x0F);
    if (hs_[0] != kMagic) err = 0;  // not reached: the first byte was peeked
    if (!ser) err = 1;
    if (hs_[2] != 0 || hs_[3] != 0) err = 3;
    if (!err && full_) err = 4;
    if (err) {
      reply_ = {kMagic, static_cast<std::uint8_t>(err << 4), 0, 0};
      asio::async_write(socket_, asio::buffer(reply_),
                        [self = shared_from_this()](error_code, std::size_t) { self->abandon(); });
      return;
    }
    std::size_t peer_max = std::size_t{1} << (9 + (hs_[1] >> 4));
    std::uint8_t lexp = rawsocket_length_exponent(limits_.max_message);
    reply_ = {kMagic, static_cast<std::uint8_t>(lexp << 4 | rawsocket_serializer_id(*ser)), 0, 0};
    asio::async_write(socket_, asio::buffer(reply_), [self = shared_from_this(), ser = *ser, peer_max,
                                                      lexp](error_code ec, std::size_t) {
      self->timer_.cancel();
      if (ec) return self->abandon();
      auto peer = endpoint_string(self->socket_);
      std::size_t max_in = std::size_t{1} << (9 + lexp);
      auto conn = std::make_shared<RawSocketConnection>(std::move(self->socket_), ser, max_in, peer_max, peer);
      self->hand_over(conn);
    });
  }

  void websocket_upgrade() {
    ws_ = std::make_unique<WebSocketConnection::Stream>(std::move(socket_));
    parser_.emplace();
    parser_->header_limit(8192);
    parser_->body_limit(0);
    http::async_read(beast::get_lowest_layer(*ws_), http_buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       if (ec) return self->abandon();
                       self->on_upgrade_request();
                     });
  }

  void on_upgrade_request() {
    auto& req = parser_->get();
    std::optional<Serializer> chosen;
    std::string offered(req[http::field::sec_websocket_protocol]);
    // The client lists subprotocols in preference order: take the first we speak.
    std::size_t pos = 0;
    while (!chosen && pos <= offered.size()) {
      std::size_t comma = offered.find(',', pos);
      if (comma == std::string::npos) comma = offered.size();
      std::string item = offered.substr(pos, comma - pos);
      item.erase(0, item.find_first_not_of(" \t"));
      item.erase(item.find_last_not_of(" \t") + 1);
      chosen = serializer_from_subprotocol(item);
      pos = comma + 1;
    }
    if (!websocket::is_upgrade(req) || !chosen || full_) {
      auto res = std::make_shared<http::response<http::string_body>>(
          full_ ? http::status::service_unavailable : http::status::bad_request, req.version());
      res->set(http::field::connection, "close");
      res->body() = full_ ? "maximum connection count reached\n" : "WAMP WebSocket upgrade with wamp.2.json, "
                                                                    "wamp.2.msgpack or wamp.2.cbor required\n";
      res->prepare_payload();
      http::async_write(beast::get_lowest_layer(*ws_), *res,
                        [self = shared_from_this(), res](error_code, std::size_t) { self->abandon(); });
      return;
    }
    std::string proto(websocket_subprotocol(*chosen));
    ws_->set_option(websocket::stream_base::decorator([proto](websocket::response_type& res) {
      res.set(http::field::sec_websocket_protocol, proto);
      res.set(http::field::server, "wampbox-router");
    }));
    ws_->read_message_max(limits_.max_message);
    ws_->async_accept(req, [self = shared_from_this(), ser = *chosen](error_code ec) {
      self->timer_.cancel();
      if (ec) return self->abandon();
      auto peer = endpoint_string(beast::get_lowest_layer(*self->ws_).socket());
      beast::get_lowest_layer(*self->ws_).expires_never();
      beast::get_lowest_layer(*self->ws_).socket().set_option(tcp::no_delay(true));
      auto conn = std::make_shared<WebSocketConnection>(std::move(self->ws_), ser, peer);
      self->hand_over(conn);
    });
  }

  void hand_over(const std::shared_ptr<Connection>& conn) {
    ++*open_;
    conn->count_in(open_);
    if (on_accept_) on_accept_(conn);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  Limits limits_;
  bool full_;
  Listener::AcceptHandler on_accept_;
  std::shared_ptr<std::size_t> open_;
  std::array<std::uint8_t, 4> hs_{};
  std::array<std::uint8_t, 4> reply_{};
  std::unique_ptr<WebSocketConnection::Stream> ws_;
  beast::flat_buffer http_buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
};

}  // namespace

Listener::Listener(asio::io_context& io, const tcp::endpoint& endpoint, Limits limits, std::size_t max_connections,
                   AcceptHandler on_accept)
    : io_(io), acceptor_(io), limits_(limits), max_connections_(max_connections), on_accept_(std::move(on_accept)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  accept_next();
}

Listener::~Listener() { stop(); }

std::uint16_t Listener::port() const { return acceptor_.local_endpoint().port(); }

void Listener::stop() {
  error_code ignored;
  acceptor_.close(ignored);
}

void Listener::accept_next() {
  acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) handshake(std::move(socket));
    accept_next();
  });
}

void Listener::handshake(tcp::socket socket) {
  bool full = max_connections_ > 0 && *open_ >= max_connections_;
  std::make_shared<PendingServer>(std::move(socket), limits_, full, on_accept_, open_)->run();
}

// ------------------------------------------------------------ client connect

namespace {

/// Runs `io` until `*done` or the deadline; the io_context must not be running
/// elsewhere (see connect()).
void run_until(asio::io_context& io, const bool& done, std::chrono::steady_clock::time_point deadline) {
  io.restart();
  while (!done && std::chrono::steady_clock::now() < deadline) {
    io.run_one_until(deadline);
    if (io.stopped()) io.restart();
  }
}

}  // namespace

std::shared_ptr<Connection> connect(asio::io_context& io, const std::string& host, std::uint16_t port,
                                    const ConnectOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, std::to_string(port));
  tcp::socket socket(io);
  bool done = false;
  error_code result;
  asio::async_connect(socket, endpoints, [&](error_code ec, const tcp::endpoint&) {
    result = ec;
    done = true;
  });
  run_until(io, done, deadline);
  if (!done) {
    socket.close();
    run_until(io, done, std::chrono::steady_clock::now() + std::chrono::seconds(1));
    throw std::runtime_error("connect to " + host + ":" + std::to_string(port) + " timed out");
  }
  if (result) throw boost::system::system_error(result, "connect");
  socket.set_option(tcp::no_delay(true));
  std::string peer = host + ":" + std::to_string(port);

  if (options.kind == TransportKind::kRawSocket) {
    std::uint8_t lexp = rawsocket_length_exponent(options.limits.max_message);
    std::array<std::uint8_t, 4> hs{kMagic, static_cast<std::uint8_t>(lexp << 4 | rawsocket_serializer_id(options.serializer)),
                                   0, 0};
    std::array<std::uint8_t, 4> reply{};
    done = false;
    asio::async_write(socket, asio::buffer(hs), [&](error_code ec, std::size_t) {
      if (ec) {
        result = ec;
        done = true;
        return;
      }
      asio::async_read(socket, asio::buffer(reply), [&](error_code ec2, std::size_t) {
        result = ec2;
        done = true;
      });
    });
    run_until(io, done, deadline);
    if (!done) {
      socket.close();
      run_until(io, done, std::chrono::steady_clock::now() + std::chrono::seconds(1));
      throw std::runtime_error("rawsocket handshake timed out");
    }
    if (result) throw boost::system::system_error(result, "rawsocket handshake");
    if (reply[0] != kMagic) throw std::runtime_error("rawsocket handshake: bad magic byte in reply");
    if ((reply[1] & 0x0F) == 0) {
      static const char* const kErrors[] = {"illegal", "serializer unsupported", "maximum message length unacceptable",
                                            "use of reserved bits", "maximum connection count reached"};
      int e = reply[1] >> 4;
      throw std::runtime_error(std::string("rawsocket handshake refused: ") + (e <= 4 ? kErrors[e] : "unknown error"));
    }
    if ((reply[1] & 0x0F) != rawsocket_serializer_id(options.serializer)) {
      throw std::runtime_error("rawsocket handshake: server chose a different serializer");
    }
    std::size_t peer_max = std::size_t{1} << (9 + (reply[1] >> 4));
    return std::make_shared<RawSocketConnection>(std::move(socket), options.serializer,
                                                 std::size_t{1} << (9 + lexp), peer_max, peer);
  }

  auto ws = std::make_unique<WebSocketConnection::Stream>(std::move(socket));
  std::string proto(websocket_subprotocol(options.serializer));
  ws->set_option(websocket::stream_base::decorator(
      [proto](websocket::request_type& req) { req.set(http::field::sec_websocket_protocol, proto); }));
  ws->read_message_max(options.limits.max_message);
  websocket::response_type res;
  done = false;
  ws->async_handshake(res, host + ":" + std::to_string(port), options.ws_path, [&](error_code ec) {
    result = ec;
    done = true;
  });
  run_until(io, done, deadline);
  if (!done) {
    beast::get_lowest_layer(*ws).socket().close();
    run_until(io, done, std::chrono::steady_clock::now() + std::chrono::seconds(1));
    throw std::runtime_error("websocket handshake timed out");
  }
  if (result) {
    throw std::runtime_error("websocket handshake failed: " + result.message() + " (HTTP " +
                             std::to_string(res.result_int()) + ")");
  }
  if (res[http::field::sec_websocket_protocol] != proto) {
    throw std::runtime_error("websocket handshake: server did not accept subprotocol " + proto);
  }
  return std::make_shared<WebSocketConnection>(std::move(ws), options.serializer, peer);
}

}  // namespace wampbox::transport
