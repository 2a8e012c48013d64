// The scrape engine with cached (slow) queries: TTL, stale-while-refresh,
// failures never cached, and scrapes that need no database.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "collect/scrape_engine_fixture.h"

namespace rse {
namespace {

using namespace std::chrono_literals;
using testing::FakeMember;

TEST_F(ScrapeEngineTest, CachedQueryRunsOncePerTtl) {
  Make({Query("slow", 5min)});
  int runs = 0;
  OnQuery(1, [&](std::string_view, const Deadline&) { return Value(++runs); });
  EXPECT_EQ(Find(engine_->Scrape(2s).Flatten(), "slow_value"), 1);
  clock_.Advance(4min);
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "slow_value"), 1);
  EXPECT_EQ(Find(families, "replica_sql_query_cache_age_seconds", "slow"), 240);
  EXPECT_EQ(runs, 1);
  clock_.Advance(2min);
  EXPECT_EQ(Find(engine_->Scrape(2s).Flatten(), "slow_value"), 1) << "stale, served while it refreshes";
  ASSERT_TRUE(published_.AwaitCount(2));
  EXPECT_EQ(Find(engine_->Scrape(2s).Flatten(), "slow_value"), 2);
  EXPECT_EQ(runs, 2);
}

TEST_F(ScrapeEngineTest, AFullyCachedScrapeTouchesNoDatabase) {
  Make({Query("a", 5min), Query("b", 5min)});
  ASSERT_EQ(Find(engine_->Scrape(2s).Flatten(), "b_value"), 1);
  const FakeMember before = backend_.Get(1);
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "a_value"), 1);
  const FakeMember after = backend_.Get(1);
  EXPECT_EQ(after.probes, before.probes) << "no probe";
  EXPECT_EQ(after.queries, before.queries) << "no statement";
  EXPECT_EQ(after.connects, before.connects);
  EXPECT_EQ(Find(families, "replica_sql_up"), 1) << "the pool last knew a healthy replica";
  EXPECT_EQ(CountSamples(families, "replica_sql_scrape_replica_info"), 0u) << "none served";
}

TEST_F(ScrapeEngineTest, AScrapeThatOnlyJoinsHoldsNoConnection) {
  // One connection per replica: if the joining scrape took one (to probe), the
  // leader's second query could not run and the joiner would report a busy pool.
  Make({Query("a"), Query("b")}, 1, /*max_concurrent=*/1);
  Gate gate;
  OnQuery(1, [&](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    gate.Wait();
    return Value(5);
  });
  auto leader = std::async(std::launch::async, [&] { return engine_->Scrape(60s).Flatten(); });
  ASSERT_TRUE(gate.AwaitWaiting(1));
  auto joiner = std::async(std::launch::async, [&] { return engine_->Scrape(60s).Flatten(); });
  ASSERT_TRUE(joined_.AwaitCount(2));
  gate.Release();
  for (auto* scrape : {&leader, &joiner}) {
    auto families = scrape->get();
    EXPECT_EQ(Find(families, "replica_sql_up"), 1);
    EXPECT_EQ(Find(families, "a_value"), 5);
    EXPECT_EQ(Find(families, "b_value"), 5);
  }
  EXPECT_EQ(backend_.Get(1).probes, 1) << "only the leader probed";
  EXPECT_EQ(backend_.Get(1).queries, 2) << "one execution per query";
}

TEST_F(ScrapeEngineTest, ASlowRefreshServesThePreviousResultAndGoesOn) {
  Make({Query("slow", 5min)});
  Gate gate;
  std::atomic<int> runs = 0;
  OnQuery(1, [&](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    if (++runs == 2) gate.Wait();
    return Value(runs);
  });
  ASSERT_EQ(Find(engine_->Scrape(2s).Flatten(), "slow_value"), 1);
  clock_.Advance(6min);
  auto families = engine_->Scrape(200ms).Flatten();
  EXPECT_FALSE(gate.released()) << "a slow refresh never delays the scrape";
  EXPECT_EQ(Find(families, "slow_value"), 1) << "the previous result, still within max_staleness";
  EXPECT_EQ(Find(families, "replica_sql_query_success", "slow"), 1);
  gate.Release();
  ASSERT_TRUE(published_.AwaitCount(2)) << "the refresh finishes in the background";
  EXPECT_EQ(Find(engine_->Scrape(2s).Flatten(), "slow_value"), 2) << "a later scrape picks the refresh up";
  EXPECT_EQ(runs, 2);
}

TEST_F(ScrapeEngineTest, FailuresAreNeverCachedAndStaleResultsExpire) {
  Make({Query("slow", 5min)});
  std::atomic<bool> fail = false;
  OnQuery(1, [&](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    if (fail) return Status::InvalidArgument("boom");
    return Value(1);
  });
  ASSERT_EQ(Find(engine_->Scrape(2s).Flatten(), "slow_value"), 1);
  fail = true;
  clock_.Advance(6min);
  auto families = engine_->Scrape(2s).Flatten();  // Serves the stale result, starts a refresh.
  EXPECT_EQ(Find(families, "slow_value"), 1);
  ASSERT_TRUE(published_.AwaitCount(2));
  families = engine_->Scrape(2s).Flatten();  // Also starts the next refresh, which may end before it renders.
  EXPECT_EQ(Find(families, "slow_value"), 1) << "last good result kept";
  EXPECT_EQ(Find(families, "replica_sql_query_success", "slow"), 0) << "the refresh fails: said";
  EXPECT_GE(Find(families, "replica_sql_query_errors_total", "slow", "sql").value_or(0), 1);
  ASSERT_TRUE(published_.AwaitCount(3));
  EXPECT_EQ(backend_.Get(1).queries, 3)
      << "the failure was not cached: each scrape refreshes again";
  clock_.Advance(5min);  // 11 minutes old: past max_staleness (10m).
  families = engine_->Scrape(2s).Flatten();
  EXPECT_FALSE(Find(families, "slow_value"));
  EXPECT_EQ(Find(families, "replica_sql_query_success", "slow"), 0);
}

}  // namespace
}  // namespace rse
