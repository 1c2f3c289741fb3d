// switchboard/auth_error.hpp: why registering or logging in failed.
//
// One code per ERR word of PROTOCOL.md's REGISTER and LOGIN rows, plus
// storage_failure for a database that cannot be used (an operator's problem,
// never the client's). Like errc, codes start at 1 and have a category.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace switchboard {

enum class auth_errc {
  invalid_username = 1,  // not 1-32 of A-Z a-z 0-9 _ . -, or "server"
  invalid_password,      // not 8-256 bytes
  user_exists,           // the name (in any case) is taken
  bad_credentials,       // unknown name or wrong password: the same answer
  too_many_attempts,     // throttled
  storage_failure,       // the account store could not be read or written
};

// The ERR word for `e` ("invalid-username", ...).
inline std::string_view protocol_word(auth_errc e) noexcept {
  switch (e) {
    case auth_errc::invalid_username: return "invalid-username";
    case auth_errc::invalid_password: return "invalid-password";
    case auth_errc::user_exists: return "user-exists";
    case auth_errc::bad_credentials: return "bad-credentials";
    case auth_errc::too_many_attempts: return "too-many-attempts";
    case auth_errc::storage_failure: return "storage-failure";
  }
  return "unknown";
}

namespace detail {

class auth_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "switchboard.auth"; }

  std::string message(int value) const override {
    switch (static_cast<auth_errc>(value)) {
      case auth_errc::invalid_username:
        return "A user name is 1 to 32 characters of A-Z a-z 0-9 _ . - and not 'server'";
      case auth_errc::invalid_password: return "A password is 8 to 256 bytes";
      case auth_errc::user_exists: return "That user name is already registered (names ignore case)";
      case auth_errc::bad_credentials: return "Unknown user name or wrong password";
      case auth_errc::too_many_attempts: return "Too many failed logins; wait before trying again";
      case auth_errc::storage_failure: return "The account store could not be read or written";
    }
    return "Unknown authentication error";
  }
};

}  // namespace detail

inline const std::error_category& auth_category() noexcept {
  static const detail::auth_category_impl category;
  return category;
}

inline std::error_code make_error_code(auth_errc e) noexcept { return {static_cast<int>(e), auth_category()}; }

}  // namespace switchboard

template <>
struct std::is_error_code_enum<switchboard::auth_errc> : std::true_type {};
