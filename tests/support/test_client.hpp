// tests/support/test_client.hpp: a blocking TCP client whose every call has a
// deadline (the pattern of Asio's blocking_tcp_client example): no sleeps, no
// threads; a call that times out fails saying what it waited for.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include <switchboard/detail/asio_compat.hpp>

namespace test {

using namespace std::chrono_literals;

class TestClient {
 public:
  explicit TestClient(std::uint16_t port, std::string host = "127.0.0.1") : socket_(io_) {
    asio::error_code ec;
    socket_.async_connect({asio::ip::make_address(host), port}, [&](const asio::error_code& e) { ec = e; });
    if (!run_for(5s)) throw std::runtime_error("connect: timed out");
    if (ec) throw std::runtime_error("connect to port " + std::to_string(port) + ": " + ec.message());
  }

  void send(std::string_view bytes) {
    asio::error_code ec;
    asio::async_write(socket_, asio::buffer(bytes), [&](const asio::error_code& e, std::size_t) { ec = e; });
    if (!run_for(10s)) throw std::runtime_error("send: timed out");
    if (ec) throw std::runtime_error("send: " + ec.message());
  }

  void send_line(std::string_view line) { send(std::string(line) + "\n"); }

  // The next line without its LF; nothing on EOF. Throws on timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = 5s) {
    asio::error_code ec;
    std::size_t n = 0;
    asio::async_read_until(socket_, asio::dynamic_buffer(buffer_), '\n',
                           [&](const asio::error_code& e, std::size_t size) { ec = e, n = size; });
    if (!run_for(timeout))
      throw std::runtime_error("read_line: no line within " + std::to_string(timeout.count()) +
                               " ms (have \"" + buffer_ + "\")");
    if (ec == asio::error::eof || ec == asio::error::connection_reset) return std::nullopt;
    if (ec) throw std::runtime_error("read_line: " + ec.message());
    std::string line = buffer_.substr(0, n - 1);
    buffer_.erase(0, n);
    return line;
  }

  // Exactly n bytes.
  std::string read_exact(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    asio::error_code ec;
    if (buffer_.size() < n) {
      asio::async_read(socket_, asio::dynamic_buffer(buffer_), asio::transfer_exactly(n - buffer_.size()),
                       [&](const asio::error_code& e, std::size_t) { ec = e; });
      if (!run_for(timeout)) throw std::runtime_error("read_exact: timed out");
      if (ec) throw std::runtime_error("read_exact: " + ec.message());
    }
    std::string bytes = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return bytes;
  }

  // True when the server closes (EOF or reset) within the timeout, with no
  // bytes left unread in between.
  bool closed_by_peer(std::chrono::milliseconds timeout = 5s) {
    if (!buffer_.empty()) return false;
    char byte;
    asio::error_code ec;
    socket_.async_read_some(asio::buffer(&byte, 1), [&](const asio::error_code& e, std::size_t) { ec = e; });
    if (!run_for(timeout)) return false;
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  void shutdown_send() { socket_.shutdown(asio::socket_base::shutdown_send); }
  void close() {
    asio::error_code ignored;
    socket_.close(ignored);
  }
  // Small receive buffer: a client that "does not read" fills up sooner.
  void set_receive_buffer(int bytes) { socket_.set_option(asio::socket_base::receive_buffer_size(bytes)); }
  asio::ip::tcp::socket& socket() { return socket_; }

 private:
  // Runs until the operation completes or the timeout; false on timeout
  // (the operation is cancelled and its handler run before returning).
  bool run_for(std::chrono::milliseconds timeout) {
    io_.restart();
    io_.run_for(timeout);
    if (!io_.stopped()) {
      asio::error_code ignored;
      socket_.cancel(ignored);
      io_.run();
      return false;
    }
    return true;
  }

  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  std::string buffer_;
};

// Polls `condition` until it holds or the deadline passes (for facts that
// have no event to wait on, such as a count on the server).
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

}  // namespace test
