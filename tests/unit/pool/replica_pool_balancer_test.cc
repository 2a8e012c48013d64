// ReplicaPool behind load balancers: sessions judged one by one, members
// found to be balancers (pool/balancer_sessions.cc).
#include "pool/replica_pool.h"

#include <gtest/gtest.h>

#include "pool/replica_pool_fixture.h"

namespace rse {
namespace {

// A round-robin load balancer over a primary and two replicas (a cloud reader
// endpoint during a failover): sessions that land on the primary are closed
// and replaced; the address serves on and is never judged a primary.
TEST_F(ReplicaPoolTest, BehindALoadBalancerASessionOnAPrimaryIsReplacedNotTheAddressJudged) {
  members_are_ = MembersAre::kLoadBalancers;
  MakePool(1, /*connections_per_replica=*/4);
  backend_.Edit(1, [](FakeMember& m) {
    m.servers = {testing::Primary(), testing::HealthyReplica(), testing::HealthyReplica()};
  });
  for (int i = 0; i < 20; ++i) ASSERT_EQ(NextScrape(), 1) << last_error_;
  std::vector<Lease> leases;  // Parallel sessions: each new one is checked too.
  for (int i = 0; i < 3; ++i) {
    auto more = pool_->AcquireMore(0, Soon());
    ASSERT_TRUE(more.ok()) << more.status().message();
    leases.push_back(std::move(*more));
  }
  for (Lease& lease : leases) {
    auto rows = lease.connection().Query("SELECT 1", Soon(), "q", 10);
    EXPECT_TRUE(rows.ok()) << "a session handed out never sits on the primary: "
                           << rows.status().message();
  }
  EXPECT_EQ(StateOf(1), MemberState::kHealthy);
  EXPECT_GE(pool_->Snapshot()[0].sessions_rejected, 1u);
  EXPECT_EQ(log_.str().find("replica skipped"), std::string::npos) << log_.str();
}

TEST_F(ReplicaPoolTest, BehindALoadBalancerOnlyPrimariesIsAPrimaryAfterEveryTry) {
  members_are_ = MembersAre::kLoadBalancers;
  MakePool(1);
  backend_.Edit(1, [](FakeMember& m) { m.servers = {testing::Primary()}; });
  EXPECT_EQ(NextScrape(), -1);
  EXPECT_EQ(backend_.Get(1).connects, kLoadBalancerTries);
  EXPECT_EQ(StateOf(1), MemberState::kPrimary);
}

TEST_F(ReplicaPoolTest, DirectlyASessionOnAPrimaryMakesTheMemberAPrimary) {
  MakePool(1);
  backend_.Edit(1, [](FakeMember& m) {
    m.servers = {testing::HealthyReplica(), testing::Primary()};
  });
  auto first = pool_->AcquireForScrape(Soon());
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto more = pool_->AcquireMore(0, Soon());  // A new session: it reaches the primary.
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), Status::Code::kFailedPrecondition) << more.status().message();
  EXPECT_EQ(StateOf(1), MemberState::kPrimary) << "a server address that answers as a primary is one";
  EXPECT_EQ(backend_.Get(1).queries, 0);
}

// The same address, told nothing, turns out to be a balancer: sessions that
// report different servers. From then on it is judged session by session.
TEST_F(ReplicaPoolTest, AnAddressWhoseSessionsReachDifferentServersIsTreatedAsABalancer) {
  MakePool(1, /*connections_per_replica=*/4);
  auto named = [](ReplicaState state, const char* server) {
    state.server = server;
    return state;
  };
  backend_.Edit(1, [&](FakeMember& m) {
    m.servers = {named(testing::HealthyReplica(), "10.0.0.2:5432"),
                 named(testing::Primary(), "10.0.0.1:5432"),
                 named(testing::HealthyReplica(), "10.0.0.3:5432")};
  });
  auto first = pool_->AcquireForScrape(Soon());
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto more = pool_->AcquireMore(0, Soon());  // Reaches the primary, then another server.
  ASSERT_TRUE(more.ok()) << more.status().message();
  EXPECT_EQ(StateOf(1), MemberState::kHealthy);
  EXPECT_EQ(pool_->Snapshot()[0].sessions_rejected, 1u);
  EXPECT_NE(log_.str().find("it is a load balancer"), std::string::npos) << log_.str();
  EXPECT_EQ(log_.str().find("replica skipped"), std::string::npos) << log_.str();
}

TEST_F(ReplicaPoolTest, AnAddressJudgedAPrimaryOnOneSessionIsForgivenWhenItShowsABalancer) {
  MakePool(1, /*connections_per_replica=*/4);
  auto named = [](ReplicaState state, const char* server) {
    state.server = server;
    return state;
  };
  backend_.Edit(1, [&](FakeMember& m) {
    m.servers = {named(testing::Primary(), "10.0.0.1:5432"),
                 named(testing::HealthyReplica(), "10.0.0.2:5432")};
  });
  EXPECT_EQ(NextScrape(), -1) << "one session, one server: a primary as far as anyone knows";
  EXPECT_EQ(StateOf(1), MemberState::kPrimary);
  clock_.Advance(2s);  // Past the backoff.
  EXPECT_EQ(NextScrape(), 1) << last_error_;
  EXPECT_EQ(StateOf(1), MemberState::kHealthy);
  EXPECT_EQ(pool_->Snapshot()[0].state_changes, 1u) << "counted, never reset";
}

}  // namespace
}  // namespace rse
