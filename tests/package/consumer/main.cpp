// A program outside the project, built against the installed package: it
// serves one echo connection on port 0 and checks the reply.
#include <switchboard/switchboard.hpp>

#include <cstdio>
#include <string>
#include <string_view>

struct Shout {
  void on_line(switchboard::Session& session, std::string_view line) { session.send_line("heard: ", line); }
};

int main() {
  switchboard::Server<Shout> server(switchboard::ServerOptions{.port = 0, .threads = 1, .quiet = true});
  server.start();
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  asio::write(socket, asio::buffer(std::string_view("hi\n")));
  std::string reply;
  asio::read_until(socket, asio::dynamic_buffer(reply), '\n');
  server.stop();
  if (reply != "heard: hi\n") {
    std::fprintf(stderr, "consumer: unexpected reply '%s'\n", reply.c_str());
    return 1;
  }
  return 0;
}
