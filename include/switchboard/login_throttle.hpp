// switchboard/login_throttle.hpp: PROTOCOL.md's limit on failed logins.
//
// After `max_failures` failures for one key within `window`, the key is
// refused for `lockout`, whatever the password. A success does not reset the
// count, and a refused attempt is not counted. The chat server keeps one
// throttle keyed by folded user name (whether or not the account exists) and
// one keyed by connection id.
//
// A password check takes a while (a hash), so attempts are counted from
// begin() to end(): one still being checked may yet fail, and counts against
// the limit until its answer. Otherwise a thousand connections sending a
// LOGIN of one name at once would all pass before the first failure was
// recorded, a thousand guesses where the limit allows five.
//
//   ThrottledAttempt attempt(throttle, key);
//   if (!attempt) return refuse();       // locked out, or too many in flight
//   if (!check_password()) attempt.failed();
//   // the attempt ends (and its failure counts) when `attempt` goes
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
#include <utility>
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

  // False while `key` is locked out, or while its recent failures and the
  // attempts in flight together reach max_failures.
  bool allowed(const Key& key, Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    return it == entries_.end() || allows(it->second, now);
  }

  // allowed(), and if so the attempt counts as in flight until end().
  bool begin(const Key& key, Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && !allows(it->second, now)) return false;
    if (it == entries_.end()) {
      prune(now);
      it = entries_.try_emplace(key).first;
    }
    ++it->second.in_flight;
    return true;
  }

  // The answer to an attempt begin() let through; a failure counts as
  // failed() does. Nothing happens for a key forgotten meanwhile.
  void end(const Key& key, bool failure, Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    if (it->second.in_flight > 0) --it->second.in_flight;
    if (failure) record_failure(it->second, now);
  }

  // Records a failed attempt for `key` (one checked without begin()).
  void failed(const Key& key, Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mutex_);
    prune(now);
    record_failure(entries_[key], now);
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
    unsigned in_flight = 0;  // begun, not yet ended
  };

  void drop_old_failures(Entry& entry, Clock::time_point now) const {
    auto& stamps = entry.failures;
    stamps.erase(std::remove_if(stamps.begin(), stamps.end(),
                                [&](Clock::time_point t) { return now - t >= options_.window; }),
                 stamps.end());
  }

  bool allows(Entry& entry, Clock::time_point now) const {
    if (now < entry.locked_until) return false;
    drop_old_failures(entry, now);
    return entry.failures.size() + entry.in_flight < options_.max_failures;
  }

  void record_failure(Entry& entry, Clock::time_point now) {
    drop_old_failures(entry, now);
    entry.failures.push_back(now);
    if (entry.failures.size() >= options_.max_failures) {
      entry.locked_until = now + options_.lockout;
      entry.failures.clear();  // the next lockout needs max_failures new failures
    }
  }

  // Removes keys with no recent failure and no lockout, once the map has
  // doubled since the last sweep (amortised O(1) per call).
  void prune(Clock::time_point now) {
    if (entries_.size() < next_prune_) return;
    for (auto it = entries_.begin(); it != entries_.end();) {
      const Entry& entry = it->second;
      const bool stale = entry.in_flight == 0 && now >= entry.locked_until &&
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

// One attempt from LoginThrottle::begin() to its end(), which comes when
// this goes, however the check ended (an answer, an exception, a client that
// left); failed() makes it count as a failure.
template <class Key>
class [[nodiscard]] ThrottledAttempt {
 public:
  ThrottledAttempt(LoginThrottle<Key>& throttle, Key key)
      : throttle_(throttle), key_(std::move(key)), begun_(throttle_.begin(key_)) {}
  ~ThrottledAttempt() {
    if (begun_) throttle_.end(key_, failed_);
  }
  ThrottledAttempt(const ThrottledAttempt&) = delete;
  ThrottledAttempt& operator=(const ThrottledAttempt&) = delete;

  // False if the throttle refused it (nothing to end then).
  explicit operator bool() const noexcept { return begun_; }
  void failed() noexcept { failed_ = true; }

 private:
  LoginThrottle<Key>& throttle_;
  Key key_;
  bool begun_;
  bool failed_ = false;
};

}  // namespace switchboard
