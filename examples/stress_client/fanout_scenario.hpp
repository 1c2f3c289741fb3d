// examples/stress_client/fanout_scenario.hpp: one sender, R receivers.
//
// --clients R receivers and one sender log in to the chat server (over
// --users accounts, seeded first). When all are in, the sender BROADCASTs
// "<k> <time sent>" for --duration seconds with --window messages in flight,
// checks each "OK sent <n>" counts at least the receivers still connected,
// then sends "end <count>". Each receiver checks it gets the sender's
// messages 1, 2, 3 ... in order, records send-to-delivery latency, and at
// "end <count>" that it got exactly <count>: per-sender order is what makes
// the marker a fence. Deliveries per second run from the first send to the
// last delivery.
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

// How a publish goes out, and what its reply says: the chat server's
// "BROADCAST <payload>" and "OK sent <n>", or Redis's PUBLISH (as a RESP
// array, so the payload may hold spaces) and ":<n>".
struct FanoutWire {
  bool redis;
  std::string channel;

  void publish(std::string& out, std::string_view payload) const {
    if (redis)
      fmt::format_to(std::back_inserter(out), "*3\r\n$7\r\nPUBLISH\r\n${}\r\n{}\r\n${}\r\n{}\r\n", channel.size(),
                     channel, payload.size(), payload);
    else
      fmt::format_to(std::back_inserter(out), "BROADCAST {}\n", payload);
  }
  // The number of receivers in a reply to a publish; nothing if it is not one.
  std::optional<std::uint64_t> receivers(std::string_view reply) const {
    if (redis) return reply.starts_with(":") ? chat::number(reply.substr(1)) : std::nullopt;
    return reply.starts_with("OK sent ") ? chat::number(reply.substr(8)) : std::nullopt;
  }
  std::string_view expected() const { return redis ? ":<n>" : "OK sent <n>"; }
};

// One receiver's check of the sender's messages, a read at a time.
struct Receiver {
  enum class Step { more, end, failed };
  static constexpr std::size_t operation = 4;  // "delivery" in run_fanout's table

  Client& client;
  bool redis;               // Redis pub/sub, else the chat server
  std::string from;         // chat: "MSG <sender> "
  Clock::time_point epoch;  // send times count from here
  std::uint64_t count = 0;  // messages received, in order
  Clock::rep last = 0;      // when the last one was read
  int skip = -1;            // redis: lines of a message still to skip; -1 outside one

  // Takes the lines of one read, which arrived together at `read_at`.
  Step take(Clock::time_point read_at) {
    while (auto line = client.buffered_line(operation)) {
      std::string_view text;
      if (redis) {
        // A message is "*3", "$7", "message", "$<n>", <channel>, "$<m>", <payload>.
        if (skip < 0) {
          if (*line == "message") skip = 3;
          continue;
        }
        if (skip-- > 0) continue;
        text = *line;
      } else {
        if (!chat::starts_with(*line, from)) {
          if (chat::starts_with(*line, "MSG ")) continue;  // someone else's
          return fail(fmt::format("expected \"{}...\", got \"{}\"", from, *line));
        }
        text = line->substr(from.size());
      }
      const auto space = std::min(text.find(' '), text.size());
      const auto word = text.substr(0, space), rest = text.substr(std::min(space + 1, text.size()));
      if (word == "end") {
        if (chat::number(rest) != count)
          return fail(fmt::format("received {} messages, the sender had {} acknowledged", count, rest));
        return Step::end;
      }
      const auto sent = chat::number(rest);
      if (chat::number(word) != count + 1 || !sent)
        return fail(fmt::format("expected message {}, got \"{}\"", count + 1, text));
      ++count;
      last = read_at.time_since_epoch().count();
      const auto received = static_cast<std::uint64_t>((read_at - epoch).count());
      client.worker.stats.record(operation, received - *sent, read_at);
    }
    return client.failed() ? Step::failed : Step::more;
  }

  Step fail(std::string_view what) {
    client.fail(ErrorKind::protocol, operation, what);
    return Step::failed;
  }
};

// Redis: SUBSCRIBE, then its confirmation ("*3", "$9", "subscribe",
// "$<n>", <channel>, ":<count>").
inline asio::awaitable<bool> subscribe(Client& client, std::string_view channel, std::size_t operation) {
  client.set_operation(operation);
  const auto start = Clock::now();
  const std::string request = fmt::format("SUBSCRIBE {}\r\n", channel);
  if (!co_await client.write(operation, request)) co_return false;
  for (;;) {
    auto line = co_await client.read_line(operation, "the confirmation of SUBSCRIBE");
    if (!line) co_return false;
    if (line->starts_with("-")) {
      client.fail(ErrorKind::protocol, operation, fmt::format("SUBSCRIBE: \"{}\"", *line));
      co_return false;
    }
    if (line->starts_with(":")) break;
  }
  client.worker.stats.record(operation, nanoseconds_since(start));
  co_return true;
}

inline Report run_fanout(const Options& options, const Target& target) {
  enum Op : std::size_t { connect, seed_op, login_op, broadcast, delivery, quit };
  static_assert(delivery == 4, "Receiver::operation");
  const std::vector<std::string> operations{
      "connect", "seed", options.redis() ? "subscribe" : "login", "broadcast", "delivery", "quit"};
  const std::size_t receivers = options.clients, connections = receivers + 1;
  Report report{"fanout", connections, options.threads, 0, Stats(operations), {}};
  const auto prefix = user_prefix(options);
  const std::size_t users = std::max<std::size_t>(1, std::min(options.users, connections));
  auto account = [&](std::size_t i) { return fmt::format("{}f{}", prefix, i % users); };
  const FanoutWire wire{options.redis(), options.channel};
  if (!wire.redis) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < users; ++i) names.push_back(account(i));
    seed(options, target, operations, connect, seed_op, names, report.stats);
    if (report.stats.total_errors() > 0) return report;
  }

  const std::string sender_name = account(receivers);  // the last connection sends
  const auto duration = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.duration));
  Gate ready(connections);
  std::atomic<Clock::rep> first_send{0}, last_delivery{0};
  // Send times go out as nanoseconds since this moment: shorter numbers
  // than the clock's own, and each receiver parses millions of them.
  const auto epoch = Clock::now();
  auto since_epoch = [epoch](Clock::time_point t) { return static_cast<std::uint64_t>((t - epoch).count()); };
  std::atomic<std::uint64_t> acknowledged{0}, delivered{0}, receivers_alive{receivers};

  auto sender = [&](Client& client) -> asio::awaitable<bool> {
    chat::IgnoreMessages ignore{client, broadcast};
    const auto start = Clock::now();
    first_send = start.time_since_epoch().count();
    std::deque<Clock::time_point> in_flight;
    std::uint64_t next = 1;
    std::string out;
    // The reply to one publish: how many receivers it reached, at least
    // `at_least`; nothing after recording what was wrong.
    auto receivers_reached = [&](std::uint64_t at_least) -> asio::awaitable<std::optional<std::uint64_t>> {
      std::optional<std::string_view> answer;
      if (wire.redis) answer = co_await client.read_line(broadcast, "the reply to PUBLISH");
      else answer = co_await chat::reply(client, broadcast, "the reply to BROADCAST", ignore);
      if (!answer) co_return std::nullopt;
      const auto count = wire.receivers(*answer);
      if (!count || *count < at_least) {
        client.fail(ErrorKind::protocol, broadcast,
                    fmt::format("expected \"{}\" with n >= {}, got \"{}\"", wire.expected(), at_least, *answer));
        co_return std::nullopt;
      }
      co_return count;
    };
    client.set_operation(broadcast);
    while (true) {
      const auto now = Clock::now();
      while (now - start < duration && in_flight.size() < options.window) {
        wire.publish(out, fmt::format("{} {}", next++, since_epoch(now)));
        in_flight.push_back(now);
      }
      if (in_flight.empty()) break;
      if (!out.empty() && !co_await client.write(broadcast, out)) co_return false;
      out.clear();
      if (!co_await receivers_reached(receivers_alive.load())) co_return false;
      client.worker.stats.record(broadcast, nanoseconds_since(in_flight.front()));
      in_flight.pop_front();
      acknowledged.fetch_add(1, std::memory_order_relaxed);
    }
    // The end marker: every receiver has every message before it.
    wire.publish(out, fmt::format("end {}", acknowledged.load()));
    if (!co_await client.write(broadcast, out)) co_return false;
    if (!co_await receivers_reached(0)) co_return false;
    if (wire.redis) co_return true;  // Redis needs no goodbye
    const auto bye = co_await chat::call(client, quit, "QUIT", "OK bye", ignore);
    co_return bye.has_value();
  };

  // Millions of deliveries a second: each read's lines are taken in plain
  // code (Receiver::take, no coroutine per line), and the counts are kept
  // per receiver and added to the run's once, at its end.
  auto receiver = [&](Client& client) -> asio::awaitable<bool> {
    Receiver self{client, wire.redis, fmt::format("MSG {} ", sender_name), epoch};
    client.set_operation(delivery);
    Receiver::Step step = Receiver::Step::more;
    while (step == Receiver::Step::more) {
      if (!co_await client.fill(delivery, "the sender's messages")) break;
      step = self.take(Clock::now());
    }
    delivered.fetch_add(self.count);
    auto latest = last_delivery.load();
    while (latest < self.last && !last_delivery.compare_exchange_weak(latest, self.last)) {
    }
    if (step != Receiver::Step::end) co_return false;
    if (wire.redis) co_return true;
    chat::IgnoreMessages ignore{client, quit};
    const auto bye = co_await chat::call(client, quit, "QUIT", "OK bye", ignore);
    co_return bye.has_value();
  };

  auto client_main = [&](Client& client) -> asio::awaitable<void> {
    Arrivals gates({&ready});
    const bool sends = client.number == connections;
    chat::IgnoreMessages ignore{client, login_op};
    bool ok = co_await client.connect(connect);
    if (wire.redis) {
      if (ok && !sends) ok = co_await subscribe(client, options.channel, login_op);
    } else {
      if (ok) ok = co_await chat::greeting(client, connect);
      if (ok) ok = co_await chat::login(client, login_op, account(client.number - 1), options.password, ignore);
    }
    if (ok) {
      co_await gates.wait(client.park);
      if (sends) ok = co_await sender(client);
      else ok = co_await receiver(client);
    }
    if (!ok && !sends) receivers_alive.fetch_sub(1);
  };

  Phase phase(options, target, operations);
  phase.run(connections, "fanout", client_main, [&] {
    return fmt::format("{} messages sent", acknowledged.load());
  });
  phase.merge_into(report.stats);
  const auto first = first_send.load(), last = last_delivery.load();
  report.seconds = last > first ? std::chrono::duration<double>(Clock::duration(last - first)).count() : 0;
  report.figures = {{"receivers", static_cast<double>(receivers)},
                    {"messages acknowledged", static_cast<double>(acknowledged.load())},
                    {"deliveries", static_cast<double>(delivered.load())},
                    {"deliveries per second", report.seconds > 0 ? delivered.load() / report.seconds : 0}};
  return report;
}

}  // namespace stress
