// What stands between the exporter and the servers: a connection pooler
// (PgBouncer, by pooling mode), whether a configured address is one server
// or a load balancer over several, and what to serve when every replica lags.
// Shared by the config, the backends and the pool.
#pragma once

namespace rse {

// How a PostgreSQL session maps onto server sessions.
enum class Pooler {
  kNone,         // "none": our session is the server's session.
  kSession,      // "pgbouncer-session": one server session for our session's life.
  kTransaction,  // "pgbouncer-transaction": a server session per transaction.
  kStatement,    // "pgbouncer-statement": a server session per statement; no
                 // transaction may outlive one query message.
};
inline constexpr Pooler kAllPoolers[] = {Pooler::kNone, Pooler::kSession, Pooler::kTransaction,
                                         Pooler::kStatement};
// "none", "pgbouncer-session", "pgbouncer-transaction", "pgbouncer-statement".
const char* PoolerName(Pooler pooler);

// What one configured address reaches.
enum class MembersAre {
  kServers,        // "servers": one server; a primary seen there makes the address a primary.
  kLoadBalancers,  // "load_balancers": any of several servers, per connection: a primary
                   // seen on one connection condemns that connection, not the address.
};
inline constexpr MembersAre kAllMembersAre[] = {MembersAre::kServers, MembersAre::kLoadBalancers};
const char* MembersAreName(MembersAre members);

// What a scrape gets when every verified replica is out of the rotation.
enum class WhenAllLagging {
  kRefuse,       // "refuse": nothing; replica_sql_up 0.
  kLeastLagged,  // "least_lagged": the replica with the smallest lag (never a primary).
};

// What to do instead of pointing this exporter at a master-election cluster;
// said wherever such a cluster is refused (config, startup, runtime).
inline constexpr const char* kPerInstanceAdvice =
    "such clusters must be monitored per instance: run one postgres_exporter or mysqld_exporter "
    "per server and handle masterness in Prometheus; this exporter only serves clusters whose "
    "replicas are interchangeable";

}  // namespace rse
