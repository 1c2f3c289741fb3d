// examples/stress_client/load.hpp: many client connections on a few threads.
//
// The machinery every scenario shares. A Worker is one thread running its
// own io_context, with the connections given to it: a connection never
// changes thread, so it needs no strand and no lock, and thousands cost a
// coroutine frame and a socket each, never a thread. Around that:
//   - Client: a LineConnection, a number for messages, and one timer it
//     parks on (connect slots, gates).
//   - timeouts: a Client says what it waits for and until when; a watchdog
//     on each worker looks ten times per --timeout and closes the late ones,
//     so a request costs no timer of its own.
//   - connect pacing: at most --connect-window connects in flight, spread
//     over 127.0.0.x source addresses when one address's ports run out.
//   - Gate: a point every connection of the run must reach (all logged in,
//     all done broadcasting) before any goes on, across threads.
#pragma once

#include <netinet/in.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <switchboard/detail/asio_compat.hpp>
#include <switchboard/detail/endpoint.hpp>
#include <switchboard/line_connection.hpp>

#include "report.hpp"

namespace stress {

using Clock = std::chrono::steady_clock;
using switchboard::detail::use_nothrow;

inline std::uint64_t nanoseconds_since(Clock::time_point start) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
}

class Client;

// Connects in flight on one worker, at most `limit` at once; used from the
// worker's thread only.
class ConnectSlots {
 public:
  explicit ConnectSlots(std::size_t limit) : free_(limit) {}
  asio::awaitable<void> acquire(asio::steady_timer& park);
  void release();

 private:
  std::size_t free_;
  std::deque<asio::steady_timer*> waiting_;
};

struct Worker {
  Worker(const std::vector<std::string>& operations, std::size_t connect_window)
      : stats(operations), slots(connect_window) {}
  asio::io_context io{1};
  Stats stats;
  ConnectSlots slots;
  std::vector<Client*> clients;
};

// What every connection needs to know about the run.
struct Target {
  asio::ip::tcp::endpoint server;
  std::vector<asio::ip::address> sources;  // empty: let the kernel choose
  Clock::duration timeout = std::chrono::seconds(30);
  std::size_t max_line = 64 * 1024;
  std::size_t read_chunk = 8 * 1024;
};

class Client {
 public:
  Client(Worker& worker, const Target& target, std::uint64_t number)
      : worker(worker),
        number(number),
        connection(worker.io, target.max_line, target.read_chunk),
        park(worker.io),
        target_(target) {}

  Worker& worker;
  const std::uint64_t number;  // from 1, for messages
  switchboard::LineConnection connection;
  asio::steady_timer park;  // waits on slots and gates; cancelled to wake

  // Connects (within a connect slot); false after recording the error.
  asio::awaitable<bool> connect(std::size_t operation) {
    co_await worker.slots.acquire(park);
    set_operation(operation);
    const auto start = Clock::now();
    std::error_code ec = open_socket();
    if (!ec) {
      expect_by("the TCP connection");
      auto [connect_ec] = co_await connection.socket().async_connect(target_.server, use_nothrow);
      ec = connect_ec;
      done_waiting();
    }
    worker.slots.release();
    if (ec) {
      if (!timed_out_) fail(ErrorKind::connection, operation, describe_connect_error(ec));
      co_return false;
    }
    asio::error_code ignored;
    connection.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
    worker.stats.record(operation, nanoseconds_since(start));
    co_return true;
  }

  // The next line already read, if any, without a coroutine: loops that
  // take many lines per read (fan-out receivers) use this after fill().
  std::optional<std::string_view> buffered_line(std::size_t operation) {
    std::error_code ec;
    auto line = connection.next_buffered(ec);
    if (ec) fail(ErrorKind::protocol, operation, ec.message());
    return line;
  }

  // Reads more (see LineConnection::fill); false after recording why there
  // is nothing more (closed, failed, timed out). `what` names what is
  // awaited, for the messages.
  asio::awaitable<bool> fill(std::size_t operation, std::string_view what) {
    std::error_code ec;
    expect_by(what);
    const bool more = co_await connection.fill(ec);
    done_waiting();
    if (more) co_return true;
    if (timed_out_) co_return false;  // the watchdog recorded it
    if (ec) fail(ErrorKind::connection, operation, fmt::format("{} while waiting for {}", ec.message(), what));
    else fail(ErrorKind::connection, operation, fmt::format("the server closed the connection while waiting for {}", what));
    co_return false;
  }

  // The next line; nothing after recording why there is none.
  asio::awaitable<std::optional<std::string_view>> read_line(std::size_t operation, std::string_view what) {
    for (;;) {
      if (auto line = buffered_line(operation)) co_return line;
      if (failed_) co_return std::nullopt;
      if (!co_await fill(operation, what)) co_return std::nullopt;
    }
  }

  asio::awaitable<bool> write(std::size_t operation, std::string_view bytes) {
    std::error_code ec;
    expect_by("a write to complete");
    co_await connection.write(bytes, ec);
    done_waiting();
    if (ec && !timed_out_) fail(ErrorKind::connection, operation, fmt::format("write failed: {}", ec.message()));
    co_return !ec;
  }

  // Waits for the server to close (after QUIT): true on EOF with nothing
  // more to read.
  asio::awaitable<bool> expect_close(std::size_t operation) {
    std::error_code ec;
    expect_by("the server to close the connection");
    auto line = co_await connection.read_line(ec);
    done_waiting();
    if (timed_out_) co_return false;
    if (line) {
      fail(ErrorKind::protocol, operation, fmt::format("expected the connection to close, got \"{}\"", *line));
      co_return false;
    }
    co_return true;  // EOF or a reset after the server's close: both are the end asked for
  }

  void fail(ErrorKind kind, std::size_t operation, std::string_view what) {
    if (failed_) return;  // the first error says it; the rest follow from it
    failed_ = true;
    worker.stats.error(kind, operation, number, what);
    connection.close();
  }

  bool failed() const noexcept { return failed_; }

  // The watchdog's view: called on the worker's thread.
  void check_deadline(Clock::time_point now) {
    if (now < deadline_ || failed_) return;
    timed_out_ = true;
    fail(ErrorKind::timeout, timeout_operation_, fmt::format("no answer within {} ms while waiting for {}",
                                                            std::chrono::duration_cast<std::chrono::milliseconds>(target_.timeout).count(),
                                                            waiting_for_));
  }
  // The operation a timeout is counted against.
  void set_operation(std::size_t operation) noexcept { timeout_operation_ = operation; }

 private:
  // A wait begins: it must end within --timeout.
  void expect_by(std::string_view what) {
    waiting_for_ = what;
    deadline_ = Clock::now() + target_.timeout;
  }
  void done_waiting() noexcept { deadline_ = Clock::time_point::max(); }

  std::error_code open_socket() {
    auto& socket = connection.socket();
    asio::error_code ec;
    socket.open(target_.server.protocol(), ec);
    if (ec || target_.sources.empty()) return ec;
    // Bind only the address; the port is chosen at connect, per destination,
    // so each source address offers the whole ephemeral range.
    socket.set_option(asio::detail::socket_option::boolean<IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT>(true), ec);
    const auto& source = target_.sources[number % target_.sources.size()];
    socket.bind({source, 0}, ec);
    return ec;
  }

  std::string describe_connect_error(const std::error_code& ec) const {
    if (ec == asio::error::no_descriptors)
      return "out of file descriptors (RLIMIT_NOFILE): raise the hard limit (ulimit -Hn) or use fewer --clients";
    if (ec == std::errc::address_not_available)
      return "out of local ports (see /proc/sys/net/ipv4/ip_local_port_range): use --source-addresses";
    return fmt::format("connect to {}: {}", switchboard::detail::format_endpoint(target_.server), ec.message());
  }

  const Target& target_;
  Clock::time_point deadline_ = Clock::time_point::max();
  std::string_view waiting_for_;
  std::size_t timeout_operation_ = 0;
  bool timed_out_ = false;
  bool failed_ = false;
};

inline asio::awaitable<void> ConnectSlots::acquire(asio::steady_timer& park) {
  if (free_ > 0) {
    --free_;
    co_return;
  }
  waiting_.push_back(&park);
  park.expires_at(asio::steady_timer::time_point::max());
  co_await park.async_wait(use_nothrow);  // release() hands the slot over by cancelling
}

inline void ConnectSlots::release() {
  if (waiting_.empty()) {
    ++free_;
    return;
  }
  waiting_.front()->cancel();
  waiting_.pop_front();
}

// A point all `expected` connections must reach before any goes past it.
// A connection that fails still arrives (Arrival does it), so a gate never
// waits for the dead.
class Gate {
 public:
  explicit Gate(std::size_t expected) : remaining_(expected) {}

  // Arrives and waits until all have arrived; `park` is the caller's timer,
  // used on its own worker's thread.
  asio::awaitable<void> arrive_and_wait(asio::steady_timer& park) {
    {
      std::lock_guard lock(mutex_);
      if (--remaining_ == 0) {
        open_locked();
        co_return;
      }
      park.expires_at(asio::steady_timer::time_point::max());
      waiting_.push_back(&park);
    }
    // open() posts the cancel to this timer's thread, where it runs after
    // this wait has started: no wake-up is lost.
    co_await park.async_wait(use_nothrow);
  }

  void arrive() {
    std::lock_guard lock(mutex_);
    if (--remaining_ == 0) open_locked();
  }

 private:
  void open_locked() {
    for (auto* timer : waiting_) asio::post(timer->get_executor(), [timer] { timer->cancel(); });
    waiting_.clear();
  }

  std::mutex mutex_;
  std::size_t remaining_;
  std::vector<asio::steady_timer*> waiting_;
};

// The gates one connection still owes an arrival at; whatever happens to the
// connection, its remaining arrivals are made when this goes out of scope.
class Arrivals {
 public:
  explicit Arrivals(std::vector<Gate*> gates) : gates_(std::move(gates)) {}
  Arrivals(const Arrivals&) = delete;
  Arrivals& operator=(const Arrivals&) = delete;
  ~Arrivals() {
    for (; next_ < gates_.size(); ++next_) gates_[next_]->arrive();
  }
  // Waits at the next gate.
  asio::awaitable<void> wait(asio::steady_timer& park) { co_await gates_[next_++]->arrive_and_wait(park); }

 private:
  std::vector<Gate*> gates_;
  std::size_t next_ = 0;
};

// Local ports one source address offers (the kernel's ephemeral range).
inline std::size_t ephemeral_ports() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  std::size_t low = 32768, high = 60999;
  range >> low >> high;
  return high >= low ? high - low + 1 : 28232;
}

// The source addresses for `connections` to `server`: none (the kernel
// chooses) while one address has ports enough; else as many 127.0.0.x as
// needed when the server is on loopback. `forced` > 0 asks for that many.
// Throws with the reason when the connections cannot fit.
inline std::vector<asio::ip::address> source_addresses(const asio::ip::tcp::endpoint& server,
                                                       std::size_t connections, std::size_t forced) {
  const std::size_t per_address = ephemeral_ports() * 9 / 10;  // leave room for the rest of the machine
  std::size_t needed = forced > 0 ? forced : (connections + per_address - 1) / per_address;
  if (needed <= 1 && forced == 0) return {};
  const auto address = server.address();
  if (!address.is_v4() || !address.is_loopback())
    throw std::runtime_error(fmt::format(
        "{} connections need {} source addresses ({} local ports each), but spreading over source "
        "addresses works only towards a 127.x.x.x server; use fewer --clients or several machines",
        connections, needed, per_address));
  if (needed > 250) throw std::runtime_error("at most 250 source addresses (127.0.0.1 to 127.0.0.250)");
  std::vector<asio::ip::address> sources;
  for (std::size_t i = 1; i <= needed; ++i)
    sources.push_back(asio::ip::make_address_v4(static_cast<asio::ip::address_v4::uint_type>((127u << 24) | i)));
  return sources;
}

// Runs one coroutine per connection, spread round-robin over the workers,
// each worker on its own thread, until all have finished. `on_tick` is
// called on this thread every 200 ms meanwhile (the progress line).
// `client_main(Client&)` is the scenario's coroutine for one connection.
template <class ClientMain>
void run_clients(std::vector<std::unique_ptr<Worker>>& workers, const Target& target, std::size_t connections,
                 ClientMain client_main, const std::function<void()>& on_tick) {
  std::vector<std::unique_ptr<Client>> clients;
  clients.reserve(connections);
  for (std::size_t i = 0; i < connections; ++i) {
    auto& worker = *workers[i % workers.size()];
    clients.push_back(std::make_unique<Client>(worker, target, i + 1));
    worker.clients.push_back(clients.back().get());
  }
  std::atomic<std::size_t> running{connections};
  std::vector<std::thread> threads;
  for (auto& worker_ptr : workers) {
    Worker& worker = *worker_ptr;
    for (Client* client : worker.clients) {
      asio::co_spawn(worker.io, client_main(*client), [client, &running](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& error) {
            client->fail(ErrorKind::connection, 0, fmt::format("unexpected exception: {}", error.what()));
          }
        }
        client->connection.close();
        running.fetch_sub(1, std::memory_order_release);
      });
    }
    threads.emplace_back([&worker, &target, &running] {
      // The watchdog: a look ten times per timeout, until the clients are done.
      asio::steady_timer watchdog(worker.io);
      const auto period = std::max<Clock::duration>(target.timeout / 10, std::chrono::milliseconds(10));
      std::function<void()> look = [&] {
        if (running.load(std::memory_order_acquire) == 0) return;
        watchdog.expires_after(period);
        watchdog.async_wait([&](const asio::error_code&) {
          const auto now = Clock::now();
          for (Client* client : worker.clients) client->check_deadline(now);
          look();
        });
      };
      look();
      worker.io.run();
    });
  }
  while (running.load(std::memory_order_acquire) > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (on_tick) on_tick();
  }
  for (auto& worker : workers) worker->io.stop();  // only the watchdog's last wait is left
  for (auto& thread : threads) thread.join();
  for (auto& worker : workers) worker->clients.clear();
}

}  // namespace stress
