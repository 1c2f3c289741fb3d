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
}  // namespace

TEST_SUITE("unit") {
TEST_CASE("the README's server example is the one that is built") {
  std::string example = slurp(SOURCE_DIR "/examples/shout_server/main.cpp");
  REQUIRE(!example.empty());
  example.erase(0, example.find('\n') + 1);  // "// The README's ..." comment
  CHECK(slurp(SOURCE_DIR "/README.md").find("```cpp\n" + example + "```") != std::string::npos);
}

TEST_CASE("docs/api.md's complete server is the one that is built") {
  std::string example = slurp(SOURCE_DIR "/examples/notice_board/main.cpp");
  REQUIRE(!example.empty());
  example.erase(0, example.find('\n') + 1);  // "// docs/api.md walks ..." comment
  CHECK(slurp(SOURCE_DIR "/docs/api.md").find("```cpp\n" + example + "```") != std::string::npos);
}
}
