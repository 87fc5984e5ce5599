// wampbox-client: a scripted WAMP client (wampbox::transport::Session) for
// live tests, transcripts and benchmarks. Prints one JSON object per line.
#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include <boost/asio/signal_set.hpp>

#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/keyring.h"
#include "wampbox/ppt.h"
#include "wampbox/transport/session.h"
#ifdef WAMPBOX_HAVE_PPT_EXT
#include "wampbox/ppt_ext.h"
#endif

namespace {

using namespace wampbox;
using namespace wampbox::transport;

const char kUsage[] =
    "usage: wampbox-client --url rs://127.0.0.1:PORT|ws://127.0.0.1:PORT [options] COMMAND ARGS\n"
    "options:\n"
    "  --serializer json|msgpack|cbor   (default json)\n"
    "  --realm REALM                    (default realm1)\n"
    "  --keyring FILE                   keyring JSON (see wampbox/keyring.h); none = no encryption\n"
    "  --refuse-plaintext               refuse plaintext EVENT/INVOCATION/RESULT where a key covers the URI\n"
    "  --ppt-keys FILE                  PPT key store JSON (docs/keyring-format.md): publish/call in Payload\n"
    "                                   PassThru Mode (scheme wamp, cbor) and open ppt_* events/invocations/results\n"
    "  --ppt-cipher xsalsa20poly1305|aes256gcm   cipher of what --ppt-keys seals (default xsalsa20poly1305)\n"
    "  --timeout-ms MS                  bound of every wait (default 10000)\n"
    "commands (values are JSON; binary is \"\\u0000\"+base64 as in Autobahn's JSON):\n"
    "  publish TOPIC ARGS [KWARGS] [--count N] [--acknowledge]\n"
    "  subscribe TOPIC --count N        print each event; stop after N (or the timeout)\n"
    "  call PROC ARGS [KWARGS] [--count N]\n"
    "  serve PROC --count N             register; answer each invocation with its own args/kwargs\n"
    "  publish-ppt TOPIC HEX            publish one Payload PassThru Mode message, not encrypted here:\n"
    "                                   Options ppt_scheme=wamp, ppt_serializer=cbor,\n"
    "                                   ppt_cipher=xsalsa20poly1305, ppt_keyid=0xab..ab; Arguments [bytes HEX]\n"
    "  ping                             RawSocket/WebSocket ping, wait for the pong\n"
    "  send-hex HEX                     join, send one raw frame, print what happens\n"
    "  bench-pubsub TOPIC --size B [--count N] [--window W] [--max-seconds S]\n"
    "                                   a second session in this process subscribes; publishes N events\n"
    "                                   [seq, B-byte string] with at most W in flight; reports msgs/s, MB/s,\n"
    "                                   publish->event latency percentiles, CPU per message; checks that\n"
    "                                   sequence numbers arrive complete and in order\n"
    "  bench-rpc PROC --size B [--count N] [--max-seconds S]\n"
    "                                   a second session registers an echo; N sequential calls\n"
    "Lines printed: {\"ready\":...} once subscribed/registered, {\"event\":...}, {\"invocation\":...},\n"
    "{\"result\":...}, {\"error\":URI,...}, and a final {\"summary\":...} (refusals: error URIs of dropped\n"
    "events / refused invocations; refusal_reasons, if there are any: the library's message for each).\n"
    "Exit 0 if the command completed, 1 on a WAMP error or timeout, 2 on bad usage.\n";

std::string jstr(const Value& v) { return json_write(v); }

Value details_value(const Object& o) { return Value(o); }

[[noreturn]] void usage_error(const std::string& msg) {
  std::cerr << "wampbox-client: " << msg << "\n" << kUsage;
  std::exit(2);
}

Bytes from_hex(const std::string& hex) {
  if (hex.size() % 2) usage_error("odd hex length");
  Bytes out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, v, 16);
    if (ec != std::errc() || p != hex.data() + i + 2) usage_error("bad hex");
    out.push_back(static_cast<std::uint8_t>(v));
  }
  return out;
}

std::int64_t mono_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/// One benchmark run: the driving session publishes/calls, a second session in this
/// process (its own connection, same io_context) subscribes/serves, so that both
/// timestamps come from one clock. Bounded by `count` and `max_seconds`.
int run_bench(asio::io_context& io, const std::string& host, std::uint16_t port, const ConnectOptions& co,
              const SessionOptions& so, const std::string& realm, Millis timeout, bool pubsub, const std::string& uri,
              std::size_t size, std::size_t count, std::size_t window, double max_seconds, Session& driver,
              const std::string& stream, Millis progress) {
  using Clock = std::chrono::steady_clock;
  Session peer(io, connect(io, host, port, co), so);
  peer.join(realm, timeout);
  std::vector<Clock::time_point> sent(count);
  std::vector<double> latency_us;
  latency_us.reserve(count);
  std::size_t received = 0;
  std::int64_t expected = 0;
  std::uint64_t out_of_order = 0;
  const Value pad(std::string(size, 'x'));
  auto on_seq = [&](const Value& args) {
    auto now = Clock::now();
    std::int64_t seq = args.as_array().at(0).as_int();
    if (seq != expected) ++out_of_order;
    expected = seq + 1;
    latency_us.push_back(std::chrono::duration<double, std::micro>(now - sent.at(seq)).count());
    ++received;
  };
  if (pubsub) {
    peer.subscribe(uri, [&](const Event& ev) {
      // Soak: other publishers' streams share the topic; only this one's are counted.
      if (!stream.empty()) {
        const auto& a = ev.args.as_array();
        if (a.size() < 3 || a[2].kind() != Value::Kind::kString || a[2].as_string() != stream) return;
      }
      on_seq(ev.args);
    }, timeout);
  } else {
    peer.enroll(uri, [&](const Invocation& inv) { return CallResult{inv.args, inv.kwargs, {}, false}; }, timeout);
  }
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  const auto stop_at = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(max_seconds));
  std::size_t issued = 0;
  auto next_progress = t0 + progress;
  for (; issued < count && Clock::now() < stop_at; ++issued) {
    Value args(Array{Value(static_cast<std::int64_t>(issued)), pad});
    if (pubsub) {
      if (issued - received >= window) {
        driver.run_until([&] { return issued - received < window; }, timeout);
      }
      sent[issued] = Clock::now();
      if (!stream.empty()) {
        // The soak's form: the stream and the send times travel inside the encrypted
        // payload, so that a subscriber can tell a lost first message from one sent
        // before it subscribed (soak-subscribe).
        auto& a = args.as_array();
        a.emplace_back(stream);
        a.emplace_back(issued ? mono_ns(sent[issued - 1]) : std::int64_t{0});
        a.emplace_back(mono_ns(sent[issued]));
        if (progress.count() > 0 && sent[issued] >= next_progress) {
          next_progress = sent[issued] + progress;
          std::cout << "{\"progress\":{\"stream\":" << jstr(Value(stream)) << ",\"issued\":" << issued
                    << ",\"received\":" << received << ",\"t_ns\":" << mono_ns(sent[issued]) << "}}" << std::endl;
        }
      }
      driver.publish(uri, args, Value(Object{}), false, timeout);
    } else {
      sent[issued] = Clock::now();
      CallResult r = driver.call(uri, args, Value(Object{}), timeout);
      on_seq(r.args);
    }
  }
  driver.run_until([&] { return received >= issued; }, timeout);
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  // What end-to-end encryption alone costs per message here: the same seal (PUBLISH /
  // CALL) and open (EVENT / INVOCATION) the sessions did, timed in a loop after the run,
  // twice for rpc (the YIELD -> RESULT direction costs the same). Lets the report split a
  // variant's client CPU into cryptobox and the rest (transport, framing, scheduling).
  double codec_us = 0;
  if (so.codec && so.codec->keyring().find(uri) != nullptr) {
    Message m;
    m.type = pubsub ? MessageType::kPublish : MessageType::kCall;
    m.request = 1;
    m.uri = uri;
    m.args = Value(Array{Value(std::int64_t{0}), pad});
    m.kwargs = Value(Object{});
    const std::size_t n = std::clamp<std::size_t>(received, 100, 2000);
    const double c0 = cpu_seconds();  // CPU time, as cpu_us_per_msg: preemption on a busy machine is not counted
    for (std::size_t i = 0; i < n; ++i) {
      Message in = *seal_message(*so.codec, m);
      in.type = pubsub ? MessageType::kEvent : MessageType::kInvocation;
      in.subscription = in.publication = in.registration = 1;
      in.uri.clear();
      Message plain = open_message(*so.codec, in, uri);
      if (!plain.args) throw std::runtime_error("codec self-check failed");
    }
    codec_us = (cpu_seconds() - c0) * 1e6 / static_cast<double>(n) * (pubsub ? 1 : 2);
  }
  std::vector<double> sorted = latency_us;
  std::sort(sorted.begin(), sorted.end());
  auto pct = [&](double p) {
    if (sorted.empty()) return 0.0;
    auto idx = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
    return sorted[std::min(idx, sorted.size() - 1)];
  };
  // Log2 histogram of latencies (bucket k: [2^k, 2^(k+1)) microseconds).
  std::vector<std::uint64_t> hist(24, 0);
  for (double l : latency_us) {
    std::size_t k = 0;
    while (k + 1 < hist.size() && l >= static_cast<double>(1u << (k + 1))) ++k;
    ++hist[k];
  }
  std::string h = "[";
  for (std::size_t k = 0; k < hist.size(); ++k) h += (k ? "," : "") + std::to_string(hist[k]);
  h += "]";
  std::cout << "{\"bench\":{\"mode\":\"" << (pubsub ? "pubsub" : "rpc") << "\",\"size\":" << size
            << ",\"issued\":" << issued << ",\"received\":" << received << ",\"out_of_order\":" << out_of_order
            << ",\"seconds\":" << secs << ",\"msgs_per_s\":" << (secs > 0 ? received / secs : 0)
            << ",\"mb_per_s\":" << (secs > 0 ? received * static_cast<double>(size) / secs / 1e6 : 0)
            << ",\"p50_us\":" << pct(50) << ",\"p99_us\":" << pct(99) << ",\"p999_us\":" << pct(99.9)
            << ",\"cpu_us_per_msg\":" << (received ? cpu / received * 1e6 : 0) << ",\"hist_log2_us\":" << h
            << ",\"dropped\":" << peer.events_dropped() << ",\"codec_us_per_msg\":" << codec_us;
  if (!stream.empty()) {
    std::cout << ",\"stream\":" << jstr(Value(stream))
              << ",\"t_last_ns\":" << (issued ? mono_ns(sent[issued - 1]) : std::int64_t{0});
  }
  std::cout << "}}" << std::endl;
  peer.leave(Millis(2000));
  return received == issued && out_of_order == 0 && issued > 0 ? 0 : 1;
}

/// soak-subscribe: subscribes to `topics` and checks the events of bench-pubsub
/// --stream publishers (see kUsage) until SIGTERM/SIGINT or `max_seconds`.
/// Returns 0 if no violation was seen. Bounded: at most 100 violation lines.
int run_soak_subscribe(asio::io_context& io, Session& session, const std::vector<std::string>& topics, Millis timeout,
                       Millis progress, double max_seconds) {
  using Clock = std::chrono::steady_clock;
  struct Stream {
    std::int64_t first = 0, last = 0, t_last = 0;
    std::uint64_t count = 0;
  };
  std::map<std::string, Stream> streams;
  std::map<std::string, std::int64_t> ready_ns;  // topic -> when its SUBSCRIBED arrived
  std::uint64_t events = 0, violations = 0;
  auto violation = [&](const std::string& what, const std::string& stream, std::int64_t seq, std::int64_t last) {
    if (++violations <= 100) {
      std::cout << "{\"violation\":{\"what\":" << jstr(Value(what)) << ",\"stream\":" << jstr(Value(stream))
                << ",\"seq\":" << seq << ",\"last\":" << last << "}}" << std::endl;
    }
  };
  for (const auto& topic : topics) {
    session.subscribe(topic, [&](const Event& ev) {
      ++events;
      const Value& args = ev.args;
      if (args.kind() != Value::Kind::kArray || args.as_array().size() != 5 ||
          args.as_array()[2].kind() != Value::Kind::kString) {
        return violation("malformed soak event", "", -1, -1);
      }
      const Array& a = args.as_array();
      const std::string& name = a[2].as_string();
      const std::int64_t seq = a[0].as_int(), t_prev = a[3].as_int(), t_self = a[4].as_int();
      auto [it, fresh] = streams.try_emplace(name);
      Stream& st = it->second;
      if (fresh) {
        st.first = seq;
        // Message seq-1 was stamped after this session's SUBSCRIBED arrived, so the
        // router had the subscription when it took that message: it was lost.
        auto r = ready_ns.find(ev.topic);
        if (seq > 0 && (r == ready_ns.end() || t_prev >= r->second)) violation("lost before first", name, seq, -1);
      } else if (seq == st.last + 1) {
      } else if (seq > st.last + 1) {
        violation("gap", name, seq, st.last);
      } else {
        violation("duplicate or reordered", name, seq, st.last);
      }
      st.last = seq;
      st.t_last = t_self;
      ++st.count;
    }, timeout);
    ready_ns[topic] = mono_ns(Clock::now());
  }
  std::cout << "{\"ready\":{\"topics\":{";
  bool comma = false;
  for (const auto& [t, ns] : ready_ns) {
    std::cout << (comma ? "," : "") << jstr(Value(t)) << ":" << ns;
    comma = true;
  }
  std::cout << "}}}" << std::endl;
  bool stop = false;
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) stop = true;
  });
  auto report = [&](bool final) {
    std::cout << "{\"report\":{\"t_ns\":" << mono_ns(Clock::now()) << ",\"events\":" << events
              << ",\"violations\":" << violations << ",\"dropped\":" << session.events_dropped()
              << ",\"final\":" << (final ? "true" : "false") << ",\"streams\":{";
    bool c = false;
    for (const auto& [name, st] : streams) {
      std::cout << (c ? "," : "") << jstr(Value(name)) << ":[" << st.first << "," << st.last << "," << st.count << ","
                << st.t_last << "]";
      c = true;
    }
    std::cout << "}}}" << std::endl;
  };
  const auto stop_at =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(max_seconds));
  while (!stop && Clock::now() < stop_at) {
    session.run_until([&] { return stop; }, progress);
    report(false);
  }
  signals.cancel();
  report(true);
  session.leave(Millis(2000));
  return violations == 0 && session.events_dropped() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url, realm = "realm1", keyring_path, ppt_keys_path, command, stream;
  std::string ppt_cipher(kPptCipherXsalsa20Poly1305);
  Millis progress{0};
  Serializer ser = Serializer::kJson;
  bool refuse_plaintext = false, acknowledge = false;
  Millis timeout{10000};
  std::size_t count = 1, size = 64, window = 64;
  double max_seconds = 10;
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto need = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--url") {
      url = need();
    } else if (a == "--serializer") {
      auto s = serializer_from_string(need());
      if (!s) usage_error("unknown serializer");
      ser = *s;
    } else if (a == "--realm") {
      realm = need();
    } else if (a == "--keyring") {
      keyring_path = need();
    } else if (a == "--ppt-keys") {
      ppt_keys_path = need();
    } else if (a == "--ppt-cipher") {
      ppt_cipher = need();
    } else if (a == "--refuse-plaintext") {
      refuse_plaintext = true;
    } else if (a == "--timeout-ms") {
      timeout = Millis(std::stoll(need()));
    } else if (a == "--count") {
      count = std::stoull(need());
    } else if (a == "--size") {
      size = std::stoull(need());
    } else if (a == "--window") {
      window = std::max<std::size_t>(1, std::stoull(need()));
    } else if (a == "--max-seconds") {
      max_seconds = std::stod(need());
    } else if (a == "--stream") {
      stream = need();
    } else if (a == "--progress-ms") {
      progress = Millis(std::stoll(need()));
    } else if (a == "--acknowledge") {
      acknowledge = true;
    } else if (a.rfind("--", 0) == 0) {
      usage_error("unknown option " + a);
    } else {
      pos.push_back(a);
    }
  }
  if (pos.empty()) usage_error("no command");
  command = pos[0];
  TransportKind kind;
  std::string rest;
  if (url.rfind("rs://", 0) == 0) {
    kind = TransportKind::kRawSocket;
    rest = url.substr(5);
  } else if (url.rfind("ws://", 0) == 0) {
    kind = TransportKind::kWebSocket;
    rest = url.substr(5);
  } else {
    usage_error("--url must start with rs:// or ws://");
  }
  auto slash = rest.find('/');
  std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  rest = rest.substr(0, slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) usage_error("--url needs a port");
  std::string host = rest.substr(0, colon);
  auto port = static_cast<std::uint16_t>(std::stoul(rest.substr(colon + 1)));

  std::optional<KeyRing> ring;
  std::optional<PayloadCodec> codec;
  std::optional<PptKeyStore> ppt_store;
  try {
    if (!ppt_keys_path.empty()) {
      std::ifstream in(ppt_keys_path);
      if (!in) usage_error("cannot read " + ppt_keys_path);
      std::stringstream ss;
      ss << in.rdbuf();
#ifdef WAMPBOX_HAVE_PPT_EXT
      ppt_store.emplace(load_ppt_keystore_json(ss.str(), ppt_ext_crypto()));  // EIP-55 key ids, AES fallback
#else
      ppt_store.emplace(load_ppt_keystore_json(ss.str()));
#endif
    }
    if (!keyring_path.empty()) {
      std::ifstream in(keyring_path);
      if (!in) usage_error("cannot read " + keyring_path);
      std::stringstream ss;
      ss << in.rdbuf();
      ring.emplace(load_keyring_json(ss.str()));
      codec.emplace(*ring);
    }
  } catch (const Error& e) {
    std::cerr << "wampbox-client: keyring / PPT key store: " << e.what() << "\n";
    return 2;
  }
  auto arg_value = [&](std::size_t i, Value dflt) -> Value {
    if (pos.size() <= i) return dflt;
    try {
      return json_parse(pos[i]);
    } catch (const Error& e) {
      usage_error("bad JSON value " + pos[i] + ": " + e.what());
    }
  };

  asio::io_context io;
  int rc = 0;
  std::size_t done = 0;
  try {
    ConnectOptions co;
    co.kind = kind;
    co.serializer = ser;
    co.ws_path = path;
    co.timeout = timeout;
    auto conn = connect(io, host, port, co);
    SessionOptions so;
    so.codec = codec ? &*codec : nullptr;
    so.refuse_plaintext = refuse_plaintext;
    so.ppt = ppt_store ? &*ppt_store : nullptr;
    so.ppt_cipher = ppt_cipher;
    Session session(io, conn, so);
    session.join(realm, timeout);
    if (command == "publish") {
      if (pos.size() < 3) usage_error("publish TOPIC ARGS [KWARGS]");
      Value args = arg_value(2, Array{}), kwargs = arg_value(3, Object{});
      for (std::size_t i = 0; i < count; ++i) {
        auto pub = session.publish(pos[1], args, kwargs, acknowledge, timeout);
        ++done;
        if (pub) std::cout << "{\"published\":" << *pub << "}\n";
      }
      // Let the router take everything before GOODBYE (flush the queue).
      session.run_until([&] { return session.connection().queued_bytes() == 0; }, timeout);
    } else if (command == "subscribe") {
      if (pos.size() < 2) usage_error("subscribe TOPIC");
      auto sub = session.subscribe(pos[1], [&](const Event& ev) {
        ++done;
        std::cout << "{\"event\":{\"args\":" << jstr(ev.args) << ",\"kwargs\":" << jstr(ev.kwargs)
                  << ",\"details\":" << jstr(details_value(ev.details)) << ",\"encrypted\":"
                  << (ev.encrypted ? "true" : "false") << ",\"ppt\":" << (ev.ppt ? "true" : "false")
                  << ",\"topic\":" << jstr(Value(ev.topic)) << "}}\n"
                  << std::flush;
      }, timeout);
      std::cout << "{\"ready\":{\"subscription\":" << sub << "}}" << std::endl;
      if (!session.run_until([&] { return done >= count; }, timeout)) rc = 1;
    } else if (command == "call") {
      if (pos.size() < 3) usage_error("call PROC ARGS [KWARGS]");
      Value args = arg_value(2, Array{}), kwargs = arg_value(3, Object{});
      for (std::size_t i = 0; i < count; ++i) {
        try {
          CallResult r = session.call(pos[1], args, kwargs, timeout);
          ++done;
          std::cout << "{\"result\":{\"args\":" << jstr(r.args) << ",\"kwargs\":" << jstr(r.kwargs)
                    << ",\"details\":" << jstr(details_value(r.details))
                    << ",\"encrypted\":" << (r.encrypted ? "true" : "false")
                    << ",\"ppt\":" << (r.ppt ? "true" : "false") << "}}" << std::endl;
        } catch (const WampError& e) {
          rc = 1;
          std::cout << "{\"error\":" << jstr(Value(e.uri())) << ",\"args\":" << jstr(e.args())
                    << ",\"kwargs\":" << jstr(e.kwargs()) << "}" << std::endl;
          if (e.uri() == "wamp.error.timeout" || e.uri() == "wampbox.error.connection_lost") break;
        }
      }
    } else if (command == "serve") {
      if (pos.size() < 2) usage_error("serve PROC");
      auto reg = session.enroll(pos[1], [&](const Invocation& inv) {
        ++done;
        std::cout << "{\"invocation\":{\"args\":" << jstr(inv.args) << ",\"kwargs\":" << jstr(inv.kwargs)
                  << ",\"details\":" << jstr(details_value(inv.details))
                  << ",\"encrypted\":" << (inv.encrypted ? "true" : "false")
                  << ",\"ppt\":" << (inv.ppt ? "true" : "false") << "}}" << std::endl;
        return CallResult{inv.args, inv.kwargs, {}, false};
      }, timeout);
      std::cout << "{\"ready\":{\"registration\":" << reg << "}}" << std::endl;
      if (!session.run_until([&] { return done >= count; }, timeout)) rc = 1;
      session.run_until([&] { return session.connection().queued_bytes() == 0; }, timeout);
    } else if (command == "publish-ppt") {
      if (pos.size() < 3) usage_error("publish-ppt TOPIC HEX");
      Message m;
      m.type = MessageType::kPublish;
      m.options = Object{{"acknowledge", Value(true)},
                         {"ppt_scheme", Value("wamp")},
                         {"ppt_serializer", Value("cbor")},
                         {"ppt_cipher", Value("xsalsa20poly1305")},
                         {"ppt_keyid", Value("0x" + std::string(40, 'a'))}};
      m.uri = pos[1];
      m.args = Value(Array{Value(Binary{from_hex(pos[2])})});
      auto pub = session.publish_message(m, timeout);
      ++done;
      if (pub) std::cout << "{\"published\":" << *pub << "}\n";
    } else if (command == "ping") {
      session.connection().ping(Bytes{'w', 'b'});
      if (!session.run_until([&] { return session.connection().pongs_received() > 0; }, timeout)) rc = 1;
      done = session.connection().pongs_received();
      std::cout << "{\"pongs\":" << done << "}" << std::endl;
    } else if (command == "bench-pubsub" || command == "bench-rpc") {
      if (pos.size() < 2) usage_error(command + " URI");
      rc = run_bench(io, host, port, co, so, realm, timeout, command == "bench-pubsub", pos[1], size, count, window,
                     max_seconds, session, command == "bench-pubsub" ? stream : std::string(), progress);
      session.leave(Millis(2000));
      return rc;
    } else if (command == "soak-subscribe") {
      if (pos.size() < 2) usage_error("soak-subscribe TOPIC [TOPIC...]");
      std::vector<std::string> topics(pos.begin() + 1, pos.end());
      return run_soak_subscribe(io, session, topics, timeout, progress.count() > 0 ? progress : Millis(200),
                                max_seconds);
    } else if (command == "send-hex") {
      if (pos.size() < 2) usage_error("send-hex HEX");
      session.send_raw(from_hex(pos[1]));
      try {
        session.run_until([] { return false; }, timeout);
      } catch (const WampError&) {
      }
      std::cout << "{\"closed\":" << (session.connected() ? "false" : "true")
                << ",\"reason\":" << jstr(Value(session.close_reason())) << "}" << std::endl;
      return 0;
    } else {
      usage_error("unknown command " + command);
    }
    std::vector<Value> refusals, reasons;
    for (const auto& r : session.refusals()) refusals.emplace_back(r);
    for (const auto& r : session.refusal_reasons()) reasons.emplace_back(r);
    std::cout << "{\"summary\":{\"done\":" << done << ",\"dropped\":" << session.events_dropped()
              << ",\"refusals\":" << jstr(Value(Array(refusals)));
    if (!reasons.empty()) std::cout << ",\"refusal_reasons\":" << jstr(Value(Array(reasons)));
    std::cout << "}}" << std::endl;
    session.leave(Millis(2000));
  } catch (const WampError& e) {
    std::cout << "{\"error\":" << jstr(Value(e.uri())) << ",\"args\":" << jstr(e.args()) << "}" << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cout << "{\"error\":\"wampbox.error.client\",\"args\":" << jstr(Value(Array{Value(std::string(e.what()))}))
              << "}" << std::endl;
    return 1;
  }
  return rc;
}
