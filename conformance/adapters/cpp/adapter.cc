// wampbox-conform adapter for the wampbox C++ library (conformance/PROTOCOL.md).
//
// Reads one JSON request per line on stdin, answers one JSON line on stdout.
// The operations are the shared op table (conformance/vectors/ops.h), the
// same code conformance_test and backend_test run in-process; this file only
// speaks the protocol. Library errors (wampbox::Error) become protocol error
// codes via to_string(ErrorCode), which uses the same names.
//
// Requests are read with simdjson through the corpus reader's Attrs (strict:
// an input field the operation does not read is an invalid_argument answer),
// not with the library's json_parse: the library is what is under test, and
// json_parse implements Autobahn's rule that a string starting with U+0000 is
// binary, which is right for WAMP frames and wrong for the protocol (a typed
// {"str": "\u0000AAEC"} must stay a string). Answers are written with the
// library's json_write (the runner parses them with Python's json, so a
// writer bug shows up as a failed case, not a hidden one).
//
//   wampbox_conform_adapter [--backend NAME] [--ppt-aes-fallback] [--list-backends]
//
// --backend NAME runs the crypto_box work on that backend (wampbox/backend.h:
// libsodium, nacl, cryptopp, cryptopp-tweetnacl, botan, as built): the
// crypto_box operations call its CryptoBackend functions directly, and the
// payload and frame operations use a PayloadCodec with options.backend set.
// The hello then names the backend and declares its low-order profile.
#include <simdjson.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>

#include "file_test.h"
#include "ops.h"
#include "wampbox/backend.h"
#include "wampbox/backends.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/value.h"

#ifndef WAMPBOX_VERSION_STRING
#define WAMPBOX_VERSION_STRING "unknown"
#endif

namespace {

namespace dom = simdjson::dom;
using wampbox::Array;
using wampbox::Object;
using wampbox::Value;
namespace vec = wampbox::vectors;

Value Strings(std::initializer_list<const char*> xs) {
  Array a;
  for (const char* x : xs) a.push_back(Value(x));
  return Value(std::move(a));
}

std::string Hello(const vec::OpContext& ctx) {
  Object impl;
  impl.emplace_back("name", Value(ctx.backend ? "wampbox-cpp/" + std::string(ctx.backend->name()) : "wampbox-cpp"));
  impl.emplace_back("version", Value(WAMPBOX_VERSION_STRING));
  impl.emplace_back("language", Value("C++"));
  std::string description =
      "wampbox C++ library (libsodium, simdjson, msgpack-c, libcbor), default options (strict: no plaintext "
      "fallback, URI check on)";
  if (ctx.backend) description += "; crypto_box backend: " + std::string(ctx.backend->description());
  if (ctx.ppt_aes_fallback) description += "; PPT aes256gcm on the OpenSSL fallback (forced)";
  impl.emplace_back("description", Value(description));
  Object profile;
  const wampbox::LowOrderPolicy policy =
      ctx.backend ? ctx.backend->low_order_policy() : wampbox::LowOrderPolicy::kReject;
  // kPartial declares nothing: either outcome is then judged acceptable.
  if (policy != wampbox::LowOrderPolicy::kPartial) {
    profile.emplace_back("low_order_keys", Value(policy == wampbox::LowOrderPolicy::kReject ? "reject" : "compute"));
  }
  profile.emplace_back("plaintext_fallback", Value("reject"));
  profile.emplace_back("base64", Value("strict"));
  Array ops;
  for (const auto& [name, op] : vec::ProtocolOps()) ops.push_back(Value(name));
  Object sup;
  sup.emplace_back("layers", Strings({"crypto_box", "keyring", "envelope", "message", "ppt"}));
  sup.emplace_back("operations", Value(std::move(ops)));
  sup.emplace_back("serializers", Strings({"json", "msgpack", "cbor"}));
  sup.emplace_back("message_types", Strings({"PUBLISH", "EVENT", "CALL", "INVOCATION", "YIELD", "RESULT", "ERROR"}));
  sup.emplace_back("unsupported_flags", Value(Array{}));
  Object h;
  h.emplace_back("type", Value("hello"));
  h.emplace_back("protocol", Value("wampbox-conform/1"));
  h.emplace_back("implementation", Value(std::move(impl)));
  h.emplace_back("profile", Value(std::move(profile)));
  h.emplace_back("supports", Value(std::move(sup)));
  return wampbox::json_write(Value(std::move(h)));
}

std::string Answer(const Value& id, const char* status, Object rest) {
  Object o;
  o.emplace_back("id", id);
  o.emplace_back("status", Value(status));
  for (auto& kv : rest) o.push_back(std::move(kv));
  return wampbox::json_write(Value(std::move(o)));
}

std::string ErrorAnswer(const Value& id, std::string code, std::string message) {
  // json_write needs valid UTF-8; exception texts may quote raw input.
  if (!wampbox::is_valid_utf8(message)) message = "(message not valid UTF-8)";
  Object rest;
  rest.emplace_back("error", Value(std::move(code)));
  rest.emplace_back("message", Value(message.substr(0, 500)));
  return Answer(id, "error", std::move(rest));
}

std::string Unsupported(const Value& id, std::string reason) {
  Object rest;
  rest.emplace_back("reason", Value(std::move(reason)));
  return Answer(id, "unsupported", std::move(rest));
}

// The request's id, echoed as given (an integer in the protocol).
Value IdOf(dom::element req) {
  dom::element id;
  if (req["id"].get(id)) return Value();
  if (id.type() == dom::element_type::INT64) return Value(std::int64_t(id));
  if (id.type() == dom::element_type::UINT64) return Value(std::uint64_t(id));
  if (id.type() == dom::element_type::STRING) return Value(std::string(std::string_view(id)));
  return Value();
}

std::string Handle(dom::element req, const vec::OpContext& ctx) {
  const Value id = IdOf(req);
  std::string_view op_name;
  if (req["op"].get(op_name)) return ErrorAnswer(id, "invalid_argument", "request without op");
  const vec::ProtocolOp* op = vec::FindProtocolOp(op_name);
  if (op == nullptr) return Unsupported(id, "operation " + std::string(op_name) + " not implemented");
  try {
    dom::element input;
    if (req["input"].get(input)) throw vec::CorpusError("request without input");
    vec::Attrs in(input, "input");
    vec::Output out = op->run(in, ctx);
    in.finish();
    Object rest;
    rest.emplace_back("output", vec::ProtocolOutput(out));
    return Answer(id, "ok", std::move(rest));
  } catch (const vec::CorpusError& e) {
    return ErrorAnswer(id, "invalid_argument", e.what());
  } catch (const vec::Unsupported& e) {
    return Unsupported(id, e.what());
  } catch (const wampbox::Error& e) {
    std::string code(wampbox::to_string(e.code()));
    // The protocol has no separate "no codec" case: no key was configured at all.
    if (e.code() == wampbox::ErrorCode::kNoPayloadCodec) code = "no_key";
    return ErrorAnswer(id, code, e.what());
  } catch (const std::exception& e) {
    return ErrorAnswer(id, "internal", e.what());
  }
}

int Usage(const char* argv0, int rc) {
  std::fprintf(rc ? stderr : stdout,
               "usage: %s [--backend NAME] [--ppt-aes-fallback] [--list-backends]\n"
               "Answers conformance/PROTOCOL.md requests (JSON lines on stdin) with the wampbox library.\n"
               "  --backend NAME   crypto_box backend for the box, payload and frame operations (default: the\n"
               "                   library's libsodium entry points); --list-backends prints the built ones\n"
               "  --ppt-aes-fallback  PPT aes256gcm through the packaged fallback (OpenSSL) even with AES-NI\n",
               argv0);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  wampbox::register_optional_backends();  // wampbox::backends: every backend found at configure time
  vec::OpContext ctx;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--backend" && i + 1 < argc) {
      ctx.backend = wampbox::find_backend(argv[++i]);
      if (ctx.backend == nullptr) {
        std::fprintf(stderr, "adapter: no backend '%s' in this build; built:", argv[i]);
        for (const auto* b : wampbox::available_backends()) {
          std::fprintf(stderr, " %.*s", int(b->name().size()), b->name().data());
        }
        std::fprintf(stderr, "\n");
        return 2;
      }
    } else if (a == "--ppt-aes-fallback") {
      ctx.ppt_aes_fallback = true;
    } else if (a == "--list-backends") {
      for (const auto* b : wampbox::available_backends()) {
        std::printf("%.*s\t%.*s\n", int(b->name().size()), b->name().data(), int(b->description().size()),
                    b->description().data());
      }
      return 0;
    } else if (a == "--help" || a == "-h") {
      return Usage(argv[0], 0);
    } else {
      return Usage(argv[0], 2);
    }
  }
  std::ios::sync_with_stdio(false);
  dom::parser parser;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    dom::element req;
    if (auto err = parser.parse(line).get(req); err || req.type() != dom::element_type::OBJECT) {
      std::cerr << "adapter: unreadable request: " << (err ? simdjson::error_message(err) : "not an object") << "\n";
      return 2;
    }
    std::string_view type;
    if (req["type"].get(type)) type = "";
    if (type == "hello") {
      std::cout << Hello(ctx) << "\n" << std::flush;
    } else if (type == "bye") {
      break;
    } else if (type == "case") {
      std::cout << Handle(req, ctx) << "\n" << std::flush;
    }
  }
  return 0;
}
