// switchboard/input_thread.hpp: reading a terminal or pipe beside Asio.
//
// stdin cannot be waited on by Asio in every case (a regular file given as
// stdin fails epoll), and a blocking read() on an I/O thread would stall its
// connections. So one thread waits on the descriptor with poll() beside a
// wake-up pipe, so stop() can always join it, and hands each chunk read to a
// function (which posts it wherever it is wanted). The server console and
// the chat client both read their input this way.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <functional>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

namespace switchboard {

class InputThread {
 public:
  using OnChunk = std::function<void(std::string_view)>;
  using OnEnd = std::function<void()>;

  InputThread() = default;
  InputThread(const InputThread&) = delete;
  InputThread& operator=(const InputThread&) = delete;
  ~InputThread() { stop(); }

  // Reads `input` until its end (on_end() is then called) or stop(). Both
  // functions run on the reading thread.
  void start(int input, OnChunk on_chunk, OnEnd on_end = {}) {
    if (::pipe(wake_) != 0) throw std::system_error(errno, std::generic_category(), "input thread: pipe");
    thread_ = std::thread([this, input, on_chunk = std::move(on_chunk), on_end = std::move(on_end)] {
      if (read_loop(input, on_chunk) && on_end) on_end();
    });
  }

  // Wakes and joins the reading thread. Idempotent; any thread but its own.
  void stop() {
    if (!thread_.joinable()) return;
    const char byte = 0;
    [[maybe_unused]] auto n = ::write(wake_[1], &byte, 1);
    thread_.join();
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

 private:
  // True at the end of input (or an error reading it), false on stop().
  bool read_loop(int input, const OnChunk& on_chunk) {
    std::array<char, 4096> chunk;
    for (;;) {
      std::array<pollfd, 2> fds{pollfd{input, POLLIN, 0}, pollfd{wake_[0], POLLIN, 0}};
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        return true;
      }
      if (fds[1].revents != 0) return false;
      if (fds[0].revents == 0) continue;
      const ssize_t n = ::read(input, chunk.data(), chunk.size());
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) return true;
      on_chunk(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
    }
  }

  int wake_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace switchboard
