// Fuzz target: the chat server's command parser (examples/chat_server/
// chat_command.hpp), against PROTOCOL.md's rules for a command line.
#include "../../examples/chat_server/chat_command.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {
void require(bool condition) {
  if (!condition) std::abort();
}
bool is_suffix(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() == whole.data() + whole.size());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(bytes), size);
  const auto command = chat::parse_command(line);
  // Nothing exactly for a line of spaces only.
  require(command.has_value() == (line.find_first_not_of(' ') != std::string_view::npos));
  if (!command) return 0;
  const std::string_view word = command->word;
  require(!word.empty() && word.find(' ') == std::string_view::npos);
  for (char c : word) require(!(c >= 'a' && c <= 'z'));  // upper-cased
  // The word is the first word of the line, whatever its case.
  const std::string_view first = line.substr(line.find_first_not_of(' '), word.size());
  require(first.size() == word.size());
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char a = first[i], b = word[i];
    require(a == b || (a >= 'a' && a <= 'z' && a - 'a' + 'A' == b));
  }
  // The rest: what follows the spaces after the word, to the end of the line.
  require(command->rest.empty() || command->rest.front() != ' ');
  require(is_suffix(command->rest, line));
  if (!command->had_rest) require(command->rest.empty());

  if (const auto credentials = chat::split_credentials(command->rest)) {
    require(!credentials->user.empty() && credentials->user.find(' ') == std::string_view::npos);
    require(!credentials->password.empty());
    require(credentials->user.size() + 1 + credentials->password.size() == command->rest.size());
    require(is_suffix(credentials->password, command->rest));
  }
  return 0;
}
