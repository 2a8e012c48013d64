// What the pool tells /status of each member beyond its metrics: since when
// it is in its state, its role, its last error, rise/fall progress, backoff,
// and its sessions (open, idle, waiting).
#include <gtest/gtest.h>

#include <thread>

#include "pool/replica_pool_fixture.h"

namespace rse {
namespace {

TEST_F(ReplicaPoolTest, AMemberShowsSinceWhenItsRoleAndItsLastError) {
  MakePool(2);
  const TimePoint made = clock_.Now();
  auto before = pool_->Snapshot();
  EXPECT_EQ(before[0].role, "unknown");
  EXPECT_EQ(before[0].since, made);
  EXPECT_EQ(before[0].reason, "not contacted yet");
  EXPECT_TRUE(before[0].last_error.empty());

  clock_.Advance(3s);
  ASSERT_EQ(NextScrape(), 1);
  auto healthy = pool_->Snapshot()[0];
  EXPECT_EQ(healthy.role, "replica");
  EXPECT_EQ(healthy.since, made + 3s);
  EXPECT_EQ(healthy.rise, 2);
  EXPECT_EQ(healthy.fall, 1) << "the fixture's";
  EXPECT_FALSE(healthy.retry_at);

  clock_.Advance(2s);
  backend_.Edit(1, [](FakeMember& m) { m.connect_error = Status::Unavailable("timeout expired"); });
  pool_->MarkDown(0, Status::Unavailable("server closed the connection"));
  auto down = pool_->Snapshot()[0];
  EXPECT_EQ(down.state, MemberState::kDown);
  EXPECT_EQ(down.since, made + 5s);
  EXPECT_EQ(down.role, "replica") << "a down verdict does not change what the server was";
  EXPECT_NE(down.last_error.find("down: server closed the connection"), std::string::npos)
      << down.last_error;
  EXPECT_EQ(down.last_error_at, made + 5s);
  ASSERT_TRUE(down.retry_at);
  EXPECT_EQ(*down.retry_at, made + 6s) << "the first backoff";

  clock_.Advance(2s);
  backend_.Edit(1, [](FakeMember& m) {
    m.connect_error = Status::Ok();
    m.probe = testing::Primary();
  });
  EXPECT_EQ(NextScrape(), 2);
  EXPECT_EQ(NextScrape(), 2);
  auto primary = pool_->Snapshot()[0];
  EXPECT_EQ(primary.role, "primary");
  EXPECT_EQ(primary.state, MemberState::kPrimary);
  EXPECT_NE(primary.last_error.find("primary: "), std::string::npos) << primary.last_error;
}

TEST_F(ReplicaPoolTest, FallAndRiseProgressIsShownBeforeTheStateChanges) {
  MakePool(2, 2, WhenAllLagging::kRefuse, /*fall=*/3);
  ASSERT_EQ(NextScrape(), 1);
  ASSERT_EQ(NextScrape(), 2);
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::HealthyReplica(31); });
  ASSERT_EQ(NextScrape(), 1) << "still in: one lagging verdict of three";
  auto falling = pool_->Snapshot()[0];
  EXPECT_EQ(falling.state, MemberState::kHealthy);
  EXPECT_EQ(falling.falling, 1);
  EXPECT_EQ(falling.fall, 3);
  EXPECT_NE(falling.last_error.find("lagging: replication lag 31.0s"), std::string::npos)
      << falling.last_error;
}

TEST_F(ReplicaPoolTest, SessionsOpenIdleAndWaitingAreCounted) {
  MakePool(1, /*connections_per_replica=*/2);
  auto first = pool_->AcquireForScrape(Soon());
  ASSERT_TRUE(first.ok());
  auto second = pool_->AcquireMore(0, Soon());
  ASSERT_TRUE(second.ok());
  auto busy = pool_->Snapshot()[0];
  EXPECT_EQ(busy.sessions_open, 2);
  EXPECT_EQ(busy.sessions_idle, 0);
  EXPECT_EQ(busy.sessions_cap, 2);
  EXPECT_EQ(busy.sessions_waiting, 0);

  std::thread waiter([&] {
    auto third = pool_->AcquireMore(0, Deadline(clock_.Now() + 1h));
    EXPECT_TRUE(third.ok());
  });
  while (pool_->Snapshot()[0].sessions_waiting != 1) std::this_thread::yield();
  { Lease released = std::move(*second); }
  waiter.join();
  auto after = pool_->Snapshot()[0];
  EXPECT_EQ(after.sessions_waiting, 0);
  EXPECT_EQ(after.sessions_open, 2);
  EXPECT_EQ(after.sessions_idle, 1) << "the waiter's session went back when it ended";
}

}  // namespace
}  // namespace rse
