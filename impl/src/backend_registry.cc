// The CryptoBackend argument checks (non-virtual interface) and the registry
// of backends compiled into this build.
#include <sodium.h>

#include <array>
#include <string>

#include "../backends/backends_internal.h"
#include "wampbox/backend.h"
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

namespace backends {
void wipe(void* p, std::size_t n) noexcept {
  if (n != 0) sodium_memzero(p, n);
}
}  // namespace backends

namespace {

constexpr std::array<std::string_view, 5> kKnownNames = {"libsodium", "nacl", "cryptopp", "cryptopp-tweetnacl",
                                                         "botan"};

struct Registry {
  std::array<const CryptoBackend*, kKnownNames.size()> list{};
  std::size_t n = 0;
  Registry() {
    list[n++] = &libsodium_backend();
#ifdef WAMPBOX_HAVE_BACKEND_NACL
    list[n++] = &backends::nacl();
#endif
#ifdef WAMPBOX_HAVE_BACKEND_CRYPTOPP
    list[n++] = &backends::cryptopp();
#endif
#ifdef WAMPBOX_HAVE_BACKEND_CRYPTOPP_TWEETNACL
    list[n++] = &backends::cryptopp_tweetnacl();
#endif
#ifdef WAMPBOX_HAVE_BACKEND_BOTAN
    list[n++] = &backends::botan();
#endif
  }
};

const Registry& registry() noexcept {
  static const Registry r;
  return r;
}

}  // namespace

std::span<const CryptoBackend* const> available_backends() noexcept {
  const Registry& r = registry();
  return std::span<const CryptoBackend* const>(r.list.data(), r.n);
}

const CryptoBackend* find_backend(std::string_view name) noexcept {
  for (const CryptoBackend* b : available_backends()) {
    if (b->name() == name) return b;
  }
  return nullptr;
}

std::span<const std::string_view> known_backend_names() noexcept { return kKnownNames; }

}  // namespace wampbox
