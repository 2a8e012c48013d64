// Pure decisions about one member of the cluster: its state names, the
// verdict on one probe of it, and the damped state those verdicts drive.
#pragma once

#include "base/topology.h"  // kPerInstanceAdvice

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


struct HealthVerdict {
  MemberState state = MemberState::kHealthy;
  std::string reason;        // Why it may not serve; empty when healthy.
  bool stream_down = false;  // Healthy but for a broken replication stream: a last resort.
  // Down because the connection was refused (a restart): looked at again at
  // the next scrape, not after a backoff.
  bool retry_now = false;
};

// Healthy: a replica, applying changes, lag known and within `max_lag`, and
// its replication stream up. A member of a master-election system is refused;
// a primary is a primary.
HealthVerdict JudgeProbe(const ReplicaState& state, std::chrono::milliseconds max_lag);

// One member's state as the pool exposes it, driven by verdicts with
// HAProxy-style damping: a healthy member leaves the rotation after `fall`
// consecutive lagging verdicts and comes back after `rise` consecutive healthy
// ones. A down verdict (its session or server failed) takes it out at once:
// there is nothing left to serve from; and a down member's first healthy
// verdict brings it back at once (a restarted replica; rise damps lag only).
// The first verdict on a member is taken as it is, except for a member that
// joined a running pool (a new address behind a name): it enters the
// rotation after `rise` healthy verdicts. Role is never damped: primary or
// refused applies at once.
// Not thread-safe (the pool guards it).
class MemberHealth {
 public:
  MemberHealth(int rise, int fall) : rise_(rise), fall_(fall) {}

  // Applies one verdict; true when the exposed state changed (the reason may
  // change on every probe: it carries the lag).
  bool Apply(const HealthVerdict& verdict);

  // A member new to a pool that already serves: out of the rotation until
  // `rise` consecutive healthy verdicts, whatever comes before them.
  void Join();
  // What was judged no longer holds (it was one server's behind a load
  // balancer): the next verdict is taken as it is. The state stays until then.
  void Forget();

  MemberState state() const { return state_; }
  const std::string& reason() const { return reason_; }
  bool in_rotation() const { return state_ == MemberState::kHealthy; }
  // Consecutive healthy verdicts while out of the rotation (0 when in it).
  int rising() const { return in_rotation() ? 0 : good_; }
  // Consecutive lagging verdicts while still in the rotation (0 out of it).
  int falling() const { return in_rotation() ? bad_ : 0; }
  int rise() const { return rise_; }
  int fall() const { return fall_; }
  uint64_t changes() const { return changes_; }  // State changes after the first verdict.

 private:
  int rise_;  // Not const: a reload copies a member's health to its new pool.
  int fall_;
  bool judged_ = false;  // The next verdict is not taken as it is.
  bool seen_ = false;    // Some verdict was applied: later state changes count.
  MemberState state_ = MemberState::kDown;
  std::string reason_ = "not contacted yet";
  bool joining_ = false;  // Joined a running pool and not yet in the rotation.
  int good_ = 0;  // Consecutive healthy verdicts.
  int bad_ = 0;   // Consecutive down or lagging verdicts.
  uint64_t changes_ = 0;
};

}  // namespace rse
