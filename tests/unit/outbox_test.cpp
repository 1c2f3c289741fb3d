#include <switchboard/detail/outbox.hpp>

#include <vector>

#include <doctest/doctest.h>

TEST_SUITE("unit") {

TEST_CASE("outbox: counts bytes, pops from the front, keeps what is in flight, gathers in order") {
  switchboard::detail::Outbox outbox;
  CHECK(outbox.empty());
  outbox.push_back(switchboard::make_payload("one\n"));
  outbox.push_back(switchboard::make_payload("two!\n"));
  outbox.push_back(switchboard::make_payload("three\n"));
  CHECK(outbox.size() == 3);
  CHECK(outbox.bytes() == 4 + 5 + 6);

  std::vector<asio::const_buffer> buffers;
  outbox.gather(buffers, 2);
  REQUIRE(buffers.size() == 2);
  CHECK(buffers[0].size() == 4);
  CHECK(buffers[1].size() == 5);

  outbox.pop_front(1);
  CHECK(outbox.bytes() == 11);
  outbox.keep_front(1);  // slow consumer: only the one being written stays
  CHECK(outbox.size() == 1);
  CHECK(outbox.bytes() == 5);
  outbox.pop_front(5);   // more than there is: just empties it
  CHECK(outbox.empty());
  CHECK(outbox.bytes() == 0);
}

TEST_CASE("outbox: one shared payload serves many queues") {
  const auto payload = switchboard::make_line_payload("broadcast");
  std::vector<switchboard::detail::Outbox> queues(10);
  for (auto& queue : queues) queue.push_back(payload);
  CHECK(payload.use_count() == 11);  // one allocation, eleven owners
  for (auto& queue : queues) queue.pop_front(1);
  CHECK(payload.use_count() == 1);
}

}  // TEST_SUITE
