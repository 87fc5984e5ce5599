// wampbox-router: payload-blind WAMP test router (see router.h, docs/live.md).
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include <malloc.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "router.h"

namespace {

const char kUsage[] =
    "usage: wampbox-router [options]\n"
    "  A payload-blind WAMP broker + dealer for tests: RawSocket and WebSocket on one port,\n"
    "  JSON / MessagePack / CBOR with translation between peers; forwards enc_* (cryptobox)\n"
    "  and ppt_* (payload passthru) payloads untouched; holds no keys.\n"
    "  --host ADDR            listen address (default 127.0.0.1; anything but loopback needs\n"
    "                         --allow-non-loopback)\n"
    "  --port N               TCP port (default 0: ephemeral)\n"
    "  --port-file PATH       write the bound port there once listening\n"
    "  --capture PATH         append every frame received and sent to PATH\n"
    "  --max-message BYTES    largest accepted message (default 16777216); also the decode limit of\n"
    "                         one frame and of one string/binary in it\n"
    "  --max-depth N          deepest container nesting accepted in a frame (default 1024)\n"
    "  --max-elements N       most values (scalars and containers) in a frame (default 1048576)\n"
    "                         A frame over a decode limit gets ABORT wamp.error.protocol_violation.\n"
    "  --max-sessions N       concurrent sessions (default 256); more get ABORT / handshake error 4\n"
    "  --max-queued BYTES     bytes queued to one receiver before it is dropped as a slow consumer\n"
    "                         (default 16777216)\n"
    "  --idle-timeout-ms MS   close connections silent this long (default 0: never)\n"
    "  --hostile tamper       flip the last byte of every forwarded payload\n"
    "  --hostile swap --swap A=B [--swap C=D ...]\n"
    "                         route topic/procedure A to B's subscribers/callee (URI swap attack)\n"
    "  --allow-non-loopback   permit --host other than loopback\n"
    "On SIGINT/SIGTERM: closes every session and prints one JSON line of counters to stdout.\n"
    "Exit: 0 after a signal, 2 on bad usage, 1 if it cannot listen.\n";

/// Once a second: if glibc's heap holds more than 4 MiB free, give it back to the
/// system (malloc_trim releases every whole free page, not only the heap's top).
/// Why: a burst (a slow consumer's queue, up to --max-queued) leaves many small
/// frames freed across the heap; glibc keeps those pages, so the RSS stayed at
/// the burst's peak. Measured in the soak (scripts/live/soak.py, 1 M events): RSS
/// 5.6 MiB before, 62 MiB peak, 53 MiB after every client had gone; with this
/// timer it returns to the baseline (docs/live.md). Counts trims in `trims`.
void trim_heap_every_second(boost::asio::steady_timer& timer, std::uint64_t& trims) {
  timer.expires_after(std::chrono::seconds(1));
  timer.async_wait([&timer, &trims](const boost::system::error_code& ec) {
    if (ec) return;
    if (mallinfo2().fordblks > (std::size_t{4} << 20)) {
      malloc_trim(0);
      ++trims;
    }
    trim_heap_every_second(timer, trims);
  });
}

bool parse_size(const char* s, std::size_t& out) {
  auto [p, ec] = std::from_chars(s, s + std::strlen(s), out);
  return ec == std::errc() && *p == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  using namespace wampbox;
  namespace asio = transport::asio;
  router::RouterOptions opts;
  transport::Limits limits;
  std::string host = "127.0.0.1", port_file;
  std::size_t port = 0;
  bool allow_remote = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto need = [&](const char* what) -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "wampbox-router: " << a << " needs " << what << "\n";
        std::exit(2);
      }
      return argv[++i];
    };
    auto size_arg = [&](std::size_t& out) {
      const char* v = need("a number");
      if (!parse_size(v, out)) {
        std::cerr << "wampbox-router: bad number for " << a << ": " << v << "\n";
        std::exit(2);
      }
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--host") {
      host = need("an address");
    } else if (a == "--port") {
      size_arg(port);
    } else if (a == "--port-file") {
      port_file = need("a path");
    } else if (a == "--capture") {
      opts.capture_path = need("a path");
    } else if (a == "--max-message") {
      size_arg(limits.max_message);
    } else if (a == "--max-depth") {
      size_arg(opts.decode_limits.max_depth);
    } else if (a == "--max-elements") {
      size_arg(opts.decode_limits.max_elements);
    } else if (a == "--max-sessions") {
      size_arg(opts.max_sessions);
    } else if (a == "--max-queued") {
      size_arg(opts.max_queued_bytes);
    } else if (a == "--idle-timeout-ms") {
      std::size_t ms = 0;
      size_arg(ms);
      opts.idle_timeout = std::chrono::milliseconds(ms);
    } else if (a == "--hostile") {
      std::string mode = need("tamper or swap");
      if (mode == "tamper") {
        opts.hostile = router::Hostile::kTamper;
      } else if (mode == "swap") {
        opts.hostile = router::Hostile::kSwap;
      } else {
        std::cerr << "wampbox-router: --hostile takes tamper or swap\n";
        return 2;
      }
    } else if (a == "--swap") {
      std::string s = need("A=B");
      auto eq = s.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
        std::cerr << "wampbox-router: --swap takes A=B\n";
        return 2;
      }
      opts.swaps[s.substr(0, eq)] = s.substr(eq + 1);
    } else if (a == "--allow-non-loopback") {
      allow_remote = true;
    } else {
      std::cerr << "wampbox-router: unknown option " << a << "\n" << kUsage;
      return 2;
    }
  }
  // One bound for the transport and the decoder: a frame the transport lets in
  // is never refused by the decoder for its size, and no string in it can be
  // larger than the frame.
  opts.decode_limits.max_frame_bytes = limits.max_message;
  opts.decode_limits.max_string_bytes = limits.max_message;
  if (port > 65535) {
    std::cerr << "wampbox-router: port out of range\n";
    return 2;
  }
  try {
    asio::io_context io;
    auto address = asio::ip::make_address(host);
    if (!address.is_loopback() && !allow_remote) {
      std::cerr << "wampbox-router: refusing to listen on non-loopback " << host << " without --allow-non-loopback\n";
      return 2;
    }
    router::Router r(io, opts);
    transport::Listener listener(io, {address, static_cast<std::uint16_t>(port)}, limits, opts.max_sessions,
                                 [&](std::shared_ptr<transport::Connection> c) { r.attach(std::move(c)); });
    if (!port_file.empty()) {
      std::ofstream(port_file + ".tmp") << listener.port() << "\n";
      std::rename((port_file + ".tmp").c_str(), port_file.c_str());
    }
    std::cout << "wampbox-router listening on " << host << ":" << listener.port() << std::endl;
    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer trim_timer(io);
    std::uint64_t heap_trims = 0;
    trim_heap_every_second(trim_timer, heap_trims);
    signals.async_wait([&](boost::system::error_code, int) {
      listener.stop();
      r.close_all();
      trim_timer.cancel();
      io.stop();
    });
    io.run();
    const auto& s = r.stats();
    std::cout << "{\"sessions_total\":" << s.sessions_total << ",\"frames_in\":" << s.frames_in
              << ",\"frames_out\":" << s.frames_out << ",\"bytes_in\":" << s.bytes_in << ",\"bytes_out\":" << s.bytes_out
              << ",\"events\":" << s.events << ",\"invocations\":" << s.invocations << ",\"results\":" << s.results
              << ",\"errors\":" << s.errors << ",\"aborts_protocol\":" << s.aborts_protocol
              << ",\"slow_consumers_dropped\":" << s.slow_consumers_dropped << ",\"tampered\":" << s.tampered
              << ",\"swapped\":" << s.swapped << ",\"heap_trims\":" << heap_trims << "}" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "wampbox-router: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
