// examples/chat_server/chat_handler.hpp: PROTOCOL.md's chat server.
//
// Registration and login go through the AuthStore on the hash pool (never
// on an I/O thread); who is logged in on a connection is kept in the
// ClientRegistry (its `user`), which is also what `list`, WHO and every
// broadcast read: one source of truth, one place for broadcasts.
// A header of its own so tests run this very handler in-process, and a
// template over the session type so the fuzz target can drive it through
// in-memory sessions (tests/fuzz/chat_handler_fuzz.cpp); the server's is
// ChatHandler, of switchboard::Session.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <switchboard/account_rules.hpp>
#include <switchboard/auth_store.hpp>
#include <switchboard/client_registry.hpp>
#include <switchboard/handler.hpp>
#include <switchboard/hash_pool.hpp>
#include <switchboard/login_throttle.hpp>
#include <switchboard/payload.hpp>
#include <switchboard/session.hpp>

#include "chat_command.hpp"

namespace chat {

inline constexpr std::string_view command_words = "REGISTER LOGIN ECHO BROADCAST WHO LOGOUT PING HELP QUIT";

template <class Session>
class BasicChatHandler {
 public:
  using Registry = switchboard::BasicClientRegistry<Session>;

  // `store` and `pool` must outlive the server (stop the server first).
  BasicChatHandler(switchboard::AuthStore& store, switchboard::HashPool& pool,
                   switchboard::ThrottleOptions throttle = {})
      : store_(&store),
        pool_(&pool),
        by_name_(std::make_unique<switchboard::LoginThrottle<std::string>>(throttle)),
        by_connection_(std::make_unique<switchboard::LoginThrottle<std::uint64_t>>(throttle)) {}

  void on_connect(Session& session) {
    session.send_line("HELLO switchboard 1 ", std::to_string(session.id()));
  }

  void on_disconnect(Session& session) { by_connection_->forget(session.id()); }

  // Only REGISTER and LOGIN wait (for the hash pool); every other line is
  // answered at once, without a coroutine.
  switchboard::LineWork on_line(Session& session, std::string_view line) {
    auto command = parse_command(line);
    if (!command) return {};  // spaces only: ignored like an empty line
    const std::string& word = command->word;
    if (word == "REGISTER") return register_user(session, std::move(*command));
    if (word == "LOGIN") return login(session, std::move(*command));
    if (word == "ECHO") {
      if (!logged_in(session)) not_logged_in(session);
      else if (command->rest.empty()) usage(session, "ECHO <text>");
      else session.send_line("OK Echo: ", command->rest);
    } else if (word == "BROADCAST") {
      broadcast(session, *command);
    } else if (word == "WHO") {
      if (!logged_in(session)) not_logged_in(session);
      else who(session);
    } else if (word == "LOGOUT") {
      if (!logged_in(session)) {
        not_logged_in(session);
      } else {
        session.registry().set_user(session.id(), {});
        session.send_line("OK logged-out");
      }
    } else if (word == "PING") {
      if (command->rest.empty()) session.send_line("OK PONG");
      else session.send_line("OK PONG ", command->rest);
    } else if (word == "HELP") {
      session.send_line("OK ", command_words);
    } else if (word == "QUIT") {
      session.send_line("OK bye");
      session.close();
    } else {
      session.send_line("ERR unknown-command");
    }
    return {};
  }

  // The console's `say`: MSG server <text> to every logged-in client.
  static std::size_t say(Registry& registry, std::string_view text) {
    return registry.broadcast(switchboard::make_line_payload("MSG server " + std::string(text)), 0, logged_in_only);
  }

 private:
  static bool logged_in_only(const switchboard::ClientInfo& info) { return !info.user.empty(); }

  static bool logged_in(Session& session) {
    return !session.registry().user(session.id()).empty();
  }

  static void not_logged_in(Session& session) { session.send_line("ERR not-logged-in"); }

  static void usage(Session& session, std::string_view form) {
    session.send_line("ERR usage ", form);
  }

  static void refuse(Session& session, std::error_code ec) {
    if (ec.category() == switchboard::auth_category())
      session.send_line("ERR ", switchboard::protocol_word(static_cast<switchboard::auth_errc>(ec.value())));
    else
      session.send_line("ERR storage-failure");
  }

  // The command by value: the coroutine runs after on_line has returned.
  //
  // A hash waits in the pool's queue behind the others (tens of ms each at
  // the default cost; a long queue is minutes). Jobs whose session has
  // begun to close by their turn (the server stopping, a kick, a cut) are
  // not done: nobody would read the answer, and a stopping server would
  // wait for all of them.
  asio::awaitable<void> register_user(Session& session, Command command) {
    const auto credentials = split_credentials(command.rest);
    if (!credentials) co_return usage(session, "REGISTER <user> <password>");
    std::string user(credentials->user), password(credentials->password);
    const auto ec = co_await pool_->run([&] {
      if (session.closing()) return std::make_error_code(std::errc::operation_canceled);
      return store_->register_user(user, password);
    });
    if (ec) co_return refuse(session, ec);
    session.send_line("OK registered ", user);  // the row is committed
  }

  asio::awaitable<void> login(Session& session, Command command) {
    const auto credentials = split_credentials(command.rest);
    if (!credentials) co_return usage(session, "LOGIN <user> <password>");
    if (logged_in(session)) co_return session.send_line("ERR already-logged-in");
    std::string user(credentials->user), password(credentials->password);
    const std::string folded = switchboard::fold_username(user);
    if (!throttle_allows(folded, session.id())) co_return session.send_line("ERR too-many-attempts");
    // The throttle is asked again when the job's turn comes, and a failure
    // counts as soon as its hash is done: LOGINs of one name queued by many
    // connections at once stop being checked after the 5th failure, as
    // they would one after another.
    enum class Verdict { checked, throttled, abandoned };
    std::error_code ec;
    std::string registered;
    const Verdict verdict = co_await pool_->run([&] {
      if (session.closing()) return Verdict::abandoned;
      if (!throttle_allows(folded, session.id())) return Verdict::throttled;
      ec = store_->verify(user, password, &registered);
      if (ec == switchboard::auth_errc::bad_credentials) {
        by_name_->failed(folded);
        by_connection_->failed(session.id());
      }
      return Verdict::checked;
    });
    if (verdict == Verdict::abandoned) co_return;
    if (verdict == Verdict::throttled) co_return session.send_line("ERR too-many-attempts");
    if (ec) co_return refuse(session, ec);
    session.registry().set_user(session.id(), registered);
    session.send_line("OK logged-in ", registered);
  }

  bool throttle_allows(const std::string& folded, std::uint64_t connection) const {
    return by_name_->allowed(folded) && by_connection_->allowed(connection);
  }

  static void broadcast(Session& session, const Command& command) {
    const std::string user = session.registry().user(session.id());
    if (user.empty()) return not_logged_in(session);
    if (!command.had_rest) return usage(session, "BROADCAST <text>");
    if (command.rest.empty()) return session.send_line("ERR empty-message");
    // One payload for every receiver. The text is one line already (the
    // framer split at LF), so it can never forge a line or a sender.
    const auto payload = switchboard::make_line_payload("MSG " + user + " " + std::string(command.rest));
    const std::size_t sent = session.registry().broadcast(payload, session.id(), logged_in_only);
    session.send_line("OK sent ", std::to_string(sent));
  }

  static void who(Session& session) {
    std::vector<std::string> names;
    for (auto& row : session.registry().snapshot())
      if (!row.user.empty()) names.push_back(std::move(row.user));
    const auto folded_less = [](const std::string& a, const std::string& b) {
      return switchboard::fold_username(a) < switchboard::fold_username(b);
    };
    std::sort(names.begin(), names.end(), folded_less);
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::string reply = "OK " + std::to_string(names.size());
    for (const auto& name : names) reply += " " + name;
    session.send_line(reply);
  }

  switchboard::AuthStore* store_;
  switchboard::HashPool* pool_;
  // Held by pointer: the handler is moved into the Server, a mutex cannot be.
  std::unique_ptr<switchboard::LoginThrottle<std::string>> by_name_;
  std::unique_ptr<switchboard::LoginThrottle<std::uint64_t>> by_connection_;
};

using ChatHandler = BasicChatHandler<switchboard::Session>;

}  // namespace chat
