// Pure decisions about one member of the cluster: its state names, and the
// verdict on one probe of it.
#pragma once

#include <chrono>
#include <string>

#include "db/replica_state.h"

namespace rse {

// The states of replica_sql_replica_state{state=...}, in exposition order.
enum class MemberState { kHealthy, kDown, kLagging, kPrimary, kRefused };
inline constexpr MemberState kAllMemberStates[] = {MemberState::kHealthy, MemberState::kDown,
                                                   MemberState::kLagging, MemberState::kPrimary,
                                                   MemberState::kRefused};
const char* MemberStateName(MemberState state);

// What to do instead of pointing this exporter at a master-election cluster;
// said wherever such a cluster is refused (config, startup, runtime).
inline constexpr const char* kPerInstanceAdvice =
    "such clusters must be monitored per instance: run one postgres_exporter or mysqld_exporter "
    "per server and handle masterness in Prometheus; this exporter only serves clusters whose "
    "replicas are interchangeable";

struct HealthVerdict {
  MemberState state = MemberState::kHealthy;
  std::string reason;        // Why it may not serve; empty when healthy.
  bool stream_down = false;  // Healthy but for a broken replication stream: a last resort.
};

// Healthy: a replica, applying changes, lag known and within `max_lag`, and
// its replication stream up. A member of a master-election system is refused;
// a primary is a primary.
HealthVerdict JudgeProbe(const ReplicaState& state, std::chrono::milliseconds max_lag);

}  // namespace rse
