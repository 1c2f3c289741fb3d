// switchboard/console.hpp: the operator's commands on stdin.
//
// A console reads stdin on its own thread (an InputThread) and hands each
// line to an executor (the server's io_context): commands never block an
// I/O thread, and an I/O thread never blocks on the terminal. End of input
// ends the console, not the server. Output is written a whole reply at a
// time, at once; a closed stdout is ignored (the console ignores SIGPIPE,
// see start()), and one nobody reads drops replies rather than stopping
// the server (detail/output.hpp).
//
// Commands are words mapped to functions; add_server_commands() installs
// PROTOCOL.md's exit/quit, list, count, kick and help, and an example adds
// its own (the chat server's `say`).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "switchboard/client_registry.hpp"
#include "switchboard/detail/asio_compat.hpp"
#include "switchboard/detail/output.hpp"
#include "switchboard/input_thread.hpp"

namespace switchboard {

class Console {
 public:
  // A command gets the text after its word (spaces trimmed) and returns
  // what to print ("" for nothing; lines separated by LF, no final LF).
  using Command = std::function<std::string(std::string_view args)>;

  // Commands run on `executor`, one at a time and in the order typed (a
  // strand of it); `input` is the descriptor to read (stdin).
  explicit Console(const asio::any_io_executor& executor, int input = STDIN_FILENO)
      : executor_(asio::make_strand(executor)), input_(input) {}

  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;
  ~Console() { stop(); }

  // `name` is matched without regard to case; `usage` is shown by help.
  // Add commands before start().
  void add(std::string name, std::string usage, Command command) {
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    commands_.insert_or_assign(std::move(name), Entry{std::move(usage), std::move(command)});
  }

  // Starts reading. Ignores SIGPIPE for the process: writing to a closed
  // stdout must not kill a server (sockets need no such thing, Asio sends
  // with MSG_NOSIGNAL).
  void start() {
    std::signal(SIGPIPE, SIG_IGN);
    // Lines run on the executor, perhaps after this console is gone: they
    // take their own reference to the commands.
    frozen_ = std::make_shared<const Commands>(commands_);
    input_thread_.start(input_, [this](std::string_view chunk) { take(chunk); });
  }

  // Stops reading (joins the reading thread). Idempotent; any thread but its own.
  void stop() { input_thread_.stop(); }

  // Runs one command line as if typed; returns what it printed. (Used by the
  // reading thread via the executor, and by tests directly.)
  std::string execute(std::string_view line) const { return execute(commands_, line); }

  std::string help() const { return help(commands_); }

  static std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
  }

  // Prints `text` and a LF at once, or drops it if nothing reads stdout
  // (the console runs on an I/O thread: see detail/output.hpp).
  static void print(std::string_view text) {
    if (text.empty()) return;
    std::string out(text);
    out.push_back('\n');
    detail::Output::write(stdout, out);
  }

 private:
  struct Entry {
    std::string usage;
    Command command;
  };
  using Commands = std::map<std::string, Entry>;

  static std::string execute(const Commands& commands, std::string_view line) {
    line = trim(line);
    if (line.empty()) return {};
    const auto space = line.find(' ');
    std::string word(line.substr(0, space));
    for (auto& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string_view args = space == std::string_view::npos ? std::string_view{} : trim(line.substr(space));
    if (word == "help") return help(commands);
    const auto it = commands.find(word);
    if (it == commands.end()) return fmt::format("unknown command '{}' (try help)", word);
    return it->second.command(args);
  }

  static std::string help(const Commands& commands) {
    std::string text = "commands:";
    for (const auto& [name, entry] : commands) text += "\n  " + entry.usage;
    text += "\n  help          this list";
    return text;
  }

  // A line longer than this is refused, never buffered without bound.
  static constexpr std::size_t max_line = 64 * 1024;

  // On the reading thread: splits chunks into lines, each posted to run.
  void take(std::string_view chunk) {
    for (char c : chunk) {
      if (c != '\n') {
        if (pending_.size() < max_line) pending_.push_back(c);
        else overlong_ = true;
        continue;
      }
      if (overlong_) {
        print("console: line too long, ignored");
      } else {
        asio::post(executor_, [commands = frozen_, line = std::move(pending_)] {
          print(execute(*commands, line));
        });
      }
      pending_.clear();
      overlong_ = false;
    }
  }

  asio::strand<asio::any_io_executor> executor_;
  int input_;
  Commands commands_;
  std::shared_ptr<const Commands> frozen_;
  std::string pending_;  // the reading thread's unfinished line
  bool overlong_ = false;
  InputThread input_thread_;
};

// Installs exit/quit, list, count and kick for `server` (a Server<H>, or
// anything with registry() and request_stop()).
template <class ServerLike>
void add_server_commands(Console& console, ServerLike& server) {
  auto stop = [&server](std::string_view) {
    server.request_stop();
    return std::string("shutting down");
  };
  console.add("exit", "exit          stop the server: BYE server-shutdown to every client", stop);
  console.add("quit", "quit          the same as exit", stop);
  console.add("count", "count         how many clients are connected", [&server](std::string_view) {
    return fmt::format("active clients: {}", server.registry().count());
  });
  console.add("list", "list          the connected clients: id address user seconds",
              [&server](std::string_view) {
                const auto rows = server.registry().snapshot();
                const auto now = std::chrono::steady_clock::now();
                std::string text = fmt::format("{} client(s) connected", rows.size());
                for (const auto& row : rows) {
                  const auto seconds =
                      std::chrono::duration_cast<std::chrono::seconds>(now - row.connected_at).count();
                  text += fmt::format("\n{} {} {} {}s", row.id, row.address,
                                      row.user.empty() ? "-" : row.user, seconds);
                }
                return text;
              });
  console.add("kick", "kick <id>     disconnect a client (it gets BYE kicked)",
              [&server](std::string_view args) {
                std::uint64_t id = 0;
                const auto [end, ec] = std::from_chars(args.data(), args.data() + args.size(), id);
                if (args.empty() || ec != std::errc{} || end != args.data() + args.size() || id == 0)
                  return std::string("usage: kick <id> (a client id from list)");
                if (!server.registry().kick(id)) return fmt::format("no client with id {}", id);
                return fmt::format("kicked {}", id);
              });
}

}  // namespace switchboard
