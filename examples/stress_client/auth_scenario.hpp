// examples/stress_client/auth_scenario.hpp: the lab's program, as a load test.
//
// --clients N connect at once: the even-numbered half REGISTER a fresh name
// and log in with it, the odd half LOGIN to an account seeded beforehand.
// When all are logged in, each has a conversation of --messages K ECHOs and
// K BROADCASTs, every reply checked, then waits for the MSG events it is
// owed and leaves with LOGOUT and QUIT (the server must then close).
//
// Owed events are exact: nobody leaves before every broadcast has been
// acknowledged (a gate), and each "OK sent" means the message was queued to
// every other connection, so each client must receive every acknowledged
// broadcast but its own. Each MSG is checked too: its text names its sender,
// so a message shown under the wrong name is caught.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "accounts.hpp"
#include "chat.hpp"
#include "scenario.hpp"

namespace stress {

inline Report run_auth(const Options& options, const Target& target) {
  enum Op : std::size_t { connect, seed_op, register_op, login_op, echo, broadcast, events, logout, quit };
  const std::vector<std::string> operations{"connect", "seed", "register", "login",  "echo",
                                            "broadcast", "msg-wait", "logout", "quit"};
  Report report{"auth", options.clients, options.threads, 0, Stats(operations), {}};
  const std::size_t n = options.clients;
  const auto prefix = user_prefix(options);
  auto name_of = [&](std::size_t i) { return fmt::format("{}{}{}", prefix, i % 2 == 0 ? 'r' : 'l', i); };

  std::vector<std::string> seeded;
  for (std::size_t i = 1; i < n; i += 2) seeded.push_back(name_of(i));
  const auto seeding = Clock::now();
  seed(options, target, operations, connect, seed_op, seeded, report.stats);
  report.figures.emplace_back("seeding seconds", std::chrono::duration<double>(Clock::now() - seeding).count());
  if (report.stats.total_errors() > 0) return report;

  Gate logged_in(n), broadcasts_done(n);
  std::atomic<std::uint64_t> acknowledged{0}, received_total{0}, failed{0}, finished{0};
  const std::string text_tail = " from ";

  auto client_main = [&](Client& client) -> asio::awaitable<void> {
    Arrivals gates({&logged_in, &broadcasts_done});
    const std::size_t i = client.number - 1;
    const std::string me = name_of(i);
    std::uint64_t received = 0, mine = 0;
    // A MSG from one of this run's clients must carry its sender's name in
    // its text ("hello <k> from <sender>"); others' messages are not ours.
    auto on_event = [&](std::string_view line) {
      if (!chat::starts_with(line, "MSG ")) {
        client.fail(ErrorKind::protocol, events, fmt::format("unexpected line \"{}\"", line));
        return false;
      }
      const auto rest = line.substr(4);
      const auto space = rest.find(' ');
      const auto sender = rest.substr(0, space);
      if (!chat::starts_with(sender, prefix)) return true;
      const auto text = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
      const auto from = text.rfind(text_tail);
      if (from == std::string_view::npos || text.substr(from + text_tail.size()) != sender) {
        client.fail(ErrorKind::protocol, events, fmt::format("MSG from {} with another's text: \"{}\"", sender, line));
        return false;
      }
      ++received;
      return true;
    };
    auto body = [&]() -> asio::awaitable<bool> {
      if (!co_await client.connect(connect)) co_return false;
      if (!co_await chat::greeting(client, connect)) co_return false;
      if (i % 2 == 0) {
        if (!co_await chat::register_user(client, register_op, me, options.password, false, on_event)) co_return false;
      }
      if (!co_await chat::login(client, login_op, me, options.password, on_event)) co_return false;
      co_await gates.wait(client.park);
      for (std::size_t k = 1; k <= options.messages; ++k) {
        const auto text = fmt::format("hello {}{}{}", k, text_tail, me);
        const auto echo_request = fmt::format("ECHO {}", text);
        const auto echo_reply = fmt::format("OK Echo: {}", text);
        if (!co_await chat::call(client, echo, echo_request, echo_reply, on_event)) co_return false;
        const auto request = fmt::format("BROADCAST {}", text);
        const auto sent = co_await chat::call(client, broadcast, request, "OK sent ", on_event, true);
        if (!sent) co_return false;
        // Queued to every other client of the run still connected (and perhaps others).
        const auto count = chat::number(sent->substr(8));
        if (!count || *count + failed.load() < n - 1) {
          client.fail(ErrorKind::protocol, broadcast,
                      fmt::format("\"{}\" but {} other clients are logged in", *sent, n - 1 - failed.load()));
          co_return false;
        }
        ++mine;
        acknowledged.fetch_add(1, std::memory_order_relaxed);
      }
      co_await gates.wait(client.park);
      // Every broadcast is acknowledged now: what this client is owed is final.
      const auto owed = acknowledged.load() - mine;
      const auto start = Clock::now();
      client.set_operation(events);
      while (received < owed) {
        auto line = co_await client.read_line(events, "MSG events owed");
        if (!line || !on_event(*line)) co_return false;
      }
      client.worker.stats.record(events, nanoseconds_since(start));
      if (!co_await chat::call(client, logout, "LOGOUT", "OK logged-out", on_event)) co_return false;
      if (!co_await chat::call(client, quit, "QUIT", "OK bye", on_event)) co_return false;
      if (received > owed && failed.load() == 0) {
        client.fail(ErrorKind::protocol, events, fmt::format("received {} MSG events, {} were sent", received, owed));
        co_return false;
      }
      co_return co_await client.expect_close(quit);
    };
    if (!co_await body()) failed.fetch_add(1);
    received_total.fetch_add(received);
    finished.fetch_add(1, std::memory_order_relaxed);
  };

  Phase phase(options, target, operations);
  phase.run(n, "auth", client_main, [&] { return fmt::format("{}/{} clients done", finished.load(), n); });
  phase.merge_into(report.stats);
  report.seconds = phase.seconds();
  report.figures.emplace_back("clients succeeded", static_cast<double>(n - failed.load()));
  report.figures.emplace_back("broadcasts acknowledged", static_cast<double>(acknowledged.load()));
  report.figures.emplace_back("MSG events received", static_cast<double>(received_total.load()));
  return report;
}

}  // namespace stress
