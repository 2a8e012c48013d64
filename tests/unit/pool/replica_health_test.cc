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
      {"past_max_lag", Replica(30.1), MemberState::kLagging, "replication lag 30.1s exceeds",
       false},
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

namespace rse {
namespace {

const HealthVerdict kGood{};
const HealthVerdict kLag{MemberState::kLagging, "replication lag 31.0s exceeds 30s", false};
const HealthVerdict kDown{MemberState::kDown, "connection refused", false};
const HealthVerdict kPrimary{MemberState::kPrimary, "not a replica", false};

TEST(MemberHealthTest, TheFirstVerdictIsTakenAsItIs) {
  MemberHealth health(/*rise=*/2, /*fall=*/1);
  EXPECT_EQ(health.state(), MemberState::kDown);
  EXPECT_EQ(health.reason(), "not contacted yet");
  EXPECT_TRUE(health.Apply(kGood));
  EXPECT_TRUE(health.in_rotation()) << "no rise at startup";
  EXPECT_EQ(health.changes(), 0u);
}

TEST(MemberHealthTest, AMemberThatJoinsARunningPoolWaitsForRise) {
  MemberHealth health(/*rise=*/3, /*fall=*/1);
  health.Join();
  EXPECT_FALSE(health.in_rotation());
  EXPECT_NE(health.reason().find("new address"), std::string::npos) << health.reason();
  EXPECT_FALSE(health.Apply(kGood)) << "not the first verdict of a pool starting up";
  EXPECT_FALSE(health.Apply(kDown));
  EXPECT_FALSE(health.Apply(kGood)) << "down while joining: still joining, not a restart";
  EXPECT_FALSE(health.Apply(kGood));
  EXPECT_NE(health.reason().find("(recovering: 2 of 3 healthy probes)"), std::string::npos)
      << health.reason();
  EXPECT_TRUE(health.Apply(kGood));
  EXPECT_TRUE(health.in_rotation());
  health.Apply(kDown);
  EXPECT_TRUE(health.Apply(kGood)) << "joined: a later restart comes back at once";
}

TEST(MemberHealthTest, LeavesAfterFallAndReturnsAfterRise) {
  MemberHealth health(/*rise=*/3, /*fall=*/2);
  health.Apply(kGood);
  EXPECT_FALSE(health.Apply(kLag)) << "one bad verdict of two: still in rotation";
  EXPECT_TRUE(health.in_rotation());
  EXPECT_TRUE(health.Apply(kLag));
  EXPECT_EQ(health.state(), MemberState::kLagging);
  health.Apply(kGood);
  health.Apply(kGood);
  EXPECT_EQ(health.state(), MemberState::kLagging);
  EXPECT_EQ(health.rising(), 2);
  EXPECT_NE(health.reason().find("(recovering: 2 of 3 healthy probes)"), std::string::npos)
      << health.reason();
  EXPECT_EQ(health.reason().find("recovering: 1"), std::string::npos) << "said once, updated";
  health.Apply(kGood);
  EXPECT_TRUE(health.in_rotation());
  EXPECT_TRUE(health.reason().empty());
  EXPECT_EQ(health.changes(), 2u);
}

TEST(MemberHealthTest, ABadVerdictResetsTheRise) {
  MemberHealth health(/*rise=*/2, /*fall=*/1);
  health.Apply(kGood);
  health.Apply(kDown);
  health.Apply(kGood);
  health.Apply(kLag);  // Back to zero.
  health.Apply(kGood);
  EXPECT_FALSE(health.in_rotation());
  health.Apply(kGood);
  EXPECT_TRUE(health.in_rotation());
}

TEST(MemberHealthTest, ALagCrossingTheCeilingEveryProbeChangesStateAtMostEverySecondProbe) {
  MemberHealth health(/*rise=*/2, /*fall=*/1);
  health.Apply(kGood);
  int changes = 0;
  for (int i = 0; i < 20; ++i) changes += health.Apply(i % 2 ? kGood : kLag) ? 1 : 0;
  // good/lag alternating: it leaves once and never rises again (needs 2 in a row).
  EXPECT_EQ(health.changes(), 1u);
  EXPECT_EQ(health.state(), MemberState::kLagging);
}

TEST(MemberHealthTest, ALostConnectionLeavesAtOnceWhateverFall) {
  MemberHealth health(/*rise=*/2, /*fall=*/3);
  health.Apply(kGood);
  EXPECT_TRUE(health.Apply(kDown)) << "there is no session left to serve from";
  EXPECT_EQ(health.state(), MemberState::kDown);
}

TEST(MemberHealthTest, ADownMemberReturnsAtItsFirstHealthyProbeRiseDampsLagOnly) {
  MemberHealth health(/*rise=*/3, /*fall=*/2);
  health.Apply(kGood);
  health.Apply(kDown);  // Stopped, restarted.
  EXPECT_TRUE(health.Apply(kGood)) << "a restarted replica is back as soon as it answers";
  EXPECT_TRUE(health.in_rotation());
  health.Apply(kLag);
  health.Apply(kLag);
  EXPECT_EQ(health.state(), MemberState::kLagging);
  EXPECT_FALSE(health.Apply(kGood)) << "out for lag: rise still applies";
  EXPECT_EQ(health.state(), MemberState::kLagging);
}

TEST(MemberHealthTest, OneLagSpikeDoesNotTakeAMemberOutWithTheDefaultFall) {
  MemberHealth health(/*rise=*/2, /*fall=*/2);
  health.Apply(kGood);
  EXPECT_FALSE(health.Apply(kLag));
  health.Apply(kGood);
  EXPECT_FALSE(health.Apply(kLag)) << "a spike again, not two in a row";
  EXPECT_TRUE(health.in_rotation());
  EXPECT_EQ(health.changes(), 0u);
}

TEST(MemberHealthTest, RoleIsNeverDamped) {
  MemberHealth health(/*rise=*/5, /*fall=*/5);
  health.Apply(kGood);
  EXPECT_TRUE(health.Apply(kPrimary));
  EXPECT_EQ(health.state(), MemberState::kPrimary) << "a promoted replica leaves at once";
  health.Apply(kGood);
  EXPECT_EQ(health.state(), MemberState::kPrimary) << "and comes back only after rise";
  for (int i = 0; i < 4; ++i) health.Apply(kGood);
  EXPECT_TRUE(health.in_rotation());
}

}  // namespace
}  // namespace rse
