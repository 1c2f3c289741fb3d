// switchboard/detail/outbox.hpp: a connection's queue of payloads to write.
//
// A vector with a moving front rather than std::deque, whose empty state
// already allocates (libstdc++: about 600 bytes): the outbox of an idle
// connection holds no memory at all, and the storage is released each time
// the queue drains. Counts its bytes, which is what max_queue bounds.
#pragma once

#include <cstddef>
#include <vector>

#include "switchboard/detail/asio_compat.hpp"
#include "switchboard/payload.hpp"

namespace switchboard::detail {

class Outbox {
 public:
  bool empty() const noexcept { return head_ == items_.size(); }
  std::size_t size() const noexcept { return items_.size() - head_; }
  std::size_t bytes() const noexcept { return bytes_; }

  void push_back(Payload payload) {
    bytes_ += payload->size();
    items_.push_back(std::move(payload));
  }

  // Removes the first `count` payloads (they were written).
  void pop_front(std::size_t count) noexcept {
    for (; count != 0 && !empty(); --count) {
      bytes_ -= items_[head_]->size();
      items_[head_++].reset();
    }
    if (empty()) clear();
  }

  // Removes the first `n` bytes (a write took them): whole payloads, and
  // the front of a payload that was written in part.
  void consume(std::size_t n) {
    while (n != 0 && !empty()) {
      Payload& front = items_[head_];
      if (n >= front->size()) {
        n -= front->size();
        bytes_ -= front->size();
        front.reset();
        ++head_;
      } else {
        front = make_payload(front->substr(n));
        bytes_ -= n;
        n = 0;
      }
    }
    if (empty()) clear();
  }

  // Keeps the first `count` payloads and drops the rest.
  void keep_front(std::size_t count) noexcept {
    while (size() > count) {
      bytes_ -= items_.back()->size();
      items_.pop_back();
    }
    if (empty()) clear();
  }

  // Appends buffers for up to `max` payloads from the front to `buffers`.
  void gather(std::vector<asio::const_buffer>& buffers, std::size_t max) const {
    for (std::size_t i = head_; i < items_.size() && buffers.size() < max; ++i)
      buffers.push_back(asio::buffer(*items_[i]));
  }

  void clear() noexcept {
    std::vector<Payload>().swap(items_);
    head_ = 0;
    bytes_ = 0;
  }

 private:
  std::vector<Payload> items_;
  std::size_t head_ = 0;  // items_[head_] is the front
  std::size_t bytes_ = 0;
};

}  // namespace switchboard::detail
