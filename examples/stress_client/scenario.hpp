// examples/stress_client/scenario.hpp: the options of a run, and a phase.
//
// A scenario is one or more phases (seed the accounts, then the storm); a
// Phase owns the workers for one set of connections, runs them to the end
// with a progress line, and merges what they counted.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "load.hpp"
#include "report.hpp"

namespace stress {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5000;
  std::string scenario = "auth";
  std::string server;  // "echo" or "chat"; empty: the scenario's usual one
  std::size_t clients = 100;
  std::size_t messages = 3;
  std::size_t pipeline = 1;
  std::size_t window = 64;
  std::size_t size = 0;  // extra payload bytes per request
  std::size_t threads = 2;
  double duration = 5;
  double warmup = 1;
  double timeout = 30;
  std::size_t connect_window = 256;
  std::size_t source_addresses = 0;
  std::size_t users = 16;
  std::size_t seed_connections = 4;
  std::string user_prefix;
  std::string password = "stress-password";
  std::string channel = "switchboard-stress";  // fanout against Redis
  bool accounts_exist = false;
  bool json = false;
  int server_pid = 0;
  bool progress = false;  // a TTY on stderr

  bool chat() const { return server == "chat"; }
  bool raw() const { return server == "raw"; }      // echo_server --raw: byte echo
  bool redis() const { return server == "redis"; }  // Redis pub/sub (fanout)
};

class Phase {
 public:
  Phase(const Options& options, const Target& target, std::vector<std::string> operations)
      : options_(options), target_(target), operations_(std::move(operations)) {
    const auto threads = std::max<std::size_t>(1, options.threads);
    const auto window = std::max<std::size_t>(1, options.connect_window / threads);
    for (std::size_t i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>(operations_, window));
  }

  // Runs `connections` coroutines client_main(Client&) to their end; the
  // progress line shows `label` and what done() says (e.g. "40/100").
  template <class ClientMain>
  void run(std::size_t connections, std::string_view label, ClientMain client_main,
           const std::function<std::string()>& done, const std::function<void()>& tick = {}) {
    const auto start = Clock::now();
    std::uint64_t last_count = 0;
    auto last = start;
    run_clients(workers_, target_, connections, client_main, [&] {
      if (tick) tick();
      if (!options_.progress) return;
      std::uint64_t count = 0, errors = 0;
      for (auto& w : workers_) {
        count += w->stats.progress.load(std::memory_order_relaxed);
        errors += w->stats.error_count.load(std::memory_order_relaxed);
      }
      const auto now = Clock::now();
      const double rate = static_cast<double>(count - last_count) / std::chrono::duration<double>(now - last).count();
      last_count = count;
      last = now;
      fmt::print(stderr, "\r\033[K{}: {}  {:.0f} ops/s  {} errors", label, done(), rate, errors);
      std::fflush(stderr);
    });
    if (options_.progress) fmt::print(stderr, "\r\033[K");
    seconds_ = std::chrono::duration<double>(Clock::now() - start).count();
  }

  // Everything the workers counted, in `into` (made with the same operations).
  void merge_into(Stats& into) const {
    for (auto& w : workers_) into.merge(w->stats);
  }

  double seconds() const noexcept { return seconds_; }

 private:
  const Options& options_;
  const Target& target_;
  std::vector<std::string> operations_;
  std::vector<std::unique_ptr<Worker>> workers_;
  double seconds_ = 0;
};

}  // namespace stress
