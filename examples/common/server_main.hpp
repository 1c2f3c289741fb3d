// examples/common/server_main.hpp: what every example server's main() shares.
//
// The flags of PROTOCOL.md's "Server process" section, and the run sequence:
// console on stdin, SIGINT/SIGTERM, start, wait for a stop, join. Each
// server adds its own flags and console commands around these.
#pragma once

#include <cstdio>
#include <exception>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <switchboard/console.hpp>
#include <switchboard/options.hpp>
#include <switchboard/process.hpp>
#include <switchboard/server.hpp>
#include <switchboard/version.hpp>

namespace examples {

// Flags that set `options`; idle timeout's default comes from the caller
// (off for the echo server, 300 s for chat).
inline void add_server_flags(CLI::App& app, switchboard::ServerOptions& options,
                             long& idle_timeout_seconds) {
  app.set_version_flag("--version", std::string("switchboard ") + switchboard::version_string);
  app.add_option("--host", options.host, "Address to listen on (IPv4 or IPv6)")->capture_default_str();
  app.add_option("--port", options.port, "TCP port; 0 picks a free one")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--threads", options.threads, "I/O threads (default: one per core)")
      ->check(CLI::Range(1, 1024));
  app.add_flag("--quiet", options.quiet, "Leave out connection events");
  app.add_option("--max-line", options.max_line, "Longest line in bytes (CR LF not counted)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
  app.add_option("--max-clients", options.max_clients, "Connections served at once; more get ERR server-full")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
  app.add_option("--idle-timeout", idle_timeout_seconds, "Seconds without input before BYE idle-timeout; 0: off")
      ->capture_default_str()
      ->check(CLI::Range(0L, 365L * 24 * 3600));
  app.add_option("--max-queue", options.max_queue, "Bytes queued for a client that does not read before BYE slow-consumer")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
}

// Builds the server, runs it until exit/quit or a signal, and returns the
// process status: 0 after a clean stop, 1 when the server could not start.
// add_commands(console, server) adds the example's own console commands.
template <class Handler, class AddCommands>
int run_server(const char* program, switchboard::ServerOptions options, Handler handler,
               AddCommands add_commands) {
  try {
    switchboard::raise_descriptor_limit();
    switchboard::Server<Handler> server(std::move(options), std::move(handler));
    switchboard::Console console(server.context().get_executor());
    switchboard::add_server_commands(console, server);
    add_commands(console, server);
    console.start();  // first: it ignores SIGPIPE before anything is printed
    server.stop_on_signals();
    server.start();
    server.wait();
    console.stop();
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: {}\n", program, e.what());
    return 1;
  }
}

template <class Handler>
int run_server(const char* program, switchboard::ServerOptions options, Handler handler) {
  return run_server(program, std::move(options), std::move(handler), [](auto&, auto&) {});
}

}  // namespace examples
