// The CryptoBackend argument checks (non-virtual interface) and the registry
// of backends (libsodium, then whatever the program registers).
#include "wampbox/backend.h"

#include <sodium.h>

#include <array>
#include <atomic>
#include <mutex>
#include <string>
#include <system_error>

#include "wampbox/error.h"

namespace wampbox {
namespace {

[[noreturn]] void bad_size(const char* fn, std::size_t got, std::size_t want) {
  throw Error(ErrorCode::kInvalidArgument, std::string("CryptoBackend::") + fn + ": output of " +
                                               std::to_string(got) + " bytes, expected " + std::to_string(want));
}

void check_box_sizes(const char* fn, std::size_t ct, std::size_t msg) {
  if (msg > crypto_box_MESSAGEBYTES_MAX) {
    throw Error(ErrorCode::kInvalidArgument, std::string("CryptoBackend::") + fn + ": message too large");
  }
  if (ct != msg + kMacBytes) bad_size(fn, ct, msg + kMacBytes);
}

bool overlap(const void* a, std::size_t an, const void* b, std::size_t bn) {
  if (an == 0 || bn == 0) return false;
  auto pa = reinterpret_cast<std::uintptr_t>(a), pb = reinterpret_cast<std::uintptr_t>(b);
  return pa < pb + bn && pb < pa + an;
}

void check_disjoint(const char* fn, std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
  if (overlap(in.data(), in.size(), out.data(), out.size())) {
    throw Error(ErrorCode::kInvalidArgument, std::string("CryptoBackend::") + fn + ": input and output overlap");
  }
}

// A failed operation releases nothing.
bool zero_unless(bool ok, std::span<std::uint8_t> out) {
  if (!ok && !out.empty()) sodium_memzero(out.data(), out.size());
  return ok;
}

}  // namespace

std::string_view to_string(LowOrderPolicy p) noexcept {
  switch (p) {
    case LowOrderPolicy::kReject: return "reject";
    case LowOrderPolicy::kCompute: return "compute";
    case LowOrderPolicy::kPartial: return "partial";
  }
  return "unknown";
}

bool CryptoBackend::beforenm(Out32 k, Key32 pk, Key32 sk) const { return zero_unless(do_beforenm(k, pk, sk), k); }

bool CryptoBackend::seal_afternm(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce,
                                 Key32 k) const {
  check_box_sizes("seal_afternm", ct.size(), msg.size());
  check_disjoint("seal_afternm", msg, ct);
  return zero_unless(do_seal_afternm(ct, msg, nonce, k), ct);
}

bool CryptoBackend::open_afternm(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce,
                                 Key32 k) const {
  if (ct.size() < kMacBytes) bad_size("open_afternm", ct.size(), kMacBytes);
  check_box_sizes("open_afternm", ct.size(), msg.size());
  check_disjoint("open_afternm", ct, msg);
  return zero_unless(do_open_afternm(msg, ct, nonce, k), msg);
}

void CryptoBackend::seal_afternm_batch(std::span<const BoxSealJob> jobs, std::span<bool> ok) const {
  if (ok.size() != jobs.size()) bad_size("seal_afternm_batch (ok)", ok.size(), jobs.size());
  for (const BoxSealJob& j : jobs) {
    check_box_sizes("seal_afternm_batch", j.ct.size(), j.msg.size());
    check_disjoint("seal_afternm_batch", j.msg, j.ct);
  }
  do_seal_afternm_batch(jobs, ok);
  for (std::size_t i = 0; i < jobs.size(); ++i) zero_unless(ok[i], jobs[i].ct);
}

void CryptoBackend::open_afternm_batch(std::span<const BoxOpenJob> jobs, std::span<bool> ok) const {
  if (ok.size() != jobs.size()) bad_size("open_afternm_batch (ok)", ok.size(), jobs.size());
  for (const BoxOpenJob& j : jobs) {
    if (j.ct.size() < kMacBytes) bad_size("open_afternm_batch", j.ct.size(), kMacBytes);
    check_box_sizes("open_afternm_batch", j.ct.size(), j.msg.size());
    check_disjoint("open_afternm_batch", j.ct, j.msg);
  }
  do_open_afternm_batch(jobs, ok);
  for (std::size_t i = 0; i < jobs.size(); ++i) zero_unless(ok[i], jobs[i].msg);
}

void CryptoBackend::do_seal_afternm_batch(std::span<const BoxSealJob> jobs, std::span<bool> ok) const {
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    ok[i] = do_seal_afternm(jobs[i].ct, jobs[i].msg, jobs[i].nonce, jobs[i].key);
  }
}

void CryptoBackend::do_open_afternm_batch(std::span<const BoxOpenJob> jobs, std::span<bool> ok) const {
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    ok[i] = do_open_afternm(jobs[i].msg, jobs[i].ct, jobs[i].nonce, jobs[i].key);
  }
}

bool CryptoBackend::seal(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce, Key32 pk,
                         Key32 sk) const {
  check_box_sizes("seal", ct.size(), msg.size());
  check_disjoint("seal", msg, ct);
  return zero_unless(do_seal(ct, msg, nonce, pk, sk), ct);
}

bool CryptoBackend::open(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce, Key32 pk,
                         Key32 sk) const {
  if (ct.size() < kMacBytes) bad_size("open", ct.size(), kMacBytes);
  check_box_sizes("open", ct.size(), msg.size());
  check_disjoint("open", ct, msg);
  return zero_unless(do_open(msg, ct, nonce, pk, sk), msg);
}

bool CryptoBackend::do_seal(std::span<std::uint8_t> ct, std::span<const std::uint8_t> msg, Nonce nonce, Key32 pk,
                            Key32 sk) const {
  std::array<std::uint8_t, kKeyBytes> k{};
  bool ok = do_beforenm(k, pk, sk) && do_seal_afternm(ct, msg, nonce, k);
  sodium_memzero(k.data(), k.size());
  return ok;
}

bool CryptoBackend::do_open(std::span<std::uint8_t> msg, std::span<const std::uint8_t> ct, Nonce nonce, Key32 pk,
                            Key32 sk) const {
  std::array<std::uint8_t, kKeyBytes> k{};
  bool ok = do_beforenm(k, pk, sk) && do_open_afternm(msg, ct, nonce, k);
  sodium_memzero(k.data(), k.size());
  return ok;
}

namespace {

// A fixed array, so that a span handed out by available_backends() never
// dangles; entries are written once under the mutex and published by the
// release store of `n`.
struct Registry {
  static constexpr std::size_t kCapacity = 16;
  std::array<const CryptoBackend*, kCapacity> list{};
  std::atomic<std::size_t> n{0};
  std::mutex add;
  Registry() {
    list[0] = &libsodium_backend();
    n.store(1, std::memory_order_release);
  }
};

Registry& registry() noexcept {
  static Registry r;
  return r;
}

}  // namespace

bool register_backend(const CryptoBackend& backend) noexcept {
  Registry& r = registry();
  // std::mutex::lock may throw std::system_error (EDEADLK, ...), which must
  // not reach this noexcept boundary: the backend is then not registered.
  std::unique_lock<std::mutex> lock(r.add, std::defer_lock);
  try {
    lock.lock();
  } catch (const std::system_error&) {
    return false;
  }
  const std::size_t n = r.n.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    if (r.list[i]->name() == backend.name()) return false;
  }
  if (n == Registry::kCapacity) return false;
  r.list[n] = &backend;
  r.n.store(n + 1, std::memory_order_release);
  return true;
}

std::span<const CryptoBackend* const> available_backends() noexcept {
  Registry& r = registry();
  return std::span<const CryptoBackend* const>(r.list.data(), r.n.load(std::memory_order_acquire));
}

const CryptoBackend* find_backend(std::string_view name) noexcept {
  for (const CryptoBackend* b : available_backends()) {
    if (b->name() == name) return b;
  }
  return nullptr;
}

}  // namespace wampbox
