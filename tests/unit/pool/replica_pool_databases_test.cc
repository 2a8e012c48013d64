// The pool's sessions in other databases (per-database fan-out): the member's
// connection cap holds across databases, a session is reused in its database,
// moved where the engine can (MySQL/MariaDB USE) and replaced where it cannot
// (PostgreSQL), and a missing database is that database's failure alone.
#include <gtest/gtest.h>

#include <thread>

#include "pool/replica_pool_fixture.h"

namespace rse {
namespace {

// The database part of each statement a member ran: "" for the configured one.
std::vector<std::string> Databases(const FakeMember& member) {
  std::vector<std::string> out;
  for (const std::string& s : member.statements) {
    const std::string session = s.substr(0, s.find(':'));
    const size_t at = session.find('@');
    out.push_back(at == std::string::npos ? "" : session.substr(at + 1));
  }
  return out;
}

TEST_F(ReplicaPoolTest, ASessionInADatabaseIsReusedThereAndTheCapHoldsAcrossDatabases) {
  MakePool(1, /*connections_per_replica=*/2);
  ASSERT_EQ(NextScrape(), 1);  // One session, in the configured database, now idle.
  for (const char* database : {"a", "b", "a", "c", "d", "e", "a"}) {
    auto lease = pool_->AcquireMore(0, Soon(), database);
    ASSERT_TRUE(lease.ok()) << lease.status().message();
    EXPECT_EQ(lease->database(), database);
    lease->connection().Query("q", Soon(), "q", 10);
  }
  const FakeMember member = backend_.Get(1);
  EXPECT_EQ(Databases(member),
            (std::vector<std::string>{"a", "b", "a", "c", "d", "e", "a"}));
  EXPECT_LE(member.peak_open_connections, 2);
  EXPECT_EQ(member.open_connections, 2);
  // "a" twice on the session it had: one connect for the scrape, one each for
  // a, b, c, d, e and the last a (b replaced it), no more.
  EXPECT_EQ(member.connects, 7);
  EXPECT_EQ(StateOf(1), MemberState::kHealthy);
}

TEST_F(ReplicaPoolTest, EightThreadsOverFiveDatabasesNeverOpenMoreThanTheCap) {
  MakePool(1, /*connections_per_replica=*/2);
  ASSERT_EQ(NextScrape(), 1);
  std::vector<std::thread> threads;
  std::atomic<int> served{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string database = "db" + std::to_string((t + i) % 5);
        auto lease = pool_->AcquireMore(0, Deadline(clock_.Now() + 1h), database);
        if (!lease.ok()) continue;
        if (lease->connection().Query("q", Soon(), "q", 10).ok()) ++served;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(served.load(), 160);
  EXPECT_LE(backend_.Get(1).peak_open_connections, 2);
}

TEST_F(ReplicaPoolTest, ASessionThatCanChangeItsDatabaseIsMovedNotReopened) {
  MakePool(1, /*connections_per_replica=*/1);
  backend_.Edit(1, [](FakeMember& m) { m.switches_database = true; });
  ASSERT_EQ(NextScrape(), 1);  // Healthy: its sessions are kept. One, in the configured database.
  for (const char* database : {"a", "b", "c"}) {
    auto lease = pool_->AcquireMore(0, Soon(), database);
    ASSERT_TRUE(lease.ok()) << lease.status().message();
    lease->connection().Query("q", Soon(), "q", 10);
  }
  const FakeMember member = backend_.Get(1);
  EXPECT_EQ(Databases(member), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(member.connects, 1);
  EXPECT_EQ(member.database_switches, 3);
}

TEST_F(ReplicaPoolTest, ASessionMovedAwayFromNoDatabaseIsReplacedForTheConfiguredOne) {
  // USE cannot return to "no database": such a session is closed, and the
  // configured database's query gets a session of its own, not the tenant's.
  MakePool(1, /*connections_per_replica=*/1);
  backend_.Edit(1, [](FakeMember& m) { m.switches_database = true; });
  ASSERT_EQ(NextScrape(), 1);
  {
    auto lease = pool_->AcquireMore(0, Soon(), "tenant");
    ASSERT_TRUE(lease.ok());
    lease->connection().Query("q", Soon(), "q", 10);
  }
  auto home = pool_->AcquireMore(0, Soon());
  ASSERT_TRUE(home.ok()) << home.status().message();
  EXPECT_EQ(home->database(), "");
  home->connection().Query("home", Soon(), "home", 10);
  EXPECT_EQ(Databases(backend_.Get(1)), (std::vector<std::string>{"tenant", ""}));
  EXPECT_EQ(backend_.Get(1).database_switches, 1);
  EXPECT_EQ(backend_.Get(1).connects, 2) << "the scrape's, then one for the configured database";
}

TEST_F(ReplicaPoolTest, AMissingDatabaseFailsItsSessionAndLeavesTheMemberHealthy) {
  MakePool(1, /*connections_per_replica=*/2);
  ASSERT_EQ(NextScrape(), 1);
  backend_.Edit(1, [](FakeMember& m) { m.missing_databases = {"gone"}; });
  auto lease = pool_->AcquireMore(0, Soon(), "gone");
  ASSERT_FALSE(lease.ok());
  EXPECT_NE(lease.status().message().find("\"gone\" does not exist"), std::string::npos);
  EXPECT_EQ(StateOf(1), MemberState::kHealthy);
  EXPECT_EQ(backend_.Get(1).open_connections, 1) << "the failed slot is given back";
  EXPECT_EQ(NextScrape(), 1);
}

}  // namespace
}  // namespace rse
