// The README's example is the compiled examples/shout_server/main.cpp, and
// docs/api.md's is examples/notice_board/main.cpp, each less its first
// comment line: a change to one without the other fails here.
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#ifndef SOURCE_DIR
#error "SOURCE_DIR must name the project's source directory"
#endif

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The source file `example` as a page shows it: less its first line (a
// comment naming the page), in a ```cpp block.
std::string shown_in_page(const std::string& example) {
  std::string code = slurp(example);
  REQUIRE(!code.empty());
  code.erase(0, code.find('\n') + 1);
  return "```cpp\n" + code + "```";
}
}  // namespace

TEST_SUITE("unit") {
TEST_CASE("the README's server example is the one that is built") {
  CHECK(slurp(SOURCE_DIR "/README.md").find(shown_in_page(SOURCE_DIR "/examples/shout_server/main.cpp")) !=
        std::string::npos);
}

TEST_CASE("docs/api.md's complete server is the one that is built") {
  CHECK(slurp(SOURCE_DIR "/docs/api.md").find(shown_in_page(SOURCE_DIR "/examples/notice_board/main.cpp")) !=
        std::string::npos);
}
}
