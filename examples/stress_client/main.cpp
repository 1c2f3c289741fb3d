// stress_client: load-tests a Switchboard server from many connections.
//
//   stress_client --scenario auth --clients 1000      # the lab's program, against chat_server
//   stress_client --scenario echo --port 5001 --clients 100 --pipeline 16
//   stress_client --scenario fanout --clients 1000 --duration 5
//   stress_client --scenario idle --clients 10000 --server-pid $(pidof chat_server)
//
// Prints a table per operation (count, rate, latency percentiles), or one
// JSON object with --json, and exits 1 when anything went wrong: a
// connection failed, an answer was late (--timeout) or not what
// PROTOCOL.md says. The scenarios are in *_scenario.hpp.
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <switchboard/detail/endpoint.hpp>
#include <switchboard/process.hpp>
#include <switchboard/version.hpp>

#include "auth_scenario.hpp"
#include "echo_scenario.hpp"
#include "fanout_scenario.hpp"
#include "idle_scenario.hpp"

namespace {

// The connections a run opens at most (the seeding phase's are closed by then).
std::size_t connections_needed(const stress::Options& options) {
  return options.clients + (options.scenario == "fanout" ? 1 : 0);
}

// The server's endpoint: --host resolved, its first address.
asio::ip::tcp::endpoint resolve(const stress::Options& options) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  const auto results = resolver.resolve(options.host, std::to_string(options.port));
  return results.begin()->endpoint();
}

// Which server is there, when --server does not say: the chat server greets
// first ("HELLO switchboard 1 <id>"), the echo server waits to be spoken to.
std::string probe_server(const asio::ip::tcp::endpoint& endpoint) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  std::string greeting;
  asio::error_code connect_ec;
  socket.async_connect(endpoint, [&](const asio::error_code& ec) {
    connect_ec = ec;
    if (!ec) asio::async_read_until(socket, asio::dynamic_buffer(greeting), '\n', [](const asio::error_code&, std::size_t) {});
  });
  io.run_for(std::chrono::milliseconds(300));
  if (connect_ec)
    throw std::runtime_error(fmt::format("cannot connect to {}: {}", switchboard::detail::format_endpoint(endpoint),
                                         connect_ec.message()));
  return greeting.starts_with("HELLO switchboard 1 ") ? "chat" : "echo";
}

void check_descriptors(std::size_t connections) {
  const auto limit = switchboard::raise_descriptor_limit();
  const std::size_t needed = connections + 64;  // stdio, the io_contexts, a margin
  if (limit < needed)
    throw std::runtime_error(fmt::format(
        "{} connections need about {} file descriptors, but RLIMIT_NOFILE allows {} (hard limit); "
        "raise it (ulimit -Hn, /etc/security/limits.conf) or use fewer --clients",
        connections, needed, limit));
}

}  // namespace

int main(int argc, char** argv) {
  stress::Options options;
  double timeout = options.timeout;
  CLI::App app{"Load-tests a Switchboard server (PROTOCOL.md) from many connections on a few threads.\n"
               "Exit status: 0 when every reply was right, 1 when anything failed, 2 when the run could not start."};
  app.set_version_flag("--version", std::string("switchboard ") + switchboard::version_string);
  app.add_option("--host", options.host, "Server address or name")->capture_default_str();
  app.add_option("--port", options.port, "Server port")->capture_default_str();
  app.add_option("--scenario", options.scenario,
                 "auth: half REGISTER, half LOGIN, talk, LOGOUT (chat server)\n"
                 "echo: closed-loop line echo\n"
                 "fanout: one sender BROADCASTs to --clients receivers (chat server)\n"
                 "idle: hold --clients connections for --duration")
      ->capture_default_str()
      ->check(CLI::IsMember({"auth", "echo", "fanout", "idle"}));
  app.add_option("--server", options.server,
                 "The kind of server: echo, chat, raw (echo_server --raw: byte echo, echo and idle), or\n"
                 "redis (fanout only: Redis pub/sub, for comparison)\n"
                 "(default: chat for auth and fanout; for echo and idle, found out by connecting once)")
      ->check(CLI::IsMember({"echo", "chat", "raw", "redis"}));
  app.add_option("--channel", options.channel, "fanout against Redis: the channel")->capture_default_str();
  app.add_option("--clients", options.clients, "Connections (fanout: receivers)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  app.add_option("--messages", options.messages, "auth: ECHOs and BROADCASTs per client")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000}));
  app.add_option("--pipeline", options.pipeline, "echo: requests in flight per connection")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{4096}));
  app.add_option("--window", options.window, "fanout: broadcasts in flight")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{65536}));
  app.add_option("--size", options.size, "echo: bytes of padding added to each request")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 20));
  app.add_option("--duration", options.duration, "echo, fanout, idle: seconds of load (idle: seconds held)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--warmup", options.warmup, "echo: seconds of load before measuring")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--threads", options.threads, "Worker threads, each with its share of the connections")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{256}));
  app.add_option("--timeout", timeout, "Seconds to wait for any one answer or connect")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 86400.0));
  app.add_option("--connect-window", options.connect_window, "Connects in flight at once")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  app.add_option("--source-addresses", options.source_addresses,
                 "Spread connections over 127.0.0.1..N (default: as many as the local ports need)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{250}));
  app.add_option("--users", options.users, "echo (chat), fanout: accounts the connections share")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  app.add_option("--user-prefix", options.user_prefix, "Start of every account name (default: one unique to the run)")
      ->check([](const std::string& prefix) -> std::string {
        if (prefix.empty() || prefix.size() > 20) return "1 to 20 characters";
        for (char c : prefix)
          if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
            return "only A-Z a-z 0-9 _ . -";
        return {};
      });
  app.add_option("--password", options.password, "The accounts' password (a test password: it shows in ps)")
      ->capture_default_str();
  app.add_flag("--accounts-exist", options.accounts_exist, "The accounts of --user-prefix exist already: no seeding");
  app.add_option("--seed-connections", options.seed_connections, "Connections that register the accounts first")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  app.add_option("--server-pid", options.server_pid, "idle: read this process's memory (VmRSS) before and while holding");
  app.add_flag("--json", options.json, "Print the result as one JSON object");
  CLI11_PARSE(app, argc, argv);

  options.timeout = timeout;
  options.progress = ::isatty(STDERR_FILENO) != 0;
  try {
    check_descriptors(connections_needed(options));
    stress::Target target;
    target.server = resolve(options);
    if (options.server.empty())
      options.server = options.scenario == "auth" || options.scenario == "fanout" ? "chat" : probe_server(target.server);
    if (options.accounts_exist && options.user_prefix.empty())
      throw std::runtime_error("--accounts-exist needs the --user-prefix they were made with");
    if (options.redis() && options.scenario != "fanout")
      throw std::runtime_error("--server redis works with --scenario fanout only");
    if (options.raw() && options.scenario != "echo" && options.scenario != "idle")
      throw std::runtime_error("--server raw works with --scenario echo and idle only");
    if ((options.scenario == "auth" || (options.scenario == "fanout" && !options.redis())) && !options.chat())
      throw std::runtime_error(fmt::format("--scenario {} needs the chat server, and the server at {} is not one "
                                           "(it sent no HELLO greeting)",
                                           options.scenario, switchboard::detail::format_endpoint(target.server)));
    if (options.server_pid && options.duration < 1)
      throw std::runtime_error("--server-pid needs --duration 1 or more (memory is read 0.5 s after all are served)");
    target.timeout = std::chrono::duration_cast<stress::Clock::duration>(std::chrono::duration<double>(timeout));
    target.read_chunk = options.scenario == "idle" ? 512 : 16 * 1024;
    target.max_line = 64 * 1024 + options.size;
    target.sources = stress::source_addresses(target.server, connections_needed(options), options.source_addresses);

    stress::Report report = options.scenario == "auth"   ? stress::run_auth(options, target)
                            : options.scenario == "echo" ? stress::run_echo(options, target)
                            : options.scenario == "fanout" ? stress::run_fanout(options, target)
                                                           : stress::run_idle(options, target);
    const auto text = options.json ? stress::format_json(report) : stress::format_table(report);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return report.stats.total_errors() == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "stress_client: {}\n", e.what());
    return 2;
  }
}
