// switchboard/process.hpp: process-wide settings a server's main() wants.
//
// Kept apart from Server on purpose: a library does not change process-wide
// state behind its user's back; main() calls these.
#pragma once

#include <sys/resource.h>

#include <cstdint>

namespace switchboard {

// Raises the soft limit on open descriptors to the hard limit, so a server
// can hold many thousands of connections (the default soft limit is often
// 1024). Returns the soft limit now in force.
inline std::uint64_t raise_descriptor_limit() noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace switchboard
