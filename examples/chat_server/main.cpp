// chat_server: PROTOCOL.md's chat server. Accounts (Argon2id, SQLite),
// login, echo, group chat, WHO. Console on stdin: exit, list, count,
// kick <id>, say <text>, help.
#include <chrono>
#include <string>

#include <CLI/CLI.hpp>

#include <switchboard/auth_store.hpp>
#include <switchboard/hash_pool.hpp>

#include "../common/server_main.hpp"
#include "chat_handler.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Switchboard chat server: accounts, login, echo and group chat (PROTOCOL.md)"};
  switchboard::ServerOptions options;
  long idle_timeout_seconds = 300;
  examples::add_server_flags(app, options, idle_timeout_seconds);
  std::string database = "switchboard.db";
  app.add_option("--db", database, "SQLite database of accounts (:memory: keeps them in memory)")
      ->capture_default_str();
  switchboard::HashCost cost;
  app.add_option("--hash-memory", cost.memory, "Argon2id memory per hash, in bytes")->capture_default_str();
  app.add_option("--hash-ops", cost.passes, "Argon2id passes per hash")->capture_default_str();
  unsigned hash_threads = 0;
  app.add_option("--hash-threads", hash_threads, "Threads that hash passwords (default: one per core)")
      ->check(CLI::Range(1, 64));
  switchboard::ThrottleOptions throttle;
  long window_seconds = throttle.window.count(), lockout_seconds = throttle.lockout.count();
  app.add_option("--login-failures", throttle.max_failures, "Failed LOGINs (per name or connection) before a lockout")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--login-window", window_seconds, "Seconds within which those failures count")
      ->capture_default_str()
      ->check(CLI::Range(1L, 86'400L));
  app.add_option("--login-lockout", lockout_seconds, "Seconds of ERR too-many-attempts after them")
      ->capture_default_str()
      ->check(CLI::Range(0L, 86'400L));
  CLI11_PARSE(app, argc, argv);
  throttle.window = std::chrono::seconds(window_seconds);
  throttle.lockout = std::chrono::seconds(lockout_seconds);
  options.idle_timeout = std::chrono::seconds(idle_timeout_seconds);

  try {
    // Declared before the server (inside run_server), so they outlive it.
    switchboard::AuthStore store(database, cost);
    switchboard::HashPool pool(hash_threads);
    return examples::run_server("chat_server", options, chat::ChatHandler(store, pool, throttle),
                                [](switchboard::Console& console, auto& server) {
                                  console.add("say", "say <text>    MSG server <text> to every logged-in client",
                                              [&server](std::string_view text) {
                                                if (text.empty()) return std::string("usage: say <text>");
                                                const auto n = chat::ChatHandler::say(server.registry(), text);
                                                return "said to " + std::to_string(n) + " client(s)";
                                              });
                                });
  } catch (const std::exception& e) {
    fmt::print(stderr, "chat_server: {}\n", e.what());
    return 1;
  }
}
