#include "pool/replica_health.h"

#include <gtest/gtest.h>

namespace rse {
namespace {

using namespace std::chrono_literals;

ReplicaState Replica(std::optional<double> lag, bool streaming = true, bool applying = true) {
  ReplicaState state;
  state.is_replica = true;
  state.streaming = streaming;
  state.applying = applying;
  state.lag_seconds = lag;
  return state;
}

struct VerdictCase {
  const char* name;
  ReplicaState state;
  MemberState want;
  const char* reason_has;
  bool stream_down;
};

TEST(JudgeProbeTest, Table) {
  ReplicaState galera = Replica(0);
  galera.election = "MariaDB Galera (wsrep_on = ON)";
  ReplicaState primary;
  const VerdictCase cases[] = {
      {"caught_up", Replica(0), MemberState::kHealthy, "", false},
      {"within_max_lag", Replica(29.9), MemberState::kHealthy, "", false},
      {"exactly_max_lag", Replica(30), MemberState::kHealthy, "", false},
      {"past_max_lag", Replica(30.1), MemberState::kLagging, "replication lag 30.1s exceeds", false},
      {"lag_unknown", Replica(std::nullopt), MemberState::kLagging, "lag is unknown", false},
      {"apply_stopped", Replica(0, true, false), MemberState::kLagging, "not being applied", false},
      {"stream_down", Replica(3, false), MemberState::kLagging, "stream from the primary is down",
       true},
      {"stream_down_lag_unknown", Replica(std::nullopt, false), MemberState::kLagging,
       "stream from the primary is down", true},
      {"stream_down_and_too_old", Replica(31, false), MemberState::kLagging, "exceeds", false},
      {"primary", primary, MemberState::kPrimary, "never queries a primary", false},
      {"master_election", galera, MemberState::kRefused, "monitored per instance", false},
  };
  for (const VerdictCase& c : cases) {
    SCOPED_TRACE(c.name);
    HealthVerdict verdict = JudgeProbe(c.state, 30s);
    EXPECT_EQ(verdict.state, c.want) << MemberStateName(verdict.state);
    EXPECT_NE(verdict.reason.find(c.reason_has), std::string::npos) << verdict.reason;
    EXPECT_EQ(verdict.stream_down, c.stream_down);
    if (c.want == MemberState::kHealthy) {
      EXPECT_TRUE(verdict.reason.empty());
    }
  }
}

TEST(JudgeProbeTest, ElectionWinsOverEverythingElse) {
  ReplicaState state;  // Even a writable node of an election cluster is refused, not "primary".
  state.election = "MySQL Group Replication";
  EXPECT_EQ(JudgeProbe(state, 30s).state, MemberState::kRefused);
}

TEST(MemberStateTest, EveryStateHasItsOwnName) {
  std::set<std::string> names;
  for (MemberState s : kAllMemberStates) names.insert(MemberStateName(s));
  EXPECT_EQ(names, (std::set<std::string>{"healthy", "down", "lagging", "primary", "refused"}));
}

}  // namespace
}  // namespace rse
