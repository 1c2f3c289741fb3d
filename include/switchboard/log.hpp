// switchboard/log.hpp: the servers' log lines.
//
// Events go to stdout, one fmt::print per line (fmt writes a line in one
// stdio call, so lines from different threads never interleave) and are
// flushed, because tests and scripts read them as they come. --quiet hides
// events, never errors; errors go to stderr. No global logger: each Server
// owns one.
#pragma once

#include <cstdio>
#include <iterator>
#include <utility>

#include <fmt/format.h>

namespace switchboard {

class Log {
 public:
  explicit Log(bool quiet = false) : quiet_(quiet) {}

  // A connection event ("[NEW CONNECTION] ..."): hidden by --quiet.
  template <class... Args>
  void event(fmt::format_string<Args...> format, Args&&... args) const {
    if (!quiet_) line(stdout, format, std::forward<Args>(args)...);
  }

  // Something the operator must see even with --quiet ("[LISTENING] ...").
  template <class... Args>
  void notice(fmt::format_string<Args...> format, Args&&... args) const {
    line(stdout, format, std::forward<Args>(args)...);
  }

  template <class... Args>
  void error(fmt::format_string<Args...> format, Args&&... args) const {
    line(stderr, format, std::forward<Args>(args)...);
  }

  bool quiet() const noexcept { return quiet_; }

 private:
  template <class... Args>
  static void line(std::FILE* to, fmt::format_string<Args...> format, Args&&... args) {
    // One fwrite per line; a failed write (stdout closed) is ignored: a log
    // line must never take the server down.
    fmt::memory_buffer buffer;
    fmt::format_to(std::back_inserter(buffer), format, std::forward<Args>(args)...);
    buffer.push_back('\n');
    std::fwrite(buffer.data(), 1, buffer.size(), to);
    std::fflush(to);
  }

  bool quiet_;
};

}  // namespace switchboard
