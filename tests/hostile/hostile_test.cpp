// Hostile input and faults, against the real binaries: what a bad client
// does must cost only that client (an answer, a goodbye, a close), never the
// server's memory or the other clients' service; a crash must not lose an
// account the server confirmed; a stop under load must still be clean.
#include "../support/child_process.hpp"
#include "../support/running_server.hpp"
#include "../support/test_client.hpp"
#include "../support/test_server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <sqlite3.h>

#if !defined(ECHO_SERVER_PATH) || !defined(CHAT_SERVER_PATH) || !defined(STRESS_CLIENT_PATH)
#error "the paths of echo_server, chat_server and stress_client must be defined"
#endif

using namespace std::chrono_literals;
using test::chat_server;
using test::RunningServer;
using test::ScratchFile;
using test::TestClient;

namespace {

RunningServer echo_server(std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{ECHO_SERVER_PATH, "--port", "0", "--threads", "2", "--quiet"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return RunningServer(argv);
}

// The server's `count`, read from its console.
int active_clients(RunningServer& server) {
  server.process.write_line("count");
  const auto line = server.process.read_until("active clients: ");
  return std::stoi(line.substr(line.rfind(' ') + 1));
}

// Another client's round trip works: the server is serving.
void still_serving(std::uint16_t port) {
  TestClient other(port);
  other.send_line("are you there");
  REQUIRE(other.read_line() == "Echo: are you there");
}

// Sends without failing when the server has closed (it may cut a bad client
// mid-send); returns the bytes the kernel took.
std::size_t send_regardless(TestClient& client, std::string_view bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(client.socket().native_handle(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  return sent;
}

// A client of `port` registered and logged in as `name`.
std::unique_ptr<TestClient> chat_user(std::uint16_t port, const std::string& name) {
  auto client = std::make_unique<TestClient>(port);
  REQUIRE(client->read_line().value_or("").starts_with("HELLO "));
  client->send_line("REGISTER " + name + " password-" + name);
  REQUIRE(client->read_line() == "OK registered " + name);
  client->send_line("LOGIN " + name + " password-" + name);
  REQUIRE(client->read_line() == "OK logged-in " + name);
  return client;
}

// The lines PROTOCOL.md makes of `bytes`: LF ends a line, a CR before it is
// dropped, empty lines are skipped, bytes after the last LF are dropped.
std::vector<std::string> protocol_lines(std::string_view bytes) {
  std::vector<std::string> lines;
  for (std::size_t lf; (lf = bytes.find('\n')) != std::string_view::npos; bytes.remove_prefix(lf + 1)) {
    std::string_view line = bytes.substr(0, lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) lines.emplace_back(line);
  }
  return lines;
}

}  // namespace

TEST_SUITE("hostile") {

TEST_CASE("hostile: out of descriptors, echo_server pauses accepting, logs once, and recovers") {
  // A hard limit the server cannot raise: a few descriptors beyond its own.
  test::ChildProcess server({"prlimit", "--nofile=24:24", ECHO_SERVER_PATH, "--port", "0", "--threads", "1"},
                      /*merge_stderr=*/true);
  const auto port = test::listening_port(server.read_until("[LISTENING]"));
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 30; ++i) clients.push_back(std::make_unique<TestClient>(port));  // the kernel accepts them all
  // Reads log lines up to one starting with `prefix`; counts the [ERROR]s among them.
  auto errors_until = [&](std::string_view prefix) {
    int errors = 0;
    for (;;) {
      const auto line = server.read_line();
      REQUIRE(line);
      if (line->starts_with("[ERROR]")) ++errors;
      if (line->starts_with(prefix)) return errors;
    }
  };
  CHECK(errors_until("[ERROR] accept failed: Too many open files") == 1);
  // Those accepted are served while the rest wait in the backlog.
  clients[0]->send_line("first");
  CHECK(clients[0]->read_line() == "Echo: first");
  clients.clear();
  CHECK(errors_until("[ACCEPTING] new connections again") == 0);  // one line per episode
  TestClient late(port);
  late.send_line("late");
  CHECK(late.read_line() == "Echo: late");
  server.write_line("exit");
  CHECK(server.wait() == 0);
}

TEST_CASE("hostile: a 10 MB line without a newline gets ERR line-too-long - memory stays flat - others are served") {
  RunningServer server = echo_server();
  still_serving(server.port);
  const long before = test::resident_kib(server.process.pid());
  TestClient hostile(server.port);
  const std::string megabyte(1 << 20, 'x');
  std::size_t sent = 0;
  for (int i = 0; i < 10; ++i) {
    sent += send_regardless(hostile, megabyte);
    still_serving(server.port);  // throughout
  }
  INFO("the server took " << sent << " bytes before it stopped reading");
  CHECK(hostile.read_line(10s) == "ERR line-too-long");
  CHECK(hostile.closed_by_peer(10s));
  if (test::memory_is_measurable)
    CHECK(test::resident_kib(server.process.pid()) - before < 2048);  // never the 10 MB
  still_serving(server.port);
}

TEST_CASE("hostile: random binary garbage is framed exactly as PROTOCOL.md says, and harms nobody") {
  RunningServer server = echo_server();
  std::mt19937 random(20261127);
  std::string garbage;
  while (garbage.size() < (256u << 10)) {
    const std::size_t length = random() % 2000;  // under --max-line: every line is answered
    for (std::size_t i = 0; i < length; ++i) {
      char c = static_cast<char>(random() % 256);
      if (c == '\n') c = 'n';
      garbage.push_back(c);
    }
    garbage.push_back('\n');
  }
  garbage += "a partial last line";
  TestClient hostile(server.port);
  // Send and read at once: the replies must not back up behind the input.
  std::thread sender([&] {
    send_regardless(hostile, garbage);
    ::shutdown(hostile.socket().native_handle(), SHUT_WR);  // not through asio: the reader is using it
  });
  std::vector<std::string> echoed;
  while (auto line = hostile.read_line(10s)) echoed.push_back(*line);
  sender.join();
  const auto expected = protocol_lines(garbage);
  REQUIRE(echoed.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) REQUIRE(echoed[i] == "Echo: " + expected[i]);
  still_serving(server.port);
}

TEST_CASE("hostile: 1000 clients that connect and vanish with a reset leave nothing behind") {
  RunningServer server = echo_server();
  asio::io_context io;
  for (int round = 0; round < 4; ++round) {
    std::vector<asio::ip::tcp::socket> sockets;
    for (int i = 0; i < 250; ++i) {
      sockets.emplace_back(io);
      sockets.back().connect({asio::ip::make_address("127.0.0.1"), server.port});
      if (i % 2 == 0) asio::write(sockets.back(), asio::buffer(std::string_view("half a li")));
    }
    for (auto& socket : sockets) {
      socket.set_option(asio::socket_base::linger(true, 0));  // close() sends RST
      socket.close();
    }
  }
  CHECK(test::eventually([&] { return active_clients(server) == 0; }, 10s));
  still_serving(server.port);
}

TEST_CASE("hostile: half-open connections are cut by --idle-timeout - a slow but steady client is not") {
  RunningServer server = echo_server({"--idle-timeout", "1"});
  std::vector<std::unique_ptr<TestClient>> silent;
  for (int i = 0; i < 100; ++i) {
    silent.push_back(std::make_unique<TestClient>(server.port));
    silent.back()->send("a line that never ends");
  }
  // One byte every 300 ms: never idle for a second, so it is served.
  TestClient trickle(server.port);
  for (const char byte : std::string_view("slow\n")) {
    trickle.send(std::string_view(&byte, 1));
    std::this_thread::sleep_for(300ms);  // the pace is the point of the test, not synchronisation
  }
  CHECK(trickle.read_line() == "Echo: slow");
  for (auto& client : silent) {
    CHECK(client->read_line(5s) == "BYE idle-timeout");
    CHECK(client->closed_by_peer());
  }
  CHECK(trickle.read_line(5s) == "BYE idle-timeout");  // once it, too, says nothing for a second
  CHECK(test::eventually([&] { return active_clients(server) == 0; }, 5s));
}

TEST_CASE("hostile: a receiver that stops reading during a broadcast flood gets BYE slow-consumer - memory stays bounded - the others are served") {
  RunningServer server = chat_server();
  auto alice = chat_user(server.port, "alice");  // floods
  auto bob = chat_user(server.port, "bob");      // stops reading
  auto carol = chat_user(server.port, "carol");  // reads all along, on a thread of her own
  TestClient dave(server.port);                  // not logged in: asks for a PONG now and then
  REQUIRE(dave.read_line().value_or("").starts_with("HELLO "));

  // 40 MB to each receiver: far past bob's queue (--max-queue, 1 MiB) and
  // the kernel's socket buffers, so only the bound keeps the server's memory
  // down. Alice sends in batches, each once carol has read the one before:
  // a flood a reading client keeps up with.
  constexpr int lines = 100'000, batch = 500;
  const std::string text(400, 't');
  const auto said = [&](int i) { return std::to_string(i) + " " + text; };
  const auto msg = [&](int i) { return "MSG alice " + said(i); };

  const int pid = server.process.pid();
  const long before_kib = test::resident_kib(pid);
  std::atomic<long> peak_growth_kib{0};
  std::atomic<int> carol_got{0};
  // jthreads: a failed REQUIRE below joins them (their reads time out).
  std::jthread carol_reads([&] {
    for (int i = 0; i < lines; ++i) {
      if (carol->read_line(10s) != msg(i)) break;
      ++carol_got;
      if (i % 1000 == 0) peak_growth_kib = std::max(peak_growth_kib.load(), test::resident_kib(pid) - before_kib);
    }
  });
  // Bob reads once he has been cut (the server waits its close grace, 2 s,
  // for the goodbye to be read): the start of the flood, then the goodbye.
  int bob_got = 0;
  std::optional<std::string> bob_last;
  std::jthread bob_reads;  // after what it writes: destroyed (joined) first
  std::vector<int> acks;
  for (int first = 0; first < lines; first += batch) {
    REQUIRE(test::eventually([&] { return carol_got >= first - batch; }, 10s));
    std::string lines_out;
    for (int i = first; i < first + batch; ++i) lines_out += "BROADCAST " + said(i) + "\n";
    alice->send(lines_out);
    for (int i = first; i < first + batch; ++i) {
      const auto reply = alice->read_line(10s);
      REQUIRE((reply == "OK sent 2" || reply == "OK sent 1"));
      acks.push_back(reply->back() - '0');
    }
    if (acks.back() == 1 && !bob_reads.joinable()) {
      bob_reads = std::jthread([&] {
        while ((bob_last = bob->read_line(10s)) && bob_last->starts_with("MSG ") && *bob_last == msg(bob_got))
          ++bob_got;
      });
    }
    dave.send_line("PING");
    REQUIRE(dave.read_line(5s) == "OK PONG");  // served throughout
  }
  carol_reads.join();
  REQUIRE(bob_reads.joinable());  // bob was cut during the flood
  bob_reads.join();
  CHECK(carol_got == lines);
  CHECK(std::is_sorted(acks.rbegin(), acks.rend()));  // 2 ... 2 1 ... 1
  CHECK(bob_last == "BYE slow-consumer");           // after the first lines of the flood, in order
  CHECK(bob->closed_by_peer());
  CHECK(bob_got > 0);
  CHECK(bob_got < lines);
  INFO("the server's resident memory grew by at most " << peak_growth_kib.load() << " KiB");
  if (test::memory_is_measurable) CHECK(peak_growth_kib < 16 * 1024);
  carol->send_line("PING");
  CHECK(carol->read_line() == "OK PONG");
}

TEST_CASE("hostile: kill -9 during a registration storm loses no confirmed account - the database is intact") {
  ScratchFile database("switchboard-hostile-durability.db");
  std::vector<std::string> confirmed;
  {
    RunningServer server = chat_server(database.path);
    std::mutex mutex;
    std::atomic<bool> killed{false};
    std::vector<std::thread> storm;
    for (int t = 0; t < 8; ++t) {
      storm.emplace_back([&, t] {
        try {
          TestClient client(server.port);
          client.read_line();
          for (int k = 0; !killed; ++k) {
            const std::string name = "d" + std::to_string(t) + "_" + std::to_string(k);
            client.send_line("REGISTER " + name + " password-" + name);
            const auto reply = client.read_line(5s);
            if (reply != "OK registered " + name) return;  // the server died under us
            std::lock_guard lock(mutex);
            confirmed.push_back(name);
          }
        } catch (const std::exception&) {  // the connection died with the server: expected
        }
      });
    }
    REQUIRE(test::eventually([&] { std::lock_guard lock(mutex); return confirmed.size() >= 50; }, 20s));
    server.process.signal(SIGKILL);
    killed = true;
    for (auto& thread : storm) thread.join();
    CHECK(server.process.wait() == 128 + SIGKILL);
  }
  INFO(confirmed.size() << " registrations were confirmed before the kill");
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(database.path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    std::string verdict;
    sqlite3_exec(db, "PRAGMA integrity_check", [](void* out, int, char** values, char**) {
      *static_cast<std::string*>(out) = values[0] ? values[0] : "";
      return 0;
    }, &verdict, nullptr);
    sqlite3_close(db);
    CHECK(verdict == "ok");
  }
  RunningServer server = chat_server(database.path);
  TestClient client(server.port);
  client.read_line();
  for (const auto& name : confirmed) {
    client.send_line("LOGIN " + name + " password-" + name);
    REQUIRE(client.read_line() == "OK logged-in " + name);
    client.send_line("LOGOUT");
    REQUIRE(client.read_line() == "OK logged-out");
  }
}

TEST_CASE("hostile: exit while 1000 clients stream stops within the deadline with status 0") {
  RunningServer server = echo_server({"--max-clients", "2000"});
  test::ChildProcess load({STRESS_CLIENT_PATH, "--scenario", "echo", "--server", "echo", "--port",
                           std::to_string(server.port), "--clients", "1000", "--duration", "30", "--warmup", "0",
                           "--threads", "2"},
                          true);
  REQUIRE(test::eventually([&] { return active_clients(server) == 1000; }, 30s));
  const auto asked = std::chrono::steady_clock::now();
  server.process.write_line("exit");
  CHECK(server.process.wait(10s) == 0);
  // Graceful: each client's goodbye, flushed, within the 2 s grace (and some slack for a loaded machine).
  CHECK(std::chrono::steady_clock::now() - asked < 8s);
  // The load generator sees every connection end: it reports them and exits 1.
  CHECK(load.wait(30s) == 1);
}

TEST_CASE("hostile: 20 connections guessing one name's password at once get 5 guesses, not 20") {
  // The default hash cost and one hash thread: every LOGIN is read long
  // before the first answer, so if the throttle were asked only on arrival
  // all 20 would be checked. Asked again at each job's turn, after the
  // failures before it counted, exactly 5 are.
  RunningServer server = test::chat_server_with({"--hash-threads", "1"});
  auto alice = chat_user(server.port, "alice");
  {
    // Right passwords at once are not held back: one name, many connections.
    std::vector<std::unique_ptr<TestClient>> sessions;
    for (int i = 0; i < 8; ++i) {
      sessions.push_back(std::make_unique<TestClient>(server.port));
      REQUIRE(sessions.back()->read_line().value_or("").starts_with("HELLO "));
    }
    for (auto& session : sessions) session->send_line("LOGIN alice password-alice");
    for (auto& session : sessions) CHECK(session->read_line(30s) == "OK logged-in alice");
  }
  std::vector<std::unique_ptr<TestClient>> guessers;
  for (int i = 0; i < 20; ++i) {
    guessers.push_back(std::make_unique<TestClient>(server.port));
    REQUIRE(guessers.back()->read_line().value_or("").starts_with("HELLO "));
  }
  for (int i = 0; i < 20; ++i) guessers[i]->send_line("LOGIN ALICE guess-" + std::to_string(i));
  int checked = 0, refused = 0;
  for (auto& guesser : guessers) {
    const auto answer = guesser->read_line(30s);
    if (answer == "ERR bad-credentials") ++checked;
    else if (answer == "ERR too-many-attempts") ++refused;
    else FAIL("unexpected answer: " << answer.value_or("(closed)"));
  }
  CHECK(checked == 5);
  CHECK(refused == 15);
  // The name is locked now, even with the right password.
  TestClient late(server.port);
  REQUIRE(late.read_line());
  late.send_line("LOGIN alice password-alice");
  CHECK(late.read_line() == "ERR too-many-attempts");
}

TEST_CASE("hostile: a stdout nobody reads drops log lines instead of stopping the server") {
  // Not --quiet: every connection logs four lines. The test reads nothing
  // while 3 000 clients come and go, far more than the pipe holds.
  RunningServer server({ECHO_SERVER_PATH, "--port", "0", "--threads", "2"});
  {
    asio::io_context io;
    for (int i = 0; i < 3000; ++i) {
      asio::ip::tcp::socket client(io);
      client.connect({asio::ip::make_address("127.0.0.1"), server.port});
    }
  }
  still_serving(server.port);  // blocked on a full pipe, it would answer nobody

  // Once the output is read again, the count of what was dropped comes
  // before the next line.
  std::optional<std::string> notice;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!notice && std::chrono::steady_clock::now() < deadline) {
    still_serving(server.port);  // a line or four more to write
    try {
      for (;;) {
        const auto line = server.process.read_line(200ms);
        REQUIRE(line);
        if (line->starts_with("[LOG] ")) notice = line;
      }
    } catch (const std::runtime_error&) {  // nothing more for now
    }
  }
  REQUIRE(notice);
  CHECK(notice->ends_with(" lines dropped: nothing was reading the output"));
  CHECK(test::eventually([&] { return active_clients(server) == 0; }));  // the console answers too
}

TEST_CASE("hostile: exit with a long queue of LOGINs waiting for the hash pool stops within the deadline") {
  // One hash thread and a costly hash: the LOGINs below queue up for far
  // longer than the deadline (200 x 0.15 s on the machine this was
  // written on). A stopping server must drop the ones not started.
  RunningServer server = test::chat_server_with({"--hash-threads", "1", "--hash-ops", "32"});
  constexpr int logins = 200;
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> clients;
  for (int i = 0; i < logins; ++i) {
    auto& client = clients.emplace_back(io);
    client.connect({asio::ip::make_address("127.0.0.1"), server.port});
    asio::write(client, asio::buffer("LOGIN nobody" + std::to_string(i) + " not-the-password\n"));
  }
  // The first answer, on any connection, means hashing has begun; the other
  // LOGINs (a read each, microseconds) are in the queue behind it by then.
  std::vector<std::string> received(logins);
  int answered = 0;
  for (int i = 0; i < logins; ++i)
    asio::async_read_until(clients[i], asio::dynamic_buffer(received[i]), "ERR bad-credentials\n",
                           [&](const asio::error_code& ec, std::size_t) {
                             if (ec) return;
                             ++answered;
                             io.stop();
                           });
  io.run_for(30s);
  REQUIRE(answered == 1);

  const auto asked = std::chrono::steady_clock::now();
  server.process.write_line("exit");
  CHECK(server.process.wait(30s) == 0);
  // The 2 s grace (the clients never close), one hash that was running, slack.
  CHECK(std::chrono::steady_clock::now() - asked < 8s);
}

}  // TEST_SUITE
