// switchboard/session.hpp: one client connection.
//
// A session owns its socket, a strand, a line reader and a queue of outgoing
// payloads bounded in bytes. Everything it holds is touched only on its
// strand, so it needs no mutex; functions other threads may call (deliver,
// close) post to that strand.
//
// Reading: a small buffer inside the session takes what arrives; when a
// read fills it (a client sending in bulk), a larger one is used until the
// socket is drained, then freed. Lines whole in a chunk go to the handler
// without a copy. A handler that must wait (returns asio::awaitable) pauses
// this connection's reading until it is done, so one connection's lines are
// handled one at a time, in order.
//
// Writing: the replies to one chunk read are gathered and sent together
// once the chunk is handled, and the receivers of its broadcasts are woken
// then (see Round). Bytes sent while nothing is queued are written at once
// with a non-blocking send; only what the kernel does not take is queued,
// and a write operation is in flight only while the queue is not empty.
// Queued bytes are counted: past ServerOptions::max_queue the queued lines are
// dropped, the farewell (BYE slow-consumer) follows what is being written,
// and the connection is cut if even that is not read within close_grace.
//
// Closing is graceful: farewell, flush, shut down the sending side, then
// read and discard until the peer closes (so our last line is not lost to a
// reset), all bounded by close_grace. close_now() is the hard cut.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "switchboard/detail/asio_compat.hpp"
#include "switchboard/detail/endpoint.hpp"
#include "switchboard/detail/outbox.hpp"
#include "switchboard/error.hpp"
#include "switchboard/line_reader.hpp"
#include "switchboard/options.hpp"
#include "switchboard/payload.hpp"

namespace switchboard {

class Session;
template <class SessionType>
class BasicClientRegistry;
using ClientRegistry = BasicClientRegistry<Session>;

namespace detail {

// What a session needs from the server that owns it (Server<Handler>
// implements it, so Session itself is not a template).
class SessionHost {
 public:
  // Hands a line to the handler; returns the work to await when the
  // handler's on_line is a coroutine.
  virtual std::optional<asio::awaitable<void>> dispatch_line(Session& session, std::string_view line) = 0;
  virtual void dispatch_bytes(Session& session, std::span<const char> bytes) = 0;
  // The farewell line for `reason` (without LF), or "" to send nothing.
  virtual std::string farewell(errc reason) = 0;
  // The handler threw: log it (the session then closes).
  virtual void handler_failed(Session& session, std::exception_ptr error) noexcept = 0;
  // Called once, on the session's strand, when its socket has been closed.
  virtual void session_closed(Session& session) noexcept = 0;
  virtual ClientRegistry& registry() noexcept = 0;

 protected:
  ~SessionHost() = default;
};

inline bool would_block(const asio::error_code& ec) noexcept {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

}  // namespace detail

class Session : public std::enable_shared_from_this<Session> {
 public:
  using Clock = std::chrono::steady_clock;
  using Socket = asio::basic_stream_socket<asio::ip::tcp, detail::Strand>;

  // Made by Server for each accepted socket.
  Session(std::uint64_t id, Socket socket, const ServerOptions& options, detail::SessionHost& host)
      : id_(id),
        socket_(std::move(socket)),
        strand_(socket_.get_executor()),
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

  // Queues a payload (complete lines, LF included). Thread-safe. Payloads
  // delivered while an earlier one waits for the strand join it: one post
  // and one write for the lot, which is what makes a broadcast storm cheap.
  // False, and nothing queued, once the session has begun to close.
  bool deliver(Payload payload) {
    if (!taking_deliveries_.load(std::memory_order_relaxed)) return false;
    bool first = false;
    {
      std::lock_guard lock(inbox_mutex_);
      first = inbox_.empty();
      inbox_.push_back(std::move(payload));
    }
    if (first) {  // else the wake-up for the first is on its way
      if (Round::open()) Round::defer(shared_from_this());
      else wake();
    }
    return true;
  }

  // True once the session has begun to close (a farewell, close(), the
  // peer's end of input while it was being read, a cut). Thread-safe: work
  // done elsewhere for this client (a password hash, say) checks it and
  // gives up, so a server that stops does not wait for work nobody will
  // read. While a handler waits, reading is paused: a peer that goes away
  // then is noticed only after the handler is done.
  bool closing() const noexcept { return !taking_deliveries_.load(std::memory_order_relaxed); }

  // Sends the farewell for `reason` after what is being written, then
  // closes gracefully. Thread-safe; does nothing once closing has begun.
  void close(errc reason) {
    asio::dispatch(strand(), [self = shared_from_this(), reason] { self->begin_close(reason); });
  }

  // Flushes what is queued, then closes gracefully, adding nothing (after
  // "OK bye", say). Thread-safe.
  void close() {
    asio::dispatch(strand(), [self = shared_from_this()] { self->begin_close(std::nullopt); });
  }

  // Closes the socket at once, dropping what is queued. Thread-safe.
  void close_now() {
    asio::dispatch(strand(), [self = shared_from_this()] { self->finish(); });
  }

  // ---- The session's strand only (handlers run there) ----------------------

  // Sends `parts` concatenated, then LF: "Echo: " + line. A short line is
  // put together on the stack and sent with one send(); a long one is
  // gathered (sendmsg) without a copy. Does nothing once the session is closing.
  template <class... Parts>
  void send_line(const Parts&... parts) {
    static_assert((std::is_convertible_v<const Parts&, std::string_view> && ...),
                  "send_line takes pieces convertible to std::string_view");
    const std::array<std::string_view, sizeof...(Parts) + 1> pieces{std::string_view(parts)..., "\n"};
    std::size_t total = 0;
    for (auto piece : pieces) total += piece.size();
    if (std::array<char, 1024> line; total <= line.size()) {
      char* out = line.data();
      for (auto piece : pieces) out = std::copy(piece.begin(), piece.end(), out);
      write_or_queue(asio::const_buffer(line.data(), total), nullptr);
    } else {
      std::array<asio::const_buffer, pieces.size()> buffers;
      for (std::size_t i = 0; i < pieces.size(); ++i) buffers[i] = asio::buffer(pieces[i]);
      write_or_queue(buffers, nullptr);
    }
  }

  // Sends bytes as they are (raw mode, or pre-framed lines).
  void send(std::string_view bytes) { write_or_queue(asio::buffer(bytes), nullptr); }

  bool is_open() const noexcept { return state_ == State::open; }
  // Bytes waiting in this session's queue (not yet handed to the kernel).
  std::size_t queued_bytes() const noexcept { return outbox_.bytes(); }

  // ---- Used by Server, on the strand ---------------------------------------

  // Starts reading (and the idle-timeout watchdog, if there is one).
  void start() {
    arm_watchdog();
    read();
  }

  // Not admitted (server full): farewell, then the graceful close, reading
  // until the peer closes; never reported to the host.
  void reject(errc reason) {
    reported_ = false;
    begin_close(reason);
    read();
  }

 private:
  enum class State { open, closing, closed };

  // The buffer inside the session: big enough for the usual line or packet,
  // small enough that an idle connection stays cheap.
  static constexpr std::size_t small_read = 512;

  // ---- Rounds ----------------------------------------------------------------
  //
  // A round is what a thread does with one chunk a session read: the
  // handler's calls for every line in it. Three things wait for its end:
  // - the reader's own replies, gathered in a buffer of the thread's (the
  //   cork), so N pipelined requests get one send(), not N;
  // - the wake-ups of the receivers it delivered to (a receiver is woken,
  //   one post to its strand, when its inbox goes from empty to not), so a
  //   burst of N broadcasts reaches each receiver as one post and one
  //   gathered write;
  // - the reader's next read, when it delivered anything: it reads again
  //   once every receiver has taken the round's payloads into its own
  //   (bounded) queue. So a sender never runs ahead of its receivers, an
  //   inbox never holds more than a chunk's worth from one sender, and the
  //   batches stay big under load (the sender's next N requests wait for
  //   this round, then are handled together).
  // That is what Redis gets from its single event loop. Deliveries from
  // outside a round (the console, a timer) wake their receiver at once.
  class Round {
   public:
    explicit Round(Session& reader) noexcept {
      auto& round = state();
      if (round.depth++ == 0) {
        round.reader = &reader;
        round.more_calls = false;
      }
    }
    ~Round() {
      auto& round = state();
      if (--round.depth > 0) return;  // an inner round (same reader): the outer one ends it
      Session& reader = *round.reader;
      std::shared_ptr<ReadGate> gate;
      if (std::exchange(round.read_held, false))
        gate = std::make_shared<ReadGate>(reader.shared_from_this(), round.deferred.size());
      for (auto& receiver : round.deferred) receiver->wake(gate);
      round.deferred.clear();  // keeps its capacity for the next round
      // Replies last: once a sender reads "sent", every receiver has the
      // payload on its way (its strand takes it before anything it reads later).
      reader.flush_corked();
      round.reader = nullptr;
    }
    Round(const Round&) = delete;
    Round& operator=(const Round&) = delete;

    static bool open() noexcept { return state().depth > 0; }
    static void defer(std::shared_ptr<Session> receiver) { state().deferred.push_back(std::move(receiver)); }

    // The cork, if `session` is the one this thread's round is reading for.
    static std::string* cork_of(const Session& session) noexcept {
      auto& round = state();
      return round.reader == &session ? &round.cork : nullptr;
    }

    // Whether more handler calls may follow in this round (more of the
    // chunk is left).
    static void expect_more_calls(bool more) noexcept { state().more_calls = more; }

    // A reply is worth holding back when another may join it, or when
    // receivers are to be woken first (see ~Round). Otherwise it goes at
    // once, without a copy: a client sending one request at a time pays
    // nothing for the cork.
    static bool worth_corking() noexcept {
      auto& round = state();
      return round.more_calls || !round.deferred.empty();
    }

    // True if `session`'s next read must wait for this round's receivers
    // (the round's end arranges it).
    static bool hold_read(const Session& session) noexcept {
      auto& round = state();
      if (round.reader != &session || round.deferred.empty()) return false;
      round.read_held = true;
      return true;
    }

   private:
    struct State {
      int depth = 0;
      Session* reader = nullptr;
      bool more_calls = false;
      bool read_held = false;
      std::string cork;
      std::vector<std::shared_ptr<Session>> deferred;
    };
    static State& state() noexcept {
      thread_local State per_thread;
      return per_thread;
    }
  };

  // Counts a round's receivers down; the last one to take its payloads
  // lets the reader read again.
  class ReadGate {
   public:
    ReadGate(std::shared_ptr<Session> reader, std::size_t receivers)
        : reader_(std::move(reader)), remaining_(receivers) {}
    void passed() {
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1)
        asio::post(reader_->strand(), [reader = reader_] { reader->read(); });
    }

   private:
    std::shared_ptr<Session> reader_;
    std::atomic<std::size_t> remaining_;
  };

  void wake(const std::shared_ptr<ReadGate>& gate = nullptr) {
    asio::post(strand(), [self = shared_from_this(), gate] {
      self->take_inbox();
      if (gate) gate->passed();
    });
  }

  // Past this, corked replies are sent at once and a big reply is not copied.
  static constexpr std::size_t cork_limit = 16 * 1024;

  // Adds `buffers` to the round's cork. False if they are to be sent now:
  // no round for this session, nothing to gather them with (see
  // Round::worth_corking), or the cork would grow past cork_limit (then
  // what it holds is sent first, so the order stays; if that ended the
  // session, say by its queue bound, there is nothing left to send: true).
  template <class Buffers>
  bool cork(const Buffers& buffers) {
    std::string* corked = Round::cork_of(*this);
    if (corked == nullptr || (corked->empty() && !Round::worth_corking())) return false;
    if (corked->size() + asio::buffer_size(buffers) > cork_limit) {
      flush_corked();
      return state_ != State::open;
    }
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
      const asio::const_buffer b = *it;
      corked->append(static_cast<const char*>(b.data()), b.size());
    }
    return true;
  }

  void flush_corked() {
    std::string* corked = Round::cork_of(*this);
    if (corked == nullptr || corked->empty()) return;
    push(asio::buffer(*corked), nullptr);
    corked->clear();
    enforce_queue_bound();
  }

  // ---- Reading ---------------------------------------------------------------

  void read() {
    if (state_ == State::closed || peer_closed_) return;
    if (Round::hold_read(*this)) return;  // after this round's receivers (see Round)
    char* data = small_.data();
    std::size_t size = small_.size();
    if (large_) {
      data = large_.get();
      size = large_size();
    }
    read_size_ = size;
    socket_.async_read_some(asio::buffer(data, size),
                            [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                              self->on_read(ec, n);
                            });
  }

  std::size_t large_size() const noexcept {
    // Raw mode reads in bulk; line mode never holds much more than one line.
    constexpr std::size_t raw_size = 64 * 1024;
    if (options_.framing == Framing::raw) return raw_size;
    return std::clamp(options_.max_line + 2, small_read, raw_size);
  }

  void on_read(const asio::error_code& ec, std::size_t n) {
    if (state_ == State::closed) return;
    if (ec) {
      if (ec == asio::error::eof) {
        peer_closed_ = true;
        reader_.reset();
        // Every complete line was answered; an unfinished one is dropped.
        if (state_ == State::open) begin_close(std::nullopt);
        else if (!writing_ && outbox_.empty()) finish();
      } else {
        finish();
      }
      return;
    }
    if (options_.idle_timeout.count() > 0) last_received_ = Clock::now();
    const Round round(*this);
    const bool filled = n == read_size_;
    const std::string_view chunk(large_ ? large_.get() : small_.data(), n);
    if (state_ != State::open) {
      read_more(filled);  // closing: drain and discard
    } else if (options_.framing == Framing::raw) {
      if (guard([&] { host_.dispatch_bytes(*this, {chunk.data(), chunk.size()}); })) read_more(filled);
    } else {
      take_lines(chunk, filled);
    }
  }

  // Hands the lines of `chunk` to the handler; a handler that waits resumes
  // this for the rest of the chunk (the read buffer is untouched meanwhile).
  void take_lines(std::string_view chunk, bool filled) {
    std::error_code ec;
    while (state_ == State::open) {
      const auto line = reader_.next(chunk, ec);
      if (ec) {
        begin_close(errc::line_too_long);
        break;
      }
      if (!line) break;
      Round::expect_more_calls(!chunk.empty());
      std::optional<asio::awaitable<void>> work;
      if (!guard([&] { work = host_.dispatch_line(*this, *line); })) return;
      if (work) {
        handler_waiting_ = true;
        asio::co_spawn(strand(), std::move(*work),
                       [self = shared_from_this(), chunk, filled](std::exception_ptr error) {
                         const Round round(*self);
                         self->handler_waiting_ = false;
                         if (self->options_.idle_timeout.count() > 0) self->last_received_ = Clock::now();
                         if (error) {
                           self->handler_threw(error);
                         } else {
                           self->take_lines(chunk, filled);
                         }
                       });
        return;
      }
    }
    read_more(filled);
  }

  // A read that filled its buffer means more is waiting: read it in bulk.
  // One that did not means the socket is drained: back to the small buffer.
  void read_more(bool filled) {
    if (filled && !large_) {
      large_ = std::make_unique_for_overwrite<char[]>(large_size());
    } else if (!filled && large_) {
      large_.reset();
    }
    read();
  }

  // Runs a handler call; a throw is logged and closes this session only.
  template <class Call>
  bool guard(Call call) noexcept {
    try {
      call();
      return true;
    } catch (...) {
      handler_threw(std::current_exception());
      return false;
    }
  }

  // Logged, and the session is cut; the replies it gave before still go out.
  void handler_threw(std::exception_ptr error) noexcept {
    host_.handler_failed(*this, std::move(error));
    try {
      flush_corked();
    } catch (...) {  // no memory for the rest of a reply: it is cut anyway
    }
    finish();
  }

  // ---- Writing ---------------------------------------------------------------

  // The one path for bytes to this client, bounded by max_queue. `payload`,
  // when given, holds the same bytes and is queued as it is if need be.
  template <class Buffers>
  void write_or_queue(const Buffers& buffers, Payload* payload) {
    if (state_ != State::open || cork(buffers)) return;
    push(buffers, payload);
    enforce_queue_bound();
  }

  // Past max_queue the client is a slow consumer (see begin_close).
  void enforce_queue_bound() {
    if (state_ == State::open && outbox_.bytes() > options_.max_queue) begin_close(errc::slow_consumer);
  }

  // Moves what deliver() collected into the outbox and writes it, many
  // payloads in one gathered send when the socket takes them.
  void take_inbox() {
    std::vector<Payload> batch;
    {
      std::lock_guard lock(inbox_mutex_);
      batch.swap(inbox_);
    }
    if (state_ != State::open) return;
    if (batch.size() == 1) {
      const asio::const_buffer bytes = asio::buffer(*batch.front());
      return write_or_queue(bytes, &batch.front());
    }
    const bool idle = !writing_ && outbox_.empty();
    for (auto& payload : batch) outbox_.push_back(std::move(payload));
    if (idle) {
      gather_.clear();
      outbox_.gather(gather_, max_gather);
      asio::error_code ec;
      const std::size_t written = socket_.write_some(gather_, ec);
      if (ec && !detail::would_block(ec)) return finish();
      outbox_.consume(written);
      if (outbox_.empty()) std::vector<asio::const_buffer>().swap(gather_);  // idle: hold nothing
    }
    start_writing();
    enforce_queue_bound();
  }

  // Writes at once with a non-blocking send when nothing is queued; queues
  // what the kernel did not take. (A lone asio::const_buffer is sent with
  // send(), cheaper in the kernel than sendmsg().)
  template <class Buffers>
  void push(const Buffers& buffers, Payload* payload) {
    const std::size_t total = asio::buffer_size(buffers);
    if (state_ == State::closed || total == 0) return;
    std::size_t written = 0;
    if (!writing_ && outbox_.empty()) {
      asio::error_code ec;
      written = socket_.write_some(buffers, ec);
      if (ec && !detail::would_block(ec)) {
        finish();
        return;
      }
      if (written == total) return;
    }
    Payload rest = payload != nullptr && written == 0 ? std::move(*payload)
                                                      : make_payload(copy_from(buffers, written));
    outbox_.push_back(std::move(rest));
    start_writing();
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

  void start_writing() {
    if (writing_ || outbox_.empty() || state_ == State::closed) return;
    writing_ = true;
    write_queued();
  }

  static constexpr std::size_t max_gather = 64;

  void write_queued() {
    gather_.clear();
    outbox_.gather(gather_, max_gather);
    in_flight_ = gather_.size();
    asio::async_write(socket_, gather_, [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
      self->on_written(ec);
    });
  }

  void on_written(const asio::error_code& ec) {
    const std::size_t done = std::exchange(in_flight_, 0);
    if (ec || state_ == State::closed) {
      writing_ = false;
      finish();
      return;
    }
    outbox_.pop_front(done);
    if (!outbox_.empty()) {
      write_queued();
      return;
    }
    writing_ = false;
    std::vector<asio::const_buffer>().swap(gather_);
    if (state_ == State::closing) flushed_while_closing();
  }

  // ---- Closing ---------------------------------------------------------------

  // reason: the farewell to send, or none (a QUIT, or the peer's EOF).
  void begin_close(std::optional<errc> reason) {
    if (state_ != State::open) return;
    flush_corked();  // replies already given go before the farewell
    if (state_ != State::open) return;
    state_ = State::closing;
    taking_deliveries_.store(false, std::memory_order_relaxed);
    if (reason == errc::slow_consumer) {
      // Drop the lines still queued; what is being written goes out whole.
      outbox_.keep_front(in_flight_);
    }
    if (reason) {
      std::string line = host_.farewell(*reason);
      if (!line.empty()) {
        line.push_back('\n');
        auto farewell = make_payload(std::move(line));
        push(asio::buffer(*farewell), &farewell);  // past the bound: the last line
        if (state_ == State::closed) return;
      }
    }
    close_deadline_ = Clock::now() + options_.close_grace;
    arm_watchdog();
    if (!writing_ && outbox_.empty()) flushed_while_closing();
  }

  // Everything, the farewell included, is with the kernel.
  void flushed_while_closing() {
    if (peer_closed_) {
      finish();
      return;
    }
    // FIN after our last byte; reading goes on (discarding) until the peer
    // closes too, or the watchdog cuts at close_deadline_.
    asio::error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_send, ignored);
  }

  void finish() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    taking_deliveries_.store(false, std::memory_order_relaxed);
    asio::error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
    outbox_.clear();
    // reader_ keeps its buffer: a handler may be running (a send that
    // failed ended the session) or waiting, holding a view of a split line
    // in it; it goes with the session.
    if (reported_) host_.session_closed(*this);
  }

  // ---- Deadlines ---------------------------------------------------------------

  // One timer serves both deadlines (idle while open, the cut while
  // closing). Reading only stores the time of the last read, so a busy
  // connection never touches the timer; the watchdog wakes at the old
  // deadline and looks again.
  void arm_watchdog() {
    Clock::time_point deadline;
    if (state_ == State::closing) {
      deadline = close_deadline_;
    } else if (state_ == State::open && options_.idle_timeout.count() > 0) {
      deadline = last_received_ + options_.idle_timeout;
    } else {
      return;
    }
    timer_.expires_at(deadline);  // a wait already pending ends as aborted
    timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;  // re-armed or closed
      self->on_watchdog();
    });
  }

  void on_watchdog() {
    if (state_ == State::closed) return;
    const bool closing = state_ == State::closing;
    const auto deadline = closing ? close_deadline_ : last_received_ + options_.idle_timeout;
    if (Clock::now() < deadline) {
      arm_watchdog();
    } else if (!closing && handler_waiting_) {
      // Not the client's idleness: the server is still working on its last
      // line (a hash in a queue, say), and reads nothing meanwhile.
      last_received_ = Clock::now();
      arm_watchdog();
    } else if (closing) {
      finish();
    } else {
      begin_close(errc::idle_timeout);
    }
  }

  const std::uint64_t id_;
  Socket socket_;
  detail::Strand strand_;  // socket_'s executor, for posting from other threads
  const ServerOptions& options_;
  detail::SessionHost& host_;
  asio::ip::tcp::endpoint remote_;

  std::array<char, small_read> small_;
  std::unique_ptr<char[]> large_;  // only while a client sends in bulk
  std::size_t read_size_ = 0;
  LineReader reader_;
  bool handler_waiting_ = false;  // a handler's coroutine has this connection's reading paused

  detail::Outbox outbox_;
  std::atomic<bool> taking_deliveries_{true};  // false once closing; read on any thread
  std::mutex inbox_mutex_;                      // deliver() runs on any thread
  std::vector<Payload> inbox_;                  // delivered, not yet taken on the strand
  std::vector<asio::const_buffer> gather_;  // what is being written; empty when idle
  std::size_t in_flight_ = 0;               // payloads at the front of outbox_ being written
  bool writing_ = false;

  State state_ = State::open;
  bool peer_closed_ = false;
  bool reported_ = true;
  detail::SteadyTimer timer_;
  const Clock::time_point connected_at_;
  Clock::time_point last_received_;
  Clock::time_point close_deadline_{};
};

}  // namespace switchboard
