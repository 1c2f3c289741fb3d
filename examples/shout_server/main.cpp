// The README's "your own server": every line comes back in capitals.
#include <switchboard/switchboard.hpp>

#include <cctype>
#include <string>

struct Shout {
  void on_line(switchboard::Session& session, std::string_view line) {
    std::string loud(line);
    for (char& c : loud) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    session.send_line(loud, "!");  // on this connection's strand: no locking needed
  }
};

int main() {
  switchboard::Server<Shout> server(switchboard::ServerOptions{.port = 5001});
  switchboard::Console console(server.context().get_executor());
  switchboard::add_server_commands(console, server);  // exit, list, count, kick, help
  console.start();
  server.stop_on_signals();  // Ctrl-C: BYE server-shutdown to everyone, then exit
  server.start();            // prints [LISTENING] 127.0.0.1:5001
  server.wait();
}
