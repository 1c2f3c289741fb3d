// switchboard/detail/accept_backoff.hpp: what to do when accept() fails.
//
// Out of descriptors (EMFILE, ENFILE) or kernel memory, accept keeps failing
// at once: re-arming on the spot spins a core and logs a flood. We pause
// accepting for a short while instead, log once per episode, and log again
// when an accept succeeds. Other failures (a peer that reset before we
// accepted it) concern one connection only and are skipped.
#pragma once

#include <cerrno>
#include <chrono>

#include "switchboard/detail/asio_compat.hpp"

namespace switchboard::detail {

class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds pause{100};

  // True when `ec` means the process or system is out of a resource.
  static bool is_exhaustion(const asio::error_code& ec) noexcept {
    if (ec.category() != asio::system_category()) return false;
    const int value = ec.value();
    return value == EMFILE || value == ENFILE || value == ENOBUFS || value == ENOMEM;
  }

  // An exhaustion error: true if it starts an episode (log it then).
  bool failed() noexcept { return !std::exchange(in_episode_, true); }

  // An accept succeeded: true if that ends an episode (log that).
  bool succeeded() noexcept { return std::exchange(in_episode_, false); }

 private:
  bool in_episode_ = false;
};

}  // namespace switchboard::detail
