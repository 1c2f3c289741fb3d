// examples/stress_client/accounts.hpp: account names for a run, and seeding.
//
// Each run makes names of its own (a prefix from the clock and the pid,
// then a letter for the role and a number), so runs never collide on one
// server's database. Scenarios that LOGIN need the accounts to exist first:
// seed() registers them over a few connections (each REGISTER costs the
// server one Argon2id hash), taking "user-exists" as done, so a seeded
// prefix can be used again with --accounts-exist.
#pragma once

#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "chat.hpp"
#include "scenario.hpp"

namespace stress {

// --user-prefix, or one unique to this run ("st" and 6 hex digits, "_").
inline std::string user_prefix(const Options& options) {
  if (!options.user_prefix.empty()) return options.user_prefix;
  const auto now = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  return fmt::format("st{:06x}_", (now ^ (static_cast<std::uint64_t>(::getpid()) << 20)) & 0xffffff);
}

// Registers `names` over --seed-connections connections. The connect and
// REGISTER round trips are recorded as `op_connect` and `op_seed`.
inline void seed(const Options& options, const Target& target, const std::vector<std::string>& operations,
                 std::size_t op_connect, std::size_t op_seed, const std::vector<std::string>& names, Stats& into) {
  if (names.empty() || options.accounts_exist) return;
  const std::size_t connections = std::min(std::max<std::size_t>(1, options.seed_connections), names.size());
  std::atomic<std::size_t> done{0};
  Phase phase(options, target, operations);
  auto client_main = [&](Client& client) -> asio::awaitable<void> {
    if (!co_await client.connect(op_connect)) co_return;
    if (!co_await chat::greeting(client, op_connect)) co_return;
    chat::IgnoreMessages ignore{client, op_seed};
    for (std::size_t i = client.number - 1; i < names.size(); i += connections) {
      if (!co_await chat::register_user(client, op_seed, names[i], options.password, true, ignore)) co_return;
      done.fetch_add(1, std::memory_order_relaxed);
    }
  };  // the connection just closes: only registrations are counted
  phase.run(connections, "seeding accounts", client_main,
            [&] { return fmt::format("{}/{}", done.load(), names.size()); });
  phase.merge_into(into);
}

}  // namespace stress
