// The console's command table, without a terminal or a socket.
#include <switchboard/console.hpp>

#include <string>

#include <doctest/doctest.h>

namespace {

// What add_server_commands needs of a server.
struct FakeServer {
  switchboard::ClientRegistry registry_;
  bool stop_requested = false;
  switchboard::ClientRegistry& registry() { return registry_; }
  void request_stop() { stop_requested = true; }
};

}  // namespace

TEST_SUITE("unit") {

TEST_CASE("console: the server commands, case-insensitive, with clear answers to bad input") {
  asio::io_context io;
  FakeServer server;
  switchboard::Console console(io.get_executor());
  switchboard::add_server_commands(console, server);

  CHECK(console.execute("count") == "active clients: 0");
  CHECK(console.execute("  LIST  ") == "0 client(s) connected");
  CHECK(console.execute("kick") == "usage: kick <id> (a client id from list)");
  CHECK(console.execute("kick 12x") == "usage: kick <id> (a client id from list)");
  CHECK(console.execute("kick 0") == "usage: kick <id> (a client id from list)");
  CHECK(console.execute("kick 77") == "no client with id 77");
  CHECK(console.execute("frobnicate now") == "unknown command 'frobnicate' (try help)");
  CHECK(console.execute("") == "");
  const auto help = console.execute("help");
  for (const char* word : {"exit", "quit", "list", "count", "kick <id>", "help"})
    CHECK(help.find(word) != std::string::npos);

  CHECK_FALSE(server.stop_requested);
  CHECK(console.execute("Exit") == "shutting down");
  CHECK(server.stop_requested);
}

TEST_CASE("console: an example can add its own command") {
  asio::io_context io;
  switchboard::Console console(io.get_executor());
  console.add("Say", "say <text>    tell everyone", [](std::string_view args) { return "said " + std::string(args); });
  CHECK(console.execute("say   hello  there ") == "said hello  there");
}

}  // TEST_SUITE
