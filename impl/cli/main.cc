// wampbox: command-line front end of the library (docs/cli.md).
//
//   wampbox keygen  [--hex] [--json] [--keyid]
//   wampbox seal    --type T --serializer S [--keyring F] ... (see seal --help)
//   wampbox open    --serializer S --keyring F [--uri U] [--role R] [--hex-input] [FILE|-]
//   wampbox inspect --serializer S [--hex-input] [FILE|-]
//
// Exit codes: 0 ok; 1 cryptographic/verification failure; 2 usage error;
// 3 malformed input; 4 I/O error. Errors go to stderr as
//   wampbox: <code>: <message> (<wamp error uri>)
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wampbox/cryptobox.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "wampbox/json.h"
#include "wampbox/keyring.h"
#include "wampbox/keys.h"
#include "wampbox/limits.h"
#include "wampbox/message.h"
#include "wampbox/ppt.h"
#ifdef WAMPBOX_CLI_HAVE_PPT_EXT
#include "wampbox/ppt_ext.h"
#endif
#include "wampbox/value.h"

#ifndef WAMPBOX_VERSION
#define WAMPBOX_VERSION "unknown"
#endif

namespace wampbox::cli {
namespace {

enum Exit : int { kOk = 0, kCrypto = 1, kUsage = 2, kMalformed = 3, kIo = 4 };

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct IoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int exit_code_for(ErrorCode c) {
  switch (c) {
    case ErrorCode::kNoKey:
    case ErrorCode::kMissingRole:
    case ErrorCode::kRetiredKey:
    case ErrorCode::kNoPayloadCodec:
    case ErrorCode::kDecryptFailed:
    case ErrorCode::kUriMismatch:
    case ErrorCode::kUnsupportedEncAlgo:
    case ErrorCode::kUnsupportedEncSerializer:
    case ErrorCode::kMalformedPlaintext:
      return kCrypto;
    case ErrorCode::kParseError:
    case ErrorCode::kInvalidUtf8:
    case ErrorCode::kInvalidBase64:
    case ErrorCode::kUnencodable:
    case ErrorCode::kLimitExceeded:
    case ErrorCode::kProtocolError:
    case ErrorCode::kInvalidKey:
    case ErrorCode::kBadKeyId:
      return kMalformed;
    case ErrorCode::kInvalidArgument:
      return kUsage;
  }
  return kMalformed;
}

// ---------------------------------------------------------------------------
// Help texts
// ---------------------------------------------------------------------------

constexpr const char* kMainHelp = R"(usage: wampbox <command> [options]

WAMP-cryptobox end-to-end payload encryption, byte-compatible with Autobahn|Python.

commands:
  keygen    generate a Curve25519 key pair
  seal      build a WAMP message and encrypt its payload (or write it plain)
  open      decode a frame and decrypt its payload
  inspect   decode a frame and print it as JSON

Run `wampbox <command> --help` for the options of a command.

exit codes: 0 ok, 1 cryptographic/verification failure, 2 usage error,
            3 malformed input, 4 I/O error
)";

constexpr const char* kKeygenHelp = R"(usage: wampbox keygen [--hex] [--json] [--keyid]

Generates a Curve25519 key pair with libsodium's CSPRNG and prints
  private: <key>
  public: <key>
in standard base64 (what Autobahn's Key() takes), or in hex with --hex.

options:
  --hex     hex instead of base64
  --json    print {"private": "...", "public": "..."} instead
  --keyid   also print the public key's id (keyid: / "keyid"): "0x" + the last
            20 bytes of SHA-256 of the public key, the id ppt_keyid and enc_key
            use, with the EIP-55 checksum when this build has wampbox::ppt_ext
            (Keccak-256), else in lowercase
)";

constexpr const char* kSealHelp = R"(usage: wampbox seal --type TYPE --serializer json|msgpack|cbor [options]

Builds one WAMP message (PUBLISH, EVENT, CALL, INVOCATION, YIELD, RESULT, ERROR)
and encrypts args/kwargs into its payload with the keyring key of the URI, as
Autobahn|Python does; writes the frame (raw bytes) to stdout or --output. A
MessagePack or CBOR frame is not written to a terminal: give --hex, --output
FILE, or --output - to force it.

options:
  --type TYPE            message type (case-insensitive)
  --serializer S         json, msgpack or cbor
  --keyring FILE         keyring file (docs/keyring-format.md); with a list of keys
                         for a prefix, the key enc_key names (retired: retired_key),
                         or without enc_key the current then the grace keys; required unless --plain;
                         a prefix given as a list of keys rotates: the current key
                         seals and is named in enc_key
  --uri URI              PUBLISH topic / CALL procedure / ERROR error URI (written in
                         the frame); for EVENT/INVOCATION/YIELD/RESULT the URI the
                         payload is encrypted for (default: EVENT details.topic,
                         INVOCATION details.procedure)
  --request N            request id (all but EVENT)          [default 0]
  --request-type N       ERROR, required: type of the failed request (16 PUBLISH,
                         32 SUBSCRIBE, 34 UNSUBSCRIBE, 48 CALL, 64 REGISTER,
                         66 UNREGISTER, 68 INVOCATION)
  --subscription N       EVENT subscription id               [default 0]
  --publication N        EVENT publication id                [default 0]
  --registration N       INVOCATION registration id          [default 0]
                         ids are 0..2^53 (9007199254740992), as Autobahn checks
  --options JSON         Options/Details object, in wire order [default {}]
  --args JSON            positional arguments: a JSON array, or null
                         [default [], what Autobahn's publish()/call() send]
  --kwargs JSON          keyword arguments: a JSON object, or null
                         [default {}, what Autobahn's publish()/call() send]
                         Sealed, these are the payload's "args"/"kwargs"; in a
                         plain frame empty ones are left off the wire, as
                         Autobahn's marshal() does. null means None.
  --role originator|responder
                         box to seal with; default: PUBLISH/CALL originator,
                         YIELD/ERROR responder. EVENT/INVOCATION/RESULT are never
                         sealed by a client: give --role to produce such a
                         router-side frame (EVENT/INVOCATION: originator, RESULT:
                         responder, as the PUBLISH/CALL/YIELD they came from)
  --nonce HEX48          fixed 24-byte nonce, only to reproduce known-answer
                         vectors (the library's *_for_testing functions); never
                         in production: a nonce reused with a key breaks the box
  --plain                write the plain args/kwargs frame (no encryption)
  --allow-plaintext      without a key for the URI, write the plain frame instead
                         of failing with no_key
  --autobahn-fallback    Autobahn's behaviour: a key without the needed box, or no
                         key at all, silently gives a plain frame (implies
                         --allow-plaintext)
  --ppt                  Payload PassThru Mode instead of cryptobox (scheme wamp,
                         cbor, xsalsa20poly1305, ppt_keyid); Autobahn cannot read it
  --ppt-keys FILE        Payload PassThru Mode with a PPT key store instead of a
                         keyring (docs/keyring-format.md: symmetric or key-pair keys,
                         rotation): the URI's current key, named in ppt_keyid
  --cipher C             with --ppt-keys: xsalsa20poly1305 (default) or aes256gcm
                         (--nonce then takes 24 hex digits)
  --hex                  print the frame as hex (one line) instead of raw bytes
  -o, --output FILE      write the frame to FILE ("-": stdout, even a terminal)

JSON values use Autobahn's convention: bytes as "\u0000"+base64, NaN/Infinity,
integers of any size. A value "@FILE" reads the JSON from FILE.
)";

constexpr const char* kOpenHelp = R"(usage: wampbox open --serializer S --keyring FILE [options] [FILE|-]

Decodes one frame (from FILE or stdin) and decrypts its payload. Prints
  {"message": <as inspect>, "decrypted": {"uri": ..., "args": ..., "kwargs": ...}}
("decrypted" is null for a plain frame). Payload PassThru Mode frames
(ppt_scheme) are opened too; then "decrypted" has no "uri" and "ppt" holds the
ppt_* attributes.

options:
  --serializer S         json, msgpack or cbor
  --keyring FILE         keyring file (docs/keyring-format.md)
  --ppt-keys FILE        open Payload PassThru Mode frames with a PPT key store
                         instead (docs/keyring-format.md): the key ppt_keyid names;
                         grace keys accepted, retired keys rejected (retired_key)
  --uri URI              the URI the payload is expected for; default: the
                         frame's URI (PUBLISH/CALL/ERROR), EVENT details.topic,
                         INVOCATION details.procedure; required for YIELD/RESULT
  --role originator|responder
                         box to open with; default: EVENT/INVOCATION responder,
                         RESULT/ERROR originator, and for frames a client only
                         sends, the receiver of the forwarded message (PUBLISH/
                         CALL responder, YIELD originator)
  --no-check-uri         do not require the decrypted uri to equal the expected URI
  --hex-input            the input is hex text (whitespace ignored)
)";

constexpr const char* kInspectHelp = R"(usage: wampbox inspect --serializer S [--hex-input] [FILE|-]

Decodes one frame (from FILE or stdin) with Autobahn's checks and prints it as
one JSON object, e.g.
  {"type":"PUBLISH","request":1,"options":{...},"uri":"...","payload":"\u0000<base64>","payload_length":80}
or with "args"/"kwargs" for a plain frame. "options" holds Options or Details.

options:
  --serializer S         json, msgpack or cbor
  --hex-input            the input is hex text (whitespace ignored)
)";

// ---------------------------------------------------------------------------
// Argument parsing
// ---------------------------------------------------------------------------

struct Args {
  std::map<std::string, std::string> values;
  std::map<std::string, bool> flags;
  std::vector<std::string> positional;

  std::optional<std::string> get(const std::string& k) const {
    auto it = values.find(k);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
  bool has(const std::string& k) const { return flags.count(k) > 0; }
  std::string require(const std::string& k) const {
    auto v = get(k);
    if (!v) throw UsageError("--" + k + " is required");
    return *v;
  }
};

Args parse_args(int argc, char** argv, int first, const std::vector<std::string>& with_value,
                const std::vector<std::string>& flags, std::size_t max_positional) {
  Args a;
  auto takes_value = [&](const std::string& n) {
    return std::find(with_value.begin(), with_value.end(), n) != with_value.end();
  };
  auto is_flag = [&](const std::string& n) { return std::find(flags.begin(), flags.end(), n) != flags.end(); };
  for (int i = first; i < argc; ++i) {
    std::string tok = argv[i];
    if (tok == "-o" && takes_value("output")) tok = "--output";  // the one short option
    if (tok.size() > 2 && tok.compare(0, 2, "--") == 0) {
      std::string name = tok.substr(2);
      std::optional<std::string> inline_value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      if (takes_value(name)) {
        if (a.values.count(name)) throw UsageError("--" + name + " given twice");
        if (inline_value) {
          a.values[name] = *inline_value;
        } else {
          if (i + 1 >= argc) throw UsageError("--" + name + " needs a value");
          a.values[name] = argv[++i];
        }
      } else if (is_flag(name)) {
        if (inline_value) throw UsageError("--" + name + " takes no value");
        a.flags[name] = true;
      } else {
        throw UsageError("unknown option --" + name);
      }
    } else if (tok == "--") {
      for (++i; i < argc; ++i) a.positional.emplace_back(argv[i]);
    } else if (tok.size() > 1 && tok[0] == '-' && tok != "-") {
      throw UsageError("unknown option " + tok);
    } else {
      a.positional.push_back(tok);
    }
  }
  if (a.positional.size() > max_positional) throw UsageError("unexpected argument '" + a.positional.back() + "'");
  return a;
}

std::uint64_t parse_u64(const std::string& name, const std::string& s) {
  std::uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) {
    throw UsageError("--" + name + " must be a non-negative integer, not '" + s + "'");
  }
  return v;
}

// WAMP ids: Autobahn's check_or_raise_id accepts 0..2^53, and `open` rejects a
// frame with a larger one, so `seal` must not write it.
constexpr std::uint64_t kMaxWampId = 9007199254740992ULL;  // 2^53

std::uint64_t parse_id(const std::string& name, const std::string& s) {
  const std::uint64_t v = parse_u64(name, s);
  if (v > kMaxWampId) {
    throw UsageError("--" + name + " must be at most 2^53 = 9007199254740992 (a WAMP id; Autobahn rejects " + s + ")");
  }
  return v;
}

std::int64_t parse_i64(const std::string& name, const std::string& s) {
  std::int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) {
    throw UsageError("--" + name + " must be an integer, not '" + s + "'");
  }
  return v;
}

Serializer parse_serializer(const Args& a) {
  std::string s = a.require("serializer");
  auto ser = serializer_from_string(s);
  if (!ser) throw UsageError("--serializer must be json, msgpack or cbor, not '" + s + "'");
  return *ser;
}

std::optional<Role> parse_role(const Args& a) {
  auto r = a.get("role");
  if (!r) return std::nullopt;
  if (*r == "originator") return Role::kOriginator;
  if (*r == "responder") return Role::kResponder;
  throw UsageError("--role must be originator or responder, not '" + *r + "'");
}

// ---------------------------------------------------------------------------
// I/O
// ---------------------------------------------------------------------------

// The CLI's decode policy for every input (a frame, a keyring or a JSON
// value): the library's documented defaults (wampbox/limits.h), passed
// explicitly so that this is the one place to change them.
const DecodeLimits kCliLimits{};

// Reads at most kCliLimits.max_frame_bytes + 1 bytes: a larger input is
// refused with limit_exceeded before it is read into memory.
std::string read_bounded(std::istream& in, const std::string& name) {
  const std::size_t limit = kCliLimits.max_frame_bytes;
  std::string data;
  char chunk[65536];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    data.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (data.size() > limit) {
      throw Error(ErrorCode::kLimitExceeded,
                  name + " is larger than DecodeLimits::max_frame_bytes (" + std::to_string(limit) + " bytes)");
    }
  }
  if (in.bad()) throw IoError("cannot read " + name);
  return data;
}

std::string read_all(const std::string& path) {
  if (path == "-") return read_bounded(std::cin, "stdin");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open '" + path + "': " + std::strerror(errno));
  return read_bounded(in, "'" + path + "'");
}

void write_all(const std::optional<std::string>& path, std::string_view data) {
  if (!path || *path == "-") {
    if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() || std::fflush(stdout) != 0) {
      throw IoError("cannot write stdout: " + std::string(std::strerror(errno)));
    }
    return;
  }
  std::ofstream out(*path, std::ios::binary | std::ios::trunc);
  if (!out) throw IoError("cannot open '" + *path + "' for writing: " + std::strerror(errno));
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) throw IoError("cannot write '" + *path + "'");
}

// A JSON option value, inline or "@FILE".
Value json_option(const std::string& name, const std::string& text) {
  std::string json = text;
  if (!text.empty() && text[0] == '@') json = read_all(text.substr(1));
  try {
    return json_parse(json);
  } catch (const Error& e) {
    throw Error(e.code(), "--" + name + ": " + e.what());
  }
}

Bytes read_frame(const Args& a) {
  std::string path = a.positional.empty() ? "-" : a.positional[0];
  std::string data = read_all(path);
  if (!a.has("hex-input")) return Bytes(data.begin(), data.end());
  std::string hex;
  for (char c : data) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') hex.push_back(c);
  }
  try {
    return hex_decode(hex);
  } catch (const Error& e) {
    throw Error(e.code(), std::string("--hex-input: ") + e.what());
  }
}

// What PPT uses beyond libsodium: wampbox::ppt_ext when the build has it
// (EIP-55 key ids: written checksummed, mixed-case ids verified; the OpenSSL
// AES-256-GCM fallback on CPUs without AES-NI), otherwise nothing (key ids
// written in lowercase, mixed-case ids refused with bad_key_id, aes256gcm only
// with AES-NI).
PptCrypto cli_ppt_crypto() {
#ifdef WAMPBOX_CLI_HAVE_PPT_EXT
  return ppt_ext_crypto();
#else
  return PptCrypto{};
#endif
}

// A PPT key store file (docs/keyring-format.md, "PPT key stores"), read with cli_ppt_crypto().
PptKeyStore load_ppt_keys(const std::string& path) {
  std::string text = read_all(path);
  try {
    return load_ppt_keystore_json(text, cli_ppt_crypto());
  } catch (const Error& e) {
    throw Error(e.code(), "PPT key store '" + path + "': " + e.what());
  }
}

// What a frame that did not decode with --serializer `given` looks like instead,
// or "" if nothing better is known: a new user's first mistake is a frame in the
// other serializer (or hex text without --hex-input), and a bare parse error
// does not say so.
std::string serializer_hint(const Bytes& f, Serializer given, bool hex_input) {
  for (Serializer other : {Serializer::kJson, Serializer::kMsgPack, Serializer::kCbor}) {
    if (other == given) continue;
    try {
      (void)decode_frame(f, other, kCliLimits);
      const char* name = other == Serializer::kJson ? "JSON" : other == Serializer::kMsgPack ? "MessagePack" : "CBOR";
      return "this looks like " + std::string(name) + " (it decodes with --serializer " +
             std::string(to_string(other)) + ")";
    } catch (const Error&) {
    }
  }
  std::size_t i = 0;
  while (i < f.size() && (f[i] == ' ' || f[i] == '\n' || f[i] == '\r' || f[i] == '\t')) ++i;
  if (i == f.size()) return "";
  if (!hex_input) {
    std::size_t digits = 0;
    bool all_hex = true;
    for (std::size_t j = i; j < f.size() && all_hex; ++j) {
      const unsigned char c = f[j];
      if (std::isxdigit(c)) {
        ++digits;
      } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        all_hex = false;
      }
    }
    if (all_hex && digits % 2 == 0) return "this looks like hex text: add --hex-input";
  }
  const std::uint8_t b = f[i];
  // WAMP frames are arrays of 4 to 7 elements: these are their array heads.
  if (given != Serializer::kJson && b == '[') return "this looks like JSON (it starts with '['): try --serializer json";
  if (given != Serializer::kMsgPack && i == 0 && ((b >= 0x94 && b <= 0x97) || b == 0xdc || b == 0xdd)) {
    return "this looks like MessagePack (it starts with an array head): try --serializer msgpack";
  }
  if (given != Serializer::kCbor && i == 0 && ((b >= 0x84 && b <= 0x87) || b == 0x98 || b == 0x9f)) {
    return "this looks like CBOR (it starts with an array head): try --serializer cbor";
  }
  return "";
}

// decode_frame, with serializer_hint appended to the error message.
Message decode_with_hint(const Bytes& frame, Serializer ser, bool hex_input) {
  try {
    return decode_frame(frame, ser, kCliLimits);
  } catch (const Error& e) {
    const std::string hint = serializer_hint(frame, ser, hex_input);
    if (hint.empty()) throw;
    throw Error(e.code(), std::string(e.what()) + "; " + hint);
  }
}

KeyRing load_keyring(const std::string& path) {
  std::string text = read_all(path);
  try {
    return load_keyring_json(text);
  } catch (const Error& e) {
    throw Error(e.code(), "keyring '" + path + "': " + e.what());
  }
}

bool frame_has_uri(MessageType t) {
  return t == MessageType::kPublish || t == MessageType::kCall || t == MessageType::kError;
}

// The inspect form of a message.
Value inspect_value(const Message& m) {
  Object o;
  o.emplace_back("type", Value(to_string(m.type)));
  switch (m.type) {
    case MessageType::kEvent:
      o.emplace_back("subscription", Value(m.subscription));
      o.emplace_back("publication", Value(m.publication));
      break;
    case MessageType::kInvocation:
      o.emplace_back("request", Value(m.request));
      o.emplace_back("registration", Value(m.registration));
      break;
    case MessageType::kError:
      o.emplace_back("request_type", Value(m.request_type));
      o.emplace_back("request", Value(m.request));
      break;
    default:
      o.emplace_back("request", Value(m.request));
  }
  o.emplace_back("options", Value(m.options));
  if (frame_has_uri(m.type)) o.emplace_back("uri", Value(m.uri));
  if (m.payload) {
    o.emplace_back("payload", Value(Binary{*m.payload}));
    o.emplace_back("payload_length", Value(static_cast<std::uint64_t>(m.payload->size())));
  } else {
    if (m.args) o.emplace_back("args", *m.args);
    if (m.kwargs) o.emplace_back("kwargs", *m.kwargs);
  }
  return Value(std::move(o));
}

void print_json(const Value& v) { write_all(std::nullopt, json_write(v) + "\n"); }

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

int cmd_keygen(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {}, {"hex", "json", "keyid", "help"}, 0);
  if (a.has("help")) return std::fputs(kKeygenHelp, stdout), kOk;
  const KeyEncoding enc = a.has("hex") ? KeyEncoding::kHex : KeyEncoding::kBase64;
  SecretKey sk = SecretKey::generate();
  const std::string priv = sk.encode(enc);
  const std::string pub = sk.public_key().encode(enc);
  std::optional<std::string> keyid;
  if (a.has("keyid")) keyid = ppt_keyid_write_form(ppt_key_id(sk.public_key()), cli_ppt_crypto());
  if (a.has("json")) {
    Object o{{"private", Value(priv)}, {"public", Value(pub)}};
    if (keyid) o.emplace_back("keyid", Value(*keyid));
    print_json(Value(std::move(o)));
  } else {
    write_all(std::nullopt, "private: " + priv + "\npublic: " + pub + "\n" + (keyid ? "keyid: " + *keyid + "\n" : ""));
  }
  return kOk;
}

int cmd_seal(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2,
                      {"type", "serializer", "keyring", "uri", "request", "request-type", "subscription", "publication",
                       "registration", "options", "args", "kwargs", "nonce", "role", "output", "ppt-keys", "cipher"},
                      {"plain", "allow-plaintext", "autobahn-fallback", "ppt", "hex", "help"}, 0);
  if (a.has("help")) return std::fputs(kSealHelp, stdout), kOk;
  if (a.get("cipher") && !a.get("ppt-keys")) throw UsageError("--cipher needs --ppt-keys");

  Message m;
  {
    std::string t = a.require("type");
    auto type = message_type_from_string(t);
    if (!type) throw UsageError("--type must be PUBLISH, EVENT, CALL, INVOCATION, YIELD, RESULT or ERROR, not '" + t + "'");
    m.type = *type;
  }
  const Serializer ser = parse_serializer(a);
  if (auto v = a.get("request")) m.request = parse_id("request", *v);
  if (m.type == MessageType::kError) {
    // Autobahn's Error.parse accepts only these request types: a default would write a frame nobody reads.
    const std::string rt = a.require("request-type");
    m.request_type = parse_i64("request-type", rt);
    constexpr std::int64_t kTypes[] = {16, 32, 34, 48, 64, 66, 68};
    if (std::find(std::begin(kTypes), std::end(kTypes), m.request_type) == std::end(kTypes)) {
      throw UsageError("--request-type must be the type of a request an ERROR answers: 16 PUBLISH, 32 SUBSCRIBE, "
                       "34 UNSUBSCRIBE, 48 CALL, 64 REGISTER, 66 UNREGISTER or 68 INVOCATION, not " + rt);
    }
  } else if (a.get("request-type")) {
    throw UsageError("--request-type is for ERROR only");
  }
  if (auto v = a.get("subscription")) m.subscription = parse_id("subscription", *v);
  if (auto v = a.get("publication")) m.publication = parse_id("publication", *v);
  if (auto v = a.get("registration")) m.registration = parse_id("registration", *v);
  if (auto v = a.get("options")) {
    Value o = json_option("options", *v);
    if (o.kind() != Value::Kind::kObject) throw UsageError("--options must be a JSON object");
    m.options = o.as_object();
  }
  // Omitted --args/--kwargs are what an Autobahn session sends for publish(topic) / call(proc): [] and {}.
  // (Plain frames leave empty ones off the wire either way: encode_frame follows marshal().)
  m.args = Value(Array{});
  m.kwargs = Value(Object{});
  if (auto v = a.get("args")) {
    Value args = json_option("args", *v);
    if (!args.is_null() && args.kind() != Value::Kind::kArray) throw UsageError("--args must be a JSON array or null");
    m.args.reset();
    if (!args.is_null()) m.args = std::move(args);
  }
  if (auto v = a.get("kwargs")) {
    Value kwargs = json_option("kwargs", *v);
    if (!kwargs.is_null() && kwargs.kind() != Value::Kind::kObject) {
      throw UsageError("--kwargs must be a JSON object or null");
    }
    m.kwargs.reset();
    if (!kwargs.is_null()) m.kwargs = std::move(kwargs);
  }
  std::optional<std::string> uri = a.get("uri");
  if (frame_has_uri(m.type)) {
    if (!uri) throw UsageError("--uri is required for " + std::string(to_string(m.type)));
    m.uri = *uri;
  }

  Message out = m;
  if (!a.has("plain")) {
    std::optional<PptKeyStore> ppt_store;
    if (auto f = a.get("ppt-keys")) ppt_store.emplace(load_ppt_keys(*f));
    KeyRing ring = ppt_store ? KeyRing() : load_keyring(a.require("keyring"));
    Role role;
    if (auto r = parse_role(a)) {
      role = *r;
    } else {
      try {
        role = seal_role(m.type);
      } catch (const Error&) {
        throw UsageError(std::string("a client never seals ") + std::string(to_string(m.type)) +
                         " (a router forwards it): pass --role originator|responder to produce one");
      }
    }
    // --nonce exists to reproduce known-answer vectors: it routes to the *_for_testing functions, the only
    // API that takes a caller's nonce. Without it every seal draws a fresh random nonce.
    std::optional<std::array<std::uint8_t, kNonceBytes>> nonce;
    Bytes ppt_nonce;
    if (auto n = a.get("nonce")) {
      Bytes raw;
      try {
        raw = hex_decode(*n);
      } catch (const Error&) {
        throw UsageError("--nonce must be 48 hex digits");
      }
      if (ppt_store) {
        ppt_nonce = raw;  // 24 bytes for xsalsa20poly1305, 12 for aes256gcm: checked by the cipher
        if (ppt_nonce.empty()) throw UsageError("--nonce must not be empty");
      } else if (raw.size() != kNonceBytes) {
        throw UsageError("--nonce must be 48 hex digits (24 bytes)");
      } else {
        nonce.emplace();
        std::copy(raw.begin(), raw.end(), nonce->begin());
      }
    }
    std::optional<std::string_view> payload_uri;
    if (uri) payload_uri = *uri;
    if (a.has("ppt") || ppt_store) {
      try {
        if (ppt_store) {
          const std::string cipher = a.get("cipher").value_or(std::string(kPptCipherXsalsa20Poly1305));
          out = ppt_nonce.empty() ? ppt_store->seal(role, m, cipher, payload_uri)
                                  : ppt_store->seal_for_testing(role, m, cipher, payload_uri, ppt_nonce);
        } else {
          out = nonce ? ppt_seal_for_testing(ring, role, m, payload_uri, *nonce) : ppt_seal(ring, role, m, payload_uri);
        }
      } catch (const Error& e) {
        if (e.code() == ErrorCode::kInvalidArgument && !payload_uri) {
          throw UsageError(std::string(to_string(m.type)) + " does not carry the URI its payload is for: pass --uri");
        }
        throw;
      }
    } else {
      PayloadCodecOptions opts;
      opts.autobahn_plaintext_fallback = a.has("autobahn-fallback");
      PayloadCodec codec(ring, opts);
      std::optional<Message> sealed;
      try {
        sealed = nonce ? seal_message_with_role_for_testing(codec, role, m, payload_uri, *nonce)
                       : seal_message_with_role(codec, role, m, payload_uri);
      } catch (const Error& e) {
        if (e.code() == ErrorCode::kInvalidArgument && !payload_uri) {
          throw UsageError(std::string(to_string(m.type)) + " does not carry the URI its payload is for: pass --uri");
        }
        throw;
      }
      if (sealed) {
        out = std::move(*sealed);
      } else if (a.has("allow-plaintext") || a.has("autobahn-fallback")) {
        std::fprintf(stderr, "wampbox: warning: no usable key for '%s': writing the plain frame\n",
                     std::string(payload_uri.value_or(m.uri)).c_str());
      } else {
        throw Error(ErrorCode::kNoKey, "no key in the keyring covers URI '" +
                                           std::string(payload_uri.value_or(m.uri)) +
                                           "' (--allow-plaintext writes the frame unencrypted)");
      }
    }
  }
  Bytes frame = encode_frame(out, ser);
  std::string data(frame.begin(), frame.end());
  if (a.has("hex")) data = hex_encode(frame) + "\n";
  // Raw MessagePack/CBOR on a terminal is garbage at best and terminal escapes at worst; JSON frames are text.
  if (!a.has("hex") && !a.get("output") && ser != Serializer::kJson && ::isatty(STDOUT_FILENO)) {
    throw UsageError("refusing to write a binary " + std::string(to_string(ser)) +
                     " frame to a terminal: give --hex, --output FILE, or --output - to force it");
  }
  write_all(a.get("output"), data);
  return kOk;
}

int cmd_open(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"serializer", "keyring", "uri", "role", "ppt-keys"}, {"hex-input", "no-check-uri", "help"},
                      1);
  if (a.has("help")) return std::fputs(kOpenHelp, stdout), kOk;
  const Serializer ser = parse_serializer(a);
  std::optional<PptKeyStore> ppt_store;
  if (auto f = a.get("ppt-keys")) ppt_store.emplace(load_ppt_keys(*f));
  const std::string keyring_path = ppt_store ? std::string() : a.require("keyring");
  Bytes frame = read_frame(a);
  KeyRing ring = ppt_store ? KeyRing() : load_keyring(keyring_path);
  Message m = decode_with_hint(frame, ser, a.has("hex-input"));

  Role role;
  if (auto r = parse_role(a)) {
    role = *r;
  } else {
    switch (m.type) {
      case MessageType::kPublish:
      case MessageType::kCall: role = Role::kResponder; break;  // read by the subscriber / callee
      case MessageType::kYield: role = Role::kOriginator; break;  // read by the caller
      default: role = open_role(m.type);
    }
  }
  std::optional<std::string_view> uri;
  std::optional<std::string> uri_arg = a.get("uri");
  if (uri_arg) uri = *uri_arg;
  auto need_uri = [&]() {
    return UsageError(std::string(to_string(m.type)) + " does not carry the URI its payload is for: pass --uri");
  };

  Object result;
  result.emplace_back("message", inspect_value(m));
  if (!m.payload && ppt_attributes(m.options)) {
    PptAttributes attrs;
    Message opened;
    try {
      opened = ppt_store ? ppt_store->open(role, m, uri, &attrs) : ppt_open(ring, role, m, uri, &attrs);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kInvalidArgument && !uri) throw need_uri();
      throw;
    }
    result.emplace_back("decrypted", Value(Object{{"args", opened.args.value_or(Value())},
                                                  {"kwargs", opened.kwargs.value_or(Value())}}));
    Object p{{"ppt_scheme", Value(attrs.scheme)}};
    if (attrs.serializer) p.emplace_back("ppt_serializer", Value(*attrs.serializer));
    if (attrs.cipher) p.emplace_back("ppt_cipher", Value(*attrs.cipher));
    if (attrs.keyid) p.emplace_back("ppt_keyid", Value(*attrs.keyid));
    result.emplace_back("ppt", Value(std::move(p)));
  } else if (!m.payload) {
    result.emplace_back("decrypted", Value());
  } else {
    PayloadCodecOptions opts;
    opts.check_uri = !a.has("no-check-uri");
    PayloadCodec codec(ring, opts);
    std::string dec_uri;
    Message opened;
    try {
      opened = open_message_with_role(codec, role, m, uri, &dec_uri);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kInvalidArgument && !uri) throw need_uri();
      throw;
    }
    result.emplace_back("decrypted", Value(Object{{"uri", Value(dec_uri)},
                                                  {"args", opened.args.value_or(Value())},
                                                  {"kwargs", opened.kwargs.value_or(Value())}}));
  }
  print_json(Value(std::move(result)));
  return kOk;
}

int cmd_inspect(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"serializer"}, {"hex-input", "help"}, 1);
  if (a.has("help")) return std::fputs(kInspectHelp, stdout), kOk;
  const Serializer ser = parse_serializer(a);
  Bytes frame = read_frame(a);
  print_json(inspect_value(decode_with_hint(frame, ser, a.has("hex-input"))));
  return kOk;
}

int run(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kMainHelp, stderr);
    return kUsage;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    if (cmd == "help" && argc >= 3) {
      const std::string sub = argv[2];
      if (sub == "keygen") return std::fputs(kKeygenHelp, stdout), kOk;
      if (sub == "seal") return std::fputs(kSealHelp, stdout), kOk;
      if (sub == "open") return std::fputs(kOpenHelp, stdout), kOk;
      if (sub == "inspect") return std::fputs(kInspectHelp, stdout), kOk;
    }
    std::fputs(kMainHelp, stdout);
    return kOk;
  }
  if (cmd == "--version") {
    std::printf("wampbox %s\n", WAMPBOX_VERSION);
    return kOk;
  }
  if (cmd == "keygen") return cmd_keygen(argc, argv);
  if (cmd == "seal") return cmd_seal(argc, argv);
  if (cmd == "open") return cmd_open(argc, argv);
  if (cmd == "inspect") return cmd_inspect(argc, argv);
  throw UsageError("unknown command '" + cmd + "'");
}

}  // namespace
}  // namespace wampbox::cli

int main(int argc, char** argv) {
  using namespace wampbox::cli;
  const std::string cmd = argc >= 2 ? argv[1] : "";
  const std::string hint = (cmd == "keygen" || cmd == "seal" || cmd == "open" || cmd == "inspect")
                               ? " (see wampbox " + cmd + " --help)"
                               : " (see wampbox --help)";
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "wampbox: usage: %s (wamp.error.invalid_argument)%s\n", e.what(), hint.c_str());
    return kUsage;
  } catch (const IoError& e) {
    std::fprintf(stderr, "wampbox: io_error: %s\n", e.what());
    return kIo;
  } catch (const wampbox::Error& e) {
    std::fprintf(stderr, "wampbox: %s: %s (%s)\n", std::string(wampbox::to_string(e.code())).c_str(), e.what(),
                 std::string(e.wamp_uri()).c_str());
    return exit_code_for(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wampbox: internal_error: %s\n", e.what());
    return kMalformed;
  }
}
