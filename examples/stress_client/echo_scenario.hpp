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
#include <string>
#include <vector>

#include <fmt/format.h>

#include "accounts.hpp"
#include "chat.hpp"
#include "scenario.hpp"

namespace stress {

// One connection's closed loop, a read at a time, in plain code: at millions
// of replies a second, no coroutine and no allocation per reply.
struct Echoer {
  static constexpr std::size_t operation = 3;  // "echo" in run_echo's table

  Echoer(Client& client, bool raw, bool events, std::string_view request_word, std::string_view reply_word,
         std::string_view padding, std::size_t pipeline, Clock::time_point measure_from, Clock::time_point measure_until)
      : client(client),
        raw(raw),
        events(events),
        request_word(request_word),
        reply_word(reply_word),
        padding(padding),
        pipeline(pipeline),
        measure_from(measure_from),
        measure_until(measure_until) {}

  Client& client;
  bool raw;     // byte echo: a request is `padding`, its reply the same bytes
  bool events;  // the chat server: MSG lines may come between replies
  std::string_view request_word, reply_word, padding;
  std::size_t pipeline;
  Clock::time_point measure_from, measure_until;
  std::string out;  // requests to write

  void start(Clock::time_point now) {
    head_ = std::string(request_word) + "hello ";
    tail_ = std::string(padding) + '\n';
    sent_at_.assign(pipeline, now);
    for (std::size_t k = 0; k < pipeline; ++k) add_request(now);
  }
  bool waiting() const noexcept { return answered_ < next_ - 1; }

  // Checks the replies of one read (arrived together at `read_at`); a new
  // request for each while the load lasts. False after recording an error.
  bool take(Clock::time_point read_at) {
    if (raw) return take_bytes(read_at);
    while (auto line = client.buffered_line(operation)) {
      // The chat server's events come between replies (a logged-in
      // connection gets everyone's broadcasts); they are not answers.
      if (events && line->starts_with("MSG ")) continue;
      const std::uint64_t number = ++answered_;
      if (!is_reply(*line, number)) {
        client.fail(ErrorKind::protocol, operation,
                    fmt::format("expected \"{}hello {}{}\", got \"{}\"", reply_word, number,
                                padding.substr(0, 40), line->substr(0, 80)));
        return false;
      }
      answered(number, read_at);
    }
    return !client.failed();
  }

 private:
  // Raw: the bytes that came back must be the requests' bytes, in order;
  // every `padding.size()` of them is one reply.
  bool take_bytes(Clock::time_point read_at) {
    for (std::string_view bytes = client.connection.take_unread(); !bytes.empty();) {
      const std::size_t n = std::min(bytes.size(), padding.size() - partial_);
      if (bytes.substr(0, n) != padding.substr(partial_, n)) {
        client.fail(ErrorKind::protocol, operation,
                    fmt::format("reply {}: bytes {}..{} are not the ones sent", answered_ + 1, partial_, partial_ + n));
        return false;
      }
      bytes.remove_prefix(n);
      partial_ += n;
      if (partial_ == padding.size()) {
        partial_ = 0;
        answered(++answered_, read_at);
      }
    }
    return true;
  }

  void answered(std::uint64_t number, Clock::time_point read_at) {
    const auto sent_at = sent_at_[number % pipeline];
    if (read_at >= measure_from && read_at < measure_until)
      client.worker.stats.record(operation, static_cast<std::uint64_t>(std::chrono::nanoseconds(read_at - sent_at).count()), read_at);
    if (read_at < measure_until) add_request(read_at);
  }

  // "<reply word>hello <number><padding>", compared piece by piece.
  bool is_reply(std::string_view line, std::uint64_t number) const {
    if (!line.starts_with(reply_word)) return false;
    line.remove_prefix(reply_word.size());
    if (!line.starts_with("hello ") || !line.ends_with(padding)) return false;
    line = line.substr(6, line.size() - 6 - padding.size());
    return chat::number(line) == number;
  }

  void add_request(Clock::time_point now) {
    sent_at_[next_ % pipeline] = now;  // at most `pipeline` in flight: a ring
    if (raw) {
      ++next_;
      out += padding;
      return;
    }
    const fmt::format_int digits(next_++);
    out += head_;
    out.append(digits.data(), digits.size());
    out += tail_;
  }

  std::string head_, tail_;  // a request around its number: "[ECHO ]hello ", padding and LF
  std::vector<Clock::time_point> sent_at_;
  std::uint64_t next_ = 1;      // the next request's number
  std::uint64_t answered_ = 0;  // replies checked so far
  std::size_t partial_ = 0;     // raw: bytes of the next reply already read
};

inline Report run_echo(const Options& options, const Target& target) {
  enum Op : std::size_t { connect, seed_op, login_op, echo };
  static_assert(echo == Echoer::operation);
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
  // Raw: each request is --size bytes (64 by default), every byte value.
  std::string padding(options.size, 'x');
  if (options.raw()) {
    padding.resize(options.size ? options.size : 64);
    for (std::size_t i = 0; i < padding.size(); ++i) padding[i] = static_cast<char>(i * 7 % 256);
  }
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

    Echoer echoer{client, options.raw(), options.chat(), request_word, reply_word, padding, options.pipeline, measure_from, measure_until};
    echoer.start(opened);
    client.set_operation(echo);
    while (echoer.waiting()) {
      if (!echoer.out.empty()) {
        if (!co_await client.write(echo, echoer.out)) co_return;
        echoer.out.clear();
      }
      if (!co_await client.fill(echo, "an echo")) co_return;
      if (!echoer.take(Clock::now())) co_return;
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
