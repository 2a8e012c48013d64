// ReplicaPool::Snapshot: what metrics and /status show of every member, read
// under the pool's lock in one pass.
#include "pool/pool_slot.h"
#include "pool/replica_pool.h"

namespace rse {

std::vector<MemberSnapshot> ReplicaPool::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MemberSnapshot> out;
  for (const Slot& slot : slots_) {
    MemberSnapshot snapshot;
    snapshot.label = slot.member.label;
    snapshot.state = slot.health.state();
    snapshot.lag_seconds = slot.lag_seconds;
    snapshot.scrapes_served = slot.scrapes_served;
    snapshot.state_changes = slot.health.changes();
    snapshot.recovery_conflicts = slot.recovery_conflicts;
    snapshot.sessions_rejected = slot.sessions_rejected;
    snapshot.reason = slot.health.reason();
    snapshot.since = slot.state_since;
    snapshot.role = slot.role;
    snapshot.server = slot.server;
    snapshot.load_balancer = options_.members_are == MembersAre::kLoadBalancers || slot.balancer_seen;
    snapshot.rising = slot.health.rising();
    snapshot.rise = slot.health.rise();
    snapshot.falling = slot.health.falling();
    snapshot.fall = slot.health.fall();
    snapshot.sessions_open = slot.open;
    snapshot.sessions_idle = static_cast<int>(slot.idle.size());
    snapshot.sessions_waiting = slot.waiting;
    snapshot.sessions_cap = options_.connections_per_replica;
    if (!slot.health.in_rotation() && slot.retry_after != TimePoint{}) snapshot.retry_at = slot.retry_after;
    snapshot.last_error = slot.last_error;
    snapshot.last_error_at = slot.last_error_at;
    out.push_back(std::move(snapshot));
  }
  return out;
}

}  // namespace rse
