// switchboard/detail/output.hpp: lines to stdout or stderr that never stop
// the server.
//
// The log and the console write from I/O threads. If whatever reads the
// server's stdout stops reading without closing it (a pager nobody scrolls,
// a supervisor that does not drain the pipe), a blocking write would hold
// every I/O thread that has something to log, and with them every client.
// So a line goes out only if the stream can take it now; otherwise it is
// dropped and counted, and the next line that goes out is preceded by
// "[LOG] N lines dropped: nothing was reading the output".
//
// A pipe that polls writable has room for at least PIPE_BUF bytes, so a log
// line goes out whole; a longer text (the console's list of 10 000 clients)
// is written in such pieces, each waiting briefly for room, and is cut if
// the reader stops in the middle of it.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdio>
#include <mutex>
#include <string_view>

#include <fmt/format.h>

namespace switchboard::detail {

class Output {
 public:
  // Writes `text` (whole lines, LF included) to stdout or stderr, or drops it.
  static void write(std::FILE* stream, std::string_view text) {
    static std::mutex mutex;  // one writer at a time, for both streams
    std::lock_guard lock(mutex);
    Stream& out = state(stream);
    std::fflush(stream);  // nothing of stdio's own goes after us
    if (!out.wait_writable(0)) {
      ++out.dropped;
      return;
    }
    if (out.dropped > 0) {
      const auto notice = fmt::format("{}[LOG] {} lines dropped: nothing was reading the output\n",
                                      out.cut ? "\n" : "", out.dropped);
      out.cut = false;
      out.dropped = 0;
      if (!out.put(notice)) return;
    }
    out.put(text);
  }

 private:
  struct Stream {
    int fd = -1;
    std::size_t dropped = 0;  // since the last line that went out
    bool cut = false;         // the last text stopped mid-line

    bool wait_writable(int milliseconds) const {
      pollfd ready{fd, POLLOUT, 0};
      int n;
      do {
        n = ::poll(&ready, 1, milliseconds);
      } while (n < 0 && errno == EINTR);
      return n == 1 && (ready.revents & POLLOUT) != 0;
    }

    // False if not all of `text` went out (the rest counts as one dropped line).
    bool put(std::string_view text) {
      // How long a piece after the first may wait for the reader.
      constexpr int patience_ms = 100;
      bool first = true;
      while (!text.empty()) {
        if (!first && !wait_writable(patience_ms)) break;
        first = false;
        const std::size_t piece = std::min<std::size_t>(text.size(), PIPE_BUF);
        const ssize_t n = ::write(fd, text.data(), piece);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // closed (EPIPE: SIGPIPE is ignored by the console) or full
        text.remove_prefix(static_cast<std::size_t>(n));
        cut = !text.empty();
      }
      if (text.empty()) return true;
      ++dropped;
      return false;
    }
  };

  static Stream& state(std::FILE* stream) {
    static Stream out{::fileno(stdout)};
    static Stream err{::fileno(stderr)};
    return stream == stderr ? err : out;
  }
};

}  // namespace switchboard::detail
