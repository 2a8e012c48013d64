#include "pool/replica_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "fakes/fake_backend.h"
#include "fakes/fake_clock.h"

namespace rse {
namespace {

using namespace std::chrono_literals;
using testing::FakeBackend;
using testing::FakeMember;

class ReplicaPoolTest : public ::testing::Test {
 protected:
  // Members listen on ports 1, 2, 3...
  void MakePool(int members, int connections_per_replica = 2,
                WhenAllLagging when_all_lagging = WhenAllLagging::kRefuse, int fall = 1) {
    std::vector<Member> list;
    for (int port = 1; port <= members; ++port)
      list.push_back({"db" + std::to_string(port) + ":" + std::to_string(port), {"db", port}});
    PoolOptions options;
    options.connections_per_replica = connections_per_replica;
    options.when_all_lagging = when_all_lagging;
    options.fall = fall;
    options.password = [this]() -> StatusOr<std::string> {
      if (!password_ok_) return Status::NotFound("password_file: /run/secret: cannot open file");
      return std::string("s3cret");
    };
    pool_ = std::make_unique<ReplicaPool>(std::move(list), options, &backend_, &clock_, &logger_);
  }

  Deadline Soon(std::chrono::milliseconds d = 5s) { return Deadline(clock_.Now() + d); }

  // The port of the member that serves the next scrape, or -1.
  int NextScrape(const std::set<size_t>& exclude = {}) {
    auto lease = pool_->AcquireForScrape(Soon(), exclude);
    if (!lease.ok()) {
      last_error_ = lease.status().message();
      return -1;
    }
    return static_cast<int>(lease->member()) + 1;
  }

  MemberState StateOf(int port) { return pool_->Snapshot()[port - 1].state; }

  std::ostringstream log_;
  Logger logger_{LogLevel::kDebug, LogFormat::kLogfmt, &log_};
  testing::FakeClock clock_;
  FakeBackend backend_;
  std::unique_ptr<ReplicaPool> pool_;
  bool password_ok_ = true;
  std::string last_error_;
};

TEST_F(ReplicaPoolTest, SpreadsScrapesRoundRobin) {
  MakePool(3);
  std::vector<int> served;
  for (int i = 0; i < 6; ++i) served.push_back(NextScrape());
  EXPECT_EQ(served, (std::vector<int>{1, 2, 3, 1, 2, 3}));
  for (const MemberSnapshot& m : pool_->Snapshot()) {
    EXPECT_EQ(m.scrapes_served, 2u) << m.label;
    EXPECT_EQ(m.state, MemberState::kHealthy);
  }
}

TEST_F(ReplicaPoolTest, ProbesEveryScrapeAndReusesTheConnection) {
  MakePool(1);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(NextScrape(), 1);
  EXPECT_EQ(backend_.Get(1).connects, 1);
  EXPECT_EQ(backend_.Get(1).probes, 3);
  EXPECT_EQ(backend_.last_password(), "s3cret");
}

TEST_F(ReplicaPoolTest, NeverLeasesAPrimary) {
  MakePool(2);
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::Primary(); });
  for (int i = 0; i < 4; ++i) EXPECT_EQ(NextScrape(), 2);
  EXPECT_EQ(StateOf(1), MemberState::kPrimary);
  EXPECT_EQ(backend_.Get(1).queries, 0);
  EXPECT_NE(log_.str().find("never queries a primary"), std::string::npos);
  // Logged once, not on every scrape.
  EXPECT_EQ(log_.str().find("never queries a primary"),
            log_.str().rfind("never queries a primary"));
}

TEST_F(ReplicaPoolTest, APromotedReplicaIsRefusedFromTheNextScrape) {
  MakePool(1);
  ASSERT_EQ(NextScrape(), 1);
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::Primary(); });
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_NE(last_error_.find("db1:1: primary"), std::string::npos) << last_error_;
}

TEST_F(ReplicaPoolTest, SkipsALaggingReplica) {
  MakePool(2);
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::HealthyReplica(31); });
  EXPECT_EQ(NextScrape(), 2);
  EXPECT_EQ(NextScrape(), 2);
  EXPECT_EQ(StateOf(1), MemberState::kLagging);
  EXPECT_EQ(pool_->Snapshot()[0].lag_seconds, 31);
}

TEST_F(ReplicaPoolTest, StoppedApplyIsLagging) {
  MakePool(2);
  backend_.Edit(1, [](FakeMember& m) {
    ReplicaState state = testing::HealthyReplica();
    state.applying = false;
    state.lag_seconds.reset();
    m.probe = state;
  });
  EXPECT_EQ(NextScrape(), 2);
  EXPECT_EQ(StateOf(1), MemberState::kLagging);
}

TEST_F(ReplicaPoolTest, ABrokenStreamIsSkippedWhileAnotherMemberStreams) {
  MakePool(2);
  backend_.Edit(1, [](FakeMember& m) {
    ReplicaState state = testing::HealthyReplica();
    state.streaming = false;
    m.probe = state;
  });
  EXPECT_EQ(NextScrape(), 2);
  EXPECT_EQ(NextScrape(), 2);
  EXPECT_EQ(StateOf(1), MemberState::kLagging);
}

TEST_F(ReplicaPoolTest, WhenNoMemberStreamsTheReplicasStillServe) {
  MakePool(2);
  for (int port : {1, 2}) {
    backend_.Edit(port, [](FakeMember& m) {
      ReplicaState state = testing::HealthyReplica(120);  // Age of the last replayed commit.
      state.streaming = false;
      state.lag_seconds = 12;
      m.probe = state;
    });
  }
  int served = NextScrape();
  EXPECT_NE(served, -1) << last_error_;
  EXPECT_EQ(StateOf(served), MemberState::kLagging) << "served, but said as it is";
  EXPECT_EQ(pool_->Snapshot()[served - 1].lag_seconds, 12);
}

TEST_F(ReplicaPoolTest, FailsOverWithinTheScrapeWhenAMemberIsDown) {
  MakePool(2);
  backend_.Edit(1,
                [](FakeMember& m) { m.connect_error = Status::Unavailable("connection refused"); });
  EXPECT_EQ(NextScrape(), 2);  // Member 1's turn: it failed, member 2 served.
  EXPECT_EQ(StateOf(1), MemberState::kDown);
  EXPECT_EQ(NextScrape(), 2);
}

TEST_F(ReplicaPoolTest, ADownMemberIsRetriedOnlyAfterABackoffThatDoubles) {
  MakePool(1);
  backend_.Edit(1,
                [](FakeMember& m) { m.connect_error = Status::Unavailable("connection refused"); });
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_EQ(backend_.Get(1).connects, 1) << "no retry before the backoff";
  EXPECT_NE(last_error_.find("retried after a backoff"), std::string::npos) << last_error_;
  clock_.Advance(1001ms);
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_EQ(backend_.Get(1).connects, 2) << "retried after 1s";
  clock_.Advance(1001ms);
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_EQ(backend_.Get(1).connects, 2) << "the second backoff is 2s";
  backend_.Edit(1, [](FakeMember& m) { m.connect_error = Status::Ok(); });
  clock_.Advance(1000ms);
  EXPECT_EQ(NextScrape(), -1) << "one healthy probe of rise = 2";
  EXPECT_EQ(NextScrape(), 1) << "back after the second";
  EXPECT_EQ(StateOf(1), MemberState::kHealthy);
}

TEST_F(ReplicaPoolTest, ExcludedMembersAreNotChosen) {
  MakePool(2);
  EXPECT_EQ(NextScrape({0}), 2);
  EXPECT_EQ(NextScrape({0}), 2);
  EXPECT_EQ(NextScrape({0, 1}), -1);
}

TEST_F(ReplicaPoolTest, ConnectionFailureReportedMidScrapeMarksTheMemberDown) {
  MakePool(2);
  ASSERT_EQ(NextScrape(), 1);
  pool_->MarkDown(0, "server closed the connection");
  EXPECT_EQ(StateOf(1), MemberState::kDown);
  EXPECT_EQ(NextScrape(), 2);
  EXPECT_EQ(NextScrape(), 2);
}

TEST_F(ReplicaPoolTest, NoHealthyReplicaSaysWhyForEachMember) {
  MakePool(2);
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::Primary(); });
  backend_.Edit(2,
                [](FakeMember& m) { m.connect_error = Status::Unavailable("connection refused"); });
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_NE(last_error_.find("db1:1: primary"), std::string::npos) << last_error_;
  EXPECT_NE(last_error_.find("db2:2: down: connection refused"), std::string::npos) << last_error_;
}

TEST_F(ReplicaPoolTest, MasterElectionRefusesTheWholeCluster) {
  MakePool(2);
  backend_.Edit(2, [](FakeMember& m) {
    ReplicaState state = testing::HealthyReplica();
    state.election = "MariaDB Galera (wsrep_on = ON)";
    m.probe = state;
  });
  ASSERT_EQ(NextScrape(), 1);
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_NE(last_error_.find("master-election"), std::string::npos) << last_error_;
  for (const MemberSnapshot& m : pool_->Snapshot()) EXPECT_EQ(m.state, MemberState::kRefused);
  int probes = backend_.Get(1).probes;
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_EQ(backend_.Get(1).probes, probes) << "a refused cluster is not queried any more";
}

TEST_F(ReplicaPoolTest, StartupCheckFindsMasterElection) {
  MakePool(3);
  backend_.Edit(1, [](FakeMember& m) { m.connect_error = Status::Unavailable("refused"); });
  EXPECT_TRUE(pool_->CheckForMasterElection(Soon()).ok());
  EXPECT_EQ(StateOf(1), MemberState::kDown);
  EXPECT_EQ(StateOf(2), MemberState::kHealthy);
  backend_.Edit(3, [](FakeMember& m) {
    ReplicaState state = testing::HealthyReplica();
    state.election = "MySQL Group Replication";
    m.probe = state;
  });
  Status status = pool_->CheckForMasterElection(Soon());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("MySQL Group Replication"), std::string::npos);
  EXPECT_NE(status.message().find("per instance"), std::string::npos);
}

TEST_F(ReplicaPoolTest, ConnectionsAreCappedPerReplica) {
  MakePool(1, /*connections_per_replica=*/2);
  auto first = pool_->AcquireForScrape(Soon());
  ASSERT_TRUE(first.ok());
  auto second = pool_->AcquireMore(0, Soon());
  ASSERT_TRUE(second.ok());
  auto start = std::chrono::steady_clock::now();
  auto third = pool_->AcquireMore(0, Deadline(clock_.Now() + 50ms));
  EXPECT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), Status::Code::kDeadlineExceeded);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 40ms);
  EXPECT_EQ(backend_.Get(1).open_connections, 2);
  { Lease released = std::move(*second); }
  auto fourth = pool_->AcquireMore(0, Soon());
  EXPECT_TRUE(fourth.ok()) << "a given-back connection is reused";
  EXPECT_EQ(backend_.Get(1).connects, 2);
}

TEST_F(ReplicaPoolTest, AnUnusableConnectionIsDroppedNotReused) {
  MakePool(1);
  {
    auto lease = pool_->AcquireForScrape(Soon());
    ASSERT_TRUE(lease.ok());
    lease->connection().Cancel();
  }
  EXPECT_EQ(backend_.Get(1).open_connections, 0);
  ASSERT_EQ(NextScrape(), 1);
  EXPECT_EQ(backend_.Get(1).connects, 2);
}

TEST_F(ReplicaPoolTest, AnUnreadablePasswordMarksMembersDown) {
  MakePool(1);
  password_ok_ = false;
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_NE(last_error_.find("password_file"), std::string::npos) << last_error_;
  EXPECT_EQ(backend_.Get(1).connects, 0);
}

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

}  // namespace
}  // namespace rse
