// switchboard/handler.hpp: what a Server asks of the program's handler.
//
// A handler is a class with
//
//   void on_line(Session&, std::string_view line);              // line mode, or
//   asio::awaitable<void> on_line(Session&, std::string_view);  // when it must wait, or
//   LineWork on_line(Session&, std::string_view);               // when some lines must
//
// and optionally
//
//   void on_bytes(Session&, std::span<const char> bytes);  // raw mode (Framing::raw)
//   void on_connect(Session&);                              // greeting, bookkeeping
//   void on_disconnect(Session&);                           // after the socket closed
//   std::string farewell(errc reason);                      // default: farewell_line()
//
// All of them run on the connection's strand: calls for one connection never
// overlap, calls for different connections do, on different threads. So a
// handler's own shared state needs its own synchronisation.
#pragma once

#include <concepts>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "switchboard/detail/asio_compat.hpp"
#include "switchboard/error.hpp"
#include "switchboard/session.hpp"

namespace switchboard {

// What on_line returns when only some lines must wait (a login that hashes,
// say): the work to await, or std::nullopt when the line was handled at
// once. The common line then costs no coroutine at all.
using LineWork = std::optional<asio::awaitable<void>>;

template <class R>
concept HandlerResult = std::same_as<R, void> || std::same_as<R, asio::awaitable<void>> || std::same_as<R, LineWork>;

template <class H>
concept LineHandler = requires(H& handler, Session& session, std::string_view line) {
  { handler.on_line(session, line) } -> HandlerResult;
};

template <class H>
concept ByteHandler = requires(H& handler, Session& session, std::span<const char> bytes) {
  { handler.on_bytes(session, bytes) } -> std::same_as<void>;
};

template <class H>
concept Handler = LineHandler<H> || ByteHandler<H>;

namespace detail {

template <class H>
void call_on_connect(H& handler, Session& session) {
  if constexpr (requires { handler.on_connect(session); }) handler.on_connect(session);
}

template <class H>
void call_on_disconnect(H& handler, Session& session) {
  if constexpr (requires { handler.on_disconnect(session); }) handler.on_disconnect(session);
}

template <class H>
std::string call_farewell(H& handler, errc reason) {
  if constexpr (requires { { handler.farewell(reason) } -> std::convertible_to<std::string>; }) {
    return handler.farewell(reason);
  } else {
    return farewell_line(reason);
  }
}

}  // namespace detail
}  // namespace switchboard
