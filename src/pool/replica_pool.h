// A load-balanced pool over the replicas of one cluster. Each scrape is served
// by one healthy replica, chosen round-robin and probed on the connection that
// will serve it; a primary is never handed out. Connections are opened lazily,
// capped per member, and reused across scrapes. There are no background
// timers: members are probed only when a scrape needs them. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/deadline.h"
#include "base/log.h"
#include "base/mutex.h"
#include "base/topology.h"
#include "db/connect_params.h"
#include "db/connection.h"
#include "pool/lease.h"
#include "pool/member.h"
#include "pool/replica_health.h"

namespace rse {

struct PoolOptions {
  ConnectParams
      connect;  // Shared by all members; host, port and password are filled per connection.
  // Read at each connect to a member's host and port, never stored here.
  std::function<StatusOr<std::string>(const std::string& host, int port)> password;
  std::chrono::milliseconds max_replication_lag{30'000};
  int connections_per_replica = 2;
  std::chrono::milliseconds min_backoff{1'000};  // A down member is retried after this, doubling...
  std::chrono::milliseconds max_backoff{30'000};  // ...up to this.
  // A probe that takes longer marks the member down (a hung or stopped server
  // costs a scrape at most this, plus the abort grace).
  std::chrono::milliseconds probe_timeout{1'000};
  int rise = 2;  // Consecutive healthy verdicts before a member returns to the rotation.
  int fall = 2;  // Consecutive lagging verdicts before it leaves (down leaves at once).
  WhenAllLagging when_all_lagging = WhenAllLagging::kRefuse;
  // Load balancers: a session that reaches a server unfit to serve (a primary,
  // a lagging replica) is closed and another opened, up to kLoadBalancerTries
  // in a row; the address is judged only when all of them were unfit. A
  // "servers" member whose sessions report different servers is treated so.
  MembersAre members_are = MembersAre::kServers;
};

// Sessions opened in a row to one load-balanced address before its verdict is
// the last one's: a round-robin balancer over a primary and two replicas
// reaches a replica within two.
inline constexpr int kLoadBalancerTries = 3;

// What replica_sql_replica_* metrics and /status show of one member.
struct MemberSnapshot {
  std::string label;
  MemberState state = MemberState::kDown;
  std::optional<double> lag_seconds;
  uint64_t scrapes_served = 0;
  uint64_t state_changes = 0;
  uint64_t recovery_conflicts = 0;
  // Sessions closed because the server they reached was unfit (load
  // balancers), or whose statement found a primary there (replica gate).
  uint64_t sessions_rejected = 0;
  // The rest is for /status.
  std::string reason;  // Why it may not serve now; empty when healthy.
  TimePoint since{};   // When `state` began (or the pool was made).
  std::string role;    // "replica", "primary", "election member" or "unknown".
  std::string server;  // The server its first session reported, if any.
  bool load_balancer = false;  // Configured so, or seen to be one.
  int rising = 0, rise = 0;    // Healthy verdicts in a row toward `rise`, out of the rotation.
  int falling = 0, fall = 0;   // Lagging verdicts in a row toward `fall`, in it.
  int sessions_open = 0, sessions_idle = 0, sessions_waiting = 0, sessions_cap = 0;
  std::optional<TimePoint> retry_at;  // Down or primary: not tried again before this.
  std::string last_error;             // The latest reason it could not serve, if ever.
  TimePoint last_error_at{};
};

class ReplicaPool {
 public:
  ReplicaPool(std::vector<Member> members, PoolOptions options, Backend* backend,
              const Clock* clock, Logger* logger);
  ~ReplicaPool();
  ReplicaPool(const ReplicaPool&) = delete;
  ReplicaPool& operator=(const ReplicaPool&) = delete;

  // After a reload that changed only the member list: takes over, for every
  // member `previous` also had, its idle sessions, health and counters. Both
  // pools must use the same backend (sessions belong to it). Call before this
  // pool is shared. Returns how many members were taken over. When some
  // were, the others are new and wait for `rise` healthy probes.
  size_t AdoptMembersFrom(ReplicaPool& previous);

  // A probed connection to a healthy replica for one scrape, round-robin over
  // the members not in `exclude` (those that already failed this scrape).
  // Unavailable when none is healthy, with each member's reason.
  StatusOr<Lease> AcquireForScrape(const Deadline& deadline, const std::set<size_t>& exclude = {});

  // One more connection to `member`, already chosen for this scrape, for a
  // query that runs in parallel. Waits for a free slot until `deadline`. A
  // session opened for it is probed first, like the scrape's first: every
  // session is checked on the server it reached before it runs a query.
  // `database` (a fan-out query's; "" the configured one): a session in that
  // database, an idle one moved there (MySQL/MariaDB), or a new one (in place
  // of an idle one of another database when the member is at its cap:
  // connections_per_replica holds across databases).
  StatusOr<Lease> AcquireMore(size_t member, const Deadline& deadline,
                              const std::string& database = {});

  // `member` failed at the connection level (a query's session broke, a
  // probe failed): it is down. Retried at the next scrape when the connection
  // was refused (nothing listens yet: a restart), else after a growing backoff.
  void MarkDown(size_t member, const Status& why);

  // A statement on `member` found its session on a server that must not serve
  // (Status::FailedPrecondition, the PostgreSQL replica gate). Servers: the
  // member is a primary. Load balancers: that session alone was wrong; it is
  // counted. True when `member` may go on serving (load balancers).
  bool RejectSession(size_t member, const Status& why);

  // Connects to each member once, several at a time, and refuses the cluster
  // if any belongs to a master-election system. Unreachable members are fine
  // (they may come back).
  Status CheckForMasterElection(const Deadline& deadline);

  // A query met a recovery conflict on `member` (a healthy replica still).
  void CountRecoveryConflict(size_t member);

  // Whether some member (other than `besides`) was healthy (in the
  // rotation) when last checked.
  bool AnyInRotation(std::optional<size_t> besides = std::nullopt) const;

  std::vector<MemberSnapshot> Snapshot() const;
  std::vector<Member> members() const;
  const std::string& label(size_t member) const;
  // The lag its latest probe measured (nullopt when unknown or never probed).
  std::optional<double> lag(size_t member) const;

 private:
  friend class Lease;
  struct Slot;
  struct IdleSession;
  // What one round of probes learned: why members could not serve, and a
  // member whose only fault is a broken replication stream (a last resort).
  struct Judgement {
    std::vector<std::string> reasons;
    std::optional<Lease> fallback;
    std::optional<Lease> least_lagged;  // The verified replica with the smallest lag seen.
    double least_lag = 0;
  };

  // The one probe → judge → record path: probes the member on `taken` and
  // records its state (down, lagging, primary, refused...). Returns the lease
  // when the member may serve a scrape; otherwise notes why in `judgement`.
  std::optional<Lease> ProbeAndJudge(size_t member, StatusOr<Lease> taken, const Deadline& deadline,
                                     Judgement* judgement);
  // ProbeAndJudge's verdict on a probe that answered: records the member's
  // state; the lease back when it may serve, else notes why in `judgement`
  // (and keeps the session as a fallback or the least lagged, when it is one).
  std::optional<Lease> Judge(size_t member, Lease taken, const ReplicaState& probe,
                             Judgement* judgement);
  // The members to try now, in the rotation's `order`: not excluded, not
  // waiting out a backoff (noted in `judgement`). When the scrape is too
  // short to judge a down member due for a retry, it goes last: a hung one
  // would cost the scrape and give no verdict.
  std::vector<size_t> TryOrder(const std::vector<size_t>& order, const std::set<size_t>& exclude,
                               const Deadline& deadline, Judgement* judgement);
  // A scrape's lease when no member in the rotation serves: the member whose
  // only fault is its stream, or the least lagged (when_all_lagging); else
  // Unavailable with every member's reason.
  StatusOr<Lease> WhenNoneServes(Judgement* judgement);
  // `lease`, counted as serving one more scrape.
  Lease Served(Lease lease);
  // A probe's deadline within `deadline` (the member's share of the scrape),
  // and whether its silence would be a verdict on the member.
  Deadline ProbeDeadline(const Deadline& deadline, bool* verdict_if_silent) const;
  // Load balancers: while the session in `taken` reached a server whose
  // `verdict` says it may not serve, closes it and probes a new one (up to
  // kLoadBalancerTries sessions). Leaves the last session and its probe.
  void ProbeBehindBalancer(size_t member, StatusOr<Lease>& taken, StatusOr<ReplicaState>& probe,
                           const Deadline& probe_deadline, const Deadline& deadline);

  // Each session is judged on its own: configured (members_are), or seen
  // (its sessions reported different servers).
  bool BehindBalancer(size_t member) const;
  // Remembers the server a session of `member` reached; a second, different
  // one makes the member a load balancer (logged once), and a verdict its
  // address got from one session (primary, lagging) is forgotten.
  void NoteServer(size_t member, const std::string& server);

  // Takes an idle connection in `database` ("": the configured one), opens
  // one if under the cap, or moves an idle one of another database there
  // (closed and reopened where it cannot move); nullopt when the member's
  // slots are all in use.
  std::optional<StatusOr<Lease>> TryTake(size_t member, const Deadline& deadline,
                                         const std::string& database = {});
  // Opens a session to `member` in `database` in a slot already counted in `open`.
  StatusOr<Lease> Open(size_t member, const Deadline& deadline, const std::string& database);
  // `keep` false: the session is closed even if it could serve (it reached an unfit server).
  void GiveBack(size_t member, std::unique_ptr<Connection> connection, std::string database,
                bool keep = true);
  // `connection`'s probe by `deadline`; Unavailable when it answered, but
  // only after probe_timeout.
  StatusOr<ReplicaState> Probe(Connection& connection, const Deadline& deadline);
  // `deadline`, or sooner: an equal share of its time for each of the
  // members still to try.
  Deadline ShareOf(const Deadline& deadline, size_t members_left) const;
  // A session just opened for AcquireMore, probed before it serves: a primary
  // (or, behind a load balancer, any unfit server) is FailedPrecondition.
  StatusOr<Lease> VerifyOpened(size_t member, Lease lease, const Deadline& deadline);
  // Applies one verdict to the member's damped state, logs a change once,
  // and closes connections a member may no longer keep. True when it may serve.
  bool Record(size_t member, const HealthVerdict& verdict, std::optional<double> lag);
  // Closes the member's idle sessions.
  void DropIdle(size_t member);
  // Moves a slot's idle sessions out (to be closed outside the lock). Requires mu_ held.
  static std::vector<IdleSession> TakeIdle(Slot& slot);
  // Healthy and lagging members keep idle sessions; down, primary and refused do not.
  static bool KeepsConnections(MemberState state);
  // Master election seen on `member`: every member is refused from now on.
  void RefuseCluster(size_t member, const std::string& reason);
  std::string RefusalReason() const REQUIRES(mu_);

  const PoolOptions options_;
  Backend* const backend_;
  const Clock* const clock_;
  Logger* const logger_;
  // Fixed at construction, read without the lock; slots_[i] is members_[i]'s.
  const std::vector<Member> members_;

  mutable Mutex mu_;
  CondVar slot_freed_;
  std::vector<Slot> slots_ GUARDED_BY(mu_);  // The vector itself never changes size.
  size_t next_ GUARDED_BY(mu_) = 0;  // Round-robin cursor.
  std::string cluster_refused_ GUARDED_BY(mu_);  // Non-empty once master election was seen.
};

}  // namespace rse
