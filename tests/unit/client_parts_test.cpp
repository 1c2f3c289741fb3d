// The pieces of the client programs that need no server: stress_client's
// histogram and JSON strings, and what chat_client makes of a typed line.
#include "../../examples/chat_client/typed_line.hpp"
#include "../../examples/stress_client/histogram.hpp"
#include "../../examples/stress_client/report.hpp"

#include <cstdint>
#include <random>
#include <vector>
#include <algorithm>

#include <doctest/doctest.h>

using stress::Histogram;

TEST_SUITE("unit") {

TEST_CASE("histogram: buckets tile the values without gaps, each within 1/64 of its values") {
  for (std::size_t i = 0; i + 1 < 3776; ++i) {
    const auto low = Histogram::lowest_in(i), high = Histogram::highest_in(i);
    REQUIRE(Histogram::index_of(low) == i);
    REQUIRE(Histogram::index_of(high) == i);
    REQUIRE(Histogram::lowest_in(i + 1) == high + 1);
    if (low >= 128) REQUIRE(static_cast<double>(high - low) / static_cast<double>(low) <= 1.0 / 64);
  }
  CHECK(Histogram::index_of(UINT64_MAX) == 3775);
}

TEST_CASE("histogram: percentiles agree with a sorted list of the samples to within 1/64") {
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> latency(11.0, 1.5);  // around 60 us, a long tail
  Histogram first, second;
  std::vector<std::uint64_t> samples;
  for (int i = 0; i < 100'000; ++i) {
    const auto value = static_cast<std::uint64_t>(latency(random));
    samples.push_back(value);
    (i % 2 ? first : second).record(value);
  }
  first.merge(second);
  std::sort(samples.begin(), samples.end());
  CHECK(first.count() == samples.size());
  CHECK(first.max() == samples.back());
  CHECK(first.min() == samples.front());
  for (const double fraction : {0.5, 0.9, 0.99, 0.999}) {
    const auto exact = static_cast<double>(samples[static_cast<std::size_t>(fraction * (samples.size() - 1))]);
    const auto estimate = static_cast<double>(first.percentile(fraction));
    INFO("fraction " << fraction << ": exact " << exact << ", estimate " << estimate);
    CHECK(std::abs(estimate - exact) <= exact / 64 + 1);
  }
  CHECK(Histogram().percentile(0.5) == 0);
}

TEST_CASE("report: strings from the wire become valid JSON strings") {
  CHECK(stress::detail::json_string("plain") == "\"plain\"");
  CHECK(stress::detail::json_string("a \"quote\" \\ here") == "\"a \\\"quote\\\" \\\\ here\"");
  CHECK(stress::detail::json_string(std::string_view("\n\x01\xff", 3)) == "\"\\u000a\\u0001\\u00ff\"");
}

TEST_CASE("report: figure names become plain JSON keys") {
  CHECK(stress::detail::json_key("server RSS held (KiB)") == "server_rss_held_kib");
  CHECK(stress::detail::json_key("MSG events received") == "msg_events_received");
  CHECK(stress::detail::json_key("deliveries per second") == "deliveries_per_second");
}

TEST_CASE("chat_client: typed text is a BROADCAST, friendly and protocol commands are recognised") {
  using chat_client::interpret;
  using Kind = chat_client::TypedLine::Kind;
  CHECK(interpret("hello everyone").text == "BROADCAST hello everyone");
  CHECK(interpret("  who is there").text == "BROADCAST who is there");
  CHECK(interpret("/who").text == "WHO");
  CHECK(interpret("/quit").text == "QUIT");
  CHECK(interpret("/echo some text").text == "ECHO some text");
  CHECK(interpret("//slash first").text == "BROADCAST /slash first");
  CHECK(interpret("PING x").text == "PING x");
  CHECK(interpret("LOGIN bob secret-pw").text == "LOGIN bob secret-pw");
  CHECK(interpret("Who knows").text == "BROADCAST Who knows");  // commands go as typed only in capitals
  CHECK(interpret("   ").kind == Kind::nothing);
  CHECK(interpret("/help").kind == Kind::show);
  const auto unknown = interpret("/frobnicate now");
  CHECK(unknown.kind == Kind::show);
  CHECK(unknown.text == "unknown command /frobnicate (try /help)");
}

}  // TEST_SUITE
