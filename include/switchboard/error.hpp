// switchboard/error.hpp: the library's error codes and their protocol words.
//
// Expected failures are reported as std::error_code in switchboard's own
// category; each code maps one to one onto a word of PROTOCOL.md (the text
// after "ERR " or "BYE "), so a handler never spells those words itself.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace switchboard {

enum class errc {
  // 0 is success, as for every std::error_code.
  line_too_long = 1,  // a line exceeded ServerOptions::max_line
  server_full,        // ServerOptions::max_clients were already connected
  kicked,             // the console (or the program) closed the connection
  server_shutdown,    // the server is stopping
  idle_timeout,       // nothing received for ServerOptions::idle_timeout
  slow_consumer,      // the client did not read and its queue passed max_queue
};

// The word PROTOCOL.md uses for `e` ("line-too-long", "slow-consumer", ...).
inline std::string_view protocol_word(errc e) noexcept {
  switch (e) {
    case errc::line_too_long: return "line-too-long";
    case errc::server_full: return "server-full";
    case errc::kicked: return "kicked";
    case errc::server_shutdown: return "server-shutdown";
    case errc::idle_timeout: return "idle-timeout";
    case errc::slow_consumer: return "slow-consumer";
  }
  return "unknown";
}

// The line a Switchboard server sends before it closes a connection for `e`:
// "ERR <word>" for a refusal of the client's own doing (a line too long, a
// full server), "BYE <word>" for an event. No trailing newline.
inline std::string farewell_line(errc e) {
  const bool refusal = e == errc::line_too_long || e == errc::server_full;
  return std::string(refusal ? "ERR " : "BYE ") + std::string(protocol_word(e));
}

namespace detail {

class error_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "switchboard"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::line_too_long:
        return "The client sent a line longer than the server's --max-line limit";
      case errc::server_full:
        return "The server already has --max-clients connections";
      case errc::kicked: return "The connection was closed by the server's operator";
      case errc::server_shutdown: return "The server is shutting down";
      case errc::idle_timeout:
        return "The client sent nothing for longer than --idle-timeout";
      case errc::slow_consumer:
        return "The client did not read and its queued output passed --max-queue";
    }
    return "Unknown switchboard error";
  }
};

}  // namespace detail

inline const std::error_category& error_category() noexcept {
  static const detail::error_category_impl category;
  return category;
}

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace switchboard

template <>
struct std::is_error_code_enum<switchboard::errc> : std::true_type {};
