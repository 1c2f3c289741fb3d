// The echo handler behind a real Server on port 0, through real sockets.
#include "../../examples/echo_server/echo_handler.hpp"
#include "../support/test_client.hpp"
#include "../support/test_server.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using test::TestClient;
using EchoServer = test::TestServer<echo::EchoHandler>;

namespace {

// The id the server gave the most recent connection.
std::uint64_t newest_id(switchboard::ClientRegistry& registry) {
  const auto rows = registry.snapshot();
  REQUIRE(!rows.empty());
  return rows.back().id;
}

}  // namespace

TEST_SUITE("integration") {

TEST_CASE("each line gets Echo: line - CR LF and empty lines as PROTOCOL.md says") {
  EchoServer server;
  TestClient client(server.port());
  client.send("hello\r\n\n\r\nworld with spaces \n");
  CHECK(client.read_line() == "Echo: hello");
  CHECK(client.read_line() == "Echo: world with spaces ");
}

TEST_CASE("1000 pipelined lines come back in order") {
  EchoServer server;
  TestClient client(server.port());
  std::string batch;
  for (int i = 0; i < 1000; ++i) batch += "line " + std::to_string(i) + "\n";
  client.send(batch);
  for (int i = 0; i < 1000; ++i) REQUIRE(client.read_line() == "Echo: line " + std::to_string(i));
}

TEST_CASE("100 concurrent clients each get only their own replies") {
  EchoServer server;
  std::atomic<int> wrong{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 10; ++t) {
    threads.emplace_back([&, t] {
      try {
        std::vector<std::unique_ptr<TestClient>> clients;
        for (int c = 0; c < 10; ++c) clients.push_back(std::make_unique<TestClient>(server.port()));
        for (int round = 0; round < 20; ++round) {
          for (int c = 0; c < 10; ++c)
            clients[c]->send_line(std::to_string(t * 10 + c) + ":" + std::to_string(round));
          for (int c = 0; c < 10; ++c)
            if (clients[c]->read_line() != "Echo: " + std::to_string(t * 10 + c) + ":" + std::to_string(round))
              ++wrong;
        }
        ++done;
      } catch (...) {
        ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(done == 10);
  CHECK(wrong == 0);
}

TEST_CASE("raw mode echoes every byte value unchanged and adds nothing on close") {
  EchoServer server(switchboard::ServerOptions{.framing = switchboard::Framing::raw});
  TestClient client(server.port());
  std::string bytes;
  for (int round = 0; round < 64; ++round)
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  client.send(bytes);
  CHECK(client.read_exact(bytes.size()) == bytes);
  server->request_stop();  // raw mode: no BYE, just the close
  CHECK(client.closed_by_peer());
}

TEST_CASE("a line over --max-line gets ERR line-too-long, then the connection closes") {
  EchoServer server(switchboard::ServerOptions{.max_line = 16});
  TestClient client(server.port());
  client.send(std::string(16, 'a') + "\r\n");
  CHECK(client.read_line() == "Echo: " + std::string(16, 'a'));
  client.send("first\n" + std::string(17, 'b') + "\nnever\n");
  CHECK(client.read_line() == "Echo: first");
  CHECK(client.read_line() == "ERR line-too-long");
  CHECK(client.closed_by_peer());
}

TEST_CASE("a line with no end is cut at the limit, not buffered") {
  EchoServer server(switchboard::ServerOptions{.max_line = 1024});
  TestClient client(server.port());
  client.send(std::string(64 * 1024, 'x'));  // no LF at all
  CHECK(client.read_line() == "ERR line-too-long");
  CHECK(client.closed_by_peer());
}

TEST_CASE("a client that closes its sending side gets every answer, then the close") {
  EchoServer server;
  TestClient client(server.port());
  client.send("one\ntwo\npartial");
  client.shutdown_send();
  CHECK(client.read_line() == "Echo: one");
  CHECK(client.read_line() == "Echo: two");
  CHECK(client.closed_by_peer());  // "partial" had no LF: dropped
}

TEST_CASE("a client that does not read is cut off with BYE slow-consumer - memory stays bounded - others go on") {
  constexpr std::size_t max_queue = 64 * 1024;
  EchoServer server(switchboard::ServerOptions{.max_queue = max_queue});
  TestClient other(server.port());
  TestClient slow(server.port());  // reads nothing until its whole flood is sent

  const std::string line(1000, 's');
  std::string flood;
  for (int i = 0; i < 32 * 1024; ++i) flood += line + "\n";  // 32 MiB of echoes if nothing were bounded
  const long before_kib = test::resident_kib();
  slow.send(flood);  // completes: the server keeps reading (and, once cut off, discards)

  other.send_line("still there?");
  CHECK(other.read_line(2s) == "Echo: still there?");
  const long growth_kib = test::resident_kib() - before_kib;
  CHECK(growth_kib < 16 * 1024);

  // What the slow client finally reads: echoes, then the goodbye, then EOF.
  std::optional<std::string> last, got;
  while ((got = slow.read_line()) && *got != "BYE slow-consumer") REQUIRE(*got == "Echo: " + line);
  CHECK(got == "BYE slow-consumer");
  CHECK(slow.closed_by_peer());
}

TEST_CASE("a client that resets while the server writes to it harms nobody (no SIGPIPE)") {
  EchoServer server;
  TestClient other(server.port());
  for (int round = 0; round < 5; ++round) {
    TestClient rude(server.port());
    rude.set_receive_buffer(4096);
    std::string burst;
    for (int i = 0; i < 20'000; ++i) burst += "make the server write a lot\n";
    rude.send(burst);
    rude.socket().set_option(asio::socket_base::linger(true, 0));  // close with RST
    rude.close();
  }
  other.send_line("fine?");
  CHECK(other.read_line() == "Echo: fine?");
  CHECK(test::eventually([&] { return server->registry().count() == 1; }));
}

TEST_CASE("no input for --idle-timeout gets BYE idle-timeout") {
  EchoServer server(switchboard::ServerOptions{.idle_timeout = 1s});
  TestClient client(server.port());
  client.send_line("ping");
  CHECK(client.read_line() == "Echo: ping");
  CHECK(client.read_line(4s) == "BYE idle-timeout");
  CHECK(client.closed_by_peer());
}

TEST_CASE("past --max-clients a new client gets ERR server-full, and is served once a place frees") {
  EchoServer server(switchboard::ServerOptions{.max_clients = 2});
  auto first = std::make_unique<TestClient>(server.port());
  TestClient second(server.port());
  first->send_line("1");
  second.send_line("2");
  REQUIRE(first->read_line() == "Echo: 1");
  REQUIRE(second.read_line() == "Echo: 2");
  {
    TestClient third(server.port());
    CHECK(third.read_line() == "ERR server-full");
    CHECK(third.closed_by_peer());
  }
  first.reset();
  REQUIRE(test::eventually([&] { return server->registry().count() == 1; }));
  TestClient fourth(server.port());
  fourth.send_line("4");
  CHECK(fourth.read_line() == "Echo: 4");
}

TEST_CASE("kick closes one client with BYE kicked and leaves the others") {
  EchoServer server;
  TestClient stays(server.port());
  stays.send_line("a");
  REQUIRE(stays.read_line() == "Echo: a");
  TestClient goes(server.port());
  goes.send_line("b");
  REQUIRE(goes.read_line() == "Echo: b");
  CHECK(server->registry().kick(newest_id(server->registry())));
  CHECK(goes.read_line() == "BYE kicked");
  CHECK(goes.closed_by_peer());
  CHECK_FALSE(server->registry().kick(999'999'999));
  stays.send_line("c");
  CHECK(stays.read_line() == "Echo: c");
}

TEST_CASE("stop with 50 clients: each gets BYE server-shutdown, then every thread is joined") {
  auto server = std::make_unique<EchoServer>();
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 50; ++i) {
    clients.push_back(std::make_unique<TestClient>(server->port()));
    clients.back()->send_line("hi");
    REQUIRE(clients.back()->read_line() == "Echo: hi");
  }
  REQUIRE((*server)->registry().count() == 50);
  std::thread stopper([&] { (*server)->stop(); });  // returns once all threads are joined
  int goodbyes = 0;
  for (auto& client : clients) {
    if (client->read_line() == "BYE server-shutdown" && client->closed_by_peer()) ++goodbyes;
    client->close();
  }
  stopper.join();
  CHECK(goodbyes == 50);
  CHECK((*server)->registry().count() == 0);
  server.reset();  // the destructor's stop() is a no-op now
}

TEST_CASE("stop cuts a client that never reads its goodbye after the grace period") {
  EchoServer server(switchboard::ServerOptions{.shutdown_grace = 300ms, .close_grace = 300ms});
  TestClient deaf(server.port());
  deaf.send_line("x");
  REQUIRE(deaf.read_line() == "Echo: x");
  server->stop();  // returns: the deaf client never closes, the grace ends it
  CHECK(server->registry().count() == 0);
}

TEST_CASE("list shows id, address:port, user or -, seconds") {
  EchoServer server;
  TestClient client(server.port());
  client.send_line("x");
  REQUIRE(client.read_line() == "Echo: x");
  const auto rows = server->registry().snapshot();
  REQUIRE(rows.size() == 1);
  const auto local = client.socket().local_endpoint();
  CHECK(rows[0].address == "127.0.0.1:" + std::to_string(local.port()));
  CHECK(rows[0].user.empty());
  server->registry().set_user(rows[0].id, "Alice");
  CHECK(server->registry().user(rows[0].id) == "Alice");
}

TEST_CASE("IPv6: listens on ::1 and shows the address in brackets") {
  asio::io_context io;
  asio::ip::tcp::acceptor probe(io);
  asio::error_code ec;
  probe.open(asio::ip::tcp::v6(), ec);
  if (!ec) probe.bind({asio::ip::make_address("::1"), 0}, ec);
  if (ec) {
    MESSAGE("no IPv6 loopback on this machine: skipped");
    return;
  }
  probe.close();
  EchoServer server(switchboard::ServerOptions{.host = "::1"});
  TestClient client(server.port(), "::1");
  client.send_line("six");
  CHECK(client.read_line() == "Echo: six");
  CHECK(server->registry().snapshot().at(0).address.starts_with("[::1]:"));
}

TEST_CASE("a broadcast reaches every client but the excepted one, once each") {
  EchoServer server;
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<TestClient>(server.port()));
    clients.back()->send_line("ready");
    REQUIRE(clients.back()->read_line() == "Echo: ready");
  }
  const auto payload = switchboard::make_line_payload("news");
  const auto except = server->registry().snapshot().front().id;
  CHECK(server->registry().broadcast(payload, except) == 4);
  for (int i = 1; i < 5; ++i) CHECK(clients[i]->read_line() == "news");
  clients[0]->send_line("me?");
  CHECK(clients[0]->read_line() == "Echo: me?");  // the excepted client got nothing before it
}

}  // TEST_SUITE
