// switchboard/auth_store.hpp: register and log in, with no networking in it.
//
// Checks PROTOCOL.md's rules, hashes with Argon2id (PasswordHasher) and keeps
// accounts in an AccountStorage (SQLite by default, memory for tests). Every
// failure is an auth_errc that maps one to one onto an ERR word.
//
// Every call may hash, which is slow on purpose: call them from a hash pool,
// never from an I/O thread. Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "switchboard/account_rules.hpp"
#include "switchboard/account_storage.hpp"
#include "switchboard/auth_error.hpp"
#include "switchboard/password_hasher.hpp"
#include "switchboard/sqlite_account_storage.hpp"

namespace switchboard {

class AuthStore {
 public:
  AuthStore(std::unique_ptr<AccountStorage> storage, HashCost cost = {})
      : storage_(std::move(storage)), hasher_(cost) {}

  // ":memory:" keeps accounts in memory; anything else is an SQLite file.
  explicit AuthStore(const std::string& database, HashCost cost = {})
      : AuthStore(open_storage(database), cost) {}

  static std::unique_ptr<AccountStorage> open_storage(const std::string& database) {
    if (database == ":memory:") return std::make_unique<MemoryAccountStorage>();
    return std::make_unique<SqliteAccountStorage>(database);
  }

  // Registers `name`; success only once the account is durable.
  // invalid_username, invalid_password, user_exists or storage_failure.
  std::error_code register_user(std::string_view name, std::string_view password) {
    if (auto ec = check_username(name)) return ec;
    if (auto ec = check_password(password)) return ec;
    const std::string folded = fold_username(name);
    std::error_code ec;
    if (storage_->find(folded, ec)) return auth_errc::user_exists;  // spare the hash
    if (ec) return ec;
    return storage_->insert(folded, Account{std::string(name), hasher_.hash(password)});
  }

  // Checks a login. On success `registered_name` (if given) is the name as
  // registered ("Alice" for "alice"). bad_credentials for an unknown name or
  // a wrong password alike, after the same work; storage_failure.
  std::error_code verify(std::string_view name, std::string_view password, std::string* registered_name = nullptr) {
    if (check_username(name) || check_password(password)) {
      hasher_.verify_dummy(password);
      return auth_errc::bad_credentials;
    }
    const std::string folded = fold_username(name);
    std::error_code ec;
    const auto account = storage_->find(folded, ec);
    if (ec) return ec;
    if (!account) {
      hasher_.verify_dummy(password);
      return auth_errc::bad_credentials;
    }
    if (!hasher_.verify(account->hash, password)) return auth_errc::bad_credentials;
    if (hasher_.needs_rehash(account->hash)) storage_->update_hash(folded, hasher_.hash(password));
    if (registered_name != nullptr) *registered_name = account->name;
    return {};
  }

  const PasswordHasher& hasher() const noexcept { return hasher_; }
  AccountStorage& storage() noexcept { return *storage_; }

 private:
  std::unique_ptr<AccountStorage> storage_;
  PasswordHasher hasher_;
};

}  // namespace switchboard
