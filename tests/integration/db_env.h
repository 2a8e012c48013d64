// The real clusters started by scripts/cluster/start_databases.sh, as the
// integration tests see them: endpoints, credentials, and an administrator
// session for arranging situations (pausing replay, promoting, killing).
// A missing cluster fails the test; it is never skipped.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "config/exporter_config.h"
#include "db/connect_params.h"
#include "db/connection.h"

namespace rse::testing {

struct ClusterEnv {
  std::string name;  // "postgres" or "mariadb": also the gtest parameter name.
  Engine engine = Engine::kPostgres;
  HostPort primary;
  std::vector<HostPort> replicas;
  std::string user;
  std::string password;
  // replicas[0] serves TLS with a certificate signed by tls_ca; replicas[1] is plain.
  std::string tls_ca;
  std::string tls_other_ca;  // A CA that signed nothing of ours.

  ConnectParams Params(const HostPort& member) const;
  // The same, as a superuser who may write: proves read-only is our doing, not grants'.
  ConnectParams AdminParams(const HostPort& member) const;
  std::unique_ptr<Backend> MakeBackend() const;
  // A minimal valid cluster config over `members`, for pool tests.
  ClusterConfig Cluster(const std::vector<HostPort>& members) const;
};

// Names the gtest parameter by engine instead of by pointer value.
inline void PrintTo(const ClusterEnv* env, std::ostream* os) { *os << env->name; }

// The one-node MariaDB Galera cluster (master election) of start_databases.sh.
HostPort GaleraMember();

const ClusterEnv& PostgresEnv();
const ClusterEnv& MariadbEnv();
std::vector<const ClusterEnv*> AllEnvs();

// Runs `sql` as a superuser on `member` outside any read-only guard; returns
// the rows as text. A failure fails the calling test. PostgreSQL: in
// `database` (default shop); MySQL/MariaDB qualify names instead.
std::vector<std::vector<std::string>> AdminQuery(const ClusterEnv& env, const HostPort& member,
                                                 const std::string& sql,
                                                 const std::string& database = "");
void AdminExec(const ClusterEnv& env, const HostPort& member, const std::string& sql,
               const std::string& database = "");

// Polls `condition` until it holds or `ceiling` passes; true if it held. The
// ceiling is generous: it only stops a broken test, it is not what is tested.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds ceiling = std::chrono::seconds(30));

// One look at `member`'s replication state, through a fresh exporter session.
StatusOr<ReplicaState> ProbeMember(const ClusterEnv& env, const HostPort& member);

// Writes a marker on the primary and waits until every replica has it.
void WaitReplicasCaughtUp(const ClusterEnv& env);

// Stops or restarts one server ("primary", "replica1", "replica2") with
// scripts/cluster/member.sh, which writes nothing to any server.
void StopMember(const ClusterEnv& env, const std::string& name);
void StartMember(const ClusterEnv& env, const std::string& name);  // A no-op if it runs.
void RestartMember(const ClusterEnv& env, const std::string& name);
// kill -9 of every process of one server: a crash, no goodbye to the clients.
void KillMember(const ClusterEnv& env, const std::string& name);
// SIGSTOP / SIGCONT every process of one server: hung, yet holding its port.
void PauseMember(const ClusterEnv& env, const std::string& name);
void ResumeMember(const ClusterEnv& env, const std::string& name);

// The server log of a PostgreSQL member ("primary", "replica1", "replica2")
// as start_databases.sh writes it.
std::string PostgresLogPath(const std::string& name);

// Re-runs start_databases.sh for this engine, which repairs whatever a test
// did to the cluster (promotion, paused replay, stopped threads).
void RepairCluster(const ClusterEnv& env);

}  // namespace rse::testing
