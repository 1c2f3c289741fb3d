// switchboard/payload.hpp: bytes queued to one or many connections.
//
// A payload is immutable and shared: a broadcast to N clients allocates it
// once and each connection's queue holds a reference until its copy is
// written. Payloads hold complete lines (with their LF) in line mode.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace switchboard {

using Payload = std::shared_ptr<const std::string>;

inline Payload make_payload(std::string bytes) {
  return std::make_shared<const std::string>(std::move(bytes));
}

// A payload holding `line` followed by LF.
inline Payload make_line_payload(std::string_view line) {
  std::string bytes;
  bytes.reserve(line.size() + 1);
  bytes.append(line).push_back('\n');
  return make_payload(std::move(bytes));
}

}  // namespace switchboard
