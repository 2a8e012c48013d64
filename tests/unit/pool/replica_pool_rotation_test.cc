// The replica pool's rotation over time: flap damping (rise/fall), every
// member lagging, verdicts a scrape must not give, sessions closed while
// idle, and members that must keep no session.
#include <gtest/gtest.h>

#include <algorithm>

#include "pool/replica_pool_fixture.h"

namespace rse {
namespace {

TEST_F(ReplicaPoolTest, ALaggingMemberReturnsOnlyAfterRiseHealthyProbes) {
  MakePool(2);
  ASSERT_EQ(NextScrape(), 1);
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::HealthyReplica(31); });
  while (StateOf(1) != MemberState::kLagging) ASSERT_EQ(NextScrape(), 2);
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::HealthyReplica(0); });
  const int probes_before = backend_.Get(1).probes;
  int scrapes = 0;
  while (NextScrape() != 1) ASSERT_LT(++scrapes, 10);
  EXPECT_EQ(backend_.Get(1).probes - probes_before, 2) << "back on its second healthy probe";
  EXPECT_EQ(StateOf(1), MemberState::kHealthy);
  EXPECT_EQ(pool_->Snapshot()[0].state_changes, 2u);
  EXPECT_EQ(pool_->Snapshot()[1].state_changes, 0u);
}

TEST_F(ReplicaPoolTest, LagAroundTheCeilingDoesNotFlap) {
  MakePool(1);
  ASSERT_EQ(NextScrape(), 1);
  for (int i = 0; i < 20; ++i) {
    // The lag crosses max_replication_lag (30 s) up and down on every probe.
    backend_.Edit(1, [&](FakeMember& m) { m.probe = testing::HealthyReplica(i % 2 ? 29 : 31); });
    NextScrape();
  }
  EXPECT_EQ(pool_->Snapshot()[0].state_changes, 1u) << "left once; never two good probes in a row";
  const std::string log = log_.str();
  EXPECT_LE(std::count(log.begin(), log.end(), '\n'), 3)
      << "state changes are logged once each, not on every probe:\n"
      << log;
}

TEST_F(ReplicaPoolTest, FallKeepsAMemberThroughOneBadProbe) {
  MakePool(1, 2, WhenAllLagging::kRefuse, /*fall=*/2);
  ASSERT_EQ(NextScrape(), 1);
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::HealthyReplica(31); });
  EXPECT_EQ(NextScrape(), 1) << "one lagging probe of fall = 2";
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_EQ(StateOf(1), MemberState::kLagging);
}

TEST_F(ReplicaPoolTest, WhenAllLagRefuseServesNothing) {
  MakePool(2);
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::HealthyReplica(40); });
  backend_.Edit(2, [](FakeMember& m) { m.probe = testing::HealthyReplica(35); });
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_NE(last_error_.find("exceeds max_replication_lag"), std::string::npos) << last_error_;
}

TEST_F(ReplicaPoolTest, WhenAllLagTheLeastLaggedReplicaServesNeverAPrimary) {
  MakePool(3, 2, WhenAllLagging::kLeastLagged);
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::HealthyReplica(40); });
  backend_.Edit(2, [](FakeMember& m) { m.probe = testing::HealthyReplica(35); });
  backend_.Edit(3, [](FakeMember& m) { m.probe = testing::Primary(); });
  for (int i = 0; i < 3; ++i) EXPECT_EQ(NextScrape(), 2) << last_error_;
  EXPECT_EQ(backend_.Get(3).queries, 0);
  EXPECT_EQ(StateOf(2), MemberState::kLagging) << "served, but said as it is";
  backend_.Edit(2, [](FakeMember& m) { m.probe = testing::Primary(); });
  backend_.Edit(1, [](FakeMember& m) {
    ReplicaState stopped = testing::HealthyReplica();
    stopped.applying = false;
    stopped.lag_seconds.reset();  // Unknown lag: still a verified replica, the last choice.
    m.probe = stopped;
  });
  EXPECT_EQ(NextScrape(), 1) << last_error_;
}

TEST_F(ReplicaPoolTest, APromotedMemberKeepsNoConnection) {
  MakePool(2);
  {
    auto a = pool_->AcquireForScrape(Soon());
    auto b = pool_->AcquireMore(0, Soon());
    ASSERT_TRUE(a.ok() && b.ok());
  }
  ASSERT_EQ(backend_.Get(1).open_connections, 2) << "two idle sessions kept for later scrapes";
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::Primary(); });
  EXPECT_EQ(NextScrape(), 2);
  EXPECT_EQ(NextScrape(), 2);  // Member 1's turn again: probed, found primary.
  EXPECT_EQ(StateOf(1), MemberState::kPrimary);
  EXPECT_EQ(backend_.Get(1).open_connections, 0) << "nothing left open on what is now a primary";
}

TEST_F(ReplicaPoolTest, RunningOutOfTheScrapesBudgetIsNoVerdictOnTheMember) {
  MakePool(1);
  ASSERT_EQ(NextScrape(), 1);
  backend_.Edit(1, [](FakeMember& m) {
    m.probe = Status::DeadlineExceeded("stopped at its deadline; the server did not answer");
  });
  // A scrape whose whole budget is below probe_timeout (a tiny timeout header).
  auto lease = pool_->AcquireForScrape(Deadline(clock_.Now() + 100ms));
  ASSERT_FALSE(lease.ok());
  EXPECT_NE(lease.status().message().find("not judged"), std::string::npos)
      << lease.status().message();
  EXPECT_EQ(StateOf(1), MemberState::kHealthy) << "one client's tiny budget is not a verdict";
  // A probe that had its full probe_timeout and still did not answer: down.
  lease = pool_->AcquireForScrape(Soon(5s));
  EXPECT_FALSE(lease.ok());
  EXPECT_EQ(StateOf(1), MemberState::kDown);
}

TEST_F(ReplicaPoolTest, NoTimeLeftToConnectIsNoVerdictEither) {
  MakePool(1);
  backend_.Edit(1, [](FakeMember& m) {
    m.connect_error = Status::DeadlineExceeded("postgres db:1: no time left to connect");
  });
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_NE(last_error_.find("not judged"), std::string::npos) << last_error_;
  EXPECT_EQ(backend_.Get(1).connects, 1);
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_EQ(backend_.Get(1).connects, 2) << "no backoff: it was never judged down";
}

TEST_F(ReplicaPoolTest, SessionsClosedWhileIdleDoNotMakeAHealthyReplicaDown) {
  MakePool(1);
  {
    auto a = pool_->AcquireForScrape(Soon());
    auto b = pool_->AcquireMore(0, Soon());
    ASSERT_TRUE(a.ok() && b.ok());
  }
  ASSERT_EQ(backend_.Get(1).open_connections, 2);
  backend_.Edit(1, [](FakeMember& m) { ++m.generation; });  // Both idle sessions closed.
  EXPECT_EQ(NextScrape(), 1) << last_error_;
  EXPECT_EQ(StateOf(1), MemberState::kHealthy);
  EXPECT_EQ(pool_->Snapshot()[0].state_changes, 0u);
  EXPECT_EQ(backend_.Get(1).connects, 3) << "one new session, after dropping both dead ones";
  EXPECT_EQ(log_.str().find("replica down"), std::string::npos) << log_.str();
}

TEST_F(ReplicaPoolTest, AFreshSessionThatFailsItsProbeIsAVerdict) {
  MakePool(1);
  ASSERT_EQ(NextScrape(), 1);
  backend_.Edit(
      1, [](FakeMember& m) { m.probe = Status::Unavailable("server closed the connection"); });
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_EQ(StateOf(1), MemberState::kDown) << "the retry on a new session failed too";
}

TEST_F(ReplicaPoolTest, APrimaryListedAsAMemberIsLookedAtAgainOnlyAfterABackoff) {
  MakePool(2);
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::Primary(); });
  for (int i = 0; i < 6; ++i) EXPECT_EQ(NextScrape(), 2);
  EXPECT_EQ(backend_.Get(1).probes, 1) << "not re-probed on every rotation";
  clock_.Advance(1001ms);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(NextScrape(), 2);
  EXPECT_EQ(backend_.Get(1).probes, 2) << "looked at again after the backoff";
  EXPECT_EQ(StateOf(1), MemberState::kPrimary);
}

TEST_F(ReplicaPoolTest, AMemberThatFlapsKeepsItsBackoffGrowingUntilItServesForTheLongest) {
  MakePool(2);
  const Status broke = Status::Unavailable("server closed the connection unexpectedly");
  // Member 1 answers its probes, then each scrape's query breaks on it.
  ASSERT_EQ(NextScrape(), 1);
  pool_->MarkDown(0, broke);
  EXPECT_EQ(*pool_->Snapshot()[0].retry_at, clock_.Now() + 1s) << "the first backoff";
  clock_.Advance(1001ms);
  ASSERT_EQ(NextScrape(), 2);
  ASSERT_EQ(NextScrape(), 1) << "retried after its backoff, healthy at its probe";
  pool_->MarkDown(0, broke);
  EXPECT_EQ(*pool_->Snapshot()[0].retry_at, clock_.Now() + 2s)
      << "one healthy probe between two failures does not forgive the backoff";
  clock_.Advance(2001ms);
  ASSERT_EQ(NextScrape(), 2);
  ASSERT_EQ(NextScrape(), 1);
  clock_.Advance(30s);  // Healthy for as long as the longest backoff.
  ASSERT_EQ(NextScrape(), 2);
  ASSERT_EQ(NextScrape(), 1);
  pool_->MarkDown(0, broke);
  EXPECT_EQ(*pool_->Snapshot()[0].retry_at, clock_.Now() + 1s) << "forgiven: back to the first";
}

}  // namespace
}  // namespace rse
