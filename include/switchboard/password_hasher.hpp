// switchboard/password_hasher.hpp: Argon2id password hashes (libsodium).
//
// crypto_pwhash_str makes a salted, self-describing string ("$argon2id$v=19
// $m=19456,t=2,p=1$salt$hash"), so a stored hash records its own cost and a
// stronger setting can be detected (needs_rehash) after a login. The default
// cost is OWASP's minimum for Argon2id: 19 MiB of memory, 2 passes.
//
// Hashing is deliberately slow (tens of milliseconds) and takes `memory`
// bytes while it runs: never call these on an I/O thread.
// Thread-safe: the hasher holds only its settings and one dummy hash.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace switchboard {

struct HashCost {
  std::uint64_t passes = 2;             // --hash-ops (Argon2id t)
  std::size_t memory = 19u << 20;       // --hash-memory, bytes (Argon2id m)

  // The cheapest setting libsodium allows: for tests only.
  static HashCost minimum() noexcept { return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}; }

  void validate() const {
    if (passes < crypto_pwhash_OPSLIMIT_MIN || passes > crypto_pwhash_OPSLIMIT_MAX)
      throw std::invalid_argument("--hash-ops must be between 1 and 4294967295");
    if (memory < crypto_pwhash_MEMLIMIT_MIN || memory > crypto_pwhash_MEMLIMIT_MAX)
      throw std::invalid_argument("--hash-memory must be at least 8192 bytes");
  }
};

class PasswordHasher {
 public:
  explicit PasswordHasher(HashCost cost = {}) : cost_(cost) {
    cost_.validate();
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
    // A hash of nothing anyone knows, verified against when a name does not
    // exist, so an unknown name costs the same time as a wrong password.
    dummy_ = hash("switchboard: no such account, but the same work");
  }

  // A new salted hash of `password`. Throws std::bad_alloc when the memory
  // cost cannot be had.
  std::string hash(std::string_view password) const {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), cost_.passes, cost_.memory) != 0)
      throw std::bad_alloc();
    return out;
  }

  // True if `password` matches `stored`. A corrupt or foreign stored string
  // is a mismatch, never a crash.
  bool verify(std::string_view stored, std::string_view password) const {
    if (stored.size() >= crypto_pwhash_STRBYTES) return false;
    char buffer[crypto_pwhash_STRBYTES] = {};
    stored.copy(buffer, stored.size());
    return crypto_pwhash_str_verify(buffer, password.data(), password.size()) == 0;
  }

  // The same work as verify() against an existing account, for a name that
  // does not exist. Always false.
  bool verify_dummy(std::string_view password) const {
    verify(dummy_, password);
    return false;
  }

  // True when `stored` was made with less memory or fewer passes than our
  // settings (or cannot be read): rehash it after a successful login. A
  // hash made stronger than ours is left as it is.
  bool needs_rehash(std::string_view stored) const {
    const auto memory_kib = parameter(stored, "m=");
    const auto passes = parameter(stored, "t=");
    if (!stored.starts_with("$argon2id$") || memory_kib == 0 || passes == 0) return true;
    return memory_kib * 1024 < cost_.memory || passes < cost_.passes;
  }

  const HashCost& cost() const noexcept { return cost_; }

 private:
  // The number after `key` in "$argon2id$v=19$m=19456,t=2,p=1$...", or 0.
  static std::uint64_t parameter(std::string_view stored, std::string_view key) {
    const auto dollar = stored.find("$m=");
    if (dollar == std::string_view::npos) return 0;
    const auto at = stored.find(key, dollar);
    if (at == std::string_view::npos) return 0;
    std::uint64_t value = 0;
    for (std::size_t i = at + key.size(); i < stored.size() && stored[i] >= '0' && stored[i] <= '9'; ++i) {
      if (value > (UINT64_MAX - 9) / 10) return 0;
      value = value * 10 + static_cast<std::uint64_t>(stored[i] - '0');
    }
    return value;
  }

  HashCost cost_;
  std::string dummy_;
};

}  // namespace switchboard
