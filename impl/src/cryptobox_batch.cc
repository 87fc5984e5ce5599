// PayloadCodec::seal_batch / open_batch (cryptobox.h): the payload codec for
// many independent messages at once, so that a backend that seals several
// boxes per call (the multi-buffer "xsalsa-mb", wampbox/xsalsa_mb.h) gets them
// all in one CryptoBackend::seal_afternm_batch / open_afternm_batch. The
// per-message steps around the crypto are the single-message code's:
// encode_key and cryptobox_plaintext_append on the way out, key_for_decode and
// open_decrypted (in the message's OpenContext) on the way in, so a message of
// a batch is checked exactly as encode_into / open_into check it.
#include <sodium.h>

#include <cstring>
#include <string>

#include "wampbox/cryptobox.h"
#include "wampbox/error.h"
#include "wampbox/keys.h"

namespace wampbox {
namespace {

// Wipes the used part of a plaintext buffer and empties it, however the call
// is left (capacity beyond size() was wiped when it was last in use).
template <class Buffer>
struct WipeBufferOnExit {
  Buffer& buf;
  ~WipeBufferOnExit() {
    if (!buf.empty()) sodium_memzero(buf.data(), buf.size());
    buf.clear();
  }
};

void check_lengths(const char* fn, std::size_t requests, std::size_t out, std::size_t results) {
  if (out != requests || results != requests) {
    throw Error(ErrorCode::kInvalidArgument, std::string("PayloadCodec::") + fn +
                                                 ": out and results must have one entry per request");
  }
}

BatchResult failed(const Error& e) { return BatchResult{BatchStatus::kFailed, e.code(), e.what()}; }

const Value& or_null(const Value* v) {
  static const Value null_value;
  return v != nullptr ? *v : null_value;
}

}  // namespace

BatchScratch::~BatchScratch() {
  // Emptied (and wiped) by every call; this only guards against a future change that forgets it.
  if (!plain_.empty()) sodium_memzero(plain_.data(), plain_.size());
}

void PayloadCodec::seal_batch(std::span<const SealRequest> requests, std::span<Bytes> out,
                              std::span<BatchResult> results, BatchScratch& scratch) const {
  check_lengths("seal_batch", requests.size(), out.size(), results.size());
  std::string& plain = scratch.plain_;
  WipeBufferOnExit<std::string> wipe{plain};
  plain.clear();
  scratch.spans_.clear();
  scratch.item_.clear();
  scratch.shared_.clear();
  scratch.seal_jobs_.clear();
  // 1. Every plaintext, one after another in `plain`, with encode_into's checks.
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const SealRequest& r = requests[i];
    out[i].clear();
    results[i] = BatchResult{};
    try {
      const SharedKey* shared = encode_key(r.role, r.uri, or_null(r.args), or_null(r.kwargs));
      if (shared == nullptr) {
        results[i].status = BatchStatus::kPlaintext;
        continue;
      }
      const std::size_t start = plain.size();
      cryptobox_plaintext_append(r.uri, or_null(r.args), or_null(r.kwargs), plain);  // on error: `plain` as it was
      const std::size_t len = plain.size() - start;
      if (len > crypto_box_MESSAGEBYTES_MAX - kMacBytes) {
        plain.resize(start);  // (wiped with the rest on exit: resize keeps the bytes in the capacity)
        sodium_memzero(plain.data() + start, len);
        throw Error(ErrorCode::kInvalidArgument, "cryptobox: plaintext too large");
      }
      scratch.spans_.push_back(start);
      scratch.spans_.push_back(len);
      scratch.item_.push_back(i);
      scratch.shared_.push_back(shared);  // the jobs are made below, once `plain` has stopped growing
    } catch (const Error& e) {
      results[i] = failed(e);
    }
  }
  const std::size_t jobs = scratch.item_.size();
  if (jobs == 0) return;
  // 2. Nonces: one CSPRNG call for the whole batch (randombytes_buf costs
  // ~0.4 us per call here, a third of a 256-byte seal: docs/performance.md).
  // libsodium is initialised: a Key (and its shared key) exists only after it.
  scratch.nonces_.resize(jobs * kNonceBytes);
  randombytes_buf(scratch.nonces_.data(), scratch.nonces_.size());
  for (std::size_t j = 0; j < jobs; ++j) {
    const std::size_t i = scratch.item_[j];
    const std::size_t len = scratch.spans_[2 * j + 1];
    Bytes& o = out[i];
    o.resize(kPayloadOverhead + len);
    const std::uint8_t* nonce = scratch.nonces_.data() + j * kNonceBytes;
    if (requests[i].nonce_for_testing != nullptr) nonce = requests[i].nonce_for_testing->data();
    std::memcpy(o.data(), nonce, kNonceBytes);
    const auto* msg = reinterpret_cast<const std::uint8_t*>(plain.data()) + scratch.spans_[2 * j];
    scratch.seal_jobs_.push_back(BoxSealJob{std::span<std::uint8_t>(o).subspan(kNonceBytes),
                                            std::span<const std::uint8_t>(msg, len),
                                            std::span<const std::uint8_t, kNonceBytes>(o.data(), kNonceBytes),
                                            scratch.shared_[j]->bytes()});
  }
  // 3. One backend call for all of them.
  if (scratch.ok_cap_ < jobs) {
    scratch.ok_.reset(new bool[jobs]);
    scratch.ok_cap_ = jobs;
  }
  const std::span<bool> ok(scratch.ok_.get(), jobs);
  options_.backend->seal_afternm_batch(scratch.seal_jobs_, ok);
  for (std::size_t j = 0; j < jobs; ++j) {
    const std::size_t i = scratch.item_[j];
    if (ok[j]) {
      results[i].status = BatchStatus::kOk;
    } else {
      out[i].clear();  // (ct already wiped by the backend interface)
      results[i] = failed(Error(ErrorCode::kInvalidArgument, "box_seal: " + std::string(options_.backend->name()) +
                                                                 " crypto_box_easy_afternm failed"));
    }
  }
}

void PayloadCodec::open_batch(std::span<const OpenRequest> requests, std::span<OpenContext> out,
                              std::span<BatchResult> results, BatchScratch& scratch) const {
  check_lengths("open_batch", requests.size(), out.size(), results.size());
  scratch.spans_.clear();
  scratch.item_.clear();
  scratch.open_jobs_.clear();
  // 1. open_into's checks before the MAC; each payload's place is its
  // context's parse buffer (the plaintext is parsed where it is decrypted).
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const OpenRequest& r = requests[i];
    reset_context(out[i]);
    results[i] = BatchResult{};
    try {
      const Key& key = key_for_decode(r.role, r.envelope_uri, r.enc_algo, r.enc_key);
      const SharedKey& shared = key.shared(r.role);
      const std::span<const std::uint8_t> p = r.payload;
      if (p.size() < kPayloadOverhead) {
        // open_into's own error for it (nothing is decrypted).
        box_open_into(*options_.backend, shared, p, std::span<std::uint8_t>(parse_buffer(out[i], 0), 0));
      }
      const std::size_t n = p.size() - kPayloadOverhead;
      scratch.item_.push_back(i);
      scratch.open_jobs_.push_back(BoxOpenJob{std::span<std::uint8_t>(parse_buffer(out[i], n), n),
                                              p.subspan(kNonceBytes),
                                              std::span<const std::uint8_t, kNonceBytes>(p.data(), kNonceBytes),
                                              shared.bytes()});
    } catch (const Error& e) {
      results[i] = failed(e);
    }
  }
  const std::size_t jobs = scratch.item_.size();
  if (jobs == 0) return;
  // The decrypted bytes are wiped however this call is left: by open_decrypted
  // (through the parse) for the boxes that verify, by the backend interface
  // (zeroed) for the others; this guard covers a throw in between.
  struct WipeJobs {
    std::vector<BoxOpenJob>& jobs;
    std::size_t from = 0;
    ~WipeJobs() {
      for (std::size_t j = from; j < jobs.size(); ++j) {
        if (!jobs[j].msg.empty()) sodium_memzero(jobs[j].msg.data(), jobs[j].msg.size());
      }
    }
  } wipe{scratch.open_jobs_};
  // 2. One backend call: every box verified, failures zeroed by the backend interface.
  if (scratch.ok_cap_ < jobs) {
    scratch.ok_.reset(new bool[jobs]);
    scratch.ok_cap_ = jobs;
  }
  const std::span<bool> ok(scratch.ok_.get(), jobs);
  options_.backend->open_afternm_batch(scratch.open_jobs_, ok);
  // 3. open_into's steps after the MAC, per message, in its context.
  for (std::size_t j = 0; j < jobs; ++j) {
    wipe.from = j + 1;  // open_decrypted wipes message j however it ends
    const std::size_t i = scratch.item_[j];
    if (!ok[j]) {
      const OpenRequest& r = requests[i];
      if (has_more_candidates(r.role, r.envelope_uri, r.enc_key)) {
        // A rotating prefix: open_into tries its grace keys too (rare; one message at a time).
        try {
          open_into(r.role, r.envelope_uri, r.enc_algo, r.enc_serializer, r.payload, out[i], r.enc_key);
          results[i].status = BatchStatus::kOk;
        } catch (const Error& e) {
          results[i] = failed(e);
        }
        continue;
      }
      results[i] = failed(Error(ErrorCode::kDecryptFailed,
                                "decryption failed: MAC verification failed (wrong key or corrupted payload)"));
      continue;
    }
    try {
      open_decrypted(requests[i].envelope_uri, requests[i].enc_serializer, scratch.open_jobs_[j].msg.size(), out[i]);
      results[i].status = BatchStatus::kOk;
    } catch (const Error& e) {
      results[i] = failed(e);
    }
  }
}

}  // namespace wampbox
