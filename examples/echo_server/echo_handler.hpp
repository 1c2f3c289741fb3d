// examples/echo_server/echo_handler.hpp: PROTOCOL.md's echo server.
//
// Line mode: each line L gets "Echo: L". Raw mode: every byte comes back
// unchanged. Goodbyes (BYE kicked, BYE server-shutdown, ...) are the
// library's defaults. A header of its own so tests run this very handler
// in-process.
#pragma once

#include <span>
#include <string_view>

#include <switchboard/session.hpp>

namespace echo {

struct EchoHandler {
  void on_line(switchboard::Session& session, std::string_view line) {
    session.send_line("Echo: ", line);
  }

  void on_bytes(switchboard::Session& session, std::span<const char> bytes) {
    session.send({bytes.data(), bytes.size()});
  }
};

}  // namespace echo
