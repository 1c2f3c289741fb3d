// switchboard/account_storage.hpp: where accounts are kept, behind a small
// interface, so the store can be SQLite today and PostgreSQL later.
//
// Storage sees names already checked and folded; it knows nothing of
// passwords, only their hash strings. Implementations are thread-safe, and
// insert() returns only once the account is durable.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "switchboard/auth_error.hpp"

namespace switchboard {

struct Account {
  std::string name;  // as registered ("Alice")
  std::string hash;  // crypto_pwhash_str's string
};

class AccountStorage {
 public:
  virtual ~AccountStorage() = default;
  // Adds an account under `folded` (the lower-case name); user_exists if
  // one is there already, storage_failure if it cannot be written.
  virtual std::error_code insert(std::string_view folded, const Account& account) = 0;
  // The account under `folded`, or nothing; storage_failure in `ec`.
  virtual std::optional<Account> find(std::string_view folded, std::error_code& ec) = 0;
  // Replaces the hash of an existing account (a rehash after login).
  virtual std::error_code update_hash(std::string_view folded, std::string_view hash) = 0;
};

// Accounts in memory: for tests and `--db :memory:`; gone with the process.
class MemoryAccountStorage final : public AccountStorage {
 public:
  std::error_code insert(std::string_view folded, const Account& account) override {
    std::lock_guard lock(mutex_);
    if (!accounts_.try_emplace(std::string(folded), account).second) return auth_errc::user_exists;
    return {};
  }

  std::optional<Account> find(std::string_view folded, std::error_code& ec) override {
    ec = {};
    std::lock_guard lock(mutex_);
    auto it = accounts_.find(std::string(folded));
    if (it == accounts_.end()) return std::nullopt;
    return it->second;
  }

  std::error_code update_hash(std::string_view folded, std::string_view hash) override {
    std::lock_guard lock(mutex_);
    auto it = accounts_.find(std::string(folded));
    if (it != accounts_.end()) it->second.hash = hash;
    return {};
  }

 private:
  std::mutex mutex_;
  std::map<std::string, Account, std::less<>> accounts_;
};

}  // namespace switchboard
