// switchboard/session.hpp: one client connection.
//
// A session owns its socket, a strand, a line reader and a queue of outgoing
// payloads bounded in bytes. Everything it holds is touched only on its
// strand, so it needs no mutex; functions other threads may call (deliver,
// close) post to that strand.
//
// Writing: a line sent while nothing is queued is written at once with a
// non-blocking send; only what the kernel does not take is queued, and a
// writer coroutine exists only while the queue is not empty. Queued bytes
// are counted: past ServerOptions::max_queue the queued lines are dropped,
// the farewell (BYE slow-consumer) follows what is being written, and the
// connection is cut if even that is not read within close_grace.
//
// Closing is graceful: farewell, flush, shut down the sending side, then
// read and discard until the peer closes (so our last line is not lost to a
// reset), all bounded by close_grace. close_now() is the hard cut.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "switchboard/detail/asio_compat.hpp"
#include "switchboard/error.hpp"
#include "switchboard/line_reader.hpp"
#include "switchboard/options.hpp"
#include "switchboard/payload.hpp"

namespace switchboard {

class Session;
class ClientRegistry;

namespace detail {

// What a session needs from the server that owns it.
class SessionHost {
 public:
  // The farewell line for `reason` (without LF), or "" to send nothing.
  virtual std::string farewell(errc reason) = 0;
  // Called once, on the session's strand, when its socket has been closed.
  virtual void session_closed(Session& session) noexcept = 0;
  virtual ClientRegistry& registry() noexcept = 0;

 protected:
  ~SessionHost() = default;
};

// "127.0.0.1:5000", "[::1]:5000".
inline std::string format_endpoint(const asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string port = std::to_string(endpoint.port());
  if (address.is_v6()) return "[" + address.to_string() + "]:" + port;
  return address.to_string() + ":" + port;
}

}  // namespace detail

class Session : public std::enable_shared_from_this<Session> {
 public:
  using Clock = std::chrono::steady_clock;

  // Made by Server for each accepted socket; `socket` must run on a strand.
  Session(std::uint64_t id, asio::ip::tcp::socket socket, const ServerOptions& options,
          detail::SessionHost& host)
      : id_(id),
        socket_(std::move(socket)),
        strand_(*socket_.get_executor().target<detail::Strand>()),
        options_(options),
        host_(host),
        reader_(options.max_line),
        timer_(strand_),
        connected_at_(Clock::now()),
        last_received_(connected_at_) {
    asio::error_code ignored;
    remote_ = socket_.remote_endpoint(ignored);
    // Our own sends must never block an I/O thread; Asio's async operations
    // work the same either way.
    socket_.non_blocking(true, ignored);
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // ---- Any thread ----------------------------------------------------------

  // Positive, unique for the life of the process.
  std::uint64_t id() const noexcept { return id_; }
  const asio::ip::tcp::endpoint& remote_endpoint() const noexcept { return remote_; }
  std::string remote_address() const { return detail::format_endpoint(remote_); }
  Clock::time_point connected_at() const noexcept { return connected_at_; }
  const detail::Strand& strand() const noexcept { return strand_; }
  ClientRegistry& registry() const noexcept { return host_.registry(); }

  // Queues a payload (complete lines, LF included). Thread-safe: runs at
  // once on the session's strand, else is posted to it.
  void deliver(Payload payload) {
    asio::dispatch(strand_, [self = shared_from_this(), payload = std::move(payload)]() mutable {
      self->enqueue(std::move(payload));
    });
  }

  // Sends the farewell for `reason` after what is being written, then
  // closes gracefully. Thread-safe; does nothing once closing has begun.
  void close(errc reason) {
    asio::dispatch(strand_, [self = shared_from_this(), reason] { self->begin_close(reason); });
  }

  // Flushes what is queued, then closes gracefully, adding nothing (after
  // "OK bye", say). Thread-safe.
  void close() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->begin_close(std::nullopt); });
  }

  // Closes the socket at once, dropping what is queued. Thread-safe.
  void close_now() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->finish(); });
  }

  // ---- The session's strand only (handlers run there) ----------------------

  // Sends `parts` concatenated, then LF: "Echo: " + line, without building a
  // string first. Does nothing once the session is closing.
  template <class... Parts>
  void send_line(const Parts&... parts) {
    static_assert((std::is_convertible_v<const Parts&, std::string_view> && ...),
                  "send_line takes pieces convertible to std::string_view");
    const std::array<asio::const_buffer, sizeof...(Parts) + 1> buffers{
        asio::buffer(std::string_view(parts))..., asio::buffer("\n", 1)};
    write_or_queue(buffers);
  }

  // Sends bytes as they are (raw mode, or pre-framed lines).
  void send(std::string_view bytes) { write_or_queue(std::array{asio::buffer(bytes)}); }

  bool is_open() const noexcept { return state_ == State::open; }
  // Bytes waiting in this session's queue (not yet handed to the kernel).
  std::size_t queued_bytes() const noexcept { return outbox_bytes_; }

  // ---- Used by Server ------------------------------------------------------

  // Reads lines until the connection ends, calling on_line(line) for each;
  // on_line may return void or asio::awaitable<void> (then it is awaited, so
  // the lines of one connection are handled in order, one at a time).
  template <class OnLine>
  asio::awaitable<void> read_lines(OnLine on_line) {
    for (;;) {
      const bool more = co_await read_chunk();
      if (!more) break;
      if (state_ != State::open) {
        reader_.discard();
        reader_.release_if_empty();
        continue;
      }
      std::error_code ec;
      while (state_ == State::open) {
        const auto line = reader_.next(ec);
        if (ec) {
          begin_close(errc::line_too_long);
          break;
        }
        if (!line) break;
        if constexpr (std::is_void_v<decltype(on_line(*line))>) {
          on_line(*line);
        } else {
          co_await on_line(*line);
        }
      }
      reader_.release_if_empty();
    }
  }

  // Raw mode: on_bytes(span) for every chunk read. The span is valid only
  // during the call.
  template <class OnBytes>
  asio::awaitable<void> read_bytes(OnBytes on_bytes) {
    for (;;) {
      // (Not `while (co_await ...)`: g++ 12 miscompiles a co_await in a loop condition.)
      const bool more = co_await read_chunk();
      if (!more) break;
      if (state_ == State::open) on_bytes(reader_.bytes());
      reader_.discard();
      reader_.release_if_empty();
    }
  }

  // Arms the idle-timeout watchdog, if there is one. Call once, on the strand.
  void start_watchdog() {
    if (options_.idle_timeout.count() > 0) spawn_watchdog();
  }

  // A session that is not admitted (server full): farewell, then the
  // graceful close, reading until the peer closes; never reported to the host.
  asio::awaitable<void> reject(errc reason) {
    reported_ = false;
    begin_close(reason);
    co_await read_bytes([](std::span<const char>) {});
  }

 private:
  enum class State { open, closing, closed };

  // Waits for data and reads what fits into the reader. False when the
  // connection is over (closed by us, reset, or EOF after which we close).
  asio::awaitable<bool> read_chunk() {
    for (;;) {
      if (state_ == State::closed) co_return false;
      // Waiting for readability before taking a buffer keeps idle
      // connections free of any read buffer.
      auto [wait_ec] = co_await socket_.async_wait(asio::socket_base::wait_read, detail::use_nothrow);
      if (wait_ec || state_ == State::closed) co_return false;
      asio::error_code ec;
      const auto space = reader_.prepare();
      const std::size_t n = socket_.read_some(asio::buffer(space.data(), space.size()), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) continue;
      if (ec) {
        reader_.discard();
        reader_.release_if_empty();
        if (ec == asio::error::eof) {
          peer_closed_ = true;
          // Every complete line was answered; a partial one is dropped.
          if (state_ == State::open) begin_close(std::nullopt);
          else if (outbox_.empty()) finish();
        } else {
          finish();
        }
        co_return false;
      }
      reader_.commit(n);
      last_received_ = Clock::now();
      co_return true;
    }
  }

  // The one path for bytes to this client, bounded by max_queue.
  template <class Buffers>
  void write_or_queue(const Buffers& buffers) {
    if (state_ != State::open) return;
    push(buffers, nullptr);
    if (state_ == State::open && outbox_bytes_ > options_.max_queue) begin_close(errc::slow_consumer);
  }

  void enqueue(Payload payload) {
    const std::array buffers{asio::buffer(*payload)};
    if (state_ != State::open) return;
    push(buffers, &payload);
    if (state_ == State::open && outbox_bytes_ > options_.max_queue) begin_close(errc::slow_consumer);
  }

  // Writes at once with a non-blocking send when nothing is queued; queues
  // what the kernel did not take (reusing `payload` when it was taken whole).
  template <class Buffers>
  void push(const Buffers& buffers, Payload* payload) {
    const std::size_t total = asio::buffer_size(buffers);
    if (state_ == State::closed || total == 0) return;
    std::size_t written = 0;
    if (!writing_ && outbox_.empty()) {
      asio::error_code ec;
      written = socket_.write_some(buffers, ec);
      if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
        finish();
        return;
      }
      if (written == total) return;
    }
    Payload rest = payload != nullptr && written == 0 ? std::move(*payload)
                                                      : make_payload(copy_from(buffers, written));
    outbox_bytes_ += rest->size();
    outbox_.push_back(std::move(rest));
    start_writer();
  }

  template <class Buffers>
  static std::string copy_from(const Buffers& buffers, std::size_t skip) {
    std::string rest;
    rest.reserve(asio::buffer_size(buffers) - skip);
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
      asio::const_buffer b = *it;
      if (skip >= b.size()) {
        skip -= b.size();
        continue;
      }
      b += skip;
      skip = 0;
      rest.append(static_cast<const char*>(b.data()), b.size());
    }
    return rest;
  }

  void start_writer() {
    if (writing_ || outbox_.empty() || state_ == State::closed) return;
    writing_ = true;
    asio::co_spawn(
        strand_, [self = shared_from_this()] { return self->writer(); },
        [self = shared_from_this()](std::exception_ptr e) {
          if (e) self->finish();
        });
  }

  asio::awaitable<void> writer() {
    constexpr std::size_t max_gather = 64;
    std::array<asio::const_buffer, max_gather> buffers;
    while (!outbox_.empty() && state_ != State::closed) {
      std::size_t count = 0;
      for (const auto& payload : outbox_) {
        if (count == max_gather) break;
        buffers[count++] = asio::buffer(*payload);
      }
      in_flight_ = count;
      auto [ec, n] = co_await asio::async_write(
          socket_, std::span<const asio::const_buffer>(buffers.data(), count), detail::use_nothrow);
      in_flight_ = 0;
      if (ec) {
        finish();
        break;
      }
      for (std::size_t i = 0; i < count && !outbox_.empty(); ++i) {
        outbox_bytes_ -= outbox_.front()->size();
        outbox_.pop_front();
      }
    }
    writing_ = false;
    if (state_ == State::closing && outbox_.empty()) flushed_while_closing();
  }

  // reason: the farewell to send, or none (a QUIT, or the peer's EOF).
  void begin_close(std::optional<errc> reason) {
    if (state_ != State::open) return;
    state_ = State::closing;
    if (reason == errc::slow_consumer) {
      // Drop the lines still queued; what is being written goes out whole.
      while (outbox_.size() > in_flight_) {
        outbox_bytes_ -= outbox_.back()->size();
        outbox_.pop_back();
      }
    }
    if (reason) {
      std::string line = host_.farewell(*reason);
      if (!line.empty()) {
        line.push_back('\n');
        auto farewell = make_payload(std::move(line));
        push(std::array{asio::buffer(*farewell)}, &farewell);  // past the bound: the last line
        if (state_ == State::closed) return;
      }
    }
    close_deadline_ = Clock::now() + options_.close_grace;
    if (watchdog_running_) {
      timer_.cancel();  // the watchdog looks at the new deadline
    } else {
      spawn_watchdog();
    }
    if (outbox_.empty() && !writing_) flushed_while_closing();
  }

  // Everything, the farewell included, is with the kernel.
  void flushed_while_closing() {
    if (peer_closed_) {
      finish();
      return;
    }
    // FIN after our last byte; the reader keeps draining until the peer
    // closes too, or the watchdog cuts at close_deadline_.
    asio::error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_send, ignored);
  }

  void finish() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    asio::error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
    outbox_.clear();
    outbox_bytes_ = 0;
    if (reported_) host_.session_closed(*this);
  }

  void spawn_watchdog() {
    watchdog_running_ = true;
    asio::co_spawn(
        strand_, [self = shared_from_this()] { return self->watchdog(); },
        [self = shared_from_this()](std::exception_ptr e) {
          self->watchdog_running_ = false;
          if (e) self->finish();
        });
  }

  // One timer serves both deadlines; the reader only stores the time of the
  // last read, so a busy connection never re-arms a timer.
  asio::awaitable<void> watchdog() {
    while (state_ != State::closed) {
      const auto deadline = state_ == State::closing ? close_deadline_
                                                     : last_received_ + options_.idle_timeout;
      if (Clock::now() >= deadline) {
        if (state_ == State::closing) {
          finish();
        } else {
          begin_close(errc::idle_timeout);
        }
        continue;
      }
      timer_.expires_at(deadline);
      co_await timer_.async_wait(detail::use_nothrow);  // cancelled: look again
    }
  }

  const std::uint64_t id_;
  asio::ip::tcp::socket socket_;
  detail::Strand strand_;
  const ServerOptions& options_;
  detail::SessionHost& host_;
  asio::ip::tcp::endpoint remote_;

  LineReader reader_;
  std::deque<Payload> outbox_;
  std::size_t outbox_bytes_ = 0;
  std::size_t in_flight_ = 0;  // payloads at the front of outbox_ being written
  bool writing_ = false;

  State state_ = State::open;
  bool peer_closed_ = false;
  bool reported_ = true;
  bool watchdog_running_ = false;
  asio::steady_timer timer_;
  const Clock::time_point connected_at_;
  Clock::time_point last_received_;
  Clock::time_point close_deadline_{};
};

}  // namespace switchboard
