// ReplicaPool::Snapshot: what metrics and /status show of every member, read
// under the pool's lock in one pass.
#include "pool/pool_slot.h"
#include "pool/replica_pool.h"

namespace rse {

std::vector<MemberSnapshot> ReplicaPool::Snapshot() const {
  MutexLock lock(&mu_);
  std::vector<MemberSnapshot> out;
  out.reserve(slots_.size());
  for (const Slot& slot : slots_) {
    // Read once: the health's accessors inlined twice made GCC 14 (-O2) see
    // a maybe-uninitialised state.
    const MemberHealth& health = slot.health;
    const MemberState state = health.state();
    const bool in_rotation = state == MemberState::kHealthy;
    MemberSnapshot& snapshot = out.emplace_back();
    snapshot.label = slot.member.label;
    snapshot.state = state;
    snapshot.lag_seconds = slot.lag_seconds;
    snapshot.scrapes_served = slot.scrapes_served;
    snapshot.state_changes = health.changes();
    snapshot.recovery_conflicts = slot.recovery_conflicts;
    snapshot.sessions_rejected = slot.sessions_rejected;
    snapshot.reason = health.reason();
    snapshot.since = slot.state_since;
    snapshot.role = slot.role;
    snapshot.server = slot.server;
    snapshot.load_balancer = options_.members_are == MembersAre::kLoadBalancers || slot.balancer_seen;
    snapshot.rising = health.rising();
    snapshot.rise = health.rise();
    snapshot.falling = health.falling();
    snapshot.fall = health.fall();
    snapshot.sessions_open = slot.open;
    snapshot.sessions_idle = static_cast<int>(slot.idle.size());
    snapshot.sessions_waiting = slot.waiting;
    snapshot.sessions_cap = options_.connections_per_replica;
    if (!in_rotation && slot.retry_after != TimePoint{}) snapshot.retry_at = slot.retry_after;
    snapshot.last_error = slot.last_error;
    snapshot.last_error_at = slot.last_error_at;
  }
  return out;
}

}  // namespace rse
