// The one C++ op table: the protocol operations of conformance/PROTOCOL.md
// ("Operations") on the wampbox library, and which of them each corpus
// operation (fixtures/README.md) is checked with. The C++ adapter answers
// protocol requests with it; conformance_test and backend_test run the corpus
// with it in-process. Each operation reads its inputs from an Attrs (a
// request's `input`, or a vector's fields plus its group's keyring and
// serializer) and calls the public API the way an application would.
//
// Failure: a rejection by the library is wampbox::Error (its code is the
// protocol's error code); a malformed input is CorpusError; a serializer or
// message type the library does not know is Unsupported.
//
// Thread safety: the table is immutable; operations share no state.
#pragma once

#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "file_test.h"
#include "wampbox/backend.h"

namespace wampbox::vectors {

/// The library cannot run this input (unknown serializer or message type).
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Who does the crypto_box work.
struct OpContext {
  /// nullptr: the library's default entry points (libsodium), as an
  /// application calls them. A backend: the crypto_box operations call its
  /// CryptoBackend functions directly (box_seal/box_open are its keypair path
  /// seal/open, beforenm and the afternm operations its namesakes), and the
  /// payload and frame operations run a PayloadCodec with options.backend set.
  /// Keyring keys are derived by the library (libsodium) either way.
  const CryptoBackend* backend = nullptr;
  /// ppt layer: use the packaged AES-256-GCM fallback (OpenSSL, wampbox::ppt_ext)
  /// even where libsodium's AES-NI implementation is available, so that the
  /// corpus is run on both paths.
  bool ppt_aes_fallback = false;
};

/// One output field: null, bytes (hex on the wire), a string, a value (a
/// typed value on the wire) or a message (a structured message).
using OutField = std::variant<std::monostate, Bytes, std::string, Value, Message>;
using Output = std::vector<std::pair<std::string, OutField>>;

struct ProtocolOp {
  std::string_view name;
  std::vector<std::string_view> inputs;        // read from the request's input / the vector
  std::vector<std::string_view> group_inputs;  // read from the corpus group (keyring, serializer)
  std::vector<std::string_view> outputs;
  Output (*run)(Attrs& in, const OpContext& ctx);
};

/// Every protocol operation, by name.
const std::map<std::string, ProtocolOp, std::less<>>& ProtocolOps();
/// nullptr for an unknown name.
const ProtocolOp* FindProtocolOp(std::string_view name);

/// The protocol operations a corpus operation is checked with, in order (a
/// bidirectional vector in both directions); `reject_only`: those asked of an
/// invalid vector (only the reading direction: an invalid box can still be
/// sealed from its message). Throws CorpusError for an unknown operation.
std::vector<std::string_view> ChecksFor(std::string_view corpus_op, bool reject_only);

/// A damaged copy of one input of a valid vector that a correct
/// implementation must not accept with the vector's outputs (fixtures/README.md,
/// "Derived negative checks"). `apply` returns false when it does not apply.
struct Damage {
  std::string_view op;     // protocol operation
  std::string_view field;  // the input damaged
  std::string_view name;   // for reports
  bool (*apply)(Attrs& in, Bytes& value);
};
std::span<const Damage> Damages();

/// The typed-value and structured-message forms of the protocol (the adapter's
/// output side; the input side is ToValue/ToMessage).
Value TypedOf(const Value& v);
Value StructOf(const Message& m);
/// An Output as the protocol's `output` object.
Value ProtocolOutput(const Output& out);

}  // namespace wampbox::vectors
