// The scrape engine when a replica fails under a scrape: a broken session,
// a member that stops opening sessions, one that answers neither a statement
// nor its cancel, a recovery conflict. The scrape moves on within its
// deadline; a plain timeout stays the query's.
#include <gtest/gtest.h>

#include "collect/scrape_engine_fixture.h"

namespace rse {
namespace {

using namespace std::chrono_literals;
using testing::FakeMember;

TEST_F(ScrapeEngineTest, AReplicaLostMidScrapeFailsOverWithoutFailingTheScrape) {
  Make({Query("q")}, /*members=*/2);
  OnQuery(1, [](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    return Status::Unavailable("server closed the connection unexpectedly");
  });
  OnQuery(2, [](std::string_view, const Deadline&) { return Value(5); });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "q_value"), 5);
  EXPECT_EQ(Find(families, "replica_sql_query_success", "q"), 1);
  EXPECT_EQ(Find(families, "replica_sql_up"), 1);
  EXPECT_EQ(pool_->Snapshot()[0].state, MemberState::kDown);
}

TEST_F(ScrapeEngineTest, AMixedScrapeSaysWhereEachQueryRan) {
  Make({Query("q")}, /*members=*/2);
  OnQuery(1, [](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    return Status::Unavailable("server closed the connection unexpectedly");
  });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "q_value"), 1);
  EXPECT_EQ(
      FindExact(families, "replica_sql_query_replica_info", {{"query", "q"}, {"replica", "db:2"}}),
      1);
  EXPECT_EQ(FindExact(families, "replica_sql_scrape_replica_info", {{"replica", "db:2"}}), 1)
      << "the replica it moved to";
}

TEST_F(ScrapeEngineTest, ARecoveryConflictIsRetriedOnceOnAnotherReplica) {
  Make({Query("q"), Query("other")}, /*members=*/2, /*max_concurrent=*/1);
  OnQuery(1, [](std::string_view sql, const Deadline&) -> StatusOr<RowSet> {
    if (sql == "q")
      return Status::Aborted("canceling statement due to conflict with recovery [SQLSTATE 40001]");
    return Value(2);
  });
  OnQuery(2, [](std::string_view, const Deadline&) { return Value(9); });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "q_value"), 9) << "served by the other replica";
  EXPECT_EQ(Find(families, "replica_sql_query_success", "q"), 1);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "q", "recovery_conflict"), 1);
  EXPECT_EQ(
      FindExact(families, "replica_sql_replica_recovery_conflicts_total", {{"replica", "db:1"}}),
      1);
  EXPECT_EQ(
      FindExact(families, "replica_sql_query_replica_info", {{"query", "q"}, {"replica", "db:2"}}),
      1);
  EXPECT_EQ(Find(families, "other_value"), 2) << "the scrape itself stays on its replica";
  EXPECT_EQ(FindExact(families, "replica_sql_scrape_replica_info", {{"replica", "db:1"}}), 1);
  EXPECT_EQ(pool_->Snapshot()[0].state, MemberState::kHealthy) << "a conflict is not a fault";
}

TEST_F(ScrapeEngineTest, ARecoveryConflictWithNowhereElseToGoFailsTheQueryOnce) {
  Make({Query("q")});
  OnQuery(1, [](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    return Status::Aborted("canceling statement due to conflict with recovery [SQLSTATE 40001]");
  });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "replica_sql_query_success", "q"), 0);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "q", "recovery_conflict"), 1);
  EXPECT_EQ(Find(families, "replica_sql_up"), 1);
}

TEST_F(ScrapeEngineTest, AWorkerThatCannotOpenASessionToTheServingReplicaMovesTheScrape) {
  Make({Query("a"), Query("b")}, /*members=*/2, /*max_concurrent=*/2);
  Gate gate;
  // Member 1 keeps the session it was probed on, but opens no other.
  backend_.Edit(1, [](FakeMember& m) { m.connects_allowed = 1; });
  // Which worker pops which query is the scheduler's choice: the one on the
  // probed session holds its query until the other worker, refused a
  // session of its own, has run one on member 2.
  OnQuery(1, [&](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    gate.Wait();
    return Value(1);
  });
  OnQuery(2, [&](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    gate.Release();
    return Value(2);
  });
  auto families = engine_->Scrape(5s).Flatten();
  const std::optional<double> a = Find(families, "a_value");
  const std::optional<double> b = Find(families, "b_value");
  ASSERT_TRUE(a && b);
  EXPECT_TRUE((*a == 1 || *a == 2) && (*b == 1 || *b == 2)) << *a << " " << *b;
  EXPECT_TRUE(*a == 2 || *b == 2) << "one served by the replica the scrape moved to";
  EXPECT_EQ(Find(families, "replica_sql_query_success", "a"), 1);
  EXPECT_EQ(Find(families, "replica_sql_query_success", "b"), 1);
  EXPECT_EQ(Find(families, "replica_sql_up"), 1);
  EXPECT_EQ(pool_->Snapshot()[0].state, MemberState::kDown);
}

TEST_F(ScrapeEngineTest, AServerThatAnswersNeitherAStatementNorItsCancelIsLeftForTheNext) {
  Make({Query("q")}, /*members=*/2);
  backend_.Edit(1, [](FakeMember& m) { m.stops_answering = true; });
  OnQuery(2, [](std::string_view, const Deadline&) { return Value(7); });
  auto families = engine_->Scrape(5s).Flatten();
  EXPECT_EQ(Find(families, "q_value"), 7) << "run again on the other replica, time being left";
  EXPECT_EQ(Find(families, "replica_sql_query_success", "q"), 1);
  EXPECT_EQ(pool_->Snapshot()[0].state, MemberState::kDown) << "a black hole is a verdict";
  EXPECT_NE(pool_->Snapshot()[0].last_error.find("did not answer"), std::string::npos)
      << pool_->Snapshot()[0].last_error;
  families = engine_->Scrape(5s).Flatten();
  EXPECT_EQ(Find(families, "q_value"), 7);
  EXPECT_EQ(backend_.Get(1).queries, 1) << "not tried again before its backoff";
}

TEST_F(ScrapeEngineTest, AStatementThatOnlyRanOutOfTimeFailsItsQueryAndNotTheReplica) {
  Make({Query("q")}, /*members=*/2);
  auto timed_out = [](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    return Status::DeadlineExceeded("canceling statement due to statement timeout");
  };
  OnQuery(1, timed_out);
  OnQuery(2, timed_out);
  auto families = engine_->Scrape(5s).Flatten();
  EXPECT_EQ(Find(families, "replica_sql_query_success", "q"), 0);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "q", "timeout"), 1);
  EXPECT_EQ(backend_.Get(1).queries + backend_.Get(2).queries, 1) << "not run again";
  EXPECT_EQ(pool_->Snapshot()[0].state, MemberState::kHealthy) << "the replica that served it";
}

TEST_F(ScrapeEngineTest, AQuerysTimeoutCountsFromWhenItsSessionIsOpen) {
  QuerySpec b = Query("b");
  b.timeout = 1s;
  Make({Query("a"), b}, /*members=*/1, /*max_concurrent=*/2);
  Gate connected;
  int connects = 0;
  // The second worker's session takes 2 s to open: longer than b's timeout.
  backend_.Edit(1, [&](FakeMember& m) {
    m.on_connect = [&] {
      if (++connects < 2) return;
      clock_.Advance(2s);
      connected.Release();
    };
  });
  OnQuery(1, [&](std::string_view sql, const Deadline& deadline) -> StatusOr<RowSet> {
    if (sql == "a") connected.Wait();
    if (deadline.Expired(clock_)) return Status::DeadlineExceeded("statement timeout");
    return Value(3);
  });
  auto families = engine_->Scrape(10s).Flatten();
  EXPECT_EQ(Find(families, "b_value"), 3) << "the connect's 2 s were not b's";
  EXPECT_EQ(Find(families, "replica_sql_query_success", "b"), 1);
  EXPECT_EQ(Find(families, "replica_sql_query_success", "a"), 1);
}

}  // namespace
}  // namespace rse
