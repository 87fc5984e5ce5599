// Internal to wampbox: the key-rotation state machine that KeyRing
// (cryptobox, keys named by enc_key) and PptKeyStore (PPT, keys named by
// ppt_keyid) share. Not installed.
//
// A table of URI prefixes, each with any number of keys ("slots"), looked up
// by the longest *character* prefix of a URI that has keys (as Autobahn's
// StringTrie: "com.myapp.enc" also matches "com.myapp.encrypted.x"). Each key
// is KeyStatus::kCurrent (used to send, and accepted; at most one per prefix),
// kGrace (no longer used to send, still accepted when named) or kRetired
// (refused when named, Error(kRetiredKey)). Adding or promoting a current key
// demotes the prefix's previous current key to kGrace.
//
// Slot is the owner's key type: it must have a `KeyStatus status` member and
// `bool names(std::string_view lower_id) const` (whether one of its ids is
// lower_id). Lookups are const and may run concurrently; mutation needs
// exclusive access.
#pragma once

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "wampbox/error.h"
#include "wampbox/keyring.h"

namespace wampbox::internal {

template <class Slot>
class RotationTable {
 public:
  struct Group {
    std::string prefix;
    std::vector<Slot> slots;  // in the order they were added
    // Whether a sender names the current key on the wire (KeyRing: enc_key is
    // written only for prefixes built with add_key; PptKeyStore always names).
    bool named = false;
  };

  /// The group of exactly `prefix`, or nullptr.
  Group* exact(std::string_view prefix) noexcept {
    auto it = lower(prefix);
    return it != groups_.end() && it->prefix == prefix ? &*it : nullptr;
  }

  /// Appends `slot` to the keys of `prefix` and returns its group.
  /// Error(kInvalidKey) if one of `ids` (lowercase key ids; empty strings are
  /// skipped) already names a key of the prefix (nothing changes then). A
  /// current slot demotes the previous current one to grace.
  template <class Ids>
  Group& add(std::string_view prefix, Slot slot, const Ids& ids) {
    if (const Group* existing = exact(prefix)) {
      for (const auto& id : ids) {
        if (std::string_view(id).empty()) continue;
        for (const Slot& other : existing->slots) {
          if (other.names(id)) {
            throw Error(ErrorCode::kInvalidKey,
                        "key id " + std::string(id) + " is already in use for prefix '" + existing->prefix + "'");
          }
        }
      }
    }
    Group& g = group_for(prefix);
    if (slot.status == KeyStatus::kCurrent) demote_current(g);
    g.slots.push_back(std::move(slot));
    return g;
  }

  /// Makes `slot` the only key of `prefix` (Autobahn's KeyRing.set_key) and
  /// returns its group.
  Group& replace(std::string_view prefix, Slot slot) {
    Group& g = group_for(prefix);
    g.slots.clear();
    g.slots.push_back(std::move(slot));
    return g;
  }

  /// Removes `prefix` and all its keys; whether it existed.
  bool remove(std::string_view prefix) {
    auto it = lower(prefix);
    if (it == groups_.end() || it->prefix != prefix) return false;
    groups_.erase(it);
    return true;
  }

  /// Sets the status of the key of `g` that `lower_id` names; kCurrent demotes
  /// the previous current key. Error(kNoKey) if no key of `g` has that id.
  static void set_status(Group& g, std::string_view lower_id, KeyStatus status) {
    for (Slot& s : g.slots) {
      if (!s.names(lower_id)) continue;
      if (status == KeyStatus::kCurrent) demote_current(g);
      s.status = status;
      return;
    }
    throw Error(ErrorCode::kNoKey, "no key " + std::string(lower_id) + " for prefix '" + g.prefix + "'");
  }

  /// The current key of `g`, or nullptr (all grace or retired).
  static const Slot* current(const Group& g) noexcept {
    for (const Slot& s : g.slots) {
      if (s.status == KeyStatus::kCurrent) return &s;
    }
    return nullptr;
  }

  /// The key of `g` that a received message names (`named_by(slot)` true):
  /// Error(kNoKey) if none, Error(kRetiredKey) if it is retired. `label` and
  /// `id` are for the message (e.g. "enc_key", the id as received).
  template <class Pred>
  static const Slot& named(const Group& g, Pred named_by, std::string_view label, std::string_view id,
                           std::string_view uri) {
    for (const Slot& s : g.slots) {
      if (!named_by(s)) continue;
      if (s.status == KeyStatus::kRetired) {
        throw Error(ErrorCode::kRetiredKey, std::string(label) + " " + std::string(id) + " names a retired key");
      }
      return s;
    }
    throw Error(ErrorCode::kNoKey, std::string(label) + " " + std::string(id) + " names no key held for URI '" +
                                       std::string(uri) + "'");
  }

  /// The group of the longest prefix of `uri` (by characters), or nullptr.
  ///
  /// Let e be the greatest prefix <= u. If e is a prefix of u it is the longest
  /// one (any longer prefix p of u would satisfy e < p <= u). Otherwise e and u
  /// first differ at c = lcp(e, u) with e[c] < u[c], so every prefix of u longer
  /// than c would be > e, which is impossible: all prefixes of u in the set are
  /// prefixes of u[0, c). Repeat with that strictly shorter u. Each round is a
  /// binary search; the number of rounds is small in practice and bounded by
  /// the number of distinct prefix lengths. No allocation.
  const Group* longest(std::string_view u) const noexcept {
    if (groups_.empty()) return nullptr;
    for (;;) {
      auto it = std::upper_bound(groups_.begin(), groups_.end(), u,
                                 [](std::string_view s, const Group& g) { return s < std::string_view(g.prefix); });
      if (it == groups_.begin()) return nullptr;
      const Group& g = *std::prev(it);
      std::string_view p = g.prefix;
      if (u.starts_with(p)) return &g;
      std::size_t c = 0;
      const std::size_t m = std::min(p.size(), u.size());
      while (c < m && p[c] == u[c]) ++c;
      u = u.substr(0, c);
    }
  }

  std::size_t group_count() const noexcept { return groups_.size(); }
  std::size_t slot_count() const noexcept {
    std::size_t n = 0;
    for (const Group& g : groups_) n += g.slots.size();
    return n;
  }

 private:
  static void demote_current(Group& g) {
    for (Slot& s : g.slots) {
      if (s.status == KeyStatus::kCurrent) s.status = KeyStatus::kGrace;
    }
  }

  Group& group_for(std::string_view prefix) {
    auto it = lower(prefix);
    if (it != groups_.end() && it->prefix == prefix) return *it;
    return *groups_.insert(it, Group{std::string(prefix), {}, false});
  }

  typename std::vector<Group>::iterator lower(std::string_view s) {
    return std::lower_bound(groups_.begin(), groups_.end(), s,
                            [](const Group& g, std::string_view v) { return std::string_view(g.prefix) < v; });
  }

  std::vector<Group> groups_;  // sorted by prefix (bytewise); every group has at least one key
};

}  // namespace wampbox::internal
