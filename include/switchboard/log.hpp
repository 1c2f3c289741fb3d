// switchboard/log.hpp: the servers' log lines.
//
// Events go to stdout, each line in one write (so lines from different
// threads never interleave) as it happens, because tests and scripts read
// them as they come; a stdout nobody reads drops lines instead of stopping
// the server (detail/output.hpp). --quiet hides events, never errors;
// errors go to stderr. No global logger: each Server owns one.
#pragma once

#include <cstdio>
#include <iterator>
#include <utility>

#include <fmt/format.h>

#include "switchboard/detail/output.hpp"

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
    // A failed write (stdout closed, or not read) is not an error: a log
    // line must never take the server down or hold it up.
    fmt::memory_buffer buffer;
    fmt::format_to(std::back_inserter(buffer), format, std::forward<Args>(args)...);
    buffer.push_back('\n');
    detail::Output::write(to, {buffer.data(), buffer.size()});
  }

  bool quiet_;
};

}  // namespace switchboard
