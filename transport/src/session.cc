#include "wampbox/transport/session.h"

#include <utility>

#include "wampbox/error.h"
#include "wampbox/transport/wire.h"

namespace wampbox::transport {

namespace {

const Value* member(const Object& o, std::string_view key) {
  for (const auto& [k, v] : o) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::uint64_t as_id(const Value& v) {
  if (v.kind() == Value::Kind::kInt && v.as_int() >= 0) return static_cast<std::uint64_t>(v.as_int());
  if (v.kind() == Value::Kind::kUInt) return v.as_uint();
  throw Error(ErrorCode::kProtocolError, "expected an id");
}

Object features(std::initializer_list<const char*> names, bool ppt) {
  Object f;
  for (const char* n : names) f.emplace_back(n, Value(true));
  if (ppt) f.emplace_back("payload_passthru_mode", Value(true));
  return Object{{"features", Value(std::move(f))}};
}

bool has_ppt(const Object& options) {
  for (const auto& [k, v] : options) {
    if (k.rfind("ppt_", 0) == 0) return true;
  }
  return false;
}

}  // namespace

WampError::WampError(std::string uri, Value args, Value kwargs)
    : std::runtime_error([&] {
        std::string what = uri;
        if (args.kind() == Value::Kind::kArray && !args.as_array().empty() &&
            args.as_array()[0].kind() == Value::Kind::kString) {
          what += ": " + args.as_array()[0].as_string();
        }
        return what;
      }()),
      uri_(std::move(uri)),
      args_(std::move(args)),
      kwargs_(std::move(kwargs)) {}

Session::Session(asio::io_context& io, std::shared_ptr<Connection> connection, SessionOptions options)
    : io_(io), conn_(std::move(connection)), options_(std::move(options)) {
  std::weak_ptr<bool> alive = alive_;
  conn_->start([this](Bytes&& frame) { on_frame(std::move(frame)); },
               [this, alive](const std::string& reason) {
                 if (alive.expired()) return;
                 lost_ = true;
                 if (close_reason_.empty()) close_reason_ = reason;
               });
}

Session::~Session() {
  alive_.reset();
  conn_->close("session destroyed");
}

bool Session::keyed(const std::string& uri) const {
  return options_.codec != nullptr && options_.codec->keyring().find(uri) != nullptr;
}

void Session::send_value(const Value& v) {
  Bytes frame = encode_value(v, conn_->serializer());
  if (options_.trace) options_.trace(true, frame);
  conn_->send(std::move(frame));
}

void Session::send_message(const Message& m) {
  Bytes frame = encode_frame(m, conn_->serializer());
  if (options_.trace) options_.trace(true, frame);
  conn_->send(std::move(frame));
}

void Session::send_raw(Bytes frame) { conn_->send(std::move(frame)); }

bool Session::run_until(const std::function<bool()>& done, Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  io_.restart();
  while (!done()) {
    if (lost_) throw WampError("wampbox.error.connection_lost", Array{Value(close_reason_)});
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io_.run_one_until(deadline);
    if (io_.stopped()) io_.restart();
  }
  return true;
}

Session::Pending& Session::wait(std::uint64_t request, Millis timeout, const char* what) {
  Pending& p = pending_[request];
  if (!run_until([&] { return p.done || abort_.has_value(); }, timeout)) {
    throw WampError("wamp.error.timeout", Array{Value(std::string("no reply to ") + what)});
  }
  if (abort_) throw *abort_;
  return p;
}

std::uint64_t Session::join(const std::string& realm, Millis timeout) {
  const bool ppt = options_.ppt != nullptr;
  Object roles{{"publisher", Value(features({"payload_transparency"}, ppt))},
               {"subscriber", Value(features({"payload_transparency"}, ppt))},
               {"caller", Value(features({"payload_transparency", "progressive_call_results"}, ppt))},
               {"callee", Value(features({"payload_transparency"}, ppt))}};
  send_value(Value(Array{Value(wamp::kHello), Value(realm), Value(Object{{"roles", Value(std::move(roles))}})}));
  if (!run_until([&] { return session_id_ != 0 || abort_.has_value(); }, timeout)) {
    throw WampError("wamp.error.timeout", Array{Value("no WELCOME")});
  }
  if (abort_) throw *abort_;
  return session_id_;
}

std::uint64_t Session::await_id(std::uint64_t request, const char* what, Millis timeout) {
  Pending p;
  try {
    p = std::move(wait(request, timeout, what));
  } catch (...) {
    pending_.erase(request);
    throw;
  }
  pending_.erase(request);
  if (p.error) throw *p.error;
  return as_id(p.reply.as_array().at(2));
}

std::uint64_t Session::request_id_reply(int type, const std::string& uri, const char* what, Millis timeout) {
  auto req = next_request();
  send_value(Value(Array{Value(type), Value(req), Value(Object{}), Value(uri)}));
  return await_id(req, what, timeout);
}

std::uint64_t Session::subscribe(const std::string& topic, EventHandler handler, Millis timeout) {
  auto sub = request_id_reply(wamp::kSubscribe, topic, "SUBSCRIBE", timeout);
  subscriptions_[sub] = Subscription{topic, std::move(handler)};
  return sub;
}

std::optional<std::uint64_t> Session::publish(const std::string& topic, const Value& args, const Value& kwargs,
                                              bool acknowledge, Millis timeout) {
  auto req = next_request();
  Message m;
  m.type = MessageType::kPublish;
  m.request = req;
  if (acknowledge) m.options.emplace_back("acknowledge", Value(true));
  m.uri = topic;
  m.args = args;
  m.kwargs = kwargs;
  if (options_.ppt) {
    m = options_.ppt->seal(Role::kOriginator, m, options_.ppt_cipher);
  } else if (options_.codec) {
    if (auto sealed = seal_message(*options_.codec, m)) m = std::move(*sealed);
  }
  send_message(m);
  if (!acknowledge) return std::nullopt;
  return await_id(req, "PUBLISH", timeout);
}

std::optional<std::uint64_t> Session::publish_message(Message m, Millis timeout) {
  auto req = next_request();
  m.request = req;
  bool acknowledge = false;
  for (const auto& [k, v] : m.options) {
    if (k == "acknowledge" && v.kind() == Value::Kind::kBool) acknowledge = v.as_bool();
  }
  send_message(m);
  if (!acknowledge) return std::nullopt;
  return await_id(req, "PUBLISH", timeout);
}

std::uint64_t Session::enroll(const std::string& procedure, InvocationHandler handler, Millis timeout) {
  auto reg = request_id_reply(wamp::kRegister, procedure, "REGISTER", timeout);
  registrations_[reg] = Registration{procedure, std::move(handler)};
  return reg;
}

CallResult Session::call(const std::string& procedure, const Value& args, const Value& kwargs, Millis timeout) {
  auto req = next_request();
  Message m;
  m.type = MessageType::kCall;
  m.request = req;
  m.uri = procedure;
  m.args = args;
  m.kwargs = kwargs;
  if (options_.ppt) {
    m = options_.ppt->seal(Role::kOriginator, m, options_.ppt_cipher);
  } else if (options_.codec) {
    if (auto sealed = seal_message(*options_.codec, m)) m = std::move(*sealed);
  }
  call_procedure_[req] = procedure;
  send_message(m);
  Pending p;
  try {
    p = std::move(wait(req, timeout, "CALL"));
  } catch (...) {
    pending_.erase(req);
    call_procedure_.erase(req);
    throw;
  }
  pending_.erase(req);
  call_procedure_.erase(req);
  if (p.error) throw *p.error;
  return std::move(*p.result);
}

void Session::leave(Millis timeout) {
  if (lost_) return;
  send_value(Value(Array{Value(wamp::kGoodbye), Value(Object{}), Value("wamp.close.close_realm")}));
  run_until([&] { return goodbye_ || lost_; }, timeout);
  conn_->close("left");
}

void Session::refuse(const std::string& uri, const std::string& reason) {
  if (refusals_.size() < 1000) {
    refusals_.push_back(uri);
    refusal_reasons_.push_back(reason);
  }
}

void Session::on_frame(Bytes&& frame) {
  if (options_.trace) options_.trace(false, frame);
  auto ser = conn_->serializer();
  try {
    auto type = peek_message_type(frame, ser);
    if (type && is_payload_type(*type)) {
      on_payload_message(decode_frame(frame, ser));
      return;
    }
    Value v = decode_value(frame, ser);
    if (v.kind() != Value::Kind::kArray || v.as_array().empty() || v.as_array()[0].kind() != Value::Kind::kInt) {
      throw Error(ErrorCode::kProtocolError, "not a WAMP message");
    }
    const Array& a = v.as_array();
    switch (a[0].as_int()) {
      case wamp::kWelcome:
        session_id_ = as_id(a.at(1));
        welcome_details_ = a.at(2).as_object();
        break;
      case wamp::kAbort: {
        std::string reason = a.at(2).as_string();
        Array args;
        if (const Value* msg = a.at(1).find("message")) args.push_back(*msg);
        abort_.emplace(reason, Value(std::move(args)));
        conn_->close("ABORT " + reason);
        break;
      }
      case wamp::kGoodbye:
        if (!goodbye_ && close_reason_.empty()) {
          send_value(Value(Array{Value(wamp::kGoodbye), Value(Object{}), Value("wamp.close.goodbye_and_out")}));
        }
        goodbye_ = true;
        close_reason_ = "GOODBYE " + a.at(2).as_string();
        conn_->close_after_flush(close_reason_);
        break;
      case wamp::kSubscribed:
      case wamp::kPublished:
      case wamp::kRegistered:
      case wamp::kUnsubscribed:
      case wamp::kUnregistered: {
        Pending& p = pending_[as_id(a.at(1))];
        p.reply = v;
        p.done = true;
        break;
      }
      default:
        throw Error(ErrorCode::kProtocolError, "unexpected message type " + std::to_string(a[0].as_int()));
    }
  } catch (const std::exception& e) {
    // A peer that sends something we cannot read gets ABORT, as Autobahn does.
    send_value(Value(Array{Value(wamp::kAbort), Value(Object{{"message", Value(std::string(e.what()))}}),
                           Value("wamp.error.protocol_violation")}));
    abort_.emplace("wamp.error.protocol_violation", Array{Value(std::string(e.what()))});
    conn_->close_after_flush("protocol violation");
  }
}

void Session::on_payload_message(Message&& m) {
  switch (m.type) {
    case MessageType::kEvent: return on_event(std::move(m));
    case MessageType::kInvocation: return on_invocation(std::move(m));
    case MessageType::kResult: return on_result(std::move(m));
    case MessageType::kError: return on_error(std::move(m));
    default: throw Error(ErrorCode::kProtocolError, "unexpected " + std::string(to_string(m.type)) + " from router");
  }
}

void Session::on_event(Message&& m) {
  auto it = subscriptions_.find(m.subscription);
  if (it == subscriptions_.end()) return;
  Event ev;
  ev.subscription = m.subscription;
  ev.publication = m.publication;
  ev.details = m.options;
  const Value* topic = member(m.options, "topic");
  ev.topic = topic && topic->kind() == Value::Kind::kString && !topic->as_string().empty() ? topic->as_string()
                                                                                         : it->second.topic;
  if (options_.ppt && has_ppt(m.options)) {
    try {
      Message plain = options_.ppt->open(Role::kResponder, m, ev.topic);
      ev.args = plain.args.value_or(Value(Array{}));
      ev.kwargs = plain.kwargs.value_or(Value(Object{}));
      ev.encrypted = ev.ppt = true;
    } catch (const Error& e) {
      // As for cryptobox: the event is dropped, nothing of it is released.
      ++events_dropped_;
      return refuse(std::string(e.wamp_uri()), e.what());
    }
  } else if (m.is_encrypted()) {
    if (!options_.codec) {
      ++events_dropped_;
      return refuse(std::string(wamp_error_uri(ErrorCode::kNoPayloadCodec)));
    }
    try {
      Message plain = open_message(*options_.codec, m, ev.topic);
      ev.args = plain.args.value_or(Value(Array{}));
      ev.kwargs = plain.kwargs.value_or(Value(Object{}));
      ev.encrypted = true;
    } catch (const Error& e) {
      // Autobahn drops the event (and logs); no plaintext is released.
      ++events_dropped_;
      return refuse(std::string(e.wamp_uri()));
    }
  } else {
    if (options_.refuse_plaintext && keyed(ev.topic)) {
      ++events_dropped_;
      return refuse("wampbox.error.plaintext_refused");
    }
    ev.args = m.args.value_or(Value(Array{}));
    ev.kwargs = m.kwargs.value_or(Value(Object{}));
  }
  it->second.handler(ev);
}

void Session::on_invocation(Message&& m) {
  auto send_error = [&](const std::string& uri, const Value& args, const Value& kwargs, const std::string& key_uri) {
    Message err;
    err.type = MessageType::kError;
    err.request_type = wamp::kInvocation;
    err.request = m.request;
    err.uri = uri;
    err.args = args;
    err.kwargs = kwargs;
    if (options_.codec && keyed(key_uri)) {
      if (auto sealed = seal_message(*options_.codec, err)) err = std::move(*sealed);
    }
    send_message(err);
  };
  auto it = registrations_.find(m.registration);
  if (it == registrations_.end()) {
    return send_error("wamp.error.no_such_registration", Array{}, Object{}, "");
  }
  Invocation inv;
  inv.request = m.request;
  inv.registration = m.registration;
  inv.details = m.options;
  const Value* proc = member(m.options, "procedure");
  inv.procedure = proc && proc->kind() == Value::Kind::kString && !proc->as_string().empty() ? proc->as_string()
                                                                                           : it->second.procedure;
  if (options_.ppt && has_ppt(m.options)) {
    try {
      Message plain = options_.ppt->open(Role::kResponder, m, inv.procedure);
      inv.args = plain.args.value_or(Value(Array{}));
      inv.kwargs = plain.kwargs.value_or(Value(Object{}));
      inv.encrypted = inv.ppt = true;
    } catch (const Error& e) {
      refuse(std::string(e.wamp_uri()), e.what());
      return send_error(std::string(e.wamp_uri()),
                        Array{Value(std::string("failed to open PPT INVOCATION payload: ") + e.what())}, Object{}, "");
    }
  } else if (m.is_encrypted()) {
    if (!options_.codec) {
      refuse(std::string(wamp_error_uri(ErrorCode::kNoPayloadCodec)));
      return send_error(std::string(wamp_error_uri(ErrorCode::kNoPayloadCodec)),
                        Array{Value("received encrypted INVOCATION payload, but no keyring active")}, Object{}, "");
    }
    try {
      Message plain = open_message(*options_.codec, m, inv.procedure);
      inv.args = plain.args.value_or(Value(Array{}));
      inv.kwargs = plain.kwargs.value_or(Value(Object{}));
      inv.encrypted = true;
    } catch (const Error& e) {
      refuse(std::string(e.wamp_uri()));
      return send_error(std::string(e.wamp_uri()),
                        Array{Value(std::string("failed to decrypt INVOCATION payload: ") + e.what())}, Object{}, "");
    }
  } else {
    if (options_.refuse_plaintext && keyed(inv.procedure)) {
      refuse("wampbox.error.plaintext_refused");
      return send_error("wampbox.error.plaintext_refused", Array{Value("plaintext INVOCATION for a keyed procedure")},
                        Object{}, "");
    }
    inv.args = m.args.value_or(Value(Array{}));
    inv.kwargs = m.kwargs.value_or(Value(Object{}));
  }
  CallResult res;
  try {
    res = it->second.handler(inv);
  } catch (const WampError& e) {
    return send_error(e.uri(), e.args(), e.kwargs(), e.uri());
  } catch (const std::exception& e) {
    return send_error("wamp.error.runtime_error", Array{Value(std::string(e.what()))}, Object{},
                      "wamp.error.runtime_error");
  }
  Message y;
  y.type = MessageType::kYield;
  y.request = m.request;
  y.args = res.args;
  y.kwargs = res.kwargs;
  if (inv.ppt) {
    try {
      y = options_.ppt->seal(Role::kResponder, y, options_.ppt_cipher, inv.procedure);
    } catch (const Error& e) {
      // Never answer a PPT call in plaintext.
      return send_error(std::string(e.wamp_uri()), Array{Value(std::string("cannot seal PPT YIELD: ") + e.what())},
                        Object{}, "");
    }
  } else if (options_.codec && (inv.encrypted || keyed(inv.procedure))) {
    if (auto sealed = seal_message(*options_.codec, y, inv.procedure)) y = std::move(*sealed);
  }
  send_message(y);
}

void Session::on_result(Message&& m) {
  auto pit = pending_.find(m.request);
  auto cit = call_procedure_.find(m.request);
  if (pit == pending_.end() || cit == call_procedure_.end()) return;  // late reply after a timeout
  Pending& p = pit->second;
  p.done = true;
  CallResult r;
  r.details = m.options;
  if (options_.ppt && has_ppt(m.options)) {
    try {
      Message plain = options_.ppt->open(Role::kOriginator, m, cit->second);
      r.args = plain.args.value_or(Value(Array{}));
      r.kwargs = plain.kwargs.value_or(Value(Object{}));
      r.encrypted = r.ppt = true;
    } catch (const Error& e) {
      p.error.emplace(std::string(e.wamp_uri()), Array{Value(std::string(e.what()))});
      return;
    }
  } else if (m.is_encrypted()) {
    if (!options_.codec) {
      p.error.emplace(std::string(wamp_error_uri(ErrorCode::kNoPayloadCodec)),
                      Array{Value("received encrypted RESULT payload, but no keyring active")});
      return;
    }
    try {
      Message plain = open_message(*options_.codec, m, cit->second);
      r.args = plain.args.value_or(Value(Array{}));
      r.kwargs = plain.kwargs.value_or(Value(Object{}));
      r.encrypted = true;
    } catch (const Error& e) {
      p.error.emplace(std::string(e.wamp_uri()), Array{Value(std::string(e.what()))});
      return;
    }
  } else {
    if (options_.refuse_plaintext && keyed(cit->second)) {
      p.error.emplace("wampbox.error.plaintext_refused", Array{Value("plaintext RESULT for a keyed procedure")});
      return;
    }
    r.args = m.args.value_or(Value(Array{}));
    r.kwargs = m.kwargs.value_or(Value(Object{}));
  }
  p.result = std::move(r);
}

void Session::on_error(Message&& m) {
  auto pit = pending_.find(m.request);
  if (pit == pending_.end()) return;
  Pending& p = pit->second;
  p.done = true;
  if (m.is_encrypted()) {
    if (!options_.codec) {
      p.error.emplace(std::string(wamp_error_uri(ErrorCode::kNoPayloadCodec)),
                      Array{Value("received encrypted ERROR payload, but no keyring active")});
      return;
    }
    try {
      Message plain = open_message(*options_.codec, m);
      p.error.emplace(m.uri, plain.args.value_or(Value(Array{})), plain.kwargs.value_or(Value(Object{})));
    } catch (const Error& e) {
      p.error.emplace(std::string(e.wamp_uri()), Array{Value(std::string(e.what()))});
    }
    return;
  }
  p.error.emplace(m.uri, m.args.value_or(Value(Array{})), m.kwargs.value_or(Value(Object{})));
}

}  // namespace wampbox::transport
