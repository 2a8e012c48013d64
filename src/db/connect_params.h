// Everything a backend needs to open a session to one member of the cluster.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/tls_mode.h"
#include "base/topology.h"

namespace rse {

inline constexpr const char* kApplicationName = "replica_sql_exporter";

struct ConnectParams {
  std::string host;
  int port = 0;
  std::string database;
  std::string user;
  std::string password;  // Already resolved; never logged.
  std::chrono::milliseconds connect_timeout{2'000};
  // Session guards: how long a statement may wait for a lock, and how long a
  // transaction may sit idle, before the server gives up on it.
  std::chrono::milliseconds lock_timeout{5'000};
  std::chrono::milliseconds idle_in_transaction_timeout{60'000};
  // PostgreSQL: the session's statement_timeout, for what sets none of its
  // own (the probe; catalog queries set theirs). 0: none.
  std::chrono::milliseconds statement_timeout{0};
  TlsMode tls_mode = TlsMode::kPrefer;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::vector<std::string> session_sql;
  // PostgreSQL: PgBouncer in front, by pooling mode. Decides where the guards
  // go (startup options, the session, or every transaction) and whether a
  // prepared statement may be kept.
  Pooler pooler = Pooler::kNone;
  // PostgreSQL: every catalog statement runs after a gate that stops its
  // transaction on a server not in recovery. Only the tests of the read-only
  // guards turn it off, to reach a primary with them.
  bool replica_gate = true;
};

}  // namespace rse
