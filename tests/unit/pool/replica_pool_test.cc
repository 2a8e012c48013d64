#include "pool/replica_pool.h"

#include <gtest/gtest.h>

#include "pool/replica_pool_fixture.h"

namespace rse {
namespace {

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

TEST_F(ReplicaPoolTest, AProbeAnsweredOnlyAfterTheProbeTimeoutIsAVerdict) {
  MakePool(2);
  // A replica that adds more than a second to every statement.
  backend_.Edit(1, [this](FakeMember& m) { m.on_probe = [this] { clock_.Advance(1100ms); }; });
  EXPECT_EQ(NextScrape(), 2) << "too slow to serve: the next member serves";
  EXPECT_EQ(StateOf(1), MemberState::kDown);
  EXPECT_NE(pool_->Snapshot()[0].last_error.find("over probe_timeout"), std::string::npos)
      << pool_->Snapshot()[0].last_error;
}

TEST_F(ReplicaPoolTest, AMemberThatTimesOutIsRetriedOnlyAfterABackoffThatDoubles) {
  MakePool(1);
  backend_.Edit(1, [](FakeMember& m) { m.connect_error = Status::Unavailable("timeout expired"); });
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
  EXPECT_EQ(NextScrape(), 1) << "back at its first healthy probe: rise damps lag only";
  EXPECT_EQ(StateOf(1), MemberState::kHealthy);
}

TEST_F(ReplicaPoolTest, ARefusedConnectionIsRetriedAtEveryScrapeWithoutBackoff) {
  MakePool(1);
  backend_.Edit(1, [](FakeMember& m) { m.connect_error = Status::Refused("Connection refused"); });
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(NextScrape(), -1);
    EXPECT_EQ(backend_.Get(1).connects, i) << "a restarting replica is tried again at once";
  }
  EXPECT_EQ(StateOf(1), MemberState::kDown);
  backend_.Edit(1, [](FakeMember& m) { m.connect_error = Status::Ok(); });
  EXPECT_EQ(NextScrape(), 1) << "served by the first scrape after it accepts connections";
}

TEST_F(ReplicaPoolTest, ANewAddressBesideServingMembersWaitsForRise) {
  MakePool(1);
  ASSERT_EQ(NextScrape(), 1);
  PoolOptions options;
  options.rise = 2;
  options.password = [](const std::string&, int) -> StatusOr<std::string> { return std::string("s3cret"); };
  std::vector<Member> two = {{"db1:1", {"db", 1}, ""}, {"db2:2", {"db", 2}, ""}};
  ReplicaPool grown(two, options, &backend_, &clock_, &logger_);
  EXPECT_EQ(grown.AdoptMembersFrom(*pool_), 1u);
  EXPECT_EQ(grown.Snapshot()[0].state, MemberState::kHealthy) << "kept as it was";
  EXPECT_EQ(grown.Snapshot()[1].state, MemberState::kDown);
  std::vector<int> served;
  for (int i = 0; i < 6; ++i) {
    auto lease = grown.AcquireForScrape(Soon());
    ASSERT_TRUE(lease.ok()) << lease.status().message();
    served.push_back(static_cast<int>(lease->member()) + 1);
  }
  // Round-robin starts at db1; db2 is probed when it comes first (2nd, 4th
  // scrape), enters after its second healthy probe and serves the 6th.
  EXPECT_EQ(served, (std::vector<int>{1, 1, 1, 2, 1, 2}));
  EXPECT_EQ(grown.Snapshot()[1].state, MemberState::kHealthy);
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
  pool_->MarkDown(0, Status::Unavailable("server closed the connection"));
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
    m.probe = testing::ElectionMember("MariaDB Galera (wsrep_on = ON)");
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
    m.probe = testing::ElectionMember("MySQL Group Replication");
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

}  // namespace
}  // namespace rse
