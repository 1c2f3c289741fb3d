// Framing: PROTOCOL.md's line rules, at every split of the input.
#include <switchboard/line_reader.hpp>

#include <algorithm>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace {

struct Framed {
  std::vector<std::string> lines;
  bool too_long = false;
  bool operator==(const Framed&) const = default;
};

// Feeds `input` to a reader in the given chunk sizes (cycled), as a socket
// would deliver it, and collects what comes out.
Framed frame(std::string_view input, std::size_t max_line, const std::vector<std::size_t>& chunks) {
  switchboard::LineReader reader(max_line);
  Framed out;
  std::size_t at = 0, turn = 0;
  while (at < input.size() && !out.too_long) {
    const std::size_t n = std::min(chunks[turn++ % chunks.size()], input.size() - at);
    const std::string copy(input.substr(at, n));  // the chunk's bytes live only this long
    std::string_view chunk = copy;
    at += n;
    std::error_code ec;
    while (auto line = reader.next(chunk, ec)) out.lines.emplace_back(*line);
    if (ec) out.too_long = true;
    CHECK(reader.buffered() <= max_line + 1);
  }
  return out;
}

Framed frame_at_once(std::string_view input, std::size_t max_line = 4096) {
  return frame(input, max_line, {input.size() == 0 ? 1 : input.size()});
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_SUITE("unit") {

TEST_CASE("lines end at LF - a CR before the LF is dropped - empty lines are ignored") {
  CHECK(frame_at_once("one\ntwo\r\n\n\r\nthree\n").lines == Lines{"one", "two", "three"});
  CHECK(frame_at_once("a\rb\n").lines == Lines{"a\rb"});        // CR not before LF stays
  CHECK(frame_at_once("x\r\r\n").lines == Lines{"x\r"});       // only one CR is dropped
  CHECK(frame_at_once(std::string("nul\0byte\n", 9)).lines == Lines{std::string("nul\0byte", 8)});
}

TEST_CASE("a trailing partial line is held back, never returned") {
  const auto out = frame_at_once("done\npartial");
  CHECK(out.lines == Lines{"done"});
  CHECK_FALSE(out.too_long);
}

TEST_CASE("every split at every byte boundary gives the same lines") {
  const std::string input = "alpha\r\nbeta\n\n\r\ngamma delta\nx\r\n" + std::string(40, 'y') + "\nlast";
  const Framed expected = frame_at_once(input, 64);
  REQUIRE(expected.lines.size() == 5);
  for (std::size_t first = 1; first <= input.size(); ++first) {
    for (std::size_t second = 1; second <= 7; ++second) {
      CAPTURE(first);
      CAPTURE(second);
      CHECK(frame(input, 64, {first, second}) == expected);
    }
  }
  // and a byte at a time
  CHECK(frame(input, 64, {1}) == expected);
}

TEST_CASE("the limit counts the bytes before LF, less a CR right before it") {
  const std::size_t limit = 8;
  SUBCASE("exactly at the limit is fine, with LF or CR LF") {
    CHECK(frame("12345678\n", limit, {1}).lines == Lines{"12345678"});
    CHECK(frame("12345678\r\n", limit, {3}).lines == Lines{"12345678"});
    CHECK(frame_at_once("12345678\r\n", limit).lines == Lines{"12345678"});
  }
  SUBCASE("one past the limit is line-too-long, however it arrives") {
    for (std::size_t chunk = 1; chunk <= 11; ++chunk) {
      CAPTURE(chunk);
      CHECK(frame("123456789\n", limit, {chunk}).too_long);
      CHECK(frame("123456789\r\n", limit, {chunk}).too_long);
    }
  }
  SUBCASE("an overlong line is detected before its LF arrives") {
    const auto out = frame(std::string(100, 'z'), limit, {1000});
    CHECK(out.too_long);
  }
  SUBCASE("lines before an overlong one are still delivered") {
    const auto out = frame_at_once("ok\n1234567890\nnever\n", limit);
    CHECK(out.lines == Lines{"ok"});
    CHECK(out.too_long);
  }
  SUBCASE("a CR at the limit's edge waits for its LF") {
    // 8 bytes then CR: still legal until the next byte says otherwise.
    switchboard::LineReader reader(limit);
    std::string_view chunk = "12345678\r";
    std::error_code ec;
    CHECK_FALSE(reader.next(chunk, ec));
    CHECK_FALSE(ec);
    CHECK(reader.buffered() == 9);
    chunk = "\n";
    CHECK(reader.next(chunk, ec) == std::optional<std::string_view>("12345678"));
  }
}

TEST_CASE("only a line split across chunks is held, and it is freed once taken") {
  switchboard::LineReader reader(16);
  const std::string bytes = "abc\nde";
  std::string_view chunk = bytes;
  std::error_code ec;
  const auto first = reader.next(chunk, ec);
  REQUIRE(first);
  CHECK(*first == "abc");
  CHECK(first->data() == bytes.data());  // a view into the chunk, not a copy
  CHECK_FALSE(reader.next(chunk, ec));
  CHECK(reader.buffered() == 2);  // "de"
  chunk = "f\r\n";
  CHECK(reader.next(chunk, ec) == std::optional<std::string_view>("def"));
  CHECK_FALSE(reader.next(chunk, ec));
  CHECK(reader.buffered() == 0);
  chunk = "partial";
  CHECK_FALSE(reader.next(chunk, ec));
  reader.reset();
  CHECK(reader.buffered() == 0);
}

}  // TEST_SUITE
