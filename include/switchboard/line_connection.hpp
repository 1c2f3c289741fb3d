// switchboard/line_connection.hpp: the client side of a line protocol.
//
// A TCP socket with PROTOCOL.md's framing for what it reads, for programs
// that talk to a Switchboard server: the stress client keeps thousands of
// them on a few threads, the chat client one. Coroutine-friendly and free of
// exceptions on the I/O path: a failed read or write is an error_code.
//
//   LineConnection connection(io);
//   auto [ec] = co_await connection.socket().async_connect(endpoint, use_nothrow);
//   co_await connection.write("PING\n", ec);
//   auto line = co_await connection.read_line(ec);   // "OK PONG"
//
// A line is a view into the connection's read buffer, valid until the next
// read_line() or next_buffered(). Reads take whatever the kernel has (one
// chunk, many lines): next_buffered() hands out the lines already read
// without a system call, so a reader can answer a whole chunk with one
// write. Not thread-safe: one connection is used from one thread (or strand).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "switchboard/detail/asio_compat.hpp"
#include "switchboard/error.hpp"
#include "switchboard/line_reader.hpp"

namespace switchboard {

class LineConnection {
 public:
  // `chunk` bytes are read at a time (allocated at the first read, so a
  // connection that never reads costs no buffer); a line longer than
  // `max_line` is an error (errc::line_too_long).
  explicit LineConnection(const asio::any_io_executor& executor, std::size_t max_line = 64 * 1024,
                          std::size_t chunk = 8 * 1024)
      : socket_(executor), reader_(max_line), chunk_size_(chunk) {}
  template <class ExecutionContext>
  explicit LineConnection(ExecutionContext& context, std::size_t max_line = 64 * 1024,
                          std::size_t chunk = 8 * 1024)
      : LineConnection(context.get_executor(), max_line, chunk) {}

  asio::ip::tcp::socket& socket() noexcept { return socket_; }

  // The next line, reading as needed. Nothing with `ec` clear means the
  // peer closed (a partial last line is dropped, as PROTOCOL.md says);
  // nothing with `ec` set is a failed read or a line over the limit.
  asio::awaitable<std::optional<std::string_view>> read_line(std::error_code& ec) {
    for (;;) {
      if (auto line = next_buffered(ec); line || ec) co_return line;
      if (!co_await fill(ec)) co_return std::nullopt;
    }
  }

  // Reads one chunk, once every byte read before has been framed: false at
  // the end (`ec` clear) or on an error. For readers that take many lines
  // per read: fill(), then next_buffered() until it gives nothing, in plain
  // code, with no coroutine per line.
  //
  // (Measured: asio's async_read_some first tries to read at once, which
  // for a client that has just sent a request mostly finds nothing, so a
  // reply costs two recv() calls. Waiting for readability first instead,
  // with async_wait, costs an epoll_ctl() per wait in asio 1.22's reactor,
  // and was slower still.)
  asio::awaitable<bool> fill(std::error_code& ec) {
    ec = {};
    if (!unread_.empty()) co_return true;
    if (!buffer_) buffer_ = std::make_unique<char[]>(chunk_size_);
    auto [read_ec, n] = co_await socket_.async_read_some(asio::buffer(buffer_.get(), chunk_size_), detail::use_nothrow);
    if (read_ec) {
      if (read_ec != asio::error::eof) ec = read_ec;
      co_return false;
    }
    unread_ = std::string_view(buffer_.get(), n);
    co_return true;
  }

  // The next line among the bytes already read, without reading.
  std::optional<std::string_view> next_buffered(std::error_code& ec) {
    ec = {};
    if (unread_.empty()) return std::nullopt;
    return reader_.next(unread_, ec);
  }

  // Every byte read and not yet framed, for byte protocols that bypass the
  // framing (a raw echo); valid until the next fill().
  std::string_view take_unread() noexcept { return std::exchange(unread_, {}); }

  // Writes all of `bytes` (they must stay valid until it completes). A
  // request nearly always fits the kernel's send buffer, so it is first
  // written at once, without a trip through the event loop; only what does
  // not fit waits for the socket.
  asio::awaitable<void> write(std::string_view bytes, std::error_code& ec) {
    ec = {};
    if (!socket_.non_blocking()) socket_.non_blocking(true, ec);
    const std::size_t written = ec ? 0 : socket_.write_some(asio::buffer(bytes), ec);
    if (!ec && written == bytes.size()) co_return;
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) co_return;
    bytes.remove_prefix(written);
    auto [write_ec, n] = co_await asio::async_write(socket_, asio::buffer(bytes), detail::use_nothrow);
    ec = write_ec;
  }

  void close() noexcept {
    asio::error_code ignored;
    socket_.close(ignored);
  }

 private:
  asio::ip::tcp::socket socket_;
  LineReader reader_;
  std::size_t chunk_size_;
  std::unique_ptr<char[]> buffer_;
  std::string_view unread_;  // read but not yet framed
};

}  // namespace switchboard
