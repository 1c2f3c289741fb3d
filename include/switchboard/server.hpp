// switchboard/server.hpp: Server<Handler>, a multithreaded TCP server.
//
// One io_context run by N threads; each accepted connection gets a strand
// and a Session (reader + on-demand writer, bounded queue). The handler is
// called for each line (or chunk, in raw mode) on the connection's strand.
//
//   switchboard::Server server(switchboard::ServerOptions{.port = 0}, EchoHandler{});
//   server.start();            // listening when it returns; port() is the real port
//   ...
//   server.stop();             // goodbyes, flush (bounded), close, join
//
// Stopping: request_stop() is safe from any thread, an I/O thread included,
// and idempotent. It closes the acceptor, sends every client its farewell
// (BYE server-shutdown), lets them drain for ServerOptions::shutdown_grace,
// then cuts whoever is left; run() returns once nothing is left to do.
// stop() is request_stop() plus wait(), which joins every I/O thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "switchboard/client_registry.hpp"
#include "switchboard/detail/accept_backoff.hpp"
#include "switchboard/detail/asio_compat.hpp"
#include "switchboard/error.hpp"
#include "switchboard/handler.hpp"
#include "switchboard/log.hpp"
#include "switchboard/options.hpp"
#include "switchboard/session.hpp"

namespace switchboard {

template <class H>
class Server final : private detail::SessionHost {
  static_assert(Handler<H>,
                "A Server handler needs `void on_line(switchboard::Session&, std::string_view)` "
                "(or one returning `asio::awaitable<void>` or `switchboard::LineWork`), or for raw mode "
                "`void on_bytes(switchboard::Session&, std::span<const char>)`");

 public:
  explicit Server(ServerOptions options, H handler = H{})
      : options_(std::move(options)),
        handler_(std::move(handler)),
        log_(options_.quiet),
        io_(static_cast<int>(options_.effective_threads())),
        control_(asio::make_strand(io_)),
        acceptor_(control_),
        backoff_timer_(control_),
        grace_timer_(control_) {
    options_.validate();
    if (options_.framing == Framing::raw && !ByteHandler<H>)
      throw std::invalid_argument("raw mode needs a handler with on_bytes(Session&, std::span<const char>)");
    if (options_.framing == Framing::lines && !LineHandler<H>)
      throw std::invalid_argument("line mode needs a handler with on_line(Session&, std::string_view)");
  }

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Stops and joins. Must not run on one of this server's I/O threads.
  ~Server() { stop(); }

  // Binds, listens, prints [LISTENING] and starts the I/O threads. Throws
  // std::system_error saying what could not be done (address in use, ...).
  void start() {
    if (started_.exchange(true)) throw std::logic_error("Server::start() called twice");
    const asio::ip::tcp::endpoint endpoint = resolve();
    try {
      acceptor_.open(endpoint.protocol());
      acceptor_.set_option(asio::socket_base::reuse_address(true));
      if (endpoint.address().is_v6() && endpoint.address().is_unspecified())
        acceptor_.set_option(asio::ip::v6_only(false));  // "::" takes IPv4 too
      acceptor_.bind(endpoint);
      acceptor_.listen(asio::socket_base::max_listen_connections);
    } catch (const std::system_error& e) {
      throw std::system_error(e.code(), "cannot listen on " + detail::format_endpoint(endpoint) +
                                            (e.code() == asio::error::address_in_use
                                                 ? " (another server? try --port 0)"
                                                 : ""));
    }
    local_ = acceptor_.local_endpoint();
    log_.notice("[LISTENING] {}", detail::format_endpoint(local_));

    asio::co_spawn(control_, accept_loop(), [this](std::exception_ptr e) {
      if (e) log_.error("[ERROR] the accept loop ended: {}", describe(e));
    });
    const unsigned count = options_.effective_threads();
    threads_.reserve(count);
    for (unsigned i = 0; i < count; ++i) threads_.emplace_back([this] { run_thread(); });
  }

  // Stops on SIGINT and SIGTERM. For main(), before start(): a library never
  // takes signals on its own, so two servers in one test process never fight
  // over them. Installed at once, so a signal right after [LISTENING] counts.
  void stop_on_signals() {
    if (started_) throw std::logic_error("Server::stop_on_signals() must come before start()");
    signals_.emplace(control_, SIGINT, SIGTERM);
    signals_->async_wait([this](const asio::error_code& ec, int) {
      if (!ec) request_stop();
    });
  }

  // Begins the graceful stop. Thread-safe, idempotent, returns at once.
  void request_stop() noexcept {
    if (stopping_.exchange(true)) return;
    asio::post(control_, [this] {
      asio::error_code ignored;
      acceptor_.close(ignored);
      backoff_timer_.cancel();
      if (signals_) signals_->cancel(ignored);
      for (const auto& session : registry_.sessions()) session->close(errc::server_shutdown);
      if (registry_.count() == 0) return;
      grace_timer_.expires_after(options_.shutdown_grace);
      grace_timer_.async_wait([this](const asio::error_code& ec) {
        if (ec) return;  // everyone left in time
        for (const auto& session : registry_.sessions()) session->close_now();
      });
    });
  }

  // Blocks until every I/O thread has returned, which happens after a stop
  // (console exit, a signal, request_stop() from anywhere).
  void wait() {
    std::lock_guard lock(join_mutex_);
    for (auto& thread : threads_)
      if (thread.joinable()) thread.join();
    threads_.clear();
  }

  // request_stop() then wait(); from an I/O thread (a handler) only the former.
  void stop() {
    request_stop();
    if (io_.get_executor().running_in_this_thread()) return;
    wait();
  }

  bool stopping() const noexcept { return stopping_; }
  // The bound port, the real one when ServerOptions::port was 0. After start().
  std::uint16_t port() const noexcept { return local_.port(); }
  asio::ip::tcp::endpoint local_endpoint() const noexcept { return local_; }
  const ServerOptions& options() const noexcept { return options_; }
  H& handler() noexcept { return handler_; }
  ClientRegistry& registry() noexcept override { return registry_; }
  asio::io_context& context() noexcept { return io_; }
  const Log& log() const noexcept { return log_; }

 private:
  asio::ip::tcp::endpoint resolve() const {
    asio::error_code ec;
    const auto address = asio::ip::make_address(options_.host, ec);
    if (!ec) return {address, options_.port};
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    const auto results = resolver.resolve(options_.host, std::to_string(options_.port),
                                          asio::ip::resolver_base::passive, ec);
    if (ec || results.empty())
      throw std::system_error(ec, "cannot resolve --host " + options_.host);
    return results.begin()->endpoint();
  }

  void run_thread() noexcept {
    for (;;) {
      try {
        io_.run();
        return;
      } catch (...) {
        // A handler threw past its own completion handler; keep serving.
        log_.error("[ERROR] unhandled exception on an I/O thread: {}", describe(std::current_exception()));
      }
    }
  }

  asio::awaitable<void> accept_loop() {
    detail::AcceptBackoff backoff;
    while (acceptor_.is_open()) {
      auto [ec, socket] = co_await acceptor_.async_accept(detail::Strand(asio::make_strand(io_)), detail::use_nothrow);
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      if (ec) {
        if (detail::AcceptBackoff::is_exhaustion(ec)) {
          if (backoff.failed())
            log_.error("[ERROR] accept failed: {}; pausing new connections until it recovers", ec.message());
          backoff_timer_.expires_after(detail::AcceptBackoff::pause);
          co_await backoff_timer_.async_wait(detail::use_nothrow);
        }
        continue;
      }
      if (backoff.succeeded()) log_.notice("[ACCEPTING] new connections again");
      admit(std::move(socket));
    }
  }

  void admit(Session::Socket socket) {
    auto session = std::make_shared<Session>(ClientRegistry::next_id(), std::move(socket), options_,
                                              static_cast<detail::SessionHost&>(*this));
    if (stopping_ || registry_.count() >= options_.max_clients) {
      const errc reason = stopping_ ? errc::server_shutdown : errc::server_full;
      asio::dispatch(session->strand(), [session, reason] { session->reject(reason); });
      return;
    }
    registry_.add(session);
    log_.event("[NEW CONNECTION] id={} {}", session->id(), session->remote_address());
    log_.event("[ACTIVE CONNECTIONS] {}", registry_.count());
    asio::dispatch(session->strand(), [this, session] {
      try {
        detail::call_on_connect(handler_, *session);
      } catch (...) {
        handler_failed(*session, std::current_exception());
        session->close_now();
        return;
      }
      session->start();
    });
  }

  std::optional<asio::awaitable<void>> dispatch_line(Session& session, std::string_view line) override {
    if constexpr (LineHandler<H>) {
      using Result = decltype(handler_.on_line(session, line));
      if constexpr (std::is_void_v<Result>) {
        handler_.on_line(session, line);
      } else {
        return handler_.on_line(session, line);  // an awaitable, or a LineWork
      }
    }
    return std::nullopt;
  }

  void dispatch_bytes(Session& session, std::span<const char> bytes) override {
    if constexpr (ByteHandler<H>) handler_.on_bytes(session, bytes);
  }

  void handler_failed(Session& session, std::exception_ptr error) noexcept override {
    log_.error("[ERROR] id={}: the handler threw: {}", session.id(), describe(std::move(error)));
  }

  std::string farewell(errc reason) override {
    if (options_.framing == Framing::raw) return {};  // raw mode adds no bytes of its own
    return detail::call_farewell(handler_, reason);
  }

  void session_closed(Session& session) noexcept override {
    if (!registry_.remove(session.id())) return;
    detail::call_on_disconnect(handler_, session);
    log_.event("[DISCONNECTED] id={}", session.id());
    const std::size_t active = registry_.count();
    log_.event("[ACTIVE CONNECTIONS] {}", active);
    if (stopping_ && active == 0) asio::post(control_, [this] { grace_timer_.cancel(); });
  }

  static std::string describe(std::exception_ptr e) {
    try {
      std::rethrow_exception(std::move(e));
    } catch (const std::exception& error) {
      return error.what();
    } catch (...) {
      return "unknown exception";
    }
  }

  ServerOptions options_;
  H handler_;
  Log log_;
  ClientRegistry registry_;
  asio::io_context io_;
  detail::Strand control_;  // the acceptor, the timers and the signals live here
  asio::ip::tcp::acceptor acceptor_;
  detail::SteadyTimer backoff_timer_;
  detail::SteadyTimer grace_timer_;
  std::optional<asio::signal_set> signals_;
  asio::ip::tcp::endpoint local_;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::mutex join_mutex_;
  std::vector<std::thread> threads_;
};

}  // namespace switchboard
