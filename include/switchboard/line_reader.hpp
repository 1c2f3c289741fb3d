// switchboard/line_reader.hpp: framing of a byte stream into bounded lines.
//
// PROTOCOL.md's framing, with no I/O in it so it can be tested and fuzzed on
// its own: a line ends at LF, a CR right before the LF is dropped, empty
// lines are skipped, and a line whose content (before LF, less that CR) is
// longer than max_line is an error.
//
// Use: hand each chunk that was read to next() until it returns nothing.
// A line that lies whole in the chunk is returned as a view into the chunk
// (no copy); only a line split across reads is assembled in the reader's
// own buffer, which never holds more than max_line + 1 bytes and is freed
// once that line has been taken. So an idle connection costs no buffer.
// Not thread-safe: one reader per connection, used from its strand.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "switchboard/error.hpp"

namespace switchboard {

class LineReader {
 public:
  explicit LineReader(std::size_t max_line) : max_line_(max_line) {}

  // The next complete line from what is held and `input` (advanced past
  // it), without LF or the CR before it; nothing when `input` is used up (an
  // unfinished line is kept for the next chunk), or errc::line_too_long in
  // `ec` as soon as the line being read cannot fit the limit any more. The
  // view is valid until the next call, as long as `input`'s bytes are.
  std::optional<std::string_view> next(std::string_view& input, std::error_code& ec) {
    ec = {};
    if (handed_out_) forget_partial();
    while (!input.empty()) {
      const std::size_t lf = input.find('\n');
      if (lf == std::string_view::npos) {
        // The held line may still end in a CR that the coming LF will drop.
        const std::size_t total = partial_.size() + input.size();
        if (total > max_line_ + (input.back() == '\r' ? 1 : 0)) return too_long(ec);
        partial_.append(input);
        input = {};
        return std::nullopt;
      }
      std::string_view line = input.substr(0, lf);
      input.remove_prefix(lf + 1);
      if (!partial_.empty()) {
        if (partial_.size() + line.size() > max_line_ + 1) return too_long(ec);
        partial_.append(line);
        line = partial_;
        handed_out_ = true;
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.size() > max_line_) return too_long(ec);
      if (line.empty()) {  // PROTOCOL.md: empty lines are ignored
        if (handed_out_) forget_partial();
        continue;
      }
      return line;
    }
    return std::nullopt;
  }

  // Bytes of an unfinished line held back (dropped if the peer closes now).
  std::size_t buffered() const noexcept { return handed_out_ ? 0 : partial_.size(); }

  // Forgets what is held and frees its buffer.
  void reset() noexcept { forget_partial(); }

  std::size_t max_line() const noexcept { return max_line_; }

 private:
  std::optional<std::string_view> too_long(std::error_code& ec) {
    ec = errc::line_too_long;
    forget_partial();
    return std::nullopt;
  }

  void forget_partial() noexcept {
    std::string().swap(partial_);  // frees it: split lines are the rare case
    handed_out_ = false;
  }

  std::size_t max_line_;
  std::string partial_;      // an unfinished line, or the split line just returned
  bool handed_out_ = false;  // partial_ is the line returned last
};

}  // namespace switchboard
