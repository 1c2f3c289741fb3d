// What Server promises any handler: awaitable handlers keep a connection's
// lines in order, hooks run, a throwing handler costs only its connection,
// and the registry stays consistent while broadcasts, kicks, connects and
// disconnects race each other.
#include "../support/test_client.hpp"
#include "../support/test_server.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using test::TestClient;

namespace {

// Waits a little before each reply, on a timer, so lines from one client
// would overtake each other if the server did not keep them in order.
struct SlowHandler {
  void on_connect(switchboard::Session& session) { session.send_line("HELLO ", std::to_string(session.id())); }

  asio::awaitable<void> on_line(switchboard::Session& session, std::string_view line) {
    const std::string copy(line);  // the view is valid until this coroutine ends, but be plain
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(copy.size() % 3));
    co_await timer.async_wait(asio::use_awaitable);
    if (copy == "throw") throw std::runtime_error("handler failure on purpose");
    session.send_line("done ", copy);
  }

  std::string farewell(switchboard::errc reason) { return "GOODBYE " + std::string(switchboard::protocol_word(reason)); }
};

// Answers most lines at once; lines starting with "wait" only after a
// timer (switchboard::LineWork): the answers must still come in order.
struct MixedHandler {
  switchboard::LineWork on_line(switchboard::Session& session, std::string_view line) {
    if (!line.starts_with("wait")) {
      session.send_line("done ", line);
      return {};
    }
    return answer_later(session, std::string(line));
  }

  static asio::awaitable<void> answer_later(switchboard::Session& session, std::string line) {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(line.size() % 3));
    co_await timer.async_wait(asio::use_awaitable);
    session.send_line("done ", line);
  }
};

// Waits, holding its line's view, until the test lets it go on; the test
// cuts the connection meanwhile. The view must still be good after.
struct HoldingHandler {
  struct Shared {
    std::mutex mutex;
    std::weak_ptr<asio::steady_timer> gate;  // what the handler waits on (it must not outlive the server)
    std::uint64_t id = 0;
    std::optional<std::string> seen;  // the line as the handler read it after the wait
  };
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();

  asio::awaitable<void> on_line(switchboard::Session& session, std::string_view line) {
    auto gate = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, 30s);
    {
      std::lock_guard lock(shared->mutex);
      shared->gate = gate;
      shared->id = session.id();
    }
    asio::error_code ignored;
    co_await gate->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    std::string copy(line);
    std::lock_guard lock(shared->mutex);
    shared->seen = std::move(copy);
  }
};

// Takes longer over a line than the idle timeout the test sets.
struct LingeringHandler {
  asio::awaitable<void> on_line(switchboard::Session& session, std::string_view line) {
    const std::string copy(line);
    asio::steady_timer timer(co_await asio::this_coro::executor, 2500ms);
    co_await timer.async_wait(asio::use_awaitable);
    session.send_line("done ", copy);
  }
};

struct ThrowingHandler {
  void on_line(switchboard::Session& session, std::string_view line) {
    if (line == "throw") throw std::runtime_error("handler failure on purpose");
    session.send_line("ok ", line);
  }
};

}  // namespace

TEST_SUITE("integration") {

TEST_CASE("an awaitable handler: lines of one connection are handled one at a time, in order") {
  test::TestServer<SlowHandler> server;
  TestClient client(server.port());
  const auto hello = client.read_line();
  REQUIRE(hello);
  CHECK(hello->starts_with("HELLO "));
  std::string batch;
  for (int i = 0; i < 200; ++i) batch += "line" + std::string(static_cast<std::size_t>(i % 3), '.') + std::to_string(i) + "\n";
  client.send(batch);
  for (int i = 0; i < 200; ++i)
    REQUIRE(client.read_line() == "done line" + std::string(static_cast<std::size_t>(i % 3), '.') + std::to_string(i));
}

TEST_CASE("a LineWork handler: lines answered at once and lines that wait keep their order") {
  test::TestServer<MixedHandler> server;
  TestClient client(server.port());
  const auto name = [](int i) { return (i % 4 == 0 ? "wait" : "now") + std::string(static_cast<std::size_t>(i % 3), '.') + std::to_string(i); };
  std::string batch;
  for (int i = 0; i < 200; ++i) batch += name(i) + "\n";
  client.send(batch);
  for (int i = 0; i < 200; ++i) REQUIRE(client.read_line() == "done " + name(i));
}

TEST_CASE("the handler's farewell replaces the default goodbye") {
  test::TestServer<SlowHandler> server;
  TestClient client(server.port());
  REQUIRE(client.read_line());  // HELLO
  server->request_stop();
  CHECK(client.read_line() == "GOODBYE server-shutdown");
  CHECK(client.closed_by_peer());
}

TEST_CASE("a handler that throws closes its own connection only, sync or awaitable") {
  SUBCASE("sync") {
    test::TestServer<ThrowingHandler> server;
    TestClient other(server.port()), victim(server.port());
    victim.send("before\nthrow\nafter\n");
    CHECK(victim.read_line() == "ok before");
    CHECK(victim.closed_by_peer());
    other.send_line("x");
    CHECK(other.read_line() == "ok x");
  }
  SUBCASE("awaitable") {
    test::TestServer<SlowHandler> server;
    TestClient other(server.port()), victim(server.port());
    REQUIRE(other.read_line());
    REQUIRE(victim.read_line());
    victim.send("before\nthrow\nafter\n");
    CHECK(victim.read_line() == "done before");
    CHECK(victim.closed_by_peer());
    other.send_line("x");
    CHECK(other.read_line() == "done x");
  }
}

TEST_CASE("a waiting handler's line stays valid when its connection is cut meanwhile") {
  HoldingHandler handler;
  const auto shared = handler.shared;
  test::TestServer<HoldingHandler> server({}, handler);
  TestClient client(server.port());
  // Longer than the session's first read buffer, so the line is put
  // together from two reads in the line reader's own buffer: the one a
  // closing session used to free.
  const std::string line(3000, 'x');
  client.send_line(line);
  const auto waiting = [&] {
    std::lock_guard lock(shared->mutex);
    return !shared->gate.expired();
  };
  REQUIRE(test::eventually(waiting));
  std::shared_ptr<asio::steady_timer> gate;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(shared->mutex);
    gate = shared->gate.lock();
    id = shared->id;
  }
  const auto session = server->registry().find(id);
  REQUIRE(session);
  session->close_now();
  REQUIRE(test::eventually([&] { return server->registry().count() == 0; }));  // closed, freed what it frees

  asio::post(gate->get_executor(), [gate] { gate->cancel(); });
  const auto seen = [&] {
    std::lock_guard lock(shared->mutex);
    return shared->seen;
  };
  REQUIRE(test::eventually([&] { return seen().has_value(); }));
  CHECK(seen() == line);  // under ASan a freed buffer is a heap-use-after-free here
}

TEST_CASE("time a handler spends on a line is not the client's idleness") {
  test::TestServer<LingeringHandler> server(switchboard::ServerOptions{.idle_timeout = 1s});
  TestClient client(server.port());
  const auto sent = std::chrono::steady_clock::now();
  client.send_line("slow");
  // The handler takes 2.5 s, past the 1 s idle timeout: the answer, not BYE.
  CHECK(client.read_line(10s) == "done slow");
  // Idle from the answer on, the client is cut as usual: 2.5 s + 1 s after
  // the line at the earliest (both start once the server has it).
  CHECK(client.read_line(10s) == "BYE idle-timeout");
  CHECK(std::chrono::steady_clock::now() - sent >= 3400ms);
}

TEST_CASE("broadcasts, kicks, connects and disconnects racing on many threads") {
  test::TestServer<ThrowingHandler> server(switchboard::ServerOptions{.threads = 4});
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  // Broadcasters and a kicker hammer the registry from outside the I/O threads.
  for (int b = 0; b < 2; ++b)
    threads.emplace_back([&] {
      const auto payload = switchboard::make_line_payload("news");
      for (int sent = 0; !done && sent < 20'000; ++sent) server->registry().broadcast(payload);
    });
  threads.emplace_back([&] {
    while (!done) {
      const auto rows = server->registry().snapshot();
      if (rows.size() > 4) server->registry().kick(rows[rows.size() / 2].id);
      server->registry().set_user(rows.empty() ? 0 : rows.front().id, "someone");
    }
  });
  // Clients come and go; each checks its own echo among the news.
  for (int c = 0; c < 4; ++c)
    threads.emplace_back([&, c] {
      for (int round = 0; round < 25; ++round) {
        try {
          TestClient client(server.port());
          const std::string mine = "c" + std::to_string(c) + "r" + std::to_string(round);
          client.send_line(mine);
          for (;;) {
            const auto line = client.read_line();
            if (!line || *line == "BYE kicked" || *line == "BYE slow-consumer" || *line == "ok " + mine) break;
            if (*line != "news") {
              ++failures;
              break;
            }
          }
        } catch (...) {
          ++failures;
        }
      }
    });
  for (std::size_t i = 3; i < threads.size(); ++i) threads[i].join();
  done = true;
  for (std::size_t i = 0; i < 3; ++i) threads[i].join();
  CHECK(failures == 0);
  CHECK(test::eventually([&] { return server->registry().count() == 0; }));
}

}  // TEST_SUITE
