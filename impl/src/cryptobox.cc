#include "wampbox/cryptobox.h"

#include <sodium.h>

#include <span>
#include <string>
#include <utility>

#include "json_write_internal.h"
#include "wampbox/encoding.h"
#include "wampbox/error.h"
#include "json_internal.h"
#include "msgpack_cbor_common.h"
#include "wampbox/json.h"
#include "wampbox/keys.h"

namespace wampbox {
namespace {

void check_args(const Value& args, const Value& kwargs) {
  if (args.kind() != Value::Kind::kArray && !args.is_null()) {
    throw Error(ErrorCode::kInvalidArgument, "cryptobox: args must be an array or null");
  }
  if (kwargs.kind() != Value::Kind::kObject && !kwargs.is_null()) {
    throw Error(ErrorCode::kInvalidArgument, "cryptobox: kwargs must be an object or null");
  }
}

// Wipes a plaintext buffer's contents (not its capacity: bytes past size()
// were wiped when they were last in use) and empties it, however the scope
// is left.
template <class Buffer>
struct WipeOnExit {
  explicit WipeOnExit(Buffer& b) : buf(b) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() {
    if (!buf.empty()) sodium_memzero(buf.data(), buf.size());
    buf.clear();
  }
  Buffer& buf;
};

const char* role_name(Role r) { return r == Role::kOriginator ? "originator" : "responder"; }

// Wipes a decrypted buffer unless disarmed (once the JSON reader, which wipes
// its input however the parse ends, has taken it over).
struct WipeUntilParsed {
  std::uint8_t* p;
  std::size_t n;
  bool armed = true;
  ~WipeUntilParsed() {
    if (armed && n != 0) sodium_memzero(p, n);
  }
};

}  // namespace

void cryptobox_plaintext_append(std::string_view uri, const Value& args, const Value& kwargs, std::string& out) {
  // Key order uri, args, kwargs: the order of the dict literal in Autobahn's
  // KeyRing.encode. One sink for the whole plaintext: the URI goes through
  // the JSON writer's string escaper without building a Value (the hot path
  // must not allocate).
  const std::size_t base = out.size();
  json_internal::Sink<std::string> sink(out);
  try {
    sink.write("{\"uri\":", 7);
    json_internal::write_string(uri, sink);
    sink.write(",\"args\":", 8);
    json_internal::write_value(args, sink);
    sink.write(",\"kwargs\":", 10);
    json_internal::write_value(kwargs, sink);
    sink.put('}');
  } catch (...) {
    // `out` as it was, with no plaintext left past its end.
    sink.finish();
    sodium_memzero(out.data() + base, out.size() - base);
    out.resize(base);
    throw;
  }
  sink.finish();
}

PayloadCodec::PayloadCodec(const KeyRing& ring, PayloadCodecOptions options) : ring_(&ring), options_(options) {
  if (options_.backend == nullptr) options_.backend = &libsodium_backend();
}

const SharedKey* PayloadCodec::encode_key(Role role, std::string_view uri, const Value& args,
                                          const Value& kwargs) const {
  check_args(args, kwargs);
  // No key covers the URI: the message goes in plaintext. Keys that are all
  // grace or retired: Error(kNoKey), never plaintext (KeyRing::send_key).
  const Key* key = ring_->send_key(uri, role);
  if (key == nullptr) return nullptr;
  if (!key->has_role(role)) {
    if (options_.autobahn_plaintext_fallback) return nullptr;
    throw Error(ErrorCode::kMissingRole, std::string("cryptobox: the key for \"") + std::string(uri) + "\" has no " +
                                             role_name(role) +
                                             " box; refusing to send in plaintext (Autobahn would, silently)");
  }
  return &key->shared(role);
}

bool PayloadCodec::encode_into_core(Role role, std::string_view uri, const Value& args, const Value& kwargs,
                                    Bytes& out, std::string& scratch,
                                    const std::array<std::uint8_t, kNonceBytes>* fixed_nonce) const {
  // `out` never keeps a previous message's payload: every path that does not
  // seal empties it. The sealing path overwrites it in place instead of
  // clearing it first, so that a reused buffer of the same size is not
  // zero-filled again on every message (vector::resize fills only growth).
  struct ClearUnlessSealed {
    Bytes& out;
    bool sealed = false;
    ~ClearUnlessSealed() {
      if (!sealed) out.clear();
    }
  } guard{out};
  const SharedKey* key = encode_key(role, uri, args, kwargs);
  if (key == nullptr) return false;
  const SharedKey& shared = *key;
  WipeOnExit wipe{scratch};
  scratch.clear();
  cryptobox_plaintext_append(uri, args, kwargs, scratch);
  const std::span<const std::uint8_t> plaintext(reinterpret_cast<const std::uint8_t*>(scratch.data()),
                                                scratch.size());
  if (plaintext.size() > crypto_box_MESSAGEBYTES_MAX - kMacBytes) {
    throw Error(ErrorCode::kInvalidArgument, "cryptobox: plaintext too large");
  }
  out.resize(kPayloadOverhead + plaintext.size());
  if (fixed_nonce != nullptr) {
    box_seal_into_for_testing(*options_.backend, shared, plaintext, out, *fixed_nonce);
  } else {
    box_seal_into(*options_.backend, shared, plaintext, out);
  }
  guard.sealed = true;
  return true;
}

bool PayloadCodec::encode_into(Role role, std::string_view uri, const Value& args, const Value& kwargs, Bytes& out,
                               std::string& scratch) const {
  return encode_into_core(role, uri, args, kwargs, out, scratch, nullptr);
}

bool PayloadCodec::encode_into_for_testing(Role role, std::string_view uri, const Value& args, const Value& kwargs,
                                           Bytes& out, std::string& scratch,
                                           const std::array<std::uint8_t, kNonceBytes>& nonce) const {
  return encode_into_core(role, uri, args, kwargs, out, scratch, &nonce);
}

std::optional<EncodedPayload> PayloadCodec::encode(Role role, std::string_view uri, const Value& args,
                                                   const Value& kwargs) const {
  EncodedPayload p;
  std::string scratch;
  if (!encode_into_core(role, uri, args, kwargs, p.payload, scratch, nullptr)) return std::nullopt;
  p.enc_key = enc_key_for(role, uri);
  return p;
}

std::optional<EncodedPayload> PayloadCodec::encode_for_testing(
    Role role, std::string_view uri, const Value& args, const Value& kwargs,
    const std::array<std::uint8_t, kNonceBytes>& nonce) const {
  EncodedPayload p;
  std::string scratch;
  if (!encode_into_core(role, uri, args, kwargs, p.payload, scratch, &nonce)) return std::nullopt;
  p.enc_key = enc_key_for(role, uri);
  return p;
}

std::optional<std::string> PayloadCodec::enc_key_for(Role role, std::string_view uri) const {
  std::string_view id;
  (void)ring_->send_key(uri, role, &id);
  if (id.empty()) return std::nullopt;
  return std::string(id);
}

// --- receiving -------------------------------------------------------------------

namespace {
const Value kNullValue;
}  // namespace

struct OpenContext::Impl {
  json_internal::InPlaceReader reader{true};  // decrypt target and parser
  binary_detail::ValuePool pool;       // storage of earlier documents
  Value doc;                           // the result's document (an object) or null
  std::string_view uri;
  const Value* args = &kNullValue;
  const Value* kwargs = &kNullValue;

  // Drops the result: its storage goes back into the pool.
  void reset() noexcept {
    uri = {};
    args = kwargs = &kNullValue;
    pool.recycle(doc);
  }
};

OpenContext::OpenContext() : impl_(std::make_unique<Impl>()) {}
OpenContext::~OpenContext() { clear(); }  // the members' destructors wipe too; this keeps the order obvious
OpenContext::OpenContext(OpenContext&&) noexcept = default;
OpenContext& OpenContext::operator=(OpenContext&& other) noexcept {
  if (this != &other) {
    release();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

std::string_view OpenContext::uri() const noexcept { return impl_ ? impl_->uri : std::string_view(); }
const Value& OpenContext::args() const noexcept { return impl_ ? *impl_->args : kNullValue; }
const Value& OpenContext::kwargs() const noexcept { return impl_ ? *impl_->kwargs : kNullValue; }

void OpenContext::clear() noexcept {
  if (!impl_) return;
  impl_->reset();
  impl_->pool.wipe();
  impl_->reader.wipe();
}

void OpenContext::release() noexcept {
  if (!impl_) return;
  clear();
  impl_.reset();  // a moved-from or released context makes a new Impl on its next open
}

void PayloadCodec::open_into(Role role, std::string_view envelope_uri, std::string_view enc_algo,
                             std::string_view enc_serializer, std::span<const std::uint8_t> payload,
                             OpenContext& ctx, std::optional<std::string_view> enc_key) const {
  if (!ctx.impl_) ctx.impl_ = std::make_unique<OpenContext::Impl>();
  OpenContext::Impl& c = *ctx.impl_;
  c.reset();
  // The order of checks is Autobahn's (see decode in cryptobox.h); in
  // particular the serializer is only looked at once the MAC has verified.
  const Key& first = key_for_decode(role, envelope_uri, enc_algo, enc_key);
  const std::size_t n = payload.size() < kPayloadOverhead ? 0 : payload.size() - kPayloadOverhead;
  // Decrypted straight into the parser's input buffer: the plaintext is
  // parsed where the cipher wrote it, never copied. Until open_decrypted
  // takes over (its parse and its guard wipe on failure), this guard does.
  std::uint8_t* plain = c.reader.input(n);
  WipeUntilParsed wipe_plain{plain, n};
  decrypt_with_candidates(role, envelope_uri, enc_key, first, payload, std::span<std::uint8_t>(plain, n));
  wipe_plain.armed = false;
  open_decrypted(envelope_uri, enc_serializer, n, ctx);
}

void PayloadCodec::reset_context(OpenContext& ctx) {
  if (!ctx.impl_) ctx.impl_ = std::make_unique<OpenContext::Impl>();
  ctx.impl_->reset();
}

std::uint8_t* PayloadCodec::parse_buffer(OpenContext& ctx, std::size_t n) { return ctx.impl_->reader.input(n); }

const Key& PayloadCodec::key_for_decode(Role role, std::string_view envelope_uri, std::string_view enc_algo,
                                        std::optional<std::string_view> enc_key) const {
  if (enc_algo != kEncAlgoCryptobox) {
    throw Error(ErrorCode::kUnsupportedEncAlgo, "cryptobox: unsupported enc_algo \"" + std::string(enc_algo) +
                                                    "\" (only \"cryptobox\" is supported)");
  }
  // Which keys to try (KeyRing::receive_key): the key enc_key names, or,
  // with no enc_key (every Autobahn sender), the current key and then each
  // grace key of a rotating prefix. A one-key prefix is exactly Autobahn's
  // lookup: one key, its MAC decides. This is attempt 0, whose errors are typed.
  const Key* key = nullptr;
  try {
    key = ring_->receive_key(envelope_uri, enc_key, role, 0);
  } catch (const Error& e) {
    throw Error(e.code(), std::string("cryptobox: received an encrypted payload for \"") + std::string(envelope_uri) +
                              "\": " + e.what());
  }
  if (key == nullptr) {  // receive_key throws instead for attempt 0; kept for safety
    throw Error(ErrorCode::kNoKey, "cryptobox: received an encrypted payload for \"" + std::string(envelope_uri) +
                                       "\" but no key matches");
  }
  if (!key->has_role(role)) {
    throw Error(ErrorCode::kMissingRole, std::string("cryptobox: the key for \"") + std::string(envelope_uri) +
                                             "\" has no " + role_name(role) + " box");
  }
  return *key;
}

void PayloadCodec::decrypt_with_candidates(Role role, std::string_view envelope_uri,
                                           std::optional<std::string_view> enc_key, const Key& first,
                                           std::span<const std::uint8_t> payload,
                                           std::span<std::uint8_t> plain) const {
  std::optional<Error> failed;  // the first attempt's decrypt_failed, thrown when no other key opens it
  const Key* key = &first;
  for (std::size_t attempt = 0;;) {
    try {
      box_open_into(*options_.backend, key->shared(role), payload, plain);
      return;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kDecryptFailed) throw;
      if (!failed) failed.emplace(e);
    }
    do {  // the next grace key with this role's box
      key = ring_->receive_key(envelope_uri, enc_key, role, ++attempt);
      if (key == nullptr) throw *failed;  // every candidate failed
    } while (!key->has_role(role));
  }
}

bool PayloadCodec::has_more_candidates(Role role, std::string_view envelope_uri,
                                       std::optional<std::string_view> enc_key) const {
  return ring_->receive_key(envelope_uri, enc_key, role, 1) != nullptr;
}

void PayloadCodec::open_decrypted(std::string_view envelope_uri, std::string_view enc_serializer, std::size_t n,
                                  OpenContext& ctx) const {
  OpenContext::Impl& c = *ctx.impl_;
  // The n decrypted bytes are in the reader's input buffer (input(n) again
  // returns it unchanged: it has room for n): wiped by this guard until the
  // parse starts, by the parse after that.
  WipeUntilParsed wipe_plain{c.reader.input(n), n};
  if (enc_serializer != kEncSerializerJson) {
    throw Error(ErrorCode::kUnsupportedEncSerializer, "cryptobox: unsupported enc_serializer \"" +
                                                          std::string(enc_serializer) +
                                                          "\" (only \"json\" is supported)");
  }
  if (n == 0) throw Error(ErrorCode::kMalformedPlaintext, "cryptobox: decrypted payload is empty");

  // On any error below, the document is wiped and its storage pooled.
  struct DropOnError {
    OpenContext::Impl& c;
    Value& doc;
    bool ok = false;
    ~DropOnError() {
      if (ok) return;
      binary_detail::wipe_unshared(doc);
      c.pool.recycle(doc);
      c.reader.wipe();  // a successful parse leaves the plaintext in the parse buffers
    }
  } guard{c, c.doc};
  try {
    wipe_plain.armed = false;  // from here a failed parse wipes the input, `guard` everything after it
    c.doc = c.reader.parse(n, options_.limits, &c.pool);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kLimitExceeded) throw;  // a cap, not a malformed payload; the message quotes no data
    // The parser's message may quote the plaintext: keep only the code.
    throw Error(ErrorCode::kMalformedPlaintext,
                "cryptobox: decrypted payload is not valid JSON (" + std::string(to_string(e.code())) + ")");
  }
  const Value& doc = c.doc;
  if (doc.kind() != Value::Kind::kObject) {
    throw Error(ErrorCode::kMalformedPlaintext, "cryptobox: decrypted payload is not a JSON object");
  }
  // Autobahn reads the members with dict.get(): absent args/kwargs are None.
  // Other members are ignored, as there.
  const Value* uri = doc.find("uri");
  if (uri == nullptr || uri->kind() != Value::Kind::kString) {
    throw Error(ErrorCode::kMalformedPlaintext, "cryptobox: decrypted payload has no string \"uri\"");
  }
  const Value* args = doc.find("args");
  if (args != nullptr && args->kind() != Value::Kind::kArray && !args->is_null()) {
    throw Error(ErrorCode::kMalformedPlaintext, "cryptobox: decrypted \"args\" is neither an array nor null");
  }
  const Value* kwargs = doc.find("kwargs");
  if (kwargs != nullptr && kwargs->kind() != Value::Kind::kObject && !kwargs->is_null()) {
    throw Error(ErrorCode::kMalformedPlaintext, "cryptobox: decrypted \"kwargs\" is neither an object nor null");
  }
  if (options_.check_uri && uri->as_string() != envelope_uri) {
    // The decrypted URI is plaintext: it is not quoted (nor is any decrypted byte in any error).
    throw Error(ErrorCode::kUriMismatch, "cryptobox: the URI inside the encrypted payload differs from the envelope URI (\"" +
                                             std::string(envelope_uri) + "\")");
  }
  guard.ok = true;
  c.uri = uri->as_string();
  if (args != nullptr) c.args = args;
  if (kwargs != nullptr) c.kwargs = kwargs;
}

DecodedPayload PayloadCodec::decode(Role role, std::string_view envelope_uri, const EncodedPayload& payload) const {
  std::optional<std::string_view> enc_key;
  if (payload.enc_key) enc_key = *payload.enc_key;
  return decode(role, envelope_uri, payload.enc_algo, payload.enc_serializer, payload.payload, enc_key);
}

DecodedPayload PayloadCodec::decode(Role role, std::string_view envelope_uri, std::string_view enc_algo,
                                    std::string_view enc_serializer, std::span<const std::uint8_t> payload,
                                    std::optional<std::string_view> enc_key) const {
  // open_into with a context per thread, cleared (wiped) after every call so
  // that only the returned values outlive it; a huge payload gets a context
  // of its own, so that the thread's does not keep its buffers.
  constexpr std::size_t kThreadContextMaxPayload = std::size_t{2} << 20;
  struct ClearAfter {
    OpenContext& ctx;
    ~ClearAfter() { ctx.clear(); }
  };
  auto run = [&](OpenContext& ctx) {
    ClearAfter clear{ctx};
    open_into(role, envelope_uri, enc_algo, enc_serializer, payload, ctx, enc_key);
    // args/kwargs are shared with the context's document, not copied: clear()
    // leaves shared containers to their other owner (this result).
    return DecodedPayload{std::string(ctx.uri()), ctx.args(), ctx.kwargs()};
  };
  if (payload.size() > kThreadContextMaxPayload) {
    OpenContext ctx;
    return run(ctx);
  }
  thread_local OpenContext ctx;
  return run(ctx);
}

}  // namespace wampbox
