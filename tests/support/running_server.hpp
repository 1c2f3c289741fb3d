// tests/support/running_server.hpp: a server binary on a free port for the
// length of a test, and scratch files that clean up after themselves.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "child_process.hpp"

namespace test {

// A scratch file (and an SQLite database's -wal and -shm) removed at the end.
struct ScratchFile {
  explicit ScratchFile(const std::string& name)
      : path((std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))).string()) {
    remove();
  }
  // The file, holding `contents` (a password file, say).
  ScratchFile(const std::string& name, std::string_view contents) : ScratchFile(name) {
    std::ofstream(path) << contents;
  }
  ~ScratchFile() { remove(); }
  void remove() const {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  std::string path;
};

// A server binary started with `argv` (plus --port 0 if it has no --port),
// its port read from [LISTENING]; `exit` on its console at the end.
struct RunningServer {
  explicit RunningServer(std::vector<std::string> argv)
      : process(std::move(argv)), port(listening_port(process.read_until("[LISTENING] "))) {}
  ~RunningServer() {
    try {
      process.write_line("exit");
    } catch (const std::exception&) {  // it has ended already: the child's destructor reaps it
    }
    process.wait();
  }
  ChildProcess process;
  std::uint16_t port;
};

#ifdef CHAT_SERVER_PATH
// The chat_server binary with its accounts in `database` and `extra`
// flags; the default password hash unless they say otherwise.
inline RunningServer chat_server_with(std::vector<std::string> extra, const std::string& database = ":memory:") {
  std::vector<std::string> argv{CHAT_SERVER_PATH, "--port", "0", "--threads", "2", "--quiet", "--db", database};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return RunningServer(std::move(argv));
}

// The same with the cheapest password hash (these tests are not about hashing).
inline RunningServer chat_server(const std::string& database = ":memory:") {
  return chat_server_with({"--hash-memory", "8192", "--hash-ops", "1"}, database);
}
#endif

}  // namespace test
