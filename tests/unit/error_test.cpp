#include <switchboard/error.hpp>
#include <switchboard/options.hpp>

#include <stdexcept>
#include <system_error>

#include <doctest/doctest.h>

TEST_SUITE("unit") {

TEST_CASE("every error code has its protocol word and a sentence") {
  using switchboard::errc;
  const std::error_code ec = errc::slow_consumer;
  CHECK(ec.category().name() == std::string("switchboard"));
  CHECK(ec.message().find("--max-queue") != std::string::npos);
  CHECK(switchboard::farewell_line(errc::slow_consumer) == "BYE slow-consumer");
  CHECK(switchboard::farewell_line(errc::kicked) == "BYE kicked");
  CHECK(switchboard::farewell_line(errc::server_shutdown) == "BYE server-shutdown");
  CHECK(switchboard::farewell_line(errc::idle_timeout) == "BYE idle-timeout");
  CHECK(switchboard::farewell_line(errc::line_too_long) == "ERR line-too-long");
  CHECK(switchboard::farewell_line(errc::server_full) == "ERR server-full");
  CHECK_FALSE(std::error_code{});  // 0 stays success
}

TEST_CASE("options are validated once, naming the flag") {
  switchboard::ServerOptions options;
  CHECK_NOTHROW(options.validate());
  options.max_line = 0;
  CHECK_THROWS_WITH_AS(options.validate(), "--max-line must be at least 1", std::invalid_argument);
  options = {};
  options.max_queue = 0;
  CHECK_THROWS_AS(options.validate(), std::invalid_argument);
  options = {};
  CHECK(options.effective_threads() >= 1);
}

}  // TEST_SUITE
