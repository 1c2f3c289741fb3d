// switchboard/sqlite_account_storage.hpp: accounts in an SQLite database.
//
// WAL journal with synchronous=FULL: an insert has reached the disk when
// insert() returns, so "OK registered" survives a kill -9 right after it.
// The UNIQUE folded name lets SQLite settle races: of many concurrent
// inserts of one name exactly one succeeds. A busy timeout makes writers
// wait for each other instead of failing with "database is locked". A
// schema_version table lets later versions migrate.
//
// Thread-safe: one connection opened in serialized mode (SQLite's own
// mutex); statements are prepared per call, which costs microseconds next to
// a password hash.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "switchboard/account_storage.hpp"
#include "switchboard/auth_error.hpp"

namespace switchboard {

class SqliteAccountStorage final : public AccountStorage {
 public:
  static constexpr int schema_version = 1;

  // Opens (creating if need be) the database at `path` (":memory:" works).
  // Throws std::runtime_error naming the path and SQLite's reason.
  explicit SqliteAccountStorage(const std::string& path) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
    db_.reset(db);
    if (rc != SQLITE_OK) fail("cannot open the account database " + path);
    sqlite3_busy_timeout(db_.get(), 10'000);
    exec("PRAGMA journal_mode=WAL", path);
    exec("PRAGMA synchronous=FULL", path);
    exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", path);
    exec("CREATE TABLE IF NOT EXISTS accounts ("
         " folded TEXT NOT NULL UNIQUE,"
         " name TEXT NOT NULL,"
         " hash TEXT NOT NULL,"
         " created_at INTEGER NOT NULL)",
         path);
    exec("INSERT INTO schema_version (version) SELECT " + std::to_string(schema_version) +
             " WHERE NOT EXISTS (SELECT 1 FROM schema_version)",
         path);
    std::error_code ec;
    Statement version(db_.get(), "SELECT version FROM schema_version", ec);
    if (ec || sqlite3_step(version.get()) != SQLITE_ROW) fail("cannot read the schema version of " + path);
    const int found = sqlite3_column_int(version.get(), 0);
    if (found > schema_version)
      throw std::runtime_error(path + " has schema version " + std::to_string(found) +
                               ", newer than this program's " + std::to_string(schema_version));
  }

  std::error_code insert(std::string_view folded, const Account& account) override {
    std::error_code ec;
    Statement insert(db_.get(), "INSERT INTO accounts (folded, name, hash, created_at) VALUES (?, ?, ?, ?)", ec);
    if (ec) return ec;
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    bind(insert, 1, folded);
    bind(insert, 2, account.name);
    bind(insert, 3, account.hash);
    sqlite3_bind_int64(insert.get(), 4, now);
    const int rc = sqlite3_step(insert.get());
    if (rc == SQLITE_DONE) return {};
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return auth_errc::user_exists;
    return auth_errc::storage_failure;
  }

  std::optional<Account> find(std::string_view folded, std::error_code& ec) override {
    ec = {};
    Statement select(db_.get(), "SELECT name, hash FROM accounts WHERE folded = ?", ec);
    if (ec) return std::nullopt;
    bind(select, 1, folded);
    const int rc = sqlite3_step(select.get());
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) {
      ec = auth_errc::storage_failure;
      return std::nullopt;
    }
    return Account{text(select, 0), text(select, 1)};
  }

  std::error_code update_hash(std::string_view folded, std::string_view hash) override {
    std::error_code ec;
    Statement update(db_.get(), "UPDATE accounts SET hash = ? WHERE folded = ?", ec);
    if (ec) return ec;
    bind(update, 1, hash);
    bind(update, 2, folded);
    return sqlite3_step(update.get()) == SQLITE_DONE ? std::error_code{} : auth_errc::storage_failure;
  }

 private:
  struct CloseDb {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };

  class Statement {
   public:
    Statement(sqlite3* db, const char* sql, std::error_code& ec) {
      if (sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr) != SQLITE_OK) ec = auth_errc::storage_failure;
    }
    ~Statement() { sqlite3_finalize(statement_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    sqlite3_stmt* get() const noexcept { return statement_; }

   private:
    sqlite3_stmt* statement_ = nullptr;
  };

  static void bind(Statement& statement, int index, std::string_view value) {
    sqlite3_bind_text(statement.get(), index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  }

  static std::string text(Statement& statement, int column) {
    const auto* bytes = reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), column));
    return bytes == nullptr ? std::string{} : std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(statement.get(), column)));
  }

  void exec(const std::string& sql, const std::string& path) {
    char* message = nullptr;
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string reason = message != nullptr ? message : "unknown error";
      sqlite3_free(message);
      throw std::runtime_error("account database " + path + ": " + reason);
    }
  }

  [[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + (db_ ? sqlite3_errmsg(db_.get()) : "out of memory"));
  }

  std::unique_ptr<sqlite3, CloseDb> db_;
};

}  // namespace switchboard
