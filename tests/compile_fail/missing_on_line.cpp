// Must not compile: the handler has no on_line (nor on_bytes). The test
// checks that the error says so in a sentence (Server's static_assert).
#include <switchboard/server.hpp>

struct NotAHandler {
  void on_message(switchboard::Session&, std::string_view) {}
};

int main() {
  switchboard::Server<NotAHandler> server(switchboard::ServerOptions{});
}
