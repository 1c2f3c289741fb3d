// chat_client: talk to the chat server from a terminal, or from a script.
//
//   chat_client --port 5000 --user alice --password-file ~/.alice
//
// Connects, shows the greeting, logs in (or registers first, --register),
// then sends what is typed (see typed_line.hpp) and prints every line the
// server sends as it arrives. On a terminal the prompt stays intact below
// incoming lines (terminal.hpp); through a pipe, input is read line by line
// and output is the server's lines as they are, so scripts can drive it.
// End of input sends QUIT. Exit status: 0 when the session ended with QUIT;
// 1 when the server said BYE, the connection was lost, or login failed.
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <deque>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <switchboard/account_rules.hpp>
#include <switchboard/detail/asio_compat.hpp>
#include <switchboard/input_thread.hpp>
#include <switchboard/line_connection.hpp>
#include <switchboard/line_reader.hpp>
#include <switchboard/version.hpp>

#include "terminal.hpp"
#include "typed_line.hpp"

namespace {

using switchboard::detail::use_nothrow;

struct Settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5000;
  std::string user;
  std::string password_file;
  bool register_first = false;
};

// The password: the first line of the file, or typed at a prompt without
// echo. Never from argv, where every user of the machine can read it.
std::string read_password(const Settings& settings) {
  if (!settings.password_file.empty()) {
    std::ifstream file(settings.password_file);
    if (!file) throw std::runtime_error(fmt::format("cannot read the password file {}", settings.password_file));
    std::string password;
    std::getline(file, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty()) throw std::runtime_error(fmt::format("the password file {} is empty", settings.password_file));
    return password;
  }
  if (!::isatty(STDIN_FILENO))
    throw std::runtime_error("--user needs --password-file when the input is not a terminal");
  fmt::print(stderr, "password for {}: ", settings.user);
  std::fflush(stderr);
  termios saved{};
  ::tcgetattr(STDIN_FILENO, &saved);
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string password;
  char c = 0;
  while (::read(STDIN_FILENO, &c, 1) == 1 && c != '\n') password.push_back(c);  // unbuffered: the rest is the chat's
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  fmt::print(stderr, "\n");
  return password;
}

class ChatClient {
 public:
  ChatClient(asio::io_context& io, Settings settings, std::string password)
      : io_(io), settings_(std::move(settings)), password_(std::move(password)), connection_(io), signals_(io) {}

  // The whole session; the exit status.
  asio::awaitable<int> run() {
    if (!co_await connect()) co_return 1;
    auto greeting = co_await next_line();
    if (!greeting) co_return lost("before the greeting");
    show(*greeting);
    if (settings_.register_first) {
      if (!co_await ask("REGISTER", "OK registered ")) co_return 1;
    }
    if (!settings_.user.empty()) {
      if (!co_await ask("LOGIN", "OK logged-in ")) co_return 1;
    }
    password_.assign(password_.size(), '\0');
    start_input();
    const int status = co_await print_until_closed();
    stop_input();
    co_return status;
  }

 private:
  asio::awaitable<bool> connect() {
    asio::ip::tcp::resolver resolver(io_);
    auto [resolve_ec, endpoints] =
        co_await resolver.async_resolve(settings_.host, std::to_string(settings_.port), use_nothrow);
    asio::error_code ec = resolve_ec;
    if (!ec) std::tie(ec, std::ignore) = co_await asio::async_connect(connection_.socket(), endpoints, use_nothrow);
    if (ec) {
      fmt::print(stderr, "chat_client: cannot connect to {}:{}: {}\n", settings_.host, settings_.port, ec.message());
      co_return false;
    }
    co_return true;
  }

  asio::awaitable<std::optional<std::string>> next_line() {
    std::error_code ec;
    auto line = co_await connection_.read_line(ec);
    if (!line) co_return std::nullopt;
    co_return std::string(*line);
  }

  // Sends REGISTER or LOGIN with the user and password; true if the reply
  // is `success` and the name (shown either way; the request is not: it
  // holds the password). The server names the account as registered
  // ("OK logged-in Alice" for --user alice), so names compare folded.
  asio::awaitable<bool> ask(std::string_view command, std::string_view success) {
    const auto request = fmt::format("{} {} {}\n", command, settings_.user, password_);
    std::error_code ec;
    co_await connection_.write(request, ec);
    std::optional<std::string> reply;
    if (!ec) reply = co_await next_line();
    if (!reply) {
      lost("while logging in");
      co_return false;
    }
    show(*reply);
    const std::string_view answer(*reply);
    if (!answer.starts_with(success) ||
        switchboard::fold_username(answer.substr(success.size())) != switchboard::fold_username(settings_.user)) {
      fmt::print(stderr, "chat_client: {} failed: {}\n", command, *reply);
      co_return false;
    }
    co_return true;
  }

  asio::awaitable<int> print_until_closed() {
    std::optional<std::string> bye;
    for (;;) {
      std::error_code ec;
      auto line = co_await connection_.read_line(ec);
      if (!line) break;
      show(*line);
      if (line->substr(0, 4) == "BYE ") bye = std::string(line->substr(4));
    }
    closed_ = true;
    terminal_.reset();
    if (bye) {
      fmt::print(stderr, "chat_client: the server closed the connection: {}\n", *bye);
      co_return 1;
    }
    if (quit_sent_) co_return 0;
    co_return lost("");
  }

  int lost(std::string_view when) {
    terminal_.reset();
    fmt::print(stderr, "chat_client: the connection was lost{}{}\n", when.empty() ? "" : " ", when);
    return 1;
  }

  void show(std::string_view line) {
    if (terminal_) {
      terminal_->print_above(line);
    } else {
      std::string out(line);
      out += '\n';
      std::fwrite(out.data(), 1, out.size(), stdout);
      std::fflush(stdout);
    }
  }

  // Input: keys on a terminal, lines from a pipe or file; both end in QUIT.
  void start_input() {
    if (::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO)) terminal_.emplace("> ");
    signals_.add(SIGTERM);
    signals_.add(SIGHUP);
    signals_.add(SIGINT);
    signals_.async_wait([this](const asio::error_code& ec, int) {
      if (!ec) end_of_input();
    });
    input_.start(
        STDIN_FILENO,
        [this](std::string_view chunk) { asio::post(io_, [this, bytes = std::string(chunk)] { typed(bytes); }); },
        [this] { asio::post(io_, [this] { end_of_input(); }); });
  }

  void stop_input() {
    input_.stop();
    asio::error_code ignored;
    signals_.cancel(ignored);
    quit_timer_.reset();
  }

  void typed(std::string_view bytes) {
    if (closed_) return;
    if (terminal_) {
      terminal_->feed(bytes, [this](const std::string& line) { act(line); }, [this] { end_of_input(); });
      return;
    }
    std::error_code ec;
    while (auto line = pipe_lines_.next(bytes, ec)) act(*line);
    if (ec) show("chat_client: input line too long, ignored");
  }

  void act(std::string_view typed_line) {
    const auto meaning = chat_client::interpret(typed_line);
    if (meaning.kind == chat_client::TypedLine::Kind::show) show(meaning.text);
    if (meaning.kind != chat_client::TypedLine::Kind::send) return;
    if (meaning.text == "QUIT") quit_sent_ = true;
    send(meaning.text);
  }

  // No more input: leave politely, and close if the server does not.
  void end_of_input() {
    if (closed_ || ending_) return;
    ending_ = true;
    if (!quit_sent_) {
      quit_sent_ = true;
      send("QUIT");
    }
    quit_timer_.emplace(io_, std::chrono::seconds(10));
    quit_timer_->async_wait([this](const asio::error_code& ec) {
      if (!ec) connection_.close();
    });
  }

  void send(std::string line) {
    line += '\n';
    outgoing_.push_back(std::move(line));
    if (outgoing_.size() == 1) asio::co_spawn(io_, write_all(), asio::detached);
  }

  asio::awaitable<void> write_all() {
    while (!outgoing_.empty()) {
      std::error_code ec;
      co_await connection_.write(outgoing_.front(), ec);
      if (ec) co_return;  // the reader sees the connection end and says so
      outgoing_.pop_front();
    }
  }

  asio::io_context& io_;
  Settings settings_;
  std::string password_;
  switchboard::LineConnection connection_;
  asio::signal_set signals_;
  switchboard::InputThread input_;
  switchboard::LineReader pipe_lines_{64 * 1024};
  std::optional<chat_client::Terminal> terminal_;
  std::optional<asio::steady_timer> quit_timer_;
  std::deque<std::string> outgoing_;
  bool quit_sent_ = false;
  bool ending_ = false;
  bool closed_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  CLI::App app{"Chat with a Switchboard chat server. Type text to send it to everyone; /help lists the commands."};
  app.set_version_flag("--version", std::string("switchboard ") + switchboard::version_string);
  app.add_option("--host", settings.host, "Server address or name")->capture_default_str();
  app.add_option("--port", settings.port, "Server port")->capture_default_str();
  auto* user = app.add_option("--user", settings.user, "Log in as this user first");
  app.add_option("--password-file", settings.password_file,
                 "The password: the first line of this file (default: asked without echo)")
      ->needs(user);
  app.add_flag("--register", settings.register_first, "REGISTER the user before logging in")->needs(user);
  CLI11_PARSE(app, argc, argv);

  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout must not kill us mid-sentence
  try {
    const std::string password = settings.user.empty() ? std::string() : read_password(settings);
    asio::io_context io;
    ChatClient client(io, settings, password);
    int status = 1;
    asio::co_spawn(io, client.run(), [&status](std::exception_ptr error, int result) {
      if (error) std::rethrow_exception(error);
      status = result;
    });
    io.run();
    return status;
  } catch (const std::exception& e) {
    fmt::print(stderr, "chat_client: {}\n", e.what());
    return 1;
  }
}
