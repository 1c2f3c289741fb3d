// The chat handler behind a real Server, with an in-memory AuthStore and
// cheap hashes, through real sockets: every row of PROTOCOL.md's table,
// the events, and the lab's scenario.
#include "../../examples/chat_server/chat_handler.hpp"
#include "../support/test_client.hpp"
#include "../support/test_server.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

using namespace std::chrono_literals;

namespace {

// A chat client: reply() returns the next OK/ERR line, keeping the event
// lines (MSG, BYE) that came before it in events.
class ChatClient : public test::TestClient {
 public:
  explicit ChatClient(std::uint16_t port) : TestClient(port) {
    const auto hello = read_line();
    REQUIRE(hello);
    REQUIRE(hello->starts_with("HELLO switchboard 1 "));
    id = std::stoull(hello->substr(20));
  }

  std::string reply() {
    for (;;) {
      const auto line = read_line();
      if (!line) return "<closed>";
      if (line->starts_with("OK") || line->starts_with("ERR")) return *line;
      events.push_back(*line);
    }
  }

  std::string command(std::string_view line) {
    send_line(line);
    return reply();
  }

  std::uint64_t id = 0;
  std::vector<std::string> events;
};

struct ChatFixture {
  explicit ChatFixture(switchboard::ServerOptions options = {}) : server(std::move(options), chat::ChatHandler(store, pool)) {}

  switchboard::AuthStore store{":memory:", switchboard::HashCost::minimum()};
  switchboard::HashPool pool{2};
  test::TestServer<chat::ChatHandler> server;

  std::unique_ptr<ChatClient> logged_in(const std::string& name) {
    auto client = std::make_unique<ChatClient>(server.port());
    REQUIRE(client->command("REGISTER " + name + " password-" + name) == "OK registered " + name);
    REQUIRE(client->command("LOGIN " + name + " password-" + name) == "OK logged-in " + name);
    return client;
  }
};

}  // namespace

TEST_SUITE("integration") {

TEST_CASE("chat: HELLO carries the registry's id, in increasing order") {
  ChatFixture f;
  ChatClient a(f.server.port()), b(f.server.port());
  CHECK(a.id > 0);
  CHECK(b.id > a.id);
  const auto rows = f.server->registry().snapshot();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].id == a.id);
}

TEST_CASE("chat: REGISTER and LOGIN, every answer") {
  ChatFixture f;
  ChatClient c(f.server.port());
  CHECK(c.command("REGISTER") == "ERR usage REGISTER <user> <password>");
  CHECK(c.command("REGISTER alice") == "ERR usage REGISTER <user> <password>");
  CHECK(c.command("REGISTER al!ce password1") == "ERR invalid-username");
  CHECK(c.command("REGISTER Server password1") == "ERR invalid-username");
  CHECK(c.command("REGISTER " + std::string(33, 'a') + " password1") == "ERR invalid-username");
  CHECK(c.command("REGISTER alice short") == "ERR invalid-password");
  CHECK(c.command("REGISTER Alice  two  spaces ") == "OK registered Alice");
  CHECK(c.command("register ALICE password1") == "ERR user-exists");
  CHECK(c.command("LOGIN") == "ERR usage LOGIN <user> <password>");
  CHECK(c.command("LOGIN alice two  spaces") == "ERR bad-credentials");  // the spaces are the password's
  CHECK(c.command("LOGIN nobody password1") == "ERR bad-credentials");
  CHECK(c.command("  login   aLiCe  two  spaces ") == "OK logged-in Alice");
  CHECK(c.command("LOGIN alice  two  spaces ") == "ERR already-logged-in");
  CHECK(f.server->registry().user(c.id) == "Alice");  // what list shows
}

TEST_CASE("chat: five failed logins lock the name (and the connection) out, right password or not") {
  ChatFixture f;
  {
    ChatClient owner(f.server.port());
    REQUIRE(owner.command("REGISTER carol password1") == "OK registered carol");
  }
  ChatClient attacker(f.server.port());
  for (int i = 0; i < 5; ++i) REQUIRE(attacker.command("LOGIN carol wrong-guess") == "ERR bad-credentials");
  CHECK(attacker.command("LOGIN carol password1") == "ERR too-many-attempts");
  CHECK(attacker.command("LOGIN ghost password1") == "ERR too-many-attempts");  // this connection too
  ChatClient other(f.server.port());
  CHECK(other.command("LOGIN CAROL password1") == "ERR too-many-attempts");  // the name, in any case
  CHECK(other.command("LOGIN ghost password1") == "ERR bad-credentials");     // other names are fine
}

TEST_CASE("chat: commands that need login say not-logged-in first") {
  ChatFixture f;
  ChatClient c(f.server.port());
  for (const char* line : {"ECHO hi", "ECHO", "BROADCAST", "BROADCAST hi", "WHO", "LOGOUT"})
    CHECK(c.command(line) == "ERR not-logged-in");
}

TEST_CASE("chat: ECHO, PING, HELP, unknown commands, spaces") {
  ChatFixture f;
  auto c = f.logged_in("dave");
  CHECK(c->command("ECHO   hello  there ") == "OK Echo: hello  there ");
  CHECK(c->command("echo") == "ERR usage ECHO <text>");
  CHECK(c->command("PING") == "OK PONG");
  CHECK(c->command("ping abc 123") == "OK PONG abc 123");
  CHECK(c->command("HELP") == "OK REGISTER LOGIN ECHO BROADCAST WHO LOGOUT PING HELP QUIT");
  CHECK(c->command("FROBNICATE") == "ERR unknown-command");
  c->send_line("      ");  // ignored like an empty line: no reply
  CHECK(c->command("PING after") == "OK PONG after");
}

TEST_CASE("chat: BROADCAST reaches every other logged-in connection once, with the sender's name") {
  ChatFixture f;
  auto alice = f.logged_in("Alice");
  auto bob = f.logged_in("bob");
  auto bob_again = std::make_unique<ChatClient>(f.server.port());
  REQUIRE(bob_again->command("LOGIN BOB password-bob") == "OK logged-in bob");
  ChatClient stranger(f.server.port());  // not logged in: gets nothing

  CHECK(alice->command("BROADCAST") == "ERR usage BROADCAST <text>");
  CHECK(alice->command("BROADCAST    ") == "ERR empty-message");
  CHECK(alice->command("BROADCAST hi  all MSG bob forged") == "OK sent 2");
  CHECK(bob->command("PING") == "OK PONG");
  CHECK(bob->events == std::vector<std::string>{"MSG Alice hi  all MSG bob forged"});
  CHECK(bob_again->command("PING") == "OK PONG");
  CHECK(bob_again->events.size() == 1);
  CHECK(alice->command("PING") == "OK PONG");
  CHECK(alice->events.empty());  // not to the sender
  CHECK(stranger.command("PING") == "OK PONG");
  CHECK(stranger.events.empty());

  SUBCASE("in the order the sender sent") {
    for (int i = 0; i < 100; ++i) alice->send_line("BROADCAST n" + std::to_string(i));
    for (int i = 0; i < 100; ++i) REQUIRE(alice->reply() == "OK sent 2");
    REQUIRE(bob->command("PING") == "OK PONG");
    REQUIRE(bob->events.size() == 101);
    for (int i = 0; i < 100; ++i) CHECK(bob->events[1 + i] == "MSG Alice n" + std::to_string(i));
  }
  SUBCASE("LOGOUT stops the events") {
    REQUIRE(bob->command("LOGOUT") == "OK logged-out");
    CHECK(alice->command("BROADCAST again") == "OK sent 1");
  }
}

TEST_CASE("chat: WHO lists distinct names, as registered, sorted without regard to case") {
  ChatFixture f;
  auto zed = f.logged_in("zed");
  auto amy = f.logged_in("Amy");
  auto bob = f.logged_in("bob");
  ChatClient amy_again(f.server.port());
  REQUIRE(amy_again.command("LOGIN amy password-Amy") == "OK logged-in Amy");
  CHECK(zed->command("WHO") == "OK 3 Amy bob zed");
}

TEST_CASE("chat: QUIT answers OK bye and closes - say and stop reach logged-in clients") {
  ChatFixture f;
  auto alice = f.logged_in("alice");
  ChatClient stranger(f.server.port());
  CHECK(chat::ChatHandler::say(f.server->registry(), "maintenance at noon") == 1);
  CHECK(alice->command("PING") == "OK PONG");
  CHECK(alice->events == std::vector<std::string>{"MSG server maintenance at noon"});
  CHECK(stranger.command("QUIT") == "OK bye");
  CHECK(stranger.closed_by_peer());
  f.server->request_stop();
  CHECK(alice->read_line() == "BYE server-shutdown");
  CHECK(alice->closed_by_peer());
}

TEST_CASE("chat: the lab's scenario, 40 clients at once: half register, half log in, echo, broadcast, log out") {
  ChatFixture f;
  constexpr int clients = 40;
  {
    ChatClient seeder(f.server.port());
    for (int i = clients / 2; i < clients; ++i)
      REQUIRE(seeder.command("REGISTER old" + std::to_string(i) + " password" + std::to_string(i)) ==
              "OK registered old" + std::to_string(i));
  }
  std::atomic<int> ok{0};
  std::vector<std::string> failures(clients);
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i)
    threads.emplace_back([&, i] {
      try {
        ChatClient c(f.server.port());
        const std::string n = std::to_string(i);
        const std::string name = i < clients / 2 ? "new" + n : "old" + n;
        auto expect = [&](std::string_view line, const std::string& want) {
          const auto got = c.command(line);
          if (got != want) throw std::runtime_error(std::string(line) + " -> " + got);
        };
        if (i < clients / 2) expect("REGISTER " + name + " password" + n, "OK registered " + name);
        expect("LOGIN " + name + " password" + n, "OK logged-in " + name);
        expect("ECHO from " + name, "OK Echo: from " + name);
        const auto sent = c.command("BROADCAST hello from " + name);
        if (!sent.starts_with("OK sent ")) throw std::runtime_error("BROADCAST -> " + sent);
        expect("LOGOUT", "OK logged-out");
        expect("QUIT", "OK bye");
        for (const auto& event : c.events)
          if (!event.starts_with("MSG ") || event.find(" hello from ") == std::string::npos)
            throw std::runtime_error("unexpected event " + event);
        ++ok;
      } catch (const std::exception& e) {
        failures[static_cast<std::size_t>(i)] = e.what();
      }
    });
  for (auto& thread : threads) thread.join();
  for (const auto& failure : failures) CHECK(failure.empty());
  CHECK(ok == clients);
}

TEST_CASE("chat: a storm of 100 registrations while other clients' PINGs keep answering") {
  ChatFixture f;
  auto pinger = f.logged_in("pinger");
  std::atomic<int> registered{0};
  std::vector<std::thread> storm;
  for (int t = 0; t < 4; ++t)
    storm.emplace_back([&, t] {
      ChatClient c(f.server.port());
      for (int i = 0; i < 25; ++i) {
        const std::string name = "storm" + std::to_string(t) + "_" + std::to_string(i);
        if (c.command("REGISTER " + name + " password1") == "OK registered " + name) ++registered;
      }
    });
  int pongs = 0;
  while (registered < 100 && pongs < 100'000) {
    REQUIRE(pinger->command("PING " + std::to_string(pongs)) == "OK PONG " + std::to_string(pongs));
    ++pongs;
  }
  for (auto& thread : storm) thread.join();
  CHECK(registered == 100);
  CHECK(pongs > 0);
}

}  // TEST_SUITE
