#include "router.h"

#include <stdexcept>
#include <utility>

#include "wampbox/error.h"
#include "wampbox/transport/wire.h"

namespace wampbox::router {

namespace wamp = transport::wamp;

namespace {

std::uint64_t as_id(const Value& v) {
  if (v.kind() == Value::Kind::kInt && v.as_int() >= 0) return static_cast<std::uint64_t>(v.as_int());
  if (v.kind() == Value::Kind::kUInt) return v.as_uint();
  throw Error(ErrorCode::kProtocolError, "expected an id");
}

const std::string& as_uri(const Value& v) {
  if (v.kind() != Value::Kind::kString || v.as_string().empty()) {
    throw Error(ErrorCode::kProtocolError, "expected a URI");
  }
  return v.as_string();
}

const Object& as_dict(const Value& v) {
  if (v.kind() != Value::Kind::kObject) throw Error(ErrorCode::kProtocolError, "expected a dict");
  return v.as_object();
}

std::string key(const std::string& realm, const std::string& uri) { return realm + '\n' + uri; }

const Value* member(const Object& o, std::string_view k) {
  for (const auto& [name, v] : o) {
    if (name == k) return &v;
  }
  return nullptr;
}

Object features(std::initializer_list<const char*> names) {
  Object f;
  for (const char* n : names) f.emplace_back(n, Value(true));
  return Object{{"features", Value(std::move(f))}};
}

}  // namespace

struct Router::Peer {
  std::uint64_t id = 0;
  std::shared_ptr<Connection> conn;
  bool established = false;
  bool closing = false;
  std::string realm;
  std::set<std::uint64_t> subscriptions;
  std::set<std::uint64_t> registrations;
};

Router::Router(transport::asio::io_context& io, RouterOptions options) : io_(io), options_(std::move(options)) {
  if (!options_.capture_path.empty()) {
    capture_ = std::fopen(options_.capture_path.c_str(), "wb");
    if (!capture_) throw std::runtime_error("cannot open capture file " + options_.capture_path);
  }
}

Router::~Router() {
  close_all();
  if (capture_) std::fclose(capture_);
}

void Router::close_all() {
  std::vector<std::shared_ptr<Connection>> conns;
  for (auto& [id, p] : peers_) conns.push_back(p->conn);
  for (auto& c : conns) c->close("router shutdown");
  if (capture_) std::fflush(capture_);
}

void Router::attach(std::shared_ptr<Connection> connection) {
  auto peer = std::make_unique<Peer>();
  peer->id = ++next_id_;
  peer->conn = connection;
  std::uint64_t id = peer->id;
  peers_[id] = std::move(peer);
  ++stats_.sessions_total;
  if (peers_.size() > options_.max_sessions) {
    // The transport accepted (the listener's connection cap is separate); the
    // session is refused with ABORT so that the client sees a WAMP reason.
    connection->start([](Bytes&&) {}, [this, id](const std::string& r) { on_closed(id, r); });
    abort(*peers_[id], "wamp.error.system_shutdown", "maximum number of sessions reached");
    return;
  }
  if (options_.idle_timeout.count() > 0) connection->set_idle_timeout(options_.idle_timeout);
  connection->start([this, id](Bytes&& frame) { on_frame(id, std::move(frame)); },
                    [this, id](const std::string& reason) { on_closed(id, reason); });
}

void Router::capture(bool out, std::uint64_t session, Serializer s, const Bytes& frame) {
  if (!capture_) return;
  std::fprintf(capture_, "%s %llu %s %zu\n", out ? "out" : "in", static_cast<unsigned long long>(session),
               std::string(to_string(s)).c_str(), frame.size());
  std::fwrite(frame.data(), 1, frame.size(), capture_);
  std::fputc('\n', capture_);
}

void Router::send(Peer& peer, Bytes frame) {
  if (peer.conn->closed()) return;
  if (peer.conn->queued_bytes() + frame.size() > options_.max_queued_bytes) {
    // Slow consumer: its queue would exceed the bound. Drop the session rather
    // than buffer without limit or stall every other session.
    ++stats_.slow_consumers_dropped;
    peer.conn->close("slow consumer: more than " + std::to_string(options_.max_queued_bytes) + " bytes queued");
    return;
  }
  ++stats_.frames_out;
  stats_.bytes_out += frame.size();
  capture(true, peer.id, peer.conn->serializer(), frame);
  peer.conn->send(std::move(frame));
}

void Router::send_value(Peer& peer, const Value& v) { send(peer, transport::encode_value(v, peer.conn->serializer())); }

void Router::send_message(Peer& peer, const Message& m) { send(peer, encode_frame(m, peer.conn->serializer())); }

void Router::abort(Peer& peer, const std::string& reason, const std::string& message) {
  if (peer.closing) return;
  peer.closing = true;
  send_value(peer, Value(Array{Value(wamp::kAbort), Value(Object{{"message", Value(message)}}), Value(reason)}));
  peer.conn->close_after_flush("ABORT " + reason);
}

void Router::error_reply(Peer& peer, int request_type, std::uint64_t request, const std::string& uri) {
  send_value(peer, Value(Array{Value(wamp::kError), Value(request_type), Value(request), Value(Object{}), Value(uri)}));
}

void Router::on_closed(std::uint64_t peer_id, const std::string&) {
  auto it = peers_.find(peer_id);
  if (it == peers_.end()) return;
  Peer& peer = *it->second;
  for (auto sub : peer.subscriptions) {
    auto s = subscriptions_.find(sub);
    if (s == subscriptions_.end()) continue;
    s->second.subscribers.erase(peer_id);
    if (s->second.subscribers.empty()) {
      subscription_by_topic_.erase(key(s->second.realm, s->second.topic));
      subscriptions_.erase(s);
    }
  }
  for (auto reg : peer.registrations) {
    auto r = registrations_.find(reg);
    if (r == registrations_.end()) continue;
    registration_by_procedure_.erase(key(r->second.realm, r->second.procedure));
    registrations_.erase(r);
  }
  // Calls in flight to this callee fail; calls from this caller are forgotten.
  for (auto inv = invocations_.begin(); inv != invocations_.end();) {
    if (inv->second.callee == peer_id) {
      auto caller = peers_.find(inv->second.caller);
      if (caller != peers_.end() && caller->first != peer_id) {
        error_reply(*caller->second, wamp::kCall, inv->second.call_request, "wamp.error.canceled");
      }
      inv = invocations_.erase(inv);
    } else if (inv->second.caller == peer_id) {
      inv = invocations_.erase(inv);
    } else {
      ++inv;
    }
  }
  // Keep the connection object alive until this handler returns.
  auto keep = peer.conn;
  peers_.erase(it);
}

void Router::on_frame(std::uint64_t peer_id, Bytes&& frame) {
  auto it = peers_.find(peer_id);
  if (it == peers_.end()) return;
  Peer& peer = *it->second;
  if (peer.closing) return;
  ++stats_.frames_in;
  stats_.bytes_in += frame.size();
  const Serializer ser = peer.conn->serializer();
  capture(false, peer.id, ser, frame);
  try {
    auto type = transport::peek_message_type(frame, ser);
    if (type && transport::is_payload_type(*type)) {
      if (!peer.established) throw Error(ErrorCode::kProtocolError, "message before WELCOME");
      Message m = decode_frame(frame, ser, options_.decode_limits);
      switch (m.type) {
        case MessageType::kPublish: return publish(peer, std::move(m));
        case MessageType::kCall: return call(peer, std::move(m));
        case MessageType::kYield: return yield(peer, std::move(m));
        case MessageType::kError: return callee_error(peer, std::move(m));
        default:
          throw Error(ErrorCode::kProtocolError, std::string(to_string(m.type)) + " is not sent to a router");
      }
    }
    Value v = transport::decode_value(frame, ser, options_.decode_limits);
    if (v.kind() != Value::Kind::kArray || v.as_array().empty() || v.as_array()[0].kind() != Value::Kind::kInt) {
      throw Error(ErrorCode::kProtocolError, "a WAMP message is a list starting with an integer type");
    }
    const Array& a = v.as_array();
    if (!peer.established) {
      if (a[0].as_int() != wamp::kHello) throw Error(ErrorCode::kProtocolError, "expected HELLO");
      return hello(peer, a);
    }
    control(peer, a);
  } catch (const Error& e) {
    ++stats_.aborts_protocol;
    abort(peer, "wamp.error.protocol_violation", e.what());
  } catch (const std::exception& e) {
    // std::out_of_range from .at(), bad_variant_access from a wrong type, ...
    ++stats_.aborts_protocol;
    abort(peer, "wamp.error.protocol_violation", std::string("malformed message: ") + e.what());
  }
}

void Router::hello(Peer& peer, const Array& a) {
  if (a.size() != 3) throw Error(ErrorCode::kProtocolError, "HELLO has 3 elements");
  peer.realm = as_uri(a[1]);
  as_dict(a[2]);
  peer.established = true;
  Object roles{
      {"broker", Value(features({"publisher_exclusion", "payload_transparency", "payload_passthru_mode",
                                 "payload_encryption_cryptobox"}))},
      {"dealer", Value(features({"progressive_call_results", "payload_transparency", "payload_passthru_mode",
                                 "payload_encryption_cryptobox"}))}};
  Object details{{"realm", Value(peer.realm)},
                 {"authid", Value("anonymous-" + std::to_string(peer.id))},
                 {"authrole", Value("anonymous")},
                 {"authmethod", Value("anonymous")},
                 {"authprovider", Value("static")},
                 {"roles", Value(std::move(roles))}};
  send_value(peer, Value(Array{Value(wamp::kWelcome), Value(peer.id), Value(std::move(details))}));
}

Object Router::forwarded_attributes(const Object& options) {
  Object out;
  for (const auto& [k, v] : options) {
    if (k.rfind("enc_", 0) == 0 || k.rfind("ppt_", 0) == 0) out.emplace_back(k, v);
  }
  return out;
}

void Router::check_ppt(const Message& m) {
  // Payload PassThru Mode: the payload is exactly one binary in Arguments and
  // ArgumentsKw is absent or empty (wamp-proto payload_passthru_mode.md).
  if (!member(m.options, "ppt_scheme")) return;
  bool ok = m.args && m.args->kind() == Value::Kind::kArray && m.args->as_array().size() == 1 &&
            m.args->as_array()[0].kind() == Value::Kind::kBinary &&
            (!m.kwargs || m.kwargs->is_null() ||
             (m.kwargs->kind() == Value::Kind::kObject && m.kwargs->as_object().empty()));
  if (!ok) throw Error(ErrorCode::kProtocolError, "ppt_scheme set but Arguments is not [binary]");
}

std::string Router::routed_uri(const std::string& uri) {
  if (options_.hostile != Hostile::kSwap) return uri;
  auto it = options_.swaps.find(uri);
  if (it == options_.swaps.end()) return uri;
  ++stats_.swapped;
  return it->second;
}

void Router::tamper(Message& m) {
  if (options_.hostile != Hostile::kTamper) return;
  if (m.payload && !m.payload->empty()) {
    m.payload->back() ^= 0x01;
    ++stats_.tampered;
  } else if (member(m.options, "ppt_scheme") && m.args) {
    auto& bin = m.args->as_array()[0];
    Bytes data = bin.as_binary().data;
    if (!data.empty()) {
      data.back() ^= 0x01;
      bin = Value(Binary{std::move(data)});
      ++stats_.tampered;
    }
  }
}

void Router::publish(Peer& peer, Message&& m) {
  check_ppt(m);
  std::uint64_t publication = ++next_id_;
  bool exclude_me = true;
  if (const Value* ex = member(m.options, "exclude_me"); ex && ex->kind() == Value::Kind::kBool) {
    exclude_me = ex->as_bool();
  }
  const std::string topic = routed_uri(m.uri);
  auto sit = subscription_by_topic_.find(key(peer.realm, topic));
  if (sit != subscription_by_topic_.end()) {
    Message ev;
    ev.type = MessageType::kEvent;
    ev.subscription = sit->second;
    ev.publication = publication;
    ev.options = forwarded_attributes(m.options);
    ev.args = std::move(m.args);
    ev.kwargs = std::move(m.kwargs);
    ev.payload = std::move(m.payload);
    tamper(ev);
    // One encoding per serializer, not per subscriber.
    std::optional<Bytes> frames[3];
    auto subscribers = subscriptions_[sit->second].subscribers;  // copy: send() may drop a session
    for (auto sid : subscribers) {
      if (exclude_me && sid == peer.id) continue;
      auto p = peers_.find(sid);
      if (p == peers_.end()) continue;
      auto idx = static_cast<int>(p->second->conn->serializer());
      if (!frames[idx]) frames[idx] = encode_frame(ev, p->second->conn->serializer());
      ++stats_.events;
      send(*p->second, *frames[idx]);
    }
  }
  if (const Value* ack = member(m.options, "acknowledge"); ack && ack->kind() == Value::Kind::kBool && ack->as_bool()) {
    send_value(peer, Value(Array{Value(wamp::kPublished), Value(m.request), Value(publication)}));
  }
}

void Router::call(Peer& peer, Message&& m) {
  check_ppt(m);
  const std::string procedure = routed_uri(m.uri);
  auto rit = registration_by_procedure_.find(key(peer.realm, procedure));
  if (rit == registration_by_procedure_.end()) {
    return error_reply(peer, wamp::kCall, m.request, "wamp.error.no_such_procedure");
  }
  const Registration& reg = registrations_.at(rit->second);
  auto callee = peers_.find(reg.callee);
  if (callee == peers_.end()) return error_reply(peer, wamp::kCall, m.request, "wamp.error.no_such_procedure");
  std::uint64_t request = ++next_id_;
  invocations_[request] = InvocationRecord{peer.id, m.request, reg.callee};
  Message inv;
  inv.type = MessageType::kInvocation;
  inv.request = request;
  inv.registration = rit->second;
  inv.options = forwarded_attributes(m.options);
  if (const Value* rp = member(m.options, "receive_progress"); rp && rp->kind() == Value::Kind::kBool) {
    inv.options.insert(inv.options.begin(), {"receive_progress", *rp});
  }
  inv.args = std::move(m.args);
  inv.kwargs = std::move(m.kwargs);
  inv.payload = std::move(m.payload);
  tamper(inv);
  ++stats_.invocations;
  send_message(*callee->second, inv);
}

void Router::yield(Peer& peer, Message&& m) {
  check_ppt(m);
  auto it = invocations_.find(m.request);
  if (it == invocations_.end() || it->second.callee != peer.id) return;  // late or foreign: ignore (WAMP: may drop)
  bool progress = false;
  if (const Value* p = member(m.options, "progress"); p && p->kind() == Value::Kind::kBool) progress = p->as_bool();
  InvocationRecord rec = it->second;
  if (!progress) invocations_.erase(it);
  auto caller = peers_.find(rec.caller);
  if (caller == peers_.end()) return;
  Message res;
  res.type = MessageType::kResult;
  res.request = rec.call_request;
  res.options = forwarded_attributes(m.options);
  if (progress) res.options.insert(res.options.begin(), {"progress", Value(true)});
  res.args = std::move(m.args);
  res.kwargs = std::move(m.kwargs);
  res.payload = std::move(m.payload);
  tamper(res);
  ++stats_.results;
  send_message(*caller->second, res);
}

void Router::callee_error(Peer& peer, Message&& m) {
  check_ppt(m);
  if (m.request_type != wamp::kInvocation) {
    throw Error(ErrorCode::kProtocolError, "a client sends ERROR only for INVOCATION");
  }
  auto it = invocations_.find(m.request);
  if (it == invocations_.end() || it->second.callee != peer.id) return;
  InvocationRecord rec = it->second;
  invocations_.erase(it);
  auto caller = peers_.find(rec.caller);
  if (caller == peers_.end()) return;
  Message err;
  err.type = MessageType::kError;
  err.request_type = wamp::kCall;
  err.request = rec.call_request;
  err.options = forwarded_attributes(m.options);
  err.uri = m.uri;
  err.args = std::move(m.args);
  err.kwargs = std::move(m.kwargs);
  err.payload = std::move(m.payload);
  tamper(err);
  ++stats_.errors;
  send_message(*caller->second, err);
}

void Router::control(Peer& peer, const Array& a) {
  switch (a[0].as_int()) {
    case wamp::kSubscribe: {
      if (a.size() != 4) throw Error(ErrorCode::kProtocolError, "SUBSCRIBE has 4 elements");
      std::uint64_t request = as_id(a[1]);
      const Object& opts = as_dict(a[2]);
      const std::string& topic = as_uri(a[3]);
      if (const Value* match = member(opts, "match");
          match && !(match->kind() == Value::Kind::kString && match->as_string() == "exact")) {
        return error_reply(peer, wamp::kSubscribe, request, "wamp.error.invalid_argument");
      }
      auto [it, fresh] = subscription_by_topic_.try_emplace(key(peer.realm, topic), 0);
      if (fresh) {
        it->second = ++next_id_;
        subscriptions_[it->second] = Subscription{peer.realm, topic, {}};
      }
      subscriptions_[it->second].subscribers.insert(peer.id);
      peer.subscriptions.insert(it->second);
      send_value(peer, Value(Array{Value(wamp::kSubscribed), Value(request), Value(it->second)}));
      return;
    }
    case wamp::kUnsubscribe: {
      if (a.size() != 3) throw Error(ErrorCode::kProtocolError, "UNSUBSCRIBE has 3 elements");
      std::uint64_t request = as_id(a[1]), sub = as_id(a[2]);
      auto it = subscriptions_.find(sub);
      if (it == subscriptions_.end() || !it->second.subscribers.erase(peer.id)) {
        return error_reply(peer, wamp::kUnsubscribe, request, "wamp.error.no_such_subscription");
      }
      peer.subscriptions.erase(sub);
      if (it->second.subscribers.empty()) {
        subscription_by_topic_.erase(key(it->second.realm, it->second.topic));
        subscriptions_.erase(it);
      }
      send_value(peer, Value(Array{Value(wamp::kUnsubscribed), Value(request)}));
      return;
    }
    case wamp::kRegister: {
      if (a.size() != 4) throw Error(ErrorCode::kProtocolError, "REGISTER has 4 elements");
      std::uint64_t request = as_id(a[1]);
      as_dict(a[2]);
      const std::string& procedure = as_uri(a[3]);
      auto [it, fresh] = registration_by_procedure_.try_emplace(key(peer.realm, procedure), 0);
      if (!fresh) return error_reply(peer, wamp::kRegister, request, "wamp.error.procedure_already_exists");
      it->second = ++next_id_;
      registrations_[it->second] = Registration{peer.realm, procedure, peer.id};
      peer.registrations.insert(it->second);
      send_value(peer, Value(Array{Value(wamp::kRegistered), Value(request), Value(it->second)}));
      return;
    }
    case wamp::kUnregister: {
      if (a.size() != 3) throw Error(ErrorCode::kProtocolError, "UNREGISTER has 3 elements");
      std::uint64_t request = as_id(a[1]), reg = as_id(a[2]);
      auto it = registrations_.find(reg);
      if (it == registrations_.end() || it->second.callee != peer.id) {
        return error_reply(peer, wamp::kUnregister, request, "wamp.error.no_such_registration");
      }
      registration_by_procedure_.erase(key(it->second.realm, it->second.procedure));
      registrations_.erase(it);
      peer.registrations.erase(reg);
      send_value(peer, Value(Array{Value(wamp::kUnregistered), Value(request)}));
      return;
    }
    case wamp::kGoodbye: {
      peer.closing = true;
      send_value(peer, Value(Array{Value(wamp::kGoodbye), Value(Object{}), Value("wamp.close.goodbye_and_out")}));
      peer.conn->close_after_flush("GOODBYE");
      return;
    }
    case wamp::kAbort:
      peer.closing = true;
      peer.conn->close("client ABORT");
      return;
    case wamp::kCancel:
      return;  // calls are not cancellable here (the dealer does not announce call_canceling)
    case wamp::kHello:
      throw Error(ErrorCode::kProtocolError, "HELLO on an established session");
    default:
      throw Error(ErrorCode::kProtocolError, "unexpected message type " + std::to_string(a[0].as_int()));
  }
}

}  // namespace wampbox::router
