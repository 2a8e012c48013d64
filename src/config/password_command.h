// A credential helper run for new connections (password_command): cloud IAM
// tokens, Vault, rotating secrets. Its first line of output is the password,
// kept per member for the configured TTL. Bounded by a timeout; its failure is
// a clear error that never carries what it printed. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"

namespace rse {

struct PasswordCommandSpec {
  std::vector<std::string> argv;         // Program (looked up in PATH) and arguments.
  std::chrono::milliseconds ttl{0};      // 0: run for every new connection.
  std::chrono::milliseconds timeout{5'000};
  bool operator==(const PasswordCommandSpec&) const = default;
};

// Where the connection goes, for the helper's environment: RSE_DB_HOST,
// RSE_DB_PORT, RSE_DB_USER, RSE_DB_NAME (a cloud token is issued per host).
struct PasswordTarget {
  std::string host;
  int port = 0;
  std::string user;
  std::string database;
};

class PasswordCommand {
 public:
  explicit PasswordCommand(PasswordCommandSpec spec) : spec_(std::move(spec)) {}

  // The password for `target`: cached within the TTL, else the helper's
  // first line (without its newline). Unavailable when it cannot start,
  // exits non-zero, prints nothing or outlives its timeout.
  StatusOr<std::string> Get(const PasswordTarget& target);

 private:
  struct Cached {
    std::string password;
    std::chrono::steady_clock::time_point until;
  };
  const PasswordCommandSpec spec_;
  Mutex mu_;
  std::map<std::string, Cached> cache_ GUARDED_BY(mu_);  // By "host:port".
};

// Whether `program` names an executable file: a path (with a '/'), or a name
// found in PATH, as posix_spawnp would.
bool FindExecutable(const std::string& program);

// Runs `argv` with `extra_env` added to the environment; its standard output
// (up to 64 KiB) when it exits 0 within `timeout`. Killed at the timeout.
StatusOr<std::string> RunHelper(const std::vector<std::string>& argv,
                                const std::vector<std::string>& extra_env,
                                std::chrono::milliseconds timeout);

}  // namespace rse
