// switchboard/line_reader.hpp: framing of a byte stream into bounded lines.
//
// PROTOCOL.md's framing, with no I/O in it so it can be tested and fuzzed on
// its own: a line ends at LF, a CR right before the LF is dropped, and a line
// whose content (before LF, less that CR) is longer than max_line is an
// error. The reader owns one buffer of at most max_line + 2 bytes (room for
// CR LF), allocated when data arrives and released when it holds no partial
// line, so an idle connection costs no buffer at all.
//
// Empty lines (LF alone, or CR LF) are skipped, as PROTOCOL.md asks.
//
// Use: write into prepare(), commit() what was written, then take lines with
// next() until it returns nothing; then read again. Lines are views into the
// buffer, valid until the next prepare() or release_if_empty().
// Not thread-safe: one reader per connection, used from its strand.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>

#include "switchboard/error.hpp"

namespace switchboard {

class LineReader {
 public:
  explicit LineReader(std::size_t max_line) : max_line_(max_line), capacity_(max_line + 2) {}

  // Writable space after the buffered bytes; never empty while no error has
  // been reported (a partial line that leaves no room is already too long).
  // Moves a partial line to the front first, so the buffer never grows.
  std::span<char> prepare() {
    if (!data_) data_ = std::make_unique_for_overwrite<char[]>(capacity_);
    if (begin_ != 0) {
      std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      scan_ -= begin_;
      begin_ = 0;
    }
    return {data_.get() + end_, capacity_ - end_};
  }

  void commit(std::size_t n) noexcept { end_ += n; }

  // The next complete line (without LF or the CR before it), nothing when
  // the buffer holds no complete line, or errc::line_too_long when the line
  // being read can no longer fit the limit. After an error the reader is
  // spent: the connection is to be closed.
  std::optional<std::string_view> next(std::error_code& ec) {
    ec = {};
    while (scan_ < end_) {
      const char* start = data_.get() + scan_;
      const void* lf = std::memchr(start, '\n', end_ - scan_);
      if (lf == nullptr) {
        scan_ = end_;
        break;
      }
      const std::size_t lf_at = static_cast<std::size_t>(static_cast<const char*>(lf) - data_.get());
      std::size_t line_end = lf_at;
      if (line_end > begin_ && data_[line_end - 1] == '\r') --line_end;
      const std::string_view line(data_.get() + begin_, line_end - begin_);
      begin_ = scan_ = lf_at + 1;
      if (line.size() > max_line_) {
        ec = errc::line_too_long;
        return std::nullopt;
      }
      if (line.empty()) continue;  // PROTOCOL.md: empty lines are ignored
      return line;
    }
    // No LF in what is buffered: the partial line may still end in a CR that
    // the coming LF will drop, so up to max_line + 1 bytes are legitimate.
    const std::size_t partial = end_ - begin_;
    const bool ends_in_cr = partial != 0 && data_[end_ - 1] == '\r';
    if (partial > max_line_ + (ends_in_cr ? 1 : 0)) ec = errc::line_too_long;
    return std::nullopt;
  }

  // Everything buffered and not yet taken as a line (raw mode reads this).
  std::span<const char> bytes() const noexcept {
    return {data_.get() + begin_, end_ - begin_};
  }

  // Forgets everything buffered (raw mode after a chunk; a closing connection).
  void discard() noexcept { begin_ = scan_ = end_ = 0; }

  // Bytes of an incomplete line held back (dropped if the peer closes now).
  std::size_t buffered() const noexcept { return end_ - begin_; }

  // Frees the buffer when it holds nothing: what keeps idle connections small.
  void release_if_empty() noexcept {
    if (begin_ == end_) {
      data_.reset();
      begin_ = end_ = scan_ = 0;
    }
  }

  std::size_t max_line() const noexcept { return max_line_; }

 private:
  std::size_t max_line_;
  std::size_t capacity_;
  std::unique_ptr<char[]> data_;
  std::size_t begin_ = 0;  // first byte of the line being assembled
  std::size_t scan_ = 0;   // bytes before this are known to hold no LF
  std::size_t end_ = 0;    // end of the bytes read
};

}  // namespace switchboard
