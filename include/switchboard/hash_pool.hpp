// switchboard/hash_pool.hpp: a small pool of threads for slow, memory-hungry
// work (Argon2id), so it never runs on an I/O thread.
//
//   auto ec = co_await pool.run([&] { return store.verify(name, password); });
//
// The awaiting coroutine resumes on its own executor (the session's strand)
// once the job is done; meanwhile its I/O thread serves other connections.
// At most `threads` jobs run at once, which bounds the memory hashing takes
// (threads x the hash's memory cost); the others wait in the pool's queue.
// Exceptions thrown by a job are rethrown to the awaiting coroutine.
#pragma once

#include <exception>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>

#include "switchboard/detail/asio_compat.hpp"

namespace switchboard {

class HashPool {
 public:
  // threads: 0 means one per core.
  explicit HashPool(unsigned threads = 0) : threads_(pick(threads)), pool_(threads_) {}

  HashPool(const HashPool&) = delete;
  HashPool& operator=(const HashPool&) = delete;
  ~HashPool() { stop(); }

  // Runs `job` on the pool and returns its result to the awaiting coroutine.
  template <class Job>
  asio::awaitable<std::invoke_result_t<Job&>> run(Job job) {
    using Result = std::invoke_result_t<Job&>;
    // co_spawn keeps the lambda (and so `job`) alive until it has finished.
    co_return co_await asio::co_spawn(
        pool_.get_executor(),
        [job = std::move(job)]() mutable -> asio::awaitable<Result> { co_return job(); },
        asio::use_awaitable);
  }

  // Lets running jobs finish, drops the waiting ones, joins the threads.
  // Idempotent.
  void stop() {
    pool_.stop();
    pool_.join();
  }

  unsigned threads() const noexcept { return threads_; }

 private:
  static unsigned pick(unsigned threads) {
    if (threads != 0) return threads;
    const unsigned cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : cores;
  }

  unsigned threads_;
  asio::thread_pool pool_;
};

}  // namespace switchboard
