// Backend "xsalsa-mb": crypto_box (X25519 + HSalsa20 + XSalsa20-Poly1305) with
// a multi-buffer afternm layer that seals and opens a batch of independent
// messages (each with its own shared key, nonce and length) across AVX2 lanes:
// HSalsa20 and the Salsa20 blocks of 8 messages in 8 x 32-bit lanes, Poly1305
// of 4 messages at a time in 4 x 64-bit lanes (26-bit limbs). Where the CPU has
// no AVX2 (checked once at run time) every message goes through libsodium's
// crypto_box_easy_afternm / crypto_box_open_easy_afternm instead. The key
// agreement (beforenm, X25519) is libsodium's, so the low-order policy is
// libsodium's (kReject).
//
// Target wampbox::backend_xsalsa_mb. A non-default backend: registered by
// register_optional_backends() under the name "xsalsa-mb", never chosen unless
// asked for by name. docs/backends.md has its tests and its benchmark.
#pragma once

#include <cstdint>
#include <span>

#include "wampbox/backend.h"
#include "wampbox/sizes.h"

namespace wampbox::backends {

/// One message of a seal batch: ct.size() must be msg.size() + kMacBytes
/// (ct = mac || ciphertext, as crypto_box_easy_afternm), and ct must not
/// overlap msg. key is a crypto_box shared key (beforenm). The core's job type,
/// so that CryptoBackend::seal_afternm_batch hands its jobs straight through.
using SealJob = BoxSealJob;

/// One message of an open batch: msg.size() must be ct.size() - kMacBytes
/// (ct at least kMacBytes long), msg must not overlap ct.
using OpenJob = BoxOpenJob;

/// Which code seals/opens a batch: kAuto is AVX2 where the CPU has it, else
/// libsodium, and libsodium also for a last group of fewer than 3 messages
/// (a group of 8 lanes costs the same however many are filled); kAvx2 is the
/// lanes for every group (kScalar on a CPU without AVX2); kScalar is always
/// libsodium (the fallback, for tests and the benchmark).
enum class MbPath { kAuto, kAvx2, kScalar };

/// True when the CPU running this has AVX2 (the multi-buffer code is used).
bool xsalsa_mb_has_avx2() noexcept;

/// Seals every job: afterwards each jobs[i].ct equals crypto_box_easy_afternm
/// of jobs[i].msg. Throws Error(kInvalidArgument), before writing anything,
/// if a job's sizes do not match or its buffers overlap. Thread-safe (no
/// shared state); jobs must not share output buffers.
void seal_batch(std::span<const SealJob> jobs, MbPath path = MbPath::kAuto);

/// Opens every job: ok[i] is true and jobs[i].msg holds the plaintext when the
/// tag verifies, else ok[i] is false and jobs[i].msg is all zeros (no
/// unauthenticated plaintext is left). ok.size() must equal jobs.size().
/// Throws Error(kInvalidArgument), before writing anything, on wrong sizes or
/// overlapping buffers. Constant-time in the key, nonce, plaintext and tag
/// validity (no branch or index depends on them); lengths are public.
void open_batch(std::span<const OpenJob> jobs, std::span<bool> ok, MbPath path = MbPath::kAuto);

/// The backend singleton ("xsalsa-mb"): seal_afternm/open_afternm are batches
/// of one through the AVX2 lanes (kAvx2), so that the corpus tests exercise
/// them; one message at a time runs at ~0.4-0.5x libsodium: batch instead.
/// Its seal_afternm_batch/open_afternm_batch are seal_batch/open_batch with
/// kAuto (what PayloadCodec::seal_batch/open_batch use).
const CryptoBackend& xsalsa_mb();

}  // namespace wampbox::backends
