// ReplicaPool behind load balancers: which server a member's sessions reach,
// a member found to be a balancer, and each session there judged on its own.
#include <string>

#include "pool/pool_slot.h"
#include "pool/replica_pool.h"

namespace rse {

void ReplicaPool::ProbeBehindBalancer(size_t member, StatusOr<Lease>& taken,
                                      StatusOr<ReplicaState>& probe,
                                      const Deadline& probe_deadline, const Deadline& deadline) {
  if (!BehindBalancer(member)) return;
  for (int tries = 1; tries < kLoadBalancerTries && taken.ok() && probe.ok(); ++tries) {
    const HealthVerdict verdict = JudgeProbe(*probe, options_.max_replication_lag);
    if (verdict.state == MemberState::kHealthy || verdict.state == MemberState::kRefused) return;
    // This session reached an unfit server behind the balancer; the next one
    // may reach another. A verdict on the session, not yet on the address.
    {
      MutexLock lock(&mu_);
      ++slots_[member].sessions_rejected;
    }
    logger_->Debug("session reached an unfit server behind a load balancer; opening another",
                   {{"replica", members_[member].label}, {"reason", verdict.reason}});
    taken->Discard();
    std::optional<StatusOr<Lease>> fresh = TryTake(member, deadline);
    if (!fresh) {
      taken = Status::Unavailable("no session slot free for another try");
      return;
    }
    taken = std::move(*fresh);
    if (taken.ok()) probe = taken->connection().Probe(probe_deadline);
    if (taken.ok() && probe.ok()) NoteServer(member, probe->server);
  }
}

bool ReplicaPool::BehindBalancer(size_t member) const {
  if (options_.members_are == MembersAre::kLoadBalancers) return true;
  MutexLock lock(&mu_);
  return slots_[member].balancer_seen;
}

void ReplicaPool::NoteServer(size_t member, const std::string& server) {
  if (server.empty() || options_.members_are == MembersAre::kLoadBalancers) return;
  std::string first;
  {
    MutexLock lock(&mu_);
    Slot& slot = slots_[member];
    if (slot.server.empty()) slot.server = server;
    if (slot.server == server || slot.balancer_seen) return;
    slot.balancer_seen = true;
    first = slot.server;
    // What was judged of the address came from one session, so one server
    // behind it: from now on each session is judged on its own.
    if (slot.health.state() == MemberState::kPrimary ||
        slot.health.state() == MemberState::kLagging) {
      slot.health.Forget();
      slot.backoff = std::chrono::milliseconds(0);
      slot.retry_after = TimePoint{};
    }
  }
  logger_->Warn("sessions to one replica address reached different servers: it is a load "
                "balancer, and each session is judged on its own from now on (say so with "
                "[cluster] members_are = \"load_balancers\")",
                {{"replica", members_[member].label}, {"server", first}, {"then", server}});
}

}  // namespace rse
