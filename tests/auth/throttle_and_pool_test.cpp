// LoginThrottle's rules with a clock the test moves, and HashPool running
// jobs off the caller's thread, bounded, with results and exceptions.
#include <switchboard/hash_pool.hpp>
#include <switchboard/login_throttle.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <doctest/doctest.h>

using namespace std::chrono_literals;

TEST_SUITE("unit") {

TEST_CASE("throttle: 5 failures within a minute lock the key for 30 s, whatever comes next") {
  switchboard::LoginThrottle<std::string> throttle;
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;
  for (int i = 0; i < 4; ++i) {
    REQUIRE(throttle.allowed("alice", t0 + i * 1s));
    throttle.failed("alice", t0 + i * 1s);
  }
  CHECK(throttle.allowed("alice", t0 + 10s));  // 4 failures: still allowed
  CHECK(throttle.allowed("bob", t0 + 10s));    // keys are separate
  throttle.failed("alice", t0 + 10s);          // the 5th within a minute
  CHECK_FALSE(throttle.allowed("alice", t0 + 10s));
  CHECK_FALSE(throttle.allowed("alice", t0 + 39s));
  CHECK(throttle.allowed("alice", t0 + 40s));  // 30 s later
}

TEST_CASE("throttle: failures older than the window do not count") {
  switchboard::LoginThrottle<std::string> throttle;
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;
  for (int i = 0; i < 4; ++i) throttle.failed("k", t0);
  throttle.failed("k", t0 + 61s);  // the first four are out of the window
  CHECK(throttle.allowed("k", t0 + 61s));
}

TEST_CASE("throttle: options, forget, and pruning of stale keys") {
  switchboard::LoginThrottle<std::uint64_t> throttle({.max_failures = 2, .window = 10s, .lockout = 5s});
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;
  throttle.failed(7, t0);
  throttle.failed(7, t0 + 1s);
  CHECK_FALSE(throttle.allowed(7, t0 + 2s));
  throttle.forget(7);
  CHECK(throttle.allowed(7, t0 + 2s));
  for (std::uint64_t key = 0; key < 10'000; ++key) throttle.failed(key, t0 + 100s + std::chrono::seconds(key / 100));
  CHECK(throttle.size() < 3'000);  // keys with only old failures were swept along the way
}

TEST_CASE("hash pool: jobs run off the caller's thread, return results, rethrow exceptions") {
  switchboard::HashPool pool(2);
  asio::io_context io;
  std::thread::id caller, worker;
  int result = 0;
  bool threw = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        caller = std::this_thread::get_id();
        result = co_await pool.run([&] {
          worker = std::this_thread::get_id();
          return 42;
        });
        CHECK(std::this_thread::get_id() == caller);  // resumed where it was
        try {
          co_await pool.run([]() -> int { throw std::runtime_error("job failed"); });
        } catch (const std::runtime_error&) {
          threw = true;
        }
      },
      asio::detached);
  io.run();
  CHECK(result == 42);
  CHECK(worker != caller);
  CHECK(threw);
}

TEST_CASE("hash pool: never more jobs at once than threads") {
  switchboard::HashPool pool(2);
  asio::io_context io;
  std::atomic<int> running{0}, most{0}, done{0};
  for (int i = 0; i < 16; ++i)
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await pool.run([&] {
            const int now = ++running;
            for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {
            }
            // Hold the thread a moment so overlapping jobs would show.
            const auto until = std::chrono::steady_clock::now() + 2ms;
            while (std::chrono::steady_clock::now() < until) {
            }
            --running;
          });
          ++done;
        },
        asio::detached);
  io.run();
  CHECK(done == 16);
  CHECK(most <= 2);
  CHECK(most >= 1);
}

}  // TEST_SUITE
