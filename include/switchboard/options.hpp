// switchboard/options.hpp: what a Server is configured with.
//
// An aggregate with documented defaults, so a program writes only what it
// changes: ServerOptions{.port = 0, .max_line = 1024}. Each field names its
// unit and the flag the example servers map onto it. validate() runs once,
// when the server is constructed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

namespace switchboard {

enum class Framing {
  lines,  // LF-terminated lines, CR before LF dropped, bounded by max_line
  raw,    // bytes as they arrive; the server adds no bytes of its own
};

struct ServerOptions {
  std::string host = "127.0.0.1";  // --host: an IPv4 or IPv6 address or a name
  std::uint16_t port = 5000;       // --port: 0 picks a free port; see Server::port()
  unsigned threads = 0;            // --threads: I/O threads; 0 means one per core
  Framing framing = Framing::lines;  // --raw selects Framing::raw

  std::size_t max_line = 4096;       // --max-line: bytes before LF, less a CR before it
  std::size_t max_clients = 20'000;  // --max-clients: more get "ERR server-full"
  std::chrono::seconds idle_timeout{0};  // --idle-timeout: 0 turns it off
  std::size_t max_queue = 1 << 20;   // --max-queue: bytes queued for a client that does not read

  // How long stop() lets clients read their goodbye before closing them.
  std::chrono::milliseconds shutdown_grace{2000};
  // How long a closing connection may take to read its last line
  // (PROTOCOL.md: a slow consumer that does not read even BYE is cut after 2 s).
  std::chrono::milliseconds close_grace{2000};

  bool quiet = false;  // --quiet: no connection events on stdout (errors still go to stderr)

  unsigned effective_threads() const {
    if (threads != 0) return threads;
    const unsigned cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : cores;
  }

  // Throws std::invalid_argument naming the flag and the value when a field is unusable.
  void validate() const {
    if (max_line == 0) throw std::invalid_argument("--max-line must be at least 1");
    if (max_line > (std::size_t{1} << 30))
      throw std::invalid_argument("--max-line must be at most 1 GiB");
    if (max_clients == 0) throw std::invalid_argument("--max-clients must be at least 1");
    if (max_queue == 0) throw std::invalid_argument("--max-queue must be at least 1 byte");
    if (threads > 1024) throw std::invalid_argument("--threads must be at most 1024");
    if (idle_timeout.count() < 0) throw std::invalid_argument("--idle-timeout cannot be negative");
  }
};

}  // namespace switchboard
