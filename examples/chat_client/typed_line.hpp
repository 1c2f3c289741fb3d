// examples/chat_client/typed_line.hpp: what a typed line means.
//
// People type text to talk, and a few friendly commands; protocol commands
// typed in capitals go to the server as they are, for those who know them:
//
//   hello everyone      BROADCAST hello everyone
//   /who                WHO            (also /ping, /logout, /help, /quit)
//   /echo some text     ECHO some text
//   //not a command     BROADCAST /not a command
//   WHO, PING x, ...    sent as typed: the first word is a command of
//                       PROTOCOL.md written in capitals
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace chat_client {

struct TypedLine {
  enum class Kind { nothing, send, show };
  Kind kind = Kind::nothing;
  std::string text;  // the line to send, or the text to show
};

inline constexpr std::string_view help_text =
    "type text to send it to everyone (BROADCAST); commands:\n"
    "  /who          who is logged in\n"
    "  /echo TEXT    the server echoes TEXT\n"
    "  /ping         is the server there?\n"
    "  /logout       log out (stay connected)\n"
    "  /quit         leave (also Ctrl-D, Ctrl-C)\n"
    "  //TEXT        send TEXT that starts with /\n"
    "protocol commands in capitals go as typed: REGISTER, LOGIN, ECHO, BROADCAST,\n"
    "WHO, LOGOUT, PING, HELP, QUIT";

inline TypedLine interpret(std::string_view typed) {
  const auto first = typed.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  const auto trimmed = typed.substr(first);
  const auto word = trimmed.substr(0, trimmed.find(' '));
  const auto rest = word.size() < trimmed.size() ? trimmed.substr(word.size() + 1) : std::string_view{};

  if (trimmed.substr(0, 2) == "//") return {TypedLine::Kind::send, "BROADCAST " + std::string(trimmed.substr(1))};
  if (word.front() == '/') {
    constexpr std::array<std::pair<std::string_view, std::string_view>, 4> plain{
        {{"/who", "WHO"}, {"/ping", "PING"}, {"/logout", "LOGOUT"}, {"/quit", "QUIT"}}};
    for (const auto& [friendly, command] : plain)
      if (word == friendly) return {TypedLine::Kind::send, std::string(command)};
    if (word == "/echo") return {TypedLine::Kind::send, "ECHO " + std::string(rest)};
    if (word == "/help") return {TypedLine::Kind::show, std::string(help_text)};
    return {TypedLine::Kind::show, "unknown command " + std::string(word) + " (try /help)"};
  }
  constexpr std::array<std::string_view, 9> protocol{"REGISTER", "LOGIN", "ECHO", "BROADCAST", "WHO",
                                                     "LOGOUT",   "PING",  "HELP", "QUIT"};
  for (const auto command : protocol)
    if (word == command) return {TypedLine::Kind::send, std::string(trimmed)};
  return {TypedLine::Kind::send, "BROADCAST " + std::string(trimmed)};
}

}  // namespace chat_client
