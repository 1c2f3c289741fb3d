// Fuzz target: user name and password rules (PROTOCOL.md): 1 to 32 of
// A-Z a-z 0-9 _ . -, never "server" in any case; passwords of 8 to 256
// bytes, any bytes; names fold to lower case, and only ASCII letters change.
#include <switchboard/account_rules.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {
void require(bool condition) {
  if (!condition) std::abort();
}
bool allowed(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(bytes), size);
  const std::string folded = switchboard::fold_username(text);
  require(folded.size() == text.size());
  require(switchboard::fold_username(folded) == folded);
  for (std::size_t i = 0; i < text.size(); ++i)
    require(folded[i] == text[i] || (text[i] >= 'A' && text[i] <= 'Z' && folded[i] == text[i] - 'A' + 'a'));

  bool valid_name = !text.empty() && text.size() <= 32 && folded != "server";
  for (char c : text) valid_name = valid_name && allowed(c);
  require(!switchboard::check_username(text) == valid_name);
  require(!switchboard::check_password(text) == (size >= 8 && size <= 256));
  return 0;
}
