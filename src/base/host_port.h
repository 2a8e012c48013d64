// "host:port" addresses as written in the config: "db1:5432", "10.0.0.1:3306",
// "[::1]:5432", and ":10399" (all interfaces) for the listener.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace rse {

struct HostPort {
  std::string host;  // Without IPv6 brackets; empty means "all interfaces".
  int port = 0;
  // Back to the configured spelling, brackets restored for IPv6.
  std::string ToString() const;
  bool operator==(const HostPort&) const = default;
};

// `allow_empty_host` for listen addresses; `allow_port_zero` for "any free port".
StatusOr<HostPort> ParseHostPort(std::string_view text, bool allow_empty_host,
                                 bool allow_port_zero);

}  // namespace rse
