// The WAMP-cryptobox payload codec: (uri, args, kwargs) <-> encrypted bytes,
// byte-compatible with Autobahn|Python's cryptobox.KeyRing.encode/decode.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wampbox/backend.h"
#include "wampbox/error.h"
#include "wampbox/keyring.h"
#include "wampbox/limits.h"
#include "wampbox/value.h"

namespace wampbox {

inline constexpr std::string_view kEncAlgoCryptobox = "cryptobox";
inline constexpr std::string_view kEncSerializerJson = "json";

/// What travels in place of Arguments/ArgumentsKw, with the Options/Details
/// attributes that describe it.
struct EncodedPayload {
  Bytes payload;                              // nonce(24) || mac(16) || ciphertext
  std::string enc_algo{kEncAlgoCryptobox};
  std::string enc_serializer{kEncSerializerJson};
  std::optional<std::string> enc_key;         // the key id, for keyring prefixes with rotation (KeyRing::add_key); Autobahn never sets it
};

struct DecodedPayload {
  std::string uri;  // the "uri" inside the plaintext (already checked, see decode)
  Value args;       // Array or Null
  Value kwargs;     // Object or Null
};

/// The exact plaintext Autobahn encrypts:
/// {"uri":<uri>,"args":<args>,"kwargs":<kwargs>} written by json_write.
void cryptobox_plaintext_append(std::string_view uri, const Value& args, const Value& kwargs, std::string& out);

/// Caller-owned storage that PayloadCodec::open_into decodes into and reuses:
/// the buffer the payload is decrypted into (parsed there, in place), the
/// JSON parser's buffers, and the strings, arrays and objects of the decoded
/// document, which the next open_into takes apart and fills again. Once it
/// has opened a message of a given shape, opening another of that shape and
/// no larger allocates nothing (bench/: allocs_per_msg of path/receiver).
///
/// Wiping: the context holds the last result (uri, args, kwargs), as a
/// returned DecodedPayload stays with its caller, and with it the buffers it
/// was decoded from: the decrypted plaintext, simdjson's string buffer and
/// tape, the pooled strings and containers of earlier results (parts of
/// earlier plaintexts stay past what later messages overwrote). clear(),
/// release() and the destructor wipe every byte the context holds; a failed
/// open_into wipes what it decrypted before it throws; a buffer that must grow
/// is wiped before it is freed. (Wiping the plaintext and parser buffers after
/// every successful open would not shorten the life of a plaintext the result
/// still holds, and cost ~5% of the receive time at 64 KiB: docs/performance.md.)
/// Not wiped: what a caller copies out (a copied args/kwargs shares its
/// containers; the context then leaves them to the copy), and strings of up
/// to 15 bytes moved by the growth of the context's own lists (they live
/// inline in the string object).
///
/// One context per receiving thread: not thread-safe. Movable, not copyable.
class OpenContext {
 public:
  OpenContext();
  ~OpenContext();
  OpenContext(OpenContext&&) noexcept;
  OpenContext& operator=(OpenContext&&) noexcept;
  OpenContext(const OpenContext&) = delete;
  OpenContext& operator=(const OpenContext&) = delete;

  /// The last successful open_into's result; "" and null before the first,
  /// after a failed one and after clear(). Valid until the next open_into,
  /// clear(), release() or the context's destruction.
  [[nodiscard]] std::string_view uri() const noexcept;
  [[nodiscard]] const Value& args() const noexcept;    // Array or Null
  [[nodiscard]] const Value& kwargs() const noexcept;  // Object or Null

  /// Drops the result and wipes every buffer the context holds, keeping them
  /// for reuse.
  void clear() noexcept;
  /// clear(), then frees the buffers (the context otherwise keeps the
  /// capacity of the largest message it opened).
  void release() noexcept;

 private:
  friend class PayloadCodec;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct PayloadCodecOptions {
  /// Autobahn sends a message in plaintext, silently, when a key matches the
  /// URI but lacks the box for the needed role. By default wampbox throws
  /// Error(kMissingRole) instead; set this to reproduce Autobahn.
  bool autobahn_plaintext_fallback = false;
  /// Compare the decrypted "uri" with the envelope URI (Autobahn's session
  /// does this after decode); mismatch throws Error(kUriMismatch).
  bool check_uri = true;
  /// Who does the per-message XSalsa20-Poly1305 work (seal in encode, open in
  /// decode): any backend from available_backends(); nullptr means libsodium.
  /// The keyring's shared keys are not affected: Key derives them once, with
  /// libsodium's crypto_box_beforenm (and its low-order policy), whatever
  /// backend the codec uses; every conforming backend gives the same bytes.
  /// encode_into's no-allocation promise holds for libsodium; other backends
  /// may allocate per message (docs/backends.md lists allocs_per_msg).
  const CryptoBackend* backend = &libsodium_backend();
  /// Caps for parsing the decrypted JSON in decode (Error(kLimitExceeded)).
  DecodeLimits limits;
};

/// One message of PayloadCodec::seal_batch: what encode_into takes.
struct SealRequest {
  Role role = Role::kOriginator;
  std::string_view uri;
  const Value* args = nullptr;    // Array or Null; nullptr means Null
  const Value* kwargs = nullptr;  // Object or Null; nullptr means Null
  /// For known-answer tests only (as encode_for_testing): never reuse a
  /// nonce with the same key. nullptr: a fresh nonce from libsodium's CSPRNG.
  const std::array<std::uint8_t, kNonceBytes>* nonce_for_testing = nullptr;
};

/// One message of PayloadCodec::open_batch: what decode takes, as views (e.g.
/// into a decoded frame: nothing is copied); they must stay valid for the call.
struct OpenRequest {
  Role role = Role::kResponder;
  std::string_view envelope_uri;
  std::span<const std::uint8_t> payload;  // nonce(24) || mac(16) || ciphertext
  std::string_view enc_algo = kEncAlgoCryptobox;
  std::string_view enc_serializer = kEncSerializerJson;
  std::optional<std::string_view> enc_key;  // as open_into's (key rotation); Autobahn never sets it
};

/// What happened to one message of a batch.
enum class BatchStatus : std::uint8_t {
  kOk,         // sealed (seal_batch) or opened and checked (open_batch)
  kPlaintext,  // seal_batch only: no key covers the URI (where encode returns nullopt)
  kFailed,     // `error` says why, as the single-message call would have thrown it
};

struct BatchResult {
  BatchStatus status = BatchStatus::kFailed;
  ErrorCode error = ErrorCode::kInvalidArgument;  // meaningful when status == kFailed
  std::string message;  // the single-message call's error text; never quotes a decrypted byte
};

/// Working storage of PayloadCodec::seal_batch/open_batch, reused across
/// calls so that a steady stream of batches of similar sizes allocates nothing
/// in the batch machinery itself. Plaintext in it is wiped before every call
/// returns or throws. One per thread (not thread-safe); opaque to callers.
class BatchScratch {
 public:
  BatchScratch() = default;
  BatchScratch(const BatchScratch&) = delete;
  BatchScratch& operator=(const BatchScratch&) = delete;
  ~BatchScratch();

 private:
  friend class PayloadCodec;
  std::string plain_;                // seal: every plaintext, one after another
  std::vector<std::size_t> spans_;   // seal, per job: offset and length in plain_
  std::vector<std::size_t> item_;    // per job: index of its request
  std::vector<const SharedKey*> shared_;  // seal: per job, its key
  std::vector<BoxSealJob> seal_jobs_;
  std::vector<BoxOpenJob> open_jobs_;
  std::unique_ptr<bool[]> ok_;       // per job (std::vector<bool> has no span)
  std::size_t ok_cap_ = 0;
  Bytes nonces_;                     // seal: 24 bytes per job, one randombytes_buf call for all
};

/// Stateless apart from the keyring it borrows (which must outlive it).
/// encode/decode are const and safe to call from several threads at once.
class PayloadCodec {
 public:
  explicit PayloadCodec(const KeyRing& ring, PayloadCodecOptions options = {});

  /// Encrypts (uri, args, kwargs) with the box for `role` of the current key
  /// matching `uri` (KeyRing::send_key). Returns nullopt when no key covers
  /// `uri` (the message is meant to go in plaintext), or, with
  /// autobahn_plaintext_fallback, when the key lacks `role`; otherwise throws
  /// Error(kMissingRole). A prefix whose keys are all grace or retired:
  /// Error(kNoKey). enc_key is set for rotating prefixes (enc_key_for).
  /// `args` must be Array or Null, `kwargs` Object or Null
  /// (Error(kInvalidArgument)).
  [[nodiscard]] std::optional<EncodedPayload> encode(Role role, std::string_view uri, const Value& args, const Value& kwargs) const;

  /// Allocation-free hot path: writes the payload into `out` (replaced), using
  /// `scratch` for the plaintext (wiped after use). Returns false where encode
  /// would return nullopt (and `out` is then empty); throws as encode.
  [[nodiscard]] bool encode_into(Role role, std::string_view uri, const Value& args, const Value& kwargs, Bytes& out,
                                 std::string& scratch) const;

  /// FOR TESTS ONLY: encode / encode_into with the caller's `nonce` instead of
  /// 24 fresh random bytes. They exist to reproduce known-answer vectors (the
  /// corpus, Autobahn's worked example) byte for byte, and are the same code
  /// path as encode_into. Never use them in production: a nonce used twice
  /// with the same key breaks XSalsa20-Poly1305's confidentiality and
  /// authenticity.
  [[nodiscard]] std::optional<EncodedPayload> encode_for_testing(
      Role role, std::string_view uri, const Value& args, const Value& kwargs,
      const std::array<std::uint8_t, kNonceBytes>& nonce) const;
  [[nodiscard]] bool encode_into_for_testing(Role role, std::string_view uri, const Value& args, const Value& kwargs,
                                             Bytes& out, std::string& scratch,
                                             const std::array<std::uint8_t, kNonceBytes>& nonce) const;

  /// Decrypts with the box for `role` of the key matching `envelope_uri`,
  /// in Autobahn's order: enc_algo must be "cryptobox"
  /// (Error(kUnsupportedEncAlgo)); a key must match (Error(kNoKey)) and have
  /// `role` (Error(kMissingRole)); the MAC must verify (Error(kDecryptFailed));
  /// (which key: KeyRing::receive_key with payload.enc_key; an enc_key naming
  /// a retired key is Error(kRetiredKey), an unknown one Error(kNoKey); without
  /// enc_key a rotating prefix's current and then grace keys are tried, and
  /// decrypt_failed means none opened it);
  /// only then enc_serializer must be "json" (Error(kUnsupportedEncSerializer));
  /// the plaintext must be a JSON object whose uri is a string, args an array
  /// or null, kwargs an object or null (Error(kMalformedPlaintext)); and with
  /// check_uri the uri must equal `envelope_uri` (Error(kUriMismatch)). The
  /// decrypted JSON is parsed with options().limits (Error(kLimitExceeded)).
  /// On any error no decrypted data is returned, and no error message quotes
  /// a decrypted byte (the mismatch error names only the envelope URI).
  ///
  /// What is wiped (sodium_memzero) before the memory is freed or reused,
  /// on success and on every error:
  ///   - the decrypted plaintext buffer, which the JSON reader parses in
  ///     place (no copy), and the reader's own buffers: simdjson's string
  ///     buffer and tape (decode is open_into with a per-thread OpenContext,
  ///     cleared after every call and when the thread exits);
  ///   - the fallback reader's strings (reserved once, never reallocated)
  ///     and, when the parse fails, the partial value tree;
  ///   - the parsed document's strings, keys and numbers-as-text, except the
  ///     args/kwargs returned (shared, not copied).
  /// Not wiped:
  ///   - the returned DecodedPayload (uri, args, kwargs): the caller owns it,
  ///     and Value's destructor does not wipe;
  ///   - strings of up to 15 bytes that a container's growth moved (they live
  ///     inline in the std::string object, and the old buffer is freed as it
  ///     is: the fast reader sizes containers exactly, so this happens only in
  ///     the fallback reader, for documents simdjson rejects);
  ///   - doubles, ints and bools of the plaintext in the freed container
  ///     buffers of the parsed document (strings are wiped, scalars are not).
  /// Encoding: encode_into's `scratch` holds the plaintext only while it is
  /// sealed; it is wiped after use, and the JSON writer wipes each buffer it
  /// outgrows before freeing it. tests/unit/secret_scan_test.cc checks these
  /// promises by searching every freed heap block for a marker plaintext.
  [[nodiscard]] DecodedPayload decode(Role role, std::string_view envelope_uri, const EncodedPayload& payload) const;

  /// decode with the payload and its enc_* attributes given as views, e.g.
  /// into a received frame or a Message's payload: nothing is copied before
  /// decryption (the payload is decrypted straight into the parse buffer),
  /// and the result is owned, as decode's. Same checks, errors and wiping as
  /// decode (which is this with the EncodedPayload's fields). `enc_key` is
  /// the frame's enc_key (nullopt when absent; see KeyRing::receive_key for
  /// how a named key is chosen). For a receiver that reuses storage across
  /// messages, see open_into.
  [[nodiscard]] DecodedPayload decode(Role role, std::string_view envelope_uri, std::string_view enc_algo,
                                      std::string_view enc_serializer, std::span<const std::uint8_t> payload,
                                      std::optional<std::string_view> enc_key) const;

  /// The receiver's hot path: decode's checks, errors and order, with the
  /// payload and its enc_* attributes given as views (e.g. into a decoded
  /// frame; nothing is copied) and the result left in `ctx`
  /// (ctx.uri()/args()/kwargs(), see OpenContext for its lifetime and
  /// wiping). The payload is decrypted straight into the context's parse
  /// buffer. On any error the context holds no result and nothing the failed
  /// open decrypted (wiped before the throw). Allocates nothing once
  /// `ctx` has opened a message of the same shape and size (libsodium backend).
  /// `enc_key` is the frame's enc_key (nullopt when absent): pass it, or a
  /// rotating keyring cannot open with the key it names (it then tries its
  /// current and grace keys, as for an Autobahn sender).
  void open_into(Role role, std::string_view envelope_uri, std::string_view enc_algo, std::string_view enc_serializer,
                 std::span<const std::uint8_t> payload, OpenContext& ctx,
                 std::optional<std::string_view> enc_key = std::nullopt) const;

  /// The enc_key a sender with `role` writes for `uri`: the current key's id
  /// (the receiver's public key, see KeyRing) for prefixes filled with
  /// KeyRing::add_key; nullopt for set_key prefixes (as Autobahn) or when no
  /// key matches. Error(kNoKey) as encode.
  [[nodiscard]] std::optional<std::string> enc_key_for(Role role, std::string_view uri) const;

  /// encode_into for many messages at once, with one call of the backend's
  /// seal_afternm_batch for all of them (PayloadCodecOptions::backend: the
  /// multi-buffer backend "xsalsa-mb" seals them across AVX2 lanes; others,
  /// libsodium included, in a loop) and the nonces of all from one CSPRNG call.
  /// out[i] receives request i's payload (nonce || mac || ciphertext,
  /// replacing its contents; left empty unless sealed), results[i] its outcome:
  /// kOk, kPlaintext where encode_into returns false, or kFailed with the code
  /// encode_into would throw (kMissingRole, kInvalidArgument, kInvalidUtf8,
  /// ...). One message's failure does not affect the others. Each sealed
  /// payload is the one encode_into gives with the same nonce.
  /// Throws Error(kInvalidArgument), before doing anything, when out or results
  /// is not requests.size() long. Thread-safe like encode_into given one
  /// `scratch` per thread.
  void seal_batch(std::span<const SealRequest> requests, std::span<Bytes> out, std::span<BatchResult> results,
                  BatchScratch& scratch) const;

  /// open_into for many messages at once, with one call of the backend's
  /// open_afternm_batch for every payload that passes decode's checks before
  /// the MAC (enc_algo, key, role): each payload is decrypted straight into
  /// its context's parse buffer (no copy), then parsed there. out[i] holds
  /// request i's result as after open_into when results[i].status is kOk, and
  /// no result otherwise; results[i] is kOk or kFailed with the code and text
  /// open_into / decode would throw, in their order (kDecryptFailed for a
  /// payload that does not verify). A failed message leaves no decrypted byte
  /// in its context (OpenContext's wiping rules). One message's failure does
  /// not affect the others. Throws Error(kInvalidArgument), before doing
  /// anything, when out or results is not requests.size() long. Allocates
  /// nothing in the codec once the contexts and `scratch` have seen batches of
  /// the same shape (the contexts' rule).
  void open_batch(std::span<const OpenRequest> requests, std::span<OpenContext> out,
                  std::span<BatchResult> results, BatchScratch& scratch) const;

  [[nodiscard]] const KeyRing& keyring() const noexcept { return *ring_; }
  [[nodiscard]] const PayloadCodecOptions& options() const noexcept { return options_; }

 private:
  // The one encoding path; `fixed_nonce` is non-null only from the *_for_testing functions.
  bool encode_into_core(Role role, std::string_view uri, const Value& args, const Value& kwargs, Bytes& out,
                        std::string& scratch, const std::array<std::uint8_t, kNonceBytes>* fixed_nonce) const;
  /// encode_into's checks before the plaintext is written: the shared key to
  /// seal with, or nullptr where encode_into returns false; throws as it does.
  const SharedKey* encode_key(Role role, std::string_view uri, const Value& args, const Value& kwargs) const;
  /// open_into's checks before the MAC (enc_algo, key, role): the key to open with.
  const Key& key_for_decode(Role role, std::string_view envelope_uri, std::string_view enc_algo,
                            std::optional<std::string_view> enc_key) const;
  /// open_into's decryption: with `first` (key_for_decode's), then each further
  /// candidate of a rotating prefix (KeyRing::receive_key attempts 1, ...);
  /// the first decrypt_failed when none opens it.
  void decrypt_with_candidates(Role role, std::string_view envelope_uri, std::optional<std::string_view> enc_key,
                               const Key& first, std::span<const std::uint8_t> payload,
                               std::span<std::uint8_t> plain) const;
  /// Whether decrypt_with_candidates would try a key after `first`.
  bool has_more_candidates(Role role, std::string_view envelope_uri, std::optional<std::string_view> enc_key) const;
  /// open_into's steps after the MAC verified, on the `n` decrypted bytes in
  /// ctx's parse buffer: enc_serializer, the in-place parse, the plaintext
  /// checks; the result into ctx. The decrypted bytes are wiped however it ends.
  void open_decrypted(std::string_view envelope_uri, std::string_view enc_serializer, std::size_t n,
                      OpenContext& ctx) const;
  /// For open_batch: ctx holds no result (as at the start of open_into) ...
  static void reset_context(OpenContext& ctx);
  /// ... and its parse buffer, with room for n bytes.
  static std::uint8_t* parse_buffer(OpenContext& ctx, std::size_t n);

  const KeyRing* ring_;
  PayloadCodecOptions options_;
};

}  // namespace wampbox
