// Baseline: the classic single-threaded Asio echo (async_read_some, then
// async_write of what was read, on a 1 KiB buffer; one io_context, one
// thread), the pattern of Asio's own async_tcp_echo_server example.
// Byte echo: compare with `echo_server --raw`.
// Usage: asio_echo PORT   (0 picks a free port; 127.0.0.1 only)
#include <asio.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

namespace {

using asio::ip::tcp;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(tcp::socket socket) : socket_(std::move(socket)) {}
  void read() {
    socket_.async_read_some(asio::buffer(data_), [self = shared_from_this()](std::error_code ec, std::size_t n) {
      if (!ec) self->write(n);
    });
  }

 private:
  void write(std::size_t n) {
    asio::async_write(socket_, asio::buffer(data_, n), [self = shared_from_this()](std::error_code ec, std::size_t) {
      if (!ec) self->read();
    });
  }
  tcp::socket socket_;
  std::array<char, 1024> data_{};
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](std::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Connection>(std::move(socket))->read();
    }
    accept(acceptor);
  });
}

}  // namespace

int main(int argc, char** argv) {
  asio::io_context io(1);
  const auto port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 5000);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  std::printf("[LISTENING] 127.0.0.1:%d\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  accept(acceptor);
  io.run();
}
