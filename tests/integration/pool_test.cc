// The replica pool against the real clusters, for both engines: it tells
// replicas from primaries, notices lag, refuses a promoted replica, and fails
// over within a scrape when a replica stops.
#include <gtest/gtest.h>

#include <iostream>
#include <set>
#include <sstream>

#include "db_env.h"
#include "pool/replica_pool.h"

namespace rse {
namespace {

using testing::ClusterEnv;
using namespace std::chrono_literals;

class PoolTest : public ::testing::TestWithParam<const ClusterEnv*> {
 protected:
  const ClusterEnv& env() const { return *GetParam(); }
  bool pg() const { return env().engine == Engine::kPostgres; }

  void SetUp() override { testing::WaitReplicasCaughtUp(env()); }

  // A pool over `members` (primary, replica1, replica2 by index 0, 1, 2).
  std::unique_ptr<ReplicaPool> MakePool(const std::vector<int>& members,
                                        std::chrono::milliseconds max_lag = 30s,
                                        WhenAllLagging when_all_lagging = WhenAllLagging::kRefuse) {
    std::vector<HostPort> all = {env().primary, env().replicas[0], env().replicas[1]};
    std::vector<Member> list;
    for (int m : members) list.push_back({all[m].ToString(), all[m], ""});
    PoolOptions options;
    options.connect = env().Params(all[0]);
    options.max_replication_lag = max_lag;
    options.min_backoff = 0ms;  // Real clock: let a restarted member be retried at once.
    options.when_all_lagging = when_all_lagging;
    return std::make_unique<ReplicaPool>(std::move(list), options, backend_.get(), DefaultClock(),
                                         &logger_);
  }

  // The index (in MakePool's list) of the member that serves the next scrape, or -1.
  int NextScrape(ReplicaPool& pool, const std::set<size_t>& exclude = {}) {
    auto lease = pool.AcquireForScrape(Deadline::After(*DefaultClock(), 5s), exclude);
    if (!lease.ok()) {
      last_error_ = lease.status().message();
      return -1;
    }
    return static_cast<int>(lease->member());
  }

  std::unique_ptr<Backend> backend_ = env().MakeBackend();
  std::ostringstream log_;
  Logger logger_{LogLevel::kDebug, LogFormat::kLogfmt, &log_};
  std::string last_error_;
};

TEST_P(PoolTest, ServesFromReplicasOnlyAndNeverQueriesTheConfiguredPrimary) {
  auto pool = MakePool({0, 1, 2});
  std::set<int> served;
  for (int i = 0; i < 6; ++i) served.insert(NextScrape(*pool));
  EXPECT_EQ(served, (std::set<int>{1, 2})) << last_error_;
  auto snapshot = pool->Snapshot();
  EXPECT_EQ(snapshot[0].state, MemberState::kPrimary);
  EXPECT_EQ(snapshot[0].scrapes_served, 0u);
  EXPECT_EQ(snapshot[1].state, MemberState::kHealthy);
  EXPECT_EQ(snapshot[2].state, MemberState::kHealthy);
}

TEST_P(PoolTest, AReplicaThatStopsApplyingIsLagging) {
  auto pool = MakePool({1, 2});
  const HostPort& replica = env().replicas[0];
  testing::AdminExec(env(), replica,
                     pg() ? "SELECT pg_wal_replay_pause()" : "STOP SLAVE SQL_THREAD");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(NextScrape(*pool), 1);
  EXPECT_EQ(pool->Snapshot()[0].state, MemberState::kLagging);
  EXPECT_NE(log_.str().find("not being applied"), std::string::npos) << log_.str();
  testing::AdminExec(env(), replica,
                     pg() ? "SELECT pg_wal_replay_resume()" : "START SLAVE SQL_THREAD");
  testing::WaitReplicasCaughtUp(env());
  std::set<int> served;
  for (int i = 0; i < 4; ++i) served.insert(NextScrape(*pool));
  EXPECT_EQ(served, (std::set<int>{0, 1})) << "healthy again once it applies";
}

TEST_P(PoolTest, ReplicasRestartedOnAnIdlePrimaryComeBackInRotation) {
  // A tight lag ceiling: the age of the last replayed commit passes it at once,
  // so a replica judged by that age would never come back while nothing is written.
  auto pool = MakePool({1, 2}, /*max_lag=*/1s);
  const std::string position_sql =
      pg() ? "SELECT pg_last_xact_replay_timestamp()::text" : "SELECT @@gtid_binlog_pos";
  const HostPort& position_host = pg() ? env().replicas[0] : env().primary;
  if (pg()) {
    // Until the last replayed commit (SetUp's marker) is older than the ceiling.
    for (const HostPort& replica : env().replicas) {
      ASSERT_TRUE(testing::Eventually([&] {
        auto age = testing::AdminQuery(
            env(), replica, "SELECT now() - pg_last_xact_replay_timestamp() > interval '2s'");
        return !age.empty() && age[0][0] == "t";
      }));
    }
  }
  const auto before = testing::AdminQuery(env(), position_host, position_sql);
  // A rolling restart, one replica after the other.
  for (size_t member : {0u, 1u}) {
    const auto start = std::chrono::steady_clock::now();
    testing::RestartMember(env(), member == 0 ? "replica1" : "replica2");
    const bool back = testing::Eventually([&] {
      NextScrape(*pool);
      return pool->Snapshot()[member].state == MemberState::kHealthy;
    });
    EXPECT_TRUE(back) << "replica" << member + 1 << ": " << last_error_;
    std::cout << "[ figures  ] " << env().name << " replica" << member + 1 << " back in rotation "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
              << " s after the restart began\n";
  }
  std::set<int> served;
  for (int i = 0; i < 4; ++i) served.insert(NextScrape(*pool));
  EXPECT_EQ(served, (std::set<int>{0, 1})) << last_error_;
  EXPECT_EQ(testing::AdminQuery(env(), position_host, position_sql), before)
      << "the primary must have stayed idle for the test to mean anything";
}

TEST_P(PoolTest, AReplicaBehindMaxReplicationLagIsSkipped) {
  auto pool = MakePool({1, 2}, /*max_lag=*/1s);
  const HostPort& replica = env().replicas[1];
  if (pg()) {
    // Pause after a commit has replayed, then commit again: the lag grows from there.
    testing::AdminExec(env(), replica, "SELECT pg_wal_replay_pause()");
    testing::AdminExec(env(), env().primary,
                       "INSERT INTO rse_test_marker VALUES (2, 'lag') ON CONFLICT (id) DO UPDATE "
                       "SET token = 'lag2'");
  } else {
    testing::AdminExec(env(), replica,
                       "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 86400; START SLAVE");
    testing::AdminExec(env(), env().primary, "REPLACE INTO rse_sync.test_marker VALUES (2, 'lag')");
  }
  ASSERT_TRUE(testing::Eventually([&] {
    auto state = testing::ProbeMember(env(), replica);
    if (!state.ok()) return false;
    // PostgreSQL: replay paused. MariaDB: the SQL thread restarts with the
    // delay and is briefly not applying before it reports the lag, so only
    // the lag itself says it fell behind.
    if (pg()) return !state->applying || state->lag_seconds.value_or(0) >= 1.5;
    return state->applying && state->lag_seconds.value_or(0) >= 1.5;
  })) << "the replica never fell behind";
  for (int i = 0; i < 4; ++i) EXPECT_EQ(NextScrape(*pool), 0);
  auto snapshot = pool->Snapshot();
  EXPECT_EQ(snapshot[1].state, MemberState::kLagging);
  if (!pg()) {
    ASSERT_TRUE(snapshot[1].lag_seconds.has_value());
    EXPECT_GE(*snapshot[1].lag_seconds, 1.0);
  }
  testing::RepairCluster(env());
}

TEST_P(PoolTest, APromotedReplicaIsRefusedFromTheNextScrape) {
  auto pool = MakePool({1, 2});
  std::set<int> served;
  for (int i = 0; i < 2; ++i) served.insert(NextScrape(*pool));
  ASSERT_EQ(served, (std::set<int>{0, 1}));
  const HostPort& replica = env().replicas[1];
  testing::AdminExec(env(), replica,
                     pg() ? "SELECT pg_promote(true, 30)"
                          : "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(NextScrape(*pool), 0);
  EXPECT_EQ(pool->Snapshot()[1].state, MemberState::kPrimary);
  // Its sessions (two were open, one idle) are closed at once, not left on what is now a primary.
  auto ours = testing::AdminQuery(
      env(), replica,
      pg() ? "SELECT count(*) FROM pg_stat_activity WHERE usename = 'exporter'"
           : "SELECT count(*) FROM information_schema.processlist WHERE user = 'exporter'");
  ASSERT_FALSE(ours.empty());
  EXPECT_TRUE(testing::Eventually(
      [&] {
        ours = testing::AdminQuery(
            env(), replica,
            pg() ? "SELECT count(*) FROM pg_stat_activity WHERE usename = 'exporter'"
                 : "SELECT count(*) FROM information_schema.processlist WHERE user = 'exporter'");
        return !ours.empty() && ours[0][0] == "0";
      },
      5s))
      << "sessions of ours still open on the promoted server: " << ours[0][0];
  testing::RepairCluster(env());
}

TEST_P(PoolTest, WhenEveryReplicaLagsTheChosenPolicyApplies) {
  // Both replicas stop applying: lagging, with a known lag on PostgreSQL
  // (the age of the last replayed commit) and an unknown one on MariaDB.
  for (const HostPort& replica : env().replicas) {
    testing::AdminExec(env(), replica,
                       pg() ? "SELECT pg_wal_replay_pause()" : "STOP SLAVE SQL_THREAD");
  }
  auto refuse = MakePool({0, 1, 2});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(NextScrape(*refuse), -1);
  EXPECT_NE(last_error_.find("not being applied"), std::string::npos) << last_error_;
  auto least_lagged = MakePool({0, 1, 2}, 30s, WhenAllLagging::kLeastLagged);
  std::set<int> served;
  for (int i = 0; i < 4; ++i) served.insert(NextScrape(*least_lagged));
  EXPECT_FALSE(served.count(-1)) << last_error_;
  EXPECT_FALSE(served.count(0)) << "never the primary";
  EXPECT_EQ(least_lagged->Snapshot()[0].state, MemberState::kPrimary);
  for (size_t m : {1u, 2u}) EXPECT_EQ(least_lagged->Snapshot()[m].state, MemberState::kLagging);
  testing::RepairCluster(env());
}

TEST_P(PoolTest, AStoppedReplicaFailsOverWithinTheScrape) {
  auto pool = MakePool({1, 2});
  auto lease = pool->AcquireForScrape(Deadline::After(*DefaultClock(), 5s));
  ASSERT_TRUE(lease.ok()) << lease.status().message();
  size_t chosen = lease->member();
  testing::StopMember(env(), chosen == 0 ? "replica1" : "replica2");
  // The scrape's next query fails on the connection level...
  auto result = lease->connection().Query("SELECT count(*) AS n FROM orders",
                                          Deadline::After(*DefaultClock(), 5s), "it", kNoRowLimit);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Status::Code::kUnavailable) << result.status().message();
  pool->MarkDown(chosen, result.status());
  // ...and moves to the next healthy replica, within the same deadline.
  auto next = pool->AcquireForScrape(Deadline::After(*DefaultClock(), 5s), {chosen});
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_NE(next->member(), chosen);
  auto retried = next->connection().Query("SELECT count(*) AS n FROM orders",
                                          Deadline::After(*DefaultClock(), 5s), "it", kNoRowLimit);
  ASSERT_TRUE(retried.ok()) << retried.status().message();
  EXPECT_EQ(retried->rows[0][0], "2000");
  EXPECT_EQ(pool->Snapshot()[chosen].state, MemberState::kDown);
  testing::RepairCluster(env());
  // Back on its own, on a later scrape.
  std::set<int> served;
  for (int i = 0; i < 4; ++i) served.insert(NextScrape(*pool));
  EXPECT_EQ(served, (std::set<int>{0, 1})) << last_error_;
}

TEST_P(PoolTest, WithThePrimaryDownTheReplicasKeepServingTheLastData) {
  auto pool = MakePool({1, 2});
  ASSERT_NE(NextScrape(*pool), -1) << last_error_;
  testing::StopMember(env(), "primary");
  // Until both replicas noticed that their stream is gone.
  for (const HostPort& replica : env().replicas) {
    ASSERT_TRUE(testing::Eventually([&] {
      auto state = testing::ProbeMember(env(), replica);
      return state.ok() && !state->streaming;
    })) << replica.ToString();
  }
  std::set<int> served;
  for (int i = 0; i < 4; ++i) served.insert(NextScrape(*pool));
  EXPECT_FALSE(served.count(-1)) << last_error_;
  for (const MemberSnapshot& m : pool->Snapshot())
    EXPECT_NE(m.state, MemberState::kDown) << m.label;
  testing::RepairCluster(env());
}

TEST_P(PoolTest, StartsWhenEveryDatabaseIsDownAndSaysSo) {
  std::vector<Member> list = {{"127.0.0.1:1", {"127.0.0.1", 1}, ""}, {"127.0.0.1:2", {"127.0.0.1", 2}, ""}};
  PoolOptions options;
  options.connect = env().Params(env().primary);
  ReplicaPool pool(std::move(list), options, backend_.get(), DefaultClock(), &logger_);
  EXPECT_TRUE(pool.CheckForMasterElection(Deadline::After(*DefaultClock(), 5s)).ok());
  EXPECT_EQ(NextScrape(pool), -1);
  EXPECT_NE(last_error_.find("127.0.0.1:1: down"), std::string::npos) << last_error_;
}

INSTANTIATE_TEST_SUITE_P(Engines, PoolTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse
