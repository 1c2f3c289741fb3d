// The client programs against the real servers: stress_client's scenarios
// (exit status, figures, --json), its verdict on a server that answers
// wrongly or not at all, and chat_client driven through pipes.
#include "../support/child_process.hpp"
#include "../support/running_server.hpp"
#include "../support/test_client.hpp"
#include "../support/test_server.hpp"

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#if !defined(STRESS_CLIENT_PATH) || !defined(CHAT_CLIENT_PATH) || !defined(CHAT_SERVER_PATH) || !defined(ECHO_SERVER_PATH)
#error "the paths of stress_client, chat_client, chat_server and echo_server must be defined"
#endif

using namespace std::chrono_literals;
using test::ChildProcess;
using test::RunningServer;
using test::ScratchFile;
using test::chat_server;
using test::TestClient;
using json = nlohmann::json;

namespace {

// Runs a program to its end; its output (stdout and stderr) and status.
struct Finished {
  std::string output;
  int status = -1;
};
Finished run(std::vector<std::string> argv, std::chrono::seconds timeout = 60s) {
  ChildProcess child(std::move(argv), true);
  child.close_stdin();
  Finished result;
  while (auto line = child.read_line(timeout)) result.output += *line + "\n";
  result.status = child.wait(timeout).value_or(-1);
  return result;
}

std::vector<std::string> stress(std::uint16_t port, std::vector<std::string> args) {
  std::vector<std::string> argv{STRESS_CLIENT_PATH, "--port", std::to_string(port), "--threads", "2"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// stress_client's fanout to 10 receivers on `port` (a `server` kind):
// its report, once every acknowledged message is checked to have reached
// every receiver.
json fanout_to_ten(std::uint16_t port, const std::string& server) {
  const auto result = run(stress(port, {"--scenario", "fanout", "--server", server, "--clients", "10", "--duration",
                                        "0.5", "--window", "8", "--json"}));
  INFO(result.output);
  REQUIRE(result.status == 0);
  auto report = json::parse(result.output);
  const auto messages = report.at("figures").at("messages_acknowledged").get<double>();
  CHECK(messages > 0);
  CHECK(report.at("figures").at("deliveries").get<double>() == 10 * messages);
  return report;
}

const json& operation(const json& report, const std::string& name) {
  for (const auto& op : report.at("operations"))
    if (op.at("name") == name) return op;
  throw std::runtime_error("no operation " + name);
}

// Answers "Echo: <line>" like the echo server, except that "hello 3" gets a
// wrong answer.
struct WrongEchoHandler {
  void on_line(switchboard::Session& session, std::string_view line) {
    session.send_line("Echo: ", line == "hello 3" ? std::string_view("hello three") : line);
  }
};

// Reads lines and never answers.
struct SilentHandler {
  void on_line(switchboard::Session&, std::string_view) {}
};

// Registers alice and logs her in on a fresh connection.
void log_in_as_alice(TestClient& alice) {
  REQUIRE(alice.read_line());
  alice.send_line("REGISTER alice alice-password");
  REQUIRE(alice.read_line() == "OK registered alice");
  alice.send_line("LOGIN alice alice-password");
  REQUIRE(alice.read_line() == "OK logged-in alice");
}

// Reads a terminal's output until it holds `expected`; all of it so far.
std::string read_terminal_until(int terminal, std::string_view expected, std::string& seen) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (seen.find(expected) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("the terminal never showed \"" + std::string(expected) + "\"; it showed \"" + seen + "\"");
    pollfd fd{terminal, POLLIN, 0};
    if (::poll(&fd, 1, 50) <= 0) continue;
    char chunk[4096];
    const ssize_t n = ::read(terminal, chunk, sizeof chunk);
    if (n <= 0) throw std::runtime_error("the terminal closed; it showed \"" + seen + "\"");
    seen.append(chunk, static_cast<std::size_t>(n));
  }
  return seen;
}

}  // namespace

TEST_SUITE("integration") {

TEST_CASE("stress_client: the auth scenario against chat_server checks every reply and counts every MSG") {
  ScratchFile database("switchboard-stress-auth.db");
  RunningServer server = chat_server(database.path);
  const auto result = run(stress(server.port, {"--scenario", "auth", "--clients", "20", "--messages", "3", "--json"}));
  INFO(result.output);
  REQUIRE(result.status == 0);
  const auto report = json::parse(result.output);
  CHECK(report.at("scenario") == "auth");
  CHECK(report.at("errors").at("total") == 0);
  CHECK(operation(report, "seed").at("count") == 10);      // the logging-in half's accounts
  CHECK(operation(report, "register").at("count") == 10);  // the other half's fresh names
  CHECK(operation(report, "login").at("count") == 20);
  CHECK(operation(report, "echo").at("count") == 60);
  CHECK(operation(report, "broadcast").at("count") == 60);
  CHECK(operation(report, "logout").at("count") == 20);
  CHECK(operation(report, "quit").at("count") == 20);
  CHECK(operation(report, "echo").at("p99_us").get<double>() > 0);
  CHECK(report.at("figures").at("msg_events_received") == 60 * 19);  // each broadcast reaches the 19 others
}

TEST_CASE("stress_client: echo, idle and fanout scenarios against the real servers print their figures") {
  RunningServer echo({ECHO_SERVER_PATH, "--port", "0", "--threads", "2", "--quiet"});
  SUBCASE("echo, pipelined, as a table") {
    const auto result = run(stress(echo.port, {"--scenario", "echo", "--clients", "4", "--pipeline", "8",
                                               "--duration", "0.5", "--warmup", "0.2", "--size", "100"}));
    INFO(result.output);
    CHECK(result.status == 0);
    CHECK(result.output.find("scenario echo: 4 connections") != std::string::npos);
    CHECK(result.output.find("\necho ") != std::string::npos);
    CHECK(result.output.find("errors: 0 (connection 0, timeout 0, protocol 0)") != std::string::npos);
  }
  SUBCASE("raw byte echo, every byte value, split across reads") {
    RunningServer raw({ECHO_SERVER_PATH, "--raw", "--port", "0", "--threads", "2", "--quiet"});
    const auto result = run(stress(raw.port, {"--scenario", "echo", "--server", "raw", "--clients", "4", "--pipeline",
                                              "4", "--size", "3000", "--duration", "0.5", "--warmup", "0.1", "--json"}));
    INFO(result.output);
    REQUIRE(result.status == 0);
    CHECK(operation(json::parse(result.output), "echo").at("count").get<double>() > 0);
  }
  SUBCASE("idle, with the server's memory") {
    const auto result = run(stress(echo.port, {"--scenario", "idle", "--clients", "50", "--duration", "1",
                                               "--server-pid", std::to_string(echo.process.pid()), "--json"}));
    INFO(result.output);
    REQUIRE(result.status == 0);
    const auto report = json::parse(result.output);
    CHECK(report.at("figures").at("connections_held") == 50);
    CHECK(report.at("figures").at("server_rss_held_kib").get<double>() > 0);
    CHECK(report.at("figures").contains("server_bytes_per_connection"));
  }
  SUBCASE("fanout to the chat server") {
    ScratchFile database("switchboard-stress-fanout.db");
    RunningServer chat = chat_server(database.path);
    const auto report = fanout_to_ten(chat.port, "chat");
    CHECK(operation(report, "delivery").at("count").get<double>() ==
          10 * report.at("figures").at("messages_acknowledged").get<double>());
  }
}

TEST_CASE("stress_client: echo on the chat server takes other clients' broadcasts in its stride") {
  ScratchFile database("switchboard-stress-echo-events.db");
  RunningServer server = chat_server(database.path);
  TestClient alice(server.port);
  log_in_as_alice(alice);
  test::ChildProcess load(stress(server.port, {"--scenario", "echo", "--server", "chat", "--clients", "3",
                                               "--duration", "2", "--warmup", "0"}),
                          true);
  // Broadcast until the three echoing connections, logged in, are among the receivers.
  std::size_t most_receivers = 0;
  for (int i = 0; i < 2000 && most_receivers < 3; ++i) {
    alice.send_line("BROADCAST interrupting " + std::to_string(i));
    const auto reply = alice.read_line();
    REQUIRE(reply);
    REQUIRE(reply->starts_with("OK sent "));
    most_receivers = std::max<std::size_t>(most_receivers, std::stoul(reply->substr(8)));
    std::this_thread::sleep_for(1ms);  // a pace, not synchronisation
  }
  REQUIRE(most_receivers == 3);
  for (int i = 0; i < 50; ++i) {  // and some more while they echo
    alice.send_line("BROADCAST interrupting again");
    REQUIRE(alice.read_line());
  }
  std::string output;
  while (auto line = load.read_line(30s)) output += *line + "\n";
  INFO(output);
  CHECK(load.wait() == 0);
}

TEST_CASE("stress_client: fanout against Redis pub/sub, the baseline the benchmarks compare with") {
  // Redis has no "port 0": take a free port from the kernel, then start it there.
  std::uint16_t port = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  ChildProcess redis({"redis-server", "--bind", "127.0.0.1", "--port", std::to_string(port), "--save", "",
                      "--appendonly", "no"},
                     true);
  REQUIRE(test::eventually(
      [&] {
        try {
          TestClient probe(port);
          return true;
        } catch (const std::exception&) {
          return false;
        }
      },
      10s));
  const auto report = fanout_to_ten(port, "redis");
  CHECK(operation(report, "subscribe").at("count") == 10);
  redis.signal(SIGTERM);
  CHECK(redis.wait().has_value());
}

TEST_CASE("stress_client: a wrong answer or none is an error naming the connection and the line, status 1") {
  SUBCASE("a wrong echo") {
    test::TestServer<WrongEchoHandler> server;
    const auto result = run(stress(server.port(), {"--scenario", "echo", "--clients", "1", "--duration", "0.3",
                                                   "--warmup", "0"}));
    INFO(result.output);
    CHECK(result.status == 1);
    CHECK(result.output.find("connection 1: protocol error in echo: expected \"Echo: hello 3\", got \"Echo: hello three\"") !=
          std::string::npos);
    CHECK(result.output.find("errors: 1 (connection 0, timeout 0, protocol 1)") != std::string::npos);
  }
  SUBCASE("no answer within --timeout") {
    test::TestServer<SilentHandler> server;
    const auto result = run(stress(server.port(), {"--scenario", "echo", "--clients", "3", "--duration", "0.3",
                                                   "--warmup", "0", "--timeout", "0.5", "--json"}));
    INFO(result.output);
    CHECK(result.status == 1);
    const auto report = json::parse(result.output);
    CHECK(report.at("errors").at("timeout") == 3);
    CHECK(report.at("errors").at("messages").at(0).get<std::string>().find("no answer within 500 ms") !=
          std::string::npos);
  }
  SUBCASE("nothing listening") {
    std::uint16_t closed_port = 0;
    {
      test::TestServer<SilentHandler> server;
      closed_port = server.port();
    }
    // Told the kind of server, it tries every connection and counts each failure.
    const auto counted = run(stress(closed_port, {"--scenario", "echo", "--server", "echo", "--clients", "2",
                                                  "--duration", "0.3"}));
    INFO(counted.output);
    CHECK(counted.status == 1);
    CHECK(counted.output.find("errors: 2 (connection 2, timeout 0, protocol 0)") != std::string::npos);
    CHECK(counted.output.find("connect to 127.0.0.1:" + std::to_string(closed_port) + ": Connection refused") != std::string::npos);
    // Left to find out the kind, it cannot start at all: status 2 and why.
    const auto refused = run(stress(closed_port, {"--scenario", "echo", "--clients", "2"}));
    INFO(refused.output);
    CHECK(refused.status == 2);
    CHECK(refused.output.find("stress_client: cannot connect to 127.0.0.1:" + std::to_string(closed_port)) !=
          std::string::npos);
  }
}

TEST_CASE("chat_client: through pipes it logs in, broadcasts, receives another client's MSG and quits with 0") {
  ScratchFile database("switchboard-chat-client.db");
  ScratchFile password("switchboard-chat-client-password", "bob's password\n");
  RunningServer server = chat_server(database.path);

  TestClient alice(server.port);
  log_in_as_alice(alice);

  ChildProcess bob({CHAT_CLIENT_PATH, "--port", std::to_string(server.port), "--user", "bob", "--register",
                    "--password-file", password.path});
  CHECK(bob.read_line()->starts_with("HELLO switchboard 1 "));
  CHECK(bob.read_line() == "OK registered bob");
  CHECK(bob.read_line() == "OK logged-in bob");

  bob.write_line("hello alice");  // plain text is a BROADCAST
  CHECK(bob.read_line() == "OK sent 1");
  CHECK(alice.read_line() == "MSG bob hello alice");

  alice.send_line("BROADCAST hi bob");
  CHECK(alice.read_line() == "OK sent 1");
  CHECK(bob.read_line() == "MSG alice hi bob");

  bob.write_line("/who");
  CHECK(bob.read_line() == "OK 2 alice bob");
  bob.write_line("/quit");
  CHECK(bob.read_line() == "OK bye");
  CHECK(bob.read_line() == std::nullopt);
  CHECK(bob.wait() == 0);
}

TEST_CASE("chat_client: a name typed in another case logs in to the account as the server names it") {
  ScratchFile database("switchboard-chat-client-case.db");
  ScratchFile password("switchboard-chat-client-case-password", "dave's password\n");
  RunningServer server = chat_server(database.path);
  TestClient registrar(server.port);
  REQUIRE(registrar.read_line());
  registrar.send_line("REGISTER Dave dave's password");
  REQUIRE(registrar.read_line() == "OK registered Dave");

  ChildProcess dave({CHAT_CLIENT_PATH, "--port", std::to_string(server.port), "--user", "dAVE",
                     "--password-file", password.path});
  CHECK(dave.read_line()->starts_with("HELLO switchboard 1 "));
  CHECK(dave.read_line() == "OK logged-in Dave");  // the reply names the account as registered
  dave.write_line("/who");
  CHECK(dave.read_line() == "OK 1 Dave");
  dave.write_line("/quit");
  CHECK(dave.read_line() == "OK bye");
  CHECK(dave.wait() == 0);
}

TEST_CASE("chat_client: end of input quits with 0, BYE from the server ends it with 1") {
  ScratchFile database("switchboard-chat-client-bye.db");
  RunningServer server = chat_server(database.path);
  SUBCASE("end of input") {
    ChildProcess client({CHAT_CLIENT_PATH, "--port", std::to_string(server.port)});
    CHECK(client.read_line()->starts_with("HELLO switchboard 1 "));
    client.write_line("PING there");
    CHECK(client.read_line() == "OK PONG there");
    client.close_stdin();
    CHECK(client.read_line() == "OK bye");
    CHECK(client.wait() == 0);
  }
  SUBCASE("kicked") {
    ChildProcess client({CHAT_CLIENT_PATH, "--port", std::to_string(server.port)}, true);
    const auto hello = client.read_line();
    REQUIRE(hello);
    server.process.write_line("kick " + hello->substr(hello->rfind(' ') + 1));
    CHECK(client.read_line() == "BYE kicked");
    CHECK(client.read_line() == "chat_client: the server closed the connection: kicked");
    CHECK(client.wait() == 1);
  }
  SUBCASE("a wrong password") {
    ScratchFile password("switchboard-chat-client-wrong", "not the password\n");
    ChildProcess client({CHAT_CLIENT_PATH, "--port", std::to_string(server.port), "--user", "nobody",
                         "--password-file", password.path},
                        true);
    CHECK(client.read_line()->starts_with("HELLO switchboard 1 "));
    CHECK(client.read_line() == "ERR bad-credentials");
    CHECK(client.read_line() == "chat_client: LOGIN failed: ERR bad-credentials");
    CHECK(client.wait() == 1);
  }
}

TEST_CASE("chat_client: on a terminal, a message that arrives mid-typing is printed above the half-typed line") {
  ScratchFile database("switchboard-chat-client-tty.db");
  ScratchFile password("switchboard-chat-client-tty-password", "carol's password\n");
  RunningServer server = chat_server(database.path);
  TestClient alice(server.port);
  log_in_as_alice(alice);

  const std::string port = std::to_string(server.port);
  int terminal = -1;
  const pid_t pid = ::forkpty(&terminal, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::execl(CHAT_CLIENT_PATH, "chat_client", "--port", port.c_str(), "--user", "carol", "--register",
            "--password-file", password.path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string seen;
  read_terminal_until(terminal, "OK logged-in carol\r\n", seen);
  read_terminal_until(terminal, "> ", seen);
  REQUIRE(::write(terminal, "half-typ", 8) == 8);
  read_terminal_until(terminal, "> half-typ", seen);

  alice.send_line("BROADCAST hello carol");
  CHECK(alice.read_line() == "OK sent 1");
  // The line is cleared, the message printed, the prompt and the typing drawn again.
  read_terminal_until(terminal, "\r\x1b[KMSG alice hello carol\r\n\r\x1b[K> half-typ", seen);

  const std::string_view keys = "ed\x7f\x7f" "ed text\r";  // two Backspaces, then Enter
  REQUIRE(::write(terminal, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size()));
  CHECK(alice.read_line() == "MSG carol half-typed text");
  read_terminal_until(terminal, "OK sent 1", seen);

  REQUIRE(::write(terminal, "\x04", 1) == 1);  // Ctrl-D: QUIT
  read_terminal_until(terminal, "OK bye", seen);
  int status = -1;
  CHECK(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  ::close(terminal);
}

}  // TEST_SUITE
