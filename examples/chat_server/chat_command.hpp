// examples/chat_server/chat_command.hpp: splitting a chat line into its
// command word and arguments, as PROTOCOL.md says.
//
// "A command is its first word (case-insensitive) and its arguments,
// separated by one or more spaces; spaces before the command word are
// skipped." Pure functions, so the rules are tested (and fuzzed) alone.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chat {

struct Command {
  std::string word;       // upper case: "REGISTER"
  std::string_view rest;  // after the spaces that follow the word ("" if none)
  bool had_rest = false;  // anything at all after the word, spaces included
};

// Nothing for a line of spaces only (ignored like an empty line).
inline std::optional<Command> parse_command(std::string_view line) {
  const auto start = line.find_first_not_of(' ');
  if (start == std::string_view::npos) return std::nullopt;
  line.remove_prefix(start);
  const auto end = line.find(' ');
  Command command;
  command.word = std::string(line.substr(0, end));
  for (char& c : command.word)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (end != std::string_view::npos) {
    command.had_rest = true;
    std::string_view rest = line.substr(end);
    const auto first = rest.find_first_not_of(' ');
    command.rest = first == std::string_view::npos ? std::string_view{} : rest.substr(first);
  }
  return command;
}

// "<user> <password>": the user name, then everything after the single
// space that follows it (leading and trailing spaces are the password's).
struct Credentials {
  std::string_view user;
  std::string_view password;
};

inline std::optional<Credentials> split_credentials(std::string_view rest) {
  const auto space = rest.find(' ');
  if (space == 0 || space == std::string_view::npos) return std::nullopt;
  const std::string_view password = rest.substr(space + 1);
  if (password.empty()) return std::nullopt;
  return Credentials{rest.substr(0, space), password};
}

}  // namespace chat
