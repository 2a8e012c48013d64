#include "pool/replica_health.h"

#include <cstdio>

#include "base/duration.h"

namespace rse {

const char* MemberStateName(MemberState state) {
  switch (state) {
    case MemberState::kHealthy: return "healthy";
    case MemberState::kDown: return "down";
    case MemberState::kLagging: return "lagging";
    case MemberState::kPrimary: return "primary";
    case MemberState::kRefused: return "refused";
  }
  return "unknown";
}

HealthVerdict JudgeProbe(const ReplicaState& state, std::chrono::milliseconds max_lag) {
  if (!state.election.empty()) {
    return {MemberState::kRefused,
            "member of a master-election cluster (" + state.election + "): " + kPerInstanceAdvice,
            false};
  }
  if (!state.is_replica) {
    return {MemberState::kPrimary,
            "not a replica (PostgreSQL: not in recovery; MySQL/MariaDB: writable, or no "
            "replication channel): "
            "the exporter never queries a primary",
            false};
  }
  if (!state.applying) {
    return {MemberState::kLagging,
            "replication is not being applied (replay paused or SQL thread stopped)", false};
  }
  if (!state.lag_seconds && state.streaming) {
    return {MemberState::kLagging, "replication lag is unknown", false};
  }
  if (state.lag_seconds && *state.lag_seconds * 1000 > static_cast<double>(max_lag.count())) {
    char lag[32];
    std::snprintf(lag, sizeof lag, "%.1fs", *state.lag_seconds);
    return {MemberState::kLagging,
            std::string("replication lag ") + lag + " exceeds max_replication_lag " +
                FormatDuration(max_lag),
            false};
  }
  if (!state.streaming) {
    return {MemberState::kLagging, "the replication stream from the primary is down", true};
  }
  return {};
}

bool MemberHealth::Apply(const HealthVerdict& verdict) {
  const MemberState before = state_;
  const bool healthy = verdict.state == MemberState::kHealthy;
  const bool role =
      verdict.state == MemberState::kPrimary || verdict.state == MemberState::kRefused;
  good_ = healthy ? good_ + 1 : 0;
  bad_ = healthy || role ? 0 : bad_ + 1;
  if (!judged_ || role || verdict.state == MemberState::kDown) {
    state_ = verdict.state;
    reason_ = verdict.reason;
  } else if (healthy) {
    if (!in_rotation() && (good_ >= rise_ || (state_ == MemberState::kDown && !joining_))) {
      state_ = MemberState::kHealthy;
      reason_.clear();
      joining_ = false;
    } else if (!in_rotation()) {
      // Stays out, with the reason it left and how far back it is.
      const std::string recovering = " (recovering: ";
      reason_ = reason_.substr(0, reason_.find(recovering)) + recovering + std::to_string(good_) +
                " of " + std::to_string(rise_) + " healthy probes)";
    }
  } else if (!in_rotation() || bad_ >= fall_) {
    state_ = verdict.state;
    reason_ = verdict.reason;
  }
  if (seen_ && state_ != before) ++changes_;
  judged_ = true;
  seen_ = true;
  return state_ != before;
}

void MemberHealth::Forget() {
  judged_ = false;
  joining_ = false;
  good_ = 0;
  bad_ = 0;
}

void MemberHealth::Join() {
  judged_ = true;
  joining_ = true;
  good_ = 0;
  state_ = MemberState::kDown;
  reason_ = "new address, not yet in the rotation (recovering: 0 of " + std::to_string(rise_) +
            " healthy probes)";
}

}  // namespace rse
