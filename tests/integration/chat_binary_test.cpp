// The real chat_server binary: accounts on disk, its console (list with
// user names, say, kick, exit) and a restart that keeps the accounts.
#include "../support/child_process.hpp"
#include "../support/test_client.hpp"

#include <unistd.h>

#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#ifndef CHAT_SERVER_PATH
#error "CHAT_SERVER_PATH must name the chat_server binary"
#endif

using test::ChildProcess;
using test::TestClient;

namespace {

std::string fresh_database() {
  const auto path = std::filesystem::temp_directory_path() / ("switchboard-chat-" + std::to_string(::getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

ChildProcess start_chat(const std::string& database) {
  return ChildProcess({CHAT_SERVER_PATH, "--port", "0", "--threads", "2", "--db", database, "--hash-memory", "8192",
                       "--hash-ops", "1"});
}

}  // namespace

TEST_SUITE("integration") {

TEST_CASE("chat_server: register, chat, console list/say/kick/exit, and accounts survive a restart") {
  const std::string database = fresh_database();
  {
    ChildProcess server = start_chat(database);
    const auto port = test::listening_port(server.read_until("[LISTENING] 127.0.0.1:"));
    TestClient alice(port), bob(port);
    REQUIRE(alice.read_line()->starts_with("HELLO switchboard 1 "));
    REQUIRE(bob.read_line()->starts_with("HELLO switchboard 1 "));
    alice.send_line("REGISTER Alice password1");
    REQUIRE(alice.read_line() == "OK registered Alice");
    alice.send_line("LOGIN alice password1");
    REQUIRE(alice.read_line() == "OK logged-in Alice");

    server.write_line("list");
    CHECK(server.read_until("2 client(s)") == "2 client(s) connected");
    const auto first = server.read_line();
    const auto second = server.read_line();
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->find(" Alice ") != std::string::npos);
    CHECK(second->find(" - ") != std::string::npos);

    server.write_line("say hello everyone");
    CHECK(server.read_until("said") == "said to 1 client(s)");
    CHECK(alice.read_line() == "MSG server hello everyone");

    const std::string bob_id = second->substr(0, second->find(' '));
    server.write_line("kick " + bob_id);
    CHECK(bob.read_line() == "BYE kicked");

    server.write_line("exit");
    CHECK(alice.read_line() == "BYE server-shutdown");
    CHECK(server.wait() == 0);
  }
  {
    ChildProcess server = start_chat(database);
    const auto port = test::listening_port(server.read_until("[LISTENING] 127.0.0.1:"));
    TestClient alice(port);
    REQUIRE(alice.read_line());
    alice.send_line("LOGIN ALICE password1");
    CHECK(alice.read_line() == "OK logged-in Alice");
    server.signal(SIGTERM);
    CHECK(server.wait() == 0);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(database + suffix);
}

TEST_CASE("chat_server: a database it cannot open is a clear error, status 1") {
  ChildProcess server({CHAT_SERVER_PATH, "--port", "0", "--db", "/nonexistent-dir/x.db"});
  CHECK(server.wait() == 1);
}

}  // TEST_SUITE
