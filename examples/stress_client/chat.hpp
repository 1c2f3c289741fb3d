// examples/stress_client/chat.hpp: PROTOCOL.md's chat server, from a client.
//
// What every scenario that speaks to the chat server checks: the greeting,
// one reply per command (events such as MSG may come between), the exact
// reply each command must get. A wrong or missing reply is a protocol error
// naming the connection, the request and the line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "load.hpp"

namespace stress::chat {

inline bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// A whole decimal number (at most 19 digits, so it cannot overflow), or
// nothing. By hand: a fan-out receiver parses two per delivery, millions
// a second, and this loop is several times cheaper than std::from_chars.
inline std::optional<std::uint64_t> number(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

// "HELLO switchboard 1 <id>" with a positive id.
inline asio::awaitable<bool> greeting(Client& client, std::size_t operation) {
  client.set_operation(operation);
  auto line = co_await client.read_line(operation, "the HELLO greeting");
  if (!line) co_return false;
  constexpr std::string_view hello = "HELLO switchboard 1 ";
  const auto id = starts_with(*line, hello) ? number(line->substr(hello.size())) : std::nullopt;
  if (!id || *id == 0) {
    client.fail(starts_with(*line, "ERR server-full") ? ErrorKind::connection : ErrorKind::protocol, operation,
                fmt::format("expected \"HELLO switchboard 1 <id>\", got \"{}\"", *line));
    co_return false;
  }
  co_return true;
}

// Reads up to the reply to the command in flight; events before it go to
// on_event(line) (a MSG; BYE is an error: the server is closing us).
template <class OnEvent>
asio::awaitable<std::optional<std::string_view>> reply(Client& client, std::size_t operation, std::string_view what,
                                                       OnEvent& on_event) {
  for (;;) {
    auto line = co_await client.read_line(operation, what);
    if (!line) co_return std::nullopt;
    if (starts_with(*line, "OK") || starts_with(*line, "ERR")) co_return line;
    if (starts_with(*line, "BYE")) {
      client.fail(ErrorKind::protocol, operation, fmt::format("the server said \"{}\" while waiting for {}", *line, what));
      co_return std::nullopt;
    }
    if (!on_event(*line)) co_return std::nullopt;
  }
}

// Sends `request` (one line) and checks its reply is `expected`, or starts
// with it when `prefix_only`, or is `also_accepted` when that is given;
// records the round trip. Returns the reply.
template <class OnEvent>
asio::awaitable<std::optional<std::string_view>> call(Client& client, std::size_t operation, std::string_view request,
                                                      std::string_view expected, OnEvent& on_event,
                                                      bool prefix_only = false, std::string_view also_accepted = {}) {
  client.set_operation(operation);
  const auto start = Clock::now();
  std::string line(request);
  line += '\n';
  if (!co_await client.write(operation, line)) co_return std::nullopt;
  const auto word = request.substr(0, request.find(' '));  // never a password
  const auto awaited = fmt::format("the reply to {}", word);  // named: the wait keeps a view of it
  auto answer = co_await reply(client, operation, awaited, on_event);
  if (!answer) co_return std::nullopt;
  const bool as_expected = prefix_only ? starts_with(*answer, expected) : *answer == expected;
  if (!as_expected && (also_accepted.empty() || *answer != also_accepted)) {
    const auto alternative = also_accepted.empty() ? std::string() : fmt::format(" or \"{}\"", also_accepted);
    client.fail(ErrorKind::protocol, operation,
                fmt::format("{} expected \"{}{}\"{}, got \"{}\"", word, expected, prefix_only ? "..." : "",
                            alternative, *answer));
    co_return std::nullopt;
  }
  client.worker.stats.record(operation, nanoseconds_since(start));
  co_return answer;
}

// An event handler for connections that expect none: MSG lines from others
// are ignored, anything else is a protocol error.
struct IgnoreMessages {
  Client& client;
  std::size_t operation;
  bool operator()(std::string_view line) {
    if (starts_with(line, "MSG ")) return true;
    client.fail(ErrorKind::protocol, operation, fmt::format("unexpected line \"{}\"", line));
    return false;
  }
};

// REGISTER `user` (an existing account is fine when `existing_ok`).
template <class OnEvent>
asio::awaitable<bool> register_user(Client& client, std::size_t operation, std::string_view user,
                                    std::string_view password, bool existing_ok, OnEvent& on_event) {
  const auto request = fmt::format("REGISTER {} {}", user, password);
  const auto expected = fmt::format("OK registered {}", user);
  const auto answer = co_await call(client, operation, request, expected, on_event, false,
                                    existing_ok ? "ERR user-exists" : "");
  co_return answer.has_value();
}

template <class OnEvent>
asio::awaitable<bool> login(Client& client, std::size_t operation, std::string_view user, std::string_view password,
                            OnEvent& on_event) {
  const auto request = fmt::format("LOGIN {} {}", user, password);
  const auto expected = fmt::format("OK logged-in {}", user);
  const auto answer = co_await call(client, operation, request, expected, on_event);
  co_return answer.has_value();
}

}  // namespace stress::chat
