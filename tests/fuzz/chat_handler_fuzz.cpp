// Fuzz target: the whole chat handler (examples/chat_server/chat_handler.hpp)
// driven through in-memory sessions, with an in-memory AuthStore: no
// sockets, so every input is a complete, repeatable conversation.
//
// The input is lines (LF ends one, a CR before it is dropped, empty lines
// are skipped, as the framer does). A line's first byte picks which of three
// clients says the rest, and with its top bit set that client reconnects
// first. Every line's effect is checked, byte for byte, against a model of
// PROTOCOL.md's chat server: the one reply it gets (or none, for a line of
// spaces), the MSG every other logged-in client gets for a BROADCAST and
// nothing anywhere else, the lockout after repeated failed LOGINs, and the
// goodbye and close after QUIT.
#include "../../examples/chat_server/chat_handler.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <switchboard/account_storage.hpp>
#include <switchboard/auth_store.hpp>
#include <switchboard/client_registry.hpp>
#include <switchboard/error.hpp>
#include <switchboard/hash_pool.hpp>
#include <switchboard/payload.hpp>

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

class MemorySession;
using Registry = switchboard::BasicClientRegistry<MemorySession>;

// What the chat handler and the registry ask of a session, with what is
// sent collected in a string instead of written to a socket.
class MemorySession {
 public:
  MemorySession(std::uint64_t id, Registry& registry) : id_(id), registry_(&registry) {}

  std::uint64_t id() const noexcept { return id_; }
  std::string remote_address() const { return "memory:" + std::to_string(id_); }
  std::chrono::steady_clock::time_point connected_at() const noexcept { return connected_at_; }
  Registry& registry() const noexcept { return *registry_; }
  bool is_open() const noexcept { return open_; }
  bool closing() const noexcept { return !open_; }  // asked from the hash pool's threads

  template <class... Parts>
  void send_line(const Parts&... parts) {
    if (!open_) return;
    (sent_.append(std::string_view(parts)), ...);
    sent_.push_back('\n');
  }
  bool deliver(switchboard::Payload payload) {
    if (!open_) return false;
    sent_ += *payload;
    return true;
  }
  void close(switchboard::errc reason) {
    send_line(switchboard::farewell_line(reason));
    open_ = false;
  }
  void close() { open_ = false; }

  std::string take_sent() { return std::exchange(sent_, {}); }

 private:
  std::uint64_t id_;
  Registry* registry_;
  std::chrono::steady_clock::time_point connected_at_ = std::chrono::steady_clock::now();
  std::atomic<bool> open_{true};
  std::string sent_;
};

// One thread hashes, as the server's pool would; shared by every input.
switchboard::HashPool& hash_pool() {
  static switchboard::HashPool pool(1);
  return pool;
}

// What PROTOCOL.md says the server knows, kept apart from the handler.
struct Model {
  static constexpr unsigned max_failures = switchboard::ThrottleOptions{}.max_failures;

  struct Client {
    std::string user;  // "" when not logged in
    unsigned failures = 0;
    bool locked = false;
  };
  struct Account {
    std::string name;
    std::string password;
  };

  // A failed LOGIN counts for the name and the connection; max_failures of
  // them lock the key (an input runs far within the window and the lockout).
  static void fail(unsigned& failures, bool& locked) {
    if (++failures >= max_failures) {
      locked = true;
      failures = 0;
    }
  }

  std::array<Client, 3> clients;
  std::map<std::string, Account> accounts;  // by folded name
  std::map<std::string, std::pair<unsigned, bool>> names;  // folded name: failures, locked
};

std::string error_word(std::error_code ec) {
  return "ERR " + std::string(switchboard::protocol_word(static_cast<switchboard::auth_errc>(ec.value())));
}

class World {
 public:
  World() {
    for (std::size_t slot = 0; slot < sessions_.size(); ++slot) connect(slot);
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World() {
    for (std::size_t slot = 0; slot < sessions_.size(); ++slot) disconnect(slot);
  }

  void reconnect(std::size_t slot) {
    disconnect(slot);
    connect(slot);
  }

  // `line` from client `slot`: the handler's effect must be the model's.
  void say(std::size_t slot, std::string_view line) {
    if (!sessions_[slot]->is_open()) connect(slot);
    std::array<std::string, 3> expected;
    const bool closes = predict(slot, line, expected);
    handle(*sessions_[slot], line);
    for (std::size_t i = 0; i < sessions_.size(); ++i) require(sessions_[i]->take_sent() == expected[i]);
    require(sessions_[slot]->is_open() == !closes);
    if (closes) disconnect(slot);  // as the server does once the socket has closed
  }

 private:
  void connect(std::size_t slot) {
    auto session = std::make_shared<MemorySession>(Registry::next_id(), registry_);
    registry_.add(session);
    handler_.on_connect(*session);
    require(session->take_sent() == "HELLO switchboard 1 " + std::to_string(session->id()) + "\n");
    sessions_[slot] = std::move(session);
  }

  void disconnect(std::size_t slot) {
    auto& session = sessions_[slot];
    if (!session || !registry_.remove(session->id())) return;
    session->close();
    handler_.on_disconnect(*session);
    model_.clients[slot] = {};
  }

  // Runs on_line, and its coroutine to the end when it has one.
  void handle(MemorySession& session, std::string_view line) {
    auto work = handler_.on_line(session, line);
    if (!work) return;
    bool finished = false;
    asio::co_spawn(io_, std::move(*work), [&](std::exception_ptr error) {
      require(!error);
      finished = true;
    });
    io_.restart();
    io_.run();
    require(finished);
  }

  // Fills in what each client must be sent for `line` from `slot`, and
  // moves the model on; true if the client's connection must then close.
  bool predict(std::size_t slot, std::string_view line, std::array<std::string, 3>& sent) {
    const auto command = chat::parse_command(line);
    if (!command) return false;  // spaces only: no answer
    auto& client = model_.clients[slot];
    const bool logged_in = !client.user.empty();
    const std::string& word = command->word;
    std::string reply;
    bool closes = false;
    if (word == "REGISTER" || word == "LOGIN") {
      reply = predict_auth(client, word, command->rest);
    } else if (word == "ECHO") {
      reply = !logged_in ? "ERR not-logged-in" : command->rest.empty() ? "ERR usage ECHO <text>"
                                                                        : "OK Echo: " + std::string(command->rest);
    } else if (word == "BROADCAST") {
      if (!logged_in) {
        reply = "ERR not-logged-in";
      } else if (!command->had_rest) {
        reply = "ERR usage BROADCAST <text>";
      } else if (command->rest.empty()) {
        reply = "ERR empty-message";
      } else {
        std::size_t receivers = 0;
        for (std::size_t i = 0; i < sent.size(); ++i) {
          if (i == slot || model_.clients[i].user.empty()) continue;
          sent[i] = "MSG " + client.user + " " + std::string(command->rest) + "\n";
          ++receivers;
        }
        reply = "OK sent " + std::to_string(receivers);
      }
    } else if (word == "WHO") {
      reply = logged_in ? who() : "ERR not-logged-in";
    } else if (word == "LOGOUT") {
      reply = logged_in ? "OK logged-out" : "ERR not-logged-in";
      client.user.clear();
    } else if (word == "PING") {
      reply = command->rest.empty() ? "OK PONG" : "OK PONG " + std::string(command->rest);
    } else if (word == "HELP") {
      reply = "OK " + std::string(chat::command_words);
    } else if (word == "QUIT") {
      reply = "OK bye";
      closes = true;
    } else {
      reply = "ERR unknown-command";
    }
    sent[slot] = reply + "\n";
    return closes;
  }

  std::string predict_auth(Model::Client& client, const std::string& word, std::string_view rest) {
    const auto credentials = chat::split_credentials(rest);
    if (!credentials) return "ERR usage " + word + " <user> <password>";
    const std::string user(credentials->user), password(credentials->password);
    const std::string folded = switchboard::fold_username(user);
    const auto name_ec = switchboard::check_username(user);
    const auto password_ec = switchboard::check_password(password);
    const auto account = model_.accounts.find(folded);
    if (word == "REGISTER") {
      if (name_ec) return error_word(name_ec);
      if (password_ec) return error_word(password_ec);
      if (account != model_.accounts.end()) return "ERR user-exists";
      model_.accounts.emplace(folded, Model::Account{user, password});
      return "OK registered " + user;
    }
    if (!client.user.empty()) return "ERR already-logged-in";
    auto& [name_failures, name_locked] = model_.names[folded];
    if (name_locked || client.locked) return "ERR too-many-attempts";
    if (!name_ec && !password_ec && account != model_.accounts.end() && account->second.password == password) {
      client.user = account->second.name;
      return "OK logged-in " + client.user;
    }
    Model::fail(name_failures, name_locked);
    Model::fail(client.failures, client.locked);
    return "ERR bad-credentials";
  }

  // WHO: the distinct names logged in, sorted without regard to case.
  std::string who() const {
    std::map<std::string, std::set<std::string>> by_folded;
    for (const auto& client : model_.clients)
      if (!client.user.empty()) by_folded[switchboard::fold_username(client.user)].insert(client.user);
    std::size_t count = 0;
    std::string names;
    for (const auto& [folded, spellings] : by_folded) {
      require(spellings.size() == 1);  // one account, one registered spelling
      names += " " + *spellings.begin();
      ++count;
    }
    return "OK " + std::to_string(count) + names;
  }

  asio::io_context io_;
  switchboard::AuthStore store_{std::make_unique<switchboard::MemoryAccountStorage>(),
                                switchboard::HashCost::minimum()};
  Registry registry_;
  chat::BasicChatHandler<MemorySession> handler_{store_, hash_pool()};
  std::array<std::shared_ptr<MemorySession>, 3> sessions_;
  Model model_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(bytes), size);
  World world;
  // The lockout model assumes an input runs within the throttle's window:
  // a bound on the lines (each may hash) keeps every input well inside it.
  constexpr int max_lines = 1000;
  for (int lines = 0; !input.empty() && lines < max_lines; ++lines) {
    const auto lf = input.find('\n');
    std::string_view line = input.substr(0, lf);
    input.remove_prefix(lf == std::string_view::npos ? input.size() : lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const auto selector = static_cast<unsigned char>(line.front());
    line.remove_prefix(1);
    const std::size_t slot = (selector & 0x7f) % 3;
    if (selector & 0x80) world.reconnect(slot);
    if (!line.empty()) world.say(slot, line);
  }
  return 0;
}
