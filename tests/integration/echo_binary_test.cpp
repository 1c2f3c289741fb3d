// The real echo_server binary, driven through its console and by signals.
#include "../support/child_process.hpp"
#include "../support/test_client.hpp"

#include <csignal>
#include <string>

#include <doctest/doctest.h>

#ifndef ECHO_SERVER_PATH
#error "ECHO_SERVER_PATH must name the echo_server binary"
#endif

using test::ChildProcess;
using test::TestClient;

TEST_SUITE("integration") {

TEST_CASE("echo_server: count, list, kick and exit through the console - exit status 0") {
  ChildProcess server({ECHO_SERVER_PATH, "--port", "0", "--threads", "2"});
  const auto port = test::listening_port(server.read_until("[LISTENING] 127.0.0.1:"));

  TestClient alice(port), bob(port);
  alice.send_line("hi");
  REQUIRE(alice.read_line() == "Echo: hi");
  bob.send_line("yo");
  REQUIRE(bob.read_line() == "Echo: yo");
  // Both connections are logged before their first reply can be.
  const std::string bob_id = [&] {
    server.read_until("[NEW CONNECTION] id=");
    const auto line = server.read_until("[NEW CONNECTION] id=");
    const std::size_t from = std::string_view("[NEW CONNECTION] id=").size();
    return line.substr(from, line.find(' ', from) - from);
  }();

  server.write_line("count");
  CHECK(server.read_until("active clients:") == "active clients: 2");

  server.write_line("list");
  CHECK(server.read_until("2 client(s)") == "2 client(s) connected");
  const auto first_row = server.read_line();
  REQUIRE(first_row);
  CHECK(first_row->find(" 127.0.0.1:") != std::string::npos);
  CHECK(first_row->find(" - ") != std::string::npos);
  CHECK(first_row->ends_with("s"));

  server.write_line("kick " + bob_id);
  CHECK(server.read_until("kicked") == "kicked " + bob_id);
  CHECK(bob.read_line() == "BYE kicked");
  CHECK(bob.closed_by_peer());

  server.write_line("kick 424242");
  CHECK(server.read_until("no client") == "no client with id 424242");

  server.write_line("exit");
  CHECK(alice.read_line() == "BYE server-shutdown");
  CHECK(alice.closed_by_peer());
  CHECK(server.wait() == 0);
}

TEST_CASE("echo_server: end of stdin does not stop it - SIGTERM does, with status 0") {
  ChildProcess server({ECHO_SERVER_PATH, "--port", "0", "--quiet"});
  const auto port = test::listening_port(server.read_until("[LISTENING]"));
  server.close_stdin();
  TestClient client(port);
  client.send_line("still here");
  CHECK(client.read_line() == "Echo: still here");
  server.signal(SIGTERM);
  CHECK(client.read_line() == "BYE server-shutdown");
  CHECK(client.closed_by_peer());
  CHECK(server.wait() == 0);
}

TEST_CASE("echo_server: SIGINT stops it too") {
  ChildProcess server({ECHO_SERVER_PATH, "--port", "0", "--quiet"});
  server.read_until("[LISTENING]");
  server.signal(SIGINT);
  CHECK(server.wait() == 0);
}

TEST_CASE("echo_server: bad flags get a clear error and status != 0 - --help and --version work") {
  {
    ChildProcess bad({ECHO_SERVER_PATH, "--port", "70000"});
    CHECK(bad.wait() != 0);
  }
  {
    ChildProcess help({ECHO_SERVER_PATH, "--help"});
    CHECK(help.read_until("Usage:").starts_with("Usage:"));
    CHECK(help.wait() == 0);
  }
  {
    ChildProcess version({ECHO_SERVER_PATH, "--version"});
    CHECK(version.read_until("switchboard").starts_with("switchboard 0."));
    CHECK(version.wait() == 0);
  }
}

TEST_CASE("echo_server: a closed stdout never kills it") {
  ChildProcess server({ECHO_SERVER_PATH, "--port", "0"});
  const auto port = test::listening_port(server.read_until("[LISTENING]"));
  server.close_stdout();
  server.write_line("count");  // its answer goes nowhere
  TestClient client(port);     // and so does "[NEW CONNECTION]"
  client.send_line("alive?");
  CHECK(client.read_line() == "Echo: alive?");
  server.write_line("exit");
  CHECK(client.read_line() == "BYE server-shutdown");
  CHECK(server.wait() == 0);
}

TEST_CASE("echo_server: a port in use is a clear error with status 1") {
  ChildProcess first({ECHO_SERVER_PATH, "--port", "0", "--quiet"});
  const auto port = test::listening_port(first.read_until("[LISTENING]"));
  ChildProcess second({ECHO_SERVER_PATH, "--port", std::to_string(port), "--quiet"});
  CHECK(second.wait() == 1);
  first.write_line("exit");
  CHECK(first.wait() == 0);
}

}  // TEST_SUITE
