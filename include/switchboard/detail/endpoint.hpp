// switchboard/detail/endpoint.hpp: an endpoint as people write it.
#pragma once

#include <string>

#include "switchboard/detail/asio_compat.hpp"

namespace switchboard::detail {

// "127.0.0.1:5000", "[::1]:5000".
inline std::string format_endpoint(const asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string port = std::to_string(endpoint.port());
  if (address.is_v6()) return "[" + address.to_string() + "]:" + port;
  return address.to_string() + ":" + port;
}

}  // namespace switchboard::detail
