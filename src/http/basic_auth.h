// HTTP basic authentication against bcrypt hashes (exporter-toolkit's
// basic_auth_users), with the system libcrypt. bcrypt is slow on purpose, so
// a successful check is remembered for a minute: a scrape every second must
// not spend a core on it. Unknown users cost a bcrypt too, and comparisons are
// constant-time, so timing tells nothing about which users exist. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/mutex.h"

namespace rse {

class BasicAuthenticator {
 public:
  // `users`: user -> bcrypt hash. Empty: every request passes.
  BasicAuthenticator(std::map<std::string, std::string> users, const Clock* clock);

  bool enabled() const { return !users_.empty(); }
  // `authorization`: the Authorization header, or empty when absent.
  bool Allows(std::string_view authorization);

 private:
  bool CheckPassword(const std::string& user, const std::string& password);

  const std::map<std::string, std::string> users_;
  const Clock* const clock_;
  Mutex mu_;
  std::map<std::string, TimePoint> recent_ GUARDED_BY(mu_);  // Digest of user+password+hash -> until.
};

}  // namespace rse
