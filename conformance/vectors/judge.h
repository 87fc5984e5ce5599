// Judging one corpus vector in-process: its checks (ops.h) run on the library
// or on one crypto_box backend, and the answers compared with the vector.
//
// Two judges exist on purpose, this one and the runner's
// (conformance/runner/wampbox_conform/ops.py), and they apply the same rules
// (PROTOCOL.md §3 and §6: valid -> accepted with the exact outputs; invalid ->
// rejected, only the reading direction asked; acceptable -> the declared
// profile decides, else either outcome consistently). The runner is THE judge
// of an implementation: it judges any adapter process (C++, Python,
// JavaScript) over the protocol, and the published conformance results come
// from it. This one cannot defer to it because it serves what a protocol
// process cannot:
//   - ctest runs the corpus in-process, under ASan/UBSan, without Python
//     (a memory error in the library fails the test where it happens);
//   - backend_test runs the crypto_box layer once per CryptoBackend inside one
//     binary, with reports per backend;
//   - derived negative checks (a flipped tag, trailing bytes: fixtures/README.md)
//     need the vector's inputs and outputs together, which the protocol never
//     sends to an adapter;
//   - wampbox's own profile is finer than the protocol's (e.g. it must accept
//     NonCanonicalPublicKey and reject CborTag, where the protocol allows either).
// The C++ adapter, on the other hand, judges nothing: it only answers, and the
// runner judges it over the whole corpus (tests/py/test_runner_adapters.py), so
// both judges see the same library through the same op table.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "file_test.h"
#include "ops.h"

namespace wampbox::vectors {

enum class Expect { kAccept, kReject, kEither };

/// What the implementation under test does with `acceptable` vectors, by
/// flag (a vector with several flags: reject wins over accept over either).
struct Profile {
  std::map<std::string, Expect, std::less<>> by_flag;
  /// Compare the rejection's code with the vector's `error` (aliases:
  /// invalid_utf8 ~ parse_error). Backends map every refusal to one code, so
  /// backend_test leaves this off.
  bool strict_error_codes = true;
};

/// wampbox's documented choices with default options (libsodium).
Profile LibraryProfile();
/// The library profile with LowOrderPublicKey following `b`'s declared
/// LowOrderPolicy (kPartial: either).
Profile BackendProfile(const CryptoBackend& b);

struct Verdict {
  bool pass = false;
  Expect expect = Expect::kEither;
  bool rejected = false;      // every check was rejected with a wampbox::Error
  bool wrong_output = false;  // accepted, with outputs other than the vector's
  std::string detail;         // why it failed (empty on a pass)
  int derived = 0;            // derived negative checks run
};

/// Runs `v`'s checks with `ctx` and judges them under `p`. Consumes every
/// input and output field it uses (and the group's keyring/serializer). A
/// corpus/harness mismatch throws CorpusError; anything the implementation
/// does (reject, crash-free wrong answer, a non-wampbox exception) is in the
/// verdict.
Verdict JudgeVector(Vector& v, const OpContext& ctx, const Profile& p);

}  // namespace wampbox::vectors
