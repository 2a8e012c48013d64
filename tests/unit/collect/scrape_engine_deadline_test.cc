// The scrape engine at the scrape's deadline: answering by it, cutting and
// counting a query that runs over, and reporting where the time went.
#include "collect/scrape_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "collect/scrape_engine_fixture.h"

namespace rse {
namespace {

using namespace std::chrono_literals;
using testing::FakeMember;

TEST_F(ScrapeEngineTest, AnswersByTheDeadlineAndCountsTheTimeout) {
  Make({Query("slow"), Query("fast")});
  Gate gate;
  OnQuery(1, [&](std::string_view sql, const Deadline&) -> StatusOr<RowSet> {
    if (sql == "fast") return Value(1);
    gate.Wait();
    return Status::DeadlineExceeded("statement stopped at its deadline");
  });
  auto families = engine_->Scrape(200ms).Flatten();
  EXPECT_FALSE(gate.released()) << "the scrape answered while the slow query still ran";
  EXPECT_EQ(Find(families, "fast_value"), 1);
  EXPECT_EQ(Find(families, "replica_sql_query_success", "slow"), 0);
  gate.Release();
  engine_.reset();  // Waits for the execution to end.
}

TEST_F(ScrapeEngineTest, AQueryCutAtTheDeadlineIsCountedByThatScrapeOnce) {
  Make({Query("slow")});
  Gate gate;
  OnQuery(1, [&](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    gate.Wait();
    return Status::DeadlineExceeded("statement stopped at its deadline");
  });
  auto families = engine_->Scrape(200ms).Flatten();
  EXPECT_EQ(Find(families, "replica_sql_query_success", "slow"), 0);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "slow", "timeout"), 1)
      << "the scrape that reports the failure counts it";
  gate.Release();
  ASSERT_TRUE(published_.AwaitCount(1));
  OnQuery(1, [](std::string_view, const Deadline&) { return Value(1); });
  families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "slow", "timeout"), 1)
      << "the late end of that same execution is not counted again";
}

TEST_F(ScrapeEngineTest, AScrapeGivingUpReportsTheTimeTheQueryRan) {
  Make({Query("slow")});
  Gate gate;
  OnQuery(1, [&](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    clock_.Advance(1500ms);  // The statement has run this long when the second scrape gives up.
    gate.Wait();
    return Value(4);
  });
  auto leader = std::async(std::launch::async, [&] { return engine_->Scrape(1h).Flatten(); });
  ASSERT_TRUE(gate.AwaitWaiting(1));
  auto families = engine_->Scrape(1ms).Flatten();  // Joins, then gives up at once.
  EXPECT_EQ(Find(families, "replica_sql_query_success", "slow"), 0);
  EXPECT_EQ(Find(families, "replica_sql_query_duration_seconds", "slow"), 1.5);
  EXPECT_EQ(Find(families, "replica_sql_query_wait_seconds", "slow"), 0);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "slow", "timeout"), 1);
  gate.Release();
  families = leader.get();
  EXPECT_EQ(Find(families, "slow_value"), 4) << "the leader, with time left, still serves it";
  EXPECT_EQ(Find(families, "replica_sql_query_success", "slow"), 1);
}

TEST_F(ScrapeEngineTest, WaitingForAConnectionIsReportedApartFromTheRun) {
  Make({Query("a"), Query("b")}, 1, /*max_concurrent=*/1);
  OnQuery(1, [&](std::string_view sql, const Deadline&) {
    clock_.Advance(sql == "a" ? 300ms : 100ms);
    return Value(1);
  });
  auto families = engine_->Scrape(5s).Flatten();
  EXPECT_EQ(Find(families, "replica_sql_query_duration_seconds", "a"), 0.3);
  EXPECT_EQ(Find(families, "replica_sql_query_wait_seconds", "a"), 0);
  EXPECT_EQ(Find(families, "replica_sql_query_duration_seconds", "b"), 0.1);
  EXPECT_EQ(Find(families, "replica_sql_query_wait_seconds", "b"), 0.3)
      << "b waited for the one worker and connection while a ran";
}

}  // namespace
}  // namespace rse
