// A program outside the project using the installed account store.
#include <switchboard/auth_store.hpp>

#include <cstdio>
#include <string>

int main() {
  switchboard::AuthStore store(":memory:", switchboard::HashCost::minimum());
  std::string name;
  if (store.register_user("Alice", "password1") || store.verify("alice", "password1", &name) || name != "Alice") {
    std::fputs("consumer_auth: register/verify failed\n", stderr);
    return 1;
  }
  return 0;
}
