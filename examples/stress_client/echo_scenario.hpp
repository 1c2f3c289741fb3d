// examples/stress_client/echo_scenario.hpp: closed-loop line echo.
//
// Every connection keeps --pipeline P requests in flight: "hello <n>" (plus
// --size bytes of padding) to the echo server, which must answer "Echo:
// hello <n>", or "ECHO hello <n>" to the chat server (logged in first),
// which must answer "OK Echo: hello <n>", in order. A new request goes out
// for each reply; the replies read in one chunk are answered with one write.
// All connections start together; replies are counted for --duration
// seconds after --warmup, and their round trips go into the histogram.
#pragma once

#include <atomic>
#include <deque>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "accounts.hpp"
#include "chat.hpp"
#include "scenario.hpp"

namespace stress {

inline Report run_echo(const Options& options, const Target& target) {
  enum Op : std::size_t { connect, seed_op, login_op, echo };
  const std::vector<std::string> operations{"connect", "seed", "login", "echo"};
  Report report{"echo", options.clients, options.threads, options.duration, Stats(operations), {}};
  const auto prefix = user_prefix(options);
  const std::size_t users = std::max<std::size_t>(1, std::min(options.users, options.clients));
  auto account = [&](std::size_t i) { return fmt::format("{}e{}", prefix, i % users); };
  if (options.chat()) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < users; ++i) names.push_back(account(i));
    seed(options, target, operations, connect, seed_op, names, report.stats);
    if (report.stats.total_errors() > 0) return report;
  }

  const std::string request_word = options.chat() ? "ECHO " : "";
  const std::string reply_word = options.chat() ? "OK Echo: " : "Echo: ";
  const std::string padding(options.size, 'x');
  const auto warmup = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.warmup));
  const auto duration = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.duration));
  Gate ready(options.clients);
  std::atomic<Clock::rep> started{0};  // when the gate opened, for the progress line

  auto client_main = [&](Client& client) -> asio::awaitable<void> {
    Arrivals gates({&ready});
    if (!co_await client.connect(connect)) co_return;
    chat::IgnoreMessages ignore{client, echo};
    if (options.chat()) {
      if (!co_await chat::greeting(client, connect)) co_return;
      if (!co_await chat::login(client, login_op, account(client.number - 1), options.password, ignore)) co_return;
    }
    co_await gates.wait(client.park);
    const auto opened = Clock::now();
    Clock::rep expected_start = 0;
    started.compare_exchange_strong(expected_start, opened.time_since_epoch().count());
    const auto measure_from = opened + warmup, measure_until = measure_from + duration;

    std::deque<std::pair<std::uint64_t, Clock::time_point>> in_flight;  // (number, sent at)
    std::uint64_t next = 1;
    std::string out, expected;
    auto add_request = [&](Clock::time_point now) {
      fmt::format_to(std::back_inserter(out), "{}hello {}{}\n", request_word, next, padding);
      in_flight.emplace_back(next++, now);
    };
    for (std::size_t k = 0; k < options.pipeline; ++k) add_request(opened);
    client.set_operation(echo);
    while (!in_flight.empty()) {
      if (!out.empty()) {
        if (!co_await client.write(echo, out)) co_return;
        out.clear();
      }
      // One reply (read as needed), then every reply already read.
      auto line = co_await client.read_line(echo, "an echo");
      std::error_code ec;
      while (line) {
        const auto now = Clock::now();
        const auto [number, sent_at] = in_flight.front();
        in_flight.pop_front();
        expected.clear();
        fmt::format_to(std::back_inserter(expected), "{}hello {}{}", reply_word, number, padding);
        if (*line != expected) {
          client.fail(ErrorKind::protocol, echo,
                      fmt::format("expected \"{}\", got \"{}\"", expected.substr(0, 80), line->substr(0, 80)));
          co_return;
        }
        if (now >= measure_from && now < measure_until)
          client.worker.stats.record(
              echo, static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - sent_at).count()), now);
        if (now < measure_until) add_request(now);
        line = client.connection.next_buffered(ec);
      }
      if (ec) client.fail(ErrorKind::protocol, echo, ec.message());
      if (client.failed()) co_return;
    }
  };

  Phase phase(options, target, operations);
  phase.run(options.clients, "echo", client_main, [&] {
    const auto t = started.load();
    if (t == 0) return std::string("connecting");
    const auto elapsed = std::chrono::duration<double>(Clock::now() - Clock::time_point(Clock::duration(t))).count();
    return fmt::format("{:.1f}/{:.1f} s", std::min(elapsed, options.warmup + options.duration),
                       options.warmup + options.duration);
  });
  phase.merge_into(report.stats);
  return report;
}

}  // namespace stress
