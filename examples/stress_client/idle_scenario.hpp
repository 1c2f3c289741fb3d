// examples/stress_client/idle_scenario.hpp: hold many connections open.
//
// --clients C connections, each served once (the echo server answers
// "hello 0"; the chat server's HELLO greets it), then held for --duration
// seconds doing nothing. With --server-pid, the server's resident memory is
// read before the first connect and half a second after the last one is
// served, and the difference per connection is reported: what an idle
// connection costs the server.
#pragma once

#include <atomic>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "chat.hpp"
#include "scenario.hpp"

namespace stress {

// VmRSS of a process in KiB, or 0 when it cannot be read.
inline std::uint64_t resident_kib(int pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string word;
  while (status >> word)
    if (word == "VmRSS:") {
      std::uint64_t kib = 0;
      status >> kib;
      return kib;
    }
  return 0;
}

inline Report run_idle(const Options& options, const Target& target) {
  enum Op : std::size_t { connect, served };
  const std::vector<std::string> operations{"connect", "served"};
  Report report{"idle", options.clients, options.threads, 0, Stats(operations), {}};
  const auto hold = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.duration));
  Gate ready(options.clients);
  std::atomic<std::size_t> held{0};
  std::atomic<Clock::rep> all_served{0};

  auto client_main = [&](Client& client) -> asio::awaitable<void> {
    Arrivals gates({&ready});
    if (!co_await client.connect(connect)) co_return;
    const auto start = Clock::now();
    if (options.chat()) {
      if (!co_await chat::greeting(client, served)) co_return;
    } else {
      client.set_operation(served);
      if (!co_await client.write(served, "hello 0\n")) co_return;
      auto line = co_await client.read_line(served, "the echo of hello 0");
      if (!line) co_return;
      const std::string_view expected = options.raw() ? "hello 0" : "Echo: hello 0";
      if (*line != expected) {
        client.fail(ErrorKind::protocol, served, fmt::format("expected \"{}\", got \"{}\"", expected, *line));
        co_return;
      }
    }
    client.worker.stats.record(served, nanoseconds_since(start));
    held.fetch_add(1);
    co_await gates.wait(client.park);
    Clock::rep none = 0;
    all_served.compare_exchange_strong(none, Clock::now().time_since_epoch().count());
    client.park.expires_after(hold);
    co_await client.park.async_wait(use_nothrow);
  };

  const std::uint64_t before = options.server_pid ? resident_kib(options.server_pid) : 0;
  std::uint64_t during = 0;
  auto measure = [&] {
    const auto t = all_served.load();
    if (!options.server_pid || during || t == 0) return;
    if (Clock::now() - Clock::time_point(Clock::duration(t)) > std::chrono::milliseconds(500))
      during = resident_kib(options.server_pid);
  };

  Phase phase(options, target, operations);
  phase.run(options.clients, "idle", client_main, [&] { return fmt::format("{}/{} held", held.load(), options.clients); },
            measure);
  phase.merge_into(report.stats);
  report.seconds = phase.seconds();
  report.figures = {{"connections held", static_cast<double>(held.load())}};
  if (options.server_pid) {
    report.figures.emplace_back("server RSS before (KiB)", static_cast<double>(before));
    report.figures.emplace_back("server RSS held (KiB)", static_cast<double>(during));
    if (during && held.load())
      report.figures.emplace_back("server bytes per connection",
                                  (static_cast<double>(during) - static_cast<double>(before)) * 1024.0 /
                                      static_cast<double>(held.load()));
  }
  return report;
}

}  // namespace stress
