// echo_server: PROTOCOL.md's echo server. Each line L gets "Echo: L";
// with --raw, every byte comes back unchanged. Console on stdin: exit,
// list, count, kick <id>, help.
#include <chrono>

#include <CLI/CLI.hpp>

#include "../common/server_main.hpp"
#include "echo_handler.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Switchboard echo server: each line L gets \"Echo: L\" (or, with --raw, bytes back)"};
  switchboard::ServerOptions options;
  long idle_timeout_seconds = 0;  // off by default for the echo server
  examples::add_server_flags(app, options, idle_timeout_seconds);
  bool raw = false;
  app.add_flag("--raw", raw, "Echo bytes unchanged instead of lines");
  CLI11_PARSE(app, argc, argv);

  options.idle_timeout = std::chrono::seconds(idle_timeout_seconds);
  if (raw) options.framing = switchboard::Framing::raw;
  return examples::run_server("echo_server", options, echo::EchoHandler{});
}
