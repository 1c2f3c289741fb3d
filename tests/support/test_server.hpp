// tests/support/test_server.hpp: a Server on port 0 that starts in its
// constructor and stops (and joins) in its destructor, so every thread a
// test starts is joined in that test.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <utility>

#include <switchboard/server.hpp>

namespace test {

inline switchboard::ServerOptions test_options(switchboard::ServerOptions options = {}) {
  options.port = 0;
  options.quiet = true;
  if (options.threads == 0) options.threads = 2;
  return options;
}

template <class Handler>
class TestServer {
 public:
  explicit TestServer(switchboard::ServerOptions options = {}, Handler handler = {})
      : server_(test_options(std::move(options)), std::move(handler)) {
    server_.start();
  }
  ~TestServer() { server_.stop(); }

  std::uint16_t port() const { return server_.port(); }
  switchboard::Server<Handler>* operator->() { return &server_; }
  switchboard::Server<Handler>& operator*() { return server_; }

 private:
  switchboard::Server<Handler> server_;
};

// False under AddressSanitizer (it keeps freed memory aside, its
// quarantine, up to 256 MiB) and ThreadSanitizer (shadow memory): there,
// resident memory says nothing about the server's own bounds.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool memory_is_measurable = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool memory_is_measurable = false;
#else
inline constexpr bool memory_is_measurable = true;
#endif
#else
inline constexpr bool memory_is_measurable = true;
#endif

// A process's resident memory in KiB (VmRSS): this one's, or `pid`'s.
inline long resident_kib(int pid = 0) {
  std::ifstream status(pid == 0 ? std::string("/proc/self/status") : "/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      long kib = 0;
      status >> kib;
      return kib;
    }
    status.ignore(1 << 12, '\n');
  }
  return -1;
}

}  // namespace test
