// docs/api.md walks through this file; a test keeps the two the same.
#include <switchboard/auth_store.hpp>
#include <switchboard/hash_pool.hpp>
#include <switchboard/switchboard.hpp>

#include <chrono>
#include <string>

// A notice board. "LOGIN <name> <password>" logs in (an unknown name is
// registered first); then each line is posted to everyone else as
// "<name>: <line>", and the poster is told to how many.
class NoticeBoard {
 public:
  NoticeBoard(switchboard::AuthStore& accounts, switchboard::HashPool& pool) : accounts_(&accounts), pool_(&pool) {}

  void on_connect(switchboard::Session& session) { session.send_line("WELCOME ", std::to_string(session.id())); }

  switchboard::LineWork on_line(switchboard::Session& session, std::string_view line) {
    if (line.starts_with("LOGIN ")) return login(session, std::string(line.substr(6)));
    const std::string name = session.registry().user(session.id());
    if (name.empty()) {
      session.send_line("ERR log in first: LOGIN <name> <password>");
      return {};
    }
    // One shared payload for every receiver; the registry skips the poster.
    const auto post = switchboard::make_line_payload(name + ": " + std::string(line));
    const std::size_t sent = session.registry().broadcast(post, session.id());
    session.send_line("OK posted to ", std::to_string(sent));
    return {};  // answered at once: no coroutine for this line
  }

 private:
  // Argon2id is slow on purpose: it runs on the pool, and only this
  // connection waits (its I/O thread serves the others meanwhile). A job
  // whose session began to close before its turn (the server stopping, a
  // kick) skips the hash: nobody would read the answer.
  asio::awaitable<void> login(switchboard::Session& session, std::string args) {
    const std::string name = args.substr(0, args.find(' '));
    const std::string password = args.substr(std::min(args.size(), name.size() + 1));
    const std::error_code ec = co_await pool_->run([&] {
      if (session.closing()) return std::make_error_code(std::errc::operation_canceled);
      const auto registered = accounts_->register_user(name, password);
      if (registered != switchboard::auth_errc::user_exists) return registered;
      return accounts_->verify(name, password);
    });
    if (ec) {
      session.send_line("ERR ", ec.message());
      co_return;
    }
    session.registry().set_user(session.id(), name);  // shown by the console's list
    session.send_line("OK hello ", name);
  }

  switchboard::AuthStore* accounts_;
  switchboard::HashPool* pool_;
};

int main() {
  switchboard::AuthStore accounts(":memory:");  // or a file name: SQLite
  switchboard::HashPool pool(2);                // both outlive the server: declared before it
  switchboard::ServerOptions options{.port = 5002, .idle_timeout = std::chrono::minutes(10)};
  switchboard::Server<NoticeBoard> server(options, NoticeBoard(accounts, pool));

  switchboard::Console console(server.context().get_executor());
  switchboard::add_server_commands(console, server);  // exit, quit, list, count, kick, help
  console.add("announce", "announce <text>  post to everyone", [&server](std::string_view text) {
    const auto post = switchboard::make_line_payload("console: " + std::string(text));
    return "posted to " + std::to_string(server.registry().broadcast(post)) + " client(s)";
  });
  console.start();
  server.stop_on_signals();  // SIGINT, SIGTERM: the same graceful stop as exit
  server.start();            // [LISTENING] 127.0.0.1:5002
  server.wait();             // until exit or a signal; every I/O thread joined
}
