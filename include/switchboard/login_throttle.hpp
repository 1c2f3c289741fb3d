// switchboard/login_throttle.hpp: PROTOCOL.md's limit on failed logins.
//
// After `max_failures` failures for one key within `window`, the key is
// refused for `lockout`, whatever the password. A success does not reset the
// count, and a refused attempt is not counted. The chat server keeps one
// throttle keyed by folded user name (whether or not the account exists) and
// one keyed by connection id.
//
// Thread-safe. Memory: at most max_failures time stamps per key, and keys
// with nothing recent are pruned as the map grows, so made-up names cannot
// grow it without bound (each attempt costs the attacker a hash anyway).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <vector>

namespace switchboard {

struct ThrottleOptions {
  unsigned max_failures = 5;                // failures ...
  std::chrono::seconds window{60};          // ... within this long ...
  std::chrono::seconds lockout{30};         // ... refuse the key for this long
};

template <class Key>
class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LoginThrottle(ThrottleOptions options = {}) : options_(options) {}

  // False while `key` is locked out.
  bool allowed(const Key& key, Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    return it == entries_.end() || now >= it->second.locked_until;
  }

  // Records a failed attempt (one that was allowed) for `key`.
  void failed(const Key& key, Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mutex_);
    prune(now);
    Entry& entry = entries_[key];
    auto& stamps = entry.failures;
    stamps.erase(std::remove_if(stamps.begin(), stamps.end(),
                                [&](Clock::time_point t) { return now - t >= options_.window; }),
                 stamps.end());
    stamps.push_back(now);
    if (stamps.size() >= options_.max_failures) {
      entry.locked_until = now + options_.lockout;
      stamps.clear();  // the next lockout needs max_failures new failures
    }
  }

  // Drops what is known of `key` (a connection that closed).
  void forget(const Key& key) {
    std::lock_guard lock(mutex_);
    entries_.erase(key);
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

 private:
  struct Entry {
    std::vector<Clock::time_point> failures;  // within the window, oldest first
    Clock::time_point locked_until{};
  };

  // Removes keys with no recent failure and no lockout, once the map has
  // doubled since the last sweep (amortised O(1) per call).
  void prune(Clock::time_point now) {
    if (entries_.size() < next_prune_) return;
    for (auto it = entries_.begin(); it != entries_.end();) {
      const Entry& entry = it->second;
      const bool stale = now >= entry.locked_until &&
                         (entry.failures.empty() || now - entry.failures.back() >= options_.window);
      it = stale ? entries_.erase(it) : std::next(it);
    }
    next_prune_ = std::max<std::size_t>(64, entries_.size() * 2);
  }

  ThrottleOptions options_;
  mutable std::mutex mutex_;
  std::map<Key, Entry, std::less<>> entries_;
  std::size_t next_prune_ = 64;
};

}  // namespace switchboard
