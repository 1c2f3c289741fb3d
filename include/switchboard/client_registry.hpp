// switchboard/client_registry.hpp: who is connected.
//
// The registry is the one place that knows every connection: the console's
// list, count and kick, and every broadcast go through it. It holds
// weak references, so a session on its way out is skipped, never kept alive.
//
// Thread-safe. The mutex is held only to copy what an operation needs;
// sending happens outside it, so a slow session never stalls the registry.
// Broadcast targets are kept as an immutable snapshot rebuilt only after a
// change, so a broadcast to N clients takes the lock once, briefly.
//
// A server's registry is ClientRegistry, of switchboard::Session. The
// session type is a parameter so code written against the registry can be
// driven without sockets: the chat handler's fuzz target registers
// in-memory sessions. Such a type needs id(), remote_address(),
// connected_at(), deliver(Payload) and close(errc), as Session has them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "switchboard/error.hpp"
#include "switchboard/payload.hpp"
#include "switchboard/session.hpp"

namespace switchboard {

// One row of ClientRegistry::snapshot(): what `list` shows.
struct ClientInfo {
  std::uint64_t id = 0;
  std::string address;  // "127.0.0.1:56552", "[::1]:56552"
  std::string user;     // empty until the handler calls set_user()
  std::chrono::steady_clock::time_point connected_at{};
};

template <class SessionType>
class BasicClientRegistry {
 public:
  using Session = SessionType;

  // A new id: positive, never reused during the life of the process (the
  // counter is process-wide, so two servers in one process never share one).
  static std::uint64_t next_id() noexcept {
    static std::atomic<std::uint64_t> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
  }

  void add(const std::shared_ptr<Session>& session) {
    std::lock_guard lock(mutex_);
    entries_.insert_or_assign(session->id(), Entry{session, ClientInfo{session->id(), session->remote_address(), {}, session->connected_at()}});
    targets_.reset();
  }

  // True if the id was present.
  bool remove(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    targets_.reset();
    return entries_.erase(id) != 0;
  }

  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

  // Records who is logged in on a connection ("" when nobody is).
  void set_user(std::uint64_t id, std::string user) {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(id); it != entries_.end()) {
      it->second.info.user = std::move(user);
      targets_.reset();
    }
  }

  std::string user(std::uint64_t id) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    return it == entries_.end() ? std::string{} : it->second.info.user;
  }

  // Every connection, in increasing id order.
  std::vector<ClientInfo> snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<ClientInfo> rows;
    rows.reserve(entries_.size());
    for (const auto& [id, entry] : entries_) rows.push_back(entry.info);
    return rows;
  }

  std::shared_ptr<Session> find(std::uint64_t id) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : it->second.session.lock();
  }

  // Every live session (stop() uses it to say goodbye).
  std::vector<std::shared_ptr<Session>> sessions() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Session>> all;
    all.reserve(entries_.size());
    for (const auto& [id, entry] : entries_)
      if (auto session = entry.session.lock()) all.push_back(std::move(session));
    return all;
  }

  // Closes connection `id` with `reason` (BYE kicked). False if no such id.
  bool kick(std::uint64_t id, errc reason = errc::kicked) {
    auto session = find(id);
    if (!session) return false;
    session->close(reason);
    return true;
  }

  // Queues `payload` to every connection but `except` (0: none) for which
  // include(const ClientInfo&) is true; returns how many it was queued to
  // (a connection already closing, after its goodbye, takes nothing).
  template <class Include>
  std::size_t broadcast(const Payload& payload, std::uint64_t except, Include include) {
    std::size_t queued = 0;
    // Named, not `*targets()` in the for: the snapshot must outlive the loop.
    const std::shared_ptr<const Targets> snapshot = targets();
    for (const Target& target : *snapshot) {
      if (target.info.id == except || !include(target.info)) continue;
      if (auto session = target.session.lock(); session && session->deliver(payload)) ++queued;
    }
    return queued;
  }

  std::size_t broadcast(const Payload& payload, std::uint64_t except = 0) {
    return broadcast(payload, except, [](const ClientInfo&) { return true; });
  }

 private:
  struct Entry {
    std::weak_ptr<Session> session;
    ClientInfo info;
  };
  using Target = Entry;
  using Targets = std::vector<Target>;

  std::shared_ptr<const Targets> targets() {
    std::lock_guard lock(mutex_);
    if (!targets_) {
      auto fresh = std::make_shared<Targets>();
      fresh->reserve(entries_.size());
      for (const auto& [id, entry] : entries_) fresh->push_back(entry);
      targets_ = std::move(fresh);
    }
    return targets_;
  }

  mutable std::mutex mutex_;
  std::map<std::uint64_t, Entry> entries_;
  std::shared_ptr<const Targets> targets_;  // null after a change
};

// A Server's registry, ClientRegistry = BasicClientRegistry<Session>, is
// declared next to Session (session.hpp), which hands it to handlers.

}  // namespace switchboard
