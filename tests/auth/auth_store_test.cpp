// AuthStore on both backends: PROTOCOL.md's rules, case folding, races,
// durability, rehash, and bad stored data handled as errors.
#include <switchboard/auth_store.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

using switchboard::auth_errc;
using switchboard::AuthStore;
using switchboard::HashCost;

namespace {

// A fresh database file, removed with its WAL files afterwards.
struct TempDatabase {
  std::string path;
  TempDatabase() {
    path = (std::filesystem::temp_directory_path() /
            ("switchboard-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++) + ".db"))
               .string();
    remove_files();
  }
  ~TempDatabase() { remove_files(); }
  void remove_files() const {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

const HashCost cheap = HashCost::minimum();

}  // namespace

TEST_SUITE("unit") {

TEST_CASE("names and passwords follow PROTOCOL.md") {
  using switchboard::check_password;
  using switchboard::check_username;
  CHECK_FALSE(check_username("a"));
  CHECK_FALSE(check_username("Alice_.-09"));
  CHECK_FALSE(check_username(std::string(32, 'x')));
  CHECK(check_username("") == auth_errc::invalid_username);
  CHECK(check_username(std::string(33, 'x')) == auth_errc::invalid_username);
  CHECK(check_username("al ice") == auth_errc::invalid_username);
  CHECK(check_username("al\xc3\xa9") == auth_errc::invalid_username);
  CHECK(check_username("SeRvEr") == auth_errc::invalid_username);
  CHECK_FALSE(check_username("server2"));
  CHECK(check_password("1234567") == auth_errc::invalid_password);
  CHECK_FALSE(check_password("12345678"));
  CHECK_FALSE(check_password("  spaces  inside "));
  CHECK_FALSE(check_password(std::string(256, 'p')));
  CHECK(check_password(std::string(257, 'p')) == auth_errc::invalid_password);
  CHECK(switchboard::protocol_word(auth_errc::too_many_attempts) == "too-many-attempts");
  const std::error_code ec = auth_errc::user_exists;
  CHECK(ec.category().name() == std::string("switchboard.auth"));
}

TEST_CASE("the default hash cost meets OWASP's minimum for Argon2id (m = 19 MiB, t = 2)") {
  const HashCost cost;
  CHECK(cost.memory >= 19u * 1024 * 1024);
  CHECK(cost.passes >= 2);
  switchboard::PasswordHasher hasher(cost);
  const auto hash = hasher.hash("correct horse");
  CHECK(hash.starts_with("$argon2id$"));
  CHECK(hash.find("m=19456,t=2") != std::string::npos);
  CHECK(hasher.verify(hash, "correct horse"));
  CHECK_FALSE(hasher.verify(hash, "wrong horse"));
}

TEST_CASE("hash cost out of range, and corrupt stored hashes, are errors, not crashes") {
  CHECK_THROWS_AS(switchboard::PasswordHasher(HashCost{0, 1 << 20}), std::invalid_argument);
  CHECK_THROWS_AS(switchboard::PasswordHasher(HashCost{1, 100}), std::invalid_argument);
  switchboard::PasswordHasher hasher(cheap);
  CHECK_FALSE(hasher.verify("", "password1"));
  CHECK_FALSE(hasher.verify("$argon2id$v=19$m=garbage", "password1"));
  CHECK_FALSE(hasher.verify(std::string(500, '$'), "password1"));
  CHECK(hasher.needs_rehash("not a hash"));
}

TEST_CASE("AuthStore on both backends") {
  TempDatabase file;
  for (const std::string& database : {std::string(":memory:"), file.path}) {
    CAPTURE(database);
    AuthStore store(database, cheap);

    CHECK(store.register_user("bad name", "password1") == auth_errc::invalid_username);
    CHECK(store.register_user("server", "password1") == auth_errc::invalid_username);
    CHECK(store.register_user("alice", "short") == auth_errc::invalid_password);
    REQUIRE_FALSE(store.register_user("Alice", " pass with spaces "));
    CHECK(store.register_user("ALICE", "password2") == auth_errc::user_exists);

    std::string shown;
    CHECK_FALSE(store.verify("aLiCe", " pass with spaces ", &shown));
    CHECK(shown == "Alice");  // as registered
    CHECK(store.verify("alice", "pass with spaces") == auth_errc::bad_credentials);
    CHECK(store.verify("nobody", "whatever1") == auth_errc::bad_credentials);   // same answer,
    CHECK(store.verify("no body", "whatever1") == auth_errc::bad_credentials);  // same work (dummy hash)
  }
}

TEST_CASE("50 threads register the same name: exactly one wins, on both backends") {
  TempDatabase file;
  for (const std::string& database : {std::string(":memory:"), file.path}) {
    CAPTURE(database);
    AuthStore store(database, cheap);
    {
      std::atomic<int> won{0}, exists{0}, other{0};
      std::vector<std::thread> threads;
      for (int i = 0; i < 50; ++i)
        threads.emplace_back([&, i] {
          const auto ec = store.register_user(i % 2 ? "Racer" : "racer", "password" + std::to_string(i));
          if (!ec) ++won;
          else if (ec == auth_errc::user_exists) ++exists;
          else ++other;
        });
      for (auto& thread : threads) thread.join();
      CHECK(won == 1);
      CHECK(exists == 49);
      CHECK(other == 0);
    }
  }
}

TEST_CASE("a login with a weaker stored hash rehashes it to the current cost") {
  TempDatabase file;
  {
    AuthStore weak(file.path, cheap);
    REQUIRE_FALSE(weak.register_user("bob", "password1"));
  }
  const HashCost stronger{2, 64 * 1024};
  AuthStore store(file.path, stronger);
  std::error_code ec;
  const auto before = store.storage().find("bob", ec);
  REQUIRE(before);
  CHECK(store.hasher().needs_rehash(before->hash));
  CHECK_FALSE(store.verify("bob", "password1"));
  const auto after = store.storage().find("bob", ec);
  REQUIRE(after);
  CHECK_FALSE(store.hasher().needs_rehash(after->hash));
  CHECK(after->hash != before->hash);
  CHECK_FALSE(store.verify("BOB", "password1"));  // still logs in
}

TEST_CASE("a registration is durable: a child registers, is killed with SIGKILL, the account is there") {
  TempDatabase file;
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    AuthStore store(file.path, cheap);
    const char status = store.register_user("Durable", "password1") ? 'E' : 'K';
    [[maybe_unused]] auto n = ::write(ready[1], &status, 1);  // "OK registered" would go out now
    for (;;) ::pause();                                        // and then the kill comes
  }
  ::close(ready[1]);
  char status = 0;
  REQUIRE(::read(ready[0], &status, 1) == 1);
  ::close(ready[0]);
  ::kill(child, SIGKILL);
  int wstatus = 0;
  ::waitpid(child, &wstatus, 0);
  REQUIRE(status == 'K');
  AuthStore reopened(file.path, cheap);
  std::string shown;
  CHECK_FALSE(reopened.verify("durable", "password1", &shown));
  CHECK(shown == "Durable");
}

TEST_CASE("a database from a newer version is refused with a clear message") {
  TempDatabase file;
  { AuthStore store(file.path, cheap); }
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(file.path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  CHECK_THROWS_WITH_AS(AuthStore(file.path, cheap), doctest::Contains("schema version 99"), std::runtime_error);
}

}  // TEST_SUITE
