// What a probe learns about one server's place in replication.
#pragma once

#include <optional>
#include <string>

namespace rse {

struct ReplicaState {
  // False: a primary (not in recovery / writable without a replication channel).
  bool is_replica = false;
  // The replication stream from the primary is up (PostgreSQL walreceiver
  // streaming; MySQL/MariaDB IO thread running).
  bool streaming = false;
  // Changes are being applied (PostgreSQL replay not paused; MySQL SQL thread running).
  bool applying = false;
  // Seconds behind the primary; nullopt when the server cannot tell.
  std::optional<double> lag_seconds;
  // Non-empty when this server belongs to a master-election system (Galera,
  // Group Replication): says which, for the refusal message.
  std::string election;
  // Which server answered, as it names itself (PostgreSQL: its address and
  // port; MySQL/MariaDB: host, port and server_id); empty when unknown. Two
  // sessions to one address that report different servers went through a
  // load balancer.
  std::string server;
};

}  // namespace rse
