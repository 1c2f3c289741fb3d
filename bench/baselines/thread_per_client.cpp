// Baseline: the networking lab's design (thread_per_client.py) in C++,
// done carefully. One OS thread per client, blocking sockets, each line "L"
// answered "Echo: L" (LF framing, a CR before it dropped, as PROTOCOL.md
// says). No pool, no queue bound: what Switchboard is measured against,
// not a design to copy.
// Usage: thread_per_client PORT   (0 picks a free port; 127.0.0.1 only)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

void serve(int client) {
  std::string pending, out;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::recv(client, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    pending.append(chunk, static_cast<std::size_t>(n));
    out.clear();
    std::size_t start = 0;
    for (std::size_t lf; (lf = pending.find('\n', start)) != std::string::npos; start = lf + 1) {
      std::size_t end = lf;
      if (end > start && pending[end - 1] == '\r') --end;
      if (end == start) continue;
      out += "Echo: ";
      out.append(pending, start, end - start);
      out += '\n';
    }
    pending.erase(0, start);
    for (std::size_t sent = 0; sent < out.size();) {
      const ssize_t m = ::send(client, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (m <= 0) {
        ::close(client);
        return;
      }
      sent += static_cast<std::size_t>(m);
    }
  }
  ::close(client);
}

}  // namespace

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 5000;
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  const int yes = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener, 4096) != 0) {
    std::perror("thread_per_client: listen");
    return 1;
  }
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  std::printf("[LISTENING] 127.0.0.1:%d\n", ntohs(address.sin_port));
  std::fflush(stdout);
  for (;;) {
    const int client = ::accept(listener, nullptr, nullptr);
    if (client < 0) continue;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    std::thread(serve, client).detach();  // the lab's way; the process ends by a signal
  }
}
