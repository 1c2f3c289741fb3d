// switchboard/account_rules.hpp: PROTOCOL.md's rules for names and passwords.
//
// Pure functions, so the rules are tested and fuzzed without a database.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

#include "switchboard/auth_error.hpp"

namespace switchboard {

inline constexpr std::size_t max_username = 32;
inline constexpr std::size_t min_password = 8;
inline constexpr std::size_t max_password = 256;

// The form names are compared in: ASCII lower case ("Alice" and "alice"
// are one account). Only ASCII can be in a valid name.
inline std::string fold_username(std::string_view name) {
  std::string folded(name);
  for (char& c : folded)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return folded;
}

// invalid_username unless 1-32 of A-Z a-z 0-9 _ . - and not "server" (any case).
inline std::error_code check_username(std::string_view name) {
  if (name.empty() || name.size() > max_username) return auth_errc::invalid_username;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return auth_errc::invalid_username;
  }
  if (fold_username(name) == "server") return auth_errc::invalid_username;  // the console's say
  return {};
}

// invalid_password unless 8-256 bytes (any bytes, spaces included).
inline std::error_code check_password(std::string_view password) {
  if (password.size() < min_password || password.size() > max_password) return auth_errc::invalid_password;
  return {};
}

}  // namespace switchboard
