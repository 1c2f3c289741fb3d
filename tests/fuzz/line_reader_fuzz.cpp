// Fuzz target: the line framer. The input is cut into chunks at places the
// input itself chooses; LineReader must give the same lines, and the same
// line-too-long verdict, as a one-shot reference split written from
// PROTOCOL.md's words alone.
#include <switchboard/line_reader.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Framed {
  std::vector<std::string> lines;
  bool too_long = false;
  bool operator==(const Framed&) const = default;
};

// PROTOCOL.md: a line ends at LF; a CR right before it is dropped; empty
// lines are ignored; a line longer than the limit is an error. Bytes after
// the last LF are an unfinished line: an error already if they cannot fit
// (the limit, plus the CR that the coming LF would drop), else waiting.
Framed reference(std::string_view data, std::size_t max_line) {
  Framed out;
  for (std::size_t lf; (lf = data.find('\n')) != std::string_view::npos; data.remove_prefix(lf + 1)) {
    std::string_view line = data.substr(0, lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_line) {
      out.too_long = true;
      return out;
    }
    if (!line.empty()) out.lines.emplace_back(line);
  }
  const std::size_t allowed = max_line + (!data.empty() && data.back() == '\r' ? 1 : 0);
  out.too_long = data.size() > allowed;
  return out;
}

Framed chunked(std::string_view data, std::size_t max_line, std::string_view cuts) {
  Framed out;
  switchboard::LineReader reader(max_line);
  std::size_t next_cut = 0;
  while (!data.empty()) {
    const std::size_t size = cuts.empty() ? data.size()
                                          : 1 + static_cast<unsigned char>(cuts[next_cut++ % cuts.size()]) % 16;
    std::string chunk(data.substr(0, size));  // a copy: views must not outlive their chunk
    data.remove_prefix(std::min(size, data.size()));
    std::string_view input = chunk;
    std::error_code ec;
    while (auto line = reader.next(input, ec)) out.lines.emplace_back(*line);
    if (ec) {
      out.too_long = true;
      return out;
    }
  }
  return out;
}

}  // namespace

// Input: [max_line (1..64)] [n] [n bytes of chunk sizes] [the stream].
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 2) return 0;
  const std::string_view all(reinterpret_cast<const char*>(bytes), size);
  const std::size_t max_line = 1 + static_cast<unsigned char>(all[0]) % 64;
  const std::size_t cut_count = std::min<std::size_t>(static_cast<unsigned char>(all[1]) % 8, size - 2);
  const std::string_view cuts = all.substr(2, cut_count);
  const std::string_view data = all.substr(2 + cut_count);
  const Framed expected = reference(data, max_line);
  if (chunked(data, max_line, {}) != expected) std::abort();    // one chunk
  if (chunked(data, max_line, cuts) != expected) std::abort();  // the chunks the input chose
  return 0;
}
